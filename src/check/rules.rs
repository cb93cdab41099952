//! Rules in the checker: clauses, condition parts, narrowing across clauses, exceptions
//! (cycles and evaluation order) and rules that can never apply.

use super::expr::{Scope, narrow_when_false, narrow_when_true};
use super::ir::{self, ObligationId, RuleId};
use super::state::{Checker, Global};
use super::{graph, messages};
use crate::source::Span;
use crate::syntax::ast::{self, BinaryOp, Effect, ExprKind as K};
use crate::value::Date;

/// Splits a `when` expression into its top-level `and` conjuncts, in order.
fn conjuncts<'e>(expr: &'e ast::Expr, out: &mut Vec<&'e ast::Expr>) {
    match &expr.kind {
        K::Binary(BinaryOp::And, left, right) => {
            conjuncts(left, out);
            conjuncts(right, out);
        }
        _ => out.push(expr),
    }
}

fn is_literal(expr: &ast::Expr) -> bool {
    matches!(
        expr.kind,
        K::Bool(_) | K::Int(_) | K::Text(_) | K::Date(_) | K::None
    )
}

/// Whether a `when` part can never hold: `false`, or `==` between two different literals.
fn always_false(expr: &ast::Expr) -> bool {
    match &expr.kind {
        K::Bool(false) => true,
        K::Binary(BinaryOp::Eq, left, right) => {
            is_literal(left) && is_literal(right) && left.kind != right.kind
        }
        _ => false,
    }
}

/// The clauses that may appear at most once, with where each first appeared.
#[derive(Default)]
struct Once {
    because: Option<Span>,
    cite: Option<Span>,
    effective: Option<(Date, Span)>,
    until: Option<(Date, Span)>,
}

impl<'a> Checker<'a> {
    /// Checks every rule, links exceptions both ways, reports exception cycles and orders the rules.
    pub(super) fn check_rules(&mut self) {
        let mut exceptions: Vec<Vec<(usize, Span)>> = Vec::with_capacity(self.rule_decls.len());
        let mut rules = Vec::with_capacity(self.rule_decls.len());
        let mut broken = Vec::with_capacity(self.rule_decls.len());
        for decl in self.rule_decls.clone() {
            let n_errors = self.n_errors();
            let (rule, exception_to) = self.check_rule(decl);
            broken.push(self.n_errors() > n_errors);
            rules.push(rule);
            exceptions.push(exception_to);
        }
        for cycle in graph::cycles(&exceptions) {
            // Name the cycle from the rule written first, so the message does not depend on the search.
            let start = (0..cycle.len()).min_by_key(|idx| cycle[*idx].0).unwrap_or(0);
            let named: Vec<(&str, Span)> = cycle[start..]
                .iter()
                .chain(&cycle[..start])
                .map(|(rule, span)| (self.rule_decls[*rule].name.name.as_str(), *span))
                .collect();
            self.error(messages::exception_cycle(&named));
        }
        // A rule with an error is left out of the program, so it can never be mistaken for one
        // that checked; the others keep their order and get ids without gaps.
        let mut next = 0;
        self.rule_ids = broken
            .iter()
            .map(|broken| {
                (!broken).then(|| {
                    next += 1;
                    RuleId(next - 1)
                })
            })
            .collect();
        let mut kept: Vec<ir::RuleDef> = Vec::with_capacity(next as usize);
        let mut kept_exceptions: Vec<Vec<usize>> = Vec::with_capacity(next as usize);
        for (idx, rule) in rules.into_iter().enumerate() {
            if self.rule_ids[idx].is_none() {
                continue;
            }
            let targets = exceptions[idx]
                .iter()
                .filter_map(|(target, _)| self.rule_ids[*target])
                .map(RuleId::idx)
                .collect();
            kept.push(rule);
            kept_exceptions.push(targets);
        }
        for (idx, exception_to) in kept_exceptions.iter().enumerate() {
            for target in exception_to {
                kept[*target].defeated_by.push(RuleId(idx as u32));
            }
            kept[idx].exception_to = exception_to.iter().map(|target| RuleId(*target as u32)).collect();
        }
        let after: Vec<Vec<usize>> = kept
            .iter()
            .map(|rule: &ir::RuleDef| rule.defeated_by.iter().map(|id| id.idx()).collect())
            .collect();
        let keys: Vec<usize> = (0..kept.len()).collect();
        self.program.rule_order = graph::topo_order(&after, &keys)
            .into_iter()
            .map(|idx| RuleId(idx as u32))
            .collect();
        self.program.rules = kept;
    }

