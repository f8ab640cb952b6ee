/**
 * The tenant administration pages under `authenticated`: the users (list, new, one user)
 * and the API keys. Each page checks users.manage itself; the server refuses without it.
 */
import { createRoute } from '@tanstack/react-router';
import { authenticated } from '../routes/base';
import { ApiKeysPage } from './ApiKeysPage';
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

export const adminRoutes = [usersRoute, newUserRoute, userRoute, apiKeysRoute] as const;
