//! Tests of parsing a text again after an edit (`reparse`): the tree, diagnostics and cuts must
//! be those of parsing the new text from scratch, whatever the edit, and only the declarations
//! an edit touched are parsed again.

use proptest::prelude::*;

use super::lower::n_pieces_lowered;
use super::{Change, DEFAULT_MAX_NESTING, Parsed, parse_partial, reparse};
use crate::source::SourceMap;

/// Every construct of the grammar, and a `data` block, a list type and a nested record.
fn base_text() -> String {
    let mut text = include_str!("testdata/all_constructs.pol").to_string();
    text.push_str(
        "\nrecord Approval {\n  nsc: Bool\n}\n\nrecord Row key code {\n  code: Text\n  tags: List<Text>\n}\n\n\
         data {\n  Row { code: \"a\", tags: {\"x\", \"y\"} }\n  // a row's comment\n  Row { code: \"b\", tags: {} }\n}\n\n\
         test \"nested\" {\n  Transfer { id: \"t9\", approval: Approval { nsc: true }, day: 2024-01-01 }\n  expect \"t9\" deny by default\n}\n\n\
         let big = -(3 * 4) + f(Country[\"JP\"], none)\n",
    );
    text
}

/// Parses `old`, then `new` both from scratch and from the tree of `old`; asserts that both
/// give the same parse; how many pieces the second parse lowered on its own.
fn check_same(old: &str, new: &str) -> usize {
    let mut sources = SourceMap::new();
    let id = sources.add("test.pol", old);
    let first = parse_partial(&sources, id, DEFAULT_MAX_NESTING);
    sources.set_text(id, new);
    let scratch = parse_partial(&sources, id, DEFAULT_MAX_NESTING);
    let before = n_pieces_lowered();
    let again = match first.pieces {
        Some(pieces) => reparse(
            &sources,
            id,
            DEFAULT_MAX_NESTING,
            first.module,
            &pieces,
            Change::between(old, new),
        ),
        None => parse_partial(&sources, id, DEFAULT_MAX_NESTING),
    };
    let n_lowered = n_pieces_lowered() - before;
    assert_same(&scratch, &again, old, new);
    n_lowered
}

fn assert_same(scratch: &Parsed, again: &Parsed, old: &str, new: &str) {
    assert_eq!(again.module, scratch.module, "tree of {new:?} after {old:?}");
    assert_eq!(again.diagnostics, scratch.diagnostics, "diagnostics of {new:?}");
    assert_eq!(again.skipped, scratch.skipped, "declarations left out of {new:?}");
    assert_eq!(again.pieces, scratch.pieces, "cuts of {new:?}");
}

/// Replaces the first `from` of `text` with `to`.
fn edited(text: &str, from: &str, to: &str) -> String {
    assert!(text.contains(from), "{from:?} is not in the text");
    text.replacen(from, to, 1)
}

// ---------------------------------------------------------------- the cuts

#[test]
fn an_edit_inside_one_rule_parses_that_rule_alone() {
    let old = base_text();
    let new = edited(
        &old,
        "t.destination.party_to_conflict",
        "t.destination.party_to_conflictx",
    );
    assert_eq!(check_same(&old, &new), 1);
}

#[test]
fn declarations_after_an_edit_that_changes_the_length_are_moved_not_parsed() {
    let old = base_text();
    let new = edited(
        &old,
        "let home = Country[\"JP\"]",
        "let home = Country[\"JPN\"]\n\n",
    );
    assert_eq!(check_same(&old, &new), 1);
    let new = edited(&old, "enum Category { rescue, ", "enum Category { ");
    assert_eq!(check_same(&old, &new), 1);
}

#[test]
fn splitting_one_declaration_into_two_parses_both() {
    let old = base_text();
    let new = edited(
        &old,
        "  unless t.onward is some\n",
        "  unless t.onward is some\n}\n\nrule split: permit {\n",
    );
    assert_eq!(check_same(&old, &new), 2);
}

#[test]
fn merging_two_declarations_into_one_parses_the_merged_one() {
    let old = base_text();
    let new = edited(
        &old,
        "  effective 2014-04-01\n}\n\nrule licensed_return: permit {\n",
        "",
    );
    assert_eq!(check_same(&old, &new), 1);
}

