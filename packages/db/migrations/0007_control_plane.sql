ALTER TABLE "team_members" ADD COLUMN "role" text DEFAULT 'member' NOT NULL;--> statement-breakpoint
ALTER TABLE "tenants" ADD COLUMN "deleted_at" timestamp with time zone;--> statement-breakpoint
ALTER TABLE "installations" ADD COLUMN "checked_at" timestamp with time zone;--> statement-breakpoint
ALTER TABLE "api_tokens" ADD COLUMN "gateway_ids" uuid[];--> statement-breakpoint
-- Twins made before names had to differ get " (2)", " (3)", … so the index can be built.
UPDATE "installations" AS i SET "name" = i."name" || ' (' || d.n || ')'
FROM (
  SELECT "id", row_number() OVER (
    PARTITION BY "tenant_id", "registry_entry_id", "scope", coalesce("team_id", "user_id"), lower("name")
    ORDER BY "created_at", "id"
  ) AS n FROM "installations"
) AS d
WHERE d."id" = i."id" AND d.n > 1;--> statement-breakpoint
CREATE UNIQUE INDEX "installations_name_idx" ON "installations" USING btree ("tenant_id","registry_entry_id","scope",coalesce("team_id", "user_id", '00000000-0000-0000-0000-000000000000'::uuid),lower("name"));