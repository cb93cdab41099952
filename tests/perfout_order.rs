//! Decisions of a streamed input are formatted on every core but printed in input order: a
//! stream of many chunks prints, byte for byte, what the same subjects print when read whole.

#![allow(clippy::unwrap_used)] // Test code: a failed unwrap is a failed test.

mod support;

use support::cli::{pol, scratch_dir_with, stdout};

const POLICY: &str = "policy \"p\"\nrecord S key id {\n  id: Text\n  to: Text\n  n: Int\n}\ndecide s: S\ndefault permit because \"ok\"\nrule xx: deny {\n  when s.to == \"XX\"\n  because \"embargoed\"\n}\nrule big: deny {\n  when s.n > 7\n  because \"too many\"\n}\n";

/// `n` subjects, a few of them denied by one rule or both, as JSON Lines and as one JSON array.
fn subjects(n: usize) -> (String, String) {
    let lines: Vec<String> = (0..n)
        .map(|idx| {
            let to = if idx % 7 == 3 { "XX" } else { "JP" };
            format!("{{\"id\":\"s{idx}\",\"to\":\"{to}\",\"n\":{}}}", idx % 11)
        })
        .collect();
    (lines.join("\n") + "\n", format!("[{}]", lines.join(",\n")))
}

#[test]
fn a_stream_of_many_chunks_prints_what_the_whole_input_prints_in_order() {
    let (jsonl, json) = subjects(40_000);
    let dir = scratch_dir_with(
        "perfout-order",
        &[("p.pol", POLICY), ("s.jsonl", &jsonl), ("s.json", &json)],
    );
    for extra in [
        &["--format", "text"][..],
        &["--format", "json"],
        &["--format", "csv"],
        &["--format", "json", "--only", "deny", "--include", "to"],
        &["--format", "text", "--explain"],
        &["--format", "json", "--explain"],
        &["--format", "json", "--explain=compact"],
        &["--format", "json", "--explain=compact", "--include", "to"],
        &["--summary"],
    ] {
        let run = |facts: &str| {
            let mut args = vec!["run", "p.pol", "--facts", facts];
            args.extend_from_slice(extra);
            let output = pol(&dir, &args);
            assert_eq!(output.status.code(), Some(0), "{extra:?}");
            stdout(&output)
        };
        let streamed = run("S=s.jsonl");
        let whole = run("S=s.json");
        assert!(streamed.len() > 40_000 || extra == ["--summary"], "{extra:?}");
        assert_eq!(streamed, whole, "{extra:?}");
    }
    // The keys come out in input order.
    let output = pol(&dir, &["run", "p.pol", "--facts", "S=s.jsonl", "--format", "csv"]);
    let keys: Vec<String> = stdout(&output)
        .lines()
        .skip(1)
        .map(|line| line.split(',').nth(1).unwrap().to_string())
        .collect();
    let expected: Vec<String> = (0..40_000).map(|idx| format!("s{idx}")).collect();
    assert_eq!(keys, expected);
}
