//! `pol diff`: two policies, or one policy under the law of two dates, compared: the rules that
//! differ, then every subject of the facts decided under both sides, the changed ones reported
//! with the derivation lines that differ and counted by kind of change. A JSON Lines input of
//! subjects streams through in chunks, as for `pol run`, so memory stays flat.

use std::io::{BufRead, Read, Write};
use std::path::PathBuf;

use pol::check::ir::Program;
use pol::check::keys::{self, UnknownKeys};
use pol::diagnostic::{Diagnostic, Setting};
use pol::diff::{self, Decided, Groups, Outcome, Side, SideNames};
use pol::engine::{Engine, Failure, ReadError};
use pol::eval::{Decision, LawDate, Options};
use pol::facts::{Facts, FactsBuilder, Format, RowSplitter};
use pol::source::SourceMap;
use pol::value::Date;

use crate::console::{self, Out};
use crate::files::DiskFiles;
use crate::output::{self, CHUNK_LINES, LineEnd};
use crate::{
    CommonArgs, DiagnosticStyle, EXIT_CHANGED, EXIT_FAILED, EXIT_OK, EXIT_USAGE, OutputFormat, StdinFormat,
    check_libs, check_stdin_readers, code_for_load, facts_path, read_facts_input, report, shown,
    with_warnings,
};

/// The arguments of `pol diff`.
#[derive(clap::Args, Debug)]
pub struct DiffArgs {
    /// The policy before the change (or the one policy, read under two dates).
    old: PathBuf,
    /// The policy after the change; without it, `old` is compared with itself under the law of
    /// `--as-of` and of `--against`.
    new: Option<PathBuf>,
    /// Facts to decide under both sides: `FILE`, `Record=FILE`, or `-` / `Record=-` for standard
    /// input. Without facts, only the rules are compared.
    #[arg(long = "facts", short = 'f', value_name = "[RECORD=]FILE", num_args = 1..)]
    facts: Vec<String>,
    /// Format of facts read from standard input, or from a pipe whose name has no extension.
    #[arg(long, value_enum, default_value_t = StdinFormat::Jsonl)]
    stdin_format: StdinFormat,
    /// Read the old side under the law in force on this date (YYYY-MM-DD), and the new side too
    /// unless `--against` names another; without it, each subject's own date.
    #[arg(long, value_name = "DATE")]
    as_of: Option<String>,
    /// Read the new side under the law in force on this date (YYYY-MM-DD).
    #[arg(long, value_name = "DATE", requires = "as_of")]
    against: Option<String>,
    /// Output format: `json` prints one object per line: the rules, each changed subject, the
    /// counts by kind of change (see docs/diff.md).
    #[arg(long, value_enum, default_value_t = OutputFormat::Text)]
    format: OutputFormat,
    /// Print only the rules that differ and the counts of changed decisions by kind, not each
    /// changed subject.
    #[arg(long)]
    summary: bool,
    /// Exit with status 4 if some decision changed (with facts) or some rule differs (without),
    /// after printing everything, so a CI job can fail on it.
    #[arg(long)]
    fail_on_change: bool,
    /// Deepest nesting of arrays and objects in JSON or YAML facts.
    #[arg(long, value_name = "N", default_value_t = pol::facts::DEFAULT_MAX_NESTING)]
    max_facts_nesting: usize,
    /// Largest facts input read, in bytes.
    #[arg(long, value_name = "BYTES", default_value_t = crate::DEFAULT_MAX_FACTS_BYTES)]
    max_facts_bytes: u64,
    #[command(flatten)]
    pub(crate) common: CommonArgs,
}

/// Parses a date flag; the diagnostic for one that is not a date.
fn parse_date(flag: &str, text: Option<&String>) -> Result<Option<Date>, Diagnostic> {
    let Some(text) = text else { return Ok(None) };
    Date::parse(text).map(Some).ok_or_else(|| {
        pol::engine::invalid_argument(
            flag,
            text,
            "is not a date",
            "write a calendar date as YYYY-MM-DD, e.g. 2023-12-22",
        )
    })
}

