//! `mvlc lsp`: the language server, on stdin and stdout, over the same
//! salsa database as the command line (`db::Database`).
//!
//! The open buffers are the source of truth: `didOpen` and `didChange`
//! (incremental) set their text in the database; files that are not open
//! are read from disk by the database when a query first needs them, and
//! read again when the editor reports a change (`didChangeWatchedFiles`)
//! or closes the buffer. Each open file is the root of a `db::Program`;
//! a module's features read its own program, its diagnostics come from
//! every open program that holds it.
//!
//! Requests are answered on the main thread against the latest text:
//! every message already received is handled in order, so a request sees
//! every edit sent before it. Diagnostics are computed on a clone of the
//! database on a worker thread (`diagnostics`); an edit that arrives
//! meanwhile cancels that computation (salsa cancels a clone's queries
//! when the input is written) and a new one starts. A request that arrives
//! during a computation is answered at once from the main thread's handle,
//! unless it needs the very query the worker is computing, which it then
//! waits for. Requests are answered as they arrive, so `$/cancelRequest`
//! can only find a `mvl/waitDiagnostics` still pending: it is answered with
//! `RequestCancelled`. Opening a large file starts parsing it on a second
//! core as well (`db::prime`).
//!
//! Features, one file per group: `docs` (buffers, positions, URIs),
//! `analysis` (the checker's facts: names, definitions, types),
//! `diagnostics`, `navigate` (hover, definition, references, highlight,
//! rename), `symbols` (document and workspace symbols), `complete`
//! (completion, signature help) and `edits` (formatting, code actions,
//! semantic tokens, inlay hints).

pub mod analysis;
pub mod complete;
pub mod diagnostics;
pub mod docs;
pub mod edits;
pub mod navigate;
pub mod symbols;

use crossbeam_channel::{select, Receiver, Sender};
use docs::{uri_to_path, Doc, Docs};
use lsp_server::{Connection, Message, Notification, Request, RequestId, Response};
use lsp_types as lsp;
use mvl_compiler::db::{Database, Program};
use serde_json::Value;
use std::collections::HashMap;

/// Runs the server on standard input and output until the editor says
/// `exit`; returns the process's exit code.
pub fn run() -> i32 {
    let (connection, io) = Connection::stdio();
    let code = match serve(connection) {
        Ok(()) => 0,
        Err(e) => {
            eprintln!("mvlc lsp: {e}");
            1
        }
    };
    let _ = io.join();
    code
}

/// What the server offers.
pub fn capabilities() -> lsp::ServerCapabilities {
    use lsp::*;
    ServerCapabilities {
        text_document_sync: Some(TextDocumentSyncCapability::Options(
            TextDocumentSyncOptions {
                open_close: Some(true),
                change: Some(TextDocumentSyncKind::INCREMENTAL),
                save: Some(TextDocumentSyncSaveOptions::Supported(true)),
                ..Default::default()
            },
        )),
        hover_provider: Some(HoverProviderCapability::Simple(true)),
        definition_provider: Some(OneOf::Left(true)),
        references_provider: Some(OneOf::Left(true)),
        document_highlight_provider: Some(OneOf::Left(true)),
        document_symbol_provider: Some(OneOf::Left(true)),
        workspace_symbol_provider: Some(OneOf::Left(true)),
        rename_provider: Some(OneOf::Right(RenameOptions {
            prepare_provider: Some(false),
            work_done_progress_options: Default::default(),
        })),
        completion_provider: Some(CompletionOptions {
            trigger_characters: Some(vec![".".to_string(), ":".to_string()]),
            ..Default::default()
        }),
        signature_help_provider: Some(SignatureHelpOptions {
            trigger_characters: Some(vec!["(".to_string(), ",".to_string()]),
            ..Default::default()
        }),
        document_formatting_provider: Some(OneOf::Left(true)),
        code_action_provider: Some(CodeActionProviderCapability::Simple(true)),
        inlay_hint_provider: Some(OneOf::Left(true)),
        semantic_tokens_provider: Some(SemanticTokensServerCapabilities::SemanticTokensOptions(
            SemanticTokensOptions {
                legend: edits::legend(),
                full: Some(SemanticTokensFullOptions::Bool(true)),
                ..Default::default()
            },
        )),
        ..Default::default()
    }
}

