//! Unit tests of the checker. Inputs are built with short builder functions that mirror the
//! surface syntax (`rule("r", "permit", vec![when(op(p("t.consent"), "==", bool(true)))])`);
//! diagnostics are compared as `CODE message [label] [also: label]`, programs through a small printer.

use std::cell::Cell;

use super::ir::{self, ExprKind, Program, TestSubject, TestValue};
use super::{Checked, check};
use crate::diagnostic::Diagnostic;
use crate::source::{SourceId, Span};
use crate::syntax::ast::{self, BinaryOp, Effect, ExprKind as K, FactValue, Item, Quantifier};
use crate::value::{Date, Value};

// ---------------------------------------------------------------- builders

thread_local! {
    static NEXT: Cell<usize> = const { Cell::new(0) };
}

/// A fresh span, later than every span made before it in this test.
fn span() -> Span {
    NEXT.with(|next| {
        let start = next.get();
        next.set(start + 2);
        Span::new(SourceId(0), start, start + 1)
    })
}

fn id(name: &str) -> ast::Ident {
    ast::Ident {
        name: name.into(),
        span: span(),
    }
}

fn text_lit(value: &str) -> ast::Text {
    ast::Text {
        value: value.into(),
        span: span(),
    }
}

fn date(text: &str) -> Date {
    Date::parse(text).expect("a valid date in a test")
}

/// A type as written: `Int`, `Country?`, `Set<Country>`, `List<Text>?`.
fn ty(text: &str) -> ast::TypeExpr {
    let (text, optional) = match text.strip_suffix('?') {
        Some(inner) => (inner, true),
        None => (text, false),
    };
    let kind = if let Some(inner) = text.strip_prefix("Set<").and_then(|t| t.strip_suffix('>')) {
        ast::TypeKind::Set(Box::new(ty(inner)))
    } else if let Some(inner) = text.strip_prefix("List<").and_then(|t| t.strip_suffix('>')) {
        ast::TypeKind::List(Box::new(ty(inner)))
    } else {
        ast::TypeKind::Named(id(text))
    };
    ast::TypeExpr {
        kind,
        optional,
        span: span(),
    }
}

fn expr(kind: K) -> ast::Expr {
    ast::Expr { kind, span: span() }
}

/// A name or a path of fields: `p("t.item.lethal")`.
fn p(path: &str) -> ast::Expr {
    let mut parts = path.split('.');
    let mut out = expr(K::Name(id(parts.next().expect("a path has a first name"))));
    for field in parts {
        out = expr(K::Field(Box::new(out), id(field)));
    }
    out
}

fn int(value: i64) -> ast::Expr {
    expr(K::Int(value))
}

fn bool(value: bool) -> ast::Expr {
    expr(K::Bool(value))
}

fn text(value: &str) -> ast::Expr {
    expr(K::Text(value.into()))
}

fn date_lit(value: &str) -> ast::Expr {
    expr(K::Date(date(value)))
}

fn none() -> ast::Expr {
    expr(K::None)
}

/// A binary operation, the operator as written: `op(p("x"), "==", int(1))`.
fn op(left: ast::Expr, operator: &str, right: ast::Expr) -> ast::Expr {
    let operator = match operator {
        "or" => BinaryOp::Or,
        "and" => BinaryOp::And,
        "==" => BinaryOp::Eq,
        "!=" => BinaryOp::Ne,
        "<" => BinaryOp::Lt,
        "<=" => BinaryOp::Le,
        ">" => BinaryOp::Gt,
        ">=" => BinaryOp::Ge,
        "in" => BinaryOp::In,
        "not in" => BinaryOp::NotIn,
        "subset" => BinaryOp::Subset,
        "union" => BinaryOp::Union,
        "without" => BinaryOp::Without,
        "intersect" => BinaryOp::Intersect,
        "+" => BinaryOp::Add,
        "-" => BinaryOp::Sub,
        "*" => BinaryOp::Mul,
        other => panic!("unknown operator {other}"),
    };
    expr(K::Binary(operator, Box::new(left), Box::new(right)))
}

fn not(inner: ast::Expr) -> ast::Expr {
    expr(K::Not(Box::new(inner)))
}

fn neg(inner: ast::Expr) -> ast::Expr {
    expr(K::Neg(Box::new(inner)))
}

fn is_some(inner: ast::Expr) -> ast::Expr {
    expr(K::IsSome(Box::new(inner)))
}

fn is_none(inner: ast::Expr) -> ast::Expr {
    expr(K::IsNone(Box::new(inner)))
}

fn call(name: &str, args: Vec<ast::Expr>) -> ast::Expr {
    expr(K::Call(id(name), args))
}

fn set(items: Vec<ast::Expr>) -> ast::Expr {
    expr(K::Set(items))
}

fn key(record: &str, key: &str) -> ast::Expr {
    expr(K::KeyRef(id(record), text_lit(key)))
}

fn any(var: &str, set: ast::Expr, body: ast::Expr) -> ast::Expr {
    expr(K::Quantified(
        Quantifier::Any,
        id(var),
        Box::new(set),
        Box::new(body),
    ))
}

fn all(var: &str, set: ast::Expr, body: ast::Expr) -> ast::Expr {
    expr(K::Quantified(
        Quantifier::All,
        id(var),
        Box::new(set),
        Box::new(body),
    ))
}

fn if_(cond: ast::Expr, then: ast::Expr, otherwise: ast::Expr) -> ast::Expr {
    expr(K::If(Box::new(cond), Box::new(then), Box::new(otherwise)))
}

fn enum_(name: &str, variants: &[&str]) -> Item {
    Item::Enum(ast::EnumDecl {
        name: id(name),
        variants: variants.iter().map(|variant| id(variant)).collect(),
        span: span(),
    })
}

/// `record Name key k { field: Type … }`.
fn record(name: &str, key: Option<&str>, fields: &[(&str, &str)]) -> Item {
    Item::Record(ast::RecordDecl {
        name: id(name),
        key: key.map(id),
        fields: fields
            .iter()
            .map(|(name, type_text)| ast::FieldDecl {
                name: id(name),
                ty: ty(type_text),
                span: span(),
            })
            .collect(),
        span: span(),
    })
}

fn let_(name: &str, type_text: Option<&str>, value: ast::Expr) -> Item {
    Item::Let(ast::LetDecl {
        name: id(name),
        ty: type_text.map(ty),
        value,
        span: span(),
    })
}

fn fn_(name: &str, params: &[(&str, &str)], result: Option<&str>, body: ast::Expr) -> Item {
    Item::Fn(ast::FnDecl {
        name: id(name),
        params: params
            .iter()
            .map(|(name, type_text)| ast::Param {
                name: id(name),
                ty: ty(type_text),
                span: span(),
            })
            .collect(),
        result: result.map(ty),
        body,
        span: span(),
    })
}

fn obligation(name: &str) -> Item {
    Item::Obligation(ast::ObligationDecl {
        name: id(name),
        text: text_lit("what it requires"),
        span: span(),
    })
}

fn decide(var: &str, record: &str, date: Option<ast::Expr>) -> Item {
    Item::Decide(ast::DecideDecl {
        var: id(var),
        record: id(record),
        date,
        span: span(),
    })
}

fn default(effect: Effect) -> Item {
    Item::Default(ast::DefaultDecl {
        effect,
        reason: Some(text_lit("no rule applies")),
        citation: None,
        span: span(),
    })
}

fn rule(name: &str, effect: &str, clauses: Vec<ast::RuleClause>) -> Item {
    let effect = if effect == "permit" {
        Effect::Permit
    } else {
        Effect::Deny
    };
    Item::Rule(ast::RuleDecl {
        name: id(name),
        effect,
        effect_span: span(),
        clauses,
        span: span(),
    })
}

fn when(condition: ast::Expr) -> ast::RuleClause {
    ast::RuleClause::When(condition)
}

fn unless(condition: ast::Expr) -> ast::RuleClause {
    ast::RuleClause::Unless(condition)
}

fn because(reason: &str) -> ast::RuleClause {
    ast::RuleClause::Because(text_lit(reason))
}

fn cite(citation: &str) -> ast::RuleClause {
    ast::RuleClause::Cite(text_lit(citation))
}

fn oblige(names: &[&str]) -> ast::RuleClause {
    ast::RuleClause::Oblige(names.iter().map(|name| id(name)).collect(), span())
}

fn effective(day: &str) -> ast::RuleClause {
    ast::RuleClause::Effective(date(day), span())
}

fn until(day: &str) -> ast::RuleClause {
    ast::RuleClause::Until(date(day), span())
}

fn exception_to(names: &[&str]) -> ast::RuleClause {
    ast::RuleClause::ExceptionTo(names.iter().map(|name| id(name)).collect(), span())
}

