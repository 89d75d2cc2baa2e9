#!/usr/bin/env python3
"""Writes the bad-input corpus: small malformed files, one folder per entry point.

Run from the repository root: `python3 tests/bad_inputs/generate.py`. The files are committed;
`cargo test --test fuzz bad_inputs` snapshots the located error each one gets. Encoding-level
cases (invalid UTF-8, a byte-order mark, empty files) are deliberately absent: the CLI's file
reading reports those before any parser sees the text.
"""
import json
import os

ROOT = os.path.dirname(os.path.abspath(__file__))


def write(category, name, text):
    folder = os.path.join(ROOT, category)
    os.makedirs(folder, exist_ok=True)
    assert text, f"{category}/{name} would be empty"
    with open(os.path.join(folder, name), "w", encoding="utf-8", newline="") as f:
        f.write(text)


def nest(open_, close, n, inner="1"):
    return open_ * n + inner + close * n


def alias_bomb(then):
    """Nine levels of aliases, each nine of the one before (a billion-laughs document), then `then`."""
    return "a: &a [x, x, x, x, x, x, x, x, x]\n" + "".join(
        f"{chr(98 + i)}: &{chr(98 + i)} [" + ", ".join([f"*{chr(97 + i)}"] * 9) + "]\n" for i in range(8)
    ) + then


