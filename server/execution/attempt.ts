import { randomUUID } from 'node:crypto';
import { and, desc, eq, gt, inArray, isNull, or, type SQL, sql } from 'drizzle-orm';
import {
  type DbOrTx,
  inTransaction,
  queryPrepared,
  sendWithCommit,
  type Transaction,
  takeOpened,
  transactionOf,
} from '@/db/client';
import { rawRowReader } from '@/db/raw-rows';
import { flowRuns, type LogLevel, taskAttempts, taskRuns } from '@/db/schema';
import { cacheKey } from '@/server/engine/cache-key';
import type { FlowDocument, FlowNode } from '@/server/engine/document';
import { type NodeSettings, nodeSettings, retryDelayMs, shouldRetry } from '@/server/engine/retry';
import { isTerminalFlowState } from '@/server/engine/states';
import { resolveTemplates, TemplateError, templateReferences } from '@/server/engine/template';
import { noSecrets, type SecretRedactor } from '@/server/secrets/redactor';
import { loadRunSettings, RunSettingsError } from '@/server/secrets/run-scope';
import {
  type ChildRunService,
  PermanentTaskError,
  type TaskRunResult,
  TaskTimeoutError,
} from '@/server/tasks/runner';
import type { ForEachState } from '@/server/tasks/runners/for-each';
import { redactConfigForDisplay } from '@/server/tasks/runners/redact';
import { BOSS_SCHEMA } from '@/server/worker/boss';
import {
  advanceFlowRun,
  type FlowRunRow,
  lockFlowRun,
  lockFlowRunOfTask,
  lockOnBegin,
  PLANNING_COLUMNS,
  type TaskRow as PlanningTaskRow,
  type RawTaskRow,
  resumeTask,
  sendTaskJob,
  toTaskRow,
} from './advance';
import { markRunCancelling } from './cancel';
import { childRunService } from './child-runs';
import { type EngineDeps, RUN_CHANNEL, TASK_QUEUE, type WorkerDeps, wakeLocalAt } from './deps';
import { inputNodesOf, itemNodeId, loadVersionDocument, nodeForTask } from './documents';
import { faultPoint } from './faults';
import { forEachConcurrency, itemProgressKey, itemProgressStatement } from './for-each-items';
import {
  type HandedOffJob,
  type Handoff,
  offerHandoff,
  type StartedHere,
  type TaskJob,
} from './handoff';
import { asJsonb } from './jsonb';
import { KeyedBatcher } from './keyed-batcher';
import { AttemptLog } from './logs';
import { OutputCache } from './output-cache';
import { poolOf, taskQueueFor } from './pools';
import {
  type Notification,
  notificationsFromArrays,
  recordTransitions,
  type TransitionRecord,
  transitionsFromArrays,
} from './transitions';

export type { TaskJob };

type TaskRow = typeof taskRuns.$inferSelect;

interface ClaimedAttempt {
  run: FlowRunRow;
  task: TaskRow;
  node: FlowNode;
  doc: FlowDocument;
  settings: NodeSettings;
  config: Record<string, unknown>;
  inputs: Record<string, unknown>;
  cacheKey: string | null;
  deadline: number | null;
  resumed?: { state: unknown; suspendedUntil: Date | null };
  /** Masks the secrets this attempt resolved in everything it stores. */
  redactor: SecretRedactor;
}

/** Why an attempt stopped early, set as the AbortController's reason. */
export class AttemptAborted extends Error {
  constructor(
    message: string,
    /** `handed-back`: its worker is shutting down; the attempt is retried elsewhere at once. */
    readonly outcome: 'cancelled' | 'timedout' | 'superseded' | 'handed-back',
  ) {
    super(message);
  }
}

type TrackAttempt = (flowRunId: string, controller: AbortController) => () => void;

/**
 * Runs one delivery of a task-attempt job: claim (guarded by the attempt
 * number), execute outside any transaction with a heartbeating lease, then
 * record the outcome and plan what comes next in one transaction. A
 * duplicate or stale delivery finds nothing to claim and does nothing.
 *
 * With `newHandoff`, tasks the outcome makes ready that this worker can run
 * are claimed in that same transaction and started right after it commits
 * (handoff.ts).
 */
export async function runTaskAttempt(
  deps: WorkerDeps,
  job: TaskJob,
  onStart: TrackAttempt = () => () => {},
  newHandoff?: (ownSlots: number) => Handoff,
): Promise<void> {
  faultPoint('before-claim');
  const claimed = await inTransaction(deps.db, (t) => claimAttempt(t, deps, job), {
    opening: job.flowRunId ? [lockOnBegin(job.flowRunId)] : [],
  });
  if (!claimed) return;
  faultPoint('after-claim');
  await runClaimedAttempt(deps, claimed, job, onStart, newHandoff);
}

/** Executes a claimed attempt and commits its outcome (with any hand-off). */
async function runClaimedAttempt(
  deps: WorkerDeps,
  claimed: ClaimedAttempt,
  job: TaskJob,
  onStart: TrackAttempt,
  newHandoff: ((ownSlots: number) => Handoff) | undefined,
  /** Its code, started while its claim committed (finishChained). */
  early?: EarlyStart,
): Promise<void> {
  const { task, run } = claimed;
  const log = new AttemptLog(
    deps.db,
    { flowRunId: run.id, taskRunId: task.id, attempt: job.attempt },
    deps.limits.maxLogLinesPerAttempt,
    claimed.redactor,
  );
  early?.attach(log);
  const controller = early?.controller ?? new AbortController();
  const stopTracking = onStart(run.id, controller);
  const timeoutMs = claimed.deadline === null ? null : Math.max(0, claimed.deadline - Date.now());
  const timer =
    timeoutMs === null
      ? undefined
      : setTimeout(
          () =>
            controller.abort(
              new AttemptAborted(
                run.deadlineAt && claimed.deadline === run.deadlineAt.getTime()
                  ? 'the flow run reached its timeout'
                  : `timed out after ${claimed.settings.timeoutSeconds} s`,
                'timedout',
              ),
            ),
          timeoutMs,
        );
  const heartbeat = setInterval(
    () => void renewLease(deps, job, controller).catch(() => {}),
    Math.max(250, Math.floor(deps.limits.leaseMs / 3)),
  );

  let result: TaskRunResult | undefined;
  let failure: unknown;
  try {
    const runner = deps.runners.get(task.nodeType);
    if (!runner) {
      throw new PermanentTaskError(`no worker here can run task type "${task.nodeType}"`);
    }
    const aborted = new Promise<never>((_, reject) => {
      controller.signal.addEventListener('abort', () => reject(controller.signal.reason), {
        once: true,
      });
    });
    result = await Promise.race([
      early?.outcome ??
        runner.run({
          config: claimed.config as never,
          inputs: claimed.inputs,
          params: run.params,
          signal: controller.signal,
          timeoutMs,
          log: (level, message) => log.write(level, message),
          sandbox: deps.sandbox,
          resumed: claimed.resumed,
          ids: { flowRunId: run.id, taskRunId: task.id, nodeId: task.nodeId, attempt: job.attempt },
          childRuns: withMaskedParams(childRunService(deps, task.id), claimed.redactor),
          ...(task.parentTaskRunId
            ? { item: { value: claimed.task.item, index: claimed.task.itemIndex ?? 0 } }
            : {}),
        }),
      aborted,
    ]);
  } catch (err) {
    failure = controller.signal.aborted ? controller.signal.reason : err;
  } finally {
    clearTimeout(timer);
    clearInterval(heartbeat);
    stopTracking();
  }

  await log.settle();
  faultPoint('before-finish');
  await finishing(deps).submit(run.id, {
    claimed,
    job,
    log,
    result,
    failure,
    onStart,
    newHandoff,
    early,
  });
}

interface Finish {
  claimed: ClaimedAttempt;
  job: TaskJob;
  log: AttemptLog;
  result: TaskRunResult | undefined;
  failure: unknown;
  onStart: TrackAttempt;
  newHandoff: ((ownSlots: number) => Handoff) | undefined;
  /** Its run, if it began before its claim committed (the chain's next may run ahead of it). */
  early: EarlyStart | undefined;
}

/**
 * Attempts of one run finishing on this worker at about the same time (a
 * fan-out's branches, a for-each's items) commit together: each would wait
 * for the run's row lock anyway, and one transaction takes it once and
 * syncs one commit for all of them.
 */
const batchers = new WeakMap<WorkerDeps, KeyedBatcher<Finish>>();
function finishing(deps: WorkerDeps): KeyedBatcher<Finish> {
  let batcher = batchers.get(deps);
  if (!batcher) {
    batcher = new KeyedBatcher((finishes) => commitFinishes(deps, finishes));
    batchers.set(deps, batcher);
  }
  return batcher;
}

/**
 * Records the outcomes of attempts of one run in one transaction, with the
 * tasks they hand off to this worker claimed in it too; starts those once it
 * has committed. The run lock and the completion of the attempts that
 * returned an output go with BEGIN, in one round trip; the claims of the
 * tasks handed off go with COMMIT, in another (claimHandedOff). A chain's
 * step takes one round trip in all (finishChained).
 */
async function commitFinishes(deps: WorkerDeps, finishes: Finish[]): Promise<void> {
  const { onStart, newHandoff } = finishes[0]!;
  const runId = finishes[0]!.claimed.run.id;
  const handoff = newHandoff?.(finishes.length);
  const now = new Date();
  const completing: FastFinish[] = [];
  const general: Finish[] = [];
  for (const finish of finishes) {
    const fast = fastFinish(deps, finish, now);
    if (fast) completing.push(fast);
    else general.push(finish);
  }
  let next: Claim[];
  try {
    const chained =
      handoff && finishes.length === 1 && completing.length === 1
        ? await finishChained(deps, completing[0]!, handoff, now)
        : undefined;
    if (chained && !chained.replan) {
      next = chained.claims;
    } else {
      const opening = [lockOnBegin(runId)];
      if (!chained && completing.length > 0) {
        const rows = completing.map(({ finish, json, bytes, expires }) => ({
          taskRunId: finish.claimed.task.id,
          attempt: finish.job.attempt,
          json,
          bytes,
          expires,
        }));
        opening.push({ key: COMPLETION, query: completionStatement(rows, runId, now) });
        const progress = await itemProgressOpening(deps, finishes);
        if (progress) opening.push(progress);
      }
      next = await inTransaction(
        deps.db,
        async (t) => {
          if (handoff) offerHandoff(t, handoff);
          if (chained) await planRun(t, deps, runId);
          else await finishTogether(t, deps, runId, completing, general);
          return handoff ? await claimHandedOff(t, deps, handoff) : [];
        },
        { opening },
      );
    }
  } catch (err) {
    handoff?.abandon();
    throw err;
  } finally {
    // What ran ahead of these attempts and was not claimed with them.
    for (const finish of finishes) finish.early?.dropNext(new Error('its upstream finished alone'));
  }
  faultPoint('after-finish');
  if (handoff && newHandoff) runHandedOff(deps, next, handoff, onStart, newHandoff);
  if (!handoff || handoff.queued) deps.wakeLocal(TASK_QUEUE);
}

/**
 * For a batch of one for-each's items: that for-each's progress, to send
 * with BEGIN after their completion (itemProgressKey), since planning the
 * run asks it first.
 */
async function itemProgressOpening(
  deps: WorkerDeps,
  finishes: Finish[],
): Promise<{ key: string; query: SQL } | null> {
  const { task, run } = finishes[0]!.claimed;
  const parentId = task.parentTaskRunId;
  if (!parentId || finishes.some((f) => f.claimed.task.parentTaskRunId !== parentId)) return null;
  const { nodes } = await loadVersionDocument(deps.db, run.flowVersionId);
  const forEach = nodeForTask(nodes, task.nodeId)?.forEach;
  if (!forEach) return null;
  const concurrency = forEachConcurrency(forEach);
  return {
    key: itemProgressKey(parentId, concurrency),
    query: itemProgressStatement(parentId, concurrency),
  };
}

