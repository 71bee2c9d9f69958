import type { FlowDocument } from './document';

/**
 * `{{ … }}` templates in node configs, resolved just before a task runs.
 * A template reads one value by path — `params.x`, `nodes.id.output[0].name`,
 * `vars.x`, `secrets.x`, `item`, `index` — and nothing else: no operators, no
 * calls, so resolving a config can never run code or reach past the scope.
 */

export const templateRoots = ['params', 'nodes', 'vars', 'secrets', 'item', 'index'] as const;
export type TemplateRoot = (typeof templateRoots)[number];

export interface TemplateScope {
  params: Record<string, unknown>;
  /** Outputs of the upstream nodes that completed, by node id. */
  nodes: Record<string, { output: unknown }>;
  vars?: Record<string, unknown>;
  /** Only the secrets a node references, decrypted on the worker (server/secrets/run-scope.ts). */
  secrets?: Record<string, string>;
  /** The current element and its position, inside a for-each task only. */
  item?: unknown;
  index?: number;
}

export interface TemplateReference {
  root: TemplateRoot;
  /** Segments after the root: `nodes.list.output[0]` → ['list', 'output', 0]. */
  path: (string | number)[];
  /** The template as written, braces included. */
  text: string;
}

export class TemplateError extends Error {
  /** The template as written, braces included, e.g. `{{ params.x }}`. */
  readonly reference: string;
  constructor(message: string, reference: string) {
    super(message);
    this.name = 'TemplateError';
    this.reference = reference;
  }
}

// Same shape as TEMPLATE_PATTERN in server/tasks/define.ts, which config
// schemas use to accept a template where a number is expected.
const TEMPLATE = /\{\{([\s\S]*?)\}\}/g;
const IDENTIFIER = /[A-Za-z_$][A-Za-z0-9_$]*/y;
// Node ids may start with a digit and contain "-", so dotted segments may too.
const DOTTED_SEGMENT = /[A-Za-z0-9_$-]+/y;
const INDEX_SEGMENT = /\[(\d+)\]/y;
const QUOTED_SEGMENT = /\[\s*("(?:[^"\\]|\\.)*"|'(?:[^'\\]|\\.)*')\s*\]/y;

const isRoot = (name: string): name is TemplateRoot =>
  (templateRoots as readonly string[]).includes(name);

function invalid(text: string, why: string): TemplateError {
  return new TemplateError(`invalid template "${text}": ${why}`, text);
}

function unquote(literal: string): string {
  if (literal.startsWith('"')) return JSON.parse(literal) as string;
  return literal.slice(1, -1).replace(/\\(.)/g, '$1');
}

/** Parses the inside of one `{{ … }}`; `text` is the whole template, for messages. */
function parseReference(text: string, inner: string): TemplateReference {
  const source = inner.trim();
  if (source === '') throw invalid(text, 'it is empty; write a path such as params.name');
  IDENTIFIER.lastIndex = 0;
  const root = IDENTIFIER.exec(source)?.[0];
  if (root === undefined || !isRoot(root)) {
    const start = root ?? source;
    throw invalid(
      text,
      `"${start}" is not something a template can read; start with ${templateRoots.join(', ')}`,
    );
  }
  const path: (string | number)[] = [];
  let pos = root.length;
  while (pos < source.length) {
    const char = source[pos];
    if (char === '.') {
      DOTTED_SEGMENT.lastIndex = pos + 1;
      const name = DOTTED_SEGMENT.exec(source)?.[0];
      if (name === undefined) throw invalid(text, `expected a field name after "."`);
      path.push(name);
      pos = DOTTED_SEGMENT.lastIndex;
      continue;
    }
    if (char === '[') {
      INDEX_SEGMENT.lastIndex = pos;
      const index = INDEX_SEGMENT.exec(source);
      if (index) {
        path.push(Number(index[1]));
        pos = INDEX_SEGMENT.lastIndex;
        continue;
      }
      QUOTED_SEGMENT.lastIndex = pos;
      const quoted = QUOTED_SEGMENT.exec(source);
      if (quoted) {
        path.push(unquote(quoted[1]!));
        pos = QUOTED_SEGMENT.lastIndex;
        continue;
      }
      throw invalid(text, 'expected [0] or ["field"] after "["');
    }
    const rest = source.slice(pos).trim();
    const why = rest.startsWith('(')
      ? 'function calls are not allowed'
      : `unexpected "${rest}"; a template reads one value (no operators or function calls)`;
    throw invalid(text, why);
  }
  checkShape(text, root, path);
  return { root, path, text };
}

