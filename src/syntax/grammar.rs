//! The pest parser derived from `grammar/pol.pest`, plain words for its rule names,
//! a small lexer over the raw text (nesting pre-scan, comments, error context), and
//! the one function that turns a pest error into a `Diagnostic`.

use std::borrow::Cow;
use std::sync::{Mutex, PoisonError};

use pest::Parser;
use pest::error::{Error, ErrorVariant, InputLocation};
use pest::iterators::Pair;
use pest_derive::Parser;

use super::messages::{self, Found, Hint};
use crate::diagnostic::Diagnostic;
use crate::source::{SourceId, Span};

/// The parser generated from the grammar (`grammar/pol.pest` and `grammar/checked.pest`): the
/// definitive one, whose errors users see.
#[derive(Parser)]
#[grammar = "../grammar/pol.pest"]
#[grammar = "../grammar/checked.pest"]
pub(crate) struct PolParser;

/// The parser tried first on a whole text or a piece of one: the same grammar with a few rules
/// written for speed (`grammar/unchecked.pest`), among them a name (`ident`) that lets through
/// every reserved word, which is cheaper to test (an operand still looks for the reserved words
/// that can start one before a name, as the definitive grammar does).
///
/// Where its tree holds no reserved word as a name, it is the tree [`PolParser`] gives: its other
/// rules match what the definitive ones match, and the two names differ only where a name is
/// tried at a reserved word. There the definitive name fails, and the parse goes back to the
/// nearest choice, option or repetition around it; the unchecked name matches, and then either
/// fails later, and the parse goes back to that same place, or stays in the tree (no name is
/// tried inside a lookahead). Lowering looks for reserved words among the names; a text with one,
/// or that fails to parse, is parsed again by [`PolParser`].
mod unchecked {
    use pest_derive::Parser;

    /// The parser with the unchecked name.
    #[derive(Parser)]
    #[grammar = "../grammar/pol.pest"]
    #[grammar = "../grammar/unchecked.pest"]
    pub(crate) struct UncheckedParser;
}

/// A rule of the unchecked parser.
pub(super) type UncheckedRule = unchecked::Rule;

/// A rule of either parser, read as a rule of the definitive one: both grammars have the same
/// rules in the same order, so lowering reads the pairs of either.
pub(super) trait Kind: pest::RuleType {
    /// The same rule of [`PolParser`].
    fn kind(self) -> Rule;
}

impl Kind for Rule {
    #[inline]
    fn kind(self) -> Rule {
        self
    }
}

impl Kind for UncheckedRule {
    #[inline]
    fn kind(self) -> Rule {
        // Both enums hold `EOI` first, which `all_rules` leaves out, then every rule of the
        // grammar in the order written.
        match (self as usize).checked_sub(1) {
            None => Rule::EOI,
            Some(idx) => Rule::all_rules()[idx],
        }
    }
}

/// The words the grammar reserves (its `keyword` rule): they can never be names.
pub(super) const RESERVED: &[&str] = &[
    "policy",
    "module",
    "use",
    "enum",
    "record",
    "let",
    "fn",
    "obligation",
    "decide",
    "default",
    "rule",
    "permit",
    "deny",
    "test",
    "expect",
    "and",
    "or",
    "not",
    "in",
    "is",
    "some",
    "none",
    "unknown",
    "any",
    "all",
    "if",
    "then",
    "else",
    "true",
    "false",
    "union",
    "intersect",
    "without",
    "subset",
];

/// Whether a word is one of [`RESERVED`]; a `match` is faster than a search of the list,
/// and the pre-scan asks for every word of the text.
pub(super) fn is_reserved(word: &str) -> bool {
    matches!(
        word,
        "policy"
            | "module"
            | "use"
            | "enum"
            | "record"
            | "let"
            | "fn"
            | "obligation"
            | "decide"
            | "default"
            | "rule"
            | "permit"
            | "deny"
            | "test"
            | "expect"
            | "and"
            | "or"
            | "not"
            | "in"
            | "is"
            | "some"
            | "none"
            | "unknown"
            | "any"
            | "all"
            | "if"
            | "then"
            | "else"
            | "true"
            | "false"
            | "union"
            | "intersect"
            | "without"
            | "subset"
    )
}

/// Words that start a top-level declaration (plus `source`, which may follow the header).
const DECLARATION_WORDS: &[&str] = &[
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
    "data",
    "source",
];

/// Words that start a clause inside a rule's braces.
const CLAUSE_WORDS: &[&str] = &[
    "when",
    "unless",
    "because",
    "cite",
    "oblige",
    "effective",
    "until",
    "exception",
];

/// Tokens that can follow an operand inside an expression: infix and postfix operators.
const OPERATOR_TOKENS: &[&str] = &[
    "or",
    "and",
    "==",
    "!=",
    "<",
    "<=",
    ">",
    ">=",
    "not",
    "in",
    "subset",
    "union",
    "without",
    "+",
    "-",
    "intersect",
    "*",
    ".",
    "is",
    "(",
    "[",
];

/// Tokens that only an expression can start with (a prefix operator, a literal, a bracket).
const EXPRESSION_START_WORDS: &[&str] = &["if", "any", "all", "true", "false", "none"];

/// What the lexical pre-scan of a text finds: its comments and the places where it may be
/// cut into independently parsed pieces.
pub(super) struct Scan {
    /// The comment tokens, in order.
    pub comments: Vec<Token>,
    /// Byte offsets, in order, of the declaration keywords where the text may be cut
    /// (collected only when asked for, see [`Cuts`]).
    ///
    /// The declaration keywords (`rule`, `let`, `test`, …) are reserved and only ever start a
    /// declaration, which only ever appears at the top level of a module; so in a text that
    /// parses, each such offset outside every bracket starts a declaration, and no
    /// declaration before it reads past it.
    pub cuts: Vec<usize>,
    /// Warnings about what strings and comments hold (bidirectional control characters).
    pub warnings: Vec<Diagnostic>,
    /// With [`Cuts::Recover`], the lexical errors, each with the offset of the token it was
    /// found in: at most one between two cuts, since the scan of that piece stops counting
    /// there. Without it the first error ends the scan instead.
    pub errors: Vec<(usize, Diagnostic)>,
}

/// Which cut points the pre-scan collects.
#[derive(Copy, Clone, Debug, PartialEq, Eq)]
pub(super) enum Cuts {
    /// None: the text is parsed in one piece.
    None,
    /// Every declaration keyword outside every bracket and string: where a text that parses
    /// may be cut into pieces parsed on several threads.
    TopLevel,
    /// Those, and a declaration keyword other than `default` that starts a line inside a
    /// bracket left open (where it can only be a syntax error): where a text that does not
    /// parse is cut so that each declaration is parsed on its own. The scan then keeps going
    /// after a lexical error, and counts nesting afresh from each cut.
    Recover,
}

/// Runs the lexical pre-scan over a whole text: bounds its nesting so that pest, which
/// recurses once per nesting level, can never exhaust the stack, and finds the comments,
/// which the grammar skips. Also collects the [`Scan::cuts`] that `cuts` asks for.
pub(super) fn scan(text: &str, id: SourceId, max_nesting: usize, cuts: Cuts) -> Result<Scan, Diagnostic> {
    check_nesting(text, id, max_nesting, cuts)
}

/// Whether a word starts a declaration.
pub(super) fn starts_declaration(word: &str) -> bool {
    matches!(
        word,
        "rule"
            | "use"
            | "enum"
            | "record"
            | "let"
            | "fn"
            | "obligation"
            | "decide"
            | "default"
            | "test"
            | "data"
    )
}

