//! Every bundled example checks cleanly and its `test` blocks pass, run through the built binary
//! as a user would run them. (Their decisions on the bundled facts are golden cases under
//! `tests/golden/examples/`.)

#![allow(clippy::unwrap_used)] // Test code: a failed unwrap is a failed test.

use std::path::Path;
use std::process::Command;

mod support;
use support::files_with;

#[test]
fn every_example_checks_without_errors_or_warnings() {
    let found = files_with(&Path::new(env!("CARGO_MANIFEST_DIR")).join("examples"), &["pol"]);
    assert!(!found.is_empty(), "no examples found");
    for policy in found {
        let output = Command::new(env!("CARGO_BIN_EXE_pol"))
            .arg("check")
            .arg(&policy)
            .output()
            .unwrap();
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert_eq!(output.status.code(), Some(0), "{}: {stderr}", policy.display());
        assert!(
            stderr.starts_with("no problems found"),
            "{}: {stderr}",
            policy.display()
        );
    }
}

#[test]
fn every_example_test_passes() {
    let output = Command::new(env!("CARGO_BIN_EXE_pol"))
        .arg("test")
        .arg(Path::new(env!("CARGO_MANIFEST_DIR")).join("examples"))
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert_eq!(
        output.status.code(),
        Some(0),
        "{stdout}\n{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let summary = stdout.lines().last().unwrap_or_default();
    let passed: usize = summary.split_whitespace().next().unwrap().parse().unwrap();
    assert!(passed >= 5, "too few example tests ran: {summary}");
}

#[test]
fn bundled_policies_are_in_canonical_form() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut found = Vec::new();
    for dir in ["examples", "stdlib"] {
        found.extend(files_with(&root.join(dir), &["pol"]));
    }
    found.push(root.join("bench/reference.pol"));
    let output = Command::new(env!("CARGO_BIN_EXE_pol"))
        .arg("fmt")
        .arg("--check")
        .args(&found)
        .output()
        .unwrap();
    assert_eq!(
        output.status.code(),
        Some(0),
        "run `pol fmt --write` on: {}",
        String::from_utf8_lossy(&output.stdout)
    );
}
