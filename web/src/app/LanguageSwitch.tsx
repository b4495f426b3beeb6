import { useTranslation } from 'react-i18next';
import { setLanguage } from './i18n';

export function LanguageSwitch() {
  const { t, i18n } = useTranslation();
  return (
    <label className="language">
      <span className="sr-only">{t('app.language')}</span>
      <select value={i18n.language === 'en' ? 'en' : 'zh-TW'} onChange={(e) => setLanguage(e.target.value)} aria-label={t('app.language')}>
        <option value="zh-TW">繁體中文</option>
        <option value="en">English</option>
      </select>
    </label>
  );
}
