//! Bedrock's name, ARN and field patterns, from the API model, and the checks that use them.
//!
//! The API model writes patterns unanchored; CloudFormation's copies anchor them. Bedrock
//! treats them as full matches, so every pattern here is anchored.

use crate::diagnostic::{Code, Diagnostics, Location};
use regex::Regex;
use std::sync::OnceLock;

/// A pattern of the API model.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Pattern {
    /// `FlowNodeName`, `FlowNodeInputName`, `FlowNodeOutputName`, `FlowConditionName`.
    NodeName,
    /// `FlowConnectionName`.
    ConnectionName,
    /// `FlowName`, `Name` (agent, action group, function, alias names).
    ResourceName,
    /// `PromptInputVariableName`.
    VariableName,
    /// `ToolName` in a chat prompt's tool configuration.
    ToolName,
    LambdaArn,
    AgentAliasArn,
    LexBotAliasArn,
    BucketName,
    FlowKnowledgeBaseId,
    KnowledgeBaseId,
    PromptArn,
    ModelId,
    GuardrailIdentifier,
    GuardrailVersion,
    RoleArn,
    RerankingModelArn,
}

impl Pattern {
    const COUNT: usize = 17;

    fn source(self) -> &'static str {
        match self {
            Pattern::NodeName => r"[a-zA-Z]([_]?[0-9a-zA-Z]){1,50}",
            Pattern::ConnectionName => r"[a-zA-Z]([_]?[0-9a-zA-Z]){1,100}",
            Pattern::ResourceName => r"([0-9a-zA-Z][_-]?){1,100}",
            Pattern::VariableName => r"([0-9a-zA-Z][_-]?){1,100}",
            Pattern::ToolName => r"[a-zA-Z][a-zA-Z0-9_]{0,63}",
            Pattern::LambdaArn => {
                r"arn:aws(-cn|-us-gov|-eusc|-iso(-[b-f])?)?:lambda:([a-z]{2,}-){2,}\d:\d{12}:function:[a-zA-Z0-9-_\.]+(:(\$LATEST|[a-zA-Z0-9-_]+))?"
            }
            Pattern::AgentAliasArn => {
                r"arn:aws:bedrock:[a-z0-9-]{1,20}:[0-9]{12}:agent-alias/[0-9a-zA-Z]{10}/[0-9a-zA-Z]{10}"
            }
            Pattern::LexBotAliasArn => {
                r"arn:aws(-cn|-us-gov|-eusc|-iso(-[b-f])?)?:lex:([a-z]{2,}-){2,}\d:\d{12}:bot-alias/[0-9a-zA-Z]+/[0-9a-zA-Z]+"
            }
            Pattern::BucketName => r"[a-z0-9][\.\-a-z0-9]{1,61}[a-z0-9]",
            Pattern::FlowKnowledgeBaseId => r"[0-9a-zA-Z]+",
            Pattern::KnowledgeBaseId => r"[0-9a-zA-Z]{10}",
            Pattern::PromptArn => {
                r"arn:aws(-cn|-us-gov|-eusc|-iso(-[b-f])?)?:bedrock:[a-z0-9-]{1,20}:[0-9]{12}:prompt/[0-9a-zA-Z]{10}(?::[0-9]{1,5})?"
            }
            Pattern::ModelId => {
                r"(arn:aws(-[^:]{1,12})?:(bedrock|sagemaker):[a-z0-9-]{1,20}:([0-9]{12})?:([a-z-]+/)?)?([a-zA-Z0-9.-]{1,63}){0,2}(([:][a-z0-9-]{1,63}){0,2})?(/[a-z0-9]{1,12})?"
            }
            Pattern::GuardrailIdentifier => {
                r"(([a-z0-9]+)|(arn:aws(-[^:]+)?:bedrock:[a-z0-9-]{1,20}:[0-9]{12}:guardrail/[a-z0-9]+))"
            }
            Pattern::GuardrailVersion => r"(([0-9]{1,8})|(DRAFT))",
            Pattern::RoleArn => r"arn:aws(-[^:]+)?:iam::([0-9]{12})?:role/.+",
            Pattern::RerankingModelArn => {
                r"(arn:aws(-[^:]+)?:bedrock:[a-z0-9-]{1,20}::foundation-model/(.*))?"
            }
        }
    }

    fn index(self) -> usize {
        self as usize
    }

    /// Whether `s` matches the whole pattern.
    pub fn matches(self, s: &str) -> bool {
        if self == Pattern::BucketName && !is_s3_bucket_name(s) {
            return false;
        }
        static CACHE: [OnceLock<Regex>; Pattern::COUNT] =
            [const { OnceLock::new() }; Pattern::COUNT];
        let re = CACHE[self.index()].get_or_init(|| {
            Regex::new(&format!("^(?:{})$", self.source())).expect("patterns are tested")
        });
        re.is_match(s)
    }

    /// What a name of this pattern looks like, for messages.
    pub fn describe(self) -> &'static str {
        match self {
            Pattern::NodeName => {
                "2 to 101 letters and digits starting with a letter, with single underscores between them (no '-', no '__', no trailing '_')"
            }
            Pattern::ConnectionName => {
                "2 to 201 letters and digits starting with a letter, with single underscores between them"
            }
            Pattern::ResourceName | Pattern::VariableName => {
                "1 to 100 letters and digits, each optionally followed by one '_' or '-'"
            }
            Pattern::ToolName => "a letter, then letters, digits or '_' (at most 64)",
            Pattern::LambdaArn => {
                "a Lambda function ARN such as arn:aws:lambda:us-east-1:123456789012:function:my-fn"
            }
            Pattern::AgentAliasArn => {
                "an agent alias ARN such as arn:aws:bedrock:us-east-1:123456789012:agent-alias/AGENT12345/ALIAS12345"
            }
            Pattern::LexBotAliasArn => {
                "a Lex bot alias ARN such as arn:aws:lex:us-east-1:123456789012:bot-alias/BOTID/ALIASID"
            }
            Pattern::BucketName => {
                "an S3 bucket name: 3 to 63 lowercase letters, digits, '.' or '-', starting and ending with a letter or digit, without '..', not an IP address, not starting with 'xn--', 'sthree-' or 'amzn-s3-demo-' and not ending with '-s3alias', '--ol-s3', '.mrap', '--x-s3' or '--table-s3'"
            }
            Pattern::FlowKnowledgeBaseId => "letters and digits, at most 10",
            Pattern::KnowledgeBaseId => "exactly 10 letters and digits",
            Pattern::PromptArn => {
                "a prompt ARN such as arn:aws:bedrock:us-east-1:123456789012:prompt/PROMPT1234"
            }
            Pattern::ModelId => "a model id, inference profile id or model ARN",
            Pattern::GuardrailIdentifier => "a guardrail id (lowercase letters and digits) or guardrail ARN",
            Pattern::GuardrailVersion => "a version number or DRAFT",
            Pattern::RoleArn => "an IAM role ARN such as arn:aws:iam::123456789012:role/MyRole",
            Pattern::RerankingModelArn => "a foundation-model ARN",
        }
    }
}

