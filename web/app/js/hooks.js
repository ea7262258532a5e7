// The two things every page does: read something from livesnapd and read it
// again while it is shown (useResource), and send a form after checking it,
// showing each problem on its field (useFormSubmit). The polling intervals
// are named here, one for each kind of thing read.
import { useCallback, useEffect, useRef, useState } from '../vendor/preact-htm.js';
import { describeError, focusField } from './ui.js';

// How often each kind of thing is read again, in ms.
export const POLL_MS = Object.freeze({
  liveStreams: 5000, // the live wall, the nodes, a stream's live status
  domains: 10000, // Domain Names
  templates: 30000, // a domain's templates, and how old the wall's copy of them may get
  health: 10000, // /healthz, for the banner on every page
});

// Calls `run` now and every `everyMs` after the previous call has settled,
// while the tab is visible (and at once when it becomes visible again).
function usePolling(run, everyMs) {
  useEffect(() => {
    let stopped = false;
    let running = false;
    let timer = null;
    const tick = async () => {
      if (stopped || running) return;
      running = true;
      try {
        if (!document.hidden) await run();
      } finally {
        running = false;
      }
      if (stopped) return;
      clearTimeout(timer);
      timer = setTimeout(tick, everyMs);
    };
    tick();
    const onVisible = () => {
      if (!document.hidden && !stopped) {
        clearTimeout(timer);
        tick();
      }
    };
    document.addEventListener('visibilitychange', onVisible);
    return () => {
      stopped = true;
      clearTimeout(timer);
      document.removeEventListener('visibilitychange', onVisible);
    };
  }, [run, everyMs]);
}

// Something read with `loader()` now and every `everyMs` while the tab is
// visible: { data, error, loaded, reload }. `data` is what the last
// successful read returned (undefined before the first, `loaded` then
// false); `error` is what the last read threw, null after a success, so a
// read that fails keeps the last good data on screen beside its error.
// `reload()` reads at once (after a change made on the page). An answer that
// comes back after the answer to a newer read is dropped, and none is kept
// after the component is gone. The latest `loader` is used at every read; a
// page showing another thing (another domain) is another component (keyed).
export function useResource(loader, everyMs) {
  const [state, setState] = useState({ data: undefined, error: null, loaded: false });
  const latestLoader = useRef(loader);
  latestLoader.current = loader;
  const asked = useRef(0);
  const mounted = useRef(true);
  useEffect(
    () => () => {
      mounted.current = false;
    },
    [],
  );
  const reload = useCallback(async () => {
    const ticket = ++asked.current;
    let update;
    try {
      const data = await latestLoader.current();
      update = () => ({ data, error: null, loaded: true });
    } catch (error) {
      update = (previous) => ({ ...previous, error });
    }
    if (mounted.current && ticket === asked.current) setState(update);
  }, []);
  usePolling(reload, everyMs);
  return { ...state, reload };
}

function hasProblems(found) {
  return Object.values(found).some(Boolean);
}

// A form sent to livesnapd. On submit, `validate()` gives field -> message
// ({} when the form can be sent): the messages are shown and the first
// invalid field, in the order of `fieldIds` (field -> element id), gets the
// focus. Otherwise `send()` runs while `busy`; if it throws, the error (an
// ApiError: "message (Code)") is shown on the field `errorField(code)` names,
// or on the whole form ('form'), that field gets the focus, and the error
// goes to `onRefused`. Returns { errors, busy, submit (the form's onSubmit),
// clearError(field) (when the user edits it), showErrors(found, form?) }.
export function useFormSubmit({
  fieldIds = {},
  validate = () => ({}),
  send,
  errorField = () => 'form',
  onRefused = () => {},
}) {
  const [errors, setErrors] = useState({});
  const [busy, setBusy] = useState(false);
  const mounted = useRef(true);
  useEffect(
    () => () => {
      mounted.current = false;
    },
    [],
  );

  const showErrors = (found, form = null) => {
    setErrors(found);
    const first = Object.keys(fieldIds).find((name) => found[name]);
    if (form && first) focusField(form, fieldIds[first]);
  };

  const submit = async (event) => {
    event.preventDefault();
    const form = event.target;
    const found = validate();
    if (hasProblems(found)) {
      showErrors(found, form);
      return;
    }
    setErrors({});
    setBusy(true);
    try {
      await send();
    } catch (err) {
      if (!mounted.current) return;
      showErrors({ [errorField(err.code)]: describeError(err) }, form);
      onRefused(err);
    } finally {
      if (mounted.current) setBusy(false);
    }
  };

  const clearError = (name) => setErrors((e) => (e[name] ? { ...e, [name]: undefined } : e));
  return { errors, busy, submit, clearError, showErrors };
}
