//! Proptest strategies for the oracle: small random policies over the fixed schema whose
//! conditions always type-check, and random facts where any field may be known, none or unknown.

use std::collections::BTreeSet;

use proptest::collection::{btree_set, vec};
use proptest::option;
use proptest::prelude::*;
use proptest::sample::select;

use super::model::{
    ABSENT, Approval, COUNTRIES, Cell, Cmp, Cond, Const, Country, Day, EDGES, Effect, Expr, Facts, Field,
    Func, Function, Item, LEVELS, Param, Policy, Rule, SetOp, TEXTS, TextFn, Transfer, ZONES, zone_names,
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

/// The dates at the ends of the years a date may have, where `add_days` leaves the range.
const EDGE_DAYS: [(i32, u32, u32); 4] = [(1, 1, 1), (1, 1, 2), (9999, 12, 30), (9999, 12, 31)];

/// A date literal: usually one of `DAYS`, sometimes at the edge of the years a date may have.
fn any_day() -> impl Strategy<Value = Day> + Clone {
    prop_oneof![
        3 => day(),
        1 => select(EDGE_DAYS.to_vec()).prop_map(|(year, month, day)| Day { year, month, day }),
    ]
}

/// Day counts for `add_days` that reach the ends of the date range from the dates generated, and
/// counts beyond any date (and beyond 32 bits).
const FAR_DAYS: [i64; 8] = [
    2_913_600,
    2_914_000,
    -738_500,
    -739_000,
    3_652_058,
    -3_652_058,
    2_147_483_648,
    -2_147_483_649,
];

/// The constants every policy defines, `k0` to `k11`, by type; each may use the ones before it.
pub const CONST_TYPES: [&str; 12] = [
    "Int",
    "Int",
    "Set<Country>",
    "Set<Country>",
    "Set<Level>",
    "Level",
    "Country",
    "Text",
    "Date",
    "Bool",
    "List<Text>",
    "Set<Text>",
];

/// A country key, held by the facts or not.
fn key_ref() -> impl Strategy<Value = Expr> + Clone {
    select(vec![COUNTRIES[0], COUNTRIES[1], COUNTRIES[2], ABSENT]).prop_map(Expr::Key)
}

fn variant() -> impl Strategy<Value = Expr> + Clone {
    (select(LEVELS.to_vec()), any::<bool>()).prop_map(|(name, qualified)| Expr::Variant(name, qualified))
}

fn text_literal() -> impl Strategy<Value = Expr> + Clone {
    select(TEXTS.to_vec()).prop_map(Expr::Text)
}

/// The expression of constant `idx`, of type `CONST_TYPES[idx]`.
fn const_expr(idx: usize, failing: bool) -> BoxedStrategy<Expr> {
    let k = |idx: usize| Expr::Const(idx);
    match idx {
        // `k0 * 2^62` overflows when `k0` is 2, 3 or -3, and `k8 = add_days(…, k1)` then leaves
        // the years a date may have: a constant that fails fails the whole run.
        1 if failing => prop_oneof![
            3 => const_expr(1, false),
            1 => Just(Expr::Mul(boxed(k(0)), boxed(Expr::Int(1 << 62)))),
        ]
        .boxed(),
        0 => prop_oneof![
            2 => (-3i64..=3).prop_map(Expr::Int),
            1 => key_ref().prop_map(|c| field(c, Field::CountryScore)),
        ]
        .boxed(),
        1 => prop_oneof![
            (-3i64..=3).prop_map(move |n| Expr::Mul(boxed(k(0)), boxed(Expr::Int(n)))),
            (-3i64..=3).prop_map(move |n| Expr::Sub(boxed(k(0)), boxed(Expr::Int(n)))),
            Just(Expr::Neg(boxed(k(0)))),
        ]
        .boxed(),
        2 => vec(key_ref(), 1..=3).prop_map(Expr::SetLit).boxed(),
        3 => prop_oneof![
            (
                select(vec![SetOp::Union, SetOp::Intersect, SetOp::Without]),
                vec(key_ref(), 1..=2)
            )
                .prop_map(move |(op, keys)| Expr::SetOp(
                    op,
                    boxed(k(2)),
                    boxed(Expr::SetLit(keys))
                )),
            Just(Expr::SetOp(
                SetOp::Union,
                boxed(k(2)),
                boxed(field(Expr::ItemKey("i0"), Field::ItemPartners))
            )),
        ]
        .boxed(),
        4 => vec(variant(), 1..=3).prop_map(Expr::SetLit).boxed(),
        5 => prop_oneof![variant(), key_ref().prop_map(|c| field(c, Field::CountryLevel))].boxed(),
        6 => key_ref().boxed(),
        7 => prop_oneof![
            2 => text_literal(),
            1 => key_ref().prop_map(|c| field(c, Field::CountryName)),
        ]
        .boxed(),
        8 => prop_oneof![
            day().prop_map(Expr::Date),
            day().prop_map(move |d| Expr::AddDays(boxed(Expr::Date(d)), boxed(k(1)))),
        ]
        .boxed(),
        9 => prop_oneof![
            Just(field(k(6), Field::CountryInCombat)),
            Just(Expr::In {
                element: boxed(k(5)),
                set: boxed(k(4)),
                negated: false
            }),
            (-3i64..=3).prop_map(move |n| Expr::Cmp(Cmp::Gt, boxed(k(1)), boxed(Expr::Int(n)))),
        ]
        .boxed(),
        10 => prop_oneof![
            Just(field(k(6), Field::CountryTags)),
            key_ref().prop_map(|c| field(c, Field::CountryTags))
        ]
        .boxed(),
        _ => prop_oneof![
            Just(Expr::SetLit(vec![k(7)])),
            (text_literal(), Just(k(7))).prop_map(|(a, b)| Expr::SetLit(vec![a, b])),
        ]
        .boxed(),
    }
}

/// The policy's constants: every one of `CONST_TYPES`, its type written or left out; when
/// `failing`, some of them may fail.
fn consts(failing: bool) -> BoxedStrategy<Vec<Const>> {
    let each: Vec<BoxedStrategy<Const>> = CONST_TYPES
        .iter()
        .enumerate()
        .map(|(idx, ty)| {
            (const_expr(idx, failing), any::<bool>())
                .prop_map(move |(expr, annotated)| Const { ty, annotated, expr })
                .boxed()
        })
        .collect();
    each.boxed()
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
        Expr::Const(6),
        lookup(Expr::Text(COUNTRIES[2])),
        lookup(Expr::Text(ABSENT)),
        lookup(Expr::Text("alpha")),
        lookup(field(
            subject_field(Field::TransferDestination),
            Field::CountryName,
        )),
    ];
    choices.extend((0..ctx.vars).map(Expr::Var));
    choices.extend(ctx.narrowed.iter().cloned());
    select(choices).boxed()
}

