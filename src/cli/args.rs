//! clap definitions of every subcommand and flag, with Ansible's names. Parsing only: no
//! file is read here (ripgrep's "low-level arguments").

use crate::connection::ssh::known_hosts::HostKeyPolicy;
use crate::output::Format;
use clap::{Args, Parser, Subcommand};
use std::path::PathBuf;

/// Agentless configuration management over SSH: Ansible inventories and playbooks, no Python on targets.
#[derive(Debug, Parser)]
#[command(name = "rsible", version, about)]
pub struct Cli {
    /// More output (-v info, -vv debug, -vvv trace).
    #[arg(short, long, action = clap::ArgAction::Count, global = true)]
    pub verbose: u8,
    /// When to run Ansible's own Python modules: `never`, `auto` (where rsible has no native
    /// module) or `prefer` (wherever Ansible's module is found).
    #[arg(long = "python-modules", global = true, default_value = "auto",
          env = crate::env_vars::RSIBLE_PYTHON_MODULES, value_name = "never|auto|prefer",
          value_parser = clap::value_parser!(crate::modules::python::Mode))]
    pub python_modules: crate::modules::python::Mode,
    /// The subcommand.
    #[command(subcommand)]
    pub command: Command,
}

/// rsible's subcommands.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Show the resolved inventory (as ansible-inventory).
    Inventory(InventoryArgs),
    /// Run one module on every matched host (as ansible).
    Run(RunArgs),
    /// Run a playbook (as ansible-playbook).
    Play(PlayArgs),
    /// Encrypt and decrypt files and strings (as ansible-vault).
    Vault(VaultArgs),
    /// Show the configuration (as ansible-config): ansible.cfg, rsible.toml, environment.
    Config(ConfigArgs),
    /// Read the events files of runs (`rsible play --events FILE`): merge shards.
    Report(ReportArgs),
    /// Internal: the daemon that keeps SSH connections between runs (`--control-persist`);
    /// started by rsible itself.
    #[command(name = crate::connection::persist::DAEMON_ARG, hide = true)]
    PersistDaemon {
        /// The control directory it serves.
        dir: PathBuf,
    },
}

/// `rsible report`.
#[derive(Debug, Args)]
pub struct ReportArgs {
    /// What to do.
    #[command(subcommand)]
    pub action: ReportAction,
}

/// The `rsible report` actions.
#[derive(Debug, Subcommand)]
pub enum ReportAction {
    /// The shards of one run as one PLAY RECAP, with the exit code the unsharded run would
    /// have had.
    Merge {
        /// The events files, one per shard.
        #[arg(required = true)]
        files: Vec<PathBuf>,
    },
    /// One HTML page of a run (or of the shards of one): recap, failures, slowest tasks, a
    /// timeline per host, diffs.
    Html {
        /// The events files (one run's, or one per shard).
        #[arg(required = true)]
        files: Vec<PathBuf>,
        /// Where the page goes.
        #[arg(short, long, default_value = "report.html")]
        output: PathBuf,
    },
}

/// `rsible config`.
#[derive(Debug, Args)]
pub struct ConfigArgs {
    /// What to do.
    #[command(subcommand)]
    pub action: ConfigAction,
}

/// The `rsible config` actions.
#[derive(Debug, Subcommand)]
pub enum ConfigAction {
    /// Every setting, where its value came from and the value (as `ansible-config dump`).
    Dump {
        /// Only the settings that are not at their default.
        #[arg(long = "only-changed")]
        only_changed: bool,
    },
}

/// Where vault passwords come from (as ansible-playbook and ansible-vault take them).
#[derive(Debug, Args, Clone, Default)]
pub struct VaultSources {
    /// A vault password file, or an executable printing the password; repeatable.
    /// (besides the configuration's `vault_password_file`).
    #[arg(long = "vault-password-file", alias = "vault-pass-file")]
    pub password_files: Vec<String>,
    /// A labelled password: `label@file`, `label@prompt`, or a file; repeatable (after the
    /// configuration's `vault_identity_list`).
    #[arg(long = "vault-id")]
    pub ids: Vec<String>,
    /// Ask for the vault password.
    #[arg(short = 'J', long = "ask-vault-pass", alias = "ask-vault-password")]
    pub ask: bool,
}

