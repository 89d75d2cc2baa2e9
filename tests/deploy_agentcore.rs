//! `strata deploy --target agentcore` against a fake AgentCore control plane on 127.0.0.1.
//!
//! The fake keeps gateways, gateway targets, harnesses (with versions) and harness endpoints
//! in memory and checks every request it gets: the route and the body against the botocore
//! service model (`tests/data/botocore/bedrock-agentcore-control.service-2.excerpt.json`: required
//! members, unknown members, unions, enums, patterns, lengths), no unfilled placeholders, names
//! unique, and the dependency order (a target only on a READY gateway, a harness's gateway tool
//! only on a READY gateway it issued, an endpoint only on a READY harness and at a version that
//! harness has). Its own replies are checked against the model's output shapes too. Lists are
//! paged one item at a time, so every List goes through the SDK's paginator. Statuses move by
//! poll count, never by time: a create answers CREATING for two Get polls, then READY.
#![cfg(feature = "runtime")]

use axum::body::Bytes;
use axum::http::{Method, Uri};
use axum::response::Response;
use axum::Router;
use serde_json::{json, Value};
use std::collections::{BTreeMap, VecDeque};
use std::sync::{Arc, LazyLock, Mutex};
use std::time::Duration;
use strata::deploy::agentcore::{Action, AgentCoreDeployer, Kind};
use strata::deploy::{DeployError, DeployOptions};

mod support {
    pub mod aws;
    pub mod botocore;
    pub mod deploy_cli;
    pub mod fake_http;
}

use support::aws::sdk_config;
use support::botocore::Shapes;
use support::fake_http::{aws_error, json_reply};

const ACCOUNT: &str = "123456789012";
const REGION: &str = "us-east-1";
const HARNESS_ROLE: &str = "arn:aws:iam::123456789012:role/StrataHarnessRole";
const GATEWAY_ROLE: &str = "arn:aws:iam::123456789012:role/StrataGatewayRole";
const NOW: &str = "2026-12-04T06:00:00Z";

/// The AgentCore control plane's model (the excerpt deploy needs), which every request and
/// every reply of the fake must match.
static MODEL: LazyLock<Shapes> = LazyLock::new(Shapes::agentcore_control);

// ---------------------------------------------------------------------------------------------
// The fake control plane

/// A resource as Get returns it, and the statuses the next Get polls report (one per poll;
/// then READY stays).
#[derive(Debug, Default)]
struct Res {
    json: Value,
    queue: VecDeque<&'static str>,
}

impl Res {
    fn new(json: Value, queue: &[&'static str]) -> Res {
        Res {
            json,
            queue: queue.iter().copied().collect(),
        }
    }

    /// The status a Get sees now (and moves on to the next).
    fn poll(&mut self) -> Value {
        if let Some(next) = self.queue.pop_front() {
            self.json["status"] = json!(next);
        }
        self.json.clone()
    }

    fn status(&self) -> &str {
        self.json["status"].as_str().unwrap_or_default()
    }
}

#[derive(Debug, Default)]
struct GatewayState {
    res: Res,
    /// By target id.
    targets: BTreeMap<String, Res>,
}

#[derive(Debug, Default)]
struct HarnessState {
    res: Res,
    version: u32,
    /// By endpoint name.
    endpoints: BTreeMap<String, Res>,
}

#[derive(Debug, Default)]
struct Fake {
    /// Every operation, in order.
    calls: Vec<String>,
    /// The body of every write, in order.
    bodies: Vec<(String, Value)>,
    /// Requests the fake found wrong (they also got a ValidationException).
    problems: Vec<String>,
    /// By gateway id.
    gateways: BTreeMap<String, GatewayState>,
    /// By harness id.
    harnesses: BTreeMap<String, HarnessState>,
    /// Client tokens seen by a create, with the id it made.
    tokens: BTreeMap<String, String>,
    next: u32,
    /// `(operation, error type)` to fail.
    fail: Option<(&'static str, &'static str)>,
    /// A created harness ends CREATE_FAILED.
    harness_fails: bool,
    /// A created harness stays CREATING.
    harness_stuck: bool,
}

type Shared = Arc<Mutex<Fake>>;

fn lock(fake: &Shared) -> std::sync::MutexGuard<'_, Fake> {
    fake.lock().unwrap_or_else(|p| p.into_inner())
}

const READS: &[&str] = &[
    "ListGateways",
    "GetGateway",
    "ListGatewayTargets",
    "GetGatewayTarget",
    "ListHarnesses",
    "GetHarness",
    "ListHarnessEndpoints",
    "GetHarnessEndpoint",
];

impl Fake {
    fn serial(&mut self) -> u32 {
        self.next += 1;
        self.next
    }

    fn mutations(&self) -> Vec<String> {
        self.mutations_since(0)
    }

    fn mutations_since(&self, first: usize) -> Vec<String> {
        self.calls[first..]
            .iter()
            .filter(|c| !READS.contains(&c.as_str()))
            .cloned()
            .collect()
    }

    fn position(&self, op: &str) -> usize {
        self.calls
            .iter()
            .position(|c| c == op)
            .unwrap_or_else(|| panic!("no {op} in {:?}", self.calls))
    }

    fn gateway_by_arn(&self, arn: &str) -> Option<&GatewayState> {
        self.gateways
            .values()
            .find(|g| g.res.json["gatewayArn"] == arn)
    }

    fn harness_named(&self, name: &str) -> Option<&HarnessState> {
        self.harnesses
            .values()
            .find(|h| h.res.json["harnessName"] == name)
    }
}

/// The request body without `drop`, with the members of `set` added.
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

/// Members of an update body merged into `json` (UpdateHarness's `{optionalValue}` unwrapped).
fn merge(json: &mut Value, body: &Value, drop: &[&str]) {
    for (k, v) in body.as_object().into_iter().flatten() {
        if drop.contains(&k.as_str()) {
            continue;
        }
        let v = match v.get("optionalValue") {
            Some(inner) if v.as_object().is_some_and(|o| o.len() == 1) => inner.clone(),
            _ => v.clone(),
        };
        json[k] = v;
    }
}

fn check_token(body: &Value, problems: &mut Vec<String>, op: &str) {
    if body.get("clientToken").and_then(Value::as_str).is_none() {
        problems.push(format!("{op}: no clientToken"));
    }
}

fn no_placeholders(body: &Value, problems: &mut Vec<String>, op: &str) {
    let text = body.to_string();
    for k in ["${", "localHandler", "projectAgent"] {
        if text.contains(k) {
            problems.push(format!("{op}: body contains {k}"));
        }
    }
}

