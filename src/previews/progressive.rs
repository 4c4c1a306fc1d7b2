//! Publishing a preview before it is finished, so the asset plays within seconds: the packaged
//! `source` rendition with a master playlist naming it alone (`publish_source`), or, for a
//! master that must be encoded first, the ladder's growing renditions (`media::growing`)
//! watched by one bounded uploader task (`watch`) that publishes each segment once ffmpeg has
//! finished it, then the EVENT playlist naming it, then, once every rendition has a segment,
//! an early master playlist. Everything published early keeps its name in the final set, so a
//! player that opened it early plays on through the switch to the final playlists.

use super::publish::put_file;
use crate::media::growing::{self, PLAYLIST};
use crate::media::ladder::{AUDIO_KBPS, Plan};
use crate::media::passthrough::{self, SOURCE};
use crate::media::pipeline::{self, MANIFEST, MASTER, Manifest, RenditionInfo};
use crate::media::playlist::{self, Variant};
use crate::media::{FfmpegError, Tools};
use crate::storage::{DynStorage, StorageError};
use std::collections::{HashMap, HashSet};
use std::path::{Path, PathBuf};
use std::time::Duration;

/// How often the uploader looks for finished segments.
const POLL: Duration = Duration::from_millis(500);
/// Longest the job waits for the uploader's last look once the encode is done.
const LAST_LOOK: Duration = Duration::from_secs(600);
const PLAYLIST_TYPE: &str = "application/vnd.apple.mpegurl";

/// Paths (relative to the preview's prefix) already published and never changed since:
/// segments and init files. The final publish skips them.
pub type Sent = HashSet<String>;

/// Publishes the packaged `source/` rendition in `dir`, then a master playlist naming it
/// alone: from then on the asset plays.
pub async fn publish_source(
    storage: &DynStorage,
    prefix: &str,
    dir: &Path,
    source: &Variant,
) -> Result<Sent, StorageError> {
    let mut sent = Sent::new();
    let files = pipeline::list_files(dir, false)?;
    for f in files
        .iter()
        .filter(|f| f.path.starts_with(&format!("{SOURCE}/")))
    {
        if f.path.ends_with(".m3u8") {
            continue;
        }
        put_file(storage, prefix, dir, &f.path, &f.content_type).await?;
        sent.insert(f.path.clone());
    }
    let rendition = format!("{SOURCE}/{PLAYLIST}");
    put_file(storage, prefix, dir, &rendition, PLAYLIST_TYPE).await?;
    put_master(storage, prefix, dir, std::slice::from_ref(source)).await?;
    Ok(sent)
}

/// Writes `variants` as the master playlist in `dir` and publishes it.
async fn put_master(
    storage: &DynStorage,
    prefix: &str,
    dir: &Path,
    variants: &[Variant],
) -> Result<(), StorageError> {
    tokio::fs::write(dir.join(MASTER), playlist::master(variants)).await?;
    put_file(storage, prefix, dir, MASTER, PLAYLIST_TYPE).await
}

/// After the ladder: the final master playlist in `dir` lists the `source` rendition too when
/// its rate suits streaming (`passthrough::worth_listing`), and the manifest names it either
/// way (its files stay published for players that opened it early).
pub async fn keep_source(
    dir: &Path,
    manifest: &mut Manifest,
    source: &Variant,
) -> Result<(), FfmpegError> {
    let top = manifest.renditions.last().map(|r| r.bandwidth);
    if passthrough::worth_listing(source, top) {
        let mut text = tokio::fs::read_to_string(dir.join(MASTER))
            .await
            .map_err(pipeline::io("reading the master playlist"))?;
        text.push_str(&playlist::stream_inf(source));
        pipeline::write(dir, MASTER, text.as_bytes()).await?;
    }
    manifest.renditions.push(RenditionInfo {
        name: SOURCE.into(),
        playlist: source.uri.clone(),
        mp4: format!("{SOURCE}/media.mp4"),
        width: source.resolution.map(|r| r.0),
        height: source.resolution.map(|r| r.1),
        bandwidth: source.bandwidth,
        average_bandwidth: source.average_bandwidth,
        codecs: source.codecs.clone(),
    });
    manifest.files = pipeline::list_files(dir, false).map_err(pipeline::io("listing outputs"))?;
    pipeline::write(
        dir,
        MANIFEST,
        &serde_json::to_vec_pretty(manifest).expect("serializable"),
    )
    .await
}

/// One rendition of a growing set, as the early master playlist states it.
struct EarlyRung {
    name: String,
    resolution: Option<(u32, u32)>,
    /// Planned peak and mean rates with audio, bits/s (nothing is measured yet).
    bandwidth: u64,
    average_bandwidth: u64,
}

/// The uploader's state: what it published of a growing set in `dir`.
pub struct Growing {
    storage: DynStorage,
    tools: Tools,
    prefix: String,
    dir: PathBuf,
    rungs: Vec<EarlyRung>,
    frame_rate: Option<f64>,
    sent: Sent,
    /// The last text of each rendition's playlist published.
    playlists: HashMap<String, String>,
    master: bool,
}

