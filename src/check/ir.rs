//! The checked program the evaluator runs: every name resolved to an index,
//! every text interned, every expression typed. Produced by `check`, read by `eval` and `facts`.

use std::collections::HashMap;

use crate::source::Span;
use crate::value::{Date, Interner, Sym, Value};

macro_rules! index_type {
    ($($(#[doc = $doc:literal])+ $name:ident;)*) => {$(
        $(#[doc = $doc])+
        #[derive(Copy, Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
        pub struct $name(pub u32);

        impl $name {
            /// The index as `usize`.
            pub fn idx(self) -> usize {
                self.0 as usize
            }
        }
    )*};
}

index_type! {
    /// Index of a type in [`Program::types`].
    TypeId;
    /// Index of an enum in [`Program::enums`].
    EnumId;
    /// Index of a record type in [`Program::records`].
    RecordId;
    /// Index of a constant in [`Program::consts`].
    ConstId;
    /// Index of a function in [`Program::functions`].
    FnId;
    /// Index of an obligation in [`Program::obligations`].
    ObligationId;
    /// Index of a rule in [`Program::rules`].
    RuleId;
    /// Index of a key reference in [`Program::key_refs`].
    KeyRefId;
}

/// A type. Types are interned in [`Types`], so equal types have equal ids.
#[derive(Copy, Clone, Debug, PartialEq, Eq, Hash)]
pub enum Type {
    /// `Bool`.
    Bool,
    /// `Int`.
    Int,
    /// `Text`.
    Text,
    /// `Date`.
    Date,
    /// `Decimal`: an exact decimal number; an `Int` widens to it.
    Decimal,
    /// An enum.
    Enum(EnumId),
    /// A reference to a record.
    Record(RecordId),
    /// `Set<T>`.
    Set(TypeId),
    /// `List<T>`.
    List(TypeId),
    /// `T?`: a value or none. Never nested.
    Optional(TypeId),
    /// The type of `none` and of the empty set's elements before it meets a context.
    Nothing,
}

/// The table of interned types.
#[derive(Clone, Debug, Default)]
pub struct Types {
    types: Vec<Type>,
    // Finds a type's id without scanning the table: large policies intern often.
    ids: HashMap<Type, TypeId>,
}

impl Types {
    /// The id of a type, adding it if new.
    pub fn intern(&mut self, ty: Type) -> TypeId {
        if let Some(id) = self.ids.get(&ty) {
            return *id;
        }
        self.types.push(ty);
        let id = TypeId((self.types.len() - 1) as u32);
        self.ids.insert(ty, id);
        id
    }

    /// The type with this id.
    pub fn get(&self, id: TypeId) -> Type {
        self.types[id.idx()]
    }

    /// How many types are interned.
    pub fn len(&self) -> usize {
        self.types.len()
    }

    /// Whether no type is interned.
    pub fn is_empty(&self) -> bool {
        self.types.is_empty()
    }

    /// The id of a type already interned.
    pub fn find(&self, ty: Type) -> Option<TypeId> {
        self.ids.get(&ty).copied()
    }

    /// The type without its `?`.
    pub fn strip_optional(&self, id: TypeId) -> TypeId {
        match self.get(id) {
            Type::Optional(inner) => inner,
            _ => id,
        }
    }
}

/// An enum type.
#[derive(Clone, Debug)]
pub struct EnumDef {
    /// Its name.
    pub name: String,
    /// Variant names in order; a `Value::Variant(i)` is `variants[i]`.
    pub variants: Vec<String>,
    /// Where it is declared.
    pub span: Span,
}

/// A record type: the schema of one kind of fact.
#[derive(Clone, Debug)]
pub struct RecordDef {
    /// Its name, as facts files name it.
    pub name: String,
    /// Fields in declaration order; facts store them in this order.
    pub fields: Vec<FieldDef>,
    /// The index of the key field, if facts of this type have keys.
    pub key: Option<u32>,
    /// Whether it is a nested record: a record type without a key that is some field's type.
    /// Its facts are written inside their parent's and are identified by the parent's field.
    pub nested: bool,
    /// The field named by `alias` after the key: its texts (a `Text` or a `Set<Text>`) also name
    /// the row, in key references and in facts.
    pub alias: Option<u32>,
    /// Whether it is a table: its rows are declared in `data` and known when the policy is
    /// checked; facts cannot add to them.
    pub table: bool,
    /// The table its key field refers to, when that field's type is a table (`key country`
    /// with `country: Country`): its facts are named by any name of the table's row, and keyed
    /// by that row's key.
    pub key_table: Option<RecordId>,
    /// The fields of a compound key (`key (a, b)`), two or more, in order; empty otherwise
    /// (`key` is then `None`: such facts are numbered, and found by [`ExprKind::Lookup`]).
    pub compound_key: Vec<u32>,
    /// Where it is declared.
    pub span: Span,
}

impl RecordDef {
    /// The fields a lookup by key (`Record[a, b]`) gives values for: the key, or the fields of
    /// a compound key; empty for a record type without a key.
    pub fn lookup_fields(&self) -> Vec<u32> {
        match self.key {
            Some(key) => vec![key],
            None => self.compound_key.clone(),
        }
    }

    /// The index of a field by name.
    pub fn field(&self, name: &str) -> Option<u32> {
        self.fields
            .iter()
            .position(|field| field.name == name)
            .map(|idx| idx as u32)
    }
}

/// One field of a record type.
#[derive(Clone, Debug)]
pub struct FieldDef {
    /// Its name.
    pub name: String,
    /// Its type; `Optional` for `T?`.
    pub ty: TypeId,
    /// Where it is declared.
    pub span: Span,
}

/// A named constant (`let`).
#[derive(Clone, Debug)]
pub struct ConstDef {
    /// Its name.
    pub name: String,
    /// Its type.
    pub ty: TypeId,
    /// Its value; it never mentions the subject.
    pub value: Expr,
    /// Local slots its value uses (quantified variables).
    pub n_locals: u32,
    /// Where it is declared.
    pub span: Span,
}

/// A function (`fn`). Functions are never recursive, so calls always end.
#[derive(Clone, Debug)]
pub struct FnDef {
    /// Its name.
    pub name: String,
    /// Parameter names and types; parameter `i` is local slot `i`.
    pub params: Vec<(String, TypeId)>,
    /// How many local slots the body uses (parameters first, then quantified variables).
    pub n_locals: u32,
    /// Its result type.
    pub result: TypeId,
    /// The body.
    pub body: Expr,
    /// Where it is declared.
    pub span: Span,
}

/// An obligation a permit can attach.
#[derive(Clone, Debug)]
pub struct ObligationDef {
    /// Its name.
    pub name: String,
    /// What it requires, in words.
    pub text: String,
    /// Where it is declared.
    pub span: Span,
}

/// One `when` (or `unless`) clause of a rule; a rule applies when every part holds.
#[derive(Clone, Debug)]
pub struct Condition {
    /// The boolean expression.
    pub expr: Expr,
    /// True for `unless`: the part holds when the expression is false.
    pub negated: bool,
    /// The span of the clause's expression.
    pub span: Span,
}

/// Permit or deny: what a rule or the default decides.
#[derive(Copy, Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Effect {
    /// Lets the transfer go.
    Permit,
    /// Stops the transfer.
    Deny,
}

impl Effect {
    /// The keyword.
    pub fn as_str(self) -> &'static str {
        match self {
            Effect::Permit => "permit",
            Effect::Deny => "deny",
        }
    }
}

