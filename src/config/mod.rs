//! Configuration: read once from the environment in `main`, validated per role, passed down.

mod auth;
mod edge;
mod env;
mod ingest;
mod jobs;
mod keys;
mod limits;
mod preview;
mod storage;
mod web;
mod webhooks;

pub use auth::{ARGON2_MIN_MEMORY_KIB, AuthConfig};
pub use edge::{EdgeConfig, SIGN_DEFAULT_SECS};
pub use env::{ByteSize, Env, Problem, Secs, parse_duration_secs};
pub use ingest::{IngestConfig, LockMode, MIN_PART_SIZE};
pub use jobs::JobsConfig;
pub use keys::{EdgeKey, SecretBytes, decode_key};
use keys::{parse_edge_keys, secret_bytes};
pub use limits::{LimitsConfig, human_bytes};
pub use preview::{HdrTonemap, PosterAt, PreviewConfig, VideoEncoder, parse_ladder};
pub use storage::{BucketConfig, S3Config, StorageBackend, StorageConfig};
pub use web::{VENDOR_FILES, WebConfig, vendor_file};
pub use webhooks::WebhooksConfig;

use secrecy::SecretString;
use std::net::IpAddr;

/// Which part of mm a process runs.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, clap::ValueEnum, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Role {
    /// Pages, `/api/*`, presigned uploads, status events.
    Api,
    /// Signed delivery of preview objects under `/s/`.
    Edge,
    /// Consumes jobs: promotion and previews.
    Worker,
    /// The three above in one process on one port.
    All,
}

impl Role {
    pub fn runs_api(self) -> bool {
        matches!(self, Role::Api | Role::All)
    }
    pub fn runs_edge(self) -> bool {
        matches!(self, Role::Edge | Role::All)
    }
    pub fn runs_worker(self) -> bool {
        matches!(self, Role::Worker | Role::All)
    }
    pub fn as_str(self) -> &'static str {
        match self {
            Role::Api => "api",
            Role::Edge => "edge",
            Role::Worker => "worker",
            Role::All => "all",
        }
    }
}

/// Log output format (`MM_LOG_FORMAT`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum LogFormat {
    Json,
    Pretty,
}

#[derive(Clone, Debug)]
pub struct Config {
    /// `PORT`, default 8080: the HTTP port of `api`, `edge` and `all`.
    pub port: u16,
    /// `MM_BIND`, default 0.0.0.0: the address the HTTP server binds.
    pub bind: IpAddr,
    /// `MM_PUBLIC_URL`, default `http://127.0.0.1:$PORT`: how browsers reach the api.
    pub public_url: String,
    /// `DATABASE_URL` (alias `POSTGRES_URL`): required by `api` and `worker`.
    pub database_url: Option<SecretString>,
    /// `MM_DB_POOL_SIZE`, default 16.
    pub db_pool_size: usize,
    /// `MM_DB_TIMEOUT`, default 5s: longest wait for a database connection before 503.
    pub db_timeout_secs: u64,
    /// `REDIS_URL` (alias `VALKEY_URL`): required by `api` and `worker`.
    pub redis_url: Option<SecretString>,
    /// `MM_REDIS_PREFIX`, default `mm:`: prefix of every Redis key mm writes.
    pub redis_prefix: String,
    /// `MM_REDIS_POOL_SIZE`, default 16.
    pub redis_pool_size: usize,
    pub storage: StorageConfig,
    pub edge: EdgeConfig,
    pub preview: PreviewConfig,
    pub auth: AuthConfig,
    /// `MM_SECRET_KEY` (base64, at least 32 bytes): signs local storage URLs and sessions.
    pub secret_key: Option<SecretBytes>,
    /// `MM_EDGE_KEYS` (`kid:base64key,...`; the first signs) or `EDGE_SIGNING_KEY` (one key).
    pub edge_keys: Vec<EdgeKey>,
    /// `MM_EDGE_PUBLIC_BASE` (alias `EDGE_PUBLIC_BASE`), default the public URL: where players reach the edge.
    pub edge_public_base: String,
    /// `ALLOWED_ORIGINS`: comma-separated origins allowed by CORS; none when unset.
    pub allowed_origins: Vec<String>,
    /// `MM_STATIC_DIR`, default `./static` (or the source tree's when absent): page assets.
    pub static_dir: std::path::PathBuf,
    pub web: WebConfig,
    /// `MM_WORKER_HEALTH_PORT`, default 8081: the worker's `/health` and `/metrics` port.
    pub worker_health_port: u16,
    /// `MM_WORKER_CONCURRENCY`, default 1: jobs run at once per worker process.
    pub worker_concurrency: usize,
    /// `MM_SHUTDOWN_TIMEOUT`, default 30s: how long SIGTERM waits for in-flight work.
    pub shutdown_timeout_secs: u64,
    /// `MM_LOG_FORMAT`, `json` or `pretty`; default `pretty` on a terminal, else `json`.
    pub log_format: LogFormat,
    /// `RUST_LOG`, default `info`: which log lines are written.
    pub log_filter: String,
    /// `SENTRY_DSN`: Sentry is off when unset.
    pub sentry_dsn: Option<SecretString>,
    /// `MM_ENVIRONMENT` (alias `SENTRY_ENVIRONMENT`), default `development`.
    pub environment: String,
    /// Job system tunables (config/jobs.rs).
    pub jobs: JobsConfig,
    /// Upload limits and masters retention (config/ingest.rs).
    pub ingest: IngestConfig,
    /// Bounds on what clients and masters may cost (config/limits.rs).
    pub limits: LimitsConfig,
    /// Webhook deliveries (config/webhooks.rs).
    pub webhooks: WebhooksConfig,
    /// Every problem found while reading; `problems_for(role)` adds the role's requirements.
    problems: Vec<Problem>,
}

