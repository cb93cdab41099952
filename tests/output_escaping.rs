//! Hostile keys and texts cannot forge output: control characters, line breaks and bidi
//! controls in keys, reasons and citations are escaped in decisions and diagnostics, on the
//! built `pol` binary; JSON output keeps the exact text, in `\u` escapes.

#![allow(clippy::unwrap_used)] // Test code: a failed unwrap is a failed test.

use std::path::PathBuf;

mod support;
use support::cli::{pol, stderr, stdout};

const POLICY: &str = r#"policy "Hostile keys"

record Transfer key id {
  id: Text
  hot: Bool
  n: Int
}

decide t: Transfer
default permit because "nothing denies this\nTransfer z: PERMIT" cite "Art. 1\u{1b}[2J"

rule deny_hot: deny {
  when t.hot
  because "hot\u{d}\u{202e}"
  cite "Art. 2\n  by nothing"
}

rule overflow: deny {
  when t.n + 1 < 0
}
"#;

/// Keys that try to start a second decision, recolour the terminal, return the carriage or
/// reverse the text.
const HOSTILE_KEYS: [&str; 5] = [
    "x: DENY\n  by deny_hot\nTransfer y",
    "\u{1b}[32mPERMIT\u{1b}[0m",
    "a\rTransfer b: PERMIT",
    "c\u{202e}TIMREP\u{2066}",
    "d\u{85}e\u{2028}f\u{7f}",
];

/// A fresh folder for one test, by its canonical path.
fn scratch_dir() -> PathBuf {
    support::cli::scratch_dir("escaping").canonicalize().unwrap()
}

/// JSON text with DEL and the C1 controls, which serde writes raw, as `\u` escapes: facts
/// readers refuse every raw control character but tab and line ends (E0421).
fn escape_raw_controls(json: &str) -> String {
    json.chars()
        .map(|ch| match ch {
            '\u{7f}'..='\u{9f}' => format!("\\u{:04x}", u32::from(ch)),
            _ => ch.to_string(),
        })
        .collect()
}

/// The facts as JSON, one `Transfer` per hostile key, none hot, none overflowing.
fn json_facts() -> String {
    let transfers: Vec<serde_json::Value> = HOSTILE_KEYS
        .iter()
        .map(|key| serde_json::json!({"id": key, "hot": false, "n": 0}))
        .collect();
    escape_raw_controls(&serde_json::json!({ "Transfer": transfers }).to_string())
}

/// Fails if `text` holds a character that moves the cursor, recolours the terminal or
/// reorders text (a line break is allowed only as the end of a line of output).
fn assert_inert(text: &str) {
    for ch in text.chars() {
        let harmful = (ch.is_control() && ch != '\n')
            || matches!(ch, '\u{061C}' | '\u{200E}' | '\u{200F}' | '\u{2028}' | '\u{2029}' | '\u{202A}'..='\u{202E}' | '\u{2066}'..='\u{2069}');
        assert!(!harmful, "raw {ch:?} in output:\n{text}");
    }
}

/// The lines that start a decision.
fn headers(text: &str) -> Vec<&str> {
    text.lines()
        .filter(|line| line.starts_with("Transfer "))
        .collect()
}

#[test]
fn hostile_keys_print_one_header_per_record_with_nothing_raw() {
    let dir = scratch_dir();
    std::fs::write(dir.join("policy.pol"), POLICY).unwrap();
    std::fs::write(dir.join("facts.json"), json_facts()).unwrap();
    let output = pol(&dir, &["run", "policy.pol", "--facts", "facts.json"]);
    assert_eq!(output.status.code(), Some(0));
    let text = stdout(&output);
    assert_inert(&text);
    assert_eq!(headers(&text).len(), HOSTILE_KEYS.len(), "{text}");
    assert!(
        text.starts_with("Transfer \"x: DENY\\n  by deny_hot\\nTransfer y\": PERMIT by default"),
        "{text}"
    );
    assert!(
        text.contains("Transfer \"\\u{1b}[32mPERMIT\\u{1b}[0m\": PERMIT by default"),
        "{text}"
    );
    assert!(
        text.contains("Transfer \"c\\u{202e}TIMREP\\u{2066}\": PERMIT"),
        "{text}"
    );
    assert!(
        text.contains("nothing denies this\\nTransfer z: PERMIT\n  cite: Art. 1\\u{1b}[2J\n"),
        "{text}"
    );
}

