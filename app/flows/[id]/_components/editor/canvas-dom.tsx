'use client';

import { useReactFlow } from '@xyflow/react';
import { createContext, type ReactNode, useCallback, useContext, useState } from 'react';

/** Where the canvas is on screen and where the pointer last was over it. */
export interface CanvasDom {
  element: HTMLDivElement | null;
  /** Screen position of the pointer while it is over the canvas, else null. */
  pointer: { x: number; y: number } | null;
}

const CanvasDomContext = createContext<CanvasDom | null>(null);

export function CanvasDomProvider({ children }: { children: ReactNode }) {
  const [dom] = useState<CanvasDom>(() => ({ element: null, pointer: null }));
  return <CanvasDomContext.Provider value={dom}>{children}</CanvasDomContext.Provider>;
}

export function useCanvasDom(): CanvasDom {
  const dom = useContext(CanvasDomContext);
  if (!dom) throw new Error('useCanvasDom must be used inside <CanvasDomProvider>');
  return dom;
}

/** Is a screen point over the canvas? */
export function isOverCanvas(dom: CanvasDom, point: { x: number; y: number }): boolean {
  const box = dom.element?.getBoundingClientRect();
  if (!box) return false;
  return point.x >= box.left && point.x <= box.right && point.y >= box.top && point.y <= box.bottom;
}

/**
 * Where to put something new, in flow coordinates: at the pointer when it is
 * over the canvas (or at `at`), else at the centre of what is in view. The
 * point is the top-left of a node, so the node lands centred on it.
 */
export function useDropPosition() {
  const dom = useCanvasDom();
  const { screenToFlowPosition } = useReactFlow();
  return useCallback(
    (at?: { x: number; y: number }, size = { width: 240, height: 72 }) => {
      const box = dom.element?.getBoundingClientRect();
      const screen = at ??
        dom.pointer ?? {
          x: (box?.left ?? 0) + (box?.width ?? 0) / 2,
          y: (box?.top ?? 0) + (box?.height ?? 0) / 2,
        };
      const flow = screenToFlowPosition(screen);
      return { x: flow.x - size.width / 2, y: flow.y - size.height / 2 };
    },
    [dom, screenToFlowPosition],
  );
}
