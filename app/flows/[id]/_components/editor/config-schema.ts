/**
 * A task type's config form, derived from its JSON Schema (draft 2020-12, as
 * `catalog.list` sends it). Custom types exist only on the server, so the
 * form never imports a zod schema: each property becomes one field kind.
 */

type JsonSchema = Record<string, unknown>;

interface FieldBase {
  key: string;
  label: string;
  required: boolean;
  description: string | undefined;
}

type FieldKind =
  | { kind: 'code' }
  /** Text; `template` when `{{ … }}` is resolved in it (not a raw code field). */
  | { kind: 'text'; template: boolean; multiline: boolean }
  | { kind: 'select'; options: string[] }
  | { kind: 'switch' }
  /** `templated`: the schema also accepts a `{{ template }}` string. */
  | { kind: 'number'; integer: boolean; templated: boolean; min?: number; max?: number }
  | { kind: 'keyvalue'; json: boolean }
  | { kind: 'list' }
  | { kind: 'json' };

export type ConfigField = FieldBase & FieldKind;

const isObject = (v: unknown): v is JsonSchema =>
  typeof v === 'object' && v !== null && !Array.isArray(v);

/** "timeoutSeconds" → "Timeout seconds". */
export function humanize(key: string): string {
  const words = key
    .replace(/([a-z0-9])([A-Z])/g, '$1 $2')
    .replace(/[_-]+/g, ' ')
    .toLowerCase();
  return words.charAt(0).toUpperCase() + words.slice(1);
}

const MULTILINE_KEYS = /^(text|content|body|message|template|description|script|query)$/i;

function typesOf(schema: JsonSchema): string[] {
  if (typeof schema.type === 'string') return [schema.type];
  if (Array.isArray(schema.type))
    return schema.type.filter((t): t is string => typeof t === 'string');
  return [];
}

function fieldKind(
  key: string,
  schema: JsonSchema,
  raw: boolean,
  isCodeSource: boolean,
): FieldKind {
  const alternatives = [schema.anyOf, schema.oneOf].find(Array.isArray)?.filter(isObject);
  if (alternatives && alternatives.length > 0) {
    const number = alternatives.find((a) =>
      typesOf(a).some((t) => t === 'number' || t === 'integer'),
    );
    const string = alternatives.find((a) => typesOf(a).includes('string'));
    if (number && string) {
      return {
        kind: 'number',
        integer: typesOf(number).includes('integer'),
        templated: true,
        ...bounds(number),
      };
    }
    const constants = alternatives.map((a) => a.const);
    if (constants.every((c) => typeof c === 'string')) {
      return { kind: 'select', options: constants as string[] };
    }
    if (alternatives.length === 1 && alternatives[0]) {
      return fieldKind(key, alternatives[0], raw, isCodeSource);
    }
    return { kind: 'json' };
  }
  if (Array.isArray(schema.enum) && schema.enum.every((e) => typeof e === 'string')) {
    return { kind: 'select', options: schema.enum as string[] };
  }
  const types = typesOf(schema);
  if (types.includes('string')) {
    if (isCodeSource) return { kind: 'code' };
    return { kind: 'text', template: !raw, multiline: MULTILINE_KEYS.test(key) };
  }
  if (types.includes('boolean')) return { kind: 'switch' };
  if (types.includes('number') || types.includes('integer')) {
    return {
      kind: 'number',
      integer: types.includes('integer'),
      templated: false,
      ...bounds(schema),
    };
  }
  if (types.includes('array')) {
    const items = isObject(schema.items) ? schema.items : {};
    return typesOf(items).includes('string') ? { kind: 'list' } : { kind: 'json' };
  }
  if (types.includes('object')) {
    const values = isObject(schema.additionalProperties) ? schema.additionalProperties : {};
    return { kind: 'keyvalue', json: !typesOf(values).includes('string') };
  }
  return { kind: 'json' };
}

function bounds(schema: JsonSchema): { min?: number; max?: number } {
  const min = typeof schema.minimum === 'number' ? schema.minimum : undefined;
  const max = typeof schema.maximum === 'number' ? schema.maximum : undefined;
  return { ...(min !== undefined ? { min } : {}), ...(max !== undefined ? { max } : {}) };
}

/** The fields of a type's config form, in schema order. */
export function configFields(type: {
  type: string;
  configSchema: Record<string, unknown>;
  rawFields: readonly string[];
}): ConfigField[] {
  const schema = type.configSchema;
  const properties = isObject(schema.properties) ? schema.properties : {};
  const required = new Set(Array.isArray(schema.required) ? schema.required : []);
  return Object.entries(properties).map(([key, property]) => {
    const prop = isObject(property) ? property : {};
    const raw = type.rawFields.includes(key);
    return {
      key,
      label: typeof prop.title === 'string' ? prop.title : humanize(key),
      required: required.has(key),
      description: typeof prop.description === 'string' ? prop.description : undefined,
      ...fieldKind(key, prop, raw, raw && type.type === 'code' && key === 'source'),
    } as ConfigField;
  });
}
