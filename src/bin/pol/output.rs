//! The output of `pol run`: one decision per subject (text or JSON Lines) or a summary, failed
//! decisions grouped into diagnostics; and the streaming path that decides a JSON Lines input of
//! subjects chunk by chunk, so memory stays flat however many subjects it holds.

use std::collections::BTreeMap;
use std::io::{BufRead, IsTerminal, Read, Write};
use std::time::Instant;

use pol::check::ir::{Program, RecordId};
use pol::check::keys::{self, UnknownKeys};
use pol::diagnostic::{Diagnostic, Setting};
use pol::engine::{Engine, FactsInput, Failure, ReadError};
use pol::eval::{Decision, Options, Verdict};
use pol::facts::{Facts, Format};
use pol::source::SourceMap;

use crate::console::{self, Out, Terminal};
use crate::{
    DiagnosticStyle, EXIT_FAILED, EXIT_MATCHED, EXIT_OK, EXIT_USAGE, FailOn, OutputFormat, StdinFormat,
    code_for_load, report, with_warnings,
};

/// How many subjects are read, decided and written at a time when streaming.
pub(crate) const CHUNK_LINES: usize = 16_384;

/// Where decisions go.
pub struct Sink {
    format: OutputFormat,
    summary: bool,
    out: Out,
    total: usize,
    verdicts: BTreeMap<&'static str, usize>,
    by_rule: BTreeMap<(String, String), usize>,
    /// Decisions with more than one deciding rule, which count under each in `by_rule`.
    several_rules: usize,
    /// The kinds of decision `--fail-on` names.
    fail_on: Vec<FailOn>,
    /// Decisions of those kinds.
    matched: usize,
    /// How many subjects came before the facts being written (in a stream).
    pub offset: u64,
    /// Distinct failures, each with the subjects it stopped (at most a few names, and a count).
    failures: Vec<(Diagnostic, Vec<String>, usize)>,
}

impl Sink {
    /// A sink writing to standard output, counting the decisions `fail_on` names.
    pub fn new(format: OutputFormat, summary: bool, fail_on: Vec<FailOn>) -> Sink {
        Sink {
            format,
            summary,
            out: console::stdout(),
            total: 0,
            offset: 0,
            verdicts: BTreeMap::new(),
            by_rule: BTreeMap::new(),
            several_rules: 0,
            fail_on,
            matched: 0,
            failures: Vec::new(),
        }
    }

    /// Writes (or counts) one decision; an error means standard output could not be written.
    pub fn decision(
        &mut self,
        program: &Program,
        facts: &Facts,
        sources: &SourceMap,
        decision: &Result<Decision, Failure>,
    ) -> std::io::Result<()> {
        self.total += 1;
        let decision = match decision {
            Ok(decision) => decision,
            Err(failure) => {
                *self.verdicts.entry("error").or_default() += 1;
                let name = pol::report::subject_name(program, facts, failure.subject, self.offset);
                match self
                    .failures
                    .iter_mut()
                    .find(|(known, _, _)| *known == *failure.diagnostic)
                {
                    Some((_, names, count)) => {
                        *count += 1;
                        if names.len() < 5 {
                            names.push(name);
                        }
                    }
                    None => self.failures.push(((*failure.diagnostic).clone(), vec![name], 1)),
                }
                if self.summary {
                    return Ok(());
                }
                let line = match self.format {
                    OutputFormat::Text => pol::report::error_text(
                        program,
                        facts,
                        failure.subject,
                        self.offset,
                        &failure.diagnostic,
                    ),
                    OutputFormat::Json => pol::escape::to_json_line(&pol::report::error_json(
                        program,
                        facts,
                        failure.subject,
                        self.offset,
                        &failure.diagnostic,
                    )),
                };
                return writeln!(self.out, "{line}");
            }
        };
        if self.fail_on.iter().any(|kind| kind.matches(decision.verdict)) {
            self.matched += 1;
        }
        if self.summary {
            let verdict = decision.verdict.as_str();
            if decision.deciding.len() > 1 {
                self.several_rules += 1;
            }
            *self.verdicts.entry(verdict).or_default() += 1;
            if decision.deciding.is_empty() {
                let by = if decision.verdict == Verdict::Undecided {
                    "(missing facts)"
                } else {
                    "(default)"
                };
                *self
                    .by_rule
                    .entry((verdict.to_string(), by.to_string()))
                    .or_default() += 1;
            }
            for rule in &decision.deciding {
                let name = program.rules[rule.idx()].name.clone();
                *self.by_rule.entry((verdict.to_string(), name)).or_default() += 1;
            }
            return Ok(());
        }
        match self.format {
            OutputFormat::Text => writeln!(
                self.out,
                "{}",
                pol::report::decision_text(program, facts, sources, decision, self.offset).trim_end()
            ),
            OutputFormat::Json => pol::escape::write_json_line(
                &mut self.out,
                &pol::report::decision_json(program, facts, sources, decision, self.offset),
            ),
        }
    }

