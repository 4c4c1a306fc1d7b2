ALTER TABLE assets DROP CONSTRAINT assets_current_version_fk;
DROP TABLE asset_versions;
DROP TABLE uploads;
DROP TABLE assets;
DROP FUNCTION mm_tags_text(TEXT[]);
DROP INDEX jobs_running_heartbeat;
DROP INDEX jobs_queued_created;
DROP INDEX jobs_asset;
ALTER TABLE jobs
    DROP COLUMN enqueued_at,
    DROP COLUMN version_id,
    DROP COLUMN asset_id;
