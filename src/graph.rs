//! Pictures of a policy and of one decision's derivation, as Graphviz DOT or mermaid text:
//! rules grouped by effect with their exceptions and the functions they call
//! ([`policy_graph`]), and the rules, condition parts and operands behind a decision
//! ([`derivation_graph`]). Drawing DOT as SVG is the front end's (it runs Graphviz).

use std::collections::BTreeSet;
use std::fmt::Write as _;

use crate::check::ir::{Effect, Expr, ExprKind, FnId, Program, RuleDef};
use crate::eval::{Decision, RuleStatus, Trace, Truth, Verdict};
use crate::facts::Facts;
use crate::report;
use crate::source::SourceMap;

pub mod messages;

/// The text notation of a picture.
#[derive(Copy, Clone, Debug, PartialEq, Eq)]
pub enum Notation {
    /// Graphviz's DOT language (drawn by `dot`, or as SVG by the front end).
    Dot,
    /// Mermaid's flowchart language (drawn by GitHub, GitLab and many editors).
    Mermaid,
}

/// The widest line of a label, in characters, before it wraps.
const WRAP: usize = 34;

const PERMIT_FILL: &str = "#d7f0d8";
const PERMIT_LINE: &str = "#2e7d32";
const DENY_FILL: &str = "#f9d6d5";
const DENY_LINE: &str = "#c62828";
const FUNCTION_FILL: &str = "#e8eaf6";
const FUNCTION_LINE: &str = "#3949ab";
const UNKNOWN_FILL: &str = "#ffe9b3";
const UNKNOWN_LINE: &str = "#b26a00";
const QUIET_FILL: &str = "#f0f0f0";
const QUIET_LINE: &str = "#9e9e9e";

/// One node of a picture.
struct Node {
    id: String,
    /// Lines of its label, already wrapped.
    lines: Vec<String>,
    fill: &'static str,
    line: &'static str,
    /// Drawn with a dashed border (a rule that did not take part).
    dashed: bool,
    /// Drawn as a rounded box (rules) rather than an ellipse-like shape (functions, parts).
    rounded: bool,
}

/// One edge of a picture.
struct Edge {
    from: String,
    to: String,
    label: String,
    style: EdgeStyle,
}

#[derive(Copy, Clone, PartialEq, Eq)]
enum EdgeStyle {
    /// Is an exception to, or decided.
    Bold,
    /// Calls, or took part without deciding.
    Dashed,
    /// Did not take part.
    Dotted,
}

/// A group of nodes drawn in one box.
struct Cluster {
    id: String,
    title: String,
    fill: &'static str,
    line: &'static str,
    nodes: Vec<Node>,
}

/// A picture before it is written in a notation.
struct Picture {
    clusters: Vec<Cluster>,
    /// Nodes outside any cluster.
    loose: Vec<Node>,
    edges: Vec<Edge>,
    /// The legend's lines.
    legend: Vec<String>,
}

