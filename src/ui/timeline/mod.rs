//! The time-axis view: one band per invocation, one lane per context. It
//! paints the core's draw list (`crate::timeline::draw`) for the visible
//! lanes, so a frame costs what is visible and no span is lost to culling.
//! Zoom (ctrl+wheel, +/-), pan (drag, wheel, shift+arrows), fit (F/Home).
//! The selected invocation's replay | execution switches are labelled
//! markers in their lanes ("all switches" shows the others, faint). Lanes
//! follow the table's tree and its collapse state (`crate::timeline::lanes`):
//! the root's rows are pinned at the top, the rest scroll vertically (wheel,
//! drag, or the scrollbar); a click on a lane's label collapses its context
//! (in the table too) or opens a summary lane. At fit, the view refits when
//! the window is resized, until the user zooms or pans.

mod tooltip;

pub use crate::timeline::layout::{Band, Lane, Marker, Span, SpanAttempt, TimelineLayout};

use super::doc::Doc;
use super::style;
use super::Intent;
use crate::model::{format_duration_micros, OpType};
use crate::timeline::draw::{
    shapes, DrawOptions, DrawnSpan, SpanKind, Viewport, BAND_H, LABEL_INSET, LABEL_W, LANE_H,
    MARKER_LEFT_W, RULER_H,
};
use crate::timeline::lanes::{self, Folds};
use crate::timeline::AxisKind;
use egui::{Align2, Color32, FontId, Pos2, Rect, Sense, Shape, Stroke, StrokeKind, Vec2};
use std::collections::HashSet;

/// Pan/zoom state. Seconds relative to the execution start.
#[derive(Debug, Clone)]
pub struct TimelineView {
    pub t_start: f64,
    pub secs_per_px: f64,
    pub scroll_y: f32,
    /// Draw every invocation's switch markers (faint), not only the selected one's.
    pub all_markers: bool,
    fitted: bool,
    plot_w: f32,
    plot_h: f32,
    /// The scrollbar's track last frame, when the lanes did not fit.
    scrollbar: Option<Rect>,
    /// The user zoomed or panned: a resize no longer refits the view.
    moved: bool,
    /// Contexts whose summary lane is opened up (time view only: the table
    /// always lists every row).
    pub expanded: HashSet<usize>,
    expand_gen: u64,
    /// The lanes shown (`lanes::visible`), rebuilt when the key changes.
    rows: Vec<usize>,
    row_of: Vec<usize>,
    rows_key: Option<(u64, u64, u64)>,
    /// Scroll to this operation's row once the rows are known.
    reveal_op: Option<usize>,
    /// The plot (right of the lane labels, below the band headers) as last drawn.
    plot: Rect,
    /// A click on a context lane's label collapses it in the table (the
    /// re-run panel's view has no table to share a collapse state with).
    pub collapses_contexts: bool,
    /// The table's filter: per operation, whether it matched; the others
    /// are dimmed. `None` with no filter.
    pub dim: Option<std::sync::Arc<Vec<bool>>>,
}

impl Default for TimelineView {
    fn default() -> Self {
        TimelineView {
            t_start: 0.0,
            secs_per_px: 0.001,
            scroll_y: 0.0,
            all_markers: false,
            fitted: false,
            plot_w: 600.0,
            plot_h: 200.0,
            scrollbar: None,
            moved: false,
            expanded: HashSet::new(),
            expand_gen: 0,
            rows: Vec::new(),
            row_of: Vec::new(),
            rows_key: None,
            reveal_op: None,
            plot: Rect::NOTHING,
            collapses_contexts: true,
            dim: None,
        }
    }
}

impl TimelineView {
    /// Forget the view so the next frame fits the new document.
    pub fn reset(&mut self) {
        self.fitted = false;
        self.moved = false;
        self.scroll_y = 0.0;
        self.expanded.clear();
        self.rows_key = None;
    }

    /// Fit again next frame (the axis changed), keeping the lane scroll.
    pub fn refit(&mut self) {
        self.fitted = false;
    }

    /// Zoom to invocation `k`'s band (`[`/`]`); without a band, fit all.
    pub fn fit_band(&mut self, l: &TimelineLayout, k: usize) {
        let Some(b) = l.bands.get(k).cloned().flatten() else {
            self.fit(l);
            return;
        };
        self.zoom_to(l, b.start, b.end);
    }

    /// Zoom to `[t0, t1]` (widened to a thousandth of the axis, so an
    /// instant still gets a readable view). A zoom the user asked for: a
    /// window resize keeps it.
    fn zoom_to(&mut self, l: &TimelineLayout, mut t0: f64, mut t1: f64) {
        let min = ((l.t_max - l.t_min) / 1000.0).max(1e-6);
        if t1 - t0 < min {
            let mid = (t0 + t1) / 2.0;
            (t0, t1) = (mid - min / 2.0, mid + min / 2.0);
        }
        let vp = Viewport::fit_range(t0, t1, self.plot_w);
        self.secs_per_px = vp.secs_per_px;
        self.t_start = vp.t_start;
        self.fitted = true;
        self.moved = true;
    }

