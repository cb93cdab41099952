//! Every diagnostic the facts stage can emit, in one place so their wording can be reviewed together.

use super::format::Format;
use super::path::{Path, Schema};
use crate::check::ir::{EnumId, RecordId, TypeId};
use crate::diagnostic::{Code, Diagnostic, Setting, did_you_mean};
use crate::escape::escape_controls;
use crate::source::{SourceId, Span};
use crate::value::DecimalError;

/// The most characters of a user's text a message quotes.
const MAX_QUOTED_CHARS: usize = 80;

/// A user's text as a message quotes it: control characters escaped, so that a key cannot move
/// the terminal's cursor, and cut after [`MAX_QUOTED_CHARS`] characters with an ellipsis, so that
/// a huge header or key does not fill the screen.
pub(super) fn quoted(text: &str) -> String {
    match text.char_indices().nth(MAX_QUOTED_CHARS) {
        Some((cut, _)) => format!("{}…", escape_controls(&text[..cut])),
        None => escape_controls(text).into_owned(),
    }
}

/// `a`, `b`, `c` for a help text.
fn list(names: impl IntoIterator<Item = impl AsRef<str>>) -> String {
    names
        .into_iter()
        .map(|name| format!("`{}`", name.as_ref()))
        .collect::<Vec<_>>()
        .join(", ")
}

/// The record type advice shows when it asks which record type an input holds.
fn example_record(schema: Schema<'_>, prefer_subject: bool) -> String {
    let program = schema.program;
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

/// A control character in a facts text, which no reader takes as text.
pub(super) fn control_character(format: Format, ch: char, span: Span) -> Diagnostic {
    let format = format_name(format);
    let code = u32::from(ch);
    let name = match ch {
        '\0' => " (NUL)",
        '\x1b' => " (ESC)",
        '\x7f' => " (DEL)",
        _ => "",
    };
    let help = if ch == '\0' {
        "facts are text: a NUL byte is the sign of a binary file, or of one cut short or padded with zeros"
            .to_owned()
    } else {
        format!(
            "facts are text; a value that needs this character can write it as an escape in a quoted JSON or YAML string: `\\u{code:04X}`"
        )
    };
    Diagnostic::new(
        Code::ControlCharacter,
        format!("control character U+{code:04X}{name} in {format} facts"),
    )
    .at(span, "not text")
    .help(help)
}

/// A YAML key longer than the parser reads as a key.
pub(super) fn yaml_key_too_long(limit: usize, span: Span) -> Diagnostic {
    Diagnostic::new(
        Code::MalformedFacts,
        format!("malformed YAML: a key longer than {limit} characters"),
    )
    .at(span, "this key is too long")
    .help(format!(
        "YAML reads at most {limit} characters before the `:` of a key, and no record type or field of a policy has a name that long"
    ))
}

/// The name of a facts format in messages.
fn format_name(format: Format) -> &'static str {
    match format {
        Format::Json => "JSON",
        Format::JsonLines => "JSON Lines",
        Format::Yaml => "YAML",
        Format::Csv => "CSV",
        Format::Tsv => "TSV",
    }
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
    .help("facts need only a few levels (an object of arrays of records); raise the limit")
    .setting(Setting::FactsNesting)
}

/// A top-level array of records whose type nobody named.
pub(super) fn array_without_record(schema: Schema<'_>, span: Span) -> Diagnostic {
    let example = example_record(schema, false);
    Diagnostic::new(
        Code::FactsShape,
        "the facts are an array of records of no named type",
    )
    .at(span, "records of which type?")
    .help("say which record type it holds")
    .setting(Setting::FactsRecord { example })
}

/// JSON Lines facts without a record type, in a module that decides nothing.
pub(super) fn lines_without_record(schema: Schema<'_>, span: Span) -> Diagnostic {
    let example = example_record(schema, true);
    Diagnostic::new(
        Code::FactsShape,
        "JSON Lines facts do not say which record type they hold",
    )
    .at(span, "records of which type?")
    .help("say which record type they hold")
    .setting(Setting::FactsRecord { example })
}

