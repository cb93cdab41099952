//! Checking: resolves names, checks types, orders exceptions; `ast` modules to `ir::Program`.
//! This file collects the declarations of every module and runs the passes in order.

mod expr;
mod graph;
mod index;
pub mod ir;
pub mod keys;
mod lookups;
mod messages;
mod probe;
mod rules;
mod state;
mod tables;
mod test_blocks;
mod types;

use std::collections::HashMap;

use crate::diagnostic::{self, Diagnostic};
use crate::source::Span;
use crate::syntax::ast;
use crate::value::{Interner, Value};

use expr::Scope;
pub use index::{DefId, DefKind, Definition, Index, ScopeRange, Use};
use ir::{ConstId, EnumId, RecordId, Type, TypeId};
pub use probe::Probe;
use state::{Checker, ConstSlot, FnSlot, Global};
use types::ERROR;

/// A checked program, every diagnostic found while checking it, and its use-to-definition index.
///
/// INVARIANT (fail closed): when `diagnostics` holds an error, `program.has_errors` is set and the
/// program is partial: it lists what checked, for editors and the REPL to read, but nothing may
/// decide with it. [`check`] never returns such a program; [`check_partial`] does, and the
/// evaluator refuses it.
#[derive(Debug)]
pub struct Checked {
    /// The program: every declaration that checked. A rule or test with an error is left out;
    /// a record, enum, constant or function with an error is kept, its broken parts typed as errors,
    /// so that what uses it gets no second diagnostic.
    pub program: ir::Program,
    /// Errors and warnings, sorted by position.
    pub diagnostics: Vec<Diagnostic>,
    /// Every definition and use of a name, and the scopes of local names.
    pub index: Index,
}

impl Checked {
    /// Whether checking found an error (then nothing may decide with the program).
    pub fn has_errors(&self) -> bool {
        self.program.has_errors
    }
}

/// Checks modules, given in dependency order (every module after the modules it imports; the policy last).
///
/// On failure, the result holds every error found, and any warnings, sorted by position.
///
/// It builds no index (`Checked::index` is empty): the command line, which decides, needs none,
/// and checking a large policy is faster without it. [`check_partial`] builds it.
pub fn check(modules: &[ast::Module]) -> Result<Checked, Vec<Diagnostic>> {
    let mut checker = run_passes(modules, Index::disabled());
    checker.warn_unused();
    let checked = checker.finish();
    if checked.has_errors() {
        return Err(checked.diagnostics);
    }
    Ok(checked)
}

/// Checks modules, given in dependency order, and always returns a program: everything that
/// checked, with every diagnostic (the same ones [`check`] reports) and the index.
pub fn check_partial(modules: &[ast::Module]) -> Checked {
    let mut checker = run_passes(modules, Index::default());
    checker.warn_unused();
    checker.finish()
}

/// Refuses a program with errors (E0229): the evaluator calls this before deciding anything,
/// so a partial program from [`check_partial`] can never decide (fail closed).
pub fn ensure_complete(program: &ir::Program) -> Result<(), Diagnostic> {
    if program.has_errors {
        return Err(messages::partial_program());
    }
    Ok(())
}

/// Checks an expression typed at a prompt in the scope of `checked`, the result of
/// [`check_partial`] over the same `modules`.
///
/// With `subject`, the subject variable of `decide` is visible. Texts are interned into
/// `interner`, a copy of the loaded facts' interner (which extends the program's). A key
/// reference (`Country["JP"]`) is resolved now through `find_key`; a key it does not find is
/// E0228, whose help names the keys `known` has. The checker's passes run again over `modules`
/// to rebuild their name tables, which costs about as much as checking the policy once.
/// The probe's program keeps `has_errors` from `checked`: an expression checked against a
/// partial program is typed, but, like the program, may not be evaluated (`ensure_complete`).
pub fn check_expr<'a>(
    modules: &'a [ast::Module],
    checked: &Checked,
    expr: &'a ast::Expr,
    subject: bool,
    interner: &mut Interner,
    find_key: &'a dyn Fn(RecordId, &str) -> Option<Value>,
    known: &'a dyn keys::KnownKeys,
) -> Result<Probe, Vec<Diagnostic>> {
    probe::check_in(
        run_passes(modules, Index::disabled()),
        &checked.program,
        expr,
        subject,
        interner,
        find_key,
        known,
    )
}

