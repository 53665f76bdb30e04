//! `rsible config dump`: every setting with where its value came from and the value, one per
//! line in the shape of `ansible-config dump` (`DEFAULT_FORKS(/tmp/x/ansible.cfg) = 10`),
//! sorted by name. Knows nothing of how the values were read.

use super::settings::SETTINGS;
use super::{Config, Origin};

/// The dump; with `only_changed`, the settings that do not have their default value's origin
/// are left out (the files read are always shown, as Ansible shows `CONFIG_FILE`).
pub fn dump(cfg: &Config, only_changed: bool) -> String {
    let file = |p: &Option<std::path::PathBuf>| {
        p.as_ref()
            .map_or("None".to_string(), |p| p.display().to_string())
    };
    let mut lines = vec![
        format!("CONFIG_FILE() = {}", file(&cfg.ansible_cfg)),
        format!("RSIBLE_CONFIG_FILE() = {}", file(&cfg.file)),
    ];
    for s in SETTINGS {
        let origin = cfg.origin(s.name);
        if only_changed && origin == Origin::Default {
            continue;
        }
        lines.push(format!("{}({origin}) = {}", s.name, (s.show)(cfg)));
    }
    lines.sort();
    lines.join("\n") + "\n"
}
