import { useState, type FormEvent } from 'react';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useTranslation } from 'react-i18next';
import { useNavigate } from 'react-router';
import { Dialog } from '../../components/Dialog';
import { INCIDENT_TYPES, SEVERITIES, type IncidentType, type Severity } from '../../lib/types';
import { roomsApi } from './api';

export function CreateRoomDialog({ onClose }: { onClose(): void }) {
  const { t } = useTranslation();
  const navigate = useNavigate();
  const client = useQueryClient();
  const templates = useQuery({ queryKey: ['templates'], queryFn: roomsApi.templates, staleTime: 60_000 });
  const [template, setTemplate] = useState('');
  const [title, setTitle] = useState('');
  const [incidentType, setIncidentType] = useState<IncidentType>('equipment_failure');
  const [severity, setSeverity] = useState<Severity>('high');
  const [location, setLocation] = useState('');
  const [line, setLine] = useState('');
  const [station, setStation] = useState('');
  const [equipment, setEquipment] = useState('');
  const [description, setDescription] = useState('');
  const [lots, setLots] = useState('');
  const [error, setError] = useState<string | null>(null);

  const create = useMutation({
    mutationFn: roomsApi.create,
    onSuccess: (room) => {
      void client.invalidateQueries({ queryKey: ['rooms'] });
      onClose();
      navigate(`/rooms/${room.room_id}`);
    },
    onError: (e: Error) => setError(t('common.error', { message: e.message })),
  });

  function chooseTemplate(name: string) {
    setTemplate(name);
    const chosen = templates.data?.find((tpl) => tpl.name === name);
    if (chosen) {
      setIncidentType(chosen.incident_type);
      setSeverity(chosen.default_severity);
    }
  }

  function submit(event: FormEvent) {
    event.preventDefault();
    if (!title.trim()) {
      setError(t('create.titleRequired'));
      return;
    }
    setError(null);
    const lotList = lots
      .split(/[,，\s]+/)
      .map((l) => l.trim())
      .filter(Boolean);
    create.mutate({
      title: title.trim(),
      incident_type: incidentType,
      severity,
      location: location || undefined,
      line: line || undefined,
      station: station || undefined,
      equipment_id: equipment || undefined,
      description: description || undefined,
      lots: lotList.length ? lotList : undefined,
      template: template || undefined,
    });
  }

  return (
    <Dialog title={t('create.title')} onClose={onClose} closeLabel={t('common.close')}>
      <form onSubmit={submit} className="form-grid" noValidate>
        <label className="field wide">
          <span>{t('create.template')}</span>
          <select value={template} onChange={(e) => chooseTemplate(e.target.value)}>
            <option value="">{t('create.noTemplate')}</option>
            {templates.data?.map((tpl) => (
              <option key={tpl.name} value={tpl.name}>
                {tpl.description ? `${tpl.name} — ${tpl.description}` : tpl.name}
              </option>
            ))}
          </select>
        </label>
        <label className="field wide">
          <span>{t('create.roomTitle')}</span>
          <input value={title} onChange={(e) => setTitle(e.target.value)} required maxLength={200} />
        </label>
        <label className="field">
          <span>{t('create.type')}</span>
          <select value={incidentType} onChange={(e) => setIncidentType(e.target.value as IncidentType)}>
            {INCIDENT_TYPES.map((v) => (
              <option key={v} value={v}>
                {t(`type.${v}`)}
              </option>
            ))}
          </select>
        </label>
        <label className="field">
          <span>{t('create.severity')}</span>
          <select value={severity} onChange={(e) => setSeverity(e.target.value as Severity)}>
            {SEVERITIES.map((v) => (
              <option key={v} value={v}>
                {t(`severity.${v}`)}
              </option>
            ))}
          </select>
        </label>
        <label className="field">
          <span>{t('create.location')}</span>
          <input value={location} onChange={(e) => setLocation(e.target.value)} />
        </label>
        <label className="field">
          <span>{t('create.line')}</span>
          <input value={line} onChange={(e) => setLine(e.target.value)} />
        </label>
        <label className="field">
          <span>{t('create.station')}</span>
          <input value={station} onChange={(e) => setStation(e.target.value)} />
        </label>
        <label className="field">
          <span>{t('create.equipment')}</span>
          <input value={equipment} onChange={(e) => setEquipment(e.target.value)} />
        </label>
        <label className="field wide">
          <span>{t('create.description')}</span>
          <textarea value={description} onChange={(e) => setDescription(e.target.value)} rows={3} />
        </label>
        <label className="field wide">
          <span>{t('create.lots')}</span>
          <input value={lots} onChange={(e) => setLots(e.target.value)} />
        </label>
        {error && (
          <p role="alert" className="error wide">
            {error}
          </p>
        )}
        <div className="actions wide">
          <button type="button" onClick={onClose}>
            {t('create.cancel')}
          </button>
          <button type="submit" className="primary" disabled={create.isPending}>
            {t('create.submit')}
          </button>
        </div>
      </form>
    </Dialog>
  );
}