/// `Country[(key)]`: a lookup by a computed key, which facts may or may not have.
fn lookup(key: Expr) -> Expr {
    Expr::CountryAt(boxed(key))
}

/// A quantifier over every `Country` fact whose body starts with an equality on a field of the
/// variable, which the engine answers through an index of the facts by that field.
fn indexed_quantifier(ctx: &Ctx, depth: u32) -> BoxedStrategy<Expr> {
    let inner = Ctx {
        vars: ctx.vars + 1,
        narrowed: ctx.narrowed.clone(),
        functions: ctx.functions.clone(),
    };
    let var = ctx.vars;
    let own = move |name: Field| field(Expr::Var(var), name);
    let first = prop_oneof![
        text(ctx).prop_map(move |value| Expr::Cmp(Cmp::Eq, boxed(own(Field::CountryCode)), boxed(value))),
        int(ctx).prop_map(move |value| Expr::Cmp(Cmp::Eq, boxed(value), boxed(own(Field::CountryScore)))),
        level(ctx).prop_map(move |value| Expr::Cmp(Cmp::Eq, boxed(own(Field::CountryLevel)), boxed(value))),
        text(ctx).prop_map(move |value| Expr::Cmp(Cmp::Eq, boxed(own(Field::CountryName)), boxed(value))),
    ];
    (any::<bool>(), first, condition(&inner, depth.saturating_sub(1)))
        .prop_map(move |(all, first, rest)| Expr::Quant {
            all,
            var,
            set: boxed(Expr::Countries),
            body: boxed(Expr::And(boxed(first), boxed(rest))),
        })
        .boxed()
}

/// A country that is never none and is a name or field path, so `is some` can guard its optional fields.
fn country_path(ctx: &Ctx) -> BoxedStrategy<Expr> {
    // A constant is a name, which a guard follows as it follows a variable.
    let mut choices = vec![subject_field(Field::TransferDestination), Expr::Const(6)];
    choices.extend((0..ctx.vars).map(Expr::Var));
    choices.extend(ctx.narrowed.iter().cloned());
    select(choices).boxed()
}

