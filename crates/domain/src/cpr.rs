//! CPR-nummer: the Danish personal identification number.
//!
//! Rules from CPR-kontoret (see `shared/data/cpr.md`): `DDMMYY-SSSS` or
//! `DDMMYYSSSS`; the century follows from the 7th digit together with `YY`;
//! modulus 11 was required until 2007 but numbers issued since 1 October 2007
//! may fail it and are fully valid — so we accept them and only report it.
//!
//! A `Cpr` never prints itself in full through `Debug`: CPR numbers must not end
//! up in logs. Use [`Cpr::as_str`] on purpose, or [`Cpr::masked`] for display.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Deserializer, Serialize, Serializer};
use time::{Date, Month};

/// Why a text is not a CPR number. Messages are Danish, shown to staff, and
/// never repeat the number itself.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CprError {
    #[error("CPR-nummeret skal udfyldes")]
    Empty,
    #[error(
        "CPR-nummeret må kun indeholde cifre og evt. en bindestreg efter de første 6 cifre (DDMMÅÅ-SSSS)"
    )]
    InvalidCharacters,
    #[error("CPR-nummeret skal have 10 cifre (DDMMÅÅ-SSSS), men har {0}")]
    WrongLength(usize),
    #[error("Bindestregen skal stå efter fødselsdatoen (DDMMÅÅ-SSSS)")]
    MisplacedHyphen,
    #[error("Måneden i CPR-nummeret skal være 01–12, ikke {0:02}")]
    InvalidMonth(u8),
    #[error("Dagen {day:02} findes ikke i {month_name} {year}")]
    InvalidDay {
        day: u8,
        month_name: &'static str,
        year: i32,
    },
}

/// A validated CPR number, stored as its ten digits.
#[derive(Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Cpr([u8; 10]);

const MOD11_WEIGHTS: [u32; 10] = [4, 3, 2, 7, 6, 5, 4, 3, 2, 1];

/// Full year from two-digit year and the 7th digit (first digit of the serial).
pub fn century_year(yy: u8, seventh: u8) -> i32 {
    let yy = i32::from(yy);
    let base = match (seventh, yy) {
        (0..=3, _) => 1900,
        (4 | 9, 0..=36) => 2000,
        (4 | 9, _) => 1900,
        (5..=8, 0..=57) => 2000,
        (_, _) => 1800,
    };
    base + yy
}

fn danish_month(m: Month) -> &'static str {
    match m {
        Month::January => "januar",
        Month::February => "februar",
        Month::March => "marts",
        Month::April => "april",
        Month::May => "maj",
        Month::June => "juni",
        Month::July => "juli",
        Month::August => "august",
        Month::September => "september",
        Month::October => "oktober",
        Month::November => "november",
        Month::December => "december",
    }
}

impl Cpr {
    /// Parses `DDMMYY-SSSS` or `DDMMYYSSSS` (surrounding spaces allowed).
    pub fn parse(input: &str) -> Result<Self, CprError> {
        let s = input.trim();
        if s.is_empty() {
            return Err(CprError::Empty);
        }
        if !s.chars().all(|c| c.is_ascii_digit() || c == '-') {
            return Err(CprError::InvalidCharacters);
        }
        let hyphens: Vec<usize> = s.match_indices('-').map(|(i, _)| i).collect();
        match hyphens.as_slice() {
            [] => {}
            [6] => {}
            _ => return Err(CprError::MisplacedHyphen),
        }
        let digits: Vec<u8> = s
            .bytes()
            .filter(u8::is_ascii_digit)
            .map(|b| b - b'0')
            .collect();
        let arr: [u8; 10] = digits
            .as_slice()
            .try_into()
            .map_err(|_| CprError::WrongLength(digits.len()))?;
        let cpr = Cpr(arr);
        cpr.compute_birth_date()?;
        Ok(cpr)
    }

