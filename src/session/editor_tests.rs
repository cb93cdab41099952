//! Unit tests of the session driven as an editor drives it: a rule typed broken in the middle of
//! a policy, queries at offsets in that file, the rule fixed, and expressions evaluated against
//! facts loaded once.

use std::path::{Path, PathBuf};

use super::*;
use crate::analysis::CompletionKind;

const POLICY: &str = r#"policy "Editor"
use std.dates

enum Kind { arms, dual_use }

record Country key code {
  code: Text
  in_combat: Bool
  agreement_since: Date?
}

record Transfer key id {
  id: Text
  destination: Country
  kind: Kind
  parts: Int
  date: Date
}

let limit = 10
fn heavy(t: Transfer) -> Bool = t.parts > limit

decide t: Transfer on t.date
default deny because "no rule permits this transfer"

rule combat: deny {
  when t.destination.in_combat
  because "no transfer to a country in combat"
}

rule small: permit {
  when t.kind == dual_use and not heavy(t) and since(t.date, t.destination.agreement_since)
  because "small dual-use transfers to partners"
}
"#;

/// A rule typed half-way, placed before `rule small`: it does not parse.
const BROKEN_RULE: &str = "rule partners: permit {\n  when t.\n  because \"partners\"\n}\n\n";

/// The same rule finished.
const FIXED_RULE: &str = "rule partners: permit {\n  when t.kind == arms\n  because \"partners\"\n}\n\n";

/// A rule elsewhere in the file with an unknown field, and a use of the broken rule's name.
const OTHER_RULE: &str =
    "rule typo: deny {\n  when t.destination.in_combt\n  because \"typo\"\n  exception to partners\n}\n";

const FACTS: &str = r#"{"Country": [{"code": "US", "in_combat": false, "agreement_since": "2020-01-01"},
             {"code": "UA", "in_combat": "?"}],
 "Transfer": [{"id": "t1", "destination": "US", "kind": "dual_use", "parts": 3, "date": "2024-01-01"},
              {"id": "t2", "destination": "UA", "kind": "arms", "parts": "?", "date": "2024-01-01"}]}"#;

fn path(name: &str) -> PathBuf {
    Path::new("/project").join(name)
}

fn disk() -> MemoryFiles {
    let files = MemoryFiles::new();
    files.write(path("policy.pol"), POLICY);
    files.write(path("facts.json"), FACTS);
    files
}

fn facts_file() -> FactsFile {
    FactsFile {
        path: path("facts.json"),
        format: Format::Json,
        record: None,
    }
}

/// The policy with the given rules put before `rule small`.
fn with_rules(rules: &str) -> String {
    POLICY.replace("rule small:", &format!("{rules}rule small:"))
}

/// The offset in `text` of the `n`th (from 0) occurrence of `marker`, plus `delta`.
fn offset(text: &str, marker: &str, n: usize, delta: usize) -> u32 {
    let (at, _) = text
        .match_indices(marker)
        .nth(n)
        .unwrap_or_else(|| panic!("`{marker}` occurs {} times", n + 1));
    (at + delta) as u32
}

/// The codes and span texts of a file's diagnostics.
fn found(workspace: &Workspace<'_>, file: &str) -> Vec<(&'static str, String)> {
    workspace
        .diagnostics(&path(file))
        .iter()
        .map(|found| {
            let span = found.primary.as_ref().unwrap().span;
            (found.code.as_str(), workspace.sources().snippet(span).to_string())
        })
        .collect()
}

