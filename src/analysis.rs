//! Analysis queries for editors and the REPL, at a byte offset of a source: hover, definition,
//! references, completions and document symbols, over the syntax trees and a `check::Checked`.
//! Every answer carries byte spans; converting them to lines and UTF-16 is the front end's job.

mod tokens;

pub use tokens::{Modifiers, Token, TokenKind, semantic_tokens};

use crate::check::ir::{self, Type, TypeId};
use crate::check::{Checked, DefId, DefKind, Definition};
use crate::source::{SourceId, SourceMap, Span};
use crate::syntax::{self, ast, print};

/// What a hover shows: the text, and the span of the name it is about.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Hover {
    /// The name under the cursor, at the use or the definition.
    pub span: Span,
    /// What it is, in Pol's words, one fact a line.
    pub text: String,
}

/// The kind of a completion, for an editor's icon.
#[derive(Copy, Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum CompletionKind {
    /// A keyword.
    Keyword,
    /// A parameter, quantified variable or the subject.
    Variable,
    /// A constant.
    Constant,
    /// A function of the policy or a builtin.
    Function,
    /// A field of a record.
    Field,
    /// An enum variant.
    Variant,
    /// A record type, enum or builtin type.
    Type,
    /// A rule.
    Rule,
    /// An obligation.
    Obligation,
    /// A stdlib module.
    Module,
}

/// One name that may come at the cursor.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub struct Completion {
    /// The text to insert.
    pub label: String,
    /// What it is.
    pub kind: CompletionKind,
    /// A type or a short description, if there is one.
    pub detail: Option<String>,
}

/// The kind of a document symbol.
#[derive(Copy, Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum SymbolKind {
    /// A rule.
    Rule,
    /// A record type.
    Record,
    /// A field of a record type.
    Field,
    /// An enum.
    Enum,
    /// A variant of an enum.
    Variant,
    /// A function.
    Function,
    /// A constant.
    Constant,
    /// An obligation.
    Obligation,
    /// A test block.
    Test,
}

/// One declaration of a document, for an outline.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Symbol {
    /// Its name (a test's title).
    pub name: String,
    /// What it is.
    pub kind: SymbolKind,
    /// Its effect, type, signature or text.
    pub detail: Option<String>,
    /// The whole declaration.
    pub span: Span,
    /// Its name.
    pub name_span: Span,
    /// Fields of a record, variants of an enum.
    pub children: Vec<Symbol>,
}

/// What the cursor is on: a definition, the span of the name under it, and the type there.
fn target_at(checked: &Checked, source: SourceId, offset: u32) -> Option<(DefId, Span, Option<TypeId>)> {
    let index = &checked.index;
    if let Some(found) = index.use_at_offset(source, offset) {
        return Some((found.target, found.span, found.ty));
    }
    let def = index.definition_at_offset(source, offset)?;
    let definition = index.definition(def);
    Some((def, definition.span, definition.ty))
}

/// The definition the name under the cursor refers to (at a use) or defines (at its
/// definition), with the span of the name under the cursor.
pub fn name_at(checked: &Checked, source: SourceId, offset: u32) -> Option<(DefId, Span)> {
    target_at(checked, source, offset).map(|(def, span, _)| (def, span))
}

/// A type as Pol writes it; `?` for a type that did not check.
fn type_text(program: &ir::Program, ty: Option<TypeId>) -> String {
    match ty {
        Some(ty) if ty.idx() < program.types.len() => match program.types.get(ty) {
            Type::Set(inner) => format!("Set<{}>", type_text(program, Some(inner))),
            Type::List(inner) => format!("List<{}>", type_text(program, Some(inner))),
            Type::Optional(inner) => format!("{}?", type_text(program, Some(inner))),
            _ => program.type_name(ty),
        },
        _ => "?".into(),
    }
}

/// The shape of a type without its `?`; `None` for a type that did not check, which a partial
/// program may hold.
fn shape(program: &ir::Program, ty: TypeId) -> Option<Type> {
    if ty.idx() >= program.types.len() {
        return None;
    }
    let inner = program.types.strip_optional(ty);
    (inner.idx() < program.types.len()).then(|| program.types.get(inner))
}

