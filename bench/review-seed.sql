-- Seeds two video assets for bench/50-review.sh: :busy with 2,000 comments on its current
-- version (1,500 notes, 200 of them with a drawing of five shapes, and 500 replies)
-- and :quiet with none, the baseline measured in the same run. Run with psql -v busy=... -v quiet=...
\set ON_ERROR_STOP on
BEGIN;
INSERT INTO users (id, email, display_name, role, status, password_hash)
SELECT gen_random_uuid(), 'reviewer' || g || '@example.com', 'Reviewer ' || g, 'editor', 'active', 'x'
FROM generate_series(1, 8) g;
INSERT INTO assets (id, title, media_type, filename, size_bytes, status, version_count)
VALUES (:'busy', 'Spot 60s, 2,000 notes', 'video', 'spot.mov', 10, 'ready', 1),
       (:'quiet', 'Spot 60s, no notes', 'video', 'spot.mov', 10, 'ready', 1);
INSERT INTO asset_versions (id, asset_id, number, filename, content_type, media_type, size_bytes,
                            staging_key, master_key, status, stored_at, technical)
SELECT gen_random_uuid(), a, 1, 'spot.mov', 'video/quicktime', 'video', 10,
       'staging/' || a || '/spot.mov', 'masters/' || a || '/v1/spot.mov', 'ready', now(),
       '{"container": "mov", "duration": 3600.0, "timecode": "01:00:00:00",
         "video": {"codec": "prores", "width": 1920, "height": 1080, "r_frame_rate": "25/1",
                   "avg_frame_rate": "25/1", "frame_rate": 25}}'
FROM unnest(ARRAY[:'busy', :'quiet']::uuid[]) a;
UPDATE assets SET current_version_id = v.id FROM asset_versions v WHERE v.asset_id = assets.id;
WITH u AS (SELECT id, display_name AS name, row_number() OVER () AS n FROM users WHERE email LIKE 'reviewer%'),
v AS (SELECT id FROM asset_versions WHERE asset_id = :'busy')
INSERT INTO comments (id, asset_id, version_id, frame, frame_end, body, drawing, author_id,
                      author_name, created_at, updated_at)
SELECT gen_random_uuid(), :'busy', v.id, g * 40, CASE WHEN g % 7 = 0 THEN g * 40 + 50 END,
       'Note ' || g || ': the logo comes in too early, hold the wide two frames longer @Reviewer'
         || (1 + g % 8),
       CASE WHEN g % 15 < 2 THEN jsonb_build_object('shapes', jsonb_build_array(
         jsonb_build_object('tool', 'rect', 'color', '#ff3b30', 'width', 0.004,
                            'x', 0.1, 'y', 0.1, 'w', 0.3, 'h', 0.2),
         jsonb_build_object('tool', 'ellipse', 'color', '#ffcc00', 'width', 0.004,
                            'x', 0.5, 'y', 0.5, 'w', 0.2, 'h', 0.2),
         jsonb_build_object('tool', 'arrow', 'color', '#0a84ff', 'width', 0.004,
                            'from', jsonb_build_array(0.2, 0.8), 'to', jsonb_build_array(0.4, 0.6)),
         jsonb_build_object('tool', 'text', 'color', '#ffffff', 'size', 0.03,
                            'at', jsonb_build_array(0.6, 0.2), 'text', 'too early'),
         jsonb_build_object('tool', 'pen', 'color', '#34c759', 'width', 0.004,
                            'points', (SELECT jsonb_agg(jsonb_build_array(p / 100.0, 0.5 + (p % 7) / 100.0))
                                       FROM generate_series(1, 60) p)))) END,
       u.id, u.name, now() - (2000 - g) * interval '1 second', now() - (2000 - g) * interval '1 second'
FROM generate_series(1, 1500) g, v, u WHERE u.n = 1 + g % 8;
-- 500 replies, each to one of the first 500 top-level comments.
WITH p AS (SELECT id, version_id, frame, row_number() OVER (ORDER BY frame) AS n
           FROM comments WHERE asset_id = :'busy'),
u AS (SELECT id, display_name AS name, row_number() OVER () AS n FROM users WHERE email LIKE 'reviewer%')
INSERT INTO comments (id, asset_id, version_id, parent_id, frame, body, author_id, author_name)
SELECT gen_random_uuid(), :'busy', p.version_id, p.id, p.frame, 'Agreed, reply ' || p.n, u.id, u.name
FROM p JOIN u ON u.n = 1 + p.n % 8 WHERE p.n <= 500;
COMMIT;
VACUUM ANALYZE comments;
