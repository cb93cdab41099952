//! The `pol` command line: `run`, `check` and `test` over the library's engine.
//! Reads files and standard input, chooses output formats, maps outcomes to exit codes.

mod files;
mod fmt;
mod output;

use std::io::{IsTerminal, Read, Write};
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use clap::{Parser, Subcommand, ValueEnum};

use pol::diagnostic::{self, Diagnostic, human};
use pol::engine::testing::{self, TestFailure};
use pol::engine::{Engine, FactsInput, ReadError};
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

/// The flag that raises the size limit of facts inputs.
pub(crate) const FACTS_LIMIT_FLAG: &str = "--max-facts-bytes";

/// The default for `--max-facts-bytes`: 4 GiB.
const DEFAULT_MAX_FACTS_BYTES: u64 = 4 << 30;

/// Pol: decide export-control transfers with policies written as law.
#[derive(Parser, Debug)]
#[command(name = "pol", version, about, long_about = None)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

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
    /// Graphical with colour on a terminal, plain otherwise.
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
    /// JSON: one object per line for `run` (one per decision), one document for `check`.
    Json,
}

#[derive(clap::Args, Debug)]
struct RunArgs {
    /// The policy file.
    policy: PathBuf,
    /// Facts: `FILE`, `Record=FILE`, or `-` / `Record=-` for standard input (JSON Lines unless the
    /// format says otherwise). The format follows the extension (.json .jsonl .yaml .yml .csv).
    #[arg(long = "facts", short = 'f', value_name = "[RECORD=]FILE", required = true, num_args = 1..)]
    facts: Vec<String>,
    /// Format of facts read from standard input.
    #[arg(long, value_enum, default_value_t = StdinFormat::Jsonl)]
    stdin_format: StdinFormat,
    /// Output format.
    #[arg(long, value_enum, default_value_t = OutputFormat::Text)]
    format: OutputFormat,
    /// Decide under the law in force on this date (YYYY-MM-DD) instead of each subject's own date.
    #[arg(long, value_name = "DATE")]
    as_of: Option<String>,
    /// Show how each decision was derived: every rule's status and the value of each condition.
    #[arg(long)]
    explain: bool,
    /// Print counts per decision and per deciding rule instead of one decision per subject.
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
    #[arg(required = true)]
    files: Vec<PathBuf>,
    /// Output format of the diagnostics: `text` on standard error, `json` on standard output.
    #[arg(long, value_enum, default_value_t = OutputFormat::Text)]
    format: OutputFormat,
    #[command(flatten)]
    common: CommonArgs,
}

#[derive(clap::Args, Debug)]
struct TestArgs {
    /// Policy files or directories to search for `.pol` files (default: the current directory).
    paths: Vec<PathBuf>,
    /// Run only tests whose name contains this text.
    #[arg(long)]
    filter: Option<String>,
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
            let _ = error.print();
            return ExitCode::from(if error.use_stderr() { EXIT_USAGE } else { EXIT_OK });
        }
    };
    let levels = match &cli.command {
        Command::Run(RunArgs { common, .. })
        | Command::Check(CheckArgs { common, .. })
        | Command::Test(TestArgs { common, .. }) => common.max_nesting.max(common.max_depth as usize),
        Command::Fmt(args) => args.max_nesting,
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
            eprintln!(
                "error: cannot reserve {} MiB of stack for the nesting and depth limits ({error}); lower `--max-nesting` or `--max-depth`",
                stack >> 20
            );
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
    }
}

