//! `mm sign <prefix> --ttl 1h`: a signed playback URL for operators, as the api would issue.

use crate::config::{Config, parse_duration_secs};
use crate::signing::{self, Signer};
use anyhow::{Context, bail};

pub fn run(config: &Config, prefix: &str, ttl: &str) -> anyhow::Result<()> {
    let ttl = parse_duration_secs(ttl)
        .map_err(anyhow::Error::msg)
        .context("--ttl")?;
    let max = config.edge.sign_max_secs;
    if ttl == 0 || ttl > max {
        bail!("--ttl must be between 1s and {max}s (MM_SIGN_MAX_SECONDS)");
    }
    if config.edge_keys.is_empty() {
        bail!("MM_EDGE_KEYS is not set: make a key with `mm keygen`");
    }
    let signed = Signer::new(&config.edge_keys)
        .playback_url(&config.edge_public_base, prefix, None, signing::now() + ttl)
        .with_context(|| format!("signing {prefix:?}"))?;
    println!("{}", signed.url);
    Ok(())
}
