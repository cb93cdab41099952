//! Every diagnostic a session can emit: imports with errors, decisions and evaluations it
//! refuses to make.

use crate::diagnostic::{Code, Diagnostic};
use crate::source::Span;

pub(super) fn import_has_errors(name: &str, n_errors: usize, span: Span) -> Diagnostic {
    let problems = if n_errors == 1 { "an error" } else { "errors" };
    Diagnostic::new(
        Code::ImportHasErrors,
        format!("the imported module `{name}` has {problems}"),
    )
    .at(span, "imported here")
    .help(format!(
        "fix the errors in `{name}`; until then this file is not checked whole"
    ))
}

pub(super) fn decide_with_errors(policy: &str, files: &[String]) -> Diagnostic {
    let listed: Vec<String> = files.iter().map(|file| format!("`{file}`")).collect();
    let (list, verb) = match listed.as_slice() {
        [one] => (one.clone(), "has"),
        [init @ .., last] => (format!("{} and {last}", init.join(", ")), "have"),
        [] => ("a file it needs".to_string(), "has"),
    };
    Diagnostic::new(
        Code::DecideWithErrors,
        format!("`{policy}` cannot decide while {list} {verb} errors"),
    )
    .help("fix the errors first: no decision is made from a policy with errors")
}

pub(super) fn no_facts_loaded(policy: Option<&str>) -> Diagnostic {
    let message = match policy {
        Some(policy) => format!("no facts are loaded for `{policy}`, which is no longer open"),
        None => "no facts are loaded in this session".to_string(),
    };
    Diagnostic::new(Code::NoFactsLoaded, message).help("load facts for a policy before asking for a decision")
}

pub(super) fn policy_decides_nothing(policy: &str) -> Diagnostic {
    Diagnostic::new(
        Code::NoFactsLoaded,
        format!("`{policy}` decides nothing, so no facts can be loaded for it"),
    )
    .help("load facts for a `policy` that says what it decides with `decide`")
}

pub(super) fn unknown_subject(record: &str, key: &str) -> Diagnostic {
    Diagnostic::new(
        Code::UnknownSubject,
        format!("no `{record}` has the key `{key}` in the facts loaded"),
    )
    .help(format!("ask for the key of a `{record}` in the facts"))
}

pub(super) fn declaration_at_prompt(span: Span) -> Diagnostic {
    Diagnostic::new(Code::DeclarationAtPrompt, "a declaration cannot be evaluated")
        .at(span, "a declaration, not an expression")
        .help("type an expression to evaluate; declarations belong in the policy's file")
}

pub(super) fn evaluate_with_errors(policy: &str, files: &[String]) -> Diagnostic {
    let listed: Vec<String> = files.iter().map(|file| format!("`{file}`")).collect();
    let (list, verb) = match listed.as_slice() {
        [one] => (one.clone(), "has"),
        [init @ .., last] => (format!("{} and {last}", init.join(", ")), "have"),
        [] => ("a file it needs".to_string(), "has"),
    };
    Diagnostic::new(
        Code::EvaluateWithErrors,
        format!("nothing is evaluated against `{policy}` while {list} {verb} errors"),
    )
    .help("fix the errors first: an expression is evaluated only in a policy without errors")
}

pub(super) fn no_facts_for(policy: &str) -> Diagnostic {
    Diagnostic::new(
        Code::NoFactsLoaded,
        format!("no facts are loaded for `{policy}`, so no subject can be named"),
    )
    .help("load facts for the policy, or evaluate an expression that needs no subject")
}
