// The room's timeline as a pure reducer: REST history pages and WebSocket frames merge into one
// list ordered by the room's sequence, de-duplicated by message_id.
import { RETRYABLE_ERRORS, type ConnectionState, type OutgoingMessage, type ServerFrame } from '../../lib/roomSocket';
import type { Message, Role } from '../../lib/types';

export interface SystemItem {
  kind: 'system';
  key: string;
  event: string;
  user_id?: string | null;
  data?: unknown;
  timestamp: string;
  order: number;
}

export interface MessageItem {
  kind: 'message';
  key: string;
  message: Message;
  order: number;
}

export type TimelineItem = SystemItem | MessageItem;

export interface PendingSend {
  client_id: string;
  message_type: OutgoingMessage['message_type'];
  content: unknown;
  created_at: string;
  status: 'sending' | 'queued' | 'failed';
  error?: string;
}

export interface TimelineState {
  messages: Record<string, Message>;
  system: SystemItem[];
  pending: PendingSend[];
  hasMore: boolean;
  loaded: boolean;
  online: string[];
  typing: Record<string, number>;
  role: Role | null;
  connection: ConnectionState;
  lastError: { code: string; message: string; at: number } | null;
  maxSeq: number;
}

export const initialTimeline: TimelineState = {
  messages: {},
  system: [],
  pending: [],
  hasMore: true,
  loaded: false,
  online: [],
  typing: {},
  role: null,
  connection: 'connecting',
  lastError: null,
  maxSeq: 0,
};

export type TimelineAction =
  | { type: 'history'; messages: Message[]; hasMore: boolean; older: boolean }
  | { type: 'frame'; frame: ServerFrame; now?: number }
  | { type: 'connection'; state: ConnectionState }
  | { type: 'queued'; pending: OutgoingMessage[] }
  | { type: 'local-send'; send: PendingSend }
  | { type: 'typing-expire'; now: number }
  | { type: 'clear-error' };

function upsert(messages: Record<string, Message>, incoming: Message[]): Record<string, Message> {
  const next = { ...messages };
  for (const m of incoming) {
    const existing = next[m.message_id];
    // A replay or a second page never undoes a newer state (an edit or a delete seen live).
    if (existing && (existing.deleted_at || (existing.edited_at && !m.edited_at))) {
      next[m.message_id] = { ...m, content: existing.content, edited_at: existing.edited_at, deleted_at: existing.deleted_at };
    } else {
      next[m.message_id] = m;
    }
  }
  return next;
}

/** A stored message with a pending send's client_id is that send: the pending copy goes, whether or not its ack came. */
function settle(pending: PendingSend[], stored: Message[]): PendingSend[] {
  if (pending.length === 0) return pending;
  const ids = new Set(stored.map((m) => m.client_id).filter(Boolean));
  return ids.size === 0 ? pending : pending.filter((p) => !ids.has(p.client_id));
}

function patch(state: TimelineState, id: string, change: Partial<Message>): TimelineState {
  const message = state.messages[id];
  if (!message) return state;
  return { ...state, messages: { ...state.messages, [id]: { ...message, ...change } } };
}

export const TYPING_TTL_MS = 6000;

export function timelineReducer(state: TimelineState, action: TimelineAction): TimelineState {
  switch (action.type) {
    case 'history': {
      const messages = upsert(state.messages, action.messages);
      const maxSeq = Math.max(state.maxSeq, ...action.messages.map((m) => m.sequence_number));
      return { ...state, messages, maxSeq, pending: settle(state.pending, action.messages), loaded: true, hasMore: action.older || !state.loaded ? action.hasMore : state.hasMore };
    }
    case 'connection':
      return {
        ...state,
        connection: action.state,
        pending: state.pending.map((p) => (p.status === 'failed' ? p : { ...p, status: action.state === 'open' ? 'sending' : 'queued' })),
      };
    case 'local-send':
      return { ...state, pending: [...state.pending, action.send] };
    case 'queued':
      return state;
    case 'typing-expire': {
      const typing = Object.fromEntries(Object.entries(state.typing).filter(([, until]) => until > action.now));
      return Object.keys(typing).length === Object.keys(state.typing).length ? state : { ...state, typing };
    }
    case 'clear-error':
      return { ...state, lastError: null };
    case 'frame':
      return applyFrame(state, action.frame, action.now ?? Date.now());
  }
}

