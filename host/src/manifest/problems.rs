//! Collecting every problem of a manifest, each under its JSON path, while reading its fields.

use super::ManifestProblem;
use super::checked::Checked;

/// The problems found so far in one manifest file.
#[derive(Debug, Default)]
pub(crate) struct ProblemList {
    /// In the order they were found.
    problems: Vec<ManifestProblem>,
}

impl ProblemList {
    /// Records that `field` (a JSON path such as `contributes.commands[0].command`) has a problem.
    pub(crate) fn push(&mut self, field: impl Into<String>, reason: impl Into<String>) {
        self.problems.push(ManifestProblem {
            field: field.into(),
            reason: reason.into(),
        });
    }

    /// The value of an optional field, or `None` after recording a problem if it has the wrong type.
    pub(crate) fn optional<T>(&mut self, field: &str, checked: Checked<T>) -> Option<T> {
        match checked {
            Checked::Missing => None,
            Checked::Valid(value) => Some(value),
            Checked::Invalid { reason, .. } => {
                self.push(field, reason);
                None
            }
        }
    }

    /// The value of a required field, or `None` after recording a problem if it is absent or has the wrong
    /// type.
    pub(crate) fn required<T>(&mut self, field: &str, checked: Checked<T>) -> Option<T> {
        if matches!(checked, Checked::Missing) {
            self.push(field, "is required but missing");
            return None;
        }
        self.optional(field, checked)
    }

    /// A value that may not be `null` (an array item, a map value), or `None` after recording a problem.
    pub(crate) fn non_null<T>(&mut self, field: &str, checked: Checked<T>) -> Option<T> {
        if matches!(checked, Checked::Missing) {
            self.push(field, "must not be null");
            return None;
        }
        self.optional(field, checked)
    }

    /// The items of an optional array field, each with its own path (`field[index]`), for the caller to
    /// check in order with [`ProblemList::non_null`] and the rest.
    pub(crate) fn items<T>(
        &mut self,
        field: &str,
        checked: Checked<Vec<Checked<T>>>,
    ) -> Vec<(String, Checked<T>)> {
        let items = self.optional(field, checked).unwrap_or_default();
        items
            .into_iter()
            .enumerate()
            .map(|(index, item)| (format!("{field}[{index}]"), item))
            .collect()
    }

    /// Whether nothing has been recorded.
    pub(crate) fn is_empty(&self) -> bool {
        self.problems.is_empty()
    }

    /// The problems, in the order they were found.
    pub(crate) fn into_vec(self) -> Vec<ManifestProblem> {
        self.problems
    }
}
