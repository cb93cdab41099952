//! The fast path's batch: the graph run over 64 subjects at a time, node after node, each for
//! the rows that need it, truths as bit masks and other values in columns of words.

use std::cell::Cell;
use std::sync::Arc;

use crate::check::ir::{ArithOp, Builtin, CompareOp, RuleId};
use crate::eval::arena::{ARENA_CONSTS, ARENA_FACTS, ARENA_SHIFT, INDEX_MASK};
use crate::eval::ops;
use crate::facts::Facts;
use crate::value::{Date, Value};

use super::columns::Cells;
use super::plan::{Node, NodeId, Plan, Source};
use super::word::{BATCH, BOOL, DATE, GIVE_UP, INT, NONE, RECORD, SEQ, Word, fill_rows, mask_rows};

/// The working memory of one batch, reused from batch to batch.
#[derive(Debug, Default)]
pub(crate) struct BatchMemory {
    /// The subjects of the batch, by row.
    pub(crate) subjects: Vec<u32>,
    /// Per node: the rows whose value is computed.
    pub(crate) computed: Vec<u64>,
    /// Per mask node: the rows where it is true, and where it is known.
    pub(crate) truths: Vec<u64>,
    pub(crate) knowns: Vec<u64>,
    /// The columns, one after the other: a column node's value in each row. Cells, so that a
    /// node's column is written while the columns of its operands are read.
    pub(crate) columns: Vec<Cell<Word>>,
    /// The date whose law applies, by row.
    pub(crate) law_dates: Vec<Option<Date>>,
}

impl BatchMemory {
    /// The value of a computed node in a row.
    #[inline(always)]
    pub(crate) fn at(&self, source: Source, row: usize) -> Word {
        match source {
            Source::Lit(word) => word,
            Source::Subject => Word::new(RECORD, u64::from(self.subjects[row])),
            Source::Column(column) => self.columns[column as usize * BATCH + row].get(),
            Source::Masks(node) => {
                let bit = 1u64 << row;
                if self.knowns[node as usize] & bit == 0 {
                    Word::GIVE_UP
                } else {
                    Word::bool(self.truths[node as usize] & bit != 0)
                }
            }
        }
    }

    /// The words of a column.
    #[inline(always)]
    pub(crate) fn words(&self, column: u32) -> &[Cell<Word>] {
        &self.columns[column as usize * BATCH..][..BATCH]
    }

    /// The column of a node computed into words.
    #[inline(always)]
    pub(crate) fn column(&self, plan: &Plan, id: NodeId) -> &[Cell<Word>] {
        &self.columns[plan.column[id as usize] as usize * BATCH..][..BATCH]
    }

    /// The subject of a row.
    #[inline(always)]
    pub(crate) fn subject(&self, row: usize) -> u32 {
        self.subjects[row]
    }

    /// Starts a batch of subjects: forgets every value of the previous one.
    pub(crate) fn start(&mut self, plan: &Plan, subjects: &[u32]) {
        let n_nodes = plan.nodes.len();
        self.subjects.clear();
        self.subjects.extend_from_slice(subjects);
        self.computed.clear();
        self.computed.extend_from_slice(&plan.always_computed);
        if self.truths.len() != n_nodes {
            self.truths = vec![0; n_nodes];
            self.knowns = vec![0; n_nodes];
        }
        if self.columns.len() != plan.n_columns * BATCH {
            self.columns = vec![Cell::new(Word::GIVE_UP); plan.n_columns * BATCH];
        }
        self.law_dates.clear();
        self.law_dates.resize(subjects.len(), None);
    }
}

/// Evaluates nodes of a plan for the rows of a batch.
pub(crate) struct BatchExec<'e> {
    pub(crate) plan: &'e Plan,
    pub(crate) facts: &'e Facts,
    pub(crate) batch: &'e mut BatchMemory,
}