fn test_(name: &str, as_of: Option<&str>, facts: Vec<ast::FactDecl>, expects: Vec<ast::ExpectDecl>) -> Item {
    Item::Test(ast::TestDecl {
        name: text_lit(name),
        as_of: as_of.map(|day| (date(day), span())),
        facts,
        expects,
        span: span(),
    })
}

fn fact(record: &str, fields: Vec<(&str, FactValue)>) -> ast::FactDecl {
    ast::FactDecl {
        record: id(record),
        fields: fields
            .into_iter()
            .map(|(name, value)| ast::FactField {
                name: id(name),
                value,
                span: span(),
            })
            .collect(),
        span: span(),
    }
}

fn v_text(value: &str) -> FactValue {
    FactValue::Text(text_lit(value))
}

fn v_bool(value: bool) -> FactValue {
    FactValue::Bool(value, span())
}

fn v_int(value: i64) -> FactValue {
    FactValue::Int(value, span())
}

fn v_date(value: &str) -> FactValue {
    FactValue::Date(date(value), span())
}

fn v_variant(name: &str) -> FactValue {
    FactValue::Variant(id(name))
}

fn v_set(items: Vec<FactValue>) -> FactValue {
    FactValue::Set(items, span())
}

fn v_unknown() -> FactValue {
    FactValue::Unknown(span())
}

fn v_none() -> FactValue {
    FactValue::None(span())
}

fn by_key(key: &str) -> ast::SubjectRef {
    ast::SubjectRef::Key(text_lit(key))
}

fn by_position(position: u32) -> ast::SubjectRef {
    ast::SubjectRef::Position(position, span())
}

fn expect_decided(
    subject: ast::SubjectRef,
    effect: Effect,
    rules: &[&str],
    obligations: Option<&[&str]>,
) -> ast::ExpectDecl {
    ast::ExpectDecl {
        subject,
        expected: ast::Expected::Decided {
            effect,
            rules: rules.iter().map(|rule| id(rule)).collect(),
            obligations: obligations.map(|names| names.iter().map(|name| id(name)).collect()),
        },
        span: span(),
    }
}

fn expect_missing(subject: ast::SubjectRef, paths: Vec<(&str, ast::SubjectRef, &str)>) -> ast::ExpectDecl {
    ast::ExpectDecl {
        subject,
        expected: ast::Expected::Undecided(Some(
            paths
                .into_iter()
                .map(|(record, subject, field)| ast::FactPath {
                    record: id(record),
                    subject,
                    field: id(field),
                    nested: Vec::new(),
                    span: span(),
                })
                .collect(),
        )),
        span: span(),
    }
}

fn module(kind: ast::HeaderKind, items: Vec<Item>) -> ast::Module {
    ast::Module {
        header: ast::Header {
            kind,
            title: text_lit("a test"),
            source: None,
            span: span(),
        },
        items,
        comments: Vec::new(),
        span: span(),
    }
}

/// The shared schema, as an imported module.
fn schema() -> ast::Module {
    module(
        ast::HeaderKind::Module,
        vec![
            enum_("Category", &["rescue", "transport", "other"]),
            record(
                "Country",
                Some("code"),
                &[
                    ("code", "Text"),
                    ("party_to_conflict", "Bool"),
                    ("in_combat", "Bool"),
                    ("agreement_since", "Date?"),
                ],
            ),
            record(
                "Item",
                Some("id"),
                &[
                    ("id", "Text"),
                    ("lethal", "Bool"),
                    ("category", "Category"),
                    ("licensed_from", "Country?"),
                    ("joint_partners", "Set<Country>"),
                ],
            ),
            record(
                "Transfer",
                Some("id"),
                &[
                    ("id", "Text"),
                    ("item", "Item"),
                    ("exporter", "Country"),
                    ("destination", "Country"),
                    ("onward", "Country?"),
                    ("consent", "Bool"),
                    ("date", "Date"),
                    ("count", "Int?"),
                    ("tags", "List<Text>"),
                ],
            ),
        ],
    )
}

/// The schema, then a policy deciding transfers with these extra items.
fn policy(items: Vec<Item>) -> Vec<ast::Module> {
    let schema = schema();
    let mut all = vec![decide("t", "Transfer", Some(p("t.date"))), default(Effect::Deny)];
    all.extend(items);
    vec![schema, module(ast::HeaderKind::Policy, all)]
}

// ---------------------------------------------------------------- helpers

fn render(diagnostic: &Diagnostic) -> String {
    let mut out = format!("{} {}", diagnostic.code.as_str(), diagnostic.message);
    if let Some(label) = &diagnostic.primary {
        out.push_str(&format!(" [{}]", label.message));
    }
    for label in &diagnostic.secondary {
        out.push_str(&format!(" [also: {}]", label.message));
    }
    out
}

fn diagnostics(modules: &[ast::Module]) -> Vec<Diagnostic> {
    match check(modules) {
        Ok(checked) => checked.diagnostics,
        Err(diagnostics) => diagnostics,
    }
}

/// The one test helper: checks modules and compares every diagnostic (errors and warnings).
fn check_diagnostics(modules: &[ast::Module], expected: &[&str]) {
    let found: Vec<String> = diagnostics(modules).iter().map(render).collect();
    assert_eq!(found, expected, "diagnostics differ");
}

/// Like [`check_diagnostics`], comparing the help texts.
fn check_help(modules: &[ast::Module], expected: &[&str]) {
    let found: Vec<String> = diagnostics(modules)
        .iter()
        .map(|diagnostic| diagnostic.help.clone().unwrap_or_default())
        .collect();
    assert_eq!(found, expected, "help texts differ");
}

/// Checks modules that must have no errors and no warnings.
fn checked(modules: &[ast::Module]) -> Checked {
    match check(modules) {
        Ok(checked) => {
            let warnings: Vec<String> = checked.diagnostics.iter().map(render).collect();
            assert!(warnings.is_empty(), "unexpected warnings: {warnings:#?}");
            checked
        }
        Err(diagnostics) => {
            let found: Vec<String> = diagnostics.iter().map(render).collect();
            panic!("unexpected diagnostics: {found:#?}")
        }
    }
}

/// An expression with its type: `(t.destination == t.item.licensed_from) : Bool`.
fn typed(program: &Program, expr: &ir::Expr) -> String {
    format!("{} : {}", show(program, expr), program.type_name(expr.ty))
}

fn show(program: &Program, expr: &ir::Expr) -> String {
    let show = |inner: &ir::Expr| self::show(program, inner);
    let list = |items: &[ir::Expr]| items.iter().map(show).collect::<Vec<_>>().join(", ");
    match &expr.kind {
        ExprKind::Literal(value) => match value {
            Value::None => "none".into(),
            Value::Bool(value) => value.to_string(),
            Value::Int(value) => value.to_string(),
            Value::Text(sym) => format!("{:?}", program.interner.resolve(*sym)),
            Value::Date(date) => date.to_string(),
            Value::Variant(idx) => match program.types.get(expr.ty) {
                ir::Type::Enum(id) => {
                    let def = &program.enums[id.idx()];
                    format!("{}.{}", def.name, def.variants[*idx as usize])
                }
                other => panic!("a variant of type {other:?}"),
            },
            other => format!("{other:?}"),
        },
        ExprKind::SetLiteral(items) => format!("{{{}}}", list(items)),
        ExprKind::Subject => "t".into(),
        ExprKind::Local(slot) => format!("${slot}"),
        ExprKind::Const(id) => format!("@{}", program.consts[id.idx()].name),
        ExprKind::KeyRef(id) => {
            let key_ref = &program.key_refs[id.idx()];
            let key = program.interner.resolve(key_ref.key);
            format!("{}[{key:?}]", program.records[key_ref.record.idx()].name)
        }
        ExprKind::Field { base, record, field } => {
            format!(
                "{}.{}",
                show(base),
                program.records[record.idx()].fields[*field as usize].name
            )
        }
        ExprKind::Call(id, args) => format!("{}({})", program.functions[id.idx()].name, list(args)),
        ExprKind::Builtin(builtin, args) => format!("{}({})", builtin.name(), list(args)),
        ExprKind::Not(inner) => format!("not {}", show(inner)),
        ExprKind::Neg(inner) => format!("-{}", show(inner)),
        ExprKind::IsSome(inner) => format!("{} is some", show(inner)),
        ExprKind::IsNone(inner) => format!("{} is none", show(inner)),
        ExprKind::And(a, b) => format!("({} and {})", show(a), show(b)),
        ExprKind::Or(a, b) => format!("({} or {})", show(a), show(b)),
        ExprKind::Compare(op, a, b) => format!("({} {op:?} {})", show(a), show(b)),
        ExprKind::In {
            element,
            set,
            negated,
        } => {
            format!(
                "({} {} {})",
                show(element),
                if *negated { "not in" } else { "in" },
                show(set)
            )
        }
        ExprKind::Subset(a, b) => format!("({} subset {})", show(a), show(b)),
        ExprKind::SetOp(op, a, b) => format!("({} {op:?} {})", show(a), show(b)),
        ExprKind::Arith(op, a, b) => format!("({} {op:?} {})", show(a), show(b)),
        ExprKind::Quantified {
            quantifier,
            slot,
            set,
            body,
        } => format!("{quantifier:?} ${slot} in {}: {}", show(set), show(body)),
        ExprKind::If(c, a, b) => format!("if {} then {} else {}", show(c), show(a), show(b)),
    }
}

