//! durable-lens against the official local durable execution service
//! (`dex-local-runner start-server`, aws-durable-execution-sdk-python-testing
//! 1.4.0, installed by tests/sdk/install.sh), not a mock: the service runs on
//! a free loopback port with its SQLite store, invokes the Python SDK
//! handlers of tests/sdk/python/handlers.py through a Lambda Invoke endpoint
//! (tests/sdk/python/lambda_endpoint.py), and executions are started with
//! `dex-local-runner invoke`. What durable-lens reads over the API is held
//! to what the service's own store holds, and to the pages fetched with
//! plain HTTP by tests/sdk/python/fetch_pages.py.
#![cfg(feature = "aws")]

use serde_json::Value;
use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Output, Stdio};
use std::sync::mpsc;
use std::time::{Duration, Instant};

fn sdk_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/sdk")
}

fn venv_bin(name: &str) -> PathBuf {
    let p = sdk_dir().join(".venv/bin").join(name);
    assert!(
        p.exists(),
        "{} is missing: run `bash tests/sdk/install.sh` (scripts/setup.sh does) first",
        p.display()
    );
    p
}

/// An environment with fake static credentials and nothing of the user's
/// AWS configuration (no profile, config or credentials file, no IMDS).
fn isolated(cmd: &mut Command, dir: &Path) {
    for (k, _) in std::env::vars() {
        if k.starts_with("AWS_") {
            cmd.env_remove(k);
        }
    }
    cmd.env("AWS_CONFIG_FILE", dir.join("no-config"))
        .env("AWS_SHARED_CREDENTIALS_FILE", dir.join("no-credentials"))
        .env("AWS_EC2_METADATA_DISABLED", "true")
        .env("AWS_ACCESS_KEY_ID", "AKIDLOCALTEST")
        .env("AWS_SECRET_ACCESS_KEY", "local-test-secret")
        .env("AWS_REGION", "us-west-2")
        .env("AWS_DEFAULT_REGION", "us-west-2");
}

/// Lines of a child's stream, read on a thread.
fn lines_of(stream: impl std::io::Read + Send + 'static) -> mpsc::Receiver<String> {
    let (tx, rx) = mpsc::channel();
    std::thread::spawn(move || {
        for line in BufReader::new(stream).lines().map_while(Result::ok) {
            if tx.send(line).is_err() {
                break;
            }
        }
    });
    rx
}

/// Wait for a line containing `what`, with a deadline; the lines seen are
/// in the panic message when it never comes.
fn wait_line(rx: &mpsc::Receiver<String>, what: &str, within: Duration) -> String {
    let deadline = Instant::now() + within;
    let mut seen = Vec::new();
    while let Some(left) = deadline.checked_duration_since(Instant::now()) {
        match rx.recv_timeout(left) {
            Ok(l) if l.contains(what) => return l,
            Ok(l) => seen.push(l),
            Err(_) => break,
        }
    }
    panic!(
        "no line with '{what}' within {within:?}; saw:\n{}",
        seen.join("\n")
    );
}

struct LocalService {
    dir: tempfile::TempDir,
    lambda: Child,
    server: Option<Child>,
    url: String,
    store: PathBuf,
}

