//! Decisions as text for people and as JSON for programs: values, fact paths, deciding rules,
//! obligations, missing facts and derivations. Formats strings; prints nothing.

use serde_json::{Value as Json, json};

use crate::check::ir::{Condition, ExprKind, Program, RecordId, Type, TypeId};
use crate::diagnostic::Diagnostic;
use crate::eval::{Decision, FactRef, Operand, PartTrace, RuleStatus, RuleTrace, Trace, Truth, Verdict};
use crate::facts::Facts;
use crate::source::SourceMap;
use crate::value::{SeqId, Value};

/// The elements of a set or list of type `ty`, as text: a set's sorted, in braces, a list's in order, in brackets.
fn show_elements(
    program: &Program,
    facts: &Facts,
    seq: &dyn Fn(SeqId) -> Vec<Value>,
    elements: &[Value],
    ty: TypeId,
) -> String {
    let ty_kind = program.types.get(program.types.strip_optional(ty));
    let element_ty = match ty_kind {
        Type::Set(inner) | Type::List(inner) => inner,
        _ => ty,
    };
    let mut shown: Vec<String> = elements
        .iter()
        .map(|element| show_value(program, facts, seq, *element, element_ty))
        .collect();
    if matches!(ty_kind, Type::Set(_)) {
        shown.sort();
    }
    if matches!(ty_kind, Type::List(_)) {
        format!("[{}]", shown.join(", "))
    } else {
        format!("{{{}}}", shown.join(", "))
    }
}

/// A value as Pol writes it: `true`, `42`, `"text"`, `2023-12-22`, `rescue`, `Country["US"]`, `{a, b}`, `none`.
pub fn show_value(
    program: &Program,
    facts: &Facts,
    seq: &dyn Fn(SeqId) -> Vec<Value>,
    value: Value,
    ty: TypeId,
) -> String {
    let ty_kind = program.types.get(program.types.strip_optional(ty));
    match value {
        Value::None => "none".into(),
        Value::Bool(value) => value.to_string(),
        Value::Int(value) => value.to_string(),
        Value::Text(sym) => format!("{:?}", facts.interner.resolve(sym)),
        Value::Date(date) => date.to_string(),
        Value::Variant(idx) => match ty_kind {
            Type::Enum(id) => program.enums[id.idx()].variants[idx as usize].clone(),
            _ => format!("variant {idx}"),
        },
        Value::Record(row) => match ty_kind {
            Type::Record(id) => record_label(program, facts, id, row),
            _ => format!("record {row}"),
        },
        Value::Seq(id) => show_elements(program, facts, seq, &seq(id), ty),
    }
}

/// A record as Pol writes it: `Country["US"]` by key, or `Transfer[#3]` by 1-based position.
pub fn record_label(program: &Program, facts: &Facts, record: RecordId, row: u32) -> String {
    record_label_at(program, facts, record, row, 0)
}

/// [`record_label`] for facts that follow `offset` earlier subjects of a stream.
fn record_label_at(program: &Program, facts: &Facts, record: RecordId, row: u32, offset: u64) -> String {
    let name = &program.records[record.idx()].name;
    let is_subject = program
        .subject
        .as_ref()
        .is_some_and(|subject| subject.record == record);
    let offset = if is_subject { offset } else { 0 };
    match facts.key_text(program, record, row) {
        Some(key) => format!("{name}[{key:?}]"),
        None => format!("{name}[#{}]", offset + u64::from(row) + 1),
    }
}

/// A fact as Pol writes it: `Country["UA"].in_combat`.
pub fn fact_path(program: &Program, facts: &Facts, fact: FactRef) -> String {
    fact_path_at(program, facts, fact, 0)
}

fn fact_path_at(program: &Program, facts: &Facts, fact: FactRef, offset: u64) -> String {
    let record = &program.records[fact.record.idx()];
    format!(
        "{}.{}",
        record_label_at(program, facts, fact.record, fact.row, offset),
        record.fields[fact.field as usize].name
    )
}

