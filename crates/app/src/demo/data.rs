//! Synthetic demo data: Danish citizens and staff names.
//!
//! Pure and deterministic: no IO, no clock, no global randomness. Everything is
//! derived from a `(seed, index)` pair, so a demo database can be rebuilt (or
//! extended) identically, and citizen `index` can be regenerated on its own.
//!
//! Nothing here describes a real person. CPR numbers are synthetic but valid for
//! [`tvaers_domain::Cpr::parse`]; e-mail addresses use the reserved
//! `example.*` domains (RFC 2606), so nothing can ever be delivered to them.
//!
//! # Unique CPR numbers by construction
//!
//! For a given seed, indices `0..2^24` (⊇ `0..2_000_000`) get pairwise different
//! CPR numbers; indices from `2^24` on repeat the CPR cycle. The chain is:
//!
//! 1. `p = permute(seed, index mod 2^24)` is a bijection on `[0, 2^24)`: each
//!    round is xor with a constant, multiplication by an odd constant modulo
//!    `2^24`, and `x ^= x >> 12`, all invertible.
//! 2. `[0, 2^24)` is cut into consecutive ranges, one per age band ([`BANDS`];
//!    the range's size follows the band's weight, which is where the bias towards
//!    elderly citizens comes from). Inside a band, `offset = p - band_start` is
//!    split by Euclidean division into `day = offset % days` and
//!    `slot = offset / days`, so `p ↦ (birth date, slot)` is injective (bands
//!    cover disjoint date ranges).
//! 3. Every band has `slot < 2000` (checked by the test `every_band_fits`), and
//!    `k = (slot * 1237 + c(seed)) mod 2000` is a bijection of `0..2000`
//!    because `gcd(1237, 2000) = 1`.
//! 4. `k` is written into the serial `SSSS` injectively: the 7th digit is the
//!    `k / 500`-th digit (of at least four) that [`century_year`] maps to the
//!    birth year, the 8th–9th digits are `(k % 500) / 5`, and the last digit is
//!    `2 * (k % 5) + sex`. The sex only sets the parity, so `k` can be read back
//!    from the serial whatever the sex is.
//! 5. A CPR number determines its birth date (century from the 7th digit), so
//!    different dates give different numbers, and equal dates differ in `k`.

use fastrand::Rng;
use time::Date;
use time::macros::date;
use tvaers_domain::citizen::{CitizenData, CitizenInput, Relative};
use tvaers_domain::cpr::century_year;

/// One generated citizen, validated like any other input.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DemoCitizen {
    pub data: CitizenData,
}

impl DemoCitizen {
    /// Same as [`citizen`], wrapped.
    pub fn new(seed: u64, index: u64) -> Self {
        Self {
            data: citizen(seed, index),
        }
    }
}

/// The date ages are measured against: the demo is set in 2026, and every
/// generated citizen is between 0 and 100 years old on this day.
pub const REFERENCE_DATE: Date = date!(2026 - 01 - 01);

/// Deterministic: the same (seed, index) always gives the same citizen. CPR
/// numbers are unique per seed for indices below 2^24 (see the module docs).
pub fn citizen(seed: u64, index: u64) -> CitizenData {
    // Candidate 0 always parses (tested). The later candidates only exist so
    // that a future bug degrades the demo data instead of panicking.
    let mut attempt = 0u64;
    loop {
        if let Ok(data) = CitizenData::parse(&candidate(seed, index, attempt)) {
            return data;
        }
        attempt = attempt.wrapping_add(1);
    }
}

/// Realistic Danish staff full names for the demo staff, deterministic.
pub fn staff_name(seed: u64, index: u64) -> String {
    let mut rng = Rng::with_seed(mix(seed ^ STAFF_SALT, index));
    // Care and social work is mostly done by women.
    let female = rng.u8(0..100) < 75;
    let birth_year = rng.i32(1960..=2002);
    let given = given_name(&mut rng, female, birth_year);
    let family = family_name(&mut rng);
    format!("{given} {family}")
}

// ---------------------------------------------------------------------------
// Birth date and CPR
// ---------------------------------------------------------------------------

const DOMAIN_BITS: u32 = 24;
const DOMAIN: u64 = 1 << DOMAIN_BITS;
const DOMAIN_MASK: u64 = DOMAIN - 1;
/// Serial positions per birth date and sex: 4 seventh-digits × 100 × 5.
const SERIALS_PER_DAY: u64 = 2000;
/// Coprime to [`SERIALS_PER_DAY`], so `k ↦ k * MULT + c (mod 2000)` is a bijection.
const SERIAL_MULT: u64 = 1237;

const CPR_SALT: u64 = 0x43_50_52_5f_73_61_6c_74;
const SEX_SALT: u64 = 0x73_65_78_5f_73_61_6c_74;
const CITIZEN_SALT: u64 = 0x62_6f_72_67_65_72_65_21;
const STAFF_SALT: u64 = 0x73_74_61_66_66_5f_5f_21;

