//! Diagnostics: what the compiler says about a project, where, and what to do about it.
//!
//! Codes for the rules Bedrock itself checks carry Bedrock's `FlowValidationType` names
//! exactly; Strata's own checks have their own codes. Every code is listed once, in
//! [`Code`], with its severity and whose rule it is.

use crate::lenient::StrEnum;
use serde::{Deserialize, Serialize};
use std::fmt;

crate::str_enum! {
    /// `FlowValidationSeverity`, spelt the way Strata prints it.
    pub enum Severity {
        Error = "error",
        Warning = "warning",
    }
}

/// Whose rule a code is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Origin {
    /// A `FlowValidationType` Bedrock reports itself.
    Bedrock,
    /// A limit or pattern of the Bedrock API model that Bedrock rejects at the request.
    BedrockLimit,
    /// Strata's own lint, from what goes wrong in production.
    Strata,
}

macro_rules! codes {
    ($($variant:ident = $origin:ident, $severity:ident, $summary:literal;)+) => {
        crate::str_enum! {
            /// Every diagnostic code.
            pub enum Code { $($variant = (stringify!($variant))),+ }
        }
        impl Code {
            pub fn origin(self) -> Origin {
                match self { $(Code::$variant => Origin::$origin),+ }
            }
            pub fn severity(self) -> Severity {
                match self { $(Code::$variant => Severity::$severity),+ }
            }
            pub fn summary(self) -> &'static str {
                match self { $(Code::$variant => $summary),+ }
            }
        }
    };
}

