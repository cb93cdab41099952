//! Layout for the printer: a document of text, break points and groups, laid out in lines no
//! wider than a limit (a group stays on one line if it fits, or breaks at all its own points).

/// A piece of layout.
#[derive(Debug)]
pub enum Doc {
    /// Text printed as is; it never holds a line break.
    Text(String),
    /// A space on one line, or a line break.
    Line,
    /// Nothing on one line, or a line break.
    SoftLine,
    /// Text printed only where the enclosing group is broken (a trailing comma).
    IfBroken(&'static str),
    /// Its contents, with the lines they break onto indented one level more.
    Nest(Box<Doc>),
    /// Its contents on one line if they fit there, else broken at every point of their own.
    Group(Box<Doc>),
    /// Items separated by `, `, as many on each line as fit; a broken line ends with `,`.
    Fill(Vec<Doc>),
    /// One after the other.
    Concat(Vec<Doc>),
}

impl Doc {
    /// Text.
    pub fn text(text: impl Into<String>) -> Doc {
        Doc::Text(text.into())
    }

    /// Indented one level where it breaks.
    pub fn nest(doc: Doc) -> Doc {
        Doc::Nest(Box::new(doc))
    }

    /// On one line if it fits.
    pub fn group(doc: Doc) -> Doc {
        Doc::Group(Box::new(doc))
    }
}

#[derive(Copy, Clone, PartialEq, Eq)]
enum Mode {
    Flat,
    Broken,
}

/// One piece still to print: its indentation (in levels), whether its group is broken, itself.
type Command<'a> = (usize, Mode, &'a Doc);

/// How many columns `text` takes on a terminal: two for a wide character (most Chinese,
/// Japanese and Korean ones), none for a combining mark, one for the others.
pub fn columns(text: &str) -> usize {
    unicode_width::UnicodeWidthStr::width(text)
}

/// Lays `doc` out in lines of at most `width` columns where it can, each with its indentation in
/// levels (of two columns). A line can still be longer when a piece of text alone is.
pub fn layout(doc: &Doc, width: usize) -> Vec<(usize, String)> {
    let mut lines = vec![(0, String::new())];
    let mut column = 0usize;
    let mut stack: Vec<Command<'_>> = vec![(0, Mode::Broken, doc)];
    while let Some((level, mode, doc)) = stack.pop() {
        match doc {
            Doc::Text(text) => {
                push_text(&mut lines, text);
                column += columns(text);
            }
            Doc::Line | Doc::SoftLine if mode == Mode::Flat => {
                if matches!(doc, Doc::Line) {
                    push_text(&mut lines, " ");
                    column += 1;
                }
            }
            Doc::Line | Doc::SoftLine => {
                lines.push((level, String::new()));
                column = level * 2;
            }
            Doc::IfBroken(text) => {
                if mode == Mode::Broken {
                    push_text(&mut lines, text);
                    column += columns(text);
                }
            }
            Doc::Nest(inner) => stack.push((level + 1, mode, inner)),
            Doc::Group(inner) => {
                let flat = mode == Mode::Flat || fits(width.saturating_sub(column), inner, &stack);
                stack.push((level, if flat { Mode::Flat } else { Mode::Broken }, inner));
            }
            Doc::Concat(docs) => {
                for inner in docs.iter().rev() {
                    stack.push((level, mode, inner));
                }
            }
            Doc::Fill(items) => {
                for (idx, item) in items.iter().enumerate() {
                    if idx > 0 {
                        // The next item goes on this line if it fits with its separator and
                        // the comma after it (a broken list ends with a comma too).
                        let wanted = 2 + flat_width(item) + 1;
                        if mode == Mode::Flat || column + wanted <= width {
                            push_text(&mut lines, ", ");
                            column += 2;
                        } else {
                            push_text(&mut lines, ",");
                            lines.push((level, String::new()));
                            column = level * 2;
                        }
                    }
                    let text = flat_text(item);
                    push_text(&mut lines, &text);
                    column += columns(&text);
                }
            }
        }
    }
    lines
}

fn push_text(lines: &mut [(usize, String)], text: &str) {
    if let Some((_, line)) = lines.last_mut() {
        line.push_str(text);
    }
}