/// Runs every pass but the warnings about unused definitions, which depend on the whole policy
/// and would be repeated by a probe.
fn run_passes(modules: &[ast::Module], index: Index) -> Checker<'_> {
    let mut checker = Checker::new();
    checker.index = index;
    checker.collect(modules);
    checker.resolve_records();
    checker.collect_tables();
    checker.check_aliases_have_tables();
    checker.check_table_keys();
    checker.check_data();
    checker.resolve_subject();
    checker.check_globals();
    checker.check_subject_date();
    checker.check_rules();
    checker.check_tests();
    checker
}

impl<'a> Checker<'a> {
    /// Pass 1: registers every declaration of every module.
    fn collect(&mut self, modules: &'a [ast::Module]) {
        let last = modules.len().saturating_sub(1);
        self.globals
            .reserve(modules.iter().map(|module| module.items.len()).sum());
        for (module_idx, module) in modules.iter().enumerate() {
            let in_policy = module_idx == last && module.header.kind == ast::HeaderKind::Policy;
            for item in &module.items {
                self.collect_item(item, in_policy);
            }
        }
        if let Some(policy) = modules.last()
            && policy.header.kind == ast::HeaderKind::Policy
        {
            match (self.decide, self.default) {
                (None, _) if !self.rule_decls.is_empty() => {
                    self.error(messages::missing_subject(policy.header.span));
                }
                (Some(decide), None) => self.error(messages::missing_default(decide.span)),
                _ => {}
            }
        }
    }

    fn collect_item(&mut self, item: &'a ast::Item, in_policy: bool) {
        match item {
            ast::Item::Use(_) => {}
            ast::Item::Enum(decl) => self.collect_enum(decl),
            ast::Item::Record(decl) => {
                let id = RecordId(self.record_decls.len() as u32);
                let def = self
                    .index
                    .define(DefKind::Record, &decl.name.name, decl.name.span, None);
                let ty = self.program.types.intern(Type::Record(id));
                self.index.set_type(def, Some(ty));
                self.record_defs.push(def);
                self.define(&decl.name, Global::Record(id));
                self.record_decls.push(decl);
                self.program.records.push(ir::RecordDef {
                    name: decl.name.name.clone(),
                    fields: Vec::new(),
                    key: None,
                    nested: false,
                    alias: None,
                    table: false,
                    key_table: None,
                    compound_key: Vec::new(),
                    span: decl.name.span,
                });
            }
            ast::Item::Let(decl) => {
                // A duplicate is reported once, never also as unused.
                let unique = self.define(&decl.name, Global::Const(self.consts.len()));
                let index_def = self
                    .index
                    .define(DefKind::Const, &decl.name.name, decl.name.span, None);
                self.consts.push(ConstSlot {
                    index_def,
                    decl,
                    id: ConstId(0),
                    ty: None,
                    def: None,
                    used: !unique,
                    in_policy,
                });
            }
            ast::Item::Fn(decl) => {
                let unique = self.define(&decl.name, Global::Fn(self.fns.len()));
                let index_def = self
                    .index
                    .define(DefKind::Function, &decl.name.name, decl.name.span, None);
                self.fns.push(FnSlot {
                    index_def,
                    decl,
                    params: Vec::new(),
                    result: None,
                    def: None,
                    used: !unique,
                    in_policy,
                });
            }
            ast::Item::Obligation(decl) => {
                let unique = self.define(&decl.name, Global::Obligation(self.program.obligations.len()));
                let def = self
                    .index
                    .define(DefKind::Obligation, &decl.name.name, decl.name.span, None);
                self.obligation_defs.push(def);
                self.program.obligations.push(ir::ObligationDef {
                    name: decl.name.name.clone(),
                    text: decl.text.value.clone(),
                    span: decl.name.span,
                });
                self.obligation_used.push(!unique);
                self.obligation_in_policy.push(in_policy);
                self.obligation_spans.push(decl.name.span);
            }
            ast::Item::Decide(decl) => match self.decide {
                Some(first) => self.error(messages::duplicate_subject(decl.span, first.span)),
                None => self.decide = Some(decl),
            },
            ast::Item::Default(decl) => match self.default {
                Some(first) => self.error(messages::duplicate_default(decl.span, first.span)),
                None => self.default = Some(decl),
            },
            ast::Item::Rule(decl) => {
                self.define(&decl.name, Global::Rule(self.rule_decls.len()));
                let def = self
                    .index
                    .define(DefKind::Rule, &decl.name.name, decl.name.span, None);
                self.rule_defs.push(def);
                self.rule_decls.push(decl);
            }
            ast::Item::Test(decl) => self.test_decls.push(decl),
            ast::Item::Data(decl) => self.data_decls.push(decl),
        }
    }

