//! Every diagnostic the facts stage can emit, in one place so their wording can be reviewed together.

use super::FactsBuilder;
use super::bind::Path;
use crate::check::ir::{EnumId, RecordId, TypeId};
use crate::diagnostic::{Code, Diagnostic, did_you_mean};
use crate::source::Span;
use crate::value::Sym;

/// Reference tables larger than this get no "similar key" suggestion: comparing against every key costs too much.
const MAX_KEYS_TO_SUGGEST_FROM: usize = 10_000;

/// `a`, `b`, `c` for a help text.
fn list(names: impl IntoIterator<Item = impl AsRef<str>>) -> String {
    names
        .into_iter()
        .map(|name| format!("`{}`", name.as_ref()))
        .collect::<Vec<_>>()
        .join(", ")
}

/// The record type to show in `--facts NAME=FILE` advice.
fn example_record(builder: &FactsBuilder<'_>, prefer_subject: bool) -> String {
    let program = builder.program;
    let subject = program
        .subject
        .as_ref()
        .filter(|_| prefer_subject)
        .map(|subject| subject.record);
    subject
        .or_else(|| (!program.records.is_empty()).then_some(RecordId(0)))
        .map_or_else(
            || "Record".to_owned(),
            |record| program.records[record.idx()].name.clone(),
        )
}

/// The line that stands for the diagnostics past the cap.
pub(super) fn more_problems(code: Code, n_more: usize) -> Diagnostic {
    crate::diagnostic::more_problems(code, n_more, "the facts")
}

/// Malformed text: `detail` says what was expected, `found` what is at `span`.
pub(super) fn malformed(format: &str, detail: &str, found: &str, span: Span) -> Diagnostic {
    Diagnostic::new(Code::MalformedFacts, format!("malformed {format}: {detail}")).at(span, found)
}

/// A JSON or YAML facts file with nothing in it.
pub(super) fn empty_file(span: Span) -> Diagnostic {
    Diagnostic::new(Code::MalformedFacts, "empty facts file")
        .at(span, "the file is empty")
        .help("write `{}` for a file with no facts")
}

/// Arrays and objects nested past the limit.
pub(super) fn nesting_too_deep(format: &str, limit: usize, span: Span) -> Diagnostic {
    Diagnostic::new(
        Code::MalformedFacts,
        format!("{format} nested deeper than {limit} levels"),
    )
    .at(span, "too deep")
    .help("facts need only a few levels (an object of arrays of records); raise the limit with `--max-facts-nesting`")
}

/// A top-level array of records whose type nobody named.
pub(super) fn array_without_record(builder: &FactsBuilder<'_>, span: Span) -> Diagnostic {
    let example = example_record(builder, false);
    Diagnostic::new(
        Code::FactsShape,
        "the facts are an array of records of no named type",
    )
    .at(span, "records of which type?")
    .help(format!(
        "say which record type it holds: `--facts {example}=FILE`"
    ))
}

/// JSON Lines facts without a record type, in a module that decides nothing.
pub(super) fn lines_without_record(builder: &FactsBuilder<'_>, span: Span) -> Diagnostic {
    let example = example_record(builder, true);
    Diagnostic::new(
        Code::FactsShape,
        "JSON Lines facts do not say which record type they hold",
    )
    .at(span, "records of which type?")
    .help(format!(
        "say which record type they hold: `--facts {example}=FILE`"
    ))
}

/// CSV facts without a record type.
pub(super) fn csv_without_record(builder: &FactsBuilder<'_>, span: Span) -> Diagnostic {
    let example = example_record(builder, false);
    Diagnostic::new(
        Code::FactsShape,
        "CSV facts do not say which record type they hold",
    )
    .at(span, "records of which type?")
    .help(format!(
        "say which record type it holds: `--facts {example}=FILE`"
    ))
}

/// A top-level value that is neither an object of record arrays nor an array of records.
pub(super) fn top_level_shape(builder: &FactsBuilder<'_>, found: &str, span: Span) -> Diagnostic {
    let example = example_record(builder, false);
    Diagnostic::new(
        Code::FactsShape,
        format!("expected an object of record arrays or an array of records, found {found}"),
    )
    .at(span, "expected an object or an array")
    .help(format!(
        "write `{{\"{example}\": [ … ]}}`, or an array with `--facts {example}=FILE`"
    ))
}

/// The value under a record type's name is not an array.
pub(super) fn expected_records_array(
    builder: &FactsBuilder<'_>,
    record: RecordId,
    found: &str,
    span: Span,
) -> Diagnostic {
    let name = &builder.program.records[record.idx()].name;
    Diagnostic::new(
        Code::FactsShape,
        format!("expected an array of `{name}` facts, found {found}"),
    )
    .at(span, "expected an array")
}

/// An element of a records array that is not an object.
pub(super) fn expected_record_object(
    builder: &FactsBuilder<'_>,
    path: Path,
    found: &str,
    span: Span,
) -> Diagnostic {
    let name = &builder.program.records[path.record.idx()].name;
    Diagnostic::new(
        Code::FactsShape,
        format!(
            "expected a `{name}` fact for `{}`, found {found}",
            path.render(builder)
        ),
    )
    .at(span, "expected an object")
}

