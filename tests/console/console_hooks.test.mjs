// The console's hooks (web/app/js/hooks.js) on their own, in Debian's
// Chromium with the Preact that livesnapd embeds: each hook is mounted in a
// small probe component on a page of a real livesnapd (auth off), which
// serves the modules. The polling delay of useResource is taken over by a
// hand-driven timer in the page, so a test fires the next read itself and
// never waits in real time for one to happen or not.
//
//   node tests/console/console_hooks.test.mjs <livesnapd> <npm dir>
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, test } from 'node:test';
import { launchChromium, startLocalLivesnapd } from './harness.mjs';

const [livesnapd, npmDir] = process.argv.slice(2).map((arg) => path.resolve(arg));
if (!livesnapd || !npmDir) throw new Error('usage: console_hooks.test.mjs <livesnapd> <npm dir>');

// The polling interval of the probes: an hour, so that only the page's
// hand-driven timer ever fires it.
const EVERY_MS = 3600 * 1000;

let dir;
let server;
let context;
let page;
const pageErrors = [];

before(async () => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'livesnap-hooks-'));
  server = await startLocalLivesnapd(livesnapd, path.join(dir, 'data'));
  context = await launchChromium(npmDir, path.join(dir, 'chromium-profile'));
  page = context.pages()[0] || (await context.newPage());
  page.setDefaultTimeout(15000);
  page.on('pageerror', (err) => pageErrors.push(err.message));
  // Any same-origin page lets the modules be imported; /healthz is one.
  await page.goto(`${server.base}/healthz`);
  await page.evaluate(async (everyMs) => {
    const preact = await import('/console/vendor/preact-htm.js');
    const hooks = await import('/console/js/hooks.js');

    // setTimeout(fn, everyMs) is held here until fire(); any other delay
    // (Preact's own scheduling) goes to the browser's timer.
    const held = new Map();
    let nextId = 1e9;
    const realSet = window.setTimeout.bind(window);
    const realClear = window.clearTimeout.bind(window);
    window.setTimeout = (fn, ms, ...args) => {
      if (ms !== everyMs) return realSet(fn, ms, ...args);
      held.set(++nextId, fn);
      return nextId;
    };
    window.clearTimeout = (id) => (held.has(id) ? held.delete(id) : realClear(id));
    const timers = {
      held: () => held.size,
      fire() {
        const due = [...held.values()];
        held.clear();
        for (const fn of due) fn();
      },
    };

    // Resolves once check() is true, looking after each task (5 s at most).
    const until = async (what, check) => {
      const deadline = performance.now() + 5000;
      while (!check()) {
        if (performance.now() > deadline) throw new Error(`timed out waiting for ${what}`);
        await new Promise((r) => realSet(r, 5));
      }
    };
    // A promise with its resolve and reject, for a loader's answer.
    const deferred = () => {
      let resolve;
      let reject;
      const promise = new Promise((res, rej) => {
        resolve = res;
        reject = rej;
      });
      return { promise, resolve, reject };
    };
    // Renders `Component` with a probe of what it last rendered.
    const mount = (Component) => {
      const box = document.createElement('div');
      document.body.append(box);
      const seen = { last: null, rendered: [] };
      preact.render(preact.html`<${Component} seen=${seen} />`, box);
      return {
        box,
        seen,
        unmount() {
          preact.render(null, box);
          box.remove();
        },
      };
    };
    window.probe = { preact, hooks, timers, until, deferred, mount, everyMs };
  }, EVERY_MS);
});

after(async () => {
  if (context) await context.close();
  if (server) await server.stop();
  if (dir) fs.rmSync(dir, { recursive: true, force: true });
});

test('useResource reads at once, again at each interval, and keeps the last data beside an error', async () => {
  const result = await page.evaluate(async () => {
    const { hooks, timers, until, mount, everyMs } = window.probe;
    const answers = [() => 'first', () => Promise.reject(new Error('store down')), () => 'third'];
    let calls = 0;
    const loader = async () => answers[calls++]();
    const view = mount(({ seen }) => {
      seen.last = hooks.useResource(loader, everyMs);
      return null;
    });
    const states = [];
    const settled = async (n) => {
      await until(`read ${n} settled`, () => calls === n && timers.held() === 1);
      const { data, error, loaded } = view.seen.last;
      states.push({ data, error: error && error.message, loaded });
    };
    const first = view.seen.last;
    const before = { data: first.data, error: first.error, loaded: first.loaded };
    await settled(1);
    timers.fire();
    await settled(2);
    timers.fire();
    await settled(3);
    view.unmount();
    return { before, states, heldAfterUnmount: timers.held() };
  });
  assert.deepEqual(result.before, { data: undefined, error: null, loaded: false });
  assert.deepEqual(result.states, [
    { data: 'first', error: null, loaded: true },
    { data: 'first', error: 'store down', loaded: true },
    { data: 'third', error: null, loaded: true },
  ]);
  assert.equal(result.heldAfterUnmount, 0, 'no read is scheduled once the component is gone');
});

test('useResource: reload reads at once, and an answer to an older read is dropped', async () => {
  const result = await page.evaluate(async () => {
    const { hooks, timers, until, deferred, mount, everyMs } = window.probe;
    const reads = [];
    const loader = () => {
      const answer = deferred();
      reads.push(answer);
      return answer.promise;
    };
    const view = mount(({ seen }) => {
      seen.last = hooks.useResource(loader, everyMs);
      seen.rendered.push(seen.last.data);
      return null;
    });
    await until('the first read', () => reads.length === 1);
    const reloaded = view.seen.last.reload();
    const readsAfterReload = reads.length;
    reads[1].resolve('newer');
    await reloaded;
    await until('the newer answer shown', () => view.seen.last.data === 'newer');
    // The first read (the poll's) answers last: once the poll has settled
    // (its next read is scheduled) and the page rendered, "older" never showed.
    reads[0].resolve('older');
    await until('the poll settled', () => timers.held() === 1);
    await new Promise((r) => requestAnimationFrame(r));
    const shown = view.seen.last.data;
    view.unmount();
    return { readsAfterReload, shown, rendered: view.seen.rendered };
  });
  assert.equal(result.readsAfterReload, 2, 'reload reads without waiting for the interval');
  assert.equal(result.shown, 'newer');
  assert.ok(!result.rendered.includes('older'), JSON.stringify(result.rendered));
});

