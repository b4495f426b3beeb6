import { QueryClient, QueryClientProvider } from '@tanstack/react-query';
import { render } from '@testing-library/react';
import type { ReactElement } from 'react';
import { MemoryRouter, Route, Routes } from 'react-router';
import { SessionProvider, ME_KEY } from '../features/auth/session';
import { setFetch } from '../lib/http';
import type { SocketLike } from '../lib/roomSocket';
import type { Message, Room, User } from '../lib/types';

export interface Call {
  method: string;
  url: string;
  headers: Record<string, string>;
  body: unknown;
}

type Handler = (call: Call) => { status?: number; body?: unknown } | undefined;

/** A fake fetch: the first route whose method and URL pattern match answers; every call is recorded. */
export function fakeFetch(routes: Array<[string, RegExp, Handler]>) {
  const calls: Call[] = [];
  const impl = async (input: RequestInfo | URL, init?: RequestInit) => {
    const url = String(input);
    const method = init?.method ?? 'GET';
    const headers = (init?.headers ?? {}) as Record<string, string>;
    const body = typeof init?.body === 'string' ? JSON.parse(init.body) : init?.body;
    const call = { method, url, headers, body };
    calls.push(call);
    for (const [m, pattern, handler] of routes) {
      if (m === method && pattern.test(url)) {
        const answer = handler(call) ?? {};
        const status = answer.status ?? 200;
        return new Response(status === 204 || answer.body === undefined ? null : JSON.stringify(answer.body), {
          status,
          headers: { 'Content-Type': 'application/json' },
        });
      }
    }
    return new Response(JSON.stringify({ status: 404, code: 'not_found' }), { status: 404 });
  };
  setFetch(impl as typeof fetch);
  return calls;
}

export const operator: User = { user_id: 'operator@andon.local', display_name: '林小明', job_title: '作業員' };
export const maintenance: User = { user_id: 'maintenance@andon.local', display_name: '陳大華', job_title: '設備工程師' };

export function room(overrides: Partial<Room> = {}): Room {
  return {
    room_id: 'r1',
    title: 'Line 3 conveyor stopped',
    incident_type: 'equipment_failure',
    severity: 'high',
    status: 'active',
    location: 'Building A',
    line: 'Line 3',
    station: null,
    equipment_id: 'CV-301',
    description: null,
    resolution_notes: null,
    reason_code: null,
    lots: [],
    created_by: operator.user_id,
    created_at: '2026-01-01T00:00:00Z',
    last_activity_at: new Date().toISOString(),
    member_count: 3,
    current_user_role: 'owner',
    is_member: true,
    ...overrides,
  };
}

let seq = 0;
export function message(overrides: Partial<Message> = {}): Message {
  seq += 1;
  return {
    message_id: `m-${seq}`,
    room_id: 'r1',
    sequence_number: seq,
    sender_id: maintenance.user_id,
    sender_name: maintenance.display_name,
    message_type: 'text',
    content: `message ${seq}`,
    mentions: [],
    file_id: null,
    reactions: {},
    created_at: new Date().toISOString(),
    edited_at: null,
    deleted_at: null,
    ...overrides,
  };
}

export function renderApp(ui: ReactElement, { user = operator as User | null, route = '/', path = '*' } = {}) {
  const client = new QueryClient({ defaultOptions: { queries: { retry: false }, mutations: { retry: false } } });
  client.setQueryData(ME_KEY, user);
  const result = render(
    <QueryClientProvider client={client}>
      <SessionProvider>
        <MemoryRouter initialEntries={[route]}>
          <Routes>
            <Route path={path} element={ui} />
            <Route path="*" element={<p>elsewhere</p>} />
          </Routes>
        </MemoryRouter>
      </SessionProvider>
    </QueryClientProvider>,
  );
  return { ...result, client };
}

/** A WebSocket double the tests drive as the server would. */
export class FakeSocket implements SocketLike {
  static all: FakeSocket[] = [];
  readyState = 0;
  sent: unknown[] = [];
  onopen: ((ev: unknown) => void) | null = null;
  onmessage: ((ev: { data: unknown }) => void) | null = null;
  onclose: ((ev: { code: number; reason?: string }) => void) | null = null;
  onerror: ((ev: unknown) => void) | null = null;
  closedWith: number | null = null;

  constructor(readonly url: string) {
    FakeSocket.all.push(this);
  }

  static get last(): FakeSocket {
    return FakeSocket.all[FakeSocket.all.length - 1];
  }

  static reset() {
    FakeSocket.all = [];
  }

  send(data: string) {
    this.sent.push(JSON.parse(data));
  }

  close(code = 1000) {
    this.closedWith = code;
    this.readyState = 3;
  }

  /** The server accepts and says hello. */
  open(hello: Partial<{ role: string; last_seq: number; online: string[] }> = {}) {
    this.readyState = 1;
    this.onopen?.({});
    this.push({ type: 'hello', room_id: 'r1', user_id: operator.user_id, role: 'owner', last_seq: 0, online: [], ...hello });
  }

  push(frame: unknown) {
    this.onmessage?.({ data: JSON.stringify(frame) });
  }

  /** The server ends the connection. */
  drop(code = 1001) {
    this.readyState = 3;
    this.onclose?.({ code });
  }
}

export const fakeSocketFactory = (url: string) => new FakeSocket(url);
