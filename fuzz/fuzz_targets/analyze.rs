//! Whatever loads can be analysed and diffed without a panic: every
//! execution's analysis, its whole sequence against itself and against the
//! next execution, and each invocation against the next one.
#![no_main]

use durable_lens::diff::{diff, execution_sequence, invocation_sequence, DiffOptions};
use durable_lens::replay::analyze;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(history) = durable_lens::load::load_bytes("a.json", data) else {
        return;
    };
    let mut previous = None;
    for exec in &history.executions {
        let a = analyze(exec);
        let whole = execution_sequence(exec, &a);
        let report = diff(&whole, &whole, DiffOptions::default());
        assert!(report.is_consistent(), "an execution differs from itself");
        let invs: Vec<_> = (0..a.invocations.len())
            .map(|i| invocation_sequence(exec, &a, i))
            .collect();
        for pair in invs.windows(2) {
            let _ = diff(
                &pair[0],
                &pair[1],
                DiffOptions {
                    allow_progress: true,
                },
            );
        }
        if let Some(prev) = previous.replace(whole.clone()) {
            let _ = diff(&prev, &whole, DiffOptions::default());
        }
    }
});
