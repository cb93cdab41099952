//! A policy and JSON facts, split at the first NUL byte: load both, decide every subject with
//! small budgets and explanations on, and report. Any diagnostic is a pass; a panic, a hang or
//! running out of memory is a finding, and so is a subject that the fast path (in batches or
//! alone) and the full evaluator decide or explain differently.

#![no_main]

mod common;

use libfuzzer_sys::fuzz_target;
use pol::engine::{Engine, FactsInput, NoFiles};
use pol::eval::{Decision, Evaluator, Options, Scratch, limits::Limits};
use pol::facts::Format;
use pol::report;

fuzz_target!(|data: &[u8]| {
    let (policy, facts) = match data.iter().position(|byte| *byte == 0) {
        Some(at) => (&data[..at], &data[at + 1..]),
        None => (data, &b"[]"[..]),
    };
    let Ok(policy) = std::str::from_utf8(policy) else {
        return;
    };
    let files = NoFiles;
    let mut engine = Engine::new(&files, Vec::new());
    engine.max_nesting = 64;
    let loaded = match engine.load_policy_text("fuzz.pol", policy, None) {
        Ok(loaded) => loaded,
        Err(diagnostics) => {
            common::render(&diagnostics, &engine.sources);
            return;
        }
    };
    let program = &loaded.checked.program;
    let input = FactsInput {
        name: "facts.json".to_owned(),
        bytes: facts.to_vec(),
        format: Format::Json,
        record: None,
        mapping: None,
    };
    let facts = match engine.load_facts(program, vec![input]) {
        Ok(facts) => facts,
        Err(diagnostics) => {
            common::render(&diagnostics, &engine.sources);
            return;
        }
    };
    let options = Options {
        limits: Limits {
            max_steps: 10_000,
            max_depth: 200,
            max_set_size: 1_000,
        },
        explain: true,
        ..Options::default()
    };
    compare_evaluators(program, &facts, &options);
    let decisions = match engine.decide_all(program, &facts, options) {
        Ok(decisions) => decisions,
        Err(diagnostic) => {
            common::render(&[diagnostic], &engine.sources);
            return;
        }
    };
    for outcome in decisions {
        match outcome {
            Ok(decision) => {
                let _ = report::decision_text(program, &facts, &engine.sources, &decision, 0);
                let _ = report::decision_json(program, &facts, &engine.sources, &decision, 0);
                if let Some(trace) = &decision.trace {
                    let _ = report::trace_text(program, &facts, &engine.sources, trace, 0);
                }
            }
            Err(failure) => {
                let _ = report::error_text(program, &facts, failure.subject, 0, &failure.diagnostic);
                let _ = report::error_json(program, &facts, failure.subject, 0, &failure.diagnostic);
                common::render(&[*failure.diagnostic], &engine.sources);
            }
        }
    }
});

/// Decides every subject in batches, alone, and with the full evaluator only, with and without
/// derivations, and panics where they differ.
fn compare_evaluators(program: &pol::check::ir::Program, facts: &pol::facts::Facts, options: &Options) {
    for explain in [false, true] {
        let options = Options {
            explain,
            ..options.clone()
        };
        let full_options = Options {
            full_only: true,
            ..options.clone()
        };
        let (Ok(fast), Ok(full)) = (
            Evaluator::new(program, facts, options),
            Evaluator::new(program, facts, full_options),
        ) else {
            return;
        };
        let subjects: Vec<u32> = fast.subjects().collect();
        let mut scratch = Scratch::new();
        let mut in_batches = Vec::with_capacity(subjects.len());
        fast.decide_each(&mut scratch, &subjects, |_, decision| {
            in_batches.push(decision.map(Decision::clone).map_err(|d| d.code));
        });
        for (subject, batched) in subjects.iter().zip(&in_batches) {
            let alone = fast.decide(&mut scratch, *subject).map_err(|d| d.code);
            let reference = full.decide(&mut scratch, *subject).map_err(|d| d.code);
            assert_eq!(batched, &reference, "in batches and full evaluator differ on subject {subject}");
            assert_eq!(alone, reference, "alone and full evaluator differ on subject {subject}");
        }
    }
}
