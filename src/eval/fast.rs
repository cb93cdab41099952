//! The fast path of evaluation. The conditions of every eligible rule are lowered once, when an
//! evaluator is made, into one graph in which function calls are inlined, constants and key
//! references are values, and equal subexpressions of all rules are one node. Subjects are then
//! decided in batches: each node is computed for the rows of the batch that need it, once per
//! batch however many rules share it, into a column of two-word values or, for booleans, into
//! bit masks. A row gives up at the first unknown fact, error or construct the fast path does not
//! handle, and the full evaluator decides it again, so results, missing facts and errors are
//! always the full evaluator's.

use std::cell::Cell;
use std::collections::HashMap;
use std::sync::Arc;

use super::{ARENA_CONSTS, ARENA_FACTS, ARENA_SHIFT, INDEX_MASK, Limits};
use crate::check::ir::{ArithOp, Builtin, CompareOp, Effect, Expr, ExprKind, FnId, Program, RecordId, RuleId, Type};
use crate::facts::Facts;
use crate::value::{Date, SeqId, Value};

mod record;
mod single;
pub(super) use record::{BatchRecord, Explain};
pub(super) use single::{One, Row};

/// For each rule, whether every condition may take the fast path: no quantifier, no set built
/// at run time, and static bounds on steps and depth within the limits, so the budgets the full
/// evaluator enforces can never be exceeded on the fast path.
pub(super) fn eligible_rules(program: &Program, limits: &Limits) -> Vec<bool> {
    let mut functions: Vec<Option<Option<Bounds>>> = vec![None; program.functions.len()];
    program
        .rules
        .iter()
        .map(|rule| {
            let mut steps: u64 = 0;
            let mut depth: u64 = 0;
            for condition in &rule.conditions {
                let Some(bounds) = bounds(program, &condition.expr, &mut functions, 0) else {
                    return false;
                };
                steps = steps.saturating_add(bounds.steps);
                depth = depth.max(bounds.depth);
            }
            steps <= limits.max_steps && depth <= u64::from(limits.max_depth)
        })
        .collect()
}

/// Upper bounds on the evaluations (steps) and nesting (depth) of an expression.
#[derive(Copy, Clone, Debug)]
struct Bounds {
    steps: u64,
    depth: u64,
}

fn bounds(
    program: &Program,
    expr: &Expr,
    functions: &mut Vec<Option<Option<Bounds>>>,
    nesting: u32,
) -> Option<Bounds> {
    // Functions cannot recurse (the checker proves it), so this recursion ends; the nesting
    // guard only keeps a pathological chain of calls from exhausting the stack here.
    if nesting > MAX_NESTING {
        return None;
    }
    let children: Vec<&Expr> = match &expr.kind {
        ExprKind::Literal(_)
        | ExprKind::Subject
        | ExprKind::Local(_)
        | ExprKind::Const(_)
        | ExprKind::KeyRef(_) => Vec::new(),
        ExprKind::Field { base, .. } => vec![base],
        ExprKind::Not(inner) | ExprKind::Neg(inner) | ExprKind::IsSome(inner) | ExprKind::IsNone(inner) => {
            vec![inner]
        }
        ExprKind::And(a, b)
        | ExprKind::Or(a, b)
        | ExprKind::Compare(_, a, b)
        | ExprKind::Arith(_, a, b)
        | ExprKind::In {
            element: a, set: b, ..
        } => vec![a, b],
        ExprKind::If(a, b, c) => vec![a, b, c],
        ExprKind::Builtin(_, args) => args.iter().collect(),
        ExprKind::Call(id, args) => {
            let body = function_bounds(program, *id, functions, nesting)?;
            let mut steps = 1 + body.steps;
            let mut depth = body.depth;
            for arg in args {
                let arg = bounds(program, arg, functions, nesting + 1)?;
                steps = steps.saturating_add(arg.steps);
                depth = depth.max(arg.depth);
            }
            return Some(Bounds {
                steps,
                depth: depth + 1,
            });
        }
        ExprKind::SetLiteral(_)
        | ExprKind::SetOp(..)
        | ExprKind::Subset(..)
        | ExprKind::Quantified { .. } => {
            return None;
        }
    };
    let mut total = Bounds { steps: 1, depth: 0 };
    for child in children {
        let child = bounds(program, child, functions, nesting + 1)?;
        total.steps = total.steps.saturating_add(child.steps);
        total.depth = total.depth.max(child.depth);
    }
    total.depth += 1;
    Some(total)
}

fn function_bounds(
    program: &Program,
    id: FnId,
    functions: &mut Vec<Option<Option<Bounds>>>,
    nesting: u32,
) -> Option<Bounds> {
    if let Some(known) = functions[id.idx()] {
        return known;
    }
    let computed = bounds(program, &program.functions[id.idx()].body, functions, nesting + 1);
    functions[id.idx()] = Some(computed);
    computed
}

