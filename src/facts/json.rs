//! The JSON and JSON Lines facts reader: a hand-written byte-level parser that streams each
//! record's fields straight into its table row, with an exact span for every problem.

use std::borrow::Cow;

use super::bind::{Row, Scalar, SeqBuilder};
use super::sink::Sink;
use super::{FactsBuilder, messages};
use crate::check::ir::RecordId;
use crate::diagnostic::Code;
use crate::source::{SourceId, Span};

/// The text cannot be read further; the diagnostic saying why is already in the sink.
struct Fatal;

type Parse<T> = Result<T, Fatal>;

/// A scalar token; strings with escapes own their decoded text.
enum Token<'t> {
    Null,
    Bool(bool),
    Number(&'t str),
    Str(Cow<'t, str>),
}

impl Token<'_> {
    fn as_scalar(&self) -> Scalar<'_> {
        match self {
            Token::Null => Scalar::Null,
            Token::Bool(value) => Scalar::Bool(*value),
            Token::Number(text) => Scalar::Number(text),
            Token::Str(text) => Scalar::Str(text),
        }
    }
}

/// What kind of JSON value starts with this byte, for messages.
fn kind_of(byte: u8) -> &'static str {
    match byte {
        b'{' => "an object",
        b'[' => "an array",
        b'"' => "text",
        b't' | b'f' => "a boolean",
        b'n' => "null",
        _ => "a number",
    }
}

fn starts_value(byte: u8) -> bool {
    matches!(byte, b'{' | b'[' | b'"' | b't' | b'f' | b'n' | b'-' | b'0'..=b'9')
}

/// Parses a JSON facts document: an object of record arrays, or an array of `record`s.
pub(super) fn load_document(
    builder: &mut FactsBuilder<'_>,
    sink: &mut Sink,
    text: &str,
    source: SourceId,
    record: Option<RecordId>,
) {
    let mut loader = Loader::new(builder, sink, text, source, 0);
    if text.starts_with('\u{feff}') {
        loader.pos = '\u{feff}'.len_utf8();
    }
    // A fatal problem has been reported already; there is nothing more to read.
    let _ = loader.document(record);
}

/// Parses JSON Lines: one `record` per non-blank line.
pub(super) fn load_lines(
    builder: &mut FactsBuilder<'_>,
    sink: &mut Sink,
    text: &str,
    source: SourceId,
    record: RecordId,
) {
    let n_lines = memchr::memchr_iter(b'\n', text.as_bytes()).count() + 1;
    builder.reserve_rows(record, n_lines);
    let mut index = builder.line_counts.get(&source).copied().unwrap_or(0);
    let mut start = if text.starts_with('\u{feff}') {
        '\u{feff}'.len_utf8()
    } else {
        0
    };
    while start < text.len() {
        let end = find_newline(text.as_bytes(), start);
        if load_line(builder, sink, &text[start..end], source, start, record, index) {
            index += 1;
        }
        start = end + 1;
    }
    builder.line_counts.insert(source, index);
}

/// The index of the first `\n` at or after `start`, or the length of the text.
/// Looks at eight bytes at a time: finding line ends is a good part of reading JSON Lines.
pub(super) fn find_newline(bytes: &[u8], start: usize) -> usize {
    const ONES: u64 = 0x0101_0101_0101_0101;
    const HIGHS: u64 = 0x8080_8080_8080_8080;
    const NEWLINES: u64 = ONES * b'\n' as u64;
    let mut idx = start;
    while let Some(chunk) = bytes.get(idx..idx + 8) {
        let word = u64::from_le_bytes(chunk.try_into().expect("a chunk of eight bytes"));
        let matches = word ^ NEWLINES;
        // A byte of `matches` is zero exactly where `word` has a newline.
        let zero_bytes = matches.wrapping_sub(ONES) & !matches & HIGHS;
        if zero_bytes != 0 {
            return idx + (zero_bytes.trailing_zeros() / 8) as usize;
        }
        idx += 8;
    }
    bytes[idx..]
        .iter()
        .position(|byte| *byte == b'\n')
        .map_or(bytes.len(), |offset| idx + offset)
}

