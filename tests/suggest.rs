//! Did-you-mean suggestions on hostile input, through the built `pol` binary: long misspelt keys
//! and names once made every suggestion compare every long candidate in full (over 30 seconds for
//! the inputs below); the shared bounded search must answer them.
//! The bound on its work is asserted deterministically by the unit tests of
//! `src/diagnostic/suggest.rs` (`work_per_call_is_bounded`); here a watchdog only turns a hang
//! into a failure.
//! The inputs are generated at test time into the target's temporary folder.

#![allow(clippy::unwrap_used)] // Test code: a failed unwrap is a failed test.

use std::path::Path;

mod support;
use support::cli::{Pol, WATCHDOG, scratch_dir, stderr};

const SCHEMA: &str = r#"policy "long names"

record Country key code {
  code: Text
  embargo: Bool
}

record Item key id {
  id: Text
  parts: Int
  origin: Country?
}

record Transfer key id {
  id: Text
  item: Item
  date: Date
}

decide t: Transfer on t.date
default deny because "no rule permits this transfer"
"#;

/// A deterministic text of `len` letters from `a` to `j`, different for each seed.
fn letters(seed: u64, len: usize) -> String {
    let mut state = seed.wrapping_mul(6_364_136_223_846_793_005).wrapping_add(1);
    (0..len)
        .map(|_| {
            state = state
                .wrapping_mul(6_364_136_223_846_793_005)
                .wrapping_add(1_442_695_040_888_963_407);
            char::from(b'a' + ((state >> 33) % 10) as u8)
        })
        .collect()
}

/// Runs `pol ARGS` in `dir`, killing it past the [`WATCHDOG`]; the exit status and standard error.
fn pol(dir: &Path, args: &[&str]) -> (i32, String) {
    let output = Pol::new(dir, args).time_limit(WATCHDOG).output();
    (output.status.code().unwrap_or(-1), stderr(&output))
}

#[test]
fn dangling_references_to_long_keys_are_each_reported() {
    let dir = scratch_dir("suggest-dangling");
    std::fs::write(dir.join("policy.pol"), SCHEMA).unwrap();
    // 100 countries with keys of 1,000 letters, and 100 items naming keys no country has.
    let countries: Vec<String> = (0..100)
        .map(|n| format!(r#"{{"code": "{}", "embargo": false}}"#, letters(n, 1000)))
        .collect();
    let items: Vec<String> = (0..100)
        .map(|n| {
            format!(
                r#"{{"id": "i{n}", "parts": 1, "origin": "{}"}}"#,
                letters(1000 + n, 1000)
            )
        })
        .collect();
    let facts = format!(
        r#"{{"Country": [{}], "Item": [{}], "Transfer": []}}"#,
        countries.join(", "),
        items.join(", ")
    );
    assert!(facts.len() > 200_000);
    std::fs::write(dir.join("facts.json"), facts).unwrap();
    let (status, stderr) = pol(
        &dir,
        &[
            "run",
            "policy.pol",
            "--facts",
            "facts.json",
            "--diagnostics",
            "json",
        ],
    );
    assert_eq!(status, 1, "{stderr}");
    assert_eq!(stderr.matches("\"E0406\"").count(), 100, "{stderr}");
}

#[test]
fn misspelt_long_names_are_reported_up_to_the_cap() {
    let dir = scratch_dir("suggest-names");
    // 300 definitions with names of 300 letters, and 300 rules naming names no one defined.
    let mut policy = String::from(SCHEMA);
    for n in 0..300 {
        policy.push_str(&format!("let {} = 1\n", letters(n, 300)));
    }
    for n in 0..300 {
        policy.push_str(&format!(
            "rule r{n}: deny {{\n  when t.item.parts == {}\n}}\n",
            letters(1000 + n, 300)
        ));
    }
    std::fs::write(dir.join("policy.pol"), policy).unwrap();
    let (status, stderr) = pol(&dir, &["check", "policy.pol", "--diagnostics", "json"]);
    assert_eq!(status, 1, "{stderr}");
    // A policy's diagnostics are capped at 100, the last saying how many more there are.
    assert!(
        stderr.contains("200 more problems in the policy are not shown"),
        "{stderr}"
    );
    assert_eq!(stderr.matches("\"E0201\"").count(), 101, "{stderr}");
}

#[test]
fn a_short_misspelt_key_among_many_long_ones_is_still_suggested() {
    let dir = scratch_dir("suggest-mixed");
    std::fs::write(dir.join("policy.pol"), SCHEMA).unwrap();
    let mut countries: Vec<String> = (0..100)
        .map(|n| format!(r#"{{"code": "{}", "embargo": false}}"#, letters(n, 1000)))
        .collect();
    countries.push(r#"{"code": "Côte d'Ivoire", "embargo": false}"#.into());
    let facts = format!(
        r#"{{"Country": [{}], "Item": [{{"id": "i1", "parts": 1, "origin": "cote d’ivoire"}}], "Transfer": []}}"#,
        countries.join(", ")
    );
    std::fs::write(dir.join("facts.json"), facts).unwrap();
    let (status, stderr) = pol(
        &dir,
        &[
            "run",
            "policy.pol",
            "--facts",
            "facts.json",
            "--diagnostics",
            "plain",
        ],
    );
    assert_eq!(status, 1, "{stderr}");
    assert!(
        stderr.contains("a similar key exists: `Côte d'Ivoire`"),
        "{stderr}"
    );
}
