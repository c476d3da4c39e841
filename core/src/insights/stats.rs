//! Percentiles and the buckets fourkeys sorts each key into.

use chrono::Duration;

/// The `p`-th percentile (0.0-1.0) by linear interpolation between the closest ranks (what SQL's
/// `PERCENTILE_CONT` and fourkeys compute): the median of 1, 2, 3, 10 is 2.5. None of no values.
pub fn percentile(values: &[f64], p: f64) -> Option<f64> {
    if values.is_empty() {
        return None;
    }
    // The two closest ranks, found by selection (linear) rather than a sort: a year holds many samples.
    let mut values = values.to_vec();
    let rank = p.clamp(0.0, 1.0) * (values.len() - 1) as f64;
    let low = rank.floor() as usize;
    let (_, at_low, above) = values.select_nth_unstable_by(low, f64::total_cmp);
    let at_low = *at_low;
    let at_high =
        if rank > low as f64 { above.iter().copied().min_by(f64::total_cmp).unwrap_or(at_low) } else { at_low };
    Some(at_low + (at_high - at_low) * (rank - low as f64))
}

/// The same of durations, to the second.
pub fn duration_percentile(values: &[Duration], p: f64) -> Option<Duration> {
    let seconds: Vec<f64> = values.iter().map(|d| d.num_seconds() as f64).collect();
    percentile(&seconds, p).map(|s| Duration::seconds(s.round() as i64))
}

/// How long something takes, in fourkeys' buckets.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum DurationBucket {
    UnderAnHour,
    UnderADay,
    UnderAWeek,
    UnderAMonth,
    UnderSixMonths,
    Longer,
}

impl DurationBucket {
    pub fn of(duration: Duration) -> Self {
        match duration {
            d if d < Duration::hours(1) => DurationBucket::UnderAnHour,
            d if d < Duration::days(1) => DurationBucket::UnderADay,
            d if d < Duration::days(7) => DurationBucket::UnderAWeek,
            d if d < Duration::days(30) => DurationBucket::UnderAMonth,
            d if d < Duration::days(180) => DurationBucket::UnderSixMonths,
            _ => DurationBucket::Longer,
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            DurationBucket::UnderAnHour => "under an hour",
            DurationBucket::UnderADay => "under a day",
            DurationBucket::UnderAWeek => "under a week",
            DurationBucket::UnderAMonth => "under a month",
            DurationBucket::UnderSixMonths => "under six months",
            DurationBucket::Longer => "six months or more",
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn percentiles_interpolate_between_ranks() {
        assert_eq!(percentile(&[], 0.5), None);
        assert_eq!(percentile(&[7.0], 0.9), Some(7.0));
        assert_eq!(percentile(&[10.0, 1.0, 3.0, 2.0], 0.5), Some(2.5));
        // Rank 0.9 * 9 = 8.1 of 1..=10: 9 + 0.1 * (10 - 9).
        let ten: Vec<f64> = (1..=10).map(f64::from).collect();
        assert!((percentile(&ten, 0.9).unwrap() - 9.1).abs() < 1e-9);
    }

    #[test]
    fn selecting_the_ranks_gives_what_sorting_gives() {
        let sorted_percentile = |values: &[f64], p: f64| {
            let mut sorted = values.to_vec();
            sorted.sort_by(f64::total_cmp);
            let rank = p * (sorted.len() - 1) as f64;
            let (low, high) = (rank.floor() as usize, rank.ceil() as usize);
            sorted[low] + (sorted[high] - sorted[low]) * (rank - low as f64)
        };
        let mut seed = 7_u64;
        for len in 1..60 {
            let values: Vec<f64> = (0..len)
                .map(|_| {
                    seed = seed.wrapping_mul(6_364_136_223_846_793_005).wrapping_add(1_442_695_040_888_963_407);
                    ((seed >> 40) % 1000) as f64
                })
                .collect();
            for p in [0.0, 0.1, 0.5, 0.9, 0.99, 1.0] {
                assert_eq!(percentile(&values, p), Some(sorted_percentile(&values, p)), "{len} values, p {p}");
            }
        }
    }

    #[test]
    fn buckets_end_where_fourkeys_ends_them() {
        assert_eq!(DurationBucket::of(Duration::minutes(59)), DurationBucket::UnderAnHour);
        assert_eq!(DurationBucket::of(Duration::hours(1)), DurationBucket::UnderADay);
        assert_eq!(DurationBucket::of(Duration::days(6)), DurationBucket::UnderAWeek);
        assert_eq!(DurationBucket::of(Duration::days(29)), DurationBucket::UnderAMonth);
        assert_eq!(DurationBucket::of(Duration::days(180)), DurationBucket::Longer);
    }
}
