//! The LSP bridge's bookkeeping: which extension registered which language feature provider for which
//! documents, how VS Code document selectors match, how the answers of several providers merge into one
//! LSP result, and the union of every extension's diagnostics per document.
//!
//! Pure data and functions: the lifecycle calls the providers, the server speaks to the editor.

use std::collections::BTreeMap;

use globset::Glob;
use serde_json::Value;

use crate::to_proto;

/// The LSP methods extensions can provide, with the client capability that says whether the editor
/// supports registering them dynamically and the server capability to advertise statically otherwise.
pub const PROVIDER_METHODS: &[ProviderMethod] = &[
    ProviderMethod {
        method: "textDocument/hover",
        capability: "textDocument.hover",
        server_capability: "hoverProvider",
    },
    ProviderMethod {
        method: "textDocument/completion",
        capability: "textDocument.completion",
        server_capability: "completionProvider",
    },
    ProviderMethod {
        method: "textDocument/definition",
        capability: "textDocument.definition",
        server_capability: "definitionProvider",
    },
    ProviderMethod {
        method: "textDocument/references",
        capability: "textDocument.references",
        server_capability: "referencesProvider",
    },
    ProviderMethod {
        method: "textDocument/codeAction",
        capability: "textDocument.codeAction",
        server_capability: "codeActionProvider",
    },
    ProviderMethod {
        method: "textDocument/codeLens",
        capability: "textDocument.codeLens",
        server_capability: "codeLensProvider",
    },
    ProviderMethod {
        method: "textDocument/documentSymbol",
        capability: "textDocument.documentSymbol",
        server_capability: "documentSymbolProvider",
    },
    ProviderMethod {
        method: "textDocument/formatting",
        capability: "textDocument.formatting",
        server_capability: "documentFormattingProvider",
    },
    ProviderMethod {
        method: "textDocument/rangeFormatting",
        capability: "textDocument.rangeFormatting",
        server_capability: "documentRangeFormattingProvider",
    },
    ProviderMethod {
        method: "textDocument/signatureHelp",
        capability: "textDocument.signatureHelp",
        server_capability: "signatureHelpProvider",
    },
    ProviderMethod {
        method: "textDocument/rename",
        capability: "textDocument.rename",
        server_capability: "renameProvider",
    },
    ProviderMethod {
        method: "textDocument/documentLink",
        capability: "textDocument.documentLink",
        server_capability: "documentLinkProvider",
    },
    ProviderMethod {
        method: "textDocument/semanticTokens/full",
        capability: "textDocument.semanticTokens",
        server_capability: "semanticTokensProvider",
    },
    ProviderMethod {
        method: "textDocument/declaration",
        capability: "textDocument.declaration",
        server_capability: "declarationProvider",
    },
    ProviderMethod {
        method: "textDocument/typeDefinition",
        capability: "textDocument.typeDefinition",
        server_capability: "typeDefinitionProvider",
    },
    ProviderMethod {
        method: "textDocument/implementation",
        capability: "textDocument.implementation",
        server_capability: "implementationProvider",
    },
    ProviderMethod {
        method: "textDocument/onTypeFormatting",
        capability: "textDocument.onTypeFormatting",
        server_capability: "documentOnTypeFormattingProvider",
    },
    ProviderMethod {
        method: "workspace/symbol",
        capability: "workspace.symbol",
        server_capability: "workspaceSymbolProvider",
    },
    ProviderMethod {
        method: "textDocument/documentHighlight",
        capability: "textDocument.documentHighlight",
        server_capability: "documentHighlightProvider",
    },
    ProviderMethod {
        method: "textDocument/foldingRange",
        capability: "textDocument.foldingRange",
        server_capability: "foldingRangeProvider",
    },
    ProviderMethod {
        method: "textDocument/selectionRange",
        capability: "textDocument.selectionRange",
        server_capability: "selectionRangeProvider",
    },
    ProviderMethod {
        method: "textDocument/inlayHint",
        capability: "textDocument.inlayHint",
        server_capability: "inlayHintProvider",
    },
    ProviderMethod {
        method: "textDocument/documentColor",
        capability: "textDocument.colorProvider",
        server_capability: "colorProvider",
    },
    // Asked of the color providers (registered as `textDocument/documentColor`).
    ProviderMethod {
        method: "textDocument/colorPresentation",
        capability: "textDocument.colorProvider",
        server_capability: "colorProvider",
    },
    ProviderMethod {
        method: "textDocument/prepareCallHierarchy",
        capability: "textDocument.callHierarchy",
        server_capability: "callHierarchyProvider",
    },
    ProviderMethod {
        method: "textDocument/prepareTypeHierarchy",
        capability: "textDocument.typeHierarchy",
        server_capability: "typeHierarchyProvider",
    },
    ProviderMethod {
        method: "textDocument/linkedEditingRange",
        capability: "textDocument.linkedEditingRange",
        server_capability: "linkedEditingRangeProvider",
    },
];