#[test]
fn an_edit_to_the_header_or_the_first_declaration_parses_only_it() {
    let old = base_text();
    let new = edited(&old, "revised 22 December 2023", "revised 22 December 2024");
    assert_eq!(check_same(&old, &new), 1);
    let new = edited(&old, "use std.dates\n", "use std.countries\n");
    assert_eq!(check_same(&old, &new), 1);
    // A new first declaration in the header's piece, then a `use` turned into something else.
    let new = edited(&old, "\nuse std.dates", "\nuse std.tables\nuse std.dates");
    assert_eq!(check_same(&old, &new), 2);
    let new = edited(&old, "use std.dates", "let dates = 1");
    assert_eq!(check_same(&old, &new), 1);
}

#[test]
fn an_edit_to_the_last_declaration_or_after_it_parses_only_it() {
    let old = base_text();
    let new = edited(&old, "f(Country[\"JP\"], none)", "g()");
    assert_eq!(check_same(&old, &new), 1);
    let new = format!("{old}\n// a comment at the end\n");
    assert_eq!(check_same(&old, &new), 1);
    // The last declaration's bytes and cuts are unchanged: only the new one is parsed.
    let new = format!("{old}rule appended: permit when true\n");
    assert_eq!(check_same(&old, &new), 1);
}

#[test]
fn an_edit_to_a_record_other_declarations_use_parses_only_the_record() {
    let old = base_text();
    let new = edited(&old, "  consent: Bool\n", "  consented: Bool\n");
    assert_eq!(check_same(&old, &new), 1);
}

#[test]
fn an_edit_that_breaks_the_text_gives_what_parsing_it_from_scratch_gives() {
    let old = base_text();
    for (from, to) in [
        (
            "when t.destination.party_to_conflict",
            "when t.destination.party_to_conflict and",
        ),
        ("  effective 2014-04-01\n}", "  effective 2014-04-01\n"),
        (
            "\"no rule permits this transfer\"",
            "\"no rule permits this transfer",
        ),
        ("record Country key code {", "record Country key code {{"),
        ("policy \"Japan", "polic \"Japan"),
        ("// Every construct", "/ Every construct"),
    ] {
        check_same(&old, &edited(&old, from, to));
    }
}

#[test]
fn an_edit_that_opens_a_string_or_a_comment_before_declarations_parses_again_what_it_hides() {
    let old = base_text();
    // The rules after the quote are inside a string now: the text does not parse.
    check_same(&old, &edited(&old, "let home = ", "let home = \""));
    // A comment that swallows a declaration's keyword merges it into the one before.
    check_same(&old, &edited(&old, "\nrule x: deny {", "\n// rule x: deny {"));
}

#[test]
fn a_text_that_did_not_parse_is_parsed_whole_and_then_again_by_pieces() {
    let broken = edited(&base_text(), "rule x: deny {", "rule x: deny {{");
    check_same(&broken, &base_text());
    let fixed = base_text();
    let new = edited(&fixed, "home = Country", "home2 = Country");
    assert_eq!(check_same(&fixed, &new), 1);
}

#[test]
fn the_smallest_change_between_two_texts_leaves_out_their_common_start_and_end() {
    assert_eq!(
        Change::between("abcdef", "abXYef"),
        Change {
            start: 2,
            old_end: 4,
            new_end: 4
        }
    );
    assert_eq!(
        Change::between("aaa", "aaaa"),
        Change {
            start: 3,
            old_end: 3,
            new_end: 4
        }
    );
    // Long texts are compared a block at a time, then byte by byte.
    let long = "x".repeat(1000);
    let changed = format!("{}y{}", &long[..700], &long[700..]);
    assert_eq!(
        Change::between(&long, &changed),
        Change {
            start: 700,
            old_end: 700,
            new_end: 701
        }
    );
    let repeated = format!("{long}{long}");
    assert_eq!(
        Change::between(&long, &repeated),
        Change {
            start: 1000,
            old_end: 1000,
            new_end: 2000
        }
    );
    assert_eq!(
        Change::between("abc", ""),
        Change {
            start: 0,
            old_end: 3,
            new_end: 0
        }
    );
}

