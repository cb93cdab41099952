//! Moving a declaration's tree along its text: every span of an `ast::Item` shifted by the same
//! number of bytes, for a declaration kept as it was when the text before it changed length.

use super::ast::{
    Expected, Expr, ExprKind, FactDecl, FactPath, FactValue, Ident, Item, RecordDecl, RuleClause, SubjectRef,
    Text, TypeExpr, TypeKind,
};
use crate::source::Span;

/// Moves every span of `item` by `delta` bytes.
///
/// INVARIANT: no span of `item` starts before `-delta`, so no offset goes below zero; the
/// caller only moves declarations that follow an edit by the length it added or removed.
pub(super) fn shift_item(item: &mut Item, delta: i64) {
    if delta == 0 {
        return;
    }
    let shift = &mut |span: &mut Span| {
        let moved = |offset: u32| {
            u32::try_from(i64::from(offset) + delta).expect("a shifted span stays inside its text")
        };
        span.start = moved(span.start);
        span.end = moved(span.end);
    };
    match item {
        Item::Use(decl) => {
            match &mut decl.target {
                super::ast::UseTarget::Std(parts) => parts.iter_mut().for_each(|part| shift(&mut part.span)),
                super::ast::UseTarget::File(path) => shift(&mut path.span),
            }
            shift(&mut decl.span);
        }
        Item::Enum(decl) => {
            ident(&mut decl.name, shift);
            decl.variants.iter_mut().for_each(|variant| ident(variant, shift));
            shift(&mut decl.span);
        }
        Item::Record(decl) => {
            // Destructured whole, so a field added to the declaration cannot be left unmoved.
            let RecordDecl {
                name,
                key,
                alias,
                compound_key,
                fields,
                span,
            } = decl;
            ident(name, shift);
            key.iter_mut().for_each(|key| ident(key, shift));
            alias.iter_mut().for_each(|alias| ident(alias, shift));
            compound_key.iter_mut().for_each(|part| ident(part, shift));
            for field in fields {
                ident(&mut field.name, shift);
                type_expr(&mut field.ty, shift);
                shift(&mut field.span);
            }
            shift(span);
        }
        Item::Let(decl) => {
            ident(&mut decl.name, shift);
            decl.ty.iter_mut().for_each(|ty| type_expr(ty, shift));
            expr(&mut decl.value, shift);
            shift(&mut decl.span);
        }
        Item::Fn(decl) => {
            ident(&mut decl.name, shift);
            for param in &mut decl.params {
                ident(&mut param.name, shift);
                type_expr(&mut param.ty, shift);
                shift(&mut param.span);
            }
            decl.result.iter_mut().for_each(|ty| type_expr(ty, shift));
            expr(&mut decl.body, shift);
            shift(&mut decl.span);
        }
        Item::Obligation(decl) => {
            ident(&mut decl.name, shift);
            text(&mut decl.text, shift);
            shift(&mut decl.span);
        }
        Item::Decide(decl) => {
            ident(&mut decl.var, shift);
            ident(&mut decl.record, shift);
            decl.date.iter_mut().for_each(|date| expr(date, shift));
            shift(&mut decl.span);
        }
        Item::Default(decl) => {
            decl.reason.iter_mut().for_each(|reason| text(reason, shift));
            decl.citation
                .iter_mut()
                .for_each(|citation| text(citation, shift));
            shift(&mut decl.span);
        }
        Item::Rule(decl) => {
            ident(&mut decl.name, shift);
            shift(&mut decl.effect_span);
            for clause in &mut decl.clauses {
                match clause {
                    RuleClause::When(condition) | RuleClause::Unless(condition) => expr(condition, shift),
                    RuleClause::Because(words) | RuleClause::Cite(words) => text(words, shift),
                    RuleClause::Oblige(names, span) | RuleClause::ExceptionTo(names, span) => {
                        names.iter_mut().for_each(|name| ident(name, shift));
                        shift(span);
                    }
                    RuleClause::Effective(_, span) | RuleClause::Until(_, span) => shift(span),
                }
            }
            shift(&mut decl.span);
        }
        Item::Test(decl) => {
            text(&mut decl.name, shift);
            decl.as_of.iter_mut().for_each(|(_, span)| shift(span));
            decl.facts.iter_mut().for_each(|fact| fact_decl(fact, shift));
            for expect in &mut decl.expects {
                subject_ref(&mut expect.subject, shift);
                match &mut expect.expected {
                    Expected::Decided {
                        rules, obligations, ..
                    } => {
                        rules.iter_mut().for_each(|rule| ident(rule, shift));
                        obligations
                            .iter_mut()
                            .flatten()
                            .for_each(|obligation| ident(obligation, shift));
                    }
                    Expected::Undecided(paths) => {
                        paths.iter_mut().flatten().for_each(|path| fact_path(path, shift));
                    }
                }
                shift(&mut expect.span);
            }
            shift(&mut decl.span);
        }
        Item::Data(decl) => {
            decl.rows.iter_mut().for_each(|row| fact_decl(row, shift));
            shift(&mut decl.span);
        }
    }
}

