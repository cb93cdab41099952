//! The pest parser derived from `grammar/pol.pest`, and plain words for its rule names.

use pest_derive::Parser;

/// The parser generated from the grammar.
#[derive(Parser)]
#[grammar = "../grammar/pol.pest"]
pub(crate) struct PolParser;

