//! Derivations: how every rule stood in one decision, with the truth and operand values of each
//! condition part, read through borrowed views ([`RuleTrace`], [`PartTrace`], [`Operand`]).
//!
//! A derivation is stored in one of two ways, which the views hide. The full evaluator records
//! entries ([`Entries`]: a few arrays of small copyable entries, reused from decision to
//! decision). The fast path records the derivations of a whole batch at once, as the batch
//! computed them (bit masks of truths and the words of the operands shown), in one record that
//! the decisions of the batch share; a view of one decision reads its row. Either way values
//! become text only when a report prints them.

use std::sync::Arc;

use crate::check::ir::RuleId;
use crate::value::Value;

use super::fast::record::BatchRecord;
use super::truth::{FactRef, Operand, RuleStatus, Truth};

/// An operand as [`Entries`] store it: sets and texts by their range in its arrays.
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

/// A derivation recorded entry by entry: every rule in source order, its status and the range of
/// its parts; the parts with the range of their operands and missing facts.
#[derive(Clone, Debug, Default)]
pub(super) struct Entries {
    rules: Vec<RuleEntry>,
    parts: Vec<PartEntry>,
    operands: Vec<Stored>,
    defeaters: Vec<RuleId>,
    missing: Vec<FactRef>,
    elements: Vec<Value>,
    texts: String,
}

/// An index into one of the arrays of [`Entries`]. A derivation holds one entry per rule, per
/// condition part and per operand of one decision (and the elements of the policy's sets it
/// shows), far fewer than `u32::MAX`.
#[inline(always)]
fn index(len: usize) -> u32 {
    debug_assert!(u32::try_from(len).is_ok());
    len as u32
}

impl Entries {
    /// A set's elements, copied into the derivation.
    pub(super) fn elements(&mut self, elements: &[Value]) -> Stored {
        let start = index(self.elements.len());
        self.elements.extend_from_slice(elements);
        Stored::Elements(start, index(self.elements.len()))
    }

    /// A value's text, copied into the derivation.
    pub(super) fn text(&mut self, text: &str) -> Stored {
        let start = index(self.texts.len());
        self.texts.push_str(text);
        Stored::Text(start, index(self.texts.len()))
    }

    /// How many parts are recorded: the start of the next rule's parts.
    pub(super) fn n_parts(&self) -> u32 {
        index(self.parts.len())
    }

    /// Records a part: its truth (`unless` applied), its two operands for a comparison or
    /// membership test, and the missing facts behind an unknown truth.
    pub(super) fn push_part(
        &mut self,
        truth: Truth,
        operands: Option<(Stored, Stored)>,
        missing: &[FactRef],
    ) {
        let first = match operands {
            Some((left, right)) => {
                let first = index(self.operands.len());
                self.operands.push(left);
                self.operands.push(right);
                first
            }
            None => NO_OPERANDS,
        };
        let missing = if missing.is_empty() {
            (0, 0)
        } else {
            let start = index(self.missing.len());
            self.missing.extend_from_slice(missing);
            (start, index(self.missing.len()))
        };
        self.parts.push(PartEntry {
            truth,
            operands: first,
            missing,
        });
    }

