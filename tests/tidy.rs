//! Tidy checks over the repository's own files: rules of the style guide that a reader relies
//! on and that no compiler checks.

#![allow(clippy::unwrap_used)] // Test code: a failed unwrap is a failed test.

mod support;

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

/// Every Rust file opens with a `//!` line saying what it holds, so a newcomer can tell a file's
/// job from its first line (the style guide, section 7).
#[test]
fn every_rust_file_opens_with_a_line_saying_what_it_is_for() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut missing = Vec::new();
    for folder in ["src", "tests", "benches", "fuzz/fuzz_targets"] {
        for path in support::files_with(&root.join(folder), &["rs"]) {
            let text = std::fs::read_to_string(&path).unwrap();
            if !text.starts_with("//! ") {
                missing.push(path.strip_prefix(root).unwrap().display().to_string());
            }
        }
    }
    assert!(
        missing.is_empty(),
        "these files do not open with a `//!` line saying what they hold:\n{}",
        missing.join("\n")
    );
}

/// The layers of the library, lowest first: a file may import the files of its own top-level
/// module and those of lower layers, never a module of its own layer or of a higher one.
/// The order follows the pipeline (ARCHITECTURE.md, Invariants): text and values at the bottom,
/// then diagnostics, parsing, checking, facts, evaluation and reporting; then the prelude, the
/// engine that runs the stages in order (and loads the prelude), and the services for editors
/// and live sessions built on them (a session may answer through the analysis queries).
const LAYERS: &[&[&str]] = &[
    &["source", "escape", "value"],
    &["diagnostic"],
    &["syntax"],
    &["check"],
    &["facts"],
    &["show"],
    &["eval"],
    &["report"],
    &["coverage", "graph"],
    &["stdlib"],
    &["engine"],
    &["diff"],
    &["analysis"],
    &["session"],
    &["repl", "lsp"],
];

/// One import of one library file: the file it reaches and the first line that shows it.
#[derive(Clone, Debug)]
struct Import {
    line_number: usize,
    line: String,
}

/// The library files under `src/` (not the binary, not test modules), as module paths
/// (`check::expr`) with their text, test modules cut out.
fn library_files(root: &Path) -> BTreeMap<String, String> {
    let src = root.join("src");
    let mut files = BTreeMap::new();
    for path in support::files_with(&src, &["rs"]) {
        let relative = path.strip_prefix(&src).unwrap().with_extension("");
        let parts: Vec<String> = relative
            .components()
            .map(|part| part.as_os_str().to_string_lossy().into_owned())
            .collect();
        // `tests.rs` and the files below a `tests/` folder are test modules.
        let is_test = parts.iter().any(|part| part == "tests");
        if parts[0] == "bin" || is_test || parts == ["lib"] {
            continue;
        }
        let text = std::fs::read_to_string(&path).unwrap();
        files.insert(parts.join("::"), text);
    }
    // A child module declared for tests only (`#[cfg(test)] mod partial_tests;`) is a test module
    // too, whatever its name.
    let test_modules: Vec<String> = files
        .iter()
        .flat_map(|(module, text)| {
            test_modules_declared(text)
                .into_iter()
                .map(move |child| format!("{module}::{child}"))
        })
        .collect();
    for module in &test_modules {
        files.remove(module);
    }
    files
        .into_iter()
        .map(|(module, text)| {
            let text = without_tests_and_comments(&text);
            (module, text)
        })
        .collect()
}

/// The text with comments blanked and `#[cfg(test)]` items cut out, line numbers kept.
fn without_tests_and_comments(text: &str) -> String {
    let mut lines: Vec<String> = text.lines().map(strip_comment).collect();
    let mut idx = 0;
    while idx < lines.len() {
        if lines[idx].trim() != "#[cfg(test)]" {
            idx += 1;
            continue;
        }
        let next = lines
            .get(idx + 1)
            .map(|line| line.trim().to_owned())
            .unwrap_or_default();
        if next.starts_with("mod ") && next.ends_with('{') {
            // The style guide keeps a test module at the bottom of its file.
            for line in &mut lines[idx..] {
                line.clear();
            }
            break;
        }
        // One item (a `use` or `mod tests;`) for tests only.
        lines[idx].clear();
        if next.starts_with("use ") || next.starts_with("mod ") {
            lines[idx + 1].clear();
        }
        idx += 1;
    }
    lines.join("\n")
}

