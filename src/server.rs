//! `leash server`: a language server over standard input and output.
//!
//! Diagnostics for each open document come from its text in the editor (no
//! save, no build), analysed as `leash check FILE` would, with the
//! configuration found from the file's directory, read again on every
//! analysis (a `leash.toml` is a few lines), so an edited configuration
//! applies at once; a change to one also re-analyses every open document.
//! Suggestions and suppressions are code actions; hovering a finding shows
//! its lint's documentation.

use crate::config::Config;
use crate::driver::{self, RunOptions};
use leash_lints::{Applicability, Finding, Level, Pos};
use lsp_server::{Connection, Message, Notification, Request, RequestId, Response};
use lsp_types::{
    notification::{self, Notification as _},
    request::{self, Request as _},
    CodeAction, CodeActionKind, CodeActionOrCommand, CodeActionParams,
    CodeActionProviderCapability, Diagnostic, DiagnosticRelatedInformation, DiagnosticSeverity,
    DidChangeTextDocumentParams, DidChangeWatchedFilesRegistrationOptions,
    DidCloseTextDocumentParams, DidOpenTextDocumentParams, DidSaveTextDocumentParams,
    FileSystemWatcher, GlobPattern, Hover, HoverContents, HoverParams, HoverProviderCapability,
    Location, MarkupContent, MarkupKind, MessageType, NumberOrString, Position,
    PublishDiagnosticsParams, Range, Registration, RegistrationParams, ServerCapabilities,
    ShowMessageParams, TextDocumentSyncCapability, TextDocumentSyncKind, TextDocumentSyncOptions,
    TextDocumentSyncSaveOptions, TextEdit, Uri, WorkspaceEdit,
};
use std::collections::HashMap;
use std::path::PathBuf;

/// An open document: its text and what was found in it.
struct Document {
    uri: Uri,
    text: String,
    version: Option<i32>,
    findings: Vec<(Level, Finding)>,
    /// Why the configuration for this file did not load (the defaults
    /// applied instead).
    config_error: Option<String>,
}

/// Runs the server until the editor asks it to exit. Errors are the
/// protocol's (a closed connection, a malformed message).
pub fn run() -> Result<(), String> {
    let (connection, io_threads) = Connection::stdio();
    serve(&connection)?;
    drop(connection);
    io_threads.join().map_err(|e| e.to_string())
}

fn capabilities() -> ServerCapabilities {
    ServerCapabilities {
        text_document_sync: Some(TextDocumentSyncCapability::Options(
            TextDocumentSyncOptions {
                open_close: Some(true),
                change: Some(TextDocumentSyncKind::FULL),
                save: Some(TextDocumentSyncSaveOptions::Supported(true)),
                ..Default::default()
            },
        )),
        hover_provider: Some(HoverProviderCapability::Simple(true)),
        code_action_provider: Some(CodeActionProviderCapability::Simple(true)),
        ..Default::default()
    }
}

fn serve(connection: &Connection) -> Result<(), String> {
    let caps = serde_json::to_value(capabilities()).map_err(|e| e.to_string())?;
    let params = connection.initialize(caps).map_err(|e| e.to_string())?;
    // Editors that can watch files for a server are asked to report changes
    // to configuration files; the others report them when saved in the editor.
    if params["capabilities"]["workspace"]["didChangeWatchedFiles"]["dynamicRegistration"] == true {
        send(connection, watch_configuration().into())?;
    }
    let mut docs: HashMap<String, Document> = HashMap::new();
    // Configuration errors already shown: each is shown once, not on every
    // keystroke.
    let mut shown_errors: Vec<String> = Vec::new();
    for msg in &connection.receiver {
        match msg {
            Message::Request(req) => {
                if connection
                    .handle_shutdown(&req)
                    .map_err(|e| e.to_string())?
                {
                    return Ok(());
                }
                let response = answer(&docs, req);
                send(connection, response.into())?;
            }
            Message::Notification(n) => {
                for uri in on_notification(&mut docs, n) {
                    let Some(doc) = docs.get(&uri) else { continue };
                    if let Some(e) = &doc.config_error {
                        if !shown_errors.contains(e) {
                            shown_errors.push(e.clone());
                            send(connection, configuration_warning(e).into())?;
                        }
                    }
                    send(connection, diagnostics_of(doc).into())?;
                }
            }
            Message::Response(_) => {}
        }
    }
    Ok(())
}

