//! A guardrail's policies as CreateGuardrail writes them, read into types. The project keeps
//! each policy as the API's JSON (so it round-trips unchanged); the engine reads it through
//! these structs, and the compiler checks the JSON against the value sets declared here. Members the engine has no use for (a topic's `type`, a regex's
//! `description`, tiers) are left out and ignored.

use crate::model::lenient::Lenient;
use serde::Deserialize;

crate::str_enum! {
    /// `GuardrailAction` of a policy entry (`action`, `inputAction`, `outputAction`).
    pub enum PolicyAction {
        Block = "BLOCK",
        Anonymize = "ANONYMIZE",
        None = "NONE",
    }
}

crate::str_enum! {
    /// `GuardrailFilterStrength` of a content filter.
    pub enum FilterStrength {
        None = "NONE",
        Low = "LOW",
        Medium = "MEDIUM",
        High = "HIGH",
    }
}

crate::str_enum! {
    /// `GuardrailTopicAction`, `GuardrailContentFilterAction` and `GuardrailWordAction`: the
    /// actions of the policies that cannot anonymize.
    pub enum BlockAction {
        Block = "BLOCK",
        None = "NONE",
    }
}

crate::str_enum! {
    /// `GuardrailTopicType`.
    pub enum TopicType {
        Deny = "DENY",
    }
}

crate::str_enum! {
    /// `GuardrailContentFilterType`.
    pub enum ContentFilterType {
        Sexual = "SEXUAL",
        Violence = "VIOLENCE",
        Hate = "HATE",
        Insults = "INSULTS",
        Misconduct = "MISCONDUCT",
        PromptAttack = "PROMPT_ATTACK",
    }
}

crate::str_enum! {
    /// `GuardrailManagedWordsType`.
    pub enum ManagedWordList {
        Profanity = "PROFANITY",
    }
}

crate::str_enum! {
    /// `GuardrailTopicsTierName` / `GuardrailContentFiltersTierName`.
    pub enum TierName {
        Classic = "CLASSIC",
        Standard = "STANDARD",
    }
}

crate::str_enum! {
    /// `GuardrailPiiEntityType`.
    pub enum PiiEntityType {
        Address = "ADDRESS",
        Age = "AGE",
        AwsAccessKey = "AWS_ACCESS_KEY",
        AwsSecretKey = "AWS_SECRET_KEY",
        CaHealthNumber = "CA_HEALTH_NUMBER",
        CaSocialInsuranceNumber = "CA_SOCIAL_INSURANCE_NUMBER",
        CreditDebitCardCvv = "CREDIT_DEBIT_CARD_CVV",
        CreditDebitCardExpiry = "CREDIT_DEBIT_CARD_EXPIRY",
        CreditDebitCardNumber = "CREDIT_DEBIT_CARD_NUMBER",
        DriverId = "DRIVER_ID",
        Email = "EMAIL",
        InternationalBankAccountNumber = "INTERNATIONAL_BANK_ACCOUNT_NUMBER",
        IpAddress = "IP_ADDRESS",
        LicensePlate = "LICENSE_PLATE",
        MacAddress = "MAC_ADDRESS",
        Name = "NAME",
        Password = "PASSWORD",
        Phone = "PHONE",
        Pin = "PIN",
        SwiftCode = "SWIFT_CODE",
        UkNationalHealthServiceNumber = "UK_NATIONAL_HEALTH_SERVICE_NUMBER",
        UkNationalInsuranceNumber = "UK_NATIONAL_INSURANCE_NUMBER",
        UkUniqueTaxpayerReferenceNumber = "UK_UNIQUE_TAXPAYER_REFERENCE_NUMBER",
        Url = "URL",
        Username = "USERNAME",
        UsBankAccountNumber = "US_BANK_ACCOUNT_NUMBER",
        UsBankRoutingNumber = "US_BANK_ROUTING_NUMBER",
        UsIndividualTaxIdentificationNumber = "US_INDIVIDUAL_TAX_IDENTIFICATION_NUMBER",
        UsPassportNumber = "US_PASSPORT_NUMBER",
        UsSocialSecurityNumber = "US_SOCIAL_SECURITY_NUMBER",
        VehicleIdentificationNumber = "VEHICLE_IDENTIFICATION_NUMBER",
    }
}

