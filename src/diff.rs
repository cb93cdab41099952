//! Comparing two policies, or one policy under the law of two dates: the rules added, removed,
//! changed, coming into and going out of force (`compare_rules`), and one subject's decisions on
//! both sides (`Outcome`, `explanation_diff`), as text and JSON. Formats strings; prints nothing.

mod messages;

use std::collections::{BTreeMap, BTreeSet};

use serde_json::{Value as Json, json};

use crate::check::ir::{Expr, ExprKind, Program, RuleDef, RuleId};
use crate::diagnostic::Diagnostic;
use crate::escape::escape_controls;
use crate::eval::{Decision, RuleStatus, Verdict};
use crate::facts::Facts;
use crate::report::{self, RuleLines};
use crate::source::SourceMap;
use crate::value::Date;

pub use messages::{different_subjects, nothing_to_compare};

/// The version of the JSON format of `pol diff` (`docs/diff.md`, `docs/diff.schema.json`); any
/// change that can break a reader bumps it.
pub const DIFF_VERSION: u32 = 1;

/// One side of a comparison: a policy, and the date whose law it is read under (each subject's
/// own date when `None`).
#[derive(Copy, Clone, Debug)]
pub struct Side<'a> {
    /// The checked policy.
    pub program: &'a Program,
    /// The law's date, if one is given for every subject.
    pub date: Option<Date>,
}

/// What changed in a rule found under the same name on both sides.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum Aspect {
    /// Permit became deny or the reverse.
    Effect,
    /// The text of its `when` and `unless` parts.
    Condition,
    /// A function or constant its conditions use, by name (`fn is_partner`, `let NATO`).
    Uses(String),
    /// The rules it is an exception to.
    Exceptions,
    /// Its `effective` or `until` date.
    Dates,
    /// Its citation.
    Citation,
    /// Its reason.
    Reason,
    /// The obligations it attaches, or their texts.
    Obligations,
}

impl Aspect {
    /// The word output uses for it.
    pub fn as_str(&self) -> String {
        match self {
            Aspect::Effect => "effect".into(),
            Aspect::Condition => "condition".into(),
            Aspect::Uses(name) => format!("uses {name}"),
            Aspect::Exceptions => "exceptions".into(),
            Aspect::Dates => "dates".into(),
            Aspect::Citation => "citation".into(),
            Aspect::Reason => "reason".into(),
            Aspect::Obligations => "obligations".into(),
        }
    }
}

/// How a rule differs between the two sides.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum RuleChangeKind {
    /// Only the new side has a rule of this name.
    Added,
    /// Only the old side has a rule of this name.
    Removed,
    /// Both have it, and its definition differs.
    Changed(Vec<Aspect>),
    /// In force on the new side's date, not on the old side's.
    IntoForce,
    /// In force on the old side's date, not on the new side's.
    OutOfForce,
}

/// One rule that differs between the two sides, matched by name (a renamed rule is removed and
/// added).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RuleChange {
    /// The rule's name.
    pub name: String,
    /// How it differs.
    pub kind: RuleChangeKind,
    /// The rule on the old side, if it has one.
    pub old: Option<RuleId>,
    /// The rule on the new side, if it has one.
    pub new: Option<RuleId>,
}

/// The static part of a comparison: what differs in the rules, needing no facts.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct RulesDiff {
    /// Rules added, removed and changed, by name; then rules coming into and going out of force
    /// between the two dates, by name.
    pub changes: Vec<RuleChange>,
    /// Whether the default decision (effect, reason or citation) differs.
    pub default_changed: bool,
}

