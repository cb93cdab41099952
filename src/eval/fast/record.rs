//! Derivations on the fast path. A batch records the derivations of all its decisions at once,
//! from the values it computed: per rule the rows where it applies and where it is active, per
//! condition part the rows where its expression is true, and the words of every operand a part
//! shows. The decisions of the batch share that record, each reading its row (see
//! `eval/trace.rs`), so recording costs a few copies per batch, not work per decision.

use std::cell::Cell;
use std::sync::Arc;

use crate::check::ir::{Effect, Program, RuleId, in_force};
use crate::eval::arena::{ARENA_FACTS, ARENA_SHIFT, INDEX_MASK};
use crate::eval::truth::{Operand, RuleStatus, Truth, Verdict, status};
use crate::value::{Date, Value};

use super::batch::BatchExec;
use super::plan::{NodeId, Plan, Source};
use super::word::{BATCH, BOOL, Word};

/// What a derivation of the fast path reads of every rule, in source order; made once per
/// evaluator.
#[derive(Debug, Default)]
pub(crate) struct Explain {
    rules: Vec<ExplainRule>,
    parts: Vec<ExplainPart>,
    /// The nodes whose values the parts show, each once.
    shown: Vec<NodeId>,
    /// The sets and lists of the constants, which operands may show.
    const_seqs: Box<[Arc<[Value]>]>,
}

/// A rule as a derivation reads it.
#[derive(Clone, Debug)]
struct ExplainRule {
    /// The range of its parts in [`Explain::parts`] (empty when it is not compiled).
    parts: (u32, u32),
    deny: bool,
    effective: Option<Date>,
    until: Option<Date>,
    /// The rules declared exceptions to it.
    exceptions: Box<[RuleId]>,
}

/// A condition part as a derivation reads it.
#[derive(Copy, Clone, Debug)]
struct ExplainPart {
    node: NodeId,
    /// The truth of a literal condition, which has no masks.
    constant: Option<bool>,
    /// Whether it is an `unless`.
    negated: bool,
    /// The operands it shows, by index in [`Explain::shown`].
    operands: Option<(u32, u32)>,
}

impl Plan {
    /// What a derivation of the fast path reads of every rule of the program.
    pub(crate) fn explain(&self, program: &Program) -> Explain {
        let mut explain = Explain {
            const_seqs: self.const_seqs.clone(),
            ..Explain::default()
        };
        let mut shown_index = std::collections::HashMap::new();
        for (idx, rule) in program.rules.iter().enumerate() {
            let first = explain.parts.len() as u32;
            let step = self.step_of_rule.get(idx).map(|step| &self.steps[*step as usize]);
            if let Some(range) = step.and_then(|step| step.conditions.clone()) {
                let range = range.start as usize..range.end as usize;
                for ((node, negated), shown) in self.conditions[range.clone()].iter().zip(&self.shown[range])
                {
                    let mut index_of = |node: NodeId| {
                        *shown_index.entry(node).or_insert_with(|| {
                            explain.shown.push(node);
                            explain.shown.len() as u32 - 1
                        })
                    };
                    let operands = shown.map(|(left, right)| (index_of(left), index_of(right)));
                    explain.parts.push(ExplainPart {
                        node: *node,
                        constant: match self.sources[*node as usize] {
                            Source::Lit(word) => Some(word.tag == BOOL && word.bits != 0),
                            _ => None,
                        },
                        negated: *negated,
                        operands,
                    });
                }
            }
            explain.rules.push(ExplainRule {
                parts: (first, explain.parts.len() as u32),
                deny: rule.effect == Effect::Deny,
                effective: rule.effective,
                until: rule.until,
                exceptions: rule.defeated_by.clone().into(),
            });
        }
        explain
    }
}

/// The derivations of the decisions of one batch decided on the fast path.
#[derive(Debug)]
pub(crate) struct BatchRecord {
    explain: Arc<Explain>,
    /// The date whose law applies, by row.
    law_dates: Vec<Option<Date>>,
    /// The rows whose decision denies.
    deny: u64,
    /// Per rule: the rows where it is active, and where it applies.
    active: Vec<u64>,
    applied: Vec<u64>,
    /// Per part: the rows where its expression is true, wherever the part was evaluated.
    truths: Vec<u64>,
    /// Per shown node: its word in each row where it was evaluated.
    words: Vec<Word>,
}

