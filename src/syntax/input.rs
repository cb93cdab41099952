//! Parsing what is typed at a prompt (syntax stage): an expression, declarations, or input
//! that a line editor should continue on the next line.

use super::ast;
use super::grammar::{self, Cuts, Lexer, Rule, TokenKind};
use crate::diagnostic::Diagnostic;
use crate::source::{SourceId, SourceMap};
use crate::value::Date;

/// What a line (or the lines so far) typed at a prompt holds.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Input {
    /// An expression, such as `t.item.lethal and t.to in NATO`.
    Expr {
        /// The expression.
        expr: ast::Expr,
        /// Warnings about its text (W0010).
        warnings: Vec<Diagnostic>,
    },
    /// Declarations (`let`, `rule`, `record`, `fn`, `test`, …), in order; none for an input
    /// of only spaces and comments.
    Items {
        /// The declarations.
        items: Vec<ast::Item>,
        /// Warnings about their text (W0010).
        warnings: Vec<Diagnostic>,
    },
    /// Unfinished input that more lines can complete: an open bracket, brace or string, a
    /// trailing operator or `,`, `if … then` without `else`, a rule header without its block.
    Incomplete,
    /// Input that no further line can make valid, with its diagnostics.
    Invalid(Vec<Diagnostic>),
}

/// Parses the text typed at a prompt.
///
/// A text whose first word starts a declaration is read as declarations, any other as one
/// expression. It is [`Input::Incomplete`] when it fails to parse only because it ends too
/// soon: everything up to its end is a valid start, so a next line can complete it; it is
/// [`Input::Invalid`] when the parser stops before its end, or when a literal or the nesting
/// is wrong whatever follows.
pub fn parse_input(sources: &SourceMap, id: SourceId, max_nesting: usize) -> Input {
    let text = &sources.get(id).text;
    let scan = match grammar::scan(text, id, max_nesting, Cuts::None) {
        Ok(scan) => scan,
        Err(diagnostic) => return Input::Invalid(vec![diagnostic]),
    };
    let mut tokens = Lexer::new(text).filter(|token| token.kind != TokenKind::Comment);
    let Some(first) = tokens.next() else {
        return Input::Items {
            items: Vec::new(),
            warnings: scan.warnings,
        };
    };
    let word = &text[first.start..first.end];
    // `data` is not reserved: it starts a declaration only before `{`, and is a name elsewhere.
    let declaration = grammar::starts_declaration(word)
        && (word != "data"
            || tokens
                .next()
                .is_some_and(|next| &text[next.start..next.end] == "{"));
    let rule = if declaration {
        Rule::items
    } else {
        Rule::expr_input
    };
    match grammar::parse_rule(rule, text) {
        Ok(mut pairs) => {
            let pair = pairs
                .next()
                .expect("a successful parse of one rule yields one pair");
            match super::lower::lower_input(pair, id, max_nesting) {
                Ok(Input::Expr { expr, .. }) => Input::Expr {
                    expr,
                    warnings: scan.warnings,
                },
                Ok(Input::Items { items, .. }) => Input::Items {
                    items,
                    warnings: scan.warnings,
                },
                Ok(other) => other,
                Err(mut diagnostics) => {
                    diagnostics.extend(scan.warnings);
                    Input::Invalid(diagnostics)
                }
            }
        }
        Err(_) if grammar::fails_at_end(rule, text) && !has_bad_literal(text) => Input::Incomplete,
        Err(error) => {
            let mut diagnostics = vec![grammar::syntax_error(&error, text, id, max_nesting)];
            diagnostics.extend(scan.warnings);
            Input::Invalid(diagnostics)
        }
    }
}

