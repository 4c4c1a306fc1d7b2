//! Static page assets: a manifest of content hashes computed at start, fingerprinted URLs for
//! templates (`/static/app.js?v=<hash>`), and `/static/*` served with ETags and cache lifetimes
//! that match the URL (immutable when fingerprinted, revalidated otherwise).

use crate::config::{Config, VENDOR_FILES, vendor_file};
use actix_files::NamedFile;
use actix_web::http::header::{self, HeaderValue};
use actix_web::{HttpRequest, HttpResponse, web};
use anyhow::Context;
use std::collections::HashMap;
use std::path::{Path, PathBuf};

/// Served files by URL name (relative to `/static/`), each with the hash of its bytes.
#[derive(Debug, Default)]
pub struct StaticAssets {
    files: HashMap<String, Entry>,
}

#[derive(Debug)]
struct Entry {
    path: PathBuf,
    hash: String,
}

impl StaticAssets {
    /// Hashes every file under the static dir and the vendored npm files. A missing vendor file
    /// is a warning, not a failure: pages still render and the player falls back to native HLS.
    pub fn load(config: &Config) -> anyhow::Result<Self> {
        let mut assets = Self::default();
        assets
            .add_tree(&config.static_dir, "")
            .with_context(|| format!("reading MM_STATIC_DIR {}", config.static_dir.display()))?;
        for &file in VENDOR_FILES {
            let (name, _) = file;
            let path = vendor_file(&config.web.vendor_dir, file)
                .unwrap_or_else(|| config.web.vendor_dir.join(name));
            match hash_file(&path) {
                Ok(hash) => {
                    assets
                        .files
                        .insert(format!("vendor/{name}"), Entry { path, hash });
                }
                Err(e) => tracing::warn!(
                    file = %path.display(),
                    error = %e,
                    "vendored front-end file missing (run `npm ci`, or set MM_VENDOR_DIR)"
                ),
            }
        }
        Ok(assets)
    }

    fn add_tree(&mut self, dir: &Path, prefix: &str) -> anyhow::Result<()> {
        for entry in std::fs::read_dir(dir)? {
            let entry = entry?;
            let name = entry.file_name().to_string_lossy().into_owned();
            // Dotfiles and editor leftovers are never published.
            if name.starts_with('.') || name.ends_with('~') {
                continue;
            }
            let path = entry.path();
            let url_name = format!("{prefix}{name}");
            if entry.file_type()?.is_dir() {
                self.add_tree(&path, &format!("{url_name}/"))?;
            } else {
                let hash = hash_file(&path).with_context(|| path.display().to_string())?;
                self.files.insert(url_name, Entry { path, hash });
            }
        }
        Ok(())
    }

    /// The fingerprinted URL of `name`; a name that is not published gets its plain URL (which
    /// answers 404), so a typo in a template shows in the browser's network panel.
    pub fn url(&self, name: &str) -> String {
        match self.files.get(name) {
            Some(e) => format!("/static/{name}?v={}", e.hash),
            None => {
                tracing::warn!(name, "template refers to a static file that does not exist");
                format!("/static/{name}")
            }
        }
    }

    pub fn is_empty(&self) -> bool {
        self.files.is_empty()
    }

    pub fn contains(&self, name: &str) -> bool {
        self.files.contains_key(name)
    }
}

fn hash_file(path: &Path) -> std::io::Result<String> {
    let bytes = std::fs::read(path)?;
    let digest = ring::digest::digest(&ring::digest::SHA256, &bytes);
    Ok(hex::encode(&digest.as_ref()[..8]))
}

#[derive(serde::Deserialize)]
pub struct Version {
    v: Option<String>,
}

/// `GET /static/{name}`: only names in the manifest, so nothing outside the two directories is
/// reachable whatever the path holds.
pub async fn serve(
    req: HttpRequest,
    name: web::Path<String>,
    version: web::Query<Version>,
    assets: web::Data<StaticAssets>,
) -> HttpResponse {
    let Some(entry) = assets.files.get(name.as_str()) else {
        return super::not_found(req).await;
    };
    let path = entry.path.clone();
    let opened = web::block(move || NamedFile::open(path))
        .await
        .map_err(std::io::Error::other)
        .and_then(|r| r);
    let file = match opened {
        Ok(f) => f.use_etag(true).use_last_modified(true).prefer_utf8(true),
        Err(e) => {
            tracing::error!(file = %entry.path.display(), error = %e, "static file unreadable");
            return HttpResponse::NotFound().finish();
        }
    };
    let mut res = file.into_response(&req);
    // A URL carrying the current hash names these exact bytes forever; any other URL of the
    // same file must be revalidated (cheaply, by ETag) so a deploy is seen at once.
    let cache = if version.v.as_deref() == Some(entry.hash.as_str()) {
        "public, max-age=31536000, immutable"
    } else {
        "no-cache"
    };
    res.headers_mut()
        .insert(header::CACHE_CONTROL, HeaderValue::from_static(cache));
    res
}

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.route("/static/{name:.*}", web::get().to(serve))
        .route("/static/{name:.*}", web::head().to(serve));
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::Env;

    #[test]
    fn urls_carry_the_hash_of_the_bytes_and_change_with_them() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::create_dir(dir.path().join("js")).unwrap();
        std::fs::write(dir.path().join("js/a.js"), "one").unwrap();
        std::fs::write(dir.path().join(".hidden"), "x").unwrap();
        let env = Env::from_pairs([
            ("MM_STATIC_DIR", dir.path().to_str().unwrap()),
            ("MM_VENDOR_DIR", "/nonexistent"),
        ]);
        let config = Config::from_env(&env);
        let first = StaticAssets::load(&config).unwrap();
        let url = first.url("js/a.js");
        assert!(url.starts_with("/static/js/a.js?v="), "{url}");
        assert!(!first.contains(".hidden"));
        assert!(!first.contains("vendor/hls.min.js"));
        std::fs::write(dir.path().join("js/a.js"), "two").unwrap();
        let second = StaticAssets::load(&config).unwrap();
        assert_ne!(url, second.url("js/a.js"));
    }
}
