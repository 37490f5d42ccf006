//! The arithmetic of statistics for leaders: GAS T-scores, small-cell
//! suppression, periods, months and age bands. The counting itself happens in
//! the database; what is decided here is how a count may be shown.

use serde::{Deserialize, Serialize};
use time::{Date, Month};

use crate::validation::ValidationErrors;

/// The intercorrelation of goal scores Kiresuk & Sherman assume (ρ = 0.3).
pub const GAS_RHO: f64 = 0.3;

/// The Goal Attainment Scaling T-score of goals scored `x` (−2 … +2) with
/// weights `w`: T = 50 + 10·Σwx / √((1−ρ)·Σw² + ρ·(Σw)²). `None` without goals.
pub fn gas_t_score(scores: &[(f64, f64)]) -> Option<f64> {
    if scores.is_empty() {
        return None;
    }
    let (mut wx, mut w2, mut w) = (0.0, 0.0, 0.0);
    for (x, weight) in scores {
        wx += weight * x;
        w2 += weight * weight;
        w += weight;
    }
    let denom = ((1.0 - GAS_RHO) * w2 + GAS_RHO * w * w).sqrt();
    (denom > 0.0).then(|| 50.0 + 10.0 * wx / denom)
}

/// A period of whole days, both ends included.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct Period {
    #[schema(value_type = String, format = Date)]
    pub from: Date,
    #[schema(value_type = String, format = Date)]
    pub to: Date,
}

impl Period {
    pub fn new(from: Date, to: Date) -> Result<Period, ValidationErrors> {
        if to < from {
            return Err(ValidationErrors::single(
                "to",
                "Periodens slutdato ligger før startdatoen.",
            ));
        }
        if (to - from).whole_days() > 366 * 10 {
            return Err(ValidationErrors::single(
                "to",
                "En periode må højst være 10 år.",
            ));
        }
        Ok(Period { from, to })
    }

    /// The last day of every month that overlaps the period, capped at the
    /// period's end (a count "at the end of the month").
    pub fn month_ends(&self) -> Vec<Date> {
        let mut out = Vec::new();
        let (mut y, mut m) = (self.from.year(), self.from.month());
        loop {
            let last = last_day_of(y, m);
            out.push(last.min(self.to));
            if last >= self.to {
                break;
            }
            if m == Month::December {
                y += 1;
            }
            m = m.next();
        }
        out
    }
}

fn last_day_of(year: i32, month: Month) -> Date {
    let days = time::util::days_in_month(month, year);
    Date::from_calendar_date(year, month, days).unwrap_or(Date::MIN)
}

/// Age bands used by Danish municipal statistics.
pub const AGE_BANDS: &[(&str, &str, u16, u16)] = &[
    ("0-17", "0–17 år", 0, 17),
    ("18-29", "18–29 år", 18, 29),
    ("30-49", "30–49 år", 30, 49),
    ("50-66", "50–66 år", 50, 66),
    ("67-79", "67–79 år", 67, 79),
    ("80+", "80 år og derover", 80, 150),
];

/// The birth dates of people whose age on `on` lies in the band `code`, as an
/// inclusive range (earliest, latest).
pub fn birth_range(code: &str, on: Date) -> Option<(Date, Date)> {
    let (_, _, lo, hi) = AGE_BANDS.iter().find(|b| b.0 == code)?;
    // Aged at least `lo` on `on`: born on or before `on` minus lo years.
    let latest = years_before(on, i32::from(*lo));
    // Aged at most `hi`: born after `on` minus (hi + 1) years.
    let earliest = years_before(on, i32::from(*hi) + 1).next_day()?;
    Some((earliest, latest))
}

fn years_before(d: Date, years: i32) -> Date {
    let y = d.year() - years;
    // 29 February in a year without one becomes 28 February.
    Date::from_calendar_date(y, d.month(), d.day())
        .or_else(|_| Date::from_calendar_date(y, d.month(), d.day() - 1))
        .unwrap_or(Date::MIN)
}

