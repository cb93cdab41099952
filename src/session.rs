//! Live sessions for editors and the REPL: a `Workspace` of policy files changed one at a time,
//! re-parsing only the changed module and re-checking only the programs that include it.

mod answers;
#[cfg(test)]
mod edit_tests;
#[cfg(test)]
mod editor_tests;
mod memory;
mod messages;
mod queries;
#[cfg(test)]
mod query_tests;
mod rename;
#[cfg(test)]
mod tests;

pub use crate::engine::normalize;
pub use answers::{FileEdit, TestBlock, TestOutcome};
pub use memory::MemoryFiles;

use std::collections::{BTreeMap, BTreeSet, HashMap, HashSet};
use std::path::{Path, PathBuf};
use std::sync::Arc;

use crate::analysis::{self, Completion, CompletionKind, Hover, Symbol};
use crate::check::{self, Checked, ir::Program, ir::RecordId};
use crate::diagnostic::{self, Code, Diagnostic};
use crate::engine::modules::{ModuleCache, ModuleKey};
use crate::engine::walk::{self, Walk};
use crate::engine::{self, Engine, FileSystem, ReadError};
use crate::eval::{self, Decision, Evaluator, Options, Scratch};
use crate::facts::{Facts, Format, TextInput};
use crate::report;
use crate::source::{SourceId, SourceMap, Span};
use crate::stdlib;
use crate::syntax::{self, Input, ast};
use crate::value::Value;

/// Every diagnostic of one file after a change, errors and warnings, sorted by position: the
/// whole list, so an editor replaces what it showed (an empty list clears it).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FileDiagnostics {
    /// The file, as the session names it (normalized, or canonical when it exists on disk).
    pub path: PathBuf,
    /// Its diagnostics.
    pub diagnostics: Vec<Diagnostic>,
}

/// A facts file for [`Workspace::load_facts`].
#[derive(Clone, Debug)]
pub struct FactsFile {
    /// Where to read it, through the workspace's `FileSystem`.
    pub path: PathBuf,
    /// Its format.
    pub format: Format,
    /// The record type it holds, if the text does not say.
    pub record: Option<String>,
}

/// Where a definition or a reference is: a file as the session names it, and a span in it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Location {
    /// The file: a path, or `<std>/NAME.pol` for a stdlib module.
    pub path: PathBuf,
    /// The name's span in it.
    pub span: Span,
    /// Whether the file is a stdlib module, which no editor may change.
    pub read_only: bool,
}

/// What an expression typed at a prompt evaluates to ([`Workspace::evaluate`]).
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Evaluated {
    /// The value is known.
    Known {
        /// The value as Pol writes it (`{Country["GB"], Country["US"]}`).
        value: String,
        /// Its type as Pol writes it (`Set<Country>`).
        ty: String,
        /// Warnings about the input's text (W0010).
        warnings: Vec<Diagnostic>,
    },
    /// The value depends on facts that are missing.
    Unknown {
        /// The missing facts as Pol writes them (`Transfer["t1"].in_combat`), sorted, each once.
        missing: Vec<String>,
        /// The expression's type as Pol writes it.
        ty: String,
        /// Warnings about the input's text (W0010).
        warnings: Vec<Diagnostic>,
    },
    /// The input ends too soon (an open bracket, a trailing operator): a next line can complete it.
    Incomplete,
    /// The input holds only spaces and comments.
    Empty,
}

/// The last check of one file as a program: a policy with what it imports, or a module alone.
#[derive(Debug, Default)]
struct ProgramState {
    /// Every module the check reached, with a tree or not, the file itself included, and the
    /// files it looked for and did not find (so that creating one checks this program again).
    reached: Vec<ModuleKey>,
    /// The modules checked together, in dependency order (the file last), when checking ran.
    order: Vec<ModuleKey>,
    /// The checked program (partial when a module has errors) and its index, when checking ran:
    /// every module reached has a tree (a module whose text only partly parses has one).
    checked: Option<Arc<Checked>>,
    /// The last program any check of this file gave, for completions while an import is missing.
    last_checked: Option<Arc<Checked>>,
    /// Whether the file or a module it imports has an error.
    has_errors: bool,
    /// Every diagnostic of the check, wherever it points.
    diagnostics: Vec<Diagnostic>,
}

/// Facts loaded once for one policy, bound to its last program without errors.
#[derive(Debug)]
struct SessionFacts {
    /// The policy they were loaded for.
    policy: PathBuf,
    /// Each input's text in the `SourceMap`, its format and the record type named for it.
    inputs: Vec<TextInput>,
    /// The program they are bound to.
    program: Arc<Checked>,
    /// The facts bound to it, or why they do not fit it.
    bound: Result<Facts, Vec<Diagnostic>>,
}

/// A set of policy files an editor or a REPL works on, kept checked as they change.
///
/// Files are named by path; the session reads them only through the `FileSystem` it is given,
/// and an editor's text ([`Workspace::set_text`]) wins over the disk's until it is closed.
/// Every file opened is checked as a program, and each change returns the diagnostics of every
/// file it affects.
pub struct Workspace<'fs> {
    /// Texts, limits and facts loading.
    engine: Engine<'fs>,
    files: &'fs dyn FileSystem,
    /// The library directories imports may reach, besides the directory of the importing policy.
    roots: BTreeSet<PathBuf>,
    /// The files whose text is an editor's, not the disk's.
    buffers: BTreeSet<PathBuf>,
    /// Every module some program reaches, with its tree, by key; stdlib modules stay once read.
    modules: ModuleCache,
    /// The files opened, each checked as a program.
    programs: BTreeMap<PathBuf, ProgramState>,
    facts: Option<SessionFacts>,
    /// The texts of the last facts that failed to load, kept (until the next load) so that
    /// their diagnostics can be shown against them.
    failed_facts: Vec<SourceId>,
    /// The folder file names are shown relative to in diagnostics (a terminal's working
    /// folder); `None`: files are shown by their whole path.
    display_base: Option<PathBuf>,
    /// The text last typed at a prompt ([`Workspace::evaluate`]), replaced at each call.
    prompt: Option<SourceId>,
    /// How decisions are made: the law date, budgets, derivations.
    pub options: Options,
    /// The largest facts file read, in bytes.
    pub max_facts_bytes: u64,
}

