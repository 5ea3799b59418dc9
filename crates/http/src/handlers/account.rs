//! `/v1/account/*`.

use oxwrite_core::services::account::{self, Create};
use oxwrite_core::services::sessions::Issued;
use oxwrite_core::{Error, services};

use super::handlers;
use crate::params::Ctx;
use crate::reply::{Reply, clear_session_cookies, with_session_cookies};

fn session_reply(cx: &Ctx, issued: Issued) -> Result<Reply, Error> {
    let reply = Reply::created(&issued.session)?;
    Ok(with_session_cookies(reply, &cx.caller.project.id, &issued, &cx.client))
}

handlers! {
    fn get(cx) { Reply::ok(&account::get(&cx.caller).await?) }

    fn create(cx) {
        let p = &cx.params;
        let input = Create { user_id: p.str("userId")?, email: p.str("email")?, password: p.str("password")?, name: p.opt_str("name")? };
        Reply::created(&account::create(&cx.app, &cx.caller, input, &cx.meta).await?)
    }

    fn update_name(cx) { Reply::ok(&account::update_name(&cx.app, &cx.caller, cx.params.str("name")?).await?) }

    fn update_email(cx) {
        let (email, password) = (cx.params.str("email")?, cx.params.str("password")?);
        Reply::ok(&account::update_email(&cx.app, &cx.caller, email, password).await?)
    }

    fn update_phone(cx) {
        let (phone, password) = (cx.params.str("phone")?, cx.params.str("password")?);
        Reply::ok(&account::update_phone(&cx.app, &cx.caller, phone, password).await?)
    }

    fn update_password(cx) {
        let (password, old) = (cx.params.str("password")?, cx.params.opt_str("oldPassword")?);
        Reply::ok(&account::update_password(&cx.app, &cx.caller, password, old).await?)
    }

    fn get_prefs(cx) { Reply::ok(&account::get_prefs(&cx.caller).await?) }

    fn update_prefs(cx) { Reply::ok(&account::update_prefs(&cx.app, &cx.caller, cx.params.object("prefs")?).await?) }

    fn update_status(cx) {
        let user = account::update_status(&cx.app, &cx.caller).await?;
        Ok(clear_session_cookies(Reply::ok(&user)?, &cx.caller.project.id, &cx.client))
    }

    fn create_email_password_session(cx) {
        let (email, password) = (cx.params.str("email")?, cx.params.str("password")?);
        let issued = account::create_email_password_session(&cx.app, &cx.caller, email, password, &cx.meta).await?;
        session_reply(&cx, issued)
    }

    fn create_anonymous_session(cx) {
        let issued = account::create_anonymous_session(&cx.app, &cx.caller, &cx.meta).await?;
        session_reply(&cx, issued)
    }

    fn create_session(cx) {
        let (user_id, secret) = (cx.params.str("userId")?, cx.params.str("secret")?);
        let issued = account::create_session(&cx.app, &cx.caller, user_id, secret, &cx.meta).await?;
        session_reply(&cx, issued)
    }

    fn list_sessions(cx) { Reply::ok(&account::list_sessions(&cx.app, &cx.caller).await?) }

    fn get_session(cx) { Reply::ok(&account::get_session(&cx.app, &cx.caller, &cx.params.str("sessionId")?).await?) }

    fn update_session(cx) { Reply::ok(&account::update_session(&cx.app, &cx.caller, &cx.params.str("sessionId")?).await?) }

    fn delete_session(cx) {
        let was_current = account::delete_session(&cx.app, &cx.caller, &cx.params.str("sessionId")?, &cx.meta).await?;
        let reply = Reply::no_content()?;
        Ok(if was_current { clear_session_cookies(reply, &cx.caller.project.id, &cx.client) } else { reply })
    }

    fn delete_sessions(cx) {
        account::delete_sessions(&cx.app, &cx.caller, &cx.meta).await?;
        Ok(clear_session_cookies(Reply::no_content()?, &cx.caller.project.id, &cx.client))
    }

    fn create_jwt(cx) { Reply::created(&account::create_jwt(&cx.app, &cx.caller, cx.params.opt_int("duration")?).await?) }

    fn list_identities(cx) {
        let _ = cx.params.list()?;
        Reply::ok(&account::list_identities())
    }

    fn delete_identity(cx) {
        let _ = cx.params.str("identityId")?;
        Err(Error::new(oxwrite_types::ErrorType::UserIdentityNotFound))
    }

    fn list_logs(cx) {
        let (limit, offset) = services::lists::page(&cx.params.list()?)?;
        Reply::ok(&account::list_logs(&cx.app, &cx.caller, limit, offset).await?)
    }
}
