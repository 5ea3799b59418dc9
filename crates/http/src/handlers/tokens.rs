//! `/v1/tokens/*`: resource tokens for files (keys).

use oxwrite_core::services::tokens;

use super::handlers;
use crate::reply::Reply;

handlers! {
    fn list(cx) {
        let (bucket, file) = (cx.params.str("bucketId")?, cx.params.str("fileId")?);
        Reply::ok(&tokens::list(&cx.app, &cx.caller, &bucket, &file, cx.params.list()?).await?)
    }

    fn create_file_token(cx) {
        let (bucket, file) = (cx.params.str("bucketId")?, cx.params.str("fileId")?);
        let expire = cx.params.opt_str("expire")?;
        Reply::created(&tokens::create_file_token(&cx.app, &cx.caller, &bucket, &file, expire.as_deref()).await?)
    }

    fn get(cx) { Reply::ok(&tokens::get(&cx.app, &cx.caller, &cx.params.str("tokenId")?).await?) }

    fn update(cx) {
        let (id, expire) = (cx.params.str("tokenId")?, cx.params.opt_str("expire")?);
        Reply::ok(&tokens::update(&cx.app, &cx.caller, &id, expire.as_deref()).await?)
    }

    fn delete(cx) {
        tokens::delete(&cx.app, &cx.caller, &cx.params.str("tokenId")?).await?;
        Reply::no_content()
    }
}
