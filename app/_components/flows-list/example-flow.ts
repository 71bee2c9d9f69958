import type { FlowDocument } from '@/server/engine/document';

/**
 * The "start from an example" flow: small, valid with the built-in types
 * alone (no network), and it shows a branch with both sides wired.
 */
export const exampleFlowDocument: FlowDocument = {
  version: 1,
  name: 'Example: restock check',
  description: 'Counts low-stock items, then either drafts a reorder or waits and checks again.',
  params: { threshold: { type: 'number', default: 5, description: 'Reorder below this count' } },
  nodes: [
    {
      id: 'count',
      type: 'code',
      name: 'Count low-stock items',
      position: { x: 0, y: 60 },
      config: {
        source:
          'const stock = { bolts: 3, nuts: 12, washers: 1 };\n' +
          'return { items: Object.keys(stock).filter((item) => stock[item] < params.threshold) };',
      },
      retry: { retries: 2, delaySeconds: 5, backoff: 'exponential' },
    },
    {
      id: 'decide',
      type: 'branch',
      name: 'Anything to reorder?',
      position: { x: 320, y: 60 },
      config: { condition: 'inputs.count.items.length > 0' },
    },
    {
      id: 'reorder',
      type: 'code',
      name: 'Draft purchase order',
      position: { x: 640, y: 0 },
      config: { source: "return { status: 'drafted', quantityPerItem: 50 };" },
      cache: { enabled: true, ttlSeconds: 3600 },
    },
    {
      id: 'wait',
      type: 'delay',
      name: 'Check again in an hour',
      position: { x: 640, y: 150 },
      config: { seconds: 3600 },
    },
  ],
  edges: [
    { source: 'count', target: 'decide' },
    { source: 'decide', sourceHandle: 'true', target: 'reorder' },
    { source: 'decide', sourceHandle: 'false', target: 'wait' },
  ],
};
