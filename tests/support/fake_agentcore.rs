//! A fake AgentCore control plane on 127.0.0.1, shared by `tests/deploy_agentcore.rs` and the
//! app's `src-tauri/tests/e2e_ship.rs`.
//!
//! It keeps gateways, gateway targets, harnesses (with versions) and harness endpoints
//! in memory and checks every request it gets: the route and the body against the botocore
//! service model (`tests/data/botocore/bedrock-agentcore-control.service-2.excerpt.json`: required
//! members, unknown members, unions, enums, patterns, lengths), no unfilled placeholders, names
//! unique, and the dependency order (a target only on a READY gateway, a harness's gateway tool
//! only on a READY gateway it issued, an endpoint only on a READY harness and at a version that
//! harness has). Its own replies are checked against the model's output shapes too. Lists are
//! paged one item at a time, so every List goes through the SDK's paginator. Statuses move by
//! poll count, never by time: a create answers CREATING for two Get polls, then READY.
//!
//! A test can [`Fake::hold`] one operation: its first request waits, unanswered, until the test
//! releases it ([`Hold`]), so a test can act (cancel) while a deploy is in the middle.
#![allow(
    dead_code,
    reason = "each test binary compiles this module anew and uses only part of it"
)]

use super::botocore::Shapes;
use super::fake_http::{aws_error, json_reply, serve_async, stored, CallLog, Service};
use axum::http::Method;
use axum::response::Response;
use serde_json::{json, Value};
use std::collections::{BTreeMap, VecDeque};
use std::sync::{Arc, LazyLock, Mutex};
use tokio::sync::Notify;

pub const ACCOUNT: &str = "123456789012";
pub const REGION: &str = "us-east-1";
pub const NOW: &str = "2026-12-04T06:00:00Z";

/// The AgentCore control plane's model (the excerpt deploy needs), which every request and
/// every reply of the fake must match.
pub static MODEL: LazyLock<Shapes> = LazyLock::new(Shapes::agentcore_control);

/// One operation held: the first request for it waits until [`Hold::release`].
#[derive(Debug, Clone)]
pub struct Hold {
    pub operation: &'static str,
    /// Notified once the request arrived (and waits).
    pub reached: Arc<Notify>,
    release: Arc<Notify>,
}

impl Hold {
    /// Lets the held request go on to be answered.
    pub fn release(&self) {
        self.release.notify_one();
    }
}

/// A resource as Get returns it, and the statuses the next Get polls report (one per poll;
/// then READY stays).
#[derive(Debug, Default)]
pub struct Res {
    pub json: Value,
    pub queue: VecDeque<&'static str>,
}

impl Res {
    pub fn new(json: Value, queue: &[&'static str]) -> Res {
        Res {
            json,
            queue: queue.iter().copied().collect(),
        }
    }

    /// The status a Get sees now (and moves on to the next).
    pub fn poll(&mut self) -> Value {
        if let Some(next) = self.queue.pop_front() {
            self.json["status"] = json!(next);
        }
        self.json.clone()
    }

    pub fn status(&self) -> &str {
        self.json["status"].as_str().unwrap_or_default()
    }
}

#[derive(Debug, Default)]
pub struct GatewayState {
    pub res: Res,
    /// By target id.
    pub targets: BTreeMap<String, Res>,
}

#[derive(Debug, Default)]
pub struct HarnessState {
    pub res: Res,
    pub version: u32,
    /// By endpoint name.
    pub endpoints: BTreeMap<String, Res>,
}

#[derive(Debug, Default)]
pub struct Fake {
    /// Every operation, in order, and the requests it found wrong (they also got a
    /// ValidationException).
    pub log: CallLog<Fake>,
    /// The body of every write, in order.
    pub bodies: Vec<(String, Value)>,
    /// By gateway id.
    pub gateways: BTreeMap<String, GatewayState>,
    /// By harness id.
    pub harnesses: BTreeMap<String, HarnessState>,
    /// Client tokens seen by a create, with the id it made.
    pub tokens: BTreeMap<String, String>,
    pub next: u32,
    /// `(operation, error type)` to fail.
    pub fail: Option<(&'static str, &'static str)>,
    /// A created harness ends CREATE_FAILED.
    pub harness_fails: bool,
    /// A created harness stays CREATING.
    pub harness_stuck: bool,
    /// The operation whose first request waits for the test.
    pub hold: Option<Hold>,
}

pub type Shared = Arc<Mutex<Fake>>;

pub use super::fake_http::lock;

pub const READS: &[&str] = &[
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
    /// Holds the first request for `operation` until the test releases it.
    pub fn hold(&mut self, operation: &'static str) -> Hold {
        let hold = Hold {
            operation,
            reached: Arc::new(Notify::new()),
            release: Arc::new(Notify::new()),
        };
        self.hold = Some(hold.clone());
        hold
    }

    pub fn serial(&mut self) -> u32 {
        self.next += 1;
        self.next
    }

    pub fn gateway_by_arn(&self, arn: &str) -> Option<&GatewayState> {
        self.gateways
            .values()
            .find(|g| g.res.json["gatewayArn"] == arn)
    }

    pub fn harness_named(&self, name: &str) -> Option<&HarnessState> {
        self.harnesses
            .values()
            .find(|h| h.res.json["harnessName"] == name)
    }
}

impl Service for Fake {
    const READS: &'static [&'static str] = READS;
}

