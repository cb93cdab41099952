//! Decisions as text for people and as JSON for programs: values, fact paths, deciding rules,
//! obligations, missing facts and derivations (for a run's many decisions, with the texts no
//! decision changes made once: `DerivationTexts`). Formats strings; prints nothing.

use std::borrow::Cow;
use std::fmt::Write as _;

use serde_json::{Value as Json, json};

use crate::check::ir::{Condition, Program, RecordId, RuleId, Type, TypeId};
use crate::diagnostic::Diagnostic;
use crate::escape::{escape_controls, quote, write_json, write_json_str};
use crate::eval::{Decision, FactRef, Operand, PartTrace, RuleStatus, RuleTrace, Trace, Truth, Verdict};
use crate::facts::Facts;
use crate::source::SourceMap;
use crate::value::{SeqId, Value};

use crate::show::{elements_type, field_path_at, show_elements};
pub use crate::show::{record_label, show_value};

/// A fact as Pol writes it: `Country["UA"].in_combat`, or through the fields that hold a
/// nested record: `Transfer["t1"].government_approval.cabinet`.
pub fn fact_path(program: &Program, facts: &Facts, fact: FactRef) -> String {
    fact_path_at(program, facts, fact, 0)
}

fn fact_path_at(program: &Program, facts: &Facts, fact: FactRef, offset: u64) -> String {
    field_path_at(program, facts, fact.record, fact.row, fact.field, offset)
}

/// Missing facts as Pol writes them (`Transfer["t1"].in_combat`), each once, sorted by record
/// type, key and field path, as a decision lists them.
pub fn missing_fact_paths(program: &Program, facts: &Facts, missing: &[FactRef]) -> Vec<String> {
    fact_paths(program, facts, missing, 0)
}

/// [`missing_fact_paths`] for facts that follow `offset` earlier subjects of a stream.
pub fn fact_paths_at(program: &Program, facts: &Facts, missing: &[FactRef], offset: u64) -> Vec<String> {
    fact_paths(program, facts, missing, offset)
}

/// Facts as Pol writes them, each once, in an order that does not depend on the order of the
/// facts in the input: by record type, then key (or position, for a record type without a key),
/// then field path; a fact inside a nested record sorts under the record that holds it.
fn fact_paths(program: &Program, facts: &Facts, missing: &[FactRef], offset: u64) -> Vec<String> {
    let mut paths: Vec<(&str, Option<u32>, String)> = missing
        .iter()
        .map(|fact| {
            let (mut record, mut row) = (fact.record, fact.row);
            while let Some(parent) = facts.parent(record, row) {
                (record, row) = (parent.record, parent.row);
            }
            // A key a lookup missed is numbered in the order decisions on several threads
            // first missed it: it sorts by its text, as a keyed fact does.
            let position = (facts.key_text(program, record, row).is_none()
                && !crate::facts::missed::is_missed(row))
            .then_some(row);
            let name = program.records[record.idx()].name.as_str();
            (name, position, fact_path_at(program, facts, *fact, offset))
        })
        .collect();
    paths.sort();
    paths.dedup();
    paths.into_iter().map(|(_, _, path)| path).collect()
}

/// The subject's name in text output: its key as it is when it is a plain word (`t1`,
/// `pac3-us`), else quoted with control characters escaped (`"x: DENY"`); or `#n` (1-based
/// position in the input) when its record has no key. `offset` is how many subjects came before
/// these facts (in a stream).
pub fn subject_name(program: &Program, facts: &Facts, row: u32, offset: u64) -> String {
    let position = offset + u64::from(row) + 1;
    let Some(subject) = &program.subject else {
        return format!("#{position}");
    };
    match facts.key_text(program, subject.record, row) {
        Some(key) if is_plain_key(key) => key.to_string(),
        Some(key) => quote(key),
        None => format!("#{position}"),
    }
}

/// Whether a key can be shown without quotes: it cannot then be read as more than one word, as
/// a position (`#2`) or as the verdict that follows it (`x: PERMIT`).
fn is_plain_key(key: &str) -> bool {
    !key.is_empty()
        && !key.starts_with('#')
        && key
            .chars()
            .all(|ch| ch.is_alphanumeric() || matches!(ch, '-' | '_' | '.' | '/' | '+' | '@'))
}

/// The name of the record type the policy decides (`Transfer`), or `subject` if it decides none.
pub fn subject_record(program: &Program) -> &str {
    program.subject.as_ref().map_or("subject", |subject| {
        program.records[subject.record.idx()].name.as_str()
    })
}

/// A subject whose decision failed, as text: it gets no decision (fail closed).
pub fn error_text(
    program: &Program,
    facts: &Facts,
    row: u32,
    offset: u64,
    diagnostic: &Diagnostic,
) -> String {
    format!(
        "{} {}: ERROR, no decision: {} [{}]",
        subject_record(program),
        subject_name(program, facts, row, offset),
        escape_controls(&diagnostic.message),
        diagnostic.code.as_str()
    )
}

/// A subject whose decision failed, as a JSON object with `"decision": "error"`.
pub fn error_json(program: &Program, facts: &Facts, row: u32, offset: u64, diagnostic: &Diagnostic) -> Json {
    let key = program
        .subject
        .as_ref()
        .and_then(|subject| facts.key_text(program, subject.record, row));
    json!({
        "version": DECISIONS_VERSION,
        "record": subject_record(program),
        "key": key,
        "position": offset + u64::from(row) + 1,
        "decision": "error",
        "error": {"code": diagnostic.code.as_str(), "message": diagnostic.message},
    })
}

/// One decision as text: a headline, then its rules, obligations and missing facts, indented.
pub fn decision_text(
    program: &Program,
    facts: &Facts,
    sources: &SourceMap,
    decision: &Decision,
    offset: u64,
) -> String {
    let texts = DerivationTexts::new(program, sources);
    decision_text_with(program, facts, &texts, decision, offset)
}

/// [`decision_text`] with the texts of the program's derivations made beforehand, once for all
/// the decisions of a run.
pub fn decision_text_with(
    program: &Program,
    facts: &Facts,
    texts: &DerivationTexts,
    decision: &Decision,
    offset: u64,
) -> String {
    let mut out = String::new();
    push_decision_text(program, facts, texts, decision, offset, &mut out);
    out
}

