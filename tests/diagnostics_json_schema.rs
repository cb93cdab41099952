//! Diagnostics as JSON against their documented schema (`docs/diagnostics.schema.json`): every
//! JSON document of diagnostics in the golden corpus, and the output of the built binary for a
//! policy with errors and fixes in two files, must validate, and the schema's version must be
//! the library's.

#![allow(clippy::unwrap_used)] // Test code: a failed unwrap is a failed test.

use std::path::Path;

use serde_json::{Value as Json, json};

mod support;
use support::cli::{pol, scratch_dir_with, stdout};
use support::files_with;
use support::schema::violation;

fn root() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

fn schema() -> Json {
    let text = std::fs::read_to_string(root().join("docs/diagnostics.schema.json")).unwrap();
    serde_json::from_str(&text).unwrap()
}

fn validate(value: &Json) -> Option<String> {
    let schema = schema();
    violation(&schema, &schema, value, "$")
}

#[test]
fn the_schema_has_the_version_the_library_writes() {
    assert_eq!(
        schema()["properties"]["version"]["const"],
        json!(pol::diagnostic::json::VERSION)
    );
}

#[test]
fn every_json_document_of_diagnostics_in_the_golden_corpus_validates() {
    let mut n_checked = 0;
    for file in files_with(&root().join("tests/golden"), &["stdout", "stderr"]) {
        let text = std::fs::read_to_string(&file).unwrap();
        for line in text
            .lines()
            .filter(|line| line.starts_with("{\"version\":2,\"diagnostics\""))
        {
            let value: Json = serde_json::from_str(line).unwrap();
            if let Some(problem) = validate(&value) {
                panic!("{}: {problem}", file.display());
            }
            n_checked += 1;
        }
    }
    assert!(n_checked >= 5, "only {n_checked} documents found");
}

#[test]
fn check_output_with_fixes_in_two_files_validates() {
    let dir = scratch_dir_with(
        "diagnostics-schema",
        &[
            (
                "schema.pol",
                "module \"Schema\"\n\nrecord Transfer key id {\n  id: Text\n  date: Date\n  agreed: Date?\n}\n",
            ),
            (
                "policy.pol",
                "policy \"P\"\n\nuse \"schema.pol\"\n\ndecide t: Transfer on t.date\ndefault deny because \"no\"\n\n\
                 rule a: permit {\n  when since(t.date, t.agred)\n  because \"é 😀\"\n}\n",
            ),
        ],
    );
    let output = pol(&dir, &["check", "policy.pol", "--format", "json"]);
    assert_eq!(output.status.code(), Some(1));
    let value: Json = serde_json::from_str(&stdout(&output)).unwrap();
    assert_eq!(validate(&value), None);
    let titles: Vec<&str> = value["diagnostics"]
        .as_array()
        .unwrap()
        .iter()
        .flat_map(|diagnostic| diagnostic["fixes"].as_array().unwrap())
        .map(|fix| fix["title"].as_str().unwrap())
        .collect();
    assert_eq!(titles, ["add `use std.dates`", "replace with `agreed`"]);
}

#[test]
fn a_field_the_schema_does_not_document_is_refused() {
    let value = json!({"version": 2, "diagnostics": [{
        "severity": "error", "code": "E0201", "message": "m", "file": null, "span": null,
        "range": null, "labels": [], "help": null, "fixes": [], "quick": true
    }]});
    assert!(validate(&value).is_some_and(|problem| problem.contains("quick")));
}
