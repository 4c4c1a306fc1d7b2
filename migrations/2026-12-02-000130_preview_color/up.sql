-- How the published preview's picture was made from the master (`media::color::ColorRecord`:
-- the master's transfer, the tone-mapping operator or `off`, the output colour, dithering),
-- as its manifest records it; the asset page describes the preview from this, not from the
-- current settings.
ALTER TABLE asset_versions ADD COLUMN preview_color jsonb;
