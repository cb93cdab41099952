//! Facts: input records (JSON, JSON Lines, YAML, CSV, or a test's facts) validated against a
//! program's schema and stored as typed tables the evaluator reads without copying.
//! The readers live in `json`, `yaml` and `csv`; `bind` turns what they read into cells.

mod bind;
mod csv;
mod dialect;
pub mod edit;
mod format;
mod inputs;
mod json;
mod mapping;
mod messages;
pub mod missed;
mod path;
mod pending;
mod sink;
mod tree;
mod yaml;

use std::collections::HashMap;

use crate::check::ir::{self, Program, RecordId, Type};
use crate::check::keys::KnownKeys;
use crate::diagnostic::Diagnostic;
use crate::source::{SourceId, SourceMap, Span};
use crate::value::{Interner, SeqId, Sym, Value};

pub use dialect::{Dialect, RowSplitter};
pub use format::Format;
pub use inputs::{Inputs, TextInput, Unbound};
pub use mapping::{Case, Column, DateFormat, Fill, Mapping, Normaliser, Words};
pub use missed::MissedKeys;
use path::{NestLink, Schema};
use pending::PendingRef;
use sink::Sink;

/// Loaded facts: one table per record type of the program, ready for evaluation.
#[derive(Clone, Debug)]
pub struct Facts {
    /// A copy of the program's interner, extended with every text in the facts.
    pub interner: Interner,
    /// One table per record type, in the order of [`Program::records`].
    pub tables: Vec<Table>,
    /// The sets and lists of the facts: `Value::Seq(SeqId(i))` is `seqs[i]`.
    /// Sets are sorted by `Value`'s order and hold no duplicates; lists keep their order.
    pub seqs: Vec<Box<[Value]>>,
    /// The row each of [`Program::key_refs`] is bound to, in its record's table.
    pub key_refs: Vec<u32>,
    /// What the facts were read from, so that they can be bound to another program without
    /// reading anything again (`Engine::rebind_facts`).
    pub inputs: Inputs,
    /// The keys lookups by a computed key found no fact for, while deciding.
    pub missed: MissedKeys,
}

impl Inputs {
    /// Whether the facts can be bound to another program; if not, the diagnostic saying why.
    pub fn check_rebindable(&self) -> Result<(), Diagnostic> {
        match self.unbound {
            None => Ok(()),
            // The test facts' span, or the stream's source.
            Some(Unbound::TestFacts(span)) => Err(messages::not_rebindable(Ok(span))),
            Some(Unbound::Stream(source)) => Err(messages::not_rebindable(Err(source))),
        }
    }
}

/// The facts of one record type, stored row by row.
#[derive(Clone, Debug)]
pub struct Table {
    /// How many fields each row has (the record type's field count).
    pub n_fields: usize,
    /// Row-major cells, `n_fields` per row, in field order.
    /// `None` is unknown; `Some(Value::None)` is an optional value known to be absent.
    pub cells: Vec<Option<Value>>,
    /// The row of each key (records with a key field only).
    pub keys: KeyIndex,
    /// How many rows came from input; rows from this one on are placeholders for
    /// key references of the policy that no fact has, with every field but the key unknown.
    pub n_input_rows: u32,
    /// Where each row came from; `None` for placeholders.
    pub origins: Vec<Option<Span>>,
    /// For a nested record type, the field that holds each row; empty for other types.
    pub parents: Vec<Parent>,
}

/// The field of a fact that holds a nested record.
#[derive(Copy, Clone, Debug, PartialEq, Eq)]
pub struct Parent {
    /// The record type of the fact that holds it.
    pub record: RecordId,
    /// That fact's row.
    pub row: u32,
    /// The field that holds the nested record.
    pub field: u32,
}

impl Facts {
    /// The value of a field of a row; `None` if it is unknown.
    #[inline]
    pub fn cell(&self, record: RecordId, row: u32, field: u32) -> Option<Value> {
        let table = &self.tables[record.idx()];
        table.cells[row as usize * table.n_fields + field as usize]
    }

