ALTER TABLE "flow_runs" ADD COLUMN "warning_count" integer DEFAULT 0 NOT NULL;--> statement-breakpoint
ALTER TABLE "flow_runs" ADD COLUMN "error_count" integer DEFAULT 0 NOT NULL;--> statement-breakpoint
CREATE INDEX "flow_runs_state_created_idx" ON "flow_runs" USING btree ("state","created_at" DESC NULLS LAST,"id" DESC NULLS LAST);--> statement-breakpoint
CREATE INDEX "flow_runs_trigger_created_idx" ON "flow_runs" USING btree ("trigger","created_at" DESC NULLS LAST,"id" DESC NULLS LAST);--> statement-breakpoint
-- Runs written before the counters existed get their real counts.
UPDATE "flow_runs" r SET "warning_count" = c.warnings, "error_count" = c.errors
FROM (SELECT "flow_run_id", count(*) FILTER (WHERE "level" = 'warn')::int AS warnings,
             count(*) FILTER (WHERE "level" = 'error')::int AS errors
      FROM "run_logs" GROUP BY "flow_run_id") c
WHERE r."id" = c."flow_run_id";