/// A count as it may be shown: suppressed when it could single someone out.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, utoipa::ToSchema)]
#[serde(tag = "shown", rename_all = "snake_case")]
pub enum Cell {
    Count {
        n: i64,
    },
    /// Fewer than the minimum (or suppressed so it cannot be worked out).
    Suppressed,
}

impl Cell {
    pub fn value(self) -> Option<i64> {
        match self {
            Cell::Count { n } => Some(n),
            Cell::Suppressed => None,
        }
    }

    /// The share of `total`, in per cent, when both are shown.
    pub fn percent_of(self, total: Cell) -> Option<f64> {
        match (self, total) {
            (Cell::Count { n }, Cell::Count { n: t }) if t > 0 => Some(100.0 * n as f64 / t as f64),
            _ => None,
        }
    }

    pub fn display(self) -> String {
        match self {
            Cell::Count { n } => n.to_string(),
            Cell::Suppressed => "–".into(),
        }
    }
}

/// Suppresses one count on its own: 1 … min−1 is hidden; 0 is shown (an empty
/// cell says nothing about anyone).
pub fn suppress(n: i64, min: i64) -> Cell {
    if n > 0 && n < min {
        Cell::Suppressed
    } else {
        Cell::Count { n }
    }
}

/// Suppresses a row of counts that add up to `total` (shown beside them): every
/// small cell is hidden, and when exactly one is hidden the next smallest
/// non-zero cell is hidden too, so the small one cannot be worked out as
/// total minus the others. A total below `min` hides the whole row.
pub fn suppress_row(total: i64, counts: &[i64], min: i64) -> (Cell, Vec<Cell>) {
    if total > 0 && total < min {
        return (Cell::Suppressed, vec![Cell::Suppressed; counts.len()]);
    }
    let mut cells: Vec<Cell> = counts.iter().map(|&n| suppress(n, min)).collect();
    let hidden = cells.iter().filter(|c| **c == Cell::Suppressed).count();
    if hidden == 1 {
        let next = counts
            .iter()
            .enumerate()
            .filter(|(i, n)| **n > 0 && cells[*i] != Cell::Suppressed)
            .min_by_key(|(_, n)| **n)
            .map(|(i, _)| i);
        if let Some(i) = next {
            cells[i] = Cell::Suppressed;
        }
    }
    (Cell::Count { n: total }, cells)
}

