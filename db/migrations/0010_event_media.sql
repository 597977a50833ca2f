CREATE TYPE "public"."alert_media_kind" AS ENUM('snapshot', 'clip');--> statement-breakpoint
CREATE TYPE "public"."alert_media_state" AS ENUM('capturing', 'stored', 'failed');--> statement-breakpoint
CREATE TABLE "alert_media" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"org_id" uuid NOT NULL,
	"alert_id" uuid NOT NULL,
	"resident_id" uuid NOT NULL,
	"camera_id" uuid,
	"kind" "alert_media_kind" NOT NULL,
	"state" "alert_media_state" DEFAULT 'capturing' NOT NULL,
	"node_id" text NOT NULL,
	"storage_key" text,
	"content_type" text,
	"bytes" integer,
	"captured_from" timestamp with time zone,
	"captured_until" timestamp with time zone,
	"error" text,
	"requested_at" timestamp with time zone DEFAULT now() NOT NULL,
	"stored_at" timestamp with time zone,
	CONSTRAINT "alert_media_stored_has_key" CHECK ("alert_media"."state" <> 'stored' or "alert_media"."storage_key" is not null)
);
--> statement-breakpoint
CREATE TABLE "media_purge_queue" (
	"storage_key" text PRIMARY KEY NOT NULL,
	"requested_at" timestamp with time zone DEFAULT now() NOT NULL,
	"attempts" integer DEFAULT 0 NOT NULL,
	"last_error" text
);
--> statement-breakpoint
ALTER TABLE "cameras" ADD COLUMN "event_media_consent_given_by" text;--> statement-breakpoint
ALTER TABLE "cameras" ADD COLUMN "event_media_consent_recorded_by" uuid;--> statement-breakpoint
ALTER TABLE "cameras" ADD COLUMN "event_media_consent_recorded_at" timestamp with time zone;--> statement-breakpoint
ALTER TABLE "alert_media" ADD CONSTRAINT "alert_media_org_id_organisations_id_fk" FOREIGN KEY ("org_id") REFERENCES "public"."organisations"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "alert_media" ADD CONSTRAINT "alert_media_alert_id_alerts_id_fk" FOREIGN KEY ("alert_id") REFERENCES "public"."alerts"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "alert_media" ADD CONSTRAINT "alert_media_resident_id_residents_id_fk" FOREIGN KEY ("resident_id") REFERENCES "public"."residents"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "alert_media" ADD CONSTRAINT "alert_media_camera_id_cameras_id_fk" FOREIGN KEY ("camera_id") REFERENCES "public"."cameras"("id") ON DELETE set null ON UPDATE no action;--> statement-breakpoint
CREATE UNIQUE INDEX "alert_media_alert_camera_kind" ON "alert_media" USING btree ("alert_id","camera_id","kind");--> statement-breakpoint
CREATE INDEX "alert_media_org_requested_idx" ON "alert_media" USING btree ("org_id","requested_at");--> statement-breakpoint
CREATE INDEX "alert_media_resident_idx" ON "alert_media" USING btree ("resident_id");--> statement-breakpoint
ALTER TABLE "cameras" ADD CONSTRAINT "cameras_event_media_consent_recorded_by_staff_id_fk" FOREIGN KEY ("event_media_consent_recorded_by") REFERENCES "public"."staff"("id") ON DELETE set null ON UPDATE no action;--> statement-breakpoint
-- Every way a media row goes (retention, discharge, erase cascading from the resident, an organisation deleted)
-- leaves its bytes to be deleted from the media store: the purge job empties this queue.
CREATE FUNCTION "alert_media_queue_purge"() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
	IF OLD.storage_key IS NOT NULL THEN
		INSERT INTO media_purge_queue (storage_key) VALUES (OLD.storage_key) ON CONFLICT (storage_key) DO NOTHING;
	END IF;
	RETURN OLD;
END $$;--> statement-breakpoint
CREATE TRIGGER "alert_media_queue_purge" AFTER DELETE ON "alert_media"
	FOR EACH ROW EXECUTE FUNCTION "alert_media_queue_purge"();