/// The condition parts of a rule, typed, `unless` parts marked.
fn conditions(program: &Program, name: &str) -> Vec<String> {
    let rule = program.rule(name).expect("the rule exists");
    program.rules[rule.idx()]
        .conditions
        .iter()
        .map(|condition| {
            let prefix = if condition.negated { "unless " } else { "" };
            format!("{prefix}{}", typed(program, &condition.expr))
        })
        .collect()
}

/// Checks a policy with one rule made of these `when` conditions; returns the typed parts.
fn rule_conditions(clauses: Vec<ast::RuleClause>) -> Vec<String> {
    let program = checked(&policy(vec![rule("r", "deny", clauses)])).program;
    conditions(&program, "r")
}

// ---------------------------------------------------------------- programs that check

#[test]
fn when_and_chain_is_split_into_parts_and_unless_is_negated() {
    assert_eq!(
        rule_conditions(vec![
            when(op(
                op(p("t.consent"), "and", p("t.item.lethal")),
                "and",
                not(p("t.destination.in_combat"))
            )),
            unless(op(p("t.consent"), "or", p("t.item.lethal"))),
        ]),
        [
            "t.consent : Bool",
            "t.item.lethal : Bool",
            "not t.destination.in_combat : Bool",
            "unless (t.consent or t.item.lethal) : Bool",
        ]
    );
}

#[test]
fn expressions_are_typed_bottom_up() {
    assert_eq!(
        rule_conditions(vec![
            when(op(
                op(call("size", vec![p("t.item.joint_partners")]), "+", int(1)),
                ">=",
                op(int(2), "*", int(3))
            )),
            when(op(
                call("add_days", vec![p("t.date"), int(30)]),
                "<",
                date_lit("2024-01-01")
            )),
            when(op(p("t.item.category"), "==", p("rescue"))),
            when(op(p("t.item.category"), "!=", p("Category.other"))),
            when(op(text("x"), "in", p("t.tags"))),
        ]),
        [
            "((size(t.item.joint_partners) Add 1) Ge (2 Mul 3)) : Bool",
            "(add_days(t.date, 30) Lt 2024-01-01) : Bool",
            "(t.item.category Eq Category.rescue) : Bool",
            "(t.item.category Ne Category.other) : Bool",
            "(\"x\" in t.tags) : Bool",
        ]
    );
}

#[test]
fn set_literals_and_set_operators_unify_the_empty_set() {
    let program = checked(&policy(vec![
        let_("home", None, key("Country", "JP")),
        let_("empty", None, set(vec![])),
        let_(
            "partners",
            None,
            op(p("home"), "in", op(set(vec![p("home")]), "union", set(vec![]))),
        ),
        let_("maybe", None, set(vec![key("Country", "US"), none()])),
        rule(
            "r",
            "deny",
            vec![
                when(p("partners")),
                when(op(p("t.item.joint_partners"), "subset", p("empty"))),
                when(op(call("size", vec![p("maybe")]), ">", int(0))),
            ],
        ),
    ]))
    .program;
    let consts: Vec<String> = program
        .consts
        .iter()
        .map(|def| format!("{} = {}", def.name, typed(&program, &def.value)))
        .collect();
    assert_eq!(
        consts,
        [
            "home = Country[\"JP\"] : Country",
            "empty = {} : Set<none>",
            "partners = (@home in ({@home} Union {})) : Bool",
            "maybe = {Country[\"US\"], none} : Set<Country?>",
        ]
    );
}

#[test]
fn if_with_none_in_one_branch_is_optional() {
    let program = checked(&policy(vec![
        fn_("pick", &[("flag", "Bool")], None, if_(p("flag"), int(1), none())),
        rule(
            "r",
            "deny",
            vec![when(op(call("pick", vec![p("t.consent")]), "==", int(1)))],
        ),
    ]))
    .program;
    assert_eq!(
        typed(&program, &program.functions[0].body),
        "if $0 then 1 else none : Int?"
    );
    assert_eq!(program.type_name(program.functions[0].result), "Int?");
}

#[test]
fn narrowing_through_and_or_and_if_is_accepted() {
    assert_eq!(
        rule_conditions(vec![
            when(op(is_some(p("t.onward")), "and", p("t.onward.in_combat"))),
            when(op(is_none(p("t.onward")), "or", p("t.onward.party_to_conflict"))),
            when(if_(
                is_some(p("t.count")),
                op(p("t.count"), ">", int(2)),
                bool(true)
            )),
            when(if_(
                is_none(p("t.count")),
                bool(true),
                op(p("t.count"), "<", int(9))
            )),
        ]),
        [
            "t.onward is some : Bool",
            "t.onward.in_combat : Bool",
            "(t.onward is none or t.onward.party_to_conflict) : Bool",
            "if t.count is some then (t.count Gt 2) else true : Bool",
            "if t.count is none then true else (t.count Lt 9) : Bool",
        ]
    );
}

#[test]
fn narrowing_carries_over_to_later_clauses_only() {
    let program = checked(&policy(vec![rule(
        "r",
        "permit",
        vec![
            when(is_some(p("t.onward"))),
            unless(is_none(p("t.item.licensed_from"))),
            when(op(p("t.onward"), "==", p("t.item.licensed_from"))),
            unless(p("t.item.licensed_from.in_combat")),
            when(is_some(p("t.onward.agreement_since"))),
        ],
    )]))
    .program;
    assert_eq!(
        conditions(&program, "r"),
        [
            "t.onward is some : Bool",
            "unless t.item.licensed_from is none : Bool",
            "(t.onward Eq t.item.licensed_from) : Bool",
            "unless t.item.licensed_from.in_combat : Bool",
            "t.onward.agreement_since is some : Bool",
        ]
    );
}

#[test]
fn narrowed_paths_lose_their_option_in_the_program() {
    let program = checked(&policy(vec![rule(
        "r",
        "deny",
        vec![
            when(is_some(p("t.count"))),
            when(op(p("t.count"), ">", int(1))),
            when(op(
                is_some(p("t.item.licensed_from")),
                "and",
                op(
                    is_some(p("t.item.licensed_from.agreement_since")),
                    "and",
                    op(p("t.item.licensed_from.agreement_since"), "<", p("t.date")),
                ),
            )),
        ],
    )]))
    .program;
    let rule = &program.rules[0];
    let ir::ExprKind::Compare(_, count, _) = &rule.conditions[1].expr.kind else {
        panic!("a comparison")
    };
    assert_eq!(program.type_name(count.ty), "Int");
    let ir::ExprKind::Compare(_, since, _) = &rule.conditions[4].expr.kind else {
        panic!("a comparison")
    };
    assert_eq!(program.type_name(since.ty), "Date");
}

#[test]
fn narrowing_in_a_function_parameter_is_accepted() {
    let program = checked(&policy(vec![
        fn_(
            "has_agreement",
            &[("c", "Country"), ("day", "Date")],
            Some("Bool"),
            op(
                is_some(p("c.agreement_since")),
                "and",
                op(p("c.agreement_since"), "<=", p("day")),
            ),
        ),
        rule(
            "r",
            "permit",
            vec![when(call("has_agreement", vec![p("t.destination"), p("t.date")]))],
        ),
    ]))
    .program;
    assert_eq!(
        typed(&program, &program.functions[0].body),
        "($0.agreement_since is some and ($0.agreement_since Le $1)) : Bool"
    );
    assert_eq!(
        conditions(&program, "r"),
        ["has_agreement(t.destination, t.date) : Bool"]
    );
}

