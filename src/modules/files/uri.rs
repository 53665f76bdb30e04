//! `uri`: an HTTP request made by the target with curl or GNU wget (whichever it has, probed
//! in the same program). The password, the headers and the body travel on the program's
//! stdin and reach the tool through a config file in a private temp directory, never on a
//! command line. With `dest`, an accepted response body is written through the atomic writer
//! when it differs. The answer (status, headers, body) comes back length-framed and is turned
//! into Ansible's result here ([`super::uri_result`]). Like Ansible's `uri`, it does not run in
//! check mode. Knows nothing of playbooks.

use super::common::edit::de_opt_mode;
use super::uri_result::{self, Answer};
use crate::connection::quote::quote_str;
use crate::modules::framework::args::{
    de_bool, de_opt_int, de_opt_list, de_opt_string, is_template, scalar_text, yes,
};
use crate::modules::framework::mode::Mode;
use crate::modules::framework::spec::{spec, Module, Spec, B};
use crate::modules::framework::write::{self, WriteOpts};
use crate::modules::{Ctx, Failure, Output};
use futures::future::BoxFuture;
use serde::Deserialize;
use serde_json::{Map, Value};

/// `uri` in the registry.
pub const SPEC: Spec = spec::<Uri>(B, &[]);

/// The `uri` module.
pub struct Uri;

/// `body_format`: how a structured `body` is encoded.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Deserialize)]
pub enum BodyFormat {
    /// The body as written.
    #[default]
    #[serde(rename = "raw")]
    Raw,
    /// JSON (`Content-Type: application/json` unless given).
    #[serde(rename = "json")]
    Json,
    /// `a=1&b=2` (`Content-Type: application/x-www-form-urlencoded` unless given).
    #[serde(rename = "form-urlencoded")]
    Form,
}

/// Arguments of `uri` (Ansible's names and aliases).
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Args {
    url: String,
    #[serde(default, deserialize_with = "de_opt_string")]
    dest: Option<String>,
    #[serde(default, alias = "user", deserialize_with = "de_opt_string")]
    url_username: Option<String>,
    #[serde(default, alias = "password", deserialize_with = "de_opt_string")]
    url_password: Option<String>,
    #[serde(default, deserialize_with = "de_bool")]
    force_basic_auth: bool,
    #[serde(default)]
    body: Option<Value>,
    #[serde(default)]
    body_format: BodyFormat,
    #[serde(default, deserialize_with = "de_opt_string")]
    method: Option<String>,
    #[serde(default, deserialize_with = "de_bool")]
    return_content: bool,
    #[serde(default, deserialize_with = "de_opt_string")]
    follow_redirects: Option<String>,
    #[serde(default, deserialize_with = "de_opt_string")]
    creates: Option<String>,
    #[serde(default, deserialize_with = "de_opt_string")]
    removes: Option<String>,
    #[serde(default, deserialize_with = "de_opt_list")]
    status_code: Option<Vec<String>>,
    #[serde(default, deserialize_with = "de_opt_int")]
    timeout: Option<i64>,
    #[serde(default)]
    headers: Map<String, Value>,
    #[serde(default = "yes", deserialize_with = "de_bool")]
    validate_certs: bool,
    /// A PEM client certificate on the target (TLS client authentication).
    #[serde(default, deserialize_with = "de_opt_string")]
    client_cert: Option<String>,
    /// The client certificate's private key on the target.
    #[serde(default, deserialize_with = "de_opt_string")]
    client_key: Option<String>,
    /// A CA bundle on the target to check the server's certificate with.
    #[serde(default, deserialize_with = "de_opt_string")]
    ca_path: Option<String>,
    #[serde(default, alias = "thirsty", deserialize_with = "de_bool")]
    force: bool,
    #[serde(default = "yes", deserialize_with = "de_bool")]
    use_proxy: bool,
    #[serde(default, deserialize_with = "de_opt_string")]
    http_agent: Option<String>,
    #[serde(default, deserialize_with = "de_opt_mode")]
    mode: Option<Mode>,
    #[serde(default, deserialize_with = "de_opt_string")]
    owner: Option<String>,
    #[serde(default, deserialize_with = "de_opt_string")]
    group: Option<String>,
}

/// `follow_redirects` values and whether each follows a redirect of a non-GET request
/// (`Some(true)`), of GET and HEAD only (`Some(false)`) or none (`None`).
fn follows(v: &str) -> Result<Option<bool>, String> {
    match v {
        "all" | "yes" | "urllib2" => Ok(Some(true)),
        "safe" => Ok(Some(false)),
        "none" | "no" => Ok(None),
        other => Err(format!(
            "value of follow_redirects must be one of: all, no, none, safe, urllib2, yes, got: {other}"
        )),
    }
}

