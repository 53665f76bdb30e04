//! Parsing of a module's string arguments (`copy: "src=a dest=b"`, `shell: ls chdir=/tmp`)
//! into a JSON map, as Ansible's `parse_kv` does. Knows nothing of YAML or tasks.

use serde_json::{Map, Value};

/// Options that `command`-like modules accept inline in their command line.
const RAW_OPTIONS: &[&str] = &[
    "chdir",
    "creates",
    "removes",
    "executable",
    "stdin",
    "stdin_add_newline",
    "strip_empty_ends",
    "warn",
    "argv",
    "cmd",
    "expand_argument_vars",
];

/// Splits `text` into `k=v` options and the rest, which goes to `_raw_params`. With
/// `raw_command`, only the known command options are taken as `k=v`.
pub fn parse(text: &str, raw_command: bool) -> Map<String, Value> {
    let mut args = Map::new();
    let mut raw: Vec<String> = Vec::new();
    for word in split_words(text) {
        let kv = word.split_once('=').filter(|(k, _)| {
            !k.is_empty()
                && k.chars().all(|c| c.is_ascii_alphanumeric() || c == '_')
                && (!raw_command || RAW_OPTIONS.contains(k))
        });
        match kv {
            Some((k, v)) => {
                args.insert(k.to_string(), Value::String(unquote(v)));
            }
            None => raw.push(word),
        }
    }
    if !raw.is_empty() {
        args.insert("_raw_params".into(), Value::String(raw.join(" ")));
    }
    args
}

/// Words separated by whitespace; quotes and `{{ }}`/`{% %}` keep their spaces.
fn split_words(text: &str) -> Vec<String> {
    let mut words = Vec::new();
    let mut cur = String::new();
    let mut quote: Option<char> = None;
    let mut depth = 0usize;
    let chars: Vec<char> = text.chars().collect();
    let mut i = 0;
    while i < chars.len() {
        let c = chars[i];
        let next = chars.get(i + 1).copied();
        match quote {
            Some(q) => {
                if c == '\\' && next == Some(q) {
                    cur.push(c);
                    cur.push(q);
                    i += 2;
                    continue;
                }
                if c == q {
                    quote = None;
                }
                cur.push(c);
            }
            None => {
                if c == '{' && matches!(next, Some('{') | Some('%')) {
                    depth += 1;
                } else if matches!(c, '}' | '%') && next == Some('}') && depth > 0 {
                    depth -= 1;
                }
                if (c == '"' || c == '\'') && depth == 0 {
                    quote = Some(c);
                    cur.push(c);
                } else if c.is_whitespace() && depth == 0 {
                    if !cur.is_empty() {
                        words.push(std::mem::take(&mut cur));
                    }
                } else {
                    cur.push(c);
                }
            }
        }
        i += 1;
    }
    if !cur.is_empty() {
        words.push(cur);
    }
    words
}

/// Removes one pair of surrounding matching quotes.
fn unquote(v: &str) -> String {
    for q in ['"', '\''] {
        if v.len() >= 2 && v.starts_with(q) && v.ends_with(q) {
            return v[1..v.len() - 1].to_string();
        }
    }
    v.to_string()
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn key_value_pairs() {
        let a = parse("src=a.conf dest=/etc/a.conf mode=0644", false);
        assert_eq!(
            Value::Object(a),
            json!({"src": "a.conf", "dest": "/etc/a.conf", "mode": "0644"})
        );
    }

    #[test]
    fn quoted_values_and_templates() {
        let a = parse("msg=\"hello world\" var={{ a | default('x y') }}", false);
        assert_eq!(a["msg"], "hello world");
        assert_eq!(a["var"], "{{ a | default('x y') }}");
    }

    #[test]
    fn command_keeps_its_line() {
        let a = parse("echo a=b chdir=/tmp creates=/x", true);
        assert_eq!(a["_raw_params"], "echo a=b");
        assert_eq!(a["chdir"], "/tmp");
        assert_eq!(a["creates"], "/x");
    }

    #[test]
    fn non_kv_words_go_to_raw_params() {
        let a = parse("flush_handlers", false);
        assert_eq!(Value::Object(a), json!({"_raw_params": "flush_handlers"}));
    }
}