/// The actions an entry takes on each side; an entry without them blocks on both.
#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct EntryActions {
    pub action: Option<Lenient<PolicyAction>>,
    pub input_action: Option<Lenient<PolicyAction>>,
    pub output_action: Option<Lenient<PolicyAction>>,
    pub input_enabled: Option<bool>,
    pub output_enabled: Option<bool>,
}

/// `topicPolicyConfig`.
#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct TopicPolicy {
    pub topics_config: Vec<TopicConfig>,
}

/// One denied topic.
#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct TopicConfig {
    pub name: String,
    pub definition: String,
    pub examples: Vec<String>,
    #[serde(flatten)]
    pub actions: EntryActions,
}

/// `wordPolicyConfig`.
#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct WordPolicy {
    pub words_config: Vec<WordConfig>,
    pub managed_word_lists_config: Vec<ManagedWordListConfig>,
}

/// One custom word or phrase.
#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct WordConfig {
    pub text: String,
    #[serde(flatten)]
    pub actions: EntryActions,
}

/// A managed word list; `PROFANITY` is the one there is.
#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct ManagedWordListConfig {
    #[serde(rename = "type")]
    pub list_type: Lenient<ManagedWordList>,
    #[serde(flatten)]
    pub actions: EntryActions,
}

/// `sensitiveInformationPolicyConfig`.
#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct SensitiveInformationPolicy {
    pub pii_entities_config: Vec<PiiEntityConfig>,
    pub regexes_config: Vec<RegexConfig>,
}

/// One PII entity type (`EMAIL`, `US_SOCIAL_SECURITY_NUMBER`, …).
#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct PiiEntityConfig {
    #[serde(rename = "type")]
    pub entity_type: Lenient<PiiEntityType>,
    #[serde(flatten)]
    pub actions: EntryActions,
}

/// One custom regular expression.
#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct RegexConfig {
    pub name: String,
    pub pattern: String,
    #[serde(flatten)]
    pub actions: EntryActions,
}

/// `contentPolicyConfig`.
#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct ContentPolicy {
    pub filters_config: Vec<ContentFilterConfig>,
}

/// One content filter (`HATE`, `PROMPT_ATTACK`, …) with its strength per side.
#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct ContentFilterConfig {
    #[serde(rename = "type")]
    pub filter_type: Lenient<ContentFilterType>,
    pub input_strength: Option<Lenient<FilterStrength>>,
    pub output_strength: Option<Lenient<FilterStrength>>,
    #[serde(flatten)]
    pub actions: EntryActions,
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn an_entry_reads_its_actions_and_ignores_what_the_engine_does_not_use() {
        let policy: TopicPolicy = serde_json::from_value(json!({"topicsConfig": [{
            "name": "Investing", "definition": "Advice on stocks.", "type": "DENY",
            "examples": ["Should I buy shares?"], "inputAction": "BLOCK", "outputEnabled": false
        }]}))
        .expect("policy");
        let topic = &policy.topics_config[0];
        assert_eq!(topic.name, "Investing");
        assert_eq!(topic.examples, ["Should I buy shares?"]);
        assert_eq!(
            topic.actions.input_action,
            Some(Lenient::Known(PolicyAction::Block))
        );
        assert_eq!(topic.actions.output_enabled, Some(false));
        assert_eq!(topic.actions.action, None);
    }

    #[test]
    fn an_unknown_action_is_kept() {
        let policy: ContentPolicy = serde_json::from_value(json!({"filtersConfig": [{
            "type": "HATE", "inputStrength": "EXTREME", "action": "DETECT"
        }]}))
        .expect("policy");
        let filter = &policy.filters_config[0];
        assert_eq!(
            filter.input_strength,
            Some(Lenient::Unknown("EXTREME".to_owned()))
        );
        assert_eq!(
            filter.actions.action,
            Some(Lenient::Unknown("DETECT".to_owned()))
        );
    }
}
