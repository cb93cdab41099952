//! The engine: runs the stages in order (load and parse modules, check, load facts, decide, test)
//! for the command line, the REPL, the tests and editors. The only code that knows the order.

mod messages;
pub(crate) mod modules;
mod partial;
pub(crate) mod walk;

pub(crate) use partial::{check_partial, parse_partial, reparse_partial, skipped_texts};
use walk::Walk;
pub use walk::normalize;
pub mod testing;

use std::collections::{BTreeSet, HashMap, HashSet};
use std::path::{Component, Path, PathBuf};

use rayon::prelude::*;

use crate::check::{self, Checked, ir::Program, ir::RecordId};
use crate::diagnostic::{Diagnostic, Setting};
use crate::eval::{Decision, Evaluator, Options, Scratch};
use crate::facts::{Facts, FactsBuilder, Format, TextInput};
use crate::source::{SourceId, SourceMap, Span};
use crate::stdlib;
use crate::syntax::{self, ast};

use modules::{ModuleCache, ModuleKey, Parsed};

/// Why a file could not be read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ReadError {
    /// The file is larger than the limit; nothing was read.
    TooLarge {
        /// Its size in bytes.
        size: u64,
        /// The limit in bytes.
        limit: u64,
    },
    /// Any other failure, in words (`no such file`, `permission denied`).
    Failed(String),
}

/// Where the engine reads policy files from. The library reads nothing itself: the command line
/// passes one that reads the disk, tests and editors pass their own.
pub trait FileSystem: Sync {
    /// The bytes of a file, or a message saying why it cannot be read (including being larger
    /// than `max_bytes`, which it checks before reading).
    fn read(&self, path: &Path, max_bytes: u64) -> Result<Vec<u8>, ReadError>;
    /// The file's real path with links resolved, or a message saying why it cannot be found.
    fn canonical(&self, path: &Path) -> Result<PathBuf, String>;
    /// What a folder holds, for an editor completing a path after `use "`: its entries' names,
    /// each with whether it is a folder, in no particular order. None by default, and none for
    /// a folder that cannot be read.
    fn list(&self, _folder: &Path) -> Vec<Listed> {
        Vec::new()
    }
}

/// One entry of a folder ([`FileSystem::list`]).
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub struct Listed {
    /// Its name in the folder.
    pub name: String,
    /// Whether it is a folder.
    pub is_folder: bool,
}

/// A file system with no files: for policies given as text.
#[derive(Debug, Default)]
pub struct NoFiles;

impl FileSystem for NoFiles {
    fn read(&self, path: &Path, _max_bytes: u64) -> Result<Vec<u8>, ReadError> {
        Err(ReadError::Failed(format!("no file `{}` here", path.display())))
    }

    fn canonical(&self, path: &Path) -> Result<PathBuf, String> {
        Err(format!("no file `{}` here", path.display()))
    }
}

/// A facts input: a named text, its format, and the record type it holds if the text does not say.
#[derive(Debug, Clone)]
pub struct FactsInput {
    /// The name shown in diagnostics (a path or `<stdin>`).
    pub name: String,
    /// The bytes as read; decoded as UTF-8 by the engine.
    pub bytes: Vec<u8>,
    /// The format.
    pub format: Format,
    /// The record type named on the command line (`--facts Country=countries.json`).
    pub record: Option<String>,
    /// How a CSV or TSV input is read, if not as plain CSV: a mapping file, parsed.
    pub mapping: Option<std::sync::Arc<crate::facts::Mapping>>,
}

/// A subject whose decision failed: it gets no decision (fail closed).
#[derive(Debug, Clone)]
pub struct Failure {
    /// The subject's row in its table.
    pub subject: u32,
    /// What stopped the decision.
    pub diagnostic: Box<Diagnostic>,
}

