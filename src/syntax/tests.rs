//! Tests of the parsing stage: syntax trees as S-expressions, syntax errors as their
//! one-line message and the text under their span, and the nesting limits.

use std::fmt::Write as _;

use super::ast::*;
use super::lower::{parse_in_pieces, parse_module_on};
use super::{DEFAULT_MAX_NESTING, parse_with_limit};
use crate::diagnostic::{Code, Diagnostic};
use crate::source::SourceMap;

// ---------------------------------------------------------------- helpers

fn parse_text(text: &str, max_nesting: usize) -> (SourceMap, Result<Module, Vec<Diagnostic>>) {
    let mut sources = SourceMap::new();
    let id = sources.add("test.pol", text);
    let result = parse_with_limit(&sources, id, max_nesting);
    (sources, result)
}

fn parse_ok(text: &str) -> Module {
    match parse_text(text, DEFAULT_MAX_NESTING).1 {
        Ok(module) => module,
        Err(diagnostics) => panic!("expected {text:?} to parse, got {diagnostics:#?}"),
    }
}

/// Parses a module and compares the dump of its items, one per line.
fn check(input: &str, expected: &str) {
    let module = parse_ok(input);
    let dumped: Vec<String> = module.items.iter().map(dump_item).collect();
    assert_eq!(dumped.join("\n"), expected.trim(), "input: {input}");
}

/// Parses an expression (as the value of a `let`) and compares its dump.
fn check_expr(input: &str, expected: &str) {
    let module = parse_ok(&format!("policy \"p\"\nlet x = {input}\n"));
    match module.items.as_slice() {
        [Item::Let(decl)] => assert_eq!(dump_expr(&decl.value), expected, "input: {input}"),
        items => panic!("expected one `let`, got {items:?}"),
    }
}

/// Parses a text that must fail with one diagnostic, and compares its code, message,
/// the text under its primary span and its help.
fn check_error(input: &str, code: Code, message: &str, under_span: &str, help: Option<&str>) {
    let (sources, result) = parse_text(input, DEFAULT_MAX_NESTING);
    let diagnostics = match result {
        Ok(module) => panic!("expected {input:?} to fail, got {module:#?}"),
        Err(diagnostics) => diagnostics,
    };
    let [diagnostic] = diagnostics.as_slice() else {
        panic!("expected one diagnostic for {input:?}, got {diagnostics:#?}");
    };
    assert_eq!(diagnostic.message, message, "input: {input:?}");
    assert_eq!(diagnostic.code, code, "input: {input:?}");
    let span = diagnostic.span().expect("syntax errors have a span");
    assert_eq!(sources.snippet(span), under_span, "input: {input:?}");
    assert_eq!(diagnostic.help.as_deref(), help, "input: {input:?}");
}

fn dump_expr(expr: &Expr) -> String {
    let mut out = String::new();
    write_expr(&mut out, expr);
    out
}

fn write_expr(out: &mut String, expr: &Expr) {
    let mut list = |head: &str, parts: &[&Expr]| {
        out.push('(');
        out.push_str(head);
        for part in parts {
            out.push(' ');
            write_expr(out, part);
        }
        out.push(')');
    };
    match &expr.kind {
        ExprKind::Bool(value) => out.push_str(&value.to_string()),
        ExprKind::Int(value) => out.push_str(&value.to_string()),
        ExprKind::Decimal(value) => out.push_str(&value.to_string()),
        ExprKind::Text(value) => out.push_str(&format!("{value:?}")),
        ExprKind::Date(date) => out.push_str(&date.to_string()),
        ExprKind::None => out.push_str("none"),
        ExprKind::Name(name) => out.push_str(&name.name),
        ExprKind::KeyRef(key_ref) => {
            let (record, key) = &**key_ref;
            let _ = write!(out, "(key {} {:?})", record.name, key.value);
        }
        ExprKind::Field(base, field) => {
            out.push_str("(. ");
            write_expr(out, base);
            let _ = write!(out, " {})", field.name);
        }
        ExprKind::Call(call) => {
            let (function, args) = &**call;
            let args: Vec<&Expr> = args.iter().collect();
            list(&format!("call {}", function.name), &args);
        }
        ExprKind::Set(elements) => {
            let elements: Vec<&Expr> = elements.iter().collect();
            list("set", &elements);
        }
        ExprKind::Lookup(lookup) => {
            let (record, keys) = &**lookup;
            let keys: Vec<&Expr> = keys.iter().collect();
            list(&format!("lookup {}", record.name), &keys);
        }
        ExprKind::Not(operand) => list("not", &[operand]),
        ExprKind::Neg(operand) => list("neg", &[operand]),
        ExprKind::IsSome(operand) => list("is-some", &[operand]),
        ExprKind::IsNone(operand) => list("is-none", &[operand]),
        ExprKind::Binary(op, left, right) => list(op.as_str(), &[left, right]),
        ExprKind::Quantified(quantifier, quantified) => {
            let (var, set, body) = &**quantified;
            let head = match quantifier {
                Quantifier::Any => "any",
                Quantifier::All => "all",
            };
            list(&format!("{head} {}", var.name), &[set, body]);
        }
        ExprKind::If(condition, then, otherwise) => list("if", &[condition, then, otherwise]),
    }
}

fn dump_type(ty: &TypeExpr) -> String {
    let base = match &ty.kind {
        TypeKind::Named(name) => name.name.clone(),
        TypeKind::Set(element) => format!("(Set {})", dump_type(element)),
        TypeKind::List(element) => format!("(List {})", dump_type(element)),
    };
    if ty.optional { format!("{base}?") } else { base }
}

fn names(idents: &[Ident]) -> String {
    idents
        .iter()
        .map(|ident| ident.name.as_str())
        .collect::<Vec<_>>()
        .join(" ")
}

fn dump_fact_value(value: &FactValue) -> String {
    match value {
        FactValue::Unknown(_) => "unknown".to_owned(),
        FactValue::None(_) => "none".to_owned(),
        FactValue::Bool(value, _) => value.to_string(),
        FactValue::Int(value, _) => value.to_string(),
        FactValue::Decimal(value, _) => value.to_string(),
        FactValue::Text(text) => format!("{:?}", text.value),
        FactValue::Date(date, _) => date.to_string(),
        FactValue::Variant(name) => format!("'{}", name.name),
        FactValue::Set(values, _) => {
            let values: Vec<String> = values.iter().map(dump_fact_value).collect();
            format!("{{{}}}", values.join(" "))
        }
        FactValue::Record(fact) => {
            let fields: Vec<String> = fact
                .fields
                .iter()
                .map(|field| format!("{}={}", field.name.name, dump_fact_value(&field.value)))
                .collect();
            format!("({} {})", fact.record.name, fields.join(" "))
        }
    }
}

fn dump_subject(subject: &SubjectRef) -> String {
    match subject {
        SubjectRef::Key(text) => format!("{:?}", text.value),
        SubjectRef::Position(n, _) => format!("#{n}"),
    }
}

fn dump_item(item: &Item) -> String {
    match item {
        Item::Use(decl) => match &decl.target {
            UseTarget::Std(path) => {
                let path: Vec<&str> = path.iter().map(|part| part.name.as_str()).collect();
                format!("(use {})", path.join("."))
            }
            UseTarget::File(file) => format!("(use {:?})", file.value),
        },
        Item::Enum(decl) => format!("(enum {} {})", decl.name.name, names(&decl.variants)),
        Item::Record(decl) => {
            let mut out = format!("(record {}", decl.name.name);
            if let Some(key) = &decl.key {
                let _ = write!(out, " key={}", key.name);
            }
            if let Some(alias) = &decl.alias {
                let _ = write!(out, " alias={}", alias.name);
            }
            for field in &decl.fields {
                let _ = write!(out, " ({} {})", field.name.name, dump_type(&field.ty));
            }
            out + ")"
        }
        Item::Let(decl) => {
            let ty = decl.ty.as_ref().map(|ty| format!(": {}", dump_type(ty)));
            format!(
                "(let {}{} {})",
                decl.name.name,
                ty.unwrap_or_default(),
                dump_expr(&decl.value)
            )
        }
        Item::Fn(decl) => {
            let params: Vec<String> = decl
                .params
                .iter()
                .map(|param| format!("({} {})", param.name.name, dump_type(&param.ty)))
                .collect();
            let result = decl.result.as_ref().map(|ty| format!(" -> {}", dump_type(ty)));
            format!(
                "(fn {} ({}){} {})",
                decl.name.name,
                params.join(" "),
                result.unwrap_or_default(),
                dump_expr(&decl.body)
            )
        }
        Item::Obligation(decl) => format!("(obligation {} {:?})", decl.name.name, decl.text.value),
        Item::Decide(decl) => {
            let date = decl.date.as_ref().map(|date| format!(" on {}", dump_expr(date)));
            format!(
                "(decide {} {}{})",
                decl.var.name,
                decl.record.name,
                date.unwrap_or_default()
            )
        }
        Item::Default(decl) => {
            let reason = decl.reason.as_ref().map(|text| format!(" {:?}", text.value));
            let citation = decl
                .citation
                .as_ref()
                .map(|text| format!(" (cite {:?})", text.value));
            format!(
                "(default {}{}{})",
                decl.effect.as_str(),
                reason.unwrap_or_default(),
                citation.unwrap_or_default()
            )
        }
        Item::Rule(decl) => {
            let mut out = format!("(rule {} {}", decl.name.name, decl.effect.as_str());
            for clause in &decl.clauses {
                let clause = match clause {
                    RuleClause::When(expr) => format!("(when {})", dump_expr(expr)),
                    RuleClause::Unless(expr) => format!("(unless {})", dump_expr(expr)),
                    RuleClause::Because(text) => format!("(because {:?})", text.value),
                    RuleClause::Cite(text) => format!("(cite {:?})", text.value),
                    RuleClause::Oblige(names_, _) => format!("(oblige {})", names(names_)),
                    RuleClause::Effective(date, _) => format!("(effective {date})"),
                    RuleClause::Until(date, _) => format!("(until {date})"),
                    RuleClause::ExceptionTo(names_, _) => {
                        format!("(exception-to {})", names(names_))
                    }
                };
                out.push(' ');
                out.push_str(&clause);
            }
            out + ")"
        }
        Item::Data(decl) => {
            let mut out = "(data".to_owned();
            for row in &decl.rows {
                let _ = write!(out, " (row {}", row.record.name);
                for field in &row.fields {
                    let _ = write!(out, " ({} {})", field.name.name, dump_fact_value(&field.value));
                }
                out.push(')');
            }
            out + ")"
        }
        Item::Test(decl) => {
            let mut out = format!("(test {:?}", decl.name.value);
            if let Some((date, _)) = decl.as_of {
                let _ = write!(out, " (as-of {date})");
            }
            for fact in &decl.facts {
                let _ = write!(out, " (fact {}", fact.record.name);
                for field in &fact.fields {
                    let _ = write!(out, " ({} {})", field.name.name, dump_fact_value(&field.value));
                }
                out.push(')');
            }
            for expect in &decl.expects {
                let expected = match &expect.expected {
                    Expected::Decided {
                        effect,
                        rules,
                        obligations,
                    } => {
                        let by = if rules.is_empty() {
                            "default".to_owned()
                        } else {
                            format!("({})", names(rules))
                        };
                        let oblige = obligations
                            .as_ref()
                            .map(|list| format!(" oblige ({})", names(list)));
                        format!("{} by {by}{}", effect.as_str(), oblige.unwrap_or_default())
                    }
                    Expected::Undecided(None) => "undecided".to_owned(),
                    Expected::Undecided(Some(paths)) => {
                        let paths: Vec<String> = paths
                            .iter()
                            .map(|path| {
                                format!(
                                    "{}[{}].{}",
                                    path.record.name,
                                    dump_subject(&path.subject),
                                    path.field.name
                                )
                            })
                            .collect();
                        format!("undecided missing ({})", paths.join(" "))
                    }
                };
                let _ = write!(out, " (expect {} {expected})", dump_subject(&expect.subject));
            }
            out + ")"
        }
    }
}

