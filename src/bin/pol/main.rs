//! The `pol` command line: `run`, `check` and `test` over the library's engine.
//! Reads files and standard input, chooses output formats, maps outcomes to exit codes.

mod console;
mod files;
mod flags;
mod fmt;
mod lsp;
mod output;
mod repl;

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use clap::{Parser, Subcommand, ValueEnum};

use pol::check::keys::{self, UnknownKeys};
use pol::diagnostic::{self, Diagnostic, Setting};
use pol::engine::testing::{self, TestFailure};
use pol::engine::{Engine, FactsInput, ReadError};
use pol::escape::escape_controls;
use pol::eval::{LawDate, Limits, Options};
use pol::facts::Format;
use pol::value::Date;

use files::DiskFiles;

/// Exit code: success.
pub(crate) const EXIT_OK: u8 = 0;
/// Exit code: the policy or facts have errors, or a test failed.
pub(crate) const EXIT_FAILED: u8 = 1;
/// Exit code: a usage or input/output error.
pub(crate) const EXIT_USAGE: u8 = 2;
/// Exit code: `pol run` decided everything, and some decision matched `--fail-on`.
pub(crate) const EXIT_MATCHED: u8 = 3;
/// Exit code: standard output was closed before everything was written, as a shell reports a
/// command ended by `SIGPIPE` (128 + 13).
pub(crate) const EXIT_CLOSED: u8 = 141;

/// The default for `--max-facts-bytes`: 4 GiB.
const DEFAULT_MAX_FACTS_BYTES: u64 = 4 << 30;

/// Pol: decide export-control transfers with policies written as law.
#[derive(Parser, Debug)]
#[command(name = "pol", version, about, long_about = None, after_help = EXIT_HELP)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

/// The exit statuses, shown under `--help`.
const EXIT_HELP: &str = "\
Exit status:
  0    success
  1    errors in the policy or facts, a decision that failed, a failed test, `fmt --check` found
       changes, `fmt --write` left a file alone to protect it
  2    a usage or input/output error (a file that cannot be read, output that cannot be written)
  3    `pol run --fail-on`: every subject was decided and some decision matched
  141  standard output was closed before all output was written (`pol run … | head`)

Diagnostics are coloured on a terminal unless NO_COLOR is set, CLICOLOR=0 or TERM=dumb;
CLICOLOR_FORCE=1 colours them anywhere. A directory given to `check`, `test` or `fmt` stands for
the `.pol` files below it, except in hidden folders, `target` folders and folders holding a
`.polskip` file.";

#[derive(Subcommand, Debug)]
enum Command {
    /// Decide every subject (transfer) in the facts under a policy.
    Run(RunArgs),
    /// Parse and check policies, reporting every problem.
    Check(CheckArgs),
    /// Run the `test` blocks of policies.
    Test(TestArgs),
    /// Format policies in the canonical style, or check that they are.
    Fmt(fmt::FmtArgs),
    /// Work on a policy interactively: evaluate expressions, add rules, ask for decisions.
    Repl(repl::ReplArgs),
    /// Serve editors as a language server on standard input and output.
    #[command(after_help = lsp::LSP_HELP)]
    Lsp(lsp::LspArgs),
}

#[derive(clap::Args, Debug)]
struct CommonArgs {
    /// How to show diagnostics on standard error.
    #[arg(long, value_enum, default_value_t = DiagnosticStyle::Auto)]
    diagnostics: DiagnosticStyle,
    /// Also allow imports from this directory (besides the policy's own).
    #[arg(long = "lib", value_name = "DIR")]
    lib: Vec<PathBuf>,
    /// Deepest nesting of expressions and brackets accepted in a policy (at most 100000).
    #[arg(long, value_name = "N", default_value_t = pol::syntax::DEFAULT_MAX_NESTING, value_parser = levels::<usize>())]
    max_nesting: usize,
    /// Largest policy file read, in bytes.
    #[arg(long, value_name = "BYTES", default_value_t = pol::engine::DEFAULT_MAX_POLICY_BYTES)]
    max_policy_bytes: u64,
    /// Evaluation steps allowed for one rule of one decision.
    #[arg(long, value_name = "N", default_value_t = Limits::DEFAULT_MAX_STEPS)]
    max_steps: u64,
    /// Deepest nesting of evaluation (expressions and function calls; at most 100000).
    #[arg(long, value_name = "N", default_value_t = Limits::DEFAULT_MAX_DEPTH, value_parser = levels::<u32>())]
    max_depth: u32,
    /// Largest set built while evaluating.
    #[arg(long, value_name = "N", default_value_t = Limits::DEFAULT_MAX_SET_SIZE)]
    max_set_size: usize,
}

