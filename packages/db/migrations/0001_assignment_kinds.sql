DROP INDEX "gateway_tool_assignments_tool_idx";--> statement-breakpoint
DROP INDEX "gateway_tool_assignments_alias_idx";--> statement-breakpoint
ALTER TABLE "gateway_tool_assignments" ADD COLUMN "kind" text DEFAULT 'tool' NOT NULL;--> statement-breakpoint
CREATE UNIQUE INDEX "gateway_assignments_item_idx" ON "gateway_tool_assignments" USING btree ("gateway_id","registry_entry_id","kind","tool_name");--> statement-breakpoint
CREATE UNIQUE INDEX "gateway_assignments_alias_idx" ON "gateway_tool_assignments" USING btree ("gateway_id","kind","alias") WHERE "gateway_tool_assignments"."alias" is not null;