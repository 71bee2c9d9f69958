import type { FlowDocument, ParamDefinition } from './document';

export interface ParamIssue {
  param: string;
  message: string;
}

export class ParamsError extends Error {
  constructor(readonly issues: ParamIssue[]) {
    super(issues.map((i) => `parameter "${i.param}": ${i.message}`).join('\n'));
    this.name = 'ParamsError';
  }
}

function checkType(def: ParamDefinition, value: unknown): string | null {
  switch (def.type) {
    case 'string':
      return typeof value === 'string' ? null : `must be a string, got ${describe(value)}`;
    case 'number':
      return typeof value === 'number' && Number.isFinite(value)
        ? null
        : `must be a number, got ${describe(value)}`;
    case 'boolean':
      return typeof value === 'boolean' ? null : `must be true or false, got ${describe(value)}`;
    case 'json':
      return null;
  }
}

function describe(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  if (typeof value === 'string')
    return `the text ${JSON.stringify(value.length > 40 ? `${value.slice(0, 40)}…` : value)}`;
  return `a ${typeof value}`;
}

/**
 * Checks run parameters against the flow's definitions and fills defaults.
 * Parameters the flow does not define are refused (a typo would otherwise
 * be silently ignored).
 */
export function resolveParams(
  doc: FlowDocument,
  given: Record<string, unknown>,
): Record<string, unknown> {
  const defs = doc.params ?? {};
  const issues: ParamIssue[] = [];
  const out: Record<string, unknown> = {};
  for (const [name, def] of Object.entries(defs)) {
    const value = given[name] ?? def.default;
    if (value === undefined || value === null) {
      if (def.required) issues.push({ param: name, message: 'is required' });
      continue;
    }
    const problem = checkType(def, value);
    if (problem) issues.push({ param: name, message: problem });
    else out[name] = value;
  }
  for (const name of Object.keys(given)) {
    if (!(name in defs)) {
      const known = Object.keys(defs);
      issues.push({
        param: name,
        message: `is not a parameter of this flow${known.length ? ` (it has: ${known.join(', ')})` : ' (it has none)'}`,
      });
    }
  }
  if (issues.length > 0) throw new ParamsError(issues);
  return out;
}

/** `--param k=v` from the command line: numbers, booleans and JSON are parsed by the definition's type. */
export function parseParamString(doc: FlowDocument, name: string, raw: string): unknown {
  const def = doc.params?.[name];
  if (!def || def.type === 'string') return raw;
  if (def.type === 'number') {
    // Not a number: keep the text, so the error quotes what was typed.
    const n = Number(raw);
    return raw.trim() === '' || !Number.isFinite(n) ? raw : n;
  }
  if (def.type === 'boolean') return raw === 'true' ? true : raw === 'false' ? false : raw;
  try {
    return JSON.parse(raw);
  } catch {
    return raw;
  }
}
