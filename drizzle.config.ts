import { defineConfig } from 'drizzle-kit';

// Only `drizzle-kit generate` uses this file: it diffs db/schema against the
// committed migrations and needs no database connection.
export default defineConfig({
  dialect: 'postgresql',
  schema: './db/schema/index.ts',
  out: './drizzle',
  casing: 'snake_case',
});