/// A line without its `//` comment (texts in double quotes are kept whole).
fn strip_comment(line: &str) -> String {
    let bytes = line.as_bytes();
    let mut in_text = false;
    let mut idx = 0;
    while idx < bytes.len() {
        match bytes[idx] {
            b'\\' if in_text => idx += 1,
            b'"' => in_text = !in_text,
            b'/' if !in_text && bytes.get(idx + 1) == Some(&b'/') => return line[..idx].to_owned(),
            _ => {}
        }
        idx += 1;
    }
    line.to_owned()
}

/// Expands a use tree (`a::{b, c::{d as e, self}}`) into its paths (`a::b`, `a::c::d`, `a::c`).
fn expand_use_tree(prefix: &str, tree: &str, out: &mut Vec<String>) {
    let tree = tree.trim();
    let join = |tail: &str| {
        if prefix.is_empty() {
            tail.to_owned()
        } else if tail.is_empty() || tail == "self" || tail == "*" {
            prefix.to_owned()
        } else {
            format!("{prefix}::{tail}")
        }
    };
    let Some(open) = tree.find('{') else {
        let path = tree.split(" as ").next().unwrap().trim();
        out.push(join(path));
        return;
    };
    let head = join(tree[..open].trim().trim_end_matches("::"));
    let inner = &tree[open + 1..tree.rfind('}').unwrap()];
    let mut depth = 0;
    let mut start = 0;
    for (idx, ch) in inner.char_indices() {
        match ch {
            '{' => depth += 1,
            '}' => depth -= 1,
            ',' if depth == 0 => {
                expand_use_tree(&head, &inner[start..idx], out);
                start = idx + 1;
            }
            _ => {}
        }
    }
    if !inner[start..].trim().is_empty() {
        expand_use_tree(&head, &inner[start..], out);
    }
}

/// The library file a path written in `module` reaches, if it reaches one other than `module`:
/// `crate::…`, `super::…`, `self::…` and paths through a child module resolve; anything else
/// (the standard library, other crates, local names) does not.
fn resolve(module: &str, path: &str, modules: &BTreeMap<String, String>) -> Option<String> {
    let mut segments = path
        .split("::")
        .map(str::trim)
        .filter(|segment| !segment.is_empty())
        .peekable();
    let mut base: Vec<&str> = module.split("::").collect();
    match *segments.peek()? {
        "crate" => {
            segments.next();
            base.clear();
        }
        "self" => {
            segments.next();
        }
        "super" => {
            while segments.peek() == Some(&"super") {
                segments.next();
                base.pop()?;
            }
        }
        first => {
            let child = format!("{module}::{first}");
            if !modules.contains_key(&child) {
                return None;
            }
        }
    }
    let mut found = (!base.is_empty()).then(|| base.join("::"));
    for segment in segments {
        base.push(segment);
        let candidate = base.join("::");
        if !modules.contains_key(&candidate) {
            break;
        }
        found = Some(candidate);
    }
    found.filter(|found| found != module && modules.contains_key(found))
}

/// Every `crate::…` path written inline in `text`, with its offset (a visibility such as
/// `pub(in crate::eval)` names no import and is skipped).
fn inline_paths(text: &str) -> Vec<(usize, String)> {
    let is_name = |byte: u8| byte.is_ascii_alphanumeric() || byte == b'_' || byte == b':';
    let mut paths = Vec::new();
    for (start, _) in text.match_indices("crate::") {
        let before = &text[..start];
        if before.ends_with("in ") || before.bytes().last().is_some_and(is_name) {
            continue;
        }
        let length = text[start..].bytes().take_while(|byte| is_name(*byte)).count();
        paths.push((
            start,
            text[start..start + length].trim_end_matches(':').to_owned(),
        ));
    }
    paths
}

