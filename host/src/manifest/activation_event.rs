//! Activation events (`onCommand:x`, `onLanguage:rust`, `*`, …): parsing, the list of known kinds, display.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Deserializer, Serialize, Serializer};

/// An event that activates an extension, as written in `activationEvents` (VS Code's names).
///
/// Parsing ([`FromStr`]) checks that the event is well formed and that a known kind has the argument it needs;
/// it keeps an unknown kind as [`ActivationEvent::Other`] (VS Code adds events often). Whether an unknown
/// kind is acceptable is the caller's decision: see [`ActivationEvent::is_known`].
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum ActivationEvent {
    /// `*`: activate as soon as the host starts.
    Star,
    /// `onStartupFinished`: activate once the host has finished starting (after the `*` extensions).
    OnStartupFinished,
    /// `onCommand:<command id>`: activate before the command runs.
    OnCommand(String),
    /// `onLanguage:<language id>`: activate when a document of that language opens. The argument-less
    /// `onLanguage` (any language) is kept as [`ActivationEvent::Other`].
    OnLanguage(String),
    /// `workspaceContains:<glob>`: activate when the workspace holds a file matching the glob.
    WorkspaceContains(String),
    /// Any other event, such as `onView:<id>`, `onUri` or `onDebugResolve:<type>`.
    Other {
        /// The part before the first `:`, e.g. `onView`.
        kind: String,
        /// The part after the first `:`, if there is a colon.
        argument: Option<String>,
    },
}

/// Whether a kind of activation event takes an argument after a colon.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum ArgumentRule {
    /// `kind:<argument>` only.
    Required,
    /// `kind` or `kind:<argument>`.
    Optional,
    /// `kind` only.
    Forbidden,
}

/// The activation event kinds VS Code documents, with their argument rules.
const KNOWN_KINDS: &[(&str, ArgumentRule)] = &[
    ("*", ArgumentRule::Forbidden),
    ("onStartupFinished", ArgumentRule::Forbidden),
    ("onCommand", ArgumentRule::Required),
    ("onLanguage", ArgumentRule::Optional),
    ("workspaceContains", ArgumentRule::Required),
    ("onView", ArgumentRule::Required),
    ("onUri", ArgumentRule::Forbidden),
    ("onFileSystem", ArgumentRule::Required),
    ("onDebug", ArgumentRule::Forbidden),
    ("onDebugResolve", ArgumentRule::Required),
    ("onDebugInitialConfigurations", ArgumentRule::Forbidden),
    ("onDebugDynamicConfigurations", ArgumentRule::Optional),
    ("onDebugAdapterProtocolTracker", ArgumentRule::Optional),
    ("onCustomEditor", ArgumentRule::Required),
    ("onWebviewPanel", ArgumentRule::Required),
    ("onNotebook", ArgumentRule::Required),
    ("onNotebookSerializer", ArgumentRule::Required),
    ("onAuthenticationRequest", ArgumentRule::Required),
    ("onTerminalProfile", ArgumentRule::Required),
    ("onWalkthrough", ArgumentRule::Required),
    ("onOpenExternalUri", ArgumentRule::Forbidden),
    ("onSearch", ArgumentRule::Required),
    ("onTaskType", ArgumentRule::Required),
    ("onEditSession", ArgumentRule::Required),
    ("onIssueReporterOpened", ArgumentRule::Forbidden),
    ("onRenderer", ArgumentRule::Required),
    ("onTerminal", ArgumentRule::Required),
    ("onTerminalShellIntegration", ArgumentRule::Required),
    ("onChatParticipant", ArgumentRule::Required),
    ("onLanguageModelTool", ArgumentRule::Required),
    ("onMcpCollection", ArgumentRule::Required),
];

