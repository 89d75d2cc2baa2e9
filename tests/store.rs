//! The run store end to end: every API round trip on a database of its own per test
//! (`#[sqlx::test]` for the queries, a temporary data folder for opening files).
#![cfg(feature = "runtime")]

use std::path::Path;

use serde_json::{json, Value};
use sqlx::sqlite::SqlitePool;
use strata::store::{
    Error, NewRun, Result, RunFilter, RunId, RunOutcome, RunStatus, RunSummary, SessionState,
    Store, VersionOutcome, DATABASE_FILE,
};

#[path = "support/flows.rs"]
mod flows;
#[path = "store/recording.rs"]
mod recording;

/// A pid no process can have: Linux caps pids at 2^22, other systems lower still.
const DEAD_PID: i64 = 999_999_999;

fn new_run(project: &str, flow: &str) -> NewRun {
    NewRun {
        project_path: format!("/home/ana/{project}.strata.json"),
        project_name: project.to_owned(),
        flow: flow.to_owned(),
        inputs: json!({"document": "hello"}),
        provider: "scripted".to_owned(),
        alias: None,
    }
}

fn summary(status: RunOutcome) -> RunSummary {
    RunSummary {
        status,
        outputs: json!({"answer": 42}),
        error: None,
        duration_ms: 1_250,
        input_tokens: 100,
        output_tokens: 20,
        cost_usd: Some(0.0031),
    }
}

#[sqlx::test]
async fn a_run_round_trips_from_start_to_finish(pool: SqlitePool) -> Result<()> {
    let store = Store::from_pool(pool).await?;
    let mut run = new_run("support", "triage");
    run.alias = Some("live".to_owned());
    let id = store.create_run(run.clone()).await?;

    let started = store.get_run(&id).await?.expect("the new run is stored");
    assert_eq!(started.id, id);
    assert_eq!(started.status, RunStatus::Running);
    assert_eq!(
        (&started.project_path, &started.project_name, &started.flow),
        (&run.project_path, &run.project_name, &run.flow)
    );
    assert_eq!(started.inputs, run.inputs);
    assert_eq!(started.provider, "scripted");
    assert_eq!(started.alias.as_deref(), Some("live"));
    assert_eq!(
        (started.outputs, started.duration_ms, started.finished_at_ms),
        (None, None, None)
    );
    assert!(started.started_at_ms > 0);

    let mut failed = summary(RunOutcome::Failed);
    failed.error = Some("node Classify: model timed out".to_owned());
    failed.cost_usd = None;
    store.finish_run(&id, failed).await?;

    let finished = store.get_run(&id).await?.expect("the run is still stored");
    assert_eq!(finished.status, RunStatus::Failed);
    assert_eq!(finished.outputs, Some(json!({"answer": 42})));
    assert_eq!(
        finished.error.as_deref(),
        Some("node Classify: model timed out")
    );
    assert_eq!(finished.duration_ms, Some(1_250));
    assert_eq!(
        (finished.input_tokens, finished.output_tokens),
        (Some(100), Some(20))
    );
    assert_eq!(finished.cost_usd, None);
    assert!(finished.finished_at_ms.expect("finish time") >= finished.started_at_ms);
    assert_eq!(finished.started_at_ms, started.started_at_ms);
    Ok(())
}

#[sqlx::test]
async fn a_run_finishes_once_and_unknown_runs_are_named(pool: SqlitePool) -> Result<()> {
    let store = Store::from_pool(pool).await?;
    let id = store.create_run(new_run("support", "triage")).await?;
    store
        .finish_run(&id, summary(RunOutcome::Succeeded))
        .await?;

    let again = store.finish_run(&id, summary(RunOutcome::Cancelled)).await;
    assert!(
        matches!(&again, Err(Error::RunAlreadyFinished { run_id, status: RunStatus::Succeeded, .. }) if *run_id == id.to_string()),
        "{again:?}"
    );
    assert_eq!(
        store.get_run(&id).await?.map(|run| run.status),
        Some(RunStatus::Succeeded)
    );

    let ghost = RunId::from("run_0000000000000001_1");
    let finish = store
        .finish_run(&ghost, summary(RunOutcome::Succeeded))
        .await;
    assert!(
        matches!(finish, Err(Error::RunNotFound { .. })),
        "{finish:?}"
    );
    let event = json!({});
    let append = store
        .append_events(&ghost, &[(1, 1, "RunStarted", &event)])
        .await;
    assert!(
        matches!(append, Err(Error::RunNotFound { .. })),
        "{append:?}"
    );
    assert_eq!(store.get_run(&ghost).await?, None);
    assert_eq!(store.run_events(&ghost).await?, vec![]);
    Ok(())
}