    /// The elements of a set or list.
    #[inline]
    pub fn seq(&self, id: SeqId) -> &[Value] {
        &self.seqs[id.0 as usize]
    }

    /// The field that holds a row of a nested record type; `None` for other types.
    pub fn parent(&self, record: RecordId, row: u32) -> Option<Parent> {
        self.tables[record.idx()].parents.get(row as usize).copied()
    }

    /// How many rows a record type has, placeholders included.
    pub fn n_rows(&self, record: RecordId) -> u32 {
        u32::try_from(self.tables[record.idx()].origins.len()).expect("rows are counted in u32")
    }

    /// The key of a row, if its record type has a key field and the row's key is known.
    pub fn key_text(&self, program: &Program, record: RecordId, row: u32) -> Option<&str> {
        if missed::is_missed(row) {
            return None;
        }
        let key = program.records[record.idx()].key?;
        match self.cell(record, row, key)? {
            Value::Text(sym) => Some(self.interner.resolve(sym)),
            // A key that is a row of a table: that row's key.
            Value::Record(target_row) => {
                let table = program.records[record.idx()].key_table?;
                self.key_text(program, table, target_row)
            }
            _ => None,
        }
    }
}

/// How the columns of a table are read, from its header ([`FactsBuilder::begin_table`]): made
/// once, then used for the rows of every chunk of a stream, numbering them on.
#[derive(Debug)]
pub struct TableLayout(csv::Layout);

impl TableLayout {
    /// How the table is cut into rows and cells.
    pub fn dialect(&self) -> Dialect {
        self.0.dialect()
    }
}

/// The row of each key of a table: looked up for every reference a fact makes, so hashed with
/// foldhash (seeded at random per process) rather than SipHash.
pub type KeyIndex = HashMap<Sym, u32, foldhash::fast::RandomState>;

/// A table being filled.
#[derive(Debug)]
struct TableBuilder {
    n_fields: usize,
    cells: Vec<Option<Value>>,
    keys: KeyIndex,
    origins: Vec<Option<Span>>,
    /// For a nested record type, the field that holds each row.
    parents: Vec<Parent>,
    /// The span of each row's key (keyed records only), for duplicate-key messages.
    key_spans: Vec<Span>,
    /// The cells a new row starts with: none for optional fields, unknown for the others.
    defaults: Box<[Option<Value>]>,
    /// Field names as bytes, for the readers' field lookup.
    field_names: Box<[Box<[u8]>]>,
}

impl TableBuilder {
    fn n_rows(&self) -> u32 {
        u32::try_from(self.origins.len()).expect("fewer than 2^32 rows per record type")
    }
}

/// Loads facts texts and test facts against a program's schema.
///
/// Call [`FactsBuilder::add_text`] (or [`FactsBuilder::add_json_line`], or
/// [`FactsBuilder::add_test_facts`]) for each input, then [`FactsBuilder::finish`].
/// A failed add reports its problems and leaves the tables well-formed (a bad value is
/// stored as unknown), but the caller should report the problems rather than evaluate.
#[derive(Debug)]
pub struct FactsBuilder<'p> {
    program: &'p Program,
    interner: Interner,
    tables: Vec<TableBuilder>,
    seqs: Vec<Box<[Value]>>,
    /// References by key that could not be resolved when read; `finish` resolves them.
    pending: Vec<PendingRef>,
    /// Sets holding references resolved only in `finish`, to be sorted there.
    unsorted_sets: Vec<u32>,
    /// Problems found while adding that only `finish` reports (duplicate keys, test facts).
    deferred: Sink,
    /// How many JSON Lines records each source has given, for paths like `Transfer[3]`.
    line_counts: HashMap<SourceId, u32>,
    /// Per field of the current record: the span of its name if already given.
    seen: Vec<Option<Span>>,
    /// The fields that hold the nested records read so far, for paths in messages.
    nest_links: Vec<NestLink>,
    /// Whether the program has nested record types (rows of which a broken-off record must take back).
    has_nested: bool,
    /// Where the reference data ends, when subjects are loaded in chunks.
    base: Option<BaseMark>,
    /// What has been added, for [`Facts::inputs`].
    inputs: Inputs,
    /// The deepest nesting of arrays and objects a JSON or YAML text may have.
    pub max_nesting: usize,
    /// Whether the tables (the program's `data`) are loaded: a row of a table added after that
    /// comes from facts, which cannot add to a table.
    tables_closed: bool,
    /// The tables facts tried to add rows to, each reported once.
    tables_reported: Vec<bool>,
}

