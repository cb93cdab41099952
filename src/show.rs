//! Values and facts as Pol writes them (`42`, `"text"`, `Country["US"]`, `{a, b}`): above the
//! facts whose values it reads, below evaluation (which records some operands as text) and the reports.

use crate::check::ir::{Program, RecordId, Type, TypeId};
use crate::escape::quote;
use crate::facts::Facts;
use crate::value::{SeqId, Value};

/// The type of a set or list value, and the type of its elements (the type itself for anything
/// else).
pub fn elements_type(program: &Program, ty: TypeId) -> (Type, TypeId) {
    let ty_kind = program.types.get(program.types.strip_optional(ty));
    let element_ty = match ty_kind {
        Type::Set(inner) | Type::List(inner) => inner,
        _ => ty,
    };
    (ty_kind, element_ty)
}

/// The elements of a set or list of type `ty`, as text: a set's sorted, in braces, a list's in
/// order, in brackets.
pub fn show_elements(
    program: &Program,
    facts: &Facts,
    seq: &dyn Fn(SeqId) -> Vec<Value>,
    elements: &[Value],
    ty: TypeId,
) -> String {
    let (ty_kind, element_ty) = elements_type(program, ty);
    let mut shown: Vec<(Value, String)> = elements
        .iter()
        .map(|element| (*element, show_value(program, facts, seq, *element, element_ty)))
        .collect();
    if matches!(ty_kind, Type::Set(_)) {
        // Numbers and dates in their own order (`{2, 10}`, not `{10, 2}`); everything else by
        // its text, so the order never depends on how the values were read or interned.
        shown.sort_by(|(a, a_text), (b, b_text)| match (a, b) {
            (Value::Int(a), Value::Int(b)) => a.cmp(b),
            (Value::Date(a), Value::Date(b)) => a.cmp(b),
            _ => a_text.cmp(b_text),
        });
    }
    let shown: Vec<String> = shown.into_iter().map(|(_, text)| text).collect();
    if matches!(ty_kind, Type::List(_)) {
        format!("[{}]", shown.join(", "))
    } else {
        format!("{{{}}}", shown.join(", "))
    }
}

/// A value as Pol writes it: `true`, `42`, `"text"`, `2023-12-22`, `rescue`, `Country["US"]`, `{a, b}`, `none`.
/// `seq` gives the elements of a set or list, wherever it is stored.
pub fn show_value(
    program: &Program,
    facts: &Facts,
    seq: &dyn Fn(SeqId) -> Vec<Value>,
    value: Value,
    ty: TypeId,
) -> String {
    let ty_kind = program.types.get(program.types.strip_optional(ty));
    match value {
        Value::None => "none".into(),
        Value::Bool(value) => value.to_string(),
        Value::Int(value) => value.to_string(),
        Value::Text(sym) => {
            // The facts' interner extends a copy of the program's, except for an expression
            // typed at a prompt, whose program holds the texts it adds to the facts' (see
            // `check::check_expr`): the larger of the two holds every text.
            // A text computed while evaluating is held by the facts it was computed against.
            let interner = if program.interner.len() > facts.interner.len()
                && !crate::value::Interner::is_computed(sym)
            {
                &program.interner
            } else {
                &facts.interner
            };
            quote(interner.resolve(sym))
        }
        Value::Date(date) => date.to_string(),
        Value::Decimal(decimal) => decimal.to_string(),
        Value::Partial(date) => date.to_string(),
        Value::Variant(idx) => match ty_kind {
            Type::Enum(id) => program.enums[id.idx()].variants[idx as usize].clone(),
            _ => format!("variant {idx}"),
        },
        Value::Record(row) => match ty_kind {
            Type::Record(id) => record_label(program, facts, id, row),
            _ => format!("record {row}"),
        },
        Value::Seq(id) => show_elements(program, facts, seq, &seq(id), ty),
    }
}

/// A record as Pol writes it: `Country["US"]` by key, `Transfer[#3]` by 1-based position, or
/// for a nested record the field that holds it: `Transfer["t1"].government_approval`.
pub fn record_label(program: &Program, facts: &Facts, record: RecordId, row: u32) -> String {
    record_label_at(program, facts, record, row, 0)
}

/// [`record_label`] for facts that follow `offset` earlier subjects of a stream.
pub fn record_label_at(program: &Program, facts: &Facts, record: RecordId, row: u32, offset: u64) -> String {
    if let Some((record, key)) = facts.missed.key(row) {
        return missed_label(program, facts, record, &key);
    }
    if let Some(parent) = facts.parent(record, row) {
        return field_path_at(program, facts, parent.record, parent.row, parent.field, offset);
    }
    let def = &program.records[record.idx()];
    if !def.compound_key.is_empty() && row < facts.n_rows(record) {
        let key: Option<Vec<Value>> = def
            .compound_key
            .iter()
            .map(|field| facts.cell(record, row, *field))
            .collect();
        if let Some(key) = key {
            return missed_label(program, facts, record, &key);
        }
    }
    let name = &def.name;
    match facts.key_text(program, record, row) {
        Some(key) => format!("{name}[{}]", quote(key)),
        None => format!("{name}[#{}]", position(program, record, row, offset)),
    }
}

/// The 1-based position of a record without a key: its row, after `offset` earlier subjects of
/// a stream when it is a subject (other records are read whole, never streamed).
pub fn position(program: &Program, record: RecordId, row: u32, offset: u64) -> u64 {
    let is_subject = program
        .subject
        .as_ref()
        .is_some_and(|subject| subject.record == record);
    let offset = if is_subject { offset } else { 0 };
    offset + u64::from(row) + 1
}

/// A field of a record's row as Pol writes it: `Country["UA"].in_combat`, or through the fields
/// that hold a nested record: `Transfer["t1"].government_approval.cabinet`.
pub fn field_path_at(
    program: &Program,
    facts: &Facts,
    record: RecordId,
    row: u32,
    field: u32,
    offset: u64,
) -> String {
    // A key a lookup found no fact for is missing whole: no field of it is named.
    if crate::facts::missed::is_missed(row) {
        return record_label_at(program, facts, record, row, offset);
    }
    let def = &program.records[record.idx()];
    format!(
        "{}.{}",
        record_label_at(program, facts, record, row, offset),
        def.fields[field as usize].name
    )
}

/// A fact named by its key as a lookup writes it (`ConflictYear["Mali", 2014]`): a fact with a
/// compound key, or a key that a lookup found no fact for.
fn missed_label(program: &Program, facts: &Facts, record: RecordId, key: &[Value]) -> String {
    let def = &program.records[record.idx()];
    let values: Vec<String> = def
        .lookup_fields()
        .iter()
        .zip(key)
        .map(|(field, value)| {
            let ty = def.fields[*field as usize].ty;
            show_value(program, facts, &|id| facts.seq(id).to_vec(), *value, ty)
        })
        .collect();
    format!("{}[{}]", def.name, values.join(", "))
}
