/** The console's entry: providers (theme, server state, translations) around the router. */
import '@mantine/core/styles.css';
import '@mantine/notifications/styles.css';
import '@mantine/charts/styles.css';
import { MantineProvider } from '@mantine/core';
import { Notifications } from '@mantine/notifications';
import { QueryClient, QueryClientProvider } from '@tanstack/react-query';
import { RouterProvider } from '@tanstack/react-router';
import { StrictMode } from 'react';
import { createRoot } from 'react-dom/client';
import { setNonce } from 'get-nonce';
import { ApiError, onSessionEnded } from './api/client';
import { sessionQuery } from './api/session';
import './i18n';
import { createConsoleRouter } from './router';
import { theme } from './theme';

// The api puts a fresh nonce on every index.html it serves and allows only styles carrying
// it, so Mantine's own style tags must carry it too.
const nonce = document.querySelector<HTMLMetaElement>('meta[property="csp-nonce"]')?.nonce ?? '';
// Modals lock scrolling with a style tag of their own (react-remove-scroll), nonce from here.
setNonce(nonce);

const queryClient = new QueryClient({
  defaultOptions: {
    queries: {
      // A refused or missing resource does not get better by asking again.
      retry: (count, err) => !(err instanceof ApiError && err.status < 500) && count < 2,
      refetchOnWindowFocus: false,
    },
  },
});
const router = createConsoleRouter(queryClient);

// A 401 on any call: the session ended (expired, logged out elsewhere). Sign in again and
// come back here; forms keep their drafts (useDraft) meanwhile.
onSessionEnded(() => {
  queryClient.setQueryData(sessionQuery.queryKey, null);
  const here = router.state.location.href;
  if (router.state.location.pathname !== '/sign-in')
    void router.navigate({ to: '/sign-in', search: { redirect: here } });
});

createRoot(document.getElementById('root')!).render(
  <StrictMode>
    <MantineProvider theme={theme} getStyleNonce={() => nonce}>
      <Notifications position="top-right" />
      <QueryClientProvider client={queryClient}>
        <RouterProvider router={router} />
      </QueryClientProvider>
    </MantineProvider>
  </StrictMode>,
);
