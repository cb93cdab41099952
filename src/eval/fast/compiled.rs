//! The fast path for one subject at a time, compiled: at an evaluator's first such decision,
//! the rules become one flat array of instructions over registers (one per node of the graph),
//! with the subject's fields loaded before they run, other fields resolved to their cells,
//! short-circuits and rules that do not apply as forward jumps, conditions tested where they are
//! read (one instruction that jumps) without their values kept, and a guard before a node read in
//! several places unless it is known to be computed already or tested in place. A node kind not
//! compiled here is evaluated by the tree walker of `single.rs` over the same registers.

use std::sync::atomic::{AtomicU64, Ordering};

use crate::check::ir::{ArithOp, Builtin, CompareOp, in_force};
use crate::eval::decision::{Decision, LawDate};
use crate::eval::full::{FullEvaluator, FullScratch};
use crate::value::Date;

use super::batch::{arith, compare, member, negate, size};
use super::columns::Cells;
use super::plan::{Node, NodeId, Plan};
use super::single::{SingleExec, SingleMemory};
use super::word::{BOOL, DATE, GIVE_UP, NONE, RECORD, SEQ, Word};

/// A node read in several places whose instructions were more than this many where first
/// emitted is evaluated by the tree walker at the later places (memoised, so still once), so the
/// instructions grow linearly with the graph, never exponentially with the sharing in it.
const MAX_COPIED: usize = 32;

/// A condition made of `and`, `or` or a call, read in several places, whose test where a
/// condition first read it took at most this many instructions, is tested again in place where
/// other conditions read it, rather than computed once into its register behind a guard: what it
/// reads is then often known, and a short test costs less than the guard and the copies of its
/// value.
const MAX_TESTED_AGAIN: u32 = 8;

/// Gives each compiled program its own number, so that registers filled for one are never read
/// as another's.
static NEXT_ID: AtomicU64 = AtomicU64::new(1);

/// One instruction. Jumps are forward and relative (`len` instructions skipped). Each
/// instruction that gives a value writes it to the register `dst` (its node's); a value that is
/// unknown, an error or beyond the fast path stops the run: the subject is then decided by the
/// full evaluator, as on the tree walker. So a register never holds [`Word::GIVE_UP`] once
/// written by an instruction, and the registers that may be read before they are written for a
/// subject (a node read in several places, behind [`Op::Memo`], and the nodes the tree walker
/// reads) are emptied to it when the subject starts: such a register holds a value only if it is
/// the subject's. A field of the subject, loaded when the subject starts, holds it when the fact
/// is unknown: every instruction that reads a register stops the run on it.
#[derive(Copy, Clone, Debug)]
enum Op {
    /// Skips `len` instructions when the register of `node` holds a value (this subject's).
    Memo {
        node: u32,
        len: u32,
    },
    /// A field of the record in `base`, from narrow cells: unsigned payloads.
    Narrow {
        dst: u32,
        base: u32,
        start: u32,
        rows: u32,
    },
    /// A field of the record in `base`, from narrow cells: payloads sign-extended.
    NarrowSigned {
        dst: u32,
        base: u32,
        start: u32,
        rows: u32,
    },
    /// A field of the record in `base`, from the words of [`Plan::fields`]`[field]`.
    Wide {
        dst: u32,
        base: u32,
        field: u32,
    },
    Not {
        dst: u32,
        src: u32,
    },
    IsSome {
        dst: u32,
        src: u32,
    },
    IsNone {
        dst: u32,
        src: u32,
    },
    /// The left side of `and` (`settles_on` false) or `or` (true): when it settles, the result,
    /// and `len` instructions (the right side) skipped.
    Branch {
        dst: u32,
        src: u32,
        settles_on: bool,
        len: u32,
    },
    /// A boolean copied (the right side of `and` or `or`).
    Truth {
        dst: u32,
        src: u32,
    },
    /// Any value copied (a call's body, a branch of `if`).
    Move {
        dst: u32,
        src: u32,
    },
    /// Skips `len` instructions when the boolean in `src` is `when` (the `then` branch of `if`
    /// when its condition is false; the rest of a rule when a `when` is false or an `unless`
    /// true).
    JumpIf {
        src: u32,
        when: bool,
        len: u32,
    },
    /// Skips `len` instructions when a boolean field of the record in `base`, read from narrow
    /// cells, is `when`; its value is not kept (no other place reads it).
    FieldJump {
        base: u32,
        start: u32,
        rows: u32,
        when: bool,
        len: u32,
    },
    /// Skips `len` instructions when a comparison is `when`; its value is not kept.
    CompareJump {
        op: CompareOp,
        left: u32,
        right: u32,
        when: bool,
        len: u32,
    },
    /// Skips `len` instructions when a membership test is `when`; its value is not kept.
    InJump {
        element: u32,
        set: u32,
        negated: bool,
        is_set: bool,
        when: bool,
        len: u32,
    },
    /// Skips `len` instructions when whether the value in `src` is some (not `none`) is `when`
    /// (`is some` and `is none` tested without their value kept).
    SomeJump {
        src: u32,
        when: bool,
        len: u32,
    },
    /// [`Op::Narrow`] (or [`Op::NarrowSigned`], when `signed`) then [`Op::SomeJump`] on the
    /// field: an optional field of a related record loaded and tested by one instruction.
    NarrowSomeJump {
        dst: u32,
        base: u32,
        start: u32,
        rows: u32,
        signed: bool,
        when: bool,
        len: u32,
    },
    Jump {
        len: u32,
    },
    Compare {
        dst: u32,
        op: CompareOp,
        left: u32,
        right: u32,
    },
    In {
        dst: u32,
        element: u32,
        set: u32,
        negated: bool,
        is_set: bool,
    },
    Neg {
        dst: u32,
        src: u32,
    },
    Arith {
        dst: u32,
        op: ArithOp,
        left: u32,
        right: u32,
    },
    /// The size of the set or list in `src`.
    Size {
        dst: u32,
        src: u32,
    },
    /// The node evaluated by the tree walker.
    Walk {
        dst: u32,
    },
    /// Skips the rule of a step (`len` instructions) when it is not in force on the law's date.
    InForce {
        step: u32,
        len: u32,
    },
    /// A rule the fast path does not compile, applied by the full evaluator; skips the rest of
    /// the rule (`len` instructions) when it does not apply.
    Full {
        step: u32,
        len: u32,
    },
    /// A rule whose conditions hold: active unless an active rule defeats it. A rule that
    /// defeats others (`defeats`) is followed by an [`Op::Inactive`] that this skips.
    Apply {
        step: u32,
        defeats: bool,
    },
    /// A rule that defeats others and does not apply: inactive.
    Inactive {
        rule: u32,
    },
}

/// A field of the subject loaded into its register when a subject starts: the narrow cells of
/// [`Op::Narrow`] (or [`Op::NarrowSigned`], when `signed`).
#[derive(Copy, Clone, Debug)]
struct Load {
    dst: u32,
    start: u32,
    rows: u32,
    signed: bool,
}

