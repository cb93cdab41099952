//! Tests of the language server over an in-memory connection: the protocol's lifecycle, errors
//! for bad requests, cancellation, panics, and documents no editor should be able to break it with.

use std::time::Duration;

use lsp_server::{Connection, ErrorCode, Message, Notification, Request, RequestId, Response};
use serde_json::{Value, json};

use super::{Config, Exit, serve};
use crate::session::MemoryFiles;

/// A request that makes the server panic while answering it, to test that it survives.
pub(super) const PANIC_METHOD: &str = "pol/test/panic";

/// A request the server answers after sleeping the milliseconds it names, so that later
/// messages are queued before it is answered.
pub(super) const SLEEP_METHOD: &str = "pol/test/sleep";

/// How long a test waits for a message before it fails: a watchdog, not a speed target.
const WATCHDOG: Duration = Duration::from_secs(60);

/// A client speaking to a server on a thread, over an in-memory connection.
struct Client {
    connection: Connection,
    server: Option<std::thread::JoinHandle<Exit>>,
    next_id: i32,
    /// Notifications received while waiting for something else.
    notifications: Vec<Notification>,
    /// Answers received while waiting for another.
    responses: Vec<Response>,
}

impl Client {
    /// A server over `files`, not yet initialized.
    fn start(files: MemoryFiles) -> Client {
        Client::start_over(Box::leak(Box::new(files)))
    }

    /// A server over `files`, which the test may change as a disk changes.
    fn start_over(files: &'static MemoryFiles) -> Client {
        let (server_side, client_side) = Connection::memory();
        let server = std::thread::spawn(move || serve(&server_side, files, Config::default()));
        Client {
            connection: client_side,
            server: Some(server),
            next_id: 0,
            notifications: Vec::new(),
            responses: Vec::new(),
        }
    }

    /// A server over `files`, initialized with `/project` as its workspace folder.
    fn initialized(files: MemoryFiles) -> Client {
        Client::initialized_over(Box::leak(Box::new(files)))
    }

    fn initialized_over(files: &'static MemoryFiles) -> Client {
        let mut client = Client::start_over(files);
        let response = client.request(
            "initialize",
            json!({"capabilities": {}, "rootUri": "file:///project"}),
        );
        assert!(response.response_result.is_ok(), "{response:?}");
        client.notify("initialized", json!({}));
        client
    }

    fn send(&self, message: impl Into<Message>) {
        self.connection.sender.send(message.into()).unwrap();
    }

    fn notify(&self, method: &str, params: Value) {
        self.send(Notification::new(method.to_string(), params));
    }

    /// Sends a request without waiting for its answer; its id.
    fn send_request(&mut self, method: &str, params: Value) -> RequestId {
        self.next_id += 1;
        let id = RequestId::from(self.next_id);
        self.send(Request::new(id.clone(), method.to_string(), params));
        id
    }

    /// The answer to the request `id`, keeping the notifications received before it.
    fn response(&mut self, id: &RequestId) -> Response {
        if let Some(idx) = self.responses.iter().position(|response| response.id == *id) {
            return self.responses.remove(idx);
        }
        loop {
            match self.connection.receiver.recv_timeout(WATCHDOG).unwrap() {
                Message::Response(response) if response.id == *id => return response,
                // Answers may come in another order than the requests.
                Message::Response(response) => self.responses.push(response),
                Message::Notification(note) => self.notifications.push(note),
                Message::Request(_) => {}
            }
        }
    }

    fn request(&mut self, method: &str, params: Value) -> Response {
        let id = self.send_request(method, params);
        self.response(&id)
    }

    /// The result of a request that must succeed.
    fn result(&mut self, method: &str, params: Value) -> Value {
        let response = self.request(method, params);
        match response.response_result {
            Ok(result) => result,
            Err(error) => panic!("{method}: {error:?}"),
        }
    }

    fn error_code(&mut self, method: &str, params: Value) -> i32 {
        let response = self.request(method, params);
        match response.response_result {
            Ok(result) => panic!("{method}: no error but {result}"),
            Err(error) => error.code,
        }
    }

    /// The diagnostics last published for `uri`, once the server has handled every message sent
    /// before (a request's answer comes after the diagnostics of the changes before it).
    fn diagnostics(&mut self, uri: &str) -> Vec<Value> {
        let _ = self.request("textDocument/hover", position("file:///nowhere/settle.pol", 0, 0));
        let last = self
            .notifications
            .iter()
            .rposition(|note| is_diagnostics_for(note, uri))
            .unwrap_or_else(|| panic!("no diagnostics for {uri} in {:?}", self.notifications));
        let found = self.notifications[last].params["diagnostics"]
            .as_array()
            .unwrap()
            .clone();
        self.notifications.retain(|note| !is_diagnostics_for(note, uri));
        found
    }

