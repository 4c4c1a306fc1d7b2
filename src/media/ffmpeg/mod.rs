//! The one wrapper for ffmpeg and ffprobe processes: killed when dropped, a stall watchdog fed
//! by `-progress pipe:1`, the bounds of `media::sanity` when the job sets them, and the tail of
//! stderr kept (secrets redacted) for error messages.

mod error;

pub use error::{BadInput, FfmpegError, classify_stderr};

use super::sanity::Bounds;
use std::collections::VecDeque;
use std::ffi::OsString;
use std::path::PathBuf;
use std::process::{ExitStatus, Stdio};
use std::time::Duration;
use tokio::io::{AsyncBufReadExt, AsyncRead, AsyncReadExt, BufReader};
use tokio::process::{Child, Command};
use tokio::task::JoinHandle;
use tokio::time::Instant;

/// Lines of stderr kept for error messages, and the longest line kept.
const TAIL_LINES: usize = 24;
const TAIL_LINE_CHARS: usize = 1000;
/// Longest stdout a capture (ffprobe) may produce.
const CAPTURE_LIMIT: usize = 32 << 20;
/// How often a bounded run's temp dir is measured.
const DIR_CHECK_EVERY: Duration = Duration::from_secs(2);

/// Sleeps until `at`, or forever without one.
async fn sleep_until_opt(at: Option<Instant>) {
    match at {
        Some(at) => tokio::time::sleep_until(at).await,
        None => std::future::pending().await,
    }
}

/// Where ffmpeg and ffprobe are, and how long either may go without progress.
#[derive(Clone, Debug)]
pub struct Tools {
    pub ffmpeg: PathBuf,
    pub ffprobe: PathBuf,
    pub stall: Duration,
}

impl Tools {
    pub fn from_config(c: &crate::config::PreviewConfig) -> Self {
        Self {
            ffmpeg: c.ffmpeg.clone(),
            ffprobe: c.ffprobe.clone(),
            stall: Duration::from_secs(c.stall_seconds),
        }
    }

    /// An ffmpeg run reporting progress on stdout.
    pub fn ffmpeg(&self) -> Invocation {
        let mut inv = Invocation::new(self.ffmpeg.clone(), "ffmpeg", self.stall);
        inv.args = [
            "-hide_banner",
            "-nostdin",
            "-nostats",
            "-loglevel",
            "warning",
            "-progress",
            "pipe:1",
            "-stats_period",
            "0.5",
            "-y",
        ]
        .map(OsString::from)
        .to_vec();
        inv
    }

    /// An ffprobe run whose stdout is captured.
    pub fn ffprobe(&self) -> Invocation {
        let mut inv = Invocation::new(self.ffprobe.clone(), "ffprobe", self.stall);
        inv.args = ["-hide_banner", "-loglevel", "error"]
            .map(OsString::from)
            .to_vec();
        inv
    }
}

/// What `-progress` last said.
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct Progress {
    /// Media time written so far.
    pub out_time: Duration,
    /// Video frames written so far.
    pub frames: u64,
    /// Encoding speed relative to real time, when ffmpeg knows it.
    pub speed: Option<f64>,
    /// `progress=end`: ffmpeg is finishing.
    pub done: bool,
}

/// One ffmpeg or ffprobe command line, built up and then run once.
#[derive(Clone, Debug)]
pub struct Invocation {
    program: PathBuf,
    name: &'static str,
    args: Vec<OsString>,
    redact: Vec<String>,
    stall: Duration,
}

impl Invocation {
    fn new(program: PathBuf, name: &'static str, stall: Duration) -> Self {
        Self {
            program,
            name,
            args: Vec::new(),
            redact: Vec::new(),
            stall,
        }
    }

    pub fn arg(mut self, a: impl Into<OsString>) -> Self {
        self.args.push(a.into());
        self
    }

    pub fn args<I, S>(mut self, args: I) -> Self
    where
        I: IntoIterator<Item = S>,
        S: Into<OsString>,
    {
        self.args.extend(args.into_iter().map(Into::into));
        self
    }

