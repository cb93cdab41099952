//! The checker's state, shared by every pass: the program being built, name tables, the
//! use-to-definition index and diagnostics. A leaf of `check`: the passes import it, it imports none of them.

use std::collections::HashMap;
use std::collections::hash_map::Entry;

use super::index::{DefId, Index};
use super::ir::{self, ConstId, EnumId, KeyRefId, RecordId, RuleId, Type, TypeId};
use super::keys::KnownKeys;
use super::messages;
use crate::diagnostic::Diagnostic;
use crate::source::Span;
use crate::syntax::ast;
use crate::value::{Sym, Value};

/// A top-level name and what it names; indices are in source order across modules.
#[derive(Copy, Clone, Debug)]
pub(super) enum Global {
    Enum(EnumId),
    Record(RecordId),
    Const(usize),
    Fn(usize),
    Obligation(usize),
    Rule(usize),
}

impl Global {
    /// The kind of definition, with its article, for messages.
    pub(super) fn kind(self) -> &'static str {
        match self {
            Global::Enum(_) => "an enum",
            Global::Record(_) => "a record type",
            Global::Const(_) => "a constant",
            Global::Fn(_) => "a function",
            Global::Obligation(_) => "an obligation",
            Global::Rule(_) => "a rule",
        }
    }
}

/// A constant while it is being checked.
pub(super) struct ConstSlot<'a> {
    pub(super) decl: &'a ast::LetDecl,
    /// Its id in the sorted [`ir::Program::consts`].
    pub(super) id: ConstId,
    /// Its type, once its value is checked.
    pub(super) ty: Option<TypeId>,
    pub(super) def: Option<ir::ConstDef>,
    pub(super) used: bool,
    pub(super) in_policy: bool,
    /// Its definition in the index.
    pub(super) index_def: DefId,
}

/// A function while it is being checked.
pub(super) struct FnSlot<'a> {
    pub(super) decl: &'a ast::FnDecl,
    pub(super) params: Vec<TypeId>,
    /// Its result type: declared, or inferred once its body is checked.
    pub(super) result: Option<TypeId>,
    pub(super) def: Option<ir::FnDef>,
    pub(super) used: bool,
    pub(super) in_policy: bool,
    /// Its definition in the index.
    pub(super) index_def: DefId,
}

/// How an expression typed at a prompt finds the records its key references name.
#[derive(Copy, Clone)]
pub(super) struct ProbeKeys<'a> {
    /// The record of a type with a key, if the loaded facts have one.
    pub(super) find: &'a dyn Fn(RecordId, &str) -> Option<Value>,
    /// The keys the loaded facts have, for the help of a key that is missing.
    pub(super) known: &'a dyn KnownKeys,
}

/// The names of a table's rows: every key and alias, with the key of the row it names.
#[derive(Clone, Debug, Default)]
pub(super) struct TableNames {
    pub(super) names: HashMap<String, String>,
}

impl TableNames {
    /// The key of the row a name (a key or an alias) names.
    pub(super) fn key_of(&self, name: &str) -> Option<&str> {
        self.names.get(name).map(String::as_str)
    }

    /// Every name, keys and aliases, each with the key of its row, sorted, so that a suggestion
    /// among names equally close is always the same one.
    pub(super) fn names(&self) -> Vec<(&str, &str)> {
        let mut names: Vec<(&str, &str)> = self
            .names
            .iter()
            .map(|(name, key)| (name.as_str(), key.as_str()))
            .collect();
        names.sort_unstable();
        names
    }
}

/// Ids of the types every program uses.
#[derive(Copy, Clone)]
pub(super) struct Prims {
    pub(super) bool: TypeId,
    pub(super) int: TypeId,
    pub(super) text: TypeId,
    pub(super) date: TypeId,
    pub(super) decimal: TypeId,
    pub(super) nothing: TypeId,
}

