//! Never lose or corrupt a user's data, end to end through the binary: every
//! writer refuses the input itself (however its path is spelled) and other
//! kinds of files, a failed write leaves the old file and nothing else, only
//! regular files and folders are read, absurd timestamps show as invalid,
//! an export names itself, and a folder store skips every bad file alike.

use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use std::sync::mpsc;
use std::time::Duration;

fn fixture(rel: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures")
        .join(rel)
}

fn bin() -> Command {
    let mut c = Command::new(env!("CARGO_BIN_EXE_durable-lens"));
    c.env("NO_COLOR", "1");
    c
}

fn run_in(dir: &Path, args: &[&str]) -> Output {
    bin()
        .args(args)
        .current_dir(dir)
        .output()
        .expect("the binary runs")
}

fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

fn stdout(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

fn names(dir: &Path) -> Vec<String> {
    let mut v: Vec<String> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    v.sort();
    v
}

/// A copy of a real history in a fresh folder.
fn history_copy(dir: &Path) -> (PathBuf, Vec<u8>) {
    let bytes = std::fs::read(fixture("python-sdk/retries.history.json")).unwrap();
    let h = dir.join("h.json");
    std::fs::write(&h, &bytes).unwrap();
    (h, bytes)
}

/// Run with a deadline, so a blocking read fails the test instead of hanging it.
fn run_with_deadline(args: &[&str], deadline: Duration) -> Output {
    let child = bin()
        .args(args)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let pid = child.id();
    let (tx, rx) = mpsc::channel();
    std::thread::spawn(move || {
        let _ = tx.send(child.wait_with_output());
    });
    match rx.recv_timeout(deadline) {
        Ok(out) => out.unwrap(),
        Err(_) => {
            let _ = Command::new("kill").arg("-9").arg(pid.to_string()).status();
            panic!("durable-lens {args:?} did not finish within {deadline:?}");
        }
    }
}

#[test]
fn export_onto_its_own_input_is_refused_however_it_is_named() {
    let dir = tempfile::tempdir().unwrap();
    let (h, before) = history_copy(dir.path());
    std::os::unix::fs::symlink(&h, dir.path().join("link.json")).unwrap();
    std::fs::hard_link(&h, dir.path().join("hard.json")).unwrap();
    let h_abs = h.display().to_string();
    for out in [
        h_abs.as_str(),
        "./h.json",
        "link.json",
        "hard.json",
        "../{dir}/h.json",
    ] {
        let dir_name = dir.path().file_name().unwrap().to_string_lossy();
        let out = out.replace("{dir}", &dir_name);
        let o = run_in(dir.path(), &["export", "h.json", "-o", &out]);
        assert_eq!(o.status.code(), Some(2), "export -o {out}: {}", stderr(&o));
        assert!(
            stderr(&o).contains("refusing to write") && stderr(&o).contains("same file"),
            "export -o {out}: {}",
            stderr(&o)
        );
        assert_eq!(std::fs::read(&h).unwrap(), before, "export -o {out}");
    }
    assert_eq!(names(dir.path()), ["h.json", "hard.json", "link.json"]);
}

#[test]
fn a_sqlite_store_is_never_replaced_by_an_export() {
    let dir = tempfile::tempdir().unwrap();
    let store_bytes = std::fs::read(fixture("python-sdk/emulator-store.db")).unwrap();
    let store = dir.path().join("store.db");
    std::fs::write(&store, &store_bytes).unwrap();
    // Onto itself.
    let o = run_in(dir.path(), &["export", "store.db", "-o", "store.db"]);
    assert_eq!(o.status.code(), Some(2), "{}", stderr(&o));
    // Another history onto the store: a different kind of file.
    let (h, _) = history_copy(dir.path());
    let o = run_in(
        dir.path(),
        &["export", h.to_str().unwrap(), "-o", "store.db"],
    );
    assert_eq!(o.status.code(), Some(2), "{}", stderr(&o));
    assert!(
        stderr(&o).contains("refusing to replace") && stderr(&o).contains("SQLite"),
        "{}",
        stderr(&o)
    );
    assert_eq!(std::fs::read(&store).unwrap(), store_bytes);
    // A history JSON is not replaced either; an earlier export is.
    let other = dir.path().join("other.history.json");
    std::fs::copy(fixture("python-sdk/order-flow.history.json"), &other).unwrap();
    let o = run_in(
        dir.path(),
        &["export", "h.json", "-o", "other.history.json"],
    );
    assert_eq!(o.status.code(), Some(2), "{}", stderr(&o));
    assert!(stderr(&o).contains("history events"), "{}", stderr(&o));
    let o = run_in(dir.path(), &["export", "h.json", "-o", "out.lens.json"]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let o = run_in(dir.path(), &["export", "h.json", "-o", "out.lens.json"]);
    assert_eq!(
        o.status.code(),
        Some(0),
        "an export replaces an export: {}",
        stderr(&o)
    );
}

#[test]
fn a_write_that_fails_leaves_the_old_file_and_nothing_else() {
    let dir = tempfile::tempdir().unwrap();
    let h = dir.path().join("h.json");
    std::fs::copy(fixture("python-sdk/fanout.history.json"), &h).unwrap();
    let out = dir.path().join("out.lens.json");
    let o = run_in(dir.path(), &["export", "h.json", "-o", "out.lens.json"]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let old = std::fs::read(&out).unwrap();
    assert!(
        old.len() > 4096,
        "the export ({} bytes) is larger than the limit below",
        old.len()
    );
    // A file size limit makes the write fail part way (EFBIG) like a full
    // disk; SIGXFSZ is ignored so the write returns the error.
    let o = Command::new("sh")
        .arg("-c")
        .arg(r#"trap '' XFSZ; ulimit -f 4; exec "$0" "$@""#)
        .arg(env!("CARGO_BIN_EXE_durable-lens"))
        .args(["export", "h.json", "-o", "out.lens.json"])
        .current_dir(dir.path())
        .output()
        .unwrap();
    assert_eq!(o.status.code(), Some(2), "{}", stderr(&o));
    assert!(stderr(&o).contains("cannot write"), "{}", stderr(&o));
    assert_eq!(
        std::fs::read(&out).unwrap(),
        old,
        "the old export is intact"
    );
    assert_eq!(
        names(dir.path()),
        ["h.json", "out.lens.json"],
        "no temporary file"
    );
    // A destination whose folder is a file: nothing is created anywhere.
    let bad = format!("{}/x.lens.json", h.display());
    let o = run_in(dir.path(), &["export", "h.json", "-o", &bad]);
    assert_eq!(o.status.code(), Some(2), "{}", stderr(&o));
    assert_eq!(names(dir.path()), ["h.json", "out.lens.json"]);
}

#[test]
fn rerun_save_onto_the_recording_is_refused_before_the_handler_runs() {
    let dir = tempfile::tempdir().unwrap();
    let (h, before) = history_copy(dir.path());
    let marker = dir.path().join("handler-ran");
    let handler = format!("touch {}; exit 3", marker.display());
    for save in ["h.json", "./h.json"] {
        let o = run_in(
            dir.path(),
            &["rerun", "h.json", "--handler", &handler, "--save", save],
        );
        assert_eq!(o.status.code(), Some(2), "{}", stderr(&o));
        assert!(stderr(&o).contains("same file"), "{}", stderr(&o));
        assert_eq!(std::fs::read(&h).unwrap(), before);
    }
    assert!(!marker.exists(), "the handler never ran");
}

#[test]
fn a_fifo_is_refused_at_once_without_blocking() {
    let dir = tempfile::tempdir().unwrap();
    let fifo = dir.path().join("pipe.json");
    let made = Command::new("mkfifo").arg(&fifo).status().unwrap();
    assert!(made.success());
    for cmd in ["inspect", "check", "list"] {
        let o = run_with_deadline(&[cmd, fifo.to_str().unwrap()], Duration::from_secs(20));
        assert_eq!(o.status.code(), Some(2), "{cmd}: {}", stderr(&o));
        let err = stderr(&o);
        assert!(
            err.contains("pipe.json") && err.contains("FIFO"),
            "{cmd}: {err}"
        );
    }
}

#[test]
fn a_device_is_refused_and_never_read() {
    let o = run_with_deadline(&["inspect", "/dev/zero"], Duration::from_secs(20));
    assert_eq!(o.status.code(), Some(2), "{}", stderr(&o));
    let err = stderr(&o);
    assert!(
        err.contains("/dev/zero") && err.contains("character device"),
        "{err}"
    );
}

/// MemAvailable as the kernel reports it, read here independently.
fn mem_available() -> u64 {
    let text = std::fs::read_to_string("/proc/meminfo").unwrap();
    let line = text
        .lines()
        .find(|l| l.starts_with("MemAvailable:"))
        .unwrap();
    line.split_whitespace()
        .nth(1)
        .unwrap()
        .parse::<u64>()
        .unwrap()
        * 1024
}

#[test]
fn a_file_too_large_for_memory_is_refused_with_the_numbers_before_reading() {
    let dir = tempfile::tempdir().unwrap();
    let big = dir.path().join("big.json");
    // A sparse file as large as all available memory: its load would need
    // about twice that. Reading it would take minutes; the refusal does not.
    let size = mem_available();
    std::fs::File::create(&big).unwrap().set_len(size).unwrap();
    let o = run_with_deadline(&["inspect", big.to_str().unwrap()], Duration::from_secs(20));
    assert_eq!(o.status.code(), Some(2), "{}", stderr(&o));
    let err = stderr(&o);
    assert!(
        err.contains("big.json") && err.contains("too large"),
        "{err}"
    );
    assert!(
        err.contains(&format!("({size} bytes)")),
        "names the file size: {err}"
    );
    assert!(err.contains("available"), "{err}");
}

#[test]
fn absurd_timestamps_show_as_invalid_and_never_wrap() {
    let dir = tempfile::tempdir().unwrap();
    let mut v: serde_json::Value =
        serde_json::from_slice(&std::fs::read(fixture("python-sdk/retries.history.json")).unwrap())
            .unwrap();
    let events = v["Events"].as_array_mut().unwrap();
    let last = events.len() - 1;
    // Epoch seconds this far out saturate to i64::MIN / i64::MAX µs.
    events[0]["EventTimestamp"] = serde_json::json!(-1e300);
    events[last]["EventTimestamp"] = serde_json::json!(1e300);
    let h = dir.path().join("absurd.history.json");
    std::fs::write(&h, serde_json::to_vec_pretty(&v).unwrap()).unwrap();
    let o = run_in(dir.path(), &["inspect", "absurd.history.json"]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    assert!(stdout(&o).contains("(invalid time)"), "{}", stdout(&o));
    let o = run_in(dir.path(), &["list", "--json", "absurd.history.json"]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let list: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    let row = &list["executions"][0];
    assert_eq!(row["duration_ms"], serde_json::Value::Null, "{row}");
    assert!(
        row["start"].as_str().unwrap().starts_with("invalid time"),
        "{row}"
    );
    let o = run_in(dir.path(), &["inspect", "--json", "absurd.history.json"]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    // The time view too: an operation starting at an absurd time is placed
    // far off the axis, never at a wrapped one (no overflow in its band
    // lookup or its times).
    let events = v["Events"].as_array_mut().unwrap();
    events[1]["EventTimestamp"] = serde_json::json!(-1e300);
    std::fs::write(&h, serde_json::to_vec_pretty(&v).unwrap()).unwrap();
    let o = run_in(
        dir.path(),
        &["timeline", "absurd.history.json", "-o", "absurd.svg"],
    );
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    assert!(dir.path().join("absurd.svg").is_file());
}

#[test]
fn an_export_names_itself_and_keeps_its_origin() {
    let dir = tempfile::tempdir().unwrap();
    let (h, _) = history_copy(dir.path());
    let out = dir.path().join("out.lens.json");
    let o = run_in(
        dir.path(),
        &["export", h.to_str().unwrap(), "-o", out.to_str().unwrap()],
    );
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let doc: serde_json::Value = serde_json::from_slice(&std::fs::read(&out).unwrap()).unwrap();
    assert_eq!(doc["history"]["source"], out.display().to_string());
    assert_eq!(doc["history"]["origin"], h.display().to_string());
    // Loaded from elsewhere (moved), the file read is the source.
    let moved = dir.path().join("moved.lens.json");
    std::fs::rename(&out, &moved).unwrap();
    let o = run_in(dir.path(), &["inspect", "--json", moved.to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let v: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!(v["file"], moved.display().to_string());
    assert_eq!(v["origin"], h.display().to_string());
    let o = run_in(dir.path(), &["inspect", moved.to_str().unwrap()]);
    assert!(
        stdout(&o).contains(&format!("Origin:      {}", h.display())),
        "{}",
        stdout(&o)
    );
}

/// A folder store of the real store files, plus `extra` bad entries.
fn store_folder(dir: &Path) -> PathBuf {
    let store = dir.join(".durable_executions");
    std::fs::create_dir(&store).unwrap();
    for f in ["order-flow", "retries", "fanout"] {
        std::fs::copy(
            fixture(&format!("python-sdk/{f}.store.json")),
            store.join(format!("{f}.json")),
        )
        .unwrap();
    }
    store
}

#[test]
fn a_folder_store_skips_every_bad_file_with_its_reason_and_loads_the_rest() {
    let dir = tempfile::tempdir().unwrap();
    let store = store_folder(dir.path());
    // The same execution twice (a copy under another name).
    std::fs::copy(store.join("retries.json"), store.join("retries-copy.json")).unwrap();
    // An execution file with one operation id twice.
    let mut v: serde_json::Value = serde_json::from_slice(
        &std::fs::read(fixture("python-sdk/callback-flow.store.json")).unwrap(),
    )
    .unwrap();
    let ops = v["Operations"].as_array_mut().unwrap();
    let dup = ops[1].clone();
    ops.push(dup);
    std::fs::write(store.join("dup-op.json"), serde_json::to_vec(&v).unwrap()).unwrap();
    // A truncated file and a FIFO.
    std::fs::write(
        store.join("truncated.json"),
        b"{\"DurableExecutionArn\": \"x\", \"Op",
    )
    .unwrap();
    assert!(Command::new("mkfifo")
        .arg(store.join("pipe.json"))
        .status()
        .unwrap()
        .success());

    let o = run_with_deadline(
        &["inspect", "--json", store.to_str().unwrap()],
        Duration::from_secs(30),
    );
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let v: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    let mut loaded: Vec<String> = v["executions"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["name"].as_str().unwrap_or("").to_string())
        .collect();
    loaded.sort();
    assert_eq!(loaded, ["fanout-1", "order_flow-1", "retries-1"], "{v}");
    let warnings: Vec<&str> = v["warnings"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|w| w.as_str())
        .collect();
    for (file, why) in [
        ("retries-copy.json", "same execution ARN as"),
        ("dup-op.json", "appears twice"),
        ("truncated.json", "invalid JSON"),
        ("pipe.json", "FIFO"),
    ] {
        assert!(
            warnings.iter().any(|w| w.contains(file) && w.contains(why)),
            "{file}: {why} in {warnings:#?}"
        );
    }
}

#[test]
fn an_export_is_not_written_into_the_folder_store_it_reads() {
    let dir = tempfile::tempdir().unwrap();
    let store = store_folder(dir.path());
    let before = names(&store);
    let out = store.join("retries.lens.json");
    let o = run_in(
        dir.path(),
        &[
            "export",
            "--execution",
            "1",
            store.to_str().unwrap(),
            "-o",
            out.to_str().unwrap(),
        ],
    );
    assert_eq!(o.status.code(), Some(2), "{}", stderr(&o));
    assert!(
        stderr(&o).contains("inside the input store folder"),
        "{}",
        stderr(&o)
    );
    assert_eq!(names(&store), before);
}
