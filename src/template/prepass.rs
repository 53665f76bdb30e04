//! Source rewrites that let minijinja parse what Jinja parses, applied to a template's text
//! before it is compiled: a tuple without brackets after `for ... in` (`{% for s in 'a', 'b'
//! %}` becomes `{% for s in ('a', 'b') %}`), and a filter or test named by its collection
//! (`x | ansible.builtin.intersect(y)`, `x is ansible.builtin.match('a')`) loses its
//! `ansible.builtin.` prefix (every filter and test rsible has is one of ansible-core's or
//! Jinja's own), or its `ansible.legacy.` prefix where ansible-core's plugins (not Jinja)
//! define the name, as Ansible finds them. Only the inside of `{{ }}` and `{% %}` tags is rewritten,
//! outside string literals; text, comments and `{% raw %}` blocks are left alone. Knows
//! nothing of values or environments.

/// The namespaces whose filters and tests are ansible-core's (and Jinja's).
const CORE_NAMESPACES: &[&str] = &["ansible.builtin.", "ansible.legacy."];

/// The filters ansible-core's own plugins define: only these are found as
/// `ansible.legacy.NAME` (Jinja's own, such as `sort`, are not).
const LEGACY_FILTERS: &[&str] = &[
    "b64decode",
    "b64encode",
    "basename",
    "bool",
    "checksum",
    "combinations",
    "combine",
    "comment",
    "commonpath",
    "d",
    "default",
    "dict2items",
    "difference",
    "dirname",
    "expanduser",
    "expandvars",
    "extract",
    "fileglob",
    "flatten",
    "from_json",
    "from_yaml",
    "from_yaml_all",
    "groupby",
    "hash",
    "human_readable",
    "human_to_bytes",
    "intersect",
    "items2dict",
    "log",
    "mandatory",
    "map",
    "md5",
    "normpath",
    "password_hash",
    "path_join",
    "permutations",
    "pow",
    "product",
    "quote",
    "random",
    "realpath",
    "regex_escape",
    "regex_findall",
    "regex_replace",
    "regex_search",
    "reject",
    "rejectattr",
    "rekey_on_member",
    "relpath",
    "root",
    "select",
    "selectattr",
    "sha1",
    "shuffle",
    "split",
    "splitext",
    "strftime",
    "subelements",
    "symmetric_difference",
    "ternary",
    "to_datetime",
    "to_json",
    "to_nice_json",
    "to_nice_yaml",
    "to_uuid",
    "to_yaml",
    "type_debug",
    "union",
    "unique",
    "unvault",
    "urldecode",
    "urlsplit",
    "vault",
    "win_basename",
    "win_dirname",
    "win_splitdrive",
    "zip",
    "zip_longest",
];

/// The tests ansible-core's own plugins define (found as `ansible.legacy.NAME`).
const LEGACY_TESTS: &[&str] = &[
    "abs",
    "all",
    "any",
    "change",
    "changed",
    "contains",
    "defined",
    "directory",
    "exists",
    "failed",
    "failure",
    "falsy",
    "file",
    "finished",
    "is_abs",
    "is_dir",
    "is_file",
    "is_link",
    "is_mount",
    "is_same_file",
    "isnan",
    "issubset",
    "issuperset",
    "link",
    "link_exists",
    "match",
    "mount",
    "nan",
    "reachable",
    "regex",
    "same_file",
    "search",
    "skip",
    "skipped",
    "started",
    "subset",
    "succeeded",
    "success",
    "successful",
    "superset",
    "timedout",
    "truthy",
    "undefined",
    "unreachable",
    "uri",
    "url",
    "urn",
    "vault_encrypted",
    "vaulted_file",
    "version",
    "version_compare",
];

/// A template's delimiters (Ansible's `{{ }}`, `{% %}`, `{# #}` or the template module's).
#[derive(Debug, Clone)]
pub(crate) struct Delimiters {
    /// Opens and closes an expression.
    pub(crate) variable: (String, String),
    /// Opens and closes a block tag.
    pub(crate) block: (String, String),
    /// Opens and closes a comment.
    pub(crate) comment: (String, String),
}

impl Default for Delimiters {
    fn default() -> Delimiters {
        let pair = |a: &str, b: &str| (a.to_string(), b.to_string());
        Delimiters {
            variable: pair("{{", "}}"),
            block: pair("{%", "%}"),
            comment: pair("{#", "#}"),
        }
    }
}

