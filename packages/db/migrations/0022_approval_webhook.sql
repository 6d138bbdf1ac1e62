CREATE TABLE "approval_announcements" (
	"approval_id" uuid NOT NULL,
	"event" text NOT NULL,
	"channel" text NOT NULL,
	"tenant_id" uuid NOT NULL,
	"attempts" integer DEFAULT 0 NOT NULL,
	"due_at" timestamp with time zone DEFAULT now() NOT NULL,
	"last_error" text,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "approval_announcements_approval_id_event_channel_pk" PRIMARY KEY("approval_id","event","channel"),
	CONSTRAINT "approval_announcements_event_chk" CHECK ("approval_announcements"."event" in ('requested', 'decided')),
	CONSTRAINT "approval_announcements_channel_chk" CHECK ("approval_announcements"."channel" in ('email', 'webhook'))
);
--> statement-breakpoint
ALTER TABLE "approval_announcements" ADD CONSTRAINT "approval_announcements_approval_id_approval_requests_id_fk" FOREIGN KEY ("approval_id") REFERENCES "public"."approval_requests"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "approval_announcements" ADD CONSTRAINT "approval_announcements_tenant_id_tenants_id_fk" FOREIGN KEY ("tenant_id") REFERENCES "public"."tenants"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "approval_announcements_due_idx" ON "approval_announcements" USING btree ("due_at");