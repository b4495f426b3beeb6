import { useEffect, useState } from 'react';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useTranslation } from 'react-i18next';
import type { Role, Room, User } from '../../lib/types';
import { roomsApi } from '../rooms/api';

const ROLES: Role[] = ['editor', 'viewer'];

export function MembersPanel({ room, canManage, currentUserId }: { room: Room; canManage: boolean; currentUserId: string }) {
  const { t } = useTranslation();
  const client = useQueryClient();
  const members = useQuery({ queryKey: ['members', room.room_id], queryFn: () => roomsApi.members(room.room_id) });
  const [search, setSearch] = useState('');
  const [found, setFound] = useState<User[]>([]);
  const [role, setRole] = useState<Role>('editor');
  const [error, setError] = useState<string | null>(null);

  useEffect(() => {
    if (!canManage || search.trim().length < 1) {
      setFound([]);
      return;
    }
    let cancelled = false;
    const id = setTimeout(() => {
      roomsApi
        .users(search.trim())
        .then((users) => !cancelled && setFound(users))
        .catch(() => !cancelled && setFound([]));
    }, 200);
    return () => {
      cancelled = true;
      clearTimeout(id);
    };
  }, [search, canManage]);

  const refresh = () => {
    void client.invalidateQueries({ queryKey: ['members', room.room_id] });
    void client.invalidateQueries({ queryKey: ['room', room.room_id] });
  };
  const onError = (e: Error) => setError(t('common.error', { message: e.message }));
  const add = useMutation({ mutationFn: (u: User) => roomsApi.addMember(room.room_id, u.user_id, role), onSuccess: refresh, onError });
  const change = useMutation({ mutationFn: (v: { id: string; role: Role }) => roomsApi.changeRole(room.room_id, v.id, v.role), onSuccess: refresh, onError });
  const remove = useMutation({ mutationFn: (id: string) => roomsApi.removeMember(room.room_id, id), onSuccess: refresh, onError });
  const transfer = useMutation({ mutationFn: (id: string) => roomsApi.transfer(room.room_id, id), onSuccess: refresh, onError });

  const memberIds = new Set(members.data?.map((m) => m.user_id));
  return (
    <section className="panel members" aria-labelledby="members-title">
      <h2 id="members-title">{t('members.title')}</h2>
      {error && (
        <p role="alert" className="error">
          {error}
        </p>
      )}
      <ul className="member-list">
        {members.data?.map((m) => (
          <li key={m.user_id}>
            <span className="member-name">{m.display_name}</span>
            <span className="muted">{m.user_id}</span>
            {canManage && m.role !== 'owner' ? (
              <select aria-label={t('members.changeRole', { name: m.display_name })} value={m.role} onChange={(e) => change.mutate({ id: m.user_id, role: e.target.value as Role })}>
                {ROLES.map((r) => (
                  <option key={r} value={r}>
                    {t(`role.${r}`)}
                  </option>
                ))}
              </select>
            ) : (
              <span className="badge">{t(`role.${m.role}`)}</span>
            )}
            {canManage && m.role !== 'owner' && (
              <>
                <button
                  type="button"
                  onClick={() => {
                    if (window.confirm(t('members.transferConfirm', { name: m.display_name }))) transfer.mutate(m.user_id);
                  }}
                >
                  {t('members.transfer')}
                </button>
                <button type="button" onClick={() => remove.mutate(m.user_id)} aria-label={`${t('members.remove')} ${m.display_name}`}>
                  {t('members.remove')}
                </button>
              </>
            )}
            {!canManage && m.user_id === currentUserId && m.role !== 'owner' && (
              <button type="button" onClick={() => remove.mutate(m.user_id)}>
                {t('room.leave')}
              </button>
            )}
          </li>
        ))}
      </ul>
      {canManage && (
        <div className="add-member">
          <h3>{t('members.add')}</h3>
          <div className="row">
            <input type="search" aria-label={t('members.searchDirectory')} placeholder={t('members.searchDirectory')} value={search} onChange={(e) => setSearch(e.target.value)} />
            <select aria-label={t('members.role')} value={role} onChange={(e) => setRole(e.target.value as Role)}>
              {ROLES.map((r) => (
                <option key={r} value={r}>
                  {t(`role.${r}`)}
                </option>
              ))}
            </select>
          </div>
          <ul className="directory">
            {found.map((u) => (
              <li key={u.user_id}>
                <span>
                  {u.display_name} <span className="muted">{u.job_title}</span>
                </span>
                {memberIds.has(u.user_id) ? (
                  <span className="muted">{t('members.alreadyMember')}</span>
                ) : (
                  <button type="button" onClick={() => add.mutate(u)} aria-label={`${t('members.add')} ${u.display_name}`}>
                    {t('members.add')}
                  </button>
                )}
              </li>
            ))}
          </ul>
        </div>
      )}
    </section>
  );
}
