ALTER TABLE "tools" ADD COLUMN "approved_definition" jsonb;--> statement-breakpoint
ALTER TABLE "tools" ADD COLUMN "pending_since" timestamp with time zone;--> statement-breakpoint
ALTER TABLE "tools" ADD COLUMN "rejected_hash" text;--> statement-breakpoint
CREATE INDEX "tools_pending_idx" ON "tools" USING btree ("tenant_id") WHERE "tools"."pending_since" is not null;--> statement-breakpoint
-- Tools discovered before definition pinning count as approved as they are now.
UPDATE "tools" SET "approved_hash" = "schema_hash", "approved_definition" = jsonb_build_object('title', "title", 'description', "description", 'inputSchema', "input_schema", 'outputSchema', "output_schema", 'annotations', "annotations", 'meta', "meta", 'execution', "execution");
