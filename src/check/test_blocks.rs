//! Test blocks in the checker: facts checked against the schema, expectations resolved
//! to rules, obligations and the test's own facts.

use std::collections::{HashMap, HashSet};

use super::ir::{self, RecordId, TestSubject, TestValue, Type, TypeId};
use super::messages;
use super::state::{Checker, Global};
use super::types::ERROR;
use crate::source::Span;
use crate::syntax::ast::{self, FactValue};
use crate::value::{PartialDate, Value};

/// The facts of one test, per record type: how many, and the keys given.
#[derive(Default)]
pub(super) struct Written<'a> {
    count: HashMap<RecordId, usize>,
    keys: HashSet<(RecordId, &'a str)>,
}

impl<'a> Checker<'a> {
    /// Checks every test block.
    pub(super) fn check_tests(&mut self) {
        for decl in self.test_decls.clone() {
            let n_errors = self.n_errors();
            let test = self.check_test(decl);
            // A test with an error, or naming a rule left out for its errors, is left out of the
            // program: it could only fail or mislead.
            if self.n_errors() == n_errors && !self.names_broken_rule(decl) {
                self.program.tests.push(test);
            }
        }
    }

    /// Whether an `expect` of the test names a rule left out of the program for its errors.
    fn names_broken_rule(&self, decl: &ast::TestDecl) -> bool {
        decl.expects.iter().any(|expect| match &expect.expected {
            ast::Expected::Decided { rules, .. } => rules.iter().any(|rule| {
                matches!(self.globals.get(rule.name.as_str()), Some((Global::Rule(idx), _)) if self.rule_ids[*idx].is_none())
            }),
            ast::Expected::Undecided(_) => false,
        })
    }

    fn check_test(&mut self, decl: &'a ast::TestDecl) -> ir::TestDef {
        if self.decide.is_none() {
            self.error(messages::test_without_subject(decl.name.span));
        }
        let mut written = Written::default();
        let mut facts = Vec::with_capacity(decl.facts.len());
        for fact in &decl.facts {
            if let Some(checked) = self.check_fact(fact, &mut written, false) {
                facts.push(checked);
            }
        }
        let mut expects = Vec::with_capacity(decl.expects.len());
        for expect in &decl.expects {
            if let Some(checked) = self.check_expect(expect, &written) {
                expects.push(checked);
            }
        }
        ir::TestDef {
            name: decl.name.value.clone(),
            as_of: decl.as_of.map(|(date, _)| date),
            facts,
            expects,
            span: decl.span,
        }
    }

    /// Checks a fact of a test block, or a row of `data` (`in_data`), against the schema.
    pub(super) fn check_fact(
        &mut self,
        fact: &'a ast::FactDecl,
        written: &mut Written<'a>,
        in_data: bool,
    ) -> Option<ir::TestFact> {
        let record = match self.globals.get(fact.record.name.as_str()) {
            Some((Global::Record(id), _)) => {
                let id = *id;
                self.use_record(&fact.record, id);
                id
            }
            _ => {
                let candidates = self.record_names();
                self.error(messages::unknown_fact_record(
                    &fact.record.name,
                    fact.record.span,
                    &candidates,
                ));
                return None;
            }
        };
        if !in_data && self.program.records[record.idx()].table {
            let name = self.program.records[record.idx()].name.clone();
            self.error(messages::table_row_outside_data(&name, fact.record.span));
            return None;
        }
        if self.program.records[record.idx()].nested {
            let holders = self.holders_of(record);
            self.error(messages::nested_fact_alone(
                &fact.record.name,
                fact.record.span,
                &holders,
            ));
            return None;
        }
        let fields = self.fact_fields(record, &fact.fields, written, in_data);
        *written.count.entry(record).or_default() += 1;
        Some(ir::TestFact {
            record,
            fields,
            span: fact.span,
        })
    }

