import { eq, sql } from 'drizzle-orm';
import type { Database, DbOrTx } from '@/db/client';
import { flowRuns, type LogLevel, runLogs } from '@/db/schema';
import { noSecrets, type SecretRedactor } from '@/server/secrets/redactor';

const MAX_LINE_CHARS = 8_000;
const FLUSH_EVERY_MS = 500;
const FLUSH_AT_LINES = 200;

/**
 * Collects one attempt's log lines and writes them in batches (not one
 * INSERT per line). Capped: past the limit one line says how many were
 * dropped, so a chatty task cannot fill the database.
 */
export class AttemptLog {
  private pending: (typeof runLogs.$inferInsert)[] = [];
  private kept = 0;
  private dropped = 0;
  private timer: NodeJS.Timeout | undefined;
  private flushing: Promise<void> = Promise.resolve();
  /** Set once the attempt is over: what is left waits for finish(). */
  private settled = false;

  constructor(
    private readonly db: Database,
    private readonly ids: { flowRunId: string; taskRunId: string; attempt: number },
    private readonly maxLines: number,
    /** Masks the attempt's secrets before a line is cut or stored. */
    private readonly redactor: SecretRedactor = noSecrets,
  ) {}

  /** `at`: when it was written, if before now (a run started early holds its lines). */
  write(level: LogLevel, message: string, at = new Date()): void {
    if (this.kept >= this.maxLines) {
      this.dropped++;
      return;
    }
    this.kept++;
    const redacted = this.redactor.text(message);
    const text =
      redacted.length > MAX_LINE_CHARS
        ? `${redacted.slice(0, MAX_LINE_CHARS)}… [${redacted.length - MAX_LINE_CHARS} more characters]`
        : redacted;
    this.pending.push({ ...this.ids, level, message: text, at });
    if (this.pending.length >= FLUSH_AT_LINES) this.flushSoon(0);
    else this.flushSoon(FLUSH_EVERY_MS);
  }

  private flushSoon(delay: number) {
    if (this.settled) return;
    if (this.timer && delay > 0) return;
    clearTimeout(this.timer);
    this.timer = setTimeout(() => {
      this.timer = undefined;
      const batch = this.pending.splice(0);
      if (batch.length === 0) return;
      this.flushing = this.flushing.then(() =>
        this.db
          .transaction((tx) => insertRunLogs(tx, batch))
          .catch(() => {
            // Lost connection: keep the lines for the final flush.
            this.pending.unshift(...batch);
          }),
      );
    }, delay);
  }

  /**
   * Waits for the batch in flight and stops flushing on a timer. Called
   * before the transaction that ends the attempt: that transaction holds the
   * run's row lock, which a batch's counter update also needs, so waiting
   * for a batch inside it would wait forever.
   */
  async settle(): Promise<void> {
    this.settled = true;
    clearTimeout(this.timer);
    this.timer = undefined;
    await this.flushing;
  }

  /** Once settled: whether finish() has nothing left to write. */
  get drained(): boolean {
    return this.settled && this.pending.length === 0 && this.dropped === 0;
  }

  /** Writes what is left, inside the transaction that ends the attempt. */
  async finish(tx: DbOrTx): Promise<void> {
    clearTimeout(this.timer);
    await this.flushing;
    if (this.dropped > 0) {
      this.pending.push({
        ...this.ids,
        level: 'warn',
        message: `${this.dropped} more log line${this.dropped === 1 ? '' : 's'} dropped: an attempt keeps at most ${this.maxLines}`,
        at: new Date(),
      });
      this.dropped = 0;
    }
    await insertRunLogs(tx, this.pending.splice(0));
  }
}

/**
 * The one way log lines are written: inserts them and adds their warnings
 * and errors to their runs' counters (flow_runs.warning_count /
 * error_count), in the caller's transaction, so the runs list reads two
 * columns instead of counting millions of lines. The counters are updated
 * first: the run's row lock is then taken before the insert's foreign-key
 * check share-locks it, in the same order as a finishing attempt.
 */
export async function insertRunLogs(
  tx: DbOrTx,
  lines: (typeof runLogs.$inferInsert)[],
): Promise<void> {
  if (lines.length === 0) return;
  const counts = new Map<string, { warnings: number; errors: number }>();
  for (const line of lines) {
    if (line.level !== 'warn' && line.level !== 'error') continue;
    const entry = counts.get(line.flowRunId) ?? { warnings: 0, errors: 0 };
    if (line.level === 'warn') entry.warnings++;
    else entry.errors++;
    counts.set(line.flowRunId, entry);
  }
  for (const [flowRunId, { warnings, errors }] of [...counts].sort(([a], [b]) =>
    a < b ? -1 : 1,
  )) {
    await tx
      .update(flowRuns)
      .set({
        warningCount: sql`${flowRuns.warningCount} + ${warnings}`,
        errorCount: sql`${flowRuns.errorCount} + ${errors}`,
      })
      .where(eq(flowRuns.id, flowRunId));
  }
  await tx.insert(runLogs).values(lines);
}
