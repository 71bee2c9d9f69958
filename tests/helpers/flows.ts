/** A code node of a flow document (position is irrelevant to the engine). */
export const codeNode = (id: string, source: string, extra: Record<string, unknown> = {}) => ({
  id,
  type: 'code',
  position: { x: 0, y: 0 },
  config: { source },
  ...extra,
});

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