/// Appends [`decision_text_with`] to `out`: the texts no decision changes (the lines of deciding
/// rules, obligations, the default) come ready from `texts`.
pub fn push_decision_text(
    program: &Program,
    facts: &Facts,
    texts: &DerivationTexts,
    decision: &Decision,
    offset: u64,
    out: &mut String,
) {
    out.push_str(subject_record(program));
    out.push(' ');
    push_subject_name(program, facts, decision.subject, offset, out);
    if let Some(date) = decision.law_date {
        write!(out, " under the law of {date}").expect("writing to a `String` cannot fail");
    }
    out.push_str(match decision.verdict {
        Verdict::Permit => ": PERMIT",
        Verdict::Deny => ": DENY",
        Verdict::Undecided => ": UNDECIDED",
    });
    if decision.deciding.is_empty() && decision.verdict != Verdict::Undecided {
        out.push_str(&texts.by_default);
    }
    out.push('\n');
    for rule_id in &decision.deciding {
        out.push_str(&texts.rules[rule_id.idx()].by_line);
    }
    for obligation in &decision.obligations {
        out.push_str(&texts.obligation_lines[obligation.idx()]);
    }
    for pending in &decision.pending {
        let rule = &program.rules[pending.rule.idx()];
        let (activity, waits) = match pending.active {
            Truth::True => ("active", "waits on"),
            Truth::False | Truth::Unknown => ("unknown", "missing"),
        };
        write!(
            out,
            "  pending {} ({}, {activity})",
            rule.name,
            rule.effect.as_str()
        )
        .expect("writing to a `String` cannot fail");
        push_reason_and_citation(out, rule);
        let missing = fact_paths(program, facts, &pending.missing, offset);
        writeln!(out, "     {waits}: {}", missing.join(", ")).expect("writing to a `String` cannot fail");
        // Facts behind an unknown exception are not in the rule's own conditions: say whence.
        if !pending.unknown_exceptions.is_empty() {
            let names: Vec<&str> = pending
                .unknown_exceptions
                .iter()
                .map(|exception| program.rules[exception.idx()].name.as_str())
                .collect();
            let exceptions = if names.len() == 1 {
                "exception"
            } else {
                "exceptions"
            };
            writeln!(out, "     may be defeated by {exceptions} {}", names.join(", "))
                .expect("writing to a `String` cannot fail");
        }
    }
    if law_date_unknown(decision) {
        out.push_str("  the law's date is unknown, so which rules are in force is unknown\n");
    }
    if !decision.missing.is_empty() {
        let missing = fact_paths(program, facts, &decision.missing, offset);
        writeln!(out, "  missing: {}", missing.join(", ")).expect("writing to a `String` cannot fail");
    }
    if let Some(trace) = &decision.trace {
        if law_date_unknown(decision) {
            out.push_str("  explain: no rule was evaluated: the law's date is unknown\n");
        } else {
            texts.push_text(out, program, facts, trace, offset);
        }
    }
}

/// Appends [`subject_name`] to `out`.
fn push_subject_name(program: &Program, facts: &Facts, row: u32, offset: u64, out: &mut String) {
    let key = program
        .subject
        .as_ref()
        .and_then(|subject| facts.key_text(program, subject.record, row));
    match key {
        Some(key) if is_plain_key(key) => out.push_str(key),
        Some(key) => out.push_str(&quote(key)),
        None => write!(out, "#{}", offset + u64::from(row) + 1).expect("writing to a `String` cannot fail"),
    }
}

/// Whether the decision is undecided because the law's date is unknown, so that no rule was
/// evaluated.
pub fn law_date_unknown(decision: &Decision) -> bool {
    // INVARIANT: an undecided decision whose date is known has an unknown rule, so pending rules;
    // only one whose date is unknown has none (docs/semantics.md, "The decision").
    decision.verdict == Verdict::Undecided && decision.pending.is_empty()
}

/// Ends a rule's line with `: reason`, then its citation on a line of its own.
fn push_reason_and_citation(out: &mut String, rule: &crate::check::ir::RuleDef) {
    if let Some(reason) = &rule.reason {
        write!(out, ": {}", escape_controls(reason)).expect("writing to a `String` cannot fail");
    }
    out.push('\n');
    if let Some(citation) = &rule.citation {
        writeln!(out, "     cite: {}", escape_controls(citation)).expect("writing to a `String` cannot fail");
    }
}

fn status_text(program: &Program, rule: &RuleTrace<'_>, statuses: &[RuleStatus]) -> Cow<'static, str> {
    match rule.status() {
        RuleStatus::Decided => "decided".into(),
        RuleStatus::Overridden => "applied, but a deny rule decided".into(),
        RuleStatus::Pending => "applies, pending: the decision waits on unknown deny rules".into(),
        RuleStatus::Defeated => {
            let names: Vec<&str> = rule
                .defeated_by()
                .iter()
                .map(|rule| program.rules[rule.idx()].name.as_str())
                .collect();
            format!("defeated by exception {}", names.join(", ")).into()
        }
        RuleStatus::NotApplied(_) => "did not apply".into(),
        RuleStatus::Unknown => {
            // A rule can be unknown with every part true: an exception to it is unknown. Name
            // those exceptions, since the rule's own parts then show no missing fact.
            let exceptions: Vec<&str> = program.rules[rule.rule().idx()]
                .defeated_by
                .iter()
                .filter(|exception| statuses.get(exception.idx()) == Some(&RuleStatus::Unknown))
                .map(|exception| program.rules[exception.idx()].name.as_str())
                .collect();
            match exceptions.as_slice() {
                [] => "unknown: depends on missing facts".into(),
                [one] => format!("unknown: depends on missing facts; exception {one} may defeat it").into(),
                several => format!(
                    "unknown: depends on missing facts; exceptions {} may defeat it",
                    several.join(", ")
                )
                .into(),
            }
        }
        RuleStatus::NotInForce => "not in force".into(),
    }
}

/// For a part whose condition calls a function, the function whose test it shows and that test's
/// operands as written in its body: `purpose_is`, `t.purpose`, `purpose`.
fn operands_inside<'p>(
    program: &'p Program,
    sources: &'p SourceMap,
    condition: &Condition,
) -> Option<(&'p str, String, String)> {
    let shown = program.shown_test(&condition.expr)?;
    let function = shown.function?;
    let (left, right) = shown.operands;
    Some((
        program.functions[function.idx()].name.as_str(),
        one_line(sources.snippet(left.span)),
        one_line(sources.snippet(right.span)),
    ))
}

/// An operand inside a called function as text: `t.purpose = "return_to_licensor"`, or only the
/// value when the operand is written as a literal.
fn named_operand(text: &str, value: &str) -> String {
    if text == value {
        value.to_string()
    } else {
        format!("{text} = {value}")
    }
}