    fn collect_enum(&mut self, decl: &'a ast::EnumDecl) {
        let id = EnumId(self.enum_decls.len() as u32);
        self.define(&decl.name, Global::Enum(id));
        let enum_def = self
            .index
            .define(DefKind::Enum, &decl.name.name, decl.name.span, None);
        let ty = self.program.types.intern(Type::Enum(id));
        self.index.set_type(enum_def, Some(ty));
        self.enum_defs.push(enum_def);
        let mut variant_defs = Vec::new();
        let mut seen: HashMap<&str, Span> = HashMap::new();
        let mut variants = Vec::new();
        for variant in &decl.variants {
            if let Some(first) = seen.get(variant.name.as_str()) {
                let first = *first;
                self.error(messages::duplicate_member(
                    "variant",
                    &variant.name,
                    variant.span,
                    first,
                ));
                // A repeated variant still has a name an editor can point at: the first one.
                if let Some(position) = variants.iter().position(|known: &String| *known == variant.name) {
                    let target: DefId = variant_defs[position];
                    self.index.use_at(variant.span, target, Some(ty));
                }
                continue;
            }
            seen.insert(&variant.name, variant.span);
            let def = self
                .index
                .define(DefKind::Variant, &variant.name, variant.span, Some(enum_def));
            self.index.set_type(def, Some(ty));
            variant_defs.push(def);
            self.variants
                .entry(&variant.name)
                .or_default()
                .push((id, variants.len() as u32));
            variants.push(variant.name.clone());
        }
        self.enum_decls.push(decl);
        self.variant_defs.push(variant_defs);
        self.program.enums.push(ir::EnumDef {
            name: decl.name.name.clone(),
            variants,
            span: decl.name.span,
        });
    }

