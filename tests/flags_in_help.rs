//! The `pol` command names its own flags in the help of the library's diagnostics, in text and
//! in JSON, where the library names only the setting that applies.

#![allow(clippy::unwrap_used)] // Test code: a failed unwrap is a failed test.

mod support;
use support::cli::{pol, scratch_dir_with, stderr};

const DATED: &str = r#"policy "Dated rules"

record Transfer key id {
  id: Text
}

decide t: Transfer
default deny because "nothing permits it"

rule listed: permit {
  when t.id == "t1"
  because "listed"
  effective 2024-01-01
}
"#;

/// The help of each diagnostic of a `--diagnostics=json` run.
fn json_helps(output: &std::process::Output) -> Vec<String> {
    let json: serde_json::Value = serde_json::from_str(&stderr(output)).unwrap();
    json["diagnostics"]
        .as_array()
        .unwrap()
        .iter()
        .map(|diagnostic| diagnostic["help"].as_str().unwrap_or("").to_owned())
        .collect()
}

#[test]
fn run_without_a_law_date_names_the_as_of_flag() {
    let dir = scratch_dir_with(
        "flags-as-of",
        &[
            ("dated.pol", DATED),
            ("facts.json", r#"{"Transfer": [{"id": "t1"}]}"#),
        ],
    );
    let args = ["run", "dated.pol", "--facts", "facts.json", "--diagnostics=json"];
    let output = pol(&dir, &args);
    assert_eq!(output.status.code(), Some(1), "{}", stderr(&output));
    assert_eq!(
        json_helps(&output),
        [
            "name the date field in the policy (`decide t: Transfer on t.date`), or give one date for every subject with `--as-of YYYY-MM-DD`"
        ]
    );
}

#[test]
fn facts_of_no_named_type_name_the_facts_flag_in_json() {
    let dir = scratch_dir_with(
        "flags-facts",
        &[("dated.pol", DATED), ("facts.json", r#"[{"id": "t1"}]"#)],
    );
    let args = [
        "run",
        "dated.pol",
        "--facts",
        "facts.json",
        "--as-of",
        "2024-06-01",
        "--diagnostics=json",
    ];
    let output = pol(&dir, &args);
    assert_eq!(output.status.code(), Some(1), "{}", stderr(&output));
    assert_eq!(
        json_helps(&output),
        ["say which record type it holds: `--facts Transfer=FILE`"]
    );
}
