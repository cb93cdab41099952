//! The fast path of evaluation: the conditions of eligible rules, compiled once into closures that
//! evaluate to a plain `Option<Value>` with no bookkeeping. A closure gives up (`None`) at the
//! first unknown fact, error or construct it does not handle, and the full evaluator then
//! evaluates that condition again, so results, missing facts and errors are always the full
//! evaluator's.

use super::{ARENA_CONSTS, ARENA_FACTS, ARENA_SHIFT, Evaluator, INDEX_MASK, Limits};
use crate::check::ir::{ArithOp, Builtin, CompareOp, Expr, ExprKind, FnId, Program, Type};
use crate::value::{Date, SeqId, Value};

/// For each rule, whether every condition may take the fast path: no quantifier, no set built
/// at run time, and static bounds on steps and depth within the limits, so the budgets the full
/// evaluator enforces can never be exceeded on the fast path.
pub(super) fn eligible_rules(program: &Program, limits: &Limits) -> Vec<bool> {
    let mut functions: Vec<Option<Option<Bounds>>> = vec![None; program.functions.len()];
    program
        .rules
        .iter()
        .map(|rule| {
            let mut steps: u64 = 0;
            let mut depth: u64 = 0;
            for condition in &rule.conditions {
                let Some(bounds) = bounds(program, &condition.expr, &mut functions, 0) else {
                    return false;
                };
                steps = steps.saturating_add(bounds.steps);
                depth = depth.max(bounds.depth);
            }
            steps <= limits.max_steps && depth <= u64::from(limits.max_depth)
        })
        .collect()
}

/// Upper bounds on the evaluations (steps) and nesting (depth) of an expression.
#[derive(Copy, Clone, Debug)]
struct Bounds {
    steps: u64,
    depth: u64,
}

fn bounds(
    program: &Program,
    expr: &Expr,
    functions: &mut Vec<Option<Option<Bounds>>>,
    nesting: u32,
) -> Option<Bounds> {
    // Functions cannot recurse (the checker proves it), so this recursion ends; the nesting
    // guard only keeps a pathological chain of calls from exhausting the stack here.
    if nesting > 512 {
        return None;
    }
    let children: Vec<&Expr> = match &expr.kind {
        ExprKind::Literal(_)
        | ExprKind::Subject
        | ExprKind::Local(_)
        | ExprKind::Const(_)
        | ExprKind::KeyRef(_) => Vec::new(),
        ExprKind::Field { base, .. } => vec![base],
        ExprKind::Not(inner) | ExprKind::Neg(inner) | ExprKind::IsSome(inner) | ExprKind::IsNone(inner) => {
            vec![inner]
        }
        ExprKind::And(a, b)
        | ExprKind::Or(a, b)
        | ExprKind::Compare(_, a, b)
        | ExprKind::Arith(_, a, b)
        | ExprKind::In {
            element: a, set: b, ..
        } => vec![a, b],
        ExprKind::If(a, b, c) => vec![a, b, c],
        ExprKind::Builtin(_, args) => args.iter().collect(),
        ExprKind::Call(id, args) => {
            let body = function_bounds(program, *id, functions, nesting)?;
            let mut steps = 1 + body.steps;
            let mut depth = body.depth;
            for arg in args {
                let arg = bounds(program, arg, functions, nesting + 1)?;
                steps = steps.saturating_add(arg.steps);
                depth = depth.max(arg.depth);
            }
            return Some(Bounds {
                steps,
                depth: depth + 1,
            });
        }
        ExprKind::SetLiteral(_)
        | ExprKind::SetOp(..)
        | ExprKind::Subset(..)
        | ExprKind::Quantified { .. } => {
            return None;
        }
    };
    let mut total = Bounds { steps: 1, depth: 0 };
    for child in children {
        let child = bounds(program, child, functions, nesting + 1)?;
        total.steps = total.steps.saturating_add(child.steps);
        total.depth = total.depth.max(child.depth);
    }
    total.depth += 1;
    Some(total)
}

fn function_bounds(
    program: &Program,
    id: FnId,
    functions: &mut Vec<Option<Option<Bounds>>>,
    nesting: u32,
) -> Option<Bounds> {
    if let Some(known) = functions[id.idx()] {
        return known;
    }
    let computed = bounds(program, &program.functions[id.idx()].body, functions, nesting + 1);
    functions[id.idx()] = Some(computed);
    computed
}

impl Evaluator<'_> {
    /// The elements of a set or list of the facts or the constants (the fast path builds none).
    fn known_seq(&self, id: SeqId) -> Option<&[Value]> {
        let idx = (id.0 & INDEX_MASK) as usize;
        match id.0 >> ARENA_SHIFT {
            ARENA_FACTS => Some(self.facts.seq(SeqId(id.0 & INDEX_MASK))),
            ARENA_CONSTS => Some(&self.const_seqs[idx]),
            _ => None,
        }
    }
}

