import { RUN_CHANNEL } from '@/server/execution/deps';
import { getRuntime } from '@/server/runtime';
import { type Listener, listenToChannels } from '@/server/worker/wake';

type RunListener = () => void;

/**
 * The process-wide run-event hub: ONE LISTEN connection on RUN_CHANNEL,
 * however many pages are open, fanned out to subscribers by run id. It
 * sits on globalThis (like the runtime) so every route bundle shares it.
 */
interface RunEventHub {
  subscribers: Map<string, Set<RunListener>>;
  listener: Promise<Listener> | undefined;
}

const KEY = Symbol.for('pipewright.runEventHub');
type Holder = { [KEY]?: RunEventHub };

function hub(): RunEventHub {
  const holder = globalThis as Holder;
  holder[KEY] ??= { subscribers: new Map(), listener: undefined };
  return holder[KEY];
}

function announce(payload: string) {
  const { subscribers } = hub();
  // `*`: the connection was re-established and notifications may have been
  // missed; everyone re-reads.
  if (payload === '*') {
    for (const set of subscribers.values()) for (const fn of set) fn();
    return;
  }
  let runId: unknown;
  try {
    runId = (JSON.parse(payload) as { runId?: unknown }).runId;
  } catch {
    return;
  }
  if (typeof runId !== 'string') return;
  for (const fn of subscribers.get(runId) ?? []) fn();
}

function ensureListening(h: RunEventHub): Promise<Listener> {
  h.listener ??= listenToChannels(getRuntime().databaseUrl, { [RUN_CHANNEL]: announce }, (err) =>
    console.error(`run events: ${err.message}`),
  ).catch((err: unknown) => {
    h.listener = undefined;
    throw err;
  });
  return h.listener;
}

/**
 * Calls `onChange` whenever the run's state may have changed (a task or the
 * run moved). Resolves once the LISTEN is in place, so a read made after it
 * misses nothing. Returns the unsubscribe function.
 */
export async function subscribeToRun(runId: string, onChange: RunListener): Promise<() => void> {
  const h = hub();
  let set = h.subscribers.get(runId);
  if (!set) {
    set = new Set();
    h.subscribers.set(runId, set);
  }
  set.add(onChange);
  const unsubscribe = () => {
    const current = h.subscribers.get(runId);
    current?.delete(onChange);
    if (current?.size === 0) h.subscribers.delete(runId);
  };
  try {
    await ensureListening(h);
  } catch (err) {
    unsubscribe();
    throw err;
  }
  return unsubscribe;
}
