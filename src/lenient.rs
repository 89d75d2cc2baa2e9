//! Enumerations read leniently: a value Strata does not know is kept, not rejected.
//!
//! Bedrock adds enum values over time and real definitions carry values from newer
//! API versions. A document that holds one must still load, keep the value on save,
//! and let the compiler report it as a warning with its location.

use serde::{Deserialize, Deserializer, Serialize, Serializer};
use std::fmt;

/// An enum whose values are fixed strings.
pub trait StrEnum: Sized + Copy + 'static {
    /// Every value, in the order the API model lists them.
    const VALUES: &'static [Self];
    fn as_str(self) -> &'static str;
    fn parse(s: &str) -> Option<Self> {
        Self::VALUES.iter().copied().find(|v| v.as_str() == s)
    }
}

/// A known value of `T`, or the string found in the document.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum Lenient<T> {
    Known(T),
    Unknown(String),
}

impl<T: StrEnum> Lenient<T> {
    pub fn known(self_: &Self) -> Option<T> {
        match self_ {
            Lenient::Known(t) => Some(*t),
            Lenient::Unknown(_) => None,
        }
    }

    pub fn get(&self) -> Option<T> {
        Lenient::known(self)
    }

    pub fn as_str(&self) -> &str {
        match self {
            Lenient::Known(t) => t.as_str(),
            Lenient::Unknown(s) => s,
        }
    }

    pub fn from_str_lenient(s: &str) -> Self {
        match T::parse(s) {
            Some(t) => Lenient::Known(t),
            None => Lenient::Unknown(s.to_owned()),
        }
    }

    /// The allowed values, for messages.
    pub fn expected() -> String {
        T::VALUES
            .iter()
            .map(|v| v.as_str())
            .collect::<Vec<_>>()
            .join(", ")
    }
}

/// No value yet: the empty string, as a `String` member would default to.
impl<T> Default for Lenient<T> {
    fn default() -> Self {
        Lenient::Unknown(String::new())
    }
}

impl<T> From<T> for Lenient<T> {
    fn from(t: T) -> Self {
        Lenient::Known(t)
    }
}

/// A value as a document would hold it, e.g. in tests and fixtures.
impl<T: StrEnum> From<&str> for Lenient<T> {
    fn from(s: &str) -> Self {
        Lenient::from_str_lenient(s)
    }
}

impl<T: StrEnum> fmt::Display for Lenient<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl<T: StrEnum> Serialize for Lenient<T> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(self.as_str())
    }
}

impl<'de, T: StrEnum> Deserialize<'de> for Lenient<T> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = String::deserialize(d)?;
        Ok(Lenient::from_str_lenient(&s))
    }
}

/// Declares a fieldless enum with fixed string values, `StrEnum`, `Display` and serde as a string.
///
/// `VALUES` lists the variants in the order they are declared, unless the declaration ends
/// with `values = EXPR;` (a `&'static [Self]`), as when the declaration order serves another
/// purpose.
#[macro_export]
macro_rules! str_enum {
    ($(#[$meta:meta])* $vis:vis enum $name:ident { $($(#[$vmeta:meta])* $variant:ident = $text:expr),+ $(,)? }) => {
        $crate::str_enum! {
            $(#[$meta])* $vis enum $name { $($(#[$vmeta])* $variant = $text),+ }
            values = &[$($name::$variant),+];
        }
    };
    ($(#[$meta:meta])* $vis:vis enum $name:ident { $($(#[$vmeta:meta])* $variant:ident = $text:expr),+ $(,)? } values = $values:expr;) => {
        $(#[$meta])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
        $vis enum $name { $($(#[$vmeta])* $variant),+ }

        impl $crate::lenient::StrEnum for $name {
            const VALUES: &'static [Self] = $values;
            fn as_str(self) -> &'static str {
                match self { $($name::$variant => $text),+ }
            }
        }

        impl ::std::fmt::Display for $name {
            fn fmt(&self, f: &mut ::std::fmt::Formatter<'_>) -> ::std::fmt::Result {
                f.write_str($crate::lenient::StrEnum::as_str(*self))
            }
        }

        impl ::serde::Serialize for $name {
            fn serialize<S: ::serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
                s.serialize_str($crate::lenient::StrEnum::as_str(*self))
            }
        }

        impl<'de> ::serde::Deserialize<'de> for $name {
            fn deserialize<D: ::serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
                let s = String::deserialize(d)?;
                <$name as $crate::lenient::StrEnum>::parse(&s).ok_or_else(|| {
                    let expected: Vec<&str> = <$name as $crate::lenient::StrEnum>::VALUES
                        .iter()
                        .map(|v| $crate::lenient::StrEnum::as_str(*v))
                        .collect();
                    ::serde::de::Error::custom(format!(
                        "unknown value {s:?}, expected one of: {}",
                        expected.join(", ")
                    ))
                })
            }
        }
    };
}
