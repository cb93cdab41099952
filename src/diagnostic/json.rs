//! The versioned JSON wire format of diagnostics, for editors and tools.
//! `docs/diagnostics-json.md` describes it; any change to it bumps [`VERSION`].

use serde::{Deserialize, Serialize};

use crate::diagnostic as diag;
use crate::source::{Source, SourceMap};

/// The version of the wire format; bumped on every change to it.
pub const VERSION: u32 = 2;

/// The top-level object: `{"version": 2, "diagnostics": [...]}`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Report {
    /// Always [`VERSION`] when produced by this crate.
    pub version: u32,
    /// The diagnostics, in the order they were given.
    pub diagnostics: Vec<Diagnostic>,
}

/// One diagnostic on the wire.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Diagnostic {
    /// `error` or `warning`.
    pub severity: String,
    /// The stable code, e.g. `E0201`.
    pub code: String,
    /// One line saying what is wrong.
    pub message: String,
    /// The name of the source of the primary label; `null` without one.
    pub file: Option<String>,
    /// The byte range of the primary label; `null` without one.
    pub span: Option<Span>,
    /// The line/character range of the primary label; `null` without one.
    pub range: Option<Range>,
    /// Every label: the primary one first, then the secondary ones in order.
    pub labels: Vec<Label>,
    /// How to fix the problem; `null` when unknown.
    pub help: Option<String>,
    /// Changes to the text that fix the problem, as an editor applies them; may be empty.
    pub fixes: Vec<Fix>,
}

/// A change Pol knows fixes a diagnostic.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Fix {
    /// What the fix does, in a few words.
    pub title: String,
    /// The edits it makes, which do not overlap.
    pub edits: Vec<Edit>,
}

/// One edit: the text of a range replaced (an empty range inserts).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Edit {
    /// The name of the file edited.
    pub file: String,
    /// The byte range replaced.
    pub span: Span,
    /// The same range as lines and characters.
    pub range: Range,
    /// The text that replaces it.
    pub text: String,
}

/// A labelled spot in a source.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Label {
    /// Whether this is the diagnostic's main spot.
    pub primary: bool,
    /// What is at that spot.
    pub message: String,
    /// The name of the source the spot is in.
    pub file: String,
    /// The byte range of the spot.
    pub span: Span,
    /// The line/character range of the spot.
    pub range: Range,
}

/// A byte range in a source: `start` inclusive, `end` exclusive.
#[derive(Copy, Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Span {
    /// Byte offset of the first byte.
    pub start: u32,
    /// Byte offset one past the last byte.
    pub end: u32,
}

/// A range of positions, shaped like the Language Server Protocol's `Range`.
#[derive(Copy, Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Range {
    /// Where the range starts.
    pub start: Position,
    /// Where the range ends (exclusive).
    pub end: Position,
}

/// A 0-based line and a 0-based character counted in UTF-16 code units.
#[derive(Copy, Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Position {
    /// 0-based line.
    pub line: u32,
    /// 0-based offset in the line, in UTF-16 code units.
    pub character: u32,
}

/// Converts diagnostics to the wire structs, resolving positions through `sources`.
pub fn to_report(diagnostics: &[diag::Diagnostic], sources: &SourceMap) -> Report {
    Report {
        version: VERSION,
        diagnostics: diagnostics
            .iter()
            .map(|diagnostic| convert(diagnostic, sources))
            .collect(),
    }
}

/// The diagnostics as one line of JSON, with fields in a fixed order.
pub fn to_json(diagnostics: &[diag::Diagnostic], sources: &SourceMap) -> String {
    crate::escape::to_json_line(&to_report(diagnostics, sources))
}

/// The diagnostics as a JSON value, for callers that embed them in a larger message.
pub fn to_value(diagnostics: &[diag::Diagnostic], sources: &SourceMap) -> serde_json::Value {
    serde_json::to_value(to_report(diagnostics, sources))
        .expect("the wire structs hold only strings, integers, options and lists")
}

fn convert(diagnostic: &diag::Diagnostic, sources: &SourceMap) -> Diagnostic {
    let primary = diagnostic
        .primary
        .as_ref()
        .map(|label| convert_label(label, true, sources));
    let labels: Vec<Label> = primary
        .iter()
        .cloned()
        .chain(
            diagnostic
                .secondary
                .iter()
                .map(|label| convert_label(label, false, sources)),
        )
        .collect();
    Diagnostic {
        severity: diagnostic.severity.as_str().to_owned(),
        code: diagnostic.code.as_str().to_owned(),
        message: diagnostic.message.clone(),
        file: primary.as_ref().map(|label| label.file.clone()),
        span: primary.as_ref().map(|label| label.span),
        range: primary.as_ref().map(|label| label.range),
        labels,
        help: diagnostic.help.clone(),
        fixes: diagnostic
            .fixes()
            .iter()
            .map(|fix| Fix {
                title: fix.title.clone(),
                edits: fix.edits.iter().map(|edit| convert_edit(edit, sources)).collect(),
            })
            .collect(),
    }
}

