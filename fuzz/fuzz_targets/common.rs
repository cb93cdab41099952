//! Helpers shared by the fuzz targets: render diagnostics the way the command line does, so the
//! renderers see every span a stage can produce.

use pol::diagnostic::{Diagnostic, human, json};
use pol::source::SourceMap;

/// Renders diagnostics as text and as JSON, checking that each one names a stable code.
pub fn render(diagnostics: &[Diagnostic], sources: &SourceMap) {
    let text = human::render_all(diagnostics, sources, human::Style::Plain);
    let wire = json::to_json(diagnostics, sources);
    if diagnostics.iter().any(Diagnostic::is_error) {
        assert!(text.contains("error["), "an error renders with its code: {text}");
        assert!(!wire.is_empty(), "an error renders as JSON");
    }
}
