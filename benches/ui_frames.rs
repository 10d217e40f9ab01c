//! Frame cost of the app's UI at scale: runs the real `App::ui` headless
//! (egui::Context::run, no window) for a fixed number of frames on a
//! generated 100-, 50,000- and 1,000,000-operation history, each at fit zoom
//! and zoomed in (a thousandth of the axis, around the middle), and prints
//! the ratio of each mean frame time to the 100-operation history's at fit.
//! Target: ≤ 1.5 (per-frame work depends on what is visible, not on the
//! total). Under `cargo test` (no `--bench`) it is a smoke run: 5 frames on
//! 100 and 2,000 operations.
//!
//! Last measured (same build and machine as benches/launch.rs: this crate
//! at opt-level 3, egui at opt-level 1): 100 ops 3.48 ms/frame at fit;
//! 50,000 ops 1.05x at fit, 0.78x zoomed; 1,000,000 ops 1.23x at fit,
//! 1.09x zoomed (target <= 1.5x).

use durable_lens::model::{
    Attempt, Execution, Format, History, Invocation, OpStatus, OpType, Operation, Payload, Sdk, Ts,
};
use durable_lens::ui::app::{App, Persisted};
use durable_lens::ui::Doc;
use std::time::{Duration, Instant};

const WARMUP: usize = 10;

/// Batches of 100: one map-like CONTEXT followed by 99 steps inside it (each
/// batch its own lane), every 7th step retried once; 50 invocations.
fn history(n: usize) -> History {
    let t0 = 1_795_000_000_000_000i64;
    let invocations = 50.min(n.max(1));
    let mut ops = Vec::with_capacity(n);
    let mut parent: Option<String> = None;
    for i in 0..n {
        let start = t0 + i as i64 * 10_000;
        let end = start + 6_000;
        let inv = i * invocations / n.max(1);
        let is_ctx = i % 100 == 0;
        let id = format!("{i:016x}");
        let attempts = if !is_ctx && i % 7 == 0 {
            vec![
                Attempt {
                    number: 1,
                    start: Some(Ts(start)),
                    end: Some(Ts(start + 1_000)),
                    status: OpStatus::Failed,
                    error: None,
                    next_attempt_at: Some(Ts(start + 3_000)),
                    invocation: Some(inv),
                },
                Attempt {
                    number: 2,
                    start: Some(Ts(start + 3_000)),
                    end: Some(Ts(end)),
                    status: OpStatus::Succeeded,
                    error: None,
                    next_attempt_at: None,
                    invocation: Some(inv),
                },
            ]
        } else {
            Vec::new()
        };
        ops.push(Operation {
            id: id.clone(),
            parent_id: if is_ctx { None } else { parent.clone() },
            name: Some(if is_ctx {
                format!("batch-{}", i / 100)
            } else {
                format!("step-{i}")
            }),
            op_type: if is_ctx {
                OpType::Context
            } else {
                OpType::Step
            },
            sub_type: Some(if is_ctx { "Map".into() } else { "Step".into() }),
            status: OpStatus::Succeeded,
            start: Some(Ts(start)),
            end: Some(Ts(if is_ctx { start + 1_000_000 } else { end })),
            result: Some(Payload::new(format!("{{\"i\":{i},\"ok\":true}}"))),
            error: None,
            attempts,
            scheduled_end: None,
            wait_seconds: None,
            callback_id: None,
            next_attempt_at: None,
            started_in: Some(inv),
            finished_in: Some(inv),
        });
        if is_ctx {
            parent = Some(id);
        }
    }
    let span = n as i64 * 10_000 / invocations as i64;
    let invs = (0..invocations)
        .map(|k| Invocation {
            start: Some(Ts(t0 + k as i64 * span)),
            end: Some(Ts(t0 + (k as i64 + 1) * span - 1)),
            request_id: Some(format!("req-{k}")),
            error: None,
            inferred: false,
            ..Default::default()
        })
        .collect();
    History {
        source: format!("generated {n}"),
        origin: None,
        format: Format::Operations,
        warnings: Vec::new(),
        executions: vec![Execution {
            arn: Some(format!("arn:generated:{n}")),
            execution_op_id: None,
            name: Some(format!("generated-{n}")),
            function_name: Some("bench".into()),
            status: Some(OpStatus::Succeeded),
            start: Some(Ts(t0)),
            end: Some(Ts(t0 + n as i64 * 10_000)),
            input: None,
            result: None,
            error: None,
            operations: ops,
            invocations: invs,
            sdk: Sdk::Js,
        }],
    }
}

fn input(frame: usize) -> egui::RawInput {
    let mut raw = egui::RawInput {
        screen_rect: Some(egui::Rect::from_min_size(
            egui::Pos2::ZERO,
            egui::vec2(1400.0, 900.0),
        )),
        time: Some(frame as f64 / 60.0),
        ..Default::default()
    };
    // Hover the time view so its hit-testing runs every frame too.
    raw.events
        .push(egui::Event::PointerMoved(egui::pos2(600.0, 750.0)));
    raw
}

/// Mean frame time of the full app UI with `n` operations, at fit zoom
/// and zoomed in 1000× around the middle of the axis.
fn mean_frames(n: usize, frames: usize) -> (Duration, Duration) {
    let mut app = App::new(Persisted::default());
    let doc = Doc::build(history(n), 0, None, None);
    app.set_doc(doc);
    // Something selected and an invocation focused: the realistic state.
    app.select(n / 2);
    app.set_invocation(Some(25.min(n.saturating_sub(1))));
    let ctx = egui::Context::default();
    let mut f = 0;
    let mut run = |app: &mut App, frames: usize| {
        for _ in 0..WARMUP {
            let _ = ctx.run(input(f), |c| app.ui(c));
            f += 1;
        }
        let start = Instant::now();
        for _ in 0..frames {
            let _ = ctx.run(input(f), |c| app.ui(c));
            f += 1;
        }
        start.elapsed() / frames.max(1) as u32
    };
    let fit = run(&mut app, frames);
    app.timeline.zoom(1000.0, 0.5);
    let zoomed = run(&mut app, frames);
    (fit, zoomed)
}

fn main() {
    // `cargo bench` passes --bench; `cargo test --all-targets` runs this as a
    // quick smoke test instead of the full measurement.
    let measuring = std::env::args().any(|a| a == "--bench");
    let frames = if measuring { 120 } else { 5 };
    let sizes: &[usize] = if measuring {
        &[100, 50_000, 1_000_000]
    } else {
        &[100, 2_000]
    };
    let mut base = None;
    for &n in sizes {
        let (fit, zoomed) = mean_frames(n, frames);
        let base = *base.get_or_insert(fit.as_secs_f64());
        for (view, t) in [("fit", fit), ("zoomed", zoomed)] {
            let ratio = t.as_secs_f64() / base;
            println!(
                "ui_frames: {n:>9} ops, {view:<6}: {:8.3} ms/frame, ratio to 100 ops at fit {ratio:5.2}{}",
                t.as_secs_f64() * 1e3,
                if !measuring || n == 100 {
                    ""
                } else if ratio <= 1.5 {
                    " (target <= 1.5) OK"
                } else {
                    " (target <= 1.5) OVER TARGET"
                }
            );
        }
    }
    if !measuring {
        println!("ui_frames: smoke run ({frames} frames, unoptimised); `cargo bench --bench ui_frames` measures");
    }
}
