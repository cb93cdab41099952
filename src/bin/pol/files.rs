//! Reading policies from disk for the engine, and the one directory walk that finds `.pol` files
//! for `check`, `test` and `fmt`.

use std::collections::HashSet;
use std::io::Read;
use std::path::{Path, PathBuf};

use pol::diagnostic::{Diagnostic, Setting};
use pol::engine::{FileSystem, ReadError};

/// The real file system.
pub struct DiskFiles;

impl FileSystem for DiskFiles {
    fn read(&self, path: &Path, max_bytes: u64) -> Result<Vec<u8>, ReadError> {
        read_limited(path, max_bytes)
    }

    fn list(&self, folder: &Path) -> Vec<pol::engine::Listed> {
        let Ok(entries) = std::fs::read_dir(folder) else {
            return Vec::new();
        };
        entries
            .filter_map(Result::ok)
            .map(|entry| pol::engine::Listed {
                name: entry.file_name().to_string_lossy().into_owned(),
                // A link to a folder is a folder to complete into.
                is_folder: std::fs::metadata(entry.path()).is_ok_and(|metadata| metadata.is_dir()),
            })
            .collect()
    }

    fn canonical(&self, path: &Path) -> Result<PathBuf, String> {
        match std::fs::canonicalize(path) {
            Ok(canonical) => Ok(canonical),
            // A pipe named `/dev/fd/63` (from `pol check <(…)`) or `/dev/stdin` opens, but its
            // link leads to no path; its folder, made canonical, still names it.
            Err(error) if std::fs::metadata(path).is_ok() => {
                let (Some(folder), Some(name)) = (path.parent(), path.file_name()) else {
                    return Err(describe(&error));
                };
                let folder = if folder.as_os_str().is_empty() {
                    Path::new(".")
                } else {
                    folder
                };
                std::fs::canonicalize(folder)
                    .map(|folder| folder.join(name))
                    .map_err(|_| describe(&error))
            }
            Err(error) => Err(describe(&error)),
        }
    }
}

/// Reads a policy file, refusing before reading if it is larger than `max_bytes` or is not a
/// regular file (a FIFO would block forever, a device never end).
pub fn read_limited(path: &Path, max_bytes: u64) -> Result<Vec<u8>, ReadError> {
    let failed = |error: std::io::Error| ReadError::Failed(describe(&error));
    // Opened without blocking, so that a FIFO with no writer cannot hang the open itself; the
    // type is then read from the open file, so it cannot change between the check and the read.
    let file = open_nonblocking(path).map_err(failed)?;
    let metadata = file.metadata().map_err(failed)?;
    if !metadata.is_file() {
        return Err(ReadError::Failed(format!(
            "it is {}, not a regular file",
            file_kind(&metadata.file_type())
        )));
    }
    let size = metadata.len();
    if size > max_bytes {
        return Err(ReadError::TooLarge {
            size,
            limit: max_bytes,
        });
    }
    let mut bytes = Vec::with_capacity(size as usize);
    // Read at most one byte past the limit, in case the file grew since its size was read.
    file.take(max_bytes + 1).read_to_end(&mut bytes).map_err(failed)?;
    if bytes.len() as u64 > max_bytes {
        return Err(ReadError::TooLarge {
            size: bytes.len() as u64,
            limit: max_bytes,
        });
    }
    Ok(bytes)
}

#[cfg(unix)]
fn open_nonblocking(path: &Path) -> std::io::Result<std::fs::File> {
    use std::os::unix::fs::OpenOptionsExt;
    std::fs::OpenOptions::new()
        .read(true)
        .custom_flags(libc::O_NONBLOCK)
        .open(path)
}

#[cfg(not(unix))]
fn open_nonblocking(path: &Path) -> std::io::Result<std::fs::File> {
    std::fs::File::open(path)
}

