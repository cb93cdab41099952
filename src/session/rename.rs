//! Renaming a definition across the session's files: every use in every program that reaches
//! it, refused when the new name is not a name, is taken, or would change what names refer to.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

use super::answers::FileEdit;
use super::{ProgramState, Workspace, messages};
use crate::analysis;
use crate::check::ir::Builtin;
use crate::check::{Checked, DefId, DefKind, Definition};
use crate::diagnostic::{Diagnostic, Edit};
use crate::engine::modules::ModuleKey;
use crate::source::Span;
use crate::syntax;

/// The kinds that share the top-level namespace: two of them cannot have one name.
const GLOBAL_KINDS: &[DefKind] = &[
    DefKind::Record,
    DefKind::Enum,
    DefKind::Const,
    DefKind::Function,
    DefKind::Obligation,
    DefKind::Rule,
];

/// Builtin type names, which no definition may take.
const BUILTIN_TYPES: &[&str] = &["Bool", "Int", "Decimal", "Text", "Date", "Set", "List"];

impl Workspace<'_> {
    /// The span of the name at `offset` in a file if it can be renamed: a name the policy or
    /// its own modules define (not the standard library), at its definition or at a use.
    pub fn prepare_rename(&self, path: &Path, offset: u32) -> Option<Span> {
        let (state, source) = self.query(path)?;
        let checked = state.checked.as_deref()?;
        let (def, span) = analysis::name_at(checked, source, offset)?;
        let definition = checked.index.definition(def);
        (!self.location(state, definition.span).read_only).then_some(span)
    }

    /// The edits that rename the definition of the name at `offset` in a file to `new_name`:
    /// its definition and every use of it, in every file of every program the session checks
    /// that reaches it (a module imported by several policies is renamed in all of them).
    ///
    /// Rules, records, fields (every `x.field` whose record is that record, test facts and
    /// expectations included), functions and their parameters, constants, enums, variants,
    /// obligations, quantified variables and the subject can be renamed. Only policy text
    /// changes: facts files keep the old field and record names, and loading them reports what
    /// the policy no longer has (E0403, E0404); a file that imports the definition but is not
    /// open in the session is not seen.
    ///
    /// Refused with a diagnostic at the name: a new name that is not a name or is a reserved
    /// word (E0445); one that another declaration in its scope has, a builtin's name, or one that
    /// would change what a name refers to, which renaming is checked not to do, every program
    /// reaching the definition being checked again with the edits (E0446); a definition of the
    /// standard library (E0447); no name at `offset` (E0448). Renaming to the same name gives
    /// no edit.
    pub fn rename(&self, path: &Path, offset: u32, new_name: &str) -> Result<Vec<FileEdit>, Diagnostic> {
        let Some((state, source)) = self.query(path) else {
            let name = self.path_of(path).display().to_string();
            return Err(messages::file_not_open(&name));
        };
        let cursor = Span::new(source, offset as usize, offset as usize);
        let Some(checked) = state.checked.as_deref() else {
            return Err(messages::nothing_to_rename(cursor));
        };
        let Some((def, at)) = analysis::name_at(checked, source, offset) else {
            return Err(messages::nothing_to_rename(cursor));
        };
        let definition = checked.index.definition(def).clone();
        let home = self.location(state, definition.span);
        if home.read_only {
            let module = home
                .path
                .file_stem()
                .map(|stem| format!("std.{}", stem.to_string_lossy()))
                .unwrap_or_default();
            return Err(messages::read_only_definition(&definition.name, &module, at));
        }
        if !syntax::is_name(new_name) {
            return Err(messages::invalid_new_name(new_name, at));
        }
        if new_name == definition.name {
            return Ok(Vec::new());
        }
        let kind = definition.kind.as_str();
        // Every program that checked the definition's module: its own index names it too.
        let mut spans: BTreeSet<(PathBuf, u32, u32)> = BTreeSet::new();
        let mut roots = Vec::new();
        for (root, other) in &self.programs {
            let Some(other_checked) = other.checked.as_deref() else {
                continue;
            };
            let index = &other_checked.index;
            let Some(same) = index
                .definitions
                .iter()
                .position(|found| found.kind == definition.kind && found.span == definition.span)
            else {
                continue;
            };
            let same = DefId(u32::try_from(same).expect("definition ids fit in 32 bits"));
            if let Some(taken) = collision(other_checked, same, new_name) {
                return Err(messages::rename_collision(new_name, kind, at, taken));
            }
            let found = std::iter::once(definition.span).chain(index.uses_of(same).map(|found| found.span));
            for span in found {
                let location = self.location(other, span);
                spans.insert((location.path, span.start, span.end));
            }
            roots.push(root.clone());
        }
        let mut edits: BTreeMap<PathBuf, Vec<Edit>> = BTreeMap::new();
        for (path, start, end) in &spans {
            let source = self
                .source_id(path)
                .expect("a file a program reached is held by the session");
            edits.entry(path.clone()).or_default().push(Edit {
                span: Span::new(source, *start as usize, *end as usize),
                text: new_name.to_string(),
            });
        }
        let edits: Vec<FileEdit> = edits
            .into_iter()
            .map(|(path, edits)| FileEdit { path, edits })
            .collect();
        self.verify_rename(&roots, &definition, &edits, new_name)
            .map_err(|()| messages::rename_changes_meaning(new_name, kind, at))?;
        Ok(edits)
    }

    /// Checks the renamed programs in a scratch session over the same files: each may have no
    /// more errors than before, and the renamed definition must have the same uses, moved by
    /// the edits, and no other.
    fn verify_rename(
        &self,
        roots: &[PathBuf],
        definition: &Definition,
        edits: &[FileEdit],
        new_name: &str,
    ) -> Result<(), ()> {
        let mut scratch = Workspace::new(self.files, self.roots.iter().cloned().collect());
        scratch.set_policy_limits(self.engine.max_nesting, self.engine.max_policy_bytes);
        let edited: BTreeMap<&Path, &FileEdit> =
            edits.iter().map(|file| (file.path.as_path(), file)).collect();
        // The texts the session holds for the files edited and the editor's buffers, edited.
        let mut texts: BTreeSet<&Path> = self.buffers.iter().map(PathBuf::as_path).collect();
        texts.extend(edited.keys());
        for path in texts {
            let Some(source) = self.source_id(path) else {
                continue;
            };
            let text = &self.engine.sources.get(source).text;
            let text = match edited.get(path) {
                Some(file) => apply(text, &file.edits),
                None => text.clone(),
            };
            scratch.set_text(path, &text);
        }
        for root in roots {
            scratch.open(root);
        }
        // Where the definition and its uses are once the edits are made, by file and range.
        let mut expected: BTreeSet<(PathBuf, u32, u32)> = BTreeSet::new();
        for file in edits {
            let mut shift: i64 = 0;
            for edit in &file.edits {
                let start = i64::from(edit.span.start) + shift;
                let end = start + new_name.len() as i64;
                shift += new_name.len() as i64 - i64::from(edit.span.end - edit.span.start);
                expected.insert((file.path.clone(), start as u32, end as u32));
            }
        }
        for root in roots {
            let before = self.programs.get(root).map_or(0, n_errors);
            let Some(after) = scratch.programs.get(root) else {
                return Err(());
            };
            if n_errors(after) > before {
                return Err(());
            }
            let Some(checked) = after.checked.as_deref() else {
                return Err(());
            };
            let index = &checked.index;
            let renamed = index.definitions.iter().position(|found| {
                found.kind == definition.kind
                    && found.name == new_name
                    && expected.contains(&located(&scratch, after, found.span))
            });
            let Some(renamed) = renamed else {
                return Err(());
            };
            let renamed = DefId(u32::try_from(renamed).expect("definition ids fit in 32 bits"));
            let home = located(&scratch, after, index.definition(renamed).span);
            let found: BTreeSet<(PathBuf, u32, u32)> = std::iter::once(home)
                .chain(
                    index
                        .uses_of(renamed)
                        .map(|found| located(&scratch, after, found.span)),
                )
                .collect();
            // The uses this program has of the definition must be exactly the edited spans it reaches.
            let reached: BTreeSet<PathBuf> = after
                .reached
                .iter()
                .filter_map(|key| match key {
                    ModuleKey::File(path) => Some(path.clone()),
                    _ => None,
                })
                .collect();
            let wanted: BTreeSet<(PathBuf, u32, u32)> = expected
                .iter()
                .filter(|(path, _, _)| reached.contains(path))
                .cloned()
                .collect();
            if found != wanted {
                return Err(());
            }
        }
        Ok(())
    }
}

