//! Ansible-compatible inventory: hosts, groups, their variables and host patterns.
//!
//! This file holds the model (hosts and groups in definition order, parent/child edges,
//! Ansible's reconciliation and variable folding) and the public API. Parsing lives in
//! `ini`, `yaml`, `script` and `source`; variable files in `vars_dirs`; patterns in
//! `pattern`; `ansible-inventory` output in `render`. Never touches the network and knows
//! nothing of SSH, playbooks or modules.

mod error;
mod ini;
mod literal;
mod pattern;
mod range;
mod render;
mod runtime;
mod script;
mod source;
mod vars_dirs;
mod yaml;

#[cfg(test)]
mod tests;

use std::collections::HashMap;
use std::path::{Path, PathBuf};

use indexmap::IndexMap;
use serde_json::Value;

pub use error::{InventoryError, PatternError};
pub use literal::parse_value as parse_ini_value;

/// Variables of a host or group, in definition order.
pub type Vars = IndexMap<String, Value>;

/// Names Ansible treats as the implicit localhost.
pub const LOCALHOST_NAMES: [&str; 3] = ["localhost", "127.0.0.1", "::1"];

/// Options for [`Inventory::load`].
#[derive(Debug, Clone, Default)]
pub struct LoadOptions {
    /// Extra directories to look for `host_vars/` and `group_vars/` in (the playbook's
    /// directory); they win over the ones beside the inventory sources.
    pub extra_vars_dirs: Vec<PathBuf>,
}

/// The hosts a pattern selected, plus Ansible-style warnings about terms that matched nothing.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Selection {
    /// Host names, in the order Ansible would return them.
    pub hosts: Vec<String>,
    /// e.g. `Could not match supplied host pattern, ignoring: NAME`.
    pub warnings: Vec<String>,
}

pub(crate) const ALL: usize = 0;
pub(crate) const UNGROUPED: usize = 1;

#[derive(Debug, Clone, Default)]
pub(crate) struct Host {
    /// Inline variables from the inventory source(s).
    pub vars: Vars,
    /// Variables from `host_vars/` files, already merged in precedence order.
    pub file_vars: Vars,
    /// Groups the host was added to directly.
    pub groups: Vec<usize>,
}

#[derive(Debug, Clone)]
pub(crate) struct Group {
    /// Inline variables (without `ansible_group_priority`).
    pub vars: Vars,
    /// `group_vars/` file variables per vars-dir index.
    pub file_vars: Vec<(usize, Vars)>,
    /// Direct member hosts, in insertion order.
    pub hosts: Vec<usize>,
    /// Child groups, in insertion order.
    pub children: Vec<usize>,
    /// Parent groups, in insertion order.
    pub parents: Vec<usize>,
    /// `ansible_group_priority`, default 1.
    pub priority: i64,
    /// Longest distance from `all` (computed by `finalize`).
    pub depth: usize,
}

impl Default for Group {
    fn default() -> Self {
        Group {
            vars: Vars::new(),
            file_vars: Vec::new(),
            hosts: Vec::new(),
            children: Vec::new(),
            parents: Vec::new(),
            priority: 1,
            depth: 0,
        }
    }
}

/// A loaded inventory: hosts in definition order, groups, and their variables.
#[derive(Debug, Clone)]
pub struct Inventory {
    pub(crate) hosts: IndexMap<String, Host>,
    pub(crate) groups: IndexMap<String, Group>,
    /// Per host: its groups and their ancestors without `all`, in Ansible's `sort_groups` order.
    pub(crate) host_groups: Vec<Vec<usize>>,
    /// Number of directories host_vars/group_vars were read from.
    pub(crate) vars_dir_count: usize,
    /// `host_vars/` of implicit localhost names that are not in the inventory.
    pub(crate) implicit_file_vars: HashMap<String, Vars>,
    /// Non-fatal problems found while loading (Ansible prints these as warnings).
    pub(crate) warnings: Vec<String>,
}

impl Default for Inventory {
    fn default() -> Self {
        Self::empty()
    }
}

impl Inventory {
    /// An inventory with only the implicit groups `all` and `ungrouped`.
    pub fn empty() -> Self {
        let mut groups = IndexMap::new();
        groups.insert("all".to_string(), Group::default());
        groups.insert("ungrouped".to_string(), Group::default());
        groups[ALL].children.push(UNGROUPED);
        groups[UNGROUPED].parents.push(ALL);
        groups[UNGROUPED].depth = 1;
        Inventory {
            hosts: IndexMap::new(),
            groups,
            host_groups: Vec::new(),
            vars_dir_count: 0,
            implicit_file_vars: HashMap::new(),
            warnings: Vec::new(),
        }
    }

