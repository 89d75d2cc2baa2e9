//! The statistics an evaluation reports, each with its uncertainty: a pass rate's Wilson score
//! interval, McNemar's exact test for two variants' pass/fail on the same cases, percentiles,
//! and percentile-bootstrap intervals (seeded, so a report is reproducible) on paired
//! differences such as latency and cost.

use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;

/// The normal quantile for a two-sided 95% interval.
pub const Z_95: f64 = 1.959_963_984_540_054;

/// A closed interval `[lo, hi]`.
#[derive(Debug, Clone, Copy, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct Interval {
    pub lo: f64,
    pub hi: f64,
}

impl Interval {
    pub fn contains(&self, x: f64) -> bool {
        self.lo <= x && x <= self.hi
    }
}

/// The Wilson score interval for `successes` out of `trials` at normal quantile `z`
/// ([`Z_95`] for 95%). Unlike the normal approximation it stays inside [0, 1] and is sensible
/// at 0 or `trials` successes. `None` without trials.
pub fn wilson(successes: u64, trials: u64, z: f64) -> Option<Interval> {
    if trials == 0 || successes > trials {
        return None;
    }
    let n = trials as f64;
    let p = successes as f64 / n;
    let z2 = z * z;
    let centre = (p + z2 / (2.0 * n)) / (1.0 + z2 / n);
    let half = z / (1.0 + z2 / n) * (p * (1.0 - p) / n + z2 / (4.0 * n * n)).sqrt();
    Some(Interval {
        lo: (centre - half).max(0.0),
        hi: (centre + half).min(1.0),
    })
}

/// McNemar's exact test: the two-sided p-value that two variants run on the same cases pass
/// equally often, from the discordant pairs only — `a_only` cases only A passed, `b_only`
/// cases only B passed. Exact binomial (no chi-square approximation), so it holds for the
/// small counts a suite of twenty cases gives. 1 when there are no discordant pairs.
pub fn mcnemar_exact(a_only: u64, b_only: u64) -> f64 {
    let n = a_only + b_only;
    if n == 0 {
        return 1.0;
    }
    let k = a_only.min(b_only);
    // P(X <= k) for X ~ Binomial(n, 1/2), summed in log space so large n does not overflow.
    let ln_half_n = n as f64 * 0.5f64.ln();
    let mut ln_choose = 0.0f64; // ln C(n, 0)
    let mut tail = 0.0f64;
    for i in 0..=k {
        if i > 0 {
            ln_choose += ((n - i + 1) as f64).ln() - (i as f64).ln();
        }
        tail += (ln_choose + ln_half_n).exp();
    }
    (2.0 * tail).min(1.0)
}

/// The `q`-th percentile (0–100) by the nearest-rank method: a value that occurred, the
/// smallest with at least `q`% of the values at or below it. `None` for no values.
pub fn percentile(values: &[f64], q: f64) -> Option<f64> {
    if values.is_empty() || values.iter().any(|v| v.is_nan()) {
        return None;
    }
    let mut sorted = values.to_vec();
    sorted.sort_by(f64::total_cmp);
    let rank = ((q.clamp(0.0, 100.0) / 100.0) * sorted.len() as f64).ceil() as usize;
    Some(sorted[rank.saturating_sub(1).min(sorted.len() - 1)])
}

/// The arithmetic mean; `None` for no values.
pub fn mean(values: &[f64]) -> Option<f64> {
    (!values.is_empty()).then(|| values.iter().sum::<f64>() / values.len() as f64)
}

