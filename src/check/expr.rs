//! Expressions in the checker: name resolution, typing bottom-up, and narrowing of
//! optional paths (`t.onward is some and t.onward.code == "JP"`).

use super::index::{DefId, DefKind};
use super::ir::{self, ArithOp, Builtin, CompareOp, FnId, KeyRefId, SetOp, Type, TypeId};
use super::messages;
use super::state::{Checker, Global};
use super::types::ERROR;
use crate::source::Span;
use crate::syntax::ast::{self, BinaryOp, ExprKind as K};
use crate::value::{Value, decimal};

/// The names an expression can see besides the top-level ones, and what is narrowed.
pub(super) struct Scope<'a> {
    /// Parameters then quantified variables; a local's slot is its index.
    locals: Vec<Local<'a>>,
    /// The most slots used at once.
    pub(super) n_locals: u32,
    /// Whether the subject (`t`) is visible: in rules and `decide … on`.
    subject: bool,
    /// Paths known not to be none here, written as in the source (`t.onward`).
    pub(super) narrowed: Vec<String>,
}

struct Local<'a> {
    name: &'a str,
    ty: TypeId,
    span: Span,
    def: DefId,
}

impl<'a> Scope<'a> {
    /// An empty scope; `subject` says whether the subject is visible.
    pub(super) fn new(subject: bool) -> Scope<'a> {
        Scope {
            locals: Vec::new(),
            n_locals: 0,
            subject,
            narrowed: Vec::new(),
        }
    }

    fn lookup(&self, name: &str) -> Option<(u32, TypeId, DefId)> {
        self.locals
            .iter()
            .rposition(|local| local.name == name)
            .map(|slot| (slot as u32, self.locals[slot].ty, self.locals[slot].def))
    }
}

/// A path of names and fields as written (`t.item.licensed_from`), if the expression is one.
pub(super) fn path_text(expr: &ast::Expr) -> Option<String> {
    match &expr.kind {
        K::Name(name) => Some(name.name.clone()),
        K::Field(base, field) => Some(format!("{}.{}", path_text(base)?, field.name)),
        _ => None,
    }
}

/// Adds the paths that `expr` proves to be some when it holds (its top-level `P is some` conjuncts).
pub(super) fn narrow_when_true(expr: &ast::Expr, out: &mut Vec<String>) {
    match &expr.kind {
        K::Binary(BinaryOp::And, left, right) => {
            narrow_when_true(left, out);
            narrow_when_true(right, out);
        }
        K::IsSome(inner) => out.extend(path_text(inner)),
        _ => {}
    }
}

/// Adds the paths that `expr` proves to be some when it fails (its top-level `P is none` disjuncts).
pub(super) fn narrow_when_false(expr: &ast::Expr, out: &mut Vec<String>) {
    match &expr.kind {
        K::Binary(BinaryOp::Or, left, right) => {
            narrow_when_false(left, out);
            narrow_when_false(right, out);
        }
        K::IsNone(inner) => out.extend(path_text(inner)),
        _ => {}
    }
}

pub(super) fn node(kind: ir::ExprKind, ty: TypeId, span: Span) -> ir::Expr {
    ir::Expr { kind, ty, span }
}

/// The expression standing for one that has an error; its type unifies with everything.
pub(super) fn error_expr(span: Span) -> ir::Expr {
    node(ir::ExprKind::Literal(Value::None), ERROR, span)
}

/// "the rule" from "a rule": how messages name the other meaning of an ambiguous name.
fn definite(kind: &str) -> String {
    match kind.split_once(' ') {
        Some((_, rest)) => format!("the {rest}"),
        None => kind.to_string(),
    }
}

/// What the parameters of a builtin accept.
#[derive(Copy, Clone)]
enum Param {
    Sequence,
    NumberSequence,
    Date,
    Int,
    Text,
}

fn builtin_signature(builtin: Builtin) -> &'static [(&'static str, Param)] {
    match builtin {
        Builtin::Size => &[("set", Param::Sequence)],
        Builtin::Year => &[("date", Param::Date)],
        Builtin::DaysBetween => &[("from", Param::Date), ("to", Param::Date)],
        Builtin::AddDays => &[("date", Param::Date), ("days", Param::Int)],
        Builtin::Count => &[("set", Param::Sequence)],
        Builtin::Sum | Builtin::Min | Builtin::Max => &[("set", Param::NumberSequence)],
        Builtin::Lower | Builtin::Upper | Builtin::Trim | Builtin::Length => &[("text", Param::Text)],
        Builtin::Split => &[("text", Param::Text), ("separator", Param::Text)],
        Builtin::StartsWith => &[("text", Param::Text), ("prefix", Param::Text)],
        Builtin::EndsWith => &[("text", Param::Text), ("suffix", Param::Text)],
        Builtin::Contains => &[("text", Param::Text), ("part", Param::Text)],
        Builtin::Replace => &[("text", Param::Text), ("from", Param::Text), ("to", Param::Text)],
    }
}

