//! The reference workload: the benchmark policy decides all 10,000 transfers exactly as the
//! oracle in `bench/data/expected-10000.json` says, deciding rules included; and its derivations,
//! recorded in batches, read as the full evaluator's.

#![allow(clippy::unwrap_used)] // Test code: a failed unwrap is a failed test.

use std::path::Path;

use pol::engine::Loaded;
use pol::engine::{Engine, FactsInput, NoFiles};
use pol::eval::{Decision, Evaluator, Options, Scratch, Verdict};
use pol::facts::{Facts, Format};
use pol::report;

fn read(path: &str) -> Vec<u8> {
    std::fs::read(Path::new(env!("CARGO_MANIFEST_DIR")).join(path)).unwrap()
}

fn input(record: &str, path: &str) -> FactsInput {
    FactsInput {
        name: path.to_string(),
        bytes: read(path),
        format: Format::Json,
        record: Some(record.to_string()),
        mapping: None,
    }
}

/// The reference policy and its 10,000 transfers, loaded.
fn load(engine: &mut Engine<'_>) -> (Loaded, Facts) {
    let text = String::from_utf8(read("bench/reference.pol")).unwrap();
    let loaded = engine.load_policy_text("reference.pol", &text, None).unwrap();
    assert!(
        loaded.checked.diagnostics.is_empty(),
        "{:?}",
        loaded.checked.diagnostics
    );
    let facts = engine
        .load_facts(
            &loaded.checked.program,
            vec![
                input("Country", "bench/data/countries.json"),
                input("Item", "bench/data/items.json"),
                input("Transfer", "bench/data/transfers-10000.json"),
            ],
        )
        .unwrap();
    (loaded, facts)
}

#[test]
fn derivations_recorded_in_batches_read_as_the_full_evaluators() {
    let files = NoFiles;
    let mut engine = Engine::new(&files, Vec::new());
    let (loaded, facts) = load(&mut engine);
    let program = &loaded.checked.program;
    let explain = |full_only: bool| {
        let options = Options {
            explain: true,
            full_only,
            ..Options::default()
        };
        let evaluator = Evaluator::new(program, &facts, options).unwrap();
        let subjects: Vec<u32> = evaluator.subjects().collect();
        let mut scratch = Scratch::new();
        let mut texts = Vec::new();
        evaluator.decide_each(&mut scratch, &subjects, |_, decision: Result<&Decision, _>| {
            let decision = decision.unwrap();
            texts.push(report::decision_text(
                program,
                &facts,
                &engine.sources,
                decision,
                0,
            ));
        });
        texts
    };
    let (batches, full) = (explain(false), explain(true));
    assert_eq!(batches.len(), 10_000);
    let differences: Vec<usize> = (0..full.len())
        .filter(|idx| batches[*idx] != full[*idx])
        .collect();
    assert!(
        differences.is_empty(),
        "{} derivations differ, the first:\n{}\nfull evaluator:\n{}",
        differences.len(),
        batches[differences[0]],
        full[differences[0]]
    );
}

#[test]
fn reference_policy_matches_the_oracle_on_every_transfer() {
    let files = NoFiles;
    let mut engine = Engine::new(&files, Vec::new());
    let (loaded, facts) = load(&mut engine);
    let program = &loaded.checked.program;
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

/// One decision per call (`Evaluator::decide_into`: the closures, with the rules screened by the
/// fields they open with) gives every transfer the decision a batch of 64 gives it (the batch
/// path, taken here by asking for derivations, which are then set aside), which the test above
/// holds to the oracle.
#[test]
fn one_decision_per_call_is_the_batch_decision_on_every_transfer() {
    let files = NoFiles;
    let mut engine = Engine::new(&files, Vec::new());
    let (loaded, facts) = load(&mut engine);
    let program = &loaded.checked.program;
    let evaluator = Evaluator::new(program, &facts, Options::default()).unwrap();
    let explaining = Evaluator::new(
        program,
        &facts,
        Options {
            explain: true,
            ..Options::default()
        },
    )
    .unwrap();
    let subjects: Vec<u32> = evaluator.subjects().collect();
    let mut scratch = Scratch::new();
    let mut batches = Vec::new();
    explaining.decide_each(&mut scratch, &subjects, |_, decision| {
        let mut decision = decision.unwrap().clone();
        assert!(decision.trace.is_some());
        decision.trace = None;
        batches.push(decision);
    });
    assert_eq!(batches.len(), 10_000);
    let mut decision = Decision::new(0);
    let differences: Vec<u32> = subjects
        .iter()
        .copied()
        .filter(|subject| {
            evaluator
                .decide_into(&mut scratch, *subject, &mut decision)
                .unwrap();
            decision != batches[*subject as usize]
        })
        .collect();
    assert!(
        differences.is_empty(),
        "{} transfers decided otherwise one per call, the first {:?}",
        differences.len(),
        &differences[..differences.len().min(10)]
    );
}