/// A span as a file and a range in it, in `workspace`.
fn located(workspace: &Workspace<'_>, state: &ProgramState, span: Span) -> (PathBuf, u32, u32) {
    (workspace.location(state, span).path, span.start, span.end)
}

/// The number of errors of a program's last check.
fn n_errors(state: &ProgramState) -> usize {
    state.diagnostics.iter().filter(|found| found.is_error()).count()
}

/// The declaration that already has `name` where the definition `def` would take it: the span
/// of its name, or `None` inside for a builtin; `None` outside when the name is free.
fn collision(checked: &Checked, def: DefId, name: &str) -> Option<Option<Span>> {
    let index = &checked.index;
    let renamed = index.definition(def);
    let same_name = |found: &&Definition| found.name == name;
    let taken = match renamed.kind {
        DefKind::Field | DefKind::Variant => index
            .definitions
            .iter()
            .filter(same_name)
            .find(|found| found.kind == renamed.kind && found.parent == renamed.parent),
        kind if GLOBAL_KINDS.contains(&kind) => {
            let builtin =
                Builtin::ALL.iter().any(|builtin| builtin.name() == name) || BUILTIN_TYPES.contains(&name);
            if builtin {
                return Some(None);
            }
            index
                .definitions
                .iter()
                .filter(same_name)
                .find(|found| GLOBAL_KINDS.contains(&found.kind))
        }
        // A local name may not take the name of a global, a variant, or a local visible where
        // it is defined; the check of the renamed program finds any other clash.
        _ => {
            let visible = index.in_scope(renamed.span.source, renamed.span.start);
            index
                .definitions
                .iter()
                .enumerate()
                .filter(|(_, found)| found.name == name)
                .find(|(id, found)| {
                    GLOBAL_KINDS.contains(&found.kind)
                        || found.kind == DefKind::Variant
                        || visible.iter().any(|seen| seen.idx() == *id)
                })
                .map(|(_, found)| found)
        }
    };
    taken.map(|found| Some(found.span))
}

/// A text with edits made, the edits in position order and not overlapping.
fn apply(text: &str, edits: &[Edit]) -> String {
    let mut out = String::with_capacity(text.len());
    let mut at = 0;
    for edit in edits {
        let start = (edit.span.start as usize).clamp(at, text.len());
        let end = (edit.span.end as usize).clamp(start, text.len());
        out.push_str(&text[at..start]);
        out.push_str(&edit.text);
        at = end;
    }
    out.push_str(&text[at..]);
    out
}