/// How many distinct holders (citizens) have a spell (an open case) at each
/// date: a spell `(holder, opened, closed)` is open at `d` when
/// `opened <= d` and it is not closed or closed after `d`. A holder with
/// overlapping spells counts once. One pass over the spells whatever the
/// number of dates (the target group per month, ten years or one).
pub fn open_at<K: Ord + Copy>(at: &[Date], spells: &[(K, Date, Option<Date>)]) -> Vec<i64> {
    let mut sorted: Vec<Date> = at.to_vec();
    sorted.sort();
    // Each spell covers the dates in [first on or after opened, first on or after closed).
    let mut ranges: Vec<(K, usize, usize)> = spells
        .iter()
        .map(|(k, opened, closed)| {
            let start = sorted.partition_point(|d| d < opened);
            let end = closed.map_or(sorted.len(), |c| sorted.partition_point(|d| *d < c));
            (*k, start, end)
        })
        .filter(|(_, s, e)| s < e)
        .collect();
    ranges.sort_unstable();
    // Merge each holder's ranges, then count with a difference array.
    let mut diff = vec![0i64; sorted.len() + 1];
    let mut current: Option<(K, usize, usize)> = None;
    for (k, s, e) in ranges {
        current = match current {
            Some((ck, cs, ce)) if ck == k && s <= ce => Some((ck, cs, ce.max(e))),
            Some((_, cs, ce)) => {
                diff[cs] += 1;
                diff[ce] -= 1;
                Some((k, s, e))
            }
            None => Some((k, s, e)),
        };
    }
    if let Some((_, cs, ce)) = current {
        diff[cs] += 1;
        diff[ce] -= 1;
    }
    let mut running = 0;
    let counts: Vec<i64> = diff[..sorted.len()]
        .iter()
        .map(|d| {
            running += d;
            running
        })
        .collect();
    at.iter()
        .map(|d| counts[sorted.partition_point(|x| x < d)])
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn open_at_counts_each_holder_once_per_date() {
        use time::macros::date;
        let at = [
            date!(2026 - 01 - 31),
            date!(2026 - 02 - 28),
            date!(2026 - 03 - 31),
        ];
        let spells = [
            // Open from January on.
            (1, date!(2026 - 01 - 10), None),
            // Overlapping spells of one holder: once.
            (2, date!(2026 - 01 - 01), Some(date!(2026 - 03 - 01))),
            (2, date!(2026 - 02 - 01), Some(date!(2026 - 04 - 01))),
            // Closed on the date itself: not open then.
            (3, date!(2026 - 01 - 01), Some(date!(2026 - 02 - 28))),
            // Opened on the date: open then.
            (4, date!(2026 - 03 - 31), None),
            // Before and after the dates.
            (5, date!(2025 - 01 - 01), Some(date!(2025 - 06 - 01))),
            (6, date!(2026 - 04 - 01), None),
            // Adjacent spells of one holder: still once.
            (7, date!(2026 - 01 - 01), Some(date!(2026 - 02 - 01))),
            (7, date!(2026 - 02 - 01), None),
        ];
        // January: 1, 2, 3, 7; February: 1, 2, 7; March: 1, 2, 4, 7.
        assert_eq!(open_at(&at, &spells), vec![4, 3, 4]);
        // Dates in any order give the same answers in that order.
        let back = [at[2], at[0], at[1]];
        assert_eq!(open_at(&back, &spells), vec![4, 4, 3]);
        assert_eq!(open_at(&at[..1], &spells[..3]), vec![2]);
        assert!(open_at::<i32>(&[], &[]).is_empty());
    }

    proptest::proptest! {
        /// The one-pass count is the count by definition, date by date.
        #[test]
        fn open_at_is_the_definition(
            spells in proptest::collection::vec((0u8..6, 0i64..60, proptest::option::of(0i64..60)), 0..30),
            dates in proptest::collection::vec(0i64..60, 0..12),
        ) {
            let day = |n: i64| Date::from_julian_day(2_460_000 + i32::try_from(n).unwrap_or(0)).unwrap();
            let spells: Vec<(u8, Date, Option<Date>)> =
                spells.iter().map(|(k, o, c)| (*k, day(*o), c.map(day))).collect();
            let at: Vec<Date> = dates.iter().map(|d| day(*d)).collect();
            let expected: Vec<i64> = at
                .iter()
                .map(|d| {
                    let mut holders: Vec<u8> = spells
                        .iter()
                        .filter(|(_, o, c)| o <= d && c.is_none_or(|c| c > *d))
                        .map(|(k, _, _)| *k)
                        .collect();
                    holders.sort_unstable();
                    holders.dedup();
                    holders.len() as i64
                })
                .collect();
            proptest::prop_assert_eq!(open_at(&at, &spells), expected);
        }
    }
    use proptest::prelude::*;
    use time::macros::date;

    fn close(a: f64, b: f64) -> bool {
        (a - b).abs() < 1e-9
    }

    #[test]
    fn gas_t_score_known_values() {
        // One goal scored as expected: T = 50.
        assert!(close(gas_t_score(&[(0.0, 1.0)]).unwrap(), 50.0));
        // One goal +2: 50 + 20 / √1 = 70.
        assert!(close(gas_t_score(&[(2.0, 1.0)]).unwrap(), 70.0));
        // Three goals +1, 0, −1 sum to 0: T = 50.
        assert!(close(
            gas_t_score(&[(1.0, 1.0), (0.0, 1.0), (-1.0, 1.0)]).unwrap(),
            50.0
        ));
        // Two goals +1 and +2, unweighted: 50 + 10·3 / √(0.7·2 + 0.3·4) = 50 + 30/√2.6.
        let t = gas_t_score(&[(1.0, 1.0), (2.0, 1.0)]).unwrap();
        assert!(close(t, 50.0 + 30.0 / 2.6f64.sqrt()));
        // Weighted: w = 2, 1; x = +1, −1: Σwx = 1; Σw² = 5; Σw = 3 → √(3.5 + 2.7) = √6.2.
        let t = gas_t_score(&[(1.0, 2.0), (-1.0, 1.0)]).unwrap();
        assert!(close(t, 50.0 + 10.0 / 6.2f64.sqrt()));
        assert_eq!(gas_t_score(&[]), None);
    }

    #[test]
    fn period_rejects_end_before_start_and_lists_month_ends() {
        assert!(Period::new(date!(2026 - 03 - 01), date!(2026 - 02 - 01)).is_err());
        let p = Period::new(date!(2026 - 01 - 15), date!(2026 - 03 - 10)).unwrap();
        assert_eq!(
            p.month_ends(),
            vec![
                date!(2026 - 01 - 31),
                date!(2026 - 02 - 28),
                date!(2026 - 03 - 10)
            ]
        );
        let p = Period::new(date!(2025 - 12 - 01), date!(2026 - 01 - 31)).unwrap();
        assert_eq!(
            p.month_ends(),
            vec![date!(2025 - 12 - 31), date!(2026 - 01 - 31)]
        );
    }

    #[test]
    fn age_band_birth_ranges() {
        let (a, b) = birth_range("18-29", date!(2026 - 06 - 30)).unwrap();
        // 18 today: born 2008-06-30; 29 until the day before turning 30.
        assert_eq!(b, date!(2008 - 06 - 30));
        assert_eq!(a, date!(1996 - 07 - 01));
        assert!(birth_range("x", date!(2026 - 06 - 30)).is_none());
    }

    #[test]
    fn small_cells_are_suppressed_with_a_second_cell() {
        let (t, cells) = suppress_row(20, &[3, 8, 9], 5);
        assert_eq!(t, Cell::Count { n: 20 });
        assert_eq!(
            cells,
            vec![Cell::Suppressed, Cell::Suppressed, Cell::Count { n: 9 }]
        );
        let (t, cells) = suppress_row(4, &[1, 3], 5);
        assert_eq!(t, Cell::Suppressed);
        assert!(cells.iter().all(|c| *c == Cell::Suppressed));
        let (_, cells) = suppress_row(12, &[0, 12], 5);
        assert_eq!(cells, vec![Cell::Count { n: 0 }, Cell::Count { n: 12 }]);
    }

    proptest! {
        /// No shown row lets a hidden small count be worked out by subtraction,
        /// and nothing below the minimum is ever shown except zero.
        #[test]
        fn suppression_hides_every_small_count(counts in proptest::collection::vec(0i64..12, 1..5), min in 2i64..8) {
            let total: i64 = counts.iter().sum();
            let (t, cells) = suppress_row(total, &counts, min);
            for (n, c) in counts.iter().zip(&cells) {
                if let Cell::Count { n: shown } = c {
                    prop_assert_eq!(shown, n);
                    prop_assert!(*n == 0 || *n >= min);
                }
            }
            if t != Cell::Suppressed {
                let hidden = cells.iter().filter(|c| **c == Cell::Suppressed).count();
                prop_assert!(hidden != 1, "a single hidden cell could be derived from the total");
            }
        }

        #[test]
        fn gas_t_is_50_when_scores_cancel(x in -2i32..=2, n in 1usize..6) {
            let mut s = vec![(f64::from(x), 1.0); n];
            s.extend(vec![(f64::from(-x), 1.0); n]);
            prop_assert!(close(gas_t_score(&s).unwrap(), 50.0));
        }
    }
}
