//! The reference workload: the benchmark policy decides all 10,000 transfers exactly as the
//! oracle in `bench/data/expected-10000.json` says, deciding rules included.

#![allow(clippy::unwrap_used)] // Test code: a failed unwrap is a failed test.

use std::path::Path;

use pol::engine::{Engine, FactsInput, NoFiles};
use pol::eval::{Options, Verdict};
use pol::facts::Format;

fn read(path: &str) -> Vec<u8> {
    std::fs::read(Path::new(env!("CARGO_MANIFEST_DIR")).join(path)).unwrap()
}

fn input(record: &str, path: &str) -> FactsInput {
    FactsInput {
        name: path.to_string(),
        bytes: read(path),
        format: Format::Json,
        record: Some(record.to_string()),
    }
}

#[test]
fn reference_policy_matches_the_oracle_on_every_transfer() {
    let files = NoFiles;
    let mut engine = Engine::new(&files, Vec::new());
    let text = String::from_utf8(read("bench/reference.pol")).unwrap();
    let loaded = engine.load_policy_text("reference.pol", &text, None).unwrap();
    assert!(
        loaded.checked.warnings.is_empty(),
        "{:?}",
        loaded.checked.warnings
    );
    let program = &loaded.checked.program;
    let facts = engine
        .load_facts(
            program,
            vec![
                input("Country", "bench/data/countries.json"),
                input("Item", "bench/data/items.json"),
                input("Transfer", "bench/data/transfers-10000.json"),
            ],
        )
        .unwrap();
    let decisions = engine.decide_all(program, &facts, Options::default()).unwrap();
    let expected: serde_json::Value =
        serde_json::from_slice(&read("bench/data/expected-10000.json")).unwrap();
    let expected = expected.as_array().unwrap();
    assert_eq!(decisions.len(), expected.len());
    let mut differences = Vec::new();
    for (idx, (decision, expected)) in decisions.iter().zip(expected).enumerate() {
        let decision = decision.as_ref().unwrap();
        let allow = expected["allow"].as_bool().unwrap();
        let mut wanted: Vec<String> = expected["rules"]
            .as_array()
            .unwrap()
            .iter()
            .map(|rule| rule.as_str().unwrap().replace('-', "_"))
            .collect();
        wanted.sort();
        let mut actual: Vec<String> = decision
            .deciding
            .iter()
            .map(|rule| program.rules[rule.idx()].name.clone())
            .collect();
        actual.sort();
        if (decision.verdict == Verdict::Permit) != allow
            || decision.verdict == Verdict::Undecided
            || actual != wanted
        {
            differences.push(format!(
                "transfer {idx}: expected allow={allow} by {wanted:?}, got {} by {actual:?}",
                decision.verdict.as_str()
            ));
        }
    }
    assert!(
        differences.is_empty(),
        "{} differences, first: {:#?}",
        differences.len(),
        &differences[..differences.len().min(10)]
    );
}