/// What a file that is not a regular file is, in words.
pub fn file_kind(file_type: &std::fs::FileType) -> &'static str {
    #[cfg(unix)]
    {
        use std::os::unix::fs::FileTypeExt;
        if file_type.is_fifo() {
            return "a FIFO (named pipe)";
        }
        if file_type.is_char_device() {
            return "a character device";
        }
        if file_type.is_block_device() {
            return "a block device";
        }
        if file_type.is_socket() {
            return "a socket";
        }
    }
    if file_type.is_dir() {
        "a directory"
    } else if file_type.is_file() {
        "a regular file"
    } else {
        "not a file Pol reads"
    }
}

/// The size of the blocks facts are read in: a NUL byte is found within one block of it.
const FACTS_BLOCK: usize = 64 << 10;

/// Reads a facts file: any readable file but a directory, a FIFO or `/dev/stdin` too (process
/// substitution), up to `max_bytes`. Reading stops at the block holding a NUL byte, which no facts
/// text holds: the facts reader then reports it, and a binary file or `/dev/zero` costs one block.
pub fn read_facts(path: &Path, max_bytes: u64) -> Result<Vec<u8>, ReadError> {
    let failed = |error: std::io::Error| ReadError::Failed(describe(&error));
    let file = std::fs::File::open(path).map_err(failed)?;
    let metadata = file.metadata().map_err(failed)?;
    if metadata.is_dir() {
        return Err(ReadError::Failed("it is a directory".into()));
    }
    // A regular file's size is known: refuse before reading one that is too large.
    if metadata.is_file() && metadata.len() > max_bytes {
        return Err(ReadError::TooLarge {
            size: metadata.len(),
            limit: max_bytes,
        });
    }
    let size_hint = if metadata.is_file() { metadata.len() } else { 0 };
    read_facts_from(file, max_bytes, size_hint).map_err(failed)?
}

/// Reads facts from a stream up to `max_bytes`, stopping at a NUL byte (see [`read_facts`]).
/// `size_hint` is the size expected (a regular file's), so its bytes are allocated once.
pub fn read_facts_from(
    mut reader: impl Read,
    max_bytes: u64,
    size_hint: u64,
) -> std::io::Result<Result<Vec<u8>, ReadError>> {
    let hint = usize::try_from(size_hint.min(max_bytes)).unwrap_or(0);
    let mut bytes = Vec::with_capacity(hint.saturating_add(FACTS_BLOCK));
    loop {
        let start = bytes.len();
        bytes.resize(start + FACTS_BLOCK, 0);
        let n_read = loop {
            match reader.read(&mut bytes[start..]) {
                Ok(n_read) => break n_read,
                Err(error) if error.kind() == std::io::ErrorKind::Interrupted => continue,
                Err(error) => return Err(error),
            }
        };
        bytes.truncate(start + n_read);
        if n_read == 0 {
            return Ok(Ok(bytes));
        }
        if let Some(nul) = memchr::memchr(0, &bytes[start..]) {
            // Keep the rest of the block up to its last line break, so the diagnostic can show the
            // lines around the NUL; a line break never cuts a UTF-8 character.
            let nul = start + nul;
            let end = bytes[nul..]
                .iter()
                .rposition(|&byte| byte == b'\n')
                .map_or(nul + 1, |idx| nul + idx + 1);
            bytes.truncate(end);
            return Ok(Ok(bytes));
        }
        if bytes.len() as u64 > max_bytes {
            return Ok(Err(ReadError::TooLarge {
                size: bytes.len() as u64,
                limit: max_bytes,
            }));
        }
    }
}

/// An I/O error in the words of a message: lowercase, without Rust's `(os error 2)`.
pub fn describe(error: &std::io::Error) -> String {
    match error.kind() {
        std::io::ErrorKind::NotFound => "no such file".into(),
        std::io::ErrorKind::PermissionDenied => "permission denied".into(),
        std::io::ErrorKind::IsADirectory => "it is a directory".into(),
        _ => {
            let text = error.to_string();
            let text = text.find(" (os error").map_or(text.as_str(), |end| &text[..end]);
            let mut chars = text.chars();
            match chars.next() {
                Some(first) => first.to_lowercase().chain(chars).collect(),
                None => String::new(),
            }
        }
    }
}

