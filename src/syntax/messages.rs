//! Every diagnostic the parsing stage can emit (codes `E01xx`), in one place so the
//! wording can be reviewed together.

use crate::diagnostic::{Code, Diagnostic, Fix, Setting};
use crate::source::Span;
use crate::value::Date;

/// What the parser found where it stopped.
#[derive(Copy, Clone, Debug, PartialEq, Eq)]
pub(super) enum Found<'a> {
    /// The text ended.
    EndOfFile,
    /// A token, as written.
    Token(&'a str),
    /// A reserved word where a name was expected.
    ReservedWord(&'a str),
    /// A string literal.
    String,
}

/// Advice attached to a syntax error.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(super) enum Hint {
    /// A word such as `allow` where `permit` or `deny` goes.
    Effect,
    /// A reserved word used as a name.
    Reserved(String),
    /// A file that does not start with its header.
    Header,
    /// `=` where `==` was meant.
    Compare,
    /// A C-style logical operator and the Pol word for it.
    Logical(&'static str, &'static str),
    /// A closing bracket with nothing open.
    Unmatched(String),
    /// A declaration keyword glued to a name, as in `rulefoo`.
    SpaceAfter(&'static str, String),
}

impl Hint {
    fn text(&self) -> String {
        match self {
            Hint::Effect => "a rule's effect is `permit` or `deny`".to_owned(),
            Hint::Reserved(word) => format!("`{word}` is a reserved word; choose another name"),
            Hint::Header => "a file starts with `policy \"title\"` or `module \"title\"`".to_owned(),
            Hint::Compare => "to compare two values, write `==`".to_owned(),
            Hint::Logical(operator, word) => format!(
                "write `{word}` instead of `{operator}`: Pol spells its logical operators `and`, `or`, `not`"
            ),
            Hint::Unmatched(closer) => format!("this `{closer}` has no opening bracket to close"),
            Hint::SpaceAfter(keyword, rest) => {
                format!("to start a declaration, put a space after `{keyword}`: `{keyword} {rest}`")
            }
        }
    }
}

/// E0101: the text does not follow the grammar.
pub(super) fn syntax(
    expected: &str,
    context: Option<&str>,
    found: Found<'_>,
    span: Span,
    hint: Option<Hint>,
) -> Diagnostic {
    let context = context.map(|context| format!(" {context}")).unwrap_or_default();
    let (message, label) = match found {
        Found::EndOfFile => (
            format!("unexpected end of file, expected {expected}{context}"),
            "the file ends here".to_owned(),
        ),
        Found::Token(token) => (
            format!("expected {expected}{context}, found `{token}`"),
            format!("expected {expected}"),
        ),
        Found::ReservedWord(word) => (
            format!("expected {expected}{context}, found reserved word `{word}`"),
            "a reserved word cannot be a name".to_owned(),
        ),
        Found::String => (
            format!("expected {expected}{context}, found a string"),
            format!("expected {expected}"),
        ),
    };
    let diagnostic = Diagnostic::new(Code::Syntax, message).at(span, label);
    // Where the hint names the one token that replaces what was found, it is also a fix.
    let fix = match (&hint, found) {
        (Some(Hint::Compare), Found::Token("=")) => Some("==".to_owned()),
        (Some(Hint::Logical(operator, word)), Found::Token(token)) if token == *operator => {
            Some((*word).to_owned())
        }
        (Some(Hint::SpaceAfter(keyword, rest)), Found::Token(token))
            if token == format!("{keyword}{rest}") =>
        {
            Some(format!("{keyword} {rest}"))
        }
        _ => None,
    };
    let fix = fix.map(|text| (format!("write `{text}`"), text));
    let diagnostic = match fix {
        Some((title, text)) => diagnostic.with_fix(Fix::replace(title, span, text)),
        None => diagnostic,
    };
    match hint {
        Some(hint) => diagnostic.help(hint.text()),
        None => diagnostic,
    }
}

/// Adds to a syntax error at the end of the file the bracket that is still open.
pub(super) fn never_closed(diagnostic: Diagnostic, opener: &str, span: Span) -> Diagnostic {
    diagnostic.also(span, format!("this `{opener}` is never closed"))
}

/// E0102: a string with no closing quote; `span` is the opening quote.
pub(super) fn unterminated_string(span: Span) -> Diagnostic {
    Diagnostic::new(Code::UnterminatedString, "unterminated string")
        .at(span, "this string has no closing `\"`")
        .help("add a `\"` where the string ends; write `\\\"` for a quote inside it")
}

/// E0103: an escape the grammar does not know, or a `\u{…}` that is no character.
pub(super) fn invalid_escape(escape: &str, span: Span) -> Diagnostic {
    let help = if escape.starts_with("\\u") {
        "`\\u{…}` takes 1 to 6 hex digits naming a Unicode scalar value: \
         up to `10FFFF`, without the surrogates `D800` to `DFFF`"
    } else {
        "a string can contain the escapes `\\\"`, `\\\\`, `\\n`, `\\t` and `\\u{…}`"
    };
    Diagnostic::new(
        Code::InvalidEscape,
        format!("invalid escape `{escape}` in a string"),
    )
    .at(span, "unknown escape")
    .help(help)
}

/// E0104: a date literal that is not on the calendar.
pub(super) fn invalid_date(text: &str, span: Span) -> Diagnostic {
    const MONTHS: [&str; 12] = [
        "January",
        "February",
        "March",
        "April",
        "May",
        "June",
        "July",
        "August",
        "September",
        "October",
        "November",
        "December",
    ];
    let number = |range: std::ops::Range<usize>| text.get(range).and_then(|part| part.parse::<u32>().ok());
    let (year, month, day) = (number(0..4), number(5..7), number(8..10));
    let help = match (year, month, day) {
        (Some(0), _, _) => Some("years go from `0001` to `9999`".to_owned()),
        (_, Some(month), _) if !(1..=12).contains(&month) => Some("months go from `01` to `12`".to_owned()),
        (_, _, Some(0)) => Some("days start at `01`".to_owned()),
        (Some(year), Some(month), Some(_)) => i32::try_from(year).ok().and_then(|year| {
            let last = (28..=31).rev().find_map(|day| Date::from_ymd(year, month, day))?;
            let name = MONTHS[month as usize - 1];
            Some(format!("{name} {year} ends on `{last}`"))
        }),
        _ => None,
    };
    let diagnostic = Diagnostic::new(Code::InvalidDate, format!("`{text}` is not a calendar date"))
        .at(span, "no such date");
    match help {
        Some(help) => diagnostic.help(help),
        None => diagnostic,
    }
}

/// E0105: an integer literal, or a test position, that does not fit.
pub(super) fn integer_too_large(text: &str, limit: &str, span: Span) -> Diagnostic {
    Diagnostic::new(Code::IntegerTooLarge, format!("integer `{text}` is too large"))
        .at(span, "does not fit")
        .help(format!("the largest allowed here is {limit}"))
}

/// E0105: a negative integer literal below the smallest `Int`.
pub(super) fn integer_too_small(text: &str, span: Span) -> Diagnostic {
    Diagnostic::new(Code::IntegerTooLarge, format!("integer `{text}` is too small"))
        .at(span, "does not fit")
        .help(format!("the smallest allowed here is `{}`", i64::MIN))
}

/// E0479: a decimal literal with more digits than a `Decimal` holds.
pub(super) fn decimal_out_of_range(text: &str, span: Span) -> Diagnostic {
    Diagnostic::new(
        Code::DecimalOutOfRange,
        format!("decimal `{text}` has too many digits"),
    )
    .at(span, "cannot be held exactly")
    .help("a `Decimal` holds at most 28 significant digits, at most 28 of them after the point")
}

/// E0106: a character that no token starts with.
pub(super) fn invalid_character(ch: char, in_name: bool, lookalike: Option<char>, span: Span) -> Diagnostic {
    if ch.is_ascii_graphic() {
        return Diagnostic::new(Code::InvalidCharacter, format!("unexpected character `{ch}`"))
            .at(span, "not part of Pol's syntax")
            .help(format!("`{ch}` can only appear in strings and comments"));
    }
    let code = format!("U+{:04X}", u32::from(ch));
    let shown = if ch.is_control() || ch.is_whitespace() {
        code.clone()
    } else {
        format!("`{ch}` ({code})")
    };
    let message = if in_name {
        format!("invalid character {shown} in a name")
    } else {
        format!("invalid character {shown}")
    };
    let mut help = if in_name {
        "names are made of ASCII letters, digits and `_`".to_owned()
    } else {
        "outside strings and comments, Pol text is ASCII".to_owned()
    };
    match lookalike {
        Some(' ') => help.push_str(&format!("; {code} looks like a space but is not one")),
        Some(ascii) => help.push_str(&format!(
            "; {code} looks like `{ascii}` but is a different character"
        )),
        None => {}
    }
    let diagnostic = Diagnostic::new(Code::InvalidCharacter, message)
        .at(span, "not allowed here")
        .help(help);
    match lookalike {
        Some(ascii) => {
            let first = Span {
                end: span.start + ch.len_utf8() as u32,
                ..span
            };
            let title = if ascii == ' ' {
                "write a space".to_owned()
            } else {
                format!("write `{ascii}`")
            };
            diagnostic.with_fix(Fix::replace(title, first, ascii.to_string()))
        }
        None => diagnostic,
    }
}

/// E0106: a C-style logical operator such as `&&`.
pub(super) fn c_operator(operator: &str, word: &'static str, span: Span) -> Diagnostic {
    let hint = Hint::Logical(if operator == "&&" { "&&" } else { "||" }, word);
    Diagnostic::new(Code::InvalidCharacter, format!("unknown operator `{operator}`"))
        .at(span, "not a Pol operator")
        .help(hint.text())
        .with_fix(Fix::replace(format!("write `{word}`"), span, word))
}

/// E0107: nesting past the limit.
pub(super) fn nesting_too_deep(limit: usize, span: Span) -> Diagnostic {
    Diagnostic::new(
        Code::NestingTooDeep,
        format!("nesting is deeper than the limit of {limit} levels"),
    )
    .at(span, "the limit is passed here")
    .help("split the expression with `let` or `fn`, or raise the limit")
    .setting(Setting::MaxNesting)
}

/// E0107: the parser's stack ran out before the nesting limit did.
pub(super) fn parser_stack_exhausted(limit: usize, span: Span) -> Diagnostic {
    Diagnostic::new(
        Code::NestingTooDeep,
        format!(
            "nesting is too deep for the parser's stack, which ran out before the limit of {limit} levels"
        ),
    )
    .at(span, "the stack ran out here")
    .help("split the expression with `let` or `fn`")
    .setting(Setting::ParserStack)
}

/// The name of a character that some editors show as a line break, for E0108.
fn line_break_name(ch: char) -> &'static str {
    match ch {
        '\r' => "a carriage return (CR) without a line feed",
        '\u{0B}' => "a vertical tab (U+000B)",
        '\u{0C}' => "a form feed (U+000C)",
        '\u{85}' => "a next-line character (U+0085)",
        '\u{2028}' => "a line separator (U+2028)",
        _ => "a paragraph separator (U+2029)",
    }
}

