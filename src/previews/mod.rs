//! Previews of stored masters: where they live in the previews bucket, the disk-space check
//! before an encode, and publishing a rendered set to storage.

pub mod publish;
pub mod source;
pub mod space;
pub mod workdir;

use uuid::Uuid;

/// `previews/<asset-id>/<version-id>`: the prefix of one version's preview set, without a
/// trailing slash (the previews bucket is separate, the `previews/` segment keeps keys
/// self-describing and matches the edge's signed paths).
pub fn prefix(asset_id: Uuid, version_id: Uuid) -> String {
    format!("previews/{asset_id}/{version_id}")
}

/// The key of the master playlist under `prefix`: it exists only once the set is complete.
pub fn master_key(prefix: &str) -> String {
    format!(
        "{}/{}",
        prefix.trim_end_matches('/'),
        crate::media::pipeline::MASTER
    )
}
