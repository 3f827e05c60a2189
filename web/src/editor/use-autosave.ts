import { useEffect, useRef } from 'react';

export type SaveState = 'saved' | 'saving' | 'unsaved' | 'error';

/**
 * Saves `value` `delayMs` after its last change while `canSave` (it differs from what was saved and
 * the validator found no problem in it), again when the component goes away with such a change (a
 * route change inside the app), and asks before the page is left (reload, close, another site)
 * while anything is unsaved.
 */
export function useAutosave<T>({ value, saved, dirty, canSave, save, delayMs = 1000 }: { value: T; saved: T | null; dirty: boolean; canSave: boolean; save: () => Promise<boolean>; delayMs?: number }): void {
  const latest = useRef({ dirty, canSave, save });
  latest.current = { dirty, canSave, save };
  useEffect(() => {
    if (!dirty || !canSave) return;
    const timer = setTimeout(() => void latest.current.save(), delayMs);
    return () => clearTimeout(timer);
  }, [value, saved, dirty, canSave, delayMs]); // `saved` too: a save that ended with an older document arms the next one.
  useEffect(() => {
    const warn = (e: BeforeUnloadEvent) => {
      if (!latest.current.dirty) return;
      e.preventDefault();
      e.returnValue = '';
    };
    window.addEventListener('beforeunload', warn);
    return () => {
      window.removeEventListener('beforeunload', warn);
      if (latest.current.dirty && latest.current.canSave) void latest.current.save();
    };
  }, []);
}
