//! A node's model call through the run's provider: streamed or not, reported as events, its
//! usage added to the run's totals. Prompt and KnowledgeBase nodes use it.

use super::shared::Run;
use super::NodeError;
use crate::model::flow::FlowNode;
use crate::providers::TextDelta;
use crate::trace::Payload;
use std::sync::Arc;
use tokio::time::Instant;

/// One model call for a node: sends it through the run's provider (streamed when the run
/// streams, its text deltas reported as `contentBlockDelta` events as they arrive), adds its
/// usage to the run's totals and reports it as a `nodeAction` event.
pub(super) async fn converse(
    run: &Run,
    node: &FlowNode,
    request: Arc<crate::providers::ModelRequest>,
) -> Result<Arc<crate::providers::ModelResponse>, NodeError> {
    let began = Instant::now();
    let (operation, reply) = if run.ctx.stream {
        (
            "ConverseStream",
            converse_streamed(run, node, &request).await,
        )
    } else {
        ("Converse", run.ctx.provider.converse(&request).await)
    };
    // Shared with the trace, whose JSON of it is built only if someone reads it.
    let response = Arc::new(reply.map_err(|source| NodeError::Model {
        node: node.name.clone(),
        source,
    })?);
    // One reading of the clock for the latency and the event.
    let ended = Instant::now();
    let latency_ms = u64::try_from(ended.duration_since(began).as_millis()).unwrap_or(u64::MAX);
    run.add_usage(response.usage);
    run.emit_at(run.ms_at(ended), |at_ms| crate::run::RunEvent::NodeAction {
        at_ms,
        node: node.name.as_str().into(),
        service_name: run.ctx.provider.name().to_owned(),
        operation_name: operation.to_owned(),
        request: Payload::lazy(request),
        response: Payload::lazy(response.clone()),
        usage: Some(response.usage),
        latency_ms,
    })
    .await;
    Ok(response)
}

/// A streamed model call: the provider hands deltas to a channel without waiting, and this
/// task turns them into events in arrival order while the call goes on.
async fn converse_streamed(
    run: &Run,
    node: &FlowNode,
    request: &crate::providers::ModelRequest,
) -> Result<crate::providers::ModelResponse, crate::providers::ProviderError> {
    let (tx, mut rx) = tokio::sync::mpsc::unbounded_channel::<TextDelta>();
    // A closed receiver only means the node stopped listening; the reply still completes.
    let on_text = move |delta: TextDelta| {
        let _ = tx.send(delta);
    };
    let call = run.ctx.provider.converse_stream(request, &on_text);
    tokio::pin!(call);
    let emit = |delta: TextDelta| {
        run.emit(move |at_ms| crate::run::RunEvent::ContentBlockDelta {
            at_ms,
            node: node.name.as_str().into(),
            content_block_index: delta.content_block_index,
            text: delta.text,
        })
    };
    let result = loop {
        tokio::select! {
            biased;
            Some(delta) = rx.recv() => emit(delta).await,
            result = &mut call => break result,
        }
    };
    while let Ok(delta) = rx.try_recv() {
        emit(delta).await;
    }
    result
}
