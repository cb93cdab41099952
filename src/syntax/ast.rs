//! The typed syntax tree of one module, as written: every node has a span,
//! and the module keeps its comments so a printer can put them back.

use crate::source::Span;
use crate::value::Date;

/// A name as written, with its span.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Ident {
    /// The text of the name.
    pub name: String,
    /// Where it is written.
    pub span: Span,
}

/// A string literal's value (escapes resolved) and span.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Text {
    /// The value, escapes resolved and line breaks folded.
    pub value: String,
    /// The span of the literal, quotes included.
    pub span: Span,
}

/// A comment, kept for the formatter.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Comment {
    /// The comment's text after `//`.
    pub text: String,
    /// Where it is written, `//` included.
    pub span: Span,
}

/// One `.pol` file.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Module {
    /// `policy` or `module`, title and source.
    pub header: Header,
    /// Declarations in source order.
    pub items: Vec<Item>,
    /// Every comment, in source order.
    pub comments: Vec<Comment>,
    /// The whole file.
    pub span: Span,
}

/// Whether a file is a policy (decides) or a module (only defines).
#[derive(Copy, Clone, Debug, PartialEq, Eq)]
pub enum HeaderKind {
    /// `policy "…"`.
    Policy,
    /// `module "…"`.
    Module,
}

/// The first lines of a file.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Header {
    /// `policy` or `module`.
    pub kind: HeaderKind,
    /// The title.
    pub title: Text,
    /// Where the rules come from (`source "…"`).
    pub source: Option<Text>,
    /// The header's span.
    pub span: Span,
}

/// A top-level declaration.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Item {
    /// `use std.x` or `use "file.pol"`.
    Use(UseDecl),
    /// `enum Name { a, b }`.
    Enum(EnumDecl),
    /// `record Name key field { … }`.
    Record(RecordDecl),
    /// `let name: Type = expr`.
    Let(LetDecl),
    /// `fn name(p: T) -> T = expr`.
    Fn(FnDecl),
    /// `obligation name "text"`.
    Obligation(ObligationDecl),
    /// `decide t: Record on expr`.
    Decide(DecideDecl),
    /// `default deny because "…" cite "…"`.
    Default(DefaultDecl),
    /// `rule name: permit { … }`.
    Rule(RuleDecl),
    /// `test "…" { … }`.
    Test(TestDecl),
    /// `data { Record { … } … }`: rows of tables the module ships.
    Data(DataDecl),
}

impl Item {
    /// The span of the whole declaration.
    pub fn span(&self) -> Span {
        match self {
            Item::Use(item) => item.span,
            Item::Enum(item) => item.span,
            Item::Record(item) => item.span,
            Item::Let(item) => item.span,
            Item::Fn(item) => item.span,
            Item::Obligation(item) => item.span,
            Item::Decide(item) => item.span,
            Item::Default(item) => item.span,
            Item::Rule(item) => item.span,
            Item::Test(item) => item.span,
            Item::Data(item) => item.span,
        }
    }
}

/// What a `use` imports.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum UseTarget {
    /// A stdlib module, by dotted path (`std.dates` is `["std", "dates"]`).
    Std(Vec<Ident>),
    /// A file, relative to the importing file.
    File(Text),
}

/// `use …`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct UseDecl {
    /// What is imported.
    pub target: UseTarget,
    /// The declaration's span.
    pub span: Span,
}

/// `enum Name { a, b }`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct EnumDecl {
    /// The type's name.
    pub name: Ident,
    /// The variants, in order.
    pub variants: Vec<Ident>,
    /// The declaration's span.
    pub span: Span,
}

/// `record Name key field { field: Type … }`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RecordDecl {
    /// The type's name.
    pub name: Ident,
    /// The key field, if facts of this type can be referred to.
    pub key: Option<Ident>,
    /// `alias FIELD` after the key: a field whose texts also name a row of the record's table.
    pub alias: Option<Ident>,
    /// `key (a, b)`: the fields of a compound key, two or more, in order; empty otherwise
    /// (`key` is then `None`).
    pub compound_key: Vec<Ident>,
    /// The fields, in order.
    pub fields: Vec<FieldDecl>,
    /// The declaration's span.
    pub span: Span,
}

