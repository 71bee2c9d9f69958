import { type Edge, MarkerType, type Node } from '@xyflow/react';
import {
  type FlowDocument,
  type FlowEdge,
  type FlowNode,
  NODE_ID_PATTERN,
} from '@/server/engine/document';
import { layeredPositions } from '../canvas-graph';

/**
 * The editor's graph as React Flow sees it, and the plain functions that
 * turn it into a v1 document and back. The document stays the contract:
 * every field the user did not touch is written back exactly as it was read.
 */

/** A task node keeps its whole document node (the `position` inside is stale: RF's wins). */
export type TaskNodeData = { node: FlowNode };
export type TaskCanvasNode = Node<TaskNodeData, 'task'>;

export interface StickyNote {
  id: string;
  text: string;
  position: { x: number; y: number };
  width?: number;
  height?: number;
}
export type NoteNodeData = { note: StickyNote };
export type NoteCanvasNode = Node<NoteNodeData, 'note'>;

export type EditorNode = TaskCanvasNode | NoteCanvasNode;
/** `data.edge` is the document edge as read (kept for its `id` and field order). */
export type EditorEdge = Edge<{ edge: FlowEdge }>;

/** Everything in the document besides nodes, edges and notes. */
export type FlowMeta = Omit<FlowDocument, 'nodes' | 'edges' | 'notes'>;

export interface EditorGraph {
  nodes: EditorNode[];
  edges: EditorEdge[];
  meta: FlowMeta;
  /** Task nodes the document had no position for (and nobody has moved since). */
  unplaced: ReadonlySet<string>;
  /** Whether the document had a `notes` key, so an empty list round-trips as it came. */
  hadNotes: boolean;
}

export const NOTE_DEFAULT_SIZE = { width: 220, height: 140 };
export const TASK_NODE_SIZE = { width: 240, height: 72 };

export const isTaskNode = (node: EditorNode): node is TaskCanvasNode => node.type === 'task';
export const isNoteNode = (node: EditorNode): node is NoteCanvasNode => node.type === 'note';

/** The named outputs a node's edges leave from, in edge order: the handles of a type this server does not know. */
export function usedSourceHandles(
  edges: readonly { source: string; sourceHandle?: string | null }[],
  nodeId: string,
): string[] {
  return [
    ...new Set(
      edges.flatMap((e) => (e.source === nodeId && e.sourceHandle ? [e.sourceHandle] : [])),
    ),
  ];
}

export function edgeKey(edge: { source: string; target: string; sourceHandle?: string | null }) {
  return `${edge.source}\u0000${edge.sourceHandle ?? ''}\u0000${edge.target}`;
}

export function toEditorEdge(edge: FlowEdge): EditorEdge {
  return {
    id: edgeKey(edge),
    source: edge.source,
    target: edge.target,
    ...(edge.sourceHandle !== undefined ? { sourceHandle: edge.sourceHandle } : {}),
    type: 'smoothstep',
    markerEnd: { type: MarkerType.ArrowClosed, width: 16, height: 16, color: '#94a3b8' },
    data: { edge },
  };
}

function noteNode(note: StickyNote): NoteCanvasNode {
  return {
    id: `note:${note.id}`,
    type: 'note',
    position: note.position,
    width: note.width ?? NOTE_DEFAULT_SIZE.width,
    height: note.height ?? NOTE_DEFAULT_SIZE.height,
    zIndex: -1,
    data: { note },
  };
}

/** The document as the editor's graph. Nodes without a position are laid out in layers. */
export function documentToEditorGraph(document: FlowDocument): EditorGraph {
  const { nodes, edges, notes, ...meta } = document;
  const unplaced = nodes.filter((n) => !n.position);
  const layered = layeredPositions(
    unplaced.map((n) => n.id),
    edges,
  );
  const placedBottom = Math.max(...nodes.flatMap((n) => (n.position ? [n.position.y] : [])));
  const layeredTop = Math.min(...[...layered.values()].map((p) => p.y));
  const shiftY = Number.isFinite(placedBottom) ? placedBottom + 210 - layeredTop : 0;
  const taskNodes = nodes.map((node): TaskCanvasNode => {
    const fallback = layered.get(node.id) ?? { x: 0, y: 0 };
    return {
      id: node.id,
      type: 'task',
      position: node.position ?? { x: fallback.x, y: fallback.y + shiftY },
      data: { node },
    };
  });
  return {
    nodes: [...taskNodes, ...(notes ?? []).map(noteNode)],
    edges: edges.map(toEditorEdge),
    meta,
    unplaced: new Set(unplaced.map((n) => n.id)),
    hadNotes: notes !== undefined,
  };
}

const roundPosition = (p: { x: number; y: number }) => ({ x: Math.round(p.x), y: Math.round(p.y) });

