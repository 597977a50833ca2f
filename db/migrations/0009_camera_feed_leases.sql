CREATE TABLE "camera_feed_leases" (
	"camera_id" uuid PRIMARY KEY NOT NULL,
	"node_id" text NOT NULL,
	"node_url" text NOT NULL,
	"lease_until" timestamp with time zone NOT NULL
);
--> statement-breakpoint
ALTER TABLE "camera_feed_leases" ADD CONSTRAINT "camera_feed_leases_camera_id_cameras_id_fk" FOREIGN KEY ("camera_id") REFERENCES "public"."cameras"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "camera_feed_leases_node_idx" ON "camera_feed_leases" USING btree ("node_id");