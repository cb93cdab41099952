//! Regression tests from a review of the command line used as a user and as an attacker would:
//! subjects given both in a whole document and in a streamed JSON Lines input are each decided
//! once, standard input is read once, a policy can come from a pipe (`<(…)`), input/output
//! failures are told in plain words and exit alike, raised limits cannot overflow the stack,
//! names cannot smuggle control characters to a terminal, and the help says what the commands do.

#![allow(clippy::unwrap_used)] // Test code: a failed unwrap is a failed test.

use std::path::{Path, PathBuf};
use std::process::Output;

mod support;
use support::cli::{pol_with_input, stderr, stdout};

/// Denies transfers to `XX`; the default permits.
const POLICY: &str = r#"policy "Review"

record Transfer key id {
  id: Text
  to: Text
}

decide t: Transfer
default permit because "nothing forbids it"

rule embargoed: deny {
  when t.to == "XX"
  because "an embargoed destination"
}
"#;

/// One transfer that must be denied, given as a whole JSON document.
const DENIED: &str = r#"{"Transfer": [{"id": "manual", "to": "XX"}]}"#;

/// A fresh folder holding the policy and a transfer it denies.
fn scratch_dir() -> PathBuf {
    support::cli::scratch_dir_with("review-cli", &[("policy.pol", POLICY), ("manual.json", DENIED)])
}

/// Runs `pol` in `dir` with an empty pipe, not nothing, on its standard input.
fn pol(dir: &Path, args: &[&str]) -> Output {
    pol_with_input(dir, args, "")
}

/// `n` transfers to `FR`, one per line.
fn permitted_lines(n: usize) -> String {
    (0..n)
        .map(|idx| format!("{{\"id\": \"s{idx}\", \"to\": \"FR\"}}\n"))
        .collect()
}

#[test]
fn a_transfer_in_a_document_is_decided_when_the_streamed_input_is_empty() {
    let dir = scratch_dir();
    std::fs::write(dir.join("empty.jsonl"), "").unwrap();
    let args = [
        "run",
        "policy.pol",
        "--facts",
        "manual.json",
        "--facts",
        "empty.jsonl",
        "--fail-on",
        "deny",
    ];
    let output = pol(&dir, &args);
    assert_eq!(output.status.code(), Some(3), "{}", stderr(&output));
    assert!(
        stdout(&output).contains("Transfer manual: DENY"),
        "{}",
        stdout(&output)
    );
    // The same from standard input, as a CI job piping generated transfers would run it.
    let args = [
        "run",
        "policy.pol",
        "--facts",
        "manual.json",
        "--facts",
        "-",
        "--fail-on",
        "deny",
    ];
    let output = pol_with_input(&dir, &args, "");
    assert_eq!(output.status.code(), Some(3), "{}", stderr(&output));
    assert!(
        stdout(&output).contains("Transfer manual: DENY"),
        "{}",
        stdout(&output)
    );
}

#[test]
fn a_transfer_in_a_document_is_decided_once_however_many_chunks_stream() {
    let dir = scratch_dir();
    // More lines than one chunk holds, so the stream is decided in several chunks.
    std::fs::write(dir.join("many.jsonl"), permitted_lines(40_000)).unwrap();
    let args = [
        "run",
        "policy.pol",
        "--facts",
        "manual.json",
        "--facts",
        "many.jsonl",
    ];
    let output = pol(&dir, &args);
    assert_eq!(output.status.code(), Some(0), "{}", stderr(&output));
    let text = stdout(&output);
    assert_eq!(text.matches("Transfer manual: DENY").count(), 1);
    assert_eq!(text.matches("Transfer ").count(), 40_001);
    let mut summary_args = args.to_vec();
    summary_args.push("--summary");
    let summary = stdout(&pol(&dir, &summary_args));
    assert!(
        summary.starts_with("40001 decided\n  deny: 1\n  permit: 40000\n"),
        "{summary}"
    );
}

