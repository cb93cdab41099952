//! The language server (`pol lsp`): the protocol's messages over an `lsp_server::Connection`,
//! answered from a `session::Workspace`; documents, diagnostics, queries, formatting.
//! Reads files only through the `FileSystem` it is given and prints nothing.

mod convert;
mod documents;
mod editing;
mod queries;
#[cfg(test)]
mod tests;

pub use convert::DEFAULT_DOCS_URL;

use std::collections::{BTreeMap, BTreeSet, VecDeque};
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::path::{Path, PathBuf};

use crossbeam_channel::{Receiver, Sender};
use lsp_server::{Connection, ErrorCode, Message, Notification, Request, RequestId, Response};
use lsp_types::notification::{self as notify, Notification as _};
use lsp_types::request::{self as req, Request as _};
use lsp_types::{
    CodeActionKind, CodeActionOptions, CodeActionProviderCapability, CodeLensOptions, CompletionOptions,
    DidChangeWatchedFilesRegistrationOptions, ExecuteCommandOptions, FileSystemWatcher, GlobPattern,
    HoverProviderCapability, InitializeParams, InitializeResult, MessageType, OneOf, PositionEncodingKind,
    PublishDiagnosticsParams, Registration, RegistrationParams, RenameOptions, SaveOptions,
    SemanticTokensFullOptions, SemanticTokensOptions, SemanticTokensServerCapabilities, ServerCapabilities,
    ServerInfo, TextDocumentSyncCapability, TextDocumentSyncKind, TextDocumentSyncOptions,
    TextDocumentSyncSaveOptions, Uri, WorkDoneProgressOptions,
};

use crate::diagnostic::Setting;
use crate::engine::{self, FileSystem};
use crate::session::{FileDiagnostics, Workspace, normalize};
use convert::Locate;
use documents::Document;

/// How the server is set up by the front end that starts it.
#[derive(Clone, Debug)]
pub struct Config {
    /// Library directories imports may reach, besides the importing policy's own directory.
    pub roots: Vec<PathBuf>,
    /// Whether the editor's workspace folders are library directories too (the client may say
    /// otherwise in `initializationOptions.workspaceAsLibrary`).
    pub workspace_as_library: bool,
    /// The deepest nesting of brackets and expressions accepted in a policy.
    pub max_nesting: usize,
    /// The largest policy text accepted, from the disk or from the editor, in bytes.
    pub max_policy_bytes: u64,
    /// A folder holding a copy of each stdlib module as `NAME.pol`, so that a definition in the
    /// stdlib opens as a file; without one, stdlib modules are named `pol-std:///NAME.pol`.
    pub stdlib_dir: Option<PathBuf>,
    /// The page documenting diagnostic codes; each code links to `URL#code` (lower case).
    pub docs_url: String,
    /// The front end's words for changing a setting a diagnostic's help advises changing (a
    /// flag it was started with), or `None` to leave the help as the library words it.
    pub setting_words: fn(&Setting) -> Option<String>,
}

impl Default for Config {
    fn default() -> Config {
        Config {
            roots: Vec::new(),
            workspace_as_library: true,
            max_nesting: crate::syntax::DEFAULT_MAX_NESTING,
            max_policy_bytes: engine::DEFAULT_MAX_POLICY_BYTES,
            stdlib_dir: None,
            docs_url: DEFAULT_DOCS_URL.to_string(),
            setting_words: |_| None,
        }
    }
}

/// How the server's session with its client ended.
#[derive(Copy, Clone, Debug, PartialEq, Eq)]
pub enum Exit {
    /// An `exit` after a `shutdown`: the process should exit with 0.
    AfterShutdown,
    /// An `exit` without a `shutdown`, or the client went away: the process should exit with 1.
    WithoutShutdown,
}

impl Exit {
    /// The process exit code the protocol asks for.
    pub fn code(self) -> u8 {
        match self {
            Exit::AfterShutdown => 0,
            Exit::WithoutShutdown => 1,
        }
    }
}

/// The protocol's error for a request cancelled before it was answered.
const REQUEST_CANCELLED: i32 = -32800;

