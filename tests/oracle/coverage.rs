//! The oracle's coverage count: which constructs of the language a generated case holds, so a
//! test can check that the generator produces every one of them rather than assume it.

use std::collections::BTreeMap;

use super::generate::Case;
use super::model::{ABSENT, COUNTRIES, Cell, Cmp, EDGES, Effect, Expr, Facts, Field, Param, TextFn};
use super::reference::Law;

/// How many times each construct appears, by name.
pub type Counts = BTreeMap<&'static str, usize>;

fn add(counts: &mut Counts, name: &'static str) {
    *counts.entry(name).or_default() += 1;
}

fn is_text(expr: &Expr) -> bool {
    matches!(
        expr,
        Expr::Text(_)
            | Expr::TextFn(TextFn::Lower | TextFn::Upper | TextFn::Trim | TextFn::Replace, _)
            | Expr::Const(7)
            | Expr::Field(_, Field::CountryName | Field::CountryCode | Field::ZoneCode)
    )
}

/// Whether an expression is a `Decimal`: a decimal literal, or arithmetic with one.
fn is_decimal(expr: &Expr) -> bool {
    match expr {
        Expr::Dec(_) => true,
        Expr::Add(left, right) | Expr::Sub(left, right) | Expr::Mul(left, right) => {
            is_decimal(left) || is_decimal(right)
        }
        Expr::Neg(inner) => is_decimal(inner),
        _ => false,
    }
}

fn is_date(expr: &Expr) -> bool {
    matches!(
        expr,
        Expr::Date(_)
            | Expr::Const(8)
            | Expr::AddDays(..)
            | Expr::Field(_, Field::TransferDate | Field::CountrySince)
    )
}

fn is_level(expr: &Expr) -> bool {
    matches!(
        expr,
        Expr::Variant(..) | Expr::Const(5) | Expr::Field(_, Field::CountryLevel)
    )
}

fn is_list(expr: &Expr) -> bool {
    matches!(
        expr,
        Expr::Const(10) | Expr::Field(_, Field::CountryTags) | Expr::TextFn(TextFn::Split, _)
    )
}