/// `any` or `all`: which elements of a set a quantified condition needs.
#[derive(Copy, Clone, Debug, PartialEq, Eq, Hash)]
pub enum Quantifier {
    /// True if some element satisfies the body.
    Any,
    /// True if every element satisfies the body.
    All,
}

/// A rule.
#[derive(Clone, Debug)]
pub struct RuleDef {
    /// Its name.
    pub name: String,
    /// Permit or deny.
    pub effect: Effect,
    /// Its condition parts, in source order (a top-level `and` in a `when` is split into parts).
    pub conditions: Vec<Condition>,
    /// The reason in words, if given.
    pub reason: Option<String>,
    /// The provision cited, if given.
    pub citation: Option<String>,
    /// Obligations attached (permit rules only).
    pub obligations: Vec<ObligationId>,
    /// In force from this date, if given.
    pub effective: Option<Date>,
    /// In force before this date only, if given.
    pub until: Option<Date>,
    /// The rules this one is an exception to.
    pub exception_to: Vec<RuleId>,
    /// The rules that are exceptions to this one (the reverse of `exception_to`).
    pub defeated_by: Vec<RuleId>,
    /// Local slots its conditions use (quantified variables).
    pub n_locals: u32,
    /// The span of the rule's name.
    pub name_span: Span,
    /// The span of the whole rule.
    pub span: Span,
}

