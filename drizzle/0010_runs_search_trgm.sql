-- Hand-written (the one statement drizzle-kit cannot generate): the trigram
-- operator classes the two indexes below use. See ARCHITECTURE.md, "Runs list at scale".
CREATE EXTENSION IF NOT EXISTS pg_trgm;--> statement-breakpoint
CREATE INDEX "flows_name_trgm_idx" ON "flows" USING gin ("name" gin_trgm_ops);--> statement-breakpoint
CREATE INDEX "flow_runs_params_trgm_idx" ON "flow_runs" USING gin (("params"::text) gin_trgm_ops);