//! Unit tests of the analysis queries, driven as an editor drives them: a Pol text with a cursor
//! marker `$0`, the query at that offset, the answer compared as text.

use super::{Symbol, completions, definition, document_symbols, hover, references};
use crate::check::{Checked, check_partial};
use crate::source::{SourceId, SourceMap, Span};
use crate::syntax::{self, ast};

const POLICY: &str = r#"policy "Analysis"

enum Level { low, high }

record Country key code {
  code: Text
  level: Level
}

record Transfer key id {
  id: Text
  to: Country
  onward: Country?
  value: Int
}

let limit = 100
fn is_high(c: Country) -> Bool = c.level == high

decide t: Transfer
default deny because "only listed cases"

obligation notify "tell the ministry"

rule small: permit {
  when t.value < limit
  because "small amounts are free"
  cite "Art. 1"
  oblige notify
  effective 2023-01-01
  until 2030-01-01
}

rule risky: deny {
  when is_high(t.to) or any x in {1, 2}: x > t.value
  exception to small
}

rule broken: deny {
  when t.destination == "JP"
}

test "small transfers pass" {
  Country { code: "JP", level: low }
  Transfer { id: "t1", to: "JP", onward: none, value: 5 }
  expect "t1" permit by small oblige notify
}
"#;

/// An editor's view of one file: the text with the marker removed, its parse and check, the cursor.
struct Editor {
    text: String,
    sources: SourceMap,
    modules: Vec<ast::Module>,
    checked: Checked,
    source: SourceId,
    cursor: u32,
}

/// Opens `text` with the marker `$0` placed at `needle`'s first occurrence plus `shift` bytes.
fn open(text: &str, needle: &str, shift: usize) -> Editor {
    let at = text
        .find(needle)
        .unwrap_or_else(|| panic!("no `{needle}` in the text"))
        + shift;
    let mut sources = SourceMap::new();
    let source = sources.add("policy.pol", text);
    let modules = vec![syntax::parse(&sources, source).expect("the text parses")];
    let checked = check_partial(&modules);
    Editor {
        text: text.to_string(),
        sources,
        modules,
        checked,
        source,
        cursor: at as u32,
    }
}

/// A span as `line:column text`, 1-based, for comparing answers as text.
fn show(editor: &Editor, span: Span) -> String {
    let before = &editor.text[..span.start as usize];
    let line = before.matches('\n').count() + 1;
    let column = before.len() - before.rfind('\n').map_or(0, |at| at + 1) + 1;
    format!("{line}:{column} {}", &editor.text[span.range()])
}

fn hover_at(needle: &str, shift: usize) -> String {
    let editor = open(POLICY, needle, shift);
    match hover(
        &editor.modules.iter().collect::<Vec<_>>(),
        &editor.sources,
        &editor.checked,
        editor.source,
        editor.cursor,
    ) {
        Some(found) => format!("{}\n{}", show(&editor, found.span), found.text),
        None => "nothing".into(),
    }
}

/// Completions at the marker `$0` in `text`, after checking `checked_text` (the last text that
/// checked, as an editor keeps it while the user types), as `label (detail)` lines.
fn complete(checked_text: &str, text: &str) -> String {
    let editor = open(checked_text, "", 0);
    let cursor = text.find("$0").expect("a cursor marker") as u32;
    let text = text.replace("$0", "");
    completions(&editor.checked, &text, editor.source, cursor)
        .iter()
        .map(|found| match &found.detail {
            Some(detail) => format!("{} ({detail})", found.label),
            None => found.label.clone(),
        })
        .collect::<Vec<_>>()
        .join("\n")
}

/// Completes at the first `needle` of the policy, with the text before it kept and `typed` in its place.
fn complete_in_policy(needle: &str, typed: &str) -> String {
    let at = POLICY.find(needle).expect("the needle is in the policy");
    let text = format!("{}{typed}$0\n}}\n", &POLICY[..at]);
    complete(POLICY, &text)
}

#[test]
fn hover_on_a_rule_shows_its_effect_reason_citation_and_dates() {
    assert_eq!(
        hover_at("exception to small", 15),
        "36:16 small\n\
         rule small: permit\n\
         because \"small amounts are free\"\n\
         cite \"Art. 1\"\n\
         oblige notify\n\
         effective 2023-01-01\n\
         until 2030-01-01"
    );
    assert_eq!(
        hover_at("rule risky", 6),
        "34:6 risky\nrule risky: deny\nexception to small"
    );
}

