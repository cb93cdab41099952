//! Tidy checks over the repository's own files: rules of the style guide that a reader relies
//! on and that no compiler checks.

#![allow(clippy::unwrap_used)] // Test code: a failed unwrap is a failed test.

mod support;

use std::path::Path;

/// Every Rust file opens with a `//!` line saying what it holds, so a newcomer can tell a file's
/// job from its first line (the style guide, section 7).
#[test]
fn every_rust_file_opens_with_a_line_saying_what_it_is_for() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut missing = Vec::new();
    for folder in ["src", "tests", "benches", "fuzz/fuzz_targets"] {
        for path in support::files_with(&root.join(folder), &["rs"]) {
            let text = std::fs::read_to_string(&path).unwrap();
            if !text.starts_with("//! ") {
                missing.push(path.strip_prefix(root).unwrap().display().to_string());
            }
        }
    }
    assert!(
        missing.is_empty(),
        "these files do not open with a `//!` line saying what they hold:\n{}",
        missing.join("\n")
    );
}
