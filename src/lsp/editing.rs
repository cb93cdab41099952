//! The server's answers that change or run something: rename, code actions (Pol's fixes),
//! the code lens that runs a `test` block, workspace symbols and semantic tokens.

use std::collections::HashMap;

use lsp_server::{ErrorCode, ResponseError};
use lsp_types::{
    CodeAction, CodeActionKind, CodeActionOrCommand, CodeActionParams, CodeActionResponse, CodeLens,
    CodeLensParams, Command, ExecuteCommandParams, MessageType, OneOf, PrepareRenameResponse, RenameParams,
    SemanticToken, SemanticTokenModifier, SemanticTokenType, SemanticTokens, SemanticTokensLegend,
    SemanticTokensParams, SemanticTokensResult, TextDocumentPositionParams, TextEdit, Uri, WorkspaceEdit,
    WorkspaceSymbol, WorkspaceSymbolParams, WorkspaceSymbolResponse,
};
use serde_json::{Value, json};

use super::{Server, convert};
use crate::analysis::TokenKind;
use crate::diagnostic::Edit;
use crate::session::TestOutcome;
use crate::source::Span;

/// The command a test block's code lens runs: its arguments are the document's URI and the
/// test's name.
pub(super) const RUN_TEST: &str = "pol.runTest";

/// The most symbols a workspace search answers with, best first: enough to choose from,
/// never the whole of a large workspace at each keystroke.
const MAX_SYMBOLS: usize = 1_000;

/// The protocol's error for a request that was valid but could not be carried out.
const REQUEST_FAILED: i32 = -32803;

/// The token types of semantic tokens, in the order of [`token_type`]'s indices.
pub(super) fn legend() -> SemanticTokensLegend {
    SemanticTokensLegend {
        token_types: vec![
            SemanticTokenType::KEYWORD,
            SemanticTokenType::EVENT,
            SemanticTokenType::STRUCT,
            SemanticTokenType::ENUM,
            SemanticTokenType::TYPE,
            SemanticTokenType::PROPERTY,
            SemanticTokenType::FUNCTION,
            SemanticTokenType::VARIABLE,
            SemanticTokenType::ENUM_MEMBER,
            SemanticTokenType::PARAMETER,
            SemanticTokenType::INTERFACE,
            SemanticTokenType::STRING,
            SemanticTokenType::NUMBER,
            SemanticTokenType::COMMENT,
            SemanticTokenType::OPERATOR,
        ],
        // The bits of `analysis::Modifiers`, in order.
        token_modifiers: vec![
            SemanticTokenModifier::DECLARATION,
            SemanticTokenModifier::READONLY,
            SemanticTokenModifier::DEFAULT_LIBRARY,
        ],
    }
}

/// The index of a token kind in [`legend`], and whether it is read-only by nature.
fn token_type(kind: TokenKind) -> (u32, bool) {
    match kind {
        TokenKind::Keyword => (0, false),
        TokenKind::Rule => (1, false),
        TokenKind::Record => (2, false),
        TokenKind::Enum => (3, false),
        TokenKind::Type => (4, false),
        TokenKind::Field => (5, false),
        TokenKind::Function => (6, false),
        TokenKind::Constant => (7, true),
        TokenKind::EnumMember => (8, false),
        TokenKind::Parameter => (9, false),
        TokenKind::Variable => (7, false),
        TokenKind::Obligation => (10, false),
        TokenKind::String => (11, false),
        TokenKind::Number | TokenKind::Date => (12, false),
        TokenKind::Comment => (13, false),
        TokenKind::Operator => (14, false),
    }
}

