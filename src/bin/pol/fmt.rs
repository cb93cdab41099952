//! `pol fmt`: prints policies in the canonical style, checks that they are in it, or rewrites
//! them in place, atomically (a temporary file in the same folder, synced, then renamed once the
//! original is found unchanged since it was read).

use std::io::{Read, Write};
use std::path::{Path, PathBuf};

use pol::diagnostic::{Code, Diagnostic, Setting};
use pol::engine::Engine;

use super::console;
use super::files::{self, DiskFiles};
use super::{DiagnosticStyle, EXIT_FAILED, EXIT_OK, EXIT_USAGE, report};

/// Arguments of `pol fmt`.
#[derive(clap::Args, Debug)]
pub struct FmtArgs {
    /// Policy files, or directories to search for `.pol` files. Without `--check` or `--write`,
    /// exactly one file, printed formatted.
    #[arg(required = true, value_name = "PATH")]
    files: Vec<PathBuf>,
    /// List the files that are not formatted and exit with 1 if there are any; change nothing.
    #[arg(long, conflicts_with = "write")]
    check: bool,
    /// Rewrite the files that are not formatted, in place, and list them.
    #[arg(long)]
    write: bool,
    /// With `--write`, also replace a read-only file, a file with other hard links (they keep the
    /// old text), or a file whose owner cannot be kept.
    #[arg(long, requires = "write")]
    force: bool,
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
    /// The file parses: what was read of it, and its canonical text.
    Text { read: Snapshot, formatted: String },
    /// The file could not be read or parsed; the exit code this calls for.
    Failed(u8),
}

/// Runs `pol fmt` and returns its exit code.
pub fn fmt(args: FmtArgs) -> u8 {
    let disk = DiskFiles;
    let mut engine = Engine::new(&disk, Vec::new());
    engine.max_nesting = args.max_nesting;
    let style = args.diagnostics;
    if !args.check && !args.write {
        // Printed one after the other, several files would make one useless text.
        let several = match args.files.as_slice() {
            [path] if path.is_dir() => Some(format!("`{}` is a directory", path.display())),
            [_] => None,
            files => Some(format!("{} paths were given", files.len())),
        };
        if let Some(problem) = several {
            report(&engine, &[prints_one_file(&problem)], style);
            return EXIT_USAGE;
        }
    }
    let mut out = console::stdout();
    let written = format_all(&mut engine, &args, style, &mut out);
    console::finish(&mut out, written, style)
}

/// Formats, checks or rewrites every file found under the paths given, writing what the mode
/// prints on `out`; the exit code.
fn format_all(
    engine: &mut Engine<'_>,
    args: &FmtArgs,
    style: DiagnosticStyle,
    out: &mut console::Out,
) -> std::io::Result<u8> {
    let mut code = EXIT_OK;
    // The walk lists each real file once, however often it is named or reached.
    let found = files::collect_policies(&args.files);
    if !found.diagnostics.is_empty() {
        out.flush()?;
        report(engine, &found.diagnostics, style);
        if found.diagnostics.iter().any(Diagnostic::is_error) {
            code = EXIT_USAGE;
        }
    }
    for path in &found.files {
        let (read, formatted) = match format_file(engine, path, args, style) {
            Formatted::Text { read, formatted } => (read, formatted),
            Formatted::Failed(failed) => {
                code = code.max(failed);
                continue;
            }
        };
        let changed = read.bytes != formatted.as_bytes();
        if args.check {
            if changed {
                writeln!(out, "{}", super::shown(path))?;
                code = code.max(EXIT_FAILED);
            }
        } else if args.write {
            if !changed {
                continue;
            }
            match replace(path, &read, formatted.as_bytes(), args.force) {
                Ok(lost) => {
                    writeln!(out, "{}", super::shown(path))?;
                    if !lost.is_empty() {
                        out.flush()?;
                        report(engine, &[forced_replace(path, &lost)], style);
                    }
                }
                Err(error) => {
                    out.flush()?;
                    let (diagnostic, failed) = match error {
                        ReplaceError::Changed => (changed_while_formatting(path), EXIT_FAILED),
                        ReplaceError::Protected(why) => (protected_file(path, &why), EXIT_FAILED),
                        ReplaceError::Io(error) => (cannot_write(path, &error), EXIT_USAGE),
                    };
                    report(engine, &[diagnostic], style);
                    code = code.max(failed);
                }
            }
        } else {
            out.write_all(formatted.as_bytes())?;
        }
    }
    Ok(code)
}