/// Whether only spaces and tabs come between the start of the line and byte `pos`.
fn starts_line(text: &str, pos: usize) -> bool {
    let before = text[..pos].trim_end_matches([' ', '\t']);
    before.is_empty() || before.ends_with('\n')
}

/// Parses a whole module into its `module` pair, or returns the one syntax error.
///
/// The text must have passed [`scan`] with the same limit first.
pub(super) fn parse_tree(text: &str, id: SourceId, max_nesting: usize) -> Result<Pair<'_, Rule>, Diagnostic> {
    match parse_rule(Rule::module, text) {
        Ok(mut pairs) => Ok(pairs
            .next()
            .expect("a successful parse of `module` yields one `module` pair")),
        Err(error) => Err(syntax_error(&error, text, id, max_nesting)),
    }
}

/// Parses the one declaration (`Rule::declaration`) or header (`Rule::header_only`) that
/// starts `text`, or returns its syntax error, with spans in `text`.
///
/// `text` runs to the end of the source, so that an error reads as it does in the whole
/// module; the piece up to the next cut must have passed [`scan`] with the same limit.
pub(super) fn parse_declaration(
    rule: Rule,
    text: &str,
    id: SourceId,
    max_nesting: usize,
) -> Result<Pair<'_, Rule>, Diagnostic> {
    match parse_rule(rule, text) {
        Ok(mut pairs) => Ok(pairs
            .next()
            .expect("a successful parse of one rule yields one pair")),
        Err(error) => Err(syntax_error(&error, text, id, max_nesting)),
    }
}

/// Parses `text` as a `rule`; on failure, parses it again with pest's error detail on.
pub(super) fn parse_rule(rule: Rule, text: &str) -> Result<pest::iterators::Pairs<'_, Rule>, Error<Rule>> {
    match PolParser::parse(rule, text) {
        Ok(pairs) => Ok(pairs),
        Err(error) => match parse_with_detail(rule, text) {
            Err(detailed) => Err(detailed),
            Ok(_) => Err(error),
        },
    }
}

/// Held while pest's error detail is on. The switch is process-wide, so parses that need it
/// take turns, and it is turned off again after each: left on, it would make every later parse
/// in a long-running process (a language server) about twice as slow.
static ERROR_DETAIL: Mutex<()> = Mutex::new(());

/// Turns pest's error detail off when dropped, even if the parse it was on for unwinds.
struct DetailOn;

impl Drop for DetailOn {
    fn drop(&mut self) {
        pest::set_error_detail(false);
    }
}

/// Parses `text` as a `rule` with pest's detailed attempts (the tokens it expected), which make
/// parsing about twice as slow. A parse that starts on another thread meanwhile only becomes
/// slower, never different: its result is used whole or, if it fails, parsed again here.
fn parse_with_detail(rule: Rule, text: &str) -> Result<pest::iterators::Pairs<'_, Rule>, Error<Rule>> {
    let _turn = ERROR_DETAIL.lock().unwrap_or_else(PoisonError::into_inner);
    pest::set_error_detail(true);
    let _off = DetailOn;
    PolParser::parse(rule, text)
}

/// Whether a text that fails to parse as `rule` fails only because it ends too soon: a next
/// line may complete it.
///
/// The text is parsed again with a line break and a character no token starts with (`@`)
/// after it: if the parser gets as far as that character, everything before it was a valid
/// start. An atomic token that goes on past a line break (a string, `not in`) would swallow
/// that character or fail where it starts, so a text that ends in one gets the end of that
/// token first (`"`, `in x`).
pub(super) fn fails_at_end(rule: Rule, text: &str) -> bool {
    let last = Lexer::new(text)
        .filter(|token| token.kind != TokenKind::Comment)
        .last();
    // A trailing `not` may be a prefix operator, or the start of `not in`.
    let probes: &[&str] = match last {
        Some(token) if token.kind == (TokenKind::String { terminated: false }) => &["\""],
        Some(token) if &text[token.start..token.end] == "not" => &["", "\nin x"],
        _ => &[""],
    };
    probes.iter().any(|probe| {
        let longer = format!("{text}{probe}\n@");
        let sentinel = longer.len() - 1;
        match parse_rule(rule, &longer) {
            Ok(_) => false,
            Err(error) => {
                if matches!(error.variant, ErrorVariant::CustomError { .. }) {
                    return false;
                }
                let location = match error.location {
                    InputLocation::Pos(pos) => pos,
                    InputLocation::Span((start, _)) => start,
                };
                let reached = error.parse_attempts().map_or(0, |attempts| attempts.max_position);
                location.max(reached) >= sentinel
            }
        }
    })
}

/// Parses one piece of a text cut at [`Scan::cuts`]: the first piece as a `module` (header
/// and declarations), any other as `items` (declarations only), with the unchecked parser.
/// `None` if it does not parse; no error is built, since the caller then parses the whole text
/// again with [`parse_tree`]. The piece's comments must be blank ([`without_comments`]).
pub(super) fn parse_piece(piece: &str, first: bool) -> Option<Pair<'_, UncheckedRule>> {
    let pairs = if first {
        unchecked::UncheckedParser::parse(UncheckedRule::module, piece)
    } else {
        unchecked::UncheckedParser::parse(UncheckedRule::items, piece)
    };
    pairs.ok()?.next()
}

/// `text` with each comment of `comments` (the pre-scan's) made spaces, byte for byte, for the
/// unchecked parser, whose whitespace has no comments (grammar/unchecked.pest): a comment then
/// costs that parser nothing, and a run of whitespace ends without a failed attempt at one. A
/// comment already blank (in the body of a `data` block read by hand) is left alone. The text
/// itself when it has no comment.
pub(super) fn without_comments<'t>(text: &'t str, comments: &[Token]) -> Cow<'t, str> {
    let mut comments = comments
        .iter()
        .filter(|comment| text.as_bytes().get(comment.start) == Some(&b'/'))
        .peekable();
    if comments.peek().is_none() {
        return Cow::Borrowed(text);
    }
    let mut blank = String::with_capacity(text.len());
    let mut copied = 0;
    for comment in comments {
        blank.push_str(&text[copied..comment.start]);
        blank.extend(std::iter::repeat_n(' ', comment.end - comment.start));
        copied = comment.end;
    }
    blank.push_str(&text[copied..]);
    Cow::Owned(blank)
}

/// Parses a whole text as a `module` with the unchecked parser, or `None` if it does not parse:
/// its tree may hold reserved words as names, which lowering must refuse. The text's comments
/// must be blank ([`without_comments`]).
pub(super) fn parse_unchecked(text: &str) -> Option<Pair<'_, UncheckedRule>> {
    unchecked::UncheckedParser::parse(UncheckedRule::module, text)
        .ok()?
        .next()
}

