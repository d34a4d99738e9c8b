//! The suite's figures and its one table: per figure, the median and spread of the rounds for exthost and
//! the Node peer, their ratio, issue 15's target and whether this run met it — in Markdown that
//! `docs/performance.md` takes as is.

use std::collections::BTreeMap;

/// What a figure must reach (issue 15's targets), checked on the medians of the rounds.
#[derive(Debug, Clone, Copy)]
pub(super) enum Target {
    /// exthost / Node ≤ this.
    RatioAtMost(f64),
    /// exthost / Node ≥ this.
    RatioAtLeast(f64),
    /// exthost's own figure ≤ this (in the figure's unit).
    AtMost(f64),
}

impl Target {
    fn text(self) -> String {
        match self {
            Target::RatioAtMost(ratio) => format!("≤ {ratio}×"),
            Target::RatioAtLeast(ratio) => format!("≥ {ratio}×"),
            Target::AtMost(0.0) => String::from("none"),
            Target::AtMost(limit) => format!("≤ {limit}"),
        }
    }

    /// Whether `exthost` (and `ratio`, exthost / Node, when there is a peer) meets it; `None` when it
    /// cannot be told (a ratio target without a peer).
    fn met(self, exthost: f64, ratio: Option<f64>) -> Option<bool> {
        match self {
            Target::RatioAtMost(limit) => ratio.map(|ratio| ratio <= limit),
            Target::RatioAtLeast(limit) => ratio.map(|ratio| ratio >= limit),
            Target::AtMost(limit) => Some(exthost <= limit),
        }
    }
}

/// Every figure's samples per host (one per round), in the order they were first added.
#[derive(Default)]
pub(super) struct Figures {
    samples: BTreeMap<String, BTreeMap<&'static str, Vec<f64>>>,
    targets: BTreeMap<String, Target>,
    order: Vec<String>,
}

impl Figures {
    /// Gives `figure` its place in the table (the next row) if it has none yet.
    pub(super) fn row(&mut self, figure: &str) {
        if !self.order.iter().any(|known| known == figure) {
            self.order.push(figure.to_owned());
        }
    }

    /// One round's value of `figure` for `host` (`exthost`, `node` or `cat`).
    pub(super) fn add(&mut self, figure: &str, host: &'static str, value: f64) {
        self.row(figure);
        self.samples
            .entry(figure.to_owned())
            .or_default()
            .entry(host)
            .or_default()
            .push(value);
    }

    /// [`Figures::add`], and the figure's target.
    pub(super) fn add_with_target(
        &mut self,
        figure: &str,
        host: &'static str,
        value: f64,
        target: Target,
    ) {
        self.add(figure, host, value);
        self.targets.insert(figure.to_owned(), target);
    }

    /// The table, one line per figure: the `cat` floor's figures in the exthost column.
    pub(super) fn table(&self) -> String {
        let mut lines = vec![
            format!(
                "| {:<60} | {:>26} | {:>26} | {:>7} | {:>8} | {:>3} |",
                "figure", "exthost", "Node peer", "ratio", "target", "met"
            ),
            format!(
                "| {:-<60} | {:->26} | {:->26} | {:->7} | {:->8} | {:->3} |",
                "", "", "", "", "", ""
            ),
        ];
        for figure in &self.order {
            let Some(hosts) = self.samples.get(figure) else {
                continue;
            };
            // A figure with no exthost sample (the safety valve stopped it) shows a dash.
            let none = Vec::new();
            let (first, second) = match (hosts.get("exthost"), hosts.get("node"), hosts.get("cat"))
            {
                (Some(exthost), node, _) => (exthost, node),
                (None, _, Some(cat)) => (cat, None),
                (None, node, None) => (&none, node),
            };
            let ratio = second
                .filter(|_| !first.is_empty())
                .map(|node| median(first) / median(node));
            let ratio_text = ratio.map_or(String::new(), |ratio| {
                if ratio.is_finite() {
                    format_value(ratio)
                } else {
                    String::from("—")
                }
            });
            let target = self.targets.get(figure).copied();
            let met = target
                .filter(|_| !first.is_empty())
                .and_then(|target| target.met(median(first), ratio))
                .map_or("", |met| if met { "yes" } else { "no" });
            lines.push(format!(
                "| {figure:<60} | {:>26} | {:>26} | {ratio_text:>7} | {:>8} | {met:>3} |",
                spread(first),
                second.map_or(String::from("—"), |node| spread(node)),
                target.map_or(String::new(), Target::text),
            ));
        }
        lines.join("\n")
    }
}

/// The median of `samples` (the upper one of an even count).
pub(super) fn median(samples: &[f64]) -> f64 {
    let mut sorted = samples.to_vec();
    sorted.sort_by(f64::total_cmp);
    sorted[sorted.len() / 2]
}

/// A value with three significant digits or so, thousands separated from 10,000 up.
fn format_value(value: f64) -> String {
    let magnitude = value.abs();
    if magnitude >= 10_000.0 {
        let whole = value.round() as i64;
        let digits = whole.unsigned_abs().to_string();
        let mut grouped = String::new();
        for (index, digit) in digits.chars().enumerate() {
            if index > 0 && (digits.len() - index).is_multiple_of(3) {
                grouped.push(',');
            }
            grouped.push(digit);
        }
        if whole < 0 {
            format!("-{grouped}")
        } else {
            grouped
        }
    } else if magnitude >= 100.0 {
        format!("{value:.0}")
    } else if magnitude >= 10.0 {
        format!("{value:.1}")
    } else if magnitude >= 1.0 {
        format!("{value:.2}")
    } else if magnitude == 0.0 {
        String::from("0")
    } else {
        format!("{value:.3}")
    }
}

/// `median [min–max]` of the rounds, or the one value (a dash for none).
fn spread(samples: &[f64]) -> String {
    if samples.is_empty() {
        return String::from("—");
    }
    let mut sorted = samples.to_vec();
    sorted.sort_by(f64::total_cmp);
    let middle = format_value(median(&sorted));
    if sorted.len() == 1 {
        middle
    } else {
        format!(
            "{middle} [{}–{}]",
            format_value(sorted[0]),
            format_value(sorted[sorted.len() - 1])
        )
    }
}
