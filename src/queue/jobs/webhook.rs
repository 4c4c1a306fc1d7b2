//! `webhook_delivery`: one event to one endpoint. Each run is one attempt, recorded in the
//! delivery log; a failure is retried with the queue's backoff until the delivery's last
//! attempt. An endpoint whose every attempt failed for MM_WEBHOOK_DISABLE_AFTER is disabled.

use crate::db::models::webhook::{self as model, NewAttempt};
use crate::queue::{Job, JobContext, JobError};
use crate::webhooks::deliver;
use serde::{Deserialize, Serialize};
use uuid::Uuid;

pub const KIND: &str = "webhook_delivery";

#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct WebhookDelivery {
    pub delivery_id: Uuid,
}

impl Job for WebhookDelivery {
    const KIND: &'static str = KIND;

    #[tracing::instrument(skip(self, ctx), fields(delivery_id = %self.delivery_id, attempt = ctx.attempt))]
    async fn run(&self, ctx: &JobContext) -> Result<(), JobError> {
        let st = &ctx.state;
        let id = self.delivery_id;
        // Gone with its endpoint, or finished by an earlier run of this job: nothing to do.
        let Some((delivery, endpoint, event)) =
            st.db.run(move |c| model::find_delivery(c, id)).await?
        else {
            return Ok(());
        };
        if delivery.state != "pending" {
            return Ok(());
        }
        if !endpoint.enabled {
            let why = "The endpoint is disabled.";
            st.db
                .run(move |c| model::abandon_delivery(c, id, why))
                .await?;
            return Ok(());
        }
        let cfg = &st.config.webhooks;
        let out = deliver::attempt(cfg, &endpoint, &event).await;
        let last = ctx.is_last_attempt();
        let state = match (out.ok(), last) {
            (true, _) => "succeeded",
            (false, true) => "failed",
            (false, false) => "pending",
        };
        let row = NewAttempt {
            delivery_id: id,
            attempt: ctx.attempt,
            status: out.status.map(i32::from),
            latency_ms: out.latency_ms,
            error: out.error.clone(),
            response: out.response.clone(),
        };
        let (ok, endpoint_id) = (out.ok(), endpoint.id);
        let disable_after = cfg.disable_after.as_secs_f64();
        let days = (cfg.disable_after.as_secs_f64() / 86_400.0).max(0.0);
        let reason = format!(
            "Disabled on {}: every delivery failed for {days:.1} days; the last error: {}",
            time::OffsetDateTime::now_utc().date(),
            out.error.as_deref().unwrap_or("unknown"),
        );
        let disabled = st
            .db
            .run(move |c| {
                use diesel::Connection;
                c.transaction(|c| {
                    model::record_attempt(c, &row, state)?;
                    if ok {
                        model::endpoint_answered(c, endpoint_id)?;
                        Ok(false)
                    } else {
                        model::endpoint_failed(c, endpoint_id, disable_after, &reason)
                    }
                })
            })
            .await?;
        if disabled {
            let why = "The endpoint was disabled after failing for too long.";
            st.db
                .run(move |c| model::abandon_delivery(c, id, why))
                .await?;
            tracing::warn!(%endpoint_id, url = %endpoint.url, "webhook endpoint disabled after failing for too long");
        }
        if ok {
            tracing::info!(event = %event.id, kind = %event.kind, status = ?out.status, latency_ms = out.latency_ms, "webhook delivered");
            return Ok(());
        }
        let why = format!(
            "webhook delivery to {} {}",
            endpoint.url,
            out.error.as_deref().unwrap_or("failed")
        );
        // The last attempt is a plain failure of this delivery, not a broken job.
        if last || disabled {
            Err(JobError::Fatal(why))
        } else {
            Err(JobError::Retry(why))
        }
    }
}
