//! Recording a run off its hot path: every event of a finished run is stored, batches reach
//! the database while the run goes on, a write error is reported, and a `strata run` killed
//! mid-run is listed as interrupted.

use std::time::{Duration, Instant};

use serde_json::{json, Value};
use sqlx::sqlite::SqlitePool;
use strata::run::RunEvent;
use strata::store::{
    Error, Result, RunFilter, RunId, RunOutcome, RunRecorder, RunStatus, Store, StoredEvent,
    BATCH_EVENTS,
};

use super::{new_run, summary};

/// Polls `check` until it holds, for at most ten seconds (a condition, not a guess at how
/// long something takes; the limit only keeps a broken build from hanging).
async fn wait_until<F, Fut>(what: &str, mut check: F)
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = bool>,
{
    let deadline = Instant::now() + Duration::from_secs(10);
    while !check().await {
        assert!(Instant::now() < deadline, "timed out waiting for {what}");
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
}

fn node_started(i: u64) -> RunEvent {
    RunEvent::NodeStarted {
        at_ms: i,
        node: format!("Step{i}").into(),
        execution_chain: vec![].into(),
    }
}

/// A store in a temporary folder with a run started: (folder, store, its recorder, run id).
async fn recording_started() -> Result<(tempfile::TempDir, Store, RunRecorder, RunId)> {
    let temp = tempfile::tempdir().expect("temp dir");
    let store = Store::open(temp.path()).await?;
    let recording = store.start_run(new_run("support", "triage")).await?;
    let id = recording.id().clone();
    Ok((temp, store, recording, id))
}

fn stored(events: &[StoredEvent]) -> Vec<(u64, u64, &str, &Value)> {
    events
        .iter()
        .map(|e| (e.seq, e.at_ms, e.kind.as_str(), &e.event))
        .collect()
}

#[tokio::test]
async fn a_finished_recording_holds_every_event_in_order() -> Result<()> {
    let (_temp, store, recording, id) = recording_started().await?;
    // More than one transaction's worth, all queued before the writer has caught up.
    let count = 2 * BATCH_EVENTS as u64 + 7;
    let events: Vec<RunEvent> = (0..count).map(node_started).collect();
    for event in &events {
        recording.record(event.clone());
    }
    assert_eq!(
        recording.finish(summary(RunOutcome::Succeeded)).await?,
        count
    );

    let run = store.get_run(&id).await?.expect("the run is stored");
    assert_eq!(run.status, RunStatus::Succeeded);
    let expected: Vec<Value> = events
        .iter()
        .map(|e| serde_json::to_value(e).expect("JSON"))
        .collect();
    let kept = store.run_events(&id).await?;
    let seen = stored(&kept);
    assert_eq!(seen.len(), expected.len());
    for (i, (seq, at_ms, kind, event)) in seen.into_iter().enumerate() {
        let i = i as u64;
        assert_eq!((seq, at_ms, kind), (i, i, "nodeStarted"));
        assert_eq!(event, &expected[i as usize]);
    }
    store.close().await;
    Ok(())
}

#[tokio::test]
async fn events_reach_the_store_while_the_run_goes_on() -> Result<()> {
    let (_temp, store, recording, id) = recording_started().await?;
    for i in 0..3 {
        recording.record(node_started(i));
    }
    // Not finished: the batch is committed on its own after the batch interval.
    let (reader, run) = (&store, &id);
    wait_until("the first batch", || async move {
        reader.run_events(run).await.is_ok_and(|e| e.len() == 3)
    })
    .await;
    let run = store.get_run(&id).await?.expect("the run is stored");
    assert_eq!(run.status, RunStatus::Running);
    drop(recording);
    store.close().await;
    Ok(())
}

#[sqlx::test]
async fn a_failed_write_is_reported_when_the_run_finishes(pool: SqlitePool) -> Result<()> {
    let store = Store::from_pool(pool.clone()).await?;
    let recording = store.start_run(new_run("support", "triage")).await?;
    // The run's row goes from under the writer: its events have nothing to belong to.
    sqlx::query("DELETE FROM runs WHERE id = ?1")
        .bind(recording.id().as_str())
        .execute(&pool)
        .await
        .expect("delete the run");
    recording.record(node_started(0));
    let err = recording
        .finish(summary(RunOutcome::Succeeded))
        .await
        .expect_err("the run is gone");
    assert!(
        matches!(
            &err,
            Error::RunNotFound {
                op: "record run events",
                ..
            }
        ),
        "{err:?}"
    );
    Ok(())
}

/// The built `strata` command.
#[cfg(feature = "cli")]
fn strata() -> std::process::Command {
    std::process::Command::new(env!("CARGO_BIN_EXE_strata"))
}

/// A project file of one flow: Input → `steps` Prompt nodes in a chain → Output.
#[cfg(feature = "cli")]
fn chain_project(dir: &std::path::Path, steps: usize) -> std::path::PathBuf {
    use super::flows::{data, input_node, output_node, project, prompt_node};
    let mut nodes = vec![input_node("String")];
    let mut connections = vec![];
    let mut previous = ("FlowInput".to_owned(), "document");
    for i in 0..steps {
        let name = format!("Step{i}");
        nodes.push(prompt_node(&name, "Improve: {{text}}", "text", "$.data"));
        connections.push(data(&previous.0, previous.1, &name, "text"));
        previous = (name, "modelCompletion");
    }
    nodes.push(output_node("FlowOutput", "String"));
    connections.push(data(&previous.0, previous.1, "FlowOutput", "document"));
    let project = project(json!({"nodes": nodes, "connections": connections}));
    let path = dir.join("chain.strata.json");
    std::fs::write(&path, serde_json::to_vec(&project).expect("JSON")).expect("write project");
    path
}

#[cfg(feature = "cli")]
#[tokio::test]
async fn strata_run_stores_every_event_it_prints() -> Result<()> {
    let temp = tempfile::tempdir().expect("temp dir");
    let project = chain_project(temp.path(), 5);
    let script = temp.path().join("replies.json");
    std::fs::write(
        &script,
        json!({"replies": vec![json!({"text": "better"}); 5]}).to_string(),
    )
    .expect("write script");
    let data_dir = temp.path().join("data");
    let out = strata()
        .arg("run")
        .arg(&project)
        .arg("--replay")
        .arg(&script)
        .args(["--input", "\"draft\"", "--json", "--data-dir"])
        .arg(&data_dir)
        .output()
        .expect("strata runs");
    assert!(out.status.success(), "{out:?}");
    let printed: Vec<Value> = String::from_utf8(out.stdout)
        .expect("UTF-8")
        .lines()
        .map(|line| serde_json::from_str(line).expect("a JSON line"))
        .collect();
    // RunStarted, then per node started/input/output/action..., then RunFinished.
    assert!(printed.len() > 20, "{printed:?}");

    let store = Store::open(&data_dir).await?;
    let runs = store.list_runs(RunFilter::default()).await?;
    assert_eq!(runs.len(), 1);
    assert_eq!(runs[0].status, RunStatus::Succeeded);
    let kept = store.run_events(&runs[0].id).await?;
    let kept: Vec<&Value> = kept.iter().map(|e| &e.event).collect();
    assert_eq!(kept, printed.iter().collect::<Vec<_>>());
    store.close().await;
    Ok(())
}

/// A child process that is killed and reaped when dropped, so a failing test leaves none behind.
#[cfg(feature = "cli")]
struct Killed(std::process::Child);

#[cfg(feature = "cli")]
impl Killed {
    /// SIGKILL on Unix, then wait for it to be gone.
    fn kill_and_reap(&mut self) {
        self.0.kill().expect("kill strata");
        self.0.wait().expect("reap strata");
    }
}

#[cfg(feature = "cli")]
impl Drop for Killed {
    fn drop(&mut self) {
        // Already gone after `kill_and_reap`; then both calls fail harmlessly.
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// A `strata run` killed (SIGKILL on Unix) while a model call hangs: the run it left behind is
/// listed as interrupted, with the events committed before the kill.
#[cfg(feature = "cli")]
#[tokio::test]
async fn a_killed_strata_run_is_listed_as_interrupted() -> Result<()> {
    let temp = tempfile::tempdir().expect("temp dir");
    let project = chain_project(temp.path(), 1);
    // A model server that accepts connections and never answers.
    let silent = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
    let base_url = format!("http://{}/v1", silent.local_addr().expect("address"));
    let data_dir = temp.path().join("data");
    let store = Store::open(&data_dir).await?;
    let mut child = Killed(
        strata()
            .arg("run")
            .arg(&project)
            .args([
                "--base-url",
                &base_url,
                "--input",
                "\"draft\"",
                "--data-dir",
            ])
            .arg(&data_dir)
            .stdin(std::process::Stdio::null())
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::null())
            .spawn()
            .expect("strata starts"),
    );

    // The run is under way once the Prompt node's start is in the store.
    let reader = &store;
    wait_until("the run's first events", || async move {
        let Ok(runs) = reader.list_runs(RunFilter::default()).await else {
            return false;
        };
        let Some(run) = runs.first() else {
            return false;
        };
        reader.run_events(&run.id).await.is_ok_and(|events| {
            events
                .iter()
                .any(|e| e.kind == "nodeStarted" && e.event["node"] == "Step0")
        })
    })
    .await;
    let id: RunId = store.list_runs(RunFilter::default()).await?[0].id.clone();
    assert_eq!(
        store.get_run(&id).await?.map(|r| r.status),
        Some(RunStatus::Running)
    );
    child.kill_and_reap();
    store.close().await;

    let out = strata()
        .args(["runs", "list", "--json", "--data-dir"])
        .arg(&data_dir)
        .output()
        .expect("strata runs list");
    assert!(out.status.success(), "{out:?}");
    let listed: Value = serde_json::from_slice(&out.stdout).expect("JSON");
    assert_eq!(listed[0]["id"], id.as_str());
    assert_eq!(listed[0]["status"], "interrupted");
    let store = Store::open(&data_dir).await?;
    let events = store.run_events(&id).await?;
    assert_eq!(events.first().map(|e| e.kind.as_str()), Some("runStarted"));
    store.close().await;
    drop(silent);
    Ok(())
}
