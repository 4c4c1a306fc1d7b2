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
        asset_id -> Nullable<Uuid>,
        version_id -> Nullable<Uuid>,
        enqueued_at -> Nullable<Timestamptz>,
    }
}

// `search` (a generated tsvector) is left out: queries reach it through SQL fragments.
diesel::table! {
    assets (id) {
        id -> Uuid,
        owner_id -> Nullable<Uuid>,
        title -> Text,
        description -> Text,
        tags -> Array<Text>,
        media_type -> Text,
        filename -> Text,
        size_bytes -> Int8,
        status -> Text,
        current_version_id -> Nullable<Uuid>,
        version_count -> Int4,
        created_at -> Timestamptz,
        updated_at -> Timestamptz,
        deleted_at -> Nullable<Timestamptz>,
    }
}

diesel::table! {
    uploads (id) {
        id -> Uuid,
        owner_id -> Nullable<Uuid>,
        kind -> Text,
        state -> Text,
        filename -> Text,
        original_filename -> Text,
        content_type -> Text,
        media_type -> Text,
        size_bytes -> Nullable<Int8>,
        sha256 -> Nullable<Text>,
        staging_key -> Text,
        storage_upload_id -> Nullable<Text>,
        part_size -> Nullable<Int8>,
        part_count -> Nullable<Int4>,
        target_asset_id -> Nullable<Uuid>,
        title -> Nullable<Text>,
        asset_id -> Nullable<Uuid>,
        version_id -> Nullable<Uuid>,
        job_id -> Nullable<Uuid>,
        error -> Nullable<Text>,
        completing_since -> Nullable<Timestamptz>,
        created_at -> Timestamptz,
        updated_at -> Timestamptz,
        last_activity_at -> Timestamptz,
        completed_at -> Nullable<Timestamptz>,
    }
}

diesel::table! {
    asset_versions (id) {
        id -> Uuid,
        asset_id -> Uuid,
        number -> Int4,
        upload_id -> Nullable<Uuid>,
        filename -> Text,
        content_type -> Text,
        media_type -> Text,
        size_bytes -> Int8,
        sha256_declared -> Nullable<Text>,
        sha256 -> Nullable<Text>,
        staging_key -> Text,
        master_key -> Text,
        status -> Text,
        error -> Nullable<Text>,
        lock_mode -> Nullable<Text>,
        retain_until -> Nullable<Timestamptz>,
        technical -> Nullable<Jsonb>,
        created_at -> Timestamptz,
        updated_at -> Timestamptz,
        stored_at -> Nullable<Timestamptz>,
    }
}

diesel::joinable!(asset_versions -> assets (asset_id));
diesel::allow_tables_to_appear_in_same_query!(assets, asset_versions, uploads, jobs);