#[test]
fn a_broken_rule_hides_no_other_diagnostic_and_names_nothing_unknown() {
    let files = disk();
    let mut workspace = Workspace::new(&files, Vec::new());
    let broken = with_rules(&format!("{BROKEN_RULE}{OTHER_RULE}\n"));
    workspace.set_text(&path("policy.pol"), &broken);
    let diagnostics = found(&workspace, "policy.pol");
    let codes: Vec<&str> = diagnostics.iter().map(|(code, _)| *code).collect();
    // The syntax error of the broken rule, and the unknown field of another rule; no unknown
    // rule `partners` where `typo` is an exception to it.
    assert_eq!(codes, ["E0101", "E0203"], "{diagnostics:?}");
    assert_eq!(diagnostics[1].1, "in_combt");
    assert!(workspace.program(&path("policy.pol")).is_none());
    let checked = workspace.checked(&path("policy.pol")).unwrap();
    assert!(checked.has_errors());

    // Fixing both rules empties the list.
    let fixed = with_rules(&format!(
        "{FIXED_RULE}{}\n",
        OTHER_RULE.replace("in_combt", "in_combat")
    ));
    let reported = workspace.set_text(&path("policy.pol"), &fixed);
    assert_eq!(reported[0].diagnostics, Vec::new());
    assert!(workspace.program(&path("policy.pol")).is_some());
}

#[test]
fn queries_answer_at_offsets_in_a_file_with_a_broken_rule() {
    let files = disk();
    let mut workspace = Workspace::new(&files, Vec::new());
    let text = with_rules(BROKEN_RULE);
    let policy = path("policy.pol");
    workspace.set_text(&policy, &text);

    let hover = workspace.hover(&policy, offset(&text, "limit", 1, 2)).unwrap();
    assert_eq!(hover.text, "let limit: Int = 10");
    assert_eq!(workspace.sources().snippet(hover.span), "limit");

    // A function of the same file, from its use in a rule.
    let heavy = workspace
        .definition(&policy, offset(&text, "heavy(t) and", 0, 1))
        .unwrap();
    assert_eq!(heavy.path, policy);
    assert!(!heavy.read_only);
    assert_eq!(heavy.span.start, offset(&text, "heavy", 0, 0));
    // A function of a stdlib module, which no editor may change.
    let since = workspace
        .definition(&policy, offset(&text, "since(", 0, 2))
        .unwrap();
    assert_eq!(since.path, PathBuf::from("<std>/dates.pol"));
    assert!(since.read_only);
    assert_eq!(workspace.sources().snippet(since.span), "since");

    let references = workspace.references(&policy, offset(&text, "limit", 0, 0));
    let starts: Vec<u32> = references.iter().map(|found| found.span.start).collect();
    assert_eq!(
        starts,
        [offset(&text, "limit", 0, 0), offset(&text, "limit", 1, 0)]
    );
    assert!(references.iter().all(|found| found.path == policy));

    // After `t.` inside the rule that does not parse: the subject's fields.
    let completions = workspace.completions(&policy, offset(&text, "when t.\n", 0, 7));
    let fields: Vec<&str> = completions
        .iter()
        .filter(|completion| completion.kind == CompletionKind::Field)
        .map(|completion| completion.label.as_str())
        .collect();
    assert_eq!(fields, ["date", "destination", "id", "kind", "parts"]);

    let symbols: Vec<String> = workspace
        .document_symbols(&policy)
        .iter()
        .map(|symbol| symbol.name.clone())
        .collect();
    assert_eq!(
        symbols,
        ["Kind", "Country", "Transfer", "limit", "heavy", "combat", "small"]
    );
}

/// What an evaluation gives, in short: the value and type, the missing facts, `incomplete`,
/// or the codes of the diagnostics.
fn evaluate(workspace: &mut Workspace<'_>, input: &str, subject: Option<&str>) -> String {
    match workspace.evaluate(&path("policy.pol"), input, subject) {
        Ok(Evaluated::Known { value, ty, .. }) => format!("{value}: {ty}"),
        Ok(Evaluated::Unknown { missing, ty, .. }) => format!("unknown {ty}, missing {}", missing.join(", ")),
        Ok(Evaluated::Incomplete) => "incomplete".into(),
        Ok(Evaluated::Empty) => "empty".into(),
        Err(diagnostics) => diagnostics
            .iter()
            .map(|found| found.code.as_str())
            .collect::<Vec<_>>()
            .join(", "),
    }
}

