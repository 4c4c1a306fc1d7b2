-- The durable record of every background job. Redis streams only deliver job ids;
-- this table is the truth the reconciler re-queues from.
CREATE TABLE jobs (
    id            UUID PRIMARY KEY,
    kind          TEXT NOT NULL,
    payload       JSONB NOT NULL DEFAULT '{}'::jsonb,
    state         TEXT NOT NULL DEFAULT 'queued'
                  CHECK (state IN ('queued', 'running', 'succeeded', 'failed', 'dead', 'cancelled')),
    attempts      INTEGER NOT NULL DEFAULT 0,
    max_attempts  INTEGER NOT NULL DEFAULT 5,
    progress      REAL NOT NULL DEFAULT 0,
    eta_seconds   INTEGER,
    error         TEXT,
    worker        TEXT,
    heartbeat_at  TIMESTAMPTZ,
    run_after     TIMESTAMPTZ NOT NULL DEFAULT now(),
    created_at    TIMESTAMPTZ NOT NULL DEFAULT now(),
    updated_at    TIMESTAMPTZ NOT NULL DEFAULT now(),
    finished_at   TIMESTAMPTZ
);

CREATE INDEX jobs_state_run_after ON jobs (state, run_after);
CREATE INDEX jobs_kind_state ON jobs (kind, state);
