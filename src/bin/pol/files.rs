//! Reading policies from disk for the engine, and finding `.pol` files under a directory.

use std::io::Read;
use std::path::{Path, PathBuf};

use pol::engine::{FileSystem, ReadError};

/// The real file system.
pub struct DiskFiles;

impl FileSystem for DiskFiles {
    fn read(&self, path: &Path, max_bytes: u64) -> Result<Vec<u8>, ReadError> {
        read_limited(path, max_bytes)
    }

    fn canonical(&self, path: &Path) -> Result<PathBuf, String> {
        std::fs::canonicalize(path).map_err(|error| describe(&error))
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
        if let Some(nul) = bytes[start..].iter().position(|&byte| byte == 0) {
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

fn describe(error: &std::io::Error) -> String {
    match error.kind() {
        std::io::ErrorKind::NotFound => "no such file".into(),
        std::io::ErrorKind::PermissionDenied => "permission denied".into(),
        _ => error.to_string(),
    }
}

/// Adds `path` if it is a file, or every `.pol` file below it (sorted, skipping hidden folders and
/// `target`) if it is a directory.
pub fn collect_policies(path: &Path, found: &mut Vec<PathBuf>) -> Result<(), (PathBuf, String)> {
    let failed = |error: std::io::Error| (path.to_path_buf(), describe(&error));
    let metadata = std::fs::metadata(path).map_err(failed)?;
    if metadata.is_file() {
        found.push(path.to_path_buf());
        return Ok(());
    }
    if !metadata.is_dir() {
        let kind = file_kind(&metadata.file_type());
        return Err((
            path.to_path_buf(),
            format!("it is {kind}, not a policy file or a directory"),
        ));
    }
    let mut entries: Vec<PathBuf> = std::fs::read_dir(path)
        .map_err(failed)?
        .filter_map(|entry| entry.ok().map(|entry| entry.path()))
        .collect();
    entries.sort();
    for entry in entries {
        let name = entry
            .file_name()
            .map(|name| name.to_string_lossy().into_owned())
            .unwrap_or_default();
        if name.starts_with('.') || name == "target" {
            continue;
        }
        if entry.is_dir() {
            collect_policies(&entry, found)?;
        } else if entry.extension().is_some_and(|ext| ext == "pol") {
            found.push(entry);
        }
    }
    Ok(())
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