    /// Checks one rule; returns it (without exceptions) and the rules it is an exception to.
    fn check_rule(&mut self, decl: &'a ast::RuleDecl) -> (ir::RuleDef, Vec<(usize, Span)>) {
        let name = decl.name.name.as_str();
        let mut scope = Scope::new(true);
        if let Some(def) = self.subject_def {
            self.index.add_scope(decl.span, vec![def]);
        }
        let mut conditions = Vec::new();
        let mut reason = None;
        let mut citation = None;
        let mut obligations: Vec<ObligationId> = Vec::new();
        let mut exception_to: Vec<(usize, Span)> = Vec::new();
        let mut once = Once::default();
        let mut never: Option<(Span, bool)> = None;
        for clause in &decl.clauses {
            match clause {
                ast::RuleClause::When(expr) => {
                    let mut parts = Vec::new();
                    conjuncts(expr, &mut parts);
                    for part in parts {
                        let n_reported = self.diagnostics.len();
                        let checked = self.expr(part, &mut scope);
                        self.require(part, &checked, self.prims.bool);
                        // A part with an error already has its diagnostic; do not warn about it too.
                        let clean = self.diagnostics.len() == n_reported;
                        if never.is_none() && clean && always_false(part) {
                            never = Some((part.span, false));
                        }
                        conditions.push(ir::Condition {
                            expr: checked,
                            negated: false,
                            span: part.span,
                        });
                        // Narrowing lasts for the rest of the rule: later parts only run if this one held.
                        narrow_when_true(part, &mut scope.narrowed);
                    }
                }
                ast::RuleClause::Unless(expr) => {
                    let checked = self.expr(expr, &mut scope);
                    self.require(expr, &checked, self.prims.bool);
                    if never.is_none() && matches!(expr.kind, K::Bool(true)) {
                        never = Some((expr.span, true));
                    }
                    conditions.push(ir::Condition {
                        expr: checked,
                        negated: true,
                        span: expr.span,
                    });
                    narrow_when_false(expr, &mut scope.narrowed);
                }
                ast::RuleClause::Because(text) => {
                    if self.once(name, "because", &mut once.because, text.span) {
                        reason = Some(text.value.clone());
                    }
                }
                ast::RuleClause::Cite(text) => {
                    if self.once(name, "cite", &mut once.cite, text.span) {
                        citation = Some(text.value.clone());
                    }
                }
                ast::RuleClause::Oblige(names, span) => {
                    if decl.effect == Effect::Deny {
                        self.error(messages::obligation_on_deny(name, *span));
                    }
                    for obligation in names {
                        if let Some(id) = self.obligation_ref(obligation)
                            && !obligations.contains(&id)
                        {
                            obligations.push(id);
                        }
                    }
                }
                ast::RuleClause::Effective(date, span) => {
                    self.once_dated(name, "effective", &mut once.effective, *date, *span)
                }
                ast::RuleClause::Until(date, span) => {
                    self.once_dated(name, "until", &mut once.until, *date, *span)
                }
                ast::RuleClause::ExceptionTo(names, _) => {
                    for target in names {
                        if let Some(idx) = self.rule_ref(target)
                            && !exception_to.iter().any(|(known, _)| *known == idx)
                        {
                            exception_to.push((idx, target.span));
                        }
                    }
                }
            }
        }
        if let (Some((from, from_span)), Some((to, to_span))) = (once.effective, once.until)
            && from >= to
        {
            self.error(messages::invalid_period(name, from, to, to_span, from_span));
        }
        if let Some((span, always)) = never {
            self.error(messages::never_applies(name, span, always));
        }
        let rule = ir::RuleDef {
            name: name.to_string(),
            effect: decl.effect.into(),
            conditions,
            reason,
            citation,
            obligations,
            effective: once.effective.map(|(date, _)| date),
            until: once.until.map(|(date, _)| date),
            exception_to: Vec::new(),
            defeated_by: Vec::new(),
            n_locals: scope.n_locals,
            name_span: decl.name.span,
            span: decl.span,
        };
        (rule, exception_to)
    }

    /// Records a clause allowed once; reports a second one. True for the first.
    fn once(&mut self, rule: &str, clause: &str, first: &mut Option<Span>, span: Span) -> bool {
        match first {
            Some(first) => {
                let first = *first;
                self.error(messages::duplicate_clause(rule, clause, span, first));
                false
            }
            None => {
                *first = Some(span);
                true
            }
        }
    }

    fn once_dated(
        &mut self,
        rule: &str,
        clause: &str,
        first: &mut Option<(Date, Span)>,
        date: Date,
        span: Span,
    ) {
        match first {
            Some((_, first)) => {
                let first = *first;
                self.error(messages::duplicate_clause(rule, clause, span, first));
            }
            None => *first = Some((date, span)),
        }
    }

    fn obligation_ref(&mut self, name: &ast::Ident) -> Option<ObligationId> {
        match self.globals.get(name.name.as_str()) {
            Some((Global::Obligation(idx), _)) => {
                let idx = *idx;
                self.index.use_at(name.span, self.obligation_defs[idx], None);
                self.obligation_used[idx] = true;
                Some(ObligationId(idx as u32))
            }
            _ => {
                let candidates: Vec<&str> =
                    self.program.obligations.iter().map(|o| o.name.as_str()).collect();
                let diagnostic = messages::unknown_obligation(&name.name, name.span, &candidates);
                self.error(diagnostic);
                None
            }
        }
    }

    fn rule_ref(&mut self, name: &ast::Ident) -> Option<usize> {
        match self.globals.get(name.name.as_str()) {
            Some((Global::Rule(idx), _)) => {
                self.index.use_at(name.span, self.rule_defs[*idx], None);
                Some(*idx)
            }
            _ => {
                let candidates: Vec<&str> = self
                    .rule_decls
                    .iter()
                    .map(|rule| rule.name.name.as_str())
                    .collect();
                self.error(messages::unknown_rule(&name.name, name.span, &candidates));
                None
            }
        }
    }
}
/// The checked effect of a written one.
impl From<ast::Effect> for ir::Effect {
    fn from(effect: ast::Effect) -> ir::Effect {
        match effect {
            ast::Effect::Permit => ir::Effect::Permit,
            ast::Effect::Deny => ir::Effect::Deny,
        }
    }
}
