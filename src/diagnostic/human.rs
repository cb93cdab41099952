//! Terminal rendering of diagnostics through miette.
//! [`Adapter`] presents a [`Diagnostic`] and its [`SourceMap`] as a `miette::Diagnostic`.

use std::borrow::Cow;
use std::fmt::{self, Display};

use miette::{
    GraphicalReportHandler, GraphicalTheme, LabeledSpan, MietteError, MietteSpanContents,
    NarratableReportHandler, SourceCode, SourceSpan, SpanContents,
};

use super::json::clamp_span;
use super::{Diagnostic, Label, Severity};
use crate::escape::escape_controls;
use crate::source::{Source, SourceMap};

/// The width, in columns, that messages and help texts are wrapped to.
const WIDTH: usize = 80;

/// The longest line, in bytes, drawn in a source snippet. A label on a longer line is shown by
/// its position only: such lines flood the terminal, and miette cannot pad past 65,535 columns.
const MAX_DRAWN_LINE: usize = 4096;

/// How to draw diagnostics.
#[derive(Copy, Clone, Debug, PartialEq, Eq)]
pub enum Style {
    /// Unicode box drawing and ANSI colours, for output the caller knows is a terminal.
    Fancy,
    /// Unicode box drawing without colour, for a terminal whose user turned colour off.
    Monochrome,
    /// ASCII drawing without colour, wrapped at 80 columns; stable enough for golden tests.
    Plain,
    /// Sentences without drawings, for screen readers (miette's narratable handler).
    Narrated,
}

/// Renders one diagnostic; the text ends with a newline. Control characters in its texts (a
/// key quoted from the facts, a file name) are escaped, so they cannot forge output.
pub fn render(diagnostic: &Diagnostic, sources: &SourceMap, style: Style) -> String {
    let escaped = escape_texts(diagnostic);
    let diagnostic = escaped.as_ref().unwrap_or(diagnostic);
    let adapter = Adapter::new(diagnostic, sources);
    let mut out = String::new();
    let drawn = match style {
        Style::Narrated => NarratableReportHandler::new().render_report(&mut out, &adapter),
        Style::Fancy | Style::Monochrome | Style::Plain if adapter.source.is_none() => {
            render_bare(&mut out, diagnostic, style)
        }
        Style::Fancy => graphical(GraphicalTheme::unicode())
            .render_report(&mut out, &adapter.without_code())
            .map(|()| out = with_header(&out, diagnostic, style)),
        Style::Monochrome => graphical(GraphicalTheme::unicode_nocolor())
            .render_report(&mut out, &adapter.without_code())
            .map(|()| out = with_header(&out, diagnostic, style)),
        Style::Plain => graphical(GraphicalTheme::none())
            .render_report(&mut out, &adapter.without_code())
            .map(|()| out = with_header(&out, diagnostic, style)),
    };
    if drawn.is_err() {
        // miette gives up when it cannot read a span; the message must still reach the user.
        out.clear();
        render_bare(&mut out, diagnostic, style).expect("writing to a `String` cannot fail");
    }
    for note in &adapter.notes {
        out.push_str("  = note: ");
        out.push_str(note);
        out.push('\n');
    }
    out
}

/// The diagnostic with control characters escaped in its message, labels and help (each line of
/// the help on its own, since its line breaks are Pol's); `None` when there are none.
fn escape_texts(diagnostic: &Diagnostic) -> Option<Diagnostic> {
    let escape_label = |label: &Label| Label {
        message: escape_controls(&label.message).into_owned(),
        ..label.clone()
    };
    let help = diagnostic.help.as_ref().map(|help| {
        help.split('\n')
            .map(|line| escape_controls(line).into_owned())
            .collect::<Vec<_>>()
            .join("\n")
    });
    let escaped = Diagnostic {
        message: escape_controls(&diagnostic.message).into_owned(),
        primary: diagnostic.primary.as_ref().map(escape_label),
        secondary: diagnostic.secondary.iter().map(escape_label).collect(),
        help,
        ..diagnostic.clone()
    };
    (escaped != *diagnostic).then_some(escaped)
}

/// Renders every diagnostic, separated by blank lines, then a summary such as `2 errors, 1 warning`.
/// An empty list renders as an empty string.
pub fn render_all(diagnostics: &[Diagnostic], sources: &SourceMap, style: Style) -> String {
    let mut out = String::new();
    for diagnostic in diagnostics {
        out.push_str(&render(diagnostic, sources, style));
        out.push('\n');
    }
    if let Some(summary) = summary(diagnostics) {
        out.push_str(&summary);
        out.push('\n');
    }
    out
}