/// The picture of a policy: its rules as nodes in one box per effect, labelled with their
/// citations and the dates they are in force; bold arrows from each exception to the rule it is
/// an exception to; dashed arrows from each rule to the functions it calls (and from functions
/// to the functions they call), so rules that share a function meet at it.
pub fn policy_graph(program: &Program, notation: Notation) -> String {
    let mut clusters = Vec::new();
    for (effect, id, title, fill, line) in [
        (Effect::Deny, "deny_rules", "deny rules", DENY_FILL, DENY_LINE),
        (
            Effect::Permit,
            "permit_rules",
            "permit rules",
            PERMIT_FILL,
            PERMIT_LINE,
        ),
    ] {
        let nodes: Vec<Node> = program
            .rules
            .iter()
            .enumerate()
            .filter(|(_, rule)| rule.effect == effect)
            .map(|(idx, rule)| Node {
                id: format!("rule{idx}"),
                lines: rule_lines(rule),
                fill,
                line,
                dashed: false,
                rounded: true,
            })
            .collect();
        if !nodes.is_empty() {
            clusters.push(Cluster {
                id: id.to_owned(),
                title: title.to_owned(),
                fill: "#fafafa",
                line,
                nodes,
            });
        }
    }
    let mut edges = Vec::new();
    for (idx, rule) in program.rules.iter().enumerate() {
        for target in &rule.exception_to {
            edges.push(Edge {
                from: format!("rule{idx}"),
                to: format!("rule{}", target.idx()),
                label: "exception to".into(),
                style: EdgeStyle::Bold,
            });
        }
    }
    // The functions rules reach, and the calls between them, each once.
    let mut called = BTreeSet::new();
    let mut pending: Vec<(String, FnId)> = Vec::new();
    for (idx, rule) in program.rules.iter().enumerate() {
        let mut calls = BTreeSet::new();
        for condition in &rule.conditions {
            collect_calls(&condition.expr, &mut calls);
        }
        pending.extend(calls.into_iter().map(|id| (format!("rule{idx}"), id)));
    }
    let mut seen_edges = BTreeSet::new();
    while let Some((from, id)) = pending.pop() {
        if !seen_edges.insert((from.clone(), id.idx())) {
            continue;
        }
        edges.push(Edge {
            from,
            to: format!("fn{}", id.idx()),
            label: "calls".into(),
            style: EdgeStyle::Dashed,
        });
        if called.insert(id.idx()) {
            let mut calls = BTreeSet::new();
            collect_calls(&program.functions[id.idx()].body, &mut calls);
            pending.extend(
                calls
                    .into_iter()
                    .map(|callee| (format!("fn{}", id.idx()), callee)),
            );
        }
    }
    if !called.is_empty() {
        clusters.push(Cluster {
            id: "functions".into(),
            title: "functions".into(),
            fill: "#fafafa",
            line: FUNCTION_LINE,
            nodes: called
                .iter()
                .map(|idx| Node {
                    id: format!("fn{idx}"),
                    lines: vec![program.functions[*idx].name.clone()],
                    fill: FUNCTION_FILL,
                    line: FUNCTION_LINE,
                    dashed: false,
                    rounded: false,
                })
                .collect(),
        });
    }
    // Edges in a fixed order, whatever order the walk found them in.
    edges.sort_by(|a, b| (&a.from, &a.to, &a.label).cmp(&(&b.from, &b.to, &b.label)));
    let default = program
        .default
        .as_ref()
        .map(|default| format!("; by default: {}", default.effect.as_str()))
        .unwrap_or_default();
    let picture = Picture {
        clusters,
        loose: Vec::new(),
        edges,
        legend: vec![
            format!("Rules of a policy {}{default}", program_name(program)),
            "green: permit rules; red: deny rules; blue: functions".into(),
            "bold arrow: is an exception to; dashed arrow: calls".into(),
        ],
    };
    write(&picture, notation)
}