/// `source` rewritten for minijinja, or `None` when nothing needed rewriting. With
/// `escape`, string literals inside `{{ }}` keep their backslashes as written (Ansible's
/// `escape_backslashes` for task arguments and variables: YAML already decoded them).
pub(crate) fn rewrite(source: &str, d: &Delimiters, escape: bool) -> Option<String> {
    let wanted = source.contains(',') && source.contains("for")
        || CORE_NAMESPACES.iter().any(|n| source.contains(n))
        || escape && source.contains('\\');
    if !wanted {
        return None;
    }
    let mut out = String::with_capacity(source.len() + 8);
    let mut at = 0;
    let mut changed = false;
    while let Some((start, kind)) = next_tag(source, at, d) {
        let (open, close) = match kind {
            Tag::Variable => &d.variable,
            Tag::Block => &d.block,
            Tag::Comment => &d.comment,
        };
        let body_start = start + open.len();
        let end = match kind {
            Tag::Comment => source[body_start..].find(close.as_str()),
            _ => tag_end(&source[body_start..], close),
        };
        let Some(end) = end.map(|e| body_start + e) else {
            break;
        };
        let body = &source[body_start..end];
        out.push_str(&source[at..body_start]);
        at = end;
        if kind == Tag::Comment {
            continue;
        }
        if kind == Tag::Block && first_word(body) == Some("raw") {
            // Everything up to the `endraw` tag is text.
            match find_endraw(source, end, d) {
                Some(after) => {
                    out.push_str(&source[body_start..after]);
                    at = after;
                    continue;
                }
                None => break,
            }
        }
        let new = rewrite_body(body, kind == Tag::Block, escape && kind == Tag::Variable);
        changed |= new != body;
        out.push_str(&new);
    }
    out.push_str(&source[at..]);
    changed.then_some(out)
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Tag {
    Variable,
    Block,
    Comment,
}

/// The next tag opening at or after `from`.
fn next_tag(s: &str, from: usize, d: &Delimiters) -> Option<(usize, Tag)> {
    [
        (&d.variable.0, Tag::Variable),
        (&d.block.0, Tag::Block),
        (&d.comment.0, Tag::Comment),
    ]
    .into_iter()
    .filter_map(|(open, kind)| s[from..].find(open.as_str()).map(|i| (from + i, kind)))
    // The earliest opening; the default ones never start at the same place.
    .min_by_key(|(i, _)| *i)
}

/// Where `close` ends a tag body, outside string literals.
fn tag_end(body: &str, close: &str) -> Option<usize> {
    let mut quote: Option<char> = None;
    let mut chars = body.char_indices().peekable();
    while let Some((i, c)) = chars.next() {
        match quote {
            Some(_) if c == '\\' => {
                chars.next();
            }
            Some(q) if c == q => quote = None,
            Some(_) => {}
            None if c == '\'' || c == '"' => quote = Some(c),
            None if body[i..].starts_with(close) => return Some(i),
            None => {}
        }
    }
    None
}

/// The first word of a block tag's body (after its whitespace control sign).
fn first_word(body: &str) -> Option<&str> {
    let b = body.trim_start_matches(['-', '+']).trim_start();
    let end = b
        .find(|c: char| !(c.is_alphanumeric() || c == '_'))
        .unwrap_or(b.len());
    (end > 0).then(|| &b[..end])
}

/// The end of the `{% endraw %}` tag that closes a raw block starting at `from`.
fn find_endraw(s: &str, from: usize, d: &Delimiters) -> Option<usize> {
    let mut at = from;
    while let Some(i) = s[at..].find(d.block.0.as_str()) {
        let body_start = at + i + d.block.0.len();
        let end = body_start + s[body_start..].find(d.block.1.as_str())?;
        if first_word(&s[body_start..end]) == Some("endraw") {
            return Some(end);
        }
        at = end;
    }
    None
}

/// One lexical piece of a tag body.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Tok {
    Space,
    Word,
    Str,
    Punct(char),
}

/// Splits a tag body into pieces whose texts, joined, are the body again.
fn tokens(body: &str) -> Vec<(Tok, &str)> {
    let mut out = Vec::new();
    let mut chars = body.char_indices().peekable();
    while let Some((i, c)) = chars.next() {
        let mut end = i + c.len_utf8();
        let kind = if c.is_whitespace() {
            while let Some((j, n)) = chars.peek().copied().filter(|(_, n)| n.is_whitespace()) {
                end = j + n.len_utf8();
                chars.next();
            }
            Tok::Space
        } else if c.is_alphanumeric() || c == '_' {
            while let Some((j, n)) = chars
                .peek()
                .copied()
                .filter(|(_, n)| n.is_alphanumeric() || *n == '_')
            {
                end = j + n.len_utf8();
                chars.next();
            }
            Tok::Word
        } else if c == '\'' || c == '"' {
            while let Some((j, n)) = chars.next() {
                end = j + n.len_utf8();
                if n == '\\' {
                    if let Some((k, e)) = chars.next() {
                        end = k + e.len_utf8();
                    }
                } else if n == c {
                    break;
                }
            }
            Tok::Str
        } else {
            Tok::Punct(c)
        };
        out.push((kind, &body[i..end]));
    }
    out
}