/// Runs `pol diff`; the exit code.
pub fn diff(args: DiffArgs) -> u8 {
    let files = DiskFiles;
    let mut engine = crate::new_engine(&files, &args.common);
    engine.max_facts_nesting = args.max_facts_nesting;
    let style = args.common.diagnostics;
    if let Some(diagnostic) = check_libs(&args.common).or_else(|| check_stdin_readers(&args.facts)) {
        report(&engine, &[diagnostic], style);
        return EXIT_USAGE;
    }
    let dates = parse_date("--as-of", args.as_of.as_ref())
        .and_then(|old| Ok((old, parse_date("--against", args.against.as_ref())?.or(old))));
    let (old_date, new_date) = match dates {
        Ok(dates) => dates,
        Err(diagnostic) => {
            report(&engine, &[diagnostic], style);
            return EXIT_USAGE;
        }
    };
    if args.new.is_none() && old_date == new_date {
        let diagnostic = diff::nothing_to_compare(&shown(&args.old));
        report(&engine, &[diagnostic], style);
        return EXIT_USAGE;
    }
    let old_loaded = match engine.load_policy(&args.old) {
        Ok(loaded) => loaded,
        Err(diagnostics) => {
            report(&engine, &diagnostics, style);
            return code_for_load(&diagnostics);
        }
    };
    let new_loaded = match &args.new {
        None => None,
        Some(path) => match engine.load_policy(path) {
            Ok(loaded) => Some(loaded),
            Err(diagnostics) => {
                let code = code_for_load(&diagnostics);
                report(
                    &engine,
                    &with_warnings(old_loaded.checked.diagnostics, diagnostics),
                    style,
                );
                return code;
            }
        },
    };
    let mut warnings = old_loaded.checked.diagnostics.clone();
    if let Some(loaded) = &new_loaded {
        warnings.extend(loaded.checked.diagnostics.iter().cloned());
    }
    let with_facts = !args.facts.is_empty();
    if with_facts {
        let mut problems = Vec::new();
        for loaded in std::iter::once(&old_loaded).chain(&new_loaded) {
            if let Err(diagnostic) = loaded.require_subject(&engine.sources) {
                problems.push(diagnostic);
            }
        }
        if !problems.is_empty() {
            report(&engine, &with_warnings(warnings, problems), style);
            return EXIT_FAILED;
        }
    }
    let old_program = &old_loaded.checked.program;
    let new_program = new_loaded
        .as_ref()
        .map_or(old_program, |loaded| &loaded.checked.program);
    if with_facts && let Some(diagnostic) = different_subjects(old_program, new_program) {
        report(&engine, &with_warnings(warnings, vec![diagnostic]), style);
        return EXIT_FAILED;
    }
    let names = side_names(&args, old_date, new_date);
    let old = Side {
        program: old_program,
        date: old_date,
    };
    let new = Side {
        program: new_program,
        date: new_date,
    };
    let rules = diff::compare_rules(old, new, &engine.sources);
    let mut out = console::stdout();
    let written = match args.format {
        OutputFormat::Text => write!(
            out,
            "{}",
            diff::rules_text(&rules, old, new, &names, &engine.sources)
        ),
        OutputFormat::Json => {
            pol::escape::write_json_line(&mut out, &diff::rules_json(&rules, old, new, &names))
        }
    };
    if let Err(error) = written {
        return console::write_failed(&error, style);
    }
    if !with_facts {
        report(&engine, &warnings, style);
        let changed = !rules.changes.is_empty() || rules.default_changed;
        let code = if args.fail_on_change && changed {
            EXIT_CHANGED
        } else {
            EXIT_OK
        };
        return console::finish(&mut out, Ok(code), style);
    }
    let options = |date: Option<Date>| Options {
        law: date.map_or(LawDate::SubjectDate, LawDate::AsOf),
        limits: args.common.limits(),
        explain: true,
        full_only: false,
    };
    let sides = Sides {
        old: old_program,
        new: new_program,
        two_programs: new_loaded.is_some(),
        old_options: options(old_date),
        new_options: options(new_date),
    };
    let mut writer = Writer {
        format: args.format,
        summary: args.summary,
        out,
        groups: Groups::default(),
        failures: Vec::new(),
        offset: 0,
    };
    let code = decide_and_compare(&mut engine, &args, &sides, warnings, &mut writer, style);
    if code != EXIT_OK {
        let _ = writer.out.flush();
        return code;
    }
    writer.finish(&engine, old_program, args.fail_on_change, style)
}