/// Reads and parses one file and prints its canonical text, reporting what stops it.
fn format_file(engine: &mut Engine<'_>, path: &Path, args: &FmtArgs, style: DiagnosticStyle) -> Formatted {
    let name = path.display().to_string();
    // The file's identity is taken before its bytes are read, so that a change in between is
    // seen as a change when the file is about to be replaced.
    let stamp = std::fs::metadata(path).ok().map(|metadata| Stamp::of(&metadata));
    let original = match files::read_limited(path, args.max_policy_bytes) {
        Ok(bytes) => bytes,
        Err(error) => {
            let diagnostic = pol::engine::read_error(&name, &error, None, Setting::PolicyBytes);
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
    let formatted = match pol::syntax::format(&engine.sources, id, args.max_nesting) {
        Ok(formatted) => formatted,
        Err(diagnostics) => {
            report(engine, &diagnostics, style);
            return Formatted::Failed(EXIT_FAILED);
        }
    };
    Formatted::Text {
        read: Snapshot {
            bytes: original,
            stamp,
        },
        formatted,
    }
}

/// The diagnostic for a file that could not be rewritten.
fn cannot_write(path: &Path, error: &std::io::Error) -> Diagnostic {
    let message = files::describe(error);
    Diagnostic::new(Code::Io, format!("cannot write `{}`: {message}", path.display()))
        .help("the file is left as it was")
}

/// The diagnostic for several files, or a directory, without `--check` or `--write`.
fn prints_one_file(problem: &str) -> Diagnostic {
    Diagnostic::new(
        Code::InvalidArgument,
        format!("without `--check` or `--write`, `pol fmt` prints one file, but {problem}"),
    )
    .help("pass `--check` to list the files that are not formatted, or `--write` to rewrite them in place")
}

/// The diagnostic for a file that changed between being read and being replaced.
fn changed_while_formatting(path: &Path) -> Diagnostic {
    Diagnostic::new(
        Code::ChangedWhileFormatting,
        format!("`{}` changed while it was being formatted", path.display()),
    )
    .help("the file is left as it is now, with the change; run `pol fmt --write` on it again")
}

/// The diagnostic for a file `--write` will not replace without `--force`.
fn protected_file(path: &Path, why: &Protection) -> Diagnostic {
    let (problem, help) = match why {
        Protection::ReadOnly => (
            "is read-only".to_owned(),
            "the file is left as it was; make it writable, or pass `--force` to rewrite it and keep it read-only",
        ),
        Protection::Linked(links) => (
            format!("has {links} hard links, and replacing it would leave the others with the old text"),
            "the file is left as it was; pass `--force` to replace this name only, or rewrite it in place with `pol fmt FILE > NEW && cat NEW > FILE`",
        ),
        Protection::Owner => (
            "belongs to another user, and its replacement could not keep that owner".to_owned(),
            "the file is left as it was; run `pol fmt --write` as its owner, or pass `--force` to replace it anyway",
        ),
    };
    Diagnostic::new(
        Code::ProtectedFile,
        format!("will not rewrite `{}`: it {problem}", path.display()),
    )
    .help(help)
}

/// The warning for a file `--force` replaced without keeping all it had.
fn forced_replace(path: &Path, lost: &[Protection]) -> Diagnostic {
    let lost: Vec<String> = lost
        .iter()
        .map(|what| match what {
            Protection::ReadOnly => unreachable!("a forced read-only file keeps its mode"),
            Protection::Linked(2) => "its other hard link keeps the old text".to_owned(),
            Protection::Linked(links) => format!("its {} other hard links keep the old text", links - 1),
            Protection::Owner => "it now belongs to the user who ran `pol`, not to its owner".to_owned(),
        })
        .collect();
    Diagnostic::new(
        Code::ForcedReplace,
        format!(
            "`{}` was replaced by a new file: {}",
            path.display(),
            lost.join(", and ")
        ),
    )
}

// ---------------------------------------------------------------- replacing a file

/// What identifies the contents of a file on disk, short of reading them: where it is, its size
/// and when it was last modified.
#[derive(Clone, Debug, PartialEq, Eq)]
struct Stamp {
    device: u64,
    inode: u64,
    len: u64,
    modified: Option<std::time::SystemTime>,
}

impl Stamp {
    fn of(metadata: &std::fs::Metadata) -> Stamp {
        let (device, inode) = identity(metadata);
        Stamp {
            device,
            inode,
            len: metadata.len(),
            modified: metadata.modified().ok(),
        }
    }
}

/// A file as it was read for formatting.
struct Snapshot {
    /// The bytes read.
    bytes: Vec<u8>,
    /// The file's identity, taken just before reading; `None` if it could not be taken, and
    /// then the file is never replaced.
    stamp: Option<Stamp>,
}

/// Why `--write` leaves a file alone unless forced.
#[derive(Debug, PartialEq, Eq)]
enum Protection {
    /// No one may write to it (mode 444 and the like).
    ReadOnly,
    /// It has this many names (hard links); a new file would take only one of them.
    Linked(u64),
    /// It belongs to another user or group, which its replacement could not be given.
    Owner,
}

/// Why a file was not replaced.
#[derive(Debug)]
enum ReplaceError {
    /// It changed after it was read.
    Changed,
    /// It is protected and `--force` was not given.
    Protected(Protection),
    /// Reading, writing or renaming failed.
    Io(std::io::Error),
}

impl From<std::io::Error> for ReplaceError {
    fn from(error: std::io::Error) -> ReplaceError {
        ReplaceError::Io(error)
    }
}

/// Replaces the contents of `path` with `contents`, if the file is still what `read` saw.
///
/// A reader sees either the old file or the new one, never a mix: the new text goes to a fresh
/// file in the same folder, with the same mode, owner and group, is synced to disk, and is renamed
/// over the old one only after the old one is read again and found unchanged. On failure the old
/// file is untouched and the fresh one removed. A read-only file, one with several hard links and
/// one whose owner the fresh file cannot be given are refused unless `force`; when forced, the
/// protections lost are returned.
fn replace(
    path: &Path,
    read: &Snapshot,
    contents: &[u8],
    force: bool,
) -> Result<Vec<Protection>, ReplaceError> {
    // Through a symbolic link, the file it points to is the one rewritten.
    let target = std::fs::canonicalize(path)?;
    let metadata = std::fs::metadata(&target)?;
    let links = n_links(&metadata);
    if !force && metadata.permissions().readonly() {
        return Err(ReplaceError::Protected(Protection::ReadOnly));
    }
    if !force && links > 1 {
        return Err(ReplaceError::Protected(Protection::Linked(links)));
    }
    // A forced read-only file stays read-only: its mode is copied like any other.
    let mut lost = Vec::new();
    if links > 1 {
        lost.push(Protection::Linked(links));
    }
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
        // The owner first: changing it clears the set-user-ID and set-group-ID bits of a mode.
        if !keep_owner(&file, &metadata)? {
            if !force {
                return Err(ReplaceError::Protected(Protection::Owner));
            }
            lost.push(Protection::Owner);
        }
        file.set_permissions(metadata.permissions())?;
        file.sync_all()?;
        drop(file);
        if !unchanged(&target, read)? {
            return Err(ReplaceError::Changed);
        }
        std::fs::rename(&temporary, &target)?;
        Ok(())
    })();
    if let Err(error) = written {
        let _ = std::fs::remove_file(&temporary);
        return Err(error);
    }
    // Make the rename itself durable; not every platform can sync a folder, hence no error.
    if let Ok(folder) = std::fs::File::open(&folder) {
        let _ = folder.sync_all();
    }
    Ok(lost)
}

