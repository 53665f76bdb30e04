//! Ansible's own Python modules, for names rsible has no native module for (or every name
//! Ansible has a module for, under `--python-modules prefer`). A module is found as Ansible's
//! loader finds it ([`locate`]), packed with every `module_utils` file it imports into a zip
//! (AnsiballZ's layout; [`deps`], [`zip`], built once per run: [`payload`]) and run on the
//! target by its Python as one program over the connection, payload and arguments on stdin,
//! nothing written there ([`wrapper`]); the JSON it prints is the task's result ([`result`]).
//!
//! The settings (mode, controller python, library, module_utils and collection paths) are
//! the run's, set once by the command line ([`configure`]); names found at load are kept in a
//! table so the engine runs by the canonical name the loader recorded. Knows nothing of
//! playbooks, variables or scheduling.

pub mod controller;
mod deps;
mod imports;
mod locate;
pub mod mode;
mod params;
mod payload;
mod result;
mod wrapper;
mod zip;

pub use mode::Mode;

use super::{Ctx, Failure, Output};
use serde_json::{Map, Value};
use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, OnceLock};

/// The run's settings for Python modules.
#[derive(Debug, Clone, Default)]
pub struct Settings {
    /// `--python-modules`.
    pub mode: Mode,
    /// The controller's Python, asked where ansible-core is (`RSIBLE_PYTHON`, else
    /// `python3`).
    pub python: PathBuf,
    /// Configured library directories (`ANSIBLE_LIBRARY`, ansible.cfg's `library`).
    pub library: Vec<PathBuf>,
    /// Configured module_utils directories (`ANSIBLE_MODULE_UTILS`, ansible.cfg's
    /// `module_utils`).
    pub module_utils: Vec<PathBuf>,
    /// Directories holding `ansible_collections/`.
    pub collections: Vec<PathBuf>,
}

impl Settings {
    /// Settings from the resolved configuration, the one home of the library, module_utils
    /// and collections paths (CLI > `RSIBLE_*` > `ANSIBLE_*` > rsible.toml > ansible.cfg >
    /// defaults, as `crate::config` resolves them) with mode `mode`; `RSIBLE_PYTHON` picks
    /// the controller Python that has ansible-core.
    pub fn from_config(mode: Mode, c: &crate::config::Config) -> Settings {
        Settings {
            mode,
            python: std::env::var_os(crate::env_vars::RSIBLE_PYTHON)
                .map(PathBuf::from)
                .unwrap_or_else(|| "python3".into()),
            library: c.library.clone(),
            module_utils: c.module_utils.clone(),
            collections: c.collections_path.clone(),
        }
    }
}

static SETTINGS: OnceLock<Settings> = OnceLock::new();

/// Sets the run's settings; the first call wins.
pub fn configure(s: Settings) {
    let _ = SETTINGS.set(s);
}

/// The run's settings. Without [`configure`] (unit tests), the default configuration's
/// paths with `RSIBLE_PYTHON_MODULES`'s mode.
pub fn settings() -> &'static Settings {
    SETTINGS.get_or_init(|| {
        let mode = std::env::var(crate::env_vars::RSIBLE_PYTHON_MODULES)
            .ok()
            .and_then(|m| m.parse().ok())
            .unwrap_or_default();
        Settings::from_config(mode, &crate::config::Config::default())
    })
}

/// A Python module found at load, as the engine runs it.
#[derive(Debug)]
pub struct Module {
    /// Where it is and its name in the payload.
    pub located: locate::Located,
    /// module_utils directories searched before ansible-core's (configured, then the
    /// playbook's and roles' `module_utils/` beside their `library/`).
    pub module_utils: Vec<PathBuf>,
}

/// What looking a name up among Python modules found.
#[derive(Debug)]
pub enum Lookup {
    /// A module that can run: its canonical name (interned for the run).
    Found(&'static str),
    /// Ansible's module for it needs its action plugin, controller code rsible cannot run.
    NeedsActionPlugin {
        /// The module's name.
        name: String,
        /// The action plugin's file.
        plugin: PathBuf,
    },
    /// No Python module of that name.
    Missing,
}

fn table() -> &'static Mutex<HashMap<String, Arc<Module>>> {
    static T: OnceLock<Mutex<HashMap<String, Arc<Module>>>> = OnceLock::new();
    T.get_or_init(Default::default)
}

