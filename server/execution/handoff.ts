import { sendWithCommit, type Transaction } from '@/db/client';
import type { FlowRunRow, TaskRow } from './advance';
import {
  flushTransitions,
  type Notification,
  type TransitionRecord,
  transitionsStatement,
} from './transitions';

/** What a task-attempt job names: the task run and the attempt it may claim. */
export interface TaskJob {
  taskRunId: string;
  attempt: number;
  /** Let the claim lock the run and read inputs without looking the task up first. */
  flowRunId?: string;
  nodeId?: string;
}

/**
 * A task handed to the finishing worker. Its dispatch (what would have been
 * an UPDATE of its own) is written by the claim, in the same statement that
 * makes it Running.
 */
export interface HandedOffJob extends TaskJob {
  attempt: number;
  flowRunId: string;
  nodeId: string;
  /** The run, as locked by the finishing transaction. */
  run: FlowRunRow;
  dispatch: { readyAt: Date; concurrencyTag: string | null; pool: string };
  /** The hand-off it belongs to (its claim writes what the hand-off holds). */
  handoff: Handoff;
  /**
   * Set when the task was queued already and its pg-boss job not fetched
   * yet: the claim cancels that job, in the same statement, and claims the
   * task only if it did (a worker that fetched the job first keeps it).
   */
  stolen?: { jobId: string; queue: string };
  /**
   * Set for a chain's next task claimed in the finishing transaction's one
   * round trip (finishChained in attempt.ts): the task is found by its node,
   * and claimed only if that attempt of the node before it completed in the
   * same transaction (at `endedAt`) and the run is Running.
   */
  after?: { nodeId: string; attempt: number; endedAt: Date };
  /**
   * When its run began, if before its claim was sent (a chain's task run
   * ahead, runAhead in attempt.ts): the claim records it as the start.
   */
  startedAt?: Date;
}

/**
 * A worker's attempt slots, as a finishing attempt sees them: it may reserve
 * slots for tasks it dispatches, then run work in them.
 */
export interface AttemptSlots {
  /**
   * Takes a free slot (false when none is free or the worker is stopping).
   * `transfer`: the caller's own slot is about to be freed, so one may be
   * taken even when every slot is busy.
   */
  reserve(transfer: boolean): boolean;
  /** Gives back a slot reserved but not used. */
  release(): void;
  /** Runs work in a slot already reserved; the slot is freed when it settles. */
  runReserved(work: () => Promise<void>): void;
}

/**
 * The hot path between two tasks. When an attempt finishes, the tasks it
 * makes ready would normally go out as pg-boss jobs: a fetch, a claim
 * transaction and a completion later, some worker starts them. A task this
 * worker can run, with a slot free for it, is instead handed off: claimed in
 * the finishing transaction itself (Running, leased to this worker) and
 * started the moment that transaction commits. One durable commit per task,
 * no queue in between.
 *
 * Durability is unchanged: the claim is an ordinary lease, so if this process
 * dies before or while running the task, the sweeper recovers it like any
 * other attempt whose worker died.
 */
export class Handoff {
  /** Tasks dispatched to this worker in the transaction, still to be claimed. */
  readonly jobs: HandedOffJob[] = [];
  /** Whether the transaction also sent jobs to pg-boss (this worker may fetch them). */
  queued = false;
  /**
   * Transitions and NOTIFYs of the finishing transaction, held back so the
   * claim's statement writes them (one round trip fewer per task). Kept in
   * order: once something is held, everything after it is held too.
   */
  /** Queued tasks of the run whose jobs no worker has fetched yet (see offerQueued). */
  private queuedSiblings: TaskRow[] = [];
  private readonly heldTransitions: TransitionRecord[] = [];
  private readonly heldNotifications: Notification[] = [];
  private transferred = 0;
  private reserved = 0;

  constructor(
    private readonly slots: AttemptSlots,
    /** Whether this worker takes tasks of this pool and type. */
    readonly accepts: (pool: string, nodeType: string) => boolean,
    /** Slots of the finishing attempts, each free to pass on once. */
    private readonly ownSlots = 1,
  ) {}

