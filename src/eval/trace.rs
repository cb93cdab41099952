//! Derivations: how every rule stood in one decision, with the truth and operand values of each
//! condition part. A derivation is stored flat (a few arrays of small copyable entries, reused
//! from decision to decision) and read through borrowed views, so recording one allocates nothing
//! once warm and costs a few stores per part; values become text only when a report prints them.

use crate::check::ir::RuleId;
use crate::value::Value;

use super::{FactRef, Truth};

/// How one rule stood in one decision.
#[derive(Copy, Clone, Debug, PartialEq, Eq)]
pub enum RuleStatus {
    /// Among the deciding rules.
    Decided,
    /// Applied and was not defeated, but the decision went the other way (a permit under a deny).
    Overridden,
    /// Applied, but an active exception defeated it (the exceptions are
    /// [`RuleTrace::defeated_by`]).
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

/// An operand as stored: sets and texts by their range in the derivation's arrays.
#[derive(Copy, Clone, Debug, PartialEq, Eq)]
pub(super) enum Stored {
    Value(Value),
    Elements(u32, u32),
    Text(u32, u32),
    Unknown,
    Error,
}

/// Marks a part without operands.
const NO_OPERANDS: u32 = u32::MAX;

#[derive(Copy, Clone, Debug)]
struct RuleEntry {
    rule: RuleId,
    status: RuleStatus,
    parts: (u32, u32),
    defeaters: (u32, u32),
}

#[derive(Copy, Clone, Debug)]
struct PartEntry {
    truth: Truth,
    /// The index of the first of its two operands, or [`NO_OPERANDS`].
    operands: u32,
    missing: (u32, u32),
}

/// The derivation of one decision: every rule, in source order, with its status and the
/// condition parts evaluated (up to the first false one).
#[derive(Default)]
pub struct Trace {
    rules: Vec<RuleEntry>,
    parts: Vec<PartEntry>,
    operands: Vec<Stored>,
    defeaters: Vec<RuleId>,
    missing: Vec<FactRef>,
    elements: Vec<Value>,
    texts: String,
}

fn range(len: usize) -> u32 {
    u32::try_from(len).unwrap_or(u32::MAX)
}

impl Trace {
    /// The rules, in source order.
    pub fn rules(&self) -> impl ExactSizeIterator<Item = RuleTrace<'_>> + '_ {
        self.rules.iter().map(move |entry| RuleTrace {
            trace: self,
            entry: *entry,
        })
    }

    /// Forgets every entry, keeping the memory for the next decision.
    pub(super) fn clear(&mut self) {
        self.rules.clear();
        self.parts.clear();
        self.operands.clear();
        self.defeaters.clear();
        self.missing.clear();
        self.elements.clear();
        self.texts.clear();
    }

    /// A set's elements, copied into the derivation.
    pub(super) fn elements(&mut self, elements: &[Value]) -> Stored {
        let start = range(self.elements.len());
        self.elements.extend_from_slice(elements);
        Stored::Elements(start, range(self.elements.len()))
    }

    /// A value's text, copied into the derivation.
    pub(super) fn text(&mut self, text: &str) -> Stored {
        let start = range(self.texts.len());
        self.texts.push_str(text);
        Stored::Text(start, range(self.texts.len()))
    }

    /// How many parts are recorded: the start of the next rule's parts.
    pub(super) fn n_parts(&self) -> u32 {
        range(self.parts.len())
    }

    /// Records a part: its truth (`unless` applied), its two operands for a comparison or
    /// membership test, and the missing facts behind an unknown truth.
    #[inline]
    pub(super) fn push_part(
        &mut self,
        truth: Truth,
        operands: Option<(Stored, Stored)>,
        missing: &[FactRef],
    ) {
        let first = match operands {
            Some((left, right)) => {
                let first = range(self.operands.len());
                self.operands.push(left);
                self.operands.push(right);
                first
            }
            None => NO_OPERANDS,
        };
        let missing = if missing.is_empty() {
            (0, 0)
        } else {
            let start = range(self.missing.len());
            self.missing.extend_from_slice(missing);
            (start, range(self.missing.len()))
        };
        self.parts.push(PartEntry {
            truth,
            operands: first,
            missing,
        });
    }

    /// Records a rule with its status, the parts recorded for it, and for a defeated rule the
    /// active exceptions that defeated it.
    #[inline]
    pub(super) fn push_rule(
        &mut self,
        rule: RuleId,
        status: RuleStatus,
        parts: (u32, u32),
        defeaters: impl Iterator<Item = RuleId>,
    ) {
        let start = range(self.defeaters.len());
        if status == RuleStatus::Defeated {
            self.defeaters.extend(defeaters);
        }
        self.rules.push(RuleEntry {
            rule,
            status,
            parts,
            defeaters: (start, range(self.defeaters.len())),
        });
    }

