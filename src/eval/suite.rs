//! An evaluation suite, `NAME.eval.yaml` beside a project: the variants to compare (flows,
//! project agents, deployed aliases), the cases (an input, or user turns, plus expectations) and
//! the judge for rubric expectations. Read with located errors, and checked before anything
//! runs: unknown variants, expectation kinds, malformed regexes, JSON Schemas and JSONPaths are
//! reported with where they are.

use crate::model::Project;
use serde::{Deserialize, Serialize};
use serde_json::Value;
use serde_with::skip_serializing_none;
use std::collections::BTreeSet;

/// A suite as written.
#[skip_serializing_none]
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct Suite {
    /// The suite's name (default: the file's name without `.eval.yaml`).
    pub suite: Option<String>,
    /// The project the variants come from, relative to the suite file.
    pub project: String,
    pub variants: Vec<Variant>,
    /// The model that scores `judge` expectations.
    pub judge: Option<Judge>,
    pub cases: Vec<Case>,
}

/// One design under test, and how a case's input reaches it.
#[skip_serializing_none]
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct Variant {
    pub name: String,
    #[serde(flatten)]
    pub target: Target,
    /// An input expression (`$.data…`, as a flow node's inputs use) taking the case's input to
    /// this variant's input: a flow's document, an agent's user turn. Default: the whole input.
    pub input: Option<String>,
    /// A recording of this variant's model replies, to run it offline (relative to the suite);
    /// `{case}` in the path stands for the case's id, for one recording per case.
    pub replay: Option<String>,
}

/// What a variant runs.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub enum Target {
    /// A flow of the project (its Agent nodes included).
    Flow(String),
    /// A project agent, called as an agent.
    Agent(String),
    /// A deployed flow alias, through the real SDK.
    FlowAlias(FlowAlias),
    /// A deployed agent alias ARN, through the real SDK.
    AgentAlias(String),
}

impl Target {
    /// The kind as the `--json` report names it.
    pub fn kind(&self) -> &'static str {
        match self {
            Target::Flow(_) => "flow",
            Target::Agent(_) => "agent",
            Target::FlowAlias(_) => "flow-alias",
            Target::AgentAlias(_) => "agent-alias",
        }
    }
}

/// A deployed flow's alias.
#[skip_serializing_none]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct FlowAlias {
    pub flow_id: String,
    pub alias_id: String,
    pub region: Option<String>,
    /// The name of the flow's Input node the case's input goes to (default `FlowInputNode`).
    pub input_node: Option<String>,
}

/// The model that scores rubric expectations: a recording, an OpenAI-compatible server, or a
/// Bedrock model. Its cost is counted apart from the variants'.
#[skip_serializing_none]
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct Judge {
    /// The model id sent to the provider.
    pub model: String,
    pub replay: Option<String>,
    pub base_url: Option<String>,
    pub region: Option<String>,
    pub profile: Option<String>,
}

/// One case: what goes in, and what must hold of what comes out.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct Case {
    pub id: String,
    /// The input document (a flow's input; an agent's turn after the variant's mapping).
    #[serde(default)]
    pub input: Value,
    /// For agents: the user's turns, in order (the last reply is the output). Default: one turn.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub turns: Vec<String>,
    /// Replies to give, in order, when the run asks the user (an agent's question, a
    /// confirmation: `CONFIRM` / `DENY`, a returned action's result), as `--answers` does.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub answers: Vec<String>,
    #[serde(default)]
    pub expect: Vec<Expectation>,
}

/// What must hold of a case's outcome. Written as a one-key mapping: `- contains: refund`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub enum Expectation {
    /// The output equals this value (text compares as text, anything else as JSON).
    Equals(Value),
    /// The output's text contains this.
    Contains(String),
    /// The output's text does not contain this.
    NotContains(String),
    /// The output's text matches this regular expression (Rust `regex` syntax).
    Regex(String),
    /// The output (parsed as JSON when it is text) is valid against this JSON Schema.
    JsonSchema(Value),
    /// The value at an RFC 9535 JSONPath in the output equals `equals`.
    JsonPath(JsonPathEquals),
    MaxLatencyMs(u64),
    MaxCostUsd(f64),
    MaxModelCalls(u64),
    /// The tool calls the agent made: these, with at least these arguments.
    ToolCalls(ToolCallsExpected),
    /// A rubric the judge scores from 1 to 5; passes at `passScore` (default 4) or more.
    Judge(Rubric),
}