    /// Fit everything (Home): the view follows window resizes again.
    pub fn fit(&mut self, l: &TimelineLayout) {
        let vp = Viewport::fit(l, self.plot_w);
        self.secs_per_px = vp.secs_per_px;
        self.t_start = vp.t_start;
        self.fitted = true;
        self.moved = false;
    }

    /// Whether the user has zoomed or panned since the last fit.
    pub fn moved(&self) -> bool {
        self.moved
    }

    /// The lanes shown, top to bottom (as of the last frame).
    pub fn rows(&self) -> &[usize] {
        &self.rows
    }

    /// Open or fold a summary lane (context index).
    pub fn toggle_summary(&mut self, context: usize) {
        if !self.expanded.remove(&context) {
            self.expanded.insert(context);
        }
        self.expand_gen += 1;
    }

    /// Rebuild the shown lanes if the document, the table's collapse state
    /// or the opened summaries changed.
    pub fn refresh_rows(
        &mut self,
        l: &TimelineLayout,
        collapsed: &HashSet<usize>,
        key: (u64, u64),
    ) {
        let key = (key.0, key.1, self.expand_gen);
        if self.rows_key == Some(key) && self.row_of.len() == l.lanes.len() {
            return;
        }
        self.rows_key = Some(key);
        self.rows = lanes::visible(
            l,
            Folds {
                collapsed,
                expanded: &self.expanded,
            },
        );
        self.row_of = lanes::rows_of(l, &self.rows);
    }

    /// Zoom to one operation (F): its span fills most of the view (a very
    /// short one gets a thousandth of the axis, so it stays findable), and
    /// its lane is scrolled into view. Without a span, fit everything.
    pub fn fit_op(&mut self, l: &TimelineLayout, op: usize) {
        let Some((li, si)) = l.span_of_op.get(op).copied().flatten() else {
            self.fit(l);
            return;
        };
        let s = &l.lanes[li].spans[si];
        self.zoom_to(l, s.start, s.end);
        self.reveal(l, op);
    }

    /// The visible time range, as the draw step takes it.
    pub fn viewport(&self) -> Viewport {
        Viewport {
            t_start: self.t_start,
            secs_per_px: self.secs_per_px,
            width: self.plot_w,
        }
    }

    /// Zoom by `factor` (>1 = in) around the screen x fraction `at` (0..1).
    pub fn zoom(&mut self, factor: f64, at: f64) {
        let w = self.plot_w as f64;
        let pivot = self.t_start + at * w * self.secs_per_px;
        self.secs_per_px = (self.secs_per_px / factor).clamp(1e-7, 1e7);
        self.t_start = pivot - at * w * self.secs_per_px;
        self.moved = true;
    }

    /// Pan by a fraction of the visible width.
    pub fn pan(&mut self, frac: f64) {
        self.t_start += frac * self.plot_w as f64 * self.secs_per_px;
        self.moved = true;
    }

    /// Bring an operation into view (pan, and scroll to its lane).
    pub fn reveal(&mut self, l: &TimelineLayout, op: usize) {
        // The row is known once the lanes are: scrolled to on the next frame.
        self.reveal_op = Some(op);
        if let Some((li, si)) = l.span_of_op.get(op).copied().flatten() {
            let s = &l.lanes[li].spans[si];
            let t_end = self.t_start + self.plot_w as f64 * self.secs_per_px;
            if s.start < self.t_start || s.start > t_end {
                self.t_start = s.start - 0.25 * self.plot_w as f64 * self.secs_per_px;
                self.moved = true;
            }
        }
    }

    /// Scroll so operation `op`'s row (or the row standing for it) shows.
    fn scroll_to(&mut self, l: &TimelineLayout, op: usize, pinned: usize) {
        let Some(lane) = lanes::shown_lane(l, &self.row_of, op) else {
            return;
        };
        let row = self.row_of[lane];
        if row < pinned {
            return;
        }
        let y = (row - pinned) as f32 * LANE_H;
        let h = self.plot_h - pinned as f32 * LANE_H;
        if y < self.scroll_y || y + LANE_H > self.scroll_y + h {
            self.scroll_y = (y - h / 2.0).max(0.0);
        }
    }

    /// The plot as last drawn: lane row `r` (below the pinned ones, less
    /// `scroll_y`) starts at `top + r * LANE_H`; the labels are left of it.
    pub fn plot_rect(&self) -> Rect {
        self.plot
    }

    /// The vertical scrollbar's track as last drawn; `None` when every lane fits.
    pub fn scrollbar_rect(&self) -> Option<Rect> {
        self.scrollbar
    }

    /// Largest `scroll_y`: the last lane's bottom at the plot's bottom.
    fn max_scroll(&self, rows: usize) -> f32 {
        (rows as f32 * LANE_H - self.plot_h).max(0.0)
    }