impl CommonArgs {
    fn limits(&self) -> Limits {
        Limits {
            max_steps: self.max_steps,
            max_depth: self.max_depth,
            max_set_size: self.max_set_size,
        }
    }
}

#[derive(Copy, Clone, Debug, PartialEq, Eq, ValueEnum)]
pub(crate) enum DiagnosticStyle {
    /// Graphical on a terminal, coloured unless NO_COLOR, CLICOLOR=0 or TERM=dumb say not
    /// (CLICOLOR_FORCE colours anywhere); plain otherwise.
    Auto,
    /// Graphical with colour.
    Fancy,
    /// Plain text without colour.
    Plain,
    /// Sentences, for screen readers.
    Narrated,
    /// The versioned JSON document (see docs/diagnostics-json.md).
    Json,
}

#[derive(Copy, Clone, Debug, PartialEq, Eq, ValueEnum)]
pub(crate) enum OutputFormat {
    /// For people.
    Text,
    /// JSON, for programs.
    Json,
}

/// Which decisions make `pol run` exit with status 3.
#[derive(Copy, Clone, Debug, PartialEq, Eq, ValueEnum)]
pub(crate) enum FailOn {
    /// A deny.
    Deny,
    /// An undecided (a fact that matters is missing).
    Undecided,
    /// A deny or an undecided: anything but a permit.
    NotPermit,
    /// A permit.
    Permit,
}

impl FailOn {
    /// Whether a decision with this verdict matches.
    pub(crate) fn matches(self, verdict: pol::eval::Verdict) -> bool {
        use pol::eval::Verdict;
        match self {
            FailOn::Deny => verdict == Verdict::Deny,
            FailOn::Undecided => verdict == Verdict::Undecided,
            FailOn::NotPermit => verdict != Verdict::Permit,
            FailOn::Permit => verdict == Verdict::Permit,
        }
    }
}

#[derive(clap::Args, Debug)]
struct RunArgs {
    /// The policy file.
    policy: PathBuf,
    /// Facts: `FILE`, `Record=FILE`, or `-` / `Record=-` for standard input (JSON Lines unless the
    /// format says otherwise). The format follows the extension (.json .jsonl .ndjson .yaml .yml
    /// .csv).
    #[arg(long = "facts", short = 'f', value_name = "[RECORD=]FILE", required = true, num_args = 1..)]
    facts: Vec<String>,
    /// Format of facts read from standard input, or from a pipe whose name has no extension
    /// (`<(command)`).
    #[arg(long, value_enum, default_value_t = StdinFormat::Jsonl)]
    stdin_format: StdinFormat,
    /// Output format: `json` prints one object per line, one line per decision (or the summary).
    #[arg(long, value_enum, default_value_t = OutputFormat::Text)]
    format: OutputFormat,
    /// Exit with status 3 if any decision is of this kind (after printing every decision), so a
    /// CI job can fail on it; may be repeated or comma-separated. A decision that fails with an
    /// error exits 1 in any case.
    #[arg(long, value_enum, value_name = "DECISION", value_delimiter = ',')]
    fail_on: Vec<FailOn>,
    /// Decide under the law in force on this date (YYYY-MM-DD) instead of each subject's own date.
    #[arg(long, value_name = "DATE")]
    as_of: Option<String>,
    /// Show how each decision was derived: every rule's status and the value of each condition.
    #[arg(long)]
    explain: bool,
    /// Print counts per decision and per deciding rule instead of one decision per subject; a
    /// decision with several deciding rules counts once for each of them.
    #[arg(long)]
    summary: bool,
    /// Deepest nesting of arrays and objects in JSON or YAML facts.
    #[arg(long, value_name = "N", default_value_t = pol::facts::DEFAULT_MAX_NESTING)]
    max_facts_nesting: usize,
    /// Largest facts input read, in bytes.
    #[arg(long, value_name = "BYTES", default_value_t = DEFAULT_MAX_FACTS_BYTES)]
    max_facts_bytes: u64,
    /// Make a key the policy names but no fact defines (`Country["Ivory Coast"]`) an error
    /// (E0415) that stops the run before anything is decided, instead of a warning (W0003).
    #[arg(long)]
    deny_unknown_keys: bool,
    #[command(flatten)]
    common: CommonArgs,
}