/// CSV facts without a record type.
pub(super) fn csv_without_record(schema: Schema<'_>, span: Span) -> Diagnostic {
    let example = example_record(schema, false);
    Diagnostic::new(
        Code::FactsShape,
        "CSV facts do not say which record type they hold",
    )
    .at(span, "records of which type?")
    .help("say which record type it holds")
    .setting(Setting::FactsRecord { example })
}

/// A top-level value that is neither an object of record arrays nor an array of records.
pub(super) fn top_level_shape(schema: Schema<'_>, found: &str, span: Span) -> Diagnostic {
    let example = example_record(schema, false);
    Diagnostic::new(
        Code::FactsShape,
        format!("expected an object of record arrays or an array of records, found {found}"),
    )
    .at(span, "expected an object or an array")
    .help(format!(
        "write `{{\"{example}\": [ … ]}}`, or an array and say which record type it holds"
    ))
    .setting(Setting::FactsRecord { example })
}

/// The value under a record type's name is not an array.
pub(super) fn expected_records_array(
    schema: Schema<'_>,
    record: RecordId,
    found: &str,
    span: Span,
) -> Diagnostic {
    let name = &schema.program.records[record.idx()].name;
    Diagnostic::new(
        Code::FactsShape,
        format!("expected an array of `{name}` facts, found {found}"),
    )
    .at(span, "expected an array")
}

/// An element of a records array that is not an object.
pub(super) fn expected_record_object(schema: Schema<'_>, path: Path, found: &str, span: Span) -> Diagnostic {
    let name = &schema.program.records[path.record.idx()].name;
    Diagnostic::new(
        Code::FactsShape,
        format!(
            "expected a `{name}` fact for `{}`, found {found}",
            schema.render(path)
        ),
    )
    .at(span, "expected an object")
}

/// A record type name the policy does not declare.
pub(super) fn unknown_record_type(schema: Schema<'_>, name: &str, span: Span) -> Diagnostic {
    let names = schema.program.records.iter().map(|record| record.name.as_str());
    let help = match did_you_mean(name, names.clone()) {
        Some(similar) => format!("a similar name exists: `{similar}`"),
        None if schema.program.records.is_empty() => "the policy declares no record types".to_owned(),
        None => format!("the record types are {}", list(names)),
    };
    Diagnostic::new(
        Code::UnknownRecordType,
        format!("unknown record type `{}`", quoted(name)),
    )
    .at(span, "not a record type of the policy")
    .help(help)
}

/// A field the record type does not declare.
pub(super) fn unknown_field(schema: Schema<'_>, path: Path, name: &str, span: Span) -> Diagnostic {
    let record = &schema.program.records[path.record.idx()];
    let names = record.fields.iter().map(|field| field.name.as_str());
    let help = match did_you_mean(name, names.clone()) {
        Some(similar) => format!("a similar name exists: `{similar}`"),
        None => format!("the fields of `{}` are {}", record.name, list(names)),
    };
    Diagnostic::new(
        Code::UnknownFactField,
        format!("unknown field `{}` in `{}`", quoted(name), schema.render(path)),
    )
    .at(span, format!("`{}` has no such field", record.name))
    .help(help)
}

/// A CSV header naming a field the record type does not declare.
/// `column` is the header cell; `name` the part of it that names no field of `record`
/// (the whole cell, or a part of a dotted one such as `government_approval.nsc`).
pub(super) fn unknown_column(
    schema: Schema<'_>,
    record: RecordId,
    column: &str,
    name: &str,
    span: Span,
) -> Diagnostic {
    let record = &schema.program.records[record.idx()];
    let names = record.fields.iter().map(|field| field.name.as_str());
    let help = match did_you_mean(name, names.clone()) {
        Some(similar) => format!("a similar name exists: `{similar}`"),
        None => format!("the fields of `{}` are {}", record.name, list(names)),
    };
    let message = if column == name {
        format!(
            "unknown field `{}` in the header of `{}` facts",
            quoted(name),
            record.name
        )
    } else {
        format!(
            "unknown field `{}` of `{}` in the column `{}`",
            quoted(name),
            record.name,
            quoted(column)
        )
    };
    Diagnostic::new(Code::UnknownFactField, message)
        .at(span, format!("`{}` has no such field", record.name))
        .help(help)
}