/// One page of `items` (one item a page): the page and the next token.
fn page(items: Vec<Value>, query: &BTreeMap<String, String>) -> (Vec<Value>, Option<String>) {
    let start: usize = query
        .get("nextToken")
        .and_then(|t| t.parse().ok())
        .unwrap_or(0);
    let page: Vec<Value> = items.iter().skip(start).take(1).cloned().collect();
    let next = (start + 1 < items.len()).then(|| (start + 1).to_string());
    (page, next)
}

fn listing(key: &str, items: Vec<Value>, query: &BTreeMap<String, String>) -> Value {
    let (items, next) = page(items, query);
    let mut reply = json!({ key: items });
    if let Some(next) = next {
        reply["nextToken"] = json!(next);
    }
    reply
}

fn not_found(what: &str) -> Response {
    aws_error(404, "ResourceNotFoundException", &format!("no such {what}"))
}

fn handle(fake: &Shared, method: &Method, uri: &Uri, body: &Value) -> Response {
    let mut f = lock(fake);
    let path = uri.path();
    let query: BTreeMap<String, String> = uri
        .query()
        .unwrap_or_default()
        .split('&')
        .filter_map(|kv| kv.split_once('='))
        .map(|(k, v)| (k.to_owned(), v.to_owned()))
        .collect();
    let model: &'static Shapes = &MODEL;
    let Some(op) = model.operation(method.as_str(), path) else {
        f.problems.push(format!("unexpected {method} {path}"));
        return not_found("route");
    };
    f.calls.push(op.to_owned());
    if !READS.contains(&op) {
        f.bodies.push((op.to_owned(), body.clone()));
    }
    if let Some((fail_op, kind)) = f.fail {
        if fail_op == op {
            return validation(kind, &format!("{op} rejected by the test"));
        }
    }
    let mut wrong = Vec::new();
    model.check_body(op, body, &mut wrong);
    if let Some(first) = wrong.first().cloned() {
        f.problems.extend(wrong);
        return validation("ValidationException", &first);
    }
    let seg: Vec<String> = path
        .trim_matches('/')
        .split('/')
        .map(str::to_owned)
        .collect();
    let before = f.problems.len();
    let reply = respond(&mut f, op, &seg, &query, body);
    if f.problems.len() > before {
        let last = f.problems.last().cloned().unwrap_or_default();
        return validation("ValidationException", &last);
    }
    match reply {
        Ok(reply) => {
            // The fake's own answer, as the model has it.
            if let Some(shape) = model.output_shape(op) {
                let mut errors = Vec::new();
                model.check(shape, &reply, &format!("{op} reply"), &mut errors);
                f.problems.extend(errors);
            }
            json_reply(200, &reply)
        }
        Err(response) => response,
    }
}

fn validation(kind: &str, message: &str) -> Response {
    let mut response = aws_error(400, kind, message);
    if kind == "ValidationException" {
        let body = json!({"message": message, "reason": "FieldValidationFailed"});
        *response.body_mut() = axum::body::Body::from(body.to_string());
    }
    response
}

