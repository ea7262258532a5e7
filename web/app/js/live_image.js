// The newest snapshot of a live stream, refreshed at its template's
// interval: fetched only while on screen and the tab is visible, decoded
// off screen and swapped in place (the box keeps its size), so a wall of
// cards never jumps while images change.
import { html, useEffect, useRef, useState } from '../vendor/preact-htm.js';
import { latestImageUrl, signedUrl } from './api.js';
import { formatClock } from './format.js';

const NO_TEMPLATE_RETRY_MS = 10000;
const FIRST_IMAGE_RETRY_MS = 2000;
const ERROR_RETRY_MS = 5000;

function useOnScreen(ref) {
  const [visible, setVisible] = useState(true);
  useEffect(() => {
    if (!('IntersectionObserver' in window) || !ref.current) return undefined;
    const observer = new IntersectionObserver(
      (entries) => setVisible(entries.some((e) => e.isIntersecting)),
      { rootMargin: '200px' },
    );
    observer.observe(ref.current);
    return () => observer.disconnect();
  }, []);
  return visible;
}

function usePageVisible() {
  const [visible, setVisible] = useState(!document.hidden);
  useEffect(() => {
    const onChange = () => setVisible(!document.hidden);
    document.addEventListener('visibilitychange', onChange);
    return () => document.removeEventListener('visibilitychange', onChange);
  }, []);
  return visible;
}

// intervalS: the template's interval, or null when no template is known
// (the image is still looked for, less often).
export function LiveImage({ domain, app, stream, intervalS, alt }) {
  const box = useRef(null);
  const onScreen = useOnScreen(box);
  const pageVisible = usePageVisible();
  const [shot, setShot] = useState({ src: null, capturedMs: 0, state: 'loading' });

  useEffect(() => {
    if (!onScreen || !pageVisible) return undefined;
    const url = latestImageUrl(domain, app, stream);
    const periodMs = intervalS ? intervalS * 1000 : NO_TEMPLATE_RETRY_MS;
    let stopped = false;
    let timer = null;
    let lastCaptured = null;
    const tick = async () => {
      let delayMs = periodMs;
      try {
        const response = await fetch(await signedUrl(url), { cache: 'no-store' });
        if (response.ok) {
          const captured = Date.parse(response.headers.get('X-Snapshot-Capture-Time') || '');
          const blob = await response.blob();
          if (stopped) return;
          if (captured !== lastCaptured) {
            const src = URL.createObjectURL(blob);
            const probe = new Image();
            probe.src = src;
            try {
              await probe.decode();
            } catch {
              URL.revokeObjectURL(src);
              throw new Error('undecodable image');
            }
            if (stopped) {
              URL.revokeObjectURL(src);
              return;
            }
            lastCaptured = captured;
            setShot({ src, capturedMs: captured, state: 'ok' });
          }
          // Next look just after the next capture is due.
          if (Number.isFinite(captured)) {
            delayMs = Math.min(periodMs, Math.max(1000, captured + periodMs + 800 - Date.now()));
          }
        } else if (response.status === 404) {
          setShot((s) => (s.src ? s : { ...s, state: intervalS ? 'waiting' : 'none' }));
          delayMs = intervalS ? FIRST_IMAGE_RETRY_MS : NO_TEMPLATE_RETRY_MS;
        } else {
          delayMs = ERROR_RETRY_MS;
        }
      } catch {
        delayMs = ERROR_RETRY_MS;
      }
      if (!stopped) timer = setTimeout(tick, delayMs);
    };
    tick();
    return () => {
      stopped = true;
      clearTimeout(timer);
    };
  }, [domain, app, stream, intervalS, onScreen, pageVisible]);

  // The previous object URL is released once the next one is on screen.
  useEffect(() => {
    const src = shot.src;
    return () => {
      if (src) URL.revokeObjectURL(src);
    };
  }, [shot.src]);

  const placeholder = {
    loading: 'Loading…',
    waiting: 'Waiting for the first keyframe…',
    none: 'No snapshot template for this app',
  }[shot.state];
  return html`
    <div class="shot" ref=${box}>
      ${shot.src
        ? html`<img class="shot-img" src=${shot.src} alt=${alt} />`
        : html`<div class="shot-empty">${placeholder}</div>`}
      ${shot.src &&
      Number.isFinite(shot.capturedMs) &&
      html`<span class="shot-time">
        <time datetime=${new Date(shot.capturedMs).toISOString()}>${formatClock(shot.capturedMs)}</time>
      </span>`}
    </div>
  `;
}