/// Counts the constructs of one expression and all it holds.
pub fn expr(expr: &Expr, counts: &mut Counts) {
    match expr {
        Expr::Bool(_) | Expr::Subject | Expr::Var(_) | Expr::Const(_) => {}
        Expr::Int(value) => {
            if EDGES[..6].contains(value) {
                add(counts, "integer literal at an edge of i64");
            }
        }
        Expr::Date(day) => {
            if day.year == 1 || day.year == 9999 {
                add(counts, "date literal at an end of the years");
            }
        }
        Expr::Text(_) => add(counts, "text literal"),
        Expr::Variant(_, false) => add(counts, "enum variant, bare"),
        Expr::Variant(_, true) => add(counts, "enum variant, qualified"),
        Expr::Key(key) if *key == ABSENT => add(counts, "key reference to a missing fact"),
        Expr::Key(_) => add(counts, "key reference to a fact"),
        Expr::ItemKey(key) if key.starts_with("i9") => add(counts, "key reference to a missing item"),
        Expr::ItemKey(_) => add(counts, "key reference to an item"),
        Expr::ZoneKey(name) if name.starts_with('Z') && name.len() == 2 => {
            add(counts, "key reference to a table row by its key");
        }
        Expr::ZoneKey(_) => add(counts, "key reference to a table row by an alias"),
        Expr::Field(base, field) => {
            match field {
                Field::ApprovalNsc | Field::ApprovalCabinet => add(counts, "field of a nested record"),
                Field::CountryTags => add(counts, "list field"),
                Field::ItemCategories => add(counts, "set of enum field"),
                Field::ZoneRank | Field::ZoneOpened | Field::ZoneCode => add(counts, "field of a table row"),
                _ => {}
            }
            self::expr(base, counts);
        }
        Expr::SetLit(elements) => {
            add(
                counts,
                if elements.is_empty() {
                    "empty set"
                } else {
                    "set literal"
                },
            );
            for element in elements {
                self::expr(element, counts);
            }
        }
        Expr::And(left, right) | Expr::Or(left, right) => {
            add(
                counts,
                if matches!(expr, Expr::And(..)) {
                    "and"
                } else {
                    "or"
                },
            );
            self::expr(left, counts);
            self::expr(right, counts);
        }
        Expr::Not(inner) => {
            add(counts, "not");
            self::expr(inner, counts);
        }
        Expr::Cmp(op, left, right) => {
            add(
                counts,
                match op {
                    Cmp::Eq => "==",
                    Cmp::Ne => "!=",
                    Cmp::Lt => "<",
                    Cmp::Le => "<=",
                    Cmp::Gt => ">",
                    Cmp::Ge => ">=",
                },
            );
            if is_text(left) || is_text(right) {
                add(counts, "text comparison");
            }
            if is_date(left) || is_date(right) {
                add(counts, "date comparison");
            }
            if is_level(left) || is_level(right) {
                add(counts, "enum comparison");
            }
            if is_decimal(left) != is_decimal(right) {
                add(counts, "decimal compared with an integer");
            }
            self::expr(left, counts);
            self::expr(right, counts);
        }
        Expr::In {
            element,
            set,
            negated,
        } => {
            add(counts, if *negated { "not in" } else { "in" });
            if is_list(set) {
                add(counts, "in a list");
            }
            if is_level(element) {
                add(counts, "enum membership");
            }
            self::expr(element, counts);
            self::expr(set, counts);
        }
        Expr::IsSome(inner) | Expr::IsNone(inner) => {
            add(
                counts,
                if matches!(expr, Expr::IsSome(_)) {
                    "is some"
                } else {
                    "is none"
                },
            );
            self::expr(inner, counts);
        }
        Expr::Quant { all, set, body, .. } => {
            add(counts, if *all { "all" } else { "any" });
            if is_list(set) {
                add(counts, "quantifier over a list");
            }
            if **set == Expr::Countries {
                add(counts, "quantifier over the facts of a type");
                if let Expr::And(first, _) = &**body
                    && !*all
                    && matches!(**first, Expr::Cmp(Cmp::Eq, ..))
                {
                    add(counts, "quantifier over facts, indexed by a field");
                }
            }
            self::expr(set, counts);
            self::expr(body, counts);
        }
        Expr::If(condition, then, otherwise) => {
            add(counts, "if then else");
            self::expr(condition, counts);
            self::expr(then, counts);
            self::expr(otherwise, counts);
        }
        Expr::Call(_, arg) => {
            add(counts, "call of a prelude function");
            self::expr(arg, counts);
        }
        Expr::Apply(_, args) => {
            add(counts, "call of a generated function");
            for arg in args {
                self::expr(arg, counts);
            }
        }
        Expr::Add(left, right) | Expr::Sub(left, right) | Expr::Mul(left, right) => {
            add(
                counts,
                match expr {
                    Expr::Add(..) => "+",
                    Expr::Sub(..) => "-",
                    _ => "*",
                },
            );
            if is_decimal(expr) {
                add(counts, "decimal arithmetic");
            }
            self::expr(left, counts);
            self::expr(right, counts);
        }
        Expr::Neg(inner) => {
            add(counts, "unary -");
            self::expr(inner, counts);
        }
        Expr::AddDays(date, days) => {
            add(counts, "add_days");
            self::expr(date, counts);
            self::expr(days, counts);
        }
        Expr::Dec(hundredths) => {
            add(counts, "decimal literal");
            if hundredths % 100 == 0 {
                add(counts, "whole decimal literal");
            }
        }
        Expr::TextFn(function, args) => {
            add(counts, function.name());
            args.iter().for_each(|arg| self::expr(arg, counts));
        }
        Expr::Size(inner) => {
            add(counts, "size");
            if is_list(inner) {
                add(counts, "size of a list");
            }
            self::expr(inner, counts);
        }
        Expr::Year(inner) => {
            add(counts, "year");
            self::expr(inner, counts);
        }
        Expr::DaysBetween(from, to) => {
            add(counts, "days_between");
            self::expr(from, counts);
            self::expr(to, counts);
        }
        Expr::SetOp(op, left, right) => {
            add(
                counts,
                match op {
                    super::model::SetOp::Union => "union",
                    super::model::SetOp::Intersect => "intersect",
                    super::model::SetOp::Without => "without",
                },
            );
            self::expr(left, counts);
            self::expr(right, counts);
        }
        Expr::Subset(left, right) => {
            add(counts, "subset");
            self::expr(left, counts);
            self::expr(right, counts);
        }
        Expr::Countries => add(counts, "the facts of a type"),
        Expr::CountryAt(key) => {
            match &**key {
                Expr::Text(code) if COUNTRIES.contains(code) => {
                    add(counts, "lookup by a computed key, found")
                }
                Expr::Text(_) => add(counts, "lookup by a computed key no fact has"),
                _ => add(counts, "lookup by a key computed from facts"),
            }
            self::expr(key, counts);
        }
    }
}

