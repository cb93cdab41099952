//! `pol lsp` driven the way an editor drives it: the built binary spawned, JSON-RPC with
//! Content-Length framing on its standard input and output, from `initialize` to `exit`.

#![allow(clippy::unwrap_used)] // Test code: a failed unwrap is a failed test.

mod support;

use std::io::{BufRead, BufReader, Read, Write};
use std::path::{Path, PathBuf};
use std::process::{Child, ChildStdin, Command, ExitStatus, Stdio};
use std::sync::mpsc::{Receiver, channel};
use std::time::Instant;

use serde_json::{Value, json};

use support::cli::{WATCHDOG, pol, scratch_dir_with};

/// A client of a `pol lsp` process.
struct Client {
    child: Child,
    stdin: Option<ChildStdin>,
    messages: Receiver<Value>,
    next_id: i64,
    /// Notifications read while waiting for an answer.
    notifications: Vec<Value>,
}

impl Client {
    /// Starts `pol lsp` in `dir`, with its cache folder under `dir` too.
    fn start(dir: &Path) -> Client {
        let mut child = Command::new(env!("CARGO_BIN_EXE_pol"))
            .arg("lsp")
            .current_dir(dir)
            .env("XDG_CACHE_HOME", dir.join("cache"))
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        let stdout = child.stdout.take().unwrap();
        let (sender, messages) = channel();
        std::thread::spawn(move || {
            let mut reader = BufReader::new(stdout);
            while let Some(message) = read_message(&mut reader) {
                if sender.send(message).is_err() {
                    break;
                }
            }
        });
        Client {
            stdin: child.stdin.take(),
            child,
            messages,
            next_id: 0,
            notifications: Vec::new(),
        }
    }

    fn write(&mut self, message: Value) {
        let body = message.to_string();
        let stdin = self.stdin.as_mut().unwrap();
        write!(stdin, "Content-Length: {}\r\n\r\n{body}", body.len()).unwrap();
        stdin.flush().unwrap();
    }

    fn notify(&mut self, method: &str, params: Value) {
        self.write(json!({"jsonrpc": "2.0", "method": method, "params": params}));
    }

    /// Sends a request and waits for its answer: the whole response object.
    fn request(&mut self, method: &str, params: Value) -> Value {
        self.next_id += 1;
        let id = self.next_id;
        self.write(json!({"jsonrpc": "2.0", "id": id, "method": method, "params": params}));
        loop {
            let message = self.next_message();
            if message["id"] == id && message.get("method").is_none() {
                return message;
            }
            if message.get("id").is_none() {
                self.notifications.push(message);
            }
        }
    }

    /// The result of a request that must succeed.
    fn result(&mut self, method: &str, params: Value) -> Value {
        let response = self.request(method, params);
        assert!(response.get("error").is_none(), "{method}: {response}");
        response["result"].clone()
    }

    fn next_message(&mut self) -> Value {
        let deadline = Instant::now() + WATCHDOG;
        self.messages
            .recv_timeout(deadline.saturating_duration_since(Instant::now()))
            .expect("pol lsp answered within the watchdog")
    }

    /// The diagnostics published for `uri`, waiting for them if none were read yet.
    fn diagnostics(&mut self, uri: &str) -> Vec<Value> {
        loop {
            if let Some(idx) = self.notifications.iter().position(|note| {
                note["method"] == "textDocument/publishDiagnostics" && note["params"]["uri"] == uri
            }) {
                let note = self.notifications.remove(idx);
                return note["params"]["diagnostics"].as_array().unwrap().clone();
            }
            let message = self.next_message();
            self.notifications.push(message);
        }
    }

    /// Closes standard input and waits for the process to end; its status and standard error.
    fn finish(mut self) -> (ExitStatus, String) {
        drop(self.stdin.take());
        let deadline = Instant::now() + WATCHDOG;
        loop {
            if let Some(status) = self.child.try_wait().unwrap() {
                let mut stderr = String::new();
                self.child
                    .stderr
                    .take()
                    .unwrap()
                    .read_to_string(&mut stderr)
                    .unwrap();
                return (status, stderr);
            }
            assert!(Instant::now() < deadline, "pol lsp did not exit");
            std::thread::sleep(std::time::Duration::from_millis(10));
        }
    }
}

