//! What a run (`rsible play` or `rsible run`) was asked to do, from the command line: check
//! and diff modes, tags, extra vars, forks, connection options. Plain data; knows nothing of how it is used.

use crate::connection::options::ConnOptions;
use crate::connection::ssh::ssh_config::SshConfig;
use crate::inventory::Vars;

/// Options of one `rsible play` or `rsible run`.
#[derive(Debug, Clone, Default)]
pub struct RunOptions {
    /// `--check`.
    pub check: bool,
    /// `--diff`.
    pub diff: bool,
    /// `--forks`: hosts worked on at once.
    pub forks: usize,
    /// `--tags`.
    pub tags: Vec<String>,
    /// `--skip-tags`.
    pub skip_tags: Vec<String>,
    /// `-e`, merged in order.
    pub extra_vars: Vars,
    /// `--start-at-task`.
    pub start_at_task: Option<String>,
    /// `--step`: ask before each task.
    pub step: bool,
    /// `-v` count.
    pub verbosity: u8,
    /// `--limit`.
    pub limit: Option<String>,
    /// `--shard K/N`: only this slice of the inventory's hosts.
    pub shard: Option<crate::shard::Shard>,
    /// Connection flags.
    pub conn: ConnOptions,
    /// `~/.ssh/config` or `-F`.
    pub ssh_config: SshConfig,
    /// Whether a play without `gather_facts` gathers them.
    pub gathering: Gathering,
}

/// Ansible's `gathering` setting: what a play that does not say `gather_facts` does.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum Gathering {
    /// Gathers facts (Ansible's default).
    #[default]
    Implicit,
    /// Does not gather facts.
    Explicit,
    /// Gathers them on the hosts that have none from an earlier play of the run.
    Smart,
}

impl std::str::FromStr for Gathering {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, String> {
        match s.trim() {
            "implicit" => Ok(Gathering::Implicit),
            "explicit" => Ok(Gathering::Explicit),
            "smart" => Ok(Gathering::Smart),
            _ => Err("must be implicit, explicit or smart".into()),
        }
    }
}

impl std::fmt::Display for Gathering {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            Gathering::Implicit => "implicit",
            Gathering::Explicit => "explicit",
            Gathering::Smart => "smart",
        })
    }
}
