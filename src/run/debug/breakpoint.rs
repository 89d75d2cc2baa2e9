//! Breakpoints: pausing before a node with the inputs it is about to get, and going on with
//! the inputs as the person edited them, one step at a time, or not at all.

use super::BreakpointAction;
use crate::compile::plan::InputWiring;
use crate::model::DataType;
use crate::run::event::InputField;
use crate::run::shared::Run;
use crate::run::{type_name, NodeError};
use serde_json::{Map, Value};
use std::sync::atomic::Ordering;

/// How a run goes on after a breakpoint.
pub(in crate::run) enum Resume {
    /// With these inputs (as the node's input trace shows them, and by name).
    Go(Vec<InputField>, Map<String, Value>),
    /// The answer was to cancel; the run's token is cancelled.
    Cancel,
}

/// Applies an edit made at a breakpoint to the inputs a node was about to get: each edited
/// field replaces the input of its name, which must exist and take the value's type.
pub(super) fn apply_edit(
    node: &str,
    wiring: &[InputWiring],
    mut fields: Vec<InputField>,
    edited: Vec<InputField>,
) -> Result<(Vec<InputField>, Map<String, Value>), NodeError> {
    let reject = |message: String| NodeError::BreakpointEdit {
        node: node.to_owned(),
        message,
    };
    for edit in edited {
        let name = &edit.node_input_name;
        let Some(w) = wiring.iter().find(|w| &w.name == name) else {
            return Err(reject(format!("{node} has no input {name}")));
        };
        let value = edit.content.document;
        if DataType::of_value(&value) != Some(w.data_type) {
            return Err(reject(format!(
                "input {name} expects {} but the edited value is {}",
                w.data_type,
                type_name(&value)
            )));
        }
        match fields.iter_mut().find(|f| &f.node_input_name == name) {
            Some(f) => f.content.document = value,
            None => return Err(reject(format!("input {name} has no value to replace"))),
        }
    }
    let values = fields
        .iter()
        .map(|f| (f.node_input_name.to_string(), f.content.document.clone()))
        .collect();
    Ok((fields, values))
}

impl Run {
    /// Whether to pause before `node` starts: it has a breakpoint, or the last pause said
    /// to step. Never without someone to answer, nor once the run is cancelled.
    pub(in crate::run) fn pauses_before(&self, node: &str) -> bool {
        let debug = &self.ctx.debug;
        debug.on_breakpoint.is_some()
            && !self.ctx.cancel.is_cancelled()
            && (self.stepping.swap(false, Ordering::SeqCst)
                || debug.breakpoints.iter().any(|b| b == node))
    }

    /// Pauses before `node` with the inputs it is about to get, and gives back the inputs to
    /// go on with. The node has not started working, so its clock is not running; a
    /// cancelled run ends the pause.
    pub(in crate::run) async fn pause(
        &self,
        node: &str,
        wiring: &[InputWiring],
        fields: Vec<InputField>,
    ) -> Result<Resume, NodeError> {
        // Everything the run said before the breakpoint reaches the front end first.
        self.sink.flush().await;
        let asked = match &self.ctx.debug.on_breakpoint {
            Some(on) => on(node.to_owned(), fields.clone()),
            None => Box::pin(async { Some(BreakpointAction::default()) }),
        };
        let action = tokio::select! {
            biased;
            () = self.ctx.cancel.cancelled() => None,
            action = asked => action,
        };
        let Some(action) = action else {
            self.ctx.cancel.cancel();
            return Ok(Resume::Cancel);
        };
        if action.step {
            self.stepping.store(true, Ordering::SeqCst);
        }
        let edited = action.inputs.unwrap_or_default();
        let (fields, values) = apply_edit(node, wiring, fields, edited)?;
        Ok(Resume::Go(fields, values))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::run::event::{Content, InputFieldSource};

    fn field(name: &str, value: Value) -> InputField {
        InputField {
            node_input_name: name.into(),
            content: Content { document: value },
            data_type: DataType::String,
            source: InputFieldSource {
                node_name: "In".into(),
                output_field_name: "document".into(),
                expression: "$.data".into(),
            },
        }
    }

    #[test]
    fn an_edit_of_the_wrong_type_or_name_is_refused() {
        let fields = vec![field("text", Value::from("hi"))];
        let err = apply_edit(
            "Ask",
            &[],
            fields.clone(),
            vec![field("nope", Value::from(1))],
        )
        .unwrap_err();
        assert_eq!(
            err.to_string(),
            "node Ask: the inputs edited at the breakpoint are refused: Ask has no input nope"
        );
    }
}
