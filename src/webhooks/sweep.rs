//! The hourly sweep of what webhooks and Idempotency-Key leave behind: replay records past
//! their 24 hours, and events (with their deliveries and log) past 30 days.

use crate::db::models::webhook as model;
use crate::state::AppState;
use std::time::Duration;
use tokio_util::sync::CancellationToken;

/// How long the delivery log keeps an event.
pub const EVENT_RETENTION: Duration = Duration::from_secs(30 * 86_400);
const EVERY: Duration = Duration::from_secs(3600);

/// Sweeps now and then every hour until `shutdown`.
pub async fn run(state: AppState, shutdown: CancellationToken) {
    loop {
        match sweep(&state).await {
            Ok((0, 0)) => {}
            Ok((keys, events)) => tracing::info!(
                keys,
                events,
                "expired idempotency keys and webhook events removed"
            ),
            Err(e) => tracing::warn!(error = %e, "webhook sweep failed; retrying next hour"),
        }
        tokio::select! {
            _ = shutdown.cancelled() => return,
            _ = tokio::time::sleep(EVERY) => {}
        }
    }
}

/// One sweep: (idempotency keys, webhook events) removed.
pub async fn sweep(state: &AppState) -> Result<(usize, usize), crate::db::DbError> {
    let keys = crate::idempotency::sweep(&state.db).await?;
    let secs = EVENT_RETENTION.as_secs_f64();
    let mut events = 0;
    loop {
        let n = state.db.run(move |c| model::sweep_events(c, secs)).await?;
        events += n;
        if n == 0 {
            return Ok((keys, events));
        }
    }
}
