//! The fast path for one subject at a time, as closures: at an evaluator's first such decision,
//! each rule's conditions become a list of boxed closures, each specialised when it is built on
//! where its operands lie (a constant, a field of the subject loaded before the rules run, a
//! field of a record held by one of those, or any other node), so that running one does no
//! dispatch on the kind of node or operand. Runs of conditions on one related record are
//! computed beforehand for each of its rows ([`RowTest`]), and the rules of a policy without
//! dates or exceptions run as the tree of their conditions ([`Prefixes`]). A policy with a node
//! kind not built here is decided by the instructions of `compiled.rs`.

use std::sync::Arc;

use crate::check::ir::{Builtin, CompareOp, RecordId, RuleId, in_force};
use crate::eval::decision::{Decision, LawDate};
use crate::eval::full::{FullEvaluator, FullScratch};
use crate::facts::Facts;
use crate::value::Date;

use super::batch::{arith, member, negate, size};
use super::columns::Cells;
use super::plan::{Node, NodeId, Plan, Step as PlanStep};
use super::single::SingleMemory;

mod screens;

use super::word::{BOOL, DATE, GIVE_UP, INT, NONE, RECORD, SEQ, Word};
use screens::Screens;

/// A built condition: its truth for the subject of the context. One that gives up (an unknown
/// value, an error, or a value beyond the fast path) says so in the context ([`Ctx::give_up`])
/// and is false: once one gave up, the subject goes to the full evaluator whatever the others
/// do, so they run on without a check after each.
type Test = Box<dyn Fn(&Ctx<'_>) -> bool + Send + Sync>;

/// A test with the node it tests and whether inverted: two rules whose conditions start with
/// the same keys share those tests (see [`Prefixes`]).
type Keyed = (Key, Test);

/// A condition's node and whether it is inverted; or, for a run of conditions computed as one,
/// an index past the graph's nodes.
type Key = (NodeId, bool);

/// A condition of a rule as the rules run it: a test, or a run of tests computed for every row
/// ([`Builder::row_tests`]), read without a call.
enum Cond {
    Test(Test),
    Rows(RowTest),
}

/// Conditions that read one record a subject field refers to, computed for every row of its
/// table and for `none`.
struct RowTest {
    /// The register of the subject field.
    register: usize,
    /// Per row, then for `none`, then for anything else: 0 false, 1 true, 2 gave up, 3 run
    /// the conditions.
    truths: Box<[u8]>,
    /// The conditions, for a value of the register not computed.
    conditions: Box<[Test]>,
}

impl RowTest {
    #[inline(always)]
    fn holds(&self, ctx: &Ctx<'_>) -> bool {
        let base = ctx.registers[self.register % REGISTERS];
        let other = self.truths.len().saturating_sub(1) as u64;
        let cell = match base.tag {
            RECORD => base.bits.min(other),
            NONE => other.saturating_sub(1),
            _ => other,
        };
        match self.truths.get(cell as usize).copied().unwrap_or(3) {
            0 => false,
            1 => true,
            2 => ctx.give_up(),
            _ => all_cold(&self.conditions, ctx),
        }
    }
}

impl Cond {
    #[inline(always)]
    fn holds(&self, ctx: &Ctx<'_>) -> bool {
        match self {
            Cond::Test(test) => test(ctx),
            Cond::Rows(rows) => rows.holds(ctx),
        }
    }

    fn into_test(self) -> Test {
        match self {
            Cond::Test(test) => test,
            Cond::Rows(rows) => Box::new(move |ctx: &Ctx<'_>| rows.holds(ctx)),
        }
    }
}

/// A built value: [`Word::GIVE_UP`] to give up.
type Value = Box<dyn Fn(&Ctx<'_>) -> Word + Send + Sync>;

/// The trees of closures may copy a node read in several places once per place: beyond this
/// many closures per node of the graph (and a constant), the instructions decide instead, so
/// the closures grow linearly with the graph, never exponentially with the sharing in it.
const CLOSURES_PER_NODE: u64 = 4;
const MORE_CLOSURES: u64 = 4096;

/// Conditions nested deeper than this (counting inlined calls) are decided by the instructions,
/// so that neither building the closures nor running them nests calls deeply.
const MAX_DEPTH: u32 = 48;

/// A condition that reads one record a subject field refers to (and constants), and would take
/// at least this many closures, is computed when the closures are built for every row of that
/// record's table, and read as one cell of those rows.
const ROW_TEST_SIZE: u64 = 5;
/// How many rows the conditions so computed may take in all, so that building the closures
/// stays short on large facts.
const ROW_TEST_CELLS: usize = 1 << 20;

/// How many registers a subject has: the subject and up to 15 of its fields, loaded when it
/// starts; other fields of the subject are read from their cells where they are read.
const REGISTERS: usize = 16;

/// What a closure reads while it runs: the registers, and the facts for sets and lists.
struct Ctx<'a> {
    plan: &'a Plan,
    facts: &'a Facts,
    /// Register 0 holds the subject; the others the fields of [`Closures::loads`], in
    /// order.
    registers: [Word; REGISTERS],
    /// Whether a closure gave up for the subject.
    gave_up: std::cell::Cell<bool>,
}

impl<'a> Ctx<'a> {
    /// A context with every register empty (giving up where read).
    fn new(plan: &'a Plan, facts: &'a Facts) -> Ctx<'a> {
        Ctx {
            plan,
            facts,
            registers: [Word::GIVE_UP; REGISTERS],
            gave_up: std::cell::Cell::new(false),
        }
    }

    /// Gives the subject up; false, as the truth of the test that gave up.
    #[cold]
    fn give_up(&self) -> bool {
        self.gave_up.set(true);
        false
    }

    /// A truth, giving up on `None`.
    #[inline(always)]
    fn truth(&self, truth: Option<bool>) -> bool {
        match truth {
            Some(truth) => truth,
            None => self.give_up(),
        }
    }
}

/// A field of the subject loaded into a register when a subject starts: where its cells lie in
/// the plan's narrow columns, read there (no copy is made, so building the closures takes no
/// time per subject).
#[derive(Clone, Copy, Debug)]
struct Load {
    start: usize,
    rows: usize,
    signed: bool,
}

impl Load {
    /// The field's cell of a subject, from the plan's narrow columns: `None` past their end.
    #[inline(always)]
    fn word(&self, tags: &[u8], payloads: &[u32], subject: usize) -> Option<Word> {
        let idx = self.start.wrapping_add(subject);
        let (tag, payload) = (*tags.get(idx)?, *payloads.get(idx)?);
        let signed = payload as i32 as i64 as u64;
        let bits = if self.signed { signed } else { u64::from(payload) };
        Some(Word::new(u64::from(tag), bits))
    }

    /// The field's cells, every subject's.
    fn words<'p>(&self, plan: &'p Plan) -> impl Iterator<Item = Word> + 'p {
        let load = *self;
        let (tags, payloads) = (&plan.narrow.tags[..], &plan.narrow.payloads[..]);
        (0..self.rows).map(move |subject| load.word(tags, payloads, subject).unwrap_or(Word::GIVE_UP))
    }
}

/// One rule, in the order the plan decides them.
struct Step {
    rule: RuleId,
    deny: bool,
    /// When it is in force, if only on some dates: `effective <= date < until`.
    dates: Option<(Option<Date>, Option<Date>)>,
    /// Its conditions, which all hold when it applies; `None` for a rule the full evaluator
    /// applies.
    tests: Option<Box<[Test]>>,
    /// Whether some rule is an exception to it: its activity is then kept.
    defeats: bool,
    /// The rules that are exceptions to it.
    defeaters: Box<[RuleId]>,
}

/// The plan's conditions as closures, built once per evaluator.
pub(crate) struct Closures {
    /// The fields of the subject loaded into registers 1 on, in order.
    loads: Box<[Load]>,
    /// How many subjects there are: each field loaded has a cell for each.
    subjects: usize,
    /// The rules, when some rule is not built, is in force only on some dates, or is an
    /// exception or has one (empty otherwise).
    steps: Vec<Step>,
    /// The rules otherwise: every rule built, always in force, and no exception.
    prefixes: Option<Prefixes>,
    /// With those, and at most 64 rules: the rules screened by the subject fields they open
    /// with, tried before [`Prefixes`].
    screens: Option<Screens<Cond>>,
    /// The decision date, when it lowered.
    date: Option<Value>,
    /// Whether the plan's steps come in the order of the rules' indices.
    in_rule_order: bool,
}

/// The rules of a plain policy as the tree of their conditions, laid out in preorder: rules
/// whose conditions start with the same tests (`t.exporter == home` opens four rules of the
/// reference policy) run those tests once, and a test that fails skips every rule below it.
/// The tests are pure, so running a shared test once gives what running it per rule gives, and
/// every rule is still evaluated as far as its first false condition.
struct Prefixes {
    /// The tests in preorder.
    nodes: Box<[PrefixNode]>,
    /// The rules each node ends (with whether it denies), by node; the rules with no
    /// condition first.
    ends: Box<[(RuleId, bool)]>,
    /// How many rules have no condition: they apply to every subject.
    always: usize,
    /// Whether `ends` lists the rules in the order of their indices.
    in_rule_order: bool,
    /// With at most 64 rules, the deny and permit rules that apply to every subject, as bits
    /// by rule index; [`PrefixNode::masks`] holds each node's.
    masks: Option<[u64; 2]>,
}

/// A rule of a plain policy: its index, whether it denies, and its conditions in order.
type PlainRule = (RuleId, bool, Vec<(Key, Cond)>);

/// A test of [`Prefixes`]: when it holds, its rules apply and the next node follows; when
/// not, the node at `skip`, past its subtree.
struct PrefixNode {
    cond: Cond,
    skip: u32,
    /// Its rules in [`Prefixes::ends`].
    ends: (u32, u32),
    /// Its deny and permit rules as bits by rule index, with at most 64 rules.
    masks: [u64; 2],
}