#[test]
fn subjects_without_keys_are_numbered_across_the_document_and_the_chunks() {
    let dir = scratch_dir();
    std::fs::write(
        dir.join("keyless.pol"),
        POLICY.replace("record Transfer key id {", "record Transfer {"),
    )
    .unwrap();
    std::fs::write(dir.join("many.jsonl"), permitted_lines(20_000)).unwrap();
    let args = [
        "run",
        "keyless.pol",
        "--facts",
        "manual.json",
        "--facts",
        "many.jsonl",
    ];
    let output = pol(&dir, &args);
    assert_eq!(output.status.code(), Some(0), "{}", stderr(&output));
    let text = stdout(&output);
    let lines: Vec<&str> = text
        .lines()
        .filter(|line| line.starts_with("Transfer "))
        .collect();
    assert_eq!(lines.len(), 20_001);
    let numbers: Vec<String> = lines
        .iter()
        .map(|line| line.split(':').next().unwrap().to_owned())
        .collect();
    let expected: Vec<String> = (1..=20_001).map(|n| format!("Transfer #{n}")).collect();
    assert_eq!(numbers, expected);
}

#[test]
fn standard_input_named_twice_is_a_usage_error() {
    let dir = scratch_dir();
    let lines = "{\"id\": \"a\", \"to\": \"XX\"}\n";
    let args = [
        "run",
        "policy.pol",
        "--facts",
        "-",
        "--facts",
        "Transfer=-",
        "--fail-on",
        "deny",
    ];
    let output = pol_with_input(&dir, &args, lines);
    assert_eq!(output.status.code(), Some(2), "{}", stdout(&output));
    assert!(stderr(&output).contains("error[E0411]"), "{}", stderr(&output));
    assert!(stderr(&output).contains("standard input"), "{}", stderr(&output));
    assert_eq!(stdout(&output), "");
}

#[test]
fn a_policy_given_through_a_pipe_is_refused_in_plain_words() {
    let dir = scratch_dir();
    // `/dev/stdin` on a pipe is what `pol check <(git show HEAD:policy.pol)` gives. Policies are
    // read only from regular files (a named pipe with no writer would wait forever), so each
    // command refuses it at once, saying what it is.
    for args in [
        &["check", "/dev/stdin"][..],
        &["test", "/dev/stdin"][..],
        &["run", "/dev/stdin", "--facts", "manual.json"][..],
    ] {
        let output = pol_with_input(&dir, args, POLICY);
        assert_eq!(output.status.code(), Some(2), "{args:?}: {}", stderr(&output));
        assert!(
            stderr(&output).contains("cannot read `/dev/stdin`: it is a FIFO (named pipe), not a"),
            "{args:?}: {}",
            stderr(&output)
        );
    }
}

#[test]
fn a_streamed_input_that_cannot_be_read_is_told_in_plain_words() {
    let dir = scratch_dir();
    std::fs::create_dir(dir.join("folder.jsonl")).unwrap();
    std::fs::create_dir(dir.join("folder.json")).unwrap();
    for (name, problem) in [
        ("folder.jsonl", "it is a directory"),
        ("folder.json", "it is a directory"),
        ("missing.jsonl", "no such file"),
        ("missing.json", "no such file"),
    ] {
        let output = pol(&dir, &["run", "policy.pol", "--facts", name]);
        assert_eq!(output.status.code(), Some(2), "{name}");
        let expected = format!("error[E0401]: cannot read `{name}`: {problem}\n");
        assert!(
            stderr(&output).starts_with(&expected),
            "{name}: {}",
            stderr(&output)
        );
        assert!(!stderr(&output).contains("os error"), "{}", stderr(&output));
    }
}

#[test]
fn fail_on_named_twice_is_named_once_in_the_summary_line() {
    let dir = scratch_dir();
    let args = [
        "run",
        "policy.pol",
        "--facts",
        "manual.json",
        "--fail-on",
        "deny,not-permit",
        "--fail-on",
        "deny",
    ];
    let output = pol(&dir, &args);
    assert_eq!(output.status.code(), Some(3));
    assert_eq!(
        stderr(&output),
        "1 of 1 decisions matched `--fail-on deny,not-permit`\n"
    );
}

