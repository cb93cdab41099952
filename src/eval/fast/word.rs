//! The fast path's values and rows: a value as a tag and a payload word (`Word`), the batch
//! size, and the bit masks of rows a batch computes.

use std::cell::Cell;

use crate::value::{Date, SeqId, Sym, Value};

/// A value as two machine words, compact and cheap to compare: a tag and a payload, with one encoding per value, so equal values are equal
/// words. Tag 0 is no value: the fast path gives up.
#[derive(Copy, Clone, Debug, PartialEq, Eq)]
pub(crate) struct Word {
    pub(crate) tag: u64,
    pub(crate) bits: u64,
}

/// Tag: No value: the row gives up.
pub(crate) const GIVE_UP: u64 = 0;
/// Tag: `none`.
pub(crate) const NONE: u64 = 1;
/// Tag: A boolean: payload 0 or 1.
pub(crate) const BOOL: u64 = 2;
/// Tag: An integer: its two's complement.
pub(crate) const INT: u64 = 3;
/// Tag: Interned text: its symbol.
pub(crate) const TEXT: u64 = 4;
/// Tag: A date: days since 1970, sign-extended.
pub(crate) const DATE: u64 = 5;
/// Tag: An enum variant: its index.
pub(crate) const VARIANT: u64 = 6;
/// Tag: A record: its row.
pub(crate) const RECORD: u64 = 7;
/// Tag: A set or list: its arena id.
pub(crate) const SEQ: u64 = 8;

impl Word {
    pub(crate) const GIVE_UP: Word = Word {
        tag: GIVE_UP,
        bits: 0,
    };

    pub(crate) fn new(tag: u64, bits: u64) -> Word {
        Word { tag, bits }
    }

    pub(crate) fn bool(value: bool) -> Word {
        Word::new(BOOL, u64::from(value))
    }

    /// The word of a known value.
    pub(crate) fn of(value: Value) -> Word {
        match value {
            Value::None => Word::new(NONE, 0),
            Value::Bool(value) => Word::bool(value),
            Value::Int(value) => Word::new(INT, value as u64),
            Value::Text(sym) => Word::new(TEXT, u64::from(sym.0)),
            Value::Date(date) => Word::new(DATE, i64::from(date.0) as u64),
            Value::Variant(idx) => Word::new(VARIANT, u64::from(idx)),
            Value::Record(row) => Word::new(RECORD, u64::from(row)),
            Value::Seq(id) => Word::new(SEQ, u64::from(id.0)),
            // The fast path has no words for these: a row that holds one is decided by the full
            // evaluator, which compares them exactly (a decimal) or three-valued (a partial date).
            Value::Decimal(_) | Value::Partial(_) => Word::GIVE_UP,
        }
    }

    /// The word of a fact's cell: giving up when it is unknown.
    #[inline]
    pub(crate) fn cell(cell: Option<Value>) -> Word {
        cell.map_or(Word::GIVE_UP, Word::of)
    }

    /// The value of a word, `None` for giving up.
    pub(crate) fn value(self) -> Option<Value> {
        Some(match self.tag {
            NONE => Value::None,
            BOOL => Value::Bool(self.bits != 0),
            INT => Value::Int(self.bits as i64),
            TEXT => Value::Text(Sym(self.bits as u32)),
            DATE => Value::Date(Date(self.bits as i64 as i32)),
            VARIANT => Value::Variant(self.bits as u32),
            RECORD => Value::Record(self.bits as u32),
            SEQ => Value::Seq(SeqId(self.bits as u32)),
            _ => return None,
        })
    }
}

/// Decisions are made [`BATCH`] subjects at a time: each node is evaluated for every row of the
/// batch that needs it before the next node, so dispatching on a node costs once per batch, and
/// truths are bit masks (row `i` is bit `i`) combined with `&`, `|` and `!`, not branches.
pub(crate) const BATCH: usize = 64;

/// The rows of a mask, in order.
pub(crate) fn rows(mut mask: u64) -> impl Iterator<Item = usize> {
    std::iter::from_fn(move || {
        if mask == 0 {
            return None;
        }
        let row = mask.trailing_zeros() as usize;
        mask &= mask - 1;
        Some(row)
    })
}

/// Sets a column in the rows of `todo` to the words `each` gives: where they are known, and
/// where they are true (none, without `TRUTHS`, for words known never to be booleans).
#[inline(always)]
pub(crate) fn fill_rows<const TRUTHS: bool>(
    column: &[Cell<Word>],
    todo: u64,
    mut each: impl FnMut(usize) -> Word,
) -> (u64, u64) {
    let (mut truths, mut knowns) = (0, 0);
    for row in rows(todo) {
        let word = each(row);
        // A row is below `BATCH`: the remainder only spares a bounds check.
        if let Some(cell) = column.get(row % BATCH) {
            cell.set(word);
        }
        knowns |= u64::from(word.tag != GIVE_UP) << row;
        if TRUTHS {
            truths |= (u64::from(word.tag == BOOL) & word.bits) << row;
        }
    }
    (truths, knowns)
}

/// The rows of `todo` where `each` gives true, and where it gives a truth (`None` to give up).
#[inline(always)]
pub(crate) fn mask_rows(todo: u64, mut each: impl FnMut(usize) -> Option<bool>) -> (u64, u64) {
    let (mut truths, mut knowns) = (0, 0);
    for row in rows(todo) {
        if let Some(value) = each(row) {
            knowns |= 1 << row;
            truths |= u64::from(value) << row;
        }
    }
    (truths, knowns)
}

/// The mask of the first `n` rows.
pub(crate) fn first_rows(n: usize) -> u64 {
    if n >= BATCH { u64::MAX } else { (1u64 << n) - 1 }
}
