import { useCallback, useEffect, useMemo, useReducer, useRef } from 'react';
import { api, query } from '../../lib/http';
import { RoomSocket, type OutgoingMessage, type ServerFrame, type SocketFactory } from '../../lib/roomSocket';
import type { Message } from '../../lib/types';
import { groupItems, initialTimeline, timelineItems, timelineReducer } from './timeline';

export const PAGE = 50;

export function fetchHistory(roomId: string, beforeSeq?: number) {
  return api<{ messages: Message[]; has_more: boolean }>(
    `/api/rooms/${encodeURIComponent(roomId)}/messages${query({ limit: PAGE, before_seq: beforeSeq })}`,
  );
}

export interface RoomChatOptions {
  createSocket?: SocketFactory;
  baseUrl?: string;
  /** Told of room events (status, members, roles) so views of the room can refresh. */
  onSystem?: (event: string) => void;
  /** Delays of the reconnect back-off (tests make them short). */
  baseDelayMs?: number;
  maxDelayMs?: number;
}

/** One room's live chat: history, the socket, sends, typing, presence. */
export function useRoomChat(roomId: string, options: RoomChatOptions = {}) {
  const [state, dispatch] = useReducer(timelineReducer, initialTimeline);
  const socketRef = useRef<RoomSocket | null>(null);
  const loadingOlder = useRef(false);
  const optionsRef = useRef(options);

  /** Reads the newest page of history; false when it could not be read. */
  const loadLatest = useCallback(
    async (socket: RoomSocket): Promise<boolean> => {
      try {
        const page = await fetchHistory(roomId);
        for (const m of page.messages) socket.markSeen(m.message_id);
        const max = Math.max(0, ...page.messages.map((m) => m.sequence_number));
        if (max > 0) socket.setLastSeq(max);
        dispatch({ type: 'history', messages: page.messages, hasMore: page.has_more, older: false });
        return true;
      } catch {
        dispatch({ type: 'history', messages: [], hasMore: false, older: false });
        return false;
      }
    },
    [roomId],
  );

  useEffect(() => {
    let needHistory = true;
    const { createSocket, baseUrl, baseDelayMs, maxDelayMs } = optionsRef.current;
    const socket: RoomSocket = new RoomSocket({
      roomId,
      createSocket,
      baseUrl,
      baseDelayMs,
      maxDelayMs,
      onState: (s) => dispatch({ type: 'connection', state: s }),
      onFrame: (frame: ServerFrame) => {
        dispatch({ type: 'frame', frame });
        if (frame.type === 'system') optionsRef.current.onSystem?.(frame.event);
        // History is read after the first hello, so nothing committed in between is missed;
        // later reconnects resume by last_seq instead. A resync reloads it, and a load that failed
        // is tried again at the next hello (that hello restarts the resume point at the newest event).
        if (frame.type === 'resync_required') needHistory = true;
        if (needHistory && (frame.type === 'hello' || frame.type === 'resync_required')) {
          needHistory = false;
          void loadLatest(socket).then((loaded) => {
            if (!loaded) needHistory = true;
          });
        }
      },
    });
    socketRef.current = socket;
    socket.connect();
    const online = () => socket.reconnectNow();
    const offline = () => socket.goOffline();
    window.addEventListener('online', online);
    window.addEventListener('offline', offline);
    const expire = setInterval(() => dispatch({ type: 'typing-expire', now: Date.now() }), 1000);
    return () => {
      window.removeEventListener('online', online);
      window.removeEventListener('offline', offline);
      clearInterval(expire);
      socket.close();
      socketRef.current = null;
    };
  }, [roomId, loadLatest]);

  const loadOlder = useCallback(async () => {
    if (loadingOlder.current || !state.hasMore) return;
    const seqs = Object.values(state.messages).map((m) => m.sequence_number);
    const before = seqs.length ? Math.min(...seqs) : undefined;
    loadingOlder.current = true;
    try {
      const page = await fetchHistory(roomId, before);
      for (const m of page.messages) socketRef.current?.markSeen(m.message_id);
      dispatch({ type: 'history', messages: page.messages, hasMore: page.has_more, older: true });
    } finally {
      loadingOlder.current = false;
    }
  }, [roomId, state.hasMore, state.messages]);

  const send = useCallback((message: Omit<OutgoingMessage, 'type' | 'client_id'>) => {
    const socket = socketRef.current;
    if (!socket) return null;
    const clientId = socket.sendMessage(message);
    dispatch({
      type: 'local-send',
      send: {
        client_id: clientId,
        message_type: message.message_type,
        content: message.content,
        created_at: new Date().toISOString(),
        status: socket.state === 'open' ? 'sending' : 'queued',
      },
    });
    return clientId;
  }, []);

  const sendFrame = useCallback((frame: Parameters<RoomSocket['sendNow']>[0]) => socketRef.current?.sendNow(frame) ?? false, []);
  const reconnect = useCallback(() => socketRef.current?.reconnectNow(), []);

  const blocks = useMemo(() => groupItems(timelineItems(state)), [state]);
  return { state, blocks, loadOlder, send, sendFrame, reconnect, socket: socketRef, closeCode: socketRef.current?.closeCode ?? null, dispatch };
}
