// What the forms check before asking the server, and where the server's
// refusals are shown: each error Code of src/api/error_codes.h that concerns
// one field maps to that field; any other code is shown for the whole form.
// The rules mirror src/api/internal/validation.cc.

export const MIN_INTERVAL_S = 5;
export const MAX_INTERVAL_S = 3600;
export const MAX_DIMENSION = 4096;
export const DEFAULT_OVERWRITE_PATTERN = '{AppName}/{StreamName}.jpg';
export const DEFAULT_SEQUENCE_PATTERN = '{AppName}/{StreamName}/{Sequence}.jpg';

const TEMPLATE_FIELDS = {
  MissingAppName: 'app',
  'InvalidAppName.Malformed': 'app',
  ConfigAlreadyExists: 'app',
  MissingTimeInterval: 'interval',
  'InvalidOssInterval.Malformed': 'interval',
  MissingOssBucket: 'bucket',
  'InvalidOssBucket.Malformed': 'bucket',
  'InvalidOssBucket.NotFound': 'bucket',
  'InvalidOssBucket.RegionMismatch': 'bucket',
  MissingOssEndpoint: 'bucket',
  'InvalidOssEndpoint.Malformed': 'bucket',
  'InvalidOverwriteOssObjectOrSequenceOssObject.Malformed': 'modes',
  'InvalidOverwriteOssObject.Malformed': 'overwritePattern',
  'InvalidSequenceOssObject.Malformed': 'sequencePattern',
  'InvalidCallback.Malformed': 'callback',
  'InvalidWidth.Malformed': 'width',
  'InvalidHeight.Malformed': 'height',
};

// The template form's field a server error concerns, or 'form'.
export function templateErrorField(code) {
  return TEMPLATE_FIELDS[code] || 'form';
}

const DOMAIN_FIELDS = {
  MissingDomainName: 'name',
  'InvalidDomainName.Malformed': 'name',
  DomainAlreadyExist: 'name',
  MissingRegion: 'region',
  'InvalidRegion.Malformed': 'region',
};

export function domainErrorField(code) {
  return DOMAIN_FIELDS[code] || 'form';
}

const APP_NAME = /^[A-Za-z0-9][A-Za-z0-9_-]{0,254}$/;
const DOMAIN_LABEL = /^[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?$/;
const REGION = /^[a-z0-9-]{1,64}$/;
const INTEGER = /^\d+$/;

export function checkDomainName(name) {
  if (!name) return 'Enter the streaming domain, e.g. push.example.com.';
  if (name.length > 253 || !name.split('.').every((label) => DOMAIN_LABEL.test(label))) {
    return 'A domain is a host name or IPv4 address: letters, digits, - and . (at most 253 characters).';
  }
  return '';
}

export function checkRegion(region) {
  if (!region) return 'Choose the region the domain is in.';
  if (!REGION.test(region)) return 'A region is 1..64 lowercase letters, digits and -, e.g. cn-shanghai.';
  return '';
}

export function validateDomainForm(form) {
  const errors = {};
  const name = checkDomainName(form.name);
  if (name) errors.name = name;
  const region = checkRegion(form.region);
  if (region) errors.region = region;
  return errors;
}

function checkPattern(pattern, sequence) {
  if (!pattern) return 'Enter the object name pattern.';
  if (new TextEncoder().encode(pattern).length >= 256) return 'The pattern must be under 256 bytes.';
  if (!pattern.endsWith('.jpg') || pattern.length <= 4) return 'The pattern must end in .jpg.';
  if (pattern.startsWith('/')) return 'The pattern must not start with /.';
  const segments = pattern.split('/');
  if (segments.some((segment) => segment === '')) return 'The pattern must not have an empty path segment (//).';
  if (segments.some((segment) => segment === '.' || segment === '..')) {
    return 'The pattern must not have a . or .. path segment.';
  }
  const variables = [...pattern.matchAll(/\{([^}]*)\}/g)].map((m) => m[1]);
  const known = sequence
    ? ['Domain', 'AppName', 'StreamName', 'Date', 'UnixTimestamp', 'Sequence']
    : ['Domain', 'AppName', 'StreamName', 'Date'];
  const unknown = variables.find((v) => !known.includes(v));
  if (unknown !== undefined) {
    return `{${unknown}} cannot be used here; use ${known.map((v) => `{${v}}`).join(' ')}.`;
  }
  if (sequence && !variables.includes('Sequence') && !variables.includes('UnixTimestamp')) {
    return 'Create New needs {Sequence} or {UnixTimestamp}, so every snapshot gets its own object.';
  }
  return '';
}

