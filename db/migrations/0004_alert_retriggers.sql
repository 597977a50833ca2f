CREATE TYPE "public"."alert_retrigger_cause" AS ENUM('new_event', 'ack_timeout');--> statement-breakpoint
CREATE TABLE "alert_retriggers" (
	"id" bigserial PRIMARY KEY NOT NULL,
	"alert_id" uuid NOT NULL,
	"retrigger" integer NOT NULL,
	"cause" "alert_retrigger_cause" NOT NULL,
	"at" timestamp with time zone DEFAULT now() NOT NULL,
	"acknowledged_at" timestamp with time zone,
	"acknowledged_by" uuid,
	"escalation_level" integer NOT NULL,
	"source_event_id" text,
	"node_id" text
);
--> statement-breakpoint
DROP INDEX "alert_deliveries_alert_staff_level_key";--> statement-breakpoint
DROP INDEX "alerts_next_escalation_idx";--> statement-breakpoint
ALTER TABLE "alert_deliveries" ADD COLUMN "retrigger" integer DEFAULT 0 NOT NULL;--> statement-breakpoint
ALTER TABLE "alerts" ADD COLUMN "retrigger_count" integer DEFAULT 0 NOT NULL;--> statement-breakpoint
ALTER TABLE "alert_retriggers" ADD CONSTRAINT "alert_retriggers_alert_id_alerts_id_fk" FOREIGN KEY ("alert_id") REFERENCES "public"."alerts"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "alert_retriggers" ADD CONSTRAINT "alert_retriggers_acknowledged_by_staff_id_fk" FOREIGN KEY ("acknowledged_by") REFERENCES "public"."staff"("id") ON DELETE set null ON UPDATE no action;--> statement-breakpoint
CREATE UNIQUE INDEX "alert_retriggers_alert_retrigger_key" ON "alert_retriggers" USING btree ("alert_id","retrigger");--> statement-breakpoint
CREATE UNIQUE INDEX "alert_deliveries_alert_staff_level_key" ON "alert_deliveries" USING btree ("alert_id","staff_id","escalation_level","retrigger");--> statement-breakpoint
CREATE INDEX "alerts_next_escalation_idx" ON "alerts" USING btree ("next_escalation_at") WHERE "alerts"."status" <> 'resolved';