/// An age band: birth dates `first..=last`, drawn with weight `per_mille`.
struct Band {
    first: Date,
    last: Date,
    per_mille: u64,
}

impl Band {
    fn days(&self) -> u64 {
        let d = self.last.to_julian_day() - self.first.to_julian_day() + 1;
        u64::try_from(d).unwrap_or(1).max(1)
    }
}

/// Age bands (ages on [`REFERENCE_DATE`]), weighted towards elderly care but with
/// children and working-age adults. Weights sum to 1000.
const BANDS: [Band; 7] = [
    // 0–17: children and young people (børn og unge).
    Band {
        first: date!(2008 - 01 - 01),
        last: date!(2025 - 12 - 31),
        per_mille: 120,
    },
    // 18–39
    Band {
        first: date!(1986 - 01 - 01),
        last: date!(2007 - 12 - 31),
        per_mille: 90,
    },
    // 40–64
    Band {
        first: date!(1961 - 01 - 01),
        last: date!(1985 - 12 - 31),
        per_mille: 140,
    },
    // 65–74
    Band {
        first: date!(1951 - 01 - 01),
        last: date!(1960 - 12 - 31),
        per_mille: 190,
    },
    // 75–84
    Band {
        first: date!(1941 - 01 - 01),
        last: date!(1950 - 12 - 31),
        per_mille: 260,
    },
    // 85–94
    Band {
        first: date!(1931 - 01 - 01),
        last: date!(1940 - 12 - 31),
        per_mille: 170,
    },
    // 95–100
    Band {
        first: date!(1925 - 01 - 02),
        last: date!(1930 - 12 - 31),
        per_mille: 30,
    },
];

/// splitmix64: a strong 64-bit mixer.
fn splitmix(mut z: u64) -> u64 {
    z = z.wrapping_add(0x9e37_79b9_7f4a_7c15);
    z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
    z ^ (z >> 31)
}

pub(crate) fn mix(a: u64, b: u64) -> u64 {
    splitmix(splitmix(a) ^ b.rotate_left(32) ^ b)
}

/// A seed-keyed bijection of `[0, 2^24)`.
fn permute(seed: u64, x: u64) -> u64 {
    let mut x = x & DOMAIN_MASK;
    let mut key = seed ^ CPR_SALT;
    for _ in 0..4 {
        key = splitmix(key);
        x ^= key & DOMAIN_MASK;
        x = x.wrapping_mul((key >> 40) | 1) & DOMAIN_MASK;
        x ^= x >> (DOMAIN_BITS / 2);
    }
    x
}

/// The band holding position `p`, and `p`'s offset inside it.
fn locate(p: u64) -> (&'static Band, u64) {
    let mut start = 0;
    let mut cum = 0;
    let last = BANDS.len() - 1;
    for (i, band) in BANDS.iter().enumerate() {
        cum += band.per_mille;
        let end = DOMAIN * cum / 1000;
        if p < end || i == last {
            return (band, p - start);
        }
        start = end;
    }
    // Not reached: the last band is always returned above.
    (&BANDS[last], 0)
}

/// Birth date and the serial position `k` in `0..2000` for slot `p`.
fn birth_slot(seed: u64, p: u64) -> (Date, u64) {
    let (band, offset) = locate(p);
    let days = band.days();
    let day = i32::try_from(offset % days).unwrap_or(0);
    let slot = offset / days;
    let birth = Date::from_julian_day(band.first.to_julian_day() + day).unwrap_or(band.first);
    let c = splitmix(seed ^ CPR_SALT ^ 0x5e) % SERIALS_PER_DAY;
    let k = (slot * SERIAL_MULT + c) % SERIALS_PER_DAY;
    (birth, k)
}

/// The 7th CPR digits that put `year` in its century, in ascending order.
fn century_digits(year: i32) -> impl Iterator<Item = u8> {
    let yy = u8::try_from(year.rem_euclid(100)).unwrap_or(0);
    (0u8..=9).filter(move |s| century_year(yy, *s) == year)
}

/// `DDMMYY-SSSS` for a birth date, serial position `k < 2000` and sex.
fn cpr_text(birth: Date, k: u64, male: bool) -> String {
    let seventh = century_digits(birth.year())
        .nth(usize::try_from(k / 500).unwrap_or(0))
        .unwrap_or(0);
    let rest = k % 500;
    let last = 2 * (rest % 5) + u64::from(male);
    format!(
        "{:02}{:02}{:02}-{}{:02}{}",
        birth.day(),
        u8::from(birth.month()),
        birth.year().rem_euclid(100),
        seventh,
        rest / 5,
        last
    )
}

