//! The oracle: random policies and facts decided by the engine and by a reference evaluator that
//! transcribes docs/semantics.md, compared decision by decision; and properties of the engine
//! (determinism, independence of rule and fact order, soundness when facts are filled in, explain).
//!
//! The generator (`oracle/generate.rs`) produces every construct of the language: constants,
//! enums, texts, lists and sets, nested records, key references to facts held and missing, a table
//! declared in `data` whose rows facts and key references name by key or alias,
//! arithmetic at the edges of `i64`, every builtin, quantifiers, functions, dates and exceptions;
//! `the_generator_produces_every_construct` checks that it does. A failing case is printed, after
//! shrinking, as Pol text and JSON facts with both answers.
//!
//! `POL_ORACLE_CASES=N cargo test --test oracle` compares `N` cases with the reference instead of
//! the default 500, and scales every other property's count by the same factor: raise it for long
//! local runs (6,000 cases take about four minutes in a debug build).

#![allow(clippy::unwrap_used)] // Test code: a failed unwrap is a failed test.

#[path = "oracle/coverage.rs"]
mod coverage;
#[path = "oracle/generate.rs"]
mod generate;
#[path = "oracle/model.rs"]
mod model;
#[path = "oracle/reference.rs"]
mod reference;
mod support;

use std::collections::{BTreeMap, BTreeSet};

use proptest::prelude::*;
use proptest::test_runner::{Config, RngSeed};

use pol::check::ir::Program;
use pol::engine::{Engine, NoFiles};
use pol::eval::{Decision, Evaluator, LawDate, Options, Scratch};
use pol::facts::Facts as LoadedFacts;
use pol::report::{fact_path, subject_name};
use pol::value::Date;

use generate::Case;
use model::{Facts, Mix, Policy};
use reference::{Law, Outcome, Verdict};
use support::engine::json_facts;

/// The number of cases the comparison with the reference tries by default; `POL_ORACLE_CASES`
/// replaces it, and every other property's count scales with it.
const DEFAULT_CASES: u32 = 500;

/// `cases` scaled by `POL_ORACLE_CASES` (see the top of this file).
fn scaled(cases: u32) -> u32 {
    let wanted: Option<u64> = std::env::var("POL_ORACLE_CASES")
        .ok()
        .and_then(|n| n.parse().ok());
    wanted.map_or(cases, |wanted| {
        u32::try_from(
            (u64::from(cases) * wanted)
                .div_ceil(u64::from(DEFAULT_CASES))
                .max(1),
        )
        .unwrap_or(u32::MAX)
    })
}

