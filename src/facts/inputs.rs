//! What loaded facts were read from, kept so that they can be bound to another program (an
//! edited policy) from the texts already in the `SourceMap`, without reading anything again.

use std::sync::Arc;

use super::format::Format;
use super::mapping::Mapping;
use crate::source::{SourceId, Span};

/// What loaded facts were read from: the texts added whole, in order, and whether anything else
/// was added that cannot be read again.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Inputs {
    /// The texts added whole, in the order they were added.
    pub texts: Vec<TextInput>,
    /// Why the facts cannot be bound to another program, if some came from elsewhere than a
    /// whole text kept in the `SourceMap`.
    pub unbound: Option<Unbound>,
}

/// A facts text added whole: where it is in the `SourceMap`, how it is written and which
/// record type it was said to hold.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TextInput {
    /// The text, in the `SourceMap` it was read from.
    pub source: SourceId,
    /// Its format.
    pub format: Format,
    /// The name of the record type it was said to hold (a CSV's, a top-level array's), kept as a
    /// name since another program numbers its record types differently.
    pub record: Option<String>,
    /// The mapping a CSV or TSV text was read with.
    pub mapping: Option<Arc<Mapping>>,
}

/// Facts that no text kept whole can give again, so that loaded facts holding them cannot be
/// bound to another program.
#[derive(Copy, Clone, Debug, PartialEq, Eq)]
pub enum Unbound {
    /// The facts of a test block, which belong to the program that declares them; the facts
    /// start at this span.
    TestFacts(Span),
    /// Records streamed in chunks after `mark_base`, or line by line (`add_json_line`), which
    /// are forgotten chunk by chunk; the stream is this source.
    Stream(SourceId),
}