/// The subject's name in output: its key, or `#n` (1-based position in the input) when its
/// record has no key. `offset` is how many subjects came before these facts (in a stream).
pub fn subject_name(program: &Program, facts: &Facts, row: u32, offset: u64) -> String {
    let position = offset + u64::from(row) + 1;
    let Some(subject) = &program.subject else {
        return format!("#{position}");
    };
    match facts.key_text(program, subject.record, row) {
        // A key with characters a terminal acts on (an escape sequence, a carriage return, a
        // right-to-left override) is shown quoted and escaped: a key cannot forge a line of output.
        Some(key) if key.chars().any(acts_on_terminal) => format!("{key:?}"),
        Some(key) => key.to_string(),
        None => format!("#{position}"),
    }
}

/// Whether a character is one that `{:?}` escapes for being unprintable: controls, format
/// characters such as bidirectional overrides, separators other than the space.
fn acts_on_terminal(ch: char) -> bool {
    !matches!(ch, '"' | '\'' | '\\') && ch.escape_debug().nth(1).is_some()
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
        diagnostic.message,
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
    let mut out = String::new();
    let record = subject_record(program);
    let law = decision
        .law_date
        .map(|date| format!(" under the law of {date}"))
        .unwrap_or_default();
    out.push_str(&format!(
        "{record} {}{law}: {}",
        subject_name(program, facts, decision.subject, offset),
        decision.verdict.as_str().to_uppercase()
    ));
    if decision.deciding.is_empty() && decision.verdict != Verdict::Undecided {
        out.push_str(" by default");
        if let Some(reason) = program
            .default
            .as_ref()
            .and_then(|default| default.reason.as_ref())
        {
            out.push_str(&format!(": {reason}"));
        }
    }
    out.push('\n');
    for rule_id in &decision.deciding {
        let rule = &program.rules[rule_id.idx()];
        out.push_str(&format!("  by {}", rule.name));
        if let Some(reason) = &rule.reason {
            out.push_str(&format!(": {reason}"));
        }
        out.push('\n');
        if let Some(citation) = &rule.citation {
            out.push_str(&format!("     cite: {citation}\n"));
        }
    }
    for obligation in &decision.obligations {
        let obligation = &program.obligations[obligation.idx()];
        out.push_str(&format!("  oblige {}: {}\n", obligation.name, obligation.text));
    }
    if !decision.missing.is_empty() {
        let missing: Vec<String> = decision
            .missing
            .iter()
            .map(|fact| fact_path_at(program, facts, *fact, offset))
            .collect();
        out.push_str(&format!("  missing: {}\n", missing.join(", ")));
    }
    if let Some(trace) = &decision.trace {
        out.push_str(&trace_text(program, facts, sources, trace, offset));
    }
    out
}

fn status_text(program: &Program, rule: &RuleTrace<'_>) -> String {
    match rule.status() {
        RuleStatus::Decided => "decided".into(),
        RuleStatus::Overridden => "applied, but a deny rule decided".into(),
        RuleStatus::Defeated => {
            let names: Vec<&str> = rule
                .defeated_by()
                .iter()
                .map(|rule| program.rules[rule.idx()].name.as_str())
                .collect();
            format!("defeated by exception {}", names.join(", "))
        }
        RuleStatus::NotApplied(_) => "did not apply".into(),
        RuleStatus::Unknown => "unknown: depends on missing facts".into(),
        RuleStatus::NotInForce => "not in force".into(),
    }
}

/// The operands a part recorded, as text, typed by the condition's operand expressions.
fn show_operands(
    program: &Program,
    facts: &Facts,
    condition: &Condition,
    part: &PartTrace<'_>,
) -> Option<(String, String)> {
    let (left, right) = part.operands()?;
    let (left_ty, right_ty) = match &condition.expr.kind {
        ExprKind::Compare(_, left, right) | ExprKind::Subset(left, right) => (left.ty, right.ty),
        ExprKind::In { element, set, .. } => (element.ty, set.ty),
        _ => return None,
    };
    Some((
        show_operand(program, facts, left, left_ty),
        show_operand(program, facts, right, right_ty),
    ))
}

