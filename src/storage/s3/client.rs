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
        })
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