/// Counts errors and warnings, e.g. `2 errors, 1 warning`; `None` when there are none.
pub fn summary(diagnostics: &[Diagnostic]) -> Option<String> {
    let n_errors = diagnostics.iter().filter(|d| d.is_error()).count();
    let n_warnings = diagnostics.len() - n_errors;
    let count = |n: usize, word: &str| match n {
        0 => None,
        1 => Some(format!("1 {word}")),
        _ => Some(format!("{n} {word}s")),
    };
    let parts: Vec<String> = [count(n_errors, "error"), count(n_warnings, "warning")]
        .into_iter()
        .flatten()
        .collect();
    (!parts.is_empty()).then(|| parts.join(", "))
}

fn graphical(theme: GraphicalTheme) -> GraphicalReportHandler {
    GraphicalReportHandler::new_themed(theme)
        .with_width(WIDTH)
        .with_links(false)
        .tab_width(4)
}

/// Replaces miette's header (the lines before the source snippet) with `error[E0201]: message`,
/// so every rendering starts the same way, with the code where people and tools look for it.
fn with_header(rendered: &str, diagnostic: &Diagnostic, style: Style) -> String {
    let mut header = String::new();
    render_bare(
        &mut header,
        &Diagnostic {
            help: None,
            ..diagnostic.clone()
        },
        style,
    )
    .expect("writing to a `String` cannot fail");
    let snippet_start = rendered
        .lines()
        .scan(0usize, |offset, line| {
            let start = *offset;
            *offset += line.len() + 1;
            Some((start, line))
        })
        .find(|(_, line)| {
            let line = line.trim_start();
            line.starts_with(",-[") || line.starts_with("╭─[")
        })
        .map(|(start, _)| start);
    match snippet_start {
        Some(start) => format!("{header}{}", &rendered[start..]),
        None => rendered.to_string(),
    }
}

/// Writes `error[E0401]: message` and the help, for a diagnostic with nothing to point at.
fn render_bare(out: &mut String, diagnostic: &Diagnostic, style: Style) -> fmt::Result {
    use fmt::Write;
    let (colour, help_colour, reset) = match (style, diagnostic.severity) {
        (Style::Fancy, Severity::Error) => ("\x1b[31m", "\x1b[36m", "\x1b[39m"),
        (Style::Fancy, Severity::Warning) => ("\x1b[33m", "\x1b[36m", "\x1b[39m"),
        _ => ("", "", ""),
    };
    writeln!(
        out,
        "{colour}{}[{}]{reset}: {}",
        diagnostic.severity.as_str(),
        diagnostic.code.as_str(),
        diagnostic.message
    )?;
    if let Some(help) = &diagnostic.help {
        writeln!(out, "  {help_colour}help:{reset} {help}")?;
    }
    Ok(())
}

/// A [`Diagnostic`] with its sources, seen as a `miette::Diagnostic`.
///
/// miette shows one source per diagnostic: the source of the primary label.
/// Labels in other sources cannot be drawn; they become [`Adapter::notes`].
#[derive(Debug)]
pub struct Adapter<'a> {
    diagnostic: &'a Diagnostic,
    source: Option<NamedText<'a>>,
    labels: Vec<LabeledSpan>,
    notes: Vec<String>,
    hide_code: bool,
}

