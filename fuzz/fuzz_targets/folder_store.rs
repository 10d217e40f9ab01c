//! Any bytes as a folder store (the Python testing store's filesystem
//! form): the input, cut at NUL bytes (which JSON never holds), becomes up
//! to four files of a folder; listing it, loading the folder and loading
//! each listed execution never panics, and errors name the folder.
#![no_main]

use durable_lens::load::{list_store, load_path, load_store_execution};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let dir = tempfile::tempdir().expect("temporary folder");
    for (i, part) in data.split(|b| *b == 0).take(4).enumerate() {
        std::fs::write(dir.path().join(format!("{i}.json")), part).expect("write store file");
    }
    let name = dir.path().display().to_string();
    let names = |e: &durable_lens::load::LoadError| {
        let text = e.to_string();
        assert!(
            text.contains(&name),
            "error does not name the folder: {text}"
        );
    };
    if let Err(e) = load_path(dir.path()) {
        names(&e);
    }
    match list_store(dir.path()) {
        Ok(list) => {
            for s in list.iter().take(8) {
                if let Err(e) = load_store_execution(dir.path(), &s.arn) {
                    names(&e);
                }
            }
        }
        Err(e) => names(&e),
    }
});
