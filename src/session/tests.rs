//! Unit tests of the session: a workspace driven as an editor drives it (open, edit with an
//! error, fix, edit an import, close, decide), and what it holds over many edits.

use std::path::{Path, PathBuf};

use super::*;
use crate::diagnostic::Code;
use crate::eval::Verdict;

const SCHEMA: &str = r#"module "Schema"

record Country key code {
  code: Text
  friendly: Bool
  agreement_since: Date?
}

record Transfer key id {
  id: Text
  destination: Country
  date: Date
}
"#;

const POLICY: &str = r#"policy "Session"
use "schema.pol"
use std.dates

decide t: Transfer on t.date
default deny because "no rule permits this transfer"

rule friendly: permit {
  when t.destination.friendly and since(t.date, t.destination.agreement_since)
  because "friendly countries with an agreement"
}
"#;

const FACTS: &str = r#"{"Country": [{"code": "US", "friendly": true, "agreement_since": "2020-01-01"},
             {"code": "XX", "friendly": false}],
 "Transfer": [{"id": "t1", "destination": "US", "date": "2024-01-01"},
              {"id": "t2", "destination": "XX", "date": "2024-01-01"}]}"#;

fn path(name: &str) -> PathBuf {
    Path::new("/project").join(name)
}

/// A disk with the schema, the policy and its facts.
fn disk() -> MemoryFiles {
    let files = MemoryFiles::new();
    files.write(path("schema.pol"), SCHEMA);
    files.write(path("policy.pol"), POLICY);
    files.write(path("facts.json"), FACTS);
    files
}

/// The codes of the diagnostics of each file reported, by file name.
fn codes(reported: &[FileDiagnostics]) -> Vec<(String, Vec<&'static str>)> {
    reported
        .iter()
        .map(|file| {
            let name = file.path.file_name().unwrap().to_string_lossy().into_owned();
            let codes = file.diagnostics.iter().map(|found| found.code.as_str()).collect();
            (name, codes)
        })
        .collect()
}

fn facts_file() -> FactsFile {
    FactsFile {
        path: path("facts.json"),
        format: Format::Json,
        record: None,
    }
}

#[test]
fn a_syntax_error_is_reported_for_its_file_and_fixing_it_empties_the_list() {
    let files = disk();
    let mut workspace = Workspace::new(&files, Vec::new());
    let opened = workspace.set_text(&path("policy.pol"), POLICY);
    assert_eq!(
        codes(&opened),
        [("policy.pol".into(), vec![]), ("schema.pol".into(), vec![])]
    );
    assert!(workspace.program(&path("policy.pol")).is_some());

    let broken = POLICY.replace("rule friendly: permit {", "rule friendly permit {");
    let reported = workspace.set_text(&path("policy.pol"), &broken);
    assert_eq!(codes(&reported)[0], ("policy.pol".into(), vec!["E0101"]));
    assert!(workspace.program(&path("policy.pol")).is_none());

    let fixed = workspace.set_text(&path("policy.pol"), POLICY);
    assert_eq!(codes(&fixed)[0], ("policy.pol".into(), vec![]));
    assert!(workspace.program(&path("policy.pol")).is_some());
    assert!(workspace.tree(&path("policy.pol")).is_some());
}

#[test]
fn an_edit_to_an_imported_module_reports_the_error_in_the_policy_that_uses_it() {
    let files = disk();
    let mut workspace = Workspace::new(&files, Vec::new());
    workspace.open(&path("policy.pol"));
    let without_field = SCHEMA.replace("  friendly: Bool\n", "");
    let reported = workspace.set_text(&path("schema.pol"), &without_field);
    let reported = codes(&reported);
    assert_eq!(reported[0].0, "policy.pol");
    assert!(!reported[0].1.is_empty(), "{reported:?}");
    assert_eq!(reported[1], ("schema.pol".into(), vec![]));

    let fixed = workspace.set_text(&path("schema.pol"), SCHEMA);
    assert_eq!(
        codes(&fixed),
        [("policy.pol".into(), vec![]), ("schema.pol".into(), vec![])]
    );
}

#[test]
fn a_syntax_error_in_an_import_is_reported_in_it_and_at_the_import() {
    let files = disk();
    let mut workspace = Workspace::new(&files, Vec::new());
    workspace.open(&path("policy.pol"));
    let reported = workspace.set_text(&path("schema.pol"), "module \"Schema\"\nrecord {");
    assert_eq!(
        codes(&reported),
        [
            ("policy.pol".into(), vec!["E0426"]),
            ("schema.pol".into(), vec!["E0101"])
        ]
    );
    let import = &workspace.diagnostics(&path("policy.pol"))[0];
    let span = import.primary.as_ref().unwrap().span;
    assert_eq!(workspace.sources().snippet(span), "use \"schema.pol\"");
}