/// A written type as text.
fn written_type(ty: &ast::TypeExpr) -> String {
    let base = match &ty.kind {
        ast::TypeKind::Named(name) => name.name.clone(),
        ast::TypeKind::Set(inner) => format!("Set<{}>", written_type(inner)),
        ast::TypeKind::List(inner) => format!("List<{}>", written_type(inner)),
    };
    if ty.optional { format!("{base}?") } else { base }
}

/// Every item of every module.
fn items<'a>(modules: &'a [&'a ast::Module]) -> impl Iterator<Item = &'a ast::Item> {
    modules.iter().flat_map(|module| module.items.iter())
}

/// A function's signature as written: `fn is_high(c: Country) -> Bool`; the result type is the
/// checked one when none is written.
fn signature(decl: &ast::FnDecl, result: Option<String>) -> String {
    let params: Vec<String> = decl
        .params
        .iter()
        .map(|param| format!("{}: {}", param.name.name, written_type(&param.ty)))
        .collect();
    let result = decl.result.as_ref().map(written_type).or(result);
    match result {
        Some(result) => format!("fn {}({}) -> {result}", decl.name.name, params.join(", ")),
        None => format!("fn {}({})", decl.name.name, params.join(", ")),
    }
}

/// Whether an expression is a literal, or a set of literals, whose text says its value.
fn is_literal(expr: &ast::Expr) -> bool {
    use ast::ExprKind as K;
    match &expr.kind {
        K::Bool(_) | K::Int(_) | K::Text(_) | K::Date(_) | K::None => true,
        K::Neg(inner) => matches!(inner.kind, K::Int(_)),
        K::Set(items) => items.iter().all(is_literal),
        _ => false,
    }
}

/// The item under the cursor with its type; for a rule its effect, reason, citation, dates and
/// the rules it is an exception to.
///
/// Below it come the note its author wrote for it (the comment lines right above its name's
/// line and a comment at the end of that line: a field's note, a stdlib item's documentation),
/// and, for a definition in another module, which module.
pub fn hover(
    modules: &[&ast::Module],
    sources: &SourceMap,
    checked: &Checked,
    source: SourceId,
    offset: u32,
) -> Option<Hover> {
    let (def, span, ty) = target_at(checked, source, offset)?;
    let index = &checked.index;
    let program = &checked.program;
    let definition = index.definition(def);
    let name = &definition.name;
    let parent = |definition: &Definition| {
        definition
            .parent
            .map(|parent| index.definition(parent).name.clone())
            .unwrap_or_default()
    };
    let text = match definition.kind {
        DefKind::Record => {
            let key = items(modules).find_map(|item| match item {
                ast::Item::Record(decl) if decl.name.span == definition.span => decl.key.as_ref(),
                _ => None,
            });
            match key {
                Some(key) => format!("record {name} key {}", key.name),
                None => format!("record {name}"),
            }
        }
        DefKind::Field => format!(
            "field {}.{name}: {}",
            parent(definition),
            type_text(program, ty.or(definition.ty))
        ),
        DefKind::Enum => {
            let variants: Vec<&str> = index
                .definitions
                .iter()
                .filter(|variant| variant.parent == Some(def))
                .map(|variant| variant.name.as_str())
                .collect();
            format!("enum {name} {{ {} }}", variants.join(", "))
        }
        DefKind::Variant => format!("variant {}.{name}", parent(definition)),
        DefKind::Const => {
            let value = items(modules).find_map(|item| match item {
                ast::Item::Let(decl) if decl.name.span == definition.span && is_literal(&decl.value) => {
                    Some(print::expr(&decl.value))
                }
                _ => None,
            });
            let head = format!("let {name}: {}", type_text(program, definition.ty));
            match value {
                Some(value) => format!("{head} = {value}"),
                None => head,
            }
        }
        DefKind::Function => {
            let result = definition.ty.map(|ty| type_text(program, Some(ty)));
            items(modules)
                .find_map(|item| match item {
                    ast::Item::Fn(decl) if decl.name.span == definition.span => {
                        Some(signature(decl, result.clone()))
                    }
                    _ => None,
                })
                .unwrap_or_else(|| format!("fn {name}"))
        }
        DefKind::Param | DefKind::Quantified | DefKind::Subject => format!(
            "{} {name}: {}",
            definition.kind.as_str(),
            type_text(program, ty.or(definition.ty))
        ),
        DefKind::Obligation => {
            let text = items(modules).find_map(|item| match item {
                ast::Item::Obligation(decl) if decl.name.span == definition.span => {
                    Some(decl.text.value.clone())
                }
                _ => None,
            });
            format!("obligation {name} {}", print::quote(&text.unwrap_or_default()))
        }
        DefKind::Rule => items(modules)
            .find_map(|item| match item {
                ast::Item::Rule(decl) if decl.name.span == definition.span => Some(rule_text(decl)),
                _ => None,
            })
            .unwrap_or_else(|| format!("rule {name}")),
    };
    let mut text = text;
    if let Some(note) = note(&sources.get(definition.span.source).text, definition.span.start) {
        text.push('\n');
        text.push_str(&note);
    }
    let home = modules
        .iter()
        .find(|module| module.span.source == definition.span.source);
    if let Some(home) = home.filter(|_| definition.span.source != source)
        && home.header.kind == ast::HeaderKind::Module
    {
        text.push_str(&format!("\nin module {}", print::quote(&home.header.title.value)));
    }
    Some(Hover { span, text })
}

/// The note written for what is defined at `at`: the comment lines right above its line and a
/// comment at the end of its line, without their `//`, one a line.
fn note(text: &str, at: u32) -> Option<String> {
    let mut at = (at as usize).min(text.len());
    while !text.is_char_boundary(at) {
        at -= 1;
    }
    let line_start = text[..at].rfind('\n').map_or(0, |newline| newline + 1);
    let line_end = text[at..].find('\n').map_or(text.len(), |newline| at + newline);
    let mut lines: Vec<&str> = Vec::new();
    let mut end = line_start;
    while end > 0 {
        let start = text[..end - 1].rfind('\n').map_or(0, |newline| newline + 1);
        let Some(comment) = text[start..end - 1].trim().strip_prefix("//") else {
            break;
        };
        lines.push(comment.trim());
        end = start;
    }
    lines.reverse();
    let rest = &text[at..line_end];
    let trailing = syntax::highlight(rest)
        .into_iter()
        .find(|(_, class)| *class == syntax::TokenClass::Comment);
    if let Some((range, _)) = trailing {
        lines.push(rest[range].trim_start_matches('/').trim());
    }
    lines.retain(|line| !line.is_empty());
    (!lines.is_empty()).then(|| lines.join("\n"))
}

/// A rule's effect, reason, citation, dates and exceptions, one a line.
fn rule_text(decl: &ast::RuleDecl) -> String {
    let mut lines = vec![format!("rule {}: {}", decl.name.name, decl.effect.as_str())];
    for clause in &decl.clauses {
        match clause {
            ast::RuleClause::Because(text) => lines.push(format!("because {}", print::quote(&text.value))),
            ast::RuleClause::Cite(text) => lines.push(format!("cite {}", print::quote(&text.value))),
            ast::RuleClause::Effective(date, _) => lines.push(format!("effective {date}")),
            ast::RuleClause::Until(date, _) => lines.push(format!("until {date}")),
            ast::RuleClause::ExceptionTo(names, _) => {
                let names: Vec<&str> = names.iter().map(|name| name.name.as_str()).collect();
                lines.push(format!("exception to {}", names.join(", ")));
            }
            ast::RuleClause::Oblige(names, _) => {
                let names: Vec<&str> = names.iter().map(|name| name.name.as_str()).collect();
                lines.push(format!("oblige {}", names.join(", ")));
            }
            ast::RuleClause::When(_) | ast::RuleClause::Unless(_) => {}
        }
    }
    lines.join("\n")
}

/// The definition of the name under the cursor.
pub fn definition(checked: &Checked, source: SourceId, offset: u32) -> Option<Span> {
    let (def, _, _) = target_at(checked, source, offset)?;
    Some(checked.index.definition(def).span)
}

/// Every use of the name under the cursor and its definition, across modules, in position order.
pub fn references(checked: &Checked, source: SourceId, offset: u32) -> Vec<Span> {
    let Some((def, _, _)) = target_at(checked, source, offset) else {
        return Vec::new();
    };
    let index = &checked.index;
    let mut spans: Vec<Span> = index.uses_of(def).map(|found| found.span).collect();
    spans.push(index.definition(def).span);
    spans.sort_by_key(|span| (span.source.0, span.start, span.end));
    spans.dedup();
    spans
}

/// The declarations of one source, in order, each with its span and name span.
pub fn document_symbols(modules: &[&ast::Module], source: SourceId) -> Vec<Symbol> {
    let symbol = |name: &str, kind, detail: Option<String>, span, name_span| Symbol {
        name: name.to_string(),
        kind,
        detail,
        span,
        name_span,
        children: Vec::new(),
    };
    let mut symbols = Vec::new();
    for module in modules.iter().filter(|module| module.span.source == source) {
        for item in &module.items {
            let found = match item {
                ast::Item::Rule(decl) => symbol(
                    &decl.name.name,
                    SymbolKind::Rule,
                    Some(decl.effect.as_str().to_string()),
                    decl.span,
                    decl.name.span,
                ),
                ast::Item::Record(decl) => {
                    let mut record = symbol(
                        &decl.name.name,
                        SymbolKind::Record,
                        decl.key.as_ref().map(|key| format!("key {}", key.name)),
                        decl.span,
                        decl.name.span,
                    );
                    record.children = decl
                        .fields
                        .iter()
                        .map(|field| {
                            symbol(
                                &field.name.name,
                                SymbolKind::Field,
                                Some(written_type(&field.ty)),
                                field.span,
                                field.name.span,
                            )
                        })
                        .collect();
                    record
                }
                ast::Item::Enum(decl) => {
                    let mut enumeration =
                        symbol(&decl.name.name, SymbolKind::Enum, None, decl.span, decl.name.span);
                    enumeration.children = decl
                        .variants
                        .iter()
                        .map(|variant| {
                            symbol(
                                &variant.name,
                                SymbolKind::Variant,
                                None,
                                variant.span,
                                variant.span,
                            )
                        })
                        .collect();
                    enumeration
                }
                ast::Item::Fn(decl) => symbol(
                    &decl.name.name,
                    SymbolKind::Function,
                    Some(signature(decl, None)),
                    decl.span,
                    decl.name.span,
                ),
                ast::Item::Let(decl) => symbol(
                    &decl.name.name,
                    SymbolKind::Constant,
                    decl.ty.as_ref().map(written_type),
                    decl.span,
                    decl.name.span,
                ),
                ast::Item::Obligation(decl) => symbol(
                    &decl.name.name,
                    SymbolKind::Obligation,
                    Some(decl.text.value.clone()),
                    decl.span,
                    decl.name.span,
                ),
                ast::Item::Test(decl) => symbol(
                    &decl.name.value,
                    SymbolKind::Test,
                    None,
                    decl.span,
                    decl.name.span,
                ),
                ast::Item::Use(_) | ast::Item::Decide(_) | ast::Item::Default(_) | ast::Item::Data(_) => {
                    continue;
                }
            };
            symbols.push(found);
        }
    }
    symbols
}

/// How well a name matches what is typed to find it, lower is better, ignoring case: 0 the
/// name itself, 1 a name that starts with it, 2 one that contains it, 3 one that holds its
/// characters in order (`trpt` finds `transport`); `None` when it does not match. An empty
/// query matches every name.
pub fn match_score(query: &str, name: &str) -> Option<u32> {
    let query = query.to_lowercase();
    let name = name.to_lowercase();
    if query.is_empty() || name == query {
        return Some(0);
    }
    if name.starts_with(&query) {
        return Some(1);
    }
    if name.contains(&query) {
        return Some(2);
    }
    let mut rest = name.chars();
    query.chars().all(|wanted| rest.any(|c| c == wanted)).then_some(3)
}

/// The path typed so far after `use "` when the cursor is inside the string of a file import
/// (`use "lib/sch` gives `lib/sch`), for a front end to complete with the files it finds.
pub fn import_path_at(text: &str, offset: u32) -> Option<&str> {
    let mut end = (offset as usize).min(text.len());
    while !text.is_char_boundary(end) {
        end -= 1;
    }
    let line = &text[text[..end].rfind('\n').map_or(0, |newline| newline + 1)..end];
    let rest = line.strip_prefix("use")?.trim_start();
    let typed = rest.strip_prefix('"')?;
    (!typed.contains(['"', '\\'])).then_some(typed)
}

/// Keywords that start a declaration.
const ITEM_KEYWORDS: &[&str] = &[
    "use",
    "enum",
    "record",
    "let",
    "fn",
    "obligation",
    "decide",
    "default",
    "rule",
    "test",
];

/// Keywords that start a clause of a rule.
const CLAUSE_KEYWORDS: &[&str] = &[
    "when",
    "unless",
    "because",
    "cite",
    "oblige",
    "effective",
    "until",
    "exception to",
];

/// Keywords that may come inside an expression.
const EXPR_KEYWORDS: &[&str] = &[
    "and",
    "or",
    "not",
    "in",
    "not in",
    "any",
    "all",
    "if",
    "then",
    "else",
    "is some",
    "is none",
    "none",
    "true",
    "false",
    "subset",
    "union",
    "intersect",
    "without",
];

/// Keywords that come first on a line of a test.
const TEST_KEYWORDS: &[&str] = &["expect", "as of"];

/// Builtin type names.
const BUILTIN_TYPES: &[&str] = &["Bool", "Int", "Decimal", "Text", "Date"];

fn is_ident_char(c: char) -> bool {
    c.is_alphanumeric() || c == '_'
}

/// What the text before the cursor says about where it is.
struct Place<'t> {
    /// The name being typed, up to the cursor.
    prefix: &'t str,
    /// The text before it.
    head: &'t str,
    /// For each block open at the cursor (`{` not yet closed), the first word of its line.
    blocks: Vec<&'t str>,
    /// Whether the cursor is inside a string or a comment.
    in_literal: bool,
    /// Where the declaration around the cursor starts: the last line that opens at column 0.
    decl_start: usize,
}