impl Expectation {
    /// The kind, as reports name it.
    pub fn kind(&self) -> &'static str {
        match self {
            Expectation::Equals(_) => "equals",
            Expectation::Contains(_) => "contains",
            Expectation::NotContains(_) => "notContains",
            Expectation::Regex(_) => "regex",
            Expectation::JsonSchema(_) => "jsonSchema",
            Expectation::JsonPath(_) => "jsonPath",
            Expectation::MaxLatencyMs(_) => "maxLatencyMs",
            Expectation::MaxCostUsd(_) => "maxCostUsd",
            Expectation::MaxModelCalls(_) => "maxModelCalls",
            Expectation::ToolCalls(_) => "toolCalls",
            Expectation::Judge(_) => "judge",
        }
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct JsonPathEquals {
    pub path: String,
    pub equals: Value,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct ToolCallsExpected {
    pub calls: Vec<ToolCall>,
    #[serde(default)]
    pub order: CallOrder,
}

/// A tool call: an action group's function (or API path), with arguments. As an expectation,
/// `arguments` is a subset the real call must contain.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct ToolCall {
    pub action_group: String,
    pub function: String,
    #[serde(default, skip_serializing_if = "serde_json::Map::is_empty")]
    pub arguments: serde_json::Map<String, Value>,
}

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub enum CallOrder {
    /// The calls appear in this order (others may come between them).
    #[default]
    InOrder,
    /// The calls appear, in any order.
    AnyOrder,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct Rubric {
    pub rubric: String,
    #[serde(default = "default_pass_score")]
    pub pass_score: u8,
}

fn default_pass_score() -> u8 {
    4
}

/// A problem in a suite, with where it is.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{at}: {message}")]
pub struct SuiteError {
    /// `line 4, column 7`, or a path such as `cases[2].expect[1]`.
    pub at: String,
    pub message: String,
}

impl Suite {
    /// Reads a suite from YAML or JSON text; a member of the wrong shape or an unknown
    /// expectation kind is reported with its line and column.
    pub fn parse(text: &str) -> Result<Suite, SuiteError> {
        crate::yaml::from_str(text).map_err(|e| SuiteError {
            at: format!("line {}, column {}", e.line, e.column),
            message: e.message,
        })
    }

    /// Every problem that would stop the suite from running, before anything runs: names
    /// given twice, variants naming a flow or agent the project lacks, malformed mappings,
    /// regexes, JSON Schemas and JSONPaths, a rubric without a judge.
    pub fn check(&self, project: &Project) -> Vec<SuiteError> {
        let mut problems = Vec::new();
        let mut say = |at: String, message: String| problems.push(SuiteError { at, message });
        if self.variants.is_empty() {
            say("variants".into(), "the suite names no variant".into());
        }
        if self.cases.is_empty() {
            say("cases".into(), "the suite has no case".into());
        }
        let mut names = BTreeSet::new();
        for (i, v) in self.variants.iter().enumerate() {
            let at = format!("variants[{i}] ({})", v.name);
            if !names.insert(v.name.as_str()) {
                say(at.clone(), format!("a second variant named {:?}", v.name));
            }
            match &v.target {
                Target::Flow(flow) if project.flow(flow).is_none() => say(
                    at.clone(),
                    format!(
                        "the project has no flow {flow:?} (flows: {})",
                        list(project.flows.iter().map(|f| f.name.as_str()))
                    ),
                ),
                Target::Agent(agent) if !project.agents.iter().any(|a| &a.agent_name == agent) => {
                    say(
                        at.clone(),
                        format!(
                            "the project has no agent {agent:?} (agents: {})",
                            list(project.agents.iter().map(|a| a.agent_name.as_str()))
                        ),
                    )
                }
                _ => {}
            }
            if let Some(input) = &v.input {
                if let Err(e) = crate::expr::parse_input_expression(input) {
                    say(format!("{at}.input"), format!("{input:?}: {e}"));
                }
            }
        }
        let mut ids = BTreeSet::new();
        for (i, case) in self.cases.iter().enumerate() {
            let at = format!("cases[{i}] ({})", case.id);
            if !ids.insert(case.id.as_str()) {
                say(at.clone(), format!("a second case with id {:?}", case.id));
            }
            for (j, e) in case.expect.iter().enumerate() {
                let at = format!("{at}.expect[{j}] ({})", e.kind());
                if let Err(message) = self.check_expectation(e) {
                    say(at, message);
                }
            }
        }
        problems
    }

    fn check_expectation(&self, e: &Expectation) -> Result<(), String> {
        match e {
            Expectation::Regex(r) => regex::Regex::new(r)
                .map(drop)
                .map_err(|e| format!("{r:?} is not a regular expression: {e}")),
            Expectation::JsonSchema(schema) => super::check::compile_schema(schema).map(drop),
            Expectation::JsonPath(p) => serde_json_path::JsonPath::parse(&p.path)
                .map(drop)
                .map_err(|e| format!("{:?} is not a JSONPath: {e}", p.path)),
            Expectation::MaxCostUsd(c) if !c.is_finite() || *c < 0.0 => {
                Err(format!("{c} is not a cost"))
            }
            Expectation::Judge(r) if self.judge.is_none() => Err(format!(
                "rubric {:?} needs a judge: add `judge: {{model: …}}` to the suite",
                crate::text::ellipsize(&r.rubric, 40)
            )),
            Expectation::Judge(r) if !(1..=5).contains(&r.pass_score) => {
                Err(format!("passScore {} is not between 1 and 5", r.pass_score))
            }
            _ => Ok(()),
        }
    }
}

fn list<'a>(names: impl Iterator<Item = &'a str>) -> String {
    let names: Vec<&str> = names.collect();
    if names.is_empty() {
        "none".to_owned()
    } else {
        names.join(", ")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const SUITE: &str = r#"
suite: triage
project: shop.strata.json
variants:
  - name: flow
    flow: triage
    replay: replays/flow.yaml
  - name: agent
    agent: BillingAgent
    input: $.data.message
judge:
  model: anthropic.claude-3-haiku-20240307-v1:0
  replay: replays/judge.yaml
cases:
  - id: refund
    input: {message: "Refund order 123"}
    expect:
      - contains: refund
      - notContains: sorry
      - regex: 'order \d+'
      - jsonPath: {path: $.status, equals: refunded}
      - maxLatencyMs: 3000
      - toolCalls:
          order: anyOrder
          calls: [{actionGroup: orders, function: refund, arguments: {orderId: "123"}}]
      - judge: {rubric: Says the refund was made}
"#;

    fn project() -> Project {
        let template = crate::templates::find("support-triage").expect("the template");
        crate::templates::instantiate(template, "shop").expect("a project")
    }

    #[test]
    fn a_suite_reads_with_every_expectation_kind() {
        let suite = Suite::parse(SUITE).expect("a suite");
        assert_eq!(suite.variants[0].target, Target::Flow("triage".into()));
        assert_eq!(suite.variants[1].target.kind(), "agent");
        let kinds: Vec<&str> = suite.cases[0]
            .expect
            .iter()
            .map(Expectation::kind)
            .collect();
        assert_eq!(
            kinds,
            [
                "contains",
                "notContains",
                "regex",
                "jsonPath",
                "maxLatencyMs",
                "toolCalls",
                "judge"
            ]
        );
        let agents: Vec<String> = project()
            .agents
            .iter()
            .map(|a| a.agent_name.clone())
            .collect();
        let problems = suite.check(&project());
        assert!(
            problems.iter().all(|p| !p.at.starts_with("variants")) || agents.is_empty(),
            "{problems:?}"
        );
    }

    #[test]
    fn an_unknown_expectation_kind_is_reported_at_its_line() {
        let text = SUITE.replace("- notContains: sorry", "- notContain: sorry");
        let e = Suite::parse(&text).expect_err("an unknown kind");
        assert_eq!(e.at, "line 19, column 9", "{e}");
        assert!(
            e.message
                .starts_with("cases[0].expect[1]: unknown variant `notContain`"),
            "{e}"
        );
    }

    #[test]
    fn bad_references_and_patterns_are_all_reported_before_running() {
        let text = SUITE
            .replace("flow: triage", "flow: nosuch")
            .replace(r"'order \d+'", "'order (['")
            .replace("path: $.status", "path: '$[?'")
            .replace("input: $.data.message", "input: $.message");
        let suite = Suite::parse(&text).expect("a suite");
        let problems = suite.check(&project());
        let text = problems
            .iter()
            .map(ToString::to_string)
            .collect::<Vec<_>>()
            .join("\n");
        assert!(
            text.contains("variants[0] (flow): the project has no flow \"nosuch\""),
            "{text}"
        );
        assert!(text.contains("variants[1] (agent).input"), "{text}");
        assert!(text.contains("expect[2] (regex)"), "{text}");
        assert!(text.contains("expect[3] (jsonPath)"), "{text}");
        assert_eq!(problems.len(), 4, "{text}");
        assert!(
            text.contains("the project has no flow \"nosuch\" (flows: triage)"),
            "{text}"
        );
    }

    #[test]
    fn a_rubric_without_a_judge_and_repeated_names_are_reported() {
        let mut suite = Suite::parse(SUITE).expect("a suite");
        suite.judge = None;
        suite.cases.push(suite.cases[0].clone());
        suite.variants.push(suite.variants[0].clone());
        let problems = suite.check(&project());
        let text = problems
            .iter()
            .map(ToString::to_string)
            .collect::<Vec<_>>()
            .join("\n");
        assert!(text.contains("a second variant named \"flow\""), "{text}");
        assert!(text.contains("a second case with id \"refund\""), "{text}");
        assert!(text.contains("needs a judge"), "{text}");
    }
}