/// The body with collection prefixes dropped from filter and test names, in a `for` block
/// tag a bare tuple after `in` put in brackets, and with `escape` the string literals'
/// backslashes kept.
fn rewrite_body(body: &str, block: bool, escape: bool) -> String {
    let toks = tokens(body);
    let escaped: Vec<String> = toks
        .iter()
        .map(|(kind, text)| match kind {
            Tok::Str if escape => literal_as_written(text),
            _ => text.to_string(),
        })
        .collect();
    let toks: Vec<(Tok, &str)> = toks
        .iter()
        .zip(&escaped)
        .map(|((kind, _), text)| (*kind, text.as_str()))
        .collect();
    let toks = strip_namespaces(toks);
    let toks = if block { bracket_for_tuple(toks) } else { toks };
    toks.concat()
}

/// An expression (the inside of `{{ }}`) whose string literals keep their backslashes, or
/// `None` when it has none.
pub(crate) fn escape_expression(expr: &str) -> Option<String> {
    expr.contains('\\')
        .then(|| rewrite_body(expr, false, true))
        .filter(|new| new != expr)
}

/// A string literal that means its text between the quotes as written, backslashes
/// included (Jinja's lexer after Ansible doubled them).
fn literal_as_written(lit: &str) -> String {
    let Some(q) = lit.chars().next() else {
        return String::new();
    };
    let inner = lit
        .strip_prefix(q)
        .and_then(|l| l.strip_suffix(q))
        .unwrap_or(&lit[q.len_utf8()..]);
    if !inner.contains('\\') {
        return lit.to_string();
    }
    let mut out = String::with_capacity(lit.len() + 4);
    out.push(q);
    for c in inner.chars() {
        if c == '\\' || c == q {
            out.push('\\');
        }
        out.push(c);
    }
    out.push(q);
    out
}

/// Drops `ansible.builtin.` after `|`, `is` and `is not`, and `ansible.legacy.` where
/// ansible-core's own plugins define the name.
fn strip_namespaces(toks: Vec<(Tok, &str)>) -> Vec<&str> {
    let mut out: Vec<&str> = Vec::with_capacity(toks.len());
    // What a name here would be: a filter's (after `|`) or a test's (after `is`).
    let mut names_next: Option<&[&str]> = None;
    let mut i = 0;
    while i < toks.len() {
        let (kind, text) = toks[i];
        if let (Some(legacy), Tok::Word) = (names_next, kind) {
            let dotted: String = toks[i..].iter().take(4).map(|(_, t)| *t).collect();
            let name = toks.get(i + 4).map_or("", |(_, t)| *t);
            let known = match dotted.as_str() {
                "ansible.builtin." => true,
                "ansible.legacy." => legacy.contains(&name),
                _ => false,
            };
            if known {
                i += 4;
                names_next = None;
                continue;
            }
        }
        names_next = match (kind, text) {
            (Tok::Space, _) => names_next,
            (Tok::Punct('|'), _) => Some(LEGACY_FILTERS),
            (Tok::Word, "is") => Some(LEGACY_TESTS),
            (Tok::Word, "not") => out
                .iter()
                .rev()
                .find(|t| !t.trim().is_empty())
                .is_some_and(|t| *t == "is")
                .then_some(LEGACY_TESTS),
            _ => None,
        };
        out.push(text);
        i += 1;
    }
    out
}

