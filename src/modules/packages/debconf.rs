//! `debconf` (ansible.builtin): reads a package's debconf questions and sets one answer.
//! Round trips: a probe reads `debconf-show NAME` (and, for a `password` question, the
//! package's lines of `debconf-get-selections`, since debconf-show hides passwords); an
//! apply (`debconf-set-selections`, `-u` for `unseen`) only when the answer differs, not
//! sent in check mode. The comparison, the result keys (`current`, `previous`, `msg`) and the
//! structured `diff` follow Ansible's module, quirks included: a question new to the package
//! lists every other question in `previous`, a `multiselect` list is compared sorted and
//! reported joined once set, and a password's value shows in the result as Ansible shows it
//! (use `no_log`). A value Ansible's module cannot send (a list other than for `multiselect`,
//! a number or boolean other than for `boolean`) is refused at load. Knows nothing of
//! playbooks.

use crate::connection::quote::quote_str;
use crate::event::Diff;
use crate::modules::framework::ansible_diff::structured_text;
use crate::modules::framework::args::{de_bool, is_template, scalar_text, type_name};
use crate::modules::framework::report::{Report, MARK_FN};
use crate::modules::framework::spec::{spec, Module, Spec, B};
use crate::modules::{Ctx, Failure, Output};
use futures::future::BoxFuture;
use serde::Deserialize;
use serde_json::{json, Map, Value};

/// `debconf` in the registry.
pub const SPEC: Spec = spec::<Debconf>(B, &[]);

/// The `debconf` module.
pub struct Debconf;

/// Arguments of `debconf` (Ansible's names and aliases).
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Args {
    #[serde(alias = "pkg")]
    name: String,
    #[serde(default, alias = "selection", alias = "setting")]
    question: Option<String>,
    #[serde(default)]
    vtype: Option<String>,
    #[serde(default, alias = "answer")]
    value: Option<Value>,
    #[serde(default, deserialize_with = "de_bool")]
    unseen: bool,
}

/// Ansible's `vtype` choices.
const VTYPES: &[&str] = &[
    "boolean",
    "error",
    "multiselect",
    "note",
    "password",
    "seen",
    "select",
    "string",
    "text",
    "title",
];

impl Module for Debconf {
    const NAME: &'static str = "debconf";
    type Args = Args;

    fn validate(a: &Args) -> Result<(), String> {
        let given = [a.question.is_some(), a.vtype.is_some(), a.value.is_some()];
        if given.contains(&true) && given.contains(&false) {
            return Err("parameters are required together: question, vtype, value".into());
        }
        let Some(vtype) = a.vtype.as_deref().filter(|v| !is_template(v)) else {
            return Ok(());
        };
        if !VTYPES.contains(&vtype) {
            return Err(crate::modules::framework::args::choice_error(
                "vtype", VTYPES, vtype,
            ));
        }
        match (vtype, &a.value) {
            (_, None | Some(Value::String(_))) => Ok(()),
            ("boolean", Some(Value::Bool(_) | Value::Number(_))) => Ok(()),
            ("multiselect", Some(Value::Array(items))) if items.iter().all(Value::is_string) => {
                Ok(())
            }
            (_, Some(v)) => Err(format!(
                "value: a {} with vtype={vtype} is not supported by rsible (Ansible's module \
                 fails on it: it sends text, a list of text for multiselect, or a boolean)",
                type_name(v)
            )),
        }
    }

    fn run<'a>(a: Args, ctx: &'a Ctx<'a>) -> BoxFuture<'a, Result<Output, Failure>> {
        Box::pin(debconf(a, ctx))
    }
}

/// The answer to set, as Ansible's module holds it after reading its arguments.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Answer {
    Text(String),
    /// A `multiselect` given as a list.
    List(Vec<String>),
}

impl Answer {
    /// The argument as Ansible reads it for `vtype` (a boolean's text lowercased).
    fn of(value: &Value, vtype: &str) -> Answer {
        match value {
            Value::Array(items) => Answer::List(items.iter().map(scalar_text).collect()),
            v if vtype == "boolean" => Answer::Text(scalar_text(v).to_lowercase()),
            v => Answer::Text(scalar_text(v)),
        }
    }

    fn json(&self) -> Value {
        match self {
            Answer::Text(s) => json!(s),
            Answer::List(l) => json!(l),
        }
    }

    /// The text debconf-set-selections is given.
    fn text(&self) -> String {
        match self {
            Answer::Text(s) => s.clone(),
            Answer::List(l) => l.join(", "),
        }
    }
}

/// `debconf-show` output as Ansible reads it: `question: value` per line, the seen mark
/// (`*`) and surrounding blanks taken off, in the order listed.
fn selections(show: &str) -> Map<String, Value> {
    show.lines()
        .filter_map(|l| l.split_once(':'))
        .map(|(k, v)| {
            let k = k.trim_matches(|c: char| c == '*').trim();
            (k.to_string(), json!(v.trim()))
        })
        .collect()
}