impl Config {
    pub fn from_env(env: &Env) -> Self {
        let mut p = Vec::new();
        let port: u16 = env.parsed(&["PORT"], 8080, &mut p);
        let bind: IpAddr = env.parsed(&["MM_BIND"], IpAddr::from([0, 0, 0, 0]), &mut p);
        let public_url = env
            .var(&["MM_PUBLIC_URL"])
            .map(|u| u.trim_end_matches('/').to_string())
            .unwrap_or_else(|| format!("http://127.0.0.1:{port}"));
        check_url(env, &["MM_PUBLIC_URL"], &["http", "https"], &mut p);

        let database_url = env.var(&["DATABASE_URL", "POSTGRES_URL"]);
        check_url(
            env,
            &["DATABASE_URL", "POSTGRES_URL"],
            &["postgres", "postgresql"],
            &mut p,
        );
        let redis_url = env.var(&["REDIS_URL", "VALKEY_URL"]);
        check_url(
            env,
            &["REDIS_URL", "VALKEY_URL"],
            &["redis", "rediss"],
            &mut p,
        );

        let secret_key = env
            .var(&["MM_SECRET_KEY"])
            .and_then(|raw| match decode_key(&raw) {
                Ok(k) => Some(secret_bytes(k)),
                Err(e) => {
                    p.push(problem("MM_SECRET_KEY", e));
                    None
                }
            });
        let edge_keys = parse_edge_keys(env, &mut p);
        let edge_public_base = env
            .var(&["MM_EDGE_PUBLIC_BASE", "EDGE_PUBLIC_BASE"])
            .map(|u| u.trim_end_matches('/').to_string())
            .unwrap_or_else(|| public_url.clone());
        check_url(
            env,
            &["MM_EDGE_PUBLIC_BASE", "EDGE_PUBLIC_BASE"],
            &["http", "https"],
            &mut p,
        );
        let allowed_origins = env
            .var(&["ALLOWED_ORIGINS"])
            .map(|v| {
                v.split(',')
                    .map(|o| o.trim().trim_end_matches('/').to_string())
                    .filter(|o| !o.is_empty())
                    .collect::<Vec<_>>()
            })
            .unwrap_or_default();
        for origin in &allowed_origins {
            if url::Url::parse(origin).map_or(true, |u| u.host().is_none()) {
                p.push(problem(
                    "ALLOWED_ORIGINS",
                    format!("{origin:?} is not an origin like https://app.example.com"),
                ));
            }
        }

        let log_format = match env.var(&["MM_LOG_FORMAT"]).as_deref() {
            None => {
                if std::io::IsTerminal::is_terminal(&std::io::stdout()) {
                    LogFormat::Pretty
                } else {
                    LogFormat::Json
                }
            }
            Some("json") => LogFormat::Json,
            Some("pretty") => LogFormat::Pretty,
            Some(other) => {
                p.push(problem(
                    "MM_LOG_FORMAT",
                    format!("invalid value {other:?}: expected json or pretty"),
                ));
                LogFormat::Json
            }
        };

        let storage = StorageConfig::from_env(env, &mut p);
        let edge = EdgeConfig::from_env(env, &storage.data_dir, &mut p);
        let preview = PreviewConfig::from_env(env, &mut p);
        let jobs = JobsConfig::from_env(env, &mut p);
        let ingest = IngestConfig::from_env(env, &mut p);
        let limits = LimitsConfig::from_env(env, &mut p);
        let webhooks = WebhooksConfig::from_env(env, &mut p);
        let auth = AuthConfig::from_env(env, &public_url, &mut p);
        let db_timeout: Secs = env.parsed(&["MM_DB_TIMEOUT"], Secs(5), &mut p);
        let shutdown: Secs = env.parsed(&["MM_SHUTDOWN_TIMEOUT"], Secs(30), &mut p);
        let static_dir: std::path::PathBuf = env
            .var(&["MM_STATIC_DIR"])
            .map(Into::into)
            .unwrap_or_else(default_static_dir);
        let web = WebConfig::from_env(env, &static_dir, &mut p);
        Config {
            port,
            bind,
            public_url,
            database_url: database_url.map(SecretString::from),
            db_pool_size: env.parsed(&["MM_DB_POOL_SIZE"], 16, &mut p),
            db_timeout_secs: db_timeout.0.max(1),
            redis_url: redis_url.map(SecretString::from),
            redis_prefix: env
                .var(&["MM_REDIS_PREFIX"])
                .unwrap_or_else(|| "mm:".into()),
            redis_pool_size: env.parsed(&["MM_REDIS_POOL_SIZE"], 16, &mut p),
            storage,
            edge,
            preview,
            auth,
            secret_key,
            edge_keys,
            edge_public_base,
            allowed_origins,
            static_dir,
            web,
            worker_health_port: env.parsed(&["MM_WORKER_HEALTH_PORT"], 8081, &mut p),
            worker_concurrency: env.parsed(&["MM_WORKER_CONCURRENCY"], 1, &mut p),
            shutdown_timeout_secs: shutdown.0,
            log_format,
            log_filter: env
                .var(&["RUST_LOG"])
                .unwrap_or_else(|| "info,actix_server=warn".into()),
            sentry_dsn: env.var(&["SENTRY_DSN"]).map(SecretString::from),
            environment: env
                .var(&["MM_ENVIRONMENT", "SENTRY_ENVIRONMENT"])
                .unwrap_or_else(|| "development".into()),
            jobs,
            ingest,
            limits,
            webhooks,
            problems: p,
        }
    }