function checkDimension(text, name) {
  if (text === '') return '';
  if (!INTEGER.test(text) || Number(text) > MAX_DIMENSION) {
    return `${name} is a whole number of pixels from 0 to ${MAX_DIMENSION} (0: the source's).`;
  }
  return '';
}

// Field -> message for what the template form holds; empty when it can be sent.
export function validateTemplateForm(form, { isEdit = false } = {}) {
  const errors = {};
  if (!isEdit) {
    if (!form.app) errors.app = 'Enter an AppName, or * for every app of this domain.';
    else if (form.app !== '*' && !APP_NAME.test(form.app)) {
      errors.app = 'An AppName is letters, digits, - and _ (not starting with - or _), or exactly *.';
    }
  }
  const interval = form.interval.trim();
  if (
    !INTEGER.test(interval) ||
    Number(interval) < MIN_INTERVAL_S ||
    Number(interval) > MAX_INTERVAL_S
  ) {
    errors.interval = `The interval is a whole number of seconds from ${MIN_INTERVAL_S} to ${MAX_INTERVAL_S}.`;
  }
  if (!form.bucket) errors.bucket = 'Choose a storage location in the domain\'s region.';
  if (!form.overwrite && !form.sequence) {
    errors.modes = 'Choose at least one storage mode.';
  }
  if (form.overwrite) {
    const problem = checkPattern(form.overwritePattern, false);
    if (problem) errors.overwritePattern = problem;
  }
  if (form.sequence) {
    const problem = checkPattern(form.sequencePattern, true);
    if (problem) errors.sequencePattern = problem;
  }
  if (form.callback && !/^https?:\/\/[^/:\s][^\s]*$/.test(form.callback)) {
    errors.callback = 'The callback is an http:// or https:// URL.';
  } else if (form.callback.length > 500) {
    errors.callback = 'The callback URL must be at most 500 characters.';
  }
  const width = checkDimension(form.width, 'Width');
  if (width) errors.width = width;
  const height = checkDimension(form.height, 'Height');
  if (height) errors.height = height;
  return errors;
}

// The form's starting values: a new template, or `existing` as
// DescribeLiveSnapshotConfig lists it.
export function templateForm(existing, storages) {
  if (!existing) {
    return {
      app: '',
      interval: String(MIN_INTERVAL_S),
      bucket: storages.length > 0 ? storages[0].Name : '',
      overwrite: true,
      overwritePattern: DEFAULT_OVERWRITE_PATTERN,
      sequence: true,
      sequencePattern: DEFAULT_SEQUENCE_PATTERN,
      callback: '',
      width: '',
      height: '',
    };
  }
  return {
    app: existing.AppName,
    interval: String(existing.TimeInterval),
    bucket: existing.OssBucket,
    overwrite: Boolean(existing.OverwriteOssObject),
    overwritePattern: existing.OverwriteOssObject || DEFAULT_OVERWRITE_PATTERN,
    sequence: Boolean(existing.SequenceOssObject),
    sequencePattern: existing.SequenceOssObject || DEFAULT_SEQUENCE_PATTERN,
    callback: existing.Callback || '',
    width: existing.Width ? String(existing.Width) : '',
    height: existing.Height ? String(existing.Height) : '',
  };
}

// The parameters of AddLiveAppSnapshotConfig (existing = null) or
// UpdateLiveAppSnapshotConfig, where "-" removes a mode or the callback.
export function templateParams(domain, form, storages, existing) {
  const storage = storages.find((s) => s.Name === form.bucket);
  const params = {
    DomainName: domain,
    AppName: existing ? existing.AppName : form.app,
    TimeInterval: form.interval.trim(),
    OssBucket: form.bucket,
    OssEndpoint: storage ? storage.Endpoint : existing ? existing.OssEndpoint : '',
  };
  const removable = (name, enabled, value, had) => {
    if (enabled && value) params[name] = value;
    else if (existing && had) params[name] = '-';
  };
  removable('OverwriteOssObject', form.overwrite, form.overwritePattern, existing && existing.OverwriteOssObject);
  removable('SequenceOssObject', form.sequence, form.sequencePattern, existing && existing.SequenceOssObject);
  removable('Callback', true, form.callback.trim(), existing && existing.Callback);
  if (existing) {
    params.Width = form.width || '0';
    params.Height = form.height || '0';
  } else {
    if (form.width) params.Width = form.width;
    if (form.height) params.Height = form.height;
  }
  return params;
}

// The template a stream of `app` binds to: the exact AppName, else "*".
export function resolveTemplate(templates, app) {
  if (!templates) return null;
  return (
    templates.find((t) => t.AppName === app) || templates.find((t) => t.AppName === '*') || null
  );
}
