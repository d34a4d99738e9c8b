//! The dependency graph: which extensions can run given what they depend on, and in which order.
//!
//! Input is each extension's id, version and dependency ranges; output is a topological order
//! (dependencies first) and, for each extension that cannot run, the reason: a missing dependency, a range
//! no installed version meets, a cycle (naming every id on it), or a dependency that itself failed.
//! Pure computation: no I/O, no registry access.

use std::collections::{BTreeMap, BTreeSet};

use petgraph::algo::{tarjan_scc, toposort};
use petgraph::graph::{DiGraph, NodeIndex};
use semver::Version;

use crate::manifest::DependencyRange;

/// One extension as the graph sees it.
#[derive(Debug, Clone)]
pub struct GraphNode {
    /// The extension id.
    pub id: String,
    /// Its version; `None` when its manifest could not be read (it is present but already failed).
    pub version: Option<Version>,
    /// What it depends on: id → range.
    pub dependencies: BTreeMap<String, DependencyRange>,
    /// Whether it has already failed for another reason (its dependents fail with it).
    pub failed: bool,
}

/// Why an extension cannot run because of its dependencies.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum DependencyProblem {
    /// No installed extension has the id.
    #[error("dependency {dependency} ({range}) is not installed")]
    Missing {
        /// The dependency's id.
        dependency: String,
        /// The range asked for.
        range: String,
    },
    /// The installed version is outside the range.
    #[error("dependency {dependency} {range} is not satisfied: the installed version is {found}")]
    Unsatisfied {
        /// The dependency's id.
        dependency: String,
        /// The range asked for.
        range: String,
        /// The installed version.
        found: Version,
    },
    /// The extension is on a dependency cycle.
    #[error("dependency cycle: {}", cycle_text(ids))]
    Cycle {
        /// Every id on the cycle, in dependency order, starting from the smallest id.
        ids: Vec<String>,
    },
    /// A dependency cannot run (for any reason).
    #[error("dependency {dependency} failed")]
    DependencyFailed {
        /// The dependency that failed.
        dependency: String,
    },
}

fn cycle_text(ids: &[String]) -> String {
    let mut text = ids.join(" -> ");
    if let Some(first) = ids.first() {
        text.push_str(" -> ");
        text.push_str(first);
    }
    text
}

/// The resolved graph.
#[derive(Debug, Clone, Default)]
pub struct Resolution {
    /// Every extension that can run, dependencies before dependents (ties broken by id).
    pub order: Vec<String>,
    /// Every extension that cannot run because of its dependencies, with the first reason found.
    pub problems: BTreeMap<String, DependencyProblem>,
    /// For each id, the ids that depend on it directly.
    pub dependents: BTreeMap<String, BTreeSet<String>>,
}

impl Resolution {
    /// Every extension that depends on `id`, directly or not, in an order where dependents come before
    /// their dependencies (the order in which to disable them).
    pub fn transitive_dependents(&self, id: &str) -> Vec<String> {
        let mut found = BTreeSet::new();
        let mut stack = vec![id.to_owned()];
        while let Some(current) = stack.pop() {
            for dependent in self.dependents.get(&current).into_iter().flatten() {
                if found.insert(dependent.clone()) {
                    stack.push(dependent.clone());
                }
            }
        }
        self.order
            .iter()
            .rev()
            .filter(|candidate| found.contains(*candidate))
            .cloned()
            .collect()
    }
}