#[test]
fn closing_a_buffer_falls_back_to_the_disk() {
    let files = disk();
    let mut workspace = Workspace::new(&files, Vec::new());
    workspace.open(&path("policy.pol"));
    let broken = workspace.set_text(&path("schema.pol"), "module \"Schema\"\nrecord {");
    assert!(!codes(&broken)[0].1.is_empty());
    let closed = workspace.close(&path("schema.pol"));
    assert_eq!(
        codes(&closed),
        [("policy.pol".into(), vec![]), ("schema.pol".into(), vec![])]
    );
    let id = workspace.source_id(&path("schema.pol")).unwrap();
    assert_eq!(workspace.sources().get(id).text, SCHEMA);
}

#[test]
fn two_policies_sharing_a_module_are_both_checked_again_when_it_changes() {
    let files = disk();
    files.write(path("other.pol"), POLICY.replace("rule friendly", "rule other"));
    let mut workspace = Workspace::new(&files, Vec::new());
    workspace.open(&path("policy.pol"));
    workspace.open(&path("other.pol"));
    let n_parses = workspace.n_parses();
    let without_field = SCHEMA.replace("  friendly: Bool\n", "");
    let reported = codes(&workspace.set_text(&path("schema.pol"), &without_field));
    let names: Vec<&str> = reported.iter().map(|(name, _)| name.as_str()).collect();
    assert_eq!(names, ["other.pol", "policy.pol", "schema.pol"]);
    assert!(
        !reported[0].1.is_empty() && !reported[1].1.is_empty(),
        "{reported:?}"
    );
    // Only the module changed is parsed again; the two policies are only checked again.
    assert_eq!(workspace.n_parses(), n_parses + 1);
    // The module is cached once, whoever imports it.
    assert_eq!(workspace.n_cached_trees(), 4);
}

#[test]
fn an_import_that_is_missing_is_found_once_an_editor_creates_it() {
    let files = disk();
    files.delete(path("schema.pol"));
    let mut workspace = Workspace::new(&files, Vec::new());
    let opened = codes(&workspace.open(&path("policy.pol")));
    assert_eq!(opened[0], ("policy.pol".into(), vec!["E0216"]));
    let created = codes(&workspace.set_text(&path("schema.pol"), SCHEMA));
    assert_eq!(
        created,
        [("policy.pol".into(), vec![]), ("schema.pol".into(), vec![])]
    );
}

#[test]
fn a_module_opened_alone_is_checked_as_a_module() {
    let files = disk();
    let mut workspace = Workspace::new(&files, Vec::new());
    let opened = workspace.open(&path("schema.pol"));
    assert_eq!(opened.len(), 1);
    assert!(opened[0].diagnostics.iter().all(|found| !found.is_error()));
    let program = workspace.program(&path("schema.pol")).unwrap();
    assert!(program.subject.is_none());
}

#[test]
fn removing_a_file_empties_its_list_and_drops_what_only_it_used() {
    let files = disk();
    let mut workspace = Workspace::new(&files, Vec::new());
    workspace.set_text(&path("policy.pol"), POLICY);
    workspace.set_text(
        &path("policy.pol"),
        "policy \"Broken\"\nuse \"schema.pol\"\nrule {",
    );
    assert_eq!(
        workspace.sources().len(),
        3,
        "the policy, the module it imported and std.dates"
    );
    let removed = codes(&workspace.remove(&path("policy.pol")));
    assert_eq!(
        removed,
        [("policy.pol".into(), vec![]), ("schema.pol".into(), vec![])]
    );
    assert_eq!(
        workspace.sources().len(),
        1,
        "std.dates, read-only and shared, stays"
    );
    assert_eq!(workspace.n_cached_trees(), 1);
}

