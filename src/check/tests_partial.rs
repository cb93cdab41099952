//! Unit tests of partial programs and the use-to-definition index, written as Pol text:
//! a policy with a broken declaration still yields every other declaration, and the same diagnostics.

use super::{Checked, DefKind, check, check_partial};
use crate::source::SourceMap;
use crate::syntax::{self, ast};

/// Parses one policy text (which must parse) into the modules `check` takes.
fn modules(text: &str) -> Vec<ast::Module> {
    let mut sources = SourceMap::new();
    let id = sources.add("policy.pol", text);
    vec![syntax::parse(&sources, id).expect("the test's text parses")]
}

/// Diagnostics as `CODE message`, in order.
fn diagnostics(checked: &Checked) -> Vec<String> {
    checked
        .diagnostics
        .iter()
        .map(|diagnostic| format!("{} {}", diagnostic.code.as_str(), diagnostic.message))
        .collect()
}

/// What the program holds, one kind of declaration a line.
fn listing(checked: &Checked) -> String {
    let program = &checked.program;
    let names = |names: Vec<&str>| names.join(", ");
    [
        format!(
            "records: {}",
            names(program.records.iter().map(|r| r.name.as_str()).collect())
        ),
        format!(
            "enums: {}",
            names(program.enums.iter().map(|e| e.name.as_str()).collect())
        ),
        format!(
            "consts: {}",
            names(program.consts.iter().map(|c| c.name.as_str()).collect())
        ),
        format!(
            "functions: {}",
            names(program.functions.iter().map(|f| f.name.as_str()).collect())
        ),
        format!(
            "obligations: {}",
            names(program.obligations.iter().map(|o| o.name.as_str()).collect())
        ),
        format!(
            "rules: {}",
            names(program.rules.iter().map(|r| r.name.as_str()).collect())
        ),
        format!(
            "tests: {}",
            names(program.tests.iter().map(|t| t.name.as_str()).collect())
        ),
        format!("has errors: {}", program.has_errors),
    ]
    .join("\n")
}

const POLICY: &str = r#"policy "Partial"

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
default deny because "only listed cases"

obligation notify "tell the ministry"

rule small: permit {
  when t.value < limit
  oblige notify
}

rule broken: deny {
  when t.destination.level == high
}

rule risky: deny {
  when is_high(t.to)
  exception to small
}

test "small transfers pass" {
  Country { code: "JP", level: low }
  Transfer { id: "t1", to: "JP", value: 5 }
  expect "t1" permit by small oblige notify
}
"#;

#[test]
fn a_broken_rule_leaves_every_other_declaration_in_the_program() {
    let checked = check_partial(&modules(POLICY));
    assert_eq!(
        listing(&checked),
        "records: Country, Transfer\n\
         enums: Level\n\
         consts: limit\n\
         functions: is_high\n\
         obligations: notify\n\
         rules: small, risky\n\
         tests: small transfers pass\n\
         has errors: true"
    );
    assert_eq!(
        diagnostics(&checked),
        ["E0203 `Transfer` has no field `destination`"]
    );
}

#[test]
fn exceptions_point_at_the_rules_kept_after_a_broken_one_is_left_out() {
    let checked = check_partial(&modules(POLICY));
    let program = &checked.program;
    let risky = program.rule("risky").expect("risky is kept");
    let small = program.rule("small").expect("small is kept");
    assert_eq!(program.rules[risky.idx()].exception_to, [small]);
    assert_eq!(program.rules[small.idx()].defeated_by, [risky]);
    assert_eq!(program.rule_order, [risky, small]);
}

#[test]
fn check_reports_the_same_diagnostics_as_check_partial_and_no_program() {
    let modules = modules(POLICY);
    let partial = check_partial(&modules);
    let errors = check(&modules).expect_err("the policy has an error");
    assert_eq!(errors, partial.diagnostics);
}

#[test]
fn a_partial_program_refuses_to_decide() {
    let checked = check_partial(&modules(POLICY));
    let refused = super::ensure_complete(&checked.program).expect_err("the program has errors");
    assert_eq!(refused.code.as_str(), "E0229");
    let fixed = check_partial(&modules(&POLICY.replace("t.destination", "t.to")));
    assert!(!fixed.has_errors(), "{:?}", diagnostics(&fixed));
    assert!(super::ensure_complete(&fixed.program).is_ok());
}