/// E0450 when two policies decide record types of different names.
fn different_subjects(old: &Program, new: &Program) -> Option<Diagnostic> {
    let (Some(old_subject), Some(new_subject)) = (&old.subject, &new.subject) else {
        return None;
    };
    let old_name = &old.records[old_subject.record.idx()].name;
    let new_name = &new.records[new_subject.record.idx()].name;
    (old_name != new_name)
        .then(|| diff::different_subjects(old_name, old_subject.span, new_name, new_subject.span))
}

/// How the two sides are named: by their files, and by the law's date when one is given.
fn side_names(args: &DiffArgs, old_date: Option<Date>, new_date: Option<Date>) -> SideNames {
    let name = |path: &PathBuf, date: Option<Date>| {
        let mut name = shown(path);
        if let Some(date) = date {
            name.push_str(&format!(" under the law of {date}"));
        }
        name
    };
    SideNames {
        old: name(&args.old, old_date),
        new: name(args.new.as_ref().unwrap_or(&args.old), new_date),
    }
}

/// The two sides of the comparison as deciding needs them.
struct Sides<'p> {
    old: &'p Program,
    new: &'p Program,
    /// Whether the sides are two programs (else one program under two dates, one set of facts).
    two_programs: bool,
    old_options: Options,
    new_options: Options,
}