/** Runs the tasks claimed in a transaction that has committed, in the slots reserved for them. */
function runHandedOff(
  deps: WorkerDeps,
  claims: Claim[],
  handoff: Handoff,
  onStart: TrackAttempt,
  newHandoff: (ownSlots: number) => Handoff,
): void {
  const claimed: { claimed: ClaimedAttempt; job: TaskJob; early?: EarlyStart }[] = [];
  for (const claim of claims) {
    const started = claim();
    if (started) claimed.push(started);
    else handoff.giveBack();
  }
  handoff.start(
    claimed.map(
      (n) => () => runClaimedAttempt(deps, n.claimed, n.job, onStart, newHandoff, n.early),
    ),
  );
}

/**
 * This worker's offer to take a run's first tasks in the transaction `t`
 * that starts it (StartedHere in handoff.ts): planning hands it those it can
 * run with a slot free, they are claimed in `t`, as a finishing attempt's
 * successors are, and run once `t` has committed.
 */
export function startHandedOff(
  deps: WorkerDeps,
  t: Transaction,
  handoff: Handoff,
  onStart: TrackAttempt,
  newHandoff: (ownSlots: number) => Handoff,
): StartedHere {
  offerHandoff(t, handoff);
  let claims: Claim[] = [];
  return {
    claim: async () => {
      claims = await claimHandedOff(t, deps, handoff);
    },
    start: () => runHandedOff(deps, claims, handoff, onStart, newHandoff),
    abandon: () => handoff.abandon(),
  };
}

/**
 * A chain's step in one round trip. When the finishing task's one
 * successor has it as its only upstream (A → B), completing A makes B ready
 * and changes nothing else, so planning would hand B to this worker: the
 * finish sends the run lock, A's completion (with its transition) and B's
 * claim between BEGIN and COMMIT at once (transactionOf). B's claim is
 * guarded by what planning would have checked: A completed in this
 * transaction, the run is Running, B is Pending and was never dispatched.
 *
 * Tasks of the chain that ran ahead (runAhead) go in the same transaction:
 * B's completion, C's claim, C's completion, …, up to the first one that has
 * not returned an output yet, which is claimed and becomes this worker's
 * attempt. Each claim is guarded by the completion before it, so the
 * history is written in the order a step at a time would have written it.
 *
 * Undefined: not such a step (the general path records it). `replan`: A's
 * outcome is committed but the guard did not hold (the run is being
 * cancelled, say), so the caller plans the run in a transaction of its own.
 */
async function finishChained(
  deps: WorkerDeps,
  fast: FastFinish,
  handoff: Handoff,
  now: Date,
): Promise<{ claims: Claim[]; replan: boolean } | undefined> {
  const { claimed, job, log, early } = fast.finish;
  const { run } = claimed;
  const nodeId = chainSuccessor(claimed);
  if (!nodeId || !log.drained) return undefined;
  const { doc, nodes } = await loadVersionDocument(deps.db, run.flowVersionId);
  // The successor, if it already runs from this task's output.
  const ahead = await early?.takeNext();
  const blind = ahead?.blind ?? chainStepNode(deps, run, doc, nodes, nodeId);
  if (!blind || !handoff.take(poolOf(blind.settings.pool), blind.node.type)) {
    ahead?.early?.drop(new Error('its upstream was not finished as a chain’s step'));
    return undefined;
  }
  // When this task's code returned, if it ran early: the time its successor
  // ran ahead from, and the one its completion records.
  const endedAt = early?.endedAt ?? now;
  const first =
    ahead ??
    (await startChainStep(
      { deps, run, doc, nodes, handoff },
      nodeId,
      { nodeId: claimed.task.nodeId, attempt: job.attempt, endedAt, json: fast.json },
      blind,
      { tasks: 0, bytes: 0 },
    ));
  if (!first) {
    handoff.giveBack();
    return undefined;
  }
  const steps = await ranAhead(first);
  const last = steps[steps.length - 1]!;
  const statements = [
    lockOnBegin(run.id).query,
    chainedCompletionStatement(claimed.task.id, job.attempt, fast, endedAt, run.id),
    // Each task that ran ahead and returned is claimed and completed by one
    // statement; the last is claimed, and becomes this worker's attempt.
    ...steps.slice(0, -1).map((step) => ranAheadStatement(deps, step)),
  ];
  // Its job was made under the hand-off of the finish it ran ahead from;
  // its claim statement takes what this transaction's hand-off holds.
  last.job.handoff = handoff;
  const { statement, read } = last.prepared.build();
  statements.push(statement);
  let results: Awaited<ReturnType<typeof transactionOf>>;
  try {
    results = await transactionOf(deps.db, statements);
  } catch (err) {
    first.early?.drop(err);
    throw err;
  }
  // Its log was drained: nothing is left for finish() to write.
  const locked = results[0]!.rows.length > 0;
  let previousDone = results[1]!.rows[0]?.done === 1;
  for (const [i, step] of steps.slice(0, -1).entries()) {
    if (results[2 + i]!.rows[0]?.done === 1) {
      previousDone = true;
      continue;
    }
    step.early?.drop(new Error('its claim did not commit'));
    return notClaimed(handoff, locked && previousDone);
  }
  const started = read(results[results.length - 1]!.rows);
  if (!started) {
    last.early?.drop(new Error('its claim did not commit'));
    return notClaimed(handoff, locked && previousDone);
  }
  const nextJob = {
    taskRunId: started.task.id,
    attempt: last.job.attempt,
    flowRunId: run.id,
    nodeId: last.nodeId,
  };
  return { claims: [() => ({ claimed: started, job: nextJob, early: last.early })], replan: false };
}

/**
 * A chain's step whose claim did not hold: the run is gone or being
 * cancelled, or the task before had lost its claim (its outcome was not
 * written, and there is nothing to plan). `replan` when the task before
 * did complete.
 */
function notClaimed(handoff: Handoff, replan: boolean) {
  handoff.giveBack();
  return { claims: [], replan };
}

/**
 * How long a chain's task may have been running, since it started ahead,
 * before the transaction of the tasks that returned before it is sent
 * without it (ranAhead).
 */
const RUN_AHEAD_WAIT_MS = 3;

/**
 * The chain's tasks from `first` on that go in one transaction: those that
 * ran ahead and returned an output, and the first one still running (or the
 * last), which is claimed for this worker. A task that started less than
 * RUN_AHEAD_WAIT_MS ago is waited for until then: a chain of quick tasks is
 * then committed in a few transactions rather than one or two tasks at a
 * time (each costs a round trip, a commit and its wake-ups on both sides),
 * and a slow task delays the commit of those before it by that much at most.
 * Nothing after it waits: it is running all the while.
 */
async function ranAhead(first: ChainStep): Promise<ChainStep[]> {
  const steps = [first];
  for (;;) {
    const early = steps[steps.length - 1]!.early;
    if (!early || steps.length >= CHAIN_BATCH_LIMIT) return steps;
    if (!early.decided) {
      const wait = early.startedAt.getTime() + RUN_AHEAD_WAIT_MS - Date.now();
      if (wait <= 0) return steps;
      await early.decidedWithin(wait);
      if (!early.decided) return steps;
    }
    if (!early.output || !early.next) return steps;
    steps.push(early.next);
  }
}

/**
 * How far a chain may run ahead (runAhead) from the task it last started
 * from: tasks, and the bytes of their outputs, held until committed.
 */
const RUN_AHEAD_TASKS = 64;
const RUN_AHEAD_BYTES = 8 * 1024 * 1024;
/** Tasks that ran ahead committed by one transaction at most (ranAhead). */
const CHAIN_BATCH_LIMIT = 32;

/** What the tasks of a chain started from one finishing attempt share. */
interface Chain {
  deps: WorkerDeps;
  run: FlowRunRow;
  doc: FlowDocument;
  nodes: ReadonlyMap<string, FlowNode>;
  /** The hand-off they are started under (each claim takes the one it is sent with). */
  handoff: Handoff;
}

/** What ran ahead before a chain's task, since the chain last started from a claimed one. */
interface RanAhead {
  tasks: number;
  /** Their outputs' bytes. */
  bytes: number;
}

/** A chain's next task, its claim prepared and, if its type allows, its run already begun. */
interface ChainStep {
  nodeId: string;
  blind: BlindNode;
  job: HandedOffJob;
  prepared: PreparedBlindClaim;
  early: EarlyStart | undefined;
}

/**
 * A chain's next node as its first attempt would be claimed blind
 * (blindClaimNode), unless it cannot be a chain's step: not blind, or under
 * a concurrency tag (only planning's dispatch checks a tag's limit).
 */
function chainStepNode(
  deps: WorkerDeps,
  run: FlowRunRow,
  doc: FlowDocument,
  nodes: ReadonlyMap<string, FlowNode>,
  nodeId: string,
): BlindNode | undefined {
  const job = { taskRunId: '', attempt: 1, flowRunId: run.id, nodeId };
  const blind = blindClaimNode(deps, job, run, doc, nodes);
  return blind && !blind.settings.concurrencyTag ? blind : undefined;
}

/**
 * Prepares the claim of a chain's task that `from` makes ready, and starts
 * its run (startEarly). Within RUN_AHEAD_TASKS and RUN_AHEAD_BYTES of what
 * ran ahead before it (`ahead`), the task after it runs ahead from its output
 * in turn (runAhead).
 */
async function startChainStep(
  chain: Chain,
  nodeId: string,
  /** The task before it: its node, attempt, when it ended, and its output's JSON. */
  from: { nodeId: string; attempt: number; endedAt: Date; json: string },
  blind: BlindNode,
  ahead: RanAhead,
): Promise<ChainStep | undefined> {
  const { deps, run, doc, nodes, handoff } = chain;
  const job: HandedOffJob = {
    taskRunId: '',
    attempt: 1,
    flowRunId: run.id,
    nodeId,
    run,
    handoff,
    dispatch: { readyAt: from.endedAt, concurrencyTag: null, pool: poolOf(blind.settings.pool) },
    after: { nodeId: from.nodeId, attempt: from.attempt, endedAt: from.endedAt },
  };
  const prepared = await prepareBlindClaim(deps.db, deps, job, run, doc, nodes, blind);
  if (!prepared) return undefined;
  const step: ChainStep = { nodeId, blind, job, prepared, early: undefined };
  step.early = startEarly(deps, run, from.nodeId, from.json, blind, prepared);
  if (step.early) {
    job.startedAt = step.early.startedAt;
    step.early.followWith((result) => runAhead(chain, step, result, ahead));
  }
  return step;
}

/**
 * Runs a chain ahead of its commits: when a task started early returns an
 * output, without log lines, and its successor can be started early too,
 * that successor starts at once from the output, before either task is
 * claimed in the database. Code has no effect but its result (TaskRunner
 * .early), so running it before its claim changes nothing anyone can see:
 * what ran ahead is committed in order by the finishing transaction that
 * reaches it (finishChained), or dropped with everything after it.
 */
