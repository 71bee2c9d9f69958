import type PgBoss from 'pg-boss';
import type { AttemptSlots } from '@/server/execution/handoff';

/**
 * Takes jobs from one or more pg-boss queues (a worker's pools) and runs up
 * to `concurrency` at once, shared by all of them.
 *
 * pg-boss's own `work()` runs one fetch loop per concurrent job, each asleep
 * between polls; waking them means N loops racing to fetch one job. Here one
 * pump fetches exactly as many jobs as there are free slots, in one query,
 * whenever it is woken (a NOTIFY, a job finishing here) or the poll timer
 * fires as a fallback. A job finishing frees a slot and fetches again at
 * once, so the next task of a chain starts without waiting for a poll.
 *
 * Its slots also run work that never went through pg-boss: tasks a finishing
 * attempt handed to this worker (`reserve` + `runReserved`, see
 * server/execution/handoff.ts).
 */
export class QueueConsumer<T> implements AttemptSlots {
  private running = 0;
  private fetching = false;
  private wanted = false;
  private stopped = false;
  private readonly poller: NodeJS.Timeout;
  private readonly inFlight = new Set<Promise<void>>();
  private readonly queues: string[];
  /** Round-robin start, so a busy pool cannot starve the others. */
  private nextQueue = 0;

  constructor(
    private readonly boss: PgBoss,
    queue: string | string[],
    private readonly concurrency: number,
    private readonly handle: (job: PgBoss.Job<T>) => Promise<void>,
    private readonly onError: (err: Error) => void,
    pollIntervalMs = 2000,
  ) {
    this.queues = Array.isArray(queue) ? queue : [queue];
    this.poller = setInterval(() => this.wake(), pollIntervalMs);
    this.wake();
  }

  /** Something may be waiting in the queue: fetch if there is room. */
  wake(): void {
    this.wanted = true;
    void this.pump();
  }

  get busy(): number {
    return this.running;
  }

  private async pump(): Promise<void> {
    if (this.fetching || this.stopped) return;
    this.fetching = true;
    try {
      while (this.wanted && !this.stopped && this.running < this.concurrency) {
        this.wanted = false;
        let fetched = 0;
        const first = this.nextQueue++ % this.queues.length;
        for (let i = 0; i < this.queues.length && this.running < this.concurrency; i++) {
          const queue = this.queues[(first + i) % this.queues.length]!;
          const jobs = await this.boss.fetch<T>(queue, {
            batchSize: this.concurrency - this.running,
          });
          for (const job of jobs) this.start(queue, job);
          fetched += jobs.length;
        }
        if (fetched === 0) break;
        // A full batch suggests more are waiting.
        this.wanted = true;
      }
    } catch (err) {
      this.onError(err as Error);
    } finally {
      this.fetching = false;
    }
  }

  private start(queue: string, job: PgBoss.Job<T>): void {
    this.running++;
    this.track(this.runJob(queue, job));
  }

  /** Keeps work in a slot until it settles, then frees the slot. */
  private track(work: Promise<void>): void {
    const done = work.finally(() => {
      this.running--;
      this.inFlight.delete(done);
      // A free slot: fetch if a wake-up came while every slot was busy, or
      // the last fetch filled them (more may be waiting).
      if (this.wanted) void this.pump();
    });
    this.inFlight.add(done);
  }

  reserve(transfer: boolean): boolean {
    if (this.stopped) return false;
    if (!transfer && this.running >= this.concurrency) return false;
    this.running++;
    return true;
  }

  release(): void {
    this.running--;
    if (this.wanted) void this.pump();
  }

  runReserved(work: () => Promise<void>): void {
    this.track(
      work().catch((err: Error) => {
        this.onError(err);
      }),
    );
  }

  private async runJob(queue: string, job: PgBoss.Job<T>): Promise<void> {
    try {
      await this.handle(job);
      await this.boss.complete(queue, job.id);
    } catch (err) {
      this.onError(err as Error);
      await this.boss.fail(queue, job.id, { message: (err as Error).message }).catch(() => {});
    }
  }

  /** Stops fetching and waits for the jobs in hand (up to `timeoutMs`). */
  async stop(timeoutMs = 10_000): Promise<void> {
    this.stopped = true;
    clearInterval(this.poller);
    const deadline = Date.now() + timeoutMs;
    // Work in hand may hand off one last claimed task: wait for that too.
    while (this.inFlight.size > 0 && Date.now() < deadline) {
      await Promise.race([
        Promise.allSettled([...this.inFlight]),
        new Promise((r) => setTimeout(r, deadline - Date.now()).unref()),
      ]);
    }
  }
}
