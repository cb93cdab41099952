//! Where sets and lists live while deciding: the arena of an id (facts, constants, one rule's
//! scratch space) is in its top bits, the index in the arena below.

use crate::value::SeqId;

/// The bits of an id below its arena.
pub(crate) const ARENA_SHIFT: u32 = 30;
/// Sets and lists of the facts.
pub(crate) const ARENA_FACTS: u32 = 0;
/// Sets and lists of the policy's constants.
pub(crate) const ARENA_CONSTS: u32 = 1;
/// Sets and lists built while evaluating a rule of one decision.
pub(crate) const ARENA_SCRATCH: u32 = 2;
/// The index of an id in its arena.
pub(crate) const INDEX_MASK: u32 = (1 << ARENA_SHIFT) - 1;

/// The id of the set or list at `idx` of an arena.
pub(crate) fn seq_id(arena: u32, idx: usize) -> SeqId {
    SeqId((arena << ARENA_SHIFT) | (idx as u32 & INDEX_MASK))
}