async function runAhead(
  chain: Chain,
  step: ChainStep,
  result: TaskRunResult,
  before: RanAhead,
): Promise<ChainStep | undefined> {
  const { deps, run, doc, nodes, handoff } = chain;
  const early = step.early!;
  if (early.wroteLines || !early.endedAt) return undefined;
  const output = completedOutput(deps, step.prepared.redactor, result);
  if (!output) return undefined;
  early.output = output;
  const ahead = { tasks: before.tasks + 1, bytes: before.bytes + output.bytes };
  if (ahead.tasks > RUN_AHEAD_TASKS || ahead.bytes > RUN_AHEAD_BYTES) return undefined;
  const nodeId = chainNext(doc, step.nodeId);
  if (!nodeId) return undefined;
  const blind = chainStepNode(deps, run, doc, nodes, nodeId);
  if (!blind || !deps.runners.get(blind.node.type)?.early) return undefined;
  if (!handoff.accepts(poolOf(blind.settings.pool), blind.node.type)) return undefined;
  const from = {
    nodeId: step.nodeId,
    attempt: step.job.attempt,
    endedAt: early.endedAt,
    json: output.json,
  };
  return startChainStep(chain, nodeId, from, blind, ahead);
}

/**
 * Starts a chain's next task early: when its type's runner has no effect but
 * its result and log lines (TaskRunner.early: code), it runs while the
 * transaction that completes the task before it and claims it commits,
 * instead of after. Its input is that task's output as the claim would read
 * it back (asJsonb). If the claim does not commit, it is aborted and its
 * outcome dropped: nothing it did is visible. Undefined for other types.
 */
function startEarly(
  deps: WorkerDeps,
  run: FlowRunRow,
  upstreamNodeId: string,
  upstreamJson: string,
  blind: BlindNode,
  prepared: PreparedBlindClaim,
): EarlyStart | undefined {
  const early = deps.runners.get(blind.node.type)?.early;
  if (!early) return undefined;
  const now = new Date();
  const deadline = attemptDeadline(blind.settings, run, now);
  return new EarlyStart(now, (signal, log) =>
    early({
      config: prepared.config as never,
      inputs: { [upstreamNodeId]: asJsonb(JSON.parse(upstreamJson)) },
      params: run.params,
      signal,
      timeoutMs: deadline === null ? null : Math.max(0, deadline - now.getTime()),
      log,
      sandbox: deps.sandbox,
    }),
  );
}

/** How long a dropped run that started ahead may go on before it is aborted (EarlyStart.drop). */
const DROP_GRACE_MS = 250;

/**
 * An attempt's run begun before its claim committed: its outcome, the log
 * lines it wrote before the attempt's log existed (they are written there,
 * with their times, once it does), and the chain's next task if that runs
 * ahead from its output.
 */
class EarlyStart {
  readonly controller = new AbortController();
  readonly outcome: Promise<TaskRunResult>;
  /** When its run returned. */
  endedAt: Date | undefined;
  /** Whether it wrote any log line. */
  wroteLines = false;
  /** Its output, once it returned one a chain's transaction may complete as it is (runAhead). */
  output: { json: string; bytes: number } | undefined;
  /** The chain's next task, running ahead from its output. */
  next: ChainStep | undefined;
  /** Whether its run returned and the next task was started, or not, after it. */
  decided = false;
  private nextDecided: Promise<void> = Promise.resolve();
  /** No next task may be attached any more (taken or dropped). */
  private closed = false;
  private held: { level: LogLevel; message: string; at: Date }[] = [];
  private log: AttemptLog | undefined;

  constructor(
    readonly startedAt: Date,
    run: (
      signal: AbortSignal,
      log: (level: LogLevel, message: string) => void,
    ) => Promise<TaskRunResult>,
  ) {
    this.outcome = run(this.controller.signal, (level, message) => {
      this.wroteLines = true;
      if (this.log) this.log.write(level, message);
      else this.held.push({ level, message, at: new Date() });
    });
    // Dropped when its claim does not commit: then nobody awaits it.
    this.outcome.then(
      () => {
        this.endedAt = new Date();
      },
      () => {},
    );
  }

  /** Once it returns, starts the chain's next task with `start` (runAhead), if that gives one. */
  followWith(start: (result: TaskRunResult) => Promise<ChainStep | undefined>): void {
    this.nextDecided = this.outcome.then(
      async (result) => {
        if (this.closed || this.controller.signal.aborted) return;
        const next = await start(result);
        if (!next) return;
        if (this.closed || this.controller.signal.aborted) {
          next.early?.drop(new Error('its upstream was dropped'));
        } else {
          this.next = next;
        }
      },
      () => {},
    );
    this.nextDecided.then(() => {
      this.decided = true;
    });
  }

  /** Resolves once `decided`, or after `ms`, whichever comes first. */
  async decidedWithin(ms: number): Promise<void> {
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([
      this.nextDecided,
      new Promise((resolve) => {
        timer = setTimeout(resolve, ms);
      }),
    ]);
    clearTimeout(timer);
  }

  /** The next task that runs ahead, once decided; none is attached after this. */
  async takeNext(): Promise<ChainStep | undefined> {
    await this.nextDecided;
    this.closed = true;
    const next = this.next;
    this.next = undefined;
    return next;
  }

  /** Its claim committed: its lines go to the attempt's log. */
  attach(log: AttemptLog): void {
    for (const line of this.held) log.write(line.level, line.message, line.at);
    this.held = [];
    this.log = log;
  }

  /**
   * Its claim will not commit: nothing it did is used, and nothing runs
   * ahead of it. A run still under way is aborted DROP_GRACE_MS after it
   * started at the earliest: aborting a running execution kills its sandbox
   * host, and starting another costs far more than letting a quick task
   * finish (parallel chains of one run drop what ran ahead whenever their
   * finishes commit together).
   */
  drop(reason: unknown): void {
    this.dropNext(reason);
    const left = this.startedAt.getTime() + DROP_GRACE_MS - Date.now();
    if (this.endedAt || left <= 0) {
      this.controller.abort(reason);
      return;
    }
    const timer = setTimeout(() => this.controller.abort(reason), left);
    this.outcome.then(
      () => clearTimeout(timer),
      () => clearTimeout(timer),
    );
  }

  /** What runs ahead of it will not be claimed: stop that. */
  dropNext(reason: unknown): void {
    this.closed = true;
    this.next?.early?.drop(reason);
    this.next = undefined;
  }
}

/**
 * The finishing task's only successor, if that successor has no other
 * upstream: a chain's next node. Not for a for-each's items.
 */
function chainSuccessor({ task, doc }: ClaimedAttempt): string | null {
  return task.parentTaskRunId ? null : chainNext(doc, task.nodeId);
}

/**
 * The graph node after `nodeId` in a chain: its only successor, with no
 * other upstream. None under a flow-wide concurrency limit (a task waiting
 * for a slot may come first).
 */
function chainNext(doc: FlowDocument, nodeId: string): string | null {
  if (doc.settings?.maxConcurrency !== undefined) return null;
  const out = doc.edges.filter((e) => e.source === nodeId);
  if (out.length !== 1 || out[0]!.sourceHandle) return null;
  const next = out[0]!.target;
  return doc.edges.every((e) => e.target !== next || e.source === nodeId) ? next : null;
}

/** A chained finish's completion: fenced as completionStatement's, with its transition. */
function chainedCompletionStatement(
  taskRunId: string,
  attempt: number,
  output: { json: string; bytes: number; expires: Date | null },
  endedAt: Date,
  runId: string,
): SQL {
  return sql`
    with done as (
      update task_runs set state = 'completed', output = ${output.json}::jsonb,
        output_bytes = ${output.bytes}, ended_at = ${endedAt}, cache_expires_at = ${output.expires},
        ${COMPLETED_CLEARS}
      where id = ${taskRunId} and attempt = ${attempt} and state = 'running'
        and flow_run_id = ${runId}
      returning id, flow_run_id
    ), attempt_row as (
      update task_attempts set state = 'completed', ended_at = ${endedAt}
      where task_run_id in (select id from done) and attempt = ${attempt}
    ), transition as (
      insert into run_transitions (flow_run_id, task_run_id, from_state, to_state, attempt, reason, at)
      select flow_run_id, id, 'running', 'completed', ${attempt}::int, null, ${endedAt}::timestamptz
      from done
    )
    select (select count(*) from done)::int as done`;
}

/**
 * A chain's task that ran ahead and returned an output, claimed and
 * completed by one statement: what its claim (claimStatement, with the
 * dispatch) and its completion would have written, in one update of its
 * row, its attempt written completed, and both transitions. Guarded as its
 * claim would be (chainedAfter), so it writes nothing unless the task before
 * it completed in this transaction.
 */
function ranAheadStatement(deps: WorkerDeps, { job, prepared, early }: ChainStep): SQL {
  const { run, dispatch, attempt } = job;
  const startedAt = job.startedAt!;
  const endedAt = early!.endedAt!;
  const output = early!.output!;
  const config = redactConfigForDisplay(prepared.redactor.value(prepared.config));
  return sql`
    with done as (
      update task_runs set state = 'completed', resolved_config = ${JSON.stringify(config)}::jsonb,
        cache_key = null, worker_id = ${deps.workerId}, started_at = coalesce(started_at, ${startedAt}),
        not_before = null, ready_at = ${dispatch.readyAt}, queued_at = ${startedAt}, job_id = null,
        attempt = ${attempt}, concurrency_tag = null, pool = ${dispatch.pool},
        output = ${output.json}::jsonb, output_bytes = ${output.bytes}, ended_at = ${endedAt},
        cache_expires_at = null, ${COMPLETED_CLEARS}
      where flow_run_id = ${run.id} and node_id = ${job.nodeId} and state = 'pending'
        and queued_at is null and attempt = ${attempt - 1}${chainedAfter(run.id, job.after!)}
      returning id, flow_run_id
    ), attempt_row as (
      insert into task_attempts (task_run_id, attempt, state, worker_id, started_at, ended_at)
      select id, ${attempt}, 'completed', ${deps.workerId}, ${startedAt}, ${endedAt} from done
      on conflict do nothing
    ), transition as (
      insert into run_transitions (flow_run_id, task_run_id, from_state, to_state, attempt, reason, at)
      select flow_run_id, id, 'pending', 'running', ${attempt}::int, null, ${startedAt}::timestamptz
      from done
      union all
      select flow_run_id, id, 'running', 'completed', ${attempt}::int, null, ${endedAt}::timestamptz
      from done
    )
    select (select count(*) from done)::int as done`;
}

/** Plans a run whose finish committed without planning (finishChained's guard did not hold). */
async function planRun(t: Transaction, deps: WorkerDeps, runId: string): Promise<void> {
  const run = await lockFlowRun(t, runId);
  if (run) await advanceFlowRun(t, deps, run);
}

/**
 * A task claimed in a finishing transaction, read once it has committed:
 * the attempt to start, or null when its claim's guard did not match (the
 * slot reserved for it goes back).
 */
type Claim = () => { claimed: ClaimedAttempt; job: TaskJob; early?: EarlyStart } | null;

/**
 * Claims, in the finishing transaction, the tasks it handed to this worker.
 * When every one can be claimed blind (the common case: a chain's next
 * task, a fan-out's branches), their statements go with COMMIT, in its
 * round trip. Otherwise each is claimed in turn, and a claim can itself
 * hand off more (a cache hit completes at once and makes its successors
 * ready): the loop takes those too.
 */
async function claimHandedOff(t: Transaction, deps: WorkerDeps, handoff: Handoff) {
  const claims: Claim[] = [];
  const together: PreparedBlindClaim[] = [];
  const blind = await prepareBlindClaims(t, deps, handoff.jobs);
  if (blind) {
    handoff.jobs.length = 0;
    together.push(...blind);
  } else {
    const prefetched = await prefetchClaimRows(t, deps, handoff.jobs);
    for (let job = handoff.jobs.shift(); job; job = handoff.jobs.shift()) {
      const started = await claimAttempt(t, deps, job, prefetched);
      if (!started) {
        handoff.giveBack();
        continue;
      }
      // From here on, the job as pg-boss would have carried it.
      const { taskRunId, attempt, flowRunId, nodeId } = job;
      const claimed = { claimed: started, job: { taskRunId, attempt, flowRunId, nodeId } };
      claims.push(() => claimed);
    }
  }
  together.push(...(await takeOverQueued(t, deps, handoff)));
  claims.push(...claimTogetherWithCommit(t, deps, together));
  handoff.flushHeldWithCommit(t);
  return claims;
}