/// Reads the text before the cursor: strings and comments are skipped, blocks are tracked.
fn place(before: &str) -> Place<'_> {
    let prefix_len: usize = before
        .chars()
        .rev()
        .take_while(|c| is_ident_char(*c))
        .map(char::len_utf8)
        .sum();
    let head = &before[..before.len() - prefix_len];
    let mut blocks: Vec<&str> = Vec::new();
    let (mut in_string, mut in_comment, mut escaped) = (false, false, false);
    let mut line_start = 0;
    let mut decl_start = 0;
    for (idx, c) in before.char_indices() {
        if in_comment {
            if c == '\n' {
                in_comment = false;
            } else {
                continue;
            }
        }
        if in_string {
            match c {
                _ if escaped => escaped = false,
                '\\' => escaped = true,
                '"' => in_string = false,
                _ => {}
            }
            continue;
        }
        match c {
            '"' => in_string = true,
            '/' if before[idx..].starts_with("//") => in_comment = true,
            '\n' => {
                line_start = idx + 1;
                if before[line_start..].starts_with(|c: char| c.is_alphabetic()) && blocks.is_empty() {
                    decl_start = line_start;
                }
            }
            '{' => {
                let word = before[line_start..idx]
                    .split(|c: char| !is_ident_char(c))
                    .find(|word| !word.is_empty())
                    .unwrap_or("");
                blocks.push(word);
            }
            '}' => {
                blocks.pop();
            }
            _ => {}
        }
    }
    Place {
        prefix: &before[before.len() - prefix_len..],
        head,
        blocks,
        in_literal: in_string || in_comment,
        decl_start,
    }
}

