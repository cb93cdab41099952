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
mod lookup;
mod messages;
mod ops;
mod text;
mod trace;
mod truth;

use std::sync::Arc;

pub use decision::{Decision, LawDate, Options};
pub use limits::Limits;
pub use lookup::MissedLookups;
pub use trace::{PartTrace, RuleTrace, Trace};
pub use truth::{FactRef, Operand, Pending, RuleStatus, Truth, Verdict};

use crate::check::ir::{Expr, Program, RecordId};
use crate::diagnostic::Diagnostic;
use crate::facts::Facts;
use crate::value::Value;

use fast::batch::BatchExec;
use fast::closures::Closures;
use fast::compiled::Code;
use fast::plan::{Plan, compile};
use fast::record::{BatchRecord, Explain};
use fast::word::BATCH;
use fast::{FastScratch, run_batch};
use full::{Flow, FullEval, FullEvaluator, FullScratch, NO_SUBJECT};

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
    /// The plan compiled into instructions, for subjects decided one at a time when the closures
    /// are not built: compiled at the first such decision, so that deciding in batches alone
    /// never pays for it.
    code: std::sync::OnceLock<Code>,
    /// The plan's conditions as closures, for subjects decided one at a time, built at the
    /// first such decision; `None` when the policy holds what they do not build (a node kind,
    /// too many closures, too deep), and the instructions of `code` decide instead.
    closures: std::sync::OnceLock<Option<Closures>>,
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
        crate::check::ensure_complete(program)?;
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
            code: std::sync::OnceLock::new(),
            closures: std::sync::OnceLock::new(),
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
    /// with the subject's row. Subjects are decided 64 at a time on the fast path, or one at a
    /// time through the closures when derivations are not asked for and the closures screen the
    /// rules by the fields they open with (faster than a batch; building the closures takes no
    /// time per subject); once warm, deciding subjects whose facts are known allocates nothing.
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
        if !explain && Closures::may_screen(&self.plan) && self.closures().is_some_and(Closures::screened) {
            // Rules screened by the fields they open with decide a subject alone faster than a
            // batch decides it; the closures are not built for a plan that cannot be screened.
            let mut decision = std::mem::take(&mut scratch.fast.decision);
            for subject in subjects {
                match self.decide_into(scratch, *subject, &mut decision) {
                    Ok(()) => each(*subject, Ok(&decision)),
                    Err(diagnostic) => each(*subject, Err(diagnostic)),
                }
            }
            scratch.fast.decision = decision;
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
                decision.verdict = decide::fast_verdict(
                    self.plan.default_deny,
                    flags.deny & bit != 0,
                    flags.permit & bit != 0,
                );
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

    /// The closures of the plan's conditions, built at the first call.
    fn closures(&self) -> Option<&Closures> {
        self.closures
            .get_or_init(|| Closures::new(&self.plan, self.full.facts))
            .as_ref()
    }

    /// Decides one subject on the fast path, through the closures (or the compiled instructions
    /// when they are not built), into `decision`; `false` when it gave up and the full evaluator
    /// must decide.
    fn decide_single(&self, scratch: &mut Scratch, subject: u32, decision: &mut Decision) -> bool {
        let decided = if let Some(closures) = self.closures() {
            closures.decide(
                &self.plan,
                &self.full,
                &mut scratch.full,
                &mut scratch.fast.single,
                subject,
                decision,
            )
        } else {
            let code = self.code.get_or_init(|| Code::new(&self.plan));
            code.decide(
                &self.plan,
                &self.full,
                &mut scratch.full,
                &mut scratch.fast.single,
                subject,
                decision,
            )
        };
        if decided && self.plan.obliges {
            decide::add_obligations(self.full.program, decision);
        }
        decided
    }
}

/// The value of an expression evaluated alone.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Answer {
    /// The value is known. A set or list is a `Value::Seq` that [`Facts::seq`] reads when it is
    /// one of the facts'; one the expression or a constant built is gone once the evaluation
    /// ends: [`show_expr`] shows it.
    Known(Value),
    /// The value depends on these missing facts (sorted, each once).
    Unknown(Vec<FactRef>),
}

/// Evaluates one checked expression against facts, for the subject at row `subject` of the
/// program's subject table (when the expression reads the subject) or none, with the full
/// evaluator in Kleene's logic and the budgets of `limits`, as a decision evaluates a rule.
/// The program's constants are evaluated first (an error in one is returned); the fast path's
/// plan is not built. Running out of a budget, an overflow or a date out of range is the
/// diagnostic a decision would give. `n_locals` is how many local slots the expression needs
/// (`check::Probe::n_locals` for one typed at a prompt; 0 for one of the program's bodies,
/// whose slots the program counts).
pub fn eval_expr(
    program: &Program,
    facts: &Facts,
    limits: Limits,
    expr: &Expr,
    n_locals: u32,
    subject: Option<u32>,
) -> Result<Answer, Diagnostic> {
    evaluate(program, facts, limits, expr, n_locals, subject, |_, value| {
        Answer::Known(value)
    })
}

