//! `pol graph` and the pictures of `pol run --explain --format dot|mermaid|svg`: writes the
//! library's DOT or mermaid text, or runs Graphviz's `dot` to draw it as SVG.

use std::io::Write;
use std::path::PathBuf;
use std::process::{Command, Stdio};

use pol::check::ir::Program;
use pol::diagnostic::Diagnostic;
use pol::engine::Failure;
use pol::eval::Decision;
use pol::facts::Facts;
use pol::graph::{self, Notation, messages};

use crate::files::DiskFiles;
use crate::{CommonArgs, EXIT_FAILED, EXIT_OK, EXIT_USAGE, code_for_load, console, new_engine, report};

/// The notation of a picture on the command line.
#[derive(Copy, Clone, Debug, PartialEq, Eq, clap::ValueEnum)]
pub(crate) enum PictureFormat {
    /// Graphviz DOT text.
    Dot,
    /// Mermaid flowchart text.
    Mermaid,
    /// SVG, drawn by Graphviz's `dot` program (which must be installed).
    Svg,
}

#[derive(clap::Args, Debug)]
pub(crate) struct GraphArgs {
    /// The policy file.
    policy: PathBuf,
    /// The picture's notation.
    #[arg(long, value_enum, default_value_t = PictureFormat::Dot)]
    format: PictureFormat,
    #[command(flatten)]
    pub(crate) common: CommonArgs,
}

/// `pol graph`: the picture of a policy's rules, exceptions and functions.
pub(crate) fn graph(args: GraphArgs) -> u8 {
    let files = DiskFiles;
    let mut engine = new_engine(&files, &args.common);
    let style = args.common.diagnostics;
    let loaded = match engine.load_policy(&args.policy) {
        Ok(loaded) => loaded,
        Err(diagnostics) => {
            report(&engine, &diagnostics, style);
            return code_for_load(&diagnostics);
        }
    };
    report(&engine, &loaded.checked.diagnostics, style);
    let notation = match args.format {
        PictureFormat::Mermaid => Notation::Mermaid,
        PictureFormat::Dot | PictureFormat::Svg => Notation::Dot,
    };
    let text = graph::policy_graph(&loaded.checked.program, notation);
    match emit(&text, args.format) {
        Ok(code) => code,
        Err(diagnostic) => {
            report(&engine, &[diagnostic], style);
            EXIT_FAILED
        }
    }
}

/// Writes a picture in its format on standard output: the text itself, or for SVG what
/// Graphviz draws from it. A diagnostic when Graphviz is missing or fails.
pub(crate) fn emit(dot_or_mermaid: &str, format: PictureFormat) -> Result<u8, Diagnostic> {
    let bytes = match format {
        PictureFormat::Dot | PictureFormat::Mermaid => dot_or_mermaid.as_bytes().to_vec(),
        PictureFormat::Svg => to_svg(dot_or_mermaid)?,
    };
    let mut out = console::stdout();
    let written = out.write_all(&bytes).map(|()| EXIT_OK);
    Ok(console::finish(&mut out, written, crate::DiagnosticStyle::Auto))
}

/// Runs `dot -Tsvg` on DOT text; the program is found on the `PATH`, or named by `POL_DOT`.
pub(crate) fn to_svg(dot: &str) -> Result<Vec<u8>, Diagnostic> {
    let program = std::env::var_os("POL_DOT").unwrap_or_else(|| "dot".into());
    let mut child = Command::new(&program)
        .arg("-Tsvg")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .map_err(|error| messages::graphviz_missing(&error.to_string()))?;
    let mut stdin = child.stdin.take().expect("stdin was piped");
    let text = dot.to_owned();
    // Written from a thread, so that a large picture cannot fill both pipes and stall.
    let writer = std::thread::spawn(move || stdin.write_all(text.as_bytes()));
    let output = child
        .wait_with_output()
        .map_err(|error| messages::graphviz_failed(&error.to_string(), ""))?;
    let written = writer.join().unwrap_or(Ok(()));
    if !output.status.success() || written.is_err() {
        let stderr = String::from_utf8_lossy(&output.stderr);
        return Err(messages::graphviz_failed(&output.status.to_string(), &stderr));
    }
    Ok(output.stdout)
}

/// The decision a derivation picture shows: the subject keyed `subject`, or the only one.
pub(crate) fn chosen<'d>(
    program: &Program,
    facts: &Facts,
    decisions: &'d [Result<Decision, Failure>],
    subject: Option<&str>,
) -> Result<&'d Result<Decision, Failure>, Diagnostic> {
    let record = pol::report::subject_record(program);
    let row_of = |decision: &Result<Decision, Failure>| match decision {
        Ok(decision) => decision.subject,
        Err(failure) => failure.subject,
    };
    match subject {
        Some(key) => {
            let found = decisions.iter().find(|decision| {
                let record_id = program.subject.as_ref().map(|subject| subject.record);
                record_id.and_then(|id| facts.key_text(program, id, row_of(decision))) == Some(key)
            });
            found.ok_or_else(|| {
                let keys: Vec<String> = decisions
                    .iter()
                    .filter_map(|decision| {
                        let id = program.subject.as_ref()?.record;
                        facts.key_text(program, id, row_of(decision)).map(str::to_owned)
                    })
                    .collect();
                let similar = pol::diagnostic::suggest::did_you_mean(key, keys.iter().map(String::as_str));
                messages::unknown_subject(key, record, similar)
            })
        }
        None => match decisions {
            [one] => Ok(one),
            _ => {
                let mut diagnostic = messages::needs_one_subject(decisions.len(), record);
                diagnostic.help =
                    Some("choose the subject whose derivation to draw with `--subject KEY`".into());
                Err(diagnostic)
            }
        },
    }
}

/// Writes the picture of one decision's derivation; the exit code.
pub(crate) fn derivation(
    engine: &pol::engine::Engine<'_>,
    program: &Program,
    facts: &Facts,
    decisions: &[Result<Decision, Failure>],
    subject: Option<&str>,
    format: PictureFormat,
    style: crate::DiagnosticStyle,
) -> u8 {
    let decision = match chosen(program, facts, decisions, subject) {
        Ok(Ok(decision)) => decision,
        Ok(Err(failure)) => {
            report(engine, &[(*failure.diagnostic).clone()], style);
            return EXIT_FAILED;
        }
        Err(diagnostic) => {
            report(engine, &[diagnostic], style);
            return EXIT_USAGE;
        }
    };
    let Some(trace) = &decision.trace else {
        unreachable!("pictures of derivations are drawn from decisions made with derivations")
    };
    let notation = match format {
        PictureFormat::Mermaid => Notation::Mermaid,
        PictureFormat::Dot | PictureFormat::Svg => Notation::Dot,
    };
    let text = graph::derivation_graph(program, facts, &engine.sources, decision, trace, 0, notation);
    match emit(&text, format) {
        Ok(code) => code,
        Err(diagnostic) => {
            report(engine, &[diagnostic], style);
            EXIT_FAILED
        }
    }
}
