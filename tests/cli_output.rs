//! The `pol` binary's output contract: a failed write on standard output is an error (exit 2 with
//! a message), a closed pipe ends every command quietly (exit 141), standard error never panics,
//! `--fail-on` turns decisions into an exit status, `--summary` says what it counts, and colour
//! follows `NO_COLOR`, `CLICOLOR`, `CLICOLOR_FORCE` and `TERM`.

#![allow(clippy::unwrap_used)] // Test code: a failed unwrap is a failed test.

use std::fs::File;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};

mod support;
use support::cli::{Pol, pol, pol_command, pol_with_input, stderr, stdout};

/// Two rules deny the same transfer, so one decision has two deciding rules.
const POLICY: &str = r#"policy "Output contract"

record Transfer key id {
  id: Text
  to: Text
  value: Int
  licensed: Bool
}

decide t: Transfer
default permit because "nothing forbids it"

rule embargoed: deny {
  when t.to == "XX"
  because "an embargoed destination"
}

rule too_valuable: deny {
  when t.value > 100
  because "over the limit"
}

rule unlicensed: deny {
  when t.to == "YY" and not t.licensed
  because "needs a licence"
}

test "an embargoed destination is denied" {
  Transfer { id: "a", to: "XX", value: 1, licensed: true }
  expect "a" deny by embargoed
}
"#;

/// One permit, one deny by two rules, one undecided (whether `open` is licensed is unknown).
const FACTS: &str = r#"{"id": "ok", "to": "FR", "value": 1, "licensed": true}
{"id": "both", "to": "XX", "value": 1000, "licensed": true}
{"id": "open", "to": "YY", "value": 1}
"#;

/// A fresh folder holding the policy and the transfers, as JSON Lines and as one JSON document.
fn scratch_dir() -> PathBuf {
    let dir = support::cli::scratch_dir("cli-output");
    std::fs::write(dir.join("policy.pol"), POLICY).unwrap();
    std::fs::write(dir.join("facts.jsonl"), FACTS).unwrap();
    // The same transfers as one JSON document, which is read whole rather than streamed.
    let records: Vec<&str> = FACTS.lines().collect();
    std::fs::write(
        dir.join("facts.json"),
        format!("{{\"Transfer\": [{}]}}", records.join(",\n")),
    )
    .unwrap();
    dir
}

/// Runs `pol` with standard output on `/dev/full`, where every write fails with "no space left".
fn pol_to_full_disk(dir: &Path, args: &[&str]) -> Output {
    let full = File::options().write(true).open("/dev/full").unwrap();
    Pol::new(dir, args).stdout(Stdio::from(full)).output()
}

/// Runs `pol` with standard output a pipe whose reading end is closed before `pol` starts.
fn pol_to_closed_pipe(dir: &Path, args: &[&str]) -> Output {
    let (reader, writer) = std::io::pipe().unwrap();
    drop(reader);
    Pol::new(dir, args).stdout(Stdio::from(writer)).output()
}

/// Every command that writes on standard output, as a user would run it.
const WRITERS: &[&[&str]] = &[
    &["run", "policy.pol", "--facts", "facts.json"],
    &["run", "policy.pol", "--facts", "facts.jsonl", "--format", "json"],
    &["run", "policy.pol", "--facts", "facts.jsonl", "--summary"],
    &["check", "--format", "json", "policy.pol"],
    &["test", "policy.pol"],
    &["fmt", "policy.pol"],
    &["--help"],
];

#[test]
fn output_lost_to_a_full_disk_is_an_error_with_exit_two() {
    let dir = scratch_dir();
    for args in WRITERS {
        let output = pol_to_full_disk(&dir, args);
        let text = stderr(&output);
        assert_eq!(output.status.code(), Some(2), "pol {args:?}: {text}");
        assert!(
            text.contains("error[E0401]: cannot write to standard output: no space left on device"),
            "pol {args:?}: {text}"
        );
        assert!(!text.contains("panicked"), "pol {args:?}: {text}");
    }
}

#[test]
fn a_closed_pipe_ends_every_command_quietly_with_the_status_of_sigpipe() {
    let dir = scratch_dir();
    for args in WRITERS {
        let output = pol_to_closed_pipe(&dir, args);
        assert_eq!(
            output.status.code(),
            Some(141),
            "pol {args:?}: {}",
            stderr(&output)
        );
        assert_eq!(stderr(&output), "", "pol {args:?}");
    }
}

#[test]
fn a_closed_pipe_stops_a_long_stream_of_decisions() {
    let dir = scratch_dir();
    let mut lines = String::new();
    for n in 0..50_000 {
        lines.push_str(&format!(
            "{{\"id\": \"t{n}\", \"to\": \"FR\", \"value\": 1, \"licensed\": true}}\n"
        ));
    }
    std::fs::write(dir.join("many.jsonl"), lines).unwrap();
    let output = pol_to_closed_pipe(&dir, &["run", "policy.pol", "--facts", "many.jsonl"]);
    assert_eq!(output.status.code(), Some(141), "{}", stderr(&output));
    assert_eq!(stderr(&output), "");
}