fn library_dirs() -> &'static Mutex<Vec<PathBuf>> {
    static L: OnceLock<Mutex<Vec<PathBuf>>> = OnceLock::new();
    L.get_or_init(Default::default)
}

/// Adds a playbook's or role's `library/` directory to the run's library path (as Ansible,
/// for the whole run, in the order loaded), when it exists.
pub fn add_library(dir: PathBuf) {
    if !dir.is_dir() {
        return;
    }
    let mut l = library_dirs().lock().unwrap_or_else(|e| e.into_inner());
    if !l.contains(&dir) {
        l.push(dir);
    }
}

/// Looks `written` up as a Python module: the playbook's and roles' `library/` directories
/// ([`add_library`]), then the configured ones, collections and ansible-core. A library
/// directory's sibling `module_utils/` is searched for its imports.
pub fn lookup(written: &str) -> Lookup {
    let s = settings();
    let library = library_dirs()
        .lock()
        .unwrap_or_else(|e| e.into_inner())
        .clone();
    let mut libs = library.clone();
    libs.extend(s.library.iter().cloned());
    let search = locate::Search {
        library: &libs,
        collections: &s.collections,
        core: controller::core_dir(&s.python),
    };
    record(locate::locate(written, &search), &library)
}

/// Looks collection module `fqcn` up at `path`, the file the collections layer found for it
/// (redirects followed, in whichever root it lives).
pub fn lookup_file(fqcn: &str, path: &Path) -> Lookup {
    let Some(root) = path
        .ancestors()
        .find(|a| a.file_name().is_some_and(|n| n == "ansible_collections"))
        .and_then(Path::parent)
    else {
        return Lookup::Missing;
    };
    let roots = [root.to_path_buf()];
    let search = locate::Search {
        library: &[],
        collections: &roots,
        core: None,
    };
    let library = library_dirs()
        .lock()
        .unwrap_or_else(|e| e.into_inner())
        .clone();
    record(locate::locate(fqcn, &search), &library)
}

/// Records a located module in the run's table under its canonical name.
fn record(located: Option<locate::Located>, library: &[PathBuf]) -> Lookup {
    let s = settings();
    let Some(located) = located else {
        return Lookup::Missing;
    };
    if let Some(plugin) = located.action_plugin.clone() {
        return Lookup::NeedsActionPlugin {
            name: located.name,
            plugin,
        };
    }
    let mut module_utils = s.module_utils.clone();
    module_utils.extend(
        library
            .iter()
            .filter_map(|l| Some(l.parent()?.join("module_utils")))
            .filter(|d| d.is_dir()),
    );
    let canonical = if located.name.contains('.') {
        located.name.clone()
    } else {
        format!("ansible.legacy.{}", located.name)
    };
    let mut t = table().lock().unwrap_or_else(|e| e.into_inner());
    if let Some((k, _)) = t.get_key_value(&canonical) {
        // Interned: the same text for every task naming it.
        return Lookup::Found(leak_once(k));
    }
    let name = leak_once(&canonical);
    t.insert(
        canonical,
        Arc::new(Module {
            located,
            module_utils,
        }),
    );
    Lookup::Found(name)
}

/// `s` as a `&'static str`, leaked once per distinct text for the run.
fn leak_once(s: &str) -> &'static str {
    static NAMES: OnceLock<Mutex<Vec<&'static str>>> = OnceLock::new();
    let mut names = NAMES
        .get_or_init(Default::default)
        .lock()
        .unwrap_or_else(|e| e.into_inner());
    if let Some(n) = names.iter().find(|n| **n == s) {
        return n;
    }
    let n: &'static str = Box::leak(s.to_string().into_boxed_str());
    names.push(n);
    n
}

