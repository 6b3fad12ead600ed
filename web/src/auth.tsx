// Who is signed in: the token (sessionStorage) and the role `whoami` gives it.
import { createContext, useCallback, useContext, useMemo, useState, type ReactNode } from "react";
import { api, tokenStore, unwrap, type Role } from "./api/client";

export type Identity = { name: string; role: Role };

type Auth = {
  identity: Identity | null;
  signIn: (token: string) => Promise<void>;
  signOut: () => void;
};

const AuthContext = createContext<Auth | null>(null);

const RANK: Record<Role, number> = { viewer: 0, operator: 1, admin: 2 };

/** Check a token against the server; only a token that works is kept. */
export async function resolveIdentity(token: string): Promise<Identity> {
  const previous = tokenStore.get();
  tokenStore.set(token);
  try {
    return await unwrap(api.GET("/api/v1/whoami"));
  } catch (error) {
    if (previous) tokenStore.set(previous);
    else tokenStore.clear();
    throw error;
  }
}

export function AuthProvider({
  initial,
  children,
}: {
  initial: Identity | null;
  children: ReactNode;
}) {
  const [identity, setIdentity] = useState<Identity | null>(initial);
  const signIn = useCallback(async (token: string) => {
    setIdentity(await resolveIdentity(token));
  }, []);
  const signOut = useCallback(() => {
    tokenStore.clear();
    setIdentity(null);
  }, []);
  const value = useMemo(() => ({ identity, signIn, signOut }), [identity, signIn, signOut]);
  return <AuthContext.Provider value={value}>{children}</AuthContext.Provider>;
}

export function useAuth(): Auth {
  const auth = useContext(AuthContext);
  if (!auth) throw new Error("useAuth outside AuthProvider");
  return auth;
}

/** True when the signed-in role is at least `role` (viewer < operator < admin). */
export function useCan(role: Role): boolean {
  const { identity } = useAuth();
  return identity !== null && RANK[identity.role] >= RANK[role];
}

/** Render children only for roles that may use them: a viewer sees no write buttons. */
export function Can({ role, children }: { role: Role; children: ReactNode }) {
  return useCan(role) ? <>{children}</> : null;
}
