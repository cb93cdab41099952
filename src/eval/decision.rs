//! A decision and the settings it is made under: `Decision`, `LawDate`, `Options`.

use crate::check::ir::{ObligationId, RuleId};
use crate::value::Date;

use super::limits::Limits;
use super::trace::Trace;
use super::truth::{FactRef, Pending, Verdict};

/// The decision for one subject.
#[derive(Debug, PartialEq, Eq)]
pub struct Decision {
    /// The subject's row in its table.
    pub subject: u32,
    /// Permit, deny or undecided.
    pub verdict: Verdict,
    /// The rules that decided (empty for the default).
    pub deciding: Vec<RuleId>,
    /// Obligations attached to a permit, from its deciding rules.
    pub obligations: Vec<ObligationId>,
    /// For an undecided verdict, the missing facts that could change it.
    pub missing: Vec<FactRef>,
    /// For an undecided verdict, the rules it waits on, in source order (empty otherwise).
    pub pending: Vec<Pending>,
    /// The date whose law was applied, if any.
    pub law_date: Option<Date>,
    /// The derivation, when asked for.
    pub trace: Option<Trace>,
}

/// Which date's law decides.
#[derive(Copy, Clone, Debug, PartialEq, Eq, Default)]
pub enum LawDate {
    /// The date the policy's `decide … on` expression gives for each subject.
    #[default]
    SubjectDate,
    /// One date for every subject, given by the caller in place of each subject's own.
    AsOf(Date),
}

impl Default for Decision {
    fn default() -> Decision {
        Decision::new(0)
    }
}

impl Clone for Decision {
    fn clone(&self) -> Decision {
        let mut decision = Decision::default();
        decision.clone_from(self);
        decision
    }

    /// Copies into the existing buffers: no allocation once they are large enough.
    fn clone_from(&mut self, source: &Decision) {
        self.subject = source.subject;
        self.verdict = source.verdict;
        self.deciding.clone_from(&source.deciding);
        self.obligations.clone_from(&source.obligations);
        self.missing.clone_from(&source.missing);
        self.pending.clone_from(&source.pending);
        self.law_date = source.law_date;
        self.trace.clone_from(&source.trace);
    }
}

impl Decision {
    /// Starts deciding a subject into this decision's buffers: nothing deciding, no obligation,
    /// nothing missing; the verdict and the derivation are the caller's to set.
    pub(crate) fn restart(&mut self, subject: u32, law_date: Option<Date>) {
        self.subject = subject;
        self.deciding.clear();
        self.obligations.clear();
        self.missing.clear();
        self.pending.clear();
        self.law_date = law_date;
    }

    /// An empty decision of a subject (undecided, nothing deciding), to decide into.
    pub fn new(subject: u32) -> Decision {
        Decision {
            subject,
            verdict: Verdict::Undecided,
            deciding: Vec::new(),
            obligations: Vec::new(),
            missing: Vec::new(),
            pending: Vec::new(),
            law_date: None,
            trace: None,
        }
    }
}

/// Settings of one evaluation.
#[derive(Clone, Debug, Default)]
pub struct Options {
    /// Which date's law decides.
    pub law: LawDate,
    /// Budgets.
    pub limits: Limits,
    /// Whether to record derivations.
    pub explain: bool,
    /// Whether to decide every subject with the full evaluator, never the fast path: the
    /// decisions are the same, only slower (for comparing the two).
    pub full_only: bool,
}