/// The method providers of `method` are registered under (`textDocument/colorPresentation` is asked of
/// the color providers; every other method of its own).
pub fn registered_method(method: &str) -> &str {
    match method {
        "textDocument/colorPresentation" => "textDocument/documentColor",
        "textDocument/prepareRename" => "textDocument/rename",
        other => other,
    }
}

/// Completion trigger characters advertised when the editor cannot register them dynamically.
pub const DEFAULT_TRIGGER_CHARACTERS: &[&str] =
    &[".", ":", "<", "\"", "'", "/", "@", "(", "#", " "];

/// One LSP method extensions may provide.
#[derive(Debug, Clone, Copy)]
pub struct ProviderMethod {
    /// The LSP request method.
    pub method: &'static str,
    /// Its dotted path under `ClientCapabilities` (`textDocument.hover`).
    pub capability: &'static str,
    /// Its key in `ServerCapabilities`.
    pub server_capability: &'static str,
}

/// Looks up a provider method by its LSP method name.
pub fn provider_method(method: &str) -> Option<&'static ProviderMethod> {
    PROVIDER_METHODS.iter().find(|p| p.method == method)
}

/// The methods whose resolve request goes back to the provider that produced the item; the item's `data`
/// carries [`RouteData`]. For the hierarchy requests the item is the params' `item` (see
/// [`is_hierarchy_follow_up`]).
pub const RESOLVE_METHODS: &[(&str, &str)] = &[
    (
        "callHierarchy/incomingCalls",
        "textDocument/prepareCallHierarchy",
    ),
    (
        "callHierarchy/outgoingCalls",
        "textDocument/prepareCallHierarchy",
    ),
    (
        "typeHierarchy/supertypes",
        "textDocument/prepareTypeHierarchy",
    ),
    (
        "typeHierarchy/subtypes",
        "textDocument/prepareTypeHierarchy",
    ),
    ("codeLens/resolve", "textDocument/codeLens"),
    ("completionItem/resolve", "textDocument/completion"),
    ("codeAction/resolve", "textDocument/codeAction"),
    ("documentLink/resolve", "textDocument/documentLink"),
];

/// One provider an extension registered.
#[derive(Debug, Clone, PartialEq)]
pub struct Provider {
    /// The extension that registered it.
    pub extension: String,
    /// Its handle within that extension.
    pub handle: u64,
    /// The LSP method it answers.
    pub method: String,
    /// The VS Code document selector.
    pub selector: Value,
    /// Method-specific options (trigger characters, legend, …).
    pub options: Value,
}

impl Provider {
    /// The id used with `client/registerCapability`.
    pub fn registration_id(&self) -> String {
        format!("{}/{}", self.extension, self.handle)
    }

    /// The `registerOptions` for dynamic registration: the LSP document selector plus the options.
    pub fn register_options(&self) -> Value {
        let mut options = match &self.options {
            Value::Object(map) => map.clone(),
            _ => serde_json::Map::new(),
        };
        options.insert(
            "documentSelector".to_owned(),
            lsp_document_selector(&self.selector),
        );
        if self.method == "textDocument/codeLens" || self.method == "textDocument/completion" {
            options
                .entry("resolveProvider")
                .or_insert(Value::Bool(true));
        }
        Value::Object(options)
    }
}

/// Every registered provider.
#[derive(Debug, Clone, Default)]
pub struct Providers {
    providers: Vec<Provider>,
}

