//! The fast path of evaluation. The conditions of every eligible rule are lowered once, when an
//! evaluator is made, into one graph in which function calls are inlined, constants and key
//! references are values, and equal subexpressions of all rules are one node. Subjects are then
//! decided in batches: each node is computed for the rows of the batch that need it, once per
//! batch however many rules share it, into a column of two-word values or, for booleans, into
//! bit masks. A row gives up at the first unknown fact, error or construct the fast path does not
//! handle, and the full evaluator decides it again, so results, missing facts and errors are
//! always the full evaluator's.
//!
//! `plan.rs` lowers the rules into the graph, `columns.rs` copies the fields they read,
//! `batch.rs` runs the graph over 64 subjects, `closures.rs` builds it into closures for one
//! subject at a time, `compiled.rs` compiles it into instructions for the policies those leave
//! out, `single.rs` walks the nodes the instructions leave out, and `record.rs` records a
//! batch's derivations.

pub(crate) mod batch;
pub(crate) mod closures;
pub(crate) mod columns;
pub(crate) mod compiled;
pub(crate) mod plan;
pub(crate) mod record;
pub(crate) mod single;
pub(crate) mod word;

use std::sync::Arc;

use crate::check::ir::{RuleId, in_force};
use crate::eval::decision::{Decision, LawDate};
use crate::eval::full::{FullEvaluator, FullScratch};
use crate::value::{Date, Value};

use batch::{BatchExec, BatchMemory, DecidingRows, Flags64, RuleRows};
use plan::{NodeId, Plan};
use record::BatchRecord;
use single::SingleMemory;
use word::first_rows;

/// The fast path's working memory, one per thread, owned by a `Scratch` and reused from batch to
/// batch so that deciding allocates nothing once warm. Each batch (`BatchMemory::start`) and each
/// subject decided alone (`Code::decide`) forgets the values of the one before.
#[derive(Debug, Default)]
pub(crate) struct FastScratch {
    /// The values of the nodes of the current batch.
    pub(crate) batch: BatchMemory,
    /// The decision handed out for each row of a batch, refilled row after row.
    pub(crate) decision: Decision,
    /// Per rule, the rows of the batch where it is active and where it applies; for one subject,
    /// `active` holds 1 for each active rule.
    pub(crate) rule_rows: RuleRows,
    /// The deciding rules of each row of the batch.
    pub(crate) deciding: DecidingRows,
    /// The derivations of the last batch, reused when no decision holds them any more.
    pub(crate) record: Option<Arc<BatchRecord>>,
    /// The registers of a subject decided alone.
    pub(crate) single: SingleMemory,
}

/// The subjects one run of the rules covers, as bit masks of rows: a batch of up to 64
/// ([`BatchExec`]). [`run_rules`] is the loop over the rules of the batch.
trait Rows {
    /// The subject at a row.
    fn subject(&self, row: usize) -> u32;
    /// The law's date at a row, when rules have dates.
    fn law_date(&self, row: usize) -> Option<Date>;
    /// The rows of `alive` where a boolean node is true, and those where it is known.
    fn truth(&mut self, condition: NodeId, alive: u64) -> (u64, u64);
}

impl Rows for BatchExec<'_> {
    fn subject(&self, row: usize) -> u32 {
        self.batch.subject(row)
    }

    fn law_date(&self, row: usize) -> Option<Date> {
        self.batch.law_dates[row]
    }

    #[inline]
    fn truth(&mut self, condition: NodeId, alive: u64) -> (u64, u64) {
        self.ensure(condition, alive);
        BatchExec::truth(self, condition, alive)
    }
}

