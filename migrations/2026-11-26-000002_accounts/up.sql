-- Accounts, sessions, API tokens and the audit log (issue 3).

-- People who sign in. Emails are stored trimmed and lower-cased, so equality is
-- case-insensitive without an extension; the CHECK keeps every writer honest.
CREATE TABLE users (
    id             UUID PRIMARY KEY,
    email          TEXT NOT NULL CHECK (email = lower(email) AND length(email) BETWEEN 3 AND 254),
    display_name   TEXT NOT NULL CHECK (length(display_name) BETWEEN 1 AND 100),
    role           TEXT NOT NULL CHECK (role IN ('admin', 'manager', 'editor', 'viewer')),
    status         TEXT NOT NULL DEFAULT 'active' CHECK (status IN ('active', 'disabled')),
    password_hash  TEXT NOT NULL,
    created_at     TIMESTAMPTZ NOT NULL DEFAULT now(),
    updated_at     TIMESTAMPTZ NOT NULL DEFAULT now(),
    last_login_at  TIMESTAMPTZ
);
CREATE UNIQUE INDEX users_email_key ON users (email);

-- Browser sessions. The id is SHA-256 of the cookie's secret: a copy of this table does not
-- let anyone sign in. Rows are deleted on logout, so "revoked" is "absent".
CREATE TABLE sessions (
    id            BYTEA PRIMARY KEY CHECK (length(id) = 32),
    user_id       UUID NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    csrf_token    TEXT NOT NULL,
    created_at    TIMESTAMPTZ NOT NULL DEFAULT now(),
    last_seen_at  TIMESTAMPTZ NOT NULL DEFAULT now(),
    expires_at    TIMESTAMPTZ NOT NULL,
    user_agent    TEXT,
    ip            TEXT
);
CREATE INDEX sessions_user_id ON sessions (user_id);
CREATE INDEX sessions_expires_at ON sessions (expires_at);
CREATE INDEX sessions_last_seen_at ON sessions (last_seen_at);

-- Personal API tokens for scripts: `mm_<prefix>_<secret>`. Only SHA-256 of the secret is kept;
-- the prefix is public and finds the row.
CREATE TABLE api_tokens (
    id            UUID PRIMARY KEY,
    user_id       UUID NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    name          TEXT NOT NULL CHECK (length(name) BETWEEN 1 AND 100),
    prefix        TEXT NOT NULL UNIQUE,
    secret_hash   BYTEA NOT NULL CHECK (length(secret_hash) = 32),
    scopes        TEXT[] NOT NULL,
    expires_at    TIMESTAMPTZ NOT NULL,
    last_used_at  TIMESTAMPTZ,
    revoked_at    TIMESTAMPTZ,
    created_at    TIMESTAMPTZ NOT NULL DEFAULT now()
);
CREATE INDEX api_tokens_user_id ON api_tokens (user_id);

-- Who did what, when, from where. Append-only: rows are never changed or removed by mm,
-- and the triggers below refuse it to anyone else too. Users are disabled, never deleted,
-- so the foreign key keeps every actor resolvable.
CREATE TABLE audit_log (
    id             BIGSERIAL PRIMARY KEY,
    at             TIMESTAMPTZ NOT NULL DEFAULT now(),
    actor_user_id  UUID REFERENCES users (id),
    actor_label    TEXT NOT NULL,
    action         TEXT NOT NULL,
    target_type    TEXT,
    target_id      TEXT,
    ip             TEXT,
    details        JSONB NOT NULL DEFAULT '{}'::jsonb
);
CREATE INDEX audit_log_actor ON audit_log (actor_user_id, id);
CREATE INDEX audit_log_target ON audit_log (target_type, target_id, id);

CREATE FUNCTION audit_log_is_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'audit_log is append-only: % refused', TG_OP
        USING ERRCODE = 'insufficient_privilege';
END;
$$;
CREATE TRIGGER audit_log_no_update_delete
    BEFORE UPDATE OR DELETE ON audit_log
    FOR EACH ROW EXECUTE FUNCTION audit_log_is_append_only();
CREATE TRIGGER audit_log_no_truncate
    BEFORE TRUNCATE ON audit_log
    FOR EACH STATEMENT EXECUTE FUNCTION audit_log_is_append_only();
