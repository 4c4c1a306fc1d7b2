//! `mm token create`: an API token for automation, without a browser; printed once.

use crate::audit::Entry;
use crate::auth::{permissions_of, token};
use crate::cli::TokenCommand;
use crate::config::Config;
use anyhow::anyhow;

pub fn run(config: &Config, cmd: TokenCommand) -> anyhow::Result<()> {
    let TokenCommand::Create {
        user,
        name,
        scopes,
        ttl,
    } = cmd;
    let mut c = super::user::connect(config)?;
    let owner = super::user::find(&mut c, &user)?;
    if !owner.is_active() {
        anyhow::bail!("{} is disabled", owner.email);
    }
    let spec = token::spec(
        permissions_of(owner.role),
        &name,
        scopes.as_deref(),
        ttl.as_deref(),
        config.auth.token_max_ttl_secs,
    )
    .map_err(|e| anyhow!("{}", e.public_message()))?;
    let (row, secret) =
        token::create_in(&mut c, &owner, &spec, Entry::system("cli", "token.create"))
            .map_err(|e| anyhow!("storing the token: {e}"))?;
    let fmt = time::format_description::well_known::Rfc3339;
    eprintln!(
        "token {:?} for {} with scopes {}, expires {}; it is shown only now:",
        row.name,
        owner.email,
        row.scopes.join(","),
        row.expires_at.format(&fmt).unwrap_or_default()
    );
    println!("{secret}");
    Ok(())
}
