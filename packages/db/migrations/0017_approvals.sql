CREATE TABLE "approval_requests" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"tenant_id" uuid NOT NULL,
	"gateway_id" uuid NOT NULL,
	"policy_id" uuid,
	"policy_name" text NOT NULL,
	"policy_message" text DEFAULT '' NOT NULL,
	"tool_name" text NOT NULL,
	"args" jsonb NOT NULL,
	"args_hash" text NOT NULL,
	"principal_id" text NOT NULL,
	"caller_user_id" uuid,
	"caller_label" text DEFAULT '' NOT NULL,
	"agent" text DEFAULT '' NOT NULL,
	"approvers" text NOT NULL,
	"approver_team_id" uuid,
	"status" text DEFAULT 'pending' NOT NULL,
	"note" text DEFAULT '' NOT NULL,
	"decided_by" uuid,
	"decided_at" timestamp with time zone,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"expires_at" timestamp with time zone NOT NULL,
	"approved_until" timestamp with time zone,
	"used_at" timestamp with time zone,
	CONSTRAINT "approval_requests_status_chk" CHECK ("approval_requests"."status" in ('pending', 'approved', 'denied', 'expired', 'used')),
	CONSTRAINT "approval_requests_approvers_chk" CHECK ("approval_requests"."approvers" in ('admins', 'team'))
);
--> statement-breakpoint
ALTER TABLE "policies" ADD COLUMN "approvers" text DEFAULT 'caller' NOT NULL;--> statement-breakpoint
ALTER TABLE "policies" ADD COLUMN "approver_team_id" uuid;--> statement-breakpoint
ALTER TABLE "approval_requests" ADD CONSTRAINT "approval_requests_tenant_id_tenants_id_fk" FOREIGN KEY ("tenant_id") REFERENCES "public"."tenants"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "approval_requests" ADD CONSTRAINT "approval_requests_gateway_id_gateways_id_fk" FOREIGN KEY ("gateway_id") REFERENCES "public"."gateways"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "approval_requests" ADD CONSTRAINT "approval_requests_policy_id_policies_id_fk" FOREIGN KEY ("policy_id") REFERENCES "public"."policies"("id") ON DELETE set null ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "approval_requests" ADD CONSTRAINT "approval_requests_caller_user_id_users_id_fk" FOREIGN KEY ("caller_user_id") REFERENCES "public"."users"("id") ON DELETE set null ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "approval_requests" ADD CONSTRAINT "approval_requests_approver_team_id_teams_id_fk" FOREIGN KEY ("approver_team_id") REFERENCES "public"."teams"("id") ON DELETE set null ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "approval_requests" ADD CONSTRAINT "approval_requests_decided_by_users_id_fk" FOREIGN KEY ("decided_by") REFERENCES "public"."users"("id") ON DELETE set null ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "approval_requests_inbox_idx" ON "approval_requests" USING btree ("tenant_id","status","created_at");--> statement-breakpoint
CREATE INDEX "approval_requests_call_idx" ON "approval_requests" USING btree ("tenant_id","gateway_id","principal_id","tool_name","args_hash");--> statement-breakpoint
CREATE UNIQUE INDEX "approval_requests_pending_call_idx" ON "approval_requests" USING btree ("tenant_id","gateway_id","principal_id","tool_name","args_hash") WHERE "approval_requests"."status" = 'pending';--> statement-breakpoint
ALTER TABLE "policies" ADD CONSTRAINT "policies_approver_team_id_teams_id_fk" FOREIGN KEY ("approver_team_id") REFERENCES "public"."teams"("id") ON DELETE set null ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "policies" ADD CONSTRAINT "policies_approvers_chk" CHECK ("policies"."approvers" in ('caller', 'admins', 'team'));