/// Whether a rule with these dates is in force on a date (`effective <= date < until`).
pub fn in_force(effective: Option<Date>, until: Option<Date>, date: Date) -> bool {
    effective.is_none_or(|from| from <= date) && until.is_none_or(|to| date < to)
}

impl RuleDef {
    /// Whether the rule is in force on a date (`effective <= date < until`).
    pub fn in_force(&self, date: Date) -> bool {
        in_force(self.effective, self.until, date)
    }

    /// Whether the rule has an effective or end date.
    pub fn is_dated(&self) -> bool {
        self.effective.is_some() || self.until.is_some()
    }
}

/// What a policy decides: the record type and how rules refer to it.
#[derive(Clone, Debug)]
pub struct Subject {
    /// The record type decided, one decision per fact of this type.
    pub record: RecordId,
    /// The name rules use for it.
    pub var: String,
    /// The date whose law applies, from `decide … on expr`; of type `Date` or `Date?`.
    pub date: Option<Expr>,
    /// Local slots the date expression uses.
    pub n_locals: u32,
    /// Where it is declared.
    pub span: Span,
}

/// The decision when no rule applies.
#[derive(Clone, Debug)]
pub struct DefaultDef {
    /// Permit or deny.
    pub effect: Effect,
    /// Why, in words.
    pub reason: Option<String>,
    /// The provision it rests on.
    pub citation: Option<String>,
    /// Where it is declared.
    pub span: Span,
}

/// `Record[a, b]` in a policy: a lookup by a key computed when a rule runs.
#[derive(Clone, Debug)]
pub struct LookupDef {
    /// The record type looked up.
    pub record: RecordId,
    /// The lookup as written (`ConflictYear[t.recipient, year(t.date)]`), to name the fact
    /// that is missing when no fact has the key.
    pub text: String,
    /// Where it is written.
    pub span: Span,
}

/// `Record["key"]` in a policy: bound to a row when facts are loaded.
#[derive(Clone, Debug)]
pub struct KeyRefDef {
    /// The record type.
    pub record: RecordId,
    /// The key.
    pub key: Sym,
    /// Where the key (the text literal) is written at its first use.
    pub span: Span,
    /// Where the key is written at each later use, in source order.
    pub later_uses: Vec<Span>,
}