codes! {
    // Bedrock's FlowValidationType, by its exact names.
    CyclicConnection = Bedrock, Error, "the connections form a cycle outside a Loop";
    DuplicateConnections = Bedrock, Error, "the same connection is made twice";
    DuplicateConditionExpression = Bedrock, Error, "two conditions of a Condition node have the same expression";
    UnreachableNode = Bedrock, Error, "no path leads from the Input node to this node";
    UnknownConnectionSource = Bedrock, Error, "a connection starts at a node that does not exist";
    UnknownConnectionSourceOutput = Bedrock, Error, "a connection starts at an output the source node does not have";
    UnknownConnectionTarget = Bedrock, Error, "a connection ends at a node that does not exist";
    UnknownConnectionTargetInput = Bedrock, Error, "a connection ends at an input the target node does not have";
    UnknownConnectionCondition = Bedrock, Error, "a conditional connection names a condition its source does not have";
    MalformedConditionExpression = Bedrock, Error, "a condition expression cannot be parsed or names unknown inputs";
    MalformedNodeInputExpression = Bedrock, Error, "a node input expression is not a valid $.data expression";
    MismatchedNodeInputType = Bedrock, Error, "a node input is declared with a type the node kind does not take";
    MismatchedNodeOutputType = Bedrock, Error, "a node output is declared with a type the node kind does not produce";
    IncompatibleConnectionDataType = Bedrock, Error, "a connection joins an output and an input of incompatible types";
    MissingConnectionConfiguration = Bedrock, Error, "a connection lacks its data or conditional configuration";
    MissingDefaultCondition = Bedrock, Error, "a Condition node has no `default` condition";
    MissingEndingNodes = Bedrock, Error, "the flow has no Output node";
    MissingNodeConfiguration = Bedrock, Error, "a node lacks the configuration its kind requires";
    MissingNodeInput = Bedrock, Error, "a node lacks an input its kind requires";
    MissingNodeOutput = Bedrock, Error, "a node lacks an output its kind requires";
    MissingStartingNodes = Bedrock, Error, "the flow has no Input node";
    MultipleNodeInputConnections = Bedrock, Error, "a node input is fed by more than one connection";
    UnfulfilledNodeInput = Bedrock, Error, "a node input is fed by no connection";
    UnsatisfiedConnectionConditions = Bedrock, Error, "a conditional connection can never be taken";
    UnknownNodeInput = Bedrock, Error, "a node declares an input its kind does not have";
    UnknownNodeOutput = Bedrock, Error, "a node declares an output its kind does not have";
    MissingLoopInputNode = Bedrock, Error, "a Loop body has no LoopInput node";
    MissingLoopControllerNode = Bedrock, Error, "a Loop body has no LoopController node";
    MultipleLoopInputNodes = Bedrock, Error, "a Loop body has more than one LoopInput node";
    MultipleLoopControllerNodes = Bedrock, Error, "a Loop body has more than one LoopController node";
    LoopIncompatibleNodeType = Bedrock, Error, "a Loop body holds a node kind loops cannot hold";
    InvalidLoopBoundary = Bedrock, Error, "a connection crosses the boundary of a Loop";
    // Limits and patterns of the API model.
    InvalidName = BedrockLimit, Error, "a name does not match Bedrock's pattern";
    InvalidFieldValue = BedrockLimit, Error, "a configuration field is outside Bedrock's limits or pattern";
    TooManyNodes = BedrockLimit, Error, "more nodes than Bedrock allows in one definition";
    TooManyConnections = BedrockLimit, Warning, "more connections than the Bedrock API model allows";
    TooManyPorts = BedrockLimit, Error, "more inputs, outputs or conditions on a node than Bedrock allows";
    TooManyInlineCodeNodes = BedrockLimit, Error, "more than five InlineCode nodes in one flow";
    ExpressionTooLong = BedrockLimit, Error, "an expression is longer than 64 characters";
    MultipleStartingNodes = BedrockLimit, Error, "the flow has more than one Input node";
    DuplicateName = BedrockLimit, Error, "two things that must have distinct names share one";
    UnknownNodeType = BedrockLimit, Warning, "a node type Strata does not know; kept as it is";
    UnknownEnumValue = BedrockLimit, Warning, "a value Strata does not know for a fixed set; kept as it is";
    ConfigurationMismatch = BedrockLimit, Error, "a node's configuration key does not match its type";
    InvalidLoopCategory = BedrockLimit, Error, "an input category is misplaced or unmatched in a DoWhile loop";
    MisplacedLoopNode = BedrockLimit, Error, "a LoopInput or LoopController outside a Loop body";
    ConditionWithoutConnection = Strata, Warning, "a condition no conditional connection leaves from: the flow stops there";
    // Strata's own checks.
    TemplateVariableWithoutInput = Strata, Error, "a prompt template uses a {{variable}} no input provides";
    InputNotInTemplate = Strata, Warning, "a Prompt input is not used by its template";
    UnknownAgentReference = Strata, Error, "an Agent node names an agent the project does not define";
    UnknownResourceReference = Strata, Error, "a reference to a knowledge base, guardrail or model profile the project does not define";
    AmbiguousConditionalInput = Strata, Warning, "a node is gated by a condition and also fed by data from elsewhere";
    EmptyFlow = Strata, Warning, "a flow without nodes";
    AgentInstructionLength = BedrockLimit, Error, "an agent instruction outside 40..4000 characters";
    AgentInvalidField = BedrockLimit, Error, "an agent field outside Bedrock's limits or pattern";
    ThinDescription = Strata, Warning, "an action or parameter the model chooses by its description has none, or one word";
    UnconfirmedStateChange = Strata, Warning, "a state-changing action runs without return of control or confirmation";
    NoGuardrail = Strata, Warning, "an agent has no guardrail";
    ActionGroupShape = BedrockLimit, Error, "an action group lacks or mixes its schema and executor";
    OpenApiUnparsable = BedrockLimit, Error, "an OpenAPI schema that is not valid JSON or YAML";
    OpenApiVersion = BedrockLimit, Error, "an OpenAPI schema whose `openapi` is not 3.0.0";
    OpenApiPath = BedrockLimit, Error, "an OpenAPI path that does not start with /";
    OpenApiOperationId = BedrockLimit, Error, "an OpenAPI operation without operationId";
    OpenApiDescription = BedrockLimit, Error, "an OpenAPI operation without description";
    OpenApiEnum = BedrockLimit, Error, "an OpenAPI schema uses `enum`, which Bedrock agents do not support";
    OpenApiTooManyOperations = BedrockLimit, Error, "more than 11 operations in one action group";
    UnboundedIterations = Strata, Warning, "an agent whose local iteration cap is 0 or above 100";
    HandlerOutsideProject = Strata, Warning, "a local handler file outside the project's folder";
    MissingHandlerFile = Strata, Warning, "a local handler file that does not exist beside the project";
    UnknownHandlerName = Strata, Warning, "a handler binding names no Lambda function or action group of the project";
    ReservedHandlerVariable = Strata, Warning, "a handler binding sets an environment variable Lambda or the sandbox sets itself";
    MissingDocumentsFolder = Strata, Warning, "a knowledge base's documents folder that does not exist beside the project";
    InvalidGuardrailField = BedrockLimit, Error, "a guardrail policy field holds a value CreateGuardrail does not accept";
    DuplicateResourceName = Strata, Error, "two guardrails or two knowledge bases share one name";
    // Agents that target Amazon Bedrock AgentCore.
    AgentCoreName = BedrockLimit, Error, "an agent, action group or tool would get a name AgentCore's patterns refuse";
    AgentCoreLimit = BedrockLimit, Error, "an agent value outside AgentCore's limits";
    AgentCoreNoEquivalent = Strata, Warning, "a Classic feature of an agent that targets AgentCore has no AgentCore equivalent; the export leaves it out and reports it";
    AgentCoreNotExportable = Strata, Error, "an agent that targets AgentCore cannot be exported to it";
    AgentNodeOnAgentCore = Strata, Warning, "an Agent node runs a project agent that targets AgentCore: it deploys as an InvokeHarness Lambda, or keeps the Classic alias it names";
}

