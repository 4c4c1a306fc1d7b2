//! The command line: `mm serve`, `mm migrate`, `mm check`, `mm keygen`, `mm user`, `mm token`,
//! with env twins.

use crate::config::Role;
use clap::{Parser, Subcommand};

#[derive(Debug, Parser)]
#[command(
    name = "mm",
    version,
    about = "Motion Mavericks media asset manager",
    propagate_version = true
)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Run one role (or all of them) until SIGTERM or Ctrl-C.
    Serve {
        /// Which part of mm to run [env: MM_ROLE]
        #[arg(long, env = "MM_ROLE", value_enum, default_value = "all")]
        role: Role,
    },
    /// Apply pending database migrations (DATABASE_URL) and exit.
    Migrate {
        /// Revert the newest migration instead of applying pending ones.
        #[arg(long)]
        revert: bool,
    },
    /// Check the configuration a role needs; print every problem; exit 1 on any.
    Check {
        /// The role whose configuration is checked [env: MM_ROLE]
        #[arg(long, env = "MM_ROLE", value_enum, default_value = "all")]
        role: Role,
    },
    /// Storage set-up (buckets or directories).
    Storage {
        #[command(subcommand)]
        command: StorageCommand,
    },
    /// Print a new random key: `kid:base64` for MM_EDGE_KEYS, or base64 for MM_SECRET_KEY.
    Keygen {
        /// Key id to put before the key (MM_EDGE_KEYS form).
        #[arg(long, default_value = "k1")]
        kid: String,
        /// Print a bare base64 secret for MM_SECRET_KEY instead.
        #[arg(long)]
        secret: bool,
    },
    /// Print a signed edge URL for a preview directory or playlist (MM_EDGE_KEYS,
    /// MM_EDGE_PUBLIC_BASE).
    Sign {
        /// `previews/<asset>/<version>/` (the URL points at its index.m3u8) or a playlist path.
        prefix: String,
        /// Lifetime, like 90s, 15m, 1h or 7d; at most MM_SIGN_MAX_SECONDS.
        #[arg(long, default_value = "1h")]
        ttl: String,
    },
    /// Operator tool: make the whole preview of one local file into a directory, outside the
    /// queue (MM_PREVIEW_* settings apply), and print a JSON summary.
    #[command(hide = true)]
    PreviewFile {
        /// The master to preview.
        input: std::path::PathBuf,
        /// An empty (or new) directory for the outputs.
        out: std::path::PathBuf,
        /// Print the plan and the ladder-only ffmpeg command as JSON instead of running.
        #[arg(long)]
        print_plan: bool,
    },
    /// Manage accounts in the database at DATABASE_URL.
    User {
        #[command(subcommand)]
        action: UserCommand,
    },
    /// Manage API tokens in the database at DATABASE_URL.
    Token {
        #[command(subcommand)]
        action: TokenCommand,
    },
}

#[derive(Debug, Subcommand)]
pub enum UserCommand {
    /// Create an account. The password comes from MM_PASSWORD or the first line of stdin.
    Create {
        #[arg(long)]
        email: String,
        /// admin, manager, editor or viewer.
        #[arg(long)]
        role: crate::auth::Role,
        /// Display name; the email's local part when omitted.
        #[arg(long)]
        name: Option<String>,
    },
    /// Replace a password (MM_PASSWORD or stdin) and end the user's sessions.
    SetPassword {
        #[arg(long)]
        email: String,
    },
    /// Disable an account: its sessions and tokens stop working at once.
    Disable {
        #[arg(long)]
        email: String,
    },
    /// List every account.
    List,
}

#[derive(Debug, Subcommand)]
pub enum TokenCommand {
    /// Create an API token for a user and print it once.
    Create {
        /// The owner's email.
        #[arg(long)]
        user: String,
        #[arg(long)]
        name: String,
        /// Comma-separated scopes within the owner's role, e.g. assets:read,uploads:create
        /// (default assets:read).
        #[arg(long, value_delimiter = ',')]
        scopes: Option<Vec<String>>,
        /// Lifetime like 30d or 12h (default 90d).
        #[arg(long)]
        ttl: Option<String>,
    },
}

#[derive(Debug, Clone, Copy, Subcommand)]
pub enum StorageCommand {
    /// Create missing buckets and set CORS for ALLOWED_ORIGINS and MM_PUBLIC_URL, lifecycle
    /// rules (abort multipart uploads after 3 days, expire staging after 7), versioning and
    /// Object Lock on masters (S3); create the directories under MM_DATA_DIR (local).
    Init,
}

#[cfg(test)]
mod tests {
    use super::*;
    use clap::CommandFactory;

    #[test]
    fn cli_definition_is_valid() {
        Cli::command().debug_assert();
    }

    #[test]
    fn serve_takes_a_role_and_documents_its_env_twin() {
        let cli = Cli::try_parse_from(["mm", "serve", "--role=edge"]).unwrap();
        assert!(matches!(cli.command, Command::Serve { role: Role::Edge }));
        assert!(Cli::try_parse_from(["mm", "serve", "--role=nope"]).is_err());
        let mut cmd = Cli::command();
        let help = cmd
            .find_subcommand_mut("serve")
            .unwrap()
            .render_long_help()
            .to_string();
        assert!(help.contains("MM_ROLE"), "{help}");
    }
}
