//! The charts as pictures, for people who would rather look than read: a stacked bar chart in SVG
//! (`render`), what it shows for each report (kg CO2e saved per month, stacked by category; devices
//! sold and lent and SIMs given per month), and the report groups turned into its bars.

use std::collections::BTreeMap;

use crate::reports::models::Group;
use crate::reports::models::distribution::Distribution;
use crate::reports::models::sustainability::Saved;

/// Bars by month label, then by series (a category, or what was handed out), with their values.
pub type Bars = BTreeMap<String, BTreeMap<String, f64>>;

/// Colour-blind-safe palette (Okabe–Ito), one colour per category in a fixed order.
const PALETTE: &[&str] = &["#0072B2", "#E69F00", "#009E73", "#CC79A7", "#56B4E9", "#D55E00", "#F0E442", "#000000"];

/// Text as SVG may hold it.
use crate::http::escape_html as escape;

/// What a chart shows: its title, the unit of its bars, and what to say when there is nothing.
pub struct Chart {
    pub title: &'static str,
    pub unit: &'static str,
    pub empty: &'static str,
}

pub const SUSTAINABILITY: Chart =
    Chart { title: "CO2e saved by reuse, kg per month", unit: "kg", empty: "No devices counted in this period" };

pub const DISTRIBUTION: Chart =
    Chart { title: "Devices and SIMs handed out per month", unit: "", empty: "Nothing handed out in this period" };

/// Renders `{month: {series: value}}` as a stacked bar chart.
pub fn render(chart: &Chart, data: &Bars) -> String {
    let (width, height, left, bottom, top) = (760.0, 420.0, 70.0, 60.0, 50.0);
    let categories: Vec<&String> = {
        let mut all: Vec<&String> = data.values().flat_map(|m| m.keys()).collect();
        all.sort();
        all.dedup();
        all
    };
    let max = data.values().map(|m| m.values().sum::<f64>()).fold(0.0_f64, f64::max).max(1.0);
    let plot_h = height - bottom - top;
    let slot = if data.is_empty() { 0.0 } else { (width - left - 20.0) / data.len() as f64 };
    let mut svg = format!(
        r##"<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" viewBox="0 0 {width} {height}" role="img" aria-label="{title}">
<rect width="{width}" height="{height}" fill="#fff"/>
<text x="{left}" y="28" font-family="DejaVu Sans, sans-serif" font-size="18" font-weight="bold">{title}</text>
<line x1="{left}" y1="{y0}" x2="{x1}" y2="{y0}" stroke="#333"/>
<text x="{lx}" y="{y0}" font-family="DejaVu Sans, sans-serif" font-size="11" text-anchor="end">0</text>
<text x="{lx}" y="{top}" font-family="DejaVu Sans, sans-serif" font-size="11" text-anchor="end">{max:.0}</text>
"##,
        y0 = height - bottom,
        x1 = width - 10.0,
        lx = left - 6.0,
        title = escape(chart.title),
    );
    if data.is_empty() {
        svg.push_str(&format!(
            r#"<text x="{}" y="{}" font-family="DejaVu Sans, sans-serif" font-size="14" text-anchor="middle">{}</text>
"#,
            width / 2.0,
            height / 2.0,
            escape(chart.empty)
        ));
    }
    for (i, (month, by_category)) in data.iter().enumerate() {
        let x = left + i as f64 * slot + slot * 0.15;
        let mut y = height - bottom;
        for (c, category) in categories.iter().enumerate() {
            let kg = by_category.get(*category).copied().unwrap_or(0.0);
            let h = kg / max * plot_h;
            if h > 0.0 {
                y -= h;
                svg.push_str(&format!(
                    r#"<rect x="{x:.1}" y="{y:.1}" width="{:.1}" height="{h:.1}" fill="{}"><title>{} {}: {kg:.1}{}</title></rect>
"#,
                    slot * 0.7,
                    PALETTE[c % PALETTE.len()],
                    escape(month),
                    escape(category),
                    if chart.unit.is_empty() { String::new() } else { format!(" {}", chart.unit) }
                ));
            }
        }
        svg.push_str(&format!(
            r#"<text x="{:.1}" y="{}" font-family="DejaVu Sans, sans-serif" font-size="11" text-anchor="middle">{}</text>
"#,
            x + slot * 0.35,
            height - bottom + 16.0,
            escape(month)
        ));
    }
    for (c, category) in categories.iter().enumerate() {
        let lx = left + c as f64 * 110.0;
        svg.push_str(&format!(
            r#"<rect x="{lx}" y="{}" width="12" height="12" fill="{}"/><text x="{}" y="{}" font-family="DejaVu Sans, sans-serif" font-size="11">{}</text>
"#,
            height - 22.0,
            PALETTE[c % PALETTE.len()],
            lx + 16.0,
            height - 12.0,
            escape(category)
        ));
    }
    svg.push_str("</svg>\n");
    svg
}

/// The sustainability report grouped by month and category, as kg CO2e saved per month stacked by
/// category.
pub fn saved_by_month(groups: &[Group<Saved>]) -> Bars {
    let mut data: Bars = BTreeMap::new();
    for group in groups {
        let month = group.keys.get("month").cloned().unwrap_or_default();
        let category = group.keys.get("category").cloned().unwrap_or_default();
        *data.entry(month).or_default().entry(category).or_default() += group.figures.co2e_saved_kg;
    }
    data
}

/// The distribution report grouped by month, as devices sold and lent and SIMs given per month.
pub fn handed_out_by_month(groups: &[Group<Distribution>]) -> Bars {
    groups
        .iter()
        .map(|g| {
            let month = g.keys.get("month").cloned().unwrap_or_default();
            let f = &g.figures;
            let series =
                [("devices sold", f.devices_sold), ("devices lent", f.devices_lent), ("SIMs", f.sims_allocated)];
            (month, series.into_iter().map(|(name, n)| (name.to_owned(), n as f64)).collect())
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_chart_has_a_bar_per_month_and_category_and_a_legend() {
        let mut data = BTreeMap::new();
        data.insert("2026-10".to_owned(), BTreeMap::from([("laptop".to_owned(), 663.3), ("tablet".to_owned(), 57.2)]));
        data.insert("2026-11".to_owned(), BTreeMap::from([("laptop".to_owned(), 132.7)]));
        let svg = render(&SUSTAINABILITY, &data);
        assert!(svg.starts_with("<svg"));
        assert_eq!(svg.matches("<rect x=").count(), 3 + 2, "three bars and two legend keys");
        assert!(svg.contains("2026-10 laptop: 663.3 kg"));
        assert!(render(&SUSTAINABILITY, &BTreeMap::new()).contains("No devices counted"));
        assert!(render(&DISTRIBUTION, &BTreeMap::new()).contains("Nothing handed out"));
    }
}