/// Reads one framed message; `None` at the end of the stream.
fn read_message(reader: &mut impl BufRead) -> Option<Value> {
    let mut length = None;
    loop {
        let mut line = String::new();
        if reader.read_line(&mut line).ok()? == 0 {
            return None;
        }
        let line = line.trim_end();
        if line.is_empty() {
            break;
        }
        if let Some(value) = line.strip_prefix("Content-Length: ") {
            length = value.parse::<usize>().ok();
        }
    }
    let mut body = vec![0; length?];
    reader.read_exact(&mut body).ok()?;
    serde_json::from_slice(&body).ok()
}

/// A text with one edit applied, its range in UTF-16 units.
fn apply(text: &str, edit: &Value) -> String {
    let offset = |position: &Value| {
        let line = position["line"].as_u64().unwrap() as usize;
        let character = position["character"].as_u64().unwrap() as usize;
        let start: usize = text.split_inclusive('\n').take(line).map(str::len).sum();
        let mut units = 0;
        for (idx, ch) in text[start..].char_indices() {
            if units == character {
                return start + idx;
            }
            units += ch.len_utf16();
        }
        text.len()
    };
    let range = &edit["range"];
    let (start, end) = (offset(&range["start"]), offset(&range["end"]));
    format!(
        "{}{}{}",
        &text[..start],
        edit["newText"].as_str().unwrap(),
        &text[end..]
    )
}

fn uri(path: &Path) -> String {
    format!("file://{}", path.display())
}

fn position(uri: &str, line: u32, character: u32) -> Value {
    json!({"textDocument": {"uri": uri}, "position": {"line": line, "character": character}})
}

fn change(uri: &str, version: i32, changes: Value) -> Value {
    json!({"textDocument": {"uri": uri, "version": version}, "contentChanges": changes})
}

const SCHEMA: &str = r#"module "Schema"

record Country key code {
  code: Text
  friendly: Bool
}

record Transfer key id {
  id: Text
  destination: Country
  date: Date
}
"#;

/// A policy whose line 8 has accents, CJK and an emoji before a misspelt field.
const BROKEN: &str = r#"policy "Editor"
use "schema.pol"
use std.dates

decide t: Transfer on t.date
default deny because "no rule permits this transfer"

rule friendly: permit {
  when t.id != "café 東京 🚀" and t.destination.frendly
  when since(t.date, 2020-01-01)
  because "friendly countries"
  cite "Export Act §12(3)"
}
"#;

/// A folder with the schema and the broken policy on disk; the folder (canonical) and the
/// policy's path.
fn workspace() -> (PathBuf, PathBuf) {
    let dir = scratch_dir_with("lsp-protocol", &[("schema.pol", SCHEMA), ("policy.pol", BROKEN)]);
    let dir = dir.canonicalize().unwrap();
    let policy = dir.join("policy.pol");
    (dir, policy)
}

fn initialize(client: &mut Client, dir: &Path) -> Value {
    let result = client.result(
        "initialize",
        json!({"processId": null, "rootUri": uri(dir), "capabilities": {}}),
    );
    client.notify("initialized", json!({}));
    result
}

