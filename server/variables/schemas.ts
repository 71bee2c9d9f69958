import { z } from 'zod';
import { settingNameSchema } from '@/server/secrets/schemas';

/** 256 KiB of JSON: settings, not data sets. */
export const MAX_VARIABLE_BYTES = 256 * 1024;

/** Any JSON value (object, array, string, number, boolean or null). */
const jsonValue = z.unknown().superRefine((value, ctx) => {
  if (value === undefined) {
    ctx.addIssue({ code: 'custom', message: 'Value is required (any JSON value)' });
    return;
  }
  let text: string | undefined;
  try {
    text = JSON.stringify(value);
  } catch {
    text = undefined;
  }
  if (text === undefined || JSON.stringify(JSON.parse(text)) !== text) {
    ctx.addIssue({ code: 'custom', message: 'Value must be plain JSON' });
  } else if (Buffer.byteLength(text) > MAX_VARIABLE_BYTES) {
    ctx.addIssue({ code: 'custom', message: 'Value is too large (256 KiB of JSON at most)' });
  }
});

export const setVariableInput = z.object({
  name: settingNameSchema,
  value: jsonValue,
  description: z
    .string()
    .trim()
    .max(500, 'Description is too long (500 characters at most)')
    .optional(),
});

export const variableNameInput = z.object({ name: settingNameSchema });
