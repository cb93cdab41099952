//! CSV and TSV inputs of the decided records stream in chunks, as JSON Lines do: rows are
//! numbered across chunks, and a problem in a later chunk names its file, the line the chunk
//! starts on, and the row's number in the whole input.

#![allow(clippy::unwrap_used)] // Test code: a failed unwrap is a failed test.

mod support;

use support::cli::{Pol, WATCHDOG, scratch_dir_with, stderr, stdout};

const POLICY: &str = "policy \"p\"\nrecord S {\n  to: Text\n  date: Date\n}\ndecide s: S on s.date\ndefault permit because \"ok\"\nrule xx: deny {\n  when s.to == \"XX\"\n  because \"embargoed\"\n}\n";

/// A table of `n` rows, separated by `delimiter`, whose row `deny_at` (from 1) goes to `XX`.
fn table(n: usize, delimiter: char, deny_at: usize, date_at: Option<usize>) -> String {
    let mut text = format!("to{delimiter}date\n");
    for idx in 1..=n {
        let to = if idx == deny_at { "XX" } else { "JP" };
        let date = if Some(idx) == date_at {
            "2024-02-30"
        } else {
            "2024-01-01"
        };
        text.push_str(&format!("{to}{delimiter}{date}\n"));
    }
    text
}

#[test]
fn rows_are_numbered_across_chunks() {
    for (name, delimiter) in [("s.csv", ','), ("s.tsv", '\t')] {
        let dir = scratch_dir_with(
            "stream_rows",
            &[("p.pol", POLICY), (name, &table(40_000, delimiter, 30_001, None))],
        );
        let input = format!("S={name}");
        let output = Pol::new(&dir, &["run", "p.pol", "--facts", &input, "--only", "deny"])
            .time_limit(WATCHDOG)
            .output();
        assert_eq!(output.status.code(), Some(0), "{}", stderr(&output));
        assert_eq!(stdout(&output).lines().next(), Some("S #30001: DENY"), "{name}");
    }
}

#[test]
fn a_bad_row_in_a_later_chunk_is_named_by_its_line_and_number() {
    let dir = scratch_dir_with(
        "stream_error",
        &[("p.pol", POLICY), ("s.csv", &table(40_000, ',', 0, Some(30_001)))],
    );
    let output = Pol::new(&dir, &["run", "p.pol", "--facts", "S=s.csv"])
        .time_limit(WATCHDOG)
        .output();
    assert_eq!(output.status.code(), Some(1));
    let errors = stderr(&output);
    // The chunks hold 16,384 rows: the second starts on line 16,386 (the header is line 1).
    assert!(errors.contains("s.csv (from line 16386)"), "{errors}");
    assert!(errors.contains("`S[#30001].date`"), "{errors}");
}