/// Resolves `nodes`: checks every dependency edge, finds cycles, propagates failure to dependents and
/// orders the rest.
pub fn resolve(nodes: &[GraphNode]) -> Resolution {
    let mut graph: DiGraph<&str, ()> = DiGraph::new();
    let index: BTreeMap<&str, NodeIndex> = nodes
        .iter()
        .map(|node| (node.id.as_str(), graph.add_node(node.id.as_str())))
        .collect();
    let by_id: BTreeMap<&str, &GraphNode> = nodes.iter().map(|n| (n.id.as_str(), n)).collect();

    let mut problems: BTreeMap<String, DependencyProblem> = BTreeMap::new();
    let mut dependents: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    for node in nodes {
        for (dependency, range) in &node.dependencies {
            dependents
                .entry(dependency.clone())
                .or_default()
                .insert(node.id.clone());
            let Some(target) = by_id.get(dependency.as_str()) else {
                problems
                    .entry(node.id.clone())
                    .or_insert(DependencyProblem::Missing {
                        dependency: dependency.clone(),
                        range: range.to_string(),
                    });
                continue;
            };
            // Edge dependency → dependent, so a topological order lists dependencies first.
            graph.add_edge(index[dependency.as_str()], index[node.id.as_str()], ());
            if let Some(version) = &target.version
                && !range.matches(version)
            {
                problems
                    .entry(node.id.clone())
                    .or_insert(DependencyProblem::Unsatisfied {
                        dependency: dependency.clone(),
                        range: range.to_string(),
                        found: version.clone(),
                    });
            }
        }
    }

    for component in tarjan_scc(&graph) {
        let is_cycle = component.len() > 1 || graph.contains_edge(component[0], component[0]);
        if !is_cycle {
            continue;
        }
        let ids = cycle_order(&graph, &component, &by_id);
        for id in &ids {
            problems.insert(id.clone(), DependencyProblem::Cycle { ids: ids.clone() });
        }
    }

    // Order: a topological order of the graph with cycle edges removed; ties by id for stable output.
    let mut acyclic = graph.clone();
    acyclic.retain_edges(|g, edge| {
        let (from, to) = g.edge_endpoints(edge).expect("invariant: edge exists");
        let cyclic =
            |n: NodeIndex| matches!(problems.get(g[n]), Some(DependencyProblem::Cycle { .. }));
        !(cyclic(from) && cyclic(to))
    });
    let ordered = stable_toposort(&acyclic);

    // Propagate failure along the order: a node whose dependency cannot run cannot run either.
    let mut order = Vec::new();
    for id in ordered {
        let node = by_id[id];
        if !problems.contains_key(id) {
            let failed_dependency = node.dependencies.keys().find(|dependency| {
                problems.contains_key(dependency.as_str())
                    || by_id.get(dependency.as_str()).is_some_and(|d| d.failed)
            });
            if let Some(dependency) = failed_dependency {
                problems.insert(
                    id.to_owned(),
                    DependencyProblem::DependencyFailed {
                        dependency: dependency.clone(),
                    },
                );
            }
        }
        if !problems.contains_key(id) && !node.failed {
            order.push(id.to_owned());
        }
    }
    debug_assert!(toposort(&acyclic, None).is_ok());
    Resolution {
        order,
        problems,
        dependents,
    }
}

/// Kahn's algorithm choosing the smallest id among the ready nodes, so the order is deterministic.
fn stable_toposort<'a>(graph: &DiGraph<&'a str, ()>) -> Vec<&'a str> {
    let mut in_degree: BTreeMap<NodeIndex, usize> = graph
        .node_indices()
        .map(|n| (n, graph.neighbors_directed(n, petgraph::Incoming).count()))
        .collect();
    let mut ready: BTreeSet<(&str, NodeIndex)> = in_degree
        .iter()
        .filter(|(_, degree)| **degree == 0)
        .map(|(&n, _)| (graph[n], n))
        .collect();
    let mut order = Vec::with_capacity(graph.node_count());
    while let Some(next) = ready.pop_first() {
        order.push(next.0);
        for successor in graph.neighbors_directed(next.1, petgraph::Outgoing) {
            let degree = in_degree
                .get_mut(&successor)
                .expect("invariant: every node has a degree");
            *degree -= 1;
            if *degree == 0 {
                ready.insert((graph[successor], successor));
            }
        }
    }
    order
}

/// The ids of one strongly connected component as a readable cycle: start at the smallest id and follow
/// dependency edges (dependent → dependency) within the component.
fn cycle_order(
    graph: &DiGraph<&str, ()>,
    component: &[NodeIndex],
    by_id: &BTreeMap<&str, &GraphNode>,
) -> Vec<String> {
    let members: BTreeSet<&str> = component.iter().map(|&n| graph[n]).collect();
    let start = *members
        .first()
        .expect("invariant: a component is never empty");
    let mut ids = vec![start.to_owned()];
    let mut current = start;
    loop {
        let next = by_id[current]
            .dependencies
            .keys()
            .map(String::as_str)
            .find(|dependency| {
                members.contains(dependency) && !ids.iter().any(|id| id == dependency)
            });
        match next {
            Some(next) => {
                ids.push(next.to_owned());
                current = next;
            }
            None => break,
        }
    }
    // A component whose members a single walk does not reach (several interleaved cycles) still names all.
    for member in members {
        if !ids.iter().any(|id| id == member) {
            ids.push(member.to_owned());
        }
    }
    ids
}