    /// Pass 2: resolves record fields and keys, now that every type name is known.
    fn resolve_records(&mut self) {
        self.find_nested_records();
        for (idx, decl) in self.record_decls.clone().into_iter().enumerate() {
            let mut fields: Vec<ir::FieldDef> = Vec::new();
            let mut defs: Vec<DefId> = Vec::new();
            let record_def = self.record_defs[idx];
            for field in &decl.fields {
                if let Some(position) = fields.iter().position(|known| known.name == field.name.name) {
                    let first = fields[position].span;
                    let target = defs[position];
                    self.index.use_at(field.name.span, target, None);
                    self.error(messages::duplicate_member(
                        "field",
                        &field.name.name,
                        field.name.span,
                        first,
                    ));
                    continue;
                }
                let ty = self.resolve_type(&field.ty);
                self.check_references_have_keys(&field.ty);
                self.check_not_compound_keyed(&field.ty);
                let def = self.index.define(
                    DefKind::Field,
                    &field.name.name,
                    field.name.span,
                    Some(record_def),
                );
                self.index.set_type(def, (ty != ERROR).then_some(ty));
                defs.push(def);
                fields.push(ir::FieldDef {
                    name: field.name.name.clone(),
                    ty,
                    span: field.name.span,
                });
            }
            let key = decl.key.as_ref().and_then(|key| {
                let Some(position) = fields.iter().position(|field| field.name == key.name) else {
                    let names: Vec<&str> = fields.iter().map(|field| field.name.as_str()).collect();
                    let diagnostic = messages::key_not_a_field(&decl.name.name, &key.name, key.span, &names);
                    self.error(diagnostic);
                    return None;
                };
                let ty = fields[position].ty;
                self.index
                    .use_at(key.span, defs[position], (ty != ERROR).then_some(ty));
                // A key whose type is a record is checked to be a table once tables are known.
                let is_keyed_record = matches!(
                    self.kind(ty),
                    Some(Type::Record(target)) if self.record_decls[target.idx()].key.is_some()
                );
                if ty != self.prims.text && ty != ERROR && !is_keyed_record {
                    let found = self.type_name(ty);
                    let field_span = fields[position].span;
                    self.error(messages::key_not_text(
                        &decl.name.name,
                        &key.name,
                        &found,
                        key.span,
                        field_span,
                    ));
                    return None;
                }
                Some(position as u32)
            });
            let alias = match (&decl.alias, key) {
                (Some(alias), Some(_)) => self.resolve_alias(&decl.name.name, alias, &fields, &defs),
                _ => None,
            };
            let compound_key = self.resolve_compound_key(decl, &fields, &defs);
            self.field_defs.push(defs);
            let record = &mut self.program.records[idx];
            record.fields = fields;
            record.key = key;
            record.alias = alias;
            record.compound_key = compound_key;
        }
    }

    /// The keyless record type a field's type names directly (`Approval` or `Approval?`), if any:
    /// such a field holds a nested record.
    fn nested_field_record(&self, ty: &ast::TypeExpr) -> Option<RecordId> {
        let ast::TypeKind::Named(name) = &ty.kind else {
            return None;
        };
        match self.globals.get(name.name.as_str()) {
            Some((Global::Record(id), _))
                if self.record_decls[id.idx()].key.is_none()
                    && self.record_decls[id.idx()].compound_key.is_empty() =>
            {
                Some(*id)
            }
            _ => None,
        }
    }

    /// Resolves the fields of a compound key (`key (a, b)`): each a field of the record, named
    /// once, of a type a key can hold (E0461); empty when the record has none or it is broken.
    fn resolve_compound_key(
        &mut self,
        decl: &ast::RecordDecl,
        fields: &[ir::FieldDef],
        defs: &[DefId],
    ) -> Vec<u32> {
        let mut positions: Vec<u32> = Vec::new();
        let mut broken = false;
        for (at, key) in decl.compound_key.iter().enumerate() {
            let Some(position) = fields.iter().position(|field| field.name == key.name) else {
                let names: Vec<&str> = fields.iter().map(|field| field.name.as_str()).collect();
                let diagnostic =
                    messages::compound_key_not_a_field(&decl.name.name, &key.name, key.span, &names);
                self.error(diagnostic);
                broken = true;
                continue;
            };
            let ty = fields[position].ty;
            self.index
                .use_at(key.span, defs[position], (ty != ERROR).then_some(ty));
            if let Some(first) = decl.compound_key[..at]
                .iter()
                .find(|other| other.name == key.name)
            {
                self.error(messages::compound_key_repeated(&key.name, key.span, first.span));
                broken = true;
                continue;
            }
            let fits = match self.kind(ty) {
                None => true,
                Some(Type::Text | Type::Int | Type::Date | Type::Bool | Type::Enum(_)) => true,
                Some(Type::Record(target)) => self.record_decls[target.idx()].key.is_some(),
                Some(_) => false,
            };
            if !fits {
                let found = self.type_name(ty);
                let field_span = fields[position].span;
                self.error(messages::compound_key_type(
                    &key.name, &found, key.span, field_span,
                ));
                broken = true;
                continue;
            }
            positions.push(position as u32);
        }
        if broken { Vec::new() } else { positions }
    }

