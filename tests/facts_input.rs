//! How the `pol` binary reads its inputs, driven as a user (or an attacker) would: standard input
//! of NUL bytes refused after a little reading, FIFOs refused as policies but read as facts,
//! one reader of standard input, `--lib` checked, one exit status for inputs over the size limit,
//! and references between streamed subjects refused the same way in every chunk.

#![allow(clippy::unwrap_used)] // Test code: a failed unwrap is a failed test.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};

mod support;
use support::cli::{Pol, Running, WATCHDOG, stderr, stdout};

const POLICY: &str = r#"policy "Shipments"

record Country key code {
  code: Text
  hot: Bool
}

record Shipment key id {
  id: Text
  to: Country
  follows: Shipment?
}

decide s: Shipment
default permit because "no rule forbids this shipment"

rule hot_destination: deny {
  when s.to.hot
}
"#;

const COUNTRIES: &str = r#"{"Country": [{"code": "US", "hot": false}, {"code": "RU", "hot": true}]}"#;

/// A fresh directory for one test, holding the policy and the countries.
fn scratch_dir() -> PathBuf {
    let dir = support::cli::scratch_dir("facts-input");
    std::fs::write(dir.join("policy.pol"), POLICY).unwrap();
    std::fs::write(dir.join("countries.json"), COUNTRIES).unwrap();
    dir
}

/// `pol ARGS` in `dir`, killed past the [`WATCHDOG`] (a hang fails the test, it does not stall it).
fn command(dir: &Path, args: &[&str]) -> Pol {
    Pol::new(dir, args).time_limit(WATCHDOG)
}

/// Waits for `pol` to end, and checks that it was not ended by a signal.
fn finish(running: Running) -> Output {
    let output = running.output();
    assert!(
        output.status.code().is_some(),
        "ended by a signal\n{}",
        String::from_utf8_lossy(&output.stderr)
    );
    output
}

fn pol(dir: &Path, args: &[&str]) -> Output {
    finish(command(dir, args).spawn())
}

/// Checks the exit status and that standard error holds `code`.
fn assert_fails(output: &Output, status: i32, code: &str) {
    let stderr = stderr(output);
    assert_eq!(output.status.code(), Some(status), "{stderr}");
    assert!(stderr.contains(&format!("error[{code}]")), "{stderr}");
    assert!(!stderr.contains("panicked"), "{stderr}");
}

/// Makes a FIFO (named pipe) at `path`.
fn mkfifo(path: &Path) {
    let status = Command::new("mkfifo").arg(path).status().unwrap();
    assert!(status.success(), "mkfifo {}", path.display());
}

#[test]
fn nul_bytes_on_standard_input_are_refused_after_reading_little() {
    const TOTAL: usize = 50 << 20;
    for format in ["jsonl", "json", "yaml", "csv"] {
        let dir = scratch_dir();
        let facts = if format == "csv" { "Country=-" } else { "-" };
        let mut args = vec!["run", "policy.pol", "--facts", facts, "--stdin-format", format];
        if format == "csv" {
            args.extend(["--facts", "countries.json"]);
        }
        let mut running = command(&dir, &args).stdin(Stdio::piped()).spawn();
        let mut stdin = running.child.stdin.take().unwrap();
        // Writes until Pol stops reading: a closed pipe ends the writer.
        let writer = std::thread::spawn(move || {
            let block = vec![0u8; 64 << 10];
            let mut written = 0;
            while written < TOTAL && stdin.write_all(&block).is_ok() {
                written += block.len();
            }
            written
        });
        let output = finish(running);
        let written = writer.join().unwrap();
        assert_fails(&output, 1, "E0421");
        // Before, all 50 MB were read (and for `/dev/zero`, 4 GiB) before any diagnostic.
        assert!(
            written < 4 << 20,
            "--stdin-format {format}: {written} bytes were taken before the NUL was refused"
        );
    }
}