/// The plan's conditions as instructions, built once per evaluator.
#[derive(Debug, Default)]
pub(crate) struct Code {
    id: u64,
    ops: Vec<Op>,
    /// The instructions of every rule, in the order the plan decides them.
    rules: (u32, u32),
    /// The instructions of the decision date, when it lowered.
    date: (u32, u32),
    /// The registers before any subject: literals hold their values, the others nothing.
    registers: Vec<Word>,
    /// The registers emptied when a subject starts: those that may be read before they are
    /// written (see [`Op`]).
    reset: Vec<u32>,
    /// The subject's register, when some condition reads the subject.
    subject: Option<u32>,
    /// The fields of the subject the instructions read from narrow cells: loaded when a subject
    /// starts, in one loop rather than one instruction each, and known to every instruction.
    loads: Vec<Load>,
    /// Whether the plan's steps come in the order of the rules' indices.
    in_rule_order: bool,
}

/// Builds the instructions: the state of one compilation.
struct Compiler<'p> {
    plan: &'p Plan,
    /// Per node: how many nodes or roots read it.
    readers: Vec<u32>,
    /// Per node: how many instructions it took where it was first emitted.
    emitted: Vec<Option<u32>>,
    /// Per node (`and`, `or` or a call read in several places): how many instructions its test
    /// took where a condition first tested it in place.
    tested: Vec<Option<u32>>,
    /// Per node: whether its register is sure to hold the subject's value where the next
    /// instruction runs, whichever way the jumps before it went.
    known: Vec<bool>,
    /// The nodes made known, in order, so that leaving a branch forgets those it made known.
    log: Vec<NodeId>,
    /// Beyond this many instructions, a node emitted before is left to the tree walker.
    budget: usize,
    ops: Vec<Op>,
}
impl Compiler<'_> {
    /// The children the instructions of a node read; none for a node the tree walker evaluates.
    fn children(&self, id: NodeId, mut each: impl FnMut(NodeId)) {
        match &self.plan.nodes[id as usize] {
            Node::Builtin(Builtin::Size, args) if args.len() == 1 => each(args[0]),
            // What the tree walker evaluates: other builtins.
            Node::Builtin(..) => {}
            node => node.each_child(each),
        }
    }

    /// Counts the readers of every node reachable from `roots`.
    fn count_readers(&mut self, roots: impl Iterator<Item = NodeId>) {
        let mut seen = vec![false; self.plan.nodes.len()];
        let mut stack = Vec::new();
        for root in roots {
            self.readers[root as usize] += 1;
            stack.push(root);
            while let Some(id) = stack.pop() {
                if std::mem::replace(&mut seen[id as usize], true) {
                    continue;
                }
                let mut children = Vec::new();
                self.children(id, |child| children.push(child));
                for child in children {
                    self.readers[child as usize] += 1;
                    stack.push(child);
                }
            }
        }
    }

    fn push(&mut self, op: Op) -> usize {
        self.ops.push(op);
        self.ops.len() - 1
    }

    /// How many instructions follow the one at `at`: the length of a forward jump from it to
    /// the end.
    fn len_after(&self, at: usize) -> u32 {
        (self.ops.len() - at - 1) as u32
    }

    /// Where the nodes known so far end: [`Compiler::forget`] returns to it.
    fn scope(&self) -> usize {
        self.log.len()
    }

    /// Forgets the nodes made known since `scope`: the instructions that computed them may be
    /// jumped over.
    fn forget(&mut self, scope: usize) {
        for id in self.log.drain(scope..) {
            self.known[id as usize] = false;
        }
    }

    /// Emits the instructions that leave a node's value in its register, unless it is known
    /// there already. A node read in several places is computed behind a guard that skips it
    /// when it was computed before, unless it takes one instruction, cheaper than the guard.
    fn emit(&mut self, id: NodeId) {
        let idx = id as usize;
        if self.known[idx] || matches!(self.plan.nodes[idx], Node::Lit(_) | Node::Subject) {
            return;
        }
        if self.readers[idx] <= 1 {
            self.emit_node(id);
        } else if self.emitted[idx].is_some_and(|len| len as usize > MAX_COPIED)
            || self.ops.len() > self.budget
        {
            self.push(Op::Memo { node: id, len: 1 });
            self.push(Op::Walk { dst: id });
        } else {
            let start = self.push(Op::Memo { node: id, len: 0 });
            self.emit_node(id);
            let len = self.len_after(start);
            if len == 1 {
                self.ops.remove(start);
            } else {
                self.ops[start] = Op::Memo { node: id, len };
            }
            self.emitted[idx].get_or_insert(len);
        }
        self.known[idx] = true;
        self.log.push(id);
    }

    fn emit_node(&mut self, id: NodeId) {
        let plan = self.plan;
        let dst = id;
        match &plan.nodes[id as usize] {
            Node::Field { base, .. } => {
                self.emit(*base);
                let field = plan.field_of[id as usize];
                let op = match &plan.fields[field as usize] {
                    Cells::Narrow {
                        start, rows, signed, ..
                    } => match (u32::try_from(*start), u32::try_from(*rows)) {
                        (Ok(start), Ok(rows)) if *signed => Op::NarrowSigned {
                            dst,
                            base: *base,
                            start,
                            rows,
                        },
                        (Ok(start), Ok(rows)) => Op::Narrow {
                            dst,
                            base: *base,
                            start,
                            rows,
                        },
                        _ => Op::Walk { dst },
                    },
                    Cells::Wide(_) => Op::Wide {
                        dst,
                        base: *base,
                        field,
                    },
                };
                self.push(op);
            }
            Node::Not(inner) => self.unary(*inner, Op::Not { dst, src: *inner }),
            Node::IsSome(inner) => self.unary(*inner, Op::IsSome { dst, src: *inner }),
            Node::IsNone(inner) => self.unary(*inner, Op::IsNone { dst, src: *inner }),
            Node::Neg(inner) => self.unary(*inner, Op::Neg { dst, src: *inner }),
            Node::And(left, right) | Node::Or(left, right) => {
                let settles_on = matches!(plan.nodes[id as usize], Node::Or(..));
                self.emit(*left);
                let branch = self.push(Op::Branch {
                    dst,
                    src: *left,
                    settles_on,
                    len: 0,
                });
                let scope = self.scope();
                self.emit(*right);
                self.push(Op::Truth { dst, src: *right });
                self.forget(scope);
                let len = self.len_after(branch);
                self.ops[branch] = Op::Branch {
                    dst,
                    src: *left,
                    settles_on,
                    len,
                };
            }
            Node::Compare(op, left, right) => {
                self.emit(*left);
                self.emit(*right);
                self.push(Op::Compare {
                    dst,
                    op: *op,
                    left: *left,
                    right: *right,
                });
            }
            Node::Arith(op, left, right) => {
                self.emit(*left);
                self.emit(*right);
                self.push(Op::Arith {
                    dst,
                    op: *op,
                    left: *left,
                    right: *right,
                });
            }
            Node::In {
                element,
                set,
                negated,
                is_set,
            } => {
                self.emit(*element);
                self.emit(*set);
                self.push(Op::In {
                    dst,
                    element: *element,
                    set: *set,
                    negated: *negated,
                    is_set: *is_set,
                });
            }
            Node::If(condition, then, otherwise) => {
                self.emit(*condition);
                let unless = self.push(Op::JumpIf {
                    src: *condition,
                    when: false,
                    len: 0,
                });
                let scope = self.scope();
                self.emit(*then);
                self.push(Op::Move { dst, src: *then });
                self.forget(scope);
                let jump = self.push(Op::Jump { len: 0 });
                self.patch(&[unless]);
                self.emit(*otherwise);
                self.push(Op::Move { dst, src: *otherwise });
                self.forget(scope);
                let len = self.len_after(jump);
                self.ops[jump] = Op::Jump { len };
            }
            Node::Call { args, body, .. } => {
                // Arguments first, as the tree walker does: one that stops the run stops it even
                // if the body does not read it.
                for arg in args {
                    self.emit(*arg);
                }
                self.emit(*body);
                self.push(Op::Move { dst, src: *body });
            }
            Node::Builtin(Builtin::Size, args) if args.len() == 1 => {
                self.emit(args[0]);
                self.push(Op::Size { dst, src: args[0] });
            }
            // Other builtins, and any kind of node not compiled here: the tree walker.
            _ => {
                self.push(Op::Walk { dst });
            }
        }
    }

    fn unary(&mut self, inner: NodeId, op: Op) {
        self.emit(inner);
        self.push(op);
    }

    /// Emits the instructions that jump forward (the jumps' places added to `sites`, for
    /// [`Compiler::patch`]) when a boolean node is `when`, and go on when it is the other; a
    /// value that is not a known boolean stops the run, as it does in a register. A node no other
    /// place reads is tested where it is computed, its value not kept: `and`, `or` and `not` as
    /// jumps, and comparisons, membership, `is some`, `is none` and boolean fields as one
    /// instruction each. So is a node read in several places whose test is short (see
    /// [`Compiler::tested_in_place`] and [`MAX_TESTED_AGAIN`]).
    fn emit_cond(&mut self, id: NodeId, when: bool, sites: &mut Vec<usize>) {
        let idx = id as usize;
        let composite = matches!(
            self.plan.nodes[idx],
            Node::And(..) | Node::Or(..) | Node::Call { .. }
        );
        let again = composite
            && self.ops.len() <= self.budget
            && self.tested[idx].is_none_or(|len| len <= MAX_TESTED_AGAIN);
        if self.known[idx] || (self.readers[idx] > 1 && !again && !self.tested_in_place(id)) {
            self.emit(id);
            sites.push(self.push(Op::JumpIf {
                src: id,
                when,
                len: 0,
            }));
            return;
        }
        let start = self.ops.len();
        self.emit_test(id, when, sites);
        if composite && self.readers[idx] > 1 {
            self.tested[idx].get_or_insert((self.ops.len() - start) as u32);
        }
    }

    /// Emits the instructions of [`Compiler::emit_cond`] that test a node in place.
    fn emit_test(&mut self, id: NodeId, when: bool, sites: &mut Vec<usize>) {
        let idx = id as usize;
        let plan = self.plan;
        match &plan.nodes[idx] {
            Node::And(left, right) | Node::Or(left, right) => {
                // `and` settles on a false left, `or` on a true one, with that result; the right
                // is evaluated only otherwise, so what it computes is forgotten after it.
                let settles_on = matches!(plan.nodes[idx], Node::Or(..));
                if settles_on == when {
                    self.emit_cond(*left, when, sites);
                    let scope = self.scope();
                    self.emit_cond(*right, when, sites);
                    self.forget(scope);
                } else {
                    // A left that settles goes on past the node.
                    let mut past = Vec::new();
                    self.emit_cond(*left, settles_on, &mut past);
                    let scope = self.scope();
                    self.emit_cond(*right, when, sites);
                    self.forget(scope);
                    self.patch(&past);
                }
            }
            Node::Not(inner) => self.emit_cond(*inner, !when, sites),
            Node::Call { args, body, .. } => {
                // Arguments first, as for its value.
                for arg in args {
                    self.emit(*arg);
                }
                self.emit_cond(*body, when, sites);
            }
            Node::Compare(op, left, right) => {
                self.emit(*left);
                self.emit(*right);
                sites.push(self.push(Op::CompareJump {
                    op: *op,
                    left: *left,
                    right: *right,
                    when,
                    len: 0,
                }));
            }
            Node::In {
                element,
                set,
                negated,
                is_set,
            } => {
                self.emit(*element);
                self.emit(*set);
                sites.push(self.push(Op::InJump {
                    element: *element,
                    set: *set,
                    negated: *negated,
                    is_set: *is_set,
                    when,
                    len: 0,
                }));
            }
            Node::IsSome(inner) | Node::IsNone(inner) => {
                let some = matches!(plan.nodes[idx], Node::IsSome(_));
                let when = when == some;
                let before = self.ops.len();
                self.emit(*inner);
                // A field loaded by the one instruction just emitted is loaded and tested by one.
                // Nothing jumps past that instruction yet: jumps emitted before it land on it at
                // most.
                let fused = match self.ops[before..] {
                    [
                        Op::Narrow {
                            dst,
                            base,
                            start,
                            rows,
                        },
                    ] if dst == *inner => Some((dst, base, start, rows, false)),
                    [
                        Op::NarrowSigned {
                            dst,
                            base,
                            start,
                            rows,
                        },
                    ] if dst == *inner => Some((dst, base, start, rows, true)),
                    _ => None,
                };
                if let Some((dst, base, start, rows, signed)) = fused {
                    self.ops[before] = Op::NarrowSomeJump {
                        dst,
                        base,
                        start,
                        rows,
                        signed,
                        when,
                        len: 0,
                    };
                    sites.push(before);
                } else {
                    sites.push(self.push(Op::SomeJump {
                        src: *inner,
                        when,
                        len: 0,
                    }));
                }
            }
            Node::Field { base, .. } => {
                let field = plan.field_of[idx];
                match &plan.fields[field as usize] {
                    Cells::Narrow { start, rows, .. } => {
                        if let (Ok(start), Ok(rows)) = (u32::try_from(*start), u32::try_from(*rows)) {
                            self.emit(*base);
                            sites.push(self.push(Op::FieldJump {
                                base: *base,
                                start,
                                rows,
                                when,
                                len: 0,
                            }));
                            return;
                        }
                        self.emit(id);
                        sites.push(self.push(Op::JumpIf {
                            src: id,
                            when,
                            len: 0,
                        }));
                    }
                    Cells::Wide(_) => {
                        self.emit(id);
                        sites.push(self.push(Op::JumpIf {
                            src: id,
                            when,
                            len: 0,
                        }));
                    }
                }
            }
            _ => {
                self.emit(id);
                sites.push(self.push(Op::JumpIf {
                    src: id,
                    when,
                    len: 0,
                }));
            }
        }
    }

    /// Whether a node read in several places is tested where a condition reads it, by one
    /// instruction over its operands' registers (or a cell), rather than computed once into its
    /// register and tested there: the guard and the instruction that keeps the value cost more
    /// than testing again. Membership is kept, as it searches a set.
    fn tested_in_place(&self, id: NodeId) -> bool {
        let plan = self.plan;
        match &plan.nodes[id as usize] {
            Node::IsSome(_) | Node::IsNone(_) | Node::Compare(..) => true,
            Node::Field { .. } => matches!(
                plan.fields[plan.field_of[id as usize] as usize],
                Cells::Narrow { start, rows, .. }
                    if u32::try_from(start).is_ok() && u32::try_from(rows).is_ok()
            ),
            Node::Not(inner) => {
                self.known[*inner as usize]
                    || self.readers[*inner as usize] > 1
                    || self.tested_in_place(*inner)
            }
            _ => false,
        }
    }

    /// Points the forward jumps at `sites` to the next instruction to be emitted.
    fn patch(&mut self, sites: &[usize]) {
        let end = self.ops.len();
        for site in sites {
            let len = (end - site - 1) as u32;
            match &mut self.ops[*site] {
                Op::JumpIf { len: at, .. }
                | Op::FieldJump { len: at, .. }
                | Op::CompareJump { len: at, .. }
                | Op::InJump { len: at, .. }
                | Op::SomeJump { len: at, .. }
                | Op::NarrowSomeJump { len: at, .. }
                | Op::Jump { len: at }
                | Op::InForce { len: at, .. }
                | Op::Full { len: at, .. } => *at = len,
                op => unreachable!("patch: {op:?} does not jump"),
            }
        }
    }

    /// Emits a root's instructions and gives their range.
    fn root(&mut self, id: NodeId) -> (u32, u32) {
        let start = self.ops.len() as u32;
        self.emit(id);
        (start, self.ops.len() as u32)
    }
}