/// A fixed seed, so that every run tries the same cases; change it to explore others.
fn config(cases: u32) -> Config {
    Config {
        cases: scaled(cases),
        // Shrinking runs only once a case fails; it may take long, since a short case is what
        // makes a disagreement readable.
        max_shrink_iters: 2048,
        failure_persistence: None,
        rng_seed: RngSeed::Fixed(0x00D0_C5EE_D5EE_D001),
        ..Config::default()
    }
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

/// A policy loaded by the engine, ready to decide on facts.
struct Run {
    engine: Engine<'static>,
    program: Program,
}

static NO_FILES: NoFiles = NoFiles;

fn show_diagnostics(diagnostics: &[pol::diagnostic::Diagnostic]) -> String {
    diagnostics
        .iter()
        .map(|d| format!("{}: {}", d.code.as_str(), d.message))
        .collect::<Vec<_>>()
        .join("\n")
}

impl Run {
    fn new(text: &str) -> Result<Run, String> {
        let mut engine = Engine::new(&NO_FILES, Vec::new());
        let loaded = engine
            .load_policy_text("oracle.pol", text, None)
            .map_err(|errors| format!("the policy does not load:\n{}", show_diagnostics(&errors)))?;
        Ok(Run {
            engine,
            program: loaded.checked.program,
        })
    }

    fn facts(&mut self, json: &str) -> Result<LoadedFacts, String> {
        let input = json_facts("facts.json", json);
        self.engine
            .load_facts(&self.program, vec![input])
            .map_err(|errors| format!("the facts do not load:\n{}", show_diagnostics(&errors)))
    }

    /// Every decision, in input order; a failed decision is an error naming its subject, its
    /// code, message and place, so that two evaluators' failures can be compared.
    fn decisions(
        &self,
        facts: &LoadedFacts,
        options: Options,
    ) -> Result<Vec<Result<Decision, String>>, String> {
        let decisions = self
            .engine
            .decide_all(&self.program, facts, options)
            .map_err(|d| format!("cannot decide: {}", d.message))?;
        Ok(decisions
            .into_iter()
            .map(|decision| {
                decision.map_err(|failure| self.failure(facts, failure.subject, &failure.diagnostic))
            })
            .collect())
    }

    fn failure(&self, facts: &LoadedFacts, subject: u32, diagnostic: &pol::diagnostic::Diagnostic) -> String {
        format!(
            "{} failed: {}: {} at {:?}",
            subject_name(&self.program, facts, subject, 0),
            diagnostic.code.as_str(),
            diagnostic.message,
            diagnostic.primary.as_ref().map(|label| label.span),
        )
    }

    /// Every decision on one thread, one batch after another, each read as text while it is
    /// handed out (so the evaluator reuses its buffers between batches, as `pol run` does).
    fn decisions_one_by_one(&self, facts: &LoadedFacts, options: Options) -> Result<Vec<String>, String> {
        let evaluator = Evaluator::new(&self.program, facts, options).map_err(|d| d.message)?;
        let subjects: Vec<u32> = evaluator.subjects().collect();
        let mut scratch = Scratch::new();
        let mut seen = Vec::with_capacity(subjects.len());
        evaluator.decide_each(&mut scratch, &subjects, |subject, decision| {
            seen.push(match decision {
                Ok(decision) => format!("{decision:?}"),
                Err(diagnostic) => format!("{subject}: {}", diagnostic.message),
            });
        });
        Ok(seen)
    }

    /// Every decision, each subject decided alone (`Evaluator::decide_into`).
    fn decisions_alone(
        &self,
        facts: &LoadedFacts,
        options: Options,
    ) -> Result<Vec<Result<Decision, String>>, String> {
        let evaluator = Evaluator::new(&self.program, facts, options).map_err(|d| d.message)?;
        let mut scratch = Scratch::new();
        let mut decision = Decision::new(0);
        Ok(evaluator
            .subjects()
            .map(|subject| {
                evaluator
                    .decide_into(&mut scratch, subject, &mut decision)
                    .map_err(|d| self.failure(facts, subject, &d))?;
                Ok(decision.clone())
            })
            .collect())
    }

    /// A decision as names: the reference's form.
    fn outcome(&self, facts: &LoadedFacts, decision: &Decision) -> Outcome {
        let program = &self.program;
        Outcome {
            verdict: match decision.verdict {
                pol::eval::Verdict::Permit => Verdict::Permit,
                pol::eval::Verdict::Deny => Verdict::Deny,
                pol::eval::Verdict::Undecided => Verdict::Undecided,
            },
            deciding: decision
                .deciding
                .iter()
                .map(|rule| program.rules[rule.idx()].name.clone())
                .collect(),
            obligations: decision
                .obligations
                .iter()
                .map(|o| program.obligations[o.idx()].name.clone())
                .collect(),
            missing: decision
                .missing
                .iter()
                .map(|fact| fact_path(program, facts, *fact))
                .collect(),
            pending: decision
                .pending
                .iter()
                .map(|pending| {
                    let missing = pending
                        .missing
                        .iter()
                        .map(|fact| fact_path(program, facts, *fact))
                        .collect();
                    let name = program.rules[pending.rule.idx()].name.clone();
                    (name, (pending.active == pol::eval::Truth::True, missing))
                })
                .collect(),
        }
    }

    /// Every decision on the facts `json` as names, by the transfer's key; a subject whose
    /// evaluation failed has the outcome `Fails` with the diagnostic's code.
    fn outcomes(&mut self, json: &str, law: Law, explain: bool) -> Result<BTreeMap<String, Outcome>, String> {
        let facts = self.facts(json)?;
        let decisions = match self
            .engine
            .decide_all(&self.program, &facts, options(law, explain))
        {
            Ok(decisions) => decisions,
            Err(diagnostic) => return Ok(run_failed(diagnostic.code.as_str())),
        };
        Ok(decisions
            .iter()
            .map(|decision| match decision {
                Ok(decision) => (
                    subject_name(&self.program, &facts, decision.subject, 0),
                    self.outcome(&facts, decision),
                ),
                Err(failure) => (
                    subject_name(&self.program, &facts, failure.subject, 0),
                    Outcome {
                        verdict: Verdict::Fails(failure.diagnostic.code.as_str()),
                        deciding: BTreeSet::new(),
                        obligations: BTreeSet::new(),
                        missing: BTreeSet::new(),
                        pending: BTreeMap::new(),
                    },
                ),
            })
            .collect())
    }
}

fn fail(context: &str) -> impl Fn(String) -> TestCaseError + '_ {
    move |error| TestCaseError::fail(format!("{error}\n{context}"))
}