/// Whole years on [`REFERENCE_DATE`].
fn age_at_reference(birth: Date) -> i32 {
    let today = REFERENCE_DATE;
    let mut age = today.year() - birth.year();
    if (u8::from(today.month()), today.day()) < (u8::from(birth.month()), birth.day()) {
        age -= 1;
    }
    age
}

/// Legal sex, deterministic per (seed, index). Women outlive men, so the share
/// of men falls with age.
fn is_male(seed: u64, index: u64, age: i32) -> bool {
    let percent_male = match age {
        ..65 => 50,
        65..85 => 45,
        _ => 35,
    };
    mix(seed ^ SEX_SALT, index) % 100 < percent_male
}

/// Who the citizen at `index` is, before any names are drawn.
struct Identity {
    birth: Date,
    male: bool,
    cpr: String,
}

fn identity_at(seed: u64, index: u64, p: u64) -> Identity {
    let (birth, k) = birth_slot(seed, p);
    let male = is_male(seed, index, age_at_reference(birth));
    Identity {
        birth,
        male,
        cpr: cpr_text(birth, k, male),
    }
}

fn identity(seed: u64, index: u64) -> Identity {
    identity_at(seed, index, permute(seed, index))
}

// ---------------------------------------------------------------------------
// The citizen
// ---------------------------------------------------------------------------

/// Candidate 0 is the real one. 1 keeps the CPR but drops everything optional;
/// from 2 on, the CPR comes from a neighbouring slot (may repeat a number, but
/// this path is only there in case of a bug, see the tests).
fn candidate(seed: u64, index: u64, attempt: u64) -> CitizenInput {
    match attempt {
        0 => full_candidate(seed, index),
        _ => {
            let p = if attempt == 1 {
                permute(seed, index)
            } else {
                (permute(seed, index) + attempt) & DOMAIN_MASK
            };
            let id = identity_at(seed, index, p);
            CitizenInput {
                cpr: id.cpr,
                given_name: if id.male { "Jens" } else { "Karen" }.to_string(),
                family_name: "Jensen".to_string(),
                ..CitizenInput::default()
            }
        }
    }
}

fn full_candidate(seed: u64, index: u64) -> CitizenInput {
    let id = identity(seed, index);
    let mut rng = Rng::with_seed(mix(seed ^ CITIZEN_SALT, index));
    let year = id.birth.year();
    let age = age_at_reference(id.birth);
    let female = !id.male;

    let mut given = given_name(&mut rng, female, year).to_string();
    if rng.u8(0..100) < 12 {
        let second = given_name(&mut rng, female, year);
        if second != given {
            given = format!("{given} {second}");
        }
    }
    let family = family_name(&mut rng);

    let (postal_code, city) = pick(&mut rng, POSTAL_CODES, ("8900", "Randers C"));
    let address = street_address(&mut rng);

    let phone_percent = match age {
        ..10 => 0,
        10..18 => 80,
        18..85 => 95,
        _ => 85,
    };
    let phone = (rng.u8(0..100) < phone_percent).then(|| phone_number(&mut rng));

    let email_percent = match age {
        ..13 => 0,
        13..18 => 30,
        18..65 => 70,
        65..80 => 40,
        _ => 12,
    };
    let email = (rng.u8(0..100) < email_percent).then(|| email_address(&mut rng, &given, &family));

    let relatives = relatives(&mut rng, age, year, female, &family);

    CitizenInput {
        cpr: id.cpr,
        given_name: given,
        family_name: family,
        address: Some(address),
        postal_code: Some(postal_code.to_string()),
        city: Some(city.to_string()),
        phone,
        email,
        relatives,
    }
}

fn pick<T: Copy>(rng: &mut Rng, items: &[T], fallback: T) -> T {
    rng.choice(items.iter().copied()).unwrap_or(fallback)
}