impl BatchExec<'_> {
    /// The value of a computed node in a row.
    #[inline]
    pub(crate) fn word(&self, id: NodeId, row: usize) -> Word {
        self.batch.at(self.plan.sources[id as usize], row)
    }

    /// The rows of `need` where a computed boolean node is true, and where it is known.
    #[inline]
    pub(crate) fn truth(&self, id: NodeId, need: u64) -> (u64, u64) {
        let idx = id as usize;
        match self.plan.sources[idx] {
            Source::Lit(word) if word.tag == BOOL => (if word.bits != 0 { need } else { 0 }, need),
            Source::Lit(_) | Source::Subject => (0, 0),
            Source::Column(_) | Source::Masks(_) => {
                (self.batch.truths[idx] & need, self.batch.knowns[idx] & need)
            }
        }
    }

    /// The rows of `need` where a computed node is known.
    #[inline]
    pub(crate) fn known(&self, id: NodeId, need: u64) -> u64 {
        match self.plan.sources[id as usize] {
            Source::Lit(_) | Source::Subject => need,
            Source::Column(_) | Source::Masks(_) => self.batch.knowns[id as usize] & need,
        }
    }

    /// The value of a node in a row, computing it for that row if needed.
    pub(crate) fn value(&mut self, id: NodeId, row: usize) -> Option<Value> {
        self.ensure(id, 1 << row);
        self.word(id, row).value()
    }

    #[inline(always)]
    pub(crate) fn set_masks(&mut self, id: NodeId, todo: u64, truths: u64, knowns: u64) {
        let idx = id as usize;
        self.batch.truths[idx] = (self.batch.truths[idx] & !todo) | (truths & todo);
        self.batch.knowns[idx] = (self.batch.knowns[idx] & !todo) | (knowns & todo);
    }

    /// Fills a node's column in the rows of `todo`, row by row, and its masks: where it is
    /// known, and for a boolean node, where it is true.
    pub(crate) fn fill(&mut self, id: NodeId, todo: u64, mut each: impl FnMut(&BatchMemory, usize) -> Word) {
        let batch = &*self.batch;
        let (truths, knowns) = fill_rows::<true>(batch.column(self.plan, id), todo, |row| each(batch, row));
        self.set_masks(id, todo, truths, knowns);
    }

    /// Sets a mask node in the rows of `todo`, row by row: `each` gives `None` to give up.
    pub(crate) fn fill_masks(
        &mut self,
        id: NodeId,
        todo: u64,
        mut each: impl FnMut(&BatchMemory, usize) -> Option<bool>,
    ) {
        let batch = &*self.batch;
        let (truths, knowns) = mask_rows(todo, |row| each(batch, row));
        self.set_masks(id, todo, truths, knowns);
    }

    /// Computes a node in the rows of `need` where it is not yet computed, evaluating only
    /// what a row-by-row evaluation would: `and`, `or` and `if` short-circuit per row.
    #[inline]
    pub(crate) fn ensure(&mut self, id: NodeId, need: u64) {
        let todo = need & !self.batch.computed[id as usize];
        if todo != 0 {
            self.compute(id, todo);
        }
    }

    /// Fills a field node in the rows of `todo` from its base's records, with `read` giving the
    /// field of a record's row.
    #[inline(always)]
    pub(crate) fn fill_field<const TRUTHS: bool>(
        &mut self,
        id: NodeId,
        todo: u64,
        base: Source,
        read: impl Fn(usize) -> Word,
    ) {
        let read = |record: u64| usize::try_from(record).map_or(Word::GIVE_UP, &read);
        let batch = &*self.batch;
        let column = batch.column(self.plan, id);
        let (truths, knowns) = match base {
            // A field of the subject, the commonest case, read without dispatching on the base
            // for each row.
            Source::Subject => {
                let subjects = &batch.subjects[..];
                fill_rows::<TRUTHS>(column, todo, |row| {
                    subjects
                        .get(row)
                        .map_or(Word::GIVE_UP, |subject| read(u64::from(*subject)))
                })
            }
            Source::Column(base) => {
                let base = &batch.columns[base as usize * BATCH..][..BATCH];
                fill_rows::<TRUTHS>(column, todo, |row| {
                    let base = base[row % BATCH].get();
                    if base.tag != RECORD {
                        return Word::GIVE_UP;
                    }
                    read(base.bits)
                })
            }
            base => fill_rows::<TRUTHS>(column, todo, |row| {
                let base = batch.at(base, row);
                if base.tag != RECORD {
                    return Word::GIVE_UP;
                }
                read(base.bits)
            }),
        };
        self.set_masks(id, todo, truths, knowns);
    }

    /// Computes a node in the rows of `todo`.
    #[inline(never)]
    pub(crate) fn compute(&mut self, id: NodeId, todo: u64) {
        let idx = id as usize;
        self.batch.computed[idx] |= todo;
        let plan = self.plan;
        let facts = self.facts;
        let src = |id: NodeId| plan.sources[id as usize];
        match &plan.nodes[idx] {
            Node::Lit(_) | Node::Subject => {}
            Node::Field { base, .. } => {
                let base = *base;
                self.ensure(base, todo);
                let base = src(base);
                match &plan.fields[plan.field_of[idx] as usize] {
                    Cells::Narrow {
                        start,
                        rows,
                        signed,
                        boolean,
                    } => {
                        let (tags, payloads) = plan.narrow.field(*start, *rows);
                        let n = tags.len().min(payloads.len());
                        let (tags, payloads) = (&tags[..n], &payloads[..n]);
                        let cell = |row: usize| {
                            if row < n {
                                Some((u64::from(tags[row]), payloads[row]))
                            } else {
                                None
                            }
                        };
                        let unsigned = |row: usize| {
                            cell(row)
                                .map_or(Word::GIVE_UP, |(tag, payload)| Word::new(tag, u64::from(payload)))
                        };
                        match (*signed, *boolean) {
                            (true, _) => self.fill_field::<false>(id, todo, base, |row| {
                                cell(row).map_or(Word::GIVE_UP, |(tag, payload)| {
                                    Word::new(tag, payload as i32 as i64 as u64)
                                })
                            }),
                            (false, true) => self.fill_field::<true>(id, todo, base, unsigned),
                            (false, false) => self.fill_field::<false>(id, todo, base, unsigned),
                        }
                    }
                    Cells::Wide(words) => self.fill_field::<true>(id, todo, base, |row| {
                        words.get(row).copied().unwrap_or(Word::GIVE_UP)
                    }),
                }
            }
            Node::Not(inner) => {
                self.ensure(*inner, todo);
                let (truths, knowns) = self.truth(*inner, todo);
                self.set_masks(id, todo, !truths & knowns, knowns);
            }
            Node::IsSome(inner) | Node::IsNone(inner) => {
                let some = matches!(plan.nodes[idx], Node::IsSome(_));
                let inner = *inner;
                self.ensure(inner, todo);
                let test = move |word: Word| match word.tag {
                    GIVE_UP => None,
                    tag => Some((tag != NONE) == some),
                };
                match src(inner) {
                    Source::Column(column) => {
                        let words = self.batch.words(column);
                        let (truths, knowns) = mask_rows(todo, |row| test(words[row % BATCH].get()));
                        self.set_masks(id, todo, truths, knowns);
                    }
                    inner => self.fill_masks(id, todo, |b, row| test(b.at(inner, row))),
                }
            }
            Node::And(left, right) | Node::Or(left, right) => {
                // `and` settles on a false left, `or` on a true one; the right is evaluated
                // only in the other rows.
                let settles_on = matches!(plan.nodes[idx], Node::Or(..));
                let (left, right) = (*left, *right);
                self.ensure(left, todo);
                let (left_true, left_known) = self.truth(left, todo);
                let settled = left_known & if settles_on { left_true } else { !left_true };
                let rest = left_known & !settled;
                self.ensure(right, rest);
                let (right_true, right_known) = self.truth(right, rest);
                let truths = if settles_on {
                    settled | right_true
                } else {
                    right_true
                };
                self.set_masks(id, todo, truths, settled | right_known);
            }
            Node::Compare(op, left, right) => {
                let (op, left, right) = (*op, *left, *right);
                self.ensure(left, todo);
                self.ensure(right, todo);
                match (src(left), src(right)) {
                    (Source::Column(column), Source::Lit(right)) => {
                        let words = self.batch.words(column);
                        let (truths, knowns) =
                            mask_rows(todo, |row| compare(op, words[row % BATCH].get(), right));
                        self.set_masks(id, todo, truths, knowns);
                    }
                    (left, Source::Lit(right)) => {
                        self.fill_masks(id, todo, |b, row| compare(op, b.at(left, row), right));
                    }
                    (Source::Column(left), Source::Column(right)) => {
                        let (left, right) = (self.batch.words(left), self.batch.words(right));
                        let (truths, knowns) = mask_rows(todo, |row| {
                            compare(op, left[row % BATCH].get(), right[row % BATCH].get())
                        });
                        self.set_masks(id, todo, truths, knowns);
                    }
                    (left, right) => {
                        self.fill_masks(id, todo, |b, row| compare(op, b.at(left, row), b.at(right, row)));
                    }
                }
            }
            Node::In {
                element,
                set,
                negated,
                is_set,
            } => {
                let (element, set, negated, is_set) = (*element, *set, *negated, *is_set);
                self.ensure(element, todo);
                self.ensure(set, todo);
                let element = src(element);
                let find = |set: u64, element: Word| member(plan, facts, set, element, negated, is_set);
                match (src(set), element) {
                    // A set of the policy's constants, found once for the batch.
                    (Source::Lit(set), _) if set.tag == SEQ => match plan.elements(set.bits) {
                        Some((tag, bits)) if is_set => {
                            let test = |element: Word| match element.tag {
                                GIVE_UP | SEQ => None,
                                found if found != tag => Some(negated),
                                _ => Some(bits.binary_search(&(element.bits as i64)).is_ok() != negated),
                            };
                            if let Source::Column(element) = element {
                                let words = self.batch.words(element);
                                let (truths, knowns) = mask_rows(todo, |row| test(words[row % BATCH].get()));
                                self.set_masks(id, todo, truths, knowns);
                            } else {
                                self.fill_masks(id, todo, |b, row| test(b.at(element, row)));
                            }
                        }
                        _ => self.fill_masks(id, todo, |b, row| find(set.bits, b.at(element, row))),
                    },
                    // A set of each row's, read with its elements from columns.
                    (Source::Column(set), Source::Column(element)) => {
                        let (set, element) = (self.batch.words(set), self.batch.words(element));
                        let (truths, knowns) = mask_rows(todo, |row| {
                            let set = set[row % BATCH].get();
                            if set.tag != SEQ {
                                return None;
                            }
                            find(set.bits, element[row % BATCH].get())
                        });
                        self.set_masks(id, todo, truths, knowns);
                    }
                    (set, element) => self.fill_masks(id, todo, |b, row| {
                        let set = b.at(set, row);
                        if set.tag != SEQ {
                            return None;
                        }
                        find(set.bits, b.at(element, row))
                    }),
                }
            }
            Node::Neg(inner) => {
                let inner = *inner;
                self.ensure(inner, todo);
                self.fill(id, todo, |b, row| negate(b.at(src(inner), row)));
            }
            Node::Arith(op, left, right) => {
                let (op, left, right) = (*op, *left, *right);
                self.ensure(left, todo);
                self.ensure(right, todo);
                self.fill(id, todo, |b, row| {
                    arith(op, b.at(src(left), row), b.at(src(right), row))
                });
            }
            Node::Builtin(builtin, args) => {
                let builtin = *builtin;
                for arg in args {
                    self.ensure(*arg, todo);
                }
                if let (Builtin::Size, [set]) = (builtin, &args[..]) {
                    let set = src(*set);
                    self.fill(id, todo, |b, row| size(plan, facts, b.at(set, row)));
                    return;
                }
                self.fill(id, todo, |b, row| {
                    let first = args.first().map(|arg| b.at(src(*arg), row));
                    let second = args.get(1).map(|arg| b.at(src(*arg), row));
                    apply_builtin(plan, facts, builtin, first, second)
                });
            }
            Node::Call { args, body, boolean } => {
                let mut known = todo;
                for arg in args {
                    self.ensure(*arg, known);
                    known &= self.known(*arg, known);
                }
                let body = *body;
                self.ensure(body, known);
                if *boolean {
                    let (truths, knowns) = self.truth(body, known);
                    self.set_masks(id, todo, truths, knowns);
                } else {
                    let body = src(body);
                    self.fill(id, todo, |b, row| {
                        if known & (1 << row) == 0 {
                            Word::GIVE_UP
                        } else {
                            b.at(body, row)
                        }
                    });
                }
            }
            Node::If(condition, then, otherwise) => {
                let (condition, then, otherwise) = (*condition, *then, *otherwise);
                self.ensure(condition, todo);
                let (truths, knowns) = self.truth(condition, todo);
                self.ensure(then, knowns & truths);
                self.ensure(otherwise, knowns & !truths);
                self.fill(id, todo, |b, row| {
                    let bit = 1u64 << row;
                    if knowns & bit == 0 {
                        Word::GIVE_UP
                    } else if truths & bit != 0 {
                        b.at(src(then), row)
                    } else {
                        b.at(src(otherwise), row)
                    }
                });
            }
        }
    }
}

