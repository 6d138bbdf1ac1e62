CREATE TABLE "policies" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"tenant_id" uuid NOT NULL,
	"name" text NOT NULL,
	"description" text DEFAULT '' NOT NULL,
	"priority" integer DEFAULT 0 NOT NULL,
	"enabled" boolean DEFAULT true NOT NULL,
	"all_gateways" boolean DEFAULT true NOT NULL,
	"condition" text NOT NULL,
	"action" text NOT NULL,
	"message" text DEFAULT '' NOT NULL,
	"created_by" uuid,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "policies_action_chk" CHECK ("policies"."action" in ('allow', 'deny', 'require_approval'))
);
--> statement-breakpoint
CREATE TABLE "policy_gateways" (
	"tenant_id" uuid NOT NULL,
	"policy_id" uuid NOT NULL,
	"gateway_id" uuid NOT NULL,
	CONSTRAINT "policy_gateways_policy_id_gateway_id_pk" PRIMARY KEY("policy_id","gateway_id")
);
--> statement-breakpoint
ALTER TABLE "registry_entries" ADD COLUMN "tool_labels" jsonb DEFAULT '{}'::jsonb NOT NULL;--> statement-breakpoint
ALTER TABLE "tools" ADD COLUMN "labels" text[] DEFAULT '{}'::text[] NOT NULL;--> statement-breakpoint
ALTER TABLE "policies" ADD CONSTRAINT "policies_tenant_id_tenants_id_fk" FOREIGN KEY ("tenant_id") REFERENCES "public"."tenants"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "policies" ADD CONSTRAINT "policies_created_by_users_id_fk" FOREIGN KEY ("created_by") REFERENCES "public"."users"("id") ON DELETE set null ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "policy_gateways" ADD CONSTRAINT "policy_gateways_tenant_id_tenants_id_fk" FOREIGN KEY ("tenant_id") REFERENCES "public"."tenants"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "policy_gateways" ADD CONSTRAINT "policy_gateways_policy_id_policies_id_fk" FOREIGN KEY ("policy_id") REFERENCES "public"."policies"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "policy_gateways" ADD CONSTRAINT "policy_gateways_gateway_id_gateways_id_fk" FOREIGN KEY ("gateway_id") REFERENCES "public"."gateways"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
CREATE UNIQUE INDEX "policies_tenant_name_idx" ON "policies" USING btree ("tenant_id",lower("name"));--> statement-breakpoint
CREATE INDEX "policy_gateways_gateway_idx" ON "policy_gateways" USING btree ("tenant_id","gateway_id");