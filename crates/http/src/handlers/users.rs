//! `/v1/users/*`.

use oxwrite_core::password::{PasswordError, PasswordHash, ShaVersion};
use oxwrite_core::services::account;
use oxwrite_core::services::users::{self, NewUser, Secret};
use oxwrite_core::{Error, services};

use super::handlers;
use crate::params::Ctx;
use crate::reply::Reply;

/// The shared tail of the hash-import creates.
async fn create_imported(cx: Ctx, hash: Result<PasswordHash, PasswordError>) -> Result<Reply, Error> {
    let hash = hash.map_err(|e| match e {
        PasswordError::InvalidParam { param, reason } => Error::invalid_param(param, reason),
        other => Error::invalid_param("password", &other.to_string()),
    })?;
    let p = &cx.params;
    let (id, email, name) = (p.str("userId")?, p.str("email")?, p.opt_str("name")?);
    Reply::created(&users::create_imported(&cx.app, &cx.caller, id, email, name, hash, &cx.meta).await?)
}

fn id(cx: &Ctx) -> Result<String, Error> {
    cx.params.str("userId")
}

handlers! {
    fn list(cx) { Reply::ok(&users::list(&cx.app, &cx.caller, cx.params.list()?).await?) }

    fn create(cx) {
        let p = &cx.params;
        let input = NewUser {
            id: p.str("userId")?,
            email: p.opt_str("email")?,
            phone: p.opt_str("phone")?,
            name: p.opt_str("name")?,
            password: p.opt_str("password")?.map(Secret::Plain),
        };
        Reply::created(&users::create(&cx.app, &cx.caller, input, &cx.meta).await?)
    }

    fn create_argon2(cx) {
        let hash = PasswordHash::argon2(&cx.params.str("password")?);
        create_imported(cx, hash).await
    }

    fn create_bcrypt(cx) {
        let hash = PasswordHash::bcrypt(&cx.params.str("password")?);
        create_imported(cx, hash).await
    }

    fn create_md5(cx) {
        let hash = PasswordHash::md5(&cx.params.str("password")?);
        create_imported(cx, hash).await
    }

    fn create_phpass(cx) {
        let hash = PasswordHash::phpass(&cx.params.str("password")?);
        create_imported(cx, hash).await
    }

    fn create_sha(cx) {
        let p = &cx.params;
        // An omitted or empty version means sha256, as in Appwrite.
        let version = match p.opt_str("passwordVersion")?.filter(|v| !v.is_empty()) {
            Some(v) => v.parse::<ShaVersion>(),
            None => Ok(ShaVersion::default()),
        };
        let digest = p.str("password")?;
        let hash = version.and_then(|v| PasswordHash::sha(&digest, v));
        create_imported(cx, hash).await
    }

    fn create_scrypt(cx) {
        let p = &cx.params;
        let hash = PasswordHash::scrypt(
            &p.str("password")?,
            &p.str("passwordSalt")?,
            p.int("passwordCpu")?,
            p.int("passwordMemory")?,
            p.int("passwordParallel")?,
            p.int("passwordLength")?,
        );
        create_imported(cx, hash).await
    }

    fn create_scrypt_modified(cx) {
        let p = &cx.params;
        let hash = PasswordHash::scrypt_modified(
            &p.str("password")?,
            &p.str("passwordSalt")?,
            &p.str("passwordSaltSeparator")?,
            &p.str("passwordSignerKey")?,
        );
        create_imported(cx, hash).await
    }

    fn get(cx) { Reply::ok(&users::get(&cx.app, &cx.caller, &id(&cx)?).await?) }

    fn delete(cx) {
        users::delete(&cx.app, &cx.caller, &id(&cx)?).await?;
        Reply::no_content()
    }

    fn update_name(cx) { Reply::ok(&users::update_name(&cx.app, &cx.caller, &id(&cx)?, cx.params.str("name")?).await?) }

    fn update_email(cx) { Reply::ok(&users::update_email(&cx.app, &cx.caller, &id(&cx)?, cx.params.str("email")?).await?) }

    fn update_phone(cx) { Reply::ok(&users::update_phone(&cx.app, &cx.caller, &id(&cx)?, cx.params.str("number")?).await?) }

    fn update_password(cx) { Reply::ok(&users::update_password(&cx.app, &cx.caller, &id(&cx)?, cx.params.str("password")?).await?) }

    fn update_status(cx) { Reply::ok(&users::update_status(&cx.app, &cx.caller, &id(&cx)?, cx.params.bool("status")?).await?) }

    fn update_labels(cx) { Reply::ok(&users::update_labels(&cx.app, &cx.caller, &id(&cx)?, cx.params.strings("labels")?).await?) }

    fn update_email_verification(cx) {
        let v = cx.params.bool("emailVerification")?;
        Reply::ok(&users::update_email_verification(&cx.app, &cx.caller, &id(&cx)?, v).await?)
    }

    fn update_phone_verification(cx) {
        let v = cx.params.bool("phoneVerification")?;
        Reply::ok(&users::update_phone_verification(&cx.app, &cx.caller, &id(&cx)?, v).await?)
    }

    fn update_impersonator(cx) {
        let v = cx.params.bool("impersonator")?;
        Reply::ok(&users::update_impersonator(&cx.app, &cx.caller, &id(&cx)?, v).await?)
    }

    fn get_prefs(cx) { Reply::ok(&users::get_prefs(&cx.app, &cx.caller, &id(&cx)?).await?) }

    fn update_prefs(cx) { Reply::ok(&users::update_prefs(&cx.app, &cx.caller, &id(&cx)?, cx.params.object("prefs")?).await?) }

    fn list_sessions(cx) { Reply::ok(&users::list_sessions(&cx.app, &cx.caller, &id(&cx)?).await?) }

    fn create_session(cx) {
        let issued = users::create_session(&cx.app, &cx.caller, &id(&cx)?, &cx.meta).await?;
        Reply::created(&issued.session)
    }

    fn delete_sessions(cx) {
        users::delete_sessions(&cx.app, &cx.caller, &id(&cx)?).await?;
        Reply::no_content()
    }

    fn delete_session(cx) {
        users::delete_session(&cx.app, &cx.caller, &id(&cx)?, &cx.params.str("sessionId")?).await?;
        Reply::no_content()
    }

    fn create_token(cx) {
        let (length, expire) = (cx.params.opt_int("length")?, cx.params.opt_int("expire")?);
        Reply::created(&users::create_token(&cx.app, &cx.caller, &id(&cx)?, length, expire).await?)
    }

    fn create_jwt(cx) {
        let (session, duration) = (cx.params.opt_str("sessionId")?, cx.params.opt_int("duration")?);
        Reply::created(&users::create_jwt(&cx.app, &cx.caller, &id(&cx)?, session, duration).await?)
    }

    fn list_memberships(cx) {
        Reply::ok(&users::list_memberships(&cx.app, &cx.caller, &id(&cx)?, cx.params.list()?).await?)
    }

    fn list_logs(cx) {
        let (limit, offset) = services::lists::page(&cx.params.list()?)?;
        Reply::ok(&users::list_logs(&cx.app, &cx.caller, &id(&cx)?, limit, offset).await?)
    }

    fn list_identities(cx) {
        let _ = cx.params.list()?;
        Reply::ok(&account::list_identities())
    }
}