/// `data { … }`: rows of keyed records written in a module, merged into every run's facts.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DataDecl {
    /// The rows, in order, written as test facts are.
    pub rows: Vec<FactDecl>,
    /// The declaration's span.
    pub span: Span,
}

/// One field of a record.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FieldDecl {
    /// The field's name.
    pub name: Ident,
    /// Its type.
    pub ty: TypeExpr,
    /// The field's span.
    pub span: Span,
}

/// A type as written.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TypeExpr {
    /// The type without `?`.
    pub kind: TypeKind,
    /// Whether `?` follows (the value may be none).
    pub optional: bool,
    /// The type's span.
    pub span: Span,
}

/// The shape of a type as written.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum TypeKind {
    /// `Bool`, `Int`, `Text`, `Date`, an enum or a record.
    Named(Ident),
    /// `Set<T>`.
    Set(Box<TypeExpr>),
    /// `List<T>`.
    List(Box<TypeExpr>),
}

/// `let name: Type = expr`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct LetDecl {
    /// The constant's name.
    pub name: Ident,
    /// The declared type, if written.
    pub ty: Option<TypeExpr>,
    /// The value.
    pub value: Expr,
    /// The declaration's span.
    pub span: Span,
}

/// `fn name(p: T, …) -> T = expr`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FnDecl {
    /// The function's name.
    pub name: Ident,
    /// Parameters in order.
    pub params: Vec<Param>,
    /// The declared result type, if written.
    pub result: Option<TypeExpr>,
    /// The body.
    pub body: Expr,
    /// The declaration's span.
    pub span: Span,
}

/// One function parameter.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Param {
    /// Its name.
    pub name: Ident,
    /// Its type.
    pub ty: TypeExpr,
    /// The parameter's span.
    pub span: Span,
}

/// `obligation name "text"`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ObligationDecl {
    /// The obligation's name.
    pub name: Ident,
    /// What it requires, in words.
    pub text: Text,
    /// The declaration's span.
    pub span: Span,
}

/// `decide t: Record on expr`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DecideDecl {
    /// The name rules use for the subject.
    pub var: Ident,
    /// The record type decided.
    pub record: Ident,
    /// The date whose law applies (`on t.date`), if any.
    pub date: Option<Expr>,
    /// The declaration's span.
    pub span: Span,
}

/// Permit or deny.
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

/// `default deny because "…" cite "…"`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DefaultDecl {
    /// The decision when no rule applies.
    pub effect: Effect,
    /// Its reason, if written.
    pub reason: Option<Text>,
    /// The provision it rests on, if written.
    pub citation: Option<Text>,
    /// The declaration's span.
    pub span: Span,
}

/// `rule name: effect { clauses }`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RuleDecl {
    /// The rule's name.
    pub name: Ident,
    /// Permit or deny.
    pub effect: Effect,
    /// The effect keyword's span.
    pub effect_span: Span,
    /// The clauses in source order.
    pub clauses: Vec<RuleClause>,
    /// The declaration's span.
    pub span: Span,
}

/// One clause of a rule.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum RuleClause {
    /// `when expr`: the rule applies only if it holds.
    When(Expr),
    /// `unless expr`: the rule applies only if it does not hold.
    Unless(Expr),
    /// `because "…"`: the reason in words.
    Because(Text),
    /// `cite "…"`: the provision.
    Cite(Text),
    /// `oblige a, b`: obligations attached to a permit.
    Oblige(Vec<Ident>, Span),
    /// `effective DATE`: in force from this date.
    Effective(Date, Span),
    /// `until DATE`: in force before this date only.
    Until(Date, Span),
    /// `exception to a, b`: defeats these rules when it applies.
    ExceptionTo(Vec<Ident>, Span),
}

/// `test "…" { facts and expectations }`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TestDecl {
    /// What the test shows.
    pub name: Text,
    /// `as of DATE`: decide under the law of this date.
    pub as_of: Option<(Date, Span)>,
    /// The facts, in order.
    pub facts: Vec<FactDecl>,
    /// The expectations, in order.
    pub expects: Vec<ExpectDecl>,
    /// The declaration's span.
    pub span: Span,
}

