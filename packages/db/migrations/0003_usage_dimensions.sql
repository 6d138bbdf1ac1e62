ALTER TABLE "usage_rollups" DROP CONSTRAINT "usage_rollups_tenant_id_minute_gateway_id_installation_id_tool_name_status_pk";--> statement-breakpoint
ALTER TABLE "usage_rollups" ADD COLUMN "method" text DEFAULT '' NOT NULL;--> statement-breakpoint
ALTER TABLE "usage_rollups" ADD COLUMN "principal_id" text DEFAULT '' NOT NULL;--> statement-breakpoint
ALTER TABLE "usage_rollups" ADD COLUMN "auth_method" text DEFAULT '' NOT NULL;--> statement-breakpoint
ALTER TABLE "usage_rollups" ADD CONSTRAINT "usage_rollups_pk" PRIMARY KEY("tenant_id","minute","gateway_id","installation_id","tool_name","method","status","principal_id","auth_method");--> statement-breakpoint
ALTER TABLE "audit_events" ALTER COLUMN "latency_ms" SET DATA TYPE real;--> statement-breakpoint
ALTER TABLE "usage_rollups" ALTER COLUMN "latency_ms_sum" SET DATA TYPE double precision;--> statement-breakpoint
ALTER TABLE "usage_rollups" ALTER COLUMN "latency_buckets" DROP DEFAULT;--> statement-breakpoint
ALTER TABLE "usage_rollups" ALTER COLUMN "latency_buckets" SET DATA TYPE integer[] USING translate("latency_buckets"::text, '[]', '{}')::integer[];--> statement-breakpoint
ALTER TABLE "usage_rollups" ALTER COLUMN "latency_buckets" SET DEFAULT '{}'::integer[];--> statement-breakpoint
CREATE INDEX "processed_usage_batches_time_idx" ON "processed_usage_batches" USING btree ("processed_at");