/// The outcomes of a run that failed as a whole (a constant failed): one, under the name `(run)`.
fn run_failed(code: &'static str) -> BTreeMap<String, Outcome> {
    let outcome = Outcome {
        verdict: Verdict::Fails(code),
        deciding: BTreeSet::new(),
        obligations: BTreeSet::new(),
        missing: BTreeSet::new(),
        pending: BTreeMap::new(),
    };
    BTreeMap::from([("(run)".to_string(), outcome)])
}

fn expected(policy: &Policy, facts: &Facts, law: Law) -> BTreeMap<String, Outcome> {
    if let Some(code) = reference::run_fails(policy, facts) {
        return run_failed(code);
    }
    facts
        .transfers
        .iter()
        .map(|transfer| {
            (
                transfer.id.clone(),
                reference::decide(policy, facts, transfer, law),
            )
        })
        .collect()
}

/// The pending rules of an undecided outcome, ` pending [r1 (unknown: facts), r0 (active: facts)]`;
/// empty when there are none.
fn pending(outcome: &Outcome) -> String {
    if outcome.pending.is_empty() {
        return String::new();
    }
    let rules: Vec<String> = outcome
        .pending
        .iter()
        .map(|(name, (active, missing))| {
            let activity = if *active { "active" } else { "unknown" };
            let missing: Vec<String> = missing.iter().cloned().collect();
            format!("{name} ({activity}: {})", missing.join(", "))
        })
        .collect();
    format!(" pending [{}]", rules.join(", "))
}

fn show(outcome: &Outcome) -> String {
    let verdict = match outcome.verdict {
        Verdict::Permit => "permit",
        Verdict::Deny => "deny",
        Verdict::Undecided => "undecided",
        Verdict::Fails(code) => return format!("fails with {code}"),
    };
    let list = |set: &BTreeSet<String>| set.iter().cloned().collect::<Vec<_>>().join(", ");
    format!(
        "{verdict} by [{}] oblige [{}] missing [{}]{}",
        list(&outcome.deciding),
        list(&outcome.obligations),
        list(&outcome.missing),
        pending(outcome)
    )
}

/// The transfers on which two sets of outcomes differ, one line each.
fn differences(
    wanted: &BTreeMap<String, Outcome>,
    wanted_name: &str,
    got: &BTreeMap<String, Outcome>,
    got_name: &str,
) -> Vec<String> {
    let keys: BTreeSet<&String> = wanted.keys().chain(got.keys()).collect();
    keys.into_iter()
        .filter(|key| wanted.get(*key) != got.get(*key))
        .map(|key| {
            let side = |map: &BTreeMap<String, Outcome>| map.get(key).map_or("no decision".to_string(), show);
            format!(
                "transfer {key}:\n  {wanted_name}: {}\n  {got_name}: {}",
                side(wanted),
                side(got)
            )
        })
        .collect()
}

fn describe(case: &Case, text: &str, json: &str) -> String {
    format!("law: {:?}\n--- policy ---\n{text}--- facts ---\n{json}", case.law)
}

/// Decides a case with the engine and the reference, with and without `explain`.
fn check_against_reference(case: &Case) -> Result<(), TestCaseError> {
    let text = case.policy.text();
    let mut run = Run::new(&text).map_err(fail(&text))?;
    for facts in &case.facts {
        let json = facts.json(case.spelling);
        let context = describe(case, &text, &json);
        let wanted = expected(&case.policy, facts, case.law);
        for explain in [false, true] {
            let got = run.outcomes(&json, case.law, explain).map_err(fail(&context))?;
            let found = differences(&wanted, "semantics.md", &got, "engine");
            if !found.is_empty() {
                return Err(TestCaseError::fail(format!(
                    "engine and reference disagree (explain: {explain}):\n{}\n{context}",
                    found.join("\n"),
                )));
            }
        }
    }
    Ok(())
}

