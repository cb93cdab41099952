//! A fast path for the rows of `data` blocks, the bulk of the stdlib's tables, and for the facts
//! of `test` blocks, the bulk of a policy with many tests: read by hand, byte by byte, where pest
//! would spend most of their load. It reads only what it is sure of and gives up on anything
//! else (an escape in a string, a literal out of range, a syntax error), and that text is then
//! parsed by the grammar alone, so the grammar stays the one definition of the syntax and its
//! diagnostics.

use super::ast::{FactDecl, FactField, FactValue, Ident, Item, Module, Text};
use super::grammar::{self, TokenKind};
use crate::source::{SourceId, Span};
use crate::value::Date;

/// The rows of one `data` block: `body` is the byte range between its braces.
pub(super) struct Block {
    pub body: (usize, usize),
    pub rows: Vec<FactDecl>,
}

/// What was read by hand in a text: every `data` block's rows, and the facts of `test` blocks
/// that this fast path reads (each over its span), in the order of the text.
pub(super) struct Read {
    pub blocks: Vec<Block>,
    pub facts: Vec<FactDecl>,
}

/// Where the scan of [`read`] is among the tokens of a top-level `test` declaration.
#[derive(Clone, Copy, PartialEq, Eq)]
enum InTest {
    /// Not in a test.
    No,
    /// After the word `test`, before its name.
    Named,
    /// After its name, before its body.
    Opening,
    /// In its body.
    Body,
}

/// Finds every `data` block at the top level of `text` and reads its rows, and every fact of a
/// top-level `test` block that this fast path reads; `None` if there is neither, or if any
/// `data` block holds something this fast path does not read. A fact it does not read is left
/// to the grammar.
///
/// `cuts` are the top-level declaration keywords the pre-scan found ([`grammar::Scan::cuts`]):
/// a text with no `data` nor `test` among them is not read again here, so that a large policy
/// without tables or tests costs no second pass of the lexer.
pub(super) fn read(text: &str, id: SourceId, cuts: &[usize]) -> Option<Read> {
    let starts = |cut: usize, word: &str| {
        text[cut..].starts_with(word)
            && !text
                .as_bytes()
                .get(cut + word.len())
                .is_some_and(|byte| grammar::is_word_byte(*byte))
    };
    if !cuts
        .iter()
        .any(|cut| starts(*cut, "data") || starts(*cut, "test"))
    {
        return None;
    }
    let mut blocks = Vec::new();
    let mut facts = Vec::new();
    let mut depth = 0usize;
    let mut tokens = grammar::Lexer::new(text);
    let mut after_data = false;
    let mut in_test = InTest::No;
    while let Some(token) = tokens.next() {
        if token.kind == TokenKind::Comment {
            continue;
        }
        let slice = &text[token.start..token.end];
        // In a test's body, a name at its top is a fact: the only `{` a body's other parts
        // (`as of`, `expect`) hold is a fact's.
        if in_test == InTest::Body && depth == 1 && token.kind == TokenKind::Word {
            let mut reader = Reader {
                text,
                id,
                pos: token.start,
            };
            // A fact right after one read is left to the grammar: blanked, the two would be one
            // run of NUL bytes, one `read_fact`.
            let follows = facts
                .last()
                .is_some_and(|last: &FactDecl| last.span.end as usize == token.start);
            if !follows && let Some(fact) = reader.fact() {
                tokens = grammar::Lexer::at(text, reader.pos);
                facts.push(fact);
                continue;
            }
        }
        match (token.kind, slice) {
            (TokenKind::Punct, "{") if depth == 0 && after_data => {
                let mut reader = Reader {
                    text,
                    id,
                    pos: token.end,
                };
                let rows = reader.rows()?;
                let close = reader.pos;
                blocks.push(Block {
                    body: (token.end, close),
                    rows,
                });
                // Go on after the block's closing brace.
                tokens = grammar::Lexer::at(text, close + 1);
                after_data = false;
                continue;
            }
            (TokenKind::Punct, "{") if depth == 0 && in_test == InTest::Opening => {
                depth = 1;
                in_test = InTest::Body;
                continue;
            }
            (TokenKind::Punct, "{" | "(" | "[") => depth += 1,
            (TokenKind::Punct, "}" | ")" | "]") => depth = depth.saturating_sub(1),
            _ => {}
        }
        after_data = depth == 0 && token.kind == TokenKind::Word && slice == "data";
        in_test = match (in_test, token.kind) {
            (InTest::Body, _) if depth > 0 => InTest::Body,
            (InTest::Named, TokenKind::String { terminated: true }) => InTest::Opening,
            _ if depth == 0 && token.kind == TokenKind::Word && slice == "test" => InTest::Named,
            _ => InTest::No,
        };
    }
    (!blocks.is_empty() || !facts.is_empty()).then_some(Read { blocks, facts })
}