/// In `for TARGET in A, B [if ...] [recursive]`, brackets around `A, B`.
fn bracket_for_tuple(toks: Vec<&str>) -> Vec<&str> {
    let significant = |t: &str| !t.trim().is_empty() && t != "-" && t != "+";
    if toks.iter().find(|t| significant(t)) != Some(&"for") {
        return toks;
    }
    let Some(in_at) = toks.iter().position(|t| *t == "in") else {
        return toks;
    };
    let mut depth = 0i32;
    let mut comma = false;
    let mut end = toks.len();
    for (i, t) in toks.iter().enumerate().skip(in_at + 1) {
        match *t {
            "(" | "[" | "{" => depth += 1,
            ")" | "]" | "}" => depth -= 1,
            "," if depth == 0 => comma = true,
            "if" | "recursive" if depth == 0 => {
                end = i;
                break;
            }
            _ => {}
        }
    }
    // A whitespace control sign right before the tag's end is not part of the tuple.
    while end > in_at + 1 && !significant(toks[end - 1]) {
        end -= 1;
    }
    if !comma {
        return toks;
    }
    let mut start = in_at + 1;
    while start < end && toks[start].trim().is_empty() {
        start += 1;
    }
    let mut out = toks[..start].to_vec();
    out.push("(");
    out.extend_from_slice(&toks[start..end]);
    out.push(")");
    out.extend_from_slice(&toks[end..]);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rw(s: &str) -> String {
        rewrite(s, &Delimiters::default(), false).unwrap_or_else(|| s.to_string())
    }

    #[test]
    fn escaped_string_literals_keep_their_backslashes() {
        let esc = |s: &str| rewrite(s, &Delimiters::default(), true);
        assert_eq!(
            esc(r"{{ x | regex_replace('(a)', '\1') }}").unwrap(),
            r"{{ x | regex_replace('(a)', '\\1') }}"
        );
        assert_eq!(esc(r"{{ 'it\'s' }}").unwrap(), r"{{ 'it\\\'s' }}");
        assert_eq!(esc(r"{% set a = '\n' %}\n{{ b }}"), None);
        assert_eq!(escape_expression(r"'\d'").unwrap(), r"'\\d'");
        assert_eq!(escape_expression("'d'"), None);
    }

    #[test]
    fn a_bare_tuple_after_in_gets_brackets() {
        assert_eq!(
            rw("{% for s in 'a', 'b' %}{{ s }}{% endfor %}"),
            "{% for s in ('a', 'b') %}{{ s }}{% endfor %}"
        );
        assert_eq!(
            rw("{%- for k, v in [1, 2], [3, 4] if k -%}x{% endfor %}"),
            "{%- for k, v in ([1, 2], [3, 4]) if k -%}x{% endfor %}"
        );
        assert_eq!(
            rw("{% for s in 'a', %}{% endfor %}"),
            "{% for s in ('a',) %}{% endfor %}"
        );
    }

    #[test]
    fn commas_inside_strings_brackets_text_and_raw_blocks_stay() {
        for s in [
            "{% for s in 'a,b' %}{% endfor %}",
            "{% for s in [1, 2] %}{% endfor %}",
            "{% for s in f(1, 2) %}{% endfor %}",
            "for a in b, c {{ x }}",
            "{% raw %}{% for s in 'a', 'b' %}{% endraw %}{{ y }} for a, b",
            "{# {% for s in 'a', 'b' %} #} for ,",
            "{{ '{% for s in 1, 2 %}' }}",
            "{% set x = 'for a in b, c' %}",
        ] {
            assert_eq!(rw(s), s, "{s}");
        }
    }

    #[test]
    fn collection_names_of_filters_and_tests_are_dropped() {
        assert_eq!(
            rw("{{ a | ansible.builtin.intersect(b) }}"),
            "{{ a | intersect(b) }}"
        );
        assert_eq!(
            rw("{{ a is ansible.builtin.match('x') and b is not ansible.legacy.defined }}"),
            "{{ a is match('x') and b is not defined }}"
        );
        assert_eq!(
            rw("{% if x|ansible.builtin.bool %}{% endif %}"),
            "{% if x|bool %}{% endif %}"
        );
        for s in [
            "{{ 'a | ansible.builtin.x' }}",
            "{{ ansible.builtin.x }}",
            "ansible.builtin.intersect",
            "{{ a | community.general.json_query('x') }}",
            "{{ a | ansible.legacy.sort }}",
        ] {
            assert_eq!(rw(s), s, "{s}");
        }
    }

    #[test]
    fn other_delimiters_are_followed() {
        let d = Delimiters {
            variable: ("[[".into(), "]]".into()),
            block: ("[%".into(), "%]".into()),
            comment: ("[#".into(), "#]".into()),
        };
        assert_eq!(
            rewrite(
                "[% for a in 1, 2 %][[ a ]][% endfor %]{% for b in 3, 4 %}",
                &d,
                false
            )
            .unwrap(),
            "[% for a in (1, 2) %][[ a ]][% endfor %]{% for b in 3, 4 %}"
        );
    }
}