    fn compute_birth_date(&self) -> Result<Date, CprError> {
        let d = &self.0;
        let day = d[0] * 10 + d[1];
        let month = d[2] * 10 + d[3];
        let yy = d[4] * 10 + d[5];
        let year = century_year(yy, d[6]);
        let m = Month::try_from(month).map_err(|_| CprError::InvalidMonth(month))?;
        Date::from_calendar_date(year, m, day).map_err(|_| CprError::InvalidDay {
            day,
            month_name: danish_month(m),
            year,
        })
    }

    /// Date of birth (always valid: checked at construction).
    pub fn birth_date(&self) -> Date {
        // Construction guarantees a valid date; fall back to a fixed date rather than panic.
        self.compute_birth_date().unwrap_or(Date::MIN)
    }

    /// Legal sex at registration: odd last digit = male.
    pub fn is_male(&self) -> bool {
        self.0[9] % 2 == 1
    }

    /// Whether the number satisfies the pre-2007 modulus-11 check. Informational
    /// only: numbers failing it are valid since 1 October 2007.
    pub fn satisfies_modulus11(&self) -> bool {
        let sum: u32 = self
            .0
            .iter()
            .zip(MOD11_WEIGHTS)
            .map(|(d, w)| u32::from(*d) * w)
            .sum();
        sum.is_multiple_of(11)
    }

    /// The ten digits, no hyphen — for storage and on-purpose reveal.
    pub fn digits(&self) -> String {
        self.0.iter().map(|d| char::from(b'0' + d)).collect()
    }

    /// `DDMMYY-SSSS`, for an on-purpose reveal.
    pub fn formatted(&self) -> String {
        let s = self.digits();
        format!("{}-{}", &s[..6], &s[6..])
    }

    /// `DDMMYY-XXXX`: the default way a CPR is shown.
    pub fn masked(&self) -> String {
        let s = self.digits();
        format!("{}-XXXX", &s[..6])
    }

    /// Alias of [`Cpr::digits`] that reads well at call sites that store it.
    pub fn as_str(&self) -> String {
        self.digits()
    }
}

impl fmt::Debug for Cpr {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Cpr({})", self.masked())
    }
}

impl fmt::Display for Cpr {
    /// Displays masked; a full number must be asked for with [`Cpr::formatted`].
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.masked())
    }
}

impl FromStr for Cpr {
    type Err = CprError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Cpr::parse(s)
    }
}

impl Serialize for Cpr {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&self.formatted())
    }
}

impl<'de> Deserialize<'de> for Cpr {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = String::deserialize(d)?;
        Cpr::parse(&s).map_err(serde::de::Error::custom)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn accepts_both_formats() {
        let a = Cpr::parse("070761-4285").unwrap();
        let b = Cpr::parse("0707614285").unwrap();
        assert_eq!(a, b);
        assert_eq!(a.formatted(), "070761-4285");
        assert_eq!(a.masked(), "070761-XXXX");
    }

    #[test]
    fn century_rule_matches_table() {
        assert_eq!(century_year(36, 0), 1936);
        assert_eq!(century_year(37, 3), 1937);
        assert_eq!(century_year(99, 3), 1999);
        assert_eq!(century_year(0, 4), 2000);
        assert_eq!(century_year(36, 9), 2036);
        assert_eq!(century_year(37, 4), 1937);
        assert_eq!(century_year(58, 9), 1958);
        assert_eq!(century_year(57, 5), 2057);
        assert_eq!(century_year(58, 8), 1858);
        assert_eq!(century_year(99, 6), 1899);
    }

    #[test]
    fn leap_day_depends_on_century_digit() {
        // 29 Feb 1900 does not exist; 29 Feb 2000 does.
        assert!(matches!(
            Cpr::parse("290200-1234"),
            Err(CprError::InvalidDay { year: 1900, .. })
        ));
        let c = Cpr::parse("290200-4234").unwrap();
        assert_eq!(
            c.birth_date(),
            Date::from_calendar_date(2000, Month::February, 29).unwrap()
        );
    }

