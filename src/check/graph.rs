//! Graph helpers for the checker: finding cycles (recursion, exceptions) and ordering
//! definitions so that each comes after what it needs. Both are iterative: chains of
//! thousands of rules must not overflow the stack.

use std::cmp::Reverse;
use std::collections::BinaryHeap;

use crate::source::Span;

#[derive(Copy, Clone, PartialEq, Eq)]
enum Color {
    New,
    Open,
    Done,
}

/// Finds cycles in a graph whose edges carry the span that created them.
///
/// Each cycle lists its nodes in order, each with the span of its edge to the next.
/// Every cycle is closed by a different edge, so one mistake is reported once.
pub(super) fn cycles(edges: &[Vec<(usize, Span)>]) -> Vec<Vec<(usize, Span)>> {
    let mut color = vec![Color::New; edges.len()];
    let mut found = Vec::new();
    // Each entry is a node and the index of its next edge to follow.
    let mut stack: Vec<(usize, usize)> = Vec::new();
    let mut position = vec![usize::MAX; edges.len()];
    for start in 0..edges.len() {
        if color[start] != Color::New {
            continue;
        }
        color[start] = Color::Open;
        position[start] = 0;
        stack.push((start, 0));
        while let Some(top) = stack.last_mut() {
            let (node, next) = *top;
            let Some(&(target, _)) = edges[node].get(next) else {
                color[node] = Color::Done;
                stack.pop();
                continue;
            };
            top.1 += 1;
            match color[target] {
                Color::New => {
                    color[target] = Color::Open;
                    position[target] = stack.len();
                    stack.push((target, 0));
                }
                Color::Open => {
                    let cycle = stack[position[target]..]
                        .iter()
                        .map(|(member, taken)| (*member, edges[*member][taken - 1].1))
                        .collect();
                    found.push(cycle);
                }
                Color::Done => {}
            }
        }
    }
    found
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
