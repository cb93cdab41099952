//! Keyless records are numbered alike in fact errors and in decisions: from 1, as lines are, so
//! a row named in one can be found in the other and joined back to its input.

#![allow(clippy::unwrap_used)] // Test code: a failed unwrap is a failed test.

mod support;

use support::cli::{pol, scratch_dir_with, stderr, stdout};

const POLICY: &str = r#"policy "numbering"
record Shipment {
  to: Text
  date: Date
}
decide s: Shipment on s.date
default permit because "nothing forbids it"
rule embargoed: deny {
  when s.to == "XX"
  because "embargoed"
}
"#;

#[test]
fn a_fact_error_and_a_decision_name_the_same_row_alike() {
    let good = "to,date\nJP,2024-01-01\nXX,2024-01-02\n";
    let bad = "to,date\nJP,2024-01-01\nXX,2024-13-02\n";
    let jsonl_bad =
        "{\"to\": \"JP\", \"date\": \"2024-01-01\"}\n{\"to\": \"XX\", \"date\": \"2024-13-02\"}\n";
    let dir = scratch_dir_with(
        "numbering",
        &[
            ("policy.pol", POLICY),
            ("good.csv", good),
            ("bad.csv", bad),
            ("bad.jsonl", jsonl_bad),
        ],
    );
    let decided = pol(&dir, &["run", "policy.pol", "--facts", "Shipment=good.csv"]);
    assert!(stdout(&decided).contains("#2: DENY"), "{}", stdout(&decided));
    for input in ["Shipment=bad.csv", "bad.jsonl"] {
        let failed = pol(&dir, &["run", "policy.pol", "--facts", input]);
        assert_eq!(failed.status.code(), Some(1));
        assert!(
            stderr(&failed).contains("`Shipment[#2].date`"),
            "{input}: {}",
            stderr(&failed)
        );
    }
}