    /// Replaces `secret` (a presigned URL) with `<input>` wherever it shows in messages.
    pub fn redact(mut self, secret: impl Into<String>) -> Self {
        let s = secret.into();
        if !s.is_empty() {
            self.redact.push(s);
        }
        self
    }

    /// The arguments, for tests and the benchmark's bare command.
    pub fn arg_list(&self) -> &[OsString] {
        &self.args
    }

    fn spawn(&self) -> Result<Child, FfmpegError> {
        let mut cmd = Command::new(&self.program);
        cmd.args(&self.args)
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .kill_on_drop(true);
        // SAFETY: prctl(PR_SET_PDEATHSIG) is async-signal-safe and touches no memory of the
        // parent. A worker killed with SIGKILL runs no destructor, so without it its ffmpeg
        // would keep encoding for nobody. (The signal follows the spawning thread: tokio's
        // runtime threads live as long as the process.)
        unsafe {
            cmd.pre_exec(|| {
                rustix::process::set_parent_process_death_signal(Some(
                    rustix::process::Signal::KILL,
                ))
                .map_err(std::io::Error::from)
            });
        }
        // The arguments stay out: they may hold presigned URLs. Inside a job this line
        // carries the job's span (job_id, kind, asset_id).
        tracing::debug!(program = self.name, "starting");
        cmd.spawn().map_err(|source| FfmpegError::Spawn {
            program: self.name,
            source,
        })
    }

    /// Runs ffmpeg, calling `on_progress` on every `-progress` block. Killed when it makes no
    /// progress for the stall time, or when this future is dropped.
    pub async fn run(self, mut on_progress: impl FnMut(Progress)) -> Result<(), FfmpegError> {
        let bounds = Bounds::current();
        let mut child = self.spawn()?;
        let stderr = tokio::spawn(read_tail(
            child.stderr.take().expect("piped"),
            self.redact.clone(),
        ));
        let mut lines = BufReader::new(child.stdout.take().expect("piped")).lines();
        let mut deadline = Instant::now() + self.stall;
        let mut current = Progress::default();
        let mut best = None::<Duration>;
        let mut dir_check = tokio::time::interval(DIR_CHECK_EVERY);
        loop {
            let line = tokio::select! {
                l = lines.next_line() => l.map_err(|source| FfmpegError::Io { program: self.name, source })?,
                _ = tokio::time::sleep_until(deadline) => {
                    return Err(self.stalled(&mut child, stderr).await);
                }
                _ = sleep_until_opt(bounds.as_ref().map(|b| b.deadline)) => {
                    let why = bounds.as_ref().map(|b| b.over_time()).unwrap_or_default();
                    return Err(self.limited(&mut child, why).await);
                }
                _ = dir_check.tick(), if bounds.as_ref().is_some_and(|b| b.dir.is_some()) => {
                    let b = bounds.clone().expect("checked");
                    if let Ok(Some(why)) = tokio::task::spawn_blocking(move || b.over_dir()).await {
                        return Err(self.limited(&mut child, why).await);
                    }
                    continue;
                }
            };
            let Some(line) = line else { break };
            let Some((key, value)) = line.split_once('=') else {
                continue;
            };
            match key {
                "frame" => current.frames = value.trim().parse().unwrap_or(current.frames),
                "out_time_us" => {
                    if let Ok(us) = value.trim().parse::<u64>() {
                        current.out_time = Duration::from_micros(us);
                    }
                }
                "speed" => current.speed = value.trim().trim_end_matches('x').parse().ok(),
                "progress" => {
                    current.done = value.trim() == "end";
                    // Only media time moving forward counts as progress; a block repeating
                    // the same time (a blocked input) does not feed the watchdog.
                    if current.done || best.is_none_or(|b| current.out_time > b) {
                        best = Some(current.out_time);
                        deadline = Instant::now() + self.stall;
                    }
                    if let Some(why) = bounds
                        .as_ref()
                        .and_then(|b| b.over_output(current.frames, current.out_time))
                    {
                        return Err(self.limited(&mut child, why).await);
                    }
                    on_progress(current);
                }
                _ => {}
            }
        }
        self.finish(&mut child, deadline, stderr).await
    }

