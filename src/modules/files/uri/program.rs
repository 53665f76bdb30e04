//! The sh program `uri` runs on the target: the `creates`/`removes` skip, the request made
//! with curl or GNU wget one hop at a time (redirects followed here, by Ansible's rules, not
//! by the tool), the `dest` write through the atomic writer, and the answer in the report
//! format (`skipped`, `fail`, `rc`, `err`, `head`, `path`, `wrote`, `body`). Secrets and the
//! body arrive on stdin ([`stdin`]). Knows nothing of the result Ansible makes of the answer.

use super::Args;
use crate::connection::quote::quote_str;
use crate::modules::files::common::url_name::url_file_name;
use crate::modules::framework::mode::Mode;
use crate::modules::framework::report::{MARK_FILE_FN, MARK_FN};
use crate::modules::framework::write::{self, WriteOpts};

/// How `follow_redirects` follows a 301/302/303/307/308 answer, as Ansible's redirect
/// handler does.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Follow {
    /// `all`/`yes`: every redirect; 301 turns a POST into a GET, 302 and 303 turn anything
    /// but HEAD into a GET, and those three drop the body and its headers; 307 and 308 keep
    /// the method and the body.
    All,
    /// `safe`: as `all`, for GET and HEAD requests only.
    Safe,
    /// `urllib2`: Python's urllib: GET and HEAD on any redirect, POST on 301/302/303; the
    /// next request is a GET (a HEAD stays one) without the body.
    Urllib2,
    /// `none`/`no`: never.
    None,
}

impl Follow {
    /// The policy of a `follow_redirects` value.
    pub(super) fn parse(v: &str) -> Result<Follow, String> {
        match v {
            "all" | "yes" => Ok(Follow::All),
            "safe" => Ok(Follow::Safe),
            "urllib2" => Ok(Follow::Urllib2),
            "none" | "no" => Ok(Follow::None),
            other => Err(format!(
                "value of follow_redirects must be one of: all, no, none, safe, urllib2, yes, got: {other}"
            )),
        }
    }

    /// The word the program's `case` tests.
    fn word(self) -> &'static str {
        match self {
            Follow::All => "all",
            Follow::Safe => "safe",
            Follow::Urllib2 => "urllib2",
            Follow::None => "none",
        }
    }
}

/// The program's stdin: the password line, the header count and lines, then the body.
pub(super) fn stdin(a: &Args, headers: &[String], body: Option<&[u8]>) -> Vec<u8> {
    let mut s = format!(
        "{}\n{}\n",
        a.url_password.as_deref().unwrap_or(""),
        headers.len()
    )
    .into_bytes();
    for h in headers {
        s.extend_from_slice(h.as_bytes());
        s.push(b'\n');
    }
    s.extend_from_slice(body.unwrap_or_default());
    s
}

/// The whole program for a `method` request (with a body or not) accepting `codes`.
pub(super) fn program(
    a: &Args,
    method: &str,
    has_body: bool,
    codes: &[i64],
) -> Result<String, String> {
    let mut s = prelude(a);
    s.push_str(&request(a, method, has_body)?);
    s.push_str(&answer(a, codes)?);
    Ok(s)
}

