//! The server's answers to an editor's questions about a document: hover, definition,
//! references, completion, document symbols and formatting, each read from the session.

use std::path::PathBuf;

use lsp_types::{
    CompletionItem, CompletionItemKind, CompletionParams, CompletionResponse, DocumentFormattingParams,
    DocumentSymbol, DocumentSymbolParams, DocumentSymbolResponse, GotoDefinitionParams,
    GotoDefinitionResponse, Hover, HoverContents, HoverParams, Location, MarkupContent, MarkupKind, Position,
    Range, ReferenceParams, SymbolKind, TextDocumentPositionParams, TextEdit,
};

use super::{Server, convert};
use crate::analysis::{self, CompletionKind};
use crate::session;
use crate::source::{Source, SourceMap};

impl Server<'_> {
    /// The document's path and the byte offset of a position in its text, if the session holds it.
    pub(super) fn at(&self, params: &TextDocumentPositionParams) -> Option<(PathBuf, u32)> {
        let path = self.path_of(&params.text_document.uri)?;
        let id = self.workspace.source_id(&path)?;
        let offset = convert::offset(self.workspace.sources().get(id), params.position);
        Some((path, offset))
    }

    /// A session's location as the protocol's, a stdlib module's under its read-only URI.
    pub(super) fn location(&self, found: &session::Location) -> Location {
        let source = self.workspace.sources().get(found.span.source);
        let uri = match convert::std_module(&found.path.to_string_lossy()) {
            Some(name) if found.read_only => self.std_uri(name),
            _ => self.uri_of(&found.path),
        };
        Location::new(uri, convert::range(source, found.span))
    }

    pub(super) fn hover(&mut self, params: HoverParams) -> Option<Hover> {
        let (path, offset) = self.at(&params.text_document_position_params)?;
        let found = self.workspace.hover(&path, offset)?;
        let source = self.workspace.sources().get(found.span.source);
        Some(Hover {
            contents: HoverContents::Markup(MarkupContent {
                kind: MarkupKind::Markdown,
                value: format!("```pol\n{}\n```", found.text),
            }),
            range: Some(convert::range(source, found.span)),
        })
    }

    pub(super) fn definition(&mut self, params: GotoDefinitionParams) -> Option<GotoDefinitionResponse> {
        let (path, offset) = self.at(&params.text_document_position_params)?;
        let found = self.workspace.definition(&path, offset)?;
        Some(GotoDefinitionResponse::Scalar(self.location(&found)))
    }

    pub(super) fn references(&mut self, params: ReferenceParams) -> Option<Vec<Location>> {
        let (path, offset) = self.at(&params.text_document_position)?;
        let mut found = self.workspace.references(&path, offset);
        if !params.context.include_declaration
            && let Some(definition) = self.workspace.definition(&path, offset)
        {
            found.retain(|location| location.span != definition.span);
        }
        Some(found.iter().map(|location| self.location(location)).collect())
    }

    pub(super) fn completion(&mut self, params: CompletionParams) -> Option<CompletionResponse> {
        let (path, offset) = self.at(&params.text_document_position)?;
        let items = self
            .workspace
            .completions(&path, offset)
            .into_iter()
            .map(|completion| CompletionItem {
                kind: Some(completion_kind(completion.kind)),
                detail: completion.detail,
                label: completion.label,
                ..CompletionItem::default()
            })
            .collect();
        Some(CompletionResponse::Array(items))
    }

    pub(super) fn document_symbols(
        &mut self,
        params: DocumentSymbolParams,
    ) -> Option<DocumentSymbolResponse> {
        let path = self.path_of(&params.text_document.uri)?;
        let id = self.workspace.source_id(&path)?;
        let source = self.workspace.sources().get(id);
        let symbols = self.workspace.document_symbols(&path);
        Some(DocumentSymbolResponse::Nested(outline(source, symbols)))
    }

    /// The document's canonical text, as `pol fmt` prints it, as the one edit that turns the
    /// text into it; no edit for a text with a syntax error, or already canonical.
    pub(super) fn formatting(&mut self, params: DocumentFormattingParams) -> Option<Vec<TextEdit>> {
        let path = self.path_of(&params.text_document.uri)?;
        let id = self.workspace.source_id(&path)?;
        let Ok(formatted) = self.workspace.format(&path) else {
            return Some(Vec::new());
        };
        let text = &self.workspace.sources().get(id).text;
        Some(edit_between(text, &formatted).into_iter().collect())
    }
}

/// The one edit that turns `old` into `new`: the part between their common start and common end,
/// so an editor keeps the cursor and folds outside it; `None` when they are equal.
fn edit_between(old: &str, new: &str) -> Option<TextEdit> {
    if old == new {
        return None;
    }
    let prefix = old
        .char_indices()
        .zip(new.chars())
        .find(|((_, a), b)| a != b)
        .map_or_else(|| old.len().min(new.len()), |((idx, _), _)| idx);
    let mut suffix = old[prefix..]
        .chars()
        .rev()
        .zip(new[prefix..].chars().rev())
        .take_while(|(a, b)| a == b)
        .map(|(a, _)| a.len_utf8())
        .sum::<usize>();
    suffix = suffix.min(old.len() - prefix).min(new.len() - prefix);
    let mut sources = SourceMap::new();
    let id = sources.add("<document>", old);
    let source = sources.get(id);
    let range = Range::new(
        convert::position(source, clamp(prefix)),
        convert::position(source, clamp(old.len() - suffix)),
    );
    Some(TextEdit::new(range, new[prefix..new.len() - suffix].to_string()))
}