#[test]
fn an_optional_field_read_without_narrowing_is_rejected() {
    check_diagnostics(
        &policy(vec![rule(
            "r",
            "deny",
            vec![
                when(p("t.onward.in_combat")),
                when(op(is_some(p("t.onward")), "or", p("t.onward.party_to_conflict"))),
                when(op(
                    op(is_some(p("t.count")), "or", bool(false)),
                    "and",
                    op(p("t.count"), ">", int(1)),
                )),
                when(is_some(p("t.onward"))),
            ],
        )]),
        &[
            "E0209 `t.onward` may be none [this is `Country?`]",
            "E0209 `t.onward` may be none [this is `Country?`]",
            "E0209 `t.count` may be none [this is `Int?`]",
        ],
    );
}

#[test]
fn optional_access_suggests_checking_first() {
    check_help(
        &policy(vec![rule("r", "deny", vec![when(op(p("t.count"), "<", int(3)))])]),
        &["check `t.count is some and …` first"],
    );
}

#[test]
fn narrowing_does_not_leak_out_of_an_if_branch() {
    check_diagnostics(
        &policy(vec![rule(
            "r",
            "deny",
            vec![when(op(
                if_(is_some(p("t.count")), bool(true), bool(false)),
                "and",
                op(p("t.count"), ">", int(1)),
            ))],
        )]),
        &["E0209 `t.count` may be none [this is `Int?`]"],
    );
}

#[test]
fn constants_are_sorted_so_dependencies_come_first() {
    let program = checked(&policy(vec![
        let_("b", None, op(p("a"), "+", int(1))),
        let_("a", Some("Int"), int(2)),
        let_("c", None, op(p("b"), "*", call("double", vec![p("a")]))),
        fn_("double", &[("n", "Int")], Some("Int"), op(p("n"), "*", p("two"))),
        let_("two", None, int(2)),
        rule("r", "deny", vec![when(op(p("c"), ">", int(0)))]),
    ]))
    .program;
    let consts: Vec<String> = program
        .consts
        .iter()
        .map(|def| format!("{} = {}", def.name, typed(&program, &def.value)))
        .collect();
    assert_eq!(
        consts,
        [
            "a = 2 : Int",
            "b = (@a Add 1) : Int",
            "two = 2 : Int",
            "c = (@b Mul double(@a)) : Int",
        ]
    );
}

#[test]
fn parameters_then_quantified_variables_get_slots() {
    let program = checked(&policy(vec![
        fn_(
            "f",
            &[("a", "Set<Country>"), ("b", "Int")],
            None,
            op(
                any(
                    "x",
                    p("a"),
                    all("y", set(vec![p("x.agreement_since")]), bool(true)),
                ),
                "and",
                any("z", p("a"), op(p("b"), ">", int(0))),
            ),
        ),
        rule(
            "r",
            "deny",
            vec![
                when(call("f", vec![p("t.item.joint_partners"), int(1)])),
                when(any("c", p("t.item.joint_partners"), p("c.in_combat"))),
            ],
        ),
    ]))
    .program;
    let f = &program.functions[0];
    assert_eq!(
        show(&program, &f.body),
        "(Any $2 in $0: All $3 in {$2.agreement_since}: true and Any $2 in $0: ($1 Gt 0))"
    );
    assert_eq!(f.n_locals, 4);
    assert_eq!(program.rules[0].n_locals, 1);
    assert_eq!(
        conditions(&program, "r")[1],
        "Any $0 in t.item.joint_partners: $0.in_combat : Bool"
    );
}

#[test]
fn rules_come_after_their_exceptions_and_exceptions_are_linked_both_ways() {
    let program = checked(&policy(vec![
        rule("a", "deny", vec![when(p("t.consent"))]),
        rule("b", "permit", vec![when(p("t.consent")), exception_to(&["a"])]),
        rule("c", "deny", vec![when(p("t.consent")), exception_to(&["b"])]),
        rule("d", "deny", vec![when(p("t.consent"))]),
        rule(
            "e",
            "permit",
            vec![when(p("t.consent")), exception_to(&["a", "d"])],
        ),
    ]))
    .program;
    let names = |ids: &[ir::RuleId]| {
        ids.iter()
            .map(|id| program.rules[id.idx()].name.clone())
            .collect::<Vec<_>>()
    };
    assert_eq!(names(&program.rule_order), ["c", "b", "e", "a", "d"]);
    assert_eq!(names(&program.rules[0].defeated_by), ["b", "e"]);
    assert_eq!(names(&program.rules[4].exception_to), ["a", "d"]);
    assert_eq!(names(&program.rules[3].defeated_by), ["e"]);
}

#[test]
fn rules_keep_source_order_across_modules() {
    let mut modules = policy(vec![rule("mine", "deny", vec![when(p("t.consent"))])]);
    modules.insert(
        1,
        module(ast::HeaderKind::Module, vec![rule("imported", "deny", vec![])]),
    );
    let program = checked(&modules).program;
    let names: Vec<&str> = program.rules.iter().map(|rule| rule.name.as_str()).collect();
    assert_eq!(names, ["imported", "mine"]);
}

#[test]
fn rule_clauses_fill_the_rule() {
    let program = checked(&policy(vec![
        obligation("notify"),
        rule(
            "r",
            "permit",
            vec![
                because("why"),
                cite("art. 1"),
                oblige(&["notify"]),
                effective("2020-01-01"),
                until("2021-01-01"),
            ],
        ),
    ]))
    .program;
    let rule = &program.rules[0];
    assert_eq!(rule.reason.as_deref(), Some("why"));
    assert_eq!(rule.citation.as_deref(), Some("art. 1"));
    assert_eq!(rule.obligations, [ir::ObligationId(0)]);
    assert_eq!(rule.effective, Some(date("2020-01-01")));
    assert_eq!(rule.until, Some(date("2021-01-01")));
    assert!(rule.conditions.is_empty());
}

#[test]
fn key_references_are_deduplicated_and_texts_interned() {
    let program = checked(&policy(vec![rule(
        "r",
        "deny",
        vec![
            when(op(p("t.destination"), "==", key("Country", "JP"))),
            when(op(key("Country", "JP"), "!=", p("t.exporter"))),
            when(op(p("t.destination.code"), "==", text("JP"))),
        ],
    )]))
    .program;
    assert_eq!(program.key_refs.len(), 1);
    assert_eq!(program.interner.resolve(program.key_refs[0].key), "JP");
    assert_eq!(program.interner.get("JP"), Some(program.key_refs[0].key));
}

#[test]
fn subject_date_and_default_are_recorded() {
    let program = checked(&policy(vec![])).program;
    let subject = program.subject.as_ref().expect("a subject");
    assert_eq!(subject.var, "t");
    assert_eq!(program.records[subject.record.idx()].name, "Transfer");
    assert_eq!(
        typed(&program, subject.date.as_ref().expect("a date")),
        "t.date : Date"
    );
    assert_eq!(
        program.default.as_ref().map(|default| default.effect),
        Some(Effect::Deny)
    );
}

#[test]
fn records_keep_field_order_and_keys() {
    let program = checked(&policy(vec![])).program;
    let item = &program.records[program.record("Item").expect("Item").idx()];
    let fields: Vec<String> = item
        .fields
        .iter()
        .map(|field| format!("{}: {}", field.name, program.type_name(field.ty)))
        .collect();
    assert_eq!(
        fields,
        [
            "id: Text",
            "lethal: Bool",
            "category: Category",
            "licensed_from: Country?",
            "joint_partners: Set<Country>"
        ]
    );
    assert_eq!(item.key, Some(0));
}

#[test]
fn a_module_may_have_no_decide_and_no_default() {
    let program = checked(&[
        schema(),
        module(ast::HeaderKind::Module, vec![rule("r", "deny", vec![])]),
    ])
    .program;
    assert!(program.subject.is_none() && program.default.is_none());
}