/// Plain words for a rule, as users see it in "expected …".
///
/// Keep this table in step with `grammar/pol.pest`: the match is exhaustive, so a new
/// rule does not compile until it has words here.
pub(super) fn describe(rule: Rule) -> &'static str {
    match rule {
        Rule::EOI => "end of file",
        Rule::WHITESPACE => "a space",
        Rule::COMMENT | Rule::comment_text => "a comment",
        Rule::bom => "a byte order mark",
        Rule::keyword | Rule::operand_word => "a reserved word",
        Rule::ident | Rule::ident_char | Rule::named | Rule::named_type => "a name",
        Rule::date => "a date (YYYY-MM-DD)",
        Rule::int | Rule::position => "a number",
        Rule::decimal => "a decimal number",
        Rule::string | Rule::string_char => "a string in double quotes",
        Rule::kw_policy => "`policy`",
        Rule::kw_module => "`module`",
        Rule::kw_source => "`source`",
        Rule::kw_use => "`use`",
        Rule::kw_enum => "`enum`",
        Rule::kw_record => "`record`",
        Rule::kw_key => "`key`",
        Rule::kw_let => "`let`",
        Rule::kw_fn => "`fn`",
        Rule::kw_obligation => "`obligation`",
        Rule::kw_decide => "`decide`",
        Rule::kw_on => "`on`",
        Rule::kw_default => "`default`",
        Rule::kw_rule => "`rule`",
        Rule::kw_permit => "`permit`",
        Rule::kw_deny => "`deny`",
        Rule::kw_when => "`when`",
        Rule::kw_unless => "`unless`",
        Rule::kw_because => "`because`",
        Rule::kw_cite => "`cite`",
        Rule::kw_oblige => "`oblige`",
        Rule::kw_effective => "`effective`",
        Rule::kw_until => "`until`",
        Rule::kw_exception => "`exception`",
        Rule::kw_to => "`to`",
        Rule::kw_test => "`test`",
        Rule::kw_data => "`data`",
        Rule::kw_alias => "`alias`",
        Rule::kw_as => "`as`",
        Rule::kw_of => "`of`",
        Rule::kw_expect => "`expect`",
        Rule::kw_by => "`by`",
        Rule::kw_missing => "`missing`",
        Rule::kw_undecided => "`undecided`",
        Rule::kw_and => "`and`",
        Rule::kw_or => "`or`",
        Rule::kw_not => "`not`",
        Rule::kw_in => "`in`",
        Rule::kw_is => "`is`",
        Rule::kw_some => "`some`",
        Rule::kw_none => "`none`",
        Rule::kw_unknown => "`unknown`",
        Rule::kw_any => "`any`",
        Rule::kw_all => "`all`",
        Rule::kw_if => "`if`",
        Rule::kw_then => "`then`",
        Rule::kw_else => "`else`",
        Rule::kw_true => "`true`",
        Rule::kw_false => "`false`",
        Rule::kw_union => "`union`",
        Rule::kw_intersect => "`intersect`",
        Rule::kw_without => "`without`",
        Rule::kw_subset => "`subset`",
        Rule::module => "a `policy` or `module` file",
        Rule::items => "declarations",
        Rule::declaration | Rule::item_start => "a declaration",
        Rule::header_only => "`policy` or `module`",
        Rule::expr_input => "an expression",
        Rule::header | Rule::header_kind => "`policy` or `module`",
        Rule::source_clause => "`source`",
        Rule::item => "a declaration",
        Rule::use_decl => "`use`",
        Rule::std_path => "a module path such as `std.dates`",
        Rule::enum_decl => "`enum`",
        Rule::record_decl => "`record`",
        Rule::key_clause => "`key`",
        Rule::alias_clause => "`alias`",
        Rule::key_fields => "the fields of a compound key (`(a, b)`)",
        Rule::data_decl => "`data`",
        Rule::read_body => "a `data` block",
        Rule::read_fact => "a fact",
        Rule::field_decl => "a field (`name: Type`)",
        Rule::type_expr | Rule::set_type | Rule::list_type => "a type",
        Rule::optional_mark => "`?`",
        Rule::let_decl => "`let`",
        Rule::fn_decl => "`fn`",
        Rule::param => "a parameter (`name: Type`)",
        Rule::obligation_decl => "`obligation`",
        Rule::decide_decl => "`decide`",
        Rule::default_decl => "`default`",
        Rule::effect => "`permit` or `deny`",
        Rule::rule_decl => "`rule`",
        Rule::rule_clause => "a rule clause",
        Rule::when_clause => "`when`",
        Rule::unless_clause => "`unless`",
        Rule::because_clause => "`because`",
        Rule::cite_clause => "`cite`",
        Rule::oblige_clause => "`oblige`",
        Rule::effective_clause => "`effective`",
        Rule::until_clause => "`until`",
        Rule::exception_clause => "`exception`",
        Rule::test_decl => "`test`",
        Rule::as_of_clause => "`as of`",
        Rule::fact_decl => "a fact (`Record { … }`)",
        Rule::fact_field => "a field (`name: value`)",
        Rule::fact_value | Rule::fact_set => "a value",
        Rule::negative_int => "an integer",
        Rule::negative_decimal => "a decimal number",
        Rule::fact_record => "a nested record (`Record { … }`)",
        Rule::unknown_lit => "`unknown`",
        Rule::none_lit => "`none`",
        Rule::expect_decl => "`expect`",
        Rule::subject_ref => "a subject (`\"key\"` or `#1`)",
        Rule::expect_by => "`by`",
        Rule::expect_oblige => "`oblige`",
        Rule::expect_undecided => "`undecided`",
        Rule::fact_path => "a fact path such as `Country[\"UA\"].in_combat`",
        Rule::expr | Rule::expr_no_colon | Rule::primary | Rule::literal => "an expression",
        Rule::infix_op | Rule::prefix_op | Rule::postfix_op => "an operator",
        Rule::field_op => "`.`",
        Rule::is_some_op => "`is some`",
        Rule::is_none_op => "`is none`",
        Rule::bool_lit => "`true` or `false`",
        Rule::set_literal => "a set (`{a, b}`)",
        Rule::key_ref => "a key reference (`Record[\"key\"]`)",
        Rule::key_lookup => "a lookup by key (`Record[a, b]`)",
        Rule::call => "a call",
        Rule::paren => "`(`",
        Rule::quantifier | Rule::quantifier_kind => "`any` or `all`",
        Rule::if_expr => "`if`",
        // Silent rules produce no pairs and no error entries; they are listed so the
        // match stays exhaustive.
        Rule::w_policy
        | Rule::w_module
        | Rule::w_source
        | Rule::w_use
        | Rule::w_enum
        | Rule::w_record
        | Rule::w_key
        | Rule::w_let
        | Rule::w_fn
        | Rule::w_obligation
        | Rule::w_decide
        | Rule::w_on
        | Rule::w_default
        | Rule::w_rule
        | Rule::w_permit
        | Rule::w_deny
        | Rule::w_when
        | Rule::w_unless
        | Rule::w_because
        | Rule::w_cite
        | Rule::w_oblige
        | Rule::w_effective
        | Rule::w_until
        | Rule::w_exception
        | Rule::w_to
        | Rule::w_test
        | Rule::w_data
        | Rule::w_alias
        | Rule::w_as
        | Rule::w_of
        | Rule::w_expect
        | Rule::w_by
        | Rule::w_missing
        | Rule::w_undecided
        | Rule::w_and
        | Rule::w_or
        | Rule::w_not
        | Rule::w_in
        | Rule::w_is
        | Rule::w_some
        | Rule::w_none
        | Rule::w_unknown
        | Rule::w_any
        | Rule::w_all
        | Rule::w_if
        | Rule::w_then
        | Rule::w_else
        | Rule::w_true
        | Rule::w_false
        | Rule::w_union
        | Rule::w_intersect
        | Rule::w_without
        | Rule::w_subset => "a keyword",
    }
}

// ---------------------------------------------------------------- lexer

/// The kind of a lexical token.
#[derive(Copy, Clone, Debug, PartialEq, Eq)]
pub(super) enum TokenKind {
    /// ASCII letters, digits and `_`: a name, a keyword or a number.
    Word,
    /// A string literal; `terminated` is false when the text ends inside it.
    String { terminated: bool },
    /// `//` to the end of the line, without the line break.
    Comment,
    /// ASCII punctuation, with `==`, `!=`, `<=`, `>=`, `->`, `&&` and `||` as one token.
    Punct,
    /// One character outside strings and comments that is not ASCII, or an ASCII control
    /// character that is neither whitespace nor a CR LF pair.
    Other,
}