impl Module for Uri {
    const NAME: &'static str = "uri";
    type Args = Args;

    fn validate(a: &Args) -> Result<(), String> {
        if let Some(Mode::Preserve) = a.mode {
            return Err("mode 'preserve' only applies to copy".into());
        }
        if let Some(m) = a.method.as_deref().filter(|m| !is_template(m)) {
            let up = m.to_ascii_uppercase();
            if up.is_empty() || !up.bytes().all(|b| b.is_ascii_uppercase()) {
                return Err(
                    "Parameter 'method' needs to be a single word in uppercase, like GET or POST."
                        .into(),
                );
            }
        }
        if let Some(f) = a.follow_redirects.as_deref().filter(|f| !is_template(f)) {
            follows(f)?;
        }
        for c in a.status_code.iter().flatten().filter(|c| !is_template(c)) {
            c.parse::<i64>().map_err(|_| {
                format!("argument 'status_code': {c:?} cannot be converted to an int")
            })?;
        }
        if let Some(p) = a.url_password.as_deref() {
            if p.contains('\n') {
                return Err("url_password must not contain a newline".into());
            }
        }
        for (k, v) in &a.headers {
            if k.contains(['\n', '\r', ':']) || scalar_text(v).contains(['\n', '\r']) {
                return Err(format!("header {k:?}: a name or value with a line break or a colon in the name cannot be sent"));
            }
        }
        Ok(())
    }

    fn run<'a>(a: Args, ctx: &'a Ctx<'a>) -> BoxFuture<'a, Result<Output, Failure>> {
        Box::pin(uri(a, ctx))
    }
}

/// What Python's `str()` makes of a form value.
fn form_text(v: &Value) -> String {
    match v {
        Value::String(s) => s.clone(),
        other => crate::template::python_repr(other),
    }
}

/// `a=1&b=x+y`, as Python's `urlencode(..., doseq=True)`; `None` values are left out.
fn form_urlencoded(body: &Value) -> Result<String, String> {
    let pairs: Vec<(String, &Value)> = match body {
        Value::String(s) => return Ok(s.clone()),
        Value::Object(m) => m.iter().map(|(k, v)| (k.clone(), v)).collect(),
        Value::Array(items) => items
            .iter()
            .map(|p| match p.as_array().map(Vec::as_slice) {
                Some([k, v]) => Ok((form_text(k), v)),
                _ => Err(
                    "failed to parse body as form_urlencoded: a list needs [key, value] pairs"
                        .to_string(),
                ),
            })
            .collect::<Result<_, _>>()?,
        other => return Ok(form_text(other)),
    };
    let mut out = Vec::new();
    for (k, v) in pairs {
        let values = match v {
            Value::Array(vs) => vs.iter().collect(),
            Value::Object(_) => vec![v],
            _ => vec![v],
        };
        for v in values.into_iter().filter(|v| !v.is_null()) {
            out.push(format!("{}={}", quote_plus(&k), quote_plus(&form_text(v))));
        }
    }
    Ok(out.join("&"))
}

/// Python's `quote_plus`: letters, digits and `_.-~` kept, spaces as `+`, the rest `%XX`.
fn quote_plus(s: &str) -> String {
    let mut o = String::new();
    for b in s.bytes() {
        match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'_' | b'.' | b'-' | b'~' => {
                o.push(b as char)
            }
            b' ' => o.push('+'),
            _ => o.push_str(&format!("%{b:02X}")),
        }
    }
    o
}

/// The request body and the headers to send (the `Content-Type` the format implies added
/// unless one is given).
fn request(a: &Args) -> Result<(Option<Vec<u8>>, Vec<String>), String> {
    let mut headers: Vec<String> = a
        .headers
        .iter()
        .map(|(k, v)| format!("{k}: {}", scalar_text(v)))
        .collect();
    let has_type = a
        .headers
        .keys()
        .any(|k| k.eq_ignore_ascii_case("content-type"));
    let (body, ctype) = match (a.body_format, &a.body) {
        (BodyFormat::Json, b) => (
            b.as_ref().map(|b| match b {
                Value::String(s) => s.clone(),
                other => crate::template::python_json(other),
            }),
            Some("application/json"),
        ),
        (BodyFormat::Form, b) => (
            b.as_ref().map(form_urlencoded).transpose()?,
            Some("application/x-www-form-urlencoded"),
        ),
        (BodyFormat::Raw, b) => (
            b.as_ref().map(|b| match b {
                Value::String(s) => s.clone(),
                other => crate::template::python_json(other),
            }),
            None,
        ),
    };
    if let (Some(t), false) = (ctype, has_type) {
        headers.push(format!("Content-Type: {t}"));
    }
    Ok((body.map(String::into_bytes), headers))
}