#[sqlx::test]
async fn events_come_back_in_sequence_order(pool: SqlitePool) -> Result<()> {
    let store = Store::from_pool(pool).await?;
    let id = store.create_run(new_run("support", "triage")).await?;
    let other = store.create_run(new_run("support", "triage")).await?;
    let [started, node, finished] = [
        json!({"type": "RunStarted"}),
        json!({"type": "NodeFinished", "node": "Classify", "outputs": {"label": "billing"}}),
        json!({"type": "RunFinished"}),
    ];
    // Batches arrive out of order across the channel; the store sorts by seq, not arrival.
    store
        .append_events(&id, &[(3, 30, "RunFinished", &finished)])
        .await?;
    store
        .append_events(
            &id,
            &[
                (1, 10, "RunStarted", &started),
                (2, 20, "NodeFinished", &node),
            ],
        )
        .await?;
    store
        .append_events(&other, &[(1, 5, "RunStarted", &started)])
        .await?;
    store.append_events(&id, &[]).await?;

    let events = store.run_events(&id).await?;
    let seen: Vec<(u64, u64, &str, &Value)> = events
        .iter()
        .map(|e| (e.seq, e.at_ms, e.kind.as_str(), &e.event))
        .collect();
    assert_eq!(
        seen,
        vec![
            (1, 10, "RunStarted", &started),
            (2, 20, "NodeFinished", &node),
            (3, 30, "RunFinished", &finished)
        ]
    );
    assert_eq!(store.run_events(&other).await?.len(), 1);
    Ok(())
}

#[sqlx::test]
async fn a_batch_with_a_repeated_seq_is_refused_whole(pool: SqlitePool) -> Result<()> {
    let store = Store::from_pool(pool).await?;
    let id = store.create_run(new_run("support", "triage")).await?;
    let event = json!({"type": "Output"});
    store
        .append_events(&id, &[(1, 10, "Output", &event)])
        .await?;

    let batch = store
        .append_events(&id, &[(2, 20, "Output", &event), (1, 21, "Output", &event)])
        .await;
    let err = batch.expect_err("seq 1 is already stored");
    assert!(
        matches!(
            err,
            Error::Query {
                op: "append run events",
                ..
            }
        ),
        "{err:?}"
    );
    // The transaction rolled back: seq 2 of the refused batch is not there either.
    let seqs: Vec<u64> = store.run_events(&id).await?.iter().map(|e| e.seq).collect();
    assert_eq!(seqs, vec![1]);
    Ok(())
}

#[sqlx::test]
async fn runs_list_newest_first_and_filter(pool: SqlitePool) -> Result<()> {
    let store = Store::from_pool(pool).await?;
    let first = store.create_run(new_run("support", "triage")).await?;
    let second = store.create_run(new_run("support", "reply")).await?;
    let third = store.create_run(new_run("sales", "triage")).await?;
    let fourth = store.create_run(new_run("support", "triage")).await?;
    // Ids of one process sort in creation order, even within one millisecond.
    assert!(first < second && second < third && third < fourth);

    let ids = |runs: Vec<strata::store::RunRecord>| {
        runs.into_iter().map(|run| run.id).collect::<Vec<_>>()
    };
    let all = store.list_runs(RunFilter::default()).await?;
    assert_eq!(
        ids(all),
        vec![fourth.clone(), third.clone(), second.clone(), first.clone()]
    );

    let support = RunFilter {
        project: Some("support".to_owned()),
        ..RunFilter::default()
    };
    assert_eq!(
        ids(store.list_runs(support).await?),
        vec![fourth.clone(), second.clone(), first.clone()]
    );

    let by_path = RunFilter {
        project: Some("/home/ana/sales.strata.json".to_owned()),
        ..RunFilter::default()
    };
    assert_eq!(ids(store.list_runs(by_path).await?), vec![third.clone()]);

    let triage = RunFilter {
        project: Some("support".to_owned()),
        flow: Some("triage".to_owned()),
        limit: 50,
    };
    assert_eq!(
        ids(store.list_runs(triage).await?),
        vec![fourth.clone(), first.clone()]
    );

    let latest_two = RunFilter {
        limit: 2,
        ..RunFilter::default()
    };
    assert_eq!(ids(store.list_runs(latest_two).await?), vec![fourth, third]);

    let nothing = RunFilter {
        flow: Some("absent".to_owned()),
        ..RunFilter::default()
    };
    assert!(store.list_runs(nothing).await?.is_empty());
    Ok(())
}

