//! Unit tests of the checker. Every input is Pol text, parsed by `syntax::parse` and checked;
//! diagnostics are compared as `CODE message [text: label] [also text: label]`, each label shown
//! with the text it points at, and programs through a small printer of `ir`. Every input the
//! checker is tested on can be written in Pol, so no test builds a syntax tree by hand.

use super::ir::{self, ExprKind, Program, TestSubject, TestValue};
use super::{Checked, check};
use crate::diagnostic::{Diagnostic, Label};
use crate::source::SourceMap;
use crate::value::{Date, Value};

// ---------------------------------------------------------------- inputs

/// The shared schema, imported by most tests' policies.
const SCHEMA: &str = r#"module "schema"

enum Category { rescue, transport, other }

record Country key code {
  code: Text
  party_to_conflict: Bool
  in_combat: Bool
  agreement_since: Date?
}

record Item key id {
  id: Text
  lethal: Bool
  category: Category
  licensed_from: Country?
  joint_partners: Set<Country>
}

record Transfer key id {
  id: Text
  item: Item
  exporter: Country
  destination: Country
  onward: Country?
  consent: Bool
  date: Date
  count: Int?
  tags: List<Text>
}
"#;

/// The head of the policy that [`policy`] completes: what it decides and its default.
const POLICY_HEAD: &str = r#"policy "a test"

decide t: Transfer on t.date
default deny because "no rule applies"
"#;

/// The schema, then a policy deciding transfers with these extra declarations.
fn policy(items: &str) -> Vec<String> {
    vec![SCHEMA.to_owned(), format!("{POLICY_HEAD}\n{items}")]
}

/// The schema, then these modules (the policy last).
fn with_schema(modules: &[&str]) -> Vec<String> {
    let mut all = vec![SCHEMA.to_owned()];
    all.extend(modules.iter().map(|module| (*module).to_owned()));
    all
}

/// Exactly these modules (the policy last).
fn modules(modules: &[&str]) -> Vec<String> {
    modules.iter().map(|module| (*module).to_owned()).collect()
}

/// Parses every text as a module, in order, and checks them together. Every test reaches the
/// checker through this one function.
fn run_checker(texts: &[String]) -> (SourceMap, Result<Checked, Vec<Diagnostic>>) {
    let mut sources = SourceMap::new();
    let mut parsed = Vec::new();
    for (idx, text) in texts.iter().enumerate() {
        let id = sources.add(format!("module{idx}.pol"), text.clone());
        match crate::syntax::parse(&sources, id) {
            Ok(module) => parsed.push(module),
            Err(diagnostics) => panic!(
                "the input of a checker test must parse:\n{text}\n{:#?}",
                diagnostics
                    .iter()
                    .map(|diagnostic| &diagnostic.message)
                    .collect::<Vec<_>>()
            ),
        }
    }
    let result = check(&parsed);
    (sources, result)
}

// ---------------------------------------------------------------- helpers

/// The text a label points at, on one line and at most 40 characters.
fn label_text(sources: &SourceMap, label: &Label) -> String {
    let snippet = sources.snippet(label.span);
    let first_line = snippet.lines().next().unwrap_or("").trim_end();
    let mut shown: String = first_line.chars().take(40).collect();
    if shown.len() < snippet.trim_end().len() {
        shown.push('…');
    }
    shown
}

/// A diagnostic as `CODE message [text: label] [also text: label]`.
fn render(sources: &SourceMap, diagnostic: &Diagnostic) -> String {
    let mut out = format!("{} {}", diagnostic.code.as_str(), diagnostic.message);
    if let Some(label) = &diagnostic.primary {
        out.push_str(&format!(" [{}: {}]", label_text(sources, label), label.message));
    }
    for label in &diagnostic.secondary {
        out.push_str(&format!(
            " [also {}: {}]",
            label_text(sources, label),
            label.message
        ));
    }
    out
}

/// Every diagnostic (errors, or warnings when there are none) of checking these modules.
fn diagnostics(input: &[String]) -> (SourceMap, Vec<Diagnostic>) {
    let (sources, result) = run_checker(input);
    let diagnostics = match result {
        Ok(checked) => checked.diagnostics,
        Err(diagnostics) => diagnostics,
    };
    (sources, diagnostics)
}

/// The one test helper: checks the input and compares every diagnostic (errors and warnings).
fn check_diagnostics(input: Vec<String>, expected: &[&str]) {
    let (sources, found) = diagnostics(&input);
    let found: Vec<String> = found
        .iter()
        .map(|diagnostic| render(&sources, diagnostic))
        .collect();
    assert_eq!(found, expected, "diagnostics differ");
}

/// Like [`check_diagnostics`], comparing the help texts.
fn check_help(input: Vec<String>, expected: &[&str]) {
    let found: Vec<String> = diagnostics(&input)
        .1
        .iter()
        .map(|diagnostic| diagnostic.help.clone().unwrap_or_default())
        .collect();
    assert_eq!(found, expected, "help texts differ");
}

/// Checks an input that must have no errors and no warnings.
fn checked(input: Vec<String>) -> Checked {
    let (sources, result) = run_checker(&input);
    match result {
        Ok(checked) => {
            let warnings: Vec<String> = checked
                .diagnostics
                .iter()
                .map(|diagnostic| render(&sources, diagnostic))
                .collect();
            assert!(warnings.is_empty(), "unexpected warnings: {warnings:#?}");
            checked
        }
        Err(diagnostics) => {
            let found: Vec<String> = diagnostics
                .iter()
                .map(|diagnostic| render(&sources, diagnostic))
                .collect();
            panic!("unexpected diagnostics: {found:#?}")
        }
    }
}