/// The imports of every library file: `use` lines (trees expanded, so `use child::…` counts as
/// much as `use crate::…`, `use super::…` and `use self::…`) and `crate::…` paths written inline.
fn import_graph(modules: &BTreeMap<String, String>) -> BTreeMap<String, BTreeMap<String, Import>> {
    let mut graph = BTreeMap::new();
    for (module, text) in modules {
        let line_of = |offset: usize| text[..offset].matches('\n').count();
        let mut found: Vec<(usize, String)> = Vec::new();
        let mut offset = 0;
        for line in text.split_inclusive('\n') {
            let trimmed = line.trim_start();
            let after_pub = trimmed
                .strip_prefix("pub(crate) ")
                .or_else(|| trimmed.strip_prefix("pub(super) "))
                .or_else(|| trimmed.strip_prefix("pub "))
                .unwrap_or(trimmed);
            if let Some(tree) = after_pub.strip_prefix("use ") {
                let tree_start = offset + (line.len() - tree.len());
                let tree_end = text[tree_start..]
                    .find(';')
                    .map_or(text.len(), |end| tree_start + end);
                let mut paths = Vec::new();
                expand_use_tree("", &text[tree_start..tree_end], &mut paths);
                found.extend(paths.into_iter().map(|path| (offset, path)));
            }
            offset += line.len();
        }
        found.extend(inline_paths(text));
        let mut imports: BTreeMap<String, Import> = BTreeMap::new();
        for (offset, path) in found {
            let Some(target) = resolve(module, &path, modules) else {
                continue;
            };
            let line_number = line_of(offset);
            let import = Import {
                line_number: line_number + 1,
                line: text.lines().nth(line_number).unwrap_or("").trim().to_owned(),
            };
            let entry = imports.entry(target).or_insert_with(|| import.clone());
            if import.line_number < entry.line_number {
                *entry = import;
            }
        }
        graph.insert(module.clone(), imports);
    }
    graph
}

/// The file a module path lives in: `check::expr` is `src/check/expr.rs`.
fn file_of(module: &str) -> String {
    format!("src/{}.rs", module.replace("::", "/"))
}

/// A path from `from` to `to` over the graph, both ends included, if there is one.
fn find_path(
    graph: &BTreeMap<String, BTreeMap<String, Import>>,
    from: &str,
    to: &str,
) -> Option<Vec<String>> {
    let mut previous: BTreeMap<String, String> = BTreeMap::new();
    let mut queue = std::collections::VecDeque::from([from.to_owned()]);
    let mut seen = BTreeSet::from([from.to_owned()]);
    while let Some(module) = queue.pop_front() {
        if module == to {
            let mut path = vec![module];
            while let Some(before) = previous.get(path.last().unwrap()) {
                path.push(before.clone());
            }
            path.reverse();
            return Some(path);
        }
        for next in graph.get(&module).into_iter().flat_map(BTreeMap::keys) {
            if !seen.insert(next.clone()) {
                continue;
            }
            previous.insert(next.clone(), module.clone());
            queue.push_back(next.clone());
        }
    }
    None
}

/// Shows a circle as its files, each with the `use` line (or line with the path) that goes on.
fn show_circle(graph: &BTreeMap<String, BTreeMap<String, Import>>, circle: &[String]) -> String {
    let mut out = String::new();
    for pair in circle.windows(2) {
        let import = &graph[&pair[0]][&pair[1]];
        out.push_str(&format!(
            "  {}:{} imports {}: `{}`\n",
            file_of(&pair[0]),
            import.line_number,
            file_of(&pair[1]),
            import.line
        ));
    }
    out
}

/// The layer of a library file, from its top-level module.
fn layer_of(module: &str) -> Option<usize> {
    let top = module.split("::").next().unwrap();
    LAYERS.iter().position(|layer| layer.contains(&top))
}

/// No circle between library files: each file's imports lead only to files that never lead back.
#[test]
fn library_files_import_each_other_without_circles() {
    let graph = import_graph(&library_files(Path::new(env!("CARGO_MANIFEST_DIR"))));
    assert!(graph.len() > 20, "the library files were not found");
    let mut problems = Vec::new();
    // Every import must lead to a file that never leads back; one circle is shown per import
    // that closes one.
    let mut reported: BTreeSet<BTreeSet<String>> = BTreeSet::new();
    for (from, imports) in &graph {
        for to in imports.keys() {
            let Some(back) = find_path(&graph, to, from) else {
                continue;
            };
            let mut circle = vec![from.clone()];
            circle.extend(back);
            if reported.insert(circle.iter().cloned().collect()) {
                problems.push(format!(
                    "a circle between files, closed by {} importing {}:\n{}",
                    file_of(from),
                    file_of(to),
                    show_circle(&graph, &circle)
                ));
            }
        }
    }
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}

/// No import runs back up the pipeline: a file imports only its own module's files and lower
/// layers ([`LAYERS`]).
#[test]
fn library_files_import_only_lower_layers() {
    let graph = import_graph(&library_files(Path::new(env!("CARGO_MANIFEST_DIR"))));
    let mut problems = Vec::new();
    for (from, imports) in &graph {
        let Some(from_layer) = layer_of(from) else {
            problems.push(format!(
                "{} is in no layer: add its module to LAYERS",
                file_of(from)
            ));
            continue;
        };
        for (to, import) in imports {
            let same_module = from.split("::").next() == to.split("::").next();
            let to_layer = layer_of(to).unwrap_or(usize::MAX);
            if same_module || to_layer < from_layer {
                continue;
            }
            problems.push(format!(
                "{}:{} imports {}, which is not below it in LAYERS: `{}`",
                file_of(from),
                import.line_number,
                file_of(to),
                import.line
            ));
        }
    }
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}