/// `rsible vault`.
#[derive(Debug, Args)]
pub struct VaultArgs {
    /// What to do.
    #[command(subcommand)]
    pub action: VaultAction,
}

/// The `rsible vault` actions, ansible-vault's.
#[derive(Debug, Subcommand)]
pub enum VaultAction {
    /// Create a new encrypted file with $EDITOR.
    Create(VaultFileArgs),
    /// Encrypt files in place (or to --output).
    Encrypt(VaultFileArgs),
    /// Decrypt files in place (or to --output; `-` is stdout).
    Decrypt(VaultFileArgs),
    /// Print the decrypted content.
    View(VaultFileArgs),
    /// Decrypt to a private temp file, run $EDITOR, encrypt again.
    Edit(VaultFileArgs),
    /// Encrypt files again with a new password.
    Rekey(VaultRekeyArgs),
    /// Encrypt a string into a `!vault` YAML value.
    #[command(name = "encrypt_string", alias = "encrypt-string")]
    EncryptString(VaultStringArgs),
}

/// Options of the file actions.
#[derive(Debug, Args)]
pub struct VaultFileArgs {
    /// The files (`-` is standard input for encrypt/decrypt).
    pub files: Vec<PathBuf>,
    /// Passwords.
    #[command(flatten)]
    pub secrets: VaultSources,
    /// The vault id to encrypt with.
    #[arg(long = "encrypt-vault-id")]
    pub encrypt_vault_id: Option<String>,
    /// Write here instead of in place (`-` is stdout).
    #[arg(long = "output")]
    pub output: Option<PathBuf>,
}

/// Options of `rekey`.
#[derive(Debug, Args)]
pub struct VaultRekeyArgs {
    /// The files.
    #[arg(required = true)]
    pub files: Vec<PathBuf>,
    /// The current passwords.
    #[command(flatten)]
    pub secrets: VaultSources,
    /// The new password's file.
    #[arg(long = "new-vault-password-file")]
    pub new_password_file: Option<String>,
    /// The new password as `label@source`.
    #[arg(long = "new-vault-id")]
    pub new_vault_id: Option<String>,
}

/// Options of `encrypt_string`.
#[derive(Debug, Args)]
pub struct VaultStringArgs {
    /// The strings to encrypt (none: read standard input).
    pub strings: Vec<String>,
    /// Variable names for the strings, in order.
    #[arg(short = 'n', long = "name")]
    pub names: Vec<String>,
    /// Read the string from standard input and name it.
    #[arg(long = "stdin-name")]
    pub stdin_name: Option<String>,
    /// Passwords.
    #[command(flatten)]
    pub secrets: VaultSources,
    /// The vault id to encrypt with.
    #[arg(long = "encrypt-vault-id")]
    pub encrypt_vault_id: Option<String>,
}

/// Where hosts come from.
#[derive(Debug, Args, Clone)]
pub struct InventorySource {
    /// Inventory file, directory, script or comma-separated host list; repeatable
    /// (default: the configuration's `inventory`: see `rsible config dump`).
    #[arg(short = 'i', long = "inventory", value_name = "INVENTORY", value_delimiter = None)]
    pub inventory: Vec<String>,
}

