'use client';

import {
  Background,
  BackgroundVariant,
  type NodeHandle,
  Position,
  type Viewport,
} from '@xyflow/react';
import {
  createContext,
  type RefObject,
  useCallback,
  useLayoutEffect,
  useRef,
  useState,
} from 'react';
import { cn } from '@/app/_lib/cn';
import type { TaskRunState } from '@/server/engine/states';

/*
 * Level of detail, shared by the editor, the run page and the read-only
 * canvas of an older version. Zoomed far out (a
 * 500-node flow fitted to the screen) a card's text is unreadable, and its
 * DOM is most of what a big canvas costs to mount and to pan: a task is then
 * drawn as one block, coloured by what matters at that distance (its run
 * state, or that it is invalid), with anchors where its edges attach; the
 * edges themselves are then one layer under the blocks (block-edges.tsx).
 */

/** Below this zoom text is unreadable: task nodes are drawn as blocks. */
export const DETAIL_ZOOM = 0.45;
/**
 * From this many nodes a canvas opens at a viewport computed from the node
 * positions (fitViewport), so its first render already knows whether it is
 * zoomed out and mounts blocks, not cards it would throw away.
 */
export const BIG_GRAPH = 300;
/** A card's size on the canvas (w-60, and about its height), for fitViewport. */
const CARD = { width: 240, height: 96 };

/** Whether the canvas is zoomed out past reading: task nodes are drawn as blocks. */
export const ZoomedOutContext = createContext(false);

type Positioned = { position: { x: number; y: number } };

/**
 * The viewport a canvas opens at, decided once, before its first paint:
 * for a graph of more than BIG_GRAPH nodes, one that shows them all in the
 * frame (fitViewport); null for a smaller one, which React Flow fits after
 * measuring it; undefined until the frame has been measured, when the
 * caller renders only the frame. Later nodes (edits) never move it.
 */
export function useOpeningViewport(
  frame: RefObject<HTMLElement | null>,
  nodesAtOpening: () => readonly Positioned[],
): Viewport | null | undefined {
  const [opening, setOpening] = useState<Viewport | null | undefined>(undefined);
  // biome-ignore lint/correctness/useExhaustiveDependencies: decided once, at mount
  useLayoutEffect(() => {
    const element = frame.current;
    const nodes = nodesAtOpening();
    setOpening(
      element && nodes.length > BIG_GRAPH
        ? fitViewport(nodes, { width: element.clientWidth, height: element.clientHeight })
        : null,
    );
  }, []);
  return opening;
}

/** Whether a canvas opening at this viewport draws blocks (null: fitted later, a small graph). */
export function opensZoomedOut(opening: Viewport | null | undefined) {
  return opening ? opening.zoom < DETAIL_ZOOM : false;
}

/**
 * Whether a canvas draws blocks: the opening viewport decides until React
 * Flow reports its zoom, then each crossing of DETAIL_ZOOM flips it. A
 * boolean state, so zooming re-renders the canvas only when it crosses the
 * threshold. Give `onInit` and `onMove` to the <ReactFlow>.
 */
export function useZoomedOut(opening: Viewport | null | undefined) {
  const [reported, setReported] = useState<boolean | null>(null);
  // Checked here, not left to React's bail-out on an equal state: a pan
  // reports 60 moves a second, and none of them may re-render the canvas.
  const last = useRef<boolean | null>(null);
  const report = useCallback((zoom: number) => {
    const out = zoom < DETAIL_ZOOM;
    if (last.current === out) return;
    last.current = out;
    setReported(out);
  }, []);
  const onInit = useCallback((flow: { getZoom(): number }) => report(flow.getZoom()), [report]);
  const onMove = useCallback((_: unknown, viewport: Viewport) => report(viewport.zoom), [report]);
  const zoomedOut = reported ?? opensZoomedOut(opening);
  return { zoomedOut, onInit, onMove };
}

/** The viewport that shows every node with a margin (what fitView would give, without measuring). */
function fitViewport(nodes: readonly Positioned[], size: { width: number; height: number }) {
  let [minX, minY, maxX, maxY] = [
    Number.POSITIVE_INFINITY,
    Number.POSITIVE_INFINITY,
    Number.NEGATIVE_INFINITY,
    Number.NEGATIVE_INFINITY,
  ];
  for (const { position } of nodes) {
    minX = Math.min(minX, position.x);
    minY = Math.min(minY, position.y);
    maxX = Math.max(maxX, position.x + CARD.width);
    maxY = Math.max(maxY, position.y + CARD.height);
  }
  const margin = 1.1;
  const zoom = Math.min(
    1.1,
    Math.max(
      0.05,
      Math.min(size.width / ((maxX - minX) * margin), size.height / ((maxY - minY) * margin)),
    ),
  );
  return {
    zoom,
    x: size.width / 2 - ((minX + maxX) / 2) * zoom,
    y: size.height / 2 - ((minY + maxY) / 2) * zoom,
  };
}

/**
 * The canvas's dot grid, one dot per grid point; zoomed out, one per fifth
 * grid point. At a 500-node flow's zoom a dot every 20 units is a dot
 * every 3 pixels, a grey haze that was half of what each frame of a pan
 * cost to rasterize without a GPU.
 */
export function CanvasDots({
  zoomedOut,
  gap = 20,
  size = 1.2,
  color = '#cbd5e1',
}: {
  zoomedOut: boolean;
  gap?: number;
  size?: number;
  color?: string;
}) {
  return (
    <Background
      variant={BackgroundVariant.Dots}
      gap={zoomedOut ? gap * 5 : gap}
      size={size}
      color={color}
    />
  );
}

