-- Signed webhooks: endpoints admins register, the events mm emits (an outbox row written in
-- the same transaction as the change), one delivery per event and endpoint (run by a job),
-- and each attempt's outcome for the delivery log. Plus the replay store of Idempotency-Key.

CREATE TABLE webhook_endpoints (
    id                UUID PRIMARY KEY,
    url               TEXT NOT NULL CHECK (length(url) <= 2048),
    description       TEXT NOT NULL DEFAULT '' CHECK (length(description) <= 500),
    events            TEXT[] NOT NULL,
    -- `whsec_<base64>`: kept as is, because every delivery is signed with it.
    secret            TEXT NOT NULL,
    enabled           BOOLEAN NOT NULL DEFAULT TRUE,
    disabled_reason   TEXT,
    -- Set by the first failed attempt after a success; cleared by the next success.
    failing_since     TIMESTAMPTZ,
    created_by        UUID REFERENCES users (id) ON DELETE SET NULL,
    created_at        TIMESTAMPTZ NOT NULL DEFAULT now(),
    updated_at        TIMESTAMPTZ NOT NULL DEFAULT now()
);

CREATE TABLE webhook_events (
    -- `msg_<uuid>`: the `webhook-id` every delivery of this event carries.
    id          TEXT PRIMARY KEY,
    kind        TEXT NOT NULL,
    payload     JSONB NOT NULL,
    created_at  TIMESTAMPTZ NOT NULL DEFAULT now()
);
CREATE INDEX webhook_events_created ON webhook_events (created_at);

CREATE TABLE webhook_deliveries (
    id               UUID PRIMARY KEY,
    endpoint_id      UUID NOT NULL REFERENCES webhook_endpoints (id) ON DELETE CASCADE,
    event_id         TEXT NOT NULL REFERENCES webhook_events (id) ON DELETE CASCADE,
    job_id           UUID NOT NULL,
    state            TEXT NOT NULL DEFAULT 'pending'
                         CHECK (state IN ('pending', 'succeeded', 'failed')),
    attempts         INT NOT NULL DEFAULT 0,
    last_status      INT,
    last_error       TEXT,
    created_at       TIMESTAMPTZ NOT NULL DEFAULT now(),
    updated_at       TIMESTAMPTZ NOT NULL DEFAULT now()
);
CREATE INDEX webhook_deliveries_endpoint ON webhook_deliveries (endpoint_id, created_at DESC);

CREATE TABLE webhook_attempts (
    id           BIGSERIAL PRIMARY KEY,
    delivery_id  UUID NOT NULL REFERENCES webhook_deliveries (id) ON DELETE CASCADE,
    attempt      INT NOT NULL,
    -- NULL when no HTTP answer came (refused address, timeout, connection error).
    status       INT,
    latency_ms   INT NOT NULL,
    error        TEXT,
    -- The first KiB of the answer's body.
    response     TEXT NOT NULL DEFAULT '' CHECK (length(response) <= 1024),
    created_at   TIMESTAMPTZ NOT NULL DEFAULT now()
);
CREATE INDEX webhook_attempts_delivery ON webhook_attempts (delivery_id, id);

CREATE TABLE idempotency_keys (
    -- The user the request was made for: a key is private to its caller.
    user_id       UUID NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    key           TEXT NOT NULL CHECK (length(key) BETWEEN 1 AND 255),
    -- SHA-256 of method, path and body: the same key with another request is refused.
    request_hash  BYTEA NOT NULL,
    -- NULL while the first request is still running.
    status        INT,
    content_type  TEXT,
    body          BYTEA,
    created_at    TIMESTAMPTZ NOT NULL DEFAULT now(),
    PRIMARY KEY (user_id, key)
);
CREATE INDEX idempotency_keys_created ON idempotency_keys (created_at);
