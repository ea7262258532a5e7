// A domain's push URL signing (ApsaraVideo Live's "aliauth", type A, B or
// C): turn it on or off, choose the type, set the primary and secondary keys
// and the validity, and make a signed push URL of that type. Without API authentication the server hides the
// keys: the fields then stay empty and a key left empty keeps its value.
import { html, useEffect, useState } from '../vendor/preact-htm.js';
import * as api from './api.js';
import { signedPushUrl } from './md5.js';
import { useFormSubmit } from './hooks.js';
import { describeError, Dialog, Field, FormError, inputControl, TEXT_INPUT } from './ui.js';

const HIDDEN = '******';
const KEY_RULE = /^[A-Za-z0-9]{6,32}$/;
const AUTH_TYPES = [
  ['type_a', 'Type A: …/app/stream?auth_key=…'],
  ['type_b', 'Type B: …/{YYYYMMDDHHMM}/{md5hash}/app/stream'],
  ['type_c', 'Type C: …/{md5hash}/{hex timestamp}/app/stream'],
];

export function PushAuthDialog({ domain, onClose, onSaved }) {
  const [loaded, setLoaded] = useState(null); // null while loading, then {current}
  const [enabled, setEnabled] = useState(false);
  const [authType, setAuthType] = useState('type_a');
  const [key1, setKey1] = useState('');
  const [key2, setKey2] = useState('');
  const [deltaS, setDeltaS] = useState('1800');
  const [loadError, setLoadError] = useState(null);
  const [app, setApp] = useState('live');
  const [stream, setStream] = useState('demo');
  const [signed, setSigned] = useState('');

  useEffect(() => {
    api.getPushAuth(domain).then(
      (current) => {
        setLoaded({ current });
        if (current) {
          setEnabled(true);
          if (AUTH_TYPES.some(([type]) => type === current.authType)) setAuthType(current.authType);
          setKey1(current.key1 === HIDDEN ? '' : current.key1);
          setKey2(current.key2 === HIDDEN ? '' : current.key2);
          setDeltaS(String(current.deltaS));
        }
      },
      (err) => setLoadError(describeError(err)),
    );
  }, [domain]);
  const current = loaded && loaded.current;
  const hidden = current && current.key1 === HIDDEN;

  const { errors, busy, submit, showErrors } = useFormSubmit({
    fieldIds: { key1: 'push-auth-key1', key2: 'push-auth-key2', delta: 'push-auth-delta' },
    validate: () => {
      const found = {};
      if (enabled) {
        if (!(hidden && key1 === '') && !KEY_RULE.test(key1)) found.key1 = 'Use 6 to 32 letters and digits.';
        if (key2 !== '' && !KEY_RULE.test(key2)) found.key2 = 'Use 6 to 32 letters and digits.';
        if (!/^\d+$/.test(deltaS) || Number(deltaS) < 1) found.delta = 'A number of seconds, at least 1.';
      }
      return found;
    },
    send: async () => {
      if (enabled) {
        await api.setPushAuth(domain, {
          authType,
          key1: hidden && key1 === '' ? undefined : key1,
          key2: hidden && key2 === '' ? undefined : key2,
          deltaS: Number(deltaS),
        });
      } else if (current) {
        await api.deletePushAuth(domain, current.configId);
      }
      onSaved(enabled);
    },
  });

  const generate = () => {
    if (!KEY_RULE.test(key1)) {
      showErrors({ key1: 'Enter the primary key to sign with.' });
      return;
    }
    const now = Math.floor(Date.now() / 1000);
    setSigned(signedPushUrl(authType, domain, key1, app, stream, now));
  };

  const input = (value, set, extra = {}) =>
    inputControl({ ...extra, ...TEXT_INPUT, value, onInput: (e) => set(e.target.value) });

  return html`
    <${Dialog} title=${`URL signing — ${domain}`} onClose=${onClose} wide>
      <form class="dialog-body" onSubmit=${submit} noValidate>
        ${loaded === null && !loadError && html`<p class="muted">Loading…</p>`}
        <label class="checkbox">
          <input
            id="push-auth-enabled"
            type="checkbox"
            checked=${enabled}
            onChange=${(e) => setEnabled(e.target.checked)}
          />
          Require signed push URLs
        </label>
        <${Field}
          id="push-auth-type"
          label="Signing type"
          hint="As ApsaraVideo Live and Alibaba's CDN sign URLs; the md5hash covers /AppName/StreamName."
          control=${(aria) => html`<select ...${aria} value=${authType} onChange=${(e) => setAuthType(e.target.value)}>
            ${AUTH_TYPES.map(([type, label]) => html`<option value=${type}>${label}</option>`)}
          </select>`}
        />
        <${Field}
          id="push-auth-key1"
          label="Primary key"
          hint=${hidden ? 'Set; hidden without API authentication. Leave empty to keep it.' : '6 to 32 letters and digits.'}
          error=${errors.key1}
          control=${input(key1, setKey1)}
        />
        <${Field}
          id="push-auth-key2"
          label="Secondary key"
          hint="Optional: also accepted, so that encoders move to a new key without a cut."
          error=${errors.key2}
          control=${input(key2, setKey2)}
        />
        <${Field}
          id="push-auth-delta"
          label="Validity (seconds)"
          hint="A signed URL is accepted until its timestamp plus this."
          error=${errors.delta}
          control=${input(deltaS, setDeltaS, { inputmode: 'numeric' })}
        />
        <${FormError} error=${errors.form || loadError} />
        <div class="dialog-actions">
          <button type="button" class="button" onClick=${onClose}>Cancel</button>
          <button type="submit" class="button primary" disabled=${busy || loaded === null}>
            ${busy ? 'Saving…' : 'Save'}
          </button>
        </div>
        <h3>Generate a signed push URL</h3>
        <${Field} id="push-url-app" label="AppName" control=${input(app, setApp)} />
        <${Field} id="push-url-stream" label="StreamName" control=${input(stream, setStream)} />
        <div class="dialog-actions">
          <button type="button" class="button" onClick=${generate}>Generate</button>
        </div>
        ${signed &&
        html`<${Field}
          id="push-url-output"
          label="Signed push URL (signed with the primary key, valid from now)"
          control=${(aria) => html`<input ...${aria} type="text" readonly value=${signed} />`}
        />`}
      </form>
    <//>
  `;
}
