//! The cache of parsed modules behind every policy load: one entry per module, keyed by its
//! canonical path or stdlib name, holding its text's `SourceId` and its syntax tree.

use std::collections::HashMap;
use std::path::PathBuf;

use crate::diagnostic::Diagnostic;
use crate::source::{SourceId, SourceMap, Span};
use crate::syntax::{self, ast};

/// What a module is, for the cache: the same key is the same module, whoever imports it.
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub(crate) enum ModuleKey {
    /// A file, by its canonical path.
    File(PathBuf),
    /// A stdlib module, by its name after `std.`.
    Std(String),
    /// A policy given as text with no file behind it, by the name it was given.
    Text(String),
}

impl ModuleKey {
    /// The key as an import cycle names it: a file's name, or `std.NAME`.
    pub(crate) fn shown(&self) -> String {
        match self {
            ModuleKey::File(path) => path.file_name().map_or_else(
                || path.display().to_string(),
                |name| name.to_string_lossy().into_owned(),
            ),
            ModuleKey::Std(name) => format!("std.{name}"),
            ModuleKey::Text(name) => name.clone(),
        }
    }
}

/// A module's syntax tree and the diagnostics of parsing it (errors and warnings).
///
/// `module` is `None` when parsing found errors and gave no tree.
#[derive(Debug, Default)]
pub(crate) struct Parsed {
    pub(crate) module: Option<ast::Module>,
    pub(crate) diagnostics: Vec<Diagnostic>,
    /// The spans of the declarations left out of `module` because they did not parse.
    pub(crate) skipped: Vec<Span>,
    /// Where a text that parsed whole was cut, for parsing its next version piece by piece.
    pub(crate) pieces: Option<syntax::Pieces>,
}

/// The tree of a module's previous text, which parsed whole, with where that text was cut and
/// how it became the text now held: what [`syntax::reparse`] starts from.
pub(crate) type Previous = (ast::Module, syntax::Pieces, syntax::Change);

/// One cached module.
#[derive(Debug)]
pub(crate) struct Entry {
    /// Its text in the [`SourceMap`].
    pub(crate) id: SourceId,
    /// Its tree, parsed from that text.
    pub(crate) parsed: Parsed,
    /// Whether its tree was let go ([`ModuleCache::let_go_of_trees`]) and is parsed again
    /// when next needed.
    stale: bool,
}

/// Parsed modules by key. A module is parsed again only when its text changes; its text keeps
/// its `SourceId` across changes, and is removed from the `SourceMap` with its entry.
#[derive(Debug, Default)]
pub(crate) struct ModuleCache {
    entries: HashMap<ModuleKey, Entry>,
    /// How many times a text was parsed, for tests that check what is parsed again.
    n_parses: u64,
}

impl ModuleCache {
    /// Sets the text of the module `key` and parses it if it is new or its text changed; its id.
    /// `name` names a new text (an existing one keeps its name).
    pub(crate) fn update(
        &mut self,
        sources: &mut SourceMap,
        key: &ModuleKey,
        name: impl FnOnce() -> String,
        text: &str,
        parse: impl FnOnce(&SourceMap, SourceId) -> Parsed,
    ) -> SourceId {
        if let Some(entry) = self.entries.get_mut(key) {
            if sources.set_text(entry.id, text) || entry.stale {
                let old = std::mem::replace(&mut entry.parsed, parse(sources, entry.id));
                drop_trees(old.module.into_iter().collect());
                entry.stale = false;
                self.n_parses += 1;
            }
            return entry.id;
        }
        let id = sources.add(name(), text);
        let parsed = parse(sources, id);
        self.n_parses += 1;
        self.entries.insert(
            key.clone(),
            Entry {
                id,
                parsed,
                stale: false,
            },
        );
        id
    }