/// `rsible inventory`.
#[derive(Debug, Args)]
pub struct InventoryArgs {
    /// Inventory sources.
    #[command(flatten)]
    pub source: InventorySource,
    /// Print the whole inventory as JSON.
    #[arg(long, conflicts_with_all = ["graph", "host"])]
    pub list: bool,
    /// Draw the group tree, from GROUP (default all).
    #[arg(long, value_name = "GROUP", num_args = 0..=1, default_missing_value = "all")]
    pub graph: Option<String>,
    /// Print one host's variables as JSON.
    #[arg(long, value_name = "NAME")]
    pub host: Option<String>,
    /// Also read host_vars/ and group_vars/ beside this directory (as for a playbook).
    #[arg(long, value_name = "DIR")]
    pub playbook_dir: Option<PathBuf>,
    /// Vault passwords for encrypted inventory variables.
    #[command(flatten)]
    pub vault: VaultSources,
}

/// How to reach and log in to hosts.
#[derive(Debug, Args, Clone)]
pub struct ConnectionArgs {
    /// Connection type: ssh or local.
    #[arg(short = 'c', long)]
    pub connection: Option<String>,
    /// Remote user when the inventory names none (default: RSIBLE_REMOTE_USER, rsible.toml
    /// `remote_user`).
    #[arg(short = 'u', long = "user")]
    pub user: Option<String>,
    /// Private key file (default: the configuration's `private_key_file`).
    #[arg(long = "private-key", alias = "key-file")]
    pub private_key: Option<PathBuf>,
    /// Ask for the SSH password.
    #[arg(short = 'k', long = "ask-pass")]
    pub ask_pass: bool,
    /// Connect timeout in seconds (default: RSIBLE_TIMEOUT, rsible.toml `timeout`, else 10).
    #[arg(short = 'T', long = "timeout")]
    pub timeout: Option<u64>,
    /// Use this known_hosts file instead of ~/.ssh/known_hosts.
    #[arg(long = "known-hosts")]
    pub known_hosts: Option<PathBuf>,
    /// Host key policy: strict, accept-new or off (default: the configuration's
    /// `host_key_checking`, else strict).
    #[arg(long = "host-key-checking")]
    pub host_key_checking: Option<HostKeyPolicy>,
    /// OpenSSH client configuration file (default ~/.ssh/config).
    #[arg(short = 'F', long = "ssh-config")]
    pub ssh_config: Option<PathBuf>,
    /// Run commands as another user (default: rsible.toml `become`).
    #[arg(short = 'b', long = "become")]
    pub become_: bool,
    /// The user to become (default: rsible.toml `become_user`, else root).
    #[arg(long = "become-user")]
    pub become_user: Option<String>,
    /// The become method: sudo or su (default: rsible.toml `become_method`, else sudo).
    #[arg(long = "become-method")]
    pub become_method: Option<String>,
    /// Keep SSH connections this many seconds after the run, for the next run (OpenSSH's
    /// ControlPersist; default: RSIBLE_CONTROL_PERSIST, the configuration's `control_persist`
    /// or `ssh_args` ControlPersist, else 60 as Ansible's; 0: not kept).
    #[arg(long = "control-persist", value_name = "SECONDS")]
    pub control_persist: Option<u64>,
    /// Ask for the become password (default: the configuration's `become_ask_pass`).
    #[arg(short = 'K', long = "ask-become-pass")]
    pub ask_become_pass: bool,
    /// Hosts to work on at once (default: RSIBLE_FORKS, rsible.toml `forks`, else all).
    #[arg(short = 'f', long = "forks")]
    pub forks: Option<usize>,
    /// Further limit the hosts with a pattern.
    #[arg(short = 'l', long = "limit")]
    pub limit: Option<String>,
}