/// Picks from a list ordered by frequency, favouring the head.
fn pick_skewed(rng: &mut Rng, items: &[&'static str]) -> &'static str {
    let r = rng.f64();
    // Precision loss is irrelevant for list indices.
    let i = (r * r * items.len() as f64) as usize;
    items.get(i).copied().unwrap_or("Jensen")
}

fn given_name(rng: &mut Rng, female: bool, birth_year: i32) -> &'static str {
    // Fashions overlap: blur the generation boundaries a little.
    let year = birth_year + rng.i32(-7..=7);
    let list = match (female, year) {
        (true, ..1950) => FEMALE_OLD,
        (true, 1950..1988) => FEMALE_MID,
        (true, _) => FEMALE_YOUNG,
        (false, ..1950) => MALE_OLD,
        (false, 1950..1988) => MALE_MID,
        (false, _) => MALE_YOUNG,
    };
    pick(rng, list, if female { "Anne" } else { "Peter" })
}

fn family_name(rng: &mut Rng) -> String {
    let surname = pick_skewed(rng, SURNAMES);
    match rng.u8(0..100) {
        // Mellemnavn + efternavn, the common Danish "double surname".
        0..14 => {
            let middle = pick(rng, MIDDLE_NAMES, "Holm");
            if middle == surname {
                surname.to_string()
            } else {
                format!("{middle} {surname}")
            }
        }
        // Hyphenated, rarer.
        14..17 => {
            let other = pick_skewed(rng, SURNAMES);
            if other == surname {
                surname.to_string()
            } else {
                format!("{surname}-{other}")
            }
        }
        _ => surname.to_string(),
    }
}

fn street_address(rng: &mut Rng) -> String {
    let street = pick(rng, STREETS, "Vestergade");
    let r = rng.f64();
    // Low house numbers are far more common.
    let number = 1 + (r * r * 140.0) as u32;
    let letter = if rng.u8(0..100) < 8 {
        pick(rng, &["A", "B", "C", "D"], "A")
    } else {
        ""
    };
    let flat = if rng.u8(0..100) < 22 {
        let floor = pick(rng, &["st.", "1.", "1.", "2.", "2.", "3.", "4."], "1.");
        let side = pick(rng, &["tv.", "th.", "th.", "tv.", "mf."], "tv.");
        format!(", {floor} {side}")
    } else {
        String::new()
    };
    format!("{street} {number}{letter}{flat}")
}

/// Eight digits, grouped like "12 34 56 78"; never starting with 0 or 1.
fn phone_number(rng: &mut Rng) -> String {
    let first = rng.u32(2..=9);
    let n = first * 10_000_000 + rng.u32(0..10_000_000);
    format!(
        "{:02} {:02} {:02} {:02}",
        n / 1_000_000,
        n / 10_000 % 100,
        n / 100 % 100,
        n % 100
    )
}

/// ASCII-only, lower-case form of a name for e-mail addresses.
fn ascii_fold(name: &str) -> String {
    let mut out = String::with_capacity(name.len());
    for c in name.chars().flat_map(char::to_lowercase) {
        match c {
            'æ' => out.push_str("ae"),
            'ø' => out.push_str("oe"),
            'å' => out.push_str("aa"),
            'é' | 'è' => out.push('e'),
            'ü' => out.push('u'),
            'ö' => out.push_str("oe"),
            'ä' => out.push_str("ae"),
            c if c.is_ascii_alphanumeric() => out.push(c),
            _ => {}
        }
    }
    out
}

fn email_address(rng: &mut Rng, given: &str, family: &str) -> String {
    let first = ascii_fold(given.split_whitespace().next().unwrap_or("borger"));
    let last = ascii_fold(family.rsplit([' ', '-']).next().unwrap_or("demo"));
    let domain = pick(rng, EMAIL_DOMAINS, "example.com");
    let local = match rng.u8(0..4) {
        0 => format!("{first}.{last}"),
        1 => format!("{first}{last}{}", rng.u8(1..100)),
        2 => format!("{}{last}", first.chars().next().unwrap_or('x')),
        _ => format!("{first}_{}", rng.u16(10..1000)),
    };
    format!("{local}@{domain}")
}

fn relatives(
    rng: &mut Rng,
    age: i32,
    birth_year: i32,
    female: bool,
    family: &str,
) -> Vec<Relative> {
    let mut count = match rng.u8(0..100) {
        0..25 => 0,
        25..70 => 1,
        _ => 2,
    };
    let mut pool: Vec<&'static str> = match age {
        ..18 => {
            // A child always has at least one parent registered.
            count = count.max(1);
            vec!["mor", "far"]
        }
        18..65 => vec!["ægtefælle", "mor", "far", "bror", "søster", "nabo"],
        65..85 => vec![
            "datter",
            "søn",
            "ægtefælle",
            "datter",
            "søn",
            "nabo",
            "bror",
            "søster",
        ],
        _ => vec!["datter", "søn", "datter", "søn", "nabo", "ægtefælle"],
    };
    rng.shuffle(&mut pool);
    let mut chosen: Vec<&'static str> = Vec::new();
    for relation in pool {
        if chosen.len() == count {
            break;
        }
        if !chosen.contains(&relation) {
            chosen.push(relation);
        }
    }
    chosen
        .into_iter()
        .map(|relation| relative(rng, relation, birth_year, female, family))
        .collect()
}

fn relative(
    rng: &mut Rng,
    relation: &'static str,
    birth_year: i32,
    citizen_female: bool,
    family: &str,
) -> Relative {
    let female = match relation {
        "datter" | "søster" | "mor" => true,
        "søn" | "bror" | "far" => false,
        // Spouses are mostly of the other sex.
        "ægtefælle" => citizen_female == (rng.u8(0..100) < 5),
        // Neighbours are anyone.
        _ => rng.bool(),
    };
    let year = match relation {
        "mor" | "far" => birth_year - rng.i32(22..=40),
        "datter" | "søn" => birth_year + rng.i32(22..=38),
        _ => birth_year + rng.i32(-6..=6),
    };
    let given = given_name(rng, female, year);
    let shares_name = relation != "nabo" && rng.u8(0..100) < 65;
    let surname = if shares_name {
        family.to_string()
    } else {
        family_name(rng)
    };
    let phone_percent = if relation == "nabo" { 70 } else { 92 };
    let phone = (rng.u8(0..100) < phone_percent).then(|| phone_number(rng));
    Relative {
        name: format!("{given} {surname}"),
        relation: relation.to_string(),
        phone,
    }
}

