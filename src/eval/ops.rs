//! The operations on values, written once for both evaluators: integer arithmetic with overflow,
//! comparisons, membership, set operations and the builtins. The full evaluator calls them on
//! `Value`s; the fast path calls them on the values its payloads decode to.

use std::cmp::Ordering;

use crate::check::ir::{ArithOp, Builtin, CompareOp, SetOp};
use crate::value::{Date, DecimalError, SeqId, Value, decimal};

/// Why an operation gives no value.
#[derive(Copy, Clone, Debug, PartialEq, Eq)]
pub(crate) enum OpError {
    /// A date beyond the years a date may fall in.
    DateOutOfRange,
    /// A sum beyond the range of `Int`.
    Overflow,
    /// The least or greatest element of an empty set or list.
    EmptyAggregate,
    /// Decimal arithmetic whose exact result a `Decimal` cannot hold.
    Decimal(DecimalError),
    /// A date known only to the year or the month where the day matters (`add_days`).
    Partial,
}

/// Arithmetic on numbers of type `Decimal` (an `Int` operand widened), exact or an error.
pub(crate) fn decimal_arith(op: ArithOp, left: Value, right: Value) -> Option<Result<Value, OpError>> {
    let (left, right) = (left.number_parts()?, right.number_parts()?);
    let result = match op {
        ArithOp::Add => decimal::add(left, right),
        ArithOp::Sub => decimal::sub(left, right),
        ArithOp::Mul => decimal::mul(left, right),
    };
    Some(result.map(Value::from).map_err(OpError::Decimal))
}

/// The negation of a number of type `Decimal`.
pub(crate) fn decimal_negate(value: Value) -> Option<Result<Value, OpError>> {
    let (mantissa, scale) = value.number_parts()?;
    Some(
        decimal::number(-mantissa, scale)
            .map(Value::from)
            .map_err(OpError::Decimal),
    )
}

/// How two numbers order, `None` unless both are numbers.
#[inline]
pub(crate) fn compare_numbers(left: Value, right: Value) -> Option<Ordering> {
    match (left, right) {
        (Value::Int(a), Value::Int(b)) => Some(a.cmp(&b)),
        _ => Some(decimal::compare(left.number_parts()?, right.number_parts()?)),
    }
}

/// The first and last day a date value may be: one day for an exact date, a year or a month
/// for a partial one; `None` for any other value.
pub(crate) fn date_span(value: Value) -> Option<(Date, Date)> {
    match value {
        Value::Date(date) => Some((date, date)),
        Value::Partial(date) => Some((date.first(), date.last())),
        _ => None,
    }
}

/// A comparison of two dates, at least one of them partial, in three values: `None` when the
/// days they may be leave it open (`2014 < 2014-03-17`), known when every day gives the same
/// answer (`2013 < 2014-03-17` holds).
pub(crate) fn compare_dates(op: CompareOp, left: (Date, Date), right: (Date, Date)) -> Option<bool> {
    let ((a_first, a_last), (b_first, b_last)) = (left, right);
    // Whether `a < b` for every pair of days, and for none.
    let lt = |a: (Date, Date), b: (Date, Date)| -> Option<bool> {
        if a.1 < b.0 {
            Some(true)
        } else if a.0 >= b.1 {
            Some(false)
        } else {
            None
        }
    };
    let eq = if a_last < b_first || b_last < a_first {
        Some(false)
    } else if a_first == a_last && b_first == b_last {
        Some(true)
    } else {
        None
    };
    match op {
        CompareOp::Eq => eq,
        CompareOp::Ne => eq.map(|eq| !eq),
        CompareOp::Lt => lt(left, right),
        CompareOp::Gt => lt(right, left),
        CompareOp::Ge => lt(left, right).map(|lt| !lt),
        CompareOp::Le => lt(right, left).map(|gt| !gt),
    }
}

/// Integer arithmetic; `None` on overflow.
#[inline]
pub(crate) fn arith(op: ArithOp, left: i64, right: i64) -> Option<i64> {
    match op {
        ArithOp::Add => left.checked_add(right),
        ArithOp::Sub => left.checked_sub(right),
        ArithOp::Mul => left.checked_mul(right),
    }
}

/// Integer negation; `None` on overflow.
#[inline]
pub(crate) fn negate(value: i64) -> Option<i64> {
    value.checked_neg()
}

/// Whether a comparison holds of two values in this order.
#[inline]
pub(crate) fn holds(op: CompareOp, ordering: Ordering) -> bool {
    match op {
        CompareOp::Eq => ordering == Ordering::Equal,
        CompareOp::Ne => ordering != Ordering::Equal,
        CompareOp::Lt => ordering == Ordering::Less,
        CompareOp::Le => ordering != Ordering::Greater,
        CompareOp::Gt => ordering == Ordering::Greater,
        CompareOp::Ge => ordering != Ordering::Less,
    }
}

/// Whether a set (sorted, `is_set`) or a list has an element, given how each element orders
/// against the one looked for.
#[inline]
pub(crate) fn contains<T>(elements: &[T], is_set: bool, mut order: impl FnMut(&T) -> Ordering) -> bool {
    if is_set {
        elements.binary_search_by(order).is_ok()
    } else {
        elements.iter().any(|element| order(element) == Ordering::Equal)
    }
}

/// Whether every element of one set is in another (both sorted by `order`).
pub(crate) fn subset(left: &[Value], right: &[Value], order: impl Fn(Value, Value) -> Ordering) -> bool {
    left.iter()
        .all(|element| contains(right, true, |probe| order(*probe, *element)))
}