/** A block's colours by the task's run state. */
export const blockColours: Partial<Record<TaskRunState, string>> = {
  running: 'border-sky-400 bg-sky-100',
  retrying: 'border-amber-400 bg-amber-100',
  completed: 'border-emerald-400 bg-emerald-100',
  cached: 'border-teal-400 bg-teal-100',
  failed: 'border-red-400 bg-red-100',
  timedout: 'border-red-400 bg-red-100',
  skipped: 'border-slate-200 bg-slate-50 opacity-60',
  cancelled: 'border-slate-300 bg-slate-100',
};
export const INVALID_BLOCK = 'border-red-400 bg-red-100';
export const UNKNOWN_TYPE_BLOCK = 'border-amber-300 bg-amber-50';
const PLAIN_BLOCK = 'border-indigo-300 bg-indigo-50';

/**
 * A block's box (NodeBlock's `w-60 h-20 border-4`) and a handle's size
 * (globals.css): where the edges of a zoomed-out canvas attach, computed
 * instead of measured (block-edges.tsx).
 */
const BLOCK = { width: 240, height: 80, border: 4 };
const HANDLE_SIZE = 9;

/** Where a handle's `top` sits on a block: one output in the middle, several spread evenly. */
function handleFraction(index: number, count: number) {
  return count <= 1 ? 0.5 : (index + 1) / (count + 1);
}

/**
 * A handle's box on a block, relative to the block: the target on the left
 * side, halfway down; output `index` of `count` on the right side (as
 * NodeBlock places them, centred on the inner edge of the border).
 */
function handleBox(type: 'source' | 'target', index = 0, count = 0) {
  const half = HANDLE_SIZE / 2;
  const inner = BLOCK.height - 2 * BLOCK.border;
  return type === 'target'
    ? { x: BLOCK.border - half, y: BLOCK.height / 2 - half }
    : {
        x: BLOCK.width - BLOCK.border - half,
        y: BLOCK.border + inner * handleFraction(index, count) - half,
      };
}

/**
 * Where an edge meets a block, in canvas coordinates: the outer side of the
 * handle, halfway down it, as React Flow attaches an edge to a measured
 * handle. As in React Flow, an edge with no source handle leaves from the
 * first output, and one naming a handle the block lacks is not drawn (null).
 */
export function blockAnchor(
  position: { x: number; y: number },
  side: 'source' | 'target',
  outputs: readonly string[] = [],
  handle?: string | null,
): { x: number; y: number } | null {
  const index = side === 'source' && handle ? outputs.indexOf(handle) : 0;
  if (index < 0) return null;
  const box = handleBox(side, index, outputs.length);
  return {
    x: position.x + box.x + (side === 'source' ? HANDLE_SIZE : 0),
    y: position.y + box.y + HANDLE_SIZE / 2,
  };
}

/**
 * A block as React Flow would measure it: its size and its handles' boxes,
 * relative to the block. Given on a node (`measured`, `handles`), React
 * Flow draws it at once and, when its ResizeObserver reports the size it
 * was given, has nothing to update: without them, measuring 500 blocks
 * re-rendered every node's wrapper, most of a big canvas's second task
 * before its first paint.
 */
export function blockMeasures(outputs: readonly string[]): {
  measured: { width: number; height: number };
  handles: NodeHandle[];
} {
  const size = { width: HANDLE_SIZE, height: HANDLE_SIZE };
  const target: NodeHandle = {
    id: null,
    type: 'target',
    position: Position.Left,
    ...handleBox('target'),
    ...size,
  };
  const sources = (outputs.length > 0 ? outputs : [null]).map(
    (id, i): NodeHandle => ({
      id,
      type: 'source',
      position: Position.Right,
      ...handleBox('source', i, outputs.length),
      ...size,
    }),
  );
  return { measured: { width: BLOCK.width, height: BLOCK.height }, handles: [target, ...sources] };
}

/**
 * A task too small to read: one block, with the card's handles as anchors
 * so its edges still attach. Blocks cost a tenth of the cards' DOM.
 */
export function NodeBlock({
  title,
  colours,
  outputs,
  selected,
}: {
  title: string;
  /** Border and background classes; plain indigo when undefined. */
  colours: string | undefined;
  outputs: readonly string[];
  selected: boolean;
}) {
  return (
    <div
      className={cn(
        'relative h-20 w-60 rounded-lg border-4',
        colours ?? PLAIN_BLOCK,
        selected && 'outline-4 outline-offset-4 outline-indigo-500',
      )}
      title={title}
      data-task-block
    >
      <BlockHandle type="target" />
      {outputs.length > 0 ? (
        outputs.map((output, i) => (
          <BlockHandle
            key={output}
            type="source"
            id={output}
            top={`${handleFraction(i, outputs.length) * 100}%`}
          />
        ))
      ) : (
        <BlockHandle type="source" />
      )}
    </div>
  );
}

/**
 * A handle of a block: only an anchor for edges, never connected by hand
 * (zoom in to connect), so a plain element with the classes and data
 * attributes React Flow reads when it measures a node's handles
 * (`.source`/`.target`, `data-handleid`, `data-handlepos`) instead of a
 * <Handle>, whose store subscription per handle is 2,000 subscriptions on a
 * 1,000-node run.
 */
function BlockHandle({ type, id, top }: { type: 'source' | 'target'; id?: string; top?: string }) {
  const position = type === 'source' ? 'right' : 'left';
  return (
    <div
      className={`react-flow__handle react-flow__handle-${position} ${type}`}
      data-handleid={id}
      data-handlepos={position}
      style={top ? { top } : undefined}
    />
  );
}