/// The picture of one decision's derivation: the decision; each rule in force with its status,
/// its arrow to the decision bold when it decided; each condition part evaluated, with its value
/// and operands, pointing at its rule; exceptions pointing at the rules they defeated. Rules not
/// in force on the decision's date are left out (the legend counts them).
pub fn derivation_graph(
    program: &Program,
    facts: &Facts,
    sources: &SourceMap,
    decision: &Decision,
    trace: &Trace,
    offset: u64,
    notation: Notation,
) -> String {
    let subject = report::subject_name(program, facts, decision.subject, offset);
    let mut outcome = format!("{subject}: {}", decision.verdict.as_str());
    match decision.verdict {
        Verdict::Permit | Verdict::Deny if decision.deciding.is_empty() => outcome.push_str(" by default"),
        Verdict::Permit | Verdict::Deny => {
            let names: Vec<&str> = decision
                .deciding
                .iter()
                .map(|rule| program.rules[rule.idx()].name.as_str())
                .collect();
            outcome.push_str(&format!(" by {}", names.join(", ")));
        }
        Verdict::Undecided => outcome.push_str(": facts are missing"),
    }
    let mut lines = wrap(&outcome);
    if let Some(date) = decision.law_date {
        lines.push(format!("law of {date}"));
    }
    let (fill, line) = match decision.verdict {
        Verdict::Permit => (PERMIT_FILL, PERMIT_LINE),
        Verdict::Deny => (DENY_FILL, DENY_LINE),
        Verdict::Undecided => (UNKNOWN_FILL, UNKNOWN_LINE),
    };
    let loose = vec![Node {
        id: "decision".into(),
        lines,
        fill,
        line,
        dashed: false,
        rounded: true,
    }];
    let mut clusters = Vec::new();
    let mut edges = Vec::new();
    let mut n_not_in_force = 0;
    for rule_trace in trace.rules() {
        let idx = rule_trace.rule().idx();
        let rule = &program.rules[idx];
        let status = rule_trace.status();
        if status == RuleStatus::NotInForce {
            n_not_in_force += 1;
            continue;
        }
        let (fill, line, dashed, word, style) = match status {
            RuleStatus::Decided => (
                effect_fill(rule.effect),
                effect_line(rule.effect),
                false,
                "decided".to_owned(),
                EdgeStyle::Bold,
            ),
            RuleStatus::Overridden => (
                effect_fill(rule.effect),
                effect_line(rule.effect),
                false,
                "applied; a deny rule decided".to_owned(),
                EdgeStyle::Dashed,
            ),
            RuleStatus::Pending => (
                effect_fill(rule.effect),
                effect_line(rule.effect),
                false,
                "applies; waits on unknown deny rules".to_owned(),
                EdgeStyle::Dashed,
            ),
            RuleStatus::Defeated => (
                QUIET_FILL,
                effect_line(rule.effect),
                true,
                "defeated by an exception".to_owned(),
                EdgeStyle::Dotted,
            ),
            RuleStatus::NotApplied(_) => (
                QUIET_FILL,
                QUIET_LINE,
                true,
                "did not apply".to_owned(),
                EdgeStyle::Dotted,
            ),
            RuleStatus::Unknown => (
                UNKNOWN_FILL,
                UNKNOWN_LINE,
                false,
                "unknown".to_owned(),
                EdgeStyle::Dashed,
            ),
            RuleStatus::NotInForce => unreachable!("rules not in force were skipped above"),
        };
        let id = format!("rule{idx}");
        let mut lines = wrap(&format!("{} ({})", rule.name, rule.effect.as_str()));
        lines.push(word);
        let mut parts = Vec::new();
        let rule_node = Node {
            id: id.clone(),
            lines,
            fill,
            line,
            dashed,
            rounded: true,
        };
        edges.push(Edge {
            from: id.clone(),
            to: "decision".into(),
            label: String::new(),
            style,
        });
        for defeater in rule_trace.defeated_by() {
            edges.push(Edge {
                from: format!("rule{}", defeater.idx()),
                to: id.clone(),
                label: "defeats".into(),
                style: EdgeStyle::Bold,
            });
        }
        let evaluated = rule_trace.parts().len();
        for (n, (part, condition)) in rule_trace.parts().zip(&rule.conditions).enumerate() {
            let text = report::part_text(program, facts, sources, condition, &part, offset);
            let (fill, line) = match part.truth() {
                Truth::True => (PERMIT_FILL, PERMIT_LINE),
                Truth::False => (DENY_FILL, DENY_LINE),
                Truth::Unknown => (UNKNOWN_FILL, UNKNOWN_LINE),
            };
            let part_id = format!("rule{idx}_part{n}");
            parts.push(Node {
                id: part_id.clone(),
                lines: wrap(&text),
                fill,
                line,
                dashed: false,
                rounded: false,
            });
            edges.push(Edge {
                from: part_id,
                to: id.clone(),
                label: String::new(),
                style: EdgeStyle::Dashed,
            });
        }
        for (n, condition) in rule.conditions.iter().enumerate().skip(evaluated) {
            let keyword = if condition.negated { "unless" } else { "when" };
            let text = sources
                .snippet(condition.span)
                .split_whitespace()
                .collect::<Vec<_>>()
                .join(" ");
            let part_id = format!("rule{idx}_part{n}");
            parts.push(Node {
                id: part_id.clone(),
                lines: wrap(&format!("{keyword} {text}: not evaluated")),
                fill: QUIET_FILL,
                line: QUIET_LINE,
                dashed: true,
                rounded: false,
            });
            edges.push(Edge {
                from: part_id,
                to: id.clone(),
                label: String::new(),
                style: EdgeStyle::Dotted,
            });
        }
        // Each rule in a box of its own, its parts beside it.
        parts.push(rule_node);
        clusters.push(Cluster {
            id: format!("{id}_box"),
            title: String::new(),
            fill: "#ffffff",
            line: QUIET_LINE,
            nodes: parts,
        });
    }
    let mut legend = vec![
        format!("Derivation of the decision for {} {subject}", report::subject_record(program)),
        "parts: green holds, red does not hold (an `unless` holds when its expression is false), amber unknown, grey not evaluated".into(),
        "rules: coloured by effect when they applied, amber unknown, grey dashed when they did not".into(),
        "bold arrow: decided, or an exception defeats a rule".into(),
    ];
    if n_not_in_force > 0 {
        legend.push(format!(
            "{n_not_in_force} rule(s) not in force on the decision's date are not shown"
        ));
    }
    let picture = Picture {
        clusters,
        loose,
        edges,
        legend,
    };
    write(&picture, notation)
}