impl<'a> Adapter<'a> {
    /// The same adapter, telling miette no code: the code goes in the header Pol writes itself.
    fn without_code(&self) -> Adapter<'a> {
        Adapter {
            diagnostic: self.diagnostic,
            source: self.source.clone(),
            labels: self.labels.clone(),
            notes: Vec::new(),
            hide_code: true,
        }
    }

    /// Wraps a diagnostic; `sources` must hold every source its labels point into.
    pub fn new(diagnostic: &'a Diagnostic, sources: &'a SourceMap) -> Adapter<'a> {
        let mut home = diagnostic.primary.as_ref().map(|label| label.span.source);
        let mut drawn = Vec::new();
        let mut notes = Vec::new();
        let all = diagnostic.primary.iter().map(|label| (label, true));
        let all = all.chain(diagnostic.secondary.iter().map(|label| (label, false)));
        for (label, primary) in all {
            if Some(label.span.source) != home {
                notes.push(note("defined at", label, sources));
            } else if on_long_line(label, sources) {
                notes.push(note("at", label, sources));
            } else {
                drawn.push((label, primary, drawn_bytes(label, sources)));
            }
        }
        if drawn.is_empty() {
            home = None;
        }
        let mut labels = Vec::with_capacity(drawn.len());
        let source = home.map(|id| {
            let source = sources.get(id);
            let first = drawn.iter().map(|(_, _, bytes)| bytes.start).min().unwrap_or(0);
            let last = drawn.iter().map(|(_, _, bytes)| bytes.end).max().unwrap_or(0);
            let window = window(source, first, last);
            for (label, primary, bytes) in &drawn {
                labels.push(labeled_span(
                    label,
                    *primary,
                    bytes.start - window.start..bytes.end - window.start,
                ));
            }
            let mut text = sanitize(&source.text[window.clone()]);
            // miette cannot draw a label at the very end of a last line with no line break.
            if !text.ends_with('\n') {
                text.to_mut().push('\n');
            }
            NamedText {
                name: escape_controls(&source.name),
                text,
                first_line: source.line_of(clamp_u32(window.start)) as usize,
            }
        });
        Adapter {
            diagnostic,
            source,
            labels,
            notes,
            hide_code: false,
        }
    }

    /// Labels in other sources than the primary one, as `defined at path:line:col: label`.
    pub fn notes(&self) -> &[String] {
        &self.notes
    }
}

/// The lines miette may show around labels from byte `first` to byte `last` of a source: the
/// labels' lines with [`CONTEXT_LINES`] on each side. miette reads only this window, so drawing
/// a diagnostic costs the size of its snippet, not of the whole file.
fn window(source: &Source, first: usize, last: usize) -> std::ops::Range<usize> {
    let first_line = source.line_of(clamp_u32(first)).saturating_sub(CONTEXT_LINES);
    let last_line = source.line_of(clamp_u32(last)).saturating_add(CONTEXT_LINES + 1);
    source.line_start(first_line) as usize..source.line_start(last_line) as usize
}

/// Lines of context kept on each side of the labels; more than miette shows (one line).
const CONTEXT_LINES: u32 = 2;

fn clamp_u32(n: usize) -> u32 {
    u32::try_from(n).unwrap_or(u32::MAX)
}

/// A label, with the bytes it underlines counted from the start of the drawn window.
fn labeled_span(label: &Label, primary: bool, bytes: std::ops::Range<usize>) -> LabeledSpan {
    let text = (!label.message.is_empty()).then(|| label.message.clone());
    let span = SourceSpan::from(bytes.start..bytes.end);
    if primary {
        LabeledSpan::new_primary_with_span(text, span)
    } else {
        LabeledSpan::new_with_span(text, span)
    }
}

/// The bytes a label underlines in its source.
fn drawn_bytes(label: &Label, sources: &SourceMap) -> std::ops::Range<usize> {
    let text = &sources.get(label.span.source).text;
    let mut bytes = clamp_span(text, label.span);
    if bytes.is_empty() && bytes.start == text.len() {
        // The end of the input is shown at the end of the last line, not on an empty line after it.
        let before = text
            .strip_suffix("\r\n")
            .or_else(|| text.strip_suffix('\n'))
            .map_or(text.len(), str::len);
        bytes = before..before;
    }
    bytes
}

/// Whether a label touches a line longer than [`MAX_DRAWN_LINE`], or sits next to one: miette
/// draws the line before and the line after a label too, whole.
fn on_long_line(label: &Label, sources: &SourceMap) -> bool {
    let source = sources.get(label.span.source);
    let bytes = drawn_bytes(label, sources);
    let first = source.line_of(clamp_u32(bytes.start)).saturating_sub(1);
    let last = source.line_of(clamp_u32(bytes.end)).saturating_add(1);
    (first..=last).any(|line| {
        let start = source.line_start(line) as usize;
        let end = source.line_start(line.saturating_add(1)) as usize;
        source.text[start..end].trim_end_matches('\n').len() > MAX_DRAWN_LINE
    })
}

/// A label as a line of text, `WHERE path:line:col: label`, for labels that cannot be drawn.
fn note(place: &str, label: &Label, sources: &SourceMap) -> String {
    let source = sources.get(label.span.source);
    let start = drawn_bytes(label, sources).start;
    let position = source.position_chars(u32::try_from(start).unwrap_or(u32::MAX));
    format!(
        "{place} {}:{}:{}: {}",
        escape_controls(&source.name),
        position.line + 1,
        position.character + 1,
        label.message
    )
}