#[test]
fn test_facts_are_checked_against_the_schema() {
    let program = checked(&policy(vec![
        obligation("notify"),
        rule("r", "permit", vec![when(p("t.consent")), oblige(&["notify"])]),
        test_(
            "a transfer",
            Some("2024-01-01"),
            vec![
                fact(
                    "Country",
                    vec![
                        ("code", v_text("US")),
                        ("in_combat", v_unknown()),
                        ("agreement_since", v_none()),
                    ],
                ),
                fact(
                    "Item",
                    vec![
                        ("id", v_text("PAC-3")),
                        ("category", v_variant("rescue")),
                        ("joint_partners", v_set(vec![v_text("US")])),
                    ],
                ),
                fact(
                    "Transfer",
                    vec![
                        ("id", v_text("t1")),
                        ("item", v_text("PAC-3")),
                        ("consent", v_bool(true)),
                        ("date", v_date("2024-01-01")),
                        ("count", v_int(3)),
                    ],
                ),
            ],
            vec![
                expect_decided(by_key("t1"), Effect::Permit, &["r"], Some(&["notify"])),
                expect_decided(by_position(1), Effect::Deny, &[], None),
                expect_missing(
                    by_key("t1"),
                    vec![
                        ("Country", by_key("US"), "in_combat"),
                        ("Transfer", by_position(1), "exporter"),
                    ],
                ),
            ],
        ),
    ]))
    .program;
    let test = &program.tests[0];
    assert_eq!(test.as_of, Some(date("2024-01-01")));
    let values: Vec<Vec<String>> = test
        .facts
        .iter()
        .map(|fact| {
            fact.fields
                .iter()
                .map(|value| show_value(&program, value))
                .collect()
        })
        .collect();
    assert_eq!(
        values,
        [
            vec!["\"US\"", "unknown", "unknown", "none"],
            vec!["\"PAC-3\"", "unknown", "variant 0", "none", "[Country \"US\"]"],
            vec![
                "\"t1\"",
                "Item \"PAC-3\"",
                "unknown",
                "unknown",
                "none",
                "true",
                "2024-01-01",
                "3",
                "unknown"
            ],
        ]
    );
    assert!(
        matches!(test.expects[0].subject, TestSubject::Key(sym) if program.interner.resolve(sym) == "t1")
    );
    assert!(matches!(test.expects[1].subject, TestSubject::Position(0)));
    assert!(matches!(
        &test.expects[0].outcome,
        ir::ExpectedOutcome::Decided(Effect::Permit, rules, Some(obligations)) if rules.len() == 1 && obligations.len() == 1
    ));
    let ir::ExpectedOutcome::Undecided(Some(paths)) = &test.expects[2].outcome else {
        panic!("missing paths")
    };
    assert_eq!((paths[0].field, paths[1].field), (2, 2));
    assert!(matches!(paths[1].subject, TestSubject::Position(0)));
}

fn show_value(program: &Program, value: &TestValue) -> String {
    match value {
        TestValue::Unknown => "unknown".into(),
        TestValue::Scalar(Value::None) => "none".into(),
        TestValue::Scalar(Value::Text(sym)) => format!("{:?}", program.interner.resolve(*sym)),
        TestValue::Scalar(Value::Bool(value)) => value.to_string(),
        TestValue::Scalar(Value::Int(value)) => value.to_string(),
        TestValue::Scalar(Value::Date(date)) => date.to_string(),
        TestValue::Scalar(Value::Variant(idx)) => format!("variant {idx}"),
        TestValue::Scalar(other) => format!("{other:?}"),
        TestValue::Key(record, sym, _) => format!(
            "{} {:?}",
            program.records[record.idx()].name,
            program.interner.resolve(*sym)
        ),
        TestValue::Seq(items) => format!(
            "[{}]",
            items
                .iter()
                .map(|item| show_value(program, item))
                .collect::<Vec<_>>()
                .join(", ")
        ),
        TestValue::Record(record, fields) => format!(
            "{} {{{}}}",
            program.records[record.idx()].name,
            fields
                .iter()
                .map(|field| show_value(program, field))
                .collect::<Vec<_>>()
                .join(", ")
        ),
    }
}

/// The rules of the sample policy that shows every construct of the grammar.
#[test]
fn the_sample_policy_checks_with_warnings_for_what_it_leaves_unused() {
    let items = vec![
        enum_(
            "Category",
            &[
                "rescue",
                "transport",
                "warning",
                "surveillance",
                "minesweeping",
                "other",
            ],
        ),
        record(
            "Country",
            Some("code"),
            &[
                ("code", "Text"),
                ("party_to_conflict", "Bool"),
                ("in_combat", "Bool"),
                ("agreement_since", "Date?"),
            ],
        ),
        record(
            "Item",
            Some("id"),
            &[
                ("id", "Text"),
                ("lethal", "Bool"),
                ("category", "Category"),
                ("licensed_from", "Country?"),
                ("joint_partners", "Set<Country>"),
            ],
        ),
        record(
            "Transfer",
            Some("id"),
            &[
                ("id", "Text"),
                ("item", "Item"),
                ("exporter", "Country"),
                ("destination", "Country"),
                ("onward", "Country?"),
                ("consent", "Bool"),
                ("date", "Date"),
            ],
        ),
        decide("t", "Transfer", Some(p("t.date"))),
        default(Effect::Deny),
        let_("home", None, key("Country", "JP")),
        let_(
            "five",
            None,
            set(vec![
                p("rescue"),
                p("transport"),
                p("Category.warning"),
                p("surveillance"),
                p("minesweeping"),
            ]),
        ),
        fn_(
            "has_agreement",
            &[("c", "Country"), ("day", "Date")],
            Some("Bool"),
            op(
                is_some(p("c.agreement_since")),
                "and",
                op(p("c.agreement_since"), "<=", p("day")),
            ),
        ),
        obligation("prior_consent"),
        rule(
            "party_to_conflict",
            "deny",
            vec![
                when(p("t.destination.party_to_conflict")),
                because("prohibited"),
                cite("Principle 1(3)"),
                effective("2014-04-01"),
            ],
        ),
        rule(
            "licensed_return",
            "permit",
            vec![
                when(op(
                    is_some(p("t.item.licensed_from")),
                    "and",
                    op(p("t.destination"), "==", p("t.item.licensed_from")),
                )),
                unless(is_some(p("t.onward"))),
                oblige(&["prior_consent"]),
                effective("2023-12-22"),
                exception_to(&["party_to_conflict"]),
            ],
        ),
        rule(
            "x",
            "deny",
            vec![
                when(any(
                    "p",
                    p("t.item.joint_partners"),
                    op(
                        p("p.in_combat"),
                        "or",
                        op(
                            not(op(p("p"), "not in", set(vec![p("home")]))),
                            "and",
                            op(
                                op(call("size", vec![p("t.item.joint_partners")]), "+", int(1)),
                                ">=",
                                neg(int(2)),
                            ),
                        ),
                    ),
                )),
                when(if_(
                    p("t.consent"),
                    op(p("t.exporter"), "==", p("home")),
                    bool(false),
                )),
                when(op(
                    op(p("t.item.joint_partners"), "union", set(vec![p("home")])),
                    "subset",
                    op(
                        op(set(vec![p("home")]), "intersect", set(vec![])),
                        "without",
                        set(vec![]),
                    ),
                )),
            ],
        ),
    ];
    let checked = check(&[module(ast::HeaderKind::Policy, items)]).expect("only warnings");
    let warnings: Vec<String> = checked.diagnostics.iter().map(render).collect();
    assert_eq!(
        warnings,
        [
            "W0001 constant `five` is never used [defined here]",
            "W0001 function `has_agreement` is never used [defined here]"
        ]
    );
    let program = checked.program;
    assert_eq!(program.type_name(program.consts[1].ty), "Set<Category>");
    assert_eq!(
        conditions(&program, "licensed_return"),
        [
            "t.item.licensed_from is some : Bool",
            "(t.destination Eq t.item.licensed_from) : Bool",
            "unless t.onward is some : Bool",
        ]
    );
    assert_eq!(
        conditions(&program, "x")[2],
        "((t.item.joint_partners Union {@home}) subset (({@home} Intersect {}) Without {})) : Bool"
    );
    let names: Vec<&str> = program
        .rule_order
        .iter()
        .map(|id| program.rules[id.idx()].name.as_str())
        .collect();
    assert_eq!(names, ["licensed_return", "party_to_conflict", "x"]);
}

// ---------------------------------------------------------------- names and definitions

#[test]
fn a_name_defined_twice_in_two_modules_is_reported_at_the_second() {
    let mut modules = policy(vec![
        let_("limit", None, int(2)),
        rule("r", "deny", vec![when(op(p("limit"), ">", int(1)))]),
    ]);
    modules.insert(
        1,
        module(ast::HeaderKind::Module, vec![let_("limit", None, int(1))]),
    );
    check_diagnostics(
        &modules,
        &["E0205 `limit` is defined twice [defined again here] [also: first defined here]"],
    );
}

#[test]
fn variants_and_fields_must_be_unique_within_their_declaration() {
    check_diagnostics(
        &[module(
            ast::HeaderKind::Module,
            vec![
                enum_("Kind", &["a", "b", "a"]),
                record("Thing", None, &[("x", "Int"), ("x", "Text")]),
            ],
        )],
        &[
            "E0205 variant `a` is declared twice [declared again here] [also: first declared here]",
            "E0205 field `x` is declared twice [declared again here] [also: first declared here]",
        ],
    );
}

