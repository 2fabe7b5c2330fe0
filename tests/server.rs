//! `leash server` driven over standard input and output as an editor drives
//! it: initialize, open, diagnostics, change, code actions, hover, a
//! configuration change, shutdown and exit. Every read has a deadline, so a
//! server that stops answering fails the test instead of hanging it.

use serde_json::{json, Value};
use std::io::{BufRead, BufReader, Write};
use std::process::{Child, ChildStdin, Command, Stdio};
use std::sync::mpsc::{Receiver, RecvTimeoutError};
use std::time::Duration;

/// How long to wait for any one message before giving up.
const READ_TIMEOUT: Duration = Duration::from_secs(60);

const JITTERLESS: &str = "use backon::ExponentialBuilder;

pub fn lockstep() -> ExponentialBuilder {
    ExponentialBuilder::default().with_max_times(16)
}
";

const JITTERED: &str = "use backon::ExponentialBuilder;

pub fn lockstep() -> ExponentialBuilder {
    ExponentialBuilder::default().with_max_times(16).with_jitter()
}
";

struct Editor {
    child: Child,
    stdin: ChildStdin,
    incoming: Receiver<Value>,
}

impl Editor {
    fn start() -> Editor {
        let mut child = Command::new(env!("CARGO_BIN_EXE_leash"))
            .arg("server")
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .expect("leash server starts");
        let stdin = child.stdin.take().unwrap();
        let stdout = child.stdout.take().unwrap();
        let (tx, incoming) = std::sync::mpsc::channel();
        std::thread::spawn(move || {
            let mut r = BufReader::new(stdout);
            while let Some(msg) = read_message(&mut r) {
                if tx.send(msg).is_err() {
                    break;
                }
            }
        });
        Editor {
            child,
            stdin,
            incoming,
        }
    }

    fn send(&mut self, msg: Value) {
        let body = msg.to_string();
        write!(self.stdin, "Content-Length: {}\r\n\r\n{body}", body.len()).unwrap();
        self.stdin.flush().unwrap();
    }

    fn request(&mut self, id: u64, method: &str, params: Value) -> Value {
        self.send(json!({"jsonrpc": "2.0", "id": id, "method": method, "params": params}));
        loop {
            let msg = self.next();
            if msg["id"] == id {
                return msg;
            }
        }
    }

    fn notify(&mut self, method: &str, params: Value) {
        self.send(json!({"jsonrpc": "2.0", "method": method, "params": params}));
    }

    fn next(&mut self) -> Value {
        match self.incoming.recv_timeout(READ_TIMEOUT) {
            Ok(msg) => msg,
            Err(RecvTimeoutError::Timeout) => {
                let _ = self.child.kill();
                panic!("no message from the server within {READ_TIMEOUT:?}");
            }
            Err(RecvTimeoutError::Disconnected) => panic!("the server closed its output"),
        }
    }

    /// The next diagnostics published.
    fn diagnostics(&mut self) -> Value {
        loop {
            let msg = self.next();
            if msg["method"] == "textDocument/publishDiagnostics" {
                return msg["params"].clone();
            }
        }
    }
}

fn read_message(r: &mut impl BufRead) -> Option<Value> {
    let mut length = None;
    loop {
        let mut line = String::new();
        if r.read_line(&mut line).ok()? == 0 {
            return None;
        }
        let line = line.trim_end();
        if line.is_empty() {
            break;
        }
        if let Some(v) = line.strip_prefix("Content-Length: ") {
            length = v.parse::<usize>().ok();
        }
    }
    let mut body = vec![0; length?];
    r.read_exact(&mut body).ok()?;
    serde_json::from_slice(&body).ok()
}

fn file_uri(p: &std::path::Path) -> String {
    format!("file://{}", p.display())
}

