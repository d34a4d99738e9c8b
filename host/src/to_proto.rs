//! The one place where the host writes LSP JSON (rust-analyzer's `to_proto`): every LSP message or
//! structure the host builds — server capabilities, registrations, diagnostics, messages, configuration
//! and progress requests, merged hovers and completion lists, LSP document selectors — is an `ls-types`
//! structure turned into a value here. What extensions answer (completion items, diagnostics, …) passes
//! through inside those structures as the values they sent, so nothing of theirs is dropped.

use ls_types as lsp;
use serde::Serialize;
use serde_json::Value;

use crate::bridge::DEFAULT_TRIGGER_CHARACTERS;

/// Method names the host sends or handles, from `ls-types` (no hand-typed LSP method strings).
pub mod method {
    use ls_types::notification::Notification as _;
    use ls_types::request::Request as _;

    /// `client/registerCapability`.
    pub const REGISTER_CAPABILITY: &str = ls_types::request::RegisterCapability::METHOD;
    /// `client/unregisterCapability`.
    pub const UNREGISTER_CAPABILITY: &str = ls_types::request::UnregisterCapability::METHOD;
    /// `workspace/configuration`.
    pub const WORKSPACE_CONFIGURATION: &str = ls_types::request::WorkspaceConfiguration::METHOD;
    /// `window/workDoneProgress/create`.
    pub const WORK_DONE_PROGRESS_CREATE: &str = ls_types::request::WorkDoneProgressCreate::METHOD;
    /// `window/showMessageRequest`.
    pub const SHOW_MESSAGE_REQUEST: &str = ls_types::request::ShowMessageRequest::METHOD;
    /// `window/showMessage`.
    pub const SHOW_MESSAGE: &str = ls_types::notification::ShowMessage::METHOD;
    /// `window/logMessage`.
    pub const LOG_MESSAGE: &str = ls_types::notification::LogMessage::METHOD;
    /// `textDocument/publishDiagnostics`.
    pub const PUBLISH_DIAGNOSTICS: &str = ls_types::notification::PublishDiagnostics::METHOD;
    /// `$/progress`.
    pub const PROGRESS: &str = ls_types::notification::Progress::METHOD;
    /// `textDocument/didOpen`.
    pub const DID_OPEN: &str = ls_types::notification::DidOpenTextDocument::METHOD;
    /// `initialized`.
    pub const INITIALIZED: &str = ls_types::notification::Initialized::METHOD;
    /// `workspace/didChangeConfiguration`.
    pub const DID_CHANGE_CONFIGURATION: &str =
        ls_types::notification::DidChangeConfiguration::METHOD;
}

pub use lsp::{MessageType, ProgressToken};

/// Any `Serialize` LSP structure as a value. The `ls-types` structures and the plain structs here hold
/// only strings, numbers, booleans and values: serialising them cannot fail.
fn value<T: Serialize>(message: T) -> Value {
    serde_json::to_value(message).expect("invariant: LSP structures serialise to JSON")
}

