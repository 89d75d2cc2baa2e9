//! The test fixture of the agent checks: a project whose first agent has one of everything,
//! all of it right, and the `check` that mutates it and compares the diagnostics found.

use super::check_agent;
use crate::diagnostic::{Code, Diagnostics};
use crate::model::agent::{
    ActionGroup, ActionGroupExecutor, AgentInference, ApiSchema, Function, FunctionSchema,
    PromptOverrideConfiguration,
};
use crate::model::{Agent, Project};
use serde_json::json;

pub(super) const SHIPPING: &str = r#"
openapi: 3.0.0
paths:
  /parcels/{parcelId}:
    get:
      operationId: trackParcel
      description: Says where a parcel is and when it arrives.
      parameters:
        - name: parcelId
          in: path
          required: true
          description: The parcel's tracking number.
          schema: {type: string}
    post:
      operationId: rerouteParcel
      description: Sends a parcel to another address.
      x-requireConfirmation: ENABLED
      requestBody:
        required: true
        content:
          application/json:
            schema:
              $ref: '#/components/schemas/Address'
components:
  schemas:
    Address:
      type: object
      properties:
        street: {type: string, description: The street and house number.}
"#;

/// A project whose first agent has one of everything, all of it right.
pub(super) fn project() -> Project {
    let agent = json!({
        "agentName": "Support",
        "foundationModel": "anthropic.claude-3-haiku-20240307-v1:0",
        "instruction": "You help customers with their orders. Be brief, be polite, never guess.",
        "description": "Answers customer questions about orders.",
        "idleSessionTTLInSeconds": 600,
        "agentResourceRoleArn": "arn:aws:iam::123456789012:role/SupportAgent",
        "customerEncryptionKeyArn": "arn:aws:kms:us-east-1:123456789012:key/12345678-1234-1234-1234-123456789012",
        "orchestrationType": "DEFAULT",
        "promptOverrideConfiguration": {"promptConfigurations": [{
            "promptType": "ORCHESTRATION", "promptCreationMode": "OVERRIDDEN",
            "promptState": "ENABLED", "basePromptTemplate": "You are a support agent. $instruction$",
            "inferenceConfiguration": {"temperature": 0.2, "topP": 0.9, "topK": 250,
                                       "maximumLength": 2048, "stopSequences": ["</answer>"]},
            "parserMode": "DEFAULT"}]},
        "guardrailConfiguration": {"guardrailIdentifier": "abc123def", "guardrailVersion": "1"},
        "memoryConfiguration": {"enabledMemoryTypes": ["SESSION_SUMMARY"], "storageDays": 30,
                                "sessionSummaryConfiguration": {"maxRecentSessions": 5}},
        "agentCollaboration": "SUPERVISOR",
        "actionGroups": [
            {"actionGroupName": "Orders", "description": "Looks up and refunds customer orders.",
             "actionGroupExecutor": {"lambda": "arn:aws:lambda:us-east-1:123456789012:function:orders"},
             "actionGroupState": "ENABLED", "localHandler": "handlers/orders.py:handler",
             "functionSchema": {"functions": [
                {"name": "lookupOrder", "description": "Finds an order by its number.",
                 "parameters": {"orderId": {"type": "string", "description": "The order number.", "required": true}}},
                {"name": "refundOrder", "description": "Refunds an order in full.",
                 "requireConfirmation": "ENABLED",
                 "parameters": {"orderId": {"type": "string", "description": "The order number.", "required": true}}}]}},
            {"actionGroupName": "Shipping", "description": "Tracks and reroutes parcels.",
             "actionGroupExecutor": {"customControl": "RETURN_CONTROL"},
             "apiSchema": {"payload": SHIPPING}},
            {"actionGroupName": "AskUser", "parentActionGroupSignature": "AMAZON.UserInput"}
        ],
        "knowledgeBases": [
            {"knowledgeBaseId": "faq", "description": "Answers to frequent questions.", "knowledgeBaseState": "ENABLED"},
            {"knowledgeBaseId": "ABCDEFGHIJ", "description": "Shipping policies."}
        ],
        "collaborators": [
            {"collaboratorName": "billing", "agentDescriptor": {"projectAgent": "Billing"},
             "collaborationInstruction": "Ask billing about invoices.", "relayConversationHistory": "TO_COLLABORATOR"},
            {"collaboratorName": "legal",
             "agentDescriptor": {"aliasArn": "arn:aws:bedrock:us-east-1:123456789012:agent-alias/ABCDEFGHIJ/KLMNOPQRST"},
             "collaborationInstruction": "Ask legal about contracts."}
        ],
        "tags": {"team": "support"},
        "local": {"maxIterations": 10, "userFacing": true}
    });
    let mut p = Project::new("shop");
    p.agents
        .push(serde_json::from_value(agent).expect("the good agent reads"));
    p.agents.push(Agent::new("Billing"));
    p.knowledge_bases.push(
        serde_json::from_value(json!({"name": "faq", "knowledgeBaseId": "KB12345678"}))
            .expect("reads"),
    );
    p
}