/// The outcome of loading a policy: the checked program, or every diagnostic found.
#[derive(Debug)]
pub struct Loaded {
    /// The checked program and its warnings.
    pub checked: Checked,
    /// The sources of the modules, policy last.
    pub modules: Vec<SourceId>,
    /// Whether the file loaded is a `policy` or a `module`, and where its header is.
    pub header: (ast::HeaderKind, Span),
}

impl Loaded {
    /// Checks that the file loaded can decide: a `policy` that says what it decides, not a module.
    pub fn require_subject(&self, sources: &SourceMap) -> Result<(), Diagnostic> {
        if self.checked.program.subject.is_some() {
            return Ok(());
        }
        let (kind, header) = self.header;
        // Point at the header's first line, `policy "…"` or `module "…"`, not the lines after it.
        let text = &sources.get(header.source).text[header.range()];
        let first_line = text.lines().next().unwrap_or("").trim_end();
        let start = header.start as usize;
        let span = Span::new(header.source, start, start + first_line.len());
        Err(match kind {
            ast::HeaderKind::Module => {
                let name = Path::new(&sources.get(span.source).name)
                    .file_name()
                    .map_or_else(String::new, |name| name.to_string_lossy().into_owned());
                messages::module_not_decidable(&name, span)
            }
            ast::HeaderKind::Policy => messages::policy_without_subject(span),
        })
    }
}

/// How many subjects [`Engine::decide_all`] decides as one task: a core's share of a batch.
const DECIDE_CHUNK: usize = 1024;

/// Runs Pol's stages over one set of sources.
///
/// Modules are parsed once per text: a load reads each file it imports again, but parses a
/// module again only if its text changed, and keeps its text under the same `SourceId`.
/// Loading a policy again replaces what its last load reached; a module no policy's last load
/// reaches is dropped with its text.
pub struct Engine<'fs> {
    /// Every text read so far: policies, stdlib modules, facts.
    pub sources: SourceMap,
    files: &'fs dyn FileSystem,
    /// The library directories imports may reach, besides the directory of the policy loaded.
    roots: BTreeSet<PathBuf>,
    modules: ModuleCache,
    /// The modules each policy's last load reached, by the policy's key.
    loads: HashMap<ModuleKey, Vec<ModuleKey>>,
    /// Nesting allowed in policy syntax.
    pub max_nesting: usize,
    /// The largest policy file read, in bytes.
    pub max_policy_bytes: u64,
    /// The deepest nesting of arrays and objects in JSON or YAML facts.
    pub max_facts_nesting: usize,
}

/// Where the problems of a policy load are, in "N more problems in … are not shown".
const POLICY_PLACE: &str = "the policy";

/// The default for [`Engine::max_policy_bytes`]: 8 MiB.
pub const DEFAULT_MAX_POLICY_BYTES: u64 = 8 << 20;

impl std::fmt::Debug for Engine<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Engine")
            .field("roots", &self.roots)
            .finish_non_exhaustive()
    }
}

