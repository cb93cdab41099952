//! The reference evaluator: a direct reading of docs/semantics.md over the oracle's own model,
//! written for clarity, not speed. Each step cites the sentence of the page it implements.

use std::collections::{BTreeMap, BTreeSet};

use super::model::{
    Approval, Cell, Cmp, Const, Day, Effect, Expr, Facts, Field, Function, Policy, SetOp, TextFn, Transfer,
    ZONES, rule_name, zone_names,
};

/// The code of a failed evaluation: "Errors" lists integer overflow and a date out of range
/// among the failures, and docs/diagnostics.md gives both code E0302.
pub const OVERFLOW: &str = "E0302";

/// A fact, written `Record["key"].field`.
pub type FactPath = String;

/// A three-valued truth; an unknown carries the facts that made it unknown.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Tri {
    T,
    F,
    U(BTreeSet<FactPath>),
}

/// The record types.
#[derive(Copy, Clone, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum Kind {
    Country,
    Item,
    Transfer,
    /// A row of the table `Zone`.
    Zone,
}

/// A known value.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum V {
    Bool(bool),
    Int(i64),
    /// A `Decimal`, in hundredths: the generated decimals have at most two digits after the point,
    /// and are only added to, subtracted from and multiplied by integers.
    Dec(i128),
    Date(Day),
    /// A reference to a fact, by its record type and key.
    Rec(Kind, String),
    /// The known absence of an optional value.
    None,
    /// A set.
    Set(BTreeSet<V>),
    /// A list, from facts: order and repeats kept.
    List(Vec<V>),
    Text(String),
    /// A variant of `Level`.
    Enum(&'static str),
    /// The transfer's nested record held in this field (`approval` or `review`).
    Nested(Field),
}

/// The value of an expression: known, or unknown because of these facts.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum R {
    K(V),
    U(BTreeSet<FactPath>),
}

/// A decision's outcome.
#[derive(Copy, Clone, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum Verdict {
    Permit,
    Deny,
    Undecided,
    /// No decision: evaluating a rule failed with this code ("Errors").
    Fails(&'static str),
}

/// A decision, with everything compared against the engine's, as sets of names.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Outcome {
    pub verdict: Verdict,
    pub deciding: BTreeSet<String>,
    pub obligations: BTreeSet<String>,
    pub missing: BTreeSet<FactPath>,
    /// The pending rules of an undecided decision: name, whether active is true (not unknown),
    /// and the facts each waits on.
    pub pending: BTreeMap<String, (bool, BTreeSet<FactPath>)>,
}

fn path(kind: Kind, key: &str, field: Field) -> FactPath {
    let record = match kind {
        Kind::Country => "Country",
        Kind::Item => "Item",
        Kind::Transfer => "Transfer",
        Kind::Zone => "Zone",
    };
    format!("{record}[{key:?}].{}", field.name())
}

fn union(mut a: BTreeSet<FactPath>, b: BTreeSet<FactPath>) -> BTreeSet<FactPath> {
    a.extend(b);
    a
}

fn truth(value: R) -> Tri {
    match value {
        R::K(V::Bool(true)) => Tri::T,
        R::K(V::Bool(false)) => Tri::F,
        R::U(missing) => Tri::U(missing),
        R::K(other) => panic!("the generator built a condition that is not Bool: {other:?}"),
    }
}

fn of_truth(value: Tri) -> R {
    match value {
        Tri::T => R::K(V::Bool(true)),
        Tri::F => R::K(V::Bool(false)),
        Tri::U(missing) => R::U(missing),
    }
}

/// `not U = U`.
pub fn not(a: Tri) -> Tri {
    match a {
        Tri::T => Tri::F,
        Tri::F => Tri::T,
        Tri::U(missing) => Tri::U(missing),
    }
}

/// Kleene's `and` of two values already computed.
pub fn and(a: Tri, b: Tri) -> Tri {
    match (a, b) {
        (Tri::F, _) | (_, Tri::F) => Tri::F,
        (Tri::T, other) | (other, Tri::T) => other,
        (Tri::U(a), Tri::U(b)) => Tri::U(union(a, b)),
    }
}

/// Kleene's `or` of two values already computed.
pub fn or(a: Tri, b: Tri) -> Tri {
    not(and(not(a), not(b)))
}

