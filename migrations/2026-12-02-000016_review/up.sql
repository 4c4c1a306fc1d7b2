-- Review (#16): frame-accurate comments on a version, reviewers' decisions, and the review
-- status that follows from them (copied to the asset for its current version, like `status`,
-- so the library filters and sorts on an indexed column).

ALTER TABLE asset_versions
    ADD COLUMN review_status TEXT NOT NULL DEFAULT 'none'
        CHECK (review_status IN ('none', 'in_review', 'approved', 'changes_requested'));
ALTER TABLE assets
    ADD COLUMN review_status TEXT NOT NULL DEFAULT 'none'
        CHECK (review_status IN ('none', 'in_review', 'approved', 'changes_requested'));
CREATE INDEX assets_review_status ON assets (review_status, created_at DESC, id DESC)
    WHERE deleted_at IS NULL;

CREATE TABLE comments (
    id          UUID PRIMARY KEY,
    asset_id    UUID NOT NULL REFERENCES assets (id) ON DELETE CASCADE,
    version_id  UUID NOT NULL REFERENCES asset_versions (id) ON DELETE CASCADE,
    -- One level deep: a reply's parent is a top-level comment (checked by the API).
    parent_id   UUID REFERENCES comments (id) ON DELETE CASCADE,
    -- Frames from 0 at the version's own rate; milliseconds for audio; NULL for images.
    frame       BIGINT CHECK (frame >= 0),
    frame_end   BIGINT CHECK (frame_end >= frame),
    body        TEXT NOT NULL CHECK (length(body) <= 5000),
    mentions    TEXT[] NOT NULL DEFAULT '{}',
    drawing     JSONB,
    visibility  TEXT NOT NULL DEFAULT 'team' CHECK (visibility IN ('team', 'everyone')),
    -- The author's name is kept so a comment still says who wrote it after the account goes.
    author_id   UUID REFERENCES users (id) ON DELETE SET NULL,
    author_name TEXT NOT NULL,
    resolved_by UUID REFERENCES users (id) ON DELETE SET NULL,
    resolved_by_name TEXT,
    resolved_at TIMESTAMPTZ,
    edited      BOOLEAN NOT NULL DEFAULT false,
    created_at  TIMESTAMPTZ NOT NULL DEFAULT now(),
    updated_at  TIMESTAMPTZ NOT NULL DEFAULT now(),
    deleted_at  TIMESTAMPTZ
);
CREATE INDEX comments_version ON comments (version_id, frame, created_at);
CREATE INDEX comments_parent ON comments (parent_id) WHERE parent_id IS NOT NULL;

CREATE TABLE review_decisions (
    id            UUID PRIMARY KEY,
    asset_id      UUID NOT NULL REFERENCES assets (id) ON DELETE CASCADE,
    version_id    UUID NOT NULL REFERENCES asset_versions (id) ON DELETE CASCADE,
    reviewer_id   UUID REFERENCES users (id) ON DELETE SET NULL,
    reviewer_name TEXT NOT NULL,
    decision      TEXT NOT NULL CHECK (decision IN ('approved', 'changes_requested')),
    note          TEXT NOT NULL DEFAULT '' CHECK (length(note) <= 5000),
    created_at    TIMESTAMPTZ NOT NULL DEFAULT now()
);
CREATE INDEX review_decisions_version ON review_decisions (version_id, created_at DESC);