impl LocalService {
    fn start() -> LocalService {
        let dir = tempfile::tempdir().expect("temp dir");
        // The service cannot say which port it got from port 0, so a free
        // one is picked here and handed to it.
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .and_then(|l| l.local_addr())
            .expect("a free loopback port")
            .port();
        let url = format!("http://127.0.0.1:{port}");
        let mut lambda = Command::new(venv_bin("python"));
        lambda
            .arg(sdk_dir().join("python/lambda_endpoint.py"))
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit());
        isolated(&mut lambda, dir.path());
        lambda.env("AWS_ENDPOINT_URL_LAMBDA", &url);
        let mut lambda = lambda.spawn().expect("start the Lambda endpoint");
        let out = lines_of(lambda.stdout.take().expect("stdout"));
        let line = wait_line(&out, "listening ", Duration::from_secs(30));
        let lambda_port = line.trim_start_matches("listening ").trim().to_string();
        let store = dir.path().join("store.db");
        let mut server = Command::new(venv_bin("dex-local-runner"));
        server
            .args(["start-server", "--host", "127.0.0.1", "--port"])
            .arg(port.to_string())
            .arg("--lambda-endpoint")
            .arg(format!("http://127.0.0.1:{lambda_port}"))
            .args(["--store-type", "sqlite", "--store-path"])
            .arg(&store)
            .args(["--skip-time", "--local-runner-region", "us-west-2"])
            .stdout(Stdio::null())
            .stderr(Stdio::piped());
        isolated(&mut server, dir.path());
        let mut server = server.spawn().expect("start dex-local-runner");
        let log = lines_of(server.stderr.take().expect("stderr"));
        // Logged once the socket is bound and the service about to serve.
        wait_line(&log, "Server started successfully", Duration::from_secs(60));
        std::thread::spawn(move || for _ in log {});
        LocalService {
            dir,
            lambda,
            server: Some(server),
            url,
            store,
        }
    }

    /// Start an execution with `dex-local-runner invoke`; its id.
    fn invoke(&self, function: &str, name: &str) -> String {
        let mut cmd = Command::new(venv_bin("dex-local-runner"));
        cmd.args([
            "invoke",
            "--function-name",
            function,
            "--input",
            r#"{"orderId": "123"}"#,
        ])
        .args(["--durable-execution-name", name]);
        isolated(&mut cmd, self.dir.path());
        cmd.env("AWS_DEX_LOCAL_RUNNER_ENDPOINT", &self.url);
        let out = cmd.output().expect("run dex-local-runner invoke");
        assert!(
            out.status.success(),
            "invoke {function}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        let v: Value = serde_json::from_slice(&out.stdout).expect("invoke prints JSON");
        v["ExecutionArn"]
            .as_str()
            .or_else(|| v["DurableExecutionArn"].as_str())
            .unwrap_or_else(|| panic!("no execution id in {v}"))
            .to_string()
    }

    /// Wait (deadline 120 s) until the store says none of `ids` is running.
    fn wait_ended(&self, ids: &[String]) {
        let deadline = Instant::now() + Duration::from_secs(120);
        loop {
            let listed = durable_lens::load::list_store(&self.store).unwrap_or_default();
            let done = ids.iter().all(|id| {
                listed
                    .iter()
                    .any(|s| &s.arn == id && s.status.as_deref().is_some_and(|st| st != "RUNNING"))
            });
            if done {
                return;
            }
            assert!(
                Instant::now() < deadline,
                "executions still running after 120 s: {listed:?}"
            );
            std::thread::sleep(Duration::from_millis(50));
        }
    }

    /// durable-lens with the service's endpoint and the fake credentials.
    fn lens(&self, args: &[&str]) -> Output {
        let mut cmd = Command::new(env!("CARGO_BIN_EXE_durable-lens"));
        isolated(&mut cmd, self.dir.path());
        cmd.args(args).arg("--endpoint-url").arg(&self.url);
        cmd.output().expect("run durable-lens")
    }

    fn stop_server(&mut self) {
        if let Some(mut s) = self.server.take() {
            let _ = s.kill();
            let _ = s.wait();
        }
    }
}

impl Drop for LocalService {
    fn drop(&mut self) {
        self.stop_server();
        let _ = self.lambda.kill();
        let _ = self.lambda.wait();
    }
}

fn json_of(out: &Output, what: &str) -> Value {
    assert!(
        out.status.success(),
        "{what}: exit {:?}\n{}",
        out.status.code(),
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).unwrap_or_else(|e| panic!("{what}: not JSON: {e}"))
}

fn stderr(out: &Output) -> String {
    String::from_utf8_lossy(&out.stderr).into_owned()
}

/// The scenarios run, as (function, execution name).
const RUNS: [(&str, &str); 6] = [
    ("order-flow", "order-1"),
    ("order-flow", "order-2"),
    ("retries", "retries-1"),
    ("fanout", "fanout-1"),
    ("nondeterministic", "nondet-1"),
    ("loop-60", "loop-1"),
];