/** Rules that hold whatever the scope: these are mistakes in the template itself. */
function checkShape(text: string, root: TemplateRoot, path: (string | number)[]): void {
  if (root === 'nodes') {
    const [id, field] = path;
    if (typeof id !== 'string') throw invalid(text, 'name a node, as in nodes.<id>.output');
    if (field === undefined) {
      throw invalid(text, `use nodes.${id}.output to read what node "${id}" returned`);
    }
    if (field !== 'output') {
      throw invalid(
        text,
        `node "${id}" has no field "${field}"; the only field is output (nodes.${id}.output)`,
      );
    }
  }
  if (root === 'secrets' && typeof path[0] !== 'string') {
    throw invalid(text, 'name a secret, as in secrets.<name>');
  }
}

type TemplateMatch = { start: number; end: number; text: string } & (
  | { reference: TemplateReference; error?: undefined }
  | { reference?: undefined; error: TemplateError }
);

function findTemplates(value: string): TemplateMatch[] {
  if (!value.includes('{{')) return [];
  const found: TemplateMatch[] = [];
  for (const match of value.matchAll(TEMPLATE)) {
    const text = match[0];
    const start = match.index;
    const span = { start, end: start + text.length, text };
    try {
      found.push({ ...span, reference: parseReference(text, match[1]!) });
    } catch (err) {
      if (!(err instanceof TemplateError)) throw err;
      found.push({ ...span, error: err });
    }
  }
  return found;
}

function formatPath(root: string, path: readonly (string | number)[]): string {
  let out = root;
  for (const segment of path) {
    if (typeof segment === 'number') out += `[${segment}]`;
    else if (/^[A-Za-z0-9_$-]+$/.test(segment)) out += `.${segment}`;
    else out += `[${JSON.stringify(segment)}]`;
  }
  return out;
}

function kindOf(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  if (value === undefined) return 'undefined';
  return `a ${typeof value}`;
}

const isPlainRecord = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

// Own fields only: `{{ params.constructor }}` must not reach the prototype.
const ownField = (record: object, key: string): unknown =>
  Object.hasOwn(record, key) ? (record as Record<string, unknown>)[key] : undefined;

/** Follows `path` into `value`; `described` names `value` for the first step's messages. */
function walk(
  ref: TemplateReference,
  value: unknown,
  described: string,
  consumed: number,
): unknown {
  let current = value;
  let label = described;
  for (let i = consumed; i < ref.path.length; i++) {
    const segment = ref.path[i]!;
    if (Array.isArray(current)) {
      const index =
        typeof segment === 'number' ? segment : /^\d+$/.test(segment) ? Number(segment) : undefined;
      if (index === undefined) {
        throw resolveError(ref, `${label} is an array, not an object; pick an item with [0]`);
      }
      if (index >= current.length) {
        const count = `${current.length} item${current.length === 1 ? '' : 's'}`;
        throw resolveError(ref, `${label} has no item [${index}] (it has ${count})`);
      }
      current = current[index];
    } else if (isPlainRecord(current)) {
      const next = ownField(current, String(segment));
      if (next === undefined) throw resolveError(ref, `${label} has no field "${segment}"`);
      current = next;
    } else {
      throw resolveError(ref, `${label} is ${kindOf(current)}, not an object`);
    }
    label = formatPath(ref.root, ref.path.slice(0, i + 1));
  }
  return current;
}

function resolveError(ref: TemplateReference, why: string): TemplateError {
  return new TemplateError(`${ref.text}: ${why}`, ref.text);
}

function resolveReference(ref: TemplateReference, scope: TemplateScope): unknown {
  const [first] = ref.path;
  const name = first === undefined ? undefined : String(first);
  switch (ref.root) {
    case 'params': {
      if (name === undefined) return scope.params;
      const value = ownField(scope.params, name);
      if (value === undefined) throw resolveError(ref, `no parameter "${name}"`);
      return walk(ref, value, `parameter "${name}"`, 1);
    }
    case 'vars': {
      const vars = scope.vars ?? {};
      if (name === undefined) return vars;
      const value = ownField(vars, name);
      if (value === undefined) throw resolveError(ref, `no variable "${name}"`);
      return walk(ref, value, `variable "${name}"`, 1);
    }
    case 'secrets': {
      if (scope.secrets === undefined) {
        throw resolveError(ref, 'secrets are not available in this version of Pipewright');
      }
      // checkShape guarantees a name: the whole secret map is never handed out.
      const value = ownField(scope.secrets, name!);
      if (value === undefined) throw resolveError(ref, `no secret "${name}"`);
      return walk(ref, value, `secret "${name}"`, 1);
    }
    case 'nodes': {
      // checkShape guarantees nodes.<id>.output.
      const node = ownField(scope.nodes, name!) as { output: unknown } | undefined;
      if (node === undefined) {
        throw resolveError(
          ref,
          `node "${name}" has no output here (it is not upstream of this node, or it has not completed)`,
        );
      }
      return walk(ref, node.output, `the output of node "${name}"`, 2);
    }
    case 'item':
    case 'index': {
      const value = scope[ref.root];
      if (value === undefined) {
        throw resolveError(ref, `${ref.root} is only available inside a for-each task`);
      }
      return walk(ref, value, ref.root, 0);
    }
  }
}

