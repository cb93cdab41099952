//! The `pol` command line, driven as a user would: exit codes, text and JSON output, facts from
//! files and standard input, and the guarantee that Pol never writes to the files it reads.

#![allow(clippy::unwrap_used)] // Test code: a failed unwrap is a failed test.

use std::path::Path;

mod support;
use support::cli::{pol, pol_with_input, scratch_dir, stderr, stdout, write};

const POLICY: &str = r#"policy "Licensed returns"
source "Illustration"

record Country key code {
  code: Text
  in_combat: Bool
}

record Item key id {
  id: Text
  licensed_from: Country?
}

record Transfer key id {
  id: Text
  item: Item
  destination: Country
  onward: Country?
  date: Date
}

decide t: Transfer on t.date
default deny because "no rule permits this transfer"

obligation prior_consent "prior consent to any onward transfer"

rule licensed_return: permit {
  when t.item.licensed_from is some and t.destination == t.item.licensed_from
  because "licensed products may return to the licensor"
  cite "Guidelines 2(2)"
  oblige prior_consent
  effective 2023-12-22
}

rule onward_in_combat: deny {
  when t.onward is some and t.onward.in_combat
  because "never to a country in combat"
  effective 2023-12-22
}
"#;

const FACTS: &str = r#"{"Country": [{"code": "US", "in_combat": false}, {"code": "UA"}],
 "Item": [{"id": "PAC-3", "licensed_from": "US"}],
 "Transfer": [{"id": "t1", "item": "PAC-3", "destination": "US", "date": "2023-12-22"},
              {"id": "t2", "item": "PAC-3", "destination": "US", "onward": "UA", "date": "2023-12-22"},
              {"id": "t3", "item": "PAC-3", "destination": "US", "date": "2023-12-21"}]}
"#;

#[test]
fn run_prints_one_decision_per_transfer_and_exits_zero() {
    let dir = scratch_dir("cli");
    write(&dir, "policy.pol", POLICY);
    write(&dir, "facts.json", FACTS);
    let output = pol(&dir, &["run", "policy.pol", "--facts", "facts.json"]);
    assert_eq!(output.status.code(), Some(0), "{}", stderr(&output));
    let text = stdout(&output);
    assert!(
        text.contains("Transfer t1 under the law of 2023-12-22: PERMIT"),
        "{text}"
    );
    assert!(
        text.contains("oblige prior_consent: prior consent to any onward transfer"),
        "{text}"
    );
    assert!(
        text.contains("Transfer t2 under the law of 2023-12-22: UNDECIDED"),
        "{text}"
    );
    assert!(text.contains("missing: Country[\"UA\"].in_combat"), "{text}");
    assert!(
        text.contains("Transfer t3 under the law of 2023-12-21: DENY by default"),
        "{text}"
    );
}

#[test]
fn run_json_prints_one_object_per_line() {
    let dir = scratch_dir("cli");
    write(&dir, "policy.pol", POLICY);
    write(&dir, "facts.json", FACTS);
    let output = pol(
        &dir,
        &["run", "policy.pol", "--facts", "facts.json", "--format", "json"],
    );
    assert_eq!(output.status.code(), Some(0), "{}", stderr(&output));
    let lines: Vec<serde_json::Value> = stdout(&output)
        .lines()
        .map(|line| serde_json::from_str(line).unwrap())
        .collect();
    assert_eq!(lines.len(), 3);
    assert_eq!(lines[0]["key"], "t1");
    assert_eq!(lines[0]["decision"], "permit");
    assert_eq!(lines[0]["rules"][0]["name"], "licensed_return");
    assert_eq!(lines[0]["rules"][0]["citation"], "Guidelines 2(2)");
    assert_eq!(lines[0]["obligations"][0]["name"], "prior_consent");
    assert_eq!(lines[1]["decision"], "undecided");
    assert_eq!(lines[1]["missing"][0], "Country[\"UA\"].in_combat");
    assert_eq!(lines[2]["decision"], "deny");
    assert_eq!(lines[2]["by_default"], true);
}

#[test]
fn as_of_decides_every_transfer_under_one_date() {
    let dir = scratch_dir("cli");
    write(&dir, "policy.pol", POLICY);
    write(&dir, "facts.json", FACTS);
    let output = pol(
        &dir,
        &[
            "run",
            "policy.pol",
            "--facts",
            "facts.json",
            "--as-of",
            "2023-12-01",
        ],
    );
    assert_eq!(output.status.code(), Some(0));
    assert_eq!(
        stdout(&output).matches("DENY by default").count(),
        3,
        "{}",
        stdout(&output)
    );
}

