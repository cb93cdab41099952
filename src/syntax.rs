//! Parsing: text to `ast::Module`. pest types never leave this module.

pub mod ast;
mod grammar;
mod lower;
mod messages;
pub mod print;

use crate::diagnostic::Diagnostic;
use crate::source::{SourceId, SourceMap, Span};

/// How deeply expressions, brackets and blocks may nest when the caller sets no limit.
pub const DEFAULT_MAX_NESTING: usize = 256;

/// The highest nesting limit the `pol` command accepts: it sizes its stack for this many
/// levels of every stage. The library itself takes any limit, on a stack the caller sizes.
pub const MAX_NESTING_LIMIT: usize = 100_000;

/// Parses one source text into a module, or returns its syntax errors.
pub fn parse(sources: &SourceMap, id: SourceId) -> Result<ast::Module, Vec<Diagnostic>> {
    parse_with_limit(sources, id, DEFAULT_MAX_NESTING)
}

/// Parses one source text like [`parse`], rejecting nesting deeper than `max_nesting`.
///
/// Nesting counts open brackets, `if`/`any`/`all` branches, runs of prefix operators
/// and the depth of each expression tree (a chain `a or b or c` is as deep as it is
/// long). Past the limit, parsing stops with `E0107` instead of exhausting the stack.
///
/// Warnings (such as W0010) are dropped; [`parse_with_warnings`] returns them.
pub fn parse_with_limit(
    sources: &SourceMap,
    id: SourceId,
    max_nesting: usize,
) -> Result<ast::Module, Vec<Diagnostic>> {
    lower::parse_module(sources, id, max_nesting).map(|(module, _)| module)
}

/// Parses one source text like [`parse_with_limit`], returning the module with the warnings
/// its text deserves (W0010: bidirectional control characters in strings or comments).
/// On failure the errors come first, then any such warnings.
pub fn parse_with_warnings(
    sources: &SourceMap,
    id: SourceId,
    max_nesting: usize,
) -> Result<(ast::Module, Vec<Diagnostic>), Vec<Diagnostic>> {
    lower::parse_module(sources, id, max_nesting)
}

/// The comments of a text, in source order, with their text after `//`, from the comment
/// tokens of its lexical scan.
///
/// The grammar skips comments, so they are found by the lexical pre-scan, which steps
/// over string literals (a `//` inside a string is not a comment).
fn comments(text: &str, id: SourceId, tokens: &[grammar::Token]) -> Vec<ast::Comment> {
    tokens
        .iter()
        .map(|token| ast::Comment {
            text: text[token.start + 2..token.end].to_owned(),
            span: Span::new(id, token.start, token.end),
        })
        .collect()
}

#[cfg(test)]
mod tests;