impl<'fs> Engine<'fs> {
    /// An engine reading files through `files`; imports may only reach files under `roots`
    /// (besides the directory of each policy loaded).
    pub fn new(files: &'fs dyn FileSystem, roots: Vec<PathBuf>) -> Engine<'fs> {
        Engine {
            sources: SourceMap::new(),
            files,
            roots: roots.into_iter().collect(),
            modules: ModuleCache::default(),
            loads: HashMap::new(),
            max_nesting: syntax::DEFAULT_MAX_NESTING,
            max_policy_bytes: DEFAULT_MAX_POLICY_BYTES,
            max_facts_nesting: crate::facts::DEFAULT_MAX_NESTING,
        }
    }

    /// Loads the policy at `path` and everything it imports, parses and checks it.
    pub fn load_policy(&mut self, path: &Path) -> Result<Loaded, Vec<Diagnostic>> {
        let canonical = self
            .files
            .canonical(path)
            .map_err(|message| vec![messages::cannot_read(&path.display().to_string(), &message)])?;
        let bytes = self
            .files
            .read(&canonical, self.max_policy_bytes)
            .map_err(|error| {
                vec![read_error(
                    &path.display().to_string(),
                    &error,
                    None,
                    Setting::PolicyBytes,
                )]
            })?;
        let key = ModuleKey::File(canonical.clone());
        self.cache_bytes(&key, path.display().to_string(), bytes);
        let dir = canonical.parent().map(Path::to_path_buf);
        self.load_from(key, Some(canonical), dir)
    }

    /// Parses and checks a policy given as text (an editor buffer, a REPL session, a test);
    /// file imports resolve against `dir` when given.
    ///
    /// A text loaded under the same name and directory as an earlier one replaces it, keeping
    /// its `SourceId`: the spans of the earlier load's results then point into the new text.
    pub fn load_policy_text(
        &mut self,
        name: &str,
        text: &str,
        dir: Option<&Path>,
    ) -> Result<Loaded, Vec<Diagnostic>> {
        let path = dir.map(|dir| dir.join(name));
        let key = ModuleKey::Text(
            path.as_ref()
                .map_or_else(|| name.to_string(), |path| path.display().to_string()),
        );
        let max_nesting = self.max_nesting;
        self.modules.update(
            &mut self.sources,
            &key,
            || name.to_string(),
            text,
            |sources, id| parse_partial(sources, id, max_nesting),
        );
        self.load_from(key, path, dir.map(Path::to_path_buf))
    }

    /// How many modules the engine holds parsed (each with its tree, or its parse errors).
    pub fn n_cached_modules(&self) -> usize {
        self.modules.len()
    }

    /// How many module texts the engine has parsed since it was made.
    pub fn n_parses(&self) -> u64 {
        self.modules.n_parses()
    }

    /// Puts a text read as bytes in the module cache under `key`, parsing it if it changed.
    fn cache_bytes(&mut self, key: &ModuleKey, name: String, bytes: Vec<u8>) {
        let max_nesting = self.max_nesting;
        cache_bytes(
            &mut self.modules,
            &mut self.sources,
            key,
            name,
            bytes,
            |sources, id| parse_partial(sources, id, max_nesting),
        );
    }

    /// Reads a policy file or a module through the engine's `FileSystem`, within
    /// [`Engine::max_policy_bytes`]; `import` is the `use` that asked for it.
    pub(crate) fn read_module(&self, path: &Path, import: Option<Span>) -> Result<Vec<u8>, Diagnostic> {
        self.files
            .read(path, self.max_policy_bytes)
            .map_err(|error| read_error(&path.display().to_string(), &error, import, Setting::PolicyBytes))
    }

    fn load_from(
        &mut self,
        root: ModuleKey,
        path: Option<PathBuf>,
        dir: Option<PathBuf>,
    ) -> Result<Loaded, Vec<Diagnostic>> {
        let mut roots: Vec<PathBuf> = self.roots.iter().cloned().collect();
        if let Some(dir) = dir.filter(|dir| !self.roots.contains(dir)) {
            roots.push(dir);
        }
        let mut walk = Walk::default();
        walk::visit(self, &root, path.as_deref(), &roots, &mut walk);
        self.loads.insert(root, std::mem::take(&mut walk.touched));
        self.drop_unused(&walk.order);
        let mut diagnostics = walk.diagnostics;
        if diagnostics.iter().any(Diagnostic::is_error) {
            // Declarations that did not parse are left out and the rest is still checked, so one
            // broken declaration hides no other diagnostic; nothing decides with it (an error).
            if !walk.incomplete
                && let Some(modules) = self.modules.lend(&walk.order)
            {
                let skipped = skipped_texts(&self.modules, &self.sources, &walk.order);
                let skipped: Vec<&str> = skipped.iter().map(String::as_str).collect();
                let checked = check_partial(&modules, &self.sources, &skipped, false);
                self.modules.give_back(&walk.order, modules);
                diagnostics.extend(checked.diagnostics);
                diagnostics.dedup();
            }
            crate::diagnostic::sort(&mut diagnostics);
            crate::diagnostic::cap(&mut diagnostics, POLICY_PLACE);
            return Err(diagnostics);
        }
        let ids: Vec<SourceId> = walk
            .order
            .iter()
            .map(|key| self.modules.get(key).expect("a module walked is cached").id)
            .collect();
        let modules = self
            .modules
            .lend(&walk.order)
            .expect("a load without errors has a tree for every module");
        let header = modules
            .last()
            .map(|module| (module.header.kind, module.header.span))
            .expect("a load without errors has parsed the policy");
        let checked = check::check(&modules).map_err(|mut errors| {
            partial::suggest_std_imports(&mut errors, &modules, &self.sources);
            errors
        });
        self.modules.give_back(&walk.order, modules);
        match checked {
            Ok(mut checked) => {
                // What remains of the parsing stage's diagnostics are warnings.
                checked.diagnostics.extend(diagnostics);
                crate::diagnostic::sort(&mut checked.diagnostics);
                crate::diagnostic::cap(&mut checked.diagnostics, POLICY_PLACE);
                Ok(Loaded {
                    checked,
                    modules: ids,
                    header,
                })
            }
            Err(mut errors) => {
                errors.extend(diagnostics);
                crate::diagnostic::sort(&mut errors);
                crate::diagnostic::cap(&mut errors, POLICY_PLACE);
                Err(errors)
            }
        }
    }

    /// Drops the modules, and their texts, that no policy's last load reached; stdlib modules
    /// stay, read-only and shared. Of the others, only the trees of `current` (the modules of
    /// this load) are kept, so that loading many policies holds one policy's trees at a time.
    fn drop_unused(&mut self, current: &[ModuleKey]) {
        let live: HashSet<ModuleKey> = self.loads.values().flatten().cloned().collect();
        self.modules.retain(&mut self.sources, |key| {
            matches!(key, ModuleKey::Std(_)) || live.contains(key)
        });
        self.modules
            .let_go_of_trees(|key| matches!(key, ModuleKey::Std(_)) || current.contains(key));
    }

    /// Loads facts inputs against a program's schema.
    pub fn load_facts(
        &mut self,
        program: &Program,
        inputs: Vec<FactsInput>,
    ) -> Result<Facts, Vec<Diagnostic>> {
        let mut builder = self.facts_builder(program);
        self.load_facts_into(&mut builder, program, inputs)?;
        builder.finish()
    }

    /// A facts builder with this engine's limits.
    pub fn facts_builder<'p>(&self, program: &'p Program) -> FactsBuilder<'p> {
        let mut builder = FactsBuilder::new(program);
        builder.max_nesting = self.max_facts_nesting;
        builder
    }

    /// Adds facts inputs to a builder (for reference data loaded before a stream of subjects).
    pub fn load_facts_into(
        &mut self,
        builder: &mut FactsBuilder<'_>,
        program: &Program,
        inputs: Vec<FactsInput>,
    ) -> Result<(), Vec<Diagnostic>> {
        let mut diagnostics = Vec::new();
        for input in inputs {
            let record = match input_record(program, input.record.as_deref()) {
                Ok(record) => record,
                Err(diagnostic) => {
                    diagnostics.push(diagnostic);
                    continue;
                }
            };
            let id = match self.add_bytes(input.name, input.bytes) {
                Ok(id) => id,
                Err(diagnostic) => {
                    diagnostics.push(diagnostic);
                    continue;
                }
            };
            if let Err(errors) =
                builder.add_table(&self.sources, id, input.format, record, input.mapping.as_ref())
            {
                diagnostics.extend(errors);
            }
        }
        if diagnostics.is_empty() {
            Ok(())
        } else {
            Err(diagnostics)
        }
    }

    /// Binds loaded facts to another program (the policy edited: a rule changed, a field added,
    /// removed or retyped), from the texts already in [`Engine::sources`]: no file is read again.
    /// The diagnostics are those a fresh load of the same inputs would give (a removed field is
    /// an unknown field, a retyped one a value of the wrong type, a record type named for an
    /// input and now gone an unknown record type). Facts that hold a test block's facts or
    /// records streamed in chunks cannot be given again, and are refused (E0416).
    pub fn rebind_facts(&self, facts: &Facts, program: &Program) -> Result<Facts, Vec<Diagnostic>> {
        facts
            .inputs
            .check_rebindable()
            .map_err(|diagnostic| vec![diagnostic])?;
        self.bind_inputs(&facts.inputs.texts, program)
    }

    /// Binds facts texts already in [`Engine::sources`] to a program, reading nothing: what
    /// [`Engine::rebind_facts`] does once it knows the facts can be given again, for a caller
    /// that keeps the texts without the facts (a session whose facts did not fit its last program).
    pub fn bind_inputs(&self, inputs: &[TextInput], program: &Program) -> Result<Facts, Vec<Diagnostic>> {
        let mut builder = self.facts_builder(program);
        self.bind_inputs_into(&mut builder, inputs, program)?;
        builder.finish()
    }

    /// Adds facts texts already in [`Engine::sources`] to a builder, reading nothing: the
    /// reference data loaded for one program, given to a second one before a stream of subjects
    /// is decided under both.
    pub fn bind_inputs_into(
        &self,
        builder: &mut FactsBuilder<'_>,
        inputs: &[TextInput],
        program: &Program,
    ) -> Result<(), Vec<Diagnostic>> {
        let mut diagnostics = Vec::new();
        for input in inputs {
            let record = match input_record(program, input.record.as_deref()) {
                Ok(record) => record,
                Err(diagnostic) => {
                    diagnostics.push(diagnostic);
                    continue;
                }
            };
            if let Err(errors) = builder.add_table(
                &self.sources,
                input.source,
                input.format,
                record,
                input.mapping.as_ref(),
            ) {
                diagnostics.extend(errors);
            }
        }
        if diagnostics.is_empty() {
            Ok(())
        } else {
            Err(diagnostics)
        }
    }

    /// Decides every subject in the facts, in parallel (chunks of 1,024), in input order. Each
    /// entry is a decision, or the subject's row with the error that stopped its decision.
    pub fn decide_all(
        &self,
        program: &Program,
        facts: &Facts,
        options: Options,
    ) -> Result<Vec<Result<Decision, Failure>>, Diagnostic> {
        self.decide_from(program, facts, options, 0)
    }

    /// Decides the subjects from row `first` on, as [`Engine::decide_all`] does; a stream of
    /// subjects uses it to skip those of the reference data, decided with its first chunk.
    pub fn decide_from(
        &self,
        program: &Program,
        facts: &Facts,
        options: Options,
        first: u32,
    ) -> Result<Vec<Result<Decision, Failure>>, Diagnostic> {
        let evaluator = Evaluator::new(program, facts, options)?;
        let subjects: Vec<u32> = evaluator.subjects().skip(first as usize).collect();
        let decide_chunk = |chunk: &[u32]| {
            let mut scratch = Scratch::new();
            let mut decisions = Vec::with_capacity(chunk.len());
            evaluator.decide_each(&mut scratch, chunk, |subject, decision| {
                decisions.push(decision.cloned().map_err(|diagnostic| Failure {
                    subject,
                    diagnostic: Box::new(diagnostic),
                }));
            });
            decisions
        };
        // One chunk is decided on this thread: starting the other cores' threads for it would
        // take longer than deciding it.
        if subjects.len() <= DECIDE_CHUNK {
            return Ok(decide_chunk(&subjects));
        }
        Ok(subjects
            .par_chunks(DECIDE_CHUNK)
            .flat_map_iter(decide_chunk)
            .collect())
    }

    /// Adds a text given as bytes to the sources: a leading byte order mark is dropped, and
    /// bytes that are not UTF-8 are a diagnostic pointing at the first bad byte.
    pub fn add_bytes(&mut self, name: String, bytes: Vec<u8>) -> Result<SourceId, Diagnostic> {
        match decode(bytes) {
            Ok(text) => Ok(self.sources.add(name, text)),
            Err((text, offset)) => {
                let id = self.sources.add(name.clone(), text);
                Err(messages::not_utf8(&name, Span::new(id, offset, offset + 1)))
            }
        }
    }
}