/// Prints diagnostics on standard error in the chosen style.
pub(crate) fn report(engine: &Engine<'_>, diagnostics: &[Diagnostic], style: DiagnosticStyle) {
    if diagnostics.is_empty() {
        return;
    }
    let stderr = std::io::stderr();
    let text = match style {
        DiagnosticStyle::Json => format!("{}\n", diagnostic::json::to_json(diagnostics, &engine.sources)),
        DiagnosticStyle::Fancy => human::render_all(diagnostics, &engine.sources, human::Style::Fancy),
        DiagnosticStyle::Plain => human::render_all(diagnostics, &engine.sources, human::Style::Plain),
        DiagnosticStyle::Narrated => human::render_all(diagnostics, &engine.sources, human::Style::Narrated),
        DiagnosticStyle::Auto if stderr.is_terminal() => {
            human::render_all(diagnostics, &engine.sources, human::Style::Fancy)
        }
        DiagnosticStyle::Auto => human::render_all(diagnostics, &engine.sources, human::Style::Plain),
    };
    let _ = stderr.lock().write_all(text.as_bytes());
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

/// I/O problems are usage errors (exit 2); problems in the policy or facts exit 1.
pub(crate) fn code_for_load(diagnostics: &[Diagnostic]) -> u8 {
    if diagnostics.iter().any(|d| d.code == diagnostic::Code::Io) {
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
    let program = &loaded.checked.program;
    let options = Options {
        law,
        limits: args.common.limits(),
        explain: args.explain,
        full_only: false,
    };
    let sink = output::Sink::new(args.format, args.summary);
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
        let spec = &args.facts[idx];
        let path = spec.split_once('=').map_or(spec.as_str(), |(_, path)| path);
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
        if sink.decision(program, &facts, &engine.sources, decision).is_err() {
            // The reader went away (a closed pipe): stop quietly.
            return EXIT_OK;
        }
    }
    sink.finish(&engine, program, style)
}

/// Reads one `--facts` argument: `FILE`, `Record=FILE`, `-` or `Record=-`.
fn read_facts_input(spec: &str, stdin_format: StdinFormat, max_bytes: u64) -> Result<FactsInput, Diagnostic> {
    let (record, path) = match spec.split_once('=') {
        Some((record, path))
            if !record.is_empty() && record.chars().all(|c| c.is_ascii_alphanumeric() || c == '_') =>
        {
            (Some(record.to_string()), path)
        }
        _ => (None, spec),
    };
    if path == "-" {
        let mut bytes = Vec::new();
        std::io::stdin()
            .take(max_bytes + 1)
            .read_to_end(&mut bytes)
            .map_err(|error| {
                pol::engine::read_error(
                    "<stdin>",
                    &ReadError::Failed(error.to_string()),
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
    let mut all = Vec::new();
    let mut engine = new_engine(&files, &args.common);
    let mut paths = Vec::new();
    for root in &args.files {
        if let Err((path, message)) = files::collect_policies(root, &mut paths) {
            all.push(pol::engine::read_error(
                &path.display().to_string(),
                &ReadError::Failed(message),
                None,
                "",
            ));
        }
    }
    for path in &paths {
        match engine.load_policy(path) {
            Ok(loaded) => all.extend(loaded.checked.warnings),
            Err(diagnostics) => all.extend(diagnostics),
        }
    }
    match args.format {
        OutputFormat::Json => println!("{}", diagnostic::json::to_json(&all, &engine.sources)),
        OutputFormat::Text => {
            report(&engine, &all, args.common.diagnostics);
            if all.is_empty() {
                eprintln!("no problems found in {} file(s)", paths.len());
            }
        }
    }
    code_for_load(&all)
}

fn test(args: TestArgs) -> u8 {
    let files = DiskFiles;
    let roots = if args.paths.is_empty() {
        vec![PathBuf::from(".")]
    } else {
        args.paths.clone()
    };
    let mut policies = Vec::new();
    for root in &roots {
        if let Err((path, message)) = files::collect_policies(root, &mut policies) {
            let diagnostic =
                pol::engine::read_error(&path.display().to_string(), &ReadError::Failed(message), None, "");
            eprintln!(
                "{}",
                human::render(&diagnostic, &pol::source::SourceMap::new(), human::Style::Plain).trim_end()
            );
            return EXIT_USAGE;
        }
    }
    let (mut passed, mut failed) = (0usize, 0usize);
    let stdout = std::io::stdout();
    let mut out = stdout.lock();
    for path in &policies {
        let mut engine = new_engine(&files, &args.common);
        let loaded = match engine.load_policy(path) {
            Ok(loaded) => loaded,
            Err(diagnostics) => {
                let _ = writeln!(out, "{}: cannot run tests", path.display());
                report(&engine, &diagnostics, args.common.diagnostics);
                failed += 1;
                continue;
            }
        };
        let program = &loaded.checked.program;
        if program.tests.is_empty() {
            continue;
        }
        let _ = writeln!(out, "{}", path.display());
        for result in testing::run_tests(program, args.filter.as_deref(), args.common.limits()) {
            if result.passed() {
                passed += 1;
                let _ = writeln!(out, "  ok    {}", result.name);
                continue;
            }
            failed += 1;
            let _ = writeln!(out, "  FAIL  {}", result.name);
            for failure in &result.failures {
                match failure {
                    TestFailure::Mismatch {
                        span,
                        subject,
                        expected,
                        actual,
                    } => {
                        let line = engine.sources.get(span.source).line_of(span.start) + 1;
                        let _ = writeln!(out, "        expect {subject} (line {line}):");
                        let _ = writeln!(out, "          expected: {expected}");
                        let _ = writeln!(out, "          actual:   {actual}");
                    }
                    TestFailure::Error(diagnostics) => {
                        let _ = writeln!(out, "        the test could not run:");
                        let _ = out.flush();
                        report(&engine, diagnostics, args.common.diagnostics);
                    }
                }
            }
        }
    }
    let _ = writeln!(out, "{passed} passed, {failed} failed");
    if failed > 0 { EXIT_FAILED } else { EXIT_OK }
}
