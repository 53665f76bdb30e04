//! One side of the comparison: a tool, its label, its lab hosts and its own files (inventory,
//! scratch directory). Knows nothing of how the two sides are compared.

use crate::lab::{Lab, NAMES};
use crate::tool::{Invocation, Run, Tool};
use std::path::{Path, PathBuf};

/// A tool with the hosts it runs against.
pub struct Side {
    /// The tool.
    pub tool: Tool,
    /// Its label: `compat_tool` in the playbooks, the prefix of its controller files.
    pub label: &'static str,
    /// Lab addresses of its hosts, in `NAMES` order.
    pub addrs: Vec<String>,
    /// Its inventory.
    pub inventory: PathBuf,
    scratch: PathBuf,
}

impl Side {
    /// A side on lab hosts `first..first + NAMES.len()`, with its files under `work/label`.
    pub fn new(lab: &Lab, tool: Tool, label: &'static str, first: usize, work: &Path) -> Side {
        let addrs: Vec<String> = (first..first + NAMES.len()).map(Lab::addr).collect();
        let dir = work.join(label);
        let template = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/compat/hosts.ini.in");
        let inventory = lab.inventory(&template, &addrs, &dir);
        let scratch = dir.join("scratch");
        std::fs::create_dir_all(&scratch).expect("make the scratch dir");
        Side {
            tool,
            label,
            addrs,
            inventory,
            scratch,
        }
    }

    /// Runs `playbook` with `args` against this side's hosts.
    pub fn run(&self, lab: &Lab, playbook: &Path, args: &[&str], out_dir: &Path) -> Run {
        self.tool.run(&Invocation {
            playbook,
            inventory: &self.inventory,
            args,
            label: self.label,
            out_dir,
            known_hosts: &lab.known_hosts(),
            scratch: &self.scratch,
            forks: NAMES.len(),
        })
    }
}