    /// Loads and merges every source (file, directory, executable script, or a
    /// comma-separated host list like "a,b," as Ansible accepts) in order.
    pub fn load(sources: &[PathBuf], opts: &LoadOptions) -> Result<Inventory, InventoryError> {
        let mut inv = Inventory::empty();
        let mut basedirs: Vec<PathBuf> = Vec::new();
        for src in sources {
            if let Some(dir) = source::load_source(&mut inv, src)? {
                if !basedirs.contains(&dir) {
                    basedirs.push(dir);
                }
            }
        }
        inv.finalize();
        for d in &opts.extra_vars_dirs {
            if !basedirs.contains(d) {
                basedirs.push(d.clone());
            }
        }
        vars_dirs::apply(&mut inv, &basedirs)?;
        Ok(inv)
    }

    /// Host names in inventory order.
    pub fn host_names(&self) -> Vec<&str> {
        self.hosts.keys().map(String::as_str).collect()
    }

    /// Group names in definition order (including `all` and `ungrouped`).
    pub fn group_names_all(&self) -> Vec<&str> {
        self.groups.keys().map(String::as_str).collect()
    }

    /// Warnings collected while loading (skipped YAML keys and the like).
    pub fn warnings(&self) -> &[String] {
        &self.warnings
    }

    /// Whether `name` is a host of the inventory (not counting the implicit localhost).
    pub fn has_host(&self, name: &str) -> bool {
        self.hosts.contains_key(name)
    }

    /// All variables of a host, folded with Ansible's precedence (all < parent group < child
    /// group < host; ansible_group_priority; group_vars/host_vars files over inline vars),
    /// plus nothing magic. Implicit localhost gets `ansible_connection: local`.
    pub fn host_vars(&self, host: &str) -> Option<Vars> {
        if let Some(h) = self.hosts.get_index_of(host) {
            let hd = &self.hosts[h];
            let groups = self.host_groups.get(h).map(Vec::as_slice).unwrap_or(&[]);
            return Some(self.fold(groups, &hd.vars, &hd.file_vars));
        }
        if LOCALHOST_NAMES.contains(&host) {
            let mut inline = Vars::new();
            inline.insert("ansible_connection".into(), Value::from("local"));
            let empty = Vars::new();
            let files = self.implicit_file_vars.get(host).unwrap_or(&empty);
            return Some(self.fold(&[], &inline, files));
        }
        None
    }

    /// Names of the groups a host belongs to (directly or through children), sorted, without
    /// "all" — Ansible's `group_names` (which does include "ungrouped" for ungrouped hosts).
    pub fn group_names(&self, host: &str) -> Vec<String> {
        let Some(h) = self.hosts.get_index_of(host) else {
            return Vec::new();
        };
        let mut names: Vec<String> = self.host_groups[h]
            .iter()
            .map(|&g| self.group_name(g).to_string())
            .collect();
        names.sort();
        names
    }

    /// Resolves a host pattern (Ansible syntax) to host names, in the order Ansible returns them.
    pub fn select(&self, pattern: &str) -> Result<Selection, PatternError> {
        pattern::select(self, pattern)
    }

    /// `ansible-inventory --list` JSON.
    pub fn to_list_json(&self) -> Value {
        render::list_json(self)
    }

    /// `ansible-inventory --graph [GROUP]` text (without a trailing newline).
    pub fn graph(&self, group: Option<&str>) -> Result<String, PatternError> {
        render::graph(self, group.unwrap_or("all"))
    }

    /// `ansible-inventory --host NAME` JSON (the folded vars, keys sorted).
    pub fn host_json(&self, host: &str) -> Option<Value> {
        self.host_vars(host).map(|v| render::sorted_vars(&v))
    }

    // ----- model internals -------------------------------------------------------------

    pub(crate) fn group_name(&self, g: usize) -> &str {
        self.groups
            .get_index(g)
            .map(|(k, _)| k.as_str())
            .unwrap_or("")
    }

    pub(crate) fn host_name(&self, h: usize) -> &str {
        self.hosts
            .get_index(h)
            .map(|(k, _)| k.as_str())
            .unwrap_or("")
    }

    /// Adds a group if new; returns its index.
    pub(crate) fn add_group(&mut self, name: &str) -> usize {
        if let Some(i) = self.groups.get_index_of(name) {
            return i;
        }
        self.groups
            .insert_full(name.to_string(), Group::default())
            .0
    }