/// A field given twice in one record.
pub(super) fn duplicate_field(schema: Schema<'_>, path: Path, span: Span, first: Span) -> Diagnostic {
    let record = &schema.program.records[path.record.idx()];
    let field = path
        .field
        .map_or("", |field| record.fields[field as usize].name.as_str());
    let record_path = Path { field: None, ..path };
    Diagnostic::new(
        Code::DuplicateFactField,
        format!("field `{field}` given twice in `{}`", schema.render(record_path)),
    )
    .at(span, "given again here")
    .also(first, "first given here")
    .help("give each field once")
}

/// A header that repeats a column.
pub(super) fn duplicate_column(name: &str, span: Span, first: Span) -> Diagnostic {
    Diagnostic::new(
        Code::DuplicateFactField,
        format!("column `{}` given twice in the header", quoted(name)),
    )
    .at(span, "given again here")
    .also(first, "first given here")
    .help("give each column once")
}

/// A CSV header without the key column of a keyed record type.
pub(super) fn missing_key_column(schema: Schema<'_>, record: RecordId, key: u32, span: Span) -> Diagnostic {
    let record = &schema.program.records[record.idx()];
    let key = &record.fields[key as usize].name;
    Diagnostic::new(Code::MissingKey, format!("the header has no `{key}` column"))
        .at(span, format!("`{}` facts need their key `{key}`", record.name))
        .help(format!("add a `{key}` column"))
}

/// A keyed record without its key.
pub(super) fn missing_key(schema: Schema<'_>, path: Path, key: u32, span: Span) -> Diagnostic {
    let record = &schema.program.records[path.record.idx()];
    let key = &record.fields[key as usize].name;
    let record_path = Path { field: None, ..path };
    Diagnostic::new(
        Code::MissingKey,
        format!("`{}` has no key `{key}`", schema.render(record_path)),
    )
    .at(span, format!("every `{}` needs a `{key}`", record.name))
    .help(format!(
        "give this fact its `{key}`: other facts refer to it by key"
    ))
}

/// A keyed record whose key is written `"?"`.
pub(super) fn unknown_key(schema: Schema<'_>, path: Path, span: Span) -> Diagnostic {
    Diagnostic::new(
        Code::MissingKey,
        format!("the key `{}` cannot be unknown", schema.render(path)),
    )
    .at(span, "unknown key")
    .help("other facts refer to this one by its key: give the key")
}

/// Two records of one type with the same key.
pub(super) fn duplicate_key(
    schema: Schema<'_>,
    path: Path,
    key: &str,
    span: Span,
    first: Span,
) -> Diagnostic {
    let record = &schema.program.records[path.record.idx()];
    let key_text = quoted(key);
    Diagnostic::new(
        Code::DuplicateKey,
        format!("two `{}` facts have the key `{key_text}`", record.name),
    )
    .at(span, format!("`{}` repeats it", schema.render(path)))
    .also(first, "first given here")
    .help(format!(
        "keys identify facts: give each `{}` its own key",
        record.name
    ))
}

/// A reference to a key no fact of the target type has.
pub(super) fn dangling_reference<'k>(
    schema: Schema<'_>,
    target: RecordId,
    key: &str,
    keys: impl IntoIterator<Item = &'k str>,
    path: Path,
    span: Span,
) -> Diagnostic {
    let name = &schema.program.records[target.idx()].name;
    let key_text = key;
    let similar = did_you_mean(key_text, keys);
    let key_text = quoted(key_text);
    let table = schema.program.records[target.idx()].table;
    let help = match similar {
        Some(similar) => format!("a similar key exists: `{}`", quoted(similar)),
        None if table => format!(
            "`{name}` is a table of the policy: name one of its rows by key or alias, or declare a row named `{key_text}` in a `data` block"
        ),
        None => format!("add a `{name}` fact with the key `{key_text}`"),
    };
    Diagnostic::new(
        Code::DanglingReference,
        format!("no `{name}` has the key `{key_text}`"),
    )
    .at(span, format!("`{}` refers to it", schema.render(path)))
    .help(help)
}

