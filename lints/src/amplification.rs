//! Joins function summaries of every analysed file into a call graph (by name
//! and `impl` type) and finds retry sites whose retried operation reaches
//! another retry site: the attempts multiply.

use crate::callgraph::{CallRef, FnSummary, RetrySite};
use crate::finding::Span;
use std::collections::{HashMap, HashSet, VecDeque};

/// How many calls deep the search follows.
const MAX_DEPTH: usize = 8;

/// A summary located in its file.
pub struct FileSummaries<'a> {
    pub file: usize,
    /// The package the file belongs to (its nearest `Cargo.toml`): names resolve
    /// within one package, so two crates checked together do not mix.
    pub package: &'a str,
    pub path: &'a str,
    pub fns: &'a [FnSummary],
}

type FnId = (usize, usize); // (index into files, index into fns)

/// A fast, fixed hash: the graph is rebuilt in every round of the driver's
/// phase two, between its parallel parts.
type Hasher = foldhash::fast::FixedState;

/// No further function of the same name.
const END: u32 = u32::MAX;

struct Graph<'a> {
    files: &'a [FileSummaries<'a>],
    /// Every function, in file order.
    fns: Vec<FnId>,
    /// Where each file's functions start in `fns`.
    offsets: Vec<usize>,
    /// Per package and name, the first of its functions (index into
    /// `fns`); each one links to the next of the same name in `same_name`.
    /// Keyed by package too: a name as common as `new` is looked up among
    /// one package's functions, not the whole workspace's.
    first: HashMap<(&'a str, &'a str), u32, Hasher>,
    same_name: Vec<u32>,
}

impl<'a> Graph<'a> {
    fn new(files: &'a [FileSummaries<'a>]) -> Self {
        let total: usize = files.iter().map(|f| f.fns.len()).sum();
        let mut first: HashMap<(&str, &str), u32, Hasher> =
            HashMap::with_capacity_and_hasher(total, Hasher::default());
        let mut fns = Vec::with_capacity(total);
        let mut same_name = Vec::with_capacity(total);
        let mut offsets = Vec::with_capacity(files.len());
        for (fi, f) in files.iter().enumerate() {
            offsets.push(fns.len());
            for (i, s) in f.fns.iter().enumerate() {
                let k = fns.len() as u32;
                fns.push((fi, i));
                let slot = first.entry((f.package, s.name.as_str())).or_insert(END);
                same_name.push(*slot);
                *slot = k;
            }
        }
        Graph {
            files,
            fns,
            offsets,
            first,
            same_name,
        }
    }

    /// The position of a function in `fns`.
    fn index(&self, id: FnId) -> usize {
        self.offsets[id.0] + id.1
    }

    fn get(&self, id: FnId) -> &'a FnSummary {
        &self.files[id.0].fns[id.1]
    }

    /// Every function of `package` called `name`.
    fn named(&self, package: &str, name: &str) -> impl Iterator<Item = FnId> + '_ {
        let mut k = self.first.get(&(package, name)).copied().unwrap_or(END);
        std::iter::from_fn(move || {
            let id = *self.fns.get(k as usize)?;
            k = self.same_name[k as usize];
            Some(id)
        })
    }

    /// The one function a call can reach, or `None` when unknown or ambiguous.
    fn resolve(&self, call: &CallRef, from: usize) -> Option<FnId> {
        let package = self.files[from].package;
        let mut fitting = self.named(package, &call.name).filter(|id| {
            let f = self.get(*id);
            match (&call.qualifier, call.is_method) {
                (Some(q), _) => {
                    f.impl_type.as_deref() == Some(q.as_str())
                        || (f.impl_type.is_none() && is_module(q))
                }
                (None, true) => f.impl_type.is_some(),
                (None, false) => f.impl_type.is_none(),
            }
        });
        let one = fitting.next()?;
        fitting.next().is_none().then_some(one)
    }
}

/// `net::fetch()`: a lowercase qualifier is a module path, not a type.
fn is_module(q: &str) -> bool {
    q.chars().next().is_some_and(|c| c.is_lowercase())
}

fn inner_attempts(f: &FnSummary) -> Option<u64> {
    f.retry_sites.iter().filter_map(|s| s.attempts).max()
}

/// A retry site whose retried operation reaches another retry site: what
/// `retry_amplification` reports.
pub struct Amplified<'a> {
    /// The site's file (`FileSummaries::file`).
    pub file: usize,
    pub site: &'a RetrySite,
    pub reach: Reach<'a>,
}

