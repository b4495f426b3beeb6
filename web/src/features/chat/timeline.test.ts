import { describe, expect, it } from 'vitest';
import { message } from '../../test/utils';
import { groupItems, initialTimeline, timelineItems, timelineReducer, TYPING_TTL_MS, type TimelineAction, type TimelineState } from './timeline';

const run = (actions: TimelineAction[], state: TimelineState = initialTimeline) => actions.reduce(timelineReducer, state);

describe('timeline', () => {
  it('merges history pages and live messages in sequence order, each message once', () => {
    const a = message({ sequence_number: 10 });
    const b = message({ sequence_number: 11 });
    const c = message({ sequence_number: 12 });
    const s = run([
      { type: 'history', messages: [c, b], hasMore: true, older: false },
      { type: 'frame', frame: { type: 'message', message: c } },
      { type: 'history', messages: [a], hasMore: false, older: true },
    ]);
    expect(timelineItems(s).map((i) => i.order)).toEqual([10, 11, 12]);
    expect(s.hasMore).toBe(false);
  });

  it('applies an edit, a delete and a reaction change to the shown message', () => {
    const m = message({ content: 'temp 85' });
    let s = run([{ type: 'frame', frame: { type: 'message', message: m } }]);
    s = run([{ type: 'frame', frame: { type: 'message_edited', message_id: m.message_id, content: 'temp 75', edited_at: '2026-01-01T00:01:00Z', seq: 99 } }], s);
    expect(s.messages[m.message_id]).toMatchObject({ content: 'temp 75', edited_at: '2026-01-01T00:01:00Z' });
    s = run([{ type: 'frame', frame: { type: 'reaction_added', message_id: m.message_id, user_id: 'u', emoji: '👍', reactions: { '👍': { count: 1, user_ids: ['u'] } }, seq: 100 } }], s);
    expect(s.messages[m.message_id].reactions).toEqual({ '👍': { count: 1, user_ids: ['u'] } });
    s = run([{ type: 'frame', frame: { type: 'message_deleted', message_id: m.message_id, deleted_at: '2026-01-01T00:02:00Z', seq: 101 } }], s);
    expect(s.messages[m.message_id].deleted_at).toBeTruthy();
    expect(s.messages[m.message_id].content).toBeNull();
  });

  it('does not bring a deleted message back when an older page repeats it', () => {
    const m = message();
    const s = run([
      { type: 'frame', frame: { type: 'message', message: m } },
      { type: 'frame', frame: { type: 'message_deleted', message_id: m.message_id, deleted_at: 'now', seq: 50 } },
      { type: 'history', messages: [m], hasMore: false, older: true },
    ]);
    expect(s.messages[m.message_id].deleted_at).toBe('now');
  });

  it('places system events between messages by their sequence', () => {
    const a = message({ sequence_number: 1 });
    const b = message({ sequence_number: 3 });
    const s = run([
      { type: 'history', messages: [a, b], hasMore: false, older: false },
      { type: 'frame', frame: { type: 'system', event: 'member_added', user_id: 'quality@andon.local', data: { role: 'viewer' }, timestamp: 'now', seq: 2 } },
    ]);
    expect(timelineItems(s).map((i) => i.kind)).toEqual(['message', 'system', 'message']);
  });

  it('groups consecutive messages of one sender within five minutes under one name', () => {
    const t0 = Date.parse('2026-01-01T08:00:00Z');
    const at = (min: number) => new Date(t0 + min * 60_000).toISOString();
    const ms = [
      message({ sender_id: 'a', created_at: at(0) }),
      message({ sender_id: 'a', created_at: at(2) }),
      message({ sender_id: 'b', created_at: at(3) }),
      message({ sender_id: 'b', created_at: at(20) }),
    ];
    const s = run([{ type: 'history', messages: ms, hasMore: false, older: false }]);
    const blocks = groupItems(timelineItems(s));
    expect(blocks.map((b) => (b.kind === 'group' ? b.items.length : 0))).toEqual([2, 1, 1]);
  });

  it('shows a sent message as pending until its ack, and as failed when refused', () => {
    let s = run([
      { type: 'local-send', send: { client_id: 'c1', message_type: 'text', content: 'a', created_at: 'now', status: 'sending' } },
      { type: 'local-send', send: { client_id: 'c2', message_type: 'text', content: 'b', created_at: 'now', status: 'sending' } },
    ]);
    s = run([{ type: 'frame', frame: { type: 'ack', client_id: 'c1', message_id: 'm', sequence_number: 1, created_at: 'now' } }], s);
    expect(s.pending.map((p) => p.client_id)).toEqual(['c2']);
    s = run([{ type: 'frame', frame: { type: 'error', code: 'too_large', message: 'too long', client_id: 'c2' } }], s);
    expect(s.pending[0]).toMatchObject({ status: 'failed', error: 'too_large' });
    expect(s.lastError?.code).toBe('too_large');
  });

  it('keeps a send waiting, not failed, when the server is busy or the sender too fast', () => {
    let s = run([{ type: 'local-send', send: { client_id: 'c1', message_type: 'text', content: 'a', created_at: 'now', status: 'sending' } }]);
    s = run([{ type: 'frame', frame: { type: 'error', code: 'unavailable', message: 'try again', client_id: 'c1' } }], s);
    expect(s.pending[0]).toMatchObject({ status: 'queued', error: 'unavailable' });
    s = run([{ type: 'frame', frame: { type: 'error', code: 'rate_limited', message: 'slow down', client_id: 'c1' } }], s);
    expect(s.pending[0].status).toBe('queued');
  });

  it('shows my message once when its broadcast arrives before its ack, or its ack never comes', () => {
    const sending = { message_type: 'text' as const, content: 'motor at 85°C', created_at: 'now', status: 'sending' as const };
    let s = run([
      { type: 'local-send', send: { ...sending, client_id: 'c1' } },
      { type: 'local-send', send: { ...sending, client_id: 'c2' } },
    ]);
    // The broadcast of c1 arrives first: the pending copy gives way to the stored message at once.
    s = run([{ type: 'frame', frame: { type: 'message', message: message({ content: 'motor at 85°C', client_id: 'c1' }) } }], s);
    expect(s.pending.map((p) => p.client_id)).toEqual(['c2']);
    expect(timelineItems(s)).toHaveLength(1);
    // c2 was stored but its ack was lost with the connection: history read again settles it too.
    s = run([{ type: 'history', messages: [message({ content: 'motor at 85°C', client_id: 'c2' })], hasMore: false, older: false }], s);
    expect(s.pending).toEqual([]);
    expect(timelineItems(s)).toHaveLength(2);
    // Someone else's message (no client_id of mine) leaves my pending sends alone.
    s = run([{ type: 'local-send', send: { ...sending, client_id: 'c3' } }], s);
    s = run([{ type: 'frame', frame: { type: 'message', message: message({ client_id: 'other' }) } }], s);
    expect(s.pending.map((p) => p.client_id)).toEqual(['c3']);
  });

  it('marks pending sends as queued while the connection is down', () => {
    const s = run([
      { type: 'local-send', send: { client_id: 'c1', message_type: 'text', content: 'a', created_at: 'now', status: 'sending' } },
      { type: 'connection', state: 'reconnecting' },
    ]);
    expect(s.pending[0].status).toBe('queued');
    expect(s.connection).toBe('reconnecting');
  });

  it('shows who is typing until they stop, send, or go quiet', () => {
    let s = run([{ type: 'frame', frame: { type: 'typing', user_id: 'a', is_typing: true }, now: 1000 }]);
    expect(Object.keys(s.typing)).toEqual(['a']);
    s = run([{ type: 'typing-expire', now: 1000 + TYPING_TTL_MS + 1 }], s);
    expect(Object.keys(s.typing)).toEqual([]);
    s = run([{ type: 'frame', frame: { type: 'typing', user_id: 'a', is_typing: true }, now: 1 }], s);
    s = run([{ type: 'frame', frame: { type: 'message', message: message({ sender_id: 'a' }) } }], s);
    expect(s.typing).toEqual({});
  });

  it('keeps the room role and who is online from hello and presence frames', () => {
    const s = run([
      { type: 'frame', frame: { type: 'hello', room_id: 'r1', user_id: 'u', role: 'viewer', last_seq: 0, online: ['u'] } },
      { type: 'frame', frame: { type: 'presence', online: ['u', 'v'] } },
    ]);
    expect(s.role).toBe('viewer');
    expect(s.online).toEqual(['u', 'v']);
  });
});