/// An `inspect --json` execution without its keys: a file of history pages
/// does not know the ARN the execution was fetched by.
fn comparable(mut e: Value) -> Value {
    if let Some(o) = e.as_object_mut() {
        o.remove("id");
        o.remove("arn");
    }
    e
}

#[test]
fn executions_read_over_the_api_are_the_ones_the_service_stored() {
    let svc = LocalService::start();
    let ids: Vec<String> = RUNS.iter().map(|(f, n)| svc.invoke(f, n)).collect();
    svc.wait_ended(&ids);
    let stored = durable_lens::load::list_store(&svc.store).expect("the service's store lists");

    // list --function over the API equals the store's executions of that function.
    for function in [
        "order-flow",
        "retries",
        "fanout",
        "nondeterministic",
        "loop-60",
    ] {
        let listed = json_of(
            &svc.lens(&["list", "--function", function, "--json"]),
            "list --function",
        );
        assert_eq!(listed["file"], function);
        let mut api: Vec<(String, String, String)> = listed["executions"]
            .as_array()
            .expect("executions")
            .iter()
            .map(|e| {
                assert_eq!(e["function"], function, "{e}");
                assert!(e["operations"].is_null());
                (
                    e["id"].as_str().expect("id").to_string(),
                    e["name"].as_str().expect("name").to_string(),
                    e["status"].as_str().expect("status").to_string(),
                )
            })
            .collect();
        let mut store: Vec<(String, String, String)> = stored
            .iter()
            .filter(|s| {
                s.function_name
                    .as_deref()
                    .is_some_and(|f| f.ends_with(function))
            })
            .map(|s| {
                (
                    s.arn.clone(),
                    s.name.clone().unwrap_or_default(),
                    s.status.clone().unwrap_or_default(),
                )
            })
            .collect();
        api.sort();
        store.sort();
        assert!(!store.is_empty(), "the store has {function}'s executions");
        assert_eq!(api, store, "list --function {function} vs the store");
    }
    let failed = json_of(
        &svc.lens(&[
            "list",
            "--function",
            "nondeterministic",
            "--status",
            "failed",
            "--json",
        ]),
        "list --status",
    );
    assert_eq!(
        failed["executions"].as_array().map(Vec::len),
        Some(1),
        "{failed}"
    );
    let none = json_of(
        &svc.lens(&[
            "list",
            "--function",
            "order-flow",
            "--status",
            "running",
            "--json",
        ]),
        "list --status running",
    );
    assert_eq!(
        none["executions"].as_array().map(Vec::len),
        Some(0),
        "{none}"
    );

    let store_path = svc.store.display().to_string();
    for id in &ids {
        // The history over the API loads to the model of the store's copy of
        // the same execution: operations, invocations, switches, diagnoses.
        let api = json_of(&svc.lens(&["inspect", "--json", id]), "inspect ID");
        assert_eq!(api["file"], id.as_str());
        assert_eq!(api["format"], "history-events");
        let from_store = json_of(
            &svc.lens(&["inspect", "--json", &store_path, "--execution", id]),
            "inspect STORE",
        );
        let (a, s) = (&api["executions"][0], &from_store["executions"][0]);
        for key in [
            "id",
            "name",
            "status",
            "operations",
            "steps",
            "diagnoses",
            "error",
        ] {
            assert_eq!(a[key], s[key], "{id}: {key} over the API vs the store");
        }
        let invocations = |v: &Value| -> Vec<Value> {
            v["invocations"]
                .as_array()
                .expect("invocations")
                .iter()
                .map(|i| {
                    serde_json::json!([
                        i["replayed"],
                        i["executed"],
                        i["switches"],
                        i["outcome"],
                        i["waiting_on"]
                    ])
                })
                .collect()
        };
        assert_eq!(
            invocations(a),
            invocations(s),
            "{id}: invocations over the API vs the store"
        );

        // And it is exactly what the same pages give when read from a file.
        let pages = svc.dir.path().join("pages.json");
        let fetched = Command::new(venv_bin("python"))
            .arg(sdk_dir().join("python/fetch_pages.py"))
            .args([svc.url.as_str(), id.as_str()])
            .arg(&pages)
            .output()
            .expect("run fetch_pages.py");
        assert!(fetched.status.success(), "{}", stderr(&fetched));
        let from_file = json_of(
            &svc.lens(&["inspect", "--json", &pages.display().to_string()]),
            "inspect FILE",
        );
        assert_eq!(
            comparable(api["executions"][0].clone()),
            comparable(from_file["executions"][0].clone()),
            "{id}"
        );
        assert_eq!(api["warnings"], from_file["warnings"], "{id}");
    }
    // The 60-step history spans two pages (100 events a page); both were read.
    let loop_id = &ids[5];
    let pages = svc.dir.path().join("loop-pages.json");
    let fetched = Command::new(venv_bin("python"))
        .arg(sdk_dir().join("python/fetch_pages.py"))
        .args([svc.url.as_str(), loop_id.as_str()])
        .arg(&pages)
        .output()
        .expect("run fetch_pages.py");
    assert!(fetched.status.success(), "{}", stderr(&fetched));
    let text = std::fs::read_to_string(&pages).expect("pages");
    assert!(text.lines().count() >= 2, "the loop's history is paged");
    let api = json_of(&svc.lens(&["inspect", "--json", loop_id]), "inspect loop");
    assert_eq!(
        api["executions"][0]["steps"].as_array().map(Vec::len),
        Some(60),
        "{api}"
    );

    // The other subcommands take the id where a file goes.
    let nondet = &ids[4];
    let check = svc.lens(&["check", nondet]);
    assert_eq!(
        check.status.code(),
        Some(1),
        "check finds the SDK's non-determinism error: {}",
        stderr(&check)
    );
    let diff = svc.lens(&["diff", &format!("{}@1", ids[0]), &format!("{}@1", ids[1])]);
    assert_eq!(diff.status.code(), Some(0), "{}", stderr(&diff));
    let svg = svc.dir.path().join("t.svg");
    let t = svc.lens(&["timeline", &ids[3], "-o", &svg.display().to_string()]);
    assert!(t.status.success(), "{}", stderr(&t));
    let lens = svc.dir.path().join("e.lens.json");
    let x = svc.lens(&["export", &ids[2], "-o", &lens.display().to_string()]);
    assert!(x.status.success(), "{}", stderr(&x));
    // A re-run of the Python handler against the recording read from the service.
    let handler = format!(
        "{} {} {}:order_flow",
        venv_bin("python").display(),
        Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("assets/runners/python-runner.py")
            .display(),
        sdk_dir().join("python/handlers.py").display()
    );
    let rerun = svc.lens(&["rerun", &ids[0], "--handler", &handler, "--json"]);
    let report = json_of(&rerun, "rerun ID");
    assert_eq!(report["verdict"], "same", "{report}");
    let reloaded = durable_lens::load::load_path(&lens).expect("the export loads");
    assert_eq!(reloaded.origin.as_deref(), Some(ids[2].as_str()));
}