/// `Record { field: value, … }` inside a test.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FactDecl {
    /// The record type.
    pub record: Ident,
    /// The fields given.
    pub fields: Vec<FactField>,
    /// The fact's span.
    pub span: Span,
}

/// One `field: value` of a test fact.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FactField {
    /// The field.
    pub name: Ident,
    /// Its value.
    pub value: FactValue,
    /// The span of `name: value`.
    pub span: Span,
}

/// A literal value in a test fact.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum FactValue {
    /// `unknown`: nobody knows.
    Unknown(Span),
    /// `none`: known to be absent.
    None(Span),
    /// `true` or `false`.
    Bool(bool, Span),
    /// An integer.
    Int(i64, Span),
    /// A decimal number (`2.5`).
    Decimal(DecimalLit, Span),
    /// A string: text, or the key of a referenced record.
    Text(Text),
    /// A date.
    Date(Date, Span),
    /// An enum variant, by name.
    Variant(Ident),
    /// `{a, b}`: a set or list.
    Set(Vec<FactValue>, Span),
    /// A nested record written inline: `Approval { nsc: true }`.
    Record(Box<FactDecl>),
}

impl FactValue {
    /// The value's span.
    pub fn span(&self) -> Span {
        match self {
            FactValue::Unknown(span)
            | FactValue::None(span)
            | FactValue::Bool(_, span)
            | FactValue::Int(_, span)
            | FactValue::Decimal(_, span)
            | FactValue::Date(_, span)
            | FactValue::Set(_, span) => *span,
            FactValue::Text(text) => text.span,
            FactValue::Variant(ident) => ident.span,
            FactValue::Record(fact) => fact.span,
        }
    }
}

/// Which subject an `expect` is about.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum SubjectRef {
    /// By key: `"t1"`.
    Key(Text),
    /// By 1-based position among the test's subjects: `#2`.
    Position(u32, Span),
}

/// `Record["key"].field` or `Record[#n].field`: one fact in an `expect … missing` list.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FactPath {
    /// The record type.
    pub record: Ident,
    /// Which record.
    pub subject: SubjectRef,
    /// The field.
    pub field: Ident,
    /// The fields of nested records after it: `cabinet` in `Transfer["t1"].approval.cabinet`.
    pub nested: Vec<Ident>,
    /// The path's span.
    pub span: Span,
}

/// The outcome an `expect` states.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Expected {
    /// `permit by r1, r2 oblige o` or `deny by r1`; an empty rule list is `by default`.
    Decided {
        /// Permit or deny.
        effect: Effect,
        /// The deciding rules; empty for `by default`.
        rules: Vec<Ident>,
        /// The obligations, if an `oblige` list is written.
        obligations: Option<Vec<Ident>>,
    },
    /// `undecided missing P, Q`; `None` when no `missing` list is written.
    Undecided(Option<Vec<FactPath>>),
}

/// `expect SUBJECT outcome`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ExpectDecl {
    /// The subject.
    pub subject: SubjectRef,
    /// The expected outcome.
    pub expected: Expected,
    /// The span of the whole `expect`.
    pub span: Span,
}

/// An expression.
///
/// A node is 64 bytes (a test holds it there): the variants of [`ExprKind`] with large parts
/// box them. Besides keeping the tree small, a power of two is what the allocator of the `pol`
/// command (mimalloc, through Rust's aligned allocation) serves from its fast path; a 96-byte
/// node took its slow path at every allocation, a sixth of the lowering's time.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Expr {
    /// Its shape.
    pub kind: ExprKind,
    /// Its span; for an expression written in parentheses, the parentheses included (which is
    /// how the printer knows they were written).
    pub span: Span,
}

/// Binary operators, in the grammar's order.
#[derive(Copy, Clone, Debug, PartialEq, Eq, Hash)]
pub enum BinaryOp {
    /// `or`.
    Or,
    /// `and`.
    And,
    /// `==`.
    Eq,
    /// `!=`.
    Ne,
    /// `<`.
    Lt,
    /// `<=`.
    Le,
    /// `>`.
    Gt,
    /// `>=`.
    Ge,
    /// `in`.
    In,
    /// `not in`.
    NotIn,
    /// `subset`.
    Subset,
    /// `union`.
    Union,
    /// `without`.
    Without,
    /// `intersect`.
    Intersect,
    /// `+`.
    Add,
    /// `-`.
    Sub,
    /// `*`.
    Mul,
}