/// A checked, runnable program: one policy with everything it imports.
#[derive(Clone, Debug, Default)]
pub struct Program {
    /// Interned texts of the policy (string literals, keys); facts extend a copy of it.
    pub interner: Interner,
    /// Every type used.
    pub types: Types,
    /// Enum types.
    pub enums: Vec<EnumDef>,
    /// Record types.
    pub records: Vec<RecordDef>,
    /// Constants, in an order where each depends only on earlier ones.
    pub consts: Vec<ConstDef>,
    /// Functions.
    pub functions: Vec<FnDef>,
    /// Obligations.
    pub obligations: Vec<ObligationDef>,
    /// Rules, in source order (imported modules first).
    pub rules: Vec<RuleDef>,
    /// Rules ordered so that every exception comes before the rules it defeats.
    pub rule_order: Vec<RuleId>,
    /// Key references to bind against facts.
    pub key_refs: Vec<KeyRefDef>,
    /// Every lookup by a computed key (`Record[a, b]`), in source order.
    pub lookups: Vec<LookupDef>,
    /// The record types whose facts the program ranges over or looks up (`any c in Conflict`,
    /// `Conflict[a, b]`), each once, with where it is first done: they are read whole, never
    /// streamed, and a type with no facts is warned about (W0007).
    pub fact_sets: Vec<(RecordId, Span)>,
    /// What the policy decides; `None` for a module that only defines.
    pub subject: Option<Subject>,
    /// The default decision; `None` for a module that only defines.
    pub default: Option<DefaultDef>,
    /// Test blocks.
    pub tests: Vec<TestDef>,
    /// The rows of tables (`data`), in source order: every facts load starts with them.
    pub data: Vec<TestFact>,
    /// Whether checking found an error: the program is then partial (`check::check_partial`)
    /// and nothing may decide with it. Its broken parts (a constant, function, field or
    /// expression whose type did not check) then carry the type id `u32::MAX`, which
    /// [`Types`] does not hold: readers of a partial program check an id against
    /// [`Types::len`] before looking it up.
    pub has_errors: bool,
}

/// The comparison or membership test whose operands a derivation shows for a condition.
#[derive(Copy, Clone, Debug)]
pub struct ShownTest<'p> {
    /// The two operands of the test (a comparison, `in` or `subset`).
    pub operands: (&'p Expr, &'p Expr),
    /// The function whose body the test is, when the condition reaches it through calls.
    pub function: Option<FnId>,
}

impl Program {
    /// The test whose operands a derivation shows for a condition: the condition itself when it
    /// is a comparison, `in` or `subset`; for a call whose body is such a test (or, in turn, a
    /// call), the test inside the innermost function, evaluated with the call's arguments.
    pub fn shown_test<'p>(&'p self, condition: &'p Expr) -> Option<ShownTest<'p>> {
        let mut expr = condition;
        let mut function = None;
        // INVARIANT: functions cannot call themselves (the checker rejects it), so this ends
        // after at most one step per function.
        while let ExprKind::Call(id, _) = &expr.kind {
            function = Some(*id);
            expr = &self.functions[id.idx()].body;
        }
        let operands = match &expr.kind {
            ExprKind::Compare(_, left, right) | ExprKind::Subset(left, right) => (&**left, &**right),
            ExprKind::In { element, set, .. } => (&**element, &**set),
            _ => return None,
        };
        Some(ShownTest { operands, function })
    }

    /// The id of a record type by name.
    pub fn record(&self, name: &str) -> Option<RecordId> {
        self.records
            .iter()
            .position(|record| record.name == name)
            .map(|idx| RecordId(idx as u32))
    }

    /// The id of a rule by name.
    pub fn rule(&self, name: &str) -> Option<RuleId> {
        self.rules
            .iter()
            .position(|rule| rule.name == name)
            .map(|idx| RuleId(idx as u32))
    }

    /// The id of an obligation by name.
    pub fn obligation(&self, name: &str) -> Option<ObligationId> {
        self.obligations
            .iter()
            .position(|obligation| obligation.name == name)
            .map(|idx| ObligationId(idx as u32))
    }

    /// The nested record type a field of this type holds (`Approval` or `Approval?`), if any.
    pub fn nested_record(&self, ty: TypeId) -> Option<RecordId> {
        match self.types.get(self.types.strip_optional(ty)) {
            Type::Record(id) if self.records[id.idx()].nested => Some(id),
            _ => None,
        }
    }

    /// The type a `T` or `T?` field holds, as written (`Set<Country>`, `Date?`).
    pub fn type_name(&self, ty: TypeId) -> String {
        match self.types.get(ty) {
            Type::Bool => "Bool".into(),
            Type::Int => "Int".into(),
            Type::Text => "Text".into(),
            Type::Date => "Date".into(),
            Type::Decimal => "Decimal".into(),
            Type::Enum(id) => self.enums[id.idx()].name.clone(),
            Type::Record(id) => self.records[id.idx()].name.clone(),
            Type::Set(inner) => format!("Set<{}>", self.type_name(inner)),
            Type::List(inner) => format!("List<{}>", self.type_name(inner)),
            Type::Optional(inner) => format!("{}?", self.type_name(inner)),
            Type::Nothing => "none".into(),
        }
    }
}