/// The `ServerCapabilities` of the host's `initialize` answer: document sync, `workspace/executeCommand`
/// with the contributed `commands`, workspace folders, UTF-16 positions, and the language features the
/// editor cannot register dynamically (`static_features`, provider methods such as
/// `textDocument/hover`), advertised statically because extensions register providers only once they
/// run.
pub fn server_capabilities<'a>(
    static_features: impl IntoIterator<Item = &'a str>,
    commands: Vec<String>,
) -> Value {
    use lsp::OneOf;
    let mut capabilities = lsp::ServerCapabilities {
        position_encoding: Some(lsp::PositionEncodingKind::UTF16),
        text_document_sync: Some(lsp::TextDocumentSyncCapability::Options(
            lsp::TextDocumentSyncOptions {
                open_close: Some(true),
                change: Some(lsp::TextDocumentSyncKind::INCREMENTAL),
                save: Some(lsp::TextDocumentSyncSaveOptions::SaveOptions(
                    lsp::SaveOptions {
                        include_text: Some(false),
                    },
                )),
                ..lsp::TextDocumentSyncOptions::default()
            },
        )),
        execute_command_provider: Some(lsp::ExecuteCommandOptions {
            commands,
            ..lsp::ExecuteCommandOptions::default()
        }),
        workspace: Some(lsp::WorkspaceServerCapabilities {
            workspace_folders: Some(lsp::WorkspaceFoldersServerCapabilities {
                supported: Some(true),
                change_notifications: Some(OneOf::Left(true)),
            }),
            file_operations: None,
        }),
        ..lsp::ServerCapabilities::default()
    };
    let mut type_hierarchy = false;
    for feature in static_features {
        let capabilities = &mut capabilities;
        match feature {
            "textDocument/hover" => {
                capabilities.hover_provider = Some(lsp::HoverProviderCapability::Simple(true));
            }
            "textDocument/completion" => {
                capabilities.completion_provider = Some(lsp::CompletionOptions {
                    trigger_characters: Some(
                        DEFAULT_TRIGGER_CHARACTERS
                            .iter()
                            .map(|&character| character.to_owned())
                            .collect(),
                    ),
                    resolve_provider: Some(true),
                    ..lsp::CompletionOptions::default()
                });
            }
            "textDocument/definition" => capabilities.definition_provider = Some(OneOf::Left(true)),
            "textDocument/references" => capabilities.references_provider = Some(OneOf::Left(true)),
            "textDocument/codeAction" => {
                capabilities.code_action_provider = Some(
                    lsp::CodeActionProviderCapability::Options(lsp::CodeActionOptions {
                        resolve_provider: Some(true),
                        ..lsp::CodeActionOptions::default()
                    }),
                );
            }
            "textDocument/codeLens" => {
                capabilities.code_lens_provider = Some(lsp::CodeLensOptions {
                    resolve_provider: Some(true),
                });
            }
            "textDocument/documentSymbol" => {
                capabilities.document_symbol_provider = Some(OneOf::Left(true));
            }
            "textDocument/formatting" => {
                capabilities.document_formatting_provider = Some(OneOf::Left(true));
            }
            "textDocument/rangeFormatting" => {
                capabilities.document_range_formatting_provider = Some(OneOf::Left(true));
            }
            "textDocument/signatureHelp" => {
                capabilities.signature_help_provider = Some(lsp::SignatureHelpOptions {
                    trigger_characters: Some(vec!["(".to_owned(), ",".to_owned()]),
                    ..lsp::SignatureHelpOptions::default()
                });
            }
            "textDocument/rename" => {
                capabilities.rename_provider = Some(OneOf::Right(lsp::RenameOptions {
                    prepare_provider: Some(true),
                    work_done_progress_options: lsp::WorkDoneProgressOptions::default(),
                }));
            }
            "textDocument/documentLink" => {
                capabilities.document_link_provider = Some(lsp::DocumentLinkOptions {
                    resolve_provider: Some(true),
                    work_done_progress_options: lsp::WorkDoneProgressOptions::default(),
                });
            }
            "textDocument/declaration" => {
                capabilities.declaration_provider = Some(lsp::DeclarationCapability::Simple(true));
            }
            "textDocument/typeDefinition" => {
                capabilities.type_definition_provider =
                    Some(lsp::TypeDefinitionProviderCapability::Simple(true));
            }
            "textDocument/implementation" => {
                capabilities.implementation_provider =
                    Some(lsp::ImplementationProviderCapability::Simple(true));
            }
            "workspace/symbol" => capabilities.workspace_symbol_provider = Some(OneOf::Left(true)),
            "textDocument/documentHighlight" => {
                capabilities.document_highlight_provider = Some(OneOf::Left(true));
            }
            "textDocument/foldingRange" => {
                capabilities.folding_range_provider =
                    Some(lsp::FoldingRangeProviderCapability::Simple(true));
            }
            "textDocument/selectionRange" => {
                capabilities.selection_range_provider =
                    Some(lsp::SelectionRangeProviderCapability::Simple(true));
            }
            "textDocument/inlayHint" => capabilities.inlay_hint_provider = Some(OneOf::Left(true)),
            "textDocument/documentColor" | "textDocument/colorPresentation" => {
                capabilities.color_provider = Some(lsp::ColorProviderCapability::Simple(true));
            }
            "textDocument/prepareCallHierarchy" => {
                capabilities.call_hierarchy_provider =
                    Some(lsp::CallHierarchyServerCapability::Simple(true));
            }
            "textDocument/linkedEditingRange" => {
                capabilities.linked_editing_range_provider =
                    Some(lsp::LinkedEditingRangeServerCapabilities::Simple(true));
            }
            "textDocument/prepareTypeHierarchy" => type_hierarchy = true,
            // A semantic tokens legend, and on-type formatting's trigger characters, are only known once
            // a provider registers: dynamic registration only.
            _ => {}
        }
    }
    let mut capabilities = value(capabilities);
    if type_hierarchy && let Value::Object(map) = &mut capabilities {
        // LSP 3.17's `typeHierarchyProvider` has no field in `ls-types`' `ServerCapabilities`.
        map.insert("typeHierarchyProvider".to_owned(), Value::Bool(true));
    }
    capabilities
}

