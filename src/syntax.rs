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
