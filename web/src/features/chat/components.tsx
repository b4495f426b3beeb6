import { Fragment, useEffect, useId, useLayoutEffect, useRef, useState, type ReactNode } from 'react';
import { useTranslation } from 'react-i18next';
import { clockTime } from '../../lib/format';
import type { ConnectionState } from '../../lib/roomSocket';
import type { Message } from '../../lib/types';
import { FileCard, ImageThumb } from '../files/components';
import type { Block, PendingSend, SystemItem } from './timeline';

export const QUICK_REACTIONS = ['👍', '✅', '👀', '❗'];
const EDIT_WINDOW_MS = 15 * 60_000;

/** Text with @mentions emphasised; always text nodes, never HTML. */
export function RichText({ text }: { text: string }) {
  const parts = text.split(/(@[^\s@]+)/g);
  return (
    <>
      {parts.map((part, i) =>
        part.startsWith('@') && part.length > 1 ? (
          <span key={i} className="mention">
            {part}
          </span>
        ) : (
          <Fragment key={i}>{part}</Fragment>
        ),
      )}
    </>
  );
}

/** incident_data: readings as a definition list. */
export function IncidentDataCard({ data }: { data: unknown }) {
  const { t } = useTranslation();
  const captionId = useId();
  const entries = data && typeof data === 'object' && !Array.isArray(data) ? Object.entries(data as Record<string, unknown>) : [];
  return (
    <figure className="incident-data" aria-labelledby={captionId}>
      <figcaption id={captionId}>{t('chat.incidentData')}</figcaption>
      {entries.length ? (
        <dl>
          {entries.map(([key, value]) => (
            <div key={key}>
              <dt>{key}</dt>
              <dd>{typeof value === 'object' && value !== null ? JSON.stringify(value) : String(value)}</dd>
            </div>
          ))}
        </dl>
      ) : (
        <pre>{JSON.stringify(data)}</pre>
      )}
    </figure>
  );
}

function textOf(content: unknown): string {
  if (typeof content === 'string') return content;
  if (content === null || content === undefined) return '';
  return JSON.stringify(content);
}

interface MessageActions {
  currentUserId: string;
  canWrite: boolean;
  isAdmin?: boolean;
  onEdit(id: string, content: string): void;
  onDelete(id: string): void;
  onReact(id: string, emoji: string, add: boolean): void;
}

export function MessageBody({ message }: { message: Message }) {
  const { t } = useTranslation();
  if (message.deleted_at) return <p className="deleted">{t('chat.deleted')}</p>;
  switch (message.message_type) {
    case 'incident_data':
      return <IncidentDataCard data={message.content} />;
    case 'image_ref':
      return (
        <div className="image-message">
          {message.file_id && <ImageThumb fileId={message.file_id} alt={textOf(message.content)} />}
          {textOf(message.content) && (
            <p className="text">
              <RichText text={textOf(message.content)} />
            </p>
          )}
        </div>
      );
    case 'file_ref': {
      const meta = message.metadata as { filename?: string } | null | undefined;
      return (
        <div>
          {message.file_id && <FileCard fileId={message.file_id} fallbackName={meta?.filename} />}
          {textOf(message.content) && (
            <p className="text">
              <RichText text={textOf(message.content)} />
            </p>
          )}
        </div>
      );
    }
    default:
      return (
        <p className="text">
          <RichText text={textOf(message.content)} />
        </p>
      );
  }
}

