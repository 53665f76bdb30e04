//! The files a module's payload carries: the module, every `ansible.module_utils` and
//! collection `module_utils` file it imports (transitively, through [`super::imports`]), the
//! `__init__.py` of every package on the way (empty where the package has none, as for
//! collections' namespace packages), and what the argument reader of ansible-core's `basic`
//! loads by name rather than by import. Knows nothing of zips, hosts or how the module runs.

use super::imports::{self, Import};
use std::collections::{BTreeMap, VecDeque};
use std::path::{Path, PathBuf};

/// Where imported names are found.
#[derive(Debug, Clone, Copy)]
pub struct Roots<'a> {
    /// Extra `module_utils` directories (configured, the playbook's and roles'), searched
    /// before ansible-core's for `ansible.module_utils.X`.
    pub module_utils: &'a [PathBuf],
    /// ansible-core's package directory.
    pub core: &'a Path,
    /// Directories holding `ansible_collections/`.
    pub collections: &'a [PathBuf],
}

/// Modules `basic` imports by computed name: the `legacy` serialization profile's codecs.
const ALWAYS: &[&str] = &[
    "ansible.module_utils.basic",
    "ansible.module_utils._internal._json._profiles._module_legacy_c2m",
    "ansible.module_utils._internal._json._profiles._module_legacy_m2c",
];

/// Every file of the payload of module `fqn` (source `source`), by path inside the zip.
pub fn collect(fqn: &str, source: Vec<u8>, roots: &Roots) -> BTreeMap<String, Vec<u8>> {
    let mut files = BTreeMap::new();
    let mut queue = VecDeque::new();
    files.insert(zip_path(fqn, false), source.clone());
    queue.push_back((fqn.to_string(), false, source));
    for name in ALWAYS {
        add(name, roots, &mut files, &mut queue);
    }
    while let Some((name, is_pkg, src)) = queue.pop_front() {
        for imp in imports::scan(&String::from_utf8_lossy(&src)) {
            for candidate in candidates(&name, is_pkg, &imp) {
                add(&candidate, roots, &mut files, &mut queue);
            }
        }
    }
    add_package_inits(&mut files, roots);
    files
}

/// The dotted names an import may mean: the module, and each imported name as a submodule.
fn candidates(current: &str, is_pkg: bool, imp: &Import) -> Vec<String> {
    let base = if imp.level == 0 {
        imp.module.clone()
    } else {
        let mut parts: Vec<&str> = current.split('.').collect();
        if !is_pkg {
            parts.pop();
        }
        for _ in 1..imp.level {
            parts.pop();
        }
        if !imp.module.is_empty() {
            parts.push(&imp.module);
        }
        parts.join(".")
    };
    let mut out = vec![base.clone()];
    out.extend(imp.names.iter().map(|n| format!("{base}.{n}")));
    out
}

/// Adds module `name` (and the packages above it) when it is a module_utils file found
/// under `roots` and not yet in the payload.
fn add(
    name: &str,
    roots: &Roots,
    files: &mut BTreeMap<String, Vec<u8>>,
    queue: &mut VecDeque<(String, bool, Vec<u8>)>,
) {
    let parts: Vec<&str> = name.split('.').collect();
    for n in 1..=parts.len() {
        let prefix = parts[..n].join(".");
        let Some((path, is_pkg)) = find(&prefix, roots) else {
            continue;
        };
        let key = zip_path(&prefix, is_pkg);
        if files.contains_key(&key) {
            continue;
        }
        let Ok(src) = std::fs::read(&path) else {
            continue;
        };
        files.insert(key, src.clone());
        queue.push_back((prefix, is_pkg, src));
    }
}

/// The file of module `name` and whether it is a package, if it is one a payload carries.
fn find(name: &str, roots: &Roots) -> Option<(PathBuf, bool)> {
    let parts: Vec<&str> = name.split('.').collect();
    match parts.as_slice() {
        ["ansible", "module_utils", rest @ ..] if !rest.is_empty() => roots
            .module_utils
            .iter()
            .chain(std::iter::once(&roots.core.join("module_utils")))
            .find_map(|dir| file_of(dir, rest)),
        ["ansible_collections", ns, coll, rest @ ..] if rest.len() > 2 => roots
            .collections
            .iter()
            .find_map(|root| file_of(&root.join("ansible_collections").join(ns).join(coll), rest)),
        _ => None,
    }
}

/// `dir/a/b.py` or `dir/a/b/__init__.py` for `[a, b]`.
fn file_of(dir: &Path, rel: &[&str]) -> Option<(PathBuf, bool)> {
    let mut p = dir.to_path_buf();
    rel.iter().for_each(|r| p.push(r));
    let pkg = p.join("__init__.py");
    if pkg.is_file() {
        return Some((pkg, true));
    }
    p.set_extension("py");
    p.is_file().then_some((p, false))
}