#[test]
fn a_decision_after_an_edit_uses_the_facts_loaded_once() {
    let files = disk();
    let mut workspace = Workspace::new(&files, Vec::new());
    workspace.open(&path("policy.pol"));
    workspace
        .load_facts(&path("policy.pol"), &[facts_file()])
        .unwrap();
    assert_eq!(workspace.decide("t1").unwrap().verdict, Verdict::Permit);
    assert_eq!(workspace.decide("t2").unwrap().verdict, Verdict::Deny);

    // An edit that turns the rule around: the new program decides, on the same facts.
    let reversed = POLICY.replace(
        "when t.destination.friendly and",
        "when not t.destination.friendly and t.destination.agreement_since is none or",
    );
    let reported = workspace.set_text(&path("policy.pol"), &reversed);
    assert_eq!(codes(&reported)[0], ("policy.pol".into(), vec![]));
    assert_eq!(workspace.decide("t2").unwrap().verdict, Verdict::Permit);
    assert_eq!(files.n_reads(path("facts.json")), 1);

    // A schema change the facts still fit: bound again, not read again.
    let with_field = SCHEMA.replace("  date: Date\n", "  date: Date\n  note: Text?\n");
    workspace.set_text(&path("schema.pol"), &with_field);
    assert_eq!(workspace.decide("t1").unwrap().verdict, Verdict::Permit);
    assert_eq!(files.n_reads(path("facts.json")), 1);
}

#[test]
fn no_decision_is_made_while_the_policy_or_an_import_has_errors() {
    let files = disk();
    let mut workspace = Workspace::new(&files, Vec::new());
    assert_eq!(workspace.decide("t1").unwrap_err()[0].code, Code::NoFactsLoaded);
    workspace.open(&path("policy.pol"));
    workspace
        .load_facts(&path("policy.pol"), &[facts_file()])
        .unwrap();
    workspace.set_text(&path("schema.pol"), "module \"Schema\"\nrecord {");
    let refused = workspace.decide("t1").unwrap_err();
    assert_eq!(refused[0].code, Code::DecideWithErrors);
    assert!(
        refused[0].message.contains("/project/schema.pol"),
        "{}",
        refused[0].message
    );

    workspace.set_text(&path("schema.pol"), SCHEMA);
    assert_eq!(workspace.decide("t1").unwrap().verdict, Verdict::Permit);
    assert_eq!(workspace.decide("t9").unwrap_err()[0].code, Code::UnknownSubject);
}

#[test]
fn facts_that_no_longer_fit_the_schema_give_no_decision() {
    let files = disk();
    let mut workspace = Workspace::new(&files, Vec::new());
    workspace.open(&path("policy.pol"));
    workspace
        .load_facts(&path("policy.pol"), &[facts_file()])
        .unwrap();
    let required = SCHEMA.replace("  date: Date\n", "  date: Date\n  approved: Bool\n");
    let reported = workspace.set_text(&path("schema.pol"), &required);
    assert!(reported.iter().all(|file| file.diagnostics.is_empty()));
    // Missing facts of a required field are unknowns, not errors; a field the facts name
    // that the schema dropped is an error of the facts, and no decision is made from them.
    let dropped = SCHEMA.replace("  friendly: Bool\n", "");
    let policy = POLICY.replace("t.destination.friendly and ", "");
    workspace.set_text(&path("schema.pol"), &dropped);
    workspace.set_text(&path("policy.pol"), &policy);
    assert!(workspace.diagnostics(&path("policy.pol")).is_empty());
    let refused = workspace.decide("t1").unwrap_err();
    assert!(refused.iter().all(Diagnostic::is_error));
    assert_eq!(files.n_reads(path("facts.json")), 1);
}

/// Ten thousand edits of a policy that imports a file and a stdlib module: the session holds
/// the same texts, bytes and trees after them as after the first.
#[test]
fn memory_stays_flat_over_ten_thousand_edits() {
    let files = disk();
    let mut workspace = Workspace::new(&files, Vec::new());
    workspace.open(&path("policy.pol"));
    workspace
        .load_facts(&path("policy.pol"), &[facts_file()])
        .unwrap();
    let held = |workspace: &Workspace<'_>| {
        (
            workspace.sources().len(),
            workspace.sources().total_bytes(),
            workspace.n_cached_trees(),
        )
    };
    let before = held(&workspace);
    assert_eq!(before.0, 4, "policy, schema, std.dates and the facts");
    assert_eq!(before.2, 3);
    let mut largest = before;
    for n in 0..10_000 {
        // Every edit changes the text; one in a hundred breaks it, the next one fixes it.
        let text = if n % 100 == 98 {
            POLICY.replace("rule friendly:", "rule friendly")
        } else {
            POLICY.replace(
                "friendly countries",
                &format!("friendly countries ({})", n % 1000),
            )
        };
        workspace.set_text(&path("policy.pol"), &text);
        let now = held(&workspace);
        largest = (largest.0.max(now.0), largest.1.max(now.1), largest.2.max(now.2));
    }
    assert_eq!(largest.0, before.0);
    assert!(largest.1 <= before.1 + 8, "{largest:?} after {before:?}");
    assert_eq!(largest.2, before.2);
    // The schema and the stdlib module were parsed once; the policy once per edit.
    assert_eq!(workspace.n_parses(), 3 + 10_000);
    assert_eq!(files.n_reads(path("schema.pol")), 1);
    assert_eq!(workspace.decide("t1").unwrap().verdict, Verdict::Permit);
}

