//! Charts rendered on the server as SVG with `plotters` (its SVG backend needs
//! no fonts or native libraries: text is left to the browser). Every chart is
//! shown beside a data table with the same numbers, for screen readers and print.
//!
//! Nothing a user typed is drawn into an SVG: titles and labels live in the
//! surrounding HTML, where the template engine escapes them.

use plotters::prelude::*;
use time::OffsetDateTime;
use tvaers_app::measurements::GoalProgress;
use tvaers_domain::measure::Trend;
use tvaers_domain::scale::Scale;

/// Colours of the direction of a trend (WCAG-contrast on white).
pub fn trend_colour(t: Trend) -> RGBColor {
    match t {
        Trend::Improving => RGBColor(0x1a, 0x7f, 0x37),
        Trend::Worsening => RGBColor(0xb3, 0x1d, 0x28),
        Trend::Stable | Trend::Unknown => RGBColor(0x1f, 0x4e, 0x8c),
    }
}

const GREY: RGBColor = RGBColor(0x6b, 0x6b, 0x6b);
const FAINT: RGBColor = RGBColor(0xd0, 0xd0, 0xd0);

fn day_of(t: OffsetDateTime) -> f64 {
    t.unix_timestamp() as f64 / 86_400.0
}

fn date_label(day: f64) -> String {
    OffsetDateTime::from_unix_timestamp((day * 86_400.0) as i64)
        .map(|t| {
            let d = tvaers_app::meetings::to_local(t).date();
            format!(
                "{:02}.{:02}.{}",
                d.day(),
                u8::from(d.month()),
                d.year() % 100
            )
        })
        .unwrap_or_default()
}

/// The y range of a goal's chart: the scale's bounds, or the data, baseline
/// and target with a margin.
fn y_range(p: &GoalProgress) -> (f64, f64) {
    if let Some((lo, hi)) = p.goal.scale.bounds() {
        return (lo, hi);
    }
    let mut vals: Vec<f64> = p.series.iter().map(|(_, v)| *v).collect();
    vals.extend(p.goal.baseline);
    vals.extend(p.goal.target);
    let lo = vals.iter().copied().fold(f64::INFINITY, f64::min);
    let hi = vals.iter().copied().fold(f64::NEG_INFINITY, f64::max);
    if !lo.is_finite() || !hi.is_finite() {
        return (0.0, 1.0);
    }
    let pad = ((hi - lo) * 0.15).max(1.0);
    (lo - pad, hi + pad)
}

/// A goal's trend with its baseline (grey, dashed) and target (green, dashed).
/// `small` draws a sparkline for the plan overview (no axes).
pub fn goal_chart(p: &GoalProgress, small: bool) -> String {
    let (w, h) = if small {
        (160u32, 44u32)
    } else {
        (640u32, 260u32)
    };
    let mut svg = String::new();
    if draw_goal(&mut svg, p, w, h, small).is_err() {
        return String::new();
    }
    accessible(
        svg,
        if small {
            "Lille graf over målingerne"
        } else {
            "Graf over målingerne"
        },
    )
}