/// Serves one client over `connection` until it sends `exit` or goes away, reading policy files
/// through `files`. Never panics: a panic while answering is caught, answered as an internal
/// error and reported to the client, and the server goes on.
pub fn serve(connection: &Connection, files: &dyn FileSystem, config: Config) -> Exit {
    let incoming = forward(connection.receiver.clone());
    let sender = connection.sender.clone();
    let mut queue = Queue {
        incoming,
        pending: VecDeque::new(),
    };
    let Some(params) = initialize(&mut queue, &sender) else {
        return Exit::WithoutShutdown;
    };
    let mut server = Server::new(sender, files, config, &params);
    server.run(&mut queue)
}

/// Moves every message the transport reads onto an unbounded channel, on a thread of its own,
/// so that messages are read while a request is answered: a `$/cancelRequest` or a newer change
/// is then seen before the requests queued ahead of it are answered.
fn forward(receiver: Receiver<Message>) -> Receiver<Message> {
    let direct = receiver.clone();
    let (sender, forwarded) = crossbeam_channel::unbounded();
    let spawned = std::thread::Builder::new()
        .name("pol-lsp-reader".to_string())
        .spawn(move || {
            for message in receiver {
                if sender.send(message).is_err() {
                    break;
                }
            }
        });
    match spawned {
        Ok(_) => forwarded,
        // Without a thread, messages are read one at a time as they are handled.
        Err(_) => direct,
    }
}

/// Messages read and not yet handled.
struct Queue {
    incoming: Receiver<Message>,
    pending: VecDeque<Message>,
}

impl Queue {
    /// The next message, waiting for one if none was read; `None` once the client is gone.
    fn next(&mut self) -> Option<Message> {
        if !self.wait() {
            return None;
        }
        self.pending.pop_front()
    }

    /// Waits until a message is queued; `false` once the client is gone and none is.
    fn wait(&mut self) -> bool {
        if self.pending.is_empty() {
            match self.incoming.recv() {
                Ok(message) => self.pending.push_back(message),
                Err(_) => return false,
            }
        }
        true
    }

    /// Reads every message already sent, without waiting.
    fn drain(&mut self) {
        while let Ok(message) = self.incoming.try_recv() {
            self.pending.push_back(message);
        }
    }

    /// Whether a change to a document is next, so diagnostics can wait for it.
    fn change_is_next(&self) -> bool {
        matches!(self.pending.front(), Some(Message::Notification(note)) if note.method == notify::DidChangeTextDocument::METHOD)
    }

    /// Takes the request `id` out of the queue, if it is still waiting there.
    fn take_request(&mut self, id: &RequestId) -> Option<Request> {
        let idx = self
            .pending
            .iter()
            .position(|message| matches!(message, Message::Request(request) if request.id == *id))?;
        match self.pending.remove(idx) {
            Some(Message::Request(request)) => Some(request),
            _ => None,
        }
    }
}

/// Answers every request with ServerNotInitialized until `initialize`, which it answers with the
/// server's capabilities; the parameters of that request, or `None` if the client exits or goes
/// away first.
fn initialize(queue: &mut Queue, sender: &Sender<Message>) -> Option<InitializeParams> {
    loop {
        match queue.next()? {
            Message::Request(request) if request.method == req::Initialize::METHOD => {
                match serde_json::from_value::<InitializeParams>(request.params) {
                    Ok(params) => {
                        let result = InitializeResult {
                            capabilities: capabilities(),
                            server_info: Some(ServerInfo {
                                name: "pol".to_string(),
                                version: Some(env!("CARGO_PKG_VERSION").to_string()),
                            }),
                        };
                        send(sender, Response::new_ok(request.id, result))?;
                        return Some(params);
                    }
                    Err(error) => send(
                        sender,
                        Response::new_err(
                            request.id,
                            ErrorCode::InvalidParams as i32,
                            format!("invalid `initialize` parameters: {error}"),
                        ),
                    )?,
                }
            }
            Message::Request(request) => send(
                sender,
                Response::new_err(
                    request.id,
                    ErrorCode::ServerNotInitialized as i32,
                    format!("`{}` before `initialize`", request.method),
                ),
            )?,
            Message::Notification(note) if note.method == notify::Exit::METHOD => return None,
            Message::Notification(_) | Message::Response(_) => {}
        }
    }
}