    /// Every list of diagnostics published for `uri` since they were last taken, with the
    /// document version each is for, once the server has handled every message sent before.
    fn diagnostics_with_versions(&mut self, uri: &str) -> Vec<(i64, Vec<Value>)> {
        let _ = self.request("textDocument/hover", position("file:///nowhere/settle.pol", 0, 0));
        let found = self
            .notifications
            .iter()
            .filter(|note| is_diagnostics_for(note, uri))
            .map(|note| {
                let version = note.params["version"].as_i64().unwrap();
                (version, note.params["diagnostics"].as_array().unwrap().clone())
            })
            .collect();
        self.notifications.retain(|note| !is_diagnostics_for(note, uri));
        found
    }

    fn open(&mut self, uri: &str, text: &str) {
        self.notify(
            "textDocument/didOpen",
            json!({"textDocument": {"uri": uri, "languageId": "pol", "version": 1, "text": text}}),
        );
    }

    /// Waits for the server to end; how it ended.
    fn join(mut self) -> Exit {
        let server = self.server.take().unwrap();
        drop(self);
        server.join().unwrap()
    }
}

fn is_diagnostics_for(note: &Notification, uri: &str) -> bool {
    note.method == "textDocument/publishDiagnostics" && note.params["uri"] == uri
}

fn position(uri: &str, line: u32, character: u32) -> Value {
    json!({"textDocument": {"uri": uri}, "position": {"line": line, "character": character}})
}

/// Each diagnostic as `CODE line:col-line:col`.
fn shown(diagnostics: &[Value]) -> Vec<String> {
    diagnostics
        .iter()
        .map(|found| {
            let range = &found["range"];
            format!(
                "{} {}:{}-{}:{}",
                found["code"].as_str().unwrap(),
                range["start"]["line"],
                range["start"]["character"],
                range["end"]["line"],
                range["end"]["character"]
            )
        })
        .collect()
}

const POLICY: &str = r#"policy "P"
use "schema.pol"

decide t: Transfer on t.date
default deny because "no rule permits this transfer"

rule friendly: permit {
  when t.destination.friendly
  because "friendly countries"
  cite "Act §1"
}
"#;

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

fn files() -> MemoryFiles {
    let files = MemoryFiles::new();
    files.write("/project/schema.pol", SCHEMA);
    files.write("/project/policy.pol", POLICY);
    files
}

#[test]
fn requests_before_initialize_are_refused_and_exit_before_it_ends_the_server() {
    let mut client = Client::start(MemoryFiles::new());
    let code = client.error_code("textDocument/hover", position("file:///project/a.pol", 0, 0));
    assert_eq!(code, ErrorCode::ServerNotInitialized as i32);
    client.notify("exit", Value::Null);
    assert_eq!(client.join(), Exit::WithoutShutdown);
}

#[test]
fn shutdown_then_exit_ends_cleanly_and_requests_after_shutdown_are_refused() {
    let mut client = Client::initialized(MemoryFiles::new());
    assert_eq!(client.result("shutdown", Value::Null), Value::Null);
    let code = client.error_code("textDocument/hover", position("file:///project/a.pol", 0, 0));
    assert_eq!(code, ErrorCode::InvalidRequest as i32);
    client.notify("exit", Value::Null);
    assert_eq!(client.join(), Exit::AfterShutdown);
}

#[test]
fn exit_without_shutdown_ends_with_an_error() {
    let client = Client::initialized(MemoryFiles::new());
    client.notify("exit", Value::Null);
    assert_eq!(client.join(), Exit::WithoutShutdown);
}

#[test]
fn a_client_that_vanishes_ends_the_server() {
    let mut client = Client::initialized(files());
    client.open("file:///project/policy.pol", POLICY);
    let _ = client.diagnostics("file:///project/policy.pol");
    // Dropping the client's end closes the connection, as a closed standard input does.
    assert_eq!(client.join(), Exit::WithoutShutdown);
}

