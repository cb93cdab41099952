//! Mappings: how a CSV or TSV file laid out by someone else (notes before the header, column
//! names with spaces, `Yes`/`No`, dates as `D-M-YYYY` or a year alone) is read into a record
//! type, declared in a small YAML file kept apart from the data, so the data stays untouched.

use std::collections::BTreeMap;

use super::messages;
use super::sink::Sink;
use super::tree::{Node, read_tree};
use crate::diagnostic::Diagnostic;
use crate::source::{SourceId, SourceMap, Span};
use crate::value::{Date, PartialDate, Precision};

/// How a tabular file is read: a mapping file parsed, its names still unchecked against a
/// policy (that happens when a file is read with it).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Mapping {
    /// The record type each row is, and where the mapping names it.
    pub record: Option<(String, Span)>,
    /// The byte between cells, if the mapping says (else `,` for CSV, a tab for TSV).
    pub delimiter: Option<u8>,
    /// How many lines come before the header row.
    pub skip_lines: usize,
    /// A byte that ends every line after its last cell (`;` in SIPRI's files), dropped.
    pub trailing: Option<u8>,
    /// Lines (1-based) where rows start that are not read: rows a publisher's file is known to
    /// hold broken, named one by one so that nothing else is dropped.
    pub skip_rows: Vec<usize>,
    /// Whether columns the mapping does not name and no field is named after are ignored.
    pub ignore_other_columns: bool,
    /// The words that mean true, false and unknown in every column.
    pub words: Words,
    /// The columns the mapping names, in its order.
    pub columns: Vec<Column>,
    /// The span of the whole mapping text, for problems about it as a whole.
    pub span: Span,
}

/// Words that stand for a truth value or for an unknown value.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Words {
    /// Words read as true in a `Bool` field.
    pub truthy: Vec<String>,
    /// Words read as false in a `Bool` field.
    pub falsy: Vec<String>,
    /// Words read as unknown in any field, besides `?`.
    pub unknown: Vec<String>,
}

/// What the mapping says about one column.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Column {
    /// The column's name as the header writes it.
    pub name: String,
    /// Where the mapping writes that name.
    pub span: Span,
    /// The field it is read into, with its span in the mapping; `None` to ignore the column.
    pub field: Option<(String, Span)>,
    /// Words of this column, which replace the file's.
    pub words: Option<Words>,
    /// How its dates are written, if they are not `YYYY-MM-DD`.
    pub date: Option<DateFormat>,
    /// How its text is cleaned before it is read.
    pub normalise: Normaliser,
    /// What separates the elements of a set or list in a cell, if not `;`.
    pub separator: Option<String>,
}

/// Changes made to a cell's text before it is read, in this order.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Normaliser {
    /// Remove white space at both ends.
    pub trim: bool,
    /// Change the case of every letter.
    pub case: Option<Case>,
    /// Whole texts replaced by others (`Turkiye` by `Turkey`), looked up after trimming and case.
    pub replace: BTreeMap<String, String>,
}

/// A change of case.
#[derive(Copy, Clone, Debug, PartialEq, Eq)]
pub enum Case {
    /// Lower case.
    Lower,
    /// Upper case.
    Upper,
}

/// A date format such as `D-M-YYYY` or `YYYY`, and which day stands for a date written without
/// its day or month.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DateFormat {
    /// The format as written.
    pub text: String,
    parts: Vec<DatePart>,
    /// For a format without a day (or month): the first or last day of the month (or year).
    pub fill: Option<Fill>,
    /// For a format without a day: read as a date known only to the year or month
    /// (`precision: year` or `precision: month`), which compares three-valued with exact dates.
    pub partial: bool,
}

/// Which day stands for a date given only to the month or year.
#[derive(Copy, Clone, Debug, PartialEq, Eq)]
pub enum Fill {
    /// The first day (`2011` is 2011-01-01).
    Start,
    /// The last day (`2011` is 2011-12-31).
    End,
}

#[derive(Clone, Debug, PartialEq, Eq)]
enum DatePart {
    /// Four digits.
    Year,
    /// One or two digits (`M`, `D`), or exactly two (`MM`, `DD`).
    Month {
        exact: bool,
    },
    Day {
        exact: bool,
    },
    Literal(char),
}

