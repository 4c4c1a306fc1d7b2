//! The dispatch table: job kind -> the function that decodes and runs it.

use super::{Job, JobContext, JobError};
use futures_util::future::BoxFuture;

type RunFn = for<'a> fn(serde_json::Value, &'a JobContext) -> BoxFuture<'a, Result<(), JobError>>;

/// How to run one job kind.
#[derive(Clone, Copy)]
pub struct Handler {
    pub kind: &'static str,
    run: RunFn,
}

impl std::fmt::Debug for Handler {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Handler({})", self.kind)
    }
}

fn run_job<J: Job>(
    payload: serde_json::Value,
    ctx: &JobContext,
) -> BoxFuture<'_, Result<(), JobError>> {
    Box::pin(async move {
        // A payload this build cannot read will not become readable by retrying.
        let job: J = serde_json::from_value(payload).map_err(|e| {
            JobError::Fatal(format!(
                "the job's parameters are not valid for this build: {e}"
            ))
        })?;
        job.run(ctx).await
    })
}

impl Handler {
    pub const fn of<J: Job>() -> Self {
        Handler {
            kind: J::KIND,
            run: run_job::<J>,
        }
    }

    pub fn run<'a>(
        &self,
        payload: serde_json::Value,
        ctx: &'a JobContext,
    ) -> BoxFuture<'a, Result<(), JobError>> {
        (self.run)(payload, ctx)
    }
}

/// The kinds one consumer runs. A kind missing here is "no handler in this build": its rows
/// stay queued for a build that has one.
#[derive(Clone, Debug)]
pub struct Registry {
    handlers: Vec<Handler>,
}

impl Registry {
    pub fn new(handlers: impl IntoIterator<Item = Handler>) -> Self {
        Self {
            handlers: handlers.into_iter().collect(),
        }
    }

    /// Every kind this build knows (`jobs::HANDLERS`).
    pub fn builtin() -> Self {
        Self::new(super::jobs::HANDLERS.iter().copied())
    }

    pub fn get(&self, kind: &str) -> Option<&Handler> {
        self.handlers.iter().find(|h| h.kind == kind)
    }

    pub fn kinds(&self) -> Vec<String> {
        self.handlers.iter().map(|h| h.kind.to_string()).collect()
    }
}
