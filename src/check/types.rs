//! Types in the checker: resolving written types, naming them, and the unification rules
//! (`T` with `T?`, `none` with any `T?`, the empty set with any set).

use super::ir::{RecordId, Type, TypeId};
use super::messages;
use super::state::{BUILTIN_TYPES, Checker, Global};
use crate::syntax::ast;

/// The type of an expression that already has an error: it unifies with everything,
/// so one mistake is reported once. It is never interned and never reaches a program
/// that checks successfully.
pub(super) const ERROR: TypeId = TypeId(u32::MAX);

impl<'a> Checker<'a> {
    /// The shape of a type; `None` for [`ERROR`].
    pub(super) fn kind(&self, ty: TypeId) -> Option<Type> {
        (ty != ERROR).then(|| self.program.types.get(ty))
    }

    /// A type as written in Pol, for messages.
    pub(super) fn type_name(&self, ty: TypeId) -> String {
        match self.kind(ty) {
            None => "?".into(),
            Some(Type::Set(inner)) => format!("Set<{}>", self.type_name(inner)),
            Some(Type::List(inner)) => format!("List<{}>", self.type_name(inner)),
            Some(Type::Optional(inner)) => format!("{}?", self.type_name(inner)),
            Some(_) => self.program.type_name(ty),
        }
    }

    /// `T?`; a type that may already be none stays as it is.
    pub(super) fn optional(&mut self, ty: TypeId) -> TypeId {
        match self.kind(ty) {
            None | Some(Type::Optional(_)) | Some(Type::Nothing) => ty,
            Some(_) => self.program.types.intern(Type::Optional(ty)),
        }
    }

    /// `Set<T>`.
    pub(super) fn set_of(&mut self, element: TypeId) -> TypeId {
        if element == ERROR {
            return ERROR;
        }
        self.program.types.intern(Type::Set(element))
    }

    /// The type without its `?`.
    pub(super) fn strip_optional(&self, ty: TypeId) -> TypeId {
        match self.kind(ty) {
            Some(Type::Optional(inner)) => inner,
            _ => ty,
        }
    }

    /// The nested record type a value of this type is (optional or not), if it is one.
    pub(super) fn nested_record_of(&self, ty: TypeId) -> Option<RecordId> {
        match self.kind(self.strip_optional(ty)) {
            Some(Type::Record(id)) if self.program.records[id.idx()].nested => Some(id),
            _ => None,
        }
    }

    /// Whether a value of the type may be none.
    pub(super) fn is_optional(&self, ty: TypeId) -> bool {
        matches!(self.kind(ty), Some(Type::Optional(_)))
    }

    /// The element type of a set or list.
    pub(super) fn element_of(&self, ty: TypeId) -> Option<TypeId> {
        match self.kind(ty) {
            None => Some(ERROR),
            Some(Type::Set(element) | Type::List(element)) => Some(element),
            _ => None,
        }
    }

    /// The type two values unify to (`if` branches, set elements, `==` operands), if any:
    /// `T` and `T?` give `T?`, `none` and `T` give `T?`, `{}` unifies with any set.
    pub(super) fn join(&mut self, a: TypeId, b: TypeId) -> Option<TypeId> {
        if a == b {
            return Some(a);
        }
        let (Some(ka), Some(kb)) = (self.kind(a), self.kind(b)) else {
            return Some(ERROR);
        };
        match (ka, kb) {
            (Type::Nothing, _) => Some(self.optional(b)),
            (_, Type::Nothing) => Some(self.optional(a)),
            (Type::Optional(x), Type::Optional(y)) => self.join_exact(x, y).map(|ty| self.optional(ty)),
            (Type::Optional(x), _) => self.join_exact(x, b).map(|ty| self.optional(ty)),
            (_, Type::Optional(y)) => self.join_exact(a, y).map(|ty| self.optional(ty)),
            _ => self.join_exact(a, b),
        }
    }

