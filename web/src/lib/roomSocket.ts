// One WebSocket client per open room. It owns reconnection (exponential back-off with jitter),
// resume by last_seq, the offline send queue keyed by client_id and de-duplication by message_id;
// components only subscribe to what it reports.
import type { Message, ReactionSummary, Role } from './types';

export type ConnectionState = 'connecting' | 'open' | 'reconnecting' | 'offline' | 'closed';

export type ServerFrame =
  | { type: 'hello'; room_id: string; user_id: string; role: Role; last_seq: number; online: string[] }
  | { type: 'resync_required' }
  | { type: 'ack'; client_id: string; message_id: string; sequence_number: number; created_at: string }
  | { type: 'message'; message: Message }
  | { type: 'message_edited'; message_id: string; content: unknown; edited_at: string; seq: number }
  | { type: 'message_deleted'; message_id: string; deleted_at: string; seq: number }
  | {
      type: 'reaction_added' | 'reaction_removed';
      message_id: string;
      user_id: string;
      emoji: string;
      reactions: Record<string, ReactionSummary>;
      seq: number;
    }
  | { type: 'system'; event: string; user_id?: string | null; data?: unknown; timestamp: string; seq?: number | null }
  | { type: 'presence'; online: string[] }
  | { type: 'typing'; user_id: string; is_typing: boolean }
  | { type: 'error'; code: string; message: string; client_id?: string };

export interface OutgoingMessage {
  type: 'message';
  client_id: string;
  message_type: 'text' | 'incident_data' | 'image_ref' | 'file_ref';
  content: unknown;
  mentions?: string[];
  file_id?: string;
}

export type ClientFrame =
  | OutgoingMessage
  | { type: 'edit_message'; message_id: string; content: string }
  | { type: 'delete_message'; message_id: string }
  | { type: 'add_reaction' | 'remove_reaction'; message_id: string; emoji: string }
  | { type: 'typing'; is_typing: boolean };

export interface SocketLike {
  readyState: number;
  onopen: ((ev: unknown) => void) | null;
  onmessage: ((ev: { data: unknown }) => void) | null;
  onclose: ((ev: { code: number; reason?: string }) => void) | null;
  onerror: ((ev: unknown) => void) | null;
  send(data: string): void;
  close(code?: number, reason?: string): void;
}

export type SocketFactory = (url: string) => SocketLike;

export interface RoomSocketOptions {
  roomId: string;
  /** Builds the socket; the browser's WebSocket by default. */
  createSocket?: SocketFactory;
  /** Base of ws URLs, e.g. ws://host; from location by default. */
  baseUrl?: string;
  /** Called for every frame the room's timeline should apply (after de-duplication). */
  onFrame?: (frame: ServerFrame) => void;
  onState?: (state: ConnectionState) => void;
  /** Told when queued sends change (length of the queue). */
  onQueue?: (pending: OutgoingMessage[]) => void;
  random?: () => number;
  /** Back-off: first delay and ceiling, in ms. */
  baseDelayMs?: number;
  maxDelayMs?: number;
  /** Whether the browser thinks it is online. */
  isOnline?: () => boolean;
  newId?: () => string;
}

const OPEN = 1;
const TERMINAL_CODES = new Set([4403, 4404, 4401]);
/** Refusals that say "not now" rather than "never": the send stays queued and goes again later. */
export const RETRYABLE_ERRORS = new Set(['unavailable', 'rate_limited']);

export function backoffDelay(attempt: number, base: number, max: number, random: () => number): number {
  const ceiling = Math.min(max, base * 2 ** attempt);
  // "Equal jitter": half fixed, half random, so delays grow but reconnects do not stampede.
  return Math.round(ceiling / 2 + random() * (ceiling / 2));
}

function defaultBaseUrl(): string {
  const { protocol, host } = window.location;
  return `${protocol === 'https:' ? 'wss' : 'ws'}://${host}`;
}

function uuid(): string {
  if (typeof crypto !== 'undefined' && 'randomUUID' in crypto) return crypto.randomUUID();
  return 'xxxxxxxx-xxxx-4xxx-yxxx-xxxxxxxxxxxx'.replace(/[xy]/g, (c) => {
    const r = (Math.random() * 16) | 0;
    return (c === 'x' ? r : (r & 0x3) | 0x8).toString(16);
  });
}