/// A streamed subject that refers to another streamed subject.
pub(super) fn streamed_reference(
    schema: Schema<'_>,
    target: RecordId,
    key: &str,
    path: Path,
    span: Span,
    target_span: Option<Span>,
) -> Diagnostic {
    let name = &schema.program.records[target.idx()].name;
    let key_text = quoted(key);
    let diagnostic = Diagnostic::new(
        Code::StreamedReference,
        format!(
            "`{}` refers to the `{name}` `{key_text}`, which only a streamed `{name}` could be",
            schema.render(path)
        ),
    )
    .at(span, format!("no `{name}` of the other inputs has this key"));
    let diagnostic = match target_span {
        Some(target_span) => diagnostic.also(target_span, "the fact it refers to"),
        None => diagnostic,
    };
    diagnostic
        .help(format!(
            "streamed `{name}` facts are decided in chunks and then forgotten, so they cannot refer to one another; give the whole input as one JSON document, or the `{name}` facts that others refer to in a separate input of their own"
        ))
        .setting(Setting::FactsRecord {
            example: name.clone(),
        })
}

/// What a label says about the expected type at a path.
fn expected(schema: Schema<'_>, ty: TypeId, path: Path) -> String {
    format!(
        "expected `{}` for `{}`",
        schema.program.type_name(ty),
        schema.render(path)
    )
}

/// A value of the wrong kind.
pub(super) fn type_mismatch(
    schema: Schema<'_>,
    ty: TypeId,
    found: &str,
    path: Path,
    span: Span,
) -> Diagnostic {
    let diagnostic = Diagnostic::new(
        Code::FactType,
        format!("{}, found {found}", expected(schema, ty, path)),
    )
    .at(span, format!("expected `{}`", schema.program.type_name(ty)));
    match schema.program.nested_record(ty) {
        Some(nested) => diagnostic.help(format!(
            "write the `{}` inline, as an object of its fields (in CSV, as columns `{}.FIELD`)",
            schema.program.records[nested.idx()].name,
            path.field
                .map_or("FIELD", |field| field_name(schema, path.record, field)),
        )),
        None => diagnostic,
    }
}

fn field_name<'p>(schema: Schema<'p>, record: RecordId, field: u32) -> &'p str {
    &schema.program.records[record.idx()].fields[field as usize].name
}

/// Facts of a nested record type given on their own (a file or array of them).
pub(super) fn nested_facts_alone(schema: Schema<'_>, record: RecordId, span: Span) -> Diagnostic {
    let program = schema.program;
    let name = &program.records[record.idx()].name;
    let holders: Vec<String> = program
        .records
        .iter()
        .flat_map(|holder| {
            holder
                .fields
                .iter()
                .filter(|field| program.nested_record(field.ty) == Some(record))
                .map(move |field| format!("{}.{}", holder.name, field.name))
        })
        .collect();
    Diagnostic::new(
        Code::NestedFactsAlone,
        format!("`{name}` is a nested record type and has no facts of its own"),
    )
    .at(span, format!("facts of `{name}` given on their own"))
    .help(format!(
        "write each `{name}` inside the fact that holds it, as an object in {}",
        list(holders)
    ))
}

/// An object (JSON, YAML) for a field that is not a nested record.
pub(super) fn not_nested(schema: Schema<'_>, ty: TypeId, path: Path, span: Span) -> Diagnostic {
    let program = schema.program;
    let type_name = program.type_name(ty);
    let help = match program.types.get(program.types.strip_optional(ty)) {
        crate::check::ir::Type::Record(target) => format!(
            "`{}` has a key: write the key of a `{}` fact as a string, and the fact itself among the `{}` facts",
            program.records[target.idx()].name,
            program.records[target.idx()].name,
            program.records[target.idx()].name,
        ),
        _ => format!("write a value of type `{type_name}`"),
    };
    Diagnostic::new(
        Code::NotNestedField,
        format!(
            "`{}` is not a nested record, but an object is written for it",
            schema.render(path)
        ),
    )
    .at(span, format!("expected `{type_name}`"))
    .help(help)
}

