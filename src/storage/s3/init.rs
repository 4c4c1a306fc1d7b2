//! Bucket set-up for `mm storage init` (create when missing; CORS for browser uploads;
//! lifecycle rules that abort stale multipart uploads and expire staging; versioning and
//! Object Lock on masters where the provider has them), and the CORS check `mm check` runs.

use super::{Access, S3Storage, Target, errors};
use crate::config::Config;
use crate::storage::Bucket;
use aws_sdk_s3::types::{
    AbortIncompleteMultipartUpload, BucketLifecycleConfiguration, BucketLocationConstraint,
    BucketVersioningStatus, CorsConfiguration, CorsRule, CreateBucketConfiguration,
    ExpirationStatus, LifecycleExpiration, LifecycleRule, LifecycleRuleFilter,
    NoncurrentVersionExpiration, ObjectLockConfiguration, ObjectLockEnabled,
    VersioningConfiguration,
};
use std::time::Duration;

/// Rule ids mm owns; rules with other ids are kept as they are.
const CORS_RULE_ID: &str = "mm-browser-access";
const LIFECYCLE_PREFIX: &str = "mm-";
const ABORT_MULTIPART_DAYS: i32 = 3;
const STAGING_EXPIRY_DAYS: i32 = 7;

/// The origins browsers use mm from: `ALLOWED_ORIGINS` and the origin of `MM_PUBLIC_URL`.
pub fn browser_origins(config: &Config) -> Vec<String> {
    let mut origins = config.allowed_origins.clone();
    if let Ok(u) = url::Url::parse(&config.public_url) {
        let o = u.origin().ascii_serialization();
        if o != "null" && !origins.contains(&o) {
            origins.push(o);
        }
    }
    origins
}

fn detail(e: impl std::error::Error) -> String {
    aws_sdk_s3::error::DisplayErrorContext(e).to_string()
}

/// Sets up the three buckets; returns one line per step. Steps a provider does not support
/// (Object Lock, say) are reported, not fatal.
pub async fn init(config: &Config) -> anyhow::Result<Vec<String>> {
    let s3 = S3Storage::new(&config.storage.s3, Access::Full)?;
    let origins = browser_origins(config);
    let mut lines = Vec::new();
    for bucket in Bucket::ALL {
        let t = s3.target(bucket)?;
        let label = format!("{} bucket {}", bucket.as_str(), t.name);
        let locked_at_birth =
            ensure_bucket(t, bucket, &config.storage.s3.region, &label, &mut lines).await?;
        set_cors(t, &origins)
            .await
            .map_err(|e| anyhow::anyhow!("{label}: setting CORS: {e}"))?;
        lines.push(format!(
            "{label}: CORS lets {} PUT, GET and HEAD, exposing ETag",
            if origins.is_empty() {
                "no origin".to_string()
            } else {
                origins.join(", ")
            }
        ));
        set_lifecycle(t, bucket)
            .await
            .map_err(|e| anyhow::anyhow!("{label}: setting lifecycle rules: {e}"))?;
        lines.push(format!(
            "{label}: lifecycle aborts multipart uploads idle {ABORT_MULTIPART_DAYS} days{}",
            if bucket == Bucket::Staging {
                format!(", expires objects after {STAGING_EXPIRY_DAYS} days")
            } else {
                String::new()
            }
        ));
        if bucket == Bucket::Masters {
            masters_protection(t, &label, locked_at_birth, &mut lines).await?;
        }
    }
    Ok(lines)
}

/// Creates the bucket when missing (masters with Object Lock when the provider allows it).
/// Returns whether it was created with Object Lock.
async fn ensure_bucket(
    t: &Target,
    bucket: Bucket,
    region: &str,
    label: &str,
    lines: &mut Vec<String>,
) -> anyhow::Result<bool> {
    match t.client.head_bucket().bucket(&t.name).send().await {
        Ok(_) => {
            lines.push(format!("{label}: exists"));
            return Ok(false);
        }
        Err(e) => match errors::map(e, &t.name) {
            crate::storage::StorageError::NotFound(_) => {}
            other => anyhow::bail!("{label}: {other}"),
        },
    }
    let create = |lock: bool| {
        let mut req = t.client.create_bucket().bucket(&t.name);
        if region != "us-east-1" {
            req = req.create_bucket_configuration(
                CreateBucketConfiguration::builder()
                    .location_constraint(BucketLocationConstraint::from(region))
                    .build(),
            );
        }
        if lock {
            req = req.object_lock_enabled_for_bucket(true);
        }
        req.send()
    };
    if bucket == Bucket::Masters {
        match create(true).await {
            Ok(_) => {
                lines.push(format!("{label}: created with Object Lock"));
                return Ok(true);
            }
            Err(e) => lines.push(format!(
                "{label}: the provider refused a bucket with Object Lock ({}); creating it without",
                detail(e)
            )),
        }
    }
    match create(false).await {
        Ok(_) => lines.push(format!("{label}: created")),
        Err(e) if errors::code(&e) == Some("BucketAlreadyOwnedByYou") => {
            lines.push(format!("{label}: exists"))
        }
        Err(e) => anyhow::bail!("{label}: creating the bucket: {}", detail(e)),
    }
    Ok(false)
}

