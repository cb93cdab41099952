//! A `FileSystem` held in memory, for front ends without a disk and for tests: it counts the
//! reads of each file, so a test can show what a session reads again.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::Mutex;

use crate::engine::{FileSystem, Listed, ReadError, normalize};

/// Files in memory, by absolute path, with a count of the reads of each.
#[derive(Debug, Default)]
pub struct MemoryFiles {
    files: Mutex<BTreeMap<PathBuf, Vec<u8>>>,
    reads: Mutex<BTreeMap<PathBuf, usize>>,
}

impl MemoryFiles {
    /// No files.
    pub fn new() -> MemoryFiles {
        MemoryFiles::default()
    }

    /// Writes a file, replacing any text it had.
    pub fn write(&self, path: impl AsRef<Path>, text: impl Into<Vec<u8>>) {
        self.lock_files().insert(normalize(path.as_ref()), text.into());
    }

    /// Deletes a file.
    pub fn delete(&self, path: impl AsRef<Path>) {
        self.lock_files().remove(&normalize(path.as_ref()));
    }

    /// How many times a file was read.
    pub fn n_reads(&self, path: impl AsRef<Path>) -> usize {
        let reads = self
            .reads
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        reads.get(&normalize(path.as_ref())).copied().unwrap_or(0)
    }

    fn lock_files(&self) -> std::sync::MutexGuard<'_, BTreeMap<PathBuf, Vec<u8>>> {
        // A panic elsewhere cannot leave the map half-written: every change is one insert or remove.
        self.files
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }
}

impl FileSystem for MemoryFiles {
    fn read(&self, path: &Path, max_bytes: u64) -> Result<Vec<u8>, ReadError> {
        let path = normalize(path);
        let bytes = self
            .lock_files()
            .get(&path)
            .cloned()
            .ok_or_else(|| ReadError::Failed("no such file".to_string()))?;
        let size = bytes.len() as u64;
        if size > max_bytes {
            return Err(ReadError::TooLarge {
                size,
                limit: max_bytes,
            });
        }
        let mut reads = self
            .reads
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        *reads.entry(path).or_default() += 1;
        Ok(bytes)
    }

    fn canonical(&self, path: &Path) -> Result<PathBuf, String> {
        let path = normalize(path);
        if self.lock_files().contains_key(&path) {
            Ok(path)
        } else {
            Err("no such file".to_string())
        }
    }

    fn list(&self, folder: &Path) -> Vec<Listed> {
        let folder = normalize(folder);
        let mut found: Vec<Listed> = Vec::new();
        for path in self.lock_files().keys() {
            let Ok(rest) = path.strip_prefix(&folder) else {
                continue;
            };
            let mut parts = rest.components();
            let Some(first) = parts.next() else { continue };
            let entry = Listed {
                name: first.as_os_str().to_string_lossy().into_owned(),
                is_folder: parts.next().is_some(),
            };
            if !found.contains(&entry) {
                found.push(entry);
            }
        }
        found
    }
}