/// `text` with the bodies of `data` blocks and the facts read made NUL bytes, so that the
/// grammar reads each as already read (`read_body`, `read_fact`) at the same offsets, in a few
/// steps instead of one per token.
pub(super) fn blanked(text: &str, read: &Read) -> String {
    let mut bytes = text.as_bytes().to_vec();
    for block in &read.blocks {
        bytes[block.body.0..block.body.1].fill(0);
    }
    for fact in &read.facts {
        bytes[fact.span.start as usize..fact.span.end as usize].fill(0);
    }
    String::from_utf8(bytes).expect("blanking replaces whole characters with NUL bytes")
}

/// Puts what was read by hand into a module parsed from the blanked text: the rows into its
/// `data` declarations, the facts in place of the tests' facts read (`read_fact`, lowered as a
/// fact with no record name and the span it was read over); false if the module does not have
/// exactly those blocks and facts.
pub(super) fn fill(module: &mut Module, read: Read) -> bool {
    let mut blocks = read.blocks.into_iter();
    let mut facts = read.facts.into_iter();
    for item in &mut module.items {
        match item {
            Item::Data(decl) => {
                let Some(block) = blocks.next() else {
                    return false;
                };
                let (start, end) = (decl.span.start as usize, decl.span.end as usize);
                if start >= block.body.0 || block.body.1 >= end {
                    return false;
                }
                if !decl.rows.is_empty() {
                    return false;
                }
                decl.rows = block.rows;
            }
            Item::Test(decl) => {
                for slot in decl.facts.iter_mut().filter(|fact| fact.record.name.is_empty()) {
                    match facts.next() {
                        Some(fact) if fact.span == slot.span => *slot = fact,
                        _ => return false,
                    }
                }
            }
            _ => {}
        }
    }
    blocks.next().is_none() && facts.next().is_none()
}

struct Reader<'a> {
    text: &'a str,
    id: SourceId,
    pos: usize,
}

fn is_ident_char(byte: u8) -> bool {
    byte.is_ascii_alphanumeric() || byte == b'_'
}

