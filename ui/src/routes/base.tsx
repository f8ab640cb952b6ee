/**
 * The two routes every page hangs from: the root, and `authenticated`, which checks the
 * session first: no session goes to sign-in (remembering where the user was going), a
 * forced password change or 2FA enrolment comes before anything else. Areas of the console
 * (src/<area>/routes.tsx) add their pages under `authenticated`.
 */
import type { QueryClient } from '@tanstack/react-query';
import { createRootRouteWithContext, createRoute, Outlet, redirect } from '@tanstack/react-router';
import { sessionQuery } from '../api/session';
import { NotFound } from '../shell/NotFound';
import { Shell } from '../shell/Shell';

interface RouterContext {
  queryClient: QueryClient;
}

export const rootRoute = createRootRouteWithContext<RouterContext>()({
  component: Outlet,
  notFoundComponent: NotFound,
});

export const authenticated = createRoute({
  getParentRoute: () => rootRoute,
  id: 'authenticated',
  async beforeLoad({ context, location }) {
    const session = await context.queryClient.ensureQueryData(sessionQuery);
    if (!session) throw redirect({ to: '/sign-in', search: { redirect: location.href } });
    const forced = session.mustChangePassword
      ? '/account/password'
      : session.totpEnrolmentRequired
        ? '/account/two-factor'
        : undefined;
    if (forced && location.pathname !== forced)
      throw redirect({ to: forced, search: { redirect: location.href } });
    return { session };
  },
  component: Shell,
});