impl Display for Adapter<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.diagnostic.message)
    }
}

impl std::error::Error for Adapter<'_> {}

impl miette::Diagnostic for Adapter<'_> {
    fn code<'b>(&'b self) -> Option<Box<dyn Display + 'b>> {
        if self.hide_code {
            return None;
        }
        Some(Box::new(self.diagnostic.code.as_str()))
    }

    fn severity(&self) -> Option<miette::Severity> {
        Some(match self.diagnostic.severity {
            Severity::Error => miette::Severity::Error,
            Severity::Warning => miette::Severity::Warning,
        })
    }

    fn help<'b>(&'b self) -> Option<Box<dyn Display + 'b>> {
        self.diagnostic
            .help
            .as_ref()
            .map(|help| Box::new(help) as Box<dyn Display + 'b>)
    }

    fn source_code(&self) -> Option<&dyn SourceCode> {
        self.source.as_ref().map(|source| source as &dyn SourceCode)
    }

    fn labels(&self) -> Option<Box<dyn Iterator<Item = LabeledSpan> + '_>> {
        if self.source.is_none() || self.labels.is_empty() {
            return None;
        }
        Some(Box::new(self.labels.iter().cloned()))
    }
}

/// A source text with its name, so miette's header reads `path:line:col`.
#[derive(Debug, Clone)]
struct NamedText<'a> {
    name: Cow<'a, str>,
    /// A window of whole lines of the source (see [`window`]).
    text: Cow<'a, str>,
    /// The 0-based line of the source where the window starts.
    first_line: usize,
}

impl SourceCode for NamedText<'_> {
    fn read_span<'b>(
        &'b self,
        span: &SourceSpan,
        context_lines_before: usize,
        context_lines_after: usize,
    ) -> Result<Box<dyn SpanContents<'b> + 'b>, MietteError> {
        let text: &'b str = &self.text;
        let contents = text.read_span(span, context_lines_before, context_lines_after)?;
        // miette counts the column in bytes; people count characters.
        let offset = contents.span().offset();
        let column = text
            .get(offset.saturating_sub(contents.column())..offset)
            .map_or(contents.column(), |before| before.chars().count());
        Ok(Box::new(MietteSpanContents::new_named(
            self.name.to_string(),
            contents.data(),
            *contents.span(),
            contents.line() + self.first_line,
            column,
            // miette's own reading of a `str` counts lines from the start of the text here, and
            // joins snippets by that count; counting from the start of the source keeps that.
            contents.line_count() + self.first_line,
        )))
    }
}