  /** Reserves a slot for a task about to be dispatched, if this worker can run it now. */
  take(pool: string, nodeType: string): boolean {
    if (!this.accepts(pool, nodeType)) return false;
    if (!this.slots.reserve(this.transferred < this.ownSlots)) return false;
    this.transferred++;
    this.reserved++;
    return true;
  }

  /**
   * Tasks of the run that wait in pg-boss for a worker: with slots left
   * after its hand-offs, the finishing worker takes them over instead of
   * fetching (a wide fan-out goes on in finishing transactions, as a chain
   * does, rather than a claim transaction per task).
   */
  offerQueued(run: FlowRunRow, tasks: TaskRow[]): void {
    this.run = run;
    this.queuedSiblings = tasks;
  }

  /** The run whose queued tasks were offered. */
  run: FlowRunRow | undefined;

  takeQueued(): TaskRow[] {
    return this.queuedSiblings.splice(0);
  }

  /**
   * Holds them back if a claim may still come in this transaction (of a task
   * handed off, or of a queued one taken over); false to write them now.
   */
  hold(transitions: TransitionRecord[], notifications: Notification[]): boolean {
    const claimsMayFollow = this.jobs.length > 0 || this.queuedSiblings.length > 0;
    if (!claimsMayFollow && this.heldTransitions.length === 0) return false;
    this.heldTransitions.push(...transitions);
    this.heldNotifications.push(...notifications);
    return true;
  }

  /** What is held, for the claim's statement to write; nothing is held after. */
  takeHeld(): { transitions: TransitionRecord[]; notifications: Notification[] } {
    return {
      transitions: this.heldTransitions.splice(0),
      notifications: this.heldNotifications.splice(0),
    };
  }

  /** Writes what is still held (no claim took it), before the transaction's next statement. */
  async flushHeld(t: Transaction): Promise<void> {
    const { transitions, notifications } = this.takeHeld();
    await flushTransitions(t.tx, transitions, notifications);
  }

  /**
   * Sends what is still held with COMMIT, after the claims already sent
   * with it: for the end of a finishing transaction, where a round trip of
   * its own would only keep the run locked longer.
   */
  flushHeldWithCommit(t: Transaction): void {
    const { transitions, notifications } = this.takeHeld();
    const statement = transitionsStatement(transitions, notifications);
    if (statement) sendWithCommit(t, statement);
  }

  /** One reservation was not needed after all (the task was not dispatched, or had nothing to run). */
  giveBack(): void {
    this.reserved--;
    this.slots.release();
  }

  /** The transaction failed: every reservation goes back. */
  abandon(): void {
    for (; this.reserved > 0; this.reserved--) this.slots.release();
    this.jobs.length = 0;
  }

  /** Starts claimed work in the reserved slots. */
  start(work: (() => Promise<void>)[]): void {
    for (const w of work) {
      this.reserved--;
      this.slots.runReserved(w);
    }
  }
}

/**
 * A run's first tasks taken by a worker of the process that starts it
 * (runs.start, a webhook, a child run): the start's transaction plans the
 * run with a hand-off open (`EngineDeps.handOffStart`, `startHandedOff` in
 * attempt.ts), claims what it handed off, and the tasks start the moment it
 * commits, with no pg-boss job, fetch or claim transaction between the
 * click and the first task.
 */
export interface StartedHere {
  /** In the start's transaction, once the run is planned: claims what was handed off. */
  claim(): Promise<void>;
  /** The start committed: runs what was claimed. */
  start(): void;
  /** The start failed: gives the slots back. */
  abandon(): void;
}

/** The hand-off open in a transaction, if its worker offered one. */
const open = new WeakMap<Transaction, Handoff>();

export function offerHandoff(t: Transaction, handoff: Handoff): void {
  open.set(t, handoff);
}

export function handoffIn(t: Transaction): Handoff | undefined {
  return open.get(t);
}