impl Providers {
    /// Adds a provider (replacing one with the same extension and handle).
    pub fn add(&mut self, provider: Provider) {
        self.remove(&provider.extension, provider.handle);
        self.providers.push(provider);
    }

    /// Removes one provider; answers it if it was there.
    pub fn remove(&mut self, extension: &str, handle: u64) -> Option<Provider> {
        let index = self
            .providers
            .iter()
            .position(|p| p.extension == extension && p.handle == handle)?;
        Some(self.providers.remove(index))
    }

    /// Removes every provider of an extension; answers them.
    pub fn remove_extension(&mut self, extension: &str) -> Vec<Provider> {
        let (gone, kept) = std::mem::take(&mut self.providers)
            .into_iter()
            .partition(|p| p.extension == extension);
        self.providers = kept;
        gone
    }

    /// The providers of `method` whose selector matches the document, best match first (VS Code's score).
    pub fn matching(&self, method: &str, uri: &str, language: &str) -> Vec<Provider> {
        self.matching_groups(method, uri, language)
            .into_iter()
            .flatten()
            .collect()
    }

    /// The providers of `method` matching the document in groups of equal score, the best group first
    /// and the latest registration first within a group (VS Code's `orderedGroups`).
    pub fn matching_groups(&self, method: &str, uri: &str, language: &str) -> Vec<Vec<Provider>> {
        let mut scored: Vec<(u32, usize, &Provider)> = self
            .providers
            .iter()
            .enumerate()
            .filter(|(_, p)| p.method == method)
            .map(|(index, p)| (selector_score(&p.selector, uri, language), index, p))
            .filter(|(score, _, _)| *score > 0)
            .collect();
        // Higher score first; among equals, the latest registration first (as VS Code orders them).
        scored.sort_by(|a, b| b.0.cmp(&a.0).then(b.1.cmp(&a.1)));
        let mut groups: Vec<(u32, Vec<Provider>)> = Vec::new();
        for (score, _, provider) in scored {
            match groups.last_mut() {
                Some((last, group)) if *last == score => group.push(provider.clone()),
                _ => groups.push((score, vec![provider.clone()])),
            }
        }
        groups.into_iter().map(|(_, group)| group).collect()
    }

    /// The provider `extension` registered with `handle`, if it still exists.
    pub fn get(&self, extension: &str, handle: u64) -> Option<&Provider> {
        self.providers
            .iter()
            .find(|p| p.extension == extension && p.handle == handle)
    }
}

/// How well a VS Code document selector matches a document: 0 for no match, else VS Code's score
/// (10 for an exact language, 5 for `*`, plus scheme and pattern matches). An array scores its best entry.
pub fn selector_score(selector: &Value, uri: &str, language: &str) -> u32 {
    match selector {
        // Providers that are not about one document (workspace symbols) match every request.
        Value::Null => 1,
        Value::Array(entries) => entries
            .iter()
            .map(|entry| selector_score(entry, uri, language))
            .max()
            .unwrap_or(0),
        Value::String(wanted) => language_score(wanted, language),
        Value::Object(filter) => {
            let mut score = 0;
            if let Some(wanted) = filter.get("language").and_then(Value::as_str) {
                let language_score = language_score(wanted, language);
                if language_score == 0 {
                    return 0;
                }
                score = score.max(language_score);
            }
            if let Some(wanted) = filter.get("scheme").and_then(Value::as_str) {
                let scheme = uri.split(':').next().unwrap_or_default();
                match wanted {
                    "*" => score = score.max(5),
                    _ if wanted == scheme => score = score.max(10),
                    _ => return 0,
                }
            }
            if let Some(pattern) = filter.get("pattern") {
                let glob = pattern_glob(pattern).unwrap_or_default();
                if !pattern_matches(&glob, uri) {
                    return 0;
                }
                let bare = pattern.as_str().is_some_and(|p| p == "**" || p == "**/*");
                score = score.max(if bare { 5 } else { 10 });
            }
            score
        }
        _ => 0,
    }
}

fn language_score(wanted: &str, language: &str) -> u32 {
    match wanted {
        "*" => 5,
        _ if wanted == language => 10,
        _ => 0,
    }
}

