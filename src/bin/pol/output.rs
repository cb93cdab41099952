//! The output of `pol run`: one decision per subject (text, JSON Lines or CSV, with the input
//! fields `--include` names, filtered by `--only`) or a summary, failed decisions grouped into
//! diagnostics; and the streaming path that decides a JSON Lines, CSV or TSV input of subjects
//! chunk by chunk, so memory stays flat however many subjects it holds.

use std::borrow::Cow;
use std::collections::BTreeMap;
use std::io::{BufRead, IsTerminal, Read, Write};

use rayon::prelude::*;
use std::sync::Arc;
use std::time::Instant;

use pol::check::ir::{Program, RecordId};
use pol::check::keys::{self, UnknownKeys};
use pol::diagnostic::{Diagnostic, Setting};
use pol::engine::{Engine, FactsInput, Failure, ReadError};
use pol::eval::{Decision, Options, Verdict};
use pol::facts::{Facts, Format, Mapping, RowSplitter};
use pol::report::DerivationTexts;
use pol::source::SourceMap;

use crate::console::{self, Out, Terminal};
use crate::{
    DiagnosticStyle, EXIT_FAILED, EXIT_MATCHED, EXIT_OK, EXIT_USAGE, FailOn, GivenMapping, StdinFormat,
    code_for_load, report, with_warnings,
};

/// How decisions are written, one per line (or row).
#[derive(Copy, Clone, Debug, PartialEq, Eq)]
pub(crate) enum LineFormat {
    /// For people.
    Text,
    /// One JSON object per line, for programs.
    Json,
    /// CSV with a header, one row per decision, for spreadsheets and data frames.
    Csv,
}

/// Counts a failed decision among the distinct failures of a run: each diagnostic once, with the
/// names of the first few subjects it stopped and how many it stopped in all.
pub(crate) fn note_failure(
    failures: &mut Vec<(Diagnostic, Vec<String>, usize)>,
    diagnostic: &Diagnostic,
    name: String,
) {
    match failures.iter_mut().find(|(known, _, _)| known == diagnostic) {
        Some((_, names, count)) => {
            *count += 1;
            if names.len() < 5 {
                names.push(name);
            }
        }
        None => failures.push((diagnostic.clone(), vec![name], 1)),
    }
}

/// The distinct failures of a run as diagnostics, each with the subjects it left without a
/// `what` (`decision`, `comparison`) named in its help.
pub(crate) fn failure_diagnostics(
    failures: Vec<(Diagnostic, Vec<String>, usize)>,
    record: &str,
    what: &str,
) -> Vec<Diagnostic> {
    failures
        .into_iter()
        .map(|(mut diagnostic, mut names, count)| {
            if count > names.len() {
                names.push(format!("and {} more", count - names.len()));
            }
            let facts = if count == 1 { "fact" } else { "facts" };
            let stopped = format!("no {what} for {count} `{record}` {facts}: {}", names.join(", "));
            crate::flags::name_flag(&mut diagnostic);
            diagnostic.help = Some(match diagnostic.help.take() {
                Some(help) => format!("{help}\n{stopped}"),
                None => stopped,
            });
            diagnostic
        })
        .collect()
}

/// How many subjects are read, decided and written at a time when streaming.
pub(crate) const CHUNK_LINES: usize = 16_384;

/// How many decisions are formatted at a time, on one core, when a chunk is written: enough to
/// spread a chunk over the cores, few enough that the slices stay in the caches.
const FORMAT_SLICE: usize = 1024;

/// Where decisions go.
pub struct Sink {
    format: LineFormat,
    /// The fields of the subject carried into each output row (`--include`): name and index.
    includes: Vec<(String, u32)>,
    /// The kinds of decision printed (`--only`); empty for all.
    only: Vec<FailOn>,
    /// Whether derivations are written in the compact form (`--explain=compact`).
    compact: bool,
    /// Whether the CSV header, or the table of rules of compact derivations, has been written.
    header_written: bool,
    /// The texts of the program's derivations, made once for every decision of the run.
    texts: std::sync::OnceLock<DerivationTexts>,
    summary: bool,
    out: Out,
    /// The decisions counted so far.
    tally: Tally,
    /// The kinds of decision `--fail-on` names.
    fail_on: Vec<FailOn>,
    /// How many subjects came before the facts being written (in a stream).
    pub offset: u64,
    /// Distinct failures, each with the subjects it stopped (at most a few names, and a count).
    failures: Vec<(Diagnostic, Vec<String>, usize)>,
    /// Buffers and working memory of slices written before, kept for the next ones: a slice's
    /// output runs to megabytes with derivations, and allocating it afresh each time cost as
    /// much time in the kernel as writing it.
    spare: std::sync::Mutex<Spare>,
}

/// What the slices of a chunk leave for the next ones: output buffers, and the evaluator's
/// working memory.
#[derive(Default)]
struct Spare {
    buffers: Vec<Vec<u8>>,
    scratches: Vec<pol::eval::Scratch>,
}

impl Sink {
    /// A sink writing to standard output, counting the decisions `fail_on` names.
    pub fn new(
        format: LineFormat,
        compact: bool,
        summary: bool,
        fail_on: Vec<FailOn>,
        only: Vec<FailOn>,
        includes: Vec<(String, u32)>,
    ) -> Sink {
        Sink {
            format,
            includes,
            only,
            compact,
            header_written: false,
            texts: std::sync::OnceLock::new(),
            summary,
            out: console::stdout(),
            tally: Tally::default(),
            offset: 0,
            fail_on,
            failures: Vec::new(),
            spare: std::sync::Mutex::default(),
        }
    }

