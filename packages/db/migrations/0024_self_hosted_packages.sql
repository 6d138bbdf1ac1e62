ALTER TABLE "registry_entries" DROP CONSTRAINT "registry_entries_target_chk";--> statement-breakpoint
ALTER TABLE "installations" ADD COLUMN "package_version" text;--> statement-breakpoint
ALTER TABLE "installations" ADD COLUMN "canary_version" text;--> statement-breakpoint
ALTER TABLE "installations" ADD COLUMN "canary_percent" integer;--> statement-breakpoint
ALTER TABLE "installations" ADD COLUMN "canary_started_at" timestamp with time zone;--> statement-breakpoint
ALTER TABLE "registry_entries" ADD COLUMN "package" text;--> statement-breakpoint
ALTER TABLE "registry_entries" ADD COLUMN "bin" text;--> statement-breakpoint
ALTER TABLE "registry_entries" ADD COLUMN "network" text DEFAULT 'none' NOT NULL;--> statement-breakpoint
ALTER TABLE "audit_events" ADD COLUMN "variant" text;--> statement-breakpoint
ALTER TABLE "audit_events" ADD COLUMN "server_version" text;--> statement-breakpoint
ALTER TABLE "usage_rollups" ADD COLUMN "variant" text DEFAULT '' NOT NULL;--> statement-breakpoint
ALTER TABLE "usage_rollups" DROP CONSTRAINT "usage_rollups_pk";
--> statement-breakpoint
ALTER TABLE "usage_rollups" ADD CONSTRAINT "usage_rollups_pk" PRIMARY KEY("tenant_id","minute","gateway_id","installation_id","tool_name","method","status","principal_id","auth_method","agent","policy_decision","dlp_outcome","variant");--> statement-breakpoint
ALTER TABLE "installations" ADD CONSTRAINT "installations_canary_chk" CHECK (("installations"."canary_version" is null and "installations"."canary_percent" is null)
        or ("installations"."canary_version" is not null and "installations"."canary_percent" between 1 and 99));--> statement-breakpoint
ALTER TABLE "registry_entries" ADD CONSTRAINT "registry_entries_target_chk" CHECK (("registry_entries"."transport" = 'stdio' and ("registry_entries"."command" is not null or "registry_entries"."package" is not null)) or ("registry_entries"."transport" in ('streamable_http', 'sse') and "registry_entries"."url" is not null) or ("registry_entries"."transport" = 'builtin' and "registry_entries"."tenant_id" is null and "registry_entries"."url" is null and "registry_entries"."command" is null));