    /// Reports a field whose type names a record type with a compound key (E0464): such facts
    /// are found by a lookup (`Record[a, b]`), never held by a field.
    fn check_not_compound_keyed(&mut self, ty: &ast::TypeExpr) {
        match &ty.kind {
            ast::TypeKind::Named(name) => {
                if let Some((Global::Record(id), _)) = self.globals.get(name.name.as_str())
                    && !self.record_decls[id.idx()].compound_key.is_empty()
                {
                    self.error(messages::compound_key_field_type(&name.name, name.span));
                }
            }
            ast::TypeKind::Set(inner) | ast::TypeKind::List(inner) => self.check_not_compound_keyed(inner),
        }
    }

    /// Marks the nested record types (keyless records that are some field's type) and reports
    /// cycles of them: a record that holds itself, directly or through others, has no finite facts.
    fn find_nested_records(&mut self) {
        let mut edges: Vec<Vec<(usize, Span)>> = vec![Vec::new(); self.record_decls.len()];
        for (idx, decl) in self.record_decls.iter().enumerate() {
            for field in &decl.fields {
                if let Some(nested) = self.nested_field_record(&field.ty) {
                    edges[idx].push((nested.idx(), field.ty.span));
                }
            }
        }
        for targets in &edges {
            for (target, _) in targets {
                self.program.records[*target].nested = true;
            }
        }
        for cycle in graph::cycles(&edges) {
            let named: Vec<(&str, Span)> = cycle
                .iter()
                .map(|(idx, span)| (self.record_decls[*idx].name.name.as_str(), *span))
                .collect();
            let diagnostic = messages::nested_record_cycle(&named);
            self.error(diagnostic);
        }
    }

    /// Reports record types named in a field's type that cannot be referred to, having no key;
    /// a keyless record named directly as the field's type is a nested record, which is allowed.
    fn check_references_have_keys(&mut self, ty: &ast::TypeExpr) {
        match &ty.kind {
            ast::TypeKind::Named(_) => {}
            ast::TypeKind::Set(inner) | ast::TypeKind::List(inner) => self.check_elements_have_keys(inner),
        }
    }

    /// Reports keyless record types as elements of a set or list: nested records are fields only.
    fn check_elements_have_keys(&mut self, ty: &ast::TypeExpr) {
        match &ty.kind {
            ast::TypeKind::Named(name) => {
                if self.nested_field_record(ty).is_some() {
                    self.error(messages::keyless_element(&name.name, name.span));
                }
            }
            ast::TypeKind::Set(inner) | ast::TypeKind::List(inner) => self.check_elements_have_keys(inner),
        }
    }

    /// Resolves the record type of `decide` and checks the subject's name.
    fn resolve_subject(&mut self) {
        let Some(decide) = self.decide else {
            return;
        };
        if let Some((Global::Record(id), _)) = self.globals.get(decide.record.name.as_str()) {
            let (id, target) = (*id, self.record_defs[id.idx()]);
            let ty = self.program.types.intern(Type::Record(id));
            self.index.use_at(decide.record.span, target, Some(ty));
        }
        let ty = match self.globals.get(decide.record.name.as_str()) {
            Some((Global::Record(id), _)) if self.program.records[id.idx()].nested => {
                let id = *id;
                let holders = self.holders_of(id);
                self.error(messages::nested_subject(
                    &decide.record.name,
                    decide.record.span,
                    &holders,
                ));
                self.program.types.intern(Type::Record(id))
            }
            Some((Global::Record(id), _)) => self.program.types.intern(Type::Record(*id)),
            Some(_) => {
                self.error(messages::not_a_record_type(
                    &decide.record.name,
                    decide.record.span,
                ));
                ERROR
            }
            None => {
                let candidates = self.record_names();
                self.error(messages::unknown_type(
                    &decide.record.name,
                    decide.record.span,
                    &candidates,
                ));
                ERROR
            }
        };
        if let Some((_, first)) = self.globals.get(decide.var.name.as_str()) {
            let first = *first;
            self.error(messages::shadowing(&decide.var.name, decide.var.span, first));
        }
        self.subject = Some((&decide.var.name, ty));
        let def = self
            .index
            .define(DefKind::Subject, &decide.var.name, decide.var.span, None);
        self.index.set_type(def, (ty != ERROR).then_some(ty));
        self.subject_def = Some(def);
    }