/// Python module names close to `written`, for a "did you mean": the modules of the
/// collection it names, or the library directories' and ansible-core's.
pub fn names_near(written: &str) -> Vec<String> {
    let s = settings();
    let stems = |dir: PathBuf| -> Vec<String> {
        let Ok(rd) = std::fs::read_dir(dir) else {
            return Vec::new();
        };
        rd.flatten()
            .filter_map(|e| {
                let n = e.file_name().to_string_lossy().into_owned();
                n.strip_suffix(".py").map(str::to_string)
            })
            .filter(|n| !n.starts_with('_'))
            .collect()
    };
    let parts: Vec<&str> = written.split('.').collect();
    match parts.as_slice() {
        [ns, coll, _, ..] if !matches!((*ns, *coll), ("ansible", "builtin" | "legacy")) => s
            .collections
            .iter()
            .flat_map(|r| {
                stems(
                    r.join("ansible_collections")
                        .join(ns)
                        .join(coll)
                        .join("plugins/modules"),
                )
            })
            .map(|n| format!("{ns}.{coll}.{n}"))
            .collect(),
        _ => {
            let mut out: Vec<String> = library_dirs()
                .lock()
                .unwrap_or_else(|e| e.into_inner())
                .iter()
                .chain(&s.library)
                .flat_map(|d| stems(d.clone()))
                .collect();
            if let Some(core) = controller::core_dir(&s.python) {
                for n in stems(core.join("modules")) {
                    out.push(format!("ansible.builtin.{n}"));
                    out.push(n);
                }
            }
            out
        }
    }
}

/// The canonical name of a Python module recorded at load as `name`.
pub fn canonical(name: &str) -> Option<&'static str> {
    let t = table().lock().unwrap_or_else(|e| e.into_inner());
    t.get_key_value(name).map(|(k, _)| leak_once(k))
}

/// The Python module recorded under canonical `name` at load.
pub fn get(name: &str) -> Option<Arc<Module>> {
    table()
        .lock()
        .unwrap_or_else(|e| e.into_inner())
        .get(name)
        .cloned()
}

/// What a Python module's run needs beyond the module context.
#[derive(Debug, Clone, Default)]
pub struct RunSettings {
    /// The task's `no_log`.
    pub no_log: bool,
    /// `-v` count.
    pub verbosity: u8,
    /// The host's `ansible_python_interpreter`.
    pub interpreter: Option<String>,
}

/// Why Python module `name` cannot run from this controller: its payload takes the
/// module_utils of the controller's ansible-core, which the configured Python cannot import.
fn no_core(name: &str) -> String {
    format!(
        "module '{name}' is one of Ansible's Python modules; rsible packs it with the \
         controller's ansible-core, and {} cannot import ansible: not supported on this \
         controller (set RSIBLE_PYTHON to a python that has ansible-core)",
        settings().python.display()
    )
}

/// `None` when Python module `name` can be packed on this controller, else why not.
pub fn unpackable(name: &str) -> Option<String> {
    controller::core_dir(&settings().python)
        .is_none()
        .then(|| no_core(name))
}

/// Runs Python module `m` with templated `args` on the context's host.
pub async fn run(
    m: &Module,
    args: &Map<String, Value>,
    ctx: &Ctx<'_>,
    rs: &RunSettings,
) -> Result<Output, Failure> {
    let s = settings();
    let core =
        controller::core_dir(&s.python).ok_or_else(|| Failure::Failed(no_core(&m.located.name)))?;
    let roots = deps::Roots {
        module_utils: &m.module_utils,
        core,
        collections: &s.collections,
    };
    let payload = payload::get(&m.located.path, &m.located.fqn, &roots).map_err(Failure::Failed)?;
    tracing::info!(
        "{}: python module {} from {} ({} files in its payload)",
        ctx.host,
        m.located.name,
        m.located.path.display(),
        payload.files
    );
    let version = version(core);
    let out = ctx
        .self_checking(|check| {
            let internal = params::Internal {
                check,
                diff: ctx.diff,
                no_log: rs.no_log,
                verbosity: rs.verbosity,
                module_name: &m.located.name,
                version: &version,
            };
            let p = params::encode(args, &internal);
            (
                wrapper::program(rs.interpreter.as_deref()),
                wrapper::stdin(&m.located.fqn, &payload.b64, &p),
            )
        })
        .await?;
    let stdout = String::from_utf8_lossy(&out.stdout);
    if out.status.rc() == 127 && stdout.trim() == wrapper::NO_PYTHON {
        return Err(Failure::Failed(format!(
            "{} is one of Ansible's Python modules and {} has no python3 or python to run it \
             (rsible's native modules need only sh; this one needs Python on the target)",
            m.located.name, ctx.host
        )));
    }
    Ok(result::read(
        &stdout,
        &String::from_utf8_lossy(&out.stderr),
        out.status.rc(),
    ))
}

/// ansible-core's version, read once.
fn version(core: &Path) -> String {
    static V: OnceLock<String> = OnceLock::new();
    V.get_or_init(|| deps::core_version(core).unwrap_or_default())
        .clone()
}