// ---------------------------------------------------------------- precedence

#[test]
fn or_is_looser_than_and() {
    check_expr("a or b and c", "(or a (and b c))");
    check_expr("a and b or c", "(or (and a b) c)");
}

#[test]
fn binary_operators_are_left_associative() {
    check_expr("a or b or c", "(or (or a b) c)");
    check_expr("a and b and c", "(and (and a b) c)");
    check_expr("a == b == c", "(== (== a b) c)");
    check_expr("a - b - c", "(- (- a b) c)");
    check_expr("a - b + c", "(+ (- a b) c)");
    check_expr("a * b * c", "(* (* a b) c)");
    check_expr("a without b union c", "(union (without a b) c)");
    check_expr("a intersect b * c", "(* (intersect a b) c)");
}

#[test]
fn not_sits_between_and_and_comparisons() {
    check_expr("not a and b", "(and (not a) b)");
    check_expr("not a or b", "(or (not a) b)");
    check_expr("not a == b", "(not (== a b))");
    check_expr("not a in b union c", "(not (in a (union b c)))");
    check_expr("a == not b", "(== a (not b))");
    check_expr("not not a", "(not (not a))");
}

#[test]
fn comparisons_share_one_level() {
    check_expr("a <= b != c", "(!= (<= a b) c)");
    check_expr("a < b > c", "(> (< a b) c)");
    check_expr("a >= b == c", "(== (>= a b) c)");
    check_expr("a in b subset c", "(subset (in a b) c)");
    check_expr("a not in b == c", "(== (not in a b) c)");
    check_expr("a subset b not in c", "(not in (subset a b) c)");
}

#[test]
fn operator_words_end_at_a_word_boundary_and_not_in_may_be_split() {
    check_expr("a not // a comment\n  in b", "(not in a b)");
    check_expr("a not\n\tin b", "(not in a b)");
    check_expr("orange or andy", "(or orange andy)");
    check_expr("index in intersection", "(in index intersection)");
    check_expr("notice and not inside", "(and notice (not inside))");
    check_expr("a-b- -c", "(- (- a b) (neg c))");
}

#[test]
fn a_call_and_a_key_reference_span_from_the_name_to_the_closing_bracket() {
    let text = "policy \"p\"\nlet x = f (a, b) == Country [\"JP\"]\n";
    let (sources, result) = parse_text(text, DEFAULT_MAX_NESTING);
    let module = result.expect("parses");
    let [Item::Let(decl)] = module.items.as_slice() else {
        panic!("expected one `let`, got {:?}", module.items);
    };
    let ExprKind::Binary(_, call, key) = &decl.value.kind else {
        panic!("expected a comparison, got {:?}", decl.value.kind);
    };
    assert_eq!(sources.snippet(call.span), "f (a, b)");
    assert_eq!(sources.snippet(key.span), "Country [\"JP\"]");
}

#[test]
fn arithmetic_and_set_operators_bind_tighter_than_comparisons() {
    check_expr("a < b + c", "(< a (+ b c))");
    check_expr("a in b union c", "(in a (union b c))");
    check_expr("a subset b intersect c", "(subset a (intersect b c))");
    check_expr("a + b * c", "(+ a (* b c))");
    check_expr("a union b intersect c", "(union a (intersect b c))");
    check_expr("a without b * c == d", "(== (without a (* b c)) d)");
}

#[test]
fn negation_binds_tighter_than_products_and_looser_than_postfix() {
    check_expr("- a * b", "(* (neg a) b)");
    check_expr("-a.b", "(neg (. a b))");
    check_expr("- - 1", "(neg (neg 1))");
    check_expr("a - -b", "(- a (neg b))");
    check_expr("-x is some", "(neg (is-some x))");
}

#[test]
fn postfix_operators_chain_left_to_right() {
    check_expr(
        "t.onward is some and t.onward.in_combat",
        "(and (is-some (. t onward)) (. (. t onward) in_combat))",
    );
    check_expr("x is none is some", "(is-some (is-none x))");
    check_expr("f(x).y", "(. (call f x) y)");
    check_expr("Country[\"JP\"].code", "(. (key Country \"JP\") code)");
    check_expr("(a or b).c", "(. (or a b) c)");
}

#[test]
fn parentheses_override_precedence() {
    check_expr("(a or b) and c", "(and (or a b) c)");
    check_expr("a - (b - c)", "(- a (- b c))");
    check_expr("not (a and b)", "(not (and a b))");
}

#[test]
fn quantifier_body_extends_right() {
    check_expr("any x in S: p or q", "(any x S (or p q))");
    check_expr("a and all x in S: p or q", "(and a (all x S (or p q)))");
    check_expr(
        "all x in t.item.parts: any y in x.makers: y.ok",
        "(all x (. (. t item) parts) (any y (. x makers) (. y ok)))",
    );
    check_expr("any x in a union b: x", "(any x (union a b) x)");
}

#[test]
fn if_else_extends_right_and_chains() {
    check_expr("if a then b else c or d", "(if a b (or c d))");
    check_expr("if a then b else if c then d else e", "(if a b (if c d e))");
    check_expr("x and if a then b else c", "(and x (if a b c))");
}

#[test]
fn literals_sets_calls_and_key_refs() {
    check_expr("{}", "(set)");
    check_expr("{a, b,}", "(set a b)");
    check_expr("{{1}, {}}", "(set (set 1) (set))");
    check_expr("size(s) + 1", "(+ (call size s) 1)");
    check_expr("f()", "(call f)");
    check_expr("f(a, b or c,)", "(call f a (or b c))");
    check_expr("Country[\"UA\"]", "(key Country \"UA\")");
    check_expr("true or false", "(or true false)");
    check_expr("x == none", "(== x none)");
    check_expr("2014-04-01 <= d", "(<= 2014-04-01 d)");
    check_expr("1_000_000 * 3", "(* 1000000 3)");
    check_expr("9_223_372_036_854_775_807", "9223372036854775807");
}

#[test]
fn keywords_inside_names_stay_names() {
    check_expr("android or notable", "(or android notable)");
    check_expr("is_some and in_combat", "(and is_some in_combat)");
    check_expr("when or key or on", "(or (or when key) on)");
}

// ---------------------------------------------------------------- strings

