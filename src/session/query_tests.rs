//! Unit tests of the session's editor queries, driven as an editor drives them: rename across
//! files, formatting a buffer, listing and running test blocks, code actions, semantic tokens,
//! workspace symbols, and the completions and hovers they add.

use std::path::{Path, PathBuf};

use super::*;

use crate::diagnostic::Edit;

const SCHEMA: &str = r#"module "Schema"

enum Kind { arms, dual_use }

// Where a transfer goes.
record Country key code {
  code: Text
  // Whether the country is at war.
  in_combat: Bool
}

record Transfer key id {
  id: Text
  destination: Country
  kind: Kind
  parts: Int
  date: Date
}

obligation report "report the transfer to the ministry"

let limit = 10
fn heavy(t: Transfer) -> Bool = t.parts > limit
"#;

const POLICY: &str = r#"policy "Exports"

use "schema.pol"
use std.dates

decide t: Transfer on t.date
default deny because "no rule permits this transfer"

rule combat: deny {
  when t.destination.in_combat
  because "no transfer to a country in combat"
  cite "Art. 3"
  effective 2020-01-01
}

rule small: permit {
  when t.kind == dual_use and not heavy(t) and in_period(t.date, 2020-01-01, none)
  because "small dual-use transfers"
  oblige report
}

rule rescue: permit {
  when t.kind == arms and t.parts < limit
  because "rescue"
  exception to combat
}

test "small transfers pass" {
  Country { code: "US", in_combat: false }
  Transfer { id: "t1", destination: "US", kind: dual_use, parts: 3, date: 2024-01-01 }
  expect "t1" permit by small oblige report
}

test "combat denies" {
  Country { code: "UA", in_combat: true }
  Transfer { id: "t2", destination: "UA", kind: dual_use, parts: 3, date: 2024-01-01 }
  expect "t2" permit by default
}
"#;

/// A second policy that imports the same schema.
const OTHER: &str = r#"policy "Other"
use "schema.pol"

decide x: Transfer on x.date
default deny because "no"

rule far: deny {
  when x.destination.in_combat and heavy(x)
  because "far"
}
"#;

fn path(name: &str) -> PathBuf {
    Path::new("/project").join(name)
}

fn disk() -> MemoryFiles {
    let files = MemoryFiles::new();
    files.write(path("schema.pol"), SCHEMA);
    files.write(path("policy.pol"), POLICY);
    files.write(path("other.pol"), OTHER);
    files
}

/// The offset in `text` of the `n`th (from 0) occurrence of `marker`, plus `delta`.
fn offset(text: &str, marker: &str, n: usize, delta: usize) -> u32 {
    let (at, _) = text
        .match_indices(marker)
        .nth(n)
        .unwrap_or_else(|| panic!("`{marker}` occurs {} times", n + 1));
    (at + delta) as u32
}

/// A text with edits made, last first.
fn apply(text: &str, edits: &[Edit]) -> String {
    let mut text = text.to_string();
    for edit in edits.iter().rev() {
        text.replace_range(edit.span.start as usize..edit.span.end as usize, &edit.text);
    }
    text
}

/// The text the session holds for a file.
fn text_of(workspace: &Workspace<'_>, file: &str) -> String {
    let id = workspace.source_id(&path(file)).unwrap();
    workspace.sources().get(id).text.clone()
}

/// Applies a rename's edits to the session, as an editor applies a workspace edit, and returns
/// the codes of every error left in the files named.
fn apply_rename(workspace: &mut Workspace<'_>, edits: &[FileEdit], files: &[&str]) -> Vec<&'static str> {
    for file in edits {
        let id = workspace.source_id(&file.path).unwrap();
        let text = apply(&workspace.sources().get(id).text.clone(), &file.edits);
        workspace.set_text(&file.path, &text);
    }
    files
        .iter()
        .flat_map(|file| workspace.diagnostics(&path(file)))
        .filter(Diagnostic::is_error)
        .map(|found| found.code.as_str())
        .collect()
}

fn opened(files: &MemoryFiles) -> Workspace<'_> {
    let mut workspace = Workspace::new(files, Vec::new());
    workspace.open(&path("policy.pol"));
    workspace.open(&path("other.pol"));
    assert!(
        workspace
            .diagnostics(&path("policy.pol"))
            .iter()
            .all(|d| !d.is_error())
    );
    assert!(
        workspace
            .diagnostics(&path("other.pol"))
            .iter()
            .all(|d| !d.is_error())
    );
    workspace
}

