//! `FlowNodeIODataType`: the five value types a flow node input or output may declare.

use crate::model::lenient::StrEnum;

crate::str_enum! {
    /// The declared type of a node input or output (Bedrock's `FlowNodeIODataType`).
    pub enum DataType {
        String = "String",
        Number = "Number",
        Boolean = "Boolean",
        Object = "Object",
        Array = "Array",
    }
}

impl DataType {
    pub const ALL: [DataType; 5] = [
        DataType::String,
        DataType::Number,
        DataType::Boolean,
        DataType::Object,
        DataType::Array,
    ];

    pub fn as_str(self) -> &'static str {
        StrEnum::as_str(self)
    }

    pub fn parse(s: &str) -> Option<DataType> {
        <DataType as StrEnum>::parse(s)
    }

    /// The type of a JSON value, as a flow would see it. `null` has none.
    pub fn of_value(value: &serde_json::Value) -> Option<DataType> {
        use serde_json::Value;
        match value {
            Value::Null => None,
            Value::Bool(_) => Some(DataType::Boolean),
            Value::Number(_) => Some(DataType::Number),
            Value::String(_) => Some(DataType::String),
            Value::Array(_) => Some(DataType::Array),
            Value::Object(_) => Some(DataType::Object),
        }
    }

    /// Whether a value of this type can be navigated by an input expression beyond `$.data`.
    pub fn is_structured(self) -> bool {
        matches!(self, DataType::Object | DataType::Array)
    }
}