/// The `initialize` result: `capabilities` (from [`server_capabilities`]) and the server's name and
/// version.
pub fn initialize_result(capabilities: Value, version: &str) -> Value {
    #[derive(Serialize)]
    #[serde(rename_all = "camelCase")]
    struct InitializeResult {
        capabilities: Value,
        server_info: lsp::ServerInfo,
    }
    value(InitializeResult {
        capabilities,
        server_info: lsp::ServerInfo {
            name: "exthost".to_owned(),
            version: Some(version.to_owned()),
        },
    })
}

/// `client/registerCapability` params for one registration.
pub fn register_capability(id: String, method: &str, register_options: Value) -> Value {
    value(lsp::RegistrationParams {
        registrations: vec![lsp::Registration {
            id,
            method: method.to_owned(),
            register_options: Some(register_options),
        }],
    })
}

/// `client/unregisterCapability` params for `(id, method)` pairs (LSP spells the field
/// `unregisterations`).
pub fn unregister_capability(registrations: impl IntoIterator<Item = (String, String)>) -> Value {
    value(lsp::UnregistrationParams {
        unregisterations: registrations
            .into_iter()
            .map(|(id, method)| lsp::Unregistration { id, method })
            .collect(),
    })
}

/// `textDocument/publishDiagnostics` params: the extensions' diagnostics as they sent them. The URI is
/// kept as the extension wrote it (the editor matches it against its own documents' URIs).
pub fn publish_diagnostics(uri: &str, diagnostics: &[Value], version: Option<i64>) -> Value {
    #[derive(Serialize)]
    struct PublishDiagnosticsParams<'a> {
        uri: &'a str,
        diagnostics: &'a [Value],
        #[serde(skip_serializing_if = "Option::is_none")]
        version: Option<i64>,
    }
    value(PublishDiagnosticsParams {
        uri,
        diagnostics,
        version,
    })
}

/// The LSP message type numbered `number` (1 error, 2 warning, 3 info, 4 log); any other number is info.
pub fn message_type(number: u8) -> MessageType {
    match number {
        1 => MessageType::ERROR,
        2 => MessageType::WARNING,
        4 => MessageType::LOG,
        _ => MessageType::INFO,
    }
}

/// `window/showMessage` params.
pub fn show_message(kind: MessageType, message: impl Into<String>) -> Value {
    value(lsp::ShowMessageParams {
        typ: kind,
        message: message.into(),
    })
}

/// `window/logMessage` params.
pub fn log_message(kind: MessageType, message: impl Into<String>) -> Value {
    value(lsp::LogMessageParams {
        typ: kind,
        message: message.into(),
    })
}

/// `window/showMessageRequest` params.
pub fn show_message_request(kind: MessageType, message: String, actions: &[&str]) -> Value {
    value(lsp::ShowMessageRequestParams {
        typ: kind,
        message,
        actions: Some(
            actions
                .iter()
                .map(|&title| lsp::MessageActionItem {
                    title: title.to_owned(),
                    properties: std::collections::HashMap::new(),
                })
                .collect(),
        ),
    })
}

/// `workspace/configuration` params: one item per section.
pub fn configuration_request(sections: &[String]) -> Value {
    value(lsp::ConfigurationParams {
        items: sections
            .iter()
            .map(|section| lsp::ConfigurationItem {
                scope_uri: None,
                section: Some(section.clone()),
            })
            .collect(),
    })
}

/// `window/workDoneProgress/create` params.
pub fn work_done_progress_create(token: &ProgressToken) -> Value {
    value(lsp::WorkDoneProgressCreateParams {
        token: token.clone(),
    })
}