#[test]
fn broken_functions_and_constants_are_kept_so_their_uses_get_no_second_diagnostic() {
    let text = POLICY
        .replace("let limit = 100", "let limit = 100 + \"x\"")
        .replace("c.level == high", "c.levle == high")
        .replace("t.destination", "t.to");
    let checked = check_partial(&modules(&text));
    assert_eq!(
        diagnostics(&checked),
        [
            "E0204 expected `Int` or `Decimal`, found `Text`",
            "E0203 `Country` has no field `levle`",
        ]
    );
    assert!(listing(&checked).contains("consts: limit\nfunctions: is_high\n"));
    assert!(listing(&checked).contains("rules: small, broken, risky\n"));
}

#[test]
fn a_test_naming_a_broken_rule_is_left_out_with_it() {
    let text = POLICY.replace("expect \"t1\" permit by small", "expect \"t1\" deny by broken");
    let checked = check_partial(&modules(&text));
    assert!(listing(&checked).contains("rules: small, risky\ntests: \n"));
}

#[test]
fn the_index_links_every_use_to_its_definition() {
    let checked = check_partial(&modules(POLICY));
    let index = &checked.index;
    let mut lines: Vec<String> = index
        .uses
        .iter()
        .map(|found| {
            let def = index.definition(found.target);
            let ty = found
                .ty
                .map(|ty| checked.program.type_name(ty))
                .unwrap_or_else(|| "-".into());
            format!(
                "{}..{} {} {} : {ty}",
                found.span.start,
                found.span.end,
                def.kind.as_str(),
                def.name
            )
        })
        .collect();
    lines.dedup();
    let text = lines.join("\n");
    for expected in [
        "field code : Text",
        "enum Level : Level",
        "record Country : Country",
        "constant limit : Int",
        "function is_high : Bool",
        "parameter c : Country",
        "field level : Level",
        "variant high : Level",
        "subject t : Transfer",
        "field to : Country",
        "field value : Int",
        "obligation notify : -",
        "rule small : -",
    ] {
        assert!(text.contains(expected), "no `{expected}` in\n{text}");
    }
    // `exception to small`, `oblige notify` and the test's `permit by small oblige notify`.
    let small = index
        .definitions
        .iter()
        .position(|def| def.name == "small" && def.kind == DefKind::Rule);
    let n_uses = index
        .uses
        .iter()
        .filter(|found| Some(found.target.idx()) == small)
        .count();
    assert_eq!(n_uses, 2);
    let notify = index.definitions.iter().position(|def| def.name == "notify");
    let n_uses = index
        .uses
        .iter()
        .filter(|found| Some(found.target.idx()) == notify)
        .count();
    assert_eq!(n_uses, 2);
}

#[test]
fn scopes_cover_function_bodies_rules_and_quantifier_bodies() {
    let text = POLICY.replace("when is_high(t.to)", "when any x in {1, 2}: x > t.value");
    let checked = check_partial(&modules(&text));
    let offset = text.find("x > t.value").expect("the text has it") as u32;
    let source = checked.index.definitions[0].span.source;
    let names: Vec<&str> = checked
        .index
        .in_scope(source, offset)
        .into_iter()
        .map(|def| checked.index.definition(def).name.as_str())
        .collect();
    assert_eq!(names, ["t", "x"]);
    let in_function = text.find("c.level").expect("the text has it") as u32;
    let names: Vec<&str> = checked
        .index
        .in_scope(source, in_function)
        .into_iter()
        .map(|def| checked.index.definition(def).name.as_str())
        .collect();
    assert_eq!(names, ["c"]);
}

#[test]
fn the_evaluator_refuses_a_partial_program() {
    let checked = check_partial(&modules(POLICY));
    let facts = crate::facts::FactsBuilder::new(&checked.program)
        .finish()
        .expect("no facts is valid");
    let refused = crate::eval::Evaluator::new(&checked.program, &facts, crate::eval::Options::default())
        .expect_err("a program with errors never decides");
    assert_eq!(refused.code.as_str(), "E0229");
}