    /// Writes the summary if asked, reports failed decisions, and gives the exit code: failed
    /// decisions first, then decisions that match `--fail-on`.
    pub fn finish(mut self, engine: &Engine<'_>, program: &Program, style: DiagnosticStyle) -> u8 {
        let summary = if self.summary {
            self.write_summary()
        } else {
            Ok(())
        };
        if let Err(error) = summary.and_then(|()| self.out.flush()) {
            return console::write_failed(&error, style);
        }
        let matched = self.matched;
        let total = self.total;
        let fail_on = self.fail_on.clone();
        let record = pol::report::subject_record(program);
        let failed = !self.failures.is_empty();
        let diagnostics: Vec<Diagnostic> = self
            .failures
            .into_iter()
            .map(|(mut diagnostic, mut names, count)| {
                if count > names.len() {
                    names.push(format!("and {} more", count - names.len()));
                }
                let facts = if count == 1 { "fact" } else { "facts" };
                let stopped = format!("no decision for {count} `{record}` {facts}: {}", names.join(", "));
                crate::flags::name_flag(&mut diagnostic);
                diagnostic.help = Some(match diagnostic.help.take() {
                    Some(help) => format!("{help}\n{stopped}"),
                    None => stopped,
                });
                diagnostic
            })
            .collect();
        report(engine, &diagnostics, style);
        if failed {
            return EXIT_FAILED;
        }
        if matched == 0 {
            return EXIT_OK;
        }
        // A line for the CI log, unless standard error is a JSON document for a program.
        if style != DiagnosticStyle::Json {
            let kinds: Vec<String> = fail_on.iter().map(|kind| fail_on_name(*kind)).collect();
            console::eprint(&format!(
                "{matched} of {total} decisions matched `--fail-on {}`\n",
                kinds.join(",")
            ));
        }
        EXIT_MATCHED
    }

    fn write_summary(&mut self) -> std::io::Result<()> {
        match self.format {
            OutputFormat::Text => {
                // A subject whose deciding failed has no decision: say so, rather than count it
                // among the decided.
                match self.verdicts.get("error") {
                    Some(failed) => writeln!(
                        self.out,
                        "{} subjects: {} decided, {failed} failed with an error",
                        self.total,
                        self.total - failed
                    )?,
                    None => writeln!(self.out, "{} decided", self.total)?,
                }
                for (verdict, count) in &self.verdicts {
                    writeln!(self.out, "  {verdict}: {count}")?;
                }
                writeln!(
                    self.out,
                    "by deciding rule (a decision counts once per deciding rule; {} of {} had several):",
                    self.several_rules, self.total
                )?;
                for ((verdict, rule), count) in &self.by_rule {
                    writeln!(self.out, "  {verdict} {rule}: {count}")?;
                }
            }
            OutputFormat::Json => {
                let by_rule: Vec<serde_json::Value> = self
                    .by_rule
                    .iter()
                    .map(|((verdict, rule), count)| {
                        serde_json::json!({"decision": verdict, "rule": rule, "count": count})
                    })
                    .collect();
                writeln!(
                    self.out,
                    "{}",
                    serde_json::json!({
                        "total": self.total,
                        "decisions": self.verdicts,
                        "by_rule": by_rule,
                        "by_rule_counts": BY_RULE_COUNTS,
                        "decisions_with_several_rules": self.several_rules,
                    })
                )?;
            }
        }
        Ok(())
    }
}

