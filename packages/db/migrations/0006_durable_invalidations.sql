CREATE TABLE "config_changes" (
	"seq" bigserial PRIMARY KEY NOT NULL,
	"tenant_id" text NOT NULL,
	"version" bigint NOT NULL,
	"change" jsonb NOT NULL,
	"attempts" integer DEFAULT 0 NOT NULL,
	"last_error" text,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "revoked_ids" (
	"id" text PRIMARY KEY NOT NULL,
	"tenant_id" text,
	"expires_at" timestamp with time zone NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
ALTER TABLE "tenants" ADD COLUMN "config_version" bigint DEFAULT 0 NOT NULL;--> statement-breakpoint
CREATE INDEX "revoked_ids_expires_idx" ON "revoked_ids" USING btree ("expires_at");