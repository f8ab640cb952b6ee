/**
 * The tenant administration pages under `authenticated`: the users (list, new, one user),
 * the API keys and the security policy (users.manage), and the access log (accesslog.view,
 * its filters in the address so a view can be shared or gone back to), the webhooks, the
 * platform's support-access requests and the access reviews (users.manage). Each page checks
 * its permission itself; the server refuses without it.
 */
import { createRoute } from '@tanstack/react-router';
import { authenticated } from '../routes/base';
import { AccessLogPage } from './AccessLogPage';
import { accessLogSearch } from './access-log-query';
import { AccessReviewPage } from './AccessReviewPage';
import { AccessReviewsPage } from './AccessReviewsPage';
import { ApiKeysPage } from './ApiKeysPage';
import { SecurityPage } from './SecurityPage';
import { SupportAccessPage } from './SupportAccessPage';
import { UserEditorPage } from './UserEditorPage';
import { UsersPage } from './UsersPage';
import { WebhooksPage } from './WebhooksPage';

const usersRoute = createRoute({
  getParentRoute: () => authenticated,
  path: '/admin/users',
  component: UsersPage,
});

const newUserRoute = createRoute({
  getParentRoute: () => authenticated,
  path: '/admin/users/new',
  component: () => <UserEditorPage userId={undefined} />,
});

const userRoute = createRoute({
  getParentRoute: () => authenticated,
  path: '/admin/users/$userId',
  component: function UserRoute() {
    const { userId } = userRoute.useParams();
    // A fresh form per user: nothing typed for one carries over to the next.
    return <UserEditorPage key={userId} userId={userId} />;
  },
});

const apiKeysRoute = createRoute({
  getParentRoute: () => authenticated,
  path: '/admin/api-keys',
  component: ApiKeysPage,
});

const securityRoute = createRoute({
  getParentRoute: () => authenticated,
  path: '/admin/security',
  component: SecurityPage,
});

const accessLogRoute = createRoute({
  getParentRoute: () => authenticated,
  path: '/admin/access-log',
  validateSearch: accessLogSearch,
  component: AccessLogPage,
});

const webhooksRoute = createRoute({
  getParentRoute: () => authenticated,
  path: '/admin/webhooks',
  component: WebhooksPage,
});

const supportAccessRoute = createRoute({
  getParentRoute: () => authenticated,
  path: '/admin/support-access',
  component: SupportAccessPage,
});

const accessReviewsRoute = createRoute({
  getParentRoute: () => authenticated,
  path: '/admin/access-reviews',
  component: AccessReviewsPage,
});

const accessReviewRoute = createRoute({
  getParentRoute: () => authenticated,
  path: '/admin/access-reviews/$reviewId',
  component: function AccessReviewRoute() {
    const { reviewId } = accessReviewRoute.useParams();
    // A fresh page per review: nothing ticked in one carries over to the next.
    return <AccessReviewPage key={reviewId} reviewId={reviewId} />;
  },
});

export const adminRoutes = [
  usersRoute,
  newUserRoute,
  userRoute,
  apiKeysRoute,
  securityRoute,
  accessLogRoute,
  webhooksRoute,
  supportAccessRoute,
  accessReviewsRoute,
  accessReviewRoute,
] as const;