/// Whether a glob matches the document's path (for `file:` URIs) or its whole URI otherwise.
fn pattern_matches(pattern: &str, uri: &str) -> bool {
    let Ok(glob) = Glob::new(pattern) else {
        return false;
    };
    let matcher = glob.compile_matcher();
    let path = crate::session::file_uri_to_path(uri);
    match path {
        Some(path) => {
            matcher.is_match(&path)
                || (!pattern.starts_with('/') && matcher.is_match(format!("/{}", path.display())))
        }
        None => matcher.is_match(uri),
    }
}

/// The glob of a selector's `pattern`: a string as it is, a `RelativePattern` (`{baseUri, pattern}` or
/// `{base, pattern}`) as its pattern under its base — the base's path (of a `file:` URI) or its URI
/// (otherwise), escaped, so the glob matches below the base only, as VS Code's does. `None` for a
/// pattern of another shape.
pub fn pattern_glob(pattern: &Value) -> Option<String> {
    if let Some(glob) = pattern.as_str() {
        return Some(glob.to_owned());
    }
    let relative = pattern.get("pattern")?.as_str()?;
    let base = match (pattern.get("baseUri"), pattern.get("base")) {
        (Some(Value::String(uri)), _) => crate::session::file_uri_to_path(uri)
            .map_or_else(|| uri.clone(), |path| path.display().to_string()),
        // A `WorkspaceFolder` as the base: its URI.
        (Some(folder), _) if folder.get("uri").is_some() => {
            let uri = folder["uri"].as_str()?;
            crate::session::file_uri_to_path(uri)
                .map_or_else(|| uri.to_owned(), |path| path.display().to_string())
        }
        (_, Some(Value::String(base))) => base.clone(),
        _ => return Some(relative.to_owned()),
    };
    let base = base.trim_end_matches('/');
    Some(format!("{}/{}", globset::escape(base), relative))
}

/// A VS Code document selector as an LSP `DocumentSelector` (`null`, meaning every document, for `*`).
/// A `RelativePattern` keeps its base: its filter's pattern is the glob under the base
/// ([`pattern_glob`]), since an LSP `DocumentFilter`'s pattern is a plain glob.
pub fn lsp_document_selector(selector: &Value) -> Value {
    let entries: Vec<&Value> = match selector {
        Value::Array(entries) => entries.iter().collect(),
        other => vec![other],
    };
    let mut filters = Vec::new();
    for entry in entries {
        match entry {
            Value::String(language) if language == "*" => return Value::Null,
            Value::String(language) => {
                filters.push(to_proto::document_filter(
                    Some(language.clone()),
                    None,
                    None,
                ));
            }
            Value::Object(filter) => {
                let text = |key: &str| filter.get(key).and_then(Value::as_str).map(str::to_owned);
                let language = text("language").filter(|language| language != "*");
                let scheme = text("scheme");
                let pattern = filter.get("pattern").and_then(pattern_glob);
                if language.is_none() && scheme.is_none() && pattern.is_none() {
                    return Value::Null;
                }
                filters.push(to_proto::document_filter(language, scheme, pattern));
            }
            _ => {}
        }
    }
    Value::Array(filters)
}

/// Where a resolvable item came from, kept in its `data` while the editor holds it.
#[derive(Debug, Clone, PartialEq)]
pub struct RouteData {
    /// The extension whose provider made the item.
    pub extension: String,
    /// That provider's handle.
    pub handle: u64,
    /// The provider's own `data`.
    pub data: Value,
}

const ROUTE_KEY: &str = "exthost";

/// Wraps an item's `data` with its route.
pub fn wrap_route(item: &mut Value, extension: &str, handle: u64) {
    if let Value::Object(object) = item {
        let inner = object.remove("data").filter(|inner| !inner.is_null());
        object.insert(
            "data".to_owned(),
            to_proto::routed_data(extension, handle, inner),
        );
    }
}

/// Takes the route out of an item's `data`, restoring the provider's own `data`.
pub fn unwrap_route(item: &mut Value) -> Option<RouteData> {
    let object = item.as_object_mut()?;
    let data = object.get("data")?;
    let route = data.get(ROUTE_KEY)?;
    let extension = route.get("extension")?.as_str()?.to_owned();
    let handle = route.get("handle")?.as_u64()?;
    let inner = data.get("data").cloned().unwrap_or(Value::Null);
    if inner.is_null() {
        object.remove("data");
    } else {
        object.insert("data".to_owned(), inner.clone());
    }
    Some(RouteData {
        extension,
        handle,
        data: inner,
    })
}

