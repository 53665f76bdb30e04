//! A module's payload as it travels: the zip of its files ([`super::deps`]) in base64, built
//! once per module file for the run and kept. Knows nothing of hosts or arguments.

use super::deps::{self, Roots};
use super::zip;
use base64::Engine;
use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, OnceLock};

/// A built payload.
#[derive(Debug)]
pub struct Payload {
    /// The zip, base64-encoded.
    pub b64: Vec<u8>,
    /// How many files it holds.
    pub files: usize,
}

/// The payload of the module at `path` (Python name `fqn`), from the run's cache or built now.
pub fn get(path: &Path, fqn: &str, roots: &Roots) -> Result<Arc<Payload>, String> {
    static CACHE: OnceLock<Mutex<HashMap<PathBuf, Arc<Payload>>>> = OnceLock::new();
    let cache = CACHE.get_or_init(Default::default);
    if let Some(p) = cache.lock().unwrap_or_else(|e| e.into_inner()).get(path) {
        return Ok(p.clone());
    }
    let built = Arc::new(build(path, fqn, roots)?);
    cache
        .lock()
        .unwrap_or_else(|e| e.into_inner())
        .insert(path.to_path_buf(), built.clone());
    Ok(built)
}

/// Builds the payload of the module at `path` without the cache.
pub fn build(path: &Path, fqn: &str, roots: &Roots) -> Result<Payload, String> {
    let source = std::fs::read(path).map_err(|e| format!("cannot read {}: {e}", path.display()))?;
    let files = deps::collect(fqn, source, roots);
    let zip = zip::build(files.iter().map(|(k, v)| (k.as_str(), v.as_slice())));
    Ok(Payload {
        b64: base64::engine::general_purpose::STANDARD
            .encode(zip)
            .into_bytes(),
        files: files.len(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A real ansible-core module's payload holds `basic` and what it imports.
    #[test]
    fn real_core_module_payload() {
        let Some(py) = super::super::controller::python_for_tests() else {
            eprintln!("no python3 on this controller");
            return;
        };
        let py = std::env::var("RSIBLE_PYTHON").unwrap_or(py.into());
        let Some(core) = super::super::controller::core_dir(Path::new(&py)) else {
            eprintln!("no ansible-core for {py}: set RSIBLE_PYTHON to the venv's python");
            return;
        };
        let roots = Roots {
            module_utils: &[],
            core,
            collections: &[],
        };
        let p = build(
            &core.join("modules/ping.py"),
            "ansible.modules.ping",
            &roots,
        )
        .unwrap();
        let zip = base64::engine::general_purpose::STANDARD
            .decode(&p.b64)
            .unwrap();
        let text = String::from_utf8_lossy(&zip);
        for f in [
            "ansible/modules/ping.py",
            "ansible/module_utils/basic.py",
            "ansible/module_utils/common/parameters.py",
            "ansible/module_utils/_internal/_json/_profiles/_module_legacy_c2m.py",
        ] {
            assert!(text.contains(f), "{f} missing");
        }
        assert!(p.files > 30, "{}", p.files);
    }
}