/// The accepted status codes.
fn codes(a: &Args) -> Result<Vec<i64>, String> {
    match &a.status_code {
        None => Ok(vec![200]),
        Some(cs) => cs
            .iter()
            .map(|c| {
                c.parse()
                    .map_err(|_| format!("argument 'status_code': {c:?} is not an int"))
            })
            .collect(),
    }
}

/// The program's stdin: the password line, the header count and lines, then the body.
fn stdin(a: &Args, headers: &[String], body: Option<&[u8]>) -> Vec<u8> {
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

/// The first part of the program: skips for `creates`/`removes` (`S` line), reads stdin
/// into the temp directory `$td`, and resolves a directory `dest`.
fn prelude(a: &Args) -> String {
    let mut s = format!(
        "LC_ALL=C; export LC_ALL\nfail() {{ printf 'F %s\\n' \"$*\"; exit 0; }}\nu={}\nd={}\nun={}\n",
        quote_str(&a.url),
        quote_str(a.dest.as_deref().unwrap_or("")),
        quote_str(a.url_username.as_deref().unwrap_or("")),
    );
    if let Some(c) = &a.creates {
        s.push_str(&format!(
            "c={}\n[ -e \"$c\" ] && {{ printf \"S skipped, since '%s' exists\\n\" \"$c\"; exit 0; }}\n",
            quote_str(c)
        ));
    }
    if let Some(r) = &a.removes {
        s.push_str(&format!(
            "c={}\n[ -e \"$c\" ] || {{ printf \"S skipped, since '%s' does not exist\\n\" \"$c\"; exit 0; }}\n",
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
        quote_str(&super::get_url::url_file_name(&a.url))
    ));
    if !a.force {
        s.push_str("[ -n \"$d\" ] && [ -f \"$d\" ] && printf 'If-Modified-Since: %s\\n' \"$(date -u -r \"$d\" '+%a, %d %b %Y %H:%M:%S GMT')\" >> \"$td/h\"\n");
    }
    s
}

/// The request with curl (its options in a config file) or GNU wget (a wgetrc), leaving the
/// last response's headers in `$td/head`, its body in `$td/out`, the tool's exit code in
/// `rc` and its complaint in `$td/err`.
fn request_program(a: &Args, method: &str, has_body: bool) -> Result<String, String> {
    let follow = follows(a.follow_redirects.as_deref().unwrap_or("safe"))?;
    let follow = match follow {
        Some(true) => true,
        Some(false) => matches!(method, "GET" | "HEAD"),
        None => false,
    };
    let t = a.timeout.unwrap_or(30);
    let agent = a.http_agent.as_deref().unwrap_or("ansible-httpget");
    let mut curl = format!("curl -sS -K \"$td/cfg\" -D \"$td/head\" -o \"$td/out\" --max-time {t}");
    if method == "HEAD" {
        curl.push_str(" -I");
    } else {
        curl.push_str(&format!(" -X {method}"));
    }
    if has_body {
        curl.push_str(" --data-binary @\"$td/b\"");
    }
    if follow {
        curl.push_str(" -L --max-redirs 10");
    }
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
        "wget -q -S --content-on-error -O \"$td/out\" --method={method} --timeout={t} --tries=1 --max-redirect={}",
        if follow { 10 } else { 0 }
    );
    if has_body {
        wget.push_str(" --body-file=\"$td/b\"");
    }
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
if command -v curl >/dev/null 2>&1; then
  tool=curl
  {{
    printf 'user-agent = "%s"\n' "$(printf '%s' "$ag" | esc)"
    if [ -n "$un" ]; then printf 'user = "%s"\n{curl_auth}\n' "$(printf '%s:%s' "$un" "$pw" | esc)"; fi
    while IFS= read -r l; do printf 'header = "%s"\n' "$(printf '%s' "$l" | esc)"; done < "$td/h"
  }} > "$td/cfg"
  {curl} "$u" 2>"$td/err"; rc=$?
elif wget --help 2>&1 | grep -q -e --method; then
  tool=wget
  {{
    printf 'user_agent = %s\n' "$ag"
    if [ -n "$un" ]; then printf 'http_user = %s\nhttp_password = %s\n' "$un" "$pw"; fi
    {auth_no_challenge}{check_cert}while IFS= read -r l; do printf 'header = %s\n' "$l"; done < "$td/h"
  }} > "$td/cfg"
  WGETRC="$td/cfg" {wget} "$u" 2>"$td/e2"; rc=$?
  sed -n 's/^  //p' "$td/e2" > "$td/head"
  grep -v '^  ' "$td/e2" > "$td/err"
  [ "$rc" = 8 ] && rc=0
else
  fail 'uri needs curl or GNU wget (with --method) on the target, and it has neither'
fi
[ -f "$td/out" ] || : > "$td/out"
[ -f "$td/head" ] || : > "$td/head"
"#,
        agent = quote_str(agent),
        auth_no_challenge = if a.force_basic_auth {
            "echo 'auth_no_challenge = on'\n    "
        } else {
            ""
        },
        check_cert = if a.validate_certs {
            ""
        } else {
            "echo 'check_certificate = off'\n    "
        },
    ))
}