impl Code {
    /// Compiles the conditions and decision date of a plan.
    pub(crate) fn new(plan: &Plan) -> Code {
        let n_nodes = plan.nodes.len();
        let mut compiler = Compiler {
            plan,
            readers: vec![0; n_nodes],
            emitted: vec![None; n_nodes],
            tested: vec![None; n_nodes],
            known: vec![false; n_nodes],
            log: Vec::new(),
            budget: n_nodes.saturating_mul(16).saturating_add(4096),
            ops: Vec::new(),
        };
        let roots = plan.conditions.iter().map(|(root, _)| *root).chain(plan.date);
        compiler.count_readers(roots);
        // The subject's fields are loaded before any instruction runs: known everywhere. Reading
        // a cell cannot fail, and one that is unknown holds no value, so an instruction that
        // reads it stops the run, as the instruction that loaded it would have.
        let loads: Vec<Load> = plan
            .nodes
            .iter()
            .enumerate()
            .filter_map(|(idx, node)| {
                let Node::Field { base, .. } = node else {
                    return None;
                };
                if compiler.readers[idx] == 0 || !matches!(plan.nodes[*base as usize], Node::Subject) {
                    return None;
                }
                match plan.fields[plan.field_of[idx] as usize] {
                    Cells::Narrow {
                        start, rows, signed, ..
                    } => Some(Load {
                        dst: idx as u32,
                        start: u32::try_from(start).ok()?,
                        rows: u32::try_from(rows).ok()?,
                        signed,
                    }),
                    Cells::Wide(_) => None,
                }
            })
            .collect();
        for load in &loads {
            compiler.known[load.dst as usize] = true;
        }
        // The decision date is computed before any rule, but only when some rule has dates.
        let date = plan.date.map_or((0, 0), |date| {
            let scope = compiler.scope();
            let range = compiler.root(date);
            compiler.forget(scope);
            range
        });
        // The steps in the order they run. The first condition of a rule always in force runs
        // for every subject, so what it computes whatever its jumps is known to every later
        // rule; what later conditions compute only to the rest of their rule.
        let mut defeaters = vec![false; plan.denies.len()];
        for rule in &plan.defeaters {
            defeaters[rule.idx()] = true;
        }
        let rules_start = compiler.ops.len() as u32;
        for (idx, step) in plan.steps.iter().enumerate() {
            let idx = idx as u32;
            let start = compiler.ops.len();
            let always = step.effective.is_none() && step.until.is_none();
            if !always {
                compiler.push(Op::InForce { step: idx, len: 0 });
            }
            // The instructions that skip the rest of the rule when it does not apply.
            let mut skips = Vec::new();
            let mut scope = compiler.scope();
            match &step.conditions {
                Some(range) => {
                    for condition in range.start as usize..range.end as usize {
                        // The rule does not apply when a `when` is false or an `unless` true.
                        let (root, negated) = plan.conditions[condition];
                        compiler.emit_cond(root, negated, &mut skips);
                        if always && condition == range.start as usize {
                            scope = compiler.scope();
                        }
                    }
                }
                None => skips.push(compiler.push(Op::Full { step: idx, len: 0 })),
            }
            let defeats = defeaters[step.rule.idx()];
            compiler.push(Op::Apply { step: idx, defeats });
            if defeats {
                compiler.push(Op::Inactive { rule: step.rule.0 });
            }
            // A rule that does not apply goes on at its `Inactive`, or at the next rule.
            let inactive = if defeats { compiler.ops.pop() } else { None };
            skips.extend((!always).then_some(start));
            compiler.patch(&skips);
            compiler.ops.extend(inactive);
            compiler.forget(scope);
        }
        let rules = (rules_start, compiler.ops.len() as u32);
        let reset = reset_registers(plan, &compiler.ops);
        let registers = plan
            .nodes
            .iter()
            .map(|node| match node {
                Node::Lit(value) => Word::of(*value),
                _ => Word::GIVE_UP,
            })
            .collect();
        let subject = plan
            .nodes
            .iter()
            .position(|node| matches!(node, Node::Subject))
            .map(|idx| idx as u32);
        let in_rule_order = plan
            .steps
            .iter()
            .enumerate()
            .all(|(idx, step)| step.rule.idx() == idx);
        Code {
            id: NEXT_ID.fetch_add(1, Ordering::Relaxed),
            ops: compiler.ops,
            rules,
            date,
            registers,
            reset,
            subject,
            loads,
            in_rule_order,
        }
    }

