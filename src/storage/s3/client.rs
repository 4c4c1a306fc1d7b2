//! Building the S3 clients: one per bucket (credentials are per bucket), rustls with ring,
//! the SDK's standard retries with jittered backoff, and timeouts that suit each role.

use super::{S3Storage, Target};
use crate::config::{BucketConfig, S3Config};
use crate::storage::Bucket;
use aws_sdk_s3::Client;
use aws_sdk_s3::config::retry::RetryConfig;
use aws_sdk_s3::config::timeout::TimeoutConfig;
use aws_sdk_s3::config::{
    BehaviorVersion, Credentials, Region, RequestChecksumCalculation, ResponseChecksumValidation,
};
use secrecy::{ExposeSecret, SecretString};
use std::collections::HashMap;
use std::time::Duration;

/// Which credentials the backend uses.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Access {
    /// api and worker: each bucket with its own key pair.
    Full,
    /// The edge: the previews bucket only, with `MM_EDGE_S3_*` (read-only) when set.
    EdgeReadOnly,
}

impl S3Storage {
    pub fn new(c: &S3Config, access: Access) -> anyhow::Result<Self> {
        let mut targets = HashMap::new();
        match access {
            Access::Full => {
                for (bucket, bc) in [
                    (Bucket::Staging, &c.staging),
                    (Bucket::Masters, &c.masters),
                    (Bucket::Previews, &c.previews),
                ] {
                    let (ak, sk) = credentials(bc, bucket)?;
                    targets.insert(bucket, target(c, bc, ak, sk, FULL));
                }
            }
            Access::EdgeReadOnly => {
                let bc = &c.previews;
                let (ak, sk) = match (&c.edge_access_key, &c.edge_secret_key) {
                    (Some(ak), Some(sk)) => (ak, sk),
                    _ => credentials(bc, Bucket::Previews)?,
                };
                // Players wait on the edge: fail over quickly when storage does not answer.
                targets.insert(Bucket::Previews, target(c, bc, ak, sk, EDGE));
            }
        }
        Ok(Self {
            targets,
            copy_limits: super::copy::CopyLimits::default(),
            upload_origins: upload_origins(c),
        })
    }
}

/// The origins a browser PUTs presigned uploads to: the staging bucket's endpoint, path-style
/// or virtual-hosted (`https://<bucket>.<host>`), or AWS's regional hosts without an endpoint.
fn upload_origins(c: &S3Config) -> Vec<String> {
    let bucket = &c.staging.name;
    match c.endpoint.as_deref().and_then(|e| url::Url::parse(e).ok()) {
        Some(endpoint) => {
            let mut out = vec![endpoint.origin().ascii_serialization()];
            if !c.path_style
                && let Some(host) = endpoint.host_str()
            {
                let port = endpoint.port().map(|p| format!(":{p}")).unwrap_or_default();
                out.push(format!("{}://{bucket}.{host}{port}", endpoint.scheme()));
            }
            out
        }
        None => {
            let region = &c.region;
            vec![
                format!("https://{bucket}.s3.{region}.amazonaws.com"),
                format!("https://s3.{region}.amazonaws.com"),
            ]
        }
    }
}

fn credentials(bc: &BucketConfig, bucket: Bucket) -> anyhow::Result<(&String, &SecretString)> {
    let up = bucket.as_str().to_ascii_uppercase();
    match (&bc.access_key, &bc.secret_key) {
        (Some(ak), Some(sk)) => Ok((ak, sk)),
        _ => anyhow::bail!("MM_S3_{up}_ACCESS_KEY and MM_S3_{up}_SECRET_KEY must be set"),
    }
}

/// How long to wait for a connection, and for one attempt's response headers (the body streams
/// after that, watched by the SDK's stalled-stream protection).
#[derive(Clone, Copy)]
struct Timeouts {
    connect: Duration,
    attempt: Duration,
}

/// api and worker: a server-side copy of 5 GiB can take minutes before S3 answers.
const FULL: Timeouts = Timeouts {
    connect: Duration::from_secs(5),
    attempt: Duration::from_secs(15 * 60),
};

/// The edge: players are waiting, so a silent origin becomes a quick 502/504.
const EDGE: Timeouts = Timeouts {
    connect: Duration::from_secs(2),
    attempt: Duration::from_secs(10),
};

