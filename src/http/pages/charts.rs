//! Charts drawn on the server as inline SVG: no script, nothing from another host, readable on
//! a 320 px phone (a 360-unit-wide drawing scales down a little) and in black-and-white print
//! (the two lines differ by dash, not only by colour; every figure is also written as text).
//! Each bar is a link to the cases behind it. Inline in HTML, so no `xmlns` (the HTML parser
//! places `<svg>` in its namespace) and no URL of another host anywhere in the page.
use std::fmt::Write;

/// One month of the trend chart.
pub struct TrendPoint {
    /// Short label under the bar ("3月", "Mar").
    pub label: String,
    /// Cases received (the bar).
    pub count: i64,
    /// Percentages drawn as lines, `None` where there is no data (a gap, not a zero).
    pub first: Option<f64>,
    pub second: Option<f64>,
    /// Where the bar leads.
    pub href: String,
    /// The bar's tooltip and accessible name.
    pub title: String,
}

/// The words of a trend chart.
pub struct TrendLegend<'a> {
    pub title: &'a str,
    pub bars: &'a str,
    pub first: &'a str,
    pub second: &'a str,
}

/// One bar of a horizontal bar chart.
pub struct Bar {
    pub label: String,
    pub value: i64,
    pub href: String,
}

const WIDTH: f64 = 360.0;

/// Text for XML: what the database holds (category names…) is never markup.
fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            _ => out.push(c),
        }
    }
    out
}

/// A round upper bound for an axis: 1, 2 or 5 times a power of ten, at least `max`.
fn nice_ceiling(max: i64) -> i64 {
    let max = max.max(1);
    let mut step = 1i64;
    loop {
        for factor in [1, 2, 5] {
            if step.saturating_mul(factor) >= max {
                return step.saturating_mul(factor);
            }
        }
        step = step.saturating_mul(10);
    }
}

/// Received cases per month as bars (left axis), two rates as lines (right axis, 0–100 %).
pub fn trend(points: &[TrendPoint], legend: &TrendLegend) -> String {
    let (left, right, top, bottom) = (30.0, 30.0, 34.0, 22.0);
    let height = 220.0;
    let plot_w = WIDTH - left - right;
    let plot_h = height - top - bottom;
    let ceiling = nice_ceiling(points.iter().map(|p| p.count).max().unwrap_or(0));
    let slot = plot_w / points.len().max(1) as f64;
    let y_count = |n: i64| top + plot_h - plot_h * n as f64 / ceiling as f64;
    let y_rate = |r: f64| top + plot_h - plot_h * r.clamp(0.0, 100.0) / 100.0;
    let mut svg = String::new();
    let _ = write!(
        svg,
        "<svg class=\"chart\" viewBox=\"0 0 {WIDTH} {height}\" role=\"img\" aria-labelledby=\"trend-title\"><title id=\"trend-title\">{}</title>",
        escape(legend.title)
    );
    // Legend.
    let _ = write!(
        svg,
        "<g class=\"legend\" font-size=\"11\"><rect x=\"{left}\" y=\"6\" width=\"10\" height=\"10\" class=\"bar\"/>\
         <text x=\"{}\" y=\"15\">{}</text>\
         <line x1=\"140\" y1=\"11\" x2=\"160\" y2=\"11\" class=\"line1\"/><text x=\"164\" y=\"15\">{}</text>\
         <line x1=\"250\" y1=\"11\" x2=\"270\" y2=\"11\" class=\"line2\"/><text x=\"274\" y=\"15\">{}</text></g>",
        left + 14.0,
        escape(legend.bars),
        escape(legend.first),
        escape(legend.second)
    );
    // Axes and grid: 0, half, full.
    for (i, fraction) in [0.0, 0.5, 1.0].into_iter().enumerate() {
        let y = top + plot_h - plot_h * fraction;
        let count = (ceiling as f64 * fraction).round() as i64;
        let _ = write!(
            svg,
            "<line x1=\"{left}\" y1=\"{y:.1}\" x2=\"{:.1}\" y2=\"{y:.1}\" class=\"{}\"/>\
             <text x=\"{:.1}\" y=\"{:.1}\" font-size=\"10\" text-anchor=\"end\">{count}</text>\
             <text x=\"{:.1}\" y=\"{:.1}\" font-size=\"10\">{}%</text>",
            left + plot_w,
            if i == 0 { "axis" } else { "grid" },
            left - 3.0,
            y + 3.5,
            left + plot_w + 3.0,
            y + 3.5,
            (fraction * 100.0) as i64
        );
    }
    // Bars, each a link, with its count above and the month below.
    for (i, p) in points.iter().enumerate() {
        let x = left + slot * i as f64;
        let bar_w = (slot * 0.6).max(2.0);
        let y = y_count(p.count);
        // A bar without a destination (the public report) is not a link.
        let (open, close) = if p.href.is_empty() {
            ("<g>".to_string(), "</g>")
        } else {
            (format!("<a href=\"{}\">", escape(&p.href)), "</a>")
        };
        let _ = write!(
            svg,
            "{open}<title>{}</title><rect class=\"bar\" x=\"{:.1}\" y=\"{y:.1}\" width=\"{bar_w:.1}\" \
             height=\"{:.1}\"/>{close}",
            escape(&p.title),
            x + (slot - bar_w) / 2.0,
            (top + plot_h - y).max(0.0)
        );
        if p.count > 0 {
            let _ = write!(
                svg,
                "<text x=\"{:.1}\" y=\"{:.1}\" font-size=\"9\" text-anchor=\"middle\">{}</text>",
                x + slot / 2.0,
                y - 2.0,
                p.count
            );
        }
        let _ = write!(
            svg,
            "<text x=\"{:.1}\" y=\"{:.1}\" font-size=\"10\" text-anchor=\"middle\">{}</text>",
            x + slot / 2.0,
            height - 8.0,
            escape(&p.label)
        );
    }
    // The two lines, broken where a month has no data.
    for (class, value) in [("line1", 0usize), ("line2", 1usize)] {
        let mut run: Vec<(f64, f64)> = Vec::new();
        let mut runs: Vec<Vec<(f64, f64)>> = Vec::new();
        for (i, p) in points.iter().enumerate() {
            let rate = if value == 0 { p.first } else { p.second };
            match rate {
                Some(r) => run.push((left + slot * (i as f64 + 0.5), y_rate(r))),
                None if !run.is_empty() => runs.push(std::mem::take(&mut run)),
                None => {}
            }
        }
        if !run.is_empty() {
            runs.push(run);
        }
        for run in runs {
            let path: Vec<String> = run.iter().map(|(x, y)| format!("{x:.1},{y:.1}")).collect();
            let _ = write!(svg, "<polyline class=\"{class}\" points=\"{}\"/>", path.join(" "));
            for (x, y) in run {
                let _ = write!(svg, "<circle class=\"{class}\" cx=\"{x:.1}\" cy=\"{y:.1}\" r=\"2.2\"/>");
            }
        }
    }
    svg.push_str("</svg>");
    svg
}