    /// Working memory for deciding a slice, kept from an earlier one when there is one.
    fn take_scratch(&self) -> pol::eval::Scratch {
        let mut spare = self
            .spare
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        spare.scratches.pop().unwrap_or_default()
    }

    /// Gives back the working memory of a slice decided, for the next one.
    fn give_back_scratch(&self, scratch: pol::eval::Scratch) {
        let mut spare = self
            .spare
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        spare.scratches.push(scratch);
    }

    /// A buffer for a slice's output, kept from an earlier one when there is one.
    fn take_buffer(&self) -> Vec<u8> {
        let mut spare = self
            .spare
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        spare.buffers.pop().unwrap_or_default()
    }

    /// Writes (or counts) one decision; an error means standard output could not be written.
    pub fn decision(
        &mut self,
        program: &Program,
        facts: &Facts,
        sources: &SourceMap,
        decision: &Result<Decision, Failure>,
    ) -> std::io::Result<()> {
        self.write_header(program, sources)?;
        if !self.count(program, facts, decision) {
            return Ok(());
        }
        let mut line = Vec::new();
        let decision = decision
            .as_ref()
            .map_err(|failure| (failure.subject, &*failure.diagnostic));
        self.render(program, facts, sources, decision, &mut line, &mut String::new())?;
        self.out.write_all(&line)
    }

    /// Decides the subjects of `facts` from the row `first` on and writes their decisions, in
    /// order: each core decides a slice of the subjects, counts its decisions and formats them as
    /// they are made, without keeping them; the counts are then added and the slices written in
    /// order. How many subjects were decided.
    pub fn decide_and_write(
        &mut self,
        program: &Program,
        facts: &Facts,
        sources: &SourceMap,
        evaluator: &pol::eval::Evaluator<'_>,
        first: u32,
    ) -> Result<std::io::Result<usize>, Diagnostic> {
        if let Err(error) = self.write_header(program, sources) {
            return Ok(Err(error));
        }
        let subjects: Vec<u32> = evaluator.subjects().skip(first as usize).collect();
        let this = &*self;
        // Per slice: its counts, its failed subjects, and its output.
        type Slice = (Tally, Vec<(u32, Diagnostic)>, std::io::Result<Vec<u8>>);
        let slices: Vec<Slice> = subjects
            .par_chunks(FORMAT_SLICE)
            .map(|slice| {
                let mut out = this.take_buffer();
                let mut scratch = this.take_scratch();
                let mut tally = Tally::default();
                let mut failed = Vec::new();
                let mut text = String::new();
                let mut written = Ok(());
                evaluator.decide_each(&mut scratch, slice, |subject, decision| {
                    let printed = match &decision {
                        Ok(decision) => {
                            tally.add(decision, &this.fail_on);
                            this.is_printed(decision)
                        }
                        Err(_) => !this.summary,
                    };
                    if printed && written.is_ok() {
                        let shown = decision
                            .as_ref()
                            .copied()
                            .map_err(|diagnostic| (subject, diagnostic));
                        written = this.render(program, facts, sources, shown, &mut out, &mut text);
                    }
                    if let Err(diagnostic) = decision {
                        failed.push((subject, diagnostic));
                    }
                });
                this.give_back_scratch(scratch);
                (tally, failed, written.map(|()| out))
            })
            .collect();
        for (tally, failed, written) in slices {
            self.tally.merge(&tally);
            for (subject, diagnostic) in failed {
                self.count_failure(program, facts, subject, &diagnostic);
            }
            match written {
                Ok(mut bytes) => {
                    if let Err(error) = self.out.write_all(&bytes) {
                        return Ok(Err(error));
                    }
                    bytes.clear();
                    self.spare
                        .get_mut()
                        .unwrap_or_else(std::sync::PoisonError::into_inner)
                        .buffers
                        .push(bytes);
                }
                Err(error) => return Ok(Err(error)),
            }
        }
        Ok(Ok(subjects.len()))
    }

    /// Whether a decision counted is printed: not in a summary, and of a kind `--only` names.
    fn is_printed(&self, decision: &Decision) -> bool {
        !self.summary && (self.only.is_empty() || self.only.iter().any(|kind| kind.matches(decision.verdict)))
    }

    /// Writes the CSV header before the first row, or the table of rules before the first
    /// decision with a compact derivation.
    fn write_header(&mut self, program: &Program, sources: &SourceMap) -> std::io::Result<()> {
        if self.compact && !self.summary && !self.header_written {
            self.header_written = true;
            pol::escape::write_json_line(
                &mut self.out,
                &pol::report::explanation_rules_json(program, sources),
            )?;
        }
        if self.format == LineFormat::Csv && !self.summary && !self.header_written {
            self.header_written = true;
            let mut header: Vec<Cow<'_, str>> = vec!["position".into(), "key".into()];
            header.extend(self.includes.iter().map(|(name, _)| Cow::Borrowed(name.as_str())));
            header.extend(
                [
                    "decision",
                    "rules",
                    "citations",
                    "obligations",
                    "missing",
                    "pending",
                    "error",
                ]
                .map(Cow::Borrowed),
            );
            write_csv_row(&mut self.out, &header)?;
        }
        Ok(())
    }

