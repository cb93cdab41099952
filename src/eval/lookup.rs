//! The indexes the full evaluator reads the facts of a type through, built once per set of
//! facts: every fact of a type (`any c in Conflict`), the facts by one field's value (a
//! quantifier whose body starts with `c.year == y`), and the facts by key (`ConflictYear[a, b]`).

use std::collections::{BTreeMap, BTreeSet, HashMap};

use super::messages;
use crate::check::ir::{Expr, ExprKind, Program, RecordId, Type};
use crate::diagnostic::Diagnostic;
use crate::facts::Facts;
use crate::value::Value;

/// The facts of one type whose field has one value, and those whose field is unknown (which
/// any value may match).
#[derive(Debug, Default)]
pub(crate) struct FieldIndex {
    rows: HashMap<Value, Vec<u32>>,
    unknown: Vec<u32>,
}

impl FieldIndex {
    /// The rows whose field is `value`, and the rows whose field is unknown.
    pub(crate) fn candidates(&self, value: Value) -> (&[u32], &[u32]) {
        let rows = self.rows.get(&value).map_or(&[][..], Vec::as_slice);
        (rows, &self.unknown)
    }
}

/// The indexes of one set of facts for one program.
#[derive(Debug, Default)]
pub(crate) struct FactIndexes {
    /// Per record type ranged over, every fact of it (placeholders of key references left out),
    /// as `Value::Record`s in row order: the set its name stands for.
    pub(crate) all: HashMap<RecordId, Vec<Value>>,
    /// Per record type and field a quantifier is indexed by.
    fields: HashMap<(RecordId, u32), FieldIndex>,
    /// Per record type looked up by a computed key whose key is not a single text: the row of
    /// each key (the values of its key fields, in order). A text key is found through the
    /// facts' own index of keys, which holds a table's aliases too.
    keys: HashMap<RecordId, HashMap<Box<[Value]>, u32>>,
}

impl FactIndexes {
    /// Builds what the program's expressions (and `extra`, an expression evaluated on its own)
    /// need, and nothing for a program that neither ranges over facts nor looks them up.
    pub(crate) fn new(program: &Program, facts: &Facts, extra: Option<&Expr>) -> FactIndexes {
        let mut indexes = FactIndexes::default();
        let mut wanted = Wanted::default();
        let mut visit = |expr: &Expr| collect(expr, &mut wanted);
        for rule in &program.rules {
            rule.conditions
                .iter()
                .for_each(|condition| visit(&condition.expr));
        }
        program.consts.iter().for_each(|def| visit(&def.value));
        program.functions.iter().for_each(|def| visit(&def.body));
        if let Some(date) = program.subject.as_ref().and_then(|subject| subject.date.as_ref()) {
            visit(date);
        }
        if let Some(extra) = extra {
            visit(extra);
        }
        for (record, field) in wanted.ranged {
            let n_rows = facts.tables[record.idx()].n_input_rows;
            match field {
                None => {
                    indexes
                        .all
                        .entry(record)
                        .or_insert_with(|| (0..n_rows).map(Value::Record).collect());
                }
                Some(field) => {
                    indexes.fields.entry((record, field)).or_insert_with(|| {
                        let mut index = FieldIndex::default();
                        for row in 0..n_rows {
                            match facts.cell(record, row, field) {
                                Some(value) => index.rows.entry(value).or_default().push(row),
                                None => index.unknown.push(row),
                            }
                        }
                        index
                    });
                }
            }
        }
        for record in wanted.looked_up {
            let def = &program.records[record.idx()];
            let fields = def.lookup_fields();
            let text_key =
                matches!(&fields[..], [key] if program.types.get(def.fields[*key as usize].ty) == Type::Text);
            if text_key {
                continue;
            }
            let n_rows = facts.tables[record.idx()].n_input_rows;
            let mut by_key = HashMap::with_capacity(n_rows as usize);
            'rows: for row in 0..n_rows {
                let mut key = Vec::with_capacity(fields.len());
                for field in &fields {
                    // A fact whose key is unknown was refused when the facts were read; one
                    // left is found by no key.
                    let Some(value) = facts.cell(record, row, *field) else {
                        continue 'rows;
                    };
                    key.push(value);
                }
                // Keys are unique (duplicates were refused when the facts were read); the first
                // row keeps a key all the same.
                by_key.entry(key.into_boxed_slice()).or_insert(row);
            }
            indexes.keys.insert(record, by_key);
        }
        indexes
    }

    /// The index of a record type's facts by a field.
    pub(crate) fn field(&self, record: RecordId, field: u32) -> &FieldIndex {
        self.fields
            .get(&(record, field))
            .expect("an index is built for every indexed quantifier of the program")
    }

    /// The row of the fact of `record` whose key is `key`, if any fact has it.
    pub(crate) fn find(&self, facts: &Facts, record: RecordId, key: &[Value]) -> Option<u32> {
        match self.keys.get(&record) {
            Some(by_key) => by_key.get(key).copied(),
            None => {
                let [Value::Text(sym)] = key else {
                    unreachable!("a lookup by one text key is typed so by the checker, got {key:?}")
                };
                // A placeholder bound for a key reference no fact has is no fact either.
                let table = &facts.tables[record.idx()];
                table
                    .keys
                    .get(sym)
                    .copied()
                    .filter(|row| *row < table.n_input_rows)
            }
        }
    }
}

