//! Okapi BM25 over an inverted index of chunk terms.
//!
//! IDF is the non-negative variant `ln(1 + (N - n + 0.5) / (n + 0.5))` (as in Lucene), so a
//! term found in every chunk still counts a little and no score is negative. Scores are summed
//! over the distinct query terms in query order, which keeps floating-point results identical
//! from one run to the next.

use std::collections::HashMap;

/// Term-frequency saturation.
pub(crate) const K1: f64 = 1.2;
/// Length normalisation.
pub(crate) const B: f64 = 0.75;

/// Postings and lengths for BM25 scoring.
#[derive(Debug, Clone, Default)]
pub(crate) struct Bm25 {
    /// term → (chunk id, term frequency), in ascending chunk id.
    postings: HashMap<String, Vec<(usize, u32)>>,
    /// Number of terms in each chunk.
    lengths: Vec<u32>,
    total_len: u64,
    avg_len: f64,
}

impl Bm25 {
    /// Adds the next chunk (its id is the number of chunks added before it).
    pub(crate) fn add(&mut self, terms: &[String]) {
        let id = self.lengths.len();
        let mut counts: HashMap<&str, u32> = HashMap::new();
        for t in terms {
            *counts.entry(t.as_str()).or_default() += 1;
        }
        for (term, tf) in counts {
            self.postings
                .entry(term.to_owned())
                .or_default()
                .push((id, tf));
        }
        let len = u32::try_from(terms.len()).unwrap_or(u32::MAX);
        self.lengths.push(len);
        self.total_len = self.total_len.saturating_add(u64::from(len));
        self.avg_len = self.total_len as f64 / self.lengths.len() as f64;
    }

    /// BM25 score of every chunk that matches at least one of `terms`, as (chunk id, score)
    /// in ascending chunk id.
    pub(crate) fn scores(&self, terms: &[String]) -> Vec<(usize, f64)> {
        let n = self.lengths.len() as f64;
        let mut seen: Vec<&str> = Vec::new();
        let mut acc: Vec<f64> = vec![0.0; self.lengths.len()];
        let mut hit = vec![false; self.lengths.len()];
        for term in terms {
            if seen.contains(&term.as_str()) {
                continue;
            }
            seen.push(term);
            let Some(list) = self.postings.get(term) else {
                continue;
            };
            let df = list.len() as f64;
            let idf = (1.0 + (n - df + 0.5) / (df + 0.5)).ln();
            for &(id, tf) in list {
                let tf = f64::from(tf);
                let len = self.lengths.get(id).map_or(0.0, |&l| f64::from(l));
                let norm = if self.avg_len > 0.0 {
                    1.0 - B + B * len / self.avg_len
                } else {
                    1.0
                };
                if let (Some(slot), Some(h)) = (acc.get_mut(id), hit.get_mut(id)) {
                    *slot += idf * tf * (K1 + 1.0) / (tf + K1 * norm);
                    *h = true;
                }
            }
        }
        acc.into_iter()
            .zip(hit)
            .enumerate()
            .filter_map(|(id, (s, h))| h.then_some((id, s)))
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn terms(s: &str) -> Vec<String> {
        s.split_whitespace().map(str::to_owned).collect()
    }

    #[test]
    fn rarer_terms_and_shorter_chunks_score_higher() {
        let mut index = Bm25::default();
        index.add(&terms("apple banana"));
        index.add(&terms("apple cherry"));
        index.add(&terms("apple banana banana cherry date elder fig grape"));
        let s = index.scores(&terms("banana"));
        assert_eq!(s.len(), 2);
        assert!(s[0].1 > s[1].1, "the shorter chunk wins: {s:?}");
        let s = index.scores(&terms("cherry apple"));
        assert_eq!(s.iter().map(|x| x.0).collect::<Vec<_>>(), vec![0, 1, 2]);
        assert!(s[1].1 > s[0].1);
        assert!(index.scores(&terms("zebra")).is_empty());
        assert!(Bm25::default().scores(&terms("apple")).is_empty());
    }

    #[test]
    fn matches_the_formula() {
        let mut index = Bm25::default();
        index.add(&terms("a b"));
        index.add(&terms("c"));
        // N = 2, df(a) = 1, tf = 1, len = 2, avg = 1.5.
        let idf = (1.0f64 + 1.5 / 1.5).ln();
        let want = idf * 2.2 / (1.0 + 1.2 * (0.25 + 0.75 * 2.0 / 1.5));
        let got = index.scores(&terms("a a"))[0].1;
        assert!((got - want).abs() < 1e-12, "{got} vs {want}");
    }
}
