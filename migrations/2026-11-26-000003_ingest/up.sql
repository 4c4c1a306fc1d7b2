-- Ingest: upload sessions, assets and their versions, and what the job system needs beyond
-- the jobs table of 000001 (the subject a job is about, and when it was last handed to Redis).

ALTER TABLE jobs
    ADD COLUMN asset_id    UUID,
    ADD COLUMN version_id  UUID,
    -- Last time the job id was put on (or found in) the stream; the reconciler re-queues rows
    -- that are queued, due, missing from Redis and not enqueued recently.
    ADD COLUMN enqueued_at TIMESTAMPTZ;

CREATE INDEX jobs_asset ON jobs (asset_id, created_at DESC) WHERE asset_id IS NOT NULL;
CREATE INDEX jobs_queued_created ON jobs (created_at) WHERE state = 'queued';
CREATE INDEX jobs_running_heartbeat ON jobs (heartbeat_at) WHERE state = 'running';

-- array_to_string is only STABLE (it calls type output functions); for text[] it cannot
-- change, so this wrapper may be IMMUTABLE and feed a generated column.
CREATE FUNCTION mm_tags_text(tags TEXT[]) RETURNS TEXT
    LANGUAGE sql IMMUTABLE PARALLEL SAFE
    AS $$ SELECT array_to_string(tags, ' ') $$;

CREATE TABLE assets (
    id                 UUID PRIMARY KEY,
    owner_id           UUID,
    title              TEXT NOT NULL CHECK (length(title) BETWEEN 1 AND 200),
    description        TEXT NOT NULL DEFAULT '' CHECK (length(description) <= 5000),
    tags               TEXT[] NOT NULL DEFAULT '{}',
    media_type         TEXT NOT NULL CHECK (media_type IN ('video', 'audio', 'image')),
    -- The current version's file name and size, copied here so lists need no join.
    filename           TEXT NOT NULL,
    size_bytes         BIGINT NOT NULL CHECK (size_bytes >= 0),
    -- The current version's status, copied here so the library can filter on an index.
    status             TEXT NOT NULL DEFAULT 'promoting'
                       CHECK (status IN ('promoting', 'stored', 'processing', 'ready', 'failed', 'checksum_mismatch')),
    current_version_id UUID,
    version_count      INTEGER NOT NULL DEFAULT 0,
    created_at         TIMESTAMPTZ NOT NULL DEFAULT now(),
    updated_at         TIMESTAMPTZ NOT NULL DEFAULT now(),
    deleted_at         TIMESTAMPTZ,
    -- Words are split on anything not alphanumeric so A001_C002.mov finds "a001" and "c002";
    -- the 'simple' configuration keeps names and codes unstemmed.
    search             TSVECTOR GENERATED ALWAYS AS (
        setweight(to_tsvector('simple', regexp_replace(title, '[^[:alnum:]]+', ' ', 'g')), 'A') ||
        setweight(to_tsvector('simple', regexp_replace(mm_tags_text(tags), '[^[:alnum:]]+', ' ', 'g')), 'B') ||
        setweight(to_tsvector('simple', regexp_replace(filename, '[^[:alnum:]]+', ' ', 'g')), 'B') ||
        setweight(to_tsvector('simple', regexp_replace(description, '[^[:alnum:]]+', ' ', 'g')), 'C')
    ) STORED
);

-- The library lists live assets newest first, filtered by status, media type or date, or
-- sorted by title or size: each order has a partial index over live rows so a page of 50 is
-- read straight off an index whatever the table's size.
CREATE INDEX assets_live_created ON assets (created_at DESC, id DESC) WHERE deleted_at IS NULL;
CREATE INDEX assets_live_status_created ON assets (status, created_at DESC, id DESC) WHERE deleted_at IS NULL;
CREATE INDEX assets_live_media_created ON assets (media_type, created_at DESC, id DESC) WHERE deleted_at IS NULL;
CREATE INDEX assets_live_title ON assets (lower(title), id) WHERE deleted_at IS NULL;
CREATE INDEX assets_live_size ON assets (size_bytes, id) WHERE deleted_at IS NULL;
CREATE INDEX assets_search ON assets USING GIN (search) WHERE deleted_at IS NULL;

