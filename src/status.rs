//! The status vocabulary: what a version and a job record store (`VersionStatus`, `JobState`,
//! the `CHECK` lists of the migrations), and the ONE mapping from them to the four states people
//! see (`PublicState`) with their labels. The API, the event stream and the pages all send what
//! this file says; the page scripts keep no table of their own.

use diesel::deserialize::{self, FromSql, FromSqlRow};
use diesel::expression::AsExpression;
use diesel::pg::{Pg, PgValue};
use diesel::serialize::{self, Output, ToSql};
use diesel::sql_types::Text;
use serde::{Deserialize, Serialize};
use std::fmt;
use std::str::FromStr;

/// A stored value outside the vocabulary: refused, never guessed at.
#[derive(Debug, thiserror::Error)]
#[error("unknown {what} {value:?}")]
pub struct UnknownStatus {
    what: &'static str,
    value: String,
}

/// A closed set of stored words: `as_str`, `FromStr` refusing unknown words, serde and diesel
/// (`Text`) through the same words, and comparison with `&str` so call sites read as before.
macro_rules! vocabulary {
    ($(#[$meta:meta])* $name:ident, $what:literal { $($(#[$vmeta:meta])* $variant:ident = $word:literal),+ $(,)? }) => {
        $(#[$meta])*
        #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, AsExpression, FromSqlRow)]
        #[diesel(sql_type = Text)]
        pub enum $name {
            $($(#[$vmeta])* $variant),+
        }

        impl $name {
            /// Every value, in the order the library's filter lists them.
            pub const ALL: &'static [$name] = &[$($name::$variant),+];

            pub fn as_str(self) -> &'static str {
                match self {
                    $($name::$variant => $word),+
                }
            }
        }

        impl FromStr for $name {
            type Err = UnknownStatus;
            fn from_str(s: &str) -> Result<Self, UnknownStatus> {
                match s {
                    $($word => Ok($name::$variant),)+
                    _ => Err(UnknownStatus { what: $what, value: s.to_string() }),
                }
            }
        }

        impl utoipa::PartialSchema for $name {
            fn schema() -> utoipa::openapi::RefOr<utoipa::openapi::schema::Schema> {
                utoipa::openapi::schema::ObjectBuilder::new()
                    .schema_type(utoipa::openapi::schema::Type::String)
                    .enum_values(Some([$($word),+]))
                    .build()
                    .into()
            }
        }

        impl utoipa::ToSchema for $name {}

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(self.as_str())
            }
        }

        impl PartialEq<str> for $name {
            fn eq(&self, other: &str) -> bool {
                self.as_str() == other
            }
        }

        impl PartialEq<&str> for $name {
            fn eq(&self, other: &&str) -> bool {
                self.as_str() == *other
            }
        }

        impl Serialize for $name {
            fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
                s.serialize_str(self.as_str())
            }
        }

        impl<'de> Deserialize<'de> for $name {
            fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
                let s = <std::borrow::Cow<'de, str>>::deserialize(d)?;
                s.parse().map_err(serde::de::Error::custom)
            }
        }

        impl ToSql<Text, Pg> for $name {
            fn to_sql<'b>(&'b self, out: &mut Output<'b, '_, Pg>) -> serialize::Result {
                <str as ToSql<Text, Pg>>::to_sql(self.as_str(), out)
            }
        }

        impl FromSql<Text, Pg> for $name {
            fn from_sql(bytes: PgValue<'_>) -> deserialize::Result<Self> {
                let s = <String as FromSql<Text, Pg>>::from_sql(bytes)?;
                Ok(s.parse()?)
            }
        }
    };
}

vocabulary! {
    /// What a version (and its asset, which mirrors its current version) stores.
    VersionStatus, "version status" {
        /// The master is being copied from staging to the masters bucket.
        Promoting = "promoting",
        /// The master is safe; previews are next.
        Stored = "stored",
        Processing = "processing",
        Ready = "ready",
        Failed = "failed",
        ChecksumMismatch = "checksum_mismatch",
    }
}

vocabulary! {
    /// What a job record stores.
    JobState, "job state" {
        Queued = "queued",
        Running = "running",
        Succeeded = "succeeded",
        /// Failed for good after its attempts, or refused by the job itself.
        Failed = "failed",
        /// Given up on by the queue (a poisoned payload, a vanished worker too often).
        Dead = "dead",
        Cancelled = "cancelled",
    }
}

vocabulary! {
    /// The four states people see, on badges, in the API (`public_state`) and in events.
    PublicState, "public state" {
        Queued = "queued",
        Processing = "processing",
        Ready = "ready",
        Failed = "failed",
    }
}

impl PublicState {
    /// The words on a badge.
    pub fn label(self) -> &'static str {
        match self {
            PublicState::Queued => "Queued",
            PublicState::Processing => "Processing",
            PublicState::Ready => "Ready",
            PublicState::Failed => "Failed",
        }
    }
}

