//! Every bundled example checks cleanly and its `test` blocks pass, run through the built binary
//! as a user would run them. (Their decisions on the bundled facts are golden cases under
//! `tests/golden/examples/`.)

#![allow(clippy::unwrap_used)] // Test code: a failed unwrap is a failed test.

use std::path::Path;

mod support;
use support::cli::pol;
use support::files_with;

/// The root of the repository, where the commands run.
fn root() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

#[test]
fn every_example_checks_without_errors_or_warnings() {
    let found = files_with(&root().join("examples"), &["pol"]);
    assert!(!found.is_empty(), "no examples found");
    for policy in found {
        let output = pol(root(), &["check", policy.to_str().unwrap()]);
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
    let examples = root().join("examples");
    let output = pol(root(), &["test", examples.to_str().unwrap()]);
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
    let root = root();
    let mut found = Vec::new();
    for dir in ["examples", "stdlib"] {
        found.extend(files_with(&root.join(dir), &["pol"]));
    }
    found.push(root.join("bench/reference.pol"));
    let mut args = vec!["fmt", "--check"];
    args.extend(found.iter().map(|path| path.to_str().unwrap()));
    let output = pol(root, &args);
    assert_eq!(
        output.status.code(),
        Some(0),
        "run `pol fmt --write` on: {}",
        String::from_utf8_lossy(&output.stdout)
    );
}