/// Checks an input that must have no errors, comparing its warnings.
fn check_warnings(input: Vec<String>, expected: &[&str]) {
    let (sources, result) = run_checker(&input);
    let found: Vec<String> = match result {
        Ok(checked) => checked
            .diagnostics
            .iter()
            .map(|diagnostic| render(&sources, diagnostic))
            .collect(),
        Err(diagnostics) => {
            let found: Vec<String> = diagnostics
                .iter()
                .map(|diagnostic| render(&sources, diagnostic))
                .collect();
            panic!("unexpected errors: {found:#?}")
        }
    };
    assert_eq!(found, expected, "warnings differ");
}

fn date(text: &str) -> Date {
    Date::parse(text).expect("a valid date in a test")
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
        ExprKind::Lookup { record, keys, .. } => {
            format!("{}[{}]", program.records[record.idx()].name, list(keys))
        }
        ExprKind::FactsOf { record, index } => {
            let def = &program.records[record.idx()];
            match index {
                None => format!("facts {}", def.name),
                Some((field, key)) => format!(
                    "facts {} by {} == {}",
                    def.name,
                    def.fields[*field as usize].name,
                    show(key)
                ),
            }
        }
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

/// Checks a policy with one rule `r` made of these clauses; returns its typed condition parts.
fn rule_conditions(clauses: &str) -> Vec<String> {
    let program = checked(policy(&format!("rule r: deny {{\n{clauses}\n}}"))).program;
    conditions(&program, "r")
}

// ---------------------------------------------------------------- programs that check

#[test]
fn when_and_chain_is_split_into_parts_and_unless_is_negated() {
    assert_eq!(
        rule_conditions(
            r#"
            when t.consent and t.item.lethal and not t.destination.in_combat
            unless t.consent or t.item.lethal
            "#
        ),
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
        rule_conditions(
            r#"
            when size(t.item.joint_partners) + 1 >= 2 * 3
            when add_days(t.date, 30) < 2024-01-01
            when t.item.category == rescue
            when t.item.category != Category.other
            when "x" in t.tags
            "#
        ),
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
    let program = checked(policy(
        r#"
        let home = Country["JP"]
        let empty = {}
        let partners = home in {home} union {}
        let maybe = {Country["US"], none}

        rule r: deny {
          when partners
          when t.item.joint_partners subset empty
          when size(maybe) > 0
        }
        "#,
    ))
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
    let program = checked(policy(
        r#"
        fn pick(flag: Bool) = if flag then 1 else none

        rule r: deny {
          when pick(t.consent) == 1
        }
        "#,
    ))
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
        rule_conditions(
            r#"
            when t.onward is some and t.onward.in_combat
            when t.onward is none or t.onward.party_to_conflict
            when if t.count is some then t.count > 2 else true
            when if t.count is none then true else t.count < 9
            "#
        ),
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
    let program = checked(policy(
        r#"
        rule r: permit {
          when t.onward is some
          unless t.item.licensed_from is none
          when t.onward == t.item.licensed_from
          unless t.item.licensed_from.in_combat
          when t.onward.agreement_since is some
        }
        "#,
    ))
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
    let program = checked(policy(
        r#"
        rule r: deny {
          when t.count is some
          when t.count > 1
          when t.item.licensed_from is some
            and (
              t.item.licensed_from.agreement_since is some
              and t.item.licensed_from.agreement_since < t.date
            )
        }
        "#,
    ))
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
    let program = checked(policy(
        r#"
        fn has_agreement(c: Country, day: Date) -> Bool =
          c.agreement_since is some and c.agreement_since <= day

        rule r: permit {
          when has_agreement(t.destination, t.date)
        }
        "#,
    ))
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
        policy(
            r#"
            rule r: deny {
              when t.onward.in_combat
              when t.onward is some or t.onward.party_to_conflict
              when (t.count is some or false) and t.count > 1
              when t.onward is some
            }
            "#,
        ),
        &[
            "E0209 `t.onward` may be none [t.onward: this is `Country?`]",
            "E0209 `t.onward` may be none [t.onward: this is `Country?`]",
            "E0209 `t.count` may be none [t.count: this is `Int?`]",
        ],
    );
}

#[test]
fn optional_access_suggests_checking_first() {
    check_help(
        policy("rule r: deny { when t.count < 3 }"),
        &["check `t.count is some and …` first"],
    );
}

#[test]
fn narrowing_does_not_leak_out_of_an_if_branch() {
    check_diagnostics(
        policy(
            r#"
            rule r: deny {
              when (if t.count is some then true else false) and t.count > 1
            }
            "#,
        ),
        &["E0209 `t.count` may be none [t.count: this is `Int?`]"],
    );
}

#[test]
fn constants_are_sorted_so_dependencies_come_first() {
    let program = checked(policy(
        r#"
        let b = a + 1
        let a: Int = 2
        let c = b * double(a)

        fn double(n: Int) -> Int = n * two

        let two = 2

        rule r: deny {
          when c > 0
        }
        "#,
    ))
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
    let program = checked(policy(
        r#"
        fn f(a: Set<Country>, b: Int) =
          (any x in a: all y in {x.agreement_since}: true) and any z in a: b > 0

        rule r: deny {
          when f(t.item.joint_partners, 1)
          when any c in t.item.joint_partners: c.in_combat
        }
        "#,
    ))
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
    let program = checked(policy(
        r#"
        rule a: deny { when t.consent }
        rule b: permit { when t.consent  exception to a }
        rule c: deny { when t.consent  exception to b }
        rule d: deny { when t.consent }
        rule e: permit { when t.consent  exception to a, d }
        "#,
    ))
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
    let program = checked(with_schema(&[
        "module \"imported\"\nrule imported: deny {}",
        &format!("{POLICY_HEAD}\nrule mine: deny {{ when t.consent }}"),
    ]))
    .program;
    let names: Vec<&str> = program.rules.iter().map(|rule| rule.name.as_str()).collect();
    assert_eq!(names, ["imported", "mine"]);
}

#[test]
fn rule_clauses_fill_the_rule() {
    let program = checked(policy(
        r#"
        obligation notify "what it requires"

        rule r: permit {
          because "why"
          cite "art. 1"
          oblige notify
          effective 2020-01-01
          until 2021-01-01
        }
        "#,
    ))
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
    let program = checked(policy(
        r#"
        rule r: deny {
          when t.destination == Country["JP"]
          when Country["JP"] != t.exporter
          when t.destination.code == "JP"
        }
        "#,
    ))
    .program;
    assert_eq!(program.key_refs.len(), 1);
    assert_eq!(program.interner.resolve(program.key_refs[0].key), "JP");
    assert_eq!(program.interner.get("JP"), Some(program.key_refs[0].key));
}

#[test]
fn subject_date_and_default_are_recorded() {
    let program = checked(policy("")).program;
    let subject = program.subject.as_ref().expect("a subject");
    assert_eq!(subject.var, "t");
    assert_eq!(program.records[subject.record.idx()].name, "Transfer");
    assert_eq!(
        typed(&program, subject.date.as_ref().expect("a date")),
        "t.date : Date"
    );
    assert_eq!(
        program.default.as_ref().map(|default| default.effect),
        Some(ir::Effect::Deny)
    );
}

#[test]
fn records_keep_field_order_and_keys() {
    let program = checked(policy("")).program;
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
    let program = checked(with_schema(&["module \"rules\"\nrule r: deny {}"])).program;
    assert!(program.subject.is_none() && program.default.is_none());
}

#[test]
fn test_facts_are_checked_against_the_schema() {
    let program = checked(policy(
        r#"
        obligation notify "what it requires"

        rule r: permit {
          when t.consent
          oblige notify
        }

        test "a transfer" {
          as of 2024-01-01
          Country { code: "US", in_combat: unknown, agreement_since: none }
          Item { id: "PAC-3", category: rescue, joint_partners: {"US"} }
          Transfer { id: "t1", item: "PAC-3", consent: true, date: 2024-01-01, count: 3 }
          expect "t1" permit by r oblige notify
          expect #1 deny by default
          expect "t1" undecided missing Country["US"].in_combat, Transfer[#1].exporter
        }
        "#,
    ))
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
        ir::ExpectedOutcome::Decided(ir::Effect::Permit, rules, Some(obligations)) if rules.len() == 1 && obligations.len() == 1
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
    let input = modules(&[r#"policy "sample"

enum Category { rescue, transport, warning, surveillance, minesweeping, other }

record Country key code {
  code: Text
  party_to_conflict: Bool
  in_combat: Bool
  agreement_since: Date?
}

record Item key id {
  id: Text
  lethal: Bool
  category: Category
  licensed_from: Country?
  joint_partners: Set<Country>
}

record Transfer key id {
  id: Text
  item: Item
  exporter: Country
  destination: Country
  onward: Country?
  consent: Bool
  date: Date
}

decide t: Transfer on t.date
default deny because "no rule applies"

let home = Country["JP"]
let five = {rescue, transport, Category.warning, surveillance, minesweeping}

fn has_agreement(c: Country, day: Date) -> Bool =
  c.agreement_since is some and c.agreement_since <= day

obligation prior_consent "what it requires"

rule party_to_conflict: deny {
  when t.destination.party_to_conflict
  because "prohibited"
  cite "Principle 1(3)"
  effective 2014-04-01
}

rule licensed_return: permit {
  when t.item.licensed_from is some and t.destination == t.item.licensed_from
  unless t.onward is some
  oblige prior_consent
  effective 2023-12-22
  exception to party_to_conflict
}

rule x: deny {
  when any p in t.item.joint_partners:
    p.in_combat or not p not in {home} and size(t.item.joint_partners) + 1 >= -2
  when if t.consent then t.exporter == home else false
  when t.item.joint_partners union {home} subset {home} intersect {} without {}
}
"#]);
    check_warnings(
        input.clone(),
        &[
            "W0001 constant `five` is never used [five: defined here]",
            "W0001 function `has_agreement` is never used [has_agreement: defined here]",
        ],
    );
    let program = run_checker(&input).1.expect("only warnings").program;
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
    check_diagnostics(
        with_schema(&[
            "module \"limits\"\nlet limit = 1",
            &format!("{POLICY_HEAD}\nlet limit = 2\nrule r: deny {{ when limit > 1 }}"),
        ]),
        &["E0205 `limit` is defined twice [limit: defined again here] [also limit: first defined here]"],
    );
}

#[test]
fn variants_and_fields_must_be_unique_within_their_declaration() {
    check_diagnostics(
        modules(&[r#"module "a test"

enum Kind { a, b, a }

record Thing {
  x: Int
  x: Text
}
"#]),
        &[
            "E0205 variant `a` is declared twice [a: declared again here] [also a: first declared here]",
            "E0205 field `x` is declared twice [x: declared again here] [also x: first declared here]",
        ],
    );
}

#[test]
fn locals_cannot_reuse_top_level_names_or_each_other() {
    check_diagnostics(
        policy(
            r#"
            let limit = 1

            fn f(limit: Int, n: Int, n: Int) = n > 0

            rule r: deny {
              when f(1, 2, 3)
              when any t in t.item.joint_partners: true
              when any c in t.item.joint_partners: any c in t.item.joint_partners: true
            }
            "#,
        ),
        &[
            "E0205 `limit` is already defined [limit: defined again here] [also limit: first defined here]",
            "E0205 `n` is already defined [n: defined again here] [also n: first defined here]",
            "E0205 `t` is already defined [t: defined again here] [also t: first defined here]",
            "E0205 `c` is already defined [c: defined again here] [also c: first defined here]",
        ],
    );
}

#[test]
fn builtin_names_cannot_be_redefined() {
    check_diagnostics(
        modules(&["module \"a test\"\n\nfn size() = 1\n\nrecord Int {}\n"]),
        &[
            "E0205 `size` is a builtin function [size: defined again here]",
            "E0205 `Int` is a builtin type [Int: defined again here]",
        ],
    );
}

#[test]
fn unknown_names_suggest_similar_ones() {
    let input = policy(
        r#"
        let threshold = 3

        rule r: deny {
          when treshold > 1
          when nothing_like_it > 1
        }
        "#,
    );
    check_diagnostics(
        input.clone(),
        &[
            "E0201 unknown name `treshold` [treshold: not defined]",
            "E0201 unknown name `nothing_like_it` [nothing_like_it: not defined]",
        ],
    );
    check_help(input, &["a similar name exists: `threshold`", ""]);
}

#[test]
fn the_subject_is_only_visible_in_rules() {
    let input = policy(
        r#"
        let d = t.date

        fn late() = t.date > d

        rule r: deny {
          when d > 2020-01-01
          when late()
        }
        "#,
    );
    check_diagnostics(
        input.clone(),
        &[
            "E0201 unknown name `t` [t: not visible here]",
            "E0201 unknown name `t` [t: not visible here]",
        ],
    );
    check_help(input, &["the subject `t` is only visible in rules"; 2]);
}

#[test]
fn functions_and_rules_are_not_values_and_a_record_type_is_the_set_of_its_facts() {
    check_diagnostics(
        policy(
            r#"
            fn f() = 1

            rule r: deny {
              when Country == f
              when r()
              when Country == 1
            }
            "#,
        ),
        &[
            "E0201 `f` is a function, not a value [f: used as a value here]",
            "E0201 `r` is a rule, not a function [r: called here]",
            "E0204 `==` cannot compare `Set<Country>` with `Int` [Country == 1: operands of different types]",
        ],
    );
}

#[test]
fn unknown_types_suggest_similar_ones() {
    let input = with_schema(&[r#"module "things"

record Thing {
  owner: Contry
  tags: Set<Txt>
}
"#]);
    check_diagnostics(
        input.clone(),
        &[
            "E0202 unknown type `Contry` [Contry: not defined]",
            "E0202 unknown type `Txt` [Txt: not defined]",
        ],
    );
    check_help(
        input,
        &[
            "a similar name exists: `Country`",
            "a similar name exists: `Text`",
        ],
    );
}

#[test]
fn unknown_fields_and_variants_suggest_similar_ones() {
    let input = policy(
        r#"
        rule r: deny {
          when t.item.letal
          when t.item.category == Category.rescu
          when t.item.category == Category.zzz
        }
        "#,
    );
    check_diagnostics(
        input.clone(),
        &[
            "E0203 `Item` has no field `letal` [letal: no such field]",
            "E0218 `Category` has no variant `rescu` [rescu: no such variant]",
            "E0218 `Category` has no variant `zzz` [zzz: no such variant]",
        ],
    );
    check_help(
        input,
        &[
            "a similar name exists: `lethal`",
            "a similar name exists: `rescue`",
            "the variants of `Category` are: `rescue`, `transport`, `other`",
        ],
    );
}

#[test]
fn a_bare_variant_of_two_enums_or_of_an_enum_and_a_constant_is_ambiguous() {
    let input = policy(
        r#"
        enum Kind { rescue, other }

        let transport = 1

        rule r: deny {
          when t.item.category == rescue
          when transport == 1
          when t.item.category == Kind.rescue
        }
        "#,
    );
    check_diagnostics(
        input.clone(),
        &[
            "E0223 `rescue` is a variant of both `Category` and `Kind` [rescue: ambiguous]",
            "E0223 `transport` could be the variant `Category.transport` or the constant `transport` [transport: ambiguous]",
            "E0204 `==` cannot compare `Category` with `Kind` [t.item.category == Kind.rescue: operands of different types]",
        ],
    );
    check_help(
        input,
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
        policy(
            r#"
            record Plain {
              n: Int
            }

            record Badkey key n {
              n: Int
            }

            record Nokey key code {
              n: Int
              plain: Plain
              plains: Set<Plain>?
            }

            rule r: deny {
              when Plain["x"] == Plain["y"]
            }
            "#,
        ),
        &[
            "E0215 the key of `Badkey` must be `Text`, but `n` is `Int` [n: key declared here] [also n: this is `Int`]",
            "E0215 the key `code` is not a field of `Nokey` [code: no such field]",
            // `plain: Plain` holds a nested record, which needs no key; a set cannot hold one.
            "E0224 record `Plain` has no key, so a set or list cannot hold it [Plain: a set or list element refers to a record by key]",
            "E0224 record `Plain` has no key [Plain[\"x\"]: refers to a `Plain` by key]",
            "E0224 record `Plain` has no key [Plain[\"y\"]: refers to a `Plain` by key]",
        ],
    );
}

// ---------------------------------------------------------------- subject and default

#[test]
fn decide_may_appear_once_in_all_modules() {
    check_diagnostics(
        with_schema(&["module \"deciding\"\ndecide x: Transfer", POLICY_HEAD]),
        &[
            "E0211 the policy says twice what it decides [decide t: Transfer on t.date: second `decide`] [also decide x: Transfer: first `decide`]",
        ],
    );
}

#[test]
fn a_policy_with_rules_needs_decide_and_tests_need_it_too() {
    check_diagnostics(
        with_schema(&["policy \"a test\"\n\nrule r: deny {}\n\ntest \"a test\" {}\n"]),
        &[
            "E0211 the policy has rules but does not say what it decides [policy \"a test\": no `decide` in this policy]",
            "E0211 a test needs a policy that says what it decides [\"a test\": test without `decide`]",
        ],
    );
}

#[test]
fn a_policy_that_decides_needs_exactly_one_default() {
    check_diagnostics(
        with_schema(&["policy \"a test\"\n\ndecide t: Transfer\n"]),
        &["E0219 the policy has no `default` decision [decide t: Transfer: decides without a default]"],
    );
    check_diagnostics(
        policy("default permit because \"no rule applies\""),
        &[
            "E0219 the default decision is given twice [default permit because \"no rule applies\": second `default`] [also default deny because \"no rule applies\": first `default`]",
        ],
    );
}

#[test]
fn decide_names_a_record_and_a_date() {
    check_diagnostics(
        with_schema(&["policy \"a test\"\n\ndecide t: Transfr\ndefault deny because \"no rule applies\"\n"]),
        &["E0202 unknown type `Transfr` [Transfr: not defined]"],
    );
    check_diagnostics(
        with_schema(&[
            "policy \"a test\"\n\ndecide t: Transfer on t.consent\ndefault deny because \"no rule applies\"\n",
        ]),
        &["E0204 expected `Date` or `Date?`, found `Bool` [t.consent: this is `Bool`]"],
    );
}

// ---------------------------------------------------------------- constants and functions

#[test]
fn recursive_functions_and_constants_are_rejected() {
    check_diagnostics(
        policy(
            r#"
            fn f(n: Int) -> Int = f(n)
            fn g() -> Int = h()
            fn h() -> Int = g()

            let a = b + 1
            let b = a

            rule r: deny {
              when f(a) + g() > 0
            }
            "#,
        ),
        &[
            "E0210 function `f` calls itself [f: calls `f`]",
            "E0210 function `g` calls itself through `h` [h: calls `h`] [also g: calls `g`]",
            "E0210 constant `a` depends on itself through `b` [b: uses `b`] [also a: uses `a`]",
        ],
    );
}

#[test]
fn calls_check_arity_and_argument_types() {
    check_diagnostics(
        policy(
            r#"
            fn f(c: Country, n: Int) -> Bool = n > 0

            rule r: deny {
              when f(t.destination)
              when f(t.item, "x")
              when f(t.destination, t.count)
              when year(t.consent) > size(1)
              when days_between(t.date) > 0
              when g()
            }
            "#,
        ),
        &[
            "E0208 `f` takes 2 arguments but 1 was given [f(t.destination): 1 argument given]",
            "E0204 argument `c` of `f` must be `Country`, found `Item` [t.item: this is `Item`]",
            "E0204 argument `n` of `f` must be `Int`, found `Text` [\"x\": this is `Text`]",
            "E0204 argument `n` of `f` must be `Int`, found `Int?` [t.count: this is `Int?`]",
            "E0204 argument `date` of `year` must be `Date`, found `Bool` [t.consent: this is `Bool`]",
            "E0204 argument `set` of `size` must be a set or list, found `Int` [1: this is `Int`]",
            "E0208 `days_between` takes 2 arguments but 1 was given [days_between(t.date): 1 argument given]",
            "E0201 unknown function `g` [g: not defined]",
        ],
    );
}

#[test]
fn declared_types_are_checked_against_bodies_and_values() {
    check_diagnostics(
        policy(
            r#"
            fn f() -> Int = "x"

            let l: Set<Country> = {}
            let m: Int? = none
            let n: Bool = 1

            rule r: deny {
              when f() == m and (size(l) > 0 or n)
            }
            "#,
        ),
        &[
            "E0204 `f` is declared to return `Int`, but its body is `Text` [\"x\": this is `Text`] [also Int: declared here]",
            "E0204 `n` is declared as `Bool`, but its value is `Int` [1: this is `Int`] [also Bool: declared here]",
        ],
    );
}

// ---------------------------------------------------------------- operators

#[test]
fn boolean_operators_need_booleans_and_if_branches_must_agree() {
    check_diagnostics(
        policy(
            r#"
            rule r: deny {
              when 1 and t.consent
              when not t.date
              when if t.consent then 1 else "x"
              when t.count
              when {1, "x"} == {}
            }
            "#,
        ),
        &[
            "E0204 expected `Bool`, found `Int` [1: this is `Int`]",
            "E0204 expected `Bool`, found `Date` [t.date: this is `Date`]",
            "E0204 the branches of `if` have different types `Int` and `Text` [\"x\": this is `Text`] [also 1: this is `Int`]",
            "E0204 expected `Bool`, found `Int?` [t.count: this is `Int?`]",
            "E0204 set elements have different types `Int` and `Text` [\"x\": this is `Text`] [also 1: this is `Int`]",
        ],
    );
}

#[test]
fn comparisons_need_compatible_operands() {
    let input = policy(
        r#"
        rule r: deny {
          when t.destination == "US"
          when t.item.category == "rescue"
          when t.onward == t.destination
          when t.onward == none
          when "a" == none
          when t.destination.code != "JP"
          when "a" < "b"
          when t.date > 3
        }
        "#,
    );
    check_diagnostics(
        input.clone(),
        &[
            "E0204 `==` cannot compare `Country` with `Text` [t.destination == \"US\": operands of different types]",
            "E0204 `==` cannot compare `Category` with `Text` [t.item.category == \"rescue\": operands of different types]",
            "E0204 `==` cannot compare `Text` with `none` [\"a\" == none: operands of different types]",
            "E0204 expected `Int`, `Decimal` or `Date`, found `Text` [\"a\" < \"b\": this is `Text`]",
            "E0204 `>` cannot compare `Date` with `Int` [t.date > 3: operands of different types]",
        ],
    );
    check_help(
        input,
        &[
            "to refer to a `Country` by its key, write `Country[\"US\"]`",
            "variants are written without quotes: `rescue`",
            "",
            "only numbers and dates are ordered; other values compare with `==` and `!=`",
            "",
        ],
    );
}

#[test]
fn is_some_needs_an_optional_value() {
    let input = policy(
        r#"
        rule r: deny {
          when t.date is some
          when t.onward is none
        }
        "#,
    );
    check_diagnostics(
        input.clone(),
        &["E0204 `is some` needs an optional value, found `Date` [t.date: this is `Date`]"],
    );
    check_help(input, &["`t.date` is never none"]);
}

#[test]
fn membership_and_set_operators_check_element_types() {
    check_diagnostics(
        policy(
            r#"
            rule r: deny {
              when t.onward in t.item.joint_partners
              when t.item not in t.item.joint_partners
              when t.destination in t.destination
              when t.tags subset t.item.joint_partners
              when size(t.tags union {}) > 0
              when size(t.item.joint_partners intersect {1}) > 0
            }
            "#,
        ),
        &[
            "E0204 a value of type `Item` can never be in a `Set<Country>` [t.item: this is `Item`]",
            "E0204 expected a set or list, found `Country` [t.destination: this is `Country`]",
            "E0204 `subset` needs two sets of one type, found `List<Text>` and `Set<Country>` [t.tags subset t.item.joint_partners: operands of different types]",
            "E0204 expected a set, found `List<Text>` [t.tags: this is `List<Text>`]",
            "E0204 `intersect` needs two sets of one type, found `Set<Country>` and `Set<Int>` [t.item.joint_partners intersect {1}: operands of different types]",
        ],
    );
}

#[test]
fn arithmetic_and_quantifiers_check_their_operands() {
    check_diagnostics(
        policy(
            r#"
            rule r: deny {
              when t.count + 1 > 1
              when "a" * 2 > 1
              when any c in t.destination: true
              when all c in t.item.joint_partners: c.code
            }
            "#,
        ),
        &[
            "E0209 `t.count` may be none [t.count: this is `Int?`]",
            "E0204 expected `Int` or `Decimal`, found `Text` [\"a\": this is `Text`]",
            "E0204 expected a set or list, found `Country` [t.destination: this is `Country`]",
            "E0204 expected `Bool`, found `Text` [c.code: this is `Text`]",
        ],
    );
}

#[test]
fn one_mistake_is_reported_once() {
    check_diagnostics(
        policy(
            r#"
            rule r: deny {
              when t.itme.lethal and undefined_x + 1 > 2 and t.itme in {undefined_x}
            }
            "#,
        ),
        &[
            "E0203 `Transfer` has no field `itme` [itme: no such field]",
            "E0201 unknown name `undefined_x` [undefined_x: not defined]",
            "E0203 `Transfer` has no field `itme` [itme: no such field]",
            "E0201 unknown name `undefined_x` [undefined_x: not defined]",
        ],
    );
}

// ---------------------------------------------------------------- rules

#[test]
fn clauses_allowed_once_are_reported_when_repeated() {
    check_diagnostics(
        policy(
            r#"
            rule r: deny {
              because "a"
              because "b"
              cite "x"
              cite "y"
              effective 2020-01-01
              effective 2020-02-01
              until 2030-01-01
              until 2031-01-01
            }
            "#,
        ),
        &[
            "E0212 rule `r` has two `because` clauses [\"b\": second `because`] [also \"a\": first `because`]",
            "E0212 rule `r` has two `cite` clauses [\"y\": second `cite`] [also \"x\": first `cite`]",
            "E0212 rule `r` has two `effective` clauses [effective 2020-02-01: second `effective`] [also effective 2020-01-01: first `effective`]",
            "E0212 rule `r` has two `until` clauses [until 2031-01-01: second `until`] [also until 2030-01-01: first `until`]",
        ],
    );
}

#[test]
fn obligations_go_with_permits_and_must_be_declared() {
    check_diagnostics(
        policy(
            r#"
            obligation notify "what it requires"

            rule d: deny { oblige notify }
            rule p: permit { oblige notfy }
            "#,
        ),
        &[
            "E0213 deny rule `d` cannot attach obligations [oblige notify: `oblige` in a deny rule]",
            "E0214 unknown obligation `notfy` [notfy: not declared]",
        ],
    );
}

#[test]
fn exceptions_name_existing_rules_without_cycles() {
    check_diagnostics(
        policy(
            r#"
            rule a: deny { exception to b }
            rule b: permit { exception to a }
            rule c: permit { exception to c, zz, aa }
            "#,
        ),
        &[
            "E0207 rules are exceptions to each other: `a` → `b` → `a` [b: `a` is an exception to `b`] [also a: `b` is an exception to `a`]",
            "E0207 rule `c` is an exception to itself [c: `c` is an exception to `c`]",
            "E0206 unknown rule `zz` [zz: no rule has this name]",
            "E0206 unknown rule `aa` [aa: no rule has this name]",
        ],
    );
}

#[test]
fn a_rule_must_end_after_it_starts() {
    check_diagnostics(
        policy(
            r#"
            rule r: deny {
              effective 2021-01-01
              until 2021-01-01
            }

            rule s: deny {
              until 2020-01-01
              effective 2021-01-01
            }
            "#,
        ),
        &[
            "E0225 rule `r` ends before it starts [until 2021-01-01: ends on 2021-01-01] [also effective 2021-01-01: starts on 2021-01-01]",
            "E0225 rule `s` ends before it starts [until 2020-01-01: ends on 2020-01-01] [also effective 2021-01-01: starts on 2021-01-01]",
        ],
    );
}

#[test]
fn rules_that_can_never_apply_are_warned_about() {
    check_warnings(
        policy(
            r#"
            rule a: deny { when t.consent and false }
            rule b: deny { unless true }
            rule c: deny { when 1 == 2 }
            rule d: deny {
              when 1 == 1
              unless false
            }
            "#,
        ),
        &[
            "W0002 rule `a` never applies [false: this is always false]",
            "W0002 rule `b` never applies [true: this is always true]",
            "W0002 rule `c` never applies [1 == 2: this is always false]",
        ],
    );
}

#[test]
fn unused_definitions_of_the_policy_are_warned_about_but_not_imported_ones() {
    let input = with_schema(&[
        "module \"imported\"\n\nlet imported = 1\n\nobligation imported_obligation \"what it requires\"\n",
        &format!(
            "{POLICY_HEAD}\n{}",
            r#"
            let unused_const = 1
            let used_const = 1

            fn unused_fn() = used_const

            obligation unused_obligation "what it requires"
            "#
        ),
    ]);
    check_warnings(
        input.clone(),
        &[
            "W0001 constant `unused_const` is never used [unused_const: defined here]",
            "W0001 function `unused_fn` is never used [unused_fn: defined here]",
            "W0001 obligation `unused_obligation` is never used [unused_obligation: defined here]",
        ],
    );
    check_help(input, &["remove it, or use it in a rule"; 3]);
}

// ---------------------------------------------------------------- tests

#[test]
fn test_facts_must_fit_the_schema() {
    check_diagnostics(
        policy(
            r#"
            test "bad facts" {
              Contry {}
              Country { code: 1, in_combat: true, in_combat: false, incombat: true, party_to_conflict: none }
              Item { category: rescu, joint_partners: {1}, lethal: "yes" }
            }
            "#,
        ),
        &[
            "E0220 unknown record type `Contry` in a test fact [Contry: not declared]",
            "E0220 wrong value for field `code` of `Country` [1: expected `Text`]",
            "E0220 field `in_combat` is given twice [in_combat: given again here] [also in_combat: first given here]",
            "E0220 `Country` has no field `incombat` [incombat: no such field]",
            "E0220 wrong value for field `party_to_conflict` of `Country` [none: expected `Bool`]",
            "E0220 `Category` has no variant `rescu` [rescu: expected `Category`]",
            "E0220 wrong value for field `joint_partners` of `Item` [1: expected `Country`]",
            "E0220 wrong value for field `lethal` of `Item` [\"yes\": expected `Bool`]",
        ],
    );
}

#[test]
fn expectations_must_name_rules_obligations_and_facts_of_the_test() {
    check_diagnostics(
        policy(
            r#"
            obligation notify "what it requires"

            rule r: permit { oblige notify }

            test "bad expectations" {
              Transfer { id: "t1" }
              expect "t1" permit by rr oblige notfy
              expect "t9" deny by default
              expect #2 deny by default
              expect #1 undecided missing Contry["US"].code, Transfer[#1].dat, Country["US"].code
            }
            "#,
        ),
        &[
            "E0221 unknown rule `rr` in `expect` [rr: not declared]",
            "E0221 unknown obligation `notfy` in `expect` [notfy: not declared]",
            "E0221 the test has no `Transfer` with key `t9` [\"t9\": not among the test's facts]",
            "E0221 the test has no `Transfer` #2 [#2: position out of range]",
            "E0221 unknown record type `Contry` in `expect` [Contry: not declared]",
            "E0221 `Transfer` has no field `dat` [dat: no such field]",
            "E0221 the test has no `Country` with key `US` [\"US\": not among the test's facts]",
        ],
    );
}

// ---------------------------------------------------------------- scale

/// A policy of 10,000 rules, each an exception to the one before, checks in full. How long it
/// takes is measured by `cargo bench --bench parse` (its generated policy of 10,010 rules), not here.
#[test]
fn ten_thousand_rules_check() {
    let mut items = String::from("let home = Country[\"JP\"]\nobligation notify \"what it requires\"\n");
    for idx in 0..10_000 {
        let effect = if idx % 2 == 0 { "deny" } else { "permit" };
        items.push_str(&format!(
            "rule r{idx}: {effect} {{\n\
             when t.onward is some and t.onward != home and t.item.category == rescue\n\
             when any c in t.item.joint_partners: c.in_combat or size(t.tags) > {idx}\n\
             unless t.destination.code in {{\"US\", \"X{idx}\"}}\n"
        ));
        if idx > 0 {
            items.push_str(&format!("exception to r{}\n", idx - 1));
        }
        if effect == "permit" {
            items.push_str("oblige notify\n");
        }
        items.push_str("}\n");
    }
    let program = checked(policy(&items)).program;
    assert_eq!(program.rules.len(), 10_000);
    assert_eq!(program.rule_order.first(), Some(&ir::RuleId(9_999)));
}

// ---------------------------------------------------------------- lookups and facts of a type

const CONFLICTS: &str = r#"policy "conflicts"

record Delivery key id {
  id: Text
  recipient: Text
  year: Int
}

record ConflictYear key (conflict, year) {
  conflict: Int
  year: Int
  parties: Set<Text>
}

decide d: Delivery
default permit
"#;

/// The typed condition parts of rule `r` written after [`CONFLICTS`].
fn conflict_conditions(rule: &str) -> Vec<String> {
    let program = checked(vec![format!("{CONFLICTS}\n{rule}")]).program;
    conditions(&program, "r")
}

#[test]
fn a_quantifier_over_facts_is_indexed_by_its_first_equality_on_a_field() {
    assert_eq!(
        conflict_conditions(
            "rule r: deny { when any c in ConflictYear: c.year == d.year and d.recipient in c.parties }"
        ),
        [
            "Any $0 in facts ConflictYear by year == t.year: (($0.year Eq t.year) and (t.recipient in $0.parties)) : Bool"
        ]
    );
}

#[test]
fn an_equality_after_another_conjunct_or_reading_the_variable_is_no_index() {
    assert_eq!(
        conflict_conditions(
            "rule r: deny { when any c in ConflictYear: d.recipient in c.parties and c.year == d.year }"
        ),
        ["Any $0 in facts ConflictYear: ((t.recipient in $0.parties) and ($0.year Eq t.year)) : Bool"]
    );
    assert_eq!(
        conflict_conditions("rule r: deny { when any c in ConflictYear: c.year == c.conflict }"),
        ["Any $0 in facts ConflictYear: ($0.year Eq $0.conflict) : Bool"]
    );
}

#[test]
fn an_all_over_facts_is_not_indexed_since_a_false_element_settles_it() {
    assert_eq!(
        conflict_conditions(
            "rule r: deny { when all c in ConflictYear: c.year == d.year and d.recipient in c.parties }"
        ),
        ["All $0 in facts ConflictYear: (($0.year Eq t.year) and (t.recipient in $0.parties)) : Bool"]
    );
}

#[test]
fn a_lookup_by_a_compound_key_is_typed_as_the_record() {
    assert_eq!(
        conflict_conditions("rule r: deny { when d.recipient in ConflictYear[1, d.year + 1].parties }"),
        ["(t.recipient in ConflictYear[1, (t.year Add 1)].parties) : Bool"]
    );
}

#[test]
fn a_lookup_checks_the_number_and_types_of_its_key_values() {
    check_diagnostics(
        vec![format!(
            "{CONFLICTS}\nrule r: deny {{ when ConflictYear[1].year == 2 }}\nrule s: deny {{ when ConflictYear[d.recipient, 2].year == 2 }}\nrule u: deny {{ when Delivery[d.year].year == 2 }}"
        )],
        &[
            "E0462 the key of `ConflictYear` has 2 fields, but 1 value is given [ConflictYear[1]: 1 value given]",
            "E0204 expected `Int`, found `Text` [d.recipient: this is `Text`]",
            "E0463 `Delivery` is the type being decided, so its facts cannot be ranged over or looked up [Delivery[d.year]: the facts of the subjects' type] [also decide d: Delivery: decided here]",
        ],
    );
}
