//! Editor queries over a whole file or the whole session: formatting, test blocks and running
//! one, code actions, semantic tokens and workspace symbols.

use std::collections::HashSet;
use std::path::{Path, PathBuf};

use super::answers::{TestBlock, TestOutcome};
use super::{Location, Workspace, messages};
use crate::analysis::{self, Symbol, Token};
use crate::diagnostic::{Diagnostic, Fix};
use crate::engine::modules::ModuleKey;
use crate::engine::testing::{self, TestFailure};
use crate::source::{SourceId, Span};
use crate::syntax::{self, ast};

impl Workspace<'_> {
    /// The canonical text of a file as the session holds it (an editor's buffer, or the disk's),
    /// printed as `pol fmt` prints it; its syntax errors if it does not parse whole, so a file
    /// with errors is never reformatted.
    pub fn format(&self, path: &Path) -> Result<String, Vec<Diagnostic>> {
        let Some(source) = self.source_id(path) else {
            return Err(vec![messages::not_open(
                &self.path_of(path).display().to_string(),
            )]);
        };
        syntax::format(&self.engine.sources, source, self.engine.max_nesting)
    }

    /// The `test` blocks of a file that parsed, in order.
    pub fn tests(&self, path: &Path) -> Vec<TestBlock> {
        let Some(module) = self.tree(path) else {
            return Vec::new();
        };
        module
            .items
            .iter()
            .filter_map(|item| match item {
                ast::Item::Test(decl) => Some(TestBlock {
                    name: decl.name.value.clone(),
                    span: decl.span,
                    name_span: decl.name.span,
                }),
                _ => None,
            })
            .collect()
    }

    /// Runs the test block named `name` of a file opened, as `pol test` runs it, against the
    /// program as last checked, with the budgets of [`Workspace::options`]. Fails closed: while
    /// the file or a module it imports has errors the outcome is an error, never a pass.
    pub fn run_test(&self, path: &Path, name: &str) -> TestOutcome {
        let path = self.path_of(path);
        let shown = path.display().to_string();
        let Some(state) = self.programs.get(&path) else {
            return TestOutcome::Error(vec![messages::not_open(&shown)]);
        };
        let checked = match &state.checked {
            Some(checked) if !state.has_errors && !checked.program.has_errors => checked,
            _ => {
                return TestOutcome::Error(vec![messages::tests_with_errors(
                    &shown,
                    &self.files_with_errors(state),
                )]);
            }
        };
        let program = &checked.program;
        let Some(report) = testing::run_named(program, name, self.options.limits) else {
            let known: Vec<&str> = program.tests.iter().map(|test| test.name.as_str()).collect();
            return TestOutcome::Error(vec![messages::unknown_test(&shown, name, &known)]);
        };
        if report.passed() {
            return TestOutcome::Passed;
        }
        let mut lines = Vec::new();
        let mut spans = Vec::new();
        let mut errors = Vec::new();
        for failure in report.failures {
            match failure {
                TestFailure::Mismatch {
                    span,
                    subject,
                    expected,
                    actual,
                } => {
                    lines.extend(testing::mismatch_lines(
                        &self.engine.sources,
                        span,
                        &subject,
                        &expected,
                        &actual,
                    ));
                    spans.push(span);
                }
                TestFailure::Error(mut diagnostics) => errors.append(&mut diagnostics),
            }
        }
        if !errors.is_empty() {
            return TestOutcome::Error(errors);
        }
        TestOutcome::Failed {
            message: lines.join("\n"),
            spans,
        }
    }

    /// The fixes Pol knows for the diagnostics of a file whose primary span meets `span` (an
    /// editor's selection or cursor, as a span of the file's text), in the diagnostics' order:
    /// did-you-mean replacements, a missing `use` of a stdlib module, Pol's word for an operator.
    pub fn code_actions(&self, path: &Path, span: Span) -> Vec<Fix> {
        let mut fixes: Vec<Fix> = Vec::new();
        for diagnostic in self.diagnostics(path) {
            let Some(at) = diagnostic.span() else { continue };
            if at.source != span.source || at.end < span.start || span.end < at.start {
                continue;
            }
            for fix in diagnostic.fixes() {
                if !fixes.contains(fix) {
                    fixes.push(fix.clone());
                }
            }
        }
        fixes
    }

    /// Every token of a file as the session holds it, in order, with what it is and its
    /// modifiers ([`analysis::semantic_tokens`]): resolved through the last check of the file's
    /// program when that check read this text, else by lexical class alone.
    pub fn semantic_tokens(&self, path: &Path) -> Vec<Token> {
        let Some((state, source)) = self.query(path) else {
            return Vec::new();
        };
        let std_sources: HashSet<SourceId> = state
            .reached
            .iter()
            .filter(|key| matches!(key, ModuleKey::Std(_)))
            .filter_map(|key| self.modules.get(key).map(|entry| entry.id))
            .collect();
        let text = &self.engine.sources.get(source).text;
        analysis::semantic_tokens(state.checked.as_deref(), text, source, &std_sources)
    }

    /// The declarations, fields and variants of every file the session holds (the files opened,
    /// what they import, the stdlib modules read) whose name matches `query`, best first: the
    /// name itself, then names that start with it, contain it, or hold its characters in order,
    /// ignoring case ([`analysis::match_score`]); an empty query matches everything. Each comes
    /// with where its name is; a symbol's `children` are left out, each listed on its own.
    pub fn workspace_symbols(&self, query: &str) -> Vec<(Location, Symbol)> {
        let mut found: Vec<(u32, Location, Symbol)> = Vec::new();
        for (key, entry) in self.modules.iter() {
            let Some(module) = &entry.parsed.module else {
                continue;
            };
            let (path, read_only) = match key {
                ModuleKey::File(path) => (path.clone(), false),
                ModuleKey::Std(_) => (PathBuf::from(&self.engine.sources.get(entry.id).name), true),
                ModuleKey::Text(_) => continue,
            };
            let mut symbols = analysis::document_symbols(&[module], entry.id);
            while let Some(mut symbol) = symbols.pop() {
                symbols.append(&mut symbol.children);
                let Some(score) = analysis::match_score(query, &symbol.name) else {
                    continue;
                };
                let location = Location {
                    path: path.clone(),
                    span: symbol.name_span,
                    read_only,
                };
                found.push((score, location, symbol));
            }
        }
        found.sort_by(|a, b| {
            (a.0, &a.2.name, &a.1.path, a.1.span.start).cmp(&(b.0, &b.2.name, &b.1.path, b.1.span.start))
        });
        found
            .into_iter()
            .map(|(_, location, symbol)| (location, symbol))
            .collect()
    }
}