/// A set of countries.
fn country_set(ctx: &Ctx) -> BoxedStrategy<Expr> {
    let partners = item_field(Field::ItemPartners);
    // `{}` alone has no element type; it appears only on the right of `in` (see `about`).
    let literal = vec(country(ctx), 1..=2).prop_map(Expr::SetLit);
    let simple = prop_oneof![
        3 => Just(partners),
        2 => literal,
        1 => select(vec![Expr::Const(2), Expr::Const(3), Expr::Countries]),
    ]
    .boxed();
    let op = select(vec![SetOp::Union, SetOp::Intersect, SetOp::Without]);
    prop_oneof![
        4 => simple.clone(),
        1 => (op, simple.clone(), simple).prop_map(|(op, a, b)| Expr::SetOp(op, boxed(a), boxed(b))),
    ]
    .boxed()
}

/// A row of the table `Zone`, named by its key or an alias.
fn zone_key() -> impl Strategy<Value = Expr> + Clone {
    select(zone_names().into_iter().map(|(name, _)| name).collect::<Vec<_>>()).prop_map(Expr::ZoneKey)
}

fn cmp() -> impl Strategy<Value = Cmp> + Clone {
    select(vec![Cmp::Eq, Cmp::Ne, Cmp::Lt, Cmp::Le, Cmp::Gt, Cmp::Ge])
}

/// An integer that reads no other integer; it may be at the edges of `i64`, where arithmetic
/// overflows, inside quantifiers too (a quantifier visits every element, so whether it fails does
/// not depend on the order of its elements).
fn int_leaf(ctx: &Ctx) -> BoxedStrategy<Expr> {
    let choices: Vec<(u32, BoxedStrategy<Expr>)> = vec![
        (
            3,
            country(ctx).prop_map(|c| field(c, Field::CountryScore)).boxed(),
        ),
        (1, country_set(ctx).prop_map(|s| Expr::Size(boxed(s))).boxed()),
        (
            1,
            text_leaf(ctx)
                .prop_map(|text| Expr::TextFn(TextFn::Length, vec![text]))
                .boxed(),
        ),
        (
            1,
            country(ctx)
                .prop_map(|c| Expr::Size(boxed(field(c, Field::CountryTags))))
                .boxed(),
        ),
        (
            1,
            Just(Expr::Year(boxed(subject_field(Field::TransferDate)))).boxed(),
        ),
        (1, Just(Expr::Const(0)).boxed()),
        (1, (-3i64..=3).prop_map(Expr::Int).boxed()),
        // `k1` may be as large as 2^62 (see `const_expr`).
        (1, Just(Expr::Const(1)).boxed()),
        (2, Just(subject_field(Field::TransferQuantity)).boxed()),
        (2, select(EDGES.to_vec()).prop_map(Expr::Int).boxed()),
        (
            1,
            Just(field(subject_field(Field::TransferZone), Field::ZoneRank)).boxed(),
        ),
        (
            1,
            zone_key().prop_map(|zone| field(zone, Field::ZoneRank)).boxed(),
        ),
    ];
    proptest::strategy::Union::new_weighted(choices).boxed()
}

/// An arithmetic operator applied to two integers.
fn arith(op: u8, left: Expr, right: Expr) -> Expr {
    match op {
        0 => Expr::Add(boxed(left), boxed(right)),
        1 => Expr::Sub(boxed(left), boxed(right)),
        _ => Expr::Mul(boxed(left), boxed(right)),
    }
}

/// An integer expression: leaves joined by `+`, `-`, `*` and negated.
fn int(ctx: &Ctx) -> BoxedStrategy<Expr> {
    let leaf = int_leaf(ctx);
    let pair = (0..3u8, leaf.clone(), leaf.clone()).prop_map(|(op, a, b)| arith(op, a, b));
    prop_oneof![
        3 => leaf.clone(),
        3 => pair.clone(),
        1 => leaf.clone().prop_map(|a| Expr::Neg(boxed(a))),
        1 => pair.clone().prop_map(|a| Expr::Neg(boxed(a))),
        1 => (0..3u8, pair, leaf).prop_map(|(op, a, b)| arith(op, a, b)),
    ]
    .boxed()
}

/// A decimal literal, in hundredths: whole ones too (`3.0`), which are still decimals.
fn dec_literal() -> impl Strategy<Value = Expr> + Clone {
    select(vec![50i64, 125, 275, 1, 9999, 300, 0]).prop_map(Expr::Dec)
}