/// Asks the editor to report changes to `leash.toml` and `Cargo.toml`.
fn watch_configuration() -> Request {
    let watchers: Vec<FileSystemWatcher> = ["**/leash.toml", "**/Cargo.toml"]
        .into_iter()
        .map(|glob| FileSystemWatcher {
            glob_pattern: GlobPattern::String(glob.into()),
            kind: None,
        })
        .collect();
    let params = RegistrationParams {
        registrations: vec![Registration {
            id: "leash-configuration".into(),
            method: notification::DidChangeWatchedFiles::METHOD.into(),
            register_options: serde_json::to_value(DidChangeWatchedFilesRegistrationOptions {
                watchers,
            })
            .ok(),
        }],
    };
    Request::new(
        RequestId::from("leash-watch-configuration".to_string()),
        request::RegisterCapability::METHOD.into(),
        params,
    )
}

fn configuration_warning(error: &str) -> Notification {
    Notification::new(
        notification::ShowMessage::METHOD.into(),
        ShowMessageParams {
            typ: MessageType::WARNING,
            message: format!(
                "leash: bad configuration: {error}; using the defaults until it loads"
            ),
        },
    )
}

fn send(connection: &Connection, msg: Message) -> Result<(), String> {
    connection.sender.send(msg).map_err(|e| e.to_string())
}

/// Applies a notification; returns the documents to publish again.
fn on_notification(docs: &mut HashMap<String, Document>, n: Notification) -> Vec<String> {
    match n.method.as_str() {
        notification::DidOpenTextDocument::METHOD => {
            let Ok(p) = serde_json::from_value::<DidOpenTextDocumentParams>(n.params) else {
                return Vec::new();
            };
            let key = p.text_document.uri.as_str().to_string();
            if is_config(&key) {
                return reanalyse_all(docs);
            }
            // An editor configured for more languages may open other files.
            if p.text_document.language_id != "rust" && !key.ends_with(".rs") {
                return Vec::new();
            }
            let mut doc = Document {
                uri: p.text_document.uri,
                text: p.text_document.text,
                version: Some(p.text_document.version),
                findings: Vec::new(),
                config_error: None,
            };
            analyse(&mut doc);
            docs.insert(key.clone(), doc);
            vec![key]
        }
        notification::DidChangeTextDocument::METHOD => {
            let Ok(p) = serde_json::from_value::<DidChangeTextDocumentParams>(n.params) else {
                return Vec::new();
            };
            let key = p.text_document.uri.as_str().to_string();
            let Some(doc) = docs.get_mut(&key) else {
                return Vec::new();
            };
            // Full synchronisation: the last change holds the whole text.
            let Some(change) = p.content_changes.into_iter().last() else {
                return Vec::new();
            };
            doc.text = change.text;
            doc.version = Some(p.text_document.version);
            analyse(doc);
            vec![key]
        }
        notification::DidSaveTextDocument::METHOD => {
            let Ok(p) = serde_json::from_value::<DidSaveTextDocumentParams>(n.params) else {
                return Vec::new();
            };
            let key = p.text_document.uri.as_str().to_string();
            if is_config(&key) {
                return reanalyse_all(docs);
            }
            match docs.get_mut(&key) {
                Some(doc) => {
                    analyse(doc);
                    vec![key]
                }
                None => Vec::new(),
            }
        }
        notification::DidCloseTextDocument::METHOD => {
            if let Ok(p) = serde_json::from_value::<DidCloseTextDocumentParams>(n.params) {
                docs.remove(p.text_document.uri.as_str());
            }
            Vec::new()
        }
        // A configuration file changed on disk (when the editor watches it).
        notification::DidChangeWatchedFiles::METHOD => reanalyse_all(docs),
        _ => Vec::new(),
    }
}

fn is_config(uri: &str) -> bool {
    uri.ends_with("/leash.toml") || uri.ends_with("/Cargo.toml")
}

fn reanalyse_all(docs: &mut HashMap<String, Document>) -> Vec<String> {
    for doc in docs.values_mut() {
        analyse(doc);
    }
    docs.keys().cloned().collect()
}