impl ActivationEvent {
    /// The names of every kind VS Code documents (`*`, `onCommand`, `onView`, …), in a stable order.
    pub fn known_kinds() -> impl Iterator<Item = &'static str> {
        KNOWN_KINDS.iter().map(|(kind, _)| *kind)
    }

    /// The kind: `*`, `onStartupFinished`, `onCommand`, … (the part before the first colon).
    pub fn kind(&self) -> &str {
        match self {
            ActivationEvent::Star => "*",
            ActivationEvent::OnStartupFinished => "onStartupFinished",
            ActivationEvent::OnCommand(_) => "onCommand",
            ActivationEvent::OnLanguage(_) => "onLanguage",
            ActivationEvent::WorkspaceContains(_) => "workspaceContains",
            ActivationEvent::Other { kind, .. } => kind,
        }
    }

    /// The argument after the first colon, if any.
    pub fn argument(&self) -> Option<&str> {
        match self {
            ActivationEvent::Star | ActivationEvent::OnStartupFinished => None,
            ActivationEvent::OnCommand(argument)
            | ActivationEvent::OnLanguage(argument)
            | ActivationEvent::WorkspaceContains(argument) => Some(argument),
            ActivationEvent::Other { argument, .. } => argument.as_deref(),
        }
    }

    /// Whether the kind is one VS Code documents (an `exthost.json` may only use those).
    pub fn is_known(&self) -> bool {
        argument_rule(self.kind()).is_some()
    }
}

/// The argument rule of a known kind, `None` for an unknown one.
fn argument_rule(kind: &str) -> Option<ArgumentRule> {
    KNOWN_KINDS
        .iter()
        .find(|(known, _)| *known == kind)
        .map(|(_, rule)| *rule)
}

/// Whether `kind` looks like an event name: `*`, or an ASCII letter followed by ASCII letters and digits.
fn is_well_formed_kind(kind: &str) -> bool {
    let mut characters = kind.chars();
    kind == "*"
        || characters
            .next()
            .is_some_and(|first| first.is_ascii_alphabetic())
            && characters.all(|character| character.is_ascii_alphanumeric())
}

impl FromStr for ActivationEvent {
    type Err = String;

    fn from_str(text: &str) -> Result<Self, Self::Err> {
        if text.is_empty() {
            return Err("activation event is empty".to_owned());
        }
        if text.trim() != text {
            return Err(format!(
                "activation event \"{text}\" has leading or trailing whitespace"
            ));
        }
        let (kind, argument) = match text.split_once(':') {
            Some((kind, argument)) => (kind, Some(argument)),
            None => (text, None),
        };
        if !is_well_formed_kind(kind) {
            return Err(format!(
                "activation event \"{text}\" is malformed: expected \"<kind>\" or \"<kind>:<argument>\" with a kind such as \"onCommand\""
            ));
        }
        if let Some(argument) = argument {
            if argument.is_empty() {
                return Err(format!(
                    "activation event \"{text}\" has nothing after the colon"
                ));
            }
            if argument.trim() != argument {
                return Err(format!(
                    "activation event \"{text}\" has whitespace around its argument"
                ));
            }
        }
        match (argument_rule(kind), argument) {
            (Some(ArgumentRule::Required), None) => {
                return Err(format!(
                    "activation event \"{kind}\" needs an argument, as in \"{kind}:<argument>\""
                ));
            }
            (Some(ArgumentRule::Forbidden), Some(_)) => {
                return Err(format!(
                    "activation event \"{text}\" takes no argument: write \"{kind}\""
                ));
            }
            _ => {}
        }
        Ok(match (kind, argument) {
            ("*", None) => ActivationEvent::Star,
            ("onStartupFinished", None) => ActivationEvent::OnStartupFinished,
            ("onCommand", Some(command)) => ActivationEvent::OnCommand(command.to_owned()),
            ("onLanguage", Some(language)) => ActivationEvent::OnLanguage(language.to_owned()),
            ("workspaceContains", Some(glob)) => {
                ActivationEvent::WorkspaceContains(glob.to_owned())
            }
            (kind, argument) => ActivationEvent::Other {
                kind: kind.to_owned(),
                argument: argument.map(str::to_owned),
            },
        })
    }
}