/// Whether the file at `path` is still the one `read` saw: the same file (device and inode), of
/// the same size and modification time, holding the same bytes.
fn unchanged(path: &Path, read: &Snapshot) -> std::io::Result<bool> {
    let Some(stamp) = &read.stamp else {
        return Ok(false);
    };
    let file = std::fs::File::open(path)?;
    if Stamp::of(&file.metadata()?) != *stamp {
        return Ok(false);
    }
    let mut bytes = Vec::with_capacity(read.bytes.len());
    // One byte past what was read is enough to see that the file grew.
    file.take(read.bytes.len() as u64 + 1).read_to_end(&mut bytes)?;
    Ok(bytes == read.bytes)
}

/// The device and inode of a file (zeros where the platform has none).
#[cfg(unix)]
fn identity(metadata: &std::fs::Metadata) -> (u64, u64) {
    use std::os::unix::fs::MetadataExt;
    (metadata.dev(), metadata.ino())
}

#[cfg(not(unix))]
fn identity(_metadata: &std::fs::Metadata) -> (u64, u64) {
    (0, 0)
}

/// How many names (hard links) a file has.
#[cfg(unix)]
fn n_links(metadata: &std::fs::Metadata) -> u64 {
    use std::os::unix::fs::MetadataExt;
    metadata.nlink()
}