impl DateFormat {
    /// Parses a format of `YYYY`, `MM`, `M`, `DD`, `D` and other characters taken as written.
    fn parse(text: &str) -> Result<DateFormat, String> {
        let mut parts = Vec::new();
        let mut rest = text;
        while let Some(ch) = rest.chars().next() {
            let (part, len) = if rest.starts_with("YYYY") {
                (DatePart::Year, 4)
            } else if rest.starts_with("MM") {
                (DatePart::Month { exact: true }, 2)
            } else if rest.starts_with("DD") {
                (DatePart::Day { exact: true }, 2)
            } else if ch == 'M' {
                (DatePart::Month { exact: false }, 1)
            } else if ch == 'D' {
                (DatePart::Day { exact: false }, 1)
            } else if ch == 'Y' {
                return Err("a year is written `YYYY`".to_owned());
            } else {
                (DatePart::Literal(ch), ch.len_utf8())
            };
            parts.push(part);
            rest = &rest[len..];
        }
        let count = |wanted: fn(&DatePart) -> bool| parts.iter().filter(|part| wanted(part)).count();
        let years = count(|part| matches!(part, DatePart::Year));
        let months = count(|part| matches!(part, DatePart::Month { .. }));
        let days = count(|part| matches!(part, DatePart::Day { .. }));
        if years != 1 || months > 1 || days > 1 || (days == 1 && months == 0) {
            return Err("a date format has `YYYY` once, and may add a month (`MM` or `M`) and then a day (`DD` or `D`)".to_owned());
        }
        Ok(DateFormat {
            text: text.to_owned(),
            parts,
            fill: None,
            partial: false,
        })
    }

    /// Whether the format leaves out the day, so that [`DateFormat::fill`] must say which day.
    pub fn is_partial(&self) -> bool {
        !self.parts.iter().any(|part| matches!(part, DatePart::Day { .. }))
    }

    /// The text of the date a cell writes in this format, as facts write dates: `YYYY-MM-DD`, or
    /// `YYYY` or `YYYY-MM` for a format read as a partial date; `None` if it does not match.
    pub fn read_text(&self, text: &str) -> Option<String> {
        if !self.partial {
            return self.read(text).map(|date| date.to_string());
        }
        let (year, month, _) = self.fields(text)?;
        let date = match month {
            Some(month) => PartialDate::month(year, month)?,
            None => PartialDate::year(year)?,
        };
        Some(date.to_string())
    }

    /// The year, month and day a cell writes in this format.
    fn fields(&self, text: &str) -> Option<(i32, Option<u32>, Option<u32>)> {
        let bytes = text.as_bytes();
        let mut at = 0;
        let (mut year, mut month, mut day) = (None, None, None);
        let digits = |at: usize, min: usize, max: usize| {
            let n = bytes[at..]
                .iter()
                .take(max)
                .take_while(|byte| byte.is_ascii_digit())
                .count();
            (n >= min).then(|| (text[at..at + n].parse::<u32>().ok(), at + n))
        };
        for part in &self.parts {
            match part {
                DatePart::Year => {
                    let (value, next) = digits(at, 4, 4)?;
                    year = value;
                    at = next;
                }
                DatePart::Month { exact } | DatePart::Day { exact } => {
                    let min = if *exact { 2 } else { 1 };
                    let (value, next) = digits(at, min, 2)?;
                    if matches!(part, DatePart::Month { .. }) {
                        month = value;
                    } else {
                        day = value;
                    }
                    at = next;
                }
                DatePart::Literal(ch) => {
                    if !text[at..].starts_with(*ch) {
                        return None;
                    }
                    at += ch.len_utf8();
                }
            }
        }
        if at != text.len() {
            return None;
        }
        Some((i32::try_from(year?).ok()?, month, day))
    }

    /// The date a cell writes in this format, or `None` if it does not match or names no real day.
    pub fn read(&self, text: &str) -> Option<Date> {
        let (year, month, day) = self.fields(text)?;
        let fill = self.fill.unwrap_or(Fill::Start);
        let month = match (month, fill) {
            (Some(month), _) => month,
            (None, Fill::Start) => 1,
            (None, Fill::End) => 12,
        };
        let day = match (day, fill) {
            (Some(day), _) => day,
            (None, Fill::Start) => 1,
            (None, Fill::End) => (28..=31)
                .rev()
                .find(|day| Date::from_ymd(year, month, *day).is_some())?,
        };
        Date::from_ymd(year, month, day)
    }
}