#[allow(
    clippy::result_large_err,
    reason = "a fake's handler: the error is the HTTP response it answers with"
)]
fn respond(
    f: &mut Fake,
    op: &'static str,
    seg: &[String],
    query: &BTreeMap<String, String>,
    body: &Value,
) -> Result<Value, Response> {
    let at = |i: usize| seg.get(i).cloned().unwrap_or_default();
    match op {
        "ListGateways" => {
            let items = f
                .gateways
                .values()
                .map(|g| {
                    let j = &g.res.json;
                    json!({"gatewayId": j["gatewayId"], "name": j["name"], "status": j["status"],
                           "createdAt": NOW, "updatedAt": NOW, "authorizerType": j["authorizerType"]})
                })
                .collect();
            Ok(listing("items", items, query))
        }
        "CreateGateway" => {
            check_token(body, &mut f.problems, op);
            no_placeholders(body, &mut f.problems, op);
            let name = body["name"].as_str().unwrap_or_default().to_owned();
            if f.gateways.values().any(|g| g.res.json["name"] == name) {
                return Err(aws_error(
                    409,
                    "ConflictException",
                    "a gateway of that name exists",
                ));
            }
            let token = body["clientToken"].as_str().unwrap_or_default().to_owned();
            let id = format!("{}-{:010}", name.to_lowercase(), f.serial());
            f.tokens.insert(token, id.clone());
            let arn = format!("arn:aws:bedrock-agentcore:{REGION}:{ACCOUNT}:gateway/{id}");
            let json = stored(
                body,
                &["clientToken", "tags"],
                json!({"gatewayArn": arn, "gatewayId": id, "createdAt": NOW, "updatedAt": NOW,
                       "status": "CREATING",
                       "gatewayUrl": format!("https://{id}.gateway.bedrock-agentcore.{REGION}.amazonaws.com/mcp")}),
            );
            f.gateways.insert(
                id,
                GatewayState {
                    res: Res::new(json.clone(), &["CREATING", "CREATING", "READY"]),
                    targets: BTreeMap::new(),
                },
            );
            Ok(json)
        }
        "GetGateway" => match f.gateways.get_mut(&at(1)) {
            Some(g) => Ok(g.res.poll()),
            None => Err(not_found("gateway")),
        },
        "UpdateGateway" => match f.gateways.get_mut(&at(1)) {
            Some(g) => {
                merge(&mut g.res.json, body, &[]);
                g.res.json["status"] = json!("UPDATING");
                g.res.queue = VecDeque::from(["UPDATING", "READY"]);
                Ok(g.res.json.clone())
            }
            None => Err(not_found("gateway")),
        },
        "ListGatewayTargets" => match f.gateways.get(&at(1)) {
            Some(g) => {
                let items = g
                    .targets
                    .values()
                    .map(|t| {
                        json!({"targetId": t.json["targetId"], "name": t.json["name"],
                               "status": t.json["status"], "createdAt": NOW, "updatedAt": NOW})
                    })
                    .collect();
                Ok(listing("items", items, query))
            }
            None => Err(not_found("gateway")),
        },
        "CreateGatewayTarget" => {
            check_token(body, &mut f.problems, op);
            no_placeholders(body, &mut f.problems, op);
            let serial = f.serial();
            let token = body["clientToken"].as_str().unwrap_or_default().to_owned();
            let Some(g) = f.gateways.get_mut(&at(1)) else {
                return Err(not_found("gateway"));
            };
            if g.res.status() != "READY" {
                f.problems
                    .push(format!("{op}: the gateway is {}", g.res.status()));
                return Ok(Value::Null);
            }
            let name = body["name"].clone();
            if g.targets.values().any(|t| t.json["name"] == name) {
                return Err(aws_error(
                    409,
                    "ConflictException",
                    "a target of that name exists",
                ));
            }
            let id = format!("T{serial:09}");
            let json = stored(
                body,
                &["clientToken"],
                json!({"gatewayArn": g.res.json["gatewayArn"], "targetId": id, "createdAt": NOW,
                       "updatedAt": NOW, "status": "CREATING",
                       "credentialProviderConfigurations": body.get("credentialProviderConfigurations").cloned().unwrap_or(json!([]))}),
            );
            g.targets.insert(
                id.clone(),
                Res::new(json.clone(), &["CREATING", "CREATING", "READY"]),
            );
            f.tokens.insert(token, id);
            Ok(json)
        }
        "GetGatewayTarget" | "UpdateGatewayTarget" | "DeleteGatewayTarget" => {
            let Some(g) = f.gateways.get_mut(&at(1)) else {
                return Err(not_found("gateway"));
            };
            let id = at(3);
            if op == "DeleteGatewayTarget" {
                return match g.targets.remove(&id) {
                    Some(t) => Ok(json!({"gatewayArn": t.json["gatewayArn"], "targetId": id,
                                         "status": "DELETING"})),
                    None => Err(not_found("target")),
                };
            }
            let Some(t) = g.targets.get_mut(&id) else {
                return Err(not_found("target"));
            };
            if op == "UpdateGatewayTarget" {
                no_placeholders(body, &mut f.problems, op);
                merge(&mut t.json, body, &[]);
                t.json["status"] = json!("UPDATING");
                t.queue = VecDeque::from(["UPDATING", "READY"]);
                return Ok(t.json.clone());
            }
            Ok(t.poll())
        }
        "ListHarnesses" => {
            let items = f
                .harnesses
                .values()
                .map(|h| {
                    let j = &h.res.json;
                    json!({"harnessId": j["harnessId"], "harnessName": j["harnessName"],
                           "arn": j["arn"], "status": j["status"], "createdAt": NOW,
                           "updatedAt": NOW, "harnessVersion": j["harnessVersion"]})
                })
                .collect();
            Ok(listing("harnesses", items, query))
        }
        "CreateHarness" => {
            check_token(body, &mut f.problems, op);
            no_placeholders(body, &mut f.problems, op);
            let name = body["harnessName"].as_str().unwrap_or_default().to_owned();
            if f.harness_named(&name).is_some() {
                return Err(aws_error(
                    409,
                    "ConflictException",
                    "a harness of that name exists",
                ));
            }
            check_gateway_tools(f, body, op);
            let token = body["clientToken"].as_str().unwrap_or_default().to_owned();
            let id = format!("{name}-{:010}", f.serial());
            f.tokens.insert(token, id.clone());
            let arn = format!("arn:aws:bedrock-agentcore:{REGION}:{ACCOUNT}:harness/{id}");
            let json = stored(
                body,
                &["clientToken", "tags"],
                json!({"harnessId": id, "arn": arn, "status": "CREATING", "harnessVersion": "1",
                       "createdAt": NOW, "updatedAt": NOW}),
            );
            let mut json = with_harness_defaults(json);
            let queue: &[&'static str] = if f.harness_stuck {
                &["CREATING"]
            } else if f.harness_fails {
                json["failureReason"] = json!("the execution role cannot be assumed");
                &["CREATING", "CREATE_FAILED"]
            } else {
                &["CREATING", "CREATING", "READY"]
            };
            f.harnesses.insert(
                id,
                HarnessState {
                    res: Res::new(json.clone(), queue),
                    version: 1,
                    endpoints: BTreeMap::new(),
                },
            );
            Ok(json!({ "harness": json }))
        }
        "GetHarness" => match f.harnesses.get_mut(&at(1)) {
            Some(h) => Ok(json!({ "harness": h.res.poll() })),
            None => Err(not_found("harness")),
        },
        "UpdateHarness" => {
            no_placeholders(body, &mut f.problems, op);
            check_gateway_tools(f, body, op);
            let Some(h) = f.harnesses.get_mut(&at(1)) else {
                return Err(not_found("harness"));
            };
            merge(&mut h.res.json, body, &["clientToken"]);
            h.res.json = with_harness_defaults(h.res.json.clone());
            h.version += 1;
            h.res.json["harnessVersion"] = json!(h.version.to_string());
            h.res.json["status"] = json!("UPDATING");
            h.res
                .json
                .as_object_mut()
                .map(|m| m.remove("failureReason"));
            h.res.queue = VecDeque::from(["UPDATING", "READY"]);
            Ok(json!({ "harness": h.res.json }))
        }
        "ListHarnessEndpoints" => match f.harnesses.get(&at(1)) {
            Some(h) => {
                let items = h.endpoints.values().map(|e| e.json.clone()).collect();
                Ok(listing("endpoints", items, query))
            }
            None => Err(not_found("harness")),
        },
        "CreateHarnessEndpoint" | "UpdateHarnessEndpoint" => {
            no_placeholders(body, &mut f.problems, op);
            if op == "CreateHarnessEndpoint" {
                check_token(body, &mut f.problems, op);
            }
            let Some(h) = f.harnesses.get_mut(&at(1)) else {
                return Err(not_found("harness"));
            };
            if h.res.status() != "READY" {
                f.problems
                    .push(format!("{op}: the harness is {}", h.res.status()));
                return Ok(Value::Null);
            }
            let version = body["targetVersion"]
                .as_str()
                .unwrap_or_default()
                .to_owned();
            if version != h.version.to_string() {
                f.problems.push(format!(
                    "{op}: targetVersion {version:?}, the harness is at {}",
                    h.version
                ));
            }
            let name = match op {
                "CreateHarnessEndpoint" => {
                    body["endpointName"].as_str().unwrap_or_default().to_owned()
                }
                _ => at(3),
            };
            let exists = h.endpoints.contains_key(&name);
            if op == "CreateHarnessEndpoint" && exists {
                return Err(aws_error(
                    409,
                    "ConflictException",
                    "an endpoint of that name exists",
                ));
            }
            if op == "UpdateHarnessEndpoint" && !exists {
                return Err(not_found("endpoint"));
            }
            let j = &h.res.json;
            let mut json = json!({"harnessId": j["harnessId"], "harnessName": j["harnessName"],
                "endpointName": name, "arn": format!("{}/harness-endpoint/{name}", j["arn"].as_str().unwrap_or_default()),
                "status": if exists { "UPDATING" } else { "CREATING" },
                "createdAt": NOW, "updatedAt": NOW, "targetVersion": version});
            let live = h
                .endpoints
                .get(&name)
                .map(|e| e.json["liveVersion"].clone());
            if let Some(live) = live.filter(|l| !l.is_null()) {
                json["liveVersion"] = live;
            }
            if let Some(d) = body.get("description") {
                json["description"] = d.clone();
            } else if let Some(d) = h
                .endpoints
                .get(&name)
                .map(|e| e.json["description"].clone())
            {
                if !d.is_null() {
                    json["description"] = d;
                }
            }
            h.endpoints
                .insert(name, Res::new(json.clone(), &["CREATING", "READY"]));
            Ok(json!({ "endpoint": json }))
        }
        "GetHarnessEndpoint" => {
            let Some(e) = f
                .harnesses
                .get_mut(&at(1))
                .and_then(|h| h.endpoints.get_mut(&at(3)))
            else {
                return Err(not_found("endpoint"));
            };
            let mut json = e.poll();
            if json["status"] == "READY" {
                json["liveVersion"] = json["targetVersion"].clone();
                e.json = json.clone();
            }
            Ok(json!({ "endpoint": json }))
        }
        "DeleteHarnessEndpoint" => match f
            .harnesses
            .get_mut(&at(1))
            .and_then(|h| h.endpoints.remove(&at(3)))
        {
            Some(mut e) => {
                e.json["status"] = json!("DELETING");
                Ok(json!({ "endpoint": e.json }))
            }
            None => Err(not_found("endpoint")),
        },
        _ => {
            f.problems
                .push(format!("{op}: not an operation this fake serves"));
            Err(aws_error(500, "InternalServerException", "unhandled"))
        }
    }
}