#[test]
fn a_file_changed_on_disk_is_read_again_on_reload_unless_an_editor_has_it() {
    let files = disk();
    let mut workspace = Workspace::new(&files, Vec::new());
    workspace.open(&path("policy.pol"));
    files.write(path("schema.pol"), "module \"Schema\"\nrecord {");
    // The session reads the disk only when told: nothing changed yet.
    assert!(workspace.diagnostics(&path("schema.pol")).is_empty());
    let reloaded = codes(&workspace.reload(&path("schema.pol")));
    assert_eq!(
        reloaded,
        [
            ("policy.pol".into(), vec!["E0426"]),
            ("schema.pol".into(), vec!["E0101"])
        ]
    );
    workspace.set_text(&path("schema.pol"), SCHEMA);
    let kept = codes(&workspace.reload(&path("schema.pol")));
    assert_eq!(
        kept,
        [("policy.pol".into(), vec![]), ("schema.pol".into(), vec![])]
    );
    assert_eq!(files.n_reads(path("schema.pol")), 2);
}

#[test]
fn removing_the_policy_of_the_facts_drops_them() {
    let files = disk();
    let mut workspace = Workspace::new(&files, Vec::new());
    workspace.open(&path("policy.pol"));
    workspace
        .load_facts(&path("policy.pol"), &[facts_file()])
        .unwrap();
    assert_eq!(workspace.sources().len(), 4);
    workspace.remove(&path("policy.pol"));
    assert_eq!(workspace.sources().len(), 1, "std.dates stays");
    assert_eq!(workspace.decide("t1").unwrap_err()[0].code, Code::NoFactsLoaded);
}

#[test]
fn facts_that_fail_to_load_leave_the_facts_loaded_before() {
    let files = disk();
    files.write(
        path("broken.json"),
        r#"{"Transfer": [{"id": "t3", "destination": 7}]}"#,
    );
    let mut workspace = Workspace::new(&files, Vec::new());
    workspace
        .load_facts(&path("policy.pol"), &[facts_file()])
        .unwrap();
    let broken = FactsFile {
        path: path("broken.json"),
        format: Format::Json,
        record: None,
    };
    let errors = workspace
        .load_facts(&path("policy.pol"), std::slice::from_ref(&broken))
        .unwrap_err();
    assert_eq!(workspace.decide("t1").unwrap().verdict, Verdict::Permit);
    // The broken text stays until the next load, so its diagnostics can be shown against it.
    let span = errors[0]
        .primary
        .as_ref()
        .expect("a facts error points into the facts")
        .span;
    let source = workspace.sources().get(span.source);
    assert!(source.text.contains("\"destination\": 7"), "{:?}", source.text);
    let kept = workspace.sources().len();
    for _ in 0..3 {
        assert!(
            workspace
                .load_facts(&path("policy.pol"), std::slice::from_ref(&broken))
                .is_err()
        );
    }
    assert_eq!(workspace.sources().len(), kept, "failed loads do not pile up");
}

#[test]
fn an_import_cycle_is_reported_at_the_import_that_closes_it() {
    let files = MemoryFiles::new();
    files.write(path("a.pol"), "module \"A\"\nuse \"b.pol\"\n");
    files.write(path("b.pol"), "module \"B\"\nuse \"a.pol\"\n");
    let mut workspace = Workspace::new(&files, Vec::new());
    let reported = codes(&workspace.open(&path("a.pol")));
    assert_eq!(
        reported,
        [("a.pol".into(), vec!["E0426"]), ("b.pol".into(), vec!["E0217"])]
    );
}

#[test]
fn a_module_opened_alone_warns_as_pol_check_warns() {
    let files = disk();
    let mut workspace = Workspace::new(&files, Vec::new());
    let opened = codes(&workspace.open(&path("schema.pol")));
    let mut engine = Engine::new(&files, Vec::new());
    let loaded = engine.load_policy(&path("schema.pol")).unwrap();
    let warnings: Vec<&str> = loaded
        .checked
        .diagnostics
        .iter()
        .map(|found| found.code.as_str())
        .collect();
    assert_eq!(opened, [("schema.pol".into(), warnings)]);
}
