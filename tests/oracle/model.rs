//! The oracle's own model of policies and facts over one fixed schema, independent of Pol's
//! `ir`, and how to write them as Pol text and as JSON facts.

use std::collections::BTreeSet;
use std::fmt::{self, Write as _};

/// The keys of the countries every generated set of facts holds.
pub const COUNTRIES: [&str; 4] = ["AA", "BB", "CC", "DD"];

/// A country key that policies may name but facts never hold: all its fields read as unknown.
pub const ABSENT: &str = "ZZ";

/// A row of the table `Zone`, which the policy declares in `data`.
pub struct ZoneRow {
    pub code: &'static str,
    /// Its aliases: facts and key references may name it by these too.
    pub names: &'static [&'static str],
    pub rank: i64,
    pub opened: Day,
}

/// The rows of the table `Zone`, as the prelude's `data` declares them.
pub const ZONES: [ZoneRow; 2] = [
    ZoneRow {
        code: "Z1",
        names: &["north", "Z-one"],
        rank: 2,
        opened: Day {
            year: 2023,
            month: 12,
            day: 22,
        },
    },
    ZoneRow {
        code: "Z2",
        names: &["south"],
        rank: -1,
        opened: Day {
            year: 2024,
            month: 2,
            day: 29,
        },
    },
];

/// Every name of a zone, keys and aliases, each with the key of the row it names.
pub fn zone_names() -> Vec<(&'static str, &'static str)> {
    ZONES
        .iter()
        .flat_map(|zone| {
            std::iter::once(zone.code)
                .chain(zone.names.iter().copied())
                .map(|name| (name, zone.code))
        })
        .collect()
}

/// The variants of the enum `Level`, in declaration order.
pub const LEVELS: [&str; 3] = ["low", "mid", "high"];

/// The texts generated, for names, tags and literals: plain, empty, beyond ASCII, and with a
/// character that needs escaping in both Pol and JSON.
pub const TEXTS: [&str; 4] = ["alpha", "", "\u{3a9}mega", "a\"b"];

/// The integers at the edges of `i64` (and a few small ones), where arithmetic overflows.
pub const EDGES: [i64; 9] = [
    i64::MAX,
    i64::MIN,
    i64::MAX - 1,
    i64::MIN + 1,
    1 << 62,
    -(1 << 62),
    3_037_000_500,
    2,
    -1,
];

/// The schema, functions and obligations every generated policy starts with.
pub const PRELUDE: &str = r#"policy "Oracle"

enum Level { low, mid, high }

record Approval {
  nsc: Bool
  cabinet: Bool?
}

record Country key code {
  code: Text
  in_combat: Bool
  partner: Bool
  score: Int
  since: Date?
  level: Level
  name: Text
  tags: List<Text>
}

record Item key id {
  id: Text
  lethal: Bool
  licensed_from: Country?
  partners: Set<Country>
  categories: Set<Level>
}

record Zone key code alias names {
  code: Text
  names: Set<Text>
  rank: Int
  opened: Date
}

data {
  Zone { code: "Z1", names: {"north", "Z-one"}, rank: 2, opened: 2023-12-22 }
  Zone { code: "Z2", names: {"south"}, rank: -1, opened: 2024-02-29 }
}

record Transfer key id {
  id: Text
  item: Item
  destination: Country
  onward: Country?
  date: Date
  quantity: Int
  approval: Approval
  review: Approval?
  zone: Zone
}

decide t: Transfer on t.date

obligation o0 "first obligation"
obligation o1 "second obligation"
obligation o2 "third obligation"

fn hot(c: Country) -> Bool = c.in_combat or c.partner
fn ignores(c: Country) -> Bool = true
fn licensed_partner(i: Item) -> Bool = i.licensed_from is some and i.licensed_from.partner
"#;

/// A calendar date, compared as year, month, day.
#[derive(Copy, Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Day {
    /// The year.
    pub year: i32,
    /// The month, 1 to 12.
    pub month: u32,
    /// The day of the month.
    pub day: u32,
}