    /// One frame of the time view. `collapsed` is the table's collapse
    /// state (operations), `key` changes whenever the document or that
    /// state does.
    #[allow(clippy::too_many_arguments)]
    pub fn ui(
        &mut self,
        ui: &mut egui::Ui,
        doc: &Doc,
        selected: Option<usize>,
        invocation: Option<usize>,
        collapsed: &HashSet<usize>,
        key: (u64, u64),
        intents: &mut Vec<Intent>,
    ) {
        let l = &doc.timeline;
        self.refresh_rows(l, collapsed, key);
        let n_rows = self.rows.len();
        let pinned = lanes::pinned(l).min(n_rows);
        let rect = ui.available_rect_before_wrap();
        let resp = ui.allocate_rect(rect, Sense::click_and_drag());
        let lanes_top = rect.top() + RULER_H + BAND_H;
        // Lanes that do not fit get a scrollbar; the plot gives up its width.
        let overflow = l.has_times && n_rows as f32 * LANE_H > rect.bottom() - lanes_top;
        let bar_w = if overflow {
            ui.spacing().scroll.bar_width.max(8.0) + 2.0
        } else {
            0.0
        };
        let plot = Rect::from_min_max(
            Pos2::new(rect.left() + LABEL_W, lanes_top),
            Pos2::new(
                (rect.right() - bar_w).max(rect.left() + LABEL_W + 1.0),
                rect.bottom(),
            ),
        );
        self.plot = plot;
        let resized = (plot.width().max(1.0) - self.plot_w).abs() > 0.5;
        self.plot_w = plot.width().max(1.0);
        self.plot_h = plot.height().max(1.0);
        // At fit, a resized window refits (until the user zooms or pans).
        if !self.fitted || (resized && !self.moved) {
            self.fit(l);
        }
        if let Some(op) = self.reveal_op.take() {
            self.scroll_to(l, op, pinned);
        }
        let dark = ui.visuals().dark_mode;
        let painter = ui.painter_at(rect);
        let text_color = ui.visuals().text_color();
        let weak = ui.visuals().weak_text_color();
        let grid = ui.visuals().widgets.noninteractive.bg_stroke.color;
        let small = FontId::proportional(11.0);

        if !l.has_times {
            painter.text(
                rect.center(),
                Align2::CENTER_CENTER,
                "This source records no timestamps: the time view is empty (the table still shows every operation).",
                small,
                weak,
            );
            return;
        }

        self.handle_input(ui, &resp, plot);

        self.scrollbar = None;
        if overflow {
            let track = Rect::from_min_max(
                Pos2::new(plot.right(), plot.top()),
                Pos2::new(rect.right(), plot.bottom()),
            );
            self.scrollbar(ui, track, n_rows);
        }
        self.scroll_y = self.scroll_y.clamp(0.0, self.max_scroll(n_rows));

        // Lanes: the pinned root rows, then only the visible scrolled ones.
        let first = (pinned + (self.scroll_y / LANE_H).floor() as usize).min(n_rows);
        let count = ((self.plot_h - pinned as f32 * LANE_H).max(0.0) / LANE_H).ceil() as usize + 1;
        let last = (first + count).min(n_rows);
        let shown: Vec<usize> = (0..pinned).chain(first..last).collect();
        let expanded = &self.expanded;
        // An opened summary lane is a header over its contexts' lanes: its
        // copies of their spans are not drawn.
        let draw_lanes: Vec<usize> = shown
            .iter()
            .map(|&r| self.rows[r])
            .filter(|&li| {
                l.lanes[li]
                    .summary
                    .as_ref()
                    .is_none_or(|_| !expanded.contains(&l.lanes[li].context))
            })
            .collect();
        let dl = shapes(
            l,
            &self.viewport(),
            &DrawOptions {
                selected,
                invocation,
                all_markers: self.all_markers,
                lanes: draw_lanes,
            },
        );
        let scroll_y = self.scroll_y;
        let row_of = &self.row_of;
        let row_y = |row: usize| {
            let y = plot.top() + row as f32 * LANE_H;
            if row < pinned {
                y
            } else {
                y - scroll_y
            }
        };
        let lane_y = |li: usize| row_y(row_of.get(li).copied().unwrap_or(0));
        let lane_top = plot.top() + pinned as f32 * LANE_H;
        let scrolled = Rect::from_min_max(Pos2::new(plot.left(), lane_top), plot.max);

        // Invocation bands: shaded columns behind the lanes, a labelled header row.
        let band_row = Rect::from_min_max(
            Pos2::new(plot.left(), rect.top() + RULER_H),
            Pos2::new(plot.right(), plot.top()),
        );
        let plot_painter = painter.with_clip_rect(plot);
        let band_painter = painter.with_clip_rect(band_row);
        let base = if dark {
            Color32::from_rgb(60, 90, 130)
        } else {
            Color32::from_rgb(170, 200, 240)
        };
        for b in &dl.bands {
            let Some(Some(band)) = l.bands.get(b.invocation) else {
                continue;
            };
            let x0 = plot.left() + b.x;
            let x1 = x0 + b.width;
            let col_alpha = if b.selected { 0.28 } else { 0.10 };
            plot_painter.rect_filled(
                Rect::from_x_y_ranges(x0..=x1, plot.y_range()),
                0.0,
                base.gamma_multiply(col_alpha),
            );
            let head =
                Rect::from_x_y_ranges(x0..=x1, band_row.top() + 2.0..=band_row.bottom() - 2.0);
            band_painter.rect_filled(
                head,
                2.0,
                base.gamma_multiply(if b.selected { 0.9 } else { 0.45 }),
            );
            for &(h0, h1) in &b.hatched {
                // The inferred part of a window is hatched: its edge is a guess.
                let part =
                    Rect::from_x_y_ranges(plot.left() + h0..=plot.left() + h1, head.y_range());
                hatch(&band_painter, part, text_color.gamma_multiply(0.3));
            }
            if b.selected {
                band_painter.rect_stroke(
                    head,
                    2.0,
                    Stroke::new(1.5, text_color),
                    StrokeKind::Inside,
                );
            }
            let label = if b.label_w > 170.0 {
                if b.inferred {
                    format!("{} (inferred)", band.label)
                } else {
                    band.label.clone()
                }
            } else {
                format!("#{}", b.invocation + 1)
            };
            if b.label_w > 14.0 {
                band_painter.text(
                    Pos2::new(x0.max(plot.left()) + 3.0, head.center().y),
                    Align2::LEFT_CENTER,
                    label,
                    small.clone(),
                    text_color,
                );
            }
        }

        self.paint_axis(&painter, rect, plot, band_row, &dl, weak, grid);

        let label_col = Rect::from_min_max(
            Pos2::new(rect.left(), plot.top()),
            Pos2::new(plot.left(), plot.bottom()),
        );
        let label_pinned = painter.with_clip_rect(label_col);
        let label_scrolled = painter.with_clip_rect(Rect::from_min_max(
            Pos2::new(rect.left(), lane_top),
            Pos2::new(plot.left(), plot.bottom()),
        ));
        let plot_pinned = painter.with_clip_rect(plot);
        let plot_scrolled = painter.with_clip_rect(scrolled);
        let hover = resp.hover_pos();
        let mut hovered_label: Option<usize> = None;
        // Summary lanes' status mixes, painted over their spans.
        let mut mixes: Vec<(usize, String, Color32)> = Vec::new();
        for &row in &shown {
            let li = self.rows[row];
            let lane = &l.lanes[li];
            let y0 = row_y(row);
            let (lp, pp) = if row < pinned {
                (&label_pinned, &plot_pinned)
            } else {
                (&label_scrolled, &plot_scrolled)
            };
            // Stacked rows of one context: a faint line between them.
            let next_same = self
                .rows
                .get(row + 1)
                .and_then(|&n| l.lanes.get(n))
                .is_some_and(|n| n.sub > 0 && n.context == lane.context);
            let line = if next_same {
                Stroke::new(0.5, grid.gamma_multiply(0.35))
            } else {
                Stroke::new(0.5, grid)
            };
            pp.hline(plot.x_range(), y0 + LANE_H, line);
            let row_rect = Rect::from_x_y_ranges(label_col.x_range(), y0..=y0 + LANE_H);
            if hover.is_some_and(|h| row_rect.contains(h) && lp.clip_rect().contains(h)) {
                hovered_label = Some(li);
            }
            if lane.label.is_empty() {
                continue;
            }
            let open = expanded.contains(&lane.context);
            let (label, color) = match &lane.summary {
                Some(_) => (
                    format!("{} {}", if open { "⏷" } else { "⏵" }, lane.label),
                    style::switch_color(dark),
                ),
                None if lane.op.is_some() && self.collapses_contexts => {
                    (format!("⏷ {}", lane.label), text_color)
                }
                None => (lane.label.clone(), text_color),
            };
            lp.text(
                Pos2::new(
                    rect.left() + 4.0 + lane.depth as f32 * 10.0,
                    y0 + LANE_H / 2.0,
                ),
                Align2::LEFT_CENTER,
                label,
                small.clone(),
                color,
            );
            if let Some(sm) = lane.summary.as_ref().filter(|_| !open) {
                // The covering span: a bracket over the lane from the
                // first start to the latest end under it.
                let vp = self.viewport();
                let (x0, x1) = (
                    plot.left() + vp.x_of(sm.start),
                    plot.left() + vp.x_of(sm.end),
                );
                let c = style::switch_color(dark).gamma_multiply(0.7);
                pp.hline(x0..=x1.max(x0 + 1.0), y0 + 2.0, Stroke::new(1.0, c));
                for x in [x0, x1] {
                    pp.vline(x, y0 + 2.0..=y0 + 6.0, Stroke::new(1.0, c));
                }
                mixes.push((row, sm.mix_text(), c));
            }
        }
        let mut hovered: Option<&DrawnSpan> = None;
        let plot_for = |li: usize| {
            if row_of.get(li).is_some_and(|&r| r < pinned) {
                &plot_pinned
            } else {
                &plot_scrolled
            }
        };
        for s in &dl.spans {
            let y0 = lane_y(s.lane);
            let lane_rect = Rect::from_x_y_ranges(plot.x_range(), y0..=y0 + LANE_H);
            let r = self.paint_span(plot_for(s.lane), doc, plot, lane_rect, s, dark);
            if let Some(m) = &self.dim {
                let op = match s.kind {
                    SpanKind::Single(si) => l
                        .lanes
                        .get(s.lane)
                        .and_then(|ln| ln.spans.get(si))
                        .map(|x| x.op),
                    _ => None,
                };
                if !op.is_some_and(|o| m.get(o).copied().unwrap_or(false)) {
                    // Not found by the filter: veiled, still in place.
                    plot_for(s.lane).rect_filled(
                        r.expand(1.0),
                        0.0,
                        ui.visuals().panel_fill.gamma_multiply(0.75),
                    );
                }
            }
            if let Some(h) = hover {
                if r.expand2(Vec2::new(2.0, 0.0)).contains(h) {
                    // Later shapes are on top; the selected one is last.
                    hovered = Some(s);
                }
            }
        }
        for (row, text, c) in mixes {
            // At the lane's right end, over a backing, so spans never hide it.
            let pp = if row < pinned {
                &plot_pinned
            } else {
                &plot_scrolled
            };
            let galley = pp.layout_no_wrap(text, FontId::proportional(10.0), c);
            let at = Pos2::new(
                plot.right() - 4.0 - galley.size().x,
                row_y(row) + (LANE_H - galley.size().y) / 2.0,
            );
            let r = Rect::from_min_size(at, galley.size()).expand(1.0);
            pp.rect_filled(r, 2.0, ui.visuals().extreme_bg_color);
            pp.galley(at, galley, c);
        }
        // Switch markers: the selected invocation's, bold and labelled; with
        // "all switches", the others thin and unlabelled.
        let switch_col = style::switch_color(dark);
        for m in &dl.markers {
            let y0 = lane_y(m.lane);
            let plot_painter = plot_for(m.lane);
            // Across every stacked row of the context.
            let rows_h = l.lanes.get(m.lane).map_or(1, |x| x.rows.max(1)) as f32 * LANE_H;
            let x = plot.left() + m.x;
            let (w, c) = if m.faint {
                (1.0, switch_col.gamma_multiply(0.45))
            } else {
                (2.5, switch_col)
            };
            plot_painter.vline(x, y0 - 3.0..=y0 + rows_h + 3.0, Stroke::new(w, c));
            if m.labelled {
                let font = FontId::proportional(11.0);
                // At the left edge there is no replay part to label.
                if m.x > MARKER_LEFT_W {
                    plot_painter.text(
                        Pos2::new(x - 3.0, y0 + 1.0),
                        Align2::RIGHT_TOP,
                        "replay",
                        font.clone(),
                        c,
                    );
                }
                plot_painter.text(
                    Pos2::new(x + 3.0, y0 + 1.0),
                    Align2::LEFT_TOP,
                    "execution",
                    font,
                    c,
                );
            }
        }
        if let Some(dv) = &dl.divergence {
            // Where the run diverged: the code asked for an operation the
            // history never checkpointed.
            let y0 = lane_y(dv.lane);
            let x = plot.left() + dv.x;
            let red = style::status_color(crate::model::OpStatus::Failed, dark);
            let p = plot_for(dv.lane);
            p.vline(x, y0 - 3.0..=y0 + LANE_H + 3.0, Stroke::new(3.0, red));
            // Near the right edge (a failing last invocation), the label
            // goes left of the marker, so it stays in view.
            let (at, align) = if x > plot.right() - 120.0 {
                (Pos2::new(x - 5.0, y0 + LANE_H - 1.0), Align2::RIGHT_BOTTOM)
            } else {
                (Pos2::new(x + 4.0, y0 + LANE_H - 1.0), Align2::LEFT_BOTTOM)
            };
            let galley =
                p.layout_no_wrap(format!("✖ {}", dv.found), FontId::proportional(11.0), red);
            let r = align.anchor_size(at, galley.size()).expand(1.0);
            p.rect_filled(r, 2.0, ui.visuals().extreme_bg_color);
            p.text(
                at,
                align,
                format!("✖ {}", dv.found),
                FontId::proportional(11.0),
                red,
            );
            if hover.is_some_and(|h| (h.x - x).abs() < 4.0 && h.y >= y0 && h.y <= y0 + LANE_H) {
                let found = dv.found.clone();
                resp.clone().on_hover_ui_at_pointer(|ui| {
                    ui.label(
                        egui::RichText::new(format!("diverged: the code asked for '{found}'"))
                            .strong()
                            .color(red),
                    );
                    ui.label("asked for by the code, never checkpointed");
                });
            }
        }
        for n in &dl.notes {
            // In the band's header: it never covers a span.
            let c = if n.faint { weak } else { switch_col };
            let font = FontId::proportional(if n.faint { 10.0 } else { 11.0 });
            let at = Pos2::new(plot.left() + n.x, band_row.center().y);
            if n.right_aligned {
                band_painter.text(at, Align2::RIGHT_CENTER, n.text, font, c);
            } else {
                let galley = band_painter.layout_no_wrap(n.text.to_string(), font, c);
                let r =
                    Rect::from_min_size(at - Vec2::new(0.0, galley.size().y / 2.0), galley.size())
                        .expand(1.0);
                band_painter.rect_filled(r, 2.0, ui.visuals().extreme_bg_color);
                band_painter.galley(r.min + Vec2::splat(1.0), galley, c);
            }
        }
        // The toggle for the other invocations' markers, left of the band
        // headers (the ruler row's corner holds the lane count).
        let toggle = Rect::from_min_size(
            Pos2::new(rect.left() + 2.0, band_row.top()),
            Vec2::new(LABEL_W - 4.0, band_row.height()),
        );
        ui.put(
            toggle,
            egui::Checkbox::new(
                &mut self.all_markers,
                egui::RichText::new("all switches").size(10.0),
            ),
        )
        .on_hover_text(
            "Show every invocation's replay | execution switches, not only the selected one's",
        );
        // The axis switch (C), in the ruler row's corner.
        let axis_btn = Rect::from_min_size(
            Pos2::new(rect.left() + 2.0, rect.top()),
            Vec2::new(78.0, RULER_H),
        );
        let kind = l.axis.kind;
        let clicked = ui
            .put(
                axis_btn,
                egui::Button::new(
                    egui::RichText::new(format!("⏱ {}", kind.name())).size(10.0),
                )
                .small()
                .selected(kind == AxisKind::Compressed),
            )
            .on_hover_text(
                "Time axis (C): real time, or compressed — each idle gap between invocations shrunk to one width with a break mark saying what it was and how long",
            )
            .clicked();
        if clicked {
            intents.push(Intent::Axis(kind.other()));
        }
        if overflow {
            painter.text(
                Pos2::new(axis_btn.right() + 4.0, rect.top() + 2.0),
                Align2::LEFT_TOP,
                format!(
                    "{}–{}/{} lanes",
                    first + 1,
                    (first + count).min(l.lanes.len()),
                    l.lanes.len()
                ),
                FontId::proportional(10.0),
                weak,
            );
        }
        painter.vline(plot.left(), rect.y_range(), Stroke::new(1.0, grid));

        // A click on a band's header selects its invocation.
        if resp.clicked() {
            if let Some(h) = hover.filter(|h| band_row.contains(*h)) {
                if let Some(b) = dl
                    .bands
                    .iter()
                    .rev()
                    .find(|b| h.x >= plot.left() + b.x && h.x <= plot.left() + b.x + b.width)
                {
                    intents.push(Intent::Invocation(Some(b.invocation)));
                }
            }
        }
        if hovered.is_none() {
            // Over a break: what the gap was and how long.
            if let Some(h) = hover.filter(|h| h.y >= rect.top() && h.x >= plot.left()) {
                if let Some(g) = dl
                    .breaks
                    .iter()
                    .find(|b| h.x >= plot.left() + b.x && h.x <= plot.left() + b.x + b.width)
                    .and_then(|b| l.axis.gaps.get(b.gap))
                {
                    let text = g.label();
                    resp.clone().on_hover_ui_at_pointer(|ui| {
                        ui.label(text);
                    });
                }
            }
        }
        if let Some(s) = hovered {
            // A run may hold a million operations: count them, list a few.
            let count = dl.ops_iter(l, s).count();
            let ops: Vec<usize> = dl.ops_iter(l, s).take(tooltip::RUN_NAMES).collect();
            let at_x = hover.map(|h| h.x - plot.left());
            resp.clone().on_hover_ui_at_pointer(|ui| {
                tooltip::show(ui, doc, s, &ops, count, at_x);
            });
            if resp.clicked() {
                // A merged run selects its first operation; zoom in for the rest.
                if let Some(&op) = ops.first() {
                    intents.push(Intent::Select {
                        op,
                        from_timeline: true,
                    });
                }
            }
        }
        let mut fit_all = false;
        if resp.double_clicked() {
            // On a collapsed context's span (left in its parent's lane):
            // expand it here and in the table, which share the state; a
            // double click anywhere else fits everything.
            let closed = hovered
                .and_then(|s| dl.ops_iter(l, s).next())
                .filter(|op| self.collapses_contexts && collapsed.contains(op));
            match closed {
                Some(op) => intents.push(Intent::Collapse(op)),
                None => fit_all = true,
            }
        }
        if let Some(li) = hovered_label {
            let lane = &l.lanes[li];
            let tip = match &lane.summary {
                Some(sm) => {
                    let open = if expanded.contains(&lane.context) {
                        "Click to fold them back into this lane."
                    } else {
                        "Click to show their lanes."
                    };
                    format!(
                        "{}\n{}\ncovering +{} … +{}\n{open}",
                        lane.label,
                        sm.mix_text(),
                        // Axis units back to seconds from the start: the
                        // compressed axis shrinks the gaps between.
                        format_duration_micros((l.axis.secs(sm.start) * 1e6).round() as i64),
                        format_duration_micros((l.axis.secs(sm.end) * 1e6).round() as i64),
                    )
                }
                None if lane.op.is_some() && self.collapses_contexts => format!(
                    "{}\nClick to collapse it (here and in the table); expand it again in the table.",
                    lane.label
                ),
                None => lane.label.clone(),
            };
            let clicked = resp.clicked();
            resp.clone().on_hover_text_at_pointer(tip);
            if clicked {
                match (&lane.summary, lane.op) {
                    (Some(_), _) => {
                        let c = lane.context;
                        self.toggle_summary(c);
                    }
                    (None, Some(op)) if self.collapses_contexts => {
                        intents.push(Intent::Collapse(op))
                    }
                    _ => {}
                }
            }
        }
        if fit_all {
            self.fit(l);
        }
    }