/// The names written before a final `.`: `t.item.` gives `["t", "item"]`.
fn chain_before_dot(head: &str) -> Vec<&str> {
    let mut names = Vec::new();
    let mut rest = head;
    while let Some(before_dot) = rest.strip_suffix('.') {
        let len: usize = before_dot
            .chars()
            .rev()
            .take_while(|c| is_ident_char(*c))
            .map(char::len_utf8)
            .sum();
        if len == 0 {
            break;
        }
        names.push(&before_dot[before_dot.len() - len..]);
        rest = &before_dot[..before_dot.len() - len];
    }
    names.reverse();
    names
}

/// Whether `line` ends with `keyword` followed by a list of names (`exception to a, b, `).
fn in_list_after(line: &str, keyword: &str) -> bool {
    let Some(at) = line.rfind(keyword) else {
        return false;
    };
    let starts_word = line[..at].chars().next_back().is_none_or(|c| !is_ident_char(c));
    let after = &line[at + keyword.len()..];
    starts_word
        && after.starts_with(|c: char| c.is_whitespace())
        && after
            .chars()
            .all(|c| is_ident_char(c) || c == ',' || c.is_whitespace())
}

/// A completion from a label, kind and detail.
fn item(label: &str, kind: CompletionKind, detail: Option<String>) -> Completion {
    Completion {
        label: label.to_string(),
        kind,
        detail,
    }
}

