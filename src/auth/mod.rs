//! Who may do what: roles, permissions, and the one table that maps them. Handlers state the
//! permission they need with the `Auth<P>` extractor (see `extract`); nothing else checks roles.

pub mod accounts;
pub mod csrf;
pub mod extract;
pub mod page;
pub mod password;
pub mod rate_limit;
pub mod recheck;
pub mod session;
pub mod token;

pub use crate::db::models::users::User;
pub use extract::{Auth, AuthMethod, Caller, perm};
pub use page::{MaybeUser, PageAuth, PageForm};

use serde::{Deserialize, Serialize};
use std::fmt;
use std::str::FromStr;

/// A user's role. Stored as lower-case text.
#[derive(
    Clone,
    Copy,
    Debug,
    PartialEq,
    Eq,
    Hash,
    PartialOrd,
    Ord,
    Serialize,
    Deserialize,
    diesel::AsExpression,
    diesel::FromSqlRow,
    utoipa::ToSchema,
)]
#[diesel(sql_type = diesel::sql_types::Text)]
#[serde(rename_all = "lowercase")]
pub enum Role {
    Admin,
    Manager,
    Editor,
    Viewer,
}

/// One thing a caller may be allowed to do. Token scopes use `as_scope()` names.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Permission {
    AssetsRead,
    AssetsWrite,
    AssetsDelete,
    /// Download an original master (a short-lived presigned GET).
    AssetsDownload,
    UploadsCreate,
    PreviewsSign,
    UsersManage,
    /// Create, list and revoke one's own API tokens.
    TokensManage,
    AuditRead,
    /// Write, edit and resolve comments on assets one can read.
    CommentsWrite,
    /// Record `approved` / `changes_requested` on a version.
    ReviewDecide,
    /// Delete anyone's comment.
    CommentsModerate,
}

use Permission as P;

/// THE permission table. Admin may do everything; Viewer may browse, play, comment and decide
/// (every role reviews what it can see); Manager and Admin moderate comments.
pub const fn permissions_of(role: Role) -> &'static [Permission] {
    match role {
        Role::Admin => Permission::ALL,
        Role::Manager => &[
            P::AssetsRead,
            P::AssetsWrite,
            P::AssetsDelete,
            P::AssetsDownload,
            P::UploadsCreate,
            P::PreviewsSign,
            P::TokensManage,
            P::AuditRead,
            P::CommentsWrite,
            P::ReviewDecide,
            P::CommentsModerate,
        ],
        Role::Editor => &[
            P::AssetsRead,
            P::AssetsWrite,
            P::AssetsDownload,
            P::UploadsCreate,
            P::PreviewsSign,
            P::TokensManage,
            P::CommentsWrite,
            P::ReviewDecide,
        ],
        Role::Viewer => &[
            P::AssetsRead,
            P::PreviewsSign,
            P::CommentsWrite,
            P::ReviewDecide,
        ],
    }
}

impl Permission {
    pub const ALL: &'static [Permission] = &[
        P::AssetsRead,
        P::AssetsWrite,
        P::AssetsDelete,
        P::AssetsDownload,
        P::UploadsCreate,
        P::PreviewsSign,
        P::UsersManage,
        P::TokensManage,
        P::AuditRead,
        P::CommentsWrite,
        P::ReviewDecide,
        P::CommentsModerate,
    ];

    /// The name used in token scopes, CLI flags and API bodies.
    pub const fn as_scope(self) -> &'static str {
        match self {
            P::AssetsRead => "assets:read",
            P::AssetsWrite => "assets:write",
            P::AssetsDelete => "assets:delete",
            P::AssetsDownload => "assets:download",
            P::UploadsCreate => "uploads:create",
            P::PreviewsSign => "previews:sign",
            P::UsersManage => "users:manage",
            P::TokensManage => "tokens:manage",
            P::AuditRead => "audit:read",
            P::CommentsWrite => "comments:write",
            P::ReviewDecide => "review:decide",
            P::CommentsModerate => "comments:moderate",
        }
    }

    pub fn from_scope(s: &str) -> Option<Self> {
        Self::ALL.iter().copied().find(|p| p.as_scope() == s)
    }
}

impl fmt::Display for Permission {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_scope())
    }
}

impl Role {
    pub const ALL: &'static [Role] = &[Role::Admin, Role::Manager, Role::Editor, Role::Viewer];

    pub fn can(self, p: Permission) -> bool {
        permissions_of(self).contains(&p)
    }

    pub const fn as_str(self) -> &'static str {
        match self {
            Role::Admin => "admin",
            Role::Manager => "manager",
            Role::Editor => "editor",
            Role::Viewer => "viewer",
        }
    }
}

impl fmt::Display for Role {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for Role {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Role::ALL
            .iter()
            .copied()
            .find(|r| r.as_str().eq_ignore_ascii_case(s.trim()))
            .ok_or_else(|| format!("unknown role {s:?}: expected admin, manager, editor or viewer"))
    }
}