/// One provider's answer, with where it came from (so resolvable items can be routed back).
#[derive(Debug, Clone)]
pub struct ProviderAnswer {
    /// The extension.
    pub extension: String,
    /// The provider's handle.
    pub handle: u64,
    /// The LSP result (`null` when the provider had nothing).
    pub result: Value,
}

/// Whether `method` is asked about a call or type hierarchy item the editor sends back (`{item}`); its
/// answer is a list of calls (items under `from` / `to`) or of items.
pub fn is_hierarchy_follow_up(method: &str) -> bool {
    method.starts_with("callHierarchy/") || method.starts_with("typeHierarchy/")
}

/// Routes every hierarchy item of a hierarchy answer (`[item]`, or `[{from | to: item, fromRanges}]`)
/// back to the provider that made it.
pub fn wrap_hierarchy_routes(answer: &mut Value, extension: &str, handle: u64) {
    for entry in answer.as_array_mut().into_iter().flatten() {
        match ["from", "to"]
            .into_iter()
            .find(|side| entry.get(side).is_some())
        {
            Some(side) => {
                if let Some(item) = entry.get_mut(side) {
                    wrap_route(item, extension, handle);
                }
            }
            None => wrap_route(entry, extension, handle),
        }
    }
}

/// Whether `method` asks its providers group by group, as VS Code's completion does: groups of equal
/// selector score from the best, stopping at the first group that returned items. Every other feature
/// asks all matching providers at once (VS Code's `ordered`): hovers, locations, code actions, lenses,
/// symbols and links from all of them; formatting, signature help, rename and semantic tokens from the
/// best one that answered.
pub fn asks_by_group(method: &str) -> bool {
    method == "textDocument/completion"
}

/// Whether a merged answer of `method` holds something (for completion: at least one item).
pub fn has_items(method: &str, merged: &Value) -> bool {
    match method {
        "textDocument/completion" => merged
            .get("items")
            .and_then(Value::as_array)
            .is_some_and(|items| !items.is_empty()),
        _ => !merged.is_null(),
    }
}

/// Merges the answers of the providers asked into one LSP result, as VS Code does: completions (of one
/// group, see [`asks_by_group`]), locations, code actions, lenses, symbols, links, folding ranges, inlay
/// hints and colors are concatenated; hovers are joined; for document highlights, selection ranges,
/// linked editing ranges and color presentations the best provider with a non-empty answer wins; for
/// formatting, signature help, rename and semantic tokens the best provider that answered wins.
pub fn merge(method: &str, answers: Vec<ProviderAnswer>) -> Value {
    let answers: Vec<ProviderAnswer> = answers
        .into_iter()
        .filter(|a| !a.result.is_null())
        .collect();
    match method {
        "textDocument/hover" => merge_hovers(answers),
        // VS Code asks the best provider only; its items are routed back to it.
        "textDocument/prepareCallHierarchy" | "textDocument/prepareTypeHierarchy" => {
            let Some(answer) = answers.into_iter().next() else {
                return Value::Null;
            };
            let mut items = answer.result;
            wrap_hierarchy_routes(&mut items, &answer.extension, answer.handle);
            items
        }
        "textDocument/completion" => {
            let mut incomplete = false;
            let mut items = Vec::new();
            for answer in answers {
                let (list, is_incomplete) = match answer.result {
                    Value::Array(list) => (list, false),
                    Value::Object(mut object) => (
                        object
                            .remove("items")
                            .and_then(|i| i.as_array().cloned())
                            .unwrap_or_default(),
                        object
                            .get("isIncomplete")
                            .and_then(Value::as_bool)
                            .unwrap_or(false),
                    ),
                    _ => (Vec::new(), false),
                };
                incomplete |= is_incomplete;
                for mut item in list {
                    wrap_route(&mut item, &answer.extension, answer.handle);
                    items.push(item);
                }
            }
            to_proto::completion_list(incomplete, items)
        }
        "textDocument/codeLens" => {
            let mut lenses = Vec::new();
            for answer in answers {
                for mut lens in as_list(answer.result) {
                    wrap_route(&mut lens, &answer.extension, answer.handle);
                    lenses.push(lens);
                }
            }
            Value::Array(lenses)
        }
        "textDocument/codeAction" | "textDocument/documentLink" => {
            // Items that carry `data` can be resolved later: route them back to their provider.
            let mut items = Vec::new();
            for answer in answers {
                for mut item in as_list(answer.result) {
                    if item.get("data").is_some() {
                        wrap_route(&mut item, &answer.extension, answer.handle);
                    }
                    items.push(item);
                }
            }
            Value::Array(items)
        }
        // VS Code takes the best provider with a non-empty answer for these.
        "textDocument/documentHighlight"
        | "textDocument/selectionRange"
        | "textDocument/linkedEditingRange"
        | "textDocument/colorPresentation" => answers
            .into_iter()
            .map(|answer| answer.result)
            .find(|result| !matches!(result, Value::Array(list) if list.is_empty()))
            .unwrap_or(Value::Null),
        "textDocument/definition"
        | "textDocument/foldingRange"
        | "textDocument/inlayHint"
        | "textDocument/documentColor"
        | "textDocument/references"
        | "textDocument/declaration"
        | "textDocument/typeDefinition"
        | "textDocument/implementation"
        | "textDocument/documentSymbol"
        | "workspace/symbol" => Value::Array(
            answers
                .into_iter()
                .flat_map(|a| as_list(a.result))
                .collect(),
        ),
        _ => answers.into_iter().next().map_or(Value::Null, |a| a.result),
    }
}