/// The engine resolves imports through its `FileSystem` and reads every imported file again on
/// each load, so a change on disk is seen; the cache parses a text again only if it changed.
impl walk::Imports for Engine<'_> {
    fn cache(&self) -> &ModuleCache {
        &self.modules
    }

    fn resolve(
        &self,
        roots: &[PathBuf],
        use_decl: &ast::UseDecl,
        from: Option<&Path>,
    ) -> Result<ModuleKey, Box<Diagnostic>> {
        resolve(self.files, roots, use_decl, from)
    }

    fn fetch(
        &mut self,
        child: &ModuleKey,
        importer: SourceId,
        use_decl: &ast::UseDecl,
    ) -> Result<(), Diagnostic> {
        match child {
            ModuleKey::Std(name) => {
                let text = stdlib::module(name).expect("resolve only returns stdlib modules that exist");
                let max_nesting = self.max_nesting;
                self.modules.update(
                    &mut self.sources,
                    child,
                    || format!("<std>/{name}.pol"),
                    text,
                    |sources, id| parse_partial(sources, id, max_nesting),
                );
            }
            ModuleKey::File(file) => {
                let bytes = self.read_module(file, Some(use_decl.span))?;
                let name = import_name(&self.sources.get(importer).name, use_decl);
                self.cache_bytes(child, name, bytes);
            }
            ModuleKey::Text(_) => unreachable!("resolve returns files and stdlib modules only"),
        }
        Ok(())
    }
}

