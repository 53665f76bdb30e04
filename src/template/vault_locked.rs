//! Inline `!vault` values that could not be opened when their file was read (no vault
//! password given, or none that opens them) stand in as a template that fails when it is
//! rendered: as in Ansible, a value is decrypted only when used, so a play that never reads
//! it runs without the password, and one that does fails there, naming where the value is.
//! Knows nothing of YAML or of vault cryptography.

use minijinja::{Environment, Error, ErrorKind};

/// The function the stand-in template calls.
const FUNCTION: &str = "__rsible_vault_locked";

/// The template that stands for the inline vault value at `line`:`col` that `why` kept shut.
pub fn stand_in(line: usize, col: usize, why: &str) -> String {
    let why = why.replace(['\'', '\\'], "");
    format!("{{{{ {FUNCTION}({line}, {col}, '{why}') }}}}")
}

/// Makes the stand-in's function known to `env`.
pub(crate) fn register(env: &mut Environment<'static>) {
    env.add_function(FUNCTION, locked);
}

fn locked(line: usize, col: usize, why: String) -> Result<String, Error> {
    Err(Error::new(
        ErrorKind::InvalidOperation,
        format!(
            "the inline vault value at line {line}, column {col} could not be decrypted: {why}"
        ),
    ))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::template::{Scope, Templar};
    use serde_json::json;

    #[test]
    fn a_stand_in_fails_only_when_rendered() {
        let t = Templar::new();
        let text = stand_in(3, 9, "no vault secrets found");
        let scope = Scope::new([("secret".to_string(), json!(text))].into_iter().collect());
        assert_eq!(
            t.render_str("{{ 1 + 1 }}", &scope).ok(),
            Some(json!(2)),
            "an unused value costs nothing"
        );
        let e = t
            .render_str("{{ secret | default('x') }}", &scope)
            .err()
            .map(|e| e.to_string())
            .unwrap_or_default();
        assert!(
            e.contains("line 3, column 9") && e.contains("no vault secrets found"),
            "{e}"
        );
    }
}