    /// Counts one decision (verdicts, failures, `--fail-on`, the summary); whether it is printed.
    fn count(&mut self, program: &Program, facts: &Facts, decision: &Result<Decision, Failure>) -> bool {
        match decision {
            Ok(decision) => {
                self.tally.add(decision, &self.fail_on);
                self.is_printed(decision)
            }
            Err(failure) => {
                self.count_failure(program, facts, failure.subject, &failure.diagnostic);
                !self.summary
            }
        }
    }

    /// Counts a subject whose decision failed.
    fn count_failure(&mut self, program: &Program, facts: &Facts, subject: u32, diagnostic: &Diagnostic) {
        self.tally.total += 1;
        self.tally.errors += 1;
        let name = pol::report::subject_name(program, facts, subject, self.offset);
        note_failure(&mut self.failures, diagnostic, name);
    }

    /// Counts the decisions of `facts` for the summary, from the subject `first` on, without
    /// keeping them: each core decides and counts slices of the subjects, and the counts are
    /// added, failures in input order. How many subjects were decided.
    pub fn tally(
        &mut self,
        program: &Program,
        facts: &Facts,
        options: Options,
        first: u32,
    ) -> Result<usize, Diagnostic> {
        let evaluator = pol::eval::Evaluator::new(program, facts, options)?;
        let subjects: Vec<u32> = evaluator.subjects().skip(first as usize).collect();
        let this = &*self;
        let slices: Vec<(Tally, Vec<(u32, Diagnostic)>)> = subjects
            .par_chunks(FORMAT_SLICE)
            .map(|slice| {
                let mut scratch = this.take_scratch();
                let mut tally = Tally::default();
                let mut failed = Vec::new();
                evaluator.decide_each(&mut scratch, slice, |subject, decision| match decision {
                    Ok(decision) => tally.add(decision, &this.fail_on),
                    Err(diagnostic) => failed.push((subject, diagnostic)),
                });
                this.give_back_scratch(scratch);
                (tally, failed)
            })
            .collect();
        for (tally, failed) in slices {
            self.tally.merge(&tally);
            for (subject, diagnostic) in failed {
                self.count_failure(program, facts, subject, &diagnostic);
            }
        }
        Ok(subjects.len())
    }

    /// Whether only the summary is written.
    pub fn is_summary(&self) -> bool {
        self.summary
    }

    /// How many subjects have been counted.
    pub fn total(&self) -> usize {
        self.tally.total
    }

    /// Writes one counted decision, or the subject whose decision failed and why, to `out`;
    /// `text` is room to make a decision's text in, kept from one decision to the next.
    fn render(
        &self,
        program: &Program,
        facts: &Facts,
        sources: &SourceMap,
        decision: Result<&Decision, (u32, &Diagnostic)>,
        out: &mut Vec<u8>,
        text: &mut String,
    ) -> std::io::Result<()> {
        let decision = match decision {
            Ok(decision) => decision,
            Err((subject, diagnostic)) => {
                let line = match self.format {
                    LineFormat::Text => {
                        let text = pol::report::error_text(program, facts, subject, self.offset, diagnostic);
                        format!("{}{}", text.trim_end(), self.input_text(program, facts, subject))
                    }
                    LineFormat::Json => {
                        let mut object =
                            pol::report::error_json(program, facts, subject, self.offset, diagnostic);
                        self.input_json(program, facts, subject, &mut object);
                        pol::escape::to_json_line(&object)
                    }
                    LineFormat::Csv => {
                        self.write_csv_lead(program, facts, subject, out);
                        out.extend_from_slice(b",error,,,,,,");
                        write_csv_cell(out, [diagnostic.message.as_str()]);
                        out.extend_from_slice(b"\r\n");
                        return Ok(());
                    }
                };
                return writeln!(out, "{line}");
            }
        };
        match self.format {
            LineFormat::Text => {
                let texts = self.texts(program, sources);
                text.clear();
                pol::report::push_decision_text(program, facts, texts, decision, self.offset, text);
                out.write_all(text.trim_end().as_bytes())?;
                if !self.includes.is_empty() {
                    out.write_all(self.input_text(program, facts, decision.subject).as_bytes())?;
                }
                out.write_all(b"\n")
            }
            LineFormat::Json if self.compact && self.includes.is_empty() => {
                let texts = self.texts(program, sources);
                pol::report::write_compact_decision_json_line(
                    program,
                    facts,
                    texts,
                    decision,
                    self.offset,
                    out,
                );
                Ok(())
            }
            LineFormat::Json if self.compact => {
                // The line of the decision without its derivation, then the derivation.
                let mut object = pol::report::decision_json(program, facts, sources, decision, self.offset);
                if let Some(object) = object.as_object_mut() {
                    object.remove("explanation");
                }
                self.input_json(program, facts, decision.subject, &mut object);
                pol::escape::write_json_line(out, &object)?;
                if let Some(trace) = &decision.trace {
                    // INVARIANT: a JSON object's line ends with `}` and a line break.
                    out.truncate(out.len() - 2);
                    out.extend_from_slice(b",\"derivation\":");
                    self.texts(program, sources)
                        .write_compact(out, program, facts, trace, self.offset);
                    out.extend_from_slice(b"}\n");
                }
                Ok(())
            }
            LineFormat::Json if self.includes.is_empty() => {
                let texts = self.texts(program, sources);
                pol::report::write_decision_json_line_with(program, facts, texts, decision, self.offset, out);
                Ok(())
            }
            LineFormat::Json => {
                let mut object = pol::report::decision_json(program, facts, sources, decision, self.offset);
                self.input_json(program, facts, decision.subject, &mut object);
                pol::escape::write_json_line(out, &object)
            }
            LineFormat::Csv => {
                // Written straight from the decision, cell by cell: the cells are those of its
                // JSON object (`pol::report::decision_json`), without building one.
                self.write_csv_lead(program, facts, decision.subject, out);
                let rules = || decision.deciding.iter().map(|rule| &program.rules[rule.idx()]);
                let by_default = decision.deciding.is_empty() && decision.verdict != Verdict::Undecided;
                let default_citation = program
                    .default
                    .as_ref()
                    .filter(|_| by_default)
                    .and_then(|default| default.citation.as_deref());
                let missing = pol::report::fact_paths_at(program, facts, &decision.missing, self.offset);
                out.push(b',');
                write_csv_cell(out, [decision.verdict.as_str()]);
                out.push(b',');
                write_csv_cell(out, rules().map(|rule| rule.name.as_str()));
                out.push(b',');
                write_csv_cell(
                    out,
                    rules()
                        .filter_map(|rule| rule.citation.as_deref())
                        .chain(default_citation),
                );
                out.push(b',');
                write_csv_cell(
                    out,
                    decision
                        .obligations
                        .iter()
                        .map(|obligation| program.obligations[obligation.idx()].name.as_str()),
                );
                out.push(b',');
                write_csv_cell(out, missing.iter().map(String::as_str));
                out.push(b',');
                write_csv_cell(
                    out,
                    decision
                        .pending
                        .iter()
                        .map(|pending| program.rules[pending.rule.idx()].name.as_str()),
                );
                // The error cell, empty.
                out.extend_from_slice(b",\r\n");
                Ok(())
            }
        }
    }

