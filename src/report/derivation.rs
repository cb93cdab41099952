//! Derivations written fast, for many decisions of one program: the texts that are the same in
//! every decision (rule heads, condition texts, the operands a called function compares) made
//! once, then each decision's derivation as text, or as compact JSON that names rules and parts
//! by their index in a table of rules written once (`--explain=compact`).

use serde_json::{Value as Json, json};

use crate::check::ir::{Condition, Program, Type, TypeId};
use crate::escape::{write_json, write_json_str};
use crate::eval::{Operand, PartTrace, RuleStatus, Trace, Truth};
use crate::facts::Facts;
use crate::source::SourceMap;
use crate::value::{SeqId, Value};

use super::{
    collapse_whitespace, elements_json, fact_paths, named_operand, one_line, operands_inside, part_truth,
    show_operand, status_text, value_json,
};

/// The texts of a program's derivations that do not depend on the decision, made once: each
/// rule's head, and each condition part's clause and text, the types of the operands it shows
/// and, for a test inside a called function, that function and its operands as written.
pub struct DerivationTexts {
    rules: Vec<RuleTexts>,
}

struct RuleTexts {
    /// `name (effect): `, as the rule's line of a text derivation starts.
    head: String,
    parts: Vec<PartTexts>,
}

/// The texts of one condition part.
pub(super) struct PartTexts {
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
    pub(super) fn new(program: &Program, sources: &SourceMap, condition: &Condition) -> PartTexts {
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
    pub(super) fn push_text(
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
                parts: rule
                    .conditions
                    .iter()
                    .map(|condition| PartTexts::new(program, sources, condition))
                    .collect(),
            })
            .collect();
        DerivationTexts { rules }
    }

    /// Appends the derivation of a decision as text (`  explain:` and a line per rule and per
    /// condition part), as [`super::trace_text`] gives it.
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
pub(super) fn status_name(status: RuleStatus) -> &'static str {
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
    json!({"version": super::DECISIONS_VERSION, "explanation_rules": rules})
}