fn mentions_const(expr: &Expr) -> bool {
    let text = expr.to_string();
    (0..12).any(|idx| {
        text.match_indices(&format!("k{idx}"))
            .any(|(at, _)| !text[at + 2..].starts_with(|c: char| c.is_ascii_digit()))
    })
}

/// Counts the facts that exercise the schema's corners.
fn facts(facts: &Facts, counts: &mut Counts) {
    for country in &facts.countries {
        if let Cell::Known(tags) = &country.tags {
            let mut sorted = tags.clone();
            sorted.sort();
            sorted.dedup();
            if sorted.len() < tags.len() {
                add(counts, "facts: list with repeats");
            }
        }
    }
    for transfer in &facts.transfers {
        if let Cell::Known(quantity) = transfer.quantity
            && EDGES[..6].contains(&quantity)
        {
            add(counts, "facts: integer at an edge of i64");
        }
        if transfer.approval == Cell::Unknown {
            add(counts, "facts: unknown nested record");
        }
        if let Cell::Known(Some(review)) = &transfer.review
            && (review.nsc == Cell::Unknown || review.cabinet == Cell::Unknown)
        {
            add(counts, "facts: unknown field of a nested record");
        }
        if transfer.review == Cell::Known(None) {
            add(counts, "facts: optional nested record that is none");
        }
    }
    if facts
        .countries
        .iter()
        .any(|c| c.code == COUNTRIES[0] && c.in_combat == Cell::Unknown)
    {
        add(counts, "facts: unknown field");
    }
}

/// Counts the constructs of a whole case: its policy, its facts and its law.
pub fn case(case: &Case, counts: &mut Counts) {
    let policy = &case.policy;
    for constant in &policy.consts {
        add(counts, "let");
        if constant.annotated {
            add(counts, "let with its type");
        }
        if mentions_const(&constant.expr) {
            add(counts, "let using another let");
        }
        if constant.ty.starts_with("Set<") {
            add(counts, "let of a set");
        }
        if constant.ty.starts_with("List<") {
            add(counts, "let of a list");
        }
        expr(&constant.expr, counts);
    }
    for function in &policy.functions {
        add(counts, "function");
        if function.params.contains(&Param::Int) {
            add(counts, "function with an Int parameter");
        }
        expr(&function.body, counts);
    }
    for rule in &policy.rules {
        add(
            counts,
            if rule.effect == Effect::Permit {
                "permit rule"
            } else {
                "deny rule"
            },
        );
        if rule.conditions.is_empty() {
            add(counts, "rule without conditions");
        }
        for cond in &rule.conditions {
            add(counts, if cond.negated { "unless" } else { "when" });
            expr(&cond.expr, counts);
        }
        if !rule.obligations.is_empty() {
            add(counts, "oblige");
        }
        if rule.effective.is_some() {
            add(counts, "effective");
        }
        if rule.until.is_some() {
            add(counts, "until");
        }
        if !rule.exception_to.is_empty() {
            add(counts, "exception to");
        }
    }
    add(
        counts,
        if policy.default == Effect::Permit {
            "default permit"
        } else {
            "default deny"
        },
    );
    for facts in &case.facts {
        for transfer in &facts.transfers {
            if matches!(transfer.zone, Cell::Unknown) {
                add(counts, "unknown reference to a table row");
            }
        }
    }
    if let Law::AsOf(_) = case.law {
        add(counts, "as of");
    }
    for set in &case.facts {
        facts(set, counts);
    }
}
