//! Loading what does not parse whole: a module parsed declaration by declaration, and modules
//! checked together despite the declarations left out, without a cascade of diagnostics about
//! the names those declarations would have defined. Used by the engine's loads and the session.

use std::collections::HashSet;

use super::modules::{ModuleCache, ModuleKey, Parsed};
use crate::check::{self, Checked};
use crate::diagnostic::Code;
use crate::source::{SourceId, SourceMap};
use crate::syntax::{self, ast};

/// Parses one module declaration by declaration: a tree always (every declaration that parses),
/// the diagnostics, and the spans of the declarations left out.
pub(crate) fn parse_partial(sources: &SourceMap, id: SourceId, max_nesting: usize) -> Parsed {
    let parsed = syntax::parse_partial(sources, id, max_nesting);
    Parsed {
        module: Some(parsed.module),
        diagnostics: parsed.diagnostics,
        skipped: parsed.skipped,
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
