//! Evaluation: decides subjects under a checked program and loaded facts, in Kleene's
//! three-valued logic, and records the derivation when asked (the same pass, not a second one).

mod fast;
pub mod limits;
mod messages;
mod trace;

use std::cmp::Ordering;
use std::sync::Arc;

pub use limits::Limits;
pub(crate) use messages::PASS_AS_OF;
pub use trace::{Operand, PartTrace, RuleStatus, RuleTrace, Trace};

use crate::check::ir::{
    ArithOp, Builtin, CompareOp, Expr, ExprKind, FnId, ObligationId, Program, RecordId, RuleId, SetOp, Type,
    TypeId, in_force,
};
use crate::diagnostic::Diagnostic;
use crate::facts::Facts;
use crate::source::Span;
use crate::syntax::ast::{Effect, Quantifier};
use crate::value::{Date, SeqId, Value};

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

/// Which date's law decides.
#[derive(Copy, Clone, Debug, PartialEq, Eq, Default)]
pub enum LawDate {
    /// The date the policy's `decide … on` expression gives for each subject.
    #[default]
    SubjectDate,
    /// One date for every subject (`--as-of`).
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
    fn restart(&mut self, subject: u32, law_date: Option<Date>) {
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

/// Which effects some active rule has, as true and as unknown.
#[derive(Copy, Clone, Debug, Default)]
struct Flags {
    deny_true: bool,
    deny_unknown: bool,
    permit_true: bool,
    permit_unknown: bool,
}

/// The rows of a batch where some active rule denies or permits, and where the fast path gave
/// up.
#[derive(Copy, Clone, Debug, Default)]
struct Flags64 {
    deny: u64,
    permit: u64,
    give_up: u64,
}

/// The deciding rules of each row of a batch, flat and in rule order: row `r`'s are
/// `rules[starts[r]..starts[r + 1]]`.
#[derive(Debug, Default)]
struct DecidingRows {
    rules: Vec<RuleId>,
    starts: Vec<u32>,
}

impl DecidingRows {
    /// The deciding rules of a row.
    #[inline]
    fn of(&self, row: usize) -> &[RuleId] {
        &self.rules[self.starts[row] as usize..self.starts[row + 1] as usize]
    }
}

/// A set of missing facts, behind an unknown value.
type Missing = Vec<FactRef>;

/// Why evaluation of an expression did not give a known value.
#[derive(Debug)]
enum Flow {
    /// The value depends on these missing facts.
    Unknown(Missing),
    /// Evaluation failed; the decision fails closed.
    Error(Box<Diagnostic>),
}

type Eval = Result<Value, Flow>;

const ARENA_SHIFT: u32 = 30;
const ARENA_FACTS: u32 = 0;
const ARENA_CONSTS: u32 = 1;
const ARENA_SCRATCH: u32 = 2;
const INDEX_MASK: u32 = (1 << ARENA_SHIFT) - 1;

fn seq_id(arena: u32, idx: usize) -> SeqId {
    SeqId((arena << ARENA_SHIFT) | (idx as u32 & INDEX_MASK))
}

/// Per-thread working memory, reused across decisions so deciding allocates nothing once warm.
#[derive(Debug, Default)]
pub struct Scratch {
    batch: fast::Batch,
    decision: Decision,
    rule_rows: Vec<u64>,
    applied_rows: Vec<u64>,
    deciding: DecidingRows,
    /// The derivations of the last batch, reused when no decision holds them any more.
    record: Option<Arc<fast::BatchRecord>>,
    /// The working memory of subjects decided one at a time.
    row: fast::Row,
    applies: Vec<Result<bool, Missing>>,
    active: Vec<Option<Result<bool, Missing>>>,
    locals: Vec<Value>,
    /// The parameters whose argument is unknown, by their place in `locals`, with the facts
    /// behind them; the entries of a call are dropped when it returns.
    unknown_locals: Vec<(usize, Missing)>,
    values: Vec<Value>,
    seqs: Vec<(u32, u32)>,
    steps: u64,
    depth: u32,
}

impl Scratch {
    /// Empty working memory.
    pub fn new() -> Scratch {
        Scratch::default()
    }
}

/// Decides subjects of one program against one set of facts.
pub struct Evaluator<'a> {
    program: &'a Program,
    facts: &'a Facts,
    options: Options,
    consts: Vec<Result<Value, Missing>>,
    const_seqs: Vec<Arc<[Value]>>,
    subject_record: RecordId,
    any_dated: bool,
    /// The rules lowered for the fast path.
    plan: fast::Plan,
    /// What derivations of the fast path read of the rules, when derivations are asked for.
    explain: Arc<fast::Explain>,
}

impl std::fmt::Debug for Evaluator<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Evaluator")
            .field("options", &self.options)
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
        let mut evaluator = Evaluator {
            program,
            facts,
            options,
            consts: Vec::with_capacity(program.consts.len()),
            const_seqs: Vec::new(),
            subject_record: subject.record,
            any_dated,
            plan: fast::Plan::default(),
            explain: Arc::default(),
        };
        let mut scratch = Scratch::new();
        for def in &program.consts {
            scratch.steps = 0;
            scratch.locals.clear();
            scratch.unknown_locals.clear();
            scratch.locals.resize(def.n_locals as usize, Value::None);
            let mut run = Run::new(&evaluator, &mut scratch, u32::MAX);
            let result = run.eval(&def.value);
            let value = match result {
                Ok(value) => Ok(evaluator.persist(value, &scratch)),
                Err(Flow::Unknown(missing)) => Err(missing),
                Err(Flow::Error(diagnostic)) => return Err(*diagnostic),
            };
            scratch.values.clear();
            scratch.seqs.clear();
            evaluator.consts.push(value);
        }
        evaluator.plan = fast::compile(
            program,
            facts,
            &evaluator.consts,
            &evaluator.const_seqs,
            &evaluator.options.limits,
        );
        if evaluator.options.explain {
            evaluator.explain = Arc::new(evaluator.plan.explain(program));
        }
        Ok(evaluator)
    }

    /// Moves a constant's runtime-built sets into the constant arena so they outlive the scratch space.
    fn persist(&mut self, value: Value, scratch: &Scratch) -> Value {
        let Value::Seq(id) = value else { return value };
        if id.0 >> ARENA_SHIFT != ARENA_SCRATCH {
            return value;
        }
        let elements: Vec<Value> = self
            .seq_in(id, scratch)
            .to_vec()
            .into_iter()
            .map(|element| self.persist(element, scratch))
            .collect();
        self.const_seqs.push(elements.into());
        Value::Seq(seq_id(ARENA_CONSTS, self.const_seqs.len() - 1))
    }

    fn seq_in<'s>(&'s self, id: SeqId, scratch: &'s Scratch) -> &'s [Value] {
        let idx = (id.0 & INDEX_MASK) as usize;
        match id.0 >> ARENA_SHIFT {
            ARENA_FACTS => self.facts.seq(SeqId(id.0 & INDEX_MASK)),
            ARENA_CONSTS => &self.const_seqs[idx],
            _ => {
                let (start, len) = scratch.seqs[idx];
                &scratch.values[start as usize..(start + len) as usize]
            }
        }
    }

    /// The program being run.
    pub fn program(&self) -> &'a Program {
        self.program
    }

    /// The facts being decided on.
    pub fn facts(&self) -> &'a Facts {
        self.facts
    }

    /// The rows of the subject's table that came from input, in order.
    pub fn subjects(&self) -> std::ops::Range<u32> {
        0..self.facts.tables[self.subject_record.idx()].n_input_rows
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
        if !self.options.explain && !self.options.full_only {
            if !self.decide_one(scratch, subject, decision) {
                decision.clone_from(&self.decide_full(scratch, subject)?);
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
        let explain = self.options.explain;
        if self.options.full_only || (explain && !self.plan.complete) {
            for subject in subjects {
                match self.decide_full(scratch, *subject) {
                    Ok(decision) => each(*subject, Ok(&decision)),
                    Err(diagnostic) => each(*subject, Err(diagnostic)),
                }
            }
            return;
        }
        let mut batch = std::mem::take(&mut scratch.batch);
        let mut decision = std::mem::take(&mut scratch.decision);
        let mut deciding = std::mem::take(&mut scratch.deciding);
        for chunk in subjects.chunks(fast::BATCH) {
            batch.start(&self.plan, chunk);
            let flags = self.run_batch(scratch, &mut batch, &mut deciding);
            let exec = fast::Exec {
                plan: &self.plan,
                facts: self.facts,
                batch: &mut batch,
            };
            let record = explain.then(|| {
                // The decision handed out lets go of the last batch's record, so it can be reused.
                decision.trace = None;
                let deny_rows = flags.deny | if self.plan.default_deny { !flags.permit } else { 0 };
                fast::BatchRecord::record(
                    scratch.record.take(),
                    &self.explain,
                    &exec,
                    deny_rows,
                    &scratch.rule_rows,
                    &scratch.applied_rows,
                )
            });
            for (row, subject) in chunk.iter().enumerate() {
                let bit = 1u64 << row;
                if flags.give_up & bit != 0 {
                    match self.decide_full(scratch, *subject) {
                        Ok(full) => each(*subject, Ok(&full)),
                        Err(diagnostic) => each(*subject, Err(diagnostic)),
                    }
                    continue;
                }
                decision.restart(*subject, exec.batch.law_dates[row]);
                if !explain {
                    decision.trace = None;
                }
                decision.verdict = self.fast_verdict(flags.deny & bit != 0, flags.permit & bit != 0);
                decision.deciding.extend_from_slice(deciding.of(row));
                if self.plan.obliges {
                    self.add_obligations(&mut decision);
                }
                if let Some(record) = &record {
                    Trace::set_batch_row(&mut decision.trace, record, row);
                }
                each(*subject, Ok(&decision));
            }
            scratch.record = record;
        }
        scratch.batch = batch;
        scratch.decision = decision;
        scratch.deciding = deciding;
    }

    /// Decides one subject on the fast path, depth first, into `decision`; `false` when it gave
    /// up and the full evaluator must decide.
    fn decide_one(&self, scratch: &mut Scratch, subject: u32, decision: &mut Decision) -> bool {
        let plan = &self.plan;
        let mut row = std::mem::take(&mut scratch.row);
        let mut active = std::mem::take(&mut scratch.rule_rows);
        active.clear();
        active.resize(self.program.rules.len(), 0);
        let outcome = self.run_one(scratch, &mut row, &mut active, subject);
        if let Some((law_date, deny, permit)) = outcome {
            decision.restart(subject, law_date);
            decision.trace = None;
            decision.verdict = self.fast_verdict(deny, permit);
            // The deciding rules are the active deny rules if any, else the active permit rules.
            for (idx, rule_active) in active.iter().enumerate() {
                if *rule_active != 0 && plan.denies[idx] == deny {
                    decision.deciding.push(RuleId(idx as u32));
                }
            }
            if plan.obliges {
                self.add_obligations(decision);
            }
        }
        scratch.row = row;
        scratch.rule_rows = active;
        outcome.is_some()
    }

    /// Runs the rules for one subject as [`Evaluator::run_batch`] does for a batch: the law's
    /// date, and whether some active rule denies and some permits; `active` receives 1 for each
    /// active rule. `None` when the fast path gives up.
    fn run_one(
        &self,
        scratch: &mut Scratch,
        row: &mut fast::Row,
        active: &mut [u64],
        subject: u32,
    ) -> Option<(Option<Date>, bool, bool)> {
        let plan = &self.plan;
        let mut one = fast::One::new(plan, self.facts, row, subject);
        let law_date = match self.options.law {
            LawDate::AsOf(date) => Some(date),
            LawDate::SubjectDate if !self.any_dated => None,
            LawDate::SubjectDate => Some(one.date(plan.date?)?),
        };
        let (mut deny, mut permit) = (false, false);
        for step in &plan.steps {
            let mut alive = law_date.is_none_or(|date| in_force(step.effective, step.until, date));
            if alive {
                match plan.conditions(step) {
                    Some(conditions) => {
                        for (condition, negated) in conditions {
                            if one.truth(*condition)? == *negated {
                                alive = false;
                                break;
                            }
                        }
                    }
                    // A rule the fast path cannot evaluate: the full evaluator; an unknown or an
                    // error leaves the subject to the full evaluator.
                    None => match self.rule_applies(scratch, subject, step.rule, None) {
                        Ok(Ok(applies)) => alive = applies,
                        Ok(Err(_)) | Err(_) => return None,
                    },
                }
            }
            let defeaters = &plan.defeaters[step.defeaters.start as usize..step.defeaters.end as usize];
            if defeaters.iter().any(|defeater| active[defeater.idx()] != 0) {
                alive = false;
            }
            active[step.rule.idx()] = u64::from(alive);
            if alive {
                if step.deny {
                    deny = true;
                } else {
                    permit = true;
                }
            }
        }
        Some((law_date, deny, permit))
    }

    /// Runs the rules over a batch on the fast path: which rows deny, permit, and which the full
    /// evaluator must decide. `deciding` receives the deciding rules of each row the fast path
    /// decides.
    fn run_batch(
        &self,
        scratch: &mut Scratch,
        batch: &mut fast::Batch,
        deciding: &mut DecidingRows,
    ) -> Flags64 {
        let plan = &self.plan;
        let n = batch.law_dates.len();
        let mut flags = Flags64::default();
        let all = fast::first_rows(n);
        let mut exec = fast::Exec {
            plan,
            facts: self.facts,
            batch,
        };
        match self.options.law {
            LawDate::AsOf(date) => exec.batch.law_dates.fill(Some(date)),
            LawDate::SubjectDate if !self.any_dated => {}
            LawDate::SubjectDate => {
                for row in 0..n {
                    match plan.date.and_then(|date| exec.value(date, row)) {
                        Some(Value::Date(date)) => exec.batch.law_dates[row] = Some(date),
                        _ => flags.give_up |= 1 << row,
                    }
                }
            }
        }
        let mut rule_rows = std::mem::take(&mut scratch.rule_rows);
        rule_rows.clear();
        rule_rows.resize(self.program.rules.len(), 0);
        let mut applied_rows = std::mem::take(&mut scratch.applied_rows);
        applied_rows.clear();
        applied_rows.resize(self.program.rules.len(), 0);
        for step in &plan.steps {
            let mut alive = all & !flags.give_up;
            if step.effective.is_some() || step.until.is_some() {
                for (row, date) in exec.batch.law_dates.iter().enumerate() {
                    if let Some(date) = date
                        && !in_force(step.effective, step.until, *date)
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
                        exec.ensure(*condition, alive);
                        let (truths, knowns) = exec.truth(*condition, alive);
                        flags.give_up |= alive & !knowns;
                        alive &= knowns & if *negated { !truths } else { truths };
                    }
                }
                None => {
                    // A rule the fast path cannot evaluate: the full evaluator, row by row. A row
                    // where it meets an unknown or an error is decided by the full evaluator.
                    for row in 0..n {
                        let bit = 1u64 << row;
                        if alive & bit == 0 {
                            continue;
                        }
                        match self.rule_applies(scratch, exec.batch.subject(row), step.rule, None) {
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
                alive &= !rule_rows[defeater.idx()];
            }
            rule_rows[step.rule.idx()] = alive;
            if step.deny {
                flags.deny |= alive;
            } else {
                flags.permit |= alive;
            }
        }
        // The deciding rules of a row are its active deny rules if any, else its active permit
        // rules. They are placed row by row by counting first, so the work is one step per rule
        // and row where it decides.
        let deny_rows = flags.deny & !flags.give_up;
        let permit_rows = flags.permit & !flags.deny & !flags.give_up;
        let deciding_rows =
            |idx: usize, rows: u64| rows & if plan.denies[idx] { deny_rows } else { permit_rows };
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
            scratch.rule_rows = rule_rows;
            scratch.applied_rows = applied_rows;
            return flags;
        }
        // `starts` first counts the deciding rules of each row, then becomes where each row's
        // next rule goes, and ends as where each row's rules start.
        starts.resize(n + 1, 0);
        for (idx, rows) in rule_rows.iter().enumerate() {
            for row in fast::rows(deciding_rows(idx, *rows)) {
                starts[row + 1] += 1;
            }
        }
        for row in 0..n {
            starts[row + 1] += starts[row];
        }
        deciding.rules.resize(starts[n] as usize, RuleId(0));
        for (idx, rows) in rule_rows.iter().enumerate() {
            for row in fast::rows(deciding_rows(idx, *rows)) {
                deciding.rules[starts[row] as usize] = RuleId(idx as u32);
                starts[row] += 1;
            }
        }
        // Each row's next place is now where the next row's rules start.
        starts.rotate_right(1);
        starts[0] = 0;
        scratch.rule_rows = rule_rows;
        scratch.applied_rows = applied_rows;
        flags
    }

    /// Decides with the full evaluator, which knows what is missing, reports errors and explains.
    fn decide_full(&self, scratch: &mut Scratch, subject: u32) -> Result<Decision, Diagnostic> {
        let program = self.program;
        let law_date = match self.law_date(scratch, subject) {
            Ok(date) => date,
            Err(Flow::Unknown(missing)) => {
                // Without the date, which rules are in force is unknown: fail closed.
                return Ok(Decision {
                    subject,
                    verdict: Verdict::Undecided,
                    deciding: Vec::new(),
                    obligations: Vec::new(),
                    missing: sorted(missing),
                    // Which rules are in force is unknown, so no rule is waiting: only the date.
                    pending: Vec::new(),
                    law_date: None,
                    trace: self.options.explain.then(Trace::default),
                });
            }
            Err(Flow::Error(diagnostic)) => return Err(*diagnostic),
        };
        let n_rules = program.rules.len();
        // Reuse the per-decision buffers of the scratch space: no allocation once warm.
        let mut applies = std::mem::take(&mut scratch.applies);
        let mut active = std::mem::take(&mut scratch.active);
        applies.clear();
        if self.options.explain {
            applies.resize(n_rules, Ok(false));
        }
        active.clear();
        active.resize(n_rules, None);
        // With derivations: the parts recorded, and for each rule the range of its parts.
        let mut trace = self.options.explain.then(trace::Entries::default);
        let mut part_ranges: Vec<(u32, u32)> = if self.options.explain {
            vec![(0, 0); n_rules]
        } else {
            Vec::new()
        };
        let mut flags = Flags::default();
        for &rule_id in &program.rule_order {
            let rule = &program.rules[rule_id.idx()];
            if let Some(date) = law_date
                && !rule.in_force(date)
            {
                continue;
            }
            let first = trace.as_ref().map_or(0, trace::Entries::n_parts);
            let applied = match self.rule_applies(scratch, subject, rule_id, trace.as_mut()) {
                Ok(applied) => applied,
                Err(diagnostic) => {
                    scratch.applies = applies;
                    scratch.active = active;
                    return Err(*diagnostic);
                }
            };
            // Active(r) = A(r) and not (Active(e1) or Active(e2) or ...), in Kleene's logic.
            let value = if rule.defeated_by.is_empty() {
                applied.clone()
            } else {
                let defeated = rule
                    .defeated_by
                    .iter()
                    .filter_map(|exception| active[exception.idx()].clone())
                    .fold(Ok(false), kleene_or);
                kleene_and(applied.clone(), kleene_not(defeated))
            };
            match (rule.effect, &value) {
                (Effect::Deny, Ok(true)) => flags.deny_true = true,
                (Effect::Deny, Err(_)) => flags.deny_unknown = true,
                (Effect::Permit, Ok(true)) => flags.permit_true = true,
                (Effect::Permit, Err(_)) => flags.permit_unknown = true,
                (_, Ok(false)) => {}
            }
            if let Some(trace) = &trace {
                part_ranges[rule_id.idx()] = (first, trace.n_parts());
                applies[rule_id.idx()] = applied;
            }
            active[rule_id.idx()] = Some(value);
        }
        let mut decision = self.combine(subject, law_date, flags, &active);
        if let Some(mut trace) = trace {
            self.record_statuses(
                &mut trace,
                decision.verdict,
                &decision.deciding,
                &applies,
                &active,
                &part_ranges,
            );
            decision.trace = Some(Trace::from(trace));
        }
        scratch.applies = applies;
        scratch.active = active;
        Ok(decision)
    }

    fn law_date(&self, scratch: &mut Scratch, subject: u32) -> Result<Option<Date>, Flow> {
        if let LawDate::AsOf(date) = self.options.law {
            return Ok(Some(date));
        }
        let Some(expr) = self
            .program
            .subject
            .as_ref()
            .and_then(|subject| subject.date.as_ref())
        else {
            return Ok(None);
        };
        if !self.any_dated {
            return Ok(None);
        }
        scratch.steps = 0;
        scratch.values.clear();
        scratch.seqs.clear();
        let n_locals = self
            .program
            .subject
            .as_ref()
            .map_or(0, |subject| subject.n_locals);
        scratch.locals.clear();
        scratch.unknown_locals.clear();
        scratch.locals.resize(n_locals as usize, Value::None);
        let mut run = Run::new(self, scratch, subject);
        match run.eval(expr)? {
            Value::Date(date) => Ok(Some(date)),
            Value::None => Err(Flow::Error(Box::new(messages::no_date_value(expr.span)))),
            other => unreachable!("the checker typed the decision date as Date, got {other:?}"),
        }
    }

    /// Evaluates a rule's condition parts in order, stopping at the first false one.
    fn rule_applies(
        &self,
        scratch: &mut Scratch,
        subject: u32,
        rule_id: RuleId,
        mut trace: Option<&mut trace::Entries>,
    ) -> Result<Result<bool, Missing>, Box<Diagnostic>> {
        let rule = &self.program.rules[rule_id.idx()];
        let mut prepared = false;
        let mut unknown: Option<Missing> = None;
        for condition in &rule.conditions {
            if !prepared {
                // The budgets and scratch space of the full evaluator count per rule.
                scratch.steps = 0;
                scratch.values.clear();
                scratch.seqs.clear();
                scratch.locals.clear();
                scratch.unknown_locals.clear();
                scratch.locals.resize(rule.n_locals as usize, Value::None);
                prepared = true;
            }
            let mut run = Run::new(self, scratch, subject);
            let (result, operands) = match trace.as_deref_mut() {
                Some(trace) => run.eval_explained(&condition.expr, trace),
                None => (run.eval(&condition.expr), None),
            };
            let truth = match result {
                Ok(Value::Bool(value)) => Ok(value != condition.negated),
                Ok(other) => unreachable!("the checker typed a condition as Bool, got {other:?}"),
                Err(Flow::Unknown(missing)) => Err(missing),
                Err(Flow::Error(diagnostic)) => return Err(diagnostic),
            };
            if let Some(trace) = trace.as_deref_mut() {
                let missing = truth.as_ref().err().cloned().map(sorted).unwrap_or_default();
                trace.push_part(truth_of(&truth), operands, &missing);
            }
            match truth {
                Ok(true) => {}
                Ok(false) => return Ok(Ok(false)),
                Err(missing) => unknown.get_or_insert_with(Vec::new).extend(missing),
            }
        }
        Ok(unknown.map_or(Ok(true), Err))
    }

    /// Combines the rules' activity into a decision, following `docs/semantics.md`.
    fn combine(
        &self,
        subject: u32,
        law_date: Option<Date>,
        flags: Flags,
        active: &[Option<Result<bool, Missing>>],
    ) -> Decision {
        let program = self.program;
        let default = program
            .default
            .as_ref()
            .map_or(Effect::Deny, |default| default.effect);
        let Flags {
            deny_true,
            deny_unknown,
            permit_true,
            permit_unknown,
        } = flags;
        let rules_with = |effect: Effect| -> Vec<RuleId> {
            program
                .rules
                .iter()
                .zip(active)
                .enumerate()
                .filter(|(_, (rule, value))| rule.effect == effect && matches!(value, Some(Ok(true))))
                .map(|(idx, _)| RuleId(idx as u32))
                .collect()
        };
        let missing_of = |effect: Effect| -> Missing {
            program
                .rules
                .iter()
                .zip(active)
                .filter(|(rule, _)| rule.effect == effect)
                .filter_map(|(_, value)| value.as_ref().and_then(|value| value.as_ref().err()))
                .flatten()
                .copied()
                .collect()
        };
        // The rules of an undecided decision that wait: those of `effect` whose activity is
        // unknown, each with the facts behind it; or, with `waiting_on`, only the active ones,
        // each waiting on those facts (an unknown permit rule cannot change the outcome then).
        let active_of = |rule: RuleId| active[rule.idx()].as_ref();
        let pending_of = |effect: Effect, pending: &mut Vec<Pending>, waiting_on: Option<&Missing>| {
            for (idx, (rule, value)) in program.rules.iter().zip(active).enumerate() {
                if rule.effect != effect {
                    continue;
                }
                let (active, missing) = match (value, waiting_on) {
                    (Some(Err(missing)), None) => (Truth::Unknown, sorted(missing.clone())),
                    (Some(Ok(true)), Some(waiting_on)) => (Truth::True, waiting_on.clone()),
                    _ => continue,
                };
                let mut unknown_exceptions: Vec<RuleId> = rule
                    .defeated_by
                    .iter()
                    .copied()
                    .filter(|exception| matches!(active_of(*exception), Some(Err(_))))
                    .collect();
                unknown_exceptions.sort();
                pending.push(Pending {
                    rule: RuleId(idx as u32),
                    active,
                    missing,
                    unknown_exceptions,
                });
            }
        };
        let mut pending = Vec::new();
        let (verdict, deciding, missing) = if deny_true {
            (Verdict::Deny, rules_with(Effect::Deny), Vec::new())
        } else if deny_unknown {
            if default == Effect::Deny && !permit_true && !permit_unknown {
                // Every completion of the unknowns ends in deny: by a deny rule or by default.
                (Verdict::Deny, Vec::new(), Vec::new())
            } else if permit_true {
                // Only the unknown deny rules can change the outcome; the active permit rules
                // wait on them.
                let missing = sorted(missing_of(Effect::Deny));
                pending_of(Effect::Deny, &mut pending, None);
                pending_of(Effect::Permit, &mut pending, Some(&missing));
                (Verdict::Undecided, Vec::new(), missing)
            } else {
                let mut missing = missing_of(Effect::Deny);
                missing.extend(missing_of(Effect::Permit));
                pending_of(Effect::Deny, &mut pending, None);
                pending_of(Effect::Permit, &mut pending, None);
                (Verdict::Undecided, Vec::new(), missing)
            }
        } else if permit_true {
            (Verdict::Permit, rules_with(Effect::Permit), Vec::new())
        } else if permit_unknown {
            if default == Effect::Permit {
                (Verdict::Permit, Vec::new(), Vec::new())
            } else {
                pending_of(Effect::Permit, &mut pending, None);
                (Verdict::Undecided, Vec::new(), missing_of(Effect::Permit))
            }
        } else {
            (default.into(), Vec::new(), Vec::new())
        };
        // Source order, deny rules and permit rules mixed, as a reader finds them in the policy.
        pending.sort_by_key(|pending| pending.rule);
        let mut decision = Decision {
            subject,
            verdict,
            deciding,
            obligations: Vec::new(),
            missing: sorted(missing),
            pending,
            law_date,
            trace: None,
        };
        self.add_obligations(&mut decision);
        decision
    }

    /// A decision of the fast path, which meets no unknown: deny when some active rule denies,
    /// else permit when some permits, else the default.
    fn fast_verdict(&self, deny: bool, permit: bool) -> Verdict {
        if deny || (!permit && self.plan.default_deny) {
            Verdict::Deny
        } else {
            Verdict::Permit
        }
    }

    /// Attaches to a permit the obligations of its deciding rules, each once, in rule order.
    fn add_obligations(&self, decision: &mut Decision) {
        if decision.verdict != Verdict::Permit {
            return;
        }
        for rule in &decision.deciding {
            for obligation in &self.program.rules[rule.idx()].obligations {
                if !decision.obligations.contains(obligation) {
                    decision.obligations.push(*obligation);
                }
            }
        }
    }

    /// Records in a derivation of the full evaluator every rule's status, in source order, with
    /// the range of the parts recorded for it.
    fn record_statuses(
        &self,
        trace: &mut trace::Entries,
        verdict: Verdict,
        deciding: &[RuleId],
        applies: &[Result<bool, Missing>],
        active: &[Option<Result<bool, Missing>>],
        part_ranges: &[(u32, u32)],
    ) {
        for (idx, rule) in self.program.rules.iter().enumerate() {
            let rule_id = RuleId(idx as u32);
            let parts = part_ranges[idx];
            let is_active = |rule: RuleId| matches!(active[rule.idx()], Some(Ok(true)));
            let exceptions = &rule.defeated_by[..];
            let status = match &active[idx] {
                None => RuleStatus::NotInForce,
                Some(value) => status(
                    deciding.contains(&rule_id),
                    verdict,
                    value.as_ref().ok().copied(),
                    applies[idx].as_ref().ok().copied(),
                    exceptions.iter().any(|exception| is_active(*exception)),
                    // A rule that did not apply stopped at its false part, its last.
                    (parts.1 - parts.0).saturating_sub(1) as usize,
                ),
            };
            trace.push_rule(status, parts, exceptions, is_active);
        }
    }
}

/// The status of a rule in force, from what is known of it in one decision, the same for both
/// evaluators (docs/semantics.md, "Explanations"): whether it is among the deciding rules, the
/// decision's verdict, whether the rule is active and whether it applied (`None` when unknown),
/// whether an active exception defeats it, and the part that did not hold.
fn status(
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

fn truth_of(value: &Result<bool, Missing>) -> Truth {
    match value {
        Ok(true) => Truth::True,
        Ok(false) => Truth::False,
        Err(_) => Truth::Unknown,
    }
}

fn kleene_and(a: Result<bool, Missing>, b: Result<bool, Missing>) -> Result<bool, Missing> {
    match (a, b) {
        (Ok(false), _) | (_, Ok(false)) => Ok(false),
        (Ok(true), other) | (other, Ok(true)) => other,
        (Err(mut a), Err(b)) => {
            a.extend(b);
            Err(a)
        }
    }
}

fn kleene_or(a: Result<bool, Missing>, b: Result<bool, Missing>) -> Result<bool, Missing> {
    match (a, b) {
        (Ok(true), _) | (_, Ok(true)) => Ok(true),
        (Ok(false), other) | (other, Ok(false)) => other,
        (Err(mut a), Err(b)) => {
            a.extend(b);
            Err(a)
        }
    }
}

fn kleene_not(a: Result<bool, Missing>) -> Result<bool, Missing> {
    a.map(|value| !value)
}

fn sorted(mut missing: Missing) -> Missing {
    missing.sort_unstable();
    missing.dedup();
    missing
}

/// One evaluation of expressions for one subject, with its budgets.
struct Run<'e, 'a> {
    evaluator: &'e Evaluator<'a>,
    scratch: &'e mut Scratch,
    subject: u32,
    frame: usize,
}

impl<'e, 'a> Run<'e, 'a> {
    fn new(evaluator: &'e Evaluator<'a>, scratch: &'e mut Scratch, subject: u32) -> Run<'e, 'a> {
        Run {
            evaluator,
            scratch,
            subject,
            frame: 0,
        }
    }

    fn seq(&self, id: SeqId) -> &[Value] {
        self.evaluator.seq_in(id, self.scratch)
    }

    fn ty(&self, id: TypeId) -> Type {
        self.evaluator.program.types.get(id)
    }

    /// Evaluates a condition and, for a comparison or membership test, records its operands in
    /// the derivation; for a call that reaches such a test in a function's body
    /// ([`Program::shown_test`]), the operands of that test, as the call evaluated them.
    fn eval_explained(
        &mut self,
        expr: &Expr,
        trace: &mut trace::Entries,
    ) -> (Eval, Option<(trace::Stored, trace::Stored)>) {
        let (left, right) = match &expr.kind {
            ExprKind::Compare(_, left, right) | ExprKind::Subset(left, right) => (left, right),
            ExprKind::In { element, set, .. } => (element, set),
            ExprKind::Call(id, args) if self.evaluator.program.shown_test(expr).is_some() => {
                // The same steps and depth as `eval` counts for the call itself.
                if let Err(flow) = self.enter(expr.span) {
                    return (Err(flow), None);
                }
                let result = match self.call(*id, args, |run, body| run.eval_explained(body, trace)) {
                    Ok(explained) => explained,
                    Err(flow) => (Err(flow), None),
                };
                self.scratch.depth -= 1;
                return result;
            }
            _ => return (self.eval(expr), None),
        };
        let left_value = self.eval(left);
        let right_value = self.eval(right);
        let shown = (
            self.operand(&left_value, left.ty, trace),
            self.operand(&right_value, right.ty, trace),
        );
        // The result comes from the same evaluator; operands are evaluated again only in explain mode.
        (self.eval(expr), Some(shown))
    }

    fn operand(&self, value: &Eval, ty: TypeId, trace: &mut trace::Entries) -> trace::Stored {
        let of_facts = |id: SeqId| id.0 >> ARENA_SHIFT == ARENA_FACTS;
        match value {
            Ok(Value::Seq(id)) if !of_facts(*id) => {
                let elements = self.seq(*id);
                if elements
                    .iter()
                    .any(|element| matches!(element, Value::Seq(inner) if !of_facts(*inner)))
                {
                    trace.text(&crate::report::show_value(
                        self.evaluator.program,
                        self.evaluator.facts,
                        &|id| self.seq(id).to_vec(),
                        Value::Seq(*id),
                        ty,
                    ))
                } else {
                    trace.elements(elements)
                }
            }
            Ok(value) => trace::Stored::Value(*value),
            Err(Flow::Unknown(_)) => trace::Stored::Unknown,
            Err(Flow::Error(_)) => trace::Stored::Error,
        }
    }

    fn enter(&mut self, span: Span) -> Result<(), Flow> {
        let limits = &self.evaluator.options.limits;
        self.scratch.steps += 1;
        if self.scratch.steps > limits.max_steps {
            return Err(Flow::Error(Box::new(messages::step_limit(
                limits.max_steps,
                span,
            ))));
        }
        self.scratch.depth += 1;
        if self.scratch.depth > limits.max_depth {
            self.scratch.depth -= 1;
            return Err(Flow::Error(Box::new(messages::depth_limit(
                limits.max_depth,
                span,
            ))));
        }
        Ok(())
    }

    fn eval(&mut self, expr: &Expr) -> Eval {
        self.enter(expr.span)?;
        let result = self.eval_inner(expr);
        self.scratch.depth -= 1;
        result
    }

    fn eval_bool(&mut self, expr: &Expr) -> Result<bool, Flow> {
        match self.eval(expr)? {
            Value::Bool(value) => Ok(value),
            other => unreachable!("the checker typed {:?} as Bool, got {other:?}", expr.span),
        }
    }

    fn eval_inner(&mut self, expr: &Expr) -> Eval {
        let facts = self.evaluator.facts;
        match &expr.kind {
            ExprKind::Literal(value) => Ok(*value),
            ExprKind::Subject => Ok(Value::Record(self.subject)),
            ExprKind::Local(slot) => {
                let slot = self.frame + *slot as usize;
                match self
                    .scratch
                    .unknown_locals
                    .iter()
                    .rev()
                    .find(|(at, _)| *at == slot)
                {
                    Some((_, missing)) => Err(Flow::Unknown(missing.clone())),
                    None => Ok(self.scratch.locals[slot]),
                }
            }
            ExprKind::Const(id) => match &self.evaluator.consts[id.idx()] {
                Ok(value) => Ok(*value),
                Err(missing) => Err(Flow::Unknown(missing.clone())),
            },
            ExprKind::KeyRef(id) => Ok(Value::Record(facts.key_refs[id.idx()])),
            ExprKind::Field { base, record, field } => match self.eval(base)? {
                Value::Record(row) => match facts.cell(*record, row, *field) {
                    Some(value) => Ok(value),
                    None => Err(Flow::Unknown(vec![FactRef {
                        record: *record,
                        row,
                        field: *field,
                    }])),
                },
                Value::None => Err(Flow::Error(Box::new(messages::field_of_none(base.span)))),
                other => unreachable!("the checker typed a field's base as a record, got {other:?}"),
            },
            ExprKind::SetLiteral(elements) => {
                let mut values = Vec::with_capacity(elements.len());
                let mut missing: Option<Missing> = None;
                for element in elements {
                    match self.eval(element) {
                        Ok(value) => values.push(value),
                        Err(Flow::Unknown(more)) => missing.get_or_insert_with(Vec::new).extend(more),
                        Err(error) => return Err(error),
                    }
                }
                if let Some(missing) = missing {
                    return Err(Flow::Unknown(missing));
                }
                self.new_set(values, expr.span)
            }
            ExprKind::Call(id, args) => self.call(*id, args, |run, body| run.eval(body))?,
            ExprKind::Builtin(builtin, args) => self.eval_builtin(*builtin, args, expr.span),
            ExprKind::Not(inner) => Ok(Value::Bool(!self.eval_bool(inner)?)),
            ExprKind::Neg(inner) => match self.eval(inner)? {
                Value::Int(value) => value
                    .checked_neg()
                    .map(Value::Int)
                    .ok_or_else(|| Flow::Error(Box::new(messages::overflow(expr.span)))),
                other => unreachable!("the checker typed `-` on Int, got {other:?}"),
            },
            ExprKind::IsSome(inner) => Ok(Value::Bool(self.eval(inner)? != Value::None)),
            ExprKind::IsNone(inner) => Ok(Value::Bool(self.eval(inner)? == Value::None)),
            ExprKind::And(left, right) => self.eval_connective(left, right, false),
            ExprKind::Or(left, right) => self.eval_connective(left, right, true),
            ExprKind::Compare(op, left, right) => {
                let (left, right) = self.eval_pair(left, right)?;
                let ordering = self.compare(left, right);
                Ok(Value::Bool(match op {
                    CompareOp::Eq => ordering == Ordering::Equal,
                    CompareOp::Ne => ordering != Ordering::Equal,
                    CompareOp::Lt => ordering == Ordering::Less,
                    CompareOp::Le => ordering != Ordering::Greater,
                    CompareOp::Gt => ordering == Ordering::Greater,
                    CompareOp::Ge => ordering != Ordering::Less,
                }))
            }
            ExprKind::In {
                element,
                set,
                negated,
            } => {
                let is_set = matches!(self.ty(set.ty), Type::Set(_));
                let (element, set) = match (self.eval(element), self.eval(set)) {
                    // Nothing is in the empty set, and none is in no set, whatever is unknown.
                    (_, Ok(Value::Seq(id))) if self.seq(id).is_empty() => return Ok(Value::Bool(*negated)),
                    (Ok(Value::None), Err(Flow::Unknown(_))) => return Ok(Value::Bool(*negated)),
                    (Ok(element), Ok(set)) => (element, set),
                    (left, right) => return Err(merge_unknown(left, right)),
                };
                let Value::Seq(id) = set else {
                    unreachable!("the checker typed the right of `in` as a set, got {set:?}")
                };
                let found = if element == Value::None {
                    false
                } else if is_set {
                    self.seq(id)
                        .binary_search_by(|probe| self.compare(*probe, element))
                        .is_ok()
                } else {
                    self.seq(id)
                        .iter()
                        .any(|probe| self.compare(*probe, element) == Ordering::Equal)
                };
                Ok(Value::Bool(found != *negated))
            }
            ExprKind::Subset(left, right) => {
                let (left, right) = self.eval_pair(left, right)?;
                let (Value::Seq(left), Value::Seq(right)) = (left, right) else {
                    unreachable!("the checker typed `subset` operands as sets")
                };
                let right = self.seq(right);
                let all = self.seq(left).iter().all(|element| {
                    right
                        .binary_search_by(|probe| self.compare(*probe, *element))
                        .is_ok()
                });
                Ok(Value::Bool(all))
            }
            ExprKind::SetOp(op, left, right) => {
                let (left, right) = self.eval_pair(left, right)?;
                let (Value::Seq(left), Value::Seq(right)) = (left, right) else {
                    unreachable!("the checker typed set operands as sets")
                };
                let (left, right) = (self.seq(left), self.seq(right));
                let contains = |set: &[Value], element: &Value| {
                    set.binary_search_by(|probe| self.compare(*probe, *element))
                        .is_ok()
                };
                let values: Vec<Value> = match op {
                    SetOp::Union => left.iter().chain(right).copied().collect(),
                    SetOp::Intersect => left
                        .iter()
                        .filter(|element| contains(right, element))
                        .copied()
                        .collect(),
                    SetOp::Without => left
                        .iter()
                        .filter(|element| !contains(right, element))
                        .copied()
                        .collect(),
                };
                self.new_set(values, expr.span)
            }
            ExprKind::Arith(op, left, right) => {
                let (left, right) = self.eval_pair(left, right)?;
                let (Value::Int(left), Value::Int(right)) = (left, right) else {
                    unreachable!("the checker typed arithmetic operands as Int")
                };
                let result = match op {
                    ArithOp::Add => left.checked_add(right),
                    ArithOp::Sub => left.checked_sub(right),
                    ArithOp::Mul => left.checked_mul(right),
                };
                result
                    .map(Value::Int)
                    .ok_or_else(|| Flow::Error(Box::new(messages::overflow(expr.span))))
            }
            ExprKind::Quantified {
                quantifier,
                slot,
                set,
                body,
            } => {
                let Value::Seq(id) = self.eval(set)? else {
                    unreachable!("the checker typed a quantifier's range as a set")
                };
                let n_elements = self.seq(id).len();
                let mut missing: Option<Missing> = None;
                // `any` looks for a true element, `all` for a false one; either settles the result.
                let settles = *quantifier == Quantifier::Any;
                for idx in 0..n_elements {
                    let element = self.seq(id)[idx];
                    self.scratch.locals[self.frame + *slot as usize] = element;
                    match self.eval_bool(body) {
                        Ok(value) if value == settles => return Ok(Value::Bool(settles)),
                        Ok(_) => {}
                        Err(Flow::Unknown(more)) => missing.get_or_insert_with(Vec::new).extend(more),
                        Err(error) => return Err(error),
                    }
                }
                match missing {
                    Some(missing) => Err(Flow::Unknown(missing)),
                    None => Ok(Value::Bool(!settles)),
                }
            }
            ExprKind::If(condition, then, otherwise) => match self.eval_bool(condition) {
                Ok(true) => self.eval(then),
                Ok(false) => self.eval(otherwise),
                Err(Flow::Unknown(mut missing)) => {
                    // Both branches may still agree; otherwise the value is unknown.
                    let (then, otherwise) = (self.eval(then), self.eval(otherwise));
                    match (then, otherwise) {
                        (Ok(a), Ok(b)) if self.compare(a, b) == Ordering::Equal => Ok(a),
                        (Err(Flow::Error(error)), _) | (_, Err(Flow::Error(error))) => {
                            Err(Flow::Error(error))
                        }
                        (a, b) => {
                            // Both branches may be known and differ: then only the condition is missing.
                            for branch in [a, b] {
                                if let Err(Flow::Unknown(more)) = branch {
                                    missing.extend(more);
                                }
                            }
                            Err(Flow::Unknown(missing))
                        }
                    }
                }
                Err(error) => Err(error),
            },
        }
    }

    /// Calls a function: evaluates every argument first (eagerly, so an argument that fails
    /// fails the call even if the body never reads it), binds them to the parameters, an unknown
    /// argument as an unknown parameter that carries its missing facts, and gives the body to
    /// `body` in the new frame. The call's value is thus the body's, in Kleene's logic: a body
    /// that does not need an unknown argument gives a known value.
    fn call<R>(
        &mut self,
        id: FnId,
        args: &[Expr],
        body: impl FnOnce(&mut Self, &Expr) -> R,
    ) -> Result<R, Flow> {
        let function = &self.evaluator.program.functions[id.idx()];
        let mut values = Vec::with_capacity(args.len());
        for arg in args {
            match self.eval(arg) {
                Err(Flow::Error(error)) => return Err(Flow::Error(error)),
                value => values.push(value),
            }
        }
        let frame = self.scratch.locals.len();
        let n_unknown = self.scratch.unknown_locals.len();
        self.scratch
            .locals
            .resize(frame + function.n_locals as usize, Value::None);
        for (slot, value) in values.into_iter().enumerate() {
            match value {
                Ok(value) => self.scratch.locals[frame + slot] = value,
                Err(Flow::Unknown(missing)) => self.scratch.unknown_locals.push((frame + slot, missing)),
                Err(Flow::Error(_)) => unreachable!("an argument that failed returned above"),
            }
        }
        let saved = std::mem::replace(&mut self.frame, frame);
        let result = body(self, &function.body);
        self.frame = saved;
        self.scratch.locals.truncate(frame);
        self.scratch.unknown_locals.truncate(n_unknown);
        Ok(result)
    }

    /// `and` (when `dominant` is false) or `or` (when it is true) in Kleene's logic: the dominant
    /// value on either side settles it; an unknown side otherwise makes it unknown.
    fn eval_connective(&mut self, left: &Expr, right: &Expr, dominant: bool) -> Eval {
        match self.eval_bool(left) {
            Ok(value) if value == dominant => Ok(Value::Bool(dominant)),
            Ok(_) => self.eval(right),
            Err(Flow::Unknown(mut missing)) => match self.eval_bool(right) {
                Ok(value) if value == dominant => Ok(Value::Bool(dominant)),
                Ok(_) => Err(Flow::Unknown(missing)),
                Err(Flow::Unknown(more)) => {
                    missing.extend(more);
                    Err(Flow::Unknown(missing))
                }
                Err(error) => Err(error),
            },
            Err(error) => Err(error),
        }
    }

    /// Evaluates both operands; if either is unknown, the result is unknown with both operands' missing facts.
    fn eval_pair(&mut self, left: &Expr, right: &Expr) -> Result<(Value, Value), Flow> {
        match (self.eval(left), self.eval(right)) {
            (Ok(left), Ok(right)) => Ok((left, right)),
            (left, right) => Err(merge_unknown(left, right)),
        }
    }

    fn eval_builtin(&mut self, builtin: Builtin, args: &[Expr], span: Span) -> Eval {
        let mut values = [Value::None; 2];
        let mut missing: Option<Missing> = None;
        for (idx, arg) in args.iter().enumerate().take(2) {
            match self.eval(arg) {
                Ok(value) => values[idx] = value,
                Err(Flow::Unknown(more)) => missing.get_or_insert_with(Vec::new).extend(more),
                Err(error) => return Err(error),
            }
        }
        if let Some(missing) = missing {
            return Err(Flow::Unknown(missing));
        }
        match (builtin, values) {
            (Builtin::Size, [Value::Seq(id), _]) => Ok(Value::Int(self.seq(id).len() as i64)),
            (Builtin::Year, [Value::Date(date), _]) => Ok(Value::Int(i64::from(date.year()))),
            (Builtin::DaysBetween, [Value::Date(from), Value::Date(to)]) => {
                Ok(Value::Int(i64::from(to.0) - i64::from(from.0)))
            }
            (Builtin::AddDays, [Value::Date(date), Value::Int(days)]) => i32::try_from(days)
                .ok()
                .and_then(|days| date.0.checked_add(days))
                .map(Date)
                .filter(|date| (1..=9999).contains(&date.year()))
                .map(Value::Date)
                .ok_or_else(|| Flow::Error(Box::new(messages::date_out_of_range(span)))),
            (builtin, values) => {
                unreachable!("the checker typed {} arguments, got {values:?}", builtin.name())
            }
        }
    }

    /// A new set in scratch space: sorted, deduplicated, within the size limit.
    fn new_set(&mut self, mut values: Vec<Value>, span: Span) -> Eval {
        let limit = self.evaluator.options.limits.max_set_size;
        values.sort_by(|a, b| self.compare(*a, *b));
        values.dedup_by(|a, b| self.compare(*a, *b) == Ordering::Equal);
        if values.len() > limit {
            return Err(Flow::Error(Box::new(messages::set_too_large(limit, span))));
        }
        let start = self.scratch.values.len() as u32;
        self.scratch.values.extend_from_slice(&values);
        self.scratch.seqs.push((start, values.len() as u32));
        Ok(Value::Seq(seq_id(ARENA_SCRATCH, self.scratch.seqs.len() - 1)))
    }

    /// A total order on values of one type; sets and lists compare by content.
    fn compare(&self, a: Value, b: Value) -> Ordering {
        match (a, b) {
            (Value::Seq(a), Value::Seq(b)) => {
                let (a, b) = (self.seq(a), self.seq(b));
                for (x, y) in a.iter().zip(b) {
                    let ordering = self.compare(*x, *y);
                    if ordering != Ordering::Equal {
                        return ordering;
                    }
                }
                a.len().cmp(&b.len())
            }
            (a, b) => a.cmp(&b),
        }
    }
}

fn merge_unknown(left: Eval, right: Eval) -> Flow {
    match (left, right) {
        (Err(Flow::Error(error)), _) | (_, Err(Flow::Error(error))) => Flow::Error(error),
        (Err(Flow::Unknown(mut a)), Err(Flow::Unknown(b))) => {
            a.extend(b);
            Flow::Unknown(a)
        }
        (Err(flow), Ok(_)) | (Ok(_), Err(flow)) => flow,
        (Ok(_), Ok(_)) => unreachable!("merge_unknown is only called when an operand is not known"),
    }
}