/**
 * The blind claims of all these handed-off tasks, prepared (config resolved,
 * statement not yet built); null if any of them cannot be claimed blind in a
 * statement sent with COMMIT.
 */
async function prepareBlindClaims(
  t: Transaction,
  deps: WorkerDeps,
  jobs: HandedOffJob[],
): Promise<PreparedBlindClaim[] | null> {
  const run = jobs[0]?.run;
  if (!run || !canClaimWithCommit(run) || jobs.some((job) => job.run !== run)) return null;
  const { doc, nodes } = await loadVersionDocument(t.tx, run.flowVersionId);
  const prepared: PreparedBlindClaim[] = [];
  for (const job of jobs) {
    const blind = blindClaimNode(deps, job, run, doc, nodes);
    const claim = blind && (await prepareBlindClaim(t.tx, deps, job, run, doc, nodes, blind));
    if (!claim) return null;
    prepared.push(claim);
  }
  return prepared;
}

/**
 * A claim's statement can wait for COMMIT when nothing else in the
 * transaction depends on whether it claimed: the run is Running already
 * (the first claim of a Pending run also marks the run Running).
 */
function canClaimWithCommit(run: FlowRunRow): boolean {
  return run.state === 'running';
}

/**
 * Sends prepared blind claims of handed-off tasks with COMMIT, in one
 * statement (claimsStatement) unless queued tasks among them wait in
 * different queues; each claim is read once committed.
 */
function claimTogetherWithCommit(
  t: Transaction,
  deps: WorkerDeps,
  prepared: PreparedBlindClaim[],
): Claim[] {
  const claims = prepared.map((claim) => claim.batched());
  const queueOf = (claim: (typeof claims)[number]) => claim.write.handedOff.stolen?.queue;
  const firstQueue = claims.map(queueOf).find((queue) => queue !== undefined);
  const groups = new Map<string | undefined, typeof claims>();
  for (const claim of claims) {
    // Tasks planned now go with the first queue's.
    const key = queueOf(claim) ?? firstQueue;
    const group = groups.get(key) ?? [];
    group.push(claim);
    groups.set(key, group);
  }
  return [...groups.values()].flatMap((group) => {
    const sent = sendWithCommit<Record<string, unknown>>(
      t,
      claimsStatement(
        deps,
        group.map((claim) => claim.write),
      ),
    );
    return group.map(
      ({ readRow, job }): Claim =>
        () => {
          const claimed = readRow(claimedRowOf(sent.rows, job.taskRunId));
          return claimed && { claimed, job };
        },
    );
  });
}

/**
 * With slots left, takes over tasks of the run still waiting in pg-boss
 * (offered by advanceFlowRun): each claim cancels the task's job, if no
 * worker fetched it yet, in the claim's statement. Only tasks that can be
 * claimed blind are taken; their claims are prepared here and go with
 * COMMIT, in one statement with the batch's others (claimTogetherWithCommit).
 */
async function takeOverQueued(t: Transaction, deps: WorkerDeps, handoff: Handoff) {
  const taken: PreparedBlindClaim[] = [];
  const waiting = handoff.takeQueued();
  const run = handoff.run;
  if (waiting.length === 0 || !run || !canClaimWithCommit(run)) return taken;
  const { doc, nodes } = await loadVersionDocument(t.tx, run.flowVersionId);
  for (const task of waiting) {
    const job = {
      taskRunId: task.id,
      attempt: task.attempt,
      flowRunId: run.id,
      nodeId: task.nodeId,
    };
    const blind = blindClaimNode(deps, job, run, doc, nodes);
    if (!blind) continue;
    const pool = poolOf(blind.settings.pool);
    if (!handoff.take(pool, blind.node.type)) break;
    const prepared = await prepareBlindClaim(
      t.tx,
      deps,
      {
        ...job,
        run,
        handoff,
        dispatch: { readyAt: task.readyAt!, concurrencyTag: task.concurrencyTag, pool },
        stolen: { jobId: task.jobId!, queue: taskQueueFor(pool) },
      },
      run,
      doc,
      nodes,
      blind,
    );
    if (!prepared) {
      handoff.giveBack();
      continue;
    }
    taken.push(prepared);
  }
  return taken;
}

/**
 * The rows several handed-off claims read (each task, and the outputs each
 * reads), in one query instead of one per claim: the items of a for-each or
 * the branches of a fan-out handed to this worker together. Outputs of
 * completed tasks never change, and each claim's own statement is guarded,
 * so rows read here before the first claim are as good as rows read by each.
 */
async function prefetchClaimRows(
  t: Transaction,
  deps: WorkerDeps,
  handedOff: HandedOffJob[],
): Promise<TaskRow[] | undefined> {
  const first = handedOff[0];
  if (!first || handedOff.length < 2 || handedOff.some((job) => job.run.id !== first.run.id)) {
    return;
  }
  const { doc, nodes } = await loadVersionDocument(t.tx, first.run.flowVersionId);
  // Blind claims read nothing first.
  const jobs = handedOff.filter((job) => !blindClaimNode(deps, job, job.run, doc, nodes));
  if (jobs.length < 2) return;
  const upstream = new Set<string>();
  for (const job of jobs)
    for (const id of inputNodesOf(doc, nodes, job.nodeId) ?? []) upstream.add(id);
  return loadClaimRows(
    t,
    first.run.id,
    jobs.map((job) => job.taskRunId),
    [...upstream],
  );
}

async function claimAttempt(
  t: Transaction,
  deps: WorkerDeps,
  job: TaskJob | HandedOffJob,
  /** Rows prefetchClaimRows read for this claim and its siblings. */
  prefetched?: TaskRow[],
): Promise<ClaimedAttempt | null> {
  const { tx } = t;
  const handedOff = 'dispatch' in job ? job : null;
  // The run lock guards every change to its tasks' state, so the task row
  // itself needs no lock of its own. A handed-off task's run is locked already.
  const run =
    handedOff?.run ??
    (job.flowRunId
      ? await lockFlowRun(t, job.flowRunId)
      : await lockFlowRunOfTask(t, job.taskRunId));
  if (!run) return null;
  const { doc, nodes } = await loadVersionDocument(tx, run.flowVersionId);
  if (job.nodeId) {
    const blind = await claimBlind(t, deps, { ...job, nodeId: job.nodeId }, run, doc, nodes);
    // Not claimed blind: a hand-off's guard failed (nothing to claim), or a
    // queued job's task is not a plain Pending one (retrying, resuming,
    // stale): the general path decides.
    if (blind || (blind === null && handedOff)) return blind;
  }
  // One query for the task and, when the job names its node, the outputs it
  // reads (its inputs and the nodes its templates name).
  const upstream = job.nodeId ? inputNodesOf(doc, nodes, job.nodeId) : null;
  const rows =
    (upstream && prefetched && claimRowsFrom(prefetched, job.taskRunId, upstream)) ||
    (await loadClaimRows(t, run.id, [job.taskRunId], upstream ?? []));
  const task = rows.find((row) => row.id === job.taskRunId);
  if (!task) return null;
  if (handedOff) {
    if (task.attempt !== job.attempt - 1 || task.state !== 'pending' || task.queuedAt) return null;
  } else if (task.attempt !== job.attempt) {
    return null;
  }
  /**
   * Off the common path, the hand-off's dispatch is written first, as its own
   * UPDATE, after the transitions held for the claim (kept in order).
   */
  const dispatched = async () => {
    if (!handedOff) return;
    await handedOff.handoff.flushHeld(t);
    await writeDispatch(t, task, handedOff);
  };
  const resolvedNode = nodeForTask(nodes, task.nodeId);
  if (!resolvedNode) return null;
  const { node, graphNodeId } = resolvedNode;
  const settings = nodeSettings(node, doc);
  const now = new Date();

  const resuming =
    task.state === 'running' &&
    task.suspendedState !== null &&
    (task.notBefore === null || task.notBefore <= now);
  if (!resuming && task.state !== 'pending' && task.state !== 'retrying') return null;

  if (run.state !== 'pending' && run.state !== 'running') {
    await dispatched();
    await endTask(t, deps, run, task, 'cancelled', { reason: 'the run was cancelled' });
    return null;
  }

  const deadline = attemptDeadline(settings, run, now);

  if (resuming) {
    await tx
      .update(taskRuns)
      .set({
        workerId: deps.workerId,
        leaseExpiresAt: new Date(now.getTime() + deps.limits.leaseMs),
        stateReason: null,
      })
      .where(eq(taskRuns.id, task.id));
    return {
      run,
      task,
      node,
      doc,
      settings,
      config: (task.resolvedConfig ?? {}) as Record<string, unknown>,
      inputs: {},
      cacheKey: task.cacheKey,
      deadline,
      resumed: { state: await resumeState(t, task), suspendedUntil: task.notBefore },
      // The stored config it resumes with was redacted when first resolved.
      redactor: noSecrets,
    };
  }

  // Inputs: the outputs of the upstream nodes it reads that produced one
  // (for an item, the for-each's upstream).
  const direct = directInputsOf(doc, graphNodeId);
  const outputs = upstream
    ? rows.filter((row) => row.id !== task.id)
    : await loadUpstreamOutputs(t, run.id, inputNodesOf(doc, nodes, task.nodeId) ?? []);
  const scopeNodes: Record<string, { output: unknown }> = {};
  const inputs: Record<string, unknown> = {};
  for (const o of outputs) {
    scopeNodes[o.nodeId] = { output: o.output };
    if (direct.has(o.nodeId)) inputs[o.nodeId] = o.output;
  }

  let config: Record<string, unknown>;
  let redactor = noSecrets;
  try {
    ({ config, redactor } = await resolveConfig(
      t.tx,
      run,
      task.nodeId,
      node,
      templatedFields(deps, node),
      {
        nodes: scopeNodes,
        ...(task.parentTaskRunId ? { item: task.item, index: task.itemIndex ?? 0 } : {}),
      },
    ));
  } catch (err) {
    if (!(err instanceof TemplateError || err instanceof RunSettingsError)) throw err;
    await dispatched();
    await startAttemptRow(t, deps, run, task, job.attempt, null);
    await endTask(t, deps, run, { ...task, state: 'running' }, 'failed', {
      reason: err.message,
      error: { message: err.message },
    });
    return null;
  }

  const key = settings.cache.enabled
    ? cacheKey({ type: node.type, config, inputs, version: settings.cache.version })
    : null;
  if (key && !run.refreshCache) {
    const [hit] = await tx
      .select({
        id: taskRuns.id,
        output: taskRuns.output,
        outputBytes: taskRuns.outputBytes,
        branch: taskRuns.branch,
      })
      .from(taskRuns)
      .where(
        and(
          eq(taskRuns.cacheKey, key),
          eq(taskRuns.state, 'completed'),
          or(isNull(taskRuns.cacheExpiresAt), gt(taskRuns.cacheExpiresAt, now)),
        ),
      )
      .orderBy(desc(taskRuns.endedAt))
      .limit(1);
    if (hit) {
      await dispatched();
      await tx
        .update(taskRuns)
        .set({
          state: 'cached',
          output: hit.output,
          outputBytes: hit.outputBytes,
          branch: hit.branch,
          cacheKey: key,
          cachedFromTaskRunId: hit.id,
          resolvedConfig: redactConfigForDisplay(redactor.value(config)),
          stateReason: null,
          startedAt: now,
          endedAt: now,
          holdsSlot: false,
        })
        .where(eq(taskRuns.id, task.id));
      const transitions = await markRunRunning(t, run);
      transitions.push({
        flowRunId: run.id,
        taskRunId: task.id,
        fromState: task.state,
        toState: 'cached',
        attempt: job.attempt,
        reason: `cache hit: output of task run ${hit.id}`,
      });
      await advanceFlowRun(t, deps, run, transitions);
      return null;
    }
  }

  const started = await writeClaim(t, deps, {
    run,
    job,
    handedOff,
    fromState: task.state,
    config,
    redactor,
    key,
    now,
  });
  if (!started) return null;
  await recordTransitions(tx, await markRunRunning(t, run));
  return {
    run,
    task: { ...task, state: 'running' },
    node,
    doc,
    settings,
    config,
    inputs,
    cacheKey: key,
    deadline,
    redactor,
  };
}

