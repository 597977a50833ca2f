-- sensor_events becomes a TimescaleDB hypertable (compression + retention + an hourly continuous aggregate)
-- where the extension is installed; on plain PostgreSQL it keeps a BRIN index on time and gets an ordinary view
-- with the same name, columns and bucket boundaries, so analytics queries read `resident_activity_hourly` on both.
DO $migration$
BEGIN
  IF EXISTS (SELECT 1 FROM pg_available_extensions WHERE name = 'timescaledb') THEN
    CREATE EXTENSION IF NOT EXISTS timescaledb;
    PERFORM create_hypertable('sensor_events', by_range('time', INTERVAL '1 day'), migrate_data => true);
    ALTER TABLE sensor_events SET (
      timescaledb.compress,
      timescaledb.compress_segmentby = 'resident_id',
      timescaledb.compress_orderby = 'time DESC'
    );
    PERFORM add_compression_policy('sensor_events', compress_after => INTERVAL '7 days');
    PERFORM add_retention_policy('sensor_events', drop_after => INTERVAL '400 days');
    -- WITH NO DATA lets this run inside the migration transaction; real-time aggregation keeps answers current.
    EXECUTE $view$
      CREATE MATERIALIZED VIEW resident_activity_hourly
      WITH (timescaledb.continuous, timescaledb.materialized_only = false) AS
      SELECT time_bucket(INTERVAL '1 hour', time) AS bucket,
             org_id, resident_id, kind,
             count(*) AS events, min(value) AS min_value, avg(value) AS avg_value, max(value) AS max_value
      FROM sensor_events
      GROUP BY 1, 2, 3, 4
      WITH NO DATA
    $view$;
    PERFORM add_continuous_aggregate_policy('resident_activity_hourly',
      start_offset => INTERVAL '3 days', end_offset => INTERVAL '1 hour', schedule_interval => INTERVAL '15 minutes');
  ELSE
    CREATE INDEX IF NOT EXISTS sensor_events_time_brin ON sensor_events USING brin (time);
    -- date_bin with time_bucket's default origin (2000-01-03 UTC) gives identical, time-zone independent buckets.
    CREATE VIEW resident_activity_hourly AS
      SELECT date_bin(INTERVAL '1 hour', time, TIMESTAMPTZ '2000-01-03 00:00:00+00') AS bucket,
             org_id, resident_id, kind,
             count(*) AS events, min(value) AS min_value, avg(value) AS avg_value, max(value) AS max_value
      FROM sensor_events
      GROUP BY 1, 2, 3, 4;
  END IF;
END
$migration$;