/// Serves one connection: the initialize handshake, then messages until
/// `exit`.
pub fn serve(connection: Connection) -> Result<(), String> {
    let caps = serde_json::to_value(capabilities()).map_err(|e| e.to_string())?;
    connection.initialize(caps).map_err(|e| e.to_string())?;
    let (done_tx, done_rx) = crossbeam_channel::unbounded();
    let mut server = Server {
        sender: connection.sender.clone(),
        db: Database::default(),
        docs: Docs::default(),
        programs: Vec::new(),
        published: HashMap::new(),
        generation: 0,
        published_generation: 0,
        others: HashMap::new(),
        running: None,
        done_tx,
        waiting: Vec::new(),
        shutting_down: false,
    };
    server.main_loop(&connection.receiver, &done_rx)
}

/// The diagnostics of one generation of the texts, from the worker.
type Done = (u64, Option<diagnostics::Published>);

pub struct Server {
    sender: Sender<Message>,
    pub db: Database,
    pub docs: Docs,
    /// Each open file's program, by path, in the order they were opened.
    pub programs: Vec<(String, Program)>,
    published: diagnostics::Published,
    /// Counts the edits; a worker's result for an older one is dropped.
    generation: u64,
    /// The generation whose diagnostics were published last.
    published_generation: u64,
    /// The programs of files asked about that are not open.
    others: HashMap<String, Program>,
    /// The generation a worker is computing, if one is.
    running: Option<u64>,
    done_tx: Sender<Done>,
    /// `mvl/waitDiagnostics` requests, answered once the latest
    /// generation's diagnostics are published.
    waiting: Vec<RequestId>,
    shutting_down: bool,
}

impl Server {
    fn main_loop(
        &mut self,
        inbox: &Receiver<Message>,
        done: &Receiver<Done>,
    ) -> Result<(), String> {
        loop {
            select! {
                recv(inbox) -> msg => {
                    let Ok(msg) = msg else { return Ok(()) };
                    match msg {
                        Message::Request(req) => self.request(req),
                        Message::Notification(n) => {
                            if n.method == "exit" {
                                return Ok(());
                            }
                            self.notification(n);
                        }
                        Message::Response(_) => {}
                    }
                    // Coalesce: start diagnostics once the inbox is empty.
                    if inbox.is_empty() {
                        self.schedule();
                    }
                }
                recv(done) -> result => {
                    let Ok((generation, published)) = result else { continue };
                    self.running = None;
                    if generation == self.generation {
                        if let Some(published) = published {
                            self.publish(published);
                        }
                        for id in std::mem::take(&mut self.waiting) {
                            self.respond(Response::new_ok(id, ()));
                        }
                    } else {
                        self.schedule();
                    }
                }
            }
        }
    }

    /// Starts computing the diagnostics of the current texts, unless they
    /// are published or being computed.
    fn schedule(&mut self) {
        let current = self.published_generation == self.generation;
        if current || self.running.is_some() {
            return;
        }
        let db = self.db.clone();
        let programs = self.programs.clone();
        let generation = self.generation;
        let tx = self.done_tx.clone();
        self.running = Some(generation);
        std::thread::spawn(move || {
            let result = salsa::Cancelled::catch(std::panic::AssertUnwindSafe(|| {
                diagnostics::compute(&db, &programs)
            }))
            .ok();
            drop(db);
            let _ = tx.send((generation, result));
        });
    }