async fn set_cors(t: &Target, origins: &[String]) -> anyhow::Result<()> {
    let mut rules: Vec<CorsRule> = match t.client.get_bucket_cors().bucket(&t.name).send().await {
        Ok(out) => out.cors_rules().to_vec(),
        Err(e) if errors::code(&e) == Some("NoSuchCORSConfiguration") => Vec::new(),
        Err(e) => anyhow::bail!("{}", detail(e)),
    };
    rules.retain(|r| r.id() != Some(CORS_RULE_ID));
    if !origins.is_empty() {
        rules.push(
            CorsRule::builder()
                .id(CORS_RULE_ID)
                .set_allowed_origins(Some(origins.to_vec()))
                .set_allowed_methods(Some(vec!["PUT".into(), "GET".into(), "HEAD".into()]))
                .allowed_headers("*")
                .expose_headers("ETag")
                .max_age_seconds(3600)
                .build()?,
        );
    }
    if rules.is_empty() {
        t.client
            .delete_bucket_cors()
            .bucket(&t.name)
            .send()
            .await
            .map_err(|e| anyhow::anyhow!("{}", detail(e)))?;
        return Ok(());
    }
    t.client
        .put_bucket_cors()
        .bucket(&t.name)
        .cors_configuration(
            CorsConfiguration::builder()
                .set_cors_rules(Some(rules))
                .build()?,
        )
        .send()
        .await
        .map_err(|e| anyhow::anyhow!("{}", detail(e)))?;
    Ok(())
}

async fn set_lifecycle(t: &Target, bucket: Bucket) -> anyhow::Result<()> {
    let mut rules: Vec<LifecycleRule> = match t
        .client
        .get_bucket_lifecycle_configuration()
        .bucket(&t.name)
        .send()
        .await
    {
        Ok(out) => out.rules().to_vec(),
        Err(e) if errors::code(&e) == Some("NoSuchLifecycleConfiguration") => Vec::new(),
        Err(e) => anyhow::bail!("{}", detail(e)),
    };
    rules.retain(|r| !r.id().is_some_and(|id| id.starts_with(LIFECYCLE_PREFIX)));
    let everything = || LifecycleRuleFilter::builder().prefix("").build();
    rules.push(
        LifecycleRule::builder()
            .id("mm-abort-incomplete-multipart")
            .status(ExpirationStatus::Enabled)
            .filter(everything())
            .abort_incomplete_multipart_upload(
                AbortIncompleteMultipartUpload::builder()
                    .days_after_initiation(ABORT_MULTIPART_DAYS)
                    .build(),
            )
            .build()?,
    );
    if bucket == Bucket::Staging {
        rules.push(
            LifecycleRule::builder()
                .id("mm-expire-staging")
                .status(ExpirationStatus::Enabled)
                .filter(everything())
                .expiration(
                    LifecycleExpiration::builder()
                        .days(STAGING_EXPIRY_DAYS)
                        .build(),
                )
                .noncurrent_version_expiration(
                    NoncurrentVersionExpiration::builder()
                        .noncurrent_days(1)
                        .build(),
                )
                .build()?,
        );
    }
    t.client
        .put_bucket_lifecycle_configuration()
        .bucket(&t.name)
        .lifecycle_configuration(
            BucketLifecycleConfiguration::builder()
                .set_rules(Some(rules))
                .build()?,
        )
        .send()
        .await
        .map_err(|e| anyhow::anyhow!("{}", detail(e)))?;
    Ok(())
}