impl Day {
    /// Days since 1970-01-01 (proleptic Gregorian), by the usual civil-calendar formula.
    pub fn days(self) -> i64 {
        let year = i64::from(self.year) - i64::from(self.month <= 2);
        let era = year.div_euclid(400);
        let year_of_era = year - era * 400;
        let month = i64::from(self.month);
        let day_of_year =
            (153 * (if month > 2 { month - 3 } else { month + 9 }) + 2) / 5 + i64::from(self.day) - 1;
        let day_of_era = year_of_era * 365 + year_of_era / 4 - year_of_era / 100 + day_of_year;
        era * 146_097 + day_of_era - 719_468
    }
}

impl Day {
    /// The date `days` days after 1970-01-01, if its year is one a date may have (1 to 9999).
    pub fn from_days(days: i64) -> Option<Day> {
        let days = days.checked_add(719_468)?;
        let era = days.div_euclid(146_097);
        let day_of_era = days - era * 146_097;
        let year_of_era = (day_of_era - day_of_era / 1460 + day_of_era / 36_524 - day_of_era / 146_096) / 365;
        let day_of_year = day_of_era - (365 * year_of_era + year_of_era / 4 - year_of_era / 100);
        let shifted_month = (5 * day_of_year + 2) / 153;
        let day = day_of_year - (153 * shifted_month + 2) / 5 + 1;
        let month = if shifted_month < 10 {
            shifted_month + 3
        } else {
            shifted_month - 9
        };
        let year = year_of_era + era * 400 + i64::from(month <= 2);
        if !(1..=9999).contains(&year) {
            return None;
        }
        Some(Day {
            year: i32::try_from(year).ok()?,
            month: u32::try_from(month).ok()?,
            day: u32::try_from(day).ok()?,
        })
    }
}

impl fmt::Display for Day {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:04}-{:02}-{:02}", self.year, self.month, self.day)
    }
}

/// A fact's value: known, or unknown (nobody supplied it). `T` is `Option<_>` for optional fields,
/// where `None` is the known absence.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum Cell<T> {
    /// A known value.
    Known(T),
    /// Nobody supplied it.
    Unknown,
}

/// A `Country` fact.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Country {
    pub code: String,
    pub in_combat: Cell<bool>,
    pub partner: Cell<bool>,
    pub score: Cell<i64>,
    pub since: Cell<Option<Day>>,
    pub level: Cell<&'static str>,
    pub name: Cell<String>,
    /// A list: order and repeats kept.
    pub tags: Cell<Vec<String>>,
}

/// An `Item` fact.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Item {
    pub id: String,
    pub lethal: Cell<bool>,
    pub licensed_from: Cell<Option<String>>,
    pub partners: Cell<BTreeSet<String>>,
    pub categories: Cell<BTreeSet<&'static str>>,
}

/// An `Approval`, the nested record a transfer holds.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub struct Approval {
    pub nsc: Cell<bool>,
    pub cabinet: Cell<Option<bool>>,
}

/// A `Transfer` fact, the subject of decisions.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Transfer {
    pub id: String,
    pub item: Cell<String>,
    pub destination: Cell<String>,
    pub onward: Cell<Option<String>>,
    pub date: Cell<Day>,
    pub quantity: Cell<i64>,
    pub approval: Cell<Approval>,
    pub review: Cell<Option<Approval>>,
    /// A row of the table `Zone`, by key.
    pub zone: Cell<&'static str>,
}

/// Every fact of one run.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Facts {
    pub countries: Vec<Country>,
    pub items: Vec<Item>,
    pub transfers: Vec<Transfer>,
}