#[test]
fn expressions_are_evaluated_against_facts_loaded_once() {
    let files = disk();
    let mut workspace = Workspace::new(&files, Vec::new());
    let policy = path("policy.pol");
    workspace.open(&policy);

    // Without facts: what needs none is evaluated; the subject needs facts.
    assert_eq!(evaluate(&mut workspace, "limit * 2 + 1", None), "21: Int");
    assert_eq!(
        evaluate(&mut workspace, "{limit} union {20}", None),
        "{10, 20}: Set<Int>"
    );
    // A set of numbers is shown in their order, not their text's.
    assert_eq!(
        evaluate(&mut workspace, "{2, 1} union {limit}", None),
        "{1, 2, 10}: Set<Int>"
    );
    assert_eq!(evaluate(&mut workspace, "t.parts", Some("t1")), "E0428");
    let refused = workspace.evaluate(&policy, "t.parts", Some("t1")).unwrap_err();
    assert_eq!(
        refused[0].message,
        "no facts are loaded for `/project/policy.pol`, so no subject can be named"
    );

    workspace.load_facts(&policy, &[facts_file()]).unwrap();
    assert_eq!(evaluate(&mut workspace, "heavy(t)", Some("t1")), "false: Bool");
    assert_eq!(
        evaluate(&mut workspace, "t.destination.in_combat", Some("t2")),
        r#"unknown Bool, missing Country["UA"].in_combat"#
    );
    assert_eq!(evaluate(&mut workspace, "t.parts", Some("t9")), "E0429");
    assert_eq!(
        evaluate(&mut workspace, "Country[\"US\"].in_combat", None),
        "false: Bool"
    );
    assert_eq!(
        evaluate(&mut workspace, "Country[\"FR\"].in_combat", None),
        "E0228"
    );
    assert_eq!(evaluate(&mut workspace, "limit + true", None), "E0204");
    assert_eq!(
        evaluate(&mut workspace, "limit * 9223372036854775807", None),
        "E0302"
    );
    assert_eq!(
        evaluate(
            &mut workspace,
            "any x in {1, 2}: all y in {3}: x + y > limit",
            None
        ),
        "false: Bool"
    );
    assert_eq!(evaluate(&mut workspace, "t.parts", None), "E0201");
    assert_eq!(evaluate(&mut workspace, "(limit +", None), "incomplete");
    assert_eq!(evaluate(&mut workspace, "let x = 1", None), "E0230");
    assert_eq!(evaluate(&mut workspace, "// nothing", None), "empty");

    // A diagnostic points into the text typed.
    let error = workspace
        .evaluate(&policy, "limit + true", None)
        .unwrap_err()
        .remove(0);
    let span = error.primary.unwrap().span;
    assert_eq!(workspace.sources().get(span.source).name, "<prompt>");

    // The policy edited: evaluated with its new program, the facts not read again.
    workspace.set_text(&policy, &POLICY.replace("let limit = 10", "let limit = 2"));
    assert_eq!(evaluate(&mut workspace, "heavy(t)", Some("t1")), "true: Bool");
    assert_eq!(files.n_reads(path("facts.json")), 1);

    // A policy with an error evaluates nothing, not even a constant.
    workspace.set_text(&policy, &with_rules(BROKEN_RULE));
    assert_eq!(evaluate(&mut workspace, "1 + 1", None), "E0231");
    workspace.set_text(&policy, POLICY);
    assert_eq!(evaluate(&mut workspace, "heavy(t)", Some("t1")), "false: Bool");
    assert_eq!(files.n_reads(path("facts.json")), 1);
}

#[test]
fn many_evaluations_keep_the_source_map_flat() {
    let files = disk();
    let mut workspace = Workspace::new(&files, Vec::new());
    let policy = path("policy.pol");
    workspace.open(&policy);
    workspace.load_facts(&policy, &[facts_file()]).unwrap();
    assert_eq!(evaluate(&mut workspace, "limit + 1", None), "11: Int");
    let before = (workspace.sources().len(), workspace.sources().total_bytes());
    for n in 0..10_000 {
        let input = format!("limit + {}", n % 1000);
        let shown = evaluate(&mut workspace, &input, Some("t1"));
        assert_eq!(shown, format!("{}: Int", 10 + n % 1000));
    }
    let after = (workspace.sources().len(), workspace.sources().total_bytes());
    assert_eq!(after.0, before.0);
    assert!(after.1 <= before.1 + 2, "{after:?} after {before:?}");
}