impl BatchRecord {
    /// Records the derivations of a batch that `exec` decided, reusing `previous` when no
    /// decision holds it any more: `deny` is the rows whose decision denies, `active` and
    /// `applied` the rows where each rule is active and applies.
    pub(crate) fn record(
        previous: Option<Arc<BatchRecord>>,
        explain: &Arc<Explain>,
        exec: &BatchExec<'_>,
        deny: u64,
        active: &[u64],
        applied: &[u64],
    ) -> Arc<BatchRecord> {
        let mut record = match previous.map(Arc::try_unwrap) {
            Some(Ok(record)) => record,
            _ => BatchRecord {
                explain: explain.clone(),
                law_dates: Vec::new(),
                deny: 0,
                active: Vec::new(),
                applied: Vec::new(),
                truths: Vec::new(),
                words: Vec::new(),
            },
        };
        if !Arc::ptr_eq(&record.explain, explain) {
            record.explain = explain.clone();
        }
        let batch = &*exec.batch;
        record.law_dates.clone_from(&batch.law_dates);
        record.deny = deny;
        record.active.clear();
        record.active.extend_from_slice(active);
        record.applied.clear();
        record.applied.extend_from_slice(applied);
        record.truths.clear();
        record
            .truths
            .extend(explain.parts.iter().map(|part| match part.constant {
                Some(true) => u64::MAX,
                Some(false) => 0,
                None => batch.truths[part.node as usize],
            }));
        record.words.clear();
        let n_rows = batch.subjects.len();
        for node in &explain.shown {
            match exec.plan.sources[*node as usize] {
                Source::Column(column) => {
                    let start = column as usize * BATCH;
                    record
                        .words
                        .extend(batch.columns[start..start + BATCH].iter().map(Cell::get));
                }
                source => record.words.extend((0..BATCH).map(|row| {
                    if row < n_rows {
                        batch.at(source, row)
                    } else {
                        Word::GIVE_UP
                    }
                })),
            }
        }
        Arc::new(record)
    }

    /// How many rules the program has.
    pub(crate) fn n_rules(&self) -> usize {
        self.explain.rules.len()
    }

    /// A rule's status in a row, and the range of the parts it evaluated there, up to the first
    /// false one.
    pub(crate) fn rule(&self, idx: usize, row: usize) -> (RuleStatus, (u32, u32)) {
        let rule = &self.explain.rules[idx];
        let bit = 1u64 << row;
        let (first, end) = rule.parts;
        if let Some(date) = self.law_dates[row]
            && !in_force(rule.effective, rule.until, date)
        {
            return (RuleStatus::NotInForce, (first, first));
        }
        let mut last = end;
        let mut first_false = 0;
        for part in first..end {
            // Every part up to the first false one was evaluated in this row, and was known (a
            // row that met an unknown left the fast path).
            if !self.holds(part, row) {
                first_false = (part - first) as usize;
                last = part + 1;
                break;
            }
        }
        let active = self.active[idx] & bit != 0;
        // The fast path decides only subjects it meets no unknown for: permit or deny.
        let deny = self.deny & bit != 0;
        let status = status(
            active && rule.deny == deny,
            if deny { Verdict::Deny } else { Verdict::Permit },
            Some(active),
            Some(self.applied[idx] & bit != 0),
            rule.exceptions
                .iter()
                .any(|exception| self.active[exception.idx()] & bit != 0),
            first_false,
        );
        (status, (first, last))
    }

    /// The active exceptions of a rule in a row.
    pub(crate) fn defeated_by(&self, idx: usize, row: usize) -> Vec<RuleId> {
        self.explain.rules[idx]
            .exceptions
            .iter()
            .copied()
            .filter(|exception| self.active[exception.idx()] & (1u64 << row) != 0)
            .collect()
    }

    fn holds(&self, part: u32, row: usize) -> bool {
        let negated = self.explain.parts[part as usize].negated;
        (self.truths[part as usize] >> row & 1 != 0) != negated
    }

    /// A part's truth in a row, `unless` applied.
    pub(crate) fn truth(&self, part: u32, row: usize) -> Truth {
        if self.holds(part, row) {
            Truth::True
        } else {
            Truth::False
        }
    }

    /// The operands a part shows in a row.
    pub(crate) fn operands(&self, part: u32, row: usize) -> Option<(Operand<'_>, Operand<'_>)> {
        let (left, right) = self.explain.parts[part as usize].operands?;
        Some((self.operand(left, row), self.operand(right, row)))
    }

    fn operand(&self, shown: u32, row: usize) -> Operand<'_> {
        let word = self.words[shown as usize * BATCH + row];
        match word.value() {
            Some(Value::Seq(_)) if (word.bits >> ARENA_SHIFT) as u32 != ARENA_FACTS => {
                // Only the constants' sets reach here: the fast path builds none.
                let idx = (word.bits & u64::from(INDEX_MASK)) as usize;
                self.explain
                    .const_seqs
                    .get(idx)
                    .map_or(Operand::Unknown, |elements| Operand::Elements(elements))
            }
            Some(value) => Operand::Value(value),
            None => Operand::Unknown,
        }
    }
}
