import { QueryClientProvider } from '@tanstack/react-query';
import { render, screen } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { MemoryRouter } from 'react-router';
import { describe, expect, it } from 'vitest';
import { AppRoutes, createQueryClient } from '../../app/App';
import { fakeFetch, operator } from '../../test/utils';
import { SessionProvider } from './session';

function renderRoutes(route = '/') {
  const client = createQueryClient();
  client.setDefaultOptions({ queries: { retry: false } });
  return render(
    <QueryClientProvider client={client}>
      <SessionProvider>
        <MemoryRouter initialEntries={[route]}>
          <AppRoutes />
        </MemoryRouter>
      </SessionProvider>
    </QueryClientProvider>,
  );
}

const emptyRooms = ['GET', /\/api\/rooms\?/, () => ({ body: { items: [], total: 0, limit: 12, offset: 0 } })] as const;

describe('sign-in', () => {
  it('sends a visitor without a session to the sign-in page', async () => {
    fakeFetch([['GET', /\/api\/auth\/me/, () => ({ status: 401, body: { code: 'unauthenticated' } })]]);
    renderRoutes('/rooms/r1');
    expect(await screen.findByRole('heading', { name: 'Sign in to Andon' })).toBeInTheDocument();
  });

  it('says "Invalid credentials" and clears the password after a failed sign-in', async () => {
    fakeFetch([
      ['GET', /\/api\/auth\/me/, () => ({ status: 401 })],
      ['POST', /\/api\/auth\/login/, () => ({ status: 401, body: { code: 'invalid_credentials' } })],
    ]);
    renderRoutes('/login');
    const user = userEvent.setup();
    await user.type(await screen.findByLabelText('Account'), 'operator@andon.local');
    await user.type(screen.getByLabelText('Password'), 'wrong');
    await user.click(screen.getByRole('button', { name: 'Sign in' }));
    expect(await screen.findByRole('alert')).toHaveTextContent('Invalid credentials');
    expect(screen.getByLabelText('Password')).toHaveValue('');
    expect(screen.getByLabelText('Account')).toHaveValue('operator@andon.local');
  });

  it('says to wait after too many failures (429)', async () => {
    fakeFetch([
      ['GET', /\/api\/auth\/me/, () => ({ status: 401 })],
      ['POST', /\/api\/auth\/login/, () => ({ status: 429, body: { code: 'rate_limited' } })],
    ]);
    renderRoutes('/login');
    const user = userEvent.setup();
    await user.type(await screen.findByLabelText('Account'), 'a');
    await user.type(screen.getByLabelText('Password'), 'b');
    await user.click(screen.getByRole('button', { name: 'Sign in' }));
    expect(await screen.findByRole('alert')).toHaveTextContent('Too many failed sign-ins');
  });

  it('signs in, keeps no token in storage, and shows the room list', async () => {
    const calls = fakeFetch([
      ['GET', /\/api\/auth\/me/, () => ({ status: 401 })],
      ['POST', /\/api\/auth\/login/, () => ({ body: { user: operator } })],
      [...emptyRooms],
    ]);
    renderRoutes('/login');
    const user = userEvent.setup();
    await user.type(await screen.findByLabelText('Account'), 'operator@andon.local');
    await user.type(screen.getByLabelText('Password'), 'andon-dev');
    await user.click(screen.getByRole('button', { name: 'Sign in' }));
    expect(await screen.findByRole('heading', { name: 'Incidents' })).toBeInTheDocument();
    expect(screen.getByText('林小明')).toBeInTheDocument();
    expect(calls.find((c) => c.url === '/api/auth/login')?.headers['X-Requested-With']).toBe('andon');
    expect(JSON.stringify({ ...localStorage })).not.toMatch(/token/i);
  });

  it('restores the session on reload from the cookie (/api/auth/me)', async () => {
    fakeFetch([['GET', /\/api\/auth\/me/, () => ({ body: { user: operator } })], [...emptyRooms]]);
    renderRoutes('/');
    expect(await screen.findByRole('heading', { name: 'Incidents' })).toBeInTheDocument();
  });

  it('signs out and returns to the sign-in page', async () => {
    let signedIn = true;
    const calls = fakeFetch([
      ['GET', /\/api\/auth\/me/, () => (signedIn ? { body: { user: operator } } : { status: 401 })],
      ['POST', /\/api\/auth\/logout/, () => ((signedIn = false), { status: 204 })],
      [...emptyRooms],
    ]);
    renderRoutes('/');
    await userEvent.click(await screen.findByRole('button', { name: 'Sign out' }));
    expect(await screen.findByRole('heading', { name: 'Sign in to Andon' })).toBeInTheDocument();
    expect(calls.some((c) => c.url === '/api/auth/logout' && c.method === 'POST')).toBe(true);
  });
});
