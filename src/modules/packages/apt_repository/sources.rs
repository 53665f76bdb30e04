//! One-line apt sources as `apt_repository` reads them (Ansible's parsing: a leading `#`
//! disables a line, a later `#` starts a comment, whitespace inside a valid `deb`/`deb-src`
//! line is collapsed) and Ansible's default file name for a repository line. Pure logic; the
//! same rules are applied on the target by [`AWK`]. Knows nothing of connections.

/// A parsed sources line: (valid, enabled, source, comment).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Line {
    /// Starts with `deb` or `deb-src`.
    pub valid: bool,
    /// Not commented out.
    pub enabled: bool,
    /// The source, whitespace collapsed when valid.
    pub source: String,
    /// The text after a `#` inside the line.
    pub comment: String,
}

/// Parses one line the way Ansible's `apt_repository` does.
pub fn parse(line: &str) -> Line {
    let mut l = line.trim();
    let mut enabled = true;
    if let Some(rest) = l.strip_prefix('#') {
        enabled = false;
        l = rest;
    }
    let mut comment = String::new();
    if let Some(i) = l.find('#').filter(|i| *i > 0) {
        comment = l[i + 1..].trim().to_string();
        l = &l[..i];
    }
    let mut source = l.trim().to_string();
    let chunks: Vec<&str> = source.split_whitespace().collect();
    let valid = matches!(chunks.first(), Some(&"deb") | Some(&"deb-src"));
    if valid {
        source = chunks.join(" ");
    }
    Line {
        valid,
        enabled,
        source,
        comment,
    }
}

/// Ansible's default file name for `repo` (without `.list`): options and `scheme://` dropped,
/// the first word after the type with user:password@ dropped, non-alphanumerics as `_`.
pub fn suggest_filename(repo: &str) -> String {
    let mut no_opts = String::new();
    let mut depth = 0;
    for c in repo.chars() {
        match c {
            '[' => depth += 1,
            ']' if depth > 0 => depth -= 1,
            _ if depth == 0 => no_opts.push(c),
            _ => {}
        }
    }
    let no_scheme = strip_schemes(&no_opts);
    let first = no_scheme
        .split_whitespace()
        .find(|w| *w != "deb" && *w != "deb-src")
        .unwrap_or_default();
    let first = first.split_once('@').map_or(first, |(_, h)| h);
    first
        .split(|c: char| !c.is_ascii_alphanumeric())
        .filter(|w| !w.is_empty())
        .collect::<Vec<_>>()
        .join("_")
}

/// Removes every `word://` (Ansible's `\w+://`).
fn strip_schemes(s: &str) -> String {
    let mut out = String::new();
    let mut rest = s;
    while let Some(i) = rest.find("://") {
        let head = &rest[..i];
        let keep = head.trim_end_matches(|c: char| c.is_alphanumeric() || c == '_');
        out.push_str(keep);
        rest = &rest[i + 3..];
    }
    out.push_str(rest);
    out
}

/// awk program applying `apt_repository` to one file, with Ansible's parsing. Environment:
/// `R` the normalized source, `C` its comment, `ST` present|absent, `ADD` 1 to append the line
/// at the end, `OLD` 1 to print the file normalized but unchanged. Prints `FOUND` alone when
/// `ST` is `find` and the file has the source.
pub const AWK: &str = r##"
{
  l = $0; sub(/^[ \t\r]+/, "", l); sub(/[ \t\r]+$/, "", l)
  en = 1; if (substr(l, 1, 1) == "#") { en = 0; l = substr(l, 2) }
  com = ""; i = index(l, "#")
  if (i > 1) { com = substr(l, i + 1); gsub(/^[ \t]+|[ \t]+$/, "", com); l = substr(l, 1, i - 1) }
  gsub(/^[ \t]+|[ \t]+$/, "", l)
  src = l; valid = 0
  if (l != "") {
    n = split(l, ch, " ")
    if (ch[1] == "deb" || ch[1] == "deb-src") { valid = 1; src = ch[1]; for (k = 2; k <= n; k++) src = src " " ch[k] }
  }
  hit = valid && src == ENVIRON["R"]
  if (ENVIRON["ST"] == "find") { if (hit) { print "FOUND"; exit } ; next }
  if (hit && ENVIRON["OLD"] != "1") { if (ENVIRON["ST"] == "absent") next; en = 1 }
  print (en ? "" : "# ") src (com != "" ? " # " com : "")
}
END {
  if (ENVIRON["ADD"] == "1" && ENVIRON["OLD"] != "1") print ENVIRON["R"] (ENVIRON["C"] != "" ? " # " ENVIRON["C"] : "")
}
"##;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lines_are_parsed_like_ansible() {
        let l = parse("#  deb   http://a/b  x main # note");
        assert_eq!(
            l,
            Line {
                valid: true,
                enabled: false,
                source: "deb http://a/b x main".into(),
                comment: "note".into()
            }
        );
        assert!(!parse("foo bar").valid);
    }

    #[test]
    fn default_file_names_are_ansibles() {
        assert_eq!(
            suggest_filename("deb [signed-by=/k.asc] file:/srv/repo/rstp-signed ./"),
            "file_srv_repo_rstp_signed"
        );
        assert_eq!(
            suggest_filename("deb http://user:pw@dl.google.com/linux/chrome/deb/ stable main"),
            "dl_google_com_linux_chrome_deb"
        );
        assert_eq!(
            suggest_filename("deb https://deb.debian.org/debian bookworm main"),
            "deb_debian_org_debian"
        );
    }

    #[test]
    fn the_awk_program_applies_the_same_rules() {
        use std::io::Write;
        use std::process::{Command, Stdio};
        let run = |st: &str, add: &str, input: &str| {
            let mut c = Command::new("awk")
                .arg(AWK)
                .env("R", "deb http://a x main")
                .env("C", "")
                .env("ST", st)
                .env("ADD", add)
                .env("OLD", "0")
                .stdin(Stdio::piped())
                .stdout(Stdio::piped())
                .spawn()
                .expect("awk");
            c.stdin.take().unwrap().write_all(input.as_bytes()).unwrap();
            String::from_utf8(c.wait_with_output().unwrap().stdout).unwrap()
        };
        assert_eq!(
            run("present", "0", "#deb  http://a x main\n"),
            "deb http://a x main\n"
        );
        assert_eq!(
            run("absent", "0", "deb http://a x main\n# keep\n"),
            "# keep\n"
        );
        assert_eq!(run("find", "0", "x\ndeb http://a  x main\n"), "FOUND\n");
        assert_eq!(run("present", "1", ""), "deb http://a x main\n");
    }
}