/// The default for [`FactsBuilder::max_nesting`]: far more than facts need (an object of arrays
/// of records holding sets is four levels), far less than could exhaust a stack.
pub const DEFAULT_MAX_NESTING: usize = 128;

/// The sizes of the reference data, to return to after each chunk of subjects.
#[derive(Debug, Clone)]
struct BaseMark {
    rows: Vec<u32>,
    n_seqs: usize,
    n_texts: usize,
}

impl<'p> FactsBuilder<'p> {
    /// The schema and nested-record links messages name places with.
    fn schema(&self) -> Schema<'_> {
        Schema {
            program: self.program,
            nest_links: &self.nest_links,
        }
    }

    /// A builder for a program's facts, holding the rows of its tables (`data`) and nothing else.
    pub fn new(program: &'p Program) -> Self {
        let tables = program
            .records
            .iter()
            .map(|record| {
                let defaults = record
                    .fields
                    .iter()
                    .map(|field| match program.types.get(field.ty) {
                        Type::Optional(_) => Some(Value::None),
                        _ => None,
                    })
                    .collect();
                let field_names = record
                    .fields
                    .iter()
                    .map(|field| Box::from(field.name.as_bytes()))
                    .collect();
                TableBuilder {
                    n_fields: record.fields.len(),
                    cells: Vec::new(),
                    keys: KeyIndex::default(),
                    origins: Vec::new(),
                    parents: Vec::new(),
                    key_spans: Vec::new(),
                    defaults,
                    field_names,
                }
            })
            .collect();
        let mut builder = FactsBuilder {
            program,
            interner: program.interner.clone(),
            tables,
            seqs: Vec::new(),
            pending: Vec::new(),
            unsorted_sets: Vec::new(),
            deferred: Sink::new(),
            line_counts: HashMap::new(),
            seen: Vec::new(),
            nest_links: Vec::new(),
            has_nested: program.records.iter().any(|record| record.nested),
            base: None,
            inputs: Inputs::default(),
            max_nesting: DEFAULT_MAX_NESTING,
            tables_closed: false,
            tables_reported: vec![false; program.records.len()],
        };
        // Texts computed against these facts are theirs, not the program's.
        builder.interner.own_computed();
        builder.add_data();
        builder
    }

    /// Adds the rows of the program's tables, then their aliases as further keys, so that a
    /// reference by any name of a row finds it as it is read. The checker proved every row
    /// whole, every name unique and every reference found.
    fn add_data(&mut self) {
        let program = self.program;
        let mut counts = vec![0u32; program.records.len()];
        for fact in &program.data {
            let index = counts[fact.record.idx()];
            counts[fact.record.idx()] += 1;
            self.add_test_fact(fact, index);
        }
        for (idx, record) in program.records.iter().enumerate() {
            let (Some(alias), true) = (record.alias, record.table) else {
                continue;
            };
            let table = &mut self.tables[idx];
            for row in 0..table.n_rows() {
                let names: &[Value] = match table.cells[row as usize * table.n_fields + alias as usize] {
                    Some(Value::Seq(id)) => &self.seqs[id.0 as usize],
                    Some(ref value @ Value::Text(_)) => std::slice::from_ref(value),
                    _ => &[],
                };
                for name in names {
                    if let Value::Text(sym) = name {
                        table.keys.entry(*sym).or_insert(row);
                    }
                }
            }
        }
        self.tables_closed = true;
    }

    /// Parses one facts text and adds its records.
    ///
    /// `record` is the record type of every record in the text when the text does not name it:
    /// required for a top-level JSON or YAML array and for CSV; for JSON Lines it defaults to
    /// the record type the policy decides.
    pub fn add_text(
        &mut self,
        sources: &SourceMap,
        source: SourceId,
        format: Format,
        record: Option<RecordId>,
    ) -> Result<(), Vec<Diagnostic>> {
        self.add_table(sources, source, format, record, None)
    }

    /// Parses one facts text and adds its records, as [`FactsBuilder::add_text`] does; a CSV or
    /// TSV text is read as `mapping` says, if given (and the mapping's record type is checked
    /// against the program's).
    pub fn add_table(
        &mut self,
        sources: &SourceMap,
        source: SourceId,
        format: Format,
        record: Option<RecordId>,
        mapping: Option<&std::sync::Arc<Mapping>>,
    ) -> Result<(), Vec<Diagnostic>> {
        let text = sources.get(source).text.as_str();
        if self.base.is_some() {
            // A chunk of a stream: the next chunk's text takes its place, so it cannot be read again.
            self.inputs.unbound.get_or_insert(Unbound::Stream(source));
        } else {
            self.inputs.texts.push(TextInput {
                source,
                format,
                record: record.map(|record| self.program.records[record.idx()].name.clone()),
                mapping: mapping.cloned(),
            });
        }
        let mut sink = Sink::new();
        // Every reader must read all of its text or say why not: a control character can make a
        // parser stop early (yaml-rust2 takes a NUL for the end), so none reaches a parser.
        if let Some((at, ch)) = control_character(text) {
            let span = Span::new(source, at, at + ch.len_utf8());
            return Err(vec![messages::control_character(format, ch, span)]);
        }
        if let Some(nested) = record.filter(|record| self.program.records[record.idx()].nested) {
            sink.push(messages::nested_facts_alone(
                self.schema(),
                nested,
                Span::new(source, 0, 0),
            ));
            return sink.into_result();
        }
        match format {
            Format::Json => json::load_document(self, &mut sink, text, source, record),
            Format::JsonLines => {
                match record.or_else(|| self.program.subject.as_ref().map(|subject| subject.record)) {
                    Some(record) => json::load_lines(self, &mut sink, text, source, record),
                    None => sink.push(messages::lines_without_record(
                        self.schema(),
                        Span::new(source, 0, 0),
                    )),
                }
            }
            Format::Yaml => yaml::load_document(self, &mut sink, text, source, record),
            Format::Csv | Format::Tsv => {
                match self.table_record(record, mapping.map(|mapping| &**mapping), source) {
                    Ok(record) => csv::load(
                        self,
                        &mut sink,
                        text,
                        source,
                        record,
                        format,
                        mapping.map(|mapping| &**mapping),
                    ),
                    Err(diagnostic) => sink.push(diagnostic),
                }
            }
        }
        sink.into_result()
    }

    /// The record type of a table: the one named with the input, or else the mapping's; a
    /// mapping for a record type the program does not declare is an error.
    fn table_record(
        &self,
        record: Option<RecordId>,
        mapping: Option<&Mapping>,
        source: SourceId,
    ) -> Result<RecordId, Diagnostic> {
        let mapped = match mapping.and_then(|mapping| mapping.record.as_ref()) {
            Some((name, span)) => match self.program.record(name) {
                Some(found) if !self.program.records[found.idx()].nested => Some(found),
                _ => return Err(messages::mapping_unknown_record(self.schema(), name, *span)),
            },
            None => None,
        };
        record
            .or(mapped)
            .ok_or_else(|| messages::csv_without_record(self.schema(), Span::new(source, 0, 0)))
    }

    /// Reads the header of a table whose rows will come in chunks ([`FactsBuilder::add_table_rows`]):
    /// `source` holds the lines before the header, if any, and the header row. The layout says
    /// how each column is read and where the next row is numbered from.
    pub fn begin_table(
        &mut self,
        sources: &SourceMap,
        source: SourceId,
        format: Format,
        record: Option<RecordId>,
        mapping: Option<&Mapping>,
    ) -> Result<TableLayout, Vec<Diagnostic>> {
        let text = sources.get(source).text.as_str();
        if let Some((at, ch)) = control_character(text) {
            let span = Span::new(source, at, at + ch.len_utf8());
            return Err(vec![messages::control_character(format, ch, span)]);
        }
        let record = self
            .table_record(record, mapping, source)
            .map_err(|diagnostic| vec![diagnostic])?;
        let mut sink = Sink::new();
        let layout = csv::read_header(self, &mut sink, text, source, record, format, mapping);
        sink.into_result()?;
        Ok(TableLayout(layout.expect("a header not read is reported").0))
    }

    /// Adds the rows of one chunk of a table whose header [`FactsBuilder::begin_table`] read;
    /// rows are numbered on from the previous chunk's.
    pub fn add_table_rows(
        &mut self,
        sources: &SourceMap,
        source: SourceId,
        layout: &mut TableLayout,
    ) -> Result<(), Vec<Diagnostic>> {
        self.inputs.unbound.get_or_insert(Unbound::Stream(source));
        let text = sources.get(source).text.as_str();
        if let Some((at, ch)) = control_character(text) {
            let span = Span::new(source, at, at + ch.len_utf8());
            return Err(vec![messages::control_character(Format::Csv, ch, span)]);
        }
        let mut sink = Sink::new();
        csv::load_rows(self, &mut sink, text, source, 0, &mut layout.0);
        sink.into_result()
    }

    /// Adds one record of type `record` from one JSON Lines line whose bytes start at
    /// `offset` in `source`; for batch loading without a whole text in memory.
    pub fn add_json_line(
        &mut self,
        line: &str,
        source: SourceId,
        offset: usize,
        record: RecordId,
    ) -> Result<(), Vec<Diagnostic>> {
        self.inputs.unbound.get_or_insert(Unbound::Stream(source));
        let mut sink = Sink::new();
        if let Some((at, ch)) = control_character(line) {
            let span = Span::new(source, offset + at, offset + at + ch.len_utf8());
            return Err(vec![messages::control_character(Format::JsonLines, ch, span)]);
        }
        if self.program.records[record.idx()].nested {
            let span = Span::new(source, offset, offset);
            sink.push(messages::nested_facts_alone(self.schema(), record, span));
            return sink.into_result();
        }
        let index = self.line_counts.get(&source).copied().unwrap_or(0);
        if json::load_line(self, &mut sink, line, source, offset, record, index) {
            self.line_counts.insert(source, index + 1);
        }
        sink.into_result()
    }

    /// Adds the facts of a test block, already checked against the schema.
    /// Their problems (duplicate or missing keys, dangling references) are reported by `finish`.
    pub fn add_test_facts(&mut self, facts: &[ir::TestFact]) {
        if let Some(first) = facts.first() {
            self.inputs.unbound.get_or_insert(Unbound::TestFacts(first.span));
        }
        let mut counts = vec![0u32; self.program.records.len()];
        for fact in facts {
            let index = counts[fact.record.idx()];
            counts[fact.record.idx()] += 1;
            self.add_test_fact(fact, index);
        }
    }

    /// Resolves references by key, binds the program's key references, and reports
    /// duplicate keys; returns the facts, or every problem found.
    pub fn finish(mut self) -> Result<Facts, Vec<Diagnostic>> {
        let mut sink = std::mem::replace(&mut self.deferred, Sink::new());
        self.resolve_pending(&mut sink);
        self.check_compound_keys(&mut sink);
        sink.into_result()?;
        self.sort_pending_sets();
        let n_input_rows: Vec<u32> = self.tables.iter().map(TableBuilder::n_rows).collect();
        let key_refs = self.bind_key_refs();
        let tables = self
            .tables
            .into_iter()
            .zip(n_input_rows)
            .map(|(table, n_input_rows)| Table {
                n_fields: table.n_fields,
                cells: table.cells,
                keys: table.keys,
                n_input_rows,
                origins: table.origins,
                parents: table.parents,
            })
            .collect();
        Ok(Facts {
            interner: self.interner,
            tables,
            seqs: self.seqs,
            key_refs,
            inputs: self.inputs,
            missed: MissedKeys::default(),
        })
    }

    /// The texts added whole so far, as [`Facts::inputs`] will hold them.
    pub fn inputs(&self) -> &Inputs {
        &self.inputs
    }

    /// Marks everything added so far as reference data (countries, items, …), for deciding
    /// subjects in chunks: each chunk is added, taken with [`FactsBuilder::finish_chunk`], decided,
    /// and given back with [`FactsBuilder::reclaim`], which forgets it. Memory then stays flat
    /// however many subjects stream through.
    pub fn mark_base(&mut self) {
        self.base = Some(BaseMark {
            rows: self.tables.iter().map(TableBuilder::n_rows).collect(),
            n_seqs: self.seqs.len(),
            n_texts: self.interner.len(),
        });
    }

    /// Reports the facts of record types with a compound key that leave a field of the key
    /// unknown (E0484), and every two facts with the same key (E0483), naming both.
    fn check_compound_keys(&self, sink: &mut Sink) {
        for (idx, record) in self.program.records.iter().enumerate() {
            if record.compound_key.is_empty() {
                continue;
            }
            let table = &self.tables[idx];
            let mut seen: HashMap<Vec<Value>, u32> = HashMap::new();
            'rows: for row in 0..table.n_rows() {
                let origin = table.origins[row as usize];
                let mut key = Vec::with_capacity(record.compound_key.len());
                for field in &record.compound_key {
                    match table.cells[row as usize * table.n_fields + *field as usize] {
                        Some(value) => key.push(value),
                        None => {
                            let name = &record.fields[*field as usize].name;
                            sink.push(messages::unknown_compound_key(&record.name, name, origin));
                            continue 'rows;
                        }
                    }
                }
                match seen.get(&key) {
                    Some(first) => {
                        let first = table.origins[*first as usize];
                        let shown = self.show_key(record, &key);
                        sink.push(messages::duplicate_compound_key(
                            &record.name,
                            &shown,
                            origin,
                            first,
                        ));
                    }
                    None => {
                        seen.insert(key, row);
                    }
                }
            }
        }
    }

    /// A compound key as a lookup writes it: `("Mali", 2014)`.
    fn show_key(&self, record: &ir::RecordDef, key: &[Value]) -> String {
        let values: Vec<String> = record
            .compound_key
            .iter()
            .zip(key)
            .map(|(field, value)| match value {
                Value::Text(sym) => format!("{:?}", messages::quoted(self.interner.resolve(*sym))),
                Value::Int(value) => value.to_string(),
                Value::Bool(value) => value.to_string(),
                Value::Date(date) => date.to_string(),
                Value::Variant(variant) => match self.program.types.get(record.fields[*field as usize].ty) {
                    ir::Type::Enum(id) => self.program.enums[id.idx()].variants[*variant as usize].clone(),
                    _ => variant.to_string(),
                },
                Value::Record(row) => match self.program.types.get(record.fields[*field as usize].ty) {
                    ir::Type::Record(target) => self.key_of(target, *row).map_or_else(
                        || format!("#{}", row + 1),
                        |key| format!("{:?}", messages::quoted(key)),
                    ),
                    _ => format!("#{}", row + 1),
                },
                other => format!("{other:?}"),
            })
            .collect();
        format!("({})", values.join(", "))
    }

    /// The key text of a row of a keyed record type, as read so far.
    fn key_of(&self, record: RecordId, row: u32) -> Option<&str> {
        let key = self.program.records[record.idx()].key?;
        let table = &self.tables[record.idx()];
        match table
            .cells
            .get(row as usize * table.n_fields + key as usize)
            .copied()
            .flatten()?
        {
            Value::Text(sym) => Some(self.interner.resolve(sym)),
            _ => None,
        }
    }

    /// How many rows of `record` the reference data marked by [`FactsBuilder::mark_base`] holds
    /// (every row added so far, if nothing is marked).
    pub fn base_rows(&self, record: RecordId) -> u32 {
        match &self.base {
            Some(base) => base.rows[record.idx()],
            None => self.tables[record.idx()].n_rows(),
        }
    }

    /// The facts so far (reference data and the current chunk), without consuming the builder.
    /// Problems are reported as by [`FactsBuilder::finish`]. Give the facts back with
    /// [`FactsBuilder::reclaim`] before adding the next chunk.
    pub fn finish_chunk(&mut self) -> Result<Facts, Vec<Diagnostic>> {
        let mut sink = std::mem::replace(&mut self.deferred, Sink::new());
        self.resolve_pending(&mut sink);
        self.check_compound_keys(&mut sink);
        if let Err(diagnostics) = sink.into_result() {
            self.truncate_to_base();
            return Err(diagnostics);
        }
        self.sort_pending_sets();
        let n_input_rows: Vec<u32> = self.tables.iter().map(TableBuilder::n_rows).collect();
        let key_refs = self.bind_key_refs();
        let tables = self
            .tables
            .iter_mut()
            .zip(n_input_rows)
            .map(|(table, n_input_rows)| Table {
                n_fields: table.n_fields,
                cells: std::mem::take(&mut table.cells),
                keys: std::mem::take(&mut table.keys),
                n_input_rows,
                origins: std::mem::take(&mut table.origins),
                parents: std::mem::take(&mut table.parents),
            })
            .collect();
        Ok(Facts {
            interner: std::mem::take(&mut self.interner),
            tables,
            seqs: std::mem::take(&mut self.seqs),
            key_refs,
            inputs: self.inputs.clone(),
            missed: MissedKeys::default(),
        })
    }

    /// Takes back the facts of [`FactsBuilder::finish_chunk`] and forgets the chunk's subjects
    /// (and the placeholder rows bound for it), keeping the reference data.
    pub fn reclaim(&mut self, facts: Facts) {
        self.interner = facts.interner;
        self.seqs = facts.seqs;
        for (builder, table) in self.tables.iter_mut().zip(facts.tables) {
            builder.cells = table.cells;
            builder.keys = table.keys;
            builder.origins = table.origins;
            builder.parents = table.parents;
        }
        self.truncate_to_base();
    }

    fn truncate_to_base(&mut self) {
        let base = self.base.clone().unwrap_or_else(|| BaseMark {
            rows: vec![0; self.tables.len()],
            n_seqs: 0,
            n_texts: self.program.interner.len(),
        });
        for (table, rows) in self.tables.iter_mut().zip(&base.rows) {
            if table.n_rows() > *rows {
                table.cells.truncate(*rows as usize * table.n_fields);
                table.origins.truncate(*rows as usize);
                table.parents.truncate(*rows as usize);
                table
                    .key_spans
                    .truncate((*rows as usize).min(table.key_spans.len()));
                table.keys.retain(|_, row| *row < *rows);
            }
        }
        self.seqs.truncate(base.n_seqs);
        self.interner.truncate(base.n_texts);
        self.pending.clear();
        self.unsorted_sets.clear();
        self.nest_links.clear();
    }

    /// Binds every key reference of the program to a row, adding placeholder rows for keys
    /// no fact has, so that their fields read as unknown.
    fn bind_key_refs(&mut self) -> Vec<u32> {
        let program = self.program;
        program
            .key_refs
            .iter()
            .map(|key_ref| {
                let table = &mut self.tables[key_ref.record.idx()];
                if let Some(row) = table.keys.get(&key_ref.key) {
                    return *row;
                }
                let row = table.n_rows();
                let start = table.cells.len();
                table.cells.resize(start + table.n_fields, None);
                if let Some(key) = program.records[key_ref.record.idx()].key {
                    // A key that is a row of a table holds the row (the checker proved it exists).
                    let cell = match program.records[key_ref.record.idx()].key_table {
                        Some(target) => self.tables[target.idx()]
                            .keys
                            .get(&key_ref.key)
                            .map(|row| Value::Record(*row)),
                        None => Some(Value::Text(key_ref.key)),
                    };
                    let table = &mut self.tables[key_ref.record.idx()];
                    table.cells[start + key as usize] = cell;
                }
                let table = &mut self.tables[key_ref.record.idx()];
                table.origins.push(None);
                table.keys.insert(key_ref.key, row);
                row
            })
            .collect()
    }
}

