import { useEffect, useState } from 'react';
import { useQuery } from '@tanstack/react-query';
import { useTranslation } from 'react-i18next';
import { Dialog } from '../../components/Dialog';
import { fileSize } from '../../lib/format';
import { ApiError } from '../../lib/http';
import { checkFile, fileUrls, filesApi, type Uploader } from './api';

/** An image message: a thumbnail that opens the full image in a lightbox. */
export function ImageThumb({ fileId, alt }: { fileId: string; alt: string }) {
  const { t } = useTranslation();
  const [open, setOpen] = useState(false);
  const label = alt || t('files.image');
  return (
    <>
      <button type="button" className="thumb" onClick={() => setOpen(true)} aria-label={t('files.open', { name: label })}>
        <img src={fileUrls.thumbnail(fileId)} alt={label} loading="lazy" />
      </button>
      {open && <Lightbox src={fileUrls.content(fileId)} alt={label} onClose={() => setOpen(false)} />}
    </>
  );
}

export function Lightbox({ src, alt, onClose }: { src: string; alt: string; onClose(): void }) {
  const { t } = useTranslation();
  return (
    <Dialog title={alt} onClose={onClose} className="lightbox" closeLabel={t('files.close')}>
      <img src={src} alt={alt} />
    </Dialog>
  );
}

/** A document message: name, size and a download link. */
export function FileCard({ fileId, fallbackName }: { fileId: string; fallbackName?: string }) {
  const { t } = useTranslation();
  const info = useQuery({ queryKey: ['file', fileId], queryFn: () => filesApi.get(fileId), staleTime: Infinity, retry: false });
  const name = info.data?.filename ?? fallbackName ?? fileId;
  return (
    <div className="file-card">
      <span className="file-icon" aria-hidden="true">
        📄
      </span>
      <span className="file-name">{name}</span>
      {info.data && <span className="file-size">{fileSize(info.data.size)}</span>}
      <a href={fileUrls.content(fileId)} download={name} className="button" aria-label={t('files.download', { name })}>
        ⬇
      </a>
    </div>
  );
}

export interface Staged {
  id: string;
  file: File;
  preview: string | null;
  progress: number;
  status: 'ready' | 'uploading' | 'done' | 'error';
  error?: string;
}

let stagedCounter = 0;

/** Files picked, dropped or pasted, waiting to be sent: checked, previewed, then uploaded with progress. */
export function useStagedFiles(roomId: string, uploader: Uploader) {
  const { t } = useTranslation();
  const [staged, setStaged] = useState<Staged[]>([]);
  const [rejections, setRejections] = useState<string[]>([]);

  useEffect(
    () => () => {
      staged.forEach((s) => s.preview && URL.revokeObjectURL?.(s.preview));
    },
    // Previews are released when the list unmounts.
    // eslint-disable-next-line react-hooks/exhaustive-deps
    [],
  );

  function add(files: File[]) {
    const accepted: Staged[] = [];
    const refused: string[] = [];
    for (const file of files) {
      const check = checkFile(file);
      if (!check.ok) {
        refused.push(check.reason === 'too_large' ? t('files.tooLarge', { name: file.name }) : t('files.refused', { name: file.name }));
        continue;
      }
      const preview = check.kind === 'image' && typeof URL.createObjectURL === 'function' ? URL.createObjectURL(file) : null;
      accepted.push({ id: `staged-${++stagedCounter}`, file, preview, progress: 0, status: 'ready' });
    }
    setRejections(refused);
    if (accepted.length) setStaged((s) => [...s, ...accepted]);
  }

  function remove(id: string) {
    setStaged((s) => s.filter((x) => x.id !== id));
  }

  async function uploadAll(description: string) {
    const ready = staged.filter((s) => s.status === 'ready' || s.status === 'error');
    await Promise.all(
      ready.map(async (item) => {
        const set = (change: Partial<Staged>) => setStaged((s) => s.map((x) => (x.id === item.id ? { ...x, ...change } : x)));
        set({ status: 'uploading', progress: 0, error: undefined });
        try {
          await uploader(roomId, item.file, description, (p) => set({ progress: p }));
          setStaged((s) => s.filter((x) => x.id !== item.id));
        } catch (e) {
          const status = e instanceof ApiError ? e.status : 0;
          const error =
            status === 413
              ? t('files.tooLarge', { name: item.file.name })
              : status === 415
                ? t('files.refused', { name: item.file.name })
                : status === 404
                  ? t('files.unavailable')
                  : t('files.failed', { name: item.file.name });
          set({ status: 'error', error });
        }
      }),
    );
  }

  return { staged, rejections, add, remove, uploadAll, clearRejections: () => setRejections([]) };
}

export function StagedFiles({
  staged,
  rejections,
  onRemove,
  onUpload,
}: {
  staged: Staged[];
  rejections: string[];
  onRemove(id: string): void;
  onUpload(description: string): void;
}) {
  const { t } = useTranslation();
  const [description, setDescription] = useState('');
  if (!staged.length && !rejections.length) return null;
  const busy = staged.some((s) => s.status === 'uploading');
  return (
    <section className="staged" aria-label={t('files.preview')}>
      {rejections.map((r) => (
        <p key={r} role="alert" className="error">
          {r}
        </p>
      ))}
      {staged.length > 0 && (
        <>
          <ul>
            {staged.map((s) => (
              <li key={s.id} className="staged-item">
                {s.preview ? <img src={s.preview} alt={s.file.name} /> : <span className="file-icon" aria-hidden="true">📄</span>}
                <span className="file-name">{s.file.name}</span>
                <span className="file-size">{fileSize(s.file.size)}</span>
                {(s.status === 'uploading' || s.progress > 0) && (
                  <progress max={1} value={s.progress} aria-label={t('files.progress', { name: s.file.name })} />
                )}
                {s.error && (
                  <span role="alert" className="error">
                    {s.error}
                  </span>
                )}
                <button type="button" onClick={() => onRemove(s.id)} disabled={s.status === 'uploading'} aria-label={`${t('files.remove')} ${s.file.name}`}>
                  ×
                </button>
              </li>
            ))}
          </ul>
          <div className="staged-actions">
            <input aria-label={t('files.description')} placeholder={t('files.description')} value={description} onChange={(e) => setDescription(e.target.value)} />
            <button
              type="button"
              className="primary"
              disabled={busy}
              onClick={() => {
                onUpload(description);
                setDescription('');
              }}
            >
              {t('files.upload')}
            </button>
          </div>
        </>
      )}
    </section>
  );
}

/** The room's files (images and documents) for the Files tab. */
export function RoomFiles({ roomId }: { roomId: string }) {
  const { t } = useTranslation();
  const files = useQuery({ queryKey: ['files', roomId], queryFn: () => filesApi.list(roomId), retry: false });
  if (files.isError) {
    return <p className="muted">{(files.error as ApiError).status === 404 ? t('files.unavailable') : t('common.error', { message: files.error.message })}</p>;
  }
  if (!files.data) return <p role="status">{t('rooms.loading')}</p>;
  if (!files.data.items.length) return <p className="muted">{t('files.none')}</p>;
  return (
    <ul className="room-files" aria-label={t('files.list')}>
      {files.data.items.map((f) => (
        <li key={f.file_id}>{f.kind === 'image' ? <ImageThumb fileId={f.file_id} alt={f.description || f.filename} /> : <FileCard fileId={f.file_id} fallbackName={f.filename} />}</li>
      ))}
    </ul>
  );
}
