//! `pol diff` on the built binary: its JSON against `docs/diff.schema.json`, the exit status of
//! `--fail-on-change`, failed decisions, and a JSON Lines stream of subjects over many chunks
//! compared with the same subjects read whole.

#![allow(clippy::unwrap_used)] // Test code: a failed unwrap is a failed test.

use std::path::{Path, PathBuf};

use serde_json::Value as Json;

mod support;
use support::cli::{pol, scratch_dir_with, stdout};
use support::schema::violation;

/// The folder of the golden pair `old.pol` and `new.pol` and their facts.
fn pair() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/golden/diff")
}

fn schema() -> Json {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("docs/diff.schema.json");
    serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap()
}

/// The lines `pol diff ARGS --format json` prints in `dir`, each validated against the schema,
/// after checking the exit status.
fn json_lines(dir: &Path, args: &[&str], expected_status: i32) -> Vec<Json> {
    let output = pol(dir, &[&["diff"], args, &["--format", "json"]].concat());
    let text = stdout(&output);
    assert_eq!(
        output.status.code(),
        Some(expected_status),
        "{text}{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let schema = schema();
    text.lines()
        .map(|line| {
            let value: Json = serde_json::from_str(line).unwrap();
            if let Some(problem) = violation(&schema, &schema, &value, "$") {
                panic!("{problem}\nin {line}");
            }
            value
        })
        .collect()
}

fn kinds(lines: &[Json]) -> Vec<&str> {
    lines.iter().map(|line| line["kind"].as_str().unwrap()).collect()
}

#[test]
fn json_of_two_policies_with_facts_follows_the_schema() {
    let lines = json_lines(&pair(), &["old.pol", "new.pol", "--facts", "facts.json"], 0);
    assert_eq!(
        kinds(&lines),
        ["rules", "subject", "subject", "subject", "subject", "summary"]
    );
    let rules = &lines[0];
    assert_eq!(rules["added"][0]["name"], "licensed_return");
    assert_eq!(rules["removed"][0]["name"], "licensed_parts");
    assert_eq!(rules["changed"][1]["uses"][0], "fn is_partner");
    let summary = lines.last().unwrap();
    assert_eq!(summary["subjects"], 7);
    assert_eq!(summary["changed"], 4);
    assert_eq!(summary["groups"][0]["count"], 2);
    assert_eq!(
        summary["groups"][0]["change"],
        "deny by default → permit by licensed_return with no_combat, prior_consent"
    );
}

#[test]
fn json_of_rules_alone_and_of_two_dates_follows_the_schema() {
    let lines = json_lines(&pair(), &["old.pol", "new.pol"], 0);
    assert_eq!(kinds(&lines), ["rules"]);
    let lines = json_lines(
        &pair(),
        &["old.pol", "--as-of", "2023-12-21", "--against", "2023-12-22"],
        0,
    );
    assert_eq!(lines[0]["out_of_force"][0]["name"], "licensed_parts");
    assert_eq!(lines[0]["old"]["law_date"], "2023-12-21");
    assert_eq!(lines[0]["new"]["law_date"], "2023-12-22");
}

#[test]
fn fail_on_change_exits_4_only_when_something_changed() {
    let status = |args: &[&str]| pol(&pair(), &[&["diff"], args].concat()).status.code();
    let with_facts = ["old.pol", "new.pol", "--facts", "facts.json"];
    assert_eq!(status(&with_facts), Some(0));
    assert_eq!(
        status(&[&with_facts[..], &["--fail-on-change"]].concat()),
        Some(4)
    );
    // The same policy twice: no decision changes.
    assert_eq!(
        status(&["old.pol", "old.pol", "--facts", "facts.json", "--fail-on-change"]),
        Some(0)
    );
    // A date on which no rule of `old.pol` comes into or goes out of force changes nothing.
    assert_eq!(
        status(&[
            "old.pol",
            "--as-of",
            "2024-01-01",
            "--against",
            "2024-02-01",
            "--facts",
            "facts.json",
            "--fail-on-change",
        ]),
        Some(0)
    );
    // Without facts, the rules decide.
    assert_eq!(status(&["old.pol", "new.pol", "--fail-on-change"]), Some(4));
    assert_eq!(status(&["old.pol", "old.pol", "--fail-on-change"]), Some(0));
}

/// A policy whose rule fails on one subject: a set too large for `--max-set-size`.
const FAILING: &str = r#"policy "Fails on big sets"

record Transfer key id {
  id: Text
  parts: Set<Int>
}

decide t: Transfer on 2024-01-01
default deny

rule few_parts: permit {
  when size(t.parts union {100, 101, 102}) < 5
}
"#;

const FAILING_NEW: &str = r#"policy "Fails on big sets, revised"

record Transfer key id {
  id: Text
  parts: Set<Int>
}

decide t: Transfer on 2024-01-01
default deny

rule few_parts: permit {
  when size(t.parts union {100, 101, 102}) < 6
}
"#;

#[test]
fn a_failed_decision_gets_no_comparison_and_fails_the_run() {
    let facts = r#"{"Transfer": [
        {"id": "small", "parts": [1]},
        {"id": "edge", "parts": [1, 2]},
        {"id": "big", "parts": [1, 2, 3, 4, 5, 6, 7, 8]}
    ]}"#;
    let dir = scratch_dir_with(
        "diff-failed",
        &[
            ("old.pol", FAILING),
            ("new.pol", FAILING_NEW),
            ("facts.json", facts),
        ],
    );
    let args = [
        "old.pol",
        "new.pol",
        "--facts",
        "facts.json",
        "--max-set-size",
        "8",
    ];
    let lines = json_lines(&dir, &args, 1);
    assert_eq!(kinds(&lines), ["rules", "subject", "error", "summary"]);
    assert_eq!(lines[1]["key"], "edge");
    assert_eq!(lines[2]["key"], "big");
    assert_eq!(lines[2]["side"], "both");
    assert_eq!(lines[2]["error"]["code"], "E0305");
    assert_eq!(lines[3]["failed"], 1);
    // Even under `--fail-on-change`, a failed decision is the error it is (1), not a change (4).
    let output = pol(&dir, &[&["diff"], &args[..], &["--fail-on-change"]].concat());
    assert_eq!(output.status.code(), Some(1));
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        stderr.contains("no comparison for 1 `Transfer` fact: big"),
        "{stderr}"
    );
}

