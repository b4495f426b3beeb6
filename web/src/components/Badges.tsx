import { useTranslation } from 'react-i18next';
import type { IncidentType, RoomStatus, Severity } from '../lib/types';

export function StatusBadge({ status }: { status: RoomStatus }) {
  const { t } = useTranslation();
  return <span className={`badge status-${status}`}>{t(`status.${status}`)}</span>;
}

export function SeverityBadge({ severity }: { severity: Severity }) {
  const { t } = useTranslation();
  return (
    <span className={`badge severity-${severity}`}>
      <span className="sr-only">{t('rooms.severity')}: </span>
      {t(`severity.${severity}`)}
    </span>
  );
}

export function TypeBadge({ type }: { type: IncidentType }) {
  const { t } = useTranslation();
  return <span className="badge type">{t(`type.${type}`)}</span>;
}