/// A harness's `agentcore_gateway` tools must name a gateway this fake made, READY.
fn check_gateway_tools(f: &mut Fake, body: &Value, op: &str) {
    let arns: Vec<String> = body["tools"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|t| t.pointer("/config/agentCoreGateway/gatewayArn"))
        .filter_map(Value::as_str)
        .map(str::to_owned)
        .collect();
    for arn in arns {
        match f.gateway_by_arn(&arn).map(|g| g.res.status().to_owned()) {
            Some(status) if status == "READY" => {}
            Some(status) => f.problems.push(format!("{op}: gateway {arn} is {status}")),
            None => f.problems.push(format!("{op}: no gateway {arn}")),
        }
    }
}

/// What GetHarness always answers, for members the request left out; the runtime the
/// harness runs on is AgentCore's own (the request's environment only configures it).
fn with_harness_defaults(mut json: Value) -> Value {
    let runtime = json!({
        "agentRuntimeArn": format!("arn:aws:bedrock-agentcore:{REGION}:{ACCOUNT}:runtime/harness-runtime"),
        "agentRuntimeName": "harness_runtime", "agentRuntimeId": "harness_runtime-0123456789",
        "lifecycleConfiguration": {}, "networkConfiguration": {"networkMode": "PUBLIC"}});
    if let Some(asked) = json
        .pointer("/environment/agentCoreRuntimeEnvironment")
        .cloned()
    {
        let mut env = runtime.clone();
        merge(&mut env, &asked, &[]);
        json["environment"] = json!({ "agentCoreRuntimeEnvironment": env });
    }
    let defaults = json!({
        "model": {"bedrockModelConfig": {"modelId": "anthropic.claude-3-5-sonnet-20240620-v1:0"}},
        "systemPrompt": [], "tools": [], "skills": [], "allowedTools": [],
        "truncation": {"strategy": "sliding_window"},
        "environment": {"agentCoreRuntimeEnvironment": {
            "agentRuntimeArn": format!("arn:aws:bedrock-agentcore:{REGION}:{ACCOUNT}:runtime/harness-runtime"),
            "agentRuntimeName": "harness_runtime", "agentRuntimeId": "harness_runtime-0123456789",
            "lifecycleConfiguration": {}, "networkConfiguration": {"networkMode": "PUBLIC"}}}
    });
    for (k, v) in defaults.as_object().into_iter().flatten() {
        if json.get(k).is_none() {
            json[k] = v.clone();
        }
    }
    json
}

async fn start(fake: Shared) -> String {
    let app = Router::new().fallback(move |method: Method, uri: Uri, body: Bytes| {
        let fake = fake.clone();
        async move {
            let body = if body.is_empty() {
                json!({})
            } else {
                serde_json::from_slice(&body)
                    .unwrap_or_else(|_| Value::String(String::from_utf8_lossy(&body).into()))
            };
            handle(&fake, &method, &uri, &body)
        }
    });
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind 127.0.0.1:0");
    let address = listener.local_addr().expect("local address");
    tokio::spawn(async move {
        let _ = axum::serve(listener, app).await;
    });
    format!("http://{address}")
}

// ---------------------------------------------------------------------------------------------
// Helpers

fn fast() -> DeployOptions {
    DeployOptions {
        role_arn: Some(HARNESS_ROLE.into()),
        gateway_role_arn: Some(GATEWAY_ROLE.into()),
        poll_interval: Duration::from_millis(2),
        timeout: Duration::from_secs(10),
        ..DeployOptions::default()
    }
}

async fn deployer(endpoint: &str, options: DeployOptions) -> AgentCoreDeployer {
    let config = sdk_config(endpoint).await;
    AgentCoreDeployer::new(
        aws_sdk_bedrockagentcorecontrol::Client::new(&config),
        options,
    )
}

async fn setup(options: DeployOptions) -> (Shared, AgentCoreDeployer) {
    let fake: Shared = Arc::new(Mutex::new(Fake::default()));
    let endpoint = start(fake.clone()).await;
    (fake, deployer(&endpoint, options).await)
}

fn assert_clean(fake: &Shared) {
    let f = lock(fake);
    assert!(f.problems.is_empty(), "the fake found: {:#?}", f.problems);
}

/// The support-triage template with its agents shipped to AgentCore: BillingAgent has a Lambda
/// action group (`orders`, behind a gateway) and the user-input group.
fn project() -> strata::model::Project {
    let template = strata::templates::find("support-triage").expect("template");
    let mut project =
        strata::templates::instantiate(template, "support-triage").expect("template loads");
    project.agent_target = Some(strata::lenient::Lenient::Known(
        strata::model::agent::AgentTarget::Agentcore,
    ));
    // The template's BillingAgent names Classic itself; these tests ship it to AgentCore.
    for agent in &mut project.agents {
        agent.agent_target = None;
    }
    project
}

const FIRST_DEPLOY: &[&str] = &[
    "CreateGateway",
    "CreateGatewayTarget",
    "CreateHarness",
    "CreateHarnessEndpoint",
];

/// How many `op` calls stand between the first `from` and the first `to`.
fn polls_between(f: &Fake, op: &str, from: &str, to: &str) -> usize {
    let (a, b) = (f.position(from), f.position(to));
    f.calls[a..b].iter().filter(|c| *c == op).count()
}

// ---------------------------------------------------------------------------------------------
// Tests

