CREATE TABLE "run_shares" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"flow_run_id" uuid NOT NULL,
	"token_hash" text NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"created_by" text,
	"expires_at" timestamp with time zone,
	"revoked_at" timestamp with time zone
);
--> statement-breakpoint
ALTER TABLE "run_shares" ADD CONSTRAINT "run_shares_flow_run_id_flow_runs_id_fk" FOREIGN KEY ("flow_run_id") REFERENCES "public"."flow_runs"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
CREATE UNIQUE INDEX "run_shares_token_hash_idx" ON "run_shares" USING btree ("token_hash");--> statement-breakpoint
CREATE INDEX "run_shares_run_idx" ON "run_shares" USING btree ("flow_run_id","created_at" DESC NULLS LAST);