// ---------------------------------------------------------------------------
// Word lists
// ---------------------------------------------------------------------------

/// Women born before about 1950.
const FEMALE_OLD: &[&str] = &[
    "Karen",
    "Inge",
    "Kirsten",
    "Ellen",
    "Else",
    "Grethe",
    "Birthe",
    "Ruth",
    "Jytte",
    "Ingrid",
    "Bodil",
    "Edith",
    "Gerda",
    "Erna",
    "Inger",
    "Dagmar",
    "Elly",
    "Ester",
    "Gudrun",
    "Ketty",
    "Lilly",
    "Agnete",
    "Asta",
    "Tove",
    "Anna",
    "Marie",
    "Margrethe",
    "Åse",
    "Solveig",
    "Sigrid",
    "Kamma",
    "Ebba",
    "Elna",
    "Rigmor",
    "Henny",
    "Jenny",
    "Eva",
];

/// Women born about 1950–1990.
const FEMALE_MID: &[&str] = &[
    "Susanne",
    "Hanne",
    "Lene",
    "Helle",
    "Mette",
    "Anne",
    "Marianne",
    "Lone",
    "Pia",
    "Bente",
    "Tina",
    "Gitte",
    "Jette",
    "Birgitte",
    "Trine",
    "Rikke",
    "Lotte",
    "Ulla",
    "Lise",
    "Dorthe",
    "Annette",
    "Connie",
    "Karina",
    "Heidi",
    "Charlotte",
    "Camilla",
    "Louise",
    "Christina",
    "Lisbeth",
    "Vibeke",
    "Merete",
    "Malene",
    "Pernille",
    "Sanne",
    "Janne",
    "Winnie",
    "Tanja",
    "Majbritt",
];

/// Women born from about 1990.
const FEMALE_YOUNG: &[&str] = &[
    "Emma", "Ida", "Sofie", "Julie", "Maja", "Signe", "Freja", "Alma", "Ella", "Clara", "Laura",
    "Josefine", "Emilie", "Nanna", "Cecilie", "Mathilde", "Sara", "Amalie", "Isabella", "Olivia",
    "Agnes", "Karla", "Frida", "Liva", "Lærke", "Mille", "Naja", "Caroline", "Katrine", "Stine",
    "Line", "Mia", "Astrid", "Alberte", "Esther", "Sofia",
];

/// Men born before about 1950.
const MALE_OLD: &[&str] = &[
    "Jens", "Poul", "Hans", "Niels", "Erik", "Knud", "Svend", "Aage", "Børge", "Arne", "Henning",
    "Preben", "Kaj", "Leif", "Ove", "Bent", "Egon", "Verner", "Holger", "Viggo", "Karl", "Gunnar",
    "Harald", "Ejner", "Erling", "Finn", "Frede", "Orla", "Tage", "Vagn", "Helge", "Johannes",
    "Ejvind", "Kristen", "Mogens", "Jørgen",
];

/// Men born about 1950–1990.
const MALE_MID: &[&str] = &[
    "Peter", "Michael", "Lars", "Thomas", "Henrik", "Søren", "Jan", "Morten", "Jesper", "Anders",
    "Martin", "Per", "Ole", "Torben", "Steen", "Kim", "Brian", "Allan", "Claus", "Bo", "Kenneth",
    "René", "Carsten", "Flemming", "John", "Klaus", "Jakob", "Kristian", "Frank", "Tommy",
    "Bjarne", "Kurt", "Uffe", "Jørn", "Dennis", "Kasper", "Rune", "Jacob",
];

/// Men born from about 1990.
const MALE_YOUNG: &[&str] = &[
    "William",
    "Noah",
    "Oscar",
    "Lucas",
    "Victor",
    "Malthe",
    "Emil",
    "Frederik",
    "Oliver",
    "Alfred",
    "Carl",
    "Magnus",
    "Elias",
    "Aksel",
    "Valdemar",
    "Villads",
    "Mikkel",
    "Mathias",
    "Sebastian",
    "Christian",
    "Alexander",
    "Jonas",
    "Tobias",
    "Rasmus",
    "Mads",
    "Nikolaj",
    "Simon",
    "Anton",
    "August",
    "Theo",
    "Arthur",
    "Felix",
    "Johan",
    "Storm",
    "Asger",
    "Bertram",
];