/// Evaluates expressions for one subject against the facts.
pub struct Env<'a> {
    pub facts: &'a Facts,
    pub subject: &'a Transfer,
    /// The policy's generated functions.
    pub functions: &'a [Function],
    /// The policy's constants.
    pub consts: &'a [Const],
    /// Set when an evaluation failed ("Errors": integer overflow, a date out of range): the
    /// subject then gets no decision, whatever else is evaluated.
    pub failed: std::cell::Cell<bool>,
}

impl Env<'_> {
    fn field(&self, kind: Kind, key: &str, field: Field) -> R {
        let unknown = || R::U(BTreeSet::from([path(kind, key, field)]));
        let country = |cell: &Cell<V>| match cell {
            Cell::Known(value) => R::K(value.clone()),
            Cell::Unknown => unknown(),
        };
        match kind {
            Kind::Country => {
                // "A policy that refers to a fact by key when the facts have no such fact reads its
                // key field as the key it was named by and every other field as unknown."
                let Some(fact) = self.facts.countries.iter().find(|c| c.code == key) else {
                    return match field {
                        Field::CountryCode => R::K(V::Text(key.to_owned())),
                        _ => unknown(),
                    };
                };
                country(&match field {
                    Field::CountryCode => Cell::Known(V::Text(fact.code.clone())),
                    Field::CountryInCombat => lift(&fact.in_combat, |v| V::Bool(*v)),
                    Field::CountryPartner => lift(&fact.partner, |v| V::Bool(*v)),
                    Field::CountryScore => lift(&fact.score, |v| V::Int(*v)),
                    Field::CountrySince => lift(&fact.since, |v| v.map_or(V::None, V::Date)),
                    Field::CountryLevel => lift(&fact.level, |v| V::Enum(v)),
                    Field::CountryName => lift(&fact.name, |v| V::Text(v.clone())),
                    Field::CountryTags => lift(&fact.tags, |v| {
                        V::List(v.iter().map(|tag| V::Text(tag.clone())).collect())
                    }),
                    other => panic!("`{}` is not a field of Country", other.name()),
                })
            }
            Kind::Item => {
                // Facts refer only to items they hold; `Item["KEY"]` may name one they lack.
                let Some(fact) = self.facts.items.iter().find(|i| i.id == key) else {
                    return unknown();
                };
                country(&match field {
                    Field::ItemLethal => lift(&fact.lethal, |v| V::Bool(*v)),
                    Field::ItemLicensedFrom => lift(&fact.licensed_from, |v| {
                        v.as_ref()
                            .map_or(V::None, |key| V::Rec(Kind::Country, key.clone()))
                    }),
                    Field::ItemPartners => lift(&fact.partners, |v| {
                        V::Set(v.iter().map(|key| V::Rec(Kind::Country, key.clone())).collect())
                    }),
                    Field::ItemCategories => lift(&fact.categories, |v| {
                        V::Set(v.iter().map(|level| V::Enum(level)).collect())
                    }),
                    other => panic!("`{}` is not a field of Item", other.name()),
                })
            }
            Kind::Transfer => {
                let fact = self.subject;
                assert_eq!(fact.id, key, "only the subject's transfer is read");
                country(&match field {
                    Field::TransferItem => lift(&fact.item, |v| V::Rec(Kind::Item, v.clone())),
                    Field::TransferDestination => {
                        lift(&fact.destination, |v| V::Rec(Kind::Country, v.clone()))
                    }
                    Field::TransferOnward => lift(&fact.onward, |v| {
                        v.as_ref()
                            .map_or(V::None, |key| V::Rec(Kind::Country, key.clone()))
                    }),
                    Field::TransferDate => lift(&fact.date, |v| V::Date(*v)),
                    Field::TransferQuantity => lift(&fact.quantity, |v| V::Int(*v)),
                    // "A nested record follows the same rules at each level: the object itself,
                    // when missing or `null`, is unknown in a required field and none in an
                    // optional one."
                    Field::TransferApproval => lift(&fact.approval, |_| V::Nested(field)),
                    Field::TransferReview => {
                        lift(&fact.review, |v| v.as_ref().map_or(V::None, |_| V::Nested(field)))
                    }
                    Field::TransferZone => lift(&fact.zone, |v| V::Rec(Kind::Zone, (*v).to_owned())),
                    other => panic!("`{}` is not a field of Transfer", other.name()),
                })
            }
            // "The rows of a table are facts like any other": every field known.
            Kind::Zone => {
                let zone = ZONES
                    .iter()
                    .find(|zone| zone.code == key)
                    .expect("the checker proved every name of a zone");
                R::K(match field {
                    Field::ZoneCode => V::Text(zone.code.to_owned()),
                    Field::ZoneRank => V::Int(zone.rank),
                    Field::ZoneOpened => V::Date(zone.opened),
                    other => panic!("`{}` is not a field of Zone", other.name()),
                })
            }
        }
    }

    /// A field of the subject's nested record held in `holder`: "a field inside a present object
    /// is unknown or none by its own type", and "a fact inside a nested record is written through
    /// the fields that hold it".
    fn nested_field(&self, holder: Field, field: Field) -> R {
        let approval: &Approval = match (holder, &self.subject.approval, &self.subject.review) {
            (Field::TransferApproval, Cell::Known(approval), _) => approval,
            (Field::TransferReview, _, Cell::Known(Some(review))) => review,
            _ => panic!("`{}` holds no record", holder.name()),
        };
        let value = match field {
            Field::ApprovalNsc => lift(&approval.nsc, |v| V::Bool(*v)),
            Field::ApprovalCabinet => lift(&approval.cabinet, |v| v.map_or(V::None, V::Bool)),
            other => panic!("`{}` is not a field of Approval", other.name()),
        };
        match value {
            Cell::Known(value) => R::K(value),
            Cell::Unknown => R::U(BTreeSet::from([format!(
                "{}.{}",
                path(Kind::Transfer, &self.subject.id, holder),
                field.name()
            )])),
        }
    }

    /// Marks the evaluation failed; the value returned in its place never reaches a decision.
    fn fail(&self) -> R {
        self.failed.set(true);
        R::U(BTreeSet::new())
    }

    /// An integer operation that fails when its result does not fit in 64 bits.
    fn int(&self, result: Option<i64>) -> R {
        result.map_or_else(|| self.fail(), |value| R::K(V::Int(value)))
    }

    /// The value of `expr` with the quantified variables (or a function's parameters, which may
    /// be unknown) in `vars`.
    pub fn eval(&self, expr: &Expr, vars: &mut Vec<R>) -> R {
        match expr {
            Expr::Bool(value) => R::K(V::Bool(*value)),
            Expr::Int(value) => R::K(V::Int(*value)),
            Expr::Date(day) => R::K(V::Date(*day)),
            Expr::Subject => R::K(V::Rec(Kind::Transfer, self.subject.id.clone())),
            Expr::Var(idx) => vars[*idx].clone(),
            Expr::Key(key) => R::K(V::Rec(Kind::Country, (*key).to_string())),
            Expr::ItemKey(key) => R::K(V::Rec(Kind::Item, (*key).to_string())),
            // "Two names of one row are the same row."
            Expr::ZoneKey(name) => {
                let (_, key) = zone_names()
                    .into_iter()
                    .find(|(known, _)| known == name)
                    .expect("the generator names only zones the table has");
                R::K(V::Rec(Kind::Zone, key.to_owned()))
            }
            Expr::Text(text) => R::K(V::Text((*text).to_string())),
            // "A record type's name as a value is the set of every fact of that type given."
            Expr::Countries => R::K(V::Set(
                self.facts
                    .countries
                    .iter()
                    .map(|country| V::Rec(Kind::Country, country.code.clone()))
                    .collect(),
            )),
            // "A lookup whose key no fact has is unknown, and the missing fact is the key."
            Expr::CountryAt(key) => match self.eval(key, vars) {
                R::K(V::Text(code)) if self.facts.countries.iter().any(|country| country.code == code) => {
                    R::K(V::Rec(Kind::Country, code))
                }
                R::K(V::Text(code)) => R::U(BTreeSet::from([format!("Country[{code:?}]")])),
                R::K(other) => panic!("a lookup by {other:?}: the checker rejects this"),
                unknown => unknown,
            },
            Expr::Variant(name, _) => R::K(V::Enum(name)),
            // A constant is "a value computed once per run": the same for every subject.
            Expr::Const(idx) => self.eval(&self.consts[*idx].expr, &mut Vec::new()),
            // "A field access with an unknown operand is U."
            Expr::Field(base, field) => match self.eval(base, vars) {
                R::K(V::Rec(kind, key)) => self.field(kind, &key, *field),
                R::K(V::Nested(holder)) => self.nested_field(holder, *field),
                R::K(other) => panic!("field `{}` of {other:?}: the checker rejects this", field.name()),
                unknown => unknown,
            },
            // A set literal is built from its elements, so an unknown element makes it unknown.
            Expr::SetLit(elements) => {
                let mut keys = BTreeSet::new();
                let mut missing: Option<BTreeSet<FactPath>> = None;
                for element in elements {
                    match self.eval(element, vars) {
                        R::K(value) => {
                            keys.insert(value);
                        }
                        R::U(more) => missing = Some(union(missing.unwrap_or_default(), more)),
                    }
                }
                missing.map_or(R::K(V::Set(keys)), R::U)
            }
            // "`and` and `or` evaluate both sides when the left is U, so `U and F` is F."
            Expr::And(left, right) => of_truth(match truth(self.eval(left, vars)) {
                Tri::F => Tri::F,
                Tri::T => truth(self.eval(right, vars)),
                unknown => and(unknown, truth(self.eval(right, vars))),
            }),
            Expr::Or(left, right) => of_truth(match truth(self.eval(left, vars)) {
                Tri::T => Tri::T,
                Tri::F => truth(self.eval(right, vars)),
                unknown => or(unknown, truth(self.eval(right, vars))),
            }),
            Expr::Not(inner) => of_truth(not(truth(self.eval(inner, vars)))),
            // "A comparison with an unknown operand is U"; "`none == none` is T, `none == x` is F".
            Expr::Cmp(op, left, right) => {
                let (left, right) = match (self.eval(left, vars), self.eval(right, vars)) {
                    (R::K(left), R::K(right)) => (left, right),
                    (left, right) => return R::U(unknowns(left, right)),
                };
                // docs/language.md: an `Int` widens to a `Decimal`, so `2.0 == 2`.
                let (left, right) = match (left, right) {
                    (V::Int(a), V::Dec(b)) => (V::Dec(i128::from(a) * 100), V::Dec(b)),
                    (V::Dec(a), V::Int(b)) => (V::Dec(a), V::Dec(i128::from(b) * 100)),
                    pair => pair,
                };
                let ordered = |left: &V, right: &V| match (left, right) {
                    (V::Int(a), V::Int(b)) => a.cmp(b),
                    (V::Dec(a), V::Dec(b)) => a.cmp(b),
                    (V::Date(a), V::Date(b)) => a.cmp(b),
                    _ => panic!("the checker orders only Int and Date, not {left:?} and {right:?}"),
                };
                R::K(V::Bool(match op {
                    Cmp::Eq => left == right,
                    Cmp::Ne => left != right,
                    Cmp::Lt => ordered(&left, &right).is_lt(),
                    Cmp::Le => ordered(&left, &right).is_le(),
                    Cmp::Gt => ordered(&left, &right).is_gt(),
                    Cmp::Ge => ordered(&left, &right).is_ge(),
                }))
            }
            // "`x in S` is U when `x` or `S` is unknown, except that nothing is in the empty set:
            // `x in {}` is F even if `x` is unknown, and `none` is in no set: `none in S` is F
            // even if `S` is unknown".
            Expr::In {
                element,
                set,
                negated,
            } => {
                let element = self.eval(element, vars);
                let set = self.eval(set, vars);
                // A list is read as the set of its elements: "membership in a set or list".
                let set = match set {
                    R::K(V::List(elements)) => R::K(V::Set(elements.into_iter().collect())),
                    other => other,
                };
                let found = match (element, set) {
                    (_, R::K(V::Set(keys))) if keys.is_empty() => Tri::F,
                    (R::K(V::None), _) => Tri::F,
                    (R::K(element), R::K(V::Set(keys))) => {
                        if keys.contains(&element) {
                            Tri::T
                        } else {
                            Tri::F
                        }
                    }
                    (R::K(element), R::K(set)) => panic!("`{element:?} in {set:?}` is ill-typed"),
                    (element, set) => Tri::U(unknowns(element, set)),
                };
                of_truth(if *negated { not(found) } else { found })
            }
            // "`is some`/`is none` with an unknown operand is U."
            Expr::IsSome(inner) => match self.eval(inner, vars) {
                R::K(value) => R::K(V::Bool(value != V::None)),
                unknown => unknown,
            },
            Expr::IsNone(inner) => match self.eval(inner, vars) {
                R::K(value) => R::K(V::Bool(value == V::None)),
                unknown => unknown,
            },
            // "`any x in S: P` is T if some element gives T, else U if some element gives U, else F.
            // `all x in S: P` is F if some element gives F, else U if some gives U, else T."
            Expr::Quant { all, var, set, body } => {
                let keys: Vec<V> = match self.eval(set, vars) {
                    R::K(V::Set(keys)) => keys.into_iter().collect(),
                    R::K(V::List(elements)) => elements,
                    R::K(other) => panic!("a quantifier ranges over {other:?}"),
                    unknown => return unknown,
                };
                let mut values = Vec::new();
                for key in keys {
                    vars.truncate(*var);
                    vars.push(R::K(key));
                    values.push(truth(self.eval(body, vars)));
                }
                vars.truncate(*var);
                let settles = if *all { Tri::F } else { Tri::T };
                if values.contains(&settles) {
                    return of_truth(settles);
                }
                let unknown: Vec<BTreeSet<FactPath>> = values
                    .into_iter()
                    .filter_map(|value| match value {
                        Tri::U(missing) => Some(missing),
                        _ => None,
                    })
                    .collect();
                if unknown.is_empty() {
                    of_truth(if *all { Tri::T } else { Tri::F })
                } else {
                    R::U(unknown.into_iter().flatten().collect())
                }
            }
            // "`if C then A else B` with C unknown is the common value of A and B if both are known
            // and equal, else U."
            Expr::If(condition, then, otherwise) => match truth(self.eval(condition, vars)) {
                Tri::T => self.eval(then, vars),
                Tri::F => self.eval(otherwise, vars),
                Tri::U(missing) => match (self.eval(then, vars), self.eval(otherwise, vars)) {
                    (R::K(a), R::K(b)) if a == b => R::K(a),
                    (a, b) => R::U(union(missing, unknowns(a, b))),
                },
            },
            // "A call `f(a, b)` has the value of `f`'s body with its parameters bound to the values
            // of `a` and `b`, unknowns included: a parameter whose argument is U is U inside the
            // body, carrying the facts behind the argument." "Arguments are evaluated eagerly,
            // before the body, each once."
            Expr::Call(func, arg) => {
                let arg = self.eval(arg, vars);
                self.eval(&func.body(), &mut vec![arg])
            }
            Expr::Apply(idx, args) => {
                let mut params: Vec<R> = args.iter().map(|arg| self.eval(arg, vars)).collect();
                self.eval(&self.functions[*idx].body, &mut params)
            }
            // "Arithmetic, a set operation ... with an unknown operand is U."
            // "If evaluating a rule for a subject fails (integer overflow, a date out of range, …),
            // the subject gets no decision."
            Expr::Add(left, right) | Expr::Sub(left, right) | Expr::Mul(left, right) => {
                match (self.eval(left, vars), self.eval(right, vars)) {
                    (R::K(V::Int(a)), R::K(V::Int(b))) => self.int(match expr {
                        Expr::Add(..) => a.checked_add(b),
                        Expr::Sub(..) => a.checked_sub(b),
                        _ => a.checked_mul(b),
                    }),
                    // Exact: the generated decimals stay far within 28 digits.
                    (R::K(V::Dec(a)), R::K(V::Int(b))) => R::K(V::Dec(match expr {
                        Expr::Add(..) => a + i128::from(b) * 100,
                        Expr::Sub(..) => a - i128::from(b) * 100,
                        _ => a * i128::from(b),
                    })),
                    (R::K(V::Int(a)), R::K(V::Dec(b))) => R::K(V::Dec(match expr {
                        Expr::Add(..) => i128::from(a) * 100 + b,
                        Expr::Sub(..) => i128::from(a) * 100 - b,
                        _ => i128::from(a) * b,
                    })),
                    (R::K(V::Dec(a)), R::K(V::Dec(b))) => R::K(V::Dec(match expr {
                        Expr::Add(..) => a + b,
                        Expr::Sub(..) => a - b,
                        _ => panic!("the generator multiplies no two decimals"),
                    })),
                    (left, right) => R::U(unknowns(left, right)),
                }
            }
            Expr::Neg(inner) => match self.eval(inner, vars) {
                R::K(V::Int(a)) => self.int(a.checked_neg()),
                R::K(V::Dec(a)) => R::K(V::Dec(-a)),
                R::K(other) => panic!("negation of {other:?}"),
                unknown => unknown,
            },
            // `add_days(d, n)`: "the date `n` days after `d`"; "Dates must exist on the calendar"
            // and a date is of the years 1 to 9999, so a date beyond them fails.
            Expr::AddDays(date, days) => match (self.eval(date, vars), self.eval(days, vars)) {
                (R::K(V::Date(date)), R::K(V::Int(days))) => {
                    match date.days().checked_add(days).and_then(Day::from_days) {
                        Some(day) => R::K(V::Date(day)),
                        None => self.fail(),
                    }
                }
                (date, days) => R::U(unknowns(date, days)),
            },
            // docs/language.md: each text function of known texts; docs/semantics.md: of an
            // unknown text, unknown.
            Expr::Dec(hundredths) => R::K(V::Dec(i128::from(*hundredths))),
            Expr::TextFn(function, args) => {
                let mut texts = Vec::new();
                let mut missing = BTreeSet::new();
                for arg in args {
                    match self.eval(arg, vars) {
                        R::K(V::Text(text)) => texts.push(text),
                        R::K(other) => panic!("{} of {other:?}", function.name()),
                        R::U(more) => missing.extend(more),
                    }
                }
                if texts.len() < args.len() {
                    return R::U(missing);
                }
                let text = |value: String| R::K(V::Text(value));
                match function {
                    TextFn::Lower => text(texts[0].to_lowercase()),
                    TextFn::Upper => text(texts[0].to_uppercase()),
                    TextFn::Trim => text(texts[0].trim().to_string()),
                    TextFn::Replace => text(texts[0].replace(&texts[1], &texts[2])),
                    TextFn::StartsWith => R::K(V::Bool(texts[0].starts_with(&texts[1]))),
                    TextFn::EndsWith => R::K(V::Bool(texts[0].ends_with(&texts[1]))),
                    TextFn::Contains => R::K(V::Bool(texts[0].contains(&texts[1]))),
                    TextFn::Length => R::K(V::Int(texts[0].chars().count() as i64)),
                    TextFn::Split => R::K(V::List(
                        texts[0]
                            .split(&texts[1])
                            .map(|piece| V::Text(piece.to_string()))
                            .collect(),
                    )),
                }
            }
            Expr::Size(inner) => match self.eval(inner, vars) {
                R::K(V::Set(keys)) => R::K(V::Int(keys.len() as i64)),
                R::K(V::List(elements)) => R::K(V::Int(elements.len() as i64)),
                R::K(other) => panic!("size of {other:?}"),
                unknown => unknown,
            },
            Expr::Year(inner) => match self.eval(inner, vars) {
                R::K(V::Date(day)) => R::K(V::Int(i64::from(day.year))),
                R::K(other) => panic!("year of {other:?}"),
                unknown => unknown,
            },
            Expr::DaysBetween(from, to) => match (self.eval(from, vars), self.eval(to, vars)) {
                (R::K(V::Date(from)), R::K(V::Date(to))) => R::K(V::Int(to.days() - from.days())),
                (from, to) => R::U(unknowns(from, to)),
            },
            Expr::SetOp(op, left, right) => match (self.eval(left, vars), self.eval(right, vars)) {
                (R::K(V::Set(a)), R::K(V::Set(b))) => R::K(V::Set(match op {
                    SetOp::Union => a.union(&b).cloned().collect(),
                    SetOp::Intersect => a.intersection(&b).cloned().collect(),
                    SetOp::Without => a.difference(&b).cloned().collect(),
                })),
                (left, right) => R::U(unknowns(left, right)),
            },
            Expr::Subset(left, right) => match (self.eval(left, vars), self.eval(right, vars)) {
                (R::K(V::Set(a)), R::K(V::Set(b))) => R::K(V::Bool(a.is_subset(&b))),
                (left, right) => R::U(unknowns(left, right)),
            },
        }
    }
}