impl<'a> Checker<'a> {
    /// Binds a parameter or quantified variable in the next slot; reports names already in use.
    pub(super) fn bind(
        &mut self,
        scope: &mut Scope<'a>,
        name: &'a ast::Ident,
        ty: TypeId,
        def: DefId,
    ) -> u32 {
        let text = name.name.as_str();
        // A local hides a global of its own file only by mistake; one of another module (a
        // constant of the policy that imports `std.dates`, for a parameter of `since`) it may
        // hide, since a local is looked up first and the other module cannot see that global.
        let global = self
            .globals
            .get(text)
            .filter(|(_, first)| first.source == name.span.source);
        if let Some((_, first)) = global {
            let first = *first;
            self.error(messages::shadowing(text, name.span, first));
        } else if let Some(local) = scope.locals.iter().find(|local| local.name == text) {
            let first = local.span;
            self.error(messages::shadowing(text, name.span, first));
        } else if let (true, Some((var, _)), Some(decide)) = (scope.subject, self.subject, self.decide)
            && var == text
        {
            self.error(messages::shadowing(text, name.span, decide.var.span));
        }
        let slot = scope.locals.len() as u32;
        scope.locals.push(Local {
            name: text,
            ty,
            span: name.span,
            def,
        });
        scope.n_locals = scope.n_locals.max(slot + 1);
        slot
    }

    /// Checks an expression; narrowed paths get their type without `?`.
    pub(super) fn expr(&mut self, expr: &'a ast::Expr, scope: &mut Scope<'a>) -> ir::Expr {
        let mut checked = self.expr_unnarrowed(expr, scope);
        if !scope.narrowed.is_empty()
            && self.is_optional(checked.ty)
            && let Some(path) = path_text(expr)
            && scope.narrowed.contains(&path)
        {
            checked.ty = self.strip_optional(checked.ty);
        }
        self.note_type(expr, checked.ty);
        checked
    }

    /// Records in the index the type of the name an expression ends in (`x`, `t.item.code`),
    /// as it is at this use, narrowing included.
    fn note_type(&mut self, expr: &ast::Expr, ty: TypeId) {
        let span = match &expr.kind {
            K::Name(name) => name.span,
            K::Field(_, field) => field.span,
            _ => return,
        };
        if let Some(last) = self.index.uses.last_mut()
            && last.span == span
        {
            last.ty = (ty != ERROR).then_some(ty);
        }
    }

    /// Checks an expression without narrowing the expression itself (its parts still are).
    fn expr_unnarrowed(&mut self, expr: &'a ast::Expr, scope: &mut Scope<'a>) -> ir::Expr {
        let span = expr.span;
        let prims = self.prims;
        match &expr.kind {
            K::Bool(value) => node(ir::ExprKind::Literal(Value::Bool(*value)), prims.bool, span),
            K::Int(value) => node(ir::ExprKind::Literal(Value::Int(*value)), prims.int, span),
            // Lowering reported a literal with too many digits and gave it the value 0.
            K::Decimal(value) => match decimal::number(value.mantissa, value.scale) {
                Ok(number) => node(ir::ExprKind::Literal(Value::from(number)), prims.decimal, span),
                Err(_) => error_expr(span),
            },
            K::Text(text) => {
                let sym = self.program.interner.intern(text);
                node(ir::ExprKind::Literal(Value::Text(sym)), prims.text, span)
            }
            K::Date(date) => node(ir::ExprKind::Literal(Value::Date(*date)), prims.date, span),
            K::None => node(ir::ExprKind::Literal(Value::None), prims.nothing, span),
            K::Name(name) => self.name(name, scope),
            K::KeyRef(key_ref) => self.key_ref(&key_ref.0, &key_ref.1, span),
            K::Lookup(lookup) => self.lookup(expr, &lookup.0, &lookup.1, scope),
            K::Field(base, field) => self.field(base, field, span, scope),
            K::Call(call) => self.call(&call.0, &call.1, span, scope),
            K::Set(items) => self.set_literal(items, span, scope),
            K::Not(inner) => {
                let inner_expr = self.expr(inner, scope);
                self.require(inner, &inner_expr, prims.bool);
                node(ir::ExprKind::Not(Box::new(inner_expr)), prims.bool, span)
            }
            K::Neg(inner) => {
                let inner_expr = self.expr(inner, scope);
                let ty = self.number(inner, &inner_expr);
                node(ir::ExprKind::Neg(Box::new(inner_expr)), ty, span)
            }
            K::IsSome(inner) | K::IsNone(inner) => {
                let some = matches!(expr.kind, K::IsSome(_));
                let inner_expr = self.expr_unnarrowed(inner, scope);
                if !matches!(
                    self.kind(inner_expr.ty),
                    None | Some(Type::Optional(_) | Type::Nothing)
                ) {
                    let op = if some { "is some" } else { "is none" };
                    let found = self.type_name(inner_expr.ty);
                    self.error(messages::never_none(
                        op,
                        path_text(inner).as_deref(),
                        &found,
                        inner.span,
                    ));
                }
                let kind = if some {
                    ir::ExprKind::IsSome(Box::new(inner_expr))
                } else {
                    ir::ExprKind::IsNone(Box::new(inner_expr))
                };
                node(kind, prims.bool, span)
            }
            K::Binary(op, left, right) => self.binary(*op, left, right, span, scope),
            K::Quantified(quantifier, quantified) => {
                let (var, set, body) = &**quantified;
                let set_expr = self.expr(set, scope);
                let element = self.sequence(set, &set_expr).unwrap_or(ERROR);
                let def = self.index.define(DefKind::Quantified, &var.name, var.span, None);
                self.index.set_type(def, (element != ERROR).then_some(element));
                self.index.add_scope(body.span, vec![def]);
                let slot = self.bind(scope, var, element, def);
                let body_expr = self.expr(body, scope);
                self.require(body, &body_expr, prims.bool);
                scope.locals.pop();
                let mut set_expr = set_expr;
                self.index_facts((*quantifier).into(), &mut set_expr, slot, &body_expr);
                let kind = ir::ExprKind::Quantified {
                    quantifier: (*quantifier).into(),
                    slot,
                    set: Box::new(set_expr),
                    body: Box::new(body_expr),
                };
                node(kind, prims.bool, span)
            }
            K::If(cond, then, otherwise) => {
                let cond_expr = self.expr(cond, scope);
                self.require(cond, &cond_expr, prims.bool);
                let mark = scope.narrowed.len();
                narrow_when_true(cond, &mut scope.narrowed);
                let then_expr = self.expr(then, scope);
                scope.narrowed.truncate(mark);
                narrow_when_false(cond, &mut scope.narrowed);
                let else_expr = self.expr(otherwise, scope);
                scope.narrowed.truncate(mark);
                let ty = match self.join(then_expr.ty, else_expr.ty) {
                    Some(ty) => ty,
                    None => {
                        let (a, b) = (self.type_name(then_expr.ty), self.type_name(else_expr.ty));
                        self.error(messages::branch_mismatch(&a, &b, then.span, otherwise.span));
                        ERROR
                    }
                };
                let kind = ir::ExprKind::If(Box::new(cond_expr), Box::new(then_expr), Box::new(else_expr));
                node(kind, ty, span)
            }
        }
    }

