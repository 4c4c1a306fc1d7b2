//! A real `mm serve --role=worker` process beside a test app, logging to a file in the app's
//! data dir, and killed when dropped, so a failing test leaves no process behind.

use super::{TestApp, free_port, mm_bin};
use std::path::{Path, PathBuf};
use std::process::{Child, ExitStatus, Stdio};

pub struct WorkerProcess {
    child: Child,
    log: PathBuf,
}

impl WorkerProcess {
    /// Starts a worker with the app's environment plus `extra`; `name` names its log file.
    pub fn start(app: &TestApp, name: &str, extra: &[(&str, &str)]) -> WorkerProcess {
        let log = app.data_dir.path().join(format!("{name}.log"));
        let file = std::fs::File::create(&log).unwrap();
        let child = mm_bin()
            .args(["serve", "--role=worker"])
            .envs(&app.env)
            .env("MM_WORKER_HEALTH_PORT", free_port().to_string())
            .envs(extra.iter().copied())
            .stdout(Stdio::from(file.try_clone().unwrap()))
            .stderr(Stdio::from(file))
            .spawn()
            .expect("mm binary starts");
        WorkerProcess { child, log }
    }

    pub fn pid(&self) -> u32 {
        self.child.id()
    }

    /// Everything the worker logged so far.
    pub fn log(&self) -> String {
        std::fs::read_to_string(&self.log).unwrap_or_default()
    }

    /// The last `n` lines of the log, newest first, for assertion messages.
    pub fn log_tail(&self, n: usize) -> String {
        self.log()
            .lines()
            .rev()
            .take(n)
            .collect::<Vec<_>>()
            .join("\n")
    }

    /// SIGKILL: no drain, no hand-back, no destructor. Returns once the process is gone.
    pub fn kill(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }

    /// SIGTERM, as on a deploy; returns the exit status once the worker has drained.
    pub fn terminate(&mut self) -> ExitStatus {
        let pid = rustix::process::Pid::from_raw(self.child.id() as i32).expect("a pid");
        rustix::process::kill_process(pid, rustix::process::Signal::TERM).expect("SIGTERM");
        self.child.wait().expect("worker exits")
    }
}

impl Drop for WorkerProcess {
    fn drop(&mut self) {
        self.kill();
    }
}

/// ffmpeg processes working in `work` (a worker's `MM_WORK_DIR`), of any worker.
pub fn ffmpegs_in(work: &Path) -> usize {
    let needle = work.to_string_lossy().to_string();
    std::fs::read_dir("/proc")
        .unwrap()
        .filter_map(Result::ok)
        .filter_map(|e| std::fs::read(e.path().join("cmdline")).ok())
        .map(|c| String::from_utf8_lossy(&c).replace('\0', " "))
        .filter(|c| c.starts_with("ffmpeg") && c.contains(&needle))
        .count()
}
