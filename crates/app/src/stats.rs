//! Statistics a leader can act on (`/statistik`): goal outcomes, change in
//! functional level, GAS T-scores, a target group over time and caseloads —
//! every figure with its N, small cells suppressed.
//!
//! Results are cached per query and served from the cache only while the
//! database's `stats_generation` is unchanged, so a cached answer is always
//! exactly what recomputing would give.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use serde::{Deserialize, Serialize};
use time::{Date, OffsetDateTime};
use tvaers_domain::Actor;
use tvaers_domain::ValidationErrors;
use tvaers_domain::case::{CaseArea, Caseload};
use tvaers_domain::ids::UnitId;
use tvaers_domain::plan::GoalStatus;
use tvaers_domain::stats::{AGE_BANDS, Cell, Period, birth_range, suppress, suppress_row};
use tvaers_domain::terminology::{fsiii_display, fsiii_main_area};
use tvaers_store::StatsFilter;

use crate::meetings::local_midnight;
use crate::policy::{Action, Resource};
use crate::{App, AppResult};
use tvaers_domain::case::parse_date;

/// A statistics query as typed in the filter form or the API's query string.
#[derive(Debug, Clone, Default, Deserialize, utoipa::ToSchema, utoipa::IntoParams)]
pub struct StatsQuery {
    /// `YYYY-MM-DD`; default: one year before `to`.
    #[serde(default)]
    pub from: Option<String>,
    /// `YYYY-MM-DD`; default: today.
    #[serde(default)]
    pub to: Option<String>,
    /// Unit id: citizens with a case of the unit open in the period.
    #[serde(default)]
    pub unit: Option<String>,
    /// FSIII area or sub-area code (e.g. `J3` or `J3.8`).
    #[serde(default)]
    pub area: Option<String>,
    /// Intervention type (its legal basis, e.g. `SEL § 83a`).
    #[serde(default)]
    pub intervention: Option<String>,
    /// Case area code (e.g. `genoptraening`).
    #[serde(default)]
    pub case_area: Option<String>,
    /// Age band (`0-17`, `18-29`, `30-49`, `50-66`, `67-79`, `80+`).
    #[serde(default)]
    pub age: Option<String>,
}

fn text(v: &Option<String>) -> Option<String> {
    v.as_deref()
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(str::to_string)
}

impl StatsQuery {
    /// The filter the store counts with, or Danish messages for bad input.
    pub fn to_filter(&self, today: Date) -> Result<StatsFilter, ValidationErrors> {
        let mut e = ValidationErrors::new();
        let to = match text(&self.to) {
            Some(raw) => parse_date(&mut e, "to", "Slutdatoen", &raw),
            None => Some(today),
        };
        let from = match text(&self.from) {
            Some(raw) => parse_date(&mut e, "from", "Startdatoen", &raw),
            None => to.map(|t| {
                t.replace_year(t.year() - 1)
                    .unwrap_or(t)
                    .next_day()
                    .unwrap_or(t)
            }),
        };
        let unit_id = match text(&self.unit) {
            Some(raw) => match raw.parse::<uuid::Uuid>() {
                Ok(u) => Some(UnitId(u)),
                Err(_) => {
                    e.add("unit", "Vælg en enhed fra listen.");
                    None
                }
            },
            None => None,
        };
        let area = text(&self.area).map(|a| a.strip_prefix("fsiii:").unwrap_or(&a).to_string());
        if let Some(a) = &area
            && fsiii_display(a).is_none()
        {
            e.add("area", "Vælg et FSIII-område fra listen.");
        }
        let case_area = match text(&self.case_area) {
            Some(raw) => {
                let a = CaseArea::from_code(&raw);
                if a.is_none() {
                    e.add("case_area", "Vælg et sagsområde fra listen.");
                }
                a
            }
            None => None,
        };
        let age = text(&self.age);
        if let Some(a) = &age
            && !AGE_BANDS.iter().any(|b| b.0 == a)
        {
            e.add("age", "Vælg en aldersgruppe fra listen.");
        }
        let intervention = text(&self.intervention);
        if intervention
            .as_ref()
            .is_some_and(|i| i.chars().count() > 200)
        {
            e.add("intervention", "Indsatstypen er for lang.");
        }
        let (Some(from), Some(to)) = (from, to) else {
            return Err(e);
        };
        let period = match Period::new(from, to) {
            Ok(p) => Some(p),
            Err(more) => {
                e.fields.extend(more.fields);
                None
            }
        };
        let Some(period) = period else { return Err(e) };
        e.into_result(())?;
        Ok(StatsFilter {
            from: period.from,
            to: period.to,
            from_ts: local_midnight(period.from),
            until_ts: local_midnight(period.to.next_day().unwrap_or(period.to)),
            unit_id,
            case_area,
            legal_basis: intervention,
            born_between: age.and_then(|a| birth_range(&a, period.to)),
            area,
        })
    }
}

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct OutcomeRow {
    /// Goal status code (`achieved`, `partly`, `not_achieved`, `active`, `dropped`).
    pub status: String,
    pub label: String,
    pub goals: Cell,
    pub citizens: Cell,
    /// Share of all goals due in the period, in per cent (absent when suppressed).
    pub percent: Option<f64>,
}

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct FunctionalRow {
    /// FSIII area code; absent for the total over all areas.
    pub area_code: Option<String>,
    pub label: String,
    /// Citizens with at least two measurements of the area in the period.
    pub n: Cell,
    pub improved: Cell,
    pub same: Cell,
    pub worsened: Cell,
    pub improved_percent: Option<f64>,
    pub same_percent: Option<f64>,
    pub worsened_percent: Option<f64>,
}

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct MonthRow {
    #[schema(value_type = String, format = Date)]
    pub month_end: Date,
    pub citizens: Cell,
}

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct CaseloadUnit {
    pub unit_id: UnitId,
    pub unit_name: String,
    pub workers: Vec<Caseload>,
    pub total: i64,
    pub min: i64,
    pub median: f64,
    pub max: i64,
}