/// A password's value in the package's lines of `debconf-get-selections` (tab separated:
/// package, question, type, value), as Ansible looks it up: the first line with three
/// fields or fewer gives an empty value; `None` when no line matches.
fn password_value(lines: &str, question: &str, vtype: &str) -> Option<String> {
    for line in lines.split('\n') {
        let f: Vec<&str> = line.split('\t').collect();
        if f.len() <= 3 {
            return Some(String::new());
        }
        if f[1] == question && f[2] == vtype {
            return Some(f[3].to_string());
        }
    }
    None
}

/// The probe: the package's questions (`show`, or `rc`/`err` when debconf-show fails,
/// `noshow` without it) and, for a password, the package's selection lines (`sel`, or
/// `selrc`/`selerr`, `nosel`).
fn probe(pkg: &str, password: bool) -> String {
    let sel = if password {
        r#"if g=$(command -v debconf-get-selections); then
  x=$("$g" 2>/dev/null); c=$?
  if [ "$c" = 0 ]; then mx sel "$(printf '%s\n' "$x" | P="$p" awk 'index($0, ENVIRON["P"]) == 1')"
  else m selrc "$c"; mx selerr "$("$g" 2>&1 >/dev/null)"; fi
else m nosel; fi
"#
    } else {
        ""
    };
    format!(
        r#"LC_ALL=C; export LC_ALL
{MARK_FN}p={}
s=$(command -v debconf-show) || {{ m noshow "$PATH"; exit 0; }}
o=$("$s" "$p" 2>/dev/null); c=$?
if [ "$c" != 0 ]; then m rc "$c"; mx err "$("$s" "$p" 2>&1 >/dev/null)"; exit 0; fi
mx show "$o"
{sel}"#,
        quote_str(pkg)
    )
}

/// The apply: `line` to debconf-set-selections; its stdout as `out`, and `rc`/`err` when it
/// fails.
fn apply(line: &str, unseen: bool) -> String {
    format!(
        r#"LC_ALL=C; export LC_ALL
{MARK_FN}s=$(command -v debconf-set-selections) || {{ m noset "$PATH"; exit 0; }}
e=$(mktemp) || exit 1
o=$(printf '%s\n' {} | "$s"{} 2>"$e"); c=$?
x=$(cat "$e"); rm -f "$e"
mx out "$o"
if [ "$c" != 0 ]; then m rc "$c"; mx err "$x"; fi
"#,
        quote_str(line),
        if unseen { " -u" } else { "" }
    )
}

/// Ansible's message for a program it cannot find on the target's `PATH`.
fn missing(prog: &str, path: &str) -> String {
    format!("Failed to find required executable \"{prog}\" in paths: {path}")
}

/// Ansible's answer when nothing changes: the package's questions as `current`.
fn unchanged(prev: Map<String, Value>) -> Output {
    let mut o = Output {
        msg: Some(String::new()),
        ..Output::default()
    };
    o.fields.insert("current".into(), Value::Object(prev));
    o
}

fn failed(msg: String) -> Output {
    Output {
        failed: true,
        msg: Some(msg),
        ..Output::default()
    }
}

