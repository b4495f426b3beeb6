import { describe, expect, it } from 'vitest';
import { fakeFetch } from '../test/utils';
import { api, ApiError, onUnauthorized, query } from './http';

describe('http client', () => {
  it('sends the CSRF header on calls that change state, not on reads', async () => {
    const calls = fakeFetch([
      ['GET', /\/api\/x/, () => ({ body: { ok: 1 } })],
      ['POST', /\/api\/x/, () => ({ status: 201, body: { ok: 2 } })],
    ]);
    await api('/api/x');
    await api('/api/x', { method: 'POST', body: { a: 1 } });
    expect(calls[0].headers['X-Requested-With']).toBeUndefined();
    expect(calls[1].headers['X-Requested-With']).toBe('andon');
    expect(calls[1].body).toEqual({ a: 1 });
  });

  it('turns a ProblemDetails answer into an error carrying its code', async () => {
    fakeFetch([['POST', /rooms/, () => ({ status: 409, body: { code: 'conflict', detail: 'already a member' } })]]);
    const error = await api('/api/rooms', { method: 'POST' }).catch((e) => e);
    expect(error).toBeInstanceOf(ApiError);
    expect(error).toMatchObject({ status: 409, code: 'conflict', message: 'already a member' });
  });

  it('tells the app when the session has ended (401)', async () => {
    fakeFetch([['GET', /me/, () => ({ status: 401, body: { code: 'unauthenticated' } })]]);
    let told = 0;
    const off = onUnauthorized(() => (told += 1));
    await api('/api/me').catch(() => {});
    await api('/api/me', { quiet401: true }).catch(() => {});
    off();
    expect(told).toBe(1);
  });

  it('builds query strings from the filters that are set', () => {
    expect(query({ status: 'active', search: '', my_rooms: false, limit: 20, offset: 0 })).toBe('?status=active&limit=20&offset=0');
    expect(query({})).toBe('');
  });
});