#[test]
fn an_editor_session_from_initialize_to_exit() {
    let (dir, policy) = workspace();
    let policy_uri = uri(&policy);
    let mut client = Client::start(&dir);
    let capabilities = initialize(&mut client, &dir)["capabilities"].clone();
    assert_eq!(capabilities["textDocumentSync"]["change"], 2, "incremental sync");
    assert_eq!(capabilities["positionEncoding"], "utf-16");

    // An error after non-ASCII text: `frendly` starts at UTF-16 unit 46 of line 8 (the string
    // holds 9 characters, 10 UTF-16 units and 17 bytes).
    client.notify(
        "textDocument/didOpen",
        json!({"textDocument": {"uri": policy_uri, "languageId": "pol", "version": 1, "text": BROKEN}}),
    );
    let diagnostics = client.diagnostics(&policy_uri);
    assert_eq!(diagnostics.len(), 1, "{diagnostics:?}");
    let found = &diagnostics[0];
    assert_eq!(found["code"], "E0203");
    assert_eq!(
        found["range"],
        json!({"start": {"line": 8, "character": 46}, "end": {"line": 8, "character": 53}})
    );
    assert!(
        found["message"]
            .as_str()
            .unwrap()
            .contains("help: a similar name exists: `friendly`"),
        "{found}"
    );
    assert!(
        found["codeDescription"]["href"]
            .as_str()
            .unwrap()
            .ends_with("#e0203")
    );

    // The same code and range as `pol check --diagnostics json` gives for the file on disk.
    let checked = pol(&dir, &["check", "--diagnostics", "json", "policy.pol"]);
    let report: Value = serde_json::from_slice(&checked.stderr).unwrap();
    assert_eq!(report["diagnostics"][0]["code"], found["code"]);
    assert_eq!(report["diagnostics"][0]["range"], found["range"]);

    // Fixed by an incremental edit of that range: the list is cleared.
    client.notify(
        "textDocument/didChange",
        change(
            &policy_uri,
            2,
            json!([{"range": found["range"], "text": "friendly"}]),
        ),
    );
    assert_eq!(client.diagnostics(&policy_uri), Vec::<Value>::new());

    // Hover on the rule's name shows its effect and citation.
    let hover = client.result("textDocument/hover", position(&policy_uri, 7, 7));
    let text = hover["contents"]["value"].as_str().unwrap();
    assert!(text.contains("rule friendly: permit"), "{text}");
    assert!(text.contains("cite \"Export Act §12(3)\""), "{text}");

    // Go to the definition of a field declared in the imported file.
    let definition = client.result("textDocument/definition", position(&policy_uri, 8, 48));
    assert_eq!(definition["uri"], uri(&dir.join("schema.pol")));
    assert_eq!(
        definition["range"],
        json!({"start": {"line": 4, "character": 2}, "end": {"line": 4, "character": 10}})
    );

    // Go to a stdlib function: a read-only copy in the cache folder.
    let definition = client.result("textDocument/definition", position(&policy_uri, 9, 8));
    let std_uri = definition["uri"].as_str().unwrap();
    let std_path = PathBuf::from(std_uri.strip_prefix("file://").unwrap());
    assert!(std_path.starts_with(dir.join("cache/pol")), "{std_uri}");
    let std_text = std::fs::read_to_string(&std_path).unwrap();
    assert!(std_text.contains("fn since("));
    assert!(std::fs::metadata(&std_path).unwrap().permissions().readonly());

    // Rename a field: its definition in the imported file and its use here.
    let mut params = position(&policy_uri, 8, 48);
    params["newName"] = json!("allied");
    let edit = client.result("textDocument/rename", params);
    let schema_uri = uri(&dir.join("schema.pol"));
    assert_eq!(
        edit["changes"][&schema_uri],
        json!([{"range": {"start": {"line": 4, "character": 2}, "end": {"line": 4, "character": 10}}, "newText": "allied"}])
    );
    assert_eq!(
        edit["changes"][&policy_uri],
        json!([{"range": {"start": {"line": 8, "character": 46}, "end": {"line": 8, "character": 54}}, "newText": "allied"}])
    );

    // Complete after `t.`: the subject's fields, while the line does not parse.
    client.notify(
        "textDocument/didChange",
        change(
            &policy_uri,
            3,
            json!([{"range": {"start": {"line": 9, "character": 7}, "end": {"line": 9, "character": 32}}, "text": "t."}]),
        ),
    );
    let completions = client.result("textDocument/completion", position(&policy_uri, 9, 9));
    let mut fields: Vec<(String, i64)> = completions
        .as_array()
        .unwrap()
        .iter()
        .map(|item| {
            (
                item["label"].as_str().unwrap().to_string(),
                item["kind"].as_i64().unwrap(),
            )
        })
        .collect();
    fields.sort();
    let field_kind = 5;
    assert_eq!(
        fields,
        [
            ("date".to_string(), field_kind),
            ("destination".to_string(), field_kind),
            ("id".to_string(), field_kind)
        ]
    );

    // Format: the canonical text, as `pol fmt` prints it.
    let messy = BROKEN
        .replace("frendly", "friendly")
        .replace("rule friendly: permit {", "rule  friendly:permit{");
    client.notify(
        "textDocument/didChange",
        change(&policy_uri, 4, json!([{"text": messy}])),
    );
    let edits = client.result(
        "textDocument/formatting",
        json!({"textDocument": {"uri": policy_uri}, "options": {"tabSize": 2, "insertSpaces": true}}),
    );
    let edits = edits.as_array().unwrap();
    assert_eq!(edits.len(), 1, "{edits:?}");
    let formatted = apply(&messy, &edits[0]);
    support::cli::write(&dir, "messy.pol", &messy);
    let printed = pol(&dir, &["fmt", "messy.pol"]);
    assert_eq!(formatted, String::from_utf8(printed.stdout).unwrap());
    assert!(formatted.contains("rule friendly: permit {"));

    // A text with a syntax error is not formatted.
    client.notify(
        "textDocument/didChange",
        change(&policy_uri, 5, json!([{"text": "policy \"P\"\nrule x: {"}])),
    );
    let edits = client.result(
        "textDocument/formatting",
        json!({"textDocument": {"uri": policy_uri}, "options": {"tabSize": 2, "insertSpaces": true}}),
    );
    assert_eq!(edits, json!([]));

    // Run a test through its code lens: it passes, and the lens says so.
    let tested = format!("{}{TEST}", BROKEN.replace("frendly", "friendly"));
    client.notify(
        "textDocument/didChange",
        change(&policy_uri, 6, json!([{"text": tested}])),
    );
    let lenses = client.result(
        "textDocument/codeLens",
        json!({"textDocument": {"uri": policy_uri}}),
    );
    assert_eq!(lenses.as_array().unwrap().len(), 1, "{lenses}");
    let command = lenses[0]["command"].clone();
    assert_eq!(command["title"], "▶ run test");
    let outcome = client.result(
        "workspace/executeCommand",
        json!({"command": command["command"], "arguments": command["arguments"]}),
    );
    assert_eq!(outcome["passed"], true, "{outcome}");
    let lenses = client.result(
        "textDocument/codeLens",
        json!({"textDocument": {"uri": policy_uri}}),
    );
    assert_eq!(lenses[0]["command"]["title"], "✓ passed · run test again");

    assert_eq!(client.result("shutdown", Value::Null), Value::Null);
    client.notify("exit", Value::Null);
    let (status, stderr) = client.finish();
    assert_eq!(status.code(), Some(0), "{stderr}");
}