/// A `Decimal`: a literal, negated, or added to, subtracted from or multiplied by an integer
/// that reads no other (so that its exact value stays far within 28 digits).
fn decimal(ctx: &Ctx) -> BoxedStrategy<Expr> {
    let leaf = dec_literal();
    let mixed = (0..3u8, leaf.clone(), int_leaf(ctx), any::<bool>())
        .prop_map(|(op, d, n, swap)| if swap { arith(op, n, d) } else { arith(op, d, n) });
    prop_oneof![
        2 => leaf.clone(),
        1 => leaf.clone().prop_map(|d| Expr::Neg(boxed(d))),
        3 => mixed.clone(),
        1 => (any::<bool>(), mixed, leaf).prop_map(|(add, a, b)| if add { Expr::Add(boxed(a), boxed(b)) } else { Expr::Sub(boxed(a), boxed(b)) }),
    ]
    .boxed()
}

/// A date: the transfer's, a literal, a constant, or one moved by `add_days`; it may reach the ends
/// of the years a date may have, inside quantifiers too.
fn date(ctx: &Ctx) -> BoxedStrategy<Expr> {
    let leaf = prop_oneof![
        3 => Just(subject_field(Field::TransferDate)),
        2 => any_day().prop_map(Expr::Date),
        1 => Just(Expr::Const(8)),
        1 => Just(field(subject_field(Field::TransferZone), Field::ZoneOpened)),
    ]
    .boxed();
    let days = prop_oneof![
        2 => (-400i64..400).prop_map(Expr::Int),
        2 => select(FAR_DAYS.to_vec()).prop_map(Expr::Int),
        1 => int(ctx),
    ];
    prop_oneof![
        2 => leaf.clone(),
        2 => (leaf, days).prop_map(|(d, n)| Expr::AddDays(boxed(d), boxed(n))),
    ]
    .boxed()
}

/// A condition on dates and the numbers computed from them.
fn about_dates(ctx: &Ctx) -> BoxedStrategy<Expr> {
    prop_oneof![
        3 => (date(ctx), cmp(), date(ctx)).prop_map(|(a, op, b)| Expr::Cmp(op, boxed(a), boxed(b))),
        1 => (date(ctx), cmp(), 2022i64..=2025).prop_map(|(d, op, y)| Expr::Cmp(op, boxed(Expr::Year(boxed(d))), boxed(Expr::Int(y)))),
        1 => (date(ctx), date(ctx), cmp(), -400i64..400).prop_map(|(a, b, op, k)| Expr::Cmp(op, boxed(Expr::DaysBetween(boxed(a), boxed(b))), boxed(Expr::Int(k)))),
    ]
    .boxed()
}

fn equality() -> impl Strategy<Value = Cmp> + Clone {
    select(vec![Cmp::Eq, Cmp::Ne])
}

/// A text: a country's name or key field, a literal, or a constant. Texts are compared with `==`
/// and `!=` only: docs/language.md orders only `Int` and `Date`.
fn text(ctx: &Ctx) -> BoxedStrategy<Expr> {
    let leaf = text_leaf(ctx);
    let case = select(vec![TextFn::Lower, TextFn::Upper, TextFn::Trim]);
    prop_oneof![
        6 => leaf.clone(),
        1 => (case, leaf.clone()).prop_map(|(function, text)| Expr::TextFn(function, vec![text])),
        // `replace` of an empty text is an error (E0481), so what it replaces is never empty.
        1 => (leaf, select(vec!["a", "\u{3a9}"]), text_literal()).prop_map(|(text, from, to)| {
            Expr::TextFn(TextFn::Replace, vec![text, Expr::Text(from), to])
        }),
    ]
    .boxed()
}

/// A condition on texts made of the text functions that give a truth.
fn text_test(ctx: &Ctx) -> BoxedStrategy<Expr> {
    let function = select(vec![TextFn::StartsWith, TextFn::EndsWith, TextFn::Contains]);
    (function, text(ctx), text(ctx))
        .prop_map(|(function, text, part)| Expr::TextFn(function, vec![text, part]))
        .boxed()
}

/// A text that no text function made.
fn text_leaf(ctx: &Ctx) -> BoxedStrategy<Expr> {
    prop_oneof![
        3 => country(ctx).prop_map(|c| field(c, Field::CountryName)),
        // The key field only of a country the facts hold: docs/semantics.md reads every field of
        // a fact they lack as unknown, the key included, where the engine reads the key it was
        // named by (a disagreement reported, not tested here).
        1 => select(vec![subject_field(Field::TransferDestination), Expr::Key(COUNTRIES[0])]).prop_map(|c| field(c, Field::CountryCode)),
        2 => text_literal(),
        1 => Just(Expr::Const(7)),
        1 => Just(field(subject_field(Field::TransferZone), Field::ZoneCode)),
    ]
    .boxed()
}