/// One step of work done progress, for [`progress`].
#[derive(Debug, Clone, PartialEq)]
pub enum ProgressStep {
    /// The work begins (not cancellable).
    Begin {
        /// Its title.
        title: String,
    },
    /// A report under way.
    Report {
        /// What is happening now.
        message: String,
        /// How far, 0–100, when known.
        percentage: Option<u32>,
    },
    /// The work ended.
    End {
        /// How it ended.
        message: String,
    },
}

/// `$/progress` params for work done progress under `token`.
pub fn progress(token: &ProgressToken, step: ProgressStep) -> Value {
    let step = match step {
        ProgressStep::Begin { title } => lsp::WorkDoneProgress::Begin(lsp::WorkDoneProgressBegin {
            title,
            cancellable: Some(false),
            message: None,
            percentage: None,
        }),
        ProgressStep::Report {
            message,
            percentage,
        } => lsp::WorkDoneProgress::Report(lsp::WorkDoneProgressReport {
            cancellable: None,
            message: Some(message),
            percentage,
        }),
        ProgressStep::End { message } => lsp::WorkDoneProgress::End(lsp::WorkDoneProgressEnd {
            message: Some(message),
        }),
    };
    value(lsp::ProgressParams {
        token: token.clone(),
        value: lsp::ProgressParamsValue::WorkDone(step),
    })
}

/// A range at the start of a document (the selection of an editor nobody has moved in).
pub fn zero_range() -> Value {
    value(lsp::Range::default())
}

/// The content changes of a `didChange`, as sent on to extensions.
pub fn content_changes(changes: &[lsp::TextDocumentContentChangeEvent]) -> Value {
    value(
        changes
            .iter()
            .map(|change| lsp::TextDocumentContentChangeEvent {
                range: change.range,
                range_length: None,
                text: change.text.clone(),
            })
            .collect::<Vec<_>>(),
    )
}

/// The params of a document request the host asks its providers itself (VS Code's built-in
/// `vscode.execute*Provider` commands): the document, the position given as a VS Code `Position`
/// (`{line, character}`, passed on as given), and for references the context VS Code sends
/// (declarations included).
pub fn document_position_params(uri: &str, position: Option<&Value>, references: bool) -> Value {
    #[derive(Serialize)]
    struct TextDocumentIdentifier<'a> {
        uri: &'a str,
    }
    #[derive(Serialize)]
    struct GivenPosition<'a> {
        line: &'a Value,
        character: &'a Value,
    }
    #[derive(Serialize)]
    #[serde(rename_all = "camelCase")]
    struct Params<'a> {
        text_document: TextDocumentIdentifier<'a>,
        #[serde(skip_serializing_if = "Option::is_none")]
        position: Option<GivenPosition<'a>>,
        #[serde(skip_serializing_if = "Option::is_none")]
        context: Option<lsp::ReferenceContext>,
    }
    value(Params {
        text_document: TextDocumentIdentifier { uri },
        position: position.map(|position| GivenPosition {
            line: &position["line"],
            character: &position["character"],
        }),
        context: references.then_some(lsp::ReferenceContext {
            include_declaration: true,
        }),
    })
}

/// A completion list of the items several providers answered (their `data` already wrapped with routes).
pub fn completion_list(is_incomplete: bool, items: Vec<Value>) -> Value {
    #[derive(Serialize)]
    #[serde(rename_all = "camelCase")]
    struct CompletionList {
        is_incomplete: bool,
        items: Vec<Value>,
    }
    value(CompletionList {
        is_incomplete,
        items,
    })
}

/// One hover of several joined: markdown `contents`, and the first provider's range when it is a valid
/// LSP range.
pub fn hover(markdown: String, range: Option<&Value>) -> Value {
    value(lsp::Hover {
        contents: lsp::HoverContents::Markup(lsp::MarkupContent {
            kind: lsp::MarkupKind::Markdown,
            value: markdown,
        }),
        range: range.and_then(|range| serde_json::from_value(range.clone()).ok()),
    })
}

/// `textDocument/didOpen` params for an open document (replayed into a new worker).
pub fn did_open<T: Serialize>(document: &T) -> Value {
    #[derive(Serialize)]
    #[serde(rename_all = "camelCase")]
    struct DidOpenParams<'a, T> {
        text_document: &'a T,
    }
    value(DidOpenParams {
        text_document: document,
    })
}

