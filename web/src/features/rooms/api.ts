import { api, query } from '../../lib/http';
import type { IncidentType, Member, Page, Role, Room, RoomStatus, Severity, Template, User } from '../../lib/types';

export interface RoomFilters {
  status?: RoomStatus | '';
  incident_type?: IncidentType | '';
  severity?: Severity | '';
  search?: string;
  my_rooms?: boolean;
  limit?: number;
  offset?: number;
}

export const roomsApi = {
  list: (f: RoomFilters) => api<Page<Room>>(`/api/rooms${query({ ...f })}`),
  get: (id: string) => api<Room>(`/api/rooms/${encodeURIComponent(id)}`),
  create: (body: Record<string, unknown>) => api<Room>('/api/rooms', { method: 'POST', body }),
  update: (id: string, body: Record<string, unknown>) => api<Room>(`/api/rooms/${encodeURIComponent(id)}`, { method: 'PATCH', body }),
  setStatus: (id: string, body: { status: RoomStatus; resolution_notes?: string; reason_code?: string }) =>
    api<Room>(`/api/rooms/${encodeURIComponent(id)}/status`, { method: 'POST', body }),
  join: (id: string) => api<unknown>(`/api/rooms/${encodeURIComponent(id)}/join`, { method: 'POST' }),
  /**
   * Whether messaging lets me into the room yet, asked every `everyMs` up to `tries` times. Messaging
   * learns of a new member by an event, a moment after rooms has answered the join; a chat opened
   * before that would be refused once and show "connection lost".
   */
  untilChatAdmits: async (id: string, tries = 50, everyMs = 100) => {
    for (let i = 0; i < tries; i++) {
      try {
        await api<unknown>(`/api/rooms/${encodeURIComponent(id)}/presence`);
        return true;
      } catch {
        await new Promise((resolve) => setTimeout(resolve, everyMs));
      }
    }
    return false;
  },
  templates: async () => {
    const body = await api<Template[] | { items: Template[] }>('/api/templates');
    return Array.isArray(body) ? body : body.items;
  },
  members: async (id: string) => {
    const body = await api<Member[] | { items: Member[] }>(`/api/rooms/${encodeURIComponent(id)}/members`);
    return Array.isArray(body) ? body : body.items;
  },
  addMember: (id: string, user_id: string, role: Role) =>
    api<Member>(`/api/rooms/${encodeURIComponent(id)}/members`, { method: 'POST', body: { user_id, role } }),
  changeRole: (id: string, user_id: string, role: Role) =>
    api<Member>(`/api/rooms/${encodeURIComponent(id)}/members/${encodeURIComponent(user_id)}`, { method: 'PATCH', body: { role } }),
  removeMember: (id: string, user_id: string) =>
    api<void>(`/api/rooms/${encodeURIComponent(id)}/members/${encodeURIComponent(user_id)}`, { method: 'DELETE' }),
  transfer: (id: string, new_owner_id: string) =>
    api<Room>(`/api/rooms/${encodeURIComponent(id)}/transfer-ownership`, { method: 'POST', body: { new_owner_id } }),
  users: async (search: string, limit = 10) => (await api<{ items: User[] }>(`/api/users${query({ search, limit })}`)).items,
};

/** What a role may do in a room (CONTRACT: viewer reads; editor also writes; owner also manages). */
export function permissions(room: Pick<Room, 'current_user_role' | 'status'> | undefined, isAdmin = false) {
  const role = room?.current_user_role ?? null;
  const active = room?.status === 'active';
  const owner = role === 'owner' || isAdmin;
  const editor = owner || role === 'editor';
  return {
    canSend: editor && active,
    canEditFields: editor && room?.status !== 'archived',
    canManageMembers: owner && room?.status !== 'archived',
    canResolve: owner && active,
    canArchive: owner && room?.status === 'resolved',
    canUpload: editor && active,
  };
}
