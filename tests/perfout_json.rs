//! A decision's JSON line written straight into bytes is the line its JSON value gives, for
//! every kind of decision: by a rule, by default, undecided with pending rules, with
//! obligations, missing facts, escaped keys and derivations.

#![allow(clippy::unwrap_used)] // Test code: a failed unwrap is a failed test.

mod support;

use pol::engine::{Engine, NoFiles};
use pol::eval::Options;
use support::engine::{GOLDEN_JSON_CASES, json_facts, repo_text};

static NO_FILES: NoFiles = NoFiles;

/// Checks every decision of `policy` on `facts` (paths in the repository), with and without
/// derivations; how many were checked.
fn check(policy: &str, facts: &str) -> usize {
    let mut engine = Engine::new(&NO_FILES, Vec::new());
    let program = engine
        .load_policy_text("p.pol", &repo_text(policy), None)
        .unwrap()
        .checked
        .program;
    let loaded = engine
        .load_facts(&program, vec![json_facts("facts.json", &repo_text(facts))])
        .unwrap();
    let mut n_checked = 0;
    for explain in [false, true] {
        let options = Options {
            explain,
            ..Options::default()
        };
        for decision in engine.decide_all(&program, &loaded, options).unwrap() {
            let decision = decision.unwrap();
            for offset in [0, 41] {
                let value = pol::report::decision_json(&program, &loaded, &engine.sources, &decision, offset);
                let expected = pol::escape::to_json_line(&value) + "\n";
                let mut written = Vec::new();
                pol::report::write_decision_json_line(
                    &program,
                    &loaded,
                    &engine.sources,
                    &decision,
                    offset,
                    &mut written,
                );
                assert_eq!(String::from_utf8(written).unwrap(), expected);
                n_checked += 1;
            }
        }
    }
    n_checked
}

#[test]
fn a_decision_written_straight_is_the_line_of_its_json_value() {
    let mut n_checked = 0;
    for &(policy, facts) in GOLDEN_JSON_CASES {
        n_checked += check(policy, facts);
    }
    assert!(n_checked > 20, "{n_checked}");
}