/// The first part: the report functions, skips for `creates`/`removes`, stdin read into the
/// temp directory `$td`, a directory `dest` resolved.
fn prelude(a: &Args) -> String {
    let mut s = format!(
        "LC_ALL=C; export LC_ALL\n{MARK_FN}{MARK_FILE_FN}fail() {{ mx fail \"$*\"; exit 0; }}\nu={}\nd={}\nun={}\n",
        quote_str(&a.url),
        quote_str(a.dest.as_deref().unwrap_or("")),
        quote_str(a.url_username.as_deref().unwrap_or("")),
    );
    if let Some(c) = &a.creates {
        s.push_str(&format!(
            "c={}\n[ -e \"$c\" ] && {{ mx skipped \"skipped, since '$c' exists\"; exit 0; }}\n",
            quote_str(c)
        ));
    }
    if let Some(r) = &a.removes {
        s.push_str(&format!(
            "c={}\n[ -e \"$c\" ] || {{ mx skipped \"skipped, since '$c' does not exist\"; exit 0; }}\n",
            quote_str(r)
        ));
    }
    s.push_str(
        "td=$(mktemp -d) || fail 'cannot make a temp directory'\ntrap 'rm -rf -- \"$td\"' EXIT\n\
         IFS= read -r pw\nIFS= read -r nh\n: > \"$td/h\"\ni=0\n\
         while [ \"$i\" -lt \"$nh\" ]; do IFS= read -r l; printf '%s\\n' \"$l\" >> \"$td/h\"; i=$((i+1)); done\n\
         cat > \"$td/b\"\n",
    );
    s.push_str(&format!(
        "[ -n \"$d\" ] && [ -d \"$d\" ] && d=\"${{d%/}}\"/{}\n",
        quote_str(&url_file_name(&a.url))
    ));
    if !a.force {
        s.push_str("[ -n \"$d\" ] && [ -f \"$d\" ] && printf 'If-Modified-Since: %s\\n' \"$(date -u -r \"$d\" '+%a, %d %b %Y %H:%M:%S GMT')\" >> \"$td/h\"\n");
    }
    s
}