/// A text given as bytes: a leading byte order mark is dropped; bytes that are not UTF-8 give
/// the text read lossily and the offset of the first bad byte.
fn decode(bytes: Vec<u8>) -> Result<String, (String, usize)> {
    let bytes = match bytes.strip_prefix(b"\xEF\xBB\xBF") {
        Some(rest) => rest.to_vec(),
        None => bytes,
    };
    String::from_utf8(bytes).map_err(|error| {
        let offset = error.utf8_error().valid_up_to();
        // The lossy text has the same bytes up to the first bad one, so the offset holds.
        (String::from_utf8_lossy(error.as_bytes()).into_owned(), offset)
    })
}

/// Puts a text read as bytes in `modules` under `key`, parsing it with `parse` if it is new or
/// changed; a text that is not UTF-8 is kept, read lossily, with the diagnostic saying so.
pub(crate) fn cache_bytes(
    modules: &mut ModuleCache,
    sources: &mut SourceMap,
    key: &ModuleKey,
    name: String,
    bytes: Vec<u8>,
    parse: impl FnOnce(&SourceMap, SourceId) -> Parsed,
) -> SourceId {
    match decode(bytes) {
        Ok(text) => modules.update(sources, key, || name, &text, parse),
        Err((text, offset)) => {
            let shown = name.clone();
            modules.insert_unusable(sources, key, name, text, |id| {
                messages::not_utf8(&shown, Span::new(id, offset, offset + 1))
            })
        }
    }
}