/// Sends a message; `None` if the client is gone.
fn send(sender: &Sender<Message>, message: impl Into<Message>) -> Option<()> {
    sender.send(message.into()).ok()
}

/// What the server can do.
fn capabilities() -> ServerCapabilities {
    ServerCapabilities {
        position_encoding: Some(PositionEncodingKind::UTF16),
        text_document_sync: Some(TextDocumentSyncCapability::Options(TextDocumentSyncOptions {
            open_close: Some(true),
            change: Some(TextDocumentSyncKind::INCREMENTAL),
            will_save: None,
            will_save_wait_until: None,
            save: Some(TextDocumentSyncSaveOptions::SaveOptions(SaveOptions {
                include_text: Some(false),
            })),
        })),
        hover_provider: Some(HoverProviderCapability::Simple(true)),
        definition_provider: Some(OneOf::Left(true)),
        references_provider: Some(OneOf::Left(true)),
        completion_provider: Some(CompletionOptions {
            trigger_characters: Some(vec![".".to_string()]),
            ..CompletionOptions::default()
        }),
        document_symbol_provider: Some(OneOf::Left(true)),
        document_formatting_provider: Some(OneOf::Left(true)),
        rename_provider: Some(OneOf::Right(RenameOptions {
            prepare_provider: Some(true),
            work_done_progress_options: WorkDoneProgressOptions::default(),
        })),
        code_action_provider: Some(CodeActionProviderCapability::Options(CodeActionOptions {
            code_action_kinds: Some(vec![CodeActionKind::QUICKFIX]),
            ..CodeActionOptions::default()
        })),
        code_lens_provider: Some(CodeLensOptions {
            resolve_provider: Some(false),
        }),
        execute_command_provider: Some(ExecuteCommandOptions {
            commands: vec![editing::RUN_TEST.to_string()],
            ..ExecuteCommandOptions::default()
        }),
        workspace_symbol_provider: Some(OneOf::Left(true)),
        semantic_tokens_provider: Some(SemanticTokensServerCapabilities::SemanticTokensOptions(
            SemanticTokensOptions {
                legend: editing::legend(),
                full: Some(SemanticTokensFullOptions::Bool(true)),
                range: None,
                work_done_progress_options: WorkDoneProgressOptions::default(),
            },
        )),
        ..ServerCapabilities::default()
    }
}

/// The server between `initialize` and `exit`.
pub(crate) struct Server<'fs> {
    sender: Sender<Message>,
    files: &'fs dyn FileSystem,
    config: Config,
    /// The library directories of the workspace: the configured ones and the workspace folders.
    roots: Vec<PathBuf>,
    workspace: Workspace<'fs>,
    /// The documents open in the editor, by the path the session names them by.
    documents: BTreeMap<PathBuf, Document>,
    /// Documents changed since the session last got their text.
    unsynced: BTreeSet<PathBuf>,
    /// Whether `shutdown` was received.
    shut_down: bool,
    /// Whether the client went away.
    gone: bool,
    /// The outcome of the last run of each test (`true`: passed), by file and name.
    test_results: BTreeMap<(PathBuf, String), bool>,
    /// Whether the client can be asked to refresh its code lenses.
    refresh_lenses: bool,
    /// How many requests the server sent, to give each its own id.
    next_request: u64,
}