/// Deeper expressions (counting inlined calls) are left to the full evaluator.
const MAX_NESTING: u32 = 512;

/// The graph holds at most this many nodes, of which at most [`MAX_COLUMNS`] are computed into
/// columns of words; a rule that would need more keeps the full evaluator. A batch's working
/// memory, per thread, is thus at most about 64 MiB of columns and 6 MiB of masks, however large
/// the policy.
const MAX_NODES: usize = 1 << 18;
const MAX_COLUMNS: usize = 1 << 16;

/// A node of the graph, by index.
type NodeId = u32;

/// For a condition that is a comparison or membership test, the nodes of its two operands,
/// which a derivation shows.
type Shown = Option<(NodeId, NodeId)>;

/// A node of the graph. Equal nodes are one node, so equal subexpressions are shared.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
enum Node {
    Lit(Value),
    Subject,
    Field {
        base: NodeId,
        record: RecordId,
        field: u32,
    },
    Not(NodeId),
    Neg(NodeId),
    IsSome(NodeId),
    IsNone(NodeId),
    And(NodeId, NodeId),
    Or(NodeId, NodeId),
    Compare(CompareOp, NodeId, NodeId),
    In {
        element: NodeId,
        set: NodeId,
        negated: bool,
        is_set: bool,
    },
    Arith(ArithOp, NodeId, NodeId),
    If(NodeId, NodeId, NodeId),
    Builtin(Builtin, Vec<NodeId>),
    /// A function's body inlined, with its arguments: a row where an argument is unknown or
    /// fails gives up, even if the body does not read it (arguments are evaluated first, so a
    /// failing one is always reported), and the full evaluator gives the call its body's value.
    Call {
        args: Vec<NodeId>,
        body: NodeId,
        boolean: bool,
    },
}

/// The graph of every compiled expression, built by lowering the checked IR.
struct Graph<'p> {
    program: &'p Program,
    facts: &'p Facts,
    consts: &'p [Result<Value, super::Missing>],
    nodes: Vec<Node>,
    ids: HashMap<Node, NodeId>,
    /// Inlined calls already lowered, by function and argument nodes.
    calls: HashMap<(FnId, Vec<NodeId>), Option<NodeId>>,
    /// How many nodes need a column.
    columns: usize,
}

/// Whether a node's values are kept as words in a column of the batch (the others are literals,
/// the subject, or booleans kept as masks).
fn needs_column(node: &Node) -> bool {
    !(is_mask(node) || matches!(node, Node::Lit(_) | Node::Subject))
}

/// Whether a node is a boolean operator whose values are kept as masks.
fn is_mask(node: &Node) -> bool {
    matches!(
        node,
        Node::Not(_)
            | Node::IsSome(_)
            | Node::IsNone(_)
            | Node::And(..)
            | Node::Or(..)
            | Node::Compare(..)
            | Node::In { .. }
            | Node::Call { boolean: true, .. }
    )
}