    #[test]
    fn modulus11_failure_is_accepted_and_reported() {
        // 010165-xxxx: a birth date whose modulus-11 series ran out in 2007.
        let c = Cpr::parse("010165-1234").unwrap();
        assert!(!c.satisfies_modulus11());
        let ok = Cpr::parse("070761-4285").unwrap();
        assert!(ok.satisfies_modulus11());
    }

    #[test]
    fn precise_errors() {
        assert_eq!(Cpr::parse("  "), Err(CprError::Empty));
        assert_eq!(Cpr::parse("07076a-4285"), Err(CprError::InvalidCharacters));
        assert_eq!(Cpr::parse("070761-428"), Err(CprError::WrongLength(9)));
        assert_eq!(Cpr::parse("0707-614285"), Err(CprError::MisplacedHyphen));
        assert_eq!(Cpr::parse("071361-4285"), Err(CprError::InvalidMonth(13)));
        assert!(matches!(
            Cpr::parse("310461-4285"),
            Err(CprError::InvalidDay { day: 31, .. })
        ));
    }

    #[test]
    fn debug_and_display_never_show_serial() {
        let c = Cpr::parse("070761-4285").unwrap();
        assert!(!format!("{c:?}").contains("4285"));
        assert!(!format!("{c}").contains("4285"));
        let msg = Cpr::parse("310461-4285").unwrap_err().to_string();
        assert!(!msg.contains("4285"));
    }

    #[test]
    fn sex_from_last_digit() {
        assert!(Cpr::parse("070761-4285").unwrap().is_male());
        assert!(!Cpr::parse("070761-4286").unwrap().is_male());
    }

    fn valid_parts() -> impl Strategy<Value = (Date, u8, u16)> {
        // Any date 1858..=2057 plus a serial whose 7th digit maps to that date's century.
        (1858i32..=2057, 1u8..=12, 1u8..=31, 0u16..1000).prop_filter_map(
            "valid date",
            |(year, month, day, rest)| {
                let m = Month::try_from(month).ok()?;
                let date = Date::from_calendar_date(year, m, day).ok()?;
                let yy = (year % 100) as u8;
                let seventh = (0u8..=9).find(|s| century_year(yy, *s) == year)?;
                Some((date, seventh, rest))
            },
        )
    }

    proptest! {
        #[test]
        fn every_valid_date_round_trips((date, seventh, rest) in valid_parts(), hyphen in any::<bool>()) {
            let s = format!(
                "{:02}{:02}{:02}{}{}{:03}",
                date.day(), u8::from(date.month()), date.year() % 100,
                if hyphen { "-" } else { "" }, seventh, rest
            );
            let c = Cpr::parse(&s).unwrap();
            prop_assert_eq!(c.birth_date(), date);
            prop_assert_eq!(Cpr::parse(&c.formatted()).unwrap(), c.clone());
            prop_assert_eq!(&c.masked()[..6], &c.digits()[..6]);
        }

        #[test]
        fn parse_never_panics(s in "\\PC{0,20}") {
            let _ = Cpr::parse(&s);
        }

        #[test]
        fn ten_digits_are_valid_iff_date_is(s in "[0-9]{10}") {
            let d: Vec<u8> = s.bytes().map(|b| b - b'0').collect();
            let year = century_year(d[4] * 10 + d[5], d[6]);
            let month = Month::try_from(d[2] * 10 + d[3]);
            let valid = month
                .ok()
                .and_then(|m| Date::from_calendar_date(year, m, d[0] * 10 + d[1]).ok())
                .is_some();
            prop_assert_eq!(Cpr::parse(&s).is_ok(), valid);
        }

        #[test]
        fn modulus11_never_decides_validity(s in "[0-9]{10}") {
            if let Ok(c) = Cpr::parse(&s) {
                // Both outcomes are valid numbers; the check is informational only.
                let _ = c.satisfies_modulus11();
                prop_assert_eq!(c.digits(), s);
            }
        }
    }
}
