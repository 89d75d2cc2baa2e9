//! How agent checks report: enum values outside their set, and the shared field checks filed
//! under the agent's code.

use crate::diagnostic::{Code, Diagnostics, Location};
use crate::model::lenient::{Lenient, StrEnum};
use crate::model::names::{check_range, Field};

/// `UnknownEnumValue` for a field of a fixed set holding a value outside it.
pub(super) fn choice<T: StrEnum>(
    out: &mut Diagnostics,
    at: &Location,
    name: &str,
    value: &Lenient<T>,
) {
    let Lenient::Unknown(value) = value else {
        return;
    };
    let allowed = Lenient::<T>::expected();
    out.report(
        Code::UnknownEnumValue,
        at.field(name),
        format!("{name} is {value:?}, not one of {allowed}"),
    )
    .set_hint(format!(
        "Use one of {allowed} (they are case-sensitive); an unknown value is kept but Bedrock may reject it."
    ));
}

/// An error for a confirmation setting other than `ENABLED` or `DISABLED`: a warning would let
/// a typo run a state-changing action unconfirmed, so the runtime asks instead, and the export
/// would fail in Bedrock.
pub(super) fn confirmation_value(out: &mut Diagnostics, at: &Location, name: &str, value: &str) {
    if matches!(value, "ENABLED" | "DISABLED") {
        return;
    }
    out.report(
        Code::AgentInvalidField,
        at.field(name),
        format!("{name} is {value:?}, not ENABLED or DISABLED"),
    )
    .set_hint(
        "Write ENABLED (the user approves each call) or DISABLED (case-sensitive); until then \
         Strata asks before running the action, as with ENABLED.",
    );
}

/// `UnknownEnumValue` for a lenient enum holding a value Strata does not know.
pub(super) fn unknown_value<T: StrEnum>(
    out: &mut Diagnostics,
    at: &Location,
    name: &str,
    value: &Lenient<T>,
) {
    out.report(
        Code::UnknownEnumValue,
        at.field(name),
        format!("{name} is {:?}, which Strata does not know", value.as_str()),
    )
    .set_hint(format!(
        "Use one of {}; an unknown value is kept as it is, but Bedrock may reject it.",
        Lenient::<T>::expected()
    ));
}

/// Runs a shared field check and files what it finds under the agent's code: the same limits
/// as everywhere, reported as `AgentInvalidField`.
pub(super) fn as_agent_field(out: &mut Diagnostics, check: impl FnOnce(&mut Diagnostics)) {
    let mut found = Diagnostics::default();
    check(&mut found);
    for mut d in found.into_vec() {
        if d.code == Code::InvalidFieldValue {
            d.code = Code::AgentInvalidField;
            d.severity = Code::AgentInvalidField.severity();
        }
        out.push(d);
    }
}

/// A string field's length and pattern, as `AgentInvalidField`.
pub(super) fn field(out: &mut Diagnostics, at: &Location, f: Field<'_>, value: &str) {
    as_agent_field(out, |o| f.check(o, at, value));
}

/// A number's range, as `AgentInvalidField`.
pub(super) fn range<T: PartialOrd + std::fmt::Display + Copy>(
    out: &mut Diagnostics,
    at: &Location,
    name: &str,
    value: T,
    min: T,
    max: T,
) {
    as_agent_field(out, |o| check_range(o, at, name, value, min, max));
}
