-- Which of a master's audio tracks make its preview's stereo (`pair:1,2`, `track:3`, `5.1:1`):
-- chosen by the preview job for the master's layout, changeable on the asset page.
ALTER TABLE asset_versions ADD COLUMN audio_mapping text
    CHECK (audio_mapping IS NULL OR audio_mapping ~ '^(track:[0-9]+|pair:[0-9]+,[0-9]+|5\.1:[0-9]+)$');