impl Normaliser {
    /// Whether the normaliser changes nothing.
    pub fn is_identity(&self) -> bool {
        !self.trim && self.case.is_none() && self.replace.is_empty()
    }

    /// The text after every change.
    pub fn apply<'t>(&self, text: &'t str) -> std::borrow::Cow<'t, str> {
        use std::borrow::Cow;
        let mut out: Cow<'t, str> = Cow::Borrowed(if self.trim { text.trim() } else { text });
        match self.case {
            Some(Case::Lower) if out.chars().any(char::is_uppercase) => out = Cow::Owned(out.to_lowercase()),
            Some(Case::Upper) if out.chars().any(char::is_lowercase) => out = Cow::Owned(out.to_uppercase()),
            _ => {}
        }
        if let Some(replacement) = self.replace.get(out.as_ref()) {
            out = Cow::Owned(replacement.clone());
        }
        out
    }
}

impl Mapping {
    /// Parses a mapping text (YAML) from `sources`; every problem found, with its span.
    pub fn parse(sources: &SourceMap, source: SourceId) -> Result<Mapping, Vec<Diagnostic>> {
        let text = sources.get(source).text.as_str();
        let base = if text.starts_with('\u{feff}') { 3 } else { 0 };
        let mut sink = Sink::new();
        let whole = Span::new(source, 0, text.len());
        let Some(root) = read_tree(&text[base..], text, base, source, &mut sink, 16) else {
            sink.into_result()?;
            return Err(vec![messages::bad_mapping("the mapping is empty", "", whole)]);
        };
        let mut mapping = Mapping {
            record: None,
            delimiter: None,
            skip_lines: 0,
            trailing: None,
            skip_rows: Vec::new(),
            ignore_other_columns: false,
            words: Words::default(),
            columns: Vec::new(),
            span: whole,
        };
        let mut problems = Vec::new();
        let Node::Map { entries, .. } = root else {
            return Err(vec![messages::bad_mapping(
                "a mapping is a YAML object of settings",
                "expected an object",
                root.span(),
            )]);
        };
        let mut header_line: Option<(usize, Span)> = None;
        for (key, value) in &entries {
            let Some(name) = scalar(key) else {
                problems.push(messages::bad_mapping(
                    "a setting's name is text",
                    "expected a name",
                    key.span(),
                ));
                continue;
            };
            let result = match name {
                "record" => {
                    scalar_of(value).map(|(text, span)| mapping.record = Some((text.to_owned(), span)))
                }
                "delimiter" => byte(value).map(|byte| mapping.delimiter = Some(byte)),
                "trailing_separator" => byte(value).map(|byte| mapping.trailing = Some(byte)),
                "skip_lines" => number(value).map(|n| mapping.skip_lines = n),
                "skip_rows" => match value {
                    Node::Seq { items, .. } => items
                        .iter()
                        .map(|item| match number(item) {
                            Ok(0) => Err(messages::bad_mapping(
                                "lines are counted from 1",
                                "expected 1 or more",
                                item.span(),
                            )),
                            other => other,
                        })
                        .collect::<Result<Vec<usize>, Diagnostic>>()
                        .map(|lines| mapping.skip_rows = lines),
                    _ => Err(messages::bad_mapping(
                        "`skip_rows` is a list of line numbers",
                        "expected a list",
                        value.span(),
                    )),
                },
                "header_line" => number(value).and_then(|n| {
                    if n == 0 {
                        Err(messages::bad_mapping(
                            "lines are counted from 1",
                            "expected 1 or more",
                            value.span(),
                        ))
                    } else {
                        header_line = Some((n, value.span()));
                        Ok(())
                    }
                }),
                "other_columns" => match scalar(value) {
                    Some(choice @ ("ignore" | "error")) => {
                        mapping.ignore_other_columns = choice == "ignore";
                        Ok(())
                    }
                    _ => Err(messages::bad_mapping(
                        "`other_columns` is `ignore` or `error`",
                        "expected `ignore` or `error`",
                        value.span(),
                    )),
                },
                "words" => words(value).map(|words| mapping.words = words),
                "columns" => columns(value, &mut problems).map(|columns| mapping.columns = columns),
                _ => Err(unknown_setting(
                    name,
                    key.span(),
                    &[
                        "record",
                        "delimiter",
                        "skip_lines",
                        "header_line",
                        "skip_rows",
                        "trailing_separator",
                        "other_columns",
                        "words",
                        "columns",
                    ],
                )),
            };
            if let Err(diagnostic) = result {
                problems.push(diagnostic);
            }
        }
        if let Some((line, span)) = header_line {
            if mapping.skip_lines != 0 && mapping.skip_lines != line - 1 {
                problems.push(messages::bad_mapping(
                    "`skip_lines` and `header_line` disagree",
                    "the header is on line `skip_lines` + 1",
                    span,
                ));
            }
            mapping.skip_lines = line - 1;
        }
        if problems.is_empty() {
            Ok(mapping)
        } else {
            Err(problems)
        }
    }