/// A token of the lexical scan: its kind and byte range.
#[derive(Copy, Clone, Debug, PartialEq, Eq)]
pub(super) struct Token {
    /// What it is.
    pub kind: TokenKind,
    /// Byte offset of its first byte.
    pub start: usize,
    /// Byte offset one past its last byte.
    pub end: usize,
}

/// A lexical scan of Pol text that agrees with the grammar on what is whitespace,
/// a comment or a string, so that brackets and words inside those are never seen.
pub(super) struct Lexer<'a> {
    text: &'a str,
    pos: usize,
}

#[cfg(test)]
thread_local! {
    /// How many lexers started at the start of a text on this thread, for tests of how often a
    /// text is lexed.
    static LEXERS: std::cell::Cell<usize> = const { std::cell::Cell::new(0) };
}

/// How many lexers started at the start of a text on this thread so far.
#[cfg(test)]
pub(super) fn n_lexers() -> usize {
    LEXERS.with(std::cell::Cell::get)
}

impl<'a> Lexer<'a> {
    /// A lexer from the start of `text`.
    pub fn new(text: &'a str) -> Lexer<'a> {
        #[cfg(test)]
        LEXERS.with(|n| n.set(n.get() + 1));
        Lexer { text, pos: 0 }
    }

    /// A lexer from byte `pos` of `text`, which must be where a token may start.
    pub fn at(text: &'a str, pos: usize) -> Lexer<'a> {
        Lexer { text, pos }
    }
}

/// Whether the grammar may skip this character as whitespace (a carriage return only
/// before a line feed, a byte order mark only at the start of the text).
fn is_whitespace(ch: char) -> bool {
    matches!(ch, ' ' | '\t' | '\r' | '\n' | '\u{FEFF}')
}

/// The byte order mark, skipped as whitespace at the very start of a text only.
const BOM: &str = "\u{FEFF}";

/// The end of the whitespace that starts at byte `pos` of `bytes`: spaces, tabs, line feeds,
/// CR LF pairs, and a byte order mark at position 0. A lone carriage return or a later byte
/// order mark is left for a token of its own.
fn whitespace_end(bytes: &[u8], mut pos: usize) -> usize {
    if pos == 0 && bytes.starts_with(BOM.as_bytes()) {
        pos = BOM.len();
    }
    while let Some(&byte) = bytes.get(pos) {
        match byte {
            b' ' | b'\t' | b'\n' => pos += 1,
            b'\r' if bytes.get(pos + 1) == Some(&b'\n') => pos += 2,
            _ => break,
        }
    }
    pos
}

/// Per byte, whether it may be part of a word: one load per byte where the pre-scan reads words,
/// rather than three range tests.
static WORD_BYTES: [bool; 256] = {
    let mut table = [false; 256];
    let mut byte = 0;
    while byte < 256 {
        table[byte] = (byte as u8).is_ascii_alphanumeric() || byte as u8 == b'_';
        byte += 1;
    }
    table
};

/// Whether a byte may be part of a word: an ASCII letter or digit, or `_`.
pub(super) fn is_word_byte(byte: u8) -> bool {
    WORD_BYTES[usize::from(byte)]
}

/// The end of the run of word bytes that starts at byte `pos` of `bytes`.
fn word_end(bytes: &[u8], pos: usize) -> usize {
    bytes
        .get(pos..)
        .and_then(|rest| rest.iter().position(|byte| !is_word_byte(*byte)))
        .map_or(bytes.len().max(pos), |len| pos + len)
}

/// The end of the string whose opening quote is at byte `start` of `text`, and whether it is
/// terminated.
fn string_end(text: &str, start: usize) -> (usize, bool) {
    let bytes = text.as_bytes();
    let mut idx = start + 1;
    let mut terminated = false;
    while let Some(&byte) = bytes.get(idx) {
        match byte {
            b'\\' => idx += 2,
            b'"' => {
                terminated = true;
                idx += 1;
                break;
            }
            _ => idx += 1,
        }
    }
    // Skipping the byte after a backslash can land inside a longer character; its continuation
    // bytes are never `\` or `"`, so no quote is missed, and the end is moved to the next
    // character boundary.
    let mut end = idx.min(bytes.len());
    while !text.is_char_boundary(end) {
        end += 1;
    }
    (end, terminated)
}

/// The end of the comment that starts at byte `start` of `text`: a comment ends at a line feed,
/// or at the CR of a CR LF; any other carriage return stays inside it, where the pre-scan
/// rejects it.
fn comment_end(text: &str, start: usize) -> usize {
    let bytes = text.as_bytes();
    let mut end = bytes[start..]
        .iter()
        .position(|byte| *byte == b'\n')
        .map_or(bytes.len(), |len| start + len);
    if end > start && bytes[end - 1] == b'\r' {
        end -= 1;
    }
    end
}

impl Iterator for Lexer<'_> {
    type Item = Token;

    fn next(&mut self) -> Option<Token> {
        let bytes = self.text.as_bytes();
        let start = whitespace_end(bytes, self.pos);
        self.pos = start;
        let first = *bytes.get(start)?;
        let kind = match first {
            _ if is_word_byte(first) => {
                self.pos = word_end(bytes, start + 1);
                TokenKind::Word
            }
            b'"' => {
                let (end, terminated) = string_end(self.text, start);
                self.pos = end;
                TokenKind::String { terminated }
            }
            b'/' if bytes.get(start + 1) == Some(&b'/') => {
                self.pos = comment_end(self.text, start);
                TokenKind::Comment
            }
            // A lone carriage return, a vertical tab or a form feed: some editors show a line
            // break, the grammar has none.
            b'\r' | 0x0B | 0x0C => {
                self.pos = start + 1;
                TokenKind::Other
            }
            _ if first.is_ascii() => {
                let long = match bytes.get(start + 1) {
                    Some(b'=') => matches!(first, b'=' | b'!' | b'<' | b'>'),
                    Some(b'>') => first == b'-',
                    Some(b'&') => first == b'&',
                    Some(b'|') => first == b'|',
                    _ => false,
                };
                self.pos = start + if long { 2 } else { 1 };
                TokenKind::Punct
            }
            _ => {
                let ch = self.text[start..].chars().next().expect("not at the end");
                self.pos = start + ch.len_utf8();
                TokenKind::Other
            }
        };
        Some(Token {
            kind,
            start,
            end: self.pos,
        })
    }
}

/// Whether any token of the grammar can start with this character.
fn starts_token(ch: char) -> bool {
    ch.is_ascii_alphanumeric() || "_\"#(){}[]<>=!+-*,.:?/".contains(ch) || is_whitespace(ch)
}

// ---------------------------------------------------------------- nesting pre-scan

/// One open bracket of the pre-scan, with what nests without brackets inside it.
#[derive(Default)]
struct Frame {
    /// The character that closes it: `)`, `]`, `}`, or `>` for `Set<`/`List<`.
    closer: u8,
    /// `if`, `any` and `all` words of the expression being read at this level.
    words: usize,
    /// Prefix `not`s since the last `and` or `or` of that expression.
    nots: usize,
    /// The current run of prefix `-`.
    negs: usize,
}

/// The state of the nesting pre-scan: open frames and their total weight.
struct Nesting {
    frames: Vec<Frame>,
    depth: usize,
}

impl Nesting {
    /// The state at the top level of a module: no bracket open, no expression read.
    fn new() -> Nesting {
        Nesting {
            frames: vec![Frame::default()],
            depth: 0,
        }
    }

