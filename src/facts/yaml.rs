//! The YAML facts reader: yaml-rust2's event parser builds a small tree with spans
//! (nesting capped), which is then loaded with the same shapes as JSON.

use yaml_rust2::parser::{Event, Parser};
use yaml_rust2::scanner::{Marker, TScalarStyle};

use super::bind::{Row, Scalar, SeqBuilder};
use super::path::Path;
use super::sink::Sink;
use super::{FactsBuilder, messages};
use crate::check::ir::RecordId;
use crate::source::{SourceId, Span};

/// A YAML node with the span it was read from.
#[derive(Debug)]
pub(super) enum Node {
    Scalar { value: String, plain: bool, span: Span },
    Seq { items: Vec<Node>, span: Span },
    Map { entries: Vec<(Node, Node)>, span: Span },
}

impl Node {
    pub(super) fn span(&self) -> Span {
        match self {
            Node::Scalar { span, .. } | Node::Seq { span, .. } | Node::Map { span, .. } => *span,
        }
    }

    fn kind(&self) -> &'static str {
        match self {
            Node::Scalar { .. } => "text",
            Node::Seq { .. } => "an array",
            Node::Map { .. } => "an object",
        }
    }

    /// The scalar as the binder sees it: plain scalars take their meaning from the field's type.
    fn scalar(value: &str, plain: bool) -> Scalar<'_> {
        match (plain, value) {
            (true, "" | "~" | "null" | "Null" | "NULL") => Scalar::Null,
            (true, _) => Scalar::Plain(value),
            (false, _) => Scalar::Str(value),
        }
    }
}

/// A sequence or mapping being read.
struct Frame {
    is_map: bool,
    items: Vec<Node>,
    start: usize,
}

/// Turns the parser's character offsets into byte offsets in the source.
struct Offsets {
    /// Byte offset of each character, when the text is not ASCII.
    chars: Option<Vec<usize>>,
    /// Where the parsed text starts in the source (after a byte order mark).
    base: usize,
    len: usize,
}

impl Offsets {
    fn new(text: &str, base: usize) -> Offsets {
        let chars = (!text.is_ascii()).then(|| text.char_indices().map(|(idx, _)| idx).collect());
        Offsets {
            chars,
            base,
            len: text.len(),
        }
    }

    fn byte(&self, marker: &Marker) -> usize {
        let index = marker.index();
        let local = match &self.chars {
            None => index.min(self.len),
            Some(chars) => chars.get(index).copied().unwrap_or(self.len),
        };
        self.base + local
    }
}

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
            let diagnostic = if plain && matches!(Node::scalar(&value, plain), Scalar::Null) {
                messages::empty_file(span)
            } else {
                messages::top_level_shape(loader.builder.schema(), "text", span)
            };
            loader.sink.push(diagnostic);
        }
    }
}

/// The tree of a YAML text with byte spans, for an editor that changes one value; `None` if
/// the text is not one YAML document.
pub(super) fn tree(text: &str, max_nesting: usize) -> Option<Node> {
    let base = if text.starts_with('\u{feff}') {
        '\u{feff}'.len_utf8()
    } else {
        0
    };
    let mut sink = Sink::new();
    let root = read_tree(&text[base..], text, base, SourceId(0), &mut sink, max_nesting);
    sink.into_result().ok().and(root)
}