/**
 * A claim that needs no row read first: its node is not cached and its
 * fields name no upstream node and no item, so its config and deadline
 * follow from the document and the run alone. The claim statement itself
 * returns the task row and the outputs it reads: one round trip per claim
 * instead of two. Used for hand-offs, take-overs, and queued jobs of plain
 * Pending tasks (its guard: Pending, at the job's attempt). `undefined`: not
 * such a claim (or its templates fail), take the general path; `null`: the
 * guard did not match.
 */
async function claimBlind(
  t: Transaction,
  deps: WorkerDeps,
  job: (TaskJob | HandedOffJob) & { nodeId: string },
  run: FlowRunRow,
  doc: FlowDocument,
  nodes: ReadonlyMap<string, FlowNode>,
): Promise<ClaimedAttempt | null | undefined> {
  const blind = blindClaimNode(deps, job, run, doc, nodes);
  const prepared = blind && (await prepareBlindClaim(t.tx, deps, job, run, doc, nodes, blind));
  if (!prepared) return undefined;
  const { statement, read } = prepared.build();
  const claimed = read((await queryPrepared<Record<string, unknown>>(t.client, statement)).rows);
  if (claimed) await recordTransitions(t.tx, await markRunRunning(t, run));
  return claimed;
}

/**
 * A blind claim with its config resolved. `build` makes its statement (it
 * takes what the hand-off holds, so it is called once, when the statement
 * is sent) and `read` turns the statement's rows into the claimed attempt.
 */
interface PreparedBlindClaim {
  /** The config it runs with, templates resolved. */
  config: Record<string, unknown>;
  /** Masks the secrets its config used, in its output and log lines. */
  redactor: SecretRedactor;
  build(): BuiltClaim & {
    /** Its own statement (claimStatement). */
    statement: SQL;
    read(rows: Record<string, unknown>[]): ClaimedAttempt | null;
  };
  /** What a statement claiming several of them together needs (claimsStatement). */
  batched(): BuiltClaim & {
    write: ClaimWrite & { handedOff: HandedOffJob; returnRow: ReturnRow };
    /** The claimed attempt, from its row (claimedRowOf); null if it claimed nothing. */
    readRow(claimed: ClaimedRow | null): ClaimedAttempt | null;
  };
}

interface BuiltClaim {
  /** The job as pg-boss would have carried it. */
  job: TaskJob;
}

async function prepareBlindClaim(
  /** Where its variables and secrets are read (the claim's transaction, or the pool). */
  db: DbOrTx,
  deps: WorkerDeps,
  job: (TaskJob | HandedOffJob) & { nodeId: string },
  run: FlowRunRow,
  doc: FlowDocument,
  nodes: ReadonlyMap<string, FlowNode>,
  /** What blindClaimNode found for this job's node. */
  blind: BlindNode,
): Promise<PreparedBlindClaim | undefined> {
  const handedOff = 'dispatch' in job ? job : null;
  const { node, graphNodeId, settings, templated } = blind;
  let config: Record<string, unknown>;
  let redactor = noSecrets;
  try {
    ({ config, redactor } = await resolveConfig(db, run, job.nodeId, node, templated, {
      nodes: {},
    }));
  } catch (err) {
    if (err instanceof TemplateError || err instanceof RunSettingsError) return undefined;
    throw err;
  }
  const upstream = inputNodesOf(doc, nodes, job.nodeId) ?? [];
  // Code runs in the sandbox, which gets a serialised copy of its inputs: it
  // may share the outputs this worker keeps (frozen) instead of reading them.
  const cache = node.type === 'code' ? outputCache(deps) : undefined;
  const { taskRunId, attempt, flowRunId, nodeId } = job;
  const prepare = () => {
    const now = handedOff?.startedAt ?? new Date();
    const kept = cache?.outputsOf(run.id) ?? new Map<string, unknown>();
    const write = {
      run,
      job,
      handedOff,
      fromState: 'pending' as const,
      config,
      redactor,
      key: null,
      now,
      returnRow: { upstream, kept: [...kept.keys()] },
    };
    const readRow = (claimed: ClaimedRow | null): ClaimedAttempt | null => {
      if (!claimed) return null;
      const direct = directInputsOf(doc, graphNodeId);
      const inputs: Record<string, unknown> = {};
      for (const o of claimed.outputs) {
        if (!direct.has(o.nodeId)) continue;
        inputs[o.nodeId] = kept.has(o.id)
          ? kept.get(o.id)
          : (cache?.offer(run.id, o.id, o.output, o.bytes ?? 0) ?? o.output);
      }
      return {
        run,
        task: claimed.task,
        node,
        doc,
        settings,
        config,
        inputs,
        cacheKey: null,
        deadline: attemptDeadline(settings, run, now),
        redactor,
      };
    };
    return { write, readRow, job: { taskRunId, attempt, flowRunId, nodeId } };
  };
  return {
    config,
    redactor,
    build: () => {
      const { write, readRow, job } = prepare();
      const statement = claimStatement(deps, write);
      return { statement, read: (rows) => readRow(claimedRow(rows)), job };
    },
    batched: () => {
      const { write, readRow, job } = prepare();
      if (!write.handedOff || write.handedOff.after) {
        throw new Error('only tasks handed off to this worker are claimed together');
      }
      return { write: { ...write, handedOff: write.handedOff }, readRow, job };
    },
  };
}

type BlindNode = NonNullable<ReturnType<typeof blindClaimNode>>;

/** The node of a handed-off job that can be claimed blind (see claimBlind), with what it needs. */
function blindClaimNode(
  deps: WorkerDeps,
  job: TaskJob & { nodeId: string },
  run: FlowRunRow,
  doc: FlowDocument,
  nodes: ReadonlyMap<string, FlowNode>,
) {
  if (run.state !== 'pending' && run.state !== 'running') return undefined;
  const resolvedNode = nodeForTask(nodes, job.nodeId);
  if (!resolvedNode) return undefined;
  const { node, graphNodeId } = resolvedNode;
  const settings = nodeSettings(node, doc);
  if (settings.cache.enabled) return undefined;
  const templated = templatedFields(deps, node);
  if (templateReferences(templated).some((ref) => !BLIND_ROOTS.has(ref.root))) return undefined;
  return { node, graphNodeId, settings, templated };
}

/** A node's config fields that templates apply to (its type's raw fields, such as code, are not). */
function templatedFields(deps: WorkerDeps, node: FlowNode): Record<string, unknown> {
  const raw = deps.catalog.get(node.type)?.rawFields ?? [];
  return Object.fromEntries(Object.entries(node.config ?? {}).filter(([k]) => !raw.includes(k)));
}

/**
 * The config an attempt runs with: its templated fields resolved against
 * the run's parameters, variables and secrets and `scope` (upstream nodes,
 * an item), and the redactor for the secrets it used. Throws TemplateError
 * or RunSettingsError naming the field.
 */
async function resolveConfig(
  db: DbOrTx,
  run: FlowRunRow,
  nodeId: string,
  node: FlowNode,
  templated: Record<string, unknown>,
  scope: { nodes: Record<string, { output: unknown }>; item?: unknown; index?: number },
): Promise<{ config: Record<string, unknown>; redactor: SecretRedactor }> {
  const runSettings = await loadRunSettings(db, nodeId, templated);
  return {
    config: {
      ...(node.config ?? {}),
      ...(resolveTemplates(templated, {
        params: run.params,
        vars: runSettings.vars,
        secrets: runSettings.secrets,
        ...scope,
      }) as Record<string, unknown>),
    },
    redactor: runSettings.redactor,
  };
}

/** When an attempt must stop: its node's timeout or its run's deadline, whichever comes first. */
function attemptDeadline(settings: NodeSettings, run: FlowRunRow, now: Date): number | null {
  const deadlines = [
    settings.timeoutSeconds === null ? null : now.getTime() + settings.timeoutSeconds * 1000,
    run.deadlineAt?.getTime() ?? null,
  ].filter((d): d is number => d !== null);
  return deadlines.length > 0 ? Math.min(...deadlines) : null;
}

/** The nodes whose outputs a graph node receives as `inputs`: its edges' sources. */
function directInputsOf(doc: FlowDocument, graphNodeId: string): Set<string> {
  return new Set(doc.edges.filter((e) => e.target === graphNodeId).map((e) => e.source));
}

/** Template roots a blind claim can resolve without reading the task row or upstream outputs. */
const BLIND_ROOTS = new Set(['params', 'vars', 'secrets']);

interface ClaimWrite {
  run: FlowRunRow;
  job: TaskJob;
  handedOff: HandedOffJob | null;
  fromState: TaskRow['state'];
  config: Record<string, unknown>;
  redactor: SecretRedactor;
  key: string | null;
  now: Date;
  /**
   * Return the task row as claimed, and the completed outputs of these
   * nodes (without the output of task runs in `kept`: the worker has those).
   */
  returnRow?: ReturnRow;
}

interface ReturnRow {
  upstream: string[];
  kept: string[];
}

/**
 * A general-path claim: its one statement (claimStatement). Returns whether
 * it claimed.
 */
async function writeClaim(t: Transaction, deps: WorkerDeps, claim: ClaimWrite): Promise<boolean> {
  const { rows } = await queryPrepared<{ started: number }>(t.client, claimStatement(deps, claim));
  return rows[0]?.started === 1;
}

/** A claimed task's row, and the upstream outputs its claim read. */
interface ClaimedRow {
  task: TaskRow;
  outputs: UpstreamOutput[];
}

/** The row and upstream outputs a claim statement with `returnRow` returned; null if it claimed nothing. */
function claimedRow(rows: Record<string, unknown>[]): ClaimedRow | null {
  const row = rows[0];
  if (!row || row.id === null) return null;
  return { task: toFullTaskRow(row), outputs: row.pw_upstream_outputs as UpstreamOutput[] };
}

/** Task run `taskRunId`'s row among claimsStatement's rows; null if that claim claimed nothing. */
function claimedRowOf(rows: Record<string, unknown>[], taskRunId: string): ClaimedRow | null {
  const row = rows.find((r) => r.id === taskRunId);
  return row ? claimedRow([row]) : null;
}

/**
 * The claim's one statement: the task becomes Running, its attempt row and
 * its transition are written together (with a hand-off's dispatch and the
 * finishing transaction's held transitions and NOTIFYs). It returns one row
 * whether or not it claimed: `started`, or with `returnRow` the claimed row
 * and its upstream outputs (claimedRow).
 */