/// Common Danish surnames, roughly by frequency (the head is drawn more often).
const SURNAMES: &[&str] = &[
    "Nielsen",
    "Jensen",
    "Hansen",
    "Pedersen",
    "Andersen",
    "Christensen",
    "Larsen",
    "Sørensen",
    "Rasmussen",
    "Jørgensen",
    "Petersen",
    "Madsen",
    "Kristensen",
    "Olsen",
    "Thomsen",
    "Christiansen",
    "Poulsen",
    "Johansen",
    "Møller",
    "Mortensen",
    "Knudsen",
    "Jakobsen",
    "Jacobsen",
    "Mikkelsen",
    "Olesen",
    "Frederiksen",
    "Laursen",
    "Henriksen",
    "Lund",
    "Schmidt",
    "Holm",
    "Eriksen",
    "Kristiansen",
    "Nissen",
    "Clausen",
    "Simonsen",
    "Svendsen",
    "Andreasen",
    "Iversen",
    "Jeppesen",
    "Mogensen",
    "Jespersen",
    "Nørgaard",
    "Vestergaard",
    "Lauridsen",
    "Jepsen",
    "Kjær",
    "Frandsen",
    "Søndergaard",
    "Skov",
    "Bertelsen",
    "Nygaard",
    "Dam",
    "Bach",
    "Brandt",
    "Carlsen",
    "Østergaard",
    "Berg",
    "Lassen",
    "Dahl",
    "Overgaard",
    "Kjeldsen",
    "Toft",
    "Damgaard",
    "Bak",
    "Mathiasen",
    "Krogh",
    "Villadsen",
    "Thygesen",
    "Gregersen",
    "Winther",
    "Lauritsen",
    "Koch",
    "Friis",
    "Munk",
    "Bruun",
    "Enevoldsen",
    "Beck",
    "Juhl",
    "Ibsen",
    "Steffensen",
    "Kirkegaard",
    "Bjerre",
    "Riis",
    "Hedegaard",
    "Bang",
    "Mølgaard",
    "Sloth",
    "Lind",
    "Bech",
    "Kjærgaard",
    "Ravn",
    "Høj",
    "Bisgaard",
    "Bonde",
    "Holst",
    "Bundgaard",
    "Thorsen",
    "Vinther",
    "Boesen",
    "Bækgaard",
    "Høgh",
    "Brøndum",
    "Kruse",
    "Dalsgaard",
    "Fogh",
    "Nørskov",
    "Lykke",
    "Krag",
    "Wolff",
    "Nørby",
    "Hviid",
    "Kofoed",
    "Lyng",
    "Busk",
    "Mørk",
    "Sommer",
    "Søgaard",
    "Højgaard",
    "Ladefoged",
];

/// Names commonly used as a mellemnavn before the surname.
const MIDDLE_NAMES: &[&str] = &[
    "Holm",
    "Skov",
    "Lund",
    "Krogh",
    "Dahl",
    "Bach",
    "Kjær",
    "Juhl",
    "Bech",
    "Toft",
    "Riis",
    "Lind",
    "Friis",
    "Winther",
    "Sloth",
    "Lykke",
    "Bisgaard",
    "Høj",
    "Dam",
    "Munk",
    "Brandt",
    "Nørgaard",
    "Damgaard",
    "Møller",
    "Kirk",
    "Bak",
    "Vestergaard",
    "Østergaard",
    "Sand",
    "Buus",
    "Krag",
    "Vang",
];

const STREETS: &[&str] = &[
    "Vestergade",
    "Østergade",
    "Nørregade",
    "Søndergade",
    "Storegade",
    "Kirkevej",
    "Skolevej",
    "Møllevej",
    "Bakkevej",
    "Skovvej",
    "Engvej",
    "Stationsvej",
    "Byvej",
    "Parkvej",
    "Strandvej",
    "Havnegade",
    "Torvegade",
    "Jernbanegade",
    "Præstevej",
    "Birkevej",
    "Egevej",
    "Bøgevej",
    "Ahornvej",
    "Lindevej",
    "Kastanievej",
    "Granvej",
    "Rønnebærvej",
    "Hybenvej",
    "Syrenvej",
    "Tjørnevej",
    "Elmevej",
    "Pilevej",
    "Poppelvej",
    "Nøddevej",
    "Æblevej",
    "Kirsebærvej",
    "Rosenvej",
    "Liljevej",
    "Violvej",
    "Valmuevej",
    "Fasanvej",
    "Vibevej",
    "Lærkevej",
    "Drosselvej",
    "Solsortevej",
    "Mågevej",
    "Svanevej",
    "Spurvevej",
    "Højvangen",
    "Vænget",
    "Toften",
    "Agervej",
    "Markvej",
    "Grønnegade",
    "Nygade",
    "Tværgade",
    "Ringvej",
    "Enghavevej",
    "Ålykken",
    "Kongensgade",
    "Søvej",
    "Åbrinken",
];

