//! `pol test --coverage`: the JSON document validates against `docs/coverage.schema.json`; the
//! examples and the standard library reach full rule coverage with their own tests; without
//! `--coverage` nothing about coverage is printed.

#![allow(clippy::unwrap_used)] // Test code: a failed unwrap is a failed test.

use std::path::Path;

use serde_json::Value as Json;

mod support;
use support::cli::{pol, stderr, stdout};
use support::schema::violation;

fn root() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

fn validate(text: &str) -> Json {
    let schema: Json =
        serde_json::from_str(&std::fs::read_to_string(root().join("docs/coverage.schema.json")).unwrap())
            .unwrap();
    let value: Json = serde_json::from_str(text).unwrap_or_else(|error| panic!("not JSON: {error}: {text}"));
    if let Some(problem) = violation(&schema, &schema, &value, "$") {
        panic!("{problem}\n{text}");
    }
    value
}

#[test]
fn coverage_json_follows_its_schema() {
    let output = pol(
        root(),
        &[
            "test",
            "examples/japan",
            "tests/golden/coverage/json.pol",
            "--coverage",
            "--format",
            "json",
        ],
    );
    assert_eq!(output.status.code(), Some(0), "{}", stderr(&output));
    let document = validate(&stdout(&output));
    let rules = document["coverage"]["rules"].as_array().unwrap();
    assert!(
        rules
            .iter()
            .any(|rule| rule["exception"] == true && !rule["defeated_in"].as_array().unwrap().is_empty())
    );
    assert!(
        rules
            .iter()
            .any(|rule| !rule["unknown_in"].as_array().unwrap().is_empty())
    );
    // Without coverage the document says so with a null.
    let output = pol(
        root(),
        &["test", "tests/golden/coverage/json.pol", "--format", "json"],
    );
    assert!(validate(&stdout(&output))["coverage"].is_null());
}

#[test]
fn a_failing_test_is_in_the_json_document() {
    let dir = support::cli::scratch_dir_with(
        "coverage",
        &[(
            "failing.pol",
            "policy \"p\"\nrecord T key id {\n  id: Text\n}\ndecide t: T\ndefault deny\nrule r: permit {\n  when t.id == \"a\"\n}\ntest \"wrong\" {\n  T { id: \"a\" }\n  expect \"a\" deny by default\n}\n",
        )],
    );
    let output = pol(
        &dir,
        &[
            "test",
            "failing.pol",
            "--coverage",
            "--format",
            "json",
            "--min-coverage",
            "100",
        ],
    );
    // A failed test wins over the coverage threshold: exit 1, not 4.
    assert_eq!(output.status.code(), Some(1), "{}", stderr(&output));
    let document = validate(&stdout(&output));
    assert_eq!(document["failed"], 1);
    assert_eq!(document["tests"][0]["passed"], false);
}

#[test]
fn the_examples_and_the_stdlib_reach_full_rule_coverage() {
    for path in ["examples", "stdlib"] {
        let output = pol(root(), &["test", path, "--min-coverage", "100"]);
        assert_eq!(
            output.status.code(),
            Some(0),
            "{path}: {}{}",
            stdout(&output),
            stderr(&output)
        );
        assert!(
            stdout(&output).contains("(100.0%)\ncondition coverage"),
            "{path}: {}",
            stdout(&output)
        );
    }
}

#[test]
fn without_coverage_nothing_about_it_is_printed() {
    let output = pol(root(), &["test", "examples/japan"]);
    assert_eq!(output.status.code(), Some(0), "{}", stderr(&output));
    assert!(!stdout(&output).contains("coverage"), "{}", stdout(&output));
}
