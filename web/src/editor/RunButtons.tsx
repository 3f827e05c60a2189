import { useEffect, useRef, useState } from 'react';

export type RunType = 'full' | 'selection' | 'incoming';

/**
 * The run controls as one group: "Run selected" first, a menu beside it for "Run incoming" (every
 * step the selected ones depend on, not themselves, as in Orchest) and "Run all", and "Cancel run" while one runs.
 * The menu opens on its button (or ArrowDown), moves with the arrow keys and closes on Escape.
 */
export function RunButtons({ selected, running, onRun, onCancel }: { selected: number; running: boolean; onRun: (t: RunType) => void; onCancel: () => void }) {
  const [open, setOpen] = useState(false);
  const menu = useRef<HTMLUListElement>(null);
  const toggle = useRef<HTMLButtonElement>(null);
  useEffect(() => {
    if (!open) return;
    menu.current?.querySelector<HTMLButtonElement>('[role="menuitem"]:not(:disabled)')?.focus();
    const away = (e: MouseEvent) => !menu.current?.parentElement?.contains(e.target as Node) && setOpen(false);
    document.addEventListener('mousedown', away);
    return () => document.removeEventListener('mousedown', away);
  }, [open]);
  const pick = (t: RunType) => {
    setOpen(false);
    onRun(t);
  };
  const onMenuKey = (e: React.KeyboardEvent) => {
    const items = Array.from(menu.current?.querySelectorAll<HTMLButtonElement>('[role="menuitem"]:not(:disabled)') ?? []);
    const i = items.indexOf(document.activeElement as HTMLButtonElement);
    if (e.key === 'Escape') (e.preventDefault(), setOpen(false), toggle.current?.focus());
    if (e.key === 'ArrowDown') (e.preventDefault(), items[(i + 1) % items.length]?.focus());
    if (e.key === 'ArrowUp') (e.preventDefault(), items[(i - 1 + items.length) % items.length]?.focus());
  };
  return (
    <div className="group run-group" role="group" aria-label="run">
      <div className="split">
        <button type="button" className="primary" onClick={() => onRun('selection')} disabled={running || selected === 0} title={selected === 0 ? 'Select one or more steps first' : undefined}>Run selected</button>
        <button
          ref={toggle}
          type="button"
          className="primary split-toggle"
          aria-label="More ways to run"
          aria-haspopup="menu"
          aria-expanded={open}
          disabled={running}
          onClick={() => setOpen((o) => !o)}
          onKeyDown={(e) => e.key === 'ArrowDown' && (e.preventDefault(), setOpen(true))}
        >▾</button>
        {open && (
          <ul ref={menu} role="menu" aria-label="Run" className="menu" onKeyDown={onMenuKey}>
            <li role="none"><button type="button" role="menuitem" onClick={() => pick('incoming')} disabled={selected === 0}>Run incoming<span className="muted small"> — the steps the selected ones depend on</span></button></li>
            <li role="none"><button type="button" role="menuitem" onClick={() => pick('full')}>Run all<span className="muted small"> — every step of the pipeline</span></button></li>
          </ul>
        )}
      </div>
      <button type="button" onClick={onCancel} disabled={!running}>Cancel run</button>
    </div>
  );
}