fn as_list(value: Value) -> Vec<Value> {
    match value {
        Value::Array(list) => list,
        Value::Null => Vec::new(),
        single => vec![single],
    }
}

/// Joins hovers into one markdown `MarkupContent`, separated by rules; the first range wins.
fn merge_hovers(answers: Vec<ProviderAnswer>) -> Value {
    let mut parts = Vec::new();
    let mut range = None;
    for answer in answers {
        if range.is_none() {
            range = answer.result.get("range").cloned();
        }
        if let Some(contents) = answer.result.get("contents") {
            parts.extend(markdown_of(contents));
        }
    }
    if parts.is_empty() {
        return Value::Null;
    }
    to_proto::hover(parts.join("\n\n---\n\n"), range.as_ref())
}

/// The markdown of hover contents in any of LSP's shapes (MarkupContent, MarkedString, arrays of them).
fn markdown_of(contents: &Value) -> Vec<String> {
    match contents {
        Value::String(text) => vec![text.clone()],
        Value::Array(items) => items.iter().flat_map(markdown_of).collect(),
        Value::Object(object) => {
            let value = object
                .get("value")
                .and_then(Value::as_str)
                .unwrap_or_default();
            match object.get("language").and_then(Value::as_str) {
                Some(language) => vec![format!("```{language}\n{value}\n```")],
                None => vec![value.to_owned()],
            }
        }
        _ => Vec::new(),
    }
}

/// Diagnostics per document from every extension's collections; published as their union.
#[derive(Debug, Clone, Default)]
pub struct DiagnosticsStore {
    /// uri → (extension, collection) → diagnostics.
    by_uri: BTreeMap<String, BTreeMap<(String, String), Vec<Value>>>,
}

impl DiagnosticsStore {
    /// Replaces one collection's diagnostics for one document; answers the document's union.
    pub fn set(
        &mut self,
        extension: &str,
        collection: &str,
        uri: &str,
        diagnostics: Vec<Value>,
    ) -> Vec<Value> {
        let entry = self.by_uri.entry(uri.to_owned()).or_default();
        let key = (extension.to_owned(), collection.to_owned());
        if diagnostics.is_empty() {
            entry.remove(&key);
        } else {
            entry.insert(key, diagnostics);
        }
        let union = self.union(uri);
        if union.is_empty() {
            self.by_uri.remove(uri);
        }
        union
    }