/// Whether an account may sign in.
#[derive(
    Clone,
    Copy,
    Debug,
    PartialEq,
    Eq,
    Serialize,
    Deserialize,
    diesel::AsExpression,
    diesel::FromSqlRow,
    utoipa::ToSchema,
)]
#[diesel(sql_type = diesel::sql_types::Text)]
#[serde(rename_all = "lowercase")]
pub enum UserStatus {
    Active,
    Disabled,
}

impl UserStatus {
    pub const fn as_str(self) -> &'static str {
        match self {
            UserStatus::Active => "active",
            UserStatus::Disabled => "disabled",
        }
    }
}

impl FromStr for UserStatus {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s {
            "active" => Ok(UserStatus::Active),
            "disabled" => Ok(UserStatus::Disabled),
            other => Err(format!(
                "unknown status {other:?}: expected active or disabled"
            )),
        }
    }
}

/// Parses a comma-separated or listed set of scope names; the error names the unknown one.
pub fn parse_scopes<S: AsRef<str>>(items: &[S]) -> Result<Vec<Permission>, String> {
    let mut out = Vec::new();
    for s in items {
        let s = s.as_ref().trim();
        if s.is_empty() {
            continue;
        }
        let p = Permission::from_scope(s).ok_or_else(|| {
            let known: Vec<_> = Permission::ALL.iter().map(|p| p.as_scope()).collect();
            format!("unknown scope {s:?}; known scopes: {}", known.join(", "))
        })?;
        if !out.contains(&p) {
            out.push(p);
        }
    }
    out.sort();
    Ok(out)
}

/// Compares two secrets (or their digests) without leaking where they differ.
pub fn ct_eq(a: &[u8], b: &[u8]) -> bool {
    use subtle::ConstantTimeEq;
    a.len() == b.len() && bool::from(a.ct_eq(b))
}

/// SHA-256 of `data`, for high-entropy secrets (session cookies, API tokens).
pub fn sha256(data: &[u8]) -> [u8; 32] {
    let d = ring::digest::digest(&ring::digest::SHA256, data);
    let mut out = [0u8; 32];
    out.copy_from_slice(d.as_ref());
    out
}

/// `n` bytes from the system's secure random source, base64url without padding.
pub fn random_token(n: usize) -> anyhow::Result<String> {
    use base64::Engine;
    use ring::rand::SecureRandom;
    let mut bytes = vec![0u8; n];
    ring::rand::SystemRandom::new()
        .fill(&mut bytes)
        .map_err(|_| anyhow::anyhow!("the system random source failed"))?;
    Ok(base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(bytes))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn admin_may_do_everything_and_viewer_browse_play_and_review() {
        for p in Permission::ALL {
            assert!(Role::Admin.can(*p), "{p}");
        }
        assert_eq!(
            permissions_of(Role::Viewer),
            [
                P::AssetsRead,
                P::PreviewsSign,
                P::CommentsWrite,
                P::ReviewDecide
            ]
        );
        assert!(Role::Manager.can(P::CommentsModerate));
        assert!(!Role::Editor.can(P::CommentsModerate));
        assert!(!Role::Manager.can(P::UsersManage));
        assert!(Role::Manager.can(P::AuditRead));
        assert!(!Role::Editor.can(P::AuditRead));
        assert!(!Role::Editor.can(P::AssetsDelete));
        assert!(Role::Editor.can(P::AssetsDownload));
        assert!(!Role::Viewer.can(P::AssetsDownload));
    }

    #[test]
    fn roles_are_ordered_by_power() {
        // Each role's permissions include those of every role below it.
        for w in Role::ALL.windows(2) {
            for p in permissions_of(w[1]) {
                assert!(w[0].can(*p), "{} lacks {p} that {} has", w[0], w[1]);
            }
        }
    }

    #[test]
    fn scopes_round_trip_and_unknown_ones_are_named() {
        for p in Permission::ALL {
            assert_eq!(Permission::from_scope(p.as_scope()), Some(*p));
        }
        assert_eq!(
            parse_scopes(&["assets:write", " assets:read", "assets:read", ""]).unwrap(),
            [P::AssetsRead, P::AssetsWrite]
        );
        let err = parse_scopes(&["assets:fly"]).unwrap_err();
        assert!(
            err.contains("assets:fly") && err.contains("audit:read"),
            "{err}"
        );
        assert_eq!("Editor".parse::<Role>(), Ok(Role::Editor));
        assert!("owner".parse::<Role>().is_err());
    }

    #[test]
    fn constant_time_compare() {
        assert!(ct_eq(b"abc", b"abc"));
        assert!(!ct_eq(b"abc", b"abd"));
        assert!(!ct_eq(b"abc", b"abcd"));
        assert_ne!(random_token(32).unwrap(), random_token(32).unwrap());
        assert_eq!(random_token(32).unwrap().len(), 43);
    }
}
