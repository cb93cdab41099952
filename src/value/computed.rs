//! Texts made while evaluating (`lower(t.name)`), kept for as long as the facts they were made
//! from, so that a computed text is a `Sym` like any other and can be shown in a derivation.

use std::collections::HashMap;
use std::sync::{Mutex, OnceLock};

/// The symbols of computed texts start here; the interner's own texts stay below.
pub(crate) const COMPUTED_BASE: u32 = 1 << 31;

/// Slots of the first segment; each later segment doubles.
const FIRST_SEGMENT: usize = 256;
const N_SEGMENTS: usize = 23;

/// A run of slots, each written once.
type Segment = Box<[OnceLock<Box<str>>]>;

/// An append-only store of texts that many threads may add to while others read: each text is
/// written once into a slot that never moves, so reading needs no lock.
pub(crate) struct ComputedTexts {
    ids: Mutex<HashMap<Box<str>, u32>>,
    segments: [OnceLock<Segment>; N_SEGMENTS],
}

impl Default for ComputedTexts {
    fn default() -> ComputedTexts {
        ComputedTexts {
            ids: Mutex::new(HashMap::new()),
            segments: std::array::from_fn(|_| OnceLock::new()),
        }
    }
}

impl std::fmt::Debug for ComputedTexts {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ComputedTexts").finish_non_exhaustive()
    }
}

/// The segment and slot of an index.
fn slot_of(idx: usize) -> (usize, usize) {
    let shifted = idx / FIRST_SEGMENT + 1;
    let segment = (usize::BITS - 1 - shifted.leading_zeros()) as usize;
    let start = ((1 << segment) - 1) * FIRST_SEGMENT;
    (segment, idx - start)
}

impl ComputedTexts {
    /// The index of a text, adding it if new; `None` once the store is full.
    pub(crate) fn intern(&self, text: &str) -> Option<u32> {
        let mut ids = self.ids.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
        if let Some(idx) = ids.get(text) {
            return Some(*idx);
        }
        let idx = ids.len();
        let (segment, slot) = slot_of(idx);
        let slots = self
            .segments
            .get(segment)?
            .get_or_init(|| (0..FIRST_SEGMENT << segment).map(|_| OnceLock::new()).collect());
        // The slot is new: no other thread holds the lock to fill it.
        let _ = slots[slot].set(text.into());
        let idx = u32::try_from(idx).ok().filter(|idx| *idx < COMPUTED_BASE)?;
        ids.insert(text.into(), idx);
        Some(idx)
    }

    /// The text at an index.
    pub(crate) fn get(&self, idx: u32) -> Option<&str> {
        let (segment, slot) = slot_of(idx as usize);
        self.segments
            .get(segment)?
            .get()?
            .get(slot)?
            .get()
            .map(|text| &**text)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn computed_texts_keep_their_index_across_segments() {
        let texts = ComputedTexts::default();
        for n in 0..2000 {
            assert_eq!(texts.intern(&format!("t{n}")), Some(n));
        }
        assert_eq!(texts.intern("t7"), Some(7));
        assert_eq!(texts.get(1999), Some("t1999"));
        assert_eq!(texts.get(255), Some("t255"));
        assert_eq!(texts.get(256), Some("t256"));
        assert_eq!(texts.get(2000), None);
    }
}
