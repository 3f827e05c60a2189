import { useEffect } from 'react';

/** Calls `load` (keep it stable: useCallback) now and every `ms` while the component is shown (and again when `load` changes). */
export function usePolling(load: () => unknown, ms: number): void {
  useEffect(() => {
    void load();
    const timer = setInterval(() => void load(), ms);
    return () => clearInterval(timer);
  }, [load, ms]);
}
