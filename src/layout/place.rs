//! Where a new node goes: the free spot nearest a preferred point (the view's centre, or beside
//! the selection), clear of every node, Loop body and connection already drawn.

use super::Rect;

/// A point on the canvas.
pub type Point = (f64, f64);

/// The top-left corner nearest `preferred` for a `size` (width, height) box that keeps at
/// least `gap` from every obstacle. Corners are whole numbers, as canvas positions are.
///
/// The nearest free corner either is the preferred point or has each coordinate either the
/// preferred one or one that puts the box against an obstacle's side, so those candidates are
/// all that need trying; the one right of every obstacle is always free, so there is always
/// an answer.
pub fn free_spot(obstacles: &[Rect], size: (f64, f64), preferred: Point, gap: f64) -> Point {
    let (w, h) = size;
    let preferred = (preferred.0.round(), preferred.1.round());
    let mut xs = vec![preferred.0];
    let mut ys = vec![preferred.1];
    for r in obstacles {
        xs.extend([(r.x - gap - w).floor(), (r.right() + gap).ceil()]);
        ys.extend([(r.y - gap - h).floor(), (r.bottom() + gap).ceil()]);
    }
    let clear = |x: f64, y: f64| {
        obstacles.iter().all(|r| {
            x + w <= r.x - gap
                || r.right() + gap <= x
                || y + h <= r.y - gap
                || r.bottom() + gap <= y
        })
    };
    let distance = |p: &Point| (p.0 - preferred.0).powi(2) + (p.1 - preferred.1).powi(2);
    let mut best: Option<(f64, Point)> = None;
    for &x in &xs {
        for &y in &ys {
            let d = distance(&(x, y));
            if best.is_some_and(|(b, p)| (b, p.1, p.0) <= (d, y, x)) {
                continue;
            }
            if clear(x, y) {
                best = Some((d, (x, y)));
            }
        }
    }
    // Right of everything is always clear; the loop above has tried it.
    best.map_or(preferred, |(_, p)| p)
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn overlaps_any(obstacles: &[Rect], at: Point, size: (f64, f64), gap: f64) -> bool {
        let placed = Rect::new(at.0, at.1, size.0, size.1);
        obstacles.iter().any(|r| r.inflate(gap).overlaps(&placed))
    }

    #[test]
    fn a_free_preferred_point_is_kept() {
        let obstacles = [Rect::new(0.0, 0.0, 100.0, 50.0)];
        assert_eq!(
            free_spot(&obstacles, (80.0, 40.0), (300.0, 300.0), 20.0),
            (300.0, 300.0)
        );
        assert_eq!(free_spot(&[], (80.0, 40.0), (1.4, 2.6), 20.0), (1.0, 3.0));
    }

    #[test]
    fn a_taken_point_moves_to_the_nearest_side() {
        // The box would sit on the obstacle's lower-right part: below it is nearest.
        let obstacles = [Rect::new(0.0, 0.0, 200.0, 100.0)];
        let spot = free_spot(&obstacles, (100.0, 50.0), (90.0, 60.0), 20.0);
        assert_eq!(spot, (90.0, 120.0));
        // Among several, it squeezes into the nearest gap that is big enough.
        let row = [
            Rect::new(0.0, 0.0, 100.0, 100.0),
            Rect::new(240.0, 0.0, 100.0, 100.0),
            Rect::new(0.0, 140.0, 340.0, 100.0),
        ];
        let spot = free_spot(&row, (90.0, 80.0), (40.0, 10.0), 20.0);
        assert!(!overlaps_any(&row, spot, (90.0, 80.0), 20.0), "{spot:?}");
        assert_eq!(spot, (120.0, 10.0));
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(300))]

        #[test]
        fn the_spot_never_overlaps_and_is_no_farther_than_a_known_free_one(
            obstacles in proptest::collection::vec(
                (-400.0f64..400.0, -400.0f64..400.0, 1.0f64..300.0, 1.0f64..300.0), 0..25),
            preferred in (-500.0f64..500.0, -500.0f64..500.0),
            size in (20.0f64..200.0, 20.0f64..150.0),
        ) {
            let obstacles: Vec<Rect> = obstacles
                .into_iter()
                .map(|(x, y, w, h)| Rect::new(x, y, w, h))
                .collect();
            let spot = free_spot(&obstacles, size, preferred, 20.0);
            prop_assert!(!overlaps_any(&obstacles, spot, size, 19.999), "{:?}", spot);
            // Straight down from the preferred point, past everything, is free: the answer is
            // never farther than that.
            let below = obstacles.iter().map(|r| r.bottom() + 20.0).fold(preferred.1, f64::max);
            let d = |p: Point| (p.0 - preferred.0).hypot(p.1 - preferred.1);
            prop_assert!(d(spot) <= d((preferred.0, below.ceil())) + 1.5);
        }
    }
}
