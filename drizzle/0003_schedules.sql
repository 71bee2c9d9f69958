CREATE TABLE "schedules" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"flow_id" uuid NOT NULL,
	"name" text NOT NULL,
	"kind" text NOT NULL,
	"cron" text,
	"interval_seconds" integer,
	"timezone" text DEFAULT 'UTC' NOT NULL,
	"params" jsonb DEFAULT '{}'::jsonb NOT NULL,
	"pinned_version" integer,
	"active" boolean DEFAULT true NOT NULL,
	"catchup" text DEFAULT 'latest' NOT NULL,
	"catchup_window_minutes" integer,
	"late_after_seconds" integer DEFAULT 60 NOT NULL,
	"anchor_at" timestamp with time zone DEFAULT now() NOT NULL,
	"materialized_through" timestamp with time zone,
	"refill_at" timestamp with time zone,
	"notice" text,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
ALTER TABLE "flow_runs" ADD COLUMN "schedule_id" uuid;--> statement-breakpoint
ALTER TABLE "flow_runs" ADD COLUMN "fired_at" timestamp with time zone;--> statement-breakpoint
ALTER TABLE "flow_runs" ADD COLUMN "late_at" timestamp with time zone;--> statement-breakpoint
ALTER TABLE "flow_runs" ADD COLUMN "late_since" timestamp with time zone;--> statement-breakpoint
ALTER TABLE "schedules" ADD CONSTRAINT "schedules_flow_id_flows_id_fk" FOREIGN KEY ("flow_id") REFERENCES "public"."flows"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "schedules_flow_idx" ON "schedules" USING btree ("flow_id","created_at");--> statement-breakpoint
CREATE INDEX "schedules_refill_idx" ON "schedules" USING btree ("refill_at") WHERE "schedules"."active";--> statement-breakpoint
ALTER TABLE "flow_runs" ADD CONSTRAINT "flow_runs_schedule_id_schedules_id_fk" FOREIGN KEY ("schedule_id") REFERENCES "public"."schedules"("id") ON DELETE set null ON UPDATE no action;--> statement-breakpoint
CREATE UNIQUE INDEX "flow_runs_schedule_slot_unique" ON "flow_runs" USING btree ("schedule_id","scheduled_for") WHERE "flow_runs"."schedule_id" is not null and ("flow_runs"."state" <> 'cancelled' or "flow_runs"."fired_at" is not null);--> statement-breakpoint
CREATE INDEX "flow_runs_due_idx" ON "flow_runs" USING btree ("scheduled_for") WHERE "flow_runs"."state" = 'scheduled';