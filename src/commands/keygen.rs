//! `mm keygen`: 256 bits from the system's secure random source, for MM_EDGE_KEYS or MM_SECRET_KEY.

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use ring::rand::{SecureRandom, SystemRandom};

pub fn run(kid: &str, bare: bool) -> anyhow::Result<()> {
    if !bare
        && (kid.is_empty()
            || kid.len() > 32
            || !kid
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_'))
    {
        anyhow::bail!("--kid must be 1-32 of A-Z a-z 0-9 - _");
    }
    let key = new_key()?;
    if bare {
        println!("{key}");
    } else {
        println!("{kid}:{key}");
    }
    Ok(())
}

/// 32 random bytes, base64url without padding.
pub fn new_key() -> anyhow::Result<String> {
    let mut bytes = [0u8; 32];
    SystemRandom::new()
        .fill(&mut bytes)
        .map_err(|_| anyhow::anyhow!("the system random source failed"))?;
    Ok(URL_SAFE_NO_PAD.encode(bytes))
}