    /// Sets the text of the module `key` like [`ModuleCache::update`], for an editor's change:
    /// a changed text whose previous version parsed whole is parsed again from that version's
    /// tree, `parse` being given it ([`Previous`]); otherwise `parse` is given `None`.
    pub(crate) fn edit(
        &mut self,
        sources: &mut SourceMap,
        key: &ModuleKey,
        name: impl FnOnce() -> String,
        text: &str,
        parse: impl FnOnce(&SourceMap, SourceId, Option<Previous>) -> Parsed,
    ) -> SourceId {
        let Some(entry) = self.entries.get_mut(key).filter(|entry| !entry.stale) else {
            return self.update(sources, key, name, text, |sources, id| parse(sources, id, None));
        };
        let old = &sources.get(entry.id).text;
        if old == text {
            return entry.id;
        }
        let change = syntax::Change::between(old, text);
        sources.replace(entry.id, text);
        let previous = std::mem::take(&mut entry.parsed);
        let previous = match (previous.module, previous.pieces) {
            (Some(module), Some(pieces)) => Some((module, pieces, change)),
            (module, _) => {
                drop_trees(module.into_iter().collect());
                None
            }
        };
        entry.parsed = parse(sources, entry.id, previous);
        self.n_parses += 1;
        entry.id
    }

    /// Records a module whose text could be read but not used (not UTF-8): its text, shown
    /// as it was read, and the diagnostic saying why, with no tree.
    pub(crate) fn insert_unusable(
        &mut self,
        sources: &mut SourceMap,
        key: &ModuleKey,
        name: String,
        text: String,
        diagnostic: impl FnOnce(SourceId) -> Diagnostic,
    ) -> SourceId {
        let id = match self.entries.get(key) {
            Some(entry) => {
                sources.replace(entry.id, text);
                entry.id
            }
            None => sources.add(name, text),
        };
        let parsed = Parsed {
            module: None,
            diagnostics: vec![diagnostic(id)],
            skipped: Vec::new(),
            pieces: None,
        };
        // A text with no tree is parsed when next set, even to the text held (an empty one
        // standing for a text too large, the lossy one shown for bytes that are not UTF-8).
        let stale = true;
        self.entries.insert(key.clone(), Entry { id, parsed, stale });
        id
    }

    /// The cached module `key`.
    pub(crate) fn get(&self, key: &ModuleKey) -> Option<&Entry> {
        self.entries.get(key)
    }

    /// Every cached module, in no particular order.
    pub(crate) fn iter(&self) -> impl Iterator<Item = (&ModuleKey, &Entry)> {
        self.entries.iter()
    }

    /// Drops a module and its text.
    pub(crate) fn remove(&mut self, sources: &mut SourceMap, key: &ModuleKey) {
        if let Some(entry) = self.entries.remove(key) {
            sources.remove(entry.id);
        }
    }

    /// Drops every module `keep` refuses, with its text.
    pub(crate) fn retain(&mut self, sources: &mut SourceMap, keep: impl Fn(&ModuleKey) -> bool) {
        self.entries.retain(|key, entry| {
            let kept = keep(key);
            if !kept {
                sources.remove(entry.id);
            }
            kept
        });
    }

    /// Lets go of the trees of the modules `keep` refuses, keeping their texts (which
    /// diagnostics still point into); such a module is parsed again when next needed.
    pub(crate) fn let_go_of_trees(&mut self, keep: impl Fn(&ModuleKey) -> bool) {
        let mut trees = Vec::new();
        for (key, entry) in &mut self.entries {
            if !entry.stale && !keep(key) {
                trees.extend(std::mem::take(&mut entry.parsed).module);
                entry.stale = true;
            }
        }
        drop_trees(trees);
    }

    /// How many modules are cached, each with its tree or its parse errors.
    pub(crate) fn len(&self) -> usize {
        self.entries.len()
    }

    /// How many texts were parsed since the cache was made.
    pub(crate) fn n_parses(&self) -> u64 {
        self.n_parses
    }

    /// Lends out the trees of `keys`, in that order, to check them together; `None` if one of
    /// them has no tree. Give them back with [`ModuleCache::give_back`].
    pub(crate) fn lend(&mut self, keys: &[ModuleKey]) -> Option<Vec<ast::Module>> {
        if keys.iter().any(|key| {
            self.entries
                .get(key)
                .is_none_or(|entry| entry.parsed.module.is_none())
        }) {
            return None;
        }
        Some(
            keys.iter()
                .map(|key| {
                    self.entries
                        .get_mut(key)
                        .and_then(|entry| entry.parsed.module.take())
                        .expect("every tree lent was checked to be there")
                })
                .collect(),
        )
    }

    /// Puts back the trees [`ModuleCache::lend`] lent out for the same `keys`.
    pub(crate) fn give_back(&mut self, keys: &[ModuleKey], modules: Vec<ast::Module>) {
        for (key, module) in keys.iter().zip(modules) {
            if let Some(entry) = self.entries.get_mut(key) {
                entry.parsed.module = Some(module);
            }
        }
    }
}