/// Runs the rules over the rows in `all` (less those already given up in `flags`): per rule in
/// the plan's order (exceptions first), the rows where it is in force and applies, then those
/// where no active exception defeats it; which rows some active rule denies or permits, and
/// which the full evaluator must decide. A rule the fast path cannot evaluate is evaluated by
/// the full evaluator, row by row.
fn run_rules(
    plan: &Plan,
    full: &FullEvaluator<'_>,
    scratch: &mut FullScratch,
    rows: &mut impl Rows,
    all: u64,
    mut flags: Flags64,
    rule_rows: &mut RuleRows,
) -> Flags64 {
    let n_rules = full.program.rules.len();
    let RuleRows {
        active: active_rows,
        applied: applied_rows,
    } = rule_rows;
    active_rows.clear();
    active_rows.resize(n_rules, 0);
    applied_rows.clear();
    applied_rows.resize(n_rules, 0);
    for step in &plan.steps {
        if flags.give_up & all == all {
            // Every row is left to the full evaluator: the rest would decide nothing.
            break;
        }
        let mut alive = all & !flags.give_up;
        if step.effective.is_some() || step.until.is_some() {
            for row in word::rows(alive) {
                if let Some(date) = rows.law_date(row)
                    && !in_force(step.effective, step.until, date)
                {
                    alive &= !(1 << row);
                }
            }
        }
        match plan.conditions(step) {
            Some(conditions) => {
                for (condition, negated) in conditions {
                    if alive == 0 {
                        break;
                    }
                    let (truths, knowns) = rows.truth(*condition, alive);
                    flags.give_up |= alive & !knowns;
                    alive &= knowns & if *negated { !truths } else { truths };
                }
            }
            None => {
                // A rule the fast path cannot evaluate: the full evaluator, row by row. A row
                // where it meets an unknown or an error is decided by the full evaluator.
                for row in word::rows(alive) {
                    let bit = 1u64 << row;
                    match full.rule_applies(scratch, rows.subject(row), step.rule, None) {
                        Ok(Ok(true)) => {}
                        Ok(Ok(false)) => alive &= !bit,
                        Ok(Err(_)) | Err(_) => {
                            flags.give_up |= bit;
                            alive &= !bit;
                        }
                    }
                }
            }
        }
        applied_rows[step.rule.idx()] = alive;
        let defeaters = &plan.defeaters[step.defeaters.start as usize..step.defeaters.end as usize];
        for defeater in defeaters {
            alive &= !active_rows[defeater.idx()];
        }
        active_rows[step.rule.idx()] = alive;
        if step.deny {
            flags.deny |= alive;
        } else {
            flags.permit |= alive;
        }
    }
    flags
}

/// Runs the rules over a batch on the fast path: which rows deny, permit, and which the full
/// evaluator must decide. `deciding` receives the deciding rules of each row the fast path
/// decides.
pub(crate) fn run_batch(
    plan: &Plan,
    full: &FullEvaluator<'_>,
    scratch: &mut FullScratch,
    memory: &mut BatchMemory,
    rows_of: &mut RuleRows,
    deciding: &mut DecidingRows,
) -> Flags64 {
    let batch = memory;
    let n = batch.law_dates.len();
    let mut flags = Flags64::default();
    let all = first_rows(n);
    let mut exec = BatchExec {
        plan,
        facts: full.facts,
        batch,
    };
    match full.options.law {
        LawDate::AsOf(date) => exec.batch.law_dates.fill(Some(date)),
        LawDate::SubjectDate if !full.any_dated => {}
        LawDate::SubjectDate => {
            for row in 0..n {
                match plan.date.and_then(|date| exec.value(date, row)) {
                    Some(Value::Date(date)) => exec.batch.law_dates[row] = Some(date),
                    _ => flags.give_up |= 1 << row,
                }
            }
        }
    }
    let flags = run_rules(plan, full, scratch, &mut exec, all, flags, rows_of);
    let rule_rows = &rows_of.active;
    // The deciding rules of a row are its active deny rules if any, else its active permit
    // rules. They are placed row by row by counting first, so the work is one step per rule
    // and row where it decides.
    let deny_rows = flags.deny & !flags.give_up;
    let permit_rows = flags.permit & !flags.deny & !flags.give_up;
    let deciding_rows = |idx: usize, rows: u64| rows & if plan.denies[idx] { deny_rows } else { permit_rows };
    let starts = &mut deciding.starts;
    starts.clear();
    deciding.rules.clear();
    if n == 1 {
        // One subject (`decide_into` with derivations): its rules, in one pass.
        for (idx, rows) in rule_rows.iter().enumerate() {
            if deciding_rows(idx, *rows) != 0 {
                deciding.rules.push(RuleId(idx as u32));
            }
        }
        starts.extend([0, deciding.rules.len() as u32]);
        return flags;
    }
    // `starts` first counts the deciding rules of each row, then becomes where each row's
    // next rule goes, and ends as where each row's rules start.
    starts.resize(n + 1, 0);
    for (idx, rows) in rule_rows.iter().enumerate() {
        for row in word::rows(deciding_rows(idx, *rows)) {
            starts[row + 1] += 1;
        }
    }
    for row in 0..n {
        starts[row + 1] += starts[row];
    }
    deciding.rules.resize(starts[n] as usize, RuleId(0));
    for (idx, rows) in rule_rows.iter().enumerate() {
        for row in word::rows(deciding_rows(idx, *rows)) {
            deciding.rules[starts[row] as usize] = RuleId(idx as u32);
            starts[row] += 1;
        }
    }
    // Each row's next place is now where the next row's rules start.
    starts.rotate_right(1);
    starts[0] = 0;
    flags
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)] // Test code: a failed unwrap is a failed test.

    use crate::engine::{Engine, FactsInput, NoFiles};
    use crate::eval::{Evaluator, Options, Scratch, Verdict};
    use crate::facts::Format;

    const POLICY: &str = r#"policy "Wide payloads"

