/** The administration entries of the navigation, each shown only with its permission. */
import type { NavItem } from '../shell/nav-item';

export const adminNav: NavItem[] = [];