fn lift<T>(cell: &Cell<T>, value: impl Fn(&T) -> V) -> Cell<V> {
    match cell {
        Cell::Known(known) => Cell::Known(value(known)),
        Cell::Unknown => Cell::Unknown,
    }
}

/// The facts behind two operands, at least one of them unknown.
fn unknowns(left: R, right: R) -> BTreeSet<FactPath> {
    let facts = |value: R| match value {
        R::U(missing) => missing,
        R::K(_) => BTreeSet::new(),
    };
    union(facts(left), facts(right))
}

/// Which date's law applies: `--as-of`, or the subject's date.
#[derive(Copy, Clone, Debug, PartialEq, Eq)]
pub enum Law {
    SubjectDate,
    AsOf(Day),
}

/// How each rule stood, by the definitions of "Rules"; `None` for a rule not in force.
struct Standing<'p> {
    policy: &'p Policy,
    env: Env<'p>,
    in_force: Vec<bool>,
}

impl Standing<'_> {
    /// "`A(r)` is the three-valued conjunction of its parts, in order. The evaluator stops at the
    /// first part that is F; an unknown part does not stop it."
    fn applies(&self, rule: usize) -> Tri {
        let mut result = Tri::T;
        for cond in &self.policy.rules[rule].conditions {
            let part = truth(self.env.eval(&cond.expr, &mut Vec::new()));
            let part = if cond.negated { not(part) } else { part };
            if part == Tri::F {
                return Tri::F;
            }
            result = and(result, part);
        }
        result
    }

    /// "`Def(r) = Active(e1) or Active(e2) or …` over the rules `e` in force that are declared
    /// `exception to r`; F when there are none."
    fn defeated(&self, rule: usize) -> Tri {
        let mut result = Tri::F;
        for (idx, other) in self.policy.rules.iter().enumerate() {
            if self.in_force[idx] && other.exception_to.contains(&rule) {
                result = or(result, self.active(idx));
            }
        }
        result
    }

    /// "`Active(r) = A(r) and not Def(r)`."
    fn active(&self, rule: usize) -> Tri {
        and(self.applies(rule), not(self.defeated(rule)))
    }
}

