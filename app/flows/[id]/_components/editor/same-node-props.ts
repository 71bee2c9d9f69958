import type { NodeProps } from '@xyflow/react';

/**
 * `memo` comparison for canvas node components: equal props except the
 * node's position. React Flow hands every custom node its absolute position,
 * so a plain `memo` re-renders the dragged node's whole card on each frame of
 * a drag, although what a card draws never depends on where it is (React Flow
 * moves its wrapper element itself).
 */
export function sameNodePropsButPosition(previous: NodeProps, next: NodeProps): boolean {
  for (const key of Object.keys(next) as (keyof NodeProps)[]) {
    if (key === 'positionAbsoluteX' || key === 'positionAbsoluteY') continue;
    if (!Object.is(previous[key], next[key])) return false;
  }
  return Object.keys(previous).length === Object.keys(next).length;
}