/// A test block for the policy: a friendly country's transfer is permitted by `friendly`.
const TEST: &str = r#"
test "a friendly country" {
  Country { code: "JP", friendly: true }
  Transfer { id: "t1", destination: "JP", date: 2024-01-01 }
  expect "t1" permit by friendly
}
"#;

#[test]
fn exit_without_shutdown_ends_with_status_1() {
    let (dir, _) = workspace();
    let mut client = Client::start(&dir);
    initialize(&mut client, &dir);
    client.notify("exit", Value::Null);
    let (status, stderr) = client.finish();
    assert_eq!(status.code(), Some(1), "{stderr}");
}

#[test]
fn a_client_that_closes_standard_input_ends_the_server_without_a_panic() {
    let (dir, policy) = workspace();
    let mut client = Client::start(&dir);
    initialize(&mut client, &dir);
    client.notify(
        "textDocument/didOpen",
        json!({"textDocument": {"uri": uri(&policy), "languageId": "pol", "version": 1, "text": BROKEN}}),
    );
    let _ = client.diagnostics(&uri(&policy));
    let (status, stderr) = client.finish();
    assert_eq!(status.code(), Some(1), "{stderr}");
    assert!(!stderr.contains("panicked"), "{stderr}");
}

#[test]
fn requests_before_initialize_are_refused() {
    let (dir, _) = workspace();
    let mut client = Client::start(&dir);
    let response = client.request("textDocument/hover", position("file:///x.pol", 0, 0));
    assert_eq!(response["error"]["code"], -32002, "{response}");
    let (status, stderr) = client.finish();
    assert_eq!(status.code(), Some(1), "{stderr}");
}

#[test]
fn a_malformed_message_ends_the_connection_with_an_error_not_a_panic() {
    let (dir, _) = workspace();
    let mut client = Client::start(&dir);
    initialize(&mut client, &dir);
    let stdin = client.stdin.as_mut().unwrap();
    write!(stdin, "Content-Length: 5\r\n\r\nhello").unwrap();
    stdin.flush().unwrap();
    let (status, stderr) = client.finish();
    assert_eq!(status.code(), Some(1), "{stderr}");
    assert!(
        stderr.starts_with("error: pol lsp: the connection ended: malformed"),
        "{stderr}"
    );
    assert!(!stderr.contains("panicked"), "{stderr}");
}
