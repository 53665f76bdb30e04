//! Reading a Python source file's import statements, as text: `import a.b`, `from a.b import
//! c, d`, parenthesised and backslash-continued lists, and relative `from ..x import y`.
//! Docstrings and comments are skipped. Knows nothing of where modules live: it only says
//! which dotted names a file asks for.

/// One import statement's request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Import {
    /// Leading dots of a relative import (0: absolute).
    pub level: usize,
    /// The dotted module after the dots (`module_utils.x` in `from ..module_utils.x import y`);
    /// empty for `from . import y`.
    pub module: String,
    /// For `from M import a, b`: `a` and `b`, each possibly a submodule of `M`; empty for
    /// `import M`.
    pub names: Vec<String>,
}

/// Every import statement of `source`, in order.
pub fn scan(source: &str) -> Vec<Import> {
    logical_lines(source)
        .iter()
        .filter_map(|l| statement(l))
        .flatten()
        .collect()
}

/// The source's logical lines: docstrings and comments dropped, bracketed and
/// backslash-continued lines joined.
fn logical_lines(source: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut quote: Option<&str> = None;
    let mut cur = String::new();
    let mut depth = 0i32;
    for raw in source.lines() {
        let mut line = raw;
        if let Some(q) = quote {
            match line.find(q) {
                Some(i) => {
                    line = &line[i + 3..];
                }
                None => continue,
            }
        }
        let (code, open) = strip_strings(line);
        quote = open;
        let code = code.trim_end();
        let (code, continued) = match code.strip_suffix('\\') {
            Some(c) => (c, true),
            None => (code, false),
        };
        depth += code.matches(['(', '[', '{']).count() as i32;
        depth -= code.matches([')', ']', '}']).count() as i32;
        cur.push(' ');
        cur.push_str(code.trim());
        if !continued && depth <= 0 {
            depth = 0;
            out.push(std::mem::take(&mut cur));
        }
    }
    out.push(cur);
    out
}

/// `line` without its comment and with string literals blanked, and the triple quote left
/// open at its end, if any.
fn strip_strings(line: &str) -> (String, Option<&'static str>) {
    let mut out = String::new();
    let mut rest = line;
    while let Some(c) = rest.chars().next() {
        if c == '#' {
            break;
        }
        if c == '"' || c == '\'' {
            let triple: &'static str = if c == '"' { "\"\"\"" } else { "'''" };
            if rest.starts_with(triple) {
                match rest[3..].find(triple) {
                    Some(i) => {
                        out.push_str("''");
                        rest = &rest[3 + i + 3..];
                        continue;
                    }
                    None => return (out, Some(triple)),
                }
            }
            let body = &rest[1..];
            let end = closing_quote(body, c).unwrap_or(body.len());
            out.push_str("''");
            rest = body.get(end + 1..).unwrap_or("");
            continue;
        }
        out.push(c);
        rest = &rest[c.len_utf8()..];
    }
    (out, None)
}

/// Where the string opened with `q` ends in `body` (escapes honoured).
fn closing_quote(body: &str, q: char) -> Option<usize> {
    let mut escaped = false;
    for (i, c) in body.char_indices() {
        match c {
            _ if escaped => escaped = false,
            '\\' => escaped = true,
            _ if c == q => return Some(i),
            _ => {}
        }
    }
    None
}

/// The imports of one logical line (statements split at `;`).
fn statement(line: &str) -> Option<Vec<Import>> {
    let mut found = Vec::new();
    for part in line.split(';') {
        let s = part.trim();
        // A compound statement's body on the same line (`try: import x`).
        let s = match s.split_once(':') {
            Some((head, body)) if !head.contains("import") => body.trim(),
            _ => s,
        };
        if let Some(rest) = s.strip_prefix("import ") {
            for item in rest.split(',') {
                let name = item.split_whitespace().next().unwrap_or("");
                if is_dotted(name) {
                    found.push(Import {
                        level: 0,
                        module: name.to_string(),
                        names: Vec::new(),
                    });
                }
            }
        } else if let Some(rest) = s.strip_prefix("from ") {
            let Some((module, names)) = rest.split_once(" import ") else {
                continue;
            };
            let module = module.trim();
            let level = module.chars().take_while(|c| *c == '.').count();
            let module = &module[level..];
            let relative_package = module.is_empty() && level > 0;
            if !relative_package && !is_dotted(module) {
                continue;
            }
            let names = names
                .trim()
                .trim_start_matches('(')
                .trim_end_matches(')')
                .split(',')
                .filter_map(|n| n.split_whitespace().next())
                .filter(|n| *n != "*" && is_dotted(n))
                .map(str::to_string)
                .collect();
            found.push(Import {
                level,
                module: module.to_string(),
                names,
            });
        }
    }
    Some(found)
}

fn is_dotted(s: &str) -> bool {
    !s.is_empty()
        && s.split('.').all(|p| {
            p.chars()
                .next()
                .is_some_and(|c| c.is_alphabetic() || c == '_')
                && p.chars().all(|c| c.is_alphanumeric() || c == '_')
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn imp(level: usize, module: &str, names: &[&str]) -> Import {
        Import {
            level,
            module: module.into(),
            names: names.iter().map(|n| n.to_string()).collect(),
        }
    }

    #[test]
    fn the_forms_ansible_modules_use() {
        let src = r#"
from __future__ import annotations
import os, sys as system
import ansible.module_utils.six.moves
from ansible.module_utils.basic import AnsibleModule
from ansible.module_utils.common.text.converters import (
    to_bytes,   # a comment
    to_native as native,
)
from ansible_collections.community.general.plugins.module_utils.mh import \
    module_helper
from ..module_utils import cmd_runner
from . import sibling
try:
    from ansible.module_utils.compat import selinux
except ImportError:
    pass
def f():
    import ansible.module_utils.facts.timeout; x = 1
"#;
        assert_eq!(
            scan(src),
            vec![
                imp(0, "__future__", &["annotations"]),
                imp(0, "os", &[]),
                imp(0, "sys", &[]),
                imp(0, "ansible.module_utils.six.moves", &[]),
                imp(0, "ansible.module_utils.basic", &["AnsibleModule"]),
                imp(
                    0,
                    "ansible.module_utils.common.text.converters",
                    &["to_bytes", "to_native"]
                ),
                imp(
                    0,
                    "ansible_collections.community.general.plugins.module_utils.mh",
                    &["module_helper"]
                ),
                imp(2, "module_utils", &["cmd_runner"]),
                imp(1, "", &["sibling"]),
                imp(0, "ansible.module_utils.compat", &["selinux"]),
                imp(0, "ansible.module_utils.facts.timeout", &[]),
            ]
        );
    }

    #[test]
    fn docstrings_and_strings_are_not_imports() {
        let src = r#"
DOCUMENTATION = """
from ansible.module_utils.fake import nothing
import ansible.module_utils.fake2
"""
EXAMPLES = r'''
- import ansible.module_utils.fake3
'''
msg = "import ansible.module_utils.fake4"
x = 'from a import b'  # import c
from ansible.module_utils.real import thing
"#;
        assert_eq!(
            scan(src),
            vec![imp(0, "ansible.module_utils.real", &["thing"])]
        );
    }

    #[test]
    fn a_one_line_docstring_does_not_hide_what_follows() {
        let src = "\"\"\"Doc.\"\"\"\nimport ansible.module_utils.a\n";
        assert_eq!(scan(src), vec![imp(0, "ansible.module_utils.a", &[])]);
    }
}