    /// Adds a host if new (setting `ansible_port` from `port` on creation) and puts it in `group`.
    pub(crate) fn add_host(
        &mut self,
        name: &str,
        group: Option<usize>,
        port: Option<u16>,
    ) -> usize {
        let h = match self.hosts.get_index_of(name) {
            Some(h) => h,
            None => {
                let mut host = Host::default();
                if let Some(p) = port {
                    host.vars.insert("ansible_port".into(), Value::from(p));
                }
                self.hosts.insert_full(name.to_string(), host).0
            }
        };
        if let Some(g) = group {
            if !self.hosts[h].groups.contains(&g) {
                self.hosts[h].groups.push(g);
                self.groups[g].hosts.push(h);
            }
        }
        h
    }

    /// Sets a group variable; `ansible_group_priority` sets the priority instead.
    pub(crate) fn set_group_var(
        &mut self,
        g: usize,
        key: &str,
        value: Value,
    ) -> Result<(), String> {
        if key == "ansible_group_priority" {
            let p = match &value {
                Value::Number(n) => n.as_i64().or_else(|| n.as_f64().map(|f| f as i64)),
                Value::String(s) => s.trim().parse::<i64>().ok(),
                Value::Bool(b) => Some(i64::from(*b)),
                _ => None,
            };
            match p {
                Some(p) => self.groups[g].priority = p,
                None => {
                    return Err(format!(
                        "ansible_group_priority must be an integer, got {value}"
                    ))
                }
            }
            return Ok(());
        }
        self.groups[g].vars.insert(key.to_string(), value);
        Ok(())
    }

    /// Sets an inline host variable.
    pub(crate) fn set_host_var(&mut self, h: usize, key: &str, value: Value) {
        self.hosts[h].vars.insert(key.to_string(), value);
    }

    /// Makes `child` a child of `parent`; refuses loops like Ansible.
    pub(crate) fn add_child(&mut self, parent: usize, child: usize) -> Result<(), String> {
        if parent == child {
            return Err(format!(
                "can't add group '{}' to itself",
                self.group_name(parent)
            ));
        }
        if self.groups[parent].children.contains(&child) {
            return Ok(());
        }
        if self.is_ancestor(child, parent) {
            return Err(format!(
                "Adding group '{}' as child to '{}' creates a recursive dependency loop.",
                self.group_name(child),
                self.group_name(parent)
            ));
        }
        self.groups[parent].children.push(child);
        if !self.groups[child].parents.contains(&parent) {
            self.groups[child].parents.push(parent);
        }
        Ok(())
    }

    /// Whether `anc` is `g` or one of its ancestors.
    fn is_ancestor(&self, anc: usize, g: usize) -> bool {
        let mut stack = vec![g];
        let mut seen = vec![false; self.groups.len()];
        while let Some(x) = stack.pop() {
            if x == anc {
                return true;
            }
            if std::mem::replace(&mut seen[x], true) {
                continue;
            }
            stack.extend(self.groups[x].parents.iter().copied());
        }
        false
    }

    /// Ansible's `reconcile_inventory`, then caches (depths, per-host sorted groups).
    pub(crate) fn finalize(&mut self) {
        // Groups without parents become children of `all`.
        for g in 2..self.groups.len() {
            if self.groups[g].parents.is_empty() {
                self.groups[ALL].children.push(g);
                self.groups[g].parents.push(ALL);
            }
        }
        // Hosts in no real group go to `ungrouped`; others leave it.
        let grouped = |host: &Host| host.groups.iter().any(|&g| g != ALL && g != UNGROUPED);
        let mut ungrouped: Vec<usize> = Vec::new();
        let mut in_ungrouped = vec![false; self.hosts.len()];
        for &h in &self.groups[UNGROUPED].hosts {
            if !grouped(&self.hosts[h]) && !in_ungrouped[h] {
                in_ungrouped[h] = true;
                ungrouped.push(h);
            }
        }
        for (h, host) in self.hosts.values_mut().enumerate() {
            if grouped(host) {
                host.groups.retain(|&g| g != UNGROUPED);
            } else if !in_ungrouped[h] {
                in_ungrouped[h] = true;
                host.groups.push(UNGROUPED);
                ungrouped.push(h);
            }
        }
        self.groups[UNGROUPED].hosts = ungrouped;

        // Depth: longest path from `all`.
        let n = self.groups.len();
        let mut depth: Vec<Option<usize>> = vec![None; n];
        depth[ALL] = Some(0);
        for g in 0..n {
            self.depth_of(g, &mut depth);
        }
        for (g, d) in depth.into_iter().enumerate() {
            self.groups[g].depth = d.unwrap_or(0);
        }

        // Ancestors (including self) per group, computed once.
        let mut anc: Vec<Option<Vec<usize>>> = vec![None; n];
        for g in 0..n {
            self.ancestors_of(g, &mut anc);
        }
        let anc: Vec<Vec<usize>> = anc.into_iter().map(Option::unwrap_or_default).collect();

        let mut host_groups = Vec::with_capacity(self.hosts.len());
        let mut mark = vec![usize::MAX; n];
        for h in 0..self.hosts.len() {
            let mut gs: Vec<usize> = Vec::new();
            for &d in &self.hosts[h].groups {
                for &a in &anc[d] {
                    if a != ALL && mark[a] != h {
                        mark[a] = h;
                        gs.push(a);
                    }
                }
            }
            gs.sort_by(|&a, &b| {
                let (ga, gb) = (&self.groups[a], &self.groups[b]);
                (ga.depth, ga.priority, self.group_name(a)).cmp(&(
                    gb.depth,
                    gb.priority,
                    self.group_name(b),
                ))
            });
            host_groups.push(gs);
        }
        self.host_groups = host_groups;
    }

