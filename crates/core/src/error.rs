//! The one error type of core: an Appwrite error type plus an optional message that replaces
//! the table's default. The HTTP layer maps it to `{message, code, type, version}`; nothing
//! here knows about HTTP.

use oxwrite_types::ErrorType;

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{kind}: {}", self.message())]
pub struct Error {
    pub kind: ErrorType,
    pub custom: Option<String>,
}

impl Error {
    pub fn new(kind: ErrorType) -> Self {
        Self { kind, custom: None }
    }

    pub fn msg(kind: ErrorType, message: impl Into<String>) -> Self {
        Self { kind, custom: Some(message.into()) }
    }

    /// The error with its message template filled with `value` (an id or key).
    pub fn with(kind: ErrorType, value: &str) -> Self {
        Self::msg(kind, kind.message_with(value))
    }

    /// `400 general_argument_invalid` for parameter `name`, worded like Appwrite's validator.
    pub fn invalid_param(name: &str, why: &str) -> Self {
        Self::msg(ErrorType::GeneralArgumentInvalid, format!("Invalid `{name}` param: {why}"))
    }

    /// `400 general_argument_invalid` for a required parameter that is missing.
    pub fn missing_param(name: &str) -> Self {
        Self::msg(ErrorType::GeneralArgumentInvalid, format!("Param \"{name}\" is not optional."))
    }

    pub fn message(&self) -> &str {
        self.custom.as_deref().unwrap_or_else(|| self.kind.default_message())
    }

    /// A store or infrastructure failure. Logged by the caller's layer; the client sees a
    /// generic 500 without internals.
    pub fn internal(what: impl std::fmt::Display) -> Self {
        tracing::error!(error = %what, "internal error");
        Self::new(ErrorType::GeneralServerError)
    }
}

impl From<ErrorType> for Error {
    fn from(kind: ErrorType) -> Self {
        Self::new(kind)
    }
}

pub type Result<T, E = Error> = std::result::Result<T, E>;
