//! Coverage of a policy's rules by its `test` blocks, read from the derivations of the decisions
//! the tests make: which tests made each rule apply, defeat another rule or stay unknown, and
//! whether each condition part was seen true and false. Used by the test runner.

use std::collections::{BTreeMap, BTreeSet};

use serde_json::{Value as Json, json};

use crate::check::ir::{Program, RuleDef};
use crate::escape::escape_controls;
use crate::eval::{RuleStatus, Trace, Truth};
use crate::source::SourceMap;

pub mod messages;

/// The version of the coverage JSON document (`docs/coverage.md`); a change that can break a
/// reader bumps it.
pub const COVERAGE_VERSION: u32 = 1;

/// What the tests showed of one condition part (a `when` or `unless` clause, or one operand of
/// a `when`'s top-level `and`), as its expression is written.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct PartCoverage {
    /// `when` or `unless`.
    pub keyword: &'static str,
    /// The clause's expression on one line.
    pub text: String,
    /// Its 1-based line.
    pub line: usize,
    /// Whether some test saw the expression true.
    pub seen_true: bool,
    /// Whether some test saw it false.
    pub seen_false: bool,
    /// Whether some test saw it unknown (a fact missing).
    pub seen_unknown: bool,
}

impl PartCoverage {
    /// Whether the part was seen both true and false.
    pub fn covered(&self) -> bool {
        self.seen_true && self.seen_false
    }
}

/// What the tests showed of one rule.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct RuleCoverage {
    /// The file that declares it, as the source map names it.
    pub file: String,
    /// Its name.
    pub name: String,
    /// `permit` or `deny`.
    pub effect: &'static str,
    /// The 1-based line of its name.
    pub line: usize,
    /// Whether it is an exception to some rule.
    pub is_exception: bool,
    /// The tests in which it applied (every condition part held) for some subject.
    pub applied_in: BTreeSet<String>,
    /// The tests in which, as an active exception, it defeated another rule.
    pub defeated_in: BTreeSet<String>,
    /// The tests in which whether it applies was unknown.
    pub unknown_in: BTreeSet<String>,
    /// Its condition parts, in source order.
    pub parts: Vec<PartCoverage>,
}

/// Coverage of the rules of one or more programs by their tests; rules of the embedded
/// standard library are left out, and a rule is known by its file and name, so coverages of
/// programs that share a module merge into one entry per rule.
#[derive(Clone, Debug, Default)]
pub struct Coverage {
    rules: Vec<RuleCoverage>,
    /// Entry of each rule by file and name.
    index: BTreeMap<(String, String), usize>,
    /// Entry of each rule of the program being recorded, by rule id; `None` for the stdlib's.
    current: Vec<Option<usize>>,
}

/// A count of covered items out of a total.
#[derive(Copy, Clone, Debug, PartialEq, Eq)]
pub struct Ratio {
    /// Items covered.
    pub covered: usize,
    /// All items.
    pub total: usize,
}

impl Ratio {
    /// Whether the ratio reaches `percent` (0 to 100): `covered / total >= percent / 100`, with
    /// nothing to cover counting as 100%.
    pub fn reaches(self, percent: u32) -> bool {
        self.covered as u128 * 100 >= u128::from(percent) * self.total as u128
    }

    /// The percentage, rounded down to one decimal (so 99.96% never reads as 100.0%).
    pub fn percent_text(self) -> String {
        if self.total == 0 {
            return "100.0".into();
        }
        let tenths = self.covered as u128 * 1000 / self.total as u128;
        format!("{}.{}", tenths / 10, tenths % 10)
    }

    fn json(self) -> Json {
        json!({
            "covered": self.covered,
            "total": self.total,
            "percent": self.percent_text().parse::<f64>().unwrap_or(0.0),
        })
    }
}

impl Coverage {
    /// An empty coverage.
    pub fn new() -> Coverage {
        Coverage::default()
    }

    /// Starts recording the tests of `program`: its rules (but the stdlib's) get an entry
    /// unless a program recorded before shares them.
    pub fn begin(&mut self, program: &Program, sources: &SourceMap) {
        self.current.clear();
        for rule in &program.rules {
            let source = sources.get(rule.name_span.source);
            if source.name.starts_with("<std>/") {
                self.current.push(None);
                continue;
            }
            let key = (source.name.clone(), rule.name.clone());
            let entry = match self.index.get(&key) {
                Some(entry) => *entry,
                None => {
                    self.rules.push(rule_entry(rule, &source.name, sources));
                    self.index.insert(key, self.rules.len() - 1);
                    self.rules.len() - 1
                }
            };
            self.current.push(Some(entry));
        }
    }

