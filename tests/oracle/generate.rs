//! Proptest strategies for the oracle: small random policies over the fixed schema whose
//! conditions always type-check, and random facts where any field may be known, none or unknown.

use std::collections::BTreeSet;

use proptest::collection::{btree_set, vec};
use proptest::option;
use proptest::prelude::*;
use proptest::sample::select;

use super::model::{
    ABSENT, COUNTRIES, Cell, Cmp, Cond, Country, Day, Effect, Expr, Facts, Field, Func, Function, Item,
    Param, Policy, Rule, SetOp, Transfer,
};
use super::reference::Law;

/// The dates generated: few, so that rule dates and transfer dates often meet at a boundary.
const DAYS: [(i32, u32, u32); 7] = [
    (2022, 12, 31),
    (2023, 1, 1),
    (2023, 6, 15),
    (2023, 12, 21),
    (2023, 12, 22),
    (2024, 2, 29),
    (2025, 1, 1),
];

fn day() -> impl Strategy<Value = Day> + Clone {
    select(DAYS.to_vec()).prop_map(|(year, month, day)| Day { year, month, day })
}

fn boxed(expr: Expr) -> Box<Expr> {
    Box::new(expr)
}

fn field(base: Expr, field: Field) -> Expr {
    Expr::Field(boxed(base), field)
}

fn subject_field(name: Field) -> Expr {
    field(Expr::Subject, name)
}

fn item_field(name: Field) -> Expr {
    field(subject_field(Field::TransferItem), name)
}

/// What an expression may use: how many quantified variables are in scope, which optional
/// country paths an enclosing `when … is some` has proved present, and the parameters of the
/// policy's generated functions, which it may call.
#[derive(Clone, Debug)]
struct Ctx {
    vars: usize,
    narrowed: Vec<Expr>,
    functions: Vec<Vec<Param>>,
}

/// The optional country paths.
fn optional_countries() -> Vec<Expr> {
    vec![
        subject_field(Field::TransferOnward),
        item_field(Field::ItemLicensedFrom),
    ]
}

/// A country that is never none.
fn country(ctx: &Ctx) -> BoxedStrategy<Expr> {
    let mut choices = vec![
        subject_field(Field::TransferDestination),
        Expr::Key(COUNTRIES[0]),
        Expr::Key(COUNTRIES[1]),
        Expr::Key(ABSENT),
    ];
    choices.extend((0..ctx.vars).map(Expr::Var));
    choices.extend(ctx.narrowed.iter().cloned());
    select(choices).boxed()
}

/// A country that is never none and is a name or field path, so `is some` can guard its optional fields.
fn country_path(ctx: &Ctx) -> BoxedStrategy<Expr> {
    let mut choices = vec![subject_field(Field::TransferDestination)];
    choices.extend((0..ctx.vars).map(Expr::Var));
    choices.extend(ctx.narrowed.iter().cloned());
    select(choices).boxed()
}

/// A set of countries.
fn country_set(ctx: &Ctx) -> BoxedStrategy<Expr> {
    let partners = item_field(Field::ItemPartners);
    // `{}` alone has no element type; it appears only on the right of `in` (see `about`).
    let literal = vec(country(ctx), 1..=2).prop_map(Expr::SetLit);
    let simple = prop_oneof![3 => Just(partners), 2 => literal].boxed();
    let op = select(vec![SetOp::Union, SetOp::Intersect, SetOp::Without]);
    prop_oneof![
        4 => simple.clone(),
        1 => (op, simple.clone(), simple).prop_map(|(op, a, b)| Expr::SetOp(op, boxed(a), boxed(b))),
    ]
    .boxed()
}

fn cmp() -> impl Strategy<Value = Cmp> + Clone {
    select(vec![Cmp::Eq, Cmp::Ne, Cmp::Lt, Cmp::Le, Cmp::Gt, Cmp::Ge])
}

