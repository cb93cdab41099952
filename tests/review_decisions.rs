//! Review of decisions a reviewer must be able to defend: a policy written with function calls
//! decides as the same policy written inline, and the fast path as the full evaluator, on
//! facts with many unknowns, under each subject's date and under fixed dates.

#![allow(clippy::unwrap_used)] // Test code: a failed unwrap is a failed test.

use std::path::Path;

use pol::engine::{Engine, FactsInput, NoFiles};
use pol::eval::{LawDate, Options};
use pol::facts::Format;
use pol::value::Date;
use serde_json::Value as Json;

static NO_FILES: NoFiles = NoFiles;

fn read(name: &str) -> String {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/review").join(name);
    std::fs::read_to_string(&path).unwrap_or_else(|error| panic!("{}: {error}", path.display()))
}

/// Every decision of `policy` on `facts` as its JSON line, with derivations.
fn decisions(policy: &str, facts: &str, law: LawDate, full_only: bool) -> Vec<Json> {
    let mut engine = Engine::new(&NO_FILES, Vec::new());
    let program = engine
        .load_policy_text("review.pol", &read(policy), None)
        .unwrap()
        .checked
        .program;
    let input = FactsInput {
        name: facts.to_string(),
        bytes: read(facts).into_bytes(),
        format: Format::Json,
        record: None,
    };
    let loaded = engine.load_facts(&program, vec![input]).unwrap();
    let options = Options {
        law,
        explain: true,
        full_only,
        ..Options::default()
    };
    engine
        .decide_all(&program, &loaded, options)
        .unwrap()
        .into_iter()
        .map(|decision| {
            let decision = decision.unwrap();
            pol::report::decision_json(&program, &loaded, &engine.sources, &decision, 0)
        })
        .collect()
}

/// A decision without the parts of its explanation, which show the conditions as written.
fn without_parts(mut decision: Json) -> Json {
    for rule in decision["explanation"].as_array_mut().unwrap() {
        let rule = rule.as_object_mut().unwrap();
        rule.remove("parts");
        rule.remove("failed_part");
    }
    decision
}

fn laws() -> [LawDate; 3] {
    [
        LawDate::SubjectDate,
        LawDate::AsOf(Date::from_ymd(2024, 7, 1).unwrap()),
        LawDate::AsOf(Date::from_ymd(2015, 1, 1).unwrap()),
    ]
}

#[test]
fn calls_decide_as_their_bodies_written_inline() {
    for law in laws() {
        let called = decisions("calls.pol", "calls.json", law, false);
        let inline = decisions("calls_inline.pol", "calls.json", law, false);
        assert_eq!(called.len(), 120);
        let kinds: std::collections::BTreeSet<&str> =
            called.iter().map(|d| d["decision"].as_str().unwrap()).collect();
        assert_eq!(kinds.len(), 3, "{law:?}: the facts reach every outcome: {kinds:?}");
        for (called, inline) in called.into_iter().zip(inline) {
            assert_eq!(without_parts(called), without_parts(inline), "{law:?}");
        }
    }
}

#[test]
fn fast_path_and_full_evaluator_agree_on_calls_and_unknowns() {
    for policy in ["calls.pol", "calls_inline.pol"] {
        for law in laws() {
            let fast = decisions(policy, "calls.json", law, false);
            let full = decisions(policy, "calls.json", law, true);
            assert_eq!(fast, full, "{policy} {law:?}");
        }
    }
}
