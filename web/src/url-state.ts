/** @module The view's state lives in the URL (path + query string), so any view can be shared. */
import { useCallback, useEffect, useState } from 'react';
import type { Params } from './time-window.ts';

export type { Params };

function read(): { path: string; params: Params } {
  return { path: window.location.pathname, params: Object.fromEntries(new URLSearchParams(window.location.search)) };
}

/** The current path and query parameters, and a setter that pushes a history entry. */
export function useUrlState(): [{ path: string; params: Params }, (path: string, params: Params, replace?: boolean) => void] {
  const [state, setState] = useState(read);
  useEffect(() => {
    const onPop = () => setState(read());
    window.addEventListener('popstate', onPop);
    return () => window.removeEventListener('popstate', onPop);
  }, []);
  const navigate = useCallback((path: string, params: Params, replace = false) => {
    const qs = new URLSearchParams(Object.entries(params).filter(([, v]) => v !== '')).toString();
    const url = qs === '' ? path : `${path}?${qs}`;
    if (replace) window.history.replaceState(null, '', url);
    else window.history.pushState(null, '', url);
    setState(read());
  }, []);
  return [state, navigate];
}