/// An integer expression over a country.
fn int(ctx: &Ctx) -> BoxedStrategy<Expr> {
    let score = country(ctx).prop_map(|c| field(c, Field::CountryScore));
    prop_oneof![
        3 => score.clone(),
        1 => (score.clone(), score).prop_map(|(a, b)| Expr::Add(boxed(a), boxed(b))),
        1 => country_set(ctx).prop_map(|s| Expr::Size(boxed(s))),
        1 => Just(Expr::Year(boxed(subject_field(Field::TransferDate)))),
    ]
    .boxed()
}

/// A condition about one country that is never none, `c`; `path` is such a country that is a
/// path (the checker narrows only names and field paths).
fn about(c: BoxedStrategy<Expr>, path: BoxedStrategy<Expr>, ctx: &Ctx) -> BoxedStrategy<Expr> {
    let since = c.clone().prop_map(|c| field(c, Field::CountrySince));
    let path_since = path.prop_map(|c| field(c, Field::CountrySince));
    let guarded_since = (
        path_since.clone(),
        cmp(),
        prop_oneof![
            day().prop_map(Expr::Date),
            Just(subject_field(Field::TransferDate))
        ],
    )
        .prop_map(|(since, op, other)| {
            Expr::And(
                boxed(Expr::IsSome(boxed(since.clone()))),
                boxed(Expr::Cmp(op, boxed(since), boxed(other))),
            )
        });
    let days_since = (path_since, -400i64..400).prop_map(|(since, k)| {
        Expr::And(
            boxed(Expr::IsSome(boxed(since.clone()))),
            boxed(Expr::Cmp(
                Cmp::Gt,
                boxed(Expr::DaysBetween(
                    boxed(since),
                    boxed(subject_field(Field::TransferDate)),
                )),
                boxed(Expr::Int(k)),
            )),
        )
    });
    let func = select(vec![Func::Hot, Func::Ignores]);
    prop_oneof![
        2 => c.clone().prop_map(|c| field(c, Field::CountryInCombat)),
        2 => c.clone().prop_map(|c| field(c, Field::CountryPartner)),
        2 => (c.clone(), cmp(), -3i64..=3).prop_map(|(c, op, k)| Expr::Cmp(op, boxed(field(c, Field::CountryScore)), boxed(Expr::Int(k)))),
        1 => since.clone().prop_map(|s| Expr::IsSome(boxed(s))),
        1 => since.prop_map(|s| Expr::IsNone(boxed(s))),
        1 => guarded_since,
        1 => days_since,
        2 => (c.clone(), country(ctx), any::<bool>()).prop_map(|(a, b, eq)| Expr::Cmp(if eq { Cmp::Eq } else { Cmp::Ne }, boxed(a), boxed(b))),
        2 => (c.clone(), country_set(ctx), any::<bool>()).prop_map(|(c, s, negated)| Expr::In { element: boxed(c), set: boxed(s), negated }),
        1 => (c.clone(), any::<bool>()).prop_map(|(c, negated)| Expr::In { element: boxed(c), set: boxed(Expr::SetLit(Vec::new())), negated }),
        1 => (func, c).prop_map(|(f, c)| Expr::Call(f, boxed(c))),
    ]
    .boxed()
}

/// A condition about an optional country: tests for none, comparisons, and guarded reads.
fn about_optional(ctx: &Ctx) -> BoxedStrategy<Expr> {
    let o = select(optional_countries()).boxed();
    let guarded = o.clone().prop_flat_map({
        let ctx = ctx.clone();
        move |o| {
            let inner = about(Just(o.clone()).boxed(), Just(o.clone()).boxed(), &ctx);
            (Just(o), inner, 0..3usize, any::<bool>())
        }
    });
    prop_oneof![
        1 => o.clone().prop_map(|o| Expr::IsSome(boxed(o))),
        1 => o.clone().prop_map(|o| Expr::IsNone(boxed(o))),
        1 => (o.clone(), country(ctx), any::<bool>()).prop_map(|(o, c, eq)| Expr::Cmp(if eq { Cmp::Eq } else { Cmp::Ne }, boxed(o), boxed(c))),
        1 => (o.clone(), select(optional_countries())).prop_map(|(a, b)| Expr::Cmp(Cmp::Eq, boxed(a), boxed(b))),
        1 => (o, country_set(ctx), any::<bool>()).prop_map(|(o, s, negated)| Expr::In { element: boxed(o), set: boxed(s), negated }),
        4 => guarded.prop_map(|(o, inner, shape, otherwise)| match shape {
            0 => Expr::And(boxed(Expr::IsSome(boxed(o))), boxed(inner)),
            1 => Expr::Or(boxed(Expr::IsNone(boxed(o))), boxed(inner)),
            _ => Expr::If(boxed(Expr::IsSome(boxed(o))), boxed(inner), boxed(Expr::Bool(otherwise))),
        }),
    ]
    .boxed()
}

