//! The engine: runs the stages in order (load and parse modules, check, load facts, decide, test)
//! for the command line, the REPL, the tests and editors. The only code that knows the order.

mod messages;
pub mod testing;

use std::collections::HashMap;
use std::path::{Component, Path, PathBuf};

use rayon::prelude::*;

use crate::check::{self, Checked, ir::Program};
use crate::diagnostic::Diagnostic;
use crate::eval::{Decision, Evaluator, Options, Scratch};
use crate::facts::{Facts, FactsBuilder, Format};
use crate::source::{SourceId, SourceMap, Span};
use crate::stdlib;
use crate::syntax::{self, ast};

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

/// Runs Pol's stages over one set of sources.
pub struct Engine<'fs> {
    /// Every text read so far: policies, stdlib modules, facts.
    pub sources: SourceMap,
    files: &'fs dyn FileSystem,
    roots: Vec<PathBuf>,
    /// Nesting allowed in policy syntax.
    pub max_nesting: usize,
    /// The largest policy file read, in bytes.
    pub max_policy_bytes: u64,
    /// The deepest nesting of arrays and objects in JSON or YAML facts.
    pub max_facts_nesting: usize,
}

/// The flag that raises [`Engine::max_policy_bytes`].
const POLICY_LIMIT_FLAG: &str = "--max-policy-bytes";

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

enum ModuleKey {
    File(PathBuf),
    Std(String),
}

