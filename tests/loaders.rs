use durable_lens::load::*;
use std::path::PathBuf;

fn fixtures() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../shared/fixtures")
}

#[test]
fn dump() {
    for sub in ["js-sdk", "python-sdk"] {
        let mut files: Vec<_> = std::fs::read_dir(fixtures().join(sub))
            .unwrap()
            .map(|e| e.unwrap().path())
            .collect();
        files.sort();
        for f in files {
            match load_path(&f) {
                Ok(h) => {
                    println!(
                        "== {} {:?} warnings={:?}",
                        f.display(),
                        h.format,
                        h.warnings
                    );
                    for e in &h.executions {
                        println!(
                            "  exec {:?} {:?} {:?} status={:?} sdk={:?} ops={} invs={} err={:?}",
                            e.arn,
                            e.name,
                            e.function_name,
                            e.status,
                            e.sdk,
                            e.operations.len(),
                            e.invocations.len(),
                            e.error.as_ref().map(|x| x.to_string())
                        );
                        for o in &e.operations {
                            println!(
                                "    {} {:?} {:?} {:?} st={:?} in={:?}/{:?} att={:?} res={:?}",
                                &o.id[..8],
                                o.name,
                                o.op_type,
                                o.parent_id.as_deref().map(|p| &p[..8]),
                                o.status,
                                o.started_in,
                                o.finished_in,
                                o.attempts
                                    .iter()
                                    .map(|a| (
                                        a.number,
                                        a.status,
                                        a.invocation,
                                        a.error.as_ref().map(|x| x.to_string())
                                    ))
                                    .collect::<Vec<_>>(),
                                o.result.as_ref().map(|p| p.decoded().to_string())
                            );
                        }
                        for i in &e.invocations {
                            println!(
                                "    inv {:?} {:?} {:?} {}",
                                i.start.map(|t| t.to_iso()),
                                i.end.map(|t| t.to_iso()),
                                i.request_id,
                                i.inferred
                            );
                        }
                    }
                }
                Err(e) => println!("== {} ERR {e}", f.display()),
            }
        }
    }
}