/// One recorded operand as text.
pub fn show_operand(program: &Program, facts: &Facts, operand: Operand<'_>, ty: TypeId) -> String {
    let seq = |id: SeqId| facts.seq(id).to_vec();
    match operand {
        Operand::Value(value) => show_value(program, facts, &seq, value, ty),
        Operand::Elements(elements) => show_elements(program, facts, &seq, elements, ty),
        Operand::Text(text) => escape_controls(text).into_owned(),
        Operand::Unknown => "unknown".into(),
        Operand::Error => "error".into(),
    }
}

/// The derivation of a decision: every rule's status with the value of each condition part.
pub fn trace_text(
    program: &Program,
    facts: &Facts,
    sources: &SourceMap,
    trace: &Trace,
    offset: u64,
) -> String {
    let mut out = String::new();
    DerivationTexts::new(program, sources).push_text(&mut out, program, facts, trace, offset);
    out
}

/// One rule of a derivation as text: its line (`name (effect): status`) and a line per
/// condition part, without indentation.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RuleLines {
    /// The rule.
    pub rule: RuleId,
    /// How it stood in the decision.
    pub status: RuleStatus,
    /// `name (effect): status`.
    pub line: String,
    /// `when clause: value (operands), missing …`, one per part.
    pub parts: Vec<String>,
}

/// The derivation of a decision as lines, rule by rule, as [`trace_text`] writes them.
pub fn trace_rules(
    program: &Program,
    facts: &Facts,
    sources: &SourceMap,
    trace: &Trace,
    offset: u64,
) -> Vec<RuleLines> {
    let statuses: Vec<RuleStatus> = trace.rules().map(|rule| rule.status()).collect();
    trace
        .rules()
        .map(|rule_trace| {
            let rule = &program.rules[rule_trace.rule().idx()];
            RuleLines {
                rule: rule_trace.rule(),
                status: rule_trace.status(),
                line: format!(
                    "{} ({}): {}",
                    rule.name,
                    rule.effect.as_str(),
                    status_text(program, &rule_trace, &statuses)
                ),
                parts: rule_trace
                    .parts()
                    .zip(&rule.conditions)
                    .map(|(part, condition)| part_text(program, facts, sources, condition, &part, offset))
                    .collect(),
            }
        })
        .collect()
}

/// One condition part of a derivation: its clause, its value, the operands it compared and the
/// facts it missed (`when t.to in NATO: false (Country["UA"] vs {…})`).
pub fn part_text(
    program: &Program,
    facts: &Facts,
    sources: &SourceMap,
    condition: &Condition,
    part: &PartTrace<'_>,
    offset: u64,
) -> String {
    let mut out = String::new();
    PartTexts::new(program, sources, condition).push_text(&mut out, program, facts, part, offset);
    out
}

/// Why one rule did or did not decide a subject, from the decision's derivation: the rule's
/// status, then the first condition part that did not hold (false, or unknown), with the
/// operands it compared; `None` if the derivation does not hold the rule.
pub fn why_not_text(
    program: &Program,
    facts: &Facts,
    sources: &SourceMap,
    trace: &Trace,
    rule: RuleId,
    offset: u64,
) -> Option<String> {
    let statuses: Vec<RuleStatus> = trace.rules().map(|rule| rule.status()).collect();
    let rule_trace = trace.rules().find(|rule_trace| rule_trace.rule() == rule)?;
    let def = &program.rules[rule.idx()];
    let mut out = format!(
        "{} ({}): {}",
        def.name,
        def.effect.as_str(),
        status_text(program, &rule_trace, &statuses)
    );
    let failed = rule_trace
        .parts()
        .zip(&def.conditions)
        .find(|(part, _)| part.truth() != Truth::True);
    if let Some((part, condition)) = failed {
        out.push_str(&format!(
            "\n  {}",
            part_text(program, facts, sources, condition, &part, offset)
        ));
    }
    Some(out)
}

/// The value of the clause's expression as written (a part holds when a `when` expression is
/// true or an `unless` expression is false).
fn part_truth(truth: Truth, negated: bool) -> &'static str {
    match (truth, negated) {
        (Truth::Unknown, _) => "unknown",
        (Truth::True, false) | (Truth::False, true) => "true",
        (Truth::False, false) | (Truth::True, true) => "false",
    }
}

/// Policy source on one line: runs of whitespace become one space, control characters escaped.
fn one_line(text: &str) -> String {
    escape_controls(&collapse_whitespace(text)).into_owned()
}

