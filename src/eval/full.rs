//! The full evaluator: Kleene three-valued evaluation of checked expressions against facts,
//! with the missing facts behind every unknown, errors as diagnostics, budgets on steps, depth
//! and set sizes, and derivations recorded in the same pass. It decides every subject the fast
//! path gives up on, and evaluates the constants and single expressions (`eval_expr`).

use std::cmp::Ordering;
use std::sync::Arc;

use crate::check::ir::{
    Builtin, CompareOp, Effect, Expr, ExprKind, FnId, Program, Quantifier, RuleId, Type, TypeId,
};
use crate::diagnostic::Diagnostic;
use crate::facts::Facts;
use crate::source::Span;
use crate::value::{Date, SeqId, Value};

use super::arena::{ARENA_CONSTS, ARENA_FACTS, ARENA_SCRATCH, ARENA_SHIFT, INDEX_MASK, seq_id};
use super::decide::{self, Flags, kleene_and, kleene_not, kleene_or, sorted, truth_of};
use super::decision::{Decision, LawDate, Options};
use super::lookup::FactIndexes;
use super::messages;
use super::ops::{self, OpError};
use super::text::{self, TextError, TextResult};
use super::trace::{self, Trace};
use super::truth::{FactRef, Missing, RuleStatus, Verdict};

/// Why evaluation of an expression did not give a known value.
#[derive(Debug)]
pub(crate) enum Flow {
    /// The value depends on these missing facts.
    Unknown(Missing),
    /// Evaluation failed; the decision fails closed.
    Error(Box<Diagnostic>),
}

/// The subject of an evaluation that has none (a constant, an expression alone): reading it is
/// an error, never a row.
pub(crate) const NO_SUBJECT: u32 = u32::MAX;

/// A value, or why there is none.
pub(crate) type Eval = Result<Value, Flow>;

/// The law's date for one subject: one day, or the days a date known only to the year or the
/// month may be, with the fact behind it.
struct LawDay {
    first: Date,
    last: Date,
    missing: Missing,
}

impl LawDay {
    fn exact_day(date: Date) -> LawDay {
        LawDay {
            first: date,
            last: date,
            missing: Vec::new(),
        }
    }

    /// The day, if it is one.
    fn exact(&self) -> Option<Date> {
        (self.first == self.last).then_some(self.first)
    }

    /// Whether a rule in force from `effective` until `until` is in force on every day the date
    /// may be (true), on none (false), or on some only (unknown).
    fn in_force(&self, effective: Option<Date>, until: Option<Date>) -> Option<bool> {
        let on = |day: Date| crate::check::ir::in_force(effective, until, day);
        if on(self.first) && on(self.last) {
            return Some(true);
        }
        let before = effective.is_some_and(|from| self.last < from);
        let after = until.is_some_and(|to| self.first >= to);
        let empty = matches!((effective, until), (Some(from), Some(to)) if from >= to);
        if before || after || empty {
            return Some(false);
        }
        // The rule comes into force or lapses on a day within the period.
        None
    }
}

/// The working memory of the full evaluator, one per thread, reused from decision to decision so
/// that deciding allocates nothing once warm. The budgets (`steps`, `depth`), the locals and the
/// sets built (`values`, `seqs`) belong to one rule's evaluation and are reset before each rule,
/// each constant and each expression; `applies` and `active` belong to one decision.
#[derive(Debug, Default)]
pub(crate) struct FullScratch {
    /// Per rule, whether it applied (with derivations only).
    applies: Vec<Result<bool, Missing>>,
    /// Per rule, whether it is active; `None` when it is not in force.
    active: Vec<Option<Result<bool, Missing>>>,
    /// The locals of every frame of calls, one after the other.
    locals: Vec<Value>,
    /// The parameters whose argument is unknown, by their place in `locals`, with the facts
    /// behind them; the entries of a call are dropped when it returns.
    unknown_locals: Vec<(usize, Missing)>,
    /// The elements of the sets and lists built, one after the other.
    values: Vec<Value>,
    /// Each set or list built: where its elements start in `values`, and how many.
    seqs: Vec<(u32, u32)>,
    /// The facts the partial dates read were read from, by the index a `PartialDate` keeps,
    /// so that a comparison a partial date leaves unknown can name the fact as missing.
    origins: Vec<FactRef>,
    steps: u64,
    depth: u32,
}

