//! A fake Bedrock Agent control plane on 127.0.0.1 for `strata deploy` and the app's deploy view.
//!
//! It keeps agents, action groups, knowledge-base associations, collaborators, aliases,
//! flows, flow versions and flow aliases in memory, checks every request it gets (method, path
//! and body against the botocore service model, required members, no Strata-only fields, no
//! unfilled placeholders, Agent nodes carrying an alias ARN it issued, aliases only on
//! prepared agents, versions only of prepared flows, collaborators only on supervisors and
//! only with an alias that exists and is prepared, supervisors prepared only with
//! collaborators) and records the operation sequence. Status transitions are decided by poll
//! count, never by time: PrepareAgent gives PREPARING for two GetAgent polls, then PREPARED.
//! Shared by `tests/deploy.rs` and the app's end-to-end test (`src-tauri/tests/e2e_ship.rs`).
#![allow(
    dead_code,
    reason = "each test binary compiles this module anew and uses only part of it"
)]

use super::botocore::Shapes;
use super::fake_http::{aws_error as error, json_reply, serve, stored, CallLog, Service};
use axum::http::Method;
use axum::response::Response;
use serde_json::{json, Value};
use std::collections::{BTreeMap, VecDeque};
use std::sync::{Arc, LazyLock, Mutex};

pub const ACCOUNT: &str = "123456789012";
const NOW: &str = "2026-11-25T12:00:00Z";
#[derive(Debug, Default)]
pub struct AgentState {
    pub json: Value,
    /// Statuses the next GetAgent polls report, one per poll; then the last one stays.
    pub queue: VecDeque<&'static str>,
    pub groups: BTreeMap<String, Value>,
    pub kbs: BTreeMap<String, Value>,
    /// By collaborator id.
    pub collaborators: BTreeMap<String, Value>,
    pub aliases: BTreeMap<String, (Value, VecDeque<&'static str>)>,
}

#[derive(Debug, Default)]
pub struct FlowState {
    pub json: Value,
    pub queue: VecDeque<&'static str>,
    pub versions: Vec<String>,
    pub aliases: BTreeMap<String, Value>,
}

#[derive(Debug, Default)]
pub struct Fake {
    /// Every operation, in order, and the requests it found wrong (they also got a
    /// ValidationException).
    pub log: CallLog<Fake>,
    pub agents: BTreeMap<String, AgentState>,
    pub flows: BTreeMap<String, FlowState>,
    /// Client tokens seen by CreateX, with the id they created.
    pub tokens: BTreeMap<String, String>,
    pub alias_arns: Vec<String>,
    pub next: u32,
    /// PrepareAgent never finishes.
    pub never_prepare: bool,
    /// PrepareFlow ends Failed, with validations.
    pub flow_fails: bool,
    /// `(operation, error type)` to fail.
    pub fail: Option<(&'static str, &'static str)>,
}

pub type Shared = Arc<Mutex<Fake>>;

/// The Bedrock Agent control plane's botocore model, which every request must match.
pub static SERVICE_MODEL: LazyLock<Shapes> = LazyLock::new(Shapes::bedrock_agent);

pub use super::fake_http::lock;

/// The changing calls of a first deploy of the support-triage template (Classic).
pub const FIRST_DEPLOY: &[&str] = &[
    "CreateAgent",
    "CreateAgentActionGroup",
    "CreateAgentActionGroup",
    "PrepareAgent",
    "CreateAgentAlias",
    "CreateFlow",
    "PrepareFlow",
    "CreateFlowVersion",
    "CreateFlowAlias",
];

pub const READS: &[&str] = &[
    "ListAgents",
    "GetAgent",
    "ListAgentActionGroups",
    "GetAgentActionGroup",
    "ListAgentKnowledgeBases",
    "ListAgentCollaborators",
    "ListAgentAliases",
    "GetAgentAlias",
    "ListFlows",
    "GetFlow",
    "ListFlowAliases",
];

impl Fake {
    fn id(&mut self) -> String {
        self.next += 1;
        format!("ID{:08}", self.next)
    }