impl std::fmt::Debug for Workspace<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Workspace")
            .field("roots", &self.roots)
            .field("buffers", &self.buffers)
            .field("programs", &self.programs.keys().collect::<Vec<_>>())
            .finish_non_exhaustive()
    }
}

/// The most files and folders a completion after `use "` lists.
pub const MAX_LISTED: usize = 500;

/// The default for [`Workspace::max_facts_bytes`]: 4 GiB.
pub const DEFAULT_MAX_FACTS_BYTES: u64 = 4 << 30;

/// The workspace's `FileSystem` as imports see it: a file open in an editor exists, under the
/// path the session names it by, even if the disk does not have it.
struct Overlay<'a> {
    files: &'a dyn FileSystem,
    buffers: &'a BTreeSet<PathBuf>,
}

impl FileSystem for Overlay<'_> {
    fn read(&self, path: &Path, max_bytes: u64) -> Result<Vec<u8>, ReadError> {
        self.files.read(path, max_bytes)
    }

    fn canonical(&self, path: &Path) -> Result<PathBuf, String> {
        let normal = normalize(path);
        if self.buffers.contains(&normal) {
            return Ok(normal);
        }
        self.files.canonical(path)
    }
}

impl<'fs> Workspace<'fs> {
    /// A workspace reading files through `files`; imports may reach files under `roots` (the
    /// library directories) besides the directory of the importing policy.
    pub fn new(files: &'fs dyn FileSystem, roots: Vec<PathBuf>) -> Workspace<'fs> {
        Workspace {
            engine: Engine::new(files, roots.clone()),
            files,
            roots: roots.into_iter().collect(),
            buffers: BTreeSet::new(),
            modules: ModuleCache::default(),
            programs: BTreeMap::new(),
            facts: None,
            failed_facts: Vec::new(),
            display_base: None,
            prompt: None,
            options: Options::default(),
            max_facts_bytes: DEFAULT_MAX_FACTS_BYTES,
        }
    }

    /// Sets the deepest nesting of brackets and expressions accepted in a policy or a prompt's
    /// text, and the largest policy file read; files already read are checked again only when
    /// they change.
    pub fn set_policy_limits(&mut self, max_nesting: usize, max_policy_bytes: u64) {
        self.engine.max_nesting = max_nesting;
        self.engine.max_policy_bytes = max_policy_bytes;
    }

    /// Shows the files under `folder` by their path relative to it in diagnostics (as a user
    /// in that folder would type them), rather than by their whole path. Files read before keep
    /// their names until read again.
    pub fn set_display_base(&mut self, folder: &Path) {
        self.display_base = Some(self.files.canonical(folder).unwrap_or_else(|_| normalize(folder)));
    }

    /// How a file is named in diagnostics: relative to the display base when under it.
    fn display_name(&self, path: &Path) -> String {
        self.display_base
            .as_deref()
            .and_then(|base| path.strip_prefix(base).ok())
            .filter(|relative| !relative.as_os_str().is_empty())
            .unwrap_or(path)
            .display()
            .to_string()
    }

    /// Sets a file's text to an editor's buffer, which wins over the disk until
    /// [`Workspace::close`]; opens the file if it was not. The diagnostics of every file the
    /// change affects.
    ///
    /// A text larger than the policy limit is held as an empty text with no tree, reported as a
    /// file too large to read (E0409), so it is never parsed.
    pub fn set_text(&mut self, path: &Path, text: &str) -> Vec<FileDiagnostics> {
        let path = self.path_of(path);
        self.buffers.insert(path.clone());
        let max_nesting = self.engine.max_nesting;
        let key = ModuleKey::File(path.clone());
        let name = self.display_name(&path);
        let (size, limit) = (text.len() as u64, self.engine.max_policy_bytes);
        if size > limit {
            let too_large = ReadError::TooLarge { size, limit };
            let diagnostic = engine::read_error(&name, &too_large, None, diagnostic::Setting::PolicyBytes);
            self.modules
                .insert_unusable(&mut self.engine.sources, &key, name, String::new(), |_| {
                    diagnostic
                });
        } else {
            self.modules.edit(
                &mut self.engine.sources,
                &key,
                || name,
                text,
                |sources, id, previous| engine::reparse_partial(sources, id, max_nesting, previous),
            );
        }
        self.programs.entry(path.clone()).or_default();
        self.changed(path)
    }

    /// Opens a file as the disk has it, to check it as a program. The diagnostics of every
    /// file that affects.
    pub fn open(&mut self, path: &Path) -> Vec<FileDiagnostics> {
        let path = self.path_of(path);
        self.programs.entry(path.clone()).or_default();
        self.changed(path)
    }

    /// Drops an editor's buffer: the file is checked as the disk has it again (and reports that
    /// it cannot be read if the disk does not have it). The diagnostics of every file affected.
    pub fn close(&mut self, path: &Path) -> Vec<FileDiagnostics> {
        let path = self.path_of(path);
        self.buffers.remove(&path);
        // A file the disk does not have is reported by the programs that need it.
        let _unreadable = self.read_from_disk(&path);
        self.changed(path)
    }

    /// Reads a file from the disk again, after it changed there; an editor's buffer still wins.
    /// The diagnostics of every file affected.
    pub fn reload(&mut self, path: &Path) -> Vec<FileDiagnostics> {
        let path = self.path_of(path);
        if !self.buffers.contains(&path) {
            // A file the disk does not have is reported by the programs that need it.
            let _unreadable = self.read_from_disk(&path);
        }
        self.changed(path)
    }

    /// Stops checking a file as a program and drops its buffer; a file other programs import
    /// is then read from the disk. The diagnostics of every file affected, the file's own list
    /// empty unless another program's check still reports in it.
    pub fn remove(&mut self, path: &Path) -> Vec<FileDiagnostics> {
        let path = self.path_of(path);
        self.buffers.remove(&path);
        let before = self.reached_files(&path);
        self.programs.remove(&path);
        let key = ModuleKey::File(path.clone());
        if self.facts.as_ref().is_some_and(|loaded| loaded.policy == path)
            && let Some(loaded) = self.facts.take()
        {
            for input in loaded.inputs {
                self.engine.sources.remove(input.source);
            }
        }
        if self.programs.values().any(|state| state.reached.contains(&key)) {
            // A file the disk does not have is reported by the programs that need it.
            let _unreadable = self.read_from_disk(&path);
        } else {
            self.modules.remove(&mut self.engine.sources, &key);
        }
        let mut reported = self.changed(path);
        // The files only the removed program reached are reported too, with their lists as
        // they are now (empty, unless another program still reports in them).
        for other in before {
            if reported.iter().all(|file| file.path != other) {
                reported.push(FileDiagnostics {
                    diagnostics: self.diagnostics(&other),
                    path: other,
                });
            }
        }
        reported.sort_by(|a, b| a.path.cmp(&b.path));
        reported
    }

    /// Every diagnostic of a file now, errors and warnings, sorted by position.
    pub fn diagnostics(&self, path: &Path) -> Vec<Diagnostic> {
        let path = self.path_of(path);
        let key = ModuleKey::File(path.clone());
        let id = self.modules.get(&key).map(|entry| entry.id);
        let mut found: Vec<Diagnostic> = Vec::new();
        let mut n_programs = 0;
        for (root, state) in &self.programs {
            let is_root = *root == path;
            if !is_root && !state.reached.contains(&key) {
                continue;
            }
            n_programs += 1;
            for diagnostic in &state.diagnostics {
                let here = match &diagnostic.primary {
                    Some(label) => Some(label.span.source) == id,
                    None => is_root,
                };
                // The first program's list is sorted by place, so a repeat of a diagnostic sits
                // among the last ones kept at its place: a large policy with thousands of
                // warnings is not compared with itself whole at each keystroke.
                let repeated = if n_programs == 1 {
                    found
                        .iter()
                        .rev()
                        .take_while(|seen| diagnostic::same_place(seen, diagnostic))
                        .any(|seen| seen == diagnostic)
                } else {
                    found.contains(diagnostic)
                };
                if here && !repeated {
                    found.push(diagnostic.clone());
                }
            }
        }
        diagnostic::sort(&mut found);
        found
    }

    /// A file's syntax tree as last parsed, if parsing gave one.
    pub fn tree(&self, path: &Path) -> Option<&ast::Module> {
        let entry = self.modules.get(&ModuleKey::File(self.path_of(path)))?;
        entry.parsed.module.as_ref()
    }

    /// The program of a file opened, as last checked, if it has no errors (one a decision
    /// could use).
    pub fn program(&self, path: &Path) -> Option<&Program> {
        let state = self.programs.get(&self.path_of(path))?;
        let checked = state.checked.as_deref().filter(|_| !state.has_errors)?;
        Some(&checked.program)
    }

    /// The last check of a file opened, errors or not: its program (partial if a module has
    /// errors), its diagnostics and its index, for reading only.
    pub fn checked(&self, path: &Path) -> Option<&Checked> {
        self.programs.get(&self.path_of(path))?.checked.as_deref()
    }

    /// The id of a file's text in [`Workspace::sources`], if the session holds it.
    pub fn source_id(&self, path: &Path) -> Option<SourceId> {
        self.modules
            .get(&ModuleKey::File(self.path_of(path)))
            .map(|entry| entry.id)
    }

    /// Every text the session holds: the modules its programs reach, the stdlib modules read,
    /// and the facts loaded.
    pub fn sources(&self) -> &SourceMap {
        &self.engine.sources
    }

    /// How many modules the session holds parsed (each with its tree, or its parse errors).
    pub fn n_cached_trees(&self) -> usize {
        self.modules.len()
    }

    /// How many module texts the session has parsed since it was made.
    pub fn n_parses(&self) -> u64 {
        self.modules.n_parses()
    }

    /// Reads facts files through the workspace's `FileSystem` and binds them to the program of
    /// `policy`, which must check without errors. Once loaded whole, they replace any facts
    /// loaded before (which stay if these fail), and are bound again, without being read again,
    /// to each new program of the policy without errors.
    pub fn load_facts(&mut self, policy: &Path, inputs: &[FactsFile]) -> Result<(), Vec<Diagnostic>> {
        self.load_facts_with(policy, inputs, &BTreeMap::new())
    }

    /// Loads facts as [`Workspace::load_facts`] does, taking the text of a file in `texts`
    /// (`edited`, by the path its [`FactsFile`] gives) instead of reading it: a REPL's edited copy.
    pub fn load_facts_with(
        &mut self,
        policy: &Path,
        inputs: &[FactsFile],
        edited: &BTreeMap<PathBuf, Vec<u8>>,
    ) -> Result<(), Vec<Diagnostic>> {
        for failed in std::mem::take(&mut self.failed_facts) {
            self.engine.sources.remove(failed);
        }
        let policy = self.path_of(policy);
        if !self.programs.contains_key(&policy) {
            self.open(&policy);
        }
        let program = self.good_program(&policy)?;
        if program.program.subject.is_none() {
            return Err(vec![messages::policy_decides_nothing(
                &self.display_name(&policy),
            )]);
        }
        let mut texts = Vec::new();
        let mut diagnostics = Vec::new();
        for input in inputs {
            let mut name = input.path.display().to_string();
            if edited.contains_key(&input.path) {
                name.push_str(" (edited in memory)");
            }
            let read = match edited.get(&input.path) {
                Some(text) => Ok(text.clone()),
                None => self.files.read(&input.path, self.max_facts_bytes),
            };
            let read = read
                .map_err(|error| {
                    engine::read_error(&name, &error, None, crate::diagnostic::Setting::FactsBytes)
                })
                .and_then(|bytes| self.engine.add_bytes(name, bytes));
            match read {
                Ok(id) => texts.push(TextInput {
                    source: id,
                    format: input.format,
                    record: input.record.clone(),
                    mapping: None,
                }),
                Err(diagnostic) => diagnostics.push(diagnostic),
            }
        }
        if diagnostics.is_empty() {
            match rebind_facts(&self.engine, &texts, &program.program) {
                Ok(facts) => {
                    // The facts loaded before are kept until these are loaded whole.
                    if let Some(old) = self.facts.take() {
                        for input in old.inputs {
                            self.engine.sources.remove(input.source);
                        }
                    }
                    self.facts = Some(SessionFacts {
                        policy,
                        inputs: texts,
                        program,
                        bound: Ok(facts),
                    });
                    return Ok(());
                }
                Err(errors) => diagnostics = errors,
            }
        }
        self.failed_facts = texts.into_iter().map(|text| text.source).collect();
        Err(diagnostics)
    }

    /// Drops the facts loaded, with their texts: decisions then say that none are loaded.
    pub fn clear_facts(&mut self) {
        if let Some(old) = self.facts.take() {
            for input in old.inputs {
                self.engine.sources.remove(input.source);
            }
        }
    }

    /// Decides the subject with key `key` against the facts loaded, with the policy as it is now.
    /// Fails closed: no decision while the policy or a module it imports has errors, or while
    /// the facts do not fit its program.
    pub fn decide(&self, key: &str) -> Result<Decision, Vec<Diagnostic>> {
        let Some(loaded) = &self.facts else {
            return Err(vec![messages::no_facts_loaded(None)]);
        };
        let name = self.display_name(&loaded.policy);
        let Some(state) = self.programs.get(&loaded.policy) else {
            return Err(vec![messages::no_facts_loaded(Some(&name))]);
        };
        if state.has_errors {
            return Err(vec![messages::decide_with_errors(
                &name,
                &self.files_with_errors(state),
            )]);
        }
        let facts = loaded.bound.as_ref().map_err(Clone::clone)?;
        let program = &loaded.program.program;
        let row = subject_row(&self.display_name(&loaded.policy), program, facts, key)?;
        let evaluator = Evaluator::new(program, facts, self.options.clone()).map_err(|error| vec![error])?;
        evaluator
            .decide(&mut Scratch::new(), row)
            .map_err(|error| vec![error])
    }

    /// A decision of [`Workspace::decide`] as `pol run` writes it: a headline, then its rules,
    /// obligations and missing facts, and its derivation if it has one; `None` when no facts
    /// are bound to a program.
    pub fn decision_text(&self, decision: &Decision) -> Option<String> {
        let loaded = self.facts.as_ref()?;
        let facts = loaded.bound.as_ref().ok()?;
        let program = &loaded.program.program;
        Some(report::decision_text(
            program,
            facts,
            &self.engine.sources,
            decision,
            0,
        ))
    }

    /// Why the rule named `rule` did or did not decide a decision made with its derivation: the
    /// rule's status and the first condition part that did not hold, with its operands
    /// ([`report::why_not_text`]); `None` without facts bound, without a derivation, or for a
    /// name no rule of the program has.
    pub fn why_not_text(&self, decision: &Decision, rule: &str) -> Option<String> {
        let loaded = self.facts.as_ref()?;
        let facts = loaded.bound.as_ref().ok()?;
        let program = &loaded.program.program;
        let trace = decision.trace.as_ref()?;
        let idx = program.rules.iter().position(|def| def.name == rule)?;
        let id = check::ir::RuleId(u32::try_from(idx).expect("rule ids fit in 32 bits"));
        report::why_not_text(program, facts, &self.engine.sources, trace, id, 0)
    }

    /// The keys of the subjects in the facts loaded, in input order, for a prompt to complete.
    pub fn subject_keys(&self) -> Vec<String> {
        let Some(loaded) = &self.facts else {
            return Vec::new();
        };
        let (Ok(facts), Some(subject)) = (&loaded.bound, &loaded.program.program.subject) else {
            return Vec::new();
        };
        let program = &loaded.program.program;
        (0..facts.tables[subject.record.idx()].n_input_rows)
            .filter_map(|row| facts.key_text(program, subject.record, row))
            .map(str::to_owned)
            .collect()
    }

    /// What the name at `offset` in a file is: its kind, type and, for a rule, what it says.
    pub fn hover(&self, path: &Path, offset: u32) -> Option<Hover> {
        let (state, source) = self.query(path)?;
        let checked = state.checked.as_deref()?;
        analysis::hover(
            &self.trees(&state.order),
            &self.engine.sources,
            checked,
            source,
            offset,
        )
    }

    /// Where the name at `offset` in a file is defined: maybe in another module, or in a
    /// read-only stdlib module.
    pub fn definition(&self, path: &Path, offset: u32) -> Option<Location> {
        let (state, source) = self.query(path)?;
        let span = analysis::definition(state.checked.as_deref()?, source, offset)?;
        Some(self.location(state, span))
    }

    /// Every use of the name at `offset` in a file, and its definition, across the modules of
    /// its program, sorted by file and position.
    pub fn references(&self, path: &Path, offset: u32) -> Vec<Location> {
        let Some((state, source)) = self.query(path) else {
            return Vec::new();
        };
        let Some(checked) = state.checked.as_deref() else {
            return Vec::new();
        };
        analysis::references(checked, source, offset)
            .into_iter()
            .map(|span| self.location(state, span))
            .collect()
    }

    /// The names that may come at `offset` in a file, read from its text as it is now (a
    /// declaration that does not parse included), with names and types from the last program
    /// that checked.
    pub fn completions(&self, path: &Path, offset: u32) -> Vec<Completion> {
        let Some((state, source)) = self.query(path) else {
            return Vec::new();
        };
        let Some(checked) = state.checked.as_deref().or(state.last_checked.as_deref()) else {
            return Vec::new();
        };
        let text = &self.engine.sources.get(source).text;
        if let Some(typed) = analysis::import_path_at(text, offset) {
            return self.import_completions(path, typed);
        }
        analysis::completions(checked, text, source, offset)
    }

    /// The `.pol` files and folders a file may import whose path, relative to its folder, starts
    /// with `typed`: what the `FileSystem` lists and the editor's buffers, the file itself left
    /// out, at most [`MAX_LISTED`] of them.
    fn import_completions(&self, path: &Path, typed: &str) -> Vec<Completion> {
        let path = self.path_of(path);
        let Some(folder) = path.parent() else {
            return Vec::new();
        };
        let (typed_folder, typed_name) = typed
            .rsplit_once('/')
            .map_or(("", typed), |(folder, name)| (folder, name));
        // Imports reach only files under the importing file's folder (or a library folder).
        if typed_folder.starts_with('/') || typed_folder.split('/').any(|part| part == "..") {
            return Vec::new();
        }
        let listed_folder = folder.join(typed_folder);
        let mut entries = self.files.list(&listed_folder);
        entries.extend(
            self.buffers
                .iter()
                .filter(|buffer| buffer.parent() == Some(normalize(&listed_folder).as_path()))
                .filter_map(|buffer| buffer.file_name())
                .map(|name| engine::Listed {
                    name: name.to_string_lossy().into_owned(),
                    is_folder: false,
                }),
        );
        let prefix = if typed_folder.is_empty() {
            String::new()
        } else {
            format!("{typed_folder}/")
        };
        let mut found: Vec<Completion> = entries
            .into_iter()
            .filter(|entry| entry.name.starts_with(typed_name) && !entry.name.starts_with('.'))
            .filter(|entry| entry.is_folder || entry.name.ends_with(".pol"))
            .filter(|entry| listed_folder.join(&entry.name) != path)
            .map(|entry| Completion {
                label: if entry.is_folder {
                    format!("{prefix}{}/", entry.name)
                } else {
                    format!("{prefix}{}", entry.name)
                },
                kind: CompletionKind::Module,
                detail: Some(if entry.is_folder { "folder" } else { "file" }.to_string()),
            })
            .collect();
        found.sort();
        found.dedup();
        found.truncate(MAX_LISTED);
        found
    }

    /// The declarations of a file that parsed, in order, for an outline.
    pub fn document_symbols(&self, path: &Path) -> Vec<Symbol> {
        let Some(entry) = self.modules.get(&ModuleKey::File(self.path_of(path))) else {
            return Vec::new();
        };
        match &entry.parsed.module {
            Some(module) => analysis::document_symbols(&[module], entry.id),
            None => Vec::new(),
        }
    }

    /// Evaluates an expression typed at a prompt in the scope of `policy`'s program, against
    /// the facts loaded for it (or none), three-valued: a known value, or the facts it needs
    /// that are missing. With `subject`, the subject variable names the subject with that key.
    ///
    /// The input is held under one name in [`Workspace::sources`], replaced at each call, so its
    /// diagnostics point into it until the next call. Declarations are refused (E0230); nothing is
    /// evaluated while the policy or a module it imports has errors (E0231); budgets are those of
    /// decisions ([`Workspace::options`]).
    pub fn evaluate(
        &mut self,
        policy: &Path,
        input: &str,
        subject: Option<&str>,
    ) -> Result<Evaluated, Vec<Diagnostic>> {
        let policy = self.path_of(policy);
        if !self.programs.contains_key(&policy) {
            self.open(&policy);
        }
        let id = match self.prompt {
            Some(id) => {
                self.engine.sources.set_text(id, input);
                id
            }
            None => {
                let id = self.engine.sources.add("<prompt>", input);
                self.prompt = Some(id);
                id
            }
        };
        let (expr, warnings) = match syntax::parse_input(&self.engine.sources, id, self.engine.max_nesting) {
            Input::Expr { expr, warnings } => (expr, warnings),
            Input::Incomplete => return Ok(Evaluated::Incomplete),
            Input::Invalid(diagnostics) => return Err(diagnostics),
            Input::Items { items, .. } => {
                return match items.first() {
                    Some(item) => Err(vec![messages::declaration_at_prompt(item.span())]),
                    None => Ok(Evaluated::Empty),
                };
            }
        };
        let state = self.programs.get(&policy).expect("the policy is opened above");
        let checked = match &state.checked {
            Some(checked) if !state.has_errors => Arc::clone(checked),
            _ => {
                return Err(vec![messages::evaluate_with_errors(
                    &self.display_name(&policy),
                    &self.files_with_errors(state),
                )]);
            }
        };
        let order = state.order.clone();
        let program = &checked.program;
        // Facts loaded for this policy are bound to its last program, which is this one: a
        // program without errors has them bound again as soon as it is checked.
        let loaded = self
            .facts
            .as_ref()
            .filter(|loaded| loaded.policy == policy && Arc::ptr_eq(&loaded.program, &checked));
        let none;
        let facts = match loaded {
            Some(loaded) => loaded.bound.as_ref().map_err(Clone::clone)?,
            None => {
                if subject.is_some() {
                    return Err(vec![messages::no_facts_for(&self.display_name(&policy))]);
                }
                none = self.engine.facts_builder(program).finish()?;
                &none
            }
        };
        let row = match subject {
            Some(key) => Some(subject_row(&self.display_name(&policy), program, facts, key)?),
            None => None,
        };
        let find_key = |record: RecordId, key: &str| {
            let table = &facts.tables[record.idx()];
            facts
                .interner
                .get(key)
                .and_then(|sym| table.keys.get(&sym).copied())
                .filter(|row| *row < table.n_input_rows)
                .map(Value::Record)
        };
        let mut interner = facts.interner.clone();
        let Some(modules) = self.modules.lend(&order) else {
            unreachable!("a program checked without errors has a tree for every module it reached");
        };
        let probe = check::check_expr(
            &modules,
            &checked,
            &expr,
            subject.is_some(),
            &mut interner,
            &find_key,
            facts,
        );
        self.modules.give_back(&order, modules);
        let probe = probe?;
        let ty = probe.program.type_name(probe.ty);
        let shown = eval::show_expr(
            &probe.program,
            facts,
            self.options.limits,
            &probe.expr,
            probe.n_locals,
            row,
        )
        .map_err(|error| vec![error])?;
        Ok(match shown {
            Ok(value) => Evaluated::Known { value, ty, warnings },
            Err(missing) => Evaluated::Unknown {
                missing: report::missing_fact_paths(&probe.program, facts, &missing),
                ty,
                warnings,
            },
        })
    }

    /// The state of the program a query in `path` reads: the file's own if it is opened, else
    /// that of the first program that reaches it; and the file's text.
    fn query(&self, path: &Path) -> Option<(&ProgramState, SourceId)> {
        let path = self.path_of(path);
        let key = ModuleKey::File(path.clone());
        let source = self.modules.get(&key)?.id;
        let state = self
            .programs
            .get(&path)
            .or_else(|| self.programs.values().find(|state| state.reached.contains(&key)))?;
        Some((state, source))
    }

    /// The trees of modules, in the order given; a module without one is left out.
    fn trees(&self, order: &[ModuleKey]) -> Vec<&ast::Module> {
        order
            .iter()
            .filter_map(|key| self.modules.get(key)?.parsed.module.as_ref())
            .collect()
    }

    /// A span as a file and a span, the file named as the session names it.
    fn location(&self, state: &ProgramState, span: Span) -> Location {
        let key = state
            .reached
            .iter()
            .find(|key| self.modules.get(key).is_some_and(|entry| entry.id == span.source));
        let path = match key {
            Some(ModuleKey::File(path)) => path.clone(),
            _ => PathBuf::from(&self.engine.sources.get(span.source).name),
        };
        Location {
            path,
            span,
            read_only: matches!(key, Some(ModuleKey::Std(_))),
        }
    }

    /// The program of `policy` if its last check found no error.
    fn good_program(&self, policy: &Path) -> Result<Arc<Checked>, Vec<Diagnostic>> {
        let name = self.display_name(policy);
        let state = self
            .programs
            .get(policy)
            .expect("the policy is opened before its program is asked for");
        match &state.checked {
            Some(program) if !state.has_errors => Ok(Arc::clone(program)),
            _ => Err(vec![messages::decide_with_errors(
                &name,
                &self.files_with_errors(state),
            )]),
        }
    }

    /// The files a program reaches that have errors, by name.
    fn files_with_errors(&self, state: &ProgramState) -> Vec<String> {
        let mut names: Vec<String> = state
            .diagnostics
            .iter()
            // An import with errors is named by the errors in it, not by the import.
            .filter(|diagnostic| diagnostic.is_error() && diagnostic.code != Code::ImportHasErrors)
            .filter_map(|diagnostic| diagnostic.primary.as_ref())
            .map(|label| self.engine.sources.get(label.span.source).name.clone())
            .collect();
        names.sort();
        names.dedup();
        names
    }

    /// The path the session names a file by: an editor's path as given (normalized), or the
    /// canonical path of a file on disk.
    fn path_of(&self, path: &Path) -> PathBuf {
        let normal = normalize(path);
        if self.buffers.contains(&normal) || self.programs.contains_key(&normal) {
            return normal;
        }
        self.files.canonical(path).unwrap_or(normal)
    }

    /// Reads a file's text from the disk into the cache, or drops it from the cache if the disk
    /// does not have it (a program that needs it then reports why it cannot be read).
    fn read_from_disk(&mut self, path: &Path) -> Result<(), Diagnostic> {
        let key = ModuleKey::File(path.to_path_buf());
        match self.engine.read_module(path, None) {
            Ok(bytes) => {
                let max_nesting = self.engine.max_nesting;
                let name = self.display_name(path);
                engine::cache_bytes(
                    &mut self.modules,
                    &mut self.engine.sources,
                    &key,
                    name,
                    bytes,
                    |sources, id| engine::parse_partial(sources, id, max_nesting),
                );
                Ok(())
            }
            Err(diagnostic) => {
                self.modules.remove(&mut self.engine.sources, &key);
                Err(diagnostic)
            }
        }
    }

    /// Checks again every program that includes the changed file (and the file itself, if it
    /// is opened), drops what no program reaches any more, binds the facts to a new program, and
    /// returns the diagnostics of every file those programs reached before or reach now.
    fn changed(&mut self, path: PathBuf) -> Vec<FileDiagnostics> {
        let key = ModuleKey::File(path.clone());
        let affected: Vec<PathBuf> = self
            .programs
            .iter()
            .filter(|(root, state)| **root == path || state.reached.contains(&key))
            .map(|(root, _)| root.clone())
            .collect();
        let mut shown: BTreeSet<PathBuf> = BTreeSet::from([path]);
        for root in &affected {
            shown.extend(self.reached_files(root));
            self.build(root);
            shown.extend(self.reached_files(root));
        }
        self.drop_unused();
        self.bind_facts_again(&affected);
        shown
            .into_iter()
            .map(|path| FileDiagnostics {
                diagnostics: self.diagnostics(&path),
                path,
            })
            .collect()
    }

    /// The files a program reached at its last check.
    fn reached_files(&self, root: &Path) -> Vec<PathBuf> {
        self.programs.get(root).map_or_else(Vec::new, |state| {
            state
                .reached
                .iter()
                .filter_map(|key| match key {
                    ModuleKey::File(path) => Some(path.clone()),
                    _ => None,
                })
                .collect()
        })
    }

    /// Drops the modules, and their texts, that no program reaches; stdlib modules stay,
    /// read-only and shared.
    fn drop_unused(&mut self) {
        let live: HashSet<ModuleKey> = self
            .programs
            .values()
            .flat_map(|state| state.reached.iter().cloned())
            .collect();
        self.modules.retain(&mut self.engine.sources, |key| {
            matches!(key, ModuleKey::Std(_)) || live.contains(key)
        });
    }

    /// Binds the facts loaded to the new program of their policy, if it was checked again and
    /// has no errors; they are not read again.
    fn bind_facts_again(&mut self, affected: &[PathBuf]) {
        let Some(loaded) = &self.facts else { return };
        if !affected.contains(&loaded.policy) {
            return;
        }
        let Some(state) = self.programs.get(&loaded.policy) else {
            return;
        };
        let Some(program) = state.checked.as_ref().filter(|_| !state.has_errors) else {
            return;
        };
        if Arc::ptr_eq(program, &loaded.program) {
            return;
        }
        let program = Arc::clone(program);
        let bound = rebind_facts(&self.engine, &loaded.inputs, &program.program);
        if let Some(loaded) = &mut self.facts {
            loaded.program = program;
            loaded.bound = bound;
        }
    }

    /// Checks one opened file as a program: walks its imports (reading and parsing only the
    /// modules not cached), then checks the modules together.
    fn build(&mut self, root: &Path) {
        let key = ModuleKey::File(root.to_path_buf());
        let mut walk = Walk::default();
        let unread = match self.modules.get(&key) {
            Some(_) => None,
            None => self.read_from_disk(root).err(),
        };
        if let Some(diagnostic) = unread {
            walk.touched.push(key.clone());
            walk.diagnostics.push(diagnostic);
        } else {
            let mut roots: Vec<PathBuf> = self.roots.iter().cloned().collect();
            if let Some(dir) = root.parent().filter(|dir| !self.roots.contains(*dir)) {
                roots.push(dir.to_path_buf());
            }
            walk::visit(self, &key, Some(root), &roots, &mut walk);
        }
        self.report_import_errors(&key, &mut walk);
        let mut diagnostics = walk.diagnostics;
        let mut checked = None;
        let mut order = Vec::new();
        let skipped = engine::skipped_texts(&self.modules, &self.engine.sources, &walk.order);
        if !walk.incomplete
            && walk.order.last() == Some(&key)
            && let Some(modules) = self.modules.lend(&walk.order)
        {
            let skipped: Vec<&str> = skipped.iter().map(String::as_str).collect();
            let broken_import = walk.order[..walk.order.len() - 1].iter().any(|module| {
                self.modules
                    .get(module)
                    .is_some_and(|entry| !entry.parsed.skipped.is_empty())
            });
            let mut found = engine::check_partial(&modules, &self.engine.sources, &skipped, broken_import);
            self.modules.give_back(&walk.order, modules);
            diagnostics.append(&mut found.diagnostics);
            // The program keeps no diagnostics of its own: the state holds them all, with the
            // syntax errors, which also make the program one that may not decide.
            if diagnostics.iter().any(Diagnostic::is_error) {
                found.program.has_errors = true;
            }
            checked = Some(Arc::new(found));
            order = walk.order.clone();
        }
        diagnostic::sort(&mut diagnostics);
        diagnostics.dedup();
        let mut reached = walk.touched;
        // A file whose text has no tree, or left declarations out (a broken `use` among them,
        // maybe), keeps the modules it imported before, so that they are not dropped and parsed
        // again at each keystroke until it parses again.
        if self
            .modules
            .get(&key)
            .is_some_and(|entry| entry.parsed.module.is_none() || !entry.parsed.skipped.is_empty())
            && let Some(previous) = self.programs.get(root)
        {
            for module in &previous.reached {
                if !reached.contains(module) {
                    reached.push(module.clone());
                }
            }
        }
        let last_checked = checked.clone().or_else(|| {
            self.programs
                .get(root)
                .and_then(|previous| previous.last_checked.clone())
        });
        let state = ProgramState {
            reached,
            order,
            checked,
            last_checked,
            has_errors: diagnostics.iter().any(Diagnostic::is_error),
            diagnostics,
        };
        if let Some(old) = self.programs.insert(root.to_path_buf(), state) {
            drop_program(old);
        }
    }

    /// Adds, at each import of the file checked through which a module with errors is reached,
    /// a diagnostic saying so: the file cannot be checked whole until they are fixed.
    fn report_import_errors(&self, root: &ModuleKey, walk: &mut Walk) {
        let root_id = self.modules.get(root).map(|entry| entry.id);
        let ids: HashMap<SourceId, &ModuleKey> = walk
            .touched
            .iter()
            .filter_map(|key| self.modules.get(key).map(|entry| (entry.id, key)))
            .collect();
        let mut counts: BTreeMap<Span, (String, usize)> = BTreeMap::new();
        for found in walk.diagnostics.iter().filter(|found| found.is_error()) {
            let Some(source) = found.primary.as_ref().map(|label| label.span.source) else {
                continue;
            };
            if Some(source) == root_id {
                continue;
            }
            let Some((span, direct)) = ids.get(&source).and_then(|key| walk.via.get(*key)) else {
                continue;
            };
            let name = self.modules.get(direct).map_or_else(
                || direct.shown(),
                |entry| self.engine.sources.get(entry.id).name.clone(),
            );
            counts.entry(*span).or_insert((name, 0)).1 += 1;
        }
        for (span, (name, n_errors)) in counts {
            walk.diagnostics
                .push(messages::import_has_errors(&name, n_errors, span));
        }
    }
}

/// A session resolves imports through its overlay (a file open in an editor exists) and reads a
/// module only when the cache lacks it: a file changed on disk is read again on `reload`.
impl walk::Imports for Workspace<'_> {
    fn cache(&self) -> &ModuleCache {
        &self.modules
    }

