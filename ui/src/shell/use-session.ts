/** The signed-in session inside `authenticated` routes (their guard made sure there is one). */
import { useSuspenseQuery } from '@tanstack/react-query';
import { sessionQuery } from '../api/session';
import type { Session } from '../api/types';

export function useSession(): Session {
  const { data } = useSuspenseQuery(sessionQuery);
  // The guard redirects before rendering without a session; a session ending meanwhile
  // sends the user to sign-in from the API client.
  return data as Session;
}
