//! Graph helpers for the checker: finding cycles (recursion, exceptions) and ordering
//! definitions so that each comes after what it needs. Both are iterative: chains of
//! thousands of rules must not overflow the stack.

use std::cmp::Reverse;
use std::collections::BinaryHeap;

use crate::source::Span;

/// Finds cycles in a graph whose edges carry the span that created them, in time linear in
/// the size of the graph.
///
/// Each group of nodes that reach each other (a strongly connected component with a cycle)
/// gives one cycle: the shortest one through its first node, listing its nodes in order, each
/// with the span of its edge to the next. One mistake is reported once, and a group of 50,000
/// rules costs no more than its edges, however many cycles run through it.
pub(super) fn cycles(edges: &[Vec<(usize, Span)>]) -> Vec<Vec<(usize, Span)>> {
    let component = components(edges);
    let n = edges.len();
    let mut found = Vec::new();
    let mut seen_component = vec![false; n];
    // Breadth-first search state, reused across components: each node is visited by the
    // search of its own component only.
    let mut parent: Vec<Option<(usize, Span)>> = vec![None; n];
    let mut queue = std::collections::VecDeque::new();
    for start in 0..n {
        let group = component[start];
        if seen_component[group] {
            continue;
        }
        seen_component[group] = true;
        // The shortest way back to `start`, staying inside its component.
        queue.clear();
        queue.push_back(start);
        let mut closing = None;
        'search: while let Some(node) = queue.pop_front() {
            for &(target, span) in &edges[node] {
                if component[target] != group {
                    continue;
                }
                if target == start {
                    closing = Some((node, span));
                    break 'search;
                }
                if parent[target].is_none() {
                    parent[target] = Some((node, span));
                    queue.push_back(target);
                }
            }
        }
        let Some((mut node, span)) = closing else { continue };
        let mut cycle = vec![(node, span)];
        while node != start {
            let (previous, span) = parent[node].expect("every node reached has a parent");
            cycle.push((previous, span));
            node = previous;
        }
        cycle.reverse();
        found.push(cycle);
    }
    found
}

/// The strongly connected component of each node (Tarjan's algorithm, without recursion),
/// numbered by any node of the component.
fn components(edges: &[Vec<(usize, Span)>]) -> Vec<usize> {
    const UNVISITED: usize = usize::MAX;
    let n = edges.len();
    let mut index = vec![UNVISITED; n];
    let mut low = vec![0; n];
    let mut on_stack = vec![false; n];
    let mut component = vec![UNVISITED; n];
    let mut stack = Vec::new();
    // Each entry is a node and the index of its next edge to follow.
    let mut calls: Vec<(usize, usize)> = Vec::new();
    let mut next_index = 0;
    for root in 0..n {
        if index[root] != UNVISITED {
            continue;
        }
        index[root] = next_index;
        low[root] = next_index;
        next_index += 1;
        stack.push(root);
        on_stack[root] = true;
        calls.push((root, 0));
        while let Some(&mut (node, ref mut next)) = calls.last_mut() {
            if let Some(&(target, _)) = edges[node].get(*next) {
                *next += 1;
                if index[target] == UNVISITED {
                    index[target] = next_index;
                    low[target] = next_index;
                    next_index += 1;
                    stack.push(target);
                    on_stack[target] = true;
                    calls.push((target, 0));
                } else if on_stack[target] {
                    low[node] = low[node].min(index[target]);
                }
                continue;
            }
            calls.pop();
            if let Some(&(caller, _)) = calls.last() {
                low[caller] = low[caller].min(low[node]);
            }
            if low[node] == index[node] {
                while let Some(member) = stack.pop() {
                    on_stack[member] = false;
                    component[member] = node;
                    if member == node {
                        break;
                    }
                }
            }
        }
    }
    component
}

/// Orders nodes so that each comes after the nodes listed in `after[node]`, breaking ties
/// by `key` (smallest first). Nodes on or behind a cycle come last, in key order.
pub(super) fn topo_order<K: Ord + Copy>(after: &[Vec<usize>], key: &[K]) -> Vec<usize> {
    let n = after.len();
    let mut waiting: Vec<usize> = after.iter().map(Vec::len).collect();
    let mut unlocks: Vec<Vec<usize>> = vec![Vec::new(); n];
    for (node, needs) in after.iter().enumerate() {
        for need in needs {
            unlocks[*need].push(node);
        }
    }
    let mut ready: BinaryHeap<Reverse<(K, usize)>> = (0..n)
        .filter(|node| waiting[*node] == 0)
        .map(|node| Reverse((key[node], node)))
        .collect();
    let mut order = Vec::with_capacity(n);
    let mut placed = vec![false; n];
    while let Some(Reverse((_, node))) = ready.pop() {
        order.push(node);
        placed[node] = true;
        for next in &unlocks[node] {
            waiting[*next] -= 1;
            if waiting[*next] == 0 {
                ready.push(Reverse((key[*next], *next)));
            }
        }
    }
    if order.len() < n {
        let mut rest: Vec<usize> = (0..n).filter(|node| !placed[*node]).collect();
        rest.sort_by_key(|node| key[*node]);
        order.extend(rest);
    }
    order
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::source::SourceId;

    /// The cycles of a graph given as edge lists, as lists of nodes.
    fn check(edges: &[&[usize]], expected: &[&[usize]]) {
        let span = Span::new(SourceId(0), 0, 0);
        let edges: Vec<Vec<(usize, Span)>> = edges
            .iter()
            .map(|targets| targets.iter().map(|target| (*target, span)).collect())
            .collect();
        let found: Vec<Vec<usize>> = cycles(&edges)
            .iter()
            .map(|cycle| cycle.iter().map(|(node, _)| *node).collect())
            .collect();
        assert_eq!(found, expected);
    }

    #[test]
    fn each_group_of_mutual_exceptions_gives_its_shortest_cycle_once() {
        check(&[&[1], &[2], &[0]], &[&[0, 1, 2]]);
        check(&[&[0]], &[&[0]]);
        check(&[&[1], &[]], &[]);
        // Two cycles through 0; the shorter one is reported.
        check(&[&[1, 3], &[2], &[0], &[0]], &[&[0, 3]]);
        // Two separate groups, and a node between them in none.
        check(&[&[1], &[0, 2], &[3], &[4], &[3]], &[&[0, 1], &[3, 4]]);
    }
}