/// Parses one JSON Lines line as the `index`th `record` of its source; false if the line is blank.
pub(super) fn load_line(
    builder: &mut FactsBuilder<'_>,
    sink: &mut Sink,
    line: &str,
    source: SourceId,
    offset: usize,
    record: RecordId,
    index: u32,
) -> bool {
    let mut loader = Loader::new(builder, sink, line, source, offset);
    loader.skip_ws();
    match loader.peek() {
        None => return false,
        Some(b'{') => {
            // A fatal problem has been reported already; the next line starts afresh.
            let _ = loader.record(record, index, 1).and_then(|()| {
                loader.skip_ws();
                match loader.peek() {
                    None => Ok(()),
                    Some(_) => loader.fail("expected the end of the line after the fact"),
                }
            });
        }
        // An array, text or number cannot be a record, whatever follows: the first character
        // says so, and a line streamed in need not be read past it (it may be huge).
        Some(byte @ (b'[' | b'"' | b'-' | b'0'..=b'9')) => {
            let path = super::path::Path {
                record,
                index,
                field: None,
                element: None,
                nest: None,
            };
            let span = loader.span(loader.pos, loader.pos + 1);
            let diagnostic =
                messages::expected_record_object(loader.builder.schema(), path, kind_of(byte), span);
            loader.sink.push(diagnostic);
        }
        Some(byte) => {
            let start = loader.pos;
            if loader.skip_value(0).is_ok() {
                let path = super::path::Path {
                    record,
                    index,
                    field: None,
                    element: None,
                    nest: None,
                };
                let span = loader.span(start, loader.pos);
                let diagnostic =
                    messages::expected_record_object(loader.builder.schema(), path, kind_of(byte), span);
                loader.sink.push(diagnostic);
            }
        }
    }
    true
}

/// A cursor over one JSON text (or one line), loading what it reads into the builder.
struct Loader<'a, 'p, 't> {
    builder: &'a mut FactsBuilder<'p>,
    sink: &'a mut Sink,
    text: &'t str,
    bytes: &'t [u8],
    pos: usize,
    /// Where `text` starts in its source.
    base: usize,
    source: SourceId,
}

impl<'a, 'p, 't> Loader<'a, 'p, 't> {
    fn new(
        builder: &'a mut FactsBuilder<'p>,
        sink: &'a mut Sink,
        text: &'t str,
        source: SourceId,
        base: usize,
    ) -> Self {
        Loader {
            builder,
            sink,
            text,
            bytes: text.as_bytes(),
            pos: 0,
            base,
            source,
        }
    }

    fn span(&self, start: usize, end: usize) -> Span {
        Span::new(self.source, self.base + start, self.base + end)
    }

    /// The span of the character at the cursor (empty at the end).
    fn span_here(&self) -> Span {
        let len = self
            .text
            .get(self.pos..)
            .and_then(|rest| rest.chars().next())
            .map_or(0, char::len_utf8);
        self.span(self.pos, self.pos + len)
    }

    /// What is at the cursor, for a label.
    fn found(&self) -> String {
        match self.text.get(self.pos..).map(|rest| rest.chars().next()) {
            Some(None) => "the text ends here".to_owned(),
            Some(Some(ch)) => format!("found `{}`", ch.escape_debug()),
            None => "found an unexpected byte".to_owned(),
        }
    }

    /// Reports malformed JSON at the cursor.
    #[cold]
    fn fail<T>(&mut self, detail: &str) -> Parse<T> {
        let diagnostic = messages::malformed("JSON", detail, &self.found(), self.span_here());
        self.sink.push(diagnostic);
        Err(Fatal)
    }

    fn too_deep<T>(&mut self) -> Parse<T> {
        self.sink.push(messages::nesting_too_deep(
            "JSON",
            self.builder.max_nesting,
            self.span_here(),
        ));
        Err(Fatal)
    }

