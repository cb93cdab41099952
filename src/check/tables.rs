//! Tables in the checker: the rows that `data` declarations ship for keyed records, their keys
//! and alias names (known before any expression is checked, so key references are checked
//! against them), and the rows themselves, checked like test facts and stricter.

use std::collections::HashMap;

use super::ir::{self, RecordId, Type};
use super::messages;
use super::state::{Checker, Global, TableNames};
use super::test_blocks::Written;
use super::types::ERROR;
use crate::source::Span;
use crate::syntax::ast::{self, FactValue};

impl<'a> Checker<'a> {
    /// Resolves the `alias` field of a record: a `Text`, `Text?` or `Set<Text>` field.
    pub(super) fn resolve_alias(
        &mut self,
        record: &str,
        alias: &ast::Ident,
        fields: &[ir::FieldDef],
        defs: &[super::index::DefId],
    ) -> Option<u32> {
        let Some(position) = fields.iter().position(|field| field.name == alias.name) else {
            let names: Vec<&str> = fields.iter().map(|field| field.name.as_str()).collect();
            self.error(messages::alias_not_a_field(
                record,
                &alias.name,
                alias.span,
                &names,
            ));
            return None;
        };
        let ty = fields[position].ty;
        self.index.use_at(alias.span, defs[position], Some(ty));
        let inner = self.strip_optional(ty);
        let fits = inner == self.prims.text
            || matches!(self.kind(inner), Some(Type::Set(element)) if element == self.prims.text);
        // A type that failed to resolve is already reported; it neither fits nor is wrong.
        let unresolved =
            inner == ERROR || matches!(self.kind(inner), Some(Type::Set(element)) if element == ERROR);
        if unresolved {
            return None;
        }
        if !fits {
            let found = self.type_name(ty);
            self.error(messages::alias_not_text(
                record,
                &alias.name,
                &found,
                alias.span,
                fields[position].span,
            ));
            return None;
        }
        Some(position as u32)
    }

    /// Finds the tables: the record types `data` gives rows of, with every row's key and aliases.
    /// A name that names two rows, a row without its key, and rows of a record type that cannot be
    /// a table are reported here.
    pub(super) fn collect_tables(&mut self) {
        let mut first_use: HashMap<(RecordId, String), Span> = HashMap::new();
        for decl in self.data_decls.clone() {
            for row in &decl.rows {
                let Some(record) = self.table_record(row) else {
                    continue;
                };
                let def = &self.program.records[record.idx()];
                let (Some(key_field), record_name) = (def.key, def.name.clone()) else {
                    continue;
                };
                let key_name = def.fields[key_field as usize].name.clone();
                let alias_name = def.alias.map(|alias| def.fields[alias as usize].name.clone());
                self.program.records[record.idx()].table = true;
                self.tables.entry(record).or_default();
                let key = row.fields.iter().find(|field| field.name.name == key_name);
                let Some(ast::FactField {
                    value: FactValue::Text(key),
                    ..
                }) = key
                else {
                    let span = key.map_or(row.span, |field| field.value.span());
                    self.error(messages::data_row_without_key(&record_name, &key_name, span));
                    continue;
                };
                let mut names = vec![(key.value.as_str(), key.span)];
                if let Some(alias_name) = &alias_name
                    && let Some(field) = row.fields.iter().find(|field| field.name.name == *alias_name)
                {
                    match &field.value {
                        FactValue::Text(text) => names.push((text.value.as_str(), text.span)),
                        FactValue::Set(items, _) => {
                            for item in items {
                                if let FactValue::Text(text) = item {
                                    names.push((text.value.as_str(), text.span));
                                }
                            }
                        }
                        // Any other value is the wrong type, reported when the row is checked.
                        _ => {}
                    }
                }
                for (name, span) in names {
                    let table = self.tables.entry(record).or_default();
                    match table.names.get(name) {
                        // A row may list its own key among its names.
                        Some(known) if *known == key.value => {}
                        Some(_) => {
                            let first = first_use[&(record, name.to_owned())];
                            self.error(messages::table_name_twice(&record_name, name, span, first));
                        }
                        None => {
                            table.names.insert(name.to_owned(), key.value.clone());
                            first_use.insert((record, name.to_owned()), span);
                        }
                    }
                }
            }
        }
    }

    /// Reports an `alias` on a record type that has no rows in `data`: aliases name rows of tables.
    pub(super) fn check_aliases_have_tables(&mut self) {
        for (idx, decl) in self.record_decls.clone().into_iter().enumerate() {
            if let Some(alias) = &decl.alias
                && !self.program.records[idx].table
            {
                self.error(messages::alias_without_table(&decl.name.name, alias.span));
            }
        }
    }

