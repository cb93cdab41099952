//! Command-line conventions: shell completions, the manual page, the version with its commit,
//! and no progress drawn into a pipe.

#![allow(clippy::unwrap_used)] // Test code: a failed unwrap is a failed test.

mod support;

use support::cli::{Pol, WATCHDOG, pol, scratch_dir, scratch_dir_with, stderr, stdout};

#[test]
fn completions_are_printed_for_each_shell() {
    let dir = scratch_dir("completions");
    for (shell, marker, flag) in [
        ("bash", "complete -F", "--mapping"),
        ("zsh", "#compdef pol", "--mapping"),
        ("fish", "complete -c pol", "-l mapping"),
    ] {
        let output = pol(&dir, &["completions", shell]);
        assert_eq!(output.status.code(), Some(0), "{shell}: {}", stderr(&output));
        let script = stdout(&output);
        assert!(script.contains(marker), "{shell}: {script}");
        assert!(script.contains(flag), "{shell} completes the flags of `run`");
    }
    let output = pol(&dir, &["completions", "tcsh"]);
    assert_eq!(output.status.code(), Some(2));
}

#[test]
fn the_manual_page_renders_as_roff() {
    let output = pol(&scratch_dir("man"), &["man"]);
    assert_eq!(output.status.code(), Some(0), "{}", stderr(&output));
    let page = stdout(&output);
    assert!(page.contains(".TH pol 1"), "{page}");
    assert!(page.contains(".SH NAME"), "{page}");
    assert!(
        page.contains("completions"),
        "the page lists the commands: {page}"
    );
}

#[test]
fn the_version_names_the_commit_of_a_checkout() {
    let output = pol(&scratch_dir("version"), &["--version"]);
    assert_eq!(output.status.code(), Some(0));
    let version = stdout(&output);
    let crate_version = env!("CARGO_PKG_VERSION");
    assert!(version.starts_with(&format!("pol {crate_version}")), "{version}");
    let commit = std::process::Command::new("git")
        .args(["rev-parse", "--short", "HEAD"])
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .output()
        .ok()
        .filter(|output| output.status.success())
        .map(|output| String::from_utf8_lossy(&output.stdout).trim().to_owned());
    match commit {
        // Built in a checkout: the commit it was built from (the build may predate a later commit
        // of the same checkout, so only its shape is checked).
        Some(_) => {
            let inside = version.trim().trim_start_matches(&format!("pol {crate_version}"));
            let hash = inside.trim().trim_start_matches('(').trim_end_matches(')');
            assert!(
                hash.len() >= 7 && hash.chars().all(|ch| ch.is_ascii_hexdigit()),
                "{version}"
            );
        }
        None => assert_eq!(version.trim(), format!("pol {crate_version}")),
    }
}

#[test]
fn a_piped_run_draws_no_progress() {
    let mut csv = String::from("to,date\n");
    for idx in 0..40_000 {
        csv.push_str(&format!("C{idx},2024-01-01\n"));
    }
    let policy = "policy \"p\"\nrecord S {\n  to: Text\n  date: Date\n}\ndecide s: S on s.date\ndefault permit because \"ok\"\n";
    let dir = scratch_dir_with("progress", &[("p.pol", policy), ("s.csv", &csv)]);
    let output = Pol::new(&dir, &["run", "p.pol", "--facts", "S=s.csv", "--summary"])
        .time_limit(WATCHDOG)
        .output();
    assert_eq!(output.status.code(), Some(0), "{}", stderr(&output));
    assert_eq!(
        stderr(&output),
        "",
        "nothing but diagnostics on a standard error that is a pipe"
    );
    assert_eq!(stdout(&output).lines().next(), Some("40000 decided"));
}

#[test]
fn a_mapping_no_input_uses_and_an_unknown_included_field_are_usage_errors() {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/golden/mappings");
    let unused = pol(
        &dir,
        &[
            "run",
            "policy.pol",
            "--facts",
            "Shipment=shipments.tsv",
            "--mapping",
            "register.polmap",
            "date_mismatch.polmap",
        ],
    );
    assert_eq!(unused.status.code(), Some(2), "{}", stderr(&unused));
    assert!(stderr(&unused).contains("E0411"), "{}", stderr(&unused));
    let included = pol(
        &dir,
        &[
            "run",
            "policy.pol",
            "--facts",
            "Shipment=shipments.tsv",
            "--include",
            "suplier",
        ],
    );
    assert_eq!(included.status.code(), Some(2));
    assert!(stderr(&included).contains("`supplier`"), "{}", stderr(&included));
}