#[test]
fn an_editor_session() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path().canonicalize().unwrap();
    std::fs::write(
        root.join("Cargo.toml"),
        "[package]\nname = \"e\"\nversion = \"0.1.0\"\nedition = \"2021\"\n",
    )
    .unwrap();
    std::fs::create_dir(root.join("src")).unwrap();
    // On disk the file is clean: the diagnostics come from the editor's text.
    std::fs::write(root.join("src/lib.rs"), JITTERED).unwrap();
    let uri = file_uri(&root.join("src/lib.rs"));

    let mut ed = Editor::start();
    let init = ed.request(
        1,
        "initialize",
        json!({
            "processId": null,
            "rootUri": file_uri(&root),
            "capabilities": {"workspace": {"didChangeWatchedFiles": {"dynamicRegistration": true}}},
        }),
    );
    let caps = &init["result"]["capabilities"];
    assert_eq!(caps["hoverProvider"], true);
    assert_eq!(caps["codeActionProvider"], true);
    assert_eq!(caps["textDocumentSync"]["change"], 1);
    ed.notify("initialized", json!({}));
    // The editor can watch files: the server asks it to watch the
    // configuration files.
    let register = ed.next();
    assert_eq!(register["method"], "client/registerCapability");
    let registration = &register["params"]["registrations"][0];
    assert_eq!(registration["method"], "workspace/didChangeWatchedFiles");
    assert_eq!(
        registration["registerOptions"]["watchers"],
        json!([{"globPattern": "**/leash.toml"}, {"globPattern": "**/Cargo.toml"}])
    );
    ed.send(json!({"jsonrpc": "2.0", "id": register["id"], "result": null}));

    // Open: the unsaved text is analysed.
    ed.notify(
        "textDocument/didOpen",
        json!({"textDocument": {"uri": uri, "languageId": "rust", "version": 1, "text": JITTERLESS}}),
    );
    let published = ed.diagnostics();
    assert_eq!(published["uri"], uri);
    assert_eq!(published["version"], 1);
    let diags = published["diagnostics"].as_array().unwrap();
    assert_eq!(diags.len(), 1, "{published}");
    assert_eq!(diags[0]["code"], "retry_without_jitter");
    assert_eq!(diags[0]["source"], "leash");
    assert_eq!(diags[0]["severity"], 2);
    assert_eq!(
        diags[0]["range"],
        json!({"start": {"line": 3, "character": 4}, "end": {"line": 3, "character": 52}})
    );

    // Code actions: the fix, then the suppression.
    let actions = ed.request(
        2,
        "textDocument/codeAction",
        json!({
            "textDocument": {"uri": uri},
            "range": {"start": {"line": 3, "character": 10}, "end": {"line": 3, "character": 10}},
            "context": {"diagnostics": []},
        }),
    );
    let actions = actions["result"].as_array().unwrap();
    assert_eq!(actions.len(), 2, "{actions:?}");
    assert_eq!(actions[0]["title"], "add `.with_jitter()`");
    assert_eq!(actions[0]["kind"], "quickfix");
    assert_eq!(actions[0]["isPreferred"], true);
    assert_eq!(
        actions[0]["edit"]["changes"][&uri],
        json!([{"range": {"start": {"line": 3, "character": 52}, "end": {"line": 3, "character": 52}}, "newText": ".with_jitter()"}])
    );
    assert_eq!(
        actions[1]["title"],
        "suppress `retry_without_jitter` here with a reason"
    );
    assert_eq!(
        actions[1]["edit"]["changes"][&uri],
        json!([{"range": {"start": {"line": 3, "character": 0}, "end": {"line": 3, "character": 0}}, "newText": "    // leash: allow(retry_without_jitter) -- <reason>\n"}])
    );

    // Hover over the finding: the lint's documentation.
    let hover = ed.request(
        3,
        "textDocument/hover",
        json!({"textDocument": {"uri": uri}, "position": {"line": 3, "character": 20}}),
    );
    let text = hover["result"]["contents"]["value"].as_str().unwrap();
    assert!(
        text.starts_with("**leash: retry_without_jitter** (retry, warn by default)"),
        "{text}"
    );
    assert!(text.contains("## Why is this bad?"));
    // Away from any finding: nothing.
    let nothing = ed.request(
        4,
        "textDocument/hover",
        json!({"textDocument": {"uri": uri}, "position": {"line": 0, "character": 0}}),
    );
    assert_eq!(nothing["result"], Value::Null);

    // Change: the fix typed in clears the diagnostic; undoing it brings it back.
    ed.notify(
        "textDocument/didChange",
        json!({"textDocument": {"uri": uri, "version": 2}, "contentChanges": [{"text": JITTERED}]}),
    );
    let published = ed.diagnostics();
    assert_eq!(published["version"], 2);
    assert_eq!(published["diagnostics"], json!([]));
    ed.notify(
        "textDocument/didChange",
        json!({"textDocument": {"uri": uri, "version": 3}, "contentChanges": [{"text": JITTERLESS}]}),
    );
    let published = ed.diagnostics();
    assert_eq!(published["version"], 3);
    assert_eq!(published["diagnostics"][0]["code"], "retry_without_jitter");

    // A configuration written beside the crate applies when the editor says
    // it changed.
    std::fs::write(
        root.join("leash.toml"),
        "[lints]\nretry_without_jitter = \"deny\"\n",
    )
    .unwrap();
    ed.notify(
        "workspace/didChangeWatchedFiles",
        json!({"changes": [{"uri": file_uri(&root.join("leash.toml")), "type": 1}]}),
    );
    let published = ed.diagnostics();
    assert_eq!(published["diagnostics"][0]["severity"], 1, "{published}");
    std::fs::write(
        root.join("leash.toml"),
        "[lints]\nretry_without_jitter = \"allow\"\n",
    )
    .unwrap();
    ed.notify(
        "textDocument/didSave",
        json!({"textDocument": {"uri": file_uri(&root.join("leash.toml"))}}),
    );
    assert_eq!(ed.diagnostics()["diagnostics"], json!([]));

    // A configuration that does not load: one warning message, and the
    // defaults meanwhile (the finding is back, at warn).
    std::fs::write(
        root.join("leash.toml"),
        "[lints]\nretry_without_jitter = \"sometimes\"\n",
    )
    .unwrap();
    ed.notify(
        "textDocument/didSave",
        json!({"textDocument": {"uri": file_uri(&root.join("leash.toml"))}}),
    );
    let warning = ed.next();
    assert_eq!(warning["method"], "window/showMessage");
    assert_eq!(warning["params"]["type"], 2);
    let text = warning["params"]["message"].as_str().unwrap();
    assert!(
        text.starts_with("leash: bad configuration: ") && text.contains("sometimes"),
        "{text}"
    );
    let published = ed.diagnostics();
    assert_eq!(published["diagnostics"][0]["severity"], 2);
    // Typing on: the same error is not shown again.
    ed.notify(
        "textDocument/didChange",
        json!({"textDocument": {"uri": uri, "version": 4}, "contentChanges": [{"text": JITTERLESS}]}),
    );
    let next = ed.next();
    assert_eq!(next["method"], "textDocument/publishDiagnostics", "{next}");

    // Shutdown and exit: the server answers, then ends with status 0.
    let down = ed.request(5, "shutdown", Value::Null);
    assert_eq!(down["result"], Value::Null);
    assert!(down.get("error").is_none());
    ed.notify("exit", Value::Null);
    drop(ed.stdin);
    let mut status = None;
    for _ in 0..600 {
        if let Some(s) = ed.child.try_wait().unwrap() {
            status = Some(s);
            break;
        }
        std::thread::sleep(Duration::from_millis(100));
    }
    let status = status.unwrap_or_else(|| {
        let _ = ed.child.kill();
        panic!("the server did not exit");
    });
    assert_eq!(status.code(), Some(0));
}

