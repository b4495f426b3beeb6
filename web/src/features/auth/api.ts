import { api } from '../../lib/http';
import type { User } from '../../lib/types';

// The gateway answers {"user": {...}}; older builds answered the user itself: accept both.
function unwrap(body: unknown): User {
  const record = body as { user?: User } & User;
  return record.user ?? record;
}

export async function fetchMe(): Promise<User | null> {
  try {
    return unwrap(await api<unknown>('/api/auth/me', { quiet401: true }));
  } catch (error) {
    if ((error as { status?: number }).status === 401) return null;
    throw error;
  }
}

export async function login(username: string, password: string): Promise<User> {
  return unwrap(await api<unknown>('/api/auth/login', { method: 'POST', body: { username, password }, quiet401: true }));
}

export async function logout(): Promise<void> {
  await api<void>('/api/auth/logout', { method: 'POST', quiet401: true });
}
