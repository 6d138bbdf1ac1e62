ALTER TABLE "audit_events" ADD COLUMN "agent" text;--> statement-breakpoint
ALTER TABLE "usage_rollups" ADD COLUMN "agent" text DEFAULT '' NOT NULL;--> statement-breakpoint
ALTER TABLE "usage_rollups" DROP CONSTRAINT "usage_rollups_pk";
--> statement-breakpoint
ALTER TABLE "usage_rollups" ADD CONSTRAINT "usage_rollups_pk" PRIMARY KEY("tenant_id","minute","gateway_id","installation_id","tool_name","method","status","principal_id","auth_method","agent");