//! Editor queries over a whole file or the whole session: formatting, test blocks and running
//! one, code actions, semantic tokens and workspace symbols.

use std::path::Path;

use super::answers::{TestBlock, TestOutcome};
use super::{Workspace, messages};
use crate::diagnostic::Diagnostic;
use crate::engine::testing::{self, TestFailure};
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
}
