//! Derivations through function calls: a condition that calls a function shows the operands of
//! the comparison or membership test inside it, and the fast path records the same derivation as
//! the full evaluator.

#![allow(clippy::unwrap_used)] // Test code: a failed unwrap is a failed test.

use pol::engine::{Engine, NoFiles};
use pol::eval::{Decision, Operand, Options};
use pol::report::show_operand;

mod support;
use support::engine::{json_facts, repo_text};

static NO_FILES: NoFiles = NoFiles;

#[test]
fn both_evaluators_show_the_operands_inside_a_called_function() {
    let mut engine = Engine::new(&NO_FILES, Vec::new());
    let program = engine
        .load_policy_text(
            "purpose.pol",
            &repo_text("tests/golden/explain_calls/purpose.pol"),
            None,
        )
        .unwrap()
        .checked
        .program;
    let input = json_facts("cases.json", &repo_text("tests/golden/explain_calls/cases.json"));
    let facts = engine.load_facts(&program, vec![input]).unwrap();
    let decide = |full_only: bool| -> Vec<Decision> {
        let options = Options {
            explain: true,
            full_only,
            ..Options::default()
        };
        engine
            .decide_all(&program, &facts, options)
            .unwrap()
            .into_iter()
            .map(|decision| decision.unwrap())
            .collect()
    };
    let fast = decide(false);
    let full = decide(true);
    assert_eq!(fast, full);
    // The first transfer is for return to the licensor: `for_peace(t)` is false, and shows the
    // purpose it compared inside `purpose_is`.
    let trace = fast[0].trace.as_ref().unwrap();
    let rule = trace.rules().next().unwrap();
    assert_eq!(program.rules[rule.rule().idx()].name, "peace_contribution");
    let part = rule.parts().next().unwrap();
    let (left, right) = part.operands().expect("the call shows the operands inside it");
    let shown = program.shown_test(&program.rules[0].conditions[0].expr).unwrap();
    let text = |operand: Operand<'_>, ty| show_operand(&program, &facts, operand, ty);
    assert_eq!(text(left, shown.operands.0.ty), r#""return_to_licensor""#);
    assert_eq!(text(right, shown.operands.1.ty), r#""peace_contribution""#);
}
