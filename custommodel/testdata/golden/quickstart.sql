CREATE TABLE IF NOT EXISTS "my_org__hello_custom_data"."notetag" ("note_id" bigint PRIMARY KEY);
ALTER TABLE "my_org__hello_custom_data"."notetag" ADD COLUMN IF NOT EXISTS "tagged_by" text;