function claimStatement(
  deps: WorkerDeps,
  { run, job, handedOff, fromState, config, redactor, key, now, returnRow }: ClaimWrite,
): SQL {
  const lease = new Date(now.getTime() + deps.limits.leaseMs);
  // A handed-off task's dispatch is written here too, guarded as dispatch
  // guards it (still Pending, not queued, at the attempt before this one).
  const stolen = handedOff?.stolen;
  const dispatch = stolen
    ? sql`, job_id = null`
    : handedOff
      ? sql`, ready_at = ${handedOff.dispatch.readyAt}, queued_at = ${now}, job_id = null,
        holds_slot = true, attempt = ${job.attempt},
        concurrency_tag = ${handedOff.dispatch.concurrencyTag}, pool = ${handedOff.dispatch.pool}`
      : sql``;
  // A queued job's blind claim (returnRow) takes only a plain Pending task
  // at the job's attempt; the general path checked the row already.
  // A chain's next task, claimed before planning could look (finishChained):
  // found by its node, guarded by what planning would have checked.
  const after = handedOff?.after;
  const target = after
    ? sql`(select id from task_runs where flow_run_id = ${run.id} and node_id = ${job.nodeId})`
    : sql`${job.taskRunId}`;
  const chainGuard = after ? chainedAfter(run.id, after) : sql``;
  const guard = stolen
    ? sql` and state = 'pending' and attempt = ${job.attempt} and job_id = ${stolen.jobId}
        and exists (select 1 from stolen)`
    : handedOff
      ? sql` and state = 'pending' and queued_at is null and attempt = ${job.attempt - 1}${chainGuard}`
      : returnRow
        ? sql` and state = 'pending' and attempt = ${job.attempt}`
        : sql``;
  const { heldTransitions, heldNotifications, notifiedCount } = heldWrites(
    handedOff?.handoff,
    run.id,
  );
  // One row whether or not it claimed, so the NOTIFYs are always sent.
  const result = returnRow
    ? sql`select started.*, ${upstreamOutputs(run.id, returnRow)}${notifiedCount},
        pg_notify(${RUN_CHANNEL}, ${JSON.stringify({ runId: run.id })})
      from (select 1) as one left join started on true`
    : sql`select (select count(*) from started)::int as started${notifiedCount},
        pg_notify(${RUN_CHANNEL}, ${JSON.stringify({ runId: run.id })})`;
  return sql`
    with ${
      stolen
        ? sql`stolen as (
      update ${sql.raw(BOSS_SCHEMA)}.job set state = 'cancelled', completed_on = now()
      where name = ${stolen.queue} and id = ${stolen.jobId} and state = 'created'
      returning id
    ), `
        : sql``
    }started as (
      update task_runs set state = 'running', state_reason = null,
        resolved_config = ${JSON.stringify(redactConfigForDisplay(redactor.value(config)))}::jsonb, cache_key = ${key},
        worker_id = ${deps.workerId}, started_at = coalesce(started_at, ${now}),
        lease_expires_at = ${lease}, not_before = null${dispatch}
      where id = ${target}${guard}
      returning ${returnRow ? sql`*` : sql`id, flow_run_id`}
    ), attempt_row as (
      insert into task_attempts (task_run_id, attempt, state, worker_id, started_at)
      select id, ${job.attempt}, 'running', ${deps.workerId}, ${now} from started
      on conflict do nothing
    ), transition as (
      insert into run_transitions (flow_run_id, task_run_id, from_state, to_state, attempt, reason, at)
      ${heldTransitions}select flow_run_id, id, ${fromState}, 'running', ${job.attempt}::int, null, ${now}::timestamptz from started
    )${heldNotifications}
    ${result}`;
}

/**
 * The finishing transaction's transitions and NOTIFYs, for a claim's
 * statement to write in order before its own (see Handoff.hold). As arrays,
 * possibly empty: the statement's text does not change with how many were
 * held.
 */
function heldWrites(handoff: Handoff | undefined, runId: string) {
  const held = handoff?.takeHeld();
  const heldTransitions = sql`(select flow_run_id, task_run_id, from_state, to_state, attempt, reason, now()
        from ${transitionsFromArrays(held?.transitions ?? [])} order by ord) union all `;
  const announced = [
    ...(held?.notifications ?? []),
    ...[...new Set(held?.transitions.map((r) => r.flowRunId))]
      .filter((id) => id !== runId)
      .map((id): Notification => [RUN_CHANNEL, JSON.stringify({ runId: id })]),
  ];
  const heldNotifications = sql`, notified as (select pg_notify(n.channel, n.payload)
      from ${notificationsFromArrays(announced)})`;
  // Referenced, or a CTE that only selects would not run.
  const notifiedCount = sql`, (select count(*) from notified)::int as notified`;
  return { heldTransitions, heldNotifications, notifiedCount };
}

/**
 * The completed outputs of `returnRow.upstream` nodes, as the column
 * `pw_upstream_outputs` (UpstreamOutput[]): those the worker keeps without
 * their output. Uncorrelated, so read once per statement.
 */
function upstreamOutputs(runId: string, returnRow: ReturnRow): SQL {
  return sql`(select coalesce(json_agg(json_build_object('id', o.id, 'nodeId', o.node_id,
            'bytes', o.output_bytes,
            'output', case when o.id = any(${sql.param(returnRow.kept)}::uuid[]) then null else o.output end)), '[]'::json)
          from task_runs o where o.flow_run_id = ${runId}
            and o.node_id = any(${sql.param(returnRow.upstream)}::text[])
            and o.state in ('completed', 'cached')) as pw_upstream_outputs`;
}

/**
 * Tasks of one run handed off to this worker (planned now, or queued and
 * taken over), claimed blind by one statement: for each, what claimStatement
 * writes for it, from one array per column, so the text is the same however
 * many it claims. Each is guarded as there: a task planned now must still be
 * Pending and not queued, at the attempt before; a queued one, Pending at
 * its job's attempt, and claimed only if its job was cancelled by this
 * statement (no worker fetched it). Queued tasks must all wait in one queue.
 * Returns a row per task claimed (with the upstream outputs the claims
 * read), or one row of nulls if none was.
 */
export function claimsStatement(
  deps: WorkerDeps,
  claims: (ClaimWrite & { handedOff: HandedOffJob; returnRow: ReturnRow })[],
): SQL {
  const { run, handedOff } = claims[0]!;
  const column = <T>(pick: (claim: (typeof claims)[number]) => T) => sql.param(claims.map(pick));
  const stolen = claims.flatMap(({ handedOff: { stolen } }) => (stolen ? [stolen] : []));
  const queue = stolen[0]?.queue ?? null;
  if (stolen.some((s) => s.queue !== queue)) {
    throw new Error('queued tasks claimed together must wait in one queue');
  }
  // Each claim picks its own inputs from the outputs of all. Their `kept`
  // are the same set: read from the worker's cache together, in one tick.
  const returnRow = {
    upstream: [...new Set(claims.flatMap((c) => c.returnRow.upstream))],
    kept: [...new Set(claims.flatMap((c) => c.returnRow.kept))],
  };
  const { heldTransitions, heldNotifications, notifiedCount } = heldWrites(
    handedOff.handoff,
    run.id,
  );
  return sql`
    with c as (
      select * from unnest(${column((c) => c.job.taskRunId)}::uuid[], ${column((c) => c.job.attempt)}::int[],
          ${column((c) => JSON.stringify(redactConfigForDisplay(c.redactor.value(c.config))))}::jsonb[],
          ${column((c) => c.handedOff.stolen?.jobId ?? null)}::uuid[],
          ${column((c) => c.handedOff.dispatch.readyAt)}::timestamptz[],
          ${column((c) => c.handedOff.dispatch.concurrencyTag)}::text[],
          ${column((c) => c.handedOff.dispatch.pool)}::text[],
          ${column((c) => c.now)}::timestamptz[],
          ${column((c) => new Date(c.now.getTime() + deps.limits.leaseMs))}::timestamptz[])
        as c(id, attempt, config, job_id, ready_at, concurrency_tag, pool, now, lease)
    ), stolen as (
      update ${sql.raw(BOSS_SCHEMA)}.job set state = 'cancelled', completed_on = now()
      where name = ${queue} and id = any(${sql.param(stolen.map((s) => s.jobId))}::uuid[])
        and state = 'created'
      returning id
    ), started as (
      update task_runs t set state = 'running', state_reason = null, resolved_config = c.config,
        cache_key = null, worker_id = ${deps.workerId}, started_at = coalesce(t.started_at, c.now),
        lease_expires_at = c.lease, not_before = null, job_id = null, attempt = c.attempt,
        ready_at = case when c.job_id is null then c.ready_at else t.ready_at end,
        queued_at = case when c.job_id is null then c.now else t.queued_at end,
        holds_slot = case when c.job_id is null then true else t.holds_slot end,
        concurrency_tag = case when c.job_id is null then c.concurrency_tag else t.concurrency_tag end,
        pool = case when c.job_id is null then c.pool else t.pool end
      from c
      -- The ids again as an array: task_runs is reached by its primary key
      -- whatever the planner guesses of c's size (GENERIC_PLANS).
      where t.id = any(${column((c) => c.job.taskRunId)}::uuid[]) and t.id = c.id
        and t.state = 'pending' and case when c.job_id is null
          then t.queued_at is null and t.attempt = c.attempt - 1
          else t.attempt = c.attempt and t.job_id = c.job_id and c.job_id in (select id from stolen) end
      returning t.*, c.now as pw_claimed_at
    ), attempt_row as (
      insert into task_attempts (task_run_id, attempt, state, worker_id, started_at)
      select id, attempt, 'running', ${deps.workerId}, pw_claimed_at from started
      on conflict do nothing
    ), transition as (
      insert into run_transitions (flow_run_id, task_run_id, from_state, to_state, attempt, reason, at)
      ${heldTransitions}select flow_run_id, id, 'pending', 'running', attempt, null, pw_claimed_at from started
    )${heldNotifications}
    select started.*, ${upstreamOutputs(run.id, returnRow)}${notifiedCount},
      pg_notify(${RUN_CHANNEL}, ${JSON.stringify({ runId: run.id })})
    from (select 1) as one left join started on true`;
}

/**
 * The guard of a chain's task claimed before planning could look: the task
 * before it completed in this transaction (that attempt, at that time), and
 * the run is Running.
 */
function chainedAfter(runId: string, after: NonNullable<HandedOffJob['after']>): SQL {
  return sql` and exists (select 1 from task_runs a where a.flow_run_id = ${runId}
          and a.node_id = ${after.nodeId} and a.state = 'completed' and a.attempt = ${after.attempt}
          and a.ended_at = ${after.endedAt})
        and exists (select 1 from flow_runs r where r.id = ${runId} and r.state = 'running')`;
}

interface UpstreamOutput {
  id: string;
  nodeId: string;
  bytes: number | null;
  output: unknown;
}

const outputCaches = new WeakMap<WorkerDeps, OutputCache>();
function outputCache(deps: WorkerDeps): OutputCache {
  let cache = outputCaches.get(deps);
  if (!cache) {
    cache = new OutputCache();
    outputCaches.set(deps, cache);
  }
  return cache;
}

/**
 * The task to claim and the completed outputs of the nodes it reads, in one
 * prepared statement (a fixed text: the node list is an array parameter).
 */
async function loadClaimRows(
  { client }: Transaction,
  flowRunId: string,
  taskRunIds: string[],
  upstream: string[],
): Promise<TaskRow[]> {
  const result = await queryPrepared<Record<string, unknown>>(
    client,
    sql`select * from task_runs where flow_run_id = ${flowRunId}
      and (id = any(${sql.param(taskRunIds)}::uuid[])
      or (node_id = any(${sql.param(upstream)}::text[]) and state in ('completed', 'cached')))`,
  );
  return result.rows.map(toFullTaskRow);
}

