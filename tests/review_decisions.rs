//! Review of decisions a reviewer must be able to defend: a policy written with function calls
//! decides as the same policy written inline, and the fast path as the full evaluator, on
//! facts with many unknowns, under each subject's date and under fixed dates.

#![allow(clippy::unwrap_used)] // Test code: a failed unwrap is a failed test.

use pol::engine::{Engine, NoFiles};
use pol::eval::{LawDate, Options};
use pol::value::Date;
use serde_json::Value as Json;

mod support;
use support::engine::{json_facts, repo_text};

static NO_FILES: NoFiles = NoFiles;

/// Every decision of `policy` on the facts `facts` (JSON text) as its JSON line, with derivations.
fn decisions(policy: &str, facts: &str, law: LawDate, full_only: bool) -> Vec<Json> {
    let mut engine = Engine::new(&NO_FILES, Vec::new());
    let program = engine
        .load_policy_text("review.pol", &repo_text(&format!("tests/review/{policy}")), None)
        .unwrap()
        .checked
        .program;
    let input = json_facts("facts.json", facts);
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
    let facts = repo_text("tests/review/calls.json");
    for law in laws() {
        let called = decisions("calls.pol", &facts, law, false);
        let inline = decisions("calls_inline.pol", &facts, law, false);
        assert_eq!(called.len(), 120);
        let kinds: std::collections::BTreeSet<&str> =
            called.iter().map(|d| d["decision"].as_str().unwrap()).collect();
        assert_eq!(
            kinds.len(),
            3,
            "{law:?}: the facts reach every outcome: {kinds:?}"
        );
        for (called, inline) in called.into_iter().zip(inline) {
            assert_eq!(without_parts(called), without_parts(inline), "{law:?}");
        }
    }
}

#[test]
fn fast_path_and_full_evaluator_agree_on_calls_and_unknowns() {
    let facts = repo_text("tests/review/calls.json");
    for policy in ["calls.pol", "calls_inline.pol"] {
        for law in laws() {
            let fast = decisions(policy, &facts, law, false);
            let full = decisions(policy, &facts, law, true);
            assert_eq!(fast, full, "{policy} {law:?}");
        }
    }
    let grid = grid_facts();
    for policy in ["three_valued_calls.pol", "three_valued_inline.pol"] {
        let fast = decisions(policy, &grid, LawDate::SubjectDate, false);
        let full = decisions(policy, &grid, LawDate::SubjectDate, true);
        assert_eq!(fast, full, "{policy}");
    }
}

/// Facts for three_valued_calls.pol: every combination of true, false and unknown booleans,
/// small and unknown numbers, sets (empty, unknown), optionals (none, unknown) and records whose
/// fields are unknown.
fn grid_facts() -> String {
    let truths = ["true", "false", "\"?\""];
    let numbers = ["1", "5", "\"?\""];
    let sets = ["[]", "[\"a\"]", "[\"b\", \"c\"]", "\"?\""];
    let optionals = [None, Some("\"K\""), Some("\"U\""), Some("\"?\"")];
    let countries = ["\"K\"", "\"U\"", "\"Q\""];
    let dates = ["\"2020-01-03\"", "\"2021-01-01\"", "\"?\""];
    let mut subjects = Vec::new();
    for x in truths {
        for y in truths {
            for n in numbers {
                for s in sets {
                    for o in optionals {
                        for c in countries {
                            let d = dates[subjects.len() % dates.len()];
                            let o = o.map(|o| format!(", \"o\": {o}")).unwrap_or_default();
                            subjects.push(format!(
                                "{{\"id\": \"t{}\", \"x\": {x}, \"y\": {y}, \"n\": {n}, \"s\": {s}, \"c\": {c}, \"d\": {d}{o}}}",
                                subjects.len()
                            ));
                        }
                    }
                }
            }
        }
    }
    format!(
        "{{\"C\": [{{\"code\": \"K\", \"flag\": true}}, {{\"code\": \"U\", \"flag\": false}}, {{\"code\": \"Q\", \"flag\": \"?\"}}],\n \"T\": [{}]}}",
        subjects.join(",\n  ")
    )
}

#[test]
fn three_valued_calls_decide_and_explain_as_written_inline() {
    let grid = grid_facts();
    let called = decisions("three_valued_calls.pol", &grid, LawDate::SubjectDate, false);
    let inline = decisions("three_valued_inline.pol", &grid, LawDate::SubjectDate, false);
    assert_eq!(called.len(), 1296);
    let undecided = called.iter().filter(|d| d["decision"] == "undecided").count();
    assert!(undecided > 100 && undecided < 1000, "{undecided} undecided");
    for (called, inline) in called.into_iter().zip(inline) {
        assert_eq!(without_parts(called), without_parts(inline));
    }
}
