//! Previews of stored masters: where they live in the previews bucket, the disk-space check
//! before an encode, and publishing a rendered set to storage.

pub mod progressive;
pub mod publish;
pub mod source;
pub mod space;
pub mod workdir;

use uuid::Uuid;

/// `previews/<asset-id>/<version-id>`: the prefix of one version's preview set, without a
/// trailing slash (`storage::PreviewKey` builds it).
pub fn prefix(asset_id: Uuid, version_id: Uuid) -> String {
    crate::storage::PreviewKey::new(asset_id, version_id).prefix()
}

/// The key of the master playlist under `prefix`: it exists only once the set is complete.
pub fn master_key(prefix: &str) -> String {
    format!(
        "{}/{}",
        prefix.trim_end_matches('/'),
        crate::media::pipeline::MASTER
    )
}