impl Graph<'_> {
    /// The node's id, adding it if it is new; `None` when the graph is full.
    fn add(&mut self, node: Node) -> Option<NodeId> {
        if let Some(id) = self.ids.get(&node) {
            return Some(*id);
        }
        let column = needs_column(&node);
        if self.nodes.len() >= MAX_NODES || (column && self.columns >= MAX_COLUMNS) {
            return None;
        }
        self.columns += usize::from(column);
        let id = self.nodes.len() as NodeId;
        self.nodes.push(node.clone());
        self.ids.insert(node, id);
        Some(id)
    }

    /// Lowers an expression whose local slots hold the nodes of `locals`; `None` when the fast
    /// path cannot evaluate it.
    fn lower(&mut self, expr: &Expr, locals: &[NodeId], nesting: u32) -> Option<NodeId> {
        if nesting > MAX_NESTING {
            return None;
        }
        let next = nesting + 1;
        let node = match &expr.kind {
            ExprKind::Literal(value) => Node::Lit(*value),
            ExprKind::Subject => Node::Subject,
            ExprKind::Local(slot) => return locals.get(*slot as usize).copied(),
            ExprKind::Const(id) => Node::Lit(*self.consts[id.idx()].as_ref().ok()?),
            ExprKind::KeyRef(id) => Node::Lit(Value::Record(*self.facts.key_refs.get(id.idx())?)),
            ExprKind::Field { base, record, field } => Node::Field {
                base: self.lower(base, locals, next)?,
                record: *record,
                field: *field,
            },
            ExprKind::Call(id, args) => {
                let args: Vec<NodeId> = args
                    .iter()
                    .map(|arg| self.lower(arg, locals, next))
                    .collect::<Option<_>>()?;
                let key = (*id, args);
                if let Some(known) = self.calls.get(&key) {
                    return *known;
                }
                let function = &self.program.functions[id.idx()];
                let lowered = self.lower(&function.body, &key.1, next).and_then(|body| {
                    // Literals and the subject are always known: such arguments need no check.
                    if key
                        .1
                        .iter()
                        .all(|arg| matches!(self.nodes[*arg as usize], Node::Lit(_) | Node::Subject))
                    {
                        return Some(body);
                    }
                    self.add(Node::Call {
                        args: key.1.clone(),
                        body,
                        boolean: self.program.types.get(function.result) == Type::Bool,
                    })
                });
                self.calls.insert(key, lowered);
                return lowered;
            }
            ExprKind::Builtin(builtin, args) => Node::Builtin(
                *builtin,
                args.iter()
                    .map(|arg| self.lower(arg, locals, next))
                    .collect::<Option<_>>()?,
            ),
            ExprKind::Not(inner) => Node::Not(self.lower(inner, locals, next)?),
            ExprKind::Neg(inner) => Node::Neg(self.lower(inner, locals, next)?),
            ExprKind::IsSome(inner) => Node::IsSome(self.lower(inner, locals, next)?),
            ExprKind::IsNone(inner) => Node::IsNone(self.lower(inner, locals, next)?),
            ExprKind::And(a, b) => Node::And(self.lower(a, locals, next)?, self.lower(b, locals, next)?),
            ExprKind::Or(a, b) => Node::Or(self.lower(a, locals, next)?, self.lower(b, locals, next)?),
            ExprKind::Compare(op, a, b) => {
                Node::Compare(*op, self.lower(a, locals, next)?, self.lower(b, locals, next)?)
            }
            ExprKind::Arith(op, a, b) => {
                Node::Arith(*op, self.lower(a, locals, next)?, self.lower(b, locals, next)?)
            }
            ExprKind::In {
                element,
                set,
                negated,
            } => Node::In {
                element: self.lower(element, locals, next)?,
                set: self.lower(set, locals, next)?,
                negated: *negated,
                is_set: matches!(self.program.types.get(set.ty), Type::Set(_)),
            },
            ExprKind::If(c, a, b) => Node::If(
                self.lower(c, locals, next)?,
                self.lower(a, locals, next)?,
                self.lower(b, locals, next)?,
            ),
            ExprKind::SetLiteral(_)
            | ExprKind::SetOp(..)
            | ExprKind::Subset(..)
            | ExprKind::Quantified { .. } => return None,
        };
        self.add(node)
    }
}

/// A value as two machine words, compact and cheap to compare: a tag and a payload, with one encoding per value, so equal values are equal
/// words. Tag 0 is no value: the fast path gives up.
#[derive(Copy, Clone, Debug, PartialEq, Eq)]
pub(super) struct Word {
    tag: u64,
    bits: u64,
}

const GIVE_UP: u64 = 0;
const NONE: u64 = 1;
const BOOL: u64 = 2;
const INT: u64 = 3;
const TEXT: u64 = 4;
const DATE: u64 = 5;
const VARIANT: u64 = 6;
const RECORD: u64 = 7;
const SEQ: u64 = 8;

impl Word {
    pub(super) const GIVE_UP: Word = Word {
        tag: GIVE_UP,
        bits: 0,
    };

    fn new(tag: u64, bits: u64) -> Word {
        Word { tag, bits }
    }

    fn bool(value: bool) -> Word {
        Word::new(BOOL, u64::from(value))
    }

    /// The word of a known value.
    fn of(value: Value) -> Word {
        match value {
            Value::None => Word::new(NONE, 0),
            Value::Bool(value) => Word::bool(value),
            Value::Int(value) => Word::new(INT, value as u64),
            Value::Text(sym) => Word::new(TEXT, u64::from(sym.0)),
            Value::Date(date) => Word::new(DATE, i64::from(date.0) as u64),
            Value::Variant(idx) => Word::new(VARIANT, u64::from(idx)),
            Value::Record(row) => Word::new(RECORD, u64::from(row)),
            Value::Seq(id) => Word::new(SEQ, u64::from(id.0)),
        }
    }

    /// The word of a fact's cell: giving up when it is unknown.
    #[inline]
    fn cell(cell: Option<Value>) -> Word {
        cell.map_or(Word::GIVE_UP, Word::of)
    }

