//! Unit tests of `check_expr`: expressions typed at a prompt, checked in the scope of a policy
//! written as Pol text.

use super::ir::{self, RecordId};
use super::keys::KeySets;
use super::{Checked, check_expr, check_partial};
use crate::source::SourceMap;
use crate::syntax::{self, ast};
use crate::value::{Interner, Value};

const POLICY: &str = r#"policy "Probe"

enum Level { low, high }

record Country key code {
  code: Text
  level: Level
}

record Transfer key id {
  id: Text
  to: Country
  value: Int
}

let limit = 100
fn is_high(c: Country) -> Bool = c.level == high

decide t: Transfer
default deny

rule small: permit {
  when t.value < limit and not is_high(t.to)
}
"#;

/// The policy's modules and the expression, parsed from `let probe = EXPR` in a module of its own.
fn parse(expr: &str) -> (Vec<ast::Module>, ast::Expr) {
    let mut sources = SourceMap::new();
    let policy = sources.add("policy.pol", POLICY);
    let prompt = sources.add("prompt", format!("module \"prompt\"\nlet probe = {expr}\n"));
    let modules = vec![syntax::parse(&sources, policy).expect("the policy parses")];
    let prompt = syntax::parse(&sources, prompt).expect("the prompt parses");
    let Some(ast::Item::Let(decl)) = prompt.items.into_iter().next() else {
        unreachable!("the prompt module holds one `let`")
    };
    (modules, decl.value)
}

/// The outcome of checking `expr` as text: `TYPE` and the expression's shape, or the diagnostics.
fn probe(expr: &str, subject: bool) -> String {
    let (modules, expr) = parse(expr);
    let checked: Checked = check_partial(&modules);
    assert!(!checked.has_errors(), "{:?}", checked.diagnostics);
    let mut known = KeySets::new();
    known.insert(RecordId(0), "JP");
    known.insert(RecordId(0), "US");
    let find = |record: RecordId, key: &str| match (record, key) {
        (RecordId(0), "JP") => Some(Value::Record(0)),
        (RecordId(0), "US") => Some(Value::Record(1)),
        _ => None,
    };
    let mut interner: Interner = checked.program.interner.clone();
    match check_expr(&modules, &checked, &expr, subject, &mut interner, &find, &known) {
        Ok(probe) => {
            let new_types = probe.program.types.len() > checked.program.types.len();
            let shape = match &probe.expr.kind {
                ir::ExprKind::Literal(value) => format!("{value:?}"),
                ir::ExprKind::Const(_) => "Const".into(),
                ir::ExprKind::Call(..) => "Call".into(),
                ir::ExprKind::Field { .. } => "Field".into(),
                ir::ExprKind::SetOp(..) => "SetOp".into(),
                other => format!("{other:?}").chars().take(20).collect(),
            };
            let new = if new_types { " (new type)" } else { "" };
            format!("{} {shape}{new}", probe.program.type_name(probe.ty))
        }
        Err(diagnostics) => diagnostics
            .iter()
            .map(|d| {
                format!(
                    "{} {} | {}",
                    d.code.as_str(),
                    d.message,
                    d.help.as_deref().unwrap_or("")
                )
            })
            .collect::<Vec<_>>()
            .join("\n"),
    }
}

#[test]
fn a_constant_is_typed_by_its_definition() {
    assert_eq!(probe("limit", false), "Int Const");
}

#[test]
fn a_field_path_from_the_subject_needs_the_subject_bound() {
    assert_eq!(probe("t.to.level", true), "Level Field");
    assert_eq!(
        probe("t.to.level", false),
        "E0201 unknown name `t` | the subject `t` is only visible in rules"
    );
}

#[test]
fn a_call_to_a_policy_function_has_its_result_type() {
    assert_eq!(probe("is_high(t.to)", true), "Bool Call");
}

#[test]
fn a_set_expression_may_need_a_type_new_to_the_program() {
    assert_eq!(probe("{1, 2} union {limit}", false), "Set<Int> SetOp (new type)");
}

#[test]
fn a_key_reference_is_resolved_through_the_loaded_facts() {
    assert_eq!(probe("Country[\"US\"]", false), "Country Record(1)");
}

#[test]
fn a_key_reference_no_fact_has_is_reported_with_a_similar_key() {
    assert_eq!(
        probe("Country[\"JQ\"]", false),
        "E0228 no `Country` fact has the key `JQ` | a similar key exists: `JP`"
    );
    assert_eq!(
        probe("Country[\"France\"]", false),
        "E0228 no `Country` fact has the key `France` | the keys of `Country` are `JP`, `US`"
    );
}

#[test]
fn a_type_error_is_reported() {
    assert_eq!(
        probe("limit + \"x\"", false),
        "E0204 expected `Int` or `Decimal`, found `Text` | "
    );
}

#[test]
fn an_unknown_name_suggests_a_similar_one() {
    assert_eq!(
        probe("limt", false),
        "E0201 unknown name `limt` | a similar name exists: `limit`"
    );
}

#[test]
fn texts_of_the_expression_are_interned_into_the_callers_interner() {
    let (modules, expr) = parse("\"a text new to the policy\"");
    let checked = check_partial(&modules);
    let mut interner = checked.program.interner.clone();
    let find = |_: RecordId, _: &str| None;
    let probe = check_expr(
        &modules,
        &checked,
        &expr,
        false,
        &mut interner,
        &find,
        &KeySets::new(),
    )
    .expect("a text checks");
    let sym = interner
        .get("a text new to the policy")
        .expect("interned into the caller's interner");
    assert!(matches!(probe.expr.kind, ir::ExprKind::Literal(Value::Text(found)) if found == sym));
    assert_eq!(probe.program.interner.resolve(sym), "a text new to the policy");
    assert!(checked.program.interner.get("a text new to the policy").is_none());
}