/// The answer: `R rc`, `E error`, `H n` and the headers, the `dest` write (`P path`, `W`
/// when it wrote), then `B n` and the body when the controller needs it.
fn answer_program(a: &Args, codes: &[i64]) -> Result<String, String> {
    let codes = codes
        .iter()
        .map(i64::to_string)
        .collect::<Vec<_>>()
        .join(" ");
    let mut s = format!(
        "printf 'R %s\\n' \"$rc\"\nprintf 'E %s\\n' \"$(head -c 400 \"$td/err\" | tr '\\n\\r' '  ')\"\n\
         printf 'H %s\\n' \"$(wc -c < \"$td/head\")\"\ncat \"$td/head\"\n\
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
            "printf 'P %s\\n' \"$d\"\nif [ \"$ok\" = 1 ] && [ \"$st\" != 304 ]; then\n  echo W\n  \
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
    s.push_str("printf 'B %s\\n' \"$(wc -c < \"$td/out\")\"\ncat \"$td/out\"\n");
    Ok(s)
}

/// `uri`: one program, an apply (Ansible's `uri` does not run in check mode).
async fn uri(a: Args, ctx: &Ctx<'_>) -> Result<Output, Failure> {
    let method = a.method.as_deref().unwrap_or("GET").to_ascii_uppercase();
    let codes = codes(&a).map_err(Failure::BadArgs)?;
    let (body, headers) = request(&a).map_err(Failure::BadArgs)?;
    let mut script = prelude(&a);
    script.push_str(&request_program(&a, &method, body.is_some()).map_err(Failure::BadArgs)?);
    script.push_str(&answer_program(&a, &codes).map_err(Failure::Failed)?);
    let input = stdin(&a, &headers, body.as_deref());
    let started = std::time::Instant::now();
    let Some(out) = ctx.apply(script.into_bytes(), input).await? else {
        return Ok(Output {
            skipped: true,
            msg: Some("remote module (uri) does not support check mode".into()),
            ..Output::default()
        });
    };
    if out.status.rc() != 0 {
        return Err(Failure::Failed(format!(
            "uri: the remote program failed (exit code {}): {}",
            out.status.rc(),
            String::from_utf8_lossy(&out.stderr).trim()
        )));
    }
    let answer = Answer::parse(&out.stdout).map_err(Failure::Failed)?;
    Ok(uri_result::output(
        &a.url,
        &codes,
        a.return_content,
        answer,
        started.elapsed().as_secs(),
    ))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::modules::framework::load_check;
    use serde_json::json;

    fn args_of(v: Value) -> Args {
        load_check::parse("uri", v.as_object().expect("obj"))
            .expect("args")
            .expect("no templates")
    }

    fn check(v: Value) -> Result<(), String> {
        let a = load_check::parse::<Args>("uri", v.as_object().expect("obj")).map_err(|e| e.msg)?;
        a.map_or(Ok(()), |a| Uri::validate(&a))
    }

    #[test]
    fn arguments() {
        assert_eq!(check(json!({"url": "http://x/"})), Ok(()));
        assert_eq!(
            check(
                json!({"url": "http://x/", "user": "a", "password": "b", "method": "post",
                "status_code": "200,201", "body_format": "json", "body": {"a": 1},
                "follow_redirects": "all", "thirsty": true, "timeout": "5"})
            ),
            Ok(())
        );
        assert_eq!(
            check(json!({"url": "{{ u }}", "method": "{{ m }}", "status_code": ["{{ c }}"]})),
            Ok(())
        );
        assert!(check(json!({"dest": "/d"})).is_err());
        assert!(check(json!({"url": "http://x/", "methdo": "GET"})).is_err());
        assert!(check(json!({"url": "http://x/", "method": "two words"})).is_err());
        assert!(check(json!({"url": "http://x/", "body_format": "xml"})).is_err());
        assert!(check(json!({"url": "http://x/", "follow_redirects": "some"})).is_err());
        assert!(check(json!({"url": "http://x/", "status_code": [200, "ok"]})).is_err());
        assert!(check(json!({"url": "http://x/", "password": "a\nb"})).is_err());
        assert!(check(json!({"url": "http://x/", "body_format": "form-multipart"})).is_err());
    }

    #[test]
    fn bodies_as_python_encodes_them() {
        let a = args_of(json!({"url": "u", "body_format": "json", "body": {"a": [1, "é"]}}));
        let (b, h) = request(&a).expect("request");
        assert_eq!(b.as_deref(), Some(&b"{\"a\": [1, \"\\u00e9\"]}"[..]));
        assert_eq!(h, vec!["Content-Type: application/json".to_string()]);
        let a = args_of(json!({"url": "u", "body_format": "form-urlencoded",
            "body": {"name": "a b&c", "n": [1, 2], "t": true, "none": null},
            "headers": {"content-type": "text/x"}}));
        let (b, h) = request(&a).expect("request");
        assert_eq!(
            String::from_utf8(b.expect("body")).expect("utf8"),
            "name=a+b%26c&n=1&n=2&t=True"
        );
        assert_eq!(h, vec!["content-type: text/x".to_string()]);
        let a = args_of(json!({"url": "u"}));
        assert_eq!(request(&a).expect("request"), (None, vec![]));
    }

    #[test]
    fn secrets_travel_on_stdin_only() {
        let a = args_of(
            json!({"url": "http://h/p", "user": "me", "password": "s3cr'et",
            "headers": {"Authorization": "Bearer tok"}, "body": "payload", "dest": "/tmp/x",
            "creates": "/c", "mode": "0600"}),
        );
        let (body, headers) = request(&a).expect("request");
        let mut p = prelude(&a);
        p.push_str(&request_program(&a, "POST", body.is_some()).expect("program"));
        p.push_str(&answer_program(&a, &[200]).expect("answer"));
        assert!(
            !p.contains("s3cr") && !p.contains("tok") && !p.contains("payload"),
            "{p}"
        );
        let input = stdin(&a, &headers, body.as_deref());
        assert!(input.starts_with(b"s3cr'et\n1\nAuthorization: Bearer tok\npayload"));
        assert!(p.contains("chmod 600 \"$d\""), "{p}");
        let out = std::process::Command::new("sh")
            .args(["-n", "-c", &p])
            .output()
            .expect("sh");
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
    }

    #[test]
    fn client_certificates_reach_both_tools() {
        let a = args_of(json!({"url": "https://h/", "client_cert": "/etc/k/c.pem",
            "client_key": "/etc/k/it's.key", "ca_path": "/etc/k/ca.pem"}));
        let p = request_program(&a, "GET", false).expect("program");
        assert!(
            p.contains(" --cert /etc/k/c.pem --key '/etc/k/it'\\''s.key' --cacert /etc/k/ca.pem"),
            "{p}"
        );
        assert!(p.contains(" --certificate=/etc/k/c.pem '--private-key=/etc/k/it'\\''s.key' --ca-certificate=/etc/k/ca.pem"), "{p}");
        let out = std::process::Command::new("sh")
            .args(["-n", "-c", &p])
            .output()
            .expect("sh");
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
    }

    #[test]
    fn redirects_follow_as_asked() {
        let a = args_of(json!({"url": "u"}));
        assert!(request_program(&a, "GET", false)
            .expect("p")
            .contains(" -L "));
        assert!(!request_program(&a, "POST", false)
            .expect("p")
            .contains(" -L "));
        let a = args_of(json!({"url": "u", "follow_redirects": "all"}));
        assert!(request_program(&a, "POST", true)
            .expect("p")
            .contains(" -L "));
        let a = args_of(json!({"url": "u", "follow_redirects": "none"}));
        assert!(!request_program(&a, "GET", false)
            .expect("p")
            .contains(" -L "));
    }
}