CREATE TABLE uploads (
    id                UUID PRIMARY KEY,
    owner_id          UUID,
    kind              TEXT NOT NULL CHECK (kind IN ('single', 'multipart')),
    state             TEXT NOT NULL DEFAULT 'uploading'
                      CHECK (state IN ('uploading', 'completed', 'aborted', 'expiring', 'expired', 'failed')),
    filename          TEXT NOT NULL,
    original_filename TEXT NOT NULL,
    content_type      TEXT NOT NULL,
    media_type        TEXT NOT NULL CHECK (media_type IN ('video', 'audio', 'image')),
    -- NULL only for the old `POST /api/presign` contract, where the length is optional.
    size_bytes        BIGINT CHECK (size_bytes IS NULL OR size_bytes > 0),
    sha256            TEXT CHECK (sha256 ~ '^[0-9a-f]{64}$'),
    staging_key       TEXT NOT NULL UNIQUE,
    -- The storage backend's multipart upload id.
    storage_upload_id TEXT,
    part_size         BIGINT,
    part_count        INTEGER,
    -- A new version of this asset instead of a new asset.
    target_asset_id   UUID REFERENCES assets (id),
    title             TEXT,
    -- What `complete` created, so a retried complete answers the same ids.
    asset_id          UUID REFERENCES assets (id),
    version_id        UUID,
    job_id            UUID,
    error             TEXT,
    -- Set while one `complete` call works on the upload, so a concurrent one waits.
    completing_since  TIMESTAMPTZ,
    created_at        TIMESTAMPTZ NOT NULL DEFAULT now(),
    updated_at        TIMESTAMPTZ NOT NULL DEFAULT now(),
    last_activity_at  TIMESTAMPTZ NOT NULL DEFAULT now(),
    completed_at      TIMESTAMPTZ,
    CHECK (kind = 'single' OR (storage_upload_id IS NOT NULL AND part_size > 0 AND part_count BETWEEN 1 AND 10000))
);

CREATE INDEX uploads_idle ON uploads (last_activity_at) WHERE state IN ('uploading', 'expiring');
CREATE INDEX uploads_owner ON uploads (owner_id, created_at DESC);

CREATE TABLE asset_versions (
    id              UUID PRIMARY KEY,
    asset_id        UUID NOT NULL REFERENCES assets (id) ON DELETE RESTRICT,
    number          INTEGER NOT NULL CHECK (number >= 1),
    upload_id       UUID UNIQUE REFERENCES uploads (id),
    filename        TEXT NOT NULL,
    content_type    TEXT NOT NULL,
    media_type      TEXT NOT NULL CHECK (media_type IN ('video', 'audio', 'image')),
    size_bytes      BIGINT NOT NULL CHECK (size_bytes >= 0),
    -- What the uploader declared, and what promotion measured on the master.
    sha256_declared TEXT CHECK (sha256_declared ~ '^[0-9a-f]{64}$'),
    sha256          TEXT CHECK (sha256 ~ '^[0-9a-f]{64}$'),
    staging_key     TEXT NOT NULL,
    master_key      TEXT NOT NULL,
    status          TEXT NOT NULL DEFAULT 'promoting'
                    CHECK (status IN ('promoting', 'stored', 'processing', 'ready', 'failed', 'checksum_mismatch')),
    -- Why the version failed, in words a person understands.
    error           TEXT,
    lock_mode       TEXT CHECK (lock_mode IN ('governance', 'compliance')),
    retain_until    TIMESTAMPTZ,
    -- Technical metadata from probing the master (the preview pipeline fills it).
    technical       JSONB,
    created_at      TIMESTAMPTZ NOT NULL DEFAULT now(),
    updated_at      TIMESTAMPTZ NOT NULL DEFAULT now(),
    stored_at       TIMESTAMPTZ,
    UNIQUE (asset_id, number)
);

ALTER TABLE assets
    ADD CONSTRAINT assets_current_version_fk
    FOREIGN KEY (current_version_id) REFERENCES asset_versions (id);