    /// Records what one decision of the test `test` showed, from its derivation.
    pub fn record(&mut self, program: &Program, test: &str, trace: &Trace) {
        for rule_trace in trace.rules() {
            let id = rule_trace.rule();
            let Some(Some(entry)) = self.current.get(id.idx()).copied() else {
                continue;
            };
            let def = &program.rules[id.idx()];
            let status = rule_trace.status();
            let mut all_true = true;
            let mut any_unknown = false;
            let mut n_parts = 0;
            for (part, condition) in rule_trace.parts().zip(&def.conditions) {
                n_parts += 1;
                let seen = &mut self.rules[entry].parts[n_parts - 1];
                match (part.truth(), condition.negated) {
                    (Truth::Unknown, _) => {
                        seen.seen_unknown = true;
                        any_unknown = true;
                    }
                    (Truth::True, false) | (Truth::False, true) => seen.seen_true = true,
                    (Truth::False, false) | (Truth::True, true) => seen.seen_false = true,
                }
                all_true &= part.truth() == Truth::True;
            }
            let coverage = &mut self.rules[entry];
            let applied = match status {
                RuleStatus::Decided | RuleStatus::Overridden | RuleStatus::Pending => true,
                RuleStatus::Defeated => all_true && n_parts == def.conditions.len(),
                RuleStatus::NotApplied(_) | RuleStatus::Unknown | RuleStatus::NotInForce => false,
            };
            if applied {
                coverage.applied_in.insert(test.to_owned());
            }
            if status == RuleStatus::Unknown || (status == RuleStatus::Defeated && any_unknown) {
                coverage.unknown_in.insert(test.to_owned());
            }
            for defeater in rule_trace.defeated_by() {
                if let Some(Some(entry)) = self.current.get(defeater.idx()).copied() {
                    self.rules[entry].defeated_in.insert(test.to_owned());
                }
            }
        }
    }

    /// The rules, in the order first met (file by file, source order within a file).
    pub fn rules(&self) -> &[RuleCoverage] {
        &self.rules
    }

    /// Rule coverage: the rules that applied in at least one test, out of all rules.
    pub fn rule_ratio(&self) -> Ratio {
        Ratio {
            covered: self
                .rules
                .iter()
                .filter(|rule| !rule.applied_in.is_empty())
                .count(),
            total: self.rules.len(),
        }
    }

    /// Condition coverage: the condition parts seen both true and false, out of all parts.
    pub fn condition_ratio(&self) -> Ratio {
        let parts = self.rules.iter().flat_map(|rule| &rule.parts);
        Ratio {
            covered: parts.clone().filter(|part| part.covered()).count(),
            total: parts.count(),
        }
    }

    /// The coverage as text, file by file: each rule with the tests that made it apply, defeat
    /// another rule or stay unknown, each part with the values seen, the rules never applied
    /// and the two percentages.
    pub fn text(&self) -> String {
        let mut out = String::new();
        let mut file: Option<&str> = None;
        for rule in &self.rules {
            if file != Some(rule.file.as_str()) {
                file = Some(rule.file.as_str());
                out.push_str(&format!("coverage of {}\n", escape_controls(&rule.file)));
            }
            let kind = if rule.is_exception { "exception" } else { "rule" };
            out.push_str(&format!(
                "  {kind} {} ({}, line {})\n",
                rule.name, rule.effect, rule.line
            ));
            out.push_str(&format!("    applied in: {}\n", test_list(&rule.applied_in)));
            if rule.is_exception {
                out.push_str(&format!(
                    "    defeated a rule in: {}\n",
                    test_list(&rule.defeated_in)
                ));
            }
            if !rule.unknown_in.is_empty() {
                out.push_str(&format!("    unknown in: {}\n", test_list(&rule.unknown_in)));
            }
            for part in &rule.parts {
                out.push_str(&format!(
                    "    {} {} (line {}): {}\n",
                    part.keyword,
                    part.text,
                    part.line,
                    seen_text(part)
                ));
            }
        }
        let never: Vec<&str> = self
            .rules
            .iter()
            .filter(|rule| rule.applied_in.is_empty())
            .map(|rule| rule.name.as_str())
            .collect();
        if !never.is_empty() {
            out.push_str(&format!("never applied: {}\n", never.join(", ")));
        }
        let rules = self.rule_ratio();
        let parts = self.condition_ratio();
        out.push_str(&format!(
            "rule coverage: {} of {} rules applied ({}%)\n",
            rules.covered,
            rules.total,
            rules.percent_text()
        ));
        out.push_str(&format!(
            "condition coverage: {} of {} condition parts seen true and false ({}%)\n",
            parts.covered,
            parts.total,
            parts.percent_text()
        ));
        out
    }