/// Where a diagnostic points. Fields are filled as far as they apply.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Location {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub flow: Option<String>,
    /// The Loop node holding `node`, when `node` is in a loop body.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub loop_node: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub node: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub input: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub output: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub connection: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub condition: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub agent: Option<String>,
    /// A guardrail of the project, by name.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub guardrail: Option<String>,
    /// A knowledge base of the project, by name.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub knowledge_base: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub action_group: Option<String>,
    /// A function or OpenAPI operation of an action group.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub action: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub parameter: Option<String>,
    /// A configuration field, as a dotted path below the node or agent (`prompt.modelId`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub field: Option<String>,
}

/// Declares [`Location`]'s constructors: each sets one field, from nothing (`roots`) or on a
/// copy of a location (`steps`, one step further in).
macro_rules! location_builders {
    (roots: $($root:ident)+; steps: $($step:ident)+;) => {
        impl Location {
            $(
                pub fn $root(name: &str) -> Location {
                    Location {
                        $root: Some(name.to_owned()),
                        ..Location::default()
                    }
                }
            )+
            $(
                pub fn $step(&self, name: &str) -> Location {
                    Location {
                        $step: Some(name.to_owned()),
                        ..self.clone()
                    }
                }
            )+
        }
    };
}

location_builders! {
    roots: flow agent guardrail knowledge_base;
    steps: node input output connection condition field action_group action parameter;
}

impl fmt::Display for Location {
    /// `flow "F" › node "N" › input "x"`: the path a person follows to find it.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let parts: [(&str, &Option<String>); 14] = [
            ("flow", &self.flow),
            ("agent", &self.agent),
            ("guardrail", &self.guardrail),
            ("knowledge base", &self.knowledge_base),
            ("loop", &self.loop_node),
            ("node", &self.node),
            ("action group", &self.action_group),
            ("action", &self.action),
            ("parameter", &self.parameter),
            ("input", &self.input),
            ("output", &self.output),
            ("connection", &self.connection),
            ("condition", &self.condition),
            ("field", &self.field),
        ];
        let mut first = true;
        for (label, value) in parts {
            if let Some(v) = value {
                if !first {
                    f.write_str(" › ")?;
                }
                write!(f, "{label} {v:?}")?;
                first = false;
            }
        }
        if first {
            f.write_str("project")?;
        }
        Ok(())
    }
}

/// One finding of the compiler.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Diagnostic {
    pub code: Code,
    pub severity: Severity,
    pub message: String,
    pub hint: String,
    pub location: Location,
}

impl Diagnostic {
    pub fn new(code: Code, location: Location, message: impl Into<String>) -> Diagnostic {
        Diagnostic {
            code,
            severity: code.severity(),
            message: message.into(),
            hint: String::new(),
            location,
        }
    }

    pub fn hint(mut self, hint: impl Into<String>) -> Diagnostic {
        self.hint = hint.into();
        self
    }

    pub fn severity(mut self, severity: Severity) -> Diagnostic {
        self.severity = severity;
        self
    }

    pub fn is_error(&self) -> bool {
        self.severity == Severity::Error
    }
}

impl fmt::Display for Diagnostic {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{}[{}]: {}\n  at {}",
            self.severity,
            self.code.as_str(),
            self.message,
            self.location
        )?;
        if !self.hint.is_empty() {
            write!(f, "\n  hint: {}", self.hint)?;
        }
        Ok(())
    }
}

/// Collects diagnostics while checking.
#[derive(Debug, Default)]
pub struct Diagnostics {
    items: Vec<Diagnostic>,
}

impl Diagnostics {
    pub fn push(&mut self, d: Diagnostic) {
        self.items.push(d);
    }

    /// Adds a diagnostic and returns it for a hint.
    pub fn report(
        &mut self,
        code: Code,
        location: Location,
        message: impl Into<String>,
    ) -> &mut Diagnostic {
        self.items.push(Diagnostic::new(code, location, message));
        let last = self.items.len() - 1;
        &mut self.items[last]
    }

    pub fn has_errors(&self) -> bool {
        self.items.iter().any(Diagnostic::is_error)
    }

    pub fn len(&self) -> usize {
        self.items.len()
    }

    pub fn is_empty(&self) -> bool {
        self.items.is_empty()
    }

    pub fn into_vec(self) -> Vec<Diagnostic> {
        self.items
    }

    pub fn as_slice(&self) -> &[Diagnostic] {
        &self.items
    }

    /// Drops, from the `from`-th diagnostic on, those `withdrawn` says a later, better
    /// informed pass found are not problems.
    pub fn withdraw(&mut self, from: usize, mut withdrawn: impl FnMut(&Diagnostic) -> bool) {
        let mut i = 0;
        self.items.retain(|d| {
            i += 1;
            i <= from || !withdrawn(d)
        });
    }
}

impl Diagnostic {
    pub fn set_hint(&mut self, hint: impl Into<String>) {
        self.hint = hint.into();
    }
}