/// Whether `doc` on one line, then what follows it up to the next line break, fits in `room`
/// columns.
fn fits(room: usize, doc: &Doc, rest: &[Command<'_>]) -> bool {
    let mut room = room as isize;
    let mut pending: Vec<(Mode, &Doc)> = vec![(Mode::Flat, doc)];
    let mut rest = rest.iter().rev();
    loop {
        let (mode, doc) = match pending.pop() {
            Some(next) => next,
            None => match rest.next() {
                Some((_, mode, doc)) => (*mode, *doc),
                None => return true,
            },
        };
        if room < 0 {
            return false;
        }
        match doc {
            Doc::Text(text) => room -= columns(text) as isize,
            Doc::Line | Doc::SoftLine if mode == Mode::Broken => return true,
            Doc::Line => room -= 1,
            Doc::SoftLine => {}
            Doc::IfBroken(text) => {
                if mode == Mode::Broken {
                    room -= columns(text) as isize;
                }
            }
            Doc::Nest(inner) => pending.push((mode, inner)),
            // A group met after the one measured is measured as it would be printed: flat if
            // its enclosing group is; a broken one may break, and its first line is what counts.
            Doc::Group(inner) => pending.push((mode, inner)),
            Doc::Fill(items) => {
                if mode == Mode::Broken {
                    // A broken fill's first line holds at least its first item.
                    if let Some(first) = items.first() {
                        room -= flat_width(first) as isize;
                    }
                    return room >= 0;
                }
                // Item by item, so that a long list stops the measure as soon as it overflows.
                for (idx, item) in items.iter().enumerate() {
                    room -= (flat_width(item) + if idx > 0 { 2 } else { 0 }) as isize;
                    if room < 0 {
                        return false;
                    }
                }
            }
            Doc::Concat(docs) => {
                for inner in docs.iter().rev() {
                    pending.push((mode, inner));
                }
            }
        }
        if room < 0 {
            return false;
        }
    }
}

/// The text of `doc` on one line.
pub fn flat_text(doc: &Doc) -> String {
    let mut out = String::new();
    write_flat(doc, &mut out);
    out
}

fn write_flat(doc: &Doc, out: &mut String) {
    match doc {
        Doc::Text(text) => out.push_str(text),
        Doc::Line => out.push(' '),
        Doc::SoftLine | Doc::IfBroken(_) => {}
        Doc::Nest(inner) | Doc::Group(inner) => write_flat(inner, out),
        Doc::Fill(items) => {
            for (idx, item) in items.iter().enumerate() {
                if idx > 0 {
                    out.push_str(", ");
                }
                write_flat(item, out);
            }
        }
        Doc::Concat(docs) => {
            for inner in docs {
                write_flat(inner, out);
            }
        }
    }
}

fn flat_width(doc: &Doc) -> usize {
    columns(&flat_text(doc))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn call(name: &str, args: &[&str]) -> Doc {
        let mut inner = vec![Doc::SoftLine];
        for (idx, arg) in args.iter().enumerate() {
            if idx > 0 {
                inner.push(Doc::text(","));
                inner.push(Doc::Line);
            }
            inner.push(Doc::text(*arg));
        }
        inner.push(Doc::IfBroken(","));
        Doc::group(Doc::Concat(vec![
            Doc::text(format!("{name}(")),
            Doc::nest(Doc::Concat(inner)),
            Doc::SoftLine,
            Doc::text(")"),
        ]))
    }

    fn check(doc: &Doc, width: usize, expected: &str) {
        let printed: Vec<String> = layout(doc, width)
            .into_iter()
            .map(|(level, line)| format!("{}{line}", "  ".repeat(level)))
            .collect();
        assert_eq!(printed.join("\n"), expected);
    }

    #[test]
    fn a_group_that_fits_stays_on_one_line() {
        check(&call("f", &["a", "b"]), 10, "f(a, b)");
    }

    #[test]
    fn a_group_too_wide_breaks_at_every_point_with_a_trailing_comma() {
        check(&call("f", &["aaaa", "bbbb"]), 10, "f(\n  aaaa,\n  bbbb,\n)");
    }

    #[test]
    fn text_after_a_group_counts_against_its_line() {
        let doc = Doc::Concat(vec![call("f", &["a", "b"]), Doc::text(" + 1")]);
        check(&doc, 8, "f(\n  a,\n  b,\n) + 1");
    }

    #[test]
    fn a_fill_puts_as_many_items_on_a_line_as_fit() {
        let items = ["aa", "bb", "cc", "dd", "ee"]
            .map(Doc::text)
            .into_iter()
            .collect();
        let doc = Doc::group(Doc::Concat(vec![
            Doc::text("{"),
            Doc::nest(Doc::Concat(vec![
                Doc::SoftLine,
                Doc::Fill(items),
                Doc::IfBroken(","),
            ])),
            Doc::SoftLine,
            Doc::text("}"),
        ]));
        check(&doc, 13, "{\n  aa, bb, cc,\n  dd, ee,\n}");
    }
}