/// Compares the rules of two sides: the rules added, removed and changed (when the programs
/// differ), and those coming into or going out of force between the two dates (when both sides
/// name a date and the dates differ).
pub fn compare_rules(old: Side<'_>, new: Side<'_>, sources: &SourceMap) -> RulesDiff {
    let old_rules = rules_by_name(old.program);
    let new_rules = rules_by_name(new.program);
    let mut changes = Vec::new();
    let names: BTreeSet<&str> = old_rules.keys().chain(new_rules.keys()).copied().collect();
    for &name in &names {
        let kind = match (old_rules.get(name), new_rules.get(name)) {
            (Some(_), None) => RuleChangeKind::Removed,
            (None, Some(_)) => RuleChangeKind::Added,
            (Some(&old_id), Some(&new_id)) => {
                let aspects = rule_aspects(old.program, old_id, new.program, new_id, sources);
                if aspects.is_empty() {
                    continue;
                }
                RuleChangeKind::Changed(aspects)
            }
            (None, None) => unreachable!("compare_rules: `{name}` comes from one of the two maps"),
        };
        changes.push(RuleChange {
            name: name.to_string(),
            kind,
            old: old_rules.get(name).copied(),
            new: new_rules.get(name).copied(),
        });
    }
    if let (Some(old_date), Some(new_date)) = (old.date, new.date)
        && old_date != new_date
    {
        for &name in &names {
            let (Some(&old_id), Some(&new_id)) = (old_rules.get(name), new_rules.get(name)) else {
                continue;
            };
            let before = old.program.rules[old_id.idx()].in_force(old_date);
            let after = new.program.rules[new_id.idx()].in_force(new_date);
            let kind = match (before, after) {
                (false, true) => RuleChangeKind::IntoForce,
                (true, false) => RuleChangeKind::OutOfForce,
                _ => continue,
            };
            changes.push(RuleChange {
                name: name.to_string(),
                kind,
                old: Some(old_id),
                new: Some(new_id),
            });
        }
    }
    let default_of = |program: &Program| {
        program
            .default
            .as_ref()
            .map(|default| (default.effect, default.reason.clone(), default.citation.clone()))
    };
    RulesDiff {
        changes,
        default_changed: default_of(old.program) != default_of(new.program),
    }
}

fn rules_by_name(program: &Program) -> BTreeMap<&str, RuleId> {
    program
        .rules
        .iter()
        .enumerate()
        .map(|(idx, rule)| (rule.name.as_str(), RuleId(idx as u32)))
        .collect()
}

/// What differs between two rules of the same name.
fn rule_aspects(
    old: &Program,
    old_id: RuleId,
    new: &Program,
    new_id: RuleId,
    sources: &SourceMap,
) -> Vec<Aspect> {
    let (before, after) = (&old.rules[old_id.idx()], &new.rules[new_id.idx()]);
    let mut aspects = Vec::new();
    if before.effect != after.effect {
        aspects.push(Aspect::Effect);
    }
    if condition_text(before, sources) != condition_text(after, sources) {
        aspects.push(Aspect::Condition);
    }
    // A function or constant the conditions reach, changed under the same name, changes what
    // the rule decides though its own text is the same.
    let old_uses = definitions_used(old, before, sources);
    let new_uses = definitions_used(new, after, sources);
    for (name, text) in &new_uses {
        if old_uses.get(name).is_some_and(|old_text| old_text != text) {
            aspects.push(Aspect::Uses(name.clone()));
        }
    }
    if names_of(old, &before.exception_to) != names_of(new, &after.exception_to) {
        aspects.push(Aspect::Exceptions);
    }
    if (before.effective, before.until) != (after.effective, after.until) {
        aspects.push(Aspect::Dates);
    }
    if before.citation != after.citation {
        aspects.push(Aspect::Citation);
    }
    if before.reason != after.reason {
        aspects.push(Aspect::Reason);
    }
    if obligations_of(old, before) != obligations_of(new, after) {
        aspects.push(Aspect::Obligations);
    }
    aspects
}

/// A rule's condition as written, one part per line, whitespace collapsed.
fn condition_text(rule: &RuleDef, sources: &SourceMap) -> Vec<String> {
    rule.conditions
        .iter()
        .map(|condition| {
            let keyword = if condition.negated { "unless" } else { "when" };
            format!("{keyword} {}", collapse(sources.snippet(condition.span)))
        })
        .collect()
}

fn collapse(text: &str) -> String {
    text.split_whitespace().collect::<Vec<_>>().join(" ")
}

fn names_of(program: &Program, rules: &[RuleId]) -> BTreeSet<String> {
    rules
        .iter()
        .map(|rule| program.rules[rule.idx()].name.clone())
        .collect()
}

fn obligations_of(program: &Program, rule: &RuleDef) -> BTreeSet<(String, String)> {
    rule.obligations
        .iter()
        .map(|id| {
            let obligation = &program.obligations[id.idx()];
            (obligation.name.clone(), obligation.text.clone())
        })
        .collect()
}