/// The deny and permit rules of `ends` as bits by rule index; `None` beyond rule 63.
fn masks(ends: &[(RuleId, bool)]) -> Option<[u64; 2]> {
    let mut masks = [0u64; 2];
    for (rule, deny) in ends {
        let bit = 1u64.checked_shl(rule.0)?;
        masks[usize::from(!*deny)] |= bit;
    }
    Some(masks)
}

impl Prefixes {
    /// Runs the tests in preorder, giving each node whose test holds to `holds`, and skipping
    /// the subtree of each whose test does not.
    #[inline(always)]
    fn walk(&self, ctx: &Ctx<'_>, mut holds: impl FnMut(&PrefixNode)) {
        let mut at = 0;
        while let Some(node) = self.nodes.get(at) {
            if node.cond.holds(ctx) {
                holds(node);
                at += 1;
            } else {
                at = node.skip as usize;
            }
        }
    }

    /// The tree of the rules' conditions, given in the plan's order, each rule with whether it
    /// denies.
    fn new(rules: Vec<PlainRule>) -> Prefixes {
        struct Branch {
            cond: Cond,
            children: Vec<u32>,
            ends: Vec<(RuleId, bool)>,
        }
        const ROOT: u32 = u32::MAX;
        let mut branches: Vec<Branch> = Vec::new();
        let mut roots: Vec<u32> = Vec::new();
        let mut always: Vec<(RuleId, bool)> = Vec::new();
        let mut child_of: std::collections::HashMap<(u32, Key), u32, foldhash::fast::RandomState> =
            std::collections::HashMap::default();
        for (rule, deny, tests) in rules {
            let mut at = ROOT;
            for (key, cond) in tests {
                at = *child_of.entry((at, key)).or_insert_with(|| {
                    let idx = branches.len() as u32;
                    branches.push(Branch {
                        cond,
                        children: Vec::new(),
                        ends: Vec::new(),
                    });
                    match branches.get_mut(at as usize) {
                        Some(parent) => parent.children.push(idx),
                        None => roots.push(idx),
                    }
                    idx
                });
            }
            match branches.get_mut(at as usize) {
                Some(branch) => branch.ends.push((rule, deny)),
                None => always.push((rule, deny)),
            }
        }
        // INVARIANT: a branch comes after its parent, so sizes summed backwards are complete.
        let mut sizes = vec![1u32; branches.len()];
        for idx in (0..branches.len()).rev() {
            let size = branches[idx]
                .children
                .iter()
                .map(|child| sizes[*child as usize])
                .sum::<u32>();
            sizes[idx] += size;
        }
        let n_always = always.len();
        let mut ends = always;
        let mut nodes = Vec::with_capacity(branches.len());
        let mut branches: Vec<Option<Branch>> = branches.into_iter().map(Some).collect();
        let mut stack: Vec<u32> = roots.into_iter().rev().collect();
        while let Some(idx) = stack.pop() {
            let Some(branch) = branches.get_mut(idx as usize).and_then(Option::take) else {
                continue;
            };
            let start = ends.len() as u32;
            ends.extend(branch.ends);
            let position = nodes.len() as u32;
            nodes.push(PrefixNode {
                cond: branch.cond,
                skip: position + sizes[idx as usize],
                ends: (start, ends.len() as u32),
                masks: [0; 2],
            });
            stack.extend(branch.children.iter().rev());
        }
        let in_rule_order = ends.iter().enumerate().all(|(idx, (rule, _))| rule.idx() == idx);
        let masks = masks(&ends).map(|_| {
            for node in &mut nodes {
                node.masks = masks(
                    ends.get(node.ends.0 as usize..node.ends.1 as usize)
                        .unwrap_or_default(),
                )
                .unwrap_or_default();
            }
            masks(&ends[..n_always]).unwrap_or_default()
        });
        Prefixes {
            nodes: nodes.into(),
            ends: ends.into(),
            always: n_always,
            in_rule_order,
            masks,
        }
    }
}

impl std::fmt::Debug for Closures {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Closures")
            .field("loads", &self.loads.len())
            .field("steps", &self.steps.len())
            .finish_non_exhaustive()
    }
}

/// Where an operand is found when it is read: the shapes the closures are specialised on.
enum Operand {
    Const(Word),
    /// A register: the subject or one of its fields.
    Register(usize),
    /// A narrow field of the record held in a register, or the size of the set or list in
    /// one (the facts do not change: sizes are cells too).
    Cell {
        base: usize,
        cells: Packed,
    },
    /// Any other node, computed by a closure.
    Computed(Value),
}

/// An operand read, specialised on its shape.
trait Read: Send + Sync + 'static {
    fn read(&self, ctx: &Ctx<'_>) -> Word;
}

struct Const(Word);

impl Read for Const {
    #[inline(always)]
    fn read(&self, _: &Ctx<'_>) -> Word {
        self.0
    }
}

struct Register(usize);

impl Read for Register {
    #[inline(always)]
    fn read(&self, ctx: &Ctx<'_>) -> Word {
        ctx.registers[self.0 % REGISTERS]
    }
}

/// The narrow cells of one field, each as its tag in the low byte and its word's payload
/// (sign-extended, for a field of integers or dates) above it: one read per cell. One copy per
/// field, shared by every closure that reads it.
type Packed = Arc<[u64]>;

/// The word of a packed cell.
#[inline(always)]
fn unpack(cell: u64) -> Word {
    // The payload is 32 bits, sign-extended or not, so 56 bits hold it exactly.
    Word::new(cell & 0xff, ((cell as i64) >> 8) as u64)
}

/// The packed cells of a narrow field.
fn pack(plan: &Plan, start: usize, rows: usize, signed: bool) -> Packed {
    let (tags, payloads) = plan.narrow.field(start, rows);
    tags.iter()
        .zip(payloads)
        .map(|(tag, payload)| {
            let bits = if signed {
                i64::from(*payload as i32)
            } else {
                i64::from(*payload)
            };
            ((bits << 8) as u64) | u64::from(*tag)
        })
        .collect()
}

/// The packed cells of the sizes of the sets or lists in a field's packed cells: the size as
/// an integer where a cell holds a set or list, giving up elsewhere.
fn sizes(plan: &Plan, facts: &Facts, cells: &[u64]) -> Packed {
    cells
        .iter()
        .map(|cell| {
            let size = size(plan, facts, unpack(*cell));
            match i64::try_from(size.bits) {
                Ok(bits) if size.tag == INT && bits < 1 << 48 => ((bits << 8) as u64) | INT,
                _ => GIVE_UP,
            }
        })
        .collect()
}

/// A narrow field of the record `base` reads.
struct Cell<B> {
    base: B,
    cells: Packed,
}

impl<B: Read> Read for Cell<B> {
    #[inline(always)]
    fn read(&self, ctx: &Ctx<'_>) -> Word {
        let base = self.base.read(ctx);
        match self.cells.get(base.bits as usize) {
            Some(cell) if base.tag == RECORD => unpack(*cell),
            _ => Word::GIVE_UP,
        }
    }
}

struct Computed(Value);

impl Read for Computed {
    #[inline(always)]
    fn read(&self, ctx: &Ctx<'_>) -> Word {
        (self.0)(ctx)
    }
}

/// Calls `$body` with `$read` bound to the operand as the [`Read`] of its shape, so that the
/// closure `$body` builds is specialised on it.
macro_rules! with_read {
    ($operand:expr, |$read:ident| $body:expr) => {
        match $operand {
            Operand::Const(word) => {
                let $read = Const(word);
                $body
            }
            Operand::Register(idx) => {
                let $read = Register(idx);
                $body
            }
            Operand::Cell { base, cells } => {
                let $read = Cell {
                    base: Register(base),
                    cells,
                };
                $body
            }
            Operand::Computed(value) => {
                let $read = Computed(value);
                $body
            }
        }
    };
}

impl Operand {
    /// The operand as a closure that computes it.
    fn into_value(self) -> Value {
        match self {
            Operand::Computed(value) => value,
            operand => with_read!(operand, |read| Box::new(move |ctx: &Ctx<'_>| read.read(ctx))),
        }
    }

    /// Whether it needs no computing, so a call need not check it before its body: a constant,
    /// or a register (a field of the subject: one that is unknown is no error, and every
    /// closure that reads it gives up on it, as the instructions do).
    fn is_loaded(&self) -> bool {
        matches!(self, Operand::Const(_) | Operand::Register(_))
    }
}

/// The comparisons as constants, for closures specialised on one.
const EQ: u8 = 0;
const NE: u8 = 1;
const LT: u8 = 2;
const LE: u8 = 3;
const GT: u8 = 4;
const GE: u8 = 5;

/// A comparison of two known values of one type (sets excluded), as `batch::compare`.
#[inline(always)]
fn compare<const OP: u8>(left: Word, right: Word) -> Option<bool> {
    if left.tag == GIVE_UP || right.tag == GIVE_UP || left.tag == SEQ || right.tag == SEQ {
        return None;
    }
    match OP {
        EQ => Some(left == right),
        NE => Some(left != right),
        _ => {
            if left.tag != right.tag || !matches!(left.tag, INT | DATE) {
                return None;
            }
            // Integers and dates order as their payloads do as signed integers.
            let (left, right) = (left.bits as i64, right.bits as i64);
            Some(match OP {
                LT => left < right,
                LE => left <= right,
                GT => left > right,
                _ => left >= right,
            })
        }
    }
}

fn compare_test<L: Read, R: Read>(op: u8, left: L, right: R) -> Test {
    fn build<L: Read, R: Read, const OP: u8>(left: L, right: R) -> Test {
        Box::new(move |ctx: &Ctx<'_>| ctx.truth(compare::<OP>(left.read(ctx), right.read(ctx))))
    }
    match op {
        EQ => build::<L, R, EQ>(left, right),
        NE => build::<L, R, NE>(left, right),
        LT => build::<L, R, LT>(left, right),
        LE => build::<L, R, LE>(left, right),
        GT => build::<L, R, GT>(left, right),
        _ => build::<L, R, GE>(left, right),
    }
}

fn bool_test<R: Read>(read: R, invert: bool) -> Test {
    fn build<R: Read, const INVERT: bool>(read: R) -> Test {
        Box::new(move |ctx: &Ctx<'_>| {
            let word = read.read(ctx);
            if word.tag == BOOL {
                (word.bits != 0) != INVERT
            } else {
                ctx.give_up()
            }
        })
    }
    if invert {
        build::<R, true>(read)
    } else {
        build::<R, false>(read)
    }
}

/// `is some` (`some`) or `is none`: an unknown value is neither.
fn some_test<R: Read>(read: R, some: bool) -> Test {
    fn build<R: Read, const SOME: bool>(read: R) -> Test {
        Box::new(move |ctx: &Ctx<'_>| match read.read(ctx).tag {
            GIVE_UP => ctx.give_up(),
            tag => (tag != NONE) == SOME,
        })
    }
    if some {
        build::<R, true>(read)
    } else {
        build::<R, false>(read)
    }
}

/// Membership in a set or list of the facts, or one a node computes.
fn in_test<E: Read, S: Read>(element: E, set: S, negated: bool, is_set: bool) -> Test {
    Box::new(move |ctx: &Ctx<'_>| {
        let (element, set) = (element.read(ctx), set.read(ctx));
        if set.tag != SEQ {
            return ctx.give_up();
        }
        ctx.truth(member(ctx.plan, ctx.facts, set.bits, element, negated, is_set))
    })
}

