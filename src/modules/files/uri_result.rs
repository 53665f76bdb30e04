//! The target's answer to a `uri` request (its report: status, headers and body) and the
//! result Ansible's `uri` makes of it: `status`, `url`, `redirected`, `msg`, every response
//! header lower-cased with dashes turned into underscores, `cookies`, `json` for a JSON
//! response, `content` when asked, `path` when a `dest` was written. Knows nothing of how the
//! request was made.

use crate::modules::framework::report::Report;
use crate::modules::Output;
use serde_json::{json, Map, Value};

/// What the target's program printed.
#[derive(Debug, Default, PartialEq)]
pub struct Answer {
    /// `creates`/`removes` held the request back: the `stdout` Ansible reports.
    pub skipped: Option<String>,
    /// A failure before the request (no tool, no temp directory, a failed write).
    pub fail: Option<String>,
    /// The tool's exit code.
    pub rc: i32,
    /// The tool's complaint.
    pub err: String,
    /// The response headers of every response in order (redirects, challenges, the last).
    pub head: String,
    /// The destination (`dest`, or the file in the `dest` directory).
    pub path: Option<String>,
    /// The response was accepted and written to the destination (Ansible's change).
    pub wrote: bool,
    /// The last response's body, when sent back.
    pub body: Option<String>,
}

impl Answer {
    /// Reads the program's report: `skipped`, `fail`, `rc`, `err`, `head`, `path`, `wrote`,
    /// `body`.
    pub fn from_report(r: &Report) -> Answer {
        Answer {
            skipped: r.get("skipped").map(str::to_string),
            fail: r.get("fail").map(str::to_string),
            rc: r.get("rc").map_or(0, |v| v.trim().parse().unwrap_or(-1)),
            err: r
                .get("err")
                .unwrap_or("")
                .replace(['\n', '\r'], " ")
                .trim()
                .to_string(),
            head: r.get("head").unwrap_or("").to_string(),
            path: r.get("path").map(str::to_string),
            wrote: r.has("wrote"),
            body: r.get("body").map(str::to_string),
        }
    }
}

/// One response: its status code, reason phrase and headers in order.
#[derive(Debug, PartialEq)]
struct Response {
    code: i64,
    reason: String,
    headers: Vec<(String, String)>,
}

/// The responses in a header dump, in order.
fn responses(head: &str) -> Vec<Response> {
    let mut out: Vec<Response> = Vec::new();
    for line in head.lines() {
        let line = line.trim_end_matches('\r');
        if let Some(status) = line.strip_prefix("HTTP/") {
            let mut words = status.splitn(3, ' ');
            let _version = words.next();
            let code = words.next().and_then(|c| c.parse().ok()).unwrap_or(-1);
            let reason = words.next().unwrap_or("").trim().to_string();
            out.push(Response {
                code,
                reason,
                headers: Vec::new(),
            });
        } else if let (Some(r), Some((k, v))) = (out.last_mut(), line.split_once(':')) {
            r.headers.push((k.trim().to_string(), v.trim().to_string()));
        }
    }
    out
}

/// `loc` resolved against `base`, as Python's `urljoin` does for the usual forms.
pub fn join(base: &str, loc: &str) -> String {
    if loc.contains("://") {
        return loc.to_string();
    }
    let (scheme, rest) = base.split_once("://").unwrap_or(("http", base));
    let authority_end = rest.find('/').unwrap_or(rest.len());
    let origin = format!("{scheme}://{}", &rest[..authority_end]);
    if let Some(net) = loc.strip_prefix("//") {
        return format!("{scheme}://{net}");
    }
    if loc.starts_with('/') {
        return format!("{origin}{loc}");
    }
    let path = rest[authority_end..].split(['?', '#']).next().unwrap_or("");
    let dir = path.rfind('/').map_or("/", |i| &path[..=i]);
    format!("{origin}{dir}{loc}")
}

/// Python's `repr` of a list of ints: `[200, 201]`.
fn list_repr(codes: &[i64]) -> String {
    let items: Vec<String> = codes.iter().map(i64::to_string).collect();
    format!("[{}]", items.join(", "))
}