    /// Records the next rule, in source order, with its status, the range of the parts recorded
    /// for it, and for a defeated rule the active ones of its exceptions.
    pub(super) fn push_rule(
        &mut self,
        status: RuleStatus,
        parts: (u32, u32),
        exceptions: &[RuleId],
        is_active: impl Fn(RuleId) -> bool,
    ) {
        let start = index(self.defeaters.len());
        if status == RuleStatus::Defeated {
            self.defeaters.extend(
                exceptions
                    .iter()
                    .copied()
                    .filter(|exception| is_active(*exception)),
            );
        }
        self.rules.push(RuleEntry {
            status,
            parts,
            defeaters: (start, index(self.defeaters.len())),
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

#[derive(Clone, Debug)]
enum Repr {
    Entries(Entries),
    /// A row of a batch's record.
    Batch(Arc<BatchRecord>, usize),
}

/// The derivation of one decision: every rule, in source order, with its status and the
/// condition parts evaluated (up to the first false one).
#[derive(Clone)]
pub struct Trace {
    repr: Repr,
}

impl Default for Trace {
    fn default() -> Trace {
        Trace::from(Entries::default())
    }
}

impl From<Entries> for Trace {
    fn from(entries: Entries) -> Trace {
        Trace {
            repr: Repr::Entries(entries),
        }
    }
}

impl Trace {
    /// The derivation of one row of a batch decided on the fast path.
    pub(super) fn of_batch(record: Arc<BatchRecord>, row: usize) -> Trace {
        Trace {
            repr: Repr::Batch(record, row),
        }
    }

    /// Makes `slot` the derivation of a row of a batch's record, changing only the row when it
    /// already reads that record.
    pub(super) fn set_batch_row(slot: &mut Option<Trace>, record: &Arc<BatchRecord>, row: usize) {
        if let Some(Trace {
            repr: Repr::Batch(current, current_row),
        }) = slot
            && Arc::ptr_eq(current, record)
        {
            *current_row = row;
            return;
        }
        *slot = Some(Trace::of_batch(record.clone(), row));
    }

    /// The rules, in source order.
    pub fn rules(&self) -> impl ExactSizeIterator<Item = RuleTrace<'_>> + '_ {
        let n_rules = match &self.repr {
            Repr::Entries(entries) => entries.rules.len(),
            Repr::Batch(record, _) => record.n_rules(),
        };
        (0..n_rules).map(move |idx| {
            let (status, parts) = match &self.repr {
                Repr::Entries(entries) => (entries.rules[idx].status, entries.rules[idx].parts),
                Repr::Batch(record, row) => record.rule(idx, *row),
            };
            RuleTrace {
                trace: self,
                rule: RuleId(idx as u32),
                status,
                parts,
            }
        })
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
    rule: RuleId,
    status: RuleStatus,
    parts: (u32, u32),
}

impl<'t> RuleTrace<'t> {
    /// The rule.
    pub fn rule(&self) -> RuleId {
        self.rule
    }

    /// Its status.
    pub fn status(&self) -> RuleStatus {
        self.status
    }

    /// For a defeated rule, the active exceptions that defeated it, in source order; empty
    /// otherwise.
    pub fn defeated_by(&self) -> Vec<RuleId> {
        if self.status != RuleStatus::Defeated {
            return Vec::new();
        }
        match &self.trace.repr {
            Repr::Entries(entries) => {
                let (start, end) = entries.rules[self.rule.idx()].defeaters;
                entries.defeaters[start as usize..end as usize].to_vec()
            }
            Repr::Batch(record, row) => record.defeated_by(self.rule.idx(), *row),
        }
    }

    /// Its condition parts, in order, up to the first false one.
    pub fn parts(&self) -> impl ExactSizeIterator<Item = PartTrace<'t>> + 't {
        let trace = self.trace;
        (self.parts.0..self.parts.1).map(move |index| PartTrace { trace, index })
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
    /// The part's index in the stored derivation.
    index: u32,
}

impl<'t> PartTrace<'t> {
    /// The part's truth, `unless` already applied.
    pub fn truth(&self) -> Truth {
        match &self.trace.repr {
            Repr::Entries(entries) => entries.parts[self.index as usize].truth,
            Repr::Batch(record, row) => record.truth(self.index, *row),
        }
    }

    /// For a comparison or membership test, the operands' values.
    pub fn operands(&self) -> Option<(Operand<'t>, Operand<'t>)> {
        match &self.trace.repr {
            Repr::Entries(entries) => {
                let first = entries.parts[self.index as usize].operands;
                if first == NO_OPERANDS {
                    return None;
                }
                let first = first as usize;
                Some((entries.operand(first), entries.operand(first + 1)))
            }
            Repr::Batch(record, row) => record.operands(self.index, *row),
        }
    }

    /// The missing facts behind an unknown part.
    pub fn missing(&self) -> &'t [FactRef] {
        match &self.trace.repr {
            Repr::Entries(entries) => {
                let (start, end) = entries.parts[self.index as usize].missing;
                &entries.missing[start as usize..end as usize]
            }
            // The fast path decides only subjects whose facts it meets are known.
            Repr::Batch(..) => &[],
        }
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
