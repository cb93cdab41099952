//! The `pol` command line: `run`, `check` and `test` over the library's engine.
//! Reads files and standard input, chooses output formats, maps outcomes to exit codes.

mod console;
mod diff;
mod files;
mod flags;
mod fmt;
mod graph;
mod lsp;
mod output;
mod repl;

/// The allocator of every `pol` command: parsing, checking and reading facts allocate many small
/// blocks, which mimalloc gives and takes back faster than the system's allocator.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

use std::io::Write;
use std::mem::ManuallyDrop;
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::sync::Arc;

use clap::{Parser, Subcommand, ValueEnum};

use pol::check::keys::{self, UnknownKeys};
use pol::coverage::Coverage;
use pol::diagnostic::{self, Diagnostic, Setting};
use pol::engine::testing::{self, TestFailure};
use pol::engine::{Engine, FactsInput, ReadError};
use pol::escape::escape_controls;
use pol::eval::{LawDate, Limits, Options};
use pol::facts::{Format, Mapping};
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
/// Exit code: `pol diff --fail-on-change` found a change.
pub(crate) const EXIT_CHANGED: u8 = 4;
/// Exit code: `pol test` passed, but the coverage is below `--min-coverage`.
pub(crate) const EXIT_COVERAGE: u8 = 4;
/// Exit code: standard output was closed before everything was written, as a shell reports a
/// command ended by `SIGPIPE` (128 + 13).
pub(crate) const EXIT_CLOSED: u8 = 141;

/// The default for `--max-facts-bytes`: 4 GiB.
pub(crate) const DEFAULT_MAX_FACTS_BYTES: u64 = 4 << 30;

/// Pol: decide export-control transfers with policies written as law.
#[derive(Parser, Debug)]
#[command(name = "pol", version = env!("POL_VERSION"), about, long_about = None, after_help = EXIT_HELP)]
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
  4    `pol diff --fail-on-change`: everything was compared and some decision (or, without
       facts, some rule) changed; `pol test --min-coverage` or `--min-condition-coverage`:
       every test passed, and the coverage is below the threshold
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
    /// Draw a policy's rules, exceptions and functions as DOT, mermaid or SVG.
    Graph(graph::GraphArgs),
    /// Work on a policy interactively: evaluate expressions, add rules, ask for decisions.
    Repl(repl::ReplArgs),
    /// Compare two policies, or one policy under the law of two dates: the rules that differ,
    /// and with facts every decision that changed, grouped by kind of change.
    Diff(diff::DiffArgs),
    /// Print a script that completes `pol`'s commands and flags in a shell.
    Completions {
        /// The shell.
        #[arg(value_enum)]
        shell: clap_complete::Shell,
    },
    /// Print the manual page of `pol` (roff, for `man -l -`).
    Man,
    /// Serve editors as a language server on standard input and output.
    #[command(after_help = lsp::LSP_HELP)]
    Lsp(lsp::LspArgs),
}

#[derive(clap::Args, Debug)]
pub(crate) struct CommonArgs {
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
    pub(crate) fn limits(&self) -> Limits {
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
    /// .csv .tsv).
    #[arg(long = "facts", short = 'f', value_name = "[RECORD=]FILE", required = true, num_args = 1..)]
    facts: Vec<String>,
    /// A mapping file (YAML) saying how CSV or TSV facts of its record type are laid out: lines
    /// before the header, delimiter, columns to fields, words, date formats (see docs/facts.md).
    #[arg(long, value_name = "FILE", num_args = 1..)]
    mapping: Vec<PathBuf>,
    /// Carry these fields of each subject into its output (text, JSON and CSV); comma-separated
    /// or repeated.
    #[arg(long, value_name = "FIELD", value_delimiter = ',')]
    include: Vec<String>,
    /// Print only the decisions of these kinds (a decision that failed with an error is always
    /// printed); comma-separated or repeated.
    #[arg(long, value_enum, value_name = "DECISION", value_delimiter = ',')]
    only: Vec<FailOn>,
    /// Format of facts read from standard input, or from a pipe whose name has no extension
    /// (`<(command)`).
    #[arg(long, value_enum, default_value_t = StdinFormat::Jsonl)]
    stdin_format: StdinFormat,
    /// Output format: `json` prints one object per line, one line per decision (or the summary);
    /// `csv` one row per decision after a header;
    /// `dot`, `mermaid` and `svg` draw the derivation of one decision (`--explain` implied; see
    /// `--subject`), SVG through Graphviz's `dot` program.
    #[arg(long, value_enum, default_value_t = RunFormat::Text)]
    format: RunFormat,
    /// The key of the subject whose derivation `--format dot|mermaid|svg` draws (needed when
    /// the facts hold more than one).
    #[arg(long, value_name = "KEY")]
    subject: Option<String>,
    /// Exit with status 3 if any decision is of this kind (after printing every decision), so a
    /// CI job can fail on it; may be repeated or comma-separated. A decision that fails with an
    /// error exits 1 in any case.
    #[arg(long, value_enum, value_name = "DECISION", value_delimiter = ',')]
    fail_on: Vec<FailOn>,
    /// Decide under the law in force on this date (YYYY-MM-DD) instead of each subject's own date.
    #[arg(long, value_name = "DATE")]
    as_of: Option<String>,
    /// Show how each decision was derived: every rule's status and the value of each condition.
    /// With `--format json`, `--explain=compact` writes the rules' texts once, on a first line,
    /// and each decision's derivation by index with typed values; `--explain` alone is
    /// `--explain=full`, every text in every decision.
    #[arg(
        long,
        value_enum,
        value_name = "FORM",
        num_args = 0..=1,
        require_equals = true,
        default_missing_value = "full"
    )]
    explain: Option<ExplainForm>,
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