impl VersionStatus {
    /// The stored status as the library's status filter names it.
    pub fn filter_label(self) -> &'static str {
        match self {
            VersionStatus::Promoting => "Being stored",
            VersionStatus::Stored => "Queued",
            VersionStatus::Processing => "Processing",
            VersionStatus::Ready => "Ready",
            VersionStatus::Failed => "Failed",
            VersionStatus::ChecksumMismatch => "Checksum mismatch",
        }
    }

    /// What people see of a version (or its asset), given the state of its preview job when
    /// there is one: a stored master whose preview job runs is processing.
    pub fn public(self, preview_job: Option<JobState>) -> PublicState {
        match self {
            VersionStatus::Ready => PublicState::Ready,
            VersionStatus::Failed | VersionStatus::ChecksumMismatch => PublicState::Failed,
            VersionStatus::Processing => PublicState::Processing,
            VersionStatus::Promoting | VersionStatus::Stored => match preview_job {
                Some(JobState::Running) => PublicState::Processing,
                _ => PublicState::Queued,
            },
        }
    }
}

impl VersionStatus {
    /// Whether the version's preview plays: a ready one does, and a processing one does from
    /// the moment its preview job published an early rendition (`early`: the version's
    /// `playable_at` is set), a `source` packaged as it is or the first encoded segments.
    pub fn playable(self, early: bool) -> bool {
        match self {
            VersionStatus::Ready => true,
            VersionStatus::Processing => early,
            _ => false,
        }
    }
}

/// What a page says beside a preview that plays while it is still being made.
pub fn still_processing_label(progress: f32) -> String {
    format!(
        "Still processing ({:.0}%)",
        progress.clamp(0.0, 100.0).floor()
    )
}

impl JobState {
    /// What people see of the job itself.
    pub fn public(self) -> PublicState {
        match self {
            JobState::Queued => PublicState::Queued,
            JobState::Running => PublicState::Processing,
            JobState::Succeeded => PublicState::Ready,
            JobState::Failed | JobState::Dead | JobState::Cancelled => PublicState::Failed,
        }
    }

    /// The job's state in the jobs API's own words (`state` of `GET /api/jobs/{id}` and of job
    /// events): queued, running, ready, failed or cancelled. Kept beside `public_state` for the
    /// clients that read it.
    pub fn api_word(self) -> &'static str {
        match self {
            JobState::Queued => "queued",
            JobState::Running => "running",
            JobState::Succeeded => "ready",
            JobState::Cancelled => "cancelled",
            JobState::Failed | JobState::Dead => "failed",
        }
    }

    /// Waiting or running: the job is not finished.
    pub fn is_open(self) -> bool {
        matches!(self, JobState::Queued | JobState::Running)
    }
}

/// What a job's state means for its asset: a preview job's state is the asset's; a promotion
/// that finished only means the preview is next (queued), one that failed fails the asset;
/// other jobs (posters, clean-up) leave the asset as it is (`None`).
pub fn asset_state_of_job(kind: &str, state: JobState) -> Option<PublicState> {
    use crate::queue::Job;
    use crate::queue::jobs::preview::PREVIEW_KIND;
    use crate::queue::jobs::promote;
    if kind == PREVIEW_KIND {
        Some(state.public())
    } else if kind == <promote::Promote as Job>::KIND {
        Some(match state.public() {
            PublicState::Failed => PublicState::Failed,
            _ => PublicState::Queued,
        })
    } else {
        None
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_word_round_trips_through_serde_and_parse() {
        for v in VersionStatus::ALL {
            let json = serde_json::to_string(v).unwrap();
            assert_eq!(serde_json::from_str::<VersionStatus>(&json).unwrap(), *v);
            assert_eq!(v.as_str().parse::<VersionStatus>().unwrap(), *v);
        }
        for j in JobState::ALL {
            let json = serde_json::to_string(j).unwrap();
            assert_eq!(serde_json::from_str::<JobState>(&json).unwrap(), *j);
        }
    }

    #[test]
    fn unknown_words_are_refused() {
        assert!("done".parse::<VersionStatus>().is_err());
        assert!(serde_json::from_str::<JobState>("\"pending\"").is_err());
        assert!("Ready".parse::<VersionStatus>().is_err());
    }

    #[test]
    fn the_public_mapping() {
        use PublicState as P;
        assert_eq!(VersionStatus::Stored.public(None), P::Queued);
        assert_eq!(
            VersionStatus::Stored.public(Some(JobState::Running)),
            P::Processing
        );
        assert_eq!(VersionStatus::ChecksumMismatch.public(None), P::Failed);
        assert_eq!(JobState::Cancelled.public(), P::Failed);
        assert_eq!(JobState::Cancelled.api_word(), "cancelled");
        assert_eq!(JobState::Succeeded.public().label(), "Ready");
        assert_eq!(
            asset_state_of_job("promote", JobState::Succeeded),
            Some(P::Queued)
        );
        assert_eq!(asset_state_of_job("poster", JobState::Failed), None);
        assert!(VersionStatus::Ready.playable(false));
        assert!(VersionStatus::Processing.playable(true));
        assert!(!VersionStatus::Processing.playable(false));
        assert!(!VersionStatus::Failed.playable(true));
        assert_eq!(still_processing_label(41.7), "Still processing (41%)");
    }
}
