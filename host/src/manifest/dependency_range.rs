//! npm-style version ranges (`^1.0.0`, `>=1 <2`, `1.x`, `1.2.3 - 2`, `^1 || ^2`) for dependencies and engines.

use std::fmt;
use std::str::FromStr;

use semver::{Version, VersionReq};
use serde::{Deserialize, Deserializer, Serialize, Serializer};

/// A version range as npm writes it: one or more alternatives joined by `||`, each a set of comparators that
/// must all hold.
///
/// The `semver` crate reads Cargo's syntax, which differs from npm's in three ways this type bridges:
/// comparators are separated by spaces rather than commas, a bare version (`1.2.3`) means exactly that
/// version rather than `^1.2.3`, and `a - b` hyphen ranges and `||` alternatives exist.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DependencyRange {
    /// The range as written in the manifest, trimmed.
    text: String,
    /// The alternatives; the range matches a version when any of them does. Never empty.
    alternatives: Vec<VersionReq>,
}

impl DependencyRange {
    /// The range every version meets (`*`), used for VS Code's `extensionDependencies`.
    pub fn any() -> DependencyRange {
        DependencyRange {
            text: "*".to_owned(),
            alternatives: vec![VersionReq::STAR],
        }
    }

    /// Parses an npm range; the error says what is wrong with it, quoting the offending part.
    pub fn parse(text: &str) -> Result<DependencyRange, String> {
        let text = text.trim();
        let alternatives = text
            .split("||")
            .map(parse_alternative)
            .collect::<Result<Vec<_>, _>>()?;
        Ok(DependencyRange {
            text: text.to_owned(),
            alternatives,
        })
    }

    /// Whether `version` satisfies any of the alternatives.
    pub fn matches(&self, version: &Version) -> bool {
        self.alternatives
            .iter()
            .any(|alternative| alternative.matches(version))
    }

    /// The range as written (trimmed).
    pub fn as_str(&self) -> &str {
        &self.text
    }

    /// The alternatives in `semver` crate form; at least one.
    pub fn alternatives(&self) -> &[VersionReq] {
        &self.alternatives
    }
}

/// Converts one `||`-free npm range into a `VersionReq`.
fn parse_alternative(alternative: &str) -> Result<VersionReq, String> {
    let alternative = alternative.trim();
    if alternative.is_empty() {
        // npm reads an empty range (and an empty side of `||`) as "any version".
        return Ok(VersionReq::STAR);
    }
    // Cargo-style commas are accepted too; they separate comparators just like spaces.
    let words: Vec<&str> = alternative
        .split(|character: char| character.is_whitespace() || character == ',')
        .filter(|word| !word.is_empty())
        .collect();
    let comparators = if let [low, "-", high] = words.as_slice() {
        vec![
            format!(">={}", strip_v(low)),
            format!("<={}", strip_v(high)),
        ]
    } else {
        join_operators(&words)?
            .into_iter()
            .map(|comparator| to_cargo_comparator(&comparator))
            .collect()
    };
    let cargo_form = comparators.join(", ");
    VersionReq::parse(&cargo_form)
        .map_err(|error| format!("\"{alternative}\" is not a valid npm version range ({error})"))
}

/// Rejoins an operator written apart from its version (`>= 1.2`) with that version.
fn join_operators(words: &[&str]) -> Result<Vec<String>, String> {
    let mut comparators = Vec::new();
    let mut pending_operator: Option<&str> = None;
    for word in words {
        if *word == "-" {
            return Err(
                "a hyphen range must be exactly \"<low> - <high>\", as in \"1.2.3 - 2.0.0\""
                    .to_owned(),
            );
        }
        let is_operator = word.chars().all(|character| "<>=~^".contains(character));
        match (pending_operator.take(), is_operator) {
            (Some(operator), false) => comparators.push(format!("{operator}{word}")),
            (None, false) => comparators.push((*word).to_owned()),
            (None, true) => pending_operator = Some(word),
            (Some(operator), true) => {
                return Err(format!(
                    "operator \"{operator}\" is followed by \"{word}\" instead of a version"
                ));
            }
        }
    }
    match pending_operator {
        Some(operator) => Err(format!(
            "operator \"{operator}\" is not followed by a version"
        )),
        None => Ok(comparators),
    }
}

/// Rewrites one npm comparator in the `semver` crate's syntax.
fn to_cargo_comparator(comparator: &str) -> String {
    let operator_length = comparator
        .find(|character: char| !"<>=~^".contains(character))
        .unwrap_or(comparator.len());
    let (operator, version) = comparator.split_at(operator_length);
    let version = strip_v(version);
    let is_wildcard = matches!(version, "*" | "x" | "X");
    match operator {
        // A bare version is exact in npm (partial versions and wildcards are ranges either way).
        "" | "=" if is_wildcard => "*".to_owned(),
        "" => format!("={version}"),
        // npm's Ruby-style `~>` is its tilde.
        "~>" => format!("~{version}"),
        _ => format!("{operator}{version}"),
    }
}