/** A task_runs row as raw SQL returns it (`select *`), keyed as drizzle keys it. */
const toFullTaskRow = rawRowReader<TaskRow>(taskRuns);

/** One claim's rows out of prefetched ones: its task and the outputs it reads (null: not there). */
function claimRowsFrom(rows: TaskRow[], taskRunId: string, upstream: string[]): TaskRow[] | null {
  const task = rows.find((row) => row.id === taskRunId);
  if (!task) return null;
  const reads = new Set(upstream);
  return [
    task,
    ...rows.filter(
      (row) =>
        row.id !== taskRunId &&
        reads.has(row.nodeId) &&
        (row.state === 'completed' || row.state === 'cached'),
    ),
  ];
}

/** A handed-off task's dispatch, written on its own (the claim did not start it). */
async function writeDispatch({ tx }: Transaction, task: TaskRow, job: HandedOffJob) {
  await tx
    .update(taskRuns)
    .set({
      readyAt: job.dispatch.readyAt,
      queuedAt: new Date(),
      jobId: null,
      holdsSlot: true,
      attempt: job.attempt,
      stateReason: null,
      concurrencyTag: job.dispatch.concurrencyTag,
      pool: job.dispatch.pool,
    })
    .where(eq(taskRuns.id, task.id));
  task.attempt = job.attempt;
  task.holdsSlot = true;
}

/** A for-each resumes with its items' results; other types with what they saved. */
async function resumeState({ tx }: Transaction, task: TaskRow): Promise<unknown> {
  const saved = task.suspendedState as { kind?: string } | null;
  if (saved?.kind !== 'for-each') return saved;
  const items = await tx
    .select({
      index: taskRuns.itemIndex,
      state: taskRuns.state,
      output: taskRuns.output,
      error: taskRuns.error,
      stateReason: taskRuns.stateReason,
    })
    .from(taskRuns)
    .where(eq(taskRuns.parentTaskRunId, task.id));
  return {
    ...saved,
    items: items.map((i) => ({
      index: i.index ?? 0,
      state: i.state,
      output: i.output,
      error: i.error?.message ?? (i.state === 'completed' ? null : i.stateReason),
    })),
  };
}

async function loadUpstreamOutputs({ tx }: Transaction, flowRunId: string, upstream: string[]) {
  if (upstream.length === 0) return [];
  return tx
    .select({ nodeId: taskRuns.nodeId, output: taskRuns.output })
    .from(taskRuns)
    .where(
      and(
        eq(taskRuns.flowRunId, flowRunId),
        inArray(taskRuns.nodeId, upstream),
        inArray(taskRuns.state, ['completed', 'cached']),
      ),
    );
}

async function startAttemptRow(
  t: Transaction,
  _deps: WorkerDeps,
  run: FlowRunRow,
  task: TaskRow,
  attempt: number,
  workerId: string | null,
) {
  await t.tx
    .insert(taskAttempts)
    .values({ taskRunId: task.id, attempt, state: 'running', workerId })
    .onConflictDoNothing();
  await recordTransitions(t.tx, [
    { flowRunId: run.id, taskRunId: task.id, fromState: task.state, toState: 'running', attempt },
  ]);
}

/** The first task to start moves its run to Running; returns that transition to record. */
async function markRunRunning({ tx }: Transaction, run: FlowRunRow): Promise<TransitionRecord[]> {
  if (run.state !== 'pending') return [];
  await tx
    .update(flowRuns)
    .set({ state: 'running', startedAt: new Date() })
    .where(and(eq(flowRuns.id, run.id), eq(flowRuns.state, 'pending')));
  // No NOTIFY of its own: the claim statement and flushTransitions announce
  // the run on RUN_CHANNEL already.
  run.state = 'running';
  return [{ flowRunId: run.id, fromState: 'pending', toState: 'running' }];
}

/** Extends the lease; aborts the attempt if it lost its claim or the run is being cancelled. */
async function renewLease(deps: WorkerDeps, job: TaskJob, controller: AbortController) {
  const rows = await deps.db.execute<{ run_state: string }>(sql`
    update task_runs tr set lease_expires_at = now() + ${`${deps.limits.leaseMs} milliseconds`}::interval
    from flow_runs fr
    where tr.id = ${job.taskRunId} and tr.attempt = ${job.attempt} and tr.state = 'running' and fr.id = tr.flow_run_id
    returning fr.state as run_state`);
  const row = rows.rows[0];
  if (!row)
    controller.abort(
      new AttemptAborted('this attempt was superseded (its lease lapsed)', 'superseded'),
    );
  else if (row.run_state === 'cancelling')
    controller.abort(new AttemptAborted('the run was cancelled', 'cancelled'));
}

async function finishAttempt(
  t: Transaction,
  deps: WorkerDeps,
  /** The run, as locked by the caller. */
  run: FlowRunRow,
  claimed: ClaimedAttempt,
  job: TaskJob,
  log: AttemptLog,
  unredactedResult: TaskRunResult | undefined,
  failure: unknown,
) {
  const { tx } = t;
  const result = redactResult(claimed.redactor, unredactedResult);
  const [task] = await tx
    .select()
    .from(taskRuns)
    .where(eq(taskRuns.id, claimed.task.id))
    .for('no key update');
  // Fencing: only the attempt that holds the claim may write its outcome.
  if (!task || task.attempt !== job.attempt || task.state !== 'running') {
    await log.finish(tx);
    return;
  }
  await log.finish(tx);
  const now = new Date();

  if (result && 'fanOut' in result) {
    await startItems(t, deps, run, task, claimed, result.fanOut);
    return;
  }

  if (result && 'suspend' in result && run.state === 'cancelling') {
    await endTask(t, deps, run, task, 'cancelled', { reason: 'the run was cancelled' });
    return;
  }

  if (result && 'suspend' in result) {
    const { until, state, reason } = result.suspend;
    const jobId = until ? randomUUID() : null;
    await tx
      .update(taskRuns)
      .set({
        suspendedState: state ?? {},
        notBefore: until,
        leaseExpiresAt: null,
        stateReason: reason,
        queuedAt: until ? now : null,
        jobId,
      })
      .where(eq(taskRuns.id, task.id));
    if (until && jobId) {
      await sendTaskJob(
        t,
        deps,
        { ...job, flowRunId: run.id, nodeId: task.nodeId },
        claimed.settings.timeoutSeconds,
        until,
        jobId,
        claimed.settings.pool,
      );
      wakeLocalAt(deps, TASK_QUEUE, until);
    }
    // A child run may have finished while this attempt was still starting it;
    // its resume found the task not yet suspended, so resume it from here.
    const childRunId = (state as { kind?: string; childRunId?: string } | undefined)?.childRunId;
    if (!until && childRunId) {
      const [child] = await tx
        .select({ state: flowRuns.state })
        .from(flowRuns)
        .where(eq(flowRuns.id, childRunId));
      if (child && isTerminalFlowState(child.state)) await resumeTask(t, deps, task.id);
    }
    return;
  }

  if (result && 'output' in result) {
    const output = result.output === undefined ? null : result.output;
    const bytes = Buffer.byteLength(JSON.stringify(output) ?? 'null');
    if (bytes > deps.limits.maxOutputBytes) {
      const message = `the output is ${formatBytes(bytes)}, over the ${formatBytes(deps.limits.maxOutputBytes)} limit; return less data (or write it to a file and return its path)`;
      await endTask(t, deps, run, task, 'failed', { reason: message, error: { message } });
      return;
    }
    const ttl = claimed.settings.cache.ttlSeconds;
    await tx
      .update(taskRuns)
      .set({
        state: 'completed',
        output,
        outputBytes: bytes,
        branch: result.branch ?? null,
        endedAt: now,
        holdsSlot: false,
        leaseExpiresAt: null,
        stateReason: null,
        suspendedState: null,
        cacheExpiresAt: claimed.cacheKey && ttl ? new Date(now.getTime() + ttl * 1000) : null,
      })
      .where(eq(taskRuns.id, task.id));
    await closeAttemptRow(t, task.id, job.attempt, 'completed', null);
    await advanceFlowRun(t, deps, run, [
      {
        flowRunId: run.id,
        taskRunId: task.id,
        fromState: 'running',
        toState: 'completed',
        attempt: job.attempt,
      },
    ]);
    return;
  }

  const error = claimed.redactor.error(describeError(failure));
  if (failure instanceof AttemptAborted && failure.outcome === 'superseded') return;
  if (failure instanceof AttemptAborted && failure.outcome === 'handed-back') {
    // Not the task's failure: a new attempt at once, without using a retry.
    await scheduleRetry(
      t,
      deps,
      run,
      task,
      claimed.settings,
      job.attempt,
      'crashed',
      error,
      false,
      {
        reason: `its worker shut down before it finished; retrying now (attempt ${job.attempt + 1})`,
      },
    );
    return;
  }
  if (failure instanceof AttemptAborted && failure.outcome === 'cancelled') {
    await endTask(t, deps, run, task, 'cancelled', { reason: 'the run was cancelled', error });
    return;
  }
  const timedOut =
    (failure instanceof AttemptAborted && failure.outcome === 'timedout') ||
    failure instanceof TaskTimeoutError;
  const flowTimedOut = run.deadlineAt !== null && run.deadlineAt.getTime() <= Date.now();
  if (flowTimedOut && run.state !== 'cancelling') {
    // The flow's own deadline passed: the whole run stops and ends Failed,
    // saying so (not as if this one task had simply timed out).
    const seconds = Math.round((run.deadlineAt!.getTime() - run.createdAt.getTime()) / 1000);
    const cancelling = await markRunCancelling(
      t,
      run,
      `the flow timed out after ${seconds} s`,
      true,
    );
    await endTask(t, deps, cancelling, task, 'timedout', { reason: 'the flow timed out', error });
    return;
  }
  const permanent = failure instanceof PermanentTaskError;
  if (!permanent && shouldRetry(claimed.settings, job.attempt - task.crashCount)) {
    await scheduleRetry(
      t,
      deps,
      run,
      task,
      claimed.settings,
      job.attempt,
      timedOut ? 'timedout' : 'failed',
      error,
    );
    return;
  }
  await endTask(t, deps, run, task, timedOut ? 'timedout' : 'failed', {
    reason: error.message,
    error,
  });
}

/**
 * A for-each's items become task runs of their own (`each[0]`, `each[1]`,
 * …): each is dispatched, retried, timed out and recovered like any task.
 * The for-each waits, suspended, until they are all done.
 */
async function startItems(
  t: Transaction,
  deps: WorkerDeps,
  run: FlowRunRow,
  task: TaskRow,
  claimed: ClaimedAttempt,
  fanOut: { items: unknown[]; reason: string },
) {
  const inner = (claimed.node.config as { task: { type: string } }).task;
  const now = new Date();
  const rows = fanOut.items.map((item, index) => ({
    flowRunId: run.id,
    nodeId: itemNodeId(task.nodeId, index),
    nodeType: inner.type,
    state: 'pending' as const,
    parentTaskRunId: task.id,
    itemIndex: index,
    item: item === undefined ? null : item,
    readyAt: now,
  }));
  for (let i = 0; i < rows.length; i += 1000) {
    await t.tx.insert(taskRuns).values(rows.slice(i, i + 1000));
  }
  const state: ForEachState = { kind: 'for-each', count: rows.length };
  await t.tx
    .update(taskRuns)
    .set({
      suspendedState: state,
      notBefore: null,
      leaseExpiresAt: null,
      stateReason: fanOut.reason,
    })
    .where(eq(taskRuns.id, task.id));
  await advanceFlowRun(t, deps, run);
  deps.wakeLocal(TASK_QUEUE);
}