    /// The texts of the program's derivations, made on first use.
    fn texts(&self, program: &Program, sources: &SourceMap) -> &DerivationTexts {
        self.texts.get_or_init(|| DerivationTexts::new(program, sources))
    }

    /// Writes the cells every CSV row starts with: the subject's position and key, and its
    /// included fields.
    fn write_csv_lead(&self, program: &Program, facts: &Facts, row: u32, out: &mut Vec<u8>) {
        let position = self.offset + u64::from(row) + 1;
        out.extend_from_slice(position.to_string().as_bytes());
        out.push(b',');
        let Some(subject) = &program.subject else {
            return;
        };
        write_csv_cell(out, facts.key_text(program, subject.record, row));
        for (_, field) in &self.includes {
            // An optional field known to be absent is an empty cell, as in CSV facts.
            let text = match facts.cell(subject.record, row, *field) {
                Some(pol::value::Value::None) => String::new(),
                _ => pol::report::field_text(program, facts, subject.record, row, *field),
            };
            out.push(b',');
            write_csv_cell(out, [text.as_str()]);
        }
    }

    /// The included fields as a line of text output (empty when none are included).
    fn input_text(&self, program: &Program, facts: &Facts, row: u32) -> String {
        let Some(subject) = program.subject.as_ref().filter(|_| !self.includes.is_empty()) else {
            return String::new();
        };
        let values: Vec<String> = self
            .includes
            .iter()
            .map(|(name, field)| {
                let value = pol::report::field_text(program, facts, subject.record, row, *field);
                format!("{name}={}", pol::escape::quote(&value))
            })
            .collect();
        format!("\n  input: {}", values.join(", "))
    }

    /// Adds the included fields to a JSON decision as `input`.
    fn input_json(&self, program: &Program, facts: &Facts, row: u32, object: &mut serde_json::Value) {
        let Some(subject) = program.subject.as_ref().filter(|_| !self.includes.is_empty()) else {
            return;
        };
        let input: serde_json::Map<String, serde_json::Value> = self
            .includes
            .iter()
            .map(|(name, field)| {
                let value = pol::report::field_json(program, facts, subject.record, row, *field, self.offset);
                (name.clone(), value)
            })
            .collect();
        object["input"] = serde_json::Value::Object(input);
    }