#[cfg(test)]
mod tests {
    use super::*;

    fn node(id: &str, version: &str, dependencies: &[(&str, &str)]) -> GraphNode {
        GraphNode {
            id: id.to_owned(),
            version: Some(Version::parse(version).unwrap()),
            dependencies: dependencies
                .iter()
                .map(|(id, range)| ((*id).to_owned(), DependencyRange::parse(range).unwrap()))
                .collect(),
            failed: false,
        }
    }

    fn problem(resolution: &Resolution, id: &str) -> String {
        resolution.problems[id].to_string()
    }

    #[test]
    fn dependencies_come_first_with_ties_by_id() {
        let resolution = resolve(&[
            node("c.app", "1.0.0", &[("b.lib", "^1"), ("a.base", "^1")]),
            node("b.lib", "1.2.0", &[("a.base", ">=1.0.0")]),
            node("a.base", "1.0.0", &[]),
            node("z.alone", "1.0.0", &[]),
        ]);
        assert_eq!(resolution.order, ["a.base", "b.lib", "c.app", "z.alone"]);
        assert!(resolution.problems.is_empty());
        assert_eq!(
            resolution.transitive_dependents("a.base"),
            ["c.app", "b.lib"]
        );
    }

    #[test]
    fn missing_and_unsatisfied_dependencies_fail_with_the_cause() {
        let resolution = resolve(&[
            node("a.x", "1.0.0", &[("no.such", "^1.0.0")]),
            node("b.x", "1.0.0", &[("c.x", "^2.0.0")]),
            node("c.x", "1.4.0", &[]),
        ]);
        assert_eq!(resolution.order, ["c.x"]);
        assert_eq!(
            problem(&resolution, "a.x"),
            "dependency no.such (^1.0.0) is not installed"
        );
        assert_eq!(
            problem(&resolution, "b.x"),
            "dependency c.x ^2.0.0 is not satisfied: the installed version is 1.4.0"
        );
    }

    #[test]
    fn cycles_name_every_member_and_fail_their_dependents() {
        let resolution = resolve(&[
            node("a.two", "1.0.0", &[("b.two", "*")]),
            node("b.two", "1.0.0", &[("a.two", "*")]),
            node("c.three", "1.0.0", &[("d.three", "*")]),
            node("d.three", "1.0.0", &[("e.three", "*")]),
            node("e.three", "1.0.0", &[("c.three", "*")]),
            node("f.user", "1.0.0", &[("e.three", "*")]),
            node("g.self", "1.0.0", &[("g.self", "*")]),
        ]);
        assert_eq!(resolution.order, Vec::<String>::new());
        assert_eq!(
            problem(&resolution, "a.two"),
            "dependency cycle: a.two -> b.two -> a.two"
        );
        assert_eq!(
            problem(&resolution, "b.two"),
            "dependency cycle: a.two -> b.two -> a.two"
        );
        assert_eq!(
            problem(&resolution, "d.three"),
            "dependency cycle: c.three -> d.three -> e.three -> c.three"
        );
        assert_eq!(problem(&resolution, "f.user"), "dependency e.three failed");
        assert_eq!(
            problem(&resolution, "g.self"),
            "dependency cycle: g.self -> g.self"
        );
    }

    #[test]
    fn failure_propagates_down_a_chain() {
        let mut broken = node("a.base", "1.0.0", &[]);
        broken.failed = true;
        let resolution = resolve(&[
            broken,
            node("b.mid", "1.0.0", &[("a.base", "^1")]),
            node("c.top", "1.0.0", &[("b.mid", "^1")]),
            node("d.ok", "1.0.0", &[]),
        ]);
        assert_eq!(resolution.order, ["d.ok"]);
        assert_eq!(problem(&resolution, "b.mid"), "dependency a.base failed");
        assert_eq!(problem(&resolution, "c.top"), "dependency b.mid failed");
        assert!(!resolution.problems.contains_key("a.base"));
    }
}