#[derive(Copy, Clone, Debug, PartialEq, Eq, ValueEnum)]
pub(crate) enum StdinFormat {
    /// One JSON object per line.
    Jsonl,
    /// One JSON document.
    Json,
    /// YAML.
    Yaml,
    /// CSV with a header row.
    Csv,
}

impl StdinFormat {
    /// The facts format it stands for.
    pub(crate) fn format(self) -> Format {
        match self {
            StdinFormat::Jsonl => Format::JsonLines,
            StdinFormat::Json => Format::Json,
            StdinFormat::Yaml => Format::Yaml,
            StdinFormat::Csv => Format::Csv,
        }
    }
}

/// The format of a facts file: its extension's, or for a pipe or device with none (`<(command)`
/// is `/dev/fd/63`), the `--stdin-format`.
pub(crate) fn facts_format(path: &str, stdin_format: StdinFormat) -> Option<Format> {
    if let Some(format) = Format::from_path(path) {
        return Some(format);
    }
    let metadata = std::fs::metadata(path).ok()?;
    (!metadata.is_file() && !metadata.is_dir()).then(|| stdin_format.format())
}

#[derive(clap::Args, Debug)]
struct CheckArgs {
    /// Policy files, or directories to search for `.pol` files.
    #[arg(required = true, value_name = "PATH")]
    files: Vec<PathBuf>,
    /// Where the diagnostics go: `text` on standard error (styled by `--diagnostics`), `json`
    /// as one document on standard output (see docs/diagnostics-json.md).
    #[arg(long, value_enum, default_value_t = OutputFormat::Text)]
    format: OutputFormat,
    #[command(flatten)]
    common: CommonArgs,
}

#[derive(clap::Args, Debug)]
struct TestArgs {
    /// Policy files, or directories to search for `.pol` files (default: the current directory).
    #[arg(value_name = "PATH")]
    paths: Vec<PathBuf>,
    /// Run only tests whose name contains this text.
    #[arg(long)]
    filter: Option<String>,
    /// Make a key the policy names but no test's facts define an error (E0415) that fails the
    /// run, instead of a warning (W0003).
    #[arg(long)]
    deny_unknown_keys: bool,
    #[command(flatten)]
    common: CommonArgs,
}

/// The highest `--max-nesting` and `--max-depth` accepted: the stack reserved for them
/// ([`stack_bytes`]) stays a fraction of a gigabyte or two of address space, not memory.
pub(crate) const MAX_LEVELS: u64 = pol::syntax::MAX_NESTING_LIMIT as u64;

/// The stack the deepest stage may use per level of nesting or evaluation depth, with room
/// to spare in an unoptimised build (measured: parsing, lowering, checking, printing and
/// evaluating 100,000 levels fit in 12 KiB per level).
const STACK_PER_LEVEL: usize = 16 << 10;

/// The stack every run gets whatever its limits.
const BASE_STACK: usize = 16 << 20;

/// Parses a nesting or depth limit, from 1 to [`MAX_LEVELS`].
pub(crate) fn levels<T>() -> clap::builder::RangedU64ValueParser<T>
where
    T: TryFrom<u64> + Clone + Send + Sync + 'static,
    <T as TryFrom<u64>>::Error: std::error::Error + Send + Sync + 'static,
{
    clap::builder::RangedU64ValueParser::<T>::new().range(1..=MAX_LEVELS)
}

/// The stack for a run whose deepest nesting or evaluation depth is `levels`: every stage
/// recurses once per level at most, so a limit the flags accept can never overflow it.
fn stack_bytes(levels: usize) -> usize {
    BASE_STACK + levels * STACK_PER_LEVEL
}

