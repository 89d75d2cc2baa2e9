//! Connection routing: an orthogonal path from an output handle to an input that goes around
//! node rectangles instead of under them, so a line never seems to come out of a node it only
//! passes behind.
//!
//! The path runs on the lines just outside the rectangles (and through the two ends): a
//! shortest path on that grid, with a cost for every bend and for running along a line that a
//! connection from another source already uses, so lines from different nodes do not merge.

use super::Rect;
use std::cmp::Ordering;
use std::collections::{BinaryHeap, HashMap};

/// A point on the canvas.
pub type Point = (f64, f64);

/// How far a route keeps from nodes, and how far it leaves a handle before it may turn.
pub const CLEARANCE: f64 = 14.0;
/// What a bend costs, in canvas units of length: a few bends fewer beats a slightly shorter line.
const BEND: f64 = 60.0;
/// How much more a unit of length costs on a line already used by another source's route.
const SHARED: f64 = 4.0;

/// Routes connections among a fixed set of obstacles, remembering the lines it has used.
#[derive(Debug, Clone)]
pub struct Router {
    obstacles: Vec<Rect>,
    /// The lines running just outside each obstacle.
    xs: Vec<f64>,
    ys: Vec<f64>,
    /// Each grid step used so far, keyed by its two ends, with the source that used it.
    used: HashMap<[u64; 4], String>,
}

/// The four ways along a grid line.
const DIRS: [(i8, i8); 4] = [(1, 0), (-1, 0), (0, 1), (0, -1)];

#[derive(Debug, Clone, Copy, PartialEq)]
struct Open {
    /// Cost so far plus the Manhattan distance left (never more than the true cost).
    estimate: f64,
    cost: f64,
    at: (usize, usize),
    dir: usize,
}

impl Eq for Open {}

impl Ord for Open {
    fn cmp(&self, o: &Self) -> Ordering {
        // A min-heap on the estimate; ties go to the cheaper-so-far, then a fixed order so
        // the same input always gives the same route.
        o.estimate
            .total_cmp(&self.estimate)
            .then(o.cost.total_cmp(&self.cost))
            .then(o.at.cmp(&self.at))
            .then(o.dir.cmp(&self.dir))
    }
}

impl PartialOrd for Open {
    fn partial_cmp(&self, o: &Self) -> Option<Ordering> {
        Some(self.cmp(o))
    }
}

impl Router {
    /// A router around `obstacles`: every node's rectangle, its own ends included (a route
    /// leaves its source to the right and enters its target from the left, never through them).
    pub fn new(obstacles: &[Rect]) -> Router {
        let obstacles: Vec<Rect> = obstacles
            .iter()
            .map(|r| r.inflate(CLEARANCE / 2.0))
            .collect();
        let mut xs = Vec::new();
        let mut ys = Vec::new();
        for r in &obstacles {
            xs.extend([r.x - CLEARANCE / 2.0, r.right() + CLEARANCE / 2.0]);
            ys.extend([r.y - CLEARANCE / 2.0, r.bottom() + CLEARANCE / 2.0]);
        }
        Router {
            obstacles,
            xs,
            ys,
            used: HashMap::new(),
        }
    }

    /// The corners of a route from an output handle at `from` (on the right edge of its node)
    /// to an input at `to` (on the left edge of its node), first and last points included.
    /// `source` names the connection's source node: routes from one source may share lines,
    /// routes from different sources avoid it. When no route exists (a handle boxed in by
    /// other nodes) the result is a plain three-segment line.
    pub fn route(&mut self, from: Point, to: Point, source: &str) -> Vec<Point> {
        let start = (from.0 + CLEARANCE, from.1);
        let goal = (to.0 - CLEARANCE, to.1);
        let path = if self.free(from, start) && self.free(to, goal) {
            self.search(start, goal, source)
        } else {
            None
        };
        let Some(middle) = path else {
            let mid = (start.0 + goal.0) / 2.0;
            return simplify(vec![from, (mid, from.1), (mid, to.1), to]);
        };
        for w in middle.windows(2) {
            self.used.insert(key(w[0], w[1]), source.to_owned());
        }
        let mut points = vec![from];
        points.extend(middle);
        points.push(to);
        simplify(points)
    }

    /// Whether the stub from a handle `a` to `b` is clear: it may cross only the node that
    /// `a` sits on (whose grown rectangle holds `a`), and `b` must be outside every node.
    fn free(&self, a: Point, b: Point) -> bool {
        !self
            .obstacles
            .iter()
            .any(|r| contains(r, b) || (r.cut_by(a, b) && !contains(r, a)))
    }

