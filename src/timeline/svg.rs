//! The time view as an SVG document, headless: the same draw list the app
//! paints, written as plain elements with `data-*` attributes (the contract
//! in README: `data-op`/`data-ops`, `data-invocation`, `data-attempt`,
//! `data-invocation-band`, `data-switch-invocation` + `data-context`,
//! `data-fresh-start`, `data-break` on the compressed axis), each element's `x`/`width` its drawn pixels.
//!
//! Written by string building rather than with an SVG crate: the document
//! is a flat list of `rect`/`text`/`line` elements, and the only rule that
//! needs care, escaping text and attribute values, is one function here.

use super::draw::{
    shapes, DrawList, DrawOptions, DrawnSpan, SpanKind, Viewport, BAND_H, LABEL_INSET, LABEL_W,
    LANE_H, MARKER_LEFT_W, RULER_H,
};
use super::layout::TimelineLayout;
use crate::model::{Execution, OpStatus, OpType};
use crate::replay::Analysis;
use std::borrow::Cow;
use std::fmt::Write;

/// Height of the title row above the ruler.
pub const TITLE_H: f32 = 22.0;
/// Right margin after the plot.
const RIGHT_M: f32 = 10.0;

#[derive(Debug, Clone)]
pub struct SvgOptions {
    /// Width of the whole image in pixels.
    pub width: f32,
    /// Zoom to this invocation's band (0-based) and show its switches;
    /// `None`: the whole execution, every invocation's switches.
    pub invocation: Option<usize>,
    pub selected: Option<usize>,
}

/// Escape text for an XML text node or a double-quoted attribute.
pub fn escape(s: &str) -> Cow<'_, str> {
    if !s.contains(['&', '<', '>', '"', '\'']) {
        return Cow::Borrowed(s);
    }
    let mut out = String::with_capacity(s.len() + 8);
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&apos;"),
            c => out.push(c),
        }
    }
    Cow::Owned(out)
}

/// The viewport the SVG draws: the whole layout, or one invocation's band.
pub fn viewport(l: &TimelineLayout, opt: &SvgOptions) -> Viewport {
    let w = (opt.width - LABEL_W - RIGHT_M).max(50.0);
    match opt
        .invocation
        .and_then(|k| l.bands.get(k).cloned().flatten())
    {
        Some(b) => Viewport::fit_range(b.start, b.end, w),
        None => Viewport::fit(l, w),
    }
}

fn type_fill(t: OpType) -> &'static str {
    match t {
        OpType::Step => "#3b6ea8",
        OpType::Wait => "#8a8a8a",
        OpType::Callback => "#8a5db0",
        OpType::ChainedInvoke => "#2f8a80",
        OpType::Context => "#6a6a98",
        OpType::Execution => "#555555",
    }
}

fn status_fill(s: OpStatus) -> &'static str {
    match s {
        OpStatus::Failed | OpStatus::TimedOut => "#be281e",
        _ => "#1e8232",
    }
}

/// The invocation (0-based) that ran an operation: the one the source
/// names, else the band its start lies in.
fn invocation_of(e: &Execution, l: &TimelineLayout, op: usize) -> Option<usize> {
    let o = e.operations.get(op)?;
    if let Some(k) = o.started_in {
        return Some(k);
    }
    l.band_at(o.start?)
}