/// A condition that reads no other condition.
fn atom(ctx: &Ctx) -> BoxedStrategy<Expr> {
    let date = subject_field(Field::TransferDate);
    let atom = prop_oneof![
        6 => about(country(ctx), country_path(ctx), ctx),
        4 => about_optional(ctx),
        1 => Just(item_field(Field::ItemLethal)),
        1 => Just(Expr::Call(Func::LicensedPartner, boxed(subject_field(Field::TransferItem)))),
        1 => (cmp(), day()).prop_map(move |(op, day)| Expr::Cmp(op, boxed(date.clone()), boxed(Expr::Date(day)))),
        1 => (int(ctx), cmp(), -3i64..=3).prop_map(|(a, op, k)| Expr::Cmp(op, boxed(a), boxed(Expr::Int(k)))),
        1 => (country_set(ctx), country_set(ctx), any::<bool>()).prop_map(|(a, b, subset)| {
            if subset { Expr::Subset(boxed(a), boxed(b)) } else { Expr::Cmp(Cmp::Eq, boxed(a), boxed(b)) }
        }),
    ];
    if ctx.functions.is_empty() {
        return atom.boxed();
    }
    prop_oneof![3 => atom, 1 => apply(ctx)].boxed()
}

/// A boolean argument: a fact, which may be unknown (or belong to a country the facts lack).
fn bool_arg(ctx: &Ctx) -> BoxedStrategy<Expr> {
    prop_oneof![
        2 => country(ctx).prop_map(|c| field(c, Field::CountryInCombat)),
        2 => country(ctx).prop_map(|c| field(c, Field::CountryPartner)),
        1 => Just(item_field(Field::ItemLethal)),
        1 => any::<bool>().prop_map(Expr::Bool),
    ]
    .boxed()
}

/// A call of one of the policy's generated functions on arguments that may be unknown.
fn apply(ctx: &Ctx) -> BoxedStrategy<Expr> {
    let calls: Vec<BoxedStrategy<Expr>> = ctx
        .functions
        .iter()
        .enumerate()
        .map(|(idx, params)| {
            let args: Vec<BoxedStrategy<Expr>> = params
                .iter()
                .map(|param| match param {
                    Param::Bool => bool_arg(ctx),
                    Param::Country => country(ctx),
                })
                .collect();
            args.prop_map(move |args| Expr::Apply(idx, args)).boxed()
        })
        .collect();
    proptest::strategy::Union::new(calls).boxed()
}

/// The parameters of a function as expressions: its booleans, and its countries together with
/// a country the facts hold and one they lack.
fn function_operands(params: &[Param]) -> (Vec<Expr>, Vec<Expr>) {
    let bools: Vec<Expr> = (0..params.len())
        .filter(|idx| params[*idx] == Param::Bool)
        .map(Expr::Var)
        .collect();
    let mut countries: Vec<Expr> = (0..params.len())
        .filter(|idx| params[*idx] == Param::Country)
        .map(Expr::Var)
        .collect();
    countries.extend([Expr::Key(COUNTRIES[0]), Expr::Key(ABSENT)]);
    (bools, countries)
}