    /// Every problem that stops `role` from starting: invalid values anywhere, and what the
    /// role needs but is missing. Empty means the role may start.
    pub fn problems_for(&self, role: Role) -> Vec<Problem> {
        let mut p = self.problems.clone();
        let needs_db = role.runs_api() || role.runs_worker();
        if needs_db && self.database_url.is_none() {
            p.push(missing(
                "DATABASE_URL",
                "PostgreSQL connection URL (alias POSTGRES_URL)",
            ));
        }
        if needs_db && self.redis_url.is_none() {
            p.push(missing(
                "REDIS_URL",
                "Redis connection URL (alias VALKEY_URL)",
            ));
        }
        let keys_invalid = p
            .iter()
            .any(|x| x.key == "MM_EDGE_KEYS" || x.key == "EDGE_SIGNING_KEY");
        if (role.runs_api() || role.runs_edge()) && self.edge_keys.is_empty() && !keys_invalid {
            p.push(missing(
                "MM_EDGE_KEYS",
                "edge signing keys `kid:base64key` (or EDGE_SIGNING_KEY); make one with `mm keygen`",
            ));
        }
        let local_presign = self.storage.backend == StorageBackend::Local && role.runs_api();
        if local_presign && self.secret_key.is_none() {
            p.push(missing(
                "MM_SECRET_KEY",
                "base64 secret of at least 32 bytes for local upload URLs; make one with `mm keygen --secret`",
            ));
        }
        p.extend(self.storage.problems_for(role));
        p.extend(self.preview.problems_for(role));
        if self.worker_concurrency == 0 {
            p.push(problem(
                "MM_WORKER_CONCURRENCY",
                "must be at least 1".into(),
            ));
        }
        if self.db_pool_size == 0 {
            p.push(problem("MM_DB_POOL_SIZE", "must be at least 1".into()));
        }
        p
    }
}

