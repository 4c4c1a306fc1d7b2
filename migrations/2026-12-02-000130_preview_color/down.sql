ALTER TABLE asset_versions DROP COLUMN preview_color;