fn effect_fill(effect: Effect) -> &'static str {
    match effect {
        Effect::Permit => PERMIT_FILL,
        Effect::Deny => DENY_FILL,
    }
}

fn effect_line(effect: Effect) -> &'static str {
    match effect {
        Effect::Permit => PERMIT_LINE,
        Effect::Deny => DENY_LINE,
    }
}

/// The policy's module name, or `policy`.
fn program_name(program: &Program) -> String {
    program
        .subject
        .as_ref()
        .map(|subject| format!("deciding `{}`", program.records[subject.record.idx()].name))
        .unwrap_or_else(|| "module".into())
}

/// A rule's label: its name, its citation and the dates it is in force, wrapped.
fn rule_lines(rule: &RuleDef) -> Vec<String> {
    let mut lines = wrap(&rule.name);
    if let Some(citation) = &rule.citation {
        lines.extend(wrap(citation));
    }
    match (rule.effective, rule.until) {
        (Some(from), Some(to)) => lines.push(format!("in force {from} to {to}")),
        (Some(from), None) => lines.push(format!("in force from {from}")),
        (None, Some(to)) => lines.push(format!("in force until {to}")),
        (None, None) => {}
    }
    lines
}

/// The functions an expression calls directly.
fn collect_calls(expr: &Expr, calls: &mut BTreeSet<FnId>) {
    if let ExprKind::Call(id, _) = &expr.kind {
        calls.insert(*id);
    }
    expr.for_each_child(|child| collect_calls(child, calls));
}

/// Text cut into lines of at most [`WRAP`] characters at spaces (a longer word keeps its line).
fn wrap(text: &str) -> Vec<String> {
    let mut lines = Vec::new();
    let mut line = String::new();
    for word in text.split_whitespace() {
        if !line.is_empty() && line.chars().count() + 1 + word.chars().count() > WRAP {
            lines.push(std::mem::take(&mut line));
        }
        if !line.is_empty() {
            line.push(' ');
        }
        line.push_str(word);
    }
    if !line.is_empty() || lines.is_empty() {
        lines.push(line);
    }
    lines
}

fn write(picture: &Picture, notation: Notation) -> String {
    match notation {
        Notation::Dot => write_dot(picture),
        Notation::Mermaid => write_mermaid(picture),
    }
}

/// A DOT string's content: quotes and backslashes escaped, control characters dropped.
fn dot_escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for ch in text.chars() {
        match ch {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            ch if ch.is_control() => out.push(' '),
            ch => out.push(ch),
        }
    }
    out
}

fn dot_label(lines: &[String]) -> String {
    lines
        .iter()
        .map(|line| dot_escape(line))
        .collect::<Vec<_>>()
        .join("\\n")
}

fn dot_node(out: &mut String, node: &Node, indent: &str) {
    let mut style = vec!["filled"];
    if node.rounded {
        style.push("rounded");
    }
    if node.dashed {
        style.push("dashed");
    }
    let shape = if node.rounded { "box" } else { "note" };
    let _ = writeln!(
        out,
        "{indent}{} [label=\"{}\", shape={shape}, style=\"{}\", fillcolor=\"{}\", color=\"{}\"];",
        node.id,
        dot_label(&node.lines),
        style.join(","),
        node.fill,
        node.line
    );
}

fn write_dot(picture: &Picture) -> String {
    let mut out = String::from("digraph pol {\n");
    out.push_str("  graph [rankdir=LR, fontname=\"Helvetica\", fontsize=12, nodesep=0.25, ranksep=0.6, labelloc=t, labeljust=l");
    let legend: Vec<String> = picture.legend.clone();
    let _ = writeln!(
        out,
        ", label=\"{}\\l\"];",
        legend
            .iter()
            .map(|line| dot_escape(line))
            .collect::<Vec<_>>()
            .join("\\l")
    );
    out.push_str("  node [fontname=\"Helvetica\", fontsize=11, margin=\"0.15,0.06\"];\n");
    out.push_str("  edge [fontname=\"Helvetica\", fontsize=10, color=\"#555555\"];\n");
    for node in &picture.loose {
        dot_node(&mut out, node, "  ");
    }
    for cluster in &picture.clusters {
        if cluster.nodes.is_empty() {
            continue;
        }
        let _ = writeln!(out, "  subgraph cluster_{} {{", cluster.id);
        let _ = writeln!(
            out,
            "    label=\"{}\"; style=\"rounded,filled\"; fillcolor=\"{}\"; color=\"{}\";",
            dot_escape(&cluster.title),
            cluster.fill,
            cluster.line
        );
        for node in &cluster.nodes {
            dot_node(&mut out, node, "    ");
        }
        out.push_str("  }\n");
    }
    for edge in &picture.edges {
        let style = match edge.style {
            EdgeStyle::Bold => "bold",
            EdgeStyle::Dashed => "dashed",
            EdgeStyle::Dotted => "dotted",
        };
        let label = if edge.label.is_empty() {
            String::new()
        } else {
            format!(", label=\"{}\"", dot_escape(&edge.label))
        };
        let _ = writeln!(out, "  {} -> {} [style={style}{label}];", edge.from, edge.to);
    }
    out.push_str("}\n");
    out
}