/// After a redirect: whether to follow it (else `break`), then the next request's method
/// `$mt`, body flag `$hb`, headers `$td/h` and URL `$u` (the `Location` resolved as
/// Python's `urljoin` does for the usual forms, spaces as `%20`).
const REDIRECT: &str = r#"  case $st in 301|302|303|307|308) ;; *) break;; esac
  [ -n "$loc" ] || break
  case $fr in
    none) break;;
    safe) case $mt in GET|HEAD) ;; *) break;; esac;;
    urllib2) case $st:$mt in *:GET|*:HEAD|30[123]:POST) ;; *) break;; esac;;
  esac
  n=$((n+1)); [ "$n" -le 10 ] || break
  keep=0
  case $fr:$st in urllib2:*) ;; *:307|*:308) keep=1;; esac
  if [ "$keep" = 0 ]; then
    hb=0
    grep -v -i -e '^content-type:' -e '^content-length:' -e '^transfer-encoding:' "$td/h" > "$td/h2"
    mv -f "$td/h2" "$td/h"
    case $fr:$st:$mt in
      *:*:HEAD) ;;
      urllib2:*|*:302:*|*:303:*|*:301:POST) mt=GET;;
    esac
  fi
  loc=$(printf '%s' "$loc" | sed 's/ /%20/g')
  sc=${u%%://*}; r=${u#*://}; ho=${r%%/*}
  case $loc in
    *://*) u=$loc;;
    //*) u="$sc:$loc";;
    /*) u="$sc://$ho$loc";;
    *) p=${r#"$ho"}; p=${p%%[?#]*}; u="$sc://$ho${p%/*}/$loc";;
  esac
"#;

/// The requests with curl (its options in a config file) or GNU wget (a wgetrc), one per
/// hop, leaving every response's headers in `$td/head`, the last body in `$td/out`, the
/// tool's exit code in `rc` and its complaint in `$td/err`. wget does not save the body of
/// a 3xx answer: a redirect that is not followed and has a body fails, named, with wget.
fn request(a: &Args, method: &str, has_body: bool) -> Result<String, String> {
    let follow = Follow::parse(a.follow_redirects.as_deref().unwrap_or("safe"))?;
    let t = a.timeout.unwrap_or(30);
    let agent = a.http_agent.as_deref().unwrap_or("ansible-httpget");
    let mut curl = format!("curl -sS -K \"$td/cfg\" -D \"$td/h1\" -o \"$td/out\" --max-time {t}");
    if !a.validate_certs {
        curl.push_str(" -k");
    }
    if !a.use_proxy {
        curl.push_str(" --noproxy '*'");
    }
    let tls = [
        (&a.client_cert, "--cert", "--certificate="),
        (&a.client_key, "--key", "--private-key="),
        (&a.ca_path, "--cacert", "--ca-certificate="),
    ];
    for (path, curl_opt, _) in &tls {
        if let Some(p) = path {
            curl.push_str(&format!(" {curl_opt} {}", quote_str(p)));
        }
    }
    let mut wget = format!(
        "wget -q -S --content-on-error -O \"$td/out\" --timeout={t} --tries=1 --max-redirect=0"
    );
    if !a.use_proxy {
        wget.push_str(" --no-proxy");
    }
    for (path, _, wget_opt) in &tls {
        if let Some(p) = path {
            wget.push_str(&format!(" {}", quote_str(&format!("{wget_opt}{p}"))));
        }
    }
    let curl_auth = if a.force_basic_auth {
        "--basic"
    } else {
        "--anyauth"
    };
    Ok(format!(
        r#"esc() {{ sed 's/[\\"]/\\&/g'; }}
ag={agent}
fr={fr}
mt={method}
hb={hb}
if command -v curl >/dev/null 2>&1; then
  tool=curl
elif wget --help 2>&1 | grep -q -e --method; then
  tool=wget
else
  fail 'uri needs curl or GNU wget (with --method) on the target, and it has neither'
fi
: > "$td/head"
n=0
while :; do
  rm -f "$td/out" "$td/h1"
  if [ "$tool" = curl ]; then
    {{
      printf 'user-agent = "%s"\n' "$(printf '%s' "$ag" | esc)"
      if [ -n "$un" ]; then printf 'user = "%s"\n{curl_auth}\n' "$(printf '%s:%s' "$un" "$pw" | esc)"; fi
      while IFS= read -r l; do printf 'header = "%s"\n' "$(printf '%s' "$l" | esc)"; done < "$td/h"
    }} > "$td/cfg"
    if [ "$mt" = HEAD ]; then set -- -I; else set -- -X "$mt"; fi
    if [ "$hb" = 1 ]; then set -- "$@" --data-binary @"$td/b"; fi
    {curl} "$@" "$u" 2>"$td/err"; rc=$?
  else
    {{
      printf 'user_agent = %s\n' "$ag"
      if [ -n "$un" ]; then printf 'http_user = %s\nhttp_password = %s\n' "$un" "$pw"; fi
      {auth_no_challenge}{check_cert}while IFS= read -r l; do printf 'header = %s\n' "$l"; done < "$td/h"
    }} > "$td/cfg"
    set -- --method="$mt"
    if [ "$hb" = 1 ]; then set -- "$@" --body-file="$td/b"; fi
    WGETRC="$td/cfg" {wget} "$@" "$u" 2>"$td/e2"; rc=$?
    sed -n 's/^  //p' "$td/e2" > "$td/h1"
    grep -v '^  ' "$td/e2" > "$td/err"
    [ "$rc" = 8 ] && rc=0
  fi
  [ -f "$td/h1" ] || : > "$td/h1"
  cat "$td/h1" >> "$td/head"
  [ "$rc" = 0 ] || break
  st=$(sed -n 's/^HTTP\/[0-9.]* \([0-9][0-9][0-9]\).*/\1/p' "$td/h1" | tail -n 1)
  loc=$(awk '/^HTTP\//{{l=""}} tolower($0) ~ /^location:/{{sub(/^[^:]*:[ \t]*/, ""); sub(/\r$/, ""); l=$0}} END{{print l}}' "$td/h1")
{REDIRECT}done
[ -f "$td/out" ] || : > "$td/out"
if [ "$tool" = wget ] && [ "$rc" = 0 ] && [ ! -s "$td/out" ]; then
  cl=$(awk '/^HTTP\//{{c=""}} tolower($0) ~ /^content-length:/{{c=$2+0}} END{{print c}}' "$td/h1")
  case $st in 301|302|303|307|308) [ "${{cl:-1}}" = 0 ] || fail "GNU wget drops the body of a redirect it does not follow (status $st); this request needs curl on the target";; esac
fi
"#,
        agent = quote_str(agent),
        fr = follow.word(),
        method = quote_str(method),
        hb = u8::from(has_body),
        auth_no_challenge = if a.force_basic_auth {
            "echo 'auth_no_challenge = on'\n      "
        } else {
            ""
        },
        check_cert = if a.validate_certs {
            ""
        } else {
            "echo 'check_certificate = off'\n      "
        },
    ))
}