#[test]
fn explain_shows_why_rules_did_not_apply() {
    let dir = scratch_dir("cli");
    write(&dir, "policy.pol", POLICY);
    write(&dir, "facts.json", FACTS);
    let output = pol(&dir, &["run", "policy.pol", "--facts", "facts.json", "--explain"]);
    let text = stdout(&output);
    assert!(text.contains("onward_in_combat (deny): did not apply"), "{text}");
    assert!(text.contains("when t.onward is some: false"), "{text}");
    assert!(text.contains("licensed_return (permit): not in force"), "{text}");
}

#[test]
fn facts_can_come_from_standard_input_as_json_lines() {
    let dir = scratch_dir("cli");
    write(&dir, "policy.pol", POLICY);
    write(
        &dir,
        "reference.json",
        r#"{"Country": [{"code": "US", "in_combat": false}], "Item": [{"id": "PAC-3", "licensed_from": "US"}]}"#,
    );
    let lines = "{\"id\": \"a\", \"item\": \"PAC-3\", \"destination\": \"US\", \"date\": \"2024-01-01\"}\n\
                 {\"id\": \"b\", \"item\": \"PAC-3\", \"destination\": \"US\", \"date\": \"2020-01-01\"}\n";
    let output = pol_with_input(
        &dir,
        &[
            "run",
            "policy.pol",
            "--facts",
            "reference.json",
            "Transfer=-",
            "--format",
            "json",
        ],
        lines,
    );
    assert_eq!(output.status.code(), Some(0), "{}", stderr(&output));
    let decisions: Vec<serde_json::Value> = stdout(&output)
        .lines()
        .map(|line| serde_json::from_str(line).unwrap())
        .collect();
    assert_eq!(decisions[0]["decision"], "permit");
    assert_eq!(decisions[1]["decision"], "deny");
}

#[test]
fn summary_counts_decisions_per_rule() {
    let dir = scratch_dir("cli");
    write(&dir, "policy.pol", POLICY);
    write(&dir, "facts.json", FACTS);
    let output = pol(&dir, &["run", "policy.pol", "--facts", "facts.json", "--summary"]);
    let text = stdout(&output);
    assert!(text.contains("3 decided"), "{text}");
    assert!(text.contains("permit licensed_return: 1"), "{text}");
    assert!(text.contains("undecided (missing facts): 1"), "{text}");
}

#[test]
fn check_reports_errors_with_exit_one_and_json_for_editors() {
    let dir = scratch_dir("cli");
    let bad = POLICY.replace(
        "t.destination == t.item.licensed_from",
        "t.destinaton == t.item.licensed_from",
    );
    write(&dir, "bad.pol", &bad);
    let output = pol(&dir, &["check", "bad.pol", "--format", "json"]);
    assert_eq!(output.status.code(), Some(1));
    let report: serde_json::Value = serde_json::from_str(&stdout(&output)).unwrap();
    assert_eq!(report["version"], 2);
    let diagnostic = &report["diagnostics"][0];
    assert_eq!(diagnostic["code"], "E0203");
    assert_eq!(diagnostic["file"], "bad.pol");
    assert_eq!(diagnostic["range"]["start"]["line"], 27);
    assert!(
        diagnostic["help"].as_str().unwrap().contains("destination"),
        "{diagnostic}"
    );
}

#[test]
fn check_of_a_good_policy_exits_zero() {
    let dir = scratch_dir("cli");
    write(&dir, "policy.pol", POLICY);
    let output = pol(&dir, &["check", "policy.pol"]);
    assert_eq!(output.status.code(), Some(0), "{}", stderr(&output));
}

#[test]
fn usage_and_io_errors_exit_two() {
    let dir = scratch_dir("cli");
    write(&dir, "policy.pol", POLICY);
    write(&dir, "facts.json", FACTS);
    assert_eq!(
        pol(&dir, &["run", "missing.pol", "--facts", "facts.json"])
            .status
            .code(),
        Some(2)
    );
    assert_eq!(
        pol(&dir, &["run", "policy.pol", "--facts", "nowhere.json"])
            .status
            .code(),
        Some(2)
    );
    assert_eq!(pol(&dir, &["frobnicate"]).status.code(), Some(2));
    let bad_date = pol(
        &dir,
        &[
            "run",
            "policy.pol",
            "--facts",
            "facts.json",
            "--as-of",
            "2023-02-30",
        ],
    );
    assert_eq!(bad_date.status.code(), Some(2));
    assert!(
        stderr(&bad_date).contains("is not a date"),
        "{}",
        stderr(&bad_date)
    );
}