/// `debconf`: a probe, then an apply when the answer differs (see the file header).
async fn debconf(a: Args, ctx: &Ctx<'_>) -> Result<Output, Failure> {
    let vtype = a.vtype.as_deref().unwrap_or("");
    let out = ctx
        .probe(probe(&a.name, vtype == "password").into_bytes(), Vec::new())
        .await?;
    let r = Report::parse("debconf", &String::from_utf8_lossy(&out.stdout))?;
    if let Some(path) = r.get("noshow") {
        return Ok(failed(missing("debconf-show", path)));
    }
    if r.has("rc") {
        return Ok(failed(r.get("err").unwrap_or("").to_string()));
    }
    let Some(show) = r.get("show") else {
        return Err(Failure::Failed(format!(
            "debconf: the remote program failed (exit code {}): {}",
            out.status.rc(),
            String::from_utf8_lossy(&out.stderr).trim()
        )));
    };
    let mut prev = selections(show);
    let (Some(question), Some(value)) = (a.question.as_deref(), a.value.as_ref()) else {
        return Ok(unchanged(prev));
    };
    let mut answer = Answer::of(value, vtype);
    let changed = match prev.get(question) {
        None => true,
        Some(existing) => {
            let existing = existing.as_str().unwrap_or("");
            match (vtype, &mut answer) {
                ("boolean", Answer::Text(v)) => *v != existing.to_lowercase(),
                ("password", Answer::Text(v)) => {
                    if let Some(path) = r.get("nosel") {
                        return Ok(failed(missing("debconf-get-selections", path)));
                    }
                    if r.has("selrc") {
                        return Ok(failed(format!(
                            "Failed to get the value '{question}' from '{}': {}",
                            a.name,
                            r.get("selerr").unwrap_or("")
                        )));
                    }
                    let lines = r.get("sel").unwrap_or("");
                    password_value(lines, question, vtype).as_deref() != Some(v.as_str())
                }
                ("multiselect", Answer::List(l)) => {
                    l.sort();
                    let mut have: Vec<String> =
                        existing.split(',').map(|i| i.trim().to_string()).collect();
                    have.sort();
                    *l != have
                }
                (_, Answer::Text(v)) => v != existing,
                (_, Answer::List(_)) => true,
            }
        }
    };
    if !changed {
        return Ok(unchanged(prev));
    }
    let mut o = Output::default();
    let line = format!("{} {question} {vtype} {}", a.name, answer.text());
    let mut msg = String::new();
    if let Some(out) = ctx
        .apply(apply(&line, a.unseen).into_bytes(), Vec::new())
        .await?
    {
        let r = Report::parse("debconf", &String::from_utf8_lossy(&out.stdout))?;
        if let Some(path) = r.get("noset") {
            return Ok(failed(missing("debconf-set-selections", path)));
        }
        if r.has("rc") {
            return Ok(failed(r.get("err").unwrap_or("").to_string()));
        }
        msg = r.get("out").unwrap_or("").to_string();
        // Once sent, Ansible's module holds a multiselect list as the text it sent.
        answer = Answer::Text(answer.text());
    }
    let current = Map::from_iter([(question.to_string(), answer.json())]);
    match prev.get(question).cloned() {
        Some(v) => prev = Map::from_iter([(question.to_string(), v)]),
        None => {
            prev.insert(question.to_string(), json!(""));
        }
    }
    let diff = if ctx.diff {
        let mut after = prev.clone();
        after.insert(question.to_string(), answer.json());
        let (before, after) = (Value::Object(prev.clone()), Value::Object(after));
        o.diffs.push(Diff {
            before_header: String::new(),
            after_header: String::new(),
            before: structured_text(&before),
            after: structured_text(&after),
        });
        json!({"before": before, "after": after})
    } else {
        json!({})
    };
    o.changed = true;
    o.msg = Some(msg);
    o.fields.insert("current".into(), Value::Object(current));
    o.fields.insert("previous".into(), Value::Object(prev));
    o.fields.insert("diff".into(), diff);
    Ok(o)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::modules::framework::spec::check;

    #[test]
    fn arguments() {
        assert_eq!(check::<Debconf>(json!({"pkg": "tzdata"})), Ok(true));
        let full = json!({"name": "p", "setting": "p/q", "vtype": "boolean", "answer": true});
        assert_eq!(check::<Debconf>(full), Ok(true));
        let list = json!({"name": "p", "question": "q", "vtype": "multiselect", "value": ["a"]});
        assert_eq!(check::<Debconf>(list), Ok(true));
        assert!(check::<Debconf>(json!({"name": "p", "question": "q"})).is_err());
        let bad = json!({"name": "p", "question": "q", "vtype": "bool", "value": "x"});
        assert!(check::<Debconf>(bad).is_err());
        let num = json!({"name": "p", "question": "q", "vtype": "string", "value": 5});
        assert!(check::<Debconf>(num)
            .unwrap_err()
            .contains("not supported by rsible"));
        let list = json!({"name": "p", "question": "q", "vtype": "select", "value": ["a"]});
        assert!(check::<Debconf>(list).is_err());
        assert!(check::<Debconf>(json!({"name": "p", "type": "x"})).is_err());
    }

    #[test]
    fn debconf_show_reads_as_ansible_reads_it() {
        let show = "* tzdata/Areas: Etc\n  tzdata/Zones/Asia:\n  p/pw: (password omitted)\n";
        let s = selections(show);
        assert_eq!(s.get("tzdata/Areas"), Some(&json!("Etc")));
        assert_eq!(s.get("tzdata/Zones/Asia"), Some(&json!("")));
        assert_eq!(s.get("p/pw"), Some(&json!("(password omitted)")));
        assert_eq!(s.keys().next().map(String::as_str), Some("tzdata/Areas"));
    }

    #[test]
    fn passwords_are_looked_up_as_ansible_does() {
        let lines = "p\tp/other\tstring\tx\np\tp/pw\tpassword\tsecret";
        assert_eq!(
            password_value(lines, "p/pw", "password"),
            Some("secret".into())
        );
        assert_eq!(password_value(lines, "p/none", "password"), None);
        assert_eq!(
            password_value("p\tp/pw", "p/pw", "password"),
            Some("".into())
        );
    }

    #[test]
    fn answers_read_their_vtype() {
        assert_eq!(
            Answer::of(&json!(true), "boolean"),
            Answer::Text("true".into())
        );
        assert_eq!(
            Answer::of(&json!("Yes"), "boolean"),
            Answer::Text("yes".into())
        );
        assert_eq!(Answer::of(&json!(["b", "a"]), "multiselect").text(), "b, a");
    }

    #[test]
    fn programs_quote_and_parse() {
        let p = probe("p'q", true);
        assert!(p.contains("p='p'\\''q'"), "{p}");
        assert!(p.contains("debconf-get-selections"));
        assert!(!probe("p", false).contains("debconf-get-selections"));
        let a = apply("p p/q string a b", true);
        assert!(
            a.contains("printf '%s\\n' 'p p/q string a b' | \"$s\" -u"),
            "{a}"
        );
        crate::modules::framework::sh_check::assert_parses(&p);
        crate::modules::framework::sh_check::assert_parses(&a);
    }
}