    /// Checks the fields of a fact or nested record; one value per field of `record`, in field order.
    fn fact_fields(
        &mut self,
        record: RecordId,
        given: &'a [ast::FactField],
        written: &mut Written<'a>,
        in_data: bool,
    ) -> Vec<TestValue> {
        let n_fields = self.program.records[record.idx()].fields.len();
        let mut values: Vec<Option<(TestValue, Span)>> = vec![None; n_fields];
        for field in given {
            let def = &self.program.records[record.idx()];
            let Some(idx) = def.field(&field.name.name) else {
                let names: Vec<&str> = def.fields.iter().map(|field| field.name.as_str()).collect();
                let diagnostic =
                    messages::unknown_fact_field(&def.name, &field.name.name, field.name.span, &names);
                self.error(diagnostic);
                continue;
            };
            let idx = idx as usize;
            let target = self.field_defs[record.idx()][idx];
            let field_ty = def.fields[idx].ty;
            self.index
                .use_at(field.name.span, target, (field_ty != ERROR).then_some(field_ty));
            if let Some((_, first)) = &values[idx] {
                let first = *first;
                self.error(messages::duplicate_fact_field(
                    &field.name.name,
                    field.name.span,
                    first,
                ));
                continue;
            }
            let ty = def.fields[idx].ty;
            let is_key = def.key == Some(idx as u32);
            let value = self.fact_value(&field.value, ty, record, &field.name.name, written, in_data);
            if is_key && let FactValue::Text(text) = &field.value {
                written.keys.insert((record, text.value.as_str()));
            }
            values[idx] = Some((value, field.name.span));
        }
        values
            .into_iter()
            .enumerate()
            .map(|(idx, value)| match value {
                Some((value, _)) => value,
                None if self.is_optional(self.program.records[record.idx()].fields[idx].ty) => {
                    TestValue::Scalar(Value::None)
                }
                None => TestValue::Unknown,
            })
            .collect()
    }

    /// Checks a value against its field's type; a value that does not fit is reported and unknown.
    fn fact_value(
        &mut self,
        value: &'a FactValue,
        ty: TypeId,
        record: RecordId,
        field: &str,
        written: &mut Written<'a>,
        in_data: bool,
    ) -> TestValue {
        if ty == ERROR {
            return TestValue::Unknown;
        }
        let optional = self.is_optional(ty);
        let inner = self.strip_optional(ty);
        let kind = self.program.types.get(inner);
        let checked = match (value, kind) {
            (FactValue::Unknown(_), _) => Some(TestValue::Unknown),
            (FactValue::None(_), _) if optional => Some(TestValue::Scalar(Value::None)),
            (FactValue::Bool(value, _), Type::Bool) => Some(TestValue::Scalar(Value::Bool(*value))),
            (FactValue::Int(value, _), Type::Int | Type::Decimal) => {
                Some(TestValue::Scalar(Value::Int(*value)))
            }
            // The literal was checked when it was read: it has a value.
            (FactValue::Decimal(value, _), Type::Decimal) => {
                crate::value::decimal::number(value.mantissa, value.scale)
                    .ok()
                    .map(|number| TestValue::Scalar(Value::from(number)))
            }
            // A date known to the year or the month is written as a text, as in facts files.
            (FactValue::Text(text), Type::Date) if PartialDate::parse(&text.value).is_some() => {
                PartialDate::parse(&text.value).map(|date| TestValue::Scalar(Value::Partial(date)))
            }
            (FactValue::Date(value, _), Type::Date) => Some(TestValue::Scalar(Value::Date(*value))),
            (FactValue::Text(text), Type::Text) => Some(TestValue::Scalar(Value::Text(
                self.program.interner.intern(&text.value),
            ))),
            (FactValue::Text(text), Type::Record(target)) if !self.program.records[target.idx()].nested => {
                if let Some(table) = self.table_names(target) {
                    if table.key_of(&text.value).is_none() {
                        let diagnostic = messages::unknown_table_key(
                            &self.program.records[target.idx()].name,
                            &text.value,
                            text.span,
                            &table.names(),
                            &self.table_holders(target, &text.value),
                        );
                        self.error(diagnostic);
                        return TestValue::Unknown;
                    }
                } else if in_data {
                    let name = self.program.records[record.idx()].name.clone();
                    let target_name = self.program.records[target.idx()].name.clone();
                    self.error(messages::data_refers_to_facts(&name, &target_name, text.span));
                    return TestValue::Unknown;
                }
                Some(TestValue::Key(
                    target,
                    self.program.interner.intern(&text.value),
                    text.span,
                ))
            }
            (FactValue::Variant(variant), Type::Enum(enumeration)) => {
                let def = &self.program.enums[enumeration.idx()];
                match def.variants.iter().position(|known| *known == variant.name) {
                    Some(idx) => {
                        let target = self.variant_defs[enumeration.idx()][idx];
                        self.index.use_at(variant.span, target, Some(inner));
                        Some(TestValue::Scalar(Value::Variant(idx as u32)))
                    }
                    None => {
                        let names: Vec<&str> = def.variants.iter().map(String::as_str).collect();
                        let diagnostic =
                            messages::fact_variant(&def.name, &variant.name, variant.span, &names);
                        self.error(diagnostic);
                        return TestValue::Unknown;
                    }
                }
            }
            (FactValue::Set(items, _), Type::Set(element) | Type::List(element)) => Some(TestValue::Seq(
                items
                    .iter()
                    .map(|item| self.fact_value(item, element, record, field, written, in_data))
                    .collect(),
            )),
            (FactValue::Record(fact), Type::Record(target))
                if self.program.records[target.idx()].nested
                    && fact.record.name == self.program.records[target.idx()].name =>
            {
                self.use_record(&fact.record, target);
                Some(TestValue::Record(
                    target,
                    self.fact_fields(target, &fact.fields, written, in_data),
                ))
            }
            (FactValue::Record(fact), Type::Record(target)) if !self.program.records[target.idx()].nested => {
                let name = self.program.records[target.idx()].name.clone();
                self.error(messages::keyed_record_inline(&name, fact.span));
                return TestValue::Unknown;
            }
            _ => None,
        };
        checked.unwrap_or_else(|| {
            let expected = self.type_name(ty);
            let record_name = &self.program.records[record.idx()].name;
            let diagnostic = messages::fact_value(record_name, field, &expected, value.span());
            self.error(diagnostic);
            TestValue::Unknown
        })
    }