/// npm tolerates a leading `v` (`v1.2.3`).
fn strip_v(version: &str) -> &str {
    version
        .strip_prefix('v')
        .filter(|rest| rest.starts_with(|character: char| character.is_ascii_digit()))
        .unwrap_or(version)
}

impl FromStr for DependencyRange {
    type Err = String;

    fn from_str(text: &str) -> Result<Self, Self::Err> {
        DependencyRange::parse(text)
    }
}

impl fmt::Display for DependencyRange {
    fn fmt(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        formatter.write_str(&self.text)
    }
}

impl Serialize for DependencyRange {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(&self.text)
    }
}

impl<'de> Deserialize<'de> for DependencyRange {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let text = String::deserialize(deserializer)?;
        DependencyRange::parse(&text).map_err(serde::de::Error::custom)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn version(text: &str) -> Version {
        Version::parse(text).expect("test version is valid")
    }

    #[test]
    fn npm_ranges_match_as_npm_does() {
        // (range, versions that match, versions that do not)
        let cases: &[(&str, &[&str], &[&str])] = &[
            ("^1.0.0", &["1.0.0", "1.9.3"], &["0.9.0", "2.0.0"]),
            ("~1.2", &["1.2.0", "1.2.9"], &["1.3.0"]),
            ("1.x", &["1.0.0", "1.5.0"], &["2.0.0"]),
            ("1.2.*", &["1.2.7"], &["1.3.0"]),
            ("*", &["0.0.1", "9.9.9"], &[]),
            ("", &["3.0.0"], &[]),
            ("x", &["3.0.0"], &[]),
            ("1.2.3", &["1.2.3"], &["1.2.4", "1.3.0"]),
            ("=1.2.3", &["1.2.3"], &["1.2.4"]),
            ("v1.2.3", &["1.2.3"], &["1.2.4"]),
            ("1.2", &["1.2.0", "1.2.9"], &["1.3.0"]),
            (">=1.0.0 <2.0.0", &["1.0.0", "1.99.0"], &["2.0.0", "0.1.0"]),
            (">= 1.0.0  < 2.0.0", &["1.5.0"], &["2.0.0"]),
            (">=1.0.0, <2.0.0", &["1.5.0"], &["2.0.0"]),
            ("1.2.3 - 2.3.4", &["1.2.3", "2.3.4"], &["1.2.2", "2.3.5"]),
            ("1.2 - 2.3", &["1.2.0", "2.3.9"], &["2.4.0"]),
            ("^1.0.0 || ^3.0.0", &["1.2.0", "3.1.0"], &["2.0.0"]),
            (
                "<1.0.0 || >=2.0.0 <2.1.0",
                &["0.5.0", "2.0.5"],
                &["1.5.0", "2.1.0"],
            ),
            ("~>1.2.0", &["1.2.5"], &["1.3.0"]),
            ("^0.1", &["0.1.0", "0.1.9"], &["0.2.0"]),
        ];
        for (text, matching, not_matching) in cases {
            let range = DependencyRange::parse(text)
                .unwrap_or_else(|error| panic!("{text:?} should parse: {error}"));
            for candidate in *matching {
                assert!(
                    range.matches(&version(candidate)),
                    "{text:?} should match {candidate}"
                );
            }
            for candidate in *not_matching {
                assert!(
                    !range.matches(&version(candidate)),
                    "{text:?} should not match {candidate}"
                );
            }
        }
    }

    #[test]
    fn invalid_ranges_are_rejected_with_a_reason() {
        for (text, reason) in [
            ("latest", "\"latest\" is not a valid npm version range"),
            ("^1 || banana", "\"banana\""),
            (">=", "operator \">=\" is not followed by a version"),
            ("1 - 2 - 3", "hyphen range"),
            ("1.2.3.4", "\"1.2.3.4\""),
        ] {
            let error = DependencyRange::parse(text).expect_err(text);
            assert!(
                error.contains(reason),
                "{text:?}: {error:?} should contain {reason:?}"
            );
        }
    }

    #[test]
    fn display_and_serde_keep_the_text_as_written() {
        let range = DependencyRange::parse(" >=1 <2 ").expect("valid range");
        assert_eq!(range.to_string(), ">=1 <2");
        assert_eq!(serde_json::to_value(&range).expect("serializes"), ">=1 <2");
        let back: DependencyRange =
            serde_json::from_value(serde_json::json!("^1 || ^2")).expect("deserializes");
        assert_eq!(back.alternatives().len(), 2);
        assert_eq!(DependencyRange::any().as_str(), "*");
    }
}