/// Every statistic for one query.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct Statistics {
    #[schema(value_type = String, format = Date)]
    pub from: Date,
    #[schema(value_type = String, format = Date)]
    pub to: Date,
    /// Counts from 1 to `min_cell − 1` are suppressed.
    pub min_cell: i64,
    /// Goals with a deadline in the period, by status.
    pub goal_outcomes: Vec<OutcomeRow>,
    pub goals_due: Cell,
    /// First vs. latest FSIII functional level in the period (lower is better).
    pub functional: Vec<FunctionalRow>,
    /// Citizens with a GAS score in the period.
    pub gas_citizens: Cell,
    /// Mean of the citizens' GAS T-scores (absent when suppressed or none).
    pub gas_mean_t: Option<f64>,
    /// Citizens with an open case of the filter's case area and unit at each month's end.
    pub target_group: Vec<MonthRow>,
    /// Open cases per worker, per unit (today; not suppressed — see docs/STATISTICS.md).
    pub caseloads: Vec<CaseloadUnit>,
}

/// Cached answers by query, valid for one stats generation.
#[derive(Default)]
pub(crate) struct StatsCache {
    entries: Mutex<HashMap<String, (i64, Arc<Statistics>)>>,
    /// The intervention types of the filter form: every page view lists them,
    /// and reading them scans all interventions.
    types: Mutex<Option<(i64, Vec<String>)>>,
}

const CACHE_ENTRIES: usize = 256;

impl StatsCache {
    fn get(&self, key: &str, generation: i64) -> Option<Arc<Statistics>> {
        let map = self.entries.lock().ok()?;
        map.get(key)
            .filter(|(g, _)| *g == generation)
            .map(|(_, s)| s.clone())
    }

    fn put(&self, key: String, generation: i64, s: Arc<Statistics>) {
        if let Ok(mut map) = self.entries.lock() {
            if map.len() >= CACHE_ENTRIES {
                map.retain(|_, (g, _)| *g == generation);
                if map.len() >= CACHE_ENTRIES {
                    map.clear();
                }
            }
            map.insert(key, (generation, s));
        }
    }
}

fn pct(c: Cell, total: Cell) -> Option<f64> {
    c.percent_of(total)
}

fn area_label(code: &str) -> String {
    match (fsiii_display(code), fsiii_main_area(code)) {
        (Some(d), Some(main)) if main.code != code => format!("{} › {d} ({code})", main.display),
        (Some(d), _) => format!("{d} ({code})"),
        _ => code.to_string(),
    }
}

