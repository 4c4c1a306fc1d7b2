//! Where ffmpeg reads a master from: the file itself on local storage, or a presigned URL on
//! S3 (streamed with range requests, never copied whole), plus its first bytes for probing.

use crate::media::MediaInput;
use crate::media::encoder::Encoder;
use crate::state::AppState;
use crate::storage::{Bucket, RangeRequest, StorageError};
use std::time::Duration;

/// Longest a presigned master URL lives: long enough for ffmpeg to reconnect late in a long
/// encode, short enough to be useless soon after.
const URL_TTL: Duration = Duration::from_secs(12 * 3600);

/// The master at `key` as ffmpeg input, with its first 16 bytes.
pub async fn open(state: &AppState, key: &str) -> Result<(MediaInput, Vec<u8>), StorageError> {
    let head = match state
        .storage
        .get(Bucket::Masters, key, Some(RangeRequest::FromTo(0, 15)))
        .await
    {
        Ok(obj) => crate::storage::collect(obj.body, 64).await?,
        // An empty object has no byte 0 to range over.
        Err(StorageError::RangeNotSatisfiable { .. }) => Vec::new(),
        Err(e) => return Err(e),
    };
    if let Some(path) = state.storage.local_path(Bucket::Masters, key) {
        return Ok((MediaInput::Path(path), head));
    }
    let url = state
        .storage
        .presign_get(Bucket::Masters, key, None, URL_TTL)
        .await?;
    Ok((MediaInput::Url(url.url), head))
}

/// The encoder this process uses, chosen by a test encode the first time it is asked for
/// (the worker asks at start).
pub async fn encoder(state: &AppState) -> &Encoder {
    state
        .preview_encoder
        .get_or_init(|| async {
            let tools = crate::media::Tools::from_config(&state.config.preview);
            Encoder::select(&tools, &state.config.preview).await
        })
        .await
}
