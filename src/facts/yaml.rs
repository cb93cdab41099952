//! The YAML facts reader: yaml-rust2's event parser builds a small tree with spans
//! (nesting capped), which is then loaded with the same shapes as JSON.

use super::bind::{Row, Scalar, SeqBuilder};
use super::path::Path;
use super::sink::Sink;
use super::tree::{Node, read_tree};
use super::{FactsBuilder, messages};
use crate::check::ir::RecordId;
use crate::source::{SourceId, Span};

/// Parses a YAML facts document: a mapping of record sequences, or a sequence of `record`s.
pub(super) fn load_document(
    builder: &mut FactsBuilder<'_>,
    sink: &mut Sink,
    text: &str,
    source: SourceId,
    record: Option<RecordId>,
) {
    let base = if text.starts_with('\u{feff}') {
        '\u{feff}'.len_utf8()
    } else {
        0
    };
    let Some(root) = read_tree(&text[base..], text, base, source, sink, builder.max_nesting) else {
        return;
    };
    let mut loader = Loader { builder, sink };
    match root {
        Node::Map { entries, .. } => loader.record_map(entries),
        Node::Seq { items, span } => match record {
            Some(record) => loader.records(record, items),
            None => {
                let span = Span::new(source, span.start as usize, span.start as usize + 1);
                let diagnostic = messages::array_without_record(loader.builder.schema(), span);
                loader.sink.push(diagnostic);
            }
        },
        Node::Scalar { value, plain, span } => {
            let diagnostic = if plain && matches!(plain_scalar(&value, plain), Scalar::Null) {
                messages::empty_file(span)
            } else {
                messages::top_level_shape(loader.builder.schema(), "text", span)
            };
            loader.sink.push(diagnostic);
        }
    }
}

/// The scalar as the binder sees it: plain scalars take their meaning from the field's type.
fn plain_scalar(value: &str, plain: bool) -> Scalar<'_> {
    match (plain, value) {
        (true, "" | "~" | "null" | "Null" | "NULL") => Scalar::Null,
        (true, _) => Scalar::Plain(value),
        (false, _) => Scalar::Str(value),
    }
}

struct Loader<'a, 'p> {
    builder: &'a mut FactsBuilder<'p>,
    sink: &'a mut Sink,
}

impl Loader<'_, '_> {
    /// `Country: [...]` entries.
    fn record_map(&mut self, entries: Vec<(Node, Node)>) {
        for (key, value) in entries {
            let Node::Scalar {
                value: name, span, ..
            } = &key
            else {
                let diagnostic = messages::malformed(
                    "YAML",
                    "expected a record type name",
                    "found a collection",
                    key.span(),
                );
                self.sink.push(diagnostic);
                continue;
            };
            match (self.builder.program.record(name), value) {
                (None, _) => {
                    let diagnostic = messages::unknown_record_type(self.builder.schema(), name, *span);
                    self.sink.push(diagnostic);
                }
                (Some(record), _) if self.builder.program.records[record.idx()].nested => {
                    let diagnostic = messages::nested_facts_alone(self.builder.schema(), record, *span);
                    self.sink.push(diagnostic);
                }
                (Some(record), Node::Seq { items, .. }) => self.records(record, items),
                (Some(record), value) => {
                    let diagnostic = messages::expected_records_array(
                        self.builder.schema(),
                        record,
                        value.kind(),
                        value.span(),
                    );
                    self.sink.push(diagnostic);
                }
            }
        }
    }

    fn records(&mut self, record: RecordId, items: Vec<Node>) {
        for (index, item) in (0u32..).zip(items) {
            match item {
                Node::Map { entries, span } => self.record(record, index, entries, span),
                other => {
                    let path = Path {
                        record,
                        index,
                        field: None,
                        element: None,
                        nest: None,
                    };
                    let diagnostic = messages::expected_record_object(
                        self.builder.schema(),
                        path,
                        other.kind(),
                        other.span(),
                    );
                    self.sink.push(diagnostic);
                }
            }
        }
    }

    fn record(&mut self, record: RecordId, index: u32, entries: Vec<(Node, Node)>, span: Span) {
        let mut row = self.builder.begin_row(record, index, span);
        self.fields(&mut row, entries);
        self.builder.finish_row(row, span, self.sink);
    }

    /// The fields of a record's mapping, into its row.
    fn fields(&mut self, row: &mut Row, entries: Vec<(Node, Node)>) {
        let record = row.record;
        for (guess, (key, value)) in entries.into_iter().enumerate() {
            let Node::Scalar {
                value: name,
                span: name_span,
                ..
            } = &key
            else {
                let diagnostic =
                    messages::malformed("YAML", "expected a field name", "found a collection", key.span());
                self.sink.push(diagnostic);
                continue;
            };
            let Some(field) = self.builder.field_index(record, name.as_bytes(), guess) else {
                let diagnostic =
                    messages::unknown_field(self.builder.schema(), row.record_path(), name, *name_span);
                self.sink.push(diagnostic);
                continue;
            };
            if let Some(first) = self.builder.note_field(field, *name_span) {
                let diagnostic =
                    messages::duplicate_field(self.builder.schema(), row.path(field), *name_span, first);
                self.sink.push(diagnostic);
                continue;
            }
            self.field(row, field, value);
        }
    }

    fn field(&mut self, row: &mut Row, field: u32, value: Node) {
        let ty = self.builder.field_type(row.record, field);
        match value {
            Node::Scalar { value, plain, span } => {
                self.builder
                    .put_scalar(row, field, plain_scalar(&value, plain), span, self.sink);
            }
            Node::Seq { items, span } if self.builder.seq_type(ty).is_some() => {
                let mut seq = self.builder.begin_seq(ty);
                self.seq(&mut seq, items, row.path(field));
                let converted = self.builder.end_seq(seq);
                self.builder.store(row, field, converted, span, self.sink);
            }
            Node::Map { entries, span } if self.builder.program.nested_record(ty).is_some() => {
                let nested = self
                    .builder
                    .program
                    .nested_record(ty)
                    .expect("checked by the guard");
                let (mut inner, nesting) = self.builder.begin_nested(row, field, nested, span);
                self.fields(&mut inner, entries);
                self.builder
                    .end_nested(row, field, inner, nesting, span, self.sink);
            }
            Node::Map { span, .. } if self.builder.is_reference(ty) => {
                let diagnostic = messages::not_nested(self.builder.schema(), ty, row.path(field), span);
                self.sink.push(diagnostic);
                self.builder
                    .store(row, field, super::bind::Converted::Failed, span, self.sink);
            }
            other => {
                let span = other.span();
                let converted = self
                    .builder
                    .mismatch(ty, other.kind(), span, row.path(field), self.sink);
                self.builder.store(row, field, converted, span, self.sink);
            }
        }
    }

    fn seq(&mut self, seq: &mut SeqBuilder, items: Vec<Node>, path: Path) {
        for item in items {
            match item {
                Node::Scalar { value, plain, span } => {
                    self.builder
                        .push_scalar(seq, plain_scalar(&value, plain), span, path, self.sink);
                }
                Node::Seq { items, .. } if seq.elem_is_seq(self.builder) => {
                    let mut inner = self.builder.begin_seq(seq.elem());
                    self.seq(&mut inner, items, path.element(seq.position()));
                    self.builder.push_seq(seq, inner);
                }
                other => {
                    let path = path.element(seq.position());
                    self.builder
                        .mismatch(seq.elem(), other.kind(), other.span(), path, self.sink);
                    seq.skip_element();
                }
            }
        }
    }
}