/// The record types an evaluation reads the facts of, each once.
#[derive(Default)]
struct Wanted {
    /// The record types ranged over, and the fields their quantifiers are indexed by.
    ranged: Vec<(RecordId, Option<u32>)>,
    /// The record types looked up by a computed key.
    looked_up: Vec<RecordId>,
}

/// Collects the record types an expression ranges over or looks up.
fn collect(expr: &Expr, wanted: &mut Wanted) {
    match &expr.kind {
        ExprKind::FactsOf { record, index } => {
            let mut add = |entry| {
                if !wanted.ranged.contains(&entry) {
                    wanted.ranged.push(entry);
                }
            };
            add((*record, None));
            if let Some((field, _)) = index {
                add((*record, Some(*field)));
            }
        }
        ExprKind::Lookup { record, .. } if !wanted.looked_up.contains(record) => {
            wanted.looked_up.push(*record);
        }
        _ => {}
    }
    expr.for_each_child(|child| collect(child, wanted));
}

/// The most missed keys one warning names.
const MAX_KEYS_SHOWN: usize = 5;

/// The keys that lookups by a computed key found no fact for, gathered over the facts of a run
/// (a stream's chunks one after the other), for one warning per lookup (W0003).
#[derive(Debug, Default)]
pub struct MissedLookups {
    /// Per lookup (its index in `Program::lookups`): every key missed, as a lookup writes it.
    by_lookup: BTreeMap<u32, BTreeSet<String>>,
}

impl MissedLookups {
    /// Gathers the keys the lookups missed while deciding on these facts.
    pub fn add(&mut self, program: &Program, facts: &Facts) {
        for (row, lookup) in facts.missed.keys() {
            // A lookup of an expression evaluated on its own (at a prompt) is no lookup of the
            // program's: it gets no warning.
            let (Some(def), Some((record, _))) =
                (program.lookups.get(lookup as usize), facts.missed.key(row))
            else {
                continue;
            };
            if def.record != record {
                continue;
            }
            let label = crate::show::record_label(program, facts, record, row);
            self.by_lookup.entry(lookup).or_default().insert(label);
        }
    }

    /// One warning per lookup that missed some key, in source order.
    pub fn warnings(&self, program: &Program) -> Vec<Diagnostic> {
        let mut diagnostics: Vec<Diagnostic> = self
            .by_lookup
            .iter()
            .map(|(lookup, keys)| {
                let def = &program.lookups[*lookup as usize];
                let shown: Vec<&str> = keys.iter().take(MAX_KEYS_SHOWN).map(String::as_str).collect();
                messages::missed_keys(
                    &program.records[def.record.idx()].name,
                    &shown,
                    keys.len(),
                    def.span,
                )
            })
            .collect();
        crate::diagnostic::sort(&mut diagnostics);
        diagnostics
    }
}
