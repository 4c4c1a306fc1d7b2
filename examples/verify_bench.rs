//! Micro-benchmark of what the edge does before touching storage: token verification (the
//! goal is well under 2 µs), the original form's verification, and path normalization.
//! Run by `bench/20-edge.sh` as `cargo run --release --example verify_bench`.

use mm::config::{Config, Env};
use mm::signing::{self, Signer};
use mm::web::edge::path::normalize;
use std::hint::black_box;
use std::time::Instant;

const N: u32 = 1_000_000;

fn per_op(label: &str, mut f: impl FnMut()) {
    for _ in 0..N / 100 {
        f();
    }
    let start = Instant::now();
    for _ in 0..N {
        f();
    }
    let ns = start.elapsed().as_nanos() as f64 / f64::from(N);
    println!("{label:<28} {ns:>8.0} ns/op  ({N} iterations)");
}

fn main() -> anyhow::Result<()> {
    let keys = format!(
        "k2:{},k1:{}",
        mm::commands::new_key()?,
        mm::commands::new_key()?
    );
    let config = Config::from_env(&Env::from_pairs([
        ("MM_EDGE_KEYS", keys),
        (
            "EDGE_SIGNING_KEY",
            "an-old-deployment-secret-of-32+chars!!".into(),
        ),
    ]));
    let signer = Signer::new(&config.edge_keys);
    let prefix =
        "previews/0192f0c4-5b6e-7c3d-9a1b-2c3d4e5f6a7b/0192f0c4-6c7d-7e8f-9a0b-1c2d3e4f5a6b/";
    let now = signing::now();
    let token = signer.sign(prefix, now + 3600)?;
    let object = format!("{prefix}720p/seg_00042.m4s");
    let legacy = signer.sign_legacy(&object, now + 3600)?;
    let (exp, sig) = legacy
        .strip_prefix("exp=")
        .and_then(|q| q.split_once("&sig="))
        .ok_or_else(|| anyhow::anyhow!("legacy query"))?;
    assert!(signer.verify(&token, now).is_ok());
    assert!(signer.verify_legacy(&object, exp, sig, now).is_ok());

    println!(
        "token: {} characters, prefix {} bytes",
        token.len(),
        prefix.len()
    );
    per_op("verify token", || {
        black_box(signer.verify(black_box(&token), now)).ok();
    });
    per_op("verify token + scope", || {
        let g = signer.verify(black_box(&token), now).ok();
        black_box(g.is_some_and(|g| g.allows(black_box(&object))));
    });
    per_op("verify original form", || {
        black_box(signer.verify_legacy(black_box(&object), exp, sig, now)).ok();
    });
    per_op("normalize object path", || {
        black_box(normalize(black_box(&object))).ok();
    });
    Ok(())
}