    fn check_expect(&mut self, expect: &'a ast::ExpectDecl, written: &Written<'a>) -> Option<ir::TestExpect> {
        let subject = match self.subject {
            Some((_, ty)) => match self.kind(ty) {
                Some(Type::Record(record)) => self.test_subject(record, &expect.subject, written),
                _ => None,
            },
            None => None,
        };
        let outcome = match &expect.expected {
            ast::Expected::Decided {
                effect,
                rules,
                obligations,
            } => {
                let rules = rules.iter().filter_map(|rule| self.expect_rule(rule)).collect();
                let obligations = obligations.as_ref().map(|names| {
                    names
                        .iter()
                        .filter_map(|name| self.expect_obligation(name))
                        .collect()
                });
                ir::ExpectedOutcome::Decided((*effect).into(), rules, obligations)
            }
            ast::Expected::Undecided(paths) => ir::ExpectedOutcome::Undecided(paths.as_ref().map(|paths| {
                paths
                    .iter()
                    .filter_map(|path| self.fact_path(path, written))
                    .collect()
            })),
        };
        Some(ir::TestExpect {
            subject: subject?,
            outcome,
            span: expect.span,
        })
    }

    /// Resolves a reference to one of the test's facts of a record type, by key or position.
    fn test_subject(
        &mut self,
        record: RecordId,
        subject: &ast::SubjectRef,
        written: &Written<'a>,
    ) -> Option<TestSubject> {
        let record_name = self.program.records[record.idx()].name.clone();
        match subject {
            ast::SubjectRef::Key(text) => {
                if self.record_decls[record.idx()].key.is_none() {
                    self.error(messages::keyless_record(&record_name, text.span));
                    return None;
                }
                // A record keyed by a table's rows is named by any name of the row.
                let names = self.program.records[record.idx()]
                    .key_table
                    .and_then(|table| self.table_names(table));
                let canonical = names
                    .and_then(|names| names.key_of(&text.value))
                    .map(str::to_owned);
                let found = written.keys.contains(&(record, text.value.as_str()))
                    || names.is_some_and(|names| {
                        canonical.is_some()
                            && written.keys.iter().any(|(written_record, written_key)| {
                                *written_record == record && names.key_of(written_key) == canonical.as_deref()
                            })
                    });
                if !found {
                    self.error(messages::expect_no_key(&record_name, &text.value, text.span));
                    return None;
                }
                let key = canonical.unwrap_or_else(|| text.value.clone());
                Some(TestSubject::Key(self.program.interner.intern(&key)))
            }
            ast::SubjectRef::Position(position, span) => {
                let count = written.count.get(&record).copied().unwrap_or(0);
                if *position == 0 || *position as usize > count {
                    self.error(messages::expect_no_position(
                        &record_name,
                        *position,
                        count,
                        *span,
                    ));
                    return None;
                }
                Some(TestSubject::Position(position - 1))
            }
        }
    }