export class RoomSocket {
  readonly roomId: string;
  private readonly options: RoomSocketOptions;
  private socket: SocketLike | null = null;
  private timer: ReturnType<typeof setTimeout> | null = null;
  private attempt = 0;
  private stopped = false;
  private helloSeen = false;
  private seen = new Set<string>();
  private queue: OutgoingMessage[] = [];
  /** Sends refused for a passing reason: how often each was retried, and the timers of the next try. */
  private retries = new Map<string, number>();
  private retryTimers = new Set<ReturnType<typeof setTimeout>>();
  private _state: ConnectionState = 'connecting';
  private _lastSeq: number | null = null;
  /** Why the server ended the room's connection for good (4403 membership revoked, 4404 deleted). */
  closeCode: number | null = null;

  constructor(options: RoomSocketOptions) {
    this.options = options;
    this.roomId = options.roomId;
  }

  get state(): ConnectionState {
    return this._state;
  }

  /** The last room sequence number applied; a reconnect resumes after it. */
  get lastSeq(): number | null {
    return this._lastSeq;
  }

  get pending(): OutgoingMessage[] {
    return [...this.queue];
  }

  /** Starts (or restarts) the connection. */
  connect(): void {
    this.stopped = false;
    this.open();
  }

  /** Seeds the resume point (e.g. from history loaded by REST) without replaying. */
  setLastSeq(seq: number): void {
    if (this._lastSeq === null || seq > this._lastSeq) this._lastSeq = seq;
  }

  /** Marks a message as already shown so a replay does not show it twice. */
  markSeen(messageId: string): void {
    this.seen.add(messageId);
  }

  /** Closes for good (leaving the room). */
  close(): void {
    this.stopped = true;
    this.clearTimer();
    for (const timer of this.retryTimers) clearTimeout(timer);
    this.retryTimers.clear();
    this.retries.clear();
    const socket = this.socket;
    this.socket = null;
    if (socket) {
      socket.onclose = null;
      socket.onmessage = null;
      socket.onerror = null;
      try {
        socket.close(1000, 'leaving');
      } catch {
        // Already closed.
      }
    }
    this.setState('closed');
  }

  /**
   * Sends a chat message. Returns its client_id at once; when the socket is not open the message
   * waits in the queue and goes out after the next hello, with the same client_id, so a retry
   * after a drop is stored once.
   */
  sendMessage(message: Omit<OutgoingMessage, 'type' | 'client_id'> & { client_id?: string }): string {
    const frame: OutgoingMessage = { ...message, type: 'message', client_id: message.client_id ?? (this.options.newId ?? uuid)() };
    this.queue.push(frame);
    this.emitQueue();
    if (this.isReady()) this.socket!.send(JSON.stringify(frame));
    return frame.client_id;
  }

  /** Sends a frame that is not worth queueing (typing, edits, reactions); false when offline. */
  sendNow(frame: Exclude<ClientFrame, OutgoingMessage>): boolean {
    if (!this.isReady()) return false;
    this.socket!.send(JSON.stringify(frame));
    return true;
  }

  /** Reconnects at once (the browser came back online, or the user asked). */
  reconnectNow(): void {
    if (this.stopped) return;
    this.clearTimer();
    this.attempt = 0;
    const socket = this.socket;
    this.socket = null;
    if (socket) {
      socket.onclose = null;
      try {
        socket.close(4000, 'reconnect');
      } catch {
        // Ignore.
      }
    }
    this.open();
  }

  /** The browser went offline: show it and wait for `online`. */
  goOffline(): void {
    if (this.stopped) return;
    this.setState('offline');
  }

  private isReady(): boolean {
    return this.socket !== null && this.socket.readyState === OPEN && this.helloSeen;
  }

  private url(): string {
    const base = this.options.baseUrl ?? defaultBaseUrl();
    const resume = this._lastSeq !== null ? `?last_seq=${this._lastSeq}` : '';
    return `${base}/ws/${encodeURIComponent(this.roomId)}${resume}`;
  }

  private open(): void {
    if (this.stopped) return;
    this.helloSeen = false;
    this.setState(this.attempt === 0 && this._state !== 'reconnecting' && this._state !== 'offline' ? 'connecting' : this._state);
    const factory: SocketFactory = this.options.createSocket ?? ((url) => new WebSocket(url) as unknown as SocketLike);
    let socket: SocketLike;
    try {
      socket = factory(this.url());
    } catch {
      this.scheduleReconnect();
      return;
    }
    this.socket = socket;
    socket.onmessage = (event) => this.receive(event.data);
    socket.onclose = (event) => {
      if (this.socket !== socket) return;
      this.socket = null;
      this.helloSeen = false;
      if (TERMINAL_CODES.has(event.code)) {
        this.closeCode = event.code;
        this.stopped = true;
        this.setState('closed');
        return;
      }
      this.scheduleReconnect();
    };
    socket.onerror = () => {
      // onclose follows and decides.
    };
  }

