//! The `pol diff` runs the docs show are what `pol diff` prints: every `$ pol …` line of a
//! `console` block of `docs/diff.md` (run from the repository's root) and of the Japanese
//! example's README (run from its folder, the changes of 2023, 2024 and 2026) is run, and its
//! standard output compared with the lines that follow it in the block.

#![allow(clippy::unwrap_used)] // Test code: a failed unwrap is a failed test.

use std::path::Path;

mod support;
use support::cli::{pol, stdout};
use support::engine::repo_text;

/// The commands of the `console` blocks of `markdown`, each with its line number and the output
/// shown after it.
fn commands(markdown: &str) -> Vec<(usize, String, String)> {
    let mut found: Vec<(usize, String, String)> = Vec::new();
    let mut in_block = false;
    for (idx, line) in markdown.lines().enumerate() {
        match line.trim_end() {
            "```console" if !in_block => in_block = true,
            "```" if in_block => in_block = false,
            _ if !in_block => {}
            command if command.starts_with("$ pol ") => {
                found.push((idx + 1, command["$ pol ".len()..].to_string(), String::new()));
            }
            output => {
                let (_, _, shown) = found.last_mut().expect("a console block starts with a command");
                shown.push_str(output);
                shown.push('\n');
            }
        }
    }
    found
}

/// Runs every command of the page at `page` in `dir` and compares its output with the page's.
fn check_page(page: &str, dir: &Path) {
    let found = commands(&repo_text(page));
    assert!(!found.is_empty(), "{page} shows no `pol` command");
    for (line, command, shown) in found {
        let args: Vec<&str> = command.split_whitespace().collect();
        let output = pol(dir, &args);
        let printed = stdout(&output);
        assert!(
            printed == shown,
            "{page}:{line}: `pol {command}` prints\n{printed}\nbut the page shows\n{shown}\n(run it and paste its output)"
        );
    }
}

#[test]
fn the_runs_of_the_diff_page_are_what_pol_diff_prints() {
    check_page("docs/diff.md", Path::new(env!("CARGO_MANIFEST_DIR")));
}

#[test]
fn the_runs_of_the_japanese_example_are_what_pol_diff_prints() {
    check_page(
        "examples/japan/README.md",
        &Path::new(env!("CARGO_MANIFEST_DIR")).join("examples/japan"),
    );
}