#[sqlx::test]
async fn runs_of_a_dead_process_are_marked_interrupted(pool: SqlitePool) -> Result<()> {
    let store = Store::from_pool(pool.clone()).await?;
    let crashed = store.create_run(new_run("support", "triage")).await?;
    let live = store.create_run(new_run("support", "triage")).await?;
    let done = store.create_run(new_run("support", "triage")).await?;
    store
        .finish_run(&done, summary(RunOutcome::Succeeded))
        .await?;
    // Pretend `crashed` and `done` were recorded by a process that has since died.
    sqlx::query("UPDATE runs SET host_pid = ?1 WHERE id IN (?2, ?3)")
        .bind(DEAD_PID)
        .bind(crashed.as_str())
        .bind(done.as_str())
        .execute(&pool)
        .await
        .expect("test setup");

    // Until someone looks, a crashed run simply shows as running.
    assert_eq!(
        store.get_run(&crashed).await?.map(|run| run.status),
        Some(RunStatus::Running)
    );

    assert_eq!(store.mark_interrupted_runs().await?, 1);
    let interrupted = store.get_run(&crashed).await?.expect("stored");
    assert_eq!(interrupted.status, RunStatus::Interrupted);
    assert!(interrupted.finished_at_ms.is_some());
    // This process's own run is alive and finished runs keep their status.
    assert_eq!(
        store.get_run(&live).await?.map(|run| run.status),
        Some(RunStatus::Running)
    );
    assert_eq!(
        store.get_run(&done).await?.map(|run| run.status),
        Some(RunStatus::Succeeded)
    );
    // Marking again finds nothing new, and a late finish cannot rewrite the verdict.
    assert_eq!(store.mark_interrupted_runs().await?, 0);
    let late = store
        .finish_run(&crashed, summary(RunOutcome::Succeeded))
        .await;
    assert!(
        matches!(
            late,
            Err(Error::RunAlreadyFinished {
                status: RunStatus::Interrupted,
                ..
            })
        ),
        "{late:?}"
    );
    Ok(())
}

/// What `create_version` returns when it made version `number`.
fn made(number: u32) -> VersionOutcome {
    VersionOutcome {
        number,
        created: true,
    }
}

/// What `create_version` returns when an identical snapshot already was version `number`.
fn found(number: u32) -> VersionOutcome {
    VersionOutcome {
        number,
        created: false,
    }
}

#[sqlx::test]
async fn versions_are_numbered_per_flow_and_content_addressed(pool: SqlitePool) -> Result<()> {
    let store = Store::from_pool(pool.clone()).await?;
    let v1 = json!({"nodes": [{"name": "In", "type": "Input"}], "connections": []});
    let same_keys_reordered =
        json!({"connections": [], "nodes": [{"type": "Input", "name": "In"}]});
    let v2 = json!({"nodes": [{"name": "In", "type": "Input"}, {"name": "Out", "type": "Output"}]});

    let created = store
        .create_version("support", "triage", &v1, "first")
        .await?;
    assert_eq!(created, made(1));
    let again = store
        .create_version("support", "triage", &same_keys_reordered, "retry")
        .await?;
    assert_eq!(again, found(1));
    let next = store
        .create_version("support", "triage", &v2, "adds output")
        .await?;
    assert_eq!(next, made(2));
    // The first snapshot again is still version 1, not a new 3.
    let back = store.create_version("support", "triage", &v1, "").await?;
    assert_eq!(back, found(1));
    // Numbering is per (project, flow).
    let other_flow = store.create_version("support", "reply", &v1, "").await?;
    assert_eq!(other_flow, made(1));
    let other_project = store.create_version("sales", "triage", &v2, "").await?;
    assert_eq!(other_project, made(1));

    let stored = store
        .get_version("support", "triage", 1)
        .await?
        .expect("version 1");
    assert_eq!(
        (stored.project.as_str(), stored.flow.as_str(), stored.number),
        ("support", "triage", 1)
    );
    assert_eq!(stored.snapshot, v1);
    // A repeat does not overwrite the description: versions never change.
    assert_eq!(stored.description, "first");
    assert_eq!(stored.content_hash.len(), 16);
    assert!(stored.created_at_ms > 0);
    assert_eq!(store.get_version("support", "triage", 3).await?, None);

    let listed = store.list_versions("support", "triage").await?;
    let numbers: Vec<(u32, &str)> = listed
        .iter()
        .map(|v| (v.number, v.description.as_str()))
        .collect();
    assert_eq!(numbers, vec![(1, "first"), (2, "adds output")]);
    assert!(store.list_versions("support", "absent").await?.is_empty());

    // Not even SQL from outside the store can edit a version.
    let edit = sqlx::query("UPDATE versions SET description = 'changed' WHERE number = 1")
        .execute(&pool)
        .await;
    assert!(edit
        .expect_err("versions are immutable")
        .to_string()
        .contains("immutable"));
    Ok(())
}