/// Resolves an import to the module it names: a stdlib module, or a file (by its canonical path,
/// through `files`) under one of `roots`; `from` is the importing file's path, if it has one.
pub(crate) fn resolve(
    files: &dyn FileSystem,
    roots: &[PathBuf],
    use_decl: &ast::UseDecl,
    from: Option<&Path>,
) -> Result<ModuleKey, Box<Diagnostic>> {
    match &use_decl.target {
        ast::UseTarget::Std(parts) => {
            let names: Vec<&str> = parts.iter().map(|part| part.name.as_str()).collect();
            let dotted = names.join(".");
            let module_name = match names.as_slice() {
                ["std", rest @ ..] if !rest.is_empty() => rest.join("."),
                _ => {
                    return Err(Box::new(messages::std_path_needs_prefix(
                        &dotted,
                        stdlib::names(),
                        use_decl.span,
                    )));
                }
            };
            if stdlib::module(&module_name).is_none() {
                return Err(Box::new(messages::unknown_std_module(
                    &dotted,
                    stdlib::names(),
                    use_decl.span,
                )));
            }
            Ok(ModuleKey::Std(module_name))
        }
        ast::UseTarget::File(text) => {
            let relative = Path::new(&text.value);
            if relative.is_absolute()
                || relative
                    .components()
                    .any(|part| matches!(part, Component::Prefix(_)))
            {
                return Err(Box::new(messages::absolute_import(&text.value, text.span)));
            }
            let Some(from) = from else {
                return Err(Box::new(messages::import_without_file(&text.value, text.span)));
            };
            let base = from.parent().unwrap_or(Path::new("."));
            let joined = base.join(relative);
            let canonical = files
                .canonical(&joined)
                .map_err(|message| Box::new(messages::import_not_found(&text.value, &message, text.span)))?;
            if !roots.iter().any(|root| canonical.starts_with(root)) {
                return Err(Box::new(messages::import_outside_root(
                    &text.value,
                    roots,
                    text.span,
                )));
            }
            Ok(ModuleKey::File(canonical))
        }
    }
}