/// A comparison over a function's parameters: a derivation shows its operands when a condition
/// calls the function.
fn function_test(params: &[Param]) -> BoxedStrategy<Expr> {
    let (bools, countries) = function_operands(params);
    let country = select(countries);
    let mut tests: Vec<(u32, BoxedStrategy<Expr>)> = vec![
        (
            2,
            (country.clone(), cmp(), -3i64..=3)
                .prop_map(|(c, op, k)| {
                    Expr::Cmp(op, boxed(field(c, Field::CountryScore)), boxed(Expr::Int(k)))
                })
                .boxed(),
        ),
        (
            2,
            (country.clone(), country, any::<bool>())
                .prop_map(|(a, b, eq)| Expr::Cmp(if eq { Cmp::Eq } else { Cmp::Ne }, boxed(a), boxed(b)))
                .boxed(),
        ),
    ];
    if !bools.is_empty() {
        let mut others = bools.clone();
        others.extend([Expr::Bool(true), Expr::Bool(false)]);
        tests.push((
            2,
            (select(bools), select(others), any::<bool>())
                .prop_map(|(a, b, eq)| Expr::Cmp(if eq { Cmp::Eq } else { Cmp::Ne }, boxed(a), boxed(b)))
                .boxed(),
        ));
    }
    proptest::strategy::Union::new_weighted(tests).boxed()
}

/// A generated function's body of nesting depth at most `depth`: it reads the parameters
/// `params` (as `Var(i)`), and may ignore any of them.
fn function_body(params: &[Param], depth: u32) -> BoxedStrategy<Expr> {
    let (bools, countries) = function_operands(params);
    let country = select(countries);
    let mut leaves: Vec<(u32, BoxedStrategy<Expr>)> = vec![
        (
            2,
            country
                .clone()
                .prop_map(|c| field(c, Field::CountryInCombat))
                .boxed(),
        ),
        (1, country.prop_map(|c| field(c, Field::CountryPartner)).boxed()),
        (2, function_test(params)),
        (1, any::<bool>().prop_map(Expr::Bool).boxed()),
    ];
    if !bools.is_empty() {
        leaves.push((5, select(bools).boxed()));
    }
    let leaf = proptest::strategy::Union::new_weighted(leaves).boxed();
    if depth == 0 {
        return leaf;
    }
    let sub = function_body(params, depth - 1);
    prop_oneof![
        2 => leaf,
        2 => (sub.clone(), sub.clone()).prop_map(|(a, b)| Expr::And(boxed(a), boxed(b))),
        2 => (sub.clone(), sub.clone()).prop_map(|(a, b)| Expr::Or(boxed(a), boxed(b))),
        1 => sub.clone().prop_map(|a| Expr::Not(boxed(a))),
        1 => (sub.clone(), sub.clone(), sub).prop_map(|(c, a, b)| Expr::If(boxed(c), boxed(a), boxed(b))),
    ]
    .boxed()
}

/// A function of one to three parameters, each `Bool` or `Country`.
fn function() -> impl Strategy<Value = Function> {
    vec(
        prop_oneof![2 => Just(Param::Bool), 1 => Just(Param::Country)],
        1..=3,
    )
    .prop_flat_map(|params| {
        // Often a single comparison, whose operands a derivation shows through the call.
        prop_oneof![1 => function_test(&params), 2 => function_body(&params, 2)].prop_map(move |body| {
            Function {
                params: params.clone(),
                body,
            }
        })
    })
}

