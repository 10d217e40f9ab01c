//! The `durable-lens` binary: a subcommand runs headless; no subcommand opens
//! the desktop app.

use clap::Parser;
use durable_lens::cli::{self, Cli};

fn main() {
    // A re-run's handler supervisor is this binary in a hidden mode.
    #[cfg(unix)]
    if let Some(code) = durable_lens::rerun::supervisor::run_if_asked() {
        std::process::exit(code);
    }
    let args = Cli::parse();
    cli::set_service_args(args.service.clone());
    let code = match args.command {
        Some(command) => cli::run(command),
        None => open_app(args.file),
    };
    std::process::exit(code);
}

#[cfg(feature = "gui")]
fn open_app(file: Option<std::path::PathBuf>) -> i32 {
    match durable_lens::ui::run(file) {
        Ok(()) => 0,
        Err(e) => {
            eprintln!("error: {e:#}");
            2
        }
    }
}

#[cfg(not(feature = "gui"))]
fn open_app(_file: Option<std::path::PathBuf>) -> i32 {
    eprintln!("error: this build has no desktop app (built without the `gui` feature); use a subcommand, see --help");
    2
}