/// Loads the facts, decides every subject under both sides and compares, whole or streamed;
/// an exit code other than success when it stopped.
fn decide_and_compare(
    engine: &mut Engine<'_>,
    args: &DiffArgs,
    sides: &Sides<'_>,
    warnings: Vec<Diagnostic>,
    writer: &mut Writer,
    style: DiagnosticStyle,
) -> u8 {
    let subject = |program: &Program| program.subject.as_ref().map(|subject| subject.record);
    // A JSON Lines input of subjects streams, and so does a CSV or TSV one that names its record
    // type (`Transfer=transfers.csv`), read by its header row.
    let format_of = |spec: &str| {
        let (_, path) = crate::split_facts_spec(spec);
        if path == "-" {
            Some(args.stdin_format.format())
        } else {
            crate::facts_format(path, args.stdin_format)
        }
    };
    let stream_at = args.facts.iter().position(|spec| {
        output::is_subject_stream(spec, args.stdin_format, sides.old, subject(sides.old), &[])
            && output::is_subject_stream(spec, args.stdin_format, sides.new, subject(sides.new), &[])
    });
    let mut inputs = Vec::new();
    for (idx, spec) in args.facts.iter().enumerate() {
        if Some(idx) == stream_at {
            continue;
        }
        match read_facts_input(spec, args.stdin_format, args.max_facts_bytes) {
            Ok(input) => inputs.push(input),
            Err(diagnostic) => {
                report(engine, &with_warnings(warnings, vec![diagnostic]), style);
                return EXIT_USAGE;
            }
        }
    }
    let mut old_builder = engine.facts_builder(sides.old);
    if let Err(diagnostics) = engine.load_facts_into(&mut old_builder, sides.old, inputs) {
        let code = code_for_load(&diagnostics);
        report(engine, &with_warnings(warnings, diagnostics), style);
        return code;
    }
    let new_builder = if sides.two_programs {
        let mut builder = engine.facts_builder(sides.new);
        let texts = old_builder.inputs().texts.clone();
        if let Err(diagnostics) = engine.bind_inputs_into(&mut builder, &texts, sides.new) {
            report(engine, &with_warnings(warnings, diagnostics), style);
            return EXIT_FAILED;
        }
        Some(builder)
    } else {
        None
    };
    match stream_at {
        None => {
            let old_facts = match old_builder.finish() {
                Ok(facts) => facts,
                Err(diagnostics) => {
                    report(engine, &with_warnings(warnings, diagnostics), style);
                    return EXIT_FAILED;
                }
            };
            let new_facts = match new_builder.map(FactsBuilder::finish).transpose() {
                Ok(facts) => facts,
                Err(diagnostics) => {
                    report(engine, &with_warnings(warnings, diagnostics), style);
                    return EXIT_FAILED;
                }
            };
            let mut unknown = keys::unknown_keys(sides.old, &old_facts, UnknownKeys::Warn);
            if let Some(facts) = &new_facts {
                unknown.extend(keys::unknown_keys(sides.new, facts, UnknownKeys::Warn));
            }
            report(engine, &with_warnings(warnings, unknown), style);
            let new_facts = new_facts.as_ref().unwrap_or(&old_facts);
            decide_chunk(engine, sides, &old_facts, new_facts, 0, writer, style)
        }
        Some(idx) => {
            let mut unknown = keys::unknown_keys(sides.old, &old_builder, UnknownKeys::Warn);
            if let Some(builder) = &new_builder {
                unknown.extend(keys::unknown_keys(sides.new, builder, UnknownKeys::Warn));
            }
            report(engine, &with_warnings(warnings, unknown), style);
            let path = facts_path(&args.facts[idx]);
            let format = format_of(&args.facts[idx]).unwrap_or(Format::JsonLines);
            let mut builders = Builders {
                old: old_builder,
                new: new_builder,
            };
            stream(
                engine,
                sides,
                &mut builders,
                StreamInput {
                    path,
                    format,
                    max_bytes: args.max_facts_bytes,
                },
                writer,
                style,
            )
        }
    }
}

/// The input of subjects that streams: the file (or `-`), its format and the most bytes read.
struct StreamInput<'a> {
    path: &'a str,
    format: Format,
    max_bytes: u64,
}

/// The facts builders of the two sides; one when both sides are one program.
struct Builders<'p> {
    old: FactsBuilder<'p>,
    new: Option<FactsBuilder<'p>>,
}

/// Decides the subjects of one set of facts (all of them, or one chunk of a stream from row
/// `first`) under both sides and writes the comparison.
fn decide_chunk(
    engine: &Engine<'_>,
    sides: &Sides<'_>,
    old_facts: &Facts,
    new_facts: &Facts,
    first: u32,
    writer: &mut Writer,
    style: DiagnosticStyle,
) -> u8 {
    let decided = engine
        .decide_from(sides.old, old_facts, sides.old_options.clone(), first)
        .and_then(|old| {
            Ok((
                old,
                engine.decide_from(sides.new, new_facts, sides.new_options.clone(), first)?,
            ))
        });
    let (old_decisions, new_decisions) = match decided {
        Ok(decided) => decided,
        Err(diagnostic) => {
            report(engine, &[diagnostic], style);
            return EXIT_FAILED;
        }
    };
    // INVARIANT: both sides read the same inputs, so their subjects are the same rows in the
    // same order; placeholder rows for keys a policy names are not subjects.
    assert_eq!(
        old_decisions.len(),
        new_decisions.len(),
        "both sides of a diff decide the same subjects"
    );
    for (old, new) in old_decisions.iter().zip(&new_decisions) {
        let old = (sides.old, old_facts, old);
        let new = (sides.new, new_facts, new);
        if let Err(error) = writer.subject(old, new, &engine.sources) {
            return console::write_failed(&error, style);
        }
    }
    writer.offset += old_decisions.len() as u64;
    EXIT_OK
}