/// How a retry site reaches the next retry.
pub enum Reach<'a> {
    /// A retry site of the same function inside it.
    Nested(&'a RetrySite),
    /// Through calls, to the nearest function that retries.
    Calls {
        /// The retrying function, qualified (`Type::name`).
        outer: String,
        /// Each call on the way, the last one into the function that retries.
        hops: Vec<Hop>,
        /// That function's first retry site, and the file it is in.
        inner_site: &'a RetrySite,
        inner_path: &'a str,
        inner_in_site_file: bool,
        /// The largest attempt count of its retry sites, when known.
        inner_attempts: Option<u64>,
    },
}

/// One call on the way from a retry site to the next retry.
pub struct Hop {
    pub call: Span,
    pub caller: String,
    pub callee: String,
    /// Whether the call lies in the retry site's file.
    pub in_site_file: bool,
}

/// Every retry site that reaches another retry site, in file and function
/// order.
pub fn amplified<'a>(files: &'a [FileSummaries<'a>]) -> Vec<Amplified<'a>> {
    let graph = Graph::new(files);
    let nearest = Nearest::new(&graph);
    let mut out = Vec::new();
    for (fi, file) in files.iter().enumerate() {
        for (i, outer_fn) in file.fns.iter().enumerate() {
            for site in &outer_fn.retry_sites {
                let reach = if let Some(inner) = nested_in(outer_fn, site) {
                    Reach::Nested(inner)
                } else if let Some(chain) = nearest.chain(&graph, (fi, i), site) {
                    through_calls(&graph, (fi, i), &chain)
                } else {
                    continue;
                };
                out.push(Amplified {
                    file: file.file,
                    site,
                    reach,
                });
            }
        }
    }
    out
}

fn through_calls<'a>(graph: &Graph<'a>, origin: FnId, chain: &[(CallRef, FnId)]) -> Reach<'a> {
    let inner_id = chain.last().expect("non-empty chain").1;
    let inner_fn = graph.get(inner_id);
    let mut caller = origin;
    let hops = chain
        .iter()
        .map(|(call, id)| {
            let hop = Hop {
                call: call.span,
                caller: graph.get(caller).qualified(),
                callee: graph.get(*id).qualified(),
                in_site_file: caller.0 == origin.0,
            };
            caller = *id;
            hop
        })
        .collect();
    Reach::Calls {
        outer: graph.get(origin).qualified(),
        hops,
        inner_site: &inner_fn.retry_sites[0],
        inner_path: graph.files[inner_id.0].path,
        inner_in_site_file: inner_id.0 == origin.0,
        inner_attempts: inner_attempts(inner_fn),
    }
}

/// Every function the search from a retry site can reach within `MAX_DEPTH`
/// calls, as (`FileSummaries::file`, function name). A function whose body was
/// not analysed (its calls are unknown) and is on this list must be, for the
/// search to see past it.
pub fn reachable(files: &[FileSummaries]) -> HashSet<(usize, String)> {
    let graph = Graph::new(files);
    let mut seen: HashSet<FnId, Hasher> = HashSet::default();
    let mut level: Vec<FnId> = Vec::new();
    for (fi, file) in files.iter().enumerate() {
        for f in file.fns {
            for site in &f.retry_sites {
                for call in &site.calls {
                    if let Some(id) = graph.resolve(call, fi) {
                        if seen.insert(id) {
                            level.push(id);
                        }
                    }
                }
            }
        }
    }
    for _ in 1..MAX_DEPTH {
        let mut next = Vec::new();
        for id in level {
            for call in &graph.get(id).calls {
                if let Some(callee) = graph.resolve(call, id.0) {
                    if seen.insert(callee) {
                        next.push(callee);
                    }
                }
            }
        }
        level = next;
    }
    seen.into_iter()
        .map(|(fi, i)| (files[fi].file, files[fi].fns[i].name.clone()))
        .collect()
}

/// For every function, how many calls away the nearest function that
/// retries is (0: it retries itself), within `MAX_DEPTH`: one breadth-first
/// walk up the call edges from every retrying function at once, so that each
/// retry site's chain is read off in the length of the chain instead of a
/// search of the graph per site (quadratic when thousands of sites reach one
/// large part of it).
struct Nearest {
    /// By position in `Graph::fns`; `u32::MAX` when none is within reach.
    distance: Vec<u32>,
    /// The functions each function's calls resolve to, in call order.
    callees: Vec<Vec<(usize, FnId)>>,
}

