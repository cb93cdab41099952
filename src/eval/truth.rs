//! The words decisions and derivations are made of, shared by both evaluators: facts
//! (`FactRef`), three-valued truths, verdicts, pending rules, rule statuses and operands.

use crate::check::ir::{Effect, RecordId, RuleId};
use crate::value::Value;

/// A set of missing facts, behind an unknown value.
pub(crate) type Missing = Vec<FactRef>;

/// One fact: a field of one record.
#[derive(Copy, Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct FactRef {
    /// The record type.
    pub record: RecordId,
    /// The row in its table.
    pub row: u32,
    /// The field.
    pub field: u32,
}

/// A three-valued truth.
#[derive(Copy, Clone, Debug, PartialEq, Eq, Hash)]
pub enum Truth {
    /// Known to hold.
    True,
    /// Known not to hold.
    False,
    /// Depends on facts nobody supplied.
    Unknown,
}

impl Truth {
    /// The word used in output.
    pub fn as_str(self) -> &'static str {
        match self {
            Truth::True => "true",
            Truth::False => "false",
            Truth::Unknown => "unknown",
        }
    }
}

/// The outcome of a decision.
#[derive(Copy, Clone, Debug, PartialEq, Eq, Hash)]
pub enum Verdict {
    /// The transfer may go.
    Permit,
    /// The transfer may not go.
    Deny,
    /// The outcome depends on missing facts.
    Undecided,
}

impl Verdict {
    /// The word used in output.
    pub fn as_str(self) -> &'static str {
        match self {
            Verdict::Permit => "permit",
            Verdict::Deny => "deny",
            Verdict::Undecided => "undecided",
        }
    }
}

impl From<Effect> for Verdict {
    fn from(effect: Effect) -> Verdict {
        match effect {
            Effect::Permit => Verdict::Permit,
            Effect::Deny => Verdict::Deny,
        }
    }
}

/// A rule an undecided decision waits on: one whose activity is unknown and can change the
/// outcome, or an active permit rule that waits on an unknown deny rule.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Pending {
    /// The rule.
    pub rule: RuleId,
    /// Whether it is active: `Unknown`, or `True` for a permit that waits on a deny rule.
    pub active: Truth,
    /// The missing facts it waits on, sorted: those behind its own unknown, or for an active
    /// permit those behind the unknown deny rules.
    pub missing: Vec<FactRef>,
    /// The exceptions to it whose activity is unknown, in source order: they may defeat it, so
    /// their missing facts are among its own.
    pub unknown_exceptions: Vec<RuleId>,
}

/// How one rule stood in one decision.
#[derive(Copy, Clone, Debug, PartialEq, Eq)]
pub enum RuleStatus {
    /// Among the deciding rules.
    Decided,
    /// Active (applied, not defeated), but a deny rule decided: a permit rule under a deny.
    Overridden,
    /// Active, but the decision is undecided: a permit rule whose permit waits on deny rules
    /// that are unknown.
    Pending,
    /// An active exception defeated it (the exceptions are `RuleTrace::defeated_by`): it
    /// applied, or whether it applies is unknown and no longer matters.
    Defeated,
    /// Did not apply: the condition part at this index was false.
    NotApplied(usize),
    /// Whether it applies depends on missing facts.
    Unknown,
    /// Not in force on the decision's date.
    NotInForce,
}

/// One operand of a comparison or membership test, as a derivation recorded it.
#[derive(Copy, Clone, Debug, PartialEq, Eq)]
pub enum Operand<'t> {
    /// A known value; a set or list is one of the facts'.
    Value(Value),
    /// A set or list of the policy's own (a constant, or built in the decision): its elements.
    Elements(&'t [Value]),
    /// A value shown as text when it was recorded (a set of sets the policy built).
    Text(&'t str),
    /// A missing fact.
    Unknown,
    /// Evaluation failed.
    Error,
}

/// The status of a rule in force, from what is known of it in one decision, the same for both
/// evaluators (docs/semantics.md, "Explanations"): whether it is among the deciding rules, the
/// decision's verdict, whether the rule is active and whether it applied (`None` when unknown),
/// whether an active exception defeats it, and the part that did not hold.
pub(crate) fn status(
    decided: bool,
    verdict: Verdict,
    active: Option<bool>,
    applied: Option<bool>,
    defeated: bool,
    first_false: usize,
) -> RuleStatus {
    if decided {
        return RuleStatus::Decided;
    }
    match (active, applied) {
        // An active rule that does not decide is a permit rule: an active deny rule always
        // decides. Under an undecided verdict no deny rule decided: the unknown ones may yet.
        (Some(true), _) if verdict == Verdict::Undecided => RuleStatus::Pending,
        (Some(true), _) => RuleStatus::Overridden,
        (_, Some(false)) => RuleStatus::NotApplied(first_false),
        // Defeated whether it applied or that is unknown: either way it is not active.
        _ if defeated => RuleStatus::Defeated,
        _ => RuleStatus::Unknown,
    }
}