    fn publish(&mut self, published: diagnostics::Published) {
        self.published_generation = self.generation;
        let mut paths: Vec<&String> = published.keys().chain(self.published.keys()).collect();
        paths.sort();
        paths.dedup();
        let mut sends = Vec::new();
        for path in paths {
            let new = published.get(path);
            if new == self.published.get(path) {
                continue;
            }
            let Some(uri) = self
                .docs
                .open
                .get(path)
                .map(|d| d.uri.clone())
                .or_else(|| docs::path_to_uri(path))
            else {
                continue;
            };
            sends.push(lsp::PublishDiagnosticsParams {
                uri,
                diagnostics: new.cloned().unwrap_or_default(),
                version: None,
            });
        }
        for params in sends {
            self.notify("textDocument/publishDiagnostics", params);
        }
        self.published = published;
    }

    fn notify(&self, method: &str, params: impl serde::Serialize) {
        let _ = self
            .sender
            .send(Notification::new(method.to_string(), params).into());
    }

    fn respond(&self, response: Response) {
        let _ = self.sender.send(response.into());
    }

    /// The texts changed: what was published is out of date.
    fn changed(&mut self) {
        self.generation += 1;
    }

    fn notification(&mut self, n: Notification) {
        let params = n.params;
        match n.method.as_str() {
            "textDocument/didOpen" => {
                let Ok(p) = serde_json::from_value::<lsp::DidOpenTextDocumentParams>(params) else {
                    return;
                };
                let Some(path) = uri_to_path(&p.text_document.uri) else {
                    return;
                };
                let file = self.db.set_file(&path, p.text_document.text.clone());
                if !self.programs.iter().any(|(q, _)| *q == path) {
                    let program = self
                        .others
                        .remove(&path)
                        .unwrap_or_else(|| Program::new(&self.db, file, Vec::new()));
                    // A large file's items start parsing on a second core.
                    mvl_compiler::db::prime(&self.db, program);
                    self.programs.push((path.clone(), program));
                }
                self.docs.open.insert(
                    path,
                    Doc {
                        uri: p.text_document.uri,
                        version: p.text_document.version,
                        text: p.text_document.text,
                    },
                );
                self.changed();
            }
            "textDocument/didChange" => {
                let Ok(p) = serde_json::from_value::<lsp::DidChangeTextDocumentParams>(params)
                else {
                    return;
                };
                let Some(path) = uri_to_path(&p.text_document.uri) else {
                    return;
                };
                let Some(doc) = self.docs.open.get_mut(&path) else {
                    return;
                };
                docs::apply_changes(&mut doc.text, &p.content_changes);
                doc.version = p.text_document.version;
                let text = doc.text.clone();
                self.db.set_file(&path, text);
                self.changed();
            }
            "textDocument/didClose" => {
                let Ok(p) = serde_json::from_value::<lsp::DidCloseTextDocumentParams>(params)
                else {
                    return;
                };
                let Some(path) = uri_to_path(&p.text_document.uri) else {
                    return;
                };
                self.docs.open.remove(&path);
                self.programs.retain(|(q, _)| *q != path);
                // The disk is the truth again for this file.
                self.db.reload(&path);
                self.changed();
            }
            "$/cancelRequest" => {
                // Requests are answered as they arrive, so only one that
                // waits for diagnostics can still be pending: it ends now.
                let Ok(p) = serde_json::from_value::<lsp::CancelParams>(params) else {
                    return;
                };
                let id: RequestId = match p.id {
                    lsp::NumberOrString::Number(n) => n.into(),
                    lsp::NumberOrString::String(s) => s.into(),
                };
                if let Some(i) = self.waiting.iter().position(|w| *w == id) {
                    self.waiting.remove(i);
                    self.respond(Response::new_err(
                        id,
                        lsp_server::ErrorCode::RequestCanceled as i32,
                        "cancelled".to_string(),
                    ));
                }
            }
            "textDocument/didSave" => {
                // The buffer already holds what was saved; a save changes
                // nothing the server reads.
            }
            "workspace/didChangeWatchedFiles" => {
                let Ok(p) = serde_json::from_value::<lsp::DidChangeWatchedFilesParams>(params)
                else {
                    return;
                };
                for change in p.changes {
                    let Some(path) = uri_to_path(&change.uri) else {
                        continue;
                    };
                    if !self.docs.open.contains_key(&path) {
                        self.db.reload(&path);
                    }
                }
                self.changed();
            }
            _ => {}
        }
    }

