/**
 * The tenant administration pages under `authenticated`: the users (list, new, one user),
 * the API keys and the security policy (users.manage), and the access log (accesslog.view,
 * its filters in the address so a view can be shared or gone back to). Each page checks its
 * permission itself; the server refuses without it.
 */
import { createRoute } from '@tanstack/react-router';
import { authenticated } from '../routes/base';
import { AccessLogPage } from './AccessLogPage';
import { accessLogSearch } from './access-log-query';
import { ApiKeysPage } from './ApiKeysPage';
import { SecurityPage } from './SecurityPage';
import { UserEditorPage } from './UserEditorPage';
import { UsersPage } from './UsersPage';

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

export const adminRoutes = [
  usersRoute,
  newUserRoute,
  userRoute,
  apiKeysRoute,
  securityRoute,
  accessLogRoute,
] as const;