/// The local path of a `file:` URI (percent escapes decoded), or `None`.
fn path_of(uri: &str) -> Option<PathBuf> {
    let rest = uri.strip_prefix("file://")?;
    // `file:///C:/..` on Windows: the drive follows the third slash.
    let rest = match rest.as_bytes() {
        [b'/', _, b':', ..] if cfg!(windows) => &rest[1..],
        _ => rest,
    };
    let bytes = rest.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        let hex = |b: u8| (b as char).to_digit(16);
        match bytes[i] {
            b'%' if i + 2 < bytes.len() => match (hex(bytes[i + 1]), hex(bytes[i + 2])) {
                (Some(h), Some(l)) => {
                    out.push((h * 16 + l) as u8);
                    i += 3;
                    continue;
                }
                _ => out.push(b'%'),
            },
            b => out.push(b),
        }
        i += 1;
    }
    Some(PathBuf::from(String::from_utf8(out).ok()?))
}

/// Analyses a document's text as `leash check FILE` would.
fn analyse(doc: &mut Document) {
    let path = path_of(doc.uri.as_str()).unwrap_or_else(|| PathBuf::from("untitled.rs"));
    // A configuration that does not load is shown to the user, and the
    // defaults keep diagnostics coming while it is edited.
    doc.config_error = None;
    let config = match Config::discover(&path) {
        Ok(c) => c,
        Err(e) => {
            doc.config_error = Some(e.to_string());
            Config {
                root: path.parent().map(PathBuf::from).unwrap_or_default(),
                ..Config::default()
            }
        }
    };
    let opts = RunOptions {
        include_tests: config.include_tests,
        min_confidence: config.confidence,
        config,
        // As in `leash check`: stale suppressions are reported on request only.
        overrides: vec![("unused_allow".into(), Level::Allow)],
        named_files: vec![path.clone()],
        jobs: None,
        max_file_size: driver::DEFAULT_MAX_FILE_SIZE,
        perf: driver::PerfOptions::default(),
        inventory: false,
    };
    let display = driver::display_path(&path);
    doc.findings = driver::check_text(&display, &doc.text, &opts);
}

/// An LSP position (0-based line, UTF-16 column) from a leash position
/// (1-based line, column in Unicode scalar values).
fn position(text: &str, p: Pos) -> Position {
    let line = p.line.saturating_sub(1);
    let character: usize = text
        .lines()
        .nth(line)
        .unwrap_or("")
        .chars()
        .take(p.column)
        .map(char::len_utf16)
        .sum();
    Position::new(
        u32::try_from(line).unwrap_or(u32::MAX),
        u32::try_from(character).unwrap_or(u32::MAX),
    )
}

fn range(text: &str, span: leash_lints::Span) -> Range {
    if span.start.line == 0 {
        // A problem of the whole file: its first character.
        return Range::new(Position::new(0, 0), Position::new(0, 0));
    }
    Range::new(position(text, span.start), position(text, span.end))
}

fn diagnostic(uri: &Uri, text: &str, level: Level, f: &Finding) -> Diagnostic {
    let mut message = f.message.clone();
    if let Some(h) = &f.help {
        message.push_str(&format!("\nhelp: {h}"));
    }
    // The other places that explain the finding (the retry loop a delay is
    // in, ..), as rust-analyzer shows rustc's secondary labels.
    let related: Vec<DiagnosticRelatedInformation> = f
        .labels
        .iter()
        .filter(|l| l.span.start.line > 0)
        .map(|l| DiagnosticRelatedInformation {
            location: Location::new(uri.clone(), range(text, l.span)),
            message: l.message.clone(),
        })
        .collect();
    Diagnostic {
        related_information: (!related.is_empty()).then_some(related),
        range: range(text, f.span),
        severity: Some(if level == Level::Deny {
            DiagnosticSeverity::ERROR
        } else {
            DiagnosticSeverity::WARNING
        }),
        code: Some(NumberOrString::String(f.lint.to_string())),
        source: Some("leash".into()),
        message,
        ..Default::default()
    }
}

fn diagnostics_of(doc: &Document) -> Notification {
    let params = PublishDiagnosticsParams {
        uri: doc.uri.clone(),
        diagnostics: doc
            .findings
            .iter()
            .map(|(level, f)| diagnostic(&doc.uri, &doc.text, *level, f))
            .collect(),
        version: doc.version,
    };
    Notification::new(notification::PublishDiagnostics::METHOD.into(), params)
}

