'use client';

import {
  applyEdgeChanges,
  applyNodeChanges,
  type Connection,
  type EdgeChange,
  type NodeChange,
} from '@xyflow/react';
import { createContext, type ReactNode, useContext, useState } from 'react';
import { useStore } from 'zustand';
import { createStore, type StoreApi } from 'zustand/vanilla';
import {
  type DocumentIssue,
  type FlowDocument,
  type FlowNode,
  wouldCreateCycle,
} from '@/server/engine/document';
import type { TaskRunState } from '@/server/engine/states';
import {
  documentToEditorGraph,
  type EditorEdge,
  type EditorGraph,
  type EditorNode,
  edgeKey,
  type FlowFragment,
  type FlowMeta,
  fragmentOf,
  isNoteNode,
  isTaskNode,
  newNoteNode,
  placeFragment,
  renameTemplateReferences,
  type StickyNote,
  type TaskCanvasNode,
  toEditorEdge,
  uniqueNodeId,
} from './editor-graph';

/** A task's state in the run shown on the canvas. */
export interface TaskRunView {
  state: TaskRunState;
  attempt: number;
  cached: boolean;
  reason: string | null;
}

export interface EditorNotice {
  id: number;
  tone: 'error' | 'info';
  text: string;
}

type Snapshot = Pick<EditorGraph, 'nodes' | 'edges' | 'meta' | 'unplaced'> & { revision: number };

export type ConnectResult = { ok: true } | { ok: false; reason: string };

/**
 * What is drawn over the graph but is not the graph: validation issues and
 * the shown run's task states. A store of its own, so the 60 updates a
 * second of a drag do not wake every node's issue and run-state reads.
 */
export interface EditorOverlay {
  /** Issues from the last validation, by node id; the rest (edges, document) apart. */
  issuesByNode: ReadonlyMap<string, DocumentIssue[]>;
  otherIssues: DocumentIssue[];
  runView: ReadonlyMap<string, TaskRunView> | null;
}

export interface EditorState extends EditorGraph {
  /** Bumped by every edit; undo and redo restore the revision of the state they bring back. */
  revision: number;
  savedRevision: number;
  past: Snapshot[];
  future: Snapshot[];
  overlay: StoreApi<EditorOverlay>;
  notice: EditorNotice | null;

  onNodesChange(changes: NodeChange<EditorNode>[]): void;
  onEdgesChange(changes: EdgeChange<EditorEdge>[]): void;
  /** Before a drag or resize: one undo step for the whole gesture. */
  checkpoint(movedIds?: readonly string[]): void;
  canConnect(connection: Connection): ConnectResult;
  connect(connection: Connection): ConnectResult;
  addTask(type: { type: string; defaults: unknown }, position: { x: number; y: number }): string;
  addNote(position: { x: number; y: number }): void;
  deleteSelection(): void;
  deleteNode(id: string): void;
  updateTask(id: string, update: (node: FlowNode) => FlowNode, coalesceKey?: string): void;
  /** Renames a task id; edges and `{{ nodes.… }}` references follow. Returns a problem, or null. */
  renameTask(id: string, nextId: string): string | null;
  updateNote(id: string, text: string): void;
  updateMeta(update: (meta: FlowMeta) => FlowMeta, coalesceKey?: string): void;
  copySelection(): FlowFragment | null;
  paste(fragment: FlowFragment, at: { x: number; y: number }): void;
  duplicateSelection(): void;
  applyLayout(positions: ReadonlyMap<string, { x: number; y: number }>): void;
  selectAll(): void;
  select(id: string | null): void;
  undo(): void;
  redo(): void;
  markSaved(revision: number): void;
  setIssues(issues: readonly DocumentIssue[]): void;
  /** The run shown on the canvas, by node id; null hides run state. */
  setRunView(tasks: ReadonlyMap<string, TaskRunView> | null): void;
  notify(tone: EditorNotice['tone'], text: string): void;
  dismissNotice(): void;
}

const HISTORY_LIMIT = 200;
/** Keystrokes in one field within this window are one undo step. */
const COALESCE_MS = 1200;

let revisionCounter = 0;
let noticeCounter = 0;

