//! One delivery attempt: sign, POST through the guarded resolver with no redirects, read at
//! most a KiB of the answer, time it.

use super::guard::{self, GuardedResolver};
use crate::config::WebhooksConfig;
use crate::db::models::webhook::{Endpoint, Event};
use futures_util::StreamExt;
use std::sync::Arc;
use std::time::Instant;

/// The most of an answer's body the delivery log keeps.
pub const EXCERPT_BYTES: usize = 1024;

/// What one attempt got.
#[derive(Clone, Debug)]
pub struct Outcome {
    /// The HTTP status, when an answer came.
    pub status: Option<u16>,
    pub latency_ms: i32,
    /// Why it failed without an answer (refused address, timeout, connection error), or
    /// which status it got.
    pub error: Option<String>,
    /// The first KiB of the body, as text.
    pub response: String,
}

impl Outcome {
    pub fn ok(&self) -> bool {
        self.status.is_some_and(|s| (200..300).contains(&s))
    }
}

fn client(cfg: &WebhooksConfig) -> Result<reqwest::Client, String> {
    reqwest::Client::builder()
        .dns_resolver(Arc::new(GuardedResolver {
            allow_private: cfg.allow_private,
        }))
        .redirect(reqwest::redirect::Policy::none())
        .no_proxy()
        .timeout(cfg.timeout)
        .connect_timeout(cfg.timeout)
        .user_agent(concat!("mm-webhooks/", env!("CARGO_PKG_VERSION")))
        .build()
        .map_err(|e| format!("cannot build the HTTP client: {e}"))
}

/// Sends `event` to `endpoint` once.
pub async fn attempt(cfg: &WebhooksConfig, endpoint: &Endpoint, event: &Event) -> Outcome {
    let started = Instant::now();
    let result = send(cfg, endpoint, event).await;
    let latency_ms = started.elapsed().as_millis().min(i32::MAX as u128) as i32;
    match result {
        Ok((status, response)) => Outcome {
            status: Some(status),
            latency_ms,
            error: (!(200..300).contains(&status)).then(|| format!("answered {status}")),
            response,
        },
        Err(e) => Outcome {
            status: None,
            latency_ms,
            error: Some(e),
            response: String::new(),
        },
    }
}

async fn send(
    cfg: &WebhooksConfig,
    endpoint: &Endpoint,
    event: &Event,
) -> Result<(u16, String), String> {
    let url = url::Url::parse(&endpoint.url).map_err(|e| format!("invalid URL: {e}"))?;
    let host = url.host_str().ok_or("the URL has no host")?;
    // The resolver is not asked about IP literals: check those here.
    if !cfg.allow_private
        && let Ok(ip) = host.trim_start_matches('[').trim_end_matches(']').parse()
        && let Some(why) = guard::refusal(ip)
    {
        return Err(format!("refused: {ip} is {why}"));
    }
    let body = serde_json::to_vec(&event.payload).map_err(|e| format!("payload: {e}"))?;
    let timestamp = time::OffsetDateTime::now_utc().unix_timestamp();
    let signature =
        super::sign(&endpoint.secret, &event.id, timestamp, &body).map_err(|e| e.to_string())?;
    let res = client(cfg)?
        .post(url)
        .header("content-type", "application/json")
        .header("webhook-id", &event.id)
        .header("webhook-timestamp", timestamp.to_string())
        .header("webhook-signature", signature)
        .body(body)
        .send()
        .await
        .map_err(describe)?;
    let status = res.status().as_u16();
    let mut excerpt = Vec::with_capacity(EXCERPT_BYTES);
    let mut stream = res.bytes_stream();
    // Stop reading once the excerpt is full: the rest of the body is never downloaded.
    while excerpt.len() < EXCERPT_BYTES {
        match stream.next().await {
            Some(Ok(chunk)) => {
                let room = EXCERPT_BYTES - excerpt.len();
                excerpt.extend_from_slice(&chunk[..chunk.len().min(room)]);
            }
            Some(Err(_)) | None => break,
        }
    }
    Ok((status, excerpt_text(&excerpt)))
}

/// Text PostgreSQL can store: lossy UTF-8 without NULs, at most `EXCERPT_BYTES` characters.
pub fn excerpt_text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(&bytes[..bytes.len().min(EXCERPT_BYTES)])
        .chars()
        .filter(|c| *c != '\0')
        .take(EXCERPT_BYTES)
        .collect()
}

fn describe(e: reqwest::Error) -> String {
    let what = if e.is_timeout() {
        "timed out"
    } else if e.is_connect() {
        "could not connect"
    } else {
        "failed"
    };
    // The source chain names the refused address when the guard said no.
    let mut detail = String::new();
    let mut src: Option<&dyn std::error::Error> = std::error::Error::source(&e);
    while let Some(s) = src {
        detail = s.to_string();
        src = s.source();
    }
    if detail.is_empty() {
        format!("the request {what}")
    } else {
        format!("the request {what}: {detail}")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn excerpts_are_bounded_text() {
        assert_eq!(excerpt_text(b"ok\0!"), "ok!");
        assert_eq!(excerpt_text(&[b'a'; 5000]).len(), EXCERPT_BYTES);
        assert_eq!(excerpt_text(&[0xff, b'x']), "\u{fffd}x");
    }
}