/// The keys of the facts as loaded: placeholder rows bound for the policy's key references do
/// not count, since no fact defines them.
impl KnownKeys for Facts {
    fn has_key(&self, record: RecordId, key: &str) -> bool {
        let table = &self.tables[record.idx()];
        self.interner
            .get(key)
            .and_then(|sym| table.keys.get(&sym))
            .is_some_and(|row| *row < table.n_input_rows)
    }

    fn keys(&self, record: RecordId) -> Box<dyn Iterator<Item = &str> + '_> {
        let table = &self.tables[record.idx()];
        Box::new(
            table
                .keys
                .iter()
                .filter(|(_, row)| **row < table.n_input_rows)
                .map(|(sym, _)| self.interner.resolve(*sym)),
        )
    }

    fn has_facts(&self, record: RecordId) -> Option<bool> {
        Some(self.tables[record.idx()].n_input_rows > 0)
    }
}

/// The keys of the facts added so far, for checking a policy's key references against the
/// reference data before a stream of subjects is decided.
impl KnownKeys for FactsBuilder<'_> {
    fn has_key(&self, record: RecordId, key: &str) -> bool {
        let table = &self.tables[record.idx()];
        self.interner
            .get(key)
            .and_then(|sym| table.keys.get(&sym))
            .is_some_and(|row| table.origins[*row as usize].is_some())
    }

    fn keys(&self, record: RecordId) -> Box<dyn Iterator<Item = &str> + '_> {
        let table = &self.tables[record.idx()];
        Box::new(
            table
                .keys
                .iter()
                .filter(|(_, row)| table.origins[**row as usize].is_some())
                .map(|(sym, _)| self.interner.resolve(*sym)),
        )
    }

    fn has_facts(&self, record: RecordId) -> Option<bool> {
        Some(self.tables[record.idx()].origins.iter().any(Option::is_some))
    }
}

