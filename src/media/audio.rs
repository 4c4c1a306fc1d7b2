//! Which of a master's audio tracks make the preview's stereo: the default for the layouts
//! studios deliver (discrete mono tracks, a 5.1 in six mono tracks, a stereo pair first), a
//! chosen mapping's checks, and the filters that build it.

use super::probe::AudioInfo;
use serde::{Deserialize, Serialize};
use std::fmt;
use std::str::FromStr;

/// How the preview's stereo is made. Track numbers are 1-based, as editors count them.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub enum AudioMapping {
    /// One track; a mono one is on both sides, a multichannel one folded down to stereo.
    Track(u32),
    /// Two tracks as left and right (their first channels).
    Pair(u32, u32),
    /// Six mono tracks from this one, in film order L R C LFE Ls Rs, folded down as 5.1 is.
    Surround(u32),
}

impl AudioMapping {
    /// The mapping a master gets until someone chooses another.
    pub fn default_for(audio: &[AudioInfo]) -> Option<Self> {
        let first = audio.first()?;
        let mono = |i: usize| audio.get(i).is_some_and(|a| a.channels == 1);
        Some(if audio.len() == 6 && (0..6).all(mono) {
            AudioMapping::Surround(first.track)
        } else if mono(0) && mono(1) {
            AudioMapping::Pair(first.track, audio[1].track)
        } else {
            AudioMapping::Track(first.track)
        })
    }

    /// The tracks used, in order.
    pub fn tracks(&self) -> Vec<u32> {
        match *self {
            AudioMapping::Track(t) => vec![t],
            AudioMapping::Pair(l, r) => vec![l, r],
            AudioMapping::Surround(f) => (f..f.saturating_add(6)).collect(),
        }
    }

    /// Refuses a mapping naming a track the master does not have, or a 5.1 fold-down of
    /// anything but six mono tracks.
    pub fn check(&self, audio: &[AudioInfo]) -> Result<(), String> {
        for t in self.tracks() {
            let Some(a) = audio.iter().find(|a| a.track == t) else {
                return Err(format!(
                    "The master has no audio track {t} (it has {}).",
                    audio.len()
                ));
            };
            if matches!(self, AudioMapping::Surround(_)) && a.channels != 1 {
                return Err(format!(
                    "A 5.1 fold-down takes six mono tracks; track {t} has {} channels.",
                    a.channels
                ));
            }
        }
        Ok(())
    }

    /// Filter lines ending in `[{label}]` building this mapping from input `input`'s tracks.
    pub fn graph(&self, input: usize, label: &str) -> String {
        let pads: String = self
            .tracks()
            .iter()
            .map(|t| format!("[{input}:a:{}]", t.saturating_sub(1)))
            .collect();
        match self {
            AudioMapping::Track(_) => format!("{pads}anull[{label}]"),
            AudioMapping::Pair(..) => {
                format!("{pads}join=inputs=2:channel_layout=stereo:map=0.0-FL|1.0-FR[{label}]")
            }
            AudioMapping::Surround(_) => format!(
                "{pads}join=inputs=6:channel_layout=5.1:\
                 map=0.0-FL|1.0-FR|2.0-FC|3.0-LFE|4.0-BL|5.0-BR[{label}]"
            ),
        }
    }

    /// Words for the asset page.
    pub fn describe(&self) -> String {
        match self {
            AudioMapping::Track(t) => format!("Track {t}"),
            AudioMapping::Pair(l, r) => format!("Tracks {l} (left) and {r} (right)"),
            AudioMapping::Surround(f) => format!("Tracks {f}–{} as 5.1, folded to stereo", f + 5),
        }
    }
}

impl fmt::Display for AudioMapping {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            AudioMapping::Track(t) => write!(f, "track:{t}"),
            AudioMapping::Pair(l, r) => write!(f, "pair:{l},{r}"),
            AudioMapping::Surround(s) => write!(f, "5.1:{s}"),
        }
    }
}

impl FromStr for AudioMapping {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        let bad = || format!("{s:?} is not track:N, pair:L,R or 5.1:N");
        let n = |x: &str| {
            x.trim()
                .parse::<u32>()
                .ok()
                .filter(|n| (1..=64).contains(n))
                .ok_or_else(bad)
        };
        let (kind, rest) = s.split_once(':').ok_or_else(bad)?;
        match kind {
            "track" => Ok(AudioMapping::Track(n(rest)?)),
            "pair" => {
                let (l, r) = rest.split_once(',').ok_or_else(bad)?;
                let (l, r) = (n(l)?, n(r)?);
                if l == r {
                    return Err("A pair takes two different tracks.".into());
                }
                Ok(AudioMapping::Pair(l, r))
            }
            "5.1" => Ok(AudioMapping::Surround(n(rest)?)),
            _ => Err(bad()),
        }
    }
}

impl TryFrom<String> for AudioMapping {
    type Error = String;
    fn try_from(s: String) -> Result<Self, String> {
        s.parse()
    }
}

impl From<AudioMapping> for String {
    fn from(m: AudioMapping) -> String {
        m.to_string()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tracks(channels: &[u32]) -> Vec<AudioInfo> {
        channels
            .iter()
            .enumerate()
            .map(|(i, c)| AudioInfo {
                track: i as u32 + 1,
                codec: "pcm_s24le".into(),
                channels: *c,
                channel_layout: None,
                sample_rate: 48000,
            })
            .collect()
    }

    #[test]
    fn defaults_follow_studio_layouts() {
        let d = |c: &[u32]| AudioMapping::default_for(&tracks(c));
        assert_eq!(d(&[1; 8]), Some(AudioMapping::Pair(1, 2)));
        assert_eq!(d(&[1; 6]), Some(AudioMapping::Surround(1)));
        assert_eq!(d(&[2, 1, 1]), Some(AudioMapping::Track(1)));
        assert_eq!(d(&[1]), Some(AudioMapping::Track(1)));
        assert_eq!(d(&[6]), Some(AudioMapping::Track(1)));
        assert_eq!(d(&[]), None);
    }

    #[test]
    fn mappings_parse_print_and_check() {
        for s in ["track:3", "pair:1,2", "5.1:3"] {
            assert_eq!(s.parse::<AudioMapping>().unwrap().to_string(), s);
        }
        for s in [
            "", "track:0", "pair:1", "pair:2,2", "7.1:1", "track:x", "track:99",
        ] {
            assert!(s.parse::<AudioMapping>().is_err(), "{s}");
        }
        let eight = tracks(&[1; 8]);
        assert!(AudioMapping::Pair(3, 8).check(&eight).is_ok());
        assert!(AudioMapping::Track(9).check(&eight).is_err());
        assert!(AudioMapping::Surround(4).check(&eight).is_err());
        assert!(AudioMapping::Surround(1).check(&tracks(&[2; 6])).is_err());
    }
}