#[test]
fn service_errors_name_the_execution_and_what_to_do() {
    let mut svc = LocalService::start();
    let missing = "arn:aws:lambda:us-west-2:123456789012:function:order-flow:$LATEST/durable-execution/none/00000000";
    let out = svc.lens(&["inspect", missing]);
    assert_eq!(out.status.code(), Some(2));
    let e = stderr(&out);
    assert!(e.contains(missing) && e.contains("not found"), "{e}");

    // No credentials anywhere: the SDK's credential chain says so, before
    // anything is sent.
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_durable-lens"));
    isolated(&mut cmd, svc.dir.path());
    cmd.env_remove("AWS_ACCESS_KEY_ID")
        .env_remove("AWS_SECRET_ACCESS_KEY");
    let out = cmd
        .args(["inspect", missing, "--endpoint-url", &svc.url])
        .output()
        .expect("run");
    assert_eq!(out.status.code(), Some(2));
    let e = stderr(&out);
    assert!(
        e.contains("no AWS credentials") && e.contains(missing) && e.contains("--profile"),
        "{e}"
    );
    assert!(!e.contains("local-test-secret"));

    // A profile that is not configured.
    let out = svc.lens(&["list", "--function", "order-flow", "--profile", "nobody"]);
    assert_eq!(out.status.code(), Some(2));
    let e = stderr(&out);
    assert!(
        e.contains("nobody") && e.contains("function order-flow"),
        "{e}"
    );

    // A stopped service: unreachable, naming the endpoint.
    svc.stop_server();
    let out = svc.lens(&["list", "--function", "order-flow"]);
    assert_eq!(out.status.code(), Some(2));
    let e = stderr(&out);
    assert!(
        e.contains("cannot reach") && e.contains(&svc.url) && e.contains("order-flow"),
        "{e}"
    );
}

