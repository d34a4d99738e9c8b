//! Readers for the fields both manifest kinds share: activation events, languages, string lists, versions.

use super::checked::Checked;
use super::problems::ProblemList;
use super::schema::LanguageFile;
use super::{ActivationEvent, LanguageContribution};

/// Whether an activation event of a kind VS Code does not document is a problem (`exthost.json`) or kept as
/// [`ActivationEvent::Other`] (`package.json`, because VS Code adds events often).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum UnknownEvents {
    /// An unknown kind is a problem naming it.
    Reject,
    /// An unknown kind is kept.
    Keep,
}

/// Reads `activationEvents`, recording every malformed (or, with [`UnknownEvents::Reject`], unknown) event.
pub(crate) fn activation_events(
    problems: &mut ProblemList,
    field: &str,
    checked: Checked<Vec<Checked<String>>>,
    unknown: UnknownEvents,
) -> Vec<ActivationEvent> {
    let mut events = Vec::new();
    for (path, text) in problems.items(field, checked) {
        let Some(text) = problems.non_null(&path, text) else {
            continue;
        };
        match text.parse::<ActivationEvent>() {
            Ok(event) if unknown == UnknownEvents::Reject && !event.is_known() => {
                let known: Vec<&str> = ActivationEvent::known_kinds().collect();
                problems.push(
                    path,
                    format!(
                        "unknown activation event kind \"{}\"; expected one of: {}",
                        event.kind(),
                        known.join(", ")
                    ),
                );
            }
            Ok(event) => events.push(event),
            Err(reason) => problems.push(path, reason),
        }
    }
    events
}

/// Reads an optional array of strings, recording items that are not strings.
pub(crate) fn strings(
    problems: &mut ProblemList,
    field: &str,
    checked: Checked<Vec<Checked<String>>>,
) -> Vec<String> {
    let mut strings = Vec::new();
    for (path, text) in problems.items(field, checked) {
        strings.extend(problems.non_null(&path, text));
    }
    strings
}

/// Reads a string that must not be empty (or only whitespace).
pub(crate) fn non_empty(
    problems: &mut ProblemList,
    field: &str,
    text: Option<String>,
) -> Option<String> {
    let text = text?;
    if text.trim().is_empty() {
        problems.push(field, "must not be empty");
        return None;
    }
    Some(text)
}

/// Reads `contributes.languages`: each needs a non-empty `id`.
pub(crate) fn languages(
    problems: &mut ProblemList,
    field: &str,
    checked: Checked<Vec<Checked<LanguageFile>>>,
) -> Vec<LanguageContribution> {
    let mut languages = Vec::new();
    for (path, language) in problems.items(field, checked) {
        let Some(language) = problems.non_null(&path, language) else {
            continue;
        };
        let id_field = format!("{path}.id");
        let id = problems.required(&id_field, language.id);
        let id = non_empty(problems, &id_field, id);
        let extensions = strings(problems, &format!("{path}.extensions"), language.extensions);
        let aliases = strings(problems, &format!("{path}.aliases"), language.aliases);
        if let Some(id) = id {
            languages.push(LanguageContribution {
                id,
                extensions,
                aliases,
            });
        }
    }
    languages
}

/// Parses a version; `lenient` accepts npm's leading `v` or `=` (as VS Code's `semver.valid` does).
pub(crate) fn version(
    problems: &mut ProblemList,
    field: &str,
    text: Option<String>,
    lenient: bool,
) -> Option<semver::Version> {
    let text = text?;
    let trimmed = if lenient {
        text.strip_prefix(['v', '=']).unwrap_or(&text)
    } else {
        &text
    };
    match semver::Version::parse(trimmed) {
        Ok(version) => Some(version),
        Err(error) => {
            problems.push(
                field,
                format!("\"{text}\" is not a semantic version: expected MAJOR.MINOR.PATCH such as \"1.2.0\" ({error})"),
            );
            None
        }
    }
}