/// A named mutation of the good project and the diagnostics it must give.
pub(super) type Case = (
    &'static str,
    fn(&mut Project),
    &'static [(Code, &'static str)],
);

pub(super) fn agent(p: &mut Project) -> &mut Agent {
    &mut p.agents[0]
}

pub(super) fn group<'a>(p: &'a mut Project, name: &str) -> &'a mut ActionGroup {
    agent(p)
        .action_groups
        .iter_mut()
        .find(|g| g.action_group_name == name)
        .expect("the good agent has this group")
}

pub(super) fn function<'a>(p: &'a mut Project, name: &str) -> &'a mut Function {
    match &mut group(p, "Orders").function_schema {
        Some(FunctionSchema::Functions(fs)) => {
            fs.iter_mut().find(|f| f.name == name).expect("function")
        }
        None => panic!("Orders has functions"),
    }
}

pub(super) fn prompt(p: &mut Project) -> &mut PromptOverrideConfiguration {
    agent(p)
        .prompt_override_configuration
        .as_mut()
        .expect("overrides")
}

pub(super) fn inference(p: &mut Project) -> &mut AgentInference {
    prompt(p).prompt_configurations[0]
        .inference_configuration
        .as_mut()
        .expect("inference")
}

pub(super) fn shipping(p: &mut Project, payload: String) {
    let g = group(p, "Shipping");
    g.api_schema = Some(ApiSchema::Payload(payload));
    g.action_group_executor = Some(ActionGroupExecutor::Lambda(
        "arn:aws:lambda:us-east-1:123456789012:function:shipping".to_owned(),
    ));
}

/// Checks each case in turn (see [`check`]).
pub(super) fn check_cases(cases: &[Case]) {
    for (name, mutate, expect) in cases {
        check(name, *mutate, expect);
    }
}

/// Mutates the good project, checks its first agent, and compares the codes found with
/// `expect`; each expected text must appear in that diagnostic's message, location or hint.
pub(super) fn check(name: &str, mutate: fn(&mut Project), expect: &[(Code, &str)]) {
    let mut p = project();
    mutate(&mut p);
    let mut out = Diagnostics::default();
    check_agent(&p, &p.agents[0], &mut out);
    let found = out.into_vec();
    let shown: Vec<String> = found.iter().map(ToString::to_string).collect();
    assert_eq!(
        found.len(),
        expect.len(),
        "{name}: expected {expect:?}, found:\n{}",
        shown.join("\n")
    );
    let mut unmatched: Vec<&crate::diagnostic::Diagnostic> = found.iter().collect();
    for (code, text) in expect {
        let i = unmatched
            .iter()
            .position(|d| d.code == *code && d.to_string().contains(text));
        match i {
            Some(i) => {
                unmatched.remove(i);
            }
            None => panic!(
                "{name}: no {code:?} mentioning {text:?} among:\n{}",
                shown.join("\n")
            ),
        }
    }
    for d in &found {
        assert!(!d.hint.is_empty(), "{name}: no hint on {d}");
        assert_eq!(
            d.location.agent.as_deref(),
            Some(p.agents[0].agent_name.as_str()),
            "{name}: {d}"
        );
    }
}
