import { useEffect, useRef, useState } from 'react';
import { keepPreviousData, useQuery } from '@tanstack/react-query';
import { useTranslation } from 'react-i18next';
import { Link, useSearchParams } from 'react-router';
import { SeverityBadge, StatusBadge, TypeBadge } from '../../components/Badges';
import { relativeTime } from '../../lib/format';
import { INCIDENT_TYPES, SEVERITIES, STATUSES, type IncidentType, type Room, type RoomStatus, type Severity } from '../../lib/types';
import { useSession } from '../auth/session';
import { MessageSearch } from '../search/MessageSearch';
import { roomsApi, type RoomFilters } from './api';
import { CreateRoomDialog } from './CreateRoomDialog';

export const PAGE_SIZE = 12;

export function RoomCard({ room }: { room: Room }) {
  const { t, i18n } = useTranslation();
  const where = [room.location, room.line, room.station, room.equipment_id].filter(Boolean).join(' · ');
  return (
    <li className={`room-card severity-edge-${room.severity}`}>
      <Link to={`/rooms/${room.room_id}`} className="room-link">
        <h3>{room.title}</h3>
      </Link>
      <div className="badges">
        <StatusBadge status={room.status} />
        <SeverityBadge severity={room.severity} />
        <TypeBadge type={room.incident_type} />
      </div>
      {where && <p className="where">{where}</p>}
      <p className="meta">
        <span>{t('rooms.lastActivity', { time: relativeTime(room.last_activity_at, i18n.language) })}</span>
        <span>{t('rooms.members', { count: room.member_count })}</span>
        <span>{room.current_user_role ? t('rooms.myRole', { role: t(`role.${room.current_user_role}`) }) : t('rooms.notMember')}</span>
      </p>
    </li>
  );
}

function useDebounced<T>(value: T, ms: number): T {
  const [debounced, setDebounced] = useState(value);
  useEffect(() => {
    const id = setTimeout(() => setDebounced(value), ms);
    return () => clearTimeout(id);
  }, [value, ms]);
  return debounced;
}

export function RoomListPage() {
  const { t } = useTranslation();
  const { user } = useSession();
  const [params, setParams] = useSearchParams();
  const [creating, setCreating] = useState(false);
  const [searchText, setSearchText] = useState(params.get('search') ?? '');
  const search = useDebounced(searchText, 300);

  const status = (params.get('status') ?? '') as RoomStatus | '';
  const incidentType = (params.get('type') ?? '') as IncidentType | '';
  const severity = (params.get('severity') ?? '') as Severity | '';
  const myRooms = params.get('mine') === '1';
  const page = Math.max(1, Number(params.get('page') ?? '1') || 1);

  function update(key: string, value: string) {
    const next = new URLSearchParams(params);
    if (value) next.set(key, value);
    else next.delete(key);
    if (key !== 'page') next.delete('page');
    setParams(next, { replace: true });
  }

  useEffect(() => {
    if ((params.get('search') ?? '') !== search) update('search', search);
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [search]);

  const filters: RoomFilters = {
    status,
    incident_type: incidentType,
    severity,
    search,
    my_rooms: myRooms,
    limit: PAGE_SIZE,
    offset: (page - 1) * PAGE_SIZE,
  };
  // New activity shows without a reload: the list refreshes itself while it is on screen.
  const rooms = useQuery({
    queryKey: ['rooms', filters],
    queryFn: () => roomsApi.list(filters),
    placeholderData: keepPreviousData,
    refetchInterval: 10_000,
  });
  const pages = Math.max(1, Math.ceil((rooms.data?.total ?? 0) / PAGE_SIZE));

  // Announce activity newer than what was first shown.
  const newest = rooms.data?.items[0]?.last_activity_at;
  const firstSeen = useRef<string | undefined>(undefined);
  const [fresh, setFresh] = useState(false);
  useEffect(() => {
    if (!newest) return;
    if (firstSeen.current === undefined) firstSeen.current = newest;
    else if (newest > firstSeen.current) {
      firstSeen.current = newest;
      setFresh(true);
    }
  }, [newest]);

  return (
    <main id="main" className="page rooms-page">
      <nav aria-label="breadcrumb" className="breadcrumb">
        <ol>
          <li aria-current="page">{t('rooms.breadcrumb')}</li>
        </ol>
      </nav>
      <div className="page-head">
        <h1>{t('rooms.title')}</h1>
        <button type="button" className="primary" onClick={() => setCreating(true)}>
          + {t('rooms.create')}
        </button>
      </div>
      <section className="filters" aria-label={t('rooms.filters')}>
        <label className="field grow">
          <span>{t('rooms.search')}</span>
          <input type="search" value={searchText} placeholder={t('rooms.searchPlaceholder')} onChange={(e) => setSearchText(e.target.value)} />
        </label>
        <label className="field">
          <span>{t('rooms.status')}</span>
          <select value={status} onChange={(e) => update('status', e.target.value)}>
            <option value="">{t('rooms.any')}</option>
            {STATUSES.filter((s) => s !== 'archived' || user?.is_admin).map((s) => (
              <option key={s} value={s}>
                {t(`status.${s}`)}
              </option>
            ))}
          </select>
        </label>
        <label className="field">
          <span>{t('rooms.type')}</span>
          <select value={incidentType} onChange={(e) => update('type', e.target.value)}>
            <option value="">{t('rooms.any')}</option>
            {INCIDENT_TYPES.map((s) => (
              <option key={s} value={s}>
                {t(`type.${s}`)}
              </option>
            ))}
          </select>
        </label>
        <label className="field">
          <span>{t('rooms.severity')}</span>
          <select value={severity} onChange={(e) => update('severity', e.target.value)}>
            <option value="">{t('rooms.any')}</option>
            {SEVERITIES.map((s) => (
              <option key={s} value={s}>
                {t(`severity.${s}`)}
              </option>
            ))}
          </select>
        </label>
        <label className="check">
          <input type="checkbox" checked={myRooms} onChange={(e) => update('mine', e.target.checked ? '1' : '')} />
          <span>{t('rooms.myRooms')}</span>
        </label>
      </section>
      {fresh && (
        <p className="fresh" role="status">
          {t('rooms.newActivity')}
          <button type="button" className="link" onClick={() => setFresh(false)} aria-label={t('common.close')}>
            ×
          </button>
        </p>
      )}
      {rooms.isPending && <p role="status">{t('rooms.loading')}</p>}
      {rooms.isError && <p role="alert">{t('rooms.loadError')}</p>}
      {rooms.data && rooms.data.items.length === 0 && <p className="empty">{t('rooms.empty')}</p>}
      {rooms.data && rooms.data.items.length > 0 && (
        <ul className="room-grid" aria-label={t('rooms.title')}>
          {rooms.data.items.map((room) => (
            <RoomCard key={room.room_id} room={room} />
          ))}
        </ul>
      )}
      {pages > 1 && (
        <nav className="pager" aria-label={t('rooms.page', { page, pages })}>
          <button type="button" disabled={page <= 1} onClick={() => update('page', String(page - 1))}>
            {t('rooms.prev')}
          </button>
          <span>{t('rooms.page', { page, pages })}</span>
          <button type="button" disabled={page >= pages} onClick={() => update('page', String(page + 1))}>
            {t('rooms.next')}
          </button>
        </nav>
      )}
      <MessageSearch />
      {creating && <CreateRoomDialog onClose={() => setCreating(false)} />}
    </main>
  );
}
