//! `durable-lens timeline`: the time view of one execution rendered headless
//! as SVG (the contract of its `data-*` attributes is in README), for bug
//! reports, docs and tests.

use super::output::load;
use crate::replay::analyze;
use crate::timeline::svg::{render, SvgOptions};
use crate::timeline::{AxisKind, TimelineLayout};
use anyhow::{bail, Context, Result};
use clap::{Args, ValueEnum};
use std::path::PathBuf;

#[derive(Args, Debug)]
pub struct TimelineArgs {
    pub file: PathBuf,
    /// Which execution of a store or multi-execution file: 1-based index, ARN (or its suffix) or name.
    #[arg(long)]
    pub execution: Option<String>,
    /// Zoom to this invocation (1-based) and show its replay | execution switches.
    #[arg(long)]
    pub invocation: Option<usize>,
    /// The time axis: `real`, or `compressed` (idle gaps between invocations
    /// shrunk to one width with a break mark). Default: compressed when those
    /// gaps hold at least half of the execution's time.
    #[arg(long, value_enum)]
    pub axis: Option<AxisArg>,
    /// Width of the image in pixels.
    #[arg(long, default_value_t = 1200)]
    pub width: u32,
    /// Where to write the picture: `.svg`, or `.png` (the same SVG rasterised).
    #[arg(short, long)]
    pub output: PathBuf,
}

#[derive(ValueEnum, Clone, Copy, Debug, PartialEq, Eq)]
pub enum AxisArg {
    Real,
    Compressed,
}

impl From<AxisArg> for AxisKind {
    fn from(a: AxisArg) -> AxisKind {
        match a {
            AxisArg::Real => AxisKind::Real,
            AxisArg::Compressed => AxisKind::Compressed,
        }
    }
}

pub fn run(args: &TimelineArgs) -> Result<i32> {
    let ext = args
        .output
        .extension()
        .map(|x| x.to_string_lossy().to_ascii_lowercase());
    let png = match ext.as_deref() {
        Some("svg") => false,
        Some("png") => true,
        _ => bail!(
            "{}: expected an output file ending in .svg or .png",
            args.output.display()
        ),
    };
    if !(200..=100_000).contains(&args.width) {
        bail!(
            "--width {}: expected a width between 200 and 100000 pixels",
            args.width
        );
    }
    let history = load(&args.file, args.execution.as_deref())?;
    let e = match history.executions.as_slice() {
        [e] => e,
        [] => bail!("{}: holds no execution", history.source),
        many => bail!(
            "{}: holds {} executions; pick one with --execution (a 1-based index, ARN or name; `durable-lens list` shows them)",
            history.source,
            many.len()
        ),
    };
    let a = analyze(e);
    let invocation = match args.invocation {
        None => None,
        Some(n) if n >= 1 && n <= a.invocations.len() => Some(n - 1),
        Some(n) => bail!(
            "{}: --invocation {n}: expected 1 to {} (the execution's invocations)",
            history.source,
            a.invocations.len()
        ),
    };
    let mut layout = TimelineLayout::build(e, &a);
    let axis = args
        .axis
        .map_or_else(|| layout.default_axis(), AxisKind::from);
    layout.set_axis(axis);
    let svg = render(
        e,
        &a,
        &layout,
        &SvgOptions {
            width: args.width as f32,
            invocation,
            selected: None,
        },
    );
    let bytes = if png {
        crate::timeline::png::render(&svg)
            .with_context(|| format!("cannot draw {}", args.output.display()))?
    } else {
        svg.into_bytes()
    };
    std::fs::write(&args.output, bytes)
        .with_context(|| format!("cannot write {}", args.output.display()))?;
    Ok(0)
}