#[test]
fn hostile_keys_from_csv_and_a_subject_stream_are_escaped() {
    let dir = scratch_dir();
    std::fs::write(dir.join("policy.pol"), POLICY).unwrap();
    // CSV has no escapes: only line breaks and bidi controls can stand in a cell (a raw ESC, DEL
    // or C1 control is refused, E0421).
    let csv_keys: Vec<&str> = HOSTILE_KEYS
        .iter()
        .copied()
        .filter(|key| {
            !key.chars()
                .any(|ch| ch.is_control() && !matches!(ch, '\n' | '\r'))
        })
        .collect();
    let mut csv = String::from("id,hot,n\n");
    for key in &csv_keys {
        csv.push_str(&format!("\"{key}\",true,0\n"));
    }
    std::fs::write(dir.join("facts.csv"), csv).unwrap();
    let jsonl: String = HOSTILE_KEYS
        .iter()
        .map(|key| {
            format!(
                "{}\n",
                escape_raw_controls(&serde_json::json!({"id": key, "hot": true, "n": 0}).to_string())
            )
        })
        .collect();
    std::fs::write(dir.join("facts.jsonl"), jsonl).unwrap();
    for (facts, n_keys) in [
        ("Transfer=facts.csv", csv_keys.len()),
        ("facts.jsonl", HOSTILE_KEYS.len()),
    ] {
        let output = pol(&dir, &["run", "policy.pol", "--facts", facts]);
        assert_eq!(output.status.code(), Some(0), "{facts}");
        let text = stdout(&output);
        assert_inert(&text);
        assert_eq!(headers(&text).len(), n_keys, "{facts}:\n{text}");
        // The deny rule's reason and citation are policy text: escaped too.
        assert!(
            text.contains("  by deny_hot: hot\\r\\u{202e}\n     cite: Art. 2\\n  by nothing\n"),
            "{text}"
        );
    }
}

#[test]
fn hostile_keys_keep_their_exact_text_in_json() {
    let dir = scratch_dir();
    std::fs::write(dir.join("policy.pol"), POLICY).unwrap();
    std::fs::write(dir.join("facts.json"), json_facts()).unwrap();
    let output = pol(
        &dir,
        &["run", "policy.pol", "--facts", "facts.json", "--format", "json"],
    );
    assert_eq!(output.status.code(), Some(0));
    let text = stdout(&output);
    // C1 and bidi controls, which JSON allows raw, are `\u` escapes too.
    assert_inert(&text);
    assert!(text.contains(r"c\u202eTIMREP\u2066"), "{text}");
    let lines: Vec<&str> = text.lines().collect();
    assert_eq!(lines.len(), HOSTILE_KEYS.len(), "{text}");
    for (line, key) in lines.iter().zip(HOSTILE_KEYS) {
        let decision: serde_json::Value = serde_json::from_str(line).unwrap();
        assert_eq!(decision["key"], key);
        assert_eq!(decision["citation"], "Art. 1\u{1b}[2J");
    }
}

#[test]
fn a_hostile_key_in_a_facts_diagnostic_is_escaped() {
    let dir = scratch_dir();
    std::fs::write(dir.join("policy.pol"), POLICY).unwrap();
    let key = HOSTILE_KEYS[0];
    let facts = serde_json::json!({"Transfer": [
        {"id": key, "hot": false, "n": 0},
        {"id": key, "hot": true, "n": 0},
    ]});
    std::fs::write(dir.join("facts.json"), facts.to_string()).unwrap();
    let output = pol(
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
    assert_eq!(output.status.code(), Some(1));
    let text = stderr(&output);
    assert_inert(text.trim_end());
    let report: serde_json::Value = serde_json::from_str(&text).unwrap();
    // Messages quote a key escaped (and cut if it is long), as text output does.
    assert!(
        report["diagnostics"][0]["message"]
            .as_str()
            .unwrap()
            .contains("x: DENY\\n  by deny_hot\\nTransfer y")
    );
    for diagnostics in ["plain", "narrated"] {
        let output = pol(
            &dir,
            &[
                "run",
                "policy.pol",
                "--facts",
                "facts.json",
                "--diagnostics",
                diagnostics,
            ],
        );
        assert_eq!(output.status.code(), Some(1));
        let text = stderr(&output);
        assert_inert(&text);
        assert!(
            text.contains("two `Transfer` facts have the key `x: DENY\\n  by deny_hot\\nTransfer y`"),
            "{text}"
        );
    }
}

#[test]
fn a_hostile_key_of_a_failed_decision_is_escaped() {
    let dir = scratch_dir();
    std::fs::write(dir.join("policy.pol"), POLICY).unwrap();
    let facts = serde_json::json!({"Transfer": [{"id": HOSTILE_KEYS[1], "hot": false, "n": i64::MAX}]});
    std::fs::write(dir.join("facts.json"), facts.to_string()).unwrap();
    let output = pol(&dir, &["run", "policy.pol", "--facts", "facts.json"]);
    assert_eq!(output.status.code(), Some(1));
    let out = stdout(&output);
    let err = stderr(&output);
    assert_inert(&out);
    assert_inert(&err);
    assert!(
        out.starts_with("Transfer \"\\u{1b}[32mPERMIT\\u{1b}[0m\": ERROR, no decision"),
        "{out}"
    );
    assert!(err.contains("\\u{1b}[32mPERMIT\\u{1b}[0m"), "{err}");
}