    /// Writes the summary if asked, reports failed decisions, and gives the exit code: failed
    /// decisions first, then decisions that match `--fail-on`.
    pub fn finish(mut self, engine: &Engine<'_>, program: &Program, style: DiagnosticStyle) -> u8 {
        let summary = if self.summary {
            self.write_summary(program)
        } else {
            Ok(())
        };
        if let Err(error) = summary.and_then(|()| self.out.flush()) {
            return console::write_failed(&error, style);
        }
        let matched = self.tally.matched;
        let total = self.tally.total;
        let fail_on = self.fail_on.clone();
        let record = pol::report::subject_record(program);
        let failed = !self.failures.is_empty();
        let diagnostics = failure_diagnostics(self.failures, record, "decision");
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

    fn write_summary(&mut self, program: &Program) -> std::io::Result<()> {
        let tally = &self.tally;
        let verdicts = tally.verdicts();
        let by_rule = tally.by_rule(program);
        match self.format {
            LineFormat::Text | LineFormat::Csv => {
                // A subject whose deciding failed has no decision: say so, rather than count it
                // among the decided.
                match verdicts.get("error") {
                    Some(failed) => writeln!(
                        self.out,
                        "{} subjects: {} decided, {failed} failed with an error",
                        tally.total,
                        tally.total - failed
                    )?,
                    None => writeln!(self.out, "{} decided", tally.total)?,
                }
                for (verdict, count) in &verdicts {
                    writeln!(self.out, "  {verdict}: {count}")?;
                }
                writeln!(
                    self.out,
                    "by deciding rule (a decision counts once per deciding rule; {} of {} had several):",
                    tally.several_rules, tally.total
                )?;
                for ((verdict, rule), count) in &by_rule {
                    writeln!(self.out, "  {verdict} {rule}: {count}")?;
                }
            }
            LineFormat::Json => {
                let by_rule: Vec<serde_json::Value> = by_rule
                    .iter()
                    .map(|((verdict, rule), count)| {
                        serde_json::json!({"decision": verdict, "rule": rule, "count": count})
                    })
                    .collect();
                writeln!(
                    self.out,
                    "{}",
                    serde_json::json!({
                        "total": tally.total,
                        "decisions": verdicts,
                        "by_rule": by_rule,
                        "by_rule_counts": BY_RULE_COUNTS,
                        "decisions_with_several_rules": tally.several_rules,
                    })
                )?;
            }
        }
        Ok(())
    }
}

/// Decisions counted: by verdict and by deciding rule, in plain counters indexed by verdict and
/// rule, so that counting a decision costs no text and no map, and the counts of slices of a
/// chunk counted on several cores add up.
#[derive(Default)]
struct Tally {
    /// Subjects counted, failed ones included.
    total: usize,
    /// Decisions per verdict, in the order of [`verdict_idx`].
    verdicts: [usize; 3],
    /// Subjects whose decision failed.
    errors: usize,
    /// Per rule, the decisions it was a deciding rule of, per verdict.
    by_rule: Vec<[usize; 3]>,
    /// Decisions without a deciding rule, per verdict: by default, or undecided.
    without_rule: [usize; 3],
    /// Decisions with more than one deciding rule, which count under each in `by_rule`.
    several_rules: usize,
    /// Decisions of the kinds `--fail-on` names.
    matched: usize,
}

/// The index of a verdict in a [`Tally`]'s counters.
fn verdict_idx(verdict: Verdict) -> usize {
    match verdict {
        Verdict::Permit => 0,
        Verdict::Deny => 1,
        Verdict::Undecided => 2,
    }
}

const VERDICTS: [Verdict; 3] = [Verdict::Permit, Verdict::Deny, Verdict::Undecided];

impl Tally {
    /// Counts one decision, and whether it is of a kind `fail_on` names.
    fn add(&mut self, decision: &Decision, fail_on: &[FailOn]) {
        self.total += 1;
        if fail_on.iter().any(|kind| kind.matches(decision.verdict)) {
            self.matched += 1;
        }
        let verdict = verdict_idx(decision.verdict);
        self.verdicts[verdict] += 1;
        if decision.deciding.len() > 1 {
            self.several_rules += 1;
        }
        if decision.deciding.is_empty() {
            self.without_rule[verdict] += 1;
        }
        for rule in &decision.deciding {
            if self.by_rule.len() <= rule.idx() {
                self.by_rule.resize(rule.idx() + 1, [0; 3]);
            }
            self.by_rule[rule.idx()][verdict] += 1;
        }
    }

    /// Adds the counts of another tally.
    fn merge(&mut self, other: &Tally) {
        self.total += other.total;
        self.errors += other.errors;
        self.several_rules += other.several_rules;
        self.matched += other.matched;
        for idx in 0..3 {
            self.verdicts[idx] += other.verdicts[idx];
            self.without_rule[idx] += other.without_rule[idx];
        }
        if self.by_rule.len() < other.by_rule.len() {
            self.by_rule.resize(other.by_rule.len(), [0; 3]);
        }
        for (counts, other) in self.by_rule.iter_mut().zip(&other.by_rule) {
            for idx in 0..3 {
                counts[idx] += other[idx];
            }
        }
    }

    /// The count per outcome present (`error` for failed subjects), by name.
    fn verdicts(&self) -> BTreeMap<&'static str, usize> {
        let mut verdicts: BTreeMap<&'static str, usize> = VERDICTS
            .iter()
            .map(|verdict| (verdict.as_str(), self.verdicts[verdict_idx(*verdict)]))
            .filter(|(_, count)| *count > 0)
            .collect();
        if self.errors > 0 {
            verdicts.insert("error", self.errors);
        }
        verdicts
    }

    /// The count per outcome and deciding rule, sorted by outcome and rule name; decisions
    /// without a deciding rule under `(default)` or, undecided, `(missing facts)`.
    fn by_rule(&self, program: &Program) -> BTreeMap<(&'static str, String), usize> {
        let mut by_rule = BTreeMap::new();
        for verdict in VERDICTS {
            let idx = verdict_idx(verdict);
            for (rule, counts) in self.by_rule.iter().enumerate() {
                if counts[idx] > 0 {
                    *by_rule
                        .entry((verdict.as_str(), program.rules[rule].name.clone()))
                        .or_default() += counts[idx];
                }
            }
            if self.without_rule[idx] > 0 {
                let by = if verdict == Verdict::Undecided {
                    "(missing facts)"
                } else {
                    "(default)"
                };
                *by_rule.entry((verdict.as_str(), by.to_string())).or_default() += self.without_rule[idx];
            }
        }
        by_rule
    }
}