#[test]
fn locals_cannot_reuse_top_level_names_or_each_other() {
    check_diagnostics(
        &policy(vec![
            let_("limit", None, int(1)),
            fn_(
                "f",
                &[("limit", "Int"), ("n", "Int"), ("n", "Int")],
                None,
                op(p("n"), ">", int(0)),
            ),
            rule(
                "r",
                "deny",
                vec![
                    when(call("f", vec![int(1), int(2), int(3)])),
                    when(any("t", p("t.item.joint_partners"), bool(true))),
                    when(any(
                        "c",
                        p("t.item.joint_partners"),
                        any("c", p("t.item.joint_partners"), bool(true)),
                    )),
                ],
            ),
        ]),
        &[
            "E0205 `limit` is already defined [defined again here] [also: first defined here]",
            "E0205 `n` is already defined [defined again here] [also: first defined here]",
            "E0205 `t` is already defined [defined again here] [also: first defined here]",
            "E0205 `c` is already defined [defined again here] [also: first defined here]",
        ],
    );
}

#[test]
fn builtin_names_cannot_be_redefined() {
    check_diagnostics(
        &[module(
            ast::HeaderKind::Module,
            vec![fn_("size", &[], None, int(1)), record("Int", None, &[])],
        )],
        &[
            "E0205 `size` is a builtin function [defined again here]",
            "E0205 `Int` is a builtin type [defined again here]",
        ],
    );
}

#[test]
fn unknown_names_suggest_similar_ones() {
    let modules = policy(vec![
        let_("threshold", None, int(3)),
        rule(
            "r",
            "deny",
            vec![
                when(op(p("treshold"), ">", int(1))),
                when(op(p("nothing_like_it"), ">", int(1))),
            ],
        ),
    ]);
    check_diagnostics(
        &modules,
        &[
            "E0201 unknown name `treshold` [not defined]",
            "E0201 unknown name `nothing_like_it` [not defined]",
        ],
    );
    check_help(&modules, &["a similar name exists: `threshold`", ""]);
}

#[test]
fn the_subject_is_only_visible_in_rules() {
    let modules = policy(vec![
        let_("d", None, p("t.date")),
        fn_("late", &[], None, op(p("t.date"), ">", p("d"))),
        rule(
            "r",
            "deny",
            vec![
                when(op(p("d"), ">", date_lit("2020-01-01"))),
                when(call("late", vec![])),
            ],
        ),
    ]);
    check_diagnostics(
        &modules,
        &[
            "E0201 unknown name `t` [not visible here]",
            "E0201 unknown name `t` [not visible here]",
        ],
    );
    check_help(&modules, &["the subject `t` is only visible in rules"; 2]);
}

#[test]
fn types_records_and_rules_are_not_values() {
    check_diagnostics(
        &policy(vec![
            fn_("f", &[], None, int(1)),
            rule(
                "r",
                "deny",
                vec![when(op(p("Country"), "==", p("f"))), when(call("r", vec![]))],
            ),
        ]),
        &[
            "E0201 `Country` is a record type, not a value [used as a value here]",
            "E0201 `f` is a function, not a value [used as a value here]",
            "E0201 `r` is a rule, not a function [called here]",
        ],
    );
}

#[test]
fn unknown_types_suggest_similar_ones() {
    let modules = [
        schema(),
        module(
            ast::HeaderKind::Module,
            vec![record(
                "Thing",
                None,
                &[("owner", "Contry"), ("tags", "Set<Txt>")],
            )],
        ),
    ];
    check_diagnostics(
        &modules,
        &[
            "E0202 unknown type `Contry` [not defined]",
            "E0202 unknown type `Txt` [not defined]",
        ],
    );
    check_help(
        &modules,
        &[
            "a similar name exists: `Country`",
            "a similar name exists: `Text`",
        ],
    );
}

#[test]
fn unknown_fields_and_variants_suggest_similar_ones() {
    let modules = policy(vec![rule(
        "r",
        "deny",
        vec![
            when(p("t.item.letal")),
            when(op(p("t.item.category"), "==", p("Category.rescu"))),
            when(op(p("t.item.category"), "==", p("Category.zzz"))),
        ],
    )]);
    check_diagnostics(
        &modules,
        &[
            "E0203 `Item` has no field `letal` [no such field]",
            "E0218 `Category` has no variant `rescu` [no such variant]",
            "E0218 `Category` has no variant `zzz` [no such variant]",
        ],
    );
    check_help(
        &modules,
        &[
            "a similar name exists: `lethal`",
            "a similar name exists: `rescue`",
            "the variants of `Category` are: `rescue`, `transport`, `other`",
        ],
    );
}

#[test]
fn a_bare_variant_of_two_enums_or_of_an_enum_and_a_constant_is_ambiguous() {
    let modules = policy(vec![
        enum_("Kind", &["rescue", "other"]),
        let_("transport", None, int(1)),
        rule(
            "r",
            "deny",
            vec![
                when(op(p("t.item.category"), "==", p("rescue"))),
                when(op(p("transport"), "==", int(1))),
                when(op(p("t.item.category"), "==", p("Kind.rescue"))),
            ],
        ),
    ]);
    check_diagnostics(
        &modules,
        &[
            "E0223 `rescue` is a variant of both `Category` and `Kind` [ambiguous]",
            "E0223 `transport` could be the variant `Category.transport` or the constant `transport` [ambiguous]",
            "E0204 `==` cannot compare `Category` with `Kind` [operands of different types]",
        ],
    );
    check_help(
        &modules,
        &[
            "qualify it: `Category.rescue` or `Kind.rescue`",
            "write `Category.transport` for the variant, or rename the constant",
            "",
        ],
    );
}

#[test]
fn keys_must_be_text_fields_and_references_need_keys() {
    check_diagnostics(
        &policy(vec![
            record("Plain", None, &[("n", "Int")]),
            record("Badkey", Some("n"), &[("n", "Int")]),
            record(
                "Nokey",
                Some("code"),
                &[("n", "Int"), ("plain", "Plain"), ("plains", "Set<Plain>?")],
            ),
            rule(
                "r",
                "deny",
                vec![when(op(key("Plain", "x"), "==", key("Plain", "y")))],
            ),
        ]),
        &[
            "E0215 the key of `Badkey` must be `Text`, but `n` is `Int` [key declared here] [also: this is `Int`]",
            "E0215 the key `code` is not a field of `Nokey` [no such field]",
            // `plain: Plain` holds a nested record, which needs no key; a set cannot hold one.
            "E0224 record `Plain` has no key, so a set or list cannot hold it [a set or list element refers to a record by key]",
            "E0224 record `Plain` has no key [refers to a `Plain` by key]",
            "E0224 record `Plain` has no key [refers to a `Plain` by key]",
        ],
    );
}

// ---------------------------------------------------------------- subject and default

#[test]
fn decide_may_appear_once_in_all_modules() {
    let mut modules = policy(vec![]);
    modules.insert(
        1,
        module(ast::HeaderKind::Module, vec![decide("x", "Transfer", None)]),
    );
    check_diagnostics(
        &modules,
        &["E0211 the policy says twice what it decides [second `decide`] [also: first `decide`]"],
    );
}

#[test]
fn a_policy_with_rules_needs_decide_and_tests_need_it_too() {
    check_diagnostics(
        &[
            schema(),
            module(
                ast::HeaderKind::Policy,
                vec![rule("r", "deny", vec![]), test_("a test", None, vec![], vec![])],
            ),
        ],
        &[
            "E0211 a test needs a policy that says what it decides [test without `decide`]",
            "E0211 the policy has rules but does not say what it decides [no `decide` in this policy]",
        ],
    );
}

#[test]
fn a_policy_that_decides_needs_exactly_one_default() {
    check_diagnostics(
        &[
            schema(),
            module(ast::HeaderKind::Policy, vec![decide("t", "Transfer", None)]),
        ],
        &["E0219 the policy has no `default` decision [decides without a default]"],
    );
    check_diagnostics(
        &policy(vec![default(Effect::Permit)]),
        &["E0219 the default decision is given twice [second `default`] [also: first `default`]"],
    );
}

#[test]
fn decide_names_a_record_and_a_date() {
    check_diagnostics(
        &[
            schema(),
            module(
                ast::HeaderKind::Policy,
                vec![decide("t", "Transfr", None), default(Effect::Deny)],
            ),
        ],
        &["E0202 unknown type `Transfr` [not defined]"],
    );
    check_diagnostics(
        &[
            schema(),
            module(
                ast::HeaderKind::Policy,
                vec![
                    decide("t", "Transfer", Some(p("t.consent"))),
                    default(Effect::Deny),
                ],
            ),
        ],
        &["E0204 expected `Date` or `Date?`, found `Bool` [this is `Bool`]"],
    );
}

// ---------------------------------------------------------------- constants and functions