#[test]
fn unknown_methods_and_malformed_params_get_their_errors() {
    let mut client = Client::initialized(MemoryFiles::new());
    assert_eq!(
        client.error_code("textDocument/unheardOf", json!({})),
        ErrorCode::MethodNotFound as i32
    );
    assert_eq!(
        client.error_code("textDocument/hover", json!({"textDocument": 3})),
        ErrorCode::InvalidParams as i32
    );
    assert_eq!(
        client.error_code("initialize", json!({"capabilities": {}})),
        ErrorCode::InvalidRequest as i32
    );
    // A malformed notification is ignored; the server still answers.
    client.notify("textDocument/didOpen", json!({"textDocument": "nonsense"}));
    assert_eq!(client.result("shutdown", Value::Null), Value::Null);
}

#[test]
fn queries_on_unknown_documents_give_empty_answers() {
    let mut client = Client::initialized(MemoryFiles::new());
    let uri = "file:///project/never_opened.pol";
    for method in [
        "textDocument/hover",
        "textDocument/definition",
        "textDocument/references",
        "textDocument/completion",
    ] {
        let mut params = position(uri, 3, 7);
        if method == "textDocument/references" {
            params["context"] = json!({"includeDeclaration": true});
        }
        assert_eq!(client.result(method, params), Value::Null, "{method}");
    }
    let document = json!({"textDocument": {"uri": uri}, "options": {"tabSize": 2, "insertSpaces": true}});
    assert_eq!(
        client.result("textDocument/documentSymbol", document.clone()),
        Value::Null
    );
    assert_eq!(client.result("textDocument/formatting", document), Value::Null);
    let other_scheme = position("untitled:Untitled-1", 0, 0);
    assert_eq!(client.result("textDocument/hover", other_scheme), Value::Null);
    client.notify(
        "textDocument/didChange",
        json!({"textDocument": {"uri": uri, "version": 2}, "contentChanges": [{"text": "x"}]}),
    );
    assert_eq!(client.result("shutdown", Value::Null), Value::Null);
}

#[test]
fn a_request_cancelled_before_it_is_handled_is_answered_as_cancelled() {
    let mut client = Client::initialized(MemoryFiles::new());
    let sleep = client.send_request(SLEEP_METHOD, json!(300));
    let hover = client.send_request("textDocument/hover", position("file:///project/a.pol", 0, 0));
    client.notify(
        "$/cancelRequest",
        json!({"id": serde_json::to_value(&hover).unwrap()}),
    );
    assert!(client.response(&sleep).response_result.is_ok());
    let response = client.response(&hover);
    assert_eq!(
        response.response_result.unwrap_err().code,
        super::REQUEST_CANCELLED
    );
    // Cancelling a request already answered changes nothing.
    client.notify(
        "$/cancelRequest",
        json!({"id": serde_json::to_value(&sleep).unwrap()}),
    );
    assert_eq!(client.result("shutdown", Value::Null), Value::Null);
}

#[test]
fn a_panic_in_a_handler_is_an_internal_error_and_the_server_goes_on() {
    let mut client = Client::initialized(files());
    client.open("file:///project/policy.pol", POLICY);
    assert!(client.diagnostics("file:///project/policy.pol").is_empty());
    let response = client.request(PANIC_METHOD, Value::Null);
    let error = response.response_result.unwrap_err();
    assert_eq!(error.code, ErrorCode::InternalError as i32);
    assert!(
        error.message.contains("a handler panicked on purpose"),
        "{}",
        error.message
    );
    // The session was rebuilt from the open documents: queries still work.
    let hover = client.result("textDocument/hover", position("file:///project/policy.pol", 6, 6));
    assert!(
        hover["contents"]["value"]
            .as_str()
            .unwrap()
            .contains("cite \"Act §1\""),
        "{hover}"
    );
}

#[test]
fn diagnostics_count_utf16_units_after_accents_cjk_and_emoji_and_clear_when_fixed() {
    let mut client = Client::initialized(files());
    let uri = "file:///project/policy.pol";
    let text = POLICY.replace(
        "  when t.destination.friendly\n",
        "  // é 中文 😀\n  when t.id != \"é中😀\" and t.destination.frendly\n",
    );
    client.open(uri, &text);
    let diagnostics = client.diagnostics(uri);
    // `frendly` starts after 40 UTF-16 units (`é中😀` is 4 of them), not 39 characters or 45 bytes.
    assert_eq!(shown(&diagnostics), ["E0203 8:40-8:47"], "{diagnostics:?}");
    let first = &diagnostics[0];
    assert_eq!(first["source"], "pol");
    assert_eq!(first["severity"], 1);
    assert!(
        first["codeDescription"]["href"]
            .as_str()
            .unwrap()
            .ends_with("docs/diagnostics.md#e0203"),
        "{first}"
    );
    assert!(first["message"].as_str().unwrap().contains("help: "), "{first}");
    // Fixing the field by an edit that replaces the range of the typo.
    client.notify(
        "textDocument/didChange",
        json!({"textDocument": {"uri": uri, "version": 2}, "contentChanges": [
            {"range": {"start": {"line": 8, "character": 40}, "end": {"line": 8, "character": 47}}, "text": "friendly"}
        ]}),
    );
    assert_eq!(client.diagnostics(uri), Vec::<Value>::new());
}