impl App {
    /// All statistics for a query (leaders only). `fresh` bypasses the cache
    /// (used by tests and benchmarks to measure the cold path).
    pub async fn statistics(
        &self,
        actor: &Actor,
        q: &StatsQuery,
        fresh: bool,
    ) -> AppResult<Arc<Statistics>> {
        self.authorize(
            actor,
            Action::Read,
            Resource::Statistics,
            "statistics",
            None,
        )
        .await?;
        let today = crate::meetings::to_local(OffsetDateTime::now_utc()).date();
        let f = q.to_filter(today)?;
        let key = format!("{f:?}");
        let generation = self.store.stats_generation().await?;
        if !fresh && let Some(hit) = self.stats_cache.get(&key, generation) {
            return Ok(hit);
        }
        let s = Arc::new(self.compute_statistics(&f).await?);
        self.stats_cache.put(key, generation, s.clone());
        Ok(s)
    }

    async fn compute_statistics(&self, f: &StatsFilter) -> AppResult<Statistics> {
        let min = self.settings.stats_min_cell.max(1);
        let month_ends = Period {
            from: f.from,
            to: f.to,
        }
        .month_ends();
        let (outcomes, functional, gas, months, caseloads) = tokio::try_join!(
            self.store.stats_goal_outcomes(f),
            self.store.stats_functional_change(f),
            self.store.stats_gas(f),
            self.store.stats_target_group(f, &month_ends),
            self.caseload_units(f.unit_id),
        )?;

        // Goals due in the period, in a fixed order of statuses.
        let order = [
            GoalStatus::Achieved,
            GoalStatus::PartlyAchieved,
            GoalStatus::NotAchieved,
            GoalStatus::Active,
            GoalStatus::Dropped,
        ];
        let counts: Vec<(i64, i64)> = order
            .iter()
            .map(|s| {
                outcomes
                    .iter()
                    .find(|o| o.status == s.code())
                    .map(|o| (o.goals, o.citizens))
                    .unwrap_or((0, 0))
            })
            .collect();
        let total: i64 = counts.iter().map(|c| c.0).sum();
        let goal_counts: Vec<i64> = counts.iter().map(|c| c.0).collect();
        let (goals_due, mut goal_cells) = suppress_row(total, &goal_counts, min);
        // A status is also hidden when it concerns few citizens, however many goals.
        for (cell, (_, citizens)) in goal_cells.iter_mut().zip(&counts) {
            if suppress(*citizens, min) == Cell::Suppressed {
                *cell = Cell::Suppressed;
            }
        }
        let goal_outcomes = order
            .iter()
            .zip(goal_cells)
            .zip(&counts)
            .map(|((s, goals), (_, citizens))| OutcomeRow {
                status: s.code().to_string(),
                label: s.label().to_string(),
                goals,
                citizens: if goals == Cell::Suppressed {
                    Cell::Suppressed
                } else {
                    suppress(*citizens, min)
                },
                percent: pct(goals, goals_due),
            })
            .collect();

        // Functional level per area, the total last.
        let mut functional: Vec<FunctionalRow> = functional
            .into_iter()
            .map(|c| {
                let n = c.improved + c.same + c.worsened;
                let (n, cells) = suppress_row(n, &[c.improved, c.same, c.worsened], min);
                let label = match &c.area_code {
                    Some(code) => area_label(code),
                    None => "Alle områder (borgerens samlede ændring)".to_string(),
                };
                FunctionalRow {
                    area_code: c.area_code,
                    label,
                    n,
                    improved: cells[0],
                    same: cells[1],
                    worsened: cells[2],
                    improved_percent: pct(cells[0], n),
                    same_percent: pct(cells[1], n),
                    worsened_percent: pct(cells[2], n),
                }
            })
            .filter(|r| r.area_code.is_some() || r.n != Cell::Count { n: 0 })
            .collect();
        functional.sort_by(|a, b| match (&a.area_code, &b.area_code) {
            (None, _) => std::cmp::Ordering::Greater,
            (_, None) => std::cmp::Ordering::Less,
            (Some(x), Some(y)) => natural_code(x).cmp(&natural_code(y)),
        });

        // GAS: each citizen's T-score over their goals, then the cohort's mean.
        let scores: Vec<f64> = gas
            .iter()
            .filter_map(|g| t_unweighted(g.sum, g.goals as f64))
            .collect();
        let gas_citizens = suppress(scores.len() as i64, min);
        let gas_mean_t = match gas_citizens {
            Cell::Count { n } if n > 0 => Some(scores.iter().sum::<f64>() / n as f64),
            _ => None,
        };

        let target_group = months
            .into_iter()
            .map(|(month_end, n)| MonthRow {
                month_end,
                citizens: suppress(n, min),
            })
            .collect();

        Ok(Statistics {
            from: f.from,
            to: f.to,
            min_cell: min,
            goal_outcomes,
            goals_due,
            functional,
            gas_citizens,
            gas_mean_t,
            target_group,
            caseloads,
        })
    }

