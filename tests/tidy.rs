//! Tidy checks over the repository's own files: rules of the style guide that a reader relies
//! on and that no compiler checks.

#![allow(clippy::unwrap_used)] // Test code: a failed unwrap is a failed test.

mod support;

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
