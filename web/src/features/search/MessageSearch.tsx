import { useState, type FormEvent } from 'react';
import { useQuery } from '@tanstack/react-query';
import { useTranslation } from 'react-i18next';
import type { TFunction } from 'i18next';
import { Link } from 'react-router';
import { api, query } from '../../lib/http';
import { sanitizeHighlight } from '../../lib/highlight';
import type { Message } from '../../lib/types';

interface SearchHit {
  message: Message;
  room_id: string;
  room_title: string;
  highlight: string;
}

export function searchMessages(q: string) {
  return api<{ items: SearchHit[]; total: number; total_capped?: boolean }>(`/api/messages/search${query({ q, limit: 20 })}`);
}

/** "12 messages found", or "1,000+" when the server stopped counting (total_capped). */
function summary(data: { total: number; total_capped?: boolean }, t: TFunction) {
  if (!data.total) return t('search.none');
  return data.total_capped ? t('search.resultsCapped', { shown: data.total.toLocaleString() }) : t('search.results', { count: data.total });
}

/** Full-text search over the messages of my rooms; hits show the server's <mark> highlights, sanitised. */
export function MessageSearch() {
  const { t } = useTranslation();
  const [text, setText] = useState('');
  const [q, setQ] = useState('');
  const results = useQuery({ queryKey: ['search', q], queryFn: () => searchMessages(q), enabled: q.length > 0 });

  function submit(event: FormEvent) {
    event.preventDefault();
    setQ(text.trim());
  }

  return (
    <section className="message-search" aria-labelledby="search-title">
      <h2 id="search-title">{t('search.title')}</h2>
      <form onSubmit={submit} role="search">
        <input type="search" aria-label={t('search.title')} placeholder={t('search.placeholder')} value={text} onChange={(e) => setText(e.target.value)} />
        <button type="submit">{t('search.title')}</button>
      </form>
      {results.data && (
        <>
          <p role="status">{summary(results.data, t)}</p>
          <ul className="search-hits">
            {results.data.items.map((hit) => (
              <li key={hit.message.message_id}>
                <Link to={`/rooms/${hit.room_id}`}>{hit.room_title}</Link>
                <span className="sender">{hit.message.sender_name}</span>
                {/* The only HTML rendered from the server: reduced to text and <mark>. */}
                <p className="hit" dangerouslySetInnerHTML={{ __html: sanitizeHighlight(hit.highlight) }} />
              </li>
            ))}
          </ul>
        </>
      )}
    </section>
  );
}