fn clamp(offset: usize) -> u32 {
    u32::try_from(offset).unwrap_or(u32::MAX)
}

fn completion_kind(kind: CompletionKind) -> CompletionItemKind {
    match kind {
        CompletionKind::Keyword => CompletionItemKind::KEYWORD,
        CompletionKind::Variable => CompletionItemKind::VARIABLE,
        CompletionKind::Constant => CompletionItemKind::CONSTANT,
        CompletionKind::Function => CompletionItemKind::FUNCTION,
        CompletionKind::Field => CompletionItemKind::FIELD,
        CompletionKind::Variant => CompletionItemKind::ENUM_MEMBER,
        CompletionKind::Type => CompletionItemKind::STRUCT,
        CompletionKind::Rule => CompletionItemKind::EVENT,
        CompletionKind::Obligation => CompletionItemKind::TEXT,
        CompletionKind::Module => CompletionItemKind::MODULE,
    }
}

pub(super) fn symbol_kind(kind: analysis::SymbolKind) -> SymbolKind {
    match kind {
        analysis::SymbolKind::Rule => SymbolKind::EVENT,
        analysis::SymbolKind::Record => SymbolKind::STRUCT,
        analysis::SymbolKind::Field => SymbolKind::FIELD,
        analysis::SymbolKind::Enum => SymbolKind::ENUM,
        analysis::SymbolKind::Variant => SymbolKind::ENUM_MEMBER,
        analysis::SymbolKind::Function => SymbolKind::FUNCTION,
        analysis::SymbolKind::Constant => SymbolKind::CONSTANT,
        analysis::SymbolKind::Obligation => SymbolKind::STRING,
        analysis::SymbolKind::Test => SymbolKind::METHOD,
    }
}

/// The outline of a document: rules grouped under their effect (`permit rules`, `deny rules`,
/// each group where its first rule is), records with their fields, enums with their variants,
/// functions, constants, obligations and tests, in the order of the text.
fn outline(source: &Source, symbols: Vec<analysis::Symbol>) -> Vec<DocumentSymbol> {
    let mut groups: Vec<(String, Vec<DocumentSymbol>)> = Vec::new();
    let mut others: Vec<DocumentSymbol> = Vec::new();
    for symbol in symbols {
        let effect =
            (symbol.kind == analysis::SymbolKind::Rule).then(|| symbol.detail.clone().unwrap_or_default());
        let converted = document_symbol(source, symbol);
        match effect {
            Some(effect) => match groups.iter_mut().find(|(name, _)| *name == effect) {
                Some((_, rules)) => rules.push(converted),
                None => groups.push((effect, vec![converted])),
            },
            None => others.push(converted),
        }
    }
    for (effect, rules) in groups {
        let first = rules.first().map_or_else(Range::default, |rule| rule.range);
        let last = rules.last().map_or(first.end, |rule| rule.range.end);
        let selection = rules.first().map_or(first, |rule| rule.selection_range);
        #[allow(deprecated)] // The field is deprecated but has no default.
        others.push(DocumentSymbol {
            name: format!("{effect} rules"),
            detail: Some(format!("{} rules", rules.len())),
            kind: SymbolKind::NAMESPACE,
            tags: None,
            deprecated: None,
            range: Range::new(first.start, last),
            selection_range: selection,
            children: Some(rules),
        });
    }
    others.sort_by_key(|symbol| position_key(symbol.range.start));
    others
}

fn position_key(position: Position) -> (u32, u32) {
    (position.line, position.character)
}

fn document_symbol(source: &Source, symbol: analysis::Symbol) -> DocumentSymbol {
    let children: Vec<DocumentSymbol> = symbol
        .children
        .into_iter()
        .map(|child| document_symbol(source, child))
        .collect();
    #[allow(deprecated)] // The field is deprecated but has no default.
    DocumentSymbol {
        name: if symbol.name.is_empty() {
            "(unnamed)".to_string()
        } else {
            symbol.name
        },
        detail: symbol.detail,
        kind: symbol_kind(symbol.kind),
        tags: None,
        deprecated: None,
        range: convert::range(source, symbol.span),
        selection_range: convert::range(source, symbol.name_span),
        children: (!children.is_empty()).then_some(children),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// An edit as its range's start and end (line, character) and its new text.
    type Shown<'a> = ((u32, u32), (u32, u32), &'a str);

    fn check(old: &str, new: &str, expected: Option<Shown<'_>>) {
        let edit = edit_between(old, new);
        let shown = edit.as_ref().map(|edit| {
            (
                (edit.range.start.line, edit.range.start.character),
                (edit.range.end.line, edit.range.end.character),
                edit.new_text.as_str(),
            )
        });
        assert_eq!(shown, expected);
    }

    #[test]
    fn a_format_edit_covers_only_what_changes_in_utf16_units() {
        check("a  b", "a b", Some(((0, 2), (0, 3), "")));
        check("😀 x=1\n", "😀 x = 1\n", Some(((0, 4), (0, 5), " = ")));
        check("same", "same", None);
        check("ab", "abc", Some(((0, 2), (0, 2), "c")));
        check("abc", "ab", Some(((0, 2), (0, 3), "")));
    }
}