    /// Decides one subject into `decision` (its verdict, law date and deciding rules; the
    /// caller adds obligations); `false` when the fast path gave up and the full evaluator must
    /// decide. The decision is the tree walker's, made without its per-node dispatch.
    pub(crate) fn decide(
        &self,
        plan: &Plan,
        full: &FullEvaluator<'_>,
        scratch: &mut FullScratch,
        memory: &mut SingleMemory,
        subject: u32,
        decision: &mut Decision,
    ) -> bool {
        self.start(plan, memory, subject);
        let law_date = match full.options.law {
            LawDate::AsOf(date) => Some(date),
            LawDate::SubjectDate if !full.any_dated => None,
            LawDate::SubjectDate => {
                let Some(date) = plan.date else {
                    return false;
                };
                if self
                    .run(plan, full, scratch, memory, subject, None, self.date)
                    .is_none()
                {
                    return false;
                }
                match memory.words[date as usize] {
                    Word { tag: DATE, bits } => Some(Date(bits as i64 as i32)),
                    _ => return false,
                }
            }
        };
        let n_rules = plan.denies.len();
        if memory.active.len() != n_rules {
            memory.active.clear();
            memory.active.resize(n_rules, false);
        }
        memory.actives.clear();
        let Some((deny, permit)) = self.run(plan, full, scratch, memory, subject, law_date, self.rules)
        else {
            return false;
        };
        decision.restart(subject, law_date);
        decision.trace = None;
        decision.verdict = crate::eval::decide::fast_verdict(plan.default_deny, deny, permit);
        // The deciding rules are the active deny rules if any, else the active permit rules,
        // by rule index.
        let deciding = memory
            .actives
            .iter()
            .filter(|rule| plan.denies[rule.idx()] == deny);
        decision.deciding.extend(deciding);
        if !self.in_rule_order {
            decision.deciding.sort_unstable();
        }
        true
    }