/// A field of the schema, with the record it belongs to.
#[derive(Copy, Clone, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum Field {
    TransferItem,
    TransferDestination,
    TransferOnward,
    TransferDate,
    TransferQuantity,
    TransferApproval,
    TransferReview,
    ApprovalNsc,
    ApprovalCabinet,
    ItemLethal,
    ItemLicensedFrom,
    ItemPartners,
    ItemCategories,
    CountryCode,
    CountryInCombat,
    CountryPartner,
    CountryScore,
    CountrySince,
    CountryLevel,
    CountryName,
    CountryTags,
    TransferZone,
    ZoneCode,
    ZoneRank,
    ZoneOpened,
}

impl Field {
    /// The field's name in Pol.
    pub fn name(self) -> &'static str {
        match self {
            Field::TransferItem => "item",
            Field::TransferDestination => "destination",
            Field::TransferOnward => "onward",
            Field::TransferDate => "date",
            Field::TransferQuantity => "quantity",
            Field::TransferApproval => "approval",
            Field::TransferReview => "review",
            Field::ApprovalNsc => "nsc",
            Field::ApprovalCabinet => "cabinet",
            Field::ItemCategories => "categories",
            Field::CountryCode => "code",
            Field::CountryLevel => "level",
            Field::CountryName => "name",
            Field::CountryTags => "tags",
            Field::ItemLethal => "lethal",
            Field::ItemLicensedFrom => "licensed_from",
            Field::ItemPartners => "partners",
            Field::CountryInCombat => "in_combat",
            Field::CountryPartner => "partner",
            Field::CountryScore => "score",
            Field::CountrySince => "since",
            Field::TransferZone => "zone",
            Field::ZoneCode => "code",
            Field::ZoneRank => "rank",
            Field::ZoneOpened => "opened",
        }
    }
}

/// A comparison operator.
#[derive(Copy, Clone, Debug, PartialEq, Eq)]
pub enum Cmp {
    Eq,
    Ne,
    Lt,
    Le,
    Gt,
    Ge,
}

impl Cmp {
    fn text(self) -> &'static str {
        match self {
            Cmp::Eq => "==",
            Cmp::Ne => "!=",
            Cmp::Lt => "<",
            Cmp::Le => "<=",
            Cmp::Gt => ">",
            Cmp::Ge => ">=",
        }
    }
}

/// A set operator.
#[derive(Copy, Clone, Debug, PartialEq, Eq)]
pub enum SetOp {
    Union,
    Intersect,
    Without,
}

/// A function of the prelude.
#[derive(Copy, Clone, Debug, PartialEq, Eq)]
pub enum Func {
    /// `hot(c: Country) = c.in_combat or c.partner`.
    Hot,
    /// `ignores(c: Country) = true`.
    Ignores,
    /// `licensed_partner(i: Item) = i.licensed_from is some and i.licensed_from.partner`.
    LicensedPartner,
}

impl Func {
    /// Its name in Pol.
    pub fn name(self) -> &'static str {
        match self {
            Func::Hot => "hot",
            Func::Ignores => "ignores",
            Func::LicensedPartner => "licensed_partner",
        }
    }

    /// Its body, over `Var(0)` for the parameter, exactly as the prelude writes it.
    pub fn body(self) -> Expr {
        let param = || Box::new(Expr::Var(0));
        match self {
            Func::Hot => Expr::Or(
                Box::new(Expr::Field(param(), Field::CountryInCombat)),
                Box::new(Expr::Field(param(), Field::CountryPartner)),
            ),
            Func::Ignores => Expr::Bool(true),
            Func::LicensedPartner => Expr::And(
                Box::new(Expr::IsSome(Box::new(Expr::Field(
                    param(),
                    Field::ItemLicensedFrom,
                )))),
                Box::new(Expr::Field(
                    Box::new(Expr::Field(param(), Field::ItemLicensedFrom)),
                    Field::CountryPartner,
                )),
            ),
        }
    }
}

