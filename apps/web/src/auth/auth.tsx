import { createContext, ReactNode, useCallback, useContext, useEffect, useMemo, useState } from 'react';

import { api, onUnauthorized, tokenStore } from '../api/client';
import type { Role, User } from '../api/types';

interface AuthState {
  user: User | null;
  token: string | null;
  /** set when a 401 ended the session (the login says why) */
  expired: boolean;
  checking: boolean;
  login(username: string, password: string): Promise<void>;
  logout(): void;
}

const AuthContext = createContext<AuthState | null>(null);

/** What a role may do (docs/API.md "Authentication and roles"). */
export const can = {
  write: (role: Role | undefined) => role === 'admin' || role === 'operator',
  deleteResource: (role: Role | undefined) => role === 'admin',
  /** schools and DCs: `POST/PATCH/DELETE /schools`, everything under `/dcs` */
  manageSchools: (role: Role | undefined) => role === 'admin',
};

export function AuthProvider({ children }: { children: ReactNode }) {
  const [token, setToken] = useState<string | null>(() => tokenStore.get());
  const [user, setUser] = useState<User | null>(null);
  const [expired, setExpired] = useState(false);
  const [checking, setChecking] = useState(() => tokenStore.get() !== null);

  const logout = useCallback(() => {
    tokenStore.clear();
    setToken(null);
    setUser(null);
  }, []);

  useEffect(() => {
    onUnauthorized(() => {
      setExpired(true);
      logout();
    });
  }, [logout]);

  useEffect(() => {
    if (!token || user) return;
    let live = true;
    api
      .get<User>('/auth/me')
      .then((me) => live && setUser(me))
      .catch(() => live && logout())
      .finally(() => live && setChecking(false));
    return () => {
      live = false;
    };
  }, [token, user, logout]);

  const login = useCallback(async (username: string, password: string) => {
    const result = await api.post<{ token: string; user: User }>('/auth/login', { username, password });
    tokenStore.set(result.token);
    setExpired(false);
    setUser(result.user);
    setToken(result.token);
    setChecking(false);
  }, []);

  const value = useMemo(
    () => ({ user, token, expired, checking, login, logout }),
    [user, token, expired, checking, login, logout],
  );
  return <AuthContext.Provider value={value}>{children}</AuthContext.Provider>;
}

export function useAuth(): AuthState {
  const ctx = useContext(AuthContext);
  if (!ctx) throw new Error('useAuth outside AuthProvider');
  return ctx;
}

/** Whether the signed-in user may change hosts, rooms, configs and jobs. */
export function useCanWrite(): boolean {
  return can.write(useAuth().user?.role);
}
