/** A code node of a flow document (no position: the engine does not read it). */
export const codeNode = (id: string, source: string, extra: Record<string, unknown> = {}) => ({
  id,
  type: 'code',
  config: { source },
  ...extra,
});

/** The edges of a chain: each of `ids` waits for the one before it. */
export const chainEdges = (...ids: string[]) =>
  ids.slice(1).map((target, i) => ({ source: ids[i]!, target }));

/**
 * A maker of flow documents named `${prefix} 1`, `${prefix} 2`, … — each
 * import a flow of its own — from their nodes, edges and any other fields.
 */
export function numberedDocuments(prefix: string) {
  let counter = 0;
  return (nodes: unknown[], edges: unknown[] = [], extra: Record<string, unknown> = {}) => ({
    version: 1,
    name: `${prefix} ${++counter}`,
    nodes,
    edges,
    ...extra,
  });
}

/** root → each of `branches` (running `branch(i)`) → join (running `join`). */
export function fanOutDocument(options: {
  name: string;
  branches: string[];
  branch: (index: number) => string;
  join: string;
}) {
  const { name, branches, branch, join } = options;
  return {
    version: 1,
    name,
    nodes: [
      codeNode('root', 'return 0;'),
      ...branches.map((id, i) => codeNode(id, branch(i))),
      codeNode('join', join),
    ],
    edges: [
      ...branches.map((id) => ({ source: 'root', target: id })),
      ...branches.map((id) => ({ source: id, target: 'join' })),
    ],
  };
}
