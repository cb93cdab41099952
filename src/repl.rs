//! The REPL session (above `session`): one complete input at a time, an expression, declarations
//! or a `:command`, answered with text and diagnostics; no terminal code.

mod messages;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use crate::analysis::Completion;
use crate::diagnostic::{Code, Diagnostic};
use crate::engine::FileSystem;
use crate::eval::LawDate;
use crate::facts::{Edited, FactEdit, Format, edit_fact};
use crate::session::{Evaluated, FactsFile, FileDiagnostics, Workspace};
use crate::source::{SourceId, SourceMap, Span};
use crate::syntax::{self, Input, ast};
use crate::value::Date;

/// The meta-commands, in the order `:help` lists them, with their usage and what they do.
pub const COMMANDS: &[(&str, &str, &str)] = &[
    ("help", ":help", "show this list"),
    ("quit", ":quit", "leave the REPL (Ctrl-D too)"),
    (
        "load",
        ":load FILE",
        "work on a policy; declarations typed here are dropped, the facts are kept",
    ),
    (
        "facts",
        ":facts [RECORD=]FILE",
        "load a facts file (.json .jsonl .ndjson .yaml .yml .csv) besides those loaded",
    ),
    (
        "decide",
        ":decide KEY",
        "decide the subject with this key, as `pol run` does",
    ),
    (
        "why",
        ":why",
        "the derivation of the last decision, as `pol run` explains it",
    ),
    (
        "whynot",
        ":whynot RULE",
        "why a rule did not decide the last subject: the first part that failed, with its operands",
    ),
    (
        "set",
        ":set Record[\"key\"].field = JSON",
        "change one fact of the facts loaded, in memory (not the file)",
    ),
    (
        "unset",
        ":unset Record[\"key\"].field",
        "remove one fact of the facts loaded, so it is missing",
    ),
    (
        "diff",
        ":diff",
        "how the last decision and its derivation changed since the first `:set` or `:unset` after it",
    ),
    ("type", ":type EXPR", "the type of an expression"),
    (
        "rules",
        ":rules",
        "every rule: its effect, citation and dates in force",
    ),
    (
        "asof",
        ":asof [DATE]",
        "decide under the law of DATE (YYYY-MM-DD); alone, under each subject's own date",
    ),
    (
        "reload",
        ":reload",
        "read the policy and facts files again from the disk",
    ),
    (
        "reset",
        ":reset",
        "drop the declarations typed here, the facts and their changes, the date and the last decision",
    ),
];

/// The header of the policy the REPL works on when none is loaded.
const SCRATCH_HEADER: &str = "module \"repl\"\n";

/// The source map a reply's diagnostics point into.
#[derive(Copy, Clone, Debug, PartialEq, Eq)]
pub enum Sources {
    /// The workspace's ([`Repl::workspace`]): policies, facts and expressions.
    Workspace,
    /// The REPL's own, which holds the `:command` lines.
    Commands,
}

/// What the REPL answers to one input.
#[derive(Clone, Debug)]
pub struct Reply {
    /// What to print on standard output, without a final newline; may be empty.
    pub text: String,
    /// Errors and warnings to render as `pol check` renders them.
    pub diagnostics: Vec<Diagnostic>,
    /// Which source map the diagnostics point into ([`Repl::sources`]).
    pub sources: Sources,
    /// Whether the session should end (`:quit`).
    pub quit: bool,
}

impl Reply {
    fn text(text: impl Into<String>) -> Reply {
        Reply {
            text: text.into(),
            diagnostics: Vec::new(),
            sources: Sources::Workspace,
            quit: false,
        }
    }

    fn errors(diagnostics: Vec<Diagnostic>) -> Reply {
        Reply {
            text: String::new(),
            diagnostics,
            sources: Sources::Workspace,
            quit: false,
        }
    }

    fn command_error(diagnostic: Diagnostic) -> Reply {
        Reply {
            sources: Sources::Commands,
            ..Reply::errors(vec![diagnostic])
        }
    }
}

/// A declaration typed at the prompt, as text.
#[derive(Clone, Debug)]
struct Typed {
    /// What it defines (see [`item_key`]).
    key: String,
    /// Its text as typed.
    text: String,
}

/// A declaration of the loaded policy's own text.
#[derive(Clone, Debug)]
struct Declared {
    key: String,
    /// Its byte range in the policy's text.
    start: usize,
    end: usize,
}