#[test]
fn an_unused_definition_is_tagged_unnecessary_and_links_where_the_client_says() {
    let mut client = Client::start(MemoryFiles::new());
    let options = json!({"capabilities": {}, "initializationOptions": {"docsUrl": "file:///opt/pol/docs/diagnostics.html"}});
    assert!(client.request("initialize", options).response_result.is_ok());
    let uri = "file:///project/unused.pol";
    client.open(uri, "policy \"U\"\n\nlet spare: Int = 1\n");
    let diagnostics = client.diagnostics(uri);
    assert_eq!(shown(&diagnostics), ["W0001 2:4-2:9"]);
    assert_eq!(diagnostics[0]["tags"], json!([1]));
    assert_eq!(
        diagnostics[0]["codeDescription"]["href"],
        "file:///opt/pol/docs/diagnostics.html#w0001"
    );
    assert_eq!(diagnostics[0]["severity"], 2);
}

#[test]
fn a_change_to_an_import_publishes_the_diagnostics_of_the_files_it_affects() {
    let mut client = Client::initialized(files());
    client.open("file:///project/policy.pol", POLICY);
    assert!(client.diagnostics("file:///project/policy.pol").is_empty());
    // A syntax error in the import: reported there, and at the `use` of the policy.
    let broken = SCHEMA.replace("friendly: Bool", "friendly: Bool\n  broken: ");
    client.open("file:///project/schema.pol", &broken);
    let schema = client.diagnostics("file:///project/schema.pol");
    assert_eq!(shown(&schema), ["E0101 6:0-6:1"]);
    let policy = client.diagnostics("file:///project/policy.pol");
    assert_eq!(shown(&policy), ["E0426 1:0-1:16"], "{policy:?}");
    client.notify(
        "textDocument/didChange",
        json!({"textDocument": {"uri": "file:///project/schema.pol", "version": 2}, "contentChanges": [{"text": SCHEMA}]}),
    );
    assert!(client.diagnostics("file:///project/schema.pol").is_empty());
    assert!(client.diagnostics("file:///project/policy.pol").is_empty());
}

#[test]
fn a_change_on_disk_reported_by_the_watcher_checks_the_programs_again() {
    let files: &'static MemoryFiles = Box::leak(Box::new(files()));
    let mut client = Client::initialized_over(files);
    let policy = "file:///project/policy.pol";
    client.open(policy, POLICY);
    assert!(client.diagnostics(policy).is_empty());
    files.write(
        "/project/schema.pol",
        SCHEMA.replace("friendly: Bool", "friendly: Bol"),
    );
    client.notify(
        "workspace/didChangeWatchedFiles",
        json!({"changes": [{"uri": "file:///project/schema.pol", "type": 2}]}),
    );
    assert_eq!(
        shown(&client.diagnostics("file:///project/schema.pol")),
        ["E0202 4:12-4:15"]
    );
    files.delete("/project/schema.pol");
    client.notify(
        "workspace/didChangeWatchedFiles",
        json!({"changes": [{"uri": "file:///project/schema.pol", "type": 3}]}),
    );
    let diagnostics = client.diagnostics(policy);
    assert!(!diagnostics.is_empty(), "a deleted import is reported");
    assert!(shown(&diagnostics)[0].ends_with("1:4-1:16"), "{diagnostics:?}");
}

#[test]
fn a_half_typed_file_gets_diagnostics_and_completions() {
    let mut client = Client::initialized(files());
    let uri = "file:///project/policy.pol";
    client.open(uri, POLICY);
    assert!(client.diagnostics(uri).is_empty());
    let half = POLICY.replace("  when t.destination.friendly\n", "  when t.destination.\n");
    client.notify(
        "textDocument/didChange",
        json!({"textDocument": {"uri": uri, "version": 2}, "contentChanges": [{"text": half}]}),
    );
    let diagnostics = client.diagnostics(uri);
    assert!(
        shown(&diagnostics).iter().any(|found| found.starts_with("E0101")),
        "{diagnostics:?}"
    );
    let completions = client.result("textDocument/completion", position(uri, 7, 21));
    let labels: Vec<&str> = completions
        .as_array()
        .unwrap()
        .iter()
        .map(|item| item["label"].as_str().unwrap())
        .collect();
    assert!(
        labels.contains(&"friendly") && labels.contains(&"code"),
        "{labels:?}"
    );
}

