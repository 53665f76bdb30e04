//! `uri`: an HTTP request made by the target with curl or GNU wget (whichever it has, probed
//! in the same program, [`program`]). The password, the headers and the body travel on the
//! program's stdin and reach the tool through a config file in a private temp directory,
//! never on a command line. Redirects are followed by the program, hop by hop, by Ansible's
//! rules for `follow_redirects`. With `dest`, an accepted response body is written through
//! the atomic writer when it differs. The answer (status, headers, body) comes back in the
//! report format and is turned into Ansible's result by [`super::uri_result`]. Like Ansible's
//! `uri`, it does not run in check mode. Knows nothing of playbooks.

mod program;

use super::common::edit::de_opt_mode;
use super::uri_result::{self, Answer};
use crate::modules::framework::args::{
    de_bool, de_opt_int, de_opt_list, de_opt_string, is_template, scalar_text, yes,
};
use crate::modules::framework::mode::Mode;
use crate::modules::framework::report::Report;
use crate::modules::framework::spec::{spec, Module, Spec, B};
use crate::modules::{Ctx, Failure, Output};
use futures::future::BoxFuture;
use program::Follow;
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
            Follow::parse(f)?;
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

/// `uri`: one program, an apply (Ansible's `uri` does not run in check mode).
async fn uri(a: Args, ctx: &Ctx<'_>) -> Result<Output, Failure> {
    let method = a.method.as_deref().unwrap_or("GET").to_ascii_uppercase();
    let codes = codes(&a).map_err(Failure::BadArgs)?;
    let (body, headers) = request(&a).map_err(Failure::BadArgs)?;
    let script = program::program(&a, &method, body.is_some(), &codes).map_err(Failure::BadArgs)?;
    let input = program::stdin(&a, &headers, body.as_deref());
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
    let report = Report::parse("uri", &String::from_utf8_lossy(&out.stdout))?;
    let answer = Answer::from_report(&report);
    Ok(uri_result::output(
        &a.url,
        &codes,
        a.return_content,
        answer,
        started.elapsed().as_secs(),
    ))
}

#[cfg(test)]
pub(super) mod tests {
    use super::*;
    use crate::modules::framework::load_check;
    use serde_json::json;

    /// The arguments of a `uri` task without templates.
    pub(super) fn args_of(v: Value) -> Args {
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
}
