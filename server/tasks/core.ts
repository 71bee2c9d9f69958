import { z } from 'zod';
import { defineTaskDefinition, httpUrlOrTemplate, numberOrTemplate } from './define';

export const codeTask = defineTaskDefinition({
  type: 'code',
  title: 'Code',
  description: 'Run JavaScript or TypeScript in a sandbox. `return` gives the output.',
  category: 'Core',
  icon: '{}',
  config: z.strictObject({
    source: z.string().min(1, 'is required: write a function body that returns a value'),
    language: z.enum(['javascript', 'typescript']).optional(),
  }),
  defaults: { source: 'return { ok: true };' },
  rawFields: ['source'],
});

export const httpTask = defineTaskDefinition({
  type: 'http',
  title: 'HTTP request',
  description:
    'Call an HTTP endpoint; the output is { status, headers, body } (JSON bodies parsed).',
  category: 'Integrations',
  icon: '⇄',
  config: z.strictObject({
    method: z.enum(['GET', 'POST', 'PUT', 'PATCH', 'DELETE', 'HEAD']).optional(),
    url: httpUrlOrTemplate(),
    headers: z.record(z.string(), z.string()).optional(),
    body: z.unknown().optional(),
    timeoutSeconds: numberOrTemplate(z.number().positive().max(3600)).optional(),
    responseType: z.enum(['auto', 'json', 'text']).optional(),
    /** Accept 4xx/5xx responses as output instead of failing. */
    allowErrorStatus: z.boolean().optional(),
  }),
  defaults: { method: 'GET', url: 'https://example.com' },
});

export const branchTask = defineTaskDefinition({
  type: 'branch',
  title: 'Branch',
  description: 'Route to the true or false side by a condition; the other side is skipped.',
  category: 'Control',
  icon: '⑂',
  config: z.strictObject({
    condition: z.string().min(1, 'is required, e.g. inputs.check.count > 0'),
  }),
  defaults: { condition: 'params.enabled === true' },
  rawFields: ['condition'],
  handles: ['true', 'false'],
});

export const delayTask = defineTaskDefinition({
  type: 'delay',
  title: 'Delay',
  description: 'Wait before continuing, without holding a worker.',
  category: 'Control',
  icon: '⏱',
  config: z.strictObject({
    seconds: numberOrTemplate(
      z
        .number()
        .min(0)
        .max(30 * 86_400),
    ),
  }),
  defaults: { seconds: 60 },
});
