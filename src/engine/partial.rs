//! Loading what does not parse whole: a module parsed declaration by declaration, and modules
//! checked together despite the declarations left out, without a cascade of diagnostics about
//! the names those declarations would have defined. Used by the engine's loads and the session.

use std::collections::{HashMap, HashSet};
use std::sync::OnceLock;

use super::modules::{ModuleCache, ModuleKey, Parsed, Previous};
use crate::check::{self, Checked};
use crate::diagnostic::{Code, Diagnostic, Edit, Fix};
use crate::source::{SourceId, SourceMap, Span};
use crate::stdlib;
use crate::syntax::{self, ast};

/// Parses one module declaration by declaration: a tree always (every declaration that parses),
/// the diagnostics, and the spans of the declarations left out.
pub(crate) fn parse_partial(sources: &SourceMap, id: SourceId, max_nesting: usize) -> Parsed {
    let parsed = syntax::parse_partial(sources, id, max_nesting);
    Parsed {
        module: Some(parsed.module),
        diagnostics: parsed.diagnostics,
        skipped: parsed.skipped,
        pieces: parsed.pieces,
    }
}

/// Parses one module like [`parse_partial`], from the tree of its previous text if there is
/// one ([`syntax::reparse`]): only the declarations an edit touched are parsed again.
pub(crate) fn reparse_partial(
    sources: &SourceMap,
    id: SourceId,
    max_nesting: usize,
    previous: Option<Previous>,
) -> Parsed {
    let Some((module, pieces, change)) = previous else {
        return parse_partial(sources, id, max_nesting);
    };
    let parsed = syntax::reparse(sources, id, max_nesting, module, &pieces, change);
    Parsed {
        module: Some(parsed.module),
        diagnostics: parsed.diagnostics,
        skipped: parsed.skipped,
        pieces: parsed.pieces,
    }
}

/// The texts of the declarations left out, because they did not parse, of the modules `order`.
pub(crate) fn skipped_texts(modules: &ModuleCache, sources: &SourceMap, order: &[ModuleKey]) -> Vec<String> {
    order
        .iter()
        .filter_map(|key| modules.get(key))
        .flat_map(|entry| {
            let text = &sources.get(entry.id).text;
            entry
                .parsed
                .skipped
                .iter()
                .filter_map(|span| text.get(span.start as usize..span.end as usize))
                .map(str::to_string)
        })
        .collect()
}

/// Checks modules together (in dependency order, the policy last), whatever their syntax
/// errors: a program always, with every diagnostic, errors and warnings, and its index.
///
/// `skipped` holds the texts of the declarations left out because they did not parse: a name
/// they declare is not reported unknown where it is used, nor is a definition only they use
/// reported unused, so one broken declaration gives one diagnostic. When an imported module
/// left declarations out (`broken_import`), no name is reported unknown at all: the import
/// reports its errors, and what it declared before cannot be known.
pub(crate) fn check_partial(
    modules: &[ast::Module],
    sources: &SourceMap,
    skipped: &[&str],
    broken_import: bool,
) -> Checked {
    let mut checked = check::check_partial(modules);
    if broken_import {
        checked.diagnostics.retain(|found| !is_unknown_name(found.code));
    }
    suggest_std_imports(&mut checked.diagnostics, modules, sources);
    if skipped.is_empty() {
        return checked;
    }
    // A policy whose header, `decide` or `default` did not parse is not reported as lacking it.
    let opening: HashSet<&str> = skipped.iter().map(|text| first_word(text)).collect();
    let header_broken = ["", "policy", "module"].iter().any(|word| opening.contains(word));
    let subject_broken = header_broken || opening.contains("decide");
    let default_broken = header_broken || opening.contains("default");
    let declared: HashSet<&str> = skipped.iter().filter_map(|text| declared_name(text)).collect();
    let mentioned: HashSet<&str> = skipped.iter().flat_map(|text| words(text)).collect();
    checked.diagnostics.retain(|found| {
        let Some(label) = &found.primary else {
            return true;
        };
        let text = sources
            .get(label.span.source)
            .text
            .get(label.span.start as usize..label.span.end as usize)
            .unwrap_or("");
        let names = |text: &str| words(text).last().unwrap_or("").to_string();
        // A declaration said twice has a second label, at the first: that is still wrong.
        let missing = found.secondary.is_empty();
        match found.code {
            Code::SubjectDeclaration if missing => !subject_broken,
            Code::DefaultDeclaration if missing => !default_broken,
            code if is_unknown_name(code) => !declared.contains(names(text).as_str()),
            Code::Unused => !words(text).any(|word| mentioned.contains(word)),
            _ => true,
        }
    });
    checked
}