/**
 * An attempt that returned an output within the cap (the common case):
 * its output's JSON, size and cache expiry, for the statement that
 * completes it (completionStatement). Null for every other outcome, and for
 * an output over the cap (the general path fails the task, saying so).
 */
interface FastFinish {
  finish: Finish;
  json: string;
  bytes: number;
  expires: Date | null;
}

function fastFinish(deps: WorkerDeps, finish: Finish, now: Date): FastFinish | null {
  const { claimed } = finish;
  const output = completedOutput(deps, claimed.redactor, finish.result);
  if (!output) return null;
  const ttl = claimed.settings.cache.ttlSeconds;
  const expires = claimed.cacheKey && ttl ? new Date(now.getTime() + ttl * 1000) : null;
  return { finish, ...output, expires };
}

/**
 * The output an attempt's result completes its task with, secrets masked,
 * as JSON: null for any other outcome, and for an output over the cap.
 */
function completedOutput(
  deps: WorkerDeps,
  redactor: SecretRedactor,
  outcome: TaskRunResult | undefined,
): { json: string; bytes: number } | null {
  const result = redactResult(redactor, outcome);
  if (!result || !('output' in result) || result.branch) return null;
  const json = JSON.stringify(result.output === undefined ? null : result.output) ?? 'null';
  const bytes = Buffer.byteLength(json);
  return bytes > deps.limits.maxOutputBytes ? null : { json, bytes };
}

/**
 * What completing a task clears, in both completion statements (as the
 * general path's update in finishAttempt does): no branch taken, its slot
 * and lease given up, no reason or suspended state left over.
 */
const COMPLETED_CLEARS = sql.raw(
  'branch = null, holds_slot = false, lease_expires_at = null, state_reason = null, suspended_state = null',
);

/** An attempt completionStatement completes: its task run, attempt and output. */
export interface Completion {
  taskRunId: string;
  attempt: number;
  json: string;
  bytes: number;
  expires: Date | null;
}

/** The key of the completion statement among a finishing transaction's opening statements. */
const COMPLETION = 'completion';

/**
 * Completes attempts that returned an output, in one statement sent with
 * BEGIN and the run lock: each update is fenced (the attempt must still
 * hold its claim), and the statement returns the ids it completed and the
 * run's graph tasks for planning, as they were before it (finishTogether
 * patches the completed ones). The update names no run, only task ids: the
 * planner would find them through the run's index, and for a for-each of
 * 10,000 items (a run its statistics take for a few rows) it walked all of
 * them on every commit. Each id is a task of this run: finishes are batched
 * by run.
 */
export function completionStatement(completing: Completion[], runId: string, now: Date): SQL {
  return sql`
    with v as (
      select * from unnest(${sql.param(completing.map((c) => c.taskRunId))}::uuid[],
        ${sql.param(completing.map((c) => c.attempt))}::int[],
        ${sql.param(completing.map((c) => c.json))}::text[],
        ${sql.param(completing.map((c) => c.bytes))}::int[],
        ${sql.param(completing.map((c) => c.expires))}::timestamptz[])
        as v(id, attempt, output, bytes, cache_expires_at)
    ), done as (
      update task_runs tr set state = 'completed', output = v.output::jsonb,
        output_bytes = v.bytes, ended_at = ${now}, cache_expires_at = v.cache_expires_at,
        ${COMPLETED_CLEARS}
      from v
      where tr.id = v.id and tr.attempt = v.attempt and tr.state = 'running'
      returning tr.id, tr.attempt
    ), attempt_rows as (
      update task_attempts a set state = 'completed', ended_at = ${now}
      from done where a.task_run_id = done.id and a.attempt = done.attempt
    )
    -- The ids it completed on the first row only: a wide run has hundreds of
    -- planning rows, and the array was parsed again on every one.
    select case when row_number() over () = 1
        then (select coalesce(array_agg(id), '{}') from done) end as done_ids,
      ${PLANNING_COLUMNS}
    from task_runs where flow_run_id = ${runId} and parent_task_run_id is null`;
}

/**
 * Records the outcomes of attempts of one run (one, or several finishing
 * together: a fan-out's branches, a for-each's items). Those that returned
 * an output were completed by the statement sent with BEGIN, and the run is
 * planned once for all of them. The rest (failures, suspensions, branches,
 * outputs over the cap, claims lost meanwhile) take the general path one by
 * one.
 */
async function finishTogether(
  t: Transaction,
  deps: WorkerDeps,
  runId: string,
  completing: FastFinish[],
  general: Finish[],
) {
  let run = await lockFlowRun(t, runId);
  if (!run) return;
  if (completing.length > 0) {
    const done = takeOpened(t, COMPLETION);
    // Every finishing task is a graph task of the run or an item of one.
    if (!done?.rows.length) throw new Error(`run ${runId} has no graph tasks to plan`);
    const rows = done.rows as (RawTaskRow & { done_ids: string[] })[];
    const completed = new Set(rows[0]!.done_ids);
    const transitions: TransitionRecord[] = [];
    for (const { finish } of completing) {
      if (!completed.has(finish.claimed.task.id)) {
        // Its claim was lost meanwhile: the general path fences it.
        general.push(finish);
        continue;
      }
      await finish.log.finish(t.tx);
      transitions.push({
        flowRunId: runId,
        taskRunId: finish.claimed.task.id,
        fromState: 'running',
        toState: 'completed',
        attempt: finish.job.attempt,
      });
    }
    const tasks = rows.map((r): PlanningTaskRow => {
      const row = toTaskRow(r);
      return completed.has(r.id)
        ? { ...row, state: 'completed', branch: null, holdsSlot: false }
        : row;
    });
    if (transitions.length > 0) await advanceFlowRun(t, deps, run, transitions, tasks);
  }
  for (const [i, f] of general.entries()) {
    // Planning may have changed the run (ended it, or begun cancelling it):
    // each outcome after the first is recorded against the run as it is now.
    if (i > 0 || completing.length > 0) run = await lockFlowRun(t, runId);
    if (!run) return;
    await finishAttempt(t, deps, run, f.claimed, f.job, f.log, f.result, f.failure);
  }
}

export async function scheduleRetry(
  t: Transaction,
  deps: WorkerDeps | EngineDeps,
  run: FlowRunRow,
  task: TaskRow,
  settings: NodeSettings,
  failedAttempt: number,
  attemptState: 'failed' | 'timedout' | 'crashed',
  error: { message: string; stack?: string },
  countsAgainstRetries = true,
  /** `delayMs`: when to retry, instead of the node's retry delay (or at once, for a crash). */
  options: { reason?: string; delayMs?: number } = {},
) {
  const delay =
    options.delayMs ??
    (countsAgainstRetries ? retryDelayMs(settings, failedAttempt - task.crashCount) : 0);
  const next = failedAttempt + 1;
  const at = new Date(Date.now() + delay);
  const allowed = 1 + settings.retries;
  // Attempts lost to dead workers are not counted against the node's retries.
  const nextCounted = next - task.crashCount;
  const when = delay > 0 ? `at ${at.toISOString()}` : 'now';
  const reason =
    options.reason ??
    (attemptState === 'crashed'
      ? `its worker stopped responding; retrying ${when} (attempt ${next})`
      : `attempt ${failedAttempt} ${attemptState === 'timedout' ? 'timed out' : 'failed'}: ${error.message.slice(0, 300)}; retrying ${when} (attempt ${nextCounted} of ${allowed})`);
  const jobId = randomUUID();
  await t.tx
    .update(taskRuns)
    .set({
      state: 'retrying',
      attempt: next,
      stateReason: reason,
      error,
      notBefore: delay > 0 ? at : null,
      leaseExpiresAt: null,
      suspendedState: null,
      queuedAt: new Date(),
      jobId,
      crashCount: countsAgainstRetries ? task.crashCount : task.crashCount + 1,
    })
    .where(eq(taskRuns.id, task.id));
  await closeAttemptRow(t, task.id, failedAttempt, attemptState, error);
  await recordTransitions(t.tx, [
    {
      flowRunId: run.id,
      taskRunId: task.id,
      fromState: 'running',
      toState: 'retrying',
      attempt: failedAttempt,
      reason,
    },
  ]);
  await sendTaskJob(
    t,
    deps,
    { taskRunId: task.id, attempt: next, flowRunId: run.id, nodeId: task.nodeId },
    settings.timeoutSeconds,
    delay > 0 ? at : undefined,
    jobId,
    settings.pool,
  );
  // Wakes workers for the next attempt and tells live pages about the retry.
  await t.tx.execute(
    sql`select pg_notify('pipewright_wake', ${TASK_QUEUE}), pg_notify(${RUN_CHANNEL}, ${JSON.stringify({ runId: run.id })})`,
  );
  if (delay > 0) wakeLocalAt(deps, TASK_QUEUE, at);
}

/** Ends a task in a terminal state, releases its slot, and plans what follows. */
export async function endTask(
  t: Transaction,
  deps: WorkerDeps | EngineDeps,
  run: FlowRunRow,
  task: TaskRow,
  state: 'failed' | 'timedout' | 'cancelled',
  detail: { reason: string; error?: { message: string; stack?: string }; attemptState?: 'crashed' },
) {
  await t.tx
    .update(taskRuns)
    .set({
      state,
      stateReason: detail.reason,
      error: detail.error ?? null,
      endedAt: new Date(),
      holdsSlot: false,
      leaseExpiresAt: null,
    })
    .where(eq(taskRuns.id, task.id));
  if (task.state === 'running') {
    await closeAttemptRow(
      t,
      task.id,
      task.attempt,
      detail.attemptState ?? state,
      detail.error ?? null,
    );
  }
  await advanceFlowRun(t, deps, run, [
    {
      flowRunId: run.id,
      taskRunId: task.id,
      fromState: task.state,
      toState: state,
      attempt: task.attempt,
      reason: detail.reason,
    },
  ]);
}

async function closeAttemptRow(
  { tx }: Transaction,
  taskRunId: string,
  attempt: number,
  state: TaskRow['state'] | 'crashed',
  error: { message: string; stack?: string } | null,
) {
  await tx
    .update(taskAttempts)
    .set({ state, endedAt: new Date(), error })
    .where(and(eq(taskAttempts.taskRunId, taskRunId), eq(taskAttempts.attempt, attempt)));
}

/** A child run's params are stored and shown with it: secrets in them arrive masked. */
function withMaskedParams(service: ChildRunService, redactor: SecretRedactor): ChildRunService {
  if (!redactor.active) return service;
  return {
    ...service,
    start: (input) => service.start({ ...input, params: redactor.value(input.params) }),
  };
}

/** What the attempt returned, with its secrets masked, before any of it is stored. */
function redactResult(
  redactor: SecretRedactor,
  result: TaskRunResult | undefined,
): TaskRunResult | undefined {
  if (!result || !redactor.active) return result;
  if ('output' in result) return { ...result, output: redactor.value(result.output) };
  if ('fanOut' in result) return { fanOut: redactor.value(result.fanOut) };
  return { suspend: { ...redactor.value(result.suspend), until: result.suspend.until } };
}

function describeError(err: unknown): { message: string; stack?: string } {
  if (err instanceof Error) {
    const stack = (err as { userStack?: string }).userStack ?? err.stack;
    return { message: err.message || err.name, ...(stack ? { stack } : {}) };
  }
  return { message: String(err) };
}

function formatBytes(n: number): string {
  if (n >= 1024 * 1024) return `${(n / 1024 / 1024).toFixed(1)} MiB`;
  if (n >= 1024) return `${(n / 1024).toFixed(1)} KiB`;
  return `${n} bytes`;
}
