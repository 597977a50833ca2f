CREATE TYPE "public"."alert_kind" AS ENUM('sos', 'call_119', 'fall', 'fire', 'gas', 'heart_rate', 'breathing', 'temperature', 'door_at_night', 'low_battery', 'power_cut', 'hub_no_data', 'hub_offline', 'no_activity', 'sensor_link_lost', 'device_inspection');--> statement-breakpoint
CREATE TYPE "public"."alert_severity" AS ENUM('critical', 'high', 'medium', 'low');--> statement-breakpoint
CREATE TYPE "public"."alert_status" AS ENUM('open', 'acknowledged', 'resolved');--> statement-breakpoint
CREATE TYPE "public"."delivery_state" AS ENUM('pending', 'sent', 'delivered', 'acknowledged', 'failed', 'superseded');--> statement-breakpoint
CREATE TYPE "public"."actor_type" AS ENUM('staff', 'hub', 'system');--> statement-breakpoint
CREATE TYPE "public"."device_kind" AS ENUM('activity', 'door', 'fire', 'gas', 'emergency_button', 'fall_detector', 'heart_rate', 'breathing', 'temperature', 'humidity', 'light', 'bed');--> statement-breakpoint
CREATE TYPE "public"."hub_power_state" AS ENUM('mains', 'battery', 'cut', 'unknown');--> statement-breakpoint
CREATE TYPE "public"."sensor_event_kind" AS ENUM('emergency_button', 'emergency_button_cancel', 'call_119', 'call_119_cancel', 'fire', 'fire_cleared', 'smoke', 'gas', 'gas_cleared', 'door_open', 'door_closed', 'activity', 'no_activity', 'going_out', 'back_home', 'power_cut', 'power_restored', 'no_data', 'sensor_link_lost', 'device_activated', 'fall', 'heart_rate', 'breathing', 'temperature', 'humidity', 'light', 'battery', 'false_alarm');--> statement-breakpoint
CREATE TYPE "public"."presence_mode" AS ENUM('home', 'out', 'long_absence');--> statement-breakpoint
CREATE TYPE "public"."resident_sex" AS ENUM('female', 'male', 'other', 'unknown');--> statement-breakpoint
CREATE TYPE "public"."resident_status" AS ENUM('active', 'discharged');--> statement-breakpoint
CREATE TYPE "public"."staff_role" AS ENUM('admin', 'manager', 'caregiver');--> statement-breakpoint
CREATE TABLE "alert_deliveries" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"org_id" uuid NOT NULL,
	"alert_id" uuid NOT NULL,
	"staff_id" uuid NOT NULL,
	"escalation_level" integer DEFAULT 0 NOT NULL,
	"attempt" integer DEFAULT 1 NOT NULL,
	"seq" bigint NOT NULL,
	"state" "delivery_state" DEFAULT 'pending' NOT NULL,
	"pending_at" timestamp with time zone DEFAULT now() NOT NULL,
	"sent_at" timestamp with time zone,
	"delivered_at" timestamp with time zone,
	"acknowledged_at" timestamp with time zone,
	"failed_at" timestamp with time zone,
	"superseded_at" timestamp with time zone,
	"send_count" integer DEFAULT 0 NOT NULL,
	"next_send_at" timestamp with time zone,
	"last_error" text
);
--> statement-breakpoint
CREATE TABLE "alert_delivery_history" (
	"id" bigserial PRIMARY KEY NOT NULL,
	"delivery_id" uuid NOT NULL,
	"from_state" "delivery_state",
	"to_state" "delivery_state" NOT NULL,
	"at" timestamp with time zone DEFAULT now() NOT NULL,
	"node_id" text,
	"detail" text
);
--> statement-breakpoint
CREATE TABLE "alerts" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"org_id" uuid NOT NULL,
	"resident_id" uuid NOT NULL,
	"hub_id" uuid,
	"device_id" uuid,
	"kind" "alert_kind" NOT NULL,
	"severity" "alert_severity" NOT NULL,
	"status" "alert_status" DEFAULT 'open' NOT NULL,
	"dedup_key" text NOT NULL,
	"title" text NOT NULL,
	"details" jsonb DEFAULT '{}'::jsonb NOT NULL,
	"source_event_id" text,
	"source_event_time" timestamp with time zone,
	"event_count" integer DEFAULT 1 NOT NULL,
	"last_event_at" timestamp with time zone DEFAULT now() NOT NULL,
	"opened_at" timestamp with time zone DEFAULT now() NOT NULL,
	"acknowledged_at" timestamp with time zone,
	"acknowledged_by" uuid,
	"resolved_at" timestamp with time zone,
	"resolved_by" uuid,
	"resolution_note" text,
	"escalation_level" integer DEFAULT 0 NOT NULL,
	"next_escalation_at" timestamp with time zone,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "escalation_policies" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"org_id" uuid NOT NULL,
	"severity" "alert_severity" NOT NULL,
	"steps" jsonb NOT NULL,
	"repeat" integer DEFAULT 2 NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "audit_log" (
	"id" bigserial PRIMARY KEY NOT NULL,
	"org_id" uuid NOT NULL,
	"actor_type" "actor_type" NOT NULL,
	"actor_id" uuid,
	"action" text NOT NULL,
	"target_type" text NOT NULL,
	"target_id" uuid,
	"at" timestamp with time zone DEFAULT now() NOT NULL,
	"ip" "inet",
	"details" jsonb DEFAULT '{}'::jsonb NOT NULL
);
--> statement-breakpoint
CREATE TABLE "refresh_tokens" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"staff_id" uuid NOT NULL,
	"family_id" uuid NOT NULL,
	"token_hash" text NOT NULL,
	"expires_at" timestamp with time zone NOT NULL,
	"used_at" timestamp with time zone,
	"revoked_at" timestamp with time zone,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "cameras" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"org_id" uuid NOT NULL,
	"resident_id" uuid NOT NULL,
	"name" text NOT NULL,
	"room" text,
	"source" jsonb NOT NULL,
	"consent_given_by" text,
	"consent_recorded_by" uuid,
	"consent_recorded_at" timestamp with time zone,
	"enabled" boolean DEFAULT true NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "devices" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"org_id" uuid NOT NULL,
	"hub_id" uuid NOT NULL,
	"kind" "device_kind" NOT NULL,
	"room" text,
	"label" text,
	"battery_pct" integer,
	"false_alarm_count" integer DEFAULT 0 NOT NULL,
	"needs_inspection" boolean DEFAULT false NOT NULL,
	"last_event_at" timestamp with time zone,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "devices_battery_range" CHECK ("devices"."battery_pct" is null or "devices"."battery_pct" between 0 and 100)
);
--> statement-breakpoint
CREATE TABLE "hubs" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"org_id" uuid NOT NULL,
	"resident_id" uuid,
	"name" text NOT NULL,
	"api_key_prefix" text NOT NULL,
	"api_key_hash" text NOT NULL,
	"last_seen_at" timestamp with time zone,
	"firmware" text,
	"power_state" "hub_power_state" DEFAULT 'unknown' NOT NULL,
	"battery_pct" integer,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "sensor_events" (
	"time" timestamp with time zone NOT NULL,
	"org_id" uuid NOT NULL,
	"resident_id" uuid,
	"hub_id" uuid NOT NULL,
	"device_id" uuid,
	"kind" "sensor_event_kind" NOT NULL,
	"value" double precision,
	"payload" jsonb,
	"event_id" text NOT NULL,
	"received_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "organisations" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"name" text NOT NULL,
	"settings" jsonb DEFAULT '{}'::jsonb NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "assignments" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"org_id" uuid NOT NULL,
	"staff_id" uuid NOT NULL,
	"resident_id" uuid NOT NULL,
	"escalation_order" integer DEFAULT 1 NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "assignments_escalation_order_positive" CHECK ("assignments"."escalation_order" >= 1)
);
--> statement-breakpoint
CREATE TABLE "residents" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"org_id" uuid NOT NULL,
	"name" text NOT NULL,
	"birth_date" date,
	"sex" "resident_sex" DEFAULT 'unknown' NOT NULL,
	"address" text,
	"phone" text,
	"emergency_contacts" jsonb DEFAULT '[]'::jsonb NOT NULL,
	"care_notes" text,
	"thresholds" jsonb DEFAULT '{}'::jsonb NOT NULL,
	"status" "resident_status" DEFAULT 'active' NOT NULL,
	"discharged_at" timestamp with time zone,
	"presence" "presence_mode" DEFAULT 'home' NOT NULL,
	"presence_changed_at" timestamp with time zone DEFAULT now() NOT NULL,
	"last_activity_at" timestamp with time zone,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "staff" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"org_id" uuid NOT NULL,
	"name" text NOT NULL,
	"email" text NOT NULL,
	"phone" text,
	"role" "staff_role" NOT NULL,
	"password_hash" text NOT NULL,
	"active" boolean DEFAULT true NOT NULL,
	"delivery_seq" bigint DEFAULT 0 NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
