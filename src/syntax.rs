//! Parsing: text to `ast::Module`. pest types never leave this module.

pub mod ast;
mod data;
mod grammar;
mod highlight;
mod input;
mod lower;
mod messages;
pub mod print;
mod shift;

pub use highlight::{TokenClass, highlight};
pub use input::{Input, parse_input};

use crate::diagnostic::Diagnostic;
use crate::source::{SourceId, SourceMap, Span};

/// How deeply expressions, brackets and blocks may nest when the caller sets no limit.
pub const DEFAULT_MAX_NESTING: usize = 256;

/// The highest nesting limit the `pol` command accepts: it sizes its stack for this many
/// levels of every stage. The library itself takes any limit, on a stack the caller sizes.
pub const MAX_NESTING_LIMIT: usize = 100_000;

/// Whether `word` can be written as a name: ASCII letters, digits and `_`, starting with a
/// letter or `_`, and not a reserved word (`rule`, `and`, …).
pub fn is_name(word: &str) -> bool {
    let mut chars = word.chars();
    chars
        .next()
        .is_some_and(|first| first.is_ascii_alphabetic() || first == '_')
        && chars.all(|c| c.is_ascii_alphanumeric() || c == '_')
        && !grammar::is_reserved(word)
}

/// Whether `word` is one of the words the grammar reserves, which can never be names.
pub fn is_reserved(word: &str) -> bool {
    grammar::is_reserved(word)
}

/// Parses one source text into a module, or returns its syntax errors: one for each
/// declaration that does not parse (see [`parse_partial`]).
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

/// The canonical text of a source, as `pol fmt` writes it, or why there is none: its syntax
/// errors, or a canonical text that would not read back as the same tree (a bug in the printer,
/// refused so that the file is left as it was).
pub fn format(sources: &SourceMap, id: SourceId, max_nesting: usize) -> Result<String, Vec<Diagnostic>> {
    let module = parse_with_limit(sources, id, max_nesting)?;
    let source = sources.get(id);
    let formatted = print::print(&module, &source.text);
    let mut again = SourceMap::new();
    let again_id = again.add(format!("{} (formatted)", source.name), formatted.as_str());
    let same =
        parse_with_limit(&again, again_id, max_nesting).is_ok_and(|again| print::same_tree(&module, &again));
    if !same {
        return Err(vec![messages::cannot_format(&source.name)]);
    }
    Ok(formatted)
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

/// A module parsed declaration by declaration: see [`parse_partial`].
#[derive(Clone, Debug)]
pub struct Parsed {
    /// The header (a placeholder if it is broken) and every declaration that parsed, in order.
    pub module: ast::Module,
    /// Every error and warning: one syntax error per broken declaration, the errors the
    /// all-or-nothing parse gives first.
    pub diagnostics: Vec<Diagnostic>,
    /// The spans of the header and declarations left out of the module because they did not
    /// parse, in order.
    pub skipped: Vec<Span>,
    /// Where a text that parsed whole was cut, so that its next version can be parsed again
    /// piece by piece ([`reparse`]); `None` for a text that did not parse.
    pub pieces: Option<Pieces>,
}

/// Where a text that parsed whole was cut into declarations, for [`reparse`].
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Pieces {
    /// The offsets of the declaration keywords outside every bracket, in order.
    cuts: Vec<usize>,
    /// The text's length in bytes.
    len: usize,
    /// The nesting limit it was parsed under.
    max_nesting: usize,
}

/// How one version of a text became the next: the bytes `start..old_end` of the old text were
/// replaced by the bytes `start..new_end` of the new one, the rest being the same.
#[derive(Copy, Clone, Debug, PartialEq, Eq)]
pub struct Change {
    /// Where the texts start to differ.
    pub start: usize,
    /// Where the unchanged rest starts in the old text.
    pub old_end: usize,
    /// Where the unchanged rest starts in the new text.
    pub new_end: usize,
}

impl Change {
    /// The smallest change that turns `old` into `new`: their common start and common end
    /// left out, whatever edits the editor sent.
    pub fn between(old: &str, new: &str) -> Change {
        let (old, new) = (old.as_bytes(), new.as_bytes());
        let start = common_start(old, new);
        let same_end = common_end(&old[start..], &new[start..]);
        Change {
            start,
            old_end: old.len() - same_end,
            new_end: new.len() - same_end,
        }
    }
}

/// How many bytes two texts share at their start: compared a block at a time first, since an
/// editor's texts are long and differ in one place.
fn common_start(a: &[u8], b: &[u8]) -> usize {
    const BLOCK: usize = 256;
    let n = a.len().min(b.len());
    let mut same = 0;
    while same + BLOCK <= n && a[same..same + BLOCK] == b[same..same + BLOCK] {
        same += BLOCK;
    }
    same + a[same..n]
        .iter()
        .zip(&b[same..n])
        .take_while(|(x, y)| x == y)
        .count()
}

/// How many bytes two texts share at their end.
fn common_end(a: &[u8], b: &[u8]) -> usize {
    const BLOCK: usize = 256;
    let n = a.len().min(b.len());
    let mut same = 0;
    while same + BLOCK <= n
        && a[a.len() - same - BLOCK..a.len() - same] == b[b.len() - same - BLOCK..b.len() - same]
    {
        same += BLOCK;
    }
    same + a[..a.len() - same]
        .iter()
        .rev()
        .zip(b[..b.len() - same].iter().rev())
        .take_while(|(x, y)| x == y)
        .count()
}

/// Parses one source text into a module that holds every declaration that parses, whatever
/// the others hold, with a diagnostic for each that does not.
///
/// A text that parses gives what [`parse_with_warnings`] gives and costs what it costs.
/// Otherwise the text is cut before each declaration keyword found outside brackets and
/// strings (and before one that starts a line inside a bracket left open), and each
/// declaration is parsed on its own. A broken header is replaced by a placeholder with the
/// best title found. The diagnostics of [`parse_with_warnings`] are the same, in the same
/// order.
pub fn parse_partial(sources: &SourceMap, id: SourceId, max_nesting: usize) -> Parsed {
    lower::parse_partial(sources, id, max_nesting)
}

/// Parses a text again after an edit, reusing the tree of its previous version: what
/// [`parse_partial`] gives for the new text, at the cost of parsing only the declarations the
/// change touched.
///
/// `previous` is the tree of the old text, which parsed whole and was cut at `pieces`;
/// `change` says how the old text became the one `id` holds now ([`Change::between`]). The
/// new text is scanned whole and cut at its declarations; each piece that is a copy of a piece
/// of the old text (the same bytes, before the change or after it, between the same cuts)
/// keeps its declarations, moved along the text, and the others are parsed on their own. When
/// one of those does not parse, the whole text is parsed as [`parse_partial`] does, so the
/// tree and diagnostics never depend on which way they were found.
pub fn reparse(
    sources: &SourceMap,
    id: SourceId,
    max_nesting: usize,
    previous: ast::Module,
    pieces: &Pieces,
    change: Change,
) -> Parsed {
    lower::reparse(sources, id, max_nesting, previous, pieces, change)
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
#[cfg(test)]
pub(crate) mod tests_reparse;