test('useResource: a read still out when the component goes schedules no other', async () => {
  const result = await page.evaluate(async () => {
    const { hooks, timers, until, deferred, mount, everyMs } = window.probe;
    const answer = deferred();
    let asked = 0;
    const view = mount(({ seen }) => {
      seen.last = hooks.useResource(() => {
        asked++;
        return answer.promise;
      }, everyMs);
      return null;
    });
    await until('the read asked', () => asked === 1);
    view.unmount();
    answer.resolve('late');
    await answer.promise;
    await new Promise((r) => requestAnimationFrame(r));
    return { held: timers.held() };
  });
  assert.equal(result.held, 0, 'no read scheduled after unmount');
});

// A form of two fields, a and b, checked and sent by useFormSubmit.
async function mountForm(page, found) {
  await page.evaluate(
    (found) => {
      const { hooks, preact, deferred, mount } = window.probe;
      const { html } = preact;
      const log = { sent: 0, refused: [], send: null };
      const view = mount(({ seen }) => {
        const form = hooks.useFormSubmit({
          fieldIds: { a: 'field-a', b: 'field-b' },
          validate: () => found,
          send: () => {
            log.sent++;
            log.send = deferred();
            return log.send.promise;
          },
          errorField: (code) => (code === 'InvalidB.Malformed' ? 'b' : 'form'),
          onRefused: (err) => log.refused.push(err.code),
        });
        seen.last = form;
        const error = (name) =>
          form.errors[name] && html`<p class="error" data-field=${name}>${form.errors[name]}</p>`;
        return html`<form onSubmit=${form.submit} noValidate>
          <input id="field-a" onInput=${() => form.clearError('a')} />${error('a')}
          <input id="field-b" onInput=${() => form.clearError('b')} />${error('b')}
          ${error('form')}
          <button type="submit" disabled=${form.busy}>Send</button>
        </form>`;
      });
      window.probe.form = { view, log };
    },
    found,
  );
}

async function shownErrors(page) {
  return page.evaluate(() =>
    Object.fromEntries(
      [...window.probe.form.view.box.querySelectorAll('.error')].map((p) => [p.dataset.field, p.textContent]),
    ),
  );
}

function unmountForm(page) {
  return page.evaluate(() => window.probe.form.view.unmount());
}

test('useFormSubmit shows what validate finds, focuses the first field in order, and sends nothing', async () => {
  await mountForm(page, { b: 'b is wrong', a: 'a is wrong' });
  await page.locator('form button[type=submit]').click();
  await page.locator('.error[data-field=a]').waitFor();
  assert.deepEqual(await shownErrors(page), { a: 'a is wrong', b: 'b is wrong' });
  await page.waitForFunction(() => document.activeElement && document.activeElement.id === 'field-a');
  assert.equal(await page.evaluate(() => window.probe.form.log.sent), 0);
  // Editing a field clears its message only.
  await page.locator('#field-a').fill('x');
  await page.locator('.error[data-field=a]').waitFor({ state: 'detached' });
  assert.deepEqual(await shownErrors(page), { b: 'b is wrong' });
  await unmountForm(page);
});

test('useFormSubmit: busy while sending; a refusal lands on its field, focused, and goes to onRefused', async () => {
  await mountForm(page, {});
  const button = page.locator('form button[type=submit]');
  await button.click();
  await page.waitForFunction(() => window.probe.form.log.sent === 1);
  await page.waitForFunction(() => document.querySelector('form button[type=submit]').disabled);
  await page.evaluate(() =>
    window.probe.form.log.send.reject(Object.assign(new Error('B is malformed.'), { code: 'InvalidB.Malformed' })),
  );
  await page.locator('.error[data-field=b]').waitFor();
  assert.deepEqual(await shownErrors(page), { b: 'B is malformed. (InvalidB.Malformed)' });
  await page.waitForFunction(() => document.activeElement && document.activeElement.id === 'field-b');
  await page.waitForFunction(() => !document.querySelector('form button[type=submit]').disabled);
  assert.deepEqual(await page.evaluate(() => window.probe.form.log.refused), ['InvalidB.Malformed']);

  // A code that concerns no field is shown for the whole form; sending again
  // first clears what was shown, and a success leaves nothing.
  await button.click();
  await page.locator('.error[data-field=b]').waitFor({ state: 'detached' });
  await page.evaluate(() =>
    window.probe.form.log.send.reject(Object.assign(new Error('Try later.'), { code: 'ServiceUnavailable' })),
  );
  await page.locator('.error[data-field=form]').waitFor();
  assert.deepEqual(await shownErrors(page), { form: 'Try later. (ServiceUnavailable)' });
  await button.click();
  await page.locator('.error[data-field=form]').waitFor({ state: 'detached' });
  await page.evaluate(() => window.probe.form.log.send.resolve());
  await page.waitForFunction(() => !document.querySelector('form button[type=submit]').disabled);
  assert.deepEqual(await shownErrors(page), {});
  assert.equal(await page.evaluate(() => window.probe.form.log.sent), 3);
  await unmountForm(page);
});

test('no script error', () => {
  assert.deepEqual(pageErrors, []);
});
