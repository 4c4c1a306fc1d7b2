//! A TCP proxy in front of the S3 server, switched by the test: forward (after an optional
//! delay on each new connection), refuse (close at once), or hang (accept, never answer).

use std::sync::atomic::{AtomicU8, AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;
use tokio::net::{TcpListener, TcpStream};
use tokio::task::JoinHandle;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Mode {
    Forward = 0,
    Refuse = 1,
    Hang = 2,
}

pub struct Proxy {
    pub port: u16,
    mode: Arc<AtomicU8>,
    delay_ms: Arc<AtomicU64>,
    conns: Arc<Mutex<Vec<JoinHandle<()>>>>,
    accept: JoinHandle<()>,
}

impl Proxy {
    pub async fn start(upstream: u16) -> Self {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let port = listener.local_addr().unwrap().port();
        let mode = Arc::new(AtomicU8::new(Mode::Forward as u8));
        let delay_ms = Arc::new(AtomicU64::new(0));
        let conns: Arc<Mutex<Vec<JoinHandle<()>>>> = Arc::default();
        let (m, d, c) = (mode.clone(), delay_ms.clone(), conns.clone());
        let accept = tokio::spawn(async move {
            while let Ok((client, _)) = listener.accept().await {
                let mode = m.load(Ordering::SeqCst);
                let delay = Duration::from_millis(d.load(Ordering::SeqCst));
                let task = tokio::spawn(async move {
                    match mode {
                        1 => drop(client),
                        2 => {
                            let _held = client;
                            std::future::pending::<()>().await;
                        }
                        _ => {
                            tokio::time::sleep(delay).await;
                            if let Ok(up) = TcpStream::connect(("127.0.0.1", upstream)).await {
                                let (mut a, mut b) = (client, up);
                                let _ = tokio::io::copy_bidirectional(&mut a, &mut b).await;
                            }
                        }
                    }
                });
                c.lock().unwrap().push(task);
            }
        });
        Proxy {
            port,
            mode,
            delay_ms,
            conns,
            accept,
        }
    }

    pub fn endpoint(&self) -> String {
        format!("http://127.0.0.1:{}", self.port)
    }

    /// Switches the mode; live connections are cut so that pooled ones follow it too.
    pub fn set(&self, mode: Mode) {
        self.mode.store(mode as u8, Ordering::SeqCst);
        for t in self.conns.lock().unwrap().drain(..) {
            t.abort();
        }
    }

    pub fn set_delay(&self, d: Duration) {
        self.delay_ms.store(d.as_millis() as u64, Ordering::SeqCst);
    }
}

impl Drop for Proxy {
    fn drop(&mut self) {
        self.accept.abort();
        for t in self.conns.lock().unwrap().drain(..) {
            t.abort();
        }
    }
}