/// Writes one CSV cell made of `parts` joined by `; `, quoted as [`write_csv_row`] quotes a cell.
fn write_csv_cell<'a, I>(out: &mut Vec<u8>, parts: I)
where
    I: IntoIterator<Item = &'a str>,
    I::IntoIter: Clone,
{
    let parts = parts.into_iter();
    // The separator holds nothing that needs quoting: the cell does when one of its parts does.
    let quoted = parts.clone().any(|part| part.contains([',', '"', '\n', '\r']));
    if quoted {
        out.push(b'"');
    }
    for (idx, part) in parts.enumerate() {
        if idx > 0 {
            out.extend_from_slice(b"; ");
        }
        if quoted {
            out.extend_from_slice(part.replace('"', "\"\"").as_bytes());
        } else {
            out.extend_from_slice(part.as_bytes());
        }
    }
    if quoted {
        out.push(b'"');
    }
}

/// Writes one CSV row, quoting a cell as RFC 4180 says when it holds a comma, a quote or a line
/// break (a quote inside doubled), ending it with CRLF.
fn write_csv_row(out: &mut impl Write, cells: &[Cow<'_, str>]) -> std::io::Result<()> {
    for (idx, cell) in cells.iter().enumerate() {
        if idx > 0 {
            out.write_all(b",")?;
        }
        if cell.contains([',', '"', '\n', '\r']) {
            write!(out, "\"{}\"", cell.replace('"', "\"\""))?;
        } else {
            out.write_all(cell.as_bytes())?;
        }
    }
    out.write_all(b"\r\n")
}

/// The fields `--include` names, as names and indices among the subject's fields; a name that is
/// no field of the subject is a usage error.
pub fn includes(program: &Program, names: &[String]) -> Result<Vec<(String, u32)>, Diagnostic> {
    let Some(subject) = &program.subject else {
        return Ok(Vec::new());
    };
    let record = &program.records[subject.record.idx()];
    names
        .iter()
        .map(
            |name| match record.fields.iter().position(|field| field.name == *name) {
                Some(idx) => Ok((
                    name.clone(),
                    u32::try_from(idx).expect("fields are counted in u32"),
                )),
                None => {
                    let fields: Vec<&str> = record.fields.iter().map(|field| field.name.as_str()).collect();
                    let help = match pol::diagnostic::did_you_mean(name, fields.iter().copied()) {
                        Some(similar) => format!("a similar field exists: `{similar}`"),
                        None => format!("the fields of `{}` are {}", record.name, fields.join(", ")),
                    };
                    Err(pol::engine::invalid_argument(
                        "--include",
                        name,
                        &format!("is not a field of `{}`", record.name),
                        &help,
                    ))
                }
            },
        )
        .collect()
}

/// What the counts of `by_rule` in a JSON summary count.
const BY_RULE_COUNTS: &str = "decisions per verdict and deciding rule: a decision with several deciding rules counts once for each, so the counts can add up to more than `total`";

/// A `--fail-on` value as written on the command line.
fn fail_on_name(kind: FailOn) -> String {
    use clap::ValueEnum;
    kind.to_possible_value()
        .map_or_else(String::new, |value| value.get_name().to_string())
}

/// Whether a `--facts` argument is a JSON Lines, CSV or TSV input of the decided records, which
/// streams.
pub fn is_subject_stream(
    spec: &str,
    stdin_format: StdinFormat,
    program: &Program,
    subject: Option<RecordId>,
    mappings: &[GivenMapping],
) -> bool {
    let Some(subject) = subject else { return false };
    let (named, path) = crate::split_facts_spec(spec);
    let format = if path == "-" {
        Some(stdin_format.format())
    } else {
        crate::facts_format(path, stdin_format)
    };
    let mapping = crate::mapping_for(named, mappings);
    // A table names its record type on the command line or in its mapping; JSON Lines defaults
    // to the decided one.
    let record = named.or_else(|| mapping.as_deref().and_then(crate::mapping_record));
    let lines = match format {
        Some(Format::JsonLines) => true,
        Some(Format::Csv | Format::Tsv) => record.is_some(),
        _ => false,
    };
    // A key reference to a subject (`Transfer["T1"]`) must bind across the whole input, not
    // one chunk, so such a policy reads its subjects whole.
    let names_a_subject = program.key_refs.iter().any(|key_ref| key_ref.record == subject);
    // Subjects with a compound key are checked for duplicates across the whole input.
    let compound_key = !program.records[subject.idx()].compound_key.is_empty();
    lines
        && !names_a_subject
        && !compound_key
        && record.is_none_or(|record| program.record(record) == Some(subject))
}

/// A JSON Lines input of subjects to stream.
pub struct Stream<'a> {
    /// The file, or `-` for standard input.
    pub path: &'a str,
    /// JSON Lines, CSV or TSV.
    pub format: Format,
    /// How a CSV or TSV input is read.
    pub mapping: Option<Arc<Mapping>>,
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
    let reader: Box<dyn Read + Send> = if stream.path == "-" {
        Box::new(std::io::stdin())
    } else {
        match std::fs::File::open(stream.path) {
            Ok(file) => Box::new(file),
            Err(error) => return read_failed(engine, &name, &error, style),
        }
    };
    let total_bytes = (stream.path != "-")
        .then(|| std::fs::metadata(stream.path).ok())
        .flatten()
        .filter(std::fs::Metadata::is_file)
        .map(|metadata| metadata.len());
    let mut reader = std::io::BufReader::with_capacity(1 << 20, reader.take(stream.max_bytes + 1));
    let mut bytes_read: u64 = 0;
    let mut first_line = 1usize;
    // A table's header (and the lines before it) is read first, into a text of its own that
    // diagnostics about the header point into; its rows then come in chunks.
    let mut table = None;
    if stream.format.is_tabular() {
        let dialect = pol::facts::Dialect::of(stream.format, stream.mapping.as_deref());
        let mut splitter = RowSplitter::new(dialect.delimiter);
        let mut header = Vec::new();
        let read = (0..dialect.skip_lines)
            .try_for_each(|_| reader.read_until(b'\n', &mut header).map(drop))
            .and_then(|()| read_row(&mut reader, &mut header, &mut splitter));
        if let Err(error) = read {
            return read_failed(engine, &name, &error, style);
        }
        bytes_read += header.len() as u64;
        first_line += memchr::memchr_iter(b'\n', &header).count();
        let Ok(text) = String::from_utf8(header) else {
            let error = std::io::Error::new(
                std::io::ErrorKind::InvalidData,
                "stream did not contain valid UTF-8",
            );
            return read_failed(engine, &name, &error, style);
        };
        let header_source = engine.sources.add(name.clone(), text);
        let record = Some(stream.record);
        match builder.begin_table(
            &engine.sources,
            header_source,
            stream.format,
            record,
            stream.mapping.as_deref(),
        ) {
            Ok(layout) => table = Some((layout, splitter)),
            Err(diagnostics) => {
                report(engine, &diagnostics, style);
                return EXIT_FAILED;
            }
        }
    }
    let source = engine.sources.add(name.clone(), String::new());
    let progress = Progress::new(total_bytes);
    let (mut layout, splitter) = match table {
        Some((layout, splitter)) => (Some(layout), Some(splitter)),
        None => (None, None),
    };
    let max_bytes = stream.max_bytes;
    let mut missed = pol::eval::MissedLookups::default();
    std::thread::scope(|scope| {
        // The input is read a chunk ahead on a thread of its own, while the chunk before is read
        // into facts, decided and written; the buffers come back to it to be filled again.
        let (chunks_tx, chunks) = crossbeam_channel::bounded(1);
        let (spare_tx, spare) = crossbeam_channel::bounded(2);
        scope.spawn(move || read_chunks(reader, splitter, bytes_read, max_bytes, &chunks_tx, &spare));
        loop {
            let read = chunks
                .recv()
                .expect("the reading thread sends a last chunk or an error before it ends");
            let ReadChunk {
                bytes: chunk,
                n_lines,
                bytes_read,
                stopped,
            } = match read {
                Ok(chunk) => chunk,
                Err(error) => {
                    progress.done();
                    return read_failed(engine, &name, &error, style);
                }
            };
            if bytes_read > max_bytes {
                let error = ReadError::TooLarge {
                    size: bytes_read,
                    limit: max_bytes,
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
                // Diagnostics point into this chunk; its name says where the chunk starts in the
                // file.
                engine.sources.rename(source, chunk_name(&name, first_line));
                let text = match String::from_utf8(chunk) {
                    Ok(text) => text,
                    Err(_) => {
                        let error = std::io::Error::new(
                            std::io::ErrorKind::InvalidData,
                            "stream did not contain valid UTF-8",
                        );
                        progress.done();
                        return read_failed(engine, &name, &error, style);
                    }
                };
                let lines_in_chunk = match layout {
                    Some(_) => memchr::memchr_iter(b'\n', text.as_bytes()).count(),
                    None => n_lines,
                };
                engine.sources.replace(source, text);
                first_line += lines_in_chunk;
                match &mut layout {
                    Some(layout) => builder.add_table_rows(&engine.sources, source, layout),
                    None => builder.add_text(&engine.sources, source, Format::JsonLines, Some(stream.record)),
                }
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
            // A summary counts the decisions as they are made; otherwise they are kept to be
            // written.
            let decided = if sink.is_summary() {
                sink.tally(program, &facts, options.clone(), first).map(Ok)
            } else {
                pol::eval::Evaluator::new(program, &facts, options.clone()).and_then(|evaluator| {
                    sink.decide_and_write(program, &facts, &engine.sources, &evaluator, first)
                })
            };
            let n_decided = match decided {
                Ok(Ok(n_decided)) => n_decided,
                Ok(Err(error)) => {
                    progress.done();
                    return console::write_failed(&error, style);
                }
                Err(diagnostic) => {
                    progress.done();
                    report(engine, &[diagnostic], style);
                    return EXIT_FAILED;
                }
            };
            // A subject's number is the offset plus its row, and every chunk's rows start with
            // those of the reference data: the offset counts only the streamed subjects decided
            // so far.
            sink.offset += n_decided as u64 - u64::from(n_base_subjects - first);
            progress.update(sink.total(), bytes_read);
            missed.add(program, &facts);
            builder.reclaim(facts);
            if n_lines == 0 || stopped {
                break;
            }
            // The chunk's buffer goes back to be filled again; if none is wanted, it is dropped.
            let _ = spare_tx.try_send(engine.sources.take_text(source).into_bytes());
        }
        progress.done();
        let missed = missed.warnings(program);
        if !missed.is_empty() {
            report(engine, &missed, style);
        }
        sink.finish(engine, program, style)
    })
}

/// A chunk of a stream, read ahead: its lines (or rows), how many, the bytes of the stream read
/// so far, and whether reading stopped early, at its last line.
struct ReadChunk {
    bytes: Vec<u8>,
    n_lines: usize,
    bytes_read: u64,
    stopped: bool,
}

/// Reads a stream in chunks of [`CHUNK_LINES`] lines (rows, with a `splitter`) into buffers
/// taken from `spare` when there are any, and sends them on `chunks`: the last chunk is empty,
/// stops early, or goes past `max_bytes`; an error is sent in place of the chunk it broke off.
fn read_chunks(
    mut reader: impl BufRead,
    mut splitter: Option<RowSplitter>,
    mut bytes_read: u64,
    max_bytes: u64,
    chunks: &crossbeam_channel::Sender<std::io::Result<ReadChunk>>,
    spare: &crossbeam_channel::Receiver<Vec<u8>>,
) {
    loop {
        let mut bytes = spare.try_recv().unwrap_or_default();
        bytes.clear();
        let mut n_lines = 0;
        let mut stopped = false;
        while n_lines < CHUNK_LINES && !stopped {
            let read = match &mut splitter {
                Some(splitter) => read_row(&mut reader, &mut bytes, splitter).map(|n| (n, LineEnd::Line)),
                None => read_line(&mut reader, &mut bytes),
            };
            match read {
                Ok((0, _)) => break,
                Ok((n, end)) => {
                    bytes_read += n as u64;
                    n_lines += 1;
                    stopped = end == LineEnd::Stop;
                }
                Err(error) => {
                    let _ = chunks.send(Err(error));
                    return;
                }
            }
        }
        let last = n_lines == 0 || stopped || bytes_read > max_bytes;
        let chunk = ReadChunk {
            bytes,
            n_lines,
            bytes_read,
            stopped,
        };
        // The receiver is gone when the run stopped at an error: nothing more is wanted.
        if chunks.send(Ok(chunk)).is_err() || last {
            return;
        }
    }
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

/// Reads one row of a CSV or TSV stream into `out` (several lines when a quoted cell holds line
/// breaks); the number of bytes read, 0 at the end.
pub(crate) fn read_row(
    reader: &mut impl BufRead,
    out: &mut Vec<u8>,
    splitter: &mut RowSplitter,
) -> std::io::Result<usize> {
    let start = out.len();
    loop {
        let buf = match reader.fill_buf() {
            Ok(buf) => buf,
            Err(error) if error.kind() == std::io::ErrorKind::Interrupted => continue,
            Err(error) => return Err(error),
        };
        if buf.is_empty() {
            return Ok(out.len() - start);
        }
        let (take, done) = match splitter.row_end(buf) {
            Some(end) => (end, true),
            None => (buf.len(), false),
        };
        out.extend_from_slice(&buf[..take]);
        reader.consume(take);
        if done {
            return Ok(out.len() - start);
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

/// A progress bar on standard error (indicatif), only when it is a terminal, the decisions go
/// elsewhere and the run takes a while: nothing is drawn into a pipe or a log.
struct Progress {
    start: Instant,
    enabled: bool,
    /// The size of the input, when it is a file, for a bar; a count alone otherwise.
    total_bytes: Option<u64>,
    bar: std::cell::RefCell<Option<indicatif::ProgressBar>>,
}

impl Progress {
    fn new(total_bytes: Option<u64>) -> Progress {
        Progress {
            start: Instant::now(),
            enabled: Terminal::from_env()
                .progress(std::io::stderr().is_terminal(), std::io::stdout().is_terminal()),
            total_bytes,
            bar: std::cell::RefCell::new(None),
        }
    }

    fn update(&self, decided: usize, bytes_read: u64) {
        let elapsed = self.start.elapsed().as_secs_f64();
        if !self.enabled || elapsed < 1.0 {
            return;
        }
        let mut bar = self.bar.borrow_mut();
        let bar = bar.get_or_insert_with(|| {
            let target = indicatif::ProgressDrawTarget::stderr();
            match self.total_bytes {
                Some(total) => {
                    let bar = indicatif::ProgressBar::with_draw_target(Some(total), target);
                    if let Ok(style) =
                        indicatif::ProgressStyle::with_template("{bar:30} {percent:>3}% {msg} (eta {eta})")
                    {
                        bar.set_style(style);
                    }
                    bar
                }
                None => indicatif::ProgressBar::with_draw_target(None, target),
            }
        });
        bar.set_position(bytes_read);
        let rate = decided as f64 / elapsed;
        bar.set_message(format!("{decided} decided, {rate:.0} per second"));
    }

    fn done(&self) {
        if let Some(bar) = self.bar.borrow_mut().take() {
            bar.finish_and_clear();
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