    /// The fields that hold a nested record type, as `Record.field`, for messages.
    fn holders_of(&self, nested: RecordId) -> Vec<String> {
        let mut holders = Vec::new();
        for decl in &self.record_decls {
            for field in &decl.fields {
                if self.nested_field_record(&field.ty) == Some(nested) {
                    holders.push(format!("{}.{}", decl.name.name, field.name.name));
                }
            }
        }
        holders
    }

    fn record_names(&self) -> Vec<&'a str> {
        self.record_decls
            .iter()
            .map(|decl| decl.name.name.as_str())
            .collect()
    }

    /// Checks constants and functions, each after everything it uses; reports cycles.
    fn check_globals(&mut self) {
        // Nodes are constants then functions; the source position decides ties.
        let n_consts = self.consts.len();
        let node_of = |global: Global| match global {
            Global::Const(idx) => Some(idx),
            Global::Fn(idx) => Some(n_consts + idx),
            _ => None,
        };
        let mut uses: Vec<Vec<(usize, Span)>> = Vec::with_capacity(n_consts + self.fns.len());
        let bodies: Vec<&'a ast::Expr> = self
            .consts
            .iter()
            .map(|slot| &slot.decl.value)
            .chain(self.fns.iter().map(|slot| &slot.decl.body))
            .collect();
        for body in &bodies {
            let mut refs = Vec::new();
            collect_refs(body, &mut refs);
            let mut edges = Vec::new();
            for (name, span, call) in refs {
                if let Some((global, _)) = self.globals.get(name) {
                    let fits = matches!((global, call), (Global::Const(_), false) | (Global::Fn(_), true));
                    if let (true, Some(node)) = (fits, node_of(*global)) {
                        edges.push((node, span));
                    }
                }
            }
            uses.push(edges);
        }
        let order = self.source_order_keys();
        for cycle in graph::cycles(&uses) {
            self.report_global_cycle(&cycle, n_consts);
        }
        let after: Vec<Vec<usize>> = uses
            .iter()
            .map(|edges| edges.iter().map(|(node, _)| *node).collect())
            .collect();
        let sorted = graph::topo_order(&after, &order);
        let mut next_const = 0;
        for node in &sorted {
            if *node < n_consts {
                self.consts[*node].id = ConstId(next_const);
                next_const += 1;
            }
        }
        for idx in 0..self.fns.len() {
            self.resolve_signature(idx);
        }
        for node in sorted {
            if node < n_consts {
                self.check_const(node);
            } else {
                self.check_fn(node - n_consts);
            }
        }
        let mut consts: Vec<(ConstId, ir::ConstDef)> = self
            .consts
            .iter_mut()
            .map(|slot| (slot.id, slot.def.take().expect("every constant is checked once")))
            .collect();
        consts.sort_by_key(|(id, _)| *id);
        self.program.consts = consts.into_iter().map(|(_, def)| def).collect();
        self.program.functions = self
            .fns
            .iter_mut()
            .map(|slot| slot.def.take().expect("every function is checked once"))
            .collect();
    }

    /// Keys that put constants and functions in source order (module, then position).
    fn source_order_keys(&self) -> Vec<(u32, u32, u32)> {
        self.consts
            .iter()
            .map(|slot| slot.decl.span)
            .chain(self.fns.iter().map(|slot| slot.decl.span))
            .map(|span| (span.source.0, span.start, span.end))
            .collect()
    }

    fn report_global_cycle(&mut self, cycle: &[(usize, Span)], n_consts: usize) {
        let name = |node: usize| -> &'a str {
            if node < n_consts {
                &self.consts[node].decl.name.name
            } else {
                &self.fns[node - n_consts].decl.name.name
            }
        };
        match cycle.iter().position(|(node, _)| *node < n_consts) {
            Some(start) => {
                let rotated: Vec<(&str, Span)> = cycle[start..]
                    .iter()
                    .chain(&cycle[..start])
                    .map(|(node, span)| (name(*node), *span))
                    .collect();
                self.error(messages::recursive_constant(&rotated));
            }
            None => {
                let named: Vec<(&str, Span)> =
                    cycle.iter().map(|(node, span)| (name(*node), *span)).collect();
                self.error(messages::recursive_function(&named));
            }
        }
    }

    fn resolve_signature(&mut self, idx: usize) {
        let decl = self.fns[idx].decl;
        let params: Vec<TypeId> = decl
            .params
            .iter()
            .map(|param| self.resolve_type(&param.ty))
            .collect();
        let result = decl.result.as_ref().map(|ty| self.resolve_type(ty));
        let slot = &mut self.fns[idx];
        slot.params = params;
        slot.result = result;
    }

    fn check_const(&mut self, idx: usize) {
        let decl = self.consts[idx].decl;
        let declared = decl.ty.as_ref().map(|ty| (self.resolve_type(ty), ty.span));
        let mut scope = Scope::new(false);
        let value = self.expr(&decl.value, &mut scope);
        let ty = match declared {
            Some((declared, span)) => {
                if !self.assignable(value.ty, declared) {
                    let (want, found) = (self.type_name(declared), self.type_name(value.ty));
                    let diagnostic = messages::declared_mismatch(
                        "constant",
                        &decl.name.name,
                        &want,
                        &found,
                        value.span,
                        span,
                    );
                    self.error(diagnostic);
                }
                declared
            }
            None => value.ty,
        };
        let index_def = self.consts[idx].index_def;
        self.index.set_type(index_def, (ty != ERROR).then_some(ty));
        let slot = &mut self.consts[idx];
        slot.ty = Some(ty);
        slot.def = Some(ir::ConstDef {
            name: decl.name.name.clone(),
            ty,
            value,
            n_locals: scope.n_locals,
            span: decl.name.span,
        });
    }

    fn check_fn(&mut self, idx: usize) {
        let decl = self.fns[idx].decl;
        let params = self.fns[idx].params.clone();
        let mut scope = Scope::new(false);
        let mut names = Vec::with_capacity(params.len());
        for (param, ty) in decl.params.iter().zip(&params) {
            let def = self
                .index
                .define(DefKind::Param, &param.name.name, param.name.span, None);
            self.index.set_type(def, (*ty != ERROR).then_some(*ty));
            names.push(def);
            self.bind(&mut scope, &param.name, *ty, def);
        }
        self.index.add_scope(decl.body.span, names);
        let body = self.expr(&decl.body, &mut scope);
        let result = match (&decl.result, self.fns[idx].result) {
            (Some(written), Some(declared)) => {
                if !self.assignable(body.ty, declared) {
                    let (want, found) = (self.type_name(declared), self.type_name(body.ty));
                    let diagnostic = messages::declared_mismatch(
                        "function",
                        &decl.name.name,
                        &want,
                        &found,
                        body.span,
                        written.span,
                    );
                    self.error(diagnostic);
                }
                declared
            }
            _ => body.ty,
        };
        let index_def = self.fns[idx].index_def;
        self.index
            .set_type(index_def, (result != ERROR).then_some(result));
        let slot = &mut self.fns[idx];
        slot.result = Some(result);
        slot.def = Some(ir::FnDef {
            name: decl.name.name.clone(),
            params: decl
                .params
                .iter()
                .map(|param| param.name.name.clone())
                .zip(params)
                .collect(),
            n_locals: scope.n_locals,
            result,
            body,
            span: decl.name.span,
        });
    }

    /// Checks `decide … on expr` and builds the subject.
    fn check_subject_date(&mut self) {
        let (Some(decide), Some((var, ty))) = (self.decide, self.subject) else {
            return;
        };
        let mut scope = Scope::new(true);
        if let (Some(date), Some(def)) = (&decide.date, self.subject_def) {
            self.index.add_scope(date.span, vec![def]);
        }
        let date = decide.date.as_ref().map(|date| {
            let expr = self.expr(date, &mut scope);
            let optional_date = self.optional(self.prims.date);
            if expr.ty != self.prims.date && expr.ty != optional_date && expr.ty != ERROR {
                let found = self.type_name(expr.ty);
                self.error(messages::mismatch("`Date` or `Date?`", &found, expr.span));
            }
            expr
        });
        let record = match self.kind(ty) {
            Some(Type::Record(id)) => id,
            _ => RecordId(0),
        };
        self.program.subject = Some(ir::Subject {
            record,
            var: var.to_string(),
            date,
            n_locals: scope.n_locals,
            span: decide.span,
        });
        if let Some(default) = self.default {
            self.program.default = Some(ir::DefaultDef {
                effect: default.effect.into(),
                reason: default.reason.as_ref().map(|reason| reason.value.clone()),
                citation: default.citation.as_ref().map(|citation| citation.value.clone()),
                span: default.span,
            });
        }
    }

    /// W0001 for constants, functions and obligations of the policy that nothing uses.
    fn warn_unused(&mut self) {
        let mut warnings = Vec::new();
        for slot in &self.consts {
            if slot.in_policy && !slot.used {
                warnings.push(messages::unused(
                    "constant",
                    &slot.decl.name.name,
                    slot.decl.name.span,
                ));
            }
        }
        for slot in &self.fns {
            if slot.in_policy && !slot.used {
                warnings.push(messages::unused(
                    "function",
                    &slot.decl.name.name,
                    slot.decl.name.span,
                ));
            }
        }
        for (idx, obligation) in self.program.obligations.iter().enumerate() {
            if self.obligation_in_policy[idx] && !self.obligation_used[idx] {
                warnings.push(messages::unused(
                    "obligation",
                    &obligation.name,
                    self.obligation_spans[idx],
                ));
            }
        }
        self.diagnostics.extend(warnings);
    }

    fn finish(mut self) -> Checked {
        diagnostic::sort(&mut self.diagnostics);
        let has_errors = self.diagnostics.iter().any(Diagnostic::is_error);
        if has_errors {
            // A definition reached only through a misspelt name looks unused; once the errors
            // are fixed the warning comes back if it still holds, so drop it as noise now.
            self.diagnostics
                .retain(|diagnostic| diagnostic.code != crate::diagnostic::Code::Unused);
        }
        self.program.has_errors = has_errors;
        self.index.finish();
        Checked {
            program: self.program,
            diagnostics: self.diagnostics,
            index: self.index,
        }
    }
}

