import { useState, type FormEvent } from 'react';
import { useMutation, useQueryClient } from '@tanstack/react-query';
import { useTranslation } from 'react-i18next';
import { SEVERITIES, type Room, type Severity } from '../../lib/types';
import { roomsApi } from './api';

export function SettingsPanel({ room, canEdit, canResolve, canArchive }: { room: Room; canEdit: boolean; canResolve: boolean; canArchive: boolean }) {
  const { t } = useTranslation();
  const client = useQueryClient();
  const [fields, setFields] = useState({
    title: room.title,
    severity: room.severity,
    location: room.location ?? '',
    line: room.line ?? '',
    station: room.station ?? '',
    equipment_id: room.equipment_id ?? '',
    description: room.description ?? '',
    lots: (room.lots ?? []).join(', '),
  });
  const [notes, setNotes] = useState('');
  const [reason, setReason] = useState('');
  const [message, setMessage] = useState<{ kind: 'ok' | 'error'; text: string } | null>(null);

  const done = (updated: Room) => {
    client.setQueryData(['room', room.room_id], updated);
    void client.invalidateQueries({ queryKey: ['rooms'] });
    setMessage({ kind: 'ok', text: t('settings.saved') });
  };
  const onError = (e: Error) => setMessage({ kind: 'error', text: t('common.error', { message: e.message }) });
  const save = useMutation({ mutationFn: (body: Record<string, unknown>) => roomsApi.update(room.room_id, body), onSuccess: done, onError });
  const status = useMutation({
    mutationFn: (body: Parameters<typeof roomsApi.setStatus>[1]) => roomsApi.setStatus(room.room_id, body),
    onSuccess: done,
    onError,
  });

  function submit(event: FormEvent) {
    event.preventDefault();
    save.mutate({
      ...fields,
      lots: fields.lots
        .split(/[,，\s]+/)
        .map((l) => l.trim())
        .filter(Boolean),
    });
  }

  function resolve(event: FormEvent) {
    event.preventDefault();
    if (!notes.trim()) {
      setMessage({ kind: 'error', text: t('settings.notesRequired') });
      return;
    }
    status.mutate({ status: 'resolved', resolution_notes: notes.trim(), reason_code: reason.trim() || undefined });
  }

  const set = (key: keyof typeof fields) => (e: { target: { value: string } }) => setFields((f) => ({ ...f, [key]: e.target.value }));
  return (
    <section className="panel settings" aria-labelledby="settings-title">
      <h2 id="settings-title">{t('settings.title')}</h2>
      {message && (
        <p role={message.kind === 'error' ? 'alert' : 'status'} className={message.kind === 'error' ? 'error' : 'ok'}>
          {message.text}
        </p>
      )}
      <form onSubmit={submit} className="form-grid">
        <fieldset disabled={!canEdit} className="wide form-grid">
          <label className="field wide">
            <span>{t('create.roomTitle')}</span>
            <input value={fields.title} onChange={set('title')} required />
          </label>
          <label className="field">
            <span>{t('create.severity')}</span>
            <select value={fields.severity} onChange={(e) => setFields((f) => ({ ...f, severity: e.target.value as Severity }))}>
              {SEVERITIES.map((s) => (
                <option key={s} value={s}>
                  {t(`severity.${s}`)}
                </option>
              ))}
            </select>
          </label>
          <label className="field">
            <span>{t('create.location')}</span>
            <input value={fields.location} onChange={set('location')} />
          </label>
          <label className="field">
            <span>{t('create.line')}</span>
            <input value={fields.line} onChange={set('line')} />
          </label>
          <label className="field">
            <span>{t('create.station')}</span>
            <input value={fields.station} onChange={set('station')} />
          </label>
          <label className="field">
            <span>{t('create.equipment')}</span>
            <input value={fields.equipment_id} onChange={set('equipment_id')} />
          </label>
          <label className="field wide">
            <span>{t('create.description')}</span>
            <textarea rows={3} value={fields.description} onChange={set('description')} />
          </label>
          <label className="field wide">
            <span>{t('create.lots')}</span>
            <input value={fields.lots} onChange={set('lots')} />
          </label>
          {canEdit && (
            <div className="actions wide">
              <button type="submit" className="primary" disabled={save.isPending}>
                {t('settings.save')}
              </button>
            </div>
          )}
        </fieldset>
      </form>
      {canResolve && (
        <form onSubmit={resolve} className="resolve" noValidate>
          <h3>{t('settings.resolveTitle')}</h3>
          <label className="field">
            <span>{t('settings.resolutionNotes')}</span>
            <textarea rows={3} value={notes} onChange={(e) => setNotes(e.target.value)} required />
          </label>
          <label className="field">
            <span>{t('settings.reasonCode')}</span>
            <input value={reason} onChange={(e) => setReason(e.target.value)} />
          </label>
          <button type="submit" className="primary">
            {t('settings.resolve')}
          </button>
        </form>
      )}
      {room.resolution_notes && (
        <p className="resolution">
          <strong>{t('settings.resolutionNotes')}:</strong> {room.resolution_notes}
        </p>
      )}
      {canArchive && (
        <div className="archive">
          <h3>{t('settings.archiveTitle')}</h3>
          <p className="muted">{t('settings.archiveHint')}</p>
          <button type="button" onClick={() => status.mutate({ status: 'archived' })}>
            {t('settings.archive')}
          </button>
        </div>
      )}
    </section>
  );
}
