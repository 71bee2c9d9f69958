import { z } from 'zod';

/** Names read as `{{ secrets.NAME }}` / `{{ vars.NAME }}`, so they must parse as a template path. */
export const settingNameSchema = z
  .string()
  .trim()
  .min(1, 'Name is required')
  .max(100, 'Name is too long (100 characters at most)')
  .regex(
    /^[A-Za-z_][A-Za-z0-9_-]*$/,
    'Name must start with a letter or _ and use only letters, digits, _ and - (e.g. API_TOKEN)',
  );

/** 64 KiB: room for a certificate or a service-account JSON, not for data. */
export const MAX_SECRET_CHARS = 64 * 1024;

export const setSecretInput = z.object({
  name: settingNameSchema,
  value: z
    .string()
    .min(1, 'Value is required')
    .max(MAX_SECRET_CHARS, `Value is too long (${MAX_SECRET_CHARS} characters at most)`),
});

export const secretNameInput = z.object({ name: settingNameSchema });
