import { useCallback, useEffect, useMemo } from 'react';
import { useQueryClient } from '@tanstack/react-query';
import { useDropzone } from 'react-dropzone';
import { useTranslation } from 'react-i18next';
import type { Member, Room, User } from '../../lib/types';
import { xhrUpload, type Uploader } from '../files/api';
import { StagedFiles, useStagedFiles } from '../files/components';
import { roomsApi } from '../rooms/api';
import { Composer } from './Composer';
import { ConnectionBanner, Presence, Timeline, TypingIndicator } from './components';
import { useRoomChat, type RoomChatOptions } from './useRoomChat';

export interface ChatPanelProps {
  room: Room;
  user: User;
  members: Member[];
  canSend: boolean;
  canUpload: boolean;
  chatOptions?: RoomChatOptions;
  uploader?: Uploader;
  searchUsers?: (q: string) => Promise<User[]>;
  onClosed?(code: number): void;
}

export function ChatPanel({ room, user, members, canSend, canUpload, chatOptions, uploader = xhrUpload, searchUsers = roomsApi.users, onClosed }: ChatPanelProps) {
  const { t } = useTranslation();
  const client = useQueryClient();
  const chat = useRoomChat(room.room_id, {
    ...chatOptions,
    // A status change, a role change or a member added elsewhere shows in the header and lists.
    onSystem: () => {
      void client.invalidateQueries({ queryKey: ['room', room.room_id] });
      void client.invalidateQueries({ queryKey: ['members', room.room_id] });
    },
  });
  const files = useStagedFiles(room.room_id, uploader);
  const names = useMemo(() => Object.fromEntries(members.map((m) => [m.user_id, m.display_name])), [members]);

  // The room (refetched on every room event, a role change included) says what I may do.
  const role = room.current_user_role ?? chat.state.role;
  const writable = (role === 'owner' || role === 'editor' || !!user.is_admin) && canSend;
  const closeCode = chat.state.connection === 'closed' ? chat.socket.current?.closeCode ?? null : null;
  useEffect(() => {
    if (closeCode && onClosed) onClosed(closeCode);
  }, [closeCode, onClosed]);

  const onDrop = useCallback((accepted: File[]) => files.add(accepted), [files]);
  const dropzone = useDropzone({ onDrop, noClick: true, noKeyboard: true, disabled: !canUpload || !writable, multiple: true });

  const actions = {
    currentUserId: user.user_id,
    canWrite: writable,
    isAdmin: !!user.is_admin,
    onEdit: (id: string, content: string) => chat.sendFrame({ type: 'edit_message', message_id: id, content }),
    onDelete: (id: string) => chat.sendFrame({ type: 'delete_message', message_id: id }),
    onReact: (id: string, emoji: string, add: boolean) => chat.sendFrame({ type: add ? 'add_reaction' : 'remove_reaction', message_id: id, emoji }),
  };

  const lastError = chat.state.lastError;
  return (
    <section className={`chat${dropzone.isDragActive ? ' dragging' : ''}`} aria-label={t('room.chat')} {...dropzone.getRootProps()}>
      <input {...dropzone.getInputProps()} aria-label={t('files.pick')} data-testid="file-input" />
      <div className="chat-top">
        <Presence online={chat.state.online} names={names} />
      </div>
      <ConnectionBanner state={chat.state.connection} queued={chat.state.pending.filter((p) => p.status !== 'failed').length} onRetry={chat.reconnect} />
      {closeCode && (
        <p role="alert" className="error">
          {closeCode === 4404 ? t('room.deleted') : t('room.revoked')}
        </p>
      )}
      {dropzone.isDragActive && <div className="drop-overlay">{t('files.dropActive')}</div>}
      <Timeline
        blocks={chat.blocks}
        pending={chat.state.pending}
        hasMore={chat.state.hasMore}
        loaded={chat.state.loaded}
        names={names}
        onLoadOlder={chat.loadOlder}
        {...actions}
      />
      <TypingIndicator typing={chat.state.typing} names={names} currentUserId={user.user_id} />
      {lastError && (
        <p role="alert" className="error" onClick={() => chat.dispatch({ type: 'clear-error' })}>
          {t(`chat.errors.${lastError.code}`, { defaultValue: lastError.message })}
        </p>
      )}
      {writable ? (
        <>
          <StagedFiles staged={files.staged} rejections={files.rejections} onRemove={files.remove} onUpload={(d) => void files.uploadAll(d)} />
          <Composer
            onSend={(text, mentions) => chat.send({ message_type: 'text', content: text, mentions })}
            onTyping={(is) => chat.sendFrame({ type: 'typing', is_typing: is })}
            searchUsers={searchUsers}
            onFiles={canUpload ? files.add : undefined}
            onPickFiles={canUpload ? dropzone.open : undefined}
          />
        </>
      ) : (
        <p className="read-only" role="note">
          {room.status !== 'active' ? t('room.closed') : t('room.viewerNote')}
        </p>
      )}
    </section>
  );
}
