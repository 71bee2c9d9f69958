import { isSuccessfulTaskState, isTerminalTaskState, type TaskRunState } from './states';

/** The part of a flow document that planning reads. A FlowDocument fits as is. */
export interface PlanGraph {
  nodes: readonly { id: string; type: string }[];
  edges: readonly { source: string; target: string; sourceHandle?: string }[];
}

export interface PlanTaskState {
  state: TaskRunState;
  /** for a completed branch node: the handle it took */
  branch?: string;
}

export interface PlanResult {
  /** Pending nodes whose every upstream succeeded on the side that leads here. */
  ready: string[];
  /** Pending nodes that can never run, each with the reason shown on the run page. */
  skip: { nodeId: string; reason: string }[];
}

type PlanEdge = PlanGraph['edges'][number];

interface GraphIndex {
  /** Incoming edges per node id, in edge order. */
  incoming: Map<string, PlanEdge[]>;
  outgoing: Map<string, PlanEdge[]>;
  /** Position of each node in the document, for document-ordered output. */
  position: Map<string, number>;
}

function indexGraph(graph: PlanGraph): GraphIndex {
  const incoming = new Map<string, PlanEdge[]>();
  const outgoing = new Map<string, PlanEdge[]>();
  const position = new Map<string, number>();
  graph.nodes.forEach((node, i) => {
    incoming.set(node.id, []);
    outgoing.set(node.id, []);
    position.set(node.id, i);
  });
  for (const edge of graph.edges) {
    // Validation rejects dangling edges; ignoring one here keeps a bad row
    // from blocking every other node of the run.
    if (!position.has(edge.source) || !position.has(edge.target)) continue;
    incoming.get(edge.target)!.push(edge);
    outgoing.get(edge.source)!.push(edge);
  }
  return { incoming, outgoing, position };
}

/** Node ids in topological order (Kahn), ties broken by document order. Nodes on a cycle are left out. */
function topologicalOrder(graph: PlanGraph, index: GraphIndex): string[] {
  const remaining = new Map<string, number>();
  const order: string[] = [];
  for (const node of graph.nodes) {
    const count = index.incoming.get(node.id)!.length;
    remaining.set(node.id, count);
    if (count === 0) order.push(node.id);
  }
  // `order` doubles as the queue: everything before `head` has been expanded.
  for (let head = 0; head < order.length; head++) {
    for (const edge of index.outgoing.get(order[head]!)!) {
      const left = remaining.get(edge.target)! - 1;
      remaining.set(edge.target, left);
      if (left === 0) order.push(edge.target);
    }
  }
  return order;
}

function unsuccessfulReason(upstream: string, state: TaskRunState): string {
  switch (state) {
    case 'timedout':
      return `upstream "${upstream}" timed out`;
    case 'skipped':
      return `upstream "${upstream}" was skipped`;
    case 'cancelled':
      return `upstream "${upstream}" was cancelled`;
    default:
      return `upstream "${upstream}" failed`;
  }
}

const PENDING: PlanTaskState = { state: 'pending' };

/**
 * Decides, after any state change, which pending tasks can start and which can
 * never run. A task is ready when every incoming edge is satisfied: its
 * upstream is Completed or Cached and, for an edge leaving a branch, the
 * branch took that edge's side. A task is skipped as soon as one incoming edge
 * can never be satisfied, even while other upstreams still run, so the run
 * page says so at once. Skips cascade within this one call (a skip decided
 * here counts as Skipped for everything below it), so the caller never has to
 * loop. A node without a state is treated as pending.
 *
 * O(nodes + edges): one index, one topological pass.
 */