/// Decides a JSON Lines stream of subjects chunk by chunk under both sides.
fn stream(
    engine: &mut Engine<'_>,
    sides: &Sides<'_>,
    builders: &mut Builders<'_>,
    input: StreamInput<'_>,
    writer: &mut Writer,
    style: DiagnosticStyle,
) -> u8 {
    let StreamInput {
        path,
        format,
        max_bytes,
    } = input;
    let record = |program: &Program| program.subject.as_ref().map(|subject| subject.record);
    let (Some(old_record), Some(new_record)) = (record(sides.old), record(sides.new)) else {
        unreachable!("stream: a diff with facts has checked that both policies decide")
    };
    builders.old.mark_base();
    if let Some(builder) = &mut builders.new {
        builder.mark_base();
    }
    let n_base_subjects = builders.old.base_rows(old_record);
    let mut base_decided = false;
    let name = if path == "-" {
        "<stdin>".to_string()
    } else {
        path.to_string()
    };
    let reader: Box<dyn Read> = if path == "-" {
        Box::new(std::io::stdin())
    } else {
        match std::fs::File::open(path) {
            Ok(file) => Box::new(file),
            Err(error) => return output::read_failed(engine, &name, &error, style),
        }
    };
    let mut reader = std::io::BufReader::with_capacity(1 << 20, reader.take(max_bytes + 1));
    let mut chunk: Vec<u8> = Vec::new();
    let mut bytes_read: u64 = 0;
    let mut first_line = 1usize;
    // A table's header row is read first, into a text of its own that diagnostics about it point
    // into; each side lays its columns out by it, and the rows then come in chunks.
    let mut table = None;
    if format.is_tabular() {
        let dialect = pol::facts::Dialect::of(format, None);
        let mut splitter = RowSplitter::new(dialect.delimiter);
        let mut header = Vec::new();
        let read = (0..dialect.skip_lines)
            .try_for_each(|_| reader.read_until(b'\n', &mut header).map(drop))
            .and_then(|()| output::read_row(&mut reader, &mut header, &mut splitter));
        if let Err(error) = read {
            return output::read_failed(engine, &name, &error, style);
        }
        bytes_read += header.len() as u64;
        first_line += memchr::memchr_iter(b'\n', &header).count();
        let Ok(text) = String::from_utf8(header) else {
            let error = std::io::Error::new(
                std::io::ErrorKind::InvalidData,
                "stream did not contain valid UTF-8",
            );
            return output::read_failed(engine, &name, &error, style);
        };
        let header_source = engine.sources.add(name.clone(), text);
        let old_layout =
            builders
                .old
                .begin_table(&engine.sources, header_source, format, Some(old_record), None);
        let new_layout = builders
            .new
            .as_mut()
            .map(|builder| {
                builder.begin_table(&engine.sources, header_source, format, Some(new_record), None)
            })
            .transpose();
        match (old_layout, new_layout) {
            (Ok(old), Ok(new)) => table = Some((old, new, splitter)),
            (Err(diagnostics), _) | (_, Err(diagnostics)) => {
                report(engine, &diagnostics, style);
                return EXIT_FAILED;
            }
        }
    }
    let source = engine.sources.add(name.clone(), String::new());
    let mut stopped = false;
    while !stopped {
        chunk.clear();
        let mut n_lines = 0;
        while n_lines < CHUNK_LINES && !stopped {
            let read = match &mut table {
                Some((_, _, splitter)) => {
                    output::read_row(&mut reader, &mut chunk, splitter).map(|n| (n, LineEnd::Line))
                }
                None => output::read_line(&mut reader, &mut chunk),
            };
            match read {
                Ok((0, _)) => break,
                Ok((n, end)) => {
                    bytes_read += n as u64;
                    n_lines += 1;
                    stopped = end == LineEnd::Stop;
                }
                Err(error) => return output::read_failed(engine, &name, &error, style),
            }
        }
        if bytes_read > max_bytes {
            let error = ReadError::TooLarge {
                size: bytes_read,
                limit: max_bytes,
            };
            report(
                engine,
                &[pol::engine::read_error(&name, &error, None, Setting::FactsBytes)],
                style,
            );
            return EXIT_USAGE;
        }
        if n_lines == 0 && base_decided {
            break;
        }
        let mut added = Ok(());
        if n_lines > 0 {
            engine
                .sources
                .rename(source, output::chunk_name(&name, first_line));
            let text = match String::from_utf8(std::mem::take(&mut chunk)) {
                Ok(text) => text,
                Err(_) => {
                    let error = std::io::Error::new(
                        std::io::ErrorKind::InvalidData,
                        "stream did not contain valid UTF-8",
                    );
                    return output::read_failed(engine, &name, &error, style);
                }
            };
            let lines_in_chunk = match table {
                Some(_) => memchr::memchr_iter(b'\n', text.as_bytes()).count(),
                None => n_lines,
            };
            engine.sources.replace(source, text);
            first_line += lines_in_chunk;
            match &mut table {
                Some((old_layout, new_layout, _)) => {
                    added = builders.old.add_table_rows(&engine.sources, source, old_layout);
                    if let (Ok(()), Some(builder), Some(layout)) = (&added, &mut builders.new, new_layout) {
                        added = builder.add_table_rows(&engine.sources, source, layout);
                    }
                }
                None => {
                    added =
                        builders
                            .old
                            .add_text(&engine.sources, source, Format::JsonLines, Some(old_record));
                    if let (Ok(()), Some(builder)) = (&added, &mut builders.new) {
                        added =
                            builder.add_text(&engine.sources, source, Format::JsonLines, Some(new_record));
                    }
                }
            }
        }
        let old_facts = match added.and_then(|()| builders.old.finish_chunk()) {
            Ok(facts) => facts,
            Err(diagnostics) => {
                report(engine, &diagnostics, style);
                return EXIT_FAILED;
            }
        };
        let new_facts = match builders.new.as_mut().map(FactsBuilder::finish_chunk).transpose() {
            Ok(facts) => facts,
            Err(diagnostics) => {
                report(engine, &diagnostics, style);
                return EXIT_FAILED;
            }
        };
        let first = if base_decided { n_base_subjects } else { 0 };
        base_decided = true;
        let before = writer.offset;
        let code = decide_chunk(
            engine,
            sides,
            &old_facts,
            new_facts.as_ref().unwrap_or(&old_facts),
            first,
            writer,
            style,
        );
        if code != EXIT_OK {
            return code;
        }
        // A subject's number is the offset plus its row, and every chunk's rows start with those
        // of the reference data: the offset counts only the streamed subjects decided so far.
        writer.offset = before + (writer.offset - before) - u64::from(n_base_subjects - first);
        builders.old.reclaim(old_facts);
        if let (Some(builder), Some(facts)) = (&mut builders.new, new_facts) {
            builder.reclaim(facts);
        }
        if n_lines == 0 {
            break;
        }
        chunk = engine.sources.take_text(source).into_bytes();
    }
    EXIT_OK
}