/// A typed expression.
#[derive(Clone, Debug)]
pub struct Expr {
    /// Its shape.
    pub kind: ExprKind,
    /// Its type.
    pub ty: TypeId,
    /// The span of the syntax it came from.
    pub span: Span,
}

/// Comparison operators.
#[derive(Copy, Clone, Debug, PartialEq, Eq, Hash)]
pub enum CompareOp {
    /// `==`: any two values of one type (none equals only none).
    Eq,
    /// `!=`.
    Ne,
    /// `<` on Int or Date.
    Lt,
    /// `<=`.
    Le,
    /// `>`.
    Gt,
    /// `>=`.
    Ge,
}

/// Set operators.
#[derive(Copy, Clone, Debug, PartialEq, Eq, Hash)]
pub enum SetOp {
    /// `union`.
    Union,
    /// `intersect`.
    Intersect,
    /// `without`.
    Without,
}

/// Integer operators; overflow is an error.
#[derive(Copy, Clone, Debug, PartialEq, Eq, Hash)]
pub enum ArithOp {
    /// `+`.
    Add,
    /// `-`.
    Sub,
    /// `*`.
    Mul,
}

/// Functions built into the language.
#[derive(Copy, Clone, Debug, PartialEq, Eq, Hash)]
pub enum Builtin {
    /// `size(S)`: the number of elements of a set or list.
    Size,
    /// `year(d)`: the year of a date.
    Year,
    /// `days_between(a, b)`: days from `a` to `b` (negative if `b` is earlier).
    DaysBetween,
    /// `add_days(d, n)`: the date `n` days after `d`.
    AddDays,
    /// `count(S)`: the number of elements of a set or list, as `size`.
    Count,
    /// `sum(S)`: the sum of a set or list of Int or Decimal (0 when empty).
    Sum,
    /// `min(S)`: the least element of a nonempty set or list of Int or Decimal.
    Min,
    /// `max(S)`: the greatest element of a nonempty set or list of Int or Decimal.
    Max,
    /// `lower(s)`: the text in lower case.
    Lower,
    /// `upper(s)`: the text in upper case.
    Upper,
    /// `trim(s)`: the text without white space at either end.
    Trim,
    /// `split(s, sep)`: the pieces of the text between the separators, in order, as a list.
    Split,
    /// `starts_with(s, prefix)`: whether the text starts with the prefix.
    StartsWith,
    /// `ends_with(s, suffix)`: whether the text ends with the suffix.
    EndsWith,
    /// `contains(s, part)`: whether the part occurs in the text.
    Contains,
    /// `replace(s, from, to)`: the text with every `from` replaced by `to`.
    Replace,
    /// `length(s)`: the number of characters of the text.
    Length,
}

impl Builtin {
    /// Every builtin, for name lookup.
    pub const ALL: &'static [Builtin] = &[
        Builtin::Size,
        Builtin::Year,
        Builtin::DaysBetween,
        Builtin::AddDays,
        Builtin::Count,
        Builtin::Sum,
        Builtin::Min,
        Builtin::Max,
        Builtin::Lower,
        Builtin::Upper,
        Builtin::Trim,
        Builtin::Split,
        Builtin::StartsWith,
        Builtin::EndsWith,
        Builtin::Contains,
        Builtin::Replace,
        Builtin::Length,
    ];

    /// The name it is called by.
    pub fn name(self) -> &'static str {
        match self {
            Builtin::Size => "size",
            Builtin::Year => "year",
            Builtin::DaysBetween => "days_between",
            Builtin::AddDays => "add_days",
            Builtin::Count => "count",
            Builtin::Sum => "sum",
            Builtin::Min => "min",
            Builtin::Max => "max",
            Builtin::Lower => "lower",
            Builtin::Upper => "upper",
            Builtin::Trim => "trim",
            Builtin::Split => "split",
            Builtin::StartsWith => "starts_with",
            Builtin::EndsWith => "ends_with",
            Builtin::Contains => "contains",
            Builtin::Replace => "replace",
            Builtin::Length => "length",
        }
    }

    /// Whether it works on texts (the fast path leaves these to the full evaluator, which can
    /// make new texts).
    pub fn is_text(self) -> bool {
        matches!(
            self,
            Builtin::Lower
                | Builtin::Upper
                | Builtin::Trim
                | Builtin::Split
                | Builtin::StartsWith
                | Builtin::EndsWith
                | Builtin::Contains
                | Builtin::Replace
                | Builtin::Length
        )
    }
}