    /// The id in the request path, or a new one when the path has none (a create).
    fn id_or_new(&mut self, in_path: Option<&&str>) -> String {
        match in_path {
            Some(id) => (*id).to_owned(),
            None => self.id(),
        }
    }
}

impl Service for Fake {
    const READS: &'static [&'static str] = READS;
}

/// Member `key` of `body` as a non-empty string.
fn need<'a>(body: &'a Value, key: &str, problems: &mut Vec<String>, op: &str) -> &'a str {
    match body.get(key).and_then(Value::as_str) {
        Some(s) if !s.is_empty() => s,
        _ => {
            problems.push(format!("{op}: missing {key}"));
            ""
        }
    }
}

fn check_token(body: &Value, problems: &mut Vec<String>, op: &str) {
    let len = body
        .get("clientToken")
        .and_then(Value::as_str)
        .map(str::len)
        .unwrap_or(0);
    if !(33..=256).contains(&len) {
        problems.push(format!("{op}: clientToken length {len}"));
    }
}

fn forbid(body: &Value, keys: &[&str], problems: &mut Vec<String>, op: &str) {
    for k in keys {
        if body.get(*k).is_some() {
            problems.push(format!("{op}: body carries {k}"));
        }
    }
    let text = body.to_string();
    for k in ["localHandler", "projectAgent", "\"local\"", "${"] {
        if text.contains(k) {
            problems.push(format!("{op}: body contains {k}"));
        }
    }
}

pub fn agent_nodes<'a>(def: &'a Value, out: &mut Vec<&'a Value>) {
    for node in def
        .get("nodes")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
    {
        if let Some(agent) = node.pointer("/configuration/agent") {
            out.push(agent);
        }
        if let Some(inner) = node.pointer("/configuration/loop/definition") {
            agent_nodes(inner, out);
        }
    }
}

fn handle(fake: &Shared, method: &Method, path: &str, body: &Value) -> Response {
    let mut f = lock(fake);
    let seg: Vec<&str> = path.trim_matches('/').split('/').collect();
    let m = method.as_str();
    // Routed as the service model routes it; agent parts are only ever edited in the draft.
    let model: &'static Shapes = &SERVICE_MODEL;
    let Some(op) = model.operation(m, path) else {
        f.log.problems.push(format!("unexpected {m} {path}"));
        return error(404, "ResourceNotFoundException", "no such route");
    };
    if seg.get(2) == Some(&"agentversions") && seg.get(3) != Some(&"DRAFT") {
        f.log
            .problems
            .push(format!("{op}: {path} is not the draft version"));
        return error(400, "ValidationException", "only the draft can be changed");
    }
    f.log.calls.push(op.to_owned());
    if let Some((fail_op, kind)) = f.fail {
        if fail_op == op {
            return error(400, kind, &format!("{op} rejected by the test"));
        }
    }
    // Every body as the service model has it.
    let mut wrong = Vec::new();
    model.check_body(op, body, &mut wrong);
    if let Some(first) = wrong.first().cloned() {
        f.log.problems.extend(wrong);
        return error(400, "ValidationException", &first);
    }
    let before = f.log.problems.len();
    let reply = respond(&mut f, op, &seg, body);
    if f.log.problems.len() > before {
        let last = f.log.problems.last().cloned().unwrap_or_default();
        return error(400, "ValidationException", &last);
    }
    reply
}