/// Completes each diagnostic about an unknown name or type that a stdlib module not imported
/// declares with the `use` that brings it in: help that says so, and the fix that writes the
/// `use` after the last one of the file (or after its header).
pub(crate) fn suggest_std_imports(
    diagnostics: &mut [Diagnostic],
    modules: &[ast::Module],
    sources: &SourceMap,
) {
    for found in diagnostics {
        if !matches!(found.code, Code::UnknownName | Code::UnknownType) {
            continue;
        }
        let Some(span) = found.span() else { continue };
        let Some(name) = sources
            .get(span.source)
            .text
            .get(span.start as usize..span.end as usize)
        else {
            continue;
        };
        let Some(std_name) = std_declarations().get(name) else {
            continue;
        };
        let Some(module) = modules.iter().find(|module| module.span.source == span.source) else {
            continue;
        };
        let imported = module.items.iter().any(|item| match item {
            ast::Item::Use(ast::UseDecl {
                target: ast::UseTarget::Std(path),
                ..
            }) => path.last().is_some_and(|last| last.name == *std_name),
            _ => false,
        });
        if imported {
            continue;
        }
        let after = module
            .items
            .iter()
            .filter_map(|item| match item {
                ast::Item::Use(decl) => Some(decl.span.end),
                _ => None,
            })
            .max()
            .unwrap_or(module.header.span.end);
        let words = format!("`{name}` is declared in `std.{std_name}`: add `use std.{std_name}`");
        found.help = Some(match found.help.take() {
            Some(help) => format!("{help}; or {words}"),
            None => words,
        });
        found.fixes.get_or_insert_default().push(Fix {
            title: format!("add `use std.{std_name}`"),
            edits: vec![Edit {
                span: Span::new(span.source, after as usize, after as usize),
                text: format!("\nuse std.{std_name}"),
            }],
        });
    }
}

/// The module of the standard library that declares each name (the first, in the order of
/// `stdlib::names`), read once: a policy with thousands of unknown names looks each one up here
/// rather than reading every module again.
fn std_declarations() -> &'static HashMap<&'static str, &'static str> {
    static DECLARED: OnceLock<HashMap<&'static str, &'static str>> = OnceLock::new();
    DECLARED.get_or_init(|| {
        let mut declared = HashMap::new();
        for std_name in stdlib::names() {
            let Some(text) = stdlib::module(std_name) else {
                continue;
            };
            for name in text
                .lines()
                .filter(|line| starts_declaration(line))
                .filter_map(declared_name)
            {
                declared.entry(name).or_insert(*std_name);
            }
        }
        declared
    })
}

/// Whether a line of the standard library starts a declaration that names something. Its
/// modules start each declaration on a line of its own; the other lines (rows of tables,
/// comments, clauses) are not read word by word.
fn starts_declaration(line: &str) -> bool {
    let line = line.trim_start();
    ["rule ", "fn ", "let ", "record ", "enum ", "obligation "]
        .iter()
        .any(|keyword| line.starts_with(keyword))
}

/// Whether a code says a name is not declared.
fn is_unknown_name(code: Code) -> bool {
    matches!(
        code,
        Code::UnknownName
            | Code::UnknownType
            | Code::UnknownField
            | Code::UnknownRule
            | Code::UnknownObligation
            | Code::UnknownVariant
    )
}

/// The name a declaration's text declares, found lexically: the word after its keyword.
fn declared_name(text: &str) -> Option<&str> {
    let mut found = words(text);
    while let Some(word) = found.next() {
        if matches!(word, "rule" | "fn" | "let" | "record" | "enum" | "obligation") {
            return found.next();
        }
    }
    None
}

/// The words of a text that could be names: runs of letters, digits and `_` not starting
/// with a digit.
fn words(text: &str) -> impl Iterator<Item = &str> {
    text.split(|c: char| !(c.is_alphanumeric() || c == '_'))
        .filter(|word| word.chars().next().is_some_and(|c| !c.is_ascii_digit()))
}

/// The first word of a text that is not in a comment; empty if there is none.
fn first_word(text: &str) -> &str {
    text.lines()
        .map(|line| line.split("//").next().unwrap_or(""))
        .flat_map(words)
        .next()
        .unwrap_or("")
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)] // Test code: a failed unwrap is a failed test.

    use crate::source::SourceMap;
    use crate::stdlib;
    use crate::syntax::ast::Item;

    /// The names each module of the standard library declares, found by parsing it.
    fn declared_by(std_name: &str) -> Vec<String> {
        let mut sources = SourceMap::new();
        let id = sources.add(std_name, stdlib::module(std_name).unwrap().to_owned());
        let module = crate::syntax::parse(&sources, id).unwrap();
        module
            .items
            .iter()
            .filter_map(|item| match item {
                Item::Enum(decl) => Some(decl.name.name.clone()),
                Item::Record(decl) => Some(decl.name.name.clone()),
                Item::Let(decl) => Some(decl.name.name.clone()),
                Item::Fn(decl) => Some(decl.name.name.clone()),
                Item::Obligation(decl) => Some(decl.name.name.clone()),
                Item::Rule(decl) => Some(decl.name.name.clone()),
                _ => None,
            })
            .collect()
    }

    /// The help suggests a `use` for every name the standard library declares, naming the
    /// first module that declares it, and for no other: a word in a comment or a table's row
    /// never passes for a declaration.
    #[test]
    fn each_std_name_suggested_is_declared_by_its_module() {
        let declared = super::std_declarations();
        let mut expected = std::collections::HashMap::new();
        for std_name in stdlib::names() {
            for name in declared_by(std_name) {
                expected.entry(name).or_insert(*std_name);
            }
        }
        let mut found: Vec<(String, &str)> = declared
            .iter()
            .map(|(name, std_name)| (name.to_string(), *std_name))
            .collect();
        let mut expected: Vec<(String, &str)> = expected.into_iter().collect();
        found.sort_unstable();
        expected.sort_unstable();
        assert_eq!(found, expected);
        assert!(found.len() > 40, "{} names", found.len());
    }
}
