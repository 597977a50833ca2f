CREATE TYPE "public"."alert_outcome" AS ENUM('false_alarm', 'device_fault', 'resident_ok_by_phone', 'visited', 'ambulance_119', 'hospitalised', 'other');--> statement-breakpoint
CREATE TABLE "alert_notes" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"org_id" uuid NOT NULL,
	"alert_id" uuid NOT NULL,
	"staff_id" uuid,
	"body" text NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "alert_notes_body_length" CHECK (char_length("alert_notes"."body") between 1 and 2000)
);
--> statement-breakpoint
ALTER TABLE "alerts" ADD COLUMN "resolution_outcome" "alert_outcome";--> statement-breakpoint
ALTER TABLE "alert_notes" ADD CONSTRAINT "alert_notes_org_id_organisations_id_fk" FOREIGN KEY ("org_id") REFERENCES "public"."organisations"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "alert_notes" ADD CONSTRAINT "alert_notes_alert_id_alerts_id_fk" FOREIGN KEY ("alert_id") REFERENCES "public"."alerts"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "alert_notes" ADD CONSTRAINT "alert_notes_staff_id_staff_id_fk" FOREIGN KEY ("staff_id") REFERENCES "public"."staff"("id") ON DELETE set null ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "alert_notes_alert_idx" ON "alert_notes" USING btree ("alert_id","created_at");