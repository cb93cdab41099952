//! The statuses `--explain` gives rules, in every combination of a deny rule and a permit rule
//! being true, false, unknown or not in force, each with or without an exception that is true,
//! false or unknown, under either default, from both evaluators; compared with the
//! "Explanations" section of docs/semantics.md, read here on its own.

#![allow(clippy::unwrap_used)] // Test code: a failed unwrap is a failed test.

use std::fmt::Write as _;

use pol::check::ir::Program;
use pol::engine::{Engine, NoFiles};
use pol::eval::{Options, RuleStatus, Verdict};

mod support;
use support::engine::json_facts;

static NO_FILES: NoFiles = NoFiles;

/// A three-valued truth, as the facts give it.
#[derive(Copy, Clone, Debug, PartialEq, Eq)]
enum Tri {
    T,
    F,
    U,
}

const TRIS: [Tri; 3] = [Tri::T, Tri::F, Tri::U];

impl Tri {
    fn json(self) -> &'static str {
        match self {
            Tri::T => "true",
            Tri::F => "false",
            Tri::U => "\"?\"",
        }
    }

    fn not(self) -> Tri {
        match self {
            Tri::T => Tri::F,
            Tri::F => Tri::T,
            Tri::U => Tri::U,
        }
    }

    fn and(self, other: Tri) -> Tri {
        match (self, other) {
            (Tri::F, _) | (_, Tri::F) => Tri::F,
            (Tri::T, Tri::T) => Tri::T,
            _ => Tri::U,
        }
    }
}

/// The law's dates of the cases: both rules in force, only the permit rule (the deny rule is
/// `effective 2020-01-01`), only the deny rule (the permit rule is `until 2030-01-01`).
const DATES: [(&str, bool, bool); 3] = [
    ("2025-06-01", true, true),
    ("2015-06-01", false, true),
    ("2035-06-01", true, false),
];

/// The rules of a policy, in source order: the deny rule, the permit rule, then the exception to
/// the deny rule (a permit) and the exception to the permit rule (a deny) when the policy has them.
#[derive(Copy, Clone, Debug)]
struct Shape {
    deny_exception: bool,
    permit_exception: bool,
    default_deny: bool,
}

impl Shape {
    fn text(self) -> String {
        let mut text = String::from(
            r#"policy "Statuses"

record Case key id {
  id: Text
  date: Date
  d: Bool
  p: Bool
  ed: Bool
  ep: Bool
}

decide c: Case on c.date
"#,
        );
        let default = if self.default_deny { "deny" } else { "permit" };
        writeln!(text, "default {default} because \"the default\"").unwrap();
        text.push_str(
            "\nrule deny_rule: deny {\n  when c.d\n  effective 2020-01-01\n}\n\
             \nrule permit_rule: permit {\n  when c.p\n  until 2030-01-01\n}\n",
        );
        if self.deny_exception {
            text.push_str("\nrule deny_exception: permit {\n  when c.ed\n  exception to deny_rule\n}\n");
        }
        if self.permit_exception {
            text.push_str("\nrule permit_exception: deny {\n  when c.ep\n  exception to permit_rule\n}\n");
        }
        text
    }
}

/// One case: the date's index in [`DATES`] and the values of `d`, `p`, `ed`, `ep`.
#[derive(Copy, Clone, Debug)]
struct Case {
    date: usize,
    d: Tri,
    p: Tri,
    ed: Tri,
    ep: Tri,
}

fn cases() -> Vec<Case> {
    let mut cases = Vec::new();
    for date in 0..DATES.len() {
        for d in TRIS {
            for p in TRIS {
                for ed in TRIS {
                    for ep in TRIS {
                        cases.push(Case { date, d, p, ed, ep });
                    }
                }
            }
        }
    }
    cases
}

fn facts_json(cases: &[Case]) -> String {
    let rows: Vec<String> = cases
        .iter()
        .enumerate()
        .map(|(idx, case)| {
            format!(
                r#"{{"id": "c{idx}", "date": "{}", "d": {}, "p": {}, "ed": {}, "ep": {}}}"#,
                DATES[case.date].0,
                case.d.json(),
                case.p.json(),
                case.ed.json(),
                case.ep.json()
            )
        })
        .collect();
    format!("{{\"Case\": [\n{}\n]}}\n", rows.join(",\n"))
}

/// One rule as the docs' definitions see it.
struct Standing {
    name: &'static str,
    deny: bool,
    in_force: bool,
    applies: Tri,
    /// The exception to it, by index in the policy's rules.
    exception: Option<usize>,
}