#[test]
fn a_callback_is_followed_answered_from_durable_lens_and_seen_to_finish() {
    let svc = LocalService::start();
    let id = svc.invoke("callback-flow", "approval-1");
    // Followed from the start: each invocation is printed as it ends.
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_durable-lens"));
    isolated(&mut cmd, svc.dir.path());
    cmd.args(["follow", &id, "--endpoint-url", &svc.url])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    let mut follow = cmd.spawn().expect("start follow");
    let lines = lines_of(follow.stdout.take().expect("stdout"));
    let errs = lines_of(follow.stderr.take().expect("stderr"));
    let first = wait_line(&lines, "invocation 1:", Duration::from_secs(60));
    assert!(
        first.contains("pending") && first.contains("manager-approval"),
        "{first}"
    );

    // A result that is not JSON is refused before anything is sent.
    let bad = svc.lens(&["answer", &id, "manager-approval", "--result", "approved"]);
    assert_eq!(bad.status.code(), Some(2));
    assert!(stderr(&bad).contains("must be JSON"), "{}", stderr(&bad));
    // A file is never acted on.
    let store = svc.store.display().to_string();
    let on_file = svc.lens(&["answer", &store, "manager-approval", "--heartbeat"]);
    assert_eq!(on_file.status.code(), Some(2));
    assert!(
        stderr(&on_file).contains("a file cannot be followed or acted on"),
        "{}",
        stderr(&on_file)
    );

    let hb = svc.lens(&["answer", &id, "manager-approval", "--heartbeat"]);
    assert!(hb.status.success(), "{}", stderr(&hb));
    let ok = svc.lens(&[
        "answer",
        &id,
        "manager-approval",
        "--result",
        r#"{"approved": true}"#,
    ]);
    assert!(ok.status.success(), "{}", stderr(&ok));

    let second = wait_line(&lines, "invocation 2:", Duration::from_secs(60));
    assert!(second.contains("succeeded"), "{second}");
    let end = wait_line(&lines, "ended:", Duration::from_secs(60));
    assert!(end.contains("SUCCEEDED"), "{end}");
    let status = follow.wait().expect("follow exits");
    let e: Vec<String> = errs.try_iter().collect();
    assert!(status.success(), "{e:?}");

    // The answer is in the history: the callback's result, the execution's end.
    let h = json_of(&svc.lens(&["inspect", "--json", &id]), "inspect");
    assert_eq!(h["executions"][0]["status"], "SUCCEEDED", "{h}");
    // Answered once: a second answer is refused, naming the state.
    let again = svc.lens(&["answer", &id, "manager-approval", "--result", "1"]);
    assert_eq!(again.status.code(), Some(2));
    assert!(
        stderr(&again).contains("already SUCCEEDED"),
        "{}",
        stderr(&again)
    );
}