fn main() -> ExitCode {
    let cli = match Cli::try_parse() {
        Ok(cli) => cli,
        Err(error) => {
            // `--help` and `--version` are output; a usage error goes to standard error.
            let code = if error.use_stderr() { EXIT_USAGE } else { EXIT_OK };
            return ExitCode::from(match error.print() {
                Err(failed) if !error.use_stderr() => console::write_failed(&failed, DiagnosticStyle::Auto),
                _ => code,
            });
        }
    };
    let levels = match &cli.command {
        Command::Run(RunArgs { common, .. })
        | Command::Check(CheckArgs { common, .. })
        | Command::Test(TestArgs { common, .. }) => common.max_nesting.max(common.max_depth as usize),
        Command::Repl(args) => args.common.max_nesting.max(args.common.max_depth as usize),
        Command::Fmt(args) => args.max_nesting,
        Command::Lsp(args) => args.max_nesting,
    };
    let stack = stack_bytes(levels);
    // Decisions are made on rayon's threads: they get the same stack. Failing to set it up
    // means rayon is already running, which nothing before this line starts.
    let _ = rayon::ThreadPoolBuilder::new().stack_size(stack).build_global();
    let worker = std::thread::Builder::new()
        .name("pol".to_owned())
        .stack_size(stack)
        .spawn(move || dispatch(cli));
    match worker.map(std::thread::JoinHandle::join) {
        Ok(Ok(code)) => ExitCode::from(code),
        Ok(Err(panic)) => std::panic::resume_unwind(panic),
        Err(error) => {
            console::eprint(&format!(
                "error: cannot reserve {} MiB of stack for the nesting and depth limits ({error}); lower `--max-nesting` or `--max-depth`",
                stack >> 20
            ));
            ExitCode::from(EXIT_USAGE)
        }
    }
}

/// Runs one command; on its own thread, whose stack is sized from the limits.
fn dispatch(cli: Cli) -> u8 {
    match cli.command {
        Command::Run(args) => run(args),
        Command::Check(args) => check(args),
        Command::Test(args) => test(args),
        Command::Fmt(args) => fmt::fmt(args),
        Command::Repl(args) => repl::repl(args),
        Command::Lsp(args) => lsp::lsp(args),
    }
}

/// Prints diagnostics on standard error in the chosen style.
pub(crate) fn report(engine: &Engine<'_>, diagnostics: &[Diagnostic], style: DiagnosticStyle) {
    console::report(&engine.sources, diagnostics, style);
}

fn new_engine<'fs>(files: &'fs DiskFiles, common: &CommonArgs) -> Engine<'fs> {
    let roots = common
        .lib
        .iter()
        .map(|dir| std::fs::canonicalize(dir).unwrap_or_else(|_| dir.clone()))
        .collect();
    let mut engine = Engine::new(files, roots);
    engine.max_nesting = common.max_nesting;
    engine.max_policy_bytes = common.max_policy_bytes;
    engine
}

/// How key references that no fact defines are reported.
fn key_level(deny: bool) -> UnknownKeys {
    if deny {
        UnknownKeys::Deny
    } else {
        UnknownKeys::Warn
    }
}

/// Exit code for a set of diagnostics: failed if any is an error.
fn code_for(diagnostics: &[Diagnostic]) -> u8 {
    if diagnostics.iter().any(Diagnostic::is_error) {
        EXIT_FAILED
    } else {
        EXIT_OK
    }
}

/// Inputs that could not be read, or were refused unread for their size, are usage errors
/// (exit 2), whether policies or facts; problems in what was read exit 1.
pub(crate) fn code_for_load(diagnostics: &[Diagnostic]) -> u8 {
    let unread = |d: &Diagnostic| matches!(d.code, diagnostic::Code::Io | diagnostic::Code::InputTooLarge);
    if diagnostics.iter().any(unread) {
        EXIT_USAGE
    } else {
        code_for(diagnostics)
    }
}