#[test]
fn run_help_names_every_facts_extension() {
    let dir = scratch_dir();
    let help = stdout(&pol(&dir, &["run", "--help"]));
    for extension in [".json", ".jsonl", ".ndjson", ".yaml", ".yml", ".csv"] {
        assert!(
            help.contains(&format!("{extension} ")) || help.contains(&format!("{extension})")),
            "{extension}"
        );
    }
}

#[test]
fn top_help_names_every_exit_reason_and_every_folder_the_walk_skips() {
    let dir = scratch_dir();
    let help = stdout(&pol(&dir, &["--help"]));
    for wanted in [
        "`fmt --write` left a file alone",
        "hidden folders",
        "`target` folders",
        "`.polskip`",
    ] {
        assert!(help.contains(wanted), "{wanted}: {help}");
    }
}

/// The highest `--max-nesting` and `--max-depth` accepted.
const NESTING_CEILING: usize = 100_000;
const DEPTH_CEILING: usize = 100_000;

/// A policy whose rule holds one expression of `shape` nested `levels` deep.
fn deep_policy(shape: &str, levels: usize) -> String {
    let expr = match shape {
        "chain" => format!("t.n{}", " + 1".repeat(levels)),
        "parentheses" => format!("{}t.n{}", "(".repeat(levels), ")".repeat(levels)),
        "negations" => format!("{}t.n", "-".repeat(levels)),
        _ => unreachable!("no shape {shape}"),
    };
    format!(
        "policy \"Deep\"\n\nrecord Transfer key id {{\n  id: Text\n  n: Int\n}}\n\ndecide t: Transfer\ndefault permit because \"nothing forbids it\"\n\nrule deep: deny {{\n  when {expr} != 0\n}}\n"
    )
}

#[test]
fn nesting_and_depth_above_the_ceiling_are_usage_errors_not_a_stack_overflow() {
    let dir = scratch_dir();
    std::fs::write(dir.join("deep.pol"), deep_policy("chain", 20_000)).unwrap();
    for args in [
        &["check", "deep.pol", "--max-nesting", "1000000"][..],
        &["fmt", "deep.pol", "--max-nesting", "1000000"],
        &[
            "run",
            "deep.pol",
            "--facts",
            "manual.json",
            "--max-depth",
            "100000000",
        ],
    ] {
        let output = pol(&dir, args);
        assert_eq!(output.status.code(), Some(2), "{args:?}: {}", stderr(&output));
        assert!(stderr(&output).contains("is not in"), "{}", stderr(&output));
    }
}

#[test]
fn nesting_at_the_ceiling_is_checked_formatted_and_decided() {
    let dir = scratch_dir();
    std::fs::write(dir.join("one.jsonl"), "{\"id\": \"a\", \"n\": 1}\n").unwrap();
    let nesting = NESTING_CEILING.to_string();
    let depth = DEPTH_CEILING.to_string();
    // A little below the ceiling: the rule's own levels come on top of the expression's.
    for shape in ["chain", "parentheses", "negations"] {
        let file = format!("{shape}.pol");
        std::fs::write(dir.join(&file), deep_policy(shape, NESTING_CEILING - 16)).unwrap();
        let checked = pol(&dir, &["check", &file, "--max-nesting", &nesting]);
        assert_eq!(checked.status.code(), Some(0), "{shape}: {}", stderr(&checked));
        let formatted = pol(&dir, &["fmt", &file, "--max-nesting", &nesting]);
        assert_eq!(
            formatted.status.code(),
            Some(0),
            "{shape}: {}",
            stderr(&formatted)
        );
        let args = [
            "run",
            &file,
            "--facts",
            "one.jsonl",
            "--max-nesting",
            &nesting,
            "--max-depth",
            &depth,
        ];
        let ran = pol(&dir, &args);
        assert_eq!(ran.status.code(), Some(0), "{shape}: {}", stderr(&ran));
        assert!(
            stdout(&ran).starts_with("Transfer a: DENY"),
            "{shape}: {}",
            stdout(&ran)
        );
    }
}

