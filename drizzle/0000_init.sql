CREATE TABLE "flow_versions" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"flow_id" uuid NOT NULL,
	"version" integer NOT NULL,
	"document" jsonb NOT NULL,
	"message" text DEFAULT '' NOT NULL,
	"created_by" text,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "flows" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"name" text NOT NULL,
	"description" text DEFAULT '' NOT NULL,
	"latest_version" integer NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL,
	"deleted_at" timestamp with time zone
);
--> statement-breakpoint
CREATE TABLE "concurrency_limits" (
	"tag" text PRIMARY KEY NOT NULL,
	"max_running" integer NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "flow_runs" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"flow_id" uuid NOT NULL,
	"flow_version_id" uuid NOT NULL,
	"state" text NOT NULL,
	"state_reason" text,
	"params" jsonb DEFAULT '{}'::jsonb NOT NULL,
	"trigger" text NOT NULL,
	"triggered_by" text,
	"refresh_cache" boolean DEFAULT false NOT NULL,
	"parent_task_run_id" uuid,
	"retry_of_run_id" uuid,
	"scheduled_for" timestamp with time zone,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"started_at" timestamp with time zone,
	"ended_at" timestamp with time zone,
	"deadline_at" timestamp with time zone,
	"timed_out" boolean DEFAULT false NOT NULL
);
--> statement-breakpoint
CREATE TABLE "run_logs" (
	"id" bigserial PRIMARY KEY NOT NULL,
	"flow_run_id" uuid NOT NULL,
	"task_run_id" uuid,
	"attempt" integer,
	"level" text NOT NULL,
	"message" text NOT NULL,
	"at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "run_transitions" (
	"id" bigserial PRIMARY KEY NOT NULL,
	"flow_run_id" uuid NOT NULL,
	"task_run_id" uuid,
	"from_state" text,
	"to_state" text NOT NULL,
	"attempt" integer,
	"reason" text,
	"at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "task_attempts" (
	"task_run_id" uuid NOT NULL,
	"attempt" integer NOT NULL,
	"state" text NOT NULL,
	"worker_id" text,
	"started_at" timestamp with time zone DEFAULT now() NOT NULL,
	"ended_at" timestamp with time zone,
	"error" jsonb,
	CONSTRAINT "task_attempts_task_run_id_attempt_pk" PRIMARY KEY("task_run_id","attempt")
);
--> statement-breakpoint
CREATE TABLE "task_runs" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"flow_run_id" uuid NOT NULL,
	"node_id" text NOT NULL,
	"node_type" text NOT NULL,
	"state" text NOT NULL,
	"state_reason" text,
	"attempt" integer DEFAULT 0 NOT NULL,
	"resolved_config" jsonb,
	"output" jsonb,
	"output_bytes" integer,
	"error" jsonb,
	"cache_key" text,
	"cached_from_task_run_id" uuid,
	"cache_expires_at" timestamp with time zone,
	"concurrency_tag" text,
	"pool" text,
	"worker_id" text,
	"started_at" timestamp with time zone,
	"ended_at" timestamp with time zone,
	"lease_expires_at" timestamp with time zone,
	"not_before" timestamp with time zone,
	"ready_at" timestamp with time zone,
	"queued_at" timestamp with time zone,
	"holds_slot" boolean DEFAULT false NOT NULL,
	"branch" text,
	"suspended_state" jsonb,
	"crash_count" integer DEFAULT 0 NOT NULL
);
--> statement-breakpoint
ALTER TABLE "flow_versions" ADD CONSTRAINT "flow_versions_flow_id_flows_id_fk" FOREIGN KEY ("flow_id") REFERENCES "public"."flows"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "flow_runs" ADD CONSTRAINT "flow_runs_flow_id_flows_id_fk" FOREIGN KEY ("flow_id") REFERENCES "public"."flows"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "flow_runs" ADD CONSTRAINT "flow_runs_flow_version_id_flow_versions_id_fk" FOREIGN KEY ("flow_version_id") REFERENCES "public"."flow_versions"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "run_logs" ADD CONSTRAINT "run_logs_flow_run_id_flow_runs_id_fk" FOREIGN KEY ("flow_run_id") REFERENCES "public"."flow_runs"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "run_logs" ADD CONSTRAINT "run_logs_task_run_id_task_runs_id_fk" FOREIGN KEY ("task_run_id") REFERENCES "public"."task_runs"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "run_transitions" ADD CONSTRAINT "run_transitions_flow_run_id_flow_runs_id_fk" FOREIGN KEY ("flow_run_id") REFERENCES "public"."flow_runs"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "run_transitions" ADD CONSTRAINT "run_transitions_task_run_id_task_runs_id_fk" FOREIGN KEY ("task_run_id") REFERENCES "public"."task_runs"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "task_attempts" ADD CONSTRAINT "task_attempts_task_run_id_task_runs_id_fk" FOREIGN KEY ("task_run_id") REFERENCES "public"."task_runs"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "task_runs" ADD CONSTRAINT "task_runs_flow_run_id_flow_runs_id_fk" FOREIGN KEY ("flow_run_id") REFERENCES "public"."flow_runs"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
CREATE UNIQUE INDEX "flow_versions_flow_version_unique" ON "flow_versions" USING btree ("flow_id","version");--> statement-breakpoint
CREATE UNIQUE INDEX "flows_name_live_unique" ON "flows" USING btree (lower("name")) WHERE "flows"."deleted_at" is null;--> statement-breakpoint
CREATE INDEX "flows_updated_idx" ON "flows" USING btree ("updated_at");--> statement-breakpoint
CREATE INDEX "flow_runs_created_idx" ON "flow_runs" USING btree ("created_at" DESC NULLS LAST,"id" DESC NULLS LAST);--> statement-breakpoint
CREATE INDEX "flow_runs_flow_created_idx" ON "flow_runs" USING btree ("flow_id","created_at" DESC NULLS LAST,"id" DESC NULLS LAST);--> statement-breakpoint
CREATE INDEX "flow_runs_active_idx" ON "flow_runs" USING btree ("state") WHERE "flow_runs"."state" in ('scheduled','pending','running','cancelling');--> statement-breakpoint
CREATE INDEX "flow_runs_parent_idx" ON "flow_runs" USING btree ("parent_task_run_id");--> statement-breakpoint
CREATE INDEX "run_logs_run_idx" ON "run_logs" USING btree ("flow_run_id","id");--> statement-breakpoint
CREATE INDEX "run_logs_task_idx" ON "run_logs" USING btree ("task_run_id","id");--> statement-breakpoint
CREATE INDEX "run_transitions_run_idx" ON "run_transitions" USING btree ("flow_run_id","id");--> statement-breakpoint
CREATE INDEX "run_transitions_task_idx" ON "run_transitions" USING btree ("task_run_id","id");--> statement-breakpoint
CREATE UNIQUE INDEX "task_runs_run_node_unique" ON "task_runs" USING btree ("flow_run_id","node_id");--> statement-breakpoint
CREATE INDEX "task_runs_waiting_idx" ON "task_runs" USING btree ("ready_at") WHERE "task_runs"."queued_at" is null and "task_runs"."ready_at" is not null and "task_runs"."state" = 'pending';--> statement-breakpoint
CREATE INDEX "task_runs_slot_idx" ON "task_runs" USING btree ("flow_run_id") WHERE "task_runs"."holds_slot";--> statement-breakpoint
CREATE INDEX "task_runs_cache_idx" ON "task_runs" USING btree ("cache_key","ended_at" DESC NULLS LAST) WHERE "task_runs"."state" = 'completed' and "task_runs"."cache_key" is not null;--> statement-breakpoint
CREATE INDEX "task_runs_lease_idx" ON "task_runs" USING btree ("lease_expires_at") WHERE "task_runs"."state" = 'running';--> statement-breakpoint
CREATE INDEX "task_runs_tag_idx" ON "task_runs" USING btree ("concurrency_tag") WHERE "task_runs"."state" = 'running' and "task_runs"."concurrency_tag" is not null;