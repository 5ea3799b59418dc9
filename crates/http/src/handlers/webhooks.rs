//! `/v1/webhooks/*` (keys with the webhooks scopes).

use oxwrite_core::Error;
use oxwrite_core::services::webhooks::{self, WebhookInput};

use super::handlers;
use crate::params::Params;
use crate::reply::Reply;

fn input(p: &Params) -> Result<WebhookInput, Error> {
    Ok(WebhookInput {
        name: p.str("name")?,
        url: p.str("url")?,
        events: p.strings("events")?,
        enabled: p.opt_bool("enabled")?,
        tls: p.opt_bool("tls")?,
        auth_username: p.opt_str("authUsername")?,
        auth_password: p.opt_str("authPassword")?,
    })
}

handlers! {
    fn list(cx) { Reply::ok(&webhooks::list(&cx.app, &cx.caller, cx.params.list()?).await?) }

    fn create(cx) {
        let (id, secret) = (cx.params.str("webhookId")?, cx.params.opt_str("secret")?);
        Reply::created(&webhooks::create(&cx.app, &cx.caller, &id, input(&cx.params)?, secret).await?)
    }

    fn get(cx) { Reply::ok(&webhooks::get(&cx.app, &cx.caller, &cx.params.str("webhookId")?).await?) }

    fn update(cx) {
        let id = cx.params.str("webhookId")?;
        Reply::ok(&webhooks::update(&cx.app, &cx.caller, &id, input(&cx.params)?).await?)
    }

    fn update_secret(cx) {
        let (id, secret) = (cx.params.str("webhookId")?, cx.params.opt_str("secret")?);
        Reply::ok(&webhooks::update_secret(&cx.app, &cx.caller, &id, secret).await?)
    }

    fn delete(cx) {
        webhooks::delete(&cx.app, &cx.caller, &cx.params.str("webhookId")?).await?;
        Reply::no_content()
    }
}