    /// The coverage as the JSON object of `docs/coverage.md`.
    pub fn json(&self) -> Json {
        let rules: Vec<Json> = self
            .rules
            .iter()
            .map(|rule| {
                json!({
                    "file": rule.file,
                    "name": rule.name,
                    "effect": rule.effect,
                    "line": rule.line,
                    "exception": rule.is_exception,
                    "applied_in": rule.applied_in,
                    "defeated_in": rule.defeated_in,
                    "unknown_in": rule.unknown_in,
                    "parts": rule.parts.iter().map(|part| json!({
                        "clause": part.keyword,
                        "text": part.text,
                        "line": part.line,
                        "seen_true": part.seen_true,
                        "seen_false": part.seen_false,
                        "seen_unknown": part.seen_unknown,
                    })).collect::<Vec<_>>(),
                })
            })
            .collect();
        let never: Vec<Json> = self
            .rules
            .iter()
            .filter(|rule| rule.applied_in.is_empty())
            .map(|rule| json!({"file": rule.file, "name": rule.name}))
            .collect();
        json!({
            "rule_coverage": self.rule_ratio().json(),
            "condition_coverage": self.condition_ratio().json(),
            "rules": rules,
            "never_applied": never,
        })
    }
}

fn rule_entry(rule: &RuleDef, file: &str, sources: &SourceMap) -> RuleCoverage {
    let line = |offset: u32| sources.get(rule.name_span.source).line_of(offset) as usize + 1;
    RuleCoverage {
        file: file.to_owned(),
        name: rule.name.clone(),
        effect: rule.effect.as_str(),
        line: line(rule.name_span.start),
        is_exception: !rule.exception_to.is_empty(),
        parts: rule
            .conditions
            .iter()
            .map(|condition| PartCoverage {
                keyword: if condition.negated { "unless" } else { "when" },
                text: one_line(sources.snippet(condition.span)),
                line: line(condition.span.start),
                ..PartCoverage::default()
            })
            .collect(),
        ..RuleCoverage::default()
    }
}

fn one_line(text: &str) -> String {
    escape_controls(&text.split_whitespace().collect::<Vec<_>>().join(" ")).into_owned()
}

fn test_list(tests: &BTreeSet<String>) -> String {
    if tests.is_empty() {
        return "no test".into();
    }
    tests
        .iter()
        .map(|name| format!("`{}`", escape_controls(name)))
        .collect::<Vec<_>>()
        .join(", ")
}

fn seen_text(part: &PartCoverage) -> String {
    let mut seen = Vec::new();
    if part.seen_true {
        seen.push("true");
    }
    if part.seen_false {
        seen.push("false");
    }
    if part.seen_unknown {
        seen.push("unknown");
    }
    let mut text = if seen.is_empty() {
        "never evaluated".to_owned()
    } else {
        format!("seen {}", seen.join(", "))
    };
    if !part.covered() && !seen.is_empty() {
        text.push_str(if part.seen_true {
            " (never false)"
        } else if part.seen_false {
            " (never true)"
        } else {
            " (never true or false)"
        });
    }
    text
}

#[cfg(test)]
mod tests {
    use super::Ratio;

    fn check(covered: usize, total: usize, percent: u32, reaches: bool, text: &str) {
        let ratio = Ratio { covered, total };
        assert_eq!(
            ratio.reaches(percent),
            reaches,
            "{covered}/{total} reaches {percent}"
        );
        assert_eq!(ratio.percent_text(), text);
    }

    #[test]
    fn percentages_round_down_and_nothing_to_cover_is_full() {
        check(0, 0, 100, true, "100.0");
        check(2, 3, 66, true, "66.6");
        check(2, 3, 67, false, "66.6");
        check(9999, 10000, 100, false, "99.9");
        check(3, 3, 100, true, "100.0");
    }
}
