'use client';

import { useSyncExternalStore } from 'react';

const noSubscription = () => () => {};
const isBrowser = () => true;
const isServer = () => false;

/**
 * False on the server and during hydration, true in the browser from the
 * render right after. A page whose data came with it (read by its server
 * component) renders a light placeholder into the HTML and draws the real
 * thing at once after hydration, with no round trip: what depends on the
 * clock, the screen's size or 500 nodes' layout is never rendered twice.
 */
export function useInBrowser(): boolean {
  return useSyncExternalStore(noSubscription, isBrowser, isServer);
}
