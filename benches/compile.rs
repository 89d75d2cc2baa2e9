//! How long checking a full-size flow takes: compiling a realistic 40-node definition (the
//! most Bedrock allows), and loading plus compiling the same project from its JSON text.
//!
//! Run with `cargo bench --bench compile`.

use std::hint::black_box;
use std::time::Duration;

use criterion::{criterion_group, criterion_main, Criterion};
use strata::compile::compile;
use strata::model::flow::{
    FlowConnection, FlowDefinition, FlowNode, FlowNodeInput, FlowNodeOutput,
};
use strata::model::lenient::Lenient;
use strata::model::{load, DataType, Flow, Project};
use strata::nodes::condition::FlowCondition;
use strata::nodes::prompt::{PromptSource, TemplateConfiguration};
use strata::nodes::storage::{S3Bucket, S3Service};
use strata::nodes::{NodeConfiguration, NodeType};

const MODEL: &str = "anthropic.claude-3-haiku-20240307-v1:0";

/// A palette node of `kind`.
fn node(kind: NodeType, name: &str) -> FlowNode {
    (kind.kind().new_node)(name)
}

/// A TEXT prompt whose template uses each input once.
fn prompt(name: &str, instruction: &str, inputs: &[(&str, DataType, &str)]) -> FlowNode {
    let mut n = node(NodeType::Prompt, name);
    let mut text = instruction.to_owned();
    for (input, _, _) in inputs {
        text.push_str(&format!("\n\n{input}: {{{{{input}}}}}"));
    }
    if let Some(NodeConfiguration::Prompt(p)) = &mut n.configuration {
        if let PromptSource::Inline(inline) = &mut p.source_configuration {
            inline.model_id = MODEL.to_owned();
            if let TemplateConfiguration::Text(t) = &mut inline.template_configuration {
                t.text = text;
                t.input_variables.clear();
            }
        }
    }
    n.inputs = inputs
        .iter()
        .map(|(input, t, expression)| FlowNodeInput {
            expression: (*expression).to_owned(),
            ..FlowNodeInput::new(input, *t)
        })
        .collect();
    n
}

fn output(name: &str, t: DataType, expression: &str) -> FlowNode {
    let mut n = node(NodeType::Output, name);
    n.inputs = vec![FlowNodeInput {
        expression: expression.to_owned(),
        ..FlowNodeInput::new("document", t)
    }];
    n
}

/// A Condition node on one String input, with the given conditions and `default`.
fn condition(name: &str, input: &str, conditions: &[(&str, &str)]) -> FlowNode {
    let mut n = node(NodeType::Condition, name);
    n.inputs = vec![FlowNodeInput::new(input, DataType::String)];
    let mut list: Vec<FlowCondition> = conditions
        .iter()
        .map(|(c, e)| FlowCondition {
            name: (*c).to_owned(),
            expression: Some((*e).to_owned()),
        })
        .collect();
    list.push(FlowCondition {
        name: "default".to_owned(),
        expression: None,
    });
    if let Some(NodeConfiguration::Condition(c)) = &mut n.configuration {
        c.conditions = list;
    }
    n
}

/// A flow being built: its nodes and connections, in the order added.
#[derive(Default)]
struct Parts {
    nodes: Vec<FlowNode>,
    connections: Vec<FlowConnection>,
}

impl Parts {
    fn add(&mut self, node: FlowNode) {
        self.nodes.push(node);
    }

    fn connect(&mut self, connection: FlowConnection) {
        self.connections.push(connection);
    }

    /// Adds `node` with its first input fed from the Input node, at `expression`.
    fn add_on_input(&mut self, mut node: FlowNode, expression: &str) {
        node.inputs[0].expression = expression.to_owned();
        let connection =
            FlowConnection::data("FlowInput", "document", &node.name, &node.inputs[0].name);
        self.add(node);
        self.connect(connection);
    }

    /// A TEXT prompt on the flow input's `message`, fed from the Input node.
    fn message_prompt(&mut self, name: &str, instruction: &str) {
        self.add(prompt(
            name,
            instruction,
            &[("message", DataType::String, "$.data.message")],
        ));
        self.connect(FlowConnection::data(
            "FlowInput",
            "document",
            name,
            "message",
        ));
    }

    /// An Output node `name` of type `t` whose document is `port` of node `from`.
    fn output_of(&mut self, from: &str, port: &str, name: &str, t: DataType) {
        self.add(output(name, t, "$.data"));
        self.connect(FlowConnection::data(from, port, name, "document"));
    }
}