#[test]
fn recursive_functions_and_constants_are_rejected() {
    check_diagnostics(
        &policy(vec![
            fn_("f", &[("n", "Int")], Some("Int"), call("f", vec![p("n")])),
            fn_("g", &[], Some("Int"), call("h", vec![])),
            fn_("h", &[], Some("Int"), call("g", vec![])),
            let_("a", None, op(p("b"), "+", int(1))),
            let_("b", None, p("a")),
            rule(
                "r",
                "deny",
                vec![when(op(
                    op(call("f", vec![p("a")]), "+", call("g", vec![])),
                    ">",
                    int(0),
                ))],
            ),
        ]),
        &[
            "E0210 function `f` calls itself [calls `f`]",
            "E0210 function `g` calls itself through `h` [calls `h`] [also: calls `g`]",
            "E0210 constant `a` depends on itself through `b` [uses `b`] [also: uses `a`]",
        ],
    );
}

#[test]
fn calls_check_arity_and_argument_types() {
    check_diagnostics(
        &policy(vec![
            fn_(
                "f",
                &[("c", "Country"), ("n", "Int")],
                Some("Bool"),
                op(p("n"), ">", int(0)),
            ),
            rule(
                "r",
                "deny",
                vec![
                    when(call("f", vec![p("t.destination")])),
                    when(call("f", vec![p("t.item"), text("x")])),
                    when(call("f", vec![p("t.destination"), p("t.count")])),
                    when(op(
                        call("year", vec![p("t.consent")]),
                        ">",
                        call("size", vec![int(1)]),
                    )),
                    when(op(call("days_between", vec![p("t.date")]), ">", int(0))),
                    when(call("g", vec![])),
                ],
            ),
        ]),
        &[
            "E0208 `f` takes 2 arguments but 1 was given [1 argument given]",
            "E0204 argument `c` of `f` must be `Country`, found `Item` [this is `Item`]",
            "E0204 argument `n` of `f` must be `Int`, found `Text` [this is `Text`]",
            "E0204 argument `n` of `f` must be `Int`, found `Int?` [this is `Int?`]",
            "E0204 argument `date` of `year` must be `Date`, found `Bool` [this is `Bool`]",
            "E0204 argument `set` of `size` must be a set or list, found `Int` [this is `Int`]",
            "E0208 `days_between` takes 2 arguments but 1 was given [1 argument given]",
            "E0201 unknown function `g` [not defined]",
        ],
    );
}

#[test]
fn declared_types_are_checked_against_bodies_and_values() {
    check_diagnostics(
        &policy(vec![
            fn_("f", &[], Some("Int"), text("x")),
            let_("l", Some("Set<Country>"), set(vec![])),
            let_("m", Some("Int?"), none()),
            let_("n", Some("Bool"), int(1)),
            rule(
                "r",
                "deny",
                vec![when(op(
                    op(call("f", vec![]), "==", p("m")),
                    "and",
                    op(op(call("size", vec![p("l")]), ">", int(0)), "or", p("n")),
                ))],
            ),
        ]),
        &[
            "E0204 `f` is declared to return `Int`, but its body is `Text` [this is `Text`] [also: declared here]",
            "E0204 `n` is declared as `Bool`, but its value is `Int` [this is `Int`] [also: declared here]",
        ],
    );
}

// ---------------------------------------------------------------- operators

#[test]
fn boolean_operators_need_booleans_and_if_branches_must_agree() {
    check_diagnostics(
        &policy(vec![rule(
            "r",
            "deny",
            vec![
                when(op(int(1), "and", p("t.consent"))),
                when(not(p("t.date"))),
                when(if_(p("t.consent"), int(1), text("x"))),
                when(p("t.count")),
                when(op(set(vec![int(1), text("x")]), "==", set(vec![]))),
            ],
        )]),
        &[
            "E0204 expected `Bool`, found `Int` [this is `Int`]",
            "E0204 expected `Bool`, found `Date` [this is `Date`]",
            "E0204 the branches of `if` have different types `Int` and `Text` [this is `Text`] [also: this is `Int`]",
            "E0204 expected `Bool`, found `Int?` [this is `Int?`]",
            "E0204 set elements have different types `Int` and `Text` [this is `Text`] [also: this is `Int`]",
        ],
    );
}

#[test]
fn comparisons_need_compatible_operands() {
    let modules = policy(vec![rule(
        "r",
        "deny",
        vec![
            when(op(p("t.destination"), "==", text("US"))),
            when(op(p("t.item.category"), "==", text("rescue"))),
            when(op(p("t.onward"), "==", p("t.destination"))),
            when(op(p("t.onward"), "==", none())),
            when(op(text("a"), "==", none())),
            when(op(p("t.destination.code"), "!=", text("JP"))),
            when(op(text("a"), "<", text("b"))),
            when(op(p("t.date"), ">", int(3))),
        ],
    )]);
    check_diagnostics(
        &modules,
        &[
            "E0204 `==` cannot compare `Country` with `Text` [operands of different types]",
            "E0204 `==` cannot compare `Category` with `Text` [operands of different types]",
            "E0204 `==` cannot compare `Text` with `none` [operands of different types]",
            "E0204 expected `Int` or `Date`, found `Text` [this is `Text`]",
            "E0204 expected `Int` or `Date`, found `Text` [this is `Text`]",
            "E0204 `>` cannot compare `Date` with `Int` [operands of different types]",
        ],
    );
    check_help(
        &modules,
        &[
            "to refer to a `Country` by its key, write `Country[\"US\"]`",
            "variants are written without quotes: `rescue`",
            "",
            "",
            "",
            "",
        ],
    );
}

#[test]
fn is_some_needs_an_optional_value() {
    let modules = policy(vec![rule(
        "r",
        "deny",
        vec![when(is_some(p("t.date"))), when(is_none(p("t.onward")))],
    )]);
    check_diagnostics(
        &modules,
        &["E0204 `is some` needs an optional value, found `Date` [this is `Date`]"],
    );
    check_help(&modules, &["`t.date` is never none"]);
}

#[test]
fn membership_and_set_operators_check_element_types() {
    check_diagnostics(
        &policy(vec![rule(
            "r",
            "deny",
            vec![
                when(op(p("t.onward"), "in", p("t.item.joint_partners"))),
                when(op(p("t.item"), "not in", p("t.item.joint_partners"))),
                when(op(p("t.destination"), "in", p("t.destination"))),
                when(op(p("t.tags"), "subset", p("t.item.joint_partners"))),
                when(op(
                    call("size", vec![op(p("t.tags"), "union", set(vec![]))]),
                    ">",
                    int(0),
                )),
                when(op(
                    call(
                        "size",
                        vec![op(p("t.item.joint_partners"), "intersect", set(vec![int(1)]))],
                    ),
                    ">",
                    int(0),
                )),
            ],
        )]),
        &[
            "E0204 a value of type `Item` can never be in a `Set<Country>` [this is `Item`]",
            "E0204 expected a set or list, found `Country` [this is `Country`]",
            "E0204 `subset` needs two sets of one type, found `List<Text>` and `Set<Country>` [operands of different types]",
            "E0204 expected a set, found `List<Text>` [this is `List<Text>`]",
            "E0204 `intersect` needs two sets of one type, found `Set<Country>` and `Set<Int>` [operands of different types]",
        ],
    );
}

#[test]
fn arithmetic_and_quantifiers_check_their_operands() {
    check_diagnostics(
        &policy(vec![rule(
            "r",
            "deny",
            vec![
                when(op(op(p("t.count"), "+", int(1)), ">", int(1))),
                when(op(op(text("a"), "*", int(2)), ">", int(1))),
                when(any("c", p("t.destination"), bool(true))),
                when(all("c", p("t.item.joint_partners"), p("c.code"))),
            ],
        )]),
        &[
            "E0209 `t.count` may be none [this is `Int?`]",
            "E0204 expected `Int`, found `Text` [this is `Text`]",
            "E0204 expected a set or list, found `Country` [this is `Country`]",
            "E0204 expected `Bool`, found `Text` [this is `Text`]",
        ],
    );
}

#[test]
fn one_mistake_is_reported_once() {
    check_diagnostics(
        &policy(vec![rule(
            "r",
            "deny",
            vec![when(op(
                op(
                    p("t.itme.lethal"),
                    "and",
                    op(op(p("undefined_x"), "+", int(1)), ">", int(2)),
                ),
                "and",
                op(p("t.itme"), "in", set(vec![p("undefined_x")])),
            ))],
        )]),
        &[
            "E0203 `Transfer` has no field `itme` [no such field]",
            "E0201 unknown name `undefined_x` [not defined]",
            "E0203 `Transfer` has no field `itme` [no such field]",
            "E0201 unknown name `undefined_x` [not defined]",
        ],
    );
}

// ---------------------------------------------------------------- rules

