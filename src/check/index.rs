//! The checker's use-to-definition index: every definition with its span, every use of a name
//! with what it refers to and its type, and the ranges where local names are visible.

use crate::source::Span;

use super::ir::TypeId;

/// Index of a definition in [`Index::definitions`].
#[derive(Copy, Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct DefId(pub u32);

impl DefId {
    /// The index as `usize`.
    pub fn idx(self) -> usize {
        self.0 as usize
    }
}

/// What a definition defines.
#[derive(Copy, Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum DefKind {
    /// A record type.
    Record,
    /// A field of a record type.
    Field,
    /// An enum type.
    Enum,
    /// A variant of an enum.
    Variant,
    /// A constant (`let`).
    Const,
    /// A function (`fn`).
    Function,
    /// A parameter of a function.
    Param,
    /// A variable bound by `any` or `all`.
    Quantified,
    /// The subject variable of `decide`.
    Subject,
    /// An obligation.
    Obligation,
    /// A rule.
    Rule,
}

impl DefKind {
    /// The kind as a word, for hover texts and completion details.
    pub fn as_str(self) -> &'static str {
        match self {
            DefKind::Record => "record",
            DefKind::Field => "field",
            DefKind::Enum => "enum",
            DefKind::Variant => "variant",
            DefKind::Const => "constant",
            DefKind::Function => "function",
            DefKind::Param => "parameter",
            DefKind::Quantified => "variable",
            DefKind::Subject => "subject",
            DefKind::Obligation => "obligation",
            DefKind::Rule => "rule",
        }
    }
}

/// One definition of a name.
#[derive(Clone, Debug)]
pub struct Definition {
    /// What it defines.
    pub kind: DefKind,
    /// Its name.
    pub name: String,
    /// The span of its name where it is defined.
    pub span: Span,
    /// The record a field belongs to, or the enum a variant belongs to.
    pub parent: Option<DefId>,
    /// Its type, where it has one and it checked: a field's, a constant's, a parameter's, a
    /// variable's, the subject's, a function's result; a record's or an enum's own type.
    pub ty: Option<TypeId>,
}

/// One use of a name.
#[derive(Copy, Clone, Debug)]
pub struct Use {
    /// The span of the name as written at the use.
    pub span: Span,
    /// The definition it refers to.
    pub target: DefId,
    /// The type of the name at the use (narrowed where a guard proves it some), if it checked.
    pub ty: Option<TypeId>,
}

/// A range of text where some local names are visible: a function's parameters in its body,
/// a quantified variable in its body, the subject in a rule or a `decide … on` date.
#[derive(Clone, Debug)]
pub struct ScopeRange {
    /// Where the names are visible.
    pub span: Span,
    /// The names visible there.
    pub names: Vec<DefId>,
}

/// Every definition, use and local scope of a checked program, across its modules.
#[derive(Clone, Debug, Default)]
pub struct Index {
    /// Definitions, in the order the checker met them.
    pub definitions: Vec<Definition>,
    /// Uses, sorted by source and position once checking ends.
    pub uses: Vec<Use>,
    /// Scopes of local names, sorted by source and start once checking ends.
    pub scopes: Vec<ScopeRange>,
    /// Whether nothing is recorded: `check::check` needs no index.
    off: bool,
}

impl Index {
    /// An index that records nothing, for a check whose caller needs none.
    pub(super) fn disabled() -> Index {
        Index {
            off: true,
            ..Index::default()
        }
    }

    /// Adds a definition and returns its id (a placeholder when the index is disabled).
    pub(super) fn define(&mut self, kind: DefKind, name: &str, span: Span, parent: Option<DefId>) -> DefId {
        if self.off {
            return DefId(0);
        }
        let id = DefId(self.definitions.len() as u32);
        self.definitions.push(Definition {
            kind,
            name: name.to_string(),
            span,
            parent,
            ty: None,
        });
        id
    }

    /// Sets the type of a definition, once it is known.
    pub(super) fn set_type(&mut self, def: DefId, ty: Option<TypeId>) {
        if !self.off {
            self.definitions[def.idx()].ty = ty;
        }
    }

    /// Records a use of `target` at `span`.
    pub(super) fn use_at(&mut self, span: Span, target: DefId, ty: Option<TypeId>) {
        if !self.off {
            self.uses.push(Use { span, target, ty });
        }
    }

    /// Records that `names` are visible in `span`.
    pub(super) fn add_scope(&mut self, span: Span, names: Vec<DefId>) {
        if !self.off {
            self.scopes.push(ScopeRange { span, names });
        }
    }

    /// Sorts uses and scopes by position and drops repeated uses of one span.
    pub(super) fn finish(&mut self) {
        let key = |span: Span| (span.source.0, span.start, span.end);
        self.uses.sort_by_key(|found| key(found.span));
        self.uses.dedup_by_key(|found| key(found.span));
        self.scopes.sort_by_key(|scope| key(scope.span));
    }

    /// The definition with this id.
    pub fn definition(&self, id: DefId) -> &Definition {
        &self.definitions[id.idx()]
    }

    /// The use whose name covers `offset` in `source` (its end included, as a cursor after a name is on it).
    pub fn use_at_offset(&self, source: crate::source::SourceId, offset: u32) -> Option<&Use> {
        self.uses
            .iter()
            .filter(|found| {
                found.span.source == source && found.span.start <= offset && offset <= found.span.end
            })
            .min_by_key(|found| found.span.end - found.span.start)
    }

    /// The definition whose name covers `offset` in `source`.
    pub fn definition_at_offset(&self, source: crate::source::SourceId, offset: u32) -> Option<DefId> {
        self.definitions
            .iter()
            .position(|def| def.span.source == source && def.span.start <= offset && offset <= def.span.end)
            .map(|idx| DefId(idx as u32))
    }

    /// Every use of a definition, in position order.
    pub fn uses_of(&self, target: DefId) -> impl Iterator<Item = &Use> {
        self.uses.iter().filter(move |found| found.target == target)
    }

    /// The local names visible at `offset` in `source`, innermost scope last.
    pub fn in_scope(&self, source: crate::source::SourceId, offset: u32) -> Vec<DefId> {
        let mut names = Vec::new();
        for scope in &self.scopes {
            if scope.span.source == source && scope.span.start <= offset && offset <= scope.span.end {
                names.extend(scope.names.iter().copied());
            }
        }
        names
    }
}
