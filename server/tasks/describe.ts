import { z } from 'zod';
import type { TaskCatalog } from './catalog';

/**
 * The catalog as the browser sees it: plain JSON, with each type's config
 * schema as JSON Schema. Custom types exist only on the server, so the
 * palette and the inspector's forms are built from this, not from imports.
 */
export interface TaskTypeDescription {
  type: string;
  title: string;
  description: string;
  category: string;
  icon: string;
  defaults: unknown;
  handles: string[] | null;
  rawFields: string[];
  configSchema: Record<string, unknown>;
  disabledReason: string | null;
}

export function describeCatalog(catalog: TaskCatalog): TaskTypeDescription[] {
  return catalog.list().map((def) => ({
    type: def.type,
    title: def.title,
    description: def.description,
    category: def.category,
    icon: def.icon,
    defaults: def.defaults,
    handles: def.handles ? [...def.handles] : null,
    rawFields: def.rawFields ? [...def.rawFields] : [],
    configSchema: z.toJSONSchema(def.config, { unrepresentable: 'any', io: 'input' }) as Record<
      string,
      unknown
    >,
    disabledReason: def.disabledReason ?? null,
  }));
}