/// An interactive session over a [`Workspace`]: a policy (or an empty module), the declarations
/// typed at the prompt appended to its text, facts, and the last subject decided.
pub struct Repl<'fs> {
    workspace: Workspace<'fs>,
    files: &'fs dyn FileSystem,
    /// The policy loaded, as the file system names it.
    policy: Option<PathBuf>,
    /// The policy as the user named it.
    policy_name: String,
    /// The name of the empty module worked on while no policy is loaded.
    scratch: PathBuf,
    /// The policy's text as read, or the empty module's.
    base: String,
    /// The declarations of `base`, which a declaration typed with the same name replaces.
    declared: Vec<Declared>,
    /// The declarations typed at the prompt, in order.
    typed: Vec<Typed>,
    /// The facts files loaded, in order.
    facts: Vec<FactsFile>,
    /// The texts of facts files changed by `:set` and `:unset`, by path.
    edited: BTreeMap<PathBuf, Vec<u8>>,
    /// The subject and the text of the last decision (with its derivation) before the first
    /// change to the facts after it, for `:diff`.
    before_edit: Option<(String, String)>,
    /// The key of the last subject decided.
    last_key: Option<String>,
    /// The errors of the program as it last stood, which a new declaration is not blamed for.
    known_errors: Vec<(Code, String)>,
    /// Whether the workspace holds the text of a refused declaration, kept so that its
    /// diagnostics can be rendered, to be put back before the next input.
    refused: bool,
    /// The `:command` lines, and an input answered before it was complete, for their
    /// diagnostics.
    commands: SourceMap,
    /// The last `:command` line's id in `commands`.
    command_line: Option<SourceId>,
    /// The last unfinished input's id in `commands`.
    unfinished: Option<SourceId>,
    /// Parses of typed text, to find declarations and their names.
    scratch_sources: SourceMap,
    /// The typed text's id in `scratch_sources`.
    input_id: Option<SourceId>,
}

impl std::fmt::Debug for Repl<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Repl")
            .field("policy", &self.policy)
            .field("typed", &self.typed)
            .field("facts", &self.facts)
            .finish_non_exhaustive()
    }
}