/// One recorded operand as text.
pub fn show_operand(program: &Program, facts: &Facts, operand: Operand<'_>, ty: TypeId) -> String {
    let seq = |id: SeqId| facts.seq(id).to_vec();
    match operand {
        Operand::Value(value) => show_value(program, facts, &seq, value, ty),
        Operand::Elements(elements) => show_elements(program, facts, &seq, elements, ty),
        Operand::Text(text) => text.to_string(),
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
    let mut out = String::from("  explain:\n");
    for rule_trace in trace.rules() {
        let rule = &program.rules[rule_trace.rule().idx()];
        out.push_str(&format!(
            "    {} ({}): {}\n",
            rule.name,
            rule.effect.as_str(),
            status_text(program, &rule_trace)
        ));
        for (part, condition) in rule_trace.parts().zip(&rule.conditions) {
            let keyword = if condition.negated { "unless" } else { "when" };
            let text = one_line(sources.snippet(condition.span));
            out.push_str(&format!(
                "      {keyword} {text}: {}",
                part_truth(part.truth(), condition.negated)
            ));
            if let Some((left, right)) = show_operands(program, facts, condition, &part) {
                out.push_str(&format!(" ({left} vs {right})"));
            }
            if !part.missing().is_empty() {
                let missing: Vec<String> = part
                    .missing()
                    .iter()
                    .map(|fact| fact_path_at(program, facts, *fact, offset))
                    .collect();
                out.push_str(&format!(", missing {}", missing.join(", ")));
            }
            out.push('\n');
        }
    }
    out
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

fn one_line(text: &str) -> String {
    text.split_whitespace().collect::<Vec<_>>().join(" ")
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
    let rules: Vec<Json> = decision
        .deciding
        .iter()
        .map(|rule| {
            let rule = &program.rules[rule.idx()];
            json!({
                "name": rule.name,
                "effect": rule.effect.as_str(),
                "reason": rule.reason,
                "citation": rule.citation,
            })
        })
        .collect();
    let obligations: Vec<Json> = decision
        .obligations
        .iter()
        .map(|obligation| {
            let obligation = &program.obligations[obligation.idx()];
            json!({"name": obligation.name, "text": obligation.text})
        })
        .collect();
    let missing: Vec<String> = decision
        .missing
        .iter()
        .map(|fact| fact_path_at(program, facts, *fact, offset))
        .collect();
    let by_default = decision.deciding.is_empty() && decision.verdict != Verdict::Undecided;
    let mut object = json!({
        "record": record,
        "key": key,
        "position": offset + u64::from(decision.subject) + 1,
        "decision": decision.verdict.as_str(),
        "by_default": by_default,
        "law_date": decision.law_date.map(|date| date.to_string()),
        "rules": rules,
        "obligations": obligations,
        "missing": missing,
    });
    if by_default {
        object["reason"] = json!(
            program
                .default
                .as_ref()
                .and_then(|default| default.reason.clone())
        );
    }
    if let Some(trace) = &decision.trace {
        object["explanation"] = trace_json(program, facts, sources, trace, offset);
    }
    object
}

fn trace_json(program: &Program, facts: &Facts, sources: &SourceMap, trace: &Trace, offset: u64) -> Json {
    let rules: Vec<Json> = trace
        .rules()
        .map(|rule_trace| {
            let rule = &program.rules[rule_trace.rule().idx()];
            let (status, detail) = match rule_trace.status() {
                RuleStatus::Decided => ("decided", Json::Null),
                RuleStatus::Overridden => ("overridden", Json::Null),
                RuleStatus::Defeated => (
                    "defeated",
                    json!(rule_trace.defeated_by().iter().map(|rule| program.rules[rule.idx()].name.clone()).collect::<Vec<_>>()),
                ),
                RuleStatus::NotApplied(part) => ("not_applied", json!(part)),
                RuleStatus::Unknown => ("unknown", Json::Null),
                RuleStatus::NotInForce => ("not_in_force", Json::Null),
            };
            let parts: Vec<Json> = rule_trace
                .parts()
                .zip(&rule.conditions)
                .map(|(part, condition)| {
                    json!({
                        "clause": if condition.negated { "unless" } else { "when" },
                        "text": one_line(sources.snippet(condition.span)),
                        "value": part_truth(part.truth(), condition.negated),
                        "holds": part.truth().as_str(),
                        "operands": show_operands(program, facts, condition, &part).map(|(left, right)| json!([left, right])),
                        "missing": part.missing().iter().map(|fact| fact_path_at(program, facts, *fact, offset)).collect::<Vec<_>>(),
                    })
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
