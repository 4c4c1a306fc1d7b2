//! Table definitions for diesel, one `table!` per migration-created table.

diesel::table! {
    jobs (id) {
        id -> Uuid,
        kind -> Text,
        payload -> Jsonb,
        state -> Text,
        attempts -> Int4,
        max_attempts -> Int4,
        progress -> Float4,
        eta_seconds -> Nullable<Int4>,
        error -> Nullable<Text>,
        worker -> Nullable<Text>,
        heartbeat_at -> Nullable<Timestamptz>,
        run_after -> Timestamptz,
        created_at -> Timestamptz,
        updated_at -> Timestamptz,
        finished_at -> Nullable<Timestamptz>,
    }
}