/// Path inside the zip of module `name`.
fn zip_path(name: &str, is_pkg: bool) -> String {
    let p = name.replace('.', "/");
    if is_pkg {
        format!("{p}/__init__.py")
    } else {
        format!("{p}.py")
    }
}

/// Gives every directory in the payload an `__init__.py`: the package's own where the
/// payload has it, else an empty one; `ansible/` gets a stub naming ansible-core's version
/// (the real one imports controller-only code).
fn add_package_inits(files: &mut BTreeMap<String, Vec<u8>>, roots: &Roots) {
    let mut dirs = Vec::new();
    for path in files.keys() {
        let mut d = path.as_str();
        while let Some((parent, _)) = d.rsplit_once('/') {
            dirs.push(parent.to_string());
            d = parent;
        }
    }
    for d in dirs {
        files.entry(format!("{d}/__init__.py")).or_default();
    }
    let version = core_version(roots.core).unwrap_or_default();
    files.insert(
        "ansible/__init__.py".into(),
        format!("__version__ = {version:?}\n").into_bytes(),
    );
    files.insert("ansible/module_utils/__init__.py".into(), Vec::new());
}

/// ansible-core's version, from its `release.py`.
pub fn core_version(core: &Path) -> Option<String> {
    let text = std::fs::read_to_string(core.join("release.py")).ok()?;
    let line = text.lines().find(|l| l.starts_with("__version__"))?;
    let v = line.split_once('=')?.1.trim();
    Some(v.trim_matches(['\'', '"']).to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn write(p: &Path, text: &str) {
        std::fs::create_dir_all(p.parent().unwrap()).unwrap();
        std::fs::write(p, text).unwrap();
    }

    #[test]
    fn transitive_module_utils_and_package_inits() {
        let d = tempfile::tempdir().unwrap();
        let core = d.path().join("ansible");
        write(&core.join("release.py"), "__version__ = '2.19.9'\n");
        let mu = core.join("module_utils");
        write(&mu.join("__init__.py"), "real\n");
        write(
            &mu.join("basic.py"),
            "from ansible.module_utils.common import text\n",
        );
        write(&mu.join("common/__init__.py"), "# pkg\n");
        write(
            &mu.join("common/text.py"),
            "import ansible.module_utils.six\n",
        );
        write(&mu.join("six/__init__.py"), "# six\n");
        write(&mu.join("unused.py"), "");
        let own = d.path().join("pb/module_utils");
        write(
            &own.join("helper.py"),
            "from ansible.module_utils.common.text import x\n",
        );
        let colls = d.path().join("colls");
        let cu = colls.join("ansible_collections/ns/c/plugins/module_utils");
        write(&cu.join("cu.py"), "from .other import y\n");
        write(&cu.join("other.py"), "");
        let roots = Roots {
            module_utils: std::slice::from_ref(&own),
            core: &core,
            collections: std::slice::from_ref(&colls),
        };
        let module = "from ansible.module_utils.helper import h\n\
                      from ..module_utils import cu\n";
        let files = collect(
            "ansible_collections.ns.c.plugins.modules.m",
            module.as_bytes().to_vec(),
            &roots,
        );
        let names: Vec<&str> = files.keys().map(String::as_str).collect();
        assert_eq!(
            names,
            [
                "ansible/__init__.py",
                "ansible/module_utils/__init__.py",
                "ansible/module_utils/basic.py",
                "ansible/module_utils/common/__init__.py",
                "ansible/module_utils/common/text.py",
                "ansible/module_utils/helper.py",
                "ansible/module_utils/six/__init__.py",
                "ansible_collections/__init__.py",
                "ansible_collections/ns/__init__.py",
                "ansible_collections/ns/c/__init__.py",
                "ansible_collections/ns/c/plugins/__init__.py",
                "ansible_collections/ns/c/plugins/module_utils/__init__.py",
                "ansible_collections/ns/c/plugins/module_utils/cu.py",
                "ansible_collections/ns/c/plugins/module_utils/other.py",
                "ansible_collections/ns/c/plugins/modules/__init__.py",
                "ansible_collections/ns/c/plugins/modules/m.py",
            ]
        );
        assert_eq!(files["ansible/__init__.py"], b"__version__ = \"2.19.9\"\n");
        assert_eq!(files["ansible/module_utils/common/__init__.py"], b"# pkg\n");
        assert_eq!(files["ansible_collections/ns/__init__.py"], b"");
    }
}
