//! Decisions in batches of 64 (`Evaluator::decide_each`) against the same subjects decided one per
//! call (`Evaluator::decide_into`), on the oracle's random policies and facts, where any field may
//! be known, none or unknown and constants may fail: verdicts, deciding rules, missing facts,
//! errors and derivations must be the same whichever path computed them.

#![allow(clippy::unwrap_used)] // Test code: a failed unwrap is a failed test.

// The oracle's generator, shared with `tests/oracle.rs`; this crate uses only part of it.
#[allow(dead_code)]
#[path = "oracle/generate.rs"]
mod generate;
#[allow(dead_code)]
#[path = "oracle/model.rs"]
mod model;
#[allow(dead_code)]
#[path = "oracle/reference.rs"]
mod reference;
mod support;

use proptest::prelude::*;
use proptest::test_runner::{Config, RngSeed};

use pol::engine::{Engine, NoFiles};
use pol::eval::{Decision, Evaluator, LawDate, Options, Scratch};
use pol::value::Date;

use reference::Law;
use support::engine::json_facts;

static NO_FILES: NoFiles = NoFiles;

/// A decision or a failure as text that two paths must agree on: the whole decision (with its
/// derivation, read through), or the failure's code, message and place.
fn shown(decision: Result<&Decision, pol::diagnostic::Diagnostic>) -> String {
    match decision {
        Ok(decision) => format!("{decision:?}"),
        Err(diagnostic) => format!(
            "failed: {}: {} at {:?}",
            diagnostic.code.as_str(),
            diagnostic.message,
            diagnostic.primary.map(|label| label.span)
        ),
    }
}

/// Every subject's decision in batches, then each alone, under `options`.
fn both_paths(
    program: &pol::check::ir::Program,
    facts: &pol::facts::Facts,
    options: Options,
) -> (Vec<String>, Vec<String>) {
    let evaluator = match Evaluator::new(program, facts, options) {
        Ok(evaluator) => evaluator,
        // A constant that fails fails the run, whichever path would have decided.
        Err(_) => return (Vec::new(), Vec::new()),
    };
    let subjects: Vec<u32> = evaluator.subjects().collect();
    let mut scratch = Scratch::new();
    let mut batched = Vec::with_capacity(subjects.len());
    evaluator.decide_each(&mut scratch, &subjects, |_, decision| {
        batched.push(shown(decision));
    });
    let mut decision = Decision::new(0);
    let alone = subjects
        .iter()
        .map(|subject| {
            let result = evaluator.decide_into(&mut scratch, *subject, &mut decision);
            shown(result.map(|()| &decision))
        })
        .collect();
    (batched, alone)
}

fn options(law: Law, explain: bool) -> Options {
    Options {
        law: match law {
            Law::SubjectDate => LawDate::SubjectDate,
            Law::AsOf(day) => LawDate::AsOf(Date::from_ymd(day.year, day.month, day.day).unwrap()),
        },
        explain,
        ..Options::default()
    }
}

proptest! {
    #![proptest_config(Config {
        cases: 96,
        failure_persistence: None,
        rng_seed: RngSeed::Fixed(0xBA7C_4000_0064_0064),
        ..Config::default()
    })]

    #[test]
    fn batches_decide_and_explain_as_one_subject_per_call(case in generate::case_with(true)) {
        let text = case.policy.text();
        let mut engine = Engine::new(&NO_FILES, Vec::new());
        let loaded = engine.load_policy_text("oracle.pol", &text, None).unwrap();
        let program = loaded.checked.program;
        let many = generate::scrambled_transfers(&case.facts[0], 700);
        let input = json_facts("facts.json", &many.json(case.spelling));
        let facts = engine.load_facts(&program, vec![input]).unwrap();
        for explain in [false, true] {
            let (batched, alone) = both_paths(&program, &facts, options(case.law, explain));
            prop_assert_eq!(batched.len(), alone.len());
            for (row, (batched, alone)) in batched.iter().zip(&alone).enumerate() {
                prop_assert!(
                    batched == alone,
                    "transfer t{} (explain: {}) in batches:\n{}\none per call:\n{}\n{}",
                    row, explain, batched, alone, text
                );
            }
        }
    }
}