/// [`eval_expr`] with a known value shown as Pol writes it (`{1, 2}`, `Country["JP"]`), sets the
/// expression built included.
pub fn show_expr(
    program: &Program,
    facts: &Facts,
    limits: Limits,
    expr: &Expr,
    n_locals: u32,
    subject: Option<u32>,
) -> Result<Result<String, Vec<FactRef>>, Diagnostic> {
    evaluate(program, facts, limits, expr, n_locals, subject, |seq, value| {
        Ok(crate::show::show_value(program, facts, seq, value, expr.ty))
    })
}

/// Evaluates an expression as [`eval_expr`] does, giving a known value to `known` with a reading
/// of the sets and lists it may hold, while they still exist.
fn evaluate<R>(
    program: &Program,
    facts: &Facts,
    limits: Limits,
    expr: &Expr,
    n_locals: u32,
    subject: Option<u32>,
    known: impl FnOnce(&dyn Fn(crate::value::SeqId) -> Vec<Value>, Value) -> R,
) -> Result<R, Diagnostic>
where
    R: From<Unknown>,
{
    let options = Options {
        limits,
        full_only: true,
        ..Options::default()
    };
    let full = FullEvaluator::for_expr(program, facts, options, false, Some(expr))?;
    let mut scratch = FullScratch::default();
    // The expression may come from any body of the program (a rule's condition, a constant's
    // value, the decision date), or be typed at a prompt with locals of its own: it gets the
    // largest frame of locals any of them has; the frames of calls are made as they happen.
    let n_locals = program
        .rules
        .iter()
        .map(|rule| rule.n_locals)
        .chain(program.consts.iter().map(|def| def.n_locals))
        .chain(program.subject.iter().map(|subject| subject.n_locals))
        .chain([n_locals])
        .max()
        .unwrap_or(0);
    scratch.reset(n_locals);
    if let (Some(row), Some(decided)) = (subject, &program.subject) {
        let n_rows = facts.tables[decided.record.idx()].n_input_rows;
        if row >= n_rows {
            let record = &program.records[decided.record.idx()].name;
            return Err(messages::no_such_subject(record, row, n_rows));
        }
    }
    let subject = subject.unwrap_or(NO_SUBJECT);
    let result = FullEval::new(&full, &mut scratch, subject).eval(expr);
    match result {
        Ok(value) => {
            let seq = |id: crate::value::SeqId| full.seq_in(id, &scratch).to_vec();
            Ok(known(&seq, value))
        }
        Err(Flow::Unknown(missing)) => Ok(R::from(Unknown(decide::sorted(missing)))),
        Err(Flow::Error(diagnostic)) => Err(*diagnostic),
    }
}

/// The missing facts behind an unknown value, sorted.
struct Unknown(Vec<FactRef>);

impl From<Unknown> for Answer {
    fn from(unknown: Unknown) -> Answer {
        Answer::Unknown(unknown.0)
    }
}

impl From<Unknown> for Result<String, Vec<FactRef>> {
    fn from(unknown: Unknown) -> Result<String, Vec<FactRef>> {
        Err(unknown.0)
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)] // Test code: a failed unwrap is a failed test.

    use super::{Answer, FactRef, Limits, eval_expr, show_expr};
    use crate::check::ir::{Expr, ExprKind, Program};
    use crate::diagnostic::Code;
    use crate::engine::{Engine, FactsInput, NoFiles};
    use crate::facts::{Facts, Format};
    use crate::value::Value;

    const POLICY: &str = r#"policy "Expressions alone"

record Country key code {
  code: Text
  in_combat: Bool
}

record Transfer key id {
  id: Text
  destination: Country
  parts: Int
}

decide t: Transfer
default deny because "no rule permits this transfer"

let limit = 10
let allies = {Country["US"], Country["GB"]}

fn heavy(t: Transfer) -> Bool = t.parts > limit
fn scaled(t: Transfer) -> Int = t.parts * 9223372036854775807