    fn resolve(
        &self,
        roots: &[PathBuf],
        use_decl: &ast::UseDecl,
        from: Option<&Path>,
    ) -> Result<ModuleKey, Box<Diagnostic>> {
        let overlay = Overlay {
            files: self.files,
            buffers: &self.buffers,
        };
        engine::resolve(&overlay, roots, use_decl, from)
    }

    fn fetch(
        &mut self,
        child: &ModuleKey,
        _importer: SourceId,
        use_decl: &ast::UseDecl,
    ) -> Result<(), Diagnostic> {
        if self.modules.get(child).is_some() {
            return Ok(());
        }
        let max_nesting = self.engine.max_nesting;
        match child {
            ModuleKey::Std(name) => {
                let text = stdlib::module(name).expect("resolve only returns stdlib modules that exist");
                self.modules.update(
                    &mut self.engine.sources,
                    child,
                    || format!("<std>/{name}.pol"),
                    text,
                    |sources, id| engine::parse_partial(sources, id, max_nesting),
                );
            }
            ModuleKey::File(file) => {
                let bytes = self.engine.read_module(file, Some(use_decl.span))?;
                let name = self.display_name(file);
                engine::cache_bytes(
                    &mut self.modules,
                    &mut self.engine.sources,
                    child,
                    name,
                    bytes,
                    |sources, id| engine::parse_partial(sources, id, max_nesting),
                );
            }
            ModuleKey::Text(_) => unreachable!("resolve returns files and stdlib modules only"),
        }
        Ok(())
    }
}