/// Text on one line: runs of whitespace become one space.
fn collapse_whitespace(text: &str) -> String {
    text.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// The version of the decisions' JSON format (`docs/decisions-json.md`); any change to the
/// format that can break a reader bumps it.
pub const DECISIONS_VERSION: u32 = 1;

/// A rule as JSON: its name, effect, reason and citation.
fn rule_json(rule: &crate::check::ir::RuleDef) -> Json {
    json!({
        "name": rule.name,
        "effect": rule.effect.as_str(),
        "reason": rule.reason,
        "citation": rule.citation,
    })
}

/// A field of a record's row as JSON, as decisions write values; `{"unknown": true}` when unknown.
/// For carrying a subject's input fields into its output.
pub fn field_json(
    program: &Program,
    facts: &Facts,
    record: RecordId,
    row: u32,
    field: u32,
    offset: u64,
) -> Json {
    let ty = program.records[record.idx()].fields[field as usize].ty;
    let seq = |id: SeqId| facts.seq(id).to_vec();
    match facts.cell(record, row, field) {
        Some(value) => value_json(program, facts, &seq, value, ty, offset),
        None => json!({"unknown": true}),
    }
}

/// A field of a record's row as text: a text as written, any other value as Pol writes it, `?`
/// when unknown. For carrying a subject's input fields into its output.
pub fn field_text(program: &Program, facts: &Facts, record: RecordId, row: u32, field: u32) -> String {
    let ty = program.records[record.idx()].fields[field as usize].ty;
    let seq = |id: SeqId| facts.seq(id).to_vec();
    match facts.cell(record, row, field) {
        Some(Value::Text(sym)) => facts.interner.resolve(sym).to_string(),
        Some(value) => crate::show::show_value(program, facts, &seq, value, ty),
        None => "?".to_string(),
    }
}

/// One decision as a JSON object (one line of `pol run --format json`).
pub fn decision_json(
    program: &Program,
    facts: &Facts,
    sources: &SourceMap,
    decision: &Decision,
    offset: u64,
) -> Json {
    let record = program
        .subject
        .as_ref()
        .map(|subject| program.records[subject.record.idx()].name.clone());
    let key = program
        .subject
        .as_ref()
        .and_then(|subject| facts.key_text(program, subject.record, decision.subject));
    let paths = |missing: &[FactRef]| fact_paths(program, facts, missing, offset);
    let rules: Vec<Json> = decision
        .deciding
        .iter()
        .map(|rule| rule_json(&program.rules[rule.idx()]))
        .collect();
    let obligations: Vec<Json> = decision
        .obligations
        .iter()
        .map(|obligation| {
            let obligation = &program.obligations[obligation.idx()];
            json!({"name": obligation.name, "text": obligation.text})
        })
        .collect();
    let pending: Vec<Json> = decision
        .pending
        .iter()
        .map(|pending| {
            let mut object = rule_json(&program.rules[pending.rule.idx()]);
            let missing = paths(&pending.missing);
            object["active"] = truth_json(pending.active, &missing);
            object["missing"] = json!(missing);
            object
        })
        .collect();
    let by_default = decision.deciding.is_empty() && decision.verdict != Verdict::Undecided;
    let mut object = json!({
        "version": DECISIONS_VERSION,
        "record": record,
        "key": key,
        "position": offset + u64::from(decision.subject) + 1,
        "decision": decision.verdict.as_str(),
        "by_default": by_default,
        "law_date": decision.law_date.map(|date| date.to_string()),
        "rules": rules,
        "obligations": obligations,
        "missing": paths(&decision.missing),
        "pending": pending,
    });
    if by_default {
        let default = program.default.as_ref();
        object["reason"] = json!(default.and_then(|default| default.reason.clone()));
        object["citation"] = json!(default.and_then(|default| default.citation.clone()));
    }
    if let Some(trace) = &decision.trace {
        object["explanation"] = trace_json(program, facts, sources, trace, offset);
    }
    object
}

/// One decision as a JSON line written straight into `out`: the bytes [`decision_json`] gives
/// through [`crate::escape::write_json_line`], without building a JSON value (keys in
/// alphabetical order, as `serde_json` writes an object).
pub fn write_decision_json_line(
    program: &Program,
    facts: &Facts,
    sources: &SourceMap,
    decision: &Decision,
    offset: u64,
    out: &mut Vec<u8>,
) {
    let texts = decision
        .trace
        .as_ref()
        .map(|_| DerivationTexts::new(program, sources));
    let explanation = texts.as_ref().zip(decision.trace.as_ref());
    write_decision_json_fields(program, facts, decision, offset, explanation, out);
    out.extend_from_slice(b"}\n");
}

/// [`write_decision_json_line`] with the texts of the program's derivations made beforehand,
/// once for all the decisions of a run.
pub fn write_decision_json_line_with(
    program: &Program,
    facts: &Facts,
    texts: &DerivationTexts,
    decision: &Decision,
    offset: u64,
    out: &mut Vec<u8>,
) {
    let explanation = decision.trace.as_ref().map(|trace| (texts, trace));
    write_decision_json_fields(program, facts, decision, offset, explanation, out);
    out.extend_from_slice(b"}\n");
}

/// One decision as a JSON line with its derivation in the compact form (`derivation`, read
/// against the table of rules of [`explanation_rules_json`]) instead of `explanation`: the line
/// [`write_decision_json_line`] writes for the decision without a derivation, with `derivation`
/// last.
pub fn write_compact_decision_json_line(
    program: &Program,
    facts: &Facts,
    texts: &DerivationTexts,
    decision: &Decision,
    offset: u64,
    out: &mut Vec<u8>,
) {
    write_decision_json_fields(program, facts, decision, offset, None, out);
    if let Some(trace) = &decision.trace {
        out.extend_from_slice(b",\"derivation\":");
        texts.write_compact(out, program, facts, trace, offset);
    }
    out.extend_from_slice(b"}\n");
}

/// Writes a decision's JSON object, with the full `explanation` of a derivation if given, without
/// its closing brace.
fn write_decision_json_fields(
    program: &Program,
    facts: &Facts,
    decision: &Decision,
    offset: u64,
    explanation: Option<(&DerivationTexts, &Trace)>,
    out: &mut Vec<u8>,
) {
    fn text_or_null(out: &mut Vec<u8>, text: Option<&str>) {
        match text {
            Some(text) => write_json_str(out, text),
            None => out.extend_from_slice(b"null"),
        }
    }
    fn texts(out: &mut Vec<u8>, texts: &[String]) {
        out.push(b'[');
        for (idx, text) in texts.iter().enumerate() {
            if idx > 0 {
                out.push(b',');
            }
            write_json_str(out, text);
        }
        out.push(b']');
    }
    // The fields of a rule after `citation` and before `name`, and after it.
    fn rule_fields(out: &mut Vec<u8>, rule: &crate::check::ir::RuleDef, missing: Option<&[String]>) {
        out.extend_from_slice(b"\"citation\":");
        text_or_null(out, rule.citation.as_deref());
        out.extend_from_slice(b",\"effect\":");
        write_json_str(out, rule.effect.as_str());
        if let Some(missing) = missing {
            out.extend_from_slice(b",\"missing\":");
            texts(out, missing);
        }
        out.extend_from_slice(b",\"name\":");
        write_json_str(out, &rule.name);
        out.extend_from_slice(b",\"reason\":");
        text_or_null(out, rule.reason.as_deref());
    }
    let by_default = decision.deciding.is_empty() && decision.verdict != Verdict::Undecided;
    let default = program.default.as_ref().filter(|_| by_default);
    out.extend_from_slice(b"{\"by_default\":");
    out.extend_from_slice(if by_default { b"true" } else { b"false" });
    if by_default {
        out.extend_from_slice(b",\"citation\":");
        text_or_null(out, default.and_then(|default| default.citation.as_deref()));
    }
    out.extend_from_slice(b",\"decision\":");
    write_json_str(out, decision.verdict.as_str());
    if let Some((texts, trace)) = explanation {
        out.extend_from_slice(b",\"explanation\":");
        texts.write_full(out, program, facts, trace, offset);
    }
    out.extend_from_slice(b",\"key\":");
    let key = program
        .subject
        .as_ref()
        .and_then(|subject| facts.key_text(program, subject.record, decision.subject));
    text_or_null(out, key);
    out.extend_from_slice(b",\"law_date\":");
    match decision.law_date {
        Some(date) => write_json_str(out, &date.to_string()),
        None => out.extend_from_slice(b"null"),
    }
    out.extend_from_slice(b",\"missing\":");
    texts(out, &fact_paths(program, facts, &decision.missing, offset));
    out.extend_from_slice(b",\"obligations\":[");
    for (idx, obligation) in decision.obligations.iter().enumerate() {
        let obligation = &program.obligations[obligation.idx()];
        if idx > 0 {
            out.push(b',');
        }
        out.extend_from_slice(b"{\"name\":");
        write_json_str(out, &obligation.name);
        out.extend_from_slice(b",\"text\":");
        write_json_str(out, &obligation.text);
        out.push(b'}');
    }
    out.extend_from_slice(b"],\"pending\":[");
    for (idx, pending) in decision.pending.iter().enumerate() {
        if idx > 0 {
            out.push(b',');
        }
        let missing = fact_paths(program, facts, &pending.missing, offset);
        out.extend_from_slice(b"{\"active\":");
        match pending.active {
            Truth::True => out.extend_from_slice(b"true"),
            Truth::False => out.extend_from_slice(b"false"),
            Truth::Unknown => {
                out.extend_from_slice(b"{\"missing\":");
                texts(out, &missing);
                out.extend_from_slice(b",\"unknown\":true}");
            }
        }
        out.push(b',');
        rule_fields(out, &program.rules[pending.rule.idx()], Some(&missing));
        out.push(b'}');
    }
    out.extend_from_slice(b"],\"position\":");
    out.extend_from_slice((offset + u64::from(decision.subject) + 1).to_string().as_bytes());
    if by_default {
        out.extend_from_slice(b",\"reason\":");
        text_or_null(out, default.and_then(|default| default.reason.as_deref()));
    }
    out.extend_from_slice(b",\"record\":");
    let record = program
        .subject
        .as_ref()
        .map(|subject| program.records[subject.record.idx()].name.as_str());
    text_or_null(out, record);
    out.extend_from_slice(b",\"rules\":[");
    for (idx, rule) in decision.deciding.iter().enumerate() {
        if idx > 0 {
            out.push(b',');
        }
        out.push(b'{');
        rule_fields(out, &program.rules[rule.idx()], None);
        out.push(b'}');
    }
    out.extend_from_slice(b"],\"version\":");
    out.extend_from_slice(DECISIONS_VERSION.to_string().as_bytes());
}

/// A truth as JSON: `true`, `false`, or `{"unknown": true, "missing": [...]}`.
fn truth_json(truth: Truth, missing: &[String]) -> Json {
    match truth {
        Truth::True => json!(true),
        Truth::False => json!(false),
        Truth::Unknown => unknown_json(missing),
    }
}

/// The marker of an unknown value, with the missing facts behind it.
fn unknown_json(missing: &[String]) -> Json {
    json!({"unknown": true, "missing": missing})
}

/// A value as typed JSON: booleans, numbers, texts as strings, dates as `"YYYY-MM-DD"`, enum
/// variants by name, records as `{"record", "key"}` (or `"position"`), sets (sorted) and lists
/// as arrays, none as `null`.
fn value_json(
    program: &Program,
    facts: &Facts,
    seq: &dyn Fn(SeqId) -> Vec<Value>,
    value: Value,
    ty: TypeId,
    offset: u64,
) -> Json {
    let ty_kind = program.types.get(program.types.strip_optional(ty));
    match value {
        Value::None => Json::Null,
        Value::Bool(value) => json!(value),
        // A decimal is written as a string, exactly, as `Decimal` values are in facts.
        Value::Int(value) if ty_kind == Type::Decimal => json!(value.to_string()),
        Value::Int(value) => json!(value),
        Value::Decimal(decimal) => json!(decimal.to_string()),
        Value::Text(sym) => json!(facts.interner.resolve(sym)),
        Value::Date(date) => json!(date.to_string()),
        Value::Partial(date) => json!(date.to_string()),
        Value::Variant(idx) => match ty_kind {
            Type::Enum(id) => json!(program.enums[id.idx()].variants[idx as usize]),
            _ => json!(format!("variant {idx}")),
        },
        Value::Record(row) => match ty_kind {
            Type::Record(id) => record_json(program, facts, id, row, offset),
            _ => json!(format!("record {row}")),
        },
        Value::Seq(id) => elements_json(program, facts, seq, &seq(id), ty, offset),
    }
}

/// A record as JSON: `{"record": "Country", "key": "US"}`, or with `"position"` (1-based) for a
/// record type without a key.
fn record_json(program: &Program, facts: &Facts, record: RecordId, row: u32, offset: u64) -> Json {
    let name = &program.records[record.idx()].name;
    match facts.key_text(program, record, row) {
        Some(key) => json!({"record": name, "key": key}),
        None => json!({"record": name, "position": crate::show::position(program, record, row, offset)}),
    }
}

/// The elements of a set (sorted by their JSON text, so the order is fixed) or list (in order).
fn elements_json(
    program: &Program,
    facts: &Facts,
    seq: &dyn Fn(SeqId) -> Vec<Value>,
    elements: &[Value],
    ty: TypeId,
    offset: u64,
) -> Json {
    let (ty_kind, element_ty) = elements_type(program, ty);
    let mut shown: Vec<Json> = elements
        .iter()
        .map(|element| value_json(program, facts, seq, *element, element_ty, offset))
        .collect();
    if matches!(ty_kind, Type::Set(_)) {
        shown.sort_by_cached_key(Json::to_string);
    }
    Json::Array(shown)
}

/// The operands a part recorded, as typed JSON.
fn operands_json(
    program: &Program,
    facts: &Facts,
    condition: &Condition,
    part: &PartTrace<'_>,
    missing: &[String],
    offset: u64,
) -> Option<Json> {
    let (left, right) = part.operands()?;
    // The test shown is the condition's own, or the one inside the function it calls.
    let (left_expr, right_expr) = program.shown_test(&condition.expr)?.operands;
    let (left_ty, right_ty) = (left_expr.ty, right_expr.ty);
    let seq = |id: SeqId| facts.seq(id).to_vec();
    let operand = |operand: Operand<'_>, ty: TypeId| match operand {
        Operand::Value(value) => value_json(program, facts, &seq, value, ty, offset),
        Operand::Elements(elements) => elements_json(program, facts, &seq, elements, ty, offset),
        Operand::Text(text) => json!({"text": text}),
        Operand::Unknown => unknown_json(missing),
        Operand::Error => json!({"error": true}),
    };
    Some(json!([operand(left, left_ty), operand(right, right_ty)]))
}

