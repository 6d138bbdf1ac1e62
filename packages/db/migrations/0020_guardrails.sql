CREATE TABLE "guardrail_gateways" (
	"tenant_id" uuid NOT NULL,
	"guardrail_id" uuid NOT NULL,
	"gateway_id" uuid NOT NULL,
	CONSTRAINT "guardrail_gateways_guardrail_id_gateway_id_pk" PRIMARY KEY("guardrail_id","gateway_id")
);
--> statement-breakpoint
CREATE TABLE "guardrails" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"tenant_id" uuid NOT NULL,
	"name" text NOT NULL,
	"description" text DEFAULT '' NOT NULL,
	"enabled" boolean DEFAULT true NOT NULL,
	"all_gateways" boolean DEFAULT true NOT NULL,
	"direction" text NOT NULL,
	"detectors" text[] DEFAULT '{}'::text[] NOT NULL,
	"patterns" jsonb DEFAULT '[]'::jsonb NOT NULL,
	"action" text NOT NULL,
	"external_url" text,
	"external_secret_sealed" text,
	"external_timeout_ms" integer DEFAULT 2000 NOT NULL,
	"external_fail_mode" text DEFAULT 'closed' NOT NULL,
	"created_by" uuid,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "guardrails_direction_chk" CHECK ("guardrails"."direction" in ('arguments', 'results', 'both')),
	CONSTRAINT "guardrails_action_chk" CHECK ("guardrails"."action" in ('log', 'redact', 'block')),
	CONSTRAINT "guardrails_fail_mode_chk" CHECK ("guardrails"."external_fail_mode" in ('open', 'closed'))
);
--> statement-breakpoint
ALTER TABLE "audit_events" ADD COLUMN "dlp_outcome" text;--> statement-breakpoint
ALTER TABLE "audit_events" ADD COLUMN "dlp_findings" jsonb;--> statement-breakpoint
ALTER TABLE "usage_rollups" ADD COLUMN "policy_decision" text DEFAULT '' NOT NULL;--> statement-breakpoint
ALTER TABLE "usage_rollups" ADD COLUMN "dlp_outcome" text DEFAULT '' NOT NULL;--> statement-breakpoint
ALTER TABLE "guardrail_gateways" ADD CONSTRAINT "guardrail_gateways_tenant_id_tenants_id_fk" FOREIGN KEY ("tenant_id") REFERENCES "public"."tenants"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "guardrail_gateways" ADD CONSTRAINT "guardrail_gateways_guardrail_id_guardrails_id_fk" FOREIGN KEY ("guardrail_id") REFERENCES "public"."guardrails"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "guardrail_gateways" ADD CONSTRAINT "guardrail_gateways_gateway_id_gateways_id_fk" FOREIGN KEY ("gateway_id") REFERENCES "public"."gateways"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "guardrails" ADD CONSTRAINT "guardrails_tenant_id_tenants_id_fk" FOREIGN KEY ("tenant_id") REFERENCES "public"."tenants"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "guardrails" ADD CONSTRAINT "guardrails_created_by_users_id_fk" FOREIGN KEY ("created_by") REFERENCES "public"."users"("id") ON DELETE set null ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "guardrail_gateways_gateway_idx" ON "guardrail_gateways" USING btree ("tenant_id","gateway_id");--> statement-breakpoint
CREATE UNIQUE INDEX "guardrails_tenant_name_idx" ON "guardrails" USING btree ("tenant_id",lower("name"));--> statement-breakpoint
ALTER TABLE "usage_rollups" DROP CONSTRAINT "usage_rollups_pk";
--> statement-breakpoint
ALTER TABLE "usage_rollups" ADD CONSTRAINT "usage_rollups_pk" PRIMARY KEY("tenant_id","minute","gateway_id","installation_id","tool_name","method","status","principal_id","auth_method","agent","policy_decision","dlp_outcome");