/// A dotted CSV column whose prefix is not a nested record field.
pub(super) fn not_nested_column(
    schema: Schema<'_>,
    record: RecordId,
    field: u32,
    name: &str,
    span: Span,
) -> Diagnostic {
    let program = schema.program;
    let def = &program.records[record.idx()];
    let field_def = &def.fields[field as usize];
    Diagnostic::new(
        Code::NotNestedField,
        format!(
            "column `{name}` reads into `{}.{}`, which is not a nested record",
            def.name, field_def.name
        ),
    )
    .at(span, format!("`{}` is a `{}`", field_def.name, program.type_name(field_def.ty)))
    .help(format!(
        "only a field whose type is a record without a key has columns `FIELD.SUBFIELD`; name the column `{}`",
        field_def.name
    ))
}

/// A value a field's type cannot hold: `message`, at the value, saying what the field expects.
fn unfit_value(
    code: Code,
    message: String,
    help: impl Into<String>,
    schema: Schema<'_>,
    ty: TypeId,
    path: Path,
    span: Span,
) -> Diagnostic {
    Diagnostic::new(code, message)
        .at(span, expected(schema, ty, path))
        .help(help)
}

/// A boolean field whose text is not a boolean word.
pub(super) fn not_boolean(schema: Schema<'_>, ty: TypeId, text: &str, path: Path, span: Span) -> Diagnostic {
    let message = format!("`{}` is not a boolean", quoted(text));
    unfit_value(
        Code::FactType,
        message,
        "write `true` or `false`",
        schema,
        ty,
        path,
        span,
    )
}

/// A number with a fraction or an exponent where an integer is needed.
pub(super) fn not_integer(schema: Schema<'_>, ty: TypeId, text: &str, path: Path, span: Span) -> Diagnostic {
    let message = format!("`{}` is not an integer", quoted(text));
    let help = "write a whole number without a fraction or an exponent";
    unfit_value(Code::FactType, message, help, schema, ty, path, span)
}

/// A value of a `Decimal` field that is not a number.
pub(super) fn not_decimal(schema: Schema<'_>, ty: TypeId, text: &str, path: Path, span: Span) -> Diagnostic {
    let message = format!("`{}` is not a decimal number", quoted(text));
    let help = "write digits with `.` before the fraction, such as `12.5` or `-0.25`";
    unfit_value(Code::FactType, message, help, schema, ty, path, span)
}

/// E0479: a decimal with more digits than a `Decimal` holds.
pub(super) fn decimal_out_of_range(
    schema: Schema<'_>,
    ty: TypeId,
    text: &str,
    error: DecimalError,
    path: Path,
    span: Span,
) -> Diagnostic {
    let message = format!("`{}` cannot be held exactly: it has {error}", quoted(text));
    let help = "a `Decimal` holds at most 28 significant digits, at most 28 of them after the point, and never rounds";
    unfit_value(Code::DecimalOutOfRange, message, help, schema, ty, path, span)
}

/// E0482: a year or month that is not on the calendar.
pub(super) fn invalid_partial_date(
    schema: Schema<'_>,
    ty: TypeId,
    text: &str,
    path: Path,
    span: Span,
) -> Diagnostic {
    let message = format!("`{}` is not a year or a month of the calendar", quoted(text));
    let help = "a date known only to the year is written `YYYY` (from 0001), to the month `YYYY-MM` (months 01 to 12)";
    unfit_value(Code::InvalidPartialDate, message, help, schema, ty, path, span)
}

/// An integer outside the 64-bit range.
pub(super) fn integer_too_large(
    schema: Schema<'_>,
    ty: TypeId,
    text: &str,
    path: Path,
    span: Span,
) -> Diagnostic {
    let message = format!("`{}` does not fit in 64 bits", quoted(text));
    let help = format!("integers range from {} to {}", i64::MIN, i64::MAX);
    unfit_value(Code::FactType, message, help, schema, ty, path, span)
}

