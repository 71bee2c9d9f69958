/** What a secret value becomes wherever it would be stored or shown. */
export const SECRET_MASK = '••••';

const BASE64_MIN_BYTES = 6;

function base64Alphabets(text: string): string[] {
  return [text, text.replace(/\+/g, '-').replace(/\//g, '_')];
}

/**
 * The base64 characters that encode `bytes` wherever they sit in a longer
 * encoded string (as in `Basic base64(user:password)`): base64 works in
 * 3-byte groups, so there are three alignments; for each, keep only the
 * characters that depend on the secret's bytes alone.
 */
function base64Forms(value: string): string[] {
  const bytes = Buffer.from(value, 'utf8');
  if (bytes.length < BASE64_MIN_BYTES) return [];
  const forms: string[] = [];
  for (let offset = 0; offset < 3; offset++) {
    const encoded = Buffer.concat([Buffer.alloc(offset), bytes]).toString('base64');
    const first = Math.ceil((offset * 8) / 6);
    const end = Math.floor(((offset + bytes.length) * 8) / 6);
    forms.push(...base64Alphabets(encoded.slice(first, end)));
  }
  return forms;
}

/** The ways a value commonly shows up in text: as is, percent- or form-encoded, JSON-escaped, base64. */
function encodedForms(value: string): string[] {
  const forms = [value, encodeURIComponent(value), JSON.stringify(value).slice(1, -1)];
  forms.push(new URLSearchParams({ v: value }).toString().slice(2));
  forms.push(...base64Forms(value));
  return forms;
}

/**
 * Replaces the secret values an attempt resolved — in the forms listed in
 * `encodedForms` — with SECRET_MASK. Applied to everything an attempt
 * writes (resolved config, logs, output, errors) before it is stored, so
 * every reader (run page, API, event stream, share page, exports) sees only
 * the mask.
 */
export class SecretRedactor {
  /** Longest first, so a form containing a shorter one is masked whole. */
  private readonly forms: string[];

  constructor(values: Iterable<string>) {
    const forms = new Set<string>();
    for (const value of values) {
      if (value === '') continue;
      for (const form of encodedForms(value)) if (form !== '') forms.add(form);
    }
    this.forms = [...forms].sort((a, b) => b.length - a.length);
  }

  get active(): boolean {
    return this.forms.length > 0;
  }

  text(text: string): string {
    let out = text;
    for (const form of this.forms) {
      if (out.includes(form)) out = out.split(form).join(SECRET_MASK);
    }
    return out;
  }

  /** A JSON-like value with every string (and object key) redacted. */
  value<T>(value: T): T {
    if (!this.active) return value;
    return this.walk(value) as T;
  }

  error<E extends { message: string; stack?: string }>(error: E): E {
    if (!this.active) return error;
    return {
      ...error,
      message: this.text(error.message),
      ...(error.stack === undefined ? {} : { stack: this.text(error.stack) }),
    };
  }

  private walk(value: unknown): unknown {
    if (typeof value === 'string') return this.text(value);
    if (Array.isArray(value)) return value.map((item) => this.walk(item));
    if (value !== null && typeof value === 'object') {
      const proto = Object.getPrototypeOf(value);
      if (proto !== Object.prototype && proto !== null) return value;
      const out: Record<string, unknown> = {};
      for (const [key, item] of Object.entries(value)) out[this.text(key)] = this.walk(item);
      return out;
    }
    return value;
  }
}

/** For attempts that resolved no secret. */
export const noSecrets = new SecretRedactor([]);