// ---------------------------------------------------------------- rename

#[test]
fn renaming_a_field_changes_every_path_through_it_in_every_file_and_nothing_else() {
    let files = disk();
    let mut workspace = opened(&files);
    // At a use, in the policy: `t.destination.in_combat`.
    let at = offset(POLICY, "in_combat", 0, 2);
    assert_eq!(
        workspace
            .prepare_rename(&path("policy.pol"), at)
            .map(|span| (span.start, span.end)),
        Some((at - 2, at - 2 + "in_combat".len() as u32))
    );
    let edits = workspace.rename(&path("policy.pol"), at, "at_war").unwrap();
    let changed: Vec<(&str, usize)> = edits
        .iter()
        .map(|file| (file.path.file_name().unwrap().to_str().unwrap(), file.edits.len()))
        .collect();
    // The schema's declaration, the policy's rule and two test facts, the other policy's rule.
    assert_eq!(changed, [("other.pol", 1), ("policy.pol", 3), ("schema.pol", 1)]);
    let errors = apply_rename(&mut workspace, &edits, &["schema.pol", "policy.pol", "other.pol"]);
    assert_eq!(errors, Vec::<&str>::new());
    let policy = text_of(&workspace, "policy.pol");
    assert!(policy.contains("when t.destination.at_war\n"), "{policy}");
    assert!(
        policy.contains(r#"Country { code: "UA", at_war: true }"#),
        "{policy}"
    );
    // A rule's `because` text and the schema's comment keep the old words.
    assert!(text_of(&workspace, "schema.pol").contains("  at_war: Bool\n"));
    assert_eq!(
        workspace.run_test(&path("policy.pol"), "small transfers pass"),
        TestOutcome::Passed
    );
}

#[test]
fn renaming_a_rule_changes_exceptions_and_test_expectations() {
    let files = disk();
    let mut workspace = opened(&files);
    let at = offset(POLICY, "rule small", 0, 6);
    let edits = workspace
        .rename(&path("policy.pol"), at, "small_dual_use")
        .unwrap();
    assert_eq!(edits.len(), 1);
    let spans: Vec<&str> = edits[0]
        .edits
        .iter()
        .map(|edit| &POLICY[edit.span.start as usize..edit.span.end as usize])
        .collect();
    assert_eq!(spans, ["small", "small"]);
    assert!(apply_rename(&mut workspace, &edits, &["policy.pol"]).is_empty());
    assert!(
        text_of(&workspace, "policy.pol").contains(r#"expect "t1" permit by small_dual_use oblige report"#)
    );
    // A rule named in `exception to` too.
    let at = offset(&text_of(&workspace, "policy.pol"), "exception to combat", 0, 15);
    let edits = workspace.rename(&path("policy.pol"), at, "war").unwrap();
    assert_eq!(edits[0].edits.len(), 2);
    assert!(apply_rename(&mut workspace, &edits, &["policy.pol"]).is_empty());
}

#[test]
fn renaming_functions_constants_variants_and_obligations_rechecks_without_errors() {
    let cases = [
        ("schema.pol", SCHEMA, "fn heavy", 3, "is_heavy"),
        ("schema.pol", SCHEMA, "let limit", 4, "max_parts"),
        ("schema.pol", SCHEMA, "dual_use }", 0, "dual"),
        ("policy.pol", POLICY, "oblige report", 7, "notify"),
        ("schema.pol", SCHEMA, "record Country", 7, "Nation"),
        ("schema.pol", SCHEMA, "enum Kind", 5, "Category"),
        ("schema.pol", SCHEMA, "fn heavy(t", 9, "transfer"),
        // The subject of another policy has that name, but is not visible in the function.
        ("schema.pol", SCHEMA, "fn heavy(t", 9, "x"),
        ("policy.pol", POLICY, "decide t", 7, "tr"),
        // A record's key field, and the field `decide … on` reads.
        ("schema.pol", SCHEMA, "  code: Text", 2, "iso"),
        ("schema.pol", SCHEMA, "  date: Date", 2, "day"),
    ];
    for (file, text, marker, delta, new_name) in cases {
        let files = disk();
        let mut workspace = opened(&files);
        let at = offset(text, marker, 0, delta);
        let edits = workspace
            .rename(&path(file), at, new_name)
            .unwrap_or_else(|error| panic!("{marker}: {error:?}"));
        assert!(!edits.is_empty(), "{marker}");
        let errors = apply_rename(&mut workspace, &edits, &["schema.pol", "policy.pol", "other.pol"]);
        assert_eq!(errors, Vec::<&str>::new(), "{marker} -> {new_name}");
        let renamed = edits
            .iter()
            .all(|file| file.edits.iter().all(|edit| edit.text == new_name));
        assert!(renamed, "{marker}");
    }
}

#[test]
fn a_rename_is_refused_with_a_diagnostic() {
    let files = disk();
    let workspace = opened(&files);
    let field = offset(POLICY, "in_combat", 0, 0);
    let rule = offset(POLICY, "rule small", 0, 6);
    let cases = [
        // Not a name, and a reserved word.
        (field, "at war", "E0445"),
        (field, "rule", "E0445"),
        (field, "", "E0445"),
        // Another field of the same record, another rule, a constant, a builtin.
        (field, "code", "E0446"),
        (rule, "combat", "E0446"),
        (rule, "limit", "E0446"),
        (rule, "size", "E0446"),
    ];
    for (at, new_name, code) in cases {
        let refused = workspace.rename(&path("policy.pol"), at, new_name).unwrap_err();
        assert_eq!(refused.code.as_str(), code, "{new_name}: {refused:?}");
        let span = refused.span().unwrap();
        assert!(span.start <= at && at <= span.end, "{new_name}");
    }
    // A stdlib function is read-only; a place with no name has nothing to rename.
    let std_use = offset(POLICY, "in_period", 0, 1);
    assert_eq!(workspace.prepare_rename(&path("policy.pol"), std_use), None);
    let refused = workspace
        .rename(&path("policy.pol"), std_use, "between")
        .unwrap_err();
    assert_eq!(refused.code.as_str(), "E0447");
    let refused = workspace
        .rename(&path("policy.pol"), offset(POLICY, "because", 0, 2), "x")
        .unwrap_err();
    assert_eq!(refused.code.as_str(), "E0448");
    assert_eq!(
        workspace.rename(&path("policy.pol"), field, "in_combat").unwrap(),
        Vec::new()
    );
}

#[test]
fn a_rename_that_would_change_what_a_name_refers_to_is_refused() {
    let files = disk();
    // A function parameter named `limit` would hide the constant its body uses.
    files.write(
        path("schema.pol"),
        SCHEMA.replace(
            "fn heavy(t: Transfer) -> Bool = t.parts > limit",
            "fn heavy(t: Transfer) -> Bool = t.parts > limit\nfn light(n: Int) -> Bool = n < limit",
        ),
    );
    let workspace = opened(&files);
    let schema = text_of(&workspace, "schema.pol");
    let param = offset(&schema, "light(n", 0, 6);
    let refused = workspace.rename(&path("schema.pol"), param, "limit").unwrap_err();
    assert_eq!(refused.code.as_str(), "E0446");
    // The constant named like the parameter of a function whose body uses it: no declaration
    // of that name collides, but the use in the body would then name the parameter.
    let constant = offset(&schema, "let limit", 0, 4);
    let refused = workspace.rename(&path("schema.pol"), constant, "n").unwrap_err();
    assert_eq!(refused.code.as_str(), "E0446");
    assert!(
        refused.message.contains("would change what its names refer to"),
        "{refused:?}"
    );
    assert!(workspace.rename(&path("schema.pol"), constant, "cap").is_ok());
}

// ---------------------------------------------------------------- formatting

#[test]
fn formatting_gives_the_canonical_text_of_the_buffer_and_refuses_a_syntax_error() {
    let files = disk();
    let mut workspace = opened(&files);
    let messy = POLICY.replace("rule combat: deny {", "rule   combat :deny{");
    workspace.set_text(&path("policy.pol"), &messy);
    assert_eq!(workspace.format(&path("policy.pol")).unwrap(), POLICY);
    // What `pol fmt` prints.
    let mut sources = crate::source::SourceMap::new();
    let id = sources.add("policy.pol", messy.as_str());
    let printed = crate::syntax::print::print(&crate::syntax::parse(&sources, id).unwrap(), &messy);
    assert_eq!(workspace.format(&path("policy.pol")).unwrap(), printed);
    workspace.set_text(
        &path("policy.pol"),
        &POLICY.replace("rule small: permit {", "rule small permit {"),
    );
    let refused = workspace.format(&path("policy.pol")).unwrap_err();
    assert_eq!(refused[0].code.as_str(), "E0101");
    let refused = workspace.format(&path("nowhere.pol")).unwrap_err();
    assert_eq!(refused[0].code.as_str(), "E0401");
}

// ---------------------------------------------------------------- tests

#[test]
fn test_blocks_are_listed_and_run_one_at_a_time() {
    let files = disk();
    let mut workspace = opened(&files);
    let blocks = workspace.tests(&path("policy.pol"));
    let names: Vec<&str> = blocks.iter().map(|block| block.name.as_str()).collect();
    assert_eq!(names, ["small transfers pass", "combat denies"]);
    assert_eq!(
        &POLICY[blocks[1].name_span.start as usize..blocks[1].name_span.end as usize],
        "\"combat denies\""
    );
    assert_eq!(
        workspace.run_test(&path("policy.pol"), "small transfers pass"),
        TestOutcome::Passed
    );
    let TestOutcome::Failed { message, spans } = workspace.run_test(&path("policy.pol"), "combat denies")
    else {
        panic!("the test should fail");
    };
    assert_eq!(
        message,
        "expect \"t2\" (line 37):\n  expected: permit by default\n  actual:   deny by combat"
    );
    assert_eq!(
        &POLICY[spans[0].start as usize..spans[0].start as usize + 6],
        "expect"
    );
    let TestOutcome::Error(errors) = workspace.run_test(&path("policy.pol"), "smal transfers pass") else {
        panic!("no test has that name");
    };
    assert_eq!(errors[0].code.as_str(), "E0449");
    // Fail closed: with an error in an import, a test that passed is an error, not a pass.
    workspace.set_text(&path("schema.pol"), &SCHEMA.replace("parts: Int", "parts: Itn"));
    let TestOutcome::Error(errors) = workspace.run_test(&path("policy.pol"), "small transfers pass") else {
        panic!("a policy with errors runs no test");
    };
    assert_eq!(errors[0].code.as_str(), "E0427");
    assert!(errors[0].message.contains("schema.pol"), "{errors:?}");
}

// ---------------------------------------------------------------- code actions

#[test]
fn code_actions_offer_the_fixes_of_the_diagnostics_under_the_cursor() {
    let files = disk();
    let mut workspace = opened(&files);
    let typo = POLICY
        .replace("when t.destination.in_combat", "when t.destination.in_combatt")
        .replace("use std.dates\n", "")
        .replace("exception to combat", "exception to combta");
    workspace.set_text(&path("policy.pol"), &typo);
    let source = workspace.source_id(&path("policy.pol")).unwrap();
    let action = |workspace: &Workspace<'_>, marker: &str| {
        let at = offset(&typo, marker, 0, 1);
        workspace.code_actions(&path("policy.pol"), Span::new(source, at as usize, at as usize))
    };
    // Away from any diagnostic, nothing.
    assert!(action(&workspace, "rule rescue").is_empty());
    let fixes = action(&workspace, "in_combatt");
    assert_eq!(fixes.len(), 1, "{fixes:?}");
    assert_eq!(fixes[0].title, "replace with `in_combat`");
    let fixed = apply(&typo, &fixes[0].edits);
    assert!(fixed.contains("when t.destination.in_combat\n"));
    let fixes = action(&workspace, "combta");
    assert_eq!(fixes[0].title, "replace with `combat`");
    // A stdlib function without its `use`: the fix adds it after the last `use`.
    let fixes = action(&workspace, "in_period");
    assert_eq!(fixes[0].title, "add `use std.dates`");
    let fixed = apply(&typo, &fixes[0].edits);
    assert!(
        fixed.starts_with("policy \"Exports\"\n\nuse \"schema.pol\"\nuse std.dates\n"),
        "{fixed}"
    );
    // Every fix applied, the file checks without errors.
    workspace.set_text(&path("policy.pol"), &fixed);
    for marker in ["in_combatt", "combta"] {
        let text = text_of(&workspace, "policy.pol");
        let at = offset(&text, marker, 0, 1);
        let fixes = workspace.code_actions(&path("policy.pol"), Span::new(source, at as usize, at as usize));
        workspace.set_text(&path("policy.pol"), &apply(&text, &fixes[0].edits));
    }
    let errors: Vec<Diagnostic> = workspace
        .diagnostics(&path("policy.pol"))
        .into_iter()
        .filter(Diagnostic::is_error)
        .collect();
    assert!(errors.is_empty(), "{errors:?}");
}

// ---------------------------------------------------------------- semantic tokens

#[test]
fn semantic_tokens_tell_names_apart_by_what_they_refer_to() {
    let files = disk();
    let mut workspace = opened(&files);
    // A rule named like a field it uses.
    let text = POLICY.replace(
        "rule rescue: permit {\n  when t.kind == arms",
        "rule in_combat: permit {\n  when t.kind == arms and t.destination.in_combat",
    );
    workspace.set_text(&path("policy.pol"), &text);
    let tokens = workspace.semantic_tokens(&path("policy.pol"));
    let at = |marker: &str, n: usize, delta: usize| {
        let start = offset(&text, marker, n, delta);
        let token = tokens
            .iter()
            .find(|token| token.span.start == start)
            .unwrap_or_else(|| panic!("no token at `{marker}`"));
        (
            &text[token.span.start as usize..token.span.end as usize],
            token.kind,
            token.modifiers,
        )
    };
    use crate::analysis::{Modifiers, TokenKind as K};
    let none = Modifiers::NONE;
    let declared = Modifiers::DECLARATION;
    let library = Modifiers::DEFAULT_LIBRARY.with(Modifiers::READONLY);
    assert_eq!(at("rule combat", 0, 0), ("rule", K::Keyword, none));
    assert_eq!(at("rule combat", 0, 5), ("combat", K::Rule, declared));
    assert_eq!(at("exception to combat", 0, 13), ("combat", K::Rule, none));
    assert_eq!(at("decide t", 0, 7), ("t", K::Variable, declared));
    assert_eq!(at("t: Transfer", 0, 3), ("Transfer", K::Record, none));
    assert_eq!(at(".in_combat", 0, 1), ("in_combat", K::Field, none));
    assert_eq!(at("rule in_combat", 0, 5), ("in_combat", K::Rule, declared));
    assert_eq!(at(".in_combat", 1, 1), ("in_combat", K::Field, none));
    assert_eq!(
        at("== dual_use", 0, 3),
        ("dual_use", K::EnumMember, Modifiers::READONLY)
    );
    assert_eq!(at("heavy(t)", 0, 0), ("heavy", K::Function, none));
    assert_eq!(at("in_period", 0, 0), ("in_period", K::Function, library));
    assert_eq!(at("< limit", 0, 2), ("limit", K::Constant, Modifiers::READONLY));
    assert_eq!(at("oblige report", 0, 7), ("report", K::Obligation, none));
    assert_eq!(at("\"Art. 3\"", 0, 0), ("\"Art. 3\"", K::String, none));
    assert_eq!(at("2020-01-01\n", 0, 0), ("2020-01-01", K::Date, none));
    assert_eq!(at("parts: 3", 0, 7), ("3", K::Number, none));
    assert_eq!(at("parts < limit", 0, 6), ("<", K::Operator, none));
    // In the schema: declarations, a parameter, a comment, a builtin type.
    let schema = workspace.semantic_tokens(&path("schema.pol"));
    let kinds: Vec<(&str, K, Modifiers)> = schema
        .iter()
        .map(|token| {
            (
                &SCHEMA[token.span.start as usize..token.span.end as usize],
                token.kind,
                token.modifiers,
            )
        })
        .filter(|(text, _, _)| {
            ["// Where a transfer goes.", "in_combat", "Bool", "heavy", "t"].contains(text)
        })
        .collect();
    assert_eq!(
        kinds,
        [
            ("// Where a transfer goes.", K::Comment, none),
            ("in_combat", K::Field, declared),
            ("Bool", K::Type, Modifiers::DEFAULT_LIBRARY),
            ("heavy", K::Function, declared),
            ("t", K::Parameter, declared),
            ("Bool", K::Type, Modifiers::DEFAULT_LIBRARY),
            ("t", K::Parameter, none),
        ]
    );
    // A text that does not parse still gets its lexical tokens.
    workspace.set_text(&path("policy.pol"), "policy \"x\"\nrule r: permit { when \"open");
    let broken = workspace.semantic_tokens(&path("policy.pol"));
    assert!(broken.iter().any(|token| token.kind == K::String), "{broken:?}");
}

// ---------------------------------------------------------------- workspace symbols

#[test]
fn workspace_symbols_find_declarations_in_every_file_best_match_first() {
    let files = disk();
    let workspace = opened(&files);
    let found = |query: &str| -> Vec<String> {
        workspace
            .workspace_symbols(query)
            .into_iter()
            .map(|(location, symbol)| {
                format!(
                    "{} {:?} {}{}",
                    symbol.name,
                    symbol.kind,
                    location.path.file_name().unwrap().to_string_lossy(),
                    if location.read_only { " (read-only)" } else { "" }
                )
            })
            .collect()
    };
    assert_eq!(
        found("combat"),
        [
            "combat Rule policy.pol",
            "combat denies Test policy.pol",
            "in_combat Field schema.pol"
        ]
    );
    // Characters in order, ignoring case; the stdlib's functions too.
    assert_eq!(found("INPER"), ["in_period Function dates.pol (read-only)"]);
    assert_eq!(found("hvy"), ["heavy Function schema.pol"]);
    assert!(found("").len() > 15);
    assert!(found("zzz").is_empty());
    // The location is the name's span.
    let (location, _) = workspace.workspace_symbols("rescue").remove(0);
    assert_eq!(
        &POLICY[location.span.start as usize..location.span.end as usize],
        "rescue"
    );
}

// ---------------------------------------------------------------- completion and hover

#[test]
fn completion_lists_rules_after_exception_to_and_modules_and_files_after_use() {
    let files = disk();
    files.write(path("lib/rules.pol"), "module \"Rules\"\n");
    files.write(path("notes.txt"), "not a policy");
    let mut workspace = opened(&files);
    let labels = |workspace: &Workspace<'_>, text: &str| -> Vec<String> {
        let at = text.find("$0").unwrap() as u32;
        let _ = at;
        workspace
            .completions(&path("policy.pol"), at)
            .into_iter()
            .map(|found| found.label)
            .collect()
    };
    let typed = POLICY.replace("exception to combat", "exception to $0");
    workspace.set_text(&path("policy.pol"), &typed.replace("$0", ""));
    // The rule being typed, which does not parse yet, is not offered as an exception to itself.
    assert_eq!(labels(&workspace, &typed), ["combat", "small"]);
    let typed = POLICY.replace("use std.dates\n", "use std.dates\nuse std.$0\n");
    workspace.set_text(&path("policy.pol"), &typed.replace("$0", ""));
    assert_eq!(labels(&workspace, &typed), ["dates"]);
    let typed = POLICY.replace("use std.dates\n", "use std.dates\nuse \"$0\n");
    workspace.set_text(&path("policy.pol"), &typed.replace("$0", ""));
    assert_eq!(labels(&workspace, &typed), ["lib/", "other.pol", "schema.pol"]);
    let typed = POLICY.replace("use std.dates\n", "use std.dates\nuse \"lib/r$0\n");
    workspace.set_text(&path("policy.pol"), &typed.replace("$0", ""));
    assert_eq!(labels(&workspace, &typed), ["lib/rules.pol"]);
    let typed = POLICY.replace("use std.dates\n", "use std.dates\nuse \"../$0\n");
    workspace.set_text(&path("policy.pol"), &typed.replace("$0", ""));
    assert!(labels(&workspace, &typed).is_empty());
}

#[test]
fn hover_shows_a_fields_note_a_rules_citation_and_a_stdlib_items_documentation() {
    let files = disk();
    let workspace = opened(&files);
    let hover = |marker: &str, delta: usize| {
        workspace
            .hover(&path("policy.pol"), offset(POLICY, marker, 0, delta))
            .unwrap()
            .text
    };
    assert_eq!(
        hover(".in_combat", 2),
        "field Country.in_combat: Bool\nWhether the country is at war.\nin module \"Schema\""
    );
    assert_eq!(
        hover("exception to combat", 14),
        "rule combat: deny\nbecause \"no transfer to a country in combat\"\ncite \"Art. 3\"\neffective 2020-01-01"
    );
    assert_eq!(
        hover("oblige report", 8),
        "obligation report \"report the transfer to the ministry\"\nin module \"Schema\""
    );
    assert_eq!(
        hover("in_period", 2),
        "fn in_period(day: Date, from: Date, to: Date?) -> Bool\n\
         Whether `day` falls in the period from `from` (included) to `to` (excluded; none: open-ended).\n\
         in module \"std.dates\""
    );
    assert_eq!(
        hover("t: Transfer", 4),
        "record Transfer key id\nin module \"Schema\""
    );
}