/// The functions and constants a rule's conditions reach, directly or through others, each
/// with its text as written (whitespace collapsed): `fn is_partner` and `let NATO`.
fn definitions_used(program: &Program, rule: &RuleDef, sources: &SourceMap) -> BTreeMap<String, String> {
    let mut found = BTreeMap::new();
    let mut stack: Vec<&Expr> = rule.conditions.iter().map(|condition| &condition.expr).collect();
    while let Some(expr) = stack.pop() {
        match &expr.kind {
            ExprKind::Call(id, _) => {
                let function = &program.functions[id.idx()];
                let name = format!("fn {}", function.name);
                if let std::collections::btree_map::Entry::Vacant(entry) = found.entry(name) {
                    let params: Vec<&str> = function.params.iter().map(|(name, _)| name.as_str()).collect();
                    let body = collapse(sources.snippet(function.body.span));
                    entry.insert(format!("({}) = {body}", params.join(", ")));
                    stack.push(&function.body);
                }
            }
            ExprKind::Const(id) => {
                let constant = &program.consts[id.idx()];
                let name = format!("let {}", constant.name);
                if let std::collections::btree_map::Entry::Vacant(entry) = found.entry(name) {
                    entry.insert(collapse(sources.snippet(constant.value.span)));
                    stack.push(&constant.value);
                }
            }
            _ => {}
        }
        expr.for_each_child(|child| stack.push(child));
    }
    found
}

/// When a rule is in force, in words: `from 2023-12-22`, `2014-04-01 to 2023-12-22`, `always`.
pub fn in_force_text(rule: &RuleDef) -> String {
    match (rule.effective, rule.until) {
        (Some(from), Some(until)) => format!("{from} to {until}"),
        (Some(from), None) => format!("from {from}"),
        (None, Some(until)) => format!("until {until}"),
        (None, None) => "always".into(),
    }
}

/// How each side is named in output: a policy's file name, and the law's date when given.
#[derive(Clone, Debug)]
pub struct SideNames {
    /// The old side: `old.pol`, `three_principles.pol under the law of 2023-12-21`.
    pub old: String,
    /// The new side.
    pub new: String,
}

/// The static part as text: a heading, then one entry per rule that differs, with its
/// citation, and the default when it differs.
pub fn rules_text(
    diff: &RulesDiff,
    old: Side<'_>,
    new: Side<'_>,
    names: &SideNames,
    sources: &SourceMap,
) -> String {
    let mut out = format!(
        "rules: {} → {}\n",
        escape_controls(&names.old),
        escape_controls(&names.new)
    );
    if diff.changes.is_empty() && !diff.default_changed {
        out.push_str("  no rule differs\n");
    }
    for change in &diff.changes {
        let (label, rule) = match &change.kind {
            RuleChangeKind::Added => ("added", new.program.rules.get(rule_idx(change.new))),
            RuleChangeKind::Removed => ("removed", old.program.rules.get(rule_idx(change.old))),
            RuleChangeKind::Changed(_) => ("changed", new.program.rules.get(rule_idx(change.new))),
            RuleChangeKind::IntoForce => ("into force", new.program.rules.get(rule_idx(change.new))),
            RuleChangeKind::OutOfForce => ("out of force", old.program.rules.get(rule_idx(change.old))),
        };
        let rule = rule.expect("a change names the rule of the side it shows");
        out.push_str(&format!(
            "  {label}: {} ({}, {})",
            rule.name,
            rule.effect.as_str(),
            in_force_text(rule)
        ));
        if let RuleChangeKind::Changed(aspects) = &change.kind {
            let words: Vec<String> = aspects.iter().map(Aspect::as_str).collect();
            out.push_str(&format!(": {}\n", words.join(", ")));
            let before = &old.program.rules[rule_idx(change.old)];
            for line in aspect_lines(old.program, before, new.program, rule, aspects, sources) {
                out.push_str(&format!("     {line}\n"));
            }
            if let Some(citation) = rule
                .citation
                .as_ref()
                .filter(|_| !aspects.contains(&Aspect::Citation))
            {
                out.push_str(&format!("     cite: {}\n", escape_controls(citation)));
            }
            continue;
        }
        out.push('\n');
        if let Some(citation) = &rule.citation {
            out.push_str(&format!("     cite: {}\n", escape_controls(citation)));
        }
    }
    if diff.default_changed {
        let shown = |program: &Program| {
            program.default.as_ref().map_or_else(
                || "none".to_string(),
                |default| {
                    let mut text = default.effect.as_str().to_string();
                    if let Some(reason) = &default.reason {
                        text.push_str(&format!(": {}", escape_controls(reason)));
                    }
                    if let Some(citation) = &default.citation {
                        text.push_str(&format!(" (cite: {})", escape_controls(citation)));
                    }
                    text
                },
            )
        };
        out.push_str(&format!(
            "  default changed:\n     - {}\n     + {}\n",
            shown(old.program),
            shown(new.program)
        ));
    }
    out
}

fn rule_idx(id: Option<RuleId>) -> usize {
    id.map_or(usize::MAX, RuleId::idx)
}