#[cfg(not(unix))]
fn n_links(_metadata: &std::fs::Metadata) -> u64 {
    1
}

/// Gives `file` the owner and group of `original`; false if the system does not allow it (only
/// the superuser may give a file away).
#[cfg(unix)]
fn keep_owner(file: &std::fs::File, original: &std::fs::Metadata) -> std::io::Result<bool> {
    use std::os::unix::fs::MetadataExt;
    let fresh = file.metadata()?;
    if (fresh.uid(), fresh.gid()) == (original.uid(), original.gid()) {
        return Ok(true);
    }
    Ok(std::os::unix::fs::fchown(file, Some(original.uid()), Some(original.gid())).is_ok())
}

#[cfg(not(unix))]
fn keep_owner(_file: &std::fs::File, _original: &std::fs::Metadata) -> std::io::Result<bool> {
    Ok(true)
}

/// Creates a new file beside `file_name` in `folder`, under a name no other file has, that only
/// its owner may read.
fn create_temporary(folder: &Path, file_name: &str) -> std::io::Result<(PathBuf, std::fs::File)> {
    let process = std::process::id();
    let mut attempt = 0u32;
    loop {
        let candidate = folder.join(format!(".{file_name}.{process}.{attempt}.fmt-tmp"));
        let mut options = std::fs::OpenOptions::new();
        options.write(true).create_new(true);
        // Only its owner may read the new file until it is given the original's mode: the text
        // goes in first, and the original may be private.
        #[cfg(unix)]
        std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
        match options.open(&candidate) {
            Ok(file) => return Ok((candidate, file)),
            Err(error) if error.kind() == std::io::ErrorKind::AlreadyExists && attempt < 100 => {
                attempt += 1;
            }
            Err(error) => return Err(error),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::atomic::{AtomicUsize, Ordering};

    /// A fresh folder holding `a.pol` with `text`.
    fn folder_with(text: &str) -> (PathBuf, PathBuf) {
        static NEXT: AtomicUsize = AtomicUsize::new(0);
        let folder = std::env::temp_dir().join(format!(
            "pol-fmt-{}-{}",
            std::process::id(),
            NEXT.fetch_add(1, Ordering::Relaxed)
        ));
        let _ = std::fs::remove_dir_all(&folder);
        std::fs::create_dir_all(&folder).unwrap();
        let file = folder.join("a.pol");
        std::fs::write(&file, text).unwrap();
        (folder, file)
    }

    /// Reads a file as `pol fmt` does: its identity first, then its bytes.
    fn snapshot(path: &Path) -> Snapshot {
        let stamp = Some(Stamp::of(&std::fs::metadata(path).unwrap()));
        Snapshot {
            bytes: std::fs::read(path).unwrap(),
            stamp,
        }
    }

    fn names(folder: &Path) -> Vec<String> {
        let mut names: Vec<String> = std::fs::read_dir(folder)
            .unwrap()
            .map(|entry| entry.unwrap().file_name().to_string_lossy().into_owned())
            .collect();
        names.sort();
        names
    }

    /// Checks that `replace` refuses after `change` ran between reading and replacing, leaving
    /// the file as `change` made it and no temporary file.
    fn check_changed(change: impl FnOnce(&Path)) {
        let (folder, file) = folder_with("policy \"a\"\n");
        let read = snapshot(&file);
        change(&file);
        let after_change = std::fs::read(&file).unwrap();
        let result = replace(&file, &read, b"policy \"b\"\n", true);
        assert!(matches!(result, Err(ReplaceError::Changed)), "{result:?}");
        assert_eq!(std::fs::read(&file).unwrap(), after_change);
        assert_eq!(names(&folder), ["a.pol"]);
        std::fs::remove_dir_all(&folder).unwrap();
    }

    #[test]
    fn a_file_that_grew_after_it_was_read_is_not_replaced() {
        check_changed(|file| {
            let mut appender = std::fs::OpenOptions::new().append(true).open(file).unwrap();
            for line in 0..400 {
                writeln!(appender, "// line {line}").unwrap();
            }
        });
    }

    #[test]
    fn a_change_that_keeps_size_and_modification_time_is_still_seen() {
        check_changed(|file| {
            let modified = std::fs::metadata(file).unwrap().modified().unwrap();
            let handle = std::fs::OpenOptions::new().write(true).open(file).unwrap();
            (&handle).write_all(b"policy \"z\"\n").unwrap();
            handle.set_modified(modified).unwrap();
        });
    }

    #[test]
    fn a_file_saved_anew_by_another_program_is_not_replaced() {
        check_changed(|file| {
            // An editor's save: a new file renamed over the old one, here with the same text.
            let fresh = file.with_extension("new");
            std::fs::write(&fresh, std::fs::read(file).unwrap()).unwrap();
            std::fs::rename(&fresh, file).unwrap();
        });
    }

    #[cfg(unix)]
    #[test]
    fn the_temporary_file_is_private_until_it_takes_the_original_mode() {
        use std::os::unix::fs::PermissionsExt;
        let (folder, _) = folder_with("policy \"a\"\n");
        let (temporary, file) = create_temporary(&folder, "a.pol").unwrap();
        // The formatted text is written before the mode is copied: others must not read it
        // meanwhile, since the original may be private.
        assert_eq!(file.metadata().unwrap().permissions().mode() & 0o777, 0o600);
        drop(file);
        std::fs::remove_file(temporary).unwrap();
        std::fs::remove_dir_all(&folder).unwrap();
    }

    #[test]
    fn an_unchanged_file_is_replaced_and_no_temporary_file_remains() {
        let (folder, file) = folder_with("policy \"a\"\n");
        let read = snapshot(&file);
        let lost = replace(&file, &read, b"policy \"b\"\n", false).unwrap();
        assert!(lost.is_empty());
        assert_eq!(std::fs::read(&file).unwrap(), b"policy \"b\"\n");
        assert_eq!(names(&folder), ["a.pol"]);
        std::fs::remove_dir_all(&folder).unwrap();
    }
}
