//! An exact median without reading every value: first how many values fall in each bucket
//! (any grouping that keeps the order: a bucket's values are all below the next bucket's), then
//! only the values of the one or two buckets the middle falls in.

/// Where the middle values of a histogram lie: the buckets to read, and for each middle rank the
/// bucket and the rank within it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Middle {
    /// (bucket, rank within the bucket's values in ascending order), one for an odd count,
    /// two for an even one.
    pub picks: Vec<(i32, usize)>,
    /// How many values each picked bucket holds.
    sizes: Vec<usize>,
}

impl Middle {
    /// From `(bucket, count)` pairs in any order, a bucket maybe in several; `None` without
    /// any value.
    pub fn of(histogram: &[(i32, i64)]) -> Option<Middle> {
        let mut counts = std::collections::BTreeMap::new();
        for (bucket, n) in histogram.iter().filter(|(_, n)| *n > 0) {
            *counts.entry(*bucket).or_insert(0) += n;
        }
        let sorted: Vec<(i32, i64)> = counts.into_iter().collect();
        let total: i64 = sorted.iter().map(|(_, n)| n).sum();
        if total == 0 {
            return None;
        }
        let ranks = if total % 2 == 1 { vec![total / 2] } else { vec![total / 2 - 1, total / 2] };
        let mut picks = Vec::with_capacity(2);
        let mut sizes = Vec::with_capacity(2);
        for rank in ranks {
            let mut before = 0;
            for (bucket, n) in &sorted {
                if rank < before + n {
                    picks.push((*bucket, usize::try_from(rank - before).unwrap_or(0)));
                    sizes.push(usize::try_from(*n).unwrap_or(0));
                    break;
                }
                before += n;
            }
        }
        Some(Middle { picks, sizes })
    }

    pub fn buckets(&self) -> impl Iterator<Item = i32> + '_ {
        self.picks.iter().map(|(bucket, _)| *bucket)
    }

    /// The median from the values of the middle buckets (`values_of(bucket)`, any order):
    /// `None` if a bucket holds another number of values than the histogram said (the cases
    /// changed between the two reads).
    pub fn median(&self, mut values_of: impl FnMut(i32) -> Vec<f64>) -> Option<f64> {
        let mut sum = 0.0;
        for ((bucket, rank), size) in self.picks.iter().zip(&self.sizes) {
            let mut values = values_of(*bucket);
            if values.len() != *size {
                return None;
            }
            let (_, value, _) = values.select_nth_unstable_by(*rank, f64::total_cmp);
            sum += *value;
        }
        Some(sum / self.picks.len() as f64)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::rates::median;
    use rand::{Rng, SeedableRng};

    fn by_bucket(values: &[f64], width: f64) -> (Vec<(i32, i64)>, impl Fn(i32) -> Vec<f64> + '_) {
        let bucket = move |v: f64| (v / width).floor() as i32;
        let mut counts = std::collections::BTreeMap::new();
        for v in values {
            *counts.entry(bucket(*v)).or_insert(0i64) += 1;
        }
        (counts.into_iter().collect(), move |b| values.iter().copied().filter(|v| bucket(*v) == b).collect())
    }

    #[test]
    fn no_values_have_no_median() {
        assert_eq!(Middle::of(&[]), None);
        assert_eq!(Middle::of(&[(3, 0)]), None);
    }

    #[test]
    fn the_middle_of_an_odd_count_is_one_pick_and_of_an_even_count_two() {
        assert_eq!(Middle::of(&[(5, 2), (1, 1)]).map(|m| m.picks), Some(vec![(5, 0)]));
        assert_eq!(Middle::of(&[(5, 2), (1, 2)]).map(|m| m.picks), Some(vec![(1, 1), (5, 0)]));
        assert_eq!(Middle::of(&[(1, 1), (2, 1)]).map(|m| m.picks), Some(vec![(1, 0), (2, 0)]));
        assert_eq!(Middle::of(&[(1, 1), (2, 3)]).map(|m| m.picks), Some(vec![(2, 0), (2, 1)]));
        // A bucket in several pairs counts once, with all its values.
        let middle = Middle::of(&[(2, 1), (1, 1), (2, 2)]).expect("values");
        assert_eq!(middle.picks, vec![(2, 0), (2, 1)]);
        assert_eq!(middle.median(|_| vec![5.0, 3.0, 4.0]), Some(3.5));
    }

    #[test]
    fn the_median_from_buckets_is_the_median_of_all_values() {
        let mut rng = rand::rngs::StdRng::seed_from_u64(7);
        for round in 0..300 {
            let n = rng.random_range(1..400);
            let values: Vec<f64> = (0..n)
                .map(|_| if round % 3 == 0 { rng.random_range(0..20) as f64 } else { rng.random_range(0.0..500.0) })
                .collect();
            let width = [0.5, 1.0, 24.0, 1000.0][round % 4];
            let (histogram, values_of) = by_bucket(&values, width);
            let middle = Middle::of(&histogram).expect("values");
            assert!(middle.buckets().count() <= 2);
            assert_eq!(middle.median(values_of), median(&mut values.clone()), "round {round}");
        }
    }

    #[test]
    fn a_bucket_that_changed_meanwhile_gives_no_median() {
        let middle = Middle::of(&[(1, 3)]).expect("values");
        assert_eq!(middle.median(|_| vec![1.0]), None);
        assert_eq!(middle.median(|_| vec![1.0; 4]), None);
        assert_eq!(middle.median(|_| vec![1.0, 3.0, 2.0]), Some(2.0));
    }
}