    fn depth_of(&self, g: usize, memo: &mut [Option<usize>]) -> usize {
        if let Some(d) = memo[g] {
            return d;
        }
        // Iterative post-order to avoid deep recursion on long chains.
        let mut stack = vec![(g, false)];
        while let Some((x, expanded)) = stack.pop() {
            if memo[x].is_some() {
                continue;
            }
            if expanded {
                let d = self.groups[x]
                    .parents
                    .iter()
                    .map(|&p| memo[p].unwrap_or(0) + 1)
                    .max()
                    .unwrap_or(0);
                memo[x] = Some(d);
            } else {
                stack.push((x, true));
                for &p in &self.groups[x].parents {
                    if memo[p].is_none() {
                        stack.push((p, false));
                    }
                }
            }
        }
        memo[g].unwrap_or(0)
    }

    fn ancestors_of(&self, g: usize, memo: &mut [Option<Vec<usize>>]) {
        let mut stack = vec![(g, false)];
        while let Some((x, expanded)) = stack.pop() {
            if memo[x].is_some() {
                continue;
            }
            if expanded {
                let mut set = vec![x];
                for &p in &self.groups[x].parents {
                    if let Some(pa) = &memo[p] {
                        for &a in pa {
                            if !set.contains(&a) {
                                set.push(a);
                            }
                        }
                    }
                }
                memo[x] = Some(set);
            } else {
                stack.push((x, true));
                for &p in &self.groups[x].parents {
                    if memo[p].is_none() {
                        stack.push((p, false));
                    }
                }
            }
        }
    }

    /// Ansible's `VariableManager.get_vars` folding for one host.
    fn fold(&self, groups: &[usize], inline: &Vars, files: &Vars) -> Vars {
        let all = &self.groups[ALL];
        let mut out = all.vars.clone();
        for &g in groups {
            merge(&mut out, &self.groups[g].vars);
        }
        for (_, v) in &all.file_vars {
            merge(&mut out, v);
        }
        for d in 0..self.vars_dir_count {
            for &g in groups {
                for (_, v) in self.groups[g].file_vars.iter().filter(|(i, _)| *i == d) {
                    merge(&mut out, v);
                }
            }
        }
        merge(&mut out, inline);
        merge(&mut out, files);
        out
    }

    /// Hosts of a group and its descendants, in Ansible's `Group.get_hosts` order.
    pub(crate) fn group_hosts(&self, g: usize) -> Vec<usize> {
        let mut order = vec![g];
        let mut seen = vec![false; self.groups.len()];
        seen[g] = true;
        let mut level: Vec<usize> = Vec::new();
        for &c in &self.groups[g].children {
            if !seen[c] {
                seen[c] = true;
                order.push(c);
                level.push(c);
            }
        }
        while !level.is_empty() {
            let mut next = Vec::new();
            for &x in &level {
                for &c in &self.groups[x].children {
                    if !seen[c] {
                        seen[c] = true;
                        order.push(c);
                        next.push(c);
                    }
                }
            }
            level = next;
        }
        let mut hs = Vec::new();
        let mut hseen = vec![false; self.hosts.len()];
        for x in order {
            for &h in &self.groups[x].hosts {
                if !std::mem::replace(&mut hseen[h], true) {
                    hs.push(h);
                }
            }
        }
        hs
    }
}

/// Ansible's `combine_vars` with the default `replace` hash behaviour.
fn merge(into: &mut Vars, from: &Vars) {
    for (k, v) in from {
        into.insert(k.clone(), v.clone());
    }
}

/// The directory that holds `path` (for `group_vars/` lookup beside an inventory file).
pub(crate) fn parent_dir(path: &Path) -> PathBuf {
    match path.parent() {
        Some(p) if !p.as_os_str().is_empty() => p.to_path_buf(),
        _ => PathBuf::from("."),
    }
}