#[test]
fn binary_text_and_bytes_on_disk_give_diagnostics() {
    let files = files();
    files.write("/project/binary.pol", vec![0xff, 0xfe, 0x00, 0x41]);
    let mut client = Client::initialized(files);
    let uri = "file:///project/nul.pol";
    client.open(uri, "policy \"N\"\n\u{0}\u{1}rule");
    let diagnostics = client.diagnostics(uri);
    assert!(!diagnostics.is_empty());
    let importer = "file:///project/importer.pol";
    client.open(importer, "policy \"I\"\nuse \"binary.pol\"\n");
    let diagnostics = client.diagnostics(importer);
    assert!(!diagnostics.is_empty(), "{diagnostics:?}");
    let binary = client.diagnostics("file:///project/binary.pol");
    assert!(!binary.is_empty(), "{binary:?}");
    assert_eq!(client.result("shutdown", Value::Null), Value::Null);
}

#[test]
fn a_document_over_the_size_limit_is_reported_not_parsed() {
    let mut client = Client::initialized(MemoryFiles::new());
    let uri = "file:///project/huge.pol";
    let huge = format!(
        "policy \"H\"\n{}",
        "rule r: permit { when true }\n".repeat(10 << 20 >> 5)
    );
    assert!(huge.len() > 9 << 20);
    client.open(uri, &huge);
    let diagnostics = client.diagnostics(uri);
    assert_eq!(shown(&diagnostics), ["E0409 0:0-0:0"], "{diagnostics:?}");
    // Emptied, it is parsed again (the empty text held in its place is not taken for it).
    client.notify(
        "textDocument/didChange",
        json!({"textDocument": {"uri": uri, "version": 2}, "contentChanges": [{"text": ""}]}),
    );
    assert!(
        shown(&client.diagnostics(uri))
            .iter()
            .all(|found| !found.starts_with("E0409"))
    );
    client.open(uri, &huge);
    assert_eq!(shown(&client.diagnostics(uri)), ["E0409 0:0-0:0"]);
    // Cut back under the limit, it is parsed and checked.
    client.notify(
        "textDocument/didChange",
        json!({"textDocument": {"uri": uri, "version": 2}, "contentChanges": [{"text": "policy \"H\"\n"}]}),
    );
    assert!(
        shown(&client.diagnostics(uri))
            .iter()
            .all(|found| !found.starts_with("E0409"))
    );
    let symbols = client.result(
        "textDocument/formatting",
        json!({"textDocument": {"uri": uri}, "options": {"tabSize": 2, "insertSpaces": true}}),
    );
    assert!(symbols.is_array());
}

#[test]
fn hover_definition_references_and_symbols_answer_in_utf16_ranges() {
    let mut client = Client::initialized(files());
    let uri = "file:///project/policy.pol";
    client.open(uri, POLICY);
    assert!(client.diagnostics(uri).is_empty());
    let hover = client.result("textDocument/hover", position(uri, 6, 6));
    assert_eq!(hover["contents"]["kind"], "markdown");
    let text = hover["contents"]["value"].as_str().unwrap();
    assert!(
        text.contains("rule friendly: permit") && text.contains("cite \"Act §1\""),
        "{text}"
    );
    let definition = client.result("textDocument/definition", position(uri, 7, 23));
    assert_eq!(definition["uri"], "file:///project/schema.pol");
    assert_eq!(definition["range"]["start"], json!({"line": 4, "character": 2}));
    let mut params = position(uri, 7, 23);
    params["context"] = json!({"includeDeclaration": false});
    let references = client.result("textDocument/references", params);
    assert_eq!(references.as_array().unwrap().len(), 1, "{references}");
    let symbols = client.result(
        "textDocument/documentSymbol",
        json!({"textDocument": {"uri": uri}}),
    );
    let names: Vec<&str> = symbols
        .as_array()
        .unwrap()
        .iter()
        .map(|symbol| symbol["name"].as_str().unwrap())
        .collect();
    assert_eq!(names, ["permit rules"]);
    assert_eq!(symbols[0]["children"][0]["name"], "friendly");
}

