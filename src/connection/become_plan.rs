//! A host's become settings: its `ansible_become*` variables over the command line's and
//! the play's options, as Ansible resolves them. Kept apart from the connection plan: a
//! wrong become setting fails the task, it does not make the host unreachable. Opens nothing.

use super::host_vars::{boolean, string, timeout_var, Vars, DEFAULT_TIMEOUT};
use super::options::ConnOptions;
use super::Become;
use crate::secret::Secret;
use std::time::Duration;

/// Become settings from `ansible_become*` variables over the command-line options.
pub fn resolve_become(vars: &Vars, opts: &ConnOptions) -> Result<Option<Become>, String> {
    let enabled = boolean(vars, "ansible_become").unwrap_or(opts.become_);
    if !enabled {
        return Ok(None);
    }
    let user = string(vars, "ansible_become_user")
        .or_else(|| opts.become_user.clone())
        .unwrap_or_else(|| "root".into());
    let password = string(vars, "ansible_become_password")
        .or_else(|| string(vars, "ansible_become_pass"))
        .map(Secret::new)
        .or_else(|| opts.become_password.clone());
    let method = match string(vars, "ansible_become_method") {
        Some(m) => m.parse()?,
        None => opts.become_method.unwrap_or_default(),
    };
    let timeout = timeout_var(vars)
        .or(opts.timeout)
        .unwrap_or(DEFAULT_TIMEOUT);
    Ok(Some(Become {
        user,
        password,
        method,
        prompt_timeout: timeout + Duration::from_secs(2),
        exe: string(vars, "ansible_become_exe").or_else(|| opts.become_exe.clone()),
        flags: string(vars, "ansible_become_flags").or_else(|| opts.become_flags.clone()),
    }))
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::Value;

    #[test]
    fn become_variables_win_over_become_exe_and_flags_keywords() {
        let opts = ConnOptions {
            become_: true,
            become_exe: Some("/opt/sudo".into()),
            become_flags: Some("-H -S".into()),
            ..ConnOptions::default()
        };
        let b = resolve_become(&Vars::new(), &opts).unwrap().unwrap();
        assert_eq!(
            (b.exe.as_deref(), b.flags.as_deref()),
            (Some("/opt/sudo"), Some("-H -S"))
        );
        let mut v = Vars::new();
        v.insert("ansible_become_flags".into(), Value::from("-E"));
        let b = resolve_become(&v, &opts).unwrap().unwrap();
        assert_eq!(b.flags.as_deref(), Some("-E"));
    }
}