    /// Forgets everything an extension published; answers the affected documents with their new unions.
    pub fn clear_extension(&mut self, extension: &str) -> Vec<(String, Vec<Value>)> {
        let affected: Vec<String> = self
            .by_uri
            .iter()
            .filter(|(_, collections)| collections.keys().any(|(owner, _)| owner == extension))
            .map(|(uri, _)| uri.clone())
            .collect();
        for uri in &affected {
            if let Some(collections) = self.by_uri.get_mut(uri) {
                collections.retain(|(owner, _), _| owner != extension);
                if collections.is_empty() {
                    self.by_uri.remove(uri);
                }
            }
        }
        affected
            .into_iter()
            .map(|uri| {
                let union = self.union(&uri);
                (uri, union)
            })
            .collect()
    }

    fn union(&self, uri: &str) -> Vec<Value> {
        self.by_uri
            .get(uri)
            .map(|collections| collections.values().flatten().cloned().collect())
            .unwrap_or_default()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn selectors_score_like_vscode() {
        let cases = [
            (json!("plaintext"), "file:///a.txt", "plaintext", 10),
            (json!("rust"), "file:///a.txt", "plaintext", 0),
            (json!("*"), "file:///a.txt", "plaintext", 5),
            (
                json!({"scheme": "file", "language": "rust"}),
                "file:///a.rs",
                "rust",
                10,
            ),
            (json!({"scheme": "untitled"}), "file:///a.rs", "rust", 0),
            (
                json!({"scheme": "references"}),
                "references:x?1#2",
                "plaintext",
                10,
            ),
            (
                json!({"pattern": "**/*.rs"}),
                "file:///src/a.rs",
                "rust",
                10,
            ),
            (
                json!({"pattern": "**/*.rs"}),
                "file:///src/a.txt",
                "plaintext",
                0,
            ),
            (
                json!(["rust", {"language": "plaintext"}]),
                "file:///a.txt",
                "plaintext",
                10,
            ),
        ];
        for (selector, uri, language, score) in cases {
            assert_eq!(
                selector_score(&selector, uri, language),
                score,
                "{selector} on {uri}"
            );
        }
    }

    #[test]
    fn providers_match_best_first_and_latest_first() {
        let mut providers = Providers::default();
        let provider = |extension: &str, handle, selector| Provider {
            extension: extension.into(),
            handle,
            method: "textDocument/hover".into(),
            selector,
            options: Value::Null,
        };
        providers.add(provider("a.x", 1, json!("*")));
        providers.add(provider("b.x", 1, json!("rust")));
        providers.add(provider("c.x", 1, json!("rust")));
        providers.add(provider("d.x", 1, json!("python")));
        let order: Vec<String> = providers
            .matching("textDocument/hover", "file:///a.rs", "rust")
            .into_iter()
            .map(|p| p.extension)
            .collect();
        assert_eq!(order, ["c.x", "b.x", "a.x"]);
        let groups: Vec<Vec<String>> = providers
            .matching_groups("textDocument/hover", "file:///a.rs", "rust")
            .into_iter()
            .map(|group| group.into_iter().map(|p| p.extension).collect())
            .collect();
        assert_eq!(groups, [vec!["c.x", "b.x"], vec!["a.x"]]);
        assert_eq!(providers.remove_extension("b.x").len(), 1);
        assert!(
            providers
                .matching("textDocument/completion", "file:///a.rs", "rust")
                .is_empty()
        );
    }

    #[test]
    fn selectors_convert_to_lsp() {
        assert_eq!(
            lsp_document_selector(&json!("plaintext")),
            json!([{"language": "plaintext"}])
        );
        assert_eq!(lsp_document_selector(&json!("*")), Value::Null);
        assert_eq!(
            lsp_document_selector(
                &json!([{"scheme": "file", "language": "rust"}, {"pattern": {"base": "/x", "pattern": "*.md"}}])
            ),
            json!([{"language": "rust", "scheme": "file"}, {"pattern": "/x/*.md"}])
        );
    }

    #[test]
    fn a_relative_pattern_keeps_its_base() {
        // As the shim sends it (`{baseUri, pattern}`), with a base whose path has glob characters.
        let selector = json!([{"language": "markdown", "pattern": {"baseUri": "file:///work/a%5Bb%5D", "pattern": "docs/**/*.md"}}]);
        assert_eq!(
            lsp_document_selector(&selector),
            json!([{"language": "markdown", "pattern": "/work/a[[]b[]]/docs/**/*.md"}])
        );
        assert_eq!(
            selector_score(&selector, "file:///work/a%5Bb%5D/docs/x/y.md", "markdown"),
            10
        );
        for outside in [
            "file:///elsewhere/docs/y.md",
            "file:///work/ab/docs/y.md",
            "file:///work/a%5Bb%5D/src/y.md",
        ] {
            assert_eq!(
                selector_score(&selector, outside, "markdown"),
                0,
                "{outside} is outside the base"
            );
        }
    }

    #[test]
    fn answers_merge_per_method() {
        let answer = |extension: &str, result: Value| ProviderAnswer {
            extension: extension.into(),
            handle: 7,
            result,
        };
        // Highlights: the best provider with a non-empty answer; folding ranges: all of them.
        let highlights = merge(
            "textDocument/documentHighlight",
            vec![
                answer("a.x", json!([])),
                answer("b.x", json!([{"range": 1}])),
                answer("c.x", json!([{"range": 2}])),
            ],
        );
        assert_eq!(highlights, json!([{"range": 1}]));
        let folding = merge(
            "textDocument/foldingRange",
            vec![
                answer("a.x", json!([{"startLine": 0}])),
                answer("b.x", json!([{"startLine": 3}])),
            ],
        );
        assert_eq!(folding, json!([{"startLine": 0}, {"startLine": 3}]));
        assert_eq!(
            registered_method("textDocument/colorPresentation"),
            "textDocument/documentColor"
        );
        let completions = merge(
            "textDocument/completion",
            vec![
                answer("a.x", json!([{"label": "one"}])),
                answer(
                    "b.x",
                    json!({"isIncomplete": true, "items": [{"label": "two", "data": 5}]}),
                ),
                answer("c.x", Value::Null),
            ],
        );
        assert_eq!(completions["isIncomplete"], true);
        assert_eq!(completions["items"][0]["label"], "one");
        let mut second = completions["items"][1].clone();
        assert_eq!(
            unwrap_route(&mut second),
            Some(RouteData {
                extension: "b.x".into(),
                handle: 7,
                data: json!(5)
            })
        );
        assert_eq!(second, json!({"label": "two", "data": 5}));

        let hover = merge(
            "textDocument/hover",
            vec![
                answer(
                    "a.x",
                    json!({"contents": {"kind": "markdown", "value": "**A**"}, "range": {"start": {"line": 0, "character": 0}, "end": {"line": 0, "character": 1}}}),
                ),
                answer(
                    "b.x",
                    json!({"contents": ["plain", {"language": "rust", "value": "fn x()"}]}),
                ),
            ],
        );
        assert_eq!(
            hover["contents"]["value"],
            "**A**\n\n---\n\nplain\n\n---\n\n```rust\nfn x()\n```"
        );
        assert_eq!(hover["range"]["end"]["character"], 1);
        assert_eq!(
            merge("textDocument/hover", vec![answer("a.x", Value::Null)]),
            Value::Null
        );

        let locations = merge(
            "textDocument/definition",
            vec![
                answer("a.x", json!({"uri": "file:///a", "range": {}})),
                answer("b.x", json!([{"uri": "file:///b", "range": {}}])),
            ],
        );
        assert_eq!(locations.as_array().unwrap().len(), 2);
        let formatting = merge(
            "textDocument/formatting",
            vec![
                answer("a.x", Value::Null),
                answer("b.x", json!([{"newText": "x"}])),
            ],
        );
        assert_eq!(formatting, json!([{"newText": "x"}]));
    }

    #[test]
    fn diagnostics_union_per_document_and_clear_per_extension() {
        let mut store = DiagnosticsStore::default();
        assert_eq!(
            store
                .set("a.x", "one", "file:///f", vec![json!({"message": "1"})])
                .len(),
            1
        );
        assert_eq!(
            store
                .set("b.x", "two", "file:///f", vec![json!({"message": "2"})])
                .len(),
            2
        );
        assert_eq!(store.set("a.x", "one", "file:///f", vec![]).len(), 1);
        let cleared = store.clear_extension("b.x");
        assert_eq!(cleared, vec![("file:///f".to_owned(), vec![])]);
    }
}