/** Replaces one key's value in place, so the object keeps its field order. */
function withField<T extends object, K extends keyof T>(object: T, key: K, value: T[K]): T {
  if (!(key in object)) return { ...object, [key]: value };
  return Object.fromEntries(
    Object.entries(object).map(([k, v]) => [k, k === key ? value : v]),
  ) as T;
}

function withoutField<T extends object>(object: T, key: keyof T): T {
  const { [key]: _removed, ...rest } = object;
  return rest as T;
}

/** The v1 document the editor shows: positions rounded, untouched fields as they were. */
export function editorGraphToDocument(graph: EditorGraph): FlowDocument {
  const nodes: FlowNode[] = [];
  const notes: StickyNote[] = [];
  for (const node of graph.nodes) {
    if (isTaskNode(node)) {
      const doc = node.data.node;
      nodes.push(
        graph.unplaced.has(node.id)
          ? withoutField(doc, 'position')
          : withField(doc, 'position', roundPosition(node.position)),
      );
    } else {
      let note = withField(node.data.note, 'position', roundPosition(node.position));
      const width = node.width ?? node.measured?.width;
      const height = node.height ?? node.measured?.height;
      // Only a resized note gets a size; an untouched one keeps what it had.
      if (width !== undefined && Math.round(width) !== (note.width ?? NOTE_DEFAULT_SIZE.width)) {
        note = withField(note, 'width', Math.round(width));
      }
      if (
        height !== undefined &&
        Math.round(height) !== (note.height ?? NOTE_DEFAULT_SIZE.height)
      ) {
        note = withField(note, 'height', Math.round(height));
      }
      notes.push(note);
    }
  }
  const edges = graph.edges.map((edge): FlowEdge => {
    const saved = edge.data?.edge;
    if (
      saved &&
      saved.source === edge.source &&
      saved.target === edge.target &&
      (saved.sourceHandle ?? null) === (edge.sourceHandle ?? null)
    ) {
      return saved;
    }
    return {
      source: edge.source,
      target: edge.target,
      ...(edge.sourceHandle ? { sourceHandle: edge.sourceHandle } : {}),
    };
  });
  return {
    ...graph.meta,
    nodes,
    edges,
    ...(graph.hadNotes || notes.length > 0 ? { notes } : {}),
  };
}

/** A free node id: `base`, else `base-2`, `base-3`, … (always a valid slug). */
export function uniqueNodeId(base: string, taken: ReadonlySet<string>): string {
  let slug = base
    .replace(/[^A-Za-z0-9_-]+/g, '-')
    .replace(/^[^A-Za-z0-9]+/, '')
    .slice(0, 56);
  if (!slug || !NODE_ID_PATTERN.test(slug)) slug = 'task';
  if (!taken.has(slug)) return slug;
  const stem = slug.replace(/-\d+$/, '') || slug;
  for (let n = 2; ; n++) {
    const candidate = `${stem}-${n}`;
    if (!taken.has(candidate)) return candidate;
  }
}

/** Every node upstream of `nodeId` through edges (transitively), nearest first. */
export function upstreamNodeIds(
  edges: readonly { source: string; target: string }[],
  nodeId: string,
): string[] {
  const incoming = new Map<string, string[]>();
  for (const e of edges) incoming.set(e.target, [...(incoming.get(e.target) ?? []), e.source]);
  const seen = new Set<string>([nodeId]);
  const order: string[] = [];
  const queue = [nodeId];
  while (queue.length > 0) {
    const id = queue.shift()!;
    for (const source of incoming.get(id) ?? []) {
      if (seen.has(source)) continue;
      seen.add(source);
      order.push(source);
      queue.push(source);
    }
  }
  return order;
}

const TEMPLATE_IN_TEXT = /\{\{[\s\S]*?\}\}/g;

/** Rewrites `{{ nodes.old… }}` references in string values after nodes were renamed. */
export function renameTemplateReferences(
  value: unknown,
  renamed: ReadonlyMap<string, string>,
): unknown {
  if (renamed.size === 0) return value;
  if (typeof value === 'string') {
    return value.replace(TEMPLATE_IN_TEXT, (template) =>
      template.replace(/(\bnodes\.)([A-Za-z0-9_$-]+)/g, (whole, prefix: string, id: string) => {
        const next = renamed.get(id);
        return next ? `${prefix}${next}` : whole;
      }),
    );
  }
  if (Array.isArray(value)) return value.map((v) => renameTemplateReferences(v, renamed));
  if (typeof value === 'object' && value !== null) {
    return Object.fromEntries(
      Object.entries(value).map(([k, v]) => [k, renameTemplateReferences(v, renamed)]),
    );
  }
  return value;
}

/* ----------------------------- clipboard fragment ----------------------------- */

/** What Copy puts on the clipboard: a piece of a flow, pasteable into any flow. */
export interface FlowFragment {
  pipewright: 'fragment';
  version: 1;
  nodes: FlowNode[];
  edges: FlowEdge[];
  notes?: StickyNote[];
}

