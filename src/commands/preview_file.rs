//! `mm preview-file <master> <outdir>` (hidden operator tool): makes the full preview of one
//! local file into a directory, outside the queue, and prints what it did as JSON. Used by
//! the benchmark and to check a troublesome master by hand.

use crate::config::Config;
use crate::media::{MediaInput, Tools, encoder::Encoder, ladder, pipeline, probe};
use anyhow::Context;
use std::path::Path;
use std::time::Instant;

pub fn run(config: &Config, input: &Path, out: &Path, print_plan: bool) -> anyhow::Result<()> {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()?;
    runtime.block_on(async {
        let tools = Tools::from_config(&config.preview);
        let encoder = Encoder::select(&tools, &config.preview).await;
        let settings = pipeline::Settings::new(&config.preview, encoder.clone());
        let input = MediaInput::Path(input.to_path_buf());
        let started = Instant::now();
        let meta = probe::probe(&tools, &input).await.context("probing")?;
        if print_plan {
            // The ladder alone, as one command, for comparisons.
            let plan = settings.prepared_plan(&tools, &meta).await?;
            let bare = ladder::command(&tools, &plan, &encoder, &input, out, false);
            let args: Vec<String> = bare
                .arg_list()
                .iter()
                .map(|a| a.to_string_lossy().into_owned())
                .collect();
            let rungs: Vec<_> = plan
                .rungs
                .iter()
                .map(|r| {
                    serde_json::json!({"name": r.name, "width": r.width, "height": r.height,
                        "kbps": r.video_kbps, "maxrate_kbps": r.maxrate_kbps, "bufsize_kbps": r.bufsize_kbps})
                })
                .collect();
            let plan_json = serde_json::json!({
                "ladder_command": args, "rungs": rungs, "gop": plan.gop,
                "segment_seconds": plan.segment_seconds, "fps": plan.fps.map(|(n, d)| format!("{n}/{d}")),
                "x264_preset": encoder.x264_preset, "duration": meta.duration,
            });
            println!("{}", serde_json::to_string_pretty(&plan_json)?);
            return Ok(());
        }
        std::fs::create_dir_all(out).with_context(|| format!("creating {}", out.display()))?;
        anyhow::ensure!(
            std::fs::read_dir(out)?.next().is_none(),
            "{} is not empty",
            out.display()
        );
        let manifest = pipeline::render(&tools, &settings, &meta, &input, out, |p, eta| {
            tracing::debug!(percent = p, eta_secs = eta.map(|e| e.as_secs()), "progress");
        })
        .await
        .context("rendering the preview")?;
        let wall = started.elapsed().as_secs_f64();
        let summary = serde_json::json!({
            "wall_seconds": wall,
            "realtime_factor": meta.duration / wall,
            "encoder": encoder.kind.as_str(),
            "peak_rss_kib": peak_rss_kib(),
            "metadata": meta,
            "manifest": manifest,
        });
        println!("{}", serde_json::to_string_pretty(&summary)?);
        Ok(())
    })
}

/// This process's peak resident memory (VmHWM), ffmpeg's not included.
fn peak_rss_kib() -> Option<u64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    status
        .lines()
        .find_map(|l| l.strip_prefix("VmHWM:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
}