    fn top(&mut self) -> &mut Frame {
        self.frames
            .last_mut()
            .expect("the outermost frame is never popped")
    }

    /// The expression at the current level ended: what nested in it stops counting.
    fn end_expression(&mut self) {
        let top = self.top();
        let weight = top.words + top.nots + top.negs;
        (top.words, top.nots, top.negs) = (0, 0, 0);
        self.depth -= weight;
    }

    /// An infix operator: it closes the run of `-`, and `and`/`or` close the `not`s too.
    fn infix(&mut self, closes_nots: bool) {
        let top = self.top();
        let weight = top.negs + if closes_nots { top.nots } else { 0 };
        top.negs = 0;
        if closes_nots {
            top.nots = 0;
        }
        self.depth -= weight;
    }

    fn open(&mut self, closer: u8) {
        self.frames.push(Frame {
            closer,
            ..Frame::default()
        });
        self.depth += 1;
    }

    /// Closes the innermost frame closed by `closer` and any left open inside it;
    /// false if no such frame is open.
    fn close(&mut self, closer: u8) -> bool {
        let Some(idx) = self
            .frames
            .iter()
            .skip(1)
            .rposition(|frame| frame.closer == closer)
        else {
            return false;
        };
        for frame in self.frames.drain(idx + 1..) {
            self.depth -= 1 + frame.words + frame.nots + frame.negs;
        }
        true
    }
}

/// Words that continue an expression after an operand: infix operators, `is`, and the
/// later keywords of `if` and of a quantifier.
const CONTINUING_WORDS: &[&str] = &[
    "or",
    "and",
    "not",
    "in",
    "is",
    "subset",
    "union",
    "without",
    "intersect",
    "then",
    "else",
];

/// Bounds how deeply the text nests before pest sees it.
///
/// pest recurses once per bracket and once per `if`, `any` or `all` (whose last branch
/// or body extends to the end of its expression, so they nest without brackets), so the
/// bound is the number of open brackets (`(`, `[`, `{`, and `<` after `Set` or `List`)
/// plus, at each bracket level, the `if`, `any` and `all` words of the expression being
/// read there. An expression ends at a `,`, or where an operand is followed by a token
/// that cannot continue it (a name, a literal, a clause keyword); its words then stop
/// counting. Prefix operators count too (`not` until the next `and` or `or`, `-` until
/// its operand ends): pest repeats them without recursing, but the Pratt parser nests
/// them, and rejecting them here is faster than letting pest read them all first.
///
/// Returns the comment tokens of the text, in order, and with `find_cuts` the places where it
/// may be cut (see [`Scan::cuts`]).
fn check_nesting(text: &str, id: SourceId, max_nesting: usize, find_cuts: Cuts) -> Result<Scan, Diagnostic> {
    let mut nesting = Nesting::new();
    let mut comments = Vec::new();
    let mut cuts = Vec::new();
    let mut warnings = Vec::new();
    let mut errors = Errors {
        recover: find_cuts == Cuts::Recover,
        poisoned: false,
        list: Vec::new(),
    };
    let mut after_operand = false;
    let mut previous_word = "";
    let mut seen_token = false;
    for token in Lexer::new(text) {
        let slice = &text[token.start..token.end];
        let mut word = "";
        match token.kind {
            TokenKind::Comment => {
                if let Err(diagnostic) = check_hidden(text, id, token, &mut warnings) {
                    errors.fail(token.start, diagnostic)?;
                }
                comments.push(token);
                continue;
            }
            TokenKind::Other => {
                if let Err(diagnostic) = check_hidden(text, id, token, &mut warnings) {
                    errors.fail(token.start, diagnostic)?;
                }
                continue;
            }
            TokenKind::String { .. } => {
                if let Err(diagnostic) = check_hidden(text, id, token, &mut warnings) {
                    errors.fail(token.start, diagnostic)?;
                }
                if after_operand {
                    nesting.end_expression();
                }
                after_operand = true;
            }
            TokenKind::Word => {
                word = slice;
                // Inside a bracket only a recovering scan may cut, so most words are passed
                // over before their text is compared.
                let may_cut = match find_cuts {
                    Cuts::None => false,
                    Cuts::TopLevel => nesting.frames.len() == 1,
                    Cuts::Recover => true,
                };
                if may_cut && starts_declaration(word) {
                    // Outside every bracket the expression before ends here anyway, so
                    // counting afresh changes nothing. A recovering scan cuts only where a
                    // declaration may start: after what can end one (`rule rule:` is one
                    // broken rule, not two), or at the start of a line, even inside a bracket
                    // left open.
                    let top = nesting.frames.len() == 1;
                    let cut = match find_cuts {
                        Cuts::TopLevel => top,
                        _ if starts_line(text, token.start) => top || word != "default",
                        _ => {
                            top && (after_operand
                                || !seen_token
                                || ["permit", "deny"].contains(&previous_word))
                        }
                    };
                    if cut {
                        cuts.push(token.start);
                        nesting = Nesting::new();
                        after_operand = false;
                        errors.poisoned = false;
                    }
                }
                // Most words are names: every word this scan treats apart is reserved.
                let reserved = is_reserved(word);
                if after_operand {
                    if reserved && CONTINUING_WORDS.contains(&word) {
                        if word != "is" && word != "then" && word != "else" {
                            nesting.infix(word == "and" || word == "or");
                        }
                    } else {
                        nesting.end_expression();
                    }
                } else if reserved && word == "not" {
                    nesting.top().nots += 1;
                    nesting.depth += 1;
                }
                if reserved && matches!(word, "if" | "any" | "all") {
                    nesting.top().words += 1;
                    nesting.depth += 1;
                }
                after_operand = !reserved || matches!(word, "true" | "false" | "none" | "some" | "unknown");
            }
            TokenKind::Punct => match slice {
                "(" | "[" | "{" => {
                    if slice == "{" && after_operand {
                        nesting.end_expression();
                    }
                    nesting.open(match slice {
                        "(" => b')',
                        "[" => b']',
                        _ => b'}',
                    });
                    after_operand = false;
                }
                ")" | "]" | "}" => {
                    nesting.close(slice.as_bytes()[0]);
                    after_operand = true;
                }
                "<" if ["Set", "List"].contains(&previous_word) => {
                    nesting.open(b'>');
                    after_operand = false;
                }
                // A `>` with no `Set<` open is the comparison operator.
                ">" if nesting.close(b'>') => after_operand = true,
                "," => {
                    nesting.end_expression();
                    after_operand = false;
                }
                "?" => after_operand = true,
                "-" if !after_operand => {
                    nesting.top().negs += 1;
                    nesting.depth += 1;
                }
                "." => after_operand = false,
                _ => {
                    if after_operand {
                        nesting.infix(false);
                    }
                    after_operand = false;
                }
            },
        }
        previous_word = word;
        seen_token = true;
        if nesting.depth > max_nesting {
            errors.fail(
                token.start,
                messages::nesting_too_deep(max_nesting, Span::new(id, token.start, token.end)),
            )?;
        }
    }
    Ok(Scan {
        comments,
        cuts,
        warnings,
        errors: errors.list,
    })
}

/// The lexical errors of a scan: the first ends a scan that does not recover; a recovering
/// one keeps the first of each piece and goes on.
struct Errors {
    recover: bool,
    /// An error was kept since the last cut.
    poisoned: bool,
    list: Vec<(usize, Diagnostic)>,
}

impl Errors {
    fn fail(&mut self, at: usize, diagnostic: Diagnostic) -> Result<(), Diagnostic> {
        if !self.recover {
            return Err(diagnostic);
        }
        if !self.poisoned {
            self.poisoned = true;
            self.list.push((at, diagnostic));
        }
        Ok(())
    }
}

/// Whether a character is a bidirectional control: an embedding, override or isolate
/// (U+202A–U+202E, U+2066–U+2069) or an invisible mark (U+200E, U+200F, U+061C).
fn is_bidi_control(ch: char) -> bool {
    matches!(ch, '\u{202A}'..='\u{202E}' | '\u{2066}'..='\u{2069}' | '\u{200E}' | '\u{200F}' | '\u{061C}')
}

/// Rejects, in a comment or outside strings, the characters that can make a text look
/// different from what Pol reads: those some editors show as a line break (E0108) and a
/// byte order mark past the start (E0109). Warns (W0010) about the first bidirectional
/// control character of a string or comment; outside them, the parser rejects it.
fn check_hidden(
    text: &str,
    id: SourceId,
    token: Token,
    warnings: &mut Vec<Diagnostic>,
) -> Result<(), Diagnostic> {
    let slice = &text[token.start..token.end];
    // Most tokens are plain ASCII: one pass over the bytes settles them.
    if slice
        .bytes()
        .all(|byte| byte.is_ascii() && !matches!(byte, b'\r' | 0x0B | 0x0C))
    {
        return Ok(());
    }
    let in_string = matches!(token.kind, TokenKind::String { .. });
    let in_comment = token.kind == TokenKind::Comment;
    let mut warned = false;
    for (offset, ch) in slice.char_indices() {
        let span = Span::new(id, token.start + offset, token.start + offset + ch.len_utf8());
        match ch {
            '\r' | '\u{0B}' | '\u{0C}' | '\u{85}' | '\u{2028}' | '\u{2029}' if !in_string => {
                return Err(messages::ambiguous_line_break(ch, in_comment, span));
            }
            '\u{FEFF}' if !in_string => return Err(messages::stray_byte_order_mark(in_comment, span)),
            _ if !warned && (in_string || in_comment) && is_bidi_control(ch) => {
                warned = true;
                warnings.push(messages::bidi_control(ch, in_comment, span));
            }
            _ => {}
        }
    }
    Ok(())
}

// ---------------------------------------------------------------- syntax errors

/// One thing the parser would have accepted, grouped for the message.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord)]
enum Want {
    Name,
    Expression,
    Text,
    Number,
    Phrase(&'static str),
    Declaration,
    Clause,
    Operator,
    Token(String),
    EndOfFile,
}

impl Want {
    fn words(&self) -> String {
        match self {
            Want::Name => "a name".to_owned(),
            Want::Expression => "an expression".to_owned(),
            Want::Text => "a string in double quotes".to_owned(),
            Want::Number => "a number".to_owned(),
            Want::Phrase(words) => (*words).to_owned(),
            Want::Token(token) => format!("`{token}`"),
            Want::Declaration => "a declaration".to_owned(),
            Want::Clause => "a rule clause".to_owned(),
            Want::Operator => "an operator".to_owned(),
            Want::EndOfFile => "end of file".to_owned(),
        }
    }

