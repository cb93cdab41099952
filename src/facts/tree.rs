//! The YAML tree with spans that the YAML facts reader and mapping files share: yaml-rust2's
//! event parser builds it with byte spans and nesting capped. A leaf of the facts stage.

use yaml_rust2::parser::{Event, Parser};
use yaml_rust2::scanner::{Marker, TScalarStyle};

use super::messages;
use super::sink::Sink;
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

    pub(super) fn kind(&self) -> &'static str {
        match self {
            Node::Scalar { .. } => "text",
            Node::Seq { .. } => "an array",
            Node::Map { .. } => "an object",
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
pub(super) fn read_tree(
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