/// The answer: `rc`, `err`, `head` (every response's headers), the `dest` write (`path`,
/// `wrote` when the response was accepted), then `body` when the controller needs it.
fn answer(a: &Args, codes: &[i64]) -> Result<String, String> {
    let codes = codes
        .iter()
        .map(i64::to_string)
        .collect::<Vec<_>>()
        .join(" ");
    let mut s = format!(
        "m rc \"$rc\"\nmx err \"$(head -c 400 \"$td/err\")\"\nmf head \"$td/head\"\n\
         st=$(sed -n 's/^HTTP\\/[0-9.]* \\([0-9][0-9][0-9]\\).*/\\1/p' \"$td/head\" | tail -n 1)\n\
         ok=0\ncase ' {codes} ' in *\" $st \"*) ok=1;; esac\n"
    );
    if a.dest.is_some() {
        let write = write::inline_target("\"$d\"", "\"$td/out\"", &WriteOpts::default())?;
        let mut attrs = String::new();
        if let Some(m) = &a.mode {
            let m = match m {
                Mode::Bits(b) => format!("{b:o}"),
                Mode::Symbolic(text) => quote_str(text),
                Mode::Preserve => return Err("mode 'preserve' only applies to copy".into()),
            };
            attrs.push_str(&format!(
                "  chmod {m} \"$d\" || fail \"cannot set the mode of $d\"\n"
            ));
        }
        for (cmd, v) in [("chown", &a.owner), ("chgrp", &a.group)] {
            if let Some(v) = v {
                attrs.push_str(&format!(
                    "  {cmd} {} \"$d\" || fail \"{cmd} failed on $d\"\n",
                    quote_str(v)
                ));
            }
        }
        s.push_str(&format!(
            "mx path \"$d\"\nif [ \"$ok\" = 1 ] && [ \"$st\" != 304 ]; then\n  m wrote\n  \
             if ! {{ [ -f \"$d\" ] && cmp -s \"$td/out\" \"$d\"; }}; then\n    e=$({} 2>&1) || fail \"failed to write $d: $e\"\n  fi\n{attrs}fi\n",
            String::from_utf8_lossy(&write)
        ));
        if !a.return_content {
            s.push_str(
                "ct=$(grep -i '^content-type:' \"$td/head\" | tail -n 1 | tr 'A-Z' 'a-z')\n\
                 case $ok$st$ct in 12*json*|12*javascript*) ;; 12*) : > \"$td/out\";; esac\n",
            );
        }
    }
    s.push_str("mf body \"$td/out\"\n");
    Ok(s)
}

#[cfg(test)]
mod tests {
    use super::super::tests::args_of;
    use super::*;
    use serde_json::json;

    use crate::modules::framework::sh_check::assert_parses as parses;

    #[test]
    fn secrets_travel_on_stdin_only() {
        let a = args_of(
            json!({"url": "http://h/p", "user": "me", "password": "s3cr'et",
            "headers": {"Authorization": "Bearer tok"}, "body": "payload", "dest": "/tmp/x",
            "creates": "/c", "mode": "0600"}),
        );
        let (body, headers) = super::super::request(&a).expect("request");
        let p = program(&a, "POST", body.is_some(), &[200]).expect("program");
        assert!(
            !p.contains("s3cr") && !p.contains("tok") && !p.contains("payload"),
            "{p}"
        );
        let input = stdin(&a, &headers, body.as_deref());
        assert!(input.starts_with(b"s3cr'et\n1\nAuthorization: Bearer tok\npayload"));
        assert!(p.contains("chmod 600 \"$d\""), "{p}");
        parses(&p);
    }

    #[test]
    fn client_certificates_reach_both_tools() {
        let a = args_of(json!({"url": "https://h/", "client_cert": "/etc/k/c.pem",
            "client_key": "/etc/k/it's.key", "ca_path": "/etc/k/ca.pem"}));
        let p = request(&a, "GET", false).expect("program");
        assert!(
            p.contains(" --cert /etc/k/c.pem --key '/etc/k/it'\\''s.key' --cacert /etc/k/ca.pem"),
            "{p}"
        );
        assert!(p.contains(" --certificate=/etc/k/c.pem '--private-key=/etc/k/it'\\''s.key' --ca-certificate=/etc/k/ca.pem"), "{p}");
        parses(&p);
    }