    fn is_closer(&self) -> bool {
        matches!(self, Want::Token(token) if ["}", ")", "]", ">"].contains(&token.as_str()))
    }
}

/// A token pest tried at the farthest position it reached.
///
/// pest's own `ParsingToken` is public but not exported, so it cannot be named or
/// matched; it is read through its `Debug` (for the variant) and `Display` (for the text).
#[derive(Clone, Debug, PartialEq, Eq)]
enum Tried {
    /// A literal string of the grammar, such as `:` or `permit`.
    Literal(String),
    /// A character range, such as `a..z`.
    Range(char, char),
}

impl Tried {
    fn from_pest(token: &(impl std::fmt::Debug + std::fmt::Display)) -> Option<Tried> {
        let variant = format!("{token:?}");
        let text = token.to_string();
        if variant.starts_with("Sensitive") || variant.starts_with("Insensitive") {
            Some(Tried::Literal(text))
        } else if variant.starts_with("Range") {
            let mut ends = text.split("..").filter_map(|end| end.chars().next());
            Some(Tried::Range(ends.next()?, ends.next()?))
        } else {
            None
        }
    }
}

/// Groups the tokens pest tried at the error position into a few wants.
///
/// `continues_word` says the position directly follows a letter, digit or `_`: the
/// character ranges pest tried there would only have made that word longer.
fn wants_from_tokens(tokens: &[Tried], continues_word: bool) -> Vec<Want> {
    let literals: Vec<&str> = tokens
        .iter()
        .filter_map(|token| match token {
            Tried::Literal(token) => Some(token.as_str()),
            Tried::Range(..) => None,
        })
        .collect();
    // An expression can always start with `if`, and an operator can always follow an
    // operand with `==`: these tell the two expression positions apart from places
    // where the same tokens are plain punctuation (`Record[#1].field`).
    let expression = literals.contains(&"if");
    let after_operand = literals.contains(&"==");
    let letters = tokens
        .iter()
        .any(|token| matches!(token, Tried::Range(start, _) if start.is_ascii_alphabetic()));
    let mut wants = Vec::new();
    for token in tokens {
        let want = match token {
            // Whitespace is written as ranges in the grammar; like the literals below, never worth saying.
            Tried::Range(start, _) if is_whitespace(*start) => continue,
            Tried::Literal(token) if token == "_" && continues_word => continue,
            Tried::Range(..) if continues_word => continue,
            Tried::Literal(token) => match token.as_str() {
                " " | "\t" | "\r" | "\n" | "\r\n" | "\u{feff}" | "//" => continue,
                "_" if expression => Want::Expression,
                "_" => Want::Name,
                "\"" if expression => Want::Expression,
                "\"" => Want::Text,
                "(" | "{" | "-" | "not" if expression => Want::Expression,
                token if expression && EXPRESSION_START_WORDS.contains(&token) => Want::Expression,
                token if after_operand && OPERATOR_TOKENS.contains(&token) => Want::Operator,
                token if DECLARATION_WORDS.contains(&token) => Want::Declaration,
                token if CLAUSE_WORDS.contains(&token) => Want::Clause,
                token => Want::Token(token.to_owned()),
            },
            Tried::Range(..) if expression => Want::Expression,
            Tried::Range(start, end) if start.is_ascii_digit() && end.is_ascii_digit() && !letters => {
                Want::Number
            }
            Tried::Range(..) => Want::Name,
        };
        wants.push(want);
    }
    if literals.contains(&"Set") && literals.contains(&"List") {
        wants.retain(|want| {
            !matches!(want, Want::Name)
                && !matches!(want, Want::Token(token) if token == "Set" || token == "List")
        });
        wants.push(Want::Phrase("a type"));
    }
    // Pairs of alternatives read best in their usual order.
    for (first, second) in [("permit", "deny"), ("policy", "module")] {
        if literals.contains(&first) && literals.contains(&second) {
            wants.retain(|want| !matches!(want, Want::Token(token) if token == first || token == second));
            wants.push(Want::Phrase(if first == "permit" {
                "`permit` or `deny`"
            } else {
                "`policy` or `module`"
            }));
        }
    }
    // A group of one keyword reads better as the keyword itself.
    for (group, words) in [
        (Want::Declaration, DECLARATION_WORDS),
        (Want::Clause, CLAUSE_WORDS),
    ] {
        let present: Vec<&&str> = words.iter().filter(|word| literals.contains(word)).collect();
        if let [only] = present.as_slice() {
            for want in wants.iter_mut().filter(|want| **want == group) {
                *want = Want::Token((**only).to_owned());
            }
        }
    }
    wants
}

/// Groups the rules pest expected at the error position into a few wants.
fn wants_from_rules(rules: &[Rule]) -> Vec<Want> {
    let names: Vec<&str> = rules
        .iter()
        .map(|rule| describe(*rule).trim_matches('`'))
        .collect();
    let declarations = names
        .iter()
        .filter(|name| DECLARATION_WORDS.contains(name))
        .count();
    // Only an expression can start with `if`, a quantifier or a set.
    let expression = rules.iter().any(|rule| {
        matches!(
            rule,
            Rule::if_expr | Rule::kw_if | Rule::quantifier_kind | Rule::set_literal
        )
    });
    let clauses = names.iter().filter(|name| CLAUSE_WORDS.contains(name)).count();
    rules
        .iter()
        .zip(&names)
        .map(|(rule, name)| match rule {
            Rule::EOI => Want::EndOfFile,
            Rule::ident
            | Rule::string
            | Rule::date
            | Rule::int
            | Rule::decimal
            | Rule::bool_lit
            | Rule::none_lit
            | Rule::kw_none
            | Rule::kw_true
            | Rule::kw_false
            | Rule::kw_any
            | Rule::kw_all
            | Rule::kw_not
            | Rule::kw_if
            | Rule::if_expr
            | Rule::quantifier
            | Rule::quantifier_kind
            | Rule::set_literal
            | Rule::key_ref
            | Rule::key_lookup
            | Rule::call
            | Rule::named
            | Rule::paren
            | Rule::prefix_op
                if expression =>
            {
                Want::Expression
            }
            Rule::ident => Want::Name,
            Rule::expr => Want::Expression,
            Rule::string => Want::Text,
            _ if declarations > 1 && DECLARATION_WORDS.contains(name) => Want::Declaration,
            _ if clauses > 1 && CLAUSE_WORDS.contains(name) => Want::Clause,
            _ if OPERATOR_TOKENS.contains(name)
                || describe(*rule) == "an operator"
                || matches!(rule, Rule::is_some_op | Rule::is_none_op) =>
            {
                Want::Operator
            }
            _ => Want::Phrase(describe(*rule)),
        })
        .collect()
}

/// Keeps the wants worth saying: sorted, without repeats, and without "an operator"
/// (always possible after an operand) when something more telling is expected.
fn simplify(mut wants: Vec<Want>, at_end: bool) -> Vec<Want> {
    wants.sort();
    wants.dedup();
    if wants.contains(&Want::Expression) {
        wants.retain(|want| !matches!(want, Want::Name | Want::Text | Want::Number));
    }
    if wants.iter().any(|want| *want != Want::Operator) {
        wants.retain(|want| *want != Want::Operator);
    }
    if at_end && wants.iter().any(Want::is_closer) {
        wants.retain(Want::is_closer);
    }
    wants
}

/// Joins wants as `a`, `a or b`, `a, b or c`.
fn join_wants(wants: &[Want]) -> String {
    let words: Vec<String> = wants.iter().map(Want::words).collect();
    match words.as_slice() {
        [] => "something else".to_owned(),
        [only] => only.clone(),
        [init @ .., last] => format!("{} or {last}", init.join(", ")),
    }
}

/// Where the expected token belongs, for "expected `:` after the rule name".
fn context(rule: Rule, want: &Want) -> Option<&'static str> {
    let Want::Token(token) = want else {
        return None;
    };
    Some(match (rule, token.as_str()) {
        (Rule::rule_decl, ":") => "after the rule name",
        (Rule::rule_decl, "{") => "after the rule's effect",
        (Rule::decide_decl, ":") => "after the subject's name",
        (Rule::field_decl, ":") => "after the field name",
        (Rule::fact_field, ":") => "after the field name",
        (Rule::param, ":") => "after the parameter name",
        (Rule::quantifier, ":") => "after the quantifier's set",
        (Rule::fn_decl, "(") => "after the function name",
        (Rule::fn_decl, "=") => "before the function body",
        (Rule::let_decl, "=") => "after the constant's name",
        (Rule::enum_decl, "{") => "after the enum name",
        (Rule::record_decl, "{") => "after the record name",
        (Rule::test_decl, "{") => "after the test name",
        // A keyword is tried through its own atomic rule, which is then the deepest.
        (Rule::kw_then, "then") => "after the condition",
        (Rule::kw_else, "else") => "after the `then` branch",
        (Rule::kw_to, "to") => "after `exception`",
        (Rule::kw_of, "of") => "after `as`",
        (Rule::kw_by, "by") => "after the expected effect",
        (Rule::kw_in, "in") => "after the quantifier's variable",
        _ => return None,
    })
}

/// Converts a pest error into one diagnostic in plain words.
///
/// pest reports two views of a failure: the rules expected where the last rule failed
/// (`ErrorVariant::ParsingError`), and, with error detail on, the literal tokens tried at
/// the farthest position reached (`parse_attempts`). The first is exact but coarse; the
/// second names tokens such as `:` but can land inside a word after a failed lookahead.
/// The message uses the second whenever it names something a user could write there,
/// and the first otherwise. A string, escape or character problem at the error position
/// gets its own code (`E0102`, `E0103`, `E0106`) instead of "expected …".
pub(super) fn syntax_error(error: &Error<Rule>, text: &str, id: SourceId, max_nesting: usize) -> Diagnostic {
    let location = match error.location {
        InputLocation::Pos(pos) => pos,
        InputLocation::Span((start, _)) => start,
    };
    let positives = match &error.variant {
        // A fact read by hand (`read_fact`) is never written as such: `fact_decl` says "a name".
        ErrorVariant::ParsingError { positives, .. } => positives
            .iter()
            .copied()
            .filter(|rule| *rule != Rule::read_fact)
            .collect::<Vec<_>>(),
        // pest's own guard against running out of stack: the stack, not `max_nesting`, ran out.
        ErrorVariant::CustomError { .. } => {
            return messages::parser_stack_exhausted(
                max_nesting,
                Span::new(id, location, location.min(text.len())),
            );
        }
    };
    let mut pos = location;
    let mut wants = simplify(wants_from_rules(&positives), false);
    let mut deepest: Vec<Rule> = Vec::new();
    if let Some(attempts) = error.parse_attempts() {
        let tokens: Vec<Tried> = attempts
            .expected_tokens()
            .iter()
            .filter_map(Tried::from_pest)
            .collect();
        let reached = attempts.max_position;
        let continues_word = text[..reached.min(text.len())]
            .bytes()
            .next_back()
            .is_some_and(is_word_byte);
        let token_wants = wants_from_tokens(&tokens, continues_word);
        let names_only = token_wants
            .iter()
            .all(|want| matches!(want, Want::Name | Want::Number));
        let usable = reached >= location && !token_wants.is_empty();
        // Letters tried past the error position come from a word-boundary lookahead
        // inside a keyword, not from something the user could write there.
        if usable && !(names_only && reached > location) {
            pos = reached;
            wants = token_wants;
            // The end of input is a rule (`EOI`), not a literal, so only the rules say so.
            if reached == location && positives.contains(&Rule::EOI) {
                wants.push(Want::EndOfFile);
            }
            // The deepest rules pest was in, to say where the expected token belongs.
            deepest = attempts
                .call_stacks()
                .into_iter()
                .filter_map(|stack| stack.deepest.get_rule().copied())
                .collect();
        }
    }

    // Find the token at the error position, and what is still open there.
    let mut open: Vec<Token> = Vec::new();
    let mut found = None;
    for token in Lexer::new(text) {
        if let TokenKind::String { terminated } = token.kind {
            if !terminated && token.start <= pos {
                return messages::unterminated_string(Span::new(id, token.start, token.start + 1));
            }
            if token.start < pos && pos < token.end {
                return invalid_escape(text, id, pos, token.end);
            }
        }
        if token.end <= pos {
            let slice = &text[token.start..token.end];
            match slice {
                "(" | "[" | "{" => open.push(token),
                ")" | "]" | "}" => {
                    open.pop();
                }
                _ => {}
            }
            continue;
        }
        if token.kind != TokenKind::Comment {
            found = Some(token);
            break;
        }
    }

    let Some(token) = found else {
        let wants = simplify(wants, true);
        let span = Span::new(id, text.len(), text.len());
        let hint = if wants
            .iter()
            .any(|want| matches!(want, Want::Phrase(p) if p.contains("`policy`")))
        {
            Some(Hint::Header)
        } else {
            None
        };
        let mut diagnostic = messages::syntax(&join_wants(&wants), None, Found::EndOfFile, span, hint);
        if let Some(opener) = open.last().filter(|_| wants.iter().any(Want::is_closer)) {
            let slice = &text[opener.start..opener.end];
            diagnostic = messages::never_closed(diagnostic, slice, Span::new(id, opener.start, opener.end));
        }
        return diagnostic;
    };

    let slice = &text[token.start..token.end];
    let span = Span::new(id, token.start, token.end);
    let first = slice.chars().next().expect("tokens are not empty");
    if !starts_token(first) {
        return invalid_character(text, id, token);
    }
    let after_operand = wants.contains(&Want::Operator);
    let wants = simplify(wants, false);
    let context = match wants.as_slice() {
        [only] => deepest.iter().find_map(|rule| context(*rule, only)),
        _ => None,
    };
    let hint = hint_for(slice, &wants, &open, after_operand);
    let found = if RESERVED.contains(&slice) && wants.contains(&Want::Name) {
        Found::ReservedWord(slice)
    } else if matches!(token.kind, TokenKind::String { .. }) {
        Found::String
    } else {
        Found::Token(slice)
    };
    messages::syntax(&join_wants(&wants), context, found, span, hint)
}

/// Advice for a token found where it cannot go.
fn hint_for(found: &str, wants: &[Want], open: &[Token], after_operand: bool) -> Option<Hint> {
    let expects = |phrase: &str| {
        wants.iter().any(|want| {
            want.words().contains(phrase) || *want == Want::Token(phrase.trim_matches('`').to_owned())
        })
    };
    let effect_expected = expects("`permit`") || expects("`deny`");
    if effect_expected && ["allow", "accept", "grant", "forbid", "reject", "refuse"].contains(&found) {
        return Some(Hint::Effect);
    }
    if RESERVED.contains(&found) && wants.contains(&Want::Name) {
        return Some(Hint::Reserved(found.to_owned()));
    }
    if expects("`policy`") {
        return Some(Hint::Header);
    }
    match found {
        "=" if after_operand => return Some(Hint::Compare),
        "!" => return Some(Hint::Logical("!", "not")),
        "}" | ")" | "]" if open.is_empty() => return Some(Hint::Unmatched(found.to_owned())),
        _ => {}
    }
    if wants.contains(&Want::Declaration) {
        let keyword = DECLARATION_WORDS.iter().find(|word| {
            found.len() > word.len()
                && found.starts_with(**word)
                && found.as_bytes()[word.len()].is_ascii_alphabetic()
        });
        if let Some(keyword) = keyword {
            return Some(Hint::SpaceAfter(keyword, found[keyword.len()..].to_owned()));
        }
    }
    None
}

/// The diagnostic for a character no token starts with.
fn invalid_character(text: &str, id: SourceId, token: Token) -> Diagnostic {
    let slice = &text[token.start..token.end];
    let span = Span::new(id, token.start, token.end);
    match slice {
        "&&" => return messages::c_operator("&&", "and", span),
        "||" => return messages::c_operator("||", "or", span),
        _ => {}
    }
    let ch = slice.chars().next().expect("tokens are not empty");
    let before = text[..token.start].chars().next_back();
    let after = text[token.end..].chars().next();
    let in_name = ch.is_alphabetic()
        && (before.is_some_and(|c| c.is_alphanumeric() || c == '_')
            || after.is_some_and(|c| c.is_alphanumeric() || c == '_'));
    messages::invalid_character(ch, in_name || ch.is_alphabetic(), lookalike(ch), span)
}

/// The ASCII character a non-ASCII one is easily mistaken for.
fn lookalike(ch: char) -> Option<char> {
    let code = u32::from(ch);
    // Fullwidth forms of `!` to `~` sit at a fixed offset from ASCII.
    if (0xFF01..=0xFF5E).contains(&code) {
        return char::from_u32(code - 0xFF01 + 0x21);
    }
    Some(match ch {
        'а' => 'a',
        'с' => 'c',
        'е' => 'e',
        'һ' => 'h',
        'і' => 'i',
        'ј' => 'j',
        'о' => 'o',
        'р' => 'p',
        'ѕ' => 's',
        'у' => 'y',
        'х' => 'x',
        'А' => 'A',
        'В' => 'B',
        'С' => 'C',
        'Е' => 'E',
        'Н' => 'H',
        'І' => 'I',
        'К' => 'K',
        'М' => 'M',
        'О' => 'O',
        'Р' => 'P',
        'Т' => 'T',
        'Х' => 'X',
        'ο' => 'o',
        'α' => 'a',
        'ν' => 'v',
        'Α' => 'A',
        'Β' => 'B',
        'Ε' => 'E',
        'Κ' => 'K',
        'Ο' => 'O',
        'Ρ' => 'P',
        'Τ' => 'T',
        '\u{201C}' | '\u{201D}' | '\u{201E}' => '"',
        '\u{2018}' | '\u{2019}' => '\'',
        '\u{2212}' | '\u{2013}' | '\u{2014}' => '-',
        '\u{00A0}' | '\u{2002}' | '\u{2003}' | '\u{2009}' | '\u{3000}' => ' ',
        _ => return None,
    })
}

/// The diagnostic for a backslash in a string that starts no escape the grammar knows.
fn invalid_escape(text: &str, id: SourceId, pos: usize, string_end: usize) -> Diagnostic {
    // pest stops at or just after the backslash; show it with what follows, up to a
    // closing `}` for a `\u{…}` attempt.
    let pos = if text[pos..].starts_with('\\') {
        pos
    } else {
        text[..pos].rfind('\\').unwrap_or(pos)
    };
    let rest = &text[pos..string_end.saturating_sub(1).max(pos)];
    let mut len = rest.chars().take(2).map(char::len_utf8).sum::<usize>();
    if rest.starts_with("\\u{") {
        len = rest.find('}').map_or(len, |idx| idx + 1).min(12);
        while !rest.is_char_boundary(len) {
            len -= 1;
        }
    }
    let escape = &rest[..len.min(rest.len())];
    messages::invalid_escape(escape, Span::new(id, pos, pos + escape.len()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn error_detail_is_on_only_while_a_failing_text_is_parsed_again() {
        let broken = "rule rule rule";
        let detailed = parse_rule(Rule::module, broken).unwrap_err();
        assert!(
            detailed.parse_attempts().is_some(),
            "the failing text is parsed with detail"
        );
        // No other detailed parse runs while the turn is held, so the switch is seen as the
        // last one left it.
        let _turn = ERROR_DETAIL.lock().unwrap_or_else(PoisonError::into_inner);
        let plain = PolParser::parse(Rule::module, broken).unwrap_err();
        assert!(
            plain.parse_attempts().is_none(),
            "later parses run without detail"
        );
    }
}
