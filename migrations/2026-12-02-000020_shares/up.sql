-- Share links: review sets (named, ordered asset lists), links for guests without an account
-- (the token stored only as its SHA-256), the guests who opened them, and what they did.

CREATE TABLE review_sets (
    id          UUID PRIMARY KEY,
    name        TEXT NOT NULL CHECK (length(name) BETWEEN 1 AND 200),
    created_by  UUID REFERENCES users (id) ON DELETE SET NULL,
    created_at  TIMESTAMPTZ NOT NULL DEFAULT now(),
    updated_at  TIMESTAMPTZ NOT NULL DEFAULT now()
);

CREATE TABLE review_set_items (
    set_id    UUID NOT NULL REFERENCES review_sets (id) ON DELETE CASCADE,
    asset_id  UUID NOT NULL REFERENCES assets (id) ON DELETE CASCADE,
    position  INT NOT NULL CHECK (position >= 0),
    PRIMARY KEY (set_id, asset_id)
);
CREATE INDEX review_set_items_asset ON review_set_items (asset_id);

CREATE TABLE shares (
    id              UUID PRIMARY KEY,
    token_hash      BYTEA NOT NULL UNIQUE,
    title           TEXT NOT NULL,
    set_id          UUID REFERENCES review_sets (id) ON DELETE SET NULL,
    version_mode    TEXT NOT NULL CHECK (version_mode IN ('current', 'pinned')),
    permissions     TEXT NOT NULL CHECK (permissions IN ('view', 'comment', 'approve')),
    allow_download  TEXT NOT NULL CHECK (allow_download IN ('none', 'proxy', 'original')),
    show_versions   BOOLEAN NOT NULL DEFAULT false,
    watermark       BOOLEAN NOT NULL DEFAULT false,
    password_hash   TEXT,
    expires_at      TIMESTAMPTZ,
    revoked_at      TIMESTAMPTZ,
    created_by      UUID REFERENCES users (id) ON DELETE SET NULL,
    created_by_name TEXT NOT NULL,
    created_at      TIMESTAMPTZ NOT NULL DEFAULT now(),
    updated_at      TIMESTAMPTZ NOT NULL DEFAULT now()
);
CREATE INDEX shares_created ON shares (created_at DESC, id DESC);

-- The assets of a share, in order; `version_id` is the pinned version (NULL: the current one).
CREATE TABLE share_items (
    share_id    UUID NOT NULL REFERENCES shares (id) ON DELETE CASCADE,
    asset_id    UUID NOT NULL REFERENCES assets (id) ON DELETE CASCADE,
    position    INT NOT NULL CHECK (position >= 0),
    version_id  UUID REFERENCES asset_versions (id) ON DELETE CASCADE,
    PRIMARY KEY (share_id, asset_id)
);
CREATE INDEX share_items_asset ON share_items (asset_id);

-- One browser that opened a share: its cookie's SHA-256, whether it gave the password, and the
-- name and email it gave (unverified) before commenting or deciding.
CREATE TABLE share_guests (
    id            UUID PRIMARY KEY,
    share_id      UUID NOT NULL REFERENCES shares (id) ON DELETE CASCADE,
    secret_hash   BYTEA NOT NULL UNIQUE,
    unlocked      BOOLEAN NOT NULL DEFAULT false,
    name          TEXT CHECK (length(name) <= 100),
    email         TEXT CHECK (length(email) <= 254),
    ip            TEXT,
    created_at    TIMESTAMPTZ NOT NULL DEFAULT now(),
    last_seen_at  TIMESTAMPTZ NOT NULL DEFAULT now()
);
CREATE INDEX share_guests_share ON share_guests (share_id);

CREATE TABLE share_activity (
    id           BIGSERIAL PRIMARY KEY,
    share_id     UUID NOT NULL REFERENCES shares (id) ON DELETE CASCADE,
    guest_id     UUID REFERENCES share_guests (id) ON DELETE SET NULL,
    guest_name   TEXT,
    guest_email  TEXT,
    asset_id     UUID,
    version_id   UUID,
    action       TEXT NOT NULL
        CHECK (action IN ('opened', 'played', 'commented', 'decided', 'downloaded')),
    ip           TEXT,
    details      JSONB NOT NULL DEFAULT '{}',
    at           TIMESTAMPTZ NOT NULL DEFAULT now()
);
CREATE INDEX share_activity_share ON share_activity (share_id, at DESC);

-- What a guest wrote stays linked to who they said they were.
ALTER TABLE comments ADD COLUMN guest_id UUID REFERENCES share_guests (id) ON DELETE SET NULL;
ALTER TABLE review_decisions
    ADD COLUMN guest_id UUID REFERENCES share_guests (id) ON DELETE SET NULL;