    /// A* over the grid of lines from `start` to `goal`, leaving `start` to the right.
    fn search(&self, start: Point, goal: Point, source: &str) -> Option<Vec<Point>> {
        let mut xs = self.xs.clone();
        xs.extend([start.0, goal.0]);
        let mut ys = self.ys.clone();
        ys.extend([start.1, goal.1]);
        for v in [&mut xs, &mut ys] {
            v.sort_by(f64::total_cmp);
            v.dedup();
        }
        let index = |v: &[f64], x: f64| v.iter().position(|&y| y == x);
        let s = (index(&xs, start.0)?, index(&ys, start.1)?);
        let g = (index(&xs, goal.0)?, index(&ys, goal.1)?);
        let point = |(i, j): (usize, usize)| (xs[i], ys[j]);
        let h = |(i, j): (usize, usize)| (xs[i] - goal.0).abs() + (ys[j] - goal.1).abs();
        let states = xs.len() * ys.len() * 4;
        let id = |(i, j): (usize, usize), d: usize| (i * ys.len() + j) * 4 + d;
        let mut best = vec![f64::INFINITY; states];
        let mut came: Vec<Option<((usize, usize), usize)>> = vec![None; states];
        let mut open = BinaryHeap::new();
        best[id(s, 0)] = 0.0;
        open.push(Open {
            estimate: h(s),
            cost: 0.0,
            at: s,
            dir: 0,
        });
        while let Some(Open { cost, at, dir, .. }) = open.pop() {
            if cost > best[id(at, dir)] {
                continue;
            }
            if at == g {
                // Arriving other than rightwards costs the bend into the input.
                let mut cells = vec![at];
                let mut cur = (at, dir);
                while let Some(prev) = came[id(cur.0, cur.1)] {
                    cells.push(prev.0);
                    cur = prev;
                }
                cells.reverse();
                return Some(cells.into_iter().map(point).collect());
            }
            for (d, (dx, dy)) in DIRS.iter().enumerate() {
                let (Some(i), Some(j)) = (
                    at.0.checked_add_signed(isize::from(*dx)),
                    at.1.checked_add_signed(isize::from(*dy)),
                ) else {
                    continue;
                };
                if i >= xs.len() || j >= ys.len() {
                    continue;
                }
                let (a, b) = (point(at), point((i, j)));
                if self.obstacles.iter().any(|r| r.cut_by(a, b)) {
                    continue;
                }
                let len = (b.0 - a.0).abs() + (b.1 - a.1).abs();
                let shared = self
                    .used
                    .get(&key(a, b))
                    .is_some_and(|s| s.as_str() != source);
                let mut step = len * if shared { SHARED } else { 1.0 };
                if d != dir {
                    step += BEND;
                }
                if (i, j) == g && d != 0 {
                    step += BEND;
                }
                let c = cost + step;
                if c < best[id((i, j), d)] {
                    best[id((i, j), d)] = c;
                    came[id((i, j), d)] = Some((at, dir));
                    open.push(Open {
                        estimate: c + h((i, j)),
                        cost: c,
                        at: (i, j),
                        dir: d,
                    });
                }
            }
        }
        None
    }
}

/// Whether `p` lies strictly inside `r`.
fn contains(r: &Rect, p: Point) -> bool {
    r.x < p.0 && p.0 < r.right() && r.y < p.1 && p.1 < r.bottom()
}

/// A grid step's key, the same whichever way it is walked.
fn key(a: Point, b: Point) -> [u64; 4] {
    let (a, b) = if (a.0, a.1) <= (b.0, b.1) {
        (a, b)
    } else {
        (b, a)
    };
    [a.0.to_bits(), a.1.to_bits(), b.0.to_bits(), b.1.to_bits()]
}