    fn operand(&self, index: usize) -> Operand<'_> {
        match self.operands[index] {
            Stored::Value(value) => Operand::Value(value),
            Stored::Elements(start, end) => Operand::Elements(&self.elements[start as usize..end as usize]),
            Stored::Text(start, end) => Operand::Text(&self.texts[start as usize..end as usize]),
            Stored::Unknown => Operand::Unknown,
            Stored::Error => Operand::Error,
        }
    }
}

impl Clone for Trace {
    fn clone(&self) -> Trace {
        let mut trace = Trace::default();
        trace.clone_from(self);
        trace
    }

    /// Copies into the existing arrays: no allocation once they are large enough.
    fn clone_from(&mut self, source: &Trace) {
        self.rules.clone_from(&source.rules);
        self.parts.clone_from(&source.parts);
        self.operands.clone_from(&source.operands);
        self.defeaters.clone_from(&source.defeaters);
        self.missing.clone_from(&source.missing);
        self.elements.clone_from(&source.elements);
        self.texts.clone_from(&source.texts);
    }
}

/// Two derivations are equal when they say the same of every rule, however they are stored.
impl PartialEq for Trace {
    fn eq(&self, other: &Trace) -> bool {
        self.rules().eq(other.rules())
    }
}

impl Eq for Trace {}

impl std::fmt::Debug for Trace {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_list().entries(self.rules()).finish()
    }
}

/// How one rule was evaluated for one decision.
#[derive(Copy, Clone)]
pub struct RuleTrace<'t> {
    trace: &'t Trace,
    entry: RuleEntry,
}

impl<'t> RuleTrace<'t> {
    /// The rule.
    pub fn rule(&self) -> RuleId {
        self.entry.rule
    }

    /// Its status.
    pub fn status(&self) -> RuleStatus {
        self.entry.status
    }

    /// For a defeated rule, the active exceptions that defeated it; empty otherwise.
    pub fn defeated_by(&self) -> &'t [RuleId] {
        let (start, end) = self.entry.defeaters;
        &self.trace.defeaters[start as usize..end as usize]
    }

    /// Its condition parts, in order, up to the first false one.
    pub fn parts(&self) -> impl ExactSizeIterator<Item = PartTrace<'t>> + 't {
        let trace = self.trace;
        let (start, end) = self.entry.parts;
        trace.parts[start as usize..end as usize]
            .iter()
            .map(move |entry| PartTrace { trace, entry: *entry })
    }
}

impl PartialEq for RuleTrace<'_> {
    fn eq(&self, other: &RuleTrace<'_>) -> bool {
        self.rule() == other.rule()
            && self.status() == other.status()
            && self.defeated_by() == other.defeated_by()
            && self.parts().eq(other.parts())
    }
}

impl std::fmt::Debug for RuleTrace<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RuleTrace")
            .field("rule", &self.rule())
            .field("status", &self.status())
            .field("defeated_by", &self.defeated_by())
            .field("parts", &self.parts().collect::<Vec<_>>())
            .finish()
    }
}

/// What one condition part evaluated to, with the values that made it so.
#[derive(Copy, Clone)]
pub struct PartTrace<'t> {
    trace: &'t Trace,
    entry: PartEntry,
}

impl<'t> PartTrace<'t> {
    /// The part's truth, `unless` already applied.
    pub fn truth(&self) -> Truth {
        self.entry.truth
    }

    /// For a comparison or membership test, the operands' values.
    pub fn operands(&self) -> Option<(Operand<'t>, Operand<'t>)> {
        let first = self.entry.operands;
        if first == NO_OPERANDS {
            return None;
        }
        let first = first as usize;
        Some((self.trace.operand(first), self.trace.operand(first + 1)))
    }

    /// The missing facts behind an unknown part.
    pub fn missing(&self) -> &'t [FactRef] {
        let (start, end) = self.entry.missing;
        &self.trace.missing[start as usize..end as usize]
    }
}

impl PartialEq for PartTrace<'_> {
    fn eq(&self, other: &PartTrace<'_>) -> bool {
        self.truth() == other.truth()
            && self.operands() == other.operands()
            && self.missing() == other.missing()
    }
}

impl std::fmt::Debug for PartTrace<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PartTrace")
            .field("truth", &self.truth())
            .field("operands", &self.operands())
            .field("missing", &self.missing())
            .finish()
    }
}
