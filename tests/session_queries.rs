//! The diagnostics of the session's editor queries as a user sees them: renames refused and a
//! test asked for by a name no test has, rendered as `pol` renders diagnostics and compared with
//! `tests/golden/session_queries/*.stderr` (`POL_BLESS=1 cargo test --test session_queries`
//! rewrites them).

#![allow(clippy::unwrap_used)] // Test code: a failed unwrap is a failed test.

use std::path::Path;

use pol::diagnostic::Diagnostic;
use pol::diagnostic::human::{Style, render_all};
use pol::session::{MemoryFiles, TestOutcome, Workspace};

const SCHEMA: &str = r#"module "Schema"

record Country key code {
  code: Text
  friendly: Bool
}
"#;

const POLICY: &str = r#"policy "Session"

use "schema.pol"
use std.dates

record Transfer key id {
  id: Text
  destination: Country
  agreed: Date?
  date: Date
}

decide t: Transfer on t.date
default deny because "no rule permits this transfer"

rule friendly: permit {
  when t.destination.friendly and since(t.date, t.agreed)
  because "friendly countries"
}

rule hostile: deny {
  when not t.destination.friendly
  because "other countries"
}

test "friendly countries get a permit" {
  Country { code: "US", friendly: true }
  Transfer { id: "t1", destination: "US", agreed: 2020-01-01, date: 2024-01-01 }
  expect "t1" permit by friendly
}
"#;

fn disk() -> MemoryFiles {
    let files = MemoryFiles::new();
    files.write("schema.pol", SCHEMA);
    files.write("policy.pol", POLICY);
    files
}

/// Compares rendered diagnostics with `tests/golden/session_queries/NAME.stderr`, or rewrites it.
fn golden(name: &str, workspace: &Workspace<'_>, diagnostics: &[Diagnostic]) {
    let actual = render_all(diagnostics, workspace.sources(), Style::Plain);
    let file = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/golden/session_queries")
        .join(format!("{name}.stderr"));
    if std::env::var_os("POL_BLESS").is_some() {
        std::fs::create_dir_all(file.parent().unwrap()).unwrap();
        std::fs::write(&file, &actual).unwrap();
        return;
    }
    let wanted = std::fs::read_to_string(&file).unwrap_or_default();
    assert_eq!(
        actual,
        wanted,
        "{} (rerun with POL_BLESS=1 to accept)",
        file.display()
    );
}

fn offset(marker: &str, delta: usize) -> u32 {
    (POLICY.find(marker).unwrap() + delta) as u32
}

fn opened(files: &MemoryFiles) -> Workspace<'_> {
    let mut workspace = Workspace::new(files, Vec::new());
    workspace.open(Path::new("policy.pol"));
    workspace
}

#[test]
fn a_reserved_word_is_refused_as_a_new_name() {
    let files = disk();
    let workspace = opened(&files);
    let refused = workspace
        .rename(Path::new("policy.pol"), offset("rule hostile", 6), "deny")
        .unwrap_err();
    golden("invalid_new_name", &workspace, &[refused]);
}

#[test]
fn a_new_name_another_rule_has_is_refused() {
    let files = disk();
    let workspace = opened(&files);
    let refused = workspace
        .rename(Path::new("policy.pol"), offset("rule hostile", 6), "friendly")
        .unwrap_err();
    golden("rename_collision", &workspace, &[refused]);
}

#[test]
fn a_stdlib_function_cannot_be_renamed() {
    let files = disk();
    let workspace = opened(&files);
    let refused = workspace
        .rename(Path::new("policy.pol"), offset("since(", 1), "after")
        .unwrap_err();
    golden("read_only_definition", &workspace, &[refused]);
}

#[test]
fn a_rename_where_there_is_no_name_is_refused() {
    let files = disk();
    let workspace = opened(&files);
    let refused = workspace
        .rename(Path::new("policy.pol"), offset("because \"other", 2), "x")
        .unwrap_err();
    golden("nothing_to_rename", &workspace, &[refused]);
}

#[test]
fn a_test_no_block_has_is_named_with_a_suggestion() {
    let files = disk();
    let workspace = opened(&files);
    let outcome = workspace.run_test(Path::new("policy.pol"), "friendly countries get permit");
    let TestOutcome::Error(errors) = outcome else {
        panic!("no test has that name: {outcome:?}");
    };
    golden("unknown_test", &workspace, &errors);
}

#[test]
fn a_renamed_field_leaves_a_policy_that_checks_and_passes_its_tests() {
    let files = disk();
    let mut workspace = opened(&files);
    let at = (SCHEMA.find("friendly: Bool").unwrap() + 3) as u32;
    let edits = workspace.rename(Path::new("schema.pol"), at, "partner").unwrap();
    for file in &edits {
        let id = workspace.source_id(&file.path).unwrap();
        let mut text = workspace.sources().get(id).text.clone();
        for edit in file.edits.iter().rev() {
            text.replace_range(edit.span.start as usize..edit.span.end as usize, &edit.text);
        }
        workspace.set_text(&file.path, &text);
    }
    let errors: Vec<Diagnostic> = ["schema.pol", "policy.pol"]
        .iter()
        .flat_map(|file| workspace.diagnostics(Path::new(file)))
        .filter(Diagnostic::is_error)
        .collect();
    assert!(errors.is_empty(), "{errors:?}");
    assert_eq!(
        workspace.run_test(Path::new("policy.pol"), "friendly countries get a permit"),
        TestOutcome::Passed
    );
}
