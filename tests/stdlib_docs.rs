//! `docs/stdlib.md` is generated from the modules of the standard library: their comments,
//! definitions and tables (rows counted, sources with the day each was read). This test
//! regenerates it and fails if the committed page differs; `POL_BLESS=1` rewrites it.

#![allow(clippy::unwrap_used)] // Test code: a failed unwrap is a failed test.

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::path::Path;

use pol::source::{SourceMap, Span};
use pol::syntax::ast::{FactDecl, FactValue, Item, Module};

/// The comment lines written right above the line where `span` starts, joined into one text.
fn doc_above(text: &str, span: Span) -> String {
    let start = span.range().start;
    let before = &text[..start];
    let mut lines: Vec<&str> = before.lines().collect();
    // The declaration's own line, up to where it starts.
    if !before.ends_with('\n') {
        lines.pop();
    }
    let mut doc = Vec::new();
    while let Some(line) = lines.pop() {
        let Some(comment) = line.trim().strip_prefix("//") else {
            break;
        };
        doc.push(comment.trim());
    }
    doc.reverse();
    doc.join(" ").trim().to_owned()
}

/// A text as Markdown lines, one sentence a line.
fn sentences(text: &str) -> String {
    let mut out = String::new();
    let mut sentence = String::new();
    let words: Vec<&str> = text.split_whitespace().collect();
    for (idx, word) in words.iter().enumerate() {
        if !sentence.is_empty() {
            sentence.push(' ');
        }
        sentence.push_str(word);
        let next_starts_sentence = words.get(idx + 1).is_none_or(|next| {
            next.chars()
                .next()
                .is_some_and(|ch| ch.is_uppercase() || ch == '`')
        });
        if (word.ends_with('.') || word.ends_with(':')) && next_starts_sentence {
            out.push_str(&sentence);
            out.push('\n');
            sentence.clear();
        }
    }
    if !sentence.is_empty() {
        out.push_str(&sentence);
        if !sentence.ends_with('.') {
            out.push('.');
        }
        out.push('\n');
    }
    out
}

/// One line of code with its runs of white space made one space, and any comment after it left
/// out (a type's span runs on over the comments that follow it).
fn one_line(code: &str) -> String {
    let code: Vec<&str> = code
        .lines()
        .map(|line| line.split("//").next().unwrap_or(""))
        .collect();
    code.join(" ").split_whitespace().collect::<Vec<_>>().join(" ")
}

fn field_text<'a>(row: &'a FactDecl, name: &str) -> Option<&'a FactValue> {
    row.fields
        .iter()
        .find(|field| field.name.name == name)
        .map(|field| &field.value)
}

fn text_of(value: Option<&FactValue>) -> String {
    match value {
        Some(FactValue::Text(text)) => text.value.clone(),
        Some(FactValue::Date(date, _)) => date.to_string(),
        Some(FactValue::Int(value, _)) => value.to_string(),
        _ => String::new(),
    }
}

fn parse(name: &str, text: &str) -> Module {
    let mut sources = SourceMap::new();
    let id = sources.add(format!("{name}.pol"), text.to_owned());
    pol::syntax::parse(&sources, id).unwrap()
}

/// The rows of `Source` that `std.sources` declares, by id: title, url, the day it was read.
fn sources() -> BTreeMap<String, (String, String, String)> {
    let text = pol::stdlib::module("sources").unwrap();
    let module = parse("sources", text);
    let mut found = BTreeMap::new();
    for item in &module.items {
        let Item::Data(data) = item else { continue };
        for row in &data.rows {
            found.insert(
                text_of(field_text(row, "id")),
                (
                    text_of(field_text(row, "title")),
                    text_of(field_text(row, "url")),
                    text_of(field_text(row, "checked")),
                ),
            );
        }
    }
    found
}

