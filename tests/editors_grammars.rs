//! The editors' grammars keep up with the language: every keyword of `grammar/pol.pest` is
//! named by the TextMate grammar of `editors/vscode`, the Vim syntax of `editors/neovim` and the
//! tree-sitter grammar of `editors/tree-sitter-pol`, so a new keyword cannot be left
//! unhighlighted in them by mistake.

#![allow(clippy::unwrap_used)] // Test code: a failed unwrap is a failed test.

mod support;
use support::engine::repo_text;

/// The words the grammar matches as keywords: each `kw_NAME = @{ "NAME" … }` rule.
fn keywords(pest: &str) -> Vec<String> {
    let words: Vec<String> = pest
        .lines()
        .filter_map(|line| {
            let rest = line.trim().strip_prefix("kw_")?;
            let (name, rule) = rest.split_once(" = @{ \"")?;
            let word = rule.split('"').next()?;
            (word == name).then(|| word.to_string())
        })
        .collect();
    assert!(
        words.len() >= 40,
        "too few keywords read from grammar/pol.pest: {words:?}"
    );
    words
}

/// Whether `text` holds `word` with no letter, digit or `_` on either side.
fn holds_word(text: &str, word: &str) -> bool {
    let is_name = |ch: char| ch.is_ascii_alphanumeric() || ch == '_';
    text.match_indices(word).any(|(at, _)| {
        let before = text[..at].chars().next_back();
        let after = text[at + word.len()..].chars().next();
        !before.is_some_and(is_name) && !after.is_some_and(is_name)
    })
}

#[test]
fn every_keyword_of_the_grammar_is_highlighted_in_every_editor() {
    let words = keywords(&repo_text("grammar/pol.pest"));
    for file in [
        "editors/vscode/syntaxes/pol.tmLanguage.json",
        "editors/neovim/syntax/pol.vim",
        "editors/tree-sitter-pol/grammar.js",
    ] {
        // Vim's comments start with `"`, JavaScript's with `//` or `*` inside `/** … */`: a
        // word they mention highlights nothing.
        let is_comment = |line: &str| {
            let line = line.trim_start();
            if file.ends_with(".vim") {
                line.starts_with('"')
            } else {
                file.ends_with(".js")
                    && (line.starts_with("//") || line.starts_with('*') || line.starts_with("/*"))
            }
        };
        let text: String = repo_text(file)
            .lines()
            .filter(|line| !is_comment(line))
            .collect::<Vec<_>>()
            .join("\n");
        let missing: Vec<&String> = words.iter().filter(|word| !holds_word(&text, word)).collect();
        assert!(
            missing.is_empty(),
            "{file} does not highlight the keywords {missing:?} of grammar/pol.pest"
        );
    }
}

#[test]
fn a_word_counts_only_where_it_stands_alone() {
    assert!(holds_word("(?:and|or|not)", "or"));
    assert!(holds_word("keyword.other.of.pol", "of"));
    assert!(!holds_word("order", "or"));
    assert!(!holds_word("for_all", "all"));
}