#[test]
fn a_running_execution_is_stopped_from_durable_lens() {
    let svc = LocalService::start();
    let id = svc.invoke("callback-flow", "to-stop");
    let deadline = Instant::now() + Duration::from_secs(60);
    // Wait for the callback to be pending (the execution is suspended on it).
    loop {
        let h = svc.lens(&["inspect", "--json", &id]);
        if h.status.success() {
            let v: Value = serde_json::from_slice(&h.stdout).expect("JSON");
            let waiting = v["executions"][0]["invocations"][0]["waiting_on"].clone();
            if waiting.as_array().is_some_and(|w| !w.is_empty()) {
                break;
            }
        }
        assert!(
            Instant::now() < deadline,
            "the callback never became pending"
        );
        std::thread::sleep(Duration::from_millis(50));
    }
    let out = svc.lens(&["stop", &id, "--message", "not needed"]);
    assert!(out.status.success(), "{}", stderr(&out));
    svc.wait_ended(std::slice::from_ref(&id));
    let listed = durable_lens::load::list_store(&svc.store).expect("store");
    let row = listed.iter().find(|s| s.arn == id).expect("the execution");
    assert_eq!(row.status.as_deref(), Some("STOPPED"));
}

/// `durable-lens ID` in the app: the execution is fetched on the job thread
/// (progress, Cancel) and shown as the store's copy of it.
#[cfg(feature = "gui")]
#[test]
fn the_app_opens_an_execution_of_the_service() {
    use durable_lens::ui::app::{App, Persisted};
    use egui_kittest::kittest::Queryable;
    let svc = LocalService::start();
    let id = svc.invoke("order-flow", "in-the-app");
    svc.wait_ended(std::slice::from_ref(&id));
    // The app takes the command line's settings and the process's
    // credentials, as `durable-lens --endpoint-url URL ID` would. Only this
    // test sets them; the other tests' processes get their own environment.
    for (k, v) in [
        ("AWS_ACCESS_KEY_ID", "AKIDLOCALTEST"),
        ("AWS_SECRET_ACCESS_KEY", "local-test-secret"),
        ("AWS_REGION", "us-west-2"),
        ("AWS_EC2_METADATA_DISABLED", "true"),
    ] {
        std::env::set_var(k, v);
    }
    std::env::set_var("AWS_CONFIG_FILE", svc.dir.path().join("no-config"));
    std::env::set_var(
        "AWS_SHARED_CREDENTIALS_FILE",
        svc.dir.path().join("no-credentials"),
    );
    durable_lens::cli::set_service_args(durable_lens::cli::ServiceArgs {
        endpoint_url: Some(svc.url.clone()),
        ..Default::default()
    });
    let waiting = svc.invoke("callback-flow", "answered-in-the-app");
    let mut app = App::new(Persisted::default());
    app.open_blocking(PathBuf::from(&id))
        .expect("the app opens the execution");
    let doc = app.doc.as_ref().expect("a document");
    assert_eq!(doc.history.source, id);
    let stored =
        durable_lens::load::load_store_execution(&svc.store, &id).expect("the store's copy");
    let sig = |h: &durable_lens::model::History| -> Vec<(Option<String>, String)> {
        h.executions[0]
            .operations
            .iter()
            .map(|o| (o.name.clone(), o.status.as_str().to_string()))
            .collect()
    };
    assert_eq!(sig(&doc.history), sig(&stored));
    assert_eq!(
        doc.analysis.invocations.len(),
        durable_lens::replay::analyze(&stored.executions[0])
            .invocations
            .len()
    );
    // A finished execution offers no action.
    let mut h = egui_kittest::Harness::builder()
        .with_size(egui::vec2(1400.0, 860.0))
        .with_max_steps(32)
        .build_state(|ctx, app: &mut App| app.ui(ctx), app);
    h.run_steps(4);
    assert!(h.query_by_label("Stop execution…").is_none());

    // A running one suspended on its callback: answered from the inspector,
    // after a confirmation.
    wait_pending(&svc, &waiting);
    h.state_mut()
        .open_blocking(PathBuf::from(&waiting))
        .expect("opens");
    let callback = h
        .state()
        .doc
        .as_ref()
        .and_then(|d| {
            d.ops()
                .iter()
                .position(|o| o.op_type == durable_lens::model::OpType::Callback)
        })
        .expect("a callback");
    h.state_mut().select(callback);
    h.run_steps(4);
    let field = h.get_by_label("result (JSON)");
    field.focus();
    field.type_text("not json");
    h.run_steps(2);
    h.get_by_label("Succeed…").click();
    h.run_steps(2);
    assert!(
        h.query_by_label_contains("must be JSON").is_some(),
        "a result that is not JSON is refused"
    );
    // Typed again from empty.
    h.get_by_label("result (JSON)").focus();
    h.run_steps(1);
    for _ in 0.."not json".len() {
        h.key_press(egui::Key::Backspace);
    }
    h.get_by_label("result (JSON)")
        .type_text(r#"{"approved": true}"#);
    h.run_steps(2);
    h.get_by_label("Succeed…").click();
    h.run_steps(2);
    assert!(h
        .query_by_label_contains("Answer callback 'manager-approval create callback id'")
        .is_some());
    assert_eq!(
        svc_status(&svc, &waiting).as_deref(),
        Some("RUNNING"),
        "nothing is sent before Send"
    );
    h.get_by_label("Send").click();
    h.run_steps(2);
    h.state_mut()
        .finish_job_blocking()
        .expect("the answer is sent");
    svc.wait_ended(std::slice::from_ref(&waiting));
    assert_eq!(svc_status(&svc, &waiting).as_deref(), Some("SUCCEEDED"));

    // Open from AWS…: endpoint and function, the executions in the picker
    // (as the store lists them), one picked and fetched.
    durable_lens::cli::set_service_args(Default::default());
    h.get_by_label("Recent").click();
    h.run_steps(2);
    h.get_by_label("☁ Open from AWS…").click();
    h.run_steps(2);
    h.get_by_label("endpoint URL").focus();
    h.run_steps(1);
    h.get_by_label("endpoint URL").type_text(&svc.url);
    h.get_by_label("function").focus();
    h.run_steps(1);
    h.get_by_label("function").type_text("callback-flow");
    h.run_steps(2);
    h.get_by_label("List executions").click();
    h.run_steps(2);
    h.state_mut()
        .finish_job_blocking()
        .expect("the function's executions are listed");
    h.run_steps(2);
    let rows: Vec<String> = h
        .state()
        .picker
        .as_ref()
        .expect("the picker")
        .rows
        .iter()
        .map(|r| r.arn.clone())
        .collect();
    let mut store: Vec<String> = durable_lens::load::list_store(&svc.store)
        .expect("store")
        .into_iter()
        .filter(|s| s.function_name.as_deref() == Some("callback-flow"))
        .map(|s| s.arn)
        .collect();
    let mut listed = rows.clone();
    listed.sort();
    store.sort();
    assert_eq!(listed, store);
    h.get_by_label("answered-in-the-app").click();
    h.run_steps(2);
    h.state_mut()
        .finish_job_blocking()
        .expect("the picked execution opens");
    let doc = h.state().doc.as_ref().expect("a document");
    assert_eq!(doc.history.source, waiting);
    assert_eq!(
        doc.history.executions[0].status.map(|s| s.as_str()),
        Some("SUCCEEDED")
    );
}

/// The store's status of one execution.
#[cfg(feature = "gui")]
fn svc_status(svc: &LocalService, id: &str) -> Option<String> {
    durable_lens::load::list_store(&svc.store)
        .ok()?
        .into_iter()
        .find(|s| s.arn == id)
        .and_then(|s| s.status)
}

/// Wait (deadline 60 s) until the execution's first invocation waits on
/// something (its callback), as `inspect` over the API shows it.
#[cfg(feature = "gui")]
fn wait_pending(svc: &LocalService, id: &str) {
    let deadline = Instant::now() + Duration::from_secs(60);
    loop {
        let h = svc.lens(&["inspect", "--json", id]);
        if h.status.success() {
            let v: Value = serde_json::from_slice(&h.stdout).expect("JSON");
            let waiting = v["executions"][0]["invocations"][0]["waiting_on"].clone();
            if waiting.as_array().is_some_and(|w| !w.is_empty()) {
                return;
            }
        }
        assert!(Instant::now() < deadline, "{id}: nothing became pending");
        std::thread::sleep(Duration::from_millis(50));
    }
}