fn module_section(name: &str, sources: &BTreeMap<String, (String, String, String)>) -> String {
    let text = pol::stdlib::module(name).unwrap();
    let module = parse(name, text);
    let mut out = format!("\n## std.{name}\n\n");
    out.push_str(&sentences(&doc_above(text, module.header.span)));
    if let Some(source) = &module.header.source {
        let _ = writeln!(out, "\nSource: {}.", source.value.trim_end_matches('.'));
    }
    let uses: Vec<String> = module
        .items
        .iter()
        .filter_map(|item| match item {
            Item::Use(decl) => Some(format!("`{}`", one_line(&text[decl.span.range()]))),
            _ => None,
        })
        .collect();
    if !uses.is_empty() {
        let _ = writeln!(out, "It imports {}.", uses.join(", "));
    }
    // Rows per table, and the sources the rows of each table name.
    let mut tables: BTreeMap<String, (usize, BTreeMap<String, usize>)> = BTreeMap::new();
    for item in &module.items {
        let Item::Data(data) = item else { continue };
        for row in &data.rows {
            let entry = tables.entry(row.record.name.clone()).or_default();
            entry.0 += 1;
            if let Some(FactValue::Text(source)) = field_text(row, "source") {
                *entry.1.entry(source.value.clone()).or_default() += 1;
            }
        }
    }
    let records: Vec<_> = module
        .items
        .iter()
        .filter_map(|item| match item {
            Item::Record(decl) => Some(decl),
            _ => None,
        })
        .collect();
    if !records.is_empty() {
        out.push_str("\n### Records\n");
        for decl in records {
            let mut heading = format!("`{}`", decl.name.name);
            if let Some(key) = &decl.key {
                let _ = write!(heading, ", key `{}`", key.name);
            }
            if let Some(alias) = &decl.alias {
                let _ = write!(heading, ", aliases in `{}`", alias.name);
            }
            let _ = writeln!(out, "\n#### {heading}\n");
            out.push_str(&sentences(&doc_above(text, decl.span)));
            if let Some((rows, by_source)) = tables.get(&decl.name.name) {
                let plural = if *rows == 1 { "" } else { "s" };
                let _ = writeln!(out, "\nA table of {rows} row{plural}.");
                for (source, count) in by_source {
                    let (title, url, checked) = sources
                        .get(source)
                        .cloned()
                        .unwrap_or_else(|| (String::new(), String::new(), String::new()));
                    let _ = writeln!(
                        out,
                        "{count} of them rest on `{source}`: {title}, <{url}>, checked {checked}."
                    );
                }
            }
            out.push_str("\n| field | type | meaning |\n|---|---|---|\n");
            for field in &decl.fields {
                let meaning = doc_above(text, field.span);
                let _ = writeln!(
                    out,
                    "| `{}` | `{}` | {} |",
                    field.name.name,
                    one_line(&text[field.ty.span.range()]),
                    meaning
                );
            }
        }
    }
    let mut enums = String::new();
    let mut constants = String::new();
    let mut functions = String::new();
    for item in &module.items {
        match item {
            Item::Enum(decl) => {
                let _ = writeln!(
                    enums,
                    "- `{}`: {}",
                    one_line(&text[decl.span.range()]),
                    doc_above(text, decl.span)
                );
            }
            Item::Let(decl) => {
                let head = match &decl.ty {
                    Some(ty) => format!("{}: {}", decl.name.name, one_line(&text[ty.span.range()])),
                    None => format!(
                        "{} = {}",
                        decl.name.name,
                        one_line(&text[decl.value.span.range()])
                    ),
                };
                let doc = doc_above(text, decl.span);
                let _ = writeln!(
                    constants,
                    "- `{head}`{}",
                    if doc.is_empty() {
                        String::new()
                    } else {
                        format!(": {doc}")
                    }
                );
            }
            Item::Fn(decl) => {
                let signature = &text[decl.span.range().start..decl.body.span.range().start];
                let signature = one_line(signature.trim_end().trim_end_matches('='));
                let _ = writeln!(functions, "- `{signature}`: {}", doc_above(text, decl.span));
            }
            _ => {}
        }
    }
    for (title, list) in [
        ("Enums", enums),
        ("Constants", constants),
        ("Functions", functions),
    ] {
        if !list.is_empty() {
            let _ = write!(out, "\n### {title}\n\n{list}");
        }
    }
    if name == "sources" {
        out.push_str("\n### Sources\n\n| id | title | read on |\n|---|---|---|\n");
        for (id, (title, url, checked)) in sources {
            let _ = writeln!(out, "| `{id}` | [{title}]({url}) | {checked} |");
        }
    }
    out
}

fn generate() -> String {
    let sources = sources();
    let mut doc = String::from(
        "# The standard library\n\n\
         `use std.NAME` imports a module built into `pol`; its definitions join the policy's namespace.\n\
         Tables (records whose rows a module ships in `data`, see [language.md](language.md#tables-data-a-module-ships)) are read by every run that imports them, as facts are.\n\
         This page is generated from the modules under `stdlib/` by `tests/stdlib_docs.rs`; `POL_BLESS=1 cargo test --test stdlib_docs` regenerates it.\n\
         The data modules are generated in turn: `std.countries` by `scripts/gen_countries.py` from Debian's iso-codes, the others by `scripts/gen_stdlib.py` from `stdlib/data/**.csv`.\n",
    );
    for name in pol::stdlib::names() {
        doc.push_str(&module_section(name, &sources));
    }
    doc
}

#[test]
fn stdlib_doc_is_generated_from_the_modules() {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("docs/stdlib.md");
    let doc = generate();
    if std::env::var_os("POL_BLESS").is_some() {
        std::fs::write(&path, &doc).unwrap();
        return;
    }
    let current = std::fs::read_to_string(&path).unwrap_or_default();
    assert!(
        current == doc,
        "docs/stdlib.md is stale: run `POL_BLESS=1 cargo test --test stdlib_docs`"
    );
}