    /// Readies the registers for a new subject: those of another program or subject are
    /// forgotten, and the subject's fields loaded.
    fn start(&self, plan: &Plan, memory: &mut SingleMemory, subject: u32) {
        if memory.owner != self.id {
            memory.owner = self.id;
            memory.words.clone_from(&self.registers);
        }
        let words = &mut memory.words[..];
        for idx in &self.reset {
            if let Some(word) = words.get_mut(*idx as usize) {
                word.tag = GIVE_UP;
            }
        }
        if let Some(word) = self.subject.and_then(|idx| words.get_mut(idx as usize)) {
            *word = Word::new(RECORD, u64::from(subject));
        }
        let (tags, payloads) = (&plan.narrow.tags[..], &plan.narrow.payloads[..]);
        for load in &self.loads {
            let idx = load.start as usize + subject as usize;
            let word = match (tags.get(idx), payloads.get(idx)) {
                (Some(tag), Some(payload)) if subject < load.rows => {
                    let bits = if load.signed {
                        *payload as i32 as i64 as u64
                    } else {
                        u64::from(*payload)
                    };
                    Word::new(u64::from(*tag), bits)
                }
                _ => Word::GIVE_UP,
            };
            if let Some(register) = words.get_mut(load.dst as usize) {
                *register = word;
            }
        }
    }

    /// Runs the instructions in `range` for a subject under the law of `law_date`: whether some
    /// active rule denies, and whether some permits; `None` when the subject must go to the
    /// full evaluator.
    #[allow(clippy::too_many_arguments)] // The state of one decision, passed apart to keep borrows short.
    fn run(
        &self,
        plan: &Plan,
        full: &FullEvaluator<'_>,
        scratch: &mut FullScratch,
        memory: &mut SingleMemory,
        subject: u32,
        law_date: Option<Date>,
        range: (u32, u32),
    ) -> Option<(bool, bool)> {
        let ops = self.ops.get(range.0 as usize..range.1 as usize)?;
        let facts = full.facts;
        let (mut deny, mut permit) = (false, false);
        let mut pc = 0;
        loop {
            // The registers as slices for the inner loop, which runs until the end or a node
            // left to the tree walker, which needs the whole memory.
            let SingleMemory {
                words,
                active: active_rules,
                actives,
                ..
            } = &mut *memory;
            let (words, active_rules) = (&mut words[..], &mut active_rules[..]);
            let walk = loop {
                let Some(op) = ops.get(pc) else {
                    return Some((deny, permit));
                };
                pc += 1;
                let (dst, word) = match *op {
                    Op::Memo { node, len } => {
                        if words[node as usize].tag != GIVE_UP {
                            pc += len as usize;
                        }
                        continue;
                    }
                    Op::Narrow {
                        dst,
                        base,
                        start,
                        rows,
                    } => {
                        let (tag, payload) = narrow(plan, words[base as usize], start, rows)?;
                        (dst, Word::new(tag, u64::from(payload)))
                    }
                    Op::NarrowSigned {
                        dst,
                        base,
                        start,
                        rows,
                    } => {
                        let (tag, payload) = narrow(plan, words[base as usize], start, rows)?;
                        (dst, Word::new(tag, payload as i32 as i64 as u64))
                    }
                    Op::Wide { dst, base, field } => {
                        let base = words[base as usize];
                        let Some(Cells::Wide(cells)) = plan.fields.get(field as usize) else {
                            return None;
                        };
                        match (base.tag, usize::try_from(base.bits)) {
                            (RECORD, Ok(row)) => (dst, cells.get(row).copied().unwrap_or(Word::GIVE_UP)),
                            _ => return None,
                        }
                    }
                    Op::Not { dst, src } => match words[src as usize] {
                        Word { tag: BOOL, bits } => (dst, Word::bool(bits == 0)),
                        _ => return None,
                    },
                    // A field of the subject loaded unknown holds no value: it is neither some
                    // nor none.
                    Op::IsSome { dst, src } => match words[src as usize].tag {
                        GIVE_UP => return None,
                        tag => (dst, Word::bool(tag != NONE)),
                    },
                    Op::IsNone { dst, src } => match words[src as usize].tag {
                        GIVE_UP => return None,
                        tag => (dst, Word::bool(tag == NONE)),
                    },
                    Op::Branch {
                        dst,
                        src,
                        settles_on,
                        len,
                    } => match words[src as usize] {
                        Word { tag: BOOL, bits } if (bits != 0) == settles_on => {
                            pc += len as usize;
                            (dst, Word::bool(settles_on))
                        }
                        Word { tag: BOOL, .. } => continue,
                        _ => return None,
                    },
                    Op::Truth { dst, src } => match words[src as usize] {
                        word @ Word { tag: BOOL, .. } => (dst, word),
                        _ => return None,
                    },
                    Op::Move { dst, src } => (dst, words[src as usize]),
                    Op::JumpIf { src, when, len } => match words[src as usize] {
                        Word { tag: BOOL, bits } => {
                            if (bits != 0) == when {
                                pc += len as usize;
                            }
                            continue;
                        }
                        _ => return None,
                    },
                    Op::FieldJump {
                        base,
                        start,
                        rows,
                        when,
                        len,
                    } => match narrow(plan, words[base as usize], start, rows)? {
                        (BOOL, payload) => {
                            if (payload != 0) == when {
                                pc += len as usize;
                            }
                            continue;
                        }
                        _ => return None,
                    },
                    Op::CompareJump {
                        op,
                        left,
                        right,
                        when,
                        len,
                    } => {
                        if compare(op, words[left as usize], words[right as usize])? == when {
                            pc += len as usize;
                        }
                        continue;
                    }
                    Op::InJump {
                        element,
                        set,
                        negated,
                        is_set,
                        when,
                        len,
                    } => {
                        let (element, set) = (words[element as usize], words[set as usize]);
                        if set.tag != SEQ {
                            return None;
                        }
                        if member(plan, facts, set.bits, element, negated, is_set)? == when {
                            pc += len as usize;
                        }
                        continue;
                    }
                    Op::SomeJump { src, when, len } => match words[src as usize].tag {
                        GIVE_UP => return None,
                        tag => {
                            if (tag != NONE) == when {
                                pc += len as usize;
                            }
                            continue;
                        }
                    },
                    Op::NarrowSomeJump {
                        dst,
                        base,
                        start,
                        rows,
                        signed,
                        when,
                        len,
                    } => {
                        let (tag, payload) = narrow(plan, words[base as usize], start, rows)?;
                        if tag == GIVE_UP {
                            return None;
                        }
                        let bits = if signed {
                            payload as i32 as i64 as u64
                        } else {
                            u64::from(payload)
                        };
                        words[dst as usize] = Word::new(tag, bits);
                        if (tag != NONE) == when {
                            pc += len as usize;
                        }
                        continue;
                    }
                    Op::Jump { len } => {
                        pc += len as usize;
                        continue;
                    }
                    Op::Compare { dst, op, left, right } => {
                        match compare(op, words[left as usize], words[right as usize]) {
                            Some(truth) => (dst, Word::bool(truth)),
                            None => return None,
                        }
                    }
                    Op::In {
                        dst,
                        element,
                        set,
                        negated,
                        is_set,
                    } => {
                        let (element, set) = (words[element as usize], words[set as usize]);
                        if set.tag != SEQ {
                            return None;
                        }
                        match member(plan, facts, set.bits, element, negated, is_set) {
                            Some(truth) => (dst, Word::bool(truth)),
                            None => return None,
                        }
                    }
                    Op::Neg { dst, src } => (dst, negate(words[src as usize])),
                    Op::Arith { dst, op, left, right } => {
                        (dst, arith(op, words[left as usize], words[right as usize]))
                    }
                    Op::Size { dst, src } => (dst, size(plan, facts, words[src as usize])),
                    Op::Walk { dst } => break dst,
                    Op::InForce { step, len } => {
                        let step = plan.steps.get(step as usize)?;
                        if let Some(date) = law_date
                            && !in_force(step.effective, step.until, date)
                        {
                            pc += len as usize;
                        }
                        continue;
                    }
                    Op::Full { step, len } => {
                        let rule = plan.steps.get(step as usize)?.rule;
                        match full.rule_applies(scratch, subject, rule, None) {
                            Ok(Ok(true)) => {}
                            Ok(Ok(false)) => pc += len as usize,
                            Ok(Err(_)) | Err(_) => return None,
                        }
                        continue;
                    }
                    Op::Apply { step, defeats } => {
                        let step = plan.steps.get(step as usize)?;
                        let defeaters = plan
                            .defeaters
                            .get(step.defeaters.start as usize..step.defeaters.end as usize)?;
                        let active = !defeaters.iter().any(|rule| active_rules[rule.idx()]);
                        if defeats {
                            active_rules[step.rule.idx()] = active;
                            pc += 1;
                        }
                        if active {
                            actives.push(step.rule);
                            deny |= step.deny;
                            permit |= !step.deny;
                        }
                        continue;
                    }
                    Op::Inactive { rule } => {
                        active_rules[rule as usize] = false;
                        continue;
                    }
                };
                if word.tag == GIVE_UP {
                    return None;
                }
                words[dst as usize] = word;
            };
            let word = SingleExec::resume(plan, facts, memory, subject).word(walk);
            if word.tag == GIVE_UP {
                return None;
            }
            memory.words[walk as usize] = word;
        }
    }
}

