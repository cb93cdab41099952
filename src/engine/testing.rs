//! Runs a policy's `test` blocks: builds each test's facts, decides the subjects it names, and
//! compares decision, deciding rules, obligations and missing facts with what it expects.

use crate::check::ir::Effect;
use crate::check::ir::{ExpectedOutcome, Program, RecordId, TestDef, TestFactPath, TestSubject, TestValue};
use crate::check::keys::KeySets;
use crate::diagnostic::{Diagnostic, Setting};
use crate::escape::escape_controls;
use crate::eval::{Decision, Evaluator, FactRef, LawDate, Limits, Options, Scratch, Verdict};
use crate::facts::{Facts, FactsBuilder};
use crate::report;
use crate::source::{SourceMap, Span};
use crate::value::Value;

/// The result of one test block.
#[derive(Debug)]
pub struct TestReport {
    /// The test's name.
    pub name: String,
    /// Where the test is declared.
    pub span: Span,
    /// Every way it failed; empty when it passed.
    pub failures: Vec<TestFailure>,
}

impl TestReport {
    /// Whether the test passed.
    pub fn passed(&self) -> bool {
        self.failures.is_empty()
    }
}

/// One way a test failed.
#[derive(Debug)]
pub enum TestFailure {
    /// The test's facts could not be loaded, or deciding failed.
    Error(Vec<Diagnostic>),
    /// An expectation did not hold.
    Mismatch {
        /// The `expect` that failed.
        span: Span,
        /// The subject, as written in output.
        subject: String,
        /// What was expected, as Pol would write it.
        expected: String,
        /// What was decided, in the same words.
        actual: String,
    },
}

/// The keys the facts of a program's test blocks define, over all its tests: a key reference
/// of the policy that no test defines is likely misspelt (see [`crate::check::keys`]).
pub fn test_keys(program: &Program) -> KeySets {
    let mut keys = KeySets::new();
    for fact in program.tests.iter().flat_map(|test| &test.facts) {
        let Some(key) = program.records[fact.record.idx()].key else {
            continue;
        };
        if let Some(TestValue::Scalar(Value::Text(sym))) = fact.fields.get(key as usize) {
            keys.insert(fact.record, program.interner.resolve(*sym));
        }
    }
    keys
}

/// Runs every test block of a program whose name contains `filter` (all when `None`).
pub fn run_tests(program: &Program, filter: Option<&str>, limits: Limits) -> Vec<TestReport> {
    program
        .tests
        .iter()
        .filter(|test| filter.is_none_or(|filter| test.name.contains(filter)))
        .map(|test| TestReport {
            name: test.name.clone(),
            span: test.span,
            failures: run_test(program, test, limits),
        })
        .collect()
}

/// Runs the test block named exactly `name`, if the program has one.
pub fn run_named(program: &Program, name: &str, limits: Limits) -> Option<TestReport> {
    let test = program.tests.iter().find(|test| test.name == name)?;
    Some(TestReport {
        name: test.name.clone(),
        span: test.span,
        failures: run_test(program, test, limits),
    })
}

/// The lines `pol test` writes for an expectation that did not hold, without indentation: the
/// `expect` with its subject and line, what was expected and what was decided, control
/// characters escaped so that no text of the policy can forge a line.
pub fn mismatch_lines(
    sources: &SourceMap,
    span: Span,
    subject: &str,
    expected: &str,
    actual: &str,
) -> [String; 3] {
    let line = sources.get(span.source).line_of(span.start) + 1;
    [
        format!("expect {} (line {line}):", escape_controls(subject)),
        format!("  expected: {}", escape_controls(expected)),
        format!("  actual:   {}", escape_controls(actual)),
    ]
}

fn run_test(program: &Program, test: &TestDef, limits: Limits) -> Vec<TestFailure> {
    let mut builder = FactsBuilder::new(program);
    builder.add_test_facts(&test.facts);
    let facts = match builder.finish() {
        Ok(facts) => facts,
        Err(diagnostics) => return vec![TestFailure::Error(diagnostics)],
    };
    let options = Options {
        law: test.as_of.map_or(LawDate::SubjectDate, LawDate::AsOf),
        limits,
        explain: false,
        full_only: false,
    };
    let evaluator = match Evaluator::new(program, &facts, options) {
        Ok(evaluator) => evaluator,
        Err(diagnostic) => return vec![TestFailure::Error(vec![in_test_words(diagnostic)])],
    };
    let Some(subject) = &program.subject else {
        unreachable!("the checker rejects tests in a policy without `decide`")
    };
    let mut scratch = Scratch::new();
    let mut failures = Vec::new();
    for expect in &test.expects {
        let Some(row) = find_row(&facts, test, subject.record, &expect.subject) else {
            failures.push(TestFailure::Mismatch {
                span: expect.span,
                subject: subject_text(program, &expect.subject),
                expected: "a subject with this name among the test's facts".into(),
                actual: "no such subject".into(),
            });
            continue;
        };
        let decision = match evaluator.decide(&mut scratch, row) {
            Ok(decision) => decision,
            Err(diagnostic) => {
                failures.push(TestFailure::Error(vec![in_test_words(diagnostic)]));
                continue;
            }
        };
        let actual = outcome_text(program, &facts, &decision, &expect.outcome);
        let expected = expected_text(program, &facts, test, &expect.outcome);
        if actual != expected {
            failures.push(TestFailure::Mismatch {
                span: expect.span,
                subject: subject_text(program, &expect.subject),
                expected,
                actual,
            });
        }
    }
    failures
}

