import { createTRPCRouter, editorProcedure, viewerProcedure } from '@/server/api/trpc';
import { systemClock } from '@/server/execution/deps';
import type { Runtime } from '@/server/runtime';
import { createSchedule } from '@/server/schedules/create';
import { deleteSchedule } from '@/server/schedules/delete';
import { listSchedules } from '@/server/schedules/list';
import { setScheduleActive } from '@/server/schedules/pause';
import {
  createScheduleInput,
  listSchedulesInput,
  scheduleByIdInput,
  upcomingInput,
  updateScheduleInput,
} from '@/server/schedules/schemas';
import { upcomingFireTimes } from '@/server/schedules/upcoming';
import { updateSchedule } from '@/server/schedules/update';

/** The runtime's clock: tests drive schedules with a controllable one. */
const now = (runtime: Runtime) => (runtime.clock ?? systemClock)();

export const schedulesRouter = createTRPCRouter({
  list: viewerProcedure
    .input(listSchedulesInput)
    .query(({ ctx, input }) => listSchedules(ctx.runtime.db, input ?? {}, now(ctx.runtime))),
  create: editorProcedure
    .input(createScheduleInput)
    .mutation(({ ctx, input }) => createSchedule(ctx.runtime.db, input, now(ctx.runtime))),
  update: editorProcedure
    .input(updateScheduleInput)
    .mutation(({ ctx, input }) => updateSchedule(ctx.runtime.db, input, now(ctx.runtime))),
  pause: editorProcedure
    .input(scheduleByIdInput)
    .mutation(({ ctx, input }) =>
      setScheduleActive(ctx.runtime.db, input.id, false, now(ctx.runtime)),
    ),
  resume: editorProcedure
    .input(scheduleByIdInput)
    .mutation(({ ctx, input }) =>
      setScheduleActive(ctx.runtime.db, input.id, true, now(ctx.runtime)),
    ),
  delete: editorProcedure
    .input(scheduleByIdInput)
    .mutation(({ ctx, input }) => deleteSchedule(ctx.runtime.db, input.id)),
  /** Description and next fire times of a saved schedule or of an unsaved cron/interval + timezone. */
  upcoming: viewerProcedure
    .input(upcomingInput)
    .query(({ ctx, input }) => upcomingFireTimes(ctx.runtime.db, input, now(ctx.runtime))),
});