/// One side's decision of one subject: the program, the facts, the decision or its failure.
type SideDecision<'a> = (&'a Program, &'a Facts, &'a Result<Decision, Failure>);

/// Where the comparison goes: changed subjects as they are found, the counts at the end.
struct Writer {
    format: OutputFormat,
    /// Whether only the counts are written, not each changed subject.
    summary: bool,
    out: Out,
    groups: Groups,
    /// Distinct failures, each with the subjects it stopped (a few names, and a count).
    failures: Vec<(Diagnostic, Vec<String>, usize)>,
    /// How many subjects came before the facts being compared (in a stream).
    offset: u64,
}

impl Writer {
    /// Compares one subject's decisions on both sides, writing it if it changed.
    fn subject(
        &mut self,
        old: SideDecision<'_>,
        new: SideDecision<'_>,
        sources: &SourceMap,
    ) -> std::io::Result<()> {
        self.groups.n_subjects += 1;
        let (old_program, old_facts, old_result) = old;
        let (new_program, new_facts, new_result) = new;
        let (old_decision, new_decision) = match (old_result, new_result) {
            (Ok(old_decision), Ok(new_decision)) => (old_decision, new_decision),
            (Err(failure), Ok(_)) => return self.failure(old_program, old_facts, "old", failure),
            (Ok(_), Err(failure)) => return self.failure(new_program, new_facts, "new", failure),
            (Err(failure), Err(_)) => return self.failure(new_program, new_facts, "both", failure),
        };
        let old_outcome = Outcome::of(old_program, old_decision);
        let new_outcome = Outcome::of(new_program, new_decision);
        if old_outcome == new_outcome {
            return Ok(());
        }
        let old_side = Decided {
            program: old_program,
            facts: old_facts,
            decision: old_decision,
        };
        let new_side = Decided {
            program: new_program,
            facts: new_facts,
            decision: new_decision,
        };
        let name = pol::report::subject_name(new_program, new_facts, new_decision.subject, self.offset);
        self.groups.add(old_outcome, new_outcome, name);
        if self.summary {
            return Ok(());
        }
        match self.format {
            OutputFormat::Text => write!(
                self.out,
                "\n{}",
                diff::change_text(old_side, new_side, sources, self.offset)
            ),
            OutputFormat::Json => pol::escape::write_json_line(
                &mut self.out,
                &diff::change_json(old_side, new_side, sources, self.offset),
            ),
        }
    }