fn ident(ident: &mut Ident, shift: &mut impl FnMut(&mut Span)) {
    shift(&mut ident.span);
}

fn text(text: &mut Text, shift: &mut impl FnMut(&mut Span)) {
    shift(&mut text.span);
}

fn type_expr(ty: &mut TypeExpr, shift: &mut impl FnMut(&mut Span)) {
    match &mut ty.kind {
        TypeKind::Named(name) => ident(name, shift),
        TypeKind::Set(element) | TypeKind::List(element) => type_expr(element, shift),
    }
    shift(&mut ty.span);
}

fn fact_decl(fact: &mut FactDecl, shift: &mut impl FnMut(&mut Span)) {
    ident(&mut fact.record, shift);
    for field in &mut fact.fields {
        ident(&mut field.name, shift);
        fact_value(&mut field.value, shift);
        shift(&mut field.span);
    }
    shift(&mut fact.span);
}

fn fact_value(value: &mut FactValue, shift: &mut impl FnMut(&mut Span)) {
    match value {
        FactValue::Unknown(span)
        | FactValue::None(span)
        | FactValue::Bool(_, span)
        | FactValue::Int(_, span)
        | FactValue::Decimal(_, span)
        | FactValue::Date(_, span) => shift(span),
        FactValue::Text(words) => text(words, shift),
        FactValue::Variant(name) => ident(name, shift),
        FactValue::Set(elements, span) => {
            elements.iter_mut().for_each(|element| fact_value(element, shift));
            shift(span);
        }
        FactValue::Record(fact) => fact_decl(fact, shift),
    }
}

fn subject_ref(subject: &mut SubjectRef, shift: &mut impl FnMut(&mut Span)) {
    match subject {
        SubjectRef::Key(key) => text(key, shift),
        SubjectRef::Position(_, span) => shift(span),
    }
}

fn fact_path(path: &mut FactPath, shift: &mut impl FnMut(&mut Span)) {
    ident(&mut path.record, shift);
    subject_ref(&mut path.subject, shift);
    ident(&mut path.field, shift);
    path.nested.iter_mut().for_each(|name| ident(name, shift));
    shift(&mut path.span);
}

/// Shifts an expression's spans. Expression trees are no deeper than the nesting limit, which
/// lowering enforced, and every later stage recurses over them as deeply.
fn expr(expr_node: &mut Expr, shift: &mut impl FnMut(&mut Span)) {
    match &mut expr_node.kind {
        ExprKind::Bool(_)
        | ExprKind::Int(_)
        | ExprKind::Decimal(_)
        | ExprKind::Text(_)
        | ExprKind::Date(_)
        | ExprKind::None => {}
        ExprKind::Name(name) => ident(name, shift),
        ExprKind::KeyRef(key_ref) => {
            let (record, key) = &mut **key_ref;
            ident(record, shift);
            text(key, shift);
        }
        ExprKind::Lookup(lookup) => {
            let (record, keys) = &mut **lookup;
            ident(record, shift);
            keys.iter_mut().for_each(|key| expr(key, shift));
        }
        ExprKind::Field(base, field) => {
            expr(base, shift);
            ident(field, shift);
        }
        ExprKind::Call(call) => {
            let (function, args) = &mut **call;
            ident(function, shift);
            args.iter_mut().for_each(|arg| expr(arg, shift));
        }
        ExprKind::Set(elements) => elements.iter_mut().for_each(|element| expr(element, shift)),
        ExprKind::Not(inner) | ExprKind::Neg(inner) | ExprKind::IsSome(inner) | ExprKind::IsNone(inner) => {
            expr(inner, shift);
        }
        ExprKind::Binary(_, left, right) => {
            expr(left, shift);
            expr(right, shift);
        }
        ExprKind::Quantified(_, quantified) => {
            let (var, set, body) = &mut **quantified;
            ident(var, shift);
            expr(set, shift);
            expr(body, shift);
        }
        ExprKind::If(condition, then, otherwise) => {
            expr(condition, shift);
            expr(then, shift);
            expr(otherwise, shift);
        }
    }
    shift(&mut expr_node.span);
}
