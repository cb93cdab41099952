//! The tree walker of the fast path for one subject at a time: a node of the graph evaluated
//! depth first, each node once per subject, with the batch's short-circuits and rule for giving
//! up. The compiled instructions (`compiled.rs`) call it for the nodes they do not compile.

use crate::check::ir::{Builtin, RuleId};
use crate::facts::Facts;

use super::batch::{apply_builtin, arith, compare, member, negate, size};
use super::plan::{Node, NodeId, Plan};
use super::word::{BOOL, GIVE_UP, NONE, RECORD, SEQ, Word};

/// The working memory of one-subject evaluations, reused from subject to subject: the
/// registers of the compiled instructions (`compiled.rs`), which are the tree walker's memo too.
#[derive(Debug, Default)]
pub(crate) struct SingleMemory {
    /// The compiled program the registers were filled for (0 for none).
    pub(crate) owner: u64,
    /// One register per node. A register the tree walker reads holds [`Word::GIVE_UP`] until
    /// its node is computed for the subject: `compiled.rs` empties those when a subject starts.
    pub(crate) words: Vec<Word>,
    /// Per rule: whether it is active for the current subject.
    pub(crate) active: Vec<bool>,
    /// The active rules, in the order they were decided.
    pub(crate) actives: Vec<RuleId>,
}

/// Evaluates nodes of a plan for one subject.
pub(crate) struct SingleExec<'e> {
    plan: &'e Plan,
    facts: &'e Facts,
    row: &'e mut SingleMemory,
    subject: u32,
}

impl<'e> SingleExec<'e> {
    /// Continues evaluating for the subject whose evaluation `row` holds (`compiled.rs` starts
    /// it, sized for the plan): values already computed are reused.
    pub(crate) fn resume(
        plan: &'e Plan,
        facts: &'e Facts,
        row: &'e mut SingleMemory,
        subject: u32,
    ) -> SingleExec<'e> {
        SingleExec {
            plan,
            facts,
            row,
            subject,
        }
    }

    /// The truth of a boolean node; `None` to give up.
    #[inline]
    fn truth(&mut self, id: NodeId) -> Option<bool> {
        let word = self.eval(id);
        (word.tag == BOOL).then_some(word.bits != 0)
    }

    /// The word of a node; [`Word::GIVE_UP`] to give up.
    pub(crate) fn word(&mut self, id: NodeId) -> Word {
        self.eval(id)
    }

    /// The word of a node, computed at its first use for the subject (a node that gives up is
    /// computed again at each use; the subject is given up anyway).
    #[inline(always)]
    fn eval(&mut self, id: NodeId) -> Word {
        let idx = id as usize;
        let word = self.row.words[idx];
        if word.tag != GIVE_UP {
            return word;
        }
        let word = self.compute(id);
        self.row.words[idx] = word;
        word
    }

    #[inline(never)]
    fn compute(&mut self, id: NodeId) -> Word {
        let plan = self.plan;
        let bool_of = |value: Option<bool>| value.map_or(Word::GIVE_UP, Word::bool);
        match &plan.nodes[id as usize] {
            Node::Lit(value) => Word::of(*value),
            Node::Subject => Word::new(RECORD, u64::from(self.subject)),
            Node::Field { base, .. } => {
                let base = self.eval(*base);
                if base.tag != RECORD {
                    return Word::GIVE_UP;
                }
                let cells = &plan.fields[plan.field_of[id as usize] as usize];
                match usize::try_from(base.bits) {
                    Ok(row) => plan.narrow.cell(cells, row),
                    Err(_) => Word::GIVE_UP,
                }
            }
            Node::Not(inner) => bool_of(self.truth(*inner).map(|value| !value)),
            Node::IsSome(inner) | Node::IsNone(inner) => {
                let some = matches!(plan.nodes[id as usize], Node::IsSome(_));
                match self.eval(*inner).tag {
                    GIVE_UP => Word::GIVE_UP,
                    tag => Word::bool((tag != NONE) == some),
                }
            }
            Node::And(left, right) | Node::Or(left, right) => {
                // `and` settles on a false left, `or` on a true one; the right is evaluated
                // only otherwise.
                let settles_on = matches!(plan.nodes[id as usize], Node::Or(..));
                match self.truth(*left) {
                    None => Word::GIVE_UP,
                    Some(left) if left == settles_on => Word::bool(settles_on),
                    Some(_) => bool_of(self.truth(*right)),
                }
            }
            Node::Compare(op, left, right) => {
                let (left, right) = (self.eval(*left), self.eval(*right));
                bool_of(compare(*op, left, right))
            }
            Node::In {
                element,
                set,
                negated,
                is_set,
            } => {
                let (element, set) = (self.eval(*element), self.eval(*set));
                if set.tag != SEQ {
                    return Word::GIVE_UP;
                }
                bool_of(member(plan, self.facts, set.bits, element, *negated, *is_set))
            }
            Node::Neg(inner) => negate(self.eval(*inner)),
            Node::Arith(op, left, right) => {
                let (left, right) = (self.eval(*left), self.eval(*right));
                arith(*op, left, right)
            }
            Node::Builtin(builtin, args) => {
                let first = args.first().map(|arg| self.eval(*arg));
                let second = args.get(1).map(|arg| self.eval(*arg));
                for arg in args.iter().skip(2) {
                    self.eval(*arg);
                }
                match (builtin, first) {
                    (Builtin::Size, Some(set)) if args.len() == 1 => size(plan, self.facts, set),
                    _ => apply_builtin(plan, self.facts, *builtin, first, second),
                }
            }
            Node::Call { args, body, .. } => {
                // Arguments first: an unknown or failing one gives up, read or not; the full
                // evaluator then reports the failure or gives the call its body's value.
                for arg in args {
                    if self.eval(*arg).tag == GIVE_UP {
                        return Word::GIVE_UP;
                    }
                }
                self.eval(*body)
            }
            Node::If(condition, then, otherwise) => match self.truth(*condition) {
                None => Word::GIVE_UP,
                Some(true) => self.eval(*then),
                Some(false) => self.eval(*otherwise),
            },
        }
    }
}