fn draw_goal(
    out: &mut String,
    p: &GoalProgress,
    w: u32,
    h: u32,
    small: bool,
) -> Result<(), Box<dyn std::error::Error>> {
    let root = SVGBackend::with_string(out, (w, h)).into_drawing_area();
    root.fill(&WHITE)?;
    let (ylo, yhi) = y_range(p);
    let days: Vec<f64> = p.series.iter().map(|(t, _)| day_of(*t)).collect();
    let (x0, x1) = match (days.first(), days.last()) {
        (Some(a), Some(b)) if b > a => (*a - (b - a) * 0.05, *b + (b - a) * 0.05),
        (Some(a), _) => (*a - 7.0, *a + 7.0),
        _ => {
            let now = day_of(OffsetDateTime::now_utc());
            (now - 30.0, now)
        }
    };
    let mut builder = ChartBuilder::on(&root);
    if small {
        builder.margin(3);
    } else {
        builder
            .margin(12)
            .x_label_area_size(28)
            .y_label_area_size(44);
    }
    let mut chart = builder.build_cartesian_2d(x0..x1, ylo..yhi)?;
    if !small {
        let scale = p.goal.scale.clone();
        let integer = matches!(scale, Scale::Fsiii | Scale::Gas | Scale::Ordinal { .. });
        let y_fmt = move |v: &f64| {
            if integer && v.fract().abs() > 1e-9 {
                String::new()
            } else if integer {
                format!("{v:.0}")
            } else {
                tvaers_domain::scale::format_number(*v)
            }
        };
        chart
            .configure_mesh()
            .light_line_style(FAINT.mix(0.4))
            .bold_line_style(FAINT)
            .x_labels(6)
            .y_labels(if integer { (yhi - ylo) as usize + 1 } else { 6 })
            .x_label_formatter(&|d| date_label(*d))
            .y_label_formatter(&y_fmt)
            .label_style(("sans-serif", 12).into_font().color(&GREY))
            .draw()?;
    }
    let dashed = |y: f64, colour: RGBColor| {
        DashedLineSeries::new(
            vec![(x0, y), (x1, y)],
            6,
            4,
            colour.stroke_width(if small { 1 } else { 2 }),
        )
    };
    if let Some(b) = p.goal.baseline {
        chart.draw_series(dashed(b, GREY))?;
    }
    if let Some(t) = p.goal.target {
        chart.draw_series(dashed(t, RGBColor(0x1a, 0x7f, 0x37)))?;
    }
    let colour = trend_colour(p.trend);
    let points: Vec<(f64, f64)> = days
        .iter()
        .zip(&p.series)
        .map(|(d, (_, v))| (*d, *v))
        .collect();
    chart.draw_series(LineSeries::new(
        points.clone(),
        colour.stroke_width(if small { 2 } else { 3 }),
    ))?;
    chart.draw_series(
        points
            .iter()
            .map(|(x, y)| Circle::new((*x, *y), if small { 2 } else { 4 }, colour.filled())),
    )?;
    root.present()?;
    Ok(())
}

/// Bars: one per label, with a value each (e.g. share of citizens in %).
pub fn bar_chart(values: &[(String, Option<f64>)], max: f64, colour: RGBColor) -> String {
    let mut svg = String::new();
    let n = values.len().max(1);
    let w = (60 * n as u32).clamp(240, 720);
    let draw = |out: &mut String| -> Result<(), Box<dyn std::error::Error>> {
        let root = SVGBackend::with_string(out, (w, 220)).into_drawing_area();
        root.fill(&WHITE)?;
        let mut chart = ChartBuilder::on(&root)
            .margin(10)
            .x_label_area_size(24)
            .y_label_area_size(40)
            .build_cartesian_2d(0f64..n as f64, 0f64..max.max(1.0))?;
        chart
            .configure_mesh()
            .disable_x_mesh()
            .light_line_style(FAINT.mix(0.4))
            .bold_line_style(FAINT)
            .x_labels(n)
            .x_label_formatter(&|x| {
                let i = x.floor() as usize;
                if (x - x.floor() - 0.5).abs() < 0.01 {
                    values.get(i).map(|(l, _)| short(l)).unwrap_or_default()
                } else {
                    String::new()
                }
            })
            .label_style(("sans-serif", 11).into_font().color(&GREY))
            .draw()?;
        chart.draw_series(values.iter().enumerate().filter_map(|(i, (_, v))| {
            v.map(|v| {
                Rectangle::new(
                    [(i as f64 + 0.15, 0.0), (i as f64 + 0.85, v)],
                    colour.filled(),
                )
            })
        }))?;
        root.present()?;
        Ok(())
    };
    if draw(&mut svg).is_err() {
        return String::new();
    }
    accessible(svg, "Søjlediagram; tallene står i tabellen")
}