/// Drops repeated points and the middle of three points on one line.
fn simplify(points: Vec<Point>) -> Vec<Point> {
    let mut out: Vec<Point> = Vec::with_capacity(points.len());
    for p in points {
        if out.last() == Some(&p) {
            continue;
        }
        if let [.., a, b] = out.as_slice() {
            if (a.0 == b.0 && b.0 == p.0) || (a.1 == b.1 && b.1 == p.1) {
                out.pop();
            }
        }
        out.push(p);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    /// Whether any segment of `path` passes through one of `rects`, the ends' own rectangles
    /// included except for the first and last segment (the stubs that leave and enter them).
    fn crossing(path: &[Point], rects: &[Rect], ends: (usize, usize)) -> Option<String> {
        let last = path.len() - 2;
        for (k, w) in path.windows(2).enumerate() {
            for (n, r) in rects.iter().enumerate() {
                let own = n == ends.0 || n == ends.1;
                if own && (k == 0 || k == last) {
                    continue;
                }
                if r.cut_by(w[0], w[1]) {
                    return Some(format!(
                        "segment {k} {:?}→{:?} cuts rect {n} {r:?}",
                        w[0], w[1]
                    ));
                }
            }
        }
        None
    }

    fn orthogonal(path: &[Point]) -> bool {
        path.windows(2)
            .all(|w| w[0].0 == w[1].0 || w[0].1 == w[1].1)
    }

    /// Where the support-triage template draws its nodes (x, y, height), width 180.
    fn triage() -> Vec<Rect> {
        [
            (40.0, 200.0, 65.0),
            (260.0, 200.0, 87.0),
            (480.0, 200.0, 109.0),
        ]
        .iter()
        .chain(&[(720.0, 60.0, 87.0), (720.0, 340.0, 65.0)])
        .map(|&(x, y, h)| Rect::new(x, y, 180.0, h))
        .collect()
    }

    #[test]
    fn a_connection_past_a_node_goes_around_it() {
        let rects = triage();
        // FlowInput's output to DocsAnswer's input: straight across would pass under
        // Classify and Route.
        let from = (220.0, 200.0 + 50.0);
        let to = (720.0, 60.0 + 50.0);
        let path = Router::new(&rects).route(from, to, "FlowInput");
        assert_eq!(path.first(), Some(&from));
        assert_eq!(path.last(), Some(&to));
        assert!(orthogonal(&path), "{path:?}");
        assert_eq!(crossing(&path, &rects, (0, 3)), None, "{path:?}");
    }

    #[test]
    fn a_clear_line_stays_short_and_a_backward_one_goes_round() {
        let rects = vec![
            Rect::new(0.0, 0.0, 100.0, 60.0),
            Rect::new(200.0, 0.0, 100.0, 60.0),
        ];
        let path = Router::new(&rects).route((100.0, 30.0), (200.0, 30.0), "a");
        assert_eq!(path, vec![(100.0, 30.0), (200.0, 30.0)]);
        // From the right node back to the left one: out to the right, round, in from the left.
        let back = Router::new(&rects).route((300.0, 30.0), (0.0, 30.0), "b");
        assert!(orthogonal(&back));
        assert_eq!(crossing(&back, &rects, (1, 0)), None, "{back:?}");
        assert!(
            back[1].0 > 300.0 && back[back.len() - 2].0 < 0.0,
            "{back:?}"
        );
    }

    #[test]
    fn routes_from_different_sources_do_not_share_a_line_when_they_need_not() {
        // Two sources stacked on the left, two targets far right and offset: each route
        // should keep its own horizontal run.
        let rects = vec![
            Rect::new(0.0, 0.0, 100.0, 60.0),
            Rect::new(0.0, 200.0, 100.0, 60.0),
            Rect::new(400.0, 100.0, 100.0, 60.0),
            Rect::new(400.0, 300.0, 100.0, 60.0),
        ];
        let mut router = Router::new(&rects);
        let a = router.route((100.0, 30.0), (400.0, 130.0), "A");
        let b = router.route((100.0, 230.0), (400.0, 330.0), "B");
        let segments =
            |p: &[Point]| -> Vec<[u64; 4]> { p.windows(2).map(|w| key(w[0], w[1])).collect() };
        let sa = segments(&a);
        assert!(segments(&b).iter().all(|s| !sa.contains(s)), "{a:?} {b:?}");
    }

    #[test]
    fn a_boxed_in_handle_still_gets_a_line() {
        let rects = vec![
            Rect::new(0.0, 0.0, 100.0, 60.0),
            Rect::new(104.0, -100.0, 50.0, 300.0),
            Rect::new(400.0, 0.0, 100.0, 60.0),
        ];
        let path = Router::new(&rects).route((100.0, 30.0), (400.0, 30.0), "a");
        assert_eq!(path.first(), Some(&(100.0, 30.0)));
        assert_eq!(path.last(), Some(&(400.0, 30.0)));
        assert!(orthogonal(&path));
    }

    /// Nodes on a coarse grid of cells, at most one per cell with room around it, so every
    /// handle has space to leave: (column, row, height) per node.
    fn layouts() -> impl Strategy<Value = Vec<Rect>> {
        proptest::collection::btree_map((0u8..6, 0u8..5), (0.0f64..40.0, 40.0f64..120.0), 2..14)
            .prop_map(|cells| {
                cells
                    .into_iter()
                    .map(|((c, r), (dx, h))| {
                        Rect::new(
                            f64::from(c) * 260.0 + dx,
                            f64::from(r) * 180.0 + dx / 2.0,
                            180.0,
                            h,
                        )
                    })
                    .collect()
            })
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(200))]

        #[test]
        fn a_route_never_crosses_a_node_other_than_its_ends(
            rects in layouts(),
            pairs in proptest::collection::vec((0usize..100, 0usize..100, 0.0f64..1.0, 0.0f64..1.0), 1..8),
        ) {
            let mut router = Router::new(&rects);
            for (s, t, fs, ft) in pairs {
                let (s, t) = (s % rects.len(), t % rects.len());
                if s == t {
                    continue;
                }
                let (a, b) = (rects[s], rects[t]);
                let from = (a.right(), a.y + 4.0 + fs * (a.h - 8.0));
                let to = (b.x, b.y + 4.0 + ft * (b.h - 8.0));
                let path = router.route(from, to, &s.to_string());
                prop_assert_eq!(path.first(), Some(&from));
                prop_assert_eq!(path.last(), Some(&to));
                prop_assert!(orthogonal(&path), "{:?}", path);
                prop_assert_eq!(crossing(&path, &rects, (s, t)), None, "{:?}", path);
            }
        }
    }
}
