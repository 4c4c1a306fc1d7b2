//! Server-Sent Events: a `text/event-stream` response that opens with `retry:`, carries named
//! JSON events, and sends a heartbeat comment every 15 s so proxies keep the connection open.

use actix_web::HttpResponse;
use actix_web::http::header;
use bytes::Bytes;
use futures_util::StreamExt;
use futures_util::future::BoxFuture;
use futures_util::stream::{self, BoxStream};
use serde::Serialize;
use std::convert::Infallible;
use std::time::Duration;

/// How often a comment line is sent when nothing else is.
pub const HEARTBEAT: Duration = Duration::from_secs(15);

/// One event: `event: <name>` and its JSON on one `data:` line.
pub fn event(name: &str, data: &impl Serialize) -> Bytes {
    let json = serde_json::to_string(data).unwrap_or_else(|_| "null".into());
    Bytes::from(format!("event: {name}\ndata: {json}\n\n"))
}

/// Asked before each heartbeat whether the stream may go on (its caller still signed in).
pub type Alive = Box<dyn FnMut() -> BoxFuture<'static, bool> + Send>;

/// The response for `events`: `retry: <retry_ms>` first, then the events with heartbeats in
/// between, until `events` ends (the browser then reconnects after `retry_ms`).
pub fn response(retry_ms: u32, events: BoxStream<'static, Bytes>) -> HttpResponse {
    response_while(retry_ms, events, Box::new(|| Box::pin(async { true })))
}

/// As `response`, and the stream ends at the first heartbeat at which `alive` says no, so
/// a stream never outlives its session by more than one heartbeat.
pub fn response_while(
    retry_ms: u32,
    events: BoxStream<'static, Bytes>,
    alive: Alive,
) -> HttpResponse {
    let first = Bytes::from(format!("retry: {retry_ms}\n\n"));
    let beat = tokio::time::interval_at(tokio::time::Instant::now() + HEARTBEAT, HEARTBEAT);
    let body = stream::once(async move { first }).chain(stream::unfold(
        (events, beat, alive),
        |(mut events, mut beat, mut alive)| async move {
            tokio::select! {
                item = events.next() => item.map(|b| (b, (events, beat, alive))),
                _ = beat.tick() => {
                    if !alive().await {
                        return None;
                    }
                    Some((Bytes::from_static(b": heartbeat\n\n"), (events, beat, alive)))
                }
            }
        },
    ));
    HttpResponse::Ok()
        .insert_header((header::CONTENT_TYPE, "text/event-stream"))
        .insert_header((header::CACHE_CONTROL, "no-cache, no-store"))
        // nginx and similar proxies must pass events through as they come.
        .insert_header(("x-accel-buffering", "no"))
        .streaming(body.map(Ok::<_, Infallible>))
}
