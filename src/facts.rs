//! Facts: input records validated against a program's schema (placeholder until the loader lands).
#![allow(missing_docs, clippy::missing_errors_doc)]
use std::collections::HashMap;

use crate::check::ir::{self, Program, RecordId};
use crate::diagnostic::Diagnostic;
use crate::source::{SourceId, SourceMap, Span};
use crate::value::{Interner, SeqId, Sym, Value};

#[derive(Debug)]
pub struct Facts {
    pub interner: Interner,
    pub tables: Vec<Table>,
    pub seqs: Vec<Box<[Value]>>,
    pub key_refs: Vec<u32>,
}
#[derive(Debug)]
pub struct Table {
    pub n_fields: usize,
    pub cells: Vec<Option<Value>>,
    pub keys: HashMap<Sym, u32>,
    pub n_input_rows: u32,
    pub origins: Vec<Option<Span>>,
}
impl Facts {
    pub fn cell(&self, record: RecordId, row: u32, field: u32) -> Option<Value> {
        let table = &self.tables[record.idx()];
        table.cells[row as usize * table.n_fields + field as usize]
    }
    pub fn seq(&self, id: SeqId) -> &[Value] {
        &self.seqs[id.0 as usize]
    }
    pub fn n_rows(&self, record: RecordId) -> u32 {
        let table = &self.tables[record.idx()];
        (table.cells.len() / table.n_fields.max(1)) as u32
    }
    pub fn key_text(&self, program: &Program, record: RecordId, row: u32) -> Option<&str> {
        let key = program.records[record.idx()].key?;
        match self.cell(record, row, key) {
            Some(Value::Text(sym)) => Some(self.interner.resolve(sym)),
            _ => None,
        }
    }
}
#[derive(Copy, Clone, Debug, PartialEq, Eq)]
pub enum Format { Json, JsonLines, Yaml, Csv }
impl Format {
    pub fn from_path(_path: &str) -> Option<Format> { unimplemented!() }
}
pub struct FactsBuilder<'p> { _program: &'p Program }
impl<'p> FactsBuilder<'p> {
    pub fn new(program: &'p Program) -> Self { FactsBuilder { _program: program } }
    pub fn add_text(&mut self, _sources: &SourceMap, _source: SourceId, _format: Format, _record: Option<RecordId>) -> Result<(), Vec<Diagnostic>> { unimplemented!() }
    pub fn add_test_facts(&mut self, _facts: &[ir::TestFact]) { unimplemented!() }
    pub fn finish(self) -> Result<Facts, Vec<Diagnostic>> { unimplemented!() }
}
