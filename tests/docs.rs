//! The language reference's examples work: every `pol` block of `docs/language.md` checks without
//! errors, and its `test` blocks pass.
//!
//! A block that starts with `policy` or `module` stands alone; any other block is appended to the
//! first block of the page, without its tests (and without its `decide` and `default` lines when
//! the block has its own).

#![allow(clippy::unwrap_used)] // Test code: a failed unwrap is a failed test.

use std::path::Path;

use pol::engine::testing::run_tests;
use pol::engine::{Engine, NoFiles};
use pol::eval::Limits;

fn pol_blocks(markdown: &str) -> Vec<(usize, String)> {
    let mut blocks = Vec::new();
    let mut current: Option<(usize, String)> = None;
    for (idx, line) in markdown.lines().enumerate() {
        match &mut current {
            None if line.trim() == "```pol" => current = Some((idx + 2, String::new())),
            Some(_) if line.trim() == "```" => blocks.push(current.take().unwrap()),
            Some((_, text)) => {
                text.push_str(line);
                text.push('\n');
            }
            None => {}
        }
    }
    blocks
}

fn stands_alone(block: &str) -> bool {
    block
        .lines()
        .map(str::trim)
        .find(|line| !line.is_empty() && !line.starts_with("//"))
        .is_some_and(|line| line.starts_with("policy ") || line.starts_with("module "))
}

#[test]
fn every_language_example_checks_and_its_tests_pass() {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("docs/language.md");
    let markdown = std::fs::read_to_string(path).unwrap();
    let blocks = pol_blocks(&markdown);
    assert!(blocks.len() >= 10, "docs/language.md lost its examples");
    // The first block's own tests run once, with the block alone; fragments are appended to the
    // block without them, since a fragment may add rules that change their outcome.
    let base = match blocks[0].1.find("\ntest ") {
        Some(end) => blocks[0].1[..end + 1].to_string(),
        None => blocks[0].1.clone(),
    };
    let mut failures = Vec::new();
    let mut n_tests = 0;
    for (line, block) in &blocks {
        let text = if stands_alone(block) {
            block.clone()
        } else {
            let base: String = if block.contains("decide ") {
                base.lines()
                    .filter(|line| !line.starts_with("decide ") && !line.starts_with("default "))
                    .map(|line| format!("{line}\n"))
                    .collect()
            } else {
                base.clone()
            };
            format!("{base}\n{block}")
        };
        let files = NoFiles;
        let mut engine = Engine::new(&files, Vec::new());
        match engine.load_policy_text("example.pol", &text, None) {
            Err(diagnostics) => failures.push(format!("block at line {line}: {diagnostics:#?}")),
            Ok(loaded) => {
                for report in run_tests(&loaded.checked.program, None, Limits::default()) {
                    n_tests += 1;
                    if !report.passed() {
                        failures.push(format!(
                            "block at line {line}: test `{}`: {:#?}",
                            report.name, report.failures
                        ));
                    }
                }
            }
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n\n"));
    assert!(n_tests >= 2, "the examples' tests did not run");
}

/// The README's first policy and its facts are the golden case `tests/golden/readme/`, so the
/// output the README describes is checked.
#[test]
fn readme_example_is_a_golden_case() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let readme = std::fs::read_to_string(root.join("README.md")).unwrap();
    let block = |fence: &str| -> String {
        let start = readme.find(fence).unwrap() + fence.len();
        let end = start + readme[start..].find("```").unwrap();
        readme[start..end].to_string()
    };
    let golden = std::fs::read_to_string(root.join("tests/golden/readme/first_policy.pol")).unwrap();
    let golden_policy: String = golden.lines().skip(2).map(|line| format!("{line}\n")).collect();
    assert_eq!(block("```pol\n"), golden_policy);
    let golden_facts = std::fs::read_to_string(root.join("tests/golden/readme/first_policy.json")).unwrap();
    assert_eq!(block("```json\n"), golden_facts);
}
