//! References by key read before their targets, kept until `finish` resolves them.

use super::path::Path;
use crate::check::ir::RecordId;
use crate::source::Span;
use crate::value::Sym;

/// Where a reference by key is stored until it is resolved.
#[derive(Copy, Clone, Debug)]
pub(super) enum Slot {
    Cell { record: RecordId, cell: usize },
    Element { seq: u32, idx: u32 },
}

/// A reference by key read before its target; `finish` resolves it.
#[derive(Copy, Clone, Debug)]
pub(super) struct PendingRef {
    pub(super) target: RecordId,
    pub(super) key: Sym,
    pub(super) span: Span,
    pub(super) path: Path,
    pub(super) slot: Slot,
}
