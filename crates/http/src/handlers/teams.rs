//! `/v1/teams/*`.

use oxwrite_core::Error;
use oxwrite_core::services::teams::{self, CreateMembership};

use super::handlers;
use crate::params::Ctx;
use crate::reply::Reply;

fn team(cx: &Ctx) -> Result<String, Error> {
    cx.params.str("teamId")
}

fn membership(cx: &Ctx) -> Result<String, Error> {
    cx.params.str("membershipId")
}

handlers! {
    fn list(cx) { Reply::ok(&teams::list(&cx.app, &cx.caller, cx.params.list()?).await?) }

    fn create(cx) {
        let p = &cx.params;
        let (id, name, roles) = (p.str("teamId")?, p.str("name")?, p.opt_strings("roles")?);
        Reply::created(&teams::create(&cx.app, &cx.caller, id, name, roles).await?)
    }

    fn get(cx) { Reply::ok(&teams::get(&cx.app, &cx.caller, &team(&cx)?).await?) }

    fn update_name(cx) { Reply::ok(&teams::update_name(&cx.app, &cx.caller, &team(&cx)?, cx.params.str("name")?).await?) }

    fn delete(cx) {
        teams::delete(&cx.app, &cx.caller, &team(&cx)?).await?;
        Reply::no_content()
    }

    fn get_prefs(cx) { Reply::ok(&teams::get_prefs(&cx.app, &cx.caller, &team(&cx)?).await?) }

    fn update_prefs(cx) { Reply::ok(&teams::update_prefs(&cx.app, &cx.caller, &team(&cx)?, cx.params.object("prefs")?).await?) }

    fn list_memberships(cx) { Reply::ok(&teams::list_memberships(&cx.app, &cx.caller, &team(&cx)?, cx.params.list()?).await?) }

    fn create_membership(cx) {
        let p = &cx.params;
        let input = CreateMembership {
            email: p.opt_str("email")?,
            user_id: p.opt_str("userId")?,
            phone: p.opt_str("phone")?,
            roles: p.strings("roles")?,
            url: p.opt_str("url")?,
            name: p.opt_str("name")?,
        };
        Reply::created(&teams::create_membership(&cx.app, &cx.caller, &team(&cx)?, input).await?)
    }

    fn get_membership(cx) { Reply::ok(&teams::get_membership(&cx.app, &cx.caller, &team(&cx)?, &membership(&cx)?).await?) }

    fn update_membership(cx) {
        let roles = cx.params.strings("roles")?;
        Reply::ok(&teams::update_membership(&cx.app, &cx.caller, &team(&cx)?, &membership(&cx)?, roles).await?)
    }

    fn update_membership_status(cx) {
        let (user, secret) = (cx.params.str("userId")?, cx.params.str("secret")?);
        let m = teams::update_membership_status(&cx.app, &cx.caller, &team(&cx)?, &membership(&cx)?, &user, &secret).await?;
        Reply::ok(&m)
    }

    fn delete_membership(cx) {
        teams::delete_membership(&cx.app, &cx.caller, &team(&cx)?, &membership(&cx)?).await?;
        Reply::no_content()
    }
}