#[tokio::test]
async fn dry_run_on_an_empty_account_plans_creates_and_only_reads() {
    let (fake, d) = setup(fast()).await;
    let plan = d.plan(&project(), None).await.expect("plan");
    assert!(plan.has_changes());
    let agent = &plan.agents[0];
    assert_eq!(agent.name, "BillingAgent");
    let kinds: Vec<(Kind, &str, &Action)> = agent
        .resources()
        .map(|r| (r.kind, r.name.as_str(), &r.action))
        .collect();
    assert_eq!(
        kinds,
        [
            (Kind::Gateway, "BillingAgent", &Action::Create),
            (Kind::GatewayTarget, "orders", &Action::Create),
            (Kind::Harness, "BillingAgent", &Action::Create),
            (Kind::HarnessEndpoint, "live", &Action::Create),
        ]
    );
    let text = plan.to_string();
    for line in [
        "agent BillingAgent → AgentCore",
        "  + gateway BillingAgent: create",
        "    + gateway target orders: create",
        "  + harness BillingAgent: create",
        "    + harness endpoint live: create",
    ] {
        assert!(text.contains(line), "{line:?} in\n{text}");
    }
    let f = lock(&fake);
    assert!(f.mutations().is_empty(), "{:?}", f.calls);
    assert_eq!(f.calls, ["ListGateways", "ListHarnesses"]);
    drop(f);
    assert_clean(&fake);
}

#[tokio::test]
async fn apply_creates_in_dependency_order_and_waits_until_each_is_ready() {
    let (fake, d) = setup(fast()).await;
    let plan = d.plan(&project(), None).await.expect("plan");
    let applied = d.apply(&plan).await.expect("deploy");
    assert_clean(&fake);
    let f = lock(&fake);
    assert_eq!(f.mutations(), FIRST_DEPLOY);
    // CREATING, CREATING, READY: three polls after each create before the next write.
    assert_eq!(
        polls_between(&f, "GetGateway", "CreateGateway", "CreateGatewayTarget"),
        3
    );
    assert_eq!(
        polls_between(
            &f,
            "GetGatewayTarget",
            "CreateGatewayTarget",
            "CreateHarness"
        ),
        3
    );
    assert_eq!(
        polls_between(&f, "GetHarness", "CreateHarness", "CreateHarnessEndpoint"),
        3
    );
    assert_eq!(
        f.calls.last().map(String::as_str),
        Some("GetHarnessEndpoint")
    );
    // The harness's gateway tool names the gateway this deploy made; the endpoint serves
    // the harness's version; every role is the one given.
    let gateway = f.gateways.values().next().expect("a gateway");
    let harness = f.harnesses.values().next().expect("a harness");
    let tool_arns: Vec<&Value> = harness.res.json["tools"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|t| t.pointer("/config/agentCoreGateway/gatewayArn"))
        .collect();
    assert_eq!(tool_arns, [&gateway.res.json["gatewayArn"]]);
    assert_eq!(gateway.res.json["roleArn"], GATEWAY_ROLE);
    assert_eq!(harness.res.json["executionRoleArn"], HARNESS_ROLE);
    let endpoint = &harness.endpoints["live"].json;
    assert_eq!(endpoint["targetVersion"], "1");
    assert_eq!(endpoint["liveVersion"], "1");
    assert_eq!(
        applied.harnesses,
        [(
            "BillingAgent".to_owned(),
            harness.res.json["arn"]
                .as_str()
                .unwrap_or_default()
                .to_owned()
        )]
    );
    assert_eq!(applied.endpoints[0].1, "live");
    assert_eq!(
        Some(applied.endpoints[0].2.as_str()),
        endpoint["arn"].as_str()
    );
    assert!(
        applied.done[0].starts_with("created gateway BillingAgent"),
        "{:?}",
        applied.done
    );
    assert_eq!(
        f.tokens.len(),
        3,
        "a client token per create that takes one"
    );
}

#[tokio::test]
async fn the_requests_sent_are_the_export_with_its_placeholders_filled() {
    let (fake, d) = setup(fast()).await;
    let project = project();
    let plan = d.plan(&project, None).await.expect("plan");
    d.apply(&plan).await.expect("deploy");
    assert_clean(&fake);
    let f = lock(&fake);
    let gateway = f.gateways.values().next().expect("a gateway");
    let mut text = strata::agentcore::agentcore_requests(&project, "BillingAgent")
        .expect("the export")
        .to_value()
        .to_string();
    for (placeholder, value) in [
        (
            strata::agentcore::execution_role_placeholder("BillingAgent"),
            HARNESS_ROLE,
        ),
        (
            strata::agentcore::gateway_role_placeholder("BillingAgent"),
            GATEWAY_ROLE,
        ),
        (
            strata::agentcore::gateway_arn_placeholder("BillingAgent"),
            gateway.res.json["gatewayArn"].as_str().unwrap_or_default(),
        ),
    ] {
        text = text.replace(&placeholder, value);
    }
    let export: Value = serde_json::from_str(&text).expect("JSON");
    let sent = |op: &str| -> Value {
        let (_, body) = f.bodies.iter().find(|(o, _)| o == op).expect(op);
        let mut body = body.clone();
        body.as_object_mut().map(|m| m.remove("clientToken"));
        body
    };
    let without = |v: &Value, key: &str| -> Value {
        let mut v = v.clone();
        v.as_object_mut().map(|m| m.remove(key));
        v
    };
    assert_eq!(sent("CreateGateway"), export["createGateway"]);
    // URI members travel in the path, not the body.
    assert_eq!(
        sent("CreateGatewayTarget"),
        without(&export["createGatewayTargets"][0], "gatewayIdentifier")
    );
    assert_eq!(sent("CreateHarness"), export["createHarness"]);
    let mut endpoint = without(&export["createHarnessEndpoints"][0], "harnessId");
    endpoint["targetVersion"] = json!("1");
    assert_eq!(sent("CreateHarnessEndpoint"), endpoint);
}

#[tokio::test]
async fn an_endpoint_the_project_no_longer_has_is_deleted_but_never_default() {
    let (fake, d) = setup(fast()).await;
    let project = project();
    let plan = d.plan(&project, None).await.expect("plan");
    d.apply(&plan).await.expect("deploy");
    {
        let mut f = lock(&fake);
        let harness = f.harnesses.values_mut().next().expect("a harness");
        for name in ["DEFAULT", "old"] {
            let mut json = harness.endpoints["live"].json.clone();
            json["endpointName"] = json!(name);
            let arn = json["arn"]
                .as_str()
                .unwrap_or_default()
                .replace("/live", &format!("/{name}"));
            json["arn"] = json!(arn);
            harness
                .endpoints
                .insert(name.to_owned(), Res::new(json, &[]));
        }
    }
    let first = lock(&fake).calls.len();
    let plan = d.plan(&project, None).await.expect("plan");
    let endpoints: Vec<(&str, &Action)> = plan.agents[0]
        .endpoints
        .iter()
        .map(|e| (e.name.as_str(), &e.action))
        .collect();
    assert_eq!(
        endpoints,
        [("live", &Action::Unchanged), ("old", &Action::Delete)]
    );
    assert!(
        plan.to_string()
            .contains("    - harness endpoint old: delete"),
        "{plan}"
    );
    d.apply(&plan).await.expect("deploy");
    assert_clean(&fake);
    let f = lock(&fake);
    assert_eq!(f.mutations_since(first), ["DeleteHarnessEndpoint"]);
    let harness = f.harnesses.values().next().expect("a harness");
    let left: Vec<&String> = harness.endpoints.keys().collect();
    assert_eq!(left, ["DEFAULT", "live"]);
}