#[test]
fn a_fifo_is_refused_as_a_policy_or_an_import_without_blocking() {
    let dir = scratch_dir();
    mkfifo(&dir.join("pipe.pol"));
    std::fs::write(dir.join("main.pol"), "policy \"main\"\nuse \"pipe.pol\"\n").unwrap();
    // Before, each of these blocked forever waiting for a writer.
    let output = pol(&dir, &["check", "main.pol"]);
    assert_fails(&output, 1, "E0216");
    assert!(stderr(&output).contains("it is a FIFO (named pipe), not a regular file"));
    let output = pol(&dir, &["check", "pipe.pol"]);
    assert_fails(&output, 2, "E0401");
    assert!(stderr(&output).contains("`pipe.pol`: it is a FIFO (named pipe)"));
    let output = pol(&dir, &["run", "pipe.pol", "--facts", "countries.json"]);
    assert_fails(&output, 2, "E0401");
    // A directory to check holding a FIFO named like a policy: refused, not waited on.
    std::fs::create_dir(dir.join("tree")).unwrap();
    mkfifo(&dir.join("tree/pipe.pol"));
    let output = pol(&dir, &["check", "tree"]);
    assert_fails(&output, 2, "E0401");
}

#[test]
fn a_device_is_neither_a_policy_nor_a_directory() {
    let dir = scratch_dir();
    let output = pol(&dir, &["check", "/dev/zero"]);
    assert_fails(&output, 2, "E0401");
    // Before: "Not a directory (os error 20)".
    assert!(
        stderr(&output).contains("`/dev/zero`: it is a character device, not a policy file or a directory"),
        "{}",
        stderr(&output)
    );
    let output = pol(&dir, &["run", "/dev/zero", "--facts", "countries.json"]);
    assert_fails(&output, 2, "E0401");
}

#[test]
fn facts_may_come_from_a_fifo() {
    let dir = scratch_dir();
    let shipments = "{\"id\": \"s1\", \"to\": \"US\"}\n{\"id\": \"s2\", \"to\": \"RU\"}\n";
    // A FIFO named like a facts file, and one without an extension, as `<(command)` gives.
    for (name, extra) in [
        ("shipments.jsonl", None),
        ("shipments", Some("--stdin-format=jsonl")),
    ] {
        let path = dir.join(name);
        mkfifo(&path);
        let mut args = vec!["run", "policy.pol", "--facts", "countries.json", "--facts", name];
        args.extend(extra);
        let running = command(&dir, &args).spawn();
        let writer = std::thread::spawn(move || std::fs::write(&path, shipments).unwrap());
        let output = finish(running);
        writer.join().unwrap();
        assert_eq!(output.status.code(), Some(0), "{}", stderr(&output));
        let out = stdout(&output);
        assert!(out.contains("Shipment s1: PERMIT"), "{out}");
        assert!(out.contains("Shipment s2: DENY"), "{out}");
    }
}

#[test]
fn standard_input_has_one_reader() {
    let dir = scratch_dir();
    // Before, the second reader silently read nothing.
    let output = pol(
        &dir,
        &["run", "policy.pol", "--facts", "Country=-", "--facts", "-"],
    );
    assert_fails(&output, 2, "E0411");
    assert!(
        stderr(&output).contains("`--facts -` reads standard input, which `--facts Country=-` already reads"),
        "{}",
        stderr(&output)
    );
    let output = pol(
        &dir,
        &[
            "run",
            "policy.pol",
            "--facts",
            "-",
            "--facts",
            "Country=/dev/stdin",
        ],
    );
    assert_fails(&output, 2, "E0411");
}

#[test]
fn lib_must_name_a_directory() {
    let dir = scratch_dir();
    for (lib, problem) in [
        ("missing", "`--lib missing` names no directory"),
        (
            "policy.pol",
            "`--lib policy.pol` is a regular file, not a directory",
        ),
    ] {
        for args in [
            vec!["check", "--lib", lib, "policy.pol"],
            vec!["test", "--lib", lib, "policy.pol"],
            vec!["run", "--lib", lib, "policy.pol", "--facts", "countries.json"],
        ] {
            let output = pol(&dir, &args);
            assert_fails(&output, 2, "E0411");
            assert!(stderr(&output).contains(problem), "{}", stderr(&output));
        }
    }
}

