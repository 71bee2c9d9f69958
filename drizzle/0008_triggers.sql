CREATE TABLE "flow_notifications" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"flow_id" uuid NOT NULL,
	"events" text[] NOT NULL,
	"url" text NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"last_delivery_at" timestamp with time zone,
	"last_delivery_status" text,
	"last_delivery_error" text,
	"last_delivery_run_id" uuid,
	"last_delivery_event" text,
	"last_delivery_attempts" integer
);
--> statement-breakpoint
CREATE TABLE "flow_webhooks" (
	"flow_id" uuid PRIMARY KEY NOT NULL,
	"token" text NOT NULL,
	"token_hash" text NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"last_triggered_at" timestamp with time zone
);
--> statement-breakpoint
ALTER TABLE "flows" ADD COLUMN "retention_days" integer;--> statement-breakpoint
ALTER TABLE "flow_notifications" ADD CONSTRAINT "flow_notifications_flow_id_flows_id_fk" FOREIGN KEY ("flow_id") REFERENCES "public"."flows"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "flow_webhooks" ADD CONSTRAINT "flow_webhooks_flow_id_flows_id_fk" FOREIGN KEY ("flow_id") REFERENCES "public"."flows"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "flow_notifications_flow_idx" ON "flow_notifications" USING btree ("flow_id");--> statement-breakpoint
CREATE UNIQUE INDEX "flow_webhooks_token_hash_unique" ON "flow_webhooks" USING btree ("token_hash");--> statement-breakpoint
CREATE INDEX "flow_runs_expiry_idx" ON "flow_runs" USING btree ("flow_id","ended_at") WHERE "flow_runs"."state" in ('completed','failed','cancelled','crashed');--> statement-breakpoint
CREATE INDEX "task_runs_cache_expiry_idx" ON "task_runs" USING btree ("cache_expires_at","flow_run_id") WHERE "task_runs"."cache_expires_at" is not null;