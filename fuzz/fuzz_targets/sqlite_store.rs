//! Any bytes as a SQLite store on disk: listing it and loading each listed
//! execution never panics or hangs, and errors name the file. The input is
//! written after the SQLite magic so libFuzzer does not spend its time
//! rediscovering the 16-byte header.
#![no_main]

use durable_lens::load::{list_store, load_store_execution};
use libfuzzer_sys::fuzz_target;
use std::io::Write;

const MAGIC: &[u8] = b"SQLite format 3\0";

fuzz_target!(|data: &[u8]| {
    let dir = tempfile::tempdir().expect("temporary folder");
    let path = dir.path().join("store.db");
    let mut f = std::fs::File::create(&path).expect("temporary store");
    let body = data.strip_prefix(MAGIC).unwrap_or(data);
    f.write_all(MAGIC)
        .and_then(|()| f.write_all(body))
        .expect("write store");
    drop(f);
    let name = path.display().to_string();
    let names = |e: &durable_lens::load::LoadError| {
        let text = e.to_string();
        assert!(text.contains(&name), "error does not name the file: {text}");
    };
    match list_store(&path) {
        Ok(list) => {
            for s in list.iter().take(8) {
                if let Err(e) = load_store_execution(&path, &s.arn) {
                    names(&e);
                }
            }
        }
        Err(e) => names(&e),
    }
});