/// `rsible run`.
#[derive(Debug, Args)]
pub struct RunArgs {
    /// Host pattern (all, group, web*, a:&b, ...).
    pub pattern: String,
    /// Inventory sources.
    #[command(flatten)]
    pub source: InventorySource,
    /// Module: any module a playbook task can call (default: command).
    #[arg(short = 'm', long = "module-name", default_value = "command")]
    pub module: String,
    /// The module's arguments: `k=v` words, or the command line of command/shell/raw.
    #[arg(short = 'a', long = "args", default_value = "")]
    pub args: String,
    /// Connection and become options.
    #[command(flatten)]
    pub conn: ConnectionArgs,
    /// Extra variables: k=v, @file.yml or JSON; repeatable.
    #[arg(short = 'e', long = "extra-vars")]
    pub extra_vars: Vec<String>,
    /// Check mode: change nothing, report what would change.
    #[arg(short = 'C', long = "check")]
    pub check: bool,
    /// Show differences.
    #[arg(short = 'D', long = "diff")]
    pub diff: bool,
    /// Stop the task after this many seconds (its `timeout`).
    #[arg(long = "task-timeout", value_name = "SECONDS")]
    pub task_timeout: Option<u64>,
    /// Output format.
    #[arg(long, value_enum, default_value = "human")]
    pub format: Format,
    /// List the matched hosts and stop.
    #[arg(long = "list-hosts")]
    pub list_hosts: bool,
    /// Vault passwords for encrypted inventory variables.
    #[command(flatten)]
    pub vault: VaultSources,
}

/// `rsible play`.
#[derive(Debug, Args)]
pub struct PlayArgs {
    /// Playbook files.
    #[arg(required = true)]
    pub playbooks: Vec<PathBuf>,
    /// Inventory sources.
    #[command(flatten)]
    pub source: InventorySource,
    /// Connection and become options.
    #[command(flatten)]
    pub conn: ConnectionArgs,
    /// Extra variables: k=v, @file.yml or JSON; repeatable.
    #[arg(short = 'e', long = "extra-vars")]
    pub extra_vars: Vec<String>,
    /// Vault passwords for encrypted files and values.
    #[command(flatten)]
    pub vault: VaultSources,
    /// Only run tasks with these tags.
    #[arg(short = 't', long = "tags", value_delimiter = ',')]
    pub tags: Vec<String>,
    /// Skip tasks with these tags.
    #[arg(long = "skip-tags", value_delimiter = ',')]
    pub skip_tags: Vec<String>,
    /// Check mode: change nothing, report what would change.
    #[arg(short = 'C', long = "check")]
    pub check: bool,
    /// Show differences.
    #[arg(short = 'D', long = "diff")]
    pub diff: bool,
    /// Start at the task with this name.
    #[arg(long = "start-at-task")]
    pub start_at_task: Option<String>,
    /// Confirm each task.
    #[arg(long)]
    pub step: bool,
    /// List the hosts each play would run on.
    #[arg(long = "list-hosts")]
    pub list_hosts: bool,
    /// List the tasks.
    #[arg(long = "list-tasks")]
    pub list_tasks: bool,
    /// List the tags.
    #[arg(long = "list-tags")]
    pub list_tags: bool,
    /// Check the playbook's syntax and stop.
    #[arg(long = "syntax-check")]
    pub syntax_check: bool,
    /// Output format.
    #[arg(long, value_enum, default_value = "human")]
    pub format: Format,
    /// Run only shard K of N: the inventory's hosts dealt round-robin in inventory order
    /// (also RSIBLE_SHARD=K/N).
    #[arg(long, value_name = "K/N")]
    pub shard: Option<String>,
    /// N shards, this one named by JOB_COMPLETION_INDEX (a Kubernetes Indexed Job's pod).
    #[arg(long, value_name = "N", conflicts_with = "shard")]
    pub shards: Option<usize>,
    /// After the recap, the slowest tasks and their times (as Ansible's profile_tasks
    /// callback; also on with `callbacks_enabled = profile_tasks`).
    #[arg(long)]
    pub profile: bool,
    /// When the run ends, write an HTML report of it to FILE (recap, failures, slowest
    /// tasks, a timeline per host, diffs; one self-contained page).
    #[arg(long, value_name = "FILE")]
    pub report: Option<PathBuf>,
    /// Also write the run's JSON events (the `--format json` lines, and an `end` line with
    /// the exit code) to FILE, for `rsible report`.
    #[arg(long, value_name = "FILE")]
    pub events: Option<PathBuf>,
}