/// A collection of texts: a country's list of tags, a set literal, or a constant.
fn texts(ctx: &Ctx) -> BoxedStrategy<Expr> {
    prop_oneof![
        3 => country(ctx).prop_map(|c| field(c, Field::CountryTags)),
        2 => vec(text(ctx), 1..=2).prop_map(Expr::SetLit),
        1 => select(vec![Expr::Const(10), Expr::Const(11)]),
        // A non-empty separator: an empty one is an error (E0481).
        1 => (text_leaf(ctx), select(vec!["a", ","])).prop_map(|(text, separator)| {
            Expr::TextFn(TextFn::Split, vec![text, Expr::Text(separator)])
        }),
    ]
    .boxed()
}

/// A level: a country's, a variant, or a constant.
fn level(ctx: &Ctx) -> BoxedStrategy<Expr> {
    prop_oneof![
        3 => country(ctx).prop_map(|c| field(c, Field::CountryLevel)),
        2 => variant(),
        1 => Just(Expr::Const(5)),
    ]
    .boxed()
}

/// A set of levels, perhaps combined with another by a set operation.
fn levels(ctx: &Ctx) -> BoxedStrategy<Expr> {
    let simple = prop_oneof![
        3 => Just(item_field(Field::ItemCategories)),
        2 => vec(level(ctx), 1..=2).prop_map(Expr::SetLit),
        1 => Just(Expr::Const(4)),
    ]
    .boxed();
    let op = select(vec![SetOp::Union, SetOp::Intersect, SetOp::Without]);
    prop_oneof![
        3 => simple.clone(),
        1 => (op, simple.clone(), simple).prop_map(|(op, a, b)| Expr::SetOp(op, boxed(a), boxed(b))),
    ]
    .boxed()
}

/// A condition on texts, levels and their collections, including quantifiers over them whose
/// variable is `p{ctx.vars}`.
fn about_values(ctx: &Ctx) -> BoxedStrategy<Expr> {
    let var = ctx.vars;
    let text_body =
        (equality(), text_literal(), texts(ctx), any::<bool>()).prop_map(move |(op, t, s, member)| {
            if member {
                Expr::In {
                    element: boxed(Expr::Var(var)),
                    set: boxed(s),
                    negated: false,
                }
            } else {
                Expr::Cmp(op, boxed(Expr::Var(var)), boxed(t))
            }
        });
    let level_body =
        (equality(), level(ctx), levels(ctx), any::<bool>()).prop_map(move |(op, l, s, member)| {
            if member {
                Expr::In {
                    element: boxed(Expr::Var(var)),
                    set: boxed(s),
                    negated: false,
                }
            } else {
                Expr::Cmp(op, boxed(Expr::Var(var)), boxed(l))
            }
        });
    prop_oneof![
        3 => (text(ctx), equality(), text(ctx)).prop_map(|(a, op, b)| Expr::Cmp(op, boxed(a), boxed(b))),
        3 => text_test(ctx),
        2 => (text(ctx), texts(ctx), any::<bool>()).prop_map(|(t, s, negated)| Expr::In { element: boxed(t), set: boxed(s), negated }),
        3 => (level(ctx), equality(), level(ctx)).prop_map(|(a, op, b)| Expr::Cmp(op, boxed(a), boxed(b))),
        2 => (level(ctx), levels(ctx), any::<bool>()).prop_map(|(l, s, negated)| Expr::In { element: boxed(l), set: boxed(s), negated }),
        1 => (levels(ctx), levels(ctx), any::<bool>()).prop_map(|(a, b, subset)| {
            if subset { Expr::Subset(boxed(a), boxed(b)) } else { Expr::Cmp(Cmp::Eq, boxed(a), boxed(b)) }
        }),
        1 => (cmp(), int(ctx)).prop_map(|(op, n)| Expr::Cmp(op, boxed(Expr::Size(boxed(Expr::Const(10)))), boxed(n))),
        1 => (any::<bool>(), texts(ctx), text_body).prop_map(move |(all, set, body)| Expr::Quant { all, var, set: boxed(set), body: boxed(body) }),
        1 => (any::<bool>(), levels(ctx), level_body).prop_map(move |(all, set, body)| Expr::Quant { all, var, set: boxed(set), body: boxed(body) }),
    ]
    .boxed()
}