/// The code the whole run fails with, if it does: "A constant is computed once, before any
/// decision: a constant that fails fails the whole run, and no subject is decided."
pub fn run_fails(policy: &Policy, facts: &Facts) -> Option<&'static str> {
    let env = Env {
        facts,
        // Constants read no subject; any transfer will do.
        subject: &facts.transfers[0],
        functions: &policy.functions,
        consts: &policy.consts,
        failed: std::cell::Cell::new(false),
    };
    for constant in &policy.consts {
        env.eval(&constant.expr, &mut Vec::new());
    }
    env.failed.get().then_some(OVERFLOW)
}

/// Decides one transfer, following "The decision" step by step.
pub fn decide(policy: &Policy, facts: &Facts, subject: &Transfer, law: Law) -> Outcome {
    let undecided =
        |missing: BTreeSet<FactPath>, pending: BTreeMap<String, (bool, BTreeSet<FactPath>)>| Outcome {
            verdict: Verdict::Undecided,
            deciding: BTreeSet::new(),
            obligations: BTreeSet::new(),
            missing,
            pending,
        };
    // "If no rule has dates, `D` is not needed." Otherwise `D` is `--as-of`, or the value of the
    // `decide … on` expression (`t.date`); if that is unknown, the decision is undecided, missing
    // the facts behind the date.
    let dated = policy
        .rules
        .iter()
        .any(|rule| rule.effective.is_some() || rule.until.is_some());
    let date = match (dated, law) {
        (false, _) => None,
        (true, Law::AsOf(day)) => Some(day),
        (true, Law::SubjectDate) => match &subject.date {
            Cell::Known(day) => Some(*day),
            Cell::Unknown => {
                // "When the law's date is unknown, … no rule is pending."
                return undecided(
                    BTreeSet::from([path(Kind::Transfer, &subject.id, Field::TransferDate)]),
                    BTreeMap::new(),
                );
            }
        },
    };
    // "In force: `effective <= D` (when given) and `D < until` (when given)."
    let in_force: Vec<bool> = policy
        .rules
        .iter()
        .map(|rule| {
            date.is_none_or(|day| {
                rule.effective.is_none_or(|from| from <= day) && rule.until.is_none_or(|to| day < to)
            })
        })
        .collect();
    let standing = Standing {
        policy,
        env: Env {
            facts,
            subject,
            functions: &policy.functions,
            consts: &policy.consts,
            failed: std::cell::Cell::new(false),
        },
        in_force: in_force.clone(),
    };
    let mut deny_t = BTreeSet::new();
    let mut permit_t = BTreeSet::new();
    // Each unknown rule with the facts behind its own U.
    let mut deny_u = BTreeMap::new();
    let mut permit_u = BTreeMap::new();
    let mut deny_u_missing = BTreeSet::new();
    let mut permit_u_missing = BTreeSet::new();
    for (idx, rule) in policy.rules.iter().enumerate() {
        // "A rule not in force is absent from the decision."
        if !in_force[idx] {
            continue;
        }
        match (rule.effect, standing.active(idx)) {
            (Effect::Deny, Tri::T) => {
                deny_t.insert(idx);
            }
            (Effect::Permit, Tri::T) => {
                permit_t.insert(idx);
            }
            (Effect::Deny, Tri::U(missing)) => {
                deny_u_missing.extend(missing.iter().cloned());
                deny_u.insert(idx, missing);
            }
            (Effect::Permit, Tri::U(missing)) => {
                permit_u_missing.extend(missing.iter().cloned());
                permit_u.insert(idx, missing);
            }
            (_, Tri::F) => {}
        }
    }
    // "If evaluating a rule for a subject fails …, the subject gets no decision." Every rule in
    // force is evaluated, each up to its first false part.
    if standing.env.failed.get() {
        return Outcome {
            verdict: Verdict::Fails(OVERFLOW),
            deciding: BTreeSet::new(),
            obligations: BTreeSet::new(),
            missing: BTreeSet::new(),
            pending: BTreeMap::new(),
        };
    }
    let names = |rules: &BTreeSet<usize>| rules.iter().map(|&idx| rule_name(idx)).collect();
    let decided = |verdict: Verdict, rules: &BTreeSet<usize>| Outcome {
        verdict,
        deciding: names(rules),
        obligations: BTreeSet::new(),
        missing: BTreeSet::new(),
        pending: BTreeMap::new(),
    };
    // "Pending rules": unknown ones wait on the facts behind their own U.
    let unknown_pending = |rules: &BTreeMap<usize, BTreeSet<FactPath>>| {
        rules
            .iter()
            .map(|(&idx, missing)| (rule_name(idx), (false, missing.clone())))
            .collect::<BTreeMap<_, _>>()
    };
    let default = match policy.default {
        Effect::Permit => Verdict::Permit,
        Effect::Deny => Verdict::Deny,
    };
    // 1. "If denyT is not empty: deny. The deciding rules are denyT."
    if !deny_t.is_empty() {
        return decided(Verdict::Deny, &deny_t);
    }
    // 2. "Else, if denyU is not empty: if the default is deny and permitT and permitU are both
    // empty: deny, with no deciding rule; else undecided. Missing: the facts behind denyU when
    // permitT is not empty; otherwise the facts behind denyU and permitU."
    if !deny_u.is_empty() {
        if policy.default == Effect::Deny && permit_t.is_empty() && permit_u.is_empty() {
            return decided(Verdict::Deny, &BTreeSet::new());
        }
        // "the rules of denyU, each waiting on the facts behind its own U, and the rules of
        // permitT, each waiting on the facts behind denyU".
        if !permit_t.is_empty() {
            let mut pending = unknown_pending(&deny_u);
            for &idx in &permit_t {
                pending.insert(rule_name(idx), (true, deny_u_missing.clone()));
            }
            return undecided(deny_u_missing, pending);
        }
        let mut pending = unknown_pending(&deny_u);
        pending.extend(unknown_pending(&permit_u));
        return undecided(union(deny_u_missing, permit_u_missing), pending);
    }
    // 3. "Else, if permitT is not empty: permit. The deciding rules are permitT; the obligations
    // are the union of theirs."
    if !permit_t.is_empty() {
        let mut outcome = decided(Verdict::Permit, &permit_t);
        outcome.obligations = permit_t
            .iter()
            .flat_map(|&idx| policy.rules[idx].obligations.iter())
            .map(|&o| super::model::obligation_name(o))
            .collect();
        return outcome;
    }
    // 4. "Else, if permitU is not empty: permit with no deciding rule if the default is permit;
    // else undecided, missing the facts behind permitU."
    if !permit_u.is_empty() {
        if policy.default == Effect::Permit {
            return decided(Verdict::Permit, &BTreeSet::new());
        }
        return undecided(permit_u_missing, unknown_pending(&permit_u));
    }
    // 5. "Else: the default, with no deciding rule."
    decided(default, &BTreeSet::new())
}
