//! Semantic tokens for editors (analysis): every token of a text with what it is, from the
//! checker's index where a name is resolved, else from its lexical class.

use std::collections::{HashMap, HashSet};

use crate::check::ir::Builtin;
use crate::check::{Checked, DefKind};
use crate::source::{SourceId, Span};
use crate::syntax::{self, TokenClass};

/// What a token is, for an editor's colours.
#[derive(Copy, Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum TokenKind {
    /// A reserved word, or a word that starts a clause where it stands.
    Keyword,
    /// A rule's name.
    Rule,
    /// A record type's name.
    Record,
    /// An enum's name.
    Enum,
    /// A builtin type (`Int`, `Set`), or a type name that did not resolve.
    Type,
    /// A field of a record.
    Field,
    /// A function of the policy, a stdlib module or a builtin.
    Function,
    /// A constant (`let`).
    Constant,
    /// A variant of an enum.
    EnumMember,
    /// A function's parameter.
    Parameter,
    /// A quantified variable, the subject, or a name that did not resolve.
    Variable,
    /// An obligation's name.
    Obligation,
    /// A string literal.
    String,
    /// An integer literal.
    Number,
    /// A date literal.
    Date,
    /// A comment.
    Comment,
    /// An operator written with symbols.
    Operator,
}

/// Modifiers of a token, as a set of bits.
#[derive(Copy, Clone, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Modifiers(pub u8);

impl Modifiers {
    /// No modifier.
    pub const NONE: Modifiers = Modifiers(0);
    /// The name where it is defined.
    pub const DECLARATION: Modifiers = Modifiers(1);
    /// A name whose value cannot change: a constant, an enum member, anything of the stdlib.
    pub const READONLY: Modifiers = Modifiers(2);
    /// A name of the standard library or a builtin.
    pub const DEFAULT_LIBRARY: Modifiers = Modifiers(4);

    /// Whether every bit of `other` is set.
    pub fn contains(self, other: Modifiers) -> bool {
        self.0 & other.0 == other.0
    }

    /// Both sets of bits.
    #[must_use]
    pub fn with(self, other: Modifiers) -> Modifiers {
        Modifiers(self.0 | other.0)
    }
}

/// One token of a text: its span, what it is, and its modifiers.
#[derive(Copy, Clone, Debug, PartialEq, Eq)]
pub struct Token {
    /// Where it is.
    pub span: Span,
    /// What it is.
    pub kind: TokenKind,
    /// Its modifiers.
    pub modifiers: Modifiers,
}

/// Builtin type names.
const BUILTIN_TYPES: &[&str] = &["Bool", "Int", "Decimal", "Text", "Date", "Set", "List"];

/// The tokens of `text` (the text of `source`), in order, punctuation and blanks left out.
///
/// A name the checker resolved takes its kind from its definition (so a field and a rule of the
/// same name are told apart), `declaration` where it is defined, and `defaultLibrary` and
/// `readonly` when its definition is in one of `std_sources`; any other word takes its kind from
/// its lexical class ([`syntax::highlight`]), which works on any text, broken or not. `checked`
/// must be the program checked from this very text, or `None`.
pub fn semantic_tokens(
    checked: Option<&Checked>,
    text: &str,
    source: SourceId,
    std_sources: &HashSet<SourceId>,
) -> Vec<Token> {
    // What the index says of each name of this source, by its byte range.
    let mut resolved: HashMap<(u32, u32), (DefKind, Modifiers)> = HashMap::new();
    if let Some(checked) = checked {
        let index = &checked.index;
        let library = |span: Span| {
            if std_sources.contains(&span.source) {
                Modifiers::DEFAULT_LIBRARY.with(Modifiers::READONLY)
            } else {
                Modifiers::NONE
            }
        };
        for found in index.uses.iter().filter(|found| found.span.source == source) {
            let definition = index.definition(found.target);
            resolved.insert(
                (found.span.start, found.span.end),
                (definition.kind, library(definition.span)),
            );
        }
        for definition in index.definitions.iter().filter(|def| def.span.source == source) {
            resolved.insert(
                (definition.span.start, definition.span.end),
                (
                    definition.kind,
                    library(definition.span).with(Modifiers::DECLARATION),
                ),
            );
        }
    }
    let mut tokens = Vec::new();
    for (range, class) in syntax::highlight(text) {
        let span = Span::new(source, range.start, range.end);
        let word = &text[range];
        let (kind, modifiers) = match resolved.get(&(span.start, span.end)) {
            Some(&(def, modifiers))
                if matches!(
                    class,
                    TokenClass::Name | TokenClass::TypeName | TokenClass::Keyword
                ) =>
            {
                let (kind, readonly) = of_definition(def);
                let modifiers = if readonly {
                    modifiers.with(Modifiers::READONLY)
                } else {
                    modifiers
                };
                (kind, modifiers)
            }
            _ => match class {
                TokenClass::Keyword => (TokenKind::Keyword, Modifiers::NONE),
                TokenClass::String => (TokenKind::String, Modifiers::NONE),
                TokenClass::Number => (TokenKind::Number, Modifiers::NONE),
                TokenClass::Date => (TokenKind::Date, Modifiers::NONE),
                TokenClass::Comment => (TokenKind::Comment, Modifiers::NONE),
                TokenClass::Operator => (TokenKind::Operator, Modifiers::NONE),
                TokenClass::TypeName if BUILTIN_TYPES.contains(&word) => {
                    (TokenKind::Type, Modifiers::DEFAULT_LIBRARY)
                }
                TokenClass::TypeName => (TokenKind::Type, Modifiers::NONE),
                TokenClass::Name if Builtin::ALL.iter().any(|builtin| builtin.name() == word) => (
                    TokenKind::Function,
                    Modifiers::DEFAULT_LIBRARY.with(Modifiers::READONLY),
                ),
                TokenClass::Name => (TokenKind::Variable, Modifiers::NONE),
                TokenClass::Punctuation | TokenClass::Error => continue,
            },
        };
        tokens.push(Token {
            span,
            kind,
            modifiers,
        });
    }
    tokens
}

/// The token kind of a definition, and whether its value is fixed.
fn of_definition(kind: DefKind) -> (TokenKind, bool) {
    match kind {
        DefKind::Record => (TokenKind::Record, false),
        DefKind::Field => (TokenKind::Field, false),
        DefKind::Enum => (TokenKind::Enum, false),
        DefKind::Variant => (TokenKind::EnumMember, true),
        DefKind::Const => (TokenKind::Constant, true),
        DefKind::Function => (TokenKind::Function, false),
        DefKind::Param => (TokenKind::Parameter, false),
        DefKind::Quantified | DefKind::Subject => (TokenKind::Variable, false),
        DefKind::Obligation => (TokenKind::Obligation, false),
        DefKind::Rule => (TokenKind::Rule, false),
    }
}
