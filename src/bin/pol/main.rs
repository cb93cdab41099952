//! The `pol` command line: `run`, `check` and `test` over the library's engine.
//! Reads files and standard input, chooses output formats, maps outcomes to exit codes.

mod console;
mod files;
mod fmt;
mod output;

use std::io::{Read, Write};
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use clap::{Parser, Subcommand, ValueEnum};

use pol::diagnostic::{self, Diagnostic};
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

/// The flag that raises the size limit of facts inputs.
pub(crate) const FACTS_LIMIT_FLAG: &str = "--max-facts-bytes";

/// The default for `--max-facts-bytes`: 4 GiB.
const DEFAULT_MAX_FACTS_BYTES: u64 = 4 << 30;

/// The highest `--max-nesting` accepted: parsing, checking, printing and evaluating recurse once
/// per level, so a higher limit could overflow the stack instead of reporting the limit.
pub(crate) const MAX_NESTING_CEILING: u64 = 4_096;

/// The highest `--max-depth` accepted, for the same reason.
const MAX_DEPTH_CEILING: u64 = 10_000;

/// The stack of the thread that runs a command and of each thread that decides: room for
/// `MAX_NESTING_CEILING` levels of syntax and `MAX_DEPTH_CEILING` of evaluation, even in a
/// debug build. Only the pages a deep policy touches are ever used.
const STACK_BYTES: usize = 256 << 20;

/// The parser of `--max-nesting`, up to [`MAX_NESTING_CEILING`].
pub(crate) fn nesting_parser() -> clap::builder::RangedU64ValueParser<usize> {
    clap::builder::RangedU64ValueParser::new().range(0..=MAX_NESTING_CEILING)
}

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
}

#[derive(clap::Args, Debug)]
struct CommonArgs {
    /// How to show diagnostics on standard error.
    #[arg(long, value_enum, default_value_t = DiagnosticStyle::Auto)]
    diagnostics: DiagnosticStyle,
    /// Also allow imports from this directory (besides the policy's own).
    #[arg(long = "lib", value_name = "DIR")]
    lib: Vec<PathBuf>,
    /// Deepest nesting of expressions and brackets accepted in a policy (at most 4096).
    #[arg(long, value_name = "N", default_value_t = pol::syntax::DEFAULT_MAX_NESTING, value_parser = nesting_parser())]
    max_nesting: usize,
    /// Largest policy file read, in bytes.
    #[arg(long, value_name = "BYTES", default_value_t = pol::engine::DEFAULT_MAX_POLICY_BYTES)]
    max_policy_bytes: u64,
    /// Evaluation steps allowed for one rule of one decision.
    #[arg(long, value_name = "N", default_value_t = Limits::DEFAULT_MAX_STEPS)]
    max_steps: u64,
    /// Deepest nesting of evaluation (expressions and function calls; at most 10000).
    #[arg(
        long,
        value_name = "N",
        default_value_t = Limits::DEFAULT_MAX_DEPTH,
        value_parser = clap::builder::RangedU64ValueParser::<u32>::new().range(0..=MAX_DEPTH_CEILING)
    )]
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
    /// Format of facts read from standard input.
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
    #[command(flatten)]
    common: CommonArgs,
}

fn main() -> ExitCode {
    // Deciding threads get the same deep stack as the command's own thread. If the pool cannot
    // be set up this way, its default stands, and depth limits still apply.
    let _ = rayon::ThreadPoolBuilder::new()
        .stack_size(STACK_BYTES)
        .build_global();
    let command = std::thread::Builder::new()
        .name("pol".into())
        .stack_size(STACK_BYTES)
        .spawn(run_command);
    let code = match command {
        Ok(thread) => thread
            .join()
            .unwrap_or_else(|panic| std::panic::resume_unwind(panic)),
        // Without a thread of its own, the command runs on the main thread's smaller stack.
        Err(_) => run_command(),
    };
    ExitCode::from(code)
}

