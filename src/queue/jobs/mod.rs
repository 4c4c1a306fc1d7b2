//! Every job kind this build runs: one file per kind, one line each in `HANDLERS`.

mod assemble;
pub mod audio_mapping;
pub mod chunk;
pub mod poster;
pub mod preview;
pub mod promote;
pub mod proxy;
mod ready;
pub mod remove_files;
pub mod webhook;

use super::Handler;

/// The dispatch table. Adding a kind is one line here; a kind missing from it is left queued
/// for a build that has it.
pub static HANDLERS: &[Handler] = &[
    Handler::of::<promote::Promote>(),
    Handler::of::<preview::Preview>(),
    Handler::of::<chunk::Chunk>(),
    Handler::of::<poster::Poster>(),
    Handler::of::<audio_mapping::AudioRemap>(),
    Handler::of::<proxy::ProxyMp4>(),
    Handler::of::<remove_files::RemoveAssetFiles>(),
    Handler::of::<webhook::WebhookDelivery>(),
];
