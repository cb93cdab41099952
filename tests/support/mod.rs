//! Helpers shared by the integration tests: the file walker here, running the built `pol`
//! binary in `cli`, driving the library's `Engine` in `engine`, validating JSON against a
//! documented schema in `schema`.

// Each integration test is its own crate and includes this module whole, but uses only some of
// its helpers; the others would be reported as dead code in that crate.
#![allow(dead_code)]

pub mod cli;
pub mod engine;
pub mod schema;

use std::path::{Path, PathBuf};

/// Every file below `dir` whose extension is one of `extensions`, in sorted order.
pub fn files_with(dir: &Path, extensions: &[&str]) -> Vec<PathBuf> {
    let mut found = Vec::new();
    collect(dir, extensions, &mut found);
    found
}

fn collect(dir: &Path, extensions: &[&str], found: &mut Vec<PathBuf>) {
    let mut entries: Vec<PathBuf> = std::fs::read_dir(dir)
        .expect("test folders are readable")
        .map(|entry| entry.expect("test folders are readable").path())
        .collect();
    entries.sort();
    for path in entries {
        if path.is_dir() {
            collect(&path, extensions, found);
        } else if path
            .extension()
            .is_some_and(|ext| extensions.iter().any(|wanted| ext == *wanted))
        {
            found.push(path);
        }
    }
}
