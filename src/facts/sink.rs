//! Collects the diagnostics of one facts load, up to a cap past which they are only counted.

use super::messages;
use crate::diagnostic::{Code, Diagnostic};

/// The most diagnostics one load reports before it only counts them.
pub(super) const MAX_DIAGNOSTICS: usize = crate::diagnostic::MAX_SHOWN;

/// Collects the diagnostics of one load, up to [`MAX_DIAGNOSTICS`].
#[derive(Debug, Default)]
pub(super) struct Sink {
    diagnostics: Vec<Diagnostic>,
    n_dropped: usize,
    first_dropped: Option<Code>,
}

impl Sink {
    pub(super) fn new() -> Sink {
        Sink::default()
    }

    /// Whether further diagnostics are only counted; callers skip building costly messages then.
    pub(super) fn is_full(&self) -> bool {
        self.diagnostics.len() >= MAX_DIAGNOSTICS
    }

    pub(super) fn push(&mut self, diagnostic: Diagnostic) {
        if self.is_full() {
            self.n_dropped += 1;
            self.first_dropped.get_or_insert(diagnostic.code);
        } else {
            self.diagnostics.push(diagnostic);
        }
    }

    /// Counts a diagnostic without building it when the sink is full.
    pub(super) fn push_with(&mut self, code: Code, build: impl FnOnce() -> Diagnostic) {
        if self.is_full() {
            self.n_dropped += 1;
            self.first_dropped.get_or_insert(code);
        } else {
            self.push(build());
        }
    }

    /// Takes over the diagnostics of another sink.
    pub(super) fn absorb(&mut self, other: Sink) {
        for diagnostic in other.diagnostics {
            self.push(diagnostic);
        }
        if let Some(code) = other.first_dropped {
            self.n_dropped += other.n_dropped;
            self.first_dropped.get_or_insert(code);
        }
    }

    pub(super) fn into_result(self) -> Result<(), Vec<Diagnostic>> {
        let mut diagnostics = self.diagnostics;
        if let Some(code) = self.first_dropped {
            diagnostics.push(messages::more_problems(code, self.n_dropped));
        }
        if diagnostics.is_empty() {
            Ok(())
        } else {
            Err(diagnostics)
        }
    }
}
