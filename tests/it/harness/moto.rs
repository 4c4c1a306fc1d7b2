//! A moto_server (an S3-compatible server) on a free loopback port, owned by one test and
//! killed when dropped; the buckets are made by mm's own `storage init`.

use super::free_port;
use mm::config::{Config, Env};
use std::collections::BTreeMap;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// The pinned moto that scripts/deps.sh installs (see there why), else one on PATH.
fn moto_server() -> String {
    let pinned = "/opt/mm-tools/moto/bin/moto_server";
    std::env::var("MM_MOTO_SERVER").unwrap_or_else(|_| {
        if std::path::Path::new(pinned).exists() {
            pinned.into()
        } else {
            "moto_server".into()
        }
    })
}

pub struct Moto {
    pub port: u16,
    child: Option<Child>,
}

impl Moto {
    /// Starts the server and waits until it answers HTTP.
    pub fn start() -> Self {
        let port = free_port();
        let mut moto = Moto { port, child: None };
        moto.restart();
        moto
    }

    /// Starts the server (again, empty) on the same port.
    pub fn restart(&mut self) {
        let child = Command::new(moto_server())
            .args(["-H", "127.0.0.1", "-p", &self.port.to_string()])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("moto_server is installed (scripts/deps.sh)");
        self.child = Some(child);
        let deadline = Instant::now() + Duration::from_secs(60);
        while !self.answers() {
            assert!(
                Instant::now() < deadline,
                "moto_server did not start on {}",
                self.port
            );
            std::thread::sleep(Duration::from_millis(50));
        }
    }

    /// Kills the server: storage is down until `restart`.
    pub fn stop(&mut self) {
        if let Some(mut c) = self.child.take() {
            let _ = c.kill();
            let _ = c.wait();
        }
    }

    fn answers(&self) -> bool {
        use std::io::{Read, Write};
        let Ok(mut s) = std::net::TcpStream::connect(("127.0.0.1", self.port)) else {
            return false;
        };
        let _ = s.set_read_timeout(Some(Duration::from_secs(2)));
        let req = "GET /moto-api/ HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n";
        let mut head = [0u8; 12];
        s.write_all(req.as_bytes()).is_ok()
            && s.read_exact(&mut head).is_ok()
            && head.starts_with(b"HTTP/1.")
    }

    pub fn endpoint(&self) -> String {
        format!("http://127.0.0.1:{}", self.port)
    }

    /// The variables that point mm's S3 backend at this server (any credentials work).
    pub fn env(&self) -> BTreeMap<String, String> {
        [
            ("MM_STORAGE", "s3".to_string()),
            ("MM_S3_ENDPOINT", self.endpoint()),
            ("MM_S3_REGION", "us-east-1".into()),
            ("MM_S3_PATH_STYLE", "true".into()),
            ("MM_S3_ACCESS_KEY", "mm-test-access".into()),
            ("MM_S3_SECRET_KEY", "mm-test-secret".into()),
            ("MM_S3_MAX_ATTEMPTS", "2".into()),
        ]
        .into_iter()
        .map(|(k, v)| (k.to_string(), v))
        .collect()
    }

    /// A configuration with this server as storage, plus `extra` variables.
    pub fn config(&self, extra: &[(&str, &str)]) -> Config {
        let mut env = self.env();
        env.insert("MM_PUBLIC_URL".into(), "http://127.0.0.1:9".into());
        for (k, v) in extra {
            env.insert(k.to_string(), v.to_string());
        }
        Config::from_env(&Env::from_pairs(env))
    }

    /// A configuration whose three buckets exist, made by mm's own `storage init`.
    pub async fn initialized_config(&self) -> Config {
        let config = self.config(&[]);
        mm::storage::init(&config)
            .await
            .expect("storage init on moto");
        config
    }
}

impl Drop for Moto {
    fn drop(&mut self) {
        self.stop();
    }
}
