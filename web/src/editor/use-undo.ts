import { useCallback, useState } from 'react';

const LIMIT = 100;

/** A value with an undo stack of its last edits (`set` records, `reset` forgets history). */
export function useUndo<T>(initial: T) {
  const [state, setState] = useState<{ past: T[]; present: T }>({ past: [], present: initial });
  const set = useCallback((next: T | ((v: T) => T)) => {
    setState((s) => {
      const value = typeof next === 'function' ? (next as (v: T) => T)(s.present) : next;
      return value === s.present ? s : { past: [...s.past.slice(-LIMIT + 1), s.present], present: value };
    });
  }, []);
  const undo = useCallback(() => setState((s) => (s.past.length ? { past: s.past.slice(0, -1), present: s.past[s.past.length - 1]! } : s)), []);
  const reset = useCallback((value: T) => setState({ past: [], present: value }), []);
  return { value: state.present, canUndo: state.past.length > 0, set, undo, reset };
}