    fn peek(&self) -> Option<u8> {
        self.bytes.get(self.pos).copied()
    }

    fn skip_ws(&mut self) {
        while let Some(b' ' | b'\t' | b'\n' | b'\r') = self.bytes.get(self.pos) {
            self.pos += 1;
        }
    }

    fn expect(&mut self, byte: u8, detail: &str) -> Parse<()> {
        if self.peek() == Some(byte) {
            self.pos += 1;
            Ok(())
        } else {
            self.fail(detail)
        }
    }

    fn document(&mut self, record: Option<RecordId>) -> Parse<()> {
        self.skip_ws();
        match self.peek() {
            None => {
                let span = self.span(0, self.text.len());
                self.sink.push(messages::empty_file(span));
                return Err(Fatal);
            }
            Some(b'{') => self.record_map()?,
            Some(b'[') => match record {
                Some(record) => self.records_array(record, 0)?,
                None => {
                    let diagnostic = messages::array_without_record(self.builder.schema(), self.span_here());
                    self.sink.push(diagnostic);
                    return Err(Fatal);
                }
            },
            Some(byte) if starts_value(byte) => {
                let start = self.pos;
                self.skip_value(0)?;
                let diagnostic = messages::top_level_shape(
                    self.builder.schema(),
                    kind_of(byte),
                    self.span(start, self.pos),
                );
                self.sink.push(diagnostic);
                return Err(Fatal);
            }
            Some(_) => return self.fail("expected a JSON value"),
        }
        self.skip_ws();
        match self.peek() {
            None => Ok(()),
            Some(_) => self.fail("expected the end of the text after the facts"),
        }
    }

    /// `{"Country": [...], "Item": [...]}`.
    fn record_map(&mut self) -> Parse<()> {
        self.pos += 1;
        self.skip_ws();
        if self.peek() == Some(b'}') {
            self.pos += 1;
            return Ok(());
        }
        loop {
            let (name, name_span) = self.object_key("a record type name")?;
            match self.builder.program.record(&name) {
                None => {
                    let diagnostic = messages::unknown_record_type(self.builder.schema(), &name, name_span);
                    self.sink.push(diagnostic);
                    self.skip_value(1)?;
                }
                Some(record) if self.builder.program.records[record.idx()].nested => {
                    let diagnostic = messages::nested_facts_alone(self.builder.schema(), record, name_span);
                    self.sink.push(diagnostic);
                    self.skip_value(1)?;
                }
                Some(record) if self.peek() == Some(b'[') => self.records_array(record, 1)?,
                Some(record) => {
                    let start = self.pos;
                    let kind = self.peek().map_or("nothing", kind_of);
                    self.skip_value(1)?;
                    let diagnostic = messages::expected_records_array(
                        self.builder.schema(),
                        record,
                        kind,
                        self.span(start, self.pos),
                    );
                    self.sink.push(diagnostic);
                }
            }
            self.skip_ws();
            match self.peek() {
                Some(b',') => self.pos += 1,
                Some(b'}') => {
                    self.pos += 1;
                    return Ok(());
                }
                _ => return self.fail("expected `,` or `}` after an array of facts"),
            }
        }
    }

    /// `[{...}, {...}]`: records of one type; the cursor is on `[`, inside `depth` containers.
    fn records_array(&mut self, record: RecordId, depth: usize) -> Parse<()> {
        if depth + 1 > self.builder.max_nesting {
            return self.too_deep();
        }
        self.pos += 1;
        self.skip_ws();
        if self.peek() == Some(b']') {
            self.pos += 1;
            return Ok(());
        }
        let mut index = 0u32;
        loop {
            self.skip_ws();
            match self.peek() {
                Some(b'{') => self.record(record, index, depth + 2)?,
                Some(byte) if starts_value(byte) => {
                    let start = self.pos;
                    self.skip_value(depth + 1)?;
                    let path = super::path::Path {
                        record,
                        index,
                        field: None,
                        element: None,
                        nest: None,
                    };
                    let diagnostic = messages::expected_record_object(
                        self.builder.schema(),
                        path,
                        kind_of(byte),
                        self.span(start, self.pos),
                    );
                    self.sink.push(diagnostic);
                }
                _ => return self.fail("expected a fact"),
            }
            index += 1;
            self.skip_ws();
            match self.peek() {
                Some(b',') => self.pos += 1,
                Some(b']') => {
                    self.pos += 1;
                    return Ok(());
                }
                _ => return self.fail("expected `,` or `]` after a fact"),
            }
        }
    }