/// The lines showing each changed aspect of a rule: `- old` then `+ new`.
fn aspect_lines(
    old: &Program,
    before: &RuleDef,
    new: &Program,
    after: &RuleDef,
    aspects: &[Aspect],
    sources: &SourceMap,
) -> Vec<String> {
    let mut lines = Vec::new();
    let mut pair = |what: &str, before: String, after: String| {
        lines.push(format!("{what}:"));
        lines.push(format!("  - {}", escape_controls(&before)));
        lines.push(format!("  + {}", escape_controls(&after)));
    };
    let optional = |text: &Option<String>| text.clone().unwrap_or_else(|| "(none)".into());
    let list = |items: Vec<String>| {
        if items.is_empty() {
            "(none)".to_string()
        } else {
            items.join(", ")
        }
    };
    for aspect in aspects {
        match aspect {
            Aspect::Effect => pair(
                "effect",
                before.effect.as_str().into(),
                after.effect.as_str().into(),
            ),
            Aspect::Condition => pair(
                "condition",
                condition_text(before, sources).join(" "),
                condition_text(after, sources).join(" "),
            ),
            Aspect::Uses(name) => {
                let old_uses = definitions_used(old, before, sources);
                let new_uses = definitions_used(new, after, sources);
                pair(
                    name,
                    old_uses.get(name).cloned().unwrap_or_default(),
                    new_uses.get(name).cloned().unwrap_or_default(),
                );
            }
            Aspect::Exceptions => pair(
                "exception to",
                list(names_of(old, &before.exception_to).into_iter().collect()),
                list(names_of(new, &after.exception_to).into_iter().collect()),
            ),
            Aspect::Dates => pair("in force", in_force_text(before), in_force_text(after)),
            Aspect::Citation => pair("cite", optional(&before.citation), optional(&after.citation)),
            Aspect::Reason => pair("because", optional(&before.reason), optional(&after.reason)),
            Aspect::Obligations => {
                let shown = |program: &Program, rule: &RuleDef| {
                    list(
                        obligations_of(program, rule)
                            .into_iter()
                            .map(|(name, text)| format!("{name} ({text})"))
                            .collect(),
                    )
                };
                pair("oblige", shown(old, before), shown(new, after));
            }
        }
    }
    lines
}

/// The static part as JSON: one object, `"kind": "rules"`.
pub fn rules_json(diff: &RulesDiff, old: Side<'_>, new: Side<'_>, names: &SideNames) -> Json {
    let rule = |program: &Program, id: Option<RuleId>| {
        program.rules.get(rule_idx(id)).map(|rule| {
            json!({
                "name": rule.name,
                "effect": rule.effect.as_str(),
                "reason": rule.reason,
                "citation": rule.citation,
                "effective": rule.effective.map(|date| date.to_string()),
                "until": rule.until.map(|date| date.to_string()),
            })
        })
    };
    let of_kind = |wanted: fn(&RuleChangeKind) -> bool, program: &Program, use_new: bool| -> Vec<Json> {
        diff.changes
            .iter()
            .filter(|change| wanted(&change.kind))
            .filter_map(|change| rule(program, if use_new { change.new } else { change.old }))
            .collect()
    };
    let changed: Vec<Json> = diff
        .changes
        .iter()
        .filter_map(|change| match &change.kind {
            RuleChangeKind::Changed(aspects) => Some(json!({
                "name": change.name,
                "aspects": aspect_words(aspects),
                "uses": aspects.iter().filter_map(|aspect| match aspect {
                    Aspect::Uses(name) => Some(name.as_str()),
                    _ => None,
                }).collect::<Vec<_>>(),
                "old": rule(old.program, change.old),
                "new": rule(new.program, change.new),
            })),
            _ => None,
        })
        .collect();
    let default = |program: &Program| {
        program.default.as_ref().map(|default| {
            json!({"effect": default.effect.as_str(), "reason": default.reason, "citation": default.citation})
        })
    };
    json!({
        "version": DIFF_VERSION,
        "kind": "rules",
        "old": side_json(&names.old, old),
        "new": side_json(&names.new, new),
        "added": of_kind(|kind| *kind == RuleChangeKind::Added, new.program, true),
        "removed": of_kind(|kind| *kind == RuleChangeKind::Removed, old.program, false),
        "changed": changed,
        "into_force": of_kind(|kind| *kind == RuleChangeKind::IntoForce, new.program, true),
        "out_of_force": of_kind(|kind| *kind == RuleChangeKind::OutOfForce, old.program, false),
        "default": if diff.default_changed {
            json!({"old": default(old.program), "new": default(new.program)})
        } else {
            Json::Null
        },
    })
}

