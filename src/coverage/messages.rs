//! Every diagnostic about the coverage of tests (E0474).

use crate::diagnostic::{Code, Diagnostic};

/// A coverage below the threshold asked for: `what` names the measure (`rule coverage`).
pub fn below_threshold(what: &str, percent: &str, threshold: u32, uncovered: &[String]) -> Diagnostic {
    let diagnostic = Diagnostic::new(
        Code::CoverageBelowThreshold,
        format!("{what} is {percent}%, below the {threshold}% asked for"),
    );
    if uncovered.is_empty() {
        return diagnostic;
    }
    let shown: Vec<String> = uncovered
        .iter()
        .take(10)
        .map(|name| format!("`{name}`"))
        .collect();
    let more = uncovered.len().saturating_sub(shown.len());
    let more = if more > 0 {
        format!(" and {more} more")
    } else {
        String::new()
    };
    diagnostic.help(format!("add tests that exercise {}{more}", shown.join(", ")))
}