/// The name of the marker file that keeps a folder out of directory walks: a folder holding a
/// file of this name (whatever it contains) is skipped, with everything below it.
pub const SKIP_MARKER: &str = ".polskip";

/// The `.pol` files a walk found, and what it has to say about the rest.
#[derive(Debug, Default)]
pub struct Policies {
    /// The files, each real file once, in the order of the roots and sorted within each folder.
    pub files: Vec<PathBuf>,
    /// Folders skipped because they hold a [`SKIP_MARKER`].
    pub skipped: Vec<PathBuf>,
    /// Roots and folders that could not be read (errors) and links not followed (warnings).
    pub diagnostics: Vec<Diagnostic>,
}

/// Finds the policies named by `roots`, as `check`, `test` and `fmt` take them.
///
/// A root that is a file is taken as it is, whatever its extension. A root that is a folder is
/// searched for regular `.pol` files, skipping hidden entries, folders named `target` and folders holding
/// a [`SKIP_MARKER`] (a folder named as a root is always searched). Symbolic links to files are
/// followed; symbolic links to folders met in the search are not (a warning says so), so a link
/// loop cannot make the search endless. A file reached twice (two roots, a link and its target,
/// hard links) is listed once, under the name it was first reached by. A folder named as a root
/// in which the search finds no policy gets a warning.
pub fn collect_policies(roots: &[PathBuf]) -> Policies {
    let mut walk = Walk::default();
    for root in roots {
        let metadata = match std::fs::metadata(root) {
            Ok(metadata) => metadata,
            Err(error) => {
                walk.unreadable(root, &error);
                continue;
            }
        };
        if metadata.is_dir() {
            let n_files = walk.found.files.len();
            let n_diagnostics = walk.found.diagnostics.len();
            let first_time = !walk.seen.contains(&identity(root, &metadata));
            walk.folder(root, &metadata);
            // A folder with nothing in it to check or test would pass unnoticed, as when a job
            // runs in the wrong folder; one that could not be read is reported already.
            let unreadable = walk.found.diagnostics[n_diagnostics..]
                .iter()
                .any(Diagnostic::is_error);
            if first_time && walk.found.files.len() == n_files && !unreadable {
                let shown = root.display().to_string();
                walk.found.diagnostics.push(pol::engine::no_policies(&shown));
            }
        } else if metadata.is_file() {
            walk.file(root, &metadata);
        } else {
            // A device or a named pipe named as a policy: reading it could wait forever or never end.
            walk.not_regular(root, &metadata);
        }
    }
    walk.found
}

/// The state of one search: what it found, and every real file and folder seen so far.
#[derive(Default)]
struct Walk {
    found: Policies,
    seen: HashSet<Identity>,
}

/// What makes a file or folder the same one under two names.
#[derive(Hash, PartialEq, Eq)]
enum Identity {
    /// Device and inode.
    #[cfg_attr(not(unix), allow(dead_code))]
    Inode(u64, u64),
    /// The canonical path, where there are no inodes.
    #[cfg_attr(unix, allow(dead_code))]
    Path(PathBuf),
}

fn identity(path: &Path, metadata: &std::fs::Metadata) -> Identity {
    #[cfg(unix)]
    {
        use std::os::unix::fs::MetadataExt;
        let _ = path;
        Identity::Inode(metadata.dev(), metadata.ino())
    }
    #[cfg(not(unix))]
    {
        let _ = metadata;
        Identity::Path(std::fs::canonicalize(path).unwrap_or_else(|_| path.to_path_buf()))
    }
}

impl Walk {
    fn unreadable(&mut self, path: &Path, error: &std::io::Error) {
        let name = path.display().to_string();
        let diagnostic = pol::engine::read_error(
            &name,
            &ReadError::Failed(describe(error)),
            None,
            Setting::PolicyBytes,
        );
        self.found.diagnostics.push(diagnostic);
    }