/// The rows of a batch where some active rule denies or permits, and where the fast path gave
/// up.
#[derive(Copy, Clone, Debug, Default)]
pub(crate) struct Flags64 {
    pub(crate) deny: u64,
    pub(crate) permit: u64,
    pub(crate) give_up: u64,
}

/// The deciding rules of each row of a batch, flat and in rule order: row `r`'s are
/// `rules[starts[r]..starts[r + 1]]`.
#[derive(Debug, Default)]
pub(crate) struct DecidingRows {
    pub(crate) rules: Vec<RuleId>,
    pub(crate) starts: Vec<u32>,
}

impl DecidingRows {
    /// The deciding rules of a row.
    #[inline]
    pub(crate) fn of(&self, row: usize) -> &[RuleId] {
        &self.rules[self.starts[row] as usize..self.starts[row + 1] as usize]
    }
}

/// Per rule, the rows of a batch where it is active and where it applies: what a batch's
/// derivations read.
#[derive(Debug, Default)]
pub(crate) struct RuleRows {
    /// Per rule, the rows where it is active.
    pub(crate) active: Vec<u64>,
    /// Per rule, the rows where it applies.
    pub(crate) applied: Vec<u64>,
}

/// Whether a set or list has an element (`negated`: has not); `None` to give up.
#[inline]
pub(crate) fn member(
    plan: &Plan,
    facts: &Facts,
    set: u64,
    element: Word,
    negated: bool,
    is_set: bool,
) -> Option<bool> {
    match element.tag {
        GIVE_UP | SEQ => return None,
        NONE => return Some(negated),
        _ => {}
    }
    let found = match plan.elements(set) {
        Some((tag, _)) if tag != element.tag => false,
        Some((_, bits)) => ops::contains(bits, is_set, |probe| probe.cmp(&(element.bits as i64))),
        None => contains(known_seq(facts, &plan.const_seqs, set)?, element, is_set)?,
    };
    Some(found != negated)
}

