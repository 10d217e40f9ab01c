//! durable-lens core: load durable execution histories, analyse replay,
//! diff invocations and re-run handlers. Nothing here depends on egui; the
//! desktop app (`ui`, behind the `gui` feature) and the CLI sit on top.
#![forbid(unsafe_code)]

pub mod cli;
pub mod diff;
pub mod live;
pub mod load;
pub mod model;
pub mod replay;
pub mod rerun;
pub mod select;
pub mod timeline;
#[cfg(feature = "gui")]
pub mod ui;
pub mod write;
