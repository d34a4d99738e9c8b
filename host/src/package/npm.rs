//! npm sources (`npm:NAME[@RANGE]`): the registry's package document, the newest version in the range
//! (or the `latest` tag), and the tarball, whose SRI `sha512` integrity is checked before it is opened.

use std::io::Read;
use std::time::Duration;

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use serde_json::Value;
use sha2::{Digest, Sha512};

use super::{PackageConfig, PackageError};
use crate::manifest::DependencyRange;

/// The public npm registry, used when nothing else names one.
pub const DEFAULT_REGISTRY: &str = "https://registry.npmjs.org/";

/// What an install reports while it works.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ProgressEvent {
    /// A step began (`resolving npm:foo@^1`, `verifying`, …).
    Step(String),
    /// Bytes of a download so far, and the total when the server said it.
    Download {
        /// Bytes received.
        done: u64,
        /// Bytes expected.
        total: Option<u64>,
    },
}

/// Where progress goes (a terminal bar, plain lines, LSP work-done progress).
pub type ProgressSink = std::sync::Arc<dyn Fn(&ProgressEvent) + Send + Sync>;

/// The registry URL: `--registry`, else `config.json`'s `registry`, else `npm_config_registry`, else the
/// public registry. Always ends with `/`.
pub fn registry_url(explicit: Option<&str>, config: &PackageConfig) -> String {
    let chosen = explicit
        .map(str::to_owned)
        .or_else(|| config.registry.clone())
        .or_else(|| std::env::var("npm_config_registry").ok())
        .filter(|url| !url.is_empty())
        .unwrap_or_else(|| DEFAULT_REGISTRY.to_owned());
    if chosen.ends_with('/') {
        chosen
    } else {
        format!("{chosen}/")
    }
}

/// `npm:NAME[@RANGE]` split into name and range (`@scope/name@^1` keeps its scope).
pub fn parse_spec(spec: &str) -> Result<(String, Option<String>), PackageError> {
    let bad = |reason: &str| PackageError::BadSource {
        source_text: format!("npm:{spec}"),
        reason: reason.to_owned(),
    };
    let (scope_at, rest) = match spec.strip_prefix('@') {
        Some(rest) => ("@", rest),
        None => ("", spec),
    };
    let (name, range) = match rest.split_once('@') {
        Some((name, range)) => (format!("{scope_at}{name}"), Some(range.to_owned())),
        None => (format!("{scope_at}{rest}"), None),
    };
    let valid = !name.is_empty()
        && name.len() <= 214
        && name
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || "-._~@/".contains(c))
        && name.matches('/').count() == usize::from(!scope_at.is_empty());
    if !valid {
        return Err(bad("not an npm package name"));
    }
    if let Some(range) = &range {
        DependencyRange::parse(range).map_err(|reason| bad(&reason))?;
    }
    Ok((name, range.filter(|r| !r.is_empty())))
}

/// A tarball fetched and verified.
#[derive(Debug, Clone)]
pub struct Fetched {
    /// The version chosen.
    pub version: semver::Version,
    /// The tarball's bytes, integrity checked.
    pub tarball: Vec<u8>,
    /// The tarball's URL.
    pub url: String,
}

fn agent() -> ureq::Agent {
    ureq::Agent::config_builder()
        .timeout_global(Some(Duration::from_secs(120)))
        .build()
        .into()
}