/// The output formats of `pol run`.
#[derive(Copy, Clone, Debug, PartialEq, Eq, ValueEnum)]
pub(crate) enum RunFormat {
    /// For people.
    Text,
    /// JSON, for programs.
    Json,
    /// CSV with a header, one row per decision, for spreadsheets and data frames.
    Csv,
    /// The derivation of one decision as Graphviz DOT.
    Dot,
    /// The derivation of one decision as a mermaid flowchart.
    Mermaid,
    /// The derivation of one decision as SVG, drawn by Graphviz's `dot`.
    Svg,
}

impl RunFormat {
    /// The picture format, for a derivation picture.
    fn picture(self) -> Option<graph::PictureFormat> {
        match self {
            RunFormat::Text | RunFormat::Json | RunFormat::Csv => None,
            RunFormat::Dot => Some(graph::PictureFormat::Dot),
            RunFormat::Mermaid => Some(graph::PictureFormat::Mermaid),
            RunFormat::Svg => Some(graph::PictureFormat::Svg),
        }
    }

    /// The format of decisions written as lines.
    fn lines(self) -> output::LineFormat {
        match self {
            RunFormat::Json => output::LineFormat::Json,
            RunFormat::Csv => output::LineFormat::Csv,
            RunFormat::Text | RunFormat::Dot | RunFormat::Mermaid | RunFormat::Svg => {
                output::LineFormat::Text
            }
        }
    }
}

/// How `pol run --explain` writes derivations as JSON.
#[derive(Copy, Clone, Debug, PartialEq, Eq, ValueEnum)]
pub(crate) enum ExplainForm {
    /// Every rule's name, texts and parts in every decision (`explanation`).
    Full,
    /// A table of rules and their parts once, before the decisions, and each decision's
    /// derivation as statuses, truths and typed operands, by index (`derivation`).
    Compact,
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
    /// TSV (CSV with tabs) with a header row.
    Tsv,
}

