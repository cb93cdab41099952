//! The session's diagnostics as a user sees them: a `Workspace` driven through the library's
//! public API, its diagnostics rendered as `pol` renders them and compared with
//! `tests/golden/session/*.stderr` (`POL_BLESS=1 cargo test --test session` rewrites them).

#![allow(clippy::unwrap_used)] // Test code: a failed unwrap is a failed test.

use std::path::Path;

use pol::diagnostic::Diagnostic;
use pol::diagnostic::human::{Style, render_all};
use pol::facts::Format;
use pol::session::{FactsFile, MemoryFiles, Workspace};

const SCHEMA: &str = r#"module "Schema"

record Country key code {
  code: Text
  friendly: Bool
}

record Transfer key id {
  id: Text
  destination: Country
  date: Date
}
"#;

const POLICY: &str = r#"policy "Session"
use "schema.pol"

decide t: Transfer on t.date
default deny because "no rule permits this transfer"

rule friendly: permit {
  when t.destination.friendly
  because "friendly countries"
}
"#;

const FACTS: &str = r#"{"Country": [{"code": "US", "friendly": true}],
 "Transfer": [{"id": "t1", "destination": "US", "date": "2024-01-01"}]}"#;

fn disk() -> MemoryFiles {
    let files = MemoryFiles::new();
    files.write("schema.pol", SCHEMA);
    files.write("policy.pol", POLICY);
    files.write("facts.json", FACTS);
    files
}

fn facts() -> Vec<FactsFile> {
    vec![FactsFile {
        path: "facts.json".into(),
        format: Format::Json,
        record: None,
    }]
}

/// Compares rendered diagnostics with `tests/golden/session/NAME.stderr`, or rewrites it.
fn golden(name: &str, workspace: &Workspace<'_>, diagnostics: &[Diagnostic]) {
    let actual = render_all(diagnostics, workspace.sources(), Style::Plain);
    let file = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/golden/session")
        .join(format!("{name}.stderr"));
    if std::env::var_os("POL_BLESS").is_some() {
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

#[test]
fn an_import_with_errors_is_reported_where_it_is_imported() {
    let files = disk();
    let mut workspace = Workspace::new(&files, Vec::new());
    workspace.open(Path::new("policy.pol"));
    let reported = workspace.set_text(Path::new("schema.pol"), "module \"Schema\"\n\nrecord Country {\n");
    let all: Vec<Diagnostic> = reported.into_iter().flat_map(|file| file.diagnostics).collect();
    golden("import_has_errors", &workspace, &all);
}

#[test]
fn no_decision_is_made_while_an_import_has_errors() {
    let files = disk();
    let mut workspace = Workspace::new(&files, Vec::new());
    workspace.load_facts(Path::new("policy.pol"), &facts()).unwrap();
    assert!(workspace.decide("t1").is_ok());
    workspace.set_text(Path::new("schema.pol"), "module \"Schema\"\n\nrecord Country {\n");
    golden(
        "decide_with_errors",
        &workspace,
        &workspace.decide("t1").unwrap_err(),
    );
}

#[test]
fn no_decision_is_made_before_facts_are_loaded() {
    let files = disk();
    let mut workspace = Workspace::new(&files, Vec::new());
    workspace.open(Path::new("policy.pol"));
    golden(
        "no_facts_loaded",
        &workspace,
        &workspace.decide("t1").unwrap_err(),
    );
}

#[test]
fn a_subject_the_facts_lack_is_named() {
    let files = disk();
    let mut workspace = Workspace::new(&files, Vec::new());
    workspace.load_facts(Path::new("policy.pol"), &facts()).unwrap();
    golden(
        "unknown_subject",
        &workspace,
        &workspace.decide("t9").unwrap_err(),
    );
}

#[test]
fn a_declaration_typed_at_a_prompt_is_not_evaluated() {
    let files = disk();
    let mut workspace = Workspace::new(&files, Vec::new());
    workspace.open(Path::new("policy.pol"));
    let refused = workspace
        .evaluate(Path::new("policy.pol"), "let limit = 10", None)
        .unwrap_err();
    golden("declaration_at_prompt", &workspace, &refused);
}

#[test]
fn no_expression_is_evaluated_while_an_import_has_errors() {
    let files = disk();
    let mut workspace = Workspace::new(&files, Vec::new());
    workspace.open(Path::new("policy.pol"));
    assert!(workspace.evaluate(Path::new("policy.pol"), "1 + 1", None).is_ok());
    workspace.set_text(Path::new("schema.pol"), "module \"Schema\"\n\nrecord Country {\n");
    let refused = workspace
        .evaluate(Path::new("policy.pol"), "1 + 1", None)
        .unwrap_err();
    golden("evaluate_with_errors", &workspace, &refused);
}