fn overlaps(a: &Range, b: &Range) -> bool {
    a.start <= b.end && b.start <= a.end
}

fn answer(docs: &HashMap<String, Document>, req: Request) -> Response {
    let id = req.id.clone();
    match req.method.as_str() {
        request::CodeActionRequest::METHOD => {
            match serde_json::from_value::<CodeActionParams>(req.params) {
                Ok(p) => Response::new_ok(id, code_actions(docs, &p)),
                Err(e) => invalid(id, e),
            }
        }
        request::HoverRequest::METHOD => match serde_json::from_value::<HoverParams>(req.params) {
            Ok(p) => Response::new_ok(id, hover(docs, &p)),
            Err(e) => invalid(id, e),
        },
        _ => Response::new_err(
            id,
            lsp_server::ErrorCode::MethodNotFound as i32,
            format!("leash server does not handle `{}`", req.method),
        ),
    }
}

fn invalid(id: RequestId, e: serde_json::Error) -> Response {
    Response::new_err(
        id,
        lsp_server::ErrorCode::InvalidParams as i32,
        e.to_string(),
    )
}

/// A quick fix per suggestion of each finding in the range asked about.
fn code_actions(
    docs: &HashMap<String, Document>,
    p: &CodeActionParams,
) -> Vec<CodeActionOrCommand> {
    let Some(doc) = docs.get(p.text_document.uri.as_str()) else {
        return Vec::new();
    };
    let mut out = Vec::new();
    for (level, f) in &doc.findings {
        let diag = diagnostic(&doc.uri, &doc.text, *level, f);
        if !overlaps(&diag.range, &p.range) {
            continue;
        }
        for s in &f.suggestions {
            let edits: Vec<TextEdit> = s
                .edits
                .iter()
                .map(|e| TextEdit::new(range(&doc.text, e.span), e.replacement.clone()))
                .collect();
            #[allow(clippy::mutable_key_type)] // `Uri` hashes its text only
            let changes = HashMap::from([(doc.uri.clone(), edits)]);
            out.push(CodeActionOrCommand::CodeAction(CodeAction {
                title: s.message.clone(),
                kind: Some(CodeActionKind::QUICKFIX),
                diagnostics: Some(vec![diag.clone()]),
                edit: Some(WorkspaceEdit::new(changes)),
                is_preferred: Some(s.applicability == Applicability::MachineApplicable),
                ..Default::default()
            }));
        }
    }
    out
}

/// The documentation of the lint whose finding is under the cursor.
fn hover(docs: &HashMap<String, Document>, p: &HoverParams) -> Option<Hover> {
    let at = &p.text_document_position_params;
    let doc = docs.get(at.text_document.uri.as_str())?;
    let point = Range::new(at.position, at.position);
    let (_, f) = doc
        .findings
        .iter()
        .find(|(_, f)| overlaps(&range(&doc.text, f.span), &point))?;
    let lint = leash_lints::lint_by_name(f.lint)?;
    Some(Hover {
        contents: HoverContents::Markup(MarkupContent {
            kind: MarkupKind::Markdown,
            value: format!(
                "**leash: {}** ({}, {} by default)\n\n{}\n\n{}",
                lint.name,
                lint.group,
                lint.default_level.as_str(),
                lint.summary,
                lint.docs
            ),
        }),
        range: Some(range(&doc.text, f.span)),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn file_uris_become_paths() {
        assert_eq!(
            path_of("file:///home/a%20b/src/lib.rs"),
            Some(PathBuf::from("/home/a b/src/lib.rs"))
        );
        assert_eq!(path_of("untitled:Untitled-1"), None);
        // A stray `%` is kept as it is.
        assert_eq!(path_of("file:///x%2"), Some(PathBuf::from("/x%2")));
    }

    #[test]
    fn positions_count_utf16_units() {
        let text = "let é = 1;\nlet 😀 = f();\n";
        assert_eq!(
            position(text, Pos { line: 2, column: 6 }),
            Position::new(1, 7)
        );
        assert_eq!(
            position(text, Pos { line: 1, column: 5 }),
            Position::new(0, 5)
        );
    }
}