    /// One record object; the cursor is on `{`, which is the `depth`th container.
    fn record(&mut self, record: RecordId, index: u32, depth: usize) -> Parse<()> {
        if depth > self.builder.max_nesting {
            return self.too_deep();
        }
        let start = self.pos;
        let mark = self.builder.mark(record);
        let mut row = self.builder.begin_row(record, index, self.span(start, start + 1));
        match self.record_fields(&mut row, depth) {
            Ok(()) => {
                let span = self.span(start, self.pos);
                self.builder.finish_row(row, span, self.sink);
                Ok(())
            }
            Err(Fatal) => {
                self.builder.rollback(mark);
                Err(Fatal)
            }
        }
    }

    fn record_fields(&mut self, row: &mut Row, depth: usize) -> Parse<()> {
        self.pos += 1;
        self.skip_ws();
        if self.peek() == Some(b'}') {
            self.pos += 1;
            return Ok(());
        }
        let mut guess = 0;
        loop {
            let (name, name_span) = self.object_key("a field name")?;
            match self.builder.field_index(row.record, name.as_bytes(), guess) {
                None => {
                    let builder = &*self.builder;
                    self.sink.push_with(Code::UnknownFactField, || {
                        messages::unknown_field(builder.schema(), row.record_path(), &name, name_span)
                    });
                    self.skip_value(depth)?;
                }
                Some(field) => {
                    guess = field as usize + 1;
                    if let Some(first) = self.builder.note_field(field, name_span) {
                        let diagnostic = messages::duplicate_field(
                            self.builder.schema(),
                            row.path(field),
                            name_span,
                            first,
                        );
                        self.sink.push(diagnostic);
                        self.skip_value(depth)?;
                    } else {
                        self.field_value(row, field, depth)?;
                    }
                }
            }
            self.skip_ws();
            match self.peek() {
                Some(b',') => self.pos += 1,
                Some(b'}') => {
                    self.pos += 1;
                    return Ok(());
                }
                _ => return self.fail("expected `,` or `}` after an object field"),
            }
        }
    }

    /// The value of a field; the cursor is on its first byte, inside `depth` containers.
    fn field_value(&mut self, row: &mut Row, field: u32, depth: usize) -> Parse<()> {
        let ty = self.builder.field_type(row.record, field);
        let start = self.pos;
        match self.peek() {
            Some(b'[') if self.builder.seq_type(ty).is_some() => {
                let seq = self.builder.begin_seq(ty);
                let seq = self.seq(seq, row.path(field), depth + 1)?;
                let converted = self.builder.end_seq(seq);
                let span = self.span(start, self.pos);
                self.builder.store(row, field, converted, span, self.sink);
            }
            Some(b'{') if self.builder.program.nested_record(ty).is_some() => {
                let nested = self
                    .builder
                    .program
                    .nested_record(ty)
                    .expect("checked by the guard");
                self.nested(row, field, nested, depth + 1)?;
            }
            Some(b'{') if self.builder.is_reference(ty) => {
                self.skip_value(depth)?;
                let span = self.span(start, self.pos);
                let diagnostic = messages::not_nested(self.builder.schema(), ty, row.path(field), span);
                self.sink.push(diagnostic);
                self.builder
                    .store(row, field, super::bind::Converted::Failed, span, self.sink);
            }
            Some(byte @ (b'[' | b'{')) => {
                self.skip_value(depth)?;
                let span = self.span(start, self.pos);
                let converted = self
                    .builder
                    .mismatch(ty, kind_of(byte), span, row.path(field), self.sink);
                self.builder.store(row, field, converted, span, self.sink);
            }
            _ => {
                let token = self.scalar()?;
                let span = self.span(start, self.pos);
                self.builder
                    .put_scalar(row, field, token.as_scalar(), span, self.sink);
            }
        }
        Ok(())
    }

