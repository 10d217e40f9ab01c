//! The fast history-events path and serde alone give the same outcome for
//! any bytes: the same history, or the same error (as the mutation test in
//! src/load/fast_events_tests.rs checks on its fixed corpus).
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let fast = durable_lens::load::load_bytes("f.json", data).map_err(|e| e.to_string());
    let serde =
        durable_lens::load::load_bytes_serde_only("f.json", data).map_err(|e| e.to_string());
    assert!(
        fast == serde,
        "the fast path changed the outcome\nfast:  {:?}\nserde: {:?}",
        fast.as_ref().map(|h| &h.executions),
        serde.as_ref().map(|h| &h.executions)
    );
});
