CREATE TYPE "public"."channel_attempt_state" AS ENUM('queued', 'sent', 'delivered', 'failed', 'cancelled');--> statement-breakpoint
CREATE TYPE "public"."notification_channel" AS ENUM('push', 'webhook');--> statement-breakpoint
CREATE TYPE "public"."staff_language" AS ENUM('ko', 'en');--> statement-breakpoint
CREATE TABLE "delivery_channel_attempt_history" (
	"id" bigserial PRIMARY KEY NOT NULL,
	"attempt_id" uuid NOT NULL,
	"from_state" "channel_attempt_state",
	"to_state" "channel_attempt_state" NOT NULL,
	"at" timestamp with time zone DEFAULT now() NOT NULL,
	"node_id" text,
	"provider_status" integer,
	"detail" text
);
--> statement-breakpoint
CREATE TABLE "delivery_channel_attempts" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"org_id" uuid NOT NULL,
	"alert_id" uuid NOT NULL,
	"delivery_id" uuid NOT NULL,
	"staff_id" uuid NOT NULL,
	"channel" "notification_channel" NOT NULL,
	"subscription_id" uuid,
	"endpoint_id" uuid,
	"state" "channel_attempt_state" DEFAULT 'queued' NOT NULL,
	"unless_received" boolean DEFAULT false NOT NULL,
	"due_at" timestamp with time zone DEFAULT now() NOT NULL,
	"tries" integer DEFAULT 0 NOT NULL,
	"lease_until" timestamp with time zone,
	"claimed_by" text,
	"provider_status" integer,
	"detail" text,
	"sent_at" timestamp with time zone,
	"delivered_at" timestamp with time zone,
	"failed_at" timestamp with time zone,
	"cancelled_at" timestamp with time zone,
	"action_token_used_at" timestamp with time zone,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "delivery_channel_attempts_target" CHECK (("delivery_channel_attempts"."channel" = 'push' and "delivery_channel_attempts"."endpoint_id" is null) or ("delivery_channel_attempts"."channel" = 'webhook' and "delivery_channel_attempts"."subscription_id" is null))
);
--> statement-breakpoint
CREATE TABLE "notification_rules" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"org_id" uuid NOT NULL,
	"staff_id" uuid,
	"severity" "alert_severity" NOT NULL,
	"channels" jsonb NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "push_subscriptions" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"org_id" uuid NOT NULL,
	"staff_id" uuid NOT NULL,
	"endpoint" text NOT NULL,
	"p256dh" text NOT NULL,
	"auth" text NOT NULL,
	"user_agent" text,
	"last_success_at" timestamp with time zone,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "webhook_callback_receipts" (
	"endpoint_id" uuid NOT NULL,
	"callback_id" text NOT NULL,
	"received_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "webhook_callback_receipts_endpoint_id_callback_id_pk" PRIMARY KEY("endpoint_id","callback_id")
);
--> statement-breakpoint
CREATE TABLE "webhook_endpoints" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"org_id" uuid NOT NULL,
	"name" text NOT NULL,
	"url" text NOT NULL,
	"active" boolean DEFAULT true NOT NULL,
	"secret_version" integer DEFAULT 1 NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
