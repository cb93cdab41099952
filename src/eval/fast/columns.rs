//! The fast path's columns: the fields the rules read, copied once per evaluator into a tag
//! byte and a 32-bit payload per row (words when a payload does not fit), and the sets and lists
//! of the facts and constants as arrays of payloads for membership tests.

use crate::check::ir::RecordId;
use crate::facts::Facts;
use crate::value::Value;

use super::word::{BOOL, DATE, GIVE_UP, INT, NONE, SEQ, Word};

/// The cells of one field of a record type, by row. Most fields are narrow: a tag byte and a
/// 32-bit payload per row, a third of a word, so a batch reads less memory.
#[derive(Debug)]
pub(crate) enum Cells {
    /// Tags and payloads apart, at `start` in [`Narrow`]'s arrays, `rows` of them; payloads of
    /// integers and dates, when `signed`, are sign-extended. Only a field with a boolean cell
    /// (`boolean`) has true rows.
    Narrow {
        start: usize,
        rows: usize,
        signed: bool,
        boolean: bool,
    },
    /// Words, for a field with a payload that does not fit.
    Wide(Box<[Word]>),
}

/// The tags and payloads of every narrow field, one field after another, in two arrays: where
/// the copies lie does not depend on what the process allocated and freed before.
#[derive(Debug, Default)]
pub(crate) struct Narrow {
    pub(crate) tags: Box<[u8]>,
    pub(crate) payloads: Box<[u32]>,
}

impl Narrow {
    /// The tags and payloads of a narrow field.
    #[inline(always)]
    pub(crate) fn field(&self, start: usize, rows: usize) -> (&[u8], &[u32]) {
        let end = start.saturating_add(rows);
        (
            self.tags.get(start..end).unwrap_or_default(),
            self.payloads.get(start..end).unwrap_or_default(),
        )
    }
}

impl Narrow {
    /// The cell of a field in a record's row as a word; giving up past the last row.
    #[inline(always)]
    pub(crate) fn cell(&self, cells: &Cells, row: usize) -> Word {
        match cells {
            Cells::Narrow {
                start, rows, signed, ..
            } => {
                let idx = start.saturating_add(row);
                let cell = if row < *rows {
                    (self.tags.get(idx), self.payloads.get(idx))
                } else {
                    (None, None)
                };
                match cell {
                    (Some(tag), Some(payload)) if *signed => {
                        Word::new(u64::from(*tag), *payload as i32 as i64 as u64)
                    }
                    (Some(tag), Some(payload)) => Word::new(u64::from(*tag), u64::from(*payload)),
                    _ => Word::GIVE_UP,
                }
            }
            Cells::Wide(words) => words.get(row).copied().unwrap_or(Word::GIVE_UP),
        }
    }
}

/// Copies the fields the rules read, each `(record, field)` once: narrow fields into one pair of
/// arrays, the others as words.
pub(crate) fn copy_fields(facts: &Facts, read: &[(RecordId, u32)]) -> (Vec<Cells>, Narrow) {
    let (mut tags, mut payloads) = (Vec::new(), Vec::new());
    let cells = read
        .iter()
        .map(|(record, field)| {
            let Some(table) = facts.tables.get(record.idx()) else {
                return Cells::Wide(Box::default());
            };
            let words: Vec<Word> = (*field as usize..table.cells.len())
                .step_by(table.n_fields.max(1))
                .map(|idx| Word::cell(table.cells[idx]))
                .collect();
            let signed = words.iter().any(|word| matches!(word.tag, INT | DATE));
            let fits = |word: &Word| match word.tag {
                INT | DATE => i32::try_from(word.bits as i64).is_ok(),
                // The payload of a tag without sign (or none) must not need one.
                _ => !signed && u32::try_from(word.bits).is_ok(),
            };
            let narrow = words
                .iter()
                .all(|word| fits(word) || (matches!(word.tag, GIVE_UP | NONE) && word.bits == 0));
            if !narrow {
                return Cells::Wide(words.into());
            }
            let start = tags.len();
            tags.extend(words.iter().map(|word| word.tag as u8));
            payloads.extend(words.iter().map(|word| word.bits as u32));
            Cells::Narrow {
                start,
                rows: words.len(),
                signed,
                boolean: words.iter().any(|word| word.tag == BOOL),
            }
        })
        .collect();
    let narrow = Narrow {
        tags: tags.into(),
        payloads: payloads.into(),
    };
    (cells, narrow)
}

/// Sets and lists whose elements share one tag, as their payloads one after the other: a
/// membership test compares integers. Elements of one tag are ordered by `Value` as their
/// payloads are as signed integers, so a set's payloads are sorted.
#[derive(Debug, Default)]
pub(crate) struct Elements {
    pub(crate) bits: Box<[i64]>,
    /// Per sequence: where its payloads start, how many, and their tag ([`GIVE_UP`] for a
    /// sequence with elements of several tags or of sets, which is tested by value).
    pub(crate) seqs: Box<[(u32, u32, u64)]>,
}

impl Elements {
    pub(crate) fn new<'v>(seqs: impl Iterator<Item = &'v [Value]>) -> Elements {
        let mut bits = Vec::new();
        let mut table = Vec::new();
        for seq in seqs {
            let start = bits.len();
            let words = seq.iter().map(|value| Word::of(*value));
            let tag = words.clone().next().map_or(NONE, |word| word.tag);
            let uniform = tag != SEQ && words.clone().all(|word| word.tag == tag);
            if uniform && u32::try_from(start + seq.len()).is_ok() {
                bits.extend(words.map(|word| word.bits as i64));
                table.push((start as u32, seq.len() as u32, tag));
            } else {
                table.push((0, 0, GIVE_UP));
            }
        }
        Elements {
            bits: bits.into(),
            seqs: table.into(),
        }
    }

    /// The tag and payloads of a sequence, `None` if it is not uniform.
    #[inline]
    pub(crate) fn get(&self, idx: usize) -> Option<(u64, &[i64])> {
        let (start, len, tag) = *self.seqs.get(idx)?;
        if tag == GIVE_UP {
            return None;
        }
        Some((tag, &self.bits[start as usize..(start + len) as usize]))
    }
}