    /// Reports `expr` unless its type fits `want`; a value that may be none gets E0209.
    pub(super) fn require(&mut self, ast: &ast::Expr, expr: &ir::Expr, want: TypeId) {
        if self.assignable(expr.ty, want) {
            return;
        }
        let found = self.type_name(expr.ty);
        if self.is_optional(expr.ty) && self.assignable(self.strip_optional(expr.ty), want) {
            self.error(messages::optional_access(
                path_text(ast).as_deref(),
                &found,
                ast.span,
            ));
        } else {
            let expected = format!("`{}`", self.type_name(want));
            self.error(messages::mismatch(&expected, &found, ast.span));
        }
    }

    /// The element type of a set or list operand; reports anything else (`None`).
    fn sequence(&mut self, ast: &ast::Expr, expr: &ir::Expr) -> Option<TypeId> {
        if let Some(element) = self.element_of(expr.ty) {
            return Some(element);
        }
        let found = self.type_name(expr.ty);
        if let Some(element) = self.element_of(self.strip_optional(expr.ty)) {
            self.error(messages::optional_access(
                path_text(ast).as_deref(),
                &found,
                ast.span,
            ));
            return Some(element);
        }
        self.error(messages::mismatch("a set or list", &found, ast.span));
        None
    }

    /// The type of an operand of arithmetic or negation (`Int` or `Decimal`); reports anything
    /// else, which then counts as `Int`.
    fn number(&mut self, ast: &ast::Expr, expr: &ir::Expr) -> TypeId {
        let (int, decimal) = (self.prims.int, self.prims.decimal);
        if expr.ty == decimal {
            return decimal;
        }
        if expr.ty == ERROR || expr.ty == int {
            return int;
        }
        let found = self.type_name(expr.ty);
        let inner = self.strip_optional(expr.ty);
        if inner == int || inner == decimal {
            self.error(messages::optional_access(
                path_text(ast).as_deref(),
                &found,
                ast.span,
            ));
            return inner;
        }
        self.error(messages::mismatch("`Int` or `Decimal`", &found, ast.span));
        int
    }

    /// The type of an operand of `<`, `<=`, `>`, `>=` (`Int`, `Decimal` or `Date`); reports
    /// anything else.
    fn ordered(&mut self, ast: &ast::Expr, expr: &ir::Expr) -> Option<TypeId> {
        let is_ordered =
            |ty: TypeId| ty == self.prims.int || ty == self.prims.date || ty == self.prims.decimal;
        if expr.ty == ERROR {
            return None;
        }
        if is_ordered(expr.ty) {
            return Some(expr.ty);
        }
        let found = self.type_name(expr.ty);
        let inner = self.strip_optional(expr.ty);
        if is_ordered(inner) {
            self.error(messages::optional_access(
                path_text(ast).as_deref(),
                &found,
                ast.span,
            ));
            return Some(inner);
        }
        self.error(messages::mismatch("`Int`, `Decimal` or `Date`", &found, ast.span));
        None
    }

