//! Every diagnostic the engine can emit: reading files, resolving imports, naming record types.

use std::path::PathBuf;

use crate::check::ir::Program;
use crate::diagnostic::{Code, Diagnostic, Setting, did_you_mean};
use crate::source::Span;

pub(super) fn cannot_read(name: &str, message: &str) -> Diagnostic {
    Diagnostic::new(Code::Io, format!("cannot read `{name}`: {message}"))
}

pub(super) fn import_unreadable(name: &str, message: &str, span: Span) -> Diagnostic {
    Diagnostic::new(
        Code::ImportNotFound,
        format!("cannot read imported module `{name}`: {message}"),
    )
    .at(span, "imported here")
}

pub(super) fn import_not_found(name: &str, message: &str, span: Span) -> Diagnostic {
    Diagnostic::new(
        Code::ImportNotFound,
        format!("imported module `{name}` not found"),
    )
    .at(span, message.to_string())
    .help("file imports are relative to the importing file")
}

pub(super) fn import_without_file(name: &str, span: Span) -> Diagnostic {
    Diagnostic::new(
        Code::ImportNotFound,
        format!("cannot import `{name}` from a policy that is not a file"),
    )
    .at(span, "no directory to look in")
    .help("save the policy as a file, or import stdlib modules only")
}

pub(super) fn absolute_import(name: &str, span: Span) -> Diagnostic {
    Diagnostic::new(
        Code::ImportOutsideRoot,
        format!("import `{name}` is an absolute path"),
    )
    .at(span, "imports must be relative")
    .help("write the path relative to this file, and keep it under the policy's directory")
}

pub(super) fn import_outside_root(name: &str, roots: &[PathBuf], span: Span) -> Diagnostic {
    let roots: Vec<String> = roots.iter().map(|root| format!("`{}`", root.display())).collect();
    Diagnostic::new(
        Code::ImportOutsideRoot,
        format!("import `{name}` leaves the directories a policy may read"),
    )
    .at(span, "this path resolves outside them")
    .help(format!(
        "a policy may import files under {}; add a directory",
        roots.join(", ")
    ))
    .setting(Setting::LibraryDir)
}

pub(super) fn import_cycle(cycle: &[String], span: Span) -> Diagnostic {
    Diagnostic::new(
        Code::ImportCycle,
        format!("modules import each other in a cycle: {}", cycle.join(" -> ")),
    )
    .at(span, "this import closes the cycle")
    .help("move the shared definitions into a module that both import")
}

pub(super) fn std_path_needs_prefix(path: &str, known: &[&str], span: Span) -> Diagnostic {
    let list: Vec<String> = known.iter().map(|name| format!("`use std.{name}`")).collect();
    let diagnostic = Diagnostic::new(Code::ImportNotFound, format!("`{path}` is not a stdlib module"));
    // `use std` alone names the library, not a module in it.
    if path == "std" {
        return diagnostic
            .at(span, "names no module")
            .help(format!("name a module of the stdlib: {}", list.join(", ")));
    }
    let diagnostic = diagnostic.at(span, "stdlib modules start with `std.`");
    if known.contains(&path) {
        diagnostic.help(format!("write `use std.{path}`"))
    } else {
        diagnostic.help(format!(
            "write `use \"{path}.pol\"` for a file; the stdlib has {}",
            list.join(", ")
        ))
    }
}

pub(super) fn unknown_std_module(path: &str, known: &[&str], span: Span) -> Diagnostic {
    let mut diagnostic = Diagnostic::new(Code::ImportNotFound, format!("no stdlib module `{path}`"))
        .at(span, "not in the standard library");
    let wanted = path.strip_prefix("std.").unwrap_or(path);
    let list: Vec<String> = known.iter().map(|name| format!("`std.{name}`")).collect();
    diagnostic = match did_you_mean(wanted, known.iter().copied()) {
        Some(name) => diagnostic.help(format!("a similar module exists: `std.{name}`")),
        None => diagnostic.help(format!("the stdlib has {}", list.join(", "))),
    };
    diagnostic
}

pub(super) fn unknown_record_argument(name: &str, program: &Program) -> Diagnostic {
    let names: Vec<&str> = program
        .records
        .iter()
        .map(|record| record.name.as_str())
        .collect();
    let diagnostic = Diagnostic::new(
        Code::UnknownRecordType,
        format!("the policy has no record type `{name}`"),
    );
    match did_you_mean(name, names.iter().copied()) {
        Some(similar) => diagnostic.help(format!("a similar record type exists: `{similar}`")),
        None => diagnostic.help(format!("the policy's record types are {}", names.join(", "))),
    }
}

pub(super) fn not_utf8(name: &str, span: Span) -> Diagnostic {
    Diagnostic::new(Code::InvalidCharacter, format!("`{name}` is not valid UTF-8"))
        .at(span, "this byte is not UTF-8")
        .help("save the file as UTF-8")
}

pub(super) fn too_large(
    name: &str,
    size: u64,
    limit: u64,
    import: Option<Span>,
    setting: Setting,
) -> Diagnostic {
    let diagnostic = Diagnostic::new(
        Code::InputTooLarge,
        format!("`{name}` is {size} bytes, more than the limit of {limit}"),
    )
    .help("if it is meant to be this large, raise the limit")
    .setting(setting);
    match import {
        Some(span) => diagnostic.at(span, "imported here"),
        None => diagnostic,
    }
}

pub(super) fn invalid_argument(flag: &str, value: &str, problem: &str, help: &str) -> Diagnostic {
    Diagnostic::new(Code::InvalidArgument, format!("`{flag} {value}` {problem}")).help(help.to_string())
}

pub(super) fn cannot_write_output(message: &str) -> Diagnostic {
    Diagnostic::new(Code::Io, format!("cannot write to standard output: {message}")).help(
        "the output is incomplete; free some space or send the output elsewhere, then run the command again",
    )
}

pub(super) fn link_not_followed(path: &str) -> Diagnostic {
    Diagnostic::new(
        Code::LinkNotFollowed,
        format!("`{path}` is a symbolic link to a folder, which is not searched"),
    )
    .help("links to folders are not followed, so that no file is read twice and no loop runs forever; to search the folder, name it on the command line")
}

pub(super) fn no_policies(folder: &str) -> Diagnostic {
    Diagnostic::new(
        Code::NoPolicies,
        format!("no policy files found in `{folder}`"),
    )
    .help("a folder stands for the `.pol` files below it, except in hidden folders, `target` folders and folders holding a `.polskip` file; name the policies, or the folder that holds them")
}

pub(super) fn module_not_decidable(name: &str, header: Span) -> Diagnostic {
    Diagnostic::new(
        Code::ModuleNotDecidable,
        format!("`{name}` is a module, so there is nothing to decide with it"),
    )
    .at(header, "a `module` only defines things for policies to import")
    .help(format!(
        "run a policy: a file that starts `policy \"…\"`, says `decide t: Record on t.date` and imports this one with `use \"{name}\"`"
    ))
}

pub(super) fn policy_without_subject(header: Span) -> Diagnostic {
    Diagnostic::new(
        Code::SubjectDeclaration,
        "the policy does not say what it decides",
    )
    .at(header, "no `decide` in this policy")
    .help("add `decide t: Record on t.date`, naming the record type to decide and the date whose law applies")
}