#[test]
fn hover_shows_fields_with_their_record_and_type() {
    assert_eq!(
        hover_at("is_high(t.to)", 10),
        "35:18 to\nfield Transfer.to: Country"
    );
    assert_eq!(
        hover_at("onward: Country?", 0),
        "13:3 onward\nfield Transfer.onward: Country?"
    );
    assert_eq!(
        hover_at("c.level ==", 3),
        "18:36 level\nfield Country.level: Level"
    );
}

#[test]
fn hover_shows_constants_functions_obligations_and_locals() {
    assert_eq!(hover_at("< limit", 3), "26:18 limit\nlet limit: Int = 100");
    assert_eq!(
        hover_at("is_high(t", 2),
        "35:8 is_high\nfn is_high(c: Country) -> Bool"
    );
    assert_eq!(
        hover_at("oblige notify", 9),
        "29:10 notify\nobligation notify \"tell the ministry\""
    );
    assert_eq!(hover_at("t.value <", 0), "26:8 t\nsubject t: Transfer");
    assert_eq!(hover_at("x > t", 0), "35:42 x\nvariable x: Int");
    assert_eq!(hover_at("c.level ==", 0), "18:34 c\nparameter c: Country");
    assert_eq!(hover_at("== high", 4), "18:45 high\nvariant Level.high");
    assert_eq!(hover_at("level: low", 8), "44:32 low\nvariant Level.low");
    assert_eq!(hover_at("Country {", 0), "44:3 Country\nrecord Country key code");
}

#[test]
fn definition_goes_from_a_use_to_its_name() {
    let editor = open(POLICY, "exception to small", 14);
    let found = definition(&editor.checked, editor.source, editor.cursor).expect("a definition");
    assert_eq!(show(&editor, found), "25:6 small");
    let editor = open(POLICY, "to: \"JP\"", 0);
    let found = definition(&editor.checked, editor.source, editor.cursor).expect("a definition");
    assert_eq!(show(&editor, found), "12:3 to");
}

#[test]
fn references_list_every_use_and_the_definition() {
    let editor = open(POLICY, "rule small", 6);
    let found: Vec<String> = references(&editor.checked, editor.source, editor.cursor)
        .into_iter()
        .map(|span| show(&editor, span))
        .collect();
    assert_eq!(found, ["25:6 small", "36:16 small", "46:25 small"]);
    let editor = open(POLICY, "level: Level", 0);
    let found: Vec<String> = references(&editor.checked, editor.source, editor.cursor)
        .into_iter()
        .map(|span| show(&editor, span))
        .collect();
    assert_eq!(found, ["7:3 level", "18:36 level", "44:25 level"]);
}

#[test]
fn the_rest_of_a_file_with_a_broken_rule_can_still_be_queried() {
    let editor = open(POLICY, "rule broken", 5);
    assert!(editor.checked.has_errors());
    assert_eq!(hover_at("rule broken", 5), "39:6 broken\nrule broken: deny");
    assert_eq!(hover_at("t.value <", 2), "26:10 value\nfield Transfer.value: Int");
}

#[test]
fn completion_after_a_dot_lists_fields_of_the_path() {
    assert_eq!(
        complete_in_policy("  when t.value", "  when t."),
        "id (Text)\nonward (Country?)\nto (Country)\nvalue (Int)"
    );
    assert_eq!(
        complete_in_policy("  when t.value", "  when t.onward.le"),
        "level (Level)"
    );
    assert_eq!(
        complete_in_policy("  when t.value", "  when Level."),
        "high (Level)\nlow (Level)"
    );
}

#[test]
fn completion_works_inside_a_rule_that_does_not_parse() {
    let text = format!("{POLICY}\nrule half: deny {{\n  when any y in {{1}}: t.to.$0 and (\n");
    assert_eq!(complete(POLICY, &text), "code (Text)\nlevel (Level)");
    let text = format!("{POLICY}\nrule half: deny {{\n  when any y in {{1}}: y > li$0 and (\n");
    assert_eq!(complete(POLICY, &text), "limit (Int)");
    let text = format!("{POLICY}\nrule half: deny {{\n  when any yy in {{1}}: y$0\n");
    assert_eq!(complete(POLICY, &text), "year (builtin)\nyy");
}