/// An expression; the generator only builds ones the checker accepts.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Expr {
    Bool(bool),
    Int(i64),
    Date(Day),
    /// `t`, the transfer being decided.
    Subject,
    /// A quantified variable `pN` (or, in a function body, its parameter).
    Var(usize),
    /// `Country["KEY"]`.
    Key(&'static str),
    Field(Box<Expr>, Field),
    SetLit(Vec<Expr>),
    And(Box<Expr>, Box<Expr>),
    Or(Box<Expr>, Box<Expr>),
    Not(Box<Expr>),
    Cmp(Cmp, Box<Expr>, Box<Expr>),
    In {
        element: Box<Expr>,
        set: Box<Expr>,
        negated: bool,
    },
    IsSome(Box<Expr>),
    IsNone(Box<Expr>),
    Quant {
        all: bool,
        var: usize,
        set: Box<Expr>,
        body: Box<Expr>,
    },
    If(Box<Expr>, Box<Expr>, Box<Expr>),
    Call(Func, Box<Expr>),
    /// A call of the policy's generated function `fN` (see [`Policy::functions`]).
    Apply(usize, Vec<Expr>),
    Add(Box<Expr>, Box<Expr>),
    Sub(Box<Expr>, Box<Expr>),
    Mul(Box<Expr>, Box<Expr>),
    /// Unary `-`.
    Neg(Box<Expr>),
    /// A text literal.
    Text(&'static str),
    /// A variant of `Level`, bare (`low`) or qualified (`Level.low`).
    Variant(&'static str, bool),
    /// The policy's constant `kN` (see [`Policy::consts`]).
    Const(usize),
    /// `Item["KEY"]`.
    ItemKey(&'static str),
    /// `Zone["NAME"]`: a row of the table `Zone`, by key or alias.
    ZoneKey(&'static str),
    AddDays(Box<Expr>, Box<Expr>),
    Size(Box<Expr>),
    Year(Box<Expr>),
    DaysBetween(Box<Expr>, Box<Expr>),
    SetOp(SetOp, Box<Expr>, Box<Expr>),
    Subset(Box<Expr>, Box<Expr>),
    /// `Country` as a value: the set of every `Country` fact given (closed world).
    Countries,
    /// `Country[(e)]`: the country whose key the text `e` computes; unknown when no fact has it.
    CountryAt(Box<Expr>),
    /// A text builtin and its arguments.
    TextFn(TextFn, Vec<Expr>),
    /// A decimal literal, in hundredths (`275` is `2.75`); written with a point, so a `Decimal`.
    Dec(i64),
}

/// The text builtins (docs/language.md, Expressions).
#[derive(Copy, Clone, Debug, PartialEq, Eq)]
pub enum TextFn {
    Lower,
    Upper,
    Trim,
    Replace,
    StartsWith,
    EndsWith,
    Contains,
    Length,
    Split,
}

impl TextFn {
    /// The name it is called by.
    pub fn name(self) -> &'static str {
        match self {
            TextFn::Lower => "lower",
            TextFn::Upper => "upper",
            TextFn::Trim => "trim",
            TextFn::Replace => "replace",
            TextFn::StartsWith => "starts_with",
            TextFn::EndsWith => "ends_with",
            TextFn::Contains => "contains",
            TextFn::Length => "length",
            TextFn::Split => "split",
        }
    }
}

impl fmt::Display for Expr {
    /// Pol text, parenthesised so that precedence never matters.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Expr::Bool(value) => write!(f, "{value}"),
            // The literal `9223372036854775808` is out of range, so `i64::MIN` is written as a
            // subtraction; other negative literals are a negation, parenthesised.
            Expr::Int(i64::MIN) => write!(f, "(-9223372036854775807 - 1)"),
            Expr::Int(value) if *value < 0 => write!(f, "({value})"),
            Expr::Int(value) => write!(f, "{value}"),
            Expr::Date(day) => write!(f, "{day}"),
            Expr::Subject => write!(f, "t"),
            Expr::Var(idx) => write!(f, "p{idx}"),
            Expr::Key(key) => write!(f, "Country[{key:?}]"),
            Expr::Field(base, field) => write!(f, "{base}.{}", field.name()),
            Expr::SetLit(elements) => {
                let elements: Vec<String> = elements.iter().map(ToString::to_string).collect();
                write!(f, "{{{}}}", elements.join(", "))
            }
            Expr::And(left, right) => write!(f, "({left} and {right})"),
            Expr::Or(left, right) => write!(f, "({left} or {right})"),
            Expr::Not(inner) => write!(f, "(not {inner})"),
            Expr::Cmp(op, left, right) => write!(f, "({left} {} {right})", op.text()),
            Expr::In {
                element,
                set,
                negated,
            } => {
                let op = if *negated { "not in" } else { "in" };
                write!(f, "({element} {op} {set})")
            }
            Expr::IsSome(inner) => write!(f, "{inner} is some"),
            Expr::IsNone(inner) => write!(f, "{inner} is none"),
            Expr::Quant { all, var, set, body } => {
                let word = if *all { "all" } else { "any" };
                write!(f, "({word} p{var} in {set}: {body})")
            }
            Expr::If(condition, then, otherwise) => {
                write!(f, "(if {condition} then {then} else {otherwise})")
            }
            Expr::Call(func, arg) => write!(f, "{}({arg})", func.name()),
            Expr::Apply(idx, args) => {
                let args: Vec<String> = args.iter().map(ToString::to_string).collect();
                write!(f, "{}({})", function_name(*idx), args.join(", "))
            }
            Expr::Add(left, right) => write!(f, "({left} + {right})"),
            Expr::Sub(left, right) => write!(f, "({left} - {right})"),
            Expr::Mul(left, right) => write!(f, "({left} * {right})"),
            Expr::Neg(inner) => write!(f, "(-{inner})"),
            Expr::Text(text) => write!(f, "{text:?}"),
            Expr::Variant(name, false) => write!(f, "{name}"),
            Expr::Variant(name, true) => write!(f, "Level.{name}"),
            Expr::Const(idx) => write!(f, "k{idx}"),
            Expr::ItemKey(key) => write!(f, "Item[{key:?}]"),
            Expr::ZoneKey(name) => write!(f, "Zone[{name:?}]"),
            Expr::AddDays(date, days) => write!(f, "add_days({date}, {days})"),
            Expr::Size(inner) => write!(f, "size({inner})"),
            Expr::Dec(hundredths) => {
                let sign = if *hundredths < 0 { "-" } else { "" };
                let (whole, cents) = (hundredths.unsigned_abs() / 100, hundredths.unsigned_abs() % 100);
                let fraction = format!("{cents:02}");
                let fraction = fraction.trim_end_matches('0');
                let fraction = if fraction.is_empty() { "0" } else { fraction };
                if sign.is_empty() {
                    write!(f, "{whole}.{fraction}")
                } else {
                    write!(f, "(-{whole}.{fraction})")
                }
            }
            Expr::TextFn(function, args) => {
                let args: Vec<String> = args.iter().map(ToString::to_string).collect();
                write!(f, "{}({})", function.name(), args.join(", "))
            }
            Expr::Year(inner) => write!(f, "year({inner})"),
            Expr::DaysBetween(from, to) => write!(f, "days_between({from}, {to})"),
            Expr::SetOp(op, left, right) => {
                let word = match op {
                    SetOp::Union => "union",
                    SetOp::Intersect => "intersect",
                    SetOp::Without => "without",
                };
                write!(f, "({left} {word} {right})")
            }
            Expr::Subset(left, right) => write!(f, "({left} subset {right})"),
            Expr::Countries => write!(f, "Country"),
            // In parentheses, so that a text literal is a lookup, not a key reference.
            Expr::CountryAt(key) => write!(f, "Country[({key})]"),
        }
    }
}

/// Permit or deny.
#[derive(Copy, Clone, Debug, PartialEq, Eq)]
pub enum Effect {
    Permit,
    Deny,
}

impl Effect {
    fn word(self) -> &'static str {
        match self {
            Effect::Permit => "permit",
            Effect::Deny => "deny",
        }
    }
}