/// Replaces characters that would move the cursor, recolour the terminal or reorder text with
/// `?`, one per byte so every span keeps its offsets. Tabs, newlines and CRLF stay as they are.
fn sanitize(text: &str) -> Cow<'_, str> {
    let bytes = text.as_bytes();
    let harmful = |idx: usize, ch: char| match ch {
        '\t' | '\n' => false,
        '\r' => bytes.get(idx + 1) != Some(&b'\n'),
        '\u{202A}'..='\u{202E}' | '\u{2066}'..='\u{2069}' => true,
        // Invisible marks and line separators some terminals act on.
        '\u{200E}' | '\u{200F}' | '\u{061C}' | '\u{2028}' | '\u{2029}' | '\u{FEFF}' => true,
        _ => ch.is_control(),
    };
    if !text.char_indices().any(|(idx, ch)| harmful(idx, ch)) {
        return Cow::Borrowed(text);
    }
    let mut clean = String::with_capacity(text.len());
    for (idx, ch) in text.char_indices() {
        if harmful(idx, ch) {
            clean.extend(std::iter::repeat_n('?', ch.len_utf8()));
        } else {
            clean.push(ch);
        }
    }
    Cow::Owned(clean)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::diagnostic::Code;
    use crate::source::{SourceId, Span};

    fn check(diagnostic: &Diagnostic, sources: &SourceMap, expected: &str) {
        let actual = render(diagnostic, sources, Style::Plain);
        assert_eq!(actual, expected, "rendered:\n{actual}");
    }

    fn one(name: &str, text: &str) -> (SourceMap, SourceId) {
        let mut sources = SourceMap::new();
        let id = sources.add(name, text);
        (sources, id)
    }

    /// The span of the first `needle` in the source's text.
    fn find(sources: &SourceMap, id: SourceId, needle: &str) -> Span {
        let start = sources.get(id).text.find(needle).unwrap();
        Span::new(id, start, start + needle.len())
    }

    #[test]
    fn monochrome_draws_boxes_without_colour() {
        let (sources, id) = one("policy.pol", "policy p\nrule a: permit when foo\n");
        let diagnostic = Diagnostic::new(Code::UnknownName, "unknown name `foo`")
            .at(find(&sources, id, "foo"), "not defined")
            .help("a similar name exists: `for`");
        let monochrome = render(&diagnostic, &sources, Style::Monochrome);
        assert!(
            monochrome.starts_with("error[E0201]: unknown name `foo`\n"),
            "{monochrome}"
        );
        assert!(
            monochrome.contains('╭') && !monochrome.contains('\x1b'),
            "{monochrome:?}"
        );
        let fancy = render(&diagnostic, &sources, Style::Fancy);
        assert!(fancy.contains('\x1b'), "{fancy:?}");
    }

    #[test]
    fn error_with_help_points_at_the_name() {
        let (sources, id) = one("policy.pol", "policy p\nrule a: permit when foo\n");
        let diagnostic = Diagnostic::new(Code::UnknownName, "unknown name `foo`")
            .at(find(&sources, id, "foo"), "not defined")
            .help("a similar name exists: `for`");
        check(
            &diagnostic,
            &sources,
            r#"error[E0201]: unknown name `foo`
   ,-[policy.pol:2:21]
 1 | policy p
 2 | rule a: permit when foo
   :                     ^|^
   :                      `-- not defined
   `----
  help: a similar name exists: `for`
"#,
        );
    }

    #[test]
    fn control_characters_in_messages_labels_and_help_are_escaped() {
        let (sources, id) = one("facts\u{1b}.json", "{\"id\": \"x\"}\n");
        let diagnostic = Diagnostic::new(
            Code::DuplicateKey,
            "two `T` facts have the key `x\n  by r\u{1b}[0m`",
        )
        .at(find(&sources, id, "\"x\""), "`T[\"x\u{202e}\"]` repeats it")
        .help("line one\u{7}\nline two");
        check(
            &diagnostic,
            &sources,
            r#"error[E0407]: two `T` facts have the key `x\n  by r\u{1b}[0m`
   ,-[facts\u{1b}.json:1:8]
 1 | {"id": "x"}
   :        ^|^
   :         `-- `T["x\u{202e}"]` repeats it
   `----
  help: line one\u{7}
        line two
"#,
        );
    }

    #[test]
    fn labels_on_several_lines_share_one_snippet() {
        let text = "import lib\nrule r: permit when f(1, 2)\nrule s: deny when f(3)\n";
        let (sources, id) = one("main.pol", text);
        let diagnostic = Diagnostic::new(Code::WrongArity, "`f` takes 1 argument, not 2")
            .at(find(&sources, id, "f(1, 2)"), "called with 2 arguments")
            .also(find(&sources, id, "import lib"), "imported here")
            .also(find(&sources, id, "f(3)"), "called with 1 argument here");
        check(
            &diagnostic,
            &sources,
            r#"error[E0208]: `f` takes 1 argument, not 2
   ,-[main.pol:2:21]
 1 | import lib
   : ^^^^^|^^^^
   :      `-- imported here
 2 | rule r: permit when f(1, 2)
   :                     ^^^|^^^
   :                        `-- called with 2 arguments
 3 | rule s: deny when f(3)
   :                   ^^|^
   :                     `-- called with 1 argument here
   `----
"#,
        );
    }

    #[test]
    fn label_in_another_file_becomes_a_note() {
        let mut sources = SourceMap::new();
        let main = sources.add("main.pol", "import lib\nrule r: permit when f(1, 2)\n");
        let lib = sources.add("lib.pol", "fn f(x) = x\n");
        let diagnostic = Diagnostic::new(Code::WrongArity, "`f` takes 1 argument, not 2")
            .at(find(&sources, main, "f(1, 2)"), "called with 2 arguments")
            .also(find(&sources, lib, "f(x)"), "`f` is defined here")
            .help("remove an argument");
        check(
            &diagnostic,
            &sources,
            r#"error[E0208]: `f` takes 1 argument, not 2
   ,-[main.pol:2:21]
 1 | import lib
 2 | rule r: permit when f(1, 2)
   :                     ^^^|^^^
   :                        `-- called with 2 arguments
   `----
  help: remove an argument
  = note: defined at lib.pol:1:4: `f` is defined here
"#,
        );
    }

    #[test]
    fn multi_line_span_is_drawn_in_the_gutter() {
        let text = "import lib\nrule r: permit when f(1, 2)\nrule s: deny when f(3)\n";
        let (sources, id) = one("main.pol", text);
        let rule = find(&sources, id, "rule r").to(find(&sources, id, "deny"));
        let diagnostic = Diagnostic::new(Code::Unused, "unused rule `r`")
            .at(rule, "never applies")
            .also(find(&sources, id, "r:"), "named here");
        check(
            &diagnostic,
            &sources,
            r#"warning[W0001]: unused rule `r`
   ,-[main.pol:2:1]
 1 |     import lib
 2 | ,-> rule r: permit when f(1, 2)
   : |        ^|
   : |         `-- named here
 3 | |-> rule s: deny when f(3)
   : `---- never applies
   `----
"#,
        );
    }

    #[test]
    fn empty_span_at_end_of_file_points_past_the_last_character() {
        let expected = r#"error[E0101]: unexpected end of input
   ,-[eof.pol:2:20]
 1 | policy p
 2 | rule a: permit when
   :                    ^
   :                    `-- expected an expression
   `----
"#;
        // Without a final line break, and with one (the end is then shown before it).
        for text in ["policy p\nrule a: permit when", "policy p\nrule a: permit when\n"] {
            let (sources, id) = one("eof.pol", text);
            let end = Span::new(id, text.len(), text.len());
            let diagnostic =
                Diagnostic::new(Code::Syntax, "unexpected end of input").at(end, "expected an expression");
            check(&diagnostic, &sources, expected);
        }
    }

    #[test]
    fn empty_file_shows_an_empty_first_line() {
        let (sources, id) = one("empty.pol", "");
        let diagnostic = Diagnostic::new(Code::Syntax, "unexpected end of input")
            .at(Span::new(id, 0, 0), "expected `policy`");
        let expected = [
            "error[E0101]: unexpected end of input",
            "   ,-[empty.pol:1:1]",
            " 1 | ",
            "   : ^",
            "   : `-- expected `policy`",
            "   `----",
            "",
        ];
        check(&diagnostic, &sources, &expected.join("\n"));
    }

    #[test]
    fn crlf_line_breaks_are_not_shown() {
        let text = "policy p\r\nrule a: permit when foo\r\nrule b: deny\r\n";
        let (sources, id) = one("crlf.pol", text);
        let diagnostic = Diagnostic::new(Code::UnknownName, "unknown name `foo`")
            .at(find(&sources, id, "foo"), "not defined");
        check(
            &diagnostic,
            &sources,
            r#"error[E0201]: unknown name `foo`
   ,-[crlf.pol:2:21]
 1 | policy p
 2 | rule a: permit when foo
   :                     ^|^
   :                      `-- not defined
 3 | rule b: deny
   `----
"#,
        );
    }

    #[test]
    fn multibyte_characters_count_as_one_column_and_align_by_width() {
        // `é` is 2 bytes and 1 column; the emoji is 4 bytes, 1 character and 2 columns wide.
        let text = "policy p\nrule a: permit when \"é😀\" == bar\n";
        let (sources, id) = one("utf.pol", text);
        let diagnostic = Diagnostic::new(Code::UnknownName, "unknown name `bar`")
            .at(find(&sources, id, "bar"), "not defined");
        check(
            &diagnostic,
            &sources,
            r#"error[E0201]: unknown name `bar`
   ,-[utf.pol:2:29]
 1 | policy p
 2 | rule a: permit when "é😀" == bar
   :                              ^|^
   :                               `-- not defined
   `----
"#,
        );
    }

    #[test]
    fn tabs_are_expanded_and_the_underline_follows() {
        let text = "policy p\nrule a:\tpermit\twhen\tfoo\n";
        let (sources, id) = one("tabs.pol", text);
        let diagnostic = Diagnostic::new(Code::UnknownName, "unknown name `foo`")
            .at(find(&sources, id, "foo"), "not defined");
        check(
            &diagnostic,
            &sources,
            r#"error[E0201]: unknown name `foo`
   ,-[tabs.pol:2:21]
 1 | policy p
 2 | rule a: permit  when    foo
   :                         ^|^
   :                          `-- not defined
   `----
"#,
        );
    }

    #[test]
    fn long_line_keeps_the_underline_aligned_and_wraps_help() {
        let text = format!("policy p\nrule a: permit when {}foo\n", "x == 1 and ".repeat(20));
        let (sources, id) = one("long.pol", &text);
        let diagnostic = Diagnostic::new(Code::UnknownName, "unknown name `foo`")
            .at(find(&sources, id, "foo"), "not defined")
            .help("names are defined with `let`, as record fields, or as rules in the policy or one of its imports");
        let line = text.lines().nth(1).unwrap();
        let column = line.find("foo").unwrap();
        let expected = format!(
            r#"error[E0201]: unknown name `foo`
   ,-[long.pol:2:{}]
 1 | policy p
 2 | {line}
   : {pad}^|^
   : {pad} `-- not defined
   `----
  help: names are defined with `let`, as record fields, or as rules in the
        policy or one of its imports
"#,
            column + 1,
            pad = " ".repeat(column),
        );
        check(&diagnostic, &sources, &expected);
    }

    #[test]
    fn label_on_a_line_too_long_to_draw_becomes_a_note() {
        let text = format!("policy \"p\" let s = \"{}\" let t = 1 +\n", "a".repeat(70_000));
        let (sources, id) = one("long.pol", &text);
        let end = text.len();
        let diagnostic = Diagnostic::new(Code::Syntax, "unexpected end of file, expected an expression")
            .at(Span::new(id, end, end), "the file ends here")
            .help("finish the expression");
        for style in [Style::Plain, Style::Fancy, Style::Narrated] {
            let rendered = render(&diagnostic, &sources, style);
            assert!(
                rendered.contains("note: at long.pol:1:70034: the file ends here"),
                "{rendered}"
            );
            assert!(
                !rendered.contains("aaaa"),
                "the long line is not drawn: {rendered}"
            );
        }
        check(
            &diagnostic,
            &sources,
            "error[E0101]: unexpected end of file, expected an expression\n  help: finish the expression\n  = note: at long.pol:1:70034: the file ends here\n",
        );
    }

    #[test]
    fn label_next_to_a_line_too_long_to_draw_becomes_a_note() {
        // miette draws the lines around a label whole: a huge CSV header above a bad row was
        // echoed to standard error in full.
        let text = format!("code,{}\nUS,1\nGB,2\n", "h".repeat(70_000));
        let (sources, id) = one("wide.csv", &text);
        let row = text.find("US").unwrap();
        let diagnostic = Diagnostic::new(
            Code::MalformedFacts,
            "malformed CSV: expected 1 cells as in the header, found 2",
        )
        .at(Span::new(id, row, row + 4), "this row");
        for style in [Style::Plain, Style::Fancy, Style::Narrated] {
            let rendered = render(&diagnostic, &sources, style);
            assert!(rendered.contains("note: at wide.csv:2:1: this row"), "{rendered}");
            assert!(rendered.len() < 1000, "the long line is not drawn: {rendered}");
        }
    }

    #[test]
    fn diagnostic_without_primary_label_is_one_line_and_help() {
        let sources = SourceMap::new();
        let diagnostic =
            Diagnostic::new(Code::Io, "cannot read `facts.json`: not found").help("check the path");
        check(
            &diagnostic,
            &sources,
            "error[E0401]: cannot read `facts.json`: not found\n  help: check the path\n",
        );
    }

    #[test]
    fn secondary_labels_without_primary_become_notes() {
        let (sources, id) = one("facts.json", "{\"a\": 1}\n");
        let diagnostic = Diagnostic::new(Code::Io, "cannot read `facts.csv`: not found")
            .also(find(&sources, id, "\"a\""), "the other facts come from here");
        check(
            &diagnostic,
            &sources,
            r#"error[E0401]: cannot read `facts.csv`: not found
  = note: defined at facts.json:1:2: the other facts come from here
"#,
        );
    }

    #[test]
    fn terminal_control_characters_are_replaced() {
        let text = "policy p\rrule\x1b[31m a: permit when \u{202E}foo\n";
        let (sources, id) = one("ctl.pol", text);
        let diagnostic = Diagnostic::new(Code::InvalidCharacter, "unexpected character")
            .at(find(&sources, id, "\x1b"), "not allowed here");
        check(
            &diagnostic,
            &sources,
            r#"error[E0106]: unexpected character
   ,-[ctl.pol:1:14]
 1 | policy p?rule?[31m a: permit when ???foo
   :              |
   :              `-- not allowed here
   `----
"#,
        );
    }

    #[test]
    fn render_all_ends_with_a_summary() {
        let (sources, id) = one("p.pol", "rule a: permit when foo\n");
        let error = Diagnostic::new(Code::UnknownName, "unknown name `foo`")
            .at(find(&sources, id, "foo"), "not defined");
        let warning = Diagnostic::new(Code::Unused, "unused rule `a`").at(find(&sources, id, "a"), "");
        let diagnostics = [error.clone(), warning, error];
        let rendered = render_all(&diagnostics, &sources, Style::Plain);
        assert!(rendered.ends_with("`----\n\n2 errors, 1 warning\n"), "{rendered}");
        assert_eq!(rendered.matches("error[E0201]: unknown name `foo`\n").count(), 2);
        assert!(rendered.contains("warning[W0001]: unused rule `a`\n   ,-[p.pol:1:6]\n"));
        assert_eq!(render_all(&[], &sources, Style::Plain), "");
    }

    #[test]
    fn summary_counts_each_severity() {
        let error = Diagnostic::new(Code::Io, "x");
        let warning = Diagnostic::new(Code::Unused, "y");
        assert_eq!(summary(&[]), None);
        assert_eq!(summary(std::slice::from_ref(&error)), Some("1 error".to_owned()));
        assert_eq!(
            summary(&[warning.clone(), warning.clone()]),
            Some("2 warnings".to_owned())
        );
        assert_eq!(summary(&[error, warning]), Some("1 error, 1 warning".to_owned()));
    }

    #[test]
    fn narrated_style_spells_out_positions() {
        let (sources, id) = one("policy.pol", "policy p\nrule a: permit when foo\n");
        let diagnostic = Diagnostic::new(Code::UnknownName, "unknown name `foo`")
            .at(find(&sources, id, "foo"), "not defined")
            .help("define `foo`");
        assert_eq!(
            render(&diagnostic, &sources, Style::Narrated),
            r#"unknown name `foo`
    Diagnostic severity: error
Begin snippet for policy.pol starting at line 1, column 1

snippet line 1: policy p
snippet line 2: rule a: permit when foo
    label at line 2, columns 21 to 23: not defined
diagnostic help: define `foo`
diagnostic code: E0201
"#
        );
    }

    #[test]
    fn fancy_style_draws_with_unicode_and_colour() {
        let (sources, id) = one("policy.pol", "rule a: permit when foo\n");
        let diagnostic = Diagnostic::new(Code::UnknownName, "unknown name `foo`")
            .at(find(&sources, id, "foo"), "not defined");
        let rendered = render(&diagnostic, &sources, Style::Fancy);
        assert!(rendered.contains("\x1b["), "{rendered:?}");
        assert!(rendered.contains("╭─["), "{rendered:?}");
        assert!(rendered.contains("policy.pol:1:21"), "{rendered:?}");
        let bare = render(
            &Diagnostic::new(Code::Io, "cannot read `a`"),
            &sources,
            Style::Fancy,
        );
        assert_eq!(bare, "\x1b[31merror[E0401]\x1b[39m: cannot read `a`\n");
    }

    #[test]
    fn adapter_reports_code_severity_help_and_primary_label() {
        use miette::Diagnostic as _;
        let (sources, id) = one("policy.pol", "rule a: permit when foo\n");
        let diagnostic = Diagnostic::new(Code::Unused, "unused rule `a`")
            .at(find(&sources, id, "a"), "never applies")
            .also(find(&sources, id, "foo"), "")
            .help("remove it");
        let adapter = Adapter::new(&diagnostic, &sources);
        assert_eq!(adapter.to_string(), "unused rule `a`");
        assert_eq!(adapter.code().unwrap().to_string(), "W0001");
        assert_eq!(adapter.severity(), Some(miette::Severity::Warning));
        assert_eq!(adapter.help().unwrap().to_string(), "remove it");
        let labels: Vec<_> = adapter.labels().unwrap().collect();
        assert_eq!(
            labels,
            vec![
                LabeledSpan::new_primary_with_span(Some("never applies".to_owned()), 5..6),
                LabeledSpan::new_with_span(None, 20..23),
            ]
        );
        let contents = adapter
            .source_code()
            .unwrap()
            .read_span(&(20..23).into(), 0, 0)
            .unwrap();
        assert_eq!(contents.name(), Some("policy.pol"));
        assert!(adapter.notes().is_empty());
    }
}