    /// Runs the program and returns its stdout; it has the stall time to finish.
    pub async fn output(self) -> Result<Vec<u8>, FfmpegError> {
        let mut child = self.spawn()?;
        let stderr = tokio::spawn(read_tail(
            child.stderr.take().expect("piped"),
            self.redact.clone(),
        ));
        let mut stdout = child.stdout.take().expect("piped");
        let work = async {
            let mut out = Vec::new();
            (&mut stdout)
                .take(CAPTURE_LIMIT as u64 + 1)
                .read_to_end(&mut out)
                .await?;
            let status = child.wait().await?;
            Ok::<_, std::io::Error>((out, status))
        };
        let bounds = Bounds::current();
        let limit = bounds
            .as_ref()
            .map_or(self.stall, |b| self.stall.min(b.deadline - Instant::now()));
        let (out, status) = match tokio::time::timeout(limit, work).await {
            Ok(r) => r.map_err(|source| FfmpegError::Io {
                program: self.name,
                source,
            })?,
            Err(_) => match bounds.filter(|b| Instant::now() >= b.deadline) {
                Some(b) => return Err(self.limited(&mut child, b.over_time()).await),
                None => return Err(self.stalled(&mut child, stderr).await),
            },
        };
        if out.len() > CAPTURE_LIMIT {
            return Err(FfmpegError::Output {
                program: self.name,
                message: format!("more than {CAPTURE_LIMIT} bytes"),
            });
        }
        self.exited(status, stderr).await.map(|()| out)
    }

    /// Runs the program, handing each line of stdout to `on_line` as it comes (ffprobe's
    /// packet lists, too long to capture). Every line feeds the stall watchdog; the job's
    /// wall-clock bound, if any, still applies.
    pub async fn each_line(self, mut on_line: impl FnMut(&str)) -> Result<(), FfmpegError> {
        let bounds = Bounds::current();
        let mut child = self.spawn()?;
        let stderr = tokio::spawn(read_tail(
            child.stderr.take().expect("piped"),
            self.redact.clone(),
        ));
        let mut lines = BufReader::new(child.stdout.take().expect("piped")).lines();
        let mut deadline = Instant::now() + self.stall;
        loop {
            let line = tokio::select! {
                l = lines.next_line() => l.map_err(|source| FfmpegError::Io { program: self.name, source })?,
                _ = tokio::time::sleep_until(deadline) => {
                    return Err(self.stalled(&mut child, stderr).await);
                }
                _ = sleep_until_opt(bounds.as_ref().map(|b| b.deadline)) => {
                    let why = bounds.as_ref().map(|b| b.over_time()).unwrap_or_default();
                    return Err(self.limited(&mut child, why).await);
                }
            };
            let Some(line) = line else { break };
            deadline = Instant::now() + self.stall;
            on_line(&line);
        }
        self.finish(&mut child, deadline, stderr).await
    }

    /// Waits for the child to exit (killed as stalled past `deadline`), then judges its exit.
    async fn finish(
        &self,
        child: &mut Child,
        deadline: Instant,
        stderr: JoinHandle<String>,
    ) -> Result<(), FfmpegError> {
        let status = match tokio::time::timeout_at(deadline, child.wait()).await {
            Ok(s) => s.map_err(|source| FfmpegError::Io {
                program: self.name,
                source,
            })?,
            Err(_) => return Err(self.stalled(child, stderr).await),
        };
        self.exited(status, stderr).await
    }

    /// A clean exit, or the error its status and the tail of stderr point to.
    async fn exited(
        &self,
        status: ExitStatus,
        stderr: JoinHandle<String>,
    ) -> Result<(), FfmpegError> {
        let tail = self.clean(stderr.await.unwrap_or_default());
        if status.success() {
            Ok(())
        } else {
            Err(FfmpegError::classify(self.name, status, tail))
        }
    }