    /// The nested record that `field` of `row` holds; the cursor is on `{`, which is the `depth`th container.
    fn nested(&mut self, row: &mut Row, field: u32, nested: RecordId, depth: usize) -> Parse<()> {
        if depth > self.builder.max_nesting {
            return self.too_deep();
        }
        let start = self.pos;
        let (mut inner, nesting) = self
            .builder
            .begin_nested(row, field, nested, self.span(start, start + 1));
        self.record_fields(&mut inner, depth)?;
        let span = self.span(start, self.pos);
        self.builder
            .end_nested(row, field, inner, nesting, span, self.sink);
        Ok(())
    }

    /// The elements of a set or list; the cursor is on `[`, which is the `depth`th container.
    fn seq(&mut self, mut seq: SeqBuilder, path: super::path::Path, depth: usize) -> Parse<SeqBuilder> {
        if depth > self.builder.max_nesting {
            return self.too_deep();
        }
        self.pos += 1;
        self.skip_ws();
        if self.peek() == Some(b']') {
            self.pos += 1;
            return Ok(seq);
        }
        loop {
            self.skip_ws();
            let start = self.pos;
            match self.peek() {
                Some(b'[') if seq.elem_is_seq(self.builder) => {
                    let inner = self.builder.begin_seq(seq.elem());
                    let inner = self.seq(inner, path.element(seq.position()), depth + 1)?;
                    self.builder.push_seq(&mut seq, inner);
                }
                Some(byte @ (b'[' | b'{')) => {
                    self.skip_value(depth)?;
                    let span = self.span(start, self.pos);
                    self.builder.mismatch(
                        seq.elem(),
                        kind_of(byte),
                        span,
                        path.element(seq.position()),
                        self.sink,
                    );
                    seq.skip_element();
                }
                _ => {
                    let token = self.scalar()?;
                    let span = self.span(start, self.pos);
                    self.builder
                        .push_scalar(&mut seq, token.as_scalar(), span, path, self.sink);
                }
            }
            self.skip_ws();
            match self.peek() {
                Some(b',') => self.pos += 1,
                Some(b']') => {
                    self.pos += 1;
                    return Ok(seq);
                }
                _ => return self.fail("expected `,` or `]` after an array element"),
            }
        }
    }