/// Frees the last check of a program: on another core when it is large, since the program of a
/// large policy takes milliseconds to free, which an editor would otherwise wait for.
fn drop_program(state: ProgramState) {
    let n_rules = state
        .checked
        .as_ref()
        .map_or(0, |checked| checked.program.rules.len());
    if n_rules > 1_000 {
        rayon::spawn(move || drop(state));
    }
}

/// The key of the subject `key` in the facts, as the row of the program's subject table.
fn subject_row(policy: &str, program: &Program, facts: &Facts, key: &str) -> Result<u32, Vec<Diagnostic>> {
    let Some(subject) = program.subject.as_ref() else {
        return Err(vec![messages::policy_decides_nothing(policy)]);
    };
    let table = &facts.tables[subject.record.idx()];
    facts
        .interner
        .get(key)
        .and_then(|sym| table.keys.get(&sym).copied())
        .filter(|row| *row < table.n_input_rows)
        .ok_or_else(|| {
            let record = &program.records[subject.record.idx()].name;
            vec![messages::unknown_subject(record, key)]
        })
}

/// Binds facts texts already read to a program, reading no file, through the engine.
///
/// The one place the session binds facts.
fn rebind_facts(
    engine: &Engine<'_>,
    texts: &[TextInput],
    program: &Program,
) -> Result<Facts, Vec<Diagnostic>> {
    engine.bind_inputs(texts, program)
}