fn trace_json(program: &Program, facts: &Facts, sources: &SourceMap, trace: &Trace, offset: u64) -> Json {
    let rules: Vec<Json> = trace
        .rules()
        .map(|rule_trace| {
            let rule = &program.rules[rule_trace.rule().idx()];
            let status = status_name(rule_trace.status());
            let detail = match rule_trace.status() {
                RuleStatus::Defeated => json!(
                    rule_trace
                        .defeated_by()
                        .iter()
                        .map(|rule| program.rules[rule.idx()].name.clone())
                        .collect::<Vec<_>>()
                ),
                RuleStatus::NotApplied(part) => json!(part),
                _ => Json::Null,
            };
            let parts: Vec<Json> = rule_trace
                .parts()
                .zip(&rule.conditions)
                .map(|(part, condition)| {
                    let missing = fact_paths(program, facts, part.missing(), offset);
                    // The expression as written is false where an `unless` part holds.
                    let value = match (part.truth(), condition.negated) {
                        (Truth::True, true) => Truth::False,
                        (Truth::False, true) => Truth::True,
                        (truth, _) => truth,
                    };
                    let operands = operands_json(program, facts, condition, &part, &missing, offset);
                    let shows_operands = operands.is_some();
                    let mut object = json!({
                        "clause": if condition.negated { "unless" } else { "when" },
                        "text": collapse_whitespace(sources.snippet(condition.span)),
                        "value": truth_json(value, &missing),
                        "holds": truth_json(part.truth(), &missing),
                        "operands": operands,
                        "missing": missing,
                    });
                    // Operands from inside a called function say where they come from.
                    if shows_operands
                        && let Some((function, left, right)) = operands_inside(program, sources, condition)
                    {
                        object["operands_in"] = json!({"function": function, "expressions": [left, right]});
                    }
                    object
                })
                .collect();
            let mut object = json!({
                "rule": rule.name,
                "effect": rule.effect.as_str(),
                "status": status,
                "parts": parts,
            });
            match rule_trace.status() {
                RuleStatus::Defeated => object["defeated_by"] = detail,
                RuleStatus::NotApplied(_) => object["failed_part"] = detail,
                _ => {}
            }
            object
        })
        .collect();
    json!(rules)
}