/// The negation of an integer; giving up on overflow.
#[inline]
pub(crate) fn negate(word: Word) -> Word {
    match word.tag {
        INT => ops::negate(word.bits as i64).map_or(Word::GIVE_UP, |value| Word::new(INT, value as u64)),
        _ => Word::GIVE_UP,
    }
}

/// Integer arithmetic; giving up on overflow.
#[inline]
pub(crate) fn arith(op: ArithOp, left: Word, right: Word) -> Word {
    if left.tag != INT || right.tag != INT {
        return Word::GIVE_UP;
    }
    ops::arith(op, left.bits as i64, right.bits as i64)
        .map_or(Word::GIVE_UP, |value| Word::new(INT, value as u64))
}

/// `size` of a set or list: its length, with no conversion of values.
#[inline]
pub(crate) fn size(plan: &Plan, facts: &Facts, set: Word) -> Word {
    match (set.tag, known_seq(facts, &plan.const_seqs, set.bits)) {
        (SEQ, Some(elements)) => Word::new(INT, elements.len() as u64),
        _ => Word::GIVE_UP,
    }
}

/// A builtin on the words of its arguments (`size` too, more slowly than [`size`]); giving up
/// on an unknown argument or an error.
pub(crate) fn apply_builtin(
    plan: &Plan,
    facts: &Facts,
    builtin: Builtin,
    first: Option<Word>,
    second: Option<Word>,
) -> Word {
    let value = |word: Option<Word>| word.map_or(Some(Value::None), Word::value);
    let (Some(first), Some(second)) = (value(first), value(second)) else {
        return Word::GIVE_UP;
    };
    match ops::builtin(builtin, first, second, |id| {
        known_seq(facts, &plan.const_seqs, u64::from(id.0))
    }) {
        Some(Ok(value)) => Word::of(value),
        Some(Err(_)) | None => Word::GIVE_UP,
    }
}