impl Server<'_> {
    /// Pol's edits as the protocol's, grouped by file.
    fn workspace_edit(&self, edits: impl IntoIterator<Item = Edit>) -> WorkspaceEdit {
        // A `Uri` hashes and compares its text, which never changes; the cell inside it only
        // caches where its parts are.
        #[allow(clippy::mutable_key_type)]
        let mut changes: HashMap<Uri, Vec<TextEdit>> = HashMap::new();
        for edit in edits {
            let source = self.workspace.sources().get(edit.span.source);
            let uri = self.uri_of(std::path::Path::new(&source.name));
            changes
                .entry(uri)
                .or_default()
                .push(TextEdit::new(convert::range(source, edit.span), edit.text));
        }
        WorkspaceEdit {
            changes: Some(changes),
            document_changes: None,
            change_annotations: None,
        }
    }

    pub(super) fn prepare_rename(
        &mut self,
        params: TextDocumentPositionParams,
    ) -> Option<PrepareRenameResponse> {
        let (path, offset) = self.at(&params)?;
        let span = self.workspace.prepare_rename(&path, offset)?;
        let source = self.workspace.sources().get(span.source);
        Some(PrepareRenameResponse::Range(convert::range(source, span)))
    }

    pub(super) fn rename(&mut self, params: RenameParams) -> Result<Option<WorkspaceEdit>, ResponseError> {
        let Some((path, offset)) = self.at(&params.text_document_position) else {
            return Ok(None);
        };
        match self.workspace.rename(&path, offset, &params.new_name) {
            Ok(files) => Ok(Some(
                self.workspace_edit(files.into_iter().flat_map(|file| file.edits)),
            )),
            Err(diagnostic) => {
                let mut message = diagnostic.message.clone();
                if let Some(help) = &diagnostic.help {
                    message.push_str(&format!("; {help}"));
                }
                Err(ResponseError {
                    code: REQUEST_FAILED,
                    message,
                    data: Some(json!({"code": diagnostic.code.as_str()})),
                })
            }
        }
    }

    pub(super) fn code_actions(&mut self, params: CodeActionParams) -> Option<CodeActionResponse> {
        let path = self.path_of(&params.text_document.uri)?;
        let id = self.workspace.source_id(&path)?;
        let source = self.workspace.sources().get(id);
        let start = convert::offset(source, params.range.start);
        let end = convert::offset(source, params.range.end).max(start);
        let fixes = self
            .workspace
            .code_actions(&path, Span::new(id, start as usize, end as usize));
        let actions = fixes
            .into_iter()
            .map(|fix| {
                CodeActionOrCommand::CodeAction(CodeAction {
                    title: fix.title,
                    kind: Some(CodeActionKind::QUICKFIX),
                    edit: Some(self.workspace_edit(fix.edits)),
                    ..CodeAction::default()
                })
            })
            .collect();
        Some(actions)
    }

    pub(super) fn code_lenses(&mut self, params: CodeLensParams) -> Option<Vec<CodeLens>> {
        let path = self.path_of(&params.text_document.uri)?;
        let id = self.workspace.source_id(&path)?;
        let source = self.workspace.sources().get(id);
        let lenses = self
            .workspace
            .tests(&path)
            .into_iter()
            .map(|test| {
                let title = match self.test_results.get(&(path.clone(), test.name.clone())) {
                    Some(true) => "✓ passed · run test again",
                    Some(false) => "✗ failed · run test again",
                    None => "▶ run test",
                };
                CodeLens {
                    range: convert::range(source, test.name_span),
                    command: Some(Command {
                        title: title.to_string(),
                        command: RUN_TEST.to_string(),
                        arguments: Some(vec![json!(params.text_document.uri.as_str()), json!(test.name)]),
                    }),
                    data: None,
                }
            })
            .collect();
        Some(lenses)
    }

    pub(super) fn execute_command(
        &mut self,
        params: ExecuteCommandParams,
    ) -> Result<Option<Value>, ResponseError> {
        let invalid = |message: &str| ResponseError {
            code: ErrorCode::InvalidParams as i32,
            message: message.to_string(),
            data: None,
        };
        if params.command != RUN_TEST {
            return Err(invalid(&format!("unknown command `{}`", params.command)));
        }
        let (Some(uri), Some(name)) = (
            params.arguments.first().and_then(Value::as_str),
            params.arguments.get(1).and_then(Value::as_str),
        ) else {
            return Err(invalid("`pol.runTest` takes a document's URI and a test's name"));
        };
        let Some(path) = uri.parse::<Uri>().ok().and_then(|uri| self.path_of(&uri)) else {
            return Err(invalid("`pol.runTest` takes the URI of an open policy"));
        };
        let outcome = self.workspace.run_test(&path, name);
        let (passed, text) = match &outcome {
            TestOutcome::Passed => (true, format!("test `{name}` passed")),
            TestOutcome::Failed { message, .. } => (false, format!("test `{name}` failed:\n{message}")),
            TestOutcome::Error(diagnostics) => {
                let reasons: Vec<&str> = diagnostics.iter().map(|found| found.message.as_str()).collect();
                (
                    false,
                    format!("test `{name}` could not run: {}", reasons.join("; ")),
                )
            }
        };
        self.test_results.insert((path, name.to_string()), passed);
        self.show(
            if passed {
                MessageType::INFO
            } else {
                MessageType::ERROR
            },
            &text,
        );
        self.refresh_code_lenses();
        Ok(Some(json!({"passed": passed, "message": text})))
    }

    pub(super) fn workspace_symbols(
        &mut self,
        params: WorkspaceSymbolParams,
    ) -> Option<WorkspaceSymbolResponse> {
        let symbols = self
            .workspace
            .workspace_symbols(&params.query)
            .into_iter()
            .take(MAX_SYMBOLS)
            .map(|(location, symbol)| WorkspaceSymbol {
                name: symbol.name,
                kind: super::queries::symbol_kind(symbol.kind),
                tags: None,
                container_name: symbol.detail,
                location: OneOf::Left(self.location(&location)),
                data: None,
            })
            .collect();
        Some(WorkspaceSymbolResponse::Nested(symbols))
    }

    pub(super) fn semantic_tokens(&mut self, params: SemanticTokensParams) -> Option<SemanticTokensResult> {
        let path = self.path_of(&params.text_document.uri)?;
        let id = self.workspace.source_id(&path)?;
        let source = self.workspace.sources().get(id);
        let mut data = Vec::new();
        let (mut last_line, mut last_start) = (0, 0);
        for token in self.workspace.semantic_tokens(&path) {
            let (token_type, readonly) = token_type(token.kind);
            let mut modifiers = u32::from(token.modifiers.0);
            if readonly {
                modifiers |= 2;
            }
            // A token over several lines (a comment, a string) is sent a line at a time.
            let mut start = token.span.start;
            while start < token.span.end {
                let line_end = source.text[start as usize..token.span.end as usize]
                    .find('\n')
                    .map_or(token.span.end, |idx| start + idx as u32);
                let from = convert::position(source, start);
                let to = convert::position(source, line_end);
                if to.character > from.character {
                    let delta_line = from.line - last_line;
                    let delta_start = if delta_line == 0 {
                        from.character - last_start
                    } else {
                        from.character
                    };
                    data.push(SemanticToken {
                        delta_line,
                        delta_start,
                        length: to.character - from.character,
                        token_type,
                        token_modifiers_bitset: modifiers,
                    });
                    (last_line, last_start) = (from.line, from.character);
                }
                start = line_end + 1;
            }
        }
        Some(SemanticTokensResult::Tokens(SemanticTokens {
            result_id: None,
            data,
        }))
    }
}
