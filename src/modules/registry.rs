//! The one table of names rsible knows: every module's spec (declared in its own file and
//! listed by its family), the engine's actions, and Ansible's Python modules found for names
//! with no native module (see [`super::python`], under `--python-modules`). Answers "which
//! module is this name?" (short, FQCN, alias), "are these arguments right for it?" and "how
//! does it run?". Knows nothing of task syntax or of how the engine schedules.

use super::framework::spec::{ArgCheck, ArgError, Runs, Spec};
use super::python::{self, Lookup, Mode};
use super::{actions, cluster, commands, files, packages, services, system};
use super::{Ctx, Failure, Output};
use serde_json::{Map, Value};
use std::path::Path;
use std::sync::Arc;

/// Every family's specs, then the engine's actions.
const FAMILIES: &[&[Spec]] = &[
    commands::SPECS,
    files::SPECS,
    packages::SPECS,
    services::SPECS,
    system::SPECS,
    cluster::SPECS,
    actions::SPECS,
];

fn specs() -> impl Iterator<Item = &'static Spec> {
    FAMILIES.iter().flat_map(|f| f.iter())
}

/// The three kinds of name a task may call.
#[derive(Debug, Clone)]
pub enum Kind {
    /// A native module, run over sh.
    Native(&'static Spec),
    /// An action the engine runs itself.
    Engine(&'static Spec),
    /// One of Ansible's Python modules, found at load.
    Python(Arc<python::Module>),
}

/// What the name `name` (short, FQCN, alias, or a Python module's canonical name recorded
/// at load) is. A name [`resolve`] gave to a Python module is that module's, even where a
/// native module answers to the same FQCN (`--python-modules prefer`).
pub fn find(name: &str) -> Option<Kind> {
    if let Some(m) = python::get(name) {
        return Some(Kind::Python(m));
    }
    spec(name).map(|s| match s.runs {
        Runs::Target(_) => Kind::Native(s),
        Runs::Engine => Kind::Engine(s),
    })
}

/// The spec of the native module or engine action written as `name`.
fn spec(name: &str) -> Option<&'static Spec> {
    specs().find(|md| matches(md, name))
}

/// The canonical name of a module written as `name` (short, FQCN or alias; a Python
/// module's only once [`resolve`] found it).
pub fn canonical(name: &str) -> Option<&'static str> {
    python::canonical(name).or_else(|| spec(name).map(|md| md.name))
}

/// Whether `name` is one of rsible's own modules or engine actions (short, FQCN or alias).
pub fn is_native(name: &str) -> bool {
    spec(name).is_some()
}

/// Whether `name` is one of the engine's actions (`debug`, `set_fact`, the includes, ...):
/// in Ansible, action plugins or keywords of ansible-core.
pub fn is_engine_action(name: &str) -> bool {
    spec(name).is_some_and(|s| matches!(s.runs, Runs::Engine))
}

/// The canonical name of the module a task writes as `name`, under the run's
/// `--python-modules` mode: native modules and engine actions, and Ansible's Python modules
/// looked up in the playbook's and roles' `library/` ([`python::add_library`]), the
/// configured paths, collections and ansible-core. `Ok(None)`: found nowhere. `Err`: found, but refused (an
/// action plugin's module, or a Python module under `never`); the text says why.
pub fn resolve(name: &str) -> Result<Option<&'static str>, String> {
    resolve_with(name, || python::lookup(name))
}

/// As [`resolve`] for collection module `fqcn`, whose Python file the collections layer
/// found at `path`.
pub fn resolve_file(fqcn: &str, path: &Path) -> Result<Option<&'static str>, String> {
    resolve_with(fqcn, || python::lookup_file(fqcn, path))
}

fn resolve_with(
    name: &str,
    lookup: impl FnOnce() -> python::Lookup,
) -> Result<Option<&'static str>, String> {
    let native = spec(name);
    if native.is_some_and(|s| matches!(s.runs, Runs::Engine)) {
        return Ok(native.map(|s| s.name));
    }
    let mode = python::settings().mode;
    if mode != Mode::Prefer && native.is_some() {
        return Ok(native.map(|s| s.name));
    }
    match (lookup(), native) {
        (Lookup::Found(py), None) if mode == Mode::Never => Err(format!(
            "module '{name}' is one of Ansible's Python modules ({}), which --python-modules \
             never refuses: not supported by rsible in this mode",
            python::get(py).map_or_else(String::new, |m| m.located.path.display().to_string())
        )),
        (Lookup::Found(py), native) => match (python::unpackable(py), native) {
            (None, _) => Ok(Some(py)),
            (Some(_), Some(s)) => Ok(Some(s.name)),
            (Some(why), None) => Err(why),
        },
        (_, Some(s)) => Ok(Some(s.name)),
        (Lookup::NeedsActionPlugin { name: n, plugin }, None) => Err(format!(
            "module '{n}' needs Ansible's action plugin {} (controller-side Python code), \
             which rsible cannot run: not supported by rsible",
            plugin.display()
        )),
        (Lookup::Missing, None) => Ok(None),
    }
}