/// Members of an update body merged into `json` (UpdateHarness's `{optionalValue}` unwrapped).
pub fn merge(json: &mut Value, body: &Value, drop: &[&str]) {
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

pub fn check_token(body: &Value, problems: &mut Vec<String>, op: &str) {
    if body.get("clientToken").and_then(Value::as_str).is_none() {
        problems.push(format!("{op}: no clientToken"));
    }
}

pub fn no_placeholders(body: &Value, problems: &mut Vec<String>, op: &str) {
    let text = body.to_string();
    for k in ["${", "localHandler", "projectAgent"] {
        if text.contains(k) {
            problems.push(format!("{op}: body contains {k}"));
        }
    }
}

/// One page of `items` (one item a page): the page and the next token.
pub fn page(items: Vec<Value>, query: &BTreeMap<String, String>) -> (Vec<Value>, Option<String>) {
    let start: usize = query
        .get("nextToken")
        .and_then(|t| t.parse().ok())
        .unwrap_or(0);
    let page: Vec<Value> = items.iter().skip(start).take(1).cloned().collect();
    let next = (start + 1 < items.len()).then(|| (start + 1).to_string());
    (page, next)
}

pub fn listing(key: &str, items: Vec<Value>, query: &BTreeMap<String, String>) -> Value {
    let (items, next) = page(items, query);
    let mut reply = json!({ key: items });
    if let Some(next) = next {
        reply["nextToken"] = json!(next);
    }
    reply
}

pub fn not_found(what: &str) -> Response {
    aws_error(404, "ResourceNotFoundException", &format!("no such {what}"))
}

pub fn handle(
    fake: &Shared,
    method: &Method,
    path: &str,
    query: &BTreeMap<String, String>,
    body: &Value,
) -> Response {
    let mut f = lock(fake);
    let model: &'static Shapes = &MODEL;
    let Some(op) = model.operation(method.as_str(), path) else {
        f.log.problems.push(format!("unexpected {method} {path}"));
        return not_found("route");
    };
    f.log.calls.push(op.to_owned());
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
        f.log.problems.extend(wrong);
        return validation("ValidationException", &first);
    }
    let seg: Vec<String> = path
        .trim_matches('/')
        .split('/')
        .map(str::to_owned)
        .collect();
    let before = f.log.problems.len();
    let reply = respond(&mut f, op, &seg, query, body);
    if f.log.problems.len() > before {
        let last = f.log.problems.last().cloned().unwrap_or_default();
        return validation("ValidationException", &last);
    }
    match reply {
        Ok(reply) => {
            // The fake's own answer, as the model has it.
            if let Some(shape) = model.output_shape(op) {
                let mut errors = Vec::new();
                model.check(shape, &reply, &format!("{op} reply"), &mut errors);
                f.log.problems.extend(errors);
            }
            json_reply(200, &reply)
        }
        Err(response) => response,
    }
}

pub fn validation(kind: &str, message: &str) -> Response {
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
pub fn respond(
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
            check_token(body, &mut f.log.problems, op);
            no_placeholders(body, &mut f.log.problems, op);
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
            check_token(body, &mut f.log.problems, op);
            no_placeholders(body, &mut f.log.problems, op);
            let serial = f.serial();
            let token = body["clientToken"].as_str().unwrap_or_default().to_owned();
            let Some(g) = f.gateways.get_mut(&at(1)) else {
                return Err(not_found("gateway"));
            };
            if g.res.status() != "READY" {
                f.log
                    .problems
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
                no_placeholders(body, &mut f.log.problems, op);
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
            check_token(body, &mut f.log.problems, op);
            no_placeholders(body, &mut f.log.problems, op);
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
            no_placeholders(body, &mut f.log.problems, op);
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
            no_placeholders(body, &mut f.log.problems, op);
            if op == "CreateHarnessEndpoint" {
                check_token(body, &mut f.log.problems, op);
            }
            let Some(h) = f.harnesses.get_mut(&at(1)) else {
                return Err(not_found("harness"));
            };
            if h.res.status() != "READY" {
                f.log
                    .problems
                    .push(format!("{op}: the harness is {}", h.res.status()));
                return Ok(Value::Null);
            }
            let version = body["targetVersion"]
                .as_str()
                .unwrap_or_default()
                .to_owned();
            if version != h.version.to_string() {
                f.log.problems.push(format!(
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
            f.log
                .problems
                .push(format!("{op}: not an operation this fake serves"));
            Err(aws_error(500, "InternalServerException", "unhandled"))
        }
    }
}

/// A harness's `agentcore_gateway` tools must name a gateway this fake made, READY.
pub fn check_gateway_tools(f: &mut Fake, body: &Value, op: &str) {
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
            Some(status) => f
                .log
                .problems
                .push(format!("{op}: gateway {arn} is {status}")),
            None => f.log.problems.push(format!("{op}: no gateway {arn}")),
        }
    }
}

/// What GetHarness always answers, for members the request left out; the runtime the
/// harness runs on is AgentCore's own (the request's environment only configures it).
pub fn with_harness_defaults(mut json: Value) -> Value {
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

pub async fn start(fake: Shared) -> String {
    let (endpoint, _log) = serve_async(move |request| {
        let fake = fake.clone();
        async move {
            let body = if request.body.is_null() {
                json!({})
            } else {
                request.body
            };
            let held = {
                let mut f = lock(&fake);
                let op = MODEL.operation(request.method.as_str(), &request.path);
                match &f.hold {
                    Some(h) if Some(h.operation) == op => f.hold.take(),
                    _ => None,
                }
            };
            if let Some(hold) = held {
                hold.reached.notify_one();
                hold.release.notified().await;
            }
            handle(&fake, &request.method, &request.path, &request.query, &body)
        }
    })
    .await;
    endpoint
}