function interpolate(value: unknown): string {
  if (typeof value === 'string') return value;
  if (value === undefined) return '';
  if (value === null || typeof value === 'object') return JSON.stringify(value);
  return String(value);
}

function resolveString(value: string, scope: TemplateScope): unknown {
  const found = findTemplates(value);
  if (found.length === 0) return value;
  for (const f of found) if (f.error) throw f.error;
  const only = found.length === 1 ? found[0]! : undefined;
  if (only && value.slice(0, only.start).trim() === '' && value.slice(only.end).trim() === '') {
    // A string that is one template takes the value itself, type and all.
    return resolveReference(only.reference!, scope);
  }
  let out = '';
  let last = 0;
  for (const f of found) {
    out += value.slice(last, f.start) + interpolate(resolveReference(f.reference!, scope));
    last = f.end;
  }
  return out + value.slice(last);
}

/**
 * Resolves every template in a config: walks objects and arrays, leaves keys
 * and non-string values alone, and returns a new value (the input is not
 * changed). Values that come out of a template are not scanned again, so an
 * upstream output containing "{{ secrets.x }}" stays that text.
 * Throws TemplateError naming the first template that fails.
 */
export function resolveTemplates<T>(value: T, scope: TemplateScope): unknown {
  return resolveValue(value, scope);
}

function resolveValue(value: unknown, scope: TemplateScope): unknown {
  if (typeof value === 'string') return resolveString(value, scope);
  if (Array.isArray(value)) return value.map((item) => resolveValue(item, scope));
  if (isPlainObject(value)) {
    const out: Record<string, unknown> = {};
    for (const [key, item] of Object.entries(value)) out[key] = resolveValue(item, scope);
    return out;
  }
  return value;
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  if (typeof value !== 'object' || value === null) return false;
  const proto = Object.getPrototypeOf(value);
  return proto === Object.prototype || proto === null;
}

function collectTemplates(value: unknown, out: TemplateMatch[]): void {
  if (typeof value === 'string') out.push(...findTemplates(value));
  else if (Array.isArray(value)) for (const item of value) collectTemplates(item, out);
  else if (isPlainObject(value))
    for (const item of Object.values(value)) collectTemplates(item, out);
}

/**
 * Every well-formed template in a value, in order of appearance, repeats
 * included. Malformed ones are left out (the editor calls this while the user
 * is still typing); `templateErrors` lists those.
 */
export function templateReferences(value: unknown): TemplateReference[] {
  const found: TemplateMatch[] = [];
  collectTemplates(value, found);
  return found.flatMap((f) => (f.reference ? [f.reference] : []));
}

/** Every malformed template in a value, as the error resolving it would throw. */
export function templateErrors(value: unknown): TemplateError[] {
  const found: TemplateMatch[] = [];
  collectTemplates(value, found);
  return found.flatMap((f) => (f.error ? [f.error] : []));
}

/**
 * Checks, before a flow is saved or run, what can be known without running
 * it: every template is well formed, every `nodes.Y` is a node upstream of
 * the node that reads it (otherwise it would never have an output there), and
 * every `params.p` is a parameter the flow defines (when it defines any).
 * `upstream` gives a node's transitive upstream ids; it is called at most
 * once per node, and only for nodes that read another node's output.
 */
export function validateTemplateReferences(
  doc: FlowDocument,
  upstream: (nodeId: string) => Set<string>,
): { nodeId: string; message: string }[] {
  const nodeIds = new Set(doc.nodes.map((n) => n.id));
  const issues: { nodeId: string; message: string }[] = [];
  for (const node of doc.nodes) {
    if (node.config === undefined) continue;
    const found: TemplateMatch[] = [];
    collectTemplates(node.config, found);
    const messages = new Set<string>();
    let upstreamIds: Set<string> | undefined;
    for (const f of found) {
      if (f.error) {
        messages.add(f.error.message);
        continue;
      }
      const { root, path } = f.reference;
      const [first] = path;
      if (root === 'nodes' && typeof first === 'string') {
        if (!nodeIds.has(first)) {
          messages.add(`config references node "${first}", which is not in this flow`);
          continue;
        }
        upstreamIds ??= upstream(node.id);
        if (!upstreamIds.has(first)) {
          messages.add(`config references node "${first}", which is not upstream of "${node.id}"`);
        }
      }
      if (root === 'params' && first !== undefined && doc.params !== undefined) {
        if (!Object.hasOwn(doc.params, String(first))) {
          messages.add(`config references parameter "${first}", which the flow does not define`);
        }
      }
    }
    for (const message of messages) issues.push({ nodeId: node.id, message });
  }
  return issues;
}