fn run(args: RunArgs) -> u8 {
    let files = DiskFiles;
    let mut engine = new_engine(&files, &args.common);
    engine.max_facts_nesting = args.max_facts_nesting;
    let style = args.common.diagnostics;
    if let Some(diagnostic) = check_libs(&args.common).or_else(|| check_stdin_readers(&args.facts)) {
        report(&engine, &[diagnostic], style);
        return EXIT_USAGE;
    }
    let law = match &args.as_of {
        None => LawDate::SubjectDate,
        Some(text) => match Date::parse(text) {
            Some(date) => LawDate::AsOf(date),
            None => {
                let diagnostic = pol::engine::invalid_argument(
                    "--as-of",
                    text,
                    "is not a date",
                    "write a calendar date as YYYY-MM-DD, e.g. 2023-12-22",
                );
                report(&engine, &[diagnostic], style);
                return EXIT_USAGE;
            }
        },
    };
    let loaded = match engine.load_policy(&args.policy) {
        Ok(loaded) => loaded,
        Err(diagnostics) => {
            report(&engine, &diagnostics, style);
            return code_for_load(&diagnostics);
        }
    };
    if let Err(diagnostic) = loaded.require_subject(&engine.sources) {
        report(
            &engine,
            &with_warnings(loaded.checked.diagnostics, vec![diagnostic]),
            style,
        );
        return EXIT_FAILED;
    }
    // The policy's warnings are reported with the first diagnostics about the facts, so that
    // `--diagnostics json` gives one document.
    let pol::check::Checked {
        program,
        diagnostics: warnings,
        ..
    } = loaded.checked;
    let program = &program;
    let options = Options {
        law,
        limits: args.common.limits(),
        explain: args.explain,
        full_only: false,
    };
    // Each kind once, in the order first given, as the line on standard error names them.
    let mut fail_on = args.fail_on.clone();
    let mut seen = Vec::new();
    fail_on.retain(|kind| {
        let first = !seen.contains(kind);
        seen.push(*kind);
        first
    });
    let sink = output::Sink::new(args.format, args.summary, fail_on);
    // A JSON Lines input of the decided records streams through in chunks: memory stays flat
    // however many transfers it holds.
    let subject = program.subject.as_ref().map(|subject| subject.record);
    let stream_at = args
        .facts
        .iter()
        .position(|spec| output::is_subject_stream(spec, args.stdin_format, program, subject));
    let mut inputs = Vec::new();
    for (idx, spec) in args.facts.iter().enumerate() {
        if Some(idx) == stream_at {
            continue;
        }
        match read_facts_input(spec, args.stdin_format, args.max_facts_bytes) {
            Ok(input) => inputs.push(input),
            Err(diagnostic) => {
                report(&engine, &with_warnings(warnings, vec![diagnostic]), style);
                return EXIT_USAGE;
            }
        }
    }
    if let (Some(idx), Some(subject)) = (stream_at, subject) {
        let path = facts_path(&args.facts[idx]);
        let stream = output::Stream {
            path,
            record: subject,
            max_bytes: args.max_facts_bytes,
            warnings,
            unknown_keys: key_level(args.deny_unknown_keys),
        };
        return output::stream(&mut engine, program, inputs, stream, options, sink, style);
    }
    let facts = match engine.load_facts(program, inputs) {
        Ok(facts) => facts,
        Err(diagnostics) => {
            let code = code_for_load(&diagnostics);
            report(&engine, &with_warnings(warnings, diagnostics), style);
            return code;
        }
    };
    let unknown = keys::unknown_keys(program, &facts, key_level(args.deny_unknown_keys));
    let failed = unknown.iter().any(Diagnostic::is_error);
    report(&engine, &with_warnings(warnings, unknown), style);
    if failed {
        // Decisions under a policy whose keys name nothing would not be defensible: none is printed.
        return EXIT_FAILED;
    }
    let decisions = match engine.decide_all(program, &facts, options) {
        Ok(decisions) => decisions,
        Err(diagnostic) => {
            report(&engine, &[diagnostic], style);
            return EXIT_FAILED;
        }
    };
    let mut sink = sink;
    for decision in &decisions {
        if let Err(error) = sink.decision(program, &facts, &engine.sources, decision) {
            return console::write_failed(&error, style);
        }
    }
    sink.finish(&engine, program, style)
}

/// The policy's warnings and further diagnostics, sorted by position, for one report.
pub(crate) fn with_warnings(mut warnings: Vec<Diagnostic>, more: Vec<Diagnostic>) -> Vec<Diagnostic> {
    warnings.extend(more);
    diagnostic::sort(&mut warnings);
    warnings
}

/// A `--lib` that is not a directory: imports from it could never resolve, so it is refused
/// rather than ignored.
fn check_libs(common: &CommonArgs) -> Option<Diagnostic> {
    common.lib.iter().find_map(|dir| {
        let value = dir.display().to_string();
        let problem = match std::fs::metadata(dir) {
            Ok(metadata) if metadata.is_dir() => return None,
            Ok(metadata) => format!("is {}, not a directory", files::file_kind(&metadata.file_type())),
            Err(error) if error.kind() == std::io::ErrorKind::NotFound => "names no directory".to_owned(),
            Err(error) => format!("cannot be read: {error}"),
        };
        Some(pol::engine::invalid_argument(
            "--lib",
            &value,
            &problem,
            "`--lib` names a directory of policies that imports may use",
        ))
    })
}

