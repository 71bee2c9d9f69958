import { z } from 'zod';
import { defineTaskDefinition, listOrTemplate, numberOrTemplate, TEMPLATE_PATTERN } from './define';

export const sqlTask = defineTaskDefinition({
  type: 'sql',
  title: 'SQL query',
  description:
    'Run a PostgreSQL query with $1, $2… parameters; the rows become the output (at most 10,000).',
  category: 'Data',
  icon: '⛁',
  config: z.strictObject({
    connection: z
      .string()
      .min(1, 'is required')
      .refine(
        (c) => TEMPLATE_PATTERN.test(c) || /^postgres(ql)?:\/\//i.test(c),
        'must be a postgres:// URL (or a {{ template }})',
      ),
    /**
     * Never template-resolved (a rawField): values go in `params`, so nothing
     * an upstream task returns can change the statement.
     */
    query: z.string().min(1, 'is required, e.g. select now()'),
    params: listOrTemplate(z.unknown()).optional(),
    timeoutSeconds: numberOrTemplate(z.number().positive().max(86_400)).optional(),
  }),
  defaults: {
    connection: 'postgres://user@localhost:5432/postgres',
    query: 'select now() as now',
    params: [],
  },
  rawFields: ['query'],
});