/// `workspace/didChangeConfiguration` params.
pub fn did_change_configuration(settings: Value) -> Value {
    value(lsp::DidChangeConfigurationParams { settings })
}

/// `initialized` params.
pub fn initialized() -> Value {
    value(lsp::InitializedParams {})
}

/// A completion item's `insertTextFormat` value.
pub fn insert_text_format(format: lsp::InsertTextFormat) -> Value {
    value(format)
}

/// `MarkupContent` of `kind`.
pub fn markup(kind: lsp::MarkupKind, text: String) -> Value {
    value(lsp::MarkupContent { kind, value: text })
}

/// A resolvable item's `data` as the editor holds it: the route back to the provider that made it
/// (under `exthost`) and the provider's own `data` (under `data`, when it had some).
pub fn routed_data(extension: &str, handle: u64, data: Option<Value>) -> Value {
    #[derive(Serialize)]
    struct Route<'a> {
        extension: &'a str,
        handle: u64,
    }
    #[derive(Serialize)]
    struct Routed<'a> {
        exthost: Route<'a>,
        #[serde(skip_serializing_if = "Option::is_none")]
        data: Option<Value>,
    }
    value(Routed {
        exthost: Route { extension, handle },
        data,
    })
}

/// One LSP `DocumentFilter` (the fields a VS Code filter maps to).
pub fn document_filter(
    language: Option<String>,
    scheme: Option<String>,
    pattern: Option<String>,
) -> Value {
    value(lsp::DocumentFilter {
        language,
        scheme,
        pattern,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn static_capabilities_keep_their_shapes() {
        let capabilities = server_capabilities(
            [
                "textDocument/completion",
                "textDocument/rename",
                "textDocument/prepareTypeHierarchy",
                "textDocument/semanticTokens/full",
            ],
            vec!["a.b".to_owned()],
        );
        assert_eq!(capabilities["positionEncoding"], "utf-16");
        assert_eq!(
            capabilities["textDocumentSync"],
            json!({"openClose": true, "change": 2, "save": {"includeText": false}})
        );
        assert_eq!(
            capabilities["executeCommandProvider"],
            json!({"commands": ["a.b"]})
        );
        assert_eq!(
            capabilities["workspace"],
            json!({"workspaceFolders": {"supported": true, "changeNotifications": true}})
        );
        assert_eq!(capabilities["completionProvider"]["resolveProvider"], true);
        assert_eq!(
            capabilities["renameProvider"],
            json!({"prepareProvider": true})
        );
        assert_eq!(capabilities["typeHierarchyProvider"], true);
        assert!(capabilities.get("semanticTokensProvider").is_none());
        assert!(capabilities.get("hoverProvider").is_none());
    }

    #[test]
    fn messages_have_lsp_shapes() {
        assert_eq!(
            register_capability("x/1".into(), "textDocument/hover", json!({"a": 1})),
            json!({"registrations": [{"id": "x/1", "method": "textDocument/hover", "registerOptions": {"a": 1}}]})
        );
        assert_eq!(
            unregister_capability([("x/1".to_owned(), "textDocument/hover".to_owned())]),
            json!({"unregisterations": [{"id": "x/1", "method": "textDocument/hover"}]})
        );
        assert_eq!(
            show_message(MessageType::ERROR, "m"),
            json!({"type": 1, "message": "m"})
        );
        assert_eq!(
            configuration_request(&["a".to_owned()]),
            json!({"items": [{"section": "a"}]})
        );
        assert_eq!(
            progress(
                &ProgressToken::String("t".into()),
                ProgressStep::Report {
                    message: "m".into(),
                    percentage: Some(5)
                }
            ),
            json!({"token": "t", "value": {"kind": "report", "message": "m", "percentage": 5}})
        );
        assert_eq!(
            publish_diagnostics("file:///a", &[json!({"message": "x"})], None),
            json!({"uri": "file:///a", "diagnostics": [{"message": "x"}]})
        );
        assert_eq!(
            zero_range(),
            json!({"start": {"line": 0, "character": 0}, "end": {"line": 0, "character": 0}})
        );
    }
}