#[test]
fn string_escapes_are_resolved() {
    check_expr(r#""a\"b\\c\nd\te""#, r#""a\"b\\c\nd\te""#);
    check_expr(r#""\u{41}\u{e9}\u{1F600}""#, "\"Aé😀\"");
    check_expr(r#""// not a comment""#, r#""// not a comment""#);
}

#[test]
fn line_breaks_in_strings_fold_to_one_space() {
    check_expr(
        "\"transfers to a party\n      to a conflict\"",
        r#""transfers to a party to a conflict""#,
    );
    check_expr("\"trailing   \r\n\t  blanks\"", r#""trailing blanks""#);
    check_expr("\"blank\n\n   lines\"", r#""blank lines""#);
    check_expr("\"kept\\n  \n  escape\"", r#""kept\n escape""#);
}

#[test]
fn invalid_unicode_escape_is_reported_at_the_escape() {
    check_error(
        "policy \"p\"\nlet x = \"a\\u{D800}b\"",
        Code::InvalidEscape,
        "invalid escape `\\u{D800}` in a string",
        "\\u{D800}",
        Some(
            "`\\u{…}` takes 1 to 6 hex digits naming a Unicode scalar value: up to `10FFFF`, \
             without the surrogates `D800` to `DFFF`",
        ),
    );
    check_error(
        "policy \"p\"\nlet x = \"\\u{110000}\"",
        Code::InvalidEscape,
        "invalid escape `\\u{110000}` in a string",
        "\\u{110000}",
        Some(
            "`\\u{…}` takes 1 to 6 hex digits naming a Unicode scalar value: up to `10FFFF`, \
             without the surrogates `D800` to `DFFF`",
        ),
    );
}

#[test]
fn unknown_escape_is_reported_at_the_escape() {
    check_error(
        "policy \"p\"\nlet x = \"tab\\q\"",
        Code::InvalidEscape,
        "invalid escape `\\q` in a string",
        "\\q",
        Some("a string can contain the escapes `\\\"`, `\\\\`, `\\n`, `\\t` and `\\u{…}`"),
    );
}

// ---------------------------------------------------------------- literals

#[test]
fn impossible_date_names_the_month_end() {
    check_error(
        "policy \"p\"\nlet d = 2023-02-30",
        Code::InvalidDate,
        "`2023-02-30` is not a calendar date",
        "2023-02-30",
        Some("February 2023 ends on `2023-02-28`"),
    );
    check_error(
        "policy \"p\"\nrule r: deny { effective 2024-04-31 }",
        Code::InvalidDate,
        "`2024-04-31` is not a calendar date",
        "2024-04-31",
        Some("April 2024 ends on `2024-04-30`"),
    );
    check_error(
        "policy \"p\"\nlet d = 2023-13-01",
        Code::InvalidDate,
        "`2023-13-01` is not a calendar date",
        "2023-13-01",
        Some("months go from `01` to `12`"),
    );
}

#[test]
fn leap_day_is_a_date() {
    check_expr("2024-02-29", "2024-02-29");
}

#[test]
fn integer_past_i64_is_reported() {
    check_error(
        "policy \"p\"\nlet n = 9_223_372_036_854_775_808",
        Code::IntegerTooLarge,
        "integer `9_223_372_036_854_775_808` is too large",
        "9_223_372_036_854_775_808",
        Some("the largest allowed here is `9223372036854775807`"),
    );
}

#[test]
fn smallest_integer_is_a_literal() {
    check_expr("-9223372036854775808", "-9223372036854775808");
    check_expr("-9_223_372_036_854_775_808", "-9223372036854775808");
    check_expr("1 - -9223372036854775808", "(- 1 -9223372036854775808)");
    check_expr("- -9223372036854775808", "(neg -9223372036854775808)");
    check_expr("-9223372036854775807", "(neg 9223372036854775807)");
    // Without the minus, or with a postfix operator binding to the digits first, it is too large.
    check_error(
        "policy \"p\"\nlet n = 1 - 9223372036854775808",
        Code::IntegerTooLarge,
        "integer `9223372036854775808` is too large",
        "9223372036854775808",
        Some("the largest allowed here is `9223372036854775807`"),
    );
}

#[test]
fn every_literal_problem_is_reported() {
    let (_, result) = parse_text(
        "policy \"p\"\nlet a = 2023-02-30\nlet b = 99999999999999999999\nlet c = \"\\u{DFFF}\"\n",
        DEFAULT_MAX_NESTING,
    );
    let codes: Vec<Code> = result.unwrap_err().iter().map(|d| d.code).collect();
    assert_eq!(
        codes,
        [Code::InvalidDate, Code::IntegerTooLarge, Code::InvalidEscape]
    );
}

// ---------------------------------------------------------------- declarations

#[test]
fn header_with_source() {
    let module = parse_ok("policy \"Title\" source \"Decision of 2014\"\n");
    assert_eq!(module.header.kind, HeaderKind::Policy);
    assert_eq!(module.header.title.value, "Title");
    assert_eq!(module.header.source.unwrap().value, "Decision of 2014");
    let module = parse_ok("module \"Shared\"");
    assert_eq!(module.header.kind, HeaderKind::Module);
    assert!(module.header.source.is_none() && module.items.is_empty());
}

#[test]
fn every_item_kind() {
    check(
        r#"policy "p"
use std.dates
use "schema.pol"
enum Category { rescue, transport, }
record Country key code { code: Text, since: Date? tags: Set<Text> hops: List<Set<Country>?> }
record Note { text: Text }
let home = Country["JP"]
let limit: Int = 3
fn ok(c: Country, day: Date,) -> Bool = c.since is some
fn zero() = 0
obligation consent "prior consent"
decide t: Transfer on t.date
decide s: Shipment
default deny because "no rule permits this"
default permit
default deny because "no rule permits this" cite "Art. 1"
default deny cite "Art. 2"
default deny cite "Art. 3" because "no rule permits this"
rule r: permit {}
test "t" {}
"#,
        r#"
(use std.dates)
(use "schema.pol")
(enum Category rescue transport)
(record Country key=code (code Text) (since Date?) (tags (Set Text)) (hops (List (Set Country)?)))
(record Note (text Text))
(let home (key Country "JP"))
(let limit: Int 3)
(fn ok ((c Country) (day Date)) -> Bool (is-some (. c since)))
(fn zero () 0)
(obligation consent "prior consent")
(decide t Transfer on (. t date))
(decide s Shipment)
(default deny "no rule permits this")
(default permit)
(default deny "no rule permits this" (cite "Art. 1"))
(default deny (cite "Art. 2"))
(default deny "no rule permits this" (cite "Art. 3"))
(rule r permit)
(test "t")
"#,
    );
}

#[test]
fn every_rule_clause() {
    check(
        r#"policy "p"
rule r: deny {
  when a
  unless b or c
  because "reason"
  cite "Art. 1"
  oblige o1, o2
  effective 2014-04-01
  until 2030-01-01
  exception to x, y
  when d
}
"#,
        r#"(rule r deny (when a) (unless (or b c)) (because "reason") (cite "Art. 1") (oblige o1 o2) (effective 2014-04-01) (until 2030-01-01) (exception-to x y) (when d))"#,
    );
}

#[test]
fn every_test_construct() {
    check(
        r#"policy "p"
test "cases" {
  as of 2023-12-22
  Country { code: "UA", in_combat: unknown, since: none, tags: {"a", "b",}, n: 1, ok: true }
  Item { id: "x", category: rescue, parts: {rescue, {}}, day: 2020-01-01 }
  Empty {}
  expect "t1" permit by r1, r2 oblige o1, o2
  expect "t2" deny by r3
  expect #2 deny by default
  expect #1 permit by default oblige o
  expect "t3" undecided missing Country["UA"].in_combat, Transfer[#1].consent
  expect "t4" undecided
}
"#,
        r#"(test "cases" (as-of 2023-12-22) (fact Country (code "UA") (in_combat unknown) (since none) (tags {"a" "b"}) (n 1) (ok true)) (fact Item (id "x") (category 'rescue) (parts {'rescue {}}) (day 2020-01-01)) (fact Empty) (expect "t1" permit by (r1 r2) oblige (o1 o2)) (expect "t2" deny by (r3)) (expect #2 deny by default) (expect #1 permit by default oblige (o)) (expect "t3" undecided missing (Country["UA"].in_combat Transfer[#1].consent)) (expect "t4" undecided))"#,
    );
}

#[test]
fn sample_with_every_construct_parses() {
    let text = include_str!("testdata/all_constructs.pol");
    let module = parse_ok(text);
    assert_eq!(module.items.len(), 16);
    let rule = module
        .items
        .iter()
        .find_map(|item| match item {
            Item::Rule(rule) if rule.name.name == "x" => Some(rule),
            _ => None,
        })
        .unwrap();
    let whens: Vec<String> = rule
        .clauses
        .iter()
        .map(|clause| match clause {
            RuleClause::When(expr) => dump_expr(expr),
            other => panic!("unexpected clause {other:?}"),
        })
        .collect();
    assert_eq!(
        whens,
        [
            "(any p (. (. t item) joint_partners) (or (. p in_combat) (and (not (not in p (set home))) (>= (+ (call size (. (. t item) joint_partners)) 1) (neg 2)))))",
            "(if (. t consent) (== (. t exporter) home) false)",
            "(subset (union (. (. t item) joint_partners) (set home)) (without (intersect (set home) (set)) (set)))",
        ]
    );
    assert_eq!(module.comments.len(), 1);
}

// ---------------------------------------------------------------- spans and comments

#[test]
fn spans_cover_what_they_name() {
    let text = "policy \"p\"\nrule r: permit {\n  when (a or b) and t.x is some\n}\n";
    let (sources, result) = parse_text(text, DEFAULT_MAX_NESTING);
    let module = result.unwrap();
    let Item::Rule(rule) = &module.items[0] else {
        panic!("expected a rule")
    };
    assert_eq!(
        sources.snippet(rule.span),
        "rule r: permit {\n  when (a or b) and t.x is some\n}"
    );
    assert_eq!(sources.snippet(rule.name.span), "r");
    assert_eq!(sources.snippet(rule.effect_span), "permit");
    let RuleClause::When(condition) = &rule.clauses[0] else {
        panic!("expected `when`")
    };
    assert_eq!(sources.snippet(condition.span), "(a or b) and t.x is some");
    let ExprKind::Binary(_, left, right) = &condition.kind else {
        panic!("expected `and`")
    };
    assert_eq!(sources.snippet(left.span), "(a or b)");
    assert_eq!(sources.snippet(right.span), "t.x is some");
    assert_eq!(sources.snippet(module.span), text);
}

#[test]
fn comments_are_collected_in_order() {
    let text = "// head\npolicy \"p // not a comment\" // after header\n\
                let x = \"\\\" // still a string\" // tail\r\n// last";
    let (sources, result) = parse_text(text, DEFAULT_MAX_NESTING);
    let module = result.unwrap();
    let comments: Vec<(&str, &str)> = module
        .comments
        .iter()
        .map(|comment| (comment.text.as_str(), sources.snippet(comment.span)))
        .collect();
    assert_eq!(
        comments,
        [
            (" head", "// head"),
            (" after header", "// after header"),
            (" tail", "// tail"),
            (" last", "// last"),
        ]
    );
}

#[test]
fn byte_order_mark_is_skipped() {
    let module = parse_ok("\u{FEFF}policy \"p\"\nlet x = 1\n");
    assert_eq!(module.items.len(), 1);
}

#[test]
fn crlf_line_endings_parse_with_byte_spans() {
    let text = "policy \"p\"\r\nrule r: deny {\r\n  when a\r\n}\r\n";
    let (sources, result) = parse_text(text, DEFAULT_MAX_NESTING);
    let module = result.unwrap();
    let Item::Rule(rule) = &module.items[0] else {
        panic!("expected a rule")
    };
    assert_eq!(rule.span.start, 12);
    assert_eq!(sources.snippet(rule.span), "rule r: deny {\r\n  when a\r\n}");
    let RuleClause::When(condition) = &rule.clauses[0] else {
        panic!("expected `when`")
    };
    assert_eq!(sources.snippet(condition.span), "a");
}

#[test]
fn tabs_are_whitespace() {
    check(
        "policy\t\"p\"\n\trule\tr:\tdeny\t{\n\t\twhen\ta\tand\tb\n\t}\n",
        "(rule r deny (when (and a b)))",
    );
}

#[test]
fn keyword_glued_to_a_name_is_a_name() {
    // `rulefoo` is one word: it must not read as `rule foo`.
    check_error(
        "policy \"p\"\nrulefoo: permit {}",
        Code::Syntax,
        "expected a declaration or end of file, found `rulefoo`",
        "rulefoo",
        Some("to start a declaration, put a space after `rule`: `rule foo`"),
    );
}

#[test]
fn the_reserved_word_test_knows_exactly_the_reserved_words() {
    for word in super::grammar::RESERVED {
        assert!(super::grammar::is_reserved(word), "`{word}`");
    }
    for word in ["when", "t", "item", "policyx", "Policy", "", "an", "o"] {
        assert!(!super::grammar::is_reserved(word), "`{word}`");
    }
}

#[test]
fn reserved_words_cannot_be_names_and_clause_words_can() {
    for word in super::grammar::RESERVED {
        let (_, result) = parse_text(&format!("policy \"p\"\nlet {word} = 1"), DEFAULT_MAX_NESTING);
        assert!(result.is_err(), "`{word}` should be reserved");
    }
    for word in [
        "when", "unless", "key", "on", "source", "to", "as", "of", "by", "missing",
    ] {
        check(
            &format!("policy \"p\"\nlet {word} = {word}"),
            &format!("(let {word} {word})"),
        );
    }
}

// ---------------------------------------------------------------- syntax errors

#[test]
fn missing_colon_after_rule_name() {
    check_error(
        "policy \"p\"\nrule x permit {}",
        Code::Syntax,
        "expected `:` after the rule name, found `permit`",
        "permit",
        None,
    );
}

#[test]
fn missing_colon_after_field_name() {
    check_error(
        "policy \"p\"\nrecord R { a Int }",
        Code::Syntax,
        "expected `:` after the field name, found `Int`",
        "Int",
        None,
    );
}

#[test]
fn allow_instead_of_an_effect() {
    check_error(
        "policy \"p\"\nrule x: allow {}",
        Code::Syntax,
        "expected `permit` or `deny`, found `allow`",
        "allow",
        Some("a rule's effect is `permit` or `deny`"),
    );
}

#[test]
fn unterminated_string_points_at_its_quote() {
    check_error(
        "policy \"p\"\nrule x: permit { because \"no end }\n",
        Code::UnterminatedString,
        "unterminated string",
        "\"",
        Some("add a `\"` where the string ends; write `\\\"` for a quote inside it"),
    );
}

#[test]
fn reserved_word_as_a_name() {
    check_error(
        "policy \"p\"\nrule rule: permit {}",
        Code::Syntax,
        "expected a name, found reserved word `rule`",
        "rule",
        Some("`rule` is a reserved word; choose another name"),
    );
}

#[test]
fn c_style_logical_operators() {
    check_error(
        "policy \"p\"\nrule x: permit { when a && b }",
        Code::InvalidCharacter,
        "unknown operator `&&`",
        "&&",
        Some("write `and` instead of `&&`: Pol spells its logical operators `and`, `or`, `not`"),
    );
    check_error(
        "policy \"p\"\nlet x = a || b",
        Code::InvalidCharacter,
        "unknown operator `||`",
        "||",
        Some("write `or` instead of `||`: Pol spells its logical operators `and`, `or`, `not`"),
    );
    check_error(
        "policy \"p\"\nlet x = !a",
        Code::Syntax,
        "expected an expression, found `!`",
        "!",
        Some("write `not` instead of `!`: Pol spells its logical operators `and`, `or`, `not`"),
    );
}

#[test]
fn single_equals_in_a_condition() {
    check_error(
        "policy \"p\"\nrule x: permit { when a = b }",
        Code::Syntax,
        "expected a rule clause or `}`, found `=`",
        "=",
        Some("to compare two values, write `==`"),
    );
}

#[test]
fn cyrillic_letter_in_a_name() {
    check_error(
        "policy \"p\"\nrule x: permit { when t.lеgal }",
        Code::InvalidCharacter,
        "invalid character `е` (U+0435) in a name",
        "е",
        Some(
            "names are made of ASCII letters, digits and `_`; U+0435 looks like `e` but is a different character",
        ),
    );
    check_error(
        "policy \"p\"\nlet а = 1",
        Code::InvalidCharacter,
        "invalid character `а` (U+0430) in a name",
        "а",
        Some(
            "names are made of ASCII letters, digits and `_`; U+0430 looks like `a` but is a different character",
        ),
    );
}

#[test]
fn fullwidth_letter_in_a_name() {
    check_error(
        "policy \"p\"\nlet ｘ = 1",
        Code::InvalidCharacter,
        "invalid character `ｘ` (U+FF58) in a name",
        "ｘ",
        Some(
            "names are made of ASCII letters, digits and `_`; U+FF58 looks like `x` but is a different character",
        ),
    );
}

#[test]
fn curly_quotes_are_not_string_quotes() {
    check_error(
        "policy “p”",
        Code::InvalidCharacter,
        "invalid character `“` (U+201C)",
        "“",
        Some(
            "outside strings and comments, Pol text is ASCII; U+201C looks like `\"` but is a different character",
        ),
    );
}

#[test]
fn lone_closing_brace() {
    check_error(
        "policy \"p\"\n}",
        Code::Syntax,
        "expected a declaration or end of file, found `}`",
        "}",
        Some("this `}` has no opening bracket to close"),
    );
}

#[test]
fn empty_file_needs_a_header() {
    check_error(
        "",
        Code::Syntax,
        "unexpected end of file, expected `policy` or `module`",
        "",
        Some("a file starts with `policy \"title\"` or `module \"title\"`"),
    );
    check_error(
        "// only a comment\n",
        Code::Syntax,
        "unexpected end of file, expected `policy` or `module`",
        "",
        Some("a file starts with `policy \"title\"` or `module \"title\"`"),
    );
}

#[test]
fn declaration_before_the_header() {
    check_error(
        "rule x: permit {}",
        Code::Syntax,
        "expected `policy` or `module`, found `rule`",
        "rule",
        Some("a file starts with `policy \"title\"` or `module \"title\"`"),
    );
}

#[test]
fn end_of_file_inside_a_rule_names_the_open_brace() {
    let text = "policy \"p\"\nrule x: permit {\n  when a\n";
    check_error(
        text,
        Code::Syntax,
        "unexpected end of file, expected `}`",
        "",
        None,
    );
    let (sources, result) = parse_text(text, DEFAULT_MAX_NESTING);
    let diagnostic = &result.unwrap_err()[0];
    let [label] = diagnostic.secondary.as_slice() else {
        panic!("expected one secondary label")
    };
    assert_eq!(sources.snippet(label.span), "{");
    assert_eq!(label.message, "this `{` is never closed");
    assert_eq!(label.span.start, 26);
}

#[test]
fn end_of_file_inside_parentheses_and_after_equals() {
    check_error(
        "policy \"p\"\nlet x = (a",
        Code::Syntax,
        "unexpected end of file, expected `)`",
        "",
        None,
    );
    check_error(
        "policy \"p\"\nlet x = ",
        Code::Syntax,
        "unexpected end of file, expected an expression",
        "",
        None,
    );
}

#[test]
fn missing_title_string() {
    check_error(
        "policy Title",
        Code::Syntax,
        "expected a string in double quotes, found `Title`",
        "Title",
        None,
    );
}

#[test]
fn missing_then() {
    check_error(
        "policy \"p\"\nlet x = if a b else c",
        Code::Syntax,
        "expected `then` after the condition, found `b`",
        "b",
        None,
    );
}

// ---------------------------------------------------------------- nesting limits

/// Checks that `text` is refused with the one nesting diagnostic. The property is the limit, not
/// the time: the same deep inputs run through the binary under a watchdog in
/// `tests/adversarial.rs`, and a stack overflow here fails the whole run.
fn check_too_deep(text: &str) {
    let (_, result) = parse_text(text, DEFAULT_MAX_NESTING);
    let diagnostics = result.unwrap_err();
    assert_eq!(diagnostics.len(), 1, "{diagnostics:#?}");
    assert_eq!(diagnostics[0].code, Code::NestingTooDeep);
    assert_eq!(
        diagnostics[0].message,
        "nesting is deeper than the limit of 256 levels"
    );
}

const DEEP: usize = 100_000;

#[test]
fn deep_parentheses_are_rejected() {
    let text = format!("policy \"p\"\nlet x = {}a{}", "(".repeat(DEEP), ")".repeat(DEEP));
    check_too_deep(&text);
    // Unclosed, too: the pre-scan stops before pest looks for the closers.
    check_too_deep(&format!("policy \"p\"\nlet x = {}", "(".repeat(DEEP)));
}

#[test]
fn deep_sets_and_calls_are_rejected() {
    check_too_deep(&format!(
        "policy \"p\"\nlet x = {}{}",
        "{".repeat(DEEP),
        "}".repeat(DEEP)
    ));
    check_too_deep(&format!(
        "policy \"p\"\nlet x = {}1{}",
        "f(".repeat(DEEP),
        ")".repeat(DEEP)
    ));
    check_too_deep(&format!(
        "policy \"p\"\ntest \"t\" {{ R {{ f: {}{} }} }}",
        "{".repeat(DEEP),
        "}".repeat(DEEP)
    ));
}

#[test]
fn deep_types_are_rejected() {
    check_too_deep(&format!(
        "policy \"p\"\nrecord R {{ f: {}Int{} }}",
        "Set<".repeat(DEEP),
        ">".repeat(DEEP)
    ));
}

#[test]
fn long_runs_of_prefix_operators_are_rejected() {
    check_too_deep(&format!("policy \"p\"\nlet x = {}x", "not ".repeat(DEEP)));
    check_too_deep(&format!("policy \"p\"\nlet x = {}1", "- ".repeat(DEEP)));
    check_too_deep(&format!("policy \"p\"\nlet x = {}1", "-".repeat(DEEP)));
}

#[test]
fn prefix_operators_nesting_through_comparisons_are_rejected() {
    check_too_deep(&format!("policy \"p\"\nlet x = a{}", " == not a".repeat(DEEP)));
}

#[test]
fn deep_if_chains_and_quantifiers_are_rejected() {
    check_too_deep(&format!(
        "policy \"p\"\nlet x = {}c",
        "if a then b else ".repeat(DEEP)
    ));
    check_too_deep(&format!("policy \"p\"\nlet x = {}c", "any x in s: ".repeat(DEEP)));
}

/// Flat chains nest only as trees, so pest reads them whole before lowering rejects
/// them; they are shorter here to keep the unoptimised test build quick.
const LONG: usize = 20_000;

#[test]
fn long_flat_chains_are_rejected_as_deep_trees() {
    check_too_deep(&format!("policy \"p\"\nlet x = a{}", " or a".repeat(LONG)));
    check_too_deep(&format!("policy \"p\"\nlet x = a{}", " + 1".repeat(LONG)));
    check_too_deep(&format!("policy \"p\"\nlet x = a{}", ".f".repeat(LONG)));
    check_too_deep(&format!("policy \"p\"\nlet x = a{}", " is some".repeat(LONG)));
}

#[test]
fn nesting_up_to_the_limit_parses() {
    let depth = DEFAULT_MAX_NESTING - 10;
    parse_ok(&format!(
        "policy \"p\"\nlet x = {}a{}",
        "(".repeat(depth),
        ")".repeat(depth)
    ));
    parse_ok(&format!(
        "policy \"p\"\nlet x = {}a{}",
        "f(".repeat(depth),
        ")".repeat(depth)
    ));
    parse_ok(&format!(
        "policy \"p\"\nlet x = {}c",
        "if a then b else ".repeat(depth)
    ));
    parse_ok(&format!("policy \"p\"\nlet x = {}x", "not ".repeat(depth)));
    parse_ok(&format!("policy \"p\"\nlet x = a{}", " or a".repeat(depth)));
    parse_ok(&format!(
        "policy \"p\"\nlet x = a{}",
        " == not a".repeat(depth / 2)
    ));
    // Eight levels of the pre-scan's count in each repetition.
    let mixed = "not (if a then b else any x in s: {f(-(".repeat(depth / 8);
    parse_ok(&format!(
        "policy \"p\"\nlet x = {mixed}1{}",
        "))})".repeat(depth / 8)
    ));
}

#[test]
fn separate_expressions_do_not_add_up() {
    // Each `when` and each set element is its own expression.
    let clauses = "  when if a then b else c\n".repeat(DEFAULT_MAX_NESTING * 2);
    parse_ok(&format!("policy \"p\"\nrule r: deny {{\n{clauses}}}"));
    let elements = "if a then b else c, ".repeat(DEFAULT_MAX_NESTING * 2);
    parse_ok(&format!("policy \"p\"\nlet x = {{{elements}}}"));
    let lets = "let x = not a == not b\n".repeat(DEFAULT_MAX_NESTING * 2);
    parse_ok(&format!("policy \"p\"\n{lets}"));
}

#[test]
fn the_limit_can_be_set() {
    let (sources, result) = parse_text("policy \"p\"\nlet x = ((a))\nlet y = ((((a))))", 3);
    let diagnostics = result.unwrap_err();
    assert_eq!(diagnostics.len(), 1);
    assert_eq!(
        diagnostics[0].message,
        "nesting is deeper than the limit of 3 levels"
    );
    let span = diagnostics[0].span().unwrap();
    assert_eq!(sources.snippet(span), "(");
    assert_eq!(span.start, 36);
    let (sources, result) = parse_text("policy \"p\"\nlet x = a or b or c or d", 3);
    let diagnostic = &result.unwrap_err()[0];
    assert_eq!(diagnostic.code, Code::NestingTooDeep);
    assert_eq!(sources.snippet(diagnostic.span().unwrap()), "or");
    assert!(parse_text("policy \"p\"\nlet x = a or b or c", 3).1.is_ok());
}

// ---------------------------------------------------------------- robustness

/// A short text using most of the grammar, for mutation tests.
const DENSE: &str = "policy \"p\" source \"s\"\n\
    record R key id { id: Text, s: Set<R>? }\n\
    let k = R[\"a\"]\nfn f(x: Int) -> Bool = -x * 2 >= 1 and x not in {1}\n\
    rule r: deny { when any y in k.s: y.id == \"\\u{41}\" or not (y is none) // c\n\
    unless if a then b else c effective 2020-01-01 exception to q }\n\
    test \"t\" { as of 2020-01-01 R { id: \"a\", s: {unknown, none} }\n\
    expect #1 permit by r oblige o\n\
    expect \"a\" undecided missing R[\"a\"].s }\n";

/// Checks that parsing never panics and that any diagnostic has a sound span and
/// speaks in plain words.
fn check_no_panic(text: &str) {
    let (_, result) = parse_text(text, 16);
    let Err(diagnostics) = result else { return };
    assert!(!diagnostics.is_empty(), "{text:?}");
    for diagnostic in &diagnostics {
        let span = diagnostic.span().expect("syntax errors have a span");
        assert!(
            span.start <= span.end && span.end as usize <= text.len(),
            "{text:?}"
        );
        assert!(text.is_char_boundary(span.start as usize), "{text:?}");
        assert!(text.is_char_boundary(span.end as usize), "{text:?}");
        for internal in ["kw_", "_decl", "_op", "EOI", "_lit", "something else"] {
            assert!(
                !diagnostic.message.contains(internal),
                "{text:?}: {}",
                diagnostic.message
            );
        }
    }
}

#[test]
fn dense_text_parses() {
    parse_ok(DENSE);
}

#[test]
fn truncated_and_mutated_texts_give_diagnostics_not_panics() {
    let boundaries: Vec<usize> = (0..=DENSE.len())
        .filter(|idx| DENSE.is_char_boundary(*idx))
        .collect();
    for &idx in &boundaries {
        check_no_panic(&DENSE[..idx]);
        for insert in ["\u{a0}", "\"", "\\", "{", ")", "а"] {
            check_no_panic(&format!("{}{insert}{}", &DENSE[..idx], &DENSE[idx..]));
        }
    }
}

// ---------------------------------------------------------------- parsing in pieces

/// A policy of `n_rules` generated rules after the reference policy, as in the benchmarks.
fn generated_policy(n_rules: usize) -> String {
    let mut text = include_str!("../../bench/reference.pol").to_owned();
    for idx in 0..n_rules {
        let effect = if idx % 3 == 0 { "deny" } else { "permit" };
        text.push_str(&format!(
            "\nrule generated_{idx}: {effect} {{\n  when t.item.category == \"c{idx}\" and t.destination.security_partner\n  when t.date >= 2020-01-01 and not t.item.lethal // {idx}\n  because \"generated rule {idx}\"\n}}\n"
        ));
    }
    text
}

/// Parses a text in one piece and cut into 2 to 5 pieces, and checks that every way gives
/// the same result; returns whether any cut was possible (the pieces all parsed).
fn check_pieces_agree(text: &str, max_nesting: usize) -> bool {
    check_pieces_agree_on(text, max_nesting, 2..=5)
}

/// [`check_pieces_agree`], cut into each of `thread_counts` pieces.
fn check_pieces_agree_on(
    text: &str,
    max_nesting: usize,
    thread_counts: impl IntoIterator<Item = usize>,
) -> bool {
    let mut sources = SourceMap::new();
    let id = sources.add("test.pol", text);
    let whole = parse_module_on(&sources, id, max_nesting, 1);
    let mut cut = false;
    for threads in thread_counts {
        let pieces = parse_module_on(&sources, id, max_nesting, threads);
        assert_eq!(pieces, whole, "{threads} pieces of {text:?}");
        if let Some(module) = parse_in_pieces(&sources, id, max_nesting, threads) {
            assert_eq!(Ok(&module), whole.as_ref(), "{threads} pieces of {text:?}");
            cut = true;
        }
    }
    cut
}

#[test]
fn a_text_cut_into_pieces_gives_the_tree_of_the_whole() {
    assert!(check_pieces_agree(&generated_policy(200), DEFAULT_MAX_NESTING));
    assert!(check_pieces_agree(
        include_str!("../../bench/reference.pol"),
        DEFAULT_MAX_NESTING
    ));
    assert!(check_pieces_agree(DENSE, DEFAULT_MAX_NESTING));
}

#[test]
fn every_sample_policy_parses_the_same_in_pieces() {
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut dirs = vec![
        root.join("examples"),
        root.join("tests"),
        root.join("stdlib"),
        root.join("bench"),
    ];
    let mut files = 0;
    while let Some(dir) = dirs.pop() {
        for entry in std::fs::read_dir(&dir).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                dirs.push(path);
            } else if path.extension().is_some_and(|ext| ext == "pol") {
                // Some adversarial samples are not UTF-8 on purpose; they never reach the parser.
                if let Ok(text) = String::from_utf8(std::fs::read(&path).unwrap()) {
                    check_pieces_agree(&text, DEFAULT_MAX_NESTING);
                    files += 1;
                }
            }
        }
    }
    assert!(files > 50, "found only {files} sample policies");
}

/// A text longer than two pieces of [`super::lower::PIECE_BYTES`] is cut into pieces of about
/// that length even on one thread (pest's queue for each then stays in the cache), and gives the
/// definitive parser's tree of the whole.
#[test]
fn a_large_text_on_one_thread_is_parsed_in_pieces_of_bounded_length() {
    let text = generated_policy(1000);
    let mut sources = SourceMap::new();
    let id = sources.add("test.pol", &text);
    let before = super::lower::n_pieces_parsed();
    let module = parse_module_on(&sources, id, DEFAULT_MAX_NESTING, 1).unwrap();
    let pieces = super::lower::n_pieces_parsed() - before;
    assert_eq!(
        pieces,
        text.len() / super::lower::PIECE_BYTES,
        "pieces of {} bytes",
        text.len()
    );
    assert_eq!(module, super::lower::parse_by_grammar(&sources, id).unwrap());
    // A text shorter than two pieces is parsed whole.
    let short = generated_policy(100);
    assert!(short.len() < 2 * super::lower::PIECE_BYTES);
    let id = sources.add("short.pol", &short);
    let before = super::lower::n_pieces_parsed();
    parse_module_on(&sources, id, DEFAULT_MAX_NESTING, 1).unwrap();
    assert_eq!(super::lower::n_pieces_parsed(), before);
}

#[test]
fn a_large_text_is_parsed_in_pieces_through_the_public_entry() {
    let text = generated_policy(1000);
    assert!(text.len() > 64 * 1024);
    let mut sources = SourceMap::new();
    let id = sources.add("test.pol", &text);
    let module = parse_with_limit(&sources, id, DEFAULT_MAX_NESTING).unwrap();
    assert_eq!(Ok(&module), super::lower::parse_by_grammar(&sources, id).as_ref());
    assert_eq!(
        module.items.len(),
        1000 + parse_ok(include_str!("../../bench/reference.pol")).items.len()
    );
}

#[test]
fn a_text_whose_pieces_fail_gives_the_diagnostics_of_the_whole() {
    let base = generated_policy(6);
    let at = base.find("rule generated_3").unwrap();
    for (broken, code) in [
        // A syntax error inside one piece.
        ("rule generated_3: permit { when }\n", Code::Syntax),
        // An expression that would run on into the next piece.
        ("let dangling = 1 +\n", Code::Syntax),
        // A brace left open: nothing after it is at the top level.
        ("rule open: permit {\n  when true\n", Code::Syntax),
        // A string that runs on over the start of the following rule.
        ("let s = \"open\n", Code::Syntax),
        // Problems found while lowering: an impossible date, a number too large.
        ("rule dated: permit { effective 2021-02-30 }\n", Code::InvalidDate),
        ("let big = 99999999999999999999\n", Code::IntegerTooLarge),
        // Nesting past the limit.
        (
            "let deep = ((((((((((((((((((((1))))))))))))))))))))\n",
            Code::NestingTooDeep,
        ),
    ] {
        let text = format!("{}{broken}{}", &base[..at], &base[at..]);
        assert!(!check_pieces_agree(&text, 16), "{broken:?}");
        let (_, result) = parse_text(&text, 16);
        let diagnostics = result.unwrap_err();
        assert_eq!(diagnostics[0].code, code, "{broken:?}: {diagnostics:#?}");
    }
}

#[test]
fn truncated_and_mutated_texts_parse_the_same_in_pieces() {
    let text = format!(
        "{DENSE}rule a: permit {{\n  when k.s == {{1}}\n}}\n// between\nrule b: deny {{ because \"b\" }}\n"
    );
    let boundaries: Vec<usize> = (0..=text.len())
        .filter(|idx| text.is_char_boundary(*idx))
        .collect();
    for &idx in &boundaries {
        check_pieces_agree_on(&text[..idx], 16, [3]);
        for insert in ["\"", "{", "\nrule c: permit {}\n"] {
            check_pieces_agree_on(&format!("{}{insert}{}", &text[..idx], &text[idx..]), 16, [3]);
        }
    }
}

#[test]
fn parser_out_of_stack_names_the_stack_not_the_limit() {
    // A thread with a small stack: pest's guard stops before the nesting limit is reached.
    let diagnostics = std::thread::Builder::new()
        .stack_size(1 << 20)
        .spawn(|| {
            let text = format!(
                "policy \"p\"\nlet x = {}1{}\n",
                "(".repeat(100_000),
                ")".repeat(100_000)
            );
            parse_text(&text, 1_000_000).1.unwrap_err()
        })
        .unwrap()
        .join()
        .unwrap();
    assert_eq!(diagnostics.len(), 1, "{diagnostics:#?}");
    assert_eq!(diagnostics[0].code, Code::NestingTooDeep);
    assert_eq!(
        diagnostics[0].message,
        "nesting is too deep for the parser's stack, which ran out before the limit of 1000000 levels"
    );
}

// ---------------------------------------------------------------- declarations parsed on their own

fn parse_partial_text(text: &str, max_nesting: usize) -> (SourceMap, super::Parsed) {
    let mut sources = SourceMap::new();
    let id = sources.add("test.pol", text);
    let parsed = super::parse_partial(&sources, id, max_nesting);
    (sources, parsed)
}

/// Parses a text declaration by declaration and compares the kind and name of each
/// declaration kept, the text each diagnostic points at with its code, and the text of
/// each declaration left out. The all-or-nothing parse must fail with the same diagnostics.
fn check_partial(text: &str, max_nesting: usize, kept: &str, diagnostics: &[(Code, &str)], skipped: &[&str]) {
    let (sources, parsed) = parse_partial_text(text, max_nesting);
    let names: Vec<String> = parsed
        .module
        .items
        .iter()
        .map(|item| dump_item(item).split(' ').take(2).collect::<Vec<_>>().join(" "))
        .collect();
    assert_eq!(names.join(" "), kept, "input: {text:?}");
    let found: Vec<(Code, &str)> = parsed
        .diagnostics
        .iter()
        .map(|diagnostic| {
            (
                diagnostic.code,
                sources.snippet(diagnostic.span().expect("a span")),
            )
        })
        .collect();
    assert_eq!(found, diagnostics, "input: {text:?}: {:#?}", parsed.diagnostics);
    let left_out: Vec<&str> = parsed.skipped.iter().map(|span| sources.snippet(*span)).collect();
    assert_eq!(left_out, skipped, "input: {text:?}");
    let whole = parse_text(text, max_nesting)
        .1
        .expect_err("a text with a broken declaration fails");
    assert_eq!(whole, parsed.diagnostics, "input: {text:?}");
}

#[test]
fn every_broken_declaration_has_its_diagnostic_and_the_others_are_kept() {
    check_partial(
        "policy \"p\"\nlet a = 1\nrule half: deny {\n  when a ==\nrule whole: permit { when a == 1 }\n\
         let b =\nlet c = 3\nrule rule: deny {}\nfn f(x: Int) -> Int = x + 1\n",
        DEFAULT_MAX_NESTING,
        "(let a (rule whole (let c (fn f",
        &[
            (Code::Syntax, "rule"),
            (Code::Syntax, "let"),
            (Code::Syntax, "rule"),
        ],
        &["rule half: deny {\n  when a ==", "let b =", "rule rule: deny {}"],
    );
}

/// A declaration keyword where a declaration cannot start (after `=`, as a name) belongs to
/// the broken declaration before it, unless it starts a line.
#[test]
fn declarations_on_one_line_are_parsed_on_their_own() {
    check_partial(
        "policy \"p\" let a = 1 let b = let c = 2 enum E { x, } record R { f Int } let d = 4",
        DEFAULT_MAX_NESTING,
        "(let a (enum E (let d",
        &[(Code::Syntax, "let"), (Code::Syntax, "Int")],
        &["let b = let c = 2", "record R { f Int }"],
    );
}

#[test]
fn a_broken_header_gives_a_placeholder_and_the_declarations_stay() {
    let (_, parsed) = parse_partial_text("module \"m\" source\nlet a = 1\n", DEFAULT_MAX_NESTING);
    assert_eq!(parsed.module.header.kind, HeaderKind::Module);
    assert_eq!(parsed.module.header.title.value, "m");
    assert_eq!(parsed.module.items.len(), 1);
    assert_eq!(parsed.diagnostics.len(), 1);
    check_partial(
        "policy p\nlet a = 1\n",
        DEFAULT_MAX_NESTING,
        "(let a",
        &[(Code::Syntax, "p")],
        &["policy p"],
    );
    check_partial(
        "rule r: deny {}\nlet a = \nlet b = 2",
        DEFAULT_MAX_NESTING,
        "(rule r (let b",
        &[(Code::Syntax, "rule"), (Code::Syntax, "let")],
        &["", "let a ="],
    );
    let (_, parsed) = parse_partial_text("", DEFAULT_MAX_NESTING);
    assert_eq!(parsed.module.header.title.value, "");
    assert_eq!(parsed.diagnostics.len(), 1);
}

#[test]
fn lexical_errors_and_lowering_errors_leave_out_only_their_declaration() {
    check_partial(
        "policy \"p\"\nlet a = 1 \u{2028}\nlet b = 2\nlet c = 99999999999999999999\nrule r: deny {\n  when 2021-02-30 > 1\n}\nlet d = (((((((((((((((((((1)))))))))))))))))))\nlet e = 5\n",
        16,
        "(let b (let e",
        &[
            (Code::AmbiguousLineBreak, "\u{2028}"),
            (Code::NestingTooDeep, "("),
            (Code::IntegerTooLarge, "99999999999999999999"),
            (Code::InvalidDate, "2021-02-30"),
        ],
        &[
            "let a = 1 \u{2028}",
            "let c = 99999999999999999999",
            "rule r: deny {\n  when 2021-02-30 > 1\n}",
            "let d = (((((((((((((((((((1)))))))))))))))))))",
        ],
    );
}

#[test]
fn a_large_text_with_broken_rules_reports_each_and_keeps_the_others() {
    let mut text = String::from("policy \"p\"\n");
    for idx in 0..3000 {
        match idx {
            1000 => text.push_str("rule r1000: deny { when }\n"),
            2000 => text.push_str("rule r2000: deny { when (1 }\n"),
            _ => text.push_str(&format!(
                "rule r{idx}: permit {{ when {idx} > 1 because \"fine\" }}\n"
            )),
        }
    }
    assert!(text.len() >= 64 * 1024);
    let (sources, parsed) = parse_partial_text(&text, DEFAULT_MAX_NESTING);
    assert_eq!(parsed.module.items.len(), 2998);
    let found: Vec<&str> = parsed
        .diagnostics
        .iter()
        .map(|diagnostic| sources.snippet(diagnostic.span().expect("a span")))
        .collect();
    assert_eq!(found, ["}", "}"]);
    assert_eq!(parsed.skipped.len(), 2);
}

#[test]
fn truncated_texts_parse_declaration_by_declaration_without_panicking() {
    let boundaries: Vec<usize> = (0..=DENSE.len())
        .filter(|idx| DENSE.is_char_boundary(*idx))
        .collect();
    for &idx in &boundaries {
        for text in [DENSE[..idx].to_owned(), format!("{}\nlet z = 1\n", &DENSE[..idx])] {
            let (sources, parsed) = parse_partial_text(&text, 16);
            let whole = parse_text(&text, 16).1;
            match whole {
                Ok(module) => assert_eq!(module, parsed.module, "{text:?}"),
                Err(diagnostics) => {
                    assert_eq!(diagnostics, parsed.diagnostics, "{text:?}");
                    assert!(!parsed.skipped.is_empty(), "{text:?}");
                }
            }
            // Every declaration kept is one the text holds at its span.
            for item in &parsed.module.items {
                let span = item.span();
                assert!(span.end as usize <= text.len(), "{text:?}");
                assert!(!sources.snippet(span).is_empty(), "{text:?}");
            }
        }
    }
}

#[test]
fn data_rows_and_aliases() {
    check(
        r#"module "m"
record Country key code alias names { code: Text, names: Set<Text> }
data {
  Country { code: "TR", names: {"Turkey", "Turkiye"} }
  Country { code: "JP", names: {} }
}
data {}
"#,
        r#"
(record Country key=code alias=names (code Text) (names (Set Text)))
(data (row Country (code "TR") (names {"Turkey" "Turkiye"})) (row Country (code "JP") (names {})))
(data)
"#,
    );
}

#[test]
fn data_and_alias_are_names_elsewhere() {
    check(
        r#"module "m"
record Row key data alias alias { data: Text, alias: Set<Text> }
let data = 1
fn alias(data: Int) -> Int = data
"#,
        r#"
(record Row key=data alias=alias (data Text) (alias (Set Text)))
(let data 1)
(fn alias ((data Int)) -> Int data)
"#,
    );
}

#[test]
fn facts_may_hold_negative_integers_down_to_the_smallest() {
    check(
        r#"module "m"
data { Row { low: -3, least: -9223372036854775808, zero: -0 } }
"#,
        r#"
(data (row Row (low -3) (least -9223372036854775808) (zero 0)))
"#,
    );
}

#[test]
fn a_negative_integer_below_the_smallest_is_an_error() {
    check_error(
        "module \"m\"\ndata { Row { low: -9223372036854775809 } }\n",
        Code::IntegerTooLarge,
        "integer `-9223372036854775809` is too small",
        "-9223372036854775809",
        Some("the smallest allowed here is `-9223372036854775808`"),
    );
}

/// The fast path for `data` rows gives the tree the grammar gives, spans and comments included.
#[test]
fn data_rows_read_by_hand_are_the_grammars() {
    let mut texts: Vec<(String, String)> = crate::stdlib::names()
        .iter()
        .map(|name| {
            (
                format!("std.{name}"),
                crate::stdlib::module(name).unwrap().to_owned(),
            )
        })
        .collect();
    texts.push((
        "edges".into(),
        "module \"m\"\r\nrecord R key k { k: Text }\r\ndata { // rows\r\n  R { k: \"a\", n: -3, m: 1_000, d: 2024-02-29, s: {}, t: { \"x\" , y, }, u: unknown, v: none, w: true, x: Approval { nsc: false }, }\r\n  R{k:\"b\"}\r\n}\r\nlet data = 1\r\n".into(),
    ));
    for (name, text) in texts {
        let mut sources = SourceMap::new();
        let id = sources.add(&name, text.clone());
        let fast = crate::syntax::parse(&sources, id).unwrap();
        let slow = super::lower::parse_by_grammar(&sources, id).unwrap();
        assert_eq!(fast, slow, "{name}");
        let has_rows = fast
            .items
            .iter()
            .any(|item| matches!(item, Item::Data(data) if !data.rows.is_empty()));
        assert!(has_rows || name == "std.dates", "{name} has rows");
        // The fast path reads every block of the stdlib and of the edge cases itself.
        let cuts = super::grammar::scan(&text, id, DEFAULT_MAX_NESTING, super::grammar::Cuts::TopLevel)
            .unwrap()
            .cuts;
        assert!(
            super::data::read(&text, id, &cuts).is_some_and(|read| !read.blocks.is_empty())
                || name == "std.dates",
            "{name}: the fast path gave up"
        );
    }
}

/// The depth of each operand is the same whether it is counted while climbing an expression or
/// replayed before, as it is where the expression may pass the limit: every limit gives the same
/// tree or the same error.
#[test]
fn operand_depths_counted_while_climbing_are_the_replayed_ones() {
    let text = "policy \"p\"\nlet a = not x and - y * (z + not - w) == not not f(a - b, -9223372036854775808) or {c} union d.e is some\nlet b = - - -9223372036854775808 - 1 + if p then not q else r * -s\nlet c = a and (b == not c == not d == not e == not g)\n";
    for limit in 1..24 {
        let mut sources = SourceMap::new();
        let id = sources.add("p.pol", text);
        super::lower::set_always_replay(true);
        let replayed = parse_with_limit(&sources, id, limit);
        super::lower::set_always_replay(false);
        let counted = parse_with_limit(&sources, id, limit);
        assert_eq!(counted, replayed, "limit {limit}");
    }
}

/// A text that parses is lexed once, by the pre-scan, even where its comments, strings and names
/// speak of `data`: only a `data` declaration sends it to the reader of tables, which lexes it
/// again.
#[test]
fn a_text_without_tables_is_lexed_once() {
    let text = "policy \"p\" // data\nrecord T key k { k: Text, data: Text }\ndecide t: T\ndefault deny\nrule r: permit { when t.data == \"data\" }\n";
    let mut sources = SourceMap::new();
    let id = sources.add("p.pol", text);
    let before = super::grammar::n_lexers();
    crate::syntax::parse(&sources, id).unwrap();
    assert_eq!(super::grammar::n_lexers() - before, 1);
}

/// The facts of tests are read by hand too, each where it stands among `as of` and `expect`,
/// with the tree the grammar gives: the Japanese example's 17 tests, and the edge cases.
#[test]
fn test_facts_read_by_hand_are_the_grammars() {
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
    let japan = std::fs::read_to_string(root.join("examples/japan/three_principles.pol")).unwrap();
    let edges = "module \"m\"\r\n\
        record R key k { k: Text }\r\n\
        test \"first\" { as of 2024-01-01 R { k: \"a\", // a comment in a fact\r\n n: -3, s: {1, 2,}, x: Approval { nsc: false }, } R{k:\"b\"}R{k:\"c\"}\r\n\
          expect \"a\" permit by r R { k: \"d\" } expect #1 undecided missing R[\"a\"].n\n\
          R { k: \"e\\\"f\" } R { k: \"g\", v: 1.5 } R { k: \"h\", v: -2.5 } R { k: \"i\" } }\n\
        test \"empty\" {}\n\
        test \"second\" { R { k: \"j\" } }\n";
    // The facts read by hand: most of the example's, and those of the edge cases but the ones
    // with an escape or a decimal number, and the second of two facts with nothing between them
    // (blanked, the two would be one run of NUL bytes).
    for (name, text, n_read) in [("japan", japan.as_str(), None), ("edges", edges, Some(5))] {
        let mut sources = SourceMap::new();
        let id = sources.add(name, text.to_owned());
        let cuts = super::grammar::scan(text, id, DEFAULT_MAX_NESTING, super::grammar::Cuts::TopLevel)
            .unwrap()
            .cuts;
        let read = super::data::read(text, id, &cuts).unwrap();
        let n_facts = text.matches(" {").count();
        assert!(!read.facts.is_empty(), "{name}: no fact read by hand");
        if let Some(n_read) = n_read {
            assert_eq!(read.facts.len(), n_read, "{name}");
        }
        let by_hand = super::lower::parse_read_by_hand(&sources, id);
        let slow = super::lower::parse_by_grammar(&sources, id).unwrap();
        let fast = crate::syntax::parse(&sources, id).unwrap();
        assert_eq!(fast, slow, "{name}");
        assert_eq!(
            by_hand.as_ref(),
            Some(&slow),
            "{name}: the facts read by hand were not used"
        );
        if name == "japan" {
            assert!(
                read.facts.len() * 2 > n_facts,
                "{name}: {} facts read",
                read.facts.len()
            );
        }
    }
}

/// What the fast path does not read, the grammar reads or rejects as it always does.
#[test]
fn data_the_fast_path_leaves_to_the_grammar() {
    check(
        "module \"m\"\ndata { R { k: \"a\\\"b\", n: -9223372036854775808 } }\nrecord R key data { data: Text }\n",
        r#"
(data (row R (k "a\"b") (n -9223372036854775808)))
(record R key=data (data Text))
"#,
    );
    check_error(
        "module \"m\"\ndata { R { k: 2024-02-30 } }\n",
        Code::InvalidDate,
        "`2024-02-30` is not a calendar date",
        "2024-02-30",
        Some("February 2024 ends on `2024-02-29`"),
    );
}

/// A body of NUL bytes is what the fast path leaves for the grammar; written in a text, it is
/// an invalid character like any other NUL.
#[test]
fn a_data_body_of_nul_bytes_is_an_invalid_character() {
    check_error(
        "module \"m\"\ndata {\0\0}\n",
        Code::InvalidCharacter,
        "invalid character U+0000",
        "\0",
        Some("outside strings and comments, Pol text is ASCII"),
    );
}

// ---------------------------------------------------------------- the unchecked parser

/// Every `.pol` file under `dir`, recursively, in a fixed order.
fn pol_files(dir: &std::path::Path, files: &mut Vec<std::path::PathBuf>) {
    let mut entries: Vec<_> = std::fs::read_dir(dir)
        .unwrap()
        .map(|entry| entry.unwrap().path())
        .collect();
    entries.sort();
    for path in entries {
        if path.is_dir() {
            pol_files(&path, files);
        } else if path.extension().is_some_and(|ext| ext == "pol") {
            files.push(path);
        }
    }
}

/// Both parsers have the same rules in the same order, so lowering reads the pairs of either.
#[test]
fn the_unchecked_parser_has_the_definitive_rules() {
    use super::grammar::{Kind, Rule, UncheckedRule};
    assert_eq!(Rule::all_rules().len(), UncheckedRule::all_rules().len());
    assert_eq!(UncheckedRule::EOI.kind(), Rule::EOI);
    for (idx, (&rule, &unchecked)) in Rule::all_rules()
        .iter()
        .zip(UncheckedRule::all_rules())
        .enumerate()
    {
        assert_eq!(rule as usize, idx + 1);
        assert_eq!(unchecked as usize, idx + 1);
        assert_eq!(format!("{rule:?}"), format!("{unchecked:?}"));
        assert_eq!(unchecked.kind(), rule);
    }
}

/// A text that parses gives the tree of the definitive grammar, which the unchecked parser only
/// makes faster: every policy, module and test case of the repository (the fuzzers' seeds).
#[test]
fn the_unchecked_parser_gives_the_definitive_tree() {
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut files = Vec::new();
    for dir in ["examples", "stdlib", "tests/golden", "bench"] {
        pol_files(&root.join(dir), &mut files);
    }
    assert!(files.len() > 150, "too few policies found: {}", files.len());
    let mut n_parsed = 0;
    for path in files {
        let text = std::fs::read_to_string(&path).unwrap();
        let mut sources = SourceMap::new();
        let id = sources.add(path.display().to_string(), text);
        let fast = crate::syntax::parse(&sources, id);
        let definitive = super::lower::parse_by_grammar(&sources, id);
        match (fast, definitive) {
            (Ok(fast), Ok(definitive)) => {
                assert_eq!(fast, definitive, "{}", path.display());
                n_parsed += 1;
            }
            (Err(_), Err(_)) => {}
            (fast, definitive) => panic!(
                "{}: the parsers disagree: {:?} against {:?}",
                path.display(),
                fast.map(|_| "a tree"),
                definitive.map(|_| "a tree")
            ),
        }
    }
    assert!(n_parsed > 100, "too few policies parsed: {n_parsed}");
}

/// A valid text with every reserved word that may stand where a name may (an operand, a test's
/// `expect`, a fact's `unknown`, `by default`) is parsed once, by the unchecked parser alone.
#[test]
fn reserved_words_where_names_may_stand_are_parsed_once() {
    let text = r#"policy "p"
record R key k { k: Text, b: Bool?, s: Set<Text> }
decide r: R
default deny
let flag = true
fn pick(x: Bool) -> Bool = if x then false else true
rule a: permit {
  when any v in r.s: v == "x"
  when all v in r.s: v != "y"
  when r.b is none or r.b is some and not pick(true)
  unless r.b == none
}
test "t" {
  R { k: "1", b: unknown, s: {} }
  R { k: "2", b: true, s: { "x" } }
  expect "1" deny by default
  expect #2 permit by a
}
"#;
    let before = super::lower::n_checked_parses();
    let module = parse_ok(text);
    assert_eq!(
        super::lower::n_checked_parses(),
        before,
        "the definitive parser ran"
    );
    assert_eq!(module.items.len(), 7);
}

/// Comments wherever whitespace may stand (inside a rule's clauses and expressions, between the
/// words of `not in`, before a CR LF, at the very end) are made spaces for the unchecked parser,
/// which then parses the text alone, in one piece or in several, to the definitive tree, and
/// the module keeps every comment's text.
#[test]
fn comments_anywhere_are_parsed_once_by_the_unchecked_parser() {
    let text = "// head\npolicy \"p\" // after the header\r\nrecord R key k { // fields\n  k: Text, // the key\n  s: Set<Text>\n}\ndecide r: R\ndefault deny\nrule a: permit { // open\n  when r.k // not a comment: \"//\"\n    not // between the words\n    in r.s // and after\n  because \"a // b\" // a string holds no comment\n}\nrule b: deny {\n  when r.k == \"x\" and // mid-expression\n    r.k != \"y\"\n}\n// the end, with no line break";
    let mut sources = SourceMap::new();
    let id = sources.add("comments.pol", text.to_owned());
    let before = super::lower::n_checked_parses();
    let whole = parse_module_on(&sources, id, DEFAULT_MAX_NESTING, 1).unwrap();
    let pieces = parse_in_pieces(&sources, id, DEFAULT_MAX_NESTING, 2).expect("the text is cut into pieces");
    assert_eq!(
        super::lower::n_checked_parses(),
        before,
        "the definitive parser ran"
    );
    let definitive = super::lower::parse_by_grammar(&sources, id).unwrap();
    assert_eq!(whole, definitive);
    assert_eq!(pieces, definitive);
    let comments: Vec<&str> = whole
        .comments
        .iter()
        .map(|comment| comment.text.as_str())
        .collect();
    assert_eq!(
        comments,
        [
            " head",
            " after the header",
            " fields",
            " the key",
            " open",
            " not a comment: \"//\"",
            " between the words",
            " and after",
            " a string holds no comment",
            " mid-expression",
            " the end, with no line break"
        ]
    );
}

#[test]
fn word_bytes_are_ascii_letters_digits_and_underscore() {
    for byte in 0..=u8::MAX {
        let expected = byte.is_ascii_alphanumeric() || byte == b'_';
        assert_eq!(super::grammar::is_word_byte(byte), expected, "byte {byte:#04x}");
    }
}