impl Nearest {
    fn new(graph: &Graph) -> Self {
        let n = graph.fns.len();
        let mut callees = Vec::with_capacity(n);
        let mut callers: Vec<Vec<usize>> = vec![Vec::new(); n];
        for (k, &id) in graph.fns.iter().enumerate() {
            let resolved: Vec<(usize, FnId)> = graph
                .get(id)
                .calls
                .iter()
                .enumerate()
                .filter_map(|(c, call)| Some((c, graph.resolve(call, id.0)?)))
                .collect();
            for &(_, callee) in &resolved {
                callers[graph.index(callee)].push(k);
            }
            callees.push(resolved);
        }
        let mut distance = vec![u32::MAX; n];
        let mut level: Vec<usize> = Vec::new();
        for (k, &id) in graph.fns.iter().enumerate() {
            if !graph.get(id).retry_sites.is_empty() {
                distance[k] = 0;
                level.push(k);
            }
        }
        // A site's chain is its first call plus at most `MAX_DEPTH - 1` more.
        for d in 1..MAX_DEPTH as u32 {
            let mut next = Vec::new();
            for k in level {
                for &caller in &callers[k] {
                    if distance[caller] == u32::MAX {
                        distance[caller] = d;
                        next.push(caller);
                    }
                }
            }
            level = next;
        }
        Nearest { distance, callees }
    }

    /// The chain [`search`] finds from `site`: the shortest, and of those the
    /// one taking the earliest call at each hop. Read off the distances; a
    /// chain that would pass through `origin` itself (which the search never
    /// enters) is left to the search.
    fn chain(&self, graph: &Graph, origin: FnId, site: &RetrySite) -> Option<Vec<(CallRef, FnId)>> {
        let dist = |id: FnId| self.distance[graph.index(id)];
        let first = site
            .calls
            .iter()
            .filter_map(|call| Some((call, graph.resolve(call, origin.0)?)))
            .filter(|&(_, id)| id != origin)
            .min_by_key(|&(_, id)| dist(id))
            .filter(|&(_, id)| dist(id) != u32::MAX)?;
        let mut chain = vec![(first.0.clone(), first.1)];
        let mut at = first.1;
        while dist(at) > 0 {
            let want = dist(at) - 1;
            let (c, next) = *self.callees[graph.index(at)]
                .iter()
                .find(|&&(_, id)| dist(id) == want)?;
            // Distances fall by one a hop: only the origin can come back.
            if next == origin {
                return search(graph, origin, site);
            }
            chain.push((graph.get(at).calls[c].clone(), next));
            at = next;
        }
        Some(chain)
    }
}

/// Breadth-first from the calls of `site` to the nearest function that retries.
/// Returns the chain of (call, callee) hops.
fn search(graph: &Graph, origin: FnId, site: &RetrySite) -> Option<Vec<(CallRef, FnId)>> {
    let mut seen: HashSet<FnId> = HashSet::from([origin]);
    let mut queue: VecDeque<Vec<(CallRef, FnId)>> = VecDeque::new();
    for call in &site.calls {
        if let Some(id) = graph.resolve(call, origin.0) {
            if seen.insert(id) {
                queue.push_back(vec![(call.clone(), id)]);
            }
        }
    }
    while let Some(path) = queue.pop_front() {
        let (_, last) = path.last().expect("paths are never empty");
        let f = graph.get(*last);
        if !f.retry_sites.is_empty() {
            return Some(path);
        }
        if path.len() >= MAX_DEPTH {
            continue;
        }
        for call in &f.calls {
            if let Some(id) = graph.resolve(call, last.0) {
                if seen.insert(id) {
                    let mut next = path.clone();
                    next.push((call.clone(), id));
                    queue.push_back(next);
                }
            }
        }
    }
    None
}

/// The retry call graph for `leash budgets --graph`: every function with a
/// retry site (with its attempts, when known), and the call chains from a retry
/// site to the next retry below it.
/// Functions that retry (name, attempts, shared retry budgets paying for
/// them) and the call edges between them.
pub type RetryGraph = (
    Vec<(String, Option<u64>, Vec<String>)>,
    Vec<(String, String)>,
);