/// Horizontal bars, largest first as given, each label and bar a link, the value at its end.
pub fn bars(items: &[Bar], title: &str) -> String {
    let row = 22.0;
    let label_w = 110.0;
    let value_w = 40.0;
    let height = row * items.len().max(1) as f64 + 4.0;
    let ceiling = items.iter().map(|b| b.value).max().unwrap_or(0).max(1) as f64;
    let span = WIDTH - label_w - value_w;
    let mut svg = String::new();
    let _ = write!(
        svg,
        "<svg class=\"chart\" viewBox=\"0 0 {WIDTH} {height}\" role=\"img\" aria-label=\"{}\">",
        escape(title)
    );
    for (i, bar) in items.iter().enumerate() {
        let y = 2.0 + row * i as f64;
        let w = (span * bar.value as f64 / ceiling).max(if bar.value > 0 { 1.0 } else { 0.0 });
        let label: String = if bar.label.chars().count() > 8 {
            bar.label.chars().take(7).chain(std::iter::once('…')).collect()
        } else {
            bar.label.clone()
        };
        let _ = write!(
            svg,
            "<a href=\"{}\"><title>{}: {}</title><text x=\"{:.1}\" y=\"{:.1}\" font-size=\"11\" \
             text-anchor=\"end\">{}</text><rect class=\"bar\" x=\"{label_w}\" y=\"{:.1}\" width=\"{w:.1}\" \
             height=\"{:.1}\"/><text x=\"{:.1}\" y=\"{:.1}\" font-size=\"11\">{}</text></a>",
            escape(&bar.href),
            escape(&bar.label),
            bar.value,
            label_w - 4.0,
            y + 14.0,
            escape(&label),
            y + 3.0,
            row - 6.0,
            label_w + w + 3.0,
            y + 14.0,
            bar.value
        );
    }
    svg.push_str("</svg>");
    svg
}

#[cfg(test)]
mod tests {
    use super::*;

    fn point(count: i64, first: Option<f64>) -> TrendPoint {
        TrendPoint {
            label: "3月".into(),
            count,
            first,
            second: None,
            href: "/app/cases?figure=received&from=2026-03-01&to=2026-03-31".into(),
            title: "2026-03".into(),
        }
    }

    const LEGEND: TrendLegend =
        TrendLegend { title: "趋势", bars: "收到", first: "答复率", second: "满意率" };

    #[test]
    fn axes_end_on_round_numbers() {
        assert_eq!(nice_ceiling(0), 1);
        assert_eq!(nice_ceiling(3), 5);
        assert_eq!(nice_ceiling(10), 10);
        assert_eq!(nice_ceiling(11), 20);
        assert_eq!(nice_ceiling(4_321), 5_000);
    }

    #[test]
    fn a_month_without_data_breaks_the_line() {
        let svg = trend(&[point(3, Some(50.0)), point(0, None), point(4, Some(100.0))], &LEGEND);
        assert_eq!(svg.matches("<polyline class=\"line1\"").count(), 2, "{svg}");
        assert!(!svg.contains("class=\"line2\" points"), "no data at all draws no line");
        assert_eq!(svg.matches("<rect class=\"bar\"").count(), 3);
    }

    #[test]
    fn labels_from_the_database_are_escaped() {
        let svg = bars(&[Bar { label: "<script>&".into(), value: 2, href: "/a?x=1&y=2".into() }], "t");
        assert!(svg.contains("&lt;script&gt;&amp;"), "{svg}");
        assert!(svg.contains("href=\"/a?x=1&amp;y=2\""));
        assert!(!svg.contains("<script>"));
    }

    #[test]
    fn a_bar_without_a_destination_is_no_link() {
        let mut bare = point(1, None);
        bare.href.clear();
        let svg = trend(&[bare], &LEGEND);
        assert!(!svg.contains("<a "), "{svg}");
        assert_eq!(svg.matches("<rect class=\"bar\"").count(), 1);
    }

    #[test]
    fn every_bar_is_a_link_to_its_cases() {
        let svg = trend(&[point(1, None), point(2, None)], &LEGEND);
        assert_eq!(svg.matches("<a href=\"/app/cases?figure=received").count(), 2);
    }
}