/// One condition part: `when expr`, or `unless expr` when negated.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Cond {
    pub expr: Expr,
    pub negated: bool,
}

/// A rule. Its name is `r` and its index in the policy.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Rule {
    pub effect: Effect,
    pub conditions: Vec<Cond>,
    /// Indices of obligations `oN` (permit rules only).
    pub obligations: Vec<usize>,
    pub effective: Option<Day>,
    pub until: Option<Day>,
    /// Indices of the rules this one is an exception to.
    pub exception_to: Vec<usize>,
}

/// The type of a generated function's parameter.
#[derive(Copy, Clone, Debug, PartialEq, Eq)]
pub enum Param {
    Bool,
    Country,
    Int,
}

impl Param {
    fn word(self) -> &'static str {
        match self {
            Param::Bool => "Bool",
            Param::Country => "Country",
            Param::Int => "Int",
        }
    }
}

/// A function the policy defines, `fN(p0: …, p1: …) -> Bool`: its body reads its parameters as
/// `Var(0)`, `Var(1)`, … and may ignore some of them.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Function {
    pub params: Vec<Param>,
    pub body: Expr,
}

/// A constant the policy defines, `let kN = expr`: its expression reads no subject and no
/// variable, and may read the constants before it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Const {
    /// Its type as Pol writes it, given in the declaration when `annotated`.
    pub ty: &'static str,
    pub annotated: bool,
    pub expr: Expr,
}