/// A condition on the transfer's nested records: `approval`, required, and `review`, optional,
/// read only under a guard that it is some.
fn about_approvals() -> BoxedStrategy<Expr> {
    let approval = subject_field(Field::TransferApproval);
    let review = subject_field(Field::TransferReview);
    let nsc = |holder: &Expr| field(holder.clone(), Field::ApprovalNsc);
    let cabinet = |holder: &Expr| field(holder.clone(), Field::ApprovalCabinet);
    let cabinet_is =
        |holder: &Expr, value: bool| Expr::Cmp(Cmp::Eq, boxed(cabinet(holder)), boxed(Expr::Bool(value)));
    let some = |e: Expr| Expr::IsSome(boxed(e));
    let none = |e: Expr| Expr::IsNone(boxed(e));
    let choices = vec![
        nsc(&approval),
        some(cabinet(&approval)),
        none(cabinet(&approval)),
        cabinet_is(&approval, true),
        cabinet_is(&approval, false),
        some(review.clone()),
        none(review.clone()),
        Expr::And(boxed(some(review.clone())), boxed(nsc(&review))),
        Expr::Or(boxed(none(review.clone())), boxed(cabinet_is(&review, true))),
        Expr::If(
            boxed(some(review.clone())),
            boxed(nsc(&review)),
            boxed(Expr::Bool(false)),
        ),
        Expr::And(
            boxed(some(review.clone())),
            boxed(Expr::Cmp(
                Cmp::Eq,
                boxed(cabinet(&review)),
                boxed(cabinet(&approval)),
            )),
        ),
    ];
    select(choices).boxed()
}