/// Whether a content type is JSON to Ansible (`json` or `javascript`, also as a `+` suffix).
fn is_json(content_type: &str) -> bool {
    let media = content_type.split(';').next().unwrap_or("").trim();
    let sub = media.split_once('/').map_or("", |(_, s)| s);
    let sub = sub.rsplit_once('+').map_or(sub, |(_, s)| s);
    matches!(sub.to_ascii_lowercase().as_str(), "json" | "javascript")
}

/// Ansible's `uri` result for `answer` to a request of `url`.
pub fn output(
    url: &str,
    codes: &[i64],
    return_content: bool,
    answer: Answer,
    elapsed: u64,
) -> Output {
    let mut o = Output::default();
    if let Some(s) = answer.skipped {
        o.fields.insert("stdout_lines".into(), json!([s.clone()]));
        o.fields.insert("stdout".into(), json!(s));
        return o;
    }
    if let Some(f) = answer.fail {
        o.failed = true;
        o.msg = Some(f);
        return o;
    }
    let rs = responses(&answer.head);
    let mut final_url = url.to_string();
    for r in rs.iter().take(rs.len().saturating_sub(1)) {
        if let Some((_, loc)) = r
            .headers
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case("location"))
        {
            final_url = join(&final_url, loc);
        }
    }
    let f = &mut o.fields;
    // An HTTP error's headers keep the last of a repeated name; a success joins them.
    let mut http_error = false;
    let status = match rs.last() {
        Some(last) if answer.rc == 0 => {
            let ok = (200..300).contains(&last.code);
            for (k, v) in &last.headers {
                let key = k.to_ascii_lowercase().replace('-', "_");
                let joined = match f.get(&key).and_then(Value::as_str) {
                    Some(before) if ok => format!("{before}, {v}"),
                    _ => v.clone(),
                };
                f.insert(key, json!(joined));
            }
            http_error = !ok;
            if ok {
                let n = f
                    .get("content_length")
                    .and_then(Value::as_str)
                    .unwrap_or("unknown")
                    .to_string();
                o.msg = Some(format!("OK ({n} bytes)"));
                let mut cookies = Map::new();
                for r in &rs {
                    for (k, v) in &r.headers {
                        if k.eq_ignore_ascii_case("set-cookie") {
                            let pair = v.split(';').next().unwrap_or("");
                            if let Some((n, v)) = pair.split_once('=') {
                                cookies.insert(n.trim().to_string(), json!(v.trim()));
                            }
                        }
                    }
                }
                let string: Vec<String> = cookies
                    .iter()
                    .map(|(k, v)| format!("{k}={}", v.as_str().unwrap_or("")))
                    .collect();
                f.insert("cookies_string".into(), json!(string.join("; ")));
                f.insert("cookies".into(), Value::Object(cookies));
            } else {
                o.msg = Some(format!("HTTP Error {}: {}", last.code, last.reason));
            }
            if let Some(loc) = f.get("location").and_then(Value::as_str) {
                let joined = join(&final_url, loc);
                f.insert("location".into(), json!(joined));
            }
            last.code
        }
        _ => {
            o.msg = Some(format!("Request failed: {}", answer.err));
            -1
        }
    };
    f.insert("redirected".into(), json!(final_url != url));
    f.insert("url".into(), json!(final_url));
    f.insert("status".into(), json!(status));
    f.insert("elapsed".into(), json!(elapsed));
    if let Some(p) = &answer.path {
        f.insert("path".into(), json!(p));
    }
    o.changed = answer.wrote;
    let json_type = f
        .get("content_type")
        .and_then(Value::as_str)
        .is_some_and(is_json);
    let text = answer.body;
    let accepted = codes.contains(&status);
    if json_type || return_content || !accepted {
        if let (true, Some(t)) = (json_type, &text) {
            if let Ok(v) = serde_json::from_str::<Value>(t) {
                f.insert("json".into(), v);
            }
        }
    } else if http_error {
        // Ansible keeps an error response's body it did not read as `body`.
        f.insert("body".into(), json!(text.clone().unwrap_or_default()));
    }
    if return_content {
        f.insert("content".into(), json!(text.unwrap_or_default()));
    }
    if !accepted {
        o.failed = true;
        o.changed = false;
        o.msg = Some(format!(
            "Status code was {status} and not {}: {}",
            list_repr(codes),
            o.msg.as_deref().unwrap_or("")
        ));
    }
    o
}

