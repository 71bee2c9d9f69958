import type { BrowserContext, Page } from 'playwright-core';

/**
 * Counts React work in a page of the production build, where the Profiler
 * API is compiled out: an init script stands in for the React DevTools hook
 * (`__REACT_DEVTOOLS_GLOBAL_HOOK__`, which React calls after every commit
 * in every build) and, while counting is on, records
 * - the canvas components that rendered in each commit, recognised by the
 *   props React Flow gives them (names are minified): custom node
 *   components, React Flow's node and edge wrappers, the zoomed-out edge
 *   layer's lines, and our task cards;
 * - every update of the zustand stores provided through React context: React
 *   Flow's (with the names of the fields each update changed) and the
 *   editor's.
 * A render is a fiber React marked as having performed work in that commit,
 * the way React DevTools decides it; bailed-out subtrees are not visited.
 *
 * Counts, not times: they say the same on a loaded machine.
 */
export interface RenderCounts {
  commits: number;
  /** Custom node components (props with `positionAbsoluteX` and `data`). */
  nodeComponents: number;
  /** React Flow's NodeWrapper, one per node element (it moves the element). */
  nodeWrappers: number;
  /** React Flow's EdgeWrapper, one per edge element. */
  edgeWrappers: number;
  /** Lines of the zoomed-out edge layer (block-edges.tsx: props `d`, `source`, `target`). */
  blockEdgeLines: number;
  /** `TaskNodeCard`s (props with `nodeId` and `policies`). */
  taskCards: number;
  /** React Flow store updates: total, and how many changed `nodes`. */
  reactFlowUpdates: number;
  reactFlowNodesUpdates: number;
  /** Fields changed by React Flow store updates that did not change `nodes`. */
  reactFlowOtherFields: string[];
  editorStoreUpdates: number;
  /** Whether both stores were found (a probe that sees nothing must not pass). */
  storesFound: { reactFlow: boolean; editor: boolean };
}

const PROBE_SCRIPT = `(() => {
  const zero = () => ({
    commits: 0, nodeComponents: 0, nodeWrappers: 0, edgeWrappers: 0, blockEdgeLines: 0, taskCards: 0,
    reactFlowUpdates: 0, reactFlowNodesUpdates: 0, reactFlowOtherFields: [], editorStoreUpdates: 0,
    storesFound: { reactFlow: false, editor: false },
  });
  const probe = { counting: window.__renderProbeFromStart === true, counts: zero(), zero, stores: new Set() };
  window.__renderProbe = probe;
  // Function, class, forwardRef and simple-memo fibers; a memo-with-compare
  // fiber (14) renders through its inner function fiber, counted instead.
  const isComponent = (f) => f.tag === 0 || f.tag === 1 || f.tag === 11 || f.tag === 15;
  const PERFORMED_WORK = 1;
  const classify = (f) => {
    const p = f.memoizedProps;
    if (!p || typeof p !== 'object') return;
    const c = probe.counts;
    if ('positionAbsoluteX' in p && 'data' in p) c.nodeComponents++;
    else if ('id' in p && 'nodeTypes' in p && 'nodeExtent' in p) c.nodeWrappers++;
    else if ('id' in p && 'edgeTypes' in p && 'edgesFocusable' in p) c.edgeWrappers++;
    else if ('d' in p && 'source' in p && 'target' in p) c.blockEdgeLines++;
    else if ('nodeId' in p && 'policies' in p) c.taskCards++;
  };
  const mounted = (f) => {
    for (let c = f; c; c = c.sibling) {
      if (isComponent(c)) classify(c);
      if (c.child) mounted(c.child);
    }
  };
  const visit = (f) => {
    const previous = f.alternate;
    if (!previous) {
      if (isComponent(f)) classify(f);
      if (f.child) mounted(f.child);
      return;
    }
    if (isComponent(f) && (f.flags & PERFORMED_WORK) !== 0) classify(f);
    if (f.child !== previous.child) for (let c = f.child; c; c = c.sibling) visit(c);
  };
  const watchStores = (f) => {
    for (let c = f; c; c = c.sibling) {
      const value = c.tag === 10 && c.memoizedProps ? c.memoizedProps.value : undefined;
      if (value && !probe.stores.has(value)) {
        let state;
        try {
          if (typeof value.getState === 'function' && typeof value.subscribe === 'function') state = value.getState();
        } catch {}
        const kind = state && typeof state === 'object'
          ? state.nodeLookup ? 'reactFlow' : state.onNodesChange && state.overlay ? 'editor' : undefined
          : undefined;
        if (kind) {
          probe.stores.add(value);
          probe.counts.storesFound[kind] = true;
          value.subscribe((next, previous) => {
            if (!probe.counting) return;
            const c = probe.counts;
            if (kind === 'editor') { c.editorStoreUpdates++; return; }
            c.reactFlowUpdates++;
            if (next.nodes !== previous.nodes) c.reactFlowNodesUpdates++;
            else for (const key of Object.keys(next))
              if (next[key] !== previous[key] && !c.reactFlowOtherFields.includes(key)) c.reactFlowOtherFields.push(key);
          });
        }
      }
      if (c.child) watchStores(c.child);
    }
  };
  let renderers = 0;
  window.__REACT_DEVTOOLS_GLOBAL_HOOK__ = {
    supportsFiber: true,
    isDisabled: false,
    renderers: new Map(),
    inject(renderer) { this.renderers.set(++renderers, renderer); return renderers; },
    checkDCE() {},
    onScheduleFiberRoot() {},
    onCommitFiberUnmount() {},
    onPostCommitFiberRoot() {},
    setStrictMode() {},
    onCommitFiberRoot(_id, root) {
      const found = probe.counts.storesFound;
      if (!found.reactFlow || !found.editor) watchStores(root.current);
      if (!probe.counting) return;
      probe.counts.commits++;
      if (root.current.child) visit(root.current.child);
    },
  };
})()`;

/**
 * Installs the probe in every page of `context` opened after this call.
 * With `countFromStart`, each page counts from its first commit (what
 * loading it renders) until `stopCounting` or `startCounting`.
 */
export async function installRenderProbe(
  context: BrowserContext,
  { countFromStart = false }: { countFromStart?: boolean } = {},
): Promise<void> {
  await context.addInitScript(
    `${countFromStart ? 'window.__renderProbeFromStart = true;' : ''}${PROBE_SCRIPT}`,
  );
}

/** Zeroes the counts and starts counting. */
export async function startCounting(page: Page): Promise<void> {
  await page.evaluate(`(() => {
    const p = window.__renderProbe;
    if (!p) throw new Error('the render probe is not installed in this page');
    const found = p.counts.storesFound;
    p.counts = { ...p.zero(), storesFound: found };
    p.counting = true;
  })()`);
}

/** Stops counting and returns what was counted since `startCounting`. */
export async function stopCounting(page: Page): Promise<RenderCounts> {
  return (await page.evaluate(
    '(() => { const p = window.__renderProbe; p.counting = false; return p.counts; })()',
  )) as RenderCounts;
}