/// A record type name the policy does not declare.
pub(super) fn unknown_record_type(builder: &FactsBuilder<'_>, name: &str, span: Span) -> Diagnostic {
    let names = builder.program.records.iter().map(|record| record.name.as_str());
    let help = match did_you_mean(name, names.clone()) {
        Some(similar) => format!("a similar name exists: `{similar}`"),
        None if builder.program.records.is_empty() => "the policy declares no record types".to_owned(),
        None => format!("the record types are {}", list(names)),
    };
    Diagnostic::new(Code::UnknownRecordType, format!("unknown record type `{name}`"))
        .at(span, "not a record type of the policy")
        .help(help)
}

/// A field the record type does not declare.
pub(super) fn unknown_field(builder: &FactsBuilder<'_>, path: Path, name: &str, span: Span) -> Diagnostic {
    let record = &builder.program.records[path.record.idx()];
    let names = record.fields.iter().map(|field| field.name.as_str());
    let help = match did_you_mean(name, names.clone()) {
        Some(similar) => format!("a similar name exists: `{similar}`"),
        None => format!("the fields of `{}` are {}", record.name, list(names)),
    };
    Diagnostic::new(
        Code::UnknownFactField,
        format!("unknown field `{name}` in `{}`", path.render(builder)),
    )
    .at(span, format!("`{}` has no such field", record.name))
    .help(help)
}

/// A CSV header naming a field the record type does not declare.
pub(super) fn unknown_column(
    builder: &FactsBuilder<'_>,
    record: RecordId,
    name: &str,
    span: Span,
) -> Diagnostic {
    let record = &builder.program.records[record.idx()];
    let names = record.fields.iter().map(|field| field.name.as_str());
    let help = match did_you_mean(name, names.clone()) {
        Some(similar) => format!("a similar name exists: `{similar}`"),
        None => format!("the fields of `{}` are {}", record.name, list(names)),
    };
    Diagnostic::new(
        Code::UnknownFactField,
        format!("unknown field `{name}` in the header of `{}` facts", record.name),
    )
    .at(span, format!("`{}` has no such field", record.name))
    .help(help)
}

/// A field given twice in one record.
pub(super) fn duplicate_field(builder: &FactsBuilder<'_>, path: Path, span: Span, first: Span) -> Diagnostic {
    let record = &builder.program.records[path.record.idx()];
    let field = path
        .field
        .map_or("", |field| record.fields[field as usize].name.as_str());
    let record_path = Path { field: None, ..path };
    Diagnostic::new(
        Code::DuplicateFactField,
        format!("field `{field}` given twice in `{}`", record_path.render(builder)),
    )
    .at(span, "given again here")
    .also(first, "first given here")
    .help("give each field once")
}

/// A header that repeats a column.
pub(super) fn duplicate_column(name: &str, span: Span, first: Span) -> Diagnostic {
    Diagnostic::new(
        Code::DuplicateFactField,
        format!("column `{name}` given twice in the header"),
    )
    .at(span, "given again here")
    .also(first, "first given here")
    .help("give each column once")
}

/// A CSV header without the key column of a keyed record type.
pub(super) fn missing_key_column(
    builder: &FactsBuilder<'_>,
    record: RecordId,
    key: u32,
    span: Span,
) -> Diagnostic {
    let record = &builder.program.records[record.idx()];
    let key = &record.fields[key as usize].name;
    Diagnostic::new(Code::MissingKey, format!("the header has no `{key}` column"))
        .at(span, format!("`{}` facts need their key `{key}`", record.name))
        .help(format!("add a `{key}` column"))
}

/// A keyed record without its key.
pub(super) fn missing_key(builder: &FactsBuilder<'_>, path: Path, key: u32, span: Span) -> Diagnostic {
    let record = &builder.program.records[path.record.idx()];
    let key = &record.fields[key as usize].name;
    let record_path = Path { field: None, ..path };
    Diagnostic::new(
        Code::MissingKey,
        format!("`{}` has no key `{key}`", record_path.render(builder)),
    )
    .at(span, format!("every `{}` needs a `{key}`", record.name))
    .help(format!(
        "give this fact its `{key}`: other facts refer to it by key"
    ))
}

/// A keyed record whose key is written `"?"`.
pub(super) fn unknown_key(builder: &FactsBuilder<'_>, path: Path, span: Span) -> Diagnostic {
    Diagnostic::new(
        Code::MissingKey,
        format!("the key `{}` cannot be unknown", path.render(builder)),
    )
    .at(span, "unknown key")
    .help("other facts refer to this one by its key: give the key")
}

/// Two records of one type with the same key.
pub(super) fn duplicate_key(
    builder: &FactsBuilder<'_>,
    path: Path,
    key: Sym,
    span: Span,
    first: Span,
) -> Diagnostic {
    let record = &builder.program.records[path.record.idx()];
    let key_text = builder.interner.resolve(key);
    Diagnostic::new(
        Code::DuplicateKey,
        format!("two `{}` facts have the key `{key_text}`", record.name),
    )
    .at(span, format!("`{}` repeats it", path.render(builder)))
    .also(first, "first given here")
    .help(format!(
        "keys identify facts: give each `{}` its own key",
        record.name
    ))
}

