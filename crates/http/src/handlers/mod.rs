//! Handlers, one module per service, one function per operation (named after the spec's
//! operation). Each extracts its parameters, calls one core function and wraps the result.

pub mod account;
pub mod functions;
pub mod health;
pub mod project;
pub mod storage;
pub mod tablesdb;
pub mod teams;
pub mod tokens;
pub mod users;
pub mod webhooks;

/// Declares handlers as `fn(Ctx) -> HandlerFuture` from plain async bodies.
macro_rules! handlers {
    ($(fn $name:ident($cx:ident) $body:block)*) => {
        $(
            pub fn $name($cx: $crate::params::Ctx) -> $crate::routes::HandlerFuture {
                Box::pin(async move $body)
            }
        )*
    };
}
pub(crate) use handlers;
