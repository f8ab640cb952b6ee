/** An entry of the navigation: a console path, its label key, icon and needed permission. */
import type { IconGauge } from '@tabler/icons-react';
import type { Feature } from '../api/types';

export interface NavItem {
  to: string;
  /** i18n key of the label. */
  label: string;
  icon: typeof IconGauge;
  feature?: Feature;
}