#[test]
fn malformed_requests_other_languages_and_secondary_labels() {
    let mut ed = Editor::start();
    ed.request(
        1,
        "initialize",
        json!({"processId": null, "capabilities": {}}),
    );
    ed.notify("initialized", json!({}));
    let bad = ed.request(2, "textDocument/hover", json!({"nonsense": true}));
    assert_eq!(bad["error"]["code"], -32602);
    let unknown = ed.request(3, "textDocument/formatting", json!({}));
    assert_eq!(unknown["error"]["code"], -32601);
    // A change to a document never opened, and a bad notification: ignored.
    ed.notify(
        "textDocument/didChange",
        json!({"textDocument": {"uri": "file:///nowhere.rs", "version": 2}, "contentChanges": [{"text": "fn"}]}),
    );
    ed.notify("textDocument/didOpen", json!({"textDocument": 7}));
    // An unparsable buffer: a parse_error diagnostic, no crash.
    ed.notify(
        "textDocument/didOpen",
        json!({"textDocument": {"uri": "file:///nowhere/broken.rs", "languageId": "rust", "version": 1, "text": "fn f( {"}}),
    );
    let published = ed.diagnostics();
    assert_eq!(published["diagnostics"][0]["code"], "parse_error");
    // A file in another language is not analysed: the next diagnostics
    // published are the Rust file's, with its secondary label as related
    // information.
    ed.notify(
        "textDocument/didOpen",
        json!({"textDocument": {"uri": "file:///nowhere/notes.md", "languageId": "markdown", "version": 1, "text": "# fn f( {"}}),
    );
    let retry = "async fn get() -> Result<(), std::io::Error> {\n    Ok(())\n}\npub async fn f() {\n    for _ in 0..3 {\n        match get().await {\n            Ok(()) => break,\n            Err(_) => tokio::time::sleep(std::time::Duration::from_millis(100)).await,\n        }\n    }\n}\n";
    ed.notify(
        "textDocument/didOpen",
        json!({"textDocument": {"uri": "file:///nowhere/retry.rs", "languageId": "rust", "version": 1, "text": retry}}),
    );
    let published = ed.diagnostics();
    assert_eq!(published["uri"], "file:///nowhere/retry.rs");
    let diag = &published["diagnostics"][0];
    assert_eq!(diag["code"], "retry_without_jitter");
    assert_eq!(
        diag["relatedInformation"],
        json!([{
            "location": {
                "uri": "file:///nowhere/retry.rs",
                "range": {"start": {"line": 4, "character": 4}, "end": {"line": 4, "character": 17}},
            },
            "message": "in this retry loop",
        }])
    );
    let down = ed.request(4, "shutdown", Value::Null);
    assert_eq!(down["result"], Value::Null);
    ed.notify("exit", Value::Null);
}