#[test]
fn malformed_facts_exit_one_with_the_path_of_the_bad_value() {
    let dir = scratch_dir("cli");
    write(&dir, "policy.pol", POLICY);
    write(
        &dir,
        "facts.json",
        &FACTS.replace("\"date\": \"2023-12-21\"", "\"date\": \"2023-02-30\""),
    );
    let output = pol(&dir, &["run", "policy.pol", "--facts", "facts.json"]);
    assert_eq!(output.status.code(), Some(1));
    let text = stderr(&output);
    assert!(text.contains("E0405"), "{text}");
    assert!(text.contains("2023-02-30"), "{text}");
    assert!(text.contains("Transfer[2].date"), "{text}");
}

#[test]
fn test_command_reports_failures_with_expected_and_actual() {
    let dir = scratch_dir("cli");
    let policy = format!(
        "{POLICY}\ntest \"returns\" {{\n  Country {{ code: \"US\", in_combat: false }}\n  Item {{ id: \"P\", licensed_from: \"US\" }}\n  Transfer {{ id: \"t\", item: \"P\", destination: \"US\", date: 2024-01-01 }}\n  expect \"t\" deny by onward_in_combat\n}}\n"
    );
    write(&dir, "policy.pol", &policy);
    let output = pol(&dir, &["test", "policy.pol"]);
    assert_eq!(output.status.code(), Some(1));
    let text = stdout(&output);
    assert!(text.contains("FAIL  returns"), "{text}");
    assert!(text.contains("expected: deny by onward_in_combat"), "{text}");
    assert!(text.contains("actual:   permit by licensed_return"), "{text}");
    assert!(text.trim_end().ends_with("0 passed, 1 failed"), "{text}");

    let passing = policy.replace(
        "expect \"t\" deny by onward_in_combat",
        "expect \"t\" permit by licensed_return",
    );
    write(&dir, "policy.pol", &passing);
    let output = pol(&dir, &["test", "policy.pol"]);
    assert_eq!(output.status.code(), Some(0), "{}", stdout(&output));
    assert!(stdout(&output).trim_end().ends_with("1 passed, 0 failed"));
}

#[test]
fn pol_never_writes_to_the_files_it_reads() {
    let dir = scratch_dir("cli");
    let policy = write(&dir, "policy.pol", POLICY);
    let facts = write(&dir, "facts.json", FACTS);
    let before: Vec<(Vec<u8>, std::time::SystemTime)> = [&policy, &facts]
        .iter()
        .map(|path| {
            (
                std::fs::read(path).unwrap(),
                std::fs::metadata(path).unwrap().modified().unwrap(),
            )
        })
        .collect();
    pol(&dir, &["run", "policy.pol", "--facts", "facts.json", "--explain"]);
    pol(&dir, &["check", "policy.pol"]);
    pol(&dir, &["test", "."]);
    let after: Vec<(Vec<u8>, std::time::SystemTime)> = [&policy, &facts]
        .iter()
        .map(|path| {
            (
                std::fs::read(path).unwrap(),
                std::fs::metadata(path).unwrap().modified().unwrap(),
            )
        })
        .collect();
    assert_eq!(before, after);
    let names: Vec<String> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|entry| entry.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    assert_eq!(names.len(), 2, "pol created files: {names:?}");
}

#[test]
fn imports_may_not_leave_the_policy_directory() {
    let dir = scratch_dir("cli");
    std::fs::create_dir_all(dir.join("policies")).unwrap();
    write(&dir, "outside.pol", "module \"outside\"\n");
    write(
        &dir,
        "policies/main.pol",
        "module \"main\"\nuse \"../outside.pol\"\n",
    );
    let output = pol(&dir.join("policies"), &["check", "main.pol"]);
    assert_eq!(output.status.code(), Some(1));
    assert!(stderr(&output).contains("E0222"), "{}", stderr(&output));
    let allowed = pol(&dir.join("policies"), &["check", "main.pol", "--lib", ".."]);
    assert_eq!(allowed.status.code(), Some(0), "{}", stderr(&allowed));
}