#[sqlx::test]
async fn aliases_point_at_versions_and_move(pool: SqlitePool) -> Result<()> {
    let store = Store::from_pool(pool).await?;
    store
        .create_version("support", "triage", &json!({"v": 1}), "")
        .await?;
    store
        .create_version("support", "triage", &json!({"v": 2}), "")
        .await?;
    assert_eq!(store.get_alias("support", "triage", "live").await?, None);

    store.set_alias("support", "triage", "live", 2).await?;
    store.set_alias("support", "triage", "canary", 2).await?;
    let live = store
        .get_alias("support", "triage", "live")
        .await?
        .expect("alias");
    assert_eq!((live.name.as_str(), live.version), ("live", 2));
    assert!(live.updated_at_ms > 0);

    // Rolling back is repointing.
    store.set_alias("support", "triage", "live", 1).await?;
    let listed = store.list_aliases("support", "triage").await?;
    let pairs: Vec<(&str, u32)> = listed
        .iter()
        .map(|a| (a.name.as_str(), a.version))
        .collect();
    assert_eq!(pairs, vec![("canary", 2), ("live", 1)]);

    let missing = store.set_alias("support", "triage", "live", 9).await;
    assert!(
        matches!(missing, Err(Error::VersionNotFound { number: 9, .. })),
        "{missing:?}"
    );
    let other_flow = store.set_alias("support", "reply", "live", 1).await;
    assert!(
        matches!(other_flow, Err(Error::VersionNotFound { .. })),
        "{other_flow:?}"
    );
    assert_eq!(
        store
            .get_alias("support", "triage", "live")
            .await?
            .map(|a| a.version),
        Some(1)
    );
    Ok(())
}

#[sqlx::test]
async fn sessions_are_saved_and_replaced(pool: SqlitePool) -> Result<()> {
    let store = Store::from_pool(pool).await?;
    assert_eq!(store.get_session("helpdesk", "s-1").await?, None);

    let first = SessionState {
        attributes: json!({"customerId": "c-9"}),
        prompt_attributes: json!({}),
        history: json!([{"role": "user", "content": "hi"}]),
    };
    store.upsert_session("helpdesk", "s-1", &first).await?;
    let stored = store
        .get_session("helpdesk", "s-1")
        .await?
        .expect("session");
    assert_eq!(
        (stored.agent.as_str(), stored.session_id.as_str()),
        ("helpdesk", "s-1")
    );
    assert_eq!(stored.state, first);
    assert!(stored.updated_at_ms > 0);

    let second = SessionState {
        attributes: json!({"customerId": "c-9", "tier": "gold"}),
        prompt_attributes: json!({"today": "Tuesday"}),
        history: json!([{"role": "user", "content": "hi"}, {"role": "assistant", "content": "hello"}]),
    };
    store.upsert_session("helpdesk", "s-1", &second).await?;
    let replaced = store
        .get_session("helpdesk", "s-1")
        .await?
        .expect("session");
    assert_eq!(replaced.state, second);
    assert!(replaced.updated_at_ms >= stored.updated_at_ms);
    // Sessions are per agent.
    assert_eq!(store.get_session("billing", "s-1").await?, None);
    Ok(())
}

