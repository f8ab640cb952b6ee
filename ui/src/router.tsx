/** The console's routes: sign-in, and every page under `authenticated` (routes/base.tsx). */
import type { QueryClient } from '@tanstack/react-query';
import { createRoute, createRouter } from '@tanstack/react-router';
import { z } from 'zod';
import { ChangePasswordPage } from './auth/ChangePasswordPage';
import { SignInPage } from './auth/SignInPage';
import { TwoFactorPage } from './auth/TwoFactorPage';
import { ContactPage } from './contacts/ContactPage';
import { ContactSearchPage } from './contacts/ContactSearchPage';
import { DashboardPage } from './dashboard/DashboardPage';
import { ListEditorPage } from './lists/ListEditorPage';
import { ListsPage } from './lists/ListsPage';
import { RightsQueuePage } from './rights/RightsQueuePage';
import { adminRoutes } from './admin/routes';
import { authenticated, rootRoute } from './routes/base';
import { rightsRequestStatuses, rightsRequestTypes } from './api/types';

const signInRoute = createRoute({
  getParentRoute: () => rootRoute,
  path: '/sign-in',
  validateSearch: z.object({ redirect: z.string().optional() }),
  component: SignInPage,
});

const dashboardRoute = createRoute({
  getParentRoute: () => authenticated,
  path: '/',
  component: DashboardPage,
});

const listsRoute = createRoute({
  getParentRoute: () => authenticated,
  path: '/lists',
  component: ListsPage,
});

const newListRoute = createRoute({
  getParentRoute: () => authenticated,
  path: '/lists/new',
  component: () => <ListEditorPage listId={undefined} />,
});

const listRoute = createRoute({
  getParentRoute: () => authenticated,
  path: '/lists/$listId',
  component: function ListRoute() {
    const { listId } = listRoute.useParams();
    return <ListEditorPage key={listId} listId={listId} />;
  },
});

const contactsRoute = createRoute({
  getParentRoute: () => authenticated,
  path: '/contacts',
  validateSearch: z.object({ email: z.string().optional() }),
  component: ContactSearchPage,
});

const contactRoute = createRoute({
  getParentRoute: () => authenticated,
  path: '/contacts/$contactId',
  component: function ContactRoute() {
    const { contactId } = contactRoute.useParams();
    return <ContactPage key={contactId} contactId={contactId} />;
  },
});

const rightsRoute = createRoute({
  getParentRoute: () => authenticated,
  path: '/rights',
  validateSearch: z.object({
    status: z.enum(rightsRequestStatuses).optional(),
    type: z.enum(rightsRequestTypes).optional(),
  }),
  component: RightsQueuePage,
});

const accountSearch = z.object({ redirect: z.string().optional() });

const passwordRoute = createRoute({
  getParentRoute: () => authenticated,
  path: '/account/password',
  validateSearch: accountSearch,
  component: ChangePasswordPage,
});

const twoFactorRoute = createRoute({
  getParentRoute: () => authenticated,
  path: '/account/two-factor',
  validateSearch: accountSearch,
  component: TwoFactorPage,
});

const routeTree = rootRoute.addChildren([
  signInRoute,
  authenticated.addChildren([
    dashboardRoute,
    listsRoute,
    newListRoute,
    listRoute,
    contactsRoute,
    contactRoute,
    rightsRoute,
    passwordRoute,
    twoFactorRoute,
    ...adminRoutes,
  ]),
]);

export const createConsoleRouter = (queryClient: QueryClient) =>
  createRouter({
    routeTree,
    basepath: '/console',
    context: { queryClient },
    defaultPreload: 'intent',
  });

declare module '@tanstack/react-router' {
  interface Register {
    router: ReturnType<typeof createConsoleRouter>;
  }
}