/// The state of one check: the program being built, name tables and diagnostics.
pub(super) struct Checker<'a> {
    pub(super) program: ir::Program,
    pub(super) diagnostics: Vec<Diagnostic>,
    /// Every top-level name, hashed with foldhash rather than SipHash: every name an expression
    /// reads is looked up here.
    pub(super) globals: HashMap<&'a str, (Global, Span), foldhash::fast::RandomState>,
    /// Every enum that has a variant of this name, with the variant's index.
    pub(super) variants: HashMap<&'a str, Vec<(EnumId, u32)>, foldhash::fast::RandomState>,
    pub(super) enum_decls: Vec<&'a ast::EnumDecl>,
    pub(super) record_decls: Vec<&'a ast::RecordDecl>,
    pub(super) consts: Vec<ConstSlot<'a>>,
    pub(super) fns: Vec<FnSlot<'a>>,
    pub(super) obligation_used: Vec<bool>,
    pub(super) obligation_in_policy: Vec<bool>,
    pub(super) obligation_spans: Vec<Span>,
    pub(super) rule_decls: Vec<&'a ast::RuleDecl>,
    pub(super) test_decls: Vec<&'a ast::TestDecl>,
    pub(super) data_decls: Vec<&'a ast::DataDecl>,
    /// The names of the rows of each table: keys and aliases, each with the key it stands for.
    pub(super) tables: HashMap<RecordId, TableNames>,
    pub(super) decide: Option<&'a ast::DecideDecl>,
    pub(super) default: Option<&'a ast::DefaultDecl>,
    /// The subject's name and type (`Record(r)`, or the error type if its record is unknown).
    pub(super) subject: Option<(&'a str, TypeId)>,
    pub(super) key_refs: HashMap<(RecordId, Sym), KeyRefId>,
    pub(super) prims: Prims,
    /// The use-to-definition index being built.
    pub(super) index: Index,
    /// The definition of each record type, enum, obligation and rule, by index.
    pub(super) record_defs: Vec<DefId>,
    pub(super) enum_defs: Vec<DefId>,
    pub(super) obligation_defs: Vec<DefId>,
    pub(super) rule_defs: Vec<DefId>,
    /// The definition of each field of each record type, by the field's index in `ir::RecordDef`.
    pub(super) field_defs: Vec<Vec<DefId>>,
    /// The definition of each variant of each enum, by the variant's index in `ir::EnumDef`.
    pub(super) variant_defs: Vec<Vec<DefId>>,
    /// The definition of the subject variable.
    pub(super) subject_def: Option<DefId>,
    /// Each rule's id in the program: `None` for a rule left out because it has an error.
    pub(super) rule_ids: Vec<Option<RuleId>>,
    /// How many of `diagnostics` are errors.
    n_errors: usize,
    /// Set while checking an expression typed at a prompt: key references are resolved against
    /// the loaded facts instead of being bound later.
    pub(super) probe_keys: Option<ProbeKeys<'a>>,
}

pub(super) const BUILTIN_TYPES: [&str; 5] = ["Bool", "Int", "Decimal", "Text", "Date"];

impl<'a> Checker<'a> {
    pub(super) fn new() -> Checker<'a> {
        let mut program = ir::Program::default();
        let prims = Prims {
            bool: program.types.intern(Type::Bool),
            int: program.types.intern(Type::Int),
            text: program.types.intern(Type::Text),
            date: program.types.intern(Type::Date),
            decimal: program.types.intern(Type::Decimal),
            nothing: program.types.intern(Type::Nothing),
        };
        Checker {
            program,
            diagnostics: Vec::new(),
            globals: HashMap::default(),
            variants: HashMap::default(),
            enum_decls: Vec::new(),
            record_decls: Vec::new(),
            consts: Vec::new(),
            fns: Vec::new(),
            obligation_used: Vec::new(),
            obligation_in_policy: Vec::new(),
            obligation_spans: Vec::new(),
            rule_decls: Vec::new(),
            test_decls: Vec::new(),
            data_decls: Vec::new(),
            tables: HashMap::new(),
            decide: None,
            default: None,
            subject: None,
            key_refs: HashMap::new(),
            prims,
            index: Index::default(),
            record_defs: Vec::new(),
            enum_defs: Vec::new(),
            obligation_defs: Vec::new(),
            rule_defs: Vec::new(),
            field_defs: Vec::new(),
            variant_defs: Vec::new(),
            subject_def: None,
            rule_ids: Vec::new(),
            n_errors: 0,
            probe_keys: None,
        }
    }

    pub(super) fn error(&mut self, diagnostic: Diagnostic) {
        self.n_errors += usize::from(diagnostic.is_error());
        self.diagnostics.push(diagnostic);
    }

    /// Registers a top-level name; reports it and returns false if it is taken.
    pub(super) fn define(&mut self, name: &'a ast::Ident, global: Global) -> bool {
        if BUILTIN_TYPES.contains(&name.name.as_str()) {
            self.error(messages::builtin_redefined(&name.name, "type", name.span));
        } else if ir::Builtin::ALL.iter().any(|builtin| builtin.name() == name.name) {
            self.error(messages::builtin_redefined(&name.name, "function", name.span));
        }
        match self.globals.entry(&name.name) {
            Entry::Occupied(entry) => {
                let (_, first) = *entry.get();
                self.error(messages::duplicate_definition(&name.name, name.span, first));
                false
            }
            Entry::Vacant(entry) => {
                entry.insert((global, name.span));
                true
            }
        }
    }

    /// The index's definition of a top-level name.
    pub(super) fn global_def(&self, global: Global) -> DefId {
        match global {
            Global::Enum(id) => self.enum_defs[id.idx()],
            Global::Record(id) => self.record_defs[id.idx()],
            Global::Const(idx) => self.consts[idx].index_def,
            Global::Fn(idx) => self.fns[idx].index_def,
            Global::Obligation(idx) => self.obligation_defs[idx],
            Global::Rule(idx) => self.rule_defs[idx],
        }
    }

    /// The number of errors reported so far: a pass compares it before and after a declaration
    /// to know whether the declaration checked.
    pub(super) fn n_errors(&self) -> usize {
        self.n_errors
    }

    /// Forgets every diagnostic, to check something more against the same tables.
    pub(super) fn clear_diagnostics(&mut self) {
        self.diagnostics.clear();
        self.n_errors = 0;
    }
}
