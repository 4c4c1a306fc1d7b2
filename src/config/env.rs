//! Reading environment variables with keyed errors and the original deployment's aliases.

use std::collections::{BTreeSet, HashMap};
use std::fmt;
use std::str::FromStr;
use std::sync::{Arc, Mutex};

/// A snapshot of the environment. Built once in `main` from the process environment, or from a
/// map in tests, so that configuration never reads globals after start.
#[derive(Clone, Debug, Default)]
pub struct Env {
    vars: HashMap<String, String>,
    /// Every name looked up, so tests can prove a deployment declares only what mm reads.
    asked: Arc<Mutex<BTreeSet<String>>>,
}

/// One configuration problem, naming the variable it is about.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Problem {
    pub key: String,
    pub message: String,
}

impl fmt::Display for Problem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.key, self.message)
    }
}

impl Env {
    pub fn from_process() -> Self {
        Self {
            vars: std::env::vars().collect(),
            asked: Default::default(),
        }
    }

    pub fn from_pairs<K: Into<String>, V: Into<String>>(
        pairs: impl IntoIterator<Item = (K, V)>,
    ) -> Self {
        Self {
            vars: pairs
                .into_iter()
                .map(|(k, v)| (k.into(), v.into()))
                .collect(),
            asked: Default::default(),
        }
    }

    /// Every variable name configuration has looked up so far (canonical names and aliases).
    pub fn asked(&self) -> BTreeSet<String> {
        self.asked.lock().map(|a| a.clone()).unwrap_or_default()
    }

    /// The value of the first of `keys` that is set and not blank; the first key is the
    /// canonical name, the rest are aliases.
    pub fn var(&self, keys: &[&str]) -> Option<String> {
        if let Ok(mut asked) = self.asked.lock() {
            asked.extend(keys.iter().map(|k| k.to_string()));
        }
        keys.iter().find_map(|k| {
            self.vars
                .get(*k)
                .map(|v| v.trim().to_string())
                .filter(|v| !v.is_empty())
        })
    }

    /// Parses the first set key; on failure records a problem and returns `default`.
    pub fn parsed<T>(&self, keys: &[&str], default: T, problems: &mut Vec<Problem>) -> T
    where
        T: FromStr,
        T::Err: fmt::Display,
    {
        match self.var(keys) {
            None => default,
            Some(raw) => raw.parse().unwrap_or_else(|e| {
                problems.push(Problem {
                    key: self.key_used(keys),
                    message: format!("invalid value {raw:?}: {e}"),
                });
                default
            }),
        }
    }

    /// A boolean accepting 1/0, true/false, yes/no, on/off.
    pub fn flag(&self, keys: &[&str], default: bool, problems: &mut Vec<Problem>) -> bool {
        match self.var(keys).map(|v| v.to_ascii_lowercase()) {
            None => default,
            Some(v) => match v.as_str() {
                "1" | "true" | "yes" | "on" => true,
                "0" | "false" | "no" | "off" => false,
                _ => {
                    problems.push(Problem {
                        key: self.key_used(keys),
                        message: format!("invalid value {v:?}: expected true or false"),
                    });
                    default
                }
            },
        }
    }

    /// The name actually set among `keys`, for messages; the canonical name when none is.
    pub fn key_used(&self, keys: &[&str]) -> String {
        keys.iter()
            .find(|k| self.vars.get(**k).is_some_and(|v| !v.trim().is_empty()))
            .unwrap_or(&keys[0])
            .to_string()
    }
}

/// Parses durations like `90`, `90s`, `15m`, `24h`, `30d` into seconds.
pub fn parse_duration_secs(raw: &str) -> Result<u64, String> {
    let raw = raw.trim();
    let (num, mult) = match raw.char_indices().last() {
        Some((i, 's')) => (&raw[..i], 1),
        Some((i, 'm')) => (&raw[..i], 60),
        Some((i, 'h')) => (&raw[..i], 3600),
        Some((i, 'd')) => (&raw[..i], 86_400),
        _ => (raw, 1),
    };
    let n: u64 = num
        .trim()
        .parse()
        .map_err(|_| format!("{raw:?} is not a duration like 90s, 15m, 24h or 30d"))?;
    n.checked_mul(mult)
        .ok_or_else(|| format!("{raw:?} is too large"))
}

/// A duration in seconds read from the environment (`30`, `15m`, `24h`, `7d`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Secs(pub u64);

impl FromStr for Secs {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        parse_duration_secs(s).map(Secs)
    }
}

/// A byte size: `1048576`, `64MiB`, `5GiB`, `2G`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ByteSize(pub u64);

impl FromStr for ByteSize {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let s = s.trim();
        let split = s.find(|c: char| !c.is_ascii_digit()).unwrap_or(s.len());
        let (num, unit) = s.split_at(split);
        let n: u64 = num
            .parse()
            .map_err(|_| format!("{s:?} is not a size like 64MiB"))?;
        let mult: u64 = match unit.trim().to_ascii_lowercase().as_str() {
            "" | "b" => 1,
            "k" | "kb" | "kib" => 1 << 10,
            "m" | "mb" | "mib" => 1 << 20,
            "g" | "gb" | "gib" => 1 << 30,
            "t" | "tb" | "tib" => 1 << 40,
            other => return Err(format!("unknown size unit {other:?}")),
        };
        n.checked_mul(mult)
            .map(ByteSize)
            .ok_or_else(|| format!("{s:?} is too large"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn aliases_fall_back_in_order() {
        let env = Env::from_pairs([("POSTGRES_URL", "postgres://a"), ("X", " ")]);
        assert_eq!(
            env.var(&["DATABASE_URL", "POSTGRES_URL"]).as_deref(),
            Some("postgres://a")
        );
        assert_eq!(
            env.key_used(&["DATABASE_URL", "POSTGRES_URL"]),
            "POSTGRES_URL"
        );
        assert_eq!(env.var(&["X"]), None, "blank counts as unset");
    }

    #[test]
    fn durations_and_sizes_parse() {
        assert_eq!(parse_duration_secs("24h"), Ok(86_400));
        assert_eq!(parse_duration_secs("90"), Ok(90));
        assert!(parse_duration_secs("soon").is_err());
        assert_eq!("64MiB".parse::<ByteSize>(), Ok(ByteSize(64 << 20)));
        assert!("12 parsecs".parse::<ByteSize>().is_err());
    }

    #[test]
    fn bad_values_become_problems() {
        let env = Env::from_pairs([("PORT", "eighty")]);
        let mut problems = vec![];
        let port: u16 = env.parsed(&["PORT"], 8080, &mut problems);
        assert_eq!(port, 8080);
        assert_eq!(problems.len(), 1);
        assert_eq!(problems[0].key, "PORT");
    }
}