/// S3's bucket naming rules beyond what [`Pattern::BucketName`]'s regex says (the regex crate
/// has no look-around): no two adjacent periods, not an IPv4 address, and none of the prefixes
/// and suffixes S3 reserves. A name S3 refuses would fail at deployment, and `a..b` would not be
/// a plain folder name in local runs either.
fn is_s3_bucket_name(s: &str) -> bool {
    const RESERVED_PREFIXES: [&str; 3] = ["xn--", "sthree-", "amzn-s3-demo-"];
    const RESERVED_SUFFIXES: [&str; 5] = ["-s3alias", "--ol-s3", ".mrap", "--x-s3", "--table-s3"];
    let ip_address = s.split('.').count() == 4
        && s.split('.')
            .all(|part| !part.is_empty() && part.bytes().all(|b| b.is_ascii_digit()));
    !s.contains("..")
        && !ip_address
        && !RESERVED_PREFIXES.iter().any(|p| s.starts_with(p))
        && !RESERVED_SUFFIXES.iter().any(|p| s.ends_with(p))
}

/// Checks a name against a pattern; reports `InvalidName`.
pub fn check_name(out: &mut Diagnostics, at: Location, what: &str, name: &str, pattern: Pattern) {
    if !pattern.matches(name) {
        out.report(
            Code::InvalidName,
            at,
            format!("{what} {name:?} does not match Bedrock's name pattern"),
        )
        .set_hint(format!("Use {}.", pattern.describe()));
    }
}

/// A string field's limits.
#[derive(Debug, Clone, Copy)]
pub struct Field<'a> {
    pub name: &'a str,
    pub min: usize,
    pub max: usize,
    pub pattern: Option<Pattern>,
    /// The API accepts "" for this field so that a draft saves, but PrepareFlow then fails.
    pub empty_is_draft: bool,
}

impl<'a> Field<'a> {
    pub const fn new(name: &'a str, min: usize, max: usize) -> Field<'a> {
        Field {
            name,
            min,
            max,
            pattern: None,
            empty_is_draft: false,
        }
    }

    pub const fn pattern(mut self, p: Pattern) -> Field<'a> {
        self.pattern = Some(p);
        self
    }

    pub const fn draft_empty(mut self) -> Field<'a> {
        self.empty_is_draft = true;
        self
    }

    /// Reports `InvalidFieldValue` when `value` is out of length or pattern.
    pub fn check(&self, out: &mut Diagnostics, at: &Location, value: &str) {
        let len = value.chars().count();
        if value.is_empty() && self.empty_is_draft {
            out.report(
                Code::InvalidFieldValue,
                at.field(self.name),
                format!("{} is empty", self.name),
            )
            .set_hint(
                "Bedrock saves a draft with it empty, but preparing the flow fails: fill it in.",
            );
            return;
        }
        if len < self.min || len > self.max {
            out.report(
                Code::InvalidFieldValue,
                at.field(self.name),
                format!(
                    "{} is {len} characters long; Bedrock takes {}..{}",
                    self.name, self.min, self.max
                ),
            )
            .set_hint(format!("Shorten or fill in {}.", self.name));
            return;
        }
        if let Some(p) = self.pattern {
            if !value.is_empty() && !p.matches(value) {
                out.report(
                    Code::InvalidFieldValue,
                    at.field(self.name),
                    format!("{} {value:?} is not {}", self.name, p.describe()),
                )
                .set_hint(if is_export_placeholder(value) {
                    format!(
                        "{value} is a placeholder `strata export` left for what exists only once deployed; replace it with {} before sending, or deploy the project with `strata deploy`.",
                        p.describe()
                    )
                } else {
                    format!("Bedrock requires {}.", p.describe())
                });
            }
        }
    }
}