/// The texts of a program's derivations that do not depend on the decision, made once: each
/// rule's head, and each condition part's clause and text, the types of the operands it shows
/// and, for a test inside a called function, that function and its operands as written.
pub struct DerivationTexts {
    rules: Vec<RuleTexts>,
    /// What a decision by default adds to its headline in text: ` by default`, the default's
    /// reason and its citation's line.
    by_default: String,
    /// Each obligation's line in a decision's text: `  oblige name: text`.
    obligation_lines: Vec<String>,
}

struct RuleTexts {
    /// `name (effect): `, as the rule's line of a text derivation starts.
    head: String,
    /// The rule's lines in the text of a decision it decided: `  by name: reason` and its
    /// citation's line.
    by_line: String,
    parts: Vec<PartTexts>,
}

/// The texts of one condition part.
struct PartTexts {
    /// `when t.to in NATO`: the clause and the condition on one line, controls escaped.
    head: String,
    negated: bool,
    /// The types of the two operands of the test the part shows, if it shows one.
    operand_types: Option<(TypeId, TypeId)>,
    /// For a test inside a called function: the function, and the two operands as written in it.
    inside: Option<(String, String, String)>,
    /// The JSON of the full form's constant fields: `"clause":"when"`, `"text":…` and, for a
    /// test inside a called function, `"operands_in":{…}`.
    json_clause: Vec<u8>,
    json_text: Vec<u8>,
    json_operands_in: Option<Vec<u8>>,
}

impl PartTexts {
    fn new(program: &Program, sources: &SourceMap, condition: &Condition) -> PartTexts {
        let keyword = if condition.negated { "unless" } else { "when" };
        let shown = program.shown_test(&condition.expr);
        let inside = operands_inside(program, sources, condition)
            .map(|(function, left, right)| (function.to_string(), left, right));
        let mut json_clause = b"\"clause\":".to_vec();
        write_json_str(&mut json_clause, keyword);
        let mut json_text = b"\"text\":".to_vec();
        write_json_str(
            &mut json_text,
            &collapse_whitespace(sources.snippet(condition.span)),
        );
        let json_operands_in = inside.as_ref().map(|(function, left, right)| {
            let mut bytes = b"\"operands_in\":".to_vec();
            write_json(
                &mut bytes,
                &json!({"function": function, "expressions": [left, right]}),
            );
            bytes
        });
        PartTexts {
            head: format!("{keyword} {}", one_line(sources.snippet(condition.span))),
            negated: condition.negated,
            operand_types: shown.map(|shown| (shown.operands.0.ty, shown.operands.1.ty)),
            inside,
            json_clause,
            json_text,
            json_operands_in,
        }
    }

    /// Appends the part's line of a text derivation: its clause, its value, the operands it
    /// compared and the facts it missed.
    fn push_text(
        &self,
        out: &mut String,
        program: &Program,
        facts: &Facts,
        part: &PartTrace<'_>,
        offset: u64,
    ) {
        out.push_str(&self.head);
        out.push_str(": ");
        out.push_str(part_truth(part.truth(), self.negated));
        if let (Some((left_ty, right_ty)), Some((left, right))) = (self.operand_types, part.operands()) {
            let left = show_operand(program, facts, left, left_ty);
            let right = show_operand(program, facts, right, right_ty);
            match &self.inside {
                Some((function, left_text, right_text)) => {
                    out.push_str(" (in ");
                    out.push_str(function);
                    out.push_str(": ");
                    out.push_str(&named_operand(left_text, &left));
                    out.push_str(" vs ");
                    out.push_str(&named_operand(right_text, &right));
                    out.push(')');
                }
                None => {
                    out.push_str(" (");
                    out.push_str(&left);
                    out.push_str(" vs ");
                    out.push_str(&right);
                    out.push(')');
                }
            }
        }
        if !part.missing().is_empty() {
            out.push_str(", missing ");
            out.push_str(&fact_paths(program, facts, part.missing(), offset).join(", "));
        }
    }