#[tokio::test]
async fn a_second_deploy_is_all_unchanged_and_writes_nothing() {
    let (fake, d) = setup(fast()).await;
    let project = project();
    let plan = d.plan(&project, None).await.expect("plan");
    d.apply(&plan).await.expect("first deploy");
    let first = lock(&fake).calls.len();
    let plan = d.plan(&project, None).await.expect("plan again");
    assert!(!plan.has_changes(), "{plan}");
    assert!(plan.agents[0]
        .resources()
        .all(|r| r.action == Action::Unchanged));
    assert!(plan.to_string().contains("Nothing to change."), "{plan}");
    assert!(
        plan.to_string()
            .contains("  harness BillingAgent: unchanged"),
        "{plan}"
    );
    let applied = d.apply(&plan).await.expect("second deploy");
    assert!(applied.done.is_empty(), "{:?}", applied.done);
    assert_eq!(applied.endpoints.len(), 1, "the endpoint is still reported");
    assert_clean(&fake);
    let f = lock(&fake);
    assert_eq!(
        f.mutations_since(first),
        Vec::<String>::new(),
        "{:?}",
        &f.calls[first..]
    );
    assert_eq!((f.gateways.len(), f.harnesses.len()), (1, 1));
}

#[tokio::test]
async fn a_changed_instruction_updates_the_harness_and_moves_its_endpoint() {
    let (fake, d) = setup(fast()).await;
    let mut project = project();
    let plan = d.plan(&project, None).await.expect("plan");
    d.apply(&plan).await.expect("first deploy");
    let first = lock(&fake).calls.len();
    project.agents[0].instruction =
        Some("You are the billing assistant. Always look up the order first, then answer.".into());
    let plan = d.plan(&project, None).await.expect("plan");
    let agent = &plan.agents[0];
    let Action::Update(changes) = &agent.harness.action else {
        panic!("the harness should update: {plan}");
    };
    assert_eq!(changes.len(), 1, "{changes:?}");
    assert!(
        changes[0].path.starts_with("systemPrompt[0]"),
        "{changes:?}"
    );
    assert_eq!(
        agent.gateway.as_ref().map(|g| &g.action),
        Some(&Action::Unchanged)
    );
    assert_eq!(agent.targets[0].action, Action::Unchanged);
    let Action::Update(moved) = &agent.endpoints[0].action else {
        panic!("the endpoint should follow: {plan}");
    };
    assert_eq!(moved[0].path, "targetVersion");
    let text = plan.to_string();
    assert!(text.contains("  ~ harness BillingAgent: update"), "{text}");
    assert!(text.contains("Always look up the order first"), "{text}");
    assert!(
        text.contains("    ~ harness endpoint live: update"),
        "{text}"
    );
    d.apply(&plan).await.expect("deploy");
    assert_clean(&fake);
    {
        let f = lock(&fake);
        assert_eq!(
            f.mutations_since(first),
            ["UpdateHarness", "UpdateHarnessEndpoint"]
        );
        let harness = f.harnesses.values().next().expect("a harness");
        assert_eq!(harness.res.json["harnessVersion"], "2");
        assert_eq!(harness.endpoints["live"].json["liveVersion"], "2");
    }
    let plan = d.plan(&project, None).await.expect("plan");
    assert!(!plan.has_changes(), "{plan}");
}

#[tokio::test]
async fn a_changed_group_updates_its_target_and_drift_updates_the_gateway() {
    let (fake, d) = setup(fast()).await;
    let mut project = project();
    let plan = d.plan(&project, None).await.expect("plan");
    d.apply(&plan).await.expect("first deploy");
    project.agents[0].action_groups[0].description = Some("Look up orders and refund them".into());
    // Someone edited the gateway by hand.
    for g in lock(&fake).gateways.values_mut() {
        g.res.json["description"] = json!("edited by hand");
    }
    let first = lock(&fake).calls.len();
    let plan = d.plan(&project, None).await.expect("plan");
    let agent = &plan.agents[0];
    let paths = |action: &Action| -> Vec<String> {
        match action {
            Action::Update(changes) => changes.iter().map(|c| c.path.clone()).collect(),
            other => panic!("an update, not {other:?}: {plan}"),
        }
    };
    let gateway = agent.gateway.as_ref().expect("a gateway");
    assert_eq!(paths(&gateway.action), ["description"]);
    assert_eq!(paths(&agent.targets[0].action), ["description"]);
    assert_eq!(agent.harness.action, Action::Unchanged, "{plan}");
    assert!(
        plan.to_string()
            .contains("description: \"edited by hand\" → \"Tools of agent BillingAgent"),
        "{plan}"
    );
    d.apply(&plan).await.expect("deploy");
    assert_clean(&fake);
    let f = lock(&fake);
    assert_eq!(
        f.mutations_since(first),
        ["UpdateGateway", "UpdateGatewayTarget"]
    );
    let later = &f.calls[first..];
    let after = later
        .iter()
        .position(|c| c == "UpdateGatewayTarget")
        .unwrap_or_default();
    assert_eq!(
        later[after..]
            .iter()
            .filter(|c| *c == "GetGatewayTarget")
            .count(),
        2,
        "UPDATING, READY: {later:?}"
    );
}

#[tokio::test]
async fn a_removed_action_group_deletes_its_target() {
    let (fake, d) = setup(fast()).await;
    let mut project = project();
    let mut second = project.agents[0].action_groups[0].clone();
    second.action_group_name = "refunds".into();
    project.agents[0].action_groups.push(second);
    let plan = d.plan(&project, None).await.expect("plan");
    assert_eq!(plan.agents[0].targets.len(), 2);
    d.apply(&plan).await.expect("first deploy");
    // Two targets: the second plan lists them over two pages.
    let first = lock(&fake).calls.len();
    project.agents[0].action_groups.pop();
    let plan = d.plan(&project, None).await.expect("plan");
    let targets: Vec<(&str, &Action)> = plan.agents[0]
        .targets
        .iter()
        .map(|t| (t.name.as_str(), &t.action))
        .collect();
    assert_eq!(targets[1], ("refunds", &Action::Delete), "{plan}");
    assert!(
        plan.to_string()
            .contains("    - gateway target refunds: delete"),
        "{plan}"
    );
    d.apply(&plan).await.expect("deploy");
    assert_clean(&fake);
    let f = lock(&fake);
    let later = &f.calls[first..];
    assert_eq!(
        later.iter().filter(|c| *c == "ListGatewayTargets").count(),
        2,
        "one page a target: {later:?}"
    );
    assert!(f
        .mutations_since(first)
        .contains(&"DeleteGatewayTarget".to_owned()));
    assert_eq!(f.gateways.values().next().map(|g| g.targets.len()), Some(1));
}