/// The record type an input was said to hold, looked up by name in `program`.
fn input_record(program: &Program, name: Option<&str>) -> Result<Option<RecordId>, Diagnostic> {
    match name {
        Some(name) => program
            .record(name)
            .map(Some)
            .ok_or_else(|| messages::unknown_record_argument(name, program)),
        None => Ok(None),
    }
}

/// The diagnostic for a file that could not be read; `import` is the `use` that asked for it,
/// `limit` the setting whose size limit applied.
pub fn read_error(name: &str, error: &ReadError, import: Option<Span>, limit: Setting) -> Diagnostic {
    match (error, import) {
        (ReadError::TooLarge { size, limit: bytes }, _) => {
            messages::too_large(name, *size, *bytes, import, limit)
        }
        (ReadError::Failed(message), Some(span)) => messages::import_unreadable(name, message, span),
        (ReadError::Failed(message), None) => messages::cannot_read(name, message),
    }
}

/// The diagnostic for output that could not be written on standard output (a full disk).
pub fn cannot_write_output(message: &str) -> Diagnostic {
    messages::cannot_write_output(message)
}

/// The warning for a symbolic link to a folder met while searching for policies, which is not
/// followed.
pub fn link_not_followed(path: &str) -> Diagnostic {
    messages::link_not_followed(path)
}

/// The warning for a folder named on the command line in which a search found no policy.
pub fn no_policies(folder: &str) -> Diagnostic {
    messages::no_policies(folder)
}

/// The diagnostic for a command-line value that is not valid: `` `FLAG VALUE` PROBLEM ``.
pub fn invalid_argument(flag: &str, value: &str, problem: &str, help: &str) -> Diagnostic {
    messages::invalid_argument(flag, value, problem, help)
}

/// The name an imported file is shown by: its path as the user would write it from where they
/// named the importing file (`policies/schema.pol`), not the machine's absolute path.
pub(crate) fn import_name(importer: &str, use_decl: &ast::UseDecl) -> String {
    let ast::UseTarget::File(text) = &use_decl.target else {
        unreachable!("only file imports are read from disk")
    };
    let joined = Path::new(importer)
        .parent()
        .unwrap_or(Path::new(""))
        .join(&text.value);
    let mut parts: Vec<Component<'_>> = Vec::new();
    for part in joined.components() {
        match part {
            Component::CurDir => {}
            Component::ParentDir if matches!(parts.last(), Some(Component::Normal(_))) => {
                parts.pop();
            }
            other => parts.push(other),
        }
    }
    parts.iter().collect::<PathBuf>().display().to_string()
}

#[cfg(test)]
mod rebind_tests;
