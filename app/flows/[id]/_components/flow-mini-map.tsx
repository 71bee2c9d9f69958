'use client';

import { MiniMap, type Node } from '@xyflow/react';
import type { CSSProperties } from 'react';

/**
 * The mini map of a flow's canvas (editor and read-only view). Its props
 * reach React Flow's store: pass a stable `nodeColor` and `style` (a
 * module constant or a `useCallback`), or each render is one more store
 * update (see EditorCanvas).
 */
export function FlowMiniMap<N extends Node>({
  nodeColor,
  style,
}: {
  nodeColor: (node: N) => string;
  style?: CSSProperties;
}) {
  return (
    <MiniMap<N>
      nodeColor={nodeColor}
      nodeStrokeWidth={0}
      nodeBorderRadius={6}
      pannable
      zoomable
      ariaLabel="Mini map of the flow"
      position="bottom-right"
      style={style}
    />
  );
}