proptest! {
    #![proptest_config(config(DEFAULT_CASES))]

    #[test]
    fn engine_decides_as_the_semantics_page_says(case in generate::case_with(true)) {
        check_against_reference(&case)?;
    }
}

/// Every construct the generator must produce, by the names `coverage` counts them under.
const CONSTRUCTS: &[&str] = &[
    // Constants.
    "let",
    "let with its type",
    "let using another let",
    "let of a set",
    "let of a list",
    // Literals and names.
    "text literal",
    // Decimals.
    "decimal literal",
    "whole decimal literal",
    "decimal arithmetic",
    "decimal compared with an integer",
    // Text functions.
    "lower",
    "upper",
    "trim",
    "replace",
    "starts_with",
    "ends_with",
    "contains",
    "length",
    "split",
    "enum variant, bare",
    "enum variant, qualified",
    "integer literal at an edge of i64",
    "date literal at an end of the years",
    "key reference to a fact",
    "key reference to a missing fact",
    "key reference to an item",
    "key reference to a missing item",
    // Tables: rows a policy declares in `data`, named by key or alias.
    "key reference to a table row by its key",
    "key reference to a table row by an alias",
    "field of a table row",
    "unknown reference to a table row",
    "set literal",
    "empty set",
    // Lookups and the facts of a type.
    "the facts of a type",
    "quantifier over the facts of a type",
    "quantifier over facts, indexed by a field",
    "lookup by a computed key, found",
    "lookup by a computed key no fact has",
    "lookup by a key computed from facts",
    // Fields.
    "field of a nested record",
    "list field",
    "set of enum field",
    // Logic and comparisons.
    "and",
    "or",
    "not",
    "==",
    "!=",
    "<",
    "<=",
    ">",
    ">=",
    "text comparison",
    "date comparison",
    "enum comparison",
    "in",
    "not in",
    "in a list",
    "enum membership",
    "is some",
    "is none",
    "any",
    "all",
    "quantifier over a list",
    "if then else",
    // Sets.
    "union",
    "intersect",
    "without",
    "subset",
    // Arithmetic and builtins.
    "+",
    "-",
    "*",
    "unary -",
    "size",
    "size of a list",
    "year",
    "days_between",
    "add_days",
    // Functions.
    "function",
    "function with an Int parameter",
    "call of a prelude function",
    "call of a generated function",
    // Rules and the policy.
    "permit rule",
    "deny rule",
    "rule without conditions",
    "when",
    "unless",
    "oblige",
    "effective",
    "until",
    "exception to",
    "default permit",
    "default deny",
    "as of",
    // Facts.
    "facts: unknown field",
    "facts: list with repeats",
    "facts: integer at an edge of i64",
    "facts: unknown nested record",
    "facts: unknown field of a nested record",
    "facts: optional nested record that is none",
    // Outcomes, by the reference.
    "outcome: permit",
    "outcome: deny",
    "outcome: undecided",
    "outcome: fails",
    "outcome: the run fails",
];

/// How often each construct must appear in the cases the coverage test draws.
const MIN_EACH: usize = 10;