impl Growing {
    pub fn new(storage: DynStorage, tools: Tools, prefix: &str, dir: &Path, plan: &Plan) -> Self {
        let audio = if plan.audio { AUDIO_KBPS as u64 } else { 0 };
        let rungs = if plan.rungs.is_empty() {
            vec![EarlyRung {
                name: "audio".into(),
                resolution: None,
                bandwidth: audio * 1000,
                average_bandwidth: audio * 1000,
            }]
        } else {
            plan.rungs
                .iter()
                .map(|r| EarlyRung {
                    name: r.name.clone(),
                    resolution: Some((r.width, r.height)),
                    bandwidth: (r.maxrate_kbps as u64 + audio) * 1000,
                    average_bandwidth: (r.video_kbps as u64 + audio) * 1000,
                })
                .collect()
        };
        Self {
            storage,
            tools,
            prefix: prefix.to_string(),
            dir: dir.to_path_buf(),
            rungs,
            frame_rate: plan.fps.map(|(n, d)| n as f64 / d as f64),
            sent: Sent::new(),
            playlists: HashMap::new(),
            master: false,
        }
    }

    /// One look: each rendition's newly finished segments (its init first), then its playlist
    /// as ffmpeg last wrote it; once every rendition has a segment out, the master playlist.
    /// Returns whether the master playlist is published.
    pub async fn sweep(&mut self) -> Result<bool, StorageError> {
        let mut ready = true;
        for i in 0..self.rungs.len() {
            let name = self.rungs[i].name.clone();
            let path = format!("{name}/{PLAYLIST}");
            let text = match tokio::fs::read_to_string(self.dir.join(&path)).await {
                Ok(t) => t,
                Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
                    ready = false;
                    continue;
                }
                Err(e) => return Err(e.into()),
            };
            if self.playlists.get(&name) == Some(&text) {
                continue;
            }
            let listed = growing::listed(&text);
            for file in listed.init.iter().chain(&listed.segments) {
                let rel = format!("{name}/{file}");
                if !self.sent.contains(&rel) {
                    let kind = pipeline::content_type(
                        &rel,
                        self.rungs.len() == 1 && self.rungs[0].resolution.is_none(),
                    );
                    put_file(&self.storage, &self.prefix, &self.dir, &rel, kind).await?;
                    self.sent.insert(rel);
                }
            }
            if listed.segments.is_empty() {
                ready = false;
                continue;
            }
            put_file(&self.storage, &self.prefix, &self.dir, &path, PLAYLIST_TYPE).await?;
            self.playlists.insert(name, text);
        }
        if ready && !self.master && self.playlists.len() == self.rungs.len() {
            let variants = self.early_variants().await;
            put_master(&self.storage, &self.prefix, &self.dir, &variants).await?;
            tracing::info!(prefix = %self.prefix, "growing preview playable");
            self.master = true;
        }
        Ok(self.master)
    }

    /// The early master playlist's lines: planned rates, codecs read from each init file.
    async fn early_variants(&self) -> Vec<Variant> {
        let mut out = Vec::new();
        for r in &self.rungs {
            let init = self
                .playlists
                .get(&r.name)
                .and_then(|t| growing::listed(t).init)
                .map(|i| self.dir.join(&r.name).join(i));
            let codecs = match init {
                Some(p) => playlist::inspect(&self.tools, &p)
                    .await
                    .map(|e| e.codecs)
                    .unwrap_or_default(),
                None => String::new(),
            };
            let codecs = if codecs.is_empty() {
                if r.resolution.is_some() {
                    "avc1.640028,mp4a.40.2"
                } else {
                    "mp4a.40.2"
                }
                .into()
            } else {
                codecs
            };
            out.push(Variant {
                uri: format!("{}/{PLAYLIST}", r.name),
                bandwidth: r.bandwidth,
                average_bandwidth: r.average_bandwidth,
                resolution: r.resolution,
                codecs,
                frame_rate: self.frame_rate.filter(|_| r.resolution.is_some()),
            });
        }
        out
    }
}

/// The running uploader of one growing set: its task is aborted when this is dropped (a
/// failed or cancelled job), so it never outlives the job's temp dir.
pub struct Watch {
    task: Option<tokio::task::JoinHandle<Sent>>,
    stop: Option<tokio::sync::oneshot::Sender<()>>,
    /// Turns true once the early master playlist is published.
    pub playable: tokio::sync::watch::Receiver<bool>,
}

/// Starts the uploader: a look every `POLL`, one upload at a time.
pub fn watch(mut g: Growing) -> Watch {
    let (stop_tx, mut stop_rx) = tokio::sync::oneshot::channel::<()>();
    let (tx, rx) = tokio::sync::watch::channel(false);
    let task = tokio::spawn(async move {
        let mut tick = tokio::time::interval(POLL);
        tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        loop {
            let last = tokio::select! {
                _ = tick.tick() => false,
                _ = &mut stop_rx => true,
            };
            match g.sweep().await {
                Ok(true) => {
                    let _ = tx.send_if_modified(|p| !std::mem::replace(p, true));
                }
                Ok(false) => {}
                // Publishing early is a head start: the final publish sends whatever is left.
                Err(e) => {
                    tracing::warn!(error = %e, prefix = %g.prefix, "early publishing stopped");
                    return g.sent;
                }
            }
            if last {
                return g.sent;
            }
        }
    });
    Watch {
        task: Some(task),
        stop: Some(stop_tx),
        playable: rx,
    }
}

impl Watch {
    /// Once the encode is done: a last look, then what was published (an empty set when the
    /// uploader failed, so the final publish sends everything).
    pub async fn finish(mut self) -> Sent {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
        let Some(task) = self.task.as_mut() else {
            return Sent::new();
        };
        // Still aborted by `drop` if the last look takes too long.
        let sent = match tokio::time::timeout(LAST_LOOK, task).await {
            Ok(Ok(sent)) => sent,
            _ => return Sent::new(),
        };
        self.task = None;
        sent
    }
}

impl Drop for Watch {
    fn drop(&mut self) {
        if let Some(t) = &self.task {
            t.abort();
        }
    }
}