/// A policy over the fixed schema: its constants, functions, rules and default.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Policy {
    pub consts: Vec<Const>,
    pub functions: Vec<Function>,
    pub rules: Vec<Rule>,
    pub default: Effect,
}

/// The name of generated function `idx`.
pub fn function_name(idx: usize) -> String {
    format!("f{idx}")
}

/// The name of rule `idx`.
pub fn rule_name(idx: usize) -> String {
    format!("r{idx}")
}

/// The name of obligation `idx`.
pub fn obligation_name(idx: usize) -> String {
    format!("o{idx}")
}

impl Policy {
    /// The policy as Pol text, its rules written in the order `order` gives (indices into `rules`).
    pub fn text_in_order(&self, order: &[usize]) -> String {
        let mut text = String::from(PRELUDE);
        for (idx, constant) in self.consts.iter().enumerate() {
            if constant.annotated {
                writeln!(text, "let k{idx}: {} = {}", constant.ty, constant.expr).unwrap();
            } else {
                writeln!(text, "let k{idx} = {}", constant.expr).unwrap();
            }
        }
        for (idx, function) in self.functions.iter().enumerate() {
            let params: Vec<String> = function
                .params
                .iter()
                .enumerate()
                .map(|(param, ty)| format!("p{param}: {}", ty.word()))
                .collect();
            writeln!(
                text,
                "fn {}({}) -> Bool = {}",
                function_name(idx),
                params.join(", "),
                function.body
            )
            .unwrap();
        }
        writeln!(text, "default {} because \"the default\"", self.default.word()).unwrap();
        for &idx in order {
            let rule = &self.rules[idx];
            writeln!(text, "\nrule {}: {} {{", rule_name(idx), rule.effect.word()).unwrap();
            for cond in &rule.conditions {
                let word = if cond.negated { "unless" } else { "when" };
                writeln!(text, "  {word} {}", cond.expr).unwrap();
            }
            writeln!(text, "  because \"rule {idx}\"").unwrap();
            if !rule.obligations.is_empty() {
                let names: Vec<String> = rule.obligations.iter().map(|&o| obligation_name(o)).collect();
                writeln!(text, "  oblige {}", names.join(", ")).unwrap();
            }
            if let Some(day) = rule.effective {
                writeln!(text, "  effective {day}").unwrap();
            }
            if let Some(day) = rule.until {
                writeln!(text, "  until {day}").unwrap();
            }
            if !rule.exception_to.is_empty() {
                let names: Vec<String> = rule.exception_to.iter().map(|&r| rule_name(r)).collect();
                writeln!(text, "  exception to {}", names.join(", ")).unwrap();
            }
            writeln!(text, "}}").unwrap();
        }
        text
    }

