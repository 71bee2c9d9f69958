import { z } from 'zod';
import { defineTask } from '@/server/tasks/custom';

/**
 * A custom task type for the poison scenario (loaded with
 * PIPEWRIGHT_TASKS_DIR=tests/faults/tasks): custom types run inside the
 * worker process, so this one kills its worker every time it runs, the
 * way a native crash or the OOM killer would.
 */
export default defineTask({
  type: 'poison-pill',
  title: 'Poison pill (fault injection)',
  category: 'Custom',
  config: z.object({}),
  run: () => {
    process.kill(process.pid, 'SIGKILL');
    return null;
  },
});