#[test]
fn a_failing_standard_error_does_not_panic() {
    let dir = scratch_dir();
    std::fs::write(
        dir.join("bad.pol"),
        "policy \"bad\"\nrule r: permit { when nope }\n",
    )
    .unwrap();
    let full = || Stdio::from(File::options().write(true).open("/dev/full").unwrap());
    let checked = pol_command(&dir, &["check", "bad.pol"])
        .stderr(full())
        .output()
        .unwrap();
    assert_eq!(checked.status.code(), Some(1));
    let good = pol_command(&dir, &["check", "policy.pol"])
        .stderr(full())
        .output()
        .unwrap();
    assert_eq!(good.status.code(), Some(0));
    let matched = pol_command(
        &dir,
        &["run", "policy.pol", "--facts", "facts.json", "--fail-on", "deny"],
    )
    .stderr(full())
    .output()
    .unwrap();
    assert_eq!(matched.status.code(), Some(3));
}

#[test]
fn fail_on_exits_three_after_printing_every_decision() {
    let dir = scratch_dir();
    for facts in ["facts.json", "facts.jsonl"] {
        let output = pol(
            &dir,
            &["run", "policy.pol", "--facts", facts, "--fail-on", "deny"],
        );
        assert_eq!(output.status.code(), Some(3), "{facts}: {}", stderr(&output));
        assert_eq!(
            stdout(&output).matches("Transfer ").count(),
            3,
            "{}",
            stdout(&output)
        );
        assert!(
            stderr(&output).contains("1 of 3 decisions matched `--fail-on deny`"),
            "{}",
            stderr(&output)
        );
    }
    let cases: &[(&[&str], i32)] = &[
        (&["--fail-on", "undecided"], 3),
        (&["--fail-on", "not-permit"], 3),
        (&["--fail-on", "permit"], 3),
        (&["--fail-on", "deny,undecided", "--summary"], 3),
        (
            &["--fail-on", "deny", "--fail-on", "undecided", "--format", "json"],
            3,
        ),
        (&[], 0),
    ];
    for (flags, code) in cases {
        let mut args = vec!["run", "policy.pol", "--facts", "facts.jsonl"];
        args.extend_from_slice(flags);
        let output = pol(&dir, &args);
        assert_eq!(
            output.status.code(),
            Some(*code),
            "{flags:?}: {}",
            stderr(&output)
        );
    }
}

#[test]
fn fail_on_is_quiet_when_nothing_matches() {
    let dir = scratch_dir();
    std::fs::write(
        dir.join("fine.jsonl"),
        "{\"id\": \"ok\", \"to\": \"FR\", \"value\": 1, \"licensed\": true}\n",
    )
    .unwrap();
    let output = pol(
        &dir,
        &[
            "run",
            "policy.pol",
            "--facts",
            "fine.jsonl",
            "--fail-on",
            "not-permit",
        ],
    );
    assert_eq!(output.status.code(), Some(0), "{}", stderr(&output));
    assert_eq!(stderr(&output), "");
}

#[test]
fn fail_on_from_standard_input_streams_and_still_fails() {
    let dir = scratch_dir();
    let output = pol_with_input(
        &dir,
        &["run", "policy.pol", "--facts", "-", "--fail-on", "deny"],
        FACTS,
    );
    assert_eq!(output.status.code(), Some(3), "{}", stderr(&output));
}

#[test]
fn a_failed_decision_exits_one_even_with_fail_on() {
    let dir = scratch_dir();
    let policy = POLICY.replace("t.value > 100", "t.value * 9223372036854775807 > 100");
    std::fs::write(dir.join("overflow.pol"), policy).unwrap();
    let output = pol(
        &dir,
        &[
            "run",
            "overflow.pol",
            "--facts",
            "facts.jsonl",
            "--fail-on",
            "deny",
        ],
    );
    assert_eq!(output.status.code(), Some(1), "{}", stderr(&output));
}

#[test]
fn summary_says_that_a_decision_counts_once_per_deciding_rule() {
    let dir = scratch_dir();
    let text = pol(
        &dir,
        &["run", "policy.pol", "--facts", "facts.jsonl", "--summary"],
    );
    let text = stdout(&text);
    assert!(
        text.contains("by deciding rule (a decision counts once per deciding rule; 1 of 3 had several):"),
        "{text}"
    );
    assert!(
        text.contains("deny embargoed: 1") && text.contains("deny too_valuable: 1"),
        "{text}"
    );
    let json = pol(
        &dir,
        &[
            "run",
            "policy.pol",
            "--facts",
            "facts.jsonl",
            "--summary",
            "--format",
            "json",
        ],
    );
    let json: serde_json::Value = serde_json::from_str(stdout(&json).trim()).unwrap();
    assert_eq!(json["total"], 3);
    assert_eq!(json["decisions_with_several_rules"], 1);
    let counts = json["by_rule_counts"].as_str().unwrap();
    assert!(counts.contains("counts once for each"), "{counts}");
}

