//! Page settings: where the front-end packages fetched by npm are served from, and the upload
//! defaults the upload page hands to its script.

use super::{Env, Problem};
use std::path::{Path, PathBuf};

/// The vendored front-end files mm serves under `/static/vendor/`: each URL name with its path
/// inside `node_modules`, from the npm package `npm ci` installs (pinned by package-lock.json),
/// never from a copy kept in git. The container image copies them to `static/vendor/` under
/// their URL names. The SHA-256 worker imports `sha2.js`, which imports the other three.
pub const VENDOR_FILES: &[(&str, &str)] = &[
    ("hls.min.js", "hls.js/dist/hls.min.js"),
    ("hls.worker.js", "hls.js/dist/hls.worker.js"),
    ("noble-hashes/sha2.js", "@noble/hashes/sha2.js"),
    ("noble-hashes/_md.js", "@noble/hashes/_md.js"),
    ("noble-hashes/_u64.js", "@noble/hashes/_u64.js"),
    ("noble-hashes/utils.js", "@noble/hashes/utils.js"),
    // The API reference at /api/docs, booted by static/js/api-docs.js.
    (
        "swagger-ui/swagger-ui-bundle.js",
        "swagger-ui-dist/swagger-ui-bundle.js",
    ),
    (
        "swagger-ui/swagger-ui.css",
        "swagger-ui-dist/swagger-ui.css",
    ),
];

/// Where a vendored file is in `dir`: under its URL name (the image's `static/vendor/`), else
/// under its `node_modules` path (a checkout after `npm ci`). `None` when it is in neither.
pub fn vendor_file(dir: &Path, (url_name, npm_path): (&str, &str)) -> Option<PathBuf> {
    [dir.join(url_name), dir.join(npm_path)]
        .into_iter()
        .find(|p| p.is_file())
}

#[derive(Clone, Debug)]
pub struct WebConfig {
    /// `MM_VENDOR_DIR`: the directory holding the [`VENDOR_FILES`], by URL name or laid out as
    /// `node_modules`. Default: the static dir's `vendor/` when it has them (the container
    /// image), else `./node_modules` (a checkout after `npm ci`), else the source tree's.
    pub vendor_dir: PathBuf,
    /// `MM_UPLOAD_PARALLEL_PARTS`, default 4: parts a browser sends at once per file.
    pub upload_parallel_parts: u32,
}

impl WebConfig {
    pub fn from_env(env: &Env, static_dir: &Path, p: &mut Vec<Problem>) -> Self {
        let vendor_dir = env
            .var(&["MM_VENDOR_DIR"])
            .map(PathBuf::from)
            .unwrap_or_else(|| default_vendor_dir(static_dir));
        let upload_parallel_parts = env.parsed(&["MM_UPLOAD_PARALLEL_PARTS"], 4u32, p);
        if !(1..=16).contains(&upload_parallel_parts) {
            p.push(Problem {
                key: "MM_UPLOAD_PARALLEL_PARTS".into(),
                message: format!("{upload_parallel_parts} is not between 1 and 16"),
            });
        }
        WebConfig {
            vendor_dir,
            upload_parallel_parts: upload_parallel_parts.clamp(1, 16),
        }
    }
}

fn default_vendor_dir(static_dir: &Path) -> PathBuf {
    let has_files = |dir: &Path| VENDOR_FILES.iter().all(|f| vendor_file(dir, *f).is_some());
    let candidates = [
        static_dir.join("vendor"),
        PathBuf::from("node_modules"),
        concat!(env!("CARGO_MANIFEST_DIR"), "/node_modules").into(),
    ];
    candidates
        .iter()
        .find(|d| has_files(d))
        .cloned()
        .unwrap_or_else(|| candidates[1].clone())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parallel_parts_outside_the_range_is_a_problem() {
        let mut p = Vec::new();
        let env = Env::from_pairs([("MM_UPLOAD_PARALLEL_PARTS", "0")]);
        let web = WebConfig::from_env(&env, Path::new("static"), &mut p);
        assert_eq!(p[0].key, "MM_UPLOAD_PARALLEL_PARTS");
        assert_eq!(web.upload_parallel_parts, 1);
    }

    #[test]
    fn vendor_dir_is_taken_as_given() {
        let mut p = Vec::new();
        let env = Env::from_pairs([("MM_VENDOR_DIR", "/opt/vendor")]);
        let web = WebConfig::from_env(&env, Path::new("static"), &mut p);
        assert!(p.is_empty());
        assert_eq!(web.vendor_dir, PathBuf::from("/opt/vendor"));
    }
}
