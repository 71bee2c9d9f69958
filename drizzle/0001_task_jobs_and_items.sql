ALTER TABLE "task_runs" ADD COLUMN "job_id" uuid;--> statement-breakpoint
ALTER TABLE "task_runs" ADD COLUMN "parent_task_run_id" uuid;--> statement-breakpoint
ALTER TABLE "task_runs" ADD COLUMN "item_index" integer;--> statement-breakpoint
ALTER TABLE "task_runs" ADD COLUMN "item" jsonb;--> statement-breakpoint
CREATE INDEX "task_runs_parent_idx" ON "task_runs" USING btree ("parent_task_run_id","item_index") WHERE "task_runs"."parent_task_run_id" is not null;