impl FullScratch {
    /// Starts an evaluation with a budget of its own: no step taken, no set built, `n_locals`
    /// locals.
    pub(crate) fn reset(&mut self, n_locals: u32) {
        self.steps = 0;
        self.depth = 0;
        self.values.clear();
        self.seqs.clear();
        self.origins.clear();
        self.locals.clear();
        self.unknown_locals.clear();
        self.locals.resize(n_locals as usize, Value::None);
    }
}

/// The full evaluator of one program against one set of facts, with the constants evaluated.
pub(crate) struct FullEvaluator<'a> {
    pub(crate) program: &'a Program,
    pub(crate) facts: &'a Facts,
    pub(crate) options: Options,
    /// The constants' values, or the facts missing behind them.
    pub(crate) consts: Vec<Result<Value, Missing>>,
    /// The sets and lists the constants built.
    pub(crate) const_seqs: Vec<Arc<[Value]>>,
    /// Whether some rule has dates, so that the law's date matters.
    pub(crate) any_dated: bool,
    /// The facts of the types the program ranges over or looks up, indexed.
    indexes: FactIndexes,
    /// The set each record type's name stands for, in the constant arena.
    fact_sets: std::collections::HashMap<crate::check::ir::RecordId, Value>,
}

impl<'a> FullEvaluator<'a> {
    /// Evaluates the constants, each once, within the budgets of the options.
    pub(crate) fn new(
        program: &'a Program,
        facts: &'a Facts,
        options: Options,
        any_dated: bool,
    ) -> Result<FullEvaluator<'a>, Diagnostic> {
        FullEvaluator::for_expr(program, facts, options, any_dated, None)
    }

    /// [`FullEvaluator::new`], ready also for `extra`, an expression that is no part of the
    /// program (one typed at a prompt), whose lookups and facts of a type get their indexes too.
    pub(crate) fn for_expr(
        program: &'a Program,
        facts: &'a Facts,
        options: Options,
        any_dated: bool,
        extra: Option<&Expr>,
    ) -> Result<FullEvaluator<'a>, Diagnostic> {
        let mut evaluator = FullEvaluator {
            program,
            facts,
            options,
            consts: Vec::with_capacity(program.consts.len()),
            const_seqs: Vec::new(),
            any_dated,
            indexes: FactIndexes::new(program, facts, extra),
            fact_sets: std::collections::HashMap::new(),
        };
        let mut ranged: Vec<_> = evaluator.indexes.all.keys().copied().collect();
        ranged.sort_unstable();
        for record in ranged {
            let rows = std::mem::take(evaluator.indexes.all.get_mut(&record).expect("listed above"));
            evaluator.const_seqs.push(rows.into());
            let id = seq_id(ARENA_CONSTS, evaluator.const_seqs.len() - 1);
            evaluator.fact_sets.insert(record, Value::Seq(id));
        }
        let mut scratch = FullScratch::default();
        for def in &program.consts {
            scratch.reset(def.n_locals);
            let mut run = FullEval::new(&evaluator, &mut scratch, NO_SUBJECT);
            let value = match run.eval(&def.value) {
                Ok(value) => Ok(evaluator.persist(value, &scratch)),
                Err(Flow::Unknown(missing)) => Err(missing),
                Err(Flow::Error(diagnostic)) => return Err(*diagnostic),
            };
            evaluator.consts.push(value);
        }
        Ok(evaluator)
    }

    /// Moves a constant's runtime-built sets into the constant arena so they outlive the scratch space.
    fn persist(&mut self, value: Value, scratch: &FullScratch) -> Value {
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

    /// The elements of a set or list, wherever it lives.
    pub(crate) fn seq_in<'s>(&'s self, id: SeqId, scratch: &'s FullScratch) -> &'s [Value] {
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

    /// Decides with the full evaluator, which knows what is missing, reports errors and explains.
    pub(crate) fn decide_full(
        &self,
        scratch: &mut FullScratch,
        subject: u32,
    ) -> Result<Decision, Diagnostic> {
        let program = self.program;
        let law_day = match self.law_day(scratch, subject) {
            Ok(day) => day,
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
        // A law date known only to the year or month leaves exact dates of the law to decide.
        let law_date = law_day.as_ref().and_then(LawDay::exact);
        let mut flags = Flags::default();
        for &rule_id in &program.rule_order {
            let rule = &program.rules[rule_id.idx()];
            // Whether the rule is in force on the law's date: unknown when it comes into force or
            // lapses on a day within a partial date.
            let in_force = match &law_day {
                Some(day) => match day.in_force(rule.effective, rule.until) {
                    Some(false) => continue,
                    Some(true) => Ok(true),
                    None => Err(day.missing.clone()),
                },
                None => Ok(true),
            };
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
            let value = kleene_and(in_force, value);
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
        let mut decision = decide::combine(program, subject, law_date, flags, &active);
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

    /// The law's date for a subject: a day, or the days a partial date may be, with the fact
    /// it was read from; `None` when no rule has dates or no date is declared.
    fn law_day(&self, scratch: &mut FullScratch, subject: u32) -> Result<Option<LawDay>, Flow> {
        if let LawDate::AsOf(date) = self.options.law {
            return Ok(Some(LawDay::exact_day(date)));
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
        let n_locals = self
            .program
            .subject
            .as_ref()
            .map_or(0, |subject| subject.n_locals);
        scratch.reset(n_locals);
        let mut run = FullEval::new(self, scratch, subject);
        match run.eval(expr)? {
            Value::Date(date) => Ok(Some(LawDay::exact_day(date))),
            Value::Partial(date) => Ok(Some(LawDay {
                first: date.first(),
                last: date.last(),
                missing: run.partial_missing(&[Value::Partial(date)]),
            })),
            Value::None => Err(Flow::Error(Box::new(messages::no_date_value(expr.span)))),
            other => unreachable!("the checker typed the decision date as Date, got {other:?}"),
        }
    }

    /// Evaluates a rule's condition parts in order, stopping at the first false one.
    pub(crate) fn rule_applies(
        &self,
        scratch: &mut FullScratch,
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
                scratch.reset(rule.n_locals);
                prepared = true;
            }
            let mut run = FullEval::new(self, scratch, subject);
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
                Some(value) => super::truth::status(
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

/// One evaluation of expressions for one subject, with its budgets.
pub(crate) struct FullEval<'e, 'a> {
    evaluator: &'e FullEvaluator<'a>,
    scratch: &'e mut FullScratch,
    subject: u32,
    frame: usize,
}

impl<'e, 'a> FullEval<'e, 'a> {
    /// Starts evaluating for a subject (any row when there is none), in the frame of locals
    /// the caller sized.
    pub(crate) fn new(
        evaluator: &'e FullEvaluator<'a>,
        scratch: &'e mut FullScratch,
        subject: u32,
    ) -> FullEval<'e, 'a> {
        FullEval {
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
                    trace.text(&crate::show::show_value(
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

    /// Evaluates an expression within the budgets.
    pub(crate) fn eval(&mut self, expr: &Expr) -> Eval {
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
            ExprKind::Subject if self.subject == NO_SUBJECT => {
                Err(Flow::Error(Box::new(messages::no_subject_given(expr.span))))
            }
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
                    Some(Value::Partial(date)) => {
                        let origin = u32::try_from(self.scratch.origins.len()).unwrap_or(u32::MAX);
                        self.scratch.origins.push(FactRef {
                            record: *record,
                            row,
                            field: *field,
                        });
                        Ok(Value::Partial(date.with_origin(origin)))
                    }
                    // A set or list of dates some known only to the year or month: its elements
                    // remember the field, as a partial date read alone does.
                    Some(Value::Seq(id))
                        if self
                            .seq(id)
                            .iter()
                            .any(|value| matches!(value, Value::Partial(_))) =>
                    {
                        let origin = u32::try_from(self.scratch.origins.len()).unwrap_or(u32::MAX);
                        self.scratch.origins.push(FactRef {
                            record: *record,
                            row,
                            field: *field,
                        });
                        let stamped: Vec<Value> = self
                            .seq(id)
                            .iter()
                            .map(|value| match value {
                                Value::Partial(date) => Value::Partial(date.with_origin(origin)),
                                other => *other,
                            })
                            .collect();
                        // The same origin on every element keeps a set's order.
                        self.new_list(stamped, expr.span)
                    }
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
            ExprKind::Neg(inner) if self.ty(expr.ty) == Type::Decimal => {
                let value = self.eval(inner)?;
                self.decimal_result(ops::decimal_negate(value), expr.span)
            }
            ExprKind::Neg(inner) => match self.eval(inner)? {
                Value::Int(value) => ops::negate(value)
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
                if let Some(ordering) = ops::compare_numbers(left, right) {
                    return Ok(Value::Bool(ops::holds(*op, ordering)));
                }
                if matches!(left, Value::Partial(_)) || matches!(right, Value::Partial(_)) {
                    return self.compare_partial(*op, left, right);
                }
                Ok(Value::Bool(ops::holds(*op, self.compare(left, right))))
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
                let elements = self.seq(id);
                if matches!(element, Value::Partial(_))
                    || elements.iter().any(|probe| matches!(probe, Value::Partial(_)))
                {
                    return self.partial_in(element, id, *negated);
                }
                let found = element != Value::None
                    && ops::contains(elements, is_set, |probe| self.compare(*probe, element));
                Ok(Value::Bool(found != *negated))
            }
            ExprKind::Subset(left, right) => {
                let (left, right) = self.eval_pair(left, right)?;
                let (Value::Seq(left), Value::Seq(right)) = (left, right) else {
                    unreachable!("the checker typed `subset` operands as sets")
                };
                let all = ops::subset(self.seq(left), self.seq(right), |a, b| self.compare(a, b));
                Ok(Value::Bool(all))
            }
            ExprKind::SetOp(op, left, right) => {
                let (left, right) = self.eval_pair(left, right)?;
                let (Value::Seq(left), Value::Seq(right)) = (left, right) else {
                    unreachable!("the checker typed set operands as sets")
                };
                let values = ops::set_op(*op, self.seq(left), self.seq(right), |a, b| self.compare(a, b));
                self.new_set(values, expr.span)
            }
            ExprKind::Arith(op, left, right) if self.ty(expr.ty) == Type::Decimal => {
                let (left, right) = self.eval_pair(left, right)?;
                self.decimal_result(ops::decimal_arith(*op, left, right), expr.span)
            }
            ExprKind::Arith(op, left, right) => {
                let (left, right) = self.eval_pair(left, right)?;
                let (Value::Int(left), Value::Int(right)) = (left, right) else {
                    unreachable!("the checker typed arithmetic operands as Int")
                };
                ops::arith(*op, left, right)
                    .map(Value::Int)
                    .ok_or_else(|| Flow::Error(Box::new(messages::overflow(expr.span))))
            }
            ExprKind::Lookup { record, keys, lookup } => self.eval_lookup(*record, *lookup, keys),
            ExprKind::FactsOf { record, .. } => Ok(*self
                .evaluator
                .fact_sets
                .get(record)
                .expect("a set is made for every record type the program ranges over")),
            ExprKind::Quantified {
                quantifier,
                slot,
                set,
                body,
            } => {
                if let ExprKind::FactsOf {
                    record,
                    index: Some((field, key)),
                } = &set.kind
                {
                    // Only the facts whose field is the key, or unknown, can make the body
                    // anything but false; a key that is not known leaves every fact to the body.
                    if let Ok(value) = self.eval(key) {
                        let evaluator = self.evaluator;
                        let (matching, unknown) = evaluator.indexes.field(*record, *field).candidates(value);
                        let n_elements = matching.len() + unknown.len();
                        let element = |idx: usize| {
                            Value::Record(match matching.get(idx) {
                                Some(row) => *row,
                                None => unknown[idx - matching.len()],
                            })
                        };
                        return self.quantify(*quantifier, *slot, body, n_elements, |_, idx| element(idx));
                    }
                }
                let Value::Seq(id) = self.eval(set)? else {
                    unreachable!("the checker typed a quantifier's range as a set")
                };
                let n_elements = self.seq(id).len();
                self.quantify(*quantifier, *slot, body, n_elements, |run, idx| run.seq(id)[idx])
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

    /// `any` or `all` over `n_elements` elements, the element at each index given by `element`.
    fn quantify(
        &mut self,
        quantifier: Quantifier,
        slot: u32,
        body: &Expr,
        n_elements: usize,
        element: impl Fn(&Self, usize) -> Value,
    ) -> Eval {
        let mut missing: Option<Missing> = None;
        // `any` looks for a true element, `all` for a false one; either settles the result.
        let settles = quantifier == Quantifier::Any;
        let mut settled = false;
        // Every element is visited even once one settles the result: the order of a set's
        // elements follows how its values were interned or read, so stopping early would
        // let that order decide whether a later element's failure fails the decision
        // (docs/semantics.md, Errors).
        for idx in 0..n_elements {
            let value = element(self, idx);
            self.scratch.locals[self.frame + slot as usize] = value;
            match self.eval_bool(body) {
                Ok(value) if value == settles => settled = true,
                Ok(_) => {}
                Err(Flow::Unknown(more)) => {
                    if !settled {
                        missing.get_or_insert_with(Vec::new).extend(more);
                    }
                }
                Err(error) => return Err(error),
            }
        }
        match missing {
            _ if settled => Ok(Value::Bool(settles)),
            Some(missing) => Err(Flow::Unknown(missing)),
            None => Ok(Value::Bool(!settles)),
        }
    }

    /// `Record[a, b]`: the fact with the key the expressions compute. A key no fact has is
    /// unknown, as a key reference no fact has reads as unknown, and the missing fact names the
    /// key (`ConflictYear["Mali", 2014]`).
    fn eval_lookup(&mut self, record: crate::check::ir::RecordId, lookup: u32, keys: &[Expr]) -> Eval {
        let mut values = Vec::with_capacity(keys.len());
        let mut missing: Option<Missing> = None;
        for key in keys {
            match self.eval(key) {
                Ok(value) => values.push(value),
                Err(Flow::Unknown(more)) => missing.get_or_insert_with(Vec::new).extend(more),
                Err(error) => return Err(error),
            }
        }
        if let Some(missing) = missing {
            return Err(Flow::Unknown(missing));
        }
        let facts = self.evaluator.facts;
        match self.evaluator.indexes.find(facts, record, &values) {
            Some(row) => Ok(Value::Record(row)),
            None => Err(Flow::Unknown(vec![FactRef {
                record,
                row: facts.missed.row(record, &values, lookup),
                field: 0,
            }])),
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
        let mut values = [Value::None; 3];
        let mut missing: Option<Missing> = None;
        for (idx, arg) in args.iter().enumerate().take(3) {
            match self.eval(arg) {
                Ok(value) => values[idx] = value,
                Err(Flow::Unknown(more)) => missing.get_or_insert_with(Vec::new).extend(more),
                Err(error) => return Err(error),
            }
        }
        if let Some(missing) = missing {
            return Err(Flow::Unknown(missing));
        }
        if builtin.is_text() {
            return match text::text_builtin(builtin, &values[..args.len()], &self.evaluator.facts.interner) {
                Ok(TextResult::Value(value)) => Ok(value),
                Ok(TextResult::Pieces(pieces)) => self.new_list(pieces, span),
                Err(error) => Err(Flow::Error(Box::new(messages::bad_text_argument(
                    builtin.name(),
                    error == TextError::EmptyPattern,
                    span,
                )))),
            };
        }
        let [first, second, _] = values;
        match ops::builtin(builtin, first, second, |id| Some(self.seq(id))) {
            Some(Ok(value)) => Ok(value),
            Some(Err(OpError::DateOutOfRange)) => {
                Err(Flow::Error(Box::new(messages::date_out_of_range(span))))
            }
            Some(Err(OpError::Overflow)) => Err(Flow::Error(Box::new(messages::overflow(span)))),
            Some(Err(OpError::Decimal(error))) => {
                Err(Flow::Error(Box::new(messages::decimal_overflow(error, span))))
            }
            // The day of a partial date is what is missing.
            Some(Err(OpError::Partial)) => Err(Flow::Unknown(self.partial_missing(&[first, second]))),
            Some(Err(OpError::EmptyAggregate)) => Err(Flow::Error(Box::new(messages::empty_aggregate(
                builtin.name(),
                span,
            )))),
            None => unreachable!("the checker typed {} arguments, got {values:?}", builtin.name()),
        }
    }

    /// A number of type `Decimal`, or the error its arithmetic gave.
    fn decimal_result(&self, result: Option<Result<Value, OpError>>, span: Span) -> Eval {
        match result {
            Some(Ok(value)) => Ok(value),
            Some(Err(OpError::Decimal(error))) => {
                Err(Flow::Error(Box::new(messages::decimal_overflow(error, span))))
            }
            Some(Err(error)) => unreachable!("decimal arithmetic fails only by its digits, got {error:?}"),
            None => unreachable!("the checker typed decimal operands as numbers"),
        }
    }

    /// The facts behind the partial dates among `values`: their days are what is missing.
    fn partial_missing(&self, values: &[Value]) -> Missing {
        values
            .iter()
            .filter_map(|value| match value {
                Value::Partial(date) => date.origin(),
                _ => None,
            })
            .filter_map(|origin| self.scratch.origins.get(origin as usize).copied())
            .collect()
    }

    /// A comparison with a partial date: known when every day it may be gives the same answer,
    /// else unknown, missing the fact the partial date was read from.
    fn compare_partial(&self, op: CompareOp, left: Value, right: Value) -> Eval {
        let (Some(a), Some(b)) = (ops::date_span(left), ops::date_span(right)) else {
            unreachable!("the checker typed both operands of a date comparison as Date")
        };
        match ops::compare_dates(op, a, b) {
            Some(holds) => Ok(Value::Bool(holds)),
            None => Err(Flow::Unknown(self.partial_missing(&[left, right]))),
        }
    }

    /// `x in S` where `x` or an element of `S` is a partial date: true if some element is
    /// surely equal, unknown if some may be, else false.
    fn partial_in(&self, element: Value, id: SeqId, negated: bool) -> Eval {
        let mut maybe: Vec<Value> = Vec::new();
        for probe in self.seq(id) {
            let (Some(a), Some(b)) = (ops::date_span(element), ops::date_span(*probe)) else {
                continue;
            };
            match ops::compare_dates(CompareOp::Eq, a, b) {
                Some(true) => return Ok(Value::Bool(!negated)),
                Some(false) => {}
                None => maybe.push(*probe),
            }
        }
        if maybe.is_empty() {
            return Ok(Value::Bool(negated));
        }
        maybe.push(element);
        Err(Flow::Unknown(self.partial_missing(&maybe)))
    }

    /// A new list in scratch space, in the order given, within the size limit.
    fn new_list(&mut self, values: Vec<Value>, span: Span) -> Eval {
        let limit = self.evaluator.options.limits.max_set_size;
        if values.len() > limit {
            return Err(Flow::Error(Box::new(messages::set_too_large(limit, span))));
        }
        let start = self.scratch.values.len() as u32;
        self.scratch.values.extend_from_slice(&values);
        self.scratch.seqs.push((start, values.len() as u32));
        Ok(Value::Seq(seq_id(ARENA_SCRATCH, self.scratch.seqs.len() - 1)))
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