ALTER TABLE "alert_deliveries" ADD CONSTRAINT "alert_deliveries_org_id_organisations_id_fk" FOREIGN KEY ("org_id") REFERENCES "public"."organisations"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "alert_deliveries" ADD CONSTRAINT "alert_deliveries_alert_id_alerts_id_fk" FOREIGN KEY ("alert_id") REFERENCES "public"."alerts"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "alert_deliveries" ADD CONSTRAINT "alert_deliveries_staff_id_staff_id_fk" FOREIGN KEY ("staff_id") REFERENCES "public"."staff"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "alert_delivery_history" ADD CONSTRAINT "alert_delivery_history_delivery_id_alert_deliveries_id_fk" FOREIGN KEY ("delivery_id") REFERENCES "public"."alert_deliveries"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "alerts" ADD CONSTRAINT "alerts_org_id_organisations_id_fk" FOREIGN KEY ("org_id") REFERENCES "public"."organisations"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "alerts" ADD CONSTRAINT "alerts_resident_id_residents_id_fk" FOREIGN KEY ("resident_id") REFERENCES "public"."residents"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "alerts" ADD CONSTRAINT "alerts_hub_id_hubs_id_fk" FOREIGN KEY ("hub_id") REFERENCES "public"."hubs"("id") ON DELETE set null ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "alerts" ADD CONSTRAINT "alerts_device_id_devices_id_fk" FOREIGN KEY ("device_id") REFERENCES "public"."devices"("id") ON DELETE set null ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "alerts" ADD CONSTRAINT "alerts_acknowledged_by_staff_id_fk" FOREIGN KEY ("acknowledged_by") REFERENCES "public"."staff"("id") ON DELETE set null ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "alerts" ADD CONSTRAINT "alerts_resolved_by_staff_id_fk" FOREIGN KEY ("resolved_by") REFERENCES "public"."staff"("id") ON DELETE set null ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "escalation_policies" ADD CONSTRAINT "escalation_policies_org_id_organisations_id_fk" FOREIGN KEY ("org_id") REFERENCES "public"."organisations"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "audit_log" ADD CONSTRAINT "audit_log_org_id_organisations_id_fk" FOREIGN KEY ("org_id") REFERENCES "public"."organisations"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "refresh_tokens" ADD CONSTRAINT "refresh_tokens_staff_id_staff_id_fk" FOREIGN KEY ("staff_id") REFERENCES "public"."staff"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "cameras" ADD CONSTRAINT "cameras_org_id_organisations_id_fk" FOREIGN KEY ("org_id") REFERENCES "public"."organisations"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "cameras" ADD CONSTRAINT "cameras_resident_id_residents_id_fk" FOREIGN KEY ("resident_id") REFERENCES "public"."residents"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "cameras" ADD CONSTRAINT "cameras_consent_recorded_by_staff_id_fk" FOREIGN KEY ("consent_recorded_by") REFERENCES "public"."staff"("id") ON DELETE set null ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "devices" ADD CONSTRAINT "devices_org_id_organisations_id_fk" FOREIGN KEY ("org_id") REFERENCES "public"."organisations"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "devices" ADD CONSTRAINT "devices_hub_id_hubs_id_fk" FOREIGN KEY ("hub_id") REFERENCES "public"."hubs"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "hubs" ADD CONSTRAINT "hubs_org_id_organisations_id_fk" FOREIGN KEY ("org_id") REFERENCES "public"."organisations"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "hubs" ADD CONSTRAINT "hubs_resident_id_residents_id_fk" FOREIGN KEY ("resident_id") REFERENCES "public"."residents"("id") ON DELETE set null ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "assignments" ADD CONSTRAINT "assignments_org_id_organisations_id_fk" FOREIGN KEY ("org_id") REFERENCES "public"."organisations"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "assignments" ADD CONSTRAINT "assignments_staff_id_staff_id_fk" FOREIGN KEY ("staff_id") REFERENCES "public"."staff"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "assignments" ADD CONSTRAINT "assignments_resident_id_residents_id_fk" FOREIGN KEY ("resident_id") REFERENCES "public"."residents"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "residents" ADD CONSTRAINT "residents_org_id_organisations_id_fk" FOREIGN KEY ("org_id") REFERENCES "public"."organisations"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "staff" ADD CONSTRAINT "staff_org_id_organisations_id_fk" FOREIGN KEY ("org_id") REFERENCES "public"."organisations"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
CREATE UNIQUE INDEX "alert_deliveries_staff_seq_key" ON "alert_deliveries" USING btree ("staff_id","seq");--> statement-breakpoint
CREATE UNIQUE INDEX "alert_deliveries_alert_staff_level_key" ON "alert_deliveries" USING btree ("alert_id","staff_id","escalation_level");--> statement-breakpoint
CREATE INDEX "alert_deliveries_alert_idx" ON "alert_deliveries" USING btree ("alert_id");--> statement-breakpoint
CREATE INDEX "alert_deliveries_outstanding_idx" ON "alert_deliveries" USING btree ("next_send_at") WHERE "alert_deliveries"."state" in ('pending', 'sent');--> statement-breakpoint
CREATE INDEX "alert_delivery_history_delivery_idx" ON "alert_delivery_history" USING btree ("delivery_id","at");--> statement-breakpoint
CREATE UNIQUE INDEX "alerts_open_dedup_key" ON "alerts" USING btree ("org_id","dedup_key") WHERE "alerts"."status" <> 'resolved';--> statement-breakpoint
CREATE INDEX "alerts_org_status_opened_idx" ON "alerts" USING btree ("org_id","status","opened_at" DESC NULLS LAST);--> statement-breakpoint
CREATE INDEX "alerts_resident_opened_idx" ON "alerts" USING btree ("resident_id","opened_at" DESC NULLS LAST);--> statement-breakpoint
CREATE INDEX "alerts_next_escalation_idx" ON "alerts" USING btree ("next_escalation_at") WHERE "alerts"."status" = 'open';--> statement-breakpoint
CREATE UNIQUE INDEX "escalation_policies_org_severity_key" ON "escalation_policies" USING btree ("org_id","severity");--> statement-breakpoint
CREATE INDEX "audit_log_org_at_idx" ON "audit_log" USING btree ("org_id","at" DESC NULLS LAST);--> statement-breakpoint
CREATE INDEX "audit_log_target_idx" ON "audit_log" USING btree ("target_id");--> statement-breakpoint
CREATE UNIQUE INDEX "refresh_tokens_hash_key" ON "refresh_tokens" USING btree ("token_hash");--> statement-breakpoint
CREATE INDEX "refresh_tokens_family_idx" ON "refresh_tokens" USING btree ("family_id");--> statement-breakpoint
CREATE INDEX "cameras_resident_idx" ON "cameras" USING btree ("resident_id");--> statement-breakpoint
CREATE INDEX "cameras_org_idx" ON "cameras" USING btree ("org_id");--> statement-breakpoint
CREATE INDEX "devices_hub_idx" ON "devices" USING btree ("hub_id");--> statement-breakpoint
CREATE INDEX "devices_org_idx" ON "devices" USING btree ("org_id");--> statement-breakpoint
CREATE UNIQUE INDEX "hubs_api_key_hash_key" ON "hubs" USING btree ("api_key_hash");--> statement-breakpoint
CREATE INDEX "hubs_org_idx" ON "hubs" USING btree ("org_id");--> statement-breakpoint
CREATE INDEX "hubs_resident_idx" ON "hubs" USING btree ("resident_id");--> statement-breakpoint
CREATE UNIQUE INDEX "sensor_events_hub_event_time_key" ON "sensor_events" USING btree ("hub_id","event_id","time");--> statement-breakpoint
CREATE INDEX "sensor_events_resident_time_idx" ON "sensor_events" USING btree ("resident_id","time" DESC NULLS LAST);--> statement-breakpoint
CREATE INDEX "sensor_events_org_time_idx" ON "sensor_events" USING btree ("org_id","time" DESC NULLS LAST);--> statement-breakpoint
CREATE UNIQUE INDEX "assignments_staff_resident_key" ON "assignments" USING btree ("staff_id","resident_id");--> statement-breakpoint
CREATE INDEX "assignments_resident_order_idx" ON "assignments" USING btree ("resident_id","escalation_order");--> statement-breakpoint
CREATE INDEX "assignments_org_idx" ON "assignments" USING btree ("org_id");--> statement-breakpoint
CREATE INDEX "residents_org_status_idx" ON "residents" USING btree ("org_id","status");--> statement-breakpoint
CREATE INDEX "residents_org_name_idx" ON "residents" USING btree ("org_id","name","id");--> statement-breakpoint
CREATE UNIQUE INDEX "staff_org_email_key" ON "staff" USING btree ("org_id","email");--> statement-breakpoint
CREATE INDEX "staff_org_role_idx" ON "staff" USING btree ("org_id","role");