/// The aspects of a change as JSON words: `uses` once for every function or constant changed.
fn aspect_words(aspects: &[Aspect]) -> Vec<&'static str> {
    let mut words: Vec<&'static str> = aspects
        .iter()
        .map(|aspect| match aspect {
            Aspect::Effect => "effect",
            Aspect::Condition => "condition",
            Aspect::Uses(_) => "uses",
            Aspect::Exceptions => "exceptions",
            Aspect::Dates => "dates",
            Aspect::Citation => "citation",
            Aspect::Reason => "reason",
            Aspect::Obligations => "obligations",
        })
        .collect();
    words.dedup();
    words
}

fn side_json(name: &str, side: Side<'_>) -> Json {
    json!({"name": name, "law_date": side.date.map(|date| date.to_string())})
}

/// The outcome of one decision as a diff compares it: the verdict, the deciding rules and the
/// obligations, by name (so that two policies' decisions compare).
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Outcome {
    /// Permit, deny or undecided, as a word.
    pub verdict: &'static str,
    /// Whether the default decided (no rule did, and the verdict is not undecided).
    pub by_default: bool,
    /// The deciding rules, sorted.
    pub rules: Vec<String>,
    /// The obligations attached, sorted.
    pub obligations: Vec<String>,
}

impl Outcome {
    /// The outcome of a decision.
    pub fn of(program: &Program, decision: &Decision) -> Outcome {
        let mut rules: Vec<String> = decision
            .deciding
            .iter()
            .map(|rule| program.rules[rule.idx()].name.clone())
            .collect();
        rules.sort();
        let mut obligations: Vec<String> = decision
            .obligations
            .iter()
            .map(|obligation| program.obligations[obligation.idx()].name.clone())
            .collect();
        obligations.sort();
        Outcome {
            verdict: decision.verdict.as_str(),
            by_default: decision.deciding.is_empty() && decision.verdict != Verdict::Undecided,
            rules,
            obligations,
        }
    }

    /// The outcome in words: `deny by default`, `permit by licensed_return with prior_consent`,
    /// `undecided`.
    pub fn label(&self) -> String {
        let mut out = self.verdict.to_string();
        if self.by_default {
            out.push_str(" by default");
        } else if !self.rules.is_empty() {
            out.push_str(&format!(" by {}", self.rules.join(", ")));
        }
        if !self.obligations.is_empty() {
            out.push_str(&format!(" with {}", self.obligations.join(", ")));
        }
        out
    }

    /// The outcome as JSON: `{"decision", "by_default", "rules", "obligations"}`.
    pub fn json(&self) -> Json {
        json!({
            "decision": self.verdict,
            "by_default": self.by_default,
            "rules": self.rules,
            "obligations": self.obligations,
        })
    }
}

/// One decided subject on one side, with what its text needs.
#[derive(Copy, Clone, Debug)]
pub struct Decided<'a> {
    /// The policy that decided it.
    pub program: &'a Program,
    /// The facts it was decided on.
    pub facts: &'a Facts,
    /// The decision, with its derivation when one was recorded.
    pub decision: &'a Decision,
}

/// One rule whose derivation differs between the two sides: its line on each side (`None` when
/// that side does not evaluate the rule) and the part lines found on one side only.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RuleDifference {
    /// The rule's line on the old side, `name (effect): status`.
    pub old: Option<String>,
    /// The rule's line on the new side.
    pub new: Option<String>,
    /// Part lines only the old side has.
    pub old_parts: Vec<String>,
    /// Part lines only the new side has.
    pub new_parts: Vec<String>,
}

