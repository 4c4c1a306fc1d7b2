//! Every /api route as the role-by-route matrix (`matrix`) calls it: method, path, the
//! permission its handler names, and a body with placeholders. WHEN YOU ADD AN /api ROUTE,
//! ADD A ROW to `routes()` (`matrix_rows` fails until every documented operation has one).

use mm::auth::Permission;
use reqwest::Method;

/// What a route requires.
#[derive(Clone, Copy, Debug)]
pub(super) enum Needs {
    /// Anyone, signed in or not.
    Public,
    /// Any signed-in caller (`perm::Any`).
    SignedIn,
    Perm(Permission),
    /// A presigned storage URL: its signature is the credential, so without one every caller
    /// gets 400 (a malformed URL), whatever session or token it sends.
    Signed,
}

pub(super) struct Route {
    pub(super) method: Method,
    pub(super) path: &'static str,
    pub(super) needs: Needs,
    /// JSON body, with placeholders.
    pub(super) body: Option<&'static str>,
    /// Whether a successful call ends the credential used (logout): it is renewed after.
    pub(super) ends_credential: bool,
    /// An event stream: a 2xx answer's body stays open, so only its status is read.
    pub(super) stream: bool,
    /// Statuses that also show the permission check passed (the record's state refused it).
    pub(super) also: &'static [u16],
}

pub(super) const fn route(
    method: Method,
    path: &'static str,
    needs: Needs,
    body: Option<&'static str>,
) -> Route {
    Route {
        method,
        path,
        needs,
        body,
        ends_credential: false,
        stream: false,
        also: &[],
    }
}

use Needs::*;
use Permission as P;