// ---------------------------------------------------------------- random edits

/// Texts an edit may insert: declaration keywords, brackets left open or closed, quotes,
/// comments, line breaks, whole declarations, a character of several bytes.
const INSERTS: &[&str] = &[
    "",
    "",
    "x",
    "// a note\n",
    "\n\n",
    " ",
    "\n",
    "}",
    "{",
    "(",
    ")",
    "\"",
    "//",
    "rule ",
    "\nrule r: permit when true\n",
    "use std.dates\n",
    "let y = 1\n",
    " and ",
    "é",
    "data {\n",
    "Ω\"\n}",
];

/// One edit: where it starts, as a fraction of the text, how many bytes it removes (or, at
/// the start of a line, how many lines) and what it inserts, and whether it is moved to the start
/// of its line (where whole lines and declarations come and go); or, two times in five, the text
/// put back as it was when it last parsed whole, so that a broken text is often fixed.
#[derive(Clone, Debug)]
struct Edit {
    at: f64,
    n_removed: usize,
    insert: usize,
    line_start: bool,
    undo: bool,
}

fn edit_strategy() -> impl Strategy<Value = Edit> {
    (
        0.0..=1.0f64,
        prop_oneof![Just(0usize), 1..4usize, 1..200usize],
        0..INSERTS.len(),
        prop::bool::ANY,
        prop::bool::weighted(0.4),
    )
        .prop_map(|(at, n_removed, insert, line_start, undo)| Edit {
            at,
            n_removed,
            insert,
            line_start,
            undo,
        })
}

/// Applies an edit to a text, at character boundaries.
fn apply(text: &str, edit: &Edit) -> String {
    apply_edit(
        text,
        edit.at,
        edit.n_removed,
        edit.line_start,
        INSERTS[edit.insert],
    )
}

/// Replaces part of `text` with `insert`, at character boundaries: from `at` (a fraction of the
/// text) `n_removed` bytes, or, with `line_start`, from the start of that line `n_removed % 4`
/// whole lines. Random edits of the session's tests are applied by it too.
pub(crate) fn apply_edit(text: &str, at: f64, n_removed: usize, line_start: bool, insert: &str) -> String {
    let floor = |mut idx: usize| {
        idx = idx.min(text.len());
        while !text.is_char_boundary(idx) {
            idx -= 1;
        }
        idx
    };
    let mut start = floor((text.len() as f64 * at) as usize);
    let end = if line_start {
        start = text[..start].rfind('\n').map_or(0, |idx| idx + 1);
        let n_lines = n_removed % 4;
        text[start..]
            .match_indices('\n')
            .nth(n_lines.wrapping_sub(1))
            .filter(|_| n_lines > 0)
            .map_or(start, |(idx, _)| start + idx + 1)
    } else {
        floor(start + n_removed).max(start)
    };
    format!("{}{}{}", &text[..start], insert, &text[end..])
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 64, ..ProptestConfig::default() })]

    /// After each of many random edits, parsing from the previous tree gives what parsing the
    /// new text from scratch gives.
    #[test]
    fn any_sequence_of_edits_parses_as_from_scratch(edits in prop::collection::vec(edit_strategy(), 1..24)) {
        let mut sources = SourceMap::new();
        let mut text = base_text();
        let id = sources.add("test.pol", text.as_str());
        let mut parsed = parse_partial(&sources, id, DEFAULT_MAX_NESTING);
        let mut last_whole = text.clone();
        for edit in edits {
            let new = if edit.undo { last_whole.clone() } else { apply(&text, &edit) };
            sources.set_text(id, new.as_str());
            let scratch = parse_partial(&sources, id, DEFAULT_MAX_NESTING);
            let again = match parsed.pieces {
                Some(pieces) => reparse(&sources, id, DEFAULT_MAX_NESTING, parsed.module, &pieces, Change::between(&text, &new)),
                None => parse_partial(&sources, id, DEFAULT_MAX_NESTING),
            };
            assert_same(&scratch, &again, &text, &new);
            if again.pieces.is_some() {
                last_whole = new.clone();
            }
            parsed = again;
            text = new;
        }
    }
}