    fn request(&mut self, req: Request) {
        if self.shutting_down {
            self.respond(Response::new_err(
                req.id,
                lsp_server::ErrorCode::InvalidRequest as i32,
                "the server is shutting down".to_string(),
            ));
            return;
        }
        let id = req.id.clone();
        let result: Result<Value, String> = match req.method.as_str() {
            "shutdown" => {
                self.shutting_down = true;
                Ok(Value::Null)
            }
            "mvl/waitDiagnostics" => {
                if self.published_generation == self.generation {
                    Ok(Value::Null)
                } else {
                    self.waiting.push(id);
                    return;
                }
            }
            "textDocument/hover" => self.handle(req.params, navigate::hover),
            "textDocument/definition" => self.handle(req.params, navigate::definition),
            "textDocument/references" => self.handle(req.params, navigate::references),
            "textDocument/documentHighlight" => self.handle(req.params, navigate::highlight),
            "textDocument/rename" => self.handle(req.params, navigate::rename),
            "textDocument/documentSymbol" => self.handle(req.params, symbols::document_symbols),
            "workspace/symbol" => self.handle(req.params, symbols::workspace_symbols),
            "textDocument/completion" => self.handle(req.params, complete::completion),
            "textDocument/signatureHelp" => self.handle(req.params, complete::signature_help),
            "textDocument/formatting" => self.handle(req.params, edits::formatting),
            "textDocument/codeAction" => self.handle(req.params, edits::code_actions),
            "textDocument/inlayHint" => self.handle(req.params, edits::inlay_hints),
            "textDocument/semanticTokens/full" => self.handle(req.params, edits::semantic_tokens),
            other => {
                self.respond(Response::new_err(
                    id,
                    lsp_server::ErrorCode::MethodNotFound as i32,
                    format!("unknown request `{other}`"),
                ));
                return;
            }
        };
        match result {
            Ok(v) => self.respond(Response::new_ok(id, v)),
            Err(message) => self.respond(Response::new_err(
                id,
                lsp_server::ErrorCode::RequestFailed as i32,
                message,
            )),
        }
    }

    /// Decodes the parameters, runs a feature and encodes its answer.
    fn handle<P, R>(
        &mut self,
        params: Value,
        f: fn(&mut Server, P) -> Result<R, String>,
    ) -> Result<Value, String>
    where
        P: serde::de::DeserializeOwned,
        R: serde::Serialize,
    {
        let p: P = serde_json::from_value(params).map_err(|e| format!("bad parameters: {e}"))?;
        // A bug in one feature answers its request with an error instead
        // of ending the session; the database is not left half written, as
        // requests only read it.
        let r = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| f(self, p)))
            .map_err(|_| "internal error while answering this request".to_string())??;
        serde_json::to_value(r).map_err(|e| e.to_string())
    }

    /// The path of a document and the program its features read (its own,
    /// made when it is first needed for a file that is not open).
    pub fn program_for(&mut self, uri: &lsp::Uri) -> Result<(String, Program), String> {
        let path = uri_to_path(uri).ok_or_else(|| format!("not a file URI: {}", uri.as_str()))?;
        if let Some((_, p)) = self.programs.iter().find(|(q, _)| *q == path) {
            return Ok((path, *p));
        }
        if let Some(p) = self.others.get(&path) {
            return Ok((path, *p));
        }
        let file = mvl_compiler::db::Db::file(&self.db, &path);
        let program = Program::new(&self.db, file, Vec::new());
        self.others.insert(path.clone(), program);
        Ok((path, program))
    }

    /// The text of a file as the database has it.
    pub fn text_of(&self, path: &str) -> String {
        mvl_compiler::db::Db::file(&self.db, path)
            .text(&self.db)
            .clone()
    }
}
