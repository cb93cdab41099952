//! Every diagnostic evaluation can emit.

use crate::diagnostic::{Code, Diagnostic, Setting};
use crate::source::Span;
use crate::value::{Date, DecimalError};

pub(super) fn no_subject() -> Diagnostic {
    Diagnostic::new(
        Code::SubjectDeclaration,
        "the policy does not say what it decides",
    )
    .help("add `decide t: Transfer on t.date` naming the record type to decide")
}

pub(super) fn no_subject_given(span: Span) -> Diagnostic {
    Diagnostic::new(
        Code::SubjectDeclaration,
        "the expression reads the subject, but no subject was given",
    )
    .at(span, "this needs a subject")
    .help("evaluate it for one subject")
}

pub(super) fn no_such_subject(record: &str, row: u32, n_rows: u32) -> Diagnostic {
    Diagnostic::new(
        Code::SubjectDeclaration,
        format!(
            "there is no `{record}` at position {}: the facts hold {n_rows}",
            u64::from(row) + 1
        ),
    )
}

pub(super) fn no_law_date(record: &str, dated_rule: Span) -> Diagnostic {
    Diagnostic::new(
        Code::SubjectDeclaration,
        format!("rules have effective dates, but nothing says which date's law decides a `{record}`"),
    )
    .at(dated_rule, "this rule is in force only on some dates")
    .help("name the date field in the policy (`decide t: Transfer on t.date`), or give one date for every subject")
    .setting(Setting::LawDate)
}

pub(super) fn no_date_value(span: Span) -> Diagnostic {
    Diagnostic::new(
        Code::RuntimeNone,
        "the date that decides which law applies is none",
    )
    .at(span, "this is none for the subject")
    .help("give the subject a date, or give one date for every subject")
    .setting(Setting::LawDate)
}

pub(super) fn field_of_none(span: Span) -> Diagnostic {
    Diagnostic::new(Code::RuntimeNone, "a field was read from a value that is none")
        .at(span, "this is none")
        .help("this is a bug in Pol's checker: please report it with the policy")
}

pub(super) fn overflow(span: Span) -> Diagnostic {
    Diagnostic::new(Code::IntegerOverflow, "integer arithmetic overflowed")
        .at(span, "the result does not fit in 64 bits")
}

/// E0480: decimal arithmetic whose exact result has too many digits.
pub(super) fn decimal_overflow(error: DecimalError, span: Span) -> Diagnostic {
    Diagnostic::new(Code::DecimalOverflow, "decimal arithmetic has no exact result")
        .at(span, format!("the result would have {error}"))
        .help("a `Decimal` is exact and never rounds: keep values within 28 significant digits, at most 28 after the point")
}

/// E0481: a text builtin given an argument it cannot work with.
pub(super) fn bad_text_argument(name: &str, empty_pattern: bool, span: Span) -> Diagnostic {
    if empty_pattern {
        let what = if name == "split" {
            "separator"
        } else {
            "text to replace"
        };
        Diagnostic::new(
            Code::BadTextArgument,
            format!("`{name}` was given an empty {what}"),
        )
        .at(span, "the empty text occurs between every two characters")
        .help(format!("give `{name}` a {what} of at least one character"))
    } else {
        Diagnostic::new(
            Code::BadTextArgument,
            format!("`{name}` made more distinct texts than Pol can hold"),
        )
        .at(span, "too many texts made")
    }
}

pub(super) fn empty_aggregate(name: &str, span: Span) -> Diagnostic {
    Diagnostic::new(
        Code::EmptyAggregate,
        format!("`{name}` of an empty set or list has no value"),
    )
    .at(span, "this is empty")
    .help(format!(
        "test the set first: `if size(S) > 0 then {name}(S) else …`"
    ))
}

pub(super) fn date_out_of_range(span: Span) -> Diagnostic {
    let (first, last) = (Date::YEARS.start(), Date::YEARS.end());
    Diagnostic::new(
        Code::IntegerOverflow,
        format!("a date moved outside the years {first} to {last}"),
    )
    .at(span, "this date is out of range")
}

pub(super) fn step_limit(limit: u64, span: Span) -> Diagnostic {
    Diagnostic::new(
        Code::StepLimit,
        format!("evaluation took more than {limit} steps"),
    )
    .at(span, "stopped here")
    .help("simplify the rule, or raise the budget")
    .setting(Setting::Steps)
}

pub(super) fn depth_limit(limit: u32, span: Span) -> Diagnostic {
    Diagnostic::new(
        Code::DepthLimit,
        format!("evaluation nested deeper than {limit} levels"),
    )
    .at(span, "stopped here")
    .help("simplify the expression, or raise the budget")
    .setting(Setting::Depth)
}

pub(super) fn set_too_large(limit: usize, span: Span) -> Diagnostic {
    Diagnostic::new(Code::SetSizeLimit, format!("a set grew past {limit} elements"))
        .at(span, "this set is too large")
        .help("raise the budget")
        .setting(Setting::SetSize)
}

/// W0003: keys a lookup by a computed key found no fact for.
pub(super) fn missed_keys(record: &str, shown: &[&str], n_keys: usize, span: Span) -> Diagnostic {
    let more = match n_keys - shown.len() {
        0 => String::new(),
        n => format!(" and {n} more"),
    };
    let message = if n_keys == 1 {
        format!(
            "no `{record}` fact has the key this lookup computed: {}",
            shown.join(", ")
        )
    } else {
        format!(
            "no `{record}` fact has {n_keys} of the keys this lookup computed: {}{more}",
            shown.join(", ")
        )
    };
    Diagnostic::new(Code::UnknownKey, message)
        .at(span, "looked up here")
        .help(format!(
            "every field of a `{record}` no fact has reads as unknown, so the decisions that needed one are undecided: add the `{record}` facts, or correct how the key is computed"
        ))
}