/// The elements of a set or list of the facts or the constants (the fast path builds none).
fn known_seq<'s>(facts: &'s Facts, const_seqs: &'s [Arc<[Value]>], id: u64) -> Option<&'s [Value]> {
    let id = u32::try_from(id).ok()?;
    let idx = (id & INDEX_MASK) as usize;
    match id >> ARENA_SHIFT {
        ARENA_FACTS => facts.seqs.get(idx).map(|seq| &seq[..]),
        ARENA_CONSTS => const_seqs.get(idx).map(|seq| &seq[..]),
        _ => None,
    }
}

/// Whether a known value other than a set is among the elements of a set or list; `None` to give up.
fn contains(elements: &[Value], element: Word, is_set: bool) -> Option<bool> {
    match element.tag {
        GIVE_UP | SEQ => None,
        NONE => Some(false),
        // A partial date is equal to a date only perhaps: the full evaluator says so.
        _ if elements.iter().any(|probe| matches!(probe, Value::Partial(_))) => None,
        _ => {
            let value = element.value()?;
            Some(ops::contains(elements, is_set, |probe| probe.cmp(&value)))
        }
    }
}

/// A comparison of two known values of one type (sets excluded): equal values are equal words,
/// and only integers and dates are ordered. `None` to give up.
pub(crate) fn compare(op: CompareOp, left: Word, right: Word) -> Option<bool> {
    if left.tag == GIVE_UP || right.tag == GIVE_UP || left.tag == SEQ || right.tag == SEQ {
        return None;
    }
    let ordered = left.tag == right.tag && matches!(left.tag, INT | DATE);
    match op {
        CompareOp::Eq => Some(left == right),
        CompareOp::Ne => Some(left != right),
        _ if !ordered => None,
        // Integers and dates order as their payloads do as signed integers.
        _ => Some(ops::holds(op, (left.bits as i64).cmp(&(right.bits as i64)))),
    }
}
