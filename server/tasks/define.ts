import { z } from 'zod';

/**
 * A task type as the palette, the inspector and document validation see it.
 * Browser-safe: no server imports. How a type runs lives beside it in the
 * server-only runner registry.
 */
export interface TaskDefinition<Config extends z.ZodType = z.ZodType> {
  type: string;
  title: string;
  description: string;
  category: 'Core' | 'Control' | 'Data' | 'Integrations' | 'Custom';
  /** A short glyph shown on the node and in the palette. */
  icon: string;
  config: Config;
  /** The config a freshly dropped node starts with. */
  defaults: z.input<Config>;
  /** Named output handles for routing types (branch); absent for one output. */
  handles?: readonly string[];
  /**
   * Config fields that are code, not text: never template-resolved (a `{{`
   * in JavaScript is JavaScript) — they get inputs and params as values.
   */
  rawFields?: readonly string[];
  /** Why the type cannot be used on this server, if it cannot. */
  disabledReason?: string;
}

export function defineTaskDefinition<Config extends z.ZodType>(
  def: TaskDefinition<Config>,
): TaskDefinition<Config> {
  return def;
}

/** A value that is either literal or a `{{ … }}` template resolved at run time. */
export const TEMPLATE_PATTERN = /\{\{[\s\S]*?\}\}/;

/** A number, or a `{{ … }}` template that gives one at run time. */
export const numberOrTemplate = (inner: z.ZodType<number>) =>
  z.union([inner, z.string().regex(TEMPLATE_PATTERN, 'must be a number or a {{ template }}')]);

/** A list, or a `{{ … }}` template that gives one at run time. */
export const listOrTemplate = <Item extends z.ZodType>(item: Item) =>
  z.union([
    z.array(item),
    z.string().regex(TEMPLATE_PATTERN, 'must be a list or a {{ template }}'),
  ]);

/** An http(s) URL, or a `{{ … }}` template that gives one at run time. */
export const httpUrlOrTemplate = () =>
  z
    .string()
    .min(1, 'is required')
    .refine(
      (u) => TEMPLATE_PATTERN.test(u) || /^https?:\/\//i.test(u),
      'must start with http:// or https:// (or be a {{ template }})',
    );