impl<'fs> Engine<'fs> {
    /// An engine reading files through `files`; imports may only reach files under `roots`
    /// (besides the directory of each policy loaded).
    pub fn new(files: &'fs dyn FileSystem, roots: Vec<PathBuf>) -> Engine<'fs> {
        Engine {
            sources: SourceMap::new(),
            files,
            roots,
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
                    POLICY_LIMIT_FLAG,
                )]
            })?;
        if let Some(parent) = canonical.parent() {
            self.roots.push(parent.to_path_buf());
        }
        let id = self
            .add_bytes(path.display().to_string(), bytes)
            .map_err(|diagnostic| vec![diagnostic])?;
        self.load_from(id, Some(canonical))
    }

    /// Parses and checks a policy given as text (an editor buffer, a REPL session, a test);
    /// file imports resolve against `dir` when given.
    pub fn load_policy_text(
        &mut self,
        name: &str,
        text: &str,
        dir: Option<&Path>,
    ) -> Result<Loaded, Vec<Diagnostic>> {
        let id = self.sources.add(name, text);
        if let Some(dir) = dir {
            self.roots.push(dir.to_path_buf());
        }
        let path = dir.map(|dir| dir.join(name));
        self.load_from(id, path)
    }

    fn load_from(&mut self, root: SourceId, path: Option<PathBuf>) -> Result<Loaded, Vec<Diagnostic>> {
        let mut order: Vec<(SourceId, ast::Module)> = Vec::new();
        let mut diagnostics = Vec::new();
        let mut visited: HashMap<String, Option<usize>> = HashMap::new();
        let mut stack: Vec<String> = Vec::new();
        let key = path
            .as_ref()
            .map_or_else(|| format!("text:{}", root.0), |path| path.display().to_string());
        self.visit(
            root,
            path,
            key,
            &mut visited,
            &mut stack,
            &mut order,
            &mut diagnostics,
        );
        if diagnostics.iter().any(Diagnostic::is_error) {
            crate::diagnostic::sort(&mut diagnostics);
            crate::diagnostic::cap(&mut diagnostics, POLICY_PLACE);
            return Err(diagnostics);
        }
        let (ids, modules): (Vec<SourceId>, Vec<ast::Module>) = order.into_iter().unzip();
        let header = modules
            .last()
            .map(|module| (module.header.kind, module.header.span))
            .expect("a load without errors has parsed the policy");
        let checked = check::check(&modules);
        // The syntax trees of a large policy take milliseconds to free: another core frees them.
        if modules.iter().map(|module| module.items.len()).sum::<usize>() > 1_000 {
            rayon::spawn(move || drop(modules));
        }
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

    /// Parses one module and, depth first, the modules it imports; appends them in dependency order.
    #[allow(clippy::too_many_arguments)]
    fn visit(
        &mut self,
        id: SourceId,
        path: Option<PathBuf>,
        key: String,
        visited: &mut HashMap<String, Option<usize>>,
        stack: &mut Vec<String>,
        order: &mut Vec<(SourceId, ast::Module)>,
        diagnostics: &mut Vec<Diagnostic>,
    ) {
        let module = match syntax::parse_with_warnings(&self.sources, id, self.max_nesting) {
            Ok((module, warnings)) => {
                diagnostics.extend(warnings);
                module
            }
            Err(errors) => {
                diagnostics.extend(errors);
                visited.insert(key, Some(usize::MAX));
                return;
            }
        };
        visited.insert(key.clone(), None);
        stack.push(key.clone());
        for item in &module.items {
            let ast::Item::Use(use_decl) = item else { continue };
            let child = match self.resolve(use_decl, path.as_deref()) {
                Ok(found) => found,
                Err(diagnostic) => {
                    diagnostics.push(*diagnostic);
                    continue;
                }
            };
            let child_key_text = match &child {
                ModuleKey::File(path) => path.display().to_string(),
                ModuleKey::Std(name) => format!("std:{name}"),
            };
            match visited.get(&child_key_text) {
                Some(Some(_)) => continue,
                Some(None) => {
                    let start = stack
                        .iter()
                        .position(|entry| *entry == child_key_text)
                        .unwrap_or(0);
                    let cycle: Vec<String> = stack[start..]
                        .iter()
                        .chain(std::iter::once(&child_key_text))
                        .map(|entry| display_key(entry))
                        .collect();
                    diagnostics.push(messages::import_cycle(&cycle, use_decl.span));
                    continue;
                }
                None => {}
            }
            let (child_id, child_path) = match child {
                ModuleKey::Std(name) => {
                    let text = stdlib::module(&name).expect("resolve only returns stdlib modules that exist");
                    (self.sources.add(format!("<std>/{name}.pol"), text), None)
                }
                ModuleKey::File(path) => match self.files.read(&path, self.max_policy_bytes) {
                    Ok(bytes) => {
                        match self.add_bytes(import_name(&self.sources.get(id).name, use_decl), bytes) {
                            Ok(id) => (id, Some(path)),
                            Err(diagnostic) => {
                                diagnostics.push(diagnostic);
                                continue;
                            }
                        }
                    }
                    Err(error) => {
                        diagnostics.push(read_error(
                            &path.display().to_string(),
                            &error,
                            Some(use_decl.span),
                            POLICY_LIMIT_FLAG,
                        ));
                        continue;
                    }
                },
            };
            self.visit(
                child_id,
                child_path,
                child_key_text,
                visited,
                stack,
                order,
                diagnostics,
            );
        }
        stack.pop();
        visited.insert(key, Some(order.len()));
        order.push((id, module));
    }

    fn resolve(&self, use_decl: &ast::UseDecl, from: Option<&Path>) -> Result<ModuleKey, Box<Diagnostic>> {
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
                let canonical = self.files.canonical(&joined).map_err(|message| {
                    Box::new(messages::import_not_found(&text.value, &message, text.span))
                })?;
                if !self.roots.iter().any(|root| canonical.starts_with(root)) {
                    return Err(Box::new(messages::import_outside_root(
                        &text.value,
                        &self.roots,
                        text.span,
                    )));
                }
                Ok(ModuleKey::File(canonical))
            }
        }
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
            let record = match &input.record {
                Some(name) => match program.record(name) {
                    Some(record) => Some(record),
                    None => {
                        diagnostics.push(messages::unknown_record_argument(name, program));
                        continue;
                    }
                },
                None => None,
            };
            let id = match self.add_bytes(input.name, input.bytes) {
                Ok(id) => id,
                Err(diagnostic) => {
                    diagnostics.push(diagnostic);
                    continue;
                }
            };
            if let Err(errors) = builder.add_text(&self.sources, id, input.format, record) {
                diagnostics.extend(errors);
            }
        }
        if diagnostics.is_empty() {
            Ok(())
        } else {
            Err(diagnostics)
        }
    }

    /// Decides every subject in the facts, in parallel, in input order. Each entry is a decision,
    /// or the subject's row with the error that stopped its decision.
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
        Ok(subjects
            .par_chunks(1024)
            .flat_map_iter(|chunk| {
                let mut scratch = Scratch::new();
                let mut decisions = Vec::with_capacity(chunk.len());
                evaluator.decide_each(&mut scratch, chunk, |subject, decision| {
                    decisions.push(decision.cloned().map_err(|diagnostic| Failure {
                        subject,
                        diagnostic: Box::new(diagnostic),
                    }));
                });
                decisions
            })
            .collect())
    }

    /// Adds a text given as bytes to the sources: a leading byte order mark is dropped, and
    /// bytes that are not UTF-8 are a diagnostic pointing at the first bad byte.
    pub fn add_bytes(&mut self, name: String, bytes: Vec<u8>) -> Result<SourceId, Diagnostic> {
        let bytes = match bytes.strip_prefix(b"\xEF\xBB\xBF") {
            Some(rest) => rest.to_vec(),
            None => bytes,
        };
        match String::from_utf8(bytes) {
            Ok(text) => Ok(self.sources.add(name, text)),
            Err(error) => {
                let offset = error.utf8_error().valid_up_to();
                let text = String::from_utf8_lossy(error.as_bytes()).into_owned();
                // The lossy text has the same bytes up to the first bad one, so the offset holds.
                let id = self.sources.add(name.clone(), text);
                Err(messages::not_utf8(&name, Span::new(id, offset, offset + 1)))
            }
        }
    }
}

/// The diagnostic for a file that could not be read; `import` is the `use` that asked for it,
/// `limit_flag` the command-line flag that raises the size limit that applied.
pub fn read_error(name: &str, error: &ReadError, import: Option<Span>, limit_flag: &str) -> Diagnostic {
    match (error, import) {
        (ReadError::TooLarge { size, limit }, _) => {
            messages::too_large(name, *size, *limit, import, limit_flag)
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
fn import_name(importer: &str, use_decl: &ast::UseDecl) -> String {
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

fn display_key(key: &str) -> String {
    match key.strip_prefix("std:") {
        Some(name) => format!("std.{name}"),
        None => Path::new(key)
            .file_name()
            .map_or_else(|| key.to_string(), |name| name.to_string_lossy().into_owned()),
    }
}