impl<'fs> Repl<'fs> {
    /// A session with no policy, over a workspace reading through `files`; `scratch` names the
    /// empty module worked on until a policy is loaded (a path in the working directory, so
    /// that its imports resolve there).
    pub fn new(workspace: Workspace<'fs>, files: &'fs dyn FileSystem, scratch: PathBuf) -> Repl<'fs> {
        let mut repl = Repl {
            workspace,
            files,
            policy: None,
            policy_name: String::new(),
            scratch,
            base: SCRATCH_HEADER.to_owned(),
            declared: Vec::new(),
            typed: Vec::new(),
            facts: Vec::new(),
            edited: BTreeMap::new(),
            before_edit: None,
            last_key: None,
            known_errors: Vec::new(),
            refused: false,
            commands: SourceMap::new(),
            command_line: None,
            unfinished: None,
            scratch_sources: SourceMap::new(),
            input_id: None,
        };
        let diagnostics = repl.compose();
        repl.known_errors = error_keys(&diagnostics);
        repl
    }

    /// The workspace, for completions, hovers and highlighting.
    pub fn workspace(&self) -> &Workspace<'fs> {
        &self.workspace
    }

    /// The workspace, to change its options (budgets, the law's date).
    pub fn workspace_mut(&mut self) -> &mut Workspace<'fs> {
        &mut self.workspace
    }

    /// The file the session works on: the policy loaded, or the empty module.
    pub fn path(&self) -> &Path {
        self.policy.as_deref().unwrap_or(&self.scratch)
    }

    /// The source map a reply's diagnostics point into.
    pub fn sources(&self, which: Sources) -> &SourceMap {
        match which {
            Sources::Workspace => self.workspace.sources(),
            Sources::Commands => &self.commands,
        }
    }

    /// The key of the last subject decided.
    pub fn last_key(&self) -> Option<&str> {
        self.last_key.as_deref()
    }

    /// The keys of the subjects in the facts loaded, for `:decide` to complete.
    pub fn subject_keys(&self) -> Vec<String> {
        self.workspace.subject_keys()
    }

    /// The names that may come at the end of `before`, the text typed so far: names in scope,
    /// fields after a `.`, enum values, rule names, keywords. The text is read as a rule's
    /// condition (the subject in scope), or as a declaration if it starts one.
    pub fn complete(&mut self, before: &str) -> Vec<Completion> {
        if self.refused {
            self.refused = false;
            self.compose();
        }
        let composed = self.composed_text();
        let starts_declaration = matches!(
            before.split_whitespace().next(),
            Some(
                "let"
                    | "fn"
                    | "record"
                    | "enum"
                    | "rule"
                    | "obligation"
                    | "test"
                    | "decide"
                    | "default"
                    | "use"
            )
        );
        let mut text = composed;
        text.push('\n');
        if !starts_declaration {
            text.push_str("rule repl_completion: permit when ");
        }
        text.push_str(before);
        let offset = u32::try_from(text.len()).unwrap_or(u32::MAX);
        let path = self.path().to_path_buf();
        self.workspace.set_text(&path, &text);
        let completions = self.workspace.completions(&path, offset);
        self.compose();
        completions
    }

    /// Answers one complete input.
    pub fn input(&mut self, text: &str) -> Reply {
        if self.refused {
            self.refused = false;
            self.compose();
        }
        if is_command(text) {
            return self.command(text);
        }
        match self.parse(text) {
            Input::Items { items, .. } if !items.is_empty() => {
                let id = self.scratch_id();
                let typed = &self.scratch_sources.get(id).text;
                let typed: Vec<Typed> = items
                    .iter()
                    .map(|item| Typed {
                        key: item_key(item, typed),
                        text: typed[item.span().range()].to_owned(),
                    })
                    .collect();
                self.declare(typed)
            }
            _ => self.evaluate(text),
        }
    }

    /// Parses typed text in the REPL's own source map.
    fn parse(&mut self, text: &str) -> Input {
        let id = self.scratch_id();
        self.scratch_sources.set_text(id, text);
        syntax::parse_input(&self.scratch_sources, id, syntax::DEFAULT_MAX_NESTING)
    }

    fn scratch_id(&mut self) -> SourceId {
        match self.input_id {
            Some(id) => id,
            None => {
                let id = self.scratch_sources.add("<input>", "");
                self.input_id = Some(id);
                id
            }
        }
    }

    /// Evaluates an expression with the last subject decided bound, if any.
    fn evaluate(&mut self, text: &str) -> Reply {
        match self.evaluate_here(text) {
            Ok(Evaluated::Known { value, ty, warnings }) => Reply {
                diagnostics: warnings,
                ..Reply::text(format!("{value} : {ty}"))
            },
            Ok(Evaluated::Unknown {
                missing,
                ty,
                warnings,
            }) => Reply {
                diagnostics: warnings,
                ..Reply::text(format!("unknown : {ty}, missing {}", missing.join(", ")))
            },
            Ok(Evaluated::Empty) => Reply::text(""),
            // An input answered before it is complete (the end of a script): it is an error,
            // never silently dropped.
            Ok(Evaluated::Incomplete) => {
                let id = match self.unfinished {
                    Some(id) => {
                        self.commands.set_text(id, text);
                        id
                    }
                    None => {
                        let id = self.commands.add("<input>", text);
                        self.unfinished = Some(id);
                        id
                    }
                };
                let end = text.trim_end().len();
                Reply::command_error(messages::unfinished_input(Span::new(id, end, end)))
            }
            Err(diagnostics) => Reply::errors(diagnostics),
        }
    }

    /// Evaluates an expression in the policy worked on, with the last subject decided bound
    /// while the facts loaded still have it.
    fn evaluate_here(&mut self, text: &str) -> Result<Evaluated, Vec<Diagnostic>> {
        let path = self.path().to_path_buf();
        let subject = self.last_key.clone().filter(|_| !self.facts.is_empty());
        let evaluated = self.workspace.evaluate(&path, text, subject.as_deref());
        match evaluated {
            Err(diagnostics)
                if subject.is_some()
                    && diagnostics
                        .iter()
                        .any(|diagnostic| diagnostic.code == Code::UnknownSubject) =>
            {
                // The facts loaded since have no subject with that key: nothing is bound.
                self.last_key = None;
                self.workspace.evaluate(&path, text, None)
            }
            evaluated => evaluated,
        }
    }

    /// Adds declarations typed at the prompt, each replacing one of the same name; refuses
    /// them all if they bring an error.
    fn declare(&mut self, new: Vec<Typed>) -> Reply {
        let before = self.typed.clone();
        let mut said = Vec::new();
        for typed in new {
            let what = describe(&typed.key);
            let replaces_typed = self.typed.iter().position(|old| old.key == typed.key);
            let replaces_declared = self.declared.iter().any(|old| old.key == typed.key);
            match replaces_typed {
                Some(idx) => self.typed[idx] = typed,
                None => self.typed.push(typed),
            }
            if replaces_typed.is_some() || replaces_declared {
                said.push(format!("replaced {what}"));
            } else {
                said.push(format!("defined {what}"));
            }
        }
        let diagnostics = self.compose();
        let errors: Vec<Diagnostic> = diagnostics
            .into_iter()
            .filter(|diagnostic| {
                diagnostic.is_error()
                    && !self
                        .known_errors
                        .contains(&(diagnostic.code, diagnostic.message.clone()))
            })
            .collect();
        if !errors.is_empty() {
            self.typed = before;
            self.refused = true;
            return Reply::errors(errors);
        }
        Reply::text(said.join("\n"))
    }

    /// Gives the workspace the text worked on: the policy's, less the declarations typed
    /// again, then those typed. Every diagnostic of the program, with those of the files it reaches.
    fn compose(&mut self) -> Vec<Diagnostic> {
        let text = self.composed_text();
        let path = self.path().to_path_buf();
        flatten(self.workspace.set_text(&path, &text))
    }

    /// The text worked on: see [`Repl::compose`].
    fn composed_text(&self) -> String {
        self.composed().0
    }

    /// The text worked on, and where the declarations typed at the prompt start in it.
    fn composed(&self) -> (String, usize) {
        let mut text = String::with_capacity(self.base.len());
        let mut at = 0;
        for declared in &self.declared {
            if self.typed.iter().any(|typed| typed.key == declared.key) {
                text.push_str(&self.base[at..declared.start]);
                at = declared.end;
            }
        }
        text.push_str(&self.base[at..]);
        let typed_start = text.len();
        if !self.typed.is_empty() {
            text.push_str("\n// Typed at the prompt.\n");
            for typed in &self.typed {
                text.push_str(&typed.text);
                text.push('\n');
            }
        }
        (text, typed_start)
    }

    /// Runs a `:command` line.
    fn command(&mut self, line: &str) -> Reply {
        let id = match self.command_line {
            Some(id) => {
                self.commands.set_text(id, line);
                id
            }
            None => {
                let id = self.commands.add("<command>", line);
                self.command_line = Some(id);
                id
            }
        };
        let start = line.len() - line.trim_start().len() + 1;
        let name_end = line[start..]
            .find(char::is_whitespace)
            .map_or(line.len(), |len| start + len);
        let name = &line[start..name_end];
        let argument = line[name_end..].trim();
        let arg_start = if argument.is_empty() {
            line.trim_end().len()
        } else {
            name_end + (line[name_end..].len() - line[name_end..].trim_start().len())
        };
        let name_span = Span::new(id, start - 1, name_end);
        let arg_span = Span::new(id, arg_start, arg_start + argument.len());
        let known: Vec<&str> = COMMANDS.iter().map(|(name, _, _)| *name).collect();
        match name {
            "help" => Reply::text(help_text()),
            "quit" | "q" => Reply {
                quit: true,
                ..Reply::text("")
            },
            "load" => match argument {
                "" => Reply::command_error(messages::missing_argument(
                    "load",
                    "a file",
                    ":load FILE",
                    arg_span,
                )),
                file => self.load(Path::new(file), arg_span),
            },
            "facts" => match argument {
                "" => Reply::command_error(messages::missing_argument(
                    "facts",
                    "a file",
                    ":facts [RECORD=]FILE",
                    arg_span,
                )),
                spec => self.add_facts(spec, arg_span),
            },
            "decide" => match argument {
                "" => Reply::command_error(messages::missing_argument(
                    "decide",
                    "a key",
                    ":decide KEY",
                    arg_span,
                )),
                key => self.decide(key, false),
            },
            "why" => match self.last_key.clone() {
                None => Reply::command_error(messages::no_decision(name_span)),
                Some(key) => self.decide(&key, true),
            },
            "whynot" => match (argument, self.last_key.clone()) {
                ("", _) => Reply::command_error(messages::missing_argument(
                    "whynot",
                    "a rule's name",
                    ":whynot RULE",
                    arg_span,
                )),
                (_, None) => Reply::command_error(messages::no_decision(name_span)),
                (rule, Some(key)) => self.why_not(&key, rule, arg_span),
            },
            "set" => match argument.split_once('=') {
                Some((fact, value)) => self.edit(fact.trim(), Some(value.trim()), arg_span),
                None => Reply::command_error(messages::missing_argument(
                    "set",
                    "a fact and a value",
                    ":set Record[\"key\"].field = JSON",
                    arg_span,
                )),
            },
            "unset" => match argument {
                "" => Reply::command_error(messages::missing_argument(
                    "unset",
                    "a fact",
                    ":unset Record[\"key\"].field",
                    arg_span,
                )),
                fact => self.edit(fact, None, arg_span),
            },
            "diff" => self.diff(name_span),
            "type" => match argument {
                "" => Reply::command_error(messages::missing_argument(
                    "type",
                    "an expression",
                    ":type EXPR",
                    arg_span,
                )),
                expr => match self.evaluate_here(expr) {
                    Ok(Evaluated::Known { ty, .. } | Evaluated::Unknown { ty, .. }) => Reply::text(ty),
                    Ok(Evaluated::Incomplete | Evaluated::Empty) => {
                        Reply::command_error(messages::bad_argument(
                            "type",
                            "the expression ends too soon",
                            "write the whole expression on one line",
                            arg_span,
                        ))
                    }
                    Err(diagnostics) => Reply::errors(diagnostics),
                },
            },
            "rules" => self.rules(),
            "asof" => self.as_of(argument, arg_span),
            "reload" => match self.policy.clone() {
                None => Reply::command_error(messages::no_policy("reload", name_span)),
                Some(policy) => self.reload(&policy),
            },
            "reset" => {
                self.typed.clear();
                self.facts.clear();
                self.edited.clear();
                self.before_edit = None;
                self.last_key = None;
                self.workspace.options.law = LawDate::SubjectDate;
                let diagnostics = self.compose();
                self.known_errors = error_keys(&diagnostics);
                self.workspace.clear_facts();
                Reply::text(
                    "dropped the declarations typed here, the facts and their changes, the date and the last decision",
                )
            }
            _ => Reply::command_error(messages::unknown_command(name, name_span, &known)),
        }
    }

    /// Loads a policy in place of the one worked on.
    fn load(&mut self, file: &Path, span: Span) -> Reply {
        // A file that cannot be found leaves the session as it was.
        let path = match self.files.canonical(file) {
            Ok(path) => path,
            Err(message) => {
                return Reply::command_error(messages::bad_argument(
                    "load",
                    &format!("cannot open `{}`: {message}", file.display()),
                    "name a policy file; a relative path starts from the folder `pol repl` was started in",
                    span,
                ));
            }
        };
        match self.policy.replace(path.clone()) {
            Some(old) if old != path => {
                self.workspace.remove(&old);
            }
            Some(_) => {}
            None => {
                let scratch = self.scratch.clone();
                self.workspace.remove(&scratch);
            }
        }
        let dropped = self.typed.len();
        self.typed.clear();
        self.last_key = None;
        self.policy_name = file.display().to_string();
        self.reload(&path).with_prefix(match dropped {
            0 => String::new(),
            1 => "dropped 1 declaration typed here\n".to_owned(),
            n => format!("dropped {n} declarations typed here\n"),
        })
    }

    /// Reads the policy from the disk again, then every facts file.
    fn reload(&mut self, path: &Path) -> Reply {
        // The file is opened first, so that closing it reads it from the disk again and drops
        // the text last composed from it.
        self.workspace.open(path);
        let diagnostics = flatten(self.workspace.close(path));
        let Some(id) = self.workspace.source_id(path) else {
            let errors: Vec<Diagnostic> = diagnostics.into_iter().filter(Diagnostic::is_error).collect();
            self.base = String::new();
            self.declared.clear();
            self.known_errors = error_keys(&errors);
            return Reply::errors(errors);
        };
        self.base = self.workspace.sources().get(id).text.clone();
        self.declared = declarations(&mut self.scratch_sources, &self.base);
        let mut diagnostics = self.compose();
        self.known_errors = error_keys(&diagnostics);
        // Warnings about the declarations typed at the prompt (a constant tried and not used
        // yet) are not news about the file.
        let typed_start = self.composed().1;
        let source = self.workspace.source_id(path);
        diagnostics.retain(|diagnostic| {
            diagnostic.is_error()
                || !diagnostic.primary.as_ref().is_some_and(|label| {
                    Some(label.span.source) == source && label.span.range().start >= typed_start
                })
        });
        let n_errors = diagnostics.iter().filter(|d| d.is_error()).count();
        let mut reply = Reply {
            diagnostics,
            ..Reply::text(format!(
                "loaded {}{}",
                self.policy_name,
                match n_errors {
                    0 => String::new(),
                    1 => " (1 error)".to_owned(),
                    n => format!(" ({n} errors)"),
                }
            ))
        };
        if !self.edited.is_empty() {
            self.edited.clear();
            self.before_edit = None;
            reply
                .text
                .push_str("\ndropped the changes made to the facts with `:set` and `:unset`");
        }
        if !self.facts.is_empty() {
            let path = path.to_path_buf();
            if let Err(errors) = self.workspace.load_facts_with(&path, &self.facts, &self.edited) {
                reply.diagnostics.extend(errors);
            }
        }
        reply
    }

    /// Loads one more facts file, `[RECORD=]FILE`, with those loaded before.
    fn add_facts(&mut self, spec: &str, span: Span) -> Reply {
        let (record, file) = match spec.split_once('=') {
            Some((record, file)) if !record.is_empty() && !record.contains(['/', '.']) => {
                (Some(record.to_owned()), file)
            }
            _ => (None, spec),
        };
        let Some(format) = Format::from_path(file) else {
            return Reply::command_error(messages::bad_argument(
                "facts",
                &format!("cannot tell the format of `{file}` from its name"),
                "name a file ending in .json, .jsonl, .ndjson, .yaml, .yml or .csv",
                span,
            ));
        };
        let path = self
            .files
            .canonical(Path::new(file))
            .unwrap_or_else(|_| PathBuf::from(file));
        let mut inputs: Vec<FactsFile> = self
            .facts
            .iter()
            .filter(|old| old.path != path)
            .cloned()
            .collect();
        inputs.push(FactsFile {
            path: PathBuf::from(file),
            format,
            record,
        });
        let policy = self.path().to_path_buf();
        match self.workspace.load_facts_with(&policy, &inputs, &self.edited) {
            Ok(()) => {
                self.facts = inputs;
                Reply::text(format!("loaded facts from {file}"))
            }
            Err(diagnostics) => Reply::errors(diagnostics),
        }
    }

    /// Decides the subject with `key`, with its derivation if `explain`.
    fn decide(&mut self, key: &str, explain: bool) -> Reply {
        let saved = self.workspace.options.explain;
        self.workspace.options.explain = explain;
        let decided = self.workspace.decide(key);
        self.workspace.options.explain = saved;
        match decided {
            Ok(decision) => {
                self.last_key = Some(key.to_owned());
                let text = self.workspace.decision_text(&decision).unwrap_or_default();
                Reply::text(text.trim_end().to_owned())
            }
            Err(diagnostics) => Reply::errors(diagnostics),
        }
    }

    /// Decides the subject with `key` again with its derivation, and says why `rule` did not
    /// decide it.
    fn why_not(&mut self, key: &str, rule: &str, span: Span) -> Reply {
        let path = self.path().to_path_buf();
        let names: Vec<String> = self
            .workspace
            .program(&path)
            .map(|program| program.rules.iter().map(|def| def.name.clone()).collect())
            .unwrap_or_default();
        if !names.iter().any(|name| name == rule) && !names.is_empty() {
            let names: Vec<&str> = names.iter().map(String::as_str).collect();
            return Reply::command_error(messages::unknown_rule(rule, span, &names));
        }
        let saved = self.workspace.options.explain;
        self.workspace.options.explain = true;
        let decided = self.workspace.decide(key);
        self.workspace.options.explain = saved;
        match decided {
            Ok(decision) => match self.workspace.why_not_text(&decision, rule) {
                Some(text) => Reply::text(text),
                None => Reply::text(format!(
                    "the derivation of {key} does not hold rule `{rule}`: the law's date is unknown"
                )),
            },
            Err(diagnostics) => Reply::errors(diagnostics),
        }
    }

    /// The last decision, with its derivation, as text; `None` if nothing was decided or it fails.
    fn explained(&mut self, key: &str) -> Option<String> {
        let saved = self.workspace.options.explain;
        self.workspace.options.explain = true;
        let decided = self.workspace.decide(key);
        self.workspace.options.explain = saved;
        let decision = decided.ok()?;
        self.workspace.decision_text(&decision)
    }

    /// Changes (`Some(value)`) or removes (`None`) one fact, `Record["key"].field`, in the copy
    /// of the facts file that holds the record (in its own format), and loads the facts again.
    fn edit(&mut self, fact: &str, value: Option<&str>, span: Span) -> Reply {
        let command = if value.is_some() { "set" } else { "unset" };
        let usage = "write the fact as `Record[\"key\"].field`, e.g. `Transfer[\"t1\"].destination`";
        let parsed = fact.split_once("[\"").and_then(|(record, rest)| {
            let (key, rest) = rest.split_once("\"]")?;
            let field = rest.strip_prefix('.')?;
            let plain =
                |word: &str| !word.is_empty() && word.chars().all(|c| c.is_alphanumeric() || c == '_');
            (plain(record.trim()) && plain(field.trim())).then(|| (record.trim(), key, field.trim()))
        });
        let Some((record, key, field)) = parsed else {
            return Reply::command_error(messages::bad_argument(
                command,
                &format!("`{fact}` does not name one fact"),
                usage,
                span,
            ));
        };
        let value = match value.map(serde_json::from_str::<serde_json::Value>) {
            None => None,
            Some(Ok(value)) => Some(value),
            Some(Err(_)) => {
                return Reply::command_error(messages::bad_argument(
                    command,
                    "the value is not JSON",
                    "write the value as the facts file would: \"GB\", true, 3, \"2024-01-01\", [\"a\", \"b\"], null",
                    span,
                ));
            }
        };
        let path = self.path().to_path_buf();
        let found = self.workspace.program(&path).and_then(|program| {
            let def = program.records.iter().find(|def| def.name == record)?;
            let key = def.key?;
            def.field(field)?;
            let decided = program
                .subject
                .as_ref()
                .map(|subject| program.records[subject.record.idx()].name.clone());
            Some((def.fields[key as usize].name.clone(), decided))
        });
        let Some((key_field, decided)) = found else {
            return Reply::command_error(messages::bad_argument(
                command,
                &format!("the policy has no record `{record}` with a key and a field `{field}`"),
                "name a record with a key and one of its fields; `:type` shows what an expression is",
                span,
            ));
        };
        let wanted = FactEdit {
            record,
            key_field: &key_field,
            key,
            field,
            value: value.as_ref(),
        };
        // The first facts file that holds the record with that key holds the fact.
        let mut changed = None;
        for input in &self.facts {
            let bytes = match self.edited.get(&input.path) {
                Some(bytes) => bytes.clone(),
                None => match self.files.read(&input.path, self.workspace.max_facts_bytes) {
                    Ok(bytes) => bytes,
                    Err(_) => continue,
                },
            };
            // Records of a JSON Lines file are of the decided type unless the file names one.
            let file_record = match (&input.record, input.format) {
                (Some(named), _) => Some(named.as_str()),
                (None, Format::JsonLines) => decided.as_deref(),
                (None, _) => None,
            };
            match edit_fact(&bytes, input.format, file_record, &wanted) {
                Edited::NotHere => continue,
                Edited::Changed(text) => {
                    changed = Some((input.path.clone(), text));
                    break;
                }
                Edited::Refused(why) => {
                    return Reply::command_error(messages::bad_argument(
                        command,
                        &format!("{} cannot hold this value: {why}", input.path.display()),
                        "change the fact in the file and `:reload` it",
                        span,
                    ));
                }
            }
        }
        let Some((file, text)) = changed else {
            return Reply::command_error(messages::bad_argument(
                command,
                &format!("no facts file loaded holds `{record}[\"{key}\"]`"),
                "load the file that holds it with `:facts FILE`; `:set` changes a fact that a loaded file has",
                span,
            ));
        };
        if let (None, Some(last)) = (&self.before_edit, self.last_key.clone()) {
            self.before_edit = self.explained(&last).map(|text| (last, text));
        }
        let previous = self.edited.insert(file.clone(), text);
        let policy = self.path().to_path_buf();
        if let Err(diagnostics) = self.workspace.load_facts_with(&policy, &self.facts, &self.edited) {
            match previous {
                Some(previous) => self.edited.insert(file, previous),
                None => self.edited.remove(&file),
            };
            return Reply::errors(diagnostics);
        }
        Reply::text(match &value {
            Some(value) => format!("set {record}[\"{key}\"].{field} = {value}"),
            None => format!("unset {record}[\"{key}\"].{field}"),
        })
    }

    /// How the last decision and its derivation changed since the facts were first changed
    /// after it: the lines that left (`-`) and came (`+`).
    fn diff(&mut self, span: Span) -> Reply {
        let Some((key, before)) = self.before_edit.clone() else {
            return Reply::command_error(messages::nothing_to_compare(span));
        };
        let after = match self.explained(&key) {
            Some(after) => after,
            None => {
                let decided = self.workspace.decide(&key);
                return match decided {
                    Err(diagnostics) => Reply::errors(diagnostics),
                    Ok(_) => Reply::text(format!("{key} cannot be decided now")),
                };
            }
        };
        let changes = diff_lines(&before, &after);
        if changes.is_empty() {
            return Reply::text(format!("the decision of {key} and its derivation did not change"));
        }
        Reply::text(format!(
            "the decision of {key} before (-) and after (+) the changes to the facts:\n{}",
            changes.join("\n")
        ))
    }

    /// Lists every rule of the program: name, effect, citation and dates in force.
    fn rules(&mut self) -> Reply {
        let path = self.path().to_path_buf();
        let Some(checked) = self.workspace.checked(&path) else {
            return Reply::text("no rules");
        };
        let program = &checked.program;
        if program.rules.is_empty() {
            return Reply::text("no rules");
        }
        let lines: Vec<String> = program
            .rules
            .iter()
            .map(|rule| {
                let effect = match rule.effect {
                    crate::check::ir::Effect::Permit => "permit",
                    crate::check::ir::Effect::Deny => "deny",
                };
                let mut line = format!("{} ({effect})", rule.name);
                match (rule.effective, rule.until) {
                    (Some(from), Some(until)) => {
                        line.push_str(&format!(" in force from {from} until {until}"))
                    }
                    (Some(from), None) => line.push_str(&format!(" in force from {from}")),
                    (None, Some(until)) => line.push_str(&format!(" in force until {until}")),
                    (None, None) => {}
                }
                if let Some(citation) = &rule.citation {
                    line.push_str(&format!("\n  cite {}", crate::escape::escape_controls(citation)));
                }
                line
            })
            .collect();
        Reply::text(lines.join("\n"))
    }

    /// Sets the date whose law decides, or goes back to each subject's own.
    fn as_of(&mut self, argument: &str, span: Span) -> Reply {
        if argument.is_empty() {
            self.workspace.options.law = LawDate::SubjectDate;
            return Reply::text("deciding under the law of each subject's own date");
        }
        match Date::parse(argument) {
            Some(date) => {
                self.workspace.options.law = LawDate::AsOf(date);
                Reply::text(format!("deciding under the law of {date}"))
            }
            None => Reply::command_error(messages::bad_argument(
                "asof",
                &format!("`{argument}` is not a date"),
                "write a calendar date as YYYY-MM-DD, e.g. 2023-12-22",
                span,
            )),
        }
    }
}

