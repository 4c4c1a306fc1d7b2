//! Roles: build what a role needs, hand it to `web::serve`, and drain on SIGTERM. `all` runs
//! the other three in one process on one port.

mod all;
mod api;
mod edge;
mod worker;

use crate::config::{Config, Role};
use crate::metrics::Metrics;
use crate::web;
use anyhow::Context;
use std::net::{SocketAddr, TcpListener};
use std::sync::Arc;
use std::time::Duration;
use tokio::task::JoinHandle;
use tokio_util::sync::CancellationToken;

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
    let (handle, join) = web::serve(parts, &config, listener)?;
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
