//! The text builtins (`lower`, `upper`, `trim`, `split`, `starts_with`, `ends_with`,
//! `contains`, `replace`, `length`) on known texts, for the full evaluator: a text they make is
//! interned in the facts' store of computed texts, so it compares and shows as any other.

use crate::check::ir::Builtin;
use crate::value::{Interner, Value};

/// What a text builtin gives.
pub(crate) enum TextResult {
    /// A value.
    Value(Value),
    /// The pieces of `split`, to become a list.
    Pieces(Vec<Value>),
}

/// Why a text builtin gives no value.
#[derive(Copy, Clone, Debug, PartialEq, Eq)]
pub(crate) enum TextError {
    /// `split` or `replace` given an empty text to look for, which occurs everywhere.
    EmptyPattern,
    /// More distinct texts were made than the store holds.
    TooManyTexts,
}

/// A text builtin on known texts (the checker typed every argument `Text`).
pub(crate) fn text_builtin(
    builtin: Builtin,
    args: &[Value],
    interner: &Interner,
) -> Result<TextResult, TextError> {
    let text = |idx: usize| -> &str {
        match args.get(idx) {
            Some(Value::Text(sym)) => interner.resolve(*sym),
            other => unreachable!(
                "the checker typed argument {idx} of `{}` as Text, got {other:?}",
                builtin.name()
            ),
        }
    };
    let make = |made: &str| -> Result<Value, TextError> {
        interner
            .intern_computed(made)
            .map(Value::Text)
            .ok_or(TextError::TooManyTexts)
    };
    Ok(TextResult::Value(match builtin {
        Builtin::Lower => make(&text(0).to_lowercase())?,
        Builtin::Upper => make(&text(0).to_uppercase())?,
        Builtin::Trim => make(text(0).trim())?,
        Builtin::Length => Value::Int(i64::try_from(text(0).chars().count()).unwrap_or(i64::MAX)),
        Builtin::StartsWith => Value::Bool(text(0).starts_with(text(1))),
        Builtin::EndsWith => Value::Bool(text(0).ends_with(text(1))),
        Builtin::Contains => Value::Bool(text(0).contains(text(1))),
        Builtin::Replace => {
            if text(1).is_empty() {
                return Err(TextError::EmptyPattern);
            }
            make(&text(0).replace(text(1), text(2)))?
        }
        Builtin::Split => {
            if text(1).is_empty() {
                return Err(TextError::EmptyPattern);
            }
            let pieces = text(0)
                .split(text(1))
                .map(make)
                .collect::<Result<Vec<Value>, TextError>>()?;
            return Ok(TextResult::Pieces(pieces));
        }
        other => unreachable!("`{}` is not a text builtin", other.name()),
    }))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn check(builtin: Builtin, args: &[&str], expected: &str) {
        let mut interner = Interner::new();
        let values: Vec<Value> = args.iter().map(|arg| Value::Text(interner.intern(arg))).collect();
        let show = |value: Value| match value {
            Value::Text(sym) => format!("{:?}", interner.resolve(sym)),
            other => format!("{other:?}"),
        };
        let shown = match text_builtin(builtin, &values, &interner) {
            Ok(TextResult::Value(value)) => show(value),
            Ok(TextResult::Pieces(pieces)) => pieces.into_iter().map(show).collect::<Vec<_>>().join(" "),
            Err(error) => format!("{error:?}"),
        };
        assert_eq!(shown, expected);
    }

    #[test]
    fn text_builtins_work_on_unicode_text() {
        check(Builtin::Lower, &["Türkiye"], r#""türkiye""#);
        check(Builtin::Upper, &["Türkiye"], r#""TÜRKIYE""#);
        check(Builtin::Trim, &["  a b \t"], r#""a b""#);
        check(Builtin::Length, &["Türkiye"], "Int(7)");
        check(Builtin::Split, &["a, b,,c", ","], r#""a" " b" "" "c""#);
        check(Builtin::Split, &["abc", ""], "EmptyPattern");
        check(Builtin::StartsWith, &["5A002.a", "5A002"], "Bool(true)");
        check(Builtin::EndsWith, &["5A002.a", ".b"], "Bool(false)");
        check(
            Builtin::Contains,
            &["Government of Russia (Soviet Union)", "Russia"],
            "Bool(true)",
        );
        check(Builtin::Replace, &["a-b-c", "-", "."], r#""a.b.c""#);
        check(Builtin::Replace, &["abc", "", "x"], "EmptyPattern");
    }
}