# --- Strata projects and Bedrock flow JSON (strata::model::load) -------------------------------
PROJECT = {
    "schemaVersion": 1,
    "name": "p",
    "flows": [{
        "name": "f",
        "definition": {
            "nodes": [
                {"name": "FlowInput", "type": "Input",
                 "outputs": [{"name": "document", "type": "String"}]},
                {"name": "FlowOutput", "type": "Output",
                 "inputs": [{"name": "document", "type": "String", "expression": "$.data"}]},
            ],
            "connections": [{"name": "c", "source": "FlowInput", "target": "FlowOutput",
                             "type": "Data",
                             "configuration": {"data": {"sourceOutput": "document",
                                                        "targetInput": "document"}}}],
        },
    }],
}
good = json.dumps(PROJECT, indent=2)
project = {
    "err_truncated.json": good[: len(good) // 2],
    "err_trailing_comma.json": '{"schemaVersion": 1, "name": "p",}',
    "err_single_quotes.json": "{'schemaVersion': 1}",
    "err_unquoted_key.json": "{schemaVersion: 1}",
    "err_comment.json": '{"schemaVersion": 1 // one\n}',
    "err_top_level_array.json": "[1, 2, 3]",
    "err_top_level_string.json": '"project"',
    "err_top_level_number.json": "42",
    "err_top_level_null.json": "null",
    "err_schema_version_string.json": '{"schemaVersion": "1", "name": "p"}',
    "err_schema_version_zero.json": '{"schemaVersion": 0, "name": "p"}',
    "err_schema_version_negative.json": '{"schemaVersion": -1, "name": "p"}',
    "err_schema_version_float.json": '{"schemaVersion": 1.5, "name": "p"}',
    "err_schema_version_newer.json": '{"schemaVersion": 99, "name": "p"}',
    "err_schema_version_huge.json": '{"schemaVersion": 18446744073709551616, "name": "p"}',
    "err_name_number.json": '{"schemaVersion": 1, "name": 7}',
    "err_flows_object.json": '{"schemaVersion": 1, "name": "p", "flows": {}}',
    "err_flow_name_null.json": '{"schemaVersion": 1, "name": "p", "flows": [{"name": null}]}',
    "err_nodes_string.json": json.dumps({"schemaVersion": 1, "name": "p", "flows": [
        {"name": "f", "definition": {"nodes": "FlowInput"}}]}),
    "err_node_inputs_object.json": json.dumps({"schemaVersion": 1, "name": "p", "flows": [
        {"name": "f", "definition": {"nodes": [{"name": "n", "type": "Output", "inputs": {}}]}}]}),
    "err_deep_nesting_arrays.json": '{"schemaVersion": 1, "name": "p", "x": ' + nest("[", "]", 200) + "}",
    "err_deep_nesting_objects.json": nest('{"a":', "}", 200),
    "err_unclosed_string.json": '{"schemaVersion": 1, "name": "p',
    "err_control_char_in_string.json": '{"schemaVersion": 1, "name": "a\u0001b"}',
    "err_bad_escape.json": '{"schemaVersion": 1, "name": "\\q"}',
    "err_lone_surrogate.json": '{"schemaVersion": 1, "name": "\\ud800x"}',
    "err_nan.json": '{"schemaVersion": NaN}',
    "err_two_documents.json": '{"schemaVersion": 1, "name": "p"} {}',
    "err_missing_colon.json": '{"schemaVersion" 1}',
    "err_definition_nodes_missing_name.json": json.dumps({"nodes": [{"type": "Input"}], "connections": []}),
    "err_bedrock_connections_object.json": json.dumps({"nodes": [], "connections": {"a": 1}}),
    "err_create_flow_definition_string.json": json.dumps({"name": "f", "executionRoleArn": "arn", "definition": "nodes"}),
    "err_not_a_flow.json": json.dumps({"hello": "world"}),
    "err_yaml_project.json": "schemaVersion: 1\nname: p\n",
    "err_non_ascii_key_error.json": '{"schemaVersion": 1, "名前": "p", "name": ["ü"]}',
}
for name, text in project.items():
    write("project", name, text)

# --- Import: Bedrock JSON and CloudFormation JSON/YAML (strata::import::import) ---------------
imports = {
    "err_flow_json_truncated.json": good[: len(good) - 5],
    "err_agent_not_object.json": json.dumps({"agentName": 5}),
    "err_agent_wrapper_wrong_types.json": json.dumps({"agent": {"agentName": ["a"], "instruction": 3}}),
    "err_create_agent_actiongroups_string.json": json.dumps({"createAgent": {"agentName": "a"}, "actionGroups": "x"}),
    "err_cfn_resources_array.json": json.dumps({"AWSTemplateFormatVersion": "2010-09-09", "Resources": []}),
    "err_cfn_resources_string.json": json.dumps({"Resources": "none"}),
    "err_cfn_resource_no_type.json": json.dumps({"Resources": {"F": {"Properties": {}}}}),
    "err_cfn_flow_properties_array.json": json.dumps({"Resources": {"F": {"Type": "AWS::Bedrock::Flow", "Properties": []}}}),
    "err_cfn_flow_definition_s3.json": json.dumps({"Resources": {"F": {"Type": "AWS::Bedrock::Flow", "Properties": {"Name": "f", "DefinitionS3Location": {"Bucket": "b", "Key": "k"}}}}}),
    "err_cfn_flow_definition_string_bad.json": json.dumps({"Resources": {"F": {"Type": "AWS::Bedrock::Flow", "Properties": {"Name": "f", "DefinitionString": "{not json"}}}}),
    "err_cfn_flow_nodes_object.json": json.dumps({"Resources": {"F": {"Type": "AWS::Bedrock::Flow", "Properties": {"Name": "f", "Definition": {"Nodes": {"a": 1}}}}}}),
    "err_cfn_bad_ref_number.json": json.dumps({"Resources": {"F": {"Type": "AWS::Bedrock::Flow", "Properties": {"Name": {"Ref": 5}, "Definition": {"Nodes": []}}}}}),
    "err_cfn_getatt_empty.json": json.dumps({"Resources": {"F": {"Type": "AWS::Bedrock::Flow", "Properties": {"Name": "f", "ExecutionRoleArn": {"Fn::GetAtt": []}, "Definition": {"Nodes": []}}}}}),
    "err_cfn_sub_number.json": json.dumps({"Resources": {"F": {"Type": "AWS::Bedrock::Flow", "Properties": {"Name": {"Fn::Sub": 1}, "Definition": {"Nodes": []}}}}}),
    "err_cfn_join_wrong_shape.json": json.dumps({"Resources": {"F": {"Type": "AWS::Bedrock::Flow", "Properties": {"Name": {"Fn::Join": "x"}, "Definition": {"Nodes": []}}}}}),
    "err_cfn_agent_name_object.json": json.dumps({"Resources": {"A": {"Type": "AWS::Bedrock::Agent", "Properties": {"AgentName": {"x": 1}}}}}),
    "err_cfn_agent_action_groups_object.json": json.dumps({"Resources": {"A": {"Type": "AWS::Bedrock::Agent", "Properties": {"AgentName": "a", "ActionGroups": {}}}}}),
    "err_cfn_deep_nesting.json": json.dumps({"Resources": {"F": {"Type": "AWS::Bedrock::Flow"}}})[:-2] + ', "Metadata": ' + nest("[", "]", 300) + "}}",
    "err_cfn_no_bedrock_resources.json": json.dumps({"Resources": {"B": {"Type": "AWS::S3::Bucket"}}}),
    "err_json_array_top.json": "[{\"Resources\": {}}]",
    "err_yaml_not_template.yaml": "name: p\nflows: []\n",
    "err_yaml_scalar.yaml": "just some words\n",
    "err_yaml_tab_indent.yaml": "Resources:\n\tF:\n\t\tType: AWS::Bedrock::Flow\n",
    "err_yaml_bad_indent.yaml": "Resources:\n  F:\n    Type: AWS::Bedrock::Flow\n   Properties: {}\n",
    "err_yaml_unclosed_flow.yaml": "Resources: {F: {Type: AWS::Bedrock::Flow\n",
    "err_yaml_unclosed_quote.yaml": "Resources:\n  F:\n    Type: \"AWS::Bedrock::Flow\n",
    "err_yaml_duplicate_key.yaml": "Resources:\n  F:\n    Type: AWS::Bedrock::Flow\n  F:\n    Type: AWS::Bedrock::Agent\n",
    "err_yaml_undefined_alias.yaml": "Resources:\n  F: *missing\n",
    "err_yaml_alias_bomb.yaml": alias_bomb("Resources:\n  F:\n    Type: AWS::Bedrock::Flow\n    Properties:\n      Name: *i\n"),
    "err_yaml_deep_flow_nesting.yaml": "Resources:\n  F:\n    Metadata: " + nest("[", "]", 300) + "\n",
    "err_yaml_deep_block_nesting.yaml": "Resources:\n" + "".join("  " * (i + 1) + f"k{i}:\n" for i in range(150)) + "  " * 151 + "v\n",
    "err_yaml_deep_mapping_nesting.yaml": "Resources: " + nest("{a: ", "}", 300) + "\n",
    "err_yaml_ref_no_value.yaml": "Resources:\n  F:\n    Type: AWS::Bedrock::Flow\n    Properties:\n      Name: !Ref\n      Definition: {Nodes: []}\n",
    "err_yaml_getatt_sequence_wrong.yaml": "Resources:\n  F:\n    Type: AWS::Bedrock::Flow\n    Properties:\n      Name: f\n      ExecutionRoleArn: !GetAtt [a, b, c, d]\n      Definition: {Nodes: []}\n",
    "err_yaml_sub_mapping.yaml": "Resources:\n  F:\n    Type: AWS::Bedrock::Flow\n    Properties:\n      Name: !Sub {a: b}\n      Definition: {Nodes: []}\n",
    "err_yaml_unknown_tag.yaml": "Resources:\n  F:\n    Type: AWS::Bedrock::Flow\n    Properties:\n      Name: !Bogus f\n      Definition: {Nodes: []}\n",
    "err_yaml_properties_list.yaml": "Resources:\n  F:\n    Type: AWS::Bedrock::Flow\n    Properties:\n      - Name\n",
    "err_yaml_nodes_scalar.yaml": "Resources:\n  F:\n    Type: AWS::Bedrock::Flow\n    Properties:\n      Name: f\n      Definition:\n        Nodes: 3\n",
    "err_yaml_node_type_list.yaml": "Resources:\n  F:\n    Type: AWS::Bedrock::Flow\n    Properties:\n      Name: f\n      Definition:\n        Nodes:\n          - Name: n\n            Type: [Input]\n",
    "err_yaml_connections_string.yaml": "Resources:\n  F:\n    Type: AWS::Bedrock::Flow\n    Properties:\n      Name: f\n      Definition:\n        Nodes: []\n        Connections: none\n",
    "err_yaml_s3_definition.yaml": "Resources:\n  F:\n    Type: AWS::Bedrock::Flow\n    Properties:\n      Name: f\n      DefinitionS3Location:\n        Bucket: b\n        Key: k\n",
    "err_yaml_agent_name_list.yaml": "Resources:\n  A:\n    Type: AWS::Bedrock::Agent\n    Properties:\n      AgentName: [a, b]\n",
    "err_yaml_agent_action_group_scalar.yaml": "Resources:\n  A:\n    Type: AWS::Bedrock::Agent\n    Properties:\n      AgentName: a\n      ActionGroups: yes\n",
    "err_yaml_resources_scalar.yaml": "AWSTemplateFormatVersion: '2010-09-09'\nResources: 7\n",
    "err_yaml_multi_document.yaml": "Resources: {}\n---\nResources: {}\n",
    "err_yaml_complex_key.yaml": "Resources:\n  ? [a, b]\n  : {Type: AWS::Bedrock::Flow}\n",
    "err_yaml_merge_bad.yaml": "base: &b 5\nResources:\n  F:\n    <<: *b\n    Type: AWS::Bedrock::Flow\n",
    "err_yaml_binary_tag.yaml": "Resources:\n  F:\n    Type: !!binary aGVsbG8=\n",
    "err_yaml_huge_number.yaml": "Resources:\n  F:\n    Type: AWS::Bedrock::Flow\n    Properties:\n      Name: 1e999\n      Definition: {Nodes: []}\n",
    "err_yaml_directive.yaml": "%YAML 9.9\n---\nResources: {}\n",
    "err_harness_no_name.json": json.dumps({"createHarness": {"model": {"bedrockModelConfig": {"modelId": "m"}}}, "createGatewayTargets": []}),
    "err_harness_name_not_text.json": json.dumps({"createHarness": {"harnessName": ["Desk"], "executionRoleArn": "arn:aws:iam::123456789012:role/r"}}),
}
for name, text in imports.items():
    write("import", name, text)

# --- $.data input expressions (strata::expr) ---------------------------------------------------
expressions = [
    " ", "$", "$.", "$.dat", "$.data.", "$.data..a", "$.data[", "$.data[]", "$.data[a]",
    "$.data[1", "$.data[1,]", "$.data[,1]", "$.data[1:2:3]", "$.data[99999999999999999999]",
    "$.data[-]", "$.data[--1]", "$.data[1 2]", "$.data.[0]", "$.data.a b", "$.data\u00e9",
    "$.data.\u0966", "$.data[\u0967]", "$.data[*", "$.data.**", "$.data['a']", '$.data["a"]',
    "data.a", "$data", "$.Data", "$.data)", "$.data[0]]", "$.data.a-b", "$.data.\U0001F600",
    "$.data[:]x", "$..data", "$.data[1:2,3]", "$.data[ 1 ]", "$.data.a\tb",
]
for i, text in enumerate(expressions):
    write("expression", f"err_{i:02}.expr", text)

# --- Condition expressions (strata::condition) -------------------------------------------------
conditions = [
    "a >", "> 1", "a == ", "(a == 1", "a == 1)", "a === 1", "a =< 1", "a <> 1", "and", "a and",
    "or b", "not", "not not", "a == 'x", 'a == "x', "a == 1.2.3", "a == --1", "a == 1e",
    "a & b", "a | b", "a && b", "a ! b", "(((((((((((a)))))))))", "a == b == c", "1 +", "a.b == 1",
    "a[0] == 1", "$.data == 1", "a == \u0967", "\u202ea == 1", "a == \U0001F600", "a == 1 a",
    "(" * 300 + "a" + ")" * 300, "not " * 300 + "a", "a == 'x'y'", "a\u0000 == 1", "== ==",
    "a < b < c", "()", "a == ()",
]
for i, text in enumerate(conditions):
    write("condition", f"err_{i:02}.cond", text)

# --- OpenAPI payloads (strata::openapi) --------------------------------------------------------
openapi = {
    "err_truncated.json": '{"openapi": "3.0.0", "paths": {"/a": {"get": ',
    "err_array.json": "[1, 2]",
    "err_string.yaml": "just text\n",
    "err_number.yaml": "42\n",
    "err_paths_missing.json": '{"openapi": "3.0.0", "info": {}}',
    "err_paths_array.json": '{"openapi": "3.0.0", "paths": []}',
    "err_paths_string.yaml": "openapi: 3.0.0\npaths: none\n",
    "err_paths_null.yaml": "openapi: 3.0.0\npaths:\n",
    "err_operation_string.json": '{"openapi": "3.0.0", "paths": {"/a": {"get": "x"}}}',
    "err_parameters_object.json": '{"openapi": "3.0.0", "paths": {"/a": {"get": {"operationId": "a", "parameters": {}}}}}',
    "err_ref_missing.json": '{"openapi": "3.0.0", "paths": {"/a": {"post": {"requestBody": {"$ref": "#/components/requestBodies/none"}}}}}',
    "err_ref_cycle.yaml": "openapi: 3.0.0\npaths:\n  /a:\n    get:\n      responses:\n        '200':\n          content:\n            application/json:\n              schema: {$ref: '#/components/schemas/A'}\ncomponents:\n  schemas:\n    A: {$ref: '#/components/schemas/B'}\n    B: {$ref: '#/components/schemas/A'}\n",
    "err_ref_external.json": '{"openapi": "3.0.0", "paths": {"/a": {"get": {"parameters": [{"$ref": "other.yaml#/p"}]}}}}',
    "err_ref_number.json": '{"openapi": "3.0.0", "paths": {"/a": {"get": {"parameters": [{"$ref": 5}]}}}}',
    "err_yaml_bad_indent.yaml": "openapi: 3.0.0\npaths:\n  /a:\n    get:\n   x: 1\n",
    "err_yaml_tabs.yaml": "openapi: 3.0.0\npaths:\n\t/a: {}\n",
    "err_yaml_alias_bomb.yaml": alias_bomb("openapi: 3.0.0\npaths: {}\n"),
    "err_yaml_deep_nesting.yaml": "openapi: 3.0.0\npaths: " + nest("{a: ", "}", 300) + "\n",
    "err_json_deep_nesting.json": '{"openapi": "3.0.0", "paths": ' + nest('{"a":', "}", 300) + "}",
    "err_yaml_undefined_alias.yaml": "openapi: 3.0.0\npaths: *p\n",
    "err_yaml_duplicate_key.yaml": "openapi: 3.0.0\npaths: {}\npaths: {}\n",
    "err_flow_mapping_unclosed.yaml": "{openapi: 3.0.0, paths: {\n",
    "err_trailing_comma.json": '{"openapi": "3.0.0", "paths": {},}',
    "err_merge_bad.yaml": "x: &x 1\nopenapi: 3.0.0\npaths:\n  /a:\n    <<: *x\n",
    "err_schema_array.json": '{"openapi": "3.0.0", "paths": {"/a": {"post": {"requestBody": {"content": {"application/json": {"schema": []}}}}}}}',
}
for name, text in openapi.items():
    write("openapi", name, text)

# --- Replay files (scripted provider scripts) --------------------------------------------------
replay = {
    "err_scalar.yaml": "hello\n",
    "err_number.json": "5",
    "err_replies_string.json": '{"replies": "one"}',
    "err_replies_object.yaml": "replies:\n  a: 1\n",
    "err_reply_scalar.yaml": "- just text\n",
    "err_reply_text_list.yaml": "- text: [a, b]\n",
    "err_reply_tool_use_object.yaml": "- text: hi\n  toolUse: {name: x}\n",
    "err_tool_use_name_missing.yaml": "- toolUse:\n    - input: {}\n",
    "err_tool_use_name_number.json": '[{"toolUse": [{"name": 5}]}]',
    "err_usage_strings.yaml": "- text: hi\n  usage: {inputTokens: many}\n",
    "err_usage_negative.json": '[{"text": "hi", "usage": {"inputTokens": -1}}]',
    "err_model_id_list.yaml": "- modelId: [a]\n  text: hi\n",
    "err_contains_number_list.yaml": "- contains: [1]\n  text: hi\n",
    "err_truncated.json": '[{"text": "hi"',
    "err_trailing_comma.json": '[{"text": "hi"},]',
    "err_bad_indent.yaml": "- text: hi\n   modelId: m\n",
    "err_tabs.yaml": "-\ttext: hi\n",
    "err_unclosed_quote.yaml": "- text: \"hi\n",
    "err_alias_bomb.yaml": alias_bomb("replies: []\n"),
    "err_deep_nesting.yaml": "- text: hi\n  toolUse:\n    - name: t\n      input: " + nest("[", "]", 300) + "\n",
    "err_deep_nesting.json": '[{"text": "hi", "toolUse": [{"name": "t", "input": ' + nest("[", "]", 300) + "}]}]",
    "err_undefined_alias.yaml": "replies: *r\n",
    "err_duplicate_key.yaml": "replies: []\nreplies: []\n",
    "err_replies_null_items.json": '{"replies": [null]}',
    "err_second_reply_bad.yaml": "- text: one\n- text: two\n  usage: 3\n- text: three\n",
}
for name, text in replay.items():
    write("replay", name, text)

# --- Answers files (CLI --answers) -------------------------------------------------------------
answers = {
    "err_scalar.yaml": "yes\n",
    "err_list.yaml": "- CONFIRM\n",
    "err_inputs_string.yaml": "inputs: hello\n",
    "err_inputs_object.json": '{"inputs": {"a": 1}}',
    "err_inputs_numbers.yaml": "inputs: [1, 2]\n",
    "err_inputs_nested.yaml": "inputs:\n  - [a]\n",
    "err_replies_string.yaml": "replies: CONFIRM\n",
    "err_replies_object.json": '{"replies": {"a": 1}}',
    "err_truncated.json": '{"inputs": ["a"',
    "err_trailing_comma.json": '{"inputs": ["a"],}',
    "err_bad_indent.yaml": "inputs:\n  - a\n replies: []\n",
    "err_tabs.yaml": "inputs:\n\t- a\n",
    "err_unclosed_quote.yaml": "inputs:\n  - \"a\n",
    "err_alias_bomb.yaml": alias_bomb("replies: *i\n"),
    "err_deep_nesting.yaml": "replies:\n  - " + nest("[", "]", 300) + "\n",
    "err_deep_block_nesting.yaml": "replies:\n" + "".join("  " * (i + 1) + f"- k{i}:\n" for i in range(150)) + "  " * 151 + "v\n",
    "err_undefined_alias.yaml": "replies: *r\n",
    "err_duplicate_key.yaml": "replies: []\nreplies: []\n",
    "err_inputs_null_item.json": '{"inputs": [null]}',
    "err_second_input_bad.yaml": "inputs:\n  - one\n  - {two: 2}\n",
    "err_multi_document.yaml": "inputs: [a]\n---\ninputs: [b]\n",
    "err_directive.yaml": "%YAML 9.9\n---\ninputs: [a]\n",
}
for name, text in answers.items():
    write("answers", name, text)