impl Expr {
    /// Calls `visit` on each expression directly inside this one, in order (not on the bodies of
    /// the functions or constants it names).
    pub fn for_each_child<'e>(&'e self, mut visit: impl FnMut(&'e Expr)) {
        match &self.kind {
            ExprKind::Literal(_)
            | ExprKind::Subject
            | ExprKind::Local(_)
            | ExprKind::Const(_)
            | ExprKind::KeyRef(_)
            | ExprKind::FactsOf { index: None, .. } => {}
            ExprKind::FactsOf {
                index: Some((_, key)),
                ..
            } => visit(key),
            ExprKind::SetLiteral(items)
            | ExprKind::Call(_, items)
            | ExprKind::Builtin(_, items)
            | ExprKind::Lookup { keys: items, .. } => {
                items.iter().for_each(visit);
            }
            ExprKind::Field { base, .. } => visit(base),
            ExprKind::Not(inner)
            | ExprKind::Neg(inner)
            | ExprKind::IsSome(inner)
            | ExprKind::IsNone(inner) => {
                visit(inner);
            }
            ExprKind::And(left, right)
            | ExprKind::Or(left, right)
            | ExprKind::Compare(_, left, right)
            | ExprKind::Subset(left, right)
            | ExprKind::SetOp(_, left, right)
            | ExprKind::Arith(_, left, right)
            | ExprKind::In {
                element: left,
                set: right,
                ..
            }
            | ExprKind::Quantified {
                set: left,
                body: right,
                ..
            } => {
                visit(left);
                visit(right);
            }
            ExprKind::If(condition, then, otherwise) => {
                visit(condition);
                visit(then);
                visit(otherwise);
            }
        }
    }
}

/// The shape of a typed expression.
#[derive(Clone, Debug)]
pub enum ExprKind {
    /// A literal: `Bool`, `Int`, `Text` (interned in [`Program::interner`]), `Date`, `Variant` or `None`.
    Literal(Value),
    /// A set literal; elements are evaluated, then sorted and deduplicated.
    SetLiteral(Vec<Expr>),
    /// The subject being decided (a `Value::Record` of the subject's record type).
    Subject,
    /// A function parameter or quantified variable, by slot in the current frame.
    Local(u32),
    /// A constant.
    Const(ConstId),
    /// `Record["key"]`.
    KeyRef(KeyRefId),
    /// `Record[a, b]`: the fact whose key (or compound key) the expressions compute, found by
    /// an index of the facts; unknown when no fact has it.
    Lookup {
        /// The record type.
        record: RecordId,
        /// Its entry in [`Program::lookups`].
        lookup: u32,
        /// One value per field of [`RecordDef::lookup_fields`], in order.
        keys: Vec<Expr>,
    },
    /// A record type's name as a value: the set of every fact of that type (closed world: the
    /// facts given, placeholders of key references left out).
    FactsOf {
        /// The record type.
        record: RecordId,
        /// When this is the range of a quantifier whose body starts with `x.field == e` (`e`
        /// not reading `x`): the field and `e`, so that only the facts whose field is `e` or
        /// unknown need the body (the others make it false).
        index: Option<(u32, Box<Expr>)>,
    },
    /// `base.field`, where `base` is a record of type `record` (never none: the checker proved it).
    Field {
        /// The record value.
        base: Box<Expr>,
        /// Its record type.
        record: RecordId,
        /// The field's index.
        field: u32,
    },
    /// A call to a user function.
    Call(FnId, Vec<Expr>),
    /// A call to a builtin.
    Builtin(Builtin, Vec<Expr>),
    /// `not e`.
    Not(Box<Expr>),
    /// `-e` on Int.
    Neg(Box<Expr>),
    /// `e is some`.
    IsSome(Box<Expr>),
    /// `e is none`.
    IsNone(Box<Expr>),
    /// `a and b` (Kleene).
    And(Box<Expr>, Box<Expr>),
    /// `a or b` (Kleene).
    Or(Box<Expr>, Box<Expr>),
    /// A comparison.
    Compare(CompareOp, Box<Expr>, Box<Expr>),
    /// `e in S`, or `e not in S` when `negated`.
    In {
        /// The element.
        element: Box<Expr>,
        /// The set or list.
        set: Box<Expr>,
        /// `not in`.
        negated: bool,
    },
    /// `a subset b`.
    Subset(Box<Expr>, Box<Expr>),
    /// A set operation.
    SetOp(SetOp, Box<Expr>, Box<Expr>),
    /// Integer arithmetic.
    Arith(ArithOp, Box<Expr>, Box<Expr>),
    /// `any`/`all x in S: body`, with `x` in local slot `slot`.
    Quantified {
        /// `any` or `all`.
        quantifier: Quantifier,
        /// The slot of the bound variable.
        slot: u32,
        /// The set or list ranged over.
        set: Box<Expr>,
        /// The condition on each element.
        body: Box<Expr>,
    },
    /// `if c then a else b`.
    If(Box<Expr>, Box<Expr>, Box<Expr>),
}

