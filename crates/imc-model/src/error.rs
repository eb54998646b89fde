//! Errors of the cost model: a parameter or a combination of parameters that the model cannot
//! cost. Each names the key and what is allowed.

/// Why an architecture cannot be built.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum ModelError {
    /// No parameter of that name.
    #[error("unknown architecture parameter `{key}`; known parameters: {known}")]
    UnknownParam {
        /// The name given.
        key: String,
        /// The parameters there are, comma-separated.
        known: String,
    },
    /// A value outside the parameter's range.
    #[error("parameter `{key}`: {value} is out of range; allowed: {allowed}")]
    OutOfRange {
        /// The parameter.
        key: String,
        /// The value given.
        value: String,
        /// The range.
        allowed: String,
    },
    /// A value of the wrong type.
    #[error("parameter `{key}`: expected {expected}, found {found}")]
    WrongType {
        /// The parameter.
        key: String,
        /// What it takes.
        expected: String,
        /// The value given.
        found: String,
    },
    /// Values that are each allowed but not together (the message says which and why).
    #[error("invalid combination: {0}")]
    Combination(String),
}