    /// The lanes' vertical scrollbar: drag the handle, or click the track to
    /// page. Constant work per frame, whatever the number of lanes.
    fn scrollbar(&mut self, ui: &egui::Ui, track: Rect, lanes: usize) {
        self.scrollbar = Some(track);
        let max = self.max_scroll(lanes);
        let total = lanes as f32 * LANE_H;
        let handle_h = (track.height() * self.plot_h / total.max(1.0))
            .max(ui.spacing().scroll.handle_min_length)
            .min(track.height());
        let travel = (track.height() - handle_h).max(1.0);
        let handle_at = |scroll: f32| {
            let y = track.top() + travel * (scroll / max.max(1.0)).clamp(0.0, 1.0);
            Rect::from_x_y_ranges(track.x_range(), y..=y + handle_h).shrink2(Vec2::new(2.0, 1.0))
        };
        let resp = ui.interact(
            track,
            ui.id().with("timeline-lanes-scrollbar"),
            Sense::click_and_drag(),
        );
        resp.widget_info(|| {
            egui::WidgetInfo::labeled(egui::WidgetType::Slider, true, "scroll lanes")
        });
        if resp.dragged() {
            self.scroll_y += resp.drag_delta().y * max / travel;
        } else if resp.clicked() {
            // A click on the track pages towards it.
            if let Some(p) = resp.interact_pointer_pos() {
                let h = handle_at(self.scroll_y);
                if p.y < h.top() {
                    self.scroll_y -= self.plot_h;
                } else if p.y > h.bottom() {
                    self.scroll_y += self.plot_h;
                }
            }
        }
        self.scroll_y = self.scroll_y.clamp(0.0, max);
        let v = ui.visuals();
        let fill = if resp.dragged() {
            v.widgets.active.bg_fill
        } else if resp.hovered() {
            v.widgets.hovered.bg_fill
        } else {
            v.widgets.inactive.bg_fill
        };
        let painter = ui.painter_at(track);
        painter.rect_filled(track, 0.0, v.extreme_bg_color);
        painter.rect_filled(handle_at(self.scroll_y), 3.0, fill);
    }

