import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { FakeSocket, fakeSocketFactory, message } from '../test/utils';
import { backoffDelay, RoomSocket, type ConnectionState, type ServerFrame } from './roomSocket';

function client(extra: Partial<ConstructorParameters<typeof RoomSocket>[0]> = {}) {
  const frames: ServerFrame[] = [];
  const states: ConnectionState[] = [];
  const socket = new RoomSocket({
    roomId: 'r1',
    baseUrl: 'ws://plant',
    createSocket: fakeSocketFactory,
    random: () => 0.5,
    isOnline: () => true,
    onFrame: (f) => frames.push(f),
    onState: (s) => states.push(s),
    ...extra,
  });
  socket.connect();
  return { socket, frames, states };
}

describe('RoomSocket', () => {
  beforeEach(() => {
    FakeSocket.reset();
    vi.useFakeTimers();
  });
  afterEach(() => vi.useRealTimers());

  it('opens the room socket without last_seq the first time and reports open on hello', () => {
    const { socket, states } = client();
    expect(FakeSocket.last.url).toBe('ws://plant/ws/r1');
    expect(socket.state).toBe('connecting');
    FakeSocket.last.open({ last_seq: 7 });
    expect(states).toContain('open');
    expect(socket.lastSeq).toBe(7);
  });

  it('shows a message once even when the server delivers it twice (de-duplication by message_id)', () => {
    const { frames } = client();
    FakeSocket.last.open();
    const m = message({ sequence_number: 1 });
    FakeSocket.last.push({ type: 'message', message: m });
    FakeSocket.last.push({ type: 'message', message: m });
    expect(frames.filter((f) => f.type === 'message')).toHaveLength(1);
  });

  it('reconnects after the server goes away and resumes after the last sequence it saw', () => {
    const { socket, states } = client();
    FakeSocket.last.open({ last_seq: 3 });
    FakeSocket.last.push({ type: 'message', message: message({ sequence_number: 4 }) });
    FakeSocket.last.push({ type: 'message_edited', message_id: 'x', content: 'c', edited_at: 'now', seq: 5 });
    FakeSocket.last.drop(1001);
    expect(socket.state).toBe('reconnecting');
    expect(states).toContain('reconnecting');
    vi.advanceTimersByTime(1000);
    expect(FakeSocket.all).toHaveLength(2);
    expect(FakeSocket.last.url).toBe('ws://plant/ws/r1?last_seq=5');
  });

  it('waits longer after each failed attempt, up to a ceiling, with jitter', () => {
    expect(backoffDelay(0, 500, 15000, () => 0)).toBe(250);
    expect(backoffDelay(0, 500, 15000, () => 1)).toBe(500);
    expect(backoffDelay(3, 500, 15000, () => 1)).toBe(4000);
    expect(backoffDelay(10, 500, 15000, () => 1)).toBe(15000);
    expect(backoffDelay(10, 500, 15000, () => 0)).toBe(7500);
  });

  it('keeps trying while the server stays down, and the delay grows', () => {
    client({ random: () => 1 });
    FakeSocket.last.drop(1006);
    vi.advanceTimersByTime(499);
    expect(FakeSocket.all).toHaveLength(1);
    vi.advanceTimersByTime(1);
    expect(FakeSocket.all).toHaveLength(2);
    FakeSocket.last.drop(1006);
    vi.advanceTimersByTime(999);
    expect(FakeSocket.all).toHaveLength(2);
    vi.advanceTimersByTime(1);
    expect(FakeSocket.all).toHaveLength(3);
  });

  it('does not reconnect when membership is revoked (4403) or the room is deleted (4404)', () => {
    for (const code of [4403, 4404]) {
      FakeSocket.reset();
      const { socket } = client();
      FakeSocket.last.open();
      FakeSocket.last.drop(code);
      vi.advanceTimersByTime(60_000);
      expect(FakeSocket.all).toHaveLength(1);
      expect(socket.state).toBe('closed');
      expect(socket.closeCode).toBe(code);
    }
  });

  it('queues a message sent while connecting and sends it after hello with its client_id', () => {
    const { socket } = client({ newId: () => 'c-1' });
    const id = socket.sendMessage({ message_type: 'text', content: 'pump tripped' });
    expect(id).toBe('c-1');
    expect(FakeSocket.last.sent).toHaveLength(0);
    expect(socket.pending).toHaveLength(1);
    FakeSocket.last.open();
    expect(FakeSocket.last.sent).toEqual([{ type: 'message', client_id: 'c-1', message_type: 'text', content: 'pump tripped' }]);
  });

  it('re-sends an unacknowledged message after a reconnect with the same client_id, and forgets it on ack', () => {
    const queue: number[] = [];
    const { socket } = client({ newId: () => 'c-2', onQueue: (p) => queue.push(p.length) });
    FakeSocket.last.open();
    socket.sendMessage({ message_type: 'text', content: 'hello' });
    expect(FakeSocket.last.sent).toHaveLength(1);
    FakeSocket.last.drop(1001);
    vi.advanceTimersByTime(1000);
    FakeSocket.last.open();
    expect(FakeSocket.last.sent).toEqual([expect.objectContaining({ client_id: 'c-2' })]);
    FakeSocket.last.push({ type: 'ack', client_id: 'c-2', message_id: 'm', sequence_number: 1, created_at: 'now' });
    expect(socket.pending).toHaveLength(0);
    expect(queue.at(-1)).toBe(0);
  });

  it('drops a queued message the server refused (error with its client_id) instead of retrying it forever', () => {
    const { socket, frames } = client({ newId: () => 'c-3' });
    FakeSocket.last.open();
    socket.sendMessage({ message_type: 'text', content: 'x' });
    FakeSocket.last.push({ type: 'error', code: 'room_closed', message: 'closed', client_id: 'c-3' });
    expect(socket.pending).toHaveLength(0);
    expect(frames.at(-1)).toMatchObject({ type: 'error', code: 'room_closed' });
  });

  it('sends again, after a pause, a message the server refused for a passing reason (busy, too fast)', () => {
    const { socket, frames } = client({ newId: () => 'c-4', random: () => 1 });
    FakeSocket.last.open();
    socket.sendMessage({ message_type: 'text', content: 'line 3 stopped' });
    FakeSocket.last.push({ type: 'error', code: 'unavailable', message: 'try again', client_id: 'c-4' });
    expect(socket.pending).toHaveLength(1);
    expect(frames.at(-1)).toMatchObject({ type: 'error', code: 'unavailable' });
    vi.advanceTimersByTime(999);
    expect(FakeSocket.last.sent).toHaveLength(1);
    vi.advanceTimersByTime(1);
    expect(FakeSocket.last.sent).toEqual([expect.objectContaining({ client_id: 'c-4' }), expect.objectContaining({ client_id: 'c-4' })]);
    // Refused again: the next pause is longer.
    FakeSocket.last.push({ type: 'error', code: 'rate_limited', message: 'slow down', client_id: 'c-4' });
    vi.advanceTimersByTime(1999);
    expect(FakeSocket.last.sent).toHaveLength(2);
    vi.advanceTimersByTime(1);
    expect(FakeSocket.last.sent).toHaveLength(3);
    FakeSocket.last.push({ type: 'ack', client_id: 'c-4', message_id: 'm', sequence_number: 9, created_at: 'now' });
    expect(socket.pending).toHaveLength(0);
  });

  it('ignores an edit replayed after a resume that was already applied', () => {
    const { frames } = client();
    FakeSocket.last.open();
    const edit = { type: 'message_edited', message_id: 'm', content: 'v2', edited_at: 'now', seq: 9 };
    FakeSocket.last.push(edit);
    FakeSocket.last.drop(1001);
    vi.advanceTimersByTime(1000);
    FakeSocket.last.open();
    FakeSocket.last.push(edit);
    expect(frames.filter((f) => f.type === 'message_edited')).toHaveLength(1);
  });

  it('forgets its resume point when the server asks for a resync, and passes the request on', () => {
    const { socket, frames } = client();
    FakeSocket.last.open({ last_seq: 4 });
    FakeSocket.last.push({ type: 'resync_required' });
    expect(socket.lastSeq).toBeNull();
    expect(frames.at(-1)).toEqual({ type: 'resync_required' });
  });

  it('refuses typing and edits while disconnected rather than sending them late', () => {
    const { socket } = client();
    expect(socket.sendNow({ type: 'typing', is_typing: true })).toBe(false);
    FakeSocket.last.open();
    expect(socket.sendNow({ type: 'typing', is_typing: true })).toBe(true);
    expect(FakeSocket.last.sent).toEqual([{ type: 'typing', is_typing: true }]);
  });

  it('shows offline when the browser is offline and reconnects at once when asked', () => {
    let online = false;
    const { socket } = client({ isOnline: () => online });
    FakeSocket.last.open();
    FakeSocket.last.drop(1006);
    expect(socket.state).toBe('offline');
    online = true;
    socket.reconnectNow();
    expect(FakeSocket.all).toHaveLength(2);
    FakeSocket.last.open();
    expect(socket.state).toBe('open');
  });

  it('stops for good when the room is left', () => {
    const { socket } = client();
    FakeSocket.last.open();
    const first = FakeSocket.last;
    socket.close();
    expect(first.closedWith).toBe(1000);
    vi.advanceTimersByTime(60_000);
    expect(FakeSocket.all).toHaveLength(1);
    expect(socket.state).toBe('closed');
  });

  it('ignores frames that are not JSON objects', () => {
    const { frames } = client();
    FakeSocket.last.open();
    FakeSocket.last.onmessage?.({ data: 'not json' });
    FakeSocket.last.onmessage?.({ data: '42' });
    expect(frames.map((f) => f.type)).toEqual(['hello']);
  });
});