    fn failure(
        &mut self,
        program: &Program,
        facts: &Facts,
        side: &str,
        failure: &Failure,
    ) -> std::io::Result<()> {
        self.groups.n_failed += 1;
        let name = pol::report::subject_name(program, facts, failure.subject, self.offset);
        output::note_failure(&mut self.failures, &failure.diagnostic, name);
        if self.summary {
            return Ok(());
        }
        match self.format {
            OutputFormat::Text => writeln!(
                self.out,
                "\n{}",
                diff::failure_text(
                    program,
                    facts,
                    failure.subject,
                    self.offset,
                    side,
                    &failure.diagnostic
                )
            ),
            OutputFormat::Json => pol::escape::write_json_line(
                &mut self.out,
                &diff::failure_json(
                    program,
                    facts,
                    failure.subject,
                    self.offset,
                    side,
                    &failure.diagnostic,
                ),
            ),
        }
    }

    /// Writes the counts by kind of change, reports failed decisions, and gives the exit code:
    /// failed decisions first, then changes under `--fail-on-change`.
    fn finish(
        mut self,
        engine: &Engine<'_>,
        program: &Program,
        fail_on_change: bool,
        style: DiagnosticStyle,
    ) -> u8 {
        let record = pol::report::subject_record(program);
        let written = match self.format {
            OutputFormat::Text => write!(self.out, "\n{}", self.groups.text(record)),
            OutputFormat::Json => pol::escape::write_json_line(&mut self.out, &self.groups.json(record)),
        };
        if let Err(error) = written.and_then(|()| self.out.flush()) {
            return console::write_failed(&error, style);
        }
        let failed = !self.failures.is_empty();
        let diagnostics = output::failure_diagnostics(self.failures, record, "comparison");
        report(engine, &diagnostics, style);
        if failed {
            EXIT_FAILED
        } else if fail_on_change && self.groups.n_changed() > 0 {
            EXIT_CHANGED
        } else {
            EXIT_OK
        }
    }
}
