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
    // The raw part keeps the text as written (newlines of a `shell: |` script included);
    // only the `k=v` words taken as options are cut out of it.
    let mut cut: Vec<(usize, usize)> = Vec::new();
    for (start, end) in split_words(text) {
        let word = &text[start..end];
        // A key may be a template (`set_fact: "{{ 'x' + item }}={{ item }}"`), rendered
        // by the module that allows it.
        let kv = word.split_once('=').filter(|(k, _)| {
            !k.is_empty()
                && (k.chars().all(|c| c.is_ascii_alphanumeric() || c == '_')
                    || (!raw_command && is_template_key(k)))
                && (!raw_command || RAW_OPTIONS.contains(k))
        });
        if let Some((k, v)) = kv {
            let v = super::kv_escapes::decode(v);
            args.insert(k.to_string(), Value::String(unquote(&v)));
            let after = text[end..]
                .find(|c: char| c != ' ' && c != '\t')
                .map_or(text.len(), |n| end + n);
            cut.push((start, after));
        }
    }
    let mut raw = String::new();
    let mut at = 0;
    for (a, b) in cut {
        raw.push_str(&text[at..a]);
        at = b;
    }
    raw.push_str(&text[at..]);
    let raw = raw.trim();
    if !raw.is_empty() {
        args.insert("_raw_params".into(), Value::String(raw.to_string()));
    }
    args
}

/// Whether `k` is one template (`{{ ... }}`) with no `=` inside it.
fn is_template_key(k: &str) -> bool {
    k.starts_with("{{") && k.ends_with("}}") && k.len() >= 4 && !k.contains('=')
}

/// Byte spans of the words separated by whitespace; quotes and `{{ }}`/`{% %}` keep their
/// spaces.
fn split_words(text: &str) -> Vec<(usize, usize)> {
    let mut words = Vec::new();
    let mut start: Option<usize> = None;
    let mut quote: Option<char> = None;
    let mut depth = 0usize;
    let chars: Vec<(usize, char)> = text.char_indices().collect();
    let mut i = 0;
    while i < chars.len() {
        let (at, c) = chars[i];
        let next = chars.get(i + 1).map(|x| x.1);
        match quote {
            Some(q) => {
                if c == '\\' && next == Some(q) {
                    i += 2;
                    continue;
                }
                if c == q {
                    quote = None;
                }
            }
            None => {
                if c == '{' && matches!(next, Some('{') | Some('%')) {
                    depth += 1;
                } else if matches!(c, '}' | '%') && next == Some('}') && depth > 0 {
                    depth -= 1;
                }
                if c.is_whitespace() && depth == 0 {
                    if let Some(s) = start.take() {
                        words.push((s, at));
                    }
                    i += 1;
                    continue;
                }
                if (c == '"' || c == '\'') && depth == 0 {
                    quote = Some(c);
                }
            }
        }
        start.get_or_insert(at);
        i += 1;
    }
    if let Some(s) = start {
        words.push((s, text.len()));
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
    fn a_multi_line_script_keeps_its_newlines() {
        let a = parse("f=/x\nif [ -e $f ]; then echo y; fi\n", true);
        assert_eq!(a["_raw_params"], "f=/x\nif [ -e $f ]; then echo y; fi");
        let a = parse("echo 'a  b' creates=/x\n  rest", true);
        assert_eq!(a["_raw_params"], "echo 'a  b' \n  rest");
    }

    #[test]
    fn option_values_have_their_escapes_decoded_and_raw_words_not() {
        let a = parse(r#"content="{{ n }}\n" regexp=\\bx\b echo=a\tb"#, false);
        assert_eq!(a["content"], "{{ n }}\n");
        assert_eq!(a["regexp"], "\\bx\u{8}");
        let a = parse(r"echo a\tb chdir=\x41", true);
        assert_eq!(a["_raw_params"], r"echo a\tb");
        assert_eq!(a["chdir"], "A");
    }

    #[test]
    fn a_key_may_be_one_template() {
        let a = parse("{{ 'x' + item }}={{ item }} b=1", false);
        assert_eq!(
            Value::Object(a),
            json!({"{{ 'x' + item }}": "{{ item }}", "b": "1"})
        );
        let a = parse("{{ a == b }}", false);
        assert_eq!(Value::Object(a), json!({"_raw_params": "{{ a == b }}"}));
    }

    #[test]
    fn non_kv_words_go_to_raw_params() {
        let a = parse("flush_handlers", false);
        assert_eq!(Value::Object(a), json!({"_raw_params": "flush_handlers"}));
    }
}
