//! Lookups and facts in the checker: a record type's name as the set of its facts
//! (`any c in Conflict: …`), lookups by a computed key (`ConflictYear[t.recipient, y]`), and the
//! index a quantifier over facts is given when its body starts with `c.field == e`.

use super::expr::{Scope, error_expr, node};
use super::ir::{self, CompareOp, RecordId, Type};
use super::messages;
use super::state::Checker;
use super::types::ERROR;
use crate::source::Span;
use crate::syntax::{ast, print};

impl<'a> Checker<'a> {
    /// A record type's name used as a value: the set of every fact of that type.
    pub(super) fn facts_of(&mut self, id: RecordId, span: Span) -> ir::Expr {
        if !self.facts_allowed(id, span) {
            return error_expr(span);
        }
        let record_ty = self.program.types.intern(Type::Record(id));
        let ty = self.program.types.intern(Type::Set(record_ty));
        node(
            ir::ExprKind::FactsOf {
                record: id,
                index: None,
            },
            ty,
            span,
        )
    }

    /// Whether the facts of a record type may be ranged over or looked up: not a nested type's
    /// (no identity of their own), not the subjects' (read a chunk at a time); reports E0463.
    /// Records the type in [`ir::Program::fact_sets`].
    fn facts_allowed(&mut self, id: RecordId, span: Span) -> bool {
        let name = self.program.records[id.idx()].name.clone();
        if self.program.records[id.idx()].nested {
            self.error(messages::facts_of_nested(&name, span));
            return false;
        }
        let subject_ty = self.subject.map(|(_, ty)| ty);
        if let (Some(Type::Record(subject)), Some(decide)) =
            (subject_ty.and_then(|ty| self.kind(ty)), self.decide)
            && subject == id
        {
            self.error(messages::facts_of_subject(&name, span, decide.span));
            return false;
        }
        if !self.program.fact_sets.iter().any(|(known, _)| *known == id) {
            self.program.fact_sets.push((id, span));
        }
        true
    }

    /// `Record[a, b]`: the fact whose key the expressions compute, each typed as its key field.
    pub(super) fn lookup(
        &mut self,
        expr: &'a ast::Expr,
        record: &'a ast::Ident,
        keys: &'a [ast::Expr],
        scope: &mut Scope<'a>,
    ) -> ir::Expr {
        let span = expr.span;
        let checked: Vec<(&'a ast::Expr, ir::Expr)> =
            keys.iter().map(|key| (key, self.expr(key, scope))).collect();
        let Some(id) = self.record_named(record) else {
            return error_expr(span);
        };
        let def = &self.program.records[id.idx()];
        let fields = def.lookup_fields();
        if fields.is_empty() {
            // A broken compound key was reported where it is declared.
            if self.record_decls[id.idx()].compound_key.is_empty() {
                self.error(messages::lookup_keyless(&record.name, span));
            }
            return error_expr(span);
        }
        if fields.len() != keys.len() {
            let names: Vec<&str> = fields
                .iter()
                .map(|field| def.fields[*field as usize].name.as_str())
                .collect();
            let diagnostic = messages::lookup_arity(&record.name, &names, keys.len(), span);
            self.error(diagnostic);
            return error_expr(span);
        }
        if !self.facts_allowed(id, span) {
            return error_expr(span);
        }
        let mut exprs = Vec::with_capacity(checked.len());
        for ((key, key_expr), field) in checked.into_iter().zip(&fields) {
            let want = self.program.records[id.idx()].fields[*field as usize].ty;
            if want != ERROR {
                self.require(key, &key_expr, want);
            }
            exprs.push(key_expr);
        }
        let lookup = self.program.lookups.len() as u32;
        self.program.lookups.push(ir::LookupDef {
            record: id,
            text: print::expr(expr),
            span,
        });
        let ty = self.program.types.intern(Type::Record(id));
        let kind = ir::ExprKind::Lookup {
            record: id,
            lookup,
            keys: exprs,
        };
        node(kind, ty, span)
    }

    /// Gives an `any` over the facts of a type the index its body allows: when the body's first
    /// conjunct is `x.field == e` (or `e == x.field`) with `e` not reading `x` and the field
    /// holding one value, only the facts whose field is `e` (or unknown) can make the body
    /// anything but false, since `and` does not evaluate its right side after a false left, and
    /// a false element does not settle `any`. (It settles `all`, which is not indexed.)
    pub(super) fn index_facts(
        &self,
        quantifier: ir::Quantifier,
        set: &mut ir::Expr,
        slot: u32,
        body: &ir::Expr,
    ) {
        let ir::ExprKind::FactsOf { index, .. } = &mut set.kind else {
            return;
        };
        if quantifier != ir::Quantifier::Any {
            return;
        }
        let mut first = body;
        while let ir::ExprKind::And(left, _) = &first.kind {
            first = left;
        }
        let ir::ExprKind::Compare(CompareOp::Eq, left, right) = &first.kind else {
            return;
        };
        for (field_side, value_side) in [(left, right), (right, left)] {
            if let ir::ExprKind::Field { base, field, .. } = &field_side.kind
                && matches!(base.kind, ir::ExprKind::Local(local) if local == slot)
                && !reads_local(value_side, slot)
                && !matches!(
                    self.kind(self.strip_optional(field_side.ty)),
                    Some(Type::Set(_) | Type::List(_)) | None
                )
            {
                *index = Some((*field, value_side.clone()));
                return;
            }
        }
    }
}

/// Whether an expression reads a local slot (not counting the bodies of the functions it calls,
/// which have frames of their own).
fn reads_local(expr: &ir::Expr, slot: u32) -> bool {
    if matches!(expr.kind, ir::ExprKind::Local(local) if local == slot) {
        return true;
    }
    let mut found = false;
    expr.for_each_child(|child| found = found || reads_local(child, slot));
    found
}
