//! Evaluation: decides subjects under a checked program and loaded facts, in Kleene's
//! three-valued logic, and records the derivation when asked (the same pass, not a second one).
//! This file is the public face (`Evaluator`, `eval_expr`); `full.rs` is the full evaluator,
//! `fast.rs` the fast path, `decide.rs` the decision procedure both use, `ops.rs` the
//! operations on values both use.

mod arena;
mod decide;
mod decision;
mod fast;
mod full;
pub mod limits;
mod messages;
mod ops;
mod trace;
mod truth;

use std::sync::Arc;

pub use decision::{Decision, LawDate, Options};
pub use limits::Limits;
pub(crate) use messages::PASS_AS_OF;
pub use trace::{PartTrace, RuleTrace, Trace};
pub use truth::{FactRef, Operand, Pending, RuleStatus, Truth, Verdict};

use crate::check::ir::{Expr, Program, RecordId, RuleId};
use crate::diagnostic::Diagnostic;
use crate::facts::Facts;
use crate::value::Value;

use fast::batch::BatchExec;
use fast::plan::{Plan, compile};
use fast::record::{BatchRecord, Explain};
use fast::word::BATCH;
use fast::{FastScratch, run_batch, run_single};
use full::{Flow, FullEval, FullEvaluator, FullScratch};

/// Per-thread working memory, reused across decisions so deciding allocates nothing once warm:
/// the full evaluator's (`FullScratch`: per rule its budgets, locals and the sets it built, per
/// decision the rules' activity) and the fast path's (`FastScratch`: a batch's values, the
/// decision it hands out, its derivations, and the values of a subject decided alone). Each
/// thread that decides owns one; every part is reset where it starts to be used (a rule, a
/// decision, a batch), never in between, so any `Scratch` may be passed to any evaluator.
#[derive(Debug, Default)]
pub struct Scratch {
    full: FullScratch,
    fast: FastScratch,
}

impl Scratch {
    /// Empty working memory.
    pub fn new() -> Scratch {
        Scratch::default()
    }
}

/// Decides subjects of one program against one set of facts.
pub struct Evaluator<'a> {
    /// The full evaluator, with the constants evaluated.
    full: FullEvaluator<'a>,
    subject_record: RecordId,
    /// The rules lowered for the fast path.
    plan: Plan,
    /// What derivations of the fast path read of the rules, when derivations are asked for.
    explain: Arc<Explain>,
}

impl std::fmt::Debug for Evaluator<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Evaluator")
            .field("options", &self.full.options)
            .field("subject_record", &self.subject_record)
            .finish_non_exhaustive()
    }
}

