import { createContext, useCallback, useContext, useEffect, useMemo, type ReactNode } from 'react';
import { useQuery, useQueryClient } from '@tanstack/react-query';
import { onUnauthorized } from '../../lib/http';
import type { User } from '../../lib/types';
import { fetchMe, login as apiLogin, logout as apiLogout } from './api';

interface Session {
  user: User | null;
  loading: boolean;
  signIn(username: string, password: string): Promise<User>;
  signOut(): Promise<void>;
}

const SessionContext = createContext<Session | null>(null);
export const ME_KEY = ['auth', 'me'] as const;

/** The signed-in user, from the gateway's cookie session (restored on reload by /api/auth/me). */
export function SessionProvider({ children }: { children: ReactNode }) {
  const client = useQueryClient();
  const me = useQuery({ queryKey: ME_KEY, queryFn: fetchMe, staleTime: 5 * 60_000, retry: 1 });

  useEffect(() => onUnauthorized(() => client.setQueryData(ME_KEY, null)), [client]);

  const signIn = useCallback(
    async (username: string, password: string) => {
      const user = await apiLogin(username, password);
      client.setQueryData(ME_KEY, user);
      return user;
    },
    [client],
  );

  const signOut = useCallback(async () => {
    try {
      await apiLogout();
    } finally {
      // Forget everything the signed-out user could read; keep the session query (observed) and empty it.
      client.removeQueries({ predicate: (q) => q.queryKey[0] !== ME_KEY[0] });
      client.setQueryData(ME_KEY, null);
    }
  }, [client]);

  const value = useMemo<Session>(
    () => ({ user: me.data ?? null, loading: me.isPending, signIn, signOut }),
    [me.data, me.isPending, signIn, signOut],
  );
  return <SessionContext.Provider value={value}>{children}</SessionContext.Provider>;
}

export function useSession(): Session {
  const session = useContext(SessionContext);
  if (!session) throw new Error('useSession outside SessionProvider');
  return session;
}