    /// Unifies two types that must be the same apart from empty sets (`Set<none>`).
    pub(super) fn join_exact(&mut self, a: TypeId, b: TypeId) -> Option<TypeId> {
        if a == b {
            return Some(a);
        }
        let (Some(ka), Some(kb)) = (self.kind(a), self.kind(b)) else {
            return Some(ERROR);
        };
        match (ka, kb) {
            // An `Int` widens to a `Decimal`: whole numbers are the same values in both.
            (Type::Int, Type::Decimal) | (Type::Decimal, Type::Int) => Some(self.prims.decimal),
            (Type::Set(x), Type::Set(y)) => {
                let element = self.join_element(x, y)?;
                Some(self.set_of(element))
            }
            (Type::List(x), Type::List(y)) => {
                let element = self.join_element(x, y)?;
                Some(if element == ERROR {
                    ERROR
                } else {
                    self.program.types.intern(Type::List(element))
                })
            }
            _ => None,
        }
    }

    /// Unifies element types: the element type of `{}` (none) fits any.
    pub(super) fn join_element(&mut self, a: TypeId, b: TypeId) -> Option<TypeId> {
        match (self.kind(a), self.kind(b)) {
            (Some(Type::Nothing), _) => Some(b),
            (_, Some(Type::Nothing)) => Some(a),
            _ => self.join_exact(a, b),
        }
    }

    /// Whether a value of type `actual` can be used where `expected` is needed.
    pub(super) fn assignable(&self, actual: TypeId, expected: TypeId) -> bool {
        if actual == expected || actual == ERROR || expected == ERROR {
            return true;
        }
        let (Some(ka), Some(ke)) = (self.kind(actual), self.kind(expected)) else {
            return true;
        };
        match (ka, ke) {
            (Type::Nothing, Type::Optional(_)) => true,
            (Type::Optional(_), _) => false,
            (_, Type::Optional(inner)) => self.assignable(actual, inner),
            (Type::Set(x), Type::Set(y)) | (Type::List(x), Type::List(y)) => {
                x == y
                    || matches!(self.kind(x), Some(Type::Nothing))
                    || (x == self.prims.int && y == self.prims.decimal)
            }
            (Type::Int, Type::Decimal) => true,
            _ => false,
        }
    }

    /// Resolves a written type; reports unknown names and yields [`ERROR`] for them.
    pub(super) fn resolve_type(&mut self, ty: &ast::TypeExpr) -> TypeId {
        let base = match &ty.kind {
            ast::TypeKind::Named(name) => self.resolve_type_name(name),
            ast::TypeKind::Set(inner) => {
                let element = self.resolve_type(inner);
                self.set_of(element)
            }
            ast::TypeKind::List(inner) => {
                let element = self.resolve_type(inner);
                if element == ERROR {
                    ERROR
                } else {
                    self.program.types.intern(Type::List(element))
                }
            }
        };
        if ty.optional { self.optional(base) } else { base }
    }

    fn resolve_type_name(&mut self, name: &ast::Ident) -> TypeId {
        match name.name.as_str() {
            "Bool" => return self.prims.bool,
            "Int" => return self.prims.int,
            "Text" => return self.prims.text,
            "Date" => return self.prims.date,
            "Decimal" => return self.prims.decimal,
            _ => {}
        }
        match self.globals.get(name.name.as_str()) {
            Some((Global::Enum(id), _)) => {
                let (id, def) = (*id, self.enum_defs[id.idx()]);
                let ty = self.program.types.intern(Type::Enum(id));
                self.index.use_at(name.span, def, Some(ty));
                ty
            }
            Some((Global::Record(id), _)) => {
                let (id, def) = (*id, self.record_defs[id.idx()]);
                let ty = self.program.types.intern(Type::Record(id));
                self.index.use_at(name.span, def, Some(ty));
                ty
            }
            Some((global, _)) => {
                let kind = global.kind();
                self.error(messages::not_a_type(&name.name, kind, name.span));
                ERROR
            }
            None => {
                let mut candidates: Vec<&str> = BUILTIN_TYPES.to_vec();
                candidates.extend(self.enum_decls.iter().map(|decl| decl.name.name.as_str()));
                candidates.extend(self.record_names());
                self.error(messages::unknown_type(&name.name, name.span, &candidates));
                ERROR
            }
        }
    }
}