impl Reply {
    /// The reply with a line put before its text.
    fn with_prefix(mut self, prefix: String) -> Reply {
        self.text = prefix + &self.text;
        self
    }
}

/// Whether `text` is a whole input: a `:command` always is; otherwise it is unless it ends too
/// soon (an open bracket, a rule header without its block), when a next line continues it.
pub fn is_complete(text: &str) -> bool {
    if is_command(text) {
        return true;
    }
    let mut sources = SourceMap::new();
    let id = sources.add("<input>", text);
    !matches!(
        syntax::parse_input(&sources, id, syntax::DEFAULT_MAX_NESTING),
        Input::Incomplete
    )
}

/// The lines of `before` not in `after` (`- `) and of `after` not in `before` (`+ `), in order,
/// from their longest common sequence of lines.
fn diff_lines(before: &str, after: &str) -> Vec<String> {
    let old: Vec<&str> = before.lines().collect();
    let new: Vec<&str> = after.lines().collect();
    // common[i][j]: the longest common sequence of old[i..] and new[j..].
    let mut common = vec![vec![0usize; new.len() + 1]; old.len() + 1];
    for i in (0..old.len()).rev() {
        for j in (0..new.len()).rev() {
            common[i][j] = if old[i] == new[j] {
                common[i + 1][j + 1] + 1
            } else {
                common[i + 1][j].max(common[i][j + 1])
            };
        }
    }
    let mut out = Vec::new();
    let (mut i, mut j) = (0, 0);
    while i < old.len() || j < new.len() {
        if i < old.len() && j < new.len() && old[i] == new[j] {
            i += 1;
            j += 1;
        } else if i < old.len() && (j == new.len() || common[i + 1][j] >= common[i][j + 1]) {
            out.push(format!("- {}", old[i]));
            i += 1;
        } else {
            out.push(format!("+ {}", new[j]));
            j += 1;
        }
    }
    out
}

