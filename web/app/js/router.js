// Client-side routes under /console/ (livesnapd answers index.html for any
// page URL there, so each route can be reloaded and bookmarked).
import { html, useEffect, useState } from '../vendor/preact-htm.js';

export const BASE = '/console/';

export function href(...segments) {
  return BASE + segments.map((s) => encodeURIComponent(s)).join('/');
}

export function navigate(to, { replace = false } = {}) {
  if (replace) history.replaceState(null, '', to);
  else history.pushState(null, '', to);
  dispatchEvent(new PopStateEvent('popstate'));
}

export function usePath() {
  const [path, setPath] = useState(location.pathname);
  useEffect(() => {
    const onChange = () => setPath(location.pathname);
    addEventListener('popstate', onChange);
    return () => removeEventListener('popstate', onChange);
  }, []);
  return path;
}

// { name, params } for a path, or { name: 'notFound' }.
export function matchRoute(path) {
  if (!path.startsWith(BASE)) return { name: 'wall', params: {} };
  const segments = path
    .slice(BASE.length)
    .split('/')
    .filter((s) => s !== '')
    .map((s) => decodeURIComponent(s));
  if (segments.length === 0) return { name: 'wall', params: {} };
  if (segments[0] === 'domains' && segments.length === 1) return { name: 'domains', params: {} };
  if (segments[0] === 'nodes' && segments.length === 1) return { name: 'nodes', params: {} };
  if (segments[0] === 'domains' && segments.length === 3 && segments[2] === 'snapshots') {
    return { name: 'templates', params: { domain: segments[1] } };
  }
  if (segments[0] === 'streams' && segments.length === 4) {
    return {
      name: 'history',
      params: { domain: segments[1], app: segments[2], stream: segments[3] },
    };
  }
  return { name: 'notFound', params: {} };
}

// An <a> that changes route without reloading (modified clicks open tabs as usual).
export function Link({ to, children, ...rest }) {
  const onClick = (event) => {
    if (event.defaultPrevented || event.button !== 0) return;
    if (event.metaKey || event.ctrlKey || event.shiftKey || event.altKey) return;
    event.preventDefault();
    navigate(to);
  };
  return html`<a href=${to} onClick=${onClick} ...${rest}>${children}</a>`;
}