/// What the counts of `by_rule` in a JSON summary count.
const BY_RULE_COUNTS: &str = "decisions per verdict and deciding rule: a decision with several deciding rules counts once for each, so the counts can add up to more than `total`";

/// A `--fail-on` value as written on the command line.
fn fail_on_name(kind: FailOn) -> String {
    use clap::ValueEnum;
    kind.to_possible_value()
        .map_or_else(String::new, |value| value.get_name().to_string())
}

/// Whether a `--facts` argument is a JSON Lines input of the decided records, which streams.
pub fn is_subject_stream(
    spec: &str,
    stdin_format: StdinFormat,
    program: &Program,
    subject: Option<RecordId>,
) -> bool {
    let Some(subject) = subject else { return false };
    let (record, path) = crate::split_facts_spec(spec);
    let lines = if path == "-" {
        stdin_format == StdinFormat::Jsonl
    } else {
        crate::facts_format(path, stdin_format) == Some(Format::JsonLines)
    };
    // A key reference to a subject (`Transfer["T1"]`) must bind across the whole input, not
    // one chunk, so such a policy reads its subjects whole.
    let names_a_subject = program.key_refs.iter().any(|key_ref| key_ref.record == subject);
    lines && !names_a_subject && record.is_none_or(|record| program.record(record) == Some(subject))
}

/// A JSON Lines input of subjects to stream.
pub struct Stream<'a> {
    /// The file, or `-` for standard input.
    pub path: &'a str,
    /// The decided record type.
    pub record: RecordId,
    /// The most bytes read from it.
    pub max_bytes: u64,
    /// The policy's warnings, not yet reported.
    pub warnings: Vec<Diagnostic>,
    /// How key references that the reference data does not define are reported.
    pub unknown_keys: UnknownKeys,
}