/// A diagnostic from deciding, with advice a test can follow: a test chooses the law's date with
/// `as of`, so that is the way it names; the other settings are the front end's to name.
fn in_test_words(mut diagnostic: Diagnostic) -> Diagnostic {
    diagnostic.name_setting(|setting| match setting {
        Setting::LawDate => Some(" with `as of YYYY-MM-DD` at the start of the test".to_owned()),
        _ => None,
    });
    diagnostic
}

fn find_row(facts: &Facts, test: &TestDef, record: RecordId, subject: &TestSubject) -> Option<u32> {
    match subject {
        TestSubject::Key(key) => facts.tables[record.idx()].keys.get(key).copied(),
        TestSubject::Position(position) => {
            // Rows of a record type are added in the order the test lists its facts.
            let count = test.facts.iter().filter(|fact| fact.record == record).count() as u32;
            (*position < count).then_some(*position)
        }
    }
}

fn subject_text(program: &Program, subject: &TestSubject) -> String {
    match subject {
        TestSubject::Key(key) => crate::escape::quote(program.interner.resolve(*key)),
        TestSubject::Position(position) => format!("#{}", position + 1),
    }
}

fn names(mut names: Vec<String>) -> String {
    names.sort();
    names.join(", ")
}

/// The decision in the words of an `expect`, showing only what the expectation states
/// (obligations only if it lists them, missing facts only if it lists them).
fn outcome_text(program: &Program, facts: &Facts, decision: &Decision, expected: &ExpectedOutcome) -> String {
    let mut text = decision.verdict.as_str().to_string();
    match decision.verdict {
        Verdict::Permit | Verdict::Deny => {
            if decision.deciding.is_empty() {
                text.push_str(" by default");
            } else {
                let rules = decision
                    .deciding
                    .iter()
                    .map(|rule| program.rules[rule.idx()].name.clone())
                    .collect();
                text.push_str(&format!(" by {}", names(rules)));
            }
            if matches!(expected, ExpectedOutcome::Decided(_, _, Some(_))) {
                let obligations = decision
                    .obligations
                    .iter()
                    .map(|obligation| program.obligations[obligation.idx()].name.clone())
                    .collect::<Vec<_>>();
                text.push_str(&format!(" oblige {}", or_nothing(names(obligations))));
            }
        }
        Verdict::Undecided => {
            // Missing facts are shown when the expectation lists them, and when it expected a
            // decision: they are then what the test's facts lack.
            if !matches!(expected, ExpectedOutcome::Undecided(None)) {
                let missing = decision
                    .missing
                    .iter()
                    .map(|fact| report::fact_path(program, facts, *fact))
                    .collect();
                text.push_str(&format!(" missing {}", or_nothing(names(missing))));
            }
        }
    }
    text
}

fn or_nothing(text: String) -> String {
    if text.is_empty() { "nothing".into() } else { text }
}

fn expected_text(program: &Program, facts: &Facts, test: &TestDef, expected: &ExpectedOutcome) -> String {
    match expected {
        ExpectedOutcome::Decided(effect, rules, obligations) => {
            let mut text = match effect {
                Effect::Permit => "permit".to_string(),
                Effect::Deny => "deny".to_string(),
            };
            if rules.is_empty() {
                text.push_str(" by default");
            } else {
                let rules = rules
                    .iter()
                    .map(|rule| program.rules[rule.idx()].name.clone())
                    .collect();
                text.push_str(&format!(" by {}", names(rules)));
            }
            if let Some(obligations) = obligations {
                let obligations = obligations
                    .iter()
                    .map(|obligation| program.obligations[obligation.idx()].name.clone())
                    .collect();
                text.push_str(&format!(" oblige {}", or_nothing(names(obligations))));
            }
            text
        }
        ExpectedOutcome::Undecided(missing) => {
            let mut text = "undecided".to_string();
            if let Some(missing) = missing {
                let missing = missing
                    .iter()
                    .map(|path| expected_path(program, facts, test, path))
                    .collect();
                text.push_str(&format!(" missing {}", or_nothing(names(missing))));
            }
            text
        }
    }
}

fn expected_path(program: &Program, facts: &Facts, test: &TestDef, path: &TestFactPath) -> String {
    let mut text = expected_field_path(program, facts, test, path);
    for (record, field) in &path.nested {
        text.push('.');
        text.push_str(&program.records[record.idx()].fields[*field as usize].name);
    }
    text
}

/// The path of the expected missing fact up to its first field.
fn expected_field_path(program: &Program, facts: &Facts, test: &TestDef, path: &TestFactPath) -> String {
    let row = find_row(facts, test, path.record, &path.subject);
    match row {
        Some(row) => report::fact_path(
            program,
            facts,
            FactRef {
                record: path.record,
                row,
                field: path.field,
            },
        ),
        None => {
            let record = &program.records[path.record.idx()];
            let subject = match &path.subject {
                TestSubject::Key(key) => crate::escape::quote(program.interner.resolve(*key)),
                TestSubject::Position(position) => format!("#{}", position + 1),
            };
            format!(
                "{}[{subject}].{}",
                record.name, record.fields[path.field as usize].name
            )
        }
    }
}