/// A condition of nesting depth at most `depth`.
fn condition(ctx: &Ctx, depth: u32) -> BoxedStrategy<Expr> {
    let leaf = atom(ctx);
    if depth == 0 {
        return leaf;
    }
    let sub = condition(ctx, depth - 1);
    let mut choices: Vec<(u32, BoxedStrategy<Expr>)> = vec![
        (4, leaf),
        (
            2,
            (sub.clone(), sub.clone())
                .prop_map(|(a, b)| Expr::And(boxed(a), boxed(b)))
                .boxed(),
        ),
        (
            2,
            (sub.clone(), sub.clone())
                .prop_map(|(a, b)| Expr::Or(boxed(a), boxed(b)))
                .boxed(),
        ),
        (1, sub.clone().prop_map(|a| Expr::Not(boxed(a))).boxed()),
        (
            1,
            (sub.clone(), sub.clone(), sub)
                .prop_map(|(c, a, b)| Expr::If(boxed(c), boxed(a), boxed(b)))
                .boxed(),
        ),
    ];
    if ctx.vars < 2 {
        let inner = Ctx {
            vars: ctx.vars + 1,
            narrowed: ctx.narrowed.clone(),
            functions: ctx.functions.clone(),
        };
        let var = ctx.vars;
        let quantified = (any::<bool>(), country_set(ctx), condition(&inner, depth - 1))
            .prop_map(move |(all, set, body)| Expr::Quant {
                all,
                var,
                set: boxed(set),
                body: boxed(body),
            })
            .boxed();
        choices.push((2, quantified));
    }
    proptest::strategy::Union::new_weighted(choices).boxed()
}

/// A rule's condition parts: sometimes a first `when o is some` whose path later parts use freely.
fn conditions(functions: &[Vec<Param>]) -> BoxedStrategy<Vec<Cond>> {
    let plain = Ctx {
        vars: 0,
        narrowed: Vec::new(),
        functions: functions.to_vec(),
    };
    let part = |ctx: &Ctx| {
        (condition(ctx, 2), prop::bool::weighted(0.25)).prop_map(|(expr, negated)| Cond { expr, negated })
    };
    let mut choices: Vec<(u32, BoxedStrategy<Vec<Cond>>)> = vec![(4, vec(part(&plain), 0..=3).boxed())];
    for o in optional_countries() {
        let ctx = Ctx {
            vars: 0,
            narrowed: vec![o.clone()],
            functions: functions.to_vec(),
        };
        let guard = Cond {
            expr: Expr::IsSome(boxed(o)),
            negated: false,
        };
        choices.push((
            1,
            vec(part(&ctx), 1..=2)
                .prop_map(move |rest| std::iter::once(guard.clone()).chain(rest).collect())
                .boxed(),
        ));
    }
    proptest::strategy::Union::new_weighted(choices).boxed()
}

fn effect() -> impl Strategy<Value = Effect> + Clone {
    prop_oneof![Just(Effect::Permit), Just(Effect::Deny)]
}

fn rule(functions: &[Vec<Param>]) -> BoxedStrategy<Rule> {
    (
        effect(),
        conditions(functions),
        vec(0..3usize, 0..=2),
        option::weighted(0.3, day()),
        option::weighted(0.3, day()),
        vec(0..8usize, 0..=2),
    )
        .prop_map(
            |(effect, conditions, obligations, effective, until, exception_to)| Rule {
                effect,
                conditions,
                obligations,
                effective,
                until,
                exception_to,
            },
        )
        .boxed()
}

/// A policy of up to two functions and 1 to 8 rules; exceptions point only to earlier rules, so
/// they have no cycle.
pub fn policy() -> impl Strategy<Value = Policy> {
    vec(function(), 0..=2)
        .prop_flat_map(|functions| {
            let signatures: Vec<Vec<Param>> =
                functions.iter().map(|function| function.params.clone()).collect();
            (Just(functions), vec(rule(&signatures), 1..=8), effect())
        })
        .prop_map(|(functions, mut rules, default)| {
            for (idx, rule) in rules.iter_mut().enumerate() {
                let mut targets: Vec<usize> =
                    rule.exception_to.iter().copied().filter(|&t| t < idx).collect();
                targets.sort_unstable();
                targets.dedup();
                rule.exception_to = targets;
                if rule.effect == Effect::Deny {
                    rule.obligations.clear();
                }
                rule.obligations.sort_unstable();
                rule.obligations.dedup();
                if let (Some(from), Some(to)) = (rule.effective, rule.until) {
                    if from == to {
                        rule.until = None;
                    } else if from > to {
                        rule.effective = Some(to);
                        rule.until = Some(from);
                    }
                }
            }
            Policy {
                functions,
                rules,
                default,
            }
        })
}