/// A 95% percentile-bootstrap interval for `statistic(b) - statistic(a)` where `a[i]` and
/// `b[i]` are measured on the same case: cases are resampled with replacement, keeping pairs
/// together. Seeded, so the same data give the same interval. `None` when the slices are
/// empty or of different lengths, or the statistic is undefined on a resample.
pub fn bootstrap_paired_difference(
    a: &[f64],
    b: &[f64],
    statistic: impl Fn(&[f64]) -> Option<f64>,
    resamples: usize,
    seed: u64,
) -> Option<Interval> {
    if a.is_empty() || a.len() != b.len() || resamples == 0 {
        return None;
    }
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    let n = a.len();
    let (mut ra, mut rb) = (vec![0.0; n], vec![0.0; n]);
    let mut differences = Vec::with_capacity(resamples);
    for _ in 0..resamples {
        for j in 0..n {
            let i = rng.random_range(0..n);
            ra[j] = a[i];
            rb[j] = b[i];
        }
        differences.push(statistic(&rb)? - statistic(&ra)?);
    }
    Some(Interval {
        lo: percentile(&differences, 2.5)?,
        hi: percentile(&differences, 97.5)?,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn close(a: f64, b: f64, tolerance: f64) -> bool {
        (a - b).abs() <= tolerance
    }

    #[test]
    fn wilson_matches_published_values() {
        // Newcombe (1998), Statistics in Medicine 17, table I: 81/263 → 0.2553–0.3662;
        // 15/148 → 0.0624–0.1605; 0/20 → 0–0.1611; 1/29 → 0.0061–0.1718.
        for (x, n, lo, hi) in [
            (81, 263, 0.2553, 0.3662),
            (15, 148, 0.0624, 0.1605),
            (0, 20, 0.0, 0.1611),
            (1, 29, 0.0061, 0.1718),
        ] {
            let i = wilson(x, n, Z_95).expect("an interval");
            assert!(
                close(i.lo, lo, 5e-5) && close(i.hi, hi, 5e-5),
                "{x}/{n}: {i:?}"
            );
        }
        assert_eq!(wilson(20, 20, Z_95).expect("an interval").hi, 1.0);
        assert_eq!(wilson(0, 0, Z_95), None);
        assert_eq!(wilson(3, 2, Z_95), None);
    }

    #[test]
    fn mcnemar_exact_matches_the_binomial_tail() {
        // 1 vs 8 discordant pairs: 2 · (C(9,0) + C(9,1)) / 2^9 = 20/512.
        assert!(close(mcnemar_exact(1, 8), 20.0 / 512.0, 1e-12));
        assert!(close(mcnemar_exact(8, 1), 20.0 / 512.0, 1e-12));
        // Equal counts: the two tails overlap, the p-value is capped at 1.
        assert_eq!(mcnemar_exact(5, 5), 1.0);
        assert_eq!(mcnemar_exact(0, 0), 1.0);
        // 0 vs 10: 2 / 2^10.
        assert!(close(mcnemar_exact(0, 10), 2.0 / 1024.0, 1e-15));
        // Large counts stay finite and small.
        let p = mcnemar_exact(100, 300);
        assert!(p > 0.0 && p < 1e-20, "{p}");
    }

    #[test]
    fn percentiles_are_values_that_occurred() {
        let v = [15.0, 20.0, 35.0, 40.0, 50.0];
        // The nearest-rank examples of the method's usual statement.
        assert_eq!(percentile(&v, 5.0), Some(15.0));
        assert_eq!(percentile(&v, 30.0), Some(20.0));
        assert_eq!(percentile(&v, 40.0), Some(20.0));
        assert_eq!(percentile(&v, 50.0), Some(35.0));
        assert_eq!(percentile(&v, 100.0), Some(50.0));
        assert_eq!(percentile(&[], 50.0), None);
        assert_eq!(percentile(&[1.0, f64::NAN], 50.0), None);
    }

    #[test]
    fn the_bootstrap_is_seeded_and_brackets_the_difference() {
        let a: Vec<f64> = (0..40).map(|i| 100.0 + (i % 7) as f64 * 3.0).collect();
        let shifted: Vec<f64> = a.iter().map(|x| x + 25.0).collect();
        // A constant shift gives a zero-width interval at the shift.
        let i = bootstrap_paired_difference(&a, &shifted, mean, 2000, 7).expect("an interval");
        assert!(close(i.lo, 25.0, 1e-9) && close(i.hi, 25.0, 1e-9), "{i:?}");

        let noisy: Vec<f64> = a
            .iter()
            .enumerate()
            .map(|(k, x)| x + 10.0 + ((k * 37) % 11) as f64 - 5.0)
            .collect();
        let observed = mean(&noisy).expect("a mean") - mean(&a).expect("a mean");
        let first = bootstrap_paired_difference(&a, &noisy, mean, 2000, 42).expect("interval");
        let again = bootstrap_paired_difference(&a, &noisy, mean, 2000, 42).expect("interval");
        assert_eq!(first, again, "the same seed gives the same interval");
        assert!(first.contains(observed) && first.lo < first.hi, "{first:?}");
        assert!(first.lo > 0.0, "a clear shift excludes zero: {first:?}");

        assert_eq!(bootstrap_paired_difference(&a, &a[1..], mean, 10, 1), None);
        assert_eq!(bootstrap_paired_difference(&[], &[], mean, 10, 1), None);
    }
}
