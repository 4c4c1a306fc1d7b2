//! The Content-Security-Policy of pages: scripts, styles and everything else from mm itself,
//! media from the edge, direct uploads where storage says browsers send them; no inline code
//! of any kind.

use crate::config::Config;
use actix_web::body::MessageBody;
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::http::header::{self, HeaderName, HeaderValue};
use actix_web::middleware::Next;
use std::sync::Arc;

/// Handlers put their own parts here; `web::response_headers` adds the total to every answer.
pub const SERVER_TIMING: HeaderName = HeaderName::from_static("server-timing");

/// The policy header value, built once from the configuration.
#[derive(Clone, Debug)]
pub struct PagePolicy(Arc<HeaderValue>);

impl PagePolicy {
    /// `upload_origins` are where browsers PUT uploads (`Storage::upload_origins`).
    pub fn new(config: &Config, upload_origins: &[String]) -> Self {
        let edge = origin_of(&config.edge_public_base);
        let mut connect: Vec<String> = Vec::new();
        connect.extend(edge.clone());
        connect.extend(upload_origins.iter().filter_map(|o| origin_of(o)));
        connect.sort();
        connect.dedup();
        let edge = edge.map(|e| format!(" {e}")).unwrap_or_default();
        let connect = connect.iter().map(|o| format!(" {o}")).collect::<String>();
        let policy = format!(
            "default-src 'self'; script-src 'self'; style-src 'self'; \
             img-src 'self' data: blob:{edge}; media-src 'self' blob:{edge}; \
             connect-src 'self'{connect}; worker-src 'self'; object-src 'none'; \
             base-uri 'self'; form-action 'self'; frame-ancestors 'none'"
        );
        // Origins come from validated URLs, so the value is always a legal header.
        let value = HeaderValue::from_str(&policy)
            .unwrap_or_else(|_| HeaderValue::from_static("default-src 'self'"));
        Self(Arc::new(value))
    }

    pub fn header_value(&self) -> &HeaderValue {
        &self.0
    }
}

/// `scheme://host[:port]` of a URL, or None when it does not parse.
fn origin_of(raw: &str) -> Option<String> {
    let url = url::Url::parse(raw).ok()?;
    let origin = url.origin();
    origin.is_tuple().then(|| origin.ascii_serialization())
}

/// Adds the policy (and a private cache rule) to every HTML answer, whichever handler made it,
/// so error pages and other areas' pages are covered too.
pub async fn page_headers(
    req: ServiceRequest,
    next: Next<impl MessageBody>,
) -> Result<ServiceResponse<impl MessageBody>, actix_web::Error> {
    let policy = req.app_data::<PagePolicy>().cloned();
    let mut res = next.call(req).await?;
    let is_html = res
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with("text/html"));
    if is_html && let Some(policy) = policy {
        let h = res.headers_mut();
        h.insert(
            header::CONTENT_SECURITY_POLICY,
            policy.header_value().clone(),
        );
        h.insert(
            HeaderName::from_static("permissions-policy"),
            HeaderValue::from_static("camera=(), microphone=(), geolocation=()"),
        );
        if !h.contains_key(header::CACHE_CONTROL) {
            // Pages show who is signed in and what they may do: never shared caches.
            h.insert(
                header::CACHE_CONTROL,
                HeaderValue::from_static("private, no-cache"),
            );
        }
    }
    Ok(res)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::Env;

    fn policy(pairs: &[(&str, &str)], uploads: &[&str]) -> String {
        let config = Config::from_env(&Env::from_pairs(pairs.iter().copied()));
        let uploads: Vec<String> = uploads.iter().map(|u| u.to_string()).collect();
        PagePolicy::new(&config, &uploads)
            .header_value()
            .to_str()
            .unwrap()
            .to_string()
    }

    #[test]
    fn local_storage_allows_the_edge_and_nothing_inline() {
        let p = policy(
            &[("MM_EDGE_PUBLIC_BASE", "https://edge.example.com/base")],
            &["https://mm.example.com"],
        );
        assert!(p.contains("script-src 'self';"), "{p}");
        assert!(!p.contains("unsafe-inline"), "{p}");
        assert!(
            p.contains("media-src 'self' blob: https://edge.example.com;"),
            "{p}"
        );
        assert!(
            p.contains("connect-src 'self' https://edge.example.com https://mm.example.com;"),
            "{p}"
        );
        assert!(p.ends_with("frame-ancestors 'none'"), "{p}");
    }

    #[test]
    fn upload_origins_are_deduplicated_and_what_does_not_parse_is_left_out() {
        let p = policy(
            &[("MM_EDGE_PUBLIC_BASE", "https://edge.example.com/base")],
            &[
                "https://studio-staging.s3.wasabisys.com",
                "https://edge.example.com",
                "not a url",
            ],
        );
        assert!(
            p.contains(
                "connect-src 'self' https://edge.example.com https://studio-staging.s3.wasabisys.com;"
            ),
            "{p}"
        );
    }
}