    /// The policy as Pol text, rules in their own order.
    pub fn text(&self) -> String {
        let order: Vec<usize> = (0..self.rules.len()).collect();
        self.text_in_order(&order)
    }
}

/// A small deterministic pseudo-random sequence (SplitMix64), for choices that need no shrinking:
/// how a fact is spelled in JSON, shuffles.
#[derive(Clone, Debug)]
pub struct Mix(pub u64);

impl Mix {
    /// The next number.
    pub fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// A number below `n` (which is not zero).
    pub fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }

    /// Shuffles a slice in place (Fisher–Yates).
    pub fn shuffle<T>(&mut self, items: &mut [T]) {
        for idx in (1..items.len()).rev() {
            let other = self.below(idx + 1);
            items.swap(idx, other);
        }
    }
}

/// Writes one field into a JSON object being built. `Unknown` is spelled in one of the ways
/// docs/facts.md allows for the field's kind, `None` as absent or `null`, chosen by `mix`.
struct JsonRecord<'m> {
    fields: Vec<String>,
    mix: &'m mut Mix,
}

impl JsonRecord<'_> {
    fn key(&mut self, name: &str, value: &str) {
        self.fields.push(format!("{name:?}: {value:?}"));
    }

    fn required(&mut self, name: &str, value: Option<String>) {
        match value {
            Some(json) => self.fields.push(format!("{name:?}: {json}")),
            None => match self.mix.below(3) {
                0 => {}
                1 => self.fields.push(format!("{name:?}: null")),
                _ => self.fields.push(format!("{name:?}: \"?\"")),
            },
        }
    }

    fn optional(&mut self, name: &str, value: Cell<Option<String>>) {
        match value {
            Cell::Known(Some(json)) => self.fields.push(format!("{name:?}: {json}")),
            Cell::Known(None) => {
                if self.mix.below(2) == 0 {
                    self.fields.push(format!("{name:?}: null"));
                }
            }
            Cell::Unknown => self.fields.push(format!("{name:?}: \"?\"")),
        }
    }

    fn set(&mut self, name: &str, value: &Cell<BTreeSet<String>>) {
        match value {
            Cell::Known(keys) => {
                let keys: Vec<String> = keys.iter().map(|key| format!("{key:?}")).collect();
                self.fields.push(format!("{name:?}: [{}]", keys.join(", ")));
            }
            Cell::Unknown => match self.mix.below(4) {
                0 => {}
                1 => self.fields.push(format!("{name:?}: null")),
                2 => self.fields.push(format!("{name:?}: \"?\"")),
                _ => self.fields.push(format!("{name:?}: [\"AA\", \"?\"]")),
            },
        }
    }

    fn list(&mut self, name: &str, value: Option<Vec<String>>) {
        match value {
            Some(elements) => self.fields.push(format!("{name:?}: [{}]", elements.join(", "))),
            None => match self.mix.below(4) {
                0 => {}
                1 => self.fields.push(format!("{name:?}: null")),
                2 => self.fields.push(format!("{name:?}: \"?\"")),
                _ => self.fields.push(format!("{name:?}: [\"?\"]")),
            },
        }
    }

    fn finish(mut self) -> String {
        self.mix.shuffle(&mut self.fields);
        format!("{{{}}}", self.fields.join(", "))
    }
}

fn known<T, S>(cell: &Cell<T>, show: impl Fn(&T) -> S) -> Option<S> {
    match cell {
        Cell::Known(value) => Some(show(value)),
        Cell::Unknown => None,
    }
}

fn optional<T>(cell: &Cell<Option<T>>, show: impl Fn(&T) -> String) -> Cell<Option<String>> {
    match cell {
        Cell::Known(value) => Cell::Known(value.as_ref().map(show)),
        Cell::Unknown => Cell::Unknown,
    }
}

fn quoted(text: &impl fmt::Display) -> String {
    format!("\"{text}\"")
}

