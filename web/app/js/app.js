// The console's shell: navigation, the current page, and the AccessKey
// sign-in asked for when livesnapd has API authentication on.
import { html, render, useEffect, useRef, useState } from '../vendor/preact-htm.js';
import * as api from './api.js';
import { DomainsPage } from './domains.js';
import { describeHealth } from './format.js';
import { HistoryPage } from './history.js';
import { NodesPage } from './nodes.js';
import { Link, href, matchRoute, usePath } from './router.js';
import { TemplatesPage } from './templates.js';
import { POLL_MS, useFormSubmit, useResource } from './hooks.js';
import { Announcer, Dialog, Field, FormError, inputControl, PageHeader } from './ui.js';
import { WallPage } from './wall.js';

function Page({ route }) {
  switch (route.name) {
    case 'wall':
      return html`<${WallPage} />`;
    case 'domains':
      return html`<${DomainsPage} />`;
    case 'nodes':
      return html`<${NodesPage} />`;
    case 'templates':
      return html`<${TemplatesPage} key=${route.params.domain} domain=${route.params.domain} />`;
    case 'history': {
      const { domain, app, stream } = route.params;
      return html`<${HistoryPage}
        key=${`${domain}/${app}/${stream}`}
        domain=${domain}
        app=${app}
        stream=${stream}
      />`;
    }
    default:
      return html`
        <${PageHeader} title="Page not found" />
        <p>Nothing here. Go to the <${Link} to=${href()}>Live wall<//>.</p>
      `;
  }
}

// What /healthz says: null when livesnapd is healthy, else its problems.
async function readHealth() {
  const response = await fetch('/healthz', { cache: 'no-store' });
  const body = await response.json().catch(() => null);
  return describeHealth(response.status, body);
}

// Across every page while livesnapd says it is degraded (/healthz): a full
// disk, a store that fails, an unreachable catalog.
function HealthBanner() {
  const health = useResource(readHealth, POLL_MS.health);
  const problems = health.error
    ? describeHealth(0, { Message: `livesnapd is unreachable (${health.error.message})` })
    : health.data;
  if (!problems) return null;
  return html`
    <div class="banner error health-banner" role="alert">
      <strong>livesnapd is degraded:</strong>
      <ul>
        ${problems.map(
          (p) => html`<li key=${p.component + p.reason}>
            <span class="health-component">${p.component}</span> (${p.reason}): ${p.message}
          </li>`,
        )}
      </ul>
    </div>
  `;
}

function NavLink({ to, active, children }) {
  return html`<${Link} to=${to} class=${active ? 'active' : ''} aria-current=${active ? 'page' : undefined}>
    ${children}
  <//>`;
}

function SignInDialog({ reason, onSignedIn, onCancel }) {
  const [keyId, setKeyId] = useState('');
  const [secret, setSecret] = useState('');
  const { errors, submit } = useFormSubmit({
    validate: () =>
      !keyId.trim() || !secret ? { form: 'Enter both the AccessKeyId and the AccessKeySecret.' } : {},
    send: () => {
      api.saveCredentials({ accessKeyId: keyId.trim(), accessKeySecret: secret });
      onSignedIn();
    },
  });
  const refused = reason && reason.code !== 'MissingAccessKeyId' && reason.code !== 'MissingSignature';
  return html`
    <${Dialog} title="Sign in with an AccessKey" onClose=${onCancel}>
      <form class="dialog-body" onSubmit=${submit} noValidate>
        <p>
          livesnapd has API authentication on. Enter an AccessKey from its configuration
          (<code>[api] access_keys</code>).
        </p>
        <p class="muted small">
          Every request is signed in this page (HMAC-SHA1, signature version 1.0); the secret is
          never sent, and is kept for this browser tab only (sessionStorage).
        </p>
        ${refused && html`<div class="form-error" role="alert">${reason.message} (${reason.code})</div>`}
        <${Field}
          id="signin-key-id"
          label="AccessKeyId"
          control=${inputControl({
            type: 'text',
            autocomplete: 'username',
            spellcheck: 'false',
            autofocus: true,
            value: keyId,
            onInput: (e) => setKeyId(e.target.value),
          })}
        />
        <${Field}
          id="signin-secret"
          label="AccessKeySecret"
          control=${inputControl({
            type: 'password',
            autocomplete: 'current-password',
            value: secret,
            onInput: (e) => setSecret(e.target.value),
          })}
        />
        <${FormError} error=${errors.form} />
        <div class="dialog-actions">
          <button type="button" class="button" onClick=${onCancel}>Cancel</button>
          <button type="submit" class="button primary">Sign in</button>
        </div>
      </form>
    <//>
  `;
}

function App() {
  const path = usePath();
  const route = matchRoute(path);
  const [signIn, setSignIn] = useState(null); // { reason, resolve, reject }
  const [credentials, setCredentials] = useState(api.loadCredentials());
  const [signInCancelled, setSignInCancelled] = useState(false);
  const main = useRef(null);
  const firstRoute = useRef(true);

  useEffect(() => {
    api.setCredentialsPrompt(
      (reason) =>
        new Promise((resolve, reject) => {
          if (api.loadCredentials()) api.clearCredentials();
          setCredentials(null);
          setSignIn({ reason, resolve, reject });
        }),
    );
  }, []);

  // Keyboard and screen-reader users land on the new page's heading.
  useEffect(() => {
    if (firstRoute.current) {
      firstRoute.current = false;
      return;
    }
    const heading = main.current && main.current.querySelector('h1');
    if (heading) heading.focus();
    window.scrollTo(0, 0);
  }, [path]);

  const signOut = () => {
    api.clearCredentials();
    location.reload();
  };
  return html`
    <a class="skip-link" href="#main">Skip to content</a>
    <header class="topbar">
      <${Link} class="brand" to=${href()}><span class="brand-mark" aria-hidden="true">◉</span> livesnap<//>
      <nav aria-label="Main">
        <${NavLink} to=${href()} active=${route.name === 'wall' || route.name === 'history'}>Live wall<//>
        <${NavLink} to=${href('domains')} active=${route.name === 'domains' || route.name === 'templates'}>
          Domain Names
        <//>
        <${NavLink} to=${href('nodes')} active=${route.name === 'nodes'}>Nodes<//>
      </nav>
      ${credentials &&
      html`<div class="account">
        <span class="muted">Key <code>${credentials.accessKeyId}</code></span>
        <button type="button" class="button small ghost" onClick=${signOut}>Sign out</button>
      </div>`}
      ${!credentials &&
      signInCancelled &&
      html`<div class="account">
        <button type="button" class="button small ghost" onClick=${() => location.reload()}>
          Sign in
        </button>
      </div>`}
    </header>
    <main id="main" ref=${main}>
      <${HealthBanner} />
      <${Page} route=${route} />
    </main>
    ${signIn &&
    html`<${SignInDialog}
      reason=${signIn.reason}
      onSignedIn=${() => {
        setCredentials(api.loadCredentials());
        setSignIn(null);
        signIn.resolve();
      }}
      onCancel=${() => {
        setSignIn(null);
        setSignInCancelled(true);
        signIn.reject(new Error('sign-in cancelled'));
      }}
    />`}
    <${Announcer} />
  `;
}

render(html`<${App} />`, document.getElementById('app'));