/// The reading of `use` lines that the two tests above rely on: trees expand to every path, and
/// paths resolve to the file they reach (and to nothing outside the crate).
#[test]
fn use_lines_are_read_as_the_files_they_reach() {
    let mut paths = Vec::new();
    expand_use_tree(
        "",
        "super::{Checker, types::{ERROR, self}, messages as m}",
        &mut paths,
    );
    assert_eq!(
        paths,
        [
            "super::Checker",
            "super::types::ERROR",
            "super::types",
            "super::messages"
        ]
    );
    let modules: BTreeMap<String, String> = ["check", "check::types", "check::expr", "diagnostic"]
        .into_iter()
        .map(|module| (module.to_owned(), String::new()))
        .collect();
    let reach = |module: &str, path: &str| resolve(module, path, &modules);
    assert_eq!(
        reach("check::expr", "super::types::ERROR").as_deref(),
        Some("check::types")
    );
    assert_eq!(reach("check::expr", "super::Checker").as_deref(), Some("check"));
    assert_eq!(reach("check", "types::ERROR").as_deref(), Some("check::types"));
    assert_eq!(
        reach("check", "self::expr::Scope").as_deref(),
        Some("check::expr")
    );
    assert_eq!(
        reach("check::expr", "crate::diagnostic::Code").as_deref(),
        Some("diagnostic")
    );
    assert_eq!(reach("check::expr", "std::fmt::Write"), None);
    assert_eq!(reach("check", "crate::check::Checker"), None);
    assert_eq!(
        inline_paths("let x = crate::diagnostic::Code::E0201; pub(in crate::check) fn f() {}"),
        [(8, "crate::diagnostic::Code::E0201".to_owned())]
    );
}

/// The library names no command-line flag: a REPL or a language server has none, so a help text
/// says which setting applies (`diagnostic::Setting`) and each front end names its own way to
/// change it. A string literal of a file outside `src/bin/` that holds `--` and a letter fails;
/// comments and test modules are exempt.
#[test]
fn the_library_names_no_command_line_flag() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let src = root.join("src");
    let files = support::files_with(&src, &["rs"]);
    let mut test_folders = Vec::new();
    for path in &files {
        let text = std::fs::read_to_string(path).unwrap();
        // A module's children are in the folder named after it; those of `lib.rs` in `src/`.
        let folder = if path.parent() == Some(src.as_path()) && path.ends_with("lib.rs") {
            src.clone()
        } else {
            path.with_extension("")
        };
        for name in test_modules_declared(&text) {
            test_folders.push(folder.join(&name));
            test_folders.push(folder.join(format!("{name}.rs")));
        }
    }
    let mut found = Vec::new();
    for path in &files {
        let exempt =
            path.starts_with(src.join("bin")) || test_folders.iter().any(|folder| path.starts_with(folder));
        if exempt {
            continue;
        }
        let text = std::fs::read_to_string(path).unwrap();
        for (offset, literal) in library_literals(&text) {
            if names_flag(literal) {
                let line = text[..offset].lines().count().max(1);
                let shown = path.strip_prefix(root).unwrap().display();
                found.push(format!("{shown}:{line}: {literal}"));
            }
        }
    }
    assert!(
        found.is_empty(),
        "these string literals of the library name a command-line flag; attach a `diagnostic::Setting` and let the front end name it:\n{}",
        found.join("\n")
    );
}

/// Whether a literal holds `--` followed by a letter, as a flag does.
fn names_flag(literal: &str) -> bool {
    literal
        .as_bytes()
        .windows(3)
        .any(|window| window[0] == b'-' && window[1] == b'-' && window[2].is_ascii_alphabetic())
}

/// The names of the modules a file declares as test modules in their own files
/// (`#[cfg(test)]` then `mod NAME;`).
fn test_modules_declared(text: &str) -> Vec<String> {
    let lines: Vec<&str> = text
        .lines()
        .map(str::trim)
        .filter(|line| !line.is_empty())
        .collect();
    lines
        .windows(2)
        .filter(|pair| pair[0] == "#[cfg(test)]")
        .filter_map(|pair| {
            let name = pair[1].strip_prefix("mod ")?.strip_suffix(';')?;
            Some(name.to_owned())
        })
        .collect()
}

