ALTER TABLE "tenants" ADD COLUMN "plan" text;--> statement-breakpoint
ALTER TABLE "tenants" ADD COLUMN "limit_overrides" jsonb DEFAULT '{}'::jsonb NOT NULL;