//! `strata deploy` against a fake Bedrock Agent control plane on 127.0.0.1.
//!
//! The fake keeps agents, action groups, knowledge-base associations, collaborators, aliases,
//! flows, flow versions and flow aliases in memory, checks every request it gets (method, path
//! and body against the botocore service model, required members, no Strata-only fields, no
//! unfilled placeholders, Agent nodes carrying an alias ARN it issued, aliases only on
//! prepared agents, versions only of prepared flows, collaborators only on supervisors and
//! only with an alias that exists and is prepared, supervisors prepared only with
//! collaborators) and records the operation sequence. Status transitions are decided by poll
//! count, never by time: PrepareAgent gives PREPARING for two GetAgent polls, then PREPARED.
#![cfg(feature = "runtime")]

use axum::http::Method;
use axum::response::Response;
use serde_json::{json, Value};
use std::collections::{BTreeMap, VecDeque};
use std::sync::{Arc, LazyLock, Mutex};
use std::time::Duration;
use strata::deploy::{Action, DeployError, DeployOptions, Deployer};
use strata::model::Project;

mod support {
    pub mod aws;
    pub mod botocore;
    pub mod fake_http;
}

use support::aws::sdk_config;
use support::botocore::Shapes;
use support::fake_http::{aws_error as error, json_reply, serve};

const ACCOUNT: &str = "123456789012";
const AGENT_ROLE: &str = "arn:aws:iam::123456789012:role/StrataAgentRole";
const FLOW_ROLE: &str = "arn:aws:iam::123456789012:role/StrataFlowRole";
const NOW: &str = "2026-11-25T12:00:00Z";

// ---------------------------------------------------------------------------------------------
// The fake control plane

#[derive(Debug, Default)]
struct AgentState {
    json: Value,
    /// Statuses the next GetAgent polls report, one per poll; then the last one stays.
    queue: VecDeque<&'static str>,
    groups: BTreeMap<String, Value>,
    kbs: BTreeMap<String, Value>,
    /// By collaborator id.
    collaborators: BTreeMap<String, Value>,
    aliases: BTreeMap<String, (Value, VecDeque<&'static str>)>,
}

#[derive(Debug, Default)]
struct FlowState {
    json: Value,
    queue: VecDeque<&'static str>,
    versions: Vec<String>,
    aliases: BTreeMap<String, Value>,
}

#[derive(Debug, Default)]
struct Fake {
    /// Every operation, in order.
    calls: Vec<String>,
    /// Requests the fake found wrong (they also got a ValidationException).
    problems: Vec<String>,
    agents: BTreeMap<String, AgentState>,
    flows: BTreeMap<String, FlowState>,
    /// Client tokens seen by CreateX, with the id they created.
    tokens: BTreeMap<String, String>,
    alias_arns: Vec<String>,
    next: u32,
    /// PrepareAgent never finishes.
    never_prepare: bool,
    /// PrepareFlow ends Failed, with validations.
    flow_fails: bool,
    /// `(operation, error type)` to fail.
    fail: Option<(&'static str, &'static str)>,
}

type Shared = Arc<Mutex<Fake>>;

/// The Bedrock Agent control plane's botocore model, which every request must match.
static SERVICE_MODEL: LazyLock<Shapes> = LazyLock::new(Shapes::bedrock_agent);

fn lock(fake: &Shared) -> std::sync::MutexGuard<'_, Fake> {
    fake.lock().unwrap_or_else(|p| p.into_inner())
}

const READS: &[&str] = &[
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

    fn mutations(&self) -> Vec<String> {
        self.mutations_since(0)
    }

    /// The changing operations from call number `first` on.
    fn mutations_since(&self, first: usize) -> Vec<String> {
        self.calls[first..]
            .iter()
            .filter(|c| !READS.contains(&c.as_str()))
            .cloned()
            .collect()
    }

    /// Where the first call of `op` stands in the call sequence.
    fn position(&self, op: &str) -> usize {
        self.calls
            .iter()
            .position(|c| c == op)
            .unwrap_or_else(|| panic!("no {op} in {:?}", self.calls))
    }
}

