// Shapes of the contract (docs: shared CONTRACT.md), snake_case as on the wire.

export interface User {
  user_id: string;
  display_name: string;
  job_title?: string | null;
  office?: string | null;
  is_admin?: boolean;
}

export type IncidentType = 'equipment_failure' | 'material_shortage' | 'quality_issue' | 'other';
export type Severity = 'low' | 'medium' | 'high' | 'critical';
export type RoomStatus = 'active' | 'resolved' | 'archived';
export type Role = 'owner' | 'editor' | 'viewer';

export const INCIDENT_TYPES: IncidentType[] = ['equipment_failure', 'material_shortage', 'quality_issue', 'other'];
export const SEVERITIES: Severity[] = ['low', 'medium', 'high', 'critical'];
export const STATUSES: RoomStatus[] = ['active', 'resolved', 'archived'];

export interface Room {
  room_id: string;
  title: string;
  incident_type: IncidentType;
  severity: Severity;
  status: RoomStatus;
  location?: string | null;
  line?: string | null;
  station?: string | null;
  equipment_id?: string | null;
  description?: string | null;
  resolution_notes?: string | null;
  reason_code?: string | null;
  lots?: string[] | null;
  created_by: string;
  created_at: string;
  resolved_at?: string | null;
  archived_at?: string | null;
  last_activity_at: string;
  member_count: number;
  current_user_role?: Role | null;
  is_member: boolean;
}

export interface Page<T> {
  items: T[];
  total: number;
  limit: number;
  offset: number;
}

export interface Member {
  user_id: string;
  display_name: string;
  role: Role;
  added_by?: string;
  added_at?: string;
}

export interface Template {
  name: string;
  description?: string | null;
  incident_type: IncidentType;
  default_severity: Severity;
}

export type MessageType = 'text' | 'image_ref' | 'file_ref' | 'incident_data' | 'system';

export interface ReactionSummary {
  count: number;
  user_ids: string[];
}

export interface Message {
  message_id: string;
  room_id: string;
  sequence_number: number;
  sender_id: string;
  sender_name: string;
  message_type: MessageType;
  content: unknown;
  mentions?: string[];
  file_id?: string | null;
  metadata?: unknown;
  reactions?: Record<string, ReactionSummary>;
  created_at: string;
  edited_at?: string | null;
  deleted_at?: string | null;
  /** The sender's client_id: the sender's own pending copy is replaced by this message. */
  client_id?: string | null;
}

export interface FileInfo {
  file_id: string;
  room_id: string;
  filename: string;
  content_type: string;
  size: number;
  kind: 'image' | 'document';
  width?: number | null;
  height?: number | null;
  description?: string | null;
  uploaded_by: string;
  uploaded_at: string;
  content_url: string;
  thumbnail_url?: string | null;
}
