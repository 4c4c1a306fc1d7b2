//! The root span of every request: the fields tracing-actix-web records by default, with the
//! credentials some URLs carry (edge tokens, signatures) redacted, computed only when the span
//! is enabled.

use actix_web::HttpMessage;
use actix_web::body::MessageBody;
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::http::header::USER_AGENT;
use tracing::Span;
use tracing::field::Empty;
use tracing_actix_web::{DefaultRootSpanBuilder, RequestId, RootSpanBuilder};

/// Query parameters whose values are credentials.
const SECRET_PARAMS: &[&str] = &[
    "sig",
    "x-mm-signature",
    "x-amz-signature",
    "x-amz-credential",
    "x-amz-security-token",
    "token",
    "access_token",
];

pub struct RootSpan;

impl RootSpanBuilder for RootSpan {
    fn on_request_start(req: &ServiceRequest) -> Span {
        let span = tracing::info_span!(
            "HTTP request",
            http.method = %req.method(),
            http.route = Empty,
            http.target = Empty,
            http.client_ip = Empty,
            http.user_agent = Empty,
            http.status_code = Empty,
            otel.status_code = Empty,
            request_id = Empty,
            exception.message = Empty,
            exception.details = Empty,
        );
        // The route lookup and header parsing cost a little on every request: only when logged.
        if !span.is_disabled() {
            let route = req.match_pattern();
            span.record("http.route", route.as_deref().unwrap_or("default"));
            let query = req.uri().query();
            span.record("http.target", redact(req.uri().path(), query).as_str());
            if let Some(ip) = req.connection_info().realip_remote_addr() {
                span.record("http.client_ip", ip);
            }
            if let Some(ua) = req.headers().get(USER_AGENT).and_then(|v| v.to_str().ok()) {
                span.record("http.user_agent", ua);
            }
            if let Some(id) = req.extensions().get::<RequestId>() {
                span.record("request_id", id.to_string().as_str());
            }
        }
        span
    }

    fn on_request_end<B: MessageBody>(
        span: Span,
        outcome: &Result<ServiceResponse<B>, actix_web::Error>,
    ) {
        DefaultRootSpanBuilder::on_request_end(span, outcome);
    }
}

/// The request target as logged: the token segment of `/s/<token>/...` and the values of
/// credential parameters replaced.
pub fn redact(path: &str, query: Option<&str>) -> String {
    let legacy = query.is_some_and(|q| q.split('&').any(|p| p.starts_with("sig=")));
    let mut out = match (path.strip_prefix("/s/"), path.strip_prefix("/r/")) {
        (Some(rest), _) if !legacy => match rest.split_once('/') {
            Some((_, object)) => format!("/s/[token]/{object}"),
            None => "/s/[token]".to_string(),
        },
        // A share link's token is its credential.
        (_, Some(rest)) => match rest.split_once('/') {
            Some((_, tail)) => format!("/r/[token]/{tail}"),
            None => "/r/[token]".to_string(),
        },
        _ => path.to_string(),
    };
    if let Some(q) = query {
        out.push('?');
        let pairs: Vec<String> = q
            .split('&')
            .map(|pair| match pair.split_once('=') {
                Some((k, _)) if SECRET_PARAMS.contains(&k.to_ascii_lowercase().as_str()) => {
                    format!("{k}=[redacted]")
                }
                _ => pair.to_string(),
            })
            .collect();
        out.push_str(&pairs.join("&"));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::redact;

    #[test]
    fn credentials_in_urls_are_redacted() {
        assert_eq!(
            redact("/s/AQJrMQAAAAB/previews/a/index.m3u8", None),
            "/s/[token]/previews/a/index.m3u8"
        );
        assert_eq!(
            redact("/s/previews/a/index.m3u8", Some("exp=1&sig=abcdef")),
            "/s/previews/a/index.m3u8?exp=1&sig=[redacted]"
        );
        assert_eq!(
            redact(
                "/api/storage/staging/k",
                Some("X-Mm-Op=put&X-Mm-Signature=zz")
            ),
            "/api/storage/staging/k?X-Mm-Op=put&X-Mm-Signature=[redacted]"
        );
        assert_eq!(redact("/api/assets", Some("q=cat")), "/api/assets?q=cat");
        assert_eq!(
            redact("/r/AbCdEfGhIjKlMnOpQrStUvWxYz0123456789-_abcde", None),
            "/r/[token]"
        );
        assert_eq!(
            redact(
                "/r/AbCdEfGhIjKlMnOpQrStUvWxYz0123456789-_abcde/api/share",
                None
            ),
            "/r/[token]/api/share"
        );
    }
}