/// A piece of Rust text as the flag check reads it.
enum Token<'a> {
    /// A string literal's contents and where it starts.
    Literal(usize, &'a str),
    /// `{`, at this offset.
    Open(usize),
    /// `}`, at this offset.
    Close,
}

/// The string literals of a Rust file outside comments and inline test modules, with their
/// offsets.
fn library_literals(text: &str) -> Vec<(usize, &str)> {
    let tokens = tokens(text);
    // An inline test module is `#[cfg(test)]` before `mod NAME {`: its opening brace is the first
    // one after the attribute.
    let test_modules: Vec<usize> = text
        .match_indices("#[cfg(test)]")
        .filter(|(at, attribute)| {
            let line = text[at + attribute.len()..]
                .trim_start()
                .lines()
                .next()
                .unwrap_or("");
            line.starts_with("mod ") && line.trim_end().ends_with('{')
        })
        .filter_map(|(at, _)| {
            tokens.iter().find_map(|token| match token {
                Token::Open(open) if *open > at => Some(*open),
                _ => None,
            })
        })
        .collect();
    let mut literals = Vec::new();
    let mut depth = 0usize;
    // Inside a test module: the depth at which it ends.
    let mut skip_until: Option<usize> = None;
    for token in tokens {
        match token {
            Token::Open(at) => {
                if skip_until.is_none() && test_modules.contains(&at) {
                    skip_until = Some(depth);
                }
                depth += 1;
            }
            Token::Close => {
                depth = depth.saturating_sub(1);
                if skip_until == Some(depth) {
                    skip_until = None;
                }
            }
            Token::Literal(at, literal) => {
                if skip_until.is_none() {
                    literals.push((at, literal));
                }
            }
        }
    }
    literals
}

/// The string literals and braces of a Rust text, skipping comments and character literals.
fn tokens(text: &str) -> Vec<Token<'_>> {
    let bytes = text.as_bytes();
    let mut tokens = Vec::new();
    let mut at = 0;
    let is_word = |byte: u8| byte.is_ascii_alphanumeric() || byte == b'_';
    while at < bytes.len() {
        let rest = &bytes[at..];
        if rest.starts_with(b"//") {
            at += rest.iter().position(|byte| *byte == b'\n').unwrap_or(rest.len());
        } else if rest.starts_with(b"/*") {
            let mut nesting = 0;
            while at < bytes.len() {
                if bytes[at..].starts_with(b"/*") {
                    nesting += 1;
                    at += 2;
                } else if bytes[at..].starts_with(b"*/") {
                    nesting -= 1;
                    at += 2;
                    if nesting == 0 {
                        break;
                    }
                } else {
                    at += 1;
                }
            }
        } else if (rest.starts_with(b"r\"") || rest.starts_with(b"r#") || rest.starts_with(b"br"))
            && (at == 0 || !is_word(bytes[at - 1]))
        {
            let prefix = if rest[0] == b'b' { 2 } else { 1 };
            let hashes = rest[prefix..].iter().take_while(|byte| **byte == b'#').count();
            if rest.get(prefix + hashes) != Some(&b'"') {
                at += 1;
                continue;
            }
            let start = at + prefix + hashes + 1;
            let closing = format!("\"{}", "#".repeat(hashes));
            let end = text[start..]
                .find(&closing)
                .map_or(text.len(), |found| start + found);
            tokens.push(Token::Literal(start, &text[start..end]));
            at = end + closing.len();
        } else if rest[0] == b'"' {
            let start = at + 1;
            let mut end = start;
            while end < bytes.len() && bytes[end] != b'"' {
                end += if bytes[end] == b'\\' { 2 } else { 1 };
            }
            let end = end.min(bytes.len());
            tokens.push(Token::Literal(start, &text[start..end]));
            at = end + 1;
        } else if rest[0] == b'\'' {
            // A character literal (`'"'`, `'\''`), or a lifetime, which has no closing quote.
            if rest.get(1) == Some(&b'\\') {
                at += 2 + rest[2..]
                    .iter()
                    .position(|byte| *byte == b'\'')
                    .map_or(0, |found| found + 1);
            } else {
                let width = text[at + 1..].chars().next().map_or(1, char::len_utf8);
                at += if rest.get(1 + width) == Some(&b'\'') {
                    2 + width
                } else {
                    1
                };
            }
        } else {
            match rest[0] {
                b'{' => tokens.push(Token::Open(at)),
                b'}' => tokens.push(Token::Close),
                _ => {}
            }
            at += 1;
        }
    }
    tokens
}
