import { z } from 'zod';
import { defineTaskDefinition } from './define';

export const fileOperations = ['list', 'read', 'write', 'copy', 'move', 'delete'] as const;
export type FileOperation = (typeof fileOperations)[number];

/** Which path fields each operation needs. */
const requiredFields: Record<FileOperation, readonly ('path' | 'from' | 'to' | 'content')[]> = {
  list: [],
  read: ['path'],
  write: ['path', 'content'],
  copy: ['from', 'to'],
  move: ['from', 'to'],
  delete: ['path'],
};

export const filesTask = defineTaskDefinition({
  type: 'files',
  title: 'Files',
  description:
    'List, read, write, copy, move or delete files inside the folders the operator allows (PIPEWRIGHT_FILES_ROOTS).',
  category: 'Data',
  icon: '⎘',
  config: z
    .strictObject({
      operation: z.enum(fileOperations),
      /** list (default: the first root), read, write, delete. Relative paths start at the first root. */
      path: z.string().min(1).optional(),
      /** copy and move: a file or a folder. */
      from: z.string().min(1).optional(),
      /** copy and move: where to; an existing folder receives the file by its name. */
      to: z.string().min(1).optional(),
      /** list, copy, move, delete: which files under a folder, e.g. `**\/*.csv`. */
      pattern: z.string().min(1).optional(),
      /** write: text, or any JSON value (written as pretty JSON). */
      content: z.unknown().optional(),
    })
    .superRefine((config, issues) => {
      for (const field of requiredFields[config.operation]) {
        if (config[field] === undefined) {
          issues.addIssue({
            code: 'custom',
            path: [field],
            message: `is required for ${config.operation}`,
          });
        }
      }
    }),
  defaults: { operation: 'list', path: '.', pattern: '**/*' },
});
