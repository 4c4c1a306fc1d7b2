//! Logging with `tracing` (JSON or pretty) and Sentry, which is on only when SENTRY_DSN is set.

use crate::config::{Config, LogFormat};
use secrecy::ExposeSecret;
use tracing_subscriber::layer::SubscriberExt;
use tracing_subscriber::util::SubscriberInitExt;
use tracing_subscriber::{EnvFilter, Layer};

/// Keeps Sentry flushing until dropped at exit.
pub struct Guard {
    _sentry: Option<sentry::ClientInitGuard>,
}

/// Installs the global subscriber once. Errors (a second call in tests) are ignored.
pub fn init(config: &Config) -> Guard {
    // rustls needs one process-wide crypto provider; mm uses ring everywhere.
    let _ = rustls::crypto::ring::default_provider().install_default();

    let sentry = config.sentry_dsn.as_ref().map(|dsn| {
        let mut options = sentry::ClientOptions::default();
        options.release = Some(format!("mm@{}", env!("CARGO_PKG_VERSION")).into());
        options.environment = Some(config.environment.clone().into());
        options.send_default_pii = false;
        options.attach_stacktrace = true;
        sentry::init((dsn.expose_secret(), options))
    });

    let filter = EnvFilter::try_new(&config.log_filter).unwrap_or_else(|_| EnvFilter::new("info"));
    let fmt = match config.log_format {
        // The whole span list: a line in a span nested inside a job still names the job.
        LogFormat::Json => tracing_subscriber::fmt::layer()
            .json()
            .flatten_event(true)
            .with_current_span(true)
            .with_span_list(true)
            .boxed(),
        LogFormat::Pretty => tracing_subscriber::fmt::layer().compact().boxed(),
    };
    // Sentry: ERROR lines become events, WARN and INFO breadcrumbs.
    let sentry_layers = sentry.as_ref().map(|_| {
        use sentry::integrations::tracing::{BreadcrumbLayer, ErrorLayer};
        use tracing_subscriber::filter::{LevelFilter, filter_fn};
        BreadcrumbLayer::new()
            .with_filter(filter_fn(|m| {
                matches!(*m.level(), tracing::Level::WARN | tracing::Level::INFO)
            }))
            .and_then(ErrorLayer::new().with_filter(LevelFilter::ERROR))
    });
    let _ = tracing_subscriber::registry()
        .with(filter)
        .with(fmt)
        .with(sentry_layers)
        .try_init();
    if sentry.is_some() {
        tracing::info!(environment = %config.environment, "sentry enabled");
    }
    Guard { _sentry: sentry }
}