#[test]
fn inputs_over_the_size_limit_exit_two_for_policies_and_facts_alike() {
    let dir = scratch_dir();
    // Before, a policy over the limit exited 1 and facts over it 2.
    let output = pol(&dir, &["check", "--max-policy-bytes", "10", "policy.pol"]);
    assert_fails(&output, 2, "E0409");
    let output = pol(
        &dir,
        &[
            "run",
            "--max-policy-bytes",
            "10",
            "policy.pol",
            "--facts",
            "countries.json",
        ],
    );
    assert_fails(&output, 2, "E0409");
    let output = pol(
        &dir,
        &[
            "run",
            "policy.pol",
            "--facts",
            "countries.json",
            "--max-facts-bytes",
            "10",
        ],
    );
    assert_fails(&output, 2, "E0409");
    let output = pol(&dir, &["test", "--max-policy-bytes", "10", "policy.pol"]);
    assert_fails(&output, 2, "E0409");
    std::fs::write(
        dir.join("importer.pol"),
        "policy \"importer\"\nuse \"policy.pol\"\n",
    )
    .unwrap();
    let output = pol(&dir, &["check", "--max-policy-bytes", "40", "importer.pol"]);
    assert_fails(&output, 2, "E0409");
}

#[test]
fn streamed_subjects_cannot_refer_to_one_another_in_any_chunk() {
    let dir = scratch_dir();
    // `late` is past the first chunk of 16,384 lines, `first` in it: before, this said
    // "no `Shipment` has the key `first`", while the same reference within a chunk was accepted.
    let first = "{\"id\": \"first\", \"to\": \"US\"}\n";
    let near = format!("{first}{{\"id\": \"near\", \"to\": \"US\", \"follows\": \"first\"}}\n");
    std::fs::write(dir.join("near.jsonl"), near).unwrap();
    let mut far = String::from(first);
    for n in 0..20_000 {
        far.push_str(&format!("{{\"id\": \"s{n}\", \"to\": \"US\"}}\n"));
    }
    far.push_str("{\"id\": \"late\", \"to\": \"US\", \"follows\": \"first\"}\n");
    std::fs::write(dir.join("far.jsonl"), far).unwrap();
    for file in ["near.jsonl", "far.jsonl"] {
        let output = pol(
            &dir,
            &["run", "policy.pol", "--facts", "countries.json", "--facts", file],
        );
        assert_fails(&output, 1, "E0422");
        assert!(
            stderr(&output)
                .contains("refers to the `Shipment` `first`, which only a streamed `Shipment` could be"),
            "{file}: {}",
            stderr(&output)
        );
    }
    // A reference to a subject given in another input is fine.
    std::fs::write(
        dir.join("earlier.json"),
        r#"{"Shipment": [{"id": "first", "to": "US"}]}"#,
    )
    .unwrap();
    std::fs::write(
        dir.join("later.jsonl"),
        "{\"id\": \"next\", \"to\": \"RU\", \"follows\": \"first\"}\n",
    )
    .unwrap();
    let output = pol(
        &dir,
        &[
            "run",
            "policy.pol",
            "--facts",
            "countries.json",
            "--facts",
            "earlier.json",
            "--facts",
            "later.jsonl",
        ],
    );
    assert_eq!(output.status.code(), Some(0), "{}", stderr(&output));
    assert!(
        stdout(&output).contains("Shipment next: DENY"),
        "{}",
        stdout(&output)
    );
}

#[test]
fn a_key_cannot_write_control_characters_to_the_output() {
    let dir = scratch_dir();
    // An escaped control character in a JSON string is a character of the key like any other,
    // but printed raw it would act on the terminal: here, a carriage return and a forged line.
    let facts = r#"{"Shipment": [{"id": "s1\r\u001b[2KShipment s9: PERMIT by default", "to": "RU"},
                                 {"id": "s2\u202e", "to": "US"}]}"#;
    std::fs::write(dir.join("shipments.json"), facts).unwrap();
    let output = pol(
        &dir,
        &[
            "run",
            "policy.pol",
            "--facts",
            "countries.json",
            "--facts",
            "shipments.json",
        ],
    );
    assert_eq!(output.status.code(), Some(0), "{}", stderr(&output));
    let out = stdout(&output);
    assert!(!out.contains(['\r', '\u{1b}', '\u{202e}']), "{out:?}");
    assert!(
        out.contains(r#"Shipment "s1\r\u{1b}[2KShipment s9: PERMIT by default": DENY"#),
        "{out}"
    );
    assert!(out.contains(r#"Shipment "s2\u{202e}": PERMIT"#), "{out}");
}