impl Reader<'_> {
    fn span(&self, start: usize, end: usize) -> Span {
        Span::new(self.id, start, end)
    }

    fn peek(&self) -> Option<u8> {
        self.text.as_bytes().get(self.pos).copied()
    }

    /// Skips what the grammar skips between tokens: spaces, tabs, line ends and comments.
    fn skip(&mut self) {
        let bytes = self.text.as_bytes();
        while let Some(&byte) = bytes.get(self.pos) {
            match byte {
                b' ' | b'\t' | b'\n' => self.pos += 1,
                b'\r' if bytes.get(self.pos + 1) == Some(&b'\n') => self.pos += 2,
                b'/' if bytes.get(self.pos + 1) == Some(&b'/') => {
                    while let Some(&byte) = bytes.get(self.pos) {
                        if byte == b'\n' || (byte == b'\r' && bytes.get(self.pos + 1) == Some(&b'\n')) {
                            break;
                        }
                        self.pos += 1;
                    }
                }
                _ => break,
            }
        }
    }

    fn eat(&mut self, byte: u8) -> bool {
        self.skip();
        if self.peek() == Some(byte) {
            self.pos += 1;
            true
        } else {
            false
        }
    }

    /// The rows up to the block's closing brace, which is left at `pos`.
    fn rows(&mut self) -> Option<Vec<FactDecl>> {
        let mut rows = Vec::new();
        loop {
            self.skip();
            if self.peek() == Some(b'}') {
                return Some(rows);
            }
            rows.push(self.fact()?);
        }
    }

    /// A name: ASCII letters, digits and `_`, not starting with a digit, not a reserved word.
    fn ident(&mut self) -> Option<Ident> {
        self.skip();
        let start = self.pos;
        let bytes = self.text.as_bytes();
        if !bytes
            .get(start)
            .is_some_and(|byte| byte.is_ascii_alphabetic() || *byte == b'_')
        {
            return None;
        }
        let mut end = start + 1;
        while bytes.get(end).copied().is_some_and(is_ident_char) {
            end += 1;
        }
        let name = &self.text[start..end];
        if grammar::is_reserved(name) {
            return None;
        }
        self.pos = end;
        Some(Ident {
            name: name.to_owned(),
            span: self.span(start, end),
        })
    }

    /// `Record { field: value, … }`, a trailing comma allowed.
    fn fact(&mut self) -> Option<FactDecl> {
        let record = self.ident()?;
        let start = record.span.start as usize;
        if !self.eat(b'{') {
            return None;
        }
        let mut fields = Vec::new();
        if !self.eat(b'}') {
            loop {
                fields.push(self.field()?);
                if self.eat(b'}') {
                    break;
                }
                if !self.eat(b',') {
                    return None;
                }
                if self.eat(b'}') {
                    break;
                }
            }
        }
        Some(FactDecl {
            record,
            fields,
            span: self.span(start, self.pos),
        })
    }

    fn field(&mut self) -> Option<FactField> {
        let name = self.ident()?;
        if !self.eat(b':') {
            return None;
        }
        let value = self.value()?;
        let span = self.span(name.span.start as usize, value_end(&value));
        Some(FactField { name, value, span })
    }

    fn value(&mut self) -> Option<FactValue> {
        self.skip();
        let start = self.pos;
        let bytes = self.text.as_bytes();
        match *bytes.get(start)? {
            b'"' => {
                let raw_start = start + 1;
                let close = raw_start + self.text[raw_start..].find('"')?;
                let raw = &self.text[raw_start..close];
                // Escapes and line breaks are the grammar's to read.
                if raw.bytes().any(|byte| matches!(byte, b'\\' | b'\r' | b'\n')) {
                    return None;
                }
                self.pos = close + 1;
                Some(FactValue::Text(Text {
                    value: raw.to_owned(),
                    span: self.span(start, self.pos),
                }))
            }
            b'{' => {
                self.pos += 1;
                let mut items = Vec::new();
                if !self.eat(b'}') {
                    loop {
                        items.push(self.value()?);
                        if self.eat(b'}') {
                            break;
                        }
                        if !self.eat(b',') {
                            return None;
                        }
                        if self.eat(b'}') {
                            break;
                        }
                    }
                }
                Some(FactValue::Set(items, self.span(start, self.pos)))
            }
            b'-' => {
                let (value, end) = self.digits(start + 1)?;
                let value = i64::try_from(-i128::from(value)).ok()?;
                self.pos = end;
                Some(FactValue::Int(value, self.span(start, end)))
            }
            byte if byte.is_ascii_digit() => {
                let is_date = bytes.len() >= start + 10
                    && bytes[start..start + 4].iter().all(u8::is_ascii_digit)
                    && bytes[start + 4] == b'-'
                    && bytes[start + 5..start + 7].iter().all(u8::is_ascii_digit)
                    && bytes[start + 7] == b'-'
                    && bytes[start + 8..start + 10].iter().all(u8::is_ascii_digit)
                    && !bytes.get(start + 10).copied().is_some_and(is_ident_char);
                if is_date {
                    let date = Date::parse(&self.text[start..start + 10])?;
                    self.pos = start + 10;
                    return Some(FactValue::Date(date, self.span(start, self.pos)));
                }
                let (value, end) = self.digits(start)?;
                self.pos = end;
                Some(FactValue::Int(i64::try_from(value).ok()?, self.span(start, end)))
            }
            _ => {
                // A word: a literal, a nested record or an enum variant.
                let mut end = start;
                while bytes.get(end).copied().is_some_and(is_ident_char) {
                    end += 1;
                }
                let span = self.span(start, end);
                match &self.text[start..end] {
                    "true" => {
                        self.pos = end;
                        Some(FactValue::Bool(true, span))
                    }
                    "false" => {
                        self.pos = end;
                        Some(FactValue::Bool(false, span))
                    }
                    "none" => {
                        self.pos = end;
                        Some(FactValue::None(span))
                    }
                    "unknown" => {
                        self.pos = end;
                        Some(FactValue::Unknown(span))
                    }
                    _ => {
                        let name = self.ident()?;
                        let after = self.pos;
                        if self.eat(b'{') {
                            self.pos = name.span.start as usize;
                            return Some(FactValue::Record(Box::new(self.fact()?)));
                        }
                        self.pos = after;
                        Some(FactValue::Variant(name))
                    }
                }
            }
        }
    }

    /// An integer literal's digits (with `_` between them) from `start`: its value and end.
    fn digits(&self, start: usize) -> Option<(u64, usize)> {
        let bytes = self.text.as_bytes();
        if !bytes.get(start)?.is_ascii_digit() {
            return None;
        }
        let mut end = start;
        let mut value: u64 = 0;
        while let Some(&byte) = bytes.get(end) {
            match byte {
                b'0'..=b'9' => value = value.checked_mul(10)?.checked_add(u64::from(byte - b'0'))?,
                b'_' => {}
                _ if is_ident_char(byte) => return None,
                _ => break,
            }
            end += 1;
        }
        Some((value, end))
    }
}

/// Where a value ends.
fn value_end(value: &FactValue) -> usize {
    let span = match value {
        FactValue::Unknown(span)
        | FactValue::None(span)
        | FactValue::Bool(_, span)
        | FactValue::Int(_, span)
        | FactValue::Decimal(_, span)
        | FactValue::Date(_, span)
        | FactValue::Set(_, span) => *span,
        FactValue::Text(text) => text.span,
        FactValue::Variant(name) => name.span,
        FactValue::Record(fact) => fact.span,
    };
    span.end as usize
}