impl<'fs> Server<'fs> {
    fn new(
        sender: Sender<Message>,
        files: &'fs dyn FileSystem,
        config: Config,
        params: &InitializeParams,
    ) -> Server<'fs> {
        let options = params.initialization_options.as_ref();
        let as_library = options
            .and_then(|options| options.get("workspaceAsLibrary"))
            .and_then(serde_json::Value::as_bool)
            .unwrap_or(config.workspace_as_library);
        let mut config = config;
        if let Some(url) = options
            .and_then(|options| options.get("docsUrl"))
            .and_then(serde_json::Value::as_str)
        {
            config.docs_url = url.trim_end_matches('#').to_string();
        }
        let mut roots = config.roots.clone();
        if let Some(libraries) = options
            .and_then(|options| options.get("lib"))
            .and_then(serde_json::Value::as_array)
        {
            roots.extend(
                libraries
                    .iter()
                    .filter_map(serde_json::Value::as_str)
                    .map(PathBuf::from),
            );
        }
        if as_library {
            let mut folders: Vec<PathBuf> = params
                .workspace_folders
                .iter()
                .flatten()
                .filter_map(|folder| convert::path_of_uri(&folder.uri))
                .collect();
            #[allow(deprecated)] // Older clients name their one folder only this way.
            if folders.is_empty()
                && let Some(root) = params.root_uri.as_ref().and_then(convert::path_of_uri)
            {
                folders.push(root);
            }
            roots.extend(folders);
        }
        let roots: Vec<PathBuf> = roots
            .into_iter()
            .map(|root| files.canonical(&root).unwrap_or_else(|_| normalize(&root)))
            .collect();
        let mut server = Server {
            workspace: new_workspace(files, &roots, &config),
            sender,
            files,
            config,
            roots,
            documents: BTreeMap::new(),
            unsynced: BTreeSet::new(),
            shut_down: false,
            gone: false,
            test_results: BTreeMap::new(),
            refresh_lenses: params
                .capabilities
                .workspace
                .as_ref()
                .and_then(|workspace| workspace.code_lens.as_ref())
                .and_then(|lens| lens.refresh_support)
                .unwrap_or(false),
            next_request: 0,
        };
        let watch = params
            .capabilities
            .workspace
            .as_ref()
            .and_then(|workspace| workspace.did_change_watched_files)
            .and_then(|watched| watched.dynamic_registration)
            .unwrap_or(false);
        if watch {
            server.watch_policy_files();
        }
        server
    }

    /// Asks the client to report changes to `.pol` files on disk.
    fn watch_policy_files(&mut self) {
        let options = DidChangeWatchedFilesRegistrationOptions {
            watchers: vec![FileSystemWatcher {
                glob_pattern: GlobPattern::String("**/*.pol".to_string()),
                kind: None,
            }],
        };
        let params = RegistrationParams {
            registrations: vec![Registration {
                id: "pol-watch-policies".to_string(),
                method: notify::DidChangeWatchedFiles::METHOD.to_string(),
                register_options: serde_json::to_value(options).ok(),
            }],
        };
        let request = Request::new(
            RequestId::from("pol-watch-policies".to_string()),
            req::RegisterCapability::METHOD.to_string(),
            params,
        );
        self.send(request);
    }

    fn run(&mut self, queue: &mut Queue) -> Exit {
        loop {
            if self.gone {
                return Exit::WithoutShutdown;
            }
            if !queue.wait() {
                return Exit::WithoutShutdown;
            }
            queue.drain();
            self.cancel_queued(queue);
            let Some(message) = queue.pending.pop_front() else {
                continue;
            };
            match message {
                Message::Request(request) => {
                    self.sync();
                    let response = self.respond(request);
                    self.send(response);
                }
                Message::Notification(note) if note.method == notify::Exit::METHOD => {
                    return if self.shut_down {
                        Exit::AfterShutdown
                    } else {
                        Exit::WithoutShutdown
                    };
                }
                // A cancelled request still queued was answered by `cancel_queued`; one already
                // answered needs nothing.
                Message::Notification(note) if note.method == notify::Cancel::METHOD => {}
                Message::Notification(note) => {
                    let is_change = note.method == notify::DidChangeTextDocument::METHOD;
                    if !is_change {
                        self.sync();
                    }
                    self.notified(note);
                }
                // The client's answers to the server's requests (a registration) need nothing.
                Message::Response(_) => {}
            }
            // Changes are given to the session once the changes sent together are applied.
            if !queue.change_is_next() {
                self.sync();
            }
        }
    }

    /// Answers each request that waits in the queue behind a `$/cancelRequest` for it with
    /// RequestCancelled, taking it out of the queue.
    fn cancel_queued(&mut self, queue: &mut Queue) {
        let cancelled: Vec<RequestId> = queue
            .pending
            .iter()
            .filter_map(|message| match message {
                Message::Notification(note) if note.method == notify::Cancel::METHOD => {
                    serde_json::from_value::<lsp_types::CancelParams>(note.params.clone()).ok()
                }
                _ => None,
            })
            .map(|params| match params.id {
                lsp_types::NumberOrString::Number(n) => RequestId::from(n),
                lsp_types::NumberOrString::String(text) => RequestId::from(text),
            })
            .collect();
        for id in cancelled {
            if let Some(request) = queue.take_request(&id) {
                self.send(Response::new_err(
                    request.id,
                    REQUEST_CANCELLED,
                    format!("`{}` was cancelled", request.method),
                ));
            }
        }
    }

    /// The answer to one request; a panic while answering is answered as an internal error.
    fn respond(&mut self, request: Request) -> Response {
        if self.shut_down {
            return Response::new_err(
                request.id,
                ErrorCode::InvalidRequest as i32,
                format!("`{}` after `shutdown`", request.method),
            );
        }
        let id = request.id.clone();
        let method = request.method.clone();
        match catch_unwind(AssertUnwindSafe(|| self.dispatch(request))) {
            Ok(response) => response,
            Err(panic) => {
                let message = format!(
                    "internal error in Pol while answering `{method}`: {}; this is a bug in Pol",
                    panic_text(panic.as_ref())
                );
                self.log(MessageType::ERROR, &message);
                self.recover();
                Response::new_err(id, ErrorCode::InternalError as i32, message)
            }
        }
    }

    /// Routes a request to its handler. A handler is a method taking the request's parameters
    /// and giving its result; adding one is an arm here and a capability in [`capabilities`].
    fn dispatch(&mut self, request: Request) -> Response {
        match request.method.as_str() {
            req::Shutdown::METHOD => {
                self.shut_down = true;
                Response::new_ok(request.id, ())
            }
            req::Initialize::METHOD => Response::new_err(
                request.id,
                ErrorCode::InvalidRequest as i32,
                "`initialize` was already received".to_string(),
            ),
            req::HoverRequest::METHOD => self.answer::<req::HoverRequest>(request, Server::hover),
            req::GotoDefinition::METHOD => self.answer::<req::GotoDefinition>(request, Server::definition),
            req::References::METHOD => self.answer::<req::References>(request, Server::references),
            req::Completion::METHOD => self.answer::<req::Completion>(request, Server::completion),
            req::DocumentSymbolRequest::METHOD => {
                self.answer::<req::DocumentSymbolRequest>(request, Server::document_symbols)
            }
            req::Formatting::METHOD => self.answer::<req::Formatting>(request, Server::formatting),
            req::PrepareRenameRequest::METHOD => {
                self.answer::<req::PrepareRenameRequest>(request, Server::prepare_rename)
            }
            req::Rename::METHOD => self.answer_or_fail::<req::Rename>(request, Server::rename),
            req::CodeActionRequest::METHOD => {
                self.answer::<req::CodeActionRequest>(request, Server::code_actions)
            }
            req::CodeLensRequest::METHOD => self.answer::<req::CodeLensRequest>(request, Server::code_lenses),
            req::ExecuteCommand::METHOD => {
                self.answer_or_fail::<req::ExecuteCommand>(request, Server::execute_command)
            }
            req::WorkspaceSymbolRequest::METHOD => {
                self.answer::<req::WorkspaceSymbolRequest>(request, Server::workspace_symbols)
            }
            req::SemanticTokensFullRequest::METHOD => {
                self.answer::<req::SemanticTokensFullRequest>(request, Server::semantic_tokens)
            }
            #[cfg(test)]
            tests::PANIC_METHOD => panic!("a handler panicked on purpose"),
            #[cfg(test)]
            tests::SLEEP_METHOD => {
                tests::sleep(&request.params);
                Response::new_ok(request.id, ())
            }
            _ => Response::new_err(
                request.id,
                ErrorCode::MethodNotFound as i32,
                format!("unknown method `{}`", request.method),
            ),
        }
    }

    /// Decodes a request's parameters (InvalidParams if they do not fit) and answers it with
    /// `handler`.
    fn answer<R: req::Request>(
        &mut self,
        request: Request,
        handler: fn(&mut Self, R::Params) -> R::Result,
    ) -> Response {
        match serde_json::from_value::<R::Params>(request.params) {
            Ok(params) => Response::new_ok(request.id, handler(self, params)),
            Err(error) => Response::new_err(
                request.id,
                ErrorCode::InvalidParams as i32,
                format!("invalid parameters for `{}`: {error}", R::METHOD),
            ),
        }
    }

    /// Decodes a request's parameters and answers it with `handler`, which may refuse it with an
    /// error of its own.
    fn answer_or_fail<R: req::Request>(
        &mut self,
        request: Request,
        handler: fn(&mut Self, R::Params) -> Result<R::Result, lsp_server::ResponseError>,
    ) -> Response {
        match serde_json::from_value::<R::Params>(request.params) {
            Ok(params) => match handler(self, params) {
                Ok(result) => Response::new_ok(request.id, result),
                Err(error) => Response {
                    id: request.id,
                    response_result: Err(error),
                },
            },
            Err(error) => Response::new_err(
                request.id,
                ErrorCode::InvalidParams as i32,
                format!("invalid parameters for `{}`: {error}", R::METHOD),
            ),
        }
    }

    /// Asks the client to ask again for code lenses, if it can, so a test's lens shows its
    /// last outcome.
    fn refresh_code_lenses(&mut self) {
        if self.refresh_lenses {
            self.next_request += 1;
            let request = Request::new(
                RequestId::from(format!("pol-refresh-{}", self.next_request)),
                req::CodeLensRefresh::METHOD.to_string(),
                serde_json::Value::Null,
            );
            self.send(request);
        }
    }

    /// Handles one notification; a panic is caught, reported and the session rebuilt.
    fn notified(&mut self, note: Notification) {
        let method = note.method.clone();
        if let Err(panic) = catch_unwind(AssertUnwindSafe(|| self.dispatch_notification(note))) {
            let message = format!(
                "internal error in Pol while handling `{method}`: {}; this is a bug in Pol",
                panic_text(panic.as_ref())
            );
            self.log(MessageType::ERROR, &message);
            self.recover();
        }
    }

    fn dispatch_notification(&mut self, note: Notification) {
        let method = note.method.clone();
        let handled = match method.as_str() {
            notify::DidOpenTextDocument::METHOD => {
                self.take::<notify::DidOpenTextDocument>(note, Server::opened)
            }
            notify::DidChangeTextDocument::METHOD => {
                self.take::<notify::DidChangeTextDocument>(note, Server::changed)
            }
            notify::DidCloseTextDocument::METHOD => {
                self.take::<notify::DidCloseTextDocument>(note, Server::closed)
            }
            notify::DidSaveTextDocument::METHOD => {
                self.take::<notify::DidSaveTextDocument>(note, Server::saved)
            }
            notify::DidChangeWatchedFiles::METHOD => {
                self.take::<notify::DidChangeWatchedFiles>(note, Server::files_changed)
            }
            // Everything else (`initialized`, `$/setTrace`, configuration) needs nothing.
            _ => Ok(()),
        };
        if let Err(error) = handled {
            self.log(
                MessageType::WARNING,
                &format!("ignored `{method}` with invalid parameters: {error}"),
            );
        }
    }

    fn take<N: notify::Notification>(
        &mut self,
        note: Notification,
        handler: fn(&mut Self, N::Params),
    ) -> Result<(), serde_json::Error> {
        let params = serde_json::from_value::<N::Params>(note.params)?;
        handler(self, params);
        Ok(())
    }

    fn opened(&mut self, params: lsp_types::DidOpenTextDocumentParams) {
        let document = params.text_document;
        let Some(path) = self.path_of(&document.uri) else {
            return;
        };
        self.documents.insert(
            path.clone(),
            Document {
                uri: document.uri,
                text: document.text,
                version: document.version,
                broken: false,
            },
        );
        self.unsynced.insert(path);
    }

    fn changed(&mut self, params: lsp_types::DidChangeTextDocumentParams) {
        let Some(path) = self.path_of(&params.text_document.uri) else {
            return;
        };
        let Some(document) = self.documents.get_mut(&path) else {
            self.log(
                MessageType::WARNING,
                &format!(
                    "ignored a change to `{}`, which is not open",
                    params.text_document.uri.as_str()
                ),
            );
            return;
        };
        for change in params.content_changes {
            document.apply(change);
        }
        document.version = params.text_document.version;
        self.unsynced.insert(path);
    }

    fn closed(&mut self, params: lsp_types::DidCloseTextDocumentParams) {
        let Some(path) = self.path_of(&params.text_document.uri) else {
            return;
        };
        let document = self.documents.remove(&path);
        self.unsynced.remove(&path);
        let mut reported = self.workspace.remove(&path);
        // The file's own list is published under the URI the editor used, even if no program
        // reports in it any more.
        if let Some(document) = document {
            let own = reported.iter().position(|file| file.path == path);
            let diagnostics = own
                .map(|idx| reported.remove(idx).diagnostics)
                .unwrap_or_default();
            self.publish_to(document.uri, None, &diagnostics);
        }
        self.publish(reported);
    }

    fn saved(&mut self, params: lsp_types::DidSaveTextDocumentParams) {
        // The editor's text already wins over the disk's; a text sent along is the whole text.
        if let Some(text) = params.text
            && let Some(path) = self.path_of(&params.text_document.uri)
            && let Some(document) = self.documents.get_mut(&path)
            && document.text != text
        {
            document.text = text;
            document.broken = false;
            self.unsynced.insert(path);
        }
    }

    fn files_changed(&mut self, params: lsp_types::DidChangeWatchedFilesParams) {
        for change in params.changes {
            let Some(path) = convert::path_of_uri(&change.uri) else {
                continue;
            };
            let path = self.session_path(&path);
            if self.documents.contains_key(&path) {
                // The editor's text wins until it is closed.
                continue;
            }
            // A file created, changed or deleted is read again: a deleted one is then reported
            // by the programs that import it.
            let reported = self.workspace.reload(&path);
            self.publish(reported);
        }
    }

    /// Gives the session the text of every document changed since it last did, and publishes the
    /// diagnostics of every file that affects.
    fn sync(&mut self) {
        if self.unsynced.is_empty() {
            return;
        }
        // Each file's list as the last change that reported it left it: a later change that
        // affects a file reports it again, and one that does not leaves its list as it was.
        let mut affected: BTreeMap<PathBuf, Vec<crate::diagnostic::Diagnostic>> = BTreeMap::new();
        for path in std::mem::take(&mut self.unsynced) {
            let Some(document) = self.documents.get(&path) else {
                continue;
            };
            if document.broken {
                continue;
            }
            let text = &document.text;
            let workspace = &mut self.workspace;
            match catch_unwind(AssertUnwindSafe(|| workspace.set_text(&path, text))) {
                Ok(reported) => {
                    affected.extend(reported.into_iter().map(|file| (file.path, file.diagnostics)))
                }
                Err(panic) => {
                    let message = format!(
                        "internal error in Pol while checking `{}`: {}; this is a bug in Pol, and the file's diagnostics are not shown until it changes",
                        path.display(),
                        panic_text(panic.as_ref())
                    );
                    self.log(MessageType::ERROR, &message);
                    self.show(MessageType::ERROR, &message);
                    if let Some(document) = self.documents.get_mut(&path) {
                        document.broken = true;
                    }
                    self.recover();
                    return self.sync();
                }
            }
        }
        let reported: Vec<FileDiagnostics> = affected
            .into_iter()
            .map(|(path, diagnostics)| FileDiagnostics { path, diagnostics })
            .collect();
        self.publish(reported);
    }

    /// Starts a new session after a panic left the old one in an unknown state: every document
    /// not known to break it is given to it again at the next [`Server::sync`].
    fn recover(&mut self) {
        self.workspace = new_workspace(self.files, &self.roots, &self.config);
        self.unsynced = self.documents.keys().cloned().collect();
    }

    /// Publishes the diagnostics of files, each under its document's URI if it is open.
    fn publish(&mut self, reported: Vec<FileDiagnostics>) {
        if !reported.is_empty() {
            // A test's last outcome no longer holds once a file its program reads has changed.
            self.test_results.clear();
        }
        for file in reported {
            if convert::std_module(&file.path.to_string_lossy()).is_some() {
                continue;
            }
            let (uri, version) = match self.documents.get(&file.path) {
                Some(document) => (document.uri.clone(), Some(document.version)),
                None => (convert::uri_of_path(&file.path), None),
            };
            self.publish_to(uri, version, &file.diagnostics);
        }
    }

    fn publish_to(&mut self, uri: Uri, version: Option<i32>, diagnostics: &[crate::diagnostic::Diagnostic]) {
        let sources = self.workspace.sources();
        let diagnostics = diagnostics
            .iter()
            .map(|diagnostic| {
                let mut diagnostic = diagnostic.clone();
                diagnostic.name_setting(self.config.setting_words);
                convert::to_diagnostic(sources, &diagnostic, &self.config.docs_url, self)
            })
            .collect();
        let params = PublishDiagnosticsParams {
            uri,
            diagnostics,
            version,
        };
        self.send(Notification::new(
            notify::PublishDiagnostics::METHOD.to_string(),
            params,
        ));
    }

    /// The path the session names a document by, or `None` for a URI that names no file this
    /// server checks (another scheme, or a stdlib module's copy, which is read-only).
    fn path_of(&self, uri: &Uri) -> Option<PathBuf> {
        let path = convert::path_of_uri(uri)?;
        if let Some(dir) = &self.config.stdlib_dir
            && path.starts_with(dir)
        {
            return None;
        }
        Some(self.session_path(&path))
    }

    /// A path as the session names it: canonical when the disk has it.
    fn session_path(&self, path: &Path) -> PathBuf {
        let normal = normalize(path);
        if self.documents.contains_key(&normal) {
            return normal;
        }
        self.files.canonical(path).unwrap_or(normal)
    }

    /// The URI of a stdlib module: its copy in the stdlib folder, or `pol-std:///NAME.pol`.
    fn std_uri(&self, name: &str) -> Uri {
        match &self.config.stdlib_dir {
            Some(dir) => convert::uri_of_path(&dir.join(format!("{name}.pol"))),
            None => convert::parse_uri(&format!("{}:///{name}.pol", convert::STD_SCHEME)),
        }
    }

    /// The URI of a file as the session names it: an open document's own, a stdlib module's, or
    /// the path's.
    fn uri_of(&self, path: &Path) -> Uri {
        if let Some(document) = self.documents.get(path) {
            return document.uri.clone();
        }
        if let Some(name) = convert::std_module(&path.to_string_lossy()) {
            return self.std_uri(name);
        }
        convert::uri_of_path(path)
    }

    fn send(&mut self, message: impl Into<Message>) {
        if self.sender.send(message.into()).is_err() {
            self.gone = true;
        }
    }

    /// Sends a line to the client's log.
    fn log(&mut self, typ: MessageType, message: &str) {
        let params = lsp_types::LogMessageParams {
            typ,
            message: message.to_string(),
        };
        self.send(Notification::new(notify::LogMessage::METHOD.to_string(), params));
    }

    /// Shows a message to the user.
    fn show(&mut self, typ: MessageType, message: &str) {
        let params = lsp_types::ShowMessageParams {
            typ,
            message: message.to_string(),
        };
        self.send(Notification::new(notify::ShowMessage::METHOD.to_string(), params));
    }
}

impl Locate for Server<'_> {
    fn uri_of_source(&self, name: &str) -> Uri {
        self.uri_of(Path::new(name))
    }
}

/// A session over `files` with the server's library directories and limits.
fn new_workspace<'fs>(files: &'fs dyn FileSystem, roots: &[PathBuf], config: &Config) -> Workspace<'fs> {
    let mut workspace = Workspace::new(files, roots.to_vec());
    workspace.set_policy_limits(config.max_nesting, config.max_policy_bytes);
    workspace
}

/// The message a panic carried.
fn panic_text(panic: &(dyn std::any::Any + Send)) -> String {
    panic
        .downcast_ref::<&str>()
        .map(|text| (*text).to_string())
        .or_else(|| panic.downcast_ref::<String>().cloned())
        .unwrap_or_else(|| "a panic without a message".to_string())
}
