//! `/v1/health`.

use oxwrite_core::services::health;

use super::handlers;
use crate::reply::Reply;

handlers! {
    fn get(cx) { Reply::ok(&health::get(&cx.app).await?) }
}