/// The lines of two derivations that differ, rule by rule (matched by name, in the new side's
/// order, then rules only the old side has). Left out are rules whose lines are the same, and
/// rules that bore on neither decision: not in force, or in force and not applying, on each side.
pub fn explanation_diff(
    old: Decided<'_>,
    new: Decided<'_>,
    sources: &SourceMap,
    offset: u64,
) -> Vec<RuleDifference> {
    let lines = |side: Decided<'_>| -> Vec<(String, RuleLines)> {
        match &side.decision.trace {
            Some(trace) if !report::law_date_unknown(side.decision) => {
                report::trace_rules(side.program, side.facts, sources, trace, offset)
                    .into_iter()
                    .map(|rule| (side.program.rules[rule.rule.idx()].name.clone(), rule))
                    .collect()
            }
            _ => Vec::new(),
        }
    };
    let old_lines = lines(old);
    let new_lines = lines(new);
    let bore = |rule: Option<&RuleLines>| {
        rule.is_some_and(|rule| !matches!(rule.status, RuleStatus::NotInForce | RuleStatus::NotApplied(_)))
    };
    let old_by_name: BTreeMap<&str, &RuleLines> = old_lines
        .iter()
        .map(|(name, rule)| (name.as_str(), rule))
        .collect();
    let new_names: BTreeSet<&str> = new_lines.iter().map(|(name, _)| name.as_str()).collect();
    let mut differences = Vec::new();
    for (name, after) in &new_lines {
        let before = old_by_name.get(name.as_str());
        if !bore(Some(after)) && !bore(before.copied()) {
            continue;
        }
        let only = |from: &[String], other: &[String]| -> Vec<String> {
            from.iter()
                .filter(|line| !other.contains(line))
                .cloned()
                .collect()
        };
        let difference = match before {
            Some(before) => RuleDifference {
                old: Some(before.line.clone()),
                new: Some(after.line.clone()),
                old_parts: only(&before.parts, &after.parts),
                new_parts: only(&after.parts, &before.parts),
            },
            None => RuleDifference {
                old: None,
                new: Some(after.line.clone()),
                old_parts: Vec::new(),
                new_parts: after.parts.clone(),
            },
        };
        if difference.old != difference.new
            || !difference.old_parts.is_empty()
            || !difference.new_parts.is_empty()
        {
            differences.push(difference);
        }
    }
    for (name, before) in &old_lines {
        if !new_names.contains(name.as_str()) && bore(Some(before)) {
            differences.push(RuleDifference {
                old: Some(before.line.clone()),
                new: None,
                old_parts: before.parts.clone(),
                new_parts: Vec::new(),
            });
        }
    }
    differences
}

/// One changed subject as text: a headline with both outcomes, the law's dates when they are
/// each subject's own, then the derivation lines that differ (`-` old side, `+` new side).
pub fn change_text(old: Decided<'_>, new: Decided<'_>, sources: &SourceMap, offset: u64) -> String {
    let program = new.program;
    let mut out = format!(
        "{} {}: {} → {}\n",
        report::subject_record(program),
        report::subject_name(program, new.facts, new.decision.subject, offset),
        Outcome::of(old.program, old.decision).label(),
        Outcome::of(new.program, new.decision).label()
    );
    for (sign, side) in [("-", old), ("+", new)] {
        if !side.decision.missing.is_empty() {
            let missing = report::missing_fact_paths(side.program, side.facts, &side.decision.missing);
            out.push_str(&format!("  {sign} missing: {}\n", missing.join(", ")));
        }
        if report::law_date_unknown(side.decision) {
            out.push_str(&format!(
                "  {sign} the law's date is unknown, so which rules are in force is unknown\n"
            ));
        }
    }
    let differences = explanation_diff(old, new, sources, offset);
    if !differences.is_empty() {
        out.push_str("  explain, what differs:\n");
    }
    for difference in &differences {
        match (&difference.old, &difference.new) {
            (Some(before), Some(after)) if before == after => out.push_str(&format!("      {before}\n")),
            (before, after) => {
                if let Some(before) = before {
                    out.push_str(&format!("    - {before}\n"));
                }
                if let Some(after) = after {
                    out.push_str(&format!("    + {after}\n"));
                }
            }
        }
        for part in &difference.old_parts {
            out.push_str(&format!("    -   {part}\n"));
        }
        for part in &difference.new_parts {
            out.push_str(&format!("    +   {part}\n"));
        }
    }
    out
}

/// One changed subject as JSON: `"kind": "subject"`, the subject, both outcomes (with missing
/// facts) and the derivation lines that differ.
pub fn change_json(old: Decided<'_>, new: Decided<'_>, sources: &SourceMap, offset: u64) -> Json {
    let program = new.program;
    let key = program
        .subject
        .as_ref()
        .and_then(|subject| new.facts.key_text(program, subject.record, new.decision.subject));
    let side = |side: Decided<'_>| {
        let mut object = Outcome::of(side.program, side.decision).json();
        object["missing"] = json!(report::missing_fact_paths(
            side.program,
            side.facts,
            &side.decision.missing
        ));
        object["law_date"] = json!(side.decision.law_date.map(|date| date.to_string()));
        object
    };
    let explanation: Vec<Json> = explanation_diff(old, new, sources, offset)
        .into_iter()
        .map(|difference| {
            json!({
                "old": difference.old,
                "new": difference.new,
                "old_parts": difference.old_parts,
                "new_parts": difference.new_parts,
            })
        })
        .collect();
    let old_outcome = Outcome::of(old.program, old.decision);
    let new_outcome = Outcome::of(new.program, new.decision);
    json!({
        "version": DIFF_VERSION,
        "kind": "subject",
        "record": report::subject_record(program),
        "key": key,
        "position": offset + u64::from(new.decision.subject) + 1,
        "change": format!("{} → {}", old_outcome.label(), new_outcome.label()),
        "old": side(old),
        "new": side(new),
        "explanation": explanation,
    })
}

