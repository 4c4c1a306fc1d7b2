ALTER TABLE asset_versions DROP COLUMN playable_at;