fn keywords(words: &[&str]) -> Vec<Completion> {
    words
        .iter()
        .map(|word| item(word, CompletionKind::Keyword, None))
        .collect()
}

/// Record types, enums and builtin types, for a type position.
fn types(program: &ir::Program) -> Vec<Completion> {
    let mut found: Vec<Completion> = Vec::new();
    found.extend(
        BUILTIN_TYPES
            .iter()
            .map(|name| item(name, CompletionKind::Type, None)),
    );
    found.extend(
        program
            .records
            .iter()
            .map(|record| item(&record.name, CompletionKind::Type, Some("record".into()))),
    );
    found.extend(
        program
            .enums
            .iter()
            .map(|def| item(&def.name, CompletionKind::Type, Some("enum".into()))),
    );
    found.push(item("Set", CompletionKind::Type, None));
    found.push(item("List", CompletionKind::Type, None));
    found
}

/// The subject variable's definition: its name, and its type if its record type checked.
fn subject(checked: &Checked) -> Option<&Definition> {
    checked
        .index
        .definitions
        .iter()
        .find(|def| def.kind == DefKind::Subject)
}

/// The type of a name that starts a path, as seen at the cursor: a local the index knows, the
/// subject (inside a rule, even one that did not parse), a constant.
fn name_type(checked: &Checked, place: &Place, source: SourceId, offset: u32, name: &str) -> Option<TypeId> {
    let index = &checked.index;
    let program = &checked.program;
    let local = index
        .in_scope(source, offset)
        .into_iter()
        .rev()
        .map(|def| index.definition(def))
        .find(|def| def.name == name);
    if let Some(local) = local {
        return local.ty;
    }
    if let Some(subject) = subject(checked)
        && subject.name == name
        && place.blocks.first().is_some_and(|word| *word == "rule")
    {
        return subject.ty;
    }
    program
        .consts
        .iter()
        .find(|def| def.name == name)
        .map(|def| def.ty)
}

