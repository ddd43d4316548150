//! Scripted language-server sessions: each `tests/lsp/*.txt` holds files
//! (`--- NAME` then its text) and, after `===`, a script of requests and
//! notifications; the server runs in-process over
//! `lsp_server::Connection::memory()` and the transcript of its answers is
//! snapshot-tested. `cargo test -p mvlc --test lsp -- hover` runs one.
//!
//! Positions are `LINE:COL`, both from 1, COL counted in characters.
//! Commands: `open F`, `change F L:C-L:C "json text"`, `close F`,
//! `write F "json text"` (on disk, then didChangeWatchedFiles),
//! `diagnostics` (waits until the server has published the current
//! texts' diagnostics and shows, of what it published since the last time,
//! the last publication of each file),
//! `hover F L:C`, `definition F L:C`, `references F L:C`,
//! `highlight F L:C`, `rename F L:C NEW`, `symbols F`, `workspace QUERY`,
//! `complete F L:C [PREFIX]`, `signature F L:C`, `format F`,
//! `actions F L:C`, `inlay F`, `tokens F`.

mod cases;

use libtest_mimic::Failed;
use lsp_server::{Connection, Message, Notification, Request, RequestId};
use serde_json::{json, Value};
use std::path::{Path, PathBuf};

fn main() {
    cases::run_cases("lsp", "txt", run_case)
}

struct Client {
    conn: Connection,
    next_id: i32,
    dir: PathBuf,
    /// Notifications received while waiting for responses.
    published: Vec<Value>,
}

impl Client {
    fn uri(&self, file: &str) -> String {
        format!("file://{}", self.dir.join(file).display())
    }

    fn notify(&self, method: &str, params: Value) -> Result<(), Failed> {
        self.conn
            .sender
            .send(Notification::new(method.to_string(), params).into())
            .map_err(|e| Failed::from(e.to_string()))
    }

    fn request(&mut self, method: &str, params: Value) -> Result<Value, Failed> {
        self.next_id += 1;
        let id = RequestId::from(self.next_id);
        self.conn
            .sender
            .send(Request::new(id.clone(), method.to_string(), params).into())
            .map_err(|e| Failed::from(e.to_string()))?;
        loop {
            let msg = self
                .conn
                .receiver
                .recv_timeout(std::time::Duration::from_secs(120))
                .map_err(|e| Failed::from(format!("no answer to {method}: {e}")))?;
            match msg {
                Message::Response(r) if r.id == id => {
                    return Ok(match r.response_result {
                        Ok(v) => v,
                        Err(e) => json!({ "error": e.message }),
                    })
                }
                Message::Notification(n) if n.method == "textDocument/publishDiagnostics" => {
                    self.published.push(n.params)
                }
                _ => {}
            }
        }
    }
}

fn position(spec: &str) -> Result<Value, Failed> {
    let (l, c) = spec
        .split_once(':')
        .ok_or_else(|| Failed::from(format!("bad position `{spec}`")))?;
    let l: u32 = l
        .parse()
        .map_err(|_| Failed::from(format!("bad line `{l}`")))?;
    let c: u32 = c
        .parse()
        .map_err(|_| Failed::from(format!("bad column `{c}`")))?;
    Ok(json!({ "line": l - 1, "character": c - 1 }))
}