impl BinaryOp {
    /// The operator as written.
    pub fn as_str(self) -> &'static str {
        match self {
            BinaryOp::Or => "or",
            BinaryOp::And => "and",
            BinaryOp::Eq => "==",
            BinaryOp::Ne => "!=",
            BinaryOp::Lt => "<",
            BinaryOp::Le => "<=",
            BinaryOp::Gt => ">",
            BinaryOp::Ge => ">=",
            BinaryOp::In => "in",
            BinaryOp::NotIn => "not in",
            BinaryOp::Subset => "subset",
            BinaryOp::Union => "union",
            BinaryOp::Without => "without",
            BinaryOp::Intersect => "intersect",
            BinaryOp::Add => "+",
            BinaryOp::Sub => "-",
            BinaryOp::Mul => "*",
        }
    }
}

/// `any` or `all`.
#[derive(Copy, Clone, Debug, PartialEq, Eq, Hash)]
pub enum Quantifier {
    /// True if some element satisfies the body.
    Any,
    /// True if every element satisfies the body.
    All,
}

/// A decimal number as written, normalised: `mantissa / 10^scale` with no trailing zero after
/// the point (`12.50` is `1250 / 10^2`, kept as `125 / 10^1`).
#[derive(Copy, Clone, Debug, PartialEq, Eq)]
pub struct DecimalLit {
    /// The digits.
    pub mantissa: i128,
    /// The digits after the point.
    pub scale: u32,
}

impl std::fmt::Display for DecimalLit {
    /// Canonical: no trailing zero after the point, but at least one digit after it, so that a
    /// whole decimal (`12.0`) stays a decimal when read back.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        crate::value::decimal::write_parts(self.mantissa, self.scale, f)?;
        if self.scale == 0 {
            f.write_str(".0")?;
        }
        Ok(())
    }
}

/// The shape of an expression.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ExprKind {
    /// `true` / `false`.
    Bool(bool),
    /// An integer literal.
    Int(i64),
    /// A decimal literal (`12.5`).
    Decimal(DecimalLit),
    /// A string literal.
    Text(String),
    /// A date literal.
    Date(Date),
    /// `none`.
    None,
    /// A name: a constant, parameter, subject, quantified variable, enum variant or type.
    Name(Ident),
    /// `Record["key"]`: the record with that key. (This and the other variants whose parts are
    /// large are boxed, to keep every expression node at 64 bytes: see [`Expr`].)
    KeyRef(Box<(Ident, Text)>),
    /// `Record[e]` or `Record[e1, e2]`: the fact whose key (or compound key) the expressions
    /// compute.
    Lookup(Box<(Ident, Vec<Expr>)>),
    /// `base.field`.
    Field(Box<Expr>, Ident),
    /// `f(args)`.
    Call(Box<(Ident, Vec<Expr>)>),
    /// `{a, b}`.
    Set(Vec<Expr>),
    /// `not e`.
    Not(Box<Expr>),
    /// `-e`.
    Neg(Box<Expr>),
    /// `e is some`.
    IsSome(Box<Expr>),
    /// `e is none`.
    IsNone(Box<Expr>),
    /// `a op b`.
    Binary(BinaryOp, Box<Expr>, Box<Expr>),
    /// `any x in S: body` / `all x in S: body`: the variable, the set and the body.
    Quantified(Quantifier, Box<(Ident, Expr, Expr)>),
    /// `if c then a else b`.
    If(Box<Expr>, Box<Expr>, Box<Expr>),
}

#[cfg(test)]
mod tests {
    use super::Expr;

    /// Every node of an expression is boxed alone: at 64 bytes, a power of two, each is
    /// served by the allocator's fast path (see [`Expr`]). A new variant with large parts
    /// boxes them.
    #[test]
    fn an_expression_node_is_64_bytes() {
        assert_eq!(std::mem::size_of::<Expr>(), 64);
    }
}
