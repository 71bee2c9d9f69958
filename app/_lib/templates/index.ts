import type { FlowDocument } from '@/server/engine/document';
import apiFetchTransformWebhook from './api-fetch-transform-webhook.json';
import dailyBackup from './daily-backup.json';
import fanOutFanIn from './fan-out-fan-in.json';

/** A starting point for a new flow: a v1 document kept as JSON beside this file. */
export interface FlowTemplate {
  /** Stable id: the JSON file's name and the `template-<slug>` test id. */
  slug: string;
  title: string;
  description: string;
  document: FlowDocument;
}

/** The task types a template uses; the list offers it only if the server knows them all. */
export function templateTaskTypes(template: FlowTemplate): string[] {
  return [...new Set(template.document.nodes.map((n) => n.type))];
}

export const flowTemplates: readonly FlowTemplate[] = [
  {
    slug: 'daily-backup',
    title: 'Daily backup',
    description: 'List files → copy them to an archive → post a report',
    document: dailyBackup as FlowDocument,
  },
  {
    slug: 'api-fetch-transform-webhook',
    title: 'API fetch → transform → webhook',
    description: 'Read an API, reshape the data in code, post it on',
    document: apiFetchTransformWebhook as FlowDocument,
  },
  {
    slug: 'fan-out-fan-in',
    title: 'Fan-out / fan-in',
    description: 'Split work, run three parts in parallel, merge the results',
    document: fanOutFanIn as FlowDocument,
  },
];