/// The registers that may be read before they are written for a subject: those behind an
/// [`Op::Memo`] and every node the tree walker may evaluate for an [`Op::Walk`], literals and the
/// subject left out (they never change). A node read in several places whose instructions are
/// one is computed again at each place, unguarded, so its register is not emptied.
fn reset_registers(plan: &Plan, ops: &[Op]) -> Vec<u32> {
    let n_nodes = plan.nodes.len();
    let mut reset = vec![false; n_nodes];
    for op in ops {
        if let Op::Memo { node, .. } = op {
            reset[*node as usize] = true;
        }
    }
    let mut stack: Vec<NodeId> = ops
        .iter()
        .filter_map(|op| match op {
            Op::Walk { dst } => Some(*dst),
            _ => None,
        })
        .collect();
    let mut walked = vec![false; n_nodes];
    while let Some(id) = stack.pop() {
        if std::mem::replace(&mut walked[id as usize], true) {
            continue;
        }
        reset[id as usize] = true;
        plan.nodes[id as usize].each_child(|child| stack.push(child));
    }
    (0..n_nodes)
        .filter(|idx| reset[*idx] && !matches!(plan.nodes[*idx], Node::Lit(_) | Node::Subject))
        .map(|idx| idx as u32)
        .collect()
}

/// The tag and payload of a field's narrow cell in the row of the record `base`; `None` to
/// give up.
#[inline(always)]
fn narrow(plan: &Plan, base: Word, start: u32, rows: u32) -> Option<(u64, u32)> {
    if base.tag != RECORD || base.bits >= u64::from(rows) {
        return None;
    }
    let idx = start as usize + base.bits as usize;
    let tag = *plan.narrow.tags.get(idx)?;
    let payload = *plan.narrow.payloads.get(idx)?;
    Some((u64::from(tag), payload))
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)] // Test code: a failed unwrap is a failed test.

    use super::Code;
    use crate::engine::{Engine, FactsInput, NoFiles};
    use crate::eval::fast::plan::Node;
    use crate::eval::fast::single::{SingleExec, SingleMemory};
    use crate::eval::fast::word::GIVE_UP;
    use crate::eval::{Decision, Evaluator, Options, Scratch};
    use crate::facts::Format;

    /// A policy with every kind of node the instructions compile: fields (narrow and wide),
    /// `and`, `or`, `not`, `if`, calls, membership, arithmetic, negation, comparisons, `is some`
    /// and `is none`, a builtin, a dated rule and an exception.
    const POLICY: &str = r#"policy "Compiled conditions"

record Country key code {
  code: Text
  in_conflict: Bool
  since: Date?
  partners: Set<Country>
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

rule embargo: deny {
  when t.to.since is some and t.to.since <= t.date
  because "embargo"
}

rule onward_conflict: deny {
  when t.onward is some and t.onward.in_conflict
  because "onward"
}

rule heavy_to_conflict: deny {
  when (t.to.in_conflict and heavy(t.item)) or t.id == "never"
  because "heavy to a country in conflict"
}

rule heavy_items: permit {
  when heavy(t.item) and not t.to.in_conflict
  because "heavy"
}

rule partners: permit {
  when partner(t.to, home) and size(t.tags) > 0
  because "partner"
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

rule home_made: deny {
  when t.item.maker == home
  exception to chosen
  because "home made"
}

rule home_made_abroad: permit {
  when t.item.maker == home and t.to.since is some
  exception to embargo
  because "home made, sent to a country under embargo"
}
"#;

    const FACTS: &str = r#"{
  "Country": [
    {"code": "HOME", "in_conflict": false, "since": null, "partners": ["AL"]},
    {"code": "AL", "in_conflict": false, "since": null, "partners": ["HOME"]},
    {"code": "EM", "in_conflict": false, "since": "2001-01-01", "partners": []},
    {"code": "WA", "in_conflict": true, "since": "2999-01-01", "partners": []},
    {"code": "UK", "in_conflict": "?", "since": null, "partners": []}
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
    {"id": "wide_old", "item": "huge", "to": "HOME", "onward": null, "date": "2019-01-01", "tags": []},
    {"id": "wide_new", "item": "huge", "to": "HOME", "onward": null, "date": "2021-01-01", "tags": []},
    {"id": "light_home", "item": "light", "to": "HOME", "onward": null, "date": "2024-01-01", "tags": []},
    {"id": "unknown_weight", "item": "odd", "to": "HOME", "onward": null, "date": "2024-01-01", "tags": []},
    {"id": "unknown_conflict", "item": "heavy", "to": "UK", "onward": null, "date": "2024-01-01", "tags": []},
    {"id": "huge_embargoed", "item": "huge", "to": "EM", "onward": null, "date": "2024-01-01", "tags": []}
  ]
}"#;