fn convert_edit(edit: &diag::Edit, sources: &SourceMap) -> Edit {
    let place = convert_label(&diag::Label::new(edit.span, ""), false, sources);
    Edit {
        file: place.file,
        span: place.span,
        range: place.range,
        text: edit.text.clone(),
    }
}

fn convert_label(label: &diag::Label, primary: bool, sources: &SourceMap) -> Label {
    let source = sources.get(label.span.source);
    let bytes = clamp_span(&source.text, label.span);
    Label {
        primary,
        message: label.message.clone(),
        file: source.name.clone(),
        span: Span {
            start: to_u32(bytes.start),
            end: to_u32(bytes.end),
        },
        range: Range {
            start: position(source, bytes.start),
            end: position(source, bytes.end),
        },
    }
}

fn position(source: &Source, offset: usize) -> Position {
    let position = source.position_utf16(to_u32(offset));
    Position {
        line: position.line,
        character: position.character,
    }
}

fn to_u32(n: usize) -> u32 {
    u32::try_from(n).unwrap_or(u32::MAX)
}

/// The byte range of `span` made safe to slice `text` with: inside the text, on character
/// boundaries (rounded down), and never reversed.
pub(crate) fn clamp_span(text: &str, span: crate::source::Span) -> std::ops::Range<usize> {
    let floor = |offset: u32| {
        let mut offset = (offset as usize).min(text.len());
        while !text.is_char_boundary(offset) {
            offset -= 1;
        }
        offset
    };
    let start = floor(span.start);
    let end = floor(span.end).max(start);
    start..end
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::diagnostic::Code;
    use crate::source::Span as SourceSpan;

    fn check(sources: &SourceMap, diagnostics: &[diag::Diagnostic], expected: &str) {
        let actual = to_json(diagnostics, sources);
        assert_eq!(actual, expected);
        let parsed: Report = serde_json::from_str(&actual).unwrap();
        assert_eq!(parsed, to_report(diagnostics, sources));
    }

    #[test]
    fn simple_error_has_byte_span_and_lsp_range() {
        let mut sources = SourceMap::new();
        let id = sources.add("policy.pol", "policy p\nrule a: permit when foo\n");
        let diagnostic = diag::Diagnostic::new(Code::UnknownName, "unknown name `foo`")
            .at(SourceSpan::new(id, 29, 32), "not defined")
            .help("define `foo` first");
        check(
            &sources,
            &[diagnostic],
            concat!(
                r#"{"version":2,"diagnostics":[{"severity":"error","code":"E0201","#,
                r#""message":"unknown name `foo`","file":"policy.pol","span":{"start":29,"end":32},"#,
                r#""range":{"start":{"line":1,"character":20},"end":{"line":1,"character":23}},"#,
                r#""labels":[{"primary":true,"message":"not defined","file":"policy.pol","#,
                r#""span":{"start":29,"end":32},"#,
                r#""range":{"start":{"line":1,"character":20},"end":{"line":1,"character":23}}}],"#,
                r#""help":"define `foo` first","fixes":[]}]}"#,
            ),
        );
    }

    #[test]
    fn characters_are_counted_in_utf16_units() {
        let mut sources = SourceMap::new();
        // `é` is 2 bytes and 1 unit; the emoji is 4 bytes, 1 scalar value and 2 units.
        let text = "x\nlet \"é😀\" = bar\n";
        let id = sources.add("emoji.pol", text);
        let start = text.find("bar").unwrap();
        assert_eq!(start, 17);
        let diagnostic = diag::Diagnostic::new(Code::UnknownName, "unknown name `bar`")
            .at(SourceSpan::new(id, start, start + 3), "not defined");
        check(
            &sources,
            &[diagnostic],
            concat!(
                r#"{"version":2,"diagnostics":[{"severity":"error","code":"E0201","#,
                r#""message":"unknown name `bar`","file":"emoji.pol","span":{"start":17,"end":20},"#,
                r#""range":{"start":{"line":1,"character":12},"end":{"line":1,"character":15}},"#,
                r#""labels":[{"primary":true,"message":"not defined","file":"emoji.pol","#,
                r#""span":{"start":17,"end":20},"#,
                r#""range":{"start":{"line":1,"character":12},"end":{"line":1,"character":15}}}],"#,
                r#""help":null,"fixes":[]}]}"#,
            ),
        );
    }

    #[test]
    fn secondary_label_in_another_file_names_that_file() {
        let mut sources = SourceMap::new();
        let main = sources.add("main.pol", "import lib\nrule r: permit when f(1, 2)\n");
        let lib = sources.add("lib.pol", "fn f(x) = x\n");
        let diagnostic = diag::Diagnostic::new(Code::WrongArity, "`f` takes 1 argument, not 2")
            .at(SourceSpan::new(main, 31, 38), "called with 2 arguments")
            .also(SourceSpan::new(lib, 3, 7), "defined here");
        check(
            &sources,
            &[diagnostic],
            concat!(
                r#"{"version":2,"diagnostics":[{"severity":"error","code":"E0208","#,
                r#""message":"`f` takes 1 argument, not 2","file":"main.pol","#,
                r#""span":{"start":31,"end":38},"#,
                r#""range":{"start":{"line":1,"character":20},"end":{"line":1,"character":27}},"#,
                r#""labels":[{"primary":true,"message":"called with 2 arguments","file":"main.pol","#,
                r#""span":{"start":31,"end":38},"#,
                r#""range":{"start":{"line":1,"character":20},"end":{"line":1,"character":27}}},"#,
                r#"{"primary":false,"message":"defined here","file":"lib.pol","#,
                r#""span":{"start":3,"end":7},"#,
                r#""range":{"start":{"line":0,"character":3},"end":{"line":0,"character":7}}}],"#,
                r#""help":null,"fixes":[]}]}"#,
            ),
        );
    }

    #[test]
    fn diagnostic_without_primary_label_has_null_location() {
        let sources = SourceMap::new();
        let diagnostic =
            diag::Diagnostic::new(Code::Io, "cannot read `facts.json`: not found").help("check the path");
        check(
            &sources,
            &[diagnostic],
            concat!(
                r#"{"version":2,"diagnostics":[{"severity":"error","code":"E0401","#,
                r#""message":"cannot read `facts.json`: not found","file":null,"span":null,"#,
                r#""range":null,"labels":[],"help":"check the path","fixes":[]}]}"#,
            ),
        );
    }

    #[test]
    fn a_fix_gives_its_edits_with_file_span_and_range() {
        let mut sources = SourceMap::new();
        let id = sources.add("policy.pol", "policy p\nrule a: permit when fooo\n");
        let span = SourceSpan::new(id, 29, 33);
        let diagnostic = diag::Diagnostic::new(Code::UnknownName, "unknown name `fooo`")
            .at(span, "not defined")
            .with_fix(diag::Fix::replace("replace with `foo`", span, "foo"));
        check(
            &sources,
            &[diagnostic],
            concat!(
                r#"{"version":2,"diagnostics":[{"severity":"error","code":"E0201","#,
                r#""message":"unknown name `fooo`","file":"policy.pol","span":{"start":29,"end":33},"#,
                r#""range":{"start":{"line":1,"character":20},"end":{"line":1,"character":24}},"#,
                r#""labels":[{"primary":true,"message":"not defined","file":"policy.pol","#,
                r#""span":{"start":29,"end":33},"#,
                r#""range":{"start":{"line":1,"character":20},"end":{"line":1,"character":24}}}],"#,
                r#""help":null,"fixes":[{"title":"replace with `foo`","edits":[{"file":"policy.pol","#,
                r#""span":{"start":29,"end":33},"#,
                r#""range":{"start":{"line":1,"character":20},"end":{"line":1,"character":24}},"#,
                r#""text":"foo"}]}]}]}"#,
            ),
        );
    }

    #[test]
    fn no_diagnostics_is_an_empty_list() {
        check(&SourceMap::new(), &[], r#"{"version":2,"diagnostics":[]}"#);
    }

    #[test]
    fn spans_past_the_end_or_inside_a_character_are_clamped() {
        let mut sources = SourceMap::new();
        let id = sources.add("a.pol", "é\n");
        // Offset 1 is inside `é`; offset 99 is past the end of the text.
        let diagnostic = diag::Diagnostic::new(Code::Syntax, "unexpected end of input")
            .at(SourceSpan::new(id, 1, 99), "here");
        let report = to_report(&[diagnostic], &sources);
        let entry = &report.diagnostics[0];
        assert_eq!(entry.span, Some(Span { start: 0, end: 3 }));
        assert_eq!(
            entry.range,
            Some(Range {
                start: Position {
                    line: 0,
                    character: 0
                },
                end: Position {
                    line: 1,
                    character: 0
                },
            })
        );
    }

    #[test]
    fn value_matches_the_string_form() {
        let mut sources = SourceMap::new();
        let id = sources.add("w.pol", "rule r: permit\n");
        let diagnostic = diag::Diagnostic::new(Code::UnknownName, "unknown name `r`")
            .at(SourceSpan::new(id, 5, 6), "here");
        let text = to_json(std::slice::from_ref(&diagnostic), &sources);
        let parsed: serde_json::Value = serde_json::from_str(&text).unwrap();
        assert_eq!(to_value(&[diagnostic], &sources), parsed);
        assert_eq!(parsed["diagnostics"][0]["range"]["start"]["character"], 5);
    }
}