/// `./static` when mm runs from a checkout or the container's /app; else the source tree's.
fn default_static_dir() -> std::path::PathBuf {
    let here = std::path::PathBuf::from("static");
    if here.join("app.css").exists() {
        here
    } else {
        concat!(env!("CARGO_MANIFEST_DIR"), "/static").into()
    }
}

pub(super) fn problem(key: &str, message: String) -> Problem {
    Problem {
        key: key.to_string(),
        message,
    }
}

fn missing(key: &str, what: &str) -> Problem {
    problem(key, format!("is not set: {what}"))
}

fn check_url(env: &Env, keys: &[&str], schemes: &[&str], p: &mut Vec<Problem>) {
    let Some(raw) = env.var(keys) else { return };
    match url::Url::parse(&raw) {
        Ok(u) if schemes.contains(&u.scheme()) => {}
        Ok(u) => p.push(problem(
            &env.key_used(keys),
            format!(
                "scheme {:?} is not one of {}",
                u.scheme(),
                schemes.join(", ")
            ),
        )),
        // The value may hold a password: name the error, never echo the value.
        Err(e) => p.push(problem(&env.key_used(keys), format!("malformed URL: {e}"))),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn keys(p: &[Problem]) -> Vec<&str> {
        p.iter().map(|p| p.key.as_str()).collect()
    }

    #[test]
    fn edge_with_nothing_set_misses_only_its_keys() {
        let cfg = Config::from_env(&Env::default());
        assert_eq!(keys(&cfg.problems_for(Role::Edge)), ["MM_EDGE_KEYS"]);
    }

    #[test]
    fn api_names_each_missing_variable() {
        let cfg = Config::from_env(&Env::default());
        assert_eq!(
            keys(&cfg.problems_for(Role::Api)),
            ["DATABASE_URL", "REDIS_URL", "MM_EDGE_KEYS", "MM_SECRET_KEY"]
        );
        assert_eq!(
            keys(&cfg.problems_for(Role::Worker)),
            ["DATABASE_URL", "REDIS_URL"]
        );
    }

    #[test]
    fn aliases_of_the_original_deployment_work() {
        let cfg = Config::from_env(&Env::from_pairs([
            ("POSTGRES_URL", "postgres://u:p@db/mm"),
            ("VALKEY_URL", "redis://cache:6379"),
            ("EDGE_SIGNING_KEY", "0123456789abcdef0123456789abcdef"),
            ("EDGE_PUBLIC_BASE", "https://edge.example.com/"),
        ]));
        assert!(cfg.problems_for(Role::Worker).is_empty());
        assert_eq!(cfg.edge_keys[0].kid, "legacy");
        assert_eq!(cfg.edge_public_base, "https://edge.example.com");
    }

    #[test]
    fn malformed_values_name_the_variable_without_echoing_secrets() {
        let cfg = Config::from_env(&Env::from_pairs([
            ("DATABASE_URL", "mysql://user:hunter2@db"),
            ("MM_EDGE_KEYS", "k1:c2hvcnQ="),
            ("PORT", "99999"),
        ]));
        let p = cfg.problems_for(Role::Edge);
        assert_eq!(keys(&p), ["PORT", "DATABASE_URL", "MM_EDGE_KEYS"]);
        assert!(p.iter().all(|p| !p.message.contains("hunter2")));
    }

    #[test]
    fn secrets_never_print() {
        let cfg = Config::from_env(&Env::from_pairs([
            ("DATABASE_URL", "postgres://u:hunter2@db/mm"),
            (
                "MM_EDGE_KEYS",
                "k1:AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8=",
            ),
        ]));
        let dbg = format!("{cfg:?}");
        assert!(!dbg.contains("hunter2"));
        assert!(!dbg.contains("AAECAwQF"));
    }
}