    fn name(&mut self, name: &'a ast::Ident, scope: &Scope<'a>) -> ir::Expr {
        let text = name.name.as_str();
        let span = name.span;
        let variant = self.variants.get(text).map(|found| found[0]);
        let ambiguous = |checker: &mut Checker<'a>, other: String| -> Option<ir::Expr> {
            let (enumeration, _) = variant?;
            let enum_name = checker.program.enums[enumeration.idx()].name.clone();
            checker.error(messages::ambiguous_name(text, span, &enum_name, &other));
            Some(error_expr(span))
        };
        if let Some((slot, ty, def)) = scope.lookup(text) {
            self.index.use_at(span, def, None);
            if let Some(error) = ambiguous(self, "the local".into()) {
                return error;
            }
            return node(ir::ExprKind::Local(slot), ty, span);
        }
        if let (true, Some((var, ty))) = (scope.subject, self.subject)
            && var == text
        {
            if let Some(def) = self.subject_def {
                self.index.use_at(span, def, None);
            }
            if let Some(error) = ambiguous(self, "the subject".into()) {
                return error;
            }
            return node(ir::ExprKind::Subject, ty, span);
        }
        match self.globals.get(text).copied() {
            Some((global, _)) => {
                let def = self.global_def(global);
                self.index.use_at(span, def, None);
                // Even a misuse is a use: the definition is not also reported as unused.
                match global {
                    Global::Const(idx) => self.consts[idx].used = true,
                    Global::Fn(idx) => self.fns[idx].used = true,
                    _ => {}
                }
                if let Some(error) = ambiguous(self, definite(global.kind())) {
                    return error;
                }
                match global {
                    Global::Const(idx) => {
                        let slot = &self.consts[idx];
                        node(ir::ExprKind::Const(slot.id), slot.ty.unwrap_or(ERROR), span)
                    }
                    Global::Record(id) => self.facts_of(id, span),
                    _ => {
                        self.error(messages::not_a_value(text, global.kind(), span));
                        error_expr(span)
                    }
                }
            }
            None => self.bare_variant(name, scope),
        }
    }

    /// A name that is no local and no top-level definition: a variant, or unknown.
    fn bare_variant(&mut self, name: &'a ast::Ident, scope: &Scope<'a>) -> ir::Expr {
        let text = name.name.as_str();
        let span = name.span;
        match self.variants.get(text).map(Vec::as_slice) {
            Some([(enumeration, idx)]) => {
                let def = self.variant_defs[enumeration.idx()][*idx as usize];
                self.index.use_at(span, def, None);
                let ty = self.program.types.intern(Type::Enum(*enumeration));
                node(ir::ExprKind::Literal(Value::Variant(*idx)), ty, span)
            }
            Some(found) => {
                let enums: Vec<&str> = found
                    .iter()
                    .map(|(enumeration, _)| self.program.enums[enumeration.idx()].name.as_str())
                    .collect();
                let diagnostic = messages::ambiguous_variant(text, span, &enums);
                self.error(diagnostic);
                error_expr(span)
            }
            None => {
                if let (false, Some((var, _))) = (scope.subject, self.subject)
                    && var == text
                {
                    self.error(messages::subject_outside_rules(text, span));
                    return error_expr(span);
                }
                let mut candidates: Vec<&str> = scope.locals.iter().map(|local| local.name).collect();
                if let (true, Some((var, _))) = (scope.subject, self.subject) {
                    candidates.push(var);
                }
                candidates.extend(self.consts.iter().map(|slot| slot.decl.name.name.as_str()));
                candidates.extend(self.variants.keys().copied());
                candidates.sort_unstable();
                let diagnostic = messages::unknown_name(text, span, &candidates);
                self.error(diagnostic);
                error_expr(span)
            }
        }
    }

    /// The record type `record` names, recorded as a use of it; `None` once it is reported as
    /// no record type or an unknown one.
    pub(super) fn record_named(&mut self, record: &ast::Ident) -> Option<ir::RecordId> {
        match self.globals.get(record.name.as_str()) {
            Some((Global::Record(id), _)) => {
                let id = *id;
                let def = self.record_defs[id.idx()];
                let ty = self.program.types.intern(Type::Record(id));
                self.index.use_at(record.span, def, Some(ty));
                Some(id)
            }
            Some(_) => {
                self.error(messages::not_a_record_type(&record.name, record.span));
                None
            }
            None => {
                let candidates = self.record_names();
                self.error(messages::unknown_type(&record.name, record.span, &candidates));
                None
            }
        }
    }

    fn key_ref(&mut self, record: &'a ast::Ident, key: &'a ast::Text, span: Span) -> ir::Expr {
        let Some(id) = self.record_named(record) else {
            return error_expr(span);
        };
        let compound = self.record_decls[id.idx()].compound_key.len();
        if compound > 0 {
            self.error(messages::compound_key_ref(&record.name, compound, span));
            return error_expr(span);
        }
        if self.record_decls[id.idx()].key.is_none() {
            self.error(messages::keyless_record(&record.name, span));
            return error_expr(span);
        }
        if let Some(table) = self.table_names(id)
            && table.key_of(&key.value).is_none()
        {
            let diagnostic = messages::unknown_table_key(
                &record.name,
                &key.value,
                key.span,
                &table.names(),
                &self.table_holders(id, &key.value),
            );
            self.error(diagnostic);
            return error_expr(span);
        }
        // A record keyed by a table's rows is named by any name of the row, and keyed by its key.
        let mut written = key.value.clone();
        if let Some(table) = self.program.records[id.idx()].key_table {
            let names = self.table_names(table);
            match names.and_then(|names| names.key_of(&written)) {
                Some(canonical) => written = canonical.to_owned(),
                None => {
                    let table_name = self.program.records[table.idx()].name.clone();
                    let all = names.map(|names| names.names()).unwrap_or_default();
                    let holders = self.table_holders(table, &key.value);
                    let diagnostic =
                        messages::unknown_table_key(&table_name, &key.value, key.span, &all, &holders);
                    self.error(diagnostic);
                    return error_expr(span);
                }
            }
        }
        if let Some(keys) = self.probe_keys {
            let ty = self.program.types.intern(Type::Record(id));
            return match (keys.find)(id, &written) {
                Some(value) => node(ir::ExprKind::Literal(value), ty, span),
                None => {
                    let mut known: Vec<&str> = keys.known.keys(id).collect();
                    known.sort_unstable();
                    let diagnostic = messages::probe_unknown_key(&record.name, &key.value, key.span, &known);
                    self.error(diagnostic);
                    error_expr(span)
                }
            };
        }
        let sym = self.program.interner.intern(&written);
        let key_ref = match self.key_refs.get(&(id, sym)) {
            Some(known) => {
                self.program.key_refs[known.idx()].later_uses.push(key.span);
                *known
            }
            None => {
                let new = KeyRefId(self.program.key_refs.len() as u32);
                self.program.key_refs.push(ir::KeyRefDef {
                    record: id,
                    key: sym,
                    span: key.span,
                    later_uses: Vec::new(),
                });
                self.key_refs.insert((id, sym), new);
                new
            }
        };
        let ty = self.program.types.intern(Type::Record(id));
        node(ir::ExprKind::KeyRef(key_ref), ty, span)
    }

    fn field(
        &mut self,
        base: &'a ast::Expr,
        field: &'a ast::Ident,
        span: Span,
        scope: &mut Scope<'a>,
    ) -> ir::Expr {
        if let K::Name(name) = &base.kind {
            let is_local = scope.lookup(&name.name).is_some()
                || (scope.subject && self.subject.is_some_and(|(var, _)| var == name.name));
            if let (false, Some((Global::Enum(id), _))) = (is_local, self.globals.get(name.name.as_str())) {
                let id = *id;
                let ty = self.program.types.intern(Type::Enum(id));
                self.index.use_at(name.span, self.enum_defs[id.idx()], Some(ty));
                return self.qualified_variant(id, field, span);
            }
        }
        let base_expr = self.expr(base, scope);
        let record = match self.kind(base_expr.ty) {
            None => return error_expr(span),
            Some(Type::Record(record)) => record,
            Some(Type::Optional(inner)) if matches!(self.kind(inner), Some(Type::Record(_))) => {
                let found = self.type_name(base_expr.ty);
                self.error(messages::optional_access(
                    path_text(base).as_deref(),
                    &found,
                    base.span,
                ));
                match self.kind(inner) {
                    Some(Type::Record(record)) => record,
                    _ => unreachable!("the guard matched a record"),
                }
            }
            Some(_) => {
                let found = self.type_name(base_expr.ty);
                self.error(messages::not_a_record(&found, &field.name, base.span));
                return error_expr(span);
            }
        };
        let def = &self.program.records[record.idx()];
        match def.field(&field.name) {
            Some(idx) => {
                let ty = def.fields[idx as usize].ty;
                let target = self.field_defs[record.idx()][idx as usize];
                self.index.use_at(field.span, target, None);
                let kind = ir::ExprKind::Field {
                    base: Box::new(base_expr),
                    record,
                    field: idx,
                };
                node(kind, ty, span)
            }
            None => {
                let names: Vec<&str> = def.fields.iter().map(|field| field.name.as_str()).collect();
                let diagnostic = messages::unknown_field(&def.name, &field.name, field.span, &names);
                self.error(diagnostic);
                error_expr(span)
            }
        }
    }

    fn qualified_variant(&mut self, enumeration: ir::EnumId, variant: &ast::Ident, span: Span) -> ir::Expr {
        let def = &self.program.enums[enumeration.idx()];
        match def.variants.iter().position(|known| *known == variant.name) {
            Some(idx) => {
                let ty = self.program.types.intern(Type::Enum(enumeration));
                let target = self.variant_defs[enumeration.idx()][idx];
                self.index.use_at(variant.span, target, Some(ty));
                node(ir::ExprKind::Literal(Value::Variant(idx as u32)), ty, span)
            }
            None => {
                let names: Vec<&str> = def.variants.iter().map(String::as_str).collect();
                let diagnostic = messages::unknown_variant(&def.name, &variant.name, variant.span, &names);
                self.error(diagnostic);
                error_expr(span)
            }
        }
    }

    fn call(
        &mut self,
        name: &'a ast::Ident,
        args: &'a [ast::Expr],
        span: Span,
        scope: &mut Scope<'a>,
    ) -> ir::Expr {
        let checked: Vec<ir::Expr> = args.iter().map(|arg| self.expr(arg, scope)).collect();
        match self.globals.get(name.name.as_str()).copied() {
            Some((Global::Fn(idx), _)) => {
                self.fns[idx].used = true;
                let target = self.fns[idx].index_def;
                let result = self.fns[idx].result.filter(|ty| *ty != ERROR);
                self.index.use_at(name.span, target, result);
                let params = self.fns[idx].params.clone();
                let decl = self.fns[idx].decl;
                if checked.len() != params.len() {
                    self.error(messages::wrong_arity(
                        &name.name,
                        params.len(),
                        checked.len(),
                        span,
                    ));
                }
                for ((arg, checked_arg), (param, ty)) in
                    args.iter().zip(&checked).zip(decl.params.iter().zip(&params))
                {
                    if self.assignable(checked_arg.ty, *ty) {
                        continue;
                    }
                    let narrow = (self.is_optional(checked_arg.ty)
                        && self.assignable(self.strip_optional(checked_arg.ty), *ty))
                    .then(|| path_text(arg))
                    .flatten();
                    let (want, found) = (
                        format!("`{}`", self.type_name(*ty)),
                        self.type_name(checked_arg.ty),
                    );
                    let diagnostic = messages::argument_mismatch(
                        &name.name,
                        &param.name.name,
                        &want,
                        &found,
                        arg.span,
                        narrow.as_deref(),
                    );
                    self.error(diagnostic);
                }
                let result = self.fns[idx].result.unwrap_or(ERROR);
                node(ir::ExprKind::Call(FnId(idx as u32), checked), result, span)
            }
            Some((global, _)) => {
                self.error(messages::not_a_function(&name.name, global.kind(), name.span));
                error_expr(span)
            }
            None => match Builtin::ALL.iter().find(|builtin| builtin.name() == name.name) {
                Some(builtin) => self.builtin(*builtin, args, checked, span),
                None => {
                    let mut candidates: Vec<&str> =
                        self.fns.iter().map(|slot| slot.decl.name.name.as_str()).collect();
                    candidates.extend(Builtin::ALL.iter().map(|builtin| builtin.name()));
                    self.error(messages::unknown_function(&name.name, name.span, &candidates));
                    error_expr(span)
                }
            },
        }
    }

    fn builtin(
        &mut self,
        builtin: Builtin,
        args: &'a [ast::Expr],
        checked: Vec<ir::Expr>,
        span: Span,
    ) -> ir::Expr {
        let signature = builtin_signature(builtin);
        if checked.len() != signature.len() {
            self.error(messages::wrong_arity(
                builtin.name(),
                signature.len(),
                checked.len(),
                span,
            ));
        }
        for ((arg, checked_arg), (param, kind)) in args.iter().zip(&checked).zip(signature) {
            let (want, expected) = match kind {
                Param::Sequence => {
                    if self.element_of(checked_arg.ty).is_some() {
                        continue;
                    }
                    (
                        self.element_of(self.strip_optional(checked_arg.ty))
                            .map(|_| ERROR),
                        "a set or list".to_string(),
                    )
                }
                Param::NumberSequence => {
                    let decimal = self.prims.decimal;
                    if self
                        .element_of(checked_arg.ty)
                        .is_some_and(|element| self.assignable(element, decimal))
                    {
                        continue;
                    }
                    let fits = self
                        .element_of(self.strip_optional(checked_arg.ty))
                        .is_some_and(|element| self.assignable(element, decimal));
                    (
                        fits.then_some(ERROR),
                        "a set or list of `Int` or `Decimal`".to_string(),
                    )
                }
                Param::Date | Param::Int | Param::Text => {
                    let want = match kind {
                        Param::Date => self.prims.date,
                        Param::Text => self.prims.text,
                        _ => self.prims.int,
                    };
                    if self.assignable(checked_arg.ty, want) {
                        continue;
                    }
                    let fits = self.assignable(self.strip_optional(checked_arg.ty), want);
                    (fits.then_some(want), format!("`{}`", self.type_name(want)))
                }
            };
            let narrow = (want.is_some() && self.is_optional(checked_arg.ty))
                .then(|| path_text(arg))
                .flatten();
            let found = self.type_name(checked_arg.ty);
            let diagnostic = messages::argument_mismatch(
                builtin.name(),
                param,
                &expected,
                &found,
                arg.span,
                narrow.as_deref(),
            );
            self.error(diagnostic);
        }
        let result = match builtin {
            Builtin::Size | Builtin::Year | Builtin::DaysBetween | Builtin::Count | Builtin::Length => {
                self.prims.int
            }
            // Over `Decimal` elements, a `Decimal`; over `Int` ones, an `Int`.
            Builtin::Sum | Builtin::Min | Builtin::Max => {
                let element = checked.first().and_then(|arg| self.element_of(arg.ty));
                if element == Some(self.prims.decimal) {
                    self.prims.decimal
                } else {
                    self.prims.int
                }
            }
            Builtin::AddDays => self.prims.date,
            Builtin::Lower | Builtin::Upper | Builtin::Trim | Builtin::Replace => self.prims.text,
            Builtin::StartsWith | Builtin::EndsWith | Builtin::Contains => self.prims.bool,
            Builtin::Split => {
                let text = self.prims.text;
                self.program.types.intern(Type::List(text))
            }
        };
        node(ir::ExprKind::Builtin(builtin, checked), result, span)
    }

    fn set_literal(&mut self, items: &'a [ast::Expr], span: Span, scope: &mut Scope<'a>) -> ir::Expr {
        let mut element: Option<(TypeId, Span)> = None;
        let mut checked = Vec::with_capacity(items.len());
        for item in items {
            let item_expr = self.expr(item, scope);
            element = match element {
                None => Some((item_expr.ty, item.span)),
                Some((ty, first)) => match self.join(ty, item_expr.ty) {
                    Some(joined) => Some((joined, first)),
                    None => {
                        let (a, b) = (self.type_name(ty), self.type_name(item_expr.ty));
                        self.error(messages::element_mismatch(&a, &b, first, item.span));
                        Some((ERROR, first))
                    }
                },
            };
            checked.push(item_expr);
        }
        let element = element.map_or(self.prims.nothing, |(ty, _)| ty);
        if let Some(record) = self.nested_record_of(element) {
            let name = self.program.records[record.idx()].name.clone();
            self.error(messages::nested_identity(&name, "an element of a set", span));
        }
        let ty = self.set_of(element);
        node(ir::ExprKind::SetLiteral(checked), ty, span)
    }

    fn binary(
        &mut self,
        op: BinaryOp,
        left: &'a ast::Expr,
        right: &'a ast::Expr,
        span: Span,
        scope: &mut Scope<'a>,
    ) -> ir::Expr {
        let prims = self.prims;
        let left_expr = self.expr(left, scope);
        let mark = scope.narrowed.len();
        match op {
            BinaryOp::And => narrow_when_true(left, &mut scope.narrowed),
            BinaryOp::Or => narrow_when_false(left, &mut scope.narrowed),
            _ => {}
        }
        let right_expr = self.expr(right, scope);
        scope.narrowed.truncate(mark);
        let (kind, ty) = match op {
            BinaryOp::And | BinaryOp::Or => {
                self.require(left, &left_expr, prims.bool);
                self.require(right, &right_expr, prims.bool);
                let (l, r) = (Box::new(left_expr), Box::new(right_expr));
                let kind = if op == BinaryOp::And {
                    ir::ExprKind::And(l, r)
                } else {
                    ir::ExprKind::Or(l, r)
                };
                (kind, prims.bool)
            }
            BinaryOp::Eq | BinaryOp::Ne => {
                // A text literal compares with text only: `"JP" == none` is a mistake, not `false`.
                let text_with_none = (matches!(left.kind, K::Text(_)) && right_expr.ty == prims.nothing)
                    || (matches!(right.kind, K::Text(_)) && left_expr.ty == prims.nothing);
                if text_with_none || self.join(left_expr.ty, right_expr.ty).is_none() {
                    let help = self.comparison_help(left, &left_expr, right, &right_expr);
                    let (a, b) = (self.type_name(left_expr.ty), self.type_name(right_expr.ty));
                    self.error(messages::incomparable(op.as_str(), &a, &b, span, help));
                } else if let Some(record) = self
                    .nested_record_of(left_expr.ty)
                    .or_else(|| self.nested_record_of(right_expr.ty))
                {
                    let name = self.program.records[record.idx()].name.clone();
                    let what = format!("compared with `{}`", op.as_str());
                    self.error(messages::nested_identity(&name, &what, span));
                }
                let compare = if op == BinaryOp::Eq {
                    CompareOp::Eq
                } else {
                    CompareOp::Ne
                };
                (
                    ir::ExprKind::Compare(compare, Box::new(left_expr), Box::new(right_expr)),
                    prims.bool,
                )
            }
            BinaryOp::Lt | BinaryOp::Le | BinaryOp::Gt | BinaryOp::Ge => {
                let unordered = |ty: TypeId| {
                    let inner = self.strip_optional(ty);
                    ty != ERROR && inner != prims.int && inner != prims.date && inner != prims.decimal
                };
                // Two operands of one type that has no order are one mistake, reported once.
                let (a, b) = if left_expr.ty == right_expr.ty && unordered(left_expr.ty) {
                    let found = self.type_name(left_expr.ty);
                    self.error(
                        messages::mismatch("`Int`, `Decimal` or `Date`", &found, span).help(
                            "only numbers and dates are ordered; other values compare with `==` and `!=`",
                        ),
                    );
                    (None, None)
                } else {
                    (self.ordered(left, &left_expr), self.ordered(right, &right_expr))
                };
                let numbers = |ty: Option<TypeId>| ty == Some(prims.int) || ty == Some(prims.decimal);
                if let (Some(a), Some(b)) = (a, b)
                    && a != b
                    && !(numbers(Some(a)) && numbers(Some(b)))
                {
                    let (a, b) = (self.type_name(a), self.type_name(b));
                    self.error(messages::incomparable(op.as_str(), &a, &b, span, None));
                }
                let compare = match op {
                    BinaryOp::Lt => CompareOp::Lt,
                    BinaryOp::Le => CompareOp::Le,
                    BinaryOp::Gt => CompareOp::Gt,
                    _ => CompareOp::Ge,
                };
                (
                    ir::ExprKind::Compare(compare, Box::new(left_expr), Box::new(right_expr)),
                    prims.bool,
                )
            }
            BinaryOp::In | BinaryOp::NotIn => {
                if let Some(element) = self.sequence(right, &right_expr) {
                    let value = self.strip_optional(left_expr.ty);
                    if value != prims.nothing && self.join_element(value, element).is_none() {
                        let (a, b) = (self.type_name(left_expr.ty), self.type_name(right_expr.ty));
                        self.error(messages::element_not_in(&a, &b, left.span));
                    }
                }
                let kind = ir::ExprKind::In {
                    element: Box::new(left_expr),
                    set: Box::new(right_expr),
                    negated: op == BinaryOp::NotIn,
                };
                (kind, prims.bool)
            }
            BinaryOp::Subset => {
                let a = self.sequence(left, &left_expr);
                let b = self.sequence(right, &right_expr);
                if let (Some(a), Some(b)) = (a, b)
                    && self.join_element(a, b).is_none()
                {
                    let (a, b) = (self.type_name(left_expr.ty), self.type_name(right_expr.ty));
                    self.error(messages::set_operands(op.as_str(), &a, &b, span));
                }
                (
                    ir::ExprKind::Subset(Box::new(left_expr), Box::new(right_expr)),
                    prims.bool,
                )
            }
            BinaryOp::Union | BinaryOp::Intersect | BinaryOp::Without => {
                let a = self.set_operand(left, &left_expr);
                let b = self.set_operand(right, &right_expr);
                let ty = match (a, b) {
                    (Some(a), Some(b)) => match self.join_element(a, b) {
                        Some(element) => self.set_of(element),
                        None => {
                            let (a, b) = (self.type_name(left_expr.ty), self.type_name(right_expr.ty));
                            self.error(messages::set_operands(op.as_str(), &a, &b, span));
                            ERROR
                        }
                    },
                    _ => ERROR,
                };
                let set_op = match op {
                    BinaryOp::Union => SetOp::Union,
                    BinaryOp::Intersect => SetOp::Intersect,
                    _ => SetOp::Without,
                };
                (
                    ir::ExprKind::SetOp(set_op, Box::new(left_expr), Box::new(right_expr)),
                    ty,
                )
            }
            BinaryOp::Add | BinaryOp::Sub | BinaryOp::Mul => {
                // An `Int` widens to a `Decimal`: with one `Decimal` operand, the result is one.
                let a = self.number(left, &left_expr);
                let b = self.number(right, &right_expr);
                let ty = if a == prims.decimal || b == prims.decimal {
                    prims.decimal
                } else {
                    prims.int
                };
                let arith = match op {
                    BinaryOp::Add => ArithOp::Add,
                    BinaryOp::Sub => ArithOp::Sub,
                    _ => ArithOp::Mul,
                };
                (
                    ir::ExprKind::Arith(arith, Box::new(left_expr), Box::new(right_expr)),
                    ty,
                )
            }
        };
        node(kind, ty, span)
    }

    /// The element type of an operand of `union`, `intersect` or `without`, which must be a set.
    fn set_operand(&mut self, ast: &ast::Expr, expr: &ir::Expr) -> Option<TypeId> {
        match self.kind(expr.ty) {
            None => Some(ERROR),
            Some(Type::Set(element)) => Some(element),
            Some(Type::Optional(inner)) if matches!(self.kind(inner), Some(Type::Set(_))) => {
                let found = self.type_name(expr.ty);
                self.error(messages::optional_access(
                    path_text(ast).as_deref(),
                    &found,
                    ast.span,
                ));
                self.element_of(inner)
            }
            Some(_) => {
                let found = self.type_name(expr.ty);
                self.error(messages::mismatch("a set", &found, ast.span));
                None
            }
        }
    }

    /// Advice for `==` between a text literal and a record or enum: what was probably meant.
    fn comparison_help(
        &self,
        left: &ast::Expr,
        left_expr: &ir::Expr,
        right: &ast::Expr,
        right_expr: &ir::Expr,
    ) -> Option<String> {
        let (text, other) = match (&left.kind, &right.kind) {
            (K::Text(text), _) => (text, right_expr.ty),
            (_, K::Text(text)) => (text, left_expr.ty),
            _ => return None,
        };
        match self.kind(self.strip_optional(other))? {
            Type::Record(record) => {
                let name = &self.program.records[record.idx()].name;
                Some(format!(
                    "to refer to a `{name}` by its key, write `{name}[\"{text}\"]`"
                ))
            }
            Type::Enum(enumeration) => {
                let def = &self.program.enums[enumeration.idx()];
                def.variants
                    .iter()
                    .any(|variant| variant == text)
                    .then(|| format!("variants are written without quotes: `{text}`"))
            }
            _ => None,
        }
    }
}
/// The checked quantifier of a written one.
impl From<ast::Quantifier> for ir::Quantifier {
    fn from(quantifier: ast::Quantifier) -> ir::Quantifier {
        match quantifier {
            ast::Quantifier::Any => ir::Quantifier::Any,
            ast::Quantifier::All => ir::Quantifier::All,
        }
    }
}