/// A support-desk flow of exactly 40 nodes: classification and routing with gated branches,
/// a knowledge base with and without generation, an agent, a Lambda, an Iterator/Collector
/// pair over the attachments, sentiment and language routing, inline code and storage.
fn support_desk() -> Project {
    let mut p = Parts::default();
    let data = FlowConnection::data;
    let gate = FlowConnection::conditional;

    let mut input = node(NodeType::Input, "FlowInput");
    input.outputs = vec![FlowNodeOutput::new("document", DataType::Object)];
    p.add(input);

    // Classify and route: three gated branches, each also fed by Data from the Input node.
    p.message_prompt(
        "Classify",
        "Classify this support message as BUG, BILLING or OTHER. Answer with one word.",
    );
    p.add(condition(
        "Route",
        "kind",
        &[
            ("isBug", "kind == \"BUG\""),
            ("isBilling", "kind == \"BILLING\""),
        ],
    ));
    p.connect(data("Classify", "modelCompletion", "Route", "kind"));

    let mut docs = node(NodeType::KnowledgeBase, "DocsAnswer");
    if let Some(NodeConfiguration::KnowledgeBase(k)) = &mut docs.configuration {
        k.knowledge_base_id = "PRODDOCS01".to_owned();
        k.model_id = Some(MODEL.to_owned());
    }
    docs.inputs[0].expression = "$.data.message".to_owned();
    docs.outputs = vec![FlowNodeOutput::new("outputText", DataType::String)];
    p.add(docs);
    p.connect(gate("Route", "isBug", "DocsAnswer"));
    p.connect(data(
        "FlowInput",
        "document",
        "DocsAnswer",
        "retrievalQuery",
    ));
    p.output_of("DocsAnswer", "outputText", "BugReply", DataType::String);

    let mut billing = node(NodeType::Agent, "Billing");
    if let Some(NodeConfiguration::Agent(a)) = &mut billing.configuration {
        a.agent_alias_arn =
            "arn:aws:bedrock:us-east-1:123456789012:agent-alias/AGENT12345/ALIAS12345".to_owned();
    }
    billing.inputs[0].expression = "$.data.message".to_owned();
    p.add(billing);
    p.connect(gate("Route", "isBilling", "Billing"));
    p.connect(data("FlowInput", "document", "Billing", "agentInputText"));
    p.output_of("Billing", "agentResponse", "BillingReply", DataType::String);

    p.add(output("OtherReply", DataType::String, "$.data.message"));
    p.connect(gate("Route", "default", "OtherReply"));
    p.connect(data("FlowInput", "document", "OtherReply", "document"));

    // Customer record from a Lambda.
    let mut lambda = node(NodeType::LambdaFunction, "LoadCustomer");
    if let Some(NodeConfiguration::LambdaFunction(l)) = &mut lambda.configuration {
        l.lambda_arn = "arn:aws:lambda:us-east-1:123456789012:function:load-customer".to_owned();
    }
    p.add_on_input(lambda, "$.data.customerId");
    p.output_of(
        "LoadCustomer",
        "functionResponse",
        "CustomerOut",
        DataType::Object,
    );

    // Attachments: Iterator → Prompt → Collector.
    p.add_on_input(
        node(NodeType::Iterator, "EachAttachment"),
        "$.data.attachments",
    );
    p.add(prompt(
        "DescribeAttachment",
        "Describe this attachment in one line.",
        &[("attachment", DataType::String, "$.data")],
    ));
    p.connect(data(
        "EachAttachment",
        "arrayItem",
        "DescribeAttachment",
        "attachment",
    ));
    p.add(node(NodeType::Collector, "GatherAttachments"));
    p.connect(data(
        "DescribeAttachment",
        "modelCompletion",
        "GatherAttachments",
        "arrayItem",
    ));
    p.connect(data(
        "EachAttachment",
        "arraySize",
        "GatherAttachments",
        "arraySize",
    ));
    p.output_of(
        "GatherAttachments",
        "collectedArray",
        "AttachmentsOut",
        DataType::Array,
    );

    // Raw passages from the knowledge base.
    let mut search = node(NodeType::KnowledgeBase, "SearchDocs");
    if let Some(NodeConfiguration::KnowledgeBase(k)) = &mut search.configuration {
        k.knowledge_base_id = "PRODDOCS01".to_owned();
    }
    p.add_on_input(search, "$.data.message");
    p.output_of(
        "SearchDocs",
        "retrievalResults",
        "PassagesOut",
        DataType::Array,
    );

    // Sentiment, routed to an apology or a thank-you.
    p.message_prompt(
        "Sentiment",
        "Is this message ANGRY or CALM? Answer with one word.",
    );
    p.add(condition(
        "Mood",
        "mood",
        &[("isAngry", "mood == \"ANGRY\"")],
    ));
    p.connect(data("Sentiment", "modelCompletion", "Mood", "mood"));
    p.add(prompt(
        "Apologise",
        "Write a short apology for the trouble described.",
        &[("message", DataType::String, "$.data.message")],
    ));
    p.connect(gate("Mood", "isAngry", "Apologise"));
    p.connect(data("FlowInput", "document", "Apologise", "message"));
    p.output_of(
        "Apologise",
        "modelCompletion",
        "ApologyOut",
        DataType::String,
    );
    p.add(prompt(
        "Thank",
        "Write a short thank-you for the message.",
        &[("message", DataType::String, "$.data.message")],
    ));
    p.connect(gate("Mood", "default", "Thank"));
    p.connect(data("FlowInput", "document", "Thank", "message"));
    p.output_of("Thank", "modelCompletion", "ThanksOut", DataType::String);

    // Translations of the summary.
    p.message_prompt("Summarise", "Summarise this message in one sentence.");
    for lang in ["French", "German", "Spanish", "Italian", "Japanese"] {
        let name = format!("To{lang}");
        p.add(prompt(
            &name,
            &format!("Translate into {lang}."),
            &[("text", DataType::String, "$.data")],
        ));
        p.connect(data("Summarise", "modelCompletion", &name, "text"));
        p.output_of(
            &name,
            "modelCompletion",
            &format!("{lang}Out"),
            DataType::String,
        );
    }

    // Inline code: a ticket key, used to store the summary.
    let mut key = node(NodeType::InlineCode, "TicketKey");
    if let Some(NodeConfiguration::InlineCode(code)) = &mut key.configuration {
        code.code = "f\"tickets/{text}.txt\"".to_owned();
    }
    p.add_on_input(key, "$.data.ticketId");
    let mut store = node(NodeType::Storage, "StoreSummary");
    if let Some(NodeConfiguration::Storage(s)) = &mut store.configuration {
        s.service_configuration = S3Service::S3(S3Bucket {
            bucket_name: "support-summaries".to_owned(),
        });
    }
    p.add(store);
    p.connect(data(
        "Summarise",
        "modelCompletion",
        "StoreSummary",
        "content",
    ));
    p.connect(data("TicketKey", "response", "StoreSummary", "objectKey"));
    p.output_of("StoreSummary", "s3Uri", "StoredAt", DataType::String);

    // Word count, by inline code.
    let mut words = node(NodeType::InlineCode, "CountWords");
    if let Some(NodeConfiguration::InlineCode(code)) = &mut words.configuration {
        code.code = "len(text.split())".to_owned();
    }
    words.outputs[0].data_type = Lenient::Known(DataType::Number);
    p.add_on_input(words, "$.data.message");
    p.output_of("CountWords", "response", "WordsOut", DataType::Number);

    // The customer's contract, read from S3.
    let mut contract = node(NodeType::Retrieval, "ReadContract");
    if let Some(NodeConfiguration::Retrieval(r)) = &mut contract.configuration {
        r.service_configuration = S3Service::S3(S3Bucket {
            bucket_name: "customer-contracts".to_owned(),
        });
    }
    p.add_on_input(contract, "$.data.contractKey");
    p.output_of("ReadContract", "s3Content", "ContractOut", DataType::String);

    let mut project = Project::new("support-desk");
    project.flows.push(Flow {
        name: "desk".to_owned(),
        description: Some("Route, answer, translate and file a support message".to_owned()),
        execution_role_arn: None,
        customer_encryption_key_arn: None,
        definition: FlowDefinition {
            nodes: p.nodes,
            connections: p.connections,
        },
        samples: vec![],
    });
    project
}

fn benches(crit: &mut Criterion) {
    let project = support_desk();
    let nodes = project.flows[0].definition.nodes.len();
    assert_eq!(
        nodes, 40,
        "the bench flow must have Bedrock's maximum of 40 nodes"
    );
    let compiled = compile(&project);
    let errors: Vec<String> = compiled.errors().map(ToString::to_string).collect();
    assert!(
        errors.is_empty(),
        "the bench flow must compile:\n{}",
        errors.join("\n")
    );
    assert_eq!(compiled.plans.len(), 1);
    let text = project.to_json();
    let loaded = load(&text, "desk").expect("the saved project loads");
    assert_eq!(loaded.project, project);

    let mut group = crit.benchmark_group("compile");
    group
        .sample_size(50)
        .warm_up_time(Duration::from_secs(1))
        .measurement_time(Duration::from_secs(3));
    group.bench_function("40_nodes", |b| b.iter(|| compile(black_box(&project))));
    group.bench_function("40_nodes_load_and_compile_json", |b| {
        b.iter(|| {
            let loaded = load(black_box(&text), "desk").expect("loads");
            compile(&loaded.project)
        })
    });
    group.finish();
}

criterion_group!(compile_benches, benches);
criterion_main!(compile_benches);