/// The generator's coverage is checked, not assumed: the cases it draws (with a fixed seed) hold
/// every construct of the language at least `MIN_EACH` times, and reach every outcome, failure
/// included.
#[test]
fn the_generator_produces_every_construct() {
    use proptest::strategy::ValueTree;
    use proptest::test_runner::{TestRng, TestRunner};
    let rng = TestRng::from_seed(proptest::test_runner::RngAlgorithm::ChaCha, &[7; 32]);
    let mut runner = TestRunner::new_with_rng(Config::default(), rng);
    let strategy = generate::case_with(true);
    let mut counts = coverage::Counts::new();
    for _ in 0..300 {
        let case = strategy.new_tree(&mut runner).unwrap().current();
        coverage::case(&case, &mut counts);
        for facts in &case.facts {
            if reference::run_fails(&case.policy, facts).is_some() {
                *counts.entry("outcome: the run fails").or_default() += 1;
                continue;
            }
            for transfer in &facts.transfers {
                let outcome = reference::decide(&case.policy, facts, transfer, case.law);
                let name = match outcome.verdict {
                    Verdict::Permit => "outcome: permit",
                    Verdict::Deny => "outcome: deny",
                    Verdict::Undecided => "outcome: undecided",
                    Verdict::Fails(_) => "outcome: fails",
                };
                *counts.entry(name).or_default() += 1;
            }
        }
    }
    let table: Vec<String> = counts.iter().map(|(name, n)| format!("{name}: {n}")).collect();
    let rare: Vec<&str> = CONSTRUCTS
        .iter()
        .copied()
        .filter(|name| counts.get(name).copied().unwrap_or(0) < MIN_EACH)
        .collect();
    assert!(
        rare.is_empty(),
        "the generator produces these fewer than {MIN_EACH} times: {rare:?}\n{}",
        table.join("\n")
    );
    let unlisted: Vec<&&str> = counts.keys().filter(|name| !CONSTRUCTS.contains(name)).collect();
    assert!(
        unlisted.is_empty(),
        "counted but not listed in CONSTRUCTS: {unlisted:?}"
    );
}

/// A case the oracle found: `if` whose condition is unknown and whose branches are known but
/// differ is unknown, missing only the condition's facts (the engine used to panic on it).
#[test]
fn if_with_unknown_condition_and_different_known_branches_is_unknown() {
    use model::{Cell, Cond, Country, Effect, Expr, Field, Item, Rule, Transfer};
    let field = |base: Expr, name: Field| Expr::Field(Box::new(base), name);
    let destination = field(Expr::Subject, Field::TransferDestination);
    let condition = Expr::If(
        Box::new(field(destination.clone(), Field::CountryInCombat)),
        Box::new(field(destination, Field::CountryPartner)),
        Box::new(Expr::Bool(true)),
    );
    let rule = Rule {
        effect: Effect::Permit,
        conditions: vec![Cond {
            expr: condition,
            negated: false,
        }],
        obligations: vec![0],
        effective: None,
        until: None,
        exception_to: Vec::new(),
    };
    let country = |code: &str, in_combat: Cell<bool>| Country {
        code: code.to_string(),
        in_combat,
        partner: Cell::Known(false),
        score: Cell::Known(0),
        since: Cell::Known(None),
        level: Cell::Known("low"),
        name: Cell::Known("alpha".to_string()),
        tags: Cell::Known(Vec::new()),
    };
    let facts = Facts {
        countries: model::COUNTRIES
            .iter()
            .map(|code| country(code, Cell::Unknown))
            .collect(),
        items: vec![Item {
            id: "i0".to_string(),
            lethal: Cell::Known(true),
            licensed_from: Cell::Known(None),
            partners: Cell::Known(BTreeSet::new()),
            categories: Cell::Known(BTreeSet::new()),
        }],
        transfers: vec![Transfer {
            id: "t0".to_string(),
            item: Cell::Known("i0".to_string()),
            destination: Cell::Known("AA".to_string()),
            onward: Cell::Known(None),
            date: Cell::Known(model::Day {
                year: 2024,
                month: 1,
                day: 10,
            }),
            quantity: Cell::Known(0),
            approval: Cell::Known(model::Approval {
                nsc: Cell::Known(true),
                cabinet: Cell::Known(None),
            }),
            review: Cell::Known(None),
            zone: Cell::Known("Z1"),
        }],
    };
    let case = Case {
        policy: Policy {
            consts: Vec::new(),
            functions: Vec::new(),
            rules: vec![rule],
            default: Effect::Deny,
        },
        facts: vec![facts],
        law: Law::SubjectDate,
        spelling: 0,
    };
    let outcome = reference::decide(
        &case.policy,
        &case.facts[0],
        &case.facts[0].transfers[0],
        case.law,
    );
    assert_eq!(
        show(&outcome),
        r#"undecided by [] oblige [] missing [Country["AA"].in_combat] pending [r0 (unknown: Country["AA"].in_combat)]"#
    );
    check_against_reference(&case).unwrap();
}

/// Copies the transfers until there are more than two chunks of parallel work.
fn many_transfers(facts: &Facts) -> Facts {
    let mut grown = facts.clone();
    grown.transfers.clear();
    while grown.transfers.len() < 2100 {
        for transfer in &facts.transfers {
            let mut copy = transfer.clone();
            copy.id = format!("t{}", grown.transfers.len());
            grown.transfers.push(copy);
        }
    }
    grown
}

