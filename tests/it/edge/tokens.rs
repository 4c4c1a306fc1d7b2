//! Property tests: random mutations of a valid token (bytes flipped, inserted, deleted;
//! key id swapped; expiry or prefix changed and re-encoded; signed by a foreign key with the
//! same id) never verify, neither in the signer nor through the edge.

use super::{SECRET_BYTES, SECRET_KEY, put, raw_get, signer_of, storage_of};
use crate::harness::{TestApp, new_key};
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD as B64;
use mm::config::{Config, Env, Role};
use mm::signing::Signer;
use proptest::prelude::*;
use proptest::strategy::ValueTree;
use proptest::test_runner::{Config as PtConfig, TestRunner};

const ALPHABET: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
const PREFIX: &str = "previews/asset-1/v1/";

#[derive(Clone, Debug)]
enum Mutation {
    /// Replace one character by another base64url character.
    Replace {
        at: usize,
        by: usize,
    },
    Insert {
        at: usize,
        ch: u8,
    },
    Delete {
        at: usize,
    },
    Truncate {
        keep: usize,
    },
    /// Re-encode with another key id, keeping the MAC.
    Kid(String),
    /// Re-encode with the expiry moved by a non-zero amount, keeping the MAC.
    Exp(i64),
    /// Re-encode with another prefix, keeping the MAC.
    Prefix(String),
    /// A proper MAC, but by a key this edge does not hold, under a known key id.
    ForeignKey,
}

fn mutation() -> impl Strategy<Value = Mutation> {
    prop_oneof![
        (any::<usize>(), 1usize..64).prop_map(|(at, by)| Mutation::Replace { at, by }),
        (any::<usize>(), 0x21u8..0x7f).prop_map(|(at, ch)| Mutation::Insert { at, ch }),
        any::<usize>().prop_map(|at| Mutation::Delete { at }),
        any::<usize>().prop_map(|keep| Mutation::Truncate { keep }),
        prop_oneof![
            Just("k2".to_string()),
            Just("K1".to_string()),
            Just("legacy".to_string()),
            "[a-z0-9]{1,8}".prop_map(String::from),
        ]
        .prop_map(Mutation::Kid),
        (-100_000i64..100_000)
            .prop_filter("moves", |d| *d != 0)
            .prop_map(Mutation::Exp),
        prop_oneof![
            Just("previews/".to_string()),
            Just("previews/secret/v1/".to_string()),
            Just("previews/asset-1/".to_string()),
            Just("previews/asset-1/v1/../../secret/v1/".to_string()),
            Just("previews/asset-1/v12/".to_string()),
            "previews/[a-z0-9/]{1,20}".prop_map(String::from),
        ]
        .prop_map(Mutation::Prefix),
        Just(Mutation::ForeignKey),
    ]
}

/// Splits a token into (kid, exp, prefix, tag) per the documented layout.
fn parts(token: &str) -> (String, u64, String, Vec<u8>) {
    let raw = B64.decode(token).unwrap();
    let k = raw[1] as usize;
    let kid = String::from_utf8(raw[2..2 + k].to_vec()).unwrap();
    let exp = u64::from_be_bytes(raw[2 + k..10 + k].try_into().unwrap());
    let prefix = String::from_utf8(raw[10 + k..raw.len() - 32].to_vec()).unwrap();
    (kid, exp, prefix, raw[raw.len() - 32..].to_vec())
}

fn assemble(kid: &str, exp: u64, prefix: &str, tag: &[u8]) -> String {
    let mut raw = vec![1u8, kid.len() as u8];
    raw.extend_from_slice(kid.as_bytes());
    raw.extend_from_slice(&exp.to_be_bytes());
    raw.extend_from_slice(prefix.as_bytes());
    raw.extend_from_slice(tag);
    B64.encode(raw)
}

