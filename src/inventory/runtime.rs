//! Changes a running playbook makes to the inventory (`add_host`, `group_by`) and the
//! `groups` view templates see. Knows nothing of playbooks: callers pass names and vars.

use super::{Inventory, Vars};
use indexmap::IndexMap;

impl Inventory {
    /// Adds (or updates) a host at run time, as `add_host` does: it joins `groups` (created
    /// when new, as children of `all`) and gets `vars` as inline host variables.
    pub fn add_runtime_host(&mut self, name: &str, groups: &[String], vars: &Vars) {
        let h = self.add_host(name, None, None);
        for g in groups {
            let gi = self.add_group(g);
            self.add_host(name, Some(gi), None);
        }
        for (k, v) in vars {
            self.set_host_var(h, k, v.clone());
        }
        self.finalize();
    }

    /// Puts an existing host into `group` (created when new), as `group_by` does; true when
    /// the host was not in it yet.
    pub fn add_to_group(&mut self, host: &str, group: &str) -> bool {
        let gi = self.add_group(group);
        let new = self.hosts.get(host).is_none_or(|h| !h.groups.contains(&gi));
        self.add_host(host, Some(gi), None);
        self.finalize();
        new
    }

    /// Every group with its hosts (members of child groups included), in definition order:
    /// the `groups` magic variable.
    pub fn groups_map(&self) -> IndexMap<String, Vec<String>> {
        self.groups
            .keys()
            .map(|g| {
                let hosts = self.select(g).map(|s| s.hosts).unwrap_or_default();
                (g.clone(), hosts)
            })
            .collect()
    }
}

impl Inventory {
    /// Makes `child` a child of `parent` (both created when new), as `group_by`'s `parents`;
    /// true when `parent` is new or was not `child`'s parent yet.
    pub fn add_group_child(&mut self, parent: &str, child: &str) -> bool {
        let known = self.groups.get_index_of(parent);
        let p = self.add_group(parent);
        let c = self.add_group(child);
        let linked = known.is_some_and(|p| self.groups[p].children.contains(&c));
        let _ = self.add_child(p, c);
        self.finalize();
        !linked
    }
}
