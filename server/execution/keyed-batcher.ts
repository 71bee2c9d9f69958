interface Waiting<T> {
  item: T;
  resolve(): void;
  reject(err: unknown): void;
}

/**
 * Group commit, per key: one `commit` at a time for a key; items submitted
 * for that key while it runs are committed together by the next call. An
 * item alone commits at once, so batching only ever replaces waiting (for
 * the run's row lock, which the earlier commit holds), never adds to it.
 *
 * If a batch of several fails, each of its items is committed on its own,
 * so one bad item rejects only its own submitter.
 */
export class KeyedBatcher<T> {
  /** Per key with a commit in flight: the items for the next one. */
  private readonly next = new Map<string, Waiting<T>[]>();

  constructor(private readonly commit: (items: T[]) => Promise<void>) {}

  submit(key: string, item: T): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      const entry = { item, resolve, reject };
      const queued = this.next.get(key);
      if (queued) {
        queued.push(entry);
        return;
      }
      this.next.set(key, []);
      void this.drain(key, [entry]);
    });
  }

  private async drain(key: string, first: Waiting<T>[]): Promise<void> {
    for (let batch = first; batch.length > 0; batch = this.next.get(key)!.splice(0)) {
      await this.commitBatch(batch);
    }
    this.next.delete(key);
  }

  private async commitBatch(batch: Waiting<T>[]): Promise<void> {
    try {
      await this.commit(batch.map((w) => w.item));
      for (const w of batch) w.resolve();
    } catch (err) {
      if (batch.length === 1) {
        batch[0]!.reject(err);
        return;
      }
      for (const w of batch) await this.commitBatch([w]);
    }
  }
}