    /// Resolves keys whose type is a record: the record must be a table (then facts name such a
    /// fact by any name of the table's row), and the record itself cannot be one.
    pub(super) fn check_table_keys(&mut self) {
        for idx in 0..self.program.records.len() {
            let def = &self.program.records[idx];
            let Some(key) = def.key else { continue };
            let field = &def.fields[key as usize];
            let Some(Type::Record(target)) = self.kind(field.ty) else {
                continue;
            };
            let (name, key_name, field_span) = (def.name.clone(), field.name.clone(), field.span);
            let key_span = self.record_decls[idx]
                .key
                .as_ref()
                .map_or(field_span, |key| key.span);
            if !self.program.records[target.idx()].table || def.table {
                let target_name = self.program.records[target.idx()].name.clone();
                self.error(messages::key_not_a_table(
                    &name,
                    &key_name,
                    &target_name,
                    key_span,
                    field_span,
                ));
                continue;
            }
            self.program.records[idx].key_table = Some(target);
        }
    }

    /// The record type of a row of `data`, if it can have rows there: a keyed record type.
    fn table_record(&mut self, row: &'a ast::FactDecl) -> Option<RecordId> {
        let Some((Global::Record(record), _)) = self.globals.get(row.record.name.as_str()) else {
            // Reported when the row is checked.
            return None;
        };
        let record = *record;
        if self.program.records[record.idx()].key.is_none() {
            let name = self.program.records[record.idx()].name.clone();
            self.error(messages::keyless_table(&name, row.record.span));
            return None;
        }
        Some(record)
    }

    /// Checks the rows of every `data` declaration as facts, and that each gives every field
    /// that is not optional, none of them `unknown`: a table is a list of known constants.
    pub(super) fn check_data(&mut self) {
        let mut written = Written::default();
        for decl in self.data_decls.clone() {
            for row in &decl.rows {
                let Some(checked) = self.check_fact(row, &mut written, true) else {
                    continue;
                };
                let def = &self.program.records[checked.record.idx()];
                if !def.table {
                    continue;
                }
                // The row's problems, reported once the record's definition is let go.
                let mut problems = Vec::new();
                let mut missing = Vec::new();
                for (idx, field) in def.fields.iter().enumerate() {
                    // A row without its key is reported when the tables are collected.
                    if def.key == Some(idx as u32) {
                        continue;
                    }
                    let given = row.fields.iter().find(|given| given.name.name == field.name);
                    match given {
                        Some(given) if matches!(given.value, FactValue::Unknown(_)) => {
                            problems.push(messages::data_row_unknown(
                                &def.name,
                                &field.name,
                                given.value.span(),
                            ));
                        }
                        Some(_) => {}
                        None if self.is_optional(field.ty) => {}
                        None => missing.push(field.name.clone()),
                    }
                }
                if !missing.is_empty() {
                    problems.push(messages::data_row_missing(&def.name, &missing, row.record.span));
                }
                for problem in problems {
                    self.error(problem);
                }
                self.program.data.push(checked);
            }
        }
    }

    /// The rows of the table `record` whose other `Text` fields (neither key nor alias) hold
    /// `text` exactly, as (field, key) pairs, sorted: a name that is no key nor alias may still
    /// be, say, a former country's `alpha2`, and the diagnostic then lists the rows it could
    /// mean. Read from the rows when a diagnostic asks, not kept for every text of every row.
    pub(super) fn table_holders(&self, record: RecordId, text: &str) -> Vec<(&'a str, &'a str)> {
        let def = &self.program.records[record.idx()];
        let Some(key_field) = def.key else {
            return Vec::new();
        };
        let key_name = def.fields[key_field as usize].name.as_str();
        let alias_name = def.alias.map(|alias| def.fields[alias as usize].name.as_str());
        let mut holders = Vec::new();
        for decl in self.data_decls.iter().copied() {
            for row in &decl.rows {
                let row_record = match self.globals.get(row.record.name.as_str()) {
                    Some((Global::Record(row_record), _)) => *row_record,
                    _ => continue,
                };
                if row_record != record {
                    continue;
                }
                let key = row.fields.iter().find(|field| field.name.name == key_name);
                let Some(ast::FactField {
                    value: FactValue::Text(key),
                    ..
                }) = key
                else {
                    continue;
                };
                for field in &row.fields {
                    let name = field.name.name.as_str();
                    if name == key_name || Some(name) == alias_name {
                        continue;
                    }
                    if let FactValue::Text(value) = &field.value
                        && value.value == text
                    {
                        holders.push((name, key.value.as_str()));
                    }
                }
            }
        }
        holders.sort_unstable();
        holders.dedup();
        holders
    }

    /// The names of a table's rows, if `record` is a table.
    pub(super) fn table_names(&self, record: RecordId) -> Option<&TableNames> {
        self.tables.get(&record)
    }
}