/// A test block, checked.
#[derive(Clone, Debug)]
pub struct TestDef {
    /// What the test shows.
    pub name: String,
    /// `as of DATE`.
    pub as_of: Option<Date>,
    /// Its facts, checked against the schema.
    pub facts: Vec<TestFact>,
    /// Its expectations.
    pub expects: Vec<TestExpect>,
    /// Where it is declared.
    pub span: Span,
}

/// A fact of a test, with its fields in the record's field order.
#[derive(Clone, Debug)]
pub struct TestFact {
    /// The record type.
    pub record: RecordId,
    /// One entry per field of the record, in field order.
    pub fields: Vec<TestValue>,
    /// Where it is written.
    pub span: Span,
}

/// A value in a test fact, checked against its field's type.
#[derive(Clone, Debug)]
pub enum TestValue {
    /// Not known (written `unknown`, or a required field left out).
    Unknown,
    /// A scalar (texts interned in the program's interner; `None` for none).
    Scalar(Value),
    /// The key of a record of this type (bound to a row when the test runs).
    Key(RecordId, Sym, Span),
    /// A set or list of values.
    Seq(Vec<TestValue>),
    /// A nested record of this type, with one entry per field in field order.
    Record(RecordId, Vec<TestValue>),
}

/// Which subject of a test an expectation is about.
#[derive(Clone, Debug)]
pub enum TestSubject {
    /// By key.
    Key(Sym),
    /// By 0-based position among the test's subject facts.
    Position(u32),
}

/// A missing fact named in an expectation.
#[derive(Clone, Debug)]
pub struct TestFactPath {
    /// The record type.
    pub record: RecordId,
    /// Which record.
    pub subject: TestSubject,
    /// The field.
    pub field: u32,
    /// The fields of nested records after it, each with the nested record type it belongs to.
    pub nested: Vec<(RecordId, u32)>,
}

/// What a test expects of one subject.
#[derive(Clone, Debug)]
pub struct TestExpect {
    /// The subject.
    pub subject: TestSubject,
    /// The expected outcome.
    pub outcome: ExpectedOutcome,
    /// Where it is written.
    pub span: Span,
}

/// An expected outcome, checked.
#[derive(Clone, Debug)]
pub enum ExpectedOutcome {
    /// Permit or deny by exactly these rules (empty: the default), with these obligations if given.
    Decided(Effect, Vec<RuleId>, Option<Vec<ObligationId>>),
    /// Undecided, missing exactly these facts if given.
    Undecided(Option<Vec<TestFactPath>>),
}
