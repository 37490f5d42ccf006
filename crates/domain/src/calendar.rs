//! The Danish calendar day. Dates a user types or sees — a consent's "from"
//! and "to", a deadline, an age — are days in Denmark, which begin an hour or
//! two before the UTC day does.

use time::{Date, OffsetDateTime, UtcOffset};

/// Central European time with summer time (last Sunday of March to last Sunday of October).
pub fn copenhagen_offset(d: Date) -> UtcOffset {
    let last_sunday = |m: time::Month| {
        let mut day = Date::from_calendar_date(d.year(), m, 31).unwrap_or(d);
        while day.weekday() != time::Weekday::Sunday {
            day = day.previous_day().unwrap_or(day);
        }
        day
    };
    let summer = d >= last_sunday(time::Month::March) && d < last_sunday(time::Month::October);
    UtcOffset::from_hms(if summer { 2 } else { 1 }, 0, 0).unwrap_or(UtcOffset::UTC)
}

/// `t` in Danish local time.
pub fn to_local(t: OffsetDateTime) -> OffsetDateTime {
    t.to_offset(copenhagen_offset(t.to_offset(UtcOffset::UTC).date()))
}

/// The day it is in Denmark at `t`.
pub fn danish_date(t: OffsetDateTime) -> Date {
    to_local(t).date()
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::datetime;

    #[test]
    fn the_danish_day_starts_before_the_utc_day() {
        // Winter: 23:30 UTC is 00:30 the next day in Copenhagen.
        assert_eq!(
            danish_date(datetime!(2026-12-03 23:30 UTC)),
            time::macros::date!(2026 - 12 - 04)
        );
        assert_eq!(
            danish_date(datetime!(2026-12-03 22:30 UTC)),
            time::macros::date!(2026 - 12 - 03)
        );
        // Summer: two hours ahead.
        assert_eq!(
            danish_date(datetime!(2026-07-01 22:30 UTC)),
            time::macros::date!(2026 - 07 - 02)
        );
        // Whatever offset the instant comes in.
        assert_eq!(
            danish_date(datetime!(2026-12-04 01:30 +2)),
            time::macros::date!(2026 - 12 - 04)
        );
    }
}
