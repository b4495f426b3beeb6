import { useEffect, useId, useRef, type ReactNode } from 'react';
import { createPortal } from 'react-dom';

interface DialogProps {
  title: string;
  onClose(): void;
  children: ReactNode;
  className?: string;
  closeLabel?: string;
}

/** A modal dialog: labelled, focus moved in and given back, Escape and the backdrop close it. */
export function Dialog({ title, onClose, children, className, closeLabel = 'Close' }: DialogProps) {
  const id = useId();
  const ref = useRef<HTMLDivElement>(null);
  // The latest onClose, so a parent re-rendering (a list refreshing behind the dialog) does not
  // re-run the effect and pull the focus back to the first field.
  const close = useRef(onClose);
  close.current = onClose;
  useEffect(() => {
    const previous = document.activeElement as HTMLElement | null;
    const first = ref.current?.querySelector<HTMLElement>('input, select, textarea, button:not([data-close])');
    (first ?? ref.current)?.focus();
    function onKey(event: KeyboardEvent) {
      if (event.key === 'Escape') close.current();
    }
    document.addEventListener('keydown', onKey);
    return () => {
      document.removeEventListener('keydown', onKey);
      previous?.focus?.();
    };
  }, []);
  return createPortal(
    <div className="backdrop" onMouseDown={(e) => e.target === e.currentTarget && onClose()}>
      <div ref={ref} role="dialog" aria-modal="true" aria-labelledby={id} className={`dialog ${className ?? ''}`} tabIndex={-1}>
        <header className="dialog-head">
          <h2 id={id}>{title}</h2>
          <button type="button" className="icon" data-close onClick={onClose} aria-label={closeLabel}>
            <span aria-hidden="true">×</span>
          </button>
        </header>
        {children}
      </div>
    </div>,
    document.body,
  );
}