#[sqlx::test]
async fn memory_keeps_recent_summaries_and_prunes_old_ones(pool: SqlitePool) -> Result<()> {
    let store = Store::from_pool(pool.clone()).await?;
    for summary in ["asked about invoices", "changed address", "closed account"] {
        store
            .add_memory_summary("helpdesk", "user-1", summary)
            .await?;
    }
    store
        .add_memory_summary("helpdesk", "user-2", "other user")
        .await?;
    store
        .add_memory_summary("billing", "user-1", "other agent")
        .await?;

    let recent = store.recent_memory("helpdesk", "user-1", 2).await?;
    let texts: Vec<&str> = recent.iter().map(|m| m.summary.as_str()).collect();
    assert_eq!(texts, vec!["closed account", "changed address"]);
    assert!(recent.iter().all(|m| m.created_at_ms > 0));
    assert!(store
        .recent_memory("helpdesk", "nobody", 5)
        .await?
        .is_empty());

    // Age two summaries by 40 days: past a 30-day retention, inside a 60-day one.
    let forty_days_ms: i64 = 40 * 24 * 60 * 60 * 1000;
    sqlx::query("UPDATE memory SET created_at_ms = created_at_ms - ?1 WHERE summary IN ('asked about invoices', 'other agent')")
        .bind(forty_days_ms)
        .execute(&pool)
        .await
        .expect("test setup");
    assert_eq!(store.prune_memory("helpdesk", 60).await?, 0);
    assert_eq!(store.prune_memory("helpdesk", 30).await?, 1);
    let left = store.recent_memory("helpdesk", "user-1", 10).await?;
    let texts: Vec<&str> = left.iter().map(|m| m.summary.as_str()).collect();
    assert_eq!(texts, vec!["closed account", "changed address"]);
    // Another agent's retention is its own.
    assert_eq!(store.recent_memory("billing", "user-1", 10).await?.len(), 1);
    Ok(())
}

/// How many migrations the database at `path` has recorded.
async fn applied_migrations(path: &Path) -> i64 {
    let pool = SqlitePool::connect_with(sqlx::sqlite::SqliteConnectOptions::new().filename(path))
        .await
        .expect("open for inspection");
    let count = sqlx::query_scalar("SELECT COUNT(*) FROM _sqlx_migrations")
        .fetch_one(&pool)
        .await
        .expect("migrations table");
    pool.close().await;
    count
}

#[tokio::test]
async fn open_creates_the_folder_and_reopening_keeps_data_without_remigrating() -> Result<()> {
    let temp = tempfile::tempdir().expect("temp dir");
    let data_dir = temp.path().join("nested").join("strata");
    let store = Store::open(&data_dir).await?;
    let database = data_dir.join(DATABASE_FILE);
    assert_eq!(store.path(), database);
    let id = store.create_run(new_run("support", "triage")).await?;
    // WAL is on: the write went through a write-ahead log beside the database.
    assert!(data_dir.join(format!("{DATABASE_FILE}-wal")).exists());
    // Foreign keys are on: an event for an unknown run is refused, not orphaned.
    let event = json!({});
    let orphan = store
        .append_events(&RunId::from("run_x"), &[(1, 1, "RunStarted", &event)])
        .await;
    assert!(
        matches!(orphan, Err(Error::RunNotFound { .. })),
        "{orphan:?}"
    );
    store.close().await;

    let migrations = std::fs::read_dir(concat!(env!("CARGO_MANIFEST_DIR"), "/migrations"))
        .expect("migrations folder")
        .count();
    let migrations = i64::try_from(migrations).expect("few migrations");
    assert_eq!(applied_migrations(&database).await, migrations);

    let reopened = Store::open(&data_dir).await?;
    let run = reopened.get_run(&id).await?.expect("the run survived");
    // Same process, so the run is alive as far as the store can tell.
    assert_eq!(run.status, RunStatus::Running);
    assert_eq!(reopened.mark_interrupted_runs().await?, 0);
    reopened.close().await;
    assert_eq!(applied_migrations(&database).await, migrations);
    Ok(())
}

#[tokio::test]
async fn a_corrupt_database_is_a_clear_error() {
    let temp = tempfile::tempdir().expect("temp dir");
    let database = temp.path().join(DATABASE_FILE);
    std::fs::write(
        &database,
        b"this is not an SQLite database, it is a shopping list".repeat(100),
    )
    .expect("write garbage");

    let err = Store::open(temp.path())
        .await
        .expect_err("garbage is no database");
    assert!(
        matches!(err, Error::Open { .. } | Error::Migrate { .. }),
        "{err:?}"
    );
    let message = err.to_string();
    assert!(
        message.contains(&database.display().to_string()),
        "{message}"
    );
    let cause = std::error::Error::source(&err)
        .expect("the cause is kept")
        .to_string();
    assert!(cause.contains("not a database"), "{cause}");
}