impl<'a> Evaluator<'a> {
    /// Prepares to decide: evaluates the constants once and checks that the law's date can be known.
    pub fn new(
        program: &'a Program,
        facts: &'a Facts,
        options: Options,
    ) -> Result<Evaluator<'a>, Diagnostic> {
        let subject = program.subject.as_ref().ok_or_else(messages::no_subject)?;
        let any_dated = program.rules.iter().any(|rule| rule.is_dated());
        if any_dated && options.law == LawDate::SubjectDate && subject.date.is_none() {
            let first = program
                .rules
                .iter()
                .find(|rule| rule.is_dated())
                .expect("a dated rule exists");
            return Err(messages::no_law_date(
                &program.records[subject.record.idx()].name,
                first.name_span,
            ));
        }
        let full = FullEvaluator::new(program, facts, options, any_dated)?;
        let plan = compile(
            program,
            facts,
            &full.consts,
            &full.const_seqs,
            &full.options.limits,
        );
        let explain = if full.options.explain {
            Arc::new(plan.explain(program))
        } else {
            Arc::default()
        };
        Ok(Evaluator {
            full,
            subject_record: subject.record,
            plan,
            explain,
        })
    }

    /// The program being run.
    pub fn program(&self) -> &'a Program {
        self.full.program
    }

    /// The facts being decided on.
    pub fn facts(&self) -> &'a Facts {
        self.full.facts
    }

    /// The rows of the subject's table that came from input, in order.
    pub fn subjects(&self) -> std::ops::Range<u32> {
        0..self.full.facts.tables[self.subject_record.idx()].n_input_rows
    }

    /// Decides one subject.
    pub fn decide(&self, scratch: &mut Scratch, subject: u32) -> Result<Decision, Diagnostic> {
        let mut decision = Decision::new(subject);
        self.decide_into(scratch, subject, &mut decision)?;
        Ok(decision)
    }

    /// Decides one subject into `decision`, reusing its buffers.
    pub fn decide_into(
        &self,
        scratch: &mut Scratch,
        subject: u32,
        decision: &mut Decision,
    ) -> Result<(), Diagnostic> {
        let options = &self.full.options;
        if !options.explain && !options.full_only {
            if !self.decide_single(scratch, subject, decision) {
                decision.clone_from(&self.full.decide_full(&mut scratch.full, subject)?);
            }
            return Ok(());
        }
        let mut result = Ok(());
        self.decide_each(scratch, &[subject], |_, decided| match decided {
            Ok(decided) => decision.clone_from(decided),
            Err(diagnostic) => result = Err(diagnostic),
        });
        result
    }

    /// Decides subjects in order, giving each decision (or the error that stopped it) to `each`
    /// with the subject's row. Subjects are decided 64 at a time on the fast path;
    /// once warm, deciding subjects whose facts are known allocates nothing.
    pub fn decide_each(
        &self,
        scratch: &mut Scratch,
        subjects: &[u32],
        mut each: impl FnMut(u32, Result<&Decision, Diagnostic>),
    ) {
        let full = &self.full;
        let explain = full.options.explain;
        if full.options.full_only || (explain && !self.plan.complete) {
            for subject in subjects {
                match full.decide_full(&mut scratch.full, *subject) {
                    Ok(decision) => each(*subject, Ok(&decision)),
                    Err(diagnostic) => each(*subject, Err(diagnostic)),
                }
            }
            return;
        }
        let Scratch {
            full: full_scratch,
            fast,
        } = scratch;
        let FastScratch {
            batch,
            decision,
            rule_rows,
            deciding,
            record: last_record,
            single: _,
        } = fast;
        for chunk in subjects.chunks(BATCH) {
            batch.start(&self.plan, chunk);
            let flags = run_batch(&self.plan, full, full_scratch, batch, rule_rows, deciding);
            let exec = BatchExec {
                plan: &self.plan,
                facts: full.facts,
                batch,
            };
            let record = explain.then(|| {
                // The decision handed out lets go of the last batch's record, so it can be reused.
                decision.trace = None;
                let deny_rows = flags.deny | if self.plan.default_deny { !flags.permit } else { 0 };
                BatchRecord::record(
                    last_record.take(),
                    &self.explain,
                    &exec,
                    deny_rows,
                    &rule_rows.active,
                    &rule_rows.applied,
                )
            });
            for (row, subject) in chunk.iter().enumerate() {
                let bit = 1u64 << row;
                if flags.give_up & bit != 0 {
                    match full.decide_full(full_scratch, *subject) {
                        Ok(decided) => each(*subject, Ok(&decided)),
                        Err(diagnostic) => each(*subject, Err(diagnostic)),
                    }
                    continue;
                }
                decision.restart(*subject, exec.batch.law_dates[row]);
                if !explain {
                    decision.trace = None;
                }
                decision.verdict =
                    decide::fast_verdict(self.plan.default_deny, flags.deny & bit != 0, flags.permit & bit != 0);
                decision.deciding.extend_from_slice(deciding.of(row));
                if self.plan.obliges {
                    decide::add_obligations(full.program, decision);
                }
                if let Some(record) = &record {
                    Trace::set_batch_row(&mut decision.trace, record, row);
                }
                each(*subject, Ok(decision));
            }
            *last_record = record;
        }
    }

    /// Decides one subject on the fast path, depth first, into `decision`; `false` when it gave
    /// up and the full evaluator must decide.
    fn decide_single(&self, scratch: &mut Scratch, subject: u32, decision: &mut Decision) -> bool {
        let plan = &self.plan;
        let active = &mut scratch.fast.rule_rows.active;
        active.clear();
        active.resize(self.full.program.rules.len(), 0);
        let outcome = run_single(
            plan,
            &self.full,
            &mut scratch.full,
            &mut scratch.fast.single,
            active,
            subject,
        );
        if let Some((law_date, deny, permit)) = outcome {
            decision.restart(subject, law_date);
            decision.trace = None;
            decision.verdict = decide::fast_verdict(plan.default_deny, deny, permit);
            // The deciding rules are the active deny rules if any, else the active permit rules.
            for (idx, rule_active) in active.iter().enumerate() {
                if *rule_active != 0 && plan.denies[idx] == deny {
                    decision.deciding.push(RuleId(idx as u32));
                }
            }
            if plan.obliges {
                decide::add_obligations(self.full.program, decision);
            }
        }
        outcome.is_some()
    }
}

/// The value of an expression evaluated alone.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Answer {
    /// The value is known.
    Known(Value),
    /// The value depends on these missing facts (sorted, each once).
    Unknown(Vec<FactRef>),
}

/// Evaluates one checked expression against facts, for the subject at row `subject` of the
/// program's subject table (when the expression reads the subject) or none, with the full
/// evaluator in Kleene's logic and the budgets of `limits`. The program's constants are
/// evaluated first (an error in one is returned); the fast path's plan is not built.
/// A set or list the expression builds is returned as a `Value::Seq` whose elements are
/// already dropped: show a built set through a reading that keeps its scratch space.
pub fn eval_expr(
    program: &Program,
    facts: &Facts,
    limits: Limits,
    expr: &Expr,
    subject: Option<u32>,
) -> Result<Answer, Diagnostic> {
    let options = Options {
        limits,
        full_only: true,
        ..Options::default()
    };
    let full = FullEvaluator::new(program, facts, options, false)?;
    let mut scratch = FullScratch::default();
    // An expression at a prompt has no locals of its own; the deepest frame a body of the
    // program may need is made by calls as they happen.
    let n_locals = program
        .rules
        .iter()
        .map(|rule| rule.n_locals)
        .chain(program.consts.iter().map(|def| def.n_locals))
        .chain(program.subject.iter().map(|subject| subject.n_locals))
        .max()
        .unwrap_or(0);
    scratch.reset(n_locals);
    let mut run = FullEval::new(&full, &mut scratch, subject.unwrap_or(u32::MAX));
    match run.eval(expr) {
        Ok(value) => Ok(Answer::Known(value)),
        Err(Flow::Unknown(missing)) => Ok(Answer::Unknown(decide::sorted(missing))),
        Err(Flow::Error(diagnostic)) => Err(*diagnostic),
    }
}
