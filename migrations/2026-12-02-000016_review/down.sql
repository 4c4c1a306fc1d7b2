DROP TABLE review_decisions;
DROP TABLE comments;
DROP INDEX assets_review_status;
ALTER TABLE assets DROP COLUMN review_status;
ALTER TABLE asset_versions DROP COLUMN review_status;
