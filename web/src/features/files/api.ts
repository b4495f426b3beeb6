import { api, ApiError, CSRF_HEADER, CSRF_VALUE, query } from '../../lib/http';
import type { FileInfo } from '../../lib/types';

export const IMAGE_LIMIT = 10 * 1024 * 1024;
export const DOCUMENT_LIMIT = 20 * 1024 * 1024;

export const IMAGE_TYPES = ['image/jpeg', 'image/png', 'image/gif', 'image/webp', 'image/heic', 'image/heif'];
const DOCUMENT_EXTENSIONS = ['pdf', 'docx', 'xlsx', 'pptx', 'txt', 'csv', 'log'];
const IMAGE_EXTENSIONS = ['jpg', 'jpeg', 'png', 'gif', 'webp', 'heic', 'heif'];

export type FileCheck = { ok: true; kind: 'image' | 'document' } | { ok: false; reason: 'too_large' | 'refused' };

/** The client's first check (the server judges again from the bytes). */
export function checkFile(file: { name: string; type: string; size: number }): FileCheck {
  const ext = file.name.split('.').pop()?.toLowerCase() ?? '';
  const isImage = IMAGE_TYPES.includes(file.type) || (!file.type && IMAGE_EXTENSIONS.includes(ext));
  if (file.type === 'image/svg+xml' || ext === 'svg' || ext === 'html' || ext === 'htm' || file.type === 'text/html') return { ok: false, reason: 'refused' };
  if (isImage) return file.size > IMAGE_LIMIT ? { ok: false, reason: 'too_large' } : { ok: true, kind: 'image' };
  if (DOCUMENT_EXTENSIONS.includes(ext)) return file.size > DOCUMENT_LIMIT ? { ok: false, reason: 'too_large' } : { ok: true, kind: 'document' };
  return { ok: false, reason: 'refused' };
}

export const fileUrls = {
  content: (id: string) => `/api/files/${encodeURIComponent(id)}/content`,
  thumbnail: (id: string) => `/api/files/${encodeURIComponent(id)}/thumbnail`,
};

export const filesApi = {
  get: (id: string) => api<FileInfo>(`/api/files/${encodeURIComponent(id)}`),
  list: (roomId: string, kind?: string) => api<{ items: FileInfo[]; total: number }>(`/api/rooms/${encodeURIComponent(roomId)}/files${query({ kind, limit: 50 })}`),
};

export type Uploader = (roomId: string, file: File, description: string, onProgress: (fraction: number) => void) => Promise<FileInfo>;

/** Multipart upload with progress (XMLHttpRequest: fetch has no upload progress). */
export const xhrUpload: Uploader = (roomId, file, description, onProgress) =>
  new Promise<FileInfo>((resolve, reject) => {
    const xhr = new XMLHttpRequest();
    xhr.open('POST', `/api/rooms/${encodeURIComponent(roomId)}/files`);
    xhr.setRequestHeader(CSRF_HEADER, CSRF_VALUE);
    xhr.setRequestHeader('Accept', 'application/json');
    xhr.withCredentials = true;
    xhr.upload.onprogress = (e) => {
      if (e.lengthComputable) onProgress(e.loaded / e.total);
    };
    xhr.onload = () => {
      let body: unknown = null;
      try {
        body = JSON.parse(xhr.responseText);
      } catch {
        // Not JSON.
      }
      if (xhr.status >= 200 && xhr.status < 300) {
        onProgress(1);
        resolve(body as FileInfo);
      } else {
        reject(new ApiError({ ...(body as object), status: xhr.status }));
      }
    };
    xhr.onerror = () => reject(new ApiError({ status: 0, code: 'network' }));
    const form = new FormData();
    form.append('file', file);
    if (description) form.append('description', description);
    xhr.send(form);
  });