    /// Stops a run that went past its bounds.
    async fn limited(&self, child: &mut Child, reason: String) -> FfmpegError {
        let _ = child.start_kill();
        let _ = child.wait().await;
        tracing::warn!(program = self.name, %reason, "stopped a run past its bounds");
        FfmpegError::Limit {
            program: self.name,
            reason,
        }
    }

    async fn stalled(&self, child: &mut Child, stderr: JoinHandle<String>) -> FfmpegError {
        let _ = child.start_kill();
        let _ = child.wait().await;
        tracing::warn!(
            program = self.name,
            stall_secs = self.stall.as_secs(),
            "killed a stalled process"
        );
        FfmpegError::Stalled {
            program: self.name,
            after: self.stall,
            tail: self.clean(stderr.await.unwrap_or_default()),
        }
    }

    fn clean(&self, tail: String) -> String {
        tail.trim().to_string()
    }
}

/// Reads stderr to its end, keeping the last lines, each with secrets removed before it is
/// shortened (a cut line would no longer contain the whole secret to find).
async fn read_tail(stderr: impl AsyncRead + Unpin, redact: Vec<String>) -> String {
    let mut lines = BufReader::new(stderr).lines();
    let mut tail = VecDeque::with_capacity(TAIL_LINES);
    while let Ok(Some(line)) = lines.next_line().await {
        if line.trim().is_empty() {
            continue;
        }
        if tail.len() == TAIL_LINES {
            tail.pop_front();
        }
        let line = scrub(&line, &redact);
        tail.push_back(line.chars().take(TAIL_LINE_CHARS).collect::<String>());
    }
    Vec::from(tail).join("\n")
}

/// Replaces each secret with `<input>`, then drops the query of any URL left (a presigned
/// URL's signature lives there, whatever form ffmpeg printed it in).
pub fn scrub(line: &str, redact: &[String]) -> String {
    let mut out = line.to_string();
    for s in redact {
        out = out.replace(s.as_str(), "<input>");
    }
    out.split(' ')
        .map(|word| match (word.contains("://"), word.find('?')) {
            (true, Some(q)) => format!("{}?<redacted>", &word[..q]),
            _ => word.to_string(),
        })
        .collect::<Vec<_>>()
        .join(" ")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn input_problems_are_recognised() {
        let c = |s| classify_stderr(s);
        assert_eq!(
            c("x.mov: Invalid data found when processing input"),
            Some(BadInput::NotMedia)
        );
        assert_eq!(
            c(
                "[mov,mp4 @ 0x1] moov atom not found\nx.mp4: Invalid data found when processing input"
            ),
            Some(BadInput::Truncated)
        );
        assert_eq!(
            c("Output file #0 does not contain any stream"),
            Some(BadInput::NoStreams)
        );
        assert_eq!(c("Conversion failed! out of memory"), None);
    }

    #[test]
    fn presigned_urls_never_reach_messages() {
        let url = "https://s3.example.com/b/k.mov?X-Amz-Signature=abc123&X-Amz-Credential=AK";
        let line = format!("{url}: Invalid data found when processing input");
        assert_eq!(
            scrub(&line, &[url.to_string()]),
            "<input>: Invalid data found when processing input"
        );
        // A form the redaction list does not hold still loses its query.
        let other = "[https @ 0x1] Opening 'https://s3.example.com/b/k.mov?X-Amz-Signature=abc' for reading";
        let scrubbed = scrub(other, &[]);
        assert!(!scrubbed.contains("abc"), "{scrubbed}");
        assert!(scrubbed.contains("https://s3.example.com/b/k.mov?<redacted>"));
    }

    #[test]
    fn only_bad_input_is_a_client_error() {
        assert!(FfmpegError::bad_input(BadInput::Empty, "").is_client_error());
        let stalled = FfmpegError::Stalled {
            program: "ffmpeg",
            after: Duration::from_secs(1),
            tail: String::new(),
        };
        assert!(!stalled.is_client_error());
        assert_eq!(
            FfmpegError::bad_input(BadInput::Truncated, "moov").to_string(),
            "the file is truncated: its end is missing"
        );
    }
}