/// A reference to a key no fact of the target type has.
pub(super) fn dangling_reference(
    builder: &FactsBuilder<'_>,
    target: RecordId,
    key: Sym,
    path: Path,
    span: Span,
) -> Diagnostic {
    let name = &builder.program.records[target.idx()].name;
    let key_text = builder.interner.resolve(key);
    let keys = &builder.tables[target.idx()].keys;
    let similar = if keys.len() <= MAX_KEYS_TO_SUGGEST_FROM {
        did_you_mean(key_text, keys.keys().map(|sym| builder.interner.resolve(*sym)))
    } else {
        None
    };
    let help = match similar {
        Some(similar) => format!("a similar key exists: `{similar}`"),
        None => format!("add a `{name}` fact with the key `{key_text}`"),
    };
    Diagnostic::new(
        Code::DanglingReference,
        format!("no `{name}` has the key `{key_text}`"),
    )
    .at(span, format!("`{}` refers to it", path.render(builder)))
    .help(help)
}

/// What a label says about the expected type at a path.
fn expected(builder: &FactsBuilder<'_>, ty: TypeId, path: Path) -> String {
    format!(
        "expected `{}` for `{}`",
        builder.program.type_name(ty),
        path.render(builder)
    )
}

/// A value of the wrong kind.
pub(super) fn type_mismatch(
    builder: &FactsBuilder<'_>,
    ty: TypeId,
    found: &str,
    path: Path,
    span: Span,
) -> Diagnostic {
    Diagnostic::new(
        Code::FactType,
        format!("{}, found {found}", expected(builder, ty, path)),
    )
    .at(span, format!("expected `{}`", builder.program.type_name(ty)))
}

/// A boolean field whose text is not a boolean word.
pub(super) fn not_boolean(
    builder: &FactsBuilder<'_>,
    ty: TypeId,
    text: &str,
    path: Path,
    span: Span,
) -> Diagnostic {
    Diagnostic::new(Code::FactType, format!("`{text}` is not a boolean"))
        .at(span, expected(builder, ty, path))
        .help("write `true` or `false`")
}

/// A number with a fraction or an exponent where an integer is needed.
pub(super) fn not_integer(
    builder: &FactsBuilder<'_>,
    ty: TypeId,
    text: &str,
    path: Path,
    span: Span,
) -> Diagnostic {
    Diagnostic::new(Code::FactType, format!("`{text}` is not an integer"))
        .at(span, expected(builder, ty, path))
        .help("write a whole number without a fraction or an exponent")
}

/// An integer outside the 64-bit range.
pub(super) fn integer_too_large(
    builder: &FactsBuilder<'_>,
    ty: TypeId,
    text: &str,
    path: Path,
    span: Span,
) -> Diagnostic {
    Diagnostic::new(Code::FactType, format!("`{text}` does not fit in 64 bits"))
        .at(span, expected(builder, ty, path))
        .help(format!("integers range from {} to {}", i64::MIN, i64::MAX))
}

/// Text that is not a `YYYY-MM-DD` date, or names a day the calendar lacks.
pub(super) fn invalid_date(
    builder: &FactsBuilder<'_>,
    ty: TypeId,
    text: &str,
    path: Path,
    span: Span,
) -> Diagnostic {
    let shaped = text.len() == 10
        && text.bytes().enumerate().all(|(idx, byte)| match idx {
            4 | 7 => byte == b'-',
            _ => byte.is_ascii_digit(),
        });
    let diagnostic = if shaped {
        Diagnostic::new(Code::FactType, format!("`{text}` is not a calendar date"))
    } else {
        Diagnostic::new(Code::FactType, format!("`{text}` is not a date"))
            .help("dates are written `YYYY-MM-DD`")
    };
    diagnostic.at(span, expected(builder, ty, path))
}

/// A name that is not a variant of its enum.
pub(super) fn unknown_variant(
    builder: &FactsBuilder<'_>,
    ty: TypeId,
    id: EnumId,
    text: &str,
    path: Path,
    span: Span,
) -> Diagnostic {
    let def = &builder.program.enums[id.idx()];
    let variants = def.variants.iter().map(String::as_str);
    let all = format!("the variants of `{}` are {}", def.name, list(variants.clone()));
    let help = match did_you_mean(text, variants) {
        Some(similar) => format!("a similar name exists: `{similar}`; {all}"),
        None => all,
    };
    Diagnostic::new(
        Code::FactType,
        format!("unknown variant `{text}` of `{}`", def.name),
    )
    .at(span, expected(builder, ty, path))
    .help(help)
}

/// A null element of a set or list.
pub(super) fn null_element(builder: &FactsBuilder<'_>, path: Path, span: Span) -> Diagnostic {
    Diagnostic::new(Code::FactType, format!("`{}` is null", path.render(builder)))
        .at(span, "expected a value")
        .help("leave the element out, or write `\"?\"` for the whole field if it is not known")
}