/// Whether a line is a `:command`.
fn is_command(text: &str) -> bool {
    text.trim_start().starts_with(':')
}

/// The text of `:help`.
fn help_text() -> String {
    let width = COMMANDS
        .iter()
        .map(|(_, usage, _)| usage.len())
        .max()
        .unwrap_or(0);
    let mut out = String::from(
        "Type an expression to see its value and type, or a declaration (let, fn, record, enum,\n\
         rule, obligation, test) to add it; one with the name of another replaces it.\n\
         An unfinished input continues on the next line.\n",
    );
    for (_, usage, what) in COMMANDS {
        out.push_str(&format!("  {usage:width$}  {what}\n"));
    }
    out.trim_end().to_owned()
}

/// What a declaration defines, so that another of the same name replaces it: its name, or for
/// those without one, what it is.
fn item_key(item: &ast::Item, text: &str) -> String {
    match item {
        ast::Item::Use(item) => {
            format!("use {}", &text[item.span.range()])
        }
        ast::Item::Enum(item) => format!("enum {}", item.name.name),
        ast::Item::Record(item) => format!("record {}", item.name.name),
        ast::Item::Let(item) => format!("let {}", item.name.name),
        ast::Item::Fn(item) => format!("function {}", item.name.name),
        ast::Item::Obligation(item) => format!("obligation {}", item.name.name),
        ast::Item::Decide(_) => "decide".to_owned(),
        ast::Item::Default(_) => "default".to_owned(),
        ast::Item::Rule(item) => format!("rule {}", item.name.name),
        ast::Item::Test(item) => format!("test {:?}", item.name.value),
    }
}