    /// Open cases per worker, grouped by the worker's units.
    async fn caseload_units(
        &self,
        only: Option<UnitId>,
    ) -> tvaers_store::Result<Vec<CaseloadUnit>> {
        let units = self.store.list_units().await?;
        let all = self.store.caseloads_by_unit().await?;
        let mut out = Vec::new();
        for u in units.iter().filter(|u| only.is_none_or(|o| o == u.id)) {
            let mut workers: Vec<Caseload> = all
                .iter()
                .filter(|(unit, _)| *unit == u.id)
                .map(|(_, c)| c.clone())
                .collect();
            if workers.is_empty() {
                continue;
            }
            workers.sort_by(|a, b| {
                b.open_cases
                    .cmp(&a.open_cases)
                    .then(a.full_name.cmp(&b.full_name))
            });
            let mut counts: Vec<i64> = workers.iter().map(|w| w.open_cases).collect();
            counts.sort_unstable();
            let median = match counts.len() {
                0 => 0.0,
                n if n % 2 == 1 => counts[n / 2] as f64,
                n => (counts[n / 2 - 1] + counts[n / 2]) as f64 / 2.0,
            };
            out.push(CaseloadUnit {
                unit_id: u.id,
                unit_name: u.name.clone(),
                total: counts.iter().sum(),
                min: counts.first().copied().unwrap_or(0),
                max: counts.last().copied().unwrap_or(0),
                median,
                workers,
            });
        }
        Ok(out)
    }

    /// Legal bases in use, for the "intervention type" filter (cached while
    /// the stats generation is unchanged: plan saves bump it).
    pub async fn intervention_types(&self, actor: &Actor) -> AppResult<Vec<String>> {
        self.authorize(
            actor,
            Action::Read,
            Resource::Statistics,
            "statistics",
            None,
        )
        .await?;
        let generation = self.store.stats_generation().await?;
        if let Ok(cached) = self.stats_cache.types.lock()
            && let Some((g, types)) = cached.as_ref()
            && *g == generation
        {
            return Ok(types.clone());
        }
        let types = self.store.intervention_types().await?;
        if let Ok(mut cached) = self.stats_cache.types.lock() {
            *cached = Some((generation, types.clone()));
        }
        Ok(types)
    }
}

/// The unweighted GAS T-score from a citizen's sum of scores over `n` goals:
/// with unit weights Σwx = sum, Σw² = Σw = n.
fn t_unweighted(sum: f64, n: f64) -> Option<f64> {
    let denom =
        ((1.0 - tvaers_domain::stats::GAS_RHO) * n + tvaers_domain::stats::GAS_RHO * n * n).sqrt();
    (denom > 0.0).then(|| 50.0 + 10.0 * sum / denom)
}

/// `J3.10` after `J3.9`.
fn natural_code(code: &str) -> Vec<u32> {
    code.trim_start_matches(|c: char| c.is_ascii_alphabetic())
        .split('.')
        .map(|p| p.parse().unwrap_or(0))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use tvaers_domain::stats::gas_t_score;

    #[test]
    fn unweighted_t_matches_the_general_formula() {
        for (xs, _) in [
            (vec![1.0, 2.0], ()),
            (vec![-2.0], ()),
            (vec![0.0, 1.0, -1.0, 2.0], ()),
        ] {
            let general = gas_t_score(&xs.iter().map(|x| (*x, 1.0)).collect::<Vec<_>>());
            let fast = t_unweighted(xs.iter().sum(), xs.len() as f64);
            assert!((general.unwrap() - fast.unwrap()).abs() < 1e-9);
        }
    }

    #[test]
    fn query_validation_is_danish() {
        let today = time::macros::date!(2026 - 06 - 30);
        let q = StatsQuery {
            from: Some("2026-05-01".into()),
            to: Some("2026-04-01".into()),
            ..Default::default()
        };
        let e = q.to_filter(today).unwrap_err();
        assert!(e.for_field("to").unwrap().contains("før"));
        let q = StatsQuery {
            age: Some("12-13".into()),
            area: Some("X9".into()),
            ..Default::default()
        };
        let e = q.to_filter(today).unwrap_err();
        assert!(e.for_field("age").is_some() && e.for_field("area").is_some());
        let f = StatsQuery::default().to_filter(today).unwrap();
        assert_eq!(f.from, time::macros::date!(2025 - 07 - 01));
        assert!(natural_code("J3.10") > natural_code("J3.9"));
    }
}
