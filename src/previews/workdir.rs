//! Per-job temp dirs under MM_WORK_DIR: each holds an `.owner` file with its process id, so a
//! worker starting on the same disk removes dirs whose process died (a SIGKILL skips every
//! destructor) and never touches a live one's.

use std::path::Path;
use tempfile::TempDir;

const PREFIX: &str = "mm-preview-";
pub const OWNER: &str = ".owner";

/// A fresh temp dir for one job, removed when dropped.
pub fn create(work_dir: &Path) -> std::io::Result<TempDir> {
    let dir = tempfile::Builder::new()
        .prefix(PREFIX)
        .tempdir_in(work_dir)?;
    std::fs::write(dir.path().join(OWNER), std::process::id().to_string())?;
    Ok(dir)
}

/// Removes job dirs whose owning process is gone; returns how many.
pub fn sweep(work_dir: &Path) -> usize {
    let Ok(entries) = std::fs::read_dir(work_dir) else {
        return 0;
    };
    let mut removed = 0;
    for e in entries.filter_map(Result::ok) {
        if !e.file_name().to_string_lossy().starts_with(PREFIX) {
            continue;
        }
        let owner = std::fs::read_to_string(e.path().join(OWNER)).ok();
        let alive = owner
            .as_deref()
            .and_then(|p| p.trim().parse::<u32>().ok())
            .is_some_and(|pid| Path::new(&format!("/proc/{pid}")).exists());
        // A dir without an owner file is a job that died while creating it.
        if !alive && std::fs::remove_dir_all(e.path()).is_ok() {
            removed += 1;
        }
    }
    if removed > 0 {
        tracing::info!(removed, dir = %work_dir.display(), "removed temp dirs of dead workers");
    }
    removed
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_dirs_of_dead_processes_are_swept() {
        let work = tempfile::tempdir().unwrap();
        let live = create(work.path()).unwrap();
        let dead = work.path().join("mm-preview-dead");
        std::fs::create_dir(&dead).unwrap();
        // Pid numbers stop far below this.
        std::fs::write(dead.join(OWNER), "999999999").unwrap();
        let other = work.path().join("not-ours");
        std::fs::create_dir(&other).unwrap();
        assert_eq!(sweep(work.path()), 1);
        assert!(live.path().exists() && other.exists() && !dead.exists());
    }
}