impl StdinFormat {
    /// The facts format it stands for.
    pub(crate) fn format(self) -> Format {
        match self {
            StdinFormat::Jsonl => Format::JsonLines,
            StdinFormat::Json => Format::Json,
            StdinFormat::Yaml => Format::Yaml,
            StdinFormat::Csv => Format::Csv,
            StdinFormat::Tsv => Format::Tsv,
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
    /// Report which rules and condition parts the tests exercised (see docs/coverage.md).
    #[arg(long)]
    coverage: bool,
    /// Exit with status 4 if fewer than this percentage of the rules applied in some test
    /// (implies `--coverage`).
    #[arg(long, value_name = "PERCENT", value_parser = clap::value_parser!(u32).range(0..=100))]
    min_coverage: Option<u32>,
    /// Exit with status 4 if fewer than this percentage of the condition parts were seen both
    /// true and false (implies `--coverage`).
    #[arg(long, value_name = "PERCENT", value_parser = clap::value_parser!(u32).range(0..=100))]
    min_condition_coverage: Option<u32>,
    /// Output format: `json` prints one document with every test's result and the coverage.
    #[arg(long, value_enum, default_value_t = OutputFormat::Text)]
    format: OutputFormat,
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
        Command::Graph(args) => args.common.max_nesting.max(args.common.max_depth as usize),
        Command::Repl(args) => args.common.max_nesting.max(args.common.max_depth as usize),
        Command::Diff(args) => args.common.max_nesting.max(args.common.max_depth as usize),
        Command::Fmt(args) => args.max_nesting,
        Command::Completions { .. } | Command::Man => pol::syntax::DEFAULT_MAX_NESTING,
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
    // A command gives one JSON document of diagnostics, written when it ends; the REPL and the
    // language server answer each input on its own.
    let held = !matches!(cli.command, Command::Repl(_) | Command::Lsp(_));
    if held {
        console::hold_json();
    }
    let code = run_command(cli);
    if held {
        console::release_json();
    }
    code
}

fn run_command(cli: Cli) -> u8 {
    match cli.command {
        Command::Run(args) => run(args),
        Command::Check(args) => check(args),
        Command::Test(args) => test(args),
        Command::Fmt(args) => fmt::fmt(args),
        Command::Graph(args) => graph::graph(args),
        Command::Repl(args) => repl::repl(args),
        Command::Diff(args) => diff::diff(args),
        Command::Completions { shell } => {
            let mut out = console::stdout();
            let mut command = <Cli as clap::CommandFactory>::command();
            clap_complete::generate(shell, &mut command, "pol", &mut out);
            console::finish(&mut out, Ok(EXIT_OK), DiagnosticStyle::Auto)
        }
        Command::Man => {
            let mut out = console::stdout();
            let command = <Cli as clap::CommandFactory>::command();
            let written = clap_mangen::Man::new(command).render(&mut out).map(|()| EXIT_OK);
            console::finish(&mut out, written, DiagnosticStyle::Auto)
        }
        Command::Lsp(args) => lsp::lsp(args),
    }
}

/// Prints diagnostics on standard error in the chosen style.
pub(crate) fn report(engine: &Engine<'_>, diagnostics: &[Diagnostic], style: DiagnosticStyle) {
    console::report(&engine.sources, diagnostics, style);
}

pub(crate) fn new_engine<'fs>(files: &'fs DiskFiles, common: &CommonArgs) -> Engine<'fs> {
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
    // The process ends with this command: the policy's trees, the program and the facts are
    // given back with it rather than freed one allocation at a time (a twelfth of the run on
    // the Japanese example).
    let mut engine = ManuallyDrop::new(new_engine(&files, &args.common));
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
    let program = &*ManuallyDrop::new(program);
    let picture = args.format.picture();
    if let (Some(key), None) = (&args.subject, picture) {
        let diagnostic = pol::engine::invalid_argument(
            "--subject",
            key,
            "chooses the decision a picture shows, and no picture was asked for",
            "add `--format dot`, `--format mermaid` or `--format svg` to draw that subject's derivation",
        );
        report(&engine, &with_warnings(warnings, vec![diagnostic]), style);
        return EXIT_USAGE;
    }
    if picture.is_some() && (args.summary || !args.fail_on.is_empty()) {
        let flag = if args.summary { "--summary" } else { "--fail-on" };
        let diagnostic = pol::engine::invalid_argument(
            "--format",
            &format!("{:?}", args.format).to_lowercase(),
            &format!("draws the derivation of one decision, which `{flag}` does not apply to"),
            "draw the picture and count or check the decisions in two runs",
        );
        report(&engine, &with_warnings(warnings, vec![diagnostic]), style);
        return EXIT_USAGE;
    }
    let compact = args.explain == Some(ExplainForm::Compact);
    if compact && (args.format != RunFormat::Json || args.summary) {
        let (reason, help) = if args.summary {
            (
                "writes the derivation of each decision, and `--summary` prints none",
                "drop `--explain=compact`, or `--summary` to see each decision",
            )
        } else {
            (
                "writes derivations as JSON, and the output is not JSON",
                "add `--format json`, or write `--explain` for derivations in this format",
            )
        };
        let diagnostic = pol::engine::invalid_argument("--explain", "compact", reason, help);
        report(&engine, &with_warnings(warnings, vec![diagnostic]), style);
        return EXIT_USAGE;
    }
    let options = Options {
        law,
        limits: args.common.limits(),
        explain: args.explain.is_some() || picture.is_some(),
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
    let mappings = match read_mappings(&mut engine, &args) {
        Ok(mappings) => mappings,
        Err((diagnostics, code)) => {
            report(&engine, &with_warnings(warnings, diagnostics), style);
            return code;
        }
    };
    let includes = match output::includes(program, &args.include) {
        Ok(includes) => includes,
        Err(diagnostic) => {
            report(&engine, &with_warnings(warnings, vec![diagnostic]), style);
            return EXIT_USAGE;
        }
    };
    let sink = output::Sink::new(
        args.format.lines(),
        compact,
        args.summary,
        fail_on,
        args.only.clone(),
        includes,
    );
    // A JSON Lines input of the decided records streams through in chunks: memory stays flat
    // however many transfers it holds.
    let subject = program.subject.as_ref().map(|subject| subject.record);
    let stream_at = args
        .facts
        .iter()
        .position(|spec| output::is_subject_stream(spec, args.stdin_format, program, subject, &mappings))
        // A picture shows one decision chosen among all of them: the input is read whole.
        .filter(|_| picture.is_none());
    let mut inputs = Vec::new();
    for (idx, spec) in args.facts.iter().enumerate() {
        if Some(idx) == stream_at {
            continue;
        }
        match read_facts_input(spec, args.stdin_format, args.max_facts_bytes) {
            Ok(mut input) => {
                if input.format.is_tabular() {
                    input.mapping = mapping_for(input.record.as_deref(), &mappings);
                }
                inputs.push(input);
            }
            Err(diagnostic) => {
                report(&engine, &with_warnings(warnings, vec![diagnostic]), style);
                return EXIT_USAGE;
            }
        }
    }
    if let (Some(idx), Some(subject)) = (stream_at, subject) {
        let path = facts_path(&args.facts[idx]);
        let spec = &args.facts[idx];
        let format = match facts_path(spec) {
            "-" => args.stdin_format.format(),
            path => facts_format(path, args.stdin_format).unwrap_or(Format::JsonLines),
        };
        let stream = output::Stream {
            path,
            format,
            mapping: mapping_for(split_facts_spec(spec).0, &mappings),
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
    let facts = &*ManuallyDrop::new(facts);
    let unknown = keys::unknown_keys(program, facts, key_level(args.deny_unknown_keys));
    let failed = unknown.iter().any(Diagnostic::is_error);
    report(&engine, &with_warnings(warnings, unknown), style);
    if failed {
        // Decisions under a policy whose keys name nothing would not be defensible: none is printed.
        return EXIT_FAILED;
    }
    let decisions = match engine.decide_all(program, facts, options) {
        Ok(decisions) => decisions,
        Err(diagnostic) => {
            report(&engine, &[diagnostic], style);
            return EXIT_FAILED;
        }
    };
    if let Some(format) = picture {
        return graph::derivation(
            &engine,
            program,
            facts,
            &decisions,
            args.subject.as_deref(),
            format,
            style,
        );
    }
    let mut sink = sink;
    for decision in &decisions {
        if let Err(error) = sink.decision(program, facts, &engine.sources, decision) {
            return console::write_failed(&error, style);
        }
    }
    let mut missed = pol::eval::MissedLookups::default();
    missed.add(program, facts);
    let missed = missed.warnings(program);
    if !missed.is_empty() {
        report(&engine, &missed, style);
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
pub(crate) fn check_libs(common: &CommonArgs) -> Option<Diagnostic> {
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
pub(crate) fn check_stdin_readers(specs: &[String]) -> Option<Diagnostic> {
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
pub(crate) fn facts_path(spec: &str) -> &str {
    split_facts_spec(spec).1
}

/// Reads one `--facts` argument: `FILE`, `Record=FILE`, `-` or `Record=-`.
pub(crate) fn read_facts_input(
    spec: &str,
    stdin_format: StdinFormat,
    max_bytes: u64,
) -> Result<FactsInput, Diagnostic> {
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
            mapping: None,
        });
    }
    let format = facts_format(path, stdin_format).ok_or_else(|| {
        pol::engine::invalid_argument(
            "--facts",
            spec,
            "has no format Pol knows",
            "name facts files .json, .jsonl, .ndjson, .yaml, .yml, .csv or .tsv, so Pol knows their format",
        )
    })?;
    let bytes = files::read_facts(Path::new(path), max_bytes)
        .map_err(|error| pol::engine::read_error(path, &error, None, Setting::FactsBytes))?;
    Ok(FactsInput {
        name: path.to_string(),
        bytes,
        format,
        record,
        mapping: None,
    })
}

/// A mapping read from its file, with the path it was given as.
pub(crate) struct GivenMapping {
    path: String,
    mapping: Arc<Mapping>,
}

/// Reads and parses every `--mapping`, and checks that each applies to some CSV or TSV input
/// (a mapping that reads nothing is a mistake, not something to ignore) and that no two apply to
/// the same record type.
fn read_mappings(
    engine: &mut Engine<'_>,
    args: &RunArgs,
) -> Result<Vec<GivenMapping>, (Vec<Diagnostic>, u8)> {
    let mut mappings = Vec::new();
    let mut diagnostics = Vec::new();
    for path in &args.mapping {
        let name = path.display().to_string();
        let read = files::read_facts(path, args.max_facts_bytes)
            .map_err(|error| pol::engine::read_error(&name, &error, None, Setting::FactsBytes))
            .and_then(|bytes| engine.add_bytes(name.clone(), bytes));
        let source = match read {
            Ok(source) => source,
            Err(diagnostic) => return Err((vec![diagnostic], EXIT_USAGE)),
        };
        match Mapping::parse(&engine.sources, source) {
            Ok(mapping) => mappings.push(GivenMapping {
                path: name,
                mapping: Arc::new(mapping),
            }),
            Err(found) => diagnostics.extend(found),
        }
    }
    if !diagnostics.is_empty() {
        return Err((diagnostics, EXIT_FAILED));
    }
    let record_of = |given: &GivenMapping| given.mapping.record.as_ref().map(|(name, _)| name.clone());
    for (idx, given) in mappings.iter().enumerate() {
        if mappings.len() > 1 && record_of(given).is_none() {
            let diagnostic = pol::engine::invalid_argument(
                "--mapping",
                &given.path,
                "says no `record`, and there are other mappings",
                "with several mappings, each says which record type it reads: `record: Delivery`",
            );
            return Err((vec![diagnostic], EXIT_USAGE));
        }
        if mappings[..idx]
            .iter()
            .any(|earlier| record_of(earlier) == record_of(given))
        {
            let diagnostic = pol::engine::invalid_argument(
                "--mapping",
                &given.path,
                "is a second mapping for the same record type",
                "give one mapping per record type",
            );
            return Err((vec![diagnostic], EXIT_USAGE));
        }
        let used = args.facts.iter().any(|spec| {
            let (record, path) = split_facts_spec(spec);
            let format = if path == "-" {
                Some(args.stdin_format.format())
            } else {
                facts_format(path, args.stdin_format)
            };
            format.is_some_and(Format::is_tabular)
                && mapping_for(record, &mappings).is_some_and(|found| Arc::ptr_eq(&found, &given.mapping))
        });
        if !used {
            let what = match record_of(given) {
                Some(record) => format!("reads `{record}`, but no CSV or TSV `--facts` holds `{record}`"),
                None => "applies to no CSV or TSV `--facts`".to_owned(),
            };
            let diagnostic = pol::engine::invalid_argument(
                "--mapping",
                &given.path,
                &what,
                "name the file with its record type: `--facts Delivery=deliveries.csv`",
            );
            return Err((vec![diagnostic], EXIT_USAGE));
        }
    }
    Ok(mappings)
}

/// The mapping a CSV or TSV input of `record` (as named with `--facts Record=FILE`) is read with:
/// the mapping of that record type, or the only mapping given when the input names no record type
/// (or the mapping names none).
pub(crate) fn mapping_for(record: Option<&str>, mappings: &[GivenMapping]) -> Option<Arc<Mapping>> {
    fn mapped<'a>(given: &&'a GivenMapping) -> Option<&'a str> {
        mapping_record(&given.mapping)
    }
    let found = match (record, mappings) {
        (_, [only]) if mapped(&only).is_none() => Some(only),
        (None, [only]) => Some(only),
        (Some(record), _) => mappings.iter().find(|given| mapped(given) == Some(record)),
        (None, _) => None,
    };
    found.map(|given| given.mapping.clone())
}

/// The record type a mapping reads, if it names one.
pub(crate) fn mapping_record(mapping: &Mapping) -> Option<&str> {
    mapping.record.as_ref().map(|(name, _)| name.as_str())
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
    let json = args.format == OutputFormat::Json;
    let wants_coverage =
        args.coverage || args.min_coverage.is_some() || args.min_condition_coverage.is_some();
    let mut coverage = wants_coverage.then(Coverage::new);
    let mut results: Vec<serde_json::Value> = Vec::new();
    for path in &found.files {
        let mut engine = new_engine(files, &args.common);
        let loaded = match engine.load_policy(path) {
            Ok(loaded) => loaded,
            Err(diagnostics) => {
                unread |= code_for_load(&diagnostics) == EXIT_USAGE;
                if json {
                    results.push(
                        serde_json::json!({"file": path.display().to_string(), "error": "cannot run tests"}),
                    );
                } else {
                    writeln!(out, "{}: cannot run tests", shown(path))?;
                }
                out.flush()?;
                report(&engine, &diagnostics, args.common.diagnostics);
                failed += 1;
                continue;
            }
        };
        let program = &loaded.checked.program;
        // A policy without tests still has its rules counted: a rule no test reaches is uncovered.
        if let Some(coverage) = coverage.as_mut() {
            coverage.begin(program, &engine.sources);
        }
        if program.tests.is_empty() {
            continue;
        }
        if !json {
            writeln!(out, "{}", shown(path))?;
        }
        let level = key_level(args.deny_unknown_keys);
        let unknown = keys::unknown_keys(program, &testing::test_keys(program), level);
        if !unknown.is_empty() {
            out.flush()?;
            report(&engine, &unknown, args.common.diagnostics);
            key_errors |= unknown.iter().any(Diagnostic::is_error);
        }
        let reports = testing::run_tests_covered(
            program,
            args.filter.as_deref(),
            args.common.limits(),
            coverage.as_mut(),
        );
        for result in reports {
            // Test names are user text: escaped, so a name cannot forge a line of the report.
            let name = escape_controls(&result.name);
            let mut lines = Vec::new();
            if result.passed() {
                passed += 1;
            } else {
                failed += 1;
            }
            if !json {
                let word = if result.passed() { "ok  " } else { "FAIL" };
                writeln!(out, "  {word}  {name}")?;
            }
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
                            if !json {
                                writeln!(out, "        {line}")?;
                            }
                            lines.push(line);
                        }
                    }
                    TestFailure::Error(diagnostics) => {
                        if !json {
                            writeln!(out, "        the test could not run:")?;
                        }
                        lines.push("the test could not run".to_owned());
                        out.flush()?;
                        report(&engine, diagnostics, args.common.diagnostics);
                    }
                }
            }
            if json {
                results.push(serde_json::json!({
                    "file": path.display().to_string(),
                    "name": result.name,
                    "passed": result.passed(),
                    "failures": lines,
                }));
            }
        }
    }
    let mut below = Vec::new();
    if let Some(coverage) = &coverage {
        let uncovered: Vec<String> = coverage
            .rules()
            .iter()
            .filter(|rule| rule.applied_in.is_empty())
            .map(|rule| rule.name.clone())
            .collect();
        let rules = coverage.rule_ratio();
        if let Some(threshold) = args.min_coverage.filter(|threshold| !rules.reaches(*threshold)) {
            below.push(pol::coverage::messages::below_threshold(
                "rule coverage",
                &rules.percent_text(),
                threshold,
                &uncovered,
            ));
        }
        let parts = coverage.condition_ratio();
        if let Some(threshold) = args
            .min_condition_coverage
            .filter(|threshold| !parts.reaches(*threshold))
        {
            below.push(pol::coverage::messages::below_threshold(
                "condition coverage",
                &parts.percent_text(),
                threshold,
                &[],
            ));
        }
    }
    if json {
        let document = serde_json::json!({
            "version": pol::coverage::COVERAGE_VERSION,
            "passed": passed,
            "failed": failed,
            "tests": results,
            "coverage": coverage.as_ref().map(Coverage::json),
        });
        writeln!(out, "{document}")?;
    } else {
        if let Some(coverage) = &coverage {
            write!(out, "{}", coverage.text())?;
        }
        writeln!(
            out,
            "{passed} passed, {failed} failed{}",
            skipped_note(&found.skipped)
        )?;
    }
    if !below.is_empty() {
        out.flush()?;
        console::report(&pol::source::SourceMap::new(), &below, args.common.diagnostics);
    }
    Ok(if unread {
        EXIT_USAGE
    } else if failed > 0 || key_errors {
        EXIT_FAILED
    } else if !below.is_empty() {
        EXIT_COVERAGE
    } else {
        EXIT_OK
    })
}
