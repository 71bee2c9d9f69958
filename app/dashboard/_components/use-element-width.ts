'use client';

import { type RefObject, useEffect, useState } from 'react';

/** The element's content width, following resizes (charts draw at real pixels). */
export function useElementWidth(ref: RefObject<HTMLElement | null>, initial = 720): number {
  const [width, setWidth] = useState(initial);
  useEffect(() => {
    const element = ref.current;
    if (!element) return;
    const observer = new ResizeObserver(([entry]) => {
      if (entry) setWidth(Math.max(240, Math.floor(entry.contentRect.width)));
    });
    observer.observe(element);
    return () => observer.disconnect();
  }, [ref]);
  return width;
}
