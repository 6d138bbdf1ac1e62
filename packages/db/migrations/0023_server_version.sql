ALTER TABLE "installations" ADD COLUMN "server_name" text;--> statement-breakpoint
ALTER TABLE "installations" ADD COLUMN "server_version" text;--> statement-breakpoint
ALTER TABLE "installations" ADD COLUMN "server_version_seen_at" timestamp with time zone;--> statement-breakpoint
ALTER TABLE "installations" ADD COLUMN "previous_server_version" text;--> statement-breakpoint
ALTER TABLE "installations" ADD COLUMN "server_version_changed_at" timestamp with time zone;