/// What the fake keeps of a created resource: the request body without `drop`, with the
/// members of `set` (an object) added.
fn stored(body: &Value, drop: &[&str], set: Value) -> Value {
    let mut json = body.clone();
    if let (Value::Object(m), Value::Object(set)) = (&mut json, set) {
        for key in drop {
            m.remove(*key);
        }
        m.extend(set);
    }
    json
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

fn agent_nodes<'a>(def: &'a Value, out: &mut Vec<&'a Value>) {
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
        f.problems.push(format!("unexpected {m} {path}"));
        return error(404, "ResourceNotFoundException", "no such route");
    };
    if seg.get(2) == Some(&"agentversions") && seg.get(3) != Some(&"DRAFT") {
        f.problems
            .push(format!("{op}: {path} is not the draft version"));
        return error(400, "ValidationException", "only the draft can be changed");
    }
    f.calls.push(op.to_owned());
    if let Some((fail_op, kind)) = f.fail {
        if fail_op == op {
            return error(400, kind, &format!("{op} rejected by the test"));
        }
    }
    // Every body as the service model has it.
    let mut wrong = Vec::new();
    model.check_body(op, body, &mut wrong);
    if let Some(first) = wrong.first().cloned() {
        f.problems.extend(wrong);
        return error(400, "ValidationException", &first);
    }
    let before = f.problems.len();
    let reply = respond(&mut f, op, &seg, body);
    if f.problems.len() > before {
        let last = f.problems.last().cloned().unwrap_or_default();
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
            f.problems.extend(problems);
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
            f.problems.extend(problems);
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
                f.problems
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
            f.problems.extend(problems);
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
            f.problems.extend(problems);
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
            f.problems.extend(problems);
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
            f.problems.extend(problems);
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
            f.problems.extend(problems);
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
            f.problems.extend(problems);
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
            f.problems.extend(problems);
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
            f.problems
                .push(format!("{op}: not an operation this fake serves"));
            error(500, "InternalServerException", "unhandled")
        }
    }
}