/// A mermaid label's content: characters mermaid reads as syntax written as its entity codes.
fn mermaid_escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for ch in text.chars() {
        match ch {
            '"' => out.push_str("#quot;"),
            '<' => out.push_str("#lt;"),
            '>' => out.push_str("#gt;"),
            '#' => out.push_str("#35;"),
            '&' => out.push_str("#amp;"),
            ch if ch.is_control() => out.push(' '),
            ch => out.push(ch),
        }
    }
    out
}

fn mermaid_label(lines: &[String]) -> String {
    lines
        .iter()
        .map(|line| mermaid_escape(line))
        .collect::<Vec<_>>()
        .join("<br/>")
}

fn mermaid_node(out: &mut String, node: &Node, indent: &str, classes: &mut Vec<(String, String)>) {
    let (open, close) = if node.rounded {
        ("(\"", "\")")
    } else {
        ("[\"", "\"]")
    };
    let _ = writeln!(
        out,
        "{indent}{}{open}{}{close}",
        node.id,
        mermaid_label(&node.lines)
    );
    let dash = if node.dashed { ",stroke-dasharray:4 3" } else { "" };
    classes.push((
        node.id.clone(),
        format!("fill:{},stroke:{}{dash}", node.fill, node.line),
    ));
}

fn write_mermaid(picture: &Picture) -> String {
    let mut out = String::from("flowchart LR\n");
    for line in &picture.legend {
        let _ = writeln!(out, "  %% {}", line.replace(['\n', '\r'], " "));
    }
    let mut styles = Vec::new();
    for node in &picture.loose {
        mermaid_node(&mut out, node, "  ", &mut styles);
    }
    for cluster in &picture.clusters {
        if cluster.nodes.is_empty() {
            continue;
        }
        let title = if cluster.title.is_empty() {
            " "
        } else {
            cluster.title.as_str()
        };
        let _ = writeln!(out, "  subgraph {}[\"{}\"]", cluster.id, mermaid_escape(title));
        for node in &cluster.nodes {
            mermaid_node(&mut out, node, "    ", &mut styles);
        }
        out.push_str("  end\n");
        let _ = writeln!(
            out,
            "  style {} fill:{},stroke:{}",
            cluster.id, cluster.fill, cluster.line
        );
    }
    for edge in &picture.edges {
        let arrow = match edge.style {
            EdgeStyle::Bold => "==>",
            EdgeStyle::Dashed | EdgeStyle::Dotted => "-.->",
        };
        if edge.label.is_empty() {
            let _ = writeln!(out, "  {} {arrow} {}", edge.from, edge.to);
        } else {
            let _ = writeln!(
                out,
                "  {} {arrow}|\"{}\"| {}",
                edge.from,
                mermaid_escape(&edge.label),
                edge.to
            );
        }
    }
    for (id, style) in styles {
        let _ = writeln!(out, "  style {id} {style}");
    }
    out
}

#[cfg(test)]
mod tests {
    use super::{dot_escape, mermaid_escape, wrap};

    #[test]
    fn labels_wrap_at_spaces_and_keep_long_words() {
        assert_eq!(
            wrap("Foreign Exchange and Foreign Trade Act, art. 48(1)"),
            vec!["Foreign Exchange and Foreign Trade", "Act, art. 48(1)"]
        );
        assert_eq!(wrap(&"x".repeat(50)), vec!["x".repeat(50)]);
        assert_eq!(wrap(""), vec![String::new()]);
    }

    #[test]
    fn user_text_cannot_break_out_of_a_label() {
        assert_eq!(dot_escape("a \"b\" \\ c\nd"), "a \\\"b\\\" \\\\ c d");
        assert_eq!(
            mermaid_escape("\"x\" <y> #1 & z"),
            "#quot;x#quot; #lt;y#gt; #35;1 #amp; z"
        );
    }
}
