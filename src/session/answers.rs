//! What the session's editor queries answer with: plain data, so that the files answering
//! them and the session share it without importing each other.

use std::path::PathBuf;

use crate::diagnostic::{Diagnostic, Edit};
use crate::source::Span;

/// The edits a change makes to one file, in position order; they do not overlap.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FileEdit {
    /// The file, as the session names it.
    pub path: PathBuf,
    /// Its edits.
    pub edits: Vec<Edit>,
}

/// A `test` block of a file, for an editor's code lens.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TestBlock {
    /// Its name, as [`Workspace::run_test`](super::Workspace::run_test) takes it.
    pub name: String,
    /// The whole block.
    pub span: Span,
    /// Its name's string literal.
    pub name_span: Span,
}

/// What running one test gave ([`Workspace::run_test`](super::Workspace::run_test)).
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum TestOutcome {
    /// Every expectation held.
    Passed,
    /// Some expectation did not hold.
    Failed {
        /// What `pol test` prints under the test's name, one line per line, unindented:
        /// each `expect` that failed, with what was expected and what was decided.
        message: String,
        /// The `expect` clauses that failed.
        spans: Vec<Span>,
    },
    /// The test could not run: the policy or a module it imports has errors, the file is not
    /// open, no test has that name, or its facts could not be loaded or a decision failed.
    /// Never a pass.
    Error(Vec<Diagnostic>),
}