pub(super) fn routes() -> Vec<Route> {
    vec![
        route(Method::GET, "/api/health", Public, None),
        route(Method::GET, "/api/ready", Public, None),
        route(Method::GET, "/api/openapi.json", Public, None),
        route(Method::GET, "/api/docs", Public, None),
        // Replaces the calling browser's session with login-target's: renewed after.
        Route {
            ends_credential: true,
            ..route(
                Method::POST,
                "/api/auth/login",
                Public,
                Some(r#"{"email": "login-target@mm.test", "password": "{password}"}"#),
            )
        },
        route(Method::GET, "/api/auth/me", SignedIn, None),
        Route {
            ends_credential: true,
            ..route(Method::POST, "/api/auth/logout", SignedIn, None)
        },
        Route {
            ends_credential: true,
            ..route(Method::POST, "/api/auth/logout-all", SignedIn, None)
        },
        route(Method::GET, "/api/users", Perm(P::UsersManage), None),
        route(
            Method::POST,
            "/api/users",
            Perm(P::UsersManage),
            Some(r#"{"email": "new-{n}@mm.test", "role": "viewer", "password": "{password}"}"#),
        ),
        route(
            Method::PATCH,
            "/api/users/{target}",
            Perm(P::UsersManage),
            Some(r#"{"role": "editor"}"#),
        ),
        route(Method::GET, "/api/tokens", Perm(P::TokensManage), None),
        route(
            Method::POST,
            "/api/tokens",
            Perm(P::TokensManage),
            Some(r#"{"name": "matrix", "scopes": ["tokens:manage"]}"#),
        ),
        route(
            Method::DELETE,
            "/api/tokens/{own_token}",
            Perm(P::TokensManage),
            None,
        ),
        route(Method::GET, "/api/audit", Perm(P::AuditRead), None),
        route(Method::GET, "/api/audit?limit=5", Perm(P::AuditRead), None),
        route(
            Method::POST,
            "/api/sign-preview",
            Perm(P::PreviewsSign),
            Some(r#"{"preview_prefix": "previews/{asset}/{version}/"}"#),
        ),
        route(
            Method::GET,
            "/api/preview/status?prefix=previews/a/b",
            Perm(P::AssetsRead),
            None,
        ),
        Route {
            stream: true,
            ..route(
                Method::GET,
                "/api/preview/events?prefix=previews/a/b",
                Perm(P::AssetsRead),
                None,
            )
        },
        route(Method::GET, "/api/jobs/{job}", Perm(P::AssetsRead), None),
        route(
            Method::POST,
            "/api/uploads",
            Perm(P::UploadsCreate),
            Some(r#"{"filename": "m{n}.mov", "size": 1000}"#),
        ),
        route(
            Method::GET,
            "/api/uploads/{upload}",
            Perm(P::UploadsCreate),
            None,
        ),
        route(
            Method::POST,
            "/api/uploads/{upload}/parts",
            Perm(P::UploadsCreate),
            Some(r#"{"part_numbers": [1]}"#),
        ),
        route(
            Method::POST,
            "/api/uploads/{done_upload}/complete",
            Perm(P::UploadsCreate),
            Some("{}"),
        ),
        route(
            Method::DELETE,
            "/api/uploads/{upload}",
            Perm(P::UploadsCreate),
            None,
        ),
        route(Method::GET, "/api/assets", Perm(P::AssetsRead), None),
        route(
            Method::GET,
            "/api/assets?q=matrix",
            Perm(P::AssetsRead),
            None,
        ),
        route(
            Method::GET,
            "/api/assets/{asset}",
            Perm(P::AssetsRead),
            None,
        ),
        route(
            Method::PATCH,
            "/api/assets/{asset}",
            Perm(P::AssetsWrite),
            Some(r#"{"title": "Matrix {n}"}"#),
        ),
        route(
            Method::POST,
            "/api/assets/{asset}/reprocess",
            Perm(P::AssetsWrite),
            None,
        ),
        Route {
            stream: true,
            ..route(
                Method::GET,
                "/api/assets/{asset}/events",
                Perm(P::AssetsRead),
                None,
            )
        },
        // The seeded version has no preview yet: 409 `preview-not-ready` is past the check.
        Route {
            also: &[409],
            ..route(
                Method::POST,
                "/api/assets/{asset}/poster",
                Perm(P::AssetsWrite),
                Some(r#"{"time": 0}"#),
            )
        },
        route(
            Method::PUT,
            "/api/assets/{asset}/audio-mapping",
            Perm(P::AssetsWrite),
            Some(r#"{"mapping": "pair:1,2"}"#),
        ),
        route(
            Method::DELETE,
            "/api/assets/{asset}",
            Perm(P::AssetsDelete),
            None,
        ),
        route(
            Method::GET,
            "/api/assets/{asset}/comments",
            Perm(P::AssetsRead),
            None,
        ),
        route(
            Method::POST,
            "/api/assets/{asset}/comments",
            Perm(P::CommentsWrite),
            Some(r#"{"frame": 0, "body": "matrix {n}"}"#),
        ),
        route(
            Method::GET,
            "/api/assets/{asset}/comments/export?format=csv",
            Perm(P::AssetsRead),
            None,
        ),
        route(
            Method::GET,
            "/api/comments/{comment}",
            Perm(P::AssetsRead),
            None,
        ),
        route(
            Method::PATCH,
            "/api/comments/{comment}",
            Perm(P::CommentsWrite),
            Some(r#"{"body": "edited {n}"}"#),
        ),
        route(
            Method::POST,
            "/api/comments/{comment}/resolve",
            Perm(P::CommentsWrite),
            None,
        ),
        route(
            Method::POST,
            "/api/comments/{comment}/reopen",
            Perm(P::CommentsWrite),
            None,
        ),
        route(
            Method::DELETE,
            "/api/comments/{comment}",
            Perm(P::CommentsWrite),
            None,
        ),
        route(
            Method::POST,
            "/api/versions/{version}/decisions",
            Perm(P::ReviewDecide),
            Some(r#"{"decision": "approved"}"#),
        ),
        route(
            Method::GET,
            "/api/versions/{version}/review",
            Perm(P::AssetsRead),
            None,
        ),
        route(Method::GET, "/api/webhooks", Perm(P::WebhooksManage), None),
        route(
            Method::POST,
            "/api/webhooks",
            Perm(P::WebhooksManage),
            Some(r#"{"url": "https://8.8.8.8/hook{n}", "events": ["asset.ready"]}"#),
        ),
        route(
            Method::GET,
            "/api/webhooks/{webhook}",
            Perm(P::WebhooksManage),
            None,
        ),
        route(
            Method::PATCH,
            "/api/webhooks/{webhook}",
            Perm(P::WebhooksManage),
            Some(r#"{"description": "matrix"}"#),
        ),
        route(
            Method::DELETE,
            "/api/webhooks/{webhook}",
            Perm(P::WebhooksManage),
            None,
        ),
        route(
            Method::GET,
            "/api/webhooks/{webhook}/deliveries",
            Perm(P::WebhooksManage),
            None,
        ),
        route(
            Method::POST,
            "/api/webhooks/{webhook}/deliveries/{webhook_delivery}/redeliver",
            Perm(P::WebhooksManage),
            None,
        ),
        route(Method::GET, "/api/shares", Perm(P::SharesManage), None),
        route(
            Method::GET,
            "/api/shares?asset_id={asset}",
            Perm(P::SharesManage),
            None,
        ),
        route(
            Method::POST,
            "/api/shares",
            Perm(P::SharesManage),
            Some(r#"{"asset_ids": ["{asset}"], "permissions": "comment"}"#),
        ),
        route(
            Method::GET,
            "/api/shares/{share}",
            Perm(P::SharesManage),
            None,
        ),
        route(
            Method::PATCH,
            "/api/shares/{share}",
            Perm(P::SharesManage),
            Some(r#"{"title": "Matrix {n}"}"#),
        ),
        route(
            Method::GET,
            "/api/shares/{share}/activity",
            Perm(P::SharesManage),
            None,
        ),
        route(
            Method::DELETE,
            "/api/shares/{share}",
            Perm(P::SharesManage),
            None,
        ),
        route(Method::GET, "/api/review-sets", Perm(P::AssetsRead), None),
        route(
            Method::POST,
            "/api/review-sets",
            Perm(P::SharesManage),
            Some(r#"{"name": "Matrix {n}", "asset_ids": ["{asset}"]}"#),
        ),
        route(
            Method::GET,
            "/api/review-sets/{set}",
            Perm(P::AssetsRead),
            None,
        ),
        route(
            Method::PATCH,
            "/api/review-sets/{set}",
            Perm(P::SharesManage),
            Some(r#"{"name": "Matrix {n}"}"#),
        ),
        route(
            Method::DELETE,
            "/api/review-sets/{set}",
            Perm(P::SharesManage),
            None,
        ),
        route(
            Method::POST,
            "/api/review-sets/{set}/assets",
            Perm(P::SharesManage),
            Some(r#"{"asset_ids": ["{asset}"]}"#),
        ),
        route(
            Method::DELETE,
            "/api/review-sets/{set}/assets/{asset}",
            Perm(P::SharesManage),
            None,
        ),
        route(
            Method::POST,
            "/api/presign",
            Perm(P::UploadsCreate),
            Some(r#"{"key": "staging/m{n}/clip.mov", "contentType": "video/quicktime"}"#),
        ),
        route(
            Method::POST,
            "/api/promote",
            Perm(P::UploadsCreate),
            Some(r#"{"stagingKey": "{done_key}"}"#),
        ),
        route(Method::PUT, "/api/storage/staging/m{n}.mov", Signed, None),
        route(Method::GET, "/api/storage/staging/m{n}.mov", Signed, None),
        route(Method::HEAD, "/api/storage/staging/m{n}.mov", Signed, None),
    ]
}