/// The newest version of `name` in `range` (or the `latest` tag), and its tarball, integrity verified.
pub fn fetch(
    name: &str,
    range: Option<&str>,
    registry: &str,
    max_bytes: u64,
    progress: Option<&ProgressSink>,
) -> Result<Fetched, PackageError> {
    let failed = |reason: String| PackageError::Registry {
        registry: registry.to_owned(),
        reason,
    };
    let report = |event: ProgressEvent| {
        if let Some(progress) = progress {
            progress(&event);
        }
    };
    report(ProgressEvent::Step(format!(
        "resolving npm:{name}{} at {registry}",
        range.map(|r| format!("@{r}")).unwrap_or_default()
    )));
    let agent = agent();
    let document_url = format!("{registry}{}", name.replace('/', "%2f"));
    let mut response = agent
        .get(&document_url)
        .header("Accept", "application/json")
        .call()
        .map_err(|error| failed(format!("GET {document_url}: {error}")))?;
    let body = response
        .body_mut()
        .with_config()
        .limit(64 * 1024 * 1024)
        .read_to_vec()
        .map_err(|error| failed(format!("{document_url}: {error}")))?;
    let document: Value = serde_json::from_slice(&body)
        .map_err(|error| failed(format!("{document_url}: not JSON: {error}")))?;
    let version =
        choose_version(&document, range).map_err(|reason| failed(format!("{name}: {reason}")))?;
    let dist = &document["versions"][version.to_string()]["dist"];
    let url = dist["tarball"]
        .as_str()
        .ok_or_else(|| failed(format!("{name}@{version} has no dist.tarball")))?
        .to_owned();
    let integrity = dist["integrity"]
        .as_str()
        .ok_or_else(|| failed(format!("{name}@{version} has no dist.integrity")))?
        .to_owned();
    let expected = integrity
        .split_whitespace()
        .find_map(|item| item.strip_prefix("sha512-"))
        .and_then(|encoded| STANDARD.decode(encoded).ok())
        .ok_or_else(|| {
            failed(format!(
                "{name}@{version}: dist.integrity {integrity} has no sha512 digest"
            ))
        })?;
    report(ProgressEvent::Step(format!("downloading {url}")));
    let mut response = agent
        .get(&url)
        .call()
        .map_err(|error| failed(format!("GET {url}: {error}")))?;
    let total = response
        .headers()
        .get("content-length")
        .and_then(|value| value.to_str().ok())
        .and_then(|value| value.parse().ok());
    let mut reader = response.body_mut().with_config().limit(max_bytes).reader();
    let mut tarball = Vec::new();
    let mut chunk = [0u8; 64 * 1024];
    loop {
        let read = reader
            .read(&mut chunk)
            .map_err(|error| failed(format!("GET {url}: {error}")))?;
        if read == 0 {
            break;
        }
        tarball.extend_from_slice(&chunk[..read]);
        report(ProgressEvent::Download {
            done: tarball.len() as u64,
            total,
        });
    }
    if Sha512::digest(&tarball).as_slice() != expected.as_slice() {
        return Err(PackageError::Integrity {
            package: format!("{name}@{version}"),
            expected: integrity,
        });
    }
    report(ProgressEvent::Step(format!(
        "{name}@{version}: integrity verified"
    )));
    Ok(Fetched {
        version,
        tarball,
        url,
    })
}

/// The version `range` picks from a registry document: the newest that matches (pre-releases only when
/// the range names one), or `dist-tags.latest` without a range.
fn choose_version(document: &Value, range: Option<&str>) -> Result<semver::Version, String> {
    let versions: Vec<semver::Version> = document["versions"]
        .as_object()
        .ok_or("the registry document has no versions")?
        .keys()
        .filter_map(|v| semver::Version::parse(v).ok())
        .collect();
    match range {
        None => {
            let latest = document["dist-tags"]["latest"]
                .as_str()
                .ok_or("no dist-tags.latest")?;
            semver::Version::parse(latest).map_err(|e| format!("latest {latest}: {e}"))
        }
        Some(range) => {
            let range = DependencyRange::parse(range)?;
            versions
                .into_iter()
                .filter(|v| range.matches(v))
                .max()
                .ok_or_else(|| format!("no version matches {range}"))
        }
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    #[test]
    fn specs_split_into_name_and_range() {
        assert_eq!(parse_spec("foo").unwrap(), ("foo".into(), None));
        assert_eq!(
            parse_spec("foo@^1.2").unwrap(),
            ("foo".into(), Some("^1.2".into()))
        );
        assert_eq!(
            parse_spec("@scope/foo@1.x").unwrap(),
            ("@scope/foo".into(), Some("1.x".into()))
        );
        assert!(parse_spec("Foo Bar").is_err());
        assert!(parse_spec("a/b").is_err());
    }

    #[test]
    fn the_newest_matching_version_is_chosen() {
        let document = json!({
            "dist-tags": {"latest": "1.0.0"},
            "versions": {"1.0.0": {}, "1.2.0": {}, "2.0.0": {}, "1.3.0-beta.1": {}},
        });
        assert_eq!(
            choose_version(&document, None).unwrap().to_string(),
            "1.0.0"
        );
        assert_eq!(
            choose_version(&document, Some("^1")).unwrap().to_string(),
            "1.2.0"
        );
        assert!(choose_version(&document, Some("^3")).is_err());
    }

    #[test]
    fn the_registry_comes_from_the_flag_then_the_config() {
        let config = PackageConfig {
            registry: Some("http://config.invalid".into()),
            ..PackageConfig::default()
        };
        assert_eq!(
            registry_url(Some("http://flag.invalid"), &config),
            "http://flag.invalid/"
        );
        assert_eq!(registry_url(None, &config), "http://config.invalid/");
    }
}