    /// A string, number, boolean or null.
    fn scalar(&mut self) -> Parse<Token<'t>> {
        match self.peek() {
            Some(b'"') => Ok(Token::Str(self.read_string()?)),
            Some(b'-' | b'0'..=b'9') => Ok(Token::Number(self.read_number()?)),
            Some(b't') => self.literal("true", Token::Bool(true)),
            Some(b'f') => self.literal("false", Token::Bool(false)),
            Some(b'n') => self.literal("null", Token::Null),
            _ => self.fail("expected a value"),
        }
    }

    fn literal(&mut self, word: &str, token: Token<'t>) -> Parse<Token<'t>> {
        if self.bytes[self.pos..].starts_with(word.as_bytes()) {
            self.pos += word.len();
            Ok(token)
        } else {
            self.fail("expected a value")
        }
    }

    /// A string; the cursor is on its opening quote. Borrowed from the text unless it has escapes.
    #[inline]
    /// `"key":` in an object, with the cursor left on the value; `what` names the key in messages.
    fn object_key(&mut self, what: &str) -> Parse<(Cow<'t, str>, Span)> {
        self.skip_ws();
        if self.peek() != Some(b'"') {
            return self.fail(&format!("expected {what} in quotes"));
        }
        let start = self.pos;
        let name = self.read_string()?;
        let name_span = self.span(start, self.pos);
        self.skip_ws();
        if self.peek() != Some(b':') {
            // Only the error path builds a message.
            return self.fail(&format!("expected `:` after {what}"));
        }
        self.pos += 1;
        self.skip_ws();
        Ok((name, name_span))
    }

    fn read_string(&mut self) -> Parse<Cow<'t, str>> {
        let text = self.text;
        let bytes = self.bytes;
        let start = self.pos + 1;
        let mut idx = start;
        while let Some(&byte) = bytes.get(idx) {
            match byte {
                b'"' => {
                    self.pos = idx + 1;
                    return Ok(Cow::Borrowed(&text[start..idx]));
                }
                b'\\' => return self.read_escaped(start, idx).map(Cow::Owned),
                0..0x20 => {
                    self.pos = idx;
                    return self.fail("control character in a string (write it as an escape such as `\\n`)");
                }
                _ => idx += 1,
            }
        }
        self.unterminated(start - 1)
    }

    #[cold]
    fn unterminated<T>(&mut self, quote: usize) -> Parse<T> {
        let diagnostic = messages::malformed(
            "JSON",
            "unterminated string",
            "the string starts here",
            self.span(quote, quote + 1),
        );
        self.sink.push(diagnostic);
        Err(Fatal)
    }

    /// The rest of a string with escapes: `start` is after the opening quote, `idx` at the first `\`.
    #[cold]
    fn read_escaped(&mut self, start: usize, mut idx: usize) -> Parse<String> {
        let text = self.text;
        let bytes = self.bytes;
        let mut out = String::with_capacity(idx - start + 16);
        out.push_str(&text[start..idx]);
        loop {
            match bytes.get(idx) {
                None => return self.unterminated(start - 1),
                Some(b'"') => {
                    self.pos = idx + 1;
                    return Ok(out);
                }
                Some(b'\\') => {
                    let escaped = match bytes.get(idx + 1) {
                        Some(b'"') => '"',
                        Some(b'\\') => '\\',
                        Some(b'/') => '/',
                        Some(b'b') => '\u{8}',
                        Some(b'f') => '\u{c}',
                        Some(b'n') => '\n',
                        Some(b'r') => '\r',
                        Some(b't') => '\t',
                        Some(b'u') => {
                            let (ch, len) = self.unicode_escape(idx)?;
                            out.push(ch);
                            idx += len;
                            continue;
                        }
                        _ => {
                            self.pos = idx;
                            return self.fail("unknown escape in a string");
                        }
                    };
                    out.push(escaped);
                    idx += 2;
                }
                Some(0..0x20) => {
                    self.pos = idx;
                    return self.fail("control character in a string (write it as an escape such as `\\n`)");
                }
                Some(_) => {
                    let run = idx;
                    while bytes
                        .get(idx)
                        .is_some_and(|byte| *byte != b'"' && *byte != b'\\' && *byte >= 0x20)
                    {
                        idx += 1;
                    }
                    out.push_str(&text[run..idx]);
                }
            }
        }
    }

    /// A `\uXXXX` escape at `idx` (a surrogate pair takes two): the character and the bytes used.
    fn unicode_escape(&mut self, idx: usize) -> Parse<(char, usize)> {
        let hex = |at: usize| -> Option<u32> {
            let digits = self.text.get(at..at + 4)?;
            if digits.bytes().all(|byte| byte.is_ascii_hexdigit()) {
                u32::from_str_radix(digits, 16).ok()
            } else {
                None
            }
        };
        let Some(high) = hex(idx + 2) else {
            self.pos = idx;
            return self.fail("expected four hexadecimal digits after `\\u`");
        };
        let (code, len) = match high {
            0xD800..=0xDBFF => {
                let low = if self.bytes.get(idx + 6..idx + 8) == Some(b"\\u") {
                    hex(idx + 8)
                } else {
                    None
                };
                match low {
                    Some(low @ 0xDC00..=0xDFFF) => (0x10000 + ((high - 0xD800) << 10) + (low - 0xDC00), 12),
                    _ => {
                        self.pos = idx;
                        return self.fail("unpaired surrogate in a `\\u` escape");
                    }
                }
            }
            0xDC00..=0xDFFF => {
                self.pos = idx;
                return self.fail("unpaired surrogate in a `\\u` escape");
            }
            code => (code, 6),
        };
        let ch = char::from_u32(code).expect("a non-surrogate code point below 0x110000 is a char");
        Ok((ch, len))
    }

    /// A number as written, checked against JSON's grammar.
    fn read_number(&mut self) -> Parse<&'t str> {
        let text = self.text;
        let bytes = self.bytes;
        let start = self.pos;
        let digit = |idx: usize| bytes.get(idx).is_some_and(u8::is_ascii_digit);
        let mut idx = start;
        if bytes.get(idx) == Some(&b'-') {
            idx += 1;
        }
        match bytes.get(idx) {
            Some(b'0') => idx += 1,
            Some(b'1'..=b'9') => {
                while digit(idx) {
                    idx += 1;
                }
            }
            _ => {
                self.pos = idx;
                return self.fail("expected a digit");
            }
        }
        if bytes.get(idx) == Some(&b'.') {
            idx += 1;
            if !digit(idx) {
                self.pos = idx;
                return self.fail("expected a digit after `.`");
            }
            while digit(idx) {
                idx += 1;
            }
        }
        if let Some(b'e' | b'E') = bytes.get(idx) {
            idx += 1;
            if let Some(b'+' | b'-') = bytes.get(idx) {
                idx += 1;
            }
            if !digit(idx) {
                self.pos = idx;
                return self.fail("expected a digit in the exponent");
            }
            while digit(idx) {
                idx += 1;
            }
        }
        self.pos = idx;
        Ok(&text[start..idx])
    }

    /// Skips any value, checking it is well-formed; the cursor is on its first byte, inside `depth` containers.
    /// Iterative, so that deep nesting is a diagnostic rather than a stack overflow.
    fn skip_value(&mut self, depth: usize) -> Parse<()> {
        let mut closers: Vec<u8> = Vec::new();
        loop {
            // A value starts here.
            self.skip_ws();
            let mut ended = match self.peek() {
                Some(open @ (b'{' | b'[')) => {
                    if depth + closers.len() + 1 > self.builder.max_nesting {
                        return self.too_deep();
                    }
                    self.pos += 1;
                    closers.push(if open == b'{' { b'}' } else { b']' });
                    self.skip_ws();
                    if self.peek() == closers.last().copied() {
                        self.pos += 1;
                        closers.pop();
                        true
                    } else {
                        if open == b'{' {
                            self.skip_member_name()?;
                        }
                        false
                    }
                }
                _ => {
                    self.scalar()?;
                    true
                }
            };
            // After a value: close containers until one continues with `,`.
            while ended {
                let Some(&closer) = closers.last() else {
                    return Ok(());
                };
                self.skip_ws();
                match self.peek() {
                    Some(b',') => {
                        self.pos += 1;
                        if closer == b'}' {
                            self.skip_member_name()?;
                        }
                        ended = false;
                    }
                    Some(byte) if byte == closer => {
                        self.pos += 1;
                        closers.pop();
                    }
                    _ if closer == b'}' => return self.fail("expected `,` or `}` after an object field"),
                    _ => return self.fail("expected `,` or `]` after an array element"),
                }
            }
        }
    }

    /// `"name":` inside an object being skipped.
    fn skip_member_name(&mut self) -> Parse<()> {
        self.skip_ws();
        if self.peek() != Some(b'"') {
            return self.fail("expected a field name in quotes");
        }
        self.read_string()?;
        self.skip_ws();
        self.expect(b':', "expected `:` after a field name")
    }
}
