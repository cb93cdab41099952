//! `pol fmt`: prints policies in the canonical style, checks that they are in it, or rewrites
//! them in place, atomically (a temporary file in the same folder, synced, then renamed).

use std::io::Write;
use std::path::{Path, PathBuf};

use pol::diagnostic::{Code, Diagnostic};
use pol::engine::Engine;
use pol::syntax::print;

use super::files::{self, DiskFiles};
use super::{DiagnosticStyle, EXIT_FAILED, EXIT_OK, EXIT_USAGE, report};

/// The flag that raises the size limit of policy files.
const POLICY_LIMIT_FLAG: &str = "--max-policy-bytes";

/// Arguments of `pol fmt`.
#[derive(clap::Args, Debug)]
pub struct FmtArgs {
    /// The policy files. Without `--check` or `--write`, exactly one, printed formatted.
    #[arg(required = true)]
    files: Vec<PathBuf>,
    /// List the files that are not formatted and exit with 1 if there are any; change nothing.
    #[arg(long, conflicts_with = "write")]
    check: bool,
    /// Rewrite the files that are not formatted, in place, and list them.
    #[arg(long)]
    write: bool,
    /// How to show diagnostics on standard error.
    #[arg(long, value_enum, default_value_t = DiagnosticStyle::Auto)]
    diagnostics: DiagnosticStyle,
    /// Deepest nesting of expressions and brackets accepted in a policy (at most 100000).
    #[arg(long, value_name = "N", default_value_t = pol::syntax::DEFAULT_MAX_NESTING, value_parser = crate::levels::<usize>())]
    pub(crate) max_nesting: usize,
    /// Largest policy file read, in bytes.
    #[arg(long, value_name = "BYTES", default_value_t = pol::engine::DEFAULT_MAX_POLICY_BYTES)]
    max_policy_bytes: u64,
}

/// What became of one file.
enum Formatted {
    /// The file parses; its bytes and its canonical text.
    Text { original: Vec<u8>, formatted: String },
    /// The file could not be read or parsed; the exit code this calls for.
    Failed(u8),
}

/// Runs `pol fmt` and returns its exit code.
pub fn fmt(args: FmtArgs) -> u8 {
    let disk = DiskFiles;
    let mut engine = Engine::new(&disk, Vec::new());
    engine.max_nesting = args.max_nesting;
    let style = args.diagnostics;
    if !args.check && !args.write && args.files.len() > 1 {
        let diagnostic = pol::engine::invalid_argument(
            "fmt",
            &args.files[1].display().to_string(),
            "is a second file, but `pol fmt` prints only one",
            "pass `--check` or `--write` to format several files",
        );
        report(&engine, &[diagnostic], style);
        return EXIT_USAGE;
    }
    let stdout = std::io::stdout();
    let mut out = stdout.lock();
    let mut code = EXIT_OK;
    for path in &args.files {
        let (original, formatted) = match format_file(&mut engine, path, &args, style) {
            Formatted::Text { original, formatted } => (original, formatted),
            Formatted::Failed(failed) => {
                code = code.max(failed);
                continue;
            }
        };
        let changed = original != formatted.as_bytes();
        if args.check {
            if changed {
                let _ = writeln!(out, "{}", path.display());
                code = code.max(EXIT_FAILED);
            }
        } else if args.write {
            if !changed {
                continue;
            }
            match write_atomically(path, formatted.as_bytes()) {
                Ok(()) => {
                    let _ = writeln!(out, "{}", path.display());
                }
                Err(error) => {
                    report(&engine, &[cannot_write(path, &error)], style);
                    code = EXIT_USAGE;
                }
            }
        } else if out.write_all(formatted.as_bytes()).is_err() {
            // The reader went away (a closed pipe): stop quietly.
            return code;
        }
    }
    let _ = out.flush();
    code
}