fn target(
    c: &S3Config,
    bc: &BucketConfig,
    access_key: &str,
    secret: &SecretString,
    timeouts: Timeouts,
) -> Target {
    use aws_smithy_http_client::tls;
    let http = aws_smithy_http_client::Builder::new()
        .tls_provider(tls::Provider::Rustls(
            tls::rustls_provider::CryptoMode::Ring,
        ))
        .build_https();
    let timeouts = TimeoutConfig::builder()
        .connect_timeout(timeouts.connect)
        .operation_attempt_timeout(timeouts.attempt)
        .build();
    let mut b = aws_sdk_s3::Config::builder()
        .behavior_version(BehaviorVersion::latest())
        .region(Region::new(c.region.clone()))
        .credentials_provider(Credentials::new(
            access_key,
            secret.expose_secret(),
            None,
            None,
            "mm-config",
        ))
        .force_path_style(c.path_style)
        .http_client(http)
        .retry_config(RetryConfig::standard().with_max_attempts(c.max_attempts.max(1)))
        .timeout_config(timeouts)
        // S3-compatible providers differ on the newer flexible checksums; presigned URLs for
        // browsers must not carry one either. Send them only where an operation needs one.
        .request_checksum_calculation(RequestChecksumCalculation::WhenRequired)
        .response_checksum_validation(ResponseChecksumValidation::WhenRequired);
    if let Some(ep) = &c.endpoint {
        b = b.endpoint_url(ep);
    }
    Target {
        client: Client::from_conf(b.build()),
        name: bc.name.clone(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::{Config, Env};
    use crate::storage::Storage;

    fn s3(pairs: &[(&str, &str)]) -> S3Storage {
        let mut all = vec![
            ("MM_STORAGE", "s3"),
            ("MM_S3_ACCESS_KEY", "ak"),
            ("MM_S3_SECRET_KEY", "sk"),
            ("MM_STAGING_BUCKET", "studio-staging"),
        ];
        all.extend_from_slice(pairs);
        let config = Config::from_env(&Env::from_pairs(all));
        S3Storage::new(&config.storage.s3, Access::Full).unwrap()
    }

    #[test]
    fn virtual_hosted_uploads_go_to_the_bucket_host_and_the_endpoint() {
        let s = s3(&[
            ("MM_S3_ENDPOINT", "https://s3.wasabisys.com:8443"),
            ("MM_S3_PATH_STYLE", "false"),
        ]);
        assert_eq!(
            s.upload_origins(),
            [
                "https://s3.wasabisys.com:8443",
                "https://studio-staging.s3.wasabisys.com:8443"
            ]
        );
    }

    #[test]
    fn path_style_uploads_go_to_the_endpoint_only() {
        let s = s3(&[("MM_S3_ENDPOINT", "http://minio.internal:9000/")]);
        assert_eq!(s.upload_origins(), ["http://minio.internal:9000"]);
    }

    #[test]
    fn aws_without_an_endpoint_names_the_regional_hosts() {
        let s = s3(&[("MM_S3_REGION", "eu-west-1")]);
        assert_eq!(
            s.upload_origins(),
            [
                "https://studio-staging.s3.eu-west-1.amazonaws.com",
                "https://s3.eu-west-1.amazonaws.com"
            ]
        );
    }

    #[test]
    fn buckets_are_named_as_configured_and_reads_are_remote() {
        let s = s3(&[("MM_MASTERS_BUCKET", "studio-masters")]);
        assert_eq!(s.bucket_name(Bucket::Staging), "studio-staging");
        assert_eq!(s.bucket_name(Bucket::Masters), "studio-masters");
        assert_eq!(s.bucket_name(Bucket::Previews), "mm-previews");
        assert!(s.is_remote() && s.own_url_signer().is_none());
    }

    #[test]
    fn the_edge_names_the_buckets_it_cannot_reach_by_area() {
        let config = Config::from_env(&Env::from_pairs([
            ("MM_STORAGE", "s3"),
            ("MM_S3_ACCESS_KEY", "ak"),
            ("MM_S3_SECRET_KEY", "sk"),
            ("MM_PREVIEWS_BUCKET", "studio-previews"),
        ]));
        let s = S3Storage::new(&config.storage.s3, Access::EdgeReadOnly).unwrap();
        assert_eq!(s.bucket_name(Bucket::Previews), "studio-previews");
        assert_eq!(s.bucket_name(Bucket::Staging), "staging");
    }
}