/// A `${Name}` placeholder, as the Bedrock JSON export writes for what it cannot know.
fn is_export_placeholder(value: &str) -> bool {
    value
        .strip_prefix("${")
        .and_then(|v| v.strip_suffix('}'))
        .is_some_and(|name| !name.is_empty() && name.chars().all(|c| c.is_ascii_alphanumeric()))
}

/// Reports `InvalidFieldValue` when a number is out of range.
pub fn check_range<T: PartialOrd + std::fmt::Display + Copy>(
    out: &mut Diagnostics,
    at: &Location,
    field: &str,
    value: T,
    min: T,
    max: T,
) {
    if value < min || value > max {
        out.report(
            Code::InvalidFieldValue,
            at.field(field),
            format!("{field} is {value}; Bedrock takes {min}..{max}"),
        )
        .set_hint(format!("Set {field} between {min} and {max}."));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn export_placeholders_are_told_apart_from_other_bad_values() {
        assert!(is_export_placeholder("${BillingAgentAliasArn}"));
        for not in ["${}", "${a b}", "$BillingAgentAliasArn", "${Open", "x${A}"] {
            assert!(!is_export_placeholder(not), "{not}");
        }
    }

    fn check(p: Pattern, good: &[&str], bad: &[&str]) {
        for g in good {
            assert!(p.matches(g), "{p:?} should accept {g:?}");
        }
        for b in bad {
            assert!(!p.matches(b), "{p:?} should reject {b:?}");
        }
    }

    #[test]
    fn node_names_follow_bedrock() {
        check(
            Pattern::NodeName,
            &["FlowInputNode", "Prompt_1", "ab", "a1_b2"],
            &["A", "1abc", "a__b", "ab_", "my-node", "", "naïve"],
        );
    }

    #[test]
    fn arns() {
        check(
            Pattern::LambdaArn,
            &[
                "arn:aws:lambda:us-east-1:123456789012:function:enrich",
                "arn:aws:lambda:eu-west-2:123456789012:function:enrich:$LATEST",
            ],
            &["arn:aws:lambda:us-east-1:123:function:x", "enrich"],
        );
        check(
            Pattern::AgentAliasArn,
            &["arn:aws:bedrock:us-east-1:123456789012:agent-alias/ABCDEFGHIJ/KLMNOPQRST"],
            &["arn:aws:bedrock:us-east-1:123456789012:agent-alias/ABC/KLM"],
        );
        check(
            Pattern::ModelId,
            &[
                "anthropic.claude-3-haiku-20240307-v1:0",
                "us.anthropic.claude-3-5-sonnet-20241022-v2:0",
                "arn:aws:bedrock:us-east-1::foundation-model/amazon.titan-text-express-v1",
            ],
            &["has space"],
        );
        check(
            Pattern::BucketName,
            &[
                "my-bucket.logs",
                "abc",
                "a.b-c",
                "192.168.5.4x",
                "s3alias",
                "xn-a",
            ],
            &[
                "My_Bucket",
                "ab",
                "a..b",
                "-ab",
                "ab-",
                ".ab",
                "192.168.5.4",
                "xn--abc",
                "sthree-abc",
                "amzn-s3-demo-abc",
                "abc-s3alias",
                "abc--ol-s3",
                "abc.mrap",
                "abc--x-s3",
                "abc--table-s3",
                &"a".repeat(64),
                "a/b",
                "a\\b",
            ],
        );
    }

    #[test]
    fn every_pattern_compiles() {
        for i in 0..Pattern::COUNT {
            let p: Pattern = match i {
                0 => Pattern::NodeName,
                1 => Pattern::ConnectionName,
                2 => Pattern::ResourceName,
                3 => Pattern::VariableName,
                4 => Pattern::ToolName,
                5 => Pattern::LambdaArn,
                6 => Pattern::AgentAliasArn,
                7 => Pattern::LexBotAliasArn,
                8 => Pattern::BucketName,
                9 => Pattern::FlowKnowledgeBaseId,
                10 => Pattern::KnowledgeBaseId,
                11 => Pattern::PromptArn,
                12 => Pattern::ModelId,
                13 => Pattern::GuardrailIdentifier,
                14 => Pattern::GuardrailVersion,
                15 => Pattern::RoleArn,
                _ => Pattern::RerankingModelArn,
            };
            assert_eq!(p.index(), i);
            let _ = p.matches("x");
        }
    }
}
