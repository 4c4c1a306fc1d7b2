-- When the version's preview first became playable while its preview job was still running
-- (a `source` rendition packaged as it is, or the ladder's first segments published as they
-- are encoded); none before, and again at the start of each preview run. A ready version
-- plays whatever this says (`status::VersionStatus::playable`).
ALTER TABLE asset_versions ADD COLUMN playable_at timestamptz;