    /// What the mapping says about a column of the header, if it names it.
    pub fn column(&self, name: &str) -> Option<&Column> {
        self.columns.iter().find(|column| column.name == name)
    }
}

fn scalar(node: &Node) -> Option<&str> {
    match node {
        Node::Scalar { value, .. } => Some(value),
        _ => None,
    }
}

fn scalar_of(node: &Node) -> Result<(&str, Span), Diagnostic> {
    match node {
        Node::Scalar { value, span, .. } => Ok((value, *span)),
        _ => Err(messages::bad_mapping(
            "expected text",
            "expected text",
            node.span(),
        )),
    }
}

fn unknown_setting(name: &str, span: Span, known: &[&str]) -> Diagnostic {
    let mut diagnostic = messages::bad_mapping(
        &format!("unknown setting `{}`", messages::quoted(name)),
        "not a setting here",
        span,
    );
    let names = known
        .iter()
        .map(|name| format!("`{name}`"))
        .collect::<Vec<_>>()
        .join(", ");
    diagnostic.help = Some(
        match crate::diagnostic::did_you_mean(name, known.iter().copied()) {
            Some(similar) => format!("a similar setting exists: `{similar}`"),
            None => format!("the settings here are {names}"),
        },
    );
    diagnostic
}

/// One byte, written as a character (`;`) or as `tab`.
fn byte(node: &Node) -> Result<u8, Diagnostic> {
    let (text, span) = scalar_of(node)?;
    match text {
        "tab" | "\t" => Ok(b'\t'),
        _ if text.len() == 1 && !matches!(text.as_bytes()[0], b'"' | b'\n' | b'\r') => Ok(text.as_bytes()[0]),
        _ => Err(messages::bad_mapping(
            "a separator is one character (or `tab`), other than a quote or a line break",
            "expected one character",
            span,
        )),
    }
}

fn number(node: &Node) -> Result<usize, Diagnostic> {
    let (text, span) = scalar_of(node)?;
    text.parse::<usize>()
        .map_err(|_| messages::bad_mapping("expected a whole number", "expected a number", span))
}

fn flag(node: &Node) -> Result<bool, Diagnostic> {
    let (text, span) = scalar_of(node)?;
    match text {
        "true" | "yes" => Ok(true),
        "false" | "no" => Ok(false),
        _ => Err(messages::bad_mapping(
            "expected `true` or `false`",
            "expected `true` or `false`",
            span,
        )),
    }
}

/// A list of words, or one word.
fn word_list(node: &Node) -> Result<Vec<String>, Diagnostic> {
    match node {
        Node::Scalar { value, .. } => Ok(vec![value.clone()]),
        Node::Seq { items, .. } => items
            .iter()
            .map(|item| scalar_of(item).map(|(text, _)| text.to_owned()))
            .collect(),
        Node::Map { span, .. } => Err(messages::bad_mapping(
            "expected a list of words",
            "expected a list",
            *span,
        )),
    }
}

fn words(node: &Node) -> Result<Words, Diagnostic> {
    let Node::Map { entries, .. } = node else {
        return Err(messages::bad_mapping(
            "`words` is an object: `{true: [Yes], false: [No], unknown: [\"?\"]}`",
            "expected an object",
            node.span(),
        ));
    };
    let mut words = Words::default();
    for (key, value) in entries {
        let list = word_list(value)?;
        match scalar(key) {
            Some("true") => words.truthy = list,
            Some("false") => words.falsy = list,
            Some("unknown") => words.unknown = list,
            other => {
                return Err(unknown_setting(
                    other.unwrap_or(""),
                    key.span(),
                    &["true", "false", "unknown"],
                ));
            }
        }
    }
    Ok(words)
}

