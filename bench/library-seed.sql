-- Seeds :n assets for bench/40-library.sh: each with a probed current version, a mix of media
-- types and statuses, tags and file names to search, and running preview jobs for the
-- processing ones. Run with psql -v n=100000.
\set ON_ERROR_STOP on
BEGIN;
WITH a AS (
  INSERT INTO assets (id, title, description, tags, media_type, filename, size_bytes, status,
                      created_at, updated_at)
  SELECT gen_random_uuid(),
         'Reel ' || (g % 97) || ' shot ' || g,
         'Shot ' || g || ' of the benchmark library, camera ' || (g % 7),
         ARRAY['reel' || (g % 97), 'cam' || (g % 7)],
         (ARRAY['video', 'video', 'video', 'audio', 'image'])[1 + g % 5],
         'A' || lpad((g % 999)::text, 3, '0') || '_C' || lpad(g::text, 6, '0') || '.mov',
         1000000 + g * 37,
         (ARRAY['ready', 'ready', 'ready', 'ready', 'processing', 'stored', 'failed'])[1 + g % 7],
         now() - g * interval '1 minute',
         now() - g * interval '1 minute'
  FROM generate_series(1, :n) g
  RETURNING id, filename, media_type, size_bytes, status, created_at)
INSERT INTO asset_versions (id, asset_id, number, filename, content_type, media_type, size_bytes,
                            staging_key, master_key, status, technical, created_at, stored_at)
SELECT gen_random_uuid(), a.id, 1, a.filename, 'video/quicktime', a.media_type, a.size_bytes,
       'staging/' || a.id || '/' || a.filename, 'masters/' || a.id || '/v1/' || a.filename,
       a.status,
       jsonb_build_object('container', 'mov', 'duration', 5 + (a.size_bytes % 3600),
                          'video', jsonb_build_object('codec', 'prores', 'width', 3840,
                                                      'height', 2160, 'frame_rate', 25)),
       a.created_at, a.created_at
FROM a;
UPDATE assets SET current_version_id = v.id, version_count = 1
FROM asset_versions v WHERE v.asset_id = assets.id;
INSERT INTO jobs (id, kind, payload, state, progress, asset_id, version_id, created_at)
SELECT gen_random_uuid(), 'preview', '{}', 'running', (random() * 100)::real, id,
       current_version_id, created_at
FROM assets WHERE status = 'processing';
COMMIT;
-- What autovacuum does to a table that has lived a while: statistics and the visibility map
-- (which lets counts read the index alone).
VACUUM ANALYZE assets;
VACUUM ANALYZE asset_versions;
VACUUM ANALYZE jobs;
