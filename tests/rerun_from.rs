//! `--from-invocation K` hands the handler exactly the state it saw at
//! recorded invocation K: the official Python SDK, which parses the
//! service's timestamps as epoch seconds, replays its own recording from
//! every K (store file and history events alike) with no divergence, no
//! changed result and no invocation the recording does not have.

#[path = "handlers/support.rs"]
mod support;

use serde_json::Value;
use std::path::Path;

fn rerun_from(history: &Path, k: usize) -> (i32, Value, String) {
    let handler = format!(
        "{} {} order_flow:handler",
        support::python().display(),
        support::root()
            .join("assets/runners/python-runner.py")
            .display()
    );
    let handlers = support::handlers_dir();
    support::rerun_json(&[
        history.to_str().expect("a UTF-8 path"),
        "--handler",
        &handler,
        "--strict",
        "--from-invocation",
        &k.to_string(),
        "--cwd",
        handlers.to_str().expect("a UTF-8 path"),
    ])
}

#[test]
fn python_replays_its_own_recording_from_every_invocation() {
    let dir = tempfile::tempdir().unwrap();
    let (store, events) =
        support::record_py_files(dir.path(), "order_flow:handler", r#"{"orderId":"123"}"#);
    for file in [&store, &events] {
        let recorded = support::load_one(file);
        let n = recorded.invocations.len();
        assert!(n >= 2, "the recording waits once: {n} invocation(s)");
        for k in 1..=n {
            let (code, v, err) = rerun_from(file, k);
            assert_eq!(
                code,
                0,
                "{} from invocation {k}: {v:#}\n{err}",
                file.display()
            );
            assert_eq!(v["verdict"], "same", "{v:#}");
            assert_eq!(
                v["invocations"].as_array().map(Vec::len),
                Some(n - k + 1),
                "from invocation {k} of {n}: {v:#}"
            );
        }
    }
}