/// A key as the REPL says it: "rule `r`", "the `decide` declaration".
fn describe(key: &str) -> String {
    match key.split_once(' ') {
        Some(("test", name)) => format!("test {name}"),
        Some(("use", text)) => format!("`{text}`"),
        Some((kind, name)) => format!("{kind} `{name}`"),
        None => format!("the `{key}` declaration"),
    }
}

/// The declarations of a policy's text, with their keys and ranges, in order.
fn declarations(sources: &mut SourceMap, text: &str) -> Vec<Declared> {
    let id = sources.add("<policy>", text);
    let parsed = syntax::parse_partial(sources, id, syntax::DEFAULT_MAX_NESTING);
    let declared = parsed
        .module
        .items
        .iter()
        .map(|item| Declared {
            key: item_key(item, text),
            start: item.span().range().start,
            end: item.span().range().end,
        })
        .collect();
    sources.remove(id);
    declared
}

/// Every diagnostic of a change, in the order given.
fn flatten(files: Vec<FileDiagnostics>) -> Vec<Diagnostic> {
    files.into_iter().flat_map(|file| file.diagnostics).collect()
}

/// The errors among diagnostics, by code and message.
fn error_keys(diagnostics: &[Diagnostic]) -> Vec<(Code, String)> {
    diagnostics
        .iter()
        .filter(|diagnostic| diagnostic.is_error())
        .map(|diagnostic| (diagnostic.code, diagnostic.message.clone()))
        .collect()
}

#[cfg(test)]
mod tests;