    /// Decides every subject of `POLICY` through the compiled instructions and checks that
    /// each decision they make is the full evaluator's, and that each condition leaves in its
    /// register what the tree walker computes for it (or both give up); gives per subject its
    /// verdict, deciding rules and whether the instructions decided it.
    fn check(expected: &[&str]) {
        let files = NoFiles;
        let mut engine = Engine::new(&files, Vec::new());
        let loaded = engine.load_policy_text("compiled.pol", POLICY, None).unwrap();
        let program = &loaded.checked.program;
        let input = FactsInput {
            name: "facts.json".to_string(),
            bytes: FACTS.as_bytes().to_vec(),
            format: Format::Json,
            record: None,
            mapping: None,
        };
        let facts = engine.load_facts(program, vec![input]).unwrap();
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
        let plan = &evaluator.plan;
        let code = evaluator.code.get_or_init(|| Code::new(plan));
        assert!(plan.complete, "every rule of the policy takes the fast path");
        let mut scratch = Scratch::new();
        let mut seen = Vec::new();
        for subject in evaluator.subjects() {
            let expected_decision = full.decide(&mut scratch, subject).unwrap();
            assert_eq!(
                evaluator.decide(&mut scratch, subject).unwrap(),
                expected_decision
            );
            let mut decision = Decision::new(subject);
            // Empty registers, so that each register holding a value after the run was written
            // by it.
            scratch.fast.single = SingleMemory::default();
            let compiled = code.decide(
                plan,
                &evaluator.full,
                &mut scratch.full,
                &mut scratch.fast.single,
                subject,
                &mut decision,
            );
            if compiled {
                assert_eq!(decision, expected_decision, "subject {subject}");
            }
            // Every value the instructions computed for the subject is the tree walker's.
            let memory = &scratch.fast.single;
            for (node, word) in memory.words.iter().enumerate() {
                if word.tag == GIVE_UP || matches!(plan.nodes[node], Node::Lit(_)) {
                    continue;
                }
                let mut walked = SingleMemory::default();
                code.start(plan, &mut walked, subject);
                let walker = SingleExec::resume(plan, &facts, &mut walked, subject).word(node as u32);
                assert_eq!(*word, walker, "subject {subject}, node {node}");
            }
            assert_eq!(
                evaluator.decide(&mut scratch, subject).unwrap(),
                expected_decision
            );
            let rules: Vec<&str> = expected_decision
                .deciding
                .iter()
                .map(|rule| program.rules[rule.idx()].name.as_str())
                .collect();
            let path = if compiled { "compiled" } else { "full" };
            seen.push(format!("{:?} {rules:?} {path}", expected_decision.verdict));
        }
        assert_eq!(seen, expected);
    }

    /// Compiles `policy`, decides every subject of `facts` (of `record`, when given) through its
    /// instructions and checks each decision they make against the full evaluator's; gives the
    /// kinds of the instructions, and per subject its verdict, deciding rules and whether the
    /// instructions decided it.
    fn shapes(policy: &str, facts: &str, record: Option<&str>) -> (Vec<String>, Vec<String>) {
        let files = NoFiles;
        let mut engine = Engine::new(&files, Vec::new());
        let loaded = engine.load_policy_text("tests.pol", policy, None).unwrap();
        let program = &loaded.checked.program;
        let input = FactsInput {
            name: "facts.json".to_string(),
            bytes: facts.as_bytes().to_vec(),
            format: Format::Json,
            record: record.map(str::to_string),
            mapping: None,
        };
        let facts = engine.load_facts(program, vec![input]).unwrap();
        let evaluator = Evaluator::new(program, &facts, Options::default()).unwrap();
        let code = Code::new(&evaluator.plan);
        let kinds = code
            .ops
            .iter()
            .map(|op| format!("{op:?}").split([' ', '{']).next().unwrap().to_string())
            .collect();
        let full = Evaluator::new(
            program,
            &facts,
            Options {
                full_only: true,
                ..Options::default()
            },
        )
        .unwrap();
        let mut scratch = Scratch::new();
        let mut seen = Vec::new();
        for subject in evaluator.subjects() {
            let mut decision = Decision::new(subject);
            let compiled = code.decide(
                &evaluator.plan,
                &evaluator.full,
                &mut scratch.full,
                &mut scratch.fast.single,
                subject,
                &mut decision,
            );
            let expected = full.decide(&mut scratch, subject).unwrap();
            if compiled {
                assert_eq!(decision, expected, "subject {subject}");
            }
            assert_eq!(evaluator.decide(&mut scratch, subject).unwrap(), expected);
            let rules: Vec<&str> = expected
                .deciding
                .iter()
                .map(|rule| program.rules[rule.idx()].name.as_str())
                .collect();
            let path = if compiled { "compiled" } else { "full" };
            seen.push(format!("{:?} {rules:?} {path}", expected.verdict));
        }
        (kinds, seen)
    }

    /// A condition made of boolean fields, `and`, `or`, `not`, a comparison and `is none`.
    const TESTS: &str = r#"policy "Tests"

record Shipment key id {
  id: Text
  sealed: Bool
  checked: Bool
  weight: Int
  escort: Shipment?
}

decide s: Shipment
default permit because "nothing denies it"

rule risky: deny {
  when (s.sealed and not s.checked) or s.weight > 3
  unless s.escort is none
  because "risky"
}
"#;

    const TESTS_FACTS: &str = r#"[
  {"id": "a", "sealed": true, "checked": false, "weight": 1, "escort": "a"},
  {"id": "b", "sealed": true, "checked": true, "weight": 1, "escort": "a"},
  {"id": "c", "sealed": false, "checked": "?", "weight": 5, "escort": "a"},
  {"id": "d", "sealed": false, "checked": true, "weight": 2, "escort": "a"},
  {"id": "e", "sealed": true, "checked": false, "weight": 9, "escort": null},
  {"id": "f", "sealed": false, "checked": true, "weight": "?", "escort": "a"}
]"#;

    #[test]
    fn each_test_of_a_condition_is_one_instruction_that_jumps() {
        let (kinds, seen) = shapes(TESTS, TESTS_FACTS, Some("Shipment"));
        // No boolean is kept in a register: the subject's fields are loaded before the
        // instructions, each field, comparison and `is none` is tested where it is read, and
        // `and`, `or` and `not` are where the tests jump.
        assert_eq!(kinds, ["JumpIf", "JumpIf", "CompareJump", "SomeJump", "Apply"]);
        assert_eq!(
            seen,
            [
                r#"Deny ["risky"] compiled"#,
                "Permit [] compiled",
                r#"Deny ["risky"] compiled"#,
                "Permit [] compiled",
                "Permit [] compiled",
                "Undecided [] full"
            ]
        );
    }

    /// Rules that read the fields of related records, some in several rules.
    const RELATED: &str = r#"policy "Related records"