#[test]
fn a_policy_over_the_size_limit_exits_two_for_every_command() {
    let dir = scratch_dir();
    for args in [
        &["check", "policy.pol", "--max-policy-bytes", "10"][..],
        &[
            "run",
            "policy.pol",
            "--facts",
            "manual.json",
            "--max-policy-bytes",
            "10",
        ],
        &["fmt", "policy.pol", "--max-policy-bytes", "10"],
        &[
            "run",
            "policy.pol",
            "--facts",
            "manual.json",
            "--max-facts-bytes",
            "10",
        ],
    ] {
        let output = pol(&dir, args);
        assert_eq!(output.status.code(), Some(2), "{args:?}: {}", stderr(&output));
        assert!(stderr(&output).contains("error[E0409]"), "{}", stderr(&output));
    }
}

#[test]
fn file_and_test_names_cannot_reach_the_terminal_as_control_characters() {
    let dir = scratch_dir();
    let folder = dir.join("names");
    std::fs::create_dir(&folder).unwrap();
    std::fs::write(folder.join("clear\u{1b}[2J.pol"), "policy   \"unformatted\"\n").unwrap();
    std::fs::write(folder.join("two\nlines.pol"), "policy   \"unformatted\"\n").unwrap();
    let listed = pol(&dir, &["fmt", "--check", "names"]);
    assert_eq!(listed.status.code(), Some(1), "{}", stderr(&listed));
    assert_eq!(
        stdout(&listed),
        "names/clear\\u{1b}[2J.pol\nnames/two\\nlines.pol\n"
    );
    let written = pol(&dir, &["fmt", "--write", "names"]);
    assert_eq!(written.status.code(), Some(0), "{}", stderr(&written));
    assert_eq!(stdout(&written), stdout(&listed));
    // A test's name is the policy's text, which may hold any character through `\u{…}`.
    std::fs::write(
        folder.join("named\u{1b}.pol"),
        POLICY.to_owned()
            + "\ntest \"spoof\\u{1b}[2J\\n  ok    forged\" {\n  Transfer { id: \"a\", to: \"XX\" }\n  expect \"a\" permit by default\n}\n",
    )
    .unwrap();
    let tested = pol(&dir, &["test", "names"]);
    assert_eq!(tested.status.code(), Some(1), "{}", stderr(&tested));
    assert_eq!(
        stdout(&tested).lines().take(2).collect::<Vec<_>>(),
        [
            "names/named\\u{1b}.pol",
            "  FAIL  spoof\\u{1b}[2J\\n  ok    forged"
        ]
    );
}

#[test]
fn test_runs_the_tests_it_can_read_and_still_fails_for_a_missing_path() {
    let dir = scratch_dir();
    std::fs::write(
        dir.join("tested.pol"),
        POLICY.to_owned()
            + "\ntest \"an embargoed destination is denied\" {\n  Transfer { id: \"a\", to: \"XX\" }\n  expect \"a\" deny by embargoed\n}\n",
    )
    .unwrap();
    let output = pol(&dir, &["test", "tested.pol", "missing.pol"]);
    assert_eq!(output.status.code(), Some(2), "{}", stderr(&output));
    assert!(
        stderr(&output).contains("cannot read `missing.pol`"),
        "{}",
        stderr(&output)
    );
    assert_eq!(
        stdout(&output),
        "tested.pol\n  ok    an embargoed destination is denied\n1 passed, 0 failed\n"
    );
}

#[test]
fn check_test_and_fmt_name_their_paths_alike() {
    let dir = scratch_dir();
    for (command, usage) in [
        ("check", "Usage: pol check [OPTIONS] <PATH>..."),
        ("test", "Usage: pol test [OPTIONS] [PATH]..."),
        ("fmt", "Usage: pol fmt [OPTIONS] <PATH>..."),
    ] {
        let help = stdout(&pol(&dir, &[command, "--help"]));
        assert!(help.contains(usage), "{help}");
        assert!(
            help.contains("Policy files, or directories to search for `.pol` files"),
            "{help}"
        );
    }
}
