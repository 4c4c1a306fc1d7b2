//! Roles: build what a role needs, serve it, and drain on SIGTERM. `all` runs the other three
//! in one process on one port.

mod all;
mod api;
mod edge;
mod worker;

use crate::config::{Config, Role};
use crate::metrics::{self, Metrics};
use crate::queue::WorkerStatus;
use crate::state::AppState;
use crate::web::{self, edge::EdgeState};
use actix_web::middleware::{Condition, from_fn};
use actix_web::{App, HttpServer, web as aw};
use anyhow::Context;
use std::net::{SocketAddr, TcpListener};
use std::sync::Arc;
use std::time::Duration;
use tokio::task::JoinHandle;
use tokio_util::sync::CancellationToken;

/// What one HTTP server of a role serves.
#[derive(Clone, Default)]
pub(crate) struct Parts {
    pub api: Option<AppState>,
    pub edge: Option<EdgeState>,
    pub worker: Option<Arc<WorkerStatus>>,
    pub metrics: Option<Arc<Metrics>>,
}

/// A started role: its addresses, servers and background tasks.
pub struct Running {
    /// The main HTTP address (api, edge, all); the health address for `worker`.
    pub addr: SocketAddr,
    servers: Vec<(
        actix_web::dev::ServerHandle,
        JoinHandle<std::io::Result<()>>,
    )>,
    tasks: Vec<JoinHandle<()>>,
    shutdown: CancellationToken,
    timeout: Duration,
}

impl Running {
    /// Graceful stop: stop accepting, finish in-flight requests and jobs within the deadline.
    pub async fn stop(self) {
        self.shutdown.cancel();
        for (handle, _) in &self.servers {
            handle.stop(true).await;
        }
        let wait = async {
            for (_, join) in self.servers {
                let _ = join.await;
            }
            for t in self.tasks {
                let _ = t.await;
            }
        };
        if tokio::time::timeout(self.timeout, wait).await.is_err() {
            tracing::warn!("shutdown deadline passed with work still running");
        }
    }
}

/// Starts `role`. With `listener`, serves on it (tests bind port 0); else binds MM_BIND:PORT
/// (or MM_WORKER_HEALTH_PORT for the worker).
pub async fn start(
    config: Config,
    role: Role,
    listener: Option<TcpListener>,
) -> anyhow::Result<Running> {
    let config = Arc::new(config);
    let metrics = Metrics::new(role.as_str());
    let shutdown = CancellationToken::new();
    let mut tasks = Vec::new();
    let parts = match role {
        Role::Api => api::parts(&config, &metrics).await?,
        Role::Edge => edge::parts(&config, &metrics).await?,
        Role::Worker => worker::parts(&config, &metrics, &shutdown, &mut tasks).await?,
        Role::All => all::parts(&config, &metrics, &shutdown, &mut tasks).await?,
    };
    let port = if role == Role::Worker {
        config.worker_health_port
    } else {
        config.port
    };
    let listener = match listener {
        Some(l) => l,
        None => TcpListener::bind((config.bind, port))
            .with_context(|| format!("binding {}:{port} (PORT)", config.bind))?,
    };
    let addr = listener.local_addr()?;
    let (handle, join) = http_server(parts, &config, listener)?;
    tracing::info!(role = role.as_str(), %addr, version = env!("CARGO_PKG_VERSION"), "mm serving");
    Ok(Running {
        addr,
        servers: vec![(handle, join)],
        tasks,
        shutdown,
        timeout: Duration::from_secs(config.shutdown_timeout_secs),
    })
}

/// Runs `role` until SIGTERM or Ctrl-C, then drains.
pub async fn serve(config: Config, role: Role) -> anyhow::Result<()> {
    let running = start(config, role, None).await?;
    wait_for_signal().await;
    tracing::info!("shutdown signal received; draining");
    running.stop().await;
    tracing::info!("stopped");
    Ok(())
}

async fn wait_for_signal() {
    use tokio::signal::unix::{SignalKind, signal};
    let mut term = signal(SignalKind::terminate()).expect("SIGTERM handler installs");
    tokio::select! {
        _ = term.recv() => {}
        _ = tokio::signal::ctrl_c() => {}
    }
}

fn http_server(
    parts: Parts,
    config: &Config,
    listener: TcpListener,
) -> anyhow::Result<(
    actix_web::dev::ServerHandle,
    JoinHandle<std::io::Result<()>>,
)> {
    let sentry_on = config.sentry_dsn.is_some();
    // Pages get their static manifest and CSP once, shared by every worker thread.
    let page_assets = match parts.api {
        Some(_) => Some(aw::Data::new(web::assets::StaticAssets::load(config)?)),
        None => None,
    };
    let page_policy = web::csp::PagePolicy::new(config);
    let metrics_token = config.limits.metrics_token.clone();
    let mut server = HttpServer::new(move || {
        let p = parts.clone();
        let mut app = App::new()
            .app_data(crate::error::json_config(64 * 1024))
            .app_data(crate::error::query_config())
            .app_data(crate::error::path_config());
        if let Some(m) = &p.metrics {
            app = app.app_data(aw::Data::from(m.clone()));
        }
        if let Some(s) = &p.api {
            app = app.app_data(aw::Data::new(s.clone()));
        }
        if let Some(s) = &p.edge {
            app = app.app_data(aw::Data::new(s.clone()));
        }
        if let Some(w) = &p.worker {
            app = app.app_data(aw::Data::from(w.clone()));
        }
        if let Some(a) = &page_assets {
            app = app.app_data(a.clone()).app_data(page_policy.clone());
        }
        let metrics_parts = p.clone();
        let metrics_token = metrics_token.clone();
        app.wrap(web::pages::error_pages())
            .wrap(from_fn(web::csp::page_headers))
            .wrap(from_fn(web::response_headers))
            .wrap(from_fn(metrics::track))
            .wrap(Condition::new(sentry_on, sentry_actix::Sentry::new()))
            .wrap(tracing_actix_web::TracingLogger::<web::span::RootSpan>::new())
            .configure(|cfg| {
                if p.api.is_some() {
                    web::api::configure(cfg);
                    web::pages::configure(cfg);
                    web::assets::configure(cfg);
                }
                if p.edge.is_some() {
                    web::edge::configure(cfg);
                } else if p.worker.is_some() {
                    cfg.route("/health", aw::get().to(worker::health));
                }
            })
            .route(
                "/metrics",
                aw::get().to(move |req: actix_web::HttpRequest| {
                    let p = metrics_parts.clone();
                    let token = metrics_token.clone();
                    async move {
                        if !metrics::authorized(&req, token.as_ref()) {
                            return metrics::unauthorized();
                        }
                        if let Some(s) = &p.api {
                            s.refresh_gauges();
                        }
                        match &p.metrics {
                            Some(m) => metrics::text_response(m),
                            None => actix_web::HttpResponse::NotFound().finish(),
                        }
                    }
                }),
            )
            .default_service(aw::to(web::not_found))
    })
    .disable_signals()
    .shutdown_timeout(config.shutdown_timeout_secs)
    .workers(
        std::thread::available_parallelism()
            .map_or(2, |n| n.get())
            .max(2),
    );
    if let Some(n) = config.limits.http_blocking_threads {
        server = server.worker_max_blocking_threads(n);
    }
    let server = server.listen(listener)?.run();
    let handle = server.handle();
    Ok((handle, tokio::spawn(server)))
}
