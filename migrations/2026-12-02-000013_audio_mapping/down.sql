ALTER TABLE asset_versions DROP COLUMN audio_mapping;