/// Whether a text holds a literal that lowering rejects whatever comes after it: an integer
/// past the largest, a date that does not exist, a `\u{…}` escape that names no character.
/// A continuation starts on a new line, so it cannot change a literal already typed.
fn has_bad_literal(text: &str) -> bool {
    let tokens: Vec<grammar::Token> = Lexer::new(text).collect();
    let slice = |idx: usize| tokens.get(idx).map_or("", |token| &text[token.start..token.end]);
    let adjacent = |idx: usize| tokens[idx].end == tokens[idx + 1].start;
    let mut idx = 0;
    while idx < tokens.len() {
        let token = tokens[idx];
        let word = slice(idx);
        match token.kind {
            TokenKind::Word if word.starts_with(|ch: char| ch.is_ascii_digit()) => {
                let is_date = word.len() == 4
                    && idx + 4 < tokens.len()
                    && slice(idx + 1) == "-"
                    && slice(idx + 3) == "-"
                    && slice(idx + 2).len() == 2
                    && slice(idx + 4).len() == 2;
                let is_date = is_date && (idx..idx + 4).all(&adjacent);
                if is_date {
                    let date = &text[token.start..tokens[idx + 4].end];
                    if Date::parse(date).is_none() {
                        return true;
                    }
                    idx += 5;
                    continue;
                }
                let digits: String = word.chars().filter(|ch| *ch != '_').collect();
                // `-9223372036854775808` is the smallest integer: its digits alone are too large.
                let negated = idx > 0 && slice(idx - 1) == "-";
                if !negated
                    && digits.bytes().all(|byte| byte.is_ascii_digit())
                    && digits.parse::<i64>().is_err()
                {
                    return true;
                }
            }
            TokenKind::String { terminated: true } if word.contains("\\u{") => {
                let mut rest = word;
                while let Some(at) = rest.find("\\u{") {
                    rest = &rest[at + 3..];
                    let Some(close) = rest.find('}') else { break };
                    let named = u32::from_str_radix(&rest[..close], 16)
                        .ok()
                        .and_then(char::from_u32);
                    if named.is_none() {
                        return true;
                    }
                }
            }
            _ => {}
        }
        idx += 1;
    }
    false
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Debug, PartialEq, Eq)]
    enum Kind {
        Expr,
        Items(usize),
        Incomplete,
        Invalid,
    }

    fn kind(text: &str) -> Kind {
        let mut sources = SourceMap::new();
        let id = sources.add("<input>", text);
        match parse_input(&sources, id, super::super::DEFAULT_MAX_NESTING) {
            Input::Expr { .. } => Kind::Expr,
            Input::Items { items, .. } => Kind::Items(items.len()),
            Input::Incomplete => Kind::Incomplete,
            Input::Invalid(diagnostics) => {
                assert!(!diagnostics.is_empty(), "{text:?}: invalid without a diagnostic");
                Kind::Invalid
            }
        }
    }

    /// Every input of the table is classified as expected; every incomplete one is
    /// completed by the continuation given, and no continuation fixes an invalid one.
    fn check(table: &[(&str, Kind, &str)]) {
        for (text, expected, continuation) in table {
            assert_eq!(kind(text), *expected, "input: {text:?}");
            let joined = format!("{text}\n{continuation}");
            match expected {
                Kind::Incomplete => assert!(
                    matches!(kind(&joined), Kind::Expr | Kind::Items(_)),
                    "{text:?} is incomplete, but {continuation:?} does not complete it: {:?}",
                    kind(&joined)
                ),
                Kind::Invalid => assert_eq!(kind(&joined), Kind::Invalid, "{joined:?}"),
                _ => {}
            }
        }
    }

    #[test]
    fn expressions_and_declarations_are_told_apart() {
        check(&[
            ("t.item.lethal and t.to in NATO", Kind::Expr, ""),
            ("add_days(t.date, 30) > 2024-01-01", Kind::Expr, ""),
            ("-9223372036854775808", Kind::Expr, ""),
            ("let x = 3", Kind::Items(1), ""),
            ("let x = 3 let y = x", Kind::Items(2), ""),
            ("rule r: deny { when t.item.lethal }", Kind::Items(1), ""),
            (
                "record Item key id { id: Text, lethal: Bool }",
                Kind::Items(1),
                "",
            ),
            ("fn f(x: Int) -> Int = x + 1", Kind::Items(1), ""),
            ("test \"t\" { expect #1 deny by r }", Kind::Items(1), ""),
            ("data { Country { code: \"JP\" } }", Kind::Items(1), ""),
            ("data", Kind::Expr, ""),
            ("data.code == \"JP\"", Kind::Expr, ""),
            ("", Kind::Items(0), ""),
            ("  // only a comment", Kind::Items(0), ""),
        ]);
    }

    #[test]
    fn unfinished_input_is_incomplete_and_each_continuation_completes_it() {
        check(&[
            ("(t.a", Kind::Incomplete, ")"),
            ("f(1,", Kind::Incomplete, "2)"),
            ("{1, 2", Kind::Incomplete, "}"),
            ("\"open string", Kind::Incomplete, "\""),
            ("t.a and", Kind::Incomplete, "t.b"),
            ("1 +", Kind::Incomplete, "2"),
            ("t.to not in", Kind::Incomplete, "NATO"),
            ("t.to not", Kind::Incomplete, "in NATO"),
            ("t.a or not", Kind::Incomplete, "t.b"),
            ("let s = \"a long", Kind::Incomplete, "text\""),
            ("t.x is", Kind::Incomplete, "none"),
            ("if t.a then 1", Kind::Incomplete, "else 2"),
            ("if t.a", Kind::Incomplete, "then 1 else 2"),
            ("any c in t.to:", Kind::Incomplete, "c.ok"),
            ("t.a == // a comment", Kind::Incomplete, "1"),
            ("let x =", Kind::Incomplete, "3"),
            ("let x", Kind::Incomplete, "= 3"),
            ("rule r: deny", Kind::Incomplete, "{ when true }"),
            ("rule r: deny {", Kind::Incomplete, "when true }"),
            ("rule r: deny { when t.a", Kind::Incomplete, "}"),
            ("rule r: deny { oblige a,", Kind::Incomplete, "b }"),
            ("enum E { a,", Kind::Incomplete, "b }"),
            ("record R {", Kind::Incomplete, "x: Int }"),
            ("fn f(x: Int) -> Int", Kind::Incomplete, "= x"),
            ("test \"t\" {", Kind::Incomplete, "}"),
            ("let d = 2024-01-01 +", Kind::Incomplete, "1"),
        ]);
    }

    #[test]
    fn input_no_continuation_can_fix_is_invalid() {
        check(&[
            ("rule 3x", Kind::Invalid, ": deny {}"),
            ("rule rule", Kind::Invalid, ": deny {}"),
            ("t.a,", Kind::Invalid, "t.b"),
            ("t.a an", Kind::Invalid, "d t.b"),
            ("let not", Kind::Invalid, "in x = 1"),
            ("use std.", Kind::Invalid, "dates"),
            ("rule 3x \"abc", Kind::Invalid, "\""),
            ("\"a\\q", Kind::Invalid, "\""),
            ("t.a )", Kind::Invalid, ""),
            ("let x = 3 }", Kind::Invalid, ""),
            ("t.a && t.b", Kind::Invalid, ""),
            ("policy \"p\"", Kind::Invalid, "rule r: deny {}"),
            ("let x = 99999999999999999999 +", Kind::Invalid, "1"),
            ("(99999999999999999999", Kind::Invalid, ")"),
            ("(2024-02-30", Kind::Invalid, ")"),
            ("let d = 2024-02-30 +", Kind::Invalid, "1"),
            ("let s = \"\\u{D800}\" +", Kind::Invalid, "\"a\""),
            ("(((((1", Kind::Incomplete, ")))))"),
        ]);
    }

    /// Every prefix of valid input that ends between two tokens is valid or incomplete, never
    /// invalid, and the rest of the input on the next line completes it.
    #[test]
    fn no_prefix_of_valid_input_is_invalid() {
        let texts = [
            "record R key id { id: Text, s: Set<R>? }\nlet k = R[\"a\"]\n\
             fn f(x: Int) -> Bool = -x * 2 >= 1 and x not in {1}\n\
             rule r: deny { when any y in k.s: y.id == \"\\u{41}\" or not (y is none) // c\n\
             unless if a then b else c exception to q oblige o, p because \"b\" }\n\
             test \"t\" { R { id: \"a\", s: {unknown, none} } expect \"a\" undecided missing R[\"a\"].s }\n\
             decide t: R on t.id default deny cite \"c\" use std.dates enum E { a, b, }",
            "-t.x * 2 >= f(1, {2, 3}) and t.to not in NATO or any y in k.s: y.id == \"a\" and t.x is some",
        ];
        for text in texts {
            for token in Lexer::new(text) {
                let (prefix, rest) = text.split_at(token.end);
                // `std.dates` is one token to the grammar: no line break may go inside it.
                if prefix.ends_with("std") || prefix.ends_with("std.") {
                    continue;
                }
                let found = kind(prefix);
                assert!(
                    found == Kind::Incomplete || found == Kind::Expr || matches!(found, Kind::Items(_)),
                    "{prefix:?}: {found:?}"
                );
                assert_eq!(kind(&format!("{prefix}\n{rest}")), kind(text), "{prefix:?}");
            }
        }
    }

    #[test]
    fn nesting_past_the_limit_is_invalid_not_incomplete() {
        assert_eq!(kind(&"(".repeat(300)), Kind::Invalid);
    }

    #[test]
    fn an_expression_keeps_its_tree_and_spans() {
        let mut sources = SourceMap::new();
        let id = sources.add("<input>", "t.to in NATO");
        let Input::Expr { expr, warnings } = parse_input(&sources, id, 256) else {
            panic!("expected an expression");
        };
        assert!(warnings.is_empty());
        assert!(matches!(expr.kind, ast::ExprKind::Binary(..)), "{expr:?}");
        assert_eq!((expr.span.start, expr.span.end), (0, 12));
    }
}
