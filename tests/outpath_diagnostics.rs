//! `--diagnostics json` on `pol run`, through the built binary: whatever a run reports, and
//! however many times (the policy's warnings, keys its lookups missed, failed decisions),
//! standard error holds one JSON document, as `docs/diagnostics-json.md` promises.

#![allow(clippy::unwrap_used)] // Test code: a failed unwrap is a failed test.

use std::path::PathBuf;

mod support;
use support::cli::{pol, scratch_dir_with, stderr};

/// A policy with an unused definition (a warning before any fact is read) and a lookup by a
/// computed key that some deliveries miss (a warning once they are decided).
const POLICY: &str = r#"policy "Missed suppliers"

record Country key code {
  code: Text
  embargoed: Bool
}

record Delivery key id {
  id: Text
  supplier: Text
}

decide d: Delivery
default permit

let unused_threshold = 3

rule supplier_embargoed: deny {
  when Country[d.supplier].embargoed
}
"#;

const COUNTRIES: &str = r#"{"Country": [{"code": "AA", "embargoed": false}]}
"#;

const DELIVERIES_JSONL: &str = r#"{"id": "d1", "supplier": "zz"}
{"id": "d2", "supplier": "AA"}
"#;

const DELIVERIES_JSON: &str = r#"{"Delivery": [{"id": "d1", "supplier": "zz"}, {"id": "d2", "supplier": "AA"}]}
"#;

fn folder(name: &str) -> PathBuf {
    scratch_dir_with(
        name,
        &[
            ("policy.pol", POLICY),
            ("countries.json", COUNTRIES),
            ("deliveries.jsonl", DELIVERIES_JSONL),
            ("deliveries.json", DELIVERIES_JSON),
        ],
    )
}

/// The codes of the diagnostics of the one JSON document standard error must hold.
fn codes_of_one_document(stderr: &str) -> Vec<String> {
    assert_eq!(
        stderr.lines().count(),
        1,
        "one JSON document on one line: {stderr}"
    );
    let document: serde_json::Value = serde_json::from_str(stderr).unwrap();
    assert_eq!(document["version"], 2);
    document["diagnostics"]
        .as_array()
        .unwrap()
        .iter()
        .map(|diagnostic| diagnostic["code"].as_str().unwrap().to_string())
        .collect()
}

/// Runs `pol run policy.pol --facts countries.json DELIVERIES … --diagnostics json` with
/// `options` in a folder of its own; the codes of the one JSON document on standard error, after
/// checking the exit status is `status`.
fn codes_of_run(name: &str, deliveries: &str, options: &[&str], status: i32) -> Vec<String> {
    let dir = folder(name);
    let mut args = vec!["run", "policy.pol", "--facts", "countries.json", deliveries];
    args.extend_from_slice(options);
    args.extend_from_slice(&["--diagnostics", "json"]);
    let output = pol(&dir, &args);
    assert_eq!(output.status.code(), Some(status), "{}", stderr(&output));
    codes_of_one_document(&stderr(&output))
}

/// The policy's warning and the missed lookup, both in `codes`.
fn assert_warning_and_missed_lookup(codes: &[String]) {
    assert!(codes.contains(&"W0003".to_string()), "{codes:?}");
    assert!(
        codes.len() >= 2,
        "the policy's warning and the missed lookup: {codes:?}"
    );
}

#[test]
fn missed_lookups_join_the_policy_warnings_in_one_document_when_streaming() {
    let codes = codes_of_run(
        "outpath-diag-stream",
        "deliveries.jsonl",
        &["--format", "json"],
        0,
    );
    assert_warning_and_missed_lookup(&codes);
}

#[test]
fn missed_lookups_join_the_policy_warnings_in_one_document_when_read_whole() {
    let codes = codes_of_run("outpath-diag-whole", "deliveries.json", &[], 0);
    assert_warning_and_missed_lookup(&codes);
}

#[test]
fn failed_decisions_join_the_policy_warnings_in_one_document() {
    let codes = codes_of_run(
        "outpath-diag-failed",
        "deliveries.jsonl",
        &["--max-steps", "1"],
        1,
    );
    assert!(
        codes.iter().any(|code| code.starts_with('E')),
        "a failed decision: {codes:?}"
    );
    assert!(
        codes.iter().any(|code| code.starts_with('W')),
        "the policy's warning: {codes:?}"
    );
}
