//! Every diagnostic about pictures of policies and derivations (E0470 to E0473).

use crate::diagnostic::{Code, Diagnostic};

/// Graphviz's `dot`, which draws SVG pictures, could not be started.
pub fn graphviz_missing(problem: &str) -> Diagnostic {
    Diagnostic::new(
        Code::GraphvizMissing,
        format!("cannot draw SVG: Graphviz's `dot` program could not be started ({problem})"),
    )
    .help("install Graphviz (`apt-get install graphviz` on Debian, `brew install graphviz` on macOS), or write the picture as DOT or mermaid text, which needs nothing installed")
}

/// Graphviz's `dot` ran but did not draw the picture.
pub fn graphviz_failed(status: &str, stderr: &str) -> Diagnostic {
    let stderr = stderr.trim();
    let detail = if stderr.is_empty() {
        String::new()
    } else {
        format!(": {stderr}")
    };
    Diagnostic::new(
        Code::GraphvizFailed,
        format!("Graphviz's `dot` failed to draw the picture ({status}){detail}"),
    )
    .help("the DOT text Pol wrote is valid; check that the installed Graphviz can write SVG (`dot -Tsvg`)")
}

/// A derivation picture shows one decision, and the facts hold several subjects.
pub fn needs_one_subject(n_subjects: usize, record: &str) -> Diagnostic {
    Diagnostic::new(
        Code::PictureNeedsOneSubject,
        format!("a picture shows the derivation of one decision, and the facts hold {n_subjects} subjects of `{record}`"),
    )
    .help("choose the subject whose derivation to draw by its key")
}

/// The subject chosen for a derivation picture is not among the facts.
pub fn unknown_subject(key: &str, record: &str, similar: Option<&str>) -> Diagnostic {
    let diagnostic = Diagnostic::new(
        Code::PictureSubjectNotFound,
        format!("no subject of `{record}` has the key `{key}`"),
    );
    match similar {
        Some(similar) => diagnostic.help(format!("a similar key exists: `{similar}`")),
        None => diagnostic.help(format!("give the key of one `{record}` of the facts")),
    }
}