ALTER TABLE "staff" ADD COLUMN "language" "staff_language" DEFAULT 'ko' NOT NULL;--> statement-breakpoint
ALTER TABLE "delivery_channel_attempt_history" ADD CONSTRAINT "delivery_channel_attempt_history_attempt_id_delivery_channel_attempts_id_fk" FOREIGN KEY ("attempt_id") REFERENCES "public"."delivery_channel_attempts"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "delivery_channel_attempts" ADD CONSTRAINT "delivery_channel_attempts_org_id_organisations_id_fk" FOREIGN KEY ("org_id") REFERENCES "public"."organisations"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "delivery_channel_attempts" ADD CONSTRAINT "delivery_channel_attempts_alert_id_alerts_id_fk" FOREIGN KEY ("alert_id") REFERENCES "public"."alerts"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "delivery_channel_attempts" ADD CONSTRAINT "delivery_channel_attempts_delivery_id_alert_deliveries_id_fk" FOREIGN KEY ("delivery_id") REFERENCES "public"."alert_deliveries"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "delivery_channel_attempts" ADD CONSTRAINT "delivery_channel_attempts_staff_id_staff_id_fk" FOREIGN KEY ("staff_id") REFERENCES "public"."staff"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "delivery_channel_attempts" ADD CONSTRAINT "delivery_channel_attempts_subscription_id_push_subscriptions_id_fk" FOREIGN KEY ("subscription_id") REFERENCES "public"."push_subscriptions"("id") ON DELETE set null ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "delivery_channel_attempts" ADD CONSTRAINT "delivery_channel_attempts_endpoint_id_webhook_endpoints_id_fk" FOREIGN KEY ("endpoint_id") REFERENCES "public"."webhook_endpoints"("id") ON DELETE set null ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "notification_rules" ADD CONSTRAINT "notification_rules_org_id_organisations_id_fk" FOREIGN KEY ("org_id") REFERENCES "public"."organisations"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "notification_rules" ADD CONSTRAINT "notification_rules_staff_id_staff_id_fk" FOREIGN KEY ("staff_id") REFERENCES "public"."staff"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "push_subscriptions" ADD CONSTRAINT "push_subscriptions_org_id_organisations_id_fk" FOREIGN KEY ("org_id") REFERENCES "public"."organisations"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "push_subscriptions" ADD CONSTRAINT "push_subscriptions_staff_id_staff_id_fk" FOREIGN KEY ("staff_id") REFERENCES "public"."staff"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "webhook_callback_receipts" ADD CONSTRAINT "webhook_callback_receipts_endpoint_id_webhook_endpoints_id_fk" FOREIGN KEY ("endpoint_id") REFERENCES "public"."webhook_endpoints"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "webhook_endpoints" ADD CONSTRAINT "webhook_endpoints_org_id_organisations_id_fk" FOREIGN KEY ("org_id") REFERENCES "public"."organisations"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "delivery_channel_attempt_history_attempt_idx" ON "delivery_channel_attempt_history" USING btree ("attempt_id","at");--> statement-breakpoint
CREATE INDEX "delivery_channel_attempts_due_idx" ON "delivery_channel_attempts" USING btree ("due_at") WHERE "delivery_channel_attempts"."state" = 'queued';--> statement-breakpoint
CREATE INDEX "delivery_channel_attempts_alert_idx" ON "delivery_channel_attempts" USING btree ("alert_id");--> statement-breakpoint
CREATE INDEX "delivery_channel_attempts_delivery_idx" ON "delivery_channel_attempts" USING btree ("delivery_id");--> statement-breakpoint
CREATE UNIQUE INDEX "notification_rules_org_severity_key" ON "notification_rules" USING btree ("org_id","severity") WHERE "notification_rules"."staff_id" is null;--> statement-breakpoint
CREATE UNIQUE INDEX "notification_rules_staff_severity_key" ON "notification_rules" USING btree ("org_id","staff_id","severity") WHERE "notification_rules"."staff_id" is not null;--> statement-breakpoint
CREATE UNIQUE INDEX "push_subscriptions_endpoint_key" ON "push_subscriptions" USING btree ("endpoint");--> statement-breakpoint
CREATE INDEX "push_subscriptions_staff_idx" ON "push_subscriptions" USING btree ("staff_id");--> statement-breakpoint
CREATE INDEX "webhook_callback_receipts_at_idx" ON "webhook_callback_receipts" USING btree ("received_at");--> statement-breakpoint
CREATE INDEX "webhook_endpoints_org_idx" ON "webhook_endpoints" USING btree ("org_id");