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

/// From this many rows asked for in a batch of 64, a node computes every row in one straight
/// loop and keeps the rows asked for, rather than walking those rows bit by bit: the loop has no
/// branch per row, and the compiler unrolls it, so it costs less once most rows are asked for.
pub(crate) const DENSE: u32 = 24;

/// As [`fill_rows`], but computing every row of the batch when most are asked for (see
/// [`DENSE`]). `each` must be cheap and defined in every row: in a row not asked for it may
/// read operands not computed for this batch, and what it gives there is dropped, so a cell
/// outside `todo` keeps its word. An empty column keeps only the masks.
#[inline(always)]
pub(crate) fn fill_lanes<const TRUTHS: bool>(
    column: &[Cell<Word>],
    todo: u64,
    mut each: impl FnMut(usize) -> Word,
) -> (u64, u64) {
    if todo.count_ones() < DENSE {
        return fill_rows::<TRUTHS>(column, todo, each);
    }
    let (mut truths, mut knowns) = (0u64, 0u64);
    for row in 0..BATCH {
        let word = each(row);
        if todo >> row & 1 != 0
            && let Some(cell) = column.get(row)
        {
            cell.set(word);
        }
        knowns |= u64::from(word.tag != GIVE_UP) << row;
        if TRUTHS {
            truths |= (u64::from(word.tag == BOOL) & word.bits) << row;
        }
    }
    (truths & todo, knowns & todo)
}

/// As [`mask_rows`], but computing every row of the batch when most are asked for (see
/// [`DENSE`]); `each` must be cheap and defined in every row, and what it gives in a row not
/// asked for is dropped.
#[inline(always)]
pub(crate) fn mask_lanes(todo: u64, mut each: impl FnMut(usize) -> Option<bool>) -> (u64, u64) {
    if todo.count_ones() < DENSE {
        return mask_rows(todo, each);
    }
    let (mut truths, mut knowns) = (0u64, 0u64);
    for row in 0..BATCH {
        let value = each(row);
        knowns |= u64::from(value.is_some()) << row;
        truths |= u64::from(value == Some(true)) << row;
    }
    (truths & todo, knowns & todo)
}

/// The mask of the first `n` rows.
pub(crate) fn first_rows(n: usize) -> u64 {
    if n >= BATCH { u64::MAX } else { (1u64 << n) - 1 }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Checks that computing every row gives the masks and cells of walking the rows asked for,
    /// and leaves the cells of the other rows alone.
    fn check(todo: u64) {
        let each = |row: usize| match row % 5 {
            0 => Word::GIVE_UP,
            1 => Word::bool(true),
            2 => Word::bool(false),
            3 => Word::new(INT, row as u64),
            _ => Word::new(NONE, 0),
        };
        let walked: Vec<Cell<Word>> = (0..BATCH).map(|_| Cell::new(Word::new(TEXT, 7))).collect();
        let lanes: Vec<Cell<Word>> = (0..BATCH).map(|_| Cell::new(Word::new(TEXT, 7))).collect();
        assert_eq!(
            fill_lanes::<true>(&lanes, todo, each),
            fill_rows::<true>(&walked, todo, each),
            "{todo:#x}"
        );
        assert_eq!(lanes, walked, "{todo:#x}");
        assert_eq!(
            fill_lanes::<true>(&[], todo, each),
            fill_rows::<true>(&[], todo, each)
        );
        let truth = |row: usize| {
            each(row)
                .value()
                .map(|value| value == crate::value::Value::Bool(true))
        };
        assert_eq!(mask_lanes(todo, truth), mask_rows(todo, truth), "{todo:#x}");
    }

    #[test]
    fn every_row_computed_at_once_gives_the_rows_asked_for_and_keeps_the_others() {
        for todo in [
            0,
            1,
            0b1011,
            u64::MAX,
            u64::MAX >> 1,
            first_rows(17),
            0x5555_5555_5555_5555,
            0xFFFF_0000_FFFF_FFF0,
        ] {
            check(todo);
        }
    }
}