/// Reads and parses one file and prints its canonical text, reporting what stops it.
fn format_file(engine: &mut Engine<'_>, path: &Path, args: &FmtArgs, style: DiagnosticStyle) -> Formatted {
    let name = path.display().to_string();
    let original = match files::read_limited(path, args.max_policy_bytes) {
        Ok(bytes) => bytes,
        Err(error) => {
            let diagnostic = pol::engine::read_error(&name, &error, None, POLICY_LIMIT_FLAG);
            report(engine, &[diagnostic], style);
            return Formatted::Failed(EXIT_USAGE);
        }
    };
    let id = match engine.add_bytes(name.clone(), original.clone()) {
        Ok(id) => id,
        Err(diagnostic) => {
            report(engine, &[diagnostic], style);
            return Formatted::Failed(EXIT_FAILED);
        }
    };
    let module = match pol::syntax::parse_with_limit(&engine.sources, id, args.max_nesting) {
        Ok(module) => module,
        Err(diagnostics) => {
            report(engine, &diagnostics, style);
            return Formatted::Failed(EXIT_FAILED);
        }
    };
    let formatted = print::print(&module, &engine.sources.get(id).text);
    // The canonical text must read back as the same policy; if it ever did not, that would be
    // a bug in the printer, and the file is better left as it is.
    let name_again = format!("{name} (formatted)");
    let same = engine
        .add_bytes(name_again, formatted.clone().into_bytes())
        .ok()
        .and_then(|again| pol::syntax::parse_with_limit(&engine.sources, again, args.max_nesting).ok())
        .is_some_and(|again| print::same_tree(&module, &again));
    if !same {
        report(engine, &[cannot_format(path)], style);
        return Formatted::Failed(EXIT_FAILED);
    }
    Formatted::Text { original, formatted }
}

/// The diagnostic for a file whose canonical text would not read back as the same policy.
fn cannot_format(path: &Path) -> Diagnostic {
    Diagnostic::new(
        Code::Io,
        format!(
            "cannot format `{}`: its canonical text would read differently",
            path.display()
        ),
    )
    .help("this is a bug in Pol; the file is left as it was")
}

/// The diagnostic for a file that could not be rewritten.
fn cannot_write(path: &Path, error: &std::io::Error) -> Diagnostic {
    let message = match error.kind() {
        std::io::ErrorKind::PermissionDenied => "permission denied".to_owned(),
        _ => error.to_string(),
    };
    Diagnostic::new(Code::Io, format!("cannot write `{}`: {message}", path.display()))
        .help("the file is left as it was")
}

/// Replaces the contents of `path` with `contents` so that a reader sees either the old file or
/// the new one, never a mix: the new text goes to a fresh file in the same folder, with the same
/// permissions, is synced to disk, then renamed over the old one. On failure the old file is
/// untouched and the fresh one removed.
fn write_atomically(path: &Path, contents: &[u8]) -> std::io::Result<()> {
    // Through a symbolic link, the file it points to is the one rewritten.
    let target = std::fs::canonicalize(path)?;
    let permissions = std::fs::metadata(&target)?.permissions();
    let folder = match target.parent() {
        Some(folder) if !folder.as_os_str().is_empty() => folder.to_path_buf(),
        _ => PathBuf::from("."),
    };
    let file_name = target
        .file_name()
        .map(|name| name.to_string_lossy().into_owned())
        .unwrap_or_default();
    let (temporary, mut file) = create_temporary(&folder, &file_name)?;
    let written = (|| {
        file.write_all(contents)?;
        file.set_permissions(permissions)?;
        file.sync_all()?;
        drop(file);
        std::fs::rename(&temporary, &target)
    })();
    if let Err(error) = written {
        let _ = std::fs::remove_file(&temporary);
        return Err(error);
    }
    // Make the rename itself durable; not every platform can sync a folder, hence no error.
    if let Ok(folder) = std::fs::File::open(&folder) {
        let _ = folder.sync_all();
    }
    Ok(())
}

/// Creates a new file beside `file_name` in `folder`, under a name no other file has.
fn create_temporary(folder: &Path, file_name: &str) -> std::io::Result<(PathBuf, std::fs::File)> {
    let process = std::process::id();
    let mut attempt = 0u32;
    loop {
        let candidate = folder.join(format!(".{file_name}.{process}.{attempt}.fmt-tmp"));
        match std::fs::OpenOptions::new()
            .write(true)
            .create_new(true)
            .open(&candidate)
        {
            Ok(file) => return Ok((candidate, file)),
            Err(error) if error.kind() == std::io::ErrorKind::AlreadyExists && attempt < 100 => {
                attempt += 1;
            }
            Err(error) => return Err(error),
        }
    }
}
