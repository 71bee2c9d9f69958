import type { FlowDocument } from '@/server/engine/document';

/**
 * A wide, layered DAG of code tasks: `layers` layers of `perLayer` nodes,
 * each fed by two of the layer before (its own row and a scattered one),
 * every seventh with a retry policy. 20 × 50 is the 1,000-node run of the
 * run page benchmark (scripts/bench-run-page.ts) and its browser test.
 * Node ids are `l<layer>_<row>`.
 */
export function layeredFlow({
  layers = 20,
  perLayer = 50,
  name = `Layered ${Date.now()}`,
}: {
  layers?: number;
  perLayer?: number;
  name?: string;
} = {}): FlowDocument {
  const id = (layer: number, row: number) => `l${layer}_${row}`;
  const nodes: FlowDocument['nodes'] = [];
  const edges: FlowDocument['edges'] = [];
  for (let layer = 0; layer < layers; layer++) {
    for (let row = 0; row < perLayer; row++) {
      nodes.push({
        id: id(layer, row),
        type: 'code',
        name: `Step ${layer + 1}.${row + 1}`,
        position: { x: layer * 320, y: row * 140 },
        config: { source: `return ${layer * perLayer + row};` },
        ...(row % 7 === 0 ? { retry: { retries: 2 } } : {}),
      });
      if (layer > 0) {
        edges.push({ source: id(layer - 1, row), target: id(layer, row) });
        edges.push({ source: id(layer - 1, (row * 7 + 3) % perLayer), target: id(layer, row) });
      }
    }
  }
  // Two edges may coincide; a document has each edge once.
  const unique = [...new Map(edges.map((e) => [`${e.source}>${e.target}`, e])).values()];
  return { version: 1, name, nodes, edges: unique };
}