/// The elements of a set operation on two sets sorted by `order`, in that order.
pub(crate) fn set_op(
    op: SetOp,
    left: &[Value],
    right: &[Value],
    order: impl Fn(Value, Value) -> Ordering,
) -> Vec<Value> {
    let has = |set: &[Value], element: &Value| contains(set, true, |probe| order(*probe, *element));
    match op {
        SetOp::Union => left.iter().chain(right).copied().collect(),
        SetOp::Intersect => left
            .iter()
            .filter(|element| has(right, element))
            .copied()
            .collect(),
        SetOp::Without => left
            .iter()
            .filter(|element| !has(right, element))
            .copied()
            .collect(),
    }
}

/// A builtin on its known arguments (the second is `Value::None` for a builtin of one);
/// `elements` gives the elements of a set or list. `None` when the arguments are not of the
/// types the checker gave the builtin, which the fast path takes as giving up.
#[inline]
pub(crate) fn builtin<'s>(
    builtin: Builtin,
    first: Value,
    second: Value,
    elements: impl FnOnce(SeqId) -> Option<&'s [Value]>,
) -> Option<Result<Value, OpError>> {
    Some(match (builtin, first, second) {
        (Builtin::Size | Builtin::Count, Value::Seq(id), _) => Ok(Value::Int(elements(id)?.len() as i64)),
        (Builtin::Sum, Value::Seq(id), _) => {
            let elements = elements(id)?;
            // A set or list of `Decimal` (some element not whole) sums exactly as decimals.
            if elements
                .iter()
                .any(|element| matches!(element, Value::Decimal(_)))
            {
                let mut total = Value::Int(0);
                for element in elements {
                    match decimal_arith(ArithOp::Add, total, *element)? {
                        Ok(next) => total = next,
                        Err(error) => return Some(Err(error)),
                    }
                }
                return Some(Ok(total));
            }
            let mut total: i64 = 0;
            for element in elements {
                let Value::Int(n) = element else { return None };
                match total.checked_add(*n) {
                    Some(next) => total = next,
                    None => return Some(Err(OpError::Overflow)),
                }
            }
            Ok(Value::Int(total))
        }
        (Builtin::Min | Builtin::Max, Value::Seq(id), _) => {
            let mut best: Option<Value> = None;
            for element in elements(id)? {
                best = Some(match best {
                    None => *element,
                    Some(best) => {
                        let ordering = compare_numbers(*element, best)?;
                        let better = if builtin == Builtin::Min {
                            ordering == Ordering::Less
                        } else {
                            ordering == Ordering::Greater
                        };
                        if better { *element } else { best }
                    }
                });
            }
            best.ok_or(OpError::EmptyAggregate)
        }
        (Builtin::Year, Value::Date(date), _) => Ok(Value::Int(i64::from(date.year()))),
        (Builtin::Year, Value::Partial(date), _) => Ok(Value::Int(i64::from(date.first().year()))),
        // The days between or after a date known only to the year or month are not known.
        (Builtin::DaysBetween, Value::Partial(_), _)
        | (Builtin::DaysBetween, _, Value::Partial(_))
        | (Builtin::AddDays, Value::Partial(_), _) => Err(OpError::Partial),
        (Builtin::DaysBetween, Value::Date(from), Value::Date(to)) => Ok(Value::Int(from.days_until(to))),
        (Builtin::AddDays, Value::Date(date), Value::Int(days)) => date
            .add_days(days)
            .map(Value::Date)
            .ok_or(OpError::DateOutOfRange),
        _ => return None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::value::Date;

    #[test]
    fn add_days_stays_within_the_calendar_years() {
        let last = Date::parse("9999-12-31").unwrap();
        let first = Date::parse("0001-01-01").unwrap();
        let add =
            |date: Date, days: i64| builtin(Builtin::AddDays, Value::Date(date), Value::Int(days), |_| None);
        assert_eq!(add(last, 1), Some(Err(OpError::DateOutOfRange)));
        assert_eq!(add(first, -1), Some(Err(OpError::DateOutOfRange)));
        assert_eq!(add(first, i64::MAX), Some(Err(OpError::DateOutOfRange)));
        assert_eq!(add(last, 0), Some(Ok(Value::Date(last))));
    }

    #[test]
    fn aggregates_of_int_sets() {
        let aggregate = |builtin: Builtin, numbers: &[i64]| {
            let values: Vec<Value> = numbers.iter().map(|n| Value::Int(*n)).collect();
            super::builtin(builtin, Value::Seq(SeqId(0)), Value::None, |_| Some(&values[..]))
        };
        assert_eq!(aggregate(Builtin::Sum, &[3, -1, 5]), Some(Ok(Value::Int(7))));
        assert_eq!(aggregate(Builtin::Sum, &[]), Some(Ok(Value::Int(0))));
        assert_eq!(
            aggregate(Builtin::Sum, &[i64::MAX, 1]),
            Some(Err(OpError::Overflow))
        );
        assert_eq!(aggregate(Builtin::Min, &[3, -1, 5]), Some(Ok(Value::Int(-1))));
        assert_eq!(aggregate(Builtin::Max, &[3, -1, 5]), Some(Ok(Value::Int(5))));
        assert_eq!(aggregate(Builtin::Min, &[]), Some(Err(OpError::EmptyAggregate)));
        assert_eq!(aggregate(Builtin::Max, &[]), Some(Err(OpError::EmptyAggregate)));
        assert_eq!(aggregate(Builtin::Count, &[3, 3]), Some(Ok(Value::Int(2))));
    }

    #[test]
    fn arithmetic_overflows_to_none() {
        assert_eq!(arith(ArithOp::Add, i64::MAX, 1), None);
        assert_eq!(arith(ArithOp::Mul, i64::MIN, -1), None);
        assert_eq!(negate(i64::MIN), None);
        assert_eq!(arith(ArithOp::Sub, 2, 5), Some(-3));
    }
}