/// Real postal codes of Region Midtjylland (Randers, Aarhus, Hedensted and
/// surroundings).
const POSTAL_CODES: &[(&str, &str)] = &[
    ("8900", "Randers C"),
    ("8920", "Randers NV"),
    ("8930", "Randers NØ"),
    ("8940", "Randers SV"),
    ("8960", "Randers SØ"),
    ("8870", "Langå"),
    ("8950", "Ørsted"),
    ("8963", "Auning"),
    ("8981", "Spentrup"),
    ("8370", "Hadsten"),
    ("8382", "Hinnerup"),
    ("8450", "Hammel"),
    ("8850", "Bjerringbro"),
    ("8800", "Viborg"),
    ("8600", "Silkeborg"),
    ("8680", "Ry"),
    ("8660", "Skanderborg"),
    ("8000", "Aarhus C"),
    ("8200", "Aarhus N"),
    ("8210", "Aarhus V"),
    ("8260", "Viby J"),
    ("8300", "Odder"),
    ("8400", "Ebeltoft"),
    ("8410", "Rønde"),
    ("8500", "Grenaa"),
    ("8700", "Horsens"),
    ("8722", "Hedensted"),
    ("8723", "Løsning"),
    ("8740", "Brædstrup"),
    ("8781", "Stenderup"),
    ("7130", "Juelsminde"),
    ("7160", "Tørring"),
    ("7400", "Herning"),
    ("7430", "Ikast"),
];

