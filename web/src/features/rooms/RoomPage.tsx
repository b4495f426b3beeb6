import { useState } from 'react';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useTranslation } from 'react-i18next';
import { Link, useParams } from 'react-router';
import { SeverityBadge, StatusBadge, TypeBadge } from '../../components/Badges';
import type { User } from '../../lib/types';
import { useSession } from '../auth/session';
import { ChatPanel } from '../chat/ChatPanel';
import type { RoomChatOptions } from '../chat/useRoomChat';
import { RoomFiles } from '../files/components';
import { MembersPanel } from '../members/MembersPanel';
import { permissions, roomsApi } from './api';
import { SettingsPanel } from './SettingsPanel';

type Tab = 'chat' | 'files' | 'members' | 'settings';

export function RoomPage({ chatOptions }: { chatOptions?: RoomChatOptions }) {
  const { roomId = '' } = useParams();
  const { user } = useSession();
  const room = useQuery({ queryKey: ['room', roomId], queryFn: () => roomsApi.get(roomId), retry: false, refetchInterval: 30_000 });
  if (room.isPending) return <main id="main" className="page">…</main>;
  if (room.isError || !room.data || !user) {
    return <NotFound />;
  }
  return <RoomView key={roomId} roomId={roomId} user={user} chatOptions={chatOptions} />;
}

function NotFound() {
  const { t } = useTranslation();
  return (
    <main id="main" className="page">
      <Breadcrumb title="" />
      <p role="alert">{t('room.notFound')}</p>
    </main>
  );
}

function Breadcrumb({ title }: { title: string }) {
  const { t } = useTranslation();
  return (
    <nav aria-label="breadcrumb" className="breadcrumb">
      <ol>
        <li>
          <Link to="/">{t('rooms.breadcrumb')}</Link>
        </li>
        {title && <li aria-current="page">{title}</li>}
      </ol>
    </nav>
  );
}

function RoomView({ roomId, user, chatOptions }: { roomId: string; user: User; chatOptions?: RoomChatOptions }) {
  const { t } = useTranslation();
  const client = useQueryClient();
  const [tab, setTab] = useState<Tab>('chat');
  const room = useQuery({ queryKey: ['room', roomId], queryFn: () => roomsApi.get(roomId) }).data!;
  const members = useQuery({ queryKey: ['members', roomId], queryFn: () => roomsApi.members(roomId), enabled: room.is_member || !!user.is_admin });
  const can = permissions(room, !!user.is_admin);
  const join = useMutation({
    mutationFn: async () => {
      await roomsApi.join(roomId);
      await roomsApi.untilChatAdmits(roomId);
    },
    onSuccess: () => {
      void client.invalidateQueries({ queryKey: ['room', roomId] });
      void client.invalidateQueries({ queryKey: ['members', roomId] });
    },
  });
  const where = [room.location, room.line, room.station, room.equipment_id].filter(Boolean).join(' · ');
  const tabs: Tab[] = ['chat', 'files', 'members', 'settings'];

  return (
    <main id="main" className="page room-page">
      <Breadcrumb title={room.title} />
      <header className="room-head">
        <div>
          <h1>{room.title}</h1>
          <div className="badges">
            <StatusBadge status={room.status} />
            <SeverityBadge severity={room.severity} />
            <TypeBadge type={room.incident_type} />
            {room.current_user_role && <span className="badge role">{t(`role.${room.current_user_role}`)}</span>}
          </div>
          {where && <p className="where">{where}</p>}
        </div>
        <div className="head-actions">
          {can.canResolve && (
            <button type="button" onClick={() => setTab('settings')}>
              {t('room.resolve')}
            </button>
          )}
          {can.canArchive && (
            <button type="button" onClick={() => setTab('settings')}>
              {t('room.archive')}
            </button>
          )}
          {!room.is_member && room.status !== 'archived' && (
            <button type="button" className="primary" disabled={join.isPending} onClick={() => join.mutate()}>
              {t('rooms.join')}
            </button>
          )}
        </div>
      </header>
      <div role="tablist" className="tabs" aria-label={room.title}>
        {tabs.map((name) => (
          <button key={name} role="tab" type="button" id={`tab-${name}`} aria-selected={tab === name} aria-controls={`panel-${name}`} onClick={() => setTab(name)}>
            {t(`room.${name}`)}
          </button>
        ))}
      </div>
      <div role="tabpanel" id={`panel-${tab}`} aria-labelledby={`tab-${tab}`} className="tab-panel">
        {tab === 'chat' &&
          (room.is_member || user.is_admin ? (
            <ChatPanel room={room} user={user} members={members.data ?? []} canSend={can.canSend} canUpload={can.canUpload} chatOptions={chatOptions} />
          ) : (
            <p className="muted">{t('rooms.notMember')}</p>
          ))}
        {tab === 'files' && <RoomFiles roomId={roomId} />}
        {tab === 'members' && <MembersPanel room={room} canManage={can.canManageMembers} currentUserId={user.user_id} />}
        {tab === 'settings' && <SettingsPanel room={room} canEdit={can.canEditFields} canResolve={can.canResolve} canArchive={can.canArchive} />}
      </div>
    </main>
  );
}