#[test]
fn help_texts_describe_each_command_and_the_exit_statuses() {
    let dir = scratch_dir();
    let check = stdout(&pol(&dir, &["check", "--help"]));
    assert!(!check.contains("for `run`"), "{check}");
    assert!(check.contains("one document on standard output"), "{check}");
    let run = stdout(&pol(&dir, &["run", "--help"]));
    for wanted in [
        "--fail-on <DECISION>",
        "not-permit",
        "exit with status 3",
        "once for each",
    ] {
        assert!(
            run.to_lowercase().contains(&wanted.to_lowercase()),
            "{wanted}: {run}"
        );
    }
    let top = stdout(&pol(&dir, &["--help"]));
    for wanted in ["Exit status:", "  3 ", "141", "NO_COLOR", ".polskip"] {
        assert!(top.contains(wanted), "{wanted}: {top}");
    }
}

/// Runs `pol check bad.pol` on a pseudo-terminal through `script` (util-linux), with the given
/// environment; what the terminal showed. `None` where `script` is not installed.
fn on_terminal(dir: &Path, env: &[(&str, &str)]) -> Option<String> {
    let script = ["/usr/bin/script", "/bin/script"]
        .into_iter()
        .find(|path| Path::new(path).exists())?;
    let command = format!("{} check bad.pol", env!("CARGO_BIN_EXE_pol"));
    let mut child = Command::new(script);
    child
        .args(["-qec", &command, "/dev/null"])
        .current_dir(dir)
        .env_remove("NO_COLOR")
        .env_remove("CLICOLOR")
        .env_remove("CLICOLOR_FORCE")
        .env("TERM", "xterm-256color");
    for (name, value) in env {
        child.env(name, value);
    }
    let output = child.stdin(Stdio::null()).output().unwrap();
    Some(String::from_utf8_lossy(&output.stdout).into_owned())
}

#[test]
fn colour_on_a_terminal_follows_no_color_clicolor_and_term() {
    let dir = scratch_dir();
    std::fs::write(
        dir.join("bad.pol"),
        "policy \"bad\"\nrule r: permit { when nope }\n",
    )
    .unwrap();
    let Some(coloured) = on_terminal(&dir, &[]) else {
        eprintln!("`script` is not installed: the unit tests of `console::Terminal` cover this");
        return;
    };
    assert!(coloured.contains("error[E0201]"), "{coloured}");
    assert!(
        coloured.contains("\x1b["),
        "a terminal shows colour: {coloured:?}"
    );
    for env in [
        &[("NO_COLOR", "1")][..],
        &[("CLICOLOR", "0")][..],
        &[("TERM", "dumb")][..],
        &[("NO_COLOR", "1"), ("CLICOLOR_FORCE", "1")][..],
    ] {
        let shown = on_terminal(&dir, env).unwrap();
        assert!(shown.contains("error[E0201]"), "{env:?}: {shown}");
        assert!(!shown.contains('\x1b'), "{env:?} shows no colour: {shown:?}");
    }
    // Without colour a terminal still gets the box drawing, except a dumb one.
    assert!(on_terminal(&dir, &[("NO_COLOR", "1")]).unwrap().contains('╭'));
    assert!(!on_terminal(&dir, &[("TERM", "dumb")]).unwrap().contains('╭'));
}

#[test]
fn clicolor_force_colours_diagnostics_off_a_terminal() {
    let dir = scratch_dir();
    std::fs::write(
        dir.join("bad.pol"),
        "policy \"bad\"\nrule r: permit { when nope }\n",
    )
    .unwrap();
    let forced = pol_command(&dir, &["check", "bad.pol"])
        .env_remove("NO_COLOR")
        .env("CLICOLOR_FORCE", "1")
        .output()
        .unwrap();
    assert!(stderr(&forced).contains("\x1b["), "{}", stderr(&forced));
    let plain = pol_command(&dir, &["check", "bad.pol"])
        .env_remove("NO_COLOR")
        .output()
        .unwrap();
    assert!(!stderr(&plain).contains('\x1b'), "{}", stderr(&plain));
    let explicit = pol(&dir, &["check", "bad.pol", "--diagnostics", "fancy"]);
    assert!(
        stderr(&explicit).contains("\x1b["),
        "an explicit choice wins over NO_COLOR"
    );
}