    fn handle_input(&mut self, ui: &egui::Ui, resp: &egui::Response, plot: Rect) {
        if resp.dragged() {
            let d = resp.drag_delta();
            self.t_start -= d.x as f64 * self.secs_per_px;
            self.scroll_y -= d.y;
        }
        if !resp.hovered() {
            return;
        }
        let (zoom, scroll, pointer) =
            ui.input(|i| (i.zoom_delta(), i.smooth_scroll_delta, i.pointer.hover_pos()));
        let at = pointer
            .map(|p| ((p.x - plot.left()) / plot.width()).clamp(0.0, 1.0) as f64)
            .unwrap_or(0.5);
        if zoom != 1.0 {
            self.zoom(zoom as f64, at);
        }
        if scroll.x != 0.0 {
            self.t_start -= scroll.x as f64 * self.secs_per_px;
        }
        if scroll.y != 0.0 {
            self.scroll_y -= scroll.y;
        }
    }

    /// The ruler's ticks and the compressed axis's break marks, from the
    /// draw list (the core's axis decides where each time goes).
    #[allow(clippy::too_many_arguments)]
    fn paint_axis(
        &self,
        painter: &egui::Painter,
        rect: Rect,
        plot: Rect,
        band_row: Rect,
        dl: &crate::timeline::DrawList,
        weak: Color32,
        grid: Color32,
    ) {
        let ruler_p = painter.with_clip_rect(Rect::from_x_y_ranges(plot.x_range(), rect.y_range()));
        for t in &dl.ticks {
            let x = plot.left() + t.x;
            ruler_p.vline(x, rect.top()..=rect.top() + RULER_H, Stroke::new(1.0, weak));
            ruler_p.vline(
                x,
                plot.y_range(),
                Stroke::new(0.5, grid.gamma_multiply(0.5)),
            );
            ruler_p.text(
                Pos2::new(x + 3.0, rect.top()),
                Align2::LEFT_TOP,
                &t.label,
                FontId::proportional(10.0),
                weak,
            );
        }
        for b in &dl.breaks {
            let x0 = plot.left() + b.x;
            let r = Rect::from_x_y_ranges(x0..=x0 + b.width, rect.top()..=plot.bottom());
            ruler_p.rect_filled(r, 0.0, weak.gamma_multiply(0.12));
            // A narrow break (many invocations) is one zigzag, not two.
            let edges = if b.width < 16.0 {
                vec![r.center().x]
            } else {
                vec![r.left(), r.right()]
            };
            for edge in edges {
                let mut pts = Vec::new();
                let mut y = r.top();
                let mut left = true;
                while y < r.bottom() {
                    pts.push(Pos2::new(edge + if left { -2.0 } else { 2.0 }, y));
                    left = !left;
                    y += 4.0;
                }
                ruler_p.add(Shape::line(pts, Stroke::new(0.8, weak)));
            }
            ruler_p.with_clip_rect(r.intersect(band_row)).text(
                Pos2::new(r.center().x, band_row.center().y),
                Align2::CENTER_CENTER,
                &b.text,
                FontId::proportional(11.0),
                weak,
            );
        }
    }

