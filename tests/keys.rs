//! Keys a policy names that no fact defines (`Country["Ivory Coast"]` when the facts say
//! `Côte d'Ivoire`), through the built `pol` binary: the warning, `--deny-unknown-keys` for CI,
//! JSON diagnostics, streamed JSON Lines input and `pol test`.

#![allow(clippy::unwrap_used)] // Test code: a failed unwrap is a failed test.

use std::path::PathBuf;

mod support;
use support::cli::{pol_with_input, scratch_dir_with, stderr, stdout};

const POLICY: &str = r#"policy "Arms embargoes"

record Country key name {
  name: Text
  party_to_conflict: Bool
}

record Transfer key id {
  id: Text
  destination: Country
  lethal: Bool
  date: Date
}

decide t: Transfer on t.date
default deny because "no rule permits this transfer"

let unused_threshold = 3

rule embargo: deny {
  when t.lethal and t.destination == Country["côte d’ivoire"]
  because "arms embargo on Côte d'Ivoire"
}

rule peaceful: permit {
  when not t.destination.party_to_conflict
  because "the destination is not a party to a conflict"
}
"#;

const COUNTRIES: &str = r#"{"Country": [{"name": "Côte d'Ivoire", "party_to_conflict": false},
 {"name": "Ghana", "party_to_conflict": false}]}
"#;

const TRANSFERS: &str = r#"{"id": "rifles", "destination": "Côte d'Ivoire", "lethal": true, "date": "2004-12-01"}
{"id": "radios", "destination": "Ghana", "lethal": false, "date": "2004-12-01"}
"#;

fn embargo_folder(name: &str) -> PathBuf {
    scratch_dir_with(
        name,
        &[
            ("policy.pol", POLICY),
            ("countries.json", COUNTRIES),
            ("transfers.jsonl", TRANSFERS),
        ],
    )
}

#[test]
fn a_misspelt_key_is_a_warning_and_decisions_go_ahead() {
    let dir = embargo_folder("warn");
    let output = pol_with_input(
        &dir,
        &[
            "run",
            "policy.pol",
            "--facts",
            "countries.json",
            "--facts",
            "transfers.jsonl",
        ],
        "",
    );
    let stderr = stderr(&output);
    assert_eq!(output.status.code(), Some(0), "{stderr}");
    assert!(
        stderr.contains("warning[W0003]: no `Country` fact has the key `côte d’ivoire`"),
        "{stderr}"
    );
    assert!(
        stderr.contains("a similar key exists: `Côte d'Ivoire`"),
        "{stderr}"
    );
    assert_eq!(
        stdout(&output)
            .lines()
            .filter(|line| line.starts_with("Transfer"))
            .count(),
        2
    );
}

#[test]
fn deny_unknown_keys_fails_before_anything_is_decided() {
    let dir = embargo_folder("deny");
    for facts in [
        &["countries.json", "transfers.jsonl"][..],
        &["countries.json", "-"][..],
    ] {
        let mut args = vec!["run", "policy.pol", "--deny-unknown-keys"];
        for file in facts {
            args.extend(["--facts", file]);
        }
        let output = pol_with_input(&dir, &args, TRANSFERS);
        let stderr = stderr(&output);
        assert_eq!(output.status.code(), Some(1), "{stderr}");
        assert!(
            stderr.contains("error[E0415]: no `Country` fact has the key `côte d’ivoire`"),
            "{stderr}"
        );
        assert_eq!(stdout(&output), "", "no decision is printed");
    }
}

#[test]
fn deny_unknown_keys_passes_when_every_key_is_defined() {
    let policy = POLICY.replace("côte d’ivoire", "Côte d'Ivoire");
    let dir = scratch_dir_with(
        "deny-ok",
        &[
            ("policy.pol", &policy),
            ("countries.json", COUNTRIES),
            ("transfers.jsonl", TRANSFERS),
        ],
    );
    let output = pol_with_input(
        &dir,
        &[
            "run",
            "policy.pol",
            "--deny-unknown-keys",
            "--facts",
            "countries.json",
            "--facts",
            "transfers.jsonl",
        ],
        "",
    );
    assert_eq!(output.status.code(), Some(0), "{}", stderr(&output));
    assert!(stdout(&output).contains("Transfer rifles: DENY"));
}