#[test]
fn formatting_gives_the_canonical_text_and_refuses_a_syntax_error() {
    let mut client = Client::initialized(files());
    let uri = "file:///project/policy.pol";
    let messy = POLICY.replace("rule friendly: permit {", "rule   friendly :permit{");
    client.open(uri, &messy);
    let _ = client.diagnostics(uri);
    let options = json!({"textDocument": {"uri": uri}, "options": {"tabSize": 2, "insertSpaces": true}});
    let edits: Vec<lsp_types::TextEdit> =
        serde_json::from_value(client.result("textDocument/formatting", options.clone())).unwrap();
    assert_eq!(edits.len(), 1);
    let mut document = super::Document {
        uri: super::convert::parse_uri(uri),
        text: messy.clone(),
        version: 1,
        broken: false,
    };
    document.apply(lsp_types::TextDocumentContentChangeEvent {
        range: Some(edits[0].range),
        range_length: None,
        text: edits[0].new_text.clone(),
    });
    let mut sources = crate::source::SourceMap::new();
    let id = sources.add("messy.pol", messy.as_str());
    let canonical = crate::syntax::format(&sources, id, crate::syntax::DEFAULT_MAX_NESTING).unwrap();
    assert_eq!(document.text, canonical);
    assert!(canonical.contains("rule friendly: permit {"));
    client.notify(
        "textDocument/didChange",
        json!({"textDocument": {"uri": uri, "version": 2}, "contentChanges": [{"text": "policy \"P\"\nrule x: {"}]}),
    );
    assert_eq!(client.result("textDocument/formatting", options), json!([]));
}

#[test]
fn stdlib_locations_get_read_only_uris() {
    let mut client = Client::initialized(MemoryFiles::new());
    let uri = "file:///project/s.pol";
    client.open(
        uri,
        "module \"S\"\nuse std.dates\n\nlet begun: Bool = since(2024-01-01, 2020-01-01)\n",
    );
    assert_eq!(client.diagnostics(uri), Vec::<Value>::new());
    let definition = client.result("textDocument/definition", position(uri, 3, 20));
    assert_eq!(definition["uri"], "pol-std:///dates.pol", "{definition}");
    // `fn since(` is on line 8 of the module, its name after `fn `.
    assert_eq!(definition["range"]["start"], json!({"line": 8, "character": 3}));
    let hover = client.result("textDocument/hover", position(uri, 3, 20));
    let text = hover["contents"]["value"].as_str().unwrap();
    assert!(text.contains("Whether something that started on"), "{text}");
}

/// A handler for the tests' own methods, reached from `Server::dispatch` in test builds.
pub(super) fn sleep(params: &Value) {
    std::thread::sleep(Duration::from_millis(params.as_u64().unwrap_or(0)));
}

#[test]
fn the_build_keeps_unwinding_so_a_panic_can_be_caught() {
    // `panic = "abort"` in a profile would end the server at the first bug instead of
    // answering an internal error.
    let manifest = include_str!("../../Cargo.toml");
    assert!(
        manifest
            .lines()
            .all(|line| !line.trim_start().starts_with("panic")),
        "Cargo.toml sets a panic strategy"
    );
}

