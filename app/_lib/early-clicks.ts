/**
 * Clicks that land before the page is hydrated. A page rendered on the
 * server shows its buttons before React has attached their handlers; on a
 * slow machine or network a person can click Cancel in that moment, and the
 * click did nothing (a submit button even submitted its form natively,
 * leaving the fields in the URL).
 *
 * EARLY_CLICKS_SCRIPT runs in the document's head, before any of the app's
 * code: until a Button is live, a click on it is held instead of lost, and
 * the last one held is replayed on it when it goes live (`buttonIsLive`,
 * its ref, attached once React owns it). A second click while waiting
 * replaces the first rather than adding to it. Buttons only: links work
 * without JavaScript. A raw `<button>` the server renders takes part by
 * spreading HOLD_EARLY_CLICKS (when it has no ref of its own).
 */

interface EarlyClicks {
  /** The button clicked last before it was live. */
  held: HTMLButtonElement | null;
  /** Buttons React owns: clicks on them go straight through. */
  live: WeakSet<Element>;
}

declare global {
  interface Window {
    __pwEarlyClicks?: EarlyClicks;
  }
}

/** The attribute that marks a button whose early clicks are held (Button sets it). */
export const EARLY_CLICK_ATTRIBUTE = 'data-early-click';

/** Inline, in the root layout's head: installs the capture before the body is parsed. */
export const EARLY_CLICKS_SCRIPT = `(function () {
  var early = (window.__pwEarlyClicks = { held: null, live: new WeakSet() });
  document.addEventListener('click', function (event) {
    var target = event.target;
    var button = target && target.closest ? target.closest('button[${EARLY_CLICK_ATTRIBUTE}]') : null;
    if (!button || button.disabled || early.live.has(button)) return;
    event.preventDefault();
    event.stopImmediatePropagation();
    early.held = button;
  }, true);
})();`;

/** A button's ref: it is live now, and a click held for it is replayed. */
export function buttonIsLive(button: HTMLButtonElement | null): void {
  const early = window.__pwEarlyClicks;
  if (!button || !early) return;
  early.live.add(button);
  if (early.held !== button) return;
  early.held = null;
  // After the commit that attached it: its handlers and state are in place.
  setTimeout(() => {
    if (button.isConnected && !button.disabled) button.click();
  }, 0);
}

/** For a raw `<button>` the server renders: its early clicks are held and replayed too. */
export const HOLD_EARLY_CLICKS = { [EARLY_CLICK_ATTRIBUTE]: '', ref: buttonIsLive } as const;
