//! `mm storage init`: create what the configured storage backend needs (buckets with CORS,
//! lifecycle rules, versioning and Object Lock on S3; directories locally), idempotently.

use crate::cli::StorageCommand;
use crate::config::{Config, Role};

pub fn run(config: &Config, command: StorageCommand) -> anyhow::Result<()> {
    match command {
        StorageCommand::Init => init(config),
    }
}

/// Configuration keys that concern storage, so unrelated gaps (DATABASE_URL) do not block it.
fn is_storage_key(key: &str) -> bool {
    [
        "MM_STORAGE",
        "MM_DATA_DIR",
        "S3",
        "WASABI",
        "BUCKET",
        "MM_PUBLIC_URL",
        "ALLOWED_ORIGINS",
    ]
    .iter()
    .any(|k| key.contains(k))
}

fn init(config: &Config) -> anyhow::Result<()> {
    let problems: Vec<String> = config
        .problems_for(Role::All)
        .into_iter()
        .filter(|p| is_storage_key(&p.key))
        .map(|p| p.to_string())
        .collect();
    if !problems.is_empty() {
        anyhow::bail!("storage configuration: {}", problems.join("; "));
    }
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()?;
    let lines = runtime.block_on(crate::storage::init(config))?;
    for line in lines {
        println!("{line}");
    }
    Ok(())
}

/// The CORS problems of the S3 staging bucket, for `mm check` (empty with local storage).
pub fn cors_problems(config: &Config) -> Vec<String> {
    let runtime = match tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
    {
        Ok(rt) => rt,
        Err(e) => return vec![format!("cannot check the staging bucket's CORS: {e}")],
    };
    runtime.block_on(crate::storage::cors_problems(config))
}