/// Text that is not a `YYYY-MM-DD` date, or names a day the calendar lacks.
pub(super) fn invalid_date(schema: Schema<'_>, ty: TypeId, text: &str, path: Path, span: Span) -> Diagnostic {
    let shaped = text.len() == 10
        && text.bytes().enumerate().all(|(idx, byte)| match idx {
            4 | 7 => byte == b'-',
            _ => byte.is_ascii_digit(),
        });
    let diagnostic = if shaped {
        Diagnostic::new(
            Code::FactType,
            format!("`{}` is not a calendar date", quoted(text)),
        )
    } else {
        Diagnostic::new(Code::FactType, format!("`{}` is not a date", quoted(text))).help(
            "dates are written `YYYY-MM-DD`, or `YYYY` or `YYYY-MM` when only the year or month is known",
        )
    };
    diagnostic.at(span, expected(schema, ty, path))
}

/// A name that is not a variant of its enum.
pub(super) fn unknown_variant(
    schema: Schema<'_>,
    ty: TypeId,
    id: EnumId,
    text: &str,
    path: Path,
    span: Span,
) -> Diagnostic {
    let def = &schema.program.enums[id.idx()];
    let variants = def.variants.iter().map(String::as_str);
    let all = format!("the variants of `{}` are {}", def.name, list(variants.clone()));
    let help = match did_you_mean(text, variants) {
        Some(similar) => format!("a similar name exists: `{similar}`; {all}"),
        None => all,
    };
    let message = format!("unknown variant `{}` of `{}`", quoted(text), def.name);
    unfit_value(Code::FactType, message, help, schema, ty, path, span)
}

/// A null element of a set or list.
pub(super) fn null_element(schema: Schema<'_>, path: Path, span: Span) -> Diagnostic {
    Diagnostic::new(Code::FactType, format!("`{}` is null", schema.render(path)))
        .at(span, "expected a value")
        .help("leave the element out, or write `\"?\"` for the whole field if it is not known")
}

/// Loaded facts that cannot be bound to another program, and why.
pub(super) fn not_rebindable(test_facts: Result<Span, SourceId>) -> Diagnostic {
    match test_facts {
        Ok(span) => Diagnostic::new(
            Code::FactsNotRebindable,
            "the facts of a test block cannot be bound to another program",
        )
        .at(span, "these facts belong to the program that declares them")
        .help("run the test of the new program, which checks its own facts"),
        Err(source) => Diagnostic::new(
            Code::FactsNotRebindable,
            "facts streamed in chunks cannot be bound to another program",
        )
        .at(
            Span::new(source, 0, 0),
            "these records were forgotten chunk by chunk",
        )
        .help("load the whole input at once to keep its facts across changes to the policy"),
    }
}

/// E0233: facts of a record type whose rows are declared in the policy's `data` (a table).
pub(super) fn table_row_in_facts(schema: Schema<'_>, record: RecordId, span: Span) -> Diagnostic {
    let name = &schema.program.records[record.idx()].name;
    Diagnostic::new(
        Code::InvalidTable,
        format!("the rows of `{name}` are declared in the policy's `data`; facts cannot add to them"),
    )
    .at(span, format!("a `{name}` in the facts"))
    .help(format!(
        "refer to a `{name}` by its key or an alias, or declare the row in a `data` block of a module"
    ))
}

/// A mapping file that says something a mapping may not say.
pub(super) fn bad_mapping(detail: &str, label: &str, span: Span) -> Diagnostic {
    let diagnostic = Diagnostic::new(Code::BadMapping, format!("invalid mapping: {detail}"));
    if label.is_empty() {
        diagnostic.at(span, "in this mapping")
    } else {
        diagnostic.at(span, label)
    }
}

/// A date format without a day, and no `fill` to say which day a value stands for.
pub(super) fn partial_date_without_fill(format: &str, span: Span) -> Diagnostic {
    Diagnostic::new(
        Code::PartialDateWithoutFill,
        format!("the date format `{}` has no day, and the mapping does not say which day stands for it", quoted(format)),
    )
    .at(span, "this column")
    .help("add `fill: start` (a year is its first day, 1 January) or `fill: end` (its last day, 31 December) to the column")
}

