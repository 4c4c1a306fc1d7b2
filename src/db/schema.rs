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

diesel::table! {
    users (id) {
        id -> Uuid,
        email -> Text,
        display_name -> Text,
        role -> Text,
        status -> Text,
        password_hash -> Text,
        created_at -> Timestamptz,
        updated_at -> Timestamptz,
        last_login_at -> Nullable<Timestamptz>,
    }
}

diesel::table! {
    sessions (id) {
        id -> Bytea,
        user_id -> Uuid,
        csrf_token -> Text,
        created_at -> Timestamptz,
        last_seen_at -> Timestamptz,
        expires_at -> Timestamptz,
        user_agent -> Nullable<Text>,
        ip -> Nullable<Text>,
    }
}

diesel::table! {
    api_tokens (id) {
        id -> Uuid,
        user_id -> Uuid,
        name -> Text,
        prefix -> Text,
        secret_hash -> Bytea,
        scopes -> Array<Text>,
        expires_at -> Timestamptz,
        last_used_at -> Nullable<Timestamptz>,
        revoked_at -> Nullable<Timestamptz>,
        created_at -> Timestamptz,
    }
}

diesel::table! {
    audit_log (id) {
        id -> Int8,
        at -> Timestamptz,
        actor_user_id -> Nullable<Uuid>,
        actor_label -> Text,
        action -> Text,
        target_type -> Nullable<Text>,
        target_id -> Nullable<Text>,
        ip -> Nullable<Text>,
        details -> Jsonb,
    }
}

diesel::joinable!(sessions -> users (user_id));
diesel::joinable!(api_tokens -> users (user_id));
diesel::allow_tables_to_appear_in_same_query!(users, sessions, api_tokens, audit_log);

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
        review_status -> Text,
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
        audio_mapping -> Nullable<Text>,
        review_status -> Text,
        preview_color -> Nullable<Jsonb>,
        playable_at -> Nullable<Timestamptz>,
    }
}

diesel::joinable!(asset_versions -> assets (asset_id));
diesel::allow_tables_to_appear_in_same_query!(assets, asset_versions, uploads, jobs);

diesel::table! {
    comments (id) {
        id -> Uuid,
        asset_id -> Uuid,
        version_id -> Uuid,
        parent_id -> Nullable<Uuid>,
        frame -> Nullable<Int8>,
        frame_end -> Nullable<Int8>,
        body -> Text,
        mentions -> Array<Text>,
        drawing -> Nullable<Jsonb>,
        visibility -> Text,
        author_id -> Nullable<Uuid>,
        author_name -> Text,
        resolved_by -> Nullable<Uuid>,
        resolved_by_name -> Nullable<Text>,
        resolved_at -> Nullable<Timestamptz>,
        edited -> Bool,
        created_at -> Timestamptz,
        updated_at -> Timestamptz,
        deleted_at -> Nullable<Timestamptz>,
        guest_id -> Nullable<Uuid>,
    }
}

diesel::table! {
    review_decisions (id) {
        id -> Uuid,
        asset_id -> Uuid,
        version_id -> Uuid,
        reviewer_id -> Nullable<Uuid>,
        reviewer_name -> Text,
        decision -> Text,
        note -> Text,
        created_at -> Timestamptz,
        guest_id -> Nullable<Uuid>,
        reviewer_key -> Text,
        reviewer_email -> Nullable<Text>,
    }
}

diesel::table! {
    review_sets (id) {
        id -> Uuid,
        name -> Text,
        created_by -> Nullable<Uuid>,
        created_at -> Timestamptz,
        updated_at -> Timestamptz,
    }
}

diesel::table! {
    review_set_items (set_id, asset_id) {
        set_id -> Uuid,
        asset_id -> Uuid,
        position -> Int4,
    }
}