/// A subject whose decision failed on one side or both, as text: it gets no comparison.
pub fn failure_text(
    program: &Program,
    facts: &Facts,
    row: u32,
    offset: u64,
    side: &str,
    diagnostic: &Diagnostic,
) -> String {
    format!(
        "{} {}: ERROR on the {side} side, no comparison: {} [{}]",
        report::subject_record(program),
        report::subject_name(program, facts, row, offset),
        escape_controls(&diagnostic.message),
        diagnostic.code.as_str()
    )
}

/// A subject whose decision failed, as JSON: `"kind": "error"`.
pub fn failure_json(
    program: &Program,
    facts: &Facts,
    row: u32,
    offset: u64,
    side: &str,
    diagnostic: &Diagnostic,
) -> Json {
    let key = program
        .subject
        .as_ref()
        .and_then(|subject| facts.key_text(program, subject.record, row));
    json!({
        "version": DIFF_VERSION,
        "kind": "error",
        "record": report::subject_record(program),
        "key": key,
        "position": offset + u64::from(row) + 1,
        "side": side,
        "error": {"code": diagnostic.code.as_str(), "message": diagnostic.message},
    })
}

/// The changes counted by kind, with the first few subjects of each.
#[derive(Clone, Debug, Default)]
pub struct Groups {
    /// Subjects compared.
    pub n_subjects: u64,
    /// Subjects whose decision failed on one side or both.
    pub n_failed: u64,
    /// By old and new outcome: how many subjects, and the names of the first few.
    pub by_kind: BTreeMap<Change, Group>,
}

/// A kind of change: the outcome on the old side and on the new.
pub type Change = (Outcome, Outcome);

/// The subjects of one kind of change: how many, and the names of the first few.
pub type Group = (u64, Vec<String>);

/// How many subjects' names a group keeps for the summary.
pub const NAMES_PER_GROUP: usize = 10;

impl Groups {
    /// Counts one changed subject under its kind of change.
    pub fn add(&mut self, old: Outcome, new: Outcome, name: String) {
        let (count, names) = self.by_kind.entry((old, new)).or_default();
        *count += 1;
        if names.len() < NAMES_PER_GROUP {
            names.push(name);
        }
    }

    /// How many subjects changed.
    pub fn n_changed(&self) -> u64 {
        self.by_kind.values().map(|(count, _)| count).sum()
    }

    /// The groups, largest first (then by kind), as text.
    pub fn text(&self, record: &str) -> String {
        let mut out = format!(
            "{} of {} `{record}` decisions changed",
            self.n_changed(),
            self.n_subjects
        );
        if self.n_failed > 0 {
            out.push_str(&format!(", {} failed with an error", self.n_failed));
        }
        out.push_str(if self.by_kind.is_empty() { "\n" } else { ":\n" });
        for ((old, new), (count, names)) in self.sorted() {
            let word = if *count == 1 { "subject" } else { "subjects" };
            let mut shown = names.join(", ");
            if *count > names.len() as u64 {
                shown.push_str(&format!(", and {} more", count - names.len() as u64));
            }
            out.push_str(&format!(
                "  {} → {}: {count} {word} ({shown})\n",
                old.label(),
                new.label()
            ));
        }
        out
    }

    /// The groups as JSON: `"kind": "summary"`.
    pub fn json(&self, record: &str) -> Json {
        let groups: Vec<Json> = self
            .sorted()
            .into_iter()
            .map(|((old, new), (count, names))| {
                json!({
                    "change": format!("{} → {}", old.label(), new.label()),
                    "old": old.json(),
                    "new": new.json(),
                    "count": count,
                    "first_subjects": names,
                })
            })
            .collect();
        json!({
            "version": DIFF_VERSION,
            "kind": "summary",
            "record": record,
            "subjects": self.n_subjects,
            "changed": self.n_changed(),
            "failed": self.n_failed,
            "groups": groups,
        })
    }