#[test]
fn a_stream_over_many_chunks_gives_what_the_whole_input_gives() {
    // More subjects than one chunk holds, and a subject in the reference data too, so positions
    // and counts must carry across chunks.
    let n = 40_000;
    let mut lines = String::new();
    let mut csv = String::from("id,item,destination,date\n");
    let mut tsv = String::from("id\titem\tdestination\tdate\n");
    let mut whole = Vec::new();
    for idx in 0..n {
        let (item, destination) = match idx % 4 {
            0 => ("pac3", "US"),
            1 => ("vest", "UA"),
            2 => ("radar", "PH"),
            _ => ("f100-part", "US"),
        };
        let line = format!(
            r#"{{"id": "t{idx}", "item": "{item}", "destination": "{destination}", "date": "2024-01-10"}}"#
        );
        lines.push_str(&line);
        lines.push('\n');
        csv.push_str(&format!("t{idx},{item},{destination},2024-01-10\n"));
        tsv.push_str(&format!("t{idx}\t{item}\t{destination}\t2024-01-10\n"));
        whole.push(line);
    }
    let reference = std::fs::read_to_string(pair().join("facts.json")).unwrap();
    let mut reference: Json = serde_json::from_str(&reference).unwrap();
    reference["Transfer"] =
        serde_json::json!([{"id": "base", "item": "pac3", "destination": "US", "date": "2024-01-10"}]);
    let old = std::fs::read_to_string(pair().join("old.pol")).unwrap();
    let new = std::fs::read_to_string(pair().join("new.pol")).unwrap();
    let whole_json = format!(
        r#"{{"Country": {}, "Item": {}, "Transfer": [{}, {}]}}"#,
        reference["Country"],
        reference["Item"],
        reference["Transfer"][0],
        whole.join(",")
    );
    let dir = scratch_dir_with(
        "diff-stream",
        &[
            ("old.pol", &old),
            ("new.pol", &new),
            ("reference.json", &reference.to_string()),
            ("transfers.jsonl", &lines),
            ("transfers.csv", &csv),
            ("transfers.tsv", &tsv),
            ("whole.json", &whole_json),
        ],
    );
    let streamed = json_lines(
        &dir,
        &[
            "old.pol",
            "new.pol",
            "--facts",
            "reference.json",
            "transfers.jsonl",
        ],
        0,
    );
    let read_whole = json_lines(&dir, &["old.pol", "new.pol", "--facts", "whole.json"], 0);
    assert_eq!(streamed.len(), read_whole.len());
    assert_eq!(streamed[1..], read_whole[1..]);
    // A CSV or TSV input of the subjects streams by its header row, and compares the same.
    for table in ["Transfer=transfers.csv", "Transfer=transfers.tsv"] {
        let from_table = json_lines(
            &dir,
            &["old.pol", "new.pol", "--facts", "reference.json", table],
            0,
        );
        assert_eq!(from_table[1..], read_whole[1..], "{table}");
    }
    let summary = streamed.last().unwrap();
    assert_eq!(summary["subjects"], n + 1);
    // pac3 to the US (a quarter, and `base`), f100 parts to the US (a quarter), vests to UA (a
    // quarter) change; radars to the Philippines do not.
    assert_eq!(summary["changed"], 3 * n / 4 + 1);
    let last = &streamed[streamed.len() - 2];
    assert_eq!(last["key"], format!("t{}", n - 1));
    assert_eq!(last["position"], n + 1);
}

#[test]
fn usage_errors_exit_2() {
    let output = pol(&pair(), &["diff", "old.pol"]);
    assert_eq!(output.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&output.stderr).contains("E0451"));
    let output = pol(
        &pair(),
        &[
            "diff",
            "old.pol",
            "--as-of",
            "2023-02-30",
            "--against",
            "2024-01-01",
        ],
    );
    assert_eq!(output.status.code(), Some(2));
    // `--against` needs `--as-of`.
    let output = pol(&pair(), &["diff", "old.pol", "--against", "2024-01-01"]);
    assert_eq!(output.status.code(), Some(2));
}

#[test]
fn an_undocumented_field_or_kind_fails_validation() {
    let schema = schema();
    let lines = json_lines(&pair(), &["old.pol", "new.pol"], 0);
    let mut rules = lines[0].clone();
    rules["surprise"] = Json::Bool(true);
    assert!(violation(&schema, &schema, &rules, "$").is_some());
    let mut rules = lines[0].clone();
    rules["kind"] = Json::String("rule".into());
    assert!(violation(&schema, &schema, &rules, "$").is_some());
}