    #[allow(clippy::too_many_arguments)]
    fn paint_span(
        &self,
        p: &egui::Painter,
        doc: &Doc,
        plot: Rect,
        lane: Rect,
        d: &DrawnSpan,
        dark: bool,
    ) -> Rect {
        let l = &doc.timeline;
        let x0 = plot.left() + d.x;
        let r = Rect::from_x_y_ranges(x0..=x0 + d.width, lane.top() + 4.0..=lane.bottom() - 4.0);
        let text_c = if dark { Color32::WHITE } else { Color32::BLACK };
        let SpanKind::Single(si) = d.kind else {
            // A merged run of sub-pixel spans: one neutral shape, its
            // operations listed in the tooltip.
            let c = if dark {
                Color32::from_rgb(150, 160, 185)
            } else {
                Color32::from_rgb(110, 120, 150)
            };
            p.rect_filled(r, 1.0, c.gamma_multiply(0.8));
            return r;
        };
        let Some(s) = l.lanes.get(d.lane).and_then(|ln| ln.spans.get(si)) else {
            return Rect::NOTHING;
        };
        let Some(o) = doc.ops().get(s.op) else {
            return Rect::NOTHING;
        };
        let fill = style::type_fill(o.op_type, dark);
        let status_c = style::status_color(o.status, dark);
        match o.op_type {
            OpType::Wait => {
                // A waiting span: outlined with a hatched middle line.
                p.rect_filled(r, 2.0, fill.gamma_multiply(0.18));
                p.rect_stroke(r, 2.0, Stroke::new(1.0, fill), StrokeKind::Inside);
                p.extend(Shape::dashed_line(
                    &[
                        Pos2::new(r.left(), r.center().y),
                        Pos2::new(r.right(), r.center().y),
                    ],
                    Stroke::new(1.0, fill),
                    4.0,
                    3.0,
                ));
            }
            OpType::Context => {
                let thin =
                    Rect::from_x_y_ranges(r.x_range(), r.center().y - 3.0..=r.center().y + 3.0);
                p.rect_filled(thin, 1.0, fill.gamma_multiply(0.7));
            }
            OpType::Callback | OpType::ChainedInvoke => {
                p.rect_filled(r, 2.0, fill.gamma_multiply(0.55));
                // Diamonds at creation and completion.
                for x in [r.left(), r.right()] {
                    let c = Pos2::new(x, r.center().y);
                    p.add(Shape::convex_polygon(
                        vec![
                            c + Vec2::new(0.0, -5.0),
                            c + Vec2::new(4.0, 0.0),
                            c + Vec2::new(0.0, 5.0),
                            c + Vec2::new(-4.0, 0.0),
                        ],
                        fill,
                        Stroke::NONE,
                    ));
                }
            }
            _ if !d.attempts.is_empty() => {
                // Retries: attempt segments, dashed backoff gaps between them.
                let mut prev_end: Option<f32> = None;
                for a in &d.attempts {
                    let ax0 = plot.left() + a.x;
                    let ax1 = ax0 + a.width;
                    if let Some(pe) = prev_end {
                        p.extend(Shape::dashed_line(
                            &[Pos2::new(pe, r.center().y), Pos2::new(ax0, r.center().y)],
                            Stroke::new(1.0, status_c),
                            3.0,
                            3.0,
                        ));
                    }
                    let ar = Rect::from_x_y_ranges(ax0..=ax1, r.y_range());
                    let c = if a.failed {
                        style::status_color(crate::model::OpStatus::Failed, dark)
                    } else {
                        fill
                    };
                    p.rect_filled(ar, 2.0, c);
                    prev_end = Some(ax1);
                }
            }
            _ => {
                p.rect_filled(r, 2.0, fill);
            }
        }
        // Status shape on the left edge, so status never rests on colour
        // alone; then the name, where the markers leave room for it.
        if let Some((a, b)) = d.label {
            let (a, b) = (plot.left() + a, plot.left() + b);
            let clip = Rect::from_x_y_ranges(a..=b, r.y_range()).intersect(plot);
            let p = p.with_clip_rect(clip);
            p.text(
                Pos2::new(a + 2.0, r.center().y),
                Align2::LEFT_CENTER,
                style::status_icon(o.status),
                FontId::proportional(10.0),
                status_c,
            );
            let label = if s.open {
                format!("{} …", doc.label(s.op))
            } else {
                doc.label(s.op).into_owned()
            };
            p.text(
                Pos2::new(a + LABEL_INSET, r.center().y),
                Align2::LEFT_CENTER,
                label,
                FontId::proportional(11.0),
                text_c,
            );
        }
        if d.selected {
            p.rect_stroke(
                r.expand(2.0),
                3.0,
                Stroke::new(2.0, text_c),
                StrokeKind::Outside,
            );
        }
        r
    }
}

/// Diagonal hatching over `r` (an inferred invocation window).
fn hatch(p: &egui::Painter, r: Rect, c: Color32) {
    let p = p.with_clip_rect(r.intersect(p.clip_rect()));
    let clip = p.clip_rect();
    let step = 6.0;
    let mut x = clip.left() - r.height();
    while x < clip.right() {
        p.line_segment(
            [Pos2::new(x, r.bottom()), Pos2::new(x + r.height(), r.top())],
            Stroke::new(1.0, c),
        );
        x += step;
    }
}