fn respond(f: &mut Fake, op: &'static str, seg: &[&str], body: &Value) -> Response {
    let id = seg.get(1).copied().unwrap_or_default().to_owned();
    let agent_missing = || error(404, "ResourceNotFoundException", "no such agent");
    match op {
        "ListAgents" => {
            let summaries: Vec<Value> = f
                .agents
                .iter()
                .map(|(id, a)| {
                    json!({"agentId": id, "agentName": a.json["agentName"],
                           "agentStatus": a.json["agentStatus"], "updatedAt": NOW})
                })
                .collect();
            json_reply(200, &json!({ "agentSummaries": summaries }))
        }
        "CreateAgent" => {
            let mut problems = Vec::new();
            need(body, "agentName", &mut problems, op);
            need(body, "agentResourceRoleArn", &mut problems, op);
            need(body, "foundationModel", &mut problems, op);
            let instruction = need(body, "instruction", &mut problems, op);
            if instruction.chars().count() < 40 {
                problems.push(format!("{op}: instruction shorter than 40"));
            }
            check_token(body, &mut problems, op);
            forbid(
                body,
                &["agentId", "actionGroups", "knowledgeBases", "collaborators"],
                &mut problems,
                op,
            );
            f.log.problems.extend(problems);
            let token = body["clientToken"].as_str().unwrap_or_default().to_owned();
            if let Some(existing) = f.tokens.get(&token).cloned() {
                let json = f.agents.get(&existing).map(|a| a.json.clone());
                return json_reply(202, &json!({ "agent": json }));
            }
            let new = f.id();
            let mut json = stored(
                body,
                &["clientToken", "tags"],
                json!({"agentId": new,
                    "agentArn": format!("arn:aws:bedrock:us-east-1:{ACCOUNT}:agent/{new}"),
                    "agentVersion": "DRAFT", "agentStatus": "CREATING",
                    "createdAt": NOW, "updatedAt": NOW}),
            );
            if let Value::Object(m) = &mut json {
                m.entry("idleSessionTTLInSeconds").or_insert(json!(600));
            }
            f.tokens.insert(token, new.clone());
            f.agents.insert(
                new,
                AgentState {
                    json: json.clone(),
                    queue: VecDeque::from(["NOT_PREPARED"]),
                    ..AgentState::default()
                },
            );
            json_reply(202, &json!({ "agent": json }))
        }
        "GetAgent" => {
            let Some(a) = f.agents.get_mut(&id) else {
                return agent_missing();
            };
            if let Some(next) = a.queue.pop_front() {
                a.json["agentStatus"] = json!(next);
            }
            json_reply(200, &json!({ "agent": a.json }))
        }
        "UpdateAgent" => {
            let mut problems = Vec::new();
            need(body, "agentName", &mut problems, op);
            need(body, "agentResourceRoleArn", &mut problems, op);
            need(body, "foundationModel", &mut problems, op);
            forbid(body, &["agentId", "clientToken", "tags"], &mut problems, op);
            f.log.problems.extend(problems);
            let Some(a) = f.agents.get_mut(&id) else {
                return agent_missing();
            };
            if let (Value::Object(target), Value::Object(src)) = (&mut a.json, body) {
                for (k, v) in src {
                    target.insert(k.clone(), v.clone());
                }
            }
            a.json["agentStatus"] = json!("UPDATING");
            a.queue = VecDeque::from(["NOT_PREPARED"]);
            json_reply(202, &json!({ "agent": a.json }))
        }
        "PrepareAgent" => {
            let never = f.never_prepare;
            let Some(a) = f.agents.get_mut(&id) else {
                return agent_missing();
            };
            let supervisor = matches!(
                a.json["agentCollaboration"].as_str(),
                Some("SUPERVISOR" | "SUPERVISOR_ROUTER")
            );
            if supervisor && a.collaborators.is_empty() {
                f.log
                    .problems
                    .push(format!("{op}: supervisor {id} has no collaborators"));
                return error(
                    400,
                    "ValidationException",
                    "a supervisor needs collaborators",
                );
            }
            a.json["agentStatus"] = json!("PREPARING");
            a.queue = if never {
                VecDeque::new()
            } else {
                VecDeque::from(["PREPARING", "PREPARING", "PREPARED"])
            };
            json_reply(
                202,
                &json!({"agentId": id, "agentStatus": "PREPARING", "agentVersion": "DRAFT", "preparedAt": NOW}),
            )
        }
        "ListAgentActionGroups" => {
            let Some(a) = f.agents.get(&id) else {
                return agent_missing();
            };
            let summaries: Vec<Value> = a
                .groups
                .iter()
                .map(|(gid, g)| {
                    json!({"actionGroupId": gid, "actionGroupName": g["actionGroupName"],
                           "actionGroupState": "ENABLED", "updatedAt": NOW})
                })
                .collect();
            json_reply(200, &json!({ "actionGroupSummaries": summaries }))
        }
        "CreateAgentActionGroup" | "UpdateAgentActionGroup" => {
            let mut problems = Vec::new();
            need(body, "actionGroupName", &mut problems, op);
            if op == "CreateAgentActionGroup" {
                check_token(body, &mut problems, op);
            }
            forbid(body, &["agentId", "agentVersion"], &mut problems, op);
            f.log.problems.extend(problems);
            let gid = f.id_or_new(seg.get(5));
            let Some(a) = f.agents.get_mut(&id) else {
                return agent_missing();
            };
            let mut json = stored(
                body,
                &["clientToken", "parentActionGroupSignature"],
                json!({"agentId": id, "agentVersion": "DRAFT", "actionGroupId": gid,
                    "createdAt": NOW, "updatedAt": NOW}),
            );
            if let Value::Object(m) = &mut json {
                if let Some(sig) = body.get("parentActionGroupSignature") {
                    m.insert("parentActionSignature".into(), sig.clone());
                }
                m.entry("actionGroupState").or_insert(json!("ENABLED"));
            }
            a.groups.insert(gid, json.clone());
            a.json["agentStatus"] = json!("NOT_PREPARED");
            json_reply(200, &json!({ "agentActionGroup": json }))
        }
        "GetAgentActionGroup" => {
            let gid = seg.get(5).copied().unwrap_or_default();
            match f.agents.get(&id).and_then(|a| a.groups.get(gid)) {
                Some(g) => json_reply(200, &json!({ "agentActionGroup": g })),
                None => error(404, "ResourceNotFoundException", "no such action group"),
            }
        }
        "ListAgentKnowledgeBases" => {
            let Some(a) = f.agents.get(&id) else {
                return agent_missing();
            };
            let summaries: Vec<Value> = a
                .kbs
                .values()
                .map(|k| {
                    json!({"knowledgeBaseId": k["knowledgeBaseId"], "description": k["description"],
                           "knowledgeBaseState": k["knowledgeBaseState"], "updatedAt": NOW})
                })
                .collect();
            json_reply(200, &json!({ "agentKnowledgeBaseSummaries": summaries }))
        }
        "AssociateAgentKnowledgeBase" | "UpdateAgentKnowledgeBase" => {
            let mut problems = Vec::new();
            let kb = match seg.get(5) {
                Some(k) => (*k).to_owned(),
                None => need(body, "knowledgeBaseId", &mut problems, op).to_owned(),
            };
            need(body, "description", &mut problems, op);
            f.log.problems.extend(problems);
            let Some(a) = f.agents.get_mut(&id) else {
                return agent_missing();
            };
            let json = json!({"agentId": id, "agentVersion": "DRAFT", "knowledgeBaseId": kb,
                "description": body["description"],
                "knowledgeBaseState": body.get("knowledgeBaseState").cloned().unwrap_or(json!("ENABLED")),
                "createdAt": NOW, "updatedAt": NOW});
            a.kbs.insert(kb, json.clone());
            a.json["agentStatus"] = json!("NOT_PREPARED");
            json_reply(200, &json!({ "agentKnowledgeBase": json }))
        }
        "ListAgentCollaborators" => {
            let Some(a) = f.agents.get(&id) else {
                return agent_missing();
            };
            let summaries: Vec<&Value> = a.collaborators.values().collect();
            json_reply(200, &json!({ "agentCollaboratorSummaries": summaries }))
        }
        "AssociateAgentCollaborator" | "UpdateAgentCollaborator" => {
            let mut problems = Vec::new();
            let name = need(body, "collaboratorName", &mut problems, op).to_owned();
            let instruction = need(body, "collaborationInstruction", &mut problems, op);
            if instruction.chars().count() > 4000 {
                problems.push(format!("{op}: collaborationInstruction longer than 4000"));
            }
            if op == "AssociateAgentCollaborator" {
                check_token(body, &mut problems, op);
            }
            forbid(body, &["agentId", "agentVersion"], &mut problems, op);
            match body
                .pointer("/relayConversationHistory")
                .and_then(Value::as_str)
            {
                None | Some("TO_COLLABORATOR" | "DISABLED") => {}
                Some(other) => problems.push(format!("{op}: relayConversationHistory {other}")),
            }
            let arn = body
                .pointer("/agentDescriptor/aliasArn")
                .and_then(Value::as_str)
                .unwrap_or_default()
                .to_owned();
            let pattern_ok = arn
                .strip_prefix("arn:aws:bedrock:us-east-1:")
                .and_then(|r| r.split_once(":agent-alias/"))
                .and_then(|(_, ids)| ids.split_once('/'))
                .is_some_and(|(agent, alias)| {
                    [agent, alias]
                        .iter()
                        .all(|i| i.len() == 10 && i.chars().all(|c| c.is_ascii_alphanumeric()))
                });
            if !pattern_ok {
                problems.push(format!(
                    "{op}: agentDescriptor.aliasArn {arn:?} is not an agent alias ARN"
                ));
            }
            // An alias of an agent of this account must exist and be prepared.
            let own = arn
                .split_once(":agent-alias/")
                .and_then(|(_, ids)| ids.split_once('/'))
                .and_then(|(agent, alias)| Some((f.agents.get(agent)?, alias)));
            if let Some((collaborator, alias)) = own {
                match collaborator.aliases.get(alias) {
                    Some((a, _)) if a["agentAliasStatus"] == "PREPARED" => {}
                    Some((a, _)) => problems.push(format!(
                        "{op}: collaborator alias {arn} is {}",
                        a["agentAliasStatus"]
                    )),
                    None => problems.push(format!("{op}: collaborator alias {arn} does not exist")),
                }
            }
            match f.agents.get(&id).map(|a| &a.json["agentCollaboration"]) {
                Some(Value::String(c)) if c == "SUPERVISOR" || c == "SUPERVISOR_ROUTER" => {}
                Some(other) => problems.push(format!(
                    "{op}: agent {id} is not a supervisor (agentCollaboration {other})"
                )),
                None => {}
            }
            f.log.problems.extend(problems);
            let cid = f.id_or_new(seg.get(5));
            let Some(a) = f.agents.get_mut(&id) else {
                return agent_missing();
            };
            if op == "AssociateAgentCollaborator"
                && a.collaborators
                    .values()
                    .any(|c| c["collaboratorName"] == name.as_str())
            {
                return error(409, "ConflictException", "a collaborator has this name");
            }
            let json = json!({"agentId": id, "agentVersion": "DRAFT", "collaboratorId": cid,
                "collaboratorName": name, "agentDescriptor": {"aliasArn": arn},
                "collaborationInstruction": body["collaborationInstruction"],
                "relayConversationHistory": body.get("relayConversationHistory").cloned().unwrap_or(json!("DISABLED")),
                "createdAt": NOW, "lastUpdatedAt": NOW});
            a.collaborators.insert(cid, json.clone());
            a.json["agentStatus"] = json!("NOT_PREPARED");
            json_reply(200, &json!({ "agentCollaborator": json }))
        }
        "DeleteAgentActionGroup"
        | "DisassociateAgentKnowledgeBase"
        | "DisassociateAgentCollaborator" => {
            let child = seg.get(5).copied().unwrap_or_default();
            let Some(a) = f.agents.get_mut(&id) else {
                return agent_missing();
            };
            let removed = match op {
                "DeleteAgentActionGroup" => a.groups.remove(child),
                "DisassociateAgentKnowledgeBase" => a.kbs.remove(child),
                _ => a.collaborators.remove(child),
            };
            if removed.is_none() {
                return error(404, "ResourceNotFoundException", "no such child");
            }
            a.json["agentStatus"] = json!("NOT_PREPARED");
            match op {
                "DeleteAgentActionGroup" => json_reply(
                    200,
                    &json!({"actionGroupId": child, "actionGroupState": "DELETING"}),
                ),
                _ => json_reply(200, &json!({})),
            }
        }
        "ListAgentAliases" => {
            let Some(a) = f.agents.get(&id) else {
                return agent_missing();
            };
            let summaries: Vec<Value> = a
                .aliases
                .values()
                .map(|(alias, _)| {
                    json!({"agentAliasId": alias["agentAliasId"], "agentAliasName": alias["agentAliasName"],
                           "agentAliasStatus": alias["agentAliasStatus"], "createdAt": NOW, "updatedAt": NOW})
                })
                .collect();
            json_reply(200, &json!({ "agentAliasSummaries": summaries }))
        }
        "CreateAgentAlias" | "UpdateAgentAlias" => {
            let mut problems = Vec::new();
            let name = need(body, "agentAliasName", &mut problems, op).to_owned();
            if op == "CreateAgentAlias" {
                check_token(body, &mut problems, op);
            }
            match f.agents.get(&id) {
                Some(a) if a.json["agentStatus"] != "PREPARED" => problems.push(format!(
                    "{op}: agent {id} is {} (not PREPARED)",
                    a.json["agentStatus"]
                )),
                _ => {}
            }
            f.log.problems.extend(problems);
            let alias_id = f.id_or_new(seg.get(3));
            let Some(a) = f.agents.get_mut(&id) else {
                return agent_missing();
            };
            let arn = format!("arn:aws:bedrock:us-east-1:{ACCOUNT}:agent-alias/{id}/{alias_id}");
            let version = a.aliases.len() + 1;
            let json = json!({"agentId": id, "agentAliasId": alias_id, "agentAliasName": name,
                "agentAliasArn": arn, "routingConfiguration": [{"agentVersion": version.to_string()}],
                "createdAt": NOW, "updatedAt": NOW,
                "agentAliasStatus": if op == "CreateAgentAlias" { "CREATING" } else { "UPDATING" }});
            a.aliases
                .insert(alias_id, (json.clone(), VecDeque::from(["PREPARED"])));
            if !f.alias_arns.contains(&arn) {
                f.alias_arns.push(arn);
            }
            json_reply(202, &json!({ "agentAlias": json }))
        }
        "GetAgentAlias" => {
            let alias_id = seg.get(3).copied().unwrap_or_default();
            match f
                .agents
                .get_mut(&id)
                .and_then(|a| a.aliases.get_mut(alias_id))
            {
                Some((json, queue)) => {
                    if let Some(next) = queue.pop_front() {
                        json["agentAliasStatus"] = json!(next);
                    }
                    json_reply(200, &json!({ "agentAlias": json }))
                }
                None => error(404, "ResourceNotFoundException", "no such alias"),
            }
        }
        "ListFlows" => {
            let summaries: Vec<Value> = f
                .flows
                .iter()
                .map(|(id, fl)| {
                    json!({"name": fl.json["name"], "id": id, "arn": fl.json["arn"],
                           "status": fl.json["status"], "createdAt": NOW, "updatedAt": NOW, "version": "DRAFT"})
                })
                .collect();
            json_reply(200, &json!({ "flowSummaries": summaries }))
        }
        "CreateFlow" | "UpdateFlow" => {
            let mut problems = Vec::new();
            need(body, "name", &mut problems, op);
            need(body, "executionRoleArn", &mut problems, op);
            if op == "CreateFlow" {
                check_token(body, &mut problems, op);
            } else {
                forbid(body, &["clientToken", "tags"], &mut problems, op);
            }
            forbid(body, &["samples"], &mut problems, op);
            let mut agents = Vec::new();
            agent_nodes(&body["definition"], &mut agents);
            for agent in agents {
                let arn = agent["agentAliasArn"].as_str().unwrap_or_default();
                if !f.alias_arns.iter().any(|a| a == arn) {
                    problems.push(format!("{op}: Agent node alias {arn:?} was never issued"));
                }
            }
            if body.pointer("/definition/nodes").is_none() {
                problems.push(format!("{op}: no definition.nodes"));
            }
            f.log.problems.extend(problems);
            let fid = if op == "UpdateFlow" {
                id.clone()
            } else {
                f.id()
            };
            let json = stored(
                body,
                &["clientToken", "tags"],
                json!({"id": fid, "arn": format!("arn:aws:bedrock:us-east-1:{ACCOUNT}:flow/{fid}"),
                    "status": "NotPrepared", "version": "DRAFT", "createdAt": NOW, "updatedAt": NOW}),
            );
            let state = f.flows.entry(fid).or_default();
            state.json = json.clone();
            state.queue.clear();
            json_reply(if op == "CreateFlow" { 201 } else { 200 }, &json)
        }
        "GetFlow" => match f.flows.get_mut(&id) {
            Some(fl) => {
                if let Some(next) = fl.queue.pop_front() {
                    fl.json["status"] = json!(next);
                }
                json_reply(200, &fl.json)
            }
            None => error(404, "ResourceNotFoundException", "no such flow"),
        },
        "PrepareFlow" => match f.flows.get_mut(&id) {
            Some(fl) if f.flow_fails => {
                fl.json["status"] = json!("Preparing");
                fl.json["validations"] = json!([{"message": "Node Billing: the agent alias is not ready",
                    "severity": "Error", "type": "Unspecified"}]);
                fl.queue = VecDeque::from(["Failed"]);
                json_reply(202, &json!({"id": id, "status": "Preparing"}))
            }
            Some(fl) => {
                fl.json["status"] = json!("Preparing");
                fl.queue = VecDeque::from(["Preparing", "Prepared"]);
                json_reply(202, &json!({"id": id, "status": "Preparing"}))
            }
            None => error(404, "ResourceNotFoundException", "no such flow"),
        },
        "CreateFlowVersion" => {
            let mut problems = Vec::new();
            check_token(body, &mut problems, op);
            match f.flows.get(&id) {
                Some(fl) if fl.json["status"] != "Prepared" => {
                    problems.push(format!("{op}: flow {id} is not Prepared"))
                }
                _ => {}
            }
            f.log.problems.extend(problems);
            match f.flows.get_mut(&id) {
                Some(fl) => {
                    let v = (fl.versions.len() + 1).to_string();
                    fl.versions.push(v.clone());
                    let mut json = fl.json.clone();
                    json["version"] = json!(v);
                    json_reply(201, &json)
                }
                None => error(404, "ResourceNotFoundException", "no such flow"),
            }
        }
        "ListFlowAliases" => match f.flows.get(&id) {
            Some(fl) => {
                let summaries: Vec<&Value> = fl.aliases.values().collect();
                json_reply(200, &json!({ "flowAliasSummaries": summaries }))
            }
            None => error(404, "ResourceNotFoundException", "no such flow"),
        },
        "CreateFlowAlias" | "UpdateFlowAlias" => {
            let mut problems = Vec::new();
            let name = need(body, "name", &mut problems, op).to_owned();
            if op == "CreateFlowAlias" {
                check_token(body, &mut problems, op);
            }
            let version = body
                .pointer("/routingConfiguration/0/flowVersion")
                .and_then(Value::as_str)
                .unwrap_or_default()
                .to_owned();
            let known = f
                .flows
                .get(&id)
                .map(|fl| fl.versions.contains(&version))
                .unwrap_or(false);
            if !known {
                problems.push(format!("{op}: unknown flow version {version:?}"));
            }
            f.log.problems.extend(problems);
            let alias_id = f.id_or_new(seg.get(3));
            let Some(fl) = f.flows.get_mut(&id) else {
                return error(404, "ResourceNotFoundException", "no such flow");
            };
            let json = json!({"name": name, "routingConfiguration": [{"flowVersion": version}],
                "flowId": id, "id": alias_id,
                "arn": format!("arn:aws:bedrock:us-east-1:{ACCOUNT}:flow/{id}/alias/{alias_id}"),
                "createdAt": NOW, "updatedAt": NOW});
            fl.aliases.insert(alias_id, json.clone());
            json_reply(if op == "CreateFlowAlias" { 201 } else { 200 }, &json)
        }
        _ => {
            f.log
                .problems
                .push(format!("{op}: not an operation this fake serves"));
            error(500, "InternalServerException", "unhandled")
        }
    }
}

pub async fn start(fake: Shared) -> String {
    let (endpoint, _log) = serve(move |request| {
        let body = if request.body.is_null() {
            json!({})
        } else {
            request.body.clone()
        };
        handle(&fake, &request.method, &request.path, &body)
    })
    .await;
    endpoint
}