    /// Runs [`REDIRECT`] once for a `st` answer with `Location: loc` to a `m` request of
    /// `u` under policy `fr`; returns `followed method body-flag url` and the headers kept.
    fn hop(fr: &str, m: &str, st: u16, loc: &str, u: &str) -> (String, String) {
        let dir = tempfile::tempdir().expect("tempdir");
        let td = dir.path().to_str().expect("utf8");
        std::fs::write(
            dir.path().join("h"),
            "Content-Type: application/json\nX-A: 1\ncontent-length: 3\n",
        )
        .expect("write");
        let script = format!(
            "td={}\nfr={fr}\nmt={m}\nhb=1\nn=0\nst={st}\nloc={}\nu={}\nf=no\n\
             while :; do\n{REDIRECT}  f=yes; break\ndone\necho \"$f $mt $hb $u\"\n",
            quote_str(td),
            quote_str(loc),
            quote_str(u)
        );
        let out = std::process::Command::new("sh")
            .args(["-c", &script])
            .output()
            .expect("sh");
        let h = std::fs::read_to_string(dir.path().join("h")).expect("read");
        (String::from_utf8_lossy(&out.stdout).trim().to_string(), h)
    }

    #[test]
    fn redirects_follow_ansibles_rules() {
        let u = "http://h:1/a/b?q";
        let (r, h) = hop("all", "POST", 302, "/echo", u);
        assert_eq!(r, "yes GET 0 http://h:1/echo");
        assert_eq!(h, "X-A: 1\n");
        assert_eq!(
            hop("all", "POST", 301, "c", u).0,
            "yes GET 0 http://h:1/a/c"
        );
        assert_eq!(hop("all", "PUT", 301, "c", u).0, "yes PUT 0 http://h:1/a/c");
        assert_eq!(hop("all", "PUT", 303, "c", u).0, "yes GET 0 http://h:1/a/c");
        assert_eq!(
            hop("all", "HEAD", 303, "c", u).0,
            "yes HEAD 0 http://h:1/a/c"
        );
        let (r, h) = hop("all", "POST", 307, "http://o/x y", u);
        assert_eq!(r, "yes POST 1 http://o/x%20y");
        assert!(h.starts_with("Content-Type"), "{h}");
        assert_eq!(hop("all", "PUT", 308, "//o/z", u).0, "yes PUT 1 http://o/z");
        assert_eq!(
            hop("safe", "POST", 302, "/e", u).0,
            "no POST 1 http://h:1/a/b?q"
        );
        assert_eq!(hop("safe", "GET", 307, "/e", u).0, "yes GET 1 http://h:1/e");
        assert_eq!(
            hop("none", "GET", 302, "/e", u).0,
            "no GET 1 http://h:1/a/b?q"
        );
        assert_eq!(
            hop("all", "GET", 304, "/e", u).0,
            "no GET 1 http://h:1/a/b?q"
        );
        assert_eq!(hop("all", "GET", 302, "", u).0, "no GET 1 http://h:1/a/b?q");
        assert_eq!(
            hop("urllib2", "POST", 303, "/e", u).0,
            "yes GET 0 http://h:1/e"
        );
        assert_eq!(
            hop("urllib2", "POST", 307, "/e", u).0,
            "no POST 1 http://h:1/a/b?q"
        );
        assert_eq!(
            hop("urllib2", "PUT", 302, "/e", u).0,
            "no PUT 1 http://h:1/a/b?q"
        );
        assert_eq!(
            hop("urllib2", "GET", 307, "/e", u).0,
            "yes GET 0 http://h:1/e"
        );
    }

    #[test]
    fn policies_by_name() {
        assert_eq!(Follow::parse("yes"), Ok(Follow::All));
        assert_eq!(Follow::parse("no"), Ok(Follow::None));
        assert_eq!(Follow::parse("urllib2"), Ok(Follow::Urllib2));
        assert!(Follow::parse("some").is_err());
    }
}