/// The names that may come at the cursor: keywords valid there, names in scope, fields after
/// `.`, enum variants, rules after `exception to`, obligations after `oblige`, stdlib modules
/// after `use`, types in type positions.
///
/// It reads the text before the cursor, not the syntax tree, so it works inside a declaration
/// that did not parse; names and types come from `checked`, the last program that checked.
pub fn completions(checked: &Checked, text: &str, source: SourceId, offset: u32) -> Vec<Completion> {
    let mut end = (offset as usize).min(text.len());
    while !text.is_char_boundary(end) {
        end -= 1;
    }
    let place = place(&text[..end]);
    if place.in_literal {
        return Vec::new();
    }
    let mut found = candidates(checked, &place, source, end as u32);
    found.retain(|completion| completion.label.starts_with(place.prefix));
    found.sort();
    found.dedup_by(|a, b| a.label == b.label && a.kind == b.kind);
    found
}

fn candidates(checked: &Checked, place: &Place, source: SourceId, offset: u32) -> Vec<Completion> {
    let program = &checked.program;
    let head = place.head;
    let line = &head[head.rfind('\n').map_or(0, |at| at + 1)..];
    let trimmed = line.trim_start();
    if place.blocks.is_empty() && (trimmed == "use" || trimmed.starts_with("use ")) {
        let modules = crate::stdlib::names().iter();
        return if head.ends_with("std.") {
            modules
                .map(|name| item(name, CompletionKind::Module, None))
                .collect()
        } else {
            modules
                .map(|name| item(&format!("std.{name}"), CompletionKind::Module, None))
                .collect()
        };
    }
    if head.ends_with('.') {
        return after_dot(checked, place, source, offset);
    }
    if (in_list_after(line, "to") && line.contains("exception")) || in_list_after(line, "by") {
        let mut found: Vec<Completion> = program
            .rules
            .iter()
            .map(|rule| {
                item(
                    &rule.name,
                    CompletionKind::Rule,
                    Some(rule.effect.as_str().into()),
                )
            })
            .collect();
        // A rule left out of a partial program for its errors is still a name to complete.
        for def in checked
            .index
            .definitions
            .iter()
            .filter(|def| def.kind == DefKind::Rule)
        {
            if program.rule(&def.name).is_none() {
                found.push(item(&def.name, CompletionKind::Rule, None));
            }
        }
        return found;
    }
    if in_list_after(line, "oblige") {
        return program
            .obligations
            .iter()
            .map(|obligation| {
                item(
                    &obligation.name,
                    CompletionKind::Obligation,
                    Some(obligation.text.clone()),
                )
            })
            .collect();
    }
    let before = head.trim_end();
    if trimmed.starts_with("rule") && before.ends_with(':') {
        return keywords(&["permit", "deny"]);
    }
    if trimmed.starts_with("decide") && before.ends_with(':') {
        return program
            .records
            .iter()
            .map(|record| item(&record.name, CompletionKind::Type, Some("record".into())))
            .collect();
    }
    let in_record = place.blocks.last().is_some_and(|word| *word == "record");
    let in_signature = trimmed.starts_with("fn") && !line.contains('=');
    let in_let_type = trimmed.starts_with("let") && !line.contains('=');
    if before.ends_with("->")
        || before.ends_with('<')
        || (before.ends_with(':') && (in_record || in_signature || in_let_type))
    {
        return types(program);
    }
    if in_record || place.blocks.last().is_some_and(|word| *word == "enum") {
        // Field and variant names are new names: nothing to complete.
        return Vec::new();
    }
    if trimmed.is_empty() {
        match place.blocks.last() {
            None => return keywords(ITEM_KEYWORDS),
            Some(&"rule") => return keywords(CLAUSE_KEYWORDS),
            Some(&"test") => {
                let mut found = keywords(TEST_KEYWORDS);
                found.extend(
                    program
                        .records
                        .iter()
                        .map(|record| item(&record.name, CompletionKind::Type, Some("record".into()))),
                );
                return found;
            }
            Some(_) => {}
        }
    }
    if place.blocks.first().is_some_and(|word| *word == "test") {
        return match trimmed.split_whitespace().next() {
            Some("expect") => keywords(&[
                "permit",
                "deny",
                "undecided",
                "by",
                "default",
                "oblige",
                "missing",
            ]),
            _ => Vec::new(),
        };
    }
    expression_names(checked, place, source, offset)
}