record Shipment key id {
  id: Text
  weight: Int
  day: Date
  tags: Set<Int>
}

decide s: Shipment
default deny because "no rule permits this shipment"

rule heavy: deny {
  when s.weight > 3000000000
  because "too heavy"
}

rule refund: permit {
  when s.weight < -5 and s.day < 1900-01-01
  because "an old refund"
}

rule tagged: permit {
  when -4000000000 in s.tags or 7 in s.tags
  because "tagged"
}
"#;

    const FACTS: &str = r#"[
  {"id": "a", "weight": 4000000000, "day": "2024-01-01", "tags": []},
  {"id": "b", "weight": -10, "day": "1850-06-01", "tags": []},
  {"id": "c", "weight": -10, "day": "1950-06-01", "tags": [-4000000000, 1]},
  {"id": "d", "weight": 1, "day": "2024-01-01", "tags": [-2, 7]},
  {"id": "e", "weight": 1, "day": "2024-01-01", "tags": [2]}
]"#;

    #[test]
    fn payloads_beyond_32_bits_and_negative_ones_decide_as_the_full_evaluator() {
        let files = NoFiles;
        let mut engine = Engine::new(&files, Vec::new());
        let loaded = engine.load_policy_text("wide.pol", POLICY, None).unwrap();
        let program = &loaded.checked.program;
        let input = FactsInput {
            name: "shipments.json".to_string(),
            bytes: FACTS.as_bytes().to_vec(),
            format: Format::Json,
            record: Some("Shipment".to_string()),
            mapping: None,
        };
        let facts = engine.load_facts(program, vec![input]).unwrap();
        let decide = |options: Options| {
            let evaluator = Evaluator::new(program, &facts, options).unwrap();
            let subjects: Vec<u32> = evaluator.subjects().collect();
            let mut decisions = Vec::new();
            let mut scratch = Scratch::new();
            evaluator.decide_each(&mut scratch, &subjects, |_, decision| {
                decisions.push(decision.unwrap().clone());
            });
            // One at a time (depth first, without derivations), the decisions are the same.
            for (subject, decision) in subjects.iter().zip(&decisions) {
                assert_eq!(&evaluator.decide(&mut scratch, *subject).unwrap(), decision);
            }
            decisions
        };
        let fast = decide(Options::default());
        let full = decide(Options {
            full_only: true,
            ..Options::default()
        });
        assert_eq!(fast, full);
        let deciding: Vec<usize> = fast.iter().map(|decision| decision.deciding.len()).collect();
        assert_eq!(deciding, [1, 1, 1, 1, 0]);
        let verdicts: Vec<Verdict> = fast.iter().map(|decision| decision.verdict).collect();
        assert_eq!(
            verdicts,
            [
                Verdict::Deny,
                Verdict::Permit,
                Verdict::Permit,
                Verdict::Permit,
                Verdict::Deny
            ]
        );
    }
}