/// A JSON string, escaped (the texts generated need only Rust's escapes of `"` and `\\`).
fn string(text: &impl AsRef<str>) -> String {
    format!("{:?}", text.as_ref())
}

/// A nested `Approval` as a JSON object.
fn approval_json(approval: &Approval, mix: &mut Mix) -> String {
    let mut record = JsonRecord {
        fields: Vec::new(),
        mix,
    };
    record.required("nsc", known(&approval.nsc, ToString::to_string));
    record.optional("cabinet", optional(&approval.cabinet, ToString::to_string));
    record.finish()
}

impl Facts {
    /// The facts as one JSON document; `seed` chooses how unknowns and nones are spelled and the
    /// order of fields. Records are written in the order of the vectors.
    pub fn json(&self, seed: u64) -> String {
        let mut mix = Mix(seed);
        let mut countries = Vec::new();
        for country in &self.countries {
            let mut record = JsonRecord {
                fields: Vec::new(),
                mix: &mut mix,
            };
            record.key("code", &country.code);
            record.required("in_combat", known(&country.in_combat, ToString::to_string));
            record.required("partner", known(&country.partner, ToString::to_string));
            record.required("score", known(&country.score, ToString::to_string));
            record.optional("since", optional(&country.since, quoted));
            record.required("level", known(&country.level, string));
            record.required("name", known(&country.name, string));
            record.list(
                "tags",
                known(&country.tags, |tags| tags.iter().map(string).collect::<Vec<_>>()),
            );
            countries.push(record.finish());
        }
        let mut items = Vec::new();
        for item in &self.items {
            let mut record = JsonRecord {
                fields: Vec::new(),
                mix: &mut mix,
            };
            record.key("id", &item.id);
            record.required("lethal", known(&item.lethal, ToString::to_string));
            record.optional("licensed_from", optional(&item.licensed_from, quoted));
            record.set("partners", &item.partners);
            record.list(
                "categories",
                known(&item.categories, |levels| {
                    levels.iter().map(string).collect::<Vec<_>>()
                }),
            );
            items.push(record.finish());
        }
        let mut transfers = Vec::new();
        for transfer in &self.transfers {
            let approval = match &transfer.approval {
                Cell::Known(approval) => Some(approval_json(approval, &mut mix)),
                Cell::Unknown => None,
            };
            let review = match &transfer.review {
                Cell::Known(Some(review)) => Cell::Known(Some(approval_json(review, &mut mix))),
                Cell::Known(None) => Cell::Known(None),
                Cell::Unknown => Cell::Unknown,
            };
            // A zone is named by its key or any alias, as facts may.
            let zone = match transfer.zone {
                Cell::Known(code) => {
                    let names: Vec<&str> = zone_names()
                        .into_iter()
                        .filter(|(_, key)| *key == code)
                        .map(|(name, _)| name)
                        .collect();
                    Some(string(&names[mix.below(names.len())]))
                }
                Cell::Unknown => None,
            };
            let mut record = JsonRecord {
                fields: Vec::new(),
                mix: &mut mix,
            };
            record.key("id", &transfer.id);
            record.required("item", known(&transfer.item, quoted));
            record.required("destination", known(&transfer.destination, quoted));
            record.optional("onward", optional(&transfer.onward, quoted));
            record.required("date", known(&transfer.date, quoted));
            record.required("quantity", known(&transfer.quantity, ToString::to_string));
            record.required("approval", approval);
            record.optional("review", review);
            record.required("zone", zone);
            transfers.push(record.finish());
        }
        let mut tables = vec![
            format!("\"Country\": [\n  {}\n]", countries.join(",\n  ")),
            format!("\"Item\": [\n  {}\n]", items.join(",\n  ")),
            format!("\"Transfer\": [\n  {}\n]", transfers.join(",\n  ")),
        ];
        mix.shuffle(&mut tables);
        format!("{{\n{}\n}}\n", tables.join(",\n"))
    }
}
