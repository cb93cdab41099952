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

/// Reads a file, refusing before reading if it is larger than `max_bytes`.
pub fn read_limited(path: &Path, max_bytes: u64) -> Result<Vec<u8>, ReadError> {
    let failed = |error: std::io::Error| ReadError::Failed(describe(&error));
    let file = std::fs::File::open(path).map_err(failed)?;
    let metadata = file.metadata().map_err(failed)?;
    if metadata.is_dir() {
        return Err(ReadError::Failed("it is a directory".into()));
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