pub fn retry_graph(files: &[FileSummaries]) -> RetryGraph {
    let graph = Graph::new(files);
    let nearest = Nearest::new(&graph);
    let mut nodes = Vec::new();
    let mut edges = Vec::new();
    for (fi, file) in files.iter().enumerate() {
        for (i, f) in file.fns.iter().enumerate() {
            if f.retry_sites.is_empty() {
                continue;
            }
            let budgets = f
                .retry_sites
                .iter()
                .filter_map(|s| s.budget.clone())
                .collect();
            nodes.push((f.qualified(), inner_attempts(f), budgets));
            for site in &f.retry_sites {
                if let Some(chain) = nearest.chain(&graph, (fi, i), site) {
                    let mut from = f.qualified();
                    for (_, id) in &chain {
                        let to = graph.get(*id).qualified();
                        if !edges.contains(&(from.clone(), to.clone())) {
                            edges.push((from.clone(), to.clone()));
                        }
                        from = to;
                    }
                }
            }
        }
    }
    (nodes, edges)
}

/// A retry site of the same function lying inside `site` (a retry loop nested
/// directly in another, or in a `#[leash::retry]` body).
fn nested_in<'f>(f: &'f FnSummary, site: &RetrySite) -> Option<&'f RetrySite> {
    f.retry_sites.iter().find(|other| {
        other.extent != site.extent
            && site.extent.start <= other.extent.start
            && other.extent.end <= site.extent.end
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn call(name: &str) -> CallRef {
        CallRef {
            name: name.to_string(),
            qualifier: None,
            is_method: false,
            span: Span::default(),
        }
    }

    fn site(calls: Vec<CallRef>) -> RetrySite {
        RetrySite {
            span: Span::default(),
            extent: Span::default(),
            attempts: Some(3),
            bounded: true,
            kind: "retry loop".to_string(),
            budget: None,
            calls,
        }
    }

    fn function(name: &str, calls: Vec<CallRef>, retries: Option<Vec<CallRef>>) -> FnSummary {
        FnSummary {
            name: name.to_string(),
            impl_type: None,
            span: Span::default(),
            calls,
            retry_sites: retries.map(site).into_iter().collect(),
        }
    }

    /// Every site's chain read off the distances is the one the search finds.
    fn agrees(fns: &[FnSummary]) {
        let files = [FileSummaries {
            file: 0,
            package: "p",
            path: "lib.rs",
            fns,
        }];
        let graph = Graph::new(&files);
        let nearest = Nearest::new(&graph);
        for (i, f) in fns.iter().enumerate() {
            for s in &f.retry_sites {
                let read = nearest.chain(&graph, (0, i), s);
                let searched = search(&graph, (0, i), s);
                let ids = |c: &Option<Vec<(CallRef, FnId)>>| {
                    c.as_ref()
                        .map(|c| c.iter().map(|(_, id)| *id).collect::<Vec<_>>())
                };
                assert_eq!(ids(&read), ids(&searched), "site of {}", f.name);
            }
        }
    }

    #[test]
    fn chains_read_off_distances_are_the_searched_ones() {
        // Random graphs: a small linear congruential generator, fixed seed.
        let mut state: u64 = 0x2545_f491_4f6c_dd1d;
        let mut next = |n: u64| {
            state = state
                .wrapping_mul(6_364_136_223_846_793_005)
                .wrapping_add(1);
            (state >> 33) % n
        };
        for _ in 0..300 {
            let n = 2 + next(14);
            let fns: Vec<FnSummary> = (0..n)
                .map(|i| {
                    let calls = (0..next(4))
                        .map(|_| call(&format!("f{}", next(n))))
                        .collect();
                    let retries = (next(3) == 0).then(|| {
                        (0..1 + next(3))
                            .map(|_| call(&format!("f{}", next(n))))
                            .collect()
                    });
                    function(&format!("f{i}"), calls, retries)
                })
                .collect();
            agrees(&fns);
        }
    }

    #[test]
    fn a_chain_back_through_the_retrying_function_itself_is_not_taken() {
        // f0 retries g; g calls f0 (which retries) or, one call further, h.
        let fns = vec![
            function("f0", vec![call("g")], Some(vec![call("g")])),
            function("g", vec![call("f0"), call("k")], None),
            function("k", vec![call("h")], None),
            function("h", vec![], Some(vec![])),
        ];
        agrees(&fns);
        let files = [FileSummaries {
            file: 0,
            package: "p",
            path: "lib.rs",
            fns: &fns,
        }];
        let graph = Graph::new(&files);
        let chain = Nearest::new(&graph).chain(&graph, (0, 0), &fns[0].retry_sites[0]);
        let chain = chain.expect("h is reached");
        let names: Vec<&str> = chain.iter().map(|(c, _)| c.name.as_str()).collect();
        assert_eq!(names, ["g", "k", "h"]);
    }
}