/// Membership in a constant set or list whose elements share one tag: its payloads are kept
/// in the closure, and a short one is searched in order.
fn in_constant<E: Read>(element: E, tag: u64, payloads: Box<[i64]>, negated: bool, is_set: bool) -> Test {
    Box::new(move |ctx: &Ctx<'_>| {
        let element = element.read(ctx);
        match element.tag {
            GIVE_UP | SEQ => ctx.give_up(),
            NONE => negated,
            found if found != tag => negated,
            _ => {
                let probe = element.bits as i64;
                let found = if payloads.len() <= 16 || !is_set {
                    payloads.contains(&probe)
                } else {
                    payloads.binary_search(&probe).is_ok()
                };
                found != negated
            }
        }
    })
}

#[inline(never)]
fn compare_operands(op: u8, left: Operand, right: Operand) -> Test {
    // A constant's tag is known now: a value of that tag is compared by its payload alone.
    let flipped = match op {
        LT => GT,
        LE => GE,
        GT => LT,
        GE => LE,
        same => same,
    };
    match (left, right) {
        (left, Operand::Const(constant)) if !matches!(constant.tag, GIVE_UP | SEQ) => {
            with_read!(left, |left| compare_constant(op, left, constant))
        }
        (Operand::Const(constant), right) if !matches!(constant.tag, GIVE_UP | SEQ) => {
            with_read!(right, |right| compare_constant(flipped, right, constant))
        }
        (left, right) => with_read!(left, |left| with_read!(right, |right| compare_test(
            op, left, right
        ))),
    }
}

/// A comparison of a value with a constant (`value op constant`) whose tag is neither
/// [`GIVE_UP`] nor [`SEQ`], as [`compare`].
fn compare_constant<R: Read>(op: u8, read: R, constant: Word) -> Test {
    fn equal<R: Read, const EQUAL: bool>(read: R, constant: Word) -> Test {
        Box::new(move |ctx: &Ctx<'_>| {
            let word = read.read(ctx);
            if word.tag == constant.tag {
                (word.bits == constant.bits) == EQUAL
            } else if word.tag == GIVE_UP || word.tag == SEQ {
                ctx.give_up()
            } else {
                !EQUAL
            }
        })
    }
    fn ordered<R: Read, const OP: u8>(read: R, constant: Word) -> Test {
        Box::new(move |ctx: &Ctx<'_>| {
            let word = read.read(ctx);
            // Only integers and dates are ordered, and only with their own kind.
            if word.tag != constant.tag {
                return ctx.give_up();
            }
            let (left, right) = (word.bits as i64, constant.bits as i64);
            match OP {
                LT => left < right,
                LE => left <= right,
                GT => left > right,
                _ => left >= right,
            }
        })
    }
    match op {
        EQ => equal::<R, true>(read, constant),
        NE => equal::<R, false>(read, constant),
        // A constant of another kind is never ordered: every comparison with it gives up.
        _ if !matches!(constant.tag, INT | DATE) => Box::new(|ctx: &Ctx<'_>| ctx.give_up()),
        LT => ordered::<R, LT>(read, constant),
        LE => ordered::<R, LE>(read, constant),
        GT => ordered::<R, GT>(read, constant),
        _ => ordered::<R, GE>(read, constant),
    }
}

#[inline(never)]
fn some_operand(operand: Operand, some: bool) -> Test {
    with_read!(operand, |read| some_test(read, some))
}

#[inline(never)]
fn bool_operand(operand: Operand, invert: bool) -> Test {
    with_read!(operand, |read| bool_test(read, invert))
}

#[inline(never)]
fn in_operands(plan: &Plan, element: Operand, set: Operand, negated: bool, is_set: bool) -> Test {
    match set {
        Operand::Const(Word { tag: SEQ, bits }) if plan.elements(bits).is_some() => {
            let (tag, payloads) = plan.elements(bits).expect("tested just above");
            let payloads: Box<[i64]> = payloads.into();
            with_read!(element, |element| in_constant(
                element, tag, payloads, negated, is_set
            ))
        }
        set => with_read!(element, |element| with_read!(set, |set| in_test(
            element, set, negated, is_set
        ))),
    }
}

/// Builds the closures: the state of one build.
struct Builder<'p> {
    plan: &'p Plan,
    facts: &'p Facts,
    /// Per node: its register, for a field of the subject loaded when a subject starts.
    register: Vec<Option<usize>>,
    loads: Vec<Load>,
    /// Per field of [`Plan::fields`]: its packed cells, once made.
    packed: Vec<Option<Packed>>,
    /// How deep the node being built lies.
    depth: u32,
    /// Per node: how many closures its tree takes ([`Builder::tree_sizes`]).
    sizes: Vec<u64>,
    /// How many rows of conditions were computed when building ([`ROW_TEST_CELLS`]).
    row_cells: usize,
    /// The keys of the runs of conditions computed as one ([`Builder::row_tests`]).
    runs: std::collections::HashMap<Vec<(NodeId, bool)>, NodeId, foldhash::fast::RandomState>,
}

/// A node kind the closures do not build.
struct Unsupported;

