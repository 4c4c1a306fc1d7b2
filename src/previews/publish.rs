//! Publishing a rendered preview set: every file streamed from the job's temp dir to the
//! previews bucket, renditions and images first, `manifest.json` next, `index.m3u8` last (so
//! a master playlist that exists is always complete), then outputs of an older run that the
//! new manifest does not list are deleted.

use crate::media::pipeline::{MANIFEST, MASTER, Manifest, OutputFile};
use crate::storage::{Bucket, ByteStream, DynStorage, PutOptions, StorageError};
use futures_util::StreamExt;
use std::collections::HashSet;
use std::path::Path;

/// What a publish did.
#[derive(Debug, Default, PartialEq, Eq)]
pub struct Published {
    pub uploaded: usize,
    pub bytes: u64,
    /// Keys of an earlier run removed because the new set does not have them.
    pub removed: Vec<String>,
}

/// Uploads the set in `dir` under `prefix` (no trailing slash) in the order that keeps
/// readers safe, then removes stale keys.
pub async fn publish(
    storage: &DynStorage,
    prefix: &str,
    dir: &Path,
    manifest: &Manifest,
) -> Result<Published, StorageError> {
    publish_rest(storage, prefix, dir, manifest, &HashSet::new()).await
}

/// As `publish`, but the paths in `sent` (published early and unchanged since, see
/// `progressive`) are not uploaded again.
pub async fn publish_rest(
    storage: &DynStorage,
    prefix: &str,
    dir: &Path,
    manifest: &Manifest,
    sent: &HashSet<String>,
) -> Result<Published, StorageError> {
    let mut done = Published::default();
    let (master, rest): (Vec<&OutputFile>, Vec<&OutputFile>) =
        manifest.files.iter().partition(|f| f.path == MASTER);
    for f in rest.into_iter().filter(|f| !sent.contains(&f.path)) {
        put_file(storage, prefix, dir, &f.path, &f.content_type).await?;
        done.uploaded += 1;
        done.bytes += f.size;
    }
    put_file(storage, prefix, dir, MANIFEST, "application/json").await?;
    done.uploaded += 1;
    for f in master {
        put_file(storage, prefix, dir, &f.path, &f.content_type).await?;
        done.uploaded += 1;
        done.bytes += f.size;
    }
    let keep: HashSet<String> = manifest
        .files
        .iter()
        .map(|f| f.path.as_str())
        .chain([MANIFEST])
        .map(|p| key(prefix, p))
        .collect();
    let listed = storage
        .list(Bucket::Previews, &format!("{prefix}/"))
        .await?;
    for obj in listed {
        if !keep.contains(&obj.key) {
            storage.delete(Bucket::Previews, &obj.key).await?;
            done.removed.push(obj.key);
        }
    }
    Ok(done)
}

/// Uploads only `changed` (paths in `dir`, the master playlist last) and the new manifest:
/// a re-render of part of a published set, whose other files stay as they are.
pub async fn publish_changed(
    storage: &DynStorage,
    prefix: &str,
    dir: &Path,
    manifest: &Manifest,
    changed: &[String],
) -> Result<Published, StorageError> {
    let mut done = Published::default();
    let files: Vec<&OutputFile> = manifest
        .files
        .iter()
        .filter(|f| changed.contains(&f.path))
        .collect();
    let (master, rest): (Vec<&OutputFile>, Vec<&OutputFile>) =
        files.into_iter().partition(|f| f.path == MASTER);
    for f in rest {
        put_file(storage, prefix, dir, &f.path, &f.content_type).await?;
        done.uploaded += 1;
        done.bytes += f.size;
    }
    put_file(storage, prefix, dir, MANIFEST, "application/json").await?;
    done.uploaded += 1;
    for f in master {
        put_file(storage, prefix, dir, &f.path, &f.content_type).await?;
        done.uploaded += 1;
        done.bytes += f.size;
    }
    Ok(done)
}

/// Deletes a whole preview set, the master playlist first so it stops being "ready" at once.
pub async fn remove(storage: &DynStorage, prefix: &str) -> Result<usize, StorageError> {
    let master = key(prefix, MASTER);
    storage.delete(Bucket::Previews, &master).await?;
    let listed = storage
        .list(Bucket::Previews, &format!("{prefix}/"))
        .await?;
    for obj in &listed {
        storage.delete(Bucket::Previews, &obj.key).await?;
    }
    Ok(listed.len())
}

fn key(prefix: &str, path: &str) -> String {
    format!("{}/{}", prefix.trim_end_matches('/'), path)
}

/// Uploads `dir/path` to `prefix/path`.
pub(crate) async fn put_file(
    storage: &DynStorage,
    prefix: &str,
    dir: &Path,
    path: &str,
    content_type: &str,
) -> Result<(), StorageError> {
    let file = tokio::fs::File::open(dir.join(path)).await?;
    let body: ByteStream = tokio_util::io::ReaderStream::with_capacity(file, 256 * 1024).boxed();
    storage
        .put(
            Bucket::Previews,
            &key(prefix, path),
            body,
            PutOptions {
                content_type: Some(content_type.to_string()),
                ..Default::default()
            },
        )
        .await?;
    Ok(())
}