#[test]
fn clauses_allowed_once_are_reported_when_repeated() {
    check_diagnostics(
        &policy(vec![rule(
            "r",
            "deny",
            vec![
                because("a"),
                because("b"),
                cite("x"),
                cite("y"),
                effective("2020-01-01"),
                effective("2020-02-01"),
                until("2030-01-01"),
                until("2031-01-01"),
            ],
        )]),
        &[
            "E0212 rule `r` has two `because` clauses [second `because`] [also: first `because`]",
            "E0212 rule `r` has two `cite` clauses [second `cite`] [also: first `cite`]",
            "E0212 rule `r` has two `effective` clauses [second `effective`] [also: first `effective`]",
            "E0212 rule `r` has two `until` clauses [second `until`] [also: first `until`]",
        ],
    );
}

#[test]
fn obligations_go_with_permits_and_must_be_declared() {
    check_diagnostics(
        &policy(vec![
            obligation("notify"),
            rule("d", "deny", vec![oblige(&["notify"])]),
            rule("p", "permit", vec![oblige(&["notfy"])]),
        ]),
        &[
            "E0213 deny rule `d` cannot attach obligations [`oblige` in a deny rule]",
            "E0214 unknown obligation `notfy` [not declared]",
        ],
    );
}

#[test]
fn exceptions_name_existing_rules_without_cycles() {
    check_diagnostics(
        &policy(vec![
            rule("a", "deny", vec![exception_to(&["b"])]),
            rule("b", "permit", vec![exception_to(&["a"])]),
            rule("c", "permit", vec![exception_to(&["c", "zz", "aa"])]),
        ]),
        &[
            "E0207 rules are exceptions to each other: `a` → `b` → `a` [`a` is an exception to `b`] [also: `b` is an exception to `a`]",
            "E0207 rule `c` is an exception to itself [`c` is an exception to `c`]",
            "E0206 unknown rule `zz` [no rule has this name]",
            "E0206 unknown rule `aa` [no rule has this name]",
        ],
    );
}

#[test]
fn a_rule_must_end_after_it_starts() {
    check_diagnostics(
        &policy(vec![
            rule("r", "deny", vec![effective("2021-01-01"), until("2021-01-01")]),
            rule("s", "deny", vec![until("2020-01-01"), effective("2021-01-01")]),
        ]),
        &[
            "E0225 rule `r` ends before it starts [ends on 2021-01-01] [also: starts on 2021-01-01]",
            "E0225 rule `s` ends before it starts [ends on 2020-01-01] [also: starts on 2021-01-01]",
        ],
    );
}

#[test]
fn rules_that_can_never_apply_are_warned_about() {
    let program = check(&policy(vec![
        rule("a", "deny", vec![when(op(p("t.consent"), "and", bool(false)))]),
        rule("b", "deny", vec![unless(bool(true))]),
        rule("c", "deny", vec![when(op(int(1), "==", int(2)))]),
        rule(
            "d",
            "deny",
            vec![when(op(int(1), "==", int(1))), unless(bool(false))],
        ),
    ]))
    .expect("warnings only");
    let warnings: Vec<String> = program.diagnostics.iter().map(render).collect();
    assert_eq!(
        warnings,
        [
            "W0002 rule `a` never applies [this is always false]",
            "W0002 rule `b` never applies [this is always true]",
            "W0002 rule `c` never applies [this is always false]",
        ]
    );
}

#[test]
fn unused_definitions_of_the_policy_are_warned_about_but_not_imported_ones() {
    let mut modules = policy(vec![
        let_("unused_const", None, int(1)),
        let_("used_const", None, int(1)),
        fn_("unused_fn", &[], None, p("used_const")),
        obligation("unused_obligation"),
    ]);
    modules.insert(
        1,
        module(
            ast::HeaderKind::Module,
            vec![let_("imported", None, int(1)), obligation("imported_obligation")],
        ),
    );
    let warnings: Vec<String> = check(&modules)
        .expect("warnings only")
        .diagnostics
        .iter()
        .map(render)
        .collect();
    assert_eq!(
        warnings,
        [
            "W0001 constant `unused_const` is never used [defined here]",
            "W0001 function `unused_fn` is never used [defined here]",
            "W0001 obligation `unused_obligation` is never used [defined here]",
        ]
    );
    check_help(&modules, &["remove it, or use it in a rule"; 3]);
}

// ---------------------------------------------------------------- tests

#[test]
fn test_facts_must_fit_the_schema() {
    check_diagnostics(
        &policy(vec![test_(
            "bad facts",
            None,
            vec![
                fact("Contry", vec![]),
                fact(
                    "Country",
                    vec![
                        ("code", v_int(1)),
                        ("in_combat", v_bool(true)),
                        ("in_combat", v_bool(false)),
                        ("incombat", v_bool(true)),
                        ("party_to_conflict", v_none()),
                    ],
                ),
                fact(
                    "Item",
                    vec![
                        ("category", v_variant("rescu")),
                        ("joint_partners", v_set(vec![v_int(1)])),
                        ("lethal", v_text("yes")),
                    ],
                ),
            ],
            vec![],
        )]),
        &[
            "E0220 unknown record type `Contry` in a test fact [not declared]",
            "E0220 wrong value for field `code` of `Country` [expected `Text`]",
            "E0220 wrong value for field `party_to_conflict` of `Country` [expected `Bool`]",
            "E0220 field `in_combat` is given twice [given again here] [also: first given here]",
            "E0220 `Country` has no field `incombat` [no such field]",
            "E0220 `Category` has no variant `rescu` [expected `Category`]",
            "E0220 wrong value for field `joint_partners` of `Item` [expected `Country`]",
            "E0220 wrong value for field `lethal` of `Item` [expected `Bool`]",
        ],
    );
}

#[test]
fn expectations_must_name_rules_obligations_and_facts_of_the_test() {
    check_diagnostics(
        &policy(vec![
            obligation("notify"),
            rule("r", "permit", vec![oblige(&["notify"])]),
            test_(
                "bad expectations",
                None,
                vec![fact("Transfer", vec![("id", v_text("t1"))])],
                vec![
                    expect_decided(by_key("t1"), Effect::Permit, &["rr"], Some(&["notfy"])),
                    expect_decided(by_key("t9"), Effect::Deny, &[], None),
                    expect_decided(by_position(2), Effect::Deny, &[], None),
                    expect_missing(
                        by_position(1),
                        vec![
                            ("Contry", by_key("US"), "code"),
                            ("Transfer", by_position(1), "dat"),
                            ("Country", by_key("US"), "code"),
                        ],
                    ),
                ],
            ),
        ]),
        &[
            "E0221 unknown rule `rr` in `expect` [not declared]",
            "E0221 unknown obligation `notfy` in `expect` [not declared]",
            "E0221 the test has no `Transfer` with key `t9` [not among the test's facts]",
            "E0221 the test has no `Transfer` #2 [position out of range]",
            "E0221 the test has no `Country` with key `US` [not among the test's facts]",
            "E0221 unknown record type `Contry` in `expect` [not declared]",
            "E0221 `Transfer` has no field `dat` [no such field]",
        ],
    );
}

// ---------------------------------------------------------------- scale

#[test]
fn ten_thousand_rules_check_quickly() {
    let mut items = vec![let_("home", None, key("Country", "JP")), obligation("notify")];
    for idx in 0..10_000 {
        let mut clauses = vec![
            when(op(
                op(is_some(p("t.onward")), "and", op(p("t.onward"), "!=", p("home"))),
                "and",
                op(p("t.item.category"), "==", p("rescue")),
            )),
            when(any(
                "c",
                p("t.item.joint_partners"),
                op(
                    p("c.in_combat"),
                    "or",
                    op(call("size", vec![p("t.tags")]), ">", int(idx)),
                ),
            )),
            unless(op(
                p("t.destination.code"),
                "in",
                set(vec![text("US"), text(&format!("X{idx}"))]),
            )),
        ];
        if idx > 0 {
            clauses.push(exception_to(&[&format!("r{}", idx - 1)]));
        }
        let effect = if idx % 2 == 0 { "deny" } else { "permit" };
        if effect == "permit" {
            clauses.push(oblige(&["notify"]));
        }
        items.push(rule(&format!("r{idx}"), effect, clauses));
    }
    let modules = policy(items);
    let start = std::time::Instant::now();
    let program = checked(&modules).program;
    let elapsed = start.elapsed();
    assert_eq!(program.rules.len(), 10_000);
    assert_eq!(program.rule_order.first(), Some(&ir::RuleId(9_999)));
    // Generous for unoptimised test builds; an optimised build takes a small fraction of this.
    assert!(elapsed.as_millis() < 2_000, "took {elapsed:?}");
}
