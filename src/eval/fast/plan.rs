//! The fast path's plan: the conditions of every eligible rule lowered, once per evaluator,
//! into one graph of nodes (calls inlined, constants and key references made values, equal
//! subexpressions shared), with the rules in decision order and where each node's value lies
//! in a batch.

use std::collections::HashMap;
use std::sync::Arc;

use crate::check::ir::{
    ArithOp, Builtin, CompareOp, Effect, Expr, ExprKind, FnId, Program, RecordId, RuleId, Type,
};
use crate::eval::arena::{ARENA_CONSTS, ARENA_FACTS, ARENA_SHIFT, INDEX_MASK};
use crate::eval::limits::Limits;
use crate::eval::truth::Missing;
use crate::facts::Facts;
use crate::value::{Date, Value};

use super::columns::{Cells, Elements, Narrow, copy_fields};
use super::word::Word;

/// For each rule, whether every condition may take the fast path: no quantifier, no set built
/// at run time, and static bounds on steps and depth within the limits, so the budgets the full
/// evaluator enforces can never be exceeded on the fast path.
fn eligible_rules(program: &Program, limits: &Limits) -> Vec<bool> {
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
        // Lookups and the facts of a type read other facts than the subject's, through
        // indexes only the full evaluator keeps.
        ExprKind::SetLiteral(_)
        | ExprKind::SetOp(..)
        | ExprKind::Subset(..)
        | ExprKind::Quantified { .. }
        | ExprKind::Lookup { .. }
        | ExprKind::FactsOf { .. } => {
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
pub(crate) type NodeId = u32;

/// For a condition that is a comparison or membership test, the nodes of its two operands,
/// which a derivation shows.
type Shown = Option<(NodeId, NodeId)>;

/// A node of the graph. Equal nodes are one node, so equal subexpressions are shared.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub(crate) enum Node {
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

impl Node {
    /// Gives each node this one reads, in the order they are evaluated (a call's arguments
    /// before its body).
    pub(crate) fn each_child(&self, mut each: impl FnMut(NodeId)) {
        match self {
            Node::Lit(_) | Node::Subject => {}
            Node::Field { base: inner, .. }
            | Node::Not(inner)
            | Node::Neg(inner)
            | Node::IsSome(inner)
            | Node::IsNone(inner) => each(*inner),
            Node::And(left, right)
            | Node::Or(left, right)
            | Node::Compare(_, left, right)
            | Node::Arith(_, left, right)
            | Node::In {
                element: left,
                set: right,
                ..
            } => {
                each(*left);
                each(*right);
            }
            Node::If(condition, then, otherwise) => {
                each(*condition);
                each(*then);
                each(*otherwise);
            }
            Node::Builtin(_, args) => args.iter().copied().for_each(each),
            Node::Call { args, body, .. } => {
                args.iter().copied().for_each(&mut each);
                each(*body);
            }
        }
    }
}

/// The graph of every compiled expression, built by lowering the checked IR.
struct Graph<'p> {
    program: &'p Program,
    facts: &'p Facts,
    consts: &'p [Result<Value, Missing>],
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
    pub(crate) fn add(&mut self, node: Node) -> Option<NodeId> {
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

    /// Whether only the full evaluator evaluates an expression: one of type `Decimal` (or a set,
    /// list or optional of it), whose exact arithmetic and widening the fast path's words do not
    /// carry, and a text builtin, which may make new texts.
    fn full_only(&self, expr: &Expr) -> bool {
        let types = &self.program.types;
        let mut ty = types.get(expr.ty);
        loop {
            match ty {
                Type::Set(inner) | Type::List(inner) | Type::Optional(inner) => ty = types.get(inner),
                Type::Decimal => return true,
                _ => break,
            }
        }
        matches!(&expr.kind, ExprKind::Builtin(builtin, _) if builtin.is_text())
    }

    /// Lowers an expression whose local slots hold the nodes of `locals`; `None` when the fast
    /// path cannot evaluate it.
    pub(crate) fn lower(&mut self, expr: &Expr, locals: &[NodeId], nesting: u32) -> Option<NodeId> {
        if nesting > MAX_NESTING || self.full_only(expr) {
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
            | ExprKind::Quantified { .. }
            | ExprKind::Lookup { .. }
            | ExprKind::FactsOf { .. } => return None,
        };
        self.add(node)
    }
}

/// One rule on the fast path, in the order rules are decided (exceptions first).
#[derive(Clone, Debug)]
pub(crate) struct Step {
    /// The rule.
    pub(crate) rule: RuleId,
    /// Whether it denies.
    pub(crate) deny: bool,
    /// The range of its conditions in [`Plan::conditions`]; `None` when the full evaluator
    /// evaluates the rule, row by row.
    pub(crate) conditions: Option<std::ops::Range<u32>>,
    /// The range of the rules that defeat it in [`Plan::defeaters`].
    pub(crate) defeaters: std::ops::Range<u32>,
    /// When it is in force: `effective <= date < until`.
    pub(crate) effective: Option<Date>,
    pub(crate) until: Option<Date>,
}

/// A program lowered for the fast path: its graph and its rules in decision order.
#[derive(Debug, Default)]
pub(crate) struct Plan {
    pub(crate) nodes: Vec<Node>,
    /// Per node: its column in a batch, for nodes computed row by row into words.
    pub(crate) column: Vec<u32>,
    /// Per node: where its value is found in a batch.
    pub(crate) sources: Vec<Source>,
    /// Per node: every row for literals and the subject, which need no computing; no row for others.
    pub(crate) always_computed: Vec<u64>,
    pub(crate) n_columns: usize,
    /// The rules in decision order.
    pub(crate) steps: Vec<Step>,
    /// Per rule: its step.
    pub(crate) step_of_rule: Vec<u32>,
    /// Whether every rule is compiled.
    pub(crate) complete: bool,
    /// Conditions of the steps, flat: the node and whether it is an `unless`.
    pub(crate) conditions: Vec<(NodeId, bool)>,
    /// Per condition: the operands a derivation shows.
    pub(crate) shown: Vec<Shown>,
    /// Defeaters of the steps, flat.
    pub(crate) defeaters: Vec<RuleId>,
    /// The decision date's node, if there is one and it lowers.
    pub(crate) date: Option<NodeId>,
    /// Per rule: whether it denies.
    pub(crate) denies: Vec<bool>,
    /// Whether the default decision denies.
    pub(crate) default_deny: bool,
    /// Whether some rule has obligations.
    pub(crate) obliges: bool,
    /// The sets and lists of the constants.
    pub(crate) const_seqs: Box<[Arc<[Value]>]>,
    /// The sets and lists of the facts and of the constants as payloads, for membership tests.
    pub(crate) fact_elements: Elements,
    pub(crate) const_elements: Elements,
    /// The fields the rules read, each as a column of cells by row.
    pub(crate) fields: Vec<Cells>,
    /// Per node: for a field node, its field in [`Plan::fields`].
    pub(crate) field_of: Vec<u32>,
    /// The cells of the narrow fields.
    pub(crate) narrow: Narrow,
}

const NO_COLUMN: u32 = u32::MAX;

/// Lowers every eligible rule of a program, and its decision date, into one graph.
pub(crate) fn compile(
    program: &Program,
    facts: &Facts,
    consts: &[Result<Value, Missing>],
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

impl Plan {
    /// The tag and payloads of a set or list of the facts or the constants whose elements share
    /// one tag.
    #[inline]
    pub(crate) fn elements(&self, id: u64) -> Option<(u64, &[i64])> {
        let id = u32::try_from(id).ok()?;
        let idx = (id & INDEX_MASK) as usize;
        match id >> ARENA_SHIFT {
            ARENA_FACTS => self.fact_elements.get(idx),
            ARENA_CONSTS => self.const_elements.get(idx),
            _ => None,
        }
    }

    /// The conditions of a step compiled, if it is.
    pub(crate) fn conditions(&self, step: &Step) -> Option<&[(NodeId, bool)]> {
        let range = step.conditions.as_ref()?;
        Some(&self.conditions[range.start as usize..range.end as usize])
    }
}

/// Where the value of a node is found in a batch.
#[derive(Copy, Clone, Debug)]
pub(crate) enum Source {
    /// A constant.
    Lit(Word),
    /// The subject of the row.
    Subject,
    /// A column of words.
    Column(u32),
    /// The masks of a boolean node.
    Masks(u32),
}