fn cell<T: std::fmt::Debug + Clone>(value: impl Strategy<Value = T>) -> impl Strategy<Value = Cell<T>> {
    prop_oneof![3 => value.prop_map(Cell::Known), 1 => Just(Cell::Unknown)]
}

fn country_key() -> impl Strategy<Value = String> + Clone {
    select(COUNTRIES.to_vec()).prop_map(str::to_string)
}

fn country_fact(code: &'static str) -> impl Strategy<Value = Country> {
    (
        cell(any::<bool>()),
        cell(any::<bool>()),
        cell(-3i64..=3),
        cell(option::of(day())),
    )
        .prop_map(move |(in_combat, partner, score, since)| Country {
            code: code.to_string(),
            in_combat,
            partner,
            score,
            since,
        })
}

fn item_fact() -> impl Strategy<Value = Item> {
    (
        cell(any::<bool>()),
        cell(option::of(country_key())),
        cell(btree_set(country_key(), 0..=3)),
    )
        .prop_map(|(lethal, licensed_from, partners)| Item {
            id: String::new(),
            lethal,
            licensed_from,
            partners,
        })
}

fn transfer_fact() -> impl Strategy<Value = Transfer> {
    (
        cell(0..3usize),
        cell(country_key()),
        cell(option::of(country_key())),
        cell(day()),
    )
        .prop_map(|(item, destination, onward, date)| Transfer {
            id: String::new(),
            item: match item {
                Cell::Known(idx) => Cell::Known(idx.to_string()),
                Cell::Unknown => Cell::Unknown,
            },
            destination,
            onward,
            date,
        })
}

/// Facts: the four countries, one to three items, one to six transfers referring to them.
pub fn facts() -> impl Strategy<Value = Facts> {
    (
        (
            country_fact(COUNTRIES[0]),
            country_fact(COUNTRIES[1]),
            country_fact(COUNTRIES[2]),
            country_fact(COUNTRIES[3]),
        ),
        vec(item_fact(), 1..=3),
        vec(transfer_fact(), 1..=6),
    )
        .prop_map(|((a, b, c, d), mut items, mut transfers)| {
            for (idx, item) in items.iter_mut().enumerate() {
                item.id = format!("i{idx}");
            }
            let n_items = items.len();
            for (idx, transfer) in transfers.iter_mut().enumerate() {
                transfer.id = format!("t{idx}");
                if let Cell::Known(item) = &transfer.item {
                    let idx: usize = item.parse().expect("an index");
                    transfer.item = Cell::Known(format!("i{}", idx % n_items));
                }
            }
            Facts {
                countries: vec![a, b, c, d],
                items,
                transfers,
            }
        })
}

/// Which date's law decides: usually each transfer's own date, sometimes one `--as-of` date.
pub fn law() -> impl Strategy<Value = Law> {
    prop_oneof![3 => Just(Law::SubjectDate), 1 => day().prop_map(Law::AsOf)]
}

/// One case: a policy, several sets of facts to decide under it (parsing the policy costs far
/// more than deciding), the law's date, and how the facts are spelled.
#[derive(Clone, Debug)]
pub struct Case {
    pub policy: Policy,
    pub facts: Vec<Facts>,
    pub law: Law,
    pub spelling: u64,
}

/// A whole case.
pub fn case() -> impl Strategy<Value = Case> {
    (policy(), vec(facts(), 1..=3), law(), any::<u64>()).prop_map(|(policy, facts, law, spelling)| Case {
        policy,
        facts,
        law,
        spelling,
    })
}

/// The facts that are unknown, by record, index and field, including every field of the country
/// the policy may name by key but the facts lack.
#[derive(Copy, Clone, Debug, PartialEq, Eq)]
pub enum Slot {
    Country(usize, Field),
    Item(usize, Field),
    Transfer(usize, Field),
    /// The country `ABSENT`: filling it in adds it to the facts.
    Absent,
}