    /// The value of a word, `None` for giving up.
    pub(super) fn value(self) -> Option<Value> {
        Some(match self.tag {
            NONE => Value::None,
            BOOL => Value::Bool(self.bits != 0),
            INT => Value::Int(self.bits as i64),
            TEXT => Value::Text(crate::value::Sym(self.bits as u32)),
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
pub(super) const BATCH: usize = 64;

/// The rows of a mask, in order.
pub(super) fn rows(mut mask: u64) -> impl Iterator<Item = usize> {
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
fn fill_rows<const TRUTHS: bool>(
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
fn mask_rows(todo: u64, mut each: impl FnMut(usize) -> Option<bool>) -> (u64, u64) {
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
pub(super) fn first_rows(n: usize) -> u64 {
    if n >= BATCH { u64::MAX } else { (1u64 << n) - 1 }
}

/// One rule on the fast path, in the order rules are decided (exceptions first).
#[derive(Clone, Debug)]
pub(super) struct Step {
    /// The rule.
    pub(super) rule: RuleId,
    /// Whether it denies.
    pub(super) deny: bool,
    /// The range of its conditions in [`Plan::conditions`]; `None` when the full evaluator
    /// evaluates the rule, row by row.
    pub(super) conditions: Option<std::ops::Range<u32>>,
    /// The range of the rules that defeat it in [`Plan::defeaters`].
    pub(super) defeaters: std::ops::Range<u32>,
    /// When it is in force: `effective <= date < until`.
    pub(super) effective: Option<Date>,
    pub(super) until: Option<Date>,
}

/// A program lowered for the fast path: its graph and its rules in decision order.
#[derive(Debug, Default)]
pub(super) struct Plan {
    nodes: Vec<Node>,
    /// Per node: its column in a batch, for nodes computed row by row into words.
    column: Vec<u32>,
    /// Per node: where its value is found in a batch.
    sources: Vec<Source>,
    /// Per node: every row for literals and the subject, which need no computing; no row for others.
    always_computed: Vec<u64>,
    n_columns: usize,
    /// The rules in decision order.
    pub(super) steps: Vec<Step>,
    /// Per rule: its step.
    step_of_rule: Vec<u32>,
    /// Whether every rule is compiled.
    pub(super) complete: bool,
    /// Conditions of the steps, flat: the node and whether it is an `unless`.
    conditions: Vec<(NodeId, bool)>,
    /// Per condition: the operands a derivation shows.
    shown: Vec<Shown>,
    /// Defeaters of the steps, flat.
    pub(super) defeaters: Vec<RuleId>,
    /// The decision date's node, if there is one and it lowers.
    pub(super) date: Option<NodeId>,
    /// Per rule: whether it denies.
    pub(super) denies: Vec<bool>,
    /// Whether the default decision denies.
    pub(super) default_deny: bool,
    /// Whether some rule has obligations.
    pub(super) obliges: bool,
    /// The sets and lists of the constants.
    const_seqs: Box<[Arc<[Value]>]>,
    /// The sets and lists of the facts and of the constants as payloads, for membership tests.
    fact_elements: Elements,
    const_elements: Elements,
    /// The fields the rules read, each as a column of cells by row.
    fields: Vec<Cells>,
    /// Per node: for a field node, its field in [`Plan::fields`].
    field_of: Vec<u32>,
    /// The cells of the narrow fields.
    narrow: Narrow,
}

const NO_COLUMN: u32 = u32::MAX;

/// Lowers every eligible rule of a program, and its decision date, into one graph.
pub(super) fn compile(
    program: &Program,
    facts: &Facts,
    consts: &[Result<Value, super::Missing>],
    const_seqs: &[Arc<[Value]>],
    limits: &Limits,
) -> Plan {
    let eligible = eligible_rules(program, limits);
    let mut graph = Graph {
        program,
        facts,
        consts,
        nodes: Vec::new(),
        ids: HashMap::new(),
        calls: HashMap::new(),
        columns: 0,
    };
    let roots: Vec<Option<Vec<(NodeId, bool)>>> = program
        .rules
        .iter()
        .zip(&eligible)
        .map(|(rule, eligible)| {
            if !eligible {
                return None;
            }
            rule.conditions
                .iter()
                .map(|condition| Some((graph.lower(&condition.expr, &[], 0)?, condition.negated)))
                .collect()
        })
        .collect();
    let date = program
        .subject
        .as_ref()
        .and_then(|subject| subject.date.as_ref())
        .and_then(|expr| graph.lower(expr, &[], 0));

    let is_mask: Vec<bool> = graph.nodes.iter().map(is_mask).collect();
    let mut n_columns = 0;
    let column: Vec<u32> = graph
        .nodes
        .iter()
        .zip(&is_mask)
        .map(|(node, is_mask)| {
            if *is_mask || matches!(node, Node::Lit(_) | Node::Subject) {
                NO_COLUMN
            } else {
                n_columns += 1;
                (n_columns - 1) as u32
            }
        })
        .collect();

    let mut steps = Vec::with_capacity(program.rules.len());
    let mut conditions = Vec::new();
    let mut shown = Vec::new();
    let mut defeaters = Vec::new();
    for rule_id in &program.rule_order {
        let rule = &program.rules[rule_id.idx()];
        let compiled = roots[rule_id.idx()].as_ref().map(|roots| {
            let first = conditions.len() as u32;
            conditions.extend(roots.iter().copied());
            shown.extend(roots.iter().zip(&rule.conditions).map(|((root, _), condition)| {
                let is_test = program.shown_test(&condition.expr).is_some();
                // A call shows the operands of the test in the body it reaches (inlined, with
                // the call's arguments), as the full evaluator does.
                let mut node = *root;
                while let Node::Call { body, .. } = &graph.nodes[node as usize] {
                    node = *body;
                }
                match &graph.nodes[node as usize] {
                    Node::Compare(_, left, right) if is_test => Some((*left, *right)),
                    Node::In { element, set, .. } if is_test => Some((*element, *set)),
                    _ => None,
                }
            }));
            first..conditions.len() as u32
        });
        let first_defeater = defeaters.len() as u32;
        defeaters.extend(rule.defeated_by.iter().copied());
        steps.push(Step {
            rule: *rule_id,
            deny: rule.effect == Effect::Deny,
            conditions: compiled,
            defeaters: first_defeater..defeaters.len() as u32,
            effective: rule.effective,
            until: rule.until,
        });
    }
    let sources = graph
        .nodes
        .iter()
        .enumerate()
        .map(|(idx, node)| match node {
            Node::Lit(value) => Source::Lit(Word::of(*value)),
            Node::Subject => Source::Subject,
            _ if is_mask[idx] => Source::Masks(idx as u32),
            _ => Source::Column(column[idx]),
        })
        .collect();
    let mut read = Vec::new();
    let mut field_index: HashMap<(RecordId, u32), u32> = HashMap::new();
    let field_of = graph
        .nodes
        .iter()
        .map(|node| match node {
            Node::Field { record, field, .. } => *field_index.entry((*record, *field)).or_insert_with(|| {
                read.push((*record, *field));
                (read.len() - 1) as u32
            }),
            _ => NO_COLUMN,
        })
        .collect();
    let (fields, narrow) = copy_fields(facts, &read);
    let always_computed = graph
        .nodes
        .iter()
        .map(|node| {
            if matches!(node, Node::Lit(_) | Node::Subject) {
                u64::MAX
            } else {
                0
            }
        })
        .collect();
    let mut step_of_rule = vec![0; steps.len()];
    for (idx, step) in steps.iter().enumerate() {
        step_of_rule[step.rule.idx()] = idx as u32;
    }
    Plan {
        complete: steps.iter().all(|step| step.conditions.is_some()),
        step_of_rule,
        always_computed,
        fields,
        narrow,
        field_of,
        sources,
        nodes: graph.nodes,
        column,
        n_columns,
        steps,
        conditions,
        shown,
        defeaters,
        date,
        denies: program
            .rules
            .iter()
            .map(|rule| rule.effect == Effect::Deny)
            .collect(),
        obliges: program.rules.iter().any(|rule| !rule.obligations.is_empty()),
        default_deny: program
            .default
            .as_ref()
            .is_none_or(|default| default.effect == Effect::Deny),
        const_seqs: const_seqs.into(),
        fact_elements: Elements::new(facts.seqs.iter().map(|seq| &seq[..])),
        const_elements: Elements::new(const_seqs.iter().map(|seq| &seq[..])),
    }
}

/// The cells of one field of a record type, by row. Most fields are narrow: a tag byte and a
/// 32-bit payload per row, a third of a word, so a batch reads less memory.
#[derive(Debug)]
enum Cells {
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
struct Narrow {
    tags: Box<[u8]>,
    payloads: Box<[u32]>,
}

impl Narrow {
    /// The tags and payloads of a narrow field.
    #[inline(always)]
    fn field(&self, start: usize, rows: usize) -> (&[u8], &[u32]) {
        let end = start.saturating_add(rows);
        (
            self.tags.get(start..end).unwrap_or_default(),
            self.payloads.get(start..end).unwrap_or_default(),
        )
    }
}

impl Plan {
    /// The cell of a field in a record's row as a word; giving up past the last row.
    #[inline(always)]
    fn cell(&self, cells: &Cells, row: usize) -> Word {
        match cells {
            Cells::Narrow {
                start, rows, signed, ..
            } => {
                let idx = start.saturating_add(row);
                let cell = if row < *rows {
                    (self.narrow.tags.get(idx), self.narrow.payloads.get(idx))
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
fn copy_fields(facts: &Facts, read: &[(RecordId, u32)]) -> (Vec<Cells>, Narrow) {
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
struct Elements {
    bits: Box<[i64]>,
    /// Per sequence: where its payloads start, how many, and their tag ([`GIVE_UP`] for a
    /// sequence with elements of several tags or of sets, which is tested by value).
    seqs: Box<[(u32, u32, u64)]>,
}

impl Elements {
    fn new<'v>(seqs: impl Iterator<Item = &'v [Value]>) -> Elements {
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
    fn get(&self, idx: usize) -> Option<(u64, &[i64])> {
        let (start, len, tag) = *self.seqs.get(idx)?;
        if tag == GIVE_UP {
            return None;
        }
        Some((tag, &self.bits[start as usize..(start + len) as usize]))
    }
}

impl Plan {
    /// The tag and payloads of a set or list of the facts or the constants whose elements share
    /// one tag.
    #[inline]
    fn elements(&self, id: u64) -> Option<(u64, &[i64])> {
        let id = u32::try_from(id).ok()?;
        let idx = (id & INDEX_MASK) as usize;
        match id >> ARENA_SHIFT {
            ARENA_FACTS => self.fact_elements.get(idx),
            ARENA_CONSTS => self.const_elements.get(idx),
            _ => None,
        }
    }

    /// The conditions of a step compiled, if it is.
    pub(super) fn conditions(&self, step: &Step) -> Option<&[(NodeId, bool)]> {
        let range = step.conditions.as_ref()?;
        Some(&self.conditions[range.start as usize..range.end as usize])
    }
}

/// Where the value of a node is found in a batch.
#[derive(Copy, Clone, Debug)]
enum Source {
    /// A constant.
    Lit(Word),
    /// The subject of the row.
    Subject,
    /// A column of words.
    Column(u32),
    /// The masks of a boolean node.
    Masks(u32),
}

/// The working memory of one batch, reused from batch to batch.
#[derive(Debug, Default)]
pub(super) struct Batch {
    /// The subjects of the batch, by row.
    subjects: Vec<u32>,
    /// Per node: the rows whose value is computed.
    computed: Vec<u64>,
    /// Per mask node: the rows where it is true, and where it is known.
    truths: Vec<u64>,
    knowns: Vec<u64>,
    /// The columns, one after the other: a column node's value in each row. Cells, so that a
    /// node's column is written while the columns of its operands are read.
    columns: Vec<Cell<Word>>,
    /// The date whose law applies, by row.
    pub(super) law_dates: Vec<Option<Date>>,
}

impl Batch {
    /// The value of a computed node in a row.
    #[inline(always)]
    fn at(&self, source: Source, row: usize) -> Word {
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
    fn words(&self, column: u32) -> &[Cell<Word>] {
        &self.columns[column as usize * BATCH..][..BATCH]
    }

    /// The column of a node computed into words.
    #[inline(always)]
    fn column(&self, plan: &Plan, id: NodeId) -> &[Cell<Word>] {
        &self.columns[plan.column[id as usize] as usize * BATCH..][..BATCH]
    }

    /// The subject of a row.
    #[inline(always)]
    pub(super) fn subject(&self, row: usize) -> u32 {
        self.subjects[row]
    }

    /// Starts a batch of subjects: forgets every value of the previous one.
    pub(super) fn start(&mut self, plan: &Plan, subjects: &[u32]) {
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
pub(super) struct Exec<'e> {
    pub(super) plan: &'e Plan,
    pub(super) facts: &'e Facts,
    pub(super) batch: &'e mut Batch,
}

impl Exec<'_> {
    /// The value of a computed node in a row.
    #[inline]
    fn word(&self, id: NodeId, row: usize) -> Word {
        self.batch.at(self.plan.sources[id as usize], row)
    }

    /// The rows of `need` where a computed boolean node is true, and where it is known.
    #[inline]
    pub(super) fn truth(&self, id: NodeId, need: u64) -> (u64, u64) {
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
    fn known(&self, id: NodeId, need: u64) -> u64 {
        match self.plan.sources[id as usize] {
            Source::Lit(_) | Source::Subject => need,
            Source::Column(_) | Source::Masks(_) => self.batch.knowns[id as usize] & need,
        }
    }

    /// The value of a node in a row, computing it for that row if needed.
    pub(super) fn value(&mut self, id: NodeId, row: usize) -> Option<Value> {
        self.ensure(id, 1 << row);
        self.word(id, row).value()
    }

    #[inline(always)]
    fn set_masks(&mut self, id: NodeId, todo: u64, truths: u64, knowns: u64) {
        let idx = id as usize;
        self.batch.truths[idx] = (self.batch.truths[idx] & !todo) | (truths & todo);
        self.batch.knowns[idx] = (self.batch.knowns[idx] & !todo) | (knowns & todo);
    }

    /// Fills a node's column in the rows of `todo`, row by row, and its masks: where it is
    /// known, and for a boolean node, where it is true.
    fn fill(&mut self, id: NodeId, todo: u64, mut each: impl FnMut(&Batch, usize) -> Word) {
        let batch = &*self.batch;
        let (truths, knowns) = fill_rows::<true>(batch.column(self.plan, id), todo, |row| each(batch, row));
        self.set_masks(id, todo, truths, knowns);
    }

    /// Sets a mask node in the rows of `todo`, row by row: `each` gives `None` to give up.
    fn fill_masks(&mut self, id: NodeId, todo: u64, mut each: impl FnMut(&Batch, usize) -> Option<bool>) {
        let batch = &*self.batch;
        let (truths, knowns) = mask_rows(todo, |row| each(batch, row));
        self.set_masks(id, todo, truths, knowns);
    }

    /// Computes a node in the rows of `need` where it is not yet computed, evaluating only
    /// what a row-by-row evaluation would: `and`, `or` and `if` short-circuit per row.
    #[inline]
    pub(super) fn ensure(&mut self, id: NodeId, need: u64) {
        let todo = need & !self.batch.computed[id as usize];
        if todo != 0 {
            self.compute(id, todo);
        }
    }

    /// Fills a field node in the rows of `todo` from its base's records, with `read` giving the
    /// field of a record's row.
    #[inline(always)]
    fn fill_field<const TRUTHS: bool>(
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
    fn compute(&mut self, id: NodeId, todo: u64) {
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

/// Whether a set or list has an element (`negated`: has not); `None` to give up.
#[inline]
fn member(plan: &Plan, facts: &Facts, set: u64, element: Word, negated: bool, is_set: bool) -> Option<bool> {
    match element.tag {
        GIVE_UP | SEQ => return None,
        NONE => return Some(negated),
        _ => {}
    }
    let found = match plan.elements(set) {
        Some((tag, _)) if tag != element.tag => false,
        Some((_, bits)) if is_set => bits.binary_search(&(element.bits as i64)).is_ok(),
        Some((_, bits)) => bits.contains(&(element.bits as i64)),
        None => contains(known_seq(facts, &plan.const_seqs, set)?, element, is_set)?,
    };
    Some(found != negated)
}

/// The negation of an integer; giving up on overflow.
#[inline]
fn negate(word: Word) -> Word {
    match (word.tag, (word.bits as i64).checked_neg()) {
        (INT, Some(negated)) => Word::new(INT, negated as u64),
        _ => Word::GIVE_UP,
    }
}

/// Integer arithmetic; giving up on overflow.
#[inline]
fn arith(op: ArithOp, left: Word, right: Word) -> Word {
    if left.tag != INT || right.tag != INT {
        return Word::GIVE_UP;
    }
    let (left, right) = (left.bits as i64, right.bits as i64);
    match op {
        ArithOp::Add => left.checked_add(right),
        ArithOp::Sub => left.checked_sub(right),
        ArithOp::Mul => left.checked_mul(right),
    }
    .map_or(Word::GIVE_UP, |value| Word::new(INT, value as u64))
}

/// `size` of a set or list: its length, with no conversion of values.
#[inline]
fn size(plan: &Plan, facts: &Facts, set: Word) -> Word {
    match (set.tag, known_seq(facts, &plan.const_seqs, set.bits)) {
        (SEQ, Some(elements)) => Word::new(INT, elements.len() as u64),
        _ => Word::GIVE_UP,
    }
}

/// A builtin on the words of its arguments (`size` too, more slowly than [`size`]).
fn apply_builtin(
    plan: &Plan,
    facts: &Facts,
    builtin: Builtin,
    first: Option<Word>,
    second: Option<Word>,
) -> Word {
    builtin_value(
        builtin,
        first.and_then(Word::value),
        second.and_then(Word::value),
        |id| known_seq(facts, &plan.const_seqs, id),
    )
    .map_or(Word::GIVE_UP, Word::of)
}

/// The value of a builtin on known arguments; `None` to give up.
fn builtin_value<'s>(
    builtin: Builtin,
    first: Option<Value>,
    second: Option<Value>,
    seq: impl Fn(u64) -> Option<&'s [Value]>,
) -> Option<Value> {
    match (builtin, first?, second) {
        (Builtin::Size, Value::Seq(id), _) => {
            seq(u64::from(id.0)).map(|elements| Value::Int(elements.len() as i64))
        }
        (Builtin::Year, Value::Date(date), _) => Some(Value::Int(i64::from(date.year()))),
        (Builtin::DaysBetween, Value::Date(from), Some(Value::Date(to))) => {
            Some(Value::Int(i64::from(to.0) - i64::from(from.0)))
        }
        (Builtin::AddDays, Value::Date(date), Some(Value::Int(days))) => i32::try_from(days)
            .ok()
            .and_then(|days| date.0.checked_add(days))
            .map(Date)
            .filter(|date| (1..=9999).contains(&date.year()))
            .map(Value::Date),
        _ => None,
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
        _ => {
            let value = element.value()?;
            Some(if is_set {
                elements.binary_search(&value).is_ok()
            } else {
                elements.contains(&value)
            })
        }
    }
}

/// A comparison of two known values of one type (sets excluded): equal values are equal words,
/// and only integers and dates are ordered. `None` to give up.
fn compare(op: CompareOp, left: Word, right: Word) -> Option<bool> {
    if left.tag == GIVE_UP || right.tag == GIVE_UP || left.tag == SEQ || right.tag == SEQ {
        return None;
    }
    let ordered = left.tag == right.tag && matches!(left.tag, INT | DATE);
    let (a, b) = (left.bits as i64, right.bits as i64);
    match op {
        CompareOp::Eq => Some(left == right),
        CompareOp::Ne => Some(left != right),
        _ if !ordered => None,
        CompareOp::Lt => Some(a < b),
        CompareOp::Le => Some(a <= b),
        CompareOp::Gt => Some(a > b),
        CompareOp::Ge => Some(a >= b),
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)] // Test code: a failed unwrap is a failed test.

    use crate::engine::{Engine, FactsInput, NoFiles};
    use crate::eval::{Evaluator, Options, Scratch, Verdict};
    use crate::facts::Format;

    const POLICY: &str = r#"policy "Wide payloads"

record Shipment key id {
  id: Text
  weight: Int
  day: Date
  tags: Set<Int>
}

decide s: Shipment
default deny because "no rule permits this shipment"

rule heavy: deny {
  when s.weight > 3000000000
  because "too heavy"
}

rule refund: permit {
  when s.weight < -5 and s.day < 1900-01-01
  because "an old refund"
}

rule tagged: permit {
  when -4000000000 in s.tags or 7 in s.tags
  because "tagged"
}
"#;

    const FACTS: &str = r#"[
  {"id": "a", "weight": 4000000000, "day": "2024-01-01", "tags": []},
  {"id": "b", "weight": -10, "day": "1850-06-01", "tags": []},
  {"id": "c", "weight": -10, "day": "1950-06-01", "tags": [-4000000000, 1]},
  {"id": "d", "weight": 1, "day": "2024-01-01", "tags": [-2, 7]},
  {"id": "e", "weight": 1, "day": "2024-01-01", "tags": [2]}
]"#;

    #[test]
    fn payloads_beyond_32_bits_and_negative_ones_decide_as_the_full_evaluator() {
        let files = NoFiles;
        let mut engine = Engine::new(&files, Vec::new());
        let loaded = engine.load_policy_text("wide.pol", POLICY, None).unwrap();
        let program = &loaded.checked.program;
        let input = FactsInput {
            name: "shipments.json".to_string(),
            bytes: FACTS.as_bytes().to_vec(),
            format: Format::Json,
            record: Some("Shipment".to_string()),
        };
        let facts = engine.load_facts(program, vec![input]).unwrap();
        let decide = |options: Options| {
            let evaluator = Evaluator::new(program, &facts, options).unwrap();
            let subjects: Vec<u32> = evaluator.subjects().collect();
            let mut decisions = Vec::new();
            let mut scratch = Scratch::new();
            evaluator.decide_each(&mut scratch, &subjects, |_, decision| {
                decisions.push(decision.unwrap().clone());
            });
            // One at a time (depth first, without derivations), the decisions are the same.
            for (subject, decision) in subjects.iter().zip(&decisions) {
                assert_eq!(&evaluator.decide(&mut scratch, *subject).unwrap(), decision);
            }
            decisions
        };
        let fast = decide(Options::default());
        let full = decide(Options {
            full_only: true,
            ..Options::default()
        });
        assert_eq!(fast, full);
        let deciding: Vec<usize> = fast.iter().map(|decision| decision.deciding.len()).collect();
        assert_eq!(deciding, [1, 1, 1, 1, 0]);
        let verdicts: Vec<Verdict> = fast.iter().map(|decision| decision.verdict).collect();
        assert_eq!(
            verdicts,
            [
                Verdict::Deny,
                Verdict::Permit,
                Verdict::Permit,
                Verdict::Permit,
                Verdict::Deny
            ]
        );
    }
}
