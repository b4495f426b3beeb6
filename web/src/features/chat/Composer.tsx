import { useEffect, useId, useLayoutEffect, useRef, useState, type ClipboardEvent, type KeyboardEvent } from 'react';
import { useTranslation } from 'react-i18next';
import type { User } from '../../lib/types';

export interface ComposerProps {
  onSend(text: string, mentions: string[]): void;
  onTyping(isTyping: boolean): void;
  searchUsers(text: string): Promise<User[]>;
  onFiles?(files: File[]): void;
  onPickFiles?(): void;
  disabled?: boolean;
}

const TYPING_REPEAT_MS = 2000;

/** The message box: Enter sends, Shift+Enter breaks a line, @ completes from the directory, paste attaches files. */
export function Composer({ onSend, onTyping, searchUsers, onFiles, onPickFiles, disabled }: ComposerProps) {
  const { t } = useTranslation();
  const listId = useId();
  const [text, setText] = useState('');
  const [mentions, setMentions] = useState<User[]>([]);
  const [suggestions, setSuggestions] = useState<User[]>([]);
  const [active, setActive] = useState(0);
  const [mentionQuery, setMentionQuery] = useState<{ start: number; query: string } | null>(null);
  const area = useRef<HTMLTextAreaElement>(null);
  const lastTyping = useRef(0);
  const typingOff = useRef<ReturnType<typeof setTimeout> | null>(null);
  const caretAfterRender = useRef<number | null>(null);

  useEffect(() => {
    if (!mentionQuery) {
      setSuggestions([]);
      return;
    }
    let cancelled = false;
    const id = setTimeout(() => {
      searchUsers(mentionQuery.query)
        .then((users) => {
          if (!cancelled) {
            setSuggestions(users.slice(0, 8));
            setActive(0);
          }
        })
        .catch(() => !cancelled && setSuggestions([]));
    }, 150);
    return () => {
      cancelled = true;
      clearTimeout(id);
    };
  }, [mentionQuery, searchUsers]);

  useEffect(
    () => () => {
      if (typingOff.current) clearTimeout(typingOff.current);
    },
    [],
  );

  function signalTyping() {
    const now = Date.now();
    if (now - lastTyping.current > TYPING_REPEAT_MS) {
      lastTyping.current = now;
      onTyping(true);
    }
    if (typingOff.current) clearTimeout(typingOff.current);
    typingOff.current = setTimeout(() => stopTyping(), 3000);
  }

  function stopTyping() {
    if (typingOff.current) clearTimeout(typingOff.current);
    typingOff.current = null;
    if (lastTyping.current) {
      lastTyping.current = 0;
      onTyping(false);
    }
  }

  function change(value: string, caret: number) {
    setText(value);
    if (value) signalTyping();
    else stopTyping();
    const before = value.slice(0, caret);
    const match = /(^|\s)@([^\s@]{0,30})$/.exec(before);
    setMentionQuery(match ? { start: caret - match[2].length - 1, query: match[2] } : null);
  }

  function choose(user: User) {
    if (!mentionQuery) return;
    const end = mentionQuery.start + 1 + mentionQuery.query.length;
    const insert = `@${user.display_name} `;
    const next = text.slice(0, mentionQuery.start) + insert + text.slice(end);
    setText(next);
    setMentions((m) => (m.some((x) => x.user_id === user.user_id) ? m : [...m, user]));
    setMentionQuery(null);
    setSuggestions([]);
    caretAfterRender.current = mentionQuery.start + insert.length;
  }

  // Put the caret after an inserted mention as soon as the new text is rendered.
  useLayoutEffect(() => {
    const caret = caretAfterRender.current;
    if (caret === null || !area.current) return;
    caretAfterRender.current = null;
    area.current.focus();
    area.current.setSelectionRange(caret, caret);
  }, [text]);

  function submit() {
    const value = text.trim();
    if (!value || disabled) return;
    const used = mentions.filter((u) => value.includes(`@${u.display_name}`)).map((u) => u.user_id);
    onSend(value, used);
    setText('');
    setMentions([]);
    setMentionQuery(null);
    stopTyping();
  }

  function keyDown(event: KeyboardEvent<HTMLTextAreaElement>) {
    if (suggestions.length && mentionQuery) {
      if (event.key === 'ArrowDown') {
        event.preventDefault();
        setActive((a) => (a + 1) % suggestions.length);
        return;
      }
      if (event.key === 'ArrowUp') {
        event.preventDefault();
        setActive((a) => (a - 1 + suggestions.length) % suggestions.length);
        return;
      }
      if (event.key === 'Enter' || event.key === 'Tab') {
        event.preventDefault();
        choose(suggestions[active]);
        return;
      }
      if (event.key === 'Escape') {
        event.preventDefault();
        setMentionQuery(null);
        return;
      }
    }
    if (event.key === 'Enter' && !event.shiftKey && !event.nativeEvent.isComposing) {
      event.preventDefault();
      submit();
    }
  }

  function paste(event: ClipboardEvent<HTMLTextAreaElement>) {
    const files = Array.from(event.clipboardData?.files ?? []);
    if (files.length && onFiles) {
      event.preventDefault();
      onFiles(files);
    }
  }

  const open = suggestions.length > 0 && mentionQuery !== null;
  return (
    <form
      className="composer"
      onSubmit={(e) => {
        e.preventDefault();
        submit();
      }}
    >
      {onPickFiles && (
        <button type="button" className="icon" onClick={onPickFiles} disabled={disabled} aria-label={t('chat.attach')}>
          📎
        </button>
      )}
      <div className="composer-input">
        <textarea
          ref={area}
          rows={1}
          value={text}
          disabled={disabled}
          aria-label={t('chat.composer')}
          placeholder={t('chat.placeholder')}
          role="combobox"
          aria-autocomplete="list"
          aria-expanded={open}
          aria-controls={listId}
          aria-activedescendant={open ? `${listId}-${active}` : undefined}
          onChange={(e) => change(e.target.value, e.target.selectionStart ?? e.target.value.length)}
          onKeyDown={keyDown}
          onPaste={paste}
          onBlur={stopTyping}
        />
        {open && (
          <ul id={listId} role="listbox" className="mentions" aria-label={t('chat.mentionList')}>
            {suggestions.map((u, i) => (
              <li
                key={u.user_id}
                id={`${listId}-${i}`}
                role="option"
                aria-selected={i === active}
                onMouseDown={(e) => {
                  e.preventDefault();
                  choose(u);
                }}
              >
                <strong>{u.display_name}</strong> <span className="muted">{u.job_title ?? u.user_id}</span>
              </li>
            ))}
          </ul>
        )}
      </div>
      <button type="submit" className="primary" disabled={disabled || !text.trim()}>
        {t('chat.send')}
      </button>
    </form>
  );
}