/// Collects the names an expression reads (`false`) or calls (`true`), to order definitions.
fn collect_refs<'e>(expr: &'e ast::Expr, out: &mut Vec<(&'e str, Span, bool)>) {
    use ast::ExprKind as K;
    match &expr.kind {
        K::Bool(_) | K::Int(_) | K::Decimal(_) | K::Text(_) | K::Date(_) | K::None | K::KeyRef(..) => {}
        K::Lookup(lookup) => lookup.1.iter().for_each(|key| collect_refs(key, out)),
        K::Name(name) => out.push((&name.name, name.span, false)),
        K::Field(base, _) => collect_refs(base, out),
        K::Call(call) => {
            let (name, args) = &**call;
            out.push((&name.name, name.span, true));
            args.iter().for_each(|arg| collect_refs(arg, out));
        }
        K::Set(items) => items.iter().for_each(|item| collect_refs(item, out)),
        K::Not(inner) | K::Neg(inner) | K::IsSome(inner) | K::IsNone(inner) => collect_refs(inner, out),
        K::Binary(_, left, right) => {
            collect_refs(left, out);
            collect_refs(right, out);
        }
        K::Quantified(_, quantified) => {
            collect_refs(&quantified.1, out);
            collect_refs(&quantified.2, out);
        }
        K::If(cond, then, otherwise) => {
            collect_refs(cond, out);
            collect_refs(then, out);
            collect_refs(otherwise, out);
        }
    }
}

#[cfg(test)]
mod tests;

#[cfg(test)]
mod tests_partial;

#[cfg(test)]
mod tests_probe;
