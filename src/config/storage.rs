//! Storage settings: the backend, the local directory, and the S3 endpoint and buckets.

use super::{Env, Problem, Role};
use secrecy::SecretString;
use std::path::PathBuf;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum StorageBackend {
    Local,
    S3,
}

/// One S3 bucket and the credentials mm uses for it.
#[derive(Clone, Debug)]
pub struct BucketConfig {
    pub name: String,
    pub access_key: Option<String>,
    pub secret_key: Option<SecretString>,
}

#[derive(Clone, Debug)]
pub struct S3Config {
    /// `MM_S3_ENDPOINT` (alias `WASABI_ENDPOINT`); unset means AWS itself.
    pub endpoint: Option<String>,
    /// `MM_S3_REGION` (alias `WASABI_REGION`), default `us-east-1`.
    pub region: String,
    /// `MM_S3_PATH_STYLE`, default true: path-style addressing (Wasabi, MinIO).
    pub path_style: bool,
    /// `MM_S3_MAX_ATTEMPTS`, default 4: attempts per request, with jittered backoff.
    pub max_attempts: u32,
    pub staging: BucketConfig,
    pub masters: BucketConfig,
    pub previews: BucketConfig,
    /// `MM_EDGE_S3_ACCESS_KEY`/`MM_EDGE_S3_SECRET_KEY`: the edge's read-only credentials for
    /// the previews bucket; the previews credentials when unset.
    pub edge_access_key: Option<String>,
    pub edge_secret_key: Option<SecretString>,
}

#[derive(Clone, Debug)]
pub struct StorageConfig {
    /// `MM_STORAGE`, `local` (default) or `s3`.
    pub backend: StorageBackend,
    /// `MM_DATA_DIR`, default `./data`: root of the local backend.
    pub data_dir: PathBuf,
    pub s3: S3Config,
}

impl StorageConfig {
    pub fn from_env(env: &Env, p: &mut Vec<Problem>) -> Self {
        let backend = match env.var(&["MM_STORAGE"]).as_deref() {
            None | Some("local") => StorageBackend::Local,
            Some("s3") => StorageBackend::S3,
            Some(other) => {
                p.push(Problem {
                    key: "MM_STORAGE".into(),
                    message: format!("invalid value {other:?}: expected local or s3"),
                });
                StorageBackend::Local
            }
        };
        let shared_access = env.var(&["MM_S3_ACCESS_KEY", "AWS_ACCESS_KEY_ID"]);
        let shared_secret = env.var(&["MM_S3_SECRET_KEY", "AWS_SECRET_ACCESS_KEY"]);
        let bucket = |area: &str, default: &str| {
            let up = area.to_ascii_uppercase();
            BucketConfig {
                name: env
                    .var(&[&format!("MM_{up}_BUCKET"), &format!("{up}_BUCKET")])
                    .unwrap_or_else(|| default.to_string()),
                access_key: env
                    .var(&[
                        &format!("MM_S3_{up}_ACCESS_KEY"),
                        &format!("WASABI_{up}_ACCESS_KEY"),
                    ])
                    .or_else(|| shared_access.clone()),
                secret_key: env
                    .var(&[
                        &format!("MM_S3_{up}_SECRET_KEY"),
                        &format!("WASABI_{up}_SECRET"),
                    ])
                    .or_else(|| shared_secret.clone())
                    .map(SecretString::from),
            }
        };
        let s3 = S3Config {
            endpoint: env
                .var(&["MM_S3_ENDPOINT", "WASABI_ENDPOINT"])
                .map(|e| e.trim_end_matches('/').to_string()),
            region: env
                .var(&["MM_S3_REGION", "WASABI_REGION"])
                .unwrap_or_else(|| "us-east-1".into()),
            path_style: env.flag(&["MM_S3_PATH_STYLE"], true, p),
            max_attempts: env.parsed(&["MM_S3_MAX_ATTEMPTS"], 4, p),
            staging: bucket("staging", "mm-staging"),
            masters: bucket("masters", "mm-masters"),
            previews: bucket("previews", "mm-previews"),
            edge_access_key: env.var(&["MM_EDGE_S3_ACCESS_KEY"]),
            edge_secret_key: env.var(&["MM_EDGE_S3_SECRET_KEY"]).map(SecretString::from),
        };
        if let Some(e) = &s3.endpoint
            && url::Url::parse(e).map_or(true, |u| !matches!(u.scheme(), "http" | "https"))
        {
            p.push(Problem {
                key: env.key_used(&["MM_S3_ENDPOINT", "WASABI_ENDPOINT"]),
                message: "is not an http(s) URL".into(),
            });
        }
        StorageConfig {
            backend,
            data_dir: env
                .var(&["MM_DATA_DIR"])
                .map(PathBuf::from)
                .unwrap_or_else(|| PathBuf::from("./data")),
            s3,
        }
    }

    /// What the S3 backend needs for `role`: credentials for each bucket the role touches.
    pub fn problems_for(&self, role: Role) -> Vec<Problem> {
        let mut p = Vec::new();
        if self.backend != StorageBackend::S3 {
            return p;
        }
        let mut need = |b: &BucketConfig, area: &str| {
            let up = area.to_ascii_uppercase();
            if b.access_key.is_none() {
                p.push(Problem {
                    key: format!("MM_S3_{up}_ACCESS_KEY"),
                    message: format!(
                        "is not set: access key for the {area} bucket (alias WASABI_{up}_ACCESS_KEY, or MM_S3_ACCESS_KEY for all buckets)"
                    ),
                });
            }
            if b.secret_key.is_none() {
                p.push(Problem {
                    key: format!("MM_S3_{up}_SECRET_KEY"),
                    message: format!(
                        "is not set: secret key for the {area} bucket (alias WASABI_{up}_SECRET, or MM_S3_SECRET_KEY for all buckets)"
                    ),
                });
            }
        };
        if role.runs_api() || role.runs_worker() {
            need(&self.s3.staging, "staging");
            need(&self.s3.masters, "masters");
            need(&self.s3.previews, "previews");
        } else if role.runs_edge() && self.s3.edge_access_key.is_none() {
            need(&self.s3.previews, "previews");
        }
        p
    }
}
