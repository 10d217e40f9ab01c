//! Any bytes given to `load_bytes`: never a panic, and every error names the file.
#![no_main]

use libfuzzer_sys::fuzz_target;

const NAME: &str = "fuzz-input.json";

fuzz_target!(|data: &[u8]| {
    if let Err(e) = durable_lens::load::load_bytes(NAME, data) {
        let text = e.to_string();
        assert!(text.contains(NAME), "error does not name the file: {text}");
    }
});