fn decide_in_pool(
    run: &Run,
    facts: &LoadedFacts,
    threads: usize,
    options: Options,
) -> Result<Vec<Result<Decision, String>>, String> {
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(threads)
        .build()
        .unwrap();
    pool.install(|| run.decisions(facts, options))
}

proptest! {
    #![proptest_config(config(16))]

    #[test]
    fn decisions_do_not_depend_on_runs_or_threads(case in generate::case()) {
        let text = case.policy.text();
        let mut run = Run::new(&text).map_err(fail(&text))?;
        let facts = many_transfers(&case.facts[0]);
        let loaded = run.facts(&facts.json(case.spelling)).map_err(fail(&text))?;
        for explain in [false, true] {
            let options = options(case.law, explain);
            let one = decide_in_pool(&run, &loaded, 1, options.clone()).map_err(fail(&text))?;
            let two = decide_in_pool(&run, &loaded, 2, options.clone()).map_err(fail(&text))?;
            let again = decide_in_pool(&run, &loaded, 2, options).map_err(fail(&text))?;
            prop_assert_eq!(one.len(), facts.transfers.len());
            prop_assert!(one == two, "one thread and two threads decide differently\n{}", text);
            prop_assert!(two == again, "two runs decide differently\n{}", text);
        }
    }
}

proptest! {
    #![proptest_config(config(80))]

    #[test]
    fn decisions_do_not_depend_on_the_order_of_rules(case in generate::case(), seed in any::<u64>()) {
        let text = case.policy.text();
        let mut order: Vec<usize> = (0..case.policy.rules.len()).collect();
        Mix(seed).shuffle(&mut order);
        let shuffled = case.policy.text_in_order(&order);
        let mut run = Run::new(&text).map_err(fail(&text))?;
        let mut shuffled_run = Run::new(&shuffled).map_err(fail(&shuffled))?;
        for facts in &case.facts {
            let json = facts.json(case.spelling);
            let context = describe(&case, &shuffled, &json);
            let before = run.outcomes(&json, case.law, false).map_err(fail(&context))?;
            let after = shuffled_run.outcomes(&json, case.law, false).map_err(fail(&context))?;
            let found = differences(&before, "source order", &after, "shuffled");
            prop_assert!(found.is_empty(), "{}\n{}", found.join("\n"), context);
        }
    }

    #[test]
    fn decisions_do_not_depend_on_the_order_or_spelling_of_facts(case in generate::case(), seed in any::<u64>()) {
        let text = case.policy.text();
        let mut run = Run::new(&text).map_err(fail(&text))?;
        let mut mix = Mix(seed);
        for facts in &case.facts {
            let json = facts.json(case.spelling);
            let before = run.outcomes(&json, case.law, false).map_err(fail(&text))?;
            let mut shuffled = facts.clone();
            mix.shuffle(&mut shuffled.countries);
            mix.shuffle(&mut shuffled.items);
            mix.shuffle(&mut shuffled.transfers);
            let shuffled = shuffled.json(mix.next());
            let context = format!("{}--- shuffled ---\n{shuffled}", describe(&case, &text, &json));
            let after = run.outcomes(&shuffled, case.law, false).map_err(fail(&context))?;
            let found = differences(&before, "as generated", &after, "shuffled");
            prop_assert!(found.is_empty(), "{}\n{}", found.join("\n"), context);
        }
    }

    #[test]
    fn explain_never_changes_a_decision(case in generate::case()) {
        let text = case.policy.text();
        let mut run = Run::new(&text).map_err(fail(&text))?;
        for facts in &case.facts {
            let loaded = run.facts(&facts.json(case.spelling)).map_err(fail(&text))?;
            let plain = run.decisions(&loaded, options(case.law, false)).map_err(fail(&text))?;
            let explained = run.decisions(&loaded, options(case.law, true)).map_err(fail(&text))?;
            prop_assert_eq!(plain.len(), explained.len());
            for (plain, explained) in plain.iter().zip(&explained) {
                let (plain, explained) = match (plain, explained) {
                    (Ok(plain), Ok(explained)) => (plain, explained),
                    (plain, explained) => {
                        prop_assert_eq!(plain.as_ref().err(), explained.as_ref().err(), "{}", text);
                        continue;
                    }
                };
                prop_assert!(plain.trace.is_none() && explained.trace.is_some());
                let mut stripped = explained.clone();
                stripped.trace = None;
                prop_assert_eq!(plain, &stripped);
            }
        }
    }

    #[test]
    fn the_fast_path_decides_and_explains_as_the_full_evaluator(case in generate::case()) {
        let text = case.policy.text();
        let mut run = Run::new(&text).map_err(fail(&text))?;
        for facts in &case.facts {
            let loaded = run.facts(&facts.json(case.spelling)).map_err(fail(&text))?;
            for explain in [false, true] {
                let fast = run.decisions(&loaded, options(case.law, explain)).map_err(fail(&text))?;
                let full = Options {
                    full_only: true,
                    ..options(case.law, explain)
                };
                let full = run.decisions(&loaded, full).map_err(fail(&text))?;
                prop_assert_eq!(&fast, &full, "explain: {}\n{}", explain, text);
                let alone = run.decisions_alone(&loaded, options(case.law, explain)).map_err(fail(&text))?;
                prop_assert_eq!(&alone, &full, "each subject alone, explain: {}\n{}", explain, text);
            }
        }
        // Many batches, each decision read while it is handed out.
        let many = generate::scrambled_transfers(&case.facts[0], 2100);
        let loaded = run.facts(&many.json(case.spelling)).map_err(fail(&text))?;
        let fast = run.decisions_one_by_one(&loaded, options(case.law, true)).map_err(fail(&text))?;
        let full = Options {
            full_only: true,
            ..options(case.law, true)
        };
        let full = run.decisions_one_by_one(&loaded, full).map_err(fail(&text))?;
        prop_assert_eq!(fast.len(), many.transfers.len());
        prop_assert!(fast == full, "many batches decide or explain differently\n{}", text);
    }
}