/// A mapping names a record type the policy does not declare.
pub(super) fn mapping_unknown_record(schema: Schema<'_>, name: &str, span: Span) -> Diagnostic {
    let names = schema
        .program
        .records
        .iter()
        .filter(|record| !record.nested)
        .map(|record| record.name.as_str());
    let help = match did_you_mean(name, names.clone()) {
        Some(similar) => format!("a similar name exists: `{similar}`"),
        None => format!("the record types are {}", list(names)),
    };
    Diagnostic::new(
        Code::MappingUnknownName,
        format!(
            "the mapping is for record type `{}`, which the policy does not declare",
            quoted(name)
        ),
    )
    .at(span, "named here")
    .help(help)
}

/// A mapping reads a column into a field the record type does not declare.
pub(super) fn mapping_unknown_field(
    schema: Schema<'_>,
    record: RecordId,
    column: &str,
    field: &str,
    span: Span,
) -> Diagnostic {
    let record = &schema.program.records[record.idx()];
    let names = record.fields.iter().map(|field| field.name.as_str());
    let help = match did_you_mean(field, names.clone()) {
        Some(similar) => format!("a similar name exists: `{similar}`"),
        None => format!("the fields of `{}` are {}", record.name, list(names)),
    };
    Diagnostic::new(
        Code::MappingUnknownName,
        format!(
            "the mapping reads column `{}` into `{}`, which `{}` does not declare",
            quoted(column),
            quoted(field),
            record.name
        ),
    )
    .at(span, "no such field")
    .help(help)
}

/// A column the mapping names that the file's header lacks.
pub(super) fn mapped_column_missing(
    column: &str,
    span: Span,
    header: Span,
    similar: Option<&str>,
) -> Diagnostic {
    let help = match similar {
        Some(similar) => format!("the header has a similar column: `{}`", quoted(similar)),
        None => "the file may come from another version of its source; map the columns it has".to_owned(),
    };
    Diagnostic::new(
        Code::MappedColumnMissing,
        format!(
            "the mapping names column `{}`, which the file's header does not have",
            quoted(column)
        ),
    )
    .at(span, "named here")
    .also(header, "the header")
    .help(help)
}

/// A cell that does not match its column's date format.
pub(super) fn date_format_mismatch(path: String, text: &str, format: &str, span: Span) -> Diagnostic {
    Diagnostic::new(
        Code::DateFormatMismatch,
        format!(
            "`{}` in `{path}` is not a date written `{}`",
            quoted(text),
            quoted(format)
        ),
    )
    .at(span, format!("expected `{}`", quoted(format)))
    .help("the mapping gives this column's date format; a day must exist in the calendar")
}

/// A tabular file that ends before its header row.
pub(super) fn header_not_found(n_lines: usize, header_line: usize, span: Span) -> Diagnostic {
    Diagnostic::new(
        Code::HeaderNotFound,
        format!(
            "the file ends after {n_lines} lines, before the header the mapping places on line {header_line}"
        ),
    )
    .at(span, "the file ends here")
    .help("check `skip_lines` or `header_line` in the mapping, or that this is the file it is meant for")
}

/// E0483: two facts of a record type with a compound key have the same key.
pub(super) fn duplicate_compound_key(
    record: &str,
    key: &str,
    span: Option<Span>,
    first: Option<Span>,
) -> Diagnostic {
    let diagnostic = Diagnostic::new(
        Code::DuplicateCompoundKey,
        format!("two `{record}` facts have the key {key}"),
    );
    let diagnostic = match span {
        Some(span) => diagnostic.at(span, "given again here"),
        None => diagnostic,
    };
    let diagnostic = match first {
        Some(first) => diagnostic.also(first, "first given here"),
        None => diagnostic,
    };
    diagnostic.help(format!(
        "a compound key names one fact: merge the two `{record}` facts, or correct the key of one"
    ))
}

/// E0484: a fact of a record type with a compound key that leaves a field of its key unknown.
pub(super) fn unknown_compound_key(record: &str, field: &str, span: Option<Span>) -> Diagnostic {
    let diagnostic = Diagnostic::new(
        Code::UnknownCompoundKey,
        format!("a `{record}` fact does not give `{field}`, a field of its key"),
    );
    let diagnostic = match span {
        Some(span) => diagnostic.at(span, format!("`{field}` is unknown in this fact")),
        None => diagnostic,
    };
    diagnostic.help(format!(
        "every field of the key of `{record}` is needed to find the fact: give `{field}`"
    ))
}