/// Versioning, then Object Lock, on masters: a provider without Object Lock gets a warning
/// line, since retention then rests on mm alone.
async fn masters_protection(
    t: &Target,
    label: &str,
    locked_at_birth: bool,
    lines: &mut Vec<String>,
) -> anyhow::Result<()> {
    t.client
        .put_bucket_versioning()
        .bucket(&t.name)
        .versioning_configuration(
            VersioningConfiguration::builder()
                .status(BucketVersioningStatus::Enabled)
                .build(),
        )
        .send()
        .await
        .map_err(|e| anyhow::anyhow!("{label}: enabling versioning: {}", detail(e)))?;
    lines.push(format!("{label}: versioning enabled"));
    if locked_at_birth {
        return Ok(());
    }
    let enabled = match t
        .client
        .get_object_lock_configuration()
        .bucket(&t.name)
        .send()
        .await
    {
        Ok(out) => {
            out.object_lock_configuration()
                .and_then(|c| c.object_lock_enabled())
                == Some(&ObjectLockEnabled::Enabled)
        }
        Err(_) => false,
    };
    if enabled {
        lines.push(format!("{label}: Object Lock enabled"));
        return Ok(());
    }
    let put = t
        .client
        .put_object_lock_configuration()
        .bucket(&t.name)
        .object_lock_configuration(
            ObjectLockConfiguration::builder()
                .object_lock_enabled(ObjectLockEnabled::Enabled)
                .build(),
        )
        .send()
        .await;
    match put {
        Ok(_) => lines.push(format!("{label}: Object Lock enabled")),
        Err(e) => lines.push(format!(
            "WARNING {label}: Object Lock is not available ({}); MM_MASTERS_LOCK_MODE retention will not be enforced by storage",
            detail(e)
        )),
    }
    Ok(())
}

/// Whether an S3 CORS origin pattern (at most one `*`) matches `origin`.
fn origin_matches(pattern: &str, origin: &str) -> bool {
    match pattern.split_once('*') {
        None => pattern.eq_ignore_ascii_case(origin),
        Some((a, b)) => {
            origin.len() >= a.len() + b.len()
                && origin[..a.len()].eq_ignore_ascii_case(a)
                && origin[origin.len() - b.len()..].eq_ignore_ascii_case(b)
        }
    }
}

/// What in the staging bucket's CORS rules would stop browsers on mm's origins from uploading
/// (PUT with a Content-Type, reading the ETag); empty when uploads will work. Network and
/// permission errors are problems too, never panics.
pub async fn cors_problems(config: &Config) -> Vec<String> {
    let s3 = match S3Storage::new(&config.storage.s3, Access::Full) {
        Ok(s) => s,
        Err(e) => return vec![format!("S3 storage: {e}")],
    };
    let Ok(t) = s3.target(Bucket::Staging) else {
        return vec!["S3 storage: no client for the staging bucket".into()];
    };
    let label = format!("staging bucket {}", t.name);
    let call = t.client.get_bucket_cors().bucket(&t.name).send();
    let rules = match tokio::time::timeout(Duration::from_secs(15), call).await {
        Err(_) => return vec![format!("{label}: reading CORS rules timed out")],
        Ok(Err(e)) if errors::code(&e) == Some("NoSuchCORSConfiguration") => {
            return vec![format!(
                "{label}: has no CORS rules, so browsers cannot upload to it; run `mm storage init`"
            )];
        }
        Ok(Err(e)) => return vec![format!("{label}: cannot read CORS rules: {}", detail(e))],
        Ok(Ok(out)) => out.cors_rules().to_vec(),
    };
    let mut problems = Vec::new();
    for origin in browser_origins(config) {
        let fits = |r: &CorsRule| {
            r.allowed_origins()
                .iter()
                .any(|p| origin_matches(p, &origin))
                && r.allowed_methods()
                    .iter()
                    .any(|m| m.eq_ignore_ascii_case("PUT"))
        };
        let Some(rule) = rules.iter().find(|r| fits(r)) else {
            problems.push(format!(
                "{label}: CORS does not let {origin} PUT, so uploads from it fail; run `mm storage init`"
            ));
            continue;
        };
        let headers_ok = rule
            .allowed_headers()
            .iter()
            .any(|h| h == "*" || h.eq_ignore_ascii_case("content-type"));
        if !headers_ok {
            problems.push(format!(
                "{label}: CORS for {origin} does not allow the Content-Type header on uploads"
            ));
        }
        if !rule
            .expose_headers()
            .iter()
            .any(|h| h.eq_ignore_ascii_case("etag"))
        {
            problems.push(format!(
                "{label}: CORS for {origin} does not expose ETag, so multipart uploads cannot complete"
            ));
        }
    }
    problems
}

#[cfg(test)]
mod tests {
    use super::origin_matches;

    #[test]
    fn cors_origin_patterns() {
        assert!(origin_matches(
            "https://app.example.com",
            "https://APP.example.com"
        ));
        assert!(origin_matches("*", "http://127.0.0.1:8080"));
        assert!(origin_matches(
            "https://*.example.com",
            "https://a.example.com"
        ));
        assert!(!origin_matches(
            "https://*.example.com",
            "https://example.org"
        ));
        assert!(!origin_matches(
            "https://a.example.com",
            "https://b.example.com"
        ));
    }
}