#[tokio::test]
async fn the_customer_support_example_deploys_and_redeploys_unchanged() {
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("examples/customer-support/support.strata.json");
    let text = std::fs::read_to_string(&path).expect("the example");
    let mut project = strata::import::import(&text, "support")
        .expect("the example loads")
        .project;
    project.agent_target = Some(strata::lenient::Lenient::Known(
        strata::model::agent::AgentTarget::Agentcore,
    ));
    let (fake, d) = setup(fast()).await;
    let plan = d.plan(&project, None).await.expect("plan");
    let targets: Vec<&str> = plan.agents[0]
        .targets
        .iter()
        .map(|t| t.name.as_str())
        .collect();
    assert_eq!(
        targets,
        ["billing", "subscriptions", "notifications"],
        "{plan}"
    );
    d.apply(&plan).await.expect("deploy");
    assert_clean(&fake);
    let first = lock(&fake).calls.len();
    let plan = d.plan(&project, None).await.expect("plan again");
    assert!(!plan.has_changes(), "{plan}");
    let f = lock(&fake);
    let later = &f.calls[first..];
    assert_eq!(
        later.iter().filter(|c| *c == "ListGatewayTargets").count(),
        3,
        "three pages of one target: {later:?}"
    );
    assert_eq!(f.gateways.values().next().map(|g| g.targets.len()), Some(3));
}

#[tokio::test]
async fn a_validation_exception_names_the_resource_and_what_was_done() {
    let (fake, d) = setup(fast()).await;
    lock(&fake).fail = Some(("CreateGatewayTarget", "ValidationException"));
    let plan = d.plan(&project(), None).await.expect("plan");
    let err = d.apply(&plan).await.expect_err("CreateGatewayTarget fails");
    let DeployError::Aws {
        operation,
        resource,
        message,
        done,
    } = &err
    else {
        panic!("unexpected error: {err}");
    };
    assert_eq!(operation, "CreateGatewayTarget");
    assert_eq!(
        resource,
        "agent \"BillingAgent\" › gateway target \"orders\""
    );
    assert!(message.contains("ValidationException"), "{message}");
    assert!(
        done.0[0].starts_with("created gateway BillingAgent"),
        "{done:?}"
    );
    let text = err.to_string();
    assert!(
        text.contains(
            "CreateGatewayTarget failed for agent \"BillingAgent\" › gateway target \"orders\""
        ),
        "{text}"
    );
    assert!(!lock(&fake).calls.iter().any(|c| c == "CreateHarness"));
}

#[tokio::test]
async fn a_harness_that_ends_create_failed_is_reported_by_name_and_retried_next_time() {
    let (fake, d) = setup(fast()).await;
    lock(&fake).harness_fails = true;
    let project = project();
    let plan = d.plan(&project, None).await.expect("plan");
    let err = d.apply(&plan).await.expect_err("the harness fails");
    let DeployError::Failed {
        resource,
        status,
        reasons,
        done,
    } = &err
    else {
        panic!("unexpected error: {err}");
    };
    assert_eq!(
        resource,
        "agent \"BillingAgent\" › harness \"BillingAgent\""
    );
    assert_eq!(status, "CREATE_FAILED");
    assert_eq!(reasons, "the execution role cannot be assumed");
    assert!(done
        .0
        .iter()
        .any(|l| l.starts_with("created harness BillingAgent")));
    assert!(!lock(&fake)
        .calls
        .iter()
        .any(|c| c == "CreateHarnessEndpoint"));
    // Deploying again updates the failed harness rather than leaving it.
    let plan = d.plan(&project, None).await.expect("plan");
    let Action::Update(changes) = &plan.agents[0].harness.action else {
        panic!("a failed harness is updated: {plan}");
    };
    assert_eq!(changes.last().map(|c| c.path.as_str()), Some("status"));
    d.apply(&plan).await.expect("the retry deploys");
    assert_clean(&fake);
}

#[tokio::test]
async fn a_harness_that_never_gets_ready_times_out_naming_it() {
    // Long enough that the gateway and its target, which get ready after a few polls, never
    // time out on a loaded machine; the stuck harness always does.
    let options = DeployOptions {
        poll_interval: Duration::from_millis(20),
        timeout: Duration::from_secs(2),
        ..fast()
    };
    let (fake, d) = setup(options).await;
    lock(&fake).harness_stuck = true;
    let plan = d.plan(&project(), None).await.expect("plan");
    let err = d.apply(&plan).await.expect_err("times out");
    assert!(
        matches!(&err, DeployError::Timeout { resource, status, .. }
            if resource == "agent \"BillingAgent\" › harness \"BillingAgent\"" && status == "CREATING"),
        "{err}"
    );
}

#[tokio::test]
async fn missing_roles_fail_before_any_call() {
    let (fake, d) = setup(DeployOptions {
        role_arn: None,
        gateway_role_arn: None,
        ..fast()
    })
    .await;
    let err = d.plan(&project(), None).await.expect_err("no role");
    assert!(
        matches!(&err, DeployError::MissingRole { member, .. } if member == "executionRoleArn"),
        "{err}"
    );
    assert!(err.to_string().contains("--role-arn"), "{err}");
    assert!(lock(&fake).calls.is_empty());
}

#[tokio::test]
async fn agents_are_chosen_by_target_or_by_name() {
    let (fake, d) = setup(fast()).await;
    let mut classic = project();
    classic.agent_target = None;
    let err = d
        .plan(&classic, None)
        .await
        .expect_err("no AgentCore agent");
    assert!(matches!(err, DeployError::NoAgentCoreAgent { .. }), "{err}");
    assert!(err.to_string().contains("--agent"), "{err}");
    // Named, a Classic agent is deployed to AgentCore all the same.
    let plan = d.plan(&classic, Some("BillingAgent")).await.expect("plan");
    assert_eq!(plan.agents.len(), 1);
    let err = d.plan(&classic, Some("Nobody")).await.expect_err("unknown");
    assert!(err.to_string().contains("Nobody"), "{err}");
    assert_clean(&fake);
}