/// Reads the one document of a YAML text into a tree; `None` after reporting why it cannot.
fn read_tree(
    text: &str,
    whole: &str,
    base: usize,
    source: SourceId,
    sink: &mut Sink,
    max_nesting: usize,
) -> Option<Node> {
    let offsets = Offsets::new(text, base);
    let mut parser = Parser::new_from_str(text);
    let mut stack: Vec<Frame> = Vec::new();
    let mut root: Option<Node> = None;
    let mut n_documents = 0;
    let fail = |sink: &mut Sink, detail: &str, found: &str, at: usize| {
        let end = whole[at..].chars().next().map_or(at, |ch| at + ch.len_utf8());
        sink.push(messages::malformed(
            "YAML",
            detail,
            found,
            Span::new(source, at, end),
        ));
    };
    loop {
        let (event, marker) = match parser.next_token() {
            Ok(next) => next,
            Err(error) if error.info() == "recursion limit exceeded" => {
                let at = offsets.byte(error.marker());
                let end = whole[at..].chars().next().map_or(at, |ch| at + ch.len_utf8());
                sink.push(messages::nesting_too_deep(
                    "YAML",
                    max_nesting,
                    Span::new(source, at, end),
                ));
                return None;
            }
            Err(error) => {
                let at = offsets.byte(error.marker());
                match long_key(whole, at) {
                    Some((start, end)) => {
                        sink.push(messages::yaml_key_too_long(
                            MAX_KEY_CHARS,
                            Span::new(source, start, end),
                        ));
                    }
                    None => fail(sink, error.info(), "here", at),
                }
                return None;
            }
        };
        let at = offsets.byte(&marker);
        let node = match event {
            Event::StreamEnd if at < whole.len() => {
                // The parser ended before the text did; never decide on part of a file.
                fail(
                    sink,
                    "the YAML reader stopped before the end of the text",
                    "it stopped here",
                    at,
                );
                return None;
            }
            Event::StreamEnd => break,
            Event::StreamStart | Event::Nothing | Event::DocumentEnd => continue,
            Event::DocumentStart => {
                n_documents += 1;
                if n_documents > 1 {
                    fail(
                        sink,
                        "expected one YAML document",
                        "a second document starts here",
                        at,
                    );
                    return None;
                }
                continue;
            }
            Event::Alias(_) => {
                fail(sink, "aliases are not supported in facts", "an alias", at);
                return None;
            }
            Event::SequenceStart(..) | Event::MappingStart(..) => {
                if stack.len() + 1 > max_nesting {
                    let end = whole[at..].chars().next().map_or(at, |ch| at + ch.len_utf8());
                    sink.push(messages::nesting_too_deep(
                        "YAML",
                        max_nesting,
                        Span::new(source, at, end),
                    ));
                    return None;
                }
                stack.push(Frame {
                    is_map: matches!(event, Event::MappingStart(..)),
                    items: Vec::new(),
                    start: at,
                });
                continue;
            }
            Event::Scalar(value, style, _, _) => {
                let end = scalar_end(whole, at, &value, style);
                Node::Scalar {
                    plain: style == TScalarStyle::Plain,
                    value,
                    span: Span::new(source, at, end),
                }
            }
            Event::SequenceEnd | Event::MappingEnd => {
                let frame = stack.pop().expect("the parser balances start and end events");
                let mut end = frame
                    .items
                    .last()
                    .map_or(at.max(frame.start), |item| item.span().end as usize);
                // A flow collection ends at its closing bracket; a block one at its last item.
                if at >= end && matches!(whole.as_bytes().get(at), Some(b'}' | b']')) {
                    end = at + 1;
                }
                let span = Span::new(source, frame.start, end);
                if frame.is_map {
                    let mut items = frame.items.into_iter();
                    let mut entries = Vec::new();
                    while let (Some(key), Some(value)) = (items.next(), items.next()) {
                        entries.push((key, value));
                    }
                    Node::Map { entries, span }
                } else {
                    Node::Seq {
                        items: frame.items,
                        span,
                    }
                }
            }
        };
        match stack.last_mut() {
            Some(frame) => frame.items.push(node),
            None => root = Some(node),
        }
    }
    if root.is_none() {
        sink.push(messages::empty_file(Span::new(source, 0, whole.len())));
    }
    root
}

/// The most characters a YAML implicit key may have (YAML 1.2, section 7.4.2); yaml-rust2 stops
/// looking for the `:` of a key past it and reports an error that does not say why.
const MAX_KEY_CHARS: usize = 1024;

/// The byte range of a key longer than [`MAX_KEY_CHARS`] on the line of the error at `at` or on the
/// line before, if there is one: the cause of the parser's error.
fn long_key(text: &str, at: usize) -> Option<(usize, usize)> {
    let at = at.min(text.len());
    let line_start = |end: usize| text[..end].rfind('\n').map_or(0, |idx| idx + 1);
    let this_line = line_start(at);
    let mut lines = vec![this_line];
    if this_line > 0 {
        lines.push(line_start(this_line - 1));
    }
    lines.into_iter().find_map(|start| {
        let end = text[start..].find('\n').map_or(text.len(), |idx| start + idx);
        let line = &text[start..end];
        // Skip the indentation and any `- ` or `? ` that open a sequence entry or an explicit key.
        let mut key_start = 0;
        loop {
            let rest = &line[key_start..];
            let trimmed = rest.trim_start_matches([' ', '\t']);
            key_start += rest.len() - trimmed.len();
            match trimmed.as_bytes() {
                [b'-' | b'?', b' ' | b'\t', ..] => key_start += 1,
                _ => break,
            }
        }
        let bytes = line.as_bytes();
        let colon = (key_start..bytes.len()).find(|&idx| {
            bytes[idx] == b':' && matches!(bytes.get(idx + 1), None | Some(b' ' | b'\t' | b'\r'))
        })?;
        let key = line[key_start..colon].trim_end();
        (key.chars().count() > MAX_KEY_CHARS).then(|| (start + key_start, start + key_start + key.len()))
    })
}

/// Where a scalar that starts at byte `start` ends in the source.
fn scalar_end(text: &str, start: usize, value: &str, style: TScalarStyle) -> usize {
    let bytes = text.as_bytes();
    let line_end = || {
        text[start..]
            .find(['\n', '\r'])
            .map_or(text.len(), |idx| start + idx)
    };
    match style {
        TScalarStyle::Plain if text[start..].starts_with(value) => start + value.len(),
        TScalarStyle::SingleQuoted | TScalarStyle::DoubleQuoted => {
            let quote = bytes.get(start).copied().unwrap_or(b'"');
            let mut idx = start + 1;
            while let Some(&byte) = bytes.get(idx) {
                // A backslash escapes in double quotes; a doubled quote is one quote in single quotes.
                let escaped = (style == TScalarStyle::DoubleQuoted && byte == b'\\')
                    || (byte == quote && quote == b'\'' && bytes.get(idx + 1) == Some(&b'\''));
                if escaped {
                    idx += 2;
                } else if byte == quote {
                    return idx + 1;
                } else {
                    idx += 1;
                }
            }
            text.len()
        }
        _ => line_end(),
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
                    .put_scalar(row, field, Node::scalar(&value, plain), span, self.sink);
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
                        .push_scalar(seq, Node::scalar(&value, plain), span, path, self.sink);
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