async fn start(fake: Shared) -> String {
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

// ---------------------------------------------------------------------------------------------
// Helpers

fn fast() -> DeployOptions {
    DeployOptions {
        poll_interval: Duration::from_millis(2),
        timeout: Duration::from_secs(10),
        ..DeployOptions::default()
    }
}

async fn deployer(endpoint: &str, options: DeployOptions) -> Deployer {
    let config = sdk_config(endpoint).await;
    Deployer::new(aws_sdk_bedrockagent::Client::new(&config), options)
}

fn project() -> Project {
    let template = strata::templates::find("support-triage").expect("template");
    let mut project =
        strata::templates::instantiate(template, "support-triage").expect("template loads");
    project.agents[0].agent_resource_role_arn = Some(AGENT_ROLE.into());
    project.flows[0].execution_role_arn = Some(FLOW_ROLE.into());
    project
}

async fn setup(options: DeployOptions) -> (Shared, Deployer) {
    let fake: Shared = Arc::new(Mutex::new(Fake::default()));
    let endpoint = start(fake.clone()).await;
    (fake, deployer(&endpoint, options).await)
}

async fn deploy(d: &Deployer, project: &Project) -> Result<strata::deploy::Applied, DeployError> {
    let plan = d.plan(project).await?;
    d.apply(&plan).await
}

fn assert_clean(fake: &Shared) {
    let f = lock(fake);
    assert!(f.problems.is_empty(), "the fake found: {:#?}", f.problems);
}

const FIRST_DEPLOY: &[&str] = &[
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

// ---------------------------------------------------------------------------------------------
// Tests

#[tokio::test]
async fn first_deploy_creates_everything_in_order() {
    let (fake, d) = setup(fast()).await;
    let project = project();
    let plan = d.plan(&project).await.expect("plan");
    assert!(plan.has_changes());
    assert_eq!(plan.agents[0].action, Action::Create);
    assert_eq!(plan.flows[0].action, Action::Create);
    let text = plan.to_string();
    assert!(text.contains("+ agent BillingAgent: create"), "{text}");
    assert!(text.contains("+ flow triage: create"), "{text}");
    let applied = d.apply(&plan).await.expect("deploy");
    assert_clean(&fake);
    let f = lock(&fake);
    assert_eq!(f.mutations(), FIRST_DEPLOY);
    // Reads before anything changes, polls between prepare and alias.
    assert_eq!(&f.calls[..2], ["ListAgents", "ListFlows"]);
    let prepare = f.position("PrepareAgent");
    let alias = f.position("CreateAgentAlias");
    let polls = f.calls[prepare..alias]
        .iter()
        .filter(|c| *c == "GetAgent")
        .count();
    assert_eq!(polls, 3, "PREPARING, PREPARING, PREPARED: {:?}", f.calls);
    let prepare_flow = f.position("PrepareFlow");
    assert_eq!(
        f.calls[prepare_flow + 1..prepare_flow + 3],
        ["GetFlow", "GetFlow"]
    );
    // The flow's Agent node carries the alias this deploy created.
    let agent_alias = &applied.agent_aliases[0].1;
    assert_eq!(f.alias_arns, vec![agent_alias.clone()]);
    let flow = f.flows.values().next().expect("a flow");
    let mut nodes = Vec::new();
    agent_nodes(&flow.json["definition"], &mut nodes);
    assert_eq!(nodes[0]["agentAliasArn"], json!(agent_alias));
    assert_eq!(flow.json["executionRoleArn"], FLOW_ROLE);
    assert_eq!(applied.flow_aliases[0].0, "triage");
    assert!(applied
        .done
        .iter()
        .any(|l| l.starts_with("created agent BillingAgent")));
}

#[tokio::test]
async fn second_deploy_changes_nothing() {
    let (fake, d) = setup(fast()).await;
    let project = project();
    deploy(&d, &project).await.expect("first deploy");
    let first = lock(&fake).calls.len();
    let plan = d.plan(&project).await.expect("plan");
    assert!(!plan.has_changes(), "{plan}");
    assert!(plan.to_string().contains("Nothing to change."), "{plan}");
    let applied = d.apply(&plan).await.expect("second deploy");
    assert!(applied.done.is_empty(), "{:?}", applied.done);
    assert_clean(&fake);
    let f = lock(&fake);
    let later: Vec<&String> = f.calls[first..].iter().collect();
    assert!(
        later.iter().all(|c| READS.contains(&c.as_str())),
        "{later:?}"
    );
    assert_eq!(f.agents.len(), 1);
    assert_eq!(f.flows.len(), 1);
}

#[tokio::test]
async fn dry_run_plan_only_reads() {
    let (fake, d) = setup(fast()).await;
    let project = project();
    let plan = d.plan(&project).await.expect("plan");
    assert!(plan.has_changes());
    let f = lock(&fake);
    assert!(f.mutations().is_empty(), "{:?}", f.calls);
    assert_eq!(f.calls, ["ListAgents", "ListFlows"]);
}

#[tokio::test]
async fn changed_instruction_updates_only_the_agent() {
    let (fake, d) = setup(fast()).await;
    let mut project = project();
    deploy(&d, &project).await.expect("first deploy");
    let first = lock(&fake).calls.len();
    project.agents[0].instruction =
        Some("You are the billing assistant. Always look up the order first, then answer.".into());
    let plan = d.plan(&project).await.expect("plan");
    let Action::Update(changes) = &plan.agents[0].action else {
        panic!("agent should update: {plan}");
    };
    assert_eq!(changes.len(), 1, "{changes:?}");
    assert_eq!(changes[0].path, "instruction");
    assert!(
        plan.to_string().contains("~ agent BillingAgent: update"),
        "{plan}"
    );
    assert_eq!(plan.flows[0].action, Action::Unchanged);
    d.apply(&plan).await.expect("deploy");
    assert_clean(&fake);
    let f = lock(&fake);
    let later = f.mutations_since(first);
    assert_eq!(later, ["UpdateAgent", "PrepareAgent", "UpdateAgentAlias"]);
}

#[tokio::test]
async fn a_failed_call_names_the_resource_and_what_was_done() {
    let (fake, d) = setup(fast()).await;
    lock(&fake).fail = Some(("CreateFlow", "ValidationException"));
    let err = deploy(&d, &project()).await.expect_err("CreateFlow fails");
    let DeployError::Aws {
        operation,
        resource,
        message,
        done,
    } = &err
    else {
        panic!("unexpected error: {err}");
    };
    assert_eq!(operation, "CreateFlow");
    assert_eq!(resource, "flow \"triage\"");
    assert!(message.contains("ValidationException"), "{message}");
    assert!(done
        .0
        .iter()
        .any(|l| l.starts_with("created agent BillingAgent")));
    assert!(done
        .0
        .iter()
        .any(|l| l.starts_with("created alias live of agent BillingAgent")));
    let text = err.to_string();
    assert!(
        text.contains("CreateFlow failed for flow \"triage\""),
        "{text}"
    );
    assert!(
        text.contains("already done: created agent BillingAgent"),
        "{text}"
    );
}

#[tokio::test]
async fn a_prepare_that_never_finishes_times_out() {
    let options = DeployOptions {
        poll_interval: Duration::from_millis(5),
        timeout: Duration::from_millis(150),
        ..DeployOptions::default()
    };
    let (fake, d) = setup(options).await;
    lock(&fake).never_prepare = true;
    let lines = Arc::new(Mutex::new(Vec::<String>::new()));
    let sink = lines.clone();
    let d = d.with_progress(Arc::new(move |l: &str| {
        sink.lock()
            .unwrap_or_else(|p| p.into_inner())
            .push(l.to_owned())
    }));
    let err = deploy(&d, &project()).await.expect_err("times out");
    let DeployError::Timeout {
        resource, status, ..
    } = &err
    else {
        panic!("unexpected error: {err}");
    };
    assert_eq!(resource, "agent \"BillingAgent\"");
    assert_eq!(status, "PREPARING");
    assert!(err.to_string().contains("timeout"), "{err}");
    assert!(
        err.to_string().contains("already done: created agent"),
        "{err}"
    );
    let f = lock(&fake);
    assert!(!f.calls.iter().any(|c| c == "CreateAgentAlias"));
    assert!(!f.calls.iter().any(|c| c == "CreateFlow"));
    let lines = lines.lock().unwrap_or_else(|p| p.into_inner());
    assert!(
        lines.iter().any(|l| l.contains("PREPARING, waiting")),
        "{lines:?}"
    );
}

#[tokio::test]
async fn a_failed_flow_prepare_shows_the_validations() {
    let (fake, d) = setup(fast()).await;
    lock(&fake).flow_fails = true;
    let err = deploy(&d, &project()).await.expect_err("prepare fails");
    let DeployError::PrepareFailed {
        resource,
        reasons,
        done,
    } = &err
    else {
        panic!("unexpected error: {err}");
    };
    assert_eq!(resource, "flow \"triage\"");
    assert_eq!(reasons, "Error: Node Billing: the agent alias is not ready");
    assert!(done.0.iter().any(|l| l.starts_with("created flow triage")));
    assert!(!lock(&fake).calls.iter().any(|c| c == "CreateFlowVersion"));
}

/// The support-triage project plus a supervisor, listed first, whose collaborators are the
/// project's BillingAgent and an agent alias deployed elsewhere.
fn supervisor_project() -> Project {
    let mut project = project();
    let supervisor: strata::model::Agent = serde_json::from_value(json!({
        "agentName": "Supervisor",
        "foundationModel": "anthropic.claude-3-5-sonnet-20240620-v1:0",
        "instruction": "You route each customer question to the right specialist and combine their answers.",
        "agentResourceRoleArn": AGENT_ROLE,
        "agentCollaboration": "SUPERVISOR",
        "collaborators": [
            {"collaboratorName": "billing", "agentDescriptor": {"projectAgent": "BillingAgent"},
             "collaborationInstruction": "Ask billing about invoices and refunds.",
             "relayConversationHistory": "TO_COLLABORATOR"},
            {"collaboratorName": "shipping",
             "agentDescriptor": {"aliasArn": "arn:aws:bedrock:us-east-1:123456789012:agent-alias/SHIPAGENT1/SHIPALIAS1"},
             "collaborationInstruction": "Ask shipping where an order is."}
        ]
    }))
    .expect("a supervisor");
    project.agents.insert(0, supervisor);
    project
}

#[tokio::test]
async fn supervisors_are_deployed_after_their_collaborators_aliases() {
    let (fake, d) = setup(fast()).await;
    let project = supervisor_project();
    let plan = d.plan(&project).await.expect("plan");
    let names: Vec<&str> = plan.agents.iter().map(|a| a.name.as_str()).collect();
    assert_eq!(names, ["BillingAgent", "Supervisor"], "collaborators first");
    let text = plan.to_string();
    assert!(text.contains("+ collaborator billing: create"), "{text}");
    let applied = d.apply(&plan).await.expect("deploy");
    assert_clean(&fake);
    {
        let f = lock(&fake);
        let mut expected: Vec<&str> = FIRST_DEPLOY[..5].to_vec();
        expected.extend([
            "CreateAgent",
            "AssociateAgentCollaborator",
            "AssociateAgentCollaborator",
            "PrepareAgent",
            "CreateAgentAlias",
        ]);
        expected.extend(&FIRST_DEPLOY[5..]);
        assert_eq!(f.mutations(), expected);
        let billing_alias = &applied.agent_aliases[0];
        assert_eq!(billing_alias.0, "BillingAgent");
        let supervisor = f
            .agents
            .values()
            .find(|a| a.json["agentName"] == "Supervisor")
            .expect("supervisor");
        assert_eq!(supervisor.json["agentCollaboration"], "SUPERVISOR");
        let by_name: BTreeMap<String, &Value> = supervisor
            .collaborators
            .values()
            .map(|c| (c["collaboratorName"].as_str().unwrap_or("").to_owned(), c))
            .collect();
        assert_eq!(
            by_name["billing"]["agentDescriptor"]["aliasArn"],
            json!(billing_alias.1)
        );
        assert_eq!(
            by_name["billing"]["relayConversationHistory"],
            "TO_COLLABORATOR"
        );
        assert_eq!(
            by_name["shipping"]["agentDescriptor"]["aliasArn"],
            "arn:aws:bedrock:us-east-1:123456789012:agent-alias/SHIPAGENT1/SHIPALIAS1"
        );
    }

    // Deploying again changes nothing; a changed instruction updates that collaborator only.
    let plan = d.plan(&project).await.expect("plan");
    assert!(!plan.has_changes(), "{plan}");
    let mut changed = project.clone();
    changed.agents[0].collaborators[0].collaboration_instruction =
        "Ask billing about invoices, refunds and payment methods.".into();
    let first = lock(&fake).calls.len();
    let plan = d.plan(&changed).await.expect("plan");
    let supervisor = &plan.agents[1];
    assert!(matches!(
        supervisor.collaborators[0].action,
        Action::Update(_)
    ));
    assert_eq!(supervisor.collaborators[1].action, Action::Unchanged);
    d.apply(&plan).await.expect("deploy");
    assert_clean(&fake);
    let f = lock(&fake);
    let later = f.mutations_since(first);
    assert_eq!(
        later,
        [
            "UpdateAgentCollaborator",
            "PrepareAgent",
            "UpdateAgentAlias"
        ]
    );
}

#[tokio::test]
async fn a_cycle_of_collaborators_is_refused_before_any_call() {
    let (fake, d) = setup(fast()).await;
    let mut project = supervisor_project();
    let billing = project
        .agents
        .iter_mut()
        .find(|a| a.agent_name == "BillingAgent")
        .expect("billing");
    billing.agent_collaboration = serde_json::from_value(json!("SUPERVISOR")).expect("enum");
    billing.collaborators = serde_json::from_value(json!([
        {"collaboratorName": "back", "agentDescriptor": {"projectAgent": "Supervisor"},
         "collaborationInstruction": "Hand back to the supervisor."}
    ]))
    .expect("collaborators");
    let err = d.plan(&project).await.expect_err("a cycle");
    let text = err.to_string();
    assert!(text.contains("cycle of collaborators"), "{text}");
    assert!(text.contains("nothing was changed"), "{text}");
    assert!(lock(&fake).calls.is_empty());
}

#[tokio::test]
async fn a_project_guardrail_is_sent_by_its_identifier_and_refused_without_one() {
    let (fake, d) = setup(fast()).await;
    let mut project = project();
    // The template's agent names the guardrail by the identifier of its deployed copy;
    // name it by the project's name for it instead.
    let name = project.guardrails[0].name.clone();
    let identifier = project.guardrails[0]
        .guardrail_identifier
        .clone()
        .expect("the template's guardrail is deployed");
    if let Some(g) = project.agents[0].guardrail_configuration.as_mut() {
        g.guardrail_identifier = Some(name.clone());
    }
    deploy(&d, &project).await.expect("deploy");
    assert_clean(&fake);
    {
        let f = lock(&fake);
        let agent = f.agents.values().next().expect("an agent");
        assert_eq!(
            agent.json["guardrailConfiguration"]["guardrailIdentifier"],
            json!(identifier)
        );
    }
    // Not deployed yet: nothing is sent, and the error says what to do.
    project.guardrails[0].guardrail_identifier = None;
    let calls = lock(&fake).calls.len();
    let err = d.plan(&project).await.expect_err("no identifier");
    let text = err.to_string();
    assert!(
        matches!(&err, DeployError::Unresolved { placeholder, .. } if placeholder == "${SupportGuardGuardrailId}"),
        "{text}"
    );
    assert!(text.contains("guardrailIdentifier"), "{text}");
    assert_eq!(lock(&fake).calls.len(), calls);
}

#[tokio::test]
async fn missing_roles_fail_before_any_call() {
    let (fake, d) = setup(fast()).await;
    let mut project = project();
    project.flows[0].execution_role_arn = None;
    let err = d.plan(&project).await.expect_err("no flow role");
    assert!(matches!(err, DeployError::MissingRole { .. }), "{err}");
    assert!(err.to_string().contains("executionRoleArn"), "{err}");
    assert!(err.to_string().contains("--role-arn"), "{err}");
    assert!(lock(&fake).calls.is_empty());
    // --role-arn fills it.
    let d = deployer(
        &start(fake.clone()).await,
        DeployOptions {
            role_arn: Some(FLOW_ROLE.into()),
            ..fast()
        },
    )
    .await;
    deploy(&d, &project).await.expect("deploys with --role-arn");
    assert_clean(&fake);
}

#[tokio::test]
async fn client_tokens_are_deterministic() {
    let mut tokens = Vec::new();
    for _ in 0..2 {
        let (fake, d) = setup(fast()).await;
        deploy(&d, &project()).await.expect("deploy");
        let f = lock(&fake);
        tokens.push(f.tokens.keys().cloned().collect::<Vec<_>>());
    }
    assert_eq!(tokens[0], tokens[1]);
    assert_eq!(tokens[0].len(), 1);
}

#[test]
fn the_service_model_check_catches_mistakes() {
    let model = &*SERVICE_MODEL;
    assert_eq!(model.operation("PUT", "/agents/"), Some("CreateAgent"));
    assert_eq!(
        model.operation("POST", "/agents/ID00000001/"),
        Some("PrepareAgent")
    );
    assert_eq!(
        model.operation("PUT", "/flows/ID00000002/aliases/ALIAS1"),
        Some("UpdateFlowAlias")
    );
    assert_eq!(model.operation("DELETE", "/agents/"), None);
    assert_eq!(model.operation("GET", "/nowhere"), None);
    let mut errors = Vec::new();
    // The agent id travels in the URI: the body must not be asked for it.
    model.check_body(
        "UpdateAgent",
        &json!({"agentName": "a", "foundationModel": "anthropic.claude-v2",
                "agentResourceRoleArn": AGENT_ROLE, "projectAgent": "x"}),
        &mut errors,
    );
    assert_eq!(
        errors,
        ["UpdateAgent: unknown member projectAgent (UpdateAgentRequest)"]
    );
    errors.clear();
    model.check_body("CreateAgent", &Value::Null, &mut errors);
    assert!(
        errors
            .iter()
            .any(|e| e.contains("missing required member agentName")),
        "{errors:?}"
    );
    errors.clear();
    model.check_body("DeleteEverything", &json!({}), &mut errors);
    assert_eq!(errors, ["DeleteEverything: not an operation of the model"]);
}

// ---------------------------------------------------------------------------------------------
// The command line

#[cfg(feature = "cli")]
mod cli {
    use super::*;
    use std::process::{Command, Output, Stdio};

    /// Runs `strata deploy FILE --region us-east-1 --endpoint-url URL --target classic ARGS…` with test
    /// credentials, no AWS config files and stdin that is not a terminal.
    async fn strata_deploy(endpoint: &str, file: &std::path::Path, args: &[&str]) -> Output {
        let mut cmd = Command::new(env!("CARGO_BIN_EXE_strata"));
        cmd.arg("deploy")
            .arg(file)
            .args(["--region", "us-east-1", "--endpoint-url", endpoint])
            .args(["--poll-interval", "0.002"])
            // The template's agents target AgentCore; these tests are of the Classic deploy.
            .args(["--target", "classic"])
            .args(args)
            .env("AWS_ACCESS_KEY_ID", "AKIDTEST")
            .env("AWS_SECRET_ACCESS_KEY", "secret")
            .env("AWS_CONFIG_FILE", "/nonexistent/strata-test-config")
            .env(
                "AWS_SHARED_CREDENTIALS_FILE",
                "/nonexistent/strata-test-credentials",
            )
            .env("AWS_EC2_METADATA_DISABLED", "true")
            .env_remove("AWS_PROFILE")
            .env_remove("AWS_SESSION_TOKEN")
            .stdin(Stdio::null());
        tokio::task::spawn_blocking(move || cmd.output().expect("strata runs"))
            .await
            .expect("the command thread")
    }

    /// A fake control plane (as `fake` sets it up), its endpoint, and the project written to
    /// a temporary folder: (fake, endpoint, folder, project file).
    async fn fake_and_project(
        fake: Fake,
    ) -> (Shared, String, tempfile::TempDir, std::path::PathBuf) {
        let fake: Shared = Arc::new(Mutex::new(fake));
        let endpoint = start(fake.clone()).await;
        let dir = tempfile::tempdir().expect("temp dir");
        let path = dir.path().join("support-triage.strata.json");
        let text = serde_json::to_string_pretty(&project()).expect("serializes");
        std::fs::write(&path, text).expect("writes the project");
        (fake, endpoint, dir, path)
    }

    fn text(bytes: &[u8]) -> String {
        String::from_utf8_lossy(bytes).into_owned()
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn dry_run_prints_the_plan_and_changes_nothing() {
        let (fake, endpoint, _dir, file) = fake_and_project(Fake::default()).await;
        let out = strata_deploy(&endpoint, &file, &["--dry-run"]).await;
        let stdout = text(&out.stdout);
        assert_eq!(out.status.code(), Some(0), "{stdout}{}", text(&out.stderr));
        assert!(stdout.contains("+ agent BillingAgent: create"), "{stdout}");
        assert!(stdout.contains("+ flow alias live: create"), "{stdout}");
        let f = lock(&fake);
        assert!(f.mutations().is_empty(), "{:?}", f.calls);
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn refuses_without_yes_when_stdin_is_not_a_terminal_then_deploys_with_yes() {
        let (fake, endpoint, _dir, file) = fake_and_project(Fake::default()).await;
        let out = strata_deploy(&endpoint, &file, &[]).await;
        let stderr = text(&out.stderr);
        assert_eq!(out.status.code(), Some(2), "{stderr}");
        assert!(stderr.contains("not a terminal"), "{stderr}");
        assert!(stderr.contains("--yes"), "{stderr}");
        assert!(lock(&fake).mutations().is_empty());

        let out = strata_deploy(&endpoint, &file, &["--yes"]).await;
        let stdout = text(&out.stdout);
        assert_eq!(out.status.code(), Some(0), "{stdout}{}", text(&out.stderr));
        assert!(stdout.contains("flow triage: arn:aws:bedrock:"), "{stdout}");
        assert_eq!(lock(&fake).mutations(), FIRST_DEPLOY);
        assert_clean(&fake);

        let out = strata_deploy(&endpoint, &file, &["--yes"]).await;
        let stdout = text(&out.stdout);
        assert_eq!(out.status.code(), Some(0), "{stdout}");
        assert!(stdout.contains("Nothing to change."), "{stdout}");
        assert_eq!(lock(&fake).mutations(), FIRST_DEPLOY);
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn a_failed_deploy_exits_1_and_says_what_was_done() {
        let failing = Fake {
            fail: Some(("CreateFlow", "ValidationException")),
            ..Fake::default()
        };
        let (_fake, endpoint, _dir, file) = fake_and_project(failing).await;
        let out = strata_deploy(&endpoint, &file, &["--yes"]).await;
        let stderr = text(&out.stderr);
        assert_eq!(out.status.code(), Some(1), "{stderr}");
        assert!(
            stderr.contains("CreateFlow failed for flow \"triage\""),
            "{stderr}"
        );
        assert!(
            stderr.contains("already done: created agent BillingAgent"),
            "{stderr}"
        );
    }
}