#[test]
fn json_diagnostics_hold_every_warning_in_one_document() {
    let dir = embargo_folder("json");
    let output = pol_with_input(
        &dir,
        &[
            "run",
            "policy.pol",
            "--facts",
            "countries.json",
            "--facts",
            "transfers.jsonl",
            "--diagnostics",
            "json",
            "--format",
            "json",
        ],
        "",
    );
    assert_eq!(output.status.code(), Some(0));
    let stderr = stderr(&output);
    assert_eq!(stderr.lines().count(), 1, "one document: {stderr}");
    let document: serde_json::Value = serde_json::from_str(&stderr).unwrap();
    let diagnostics = document["diagnostics"].as_array().unwrap();
    let codes: Vec<&str> = diagnostics.iter().map(|d| d["code"].as_str().unwrap()).collect();
    assert_eq!(codes, ["W0001", "W0003"]);
    let key = &diagnostics[1];
    assert_eq!(key["severity"], "warning");
    assert_eq!(key["file"], "policy.pol");
    let start = key["span"]["start"].as_u64().unwrap() as usize;
    let end = key["span"]["end"].as_u64().unwrap() as usize;
    assert_eq!(&POLICY[start..end], "\"côte d’ivoire\"");
    assert!(
        key["help"]
            .as_str()
            .unwrap()
            .starts_with("a similar key exists: `Côte d'Ivoire`")
    );
}

/// A policy that names a subject by key: the key must bind across the whole JSON Lines input,
/// not only within the chunk of subjects being decided.
const REPEAT_ORDERS: &str = r#"policy "Repeat orders"

record Transfer key id {
  id: Text
  quantity: Int
  date: Date
}

decide t: Transfer on t.date
default deny because "no rule permits this transfer"

rule like_the_first_order: permit {
  when t.quantity <= Transfer["T0"].quantity
  because "no more than the first order"
}

rule not_the_recalled_order: deny {
  when t == Transfer["T19999"]
  because "the last order was recalled"
}
"#;

#[test]
fn subject_keys_bind_across_a_long_json_lines_input() {
    // More lines than one chunk of a stream holds.
    let mut lines = String::new();
    for n in 0..20_000 {
        lines.push_str(&format!(
            r#"{{"id": "T{n}", "quantity": 10, "date": "2024-01-01"}}"#
        ));
        lines.push('\n');
    }
    let dir = scratch_dir_with(
        "subjects",
        &[("policy.pol", REPEAT_ORDERS), ("orders.jsonl", &lines)],
    );
    for facts in ["orders.jsonl", "-"] {
        let output = pol_with_input(
            &dir,
            &[
                "run",
                "policy.pol",
                "--deny-unknown-keys",
                "--summary",
                "--facts",
                facts,
            ],
            &lines,
        );
        let stderr = stderr(&output);
        assert_eq!(output.status.code(), Some(0), "{stderr}");
        assert_eq!(stderr, "");
        let stdout = stdout(&output);
        assert!(stdout.contains("  deny not_the_recalled_order: 1\n"), "{stdout}");
        assert!(
            stdout.contains("  permit like_the_first_order: 19999\n"),
            "{stdout}"
        );
    }
}

const TESTED: &str = r#"policy "Arms embargoes"

record Country key name {
  name: Text
  party_to_conflict: Bool
}

record Transfer key id {
  id: Text
  destination: Country
  date: Date
}

decide t: Transfer on t.date
default deny because "no rule permits this transfer"

rule embargo: deny {
  when t.destination == Country["Libia"]
  because "arms embargo on Libya"
}

rule peaceful: permit {
  when not t.destination.party_to_conflict
  because "the destination is not a party to a conflict"
}

test "peaceful destinations" {
  Country { name: "Ghana", party_to_conflict: false }
  Country { name: "Libya", party_to_conflict: true }
  Transfer { id: "radios", destination: "Ghana", date: 2024-01-01 }
  expect "radios" permit by peaceful
}
"#;

#[test]
fn pol_test_warns_about_keys_no_test_defines_and_fails_with_the_flag() {
    let dir = scratch_dir_with("test", &[("policy.pol", TESTED)]);
    let output = pol_with_input(&dir, &["test", "policy.pol"], "");
    let warned = stderr(&output);
    assert_eq!(output.status.code(), Some(0), "{warned}");
    assert!(
        warned.contains("warning[W0003]: no `Country` fact has the key `Libia`"),
        "{warned}"
    );
    assert!(warned.contains("a similar key exists: `Libya`"), "{warned}");
    assert!(stdout(&output).contains("1 passed, 0 failed"));

    let output = pol_with_input(&dir, &["test", "policy.pol", "--deny-unknown-keys"], "");
    let refused = stderr(&output);
    assert_eq!(output.status.code(), Some(1), "{refused}");
    assert!(
        refused.contains("error[E0415]: no `Country` fact has the key `Libia`"),
        "{refused}"
    );

    let fixed = TESTED.replace("Libia", "Libya");
    let dir = scratch_dir_with("test-fixed", &[("policy.pol", &fixed)]);
    let output = pol_with_input(&dir, &["test", "policy.pol", "--deny-unknown-keys"], "");
    assert_eq!(output.status.code(), Some(0), "{}", stderr(&output));
    assert_eq!(stderr(&output), "");
}