/// Fields of the record a path before `.` has, or the variants of an enum named before it.
fn after_dot(checked: &Checked, place: &Place, source: SourceId, offset: u32) -> Vec<Completion> {
    let program = &checked.program;
    let chain = chain_before_dot(place.head);
    let Some((first, rest)) = chain.split_first() else {
        return Vec::new();
    };
    if let Some(def) = program.enums.iter().find(|def| def.name == *first)
        && rest.is_empty()
        && name_type(checked, place, source, offset, first).is_none()
    {
        return def
            .variants
            .iter()
            .map(|variant| item(variant, CompletionKind::Variant, Some(def.name.clone())))
            .collect();
    }
    let Some(mut ty) = name_type(checked, place, source, offset, first) else {
        return Vec::new();
    };
    for name in rest {
        let Some(Type::Record(record)) = shape(program, ty) else {
            return Vec::new();
        };
        let def = &program.records[record.idx()];
        let Some(field) = def.field(name) else {
            return Vec::new();
        };
        ty = def.fields[field as usize].ty;
    }
    match shape(program, ty) {
        Some(Type::Record(record)) => program.records[record.idx()]
            .fields
            .iter()
            .map(|field| {
                item(
                    &field.name,
                    CompletionKind::Field,
                    Some(type_text(program, Some(field.ty))),
                )
            })
            .collect(),
        _ => Vec::new(),
    }
}