/// A time series as a line (e.g. citizens in a target group per month).
pub fn line_chart(points: &[(OffsetDateTime, Option<f64>)]) -> String {
    let mut svg = String::new();
    let shown: Vec<(f64, f64)> = points
        .iter()
        .filter_map(|(t, v)| v.map(|v| (day_of(*t), v)))
        .collect();
    let draw = |out: &mut String| -> Result<(), Box<dyn std::error::Error>> {
        let root = SVGBackend::with_string(out, (640, 220)).into_drawing_area();
        root.fill(&WHITE)?;
        let x0 = points.first().map(|p| day_of(p.0)).unwrap_or(0.0);
        let x1 = points
            .last()
            .map(|p| day_of(p.0))
            .unwrap_or(1.0)
            .max(x0 + 1.0);
        let ymax = shown.iter().map(|p| p.1).fold(1.0, f64::max) * 1.15;
        let mut chart = ChartBuilder::on(&root)
            .margin(12)
            .x_label_area_size(28)
            .y_label_area_size(48)
            .build_cartesian_2d(x0..x1, 0f64..ymax)?;
        chart
            .configure_mesh()
            .light_line_style(FAINT.mix(0.4))
            .bold_line_style(FAINT)
            .x_labels(6)
            .x_label_formatter(&|d| date_label(*d))
            .y_label_formatter(&|v| format!("{v:.0}"))
            .label_style(("sans-serif", 12).into_font().color(&GREY))
            .draw()?;
        let colour = RGBColor(0x1f, 0x4e, 0x8c);
        chart.draw_series(LineSeries::new(shown.clone(), colour.stroke_width(3)))?;
        chart.draw_series(
            shown
                .iter()
                .map(|(x, y)| Circle::new((*x, *y), 4, colour.filled())),
        )?;
        root.present()?;
        Ok(())
    };
    if draw(&mut svg).is_err() {
        return String::new();
    }
    accessible(svg, "Kurve over tid; tallene står i tabellen")
}

fn short(label: &str) -> String {
    let mut s: String = label.chars().take(14).collect();
    if label.chars().count() > 14 {
        s.push('…');
    }
    // Labels come from code lists (statuses, areas), never from user text;
    // escape anyway, since they end up inside SVG markup.
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
}

/// Marks the SVG as an image with a label (the data table carries the numbers).
fn accessible(svg: String, label: &str) -> String {
    svg.replacen(
        "<svg ",
        &format!("<svg role=\"img\" aria-label=\"{label}\" class=\"chart\" "),
        1,
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::datetime;
    use tvaers_domain::ids::{CitizenId, GoalId, PlanId};
    use tvaers_domain::plan::{Goal, GoalStatus};

    fn progress(series: Vec<(OffsetDateTime, f64)>, trend: Trend) -> GoalProgress {
        GoalProgress {
            plan_id: PlanId::new(),
            citizen_id: CitizenId::new(),
            goal: Goal {
                id: GoalId::new(),
                text: "<script>".into(),
                area: None,
                scale: Scale::Fsiii,
                baseline: Some(3.0),
                target: Some(1.0),
                deadline: None,
                status: GoalStatus::Active,
                workers: vec![],
            },
            measurements: vec![],
            superseded: vec![],
            latest: series.last().map(|s| s.1),
            series,
            trend,
        }
    }

    #[test]
    fn goal_chart_is_svg_with_trend_colour_and_no_user_text() {
        let p = progress(
            vec![
                (datetime!(2026-01-10 10:00 UTC), 3.0),
                (datetime!(2026-03-01 10:00 UTC), 1.0),
            ],
            Trend::Improving,
        );
        let svg = goal_chart(&p, false);
        assert!(svg.starts_with("<svg role=\"img\""));
        assert!(svg.contains("#1A7F37") || svg.contains("#1a7f37"));
        assert!(!svg.contains("<script>"));
        assert!(
            svg.contains(".26<") || svg.contains(".26\n"),
            "a dd.mm.yy date label"
        );
        let empty = goal_chart(&progress(vec![], Trend::Unknown), true);
        assert!(empty.contains("<svg"));
    }

    #[test]
    fn bar_and_line_charts_render() {
        let bars = bar_chart(
            &[("Opnået".into(), Some(40.0)), ("Skjult".into(), None)],
            100.0,
            RGBColor(0, 0, 0),
        );
        assert!(bars.contains("<rect"));
        let line = line_chart(&[
            (datetime!(2026-01-31 0:00 UTC), Some(12.0)),
            (datetime!(2026-02-28 0:00 UTC), None),
        ]);
        assert!(line.contains("<svg"));
    }
}