fn run_case(name: &str, path: &Path) -> Result<(), Failed> {
    let source = std::fs::read_to_string(path).map_err(|e| Failed::from(e.to_string()))?;
    let (files, script) = source
        .split_once("\n===\n")
        .ok_or_else(|| Failed::from("no `===` line"))?;
    let dir = std::env::temp_dir().join(format!("mvlc-lsp-{}-{name}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).map_err(|e| Failed::from(e.to_string()))?;
    for part in files.split("--- ").skip(1) {
        let (file, text) = part.split_once('\n').unwrap_or((part, ""));
        std::fs::write(dir.join(file.trim()), text).map_err(|e| Failed::from(e.to_string()))?;
    }
    let (server, client) = Connection::memory();
    let thread = std::thread::spawn(move || mvlc::lsp::serve(server));
    let mut c = Client {
        conn: client,
        next_id: 0,
        dir: dir.clone(),
        published: Vec::new(),
    };
    c.request("initialize", json!({ "capabilities": {} }))?;
    c.notify("initialized", json!({}))?;
    let mut out = String::new();
    for line in script.lines() {
        let line = line.trim();
        if line.is_empty() || line.starts_with('#') {
            continue;
        }
        out.push_str(&format!("> {line}\n"));
        let words: Vec<&str> = line.splitn(4, ' ').collect();
        let doc = |i: usize| json!({ "uri": c.uri(words.get(i).copied().unwrap_or("")) });
        let at = |i: usize| -> Result<Value, Failed> {
            Ok(json!({
                "textDocument": doc(1),
                "position": position(words.get(i).copied().unwrap_or(""))?,
            }))
        };
        let result = match words[0] {
            "open" => {
                let text = std::fs::read_to_string(dir.join(words[1])).map_err(|e| Failed::from(e.to_string()))?;
                c.notify("textDocument/didOpen", json!({ "textDocument": {
                    "uri": c.uri(words[1]), "languageId": "mvl", "version": 1, "text": text } }))?;
                None
            }
            "change" => {
                let (from, to) = words[2].split_once('-').ok_or_else(|| Failed::from("bad range"))?;
                let text: String = serde_json::from_str(words[3]).map_err(|e| Failed::from(e.to_string()))?;
                c.notify("textDocument/didChange", json!({
                    "textDocument": { "uri": c.uri(words[1]), "version": 2 },
                    "contentChanges": [{ "range": { "start": position(from)?, "end": position(to)? }, "text": text }],
                }))?;
                None
            }
            "close" => {
                c.notify("textDocument/didClose", json!({ "textDocument": doc(1) }))?;
                None
            }
            "write" => {
                let rest = line.splitn(3, ' ').nth(2).unwrap_or("\"\"");
                let text: String = serde_json::from_str(rest).map_err(|e| Failed::from(e.to_string()))?;
                std::fs::write(dir.join(words[1]), text).map_err(|e| Failed::from(e.to_string()))?;
                c.notify("workspace/didChangeWatchedFiles", json!({ "changes": [{ "uri": c.uri(words[1]), "type": 2 }] }))?;
                None
            }
            "diagnostics" => {
                c.request("mvl/waitDiagnostics", Value::Null)?;
                // The last publication of each file: how many came before
                // it depends on when edits cancelled the worker.
                let mut last: std::collections::BTreeMap<String, Value> = Default::default();
                for p in std::mem::take(&mut c.published) {
                    last.insert(p["uri"].as_str().unwrap_or("").to_string(), p);
                }
                Some(Value::Array(last.into_values().collect()))
            }
            "hover" => Some(c.request("textDocument/hover", at(2)?)?),
            "definition" => Some(c.request("textDocument/definition", at(2)?)?),
            "references" => {
                let mut p = at(2)?;
                p["context"] = json!({ "includeDeclaration": true });
                Some(c.request("textDocument/references", p)?)
            }
            "highlight" => Some(c.request("textDocument/documentHighlight", at(2)?)?),
            "rename" => {
                let mut p = at(2)?;
                p["newName"] = json!(words.get(3).copied().unwrap_or(""));
                Some(c.request("textDocument/rename", p)?)
            }
            "symbols" => Some(c.request("textDocument/documentSymbol", json!({ "textDocument": doc(1) }))?),
            "workspace" => Some(c.request("workspace/symbol", json!({ "query": words.get(1).copied().unwrap_or("") }))?),
            "complete" => {
                let r = c.request("textDocument/completion", at(2)?)?;
                let prefix = words.get(3).copied().unwrap_or("");
                let items: Vec<String> = r
                    .as_array()
                    .into_iter()
                    .flatten()
                    .filter(|i| i["label"].as_str().unwrap_or("").starts_with(prefix))
                    .map(|i| format!("{} ({}) {}", i["label"].as_str().unwrap_or(""), i["kind"], i["detail"].as_str().unwrap_or("")))
                    .collect();
                Some(json!(items))
            }
            "signature" => Some(c.request("textDocument/signatureHelp", at(2)?)?),
            "format" => Some(c.request("textDocument/formatting", json!({ "textDocument": doc(1), "options": { "tabSize": 4, "insertSpaces": true } }))?),
            "actions" => {
                let pos = position(words[2])?;
                Some(c.request("textDocument/codeAction", json!({ "textDocument": doc(1),
                    "range": { "start": pos, "end": pos }, "context": { "diagnostics": [] } }))?)
            }
            "inlay" => Some(c.request("textDocument/inlayHint", json!({ "textDocument": doc(1),
                "range": { "start": { "line": 0, "character": 0 }, "end": { "line": 100000, "character": 0 } } }))?),
            "tokens" => Some(c.request("textDocument/semanticTokens/full", json!({ "textDocument": doc(1) }))?),
            other => return Err(Failed::from(format!("unknown command `{other}`"))),
        };
        if let Some(v) = result {
            let text = serde_json::to_string_pretty(&v).map_err(|e| Failed::from(e.to_string()))?;
            out.push_str(&text.replace(&format!("file://{}", dir.display()), "file://$DIR"));
            out.push('\n');
        }
    }
    c.request("shutdown", Value::Null)?;
    c.notify("exit", Value::Null)?;
    let served = thread
        .join()
        .map_err(|_| Failed::from("the server panicked"))?;
    served.map_err(Failed::from)?;
    let _ = std::fs::remove_dir_all(&dir);
    cases::snapshot(
        "lsp/snapshots",
        name,
        format!("mvlc lsp, the session tests/lsp/{name}.txt"),
        &out,
    )
}