rule heavy_to_combat: deny {
  when t.destination.in_combat and heavy(t)
  because "no heavy transfer to a country in combat"
}
"#;

    const FACTS: &str = r#"{
  "Country": [
    {"code": "US", "in_combat": false},
    {"code": "GB", "in_combat": false},
    {"code": "UA", "in_combat": "?"}
  ],
  "Transfer": [
    {"id": "t1", "destination": "US", "parts": 20},
    {"id": "t2", "destination": "UA", "parts": "?"},
    {"id": "t3", "destination": "UA", "parts": 2}
  ]
}"#;

    /// Evaluates expressions of the checked policy against the facts above.
    fn check(test: impl FnOnce(&Program, &Facts)) {
        let files = NoFiles;
        let mut engine = Engine::new(&files, Vec::new());
        let loaded = engine.load_policy_text("expressions.pol", POLICY, None).unwrap();
        let program = &loaded.checked.program;
        let input = FactsInput {
            name: "facts.json".to_string(),
            bytes: FACTS.as_bytes().to_vec(),
            format: Format::Json,
            record: None,
            mapping: None,
        };
        let facts = engine.load_facts(program, vec![input]).unwrap();
        test(program, &facts);
    }

    /// A call of the function named `name` on the subject, as the checker types `name(t)`.
    fn call_on_subject(program: &Program, name: &str) -> Expr {
        let (idx, function) = program
            .functions
            .iter()
            .enumerate()
            .find(|(_, function)| function.name == name)
            .unwrap();
        let subject = Expr {
            kind: ExprKind::Subject,
            ty: function.params[0].1,
            span: function.span,
        };
        Expr {
            kind: ExprKind::Call(crate::check::ir::FnId(idx as u32), vec![subject]),
            ty: function.result,
            span: function.span,
        }
    }

    fn constant<'p>(program: &'p Program, name: &str) -> &'p Expr {
        &program.consts.iter().find(|def| def.name == name).unwrap().value
    }

    fn field(program: &Program, record: &str, field: &str, row: u32) -> FactRef {
        let (idx, def) = program
            .records
            .iter()
            .enumerate()
            .find(|(_, def)| def.name == record)
            .unwrap();
        FactRef {
            record: crate::check::ir::RecordId(idx as u32),
            row,
            field: def.fields.iter().position(|each| each.name == field).unwrap() as u32,
        }
    }

    #[test]
    fn a_constant_is_known_without_a_subject() {
        check(|program, facts| {
            let answer = eval_expr(
                program,
                facts,
                Limits::default(),
                constant(program, "limit"),
                0,
                None,
            );
            assert_eq!(answer.unwrap(), Answer::Known(Value::Int(10)));
            let shown = show_expr(
                program,
                facts,
                Limits::default(),
                constant(program, "allies"),
                0,
                None,
            );
            assert_eq!(
                shown.unwrap(),
                Ok(r#"{Country["GB"], Country["US"]}"#.to_string())
            );
        });
    }

    #[test]
    fn a_function_on_the_subject_is_known_or_names_its_missing_facts() {
        check(|program, facts| {
            let heavy = call_on_subject(program, "heavy");
            let answer = |row| eval_expr(program, facts, Limits::default(), &heavy, 0, Some(row)).unwrap();
            assert_eq!(answer(0), Answer::Known(Value::Bool(true)));
            assert_eq!(answer(2), Answer::Known(Value::Bool(false)));
            assert_eq!(
                answer(1),
                Answer::Unknown(vec![field(program, "Transfer", "parts", 1)])
            );
        });
    }

    #[test]
    fn a_rule_condition_is_three_valued_as_in_a_decision() {
        check(|program, facts| {
            // `when a and b` is checked into two parts.
            let [combat, heavy] = &program.rules[0].conditions[..] else {
                panic!("two condition parts")
            };
            let answer =
                |expr: &Expr, row| eval_expr(program, facts, Limits::default(), expr, 0, Some(row)).unwrap();
            assert_eq!(answer(&combat.expr, 0), Answer::Known(Value::Bool(false)));
            assert_eq!(
                answer(&combat.expr, 1),
                Answer::Unknown(vec![field(program, "Country", "in_combat", 2)])
            );
            assert_eq!(
                answer(&heavy.expr, 1),
                Answer::Unknown(vec![field(program, "Transfer", "parts", 1)])
            );
            assert_eq!(answer(&heavy.expr, 2), Answer::Known(Value::Bool(false)));
        });
    }

    #[test]
    fn overflow_and_budgets_are_diagnostics() {
        check(|program, facts| {
            let scaled = call_on_subject(program, "scaled");
            let error = eval_expr(program, facts, Limits::default(), &scaled, 0, Some(0)).unwrap_err();
            assert_eq!(error.code, Code::IntegerOverflow);
            let limits = Limits {
                max_steps: 2,
                ..Limits::default()
            };
            let heavy = call_on_subject(program, "heavy");
            let error = eval_expr(program, facts, limits, &heavy, 0, Some(0)).unwrap_err();
            assert_eq!(error.code, Code::StepLimit);
        });
    }

    #[test]
    fn a_missing_subject_is_a_diagnostic_not_a_panic() {
        check(|program, facts| {
            let heavy = call_on_subject(program, "heavy");
            let none = eval_expr(program, facts, Limits::default(), &heavy, 0, None).unwrap_err();
            assert_eq!(none.code, Code::SubjectDeclaration);
            let beyond = eval_expr(program, facts, Limits::default(), &heavy, 0, Some(3)).unwrap_err();
            assert_eq!(beyond.code, Code::SubjectDeclaration);
        });
    }
}