/// A condition or function body compiled to nested closures: the fast path without walking the
/// tree. Each closure reads the evaluator's facts and constants and a frame of locals.
pub(super) type Code = Box<dyn Fn(&Evaluator<'_>, &mut Frame) -> Option<Value> + Send + Sync>;

/// The subject being decided and the locals of the fast path.
#[derive(Debug, Default)]
pub(super) struct Frame {
    pub(super) subject: u32,
    pub(super) locals: Vec<Value>,
    pub(super) base: usize,
}

/// Compiles the conditions of every eligible rule, and the bodies of the functions they call.
pub(super) fn compile_program(program: &Program, eligible: &[bool]) -> (Vec<Vec<Code>>, Vec<Option<Code>>) {
    let functions: Vec<Option<Code>> = program
        .functions
        .iter()
        .map(|function| compile(program, &function.body))
        .collect();
    let rules = program
        .rules
        .iter()
        .zip(eligible)
        .map(|(rule, eligible)| {
            if !eligible {
                return Vec::new();
            }
            let compiled: Option<Vec<Code>> = rule
                .conditions
                .iter()
                .map(|condition| compile(program, &condition.expr))
                .collect();
            compiled.unwrap_or_default()
        })
        .collect();
    (rules, functions)
}

/// Compiles an expression the fast path handles; `None` for one it does not.
fn compile(program: &Program, expr: &Expr) -> Option<Code> {
    Some(match &expr.kind {
        ExprKind::Literal(value) => {
            let value = *value;
            Box::new(move |_, _| Some(value))
        }
        ExprKind::Subject => Box::new(|_, frame| Some(Value::Record(frame.subject))),
        ExprKind::Local(slot) => {
            let slot = *slot as usize;
            Box::new(move |_, frame| Some(frame.locals[frame.base + slot]))
        }
        ExprKind::Const(id) => {
            let idx = id.idx();
            Box::new(move |ev, _| ev.consts[idx].as_ref().ok().copied())
        }
        ExprKind::KeyRef(id) => {
            let idx = id.idx();
            Box::new(move |ev, _| Some(Value::Record(ev.facts.key_refs[idx])))
        }
        ExprKind::Field { base, record, field } => {
            let (record, field) = (*record, *field);
            if matches!(base.kind, ExprKind::Subject) {
                Box::new(move |ev, frame| ev.facts.cell(record, frame.subject, field))
            } else {
                let base = compile(program, base)?;
                Box::new(move |ev, frame| match base(ev, frame)? {
                    Value::Record(row) => ev.facts.cell(record, row, field),
                    _ => None,
                })
            }
        }
        ExprKind::Call(id, args) => {
            let idx = id.idx();
            let n_locals = program.functions[idx].n_locals as usize;
            let args: Vec<Code> = args
                .iter()
                .map(|arg| compile(program, arg))
                .collect::<Option<_>>()?;
            Box::new(move |ev, frame| {
                let body = ev.fast_functions[idx].as_ref()?;
                let new_base = frame.locals.len();
                frame.locals.resize(new_base + n_locals, Value::None);
                for (slot, arg) in args.iter().enumerate() {
                    match arg(ev, frame) {
                        Some(value) => frame.locals[new_base + slot] = value,
                        None => {
                            frame.locals.truncate(new_base);
                            return None;
                        }
                    }
                }
                let saved = std::mem::replace(&mut frame.base, new_base);
                let result = body(ev, frame);
                frame.base = saved;
                frame.locals.truncate(new_base);
                result
            })
        }
        ExprKind::Builtin(builtin, args) => {
            let builtin = *builtin;
            let args: Vec<Code> = args
                .iter()
                .map(|arg| compile(program, arg))
                .collect::<Option<_>>()?;
            Box::new(move |ev, frame| {
                let first = args.first().and_then(|arg| arg(ev, frame));
                let second = args.get(1).and_then(|arg| arg(ev, frame));
                match (builtin, first, second) {
                    (Builtin::Size, Some(Value::Seq(id)), _) => {
                        Some(Value::Int(ev.known_seq(id)?.len() as i64))
                    }
                    (Builtin::Year, Some(Value::Date(date)), _) => Some(Value::Int(i64::from(date.year()))),
                    (Builtin::DaysBetween, Some(Value::Date(from)), Some(Value::Date(to))) => {
                        Some(Value::Int(i64::from(to.0) - i64::from(from.0)))
                    }
                    (Builtin::AddDays, Some(Value::Date(date)), Some(Value::Int(days))) => {
                        i32::try_from(days)
                            .ok()
                            .and_then(|days| date.0.checked_add(days))
                            .map(Date)
                            .filter(|date| (1..=9999).contains(&date.year()))
                            .map(Value::Date)
                    }
                    _ => None,
                }
            })
        }
        ExprKind::Not(inner) => {
            let inner = compile(program, inner)?;
            Box::new(move |ev, frame| match inner(ev, frame)? {
                Value::Bool(value) => Some(Value::Bool(!value)),
                _ => None,
            })
        }
        ExprKind::Neg(inner) => {
            let inner = compile(program, inner)?;
            Box::new(move |ev, frame| match inner(ev, frame)? {
                Value::Int(value) => value.checked_neg().map(Value::Int),
                _ => None,
            })
        }
        ExprKind::IsSome(inner) => {
            let inner = compile(program, inner)?;
            Box::new(move |ev, frame| Some(Value::Bool(inner(ev, frame)? != Value::None)))
        }
        ExprKind::IsNone(inner) => {
            let inner = compile(program, inner)?;
            Box::new(move |ev, frame| Some(Value::Bool(inner(ev, frame)? == Value::None)))
        }
        ExprKind::And(left, right) => {
            let (left, right) = (compile(program, left)?, compile(program, right)?);
            Box::new(move |ev, frame| match left(ev, frame)? {
                Value::Bool(false) => Some(Value::Bool(false)),
                Value::Bool(true) => right(ev, frame),
                _ => None,
            })
        }
        ExprKind::Or(left, right) => {
            let (left, right) = (compile(program, left)?, compile(program, right)?);
            Box::new(move |ev, frame| match left(ev, frame)? {
                Value::Bool(true) => Some(Value::Bool(true)),
                Value::Bool(false) => right(ev, frame),
                _ => None,
            })
        }
        ExprKind::Compare(op, left, right) => {
            let op = *op;
            let left = compile(program, left)?;
            if let ExprKind::Literal(constant) = right.kind
                && !matches!(constant, Value::Seq(_))
            {
                return Some(Box::new(move |ev, frame| {
                    let value = left(ev, frame)?;
                    if matches!(value, Value::Seq(_)) {
                        return None;
                    }
                    Some(Value::Bool(compare(op, value, constant)))
                }));
            }
            let right = compile(program, right)?;
            Box::new(move |ev, frame| {
                let (left, right) = (left(ev, frame)?, right(ev, frame)?);
                if matches!(left, Value::Seq(_)) || matches!(right, Value::Seq(_)) {
                    return None;
                }
                Some(Value::Bool(compare(op, left, right)))
            })
        }
        ExprKind::In {
            element,
            set,
            negated,
        } => {
            let negated = *negated;
            let is_set = matches!(program.types.get(set.ty), Type::Set(_));
            let (element, set) = (compile(program, element)?, compile(program, set)?);
            Box::new(move |ev, frame| {
                let element = element(ev, frame)?;
                let Value::Seq(id) = set(ev, frame)? else {
                    return None;
                };
                if matches!(element, Value::Seq(_)) {
                    return None;
                }
                let elements = ev.known_seq(id)?;
                let found = if element == Value::None {
                    false
                } else if is_set {
                    elements.binary_search(&element).is_ok()
                } else {
                    elements.contains(&element)
                };
                Some(Value::Bool(found != negated))
            })
        }
        ExprKind::Arith(op, left, right) => {
            let op = *op;
            let (left, right) = (compile(program, left)?, compile(program, right)?);
            Box::new(move |ev, frame| {
                let (Value::Int(left), Value::Int(right)) = (left(ev, frame)?, right(ev, frame)?) else {
                    return None;
                };
                match op {
                    ArithOp::Add => left.checked_add(right),
                    ArithOp::Sub => left.checked_sub(right),
                    ArithOp::Mul => left.checked_mul(right),
                }
                .map(Value::Int)
            })
        }
        ExprKind::If(condition, then, otherwise) => {
            let condition = compile(program, condition)?;
            let (then, otherwise) = (compile(program, then)?, compile(program, otherwise)?);
            Box::new(move |ev, frame| match condition(ev, frame)? {
                Value::Bool(true) => then(ev, frame),
                Value::Bool(false) => otherwise(ev, frame),
                _ => None,
            })
        }
        ExprKind::SetLiteral(_)
        | ExprKind::SetOp(..)
        | ExprKind::Subset(..)
        | ExprKind::Quantified { .. } => {
            return None;
        }
    })
}

/// A comparison of two known values of one type (sets excluded).
fn compare(op: CompareOp, left: Value, right: Value) -> bool {
    match op {
        CompareOp::Eq => left == right,
        CompareOp::Ne => left != right,
        CompareOp::Lt => left < right,
        CompareOp::Le => left <= right,
        CompareOp::Gt => left > right,
        CompareOp::Ge => left >= right,
    }
}