impl fmt::Display for ActivationEvent {
    fn fmt(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        formatter.write_str(self.kind())?;
        match self.argument() {
            Some(argument) => write!(formatter, ":{argument}"),
            None => Ok(()),
        }
    }
}

/// Serialized as its text, e.g. `"onCommand:hello.say"`.
impl Serialize for ActivationEvent {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_str(self)
    }
}

/// Read from its text; a malformed event is an error, an unknown kind is [`ActivationEvent::Other`].
impl<'de> Deserialize<'de> for ActivationEvent {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let text = String::deserialize(deserializer)?;
        text.parse().map_err(serde::de::Error::custom)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn well_formed_events_parse_and_round_trip() {
        let cases = [
            ("*", ActivationEvent::Star),
            ("onStartupFinished", ActivationEvent::OnStartupFinished),
            (
                "onCommand:hello.say",
                ActivationEvent::OnCommand("hello.say".to_owned()),
            ),
            (
                "onLanguage:rust",
                ActivationEvent::OnLanguage("rust".to_owned()),
            ),
            (
                "workspaceContains:**/Cargo.toml",
                ActivationEvent::WorkspaceContains("**/Cargo.toml".to_owned()),
            ),
            (
                "onView:nodeDependencies",
                ActivationEvent::Other {
                    kind: "onView".to_owned(),
                    argument: Some("nodeDependencies".to_owned()),
                },
            ),
            (
                "onUri",
                ActivationEvent::Other {
                    kind: "onUri".to_owned(),
                    argument: None,
                },
            ),
            (
                "onLanguage",
                ActivationEvent::Other {
                    kind: "onLanguage".to_owned(),
                    argument: None,
                },
            ),
            (
                "onCommand:a:b",
                ActivationEvent::OnCommand("a:b".to_owned()),
            ),
            (
                "onSomethingNew:x",
                ActivationEvent::Other {
                    kind: "onSomethingNew".to_owned(),
                    argument: Some("x".to_owned()),
                },
            ),
        ];
        for (text, expected) in cases {
            let parsed: ActivationEvent = text
                .parse()
                .unwrap_or_else(|error| panic!("{text}: {error}"));
            assert_eq!(parsed, expected, "{text}");
            assert_eq!(parsed.to_string(), text);
        }
    }

    #[test]
    fn malformed_events_are_rejected_with_a_reason() {
        let cases = [
            ("", "empty"),
            (" onCommand:x", "whitespace"),
            ("onCommand: x", "whitespace around its argument"),
            ("on Command:x", "malformed"),
            (":x", "malformed"),
            ("onCommand:", "nothing after the colon"),
            ("onCommand", "needs an argument"),
            ("workspaceContains", "needs an argument"),
            ("onStartupFinished:now", "takes no argument"),
            ("*:x", "takes no argument"),
        ];
        for (text, reason) in cases {
            let error = text.parse::<ActivationEvent>().expect_err(text);
            assert!(
                error.contains(reason),
                "{text:?}: {error:?} should contain {reason:?}"
            );
        }
    }

    #[test]
    fn serde_uses_the_text() {
        let event = ActivationEvent::OnCommand("hello.say".to_owned());
        let value = serde_json::to_value(&event).expect("serializes");
        assert_eq!(value, "onCommand:hello.say");
        assert_eq!(
            serde_json::from_value::<ActivationEvent>(value).expect("deserializes"),
            event
        );
        assert!(
            serde_json::from_value::<ActivationEvent>(serde_json::json!("onCommand:")).is_err()
        );
    }

    #[test]
    fn only_documented_kinds_are_known() {
        assert!(
            "onDebugResolve:node"
                .parse::<ActivationEvent>()
                .is_ok_and(|event| event.is_known())
        );
        assert!(
            "onWhatever"
                .parse::<ActivationEvent>()
                .is_ok_and(|event| !event.is_known())
        );
        assert!(ActivationEvent::known_kinds().any(|kind| kind == "onChatParticipant"));
    }
}