fn apply(token: &str, m: &Mutation) -> String {
    let mut b = token.as_bytes().to_vec();
    let (kid, exp, prefix, tag) = parts(token);
    match m {
        Mutation::Replace { at, by } => {
            let i = at % b.len();
            let pos = ALPHABET.iter().position(|c| *c == b[i]).unwrap();
            b[i] = ALPHABET[(pos + by) % 64];
        }
        Mutation::Insert { at, ch } => b.insert(at % (b.len() + 1), *ch),
        Mutation::Delete { at } => {
            b.remove(at % b.len());
        }
        Mutation::Truncate { keep } => b.truncate(keep % b.len()),
        Mutation::Kid(k) => return assemble(k, exp, &prefix, &tag),
        Mutation::Exp(d) => return assemble(&kid, exp.saturating_add_signed(*d), &prefix, &tag),
        Mutation::Prefix(p) => return assemble(&kid, exp, p, &tag),
        Mutation::ForeignKey => {
            let foreign = signer(&format!("{kid}:{}", new_key()));
            return foreign.sign(&prefix, exp).unwrap();
        }
    }
    String::from_utf8_lossy(&b).into_owned()
}

fn signer(keys: &str) -> Signer {
    Signer::new(&Config::from_env(&Env::from_pairs([("MM_EDGE_KEYS", keys)])).edge_keys)
}

proptest! {
    #![proptest_config(PtConfig::with_cases(3000))]

    #[test]
    fn mutated_tokens_never_verify(m in mutation()) {
        let s = signer(&format!("k1:{},k0:{}", new_key(), new_key()));
        let exp = mm::signing::now() + 1_000_000;
        let token = s.sign(PREFIX, exp).unwrap();
        let bad = apply(&token, &m);
        prop_assume!(bad != token);
        // Well before any expiry, so only the signature or the structure can fail.
        let r = s.verify(&bad, exp - 500_000);
        prop_assert!(r.is_err(), "{m:?} verified: {r:?}");
    }
}

/// The same through the edge: every mutated URL is refused with 400 or 403 and a JSON body,
/// and the secret object outside the prefix never comes back.
#[tokio::test(flavor = "multi_thread")]
async fn mutated_urls_are_refused_by_the_edge() {
    let app = TestApp::spawn(Role::Edge).await;
    let storage = storage_of(&app).await;
    put(&storage, SECRET_KEY, SECRET_BYTES).await;
    put(&storage, &format!("{PREFIX}index.m3u8"), "#EXTM3U\n").await;
    let s = signer_of(&app);
    let token = s.sign(PREFIX, mm::signing::now() + 3600).unwrap();
    let ok = raw_get(&app, "GET", &format!("/s/{token}/{PREFIX}index.m3u8")).await;
    assert_eq!(ok.status, 200, "the unmutated URL works");

    let mut runner = TestRunner::new(PtConfig::with_cases(200));
    let strategy = mutation();
    let mut tried = 0;
    while tried < 200 {
        let m = strategy.new_tree(&mut runner).unwrap().current();
        let bad = apply(&token, &m);
        if bad == token {
            continue;
        }
        tried += 1;
        // Non-URL characters inserted by a mutation are sent percent-encoded, as a client would.
        let bad: String = bad
            .bytes()
            .map(|c| match c {
                b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => {
                    (c as char).to_string()
                }
                _ => format!("%{c:02X}"),
            })
            .collect();
        for object in [format!("{PREFIX}index.m3u8"), SECRET_KEY.to_string()] {
            let r = raw_get(&app, "GET", &format!("/s/{bad}/{object}")).await;
            assert!(
                r.status == 400 || r.status == 403,
                "{m:?} on {object}: {} {:?}",
                r.status,
                String::from_utf8_lossy(&r.body)
            );
            assert!(r.json()["code"].is_string(), "{m:?}: {:?}", r.body);
            assert!(
                !r.body
                    .windows(SECRET_BYTES.len())
                    .any(|w| w == SECRET_BYTES),
                "{m:?} leaked the secret"
            );
        }
    }
}
