//! Checking one expression typed at a prompt in the scope of a checked program: its names,
//! records, fields, enums, functions and constants, and the subject when the caller binds it.

use super::expr::Scope;
use super::ir::{self, RecordId, TypeId};
use super::keys::KnownKeys;
use super::state::{Checker, ProbeKeys};
use crate::diagnostic::{self, Diagnostic};
use crate::syntax::ast;
use crate::value::{Interner, Value};

/// An expression checked in the scope of a program.
#[derive(Clone, Debug)]
pub struct Probe {
    /// The program, extended with any type the expression needs that it lacked (`Set<Int>`), and
    /// with the caller's interner, which holds the expression's texts.
    pub program: ir::Program,
    /// The checked expression; its key references are already records of the loaded facts.
    pub expr: ir::Expr,
    /// The expression's type.
    pub ty: TypeId,
    /// The slots for local names (quantified variables) the expression needs.
    pub n_locals: u32,
}

/// Checks `expr` with the name tables of `checker` (every pass run over the modules `program`
/// came from) in the scope of `program`; see [`check_expr`](super::check_expr).
#[allow(clippy::too_many_arguments)]
pub(super) fn check_in<'a>(
    mut checker: Checker<'a>,
    program: &ir::Program,
    expr: &'a ast::Expr,
    subject: bool,
    interner: &mut Interner,
    find_key: &'a dyn Fn(RecordId, &str) -> Option<Value>,
    known: &'a dyn KnownKeys,
) -> Result<Probe, Vec<Diagnostic>> {
    // The policy's own diagnostics belong to the checked program; only the expression's are reported here.
    checker.clear_diagnostics();
    // INVARIANT: checking is deterministic, so the rebuilt tables give the same ids as `program`.
    checker.program = program.clone();
    checker.probe_keys = Some(ProbeKeys {
        find: find_key,
        known,
    });
    std::mem::swap(&mut checker.program.interner, interner);
    let mut scope = Scope::new(subject);
    let checked_expr = checker.expr(expr, &mut scope);
    std::mem::swap(&mut checker.program.interner, interner);
    if checker.n_errors() > 0 {
        let mut diagnostics = checker.diagnostics;
        diagnostic::sort(&mut diagnostics);
        return Err(diagnostics);
    }
    let mut program = checker.program;
    program.interner = interner.clone();
    Ok(Probe {
        ty: checked_expr.ty,
        expr: checked_expr,
        program,
        n_locals: scope.n_locals,
    })
}