/// A condition on items named by key, held by the facts or not.
fn about_items(ctx: &Ctx) -> BoxedStrategy<Expr> {
    let item = select(vec![
        Expr::ItemKey("i0"),
        Expr::ItemKey("i1"),
        Expr::ItemKey("i9"),
    ]);
    prop_oneof![
        2 => item.clone().prop_map(|i| field(i, Field::ItemLethal)),
        1 => (item.clone(), equality()).prop_map(|(i, op)| Expr::Cmp(op, boxed(subject_field(Field::TransferItem)), boxed(i))),
        1 => (country(ctx), item).prop_map(|(c, i)| Expr::In { element: boxed(c), set: boxed(field(i, Field::ItemPartners)), negated: false }),
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
        2 => (int(ctx), cmp(), -3i64..=3).prop_map(|(a, op, k)| Expr::Cmp(op, boxed(a), boxed(Expr::Int(k)))),
        1 => (int(ctx), cmp(), int(ctx)).prop_map(|(a, op, b)| Expr::Cmp(op, boxed(a), boxed(b))),
        1 => (decimal(ctx), cmp(), int(ctx)).prop_map(|(a, op, b)| Expr::Cmp(op, boxed(a), boxed(b))),
        1 => (decimal(ctx), cmp(), decimal(ctx)).prop_map(|(a, op, b)| Expr::Cmp(op, boxed(a), boxed(b))),
        2 => about_dates(ctx),
        4 => about_values(ctx),
        2 => about_approvals(),
        1 => about_items(ctx),
        1 => Just(Expr::Const(9)),
        1 => (equality(), zone_key()).prop_map(|(op, zone)| Expr::Cmp(op, boxed(subject_field(Field::TransferZone)), boxed(zone))),
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
                    Param::Int => int(ctx),
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
    let ints: Vec<Expr> = (0..params.len())
        .filter(|idx| params[*idx] == Param::Int)
        .map(Expr::Var)
        .collect();
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
    if !ints.is_empty() {
        // `p + 1` overflows for the largest argument: the body fails only if it reads it.
        tests.push((
            3,
            (select(ints.clone()), cmp(), -3i64..=3, any::<bool>())
                .prop_map(|(p, op, k, shifted)| {
                    let p = if shifted {
                        Expr::Add(boxed(p), boxed(Expr::Int(1)))
                    } else {
                        p
                    };
                    Expr::Cmp(op, boxed(p), boxed(Expr::Int(k)))
                })
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
        prop_oneof![2 => Just(Param::Bool), 1 => Just(Param::Country), 1 => Just(Param::Int)],
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
        choices.push((1, indexed_quantifier(ctx, depth)));
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
pub fn policy(failing: bool) -> impl Strategy<Value = Policy> {
    (consts(failing), vec(function(), 0..=2))
        .prop_flat_map(|(consts, functions)| {
            let signatures: Vec<Vec<Param>> =
                functions.iter().map(|function| function.params.clone()).collect();
            (
                Just(consts),
                Just(functions),
                vec(rule(&signatures), 1..=8),
                effect(),
            )
        })
        .prop_map(|(consts, functions, mut rules, default)| {
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
                consts,
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

fn text_value() -> impl Strategy<Value = String> + Clone {
    select(TEXTS.to_vec()).prop_map(str::to_string)
}

fn country_fact(code: &'static str) -> impl Strategy<Value = Country> {
    (
        cell(any::<bool>()),
        cell(any::<bool>()),
        cell(-3i64..=3),
        cell(option::of(day())),
        cell(select(LEVELS.to_vec())),
        cell(text_value()),
        cell(vec(text_value(), 0..=3)),
    )
        .prop_map(
            move |(in_combat, partner, score, since, level, name, tags)| Country {
                code: code.to_string(),
                in_combat,
                partner,
                score,
                since,
                level,
                name,
                tags,
            },
        )
}

fn item_fact() -> impl Strategy<Value = Item> {
    (
        cell(any::<bool>()),
        cell(option::of(country_key())),
        cell(btree_set(country_key(), 0..=3)),
        cell(btree_set(select(LEVELS.to_vec()), 0..=2)),
    )
        .prop_map(|(lethal, licensed_from, partners, categories)| Item {
            id: String::new(),
            lethal,
            licensed_from,
            partners,
            categories,
        })
}

fn approval() -> impl Strategy<Value = Approval> {
    (cell(any::<bool>()), cell(option::of(any::<bool>())))
        .prop_map(|(nsc, cabinet)| Approval { nsc, cabinet })
}

fn quantity() -> impl Strategy<Value = i64> + Clone {
    prop_oneof![2 => -3i64..=3, 1 => select(EDGES.to_vec())]
}

fn transfer_fact() -> impl Strategy<Value = Transfer> {
    (
        cell(0..3usize),
        cell(country_key()),
        cell(option::of(country_key())),
        cell(day()),
        cell(quantity()),
        cell(approval()),
        cell(option::of(approval())),
        cell(select(ZONES.iter().map(|zone| zone.code).collect::<Vec<_>>())),
    )
        .prop_map(
            |(item, destination, onward, date, quantity, approval, review, zone)| Transfer {
                id: String::new(),
                item: match item {
                    Cell::Known(idx) => Cell::Known(idx.to_string()),
                    Cell::Unknown => Cell::Unknown,
                },
                destination,
                onward,
                date,
                quantity,
                approval,
                review,
                zone,
            },
        )
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
#[derive(Clone)]
pub struct Case {
    pub policy: Policy,
    pub facts: Vec<Facts>,
    pub law: Law,
    pub spelling: u64,
}

/// A case as a user would write it, Pol text and JSON facts, so that the failing case proptest
/// prints after shrinking can be read and run with `pol run`.
impl std::fmt::Debug for Case {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        writeln!(f, "law: {:?}", self.law)?;
        write!(f, "--- policy ---\n{}", self.policy.text())?;
        for facts in &self.facts {
            write!(f, "--- facts ---\n{}", facts.json(self.spelling))?;
        }
        Ok(())
    }
}

/// A whole case, whose constants never fail.
pub fn case() -> impl Strategy<Value = Case> {
    case_with(false)
}

/// A whole case; when `failing`, a constant may fail, and with it the whole run.
pub fn case_with(failing: bool) -> impl Strategy<Value = Case> {
    // Facts first: proptest shrinks a tuple's parts in order, and the policy's shrinking (through
    // `prop_flat_map`) can take every iteration it is given.
    (vec(facts(), 1..=3), policy(failing), law(), any::<u64>()).prop_map(|(facts, policy, law, spelling)| {
        Case {
            policy,
            facts,
            law,
            spelling,
        }
    })
}

/// The facts that are unknown, by record, index and field, including every field of the country
/// the policy may name by key but the facts lack.
#[derive(Copy, Clone, Debug, PartialEq, Eq)]
pub enum Slot {
    Country(usize, Field),
    Item(usize, Field),
    Transfer(usize, Field),
    /// A field of a transfer's nested record, held in its field `approval` or `review`.
    Nested(usize, Field, Field),
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
            (c.level == Cell::Unknown, Field::CountryLevel),
            (c.name == Cell::Unknown, Field::CountryName),
            (c.tags == Cell::Unknown, Field::CountryTags),
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
            (i.categories == Cell::Unknown, Field::ItemCategories),
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
            (t.quantity == Cell::Unknown, Field::TransferQuantity),
            (t.approval == Cell::Unknown, Field::TransferApproval),
            (t.review == Cell::Unknown, Field::TransferReview),
            (t.zone == Cell::Unknown, Field::TransferZone),
        ];
        slots.extend(
            cells
                .iter()
                .filter(|(unknown, _)| *unknown)
                .map(|(_, f)| Slot::Transfer(idx, *f)),
        );
        // The fields of a present nested record.
        let holders = [
            (
                Field::TransferApproval,
                match &t.approval {
                    Cell::Known(approval) => Some(approval),
                    Cell::Unknown => None,
                },
            ),
            (
                Field::TransferReview,
                match &t.review {
                    Cell::Known(review) => review.as_ref(),
                    Cell::Unknown => None,
                },
            ),
        ];
        for (holder, approval) in holders {
            let Some(approval) = approval else { continue };
            if approval.nsc == Cell::Unknown {
                slots.push(Slot::Nested(idx, holder, Field::ApprovalNsc));
            }
            if approval.cabinet == Cell::Unknown {
                slots.push(Slot::Nested(idx, holder, Field::ApprovalCabinet));
            }
        }
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
    let text = |mix: &mut super::model::Mix| TEXTS[mix.below(TEXTS.len())].to_string();
    let level = |mix: &mut super::model::Mix| LEVELS[mix.below(LEVELS.len())];
    let approval = |mix: &mut super::model::Mix| Approval {
        nsc: Cell::Known(boolean(mix)),
        cabinet: Cell::Known(boolean(mix).then(|| boolean(mix))),
    };
    let n_items = facts.items.len();
    match slot {
        Slot::Country(idx, f) => {
            let c = &mut facts.countries[idx];
            match f {
                Field::CountryInCombat => c.in_combat = Cell::Known(boolean(mix)),
                Field::CountryPartner => c.partner = Cell::Known(boolean(mix)),
                Field::CountryScore => c.score = Cell::Known(mix.below(7) as i64 - 3),
                Field::CountryLevel => c.level = Cell::Known(level(mix)),
                Field::CountryName => c.name = Cell::Known(text(mix)),
                Field::CountryTags => c.tags = Cell::Known((0..mix.below(4)).map(|_| text(mix)).collect()),
                _ => c.since = Cell::Known(boolean(mix).then(|| day(mix))),
            }
        }
        Slot::Item(idx, f) => {
            let i = &mut facts.items[idx];
            match f {
                Field::ItemLethal => i.lethal = Cell::Known(boolean(mix)),
                Field::ItemLicensedFrom => i.licensed_from = Cell::Known(boolean(mix).then(|| key(mix))),
                Field::ItemCategories => {
                    i.categories = Cell::Known((0..mix.below(3)).map(|_| level(mix)).collect());
                }
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
                Field::TransferQuantity => {
                    t.quantity = Cell::Known(if boolean(mix) {
                        mix.below(7) as i64 - 3
                    } else {
                        EDGES[mix.below(EDGES.len())]
                    });
                }
                Field::TransferApproval => t.approval = Cell::Known(approval(mix)),
                Field::TransferReview => t.review = Cell::Known(boolean(mix).then(|| approval(mix))),
                Field::TransferZone => t.zone = Cell::Known(ZONES[mix.below(ZONES.len())].code),
                _ => t.date = Cell::Known(day(mix)),
            }
        }
        Slot::Nested(idx, holder, f) => {
            let t = &mut facts.transfers[idx];
            let record = match holder {
                Field::TransferApproval => match &mut t.approval {
                    Cell::Known(approval) => approval,
                    Cell::Unknown => panic!("an unknown approval has no fields to fill"),
                },
                _ => match &mut t.review {
                    Cell::Known(Some(review)) => review,
                    _ => panic!("a review that is not there has no fields to fill"),
                },
            };
            if f == Field::ApprovalNsc {
                record.nsc = Cell::Known(boolean(mix));
            } else {
                record.cabinet = Cell::Known(boolean(mix).then(|| boolean(mix)));
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
                level: Cell::Known(level(mix)),
                name: Cell::Known(text(mix)),
                tags: Cell::Known(vec![text(mix)]),
            });
        }
    }
}

/// The facts with `n` transfers picked from theirs in a scrambled order, so that batches of
/// decisions (the last one partial when `n` is not a multiple of 64) see the transfers in other
/// rows and known, none and unknown fields meet in every mix of rows.
pub fn scrambled_transfers(facts: &Facts, n: u64) -> Facts {
    let mut grown = facts.clone();
    grown.transfers.clear();
    for idx in 0..n {
        let pick = (idx.wrapping_mul(0x9E37_79B9_7F4A_7C15) >> 32) as usize % facts.transfers.len();
        let mut copy = facts.transfers[pick].clone();
        copy.id = format!("t{idx}");
        grown.transfers.push(copy);
    }
    grown
}
