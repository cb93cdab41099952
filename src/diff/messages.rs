//! Every diagnostic a comparison of policies can emit.

use crate::diagnostic::{Code, Diagnostic};
use crate::source::Span;

/// Two policies that decide different record types: their decisions cannot be compared subject
/// by subject. `old` and `new` are the record types' names, the spans their `decide` lines.
pub fn different_subjects(old: &str, old_span: Span, new: &str, new_span: Span) -> Diagnostic {
    Diagnostic::new(
        Code::DifferentSubjects,
        format!("the two policies decide different record types, `{old}` and `{new}`"),
    )
    .at(new_span, format!("the new policy decides `{new}`"))
    .also(old_span, format!("the old policy decides `{old}`"))
    .help("decisions are compared subject by subject: both policies must decide the same record type")
}

/// A comparison of one policy with itself under one law: nothing can differ.
pub fn nothing_to_compare(policy: &str) -> Diagnostic {
    Diagnostic::new(
        Code::NothingToCompare,
        format!("nothing to compare: `{policy}` against itself under the same law"),
    )
    .help("name a second policy to compare with, or a second date whose law to compare against")
}