export function createEditorStore(document: FlowDocument): StoreApi<EditorState> {
  const initialRevision = ++revisionCounter;
  let lastCommit: { key: string; at: number } | null = null;

  const overlay = createStore<EditorOverlay>()(() => ({
    issuesByNode: new Map(),
    otherIssues: [],
    runView: null,
  }));

  return createStore<EditorState>()((set, get) => {
    const snapshot = (): Snapshot => {
      const { nodes, edges, meta, unplaced, revision } = get();
      return { nodes, edges, meta, unplaced, revision };
    };

    /** Records the current state for undo, then applies `next` as a new revision. */
    const commit = (next: Partial<EditorState>, coalesceKey?: string) => {
      const now = Date.now();
      const coalesce =
        coalesceKey !== undefined &&
        lastCommit?.key === coalesceKey &&
        now - lastCommit.at < COALESCE_MS;
      lastCommit = coalesceKey !== undefined ? { key: coalesceKey, at: now } : null;
      if (coalesce) {
        set({ ...next, revision: ++revisionCounter, future: [] });
        return;
      }
      set({
        ...next,
        past: [...get().past.slice(-(HISTORY_LIMIT - 1)), snapshot()],
        future: [],
        revision: ++revisionCounter,
      });
    };

    const restore = (target: Snapshot) => {
      const current = new Map(get().nodes.map((n) => [n.id, n]));
      // Keep what the canvas measured so restored nodes do not flicker while re-measured.
      const nodes = target.nodes.map((n) => {
        const now = current.get(n.id);
        const restored = { ...n, selected: false, dragging: false };
        return now?.measured ? { ...restored, measured: now.measured } : restored;
      }) as EditorNode[];
      set({
        nodes,
        edges: target.edges.map((e) => ({ ...e, selected: false })),
        meta: target.meta,
        unplaced: target.unplaced,
        revision: target.revision,
      });
    };

    const taskIds = () =>
      new Set(
        get()
          .nodes.filter(isTaskNode)
          .map((n) => n.id),
      );
    const deselected = (nodes: EditorNode[]) =>
      nodes.map((n) => (n.selected ? { ...n, selected: false } : n)) as EditorNode[];

    const connectionProblem = (connection: Connection): string | null => {
      const { source, target } = connection;
      if (!source || !target) return 'pick a task to connect to';
      if (source === target) return 'a task cannot depend on itself';
      const nodes = get().nodes;
      if (!nodes.some((n) => n.id === source && isTaskNode(n))) return 'notes cannot be connected';
      if (!nodes.some((n) => n.id === target && isTaskNode(n))) return 'notes cannot be connected';
      const edges = get().edges;
      if (edges.some((e) => edgeKey(e) === edgeKey(connection)))
        return 'they are already connected';
      const cycle = wouldCreateCycle(edges, source, target);
      if (cycle) return `it would create a cycle: ${cycle.join(' → ')}`;
      return null;
    };

    return {
      ...documentToEditorGraph(document),
      revision: initialRevision,
      savedRevision: initialRevision,
      past: [],
      future: [],
      overlay,
      notice: null,

      onNodesChange(changes) {
        // Removal goes through deleteSelection (one undo step); RF never removes on its own.
        const kept = changes.filter((c) => c.type !== 'remove' && c.type !== 'add');
        if (kept.length > 0) set({ nodes: applyNodeChanges(kept, get().nodes) });
      },

      onEdgesChange(changes) {
        const kept = changes.filter((c) => c.type === 'select');
        if (kept.length > 0) set({ edges: applyEdgeChanges(kept, get().edges) });
      },

      checkpoint(movedIds) {
        const unplaced = new Set(get().unplaced);
        for (const id of movedIds ?? []) unplaced.delete(id);
        commit({ unplaced });
      },

      canConnect(connection) {
        const problem = connectionProblem(connection);
        return problem ? { ok: false, reason: problem } : { ok: true };
      },

      connect(connection) {
        const problem = connectionProblem(connection);
        if (problem) return { ok: false, reason: problem };
        const edge = toEditorEdge({
          source: connection.source,
          target: connection.target,
          ...(connection.sourceHandle ? { sourceHandle: connection.sourceHandle } : {}),
        });
        commit({ edges: [...get().edges, edge] });
        return { ok: true };
      },

      addTask(type, position) {
        const id = uniqueNodeId(type.type, taskIds());
        const rounded = { x: Math.round(position.x), y: Math.round(position.y) };
        const defaults =
          typeof type.defaults === 'object' && type.defaults !== null
            ? structuredClone(type.defaults as Record<string, unknown>)
            : {};
        const node: TaskCanvasNode = {
          id,
          type: 'task',
          position: rounded,
          selected: true,
          data: { node: { id, type: type.type, position: rounded, config: defaults } },
        };
        commit({ nodes: [...deselected(get().nodes), node] });
        return id;
      },

      addNote(position) {
        const noteIds = new Set(
          get()
            .nodes.filter(isNoteNode)
            .map((n) => n.data.note.id),
        );
        commit({ nodes: [...deselected(get().nodes), newNoteNode(position, noteIds)] });
      },

      deleteSelection() {
        const { nodes, edges } = get();
        const removed = new Set(nodes.filter((n) => n.selected).map((n) => n.id));
        const keptEdges = edges.filter(
          (e) => !e.selected && !removed.has(e.source) && !removed.has(e.target),
        );
        if (removed.size === 0 && keptEdges.length === edges.length) return;
        const unplaced = new Set([...get().unplaced].filter((id) => !removed.has(id)));
        commit({ nodes: nodes.filter((n) => !removed.has(n.id)), edges: keptEdges, unplaced });
      },

      deleteNode(id) {
        const { nodes, edges } = get();
        commit({
          nodes: nodes.filter((n) => n.id !== id),
          edges: edges.filter((e) => e.source !== id && e.target !== id),
        });
      },

      updateTask(id, update, coalesceKey) {
        const nodes = get().nodes.map((n) =>
          n.id === id && isTaskNode(n) ? { ...n, data: { node: update(n.data.node) } } : n,
        ) as EditorNode[];
        commit({ nodes }, coalesceKey);
      },

      renameTask(id, nextId) {
        if (nextId === id) return null;
        if (!/^[A-Za-z0-9][A-Za-z0-9_-]{0,63}$/.test(nextId)) {
          return 'must be 1-64 letters, digits, "-" or "_", starting with a letter or digit';
        }
        if (taskIds().has(nextId)) return `a task with id "${nextId}" already exists`;
        const renamed = new Map([[id, nextId]]);
        const nodes = get().nodes.map((n) => {
          if (!isTaskNode(n)) return n;
          const node = n.data.node;
          const config = node.config
            ? (renameTemplateReferences(node.config, renamed) as Record<string, unknown>)
            : undefined;
          if (n.id === id) {
            return {
              ...n,
              id: nextId,
              data: { node: { ...node, id: nextId, ...(config ? { config } : {}) } },
            };
          }
          return config && config !== node.config
            ? { ...n, data: { node: { ...node, config } } }
            : n;
        }) as EditorNode[];
        const edges = get().edges.map((e) =>
          e.source === id || e.target === id
            ? toEditorEdge({
                ...(e.data?.edge ?? { source: e.source, target: e.target }),
                source: e.source === id ? nextId : e.source,
                target: e.target === id ? nextId : e.target,
                ...(e.sourceHandle ? { sourceHandle: e.sourceHandle } : {}),
              })
            : e,
        );
        const unplaced = new Set([...get().unplaced].map((u) => (u === id ? nextId : u)));
        commit({ nodes, edges, unplaced });
        return null;
      },

      updateNote(id, text) {
        const nodes = get().nodes.map((n) =>
          n.id === id && isNoteNode(n) ? { ...n, data: { note: { ...n.data.note, text } } } : n,
        ) as EditorNode[];
        commit({ nodes }, `note:${id}`);
      },

      updateMeta(update, coalesceKey) {
        commit({ meta: update(get().meta) }, coalesceKey);
      },

      copySelection() {
        const state = get();
        const selected = new Set(state.nodes.filter((n) => n.selected).map((n) => n.id));
        if (selected.size === 0) return null;
        return fragmentOf(state, selected);
      },

      paste(fragment, at) {
        const { nodes: added, edges: addedEdges } = placeFragment(fragment, taskIds(), at);
        if (added.length === 0) return;
        commit({
          nodes: [...deselected(get().nodes), ...added],
          edges: [
            ...get().edges.map((e) => (e.selected ? { ...e, selected: false } : e)),
            ...addedEdges,
          ],
        });
      },

      duplicateSelection() {
        const fragment = get().copySelection();
        if (!fragment) return;
        const points = [
          ...fragment.nodes.map((n) => n.position ?? { x: 0, y: 0 }),
          ...(fragment.notes ?? []).map((n) => n.position),
        ];
        get().paste(fragment, {
          x: Math.min(...points.map((p) => p.x)) + 40,
          y: Math.min(...points.map((p) => p.y)) + 40,
        });
      },

      applyLayout(positions) {
        const nodes = get().nodes.map((n) => {
          const p = positions.get(n.id);
          return p ? { ...n, position: p } : n;
        }) as EditorNode[];
        commit({ nodes, unplaced: new Set() });
      },

      selectAll() {
        set({
          nodes: get().nodes.map((n) =>
            n.selected ? n : { ...n, selected: true },
          ) as EditorNode[],
        });
      },

      select(id) {
        set({
          nodes: get().nodes.map((n) =>
            (n.id === id) === Boolean(n.selected) ? n : { ...n, selected: n.id === id },
          ) as EditorNode[],
          edges: get().edges.map((e) => (e.selected ? { ...e, selected: false } : e)),
        });
      },

      undo() {
        const { past, future } = get();
        const previous = past.at(-1);
        if (!previous) return;
        lastCommit = null;
        const current = snapshot();
        restore(previous);
        set({ past: past.slice(0, -1), future: [...future, current] });
      },

      redo() {
        const { past, future } = get();
        const next = future.at(-1);
        if (!next) return;
        lastCommit = null;
        const current = snapshot();
        restore(next);
        set({ past: [...past, current], future: future.slice(0, -1) });
      },

      markSaved(revision) {
        set({ savedRevision: revision });
      },

      setIssues(issues) {
        const byNode = new Map<string, DocumentIssue[]>();
        const other: DocumentIssue[] = [];
        for (const issue of issues) {
          if (issue.nodeId === undefined) other.push(issue);
          else byNode.set(issue.nodeId, [...(byNode.get(issue.nodeId) ?? []), issue]);
        }
        // Keep each node's old array when nothing changed, so its node does not re-render.
        const previous = overlay.getState().issuesByNode;
        for (const [id, list] of byNode) {
          const old = previous.get(id);
          if (old && JSON.stringify(old) === JSON.stringify(list)) byNode.set(id, old);
        }
        overlay.setState({ issuesByNode: byNode, otherIssues: other });
      },

      setRunView(tasks) {
        if (!tasks) {
          overlay.setState({ runView: null });
          return;
        }
        // Keep each unchanged task's object, so only nodes whose state moved re-render.
        const previous = overlay.getState().runView;
        const next = new Map<string, TaskRunView>();
        for (const [id, task] of tasks) {
          const old = previous?.get(id);
          const same =
            old &&
            old.state === task.state &&
            old.attempt === task.attempt &&
            old.cached === task.cached &&
            old.reason === task.reason;
          next.set(id, same ? old : task);
        }
        overlay.setState({ runView: next });
      },

      notify(tone, text) {
        set({ notice: { id: ++noticeCounter, tone, text } });
      },

      dismissNotice() {
        set({ notice: null });
      },
    };
  });
}

export type EditorStore = StoreApi<EditorState>;

const EditorStoreContext = createContext<EditorStore | null>(null);

/** One store per canvas, made once from the document the editor opened. */
export function EditorStoreProvider({
  document,
  children,
}: {
  document: FlowDocument;
  children: ReactNode;
}) {
  const [store] = useState(() => createEditorStore(document));
  return <EditorStoreContext.Provider value={store}>{children}</EditorStoreContext.Provider>;
}

export function useEditorStoreApi(): EditorStore {
  const store = useContext(EditorStoreContext);
  if (!store) throw new Error('useEditorStore must be used inside <EditorStoreProvider>');
  return store;
}

/** Reads a slice of the editor state; keep selectors narrow so only what changed re-renders. */
export function useEditorStore<T>(selector: (state: EditorState) => T): T {
  return useStore(useEditorStoreApi(), selector);
}

/** Reads validation issues or run states; these change rarely, unlike the graph during a drag. */
export function useEditorOverlay<T>(selector: (overlay: EditorOverlay) => T): T {
  return useStore(useEditorStoreApi().getState().overlay, selector);
}

export type { StickyNote };