fn columns(node: &Node, problems: &mut Vec<Diagnostic>) -> Result<Vec<Column>, Diagnostic> {
    let Node::Map { entries, .. } = node else {
        return Err(messages::bad_mapping(
            "`columns` is an object from column names to fields",
            "expected an object",
            node.span(),
        ));
    };
    let mut columns: Vec<Column> = Vec::new();
    for (key, value) in entries {
        let (name, span) = match scalar_of(key) {
            Ok(found) => found,
            Err(diagnostic) => {
                problems.push(diagnostic);
                continue;
            }
        };
        if let Some(first) = columns.iter().find(|column| column.name == name) {
            problems.push(
                messages::bad_mapping(
                    &format!("column `{}` mapped twice", messages::quoted(name)),
                    "mapped again here",
                    span,
                )
                .also(first.span, "first mapped here"),
            );
            continue;
        }
        match column(name, span, value) {
            Ok(column) => columns.push(column),
            Err(diagnostic) => problems.push(diagnostic),
        }
    }
    Ok(columns)
}

fn column(name: &str, span: Span, node: &Node) -> Result<Column, Diagnostic> {
    let mut column = Column {
        name: name.to_owned(),
        span,
        field: None,
        words: None,
        date: None,
        normalise: Normaliser::default(),
        separator: None,
    };
    let entries = match node {
        Node::Scalar { value, span, .. } if value == "ignore" => {
            let _ = span;
            return Ok(column);
        }
        Node::Scalar { value, span, .. } => {
            column.field = Some((value.clone(), *span));
            return Ok(column);
        }
        Node::Map { entries, .. } => entries,
        Node::Seq { span, .. } => {
            return Err(messages::bad_mapping(
                "a column maps to a field name, `ignore`, or an object of settings",
                "expected a name or an object",
                *span,
            ));
        }
    };
    let mut ignore = false;
    let mut fill: Option<(Fill, Span)> = None;
    let mut precision: Option<(Precision, Span)> = None;
    for (key, value) in entries {
        let setting = scalar(key).unwrap_or("");
        match setting {
            "field" => column.field = Some(scalar_of(value).map(|(text, span)| (text.to_owned(), span))?),
            "ignore" => ignore = flag(value)?,
            "words" => column.words = Some(words(value)?),
            "date" => {
                let (text, span) = scalar_of(value)?;
                column.date = Some(
                    DateFormat::parse(text)
                        .map_err(|problem| messages::bad_mapping(&problem, "this date format", span))?,
                );
            }
            "fill" => {
                let (text, span) = scalar_of(value)?;
                let value = match text {
                    "start" => Fill::Start,
                    "end" => Fill::End,
                    _ => {
                        return Err(messages::bad_mapping(
                            "`fill` is `start` or `end`",
                            "expected `start` or `end`",
                            span,
                        ));
                    }
                };
                fill = Some((value, key.span()));
            }
            "precision" => {
                let (text, span) = scalar_of(value)?;
                let value = match text {
                    "year" => Precision::Year,
                    "month" => Precision::Month,
                    _ => {
                        return Err(messages::bad_mapping(
                            "`precision` is `year` or `month`",
                            "expected `year` or `month`",
                            span,
                        ));
                    }
                };
                precision = Some((value, key.span()));
            }
            "trim" => column.normalise.trim = flag(value)?,
            "case" => {
                column.normalise.case = match scalar(value) {
                    Some("lower") => Some(Case::Lower),
                    Some("upper") => Some(Case::Upper),
                    _ => {
                        return Err(messages::bad_mapping(
                            "`case` is `lower` or `upper`",
                            "expected `lower` or `upper`",
                            value.span(),
                        ));
                    }
                }
            }
            "replace" => {
                let Node::Map { entries, .. } = value else {
                    return Err(messages::bad_mapping(
                        "`replace` is an object from texts to the texts that replace them",
                        "expected an object",
                        value.span(),
                    ));
                };
                for (from, to) in entries {
                    let (from, _) = scalar_of(from)?;
                    let (to, _) = scalar_of(to)?;
                    column.normalise.replace.insert(from.to_owned(), to.to_owned());
                }
            }
            "separator" => {
                let (text, span) = scalar_of(value)?;
                if text.is_empty() {
                    return Err(messages::bad_mapping(
                        "a separator is not empty",
                        "expected a separator",
                        span,
                    ));
                }
                column.separator = Some(text.to_owned());
            }
            _ => {
                return Err(unknown_setting(
                    setting,
                    key.span(),
                    &[
                        "field",
                        "ignore",
                        "words",
                        "date",
                        "fill",
                        "precision",
                        "trim",
                        "case",
                        "replace",
                        "separator",
                    ],
                ));
            }
        }
    }
    if let Some((precision, span)) = precision {
        let wanted = match precision {
            Precision::Year => "YYYY",
            Precision::Month => "a month and no day",
        };
        let fits = column.date.as_ref().is_some_and(|date| {
            let has_month = date
                .parts
                .iter()
                .any(|part| matches!(part, DatePart::Month { .. }));
            date.is_partial() && has_month == (precision == Precision::Month)
        });
        if fill.is_some() || !fits {
            return Err(messages::bad_mapping(
                &format!(
                    "`precision` needs a `date` format of {wanted}, and no `fill`: the cell is read as a date known only to that precision"
                ),
                "this precision",
                span,
            ));
        }
        if let Some(date) = &mut column.date {
            date.partial = true;
        }
    }
    match (&mut column.date, fill) {
        (Some(date), _) if date.partial => {}
        (Some(date), Some((fill, _))) => date.fill = Some(fill),
        (None, Some((_, span))) => {
            return Err(messages::bad_mapping(
                "`fill` needs a `date` format",
                "no `date` for it",
                span,
            ));
        }
        (Some(date), None) if date.is_partial() => {
            return Err(messages::partial_date_without_fill(&date.text, span));
        }
        _ => {}
    }
    if ignore {
        column.field = None;
    } else if column.field.is_none() {
        // A column with settings but no `field` is read into the field of its own name.
        column.field = Some((name.to_owned(), span));
    }
    Ok(column)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn check(format: &str, fill: Option<Fill>, cases: &[(&str, Option<&str>)]) {
        let mut parsed = DateFormat::parse(format).unwrap();
        parsed.fill = fill;
        for (text, expected) in cases {
            let read = parsed.read(text).map(|date| date.to_string());
            assert_eq!(read.as_deref(), *expected, "{format} on {text}");
        }
    }

    #[test]
    fn dates_are_read_in_the_format_given() {
        check(
            "D-M-YYYY",
            None,
            &[
                ("29-5-1997", Some("1997-05-29")),
                ("1-12-2011", Some("2011-12-01")),
                ("31-2-2011", None),
                ("1997-05-29", None),
                ("29-5-97", None),
            ],
        );
        check(
            "DD/MM/YYYY",
            None,
            &[("03/04/2020", Some("2020-04-03")), ("3/4/2020", None)],
        );
    }

    #[test]
    fn a_year_alone_stands_for_the_day_the_mapping_says() {
        check(
            "YYYY",
            Some(Fill::Start),
            &[("2011", Some("2011-01-01")), ("11", None)],
        );
        check("YYYY", Some(Fill::End), &[("2011", Some("2011-12-31"))]);
        check("YYYY-MM", Some(Fill::End), &[("2024-02", Some("2024-02-29"))]);
    }

    #[test]
    fn formats_need_one_year_and_a_month_before_a_day() {
        assert!(DateFormat::parse("YY-MM-DD").is_err());
        assert!(DateFormat::parse("YYYY-DD").is_err());
        assert!(DateFormat::parse("YYYY-MM-DD").is_ok());
    }

    #[test]
    fn the_normaliser_trims_then_changes_case_then_replaces() {
        let normaliser = Normaliser {
            trim: true,
            case: None,
            replace: [("Turkiye".to_owned(), "Turkey".to_owned())].into(),
        };
        assert_eq!(normaliser.apply("  Turkiye "), "Turkey");
        assert_eq!(normaliser.apply("Japan "), "Japan");
    }
}