export function MessageView({ message, actions }: { message: Message; actions: MessageActions }) {
  const { t, i18n } = useTranslation();
  const [editing, setEditing] = useState(false);
  const [draft, setDraft] = useState('');
  const mine = message.sender_id === actions.currentUserId;
  const canEdit = mine && actions.canWrite && !message.deleted_at && message.message_type === 'text' && Date.now() - Date.parse(message.created_at) < EDIT_WINDOW_MS;
  const canDelete = (mine && actions.canWrite) || actions.isAdmin;
  const reactions = Object.entries(message.reactions ?? {}).filter(([, r]) => r.count > 0);

  return (
    <li className={`message${mine ? ' mine' : ''}`} data-seq={message.sequence_number} data-message-id={message.message_id}>
      <time dateTime={message.created_at} className="time">
        {clockTime(message.created_at, i18n.language)}
      </time>
      {editing ? (
        <form
          className="edit-form"
          onSubmit={(e) => {
            e.preventDefault();
            if (draft.trim()) actions.onEdit(message.message_id, draft.trim());
            setEditing(false);
          }}
        >
          <textarea aria-label={t('chat.edit')} value={draft} onChange={(e) => setDraft(e.target.value)} rows={2} />
          <button type="submit">{t('chat.save')}</button>
          <button type="button" onClick={() => setEditing(false)}>
            {t('chat.cancel')}
          </button>
        </form>
      ) : (
        <MessageBody message={message} />
      )}
      {message.edited_at && !message.deleted_at && <span className="edited">({t('chat.edited')})</span>}
      {!message.deleted_at && (reactions.length > 0 || actions.canWrite || canDelete) && !editing && (
        <div className="message-tools">
          {reactions.map(([emoji, r]) => {
            const mineReacted = r.user_ids.includes(actions.currentUserId);
            return (
              <button
                key={emoji}
                type="button"
                className={`reaction${mineReacted ? ' on' : ''}`}
                aria-pressed={mineReacted}
                disabled={!actions.canWrite}
                onClick={() => actions.onReact(message.message_id, emoji, !mineReacted)}
              >
                {t('chat.reactionLabel', { emoji, count: r.count })}
              </button>
            );
          })}
          {actions.canWrite && (
            <details className="react-menu">
              <summary aria-label={t('chat.react')}>☺+</summary>
              {QUICK_REACTIONS.map((emoji) => (
                <button key={emoji} type="button" onClick={() => actions.onReact(message.message_id, emoji, true)} aria-label={`${t('chat.react')} ${emoji}`}>
                  {emoji}
                </button>
              ))}
            </details>
          )}
          {canEdit && (
            <button
              type="button"
              className="link"
              onClick={() => {
                setDraft(textOf(message.content));
                setEditing(true);
              }}
            >
              {t('chat.edit')}
            </button>
          )}
          {canDelete && (
            <button type="button" className="link" onClick={() => actions.onDelete(message.message_id)}>
              {t('chat.delete')}
            </button>
          )}
        </div>
      )}
    </li>
  );
}

export function SystemLine({ item, names }: { item: SystemItem; names: Record<string, string> }) {
  const { t } = useTranslation();
  const data = (item.data ?? {}) as { role?: string; new_role?: string; new_status?: string; status?: string };
  const name = (item.user_id && names[item.user_id]) || item.user_id || '';
  const roleName = data.role ?? data.new_role;
  const role = roleName ? t(`role.${roleName}`) : '';
  const status = data.new_status ?? data.status;
  const known = ['user_joined', 'user_left', 'member_added', 'member_removed', 'role_changed', 'room_status_changed', 'room_updated'];
  const text = known.includes(item.event)
    ? t(`system.${item.event}`, { name, role, status: status ? t(`status.${status}`) : '' })
    : typeof item.data === 'string'
      ? item.data
      : t('system.other');
  return (
    <li className="system" role="note">
      <span>{text}</span>
    </li>
  );
}

export function PendingLine({ send }: { send: PendingSend }) {
  const { t } = useTranslation();
  const label = send.status === 'queued' ? t('chat.queued') : send.status === 'failed' ? t('chat.failed') : t('chat.sending');
  return (
    <li className={`message mine pending ${send.status}`} aria-live="polite">
      <p className="text">{typeof send.content === 'string' ? send.content : JSON.stringify(send.content)}</p>
      <span className="pending-state">
        {label}
        {send.error ? ` — ${t(`chat.errors.${send.error}`, { defaultValue: send.error })}` : ''}
      </span>
    </li>
  );
}

interface TimelineProps extends MessageActions {
  blocks: Block[];
  pending: PendingSend[];
  hasMore: boolean;
  loaded: boolean;
  names: Record<string, string>;
  onLoadOlder(): Promise<void> | void;
}