/// Names that may start or continue an expression: locals, the subject, constants, functions,
/// variants, record types (for key references) and expression keywords.
fn expression_names(checked: &Checked, place: &Place, source: SourceId, offset: u32) -> Vec<Completion> {
    let program = &checked.program;
    let index = &checked.index;
    let mut found = keywords(EXPR_KEYWORDS);
    for def in index.in_scope(source, offset) {
        let def = index.definition(def);
        found.push(item(
            &def.name,
            CompletionKind::Variable,
            Some(type_text(program, def.ty)),
        ));
    }
    if let Some(subject) = subject(checked)
        && place.blocks.first().is_some_and(|word| *word == "rule")
    {
        let ty = subject.ty.map(|ty| type_text(program, Some(ty)));
        found.push(item(&subject.name, CompletionKind::Variable, ty));
    }
    // Variables of `any`/`all` in the declaration being typed, which may not have parsed.
    let words: Vec<&str> = place.head[place.decl_start..]
        .split(|c: char| !is_ident_char(c))
        .filter(|word| !word.is_empty())
        .collect();
    for window in words.windows(3) {
        if matches!(window[0], "any" | "all") && window[2] == "in" {
            found.push(item(window[1], CompletionKind::Variable, None));
        }
    }
    found.extend(program.consts.iter().map(|def| {
        item(
            &def.name,
            CompletionKind::Constant,
            Some(type_text(program, Some(def.ty))),
        )
    }));
    found.extend(program.functions.iter().map(|def| {
        let params: Vec<String> = def
            .params
            .iter()
            .map(|(name, ty)| format!("{name}: {}", type_text(program, Some(*ty))))
            .collect();
        let detail = format!(
            "fn {}({}) -> {}",
            def.name,
            params.join(", "),
            type_text(program, Some(def.result))
        );
        item(&def.name, CompletionKind::Function, Some(detail))
    }));
    found.extend(
        ir::Builtin::ALL
            .iter()
            .map(|builtin| item(builtin.name(), CompletionKind::Function, Some("builtin".into()))),
    );
    for def in &program.enums {
        found.extend(
            def.variants
                .iter()
                .map(|variant| item(variant, CompletionKind::Variant, Some(def.name.clone()))),
        );
        found.push(item(&def.name, CompletionKind::Type, Some("enum".into())));
    }
    found.extend(
        program
            .records
            .iter()
            .filter(|record| record.key.is_some())
            .map(|record| item(&record.name, CompletionKind::Type, Some("record".into()))),
    );
    found
}

#[cfg(test)]
mod tests;
