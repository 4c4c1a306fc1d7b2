//! The subscriber side of `events`: one Redis pub/sub connection per process, pattern-
//! subscribed to every asset channel under the prefix, fanning each message out to the event
//! streams open on that channel. However many pages watch, Redis sees one client; a stream
//! costs a broadcast receiver, and each account may hold only so many.

use crate::limits::{InFlight, Slot};
use crate::redis_pool::{Redis, RedisError};
use futures_util::StreamExt;
use std::collections::HashMap;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;
use tokio::sync::{broadcast, watch};

/// Messages one slow stream may fall behind by before it is ended (the browser reconnects
/// and reads a fresh snapshot).
const STREAM_BACKLOG: usize = 64;
/// How often the connection is checked with PING, so a dead one is noticed.
const PING_EVERY: Duration = Duration::from_secs(30);

pub struct Hub {
    redis: Redis,
    channels: Mutex<HashMap<String, broadcast::Sender<Arc<str>>>>,
    /// Whether the connection task runs (it is started by the first subscriber).
    running: AtomicBool,
    connected: watch::Sender<bool>,
    /// Streams open per account.
    streams: Arc<InFlight>,
}

/// One stream's view of its channel. Dropping it forgets the channel once nobody listens.
pub struct Subscription {
    hub: Arc<Hub>,
    channel: String,
    rx: Option<broadcast::Receiver<Arc<str>>>,
}

impl Hub {
    pub fn new(redis: Redis) -> Arc<Self> {
        Arc::new(Self {
            redis,
            channels: Mutex::default(),
            running: AtomicBool::new(false),
            connected: watch::channel(false).0,
            streams: InFlight::new(),
        })
    }

    /// A slot for one more stream of `account`, or `None` when it holds `max` already.
    pub fn stream_slot(&self, account: uuid::Uuid, max: usize) -> Option<Slot> {
        self.streams.try_take(&account.to_string(), max)
    }

    /// Listens on `channel` (a full key). Registered before this returns, so nothing
    /// published afterwards is missed; fails while Redis cannot be reached.
    pub async fn subscribe(self: &Arc<Self>, channel: String) -> Result<Subscription, RedisError> {
        self.ensure_running();
        let mut connected = self.connected.subscribe();
        let wait = connected.wait_for(|up| *up);
        tokio::time::timeout(self.redis.timeout(), wait)
            .await
            .map_err(|_| RedisError::Timeout)?
            .map_err(|_| RedisError::Timeout)?;
        let rx = {
            let mut map = self.channels.lock().unwrap_or_else(|e| e.into_inner());
            map.entry(channel.clone())
                .or_insert_with(|| broadcast::channel(STREAM_BACKLOG).0)
                .subscribe()
        };
        Ok(Subscription {
            hub: self.clone(),
            channel,
            rx: Some(rx),
        })
    }

    fn ensure_running(self: &Arc<Self>) {
        if self.running.swap(true, Ordering::SeqCst) {
            return;
        }
        let hub = self.clone();
        tokio::spawn(async move {
            // Whatever ends this task (its runtime stopping), the next subscriber starts one.
            let _alive = Running(hub.clone());
            hub.run().await;
        });
    }

    /// Connects, relays, and reconnects with backoff, for as long as the process runs.
    async fn run(&self) {
        let mut backoff = Duration::from_millis(200);
        loop {
            match self.relay().await {
                Ok(()) => backoff = Duration::from_millis(200),
                Err(e) => tracing::warn!(error = %e, "event fan-out connection failed"),
            }
            self.connected.send_replace(false);
            // Every open stream ends: its browser reconnects and reads a fresh snapshot, so
            // nothing published while the connection was down stays unseen.
            self.channels
                .lock()
                .unwrap_or_else(|e| e.into_inner())
                .clear();
            tokio::time::sleep(backoff).await;
            backoff = (backoff * 2).min(Duration::from_secs(10));
        }
    }

    async fn relay(&self) -> Result<(), RedisError> {
        let mut pubsub = self.redis.pubsub().await?;
        let pattern = format!("{}events:asset:*", glob_escape(self.redis.prefix()));
        tokio::time::timeout(self.redis.timeout(), pubsub.psubscribe(&pattern))
            .await
            .map_err(|_| RedisError::Timeout)??;
        let (mut sink, mut messages) = pubsub.split();
        self.connected.send_replace(true);
        tracing::debug!(%pattern, "event fan-out subscribed");
        let mut ping =
            tokio::time::interval_at(tokio::time::Instant::now() + PING_EVERY, PING_EVERY);
        loop {
            tokio::select! {
                msg = messages.next() => {
                    let Some(msg) = msg else { return Ok(()) };
                    let Ok(payload) = msg.get_payload::<String>() else { continue };
                    let map = self.channels.lock().unwrap_or_else(|e| e.into_inner());
                    if let Some(tx) = map.get(msg.get_channel_name()) {
                        let _ = tx.send(payload.into());
                    }
                }
                _ = ping.tick() => {
                    let pong = tokio::time::timeout(self.redis.timeout(), sink.ping::<String>()).await;
                    if !matches!(pong, Ok(Ok(_))) {
                        return Err(RedisError::Timeout);
                    }
                }
            }
        }
    }
}

struct Running(Arc<Hub>);

impl Drop for Running {
    fn drop(&mut self) {
        self.0.connected.send_replace(false);
        self.0.running.store(false, Ordering::SeqCst);
    }
}

impl Subscription {
    /// The payloads published on the channel, ending when the connection drops or this
    /// stream falls too far behind.
    pub fn into_stream(mut self) -> futures_util::stream::BoxStream<'static, Arc<str>> {
        let rx = self.rx.take();
        futures_util::stream::unfold((rx, self), |(rx, sub)| async move {
            let mut rx = rx?;
            match rx.recv().await {
                Ok(msg) => Some((msg, (Some(rx), sub))),
                Err(_) => None,
            }
        })
        .boxed()
    }
}

impl Drop for Subscription {
    fn drop(&mut self) {
        drop(self.rx.take());
        let mut map = self.hub.channels.lock().unwrap_or_else(|e| e.into_inner());
        if map
            .get(&self.channel)
            .is_some_and(|tx| tx.receiver_count() == 0)
        {
            map.remove(&self.channel);
        }
    }
}

/// `s` with Redis glob characters escaped, for a pattern that matches it literally.
fn glob_escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        if matches!(c, '*' | '?' | '[' | ']' | '\\') {
            out.push('\\');
        }
        out.push(c);
    }
    out
}

#[cfg(test)]
mod tests {
    #[test]
    fn prefixes_match_literally() {
        assert_eq!(super::glob_escape("mm:"), "mm:");
        assert_eq!(super::glob_escape("a*b?[c]\\"), "a\\*b\\?\\[c\\]\\\\");
    }
}