#[tokio::test]
async fn a_data_folder_that_cannot_be_created_is_a_clear_error() {
    let temp = tempfile::tempdir().expect("temp dir");
    let file = temp.path().join("a-file");
    std::fs::write(&file, b"").expect("write file");

    let err = Store::open(&file.join("strata"))
        .await
        .expect_err("a file is in the way");
    assert!(
        matches!(&err, Error::CreateDir { path, .. } if path == &file.join("strata")),
        "{err:?}"
    );
    assert!(err.to_string().contains("a-file"), "{err}");
}

/// Ten hosts opening one new data folder at once (the CLI run ten times in parallel, or the
/// desktop app beside it) all migrate it without tripping over each other, and every run they
/// start is recorded. Without the migration lock, some opens failed with "table runs already
/// exists" and their runs were lost.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn ten_concurrent_opens_of_a_new_data_folder_all_record() -> Result<()> {
    let temp = tempfile::tempdir().expect("temp dir");
    let data_dir = temp.path().join("fresh");
    let mut opens = tokio::task::JoinSet::new();
    for i in 0..10 {
        let dir = data_dir.clone();
        opens.spawn(async move {
            let store = Store::open(&dir).await?;
            let id = store
                .create_run(new_run("support", &format!("flow{i}")))
                .await?;
            store.close().await;
            Ok::<_, Error>(id)
        });
    }
    let mut ids = Vec::new();
    while let Some(joined) = opens.join_next().await {
        ids.push(joined.expect("the open task did not panic")?);
    }
    assert_eq!(ids.len(), 10);

    let store = Store::open(&data_dir).await?;
    for id in &ids {
        assert!(store.get_run(id).await?.is_some(), "run {id:?} was lost");
    }
    store.close().await;
    let migrations = std::fs::read_dir(concat!(env!("CARGO_MANIFEST_DIR"), "/migrations"))
        .expect("migrations folder")
        .count();
    assert_eq!(
        applied_migrations(&data_dir.join(DATABASE_FILE)).await,
        i64::try_from(migrations).expect("few migrations")
    );
    Ok(())
}

#[sqlx::test]
async fn an_alias_rolls_back_move_by_move(pool: SqlitePool) -> Result<()> {
    let store = Store::from_pool(pool).await?;
    for v in 1..=3 {
        store
            .create_version("support", "triage", &json!({ "v": v }), "")
            .await?;
    }
    let version = |store: Store| async move {
        store
            .get_alias("support", "triage", "live")
            .await
            .map(|a| a.map(|a| a.version))
    };
    // Never made: nothing to roll back, and it says so.
    let missing = store.rollback_alias("support", "triage", "live").await;
    assert!(
        matches!(missing, Err(Error::AliasNotFound { .. })),
        "{missing:?}"
    );
    store.set_alias("support", "triage", "live", 1).await?;
    assert_eq!(
        store.rollback_target("support", "triage", "live").await?,
        None
    );
    let fresh = store.rollback_alias("support", "triage", "live").await;
    assert!(
        matches!(fresh, Err(Error::NothingToRollBack { .. })),
        "{fresh:?}"
    );
    store.set_alias("support", "triage", "live", 2).await?;
    // Pointing it where it points is no move.
    store.set_alias("support", "triage", "live", 2).await?;
    store.set_alias("support", "triage", "live", 3).await?;
    // A move to a missing version fails and leaves no move behind.
    assert!(store
        .set_alias("support", "triage", "live", 9)
        .await
        .is_err());
    assert_eq!(
        store.rollback_target("support", "triage", "live").await?,
        Some(2)
    );

    let back = store.rollback_alias("support", "triage", "live").await?;
    assert_eq!((back.from, back.to), (Some(3), 2));
    assert_eq!(version(store.clone()).await?, Some(2));
    let back = store.rollback_alias("support", "triage", "live").await?;
    assert_eq!((back.from, back.to), (Some(2), 1));
    assert_eq!(version(store.clone()).await?, Some(1));
    assert!(matches!(
        store.rollback_alias("support", "triage", "live").await,
        Err(Error::NothingToRollBack { .. })
    ));
    // A new move after rollbacks is the one the next rollback undoes.
    store.set_alias("support", "triage", "live", 3).await?;
    let back = store.rollback_alias("support", "triage", "live").await?;
    assert_eq!((back.from, back.to), (Some(3), 1));
    assert_eq!(version(store.clone()).await?, Some(1));
    // Another alias keeps its own moves.
    store.set_alias("support", "triage", "canary", 3).await?;
    assert!(matches!(
        store.rollback_alias("support", "triage", "canary").await,
        Err(Error::NothingToRollBack { .. })
    ));
    Ok(())
}
