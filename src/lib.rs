//! Pol: a policy language for export-control rules about who may send what to whom.
//!
//! The pipeline: text is parsed (`syntax::parse`) into an `ast::Module`, modules are checked
//! (`check::check`) into an `ir::Program`, facts are loaded against the program's schema
//! (`facts`), and the evaluator (`eval`) decides every subject into a `Decision`.
//! [`engine::Engine`] runs the stages in order for the command line, the REPL and the tests.
//! Every stage reports problems as [`diagnostic::Diagnostic`]s.
//! For editors and the REPL, `check::check_partial` keeps what checked beside the errors, and
//! [`analysis`] answers questions at a cursor (hover, definition, references, completions, symbols);
//! [`session::Workspace`] keeps files checked as they change, and [`lsp`] serves it to editors.
//! [`diff`] compares two policies, or one under the law of two dates: rules and decisions.

pub mod analysis;
pub mod check;
pub mod coverage;
pub mod diagnostic;
pub mod diff;
pub mod engine;
pub mod escape;
pub mod eval;
pub mod facts;
pub mod graph;
pub mod lsp;
pub mod repl;
pub mod report;
pub mod session;
pub mod show;
pub mod source;
pub mod stdlib;
pub mod syntax;
pub mod value;