/// What docs/semantics.md says of a case: the verdict and, per rule in source order, its status
/// and the exceptions that defeated it.
fn expected(shape: Shape, case: Case) -> (Verdict, Vec<(RuleStatus, Vec<&'static str>)>) {
    let (_, deny_in_force, permit_in_force) = DATES[case.date];
    let mut rules = vec![
        Standing {
            name: "deny_rule",
            deny: true,
            in_force: deny_in_force,
            applies: case.d,
            exception: None,
        },
        Standing {
            name: "permit_rule",
            deny: false,
            in_force: permit_in_force,
            applies: case.p,
            exception: None,
        },
    ];
    if shape.deny_exception {
        rules[0].exception = Some(rules.len());
        rules.push(Standing {
            name: "deny_exception",
            deny: false,
            in_force: true,
            applies: case.ed,
            exception: None,
        });
    }
    if shape.permit_exception {
        rules[1].exception = Some(rules.len());
        rules.push(Standing {
            name: "permit_exception",
            deny: true,
            in_force: true,
            applies: case.ep,
            exception: None,
        });
    }
    // "Def(r) = Active(e1) or …; F when there are none"; "Active(r) = A(r) and not Def(r)". The
    // exceptions have no exceptions, so their activity is their applying.
    let defeated = |rule: &Standing| match rule.exception {
        Some(exception) if rules[exception].in_force => rules[exception].applies,
        _ => Tri::F,
    };
    let active: Vec<Tri> = rules
        .iter()
        .map(|rule| rule.applies.and(defeated(rule).not()))
        .collect();
    let with = |deny: bool, truth: Tri| -> Vec<usize> {
        (0..rules.len())
            .filter(|idx| rules[*idx].in_force && rules[*idx].deny == deny && active[*idx] == truth)
            .collect()
    };
    let (deny_t, deny_u, permit_t, permit_u) = (
        with(true, Tri::T),
        with(true, Tri::U),
        with(false, Tri::T),
        with(false, Tri::U),
    );
    // "The decision", steps 1 to 5.
    let (verdict, deciding) = if !deny_t.is_empty() {
        (Verdict::Deny, deny_t)
    } else if !deny_u.is_empty() {
        if shape.default_deny && permit_t.is_empty() && permit_u.is_empty() {
            (Verdict::Deny, Vec::new())
        } else {
            (Verdict::Undecided, Vec::new())
        }
    } else if !permit_t.is_empty() {
        (Verdict::Permit, permit_t)
    } else if !permit_u.is_empty() {
        let verdict = if shape.default_deny {
            Verdict::Undecided
        } else {
            Verdict::Permit
        };
        (verdict, Vec::new())
    } else {
        let verdict = if shape.default_deny {
            Verdict::Deny
        } else {
            Verdict::Permit
        };
        (verdict, Vec::new())
    };
    // "Explanations": one status per rule.
    let statuses = rules
        .iter()
        .enumerate()
        .map(|(idx, rule)| {
            let defeaters = || match rule.exception {
                Some(exception) => vec![rules[exception].name],
                None => Vec::new(),
            };
            if !rule.in_force {
                (RuleStatus::NotInForce, Vec::new())
            } else if deciding.contains(&idx) {
                (RuleStatus::Decided, Vec::new())
            } else if active[idx] == Tri::T && verdict == Verdict::Deny {
                // "overridden: active, but a deny rule decided (a permit under a deny)".
                (RuleStatus::Overridden, Vec::new())
            } else if active[idx] == Tri::T {
                // "pending: active, but the decision is undecided: it waits on unknown deny rules".
                assert_eq!(verdict, Verdict::Undecided, "an active rule that does not decide");
                (RuleStatus::Pending, Vec::new())
            } else if rule.applies == Tri::F {
                // "did not apply: a part was F".
                (RuleStatus::NotApplied(0), Vec::new())
            } else if defeated(rule) == Tri::T {
                // "defeated by e: the active exception e defeats it".
                (RuleStatus::Defeated, defeaters())
            } else {
                // "unknown: whether it is active depends on missing facts".
                assert_eq!(active[idx], Tri::U);
                (RuleStatus::Unknown, Vec::new())
            }
        })
        .collect();
    (verdict, statuses)
}

fn decide(
    engine: &mut Engine<'_>,
    program: &Program,
    json: &str,
    full_only: bool,
) -> Vec<pol::eval::Decision> {
    let input = json_facts("cases.json", json);
    let facts = engine.load_facts(program, vec![input]).unwrap();
    let options = Options {
        explain: true,
        full_only,
        ..Options::default()
    };
    engine
        .decide_all(program, &facts, options)
        .unwrap()
        .into_iter()
        .map(|decision| decision.unwrap())
        .collect()
}

#[test]
fn every_rule_status_is_the_one_the_semantics_page_defines() {
    let cases = cases();
    let json = facts_json(&cases);
    let mut failures = Vec::new();
    let mut n_pending = 0;
    for bits in 0..8 {
        let shape = Shape {
            deny_exception: bits & 1 != 0,
            permit_exception: bits & 2 != 0,
            default_deny: bits & 4 != 0,
        };
        let text = shape.text();
        let mut engine = Engine::new(&NO_FILES, Vec::new());
        let program = engine
            .load_policy_text("statuses.pol", &text, None)
            .unwrap()
            .checked
            .program;
        for full_only in [false, true] {
            let decisions = decide(&mut engine, &program, &json, full_only);
            assert_eq!(decisions.len(), cases.len());
            for (case, decision) in cases.iter().zip(&decisions) {
                let (verdict, statuses) = expected(shape, *case);
                let trace = decision.trace.as_ref().unwrap();
                let got: Vec<(RuleStatus, Vec<&str>)> = trace
                    .rules()
                    .map(|rule| {
                        let defeated_by = rule
                            .defeated_by()
                            .iter()
                            .map(|by| program.rules[by.idx()].name.as_str())
                            .collect();
                        (rule.status(), defeated_by)
                    })
                    .collect();
                n_pending += statuses
                    .iter()
                    .filter(|(status, _)| *status == RuleStatus::Pending)
                    .count();
                if decision.verdict != verdict || got != statuses {
                    failures.push(format!(
                        "{shape:?} {case:?} full_only {full_only}:\n  wanted {verdict:?} {statuses:?}\n  got    {:?} {got:?}",
                        decision.verdict
                    ));
                }
            }
        }
    }
    assert!(
        failures.is_empty(),
        "{} wrong:\n{}",
        failures.len(),
        failures.join("\n")
    );
    assert!(n_pending > 0, "no case has a pending rule");
}