/// Two `--facts` reading standard input (`-`, or a name of it such as `/dev/stdin`): when it is a
/// pipe, the second would find it empty.
fn check_stdin_readers(specs: &[String]) -> Option<Diagnostic> {
    let reads_stdin = |spec: &&String| {
        matches!(
            facts_path(spec),
            "-" | "/dev/stdin" | "/dev/fd/0" | "/proc/self/fd/0"
        )
    };
    let mut readers = specs.iter().filter(reads_stdin);
    let first = readers.next()?;
    let second = readers.next()?;
    Some(pol::engine::invalid_argument(
        "--facts",
        second,
        &format!("reads standard input, which `--facts {first}` already reads"),
        "standard input can be read once: give the other facts as files (`<(command)` makes a command's output a file)",
    ))
}

/// Splits one `--facts` argument into the record type it names, if any, and the path.
pub(crate) fn split_facts_spec(spec: &str) -> (Option<&str>, &str) {
    match spec.split_once('=') {
        Some((record, path))
            if !record.is_empty() && record.chars().all(|c| c.is_ascii_alphanumeric() || c == '_') =>
        {
            (Some(record), path)
        }
        _ => (None, spec),
    }
}

/// The path of one `--facts` argument (`-` for standard input).
fn facts_path(spec: &str) -> &str {
    split_facts_spec(spec).1
}

/// Reads one `--facts` argument: `FILE`, `Record=FILE`, `-` or `Record=-`.
fn read_facts_input(spec: &str, stdin_format: StdinFormat, max_bytes: u64) -> Result<FactsInput, Diagnostic> {
    let (record, path) = split_facts_spec(spec);
    let record = record.map(str::to_string);
    if path == "-" {
        let bytes = files::read_facts_from(std::io::stdin().lock(), max_bytes, 0)
            .map_err(|error| ReadError::Failed(error.to_string()))
            .and_then(|read| read)
            .map_err(|error| pol::engine::read_error("<stdin>", &error, None, Setting::FactsBytes))?;
        let format = stdin_format.format();
        return Ok(FactsInput {
            name: "<stdin>".into(),
            bytes,
            format,
            record,
        });
    }
    let format = facts_format(path, stdin_format).ok_or_else(|| {
        pol::engine::invalid_argument(
            "--facts",
            spec,
            "has no format Pol knows",
            "name facts files .json, .jsonl, .ndjson, .yaml, .yml or .csv, so Pol knows their format",
        )
    })?;
    let bytes = files::read_facts(Path::new(path), max_bytes)
        .map_err(|error| pol::engine::read_error(path, &error, None, Setting::FactsBytes))?;
    Ok(FactsInput {
        name: path.to_string(),
        bytes,
        format,
        record,
    })
}

fn check(args: CheckArgs) -> u8 {
    let files = DiskFiles;
    let mut engine = new_engine(&files, &args.common);
    if let Some(diagnostic) = check_libs(&args.common) {
        report(&engine, &[diagnostic], args.common.diagnostics);
        return EXIT_USAGE;
    }
    let found = files::collect_policies(&args.files);
    let mut all = found.diagnostics;
    for path in &found.files {
        match engine.load_policy(path) {
            Ok(loaded) => all.extend(loaded.checked.diagnostics),
            Err(diagnostics) => all.extend(diagnostics),
        }
    }
    let style = args.common.diagnostics;
    let code = code_for_load(&all);
    match args.format {
        OutputFormat::Json => {
            let mut out = console::stdout();
            let written = writeln!(
                out,
                "{}",
                diagnostic::json::to_json(&flags::with_flags(&all), &engine.sources)
            );
            console::finish(&mut out, written.map(|()| code), style)
        }
        OutputFormat::Text => {
            report(&engine, &all, style);
            if all.is_empty() {
                console::eprint(&format!(
                    "no problems found in {} file(s){}\n",
                    found.files.len(),
                    skipped_note(&found.skipped)
                ));
            }
            code
        }
    }
}