    /// Writes the part of a full JSON explanation, the bytes of its JSON value (keys in
    /// alphabetical order, as `serde_json` writes an object).
    fn write_full(
        &self,
        out: &mut Vec<u8>,
        program: &Program,
        facts: &Facts,
        part: &PartTrace<'_>,
        offset: u64,
    ) {
        let missing = fact_paths(program, facts, part.missing(), offset);
        // The unknown of this part, with the missing facts behind it.
        let unknown = |out: &mut Vec<u8>| {
            out.extend_from_slice(b"{\"missing\":");
            write_json(out, &missing);
            out.extend_from_slice(b",\"unknown\":true}");
        };
        let truth = |out: &mut Vec<u8>, truth: Truth| match truth {
            Truth::True => out.extend_from_slice(b"true"),
            Truth::False => out.extend_from_slice(b"false"),
            Truth::Unknown => unknown(out),
        };
        out.push(b'{');
        out.extend_from_slice(&self.json_clause);
        out.extend_from_slice(b",\"holds\":");
        truth(out, part.truth());
        out.extend_from_slice(b",\"missing\":");
        write_json(out, &missing);
        out.extend_from_slice(b",\"operands\":");
        match (self.operand_types, part.operands()) {
            (Some((left_ty, right_ty)), Some((left, right))) => {
                out.push(b'[');
                for (idx, (operand, ty)) in [(left, left_ty), (right, right_ty)].into_iter().enumerate() {
                    if idx > 0 {
                        out.push(b',');
                    }
                    match operand {
                        Operand::Unknown => unknown(out),
                        operand => write_operand(out, program, facts, operand, ty, offset),
                    }
                }
                out.push(b']');
                if let Some(operands_in) = &self.json_operands_in {
                    out.push(b',');
                    out.extend_from_slice(operands_in);
                }
            }
            _ => out.extend_from_slice(b"null"),
        }
        out.push(b',');
        out.extend_from_slice(&self.json_text);
        out.extend_from_slice(b",\"value\":");
        // The expression as written is false where an `unless` part holds.
        truth(
            out,
            match (part.truth(), self.negated) {
                (Truth::True, true) => Truth::False,
                (Truth::False, true) => Truth::True,
                (truth, _) => truth,
            },
        );
        out.push(b'}');
    }

    /// Writes the part of a compact derivation: `{"holds": …, "missing": […], "operands": […]}`,
    /// `missing` only when a fact is missing, `operands` only when the part shows a test.
    fn write_compact(
        &self,
        out: &mut Vec<u8>,
        program: &Program,
        facts: &Facts,
        part: &PartTrace<'_>,
        offset: u64,
    ) {
        out.extend_from_slice(b"{\"holds\":");
        write_truth(out, part.truth());
        let missing = part.missing();
        if !missing.is_empty() {
            out.extend_from_slice(b",\"missing\":");
            let paths = fact_paths(program, facts, missing, offset);
            write_json(out, &paths);
        }
        if let (Some((left_ty, right_ty)), Some((left, right))) = (self.operand_types, part.operands()) {
            out.extend_from_slice(b",\"operands\":[");
            write_operand(out, program, facts, left, left_ty, offset);
            out.push(b',');
            write_operand(out, program, facts, right, right_ty, offset);
            out.push(b']');
        }
        out.push(b'}');
    }
}

impl DerivationTexts {
    /// The derivation texts of `program`, whose source is in `sources`.
    pub fn new(program: &Program, sources: &SourceMap) -> DerivationTexts {
        let rules = program
            .rules
            .iter()
            .map(|rule| RuleTexts {
                head: format!("{} ({}): ", rule.name, rule.effect.as_str()),
                by_line: {
                    let mut line = format!("  by {}", rule.name);
                    push_reason_and_citation(&mut line, rule);
                    line
                },
                parts: rule
                    .conditions
                    .iter()
                    .map(|condition| PartTexts::new(program, sources, condition))
                    .collect(),
            })
            .collect();
        let mut by_default = String::from(" by default");
        let default = program.default.as_ref();
        if let Some(reason) = default.and_then(|default| default.reason.as_ref()) {
            write!(by_default, ": {}", escape_controls(reason)).expect("writing to a `String` cannot fail");
        }
        if let Some(citation) = default.and_then(|default| default.citation.as_ref()) {
            write!(by_default, "\n  cite: {}", escape_controls(citation))
                .expect("writing to a `String` cannot fail");
        }
        let obligation_lines = program
            .obligations
            .iter()
            .map(|obligation| {
                format!(
                    "  oblige {}: {}\n",
                    obligation.name,
                    escape_controls(&obligation.text)
                )
            })
            .collect();
        DerivationTexts {
            rules,
            by_default,
            obligation_lines,
        }
    }

    /// Appends the derivation of a decision as text (`  explain:` and a line per rule and per
    /// condition part), as [`trace_text`] gives it.
    pub fn push_text(&self, out: &mut String, program: &Program, facts: &Facts, trace: &Trace, offset: u64) {
        out.push_str("  explain:\n");
        let statuses: Vec<RuleStatus> = trace.rules().map(|rule| rule.status()).collect();
        for rule_trace in trace.rules() {
            let texts = &self.rules[rule_trace.rule().idx()];
            out.push_str("    ");
            out.push_str(&texts.head);
            out.push_str(&status_text(program, &rule_trace, &statuses));
            out.push('\n');
            for (part, part_texts) in rule_trace.parts().zip(&texts.parts) {
                out.push_str("      ");
                part_texts.push_text(out, program, facts, &part, offset);
                out.push('\n');
            }
        }
    }

    /// Writes the full derivation of a decision as JSON (`explanation`): the bytes of the
    /// JSON value `decision_json` gives it.
    pub fn write_full(
        &self,
        out: &mut Vec<u8>,
        program: &Program,
        facts: &Facts,
        trace: &Trace,
        offset: u64,
    ) {
        out.push(b'[');
        for (idx, rule_trace) in trace.rules().enumerate() {
            if idx > 0 {
                out.push(b',');
            }
            let rule = &program.rules[rule_trace.rule().idx()];
            let texts = &self.rules[rule_trace.rule().idx()];
            let status = rule_trace.status();
            out.push(b'{');
            if status == RuleStatus::Defeated {
                out.extend_from_slice(b"\"defeated_by\":");
                let names: Vec<&str> = rule_trace
                    .defeated_by()
                    .iter()
                    .map(|rule| program.rules[rule.idx()].name.as_str())
                    .collect();
                write_json(out, &names);
                out.push(b',');
            }
            out.extend_from_slice(b"\"effect\":");
            write_json_str(out, rule.effect.as_str());
            if let RuleStatus::NotApplied(part) = status {
                out.extend_from_slice(b",\"failed_part\":");
                out.extend_from_slice(part.to_string().as_bytes());
            }
            out.extend_from_slice(b",\"parts\":[");
            for (idx, (part, part_texts)) in rule_trace.parts().zip(&texts.parts).enumerate() {
                if idx > 0 {
                    out.push(b',');
                }
                part_texts.write_full(out, program, facts, &part, offset);
            }
            out.extend_from_slice(b"],\"rule\":");
            write_json_str(out, &rule.name);
            out.extend_from_slice(b",\"status\":");
            write_json_str(out, status_name(status));
            out.push(b'}');
        }
        out.push(b']');
    }