    fn not_regular(&mut self, path: &Path, metadata: &std::fs::Metadata) {
        let kind = file_kind(&metadata.file_type());
        let problem = format!("it is {kind}, not a policy file or a directory");
        let name = path.display().to_string();
        let diagnostic =
            pol::engine::read_error(&name, &ReadError::Failed(problem), None, Setting::PolicyBytes);
        self.found.diagnostics.push(diagnostic);
    }

    fn file(&mut self, path: &Path, metadata: &std::fs::Metadata) {
        if self.seen.insert(identity(path, metadata)) {
            self.found.files.push(path.to_path_buf());
        }
    }

    fn folder(&mut self, path: &Path, metadata: &std::fs::Metadata) {
        if !self.seen.insert(identity(path, metadata)) {
            return;
        }
        let listing = match std::fs::read_dir(path) {
            Ok(listing) => listing,
            Err(error) => return self.unreadable(path, &error),
        };
        let mut entries = Vec::new();
        for entry in listing {
            match entry {
                Ok(entry) => entries.push(entry),
                Err(error) => return self.unreadable(path, &error),
            }
        }
        entries.sort_by_key(|entry| entry.file_name());
        for entry in entries {
            let name = entry.file_name().to_string_lossy().into_owned();
            if name.starts_with('.') || name == "target" {
                continue;
            }
            let entry_path = entry.path();
            let is_link = entry.file_type().is_ok_and(|kind| kind.is_symlink());
            // The link's target, or the entry itself.
            let metadata = match std::fs::metadata(&entry_path) {
                Ok(metadata) => metadata,
                // A broken link or a file that vanished: a policy by its name is still reported,
                // so that it cannot silently drop out of a check.
                Err(_) if entry_path.extension().is_some_and(|ext| ext == "pol") => {
                    self.found.files.push(entry_path);
                    continue;
                }
                Err(_) => continue,
            };
            if metadata.is_dir() {
                if is_link {
                    let shown = entry_path.display().to_string();
                    self.found
                        .diagnostics
                        .push(pol::engine::link_not_followed(&shown));
                } else if entry_path.join(SKIP_MARKER).exists() {
                    self.found.skipped.push(entry_path);
                } else {
                    self.folder(&entry_path, &metadata);
                }
            } else if entry_path.extension().is_some_and(|ext| ext == "pol") {
                if metadata.is_file() {
                    self.file(&entry_path, &metadata);
                } else {
                    // Reading a named pipe or a device could wait forever; it is named, not read,
                    // so that a policy cannot silently drop out of a check.
                    self.not_regular(&entry_path, &metadata);
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn read(bytes: &[u8], max_bytes: u64) -> Result<Vec<u8>, ReadError> {
        read_facts_from(bytes, max_bytes, 0).unwrap()
    }

    #[test]
    fn facts_are_read_whole_up_to_the_limit() {
        assert_eq!(read(b"code\nJP\n", 100).unwrap(), b"code\nJP\n");
        let big = vec![b'a'; 3 * FACTS_BLOCK];
        assert_eq!(read(&big, 3 * FACTS_BLOCK as u64).unwrap(), big);
        assert!(matches!(
            read(&big, FACTS_BLOCK as u64),
            Err(ReadError::TooLarge { .. })
        ));
    }

    #[test]
    fn reading_stops_at_the_block_holding_a_nul_and_its_last_line_break() {
        let mut bytes = b"code\nJP\n\0US\nGB\nFR".to_vec();
        assert_eq!(read(&bytes, 100).unwrap(), b"code\nJP\n\0US\nGB\n");
        bytes.truncate(9);
        assert_eq!(read(&bytes, 100).unwrap(), b"code\nJP\n\0");
        // Far more NULs than the limit: refused for the NUL, not the size, after one block.
        let zeros = std::io::Read::take(std::io::repeat(0), 1 << 40);
        let read = read_facts_from(zeros, 10, 0).unwrap().unwrap();
        assert!(read.len() <= FACTS_BLOCK, "{} bytes", read.len());
        assert_eq!(read.last(), Some(&0));
    }
}