impl Drop for ModuleCache {
    fn drop(&mut self) {
        let trees = self
            .entries
            .drain()
            .filter_map(|(_, entry)| entry.parsed.module)
            .collect();
        drop_trees(trees);
    }
}

/// Frees syntax trees: on another core when they are large, since the trees of a large policy
/// take milliseconds to free.
fn drop_trees(trees: Vec<ast::Module>) {
    let n_items: usize = trees.iter().map(|module| module.items.len()).sum();
    if n_items > 1_000 {
        rayon::spawn(move || drop(trees));
    }
}

#[cfg(test)]
mod tests {
    use std::path::Path;

    use crate::engine::Engine;
    use crate::session::MemoryFiles;

    const SCHEMA: &str = "module \"Schema\"\n\nrecord Country key code {\n  code: Text\n}\n";

    fn policy(imports: &str) -> String {
        format!(
            "policy \"Cached\"\n{imports}\nrecord Transfer key id {{\n  id: Text\n  day: Date\n}}\n\n\
             decide t: Transfer\ndefault deny because \"no rule permits this transfer\"\n"
        )
    }

    #[test]
    fn loading_a_policy_again_parses_and_adds_only_what_changed() {
        let files = MemoryFiles::new();
        files.write("/a/schema.pol", SCHEMA);
        files.write("/a/policy.pol", policy("use \"schema.pol\"\nuse std.dates"));
        let mut engine = Engine::new(&files, Vec::new());
        for _ in 0..100 {
            engine.load_policy(Path::new("/a/policy.pol")).unwrap();
        }
        assert_eq!(engine.sources.len(), 3);
        assert_eq!(engine.n_parses(), 3);

        // A changed import keeps its text's id and is the only module parsed again.
        let schema_id = engine.load_policy(Path::new("/a/policy.pol")).unwrap().modules[1];
        files.write(
            "/a/schema.pol",
            SCHEMA.replace("code: Text", "code: Text\n  name: Text"),
        );
        let loaded = engine.load_policy(Path::new("/a/policy.pol")).unwrap();
        assert_eq!(loaded.modules[1], schema_id);
        assert_eq!(engine.n_parses(), 4);
        assert_eq!(engine.sources.len(), 3);

        // An import the policy no longer has is dropped with its text.
        files.write("/a/policy.pol", policy("use std.dates"));
        engine.load_policy(Path::new("/a/policy.pol")).unwrap();
        assert_eq!(engine.sources.len(), 2);
        assert_eq!(engine.n_cached_modules(), 2);
    }

    #[test]
    fn loading_many_policies_keeps_their_texts_but_the_trees_of_the_last_only() {
        let files = MemoryFiles::new();
        files.write("/a/schema.pol", SCHEMA);
        for n in 0..10 {
            files.write(format!("/a/p{n}.pol"), policy("use \"schema.pol\""));
        }
        let mut engine = Engine::new(&files, Vec::new());
        for n in 0..10 {
            engine.load_policy(Path::new(&format!("/a/p{n}.pol"))).unwrap();
        }
        // Every text stays (diagnostics of every load point into them); the shared module is
        // parsed once.
        assert_eq!(engine.sources.len(), 11);
        assert_eq!(engine.n_parses(), 11);
        let n_trees = engine
            .modules
            .entries
            .values()
            .filter(|entry| entry.parsed.module.is_some())
            .count();
        assert_eq!(n_trees, 2, "the last policy's and the module's");
        // A policy whose tree was let go is parsed again when loaded again; the module is not.
        engine.load_policy(Path::new("/a/p0.pol")).unwrap();
        assert_eq!(engine.n_parses(), 12);
    }

    #[test]
    fn the_folder_of_one_policy_loaded_is_not_a_root_for_the_next() {
        let files = MemoryFiles::new();
        files.write("/a/schema.pol", SCHEMA);
        files.write("/a/policy.pol", policy("use \"schema.pol\""));
        files.write("/b/policy.pol", policy("use \"../a/schema.pol\""));
        let mut engine = Engine::new(&files, Vec::new());
        engine.load_policy(Path::new("/a/policy.pol")).unwrap();
        let errors = engine.load_policy(Path::new("/b/policy.pol")).unwrap_err();
        assert_eq!(
            errors[0].code,
            crate::diagnostic::Code::ImportOutsideRoot,
            "{errors:?}"
        );
    }
}