fn matches(md: &Spec, name: &str) -> bool {
    if name == md.name || md.aliases.contains(&name) {
        return true;
    }
    let qualified = |coll: &str| {
        name.strip_prefix(coll)
            .and_then(|r| r.strip_prefix('.'))
            .is_some_and(|r| r == md.name)
    };
    qualified(md.collection)
        || (md.collection == super::framework::spec::B && qualified("ansible.legacy"))
}

/// Every name a module may be written as (short names, FQCNs, aliases), for suggestions.
pub fn all_names() -> Vec<String> {
    let mut out = Vec::new();
    for md in specs() {
        out.push(md.name.to_string());
        out.push(format!("{}.{}", md.collection, md.name));
        out.extend(md.aliases.iter().map(|a| a.to_string()));
    }
    out
}

/// Every name a module may be written as, and for a dotted `written` the Python modules'
/// names close to it (see [`python::names_near`]), for the suggestion after an unknown
/// module `written`. (Short names get only rsible's own: a keyword typo is not to be taken
/// for one of ansible-core's many modules.)
pub fn names_near(written: &str) -> Vec<String> {
    let mut out = all_names();
    if written.contains('.') && python::settings().mode != Mode::Never {
        out.extend(python::names_near(written));
    }
    out
}

/// Checks `args` (as written, templates unrendered) against the spec of canonical `module`.
pub fn check_args(module: &str, args: &Map<String, Value>) -> Result<(), ArgError> {
    let Some(spec) = spec(module) else {
        return Ok(());
    };
    match spec.args {
        ArgCheck::Typed(check) => check(args),
        ArgCheck::Free | ArgCheck::Unchecked => Ok(()),
    }
}

/// Whether canonical `name` is a module this layer runs (native or Python; not an engine
/// action).
pub fn is_module(name: &str) -> bool {
    matches!(find(name), Some(Kind::Native(_) | Kind::Python(_)))
}

/// Whether a task of module `name` (canonical) with arguments named `args` reads ahead (see
/// [`Module::reads`](super::framework::spec::Module::reads)).
pub fn reads_ahead(name: &str, args: &Map<String, Value>) -> bool {
    match find(name) {
        Some(Kind::Native(s)) if s.reads.is_some() => {
            s.reads_with.is_empty() || s.reads_with.iter().any(|k| args.contains_key(*k))
        }
        _ => false,
    }
}

/// What native module `name` reads first with templated `args`; `None` when it does not read
/// ahead or the arguments do not parse.
pub fn reads(
    name: &str,
    args: &Map<String, Value>,
) -> Option<Vec<super::framework::prefetch::Read>> {
    match find(name)? {
        Kind::Native(s) => (s.reads?)(args),
        _ => None,
    }
}

/// Runs native module `name` with templated `args`.
pub async fn run(name: &str, args: &Map<String, Value>, ctx: &Ctx<'_>) -> Result<Output, Failure> {
    match spec(name).map(|s| s.runs) {
        Some(Runs::Target(run)) => run(args, ctx).await,
        _ => Err(Failure::Failed(format!(
            "the module '{name}' is not implemented in this build of rsible"
        ))),
    }
}

/// Modules whose string form is a command line: only a few `k=v` words are options.
pub fn is_raw_command(module: &str) -> bool {
    matches!(module, "command" | "shell" | "raw" | "script")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn short_and_fqcn_names_resolve() {
        assert_eq!(canonical("copy"), Some("copy"));
        assert_eq!(canonical("ansible.builtin.copy"), Some("copy"));
        assert_eq!(canonical("ansible.legacy.shell"), Some("shell"));
        assert_eq!(canonical("ansible.posix.sysctl"), Some("sysctl"));
        assert_eq!(canonical("community.general.modprobe"), Some("modprobe"));
        assert_eq!(
            canonical("ansible.builtin.systemd_service"),
            Some("systemd")
        );
        assert_eq!(canonical("ansible.builtin.sysctl"), None);
        assert_eq!(canonical("comand"), None);
        assert_eq!(canonical("rsible.builtin.kubeadm"), Some("kubeadm"));
    }

    #[test]
    fn required_modules_are_known() {
        for name in "command shell raw script copy template file lineinfile blockinfile replace \
                     ini_file stat slurp fetch find tempfile get_url unarchive wait_for \
                     wait_for_connection debug set_fact assert fail meta setup pause \
                     include_vars add_host group_by package apt dpkg_selections apt_repository \
                     deb822_repository apt_key dnf yum apk service systemd systemd_service \
                     service_facts user group authorized_key sysctl modprobe mount hostname cron \
                     reboot import_tasks include_tasks import_role include_role import_playbook"
            .split_whitespace()
        {
            assert!(canonical(name).is_some(), "{name}");
        }
    }
}
