//! Errors of the cost model: a parameter or a combination of parameters that the model cannot
//! cost. Each names the key and what is allowed.

#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum ModelError {
    #[error("unknown architecture parameter `{key}`; known parameters: {known}")]
    UnknownParam { key: String, known: String },
    #[error("parameter `{key}`: {value} is out of range; allowed: {allowed}")]
    OutOfRange {
        key: String,
        value: String,
        allowed: String,
    },
    #[error("parameter `{key}`: expected {expected}, found {found}")]
    WrongType {
        key: String,
        expected: String,
        found: String,
    },
    #[error("invalid combination: {0}")]
    Combination(String),
}