    fn sorted(&self) -> Vec<(&Change, &Group)> {
        let mut groups: Vec<_> = self.by_kind.iter().collect();
        groups.sort_by(|a, b| b.1.0.cmp(&a.1.0).then_with(|| a.0.cmp(b.0)));
        groups
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::{Engine, NoFiles};

    const OLD: &str = r#"policy "Old"
record Transfer key id {
  id: Text
  licensed: Bool
  combat: Bool
}
decide t: Transfer on 2024-01-01
default deny because "only what the law lists"
obligation consent "ask consent"
fn risky(t: Transfer) -> Bool = t.combat
rule licensed_return: permit {
  when t.licensed
  oblige consent
  cite "Guidelines 2(1)"
  effective 2023-12-22
}
rule combat: deny {
  when risky(t)
  cite "Guidelines 3"
}
rule old_only: permit {
  when t.licensed and t.combat
  until 2023-12-22
}
"#;

    /// The static diff of `OLD` against `new`, as the names of the changes and their kinds.
    fn check(new: &str, dates: (Option<&str>, Option<&str>), expected: &[(&str, RuleChangeKind)]) {
        let files = NoFiles;
        let mut engine = Engine::new(&files, Vec::new());
        let old = engine
            .load_policy_text("old.pol", OLD, None)
            .unwrap()
            .checked
            .program;
        let new = engine
            .load_policy_text("new.pol", new, None)
            .unwrap()
            .checked
            .program;
        let date = |text: Option<&str>| text.map(|text| Date::parse(text).unwrap());
        let diff = compare_rules(
            Side {
                program: &old,
                date: date(dates.0),
            },
            Side {
                program: &new,
                date: date(dates.1),
            },
            &engine.sources,
        );
        let found: Vec<(&str, RuleChangeKind)> = diff
            .changes
            .iter()
            .map(|change| (change.name.as_str(), change.kind.clone()))
            .collect();
        assert_eq!(found, expected);
    }

    #[test]
    fn the_same_policy_has_no_change() {
        check(OLD, (None, None), &[]);
    }

    #[test]
    fn a_renamed_rule_is_removed_and_added() {
        let new = OLD.replace("rule old_only", "rule older_only");
        check(
            &new,
            (None, None),
            &[
                ("old_only", RuleChangeKind::Removed),
                ("older_only", RuleChangeKind::Added),
            ],
        );
    }

    #[test]
    fn whitespace_in_a_condition_is_no_change_but_its_text_is() {
        check(
            &OLD.replace("when t.licensed\n", "when   t.licensed\n"),
            (None, None),
            &[],
        );
        check(
            &OLD.replace("when t.licensed\n", "when not t.combat\n"),
            (None, None),
            &[(
                "licensed_return",
                RuleChangeKind::Changed(vec![Aspect::Condition]),
            )],
        );
    }

    #[test]
    fn a_changed_function_changes_the_rules_that_call_it() {
        check(
            &OLD.replace("= t.combat", "= t.combat or t.licensed"),
            (None, None),
            &[(
                "combat",
                RuleChangeKind::Changed(vec![Aspect::Uses("fn risky".into())]),
            )],
        );
    }

    #[test]
    fn citation_dates_effect_and_obligations_are_compared() {
        let new = OLD
            .replace("cite \"Guidelines 3\"", "cite \"Guidelines 3(1)\"")
            .replace("effective 2023-12-22", "effective 2024-01-01")
            .replace("  oblige consent\n", "");
        check(
            &new,
            (None, None),
            &[
                ("combat", RuleChangeKind::Changed(vec![Aspect::Citation])),
                (
                    "licensed_return",
                    RuleChangeKind::Changed(vec![Aspect::Dates, Aspect::Obligations]),
                ),
            ],
        );
    }

    #[test]
    fn rules_come_into_and_go_out_of_force_between_two_dates() {
        check(
            OLD,
            (Some("2023-12-21"), Some("2023-12-22")),
            &[
                ("licensed_return", RuleChangeKind::IntoForce),
                ("old_only", RuleChangeKind::OutOfForce),
            ],
        );
        check(OLD, (Some("2023-12-22"), Some("2023-12-22")), &[]);
    }

    #[test]
    fn outcomes_are_labelled_by_verdict_rules_and_obligations() {
        let outcome = Outcome {
            verdict: "permit",
            by_default: false,
            rules: vec!["licensed_return".into()],
            obligations: vec!["consent".into()],
        };
        assert_eq!(outcome.label(), "permit by licensed_return with consent");
        let default = Outcome {
            verdict: "deny",
            by_default: true,
            rules: Vec::new(),
            obligations: Vec::new(),
        };
        assert_eq!(default.label(), "deny by default");
    }
}