/// Render one execution's time view.
pub fn render(e: &Execution, a: &Analysis, l: &TimelineLayout, opt: &SvgOptions) -> String {
    let vp = viewport(l, opt);
    // The lanes as the app opens them: nothing collapsed, summaries folded.
    let none = std::collections::HashSet::new();
    let rows = super::lanes::visible(
        l,
        super::lanes::Folds {
            collapsed: &none,
            expanded: &none,
        },
    );
    let row_of = super::lanes::rows_of(l, &rows);
    let d = shapes(
        l,
        &vp,
        &DrawOptions {
            selected: opt.selected,
            invocation: opt.invocation,
            all_markers: opt.invocation.is_none(),
            lanes: rows.clone(),
        },
    );
    let row_y = |lane: usize| row_of.get(lane).copied().unwrap_or(0) as f32 * LANE_H;
    let px = LABEL_W; // the plot's left edge in the image
    let top = TITLE_H + RULER_H + BAND_H; // the first lane's top
    let width = px + vp.width + RIGHT_M;
    let height = top + rows.len() as f32 * LANE_H + 4.0;
    let mut s = String::with_capacity(4096 + d.spans.len() * 160);
    let _ = writeln!(
        s,
        r#"<svg xmlns="http://www.w3.org/2000/svg" width="{width:.0}" height="{height:.0}" viewBox="0 0 {width:.0} {height:.0}" font-family="sans-serif" font-size="11" data-axis="{}" data-plot-x="{px}" data-plot-width="{:.2}" data-secs-per-px="{}" data-t-start="{}">"#,
        l.axis.kind.name(),
        vp.width,
        vp.secs_per_px,
        vp.t_start
    );
    let _ = writeln!(
        s,
        r##"<defs><clipPath id="plot"><rect x="{px}" y="0" width="{:.2}" height="{height:.0}"/></clipPath><pattern id="hatch" width="6" height="6" patternUnits="userSpaceOnUse" patternTransform="rotate(45)"><line x1="0" y1="0" x2="0" y2="6" stroke="#000" stroke-opacity="0.25"/></pattern></defs>"##,
        vp.width
    );
    let _ = writeln!(
        s,
        r##"<rect x="0" y="0" width="{width:.0}" height="{height:.0}" fill="#ffffff"/>"##
    );
    let title = format!(
        "{} · {} operations · {} invocations",
        e.label(),
        e.operations.len(),
        a.invocations.len()
    );
    let _ = writeln!(
        s,
        r#"<text x="4" y="15" font-size="13" font-weight="bold">{}</text>"#,
        escape(&title)
    );
    if !l.has_times {
        let _ = writeln!(
            s,
            r#"<text x="4" y="{}">This source records no timestamps: the time view is empty.</text>"#,
            top + 14.0
        );
        s.push_str("</svg>\n");
        return s;
    }
    ruler(&mut s, &d, px, height);
    breaks(&mut s, l, &d, px, height);
    bands(&mut s, l, &d, px, top, height);
    let _ = writeln!(s, r#"<g clip-path="url(#plot)">"#);
    for (row, &li) in rows.iter().enumerate() {
        // Stacked rows of one context share its band: a faint line between.
        let next_same = rows
            .get(row + 1)
            .and_then(|&n| l.lanes.get(n))
            .is_some_and(|n| n.sub > 0 && n.context == l.lanes[li].context);
        if next_same {
            continue;
        }
        let y = top + row as f32 * LANE_H;
        let _ = writeln!(
            s,
            r##"<line x1="0" x2="{width:.0}" y1="{:.1}" y2="{:.1}" stroke="#dddddd" stroke-width="0.5"/>"##,
            y + LANE_H,
            y + LANE_H
        );
    }
    for sp in &d.spans {
        span(&mut s, e, a, l, &d, sp, px, top + row_y(sp.lane));
    }
    for m in &d.markers {
        let y = top + row_y(m.lane);
        let rows_h = l.lanes.get(m.lane).map_or(1, |x| x.rows.max(1)) as f32 * LANE_H;
        let (w, op) = if m.faint { (1.0, "0.45") } else { (2.5, "1") };
        let ctx = if m.context < a.contexts.len() {
            a.context_label(m.context)
        } else {
            "root".into()
        };
        let id = e.operations.get(m.op).map(|o| o.id.as_str()).unwrap_or("");
        let x = px + m.x - w / 2.0;
        let _ = writeln!(
            s,
            r##"<rect data-switch-invocation="{}" data-context="{}" data-switch-op="{}" data-position="{}" x="{x:.2}" y="{:.1}" width="{w}" height="{:.1}" fill="#c86400" fill-opacity="{op}"/>"##,
            m.invocation + 1,
            escape(&ctx),
            escape(id),
            m.position,
            y - 3.0,
            rows_h + 6.0
        );
        if m.labelled {
            let mx = px + m.x;
            if m.x > MARKER_LEFT_W {
                let _ = writeln!(
                    s,
                    r##"<text x="{:.2}" y="{:.1}" text-anchor="end" fill="#c86400">replay</text>"##,
                    mx - 3.0,
                    y + 11.0
                );
            }
            let _ = writeln!(
                s,
                r##"<text x="{:.2}" y="{:.1}" fill="#c86400">execution</text>"##,
                mx + 3.0,
                y + 11.0
            );
        }
    }
    for n in &d.notes {
        if !n.right_aligned {
            // A band too narrow for the note: a backing over the headers it runs across.
            let _ = writeln!(
                s,
                r##"<rect x="{:.2}" y="{:.1}" width="{:.0}" height="14" fill="#ffffff" fill-opacity="0.9"/>"##,
                px + n.x - 1.0,
                TITLE_H + RULER_H + 3.0,
                n.text.chars().count() as f32 * 6.6
            );
        }
        let _ = writeln!(
            s,
            r##"<text data-fresh-start="{}" x="{:.2}" y="{:.1}" text-anchor="{}" font-weight="bold" fill="{}">{}</text>"##,
            n.invocation + 1,
            px + n.x,
            TITLE_H + RULER_H + 14.0,
            if n.right_aligned { "end" } else { "start" },
            if n.faint { "#555555" } else { "#a04e00" },
            n.text
        );
    }
    if let Some(dv) = &d.divergence {
        // The operation the code asked for instead: a red marker where the
        // run diverged, inside the failing invocation's band.
        let y = top + row_y(dv.lane);
        let _ = writeln!(
            s,
            r##"<rect data-divergence="{}" data-invocation="{}" x="{:.2}" y="{:.1}" width="3" height="{:.1}" fill="#d01010"><title>diverged: the code asked for '{}', never checkpointed</title></rect>"##,
            escape(&dv.found),
            dv.invocation + 1,
            px + dv.x - 1.5,
            y - 3.0,
            LANE_H + 6.0,
            escape(&dv.found)
        );
        let _ = writeln!(
            s,
            r##"<text x="{:.2}" y="{:.1}" fill="#d01010" font-weight="bold" text-anchor="{}">✖ {}</text>"##,
            // Near the right edge the label goes left of the marker.
            if dv.x > vp.width - 120.0 {
                px + dv.x - 5.0
            } else {
                px + dv.x + 4.0
            },
            y + LANE_H - 2.0,
            if dv.x > vp.width - 120.0 {
                "end"
            } else {
                "start"
            },
            escape(&dv.found)
        );
    }
    s.push_str("</g>\n");
    // Lane labels last, over a white column, so long spans never hide them.
    let _ = writeln!(
        s,
        r##"<rect x="0" y="{top}" width="{px}" height="{:.0}" fill="#ffffff"/>"##,
        height - top
    );
    for (row, &li) in rows.iter().enumerate() {
        let lane = &l.lanes[li];
        if lane.label.is_empty() {
            continue; // a stacked row under its context's label
        }
        let y = top + row as f32 * LANE_H + LANE_H / 2.0 + 4.0;
        let summary = lane
            .summary
            .as_ref()
            .map(|sm| {
                format!(
                    r#" data-summary-contexts="{}" data-summary-ops="{}""#,
                    sm.contexts, sm.ops
                )
            })
            .unwrap_or_default();
        if let Some(sm) = &lane.summary {
            // The status mix at the lane's right end.
            let _ = writeln!(
                s,
                r##"<text x="{:.1}" y="{y:.1}" text-anchor="end" font-size="10" fill="#a04e00">{}</text>"##,
                width - RIGHT_M - 2.0,
                escape(&sm.mix_text())
            );
        }
        let _ = writeln!(
            s,
            r#"<text x="{:.1}" y="{y:.1}" data-lane="{}"{summary}>{}</text>"#,
            4.0 + lane.depth as f32 * 10.0,
            row + 1,
            escape(&truncate(&lane.label, 22))
        );
    }
    s.push_str("</svg>\n");
    s
}

fn ruler(s: &mut String, d: &DrawList, px: f32, height: f32) {
    for t in &d.ticks {
        let x = px + t.x;
        let _ = writeln!(
            s,
            r##"<line x1="{x:.2}" x2="{x:.2}" y1="{TITLE_H}" y2="{height:.0}" stroke="#eeeeee" stroke-width="0.5"/><text x="{:.2}" y="{:.1}" font-size="10" fill="#777777">{}</text>"##,
            x + 3.0,
            TITLE_H + 11.0,
            escape(&t.label)
        );
    }
}

/// The compressed axis's breaks: a grey column over the lanes between two
/// zigzags, its label in the band row (no band is there).
fn breaks(s: &mut String, l: &TimelineLayout, d: &DrawList, px: f32, height: f32) {
    let _ = writeln!(s, r#"<g clip-path="url(#plot)">"#);
    for b in &d.breaks {
        let Some(g) = l.axis.gaps.get(b.gap) else {
            continue;
        };
        let x = px + b.x;
        let y0 = TITLE_H;
        let _ = writeln!(
            s,
            r##"<rect data-break="{}" data-break-secs="{:.6}" data-break-what="{}" data-break-label="{}" x="{x:.2}" y="{y0}" width="{:.2}" height="{:.0}" fill="#8a8a8a" fill-opacity="0.12"><title>{}</title></rect>"##,
            b.gap + 1,
            g.secs(),
            escape(&g.what),
            escape(&g.label()),
            b.width,
            height - y0,
            escape(&g.label())
        );
        // A narrow break (many invocations) is one zigzag, not two.
        let edges = if b.width < 16.0 {
            vec![x + b.width / 2.0]
        } else {
            vec![x, x + b.width]
        };
        for edge in edges {
            let mut pts = String::new();
            let mut y = y0;
            let mut left = true;
            while y < height {
                let _ = write!(pts, "{:.2},{y:.1} ", edge + if left { -2.0 } else { 2.0 });
                left = !left;
                y += 4.0;
            }
            let _ = writeln!(
                s,
                r##"<polyline points="{}" fill="none" stroke="#8a8a8a" stroke-width="0.8"/>"##,
                pts.trim_end()
            );
        }
        let _ = writeln!(
            s,
            r##"<text x="{:.2}" y="{:.1}" text-anchor="middle" fill="#555555">{}</text>"##,
            x + b.width / 2.0,
            TITLE_H + RULER_H + 14.0,
            escape(&b.text)
        );
    }
    s.push_str("</g>\n");
}

fn bands(s: &mut String, l: &TimelineLayout, d: &DrawList, px: f32, top: f32, height: f32) {
    let _ = writeln!(
        s,
        r##"<text x="4" y="{:.1}" fill="#777777">invocations</text>"##,
        TITLE_H + RULER_H + 14.0
    );
    let _ = writeln!(s, r#"<g clip-path="url(#plot)">"#);
    for b in &d.bands {
        let Some(Some(band)) = l.bands.get(b.invocation) else {
            continue;
        };
        let x = px + b.x;
        let col = if b.selected { "0.28" } else { "0.10" };
        let _ = writeln!(
            s,
            r##"<rect x="{x:.2}" y="{top}" width="{:.2}" height="{:.0}" fill="#6a9ad8" fill-opacity="{col}"/>"##,
            b.width,
            height - top
        );
        let _ = writeln!(
            s,
            r##"<rect data-invocation-band="{}" data-inferred="{}" x="{x:.2}" y="{:.1}" width="{:.2}" height="{:.1}" rx="2" fill="#6a9ad8" fill-opacity="{}"{}><title>{}</title></rect>"##,
            b.invocation + 1,
            b.inferred,
            TITLE_H + RULER_H + 2.0,
            b.width,
            BAND_H - 4.0,
            if b.selected { "0.9" } else { "0.5" },
            if b.selected {
                r##" stroke="#000000" stroke-width="1.5""##
            } else {
                ""
            },
            escape(&band.label)
        );
        for &(h0, h1) in &b.hatched {
            let _ = writeln!(
                s,
                r#"<rect data-inferred-part="{}" x="{:.2}" y="{:.1}" width="{:.2}" height="{:.1}" fill="url(#hatch)"/>"#,
                b.invocation + 1,
                px + h0,
                TITLE_H + RULER_H + 2.0,
                h1 - h0,
                BAND_H - 4.0
            );
        }
        if b.label_w > 14.0 {
            let text = if b.label_w > 170.0 {
                band.label.clone()
            } else {
                format!("#{}", b.invocation + 1)
            };
            let _ = writeln!(
                s,
                r#"<text x="{:.2}" y="{:.1}">{}</text>"#,
                x.max(px) + 3.0,
                TITLE_H + RULER_H + 14.0,
                escape(&text)
            );
        }
    }
    s.push_str("</g>\n");
}

#[allow(clippy::too_many_arguments)]
fn span(
    s: &mut String,
    e: &Execution,
    a: &Analysis,
    l: &TimelineLayout,
    d: &DrawList,
    sp: &DrawnSpan,
    px: f32,
    top: f32,
) {
    // `top`: the top of the span's lane.
    let y = top + 4.0;
    let h = LANE_H - 8.0;
    let x = px + sp.x;
    let ops = d.ops(l, sp);
    let ids = |ops: &[usize]| {
        ops.iter()
            .filter_map(|&i| e.operations.get(i))
            .map(|o| escape(&o.id).into_owned())
            .collect::<Vec<_>>()
            .join(" ")
    };
    let invs = |ops: &[usize]| {
        let mut v: Vec<usize> = ops
            .iter()
            .filter_map(|&i| invocation_of(e, l, i))
            .map(|k| k + 1)
            .collect();
        v.sort_unstable();
        v.dedup();
        v.iter()
            .map(|k| k.to_string())
            .collect::<Vec<_>>()
            .join(" ")
    };
    if let SpanKind::Merged(_) = sp.kind {
        let _ = writeln!(
            s,
            r##"<rect data-ops="{}" data-invocation="{}" x="{x:.2}" y="{y:.1}" width="{:.2}" height="{h:.1}" fill="#6e7896" fill-opacity="0.8"><title>{} operations, each shorter than a pixel</title></rect>"##,
            ids(&ops),
            invs(&ops),
            sp.width,
            ops.len()
        );
        return;
    }
    let Some(&op) = ops.first() else { return };
    let Some(o) = e.operations.get(op) else {
        return;
    };
    // Named as the table and the diff name it (an unnamed callback after
    // its parent: "manager-approval › callback").
    let name = a.label(e, op);
    let fill = type_fill(o.op_type);
    let style = match o.op_type {
        OpType::Wait => format!(r#"fill="{fill}" fill-opacity="0.18" stroke="{fill}""#),
        OpType::Context => format!(r#"fill="{fill}" fill-opacity="0.55""#),
        OpType::Callback | OpType::ChainedInvoke => {
            format!(r#"fill="{fill}" fill-opacity="0.55""#)
        }
        _ if !sp.attempts.is_empty() => format!(r#"fill="{fill}" fill-opacity="0.15""#),
        _ => format!(r#"fill="{fill}""#),
    };
    let selected = if sp.selected {
        r##" stroke="#000000" stroke-width="2" data-selected="true""##
    } else {
        ""
    };
    let _ = writeln!(
        s,
        r#"<rect data-op="{}" data-invocation="{}" data-type="{}" data-status="{}" x="{x:.2}" y="{y:.1}" width="{:.2}" height="{h:.1}" rx="2" {style}{selected}><title>{} · {} · {}</title></rect>"#,
        escape(&o.id),
        invs(&ops),
        o.op_type,
        o.status,
        sp.width,
        escape(&name),
        o.op_type,
        o.status
    );
    for at in &sp.attempts {
        let _ = writeln!(
            s,
            r#"<rect data-attempt="{}" data-attempt-of="{}" x="{:.2}" y="{y:.1}" width="{:.2}" height="{h:.1}" rx="2" fill="{}"/>"#,
            at.number,
            escape(&o.id),
            px + at.x,
            at.width,
            if at.failed {
                status_fill(OpStatus::Failed)
            } else {
                fill
            }
        );
    }
    if let Some((a, b)) = sp.label {
        let chars = ((b - a - LABEL_INSET) / 6.5).max(0.0) as usize;
        let _ = writeln!(
            s,
            r#"<text x="{:.2}" y="{:.1}" fill="{}">{}</text>"#,
            px + a + 3.0,
            y + h / 2.0 + 4.0,
            if o.op_type == OpType::Step && sp.attempts.is_empty() {
                "#ffffff"
            } else {
                "#000000"
            },
            escape(&truncate(&name, chars))
        );
    }
}

/// At most `n` characters, with an ellipsis when cut.
fn truncate(s: &str, n: usize) -> String {
    if s.chars().count() <= n {
        s.to_string()
    } else if n == 0 {
        String::new()
    } else {
        let mut t: String = s.chars().take(n - 1).collect();
        t.push('…');
        t
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escape_covers_markup_and_quotes() {
        assert_eq!(escape("a<b>&\"c'"), "a&lt;b&gt;&amp;&quot;c&apos;");
        assert!(matches!(escape("plain › name"), Cow::Borrowed(_)));
    }
}
