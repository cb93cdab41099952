//! The keys that lookups by a computed key (`ConflictYear[t.recipient, y]`) found no fact for,
//! each given a row number past every real row, so that a missing fact can name the key it
//! missed (`ConflictYear["Mali", 2014]`). Filled while deciding, from any thread.

use std::collections::HashMap;
use std::sync::Mutex;

use crate::check::ir::RecordId;
use crate::value::Value;

/// The first row number given to a missed key: no table holds this many rows.
pub const MISSED_BASE: u32 = 0x8000_0000;

/// The keys looked up and not found, in the order first missed.
#[derive(Debug, Default)]
pub struct MissedKeys {
    inner: Mutex<Missed>,
}

#[derive(Clone, Debug, Default)]
struct Missed {
    rows: HashMap<(RecordId, Box<[Value]>), u32>,
    keys: Vec<(RecordId, Box<[Value]>)>,
    /// The lookup (its index in `Program::lookups`) that first missed each key.
    first_lookups: Vec<u32>,
}

impl Clone for MissedKeys {
    fn clone(&self) -> MissedKeys {
        MissedKeys {
            inner: Mutex::new(self.lock().clone()),
        }
    }
}

impl MissedKeys {
    fn lock(&self) -> std::sync::MutexGuard<'_, Missed> {
        // A panic while the lock is held leaves the map whole (every change is one insert and
        // one push), so a poisoned lock is still read.
        self.inner
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    /// The row number standing for a key of `record` that no fact has, missed by `lookup`.
    pub fn row(&self, record: RecordId, key: &[Value], lookup: u32) -> u32 {
        let mut missed = self.lock();
        let probe = (record, Box::<[Value]>::from(key));
        if let Some(row) = missed.rows.get(&probe) {
            return *row;
        }
        let row = MISSED_BASE + u32::try_from(missed.keys.len()).expect("missed keys are counted in u32");
        missed.rows.insert(probe.clone(), row);
        missed.keys.push(probe);
        missed.first_lookups.push(lookup);
        row
    }

    /// The record type and key a missed row stands for; `None` for a real row.
    pub fn key(&self, row: u32) -> Option<(RecordId, Box<[Value]>)> {
        let idx = row.checked_sub(MISSED_BASE)? as usize;
        self.lock().keys.get(idx).cloned()
    }

    /// Every key missed so far, in the order first missed, each with its row number and the
    /// lookup that first missed it.
    pub fn keys(&self) -> Vec<(u32, u32)> {
        let missed = self.lock();
        (0..missed.keys.len())
            .map(|idx| (MISSED_BASE + idx as u32, missed.first_lookups[idx]))
            .collect()
    }
}

/// Whether a row number stands for a missed key rather than a row of a table.
pub fn is_missed(row: u32) -> bool {
    row >= MISSED_BASE
}