record Port key code {
  code: Text
  closed: Bool
  since: Date?
}

record Shipment key id {
  id: Text
  port: Port
  via: Port?
  day: Date
}

decide s: Shipment
default permit because "nothing denies it"

rule closed_port: deny {
  when s.port.closed
  because "the port is closed"
}

rule closed_since: deny {
  when s.port.since is some and s.port.since <= s.day
  because "the port is closed since a day before"
}

rule closed_via: deny {
  when s.via is some and s.via.closed
  because "the port on the way is closed"
}

rule closed_both: deny {
  when s.port.closed and s.via is some
  because "the port is closed, and there is a port on the way"
}

rule rerouted: deny {
  when s.via is some and s.via != s.port and s.port.closed
  because "the shipment leaves a closed port for another"
}
"#;

    const RELATED_FACTS: &str = r#"{
  "Port": [
    {"code": "open", "closed": false, "since": null},
    {"code": "shut", "closed": true, "since": "2020-01-01"},
    {"code": "later", "closed": false, "since": "2030-01-01"},
    {"code": "vague", "closed": "?", "since": "?"}
  ],
  "Shipment": [
    {"id": "a", "port": "open", "via": null, "day": "2024-01-01"},
    {"id": "b", "port": "shut", "via": "open", "day": "2024-01-01"},
    {"id": "c", "port": "later", "via": null, "day": "2024-01-01"},
    {"id": "d", "port": "later", "via": "shut", "day": "2031-01-01"},
    {"id": "e", "port": "open", "via": "vague", "day": "2024-01-01"},
    {"id": "f", "port": "vague", "via": null, "day": "2024-01-01"},
    {"id": "g", "port": "?", "via": null, "day": "2024-01-01"},
    {"id": "h", "port": "open", "via": "?", "day": "2024-01-01"}
  ]
}"#;

    #[test]
    fn a_field_of_a_related_record_is_tested_by_the_instruction_that_loads_it() {
        let (kinds, seen) = shapes(RELATED, RELATED_FACTS, None);
        // `s.port`, `s.via` and `s.day` are loaded before the instructions; `s.port.closed`,
        // read by three rules, is tested from its cell by each, with no guard and no register;
        // `s.port.since` is loaded and tested for `none` by one instruction.
        assert_eq!(
            kinds,
            [
                "FieldJump",
                "Apply",
                "NarrowSomeJump",
                "CompareJump",
                "Apply",
                "SomeJump",
                "FieldJump",
                "Apply",
                "FieldJump",
                "SomeJump",
                "Apply",
                "SomeJump",
                "CompareJump",
                "FieldJump",
                "Apply"
            ]
        );
        assert_eq!(
            seen,
            [
                "Permit [] compiled",
                r#"Deny ["closed_port", "closed_since", "closed_both", "rerouted"] compiled"#,
                "Permit [] compiled",
                r#"Deny ["closed_since", "closed_via"] compiled"#,
                "Undecided [] full",
                "Undecided [] full",
                "Undecided [] full",
                "Undecided [] full",
            ]
        );
    }

    /// A call read by two rules, whose body is `and` over a comparison and `not`.
    const SHARED: &str = r#"policy "Shared condition"

record Shipment key id {
  id: Text
  weight: Int
  sealed: Bool
  tags: Set<Int>
}

decide s: Shipment
default permit because "nothing denies it"

fn risky(shipment: Shipment) -> Bool = shipment.weight > 10 and not shipment.sealed

rule risky_tagged: deny {
  when risky(s) and 1 in s.tags
  because "risky, and tagged"
}

rule risky_untagged: deny {
  when risky(s) and 1 not in s.tags
  because "risky, and not tagged"
}
"#;

    const SHARED_FACTS: &str = r#"[
  {"id": "a", "weight": 20, "sealed": false, "tags": [1]},
  {"id": "b", "weight": 20, "sealed": false, "tags": []},
  {"id": "c", "weight": 5, "sealed": false, "tags": [1]},
  {"id": "d", "weight": 20, "sealed": true, "tags": []},
  {"id": "e", "weight": "?", "sealed": false, "tags": [1]},
  {"id": "f", "weight": 20, "sealed": "?", "tags": []}
]"#;

    #[test]
    fn a_short_condition_read_by_several_rules_is_tested_again_where_each_reads_it() {
        let (kinds, seen) = shapes(SHARED, SHARED_FACTS, Some("Shipment"));
        // `risky(s)` is tested by two instructions in each rule, with no guard, no register and
        // no copies of its value.
        assert_eq!(
            kinds,
            [
                "CompareJump",
                "JumpIf",
                "InJump",
                "Apply",
                "CompareJump",
                "JumpIf",
                "InJump",
                "Apply"
            ]
        );
        assert_eq!(
            seen,
            [
                r#"Deny ["risky_tagged"] compiled"#,
                r#"Deny ["risky_untagged"] compiled"#,
                "Permit [] compiled",
                "Permit [] compiled",
                "Undecided [] full",
                "Undecided [] full",
            ]
        );
    }

    /// `is some` of a field of the subject kept as a value, compared with another field.
    const SOME_AS_VALUE: &str = r#"policy "Some as a value"

record Shipment key id {
  id: Text
  escort: Shipment?
  flagged: Bool
}

decide s: Shipment
default permit because "nothing denies it"

rule escorted_as_flagged: deny {
  when (s.escort is some) == s.flagged
  because "escorted exactly when flagged"
}
"#;

    const SOME_AS_VALUE_FACTS: &str = r#"[
  {"id": "a", "escort": "a", "flagged": true},
  {"id": "b", "escort": null, "flagged": true},
  {"id": "c", "escort": "?", "flagged": true},
  {"id": "d", "escort": "?", "flagged": false}
]"#;

    #[test]
    fn a_field_of_the_subject_that_is_unknown_is_neither_some_nor_none() {
        let (kinds, seen) = shapes(SOME_AS_VALUE, SOME_AS_VALUE_FACTS, Some("Shipment"));
        assert_eq!(kinds, ["IsSome", "CompareJump", "Apply"]);
        // The escort of `c` and `d` is unknown, loaded before any instruction: `is some` of it
        // stops the run, and the full evaluator decides.
        assert_eq!(
            seen,
            [
                r#"Deny ["escorted_as_flagged"] compiled"#,
                "Permit [] compiled",
                "Undecided [] full",
                "Undecided [] full",
            ]
        );
    }

    #[test]
    fn compiled_conditions_decide_as_the_full_evaluator_and_the_tree_walker() {
        check(&[
            r#"Deny ["embargo"] compiled"#,
            r#"Deny ["onward_conflict"] compiled"#,
            r#"Permit ["heavy_items"] compiled"#,
            r#"Permit ["partners"] compiled"#,
            r#"Deny ["home_made"] compiled"#,
            r#"Deny ["home_made"] compiled"#,
            r#"Permit ["chosen"] compiled"#,
            r#"Undecided [] full"#,
            r#"Undecided [] full"#,
            r#"Deny ["home_made"] compiled"#,
        ]);
    }
}
