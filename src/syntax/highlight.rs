//! Lexical classes for highlighting (syntax stage): what a prompt colours its line with and
//! where an editor's semantic tokens come from, on any text, broken or not.

use std::ops::Range;

use super::grammar::{self, Lexer, TokenKind};

/// The lexical class of a stretch of text.
#[derive(Copy, Clone, Debug, PartialEq, Eq, Hash)]
pub enum TokenClass {
    /// A reserved word, or a word that starts a clause where it stands (`when`, `cite`, …).
    Keyword,
    /// A name that starts with a lowercase letter or `_`.
    Name,
    /// A name that starts with a capital letter: a record, an enum, `Set`, `Text`, ….
    TypeName,
    /// A string literal, quotes included; also one the text ends inside.
    String,
    /// An integer literal.
    Number,
    /// A date literal (`2024-04-01`).
    Date,
    /// `//` to the end of the line.
    Comment,
    /// An operator written with symbols (`==`, `+`, `->`, `=`, `?`, …).
    Operator,
    /// Brackets, `,`, `:`, `.` and `#`.
    Punctuation,
    /// What no token of the language starts with (`&&`, `!`, a non-ASCII character, `3x`).
    Error,
}

/// Words that start a clause, but may also be names (`t.to`, a field `key: Text`).
const CLAUSE_WORDS: &[&str] = &[
    "when",
    "unless",
    "because",
    "cite",
    "oblige",
    "effective",
    "until",
    "exception",
    "to",
    "key",
    "on",
    "source",
    "as",
    "of",
    "by",
    "missing",
    "undecided",
];

/// The lexical class of every token of a text, in order, as byte ranges; whitespace is left
/// out. Works on any text, in one pass over its tokens, with the lexer the parser's pre-scan
/// uses, so that strings and comments are where the parser sees them.
pub fn highlight(text: &str) -> Vec<(Range<usize>, TokenClass)> {
    let tokens: Vec<grammar::Token> = Lexer::new(text).collect();
    let slice = |idx: usize| tokens.get(idx).map_or("", |token| &text[token.start..token.end]);
    // The next token that is not a comment, after `idx`.
    let next_code = |idx: usize| {
        tokens[idx + 1..]
            .iter()
            .find(|token| token.kind != TokenKind::Comment)
            .map_or("", |token| &text[token.start..token.end])
    };
    let mut classes = Vec::with_capacity(tokens.len());
    let mut previous_code = "";
    let mut idx = 0;
    while idx < tokens.len() {
        let token = tokens[idx];
        let word = slice(idx);
        let mut end = token.end;
        let class = match token.kind {
            TokenKind::Comment => TokenClass::Comment,
            TokenKind::String { .. } => TokenClass::String,
            TokenKind::Other => TokenClass::Error,
            TokenKind::Word if word.starts_with(|ch: char| ch.is_ascii_digit()) => {
                let date_end = idx + 4;
                let is_date = word.len() == 4
                    && date_end < tokens.len()
                    && (idx..date_end).all(|at| tokens[at].end == tokens[at + 1].start)
                    && slice(idx + 1) == "-"
                    && slice(idx + 3) == "-"
                    && [2, 4].iter().all(|offset| {
                        let part = slice(idx + offset);
                        part.len() == 2 && part.bytes().all(|byte| byte.is_ascii_digit())
                    })
                    && word.bytes().all(|byte| byte.is_ascii_digit());
                if is_date {
                    end = tokens[date_end].end;
                    idx = date_end;
                    TokenClass::Date
                } else if word.bytes().all(|byte| byte.is_ascii_digit() || byte == b'_') {
                    TokenClass::Number
                } else {
                    TokenClass::Error
                }
            }
            TokenKind::Word if grammar::is_reserved(word) => TokenClass::Keyword,
            TokenKind::Word
                if CLAUSE_WORDS.contains(&word) && previous_code != "." && next_code(idx) != ":" =>
            {
                TokenClass::Keyword
            }
            TokenKind::Word if word.starts_with(|ch: char| ch.is_ascii_uppercase()) => TokenClass::TypeName,
            TokenKind::Word => TokenClass::Name,
            TokenKind::Punct => match word {
                "==" | "!=" | "<=" | ">=" | "<" | ">" | "+" | "-" | "*" | "->" | "=" | "?" => {
                    TokenClass::Operator
                }
                "(" | ")" | "[" | "]" | "{" | "}" | "," | ":" | "." | "#" => TokenClass::Punctuation,
                _ => TokenClass::Error,
            },
        };
        if token.kind != TokenKind::Comment {
            previous_code = slice(idx);
        }
        classes.push((token.start..end, class));
        idx += 1;
    }
    classes
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Highlights a text and compares each token's text and class, one per line.
    fn check(text: &str, expected: &str) {
        let dumped: Vec<String> = highlight(text)
            .into_iter()
            .map(|(range, class)| format!("{:?} {class:?}", &text[range]))
            .collect();
        assert_eq!(dumped.join("\n"), expected.trim(), "input: {text:?}");
    }

    #[test]
    fn a_rule_is_classified_token_by_token() {
        check(
            "rule r: deny { when t.to in NATO and t.date >= 2024-04-01 cite \"Art. 1\" } // why",
            r#"
"rule" Keyword
"r" Name
":" Punctuation
"deny" Keyword
"{" Punctuation
"when" Keyword
"t" Name
"." Punctuation
"to" Name
"in" Keyword
"NATO" TypeName
"and" Keyword
"t" Name
"." Punctuation
"date" Name
">=" Operator
"2024-04-01" Date
"cite" Keyword
"\"Art. 1\"" String
"}" Punctuation
"// why" Comment
"#,
        );
    }

    #[test]
    fn a_broken_text_is_still_classified_with_errors_where_nothing_lexes() {
        check(
            "let x = 3x && y\u{00e9} + 12_000 -> \"open",
            r#"
"let" Keyword
"x" Name
"=" Operator
"3x" Error
"&&" Error
"y" Name
"é" Error
"+" Operator
"12_000" Number
"->" Operator
"\"open" String
"#,
        );
    }

    #[test]
    fn clause_words_are_names_after_a_dot_or_before_a_colon() {
        check(
            "record R key id { key: Text, to: Country } exception to r",
            r#"
"record" Keyword
"R" TypeName
"key" Keyword
"id" Name
"{" Punctuation
"key" Name
":" Punctuation
"Text" TypeName
"," Punctuation
"to" Name
":" Punctuation
"Country" TypeName
"}" Punctuation
"exception" Keyword
"to" Keyword
"r" Name
"#,
        );
    }

    #[test]
    fn ranges_cover_every_non_blank_byte_in_order() {
        let text = "policy \"p\"\n\nrule a: deny { when f(1, {2}) [ }\n// é\n2024-1-01 ! / ;";
        let mut covered = 0;
        for (range, _) in highlight(text) {
            assert!(
                text[covered..range.start].trim().is_empty(),
                "gap before {range:?}"
            );
            assert!(range.start < range.end);
            covered = range.end;
        }
        assert!(text[covered..].trim().is_empty());
    }
}