#[test]
fn a_json_lines_stream_decides_exactly_like_a_whole_file() {
    let dir = scratch_dir("cli");
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let transfers: Vec<serde_json::Value> =
        serde_json::from_str(&std::fs::read_to_string(root.join("bench/data/transfers-10000.json")).unwrap())
            .unwrap();
    // More lines than one chunk, so the stream is decided in several chunks.
    let lines: String = transfers
        .iter()
        .chain(&transfers)
        .map(|transfer| format!("{transfer}\n"))
        .collect();
    std::fs::write(dir.join("transfers.jsonl"), &lines).unwrap();
    let whole: Vec<serde_json::Value> = transfers.iter().chain(&transfers).cloned().collect();
    std::fs::write(dir.join("transfers.json"), serde_json::to_string(&whole).unwrap()).unwrap();
    let policy = root.join("bench/reference.pol");
    let countries = format!("Country={}", root.join("bench/data/countries.json").display());
    let items = format!("Item={}", root.join("bench/data/items.json").display());
    let run = |transfers: &str| {
        let output = pol(
            &dir,
            &[
                "run",
                policy.to_str().unwrap(),
                "--facts",
                &countries,
                &items,
                transfers,
                "--format",
                "json",
            ],
        );
        assert_eq!(output.status.code(), Some(0), "{}", stderr(&output));
        stdout(&output)
    };
    let streamed = run("transfers.jsonl");
    let loaded = run("Transfer=transfers.json");
    assert_eq!(streamed.lines().count(), 20_000);
    assert!(streamed == loaded, "streamed and whole-file decisions differ");
}

#[test]
fn a_bad_line_deep_in_a_stream_is_reported_with_its_record_index() {
    let dir = scratch_dir("cli");
    write(&dir, "policy.pol", POLICY);
    write(
        &dir,
        "reference.json",
        r#"{"Country": [{"code": "US", "in_combat": false}], "Item": [{"id": "PAC-3", "licensed_from": "US"}]}"#,
    );
    let mut lines = String::new();
    for idx in 0..20_000 {
        let date = if idx == 19_000 { "2023-02-30" } else { "2024-01-01" };
        lines.push_str(&format!(
            "{{\"id\": \"t{idx}\", \"item\": \"PAC-3\", \"destination\": \"US\", \"date\": \"{date}\"}}\n"
        ));
    }
    write(&dir, "transfers.jsonl", &lines);
    let output = pol(
        &dir,
        &[
            "run",
            "policy.pol",
            "--facts",
            "reference.json",
            "transfers.jsonl",
            "--summary",
        ],
    );
    assert_eq!(output.status.code(), Some(1));
    let text = stderr(&output);
    assert!(text.contains("error[E0405]"), "{text}");
    assert!(text.contains("Transfer[19000].date"), "{text}");
    assert!(text.contains("transfers.jsonl (from line 16385)"), "{text}");
}

#[test]
fn a_symbolic_link_cannot_smuggle_an_import_out_of_the_policy_directory() {
    let dir = scratch_dir("cli");
    std::fs::create_dir_all(dir.join("policies")).unwrap();
    write(&dir, "secret.pol", "module \"outside\"\n");
    std::os::unix::fs::symlink(dir.join("secret.pol"), dir.join("policies/inside.pol")).unwrap();
    write(&dir, "policies/main.pol", "module \"main\"\nuse \"inside.pol\"\n");
    let output = pol(&dir.join("policies"), &["check", "main.pol"]);
    assert_eq!(output.status.code(), Some(1));
    let text = stderr(&output);
    assert!(text.contains("error[E0222]"), "{text}");
    assert!(
        text.contains("leaves the directories a policy may read"),
        "{text}"
    );
}

#[test]
fn check_accepts_a_directory_of_policies() {
    let dir = scratch_dir("cli");
    std::fs::create_dir_all(dir.join("policies/more")).unwrap();
    write(&dir, "policies/a.pol", POLICY);
    write(
        &dir,
        "policies/more/b.pol",
        &POLICY.replace("t.destination ==", "t.destinaton =="),
    );
    let output = pol(&dir, &["check", "policies"]);
    assert_eq!(output.status.code(), Some(1));
    let text = stderr(&output);
    assert!(text.contains("error[E0203]"), "{text}");
    assert!(text.contains("b.pol"), "{text}");
}