function applyFrame(state: TimelineState, frame: ServerFrame, now: number): TimelineState {
  switch (frame.type) {
    case 'hello':
      return { ...state, role: frame.role, online: frame.online, maxSeq: Math.max(state.maxSeq, 0) };
    case 'message': {
      const m = frame.message;
      const typing = { ...state.typing };
      delete typing[m.sender_id];
      return { ...state, typing, pending: settle(state.pending, [m]), messages: upsert(state.messages, [m]), maxSeq: Math.max(state.maxSeq, m.sequence_number) };
    }
    case 'ack':
      return { ...state, pending: state.pending.filter((p) => p.client_id !== frame.client_id) };
    case 'message_edited':
      return patch(state, frame.message_id, { content: frame.content, edited_at: frame.edited_at });
    case 'message_deleted':
      return patch(state, frame.message_id, { deleted_at: frame.deleted_at, content: null });
    case 'reaction_added':
    case 'reaction_removed':
      return patch(state, frame.message_id, { reactions: frame.reactions });
    case 'system': {
      const key = frame.seq != null ? `sys-${frame.seq}` : `sys-${frame.event}-${frame.user_id ?? ''}-${frame.timestamp}`;
      if (state.system.some((s) => s.key === key)) return state;
      const order = frame.seq ?? state.maxSeq + 0.5;
      const item: SystemItem = { kind: 'system', key, event: frame.event, user_id: frame.user_id, data: frame.data, timestamp: frame.timestamp, order };
      return { ...state, system: [...state.system, item], maxSeq: Math.max(state.maxSeq, frame.seq ?? 0) };
    }
    case 'presence':
      return { ...state, online: frame.online };
    case 'typing': {
      const typing = { ...state.typing };
      if (frame.is_typing) typing[frame.user_id] = now + TYPING_TTL_MS;
      else delete typing[frame.user_id];
      return { ...state, typing };
    }
    case 'error': {
      // A passing refusal (busy, too fast) leaves the send waiting: the socket tries it again.
      const status = RETRYABLE_ERRORS.has(frame.code) ? ('queued' as const) : ('failed' as const);
      const pending = frame.client_id
        ? state.pending.map((p) => (p.client_id === frame.client_id ? { ...p, status, error: frame.code } : p))
        : state.pending;
      return { ...state, pending, lastError: { code: frame.code, message: frame.message, at: now } };
    }
    case 'resync_required':
      return { ...state, loaded: false };
  }
}

/** Messages and system events in the room's order. */
export function timelineItems(state: TimelineState): TimelineItem[] {
  const items: TimelineItem[] = Object.values(state.messages).map((message) => ({
    kind: 'message',
    key: message.message_id,
    message,
    order: message.sequence_number,
  }));
  // A system event stored as a message (history) and seen live (frame) shows once: keep the message.
  const seqs = new Set(items.map((i) => i.order));
  for (const s of state.system) if (!seqs.has(s.order)) items.push(s);
  return items.sort((a, b) => a.order - b.order);
}

export interface Group {
  kind: 'group';
  key: string;
  sender_id: string;
  sender_name: string;
  items: Message[];
}

export type Block = Group | SystemItem;

/** Consecutive messages from one sender within 5 minutes share one header. */
export function groupItems(items: TimelineItem[], windowMs = 5 * 60_000): Block[] {
  const blocks: Block[] = [];
  let current: Group | null = null;
  for (const item of items) {
    if (item.kind === 'system' || item.message.message_type === 'system') {
      current = null;
      blocks.push(
        item.kind === 'system'
          ? item
          : {
              kind: 'system',
              key: item.key,
              event: systemEventOf(item.message),
              user_id: item.message.sender_id,
              data: item.message.metadata ?? item.message.content,
              timestamp: item.message.created_at,
              order: item.order,
            },
      );
      continue;
    }
    const m = item.message;
    const last = current?.items[current.items.length - 1];
    if (current && current.sender_id === m.sender_id && last && Date.parse(m.created_at) - Date.parse(last.created_at) <= windowMs) {
      current.items.push(m);
    } else {
      current = { kind: 'group', key: `g-${m.message_id}`, sender_id: m.sender_id, sender_name: m.sender_name, items: [m] };
      blocks.push(current);
    }
  }
  return blocks;
}

function systemEventOf(m: Message): string {
  const meta = m.metadata as { event?: string } | null | undefined;
  if (meta && typeof meta.event === 'string') return meta.event;
  const content = m.content as { event?: string } | string | null;
  if (content && typeof content === 'object' && typeof content.event === 'string') return content.event;
  return 'other';
}