export function planNext(graph: PlanGraph, states: ReadonlyMap<string, PlanTaskState>): PlanResult {
  const index = indexGraph(graph);
  const skippedNow = new Map<string, string>();
  const readyNow = new Set<string>();
  const stateOf = (id: string): PlanTaskState =>
    skippedNow.has(id) ? { state: 'skipped' } : (states.get(id) ?? PENDING);

  for (const id of topologicalOrder(graph, index)) {
    if ((states.get(id) ?? PENDING).state !== 'pending') continue;
    let allSatisfied = true;
    let skipReason: string | undefined;
    for (const edge of index.incoming.get(id)!) {
      const upstream = stateOf(edge.source);
      if (!isTerminalTaskState(upstream.state)) {
        allSatisfied = false;
      } else if (!isSuccessfulTaskState(upstream.state)) {
        skipReason = unsuccessfulReason(edge.source, upstream.state);
        break;
      } else if (edge.sourceHandle !== undefined && upstream.branch !== edge.sourceHandle) {
        skipReason =
          upstream.branch === undefined
            ? `branch "${edge.source}" took no side`
            : `branch "${edge.source}" took the ${upstream.branch} side`;
        break;
      }
    }
    if (skipReason !== undefined) skippedNow.set(id, skipReason);
    else if (allSatisfied) readyNow.add(id);
  }

  const ready: string[] = [];
  const skip: PlanResult['skip'] = [];
  for (const node of graph.nodes) {
    if (readyNow.has(node.id)) ready.push(node.id);
    const reason = skippedNow.get(node.id);
    if (reason !== undefined) skip.push({ nodeId: node.id, reason });
  }
  return { ready, skip };
}

export interface FlowOutcome {
  /** Every task is in a terminal state. */
  done: boolean;
  state?: 'completed' | 'failed' | 'cancelled';
  reason?: string;
}

/**
 * The state a flow run ends in once all its tasks are terminal. Skips alone
 * (the untaken side of a branch) still make a completed run; a skip caused by
 * a failure is accounted for by the failure itself.
 */
export function flowOutcome(
  graph: PlanGraph,
  states: ReadonlyMap<string, PlanTaskState>,
): FlowOutcome {
  let firstFailed: { id: string; state: TaskRunState } | undefined;
  let firstCancelled: string | undefined;
  for (const node of graph.nodes) {
    const state = (states.get(node.id) ?? PENDING).state;
    if (!isTerminalTaskState(state)) return { done: false };
    if ((state === 'failed' || state === 'timedout') && firstFailed === undefined) {
      firstFailed = { id: node.id, state };
    }
    if (state === 'cancelled' && firstCancelled === undefined) firstCancelled = node.id;
  }
  if (firstFailed) {
    const verb = firstFailed.state === 'timedout' ? 'timed out' : 'failed';
    return { done: true, state: 'failed', reason: `task "${firstFailed.id}" ${verb}` };
  }
  if (firstCancelled !== undefined) {
    return { done: true, state: 'cancelled', reason: `task "${firstCancelled}" was cancelled` };
  }
  return { done: true, state: 'completed' };
}

function reachable(graph: PlanGraph, nodeId: string, direction: 'down' | 'up'): string[] {
  const index = indexGraph(graph);
  const edgesOf = direction === 'down' ? index.outgoing : index.incoming;
  const seen = new Set<string>([nodeId]);
  const queue = [nodeId];
  for (let head = 0; head < queue.length; head++) {
    for (const edge of edgesOf.get(queue[head]!) ?? []) {
      const next = direction === 'down' ? edge.target : edge.source;
      if (!seen.has(next)) {
        seen.add(next);
        queue.push(next);
      }
    }
  }
  seen.delete(nodeId);
  return graph.nodes.map((n) => n.id).filter((id) => seen.has(id));
}

/** Every node that (transitively) depends on `nodeId`, in document order, without it. */
export function downstreamOf(graph: PlanGraph, nodeId: string): string[] {
  return reachable(graph, nodeId, 'down');
}

/** Every node `nodeId` (transitively) depends on, in document order, without it. */
export function upstreamOf(graph: PlanGraph, nodeId: string): string[] {
  return reachable(graph, nodeId, 'up');
}
