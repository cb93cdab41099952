//! Checking: resolves names, checks types, orders exceptions; `ast` modules to `ir::Program`.

pub mod ir;

use crate::diagnostic::Diagnostic;
use crate::syntax::ast;

/// A checked program and the warnings found while checking it.
#[derive(Debug)]
pub struct Checked {
    /// The program.
    pub program: ir::Program,
    /// Warnings (never errors).
    pub warnings: Vec<Diagnostic>,
}

/// Checks modules, given in dependency order (every module after the modules it imports; the policy last).
pub fn check(_modules: &[ast::Module]) -> Result<Checked, Vec<Diagnostic>> {
    unimplemented!("checker is being written")
}
