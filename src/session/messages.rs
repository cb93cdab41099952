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

pub(super) fn invalid_new_name(name: &str, span: Span) -> Diagnostic {
    let (message, help) = if crate::syntax::is_reserved(name) {
        (
            format!("`{name}` is a reserved word, not a name"),
            "choose a word Pol does not reserve".to_string(),
        )
    } else {
        (
            format!("{} is not a name", crate::syntax::print::quote(name)),
            "a name is ASCII letters, digits and `_`, starting with a letter or `_`".to_string(),
        )
    };
    Diagnostic::new(Code::InvalidNewName, message)
        .at(span, "renamed from here")
        .help(help)
}

pub(super) fn rename_collision(name: &str, kind: &str, span: Span, other: Option<Span>) -> Diagnostic {
    let diagnostic = Diagnostic::new(
        Code::RenameCollision,
        format!("cannot rename this {kind} to `{name}`: the name is taken"),
    )
    .at(span, "renamed from here");
    match other {
        Some(other) => diagnostic
            .also(other, format!("`{name}` is declared here"))
            .help("choose a name nothing in its scope has, or rename the other one first"),
        None => diagnostic.help(format!(
            "`{name}` is a name Pol already gives a meaning in this scope; choose another"
        )),
    }
}

pub(super) fn rename_changes_meaning(name: &str, kind: &str, span: Span) -> Diagnostic {
    Diagnostic::new(
        Code::RenameCollision,
        format!("cannot rename this {kind} to `{name}`: the policy would change what its names refer to"),
    )
    .at(span, "renamed from here")
    .help(format!(
        "another name in scope would hide or be hidden by `{name}`; choose another name"
    ))
}

pub(super) fn read_only_definition(name: &str, module: &str, span: Span) -> Diagnostic {
    Diagnostic::new(
        Code::ReadOnlyDefinition,
        format!("`{name}` is defined in the standard library module `{module}`, which cannot be changed"),
    )
    .at(span, "defined in the standard library")
    .help("only the names a policy or its own modules define can be renamed")
}

pub(super) fn nothing_to_rename(span: Span) -> Diagnostic {
    Diagnostic::new(Code::NothingToRename, "there is no name to rename here")
        .at(span, "not on a name the policy defines or uses")
        .help("put the cursor on a rule, record, field, function, constant, enum, variant or obligation")
}

pub(super) fn file_not_open(name: &str) -> Diagnostic {
    Diagnostic::new(
        Code::NothingToRename,
        format!("there is no name to rename: `{name}` is not open in the session"),
    )
    .help("open the file first")
}

pub(super) fn not_open(name: &str) -> Diagnostic {
    Diagnostic::new(Code::Io, format!("`{name}` is not open in the session"))
        .help("open the file, or give the session its text, first")
}

pub(super) fn unknown_test(policy: &str, name: &str, known: &[&str]) -> Diagnostic {
    let diagnostic = Diagnostic::new(
        Code::UnknownTest,
        format!(
            "`{policy}` has no test named {}",
            crate::syntax::print::quote(name)
        ),
    );
    match crate::diagnostic::did_you_mean(name, known.iter().copied()) {
        Some(best) => diagnostic.help(format!(
            "a similar name exists: {}",
            crate::syntax::print::quote(best)
        )),
        None if known.is_empty() => diagnostic.help("the policy has no `test` block"),
        None => diagnostic.help(format!(
            "its tests are {}",
            known
                .iter()
                .map(|known| crate::syntax::print::quote(known))
                .collect::<Vec<_>>()
                .join(", ")
        )),
    }
}

pub(super) fn tests_with_errors(policy: &str, files: &[String]) -> Diagnostic {
    let listed: Vec<String> = files.iter().map(|file| format!("`{file}`")).collect();
    let (list, verb) = match listed.as_slice() {
        [one] => (one.clone(), "has"),
        [init @ .., last] => (format!("{} and {last}", init.join(", ")), "have"),
        [] => ("a file it needs".to_string(), "has"),
    };
    Diagnostic::new(
        Code::DecideWithErrors,
        format!("the tests of `{policy}` cannot run while {list} {verb} errors"),
    )
    .help("fix the errors first: a test passes only against a policy without errors")
}
