//! `/v1/project/*`: the project's own keys and platforms.

use oxwrite_core::Error;
use oxwrite_core::services::project::{self, KeyInput};
use oxwrite_types::models::PlatformKind;

use super::handlers;
use crate::params::Ctx;
use crate::reply::Reply;

async fn create_platform(cx: Ctx, kind: PlatformKind) -> Result<Reply, Error> {
    let p = &cx.params;
    let (id, name, ident) = (p.str("platformId")?, p.str("name")?, p.str(kind.identifier_field())?);
    Reply::created(&project::create_platform(&cx.app, &cx.caller, kind, id, name, ident).await?)
}

async fn update_platform(cx: Ctx, kind: PlatformKind) -> Result<Reply, Error> {
    let p = &cx.params;
    let (id, name, ident) = (p.str("platformId")?, p.str("name")?, p.str(kind.identifier_field())?);
    Reply::ok(&project::update_platform(&cx.app, &cx.caller, kind, &id, name, ident).await?)
}

handlers! {
    fn list_keys(cx) { Reply::ok(&project::list_keys(&cx.app, &cx.caller).await?) }

    fn create_key(cx) {
        let p = &cx.params;
        let input = KeyInput { id: p.str("keyId")?, name: p.str("name")?, scopes: p.strings("scopes")?, expire: p.opt_str("expire")? };
        Reply::created(&project::create_key(&cx.app, &cx.caller, input).await?)
    }

    fn get_key(cx) { Reply::ok(&project::get_key(&cx.app, &cx.caller, &cx.params.str("keyId")?).await?) }

    fn update_key(cx) {
        let p = &cx.params;
        let (id, name, scopes, expire) = (p.str("keyId")?, p.str("name")?, p.strings("scopes")?, p.opt_str("expire")?);
        Reply::ok(&project::update_key(&cx.app, &cx.caller, &id, name, scopes, expire).await?)
    }

    fn delete_key(cx) {
        project::delete_key(&cx.app, &cx.caller, &cx.params.str("keyId")?).await?;
        Reply::no_content()
    }

    fn create_ephemeral_key(cx) {
        let (scopes, duration) = (cx.params.strings("scopes")?, cx.params.int("duration")?);
        Reply::created(&project::create_ephemeral_key(&cx.app, &cx.caller, scopes, duration).await?)
    }

    fn list_platforms(cx) { Reply::ok(&project::list_platforms(&cx.app, &cx.caller).await?) }

    fn get_platform(cx) { Reply::ok(&project::get_platform(&cx.app, &cx.caller, &cx.params.str("platformId")?).await?) }

    fn delete_platform(cx) {
        project::delete_platform(&cx.app, &cx.caller, &cx.params.str("platformId")?).await?;
        Reply::no_content()
    }

    fn create_web_platform(cx) { create_platform(cx, PlatformKind::Web).await }
    fn update_web_platform(cx) { update_platform(cx, PlatformKind::Web).await }
    fn create_apple_platform(cx) { create_platform(cx, PlatformKind::Apple).await }
    fn update_apple_platform(cx) { update_platform(cx, PlatformKind::Apple).await }
    fn create_android_platform(cx) { create_platform(cx, PlatformKind::Android).await }
    fn update_android_platform(cx) { update_platform(cx, PlatformKind::Android).await }
    fn create_windows_platform(cx) { create_platform(cx, PlatformKind::Windows).await }
    fn update_windows_platform(cx) { update_platform(cx, PlatformKind::Windows).await }
    fn create_linux_platform(cx) { create_platform(cx, PlatformKind::Linux).await }
    fn update_linux_platform(cx) { update_platform(cx, PlatformKind::Linux).await }
}
