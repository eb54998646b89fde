//! What a parameter is and how its values are checked: [`Param`], the row type of the table
//! `crate::arch::PARAMS` (declared once, with the architecture, in `arch/mod.rs`), values as
//! files write them ([`Value`]), checked values ([`Setting`]) and the `choice_enum!` macro that
//! declares a parameter of words. Nothing here knows the table: the lookups by name and the
//! settings of a design ([`crate::arch::Settings`]) sit beside it. Design spaces and `--set`
//! overrides are checked against the table once, when they are read.

use crate::error::ModelError;
use std::fmt;

/// A parameter value as written in a file.
#[derive(Debug, Clone, PartialEq)]
pub enum Value {
    /// A number (integers too).
    Num(f64),
    /// `true` or `false`.
    Bool(bool),
    /// A word.
    Str(String),
}

impl fmt::Display for Value {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Value::Num(x) => write!(f, "{x}"),
            Value::Bool(b) => write!(f, "{b}"),
            Value::Str(s) => write!(f, "\"{s}\""),
        }
    }
}

/// What values a parameter takes.
#[derive(Debug, Clone, Copy)]
pub enum Kind {
    /// An integer in `[min, max]`.
    Int {
        /// The smallest allowed.
        min: i64,
        /// The largest allowed.
        max: i64,
    },
    /// A real number in `[min, max]`.
    Real {
        /// The smallest allowed.
        min: f64,
        /// The largest allowed.
        max: f64,
    },
    /// `true` or `false`.
    Bool,
    /// One of the listed words.
    Choice(&'static [&'static str]),
}

/// One architecture parameter.
#[derive(Debug, Clone, Copy)]
pub struct Param {
    /// The name in files and on the command line.
    pub name: &'static str,
    /// What values it takes.
    pub kind: Kind,
    /// The default: the expression the architecture is built with, as written in `arch.rs`
    /// (it may use parameters of groups declared before it, e.g. `cell.device`).
    pub default: &'static str,
    /// What it is, with its unit and source: the field's doc comment, one line per line.
    pub doc: &'static str,
}

/// An integer parameter in `[min, max]`.
pub const fn int(min: i64, max: i64) -> Kind {
    Kind::Int { min, max }
}

/// A real parameter in `[min, max]`.
pub const fn real(min: f64, max: f64) -> Kind {
    Kind::Real { min, max }
}

/// A checked parameter value in the form the architecture is built from: a number, a flag, or
/// the index of a word in the parameter's list of choices. Copying one costs no allocation.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Setting {
    /// A number (integers too).
    Num(f64),
    /// A flag.
    Bool(bool),
    /// The index of a word in [`Kind::Choice`].
    Choice(usize),
}

/// A Rust type an architecture field has, converted from and to the table's values.
pub trait ParamType: Copy {
    /// The field's value of a checked setting (an integer field takes `x as T`, as a cast
    /// always did; a setting of another shape cannot pass [`Param::check`]).
    fn from_setting(s: Setting) -> Self;
    /// The value as written in files.
    fn to_value(self) -> Value;
}

macro_rules! numeric_param_types {
    ($($t:ty),*) => {$(
        impl ParamType for $t {
            fn from_setting(s: Setting) -> Self {
                match s {
                    Setting::Num(x) => x as $t,
                    Setting::Bool(b) => b as u8 as $t,
                    Setting::Choice(i) => i as $t,
                }
            }
            fn to_value(self) -> Value {
                Value::Num(self as f64)
            }
        }
    )*};
}
numeric_param_types!(u32, u64, f64);

impl ParamType for bool {
    fn from_setting(s: Setting) -> Self {
        match s {
            Setting::Bool(b) => b,
            Setting::Num(x) => x != 0.0,
            Setting::Choice(i) => i != 0,
        }
    }
    fn to_value(self) -> Value {
        Value::Bool(self)
    }
}

/// An enum whose values are the words of a [`Kind::Choice`] parameter.
macro_rules! choice_enum {
    (
        $(#[doc = $doc:literal])*
        $Enum:ident { $($(#[doc = $vdoc:literal])* $Variant:ident = $word:literal,)+ }
    ) => {
        $(#[doc = $doc])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq)]
        pub enum $Enum {
            $($(#[doc = $vdoc])* $Variant,)+
        }

        impl $Enum {
            /// Every value, in the order of [`Self::WORDS`].
            pub const ALL: &'static [$Enum] = &[$($Enum::$Variant),+];
            /// The words files use, in the order of [`Self::ALL`].
            pub const WORDS: &'static [&'static str] = &[$($word),+];
            /// The word files use for this value.
            pub fn word(self) -> &'static str {
                Self::WORDS[self as usize]
            }
        }

        impl $crate::param::ParamType for $Enum {
            fn from_setting(s: $crate::param::Setting) -> Self {
                let i = match s {
                    $crate::param::Setting::Choice(i) => i,
                    _ => 0,
                };
                Self::ALL.get(i).copied().unwrap_or(Self::ALL[0])
            }
            fn to_value(self) -> $crate::param::Value {
                $crate::param::Value::Str(self.word().to_string())
            }
        }
    };
}
pub(crate) use choice_enum;

impl Param {
    /// Checks a value's type and range.
    pub fn check(&self, v: &Value) -> Result<(), ModelError> {
        let wrong = |expected: &str| ModelError::WrongType {
            key: self.name.into(),
            expected: expected.into(),
            found: v.to_string(),
        };
        let range = |allowed: String| ModelError::OutOfRange {
            key: self.name.into(),
            value: v.to_string(),
            allowed,
        };
        match (self.kind, v) {
            (Kind::Int { min, max }, Value::Num(x)) => {
                if x.fract() != 0.0 {
                    return Err(wrong("an integer"));
                }
                if *x < min as f64 || *x > max as f64 {
                    return Err(range(format!("integers {min}..={max}")));
                }
                Ok(())
            }
            (Kind::Real { min, max }, Value::Num(x)) => {
                if !x.is_finite() || *x < min || *x > max {
                    return Err(range(format!("{min} to {max}")));
                }
                Ok(())
            }
            (Kind::Bool, Value::Bool(_)) => Ok(()),
            (Kind::Choice(words), Value::Str(s)) => {
                if words.contains(&s.as_str()) {
                    Ok(())
                } else {
                    Err(range(words.join(" | ")))
                }
            }
            (Kind::Int { .. }, _) => Err(wrong("an integer")),
            (Kind::Real { .. }, _) => Err(wrong("a number")),
            (Kind::Bool, _) => Err(wrong("true or false")),
            (Kind::Choice(words), _) => Err(wrong(&format!("one of {}", words.join(" | ")))),
        }
    }

    /// What is allowed, for messages and `imcdse space`.
    pub fn allowed(&self) -> String {
        match self.kind {
            Kind::Int { min, max } => format!("integer {min}..={max}"),
            Kind::Real { min, max } => format!("{min} to {max}"),
            Kind::Bool => "true | false".into(),
            Kind::Choice(w) => w.join(" | "),
        }
    }
}