impl Builder<'_> {
    /// The register of the subject.
    const SUBJECT: usize = 0;

    /// The closures a node's tree takes at most, each node of it counted at each place it is
    /// read; saturating.
    fn tree_sizes(plan: &Plan) -> Vec<u64> {
        // INVARIANT: a node's children come before it in the graph (`plan.rs` adds a node after
        // lowering what it reads), so their sizes are known when it is counted.
        let mut sizes = vec![0u64; plan.nodes.len()];
        for (idx, node) in plan.nodes.iter().enumerate() {
            let mut size = 1u64;
            node.each_child(|child| {
                size = size.saturating_add(sizes.get(child as usize).copied().unwrap_or(u64::MAX));
            });
            sizes[idx] = size;
        }
        sizes
    }

    /// The register of a field of the subject, loaded when a subject starts.
    fn load(&mut self, id: NodeId) -> Option<usize> {
        let idx = id as usize;
        if let Some(register) = self.register[idx] {
            return Some(register);
        }
        let Node::Field { base, .. } = &self.plan.nodes[idx] else {
            return None;
        };
        if !matches!(self.plan.nodes[*base as usize], Node::Subject) {
            return None;
        }
        let field = self.plan.field_of[idx];
        let Cells::Narrow {
            start, rows, signed, ..
        } = self.plan.fields[field as usize]
        else {
            return None;
        };
        if self.loads.len() + 1 >= REGISTERS {
            return None;
        }
        self.loads.push(Load { start, rows, signed });
        let register = self.loads.len();
        self.register[idx] = Some(register);
        Some(register)
    }

    /// The packed cells of a narrow field, made at its first read.
    fn packed(&mut self, field: u32) -> Packed {
        let plan = self.plan;
        self.packed[field as usize]
            .get_or_insert_with(|| match plan.fields[field as usize] {
                Cells::Narrow {
                    start, rows, signed, ..
                } => pack(plan, start, rows, signed),
                Cells::Wide(_) => Packed::default(),
            })
            .clone()
    }

    /// Runs `build` one level deeper; too deep is not built.
    fn deeper<T>(
        &mut self,
        build: impl FnOnce(&mut Self) -> Result<T, Unsupported>,
    ) -> Result<T, Unsupported> {
        if self.depth >= MAX_DEPTH {
            return Err(Unsupported);
        }
        self.depth += 1;
        let built = build(self);
        self.depth -= 1;
        built
    }

    /// Where a node's value is found, or the closure that computes it.
    fn operand(&mut self, id: NodeId) -> Result<Operand, Unsupported> {
        self.deeper(|builder| builder.operand_of(id))
    }

    fn operand_of(&mut self, id: NodeId) -> Result<Operand, Unsupported> {
        let plan = self.plan;
        if let Some(register) = self.load(id) {
            return Ok(Operand::Register(register));
        }
        Ok(match &plan.nodes[id as usize] {
            Node::Lit(value) => Operand::Const(Word::of(*value)),
            Node::Subject => Operand::Register(Self::SUBJECT),
            Node::Field { base, .. } => {
                let field = plan.field_of[id as usize];
                let base = self.operand(*base)?;
                match (&plan.fields[field as usize], base) {
                    (Cells::Narrow { .. }, Operand::Register(base)) => Operand::Cell {
                        base,
                        cells: self.packed(field),
                    },
                    (Cells::Narrow { .. }, base) => {
                        let read = Cell {
                            base: Computed(base.into_value()),
                            cells: self.packed(field),
                        };
                        Operand::Computed(Box::new(move |ctx: &Ctx<'_>| read.read(ctx)))
                    }
                    (Cells::Wide(_), base) => {
                        let base = base.into_value();
                        Operand::Computed(Box::new(move |ctx: &Ctx<'_>| {
                            let base = base(ctx);
                            let Some(Cells::Wide(cells)) = ctx.plan.fields.get(field as usize) else {
                                return Word::GIVE_UP;
                            };
                            match (base.tag, usize::try_from(base.bits)) {
                                (RECORD, Ok(row)) => cells.get(row).copied().unwrap_or(Word::GIVE_UP),
                                _ => Word::GIVE_UP,
                            }
                        }))
                    }
                }
            }
            Node::Neg(inner) => {
                let inner = self.operand(*inner)?.into_value();
                Operand::Computed(Box::new(move |ctx: &Ctx<'_>| negate(inner(ctx))))
            }
            Node::Arith(op, left, right) => {
                let op = *op;
                let (left, right) = (
                    self.operand(*left)?.into_value(),
                    self.operand(*right)?.into_value(),
                );
                Operand::Computed(Box::new(move |ctx: &Ctx<'_>| {
                    let left = left(ctx);
                    if left.tag == GIVE_UP {
                        return Word::GIVE_UP;
                    }
                    arith(op, left, right(ctx))
                }))
            }
            Node::Builtin(Builtin::Size, args) if args.len() == 1 => match self.operand(args[0])? {
                Operand::Cell { base, cells } => Operand::Cell {
                    base,
                    cells: sizes(plan, self.facts, &cells),
                },
                set => {
                    let set = set.into_value();
                    Operand::Computed(Box::new(move |ctx: &Ctx<'_>| size(ctx.plan, ctx.facts, set(ctx))))
                }
            },
            Node::Builtin(..) => return Err(Unsupported),
            Node::If(condition, then, otherwise) => {
                let condition = self.test(*condition, false)?;
                let (then, otherwise) = (
                    self.operand(*then)?.into_value(),
                    self.operand(*otherwise)?.into_value(),
                );
                Operand::Computed(Box::new(
                    move |ctx: &Ctx<'_>| {
                        if condition(ctx) { then(ctx) } else { otherwise(ctx) }
                    },
                ))
            }
            Node::Call { args, body, .. } => {
                let checks = self.arguments(args)?;
                let body = self.operand(*body)?;
                if checks.is_empty() {
                    return Ok(body);
                }
                let body = body.into_value();
                Operand::Computed(Box::new(move |ctx: &Ctx<'_>| {
                    if checks.iter().any(|arg| arg(ctx).tag == GIVE_UP) {
                        return Word::GIVE_UP;
                    }
                    body(ctx)
                }))
            }
            Node::Not(_)
            | Node::IsSome(_)
            | Node::IsNone(_)
            | Node::And(..)
            | Node::Or(..)
            | Node::Compare(..)
            | Node::In { .. } => {
                let test = self.test(id, false)?;
                // A test that gave up said so: its value is never used.
                Operand::Computed(Box::new(move |ctx: &Ctx<'_>| Word::bool(test(ctx))))
            }
        })
    }

    /// The arguments of a call that must be computed before its body (one that gives up gives
    /// the call up, read or not, as on the tree walker); constants and registers need none.
    fn arguments(&mut self, args: &[NodeId]) -> Result<Vec<Value>, Unsupported> {
        let mut checks = Vec::new();
        for arg in args {
            let operand = self.operand(*arg)?;
            if !operand.is_loaded() {
                checks.push(operand.into_value());
            }
        }
        Ok(checks)
    }

    /// Adds to `tests` the conditions that all hold exactly when a boolean node is true (false,
    /// when `invert`), in the order they are evaluated: `and` (`or`, inverted), `not` and calls
    /// whose arguments need no computing are flattened.
    fn conjuncts(&mut self, id: NodeId, invert: bool, tests: &mut Vec<Keyed>) -> Result<(), Unsupported> {
        self.deeper(|builder| builder.conjuncts_of(id, invert, tests))
    }

    fn conjuncts_of(&mut self, id: NodeId, invert: bool, tests: &mut Vec<Keyed>) -> Result<(), Unsupported> {
        match &self.plan.nodes[id as usize] {
            Node::And(left, right) if !invert => {
                self.conjuncts(*left, invert, tests)?;
                self.conjuncts(*right, invert, tests)
            }
            Node::Or(left, right) if invert => {
                self.conjuncts(*left, invert, tests)?;
                self.conjuncts(*right, invert, tests)
            }
            Node::Not(inner) => self.conjuncts(*inner, !invert, tests),
            Node::Call { args, body, .. } => {
                let checks = self.arguments(args)?;
                if checks.is_empty() {
                    return self.conjuncts(*body, invert, tests);
                }
                tests.push(((id, invert), self.test(id, invert)?));
                Ok(())
            }
            _ => {
                tests.push(((id, invert), self.test(id, invert)?));
                Ok(())
            }
        }
    }

    /// A rule's conditions, given as flattened, with each run of consecutive conditions that
    /// read one record a subject field refers to (and constants) computed beforehand for every
    /// row of that record's table, and for `none`, into one test: one read where the register
    /// holds such a record or `none`, the conditions run as built where it holds anything else
    /// (a value unknown). A run of one condition is computed only when its tree is large enough
    /// to be worth it ([`ROW_TEST_SIZE`]); all runs share a budget of rows ([`ROW_TEST_CELLS`]).
    fn row_tests(&mut self, conditions: Vec<Keyed>) -> Vec<(Key, Cond)> {
        let mut tests = Vec::with_capacity(conditions.len());
        let mut run: Vec<Keyed> = Vec::new();
        let mut run_of: Option<(usize, Option<RecordId>)> = None;
        for (key, test) in conditions {
            let one = self.reads_one_record(key.0);
            match (one, run_of) {
                (Some((register, record)), Some((of_run, record_of_run))) if register == of_run => {
                    run_of = Some((register, record_of_run.or(record)));
                }
                _ => {
                    self.end_run(&mut run, run_of, &mut tests);
                    run_of = one;
                }
            }
            run.push((key, test));
        }
        self.end_run(&mut run, run_of, &mut tests);
        tests
    }

    /// The register and record type a node reads alone, with constants ([`Builder::one_record`]);
    /// the record is unknown when the node reads only the register.
    fn reads_one_record(&mut self, id: NodeId) -> Option<(usize, Option<RecordId>)> {
        let (mut register, mut record) = (None, None);
        if !self.one_record(id, 0, &mut register, &mut record) {
            return None;
        }
        Some((register?, record))
    }

    /// Adds a run of conditions of [`Builder::row_tests`] to `tests`, as one test computed for
    /// every row when it is worth it, else each as built.
    fn end_run(
        &mut self,
        run: &mut Vec<Keyed>,
        run_of: Option<(usize, Option<RecordId>)>,
        tests: &mut Vec<(Key, Cond)>,
    ) {
        let worth = match run.as_slice() {
            [] => false,
            [((id, _), _)] => self
                .sizes
                .get(*id as usize)
                .is_some_and(|size| *size >= ROW_TEST_SIZE),
            _ => true,
        };
        let Some((register, Some(record))) = run_of.filter(|_| worth) else {
            tests.extend(run.drain(..).map(|(key, test)| (key, Cond::Test(test))));
            return;
        };
        let rows = self.facts.n_rows(record) as usize;
        if self.row_cells.saturating_add(rows) > ROW_TEST_CELLS {
            tests.extend(run.drain(..).map(|(key, test)| (key, Cond::Test(test))));
            return;
        }
        self.row_cells += rows;
        // A run of one keeps its condition's key; a longer one gets a key of its own, past the
        // graph's nodes, the same for the same run in another rule.
        let keys: Vec<(NodeId, bool)> = run.iter().map(|(key, _)| *key).collect();
        let key = match keys.as_slice() {
            [key] => *key,
            _ => {
                let next = (self.plan.nodes.len() + self.runs.len()) as NodeId;
                (*self.runs.entry(keys).or_insert(next), false)
            }
        };
        let conditions: Box<[Test]> = run.drain(..).map(|(_, test)| test).collect();
        let mut ctx = Ctx::new(self.plan, self.facts);
        // Per row, then for `none`, then for anything else: 0 false, 1 true, 2 gave up, 3 run
        // the conditions.
        let values = (0..rows as u64).map(|row| Word::new(RECORD, row));
        let mut truths: Vec<u8> = values
            .chain([Word::new(NONE, 0)])
            .map(|value| {
                ctx.registers[register] = value;
                ctx.gave_up.set(false);
                let truth = all(&conditions, &ctx);
                if ctx.gave_up.get() { 2 } else { u8::from(truth) }
            })
            .collect();
        truths.push(3);
        tests.push((
            key,
            Cond::Rows(RowTest {
                register,
                truths: truths.into(),
                conditions,
            }),
        ));
    }

    /// The rules of a plain policy, each with whether it denies and its flattened conditions,
    /// screened by the fields of the subject they open with ([`Screens`]): a field is screened
    /// when its cells hold records, booleans or enum variants (and `none`), while the budget of
    /// rows computed lasts ([`ROW_TEST_CELLS`]), in the order rules open with them. The
    /// conditions left to run are computed per row as [`Builder::row_tests`] does.
    fn screens(&mut self, rules: Vec<(RuleId, bool, Vec<Keyed>)>) -> Option<Screens<Cond>> {
        let mut domains: Vec<Option<(u64, usize)>> = vec![None; REGISTERS];
        let mut considered = [false; REGISTERS];
        let mut read = Vec::with_capacity(rules.len());
        for (rule, deny, conditions) in rules {
            let mut opening = true;
            let mut conditions_read = Vec::with_capacity(conditions.len());
            for (key, test) in conditions {
                let register = self.reads_one_record(key.0).map(|(register, _)| register);
                let first = register.filter(|register| {
                    opening && !std::mem::replace(&mut considered[register % REGISTERS], true)
                });
                if let Some(register) = first.filter(|register| *register != Self::SUBJECT) {
                    let load = self.loads.get(register - 1);
                    let domain = load.and_then(|load| screens::domain(load.words(self.plan)));
                    if let Some((tag, values)) = domain {
                        let rows = self.row_cells.saturating_add(values + 1);
                        if rows <= ROW_TEST_CELLS {
                            self.row_cells = rows;
                            domains[register % REGISTERS] = Some((tag, values));
                        }
                    }
                }
                // A rule's screened conditions end at its first on anything but a screened field.
                opening = opening && register.is_some_and(|register| domains[register % REGISTERS].is_some());
                conditions_read.push((register, (key, test)));
            }
            read.push((rule, deny, conditions_read));
        }
        let mut ctx = Ctx::new(self.plan, self.facts);
        Screens::new(
            read,
            &domains,
            |rest: Vec<Keyed>| self.row_tests(rest).into_iter().map(|(_, cond)| cond).collect(),
            |register, word, tests: &[Keyed]| {
                ctx.registers[register % REGISTERS] = word;
                ctx.gave_up.set(false);
                let holds = tests.iter().all(|(_, test)| test(&ctx));
                (!ctx.gave_up.get()).then_some(holds)
            },
        )
    }

    /// Whether a node reads, besides constants, only the register of one subject field and
    /// fields of the record it refers to: that register and the record's type are then in
    /// `register` and `record` (the record when some field of it is read).
    fn one_record(
        &mut self,
        id: NodeId,
        depth: u32,
        register: &mut Option<usize>,
        record: &mut Option<RecordId>,
    ) -> bool {
        if depth > MAX_DEPTH {
            return false;
        }
        if let Some(loaded) = self.load(id) {
            return *register.get_or_insert(loaded) == loaded;
        }
        let plan = self.plan;
        match &plan.nodes[id as usize] {
            Node::Subject => false,
            Node::Lit(_) => true,
            Node::Field {
                base,
                record: of_base,
                ..
            } => {
                if self.load(*base).is_some() && *record.get_or_insert(*of_base) != *of_base {
                    return false;
                }
                self.one_record(*base, depth + 1, register, record)
            }
            node => {
                let mut reads_one = true;
                node.each_child(|child| {
                    reads_one = reads_one && self.one_record(child, depth + 1, register, record);
                });
                reads_one
            }
        }
    }

    /// The test of a boolean node (inverted, when `invert`), giving up where the tree walker
    /// does: `and` settles on a false left, `or` on a true one, without the right.
    fn test(&mut self, id: NodeId, invert: bool) -> Result<Test, Unsupported> {
        self.deeper(|builder| builder.test_of(id, invert))
    }

    fn test_of(&mut self, id: NodeId, invert: bool) -> Result<Test, Unsupported> {
        let plan = self.plan;
        Ok(match &plan.nodes[id as usize] {
            Node::And(..) | Node::Or(..) => {
                // Flattened: `and` as all of its conjuncts; `or` as not all of the conjuncts of
                // its negation.
                let is_or = matches!(plan.nodes[id as usize], Node::Or(..));
                let mut tests = Vec::new();
                self.conjuncts(id, is_or, &mut tests)?;
                let tests: Box<[Test]> = tests.into_iter().map(|(_, test)| test).collect();
                if invert != is_or {
                    Box::new(move |ctx: &Ctx<'_>| !all(&tests, ctx))
                } else {
                    Box::new(move |ctx: &Ctx<'_>| all(&tests, ctx))
                }
            }
            Node::Not(inner) => self.test(*inner, !invert)?,
            Node::Compare(op, left, right) => {
                let op = match (op, invert) {
                    (CompareOp::Eq, false) | (CompareOp::Ne, true) => EQ,
                    (CompareOp::Ne, false) | (CompareOp::Eq, true) => NE,
                    (CompareOp::Lt, false) | (CompareOp::Ge, true) => LT,
                    (CompareOp::Le, false) | (CompareOp::Gt, true) => LE,
                    (CompareOp::Gt, false) | (CompareOp::Le, true) => GT,
                    (CompareOp::Ge, false) | (CompareOp::Lt, true) => GE,
                };
                let (left, right) = (self.operand(*left)?, self.operand(*right)?);
                compare_operands(op, left, right)
            }
            Node::IsSome(inner) | Node::IsNone(inner) => {
                let some = matches!(plan.nodes[id as usize], Node::IsSome(_)) != invert;
                some_operand(self.operand(*inner)?, some)
            }
            Node::In {
                element,
                set,
                negated,
                is_set,
            } => {
                let negated = *negated != invert;
                let is_set = *is_set;
                let (element, set) = (self.operand(*element)?, self.operand(*set)?);
                in_operands(plan, element, set, negated, is_set)
            }
            Node::Call { args, body, .. } => {
                let checks = self.arguments(args)?;
                let body = self.test(*body, invert)?;
                if checks.is_empty() {
                    return Ok(body);
                }
                Box::new(move |ctx: &Ctx<'_>| {
                    if checks.iter().any(|arg| arg(ctx).tag == GIVE_UP) {
                        return ctx.give_up();
                    }
                    body(ctx)
                })
            }
            Node::If(condition, then, otherwise) => {
                let condition = self.test(*condition, false)?;
                let (then, otherwise) = (self.test(*then, invert)?, self.test(*otherwise, invert)?);
                Box::new(
                    move |ctx: &Ctx<'_>| {
                        if condition(ctx) { then(ctx) } else { otherwise(ctx) }
                    },
                )
            }
            // A boolean value: a literal, a field, a builtin.
            _ => bool_operand(self.operand(id)?, invert),
        })
    }
}

/// Whether every test holds, in order, stopping at the first that does not (or gives up).
#[inline(always)]
fn all(tests: &[Test], ctx: &Ctx<'_>) -> bool {
    tests.iter().all(|test| test(ctx))
}

/// [`all`], out of line: for the conditions of a run computed for every row, when the register
/// holds a value they were not computed for, so that the test that reads them stays small.
#[cold]
#[inline(never)]
fn all_cold(tests: &[Test], ctx: &Ctx<'_>) -> bool {
    all(tests, ctx)
}

impl Closures {
    /// Builds the closures of a plan's conditions and decision date over the facts it was made
    /// for; `None` when some node is of a kind not built here, or when the trees would grow too
    /// large or deep.
    pub(crate) fn new(plan: &Plan, facts: &Facts) -> Option<Closures> {
        let sizes = Builder::tree_sizes(plan);
        let roots = plan.conditions.iter().map(|(root, _)| *root).chain(plan.date);
        let total = roots.fold(0u64, |total, root| total.saturating_add(sizes[root as usize]));
        let budget = (plan.nodes.len() as u64)
            .saturating_mul(CLOSURES_PER_NODE)
            .saturating_add(MORE_CLOSURES);
        if total > budget {
            return None;
        }
        let mut builder = Builder {
            plan,
            facts,
            register: vec![None; plan.nodes.len()],
            loads: Vec::new(),
            packed: vec![None; plan.fields.len()],
            depth: 0,
            sizes,
            row_cells: 0,
            runs: Default::default(),
        };
        let date = match plan.date {
            Some(date) => Some(builder.operand(date).ok()?.into_value()),
            None => None,
        };
        let mut defeats = vec![false; plan.denies.len()];
        for rule in &plan.defeaters {
            defeats[rule.idx()] = true;
        }
        let mut built = Vec::with_capacity(plan.steps.len());
        for step in &plan.steps {
            let tests = match plan.conditions(step) {
                Some(conditions) => {
                    let mut tests = Vec::new();
                    for (root, negated) in conditions {
                        // A `when` holds when its node is true, an `unless` when it is false.
                        builder.conjuncts(*root, *negated, &mut tests).ok()?;
                    }
                    Some(builder.row_tests(tests))
                }
                None => None,
            };
            let defeaters: Box<[RuleId]> = plan
                .defeaters
                .get(step.defeaters.start as usize..step.defeaters.end as usize)?
                .into();
            built.push((step, tests, defeaters));
        }
        let plain = built.iter().all(|(step, tests, defeaters)| {
            tests.is_some()
                && step.effective.is_none()
                && step.until.is_none()
                && !defeats[step.rule.idx()]
                && defeaters.is_empty()
        });
        let in_rule_order = plan
            .steps
            .iter()
            .enumerate()
            .all(|(idx, step)| step.rule.idx() == idx);
        let (steps, prefixes, screens) = if plain {
            let plain_steps: Vec<&PlanStep> = built.iter().map(|(step, _, _)| *step).collect();
            let rules = built
                .into_iter()
                .map(|(step, tests, _)| (step.rule, step.deny, tests.unwrap_or_default()))
                .collect();
            let prefixes = Prefixes::new(rules);
            // With bits by rule, the rules are screened too, from their conditions built again
            // (the tree took the first ones).
            let screens = match prefixes.masks {
                Some(_) => {
                    let mut screened = Vec::with_capacity(plain_steps.len());
                    for step in plain_steps {
                        let mut tests = Vec::new();
                        for (root, negated) in plan.conditions(step).unwrap_or_default() {
                            builder.conjuncts(*root, *negated, &mut tests).ok()?;
                        }
                        screened.push((step.rule, step.deny, tests));
                    }
                    builder.screens(screened)
                }
                None => None,
            };
            (Vec::new(), Some(prefixes), screens)
        } else {
            let steps = built
                .into_iter()
                .map(|(step, tests, defeaters)| Step {
                    rule: step.rule,
                    deny: step.deny,
                    dates: (step.effective.is_some() || step.until.is_some())
                        .then_some((step.effective, step.until)),
                    tests: tests.map(|tests| tests.into_iter().map(|(_, cond)| cond.into_test()).collect()),
                    defeats: defeats[step.rule.idx()],
                    defeaters,
                })
                .collect();
            (steps, None, None)
        };
        // `decide_each` asks `may_screen` before building the closures: it must not miss a plan
        // whose rules are screened.
        debug_assert!(screens.is_none() || Closures::may_screen(plan));
        Some(Closures {
            subjects: builder.loads.iter().map(|load| load.rows).min().unwrap_or(0),
            loads: builder.loads.into(),
            steps,
            prefixes,
            screens,
            date,
            in_rule_order,
        })
    }

    /// Whether the rules are screened by the fields they open with ([`Screens`]).
    pub(crate) fn screened(&self) -> bool {
        self.screens.is_some()
    }

    /// Whether a plan's rules may be screened, to know without building the closures: at most
    /// 64 rules, none in force only on some dates, no exception (the closures, once built, say
    /// whether every rule was built and some field screened).
    pub(crate) fn may_screen(plan: &Plan) -> bool {
        plan.denies.len() <= 64
            && plan.defeaters.is_empty()
            && (plan.steps.iter()).all(|step| step.effective.is_none() && step.until.is_none())
    }

    /// Puts a subject and its loaded fields in the registers of a new context.
    #[inline(always)]
    fn load(&self, ctx: &mut Ctx<'_>, subject: u32) {
        ctx.registers[0] = Word::new(RECORD, u64::from(subject));
        let subject = subject as usize;
        // Every field loaded is the subject's: it has a cell for each subject.
        if subject < self.subjects {
            let (tags, payloads) = (&ctx.plan.narrow.tags[..], &ctx.plan.narrow.payloads[..]);
            for (register, load) in ctx.registers[1..].iter_mut().zip(&self.loads) {
                if let Some(word) = load.word(tags, payloads, subject) {
                    *register = word;
                }
            }
        }
    }

    /// Whether the screens decide a subject ([`Screens::rules`]) rather than falling back to
    /// running the conditions in order.
    #[cfg(test)]
    fn screens_decide(&self, plan: &Plan, facts: &Facts, subject: u32) -> bool {
        let mut ctx = Ctx::new(plan, facts);
        self.load(&mut ctx, subject);
        self.screens
            .as_ref()
            .is_some_and(|screens| screens.rules(&ctx.registers, |cond| cond.holds(&ctx)).is_some())
    }

    /// Decides one subject into `decision` (its verdict, law date and deciding rules; the
    /// caller adds obligations); `false` when the fast path gave up and the full evaluator must
    /// decide, `decision` then holding anything.
    pub(crate) fn decide(
        &self,
        plan: &Plan,
        full: &FullEvaluator<'_>,
        scratch: &mut FullScratch,
        memory: &mut SingleMemory,
        subject: u32,
        decision: &mut Decision,
    ) -> bool {
        // Built in place, never moved: it is the size of its registers.
        let mut ctx = Ctx::new(plan, full.facts);
        self.load(&mut ctx, subject);
        let law_date = match full.options.law {
            LawDate::AsOf(date) => Some(date),
            LawDate::SubjectDate if !full.any_dated => None,
            LawDate::SubjectDate => match self.date.as_ref().map(|date| date(&ctx)) {
                Some(Word { tag: DATE, bits }) => Some(Date(bits as i64 as i32)),
                _ => return false,
            },
        };
        decision.restart(subject, law_date);
        decision.trace = None;
        let (mut deny, mut permit) = (false, false);
        // The deciding rules are the active deny rules if any, else the active permit rules.
        let mut decides = |rule: RuleId, denies: bool| {
            if denies {
                if !deny {
                    deny = true;
                    decision.deciding.clear();
                }
                decision.deciding.push(rule);
            } else {
                permit = true;
                if !deny {
                    decision.deciding.push(rule);
                }
            }
        };
        let in_rule_order = if let Some(
            prefixes @ Prefixes {
                masks: Some(always), ..
            },
        ) = &self.prefixes
        {
            let screened = (self.screens.as_ref())
                .and_then(|screens| screens.rules(&ctx.registers, |cond| cond.holds(&ctx)));
            let rules = screened.unwrap_or_else(|| {
                let mut rules = *always;
                prefixes.walk(&ctx, |node| {
                    rules[0] |= node.masks[0];
                    rules[1] |= node.masks[1];
                });
                rules
            });
            (deny, permit) = (rules[0] != 0, rules[1] != 0);
            let mut deciding = if deny { rules[0] } else { rules[1] };
            while deciding != 0 {
                decision.deciding.push(RuleId(deciding.trailing_zeros()));
                deciding &= deciding - 1;
            }
            true
        } else if let Some(prefixes) = &self.prefixes {
            let ends = &prefixes.ends;
            for (rule, denies) in ends.iter().take(prefixes.always) {
                decides(*rule, *denies);
            }
            prefixes.walk(&ctx, |node| {
                let rules = ends.get(node.ends.0 as usize..node.ends.1 as usize);
                for (rule, denies) in rules.unwrap_or_default() {
                    decides(*rule, *denies);
                }
            });
            prefixes.in_rule_order
        } else {
            let active = &mut memory.active;
            let n_rules = plan.denies.len();
            if active.len() != n_rules {
                active.clear();
                active.resize(n_rules, false);
            }
            for step in &self.steps {
                let in_force = match (step.dates, law_date) {
                    (Some((effective, until)), Some(date)) => in_force(effective, until, date),
                    _ => true,
                };
                let applies = in_force
                    && match &step.tests {
                        Some(tests) => all(tests, &ctx),
                        // Nothing more is asked of the full evaluator for a subject given up.
                        None if ctx.gave_up.get() => return false,
                        None => match full.rule_applies(scratch, subject, step.rule, None) {
                            Ok(Ok(applies)) => applies,
                            Ok(Err(_)) | Err(_) => return false,
                        },
                    };
                let is_active = applies && !step.defeaters.iter().any(|rule| active[rule.idx()]);
                if step.defeats {
                    active[step.rule.idx()] = is_active;
                }
                if is_active {
                    decides(step.rule, step.deny);
                }
            }
            self.in_rule_order
        };
        if ctx.gave_up.get() {
            return false;
        }
        decision.verdict = crate::eval::decide::fast_verdict(plan.default_deny, deny, permit);
        if !in_rule_order {
            decision.deciding.sort_unstable();
        }
        true
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)] // Test code: a failed unwrap is a failed test.

    use super::Closures;
    use crate::engine::{Engine, FactsInput, NoFiles};
    use crate::eval::{Decision, Evaluator, Options, Scratch};
    use crate::facts::Format;

    /// Builds the closures of `policy`, decides every subject of `facts` through them and
    /// checks each decision they make against the full evaluator's, and that `decide` (which
    /// takes them, or the instructions when they are not built) decides as the full evaluator;
    /// gives whether they were built, and per subject its verdict, deciding rules and whether
    /// the closures decided it.
    fn check(policy: &str, facts: &str) -> (bool, Vec<String>) {
        check_inputs(policy, vec![json(facts)], |_| {})
    }

    /// Facts of every record, as JSON.
    fn json(facts: &str) -> FactsInput {
        FactsInput {
            name: "facts.json".to_string(),
            bytes: facts.as_bytes().to_vec(),
            format: Format::Json,
            record: None,
            mapping: None,
        }
    }

    /// [`check`] on facts of several inputs, giving the closures built to `inspect` (which may
    /// change them) first.
    fn check_inputs(
        policy: &str,
        inputs: Vec<FactsInput>,
        inspect: impl FnOnce(Option<&mut Closures>),
    ) -> (bool, Vec<String>) {
        let files = NoFiles;
        let mut engine = Engine::new(&files, Vec::new());
        let loaded = engine.load_policy_text("tests.pol", policy, None).unwrap();
        let program = &loaded.checked.program;
        let facts = engine.load_facts(program, inputs).unwrap();
        let evaluator = Evaluator::new(program, &facts, Options::default()).unwrap();
        let full = Evaluator::new(
            program,
            &facts,
            Options {
                full_only: true,
                ..Options::default()
            },
        )
        .unwrap();
        let mut closures = Closures::new(&evaluator.plan, &facts);
        inspect(closures.as_mut());
        let mut scratch = Scratch::new();
        let mut seen = Vec::new();
        for subject in evaluator.subjects() {
            let expected = full.decide(&mut scratch, subject).unwrap();
            assert_eq!(evaluator.decide(&mut scratch, subject).unwrap(), expected);
            let decided = closures.as_ref().is_some_and(|closures| {
                // A decision that held another subject's rules, so that each is seen replaced.
                let mut decision = Decision::new(subject);
                decision.deciding.push(crate::check::ir::RuleId(0));
                let decided = closures.decide(
                    &evaluator.plan,
                    &evaluator.full,
                    &mut scratch.full,
                    &mut scratch.fast.single,
                    subject,
                    &mut decision,
                );
                if decided {
                    assert_eq!(decision, expected, "subject {subject}");
                }
                decided
            });
            let rules: Vec<&str> = expected
                .deciding
                .iter()
                .map(|rule| program.rules[rule.idx()].name.as_str())
                .collect();
            let screened = closures
                .as_ref()
                .is_some_and(|closures| closures.screens_decide(&evaluator.plan, &facts, subject));
            let path = match (closures.is_some(), decided, screened) {
                (true, true, true) => "screens",
                (true, true, false) => "closures",
                (true, false, _) => "full",
                (false, _, _) => "instructions",
            };
            seen.push(format!("{:?} {rules:?} {path}", expected.verdict));
        }
        (closures.is_some(), seen)
    }

    /// Every shape the closures are built for: fields of the subject (loaded), of related
    /// records (packed cells) and of records a node computes, a wide field, comparisons with a
    /// constant on either side and between fields, `and`, `or`, `not`, `if`, calls with and
    /// without arguments to compute, membership in a constant set and in a set of the facts,
    /// `size`, arithmetic, negation, `is some`, `is none`, `unless`, a dated rule, exceptions,
    /// and a rule the full evaluator applies (a quantifier).
    const SHAPES: &str = r#"policy "Shapes"

record Country key code {
  code: Text
  in_conflict: Bool
  since: Date?
  partners: Set<Country>
  ally: Country?
}

record Item key id {
  id: Text
  weight: Int
  big: Int
  maker: Country?
}

record Transfer key id {
  id: Text
  item: Item
  to: Country
  onward: Country?
  date: Date
  tags: Set<Int>
}

decide t: Transfer on t.date
default deny because "nothing permits it"

let home = Country["HOME"]
let light = {1, 2, 3}

fn heavy(item: Item) -> Bool = item.weight * 2 > 10 or -item.weight < -100
fn partner(country: Country, other: Country) -> Bool = country in other.partners
fn allied(country: Country) -> Bool = country.ally is some and country.ally.in_conflict

rule embargo: deny {
  when t.to.since is some and t.to.since <= t.date
  because "embargo"
}

rule onward_conflict: deny {
  when t.onward is some and t.onward.in_conflict
  because "onward"
}

rule heavy_to_conflict: deny {
  when (t.to.in_conflict and heavy(t.item)) or "never" == t.id
  because "heavy to a country in conflict"
}

rule heavy_items: permit {
  when heavy(t.item) and not t.to.in_conflict
  because "heavy"
}

rule partners: permit {
  when partner(t.to, home) and size(t.tags) > 0 and 0 < size(t.to.partners)
  because "partner"
}

rule allies: permit {
  when t.onward is some and allied(t.onward)
  because "an ally's ally"
}

rule wide: permit {
  when t.item.big > 3000000000
  effective 2020-01-01
  because "wide"
}

rule chosen: permit {
  when if t.onward is none then t.item.weight in light else 7 in t.tags
  unless t.item.maker is none
  because "chosen"
}

rule tagged: permit {
  when any tag in t.tags: tag > 5
  because "tagged"
}

rule home_made: deny {
  when t.item.maker == home
  exception to chosen
  because "home made"
}

rule home_made_abroad: permit {
  when home == t.item.maker and t.to.since is some
  exception to embargo
  because "home made, sent to a country under embargo"
}
"#;

    const SHAPES_FACTS: &str = r#"{
  "Country": [
    {"code": "HOME", "in_conflict": false, "since": null, "partners": ["AL"], "ally": null},
    {"code": "AL", "in_conflict": false, "since": null, "partners": ["HOME"], "ally": "WA"},
    {"code": "EM", "in_conflict": false, "since": "2001-01-01", "partners": [], "ally": "UK"},
    {"code": "WA", "in_conflict": true, "since": "2999-01-01", "partners": [], "ally": null},
    {"code": "UK", "in_conflict": "?", "since": null, "partners": [], "ally": "?"}
  ],
  "Item": [
    {"id": "light", "weight": 2, "big": 1, "maker": "AL"},
    {"id": "heavy", "weight": 60, "big": 1, "maker": null},
    {"id": "huge", "weight": 1, "big": 4000000000, "maker": "HOME"},
    {"id": "odd", "weight": "?", "big": 1, "maker": "AL"}
  ],
  "Transfer": [
    {"id": "embargoed", "item": "light", "to": "EM", "onward": null, "date": "2024-01-01", "tags": []},
    {"id": "onward_war", "item": "light", "to": "AL", "onward": "WA", "date": "2024-01-01", "tags": [7]},
    {"id": "heavy_home", "item": "heavy", "to": "HOME", "onward": null, "date": "2024-01-01", "tags": []},
    {"id": "partner", "item": "light", "to": "AL", "onward": "HOME", "date": "2024-01-01", "tags": [1]},
    {"id": "allied", "item": "heavy", "to": "HOME", "onward": "AL", "date": "2024-01-01", "tags": [2]},
    {"id": "vague_ally", "item": "heavy", "to": "HOME", "onward": "EM", "date": "2024-01-01", "tags": []},
    {"id": "wide_old", "item": "huge", "to": "HOME", "onward": null, "date": "2019-01-01", "tags": []},
    {"id": "wide_new", "item": "huge", "to": "HOME", "onward": null, "date": "2021-01-01", "tags": []},
    {"id": "light_home", "item": "light", "to": "HOME", "onward": null, "date": "2024-01-01", "tags": []},
    {"id": "unknown_weight", "item": "odd", "to": "HOME", "onward": null, "date": "2024-01-01", "tags": []},
    {"id": "unknown_conflict", "item": "heavy", "to": "UK", "onward": null, "date": "2024-01-01", "tags": []},
    {"id": "huge_embargoed", "item": "huge", "to": "EM", "onward": null, "date": "2024-01-01", "tags": []},
    {"id": "unknown_item", "item": "?", "to": "HOME", "onward": null, "date": "2024-01-01", "tags": []},
    {"id": "unknown_date", "item": "light", "to": "HOME", "onward": null, "date": "?", "tags": []}
  ]
}"#;

    #[test]
    fn closures_of_every_shape_decide_as_the_full_evaluator() {
        let (built, seen) = check(SHAPES, SHAPES_FACTS);
        assert!(built);
        assert_eq!(
            seen,
            [
                r#"Deny ["embargo"] closures"#,
                r#"Deny ["onward_conflict"] closures"#,
                r#"Permit ["heavy_items"] closures"#,
                r#"Permit ["partners"] closures"#,
                r#"Permit ["heavy_items", "allies"] closures"#,
                r#"Permit ["heavy_items"] full"#,
                r#"Deny ["home_made"] closures"#,
                r#"Deny ["home_made"] closures"#,
                r#"Permit ["chosen"] closures"#,
                r#"Undecided [] full"#,
                r#"Undecided [] full"#,
                r#"Deny ["home_made"] closures"#,
                r#"Undecided [] full"#,
                r#"Undecided [] full"#,
            ]
        );
    }

    /// Rules whose conditions open with the same tests: identical conditions, conditions that
    /// are the opening of another rule's, deny and permit rules sharing tests, a rule with no
    /// condition, a shared test that meets an unknown fact, and conditions on one country
    /// computed for every country and for `none`.
    const SHARED: &str = r#"policy "Shared"

record Country key code {
  code: Text
  partner: Bool
  in_conflict: Bool
}

record Transfer key id {
  id: Text
  to: Country
  onward: Country?
  lethal: Bool
  consent: Bool
}

decide t: Transfer
default deny because "nothing permits it"

rule partner_consent: permit {
  when t.to.partner and t.consent
  because "a partner, with consent"
}

rule conflict: deny {
  when t.lethal and t.to.in_conflict
  because "lethal, to a country in conflict"
}

rule partner_consent_again: permit {
  when t.to.partner
  when t.consent
  because "the same conditions"
}

rule partner: permit {
  when t.to.partner
  because "a partner"
}

rule registered: permit {
  because "every transfer here is registered"
}

rule conflict_onward: deny {
  when t.lethal and t.onward is some and t.onward.in_conflict
  because "lethal, passed on to a country in conflict"
}

rule partner_direct: permit {
  when t.to.partner and not t.consent and t.onward is none
  because "a partner, directly"
}

rule partner_in_conflict: deny {
  when t.to.partner and t.to.in_conflict
  because "a partner in conflict"
}
"#;

    const SHARED_FACTS: &str = r#"{
  "Country": [
    {"code": "PA", "partner": true, "in_conflict": false},
    {"code": "PW", "partner": true, "in_conflict": true},
    {"code": "NO", "partner": false, "in_conflict": false},
    {"code": "WA", "partner": false, "in_conflict": true},
    {"code": "UN", "partner": "?", "in_conflict": "?"}
  ],
  "Transfer": [
    {"id": "consent", "to": "PA", "onward": null, "lethal": false, "consent": true},
    {"id": "direct", "to": "PA", "onward": null, "lethal": true, "consent": false},
    {"id": "onward", "to": "PA", "onward": "NO", "lethal": false, "consent": false},
    {"id": "onward_war", "to": "PA", "onward": "WA", "lethal": true, "consent": true},
    {"id": "partner_war", "to": "PW", "onward": null, "lethal": true, "consent": true},
    {"id": "war", "to": "WA", "onward": null, "lethal": true, "consent": true},
    {"id": "other", "to": "NO", "onward": null, "lethal": false, "consent": true},
    {"id": "unknown", "to": "UN", "onward": null, "lethal": false, "consent": true}
  ]
}"#;

    #[test]
    fn rules_opening_with_the_same_tests_run_them_once_and_decide_as_the_full_evaluator() {
        let (built, seen) = check_inputs(SHARED, vec![json(SHARED_FACTS)], |closures| {
            // Eight tests, not fifteen: `t.to.partner` opens four rules, `t.lethal` two, and
            // `t.consent` after `t.to.partner` two; `t.onward is some and t.onward.in_conflict`
            // and `t.to.partner and t.to.in_conflict` each read one country, so each is one
            // test computed for every country (which makes the second share no test with the
            // others).
            let closures = closures.unwrap();
            // The rules in order, not screened (the screens have tests of their own below).
            closures.screens = None;
            let prefixes = closures.prefixes.as_ref().unwrap();
            assert_eq!(prefixes.nodes.len(), 8);
            let rows = prefixes
                .nodes
                .iter()
                .filter(|node| matches!(node.cond, super::Cond::Rows(_)));
            assert_eq!(rows.count(), 2);
            assert!(!prefixes.in_rule_order);
        });
        assert!(built);
        assert_eq!(
            seen,
            [
                r#"Permit ["partner_consent", "partner_consent_again", "partner", "registered"] closures"#,
                r#"Permit ["partner", "registered", "partner_direct"] closures"#,
                r#"Permit ["partner", "registered"] closures"#,
                r#"Deny ["conflict_onward"] closures"#,
                r#"Deny ["conflict", "partner_in_conflict"] closures"#,
                r#"Deny ["conflict"] closures"#,
                r#"Permit ["registered"] closures"#,
                r#"Undecided [] full"#,
            ]
        );
    }

    /// The reference workload (`bench/reference.pol` on the 10,000 transfers of `bench/data`,
    /// every fact known): every transfer is decided by the screens, none falling back to the
    /// conditions in order or given up to the full evaluator, each as the full evaluator
    /// decides it; and, the screens taken away, by the conditions in order alone.
    #[test]
    fn the_reference_workload_is_decided_by_the_closures_alone() {
        let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
        let read = |path: &str| std::fs::read(root.join(path)).unwrap();
        let policy = String::from_utf8(read("bench/reference.pol")).unwrap();
        let inputs = || {
            [
                ("Country", "bench/data/countries.json"),
                ("Item", "bench/data/items.json"),
                ("Transfer", "bench/data/transfers-10000.json"),
            ]
            .map(|(record, path)| FactsInput {
                name: path.to_string(),
                bytes: read(path),
                format: Format::Json,
                record: Some(record.to_string()),
                mapping: None,
            })
            .into()
        };
        for (screened, path) in [(true, " screens"), (false, " closures")] {
            let (built, seen) = check_inputs(&policy, inputs(), |closures| {
                let closures = closures.unwrap();
                assert!(closures.prefixes.is_some());
                // Four fields screened (the item, the exporter, the destination and the onward
                // destination); eight rules with conditions left to run.
                assert_eq!(closures.screens.as_ref().unwrap().counts(), (4, 8));
                if !screened {
                    closures.screens = None;
                }
            });
            assert!(built);
            assert_eq!(seen.len(), 10_000);
            let other: Vec<usize> = (0..seen.len())
                .filter(|idx| !seen[*idx].ends_with(path))
                .collect();
            assert!(
                other.is_empty(),
                "{} transfers not decided by the{path}, the first {:?}",
                other.len(),
                &other[..other.len().min(10)]
            );
        }
    }

    #[test]
    fn more_than_64_rules_opening_with_the_same_tests_decide_as_the_full_evaluator() {
        // Rules beyond the 64 that bits by rule index hold: their rules are listed per test,
        // and the deciding rules sorted.
        let mut policy = SHARED.to_string();
        for idx in 0..70 {
            let (effect, test) = if idx % 3 == 0 {
                ("deny", "t.lethal and t.to.in_conflict and t.consent")
            } else {
                ("permit", "t.to.partner and t.consent")
            };
            policy.push_str(&format!(
                "\nrule more_{idx}: {effect} {{\n  when {test}\n  because \"more\"\n}}\n"
            ));
        }
        let (built, seen) = check(&policy, SHARED_FACTS);
        assert!(built);
        let paths: Vec<&str> = seen.iter().map(|seen| seen.rsplit(' ').next().unwrap()).collect();
        assert_eq!(
            paths,
            [
                "closures", "closures", "closures", "closures", "closures", "closures", "closures", "full"
            ]
        );
        assert!(seen[0].starts_with(r#"Permit ["partner_consent", "partner_consent_again", "partner", "registered", "more_1", "more_2", "more_4""#));
        assert!(seen[4].starts_with(r#"Deny ["conflict", "partner_in_conflict", "more_0", "more_3""#));
    }

    /// A builtin the closures are not built for (`year`).
    const YEAR: &str = r#"policy "Year"

record Shipment key id {
  id: Text
  day: Date
}

decide s: Shipment
default permit because "nothing denies it"

rule old: deny {
  when year(s.day) < 2000
  because "old"
}
"#;

    const YEAR_FACTS: &str = r#"{"Shipment": [
  {"id": "a", "day": "1999-12-31"},
  {"id": "b", "day": "2000-01-01"},
  {"id": "c", "day": "?"}
]}"#;

    #[test]
    fn a_policy_with_a_node_the_closures_do_not_build_is_decided_by_the_instructions() {
        let (built, seen) = check(YEAR, YEAR_FACTS);
        assert!(!built);
        assert_eq!(
            seen,
            [
                r#"Deny ["old"] instructions"#,
                r#"Permit [] instructions"#,
                r#"Undecided [] instructions"#
            ]
        );
    }

    #[test]
    fn conditions_nested_deeper_than_the_closures_go_are_decided_by_the_instructions() {
        // `not not … s.sealed`, nested beyond what the closures nest.
        let condition = format!("{}s.sealed", "not ".repeat(2 * super::MAX_DEPTH as usize));
        let policy = format!(
            r#"policy "Deep"

record Shipment key id {{
  id: Text
  sealed: Bool
}}

decide s: Shipment
default permit because "nothing denies it"

rule sealed: deny {{
  when {condition}
  because "sealed"
}}
"#
        );
        let facts = r#"{"Shipment": [
  {"id": "a", "sealed": true},
  {"id": "b", "sealed": false},
  {"id": "c", "sealed": "?"}
]}"#;
        let (built, seen) = check(&policy, facts);
        assert!(!built);
        assert_eq!(
            seen,
            [
                r#"Deny ["sealed"] instructions"#,
                r#"Permit [] instructions"#,
                r#"Undecided [] instructions"#
            ]
        );
        // Less deep, the same condition is built.
        let shallow = policy.replace(&condition, "not not s.sealed");
        let (built, seen) = check(&shallow, facts);
        assert!(built);
        assert_eq!(
            seen,
            [
                r#"Deny ["sealed"] screens"#,
                r#"Permit [] screens"#,
                r#"Undecided [] full"#
            ]
        );
    }

    /// Rules opening with conditions on several fields: a related record (the destination, the
    /// item, the onward destination, `none` included), a boolean and an enum variant; a field's
    /// conditions split by another's; a rule whose conditions all read two fields, one whose
    /// condition on one field comes after such a condition, one with no condition; a condition
    /// that overflows for one item, met only where another field's condition is false; a
    /// country with a fact unknown; a transfer whose onward destination is unknown.
    const SCREENED: &str = r#"policy "Screened"

enum Purpose { civil, military }

record Country key code {
  code: Text
  partner: Bool
  in_conflict: Bool
}

record Item key id {
  id: Text
  lethal: Bool
  weight: Int
  maker: Country?
}

record Transfer key id {
  id: Text
  item: Item
  to: Country
  onward: Country?
  consent: Bool
  purpose: Purpose
}

decide t: Transfer
default deny because "nothing permits it"

rule lethal_to_conflict: deny {
  when t.to.in_conflict and t.item.lethal and t.purpose == Purpose.military
  because "lethal, for military use, to a country in conflict"
}

rule heavy_to_conflict: deny {
  when t.to.in_conflict and t.item.weight * 4611686018427387904 > 0
  because "heavy, to a country in conflict"
}

rule onward_conflict: deny {
  when t.onward is some and t.consent and t.onward.in_conflict
  because "passed on, with consent, to a country in conflict"
}

rule back_to_maker: permit {
  when t.to == t.item.maker
  because "back to its maker"
}

rule partner_maker: permit {
  when t.to.partner and t.to == t.item.maker and not t.item.lethal
  because "a partner that made it, not lethal"
}

rule civil: permit {
  when t.purpose == Purpose.civil and t.onward is none
  because "civil use, not passed on"
}

rule registered: permit {
  because "every transfer here is registered"
}
"#;

    const SCREENED_FACTS: &str = r#"{
  "Country": [
    {"code": "PA", "partner": true, "in_conflict": false},
    {"code": "WA", "partner": false, "in_conflict": true},
    {"code": "NO", "partner": false, "in_conflict": false},
    {"code": "UN", "partner": false, "in_conflict": "?"}
  ],
  "Item": [
    {"id": "rifle", "lethal": true, "weight": 1, "maker": null},
    {"id": "crane", "lethal": false, "weight": 5, "maker": "NO"},
    {"id": "radio", "lethal": false, "weight": 1, "maker": "PA"}
  ],
  "Transfer": [
    {"id": "war", "item": "rifle", "to": "WA", "onward": null, "consent": false, "purpose": "military"},
    {"id": "heavy", "item": "crane", "to": "NO", "onward": null, "consent": false, "purpose": "civil"},
    {"id": "onward", "item": "radio", "to": "NO", "onward": "WA", "consent": true, "purpose": "civil"},
    {"id": "onward_no_consent", "item": "radio", "to": "NO", "onward": "WA", "consent": false, "purpose": "civil"},
    {"id": "maker", "item": "radio", "to": "PA", "onward": "NO", "consent": false, "purpose": "military"},
    {"id": "rifle_home", "item": "rifle", "to": "PA", "onward": null, "consent": true, "purpose": "military"},
    {"id": "unknown_conflict", "item": "radio", "to": "UN", "onward": null, "consent": false, "purpose": "civil"},
    {"id": "unknown_onward", "item": "radio", "to": "NO", "onward": "?", "consent": true, "purpose": "civil"}
  ]
}"#;

    #[test]
    fn rules_screened_by_the_fields_they_open_with_decide_as_the_full_evaluator() {
        let (built, seen) = check_inputs(SCREENED, vec![json(SCREENED_FACTS)], |closures| {
            // The destination, the item, the purpose, the onward destination and the consent;
            // `back_to_maker` and `partner_maker` have conditions left to run.
            assert_eq!(closures.unwrap().screens.as_ref().unwrap().counts(), (5, 2));
        });
        assert!(built);
        assert_eq!(
            seen,
            [
                r#"Deny ["lethal_to_conflict", "heavy_to_conflict"] screens"#,
                // The crane's weight overflows, which gives its screened conditions up: the
                // conditions run in order, and stop at the destination, not in conflict.
                r#"Permit ["back_to_maker", "civil", "registered"] closures"#,
                r#"Deny ["onward_conflict"] screens"#,
                r#"Permit ["registered"] screens"#,
                r#"Permit ["back_to_maker", "partner_maker", "registered"] screens"#,
                r#"Permit ["registered"] screens"#,
                r#"Undecided [] full"#,
                r#"Undecided [] full"#,
            ]
        );
    }
}
