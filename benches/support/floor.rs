//! The tokio floor of issue 13's table: plain tokio programs doing the same scheduling as
//! each workload — a value handed from step to step, an instant model call, one event per
//! step sent over a channel that a task drains — with nothing else. `inline` runs the steps
//! in one task; `tasks` spawns a task per node or item, as an executor of a graph must.
#![allow(
    dead_code,
    reason = "each bench binary compiles this module anew and uses only part of it"
)]

use std::hint::black_box;
use std::time::Duration;
use tokio::sync::mpsc;

/// The instant model: an answer built from the request.
async fn model(request: String) -> String {
    black_box(request);
    "better".to_owned()
}

/// One step: fill the prompt, ask the model, report what it said.
async fn step(value: String, events: &mpsc::Sender<String>) -> String {
    let answer = model(format!("Improve: {value}")).await;
    let _ = events.send(answer.clone()).await;
    answer
}

async fn with_events<F, Fut>(body: F)
where
    F: FnOnce(mpsc::Sender<String>) -> Fut,
    Fut: std::future::Future<Output = ()>,
{
    let (tx, mut rx) = mpsc::channel::<String>(256);
    let drain = tokio::spawn(async move { while rx.recv().await.is_some() {} });
    body(tx).await;
    let _ = drain.await;
}

/// `n` steps in a chain, in one task.
pub async fn chain_inline(n: usize) {
    with_events(|tx| async move {
        let mut value = "draft".to_owned();
        for _ in 0..n {
            value = step(value, &tx).await;
        }
    })
    .await;
}

/// `n` steps in a chain, each its own task.
pub async fn chain_tasks(n: usize) {
    with_events(|tx| async move {
        let mut value = "draft".to_owned();
        for _ in 0..n {
            let tx = tx.clone();
            value = tokio::spawn(async move { step(value, &tx).await })
                .await
                .unwrap_or_default();
        }
    })
    .await;
}

/// `n` items, one by one, in one task; the answers gathered in order.
pub async fn items_inline(n: usize) {
    with_events(|tx| async move {
        let mut gathered = Vec::with_capacity(n);
        for i in 0..n {
            gathered.push(step(format!("item {i}"), &tx).await);
        }
        black_box(gathered);
    })
    .await;
}

/// `n` items, a task per item, up to `at_once` in flight; the answers gathered in order.
pub async fn items_tasks(n: usize, at_once: usize) {
    with_events(|tx| async move {
        let mut gathered = Vec::with_capacity(n);
        let mut in_flight = std::collections::VecDeque::new();
        for i in 0..n {
            let tx = tx.clone();
            in_flight.push_back(tokio::spawn(
                async move { step(format!("item {i}"), &tx).await },
            ));
            if in_flight.len() == at_once {
                if let Some(first) = in_flight.pop_front() {
                    gathered.push(first.await.unwrap_or_default());
                }
            }
        }
        for rest in in_flight {
            gathered.push(rest.await.unwrap_or_default());
        }
        black_box(gathered);
    })
    .await;
}

/// `n` calls of `latency` each, all at once.
pub async fn fan_out(n: usize, latency: Duration) {
    with_events(|tx| async move {
        let calls: Vec<_> = (0..n)
            .map(|i| {
                let tx = tx.clone();
                tokio::spawn(async move {
                    tokio::time::sleep(latency).await;
                    step(format!("branch {i}"), &tx).await
                })
            })
            .collect();
        for call in calls {
            black_box(call.await.unwrap_or_default());
        }
    })
    .await;
}

/// A ReAct turn of `steps` tool steps: the conversation grows by a call and its result each
/// step, the model sees it by reference, and each step reports the call and the result.
pub async fn react(steps: usize) {
    with_events(|tx| async move {
        let mut messages = vec!["Where are my orders?".to_owned()];
        for i in 0..=steps {
            let answer = model(messages.last().cloned().unwrap_or_default()).await;
            if i == steps {
                let _ = tx.send(answer).await;
                break;
            }
            messages.push(format!("call lookup O-{i}"));
            let _ = tx.send(format!("invocation O-{i}")).await;
            messages.push(format!("error: no local handler for O-{i}"));
            let _ = tx.send(format!("observation O-{i}")).await;
        }
        black_box(messages);
    })
    .await;
}