#[test]
fn completion_lists_rules_obligations_modules_and_types_where_they_belong() {
    assert_eq!(
        complete_in_policy("  exception to small", "  exception to small, "),
        "broken\nrisky (deny)\nsmall (permit)"
    );
    assert_eq!(
        complete_in_policy("  oblige notify", "  oblige no"),
        "notify (tell the ministry)"
    );
    assert_eq!(
        complete(POLICY, &format!("{POLICY}\nuse $0")),
        "std.countries\nstd.dates\nstd.eu\nstd.japan\nstd.regimes\nstd.sources"
    );
    assert_eq!(
        complete(POLICY, &format!("{POLICY}\nuse std.$0")),
        "countries\ndates\neu\njapan\nregimes\nsources"
    );
    assert_eq!(
        complete(POLICY, &format!("{POLICY}\nfn f(x: $0")),
        "Bool\nCountry (record)\nDate\nDecimal\nInt\nLevel (enum)\nList\nSet\nText\nTransfer (record)"
    );
    assert_eq!(complete(POLICY, &format!("{POLICY}\nrule r: $0")), "deny\npermit");
}

#[test]
fn completion_offers_keywords_valid_at_the_cursor() {
    assert_eq!(
        complete(POLICY, &format!("{POLICY}\n$0")),
        "decide\ndefault\nenum\nfn\nlet\nobligation\nrecord\nrule\ntest\nuse"
    );
    assert_eq!(
        complete(POLICY, &format!("{POLICY}\nrule r: deny {{\n  $0")),
        "because\ncite\neffective\nexception to\noblige\nunless\nuntil\nwhen"
    );
    assert_eq!(
        complete(POLICY, &format!("{POLICY}\nrule r: deny {{\n  un$0")),
        "unless\nuntil"
    );
    assert_eq!(complete(POLICY, &format!("{POLICY}\n// a comment $0")), "");
    assert_eq!(complete(POLICY, &format!("{POLICY}\nlet s = \"t.$0")), "");
}

fn outline(symbols: &[Symbol], editor: &Editor, depth: usize, out: &mut Vec<String>) {
    for symbol in symbols {
        let detail = symbol
            .detail
            .as_deref()
            .map(|detail| format!(" ({detail})"))
            .unwrap_or_default();
        out.push(format!(
            "{}{:?} {}{detail} at {}",
            "  ".repeat(depth),
            symbol.kind,
            symbol.name,
            show(editor, symbol.name_span).split(' ').next().unwrap_or("")
        ));
        outline(&symbol.children, editor, depth + 1, out);
    }
}

#[test]
fn document_symbols_outline_the_file() {
    let editor = open(POLICY, "", 0);
    let mut lines = Vec::new();
    outline(
        &document_symbols(&editor.modules.iter().collect::<Vec<_>>(), editor.source),
        &editor,
        0,
        &mut lines,
    );
    assert_eq!(
        lines.join("\n"),
        "Enum Level at 3:6\n  Variant low at 3:14\n  Variant high at 3:19\n\
         Record Country (key code) at 5:8\n  Field code (Text) at 6:3\n  Field level (Level) at 7:3\n\
         Record Transfer (key id) at 10:8\n  Field id (Text) at 11:3\n  Field to (Country) at 12:3\n  \
         Field onward (Country?) at 13:3\n  Field value (Int) at 14:3\n\
         Constant limit at 17:5\n\
         Function is_high (fn is_high(c: Country) -> Bool) at 18:4\n\
         Obligation notify (tell the ministry) at 23:12\n\
         Rule small (permit) at 25:6\n\
         Rule risky (deny) at 34:6\n\
         Rule broken (deny) at 39:6\n\
         Test small transfers pass at 43:6"
    );
}

#[test]
fn completion_after_a_name_whose_type_did_not_check_offers_nothing() {
    let broken = POLICY
        .replace("let limit = 100", "let limit = 100\nlet bad = missing.code")
        .replace("  onward: Country?", "  onward: Countree?");
    let text = format!("{broken}\nrule r: deny {{\n  when bad.$0");
    assert_eq!(complete(&broken, &text), "");
    let text = format!("{broken}\nrule r: deny {{\n  when t.onward.$0");
    assert_eq!(complete(&broken, &text), "");
    let text = format!("{broken}\nrule r: deny {{\n  when t.$0");
    assert_eq!(
        complete(&broken, &text),
        "id (Text)\nonward (?)\nto (Country)\nvalue (Int)"
    );
}

#[test]
fn completion_after_a_subject_whose_record_is_unknown_offers_nothing() {
    let broken = POLICY.replace("decide t: Transfer", "decide t: Transfr");
    let text = format!("{broken}\nrule r: deny {{\n  when t.$0");
    assert_eq!(complete(&broken, &text), "");
    let text = format!("{broken}\nrule r: deny {{\n  when $0");
    assert!(complete(&broken, &text).lines().any(|line| line == "t"));
}