/// The policy with two test blocks: the first passes, the second expects the wrong decision.
fn tested_policy() -> String {
    format!(
        "{POLICY}
test \"friendly countries pass\" {{
  Country {{ code: \"US\", friendly: true }}
  Transfer {{ id: \"t1\", destination: \"US\", date: 2024-01-01 }}
  expect \"t1\" permit by friendly
}}

test \"others are expected to pass too\" {{
  Country {{ code: \"XX\", friendly: false }}
  Transfer {{ id: \"t2\", destination: \"XX\", date: 2024-01-01 }}
  expect \"t2\" permit by friendly
}}
"
    )
}

/// The titles of a document's code lenses.
fn lens_titles(client: &mut Client, uri: &str) -> Vec<String> {
    let lenses = client.result("textDocument/codeLens", json!({"textDocument": {"uri": uri}}));
    lenses
        .as_array()
        .unwrap()
        .iter()
        .map(|lens| lens["command"]["title"].as_str().unwrap().to_string())
        .collect()
}

#[test]
fn a_test_block_runs_from_its_code_lens_which_then_shows_the_outcome() {
    let mut client = Client::initialized(files());
    let uri = "file:///project/policy.pol";
    let text = tested_policy();
    client.open(uri, &text);
    assert!(client.diagnostics(uri).is_empty());
    let lenses = client.result("textDocument/codeLens", json!({"textDocument": {"uri": uri}}));
    assert_eq!(lenses.as_array().unwrap().len(), 2);
    let command = &lenses[0]["command"];
    assert_eq!(command["command"], "pol.runTest");
    assert_eq!(command["arguments"], json!([uri, "friendly countries pass"]));
    assert_eq!(lenses[0]["range"]["start"]["line"], 12);
    let passed = client.result(
        "workspace/executeCommand",
        json!({"command": "pol.runTest", "arguments": [uri, "friendly countries pass"]}),
    );
    assert_eq!(passed["passed"], true, "{passed}");
    let failed = client.result(
        "workspace/executeCommand",
        json!({"command": "pol.runTest", "arguments": [uri, "others are expected to pass too"]}),
    );
    assert_eq!(failed["passed"], false, "{failed}");
    assert!(failed["message"].as_str().unwrap().contains("deny"), "{failed}");
    assert_eq!(
        lens_titles(&mut client, uri),
        ["✓ passed · run test again", "✗ failed · run test again"]
    );
    // An edit makes the outcomes old: the lenses offer to run the tests again.
    client.notify(
        "textDocument/didChange",
        json!({"textDocument": {"uri": uri, "version": 2}, "contentChanges": [{"text": text.replace("Act §1", "Act §2")}]}),
    );
    assert_eq!(lens_titles(&mut client, uri), ["▶ run test", "▶ run test"]);
    // A policy with an error runs no test: never a pass.
    client.notify(
        "textDocument/didChange",
        json!({"textDocument": {"uri": uri, "version": 3}, "contentChanges": [{"text": text.replace("t.destination.friendly", "t.destination.frendly")}]}),
    );
    let refused = client.result(
        "workspace/executeCommand",
        json!({"command": "pol.runTest", "arguments": [uri, "friendly countries pass"]}),
    );
    assert_eq!(refused["passed"], false, "{refused}");
    let code = client.error_code(
        "workspace/executeCommand",
        json!({"command": "pol.other", "arguments": []}),
    );
    assert_eq!(code, ErrorCode::InvalidParams as i32);
}

#[test]
fn a_field_is_renamed_in_every_file_and_a_colliding_name_is_refused() {
    let mut client = Client::initialized(files());
    let uri = "file:///project/policy.pol";
    client.open(uri, POLICY);
    assert!(client.diagnostics(uri).is_empty());
    let range = client.result("textDocument/prepareRename", position(uri, 7, 23));
    assert_eq!(
        range,
        json!({"start": {"line": 7, "character": 21}, "end": {"line": 7, "character": 29}})
    );
    let mut params = position(uri, 7, 23);
    params["newName"] = json!("allied");
    let edit = client.result("textDocument/rename", params.clone());
    let changes = edit["changes"].as_object().unwrap();
    let mut files: Vec<&String> = changes.keys().collect();
    files.sort();
    assert_eq!(
        files,
        ["file:///project/policy.pol", "file:///project/schema.pol"]
    );
    assert_eq!(
        changes["file:///project/schema.pol"],
        json!([{"range": {"start": {"line": 4, "character": 2}, "end": {"line": 4, "character": 10}}, "newText": "allied"}])
    );
    params["newName"] = json!("code");
    let response = client.request("textDocument/rename", params);
    let error = response.response_result.unwrap_err();
    assert_eq!(error.code, -32803);
    assert!(error.message.contains("code"), "{}", error.message);
}

#[test]
fn a_misspelt_name_has_a_quick_fix() {
    let mut client = Client::initialized(files());
    let uri = "file:///project/policy.pol";
    client.open(
        uri,
        &POLICY.replace("t.destination.friendly", "t.destination.frendly"),
    );
    assert_eq!(shown(&client.diagnostics(uri)), ["E0203 7:21-7:28"]);
    let actions = client.result(
        "textDocument/codeAction",
        json!({"textDocument": {"uri": uri}, "range": {"start": {"line": 7, "character": 23}, "end": {"line": 7, "character": 23}}, "context": {"diagnostics": []}}),
    );
    let action = &actions[0];
    assert_eq!(action["kind"], "quickfix");
    assert_eq!(
        action["edit"]["changes"][uri],
        json!([{"range": {"start": {"line": 7, "character": 21}, "end": {"line": 7, "character": 28}}, "newText": "friendly"}])
    );
}

#[test]
fn workspace_symbols_and_semantic_tokens_answer_in_utf16() {
    let mut client = Client::initialized(files());
    let uri = "file:///project/policy.pol";
    client.open(uri, &POLICY.replace("policy \"P\"", "policy \"P😀\""));
    assert!(client.diagnostics(uri).is_empty());
    let symbols = client.result("workspace/symbol", json!({"query": "friend"}));
    let mut found: Vec<(String, String)> = symbols
        .as_array()
        .unwrap()
        .iter()
        .map(|symbol| {
            let uri = symbol["location"]["uri"].as_str().unwrap();
            (symbol["name"].as_str().unwrap().to_string(), uri.to_string())
        })
        .collect();
    found.sort();
    assert_eq!(
        found,
        [
            ("friendly".to_string(), "file:///project/policy.pol".to_string()),
            ("friendly".to_string(), "file:///project/schema.pol".to_string())
        ]
    );
    let tokens = client.result(
        "textDocument/semanticTokens/full",
        json!({"textDocument": {"uri": uri}}),
    );
    let data: Vec<u64> = tokens["data"]
        .as_array()
        .unwrap()
        .iter()
        .map(|n| n.as_u64().unwrap())
        .collect();
    // `policy`: a keyword (0) of 6 units at 0:0; then the title, a string (11) of 5 units
    // (`"P😀"`: the emoji is two) 7 units on.
    assert_eq!(&data[..10], [0, 0, 6, 0, 0, 0, 7, 5, 11, 0]);
}

#[test]
fn changes_queued_behind_a_request_are_checked_once_and_only_the_latest_is_published() {
    let uri = "file:///project/policy.pol";
    let mut client = Client::initialized(files());
    client.open(uri, POLICY);
    assert!(client.diagnostics(uri).is_empty());
    // The changes arrive while the server sleeps: they queue up, and only the text after the
    // last of them is checked and published, under its version.
    let sleep = client.send_request(SLEEP_METHOD, json!(300));
    let n_changes = 19;
    for version in 2..2 + n_changes {
        // Each change adds or removes an `x` after `friendly` in the rule's condition.
        let (end, text) = if version % 2 == 0 { (29, "x") } else { (30, "") };
        client.notify(
            "textDocument/didChange",
            json!({"textDocument": {"uri": uri, "version": version}, "contentChanges": [{
                "range": {"start": {"line": 7, "character": 29}, "end": {"line": 7, "character": end}},
                "text": text,
            }]}),
        );
    }
    assert!(client.response(&sleep).response_result.is_ok());
    let diagnostics = client.diagnostics_with_versions(uri);
    let versions: Vec<i64> = diagnostics.iter().map(|(version, _)| *version).collect();
    assert_eq!(versions, [1 + n_changes]);
    // The last change left `friendlyx`, an unknown field.
    assert_eq!(shown(&diagnostics[0].1), ["E0203 7:21-7:30"]);
}

#[test]
fn changes_to_a_policy_and_its_import_queued_together_publish_each_file_once_as_both_leave_it() {
    let (policy_uri, schema_uri) = ("file:///project/policy.pol", "file:///project/schema.pol");
    let mut client = Client::initialized(files());
    client.open(policy_uri, POLICY);
    client.open(schema_uri, SCHEMA);
    assert!(client.diagnostics(policy_uri).is_empty());
    assert!(client.diagnostics(schema_uri).is_empty());
    // While the server sleeps, the policy starts using a field `ally` that only the schema's
    // change then declares: the policy is checked first (its path sorts first), and reports
    // an unknown field until the schema's change is applied too.
    let sleep = client.send_request(SLEEP_METHOD, json!(300));
    client.notify(
        "textDocument/didChange",
        json!({"textDocument": {"uri": policy_uri, "version": 2}, "contentChanges": [{"text": POLICY.replace("friendly\n", "ally\n")}]}),
    );
    client.notify(
        "textDocument/didChange",
        json!({"textDocument": {"uri": schema_uri, "version": 2}, "contentChanges": [{"text": SCHEMA.replace("friendly: Bool", "ally: Bool")}]}),
    );
    assert!(client.response(&sleep).response_result.is_ok());
    assert_eq!(client.diagnostics_with_versions(policy_uri), [(2, Vec::new())]);
    assert_eq!(client.diagnostics_with_versions(schema_uri), [(2, Vec::new())]);
    // The schema alone taken back: the policy's field is unknown again.
    client.notify(
        "textDocument/didChange",
        json!({"textDocument": {"uri": schema_uri, "version": 3}, "contentChanges": [{"text": SCHEMA}]}),
    );
    assert_eq!(shown(&client.diagnostics(policy_uri)), ["E0203 7:21-7:25"]);
}