/// Parses the command line and runs the command; the exit code.
fn run_command() -> u8 {
    let cli = match Cli::try_parse() {
        Ok(cli) => cli,
        Err(error) => {
            // `--help` and `--version` are output; a usage error goes to standard error.
            let code = if error.use_stderr() { EXIT_USAGE } else { EXIT_OK };
            return match error.print() {
                Err(failed) if !error.use_stderr() => console::write_failed(&failed, DiagnosticStyle::Auto),
                _ => code,
            };
        }
    };
    match cli.command {
        Command::Run(args) => run(args),
        Command::Check(args) => check(args),
        Command::Test(args) => test(args),
        Command::Fmt(args) => fmt::fmt(args),
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

/// Exit code for a set of diagnostics: failed if any is an error.
fn code_for(diagnostics: &[Diagnostic]) -> u8 {
    if diagnostics.iter().any(Diagnostic::is_error) {
        EXIT_FAILED
    } else {
        EXIT_OK
    }
}

/// I/O problems are usage errors (exit 2), as is a file named on the command line that is over
/// its size limit (an imported one points at its `use` and is a problem of the policy); problems
/// in the policy or facts exit 1.
pub(crate) fn code_for_load(diagnostics: &[Diagnostic]) -> u8 {
    let unreadable = |d: &Diagnostic| {
        d.code == diagnostic::Code::Io || (d.code == diagnostic::Code::InputTooLarge && d.primary.is_none())
    };
    if diagnostics.iter().any(unreadable) {
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
    report(&engine, &loaded.checked.warnings, style);
    if let Err(diagnostic) = loaded.require_subject(&engine.sources) {
        report(&engine, &[diagnostic], style);
        return EXIT_FAILED;
    }
    // Standard input can be read once: a second `-` would find it empty, and the subjects of
    // the first would go undecided or be taken as reference data without a word.
    let stdin_specs: Vec<&String> = args.facts.iter().filter(|spec| facts_path(spec) == "-").collect();
    if let [_, second, ..] = stdin_specs.as_slice() {
        let diagnostic = pol::engine::invalid_argument(
            "--facts",
            second,
            "names standard input a second time",
            "standard input can be read only once: give the other facts as files",
        );
        report(&engine, &[diagnostic], style);
        return EXIT_USAGE;
    }
    let program = &loaded.checked.program;
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
                report(&engine, &[diagnostic], style);
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
        };
        return output::stream(&mut engine, program, inputs, stream, options, sink, style);
    }
    let facts = match engine.load_facts(program, inputs) {
        Ok(facts) => facts,
        Err(diagnostics) => {
            report(&engine, &diagnostics, style);
            return code_for_load(&diagnostics);
        }
    };
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
        let mut bytes = Vec::new();
        std::io::stdin()
            .take(max_bytes + 1)
            .read_to_end(&mut bytes)
            .map_err(|error| {
                pol::engine::read_error(
                    "<stdin>",
                    &ReadError::Failed(files::describe(&error)),
                    None,
                    FACTS_LIMIT_FLAG,
                )
            })?;
        if bytes.len() as u64 > max_bytes {
            let error = ReadError::TooLarge {
                size: bytes.len() as u64,
                limit: max_bytes,
            };
            return Err(pol::engine::read_error("<stdin>", &error, None, FACTS_LIMIT_FLAG));
        }
        let format = match stdin_format {
            StdinFormat::Jsonl => Format::JsonLines,
            StdinFormat::Json => Format::Json,
            StdinFormat::Yaml => Format::Yaml,
            StdinFormat::Csv => Format::Csv,
        };
        return Ok(FactsInput {
            name: "<stdin>".into(),
            bytes,
            format,
            record,
        });
    }
    let format = Format::from_path(path).ok_or_else(|| {
        pol::engine::invalid_argument(
            "--facts",
            spec,
            "has no format Pol knows",
            "name facts files .json, .jsonl, .ndjson, .yaml, .yml or .csv, so Pol knows their format",
        )
    })?;
    let bytes = files::read_limited(Path::new(path), max_bytes)
        .map_err(|error| pol::engine::read_error(path, &error, None, FACTS_LIMIT_FLAG))?;
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
    let found = files::collect_policies(&args.files);
    let mut all = found.diagnostics;
    for path in &found.files {
        match engine.load_policy(path) {
            Ok(loaded) => all.extend(loaded.checked.warnings),
            Err(diagnostics) => all.extend(diagnostics),
        }
    }
    let style = args.common.diagnostics;
    let code = code_for_load(&all);
    match args.format {
        OutputFormat::Json => {
            let mut out = console::stdout();
            let written = writeln!(out, "{}", diagnostic::json::to_json(&all, &engine.sources));
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
    for path in &found.files {
        let mut engine = new_engine(files, &args.common);
        let loaded = match engine.load_policy(path) {
            Ok(loaded) => loaded,
            Err(diagnostics) => {
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
        for result in testing::run_tests(program, args.filter.as_deref(), args.common.limits()) {
            if result.passed() {
                passed += 1;
                writeln!(out, "  ok    {}", escape_controls(&result.name))?;
                continue;
            }
            failed += 1;
            writeln!(out, "  FAIL  {}", escape_controls(&result.name))?;
            for failure in &result.failures {
                match failure {
                    TestFailure::Mismatch {
                        span,
                        subject,
                        expected,
                        actual,
                    } => {
                        let line = engine.sources.get(span.source).line_of(span.start) + 1;
                        let subject = escape_controls(&subject.to_string()).into_owned();
                        writeln!(out, "        expect {subject} (line {line}):")?;
                        writeln!(
                            out,
                            "          expected: {}",
                            escape_controls(&expected.to_string())
                        )?;
                        writeln!(
                            out,
                            "          actual:   {}",
                            escape_controls(&actual.to_string())
                        )?;
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
    Ok(if failed > 0 { EXIT_FAILED } else { EXIT_OK })
}
