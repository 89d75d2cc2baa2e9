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

/// A support-desk flow of exactly 40 nodes: classification and routing with gated branches,
/// a knowledge base with and without generation, an agent, a Lambda, an Iterator/Collector
/// pair over the attachments, sentiment and language routing, inline code and storage.
fn support_desk() -> Project {
    let mut nodes = Vec::new();
    let mut c = Vec::new();
    let data = FlowConnection::data;
    let gate = FlowConnection::conditional;

    let mut input = node(NodeType::Input, "FlowInput");
    input.outputs = vec![FlowNodeOutput::new("document", DataType::Object)];
    nodes.push(input);

    // Classify and route: three gated branches, each also fed by Data from the Input node.
    nodes.push(prompt(
        "Classify",
        "Classify this support message as BUG, BILLING or OTHER. Answer with one word.",
        &[("message", DataType::String, "$.data.message")],
    ));
    c.push(data("FlowInput", "document", "Classify", "message"));
    nodes.push(condition(
        "Route",
        "kind",
        &[
            ("isBug", "kind == \"BUG\""),
            ("isBilling", "kind == \"BILLING\""),
        ],
    ));
    c.push(data("Classify", "modelCompletion", "Route", "kind"));

    let mut docs = node(NodeType::KnowledgeBase, "DocsAnswer");
    if let Some(NodeConfiguration::KnowledgeBase(k)) = &mut docs.configuration {
        k.knowledge_base_id = "PRODDOCS01".to_owned();
        k.model_id = Some(MODEL.to_owned());
    }
    docs.inputs[0].expression = "$.data.message".to_owned();
    docs.outputs = vec![FlowNodeOutput::new("outputText", DataType::String)];
    nodes.push(docs);
    c.push(gate("Route", "isBug", "DocsAnswer"));
    c.push(data(
        "FlowInput",
        "document",
        "DocsAnswer",
        "retrievalQuery",
    ));
    nodes.push(output("BugReply", DataType::String, "$.data"));
    c.push(data("DocsAnswer", "outputText", "BugReply", "document"));

    let mut billing = node(NodeType::Agent, "Billing");
    if let Some(NodeConfiguration::Agent(a)) = &mut billing.configuration {
        a.agent_alias_arn =
            "arn:aws:bedrock:us-east-1:123456789012:agent-alias/AGENT12345/ALIAS12345".to_owned();
    }
    billing.inputs[0].expression = "$.data.message".to_owned();
    nodes.push(billing);
    c.push(gate("Route", "isBilling", "Billing"));
    c.push(data("FlowInput", "document", "Billing", "agentInputText"));
    nodes.push(output("BillingReply", DataType::String, "$.data"));
    c.push(data("Billing", "agentResponse", "BillingReply", "document"));

    nodes.push(output("OtherReply", DataType::String, "$.data.message"));
    c.push(gate("Route", "default", "OtherReply"));
    c.push(data("FlowInput", "document", "OtherReply", "document"));

    // Customer record from a Lambda.
    let mut lambda = node(NodeType::LambdaFunction, "LoadCustomer");
    if let Some(NodeConfiguration::LambdaFunction(l)) = &mut lambda.configuration {
        l.lambda_arn = "arn:aws:lambda:us-east-1:123456789012:function:load-customer".to_owned();
    }
    lambda.inputs[0].expression = "$.data.customerId".to_owned();
    nodes.push(lambda);
    c.push(data(
        "FlowInput",
        "document",
        "LoadCustomer",
        "codeHookInput",
    ));
    nodes.push(output("CustomerOut", DataType::Object, "$.data"));
    c.push(data(
        "LoadCustomer",
        "functionResponse",
        "CustomerOut",
        "document",
    ));

    // Attachments: Iterator → Prompt → Collector.
    let mut each = node(NodeType::Iterator, "EachAttachment");
    each.inputs[0].expression = "$.data.attachments".to_owned();
    nodes.push(each);
    c.push(data("FlowInput", "document", "EachAttachment", "array"));
    nodes.push(prompt(
        "DescribeAttachment",
        "Describe this attachment in one line.",
        &[("attachment", DataType::String, "$.data")],
    ));
    c.push(data(
        "EachAttachment",
        "arrayItem",
        "DescribeAttachment",
        "attachment",
    ));
    nodes.push(node(NodeType::Collector, "GatherAttachments"));
    c.push(data(
        "DescribeAttachment",
        "modelCompletion",
        "GatherAttachments",
        "arrayItem",
    ));
    c.push(data(
        "EachAttachment",
        "arraySize",
        "GatherAttachments",
        "arraySize",
    ));
    nodes.push(output("AttachmentsOut", DataType::Array, "$.data"));
    c.push(data(
        "GatherAttachments",
        "collectedArray",
        "AttachmentsOut",
        "document",
    ));

    // Raw passages from the knowledge base.
    let mut search = node(NodeType::KnowledgeBase, "SearchDocs");
    if let Some(NodeConfiguration::KnowledgeBase(k)) = &mut search.configuration {
        k.knowledge_base_id = "PRODDOCS01".to_owned();
    }
    search.inputs[0].expression = "$.data.message".to_owned();
    nodes.push(search);
    c.push(data(
        "FlowInput",
        "document",
        "SearchDocs",
        "retrievalQuery",
    ));
    nodes.push(output("PassagesOut", DataType::Array, "$.data"));
    c.push(data(
        "SearchDocs",
        "retrievalResults",
        "PassagesOut",
        "document",
    ));

    // Sentiment, routed to an apology or a thank-you.
    nodes.push(prompt(
        "Sentiment",
        "Is this message ANGRY or CALM? Answer with one word.",
        &[("message", DataType::String, "$.data.message")],
    ));
    c.push(data("FlowInput", "document", "Sentiment", "message"));
    nodes.push(condition(
        "Mood",
        "mood",
        &[("isAngry", "mood == \"ANGRY\"")],
    ));
    c.push(data("Sentiment", "modelCompletion", "Mood", "mood"));
    nodes.push(prompt(
        "Apologise",
        "Write a short apology for the trouble described.",
        &[("message", DataType::String, "$.data.message")],
    ));
    c.push(gate("Mood", "isAngry", "Apologise"));
    c.push(data("FlowInput", "document", "Apologise", "message"));
    nodes.push(output("ApologyOut", DataType::String, "$.data"));
    c.push(data(
        "Apologise",
        "modelCompletion",
        "ApologyOut",
        "document",
    ));
    nodes.push(prompt(
        "Thank",
        "Write a short thank-you for the message.",
        &[("message", DataType::String, "$.data.message")],
    ));
    c.push(gate("Mood", "default", "Thank"));
    c.push(data("FlowInput", "document", "Thank", "message"));
    nodes.push(output("ThanksOut", DataType::String, "$.data"));
    c.push(data("Thank", "modelCompletion", "ThanksOut", "document"));

    // Translations of the summary.
    nodes.push(prompt(
        "Summarise",
        "Summarise this message in one sentence.",
        &[("message", DataType::String, "$.data.message")],
    ));
    c.push(data("FlowInput", "document", "Summarise", "message"));
    for lang in ["French", "German", "Spanish", "Italian", "Japanese"] {
        let name = format!("To{lang}");
        nodes.push(prompt(
            &name,
            &format!("Translate into {lang}."),
            &[("text", DataType::String, "$.data")],
        ));
        c.push(data("Summarise", "modelCompletion", &name, "text"));
        let out = format!("{lang}Out");
        nodes.push(output(&out, DataType::String, "$.data"));
        c.push(data(&name, "modelCompletion", &out, "document"));
    }

    // Inline code: a ticket key, used to store the summary.
    let mut key = node(NodeType::InlineCode, "TicketKey");
    if let Some(NodeConfiguration::InlineCode(code)) = &mut key.configuration {
        code.code = "f\"tickets/{text}.txt\"".to_owned();
    }
    key.inputs[0].expression = "$.data.ticketId".to_owned();
    nodes.push(key);
    c.push(data("FlowInput", "document", "TicketKey", "text"));
    let mut store = node(NodeType::Storage, "StoreSummary");
    if let Some(NodeConfiguration::Storage(s)) = &mut store.configuration {
        s.service_configuration = S3Service::S3(S3Bucket {
            bucket_name: "support-summaries".to_owned(),
        });
    }
    nodes.push(store);
    c.push(data(
        "Summarise",
        "modelCompletion",
        "StoreSummary",
        "content",
    ));
    c.push(data("TicketKey", "response", "StoreSummary", "objectKey"));
    nodes.push(output("StoredAt", DataType::String, "$.data"));
    c.push(data("StoreSummary", "s3Uri", "StoredAt", "document"));

    // Word count, by inline code.
    let mut words = node(NodeType::InlineCode, "CountWords");
    if let Some(NodeConfiguration::InlineCode(code)) = &mut words.configuration {
        code.code = "len(text.split())".to_owned();
    }
    words.inputs[0].expression = "$.data.message".to_owned();
    words.outputs[0].data_type = Lenient::Known(DataType::Number);
    nodes.push(words);
    c.push(data("FlowInput", "document", "CountWords", "text"));
    nodes.push(output("WordsOut", DataType::Number, "$.data"));
    c.push(data("CountWords", "response", "WordsOut", "document"));

    // The customer's contract, read from S3.
    let mut contract = node(NodeType::Retrieval, "ReadContract");
    if let Some(NodeConfiguration::Retrieval(r)) = &mut contract.configuration {
        r.service_configuration = S3Service::S3(S3Bucket {
            bucket_name: "customer-contracts".to_owned(),
        });
    }
    contract.inputs[0].expression = "$.data.contractKey".to_owned();
    nodes.push(contract);
    c.push(data("FlowInput", "document", "ReadContract", "objectKey"));
    nodes.push(output("ContractOut", DataType::String, "$.data"));
    c.push(data("ReadContract", "s3Content", "ContractOut", "document"));

    let mut project = Project::new("support-desk");
    project.flows.push(Flow {
        name: "desk".to_owned(),
        description: Some("Route, answer, translate and file a support message".to_owned()),
        execution_role_arn: None,
        customer_encryption_key_arn: None,
        definition: FlowDefinition {
            nodes,
            connections: c,
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
