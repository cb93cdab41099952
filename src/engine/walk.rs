//! The one walk over a program's imports, for the engine's loads and the session: depth first
//! from a module, each import resolved and fetched into the module cache by the owner of the
//! walk, the modules recorded in dependency order, cycles and unreadable imports reported.

use std::collections::HashMap;
use std::path::{Component, Path, PathBuf};

use super::messages;
use super::modules::{ModuleCache, ModuleKey};
use crate::diagnostic::Diagnostic;
use crate::source::{SourceId, Span};
use crate::syntax::ast;

/// What a walk needs from its owner: the cache it reads, and how an import is resolved and
/// brought into the cache (the engine reads a file again on each load to see changes on disk;
/// a session reads it once and lets an editor's buffer stand in for it).
pub(crate) trait Imports {
    /// The module cache the walk reads.
    fn cache(&self) -> &ModuleCache;
    /// The module a `use` names, imported by the file at `from` (none for a text or the stdlib).
    fn resolve(
        &self,
        roots: &[PathBuf],
        use_decl: &ast::UseDecl,
        from: Option<&Path>,
    ) -> Result<ModuleKey, Box<Diagnostic>>;
    /// Makes sure `child`, imported by the module whose text is `importer`, is in the cache.
    fn fetch(
        &mut self,
        child: &ModuleKey,
        importer: SourceId,
        use_decl: &ast::UseDecl,
    ) -> Result<(), Diagnostic>;
}

/// The state of one walk over a program's imports.
#[derive(Default)]
pub(crate) struct Walk {
    /// Modules met so far: `false` while their imports are being walked, `true` once done.
    pub(crate) visited: HashMap<ModuleKey, bool>,
    /// The modules being walked, outermost first, to name an import cycle.
    pub(crate) stack: Vec<ModuleKey>,
    /// The modules with a tree, in dependency order (the module walked from last).
    pub(crate) order: Vec<ModuleKey>,
    /// Every module met, and every file looked for (so that creating it can trigger a new walk).
    pub(crate) touched: Vec<ModuleKey>,
    /// For each module reached through an import of the module walked from: that import's span
    /// and the module it names.
    pub(crate) via: HashMap<ModuleKey, (Span, ModuleKey)>,
    /// Whether an import could not be resolved, read or decoded into a tree: checking without it
    /// would report every name it defines as unknown.
    pub(crate) incomplete: bool,
    /// Every diagnostic of the modules met (their parsing) and of their imports.
    pub(crate) diagnostics: Vec<Diagnostic>,
}

/// Walks one cached module and, depth first, the modules it imports, fetching those the owner
/// must; records them in dependency order. `path` is the module's file, if it has one.
pub(crate) fn visit(
    owner: &mut impl Imports,
    key: &ModuleKey,
    path: Option<&Path>,
    roots: &[PathBuf],
    walk: &mut Walk,
) {
    let entry = owner
        .cache()
        .get(key)
        .expect("a module is cached before it is walked");
    walk.touched.push(key.clone());
    walk.diagnostics.extend(entry.parsed.diagnostics.iter().cloned());
    let Some(module) = &entry.parsed.module else {
        walk.incomplete = true;
        walk.visited.insert(key.clone(), true);
        return;
    };
    let id = entry.id;
    let uses: Vec<ast::UseDecl> = module
        .items
        .iter()
        .filter_map(|item| match item {
            ast::Item::Use(use_decl) => Some(use_decl.clone()),
            _ => None,
        })
        .collect();
    let is_root = walk.stack.is_empty();
    walk.visited.insert(key.clone(), false);
    walk.stack.push(key.clone());
    for use_decl in &uses {
        let child = match owner.resolve(roots, use_decl, path) {
            Ok(found) => found,
            Err(diagnostic) => {
                // A file looked for and not found: creating it should walk this module again.
                if let (ast::UseTarget::File(text), Some(path)) = (&use_decl.target, path) {
                    let base = path.parent().unwrap_or(Path::new(""));
                    walk.touched
                        .push(ModuleKey::File(normalize(&base.join(&text.value))));
                }
                walk.incomplete = true;
                walk.diagnostics.push(*diagnostic);
                continue;
            }
        };
        if !walk.via.contains_key(&child) {
            let via = if is_root {
                (use_decl.span, child.clone())
            } else {
                walk.via
                    .get(key)
                    .cloned()
                    .unwrap_or((use_decl.span, child.clone()))
            };
            walk.via.insert(child.clone(), via);
        }
        match walk.visited.get(&child) {
            Some(true) => continue,
            Some(false) => {
                let start = walk.stack.iter().position(|entry| *entry == child).unwrap_or(0);
                let cycle: Vec<String> = walk.stack[start..]
                    .iter()
                    .chain(std::iter::once(&child))
                    .map(ModuleKey::shown)
                    .collect();
                walk.diagnostics
                    .push(messages::import_cycle(&cycle, use_decl.span));
                continue;
            }
            None => {}
        }
        if let Err(diagnostic) = owner.fetch(&child, id, use_decl) {
            walk.touched.push(child.clone());
            walk.incomplete = true;
            walk.diagnostics.push(diagnostic);
            continue;
        }
        let child_path = match &child {
            ModuleKey::File(file) => Some(file.clone()),
            ModuleKey::Std(_) => None,
            ModuleKey::Text(_) => unreachable!("resolve returns files and stdlib modules only"),
        };
        visit(owner, &child, child_path.as_deref(), roots, walk);
    }
    walk.stack.pop();
    walk.visited.insert(key.clone(), true);
    walk.order.push(key.clone());
}

/// A path with `.` dropped and each `..` taking away the name before it, without asking any
/// file system (so it works for files that exist only in an editor).
pub fn normalize(path: &Path) -> PathBuf {
    let mut parts: Vec<Component<'_>> = Vec::new();
    for part in path.components() {
        match part {
            Component::CurDir => {}
            Component::ParentDir if matches!(parts.last(), Some(Component::Normal(_))) => {
                parts.pop();
            }
            other => parts.push(other),
        }
    }
    parts.iter().collect()
}
