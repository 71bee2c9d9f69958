import type { TaskRunner } from '../runner';
import { PermanentTaskError } from '../runner';

export const delayRunner: TaskRunner<{ seconds: number | string }> = {
  type: 'delay',
  async run(ctx) {
    if (ctx.resumed) {
      const started = (ctx.resumed.state as { startedAt: string }).startedAt;
      return { output: { waitedSeconds: (Date.now() - Date.parse(started)) / 1000 } };
    }
    const seconds = Number(ctx.config.seconds);
    if (!Number.isFinite(seconds) || seconds < 0) {
      throw new PermanentTaskError(
        `seconds must be a number of seconds ≥ 0, got ${JSON.stringify(ctx.config.seconds)}`,
      );
    }
    const until = new Date(Date.now() + seconds * 1000);
    ctx.log('info', `waiting ${seconds} s, until ${until.toISOString()}`);
    return {
      suspend: {
        until,
        state: { startedAt: new Date().toISOString() },
        reason: `waiting until ${until.toISOString()}`,
      },
    };
  },
};