/// Decides a stream of subjects chunk by chunk, after loading the reference data in `inputs`.
#[allow(clippy::too_many_arguments)]
pub fn stream(
    engine: &mut Engine<'_>,
    program: &Program,
    inputs: Vec<FactsInput>,
    stream: Stream<'_>,
    options: Options,
    mut sink: Sink,
    style: DiagnosticStyle,
) -> u8 {
    let mut builder = engine.facts_builder(program);
    if let Err(diagnostics) = engine.load_facts_into(&mut builder, program, inputs) {
        let code = code_for_load(&diagnostics);
        report(engine, &with_warnings(stream.warnings, diagnostics), style);
        return code;
    }
    // The policy names no subject by key (see `is_subject_stream`), so the reference data
    // already holds every key its references can bind to.
    let unknown = keys::unknown_keys(program, &builder, stream.unknown_keys);
    let failed = unknown.iter().any(Diagnostic::is_error);
    report(engine, &with_warnings(stream.warnings, unknown), style);
    if failed {
        return EXIT_FAILED;
    }
    builder.mark_base();
    // Subjects given in the other inputs are decided once, with the first chunk, or on their own
    // if the stream turns out empty; later chunks skip their rows.
    let n_base_subjects = builder.base_rows(stream.record);
    let mut base_decided = false;
    let name = if stream.path == "-" {
        "<stdin>".to_string()
    } else {
        stream.path.to_string()
    };
    let reader: Box<dyn Read> = if stream.path == "-" {
        Box::new(std::io::stdin())
    } else {
        match std::fs::File::open(stream.path) {
            Ok(file) => Box::new(file),
            Err(error) => return read_failed(engine, &name, &error, style),
        }
    };
    let mut reader = std::io::BufReader::with_capacity(1 << 20, reader.take(stream.max_bytes + 1));
    let source = engine.sources.add(name.clone(), String::new());
    let progress = Progress::new();
    let mut chunk: Vec<u8> = Vec::new();
    let mut bytes_read: u64 = 0;
    let mut first_line = 1usize;
    let mut stopped = false;
    while !stopped {
        chunk.clear();
        let mut n_lines = 0;
        while n_lines < CHUNK_LINES && !stopped {
            match read_line(&mut reader, &mut chunk) {
                Ok((0, _)) => break,
                Ok((n, end)) => {
                    bytes_read += n as u64;
                    n_lines += 1;
                    stopped = end == LineEnd::Stop;
                }
                Err(error) => {
                    progress.done();
                    return read_failed(engine, &name, &error, style);
                }
            }
        }
        if bytes_read > stream.max_bytes {
            let error = ReadError::TooLarge {
                size: bytes_read,
                limit: stream.max_bytes,
            };
            progress.done();
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
        let added = if n_lines == 0 {
            Ok(())
        } else {
            // Diagnostics point into this chunk; its name says where the chunk starts in the file.
            engine.sources.rename(source, chunk_name(&name, first_line));
            let text = match String::from_utf8(std::mem::take(&mut chunk)) {
                Ok(text) => text,
                Err(_) => {
                    let error = std::io::Error::new(
                        std::io::ErrorKind::InvalidData,
                        "stream did not contain valid UTF-8",
                    );
                    return read_failed(engine, &name, &error, style);
                }
            };
            engine.sources.replace(source, text);
            first_line += n_lines;
            builder.add_text(&engine.sources, source, Format::JsonLines, Some(stream.record))
        };
        let facts = match added.and_then(|()| builder.finish_chunk()) {
            Ok(facts) => facts,
            Err(diagnostics) => {
                progress.done();
                report(engine, &diagnostics, style);
                return EXIT_FAILED;
            }
        };
        let first = if base_decided { n_base_subjects } else { 0 };
        base_decided = true;
        let decisions = match engine.decide_from(program, &facts, options.clone(), first) {
            Ok(decisions) => decisions,
            Err(diagnostic) => {
                progress.done();
                report(engine, &[diagnostic], style);
                return EXIT_FAILED;
            }
        };
        for decision in &decisions {
            if let Err(error) = sink.decision(program, &facts, &engine.sources, decision) {
                progress.done();
                return console::write_failed(&error, style);
            }
        }
        // A subject's number is the offset plus its row, and every chunk's rows start with those
        // of the reference data: the offset counts only the streamed subjects decided so far.
        sink.offset += decisions.len() as u64 - u64::from(n_base_subjects - first);
        progress.update(sink.total);
        builder.reclaim(facts);
        if n_lines == 0 {
            break;
        }
        // Keep the chunk's buffer for the next one.
        chunk = engine.sources.take_text(source).into_bytes();
    }
    progress.done();
    sink.finish(engine, program, style)
}

/// How reading a line of a stream ended.
#[derive(Copy, Clone, Debug, PartialEq, Eq)]
pub(crate) enum LineEnd {
    /// At a line feed, or at the end of the input.
    Line,
    /// Early, at a line that can only be an error: the stream is read no further.
    Stop,
}

/// How many bytes of a line are read past its first character when that character shows the line
/// is no record (enough for `true`, `false` or `null`, which the facts reader reads whole).
const NOT_A_RECORD_LOOKAHEAD: usize = 16;

/// Reads one line of a JSON Lines stream into `out`; the number of bytes read and how it ended.
/// A line is read no further than a NUL byte, or a little past its first character if that is not
/// `{`: either is an error whatever follows, so a huge line of garbage (or `/dev/zero`) is refused
/// after a few bytes instead of being held in memory.
pub(crate) fn read_line(reader: &mut impl BufRead, out: &mut Vec<u8>) -> std::io::Result<(usize, LineEnd)> {
    let start = out.len();
    let mut cut_at: Option<usize> = None;
    let mut started = false;
    loop {
        let buf = match reader.fill_buf() {
            Ok(buf) => buf,
            Err(error) if error.kind() == std::io::ErrorKind::Interrupted => continue,
            Err(error) => return Err(error),
        };
        if buf.is_empty() {
            return Ok((out.len() - start, LineEnd::Line));
        }
        let line_len = out.len() - start;
        if !started && let Some(idx) = buf.iter().position(|byte| !matches!(byte, b' ' | b'\t' | b'\r')) {
            started = true;
            if !matches!(buf[idx], b'{' | b'\n') {
                cut_at = Some(line_len + idx + 1 + NOT_A_RECORD_LOOKAHEAD);
            }
        }
        let (mut take, mut end) = match memchr::memchr2(b'\n', 0, buf) {
            Some(idx) if buf[idx] == 0 => (idx + 1, Some(LineEnd::Stop)),
            Some(idx) => (idx + 1, Some(LineEnd::Line)),
            None => (buf.len(), None),
        };
        if let Some(cut_at) = cut_at
            && line_len + take > cut_at
        {
            take = cut_at - line_len;
            end = Some(LineEnd::Stop);
        }
        out.extend_from_slice(&buf[..take]);
        reader.consume(take);
        if let Some(end) = end {
            return Ok((out.len() - start, end));
        }
    }
}

/// Reports a failure to read the stream; the exit code for it.
pub(crate) fn read_failed(
    engine: &Engine<'_>,
    name: &str,
    error: &std::io::Error,
    style: DiagnosticStyle,
) -> u8 {
    let diagnostic = pol::engine::read_error(
        name,
        &ReadError::Failed(crate::files::describe(error)),
        None,
        Setting::FactsBytes,
    );
    report(engine, &[diagnostic], style);
    EXIT_USAGE
}

pub(crate) fn chunk_name(name: &str, first_line: usize) -> String {
    if first_line == 1 {
        name.to_string()
    } else {
        format!("{name} (from line {first_line})")
    }
}

/// A progress line on standard error, only when it is a terminal, the decisions go elsewhere and
/// the run takes a while.
struct Progress {
    start: Instant,
    shown: std::cell::Cell<bool>,
    enabled: bool,
}

impl Progress {
    fn new() -> Progress {
        Progress {
            start: Instant::now(),
            shown: std::cell::Cell::new(false),
            enabled: Terminal::from_env()
                .progress(std::io::stderr().is_terminal(), std::io::stdout().is_terminal()),
        }
    }

    fn update(&self, decided: usize) {
        let elapsed = self.start.elapsed().as_secs_f64();
        if !self.enabled || elapsed < 1.0 {
            return;
        }
        let rate = decided as f64 / elapsed;
        console::eprint(&format!("\r{decided} decided, {rate:.0} per second"));
        self.shown.set(true);
    }

    fn done(&self) {
        if self.shown.get() {
            console::eprint("\r\x1b[2K");
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The lines `read_line` makes of `input`, and whether reading stopped early.
    fn lines(input: &[u8]) -> (Vec<String>, bool) {
        let mut reader = std::io::BufReader::with_capacity(4, input);
        let mut found = Vec::new();
        loop {
            let mut line = Vec::new();
            let (n_read, end) = read_line(&mut reader, &mut line).unwrap();
            if n_read == 0 {
                return (found, false);
            }
            found.push(String::from_utf8(line).unwrap());
            if end == LineEnd::Stop {
                return (found, true);
            }
        }
    }

    #[test]
    fn records_are_read_line_by_line() {
        let (found, stopped) = lines(b"{\"id\": 1}\n\n  {\"id\": 2}");
        assert_eq!(found, ["{\"id\": 1}\n", "\n", "  {\"id\": 2}"]);
        assert!(!stopped);
    }

    #[test]
    fn reading_stops_at_a_nul_or_a_little_past_what_cannot_be_a_record() {
        let (found, stopped) = lines(b"{\"id\": 1}\n{\"id\": \0 and much more\n{}\n");
        assert_eq!(found, ["{\"id\": 1}\n", "{\"id\": \0"]);
        assert!(stopped);
        let long = format!("  [{}]\n{{}}\n", "1,".repeat(1000));
        let (found, stopped) = lines(long.as_bytes());
        assert_eq!(found, [&long[..3 + NOT_A_RECORD_LOOKAHEAD]]);
        assert!(stopped);
        let (found, stopped) = lines(b"true\n{}\n");
        assert_eq!(found, ["true\n", "{}\n"]);
        assert!(!stopped);
    }
}
