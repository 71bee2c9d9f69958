ALTER TABLE "flow_runs" ADD COLUMN "warning_count" integer DEFAULT 0 NOT NULL;--> statement-breakpoint
ALTER TABLE "flow_runs" ADD COLUMN "error_count" integer DEFAULT 0 NOT NULL;--> statement-breakpoint
CREATE INDEX "flow_runs_state_created_idx" ON "flow_runs" USING btree ("state","created_at" DESC NULLS LAST,"id" DESC NULLS LAST);--> statement-breakpoint
CREATE INDEX "flow_runs_trigger_created_idx" ON "flow_runs" USING btree ("trigger","created_at" DESC NULLS LAST,"id" DESC NULLS LAST);