/** The selected nodes (and notes), with the edges between them, as a v1 fragment. */
export function fragmentOf(graph: EditorGraph, selectedIds: ReadonlySet<string>): FlowFragment {
  const document = editorGraphToDocument({ ...graph, unplaced: new Set() });
  const nodes = document.nodes.filter((n) => selectedIds.has(n.id));
  const ids = new Set(nodes.map((n) => n.id));
  const notes = (document.notes ?? []).filter((n) => selectedIds.has(`note:${n.id}`));
  return {
    pipewright: 'fragment',
    version: 1,
    nodes,
    edges: document.edges.filter((e) => ids.has(e.source) && ids.has(e.target)),
    ...(notes.length > 0 ? { notes } : {}),
  };
}

const isRecord = (v: unknown): v is Record<string, unknown> =>
  typeof v === 'object' && v !== null && !Array.isArray(v);

/** Reads a fragment from clipboard text; anything else (plain text, other JSON) is null. */
export function parseFragment(text: string): FlowFragment | null {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return null;
  }
  if (!isRecord(value) || value.pipewright !== 'fragment' || value.version !== 1) return null;
  if (!Array.isArray(value.nodes) || !Array.isArray(value.edges)) return null;
  const nodes = value.nodes.filter(
    (n): n is FlowNode => isRecord(n) && typeof n.id === 'string' && typeof n.type === 'string',
  );
  const edges = value.edges.filter(
    (e): e is FlowEdge =>
      isRecord(e) && typeof e.source === 'string' && typeof e.target === 'string',
  );
  const notes = Array.isArray(value.notes)
    ? value.notes.filter(
        (n): n is StickyNote =>
          isRecord(n) &&
          typeof n.id === 'string' &&
          typeof n.text === 'string' &&
          isRecord(n.position),
      )
    : [];
  return { pipewright: 'fragment', version: 1, nodes, edges, ...(notes.length ? { notes } : {}) };
}

/**
 * A fragment ready to add to a graph: ids renamed where taken (edges and
 * `{{ nodes.… }}` references follow), moved so its top-left lands at `at`.
 */
export function placeFragment(
  fragment: FlowFragment,
  takenIds: ReadonlySet<string>,
  at: { x: number; y: number },
): { nodes: EditorNode[]; edges: EditorEdge[] } {
  const points = [
    ...fragment.nodes.map((n) => n.position ?? { x: 0, y: 0 }),
    ...(fragment.notes ?? []).map((n) => n.position),
  ];
  const minX = Math.min(...points.map((p) => p.x));
  const minY = Math.min(...points.map((p) => p.y));
  const shift = (p: { x: number; y: number } | undefined) => ({
    x: Math.round((p?.x ?? 0) - (Number.isFinite(minX) ? minX : 0) + at.x),
    y: Math.round((p?.y ?? 0) - (Number.isFinite(minY) ? minY : 0) + at.y),
  });
  const taken = new Set(takenIds);
  const renamed = new Map<string, string>();
  for (const node of fragment.nodes) {
    const id = uniqueNodeId(node.id, taken);
    taken.add(id);
    if (id !== node.id) renamed.set(node.id, id);
  }
  const idOf = (id: string) => renamed.get(id) ?? id;
  const nodes: EditorNode[] = fragment.nodes.map((node) => {
    const position = shift(node.position);
    const copy: FlowNode = {
      ...node,
      id: idOf(node.id),
      position,
      ...(node.config
        ? { config: renameTemplateReferences(node.config, renamed) as Record<string, unknown> }
        : {}),
    };
    return { id: copy.id, type: 'task', position, selected: true, data: { node: copy } };
  });
  const noteIds = new Set<string>();
  for (const note of fragment.notes ?? []) {
    const id = uniqueNodeId(`note-${Math.random().toString(36).slice(2, 8)}`, noteIds);
    noteIds.add(id);
    nodes.push({ ...noteNode({ ...note, id, position: shift(note.position) }), selected: true });
  }
  const known = new Set(fragment.nodes.map((n) => n.id));
  const edges = fragment.edges
    .filter((e) => known.has(e.source) && known.has(e.target))
    .map((e) =>
      toEditorEdge({
        source: idOf(e.source),
        target: idOf(e.target),
        ...(e.sourceHandle !== undefined ? { sourceHandle: e.sourceHandle } : {}),
      }),
    );
  return { nodes, edges };
}

export function newNoteNode(
  at: { x: number; y: number },
  takenIds: ReadonlySet<string>,
): NoteCanvasNode {
  const id = uniqueNodeId(`note-${Math.random().toString(36).slice(2, 8)}`, takenIds);
  return {
    ...noteNode({ id, text: '', position: roundPosition(at) }),
    selected: true,
  };
}
