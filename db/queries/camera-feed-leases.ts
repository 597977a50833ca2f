import type postgres from 'postgres';
import type { CameraSource } from '../schema';

/** A camera whose feed a node opens: what the feed needs, and whether it keeps event media (ring, snapshots). */
export interface FeedCamera {
  id: string;
  orgId: string;
  residentId: string;
  source: CameraSource;
  /** Event-media consent is recorded: the feed keeps a pre-alarm ring and alerts capture from it. */
  eventMedia: boolean;
}

export const feedCameraColumns = (sql: postgres.Sql) => sql`
  id, org_id as "orgId", resident_id as "residentId", source,
  (event_media_consent_given_by is not null and event_media_consent_recorded_at is not null) as "eventMedia"`;

/**
 * Cameras that have a feed: enabled, of an active resident (a discharged resident's room is neither watched nor
 * recorded), with consent to live viewing or to event media (either needs the video).
 */
export const hasFeedSql = (sql: postgres.Sql) => sql`
  enabled and ((consent_given_by is not null and consent_recorded_at is not null)
               or (event_media_consent_given_by is not null and event_media_consent_recorded_at is not null))
  and exists (select 1 from residents r where r.id = cameras.resident_id and r.status = 'active')`;

/** Who a lease names: the realtime node that opens the camera's feed and where other nodes reach it. */
export interface FeedLeaseHolder {
  nodeId: string;
  /** The node's internal base URL (http://host:port). */
  nodeUrl: string;
}

/**
 * Takes or renews this node's lease on every enabled camera with either consent (live viewing, or event media) that
 * has no live lease of another node, and resolves with the cameras it holds now: the feeds it should have open. A lease lasts
 * `leaseMs`; the owner renews it on every pass, so only a node that stopped renewing (killed, hung, cut off from
 * the database) loses its cameras, `leaseMs` after its last renewal.
 * Locks: rows are inserted and updated in camera id order, so two nodes claiming at once never wait on each other
 * in a cycle.
 */
export async function claimFeedLeases(
  sql: postgres.Sql,
  holder: FeedLeaseHolder,
  leaseMs: number,
): Promise<FeedCamera[]> {
  return sql<FeedCamera[]>`
    with wanted as (
      select ${feedCameraColumns(sql)} from cameras where ${hasFeedSql(sql)}
    ), held as (
      insert into camera_feed_leases (camera_id, node_id, node_url, lease_until)
      select id, ${holder.nodeId}, ${holder.nodeUrl}, now() + ${leaseMs} * interval '1 millisecond'
        from wanted order by id
      on conflict (camera_id) do update
         set node_id = excluded.node_id, node_url = excluded.node_url, lease_until = excluded.lease_until
       where camera_feed_leases.node_id = excluded.node_id or camera_feed_leases.lease_until < now()
      returning camera_id
    )
    select wanted.* from wanted join held on held.camera_id = wanted.id`;
}

/**
 * The owner of one camera's feed, taking the lease for `holder` when nobody holds a live one (a viewer arrived
 * before any reconcile pass, or the owner died and its lease ran out). `null` for a camera that does not exist.
 */
export async function claimFeedLease(
  sql: postgres.Sql,
  cameraId: string,
  holder: FeedLeaseHolder,
  leaseMs: number,
): Promise<FeedLeaseHolder | null> {
  const [owner] = await sql<FeedLeaseHolder[]>`
    with claimed as (
      insert into camera_feed_leases (camera_id, node_id, node_url, lease_until)
      select id, ${holder.nodeId}, ${holder.nodeUrl}, now() + ${leaseMs} * interval '1 millisecond'
        from cameras where id = ${cameraId}
      on conflict (camera_id) do update
         set node_id = excluded.node_id, node_url = excluded.node_url, lease_until = excluded.lease_until
       where camera_feed_leases.node_id = excluded.node_id or camera_feed_leases.lease_until < now()
      returning node_id, node_url
    )
    select node_id as "nodeId", node_url as "nodeUrl" from claimed
    union all
    select node_id, node_url from camera_feed_leases
     where camera_id = ${cameraId} and not exists (select 1 from claimed)`;
  if (owner) return owner;
  // Another node inserted the lease while this statement waited on it: its snapshot cannot see that row, a new one can.
  const [current] = await sql<FeedLeaseHolder[]>`
    select node_id as "nodeId", node_url as "nodeUrl" from camera_feed_leases where camera_id = ${cameraId}`;
  return current ?? null;
}

/** Gives up every lease of `nodeId` (it is draining): the other nodes take the cameras at their next claim. */
export async function releaseFeedLeases(sql: postgres.Sql, nodeId: string): Promise<number> {
  const released = await sql`delete from camera_feed_leases where node_id = ${nodeId}`;
  return released.count;
}