/// E0108: a character that some editors show as a line break and Pol does not accept as one.
pub(super) fn ambiguous_line_break(ch: char, in_comment: bool, span: Span) -> Diagnostic {
    let name = line_break_name(ch);
    let (message, label) = if in_comment {
        (
            format!("{name} inside a comment"),
            "the comment does not end here",
        )
    } else {
        (format!("{name} is not a line break in Pol"), "not a line break")
    };
    let why = if in_comment {
        "editors disagree on whether it ends a line, so text after it may look like code but be part of the comment, or the reverse"
    } else {
        "editors disagree on whether it ends a line"
    };
    Diagnostic::new(Code::AmbiguousLineBreak, message)
        .at(span, label)
        .help(format!(
            "{why}; end lines with a line feed (LF) or CR LF, and convert the file's line ends if it comes from an old system"
        ))
}

/// E0109: U+FEFF, an invisible character, anywhere but at the start of the file or in a string.
pub(super) fn stray_byte_order_mark(in_comment: bool, span: Span) -> Diagnostic {
    let place = if in_comment { " in a comment" } else { "" };
    Diagnostic::new(
        Code::StrayByteOrderMark,
        format!("invisible character U+FEFF (byte order mark){place}"),
    )
    .at(span, "U+FEFF here")
    .help(
        "delete it: U+FEFF is allowed only as the first character of a file (often left where two files were joined); \
         in a string, write it as `\\u{FEFF}`",
    )
}

/// W0010: a bidirectional control character in a string or a comment.
pub(super) fn bidi_control(ch: char, in_comment: bool, span: Span) -> Diagnostic {
    let code = format!("U+{:04X}", u32::from(ch));
    let place = if in_comment { "comment" } else { "string" };
    let fix = if in_comment {
        "delete it".to_owned()
    } else {
        format!(
            "if it is meant, write it as the escape `\\u{{{:X}}}`",
            u32::from(ch)
        )
    };
    Diagnostic::new(
        Code::BidiControl,
        format!("bidirectional control character {code} in a {place}"),
    )
    .at(span, "invisible; changes the order in which the text around it is displayed")
    .help(format!(
        "text after it can display in a different order than Pol reads it, hiding what the code does (\"Trojan Source\"); {fix}"
    ))
}

/// E0401: a file whose canonical text would not read back as the same policy.
pub(super) fn cannot_format(name: &str) -> Diagnostic {
    Diagnostic::new(
        Code::Io,
        format!("cannot format `{name}`: its canonical text would read differently"),
    )
    .help("this is a bug in Pol; the file is left as it was")
}