#[test]
fn the_service_model_check_catches_mistakes() {
    let model = &*MODEL;
    assert_eq!(model.operation("POST", "/harnesses"), Some("CreateHarness"));
    assert_eq!(
        model.operation("PATCH", "/harnesses/H-0123456789"),
        Some("UpdateHarness")
    );
    assert_eq!(
        model.operation("GET", "/gateways/g-0123456789/targets/T000000001/"),
        Some("GetGatewayTarget")
    );
    let mut errors = Vec::new();
    model.check_body(
        "CreateHarness",
        &json!({"harnessName": "1bad", "executionRoleArn": HARNESS_ROLE,
                "tools": [{"type": "lambda"}], "model": {}}),
        &mut errors,
    );
    assert!(
        errors.iter().any(|e| e.contains("does not match")),
        "{errors:?}"
    );
    assert!(
        errors
            .iter()
            .any(|e| e.contains("\"lambda\" is not one of")),
        "{errors:?}"
    );
    assert!(
        errors
            .iter()
            .any(|e| e.contains("a union takes exactly one member")),
        "{errors:?}"
    );
    errors.clear();
    // The harness id travels in the URI; a name does not go in an update.
    model.check_body("UpdateHarness", &json!({"harnessName": "H"}), &mut errors);
    assert_eq!(
        errors,
        ["UpdateHarness: unknown member harnessName (UpdateHarnessRequest)"]
    );
    errors.clear();
    model.check_body("CreateGateway", &json!({"name": "g"}), &mut errors);
    assert_eq!(errors.len(), 2, "{errors:?}");
}

// ---------------------------------------------------------------------------------------------
// The command line

#[cfg(feature = "cli")]
mod cli {
    use super::*;
    use support::deploy_cli::{project_file, strata_deploy, text};

    /// A fake control plane (as `fake` sets it up), its endpoint, and `project` written to a
    /// temporary folder: (fake, endpoint, folder, project file).
    async fn fake_and_project(
        fake: Fake,
        project: &strata::model::Project,
    ) -> (Shared, String, tempfile::TempDir, std::path::PathBuf) {
        let fake: Shared = Arc::new(Mutex::new(fake));
        let endpoint = start(fake.clone()).await;
        let (dir, path) = project_file(project);
        (fake, endpoint, dir, path)
    }

    const ROLES: [&str; 4] = [
        "--role-arn",
        HARNESS_ROLE,
        "--gateway-role-arn",
        GATEWAY_ROLE,
    ];

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn the_project_target_is_the_default_and_a_second_deploy_changes_nothing() {
        let (fake, endpoint, _dir, file) = fake_and_project(Fake::default(), &project()).await;
        let out = strata_deploy(&endpoint, &file, &[&ROLES[..], &["--dry-run"]].concat()).await;
        let stdout = text(&out.stdout);
        assert_eq!(out.status.code(), Some(0), "{stdout}{}", text(&out.stderr));
        assert!(
            stdout.contains("agent BillingAgent → AgentCore"),
            "{stdout}"
        );
        assert!(
            stdout.contains("+ harness endpoint live: create"),
            "{stdout}"
        );
        assert!(lock(&fake).mutations().is_empty());

        let out = strata_deploy(&endpoint, &file, &[&ROLES[..], &["--yes"]].concat()).await;
        let stdout = text(&out.stdout);
        let stderr = text(&out.stderr);
        assert_eq!(out.status.code(), Some(0), "{stdout}{stderr}");
        assert!(
            stdout.contains("Deployed to AgentCore (4 change(s))"),
            "{stdout}"
        );
        assert!(
            stdout.contains("  agent BillingAgent: arn:aws:bedrock-agentcore:us-east-1:123456789012:harness/BillingAgent-"),
            "{stdout}"
        );
        assert!(
            stdout.contains("    endpoint live: arn:aws:bedrock-agentcore:"),
            "{stdout}"
        );
        assert!(stderr.contains("CREATING, waiting…"), "{stderr}");
        assert_eq!(lock(&fake).mutations(), FIRST_DEPLOY);
        assert_clean(&fake);

        let out = strata_deploy(&endpoint, &file, &[&ROLES[..], &["--yes"]].concat()).await;
        let stdout = text(&out.stdout);
        assert_eq!(out.status.code(), Some(0), "{stdout}");
        assert!(stdout.contains("Nothing to change."), "{stdout}");
        assert_eq!(lock(&fake).mutations(), FIRST_DEPLOY);
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn target_agentcore_and_agent_pick_a_classic_projects_agent() {
        let mut classic = project();
        classic.agent_target = None;
        let (fake, endpoint, _dir, file) = fake_and_project(Fake::default(), &classic).await;
        let args = [
            &ROLES[..],
            &[
                "--target",
                "agentcore",
                "--agent",
                "BillingAgent",
                "--dry-run",
            ],
        ]
        .concat();
        let out = strata_deploy(&endpoint, &file, &args).await;
        let stdout = text(&out.stdout);
        assert_eq!(out.status.code(), Some(0), "{stdout}{}", text(&out.stderr));
        assert!(
            stdout.contains("+ harness BillingAgent: create"),
            "{stdout}"
        );
        // With Classic, --agent limits the Classic deploy to that agent: it goes to the Bedrock
        // Agent control plane (which this fake does not answer).
        let out = strata_deploy(
            &endpoint,
            &file,
            &[
                "--target",
                "classic",
                "--agent",
                "BillingAgent",
                "--dry-run",
                "--role-arn",
                HARNESS_ROLE,
            ],
        )
        .await;
        assert_eq!(out.status.code(), Some(1), "{}", text(&out.stdout));
        assert!(
            text(&out.stderr).contains("ListAgents failed"),
            "{}",
            text(&out.stderr)
        );
        // Without --target, a project that names no target deploys to Classic (the same
        // fake answers no Bedrock Agent route).
        let out = strata_deploy(&endpoint, &file, &["--dry-run", "--role-arn", HARNESS_ROLE]).await;
        assert_eq!(out.status.code(), Some(1), "{}", text(&out.stdout));
        assert!(
            text(&out.stderr).contains("ListAgents failed"),
            "{}",
            text(&out.stderr)
        );
        assert!(lock(&fake).mutations().is_empty());
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn a_failed_deploy_exits_1_naming_the_resource_and_what_was_done() {
        let failing = Fake {
            fail: Some(("CreateHarness", "ValidationException")),
            ..Fake::default()
        };
        let (_fake, endpoint, _dir, file) = fake_and_project(failing, &project()).await;
        let out = strata_deploy(&endpoint, &file, &[&ROLES[..], &["--yes"]].concat()).await;
        let stderr = text(&out.stderr);
        assert_eq!(out.status.code(), Some(1), "{stderr}");
        assert!(
            stderr.contains("CreateHarness failed for agent \"BillingAgent\" › harness \"BillingAgent\": ValidationException"),
            "{stderr}"
        );
        assert!(
            stderr.contains("already done: created gateway BillingAgent"),
            "{stderr}"
        );
        // No role: refused before any call.
        let out = strata_deploy(&endpoint, &file, &["--yes"]).await;
        let stderr = text(&out.stderr);
        assert_eq!(out.status.code(), Some(1), "{stderr}");
        assert!(stderr.contains("executionRoleArn"), "{stderr}");
    }
}