/// Every unknown fact in `facts`.
pub fn unknown_slots(facts: &Facts) -> Vec<Slot> {
    let mut slots = Vec::new();
    for (idx, c) in facts.countries.iter().enumerate() {
        let cells = [
            (c.in_combat == Cell::Unknown, Field::CountryInCombat),
            (c.partner == Cell::Unknown, Field::CountryPartner),
            (c.score == Cell::Unknown, Field::CountryScore),
            (c.since == Cell::Unknown, Field::CountrySince),
        ];
        slots.extend(
            cells
                .iter()
                .filter(|(unknown, _)| *unknown)
                .map(|(_, f)| Slot::Country(idx, *f)),
        );
    }
    for (idx, i) in facts.items.iter().enumerate() {
        let cells = [
            (i.lethal == Cell::Unknown, Field::ItemLethal),
            (i.licensed_from == Cell::Unknown, Field::ItemLicensedFrom),
            (i.partners == Cell::Unknown, Field::ItemPartners),
        ];
        slots.extend(
            cells
                .iter()
                .filter(|(unknown, _)| *unknown)
                .map(|(_, f)| Slot::Item(idx, *f)),
        );
    }
    for (idx, t) in facts.transfers.iter().enumerate() {
        let cells = [
            (t.item == Cell::Unknown, Field::TransferItem),
            (t.destination == Cell::Unknown, Field::TransferDestination),
            (t.onward == Cell::Unknown, Field::TransferOnward),
            (t.date == Cell::Unknown, Field::TransferDate),
        ];
        slots.extend(
            cells
                .iter()
                .filter(|(unknown, _)| *unknown)
                .map(|(_, f)| Slot::Transfer(idx, *f)),
        );
    }
    if facts.countries.iter().all(|c| c.code != ABSENT) {
        slots.push(Slot::Absent);
    }
    slots
}

/// Fills one unknown fact with a known value that `mix` chooses.
pub fn fill(facts: &mut Facts, slot: Slot, mix: &mut super::model::Mix) {
    let boolean = |mix: &mut super::model::Mix| mix.below(2) == 0;
    let day = |mix: &mut super::model::Mix| {
        let (year, month, day) = DAYS[mix.below(DAYS.len())];
        Day { year, month, day }
    };
    let key = |mix: &mut super::model::Mix| COUNTRIES[mix.below(COUNTRIES.len())].to_string();
    let n_items = facts.items.len();
    match slot {
        Slot::Country(idx, f) => {
            let c = &mut facts.countries[idx];
            match f {
                Field::CountryInCombat => c.in_combat = Cell::Known(boolean(mix)),
                Field::CountryPartner => c.partner = Cell::Known(boolean(mix)),
                Field::CountryScore => c.score = Cell::Known(mix.below(7) as i64 - 3),
                _ => c.since = Cell::Known(boolean(mix).then(|| day(mix))),
            }
        }
        Slot::Item(idx, f) => {
            let i = &mut facts.items[idx];
            match f {
                Field::ItemLethal => i.lethal = Cell::Known(boolean(mix)),
                Field::ItemLicensedFrom => i.licensed_from = Cell::Known(boolean(mix).then(|| key(mix))),
                _ => {
                    let keys: BTreeSet<String> = (0..mix.below(4)).map(|_| key(mix)).collect();
                    i.partners = Cell::Known(keys);
                }
            }
        }
        Slot::Transfer(idx, f) => {
            let t = &mut facts.transfers[idx];
            match f {
                Field::TransferItem => t.item = Cell::Known(format!("i{}", mix.below(n_items))),
                Field::TransferDestination => t.destination = Cell::Known(key(mix)),
                Field::TransferOnward => t.onward = Cell::Known(boolean(mix).then(|| key(mix))),
                _ => t.date = Cell::Known(day(mix)),
            }
        }
        Slot::Absent => {
            let mut optional_day = || boolean(mix).then(|| day(mix));
            let since = optional_day();
            facts.countries.push(Country {
                code: ABSENT.to_string(),
                in_combat: Cell::Known(boolean(mix)),
                partner: Cell::Known(boolean(mix)),
                score: Cell::Known(mix.below(7) as i64 - 3),
                since: Cell::Known(since),
            });
        }
    }
}
