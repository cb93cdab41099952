//! The fast path of evaluation: conditions whose values are all known, evaluated to a plain
//! `Option<Value>` with no bookkeeping. It gives up (`None`) at the first unknown fact, error or
//! construct it does not handle, and the full evaluator then evaluates that condition again, so
//! results, missing facts and errors are always the full evaluator's.

use std::cmp::Ordering;

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
    /// Evaluates an expression whose rule is eligible (see [`eligible_rules`]), or gives up.
    pub(super) fn fast(
        &self,
        expr: &Expr,
        subject: u32,
        locals: &mut Vec<Value>,
        frame: usize,
    ) -> Option<Value> {
        match &expr.kind {
            ExprKind::Literal(value) => Some(*value),
            ExprKind::Subject => Some(Value::Record(subject)),
            ExprKind::Local(slot) => Some(locals[frame + *slot as usize]),
            ExprKind::Const(id) => self.consts[id.idx()].as_ref().ok().copied(),
            ExprKind::KeyRef(id) => Some(Value::Record(self.facts.key_refs[id.idx()])),
            ExprKind::Field { base, record, field } => match self.fast(base, subject, locals, frame)? {
                Value::Record(row) => self.facts.cell(*record, row, *field),
                _ => None,
            },
            ExprKind::Call(id, args) => {
                let function = &self.program.functions[id.idx()];
                let new_frame = locals.len();
                locals.resize(new_frame + function.n_locals as usize, Value::None);
                let mut result = None;
                let mut complete = true;
                for (slot, arg) in args.iter().enumerate() {
                    match self.fast(arg, subject, locals, frame) {
                        Some(value) => locals[new_frame + slot] = value,
                        None => {
                            complete = false;
                            break;
                        }
                    }
                }
                if complete {
                    result = self.fast(&function.body, subject, locals, new_frame);
                }
                locals.truncate(new_frame);
                result
            }
            ExprKind::Builtin(builtin, args) => {
                let first = args.first().map(|arg| self.fast(arg, subject, locals, frame));
                let second = args.get(1).map(|arg| self.fast(arg, subject, locals, frame));
                match (builtin, first.flatten(), second.flatten()) {
                    (Builtin::Size, Some(Value::Seq(id)), _) => {
                        Some(Value::Int(self.known_seq(id)?.len() as i64))
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
            }
            ExprKind::Not(inner) => match self.fast(inner, subject, locals, frame)? {
                Value::Bool(value) => Some(Value::Bool(!value)),
                _ => None,
            },
            ExprKind::Neg(inner) => match self.fast(inner, subject, locals, frame)? {
                Value::Int(value) => value.checked_neg().map(Value::Int),
                _ => None,
            },
            ExprKind::IsSome(inner) => Some(Value::Bool(
                self.fast(inner, subject, locals, frame)? != Value::None,
            )),
            ExprKind::IsNone(inner) => Some(Value::Bool(
                self.fast(inner, subject, locals, frame)? == Value::None,
            )),
            ExprKind::And(left, right) => match self.fast(left, subject, locals, frame)? {
                Value::Bool(false) => Some(Value::Bool(false)),
                Value::Bool(true) => self.fast(right, subject, locals, frame),
                _ => None,
            },
            ExprKind::Or(left, right) => match self.fast(left, subject, locals, frame)? {
                Value::Bool(true) => Some(Value::Bool(true)),
                Value::Bool(false) => self.fast(right, subject, locals, frame),
                _ => None,
            },
            ExprKind::Compare(op, left, right) => {
                let left = self.fast(left, subject, locals, frame)?;
                let right = self.fast(right, subject, locals, frame)?;
                if matches!(left, Value::Seq(_)) || matches!(right, Value::Seq(_)) {
                    return None;
                }
                Some(Value::Bool(match op {
                    CompareOp::Eq => left == right,
                    CompareOp::Ne => left != right,
                    _ => self.order(op, left, right),
                }))
            }

            ExprKind::In {
                element,
                set,
                negated,
            } => {
                let element = self.fast(element, subject, locals, frame)?;
                let Value::Seq(id) = self.fast(set, subject, locals, frame)? else {
                    return None;
                };
                if matches!(element, Value::Seq(_)) {
                    return None;
                }
                let elements = self.known_seq(id)?;
                let found = if element == Value::None {
                    false
                } else if matches!(self.program.types.get(set.ty), Type::Set(_)) {
                    elements.binary_search(&element).is_ok()
                } else {
                    elements.contains(&element)
                };
                Some(Value::Bool(found != *negated))
            }
            ExprKind::Arith(op, left, right) => {
                let (Value::Int(left), Value::Int(right)) = (
                    self.fast(left, subject, locals, frame)?,
                    self.fast(right, subject, locals, frame)?,
                ) else {
                    return None;
                };
                match op {
                    ArithOp::Add => left.checked_add(right),
                    ArithOp::Sub => left.checked_sub(right),
                    ArithOp::Mul => left.checked_mul(right),
                }
                .map(Value::Int)
            }
            ExprKind::If(condition, then, otherwise) => match self.fast(condition, subject, locals, frame)? {
                Value::Bool(true) => self.fast(then, subject, locals, frame),
                Value::Bool(false) => self.fast(otherwise, subject, locals, frame),
                _ => None,
            },
            ExprKind::SetLiteral(_)
            | ExprKind::SetOp(..)
            | ExprKind::Subset(..)
            | ExprKind::Quantified { .. } => None,
        }
    }

    /// `<`, `<=`, `>`, `>=` on two known values of one type.
    fn order(&self, op: &CompareOp, left: Value, right: Value) -> bool {
        let ordering = left.cmp(&right);
        match op {
            CompareOp::Lt => ordering == Ordering::Less,
            CompareOp::Le => ordering != Ordering::Greater,
            CompareOp::Gt => ordering == Ordering::Greater,
            CompareOp::Ge => ordering != Ordering::Less,
            CompareOp::Eq => ordering == Ordering::Equal,
            CompareOp::Ne => ordering != Ordering::Equal,
        }
    }

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