/// Reserved for examples (RFC 2606): nothing is ever delivered there.
const EMAIL_DOMAINS: &[&str] = &["example.com", "example.net", "example.org"];

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashSet;
    use tvaers_domain::Cpr;

    fn is_female_name(first: &str) -> bool {
        [FEMALE_OLD, FEMALE_MID, FEMALE_YOUNG]
            .iter()
            .any(|l| l.contains(&first))
    }

    fn is_male_name(first: &str) -> bool {
        [MALE_OLD, MALE_MID, MALE_YOUNG]
            .iter()
            .any(|l| l.contains(&first))
    }

    #[test]
    fn deterministic() {
        for seed in [0, 1, 42, u64::MAX] {
            for i in [0, 1, 2, 999, 1_999_999, 1 << 30] {
                assert_eq!(citizen(seed, i), citizen(seed, i));
                assert_eq!(staff_name(seed, i), staff_name(seed, i));
                assert_eq!(DemoCitizen::new(seed, i).data, citizen(seed, i));
            }
        }
        // Different seeds give different populations.
        let a: Vec<_> = (0..50).map(|i| citizen(1, i).cpr).collect();
        let b: Vec<_> = (0..50).map(|i| citizen(2, i).cpr).collect();
        assert_ne!(a, b);
    }

    #[test]
    fn first_candidate_always_parses_and_cprs_are_unique() {
        for seed in [0, 7, 20_260_101] {
            let mut seen = HashSet::new();
            for i in 0..20_000 {
                let input = candidate(seed, i, 0);
                let data = match CitizenData::parse(&input) {
                    Ok(d) => d,
                    Err(e) => panic!("seed {seed} index {i}: {e} ({input:?})"),
                };
                assert_eq!(data, citizen(seed, i));
                assert!(seen.insert(data.cpr.digits()), "duplicate CPR at {i}");
                assert!(data.relatives.len() <= 2);
            }
        }
    }

    #[test]
    fn cprs_unique_and_valid_for_two_million_indices() {
        let seed = 12_345;
        let mut all: Vec<u64> = Vec::with_capacity(2_000_000);
        for i in 0..2_000_000 {
            let id = identity(seed, i);
            let cpr = match Cpr::parse(&id.cpr) {
                Ok(c) => c,
                Err(e) => panic!("index {i}: {e}"),
            };
            assert_eq!(cpr.birth_date(), id.birth);
            assert_eq!(cpr.is_male(), id.male);
            all.push(
                id.cpr
                    .bytes()
                    .filter(u8::is_ascii_digit)
                    .fold(0, |n, d| n * 10 + u64::from(d - b'0')),
            );
        }
        all.sort_unstable();
        let before = all.len();
        all.dedup();
        assert_eq!(all.len(), before, "duplicate CPR numbers");
    }

    #[test]
    fn permutation_is_a_bijection() {
        for seed in [0, 99] {
            let mut seen = vec![0u64; (DOMAIN / 64) as usize];
            for x in 0..DOMAIN {
                let p = permute(seed, x);
                assert!(p < DOMAIN);
                let (w, b) = ((p / 64) as usize, p % 64);
                assert_eq!(seen[w] & (1 << b), 0, "collision at {x}");
                seen[w] |= 1 << b;
            }
        }
    }

    #[test]
    fn every_band_fits() {
        assert_eq!(BANDS.iter().map(|b| b.per_mille).sum::<u64>(), 1000);
        let gcd = |mut a: u64, mut b: u64| {
            while b != 0 {
                (a, b) = (b, a % b);
            }
            a
        };
        assert_eq!(gcd(SERIAL_MULT, SERIALS_PER_DAY), 1);
        let mut start = 0;
        let mut cum = 0;
        for (i, band) in BANDS.iter().enumerate() {
            cum += band.per_mille;
            let end = DOMAIN * cum / 1000;
            let slots = (end - start).div_ceil(band.days());
            assert!(
                slots <= SERIALS_PER_DAY,
                "band {i} needs {slots} serials a day"
            );
            start = end;
            // Every year of the band has at least four 7th digits for its century.
            for year in band.first.year()..=band.last.year() {
                assert!(century_digits(year).count() >= 4, "year {year}");
            }
            if i > 0 {
                assert!(band.last < BANDS[i - 1].first, "bands overlap");
            }
        }
        assert_eq!(start, DOMAIN);
    }

    #[test]
    fn sex_digit_matches_given_name() {
        for i in 0..20_000 {
            let c = citizen(3, i);
            for first in c.given_name.split(' ') {
                if c.cpr.is_male() {
                    assert!(is_male_name(first), "{} is not a male name", c.given_name);
                } else {
                    assert!(
                        is_female_name(first),
                        "{} is not a female name",
                        c.given_name
                    );
                }
            }
        }
    }

    #[test]
    fn name_lists_are_disjoint_and_sized() {
        let female: HashSet<&str> = [FEMALE_OLD, FEMALE_MID, FEMALE_YOUNG]
            .concat()
            .into_iter()
            .collect();
        let male: HashSet<&str> = [MALE_OLD, MALE_MID, MALE_YOUNG]
            .concat()
            .into_iter()
            .collect();
        assert!(female.is_disjoint(&male));
        assert!(female.len() >= 100 && male.len() >= 100);
        let surnames: HashSet<&str> = SURNAMES.iter().copied().collect();
        assert_eq!(surnames.len(), SURNAMES.len());
        assert!(SURNAMES.len() >= 115);
        assert!(STREETS.len() >= 60);
        assert!(POSTAL_CODES.len() >= 25);
    }

    #[test]
    fn age_distribution_is_plausible() {
        let n = 20_000;
        let ages: Vec<i32> = (0..n)
            .map(|i| age_at_reference(citizen(5, i).cpr.birth_date()))
            .collect();
        assert!(ages.iter().all(|a| (0..=100).contains(a)));
        let share =
            |f: &dyn Fn(i32) -> bool| ages.iter().filter(|a| f(**a)).count() * 100 / ages.len();
        let children = share(&|a| a < 18);
        let working = share(&|a| (18..65).contains(&a));
        let elderly = share(&|a| a >= 65);
        let very_old = share(&|a| a >= 90);
        assert!((8..=16).contains(&children), "children {children}%");
        assert!((18..=28).contains(&working), "working age {working}%");
        assert!((58..=72).contains(&elderly), "65+ {elderly}%");
        assert!(very_old >= 5, "90+ {very_old}%");
    }

    #[test]
    fn contact_details_look_danish() {
        let mut with_phone = 0;
        let mut with_email = 0;
        let mut double_surname = 0;
        for i in 0..5_000 {
            let c = citizen(11, i);
            if let Some(p) = &c.phone {
                with_phone += 1;
                assert_eq!(p.len(), 11, "{p}");
                assert!(
                    p.split(' ')
                        .all(|g| g.len() == 2 && g.bytes().all(|b| b.is_ascii_digit()))
                );
            }
            if let Some(e) = &c.email {
                with_email += 1;
                assert!(e.is_ascii() && e.contains("@example."), "{e}");
            }
            if c.family_name.contains([' ', '-']) {
                double_surname += 1;
            }
            let pc = c.postal_code.as_deref().unwrap_or_default();
            assert!(
                POSTAL_CODES
                    .iter()
                    .any(|(code, city)| *code == pc && Some(*city) == c.city.as_deref())
            );
            assert!(c.address.is_some());
            let age = age_at_reference(c.cpr.birth_date());
            if age < 18 {
                assert!(!c.relatives.is_empty());
                assert!(
                    c.relatives
                        .iter()
                        .all(|r| r.relation == "mor" || r.relation == "far")
                );
            }
        }
        assert!(with_phone > 3_500, "{with_phone}");
        assert!((1_000..4_000).contains(&with_email), "{with_email}");
        assert!(double_surname > 300, "{double_surname}");
    }

    #[test]
    fn staff_names_are_varied() {
        let names: HashSet<String> = (0..200).map(|i| staff_name(1, i)).collect();
        assert!(names.len() > 180);
        assert!(names.iter().all(|n| n.split(' ').count() >= 2));
    }
}
