//! Passwords: the rules, and argon2id hashing on the blocking pool (never on a request thread).

use crate::config::ARGON2_MIN_MEMORY_KIB;
use argon2::password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString};
use argon2::{Algorithm, Argon2, Params, Version};
use std::sync::{LazyLock, OnceLock};
use tokio::sync::Semaphore;

pub const MIN_LEN: usize = 12;
/// Long enough for any passphrase; bounds the work one request can ask for.
pub const MAX_LEN: usize = 1024;
const TIME_COST: u32 = 2;
const LANES: u32 = 1;

/// A password as received: never printed, never logged.
#[derive(Clone, Default, serde::Deserialize)]
#[serde(transparent)]
pub struct Password(String);

impl Password {
    pub fn new(s: impl Into<String>) -> Self {
        Self(s.into())
    }
    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl std::fmt::Debug for Password {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Password([REDACTED])")
    }
}

/// The rules a new password must meet; the error says which one failed.
pub fn validate(p: &Password) -> Result<(), String> {
    let n = p.0.chars().count();
    if n < MIN_LEN {
        return Err(format!(
            "The password must have at least {MIN_LEN} characters."
        ));
    }
    if n > MAX_LEN {
        return Err(format!(
            "The password must have at most {MAX_LEN} characters."
        ));
    }
    if p.0.trim().is_empty() {
        return Err("The password must not be only spaces.".into());
    }
    Ok(())
}

fn hasher(memory_kib: u32) -> Argon2<'static> {
    let params = Params::new(
        memory_kib.max(ARGON2_MIN_MEMORY_KIB),
        TIME_COST,
        LANES,
        None,
    )
    .expect("argon2 parameters within the crate's bounds");
    Argon2::new(Algorithm::Argon2id, Version::V0x13, params)
}

/// Hashes on the current thread: for the CLI and for `hash`.
pub fn hash_blocking(p: &Password, memory_kib: u32) -> anyhow::Result<String> {
    let mut salt = [0u8; 16];
    ring::rand::SecureRandom::fill(&ring::rand::SystemRandom::new(), &mut salt)
        .map_err(|_| anyhow::anyhow!("the system random source failed"))?;
    let salt = SaltString::encode_b64(&salt).map_err(|e| anyhow::anyhow!("salt: {e}"))?;
    let hash = hasher(memory_kib)
        .hash_password(p.0.as_bytes(), &salt)
        .map_err(|e| anyhow::anyhow!("hashing the password: {e}"))?;
    Ok(hash.to_string())
}

/// Checks `p` against a PHC string; any malformed hash is a mismatch, never an error.
pub fn verify_blocking(p: &Password, hash: &str) -> bool {
    match PasswordHash::new(hash) {
        // The parameters come from the hash itself, so old hashes keep verifying.
        Ok(parsed) => Argon2::default()
            .verify_password(p.0.as_bytes(), &parsed)
            .is_ok(),
        Err(_) => false,
    }
}

/// Whether a stored hash was made with weaker settings than today's, so login re-hashes it.
pub fn needs_rehash(hash: &str, memory_kib: u32) -> bool {
    let Ok(parsed) = PasswordHash::new(hash) else {
        return true;
    };
    let Ok(params) = Params::try_from(&parsed) else {
        return true;
    };
    parsed.algorithm.as_str() != "argon2id"
        || params.m_cost() < memory_kib.max(ARGON2_MIN_MEMORY_KIB)
        || params.t_cost() < TIME_COST
}

/// Each hash holds ~19 MiB for tens of milliseconds: bound how many run at once so a burst
/// of logins queues instead of exhausting memory and the blocking pool.
static HASHING: LazyLock<Semaphore> = LazyLock::new(|| {
    let cores = std::thread::available_parallelism().map_or(2, |n| n.get());
    Semaphore::new(cores * 2)
});

async fn on_blocking_pool<T: Send + 'static>(
    f: impl FnOnce() -> T + Send + 'static,
) -> anyhow::Result<T> {
    let _permit = HASHING
        .acquire()
        .await
        .map_err(|_| anyhow::anyhow!("password hashing is shutting down"))?;
    let span = tracing::Span::current();
    tokio::task::spawn_blocking(move || span.in_scope(f))
        .await
        .map_err(|e| anyhow::anyhow!("password task failed: {e}"))
}

pub async fn hash(p: Password, memory_kib: u32) -> anyhow::Result<String> {
    on_blocking_pool(move || hash_blocking(&p, memory_kib)).await?
}

pub async fn verify(p: Password, hash: String) -> anyhow::Result<bool> {
    on_blocking_pool(move || verify_blocking(&p, &hash)).await
}

/// A hash of a password nobody knows, made with today's settings: verifying against it when
/// an email is unknown makes that answer take as long as a wrong password does.
pub async fn dummy_hash(memory_kib: u32) -> anyhow::Result<String> {
    static DUMMY: OnceLock<(u32, String)> = OnceLock::new();
    if let Some((m, h)) = DUMMY.get()
        && *m == memory_kib
    {
        return Ok(h.clone());
    }
    let secret = Password(crate::auth::random_token(24)?);
    let h = hash(secret, memory_kib).await?;
    let _ = DUMMY.set((memory_kib, h.clone()));
    Ok(h)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rules() {
        assert!(validate(&Password::new("short")).is_err());
        assert!(validate(&Password::new("            ")).is_err());
        assert!(validate(&Password::new("a".repeat(MAX_LEN + 1))).is_err());
        assert!(validate(&Password::new("correct horse battery")).is_ok());
        // Characters, not bytes: twelve accented letters pass.
        assert!(validate(&Password::new("éééééééééééé")).is_ok());
        assert_eq!(
            format!("{:?}", Password::new("hunter2")),
            "Password([REDACTED])"
        );
    }

    #[test]
    fn hashes_are_argon2id_with_at_least_the_owasp_minimum() {
        let p = Password::new("correct horse battery");
        let h = hash_blocking(&p, ARGON2_MIN_MEMORY_KIB).unwrap();
        assert!(h.starts_with("$argon2id$v=19$m=19456,t=2,p=1$"), "{h}");
        assert!(verify_blocking(&p, &h));
        assert!(!verify_blocking(
            &Password::new("correct horse batterY"),
            &h
        ));
        assert!(!verify_blocking(&p, "not a hash"));
        assert!(!needs_rehash(&h, ARGON2_MIN_MEMORY_KIB));
        assert!(needs_rehash(&h, ARGON2_MIN_MEMORY_KIB * 2));
        let again = hash_blocking(&p, ARGON2_MIN_MEMORY_KIB).unwrap();
        assert_ne!(h, again, "salted");
    }
}