/// Checks that a decision made with fewer known facts still holds with more: a permit stays a
/// permit and a deny a deny (docs/semantics.md: "a permit or deny holds whatever the unknown facts
/// turn out to be"), and its deciding rules still decide; an undecided may become anything.
fn check_sound(
    before: &BTreeMap<String, Outcome>,
    after: &BTreeMap<String, Outcome>,
    context: &str,
) -> Result<(), TestCaseError> {
    for (key, old) in before {
        let new = &after[key];
        // Only a permit or a deny must hold. A filled-in fact may make an evaluation fail (an
        // integer at the edge of its range), or spare one that failed the part it used to reach:
        // a failure is no decision, and never lets a transfer through.
        if matches!(old.verdict, Verdict::Permit | Verdict::Deny)
            && !matches!(new.verdict, Verdict::Fails(_))
            && (new.verdict != old.verdict || !old.deciding.is_subset(&new.deciding))
        {
            return Err(TestCaseError::fail(format!(
                "transfer {key}: {} became {} once facts were filled in\n{context}",
                show(old),
                show(new)
            )));
        }
    }
    Ok(())
}

proptest! {
    #![proptest_config(config(100))]

    #[test]
    fn filling_in_unknown_facts_never_reverses_a_decision(case in generate::case(), seed in any::<u64>()) {
        let text = case.policy.text();
        let mut run = Run::new(&text).map_err(fail(&text))?;
        let mut mix = Mix(seed);
        for facts in &case.facts {
            let json = facts.json(case.spelling);
            let before = run.outcomes(&json, case.law, false).map_err(fail(&text))?;
            let slots = generate::unknown_slots(facts);
            // One fact filled in, then every fact.
            let mut one = facts.clone();
            generate::fill(&mut one, slots[mix.below(slots.len())], &mut mix);
            let mut all = facts.clone();
            for slot in &slots {
                generate::fill(&mut all, *slot, &mut mix);
            }
            prop_assert!(generate::unknown_slots(&all).is_empty());
            for filled in [one, all] {
                let filled_json = filled.json(case.spelling);
                let context = format!("{}--- filled in ---\n{filled_json}", describe(&case, &text, &json));
                let after = run.outcomes(&filled_json, case.law, false).map_err(fail(&context))?;
                check_sound(&before, &after, &context)?;
            }
        }
    }
}
