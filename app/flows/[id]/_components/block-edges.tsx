'use client';

import { getSmoothStepPath, Position, useStoreApi } from '@xyflow/react';
import { memo, useLayoutEffect, useRef } from 'react';
import { blockAnchor } from './node-block';

/*
 * The edges of a zoomed-out canvas, drawn as paths of one SVG layer under
 * the blocks, instead of by React Flow.
 *
 * React Flow draws each edge as a component of its own: store selectors,
 * an <svg> per edge and a wide invisible path beside it for the pointer.
 * At 600 edges that was the re-render which mounted them once the nodes
 * were measured (a third of the editor's first render), and about half of
 * what each frame of a pan cost to paint and to rasterize without a GPU.
 * Zoomed out, an edge is a thin line nobody can aim at, so the canvas
 * gives React Flow no edges and draws them here: the same smoothstep paths
 * and arrowheads (open ones), from anchors computed from the block's fixed
 * geometry (blockAnchor), so they are drawn in the same paint as the
 * blocks. Zoomed in, React Flow has its edges back: clickable, selectable,
 * reconnectable.
 */

export interface BlockEdgeNode {
  id: string;
  position: { x: number; y: number };
  /** The task type's named outputs (its source handles), in order. */
  outputs: readonly string[];
}

export interface BlockEdge {
  id: string;
  source: string;
  target: string;
  sourceHandle?: string | null;
  selected?: boolean;
}

/** An edge's path (its line, then its arrowhead) and the anchors it was made from. */
interface EdgePath {
  key: string;
  d: string;
}

/** The size of React Flow's ArrowClosed marker at 16 × 16 on a 3-unit stroke: 12 long, 19 wide. */
const ARROW = { length: 12, halfWidth: 9.6 };

const transformOf = ([x, y, zoom]: readonly [number, number, number]) =>
  `translate(${x}px, ${y}px) scale(${zoom})`;

/**
 * Draws `edges` between `nodes`' blocks, under them, following React
 * Flow's viewport: the layer's transform is set from React Flow's store as
 * its viewport's is, without a React render per frame of a pan (and, like
 * the viewport, it is a composited layer while panning: globals.css).
 * Render it as a child of <ReactFlow>.
 */
export const BlockEdges = memo(function BlockEdges({
  nodes,
  edges,
}: {
  nodes: readonly BlockEdgeNode[];
  edges: readonly BlockEdge[];
}) {
  const store = useStoreApi();
  const layer = useRef<SVGSVGElement>(null);
  useLayoutEffect(() => {
    let previous: string | undefined;
    const follow = () => {
      const transform = transformOf(store.getState().transform);
      if (transform === previous) return;
      previous = transform;
      if (layer.current) layer.current.style.transform = transform;
    };
    follow();
    return store.subscribe(follow);
  }, [store]);

  // Paths are recomputed only for edges whose ends moved (a drag moves a
  // few). Only a cache: a render React discards leaves it valid.
  const cache = useRef(new Map<string, EdgePath>());
  const byId = new Map(nodes.map((node) => [node.id, node]));
  const next = new Map<string, EdgePath>();
  const lines: { edge: BlockEdge; d: string }[] = [];
  for (const edge of edges) {
    const source = byId.get(edge.source);
    const target = byId.get(edge.target);
    if (!source || !target) continue;
    const from = blockAnchor(source.position, 'source', source.outputs, edge.sourceHandle);
    const to = blockAnchor(target.position, 'target');
    if (!from || !to) continue;
    const key = `${from.x},${from.y},${to.x},${to.y}`;
    let path = cache.current.get(edge.id);
    if (path?.key !== key) {
      const [line] = getSmoothStepPath({
        sourceX: from.x,
        sourceY: from.y,
        sourcePosition: Position.Right,
        targetX: to.x,
        targetY: to.y,
        targetPosition: Position.Left,
      });
      const arrow = `M${to.x - ARROW.length} ${to.y - ARROW.halfWidth}L${to.x} ${to.y}L${to.x - ARROW.length} ${to.y + ARROW.halfWidth}`;
      path = { key, d: `${line}${arrow}` };
    }
    next.set(edge.id, path);
    lines.push({ edge, d: path.d });
  }
  cache.current = next;

  return (
    <svg
      ref={layer}
      className="pw-block-edges"
      style={{ transform: transformOf(store.getState().transform) }}
      aria-hidden="true"
    >
      {lines.map(({ edge, d }) => (
        <EdgeLine
          key={edge.id}
          id={edge.id}
          source={edge.source}
          target={edge.target}
          d={d}
          selected={edge.selected === true}
        />
      ))}
    </svg>
  );
});

/*
 * One path per edge, its arrowhead stroked in the same path (an open
 * chevron: a filled one needs a second element, and each element adds to
 * what every pan frame's layerization converts). Not one path of all the
 * arrowheads: a path's repaint covers its bounds, and one spanning the
 * graph made every drag frame re-rasterize the whole canvas (the edge
 * layer was ~85% of a node drag's raster time).
 */
const EdgeLine = memo(function EdgeLine({
  id,
  source,
  target,
  d,
  selected,
}: {
  id: string;
  source: string;
  target: string;
  d: string;
  selected: boolean;
}) {
  return (
    <path
      className={selected ? 'pw-block-edge selected' : 'pw-block-edge'}
      d={d}
      data-id={id}
      data-source={source}
      data-target={target}
    />
  );
});