/// The first control character of a facts text and its offset: a C0 control other than tab, line
/// feed and carriage return, DEL, or a C1 control. No facts format allows one raw (JSON and YAML
/// have escapes for them inside quoted strings), and one is often the sign of a binary file.
fn control_character(text: &str) -> Option<(usize, char)> {
    // Most facts are free of them: a pass the compiler vectorises finds the 64-byte blocks that
    // may hold one (0xC2 starts U+0080 to U+00BF), and only those are looked at byte by byte.
    const BLOCK: usize = 64;
    let suspect =
        |byte: u8| (byte < 0x20 && !matches!(byte, b'\t' | b'\n' | b'\r')) | (byte == 0x7f) | (byte == 0xc2);
    let first_block = text
        .as_bytes()
        .chunks(BLOCK)
        .position(|block| block.iter().fold(false, |found, &byte| found | suspect(byte)))?;
    let from = first_block * BLOCK;
    let bytes = text.as_bytes();
    let at = bytes
        .iter()
        .enumerate()
        .skip(from)
        .position(|(idx, &byte)| match byte {
            b'\t' | b'\n' | b'\r' => false,
            0..=0x1f | 0x7f => true,
            // U+0080 to U+009F are encoded as 0xC2 followed by 0x80 to 0x9F.
            0xc2 => matches!(bytes.get(idx + 1), Some(0x80..=0x9f)),
            _ => false,
        })?
        + from;
    let ch = text[at..]
        .chars()
        .next()
        .expect("the offset is a character boundary");
    Some((at, ch))
}

#[cfg(test)]
mod tests;
