import type { Database, DbOrTx } from '@/db/client';
import { type LogLevel, runLogs } from '@/db/schema';
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

  constructor(
    private readonly db: Database,
    private readonly ids: { flowRunId: string; taskRunId: string; attempt: number },
    private readonly maxLines: number,
    /** Masks the attempt's secrets before a line is cut or stored. */
    private readonly redactor: SecretRedactor = noSecrets,
  ) {}

  write(level: LogLevel, message: string): void {
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
    this.pending.push({ ...this.ids, level, message: text, at: new Date() });
    if (this.pending.length >= FLUSH_AT_LINES) this.flushSoon(0);
    else this.flushSoon(FLUSH_EVERY_MS);
  }

  private flushSoon(delay: number) {
    if (this.timer && delay > 0) return;
    clearTimeout(this.timer);
    this.timer = setTimeout(() => {
      this.timer = undefined;
      const batch = this.pending.splice(0);
      if (batch.length === 0) return;
      this.flushing = this.flushing.then(() =>
        this.db
          .insert(runLogs)
          .values(batch)
          .then(() => {})
          .catch(() => {
            // Lost connection: keep the lines for the final flush.
            this.pending.unshift(...batch);
          }),
      );
    }, delay);
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
    const batch = this.pending.splice(0);
    if (batch.length > 0) await tx.insert(runLogs).values(batch);
  }
}