diesel::table! {
    shares (id) {
        id -> Uuid,
        token_hash -> Bytea,
        title -> Text,
        set_id -> Nullable<Uuid>,
        version_mode -> Text,
        permissions -> Text,
        allow_download -> Text,
        show_versions -> Bool,
        watermark -> Bool,
        password_hash -> Nullable<Text>,
        expires_at -> Nullable<Timestamptz>,
        revoked_at -> Nullable<Timestamptz>,
        created_by -> Nullable<Uuid>,
        created_by_name -> Text,
        created_at -> Timestamptz,
        updated_at -> Timestamptz,
    }
}

diesel::table! {
    share_items (share_id, asset_id) {
        share_id -> Uuid,
        asset_id -> Uuid,
        position -> Int4,
        version_id -> Nullable<Uuid>,
    }
}

diesel::table! {
    share_guests (id) {
        id -> Uuid,
        share_id -> Uuid,
        secret_hash -> Bytea,
        unlocked -> Bool,
        name -> Nullable<Text>,
        email -> Nullable<Text>,
        ip -> Nullable<Text>,
        created_at -> Timestamptz,
        last_seen_at -> Timestamptz,
    }
}

diesel::table! {
    share_activity (id) {
        id -> Int8,
        share_id -> Uuid,
        guest_id -> Nullable<Uuid>,
        guest_name -> Nullable<Text>,
        guest_email -> Nullable<Text>,
        asset_id -> Nullable<Uuid>,
        version_id -> Nullable<Uuid>,
        action -> Text,
        ip -> Nullable<Text>,
        details -> Jsonb,
        at -> Timestamptz,
    }
}

diesel::joinable!(review_set_items -> review_sets (set_id));
diesel::joinable!(review_set_items -> assets (asset_id));
diesel::joinable!(share_items -> shares (share_id));
diesel::joinable!(share_items -> assets (asset_id));
diesel::allow_tables_to_appear_in_same_query!(
    review_sets,
    review_set_items,
    shares,
    share_items,
    share_guests,
    share_activity,
    assets,
);

diesel::table! {
    webhook_endpoints (id) {
        id -> Uuid,
        url -> Text,
        description -> Text,
        events -> Array<Text>,
        secret -> Text,
        enabled -> Bool,
        disabled_reason -> Nullable<Text>,
        failing_since -> Nullable<Timestamptz>,
        created_by -> Nullable<Uuid>,
        created_at -> Timestamptz,
        updated_at -> Timestamptz,
    }
}

diesel::table! {
    webhook_events (id) {
        id -> Text,
        kind -> Text,
        payload -> Jsonb,
        created_at -> Timestamptz,
    }
}

diesel::table! {
    webhook_deliveries (id) {
        id -> Uuid,
        endpoint_id -> Uuid,
        event_id -> Text,
        job_id -> Uuid,
        state -> Text,
        attempts -> Int4,
        last_status -> Nullable<Int4>,
        last_error -> Nullable<Text>,
        created_at -> Timestamptz,
        updated_at -> Timestamptz,
    }
}

diesel::table! {
    webhook_attempts (id) {
        id -> Int8,
        delivery_id -> Uuid,
        attempt -> Int4,
        status -> Nullable<Int4>,
        latency_ms -> Int4,
        error -> Nullable<Text>,
        response -> Text,
        created_at -> Timestamptz,
    }
}

diesel::table! {
    idempotency_keys (user_id, key) {
        user_id -> Uuid,
        key -> Text,
        request_hash -> Bytea,
        status -> Nullable<Int4>,
        content_type -> Nullable<Text>,
        body -> Nullable<Bytea>,
        created_at -> Timestamptz,
    }
}

diesel::joinable!(webhook_deliveries -> webhook_endpoints (endpoint_id));
diesel::joinable!(webhook_deliveries -> webhook_events (event_id));
diesel::joinable!(webhook_attempts -> webhook_deliveries (delivery_id));
diesel::allow_tables_to_appear_in_same_query!(
    webhook_endpoints,
    webhook_events,
    webhook_deliveries,
    webhook_attempts
);
