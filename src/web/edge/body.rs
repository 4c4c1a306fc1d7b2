//! Response bodies of the edge: byte ranges of a local file (local storage or the disk cache),
//! and origin streams bounded by an idle timeout. Both count the bytes they send.

use actix_web::body::SizedStream;
use bytes::Bytes;
use futures_util::{Stream, StreamExt};
use prometheus::IntCounter;
use std::fs::File;
use std::io;
use std::sync::Arc;
use std::time::Duration;

/// Largest read per chunk. actix copies each chunk into its write buffer, so few large chunks
/// beat many small ones: a 1 MiB segment is read with one `read` and written in one go.
const CHUNK: u64 = 1 << 20;
/// Objects up to this size are read on the worker thread itself, as nginx does: the hot set
/// is in the page cache, and a hop to the blocking pool per chunk cost a fifth of the
/// throughput. Larger objects (progressive renditions) are read on the blocking pool, so a cold
/// disk never stalls the other connections of a worker.
pub const INLINE_OBJECT: u64 = 8 << 20;

type BoxedBody = SizedStream<std::pin::Pin<Box<dyn Stream<Item = io::Result<Bytes>>>>>;

/// A body of `len` bytes that is never read (HEAD): actix writes its Content-Length only.
pub fn empty(len: u64) -> BoxedBody {
    SizedStream::new(len, Box::pin(futures_util::stream::empty()))
}

/// `len` bytes of `file` from `offset`, read lazily as the client drains the connection.
pub fn file(file: File, offset: u64, len: u64, sent: IntCounter) -> BoxedBody {
    let inline = len <= INLINE_OBJECT;
    let state = (Arc::new(file), offset, len);
    let stream = futures_util::stream::unfold(state, move |(file, pos, left)| {
        let sent = sent.clone();
        async move {
            if left == 0 {
                return None;
            }
            let n = left.min(CHUNK);
            let read = if inline {
                read_exact_at(&file, pos, n)
            } else {
                let f = file.clone();
                tokio::task::spawn_blocking(move || read_exact_at(&f, pos, n))
                    .await
                    .unwrap_or_else(|e| Err(io::Error::other(e)))
            };
            Some(match read {
                Ok(buf) => {
                    sent.inc_by(n);
                    (Ok(buf), (file, pos + n, left - n))
                }
                // The error ends the body (actix drops the connection: the length was promised).
                Err(e) => (Err(e), (file, pos, 0)),
            })
        }
    });
    SizedStream::new(len, Box::pin(stream))
}

/// The whole of an object of `len` bytes at `offset` (kept in the memory tier afterwards).
pub async fn read_whole(file: File, offset: u64, len: u64) -> io::Result<Bytes> {
    if len <= INLINE_OBJECT {
        return read_exact_at(&file, offset, len);
    }
    tokio::task::spawn_blocking(move || read_exact_at(&file, offset, len))
        .await
        .unwrap_or_else(|e| Err(io::Error::other(e)))
}

fn read_exact_at(file: &File, pos: u64, n: u64) -> io::Result<Bytes> {
    use std::io::{Read, Seek, SeekFrom};
    // Seek and read (one reader per body at a time) so the buffer is never zeroed first:
    // read_to_end fills spare capacity directly.
    let mut f = file;
    f.seek(SeekFrom::Start(pos))?;
    let mut buf = Vec::with_capacity(n as usize);
    f.take(n).read_to_end(&mut buf)?;
    if buf.len() as u64 != n {
        // A file shrinking under us (writers rename whole files, so it should not) ends the body.
        return Err(io::ErrorKind::UnexpectedEof.into());
    }
    Ok(Bytes::from(buf))
}

/// An origin body of `len` bytes; a pause longer than `idle` between chunks ends it with an
/// error, so a stalled origin never holds a connection for ever.
pub fn origin(
    body: crate::storage::ByteStream,
    len: u64,
    idle: Duration,
    sent: IntCounter,
) -> BoxedBody {
    let stream = futures_util::stream::unfold(Some(body), move |body| {
        let sent = sent.clone();
        async move {
            let mut body = body?;
            match tokio::time::timeout(idle, body.next()).await {
                Ok(Some(Ok(chunk))) => {
                    sent.inc_by(chunk.len() as u64);
                    Some((Ok(chunk), Some(body)))
                }
                Ok(Some(Err(e))) => Some((Err(e), None)),
                Ok(None) => None,
                Err(_) => Some((
                    Err(io::Error::new(io::ErrorKind::TimedOut, "origin stalled")),
                    None,
                )),
            }
        }
    });
    SizedStream::new(len, Box::pin(stream))
}