    fn expect_rule(&mut self, name: &ast::Ident) -> Option<ir::RuleId> {
        if let Some((Global::Rule(idx), _)) = self.globals.get(name.name.as_str()) {
            let idx = *idx;
            self.index.use_at(name.span, self.rule_defs[idx], None);
            // A rule left out for its errors has no id; the test is left out with it.
            return self.rule_ids[idx];
        }
        let candidates: Vec<&str> = self
            .rule_decls
            .iter()
            .map(|rule| rule.name.name.as_str())
            .collect();
        self.error(messages::expect_unknown(
            "rule",
            &name.name,
            name.span,
            &candidates,
        ));
        None
    }

    fn expect_obligation(&mut self, name: &ast::Ident) -> Option<ir::ObligationId> {
        if let Some((Global::Obligation(idx), _)) = self.globals.get(name.name.as_str()) {
            let idx = *idx;
            self.index.use_at(name.span, self.obligation_defs[idx], None);
            return Some(ir::ObligationId(idx as u32));
        }
        let candidates: Vec<&str> = self.program.obligations.iter().map(|o| o.name.as_str()).collect();
        self.error(messages::expect_unknown(
            "obligation",
            &name.name,
            name.span,
            &candidates,
        ));
        None
    }

    fn fact_path(&mut self, path: &ast::FactPath, written: &Written<'a>) -> Option<ir::TestFactPath> {
        let record = match self.globals.get(path.record.name.as_str()) {
            Some((Global::Record(id), _)) => {
                let id = *id;
                self.use_record(&path.record, id);
                id
            }
            _ => {
                let candidates = self.record_names();
                self.error(messages::expect_unknown(
                    "record type",
                    &path.record.name,
                    path.record.span,
                    &candidates,
                ));
                return None;
            }
        };
        let def = &self.program.records[record.idx()];
        let field = match def.field(&path.field.name) {
            Some(field) => {
                let ty = def.fields[field as usize].ty;
                let target = self.field_defs[record.idx()][field as usize];
                self.index
                    .use_at(path.field.span, target, (ty != ERROR).then_some(ty));
                Some(field)
            }
            None => {
                let names: Vec<&str> = def.fields.iter().map(|field| field.name.as_str()).collect();
                let diagnostic =
                    messages::expect_unknown_field(&def.name, &path.field.name, path.field.span, &names);
                self.error(diagnostic);
                None
            }
        };
        let subject = self.test_subject(record, &path.subject, written);
        let field = field?;
        let mut nested = Vec::with_capacity(path.nested.len());
        let (mut holder, mut holder_field) = (record, field);
        for name in &path.nested {
            let def = &self.program.records[holder.idx()];
            let holder_def = &def.fields[holder_field as usize];
            let Some(inner) = self.program.nested_record(holder_def.ty) else {
                let diagnostic = messages::expect_not_nested(&def.name, &holder_def.name, name.span);
                self.error(diagnostic);
                return None;
            };
            let inner_def = &self.program.records[inner.idx()];
            let Some(inner_field) = inner_def.field(&name.name) else {
                let names: Vec<&str> = inner_def.fields.iter().map(|field| field.name.as_str()).collect();
                let diagnostic =
                    messages::expect_unknown_field(&inner_def.name, &name.name, name.span, &names);
                self.error(diagnostic);
                return None;
            };
            let ty = inner_def.fields[inner_field as usize].ty;
            let target = self.field_defs[inner.idx()][inner_field as usize];
            self.index.use_at(name.span, target, (ty != ERROR).then_some(ty));
            nested.push((inner, inner_field));
            (holder, holder_field) = (inner, inner_field);
        }
        Some(ir::TestFactPath {
            record,
            subject: subject?,
            field,
            nested,
        })
    }

    /// Records a use of a record type's name.
    fn use_record(&mut self, name: &ast::Ident, record: RecordId) {
        let ty = self.program.types.intern(Type::Record(record));
        self.index
            .use_at(name.span, self.record_defs[record.idx()], Some(ty));
    }
}