  private scheduleReconnect(): void {
    if (this.stopped) return;
    const offline = this.options.isOnline ? !this.options.isOnline() : typeof navigator !== 'undefined' && navigator.onLine === false;
    this.setState(offline ? 'offline' : 'reconnecting');
    const delay = backoffDelay(this.attempt, this.options.baseDelayMs ?? 500, this.options.maxDelayMs ?? 15000, this.options.random ?? Math.random);
    this.attempt += 1;
    this.clearTimer();
    this.timer = setTimeout(() => {
      this.timer = null;
      this.open();
    }, delay);
  }

  private clearTimer(): void {
    if (this.timer !== null) {
      clearTimeout(this.timer);
      this.timer = null;
    }
  }

  private setState(state: ConnectionState): void {
    if (this._state === state) return;
    this._state = state;
    this.options.onState?.(state);
  }

  private emitQueue(): void {
    this.options.onQueue?.(this.pending);
  }

  private receive(data: unknown): void {
    let frame: ServerFrame;
    try {
      frame = JSON.parse(String(data)) as ServerFrame;
    } catch {
      return;
    }
    if (!frame || typeof frame !== 'object' || typeof (frame as { type?: unknown }).type !== 'string') return;

    switch (frame.type) {
      case 'hello': {
        this.helloSeen = true;
        this.attempt = 0;
        if (this._lastSeq === null) this._lastSeq = frame.last_seq;
        this.setState('open');
        this.options.onFrame?.(frame);
        // Everything not yet acknowledged goes (again) with its client_id.
        for (const queued of this.queue) this.socket?.send(JSON.stringify(queued));
        return;
      }
      case 'ack': {
        this.retries.delete(frame.client_id);
        const before = this.queue.length;
        this.queue = this.queue.filter((q) => q.client_id !== frame.client_id);
        if (this.queue.length !== before) this.emitQueue();
        this.options.onFrame?.(frame);
        return;
      }
      case 'message': {
        const message = frame.message;
        if (this.seen.has(message.message_id)) {
          this.advance(message.sequence_number);
          return;
        }
        this.seen.add(message.message_id);
        this.advance(message.sequence_number);
        this.options.onFrame?.(frame);
        return;
      }
      case 'message_edited':
      case 'message_deleted':
      case 'reaction_added':
      case 'reaction_removed': {
        if (this.replayed(frame.seq)) return;
        this.advance(frame.seq);
        this.options.onFrame?.(frame);
        return;
      }
      case 'system': {
        if (typeof frame.seq === 'number') {
          if (this.replayed(frame.seq)) return;
          this.advance(frame.seq);
        }
        this.options.onFrame?.(frame);
        return;
      }
      case 'resync_required': {
        this._lastSeq = null;
        this.options.onFrame?.(frame);
        return;
      }
      case 'error': {
        if (frame.client_id && RETRYABLE_ERRORS.has(frame.code) && this.retryLater(frame.client_id)) {
          this.options.onFrame?.(frame);
          return;
        }
        // The server refused this send (closed room, permissions, size): retrying cannot help.
        if (frame.client_id) {
          this.retries.delete(frame.client_id);
          const before = this.queue.length;
          this.queue = this.queue.filter((q) => q.client_id !== frame.client_id);
          if (this.queue.length !== before) this.emitQueue();
        }
        this.options.onFrame?.(frame);
        return;
      }
      default:
        this.options.onFrame?.(frame);
    }
  }

  /**
   * Sends a queued message again after a back-off (the server was busy or the sender too fast); its
   * client_id makes a repeat harmless. False when the message is no longer queued.
   */
  private retryLater(clientId: string): boolean {
    if (!this.queue.some((q) => q.client_id === clientId)) return false;
    const attempt = this.retries.get(clientId) ?? 0;
    this.retries.set(clientId, attempt + 1);
    const delay = backoffDelay(attempt, this.options.baseDelayMs ?? 1000, this.options.maxDelayMs ?? 15000, this.options.random ?? Math.random);
    const timer = setTimeout(() => {
      this.retryTimers.delete(timer);
      const queued = this.queue.find((q) => q.client_id === clientId);
      // Not ready: the next hello sends everything still queued anyway.
      if (queued && this.isReady()) this.socket!.send(JSON.stringify(queued));
    }, delay);
    this.retryTimers.add(timer);
    return true;
  }

  private appliedSeqs = new Set<number>();

  /** A room event (by seq) already applied: replays after a resume carry it again. */
  private replayed(seq: number): boolean {
    return this.appliedSeqs.has(seq);
  }

  private advance(seq: number): void {
    this.appliedSeqs.add(seq);
    if (this._lastSeq === null || seq > this._lastSeq) this._lastSeq = seq;
  }
}