#[cfg(test)]
mod tests {
    use super::*;

    const HEAD: &str = "HTTP/1.0 302 Found\r\nLocation: /json\r\nSet-Cookie: a=1; Path=/\r\n\r\n\
                        HTTP/1.0 200 OK\r\nContent-Type: application/json\r\nContent-Length: 8\r\nX-Test-Id: 7\r\n\r\n";

    /// The answer of a program that reported `head`, `body` and the `extra` report lines.
    fn answer(head: &str, body: &str, extra: &str) -> Answer {
        let hex = |t: &str| t.bytes().map(|b| format!("{b:02x}")).collect::<String>();
        let out = format!(
            "@@rsible rc 0\n@@rsible err:x \n@@rsible head:x {}\n{extra}@@rsible body:x {}\n",
            hex(head),
            hex(body)
        );
        Answer::from_report(&Report::parse("uri", &out).expect("report"))
    }

    fn parsed(out: &str) -> Answer {
        Answer::from_report(&Report::parse("uri", out).expect("report"))
    }

    #[test]
    fn a_followed_redirect_to_json() {
        let a = answer(HEAD, "{\"a\": 1}", "");
        let o = output("http://h:1/r", &[200], false, a, 0);
        assert!(!o.failed && !o.changed);
        assert_eq!(o.msg.as_deref(), Some("OK (8 bytes)"));
        assert_eq!(o.fields["url"], json!("http://h:1/json"));
        assert_eq!(o.fields["redirected"], json!(true));
        assert_eq!(o.fields["x_test_id"], json!("7"));
        assert_eq!(o.fields["json"], json!({"a": 1}));
        assert_eq!(o.fields["cookies"], json!({"a": "1"}));
        assert_eq!(o.fields["cookies_string"], json!("a=1"));
        assert!(!o.fields.contains_key("content"));
    }

    #[test]
    fn an_unexpected_status_fails_with_ansibles_message() {
        let head = "HTTP/1.0 404 File not found\r\nContent-Type: text/html\r\n\r\n";
        let a = answer(head, "<p>no</p>", "");
        let o = output("http://h/x", &[200, 201], true, a, 0);
        assert!(o.failed);
        assert_eq!(
            o.msg.as_deref(),
            Some("Status code was 404 and not [200, 201]: HTTP Error 404: File not found")
        );
        assert_eq!(o.fields["content"], json!("<p>no</p>"));
        assert!(!o.fields.contains_key("cookies"));
        let a = answer(head, "<p>no</p>", "");
        let o = output("http://h/x", &[404], false, a, 0);
        assert!(!o.failed);
        assert_eq!(o.fields["body"], json!("<p>no</p>"));
    }

    #[test]
    fn skips_writes_and_connection_failures() {
        let a = parsed("@@rsible skipped skipped, since '/c' exists\n");
        let o = output("u", &[200], false, a, 0);
        assert_eq!(o.fields["stdout"], json!("skipped, since '/c' exists"));
        let head = "HTTP/1.1 200 OK\r\n\r\n";
        let a = answer(head, "", "@@rsible path /tmp/f\n@@rsible wrote\n");
        let o = output("u", &[200], false, a, 0);
        assert!(o.changed);
        assert_eq!(o.fields["path"], json!("/tmp/f"));
        assert_eq!(o.msg.as_deref(), Some("OK (unknown bytes)"));
        let a = parsed("@@rsible rc 7\n@@rsible err:x 6375726c3a2028372920726566757365640a\n@@rsible head:x \n@@rsible body:x \n");
        let o = output("u", &[200], false, a, 0);
        assert!(o.failed);
        assert_eq!(o.fields["status"], json!(-1));
        assert_eq!(
            o.msg.as_deref(),
            Some("Status code was -1 and not [200]: Request failed: curl: (7) refused")
        );
    }

    #[test]
    fn locations_and_content_types() {
        assert_eq!(join("http://h/a/b?q", "c"), "http://h/a/c");
        assert_eq!(join("https://h:8/a", "/z"), "https://h:8/z");
        assert_eq!(join("http://h/a", "http://o/"), "http://o/");
        assert!(is_json("application/vnd.api+json; charset=utf-8"));
        assert!(is_json("text/javascript"));
        assert!(!is_json("text/html"));
    }
}