/** The chat timeline: grouped by sender, loads older history as it is scrolled to the top, stays pinned to the bottom. */
export function Timeline({ blocks, pending, hasMore, loaded, names, onLoadOlder, ...actions }: TimelineProps) {
  const { t } = useTranslation();
  const ref = useRef<HTMLDivElement>(null);
  const pinned = useRef(true);
  const restore = useRef<number | null>(null);
  const [loading, setLoading] = useState(false);

  async function older() {
    if (loading || !hasMore) return;
    const el = ref.current;
    restore.current = el ? el.scrollHeight - el.scrollTop : null;
    setLoading(true);
    try {
      await onLoadOlder();
    } finally {
      setLoading(false);
    }
  }

  useLayoutEffect(() => {
    const el = ref.current;
    if (!el) return;
    if (restore.current !== null) {
      el.scrollTop = el.scrollHeight - restore.current;
      restore.current = null;
    } else if (pinned.current) {
      el.scrollTop = el.scrollHeight;
    }
  }, [blocks, pending]);

  function onScroll() {
    const el = ref.current;
    if (!el) return;
    pinned.current = el.scrollHeight - el.scrollTop - el.clientHeight < 80;
    if (el.scrollTop < 40 && hasMore && loaded) void older();
  }

  return (
    <div className="timeline" ref={ref} onScroll={onScroll} role="log" aria-label={t('chat.timeline')} aria-live="polite" tabIndex={0}>
      <div className="history-edge">
        {hasMore && loaded ? (
          <button type="button" className="link" onClick={() => void older()} disabled={loading}>
            {loading ? t('chat.loadingOlder') : t('chat.loadOlder')}
          </button>
        ) : loaded && blocks.length > 0 ? (
          <span className="muted">{t('chat.noMore')}</span>
        ) : null}
      </div>
      {loaded && blocks.length === 0 && pending.length === 0 && <p className="muted empty">{t('chat.emptyRoom')}</p>}
      <ol className="blocks">
        {blocks.map((block) =>
          block.kind === 'system' ? (
            <SystemLine key={block.key} item={block} names={names} />
          ) : (
            <li key={block.key} className={`group${block.sender_id === actions.currentUserId ? ' mine' : ''}`}>
              <p className="sender">{block.sender_id === actions.currentUserId ? t('chat.you') : block.sender_name}</p>
              <ol className="messages">
                {block.items.map((m) => (
                  <MessageView key={m.message_id} message={m} actions={actions} />
                ))}
              </ol>
            </li>
          ),
        )}
        {pending.length > 0 && (
          <li className="group mine">
            <ol className="messages">
              {pending.map((p) => (
                <PendingLine key={p.client_id} send={p} />
              ))}
            </ol>
          </li>
        )}
      </ol>
    </div>
  );
}

export function ConnectionBanner({ state, queued, onRetry }: { state: ConnectionState; queued: number; onRetry(): void }) {
  const { t } = useTranslation();
  if (state === 'open' && queued === 0) return null;
  if (state === 'closed') return null;
  const text = state === 'open' ? '' : t(`connection.${state}`);
  return (
    <div className={`connection-banner ${state}`} role="status">
      {text && <span>{text}</span>}
      {queued > 0 && <span>{t('connection.queued', { count: queued })}</span>}
      {(state === 'reconnecting' || state === 'offline') && (
        <button type="button" className="link" onClick={onRetry}>
          {t('connection.retry')}
        </button>
      )}
    </div>
  );
}

export function TypingIndicator({ typing, names, currentUserId }: { typing: Record<string, number>; names: Record<string, string>; currentUserId: string }) {
  const { t } = useTranslation();
  const who = Object.keys(typing)
    .filter((id) => id !== currentUserId)
    .map((id) => names[id] ?? id);
  return (
    <p className="typing" aria-live="polite">
      {who.length ? t('chat.typing', { names: who.join('、'), count: who.length }) : ' '}
    </p>
  );
}

export function Presence({ online, names }: { online: string[]; names: Record<string, string> }) {
  const { t } = useTranslation();
  return (
    <details className="presence">
      <summary>
        <span className="dot" aria-hidden="true" />
        {t('room.online', { count: online.length })}
      </summary>
      <ul aria-label={t('room.onlineList')}>
        {online.map((id) => (
          <li key={id}>{names[id] ?? id}</li>
        ))}
      </ul>
    </details>
  );
}

export function useNow(intervalMs: number): number {
  const [now, setNow] = useState(Date.now());
  useEffect(() => {
    const id = setInterval(() => setNow(Date.now()), intervalMs);
    return () => clearInterval(id);
  }, [intervalMs]);
  return now;
}

export function Empty({ children }: { children: ReactNode }) {
  return <p className="muted">{children}</p>;
}