    /// Writes the compact derivation of a decision: a JSON array with one entry per rule, in the
    /// order of the table of rules (`explanation_rules`), each
    /// `{"defeated_by": [rule indices], "parts": […], "status": "…"}`, `defeated_by` only for a
    /// defeated rule (docs/decisions-json.md).
    pub fn write_compact(
        &self,
        out: &mut Vec<u8>,
        program: &Program,
        facts: &Facts,
        trace: &Trace,
        offset: u64,
    ) {
        out.push(b'[');
        for (idx, rule_trace) in trace.rules().enumerate() {
            if idx > 0 {
                out.push(b',');
            }
            let texts = &self.rules[rule_trace.rule().idx()];
            out.push(b'{');
            let status = rule_trace.status();
            if status == RuleStatus::Defeated {
                out.extend_from_slice(b"\"defeated_by\":[");
                for (idx, rule) in rule_trace.defeated_by().iter().enumerate() {
                    if idx > 0 {
                        out.push(b',');
                    }
                    out.extend_from_slice(rule.idx().to_string().as_bytes());
                }
                out.extend_from_slice(b"],");
            }
            out.extend_from_slice(b"\"parts\":[");
            for (idx, (part, part_texts)) in rule_trace.parts().zip(&texts.parts).enumerate() {
                if idx > 0 {
                    out.push(b',');
                }
                part_texts.write_compact(out, program, facts, &part, offset);
            }
            out.extend_from_slice(b"],\"status\":");
            write_json_str(out, status_name(status));
            out.push(b'}');
        }
        out.push(b']');
    }
}

/// A rule's status as JSON derivations name it.
fn status_name(status: RuleStatus) -> &'static str {
    match status {
        RuleStatus::Decided => "decided",
        RuleStatus::Overridden => "overridden",
        RuleStatus::Pending => "pending",
        RuleStatus::Defeated => "defeated",
        RuleStatus::NotApplied(_) => "not_applied",
        RuleStatus::Unknown => "unknown",
        RuleStatus::NotInForce => "not_in_force",
    }
}

/// A truth in a compact derivation: `true`, `false`, or `{"unknown": true}` (the part's
/// `missing` lists the facts behind it).
fn write_truth(out: &mut Vec<u8>, truth: Truth) {
    out.extend_from_slice(match truth {
        Truth::True => b"true",
        Truth::False => b"false",
        Truth::Unknown => b"{\"unknown\":true}",
    });
}

/// One operand of a compact derivation, typed as in a full one, except that an unknown operand is
/// `{"unknown": true}` alone: its part's `missing` lists the facts behind it.
fn write_operand(
    out: &mut Vec<u8>,
    program: &Program,
    facts: &Facts,
    operand: Operand<'_>,
    ty: TypeId,
    offset: u64,
) {
    let seq = |id: SeqId| facts.seq(id).to_vec();
    match operand {
        Operand::Value(value) => write_value(out, program, facts, &seq, value, ty, offset),
        Operand::Elements(elements) => {
            write_json(out, &elements_json(program, facts, &seq, elements, ty, offset))
        }
        Operand::Text(text) => write_json(out, &json!({"text": text})),
        Operand::Unknown => out.extend_from_slice(b"{\"unknown\":true}"),
        Operand::Error => out.extend_from_slice(b"{\"error\":true}"),
    }
}

/// A value as typed JSON, the bytes `value_json` gives: the common scalars written straight, any
/// other value through `value_json` itself.
fn write_value(
    out: &mut Vec<u8>,
    program: &Program,
    facts: &Facts,
    seq: &dyn Fn(SeqId) -> Vec<Value>,
    value: Value,
    ty: TypeId,
    offset: u64,
) {
    let ty_kind = program.types.get(program.types.strip_optional(ty));
    match (value, ty_kind) {
        (Value::Bool(value), _) => out.extend_from_slice(if value { b"true" } else { b"false" }),
        (Value::Int(value), _) => out.extend_from_slice(value.to_string().as_bytes()),
        (Value::Text(sym), _) => write_json_str(out, facts.interner.resolve(sym)),
        (Value::Variant(idx), Type::Enum(id)) => {
            write_json_str(out, &program.enums[id.idx()].variants[idx as usize])
        }
        (Value::Record(row), Type::Record(id)) if let Some(key) = facts.key_text(program, id, row) => {
            out.extend_from_slice(b"{\"key\":");
            write_json_str(out, key);
            out.extend_from_slice(b",\"record\":");
            write_json_str(out, &program.records[id.idx()].name);
            out.push(b'}');
        }
        _ => write_json(out, &value_json(program, facts, seq, value, ty, offset)),
    }
}

/// The table of rules of compact derivations, as the line that precedes the decisions:
/// `{"explanation_rules": [...], "version": 1}`, each rule with its name, effect, reason,
/// citation and condition parts (clause, text, and `operands_in` for a test inside a called
/// function).
pub fn explanation_rules_json(program: &Program, sources: &SourceMap) -> Json {
    let rules: Vec<Json> = program
        .rules
        .iter()
        .map(|rule| {
            let parts: Vec<Json> = rule
                .conditions
                .iter()
                .map(|condition| {
                    let mut part = json!({
                        "clause": if condition.negated { "unless" } else { "when" },
                        "text": collapse_whitespace(sources.snippet(condition.span)),
                    });
                    if let Some((function, left, right)) = operands_inside(program, sources, condition) {
                        part["operands_in"] = json!({"function": function, "expressions": [left, right]});
                    }
                    part
                })
                .collect();
            json!({
                "name": rule.name,
                "effect": rule.effect.as_str(),
                "reason": rule.reason,
                "citation": rule.citation,
                "parts": parts,
            })
        })
        .collect();
    json!({"version": DECISIONS_VERSION, "explanation_rules": rules})
}