/// A path as output shows it: a control character in a file name cannot move the cursor,
/// recolour the terminal or start a line that looks like another.
pub(crate) fn shown(path: &Path) -> String {
    escape_controls(&path.display().to_string()).into_owned()
}

/// Says how many folders a walk skipped for their `.polskip`, if any: `; skipped 2 folders …`.
fn skipped_note(skipped: &[PathBuf]) -> String {
    match skipped.len() {
        0 => String::new(),
        1 => format!(
            "; skipped `{}`, marked `{}`",
            shown(&skipped[0]),
            files::SKIP_MARKER
        ),
        n => format!("; skipped {n} folders marked `{}`", files::SKIP_MARKER),
    }
}

fn test(args: TestArgs) -> u8 {
    let files = DiskFiles;
    let roots = if args.paths.is_empty() {
        vec![PathBuf::from(".")]
    } else {
        args.paths.clone()
    };
    if let Some(diagnostic) = check_libs(&args.common) {
        let engine = new_engine(&files, &args.common);
        report(&engine, &[diagnostic], args.common.diagnostics);
        return EXIT_USAGE;
    }
    let style = args.common.diagnostics;
    let found = files::collect_policies(&roots);
    console::report(&pol::source::SourceMap::new(), &found.diagnostics, style);
    // A path that could not be read fails the run, but the tests of the others still run, as
    // `check` and `fmt` go on past such a path.
    let unreadable = found.diagnostics.iter().any(Diagnostic::is_error);
    let mut out = console::stdout();
    let written = run_tests(&files, &args, &found, &mut out);
    let code = console::finish(&mut out, written, style);
    if unreadable { code.max(EXIT_USAGE) } else { code }
}

/// Runs the tests of every policy found, writing the results on `out`; the exit code.
fn run_tests(
    files: &DiskFiles,
    args: &TestArgs,
    found: &files::Policies,
    out: &mut console::Out,
) -> std::io::Result<u8> {
    let (mut passed, mut failed) = (0usize, 0usize);
    let mut key_errors = false;
    // A policy that could not be read (or was refused for its size) makes the run a usage error,
    // as for `run` and `check`, once the other policies have been tested.
    let mut unread = false;
    for path in &found.files {
        let mut engine = new_engine(files, &args.common);
        let loaded = match engine.load_policy(path) {
            Ok(loaded) => loaded,
            Err(diagnostics) => {
                unread |= code_for_load(&diagnostics) == EXIT_USAGE;
                writeln!(out, "{}: cannot run tests", shown(path))?;
                out.flush()?;
                report(&engine, &diagnostics, args.common.diagnostics);
                failed += 1;
                continue;
            }
        };
        let program = &loaded.checked.program;
        if program.tests.is_empty() {
            continue;
        }
        writeln!(out, "{}", shown(path))?;
        let level = key_level(args.deny_unknown_keys);
        let unknown = keys::unknown_keys(program, &testing::test_keys(program), level);
        if !unknown.is_empty() {
            out.flush()?;
            report(&engine, &unknown, args.common.diagnostics);
            key_errors |= unknown.iter().any(Diagnostic::is_error);
        }
        for result in testing::run_tests(program, args.filter.as_deref(), args.common.limits()) {
            // Test names are user text: escaped, so a name cannot forge a line of the report.
            let name = escape_controls(&result.name);
            if result.passed() {
                passed += 1;
                writeln!(out, "  ok    {name}")?;
                continue;
            }
            failed += 1;
            writeln!(out, "  FAIL  {name}")?;
            for failure in &result.failures {
                match failure {
                    TestFailure::Mismatch {
                        span,
                        subject,
                        expected,
                        actual,
                    } => {
                        for line in testing::mismatch_lines(&engine.sources, *span, subject, expected, actual)
                        {
                            writeln!(out, "        {line}")?;
                        }
                    }
                    TestFailure::Error(diagnostics) => {
                        writeln!(out, "        the test could not run:")?;
                        out.flush()?;
                        report(&engine, diagnostics, args.common.diagnostics);
                    }
                }
            }
        }
    }
    writeln!(
        out,
        "{passed} passed, {failed} failed{}",
        skipped_note(&found.skipped)
    )?;
    Ok(if unread {
        EXIT_USAGE
    } else if failed > 0 || key_errors {
        EXIT_FAILED
    } else {
        EXIT_OK
    })
}
