//! Reading `docker compose --progress json` event lines as community.docker reads them: each
//! line of a compose command's stderr becomes an [`Event`] (what, which, status, message);
//! from the events come `changed` (some resource was being created, started, stopped,
//! removed, ...), the `actions` list and the failure message. Pure: no I/O, knows nothing of
//! the module's arguments.

use serde_json::{json, Map, Value};

/// Statuses of a resource that is being changed.
const WORKING: &[&str] = &[
    "Creating",
    "Starting",
    "Restarting",
    "Stopping",
    "Killing",
    "Removing",
    "Recreate",
    "Pulling",
    "Building",
];
/// Statuses of a finished step.
const DONE: &[&str] = &[
    "Started",
    "Healthy",
    "Exited",
    "Restarted",
    "Running",
    "Created",
    "Stopped",
    "Killed",
    "Removed",
    "Recreated",
    "Pulled",
    "Built",
];
/// Statuses of an image pull.
const PULL: &[&str] = &["Pulled", "Pulling"];
/// Statuses of an image build.
const BUILD: &[&str] = &["Built", "Building"];
/// Layer progress of a finished pull step.
const LAYER_DONE: &[&str] = &["Already exists", "Download complete", "Pull complete"];
/// Layer progress of a pull step under way (compose's older words).
const LAYER_WORKING_OLD: &[&str] = &[
    "Pulling fs layer",
    "Waiting",
    "Downloading",
    "Verifying Checksum",
    "Extracting",
];

/// Whether `s` is a status compose reports (working, done, error, waiting, warning).
fn is_status(s: Option<&str>) -> bool {
    s.is_some_and(|s| {
        WORKING.contains(&s) || DONE.contains(&s) || ["Error", "Waiting", "Warning"].contains(&s)
    })
}

/// Whether `s` is a layer's pull progress under way.
fn layer_working(s: Option<&str>) -> bool {
    s.is_some_and(|s| LAYER_WORKING_OLD.contains(&s) || s == "Working")
}

/// One compose event.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Event {
    /// `network`, `image`, `image-layer`, `volume`, `container`, `service` or `unknown`.
    pub what: &'static str,
    /// The resource (`app-web-1`), when the line names one.
    pub id: Option<String>,
    /// Its status (`Creating`, `Running`, `Error`, ...).
    pub status: Option<String>,
    /// The line's message.
    pub msg: Option<String>,
}

/// The resource type of compose's word for it.
fn resource(word: &str) -> Option<&'static str> {
    Some(match word {
        "Network" => "network",
        "Image" => "image",
        "Volume" => "volume",
        "Container" => "container",
        "Service" => "service",
        _ => return None,
    })
}

/// A JSON field as text (`None` when absent, null or not a string).
fn text(v: &Value, key: &str) -> Option<String> {
    v.get(key).and_then(Value::as_str).map(str::to_string)
}

/// The events of one compose command's stderr. A line that is not a JSON object is skipped
/// (community.docker warns about it), except compose's own `Warning: ...` lines.
pub fn parse(stderr: &str) -> Vec<Event> {
    let mut events = Vec::new();
    for line in stderr.lines().map(str::trim) {
        if !(line.starts_with('{') && line.ends_with('}')) {
            if let Some(w) = line.strip_prefix("Warning: ") {
                events.push(event(
                    "unknown",
                    None,
                    Some("Warning".into()),
                    Some(w.into()),
                ));
            }
            continue;
        }
        let Ok(v) = serde_json::from_str::<Value>(line) else {
            continue;
        };
        if let Some(e) = from_json(&v) {
            events.push(e);
        }
    }
    events
}

/// An [`Event`] from its parts.
fn event(
    what: &'static str,
    id: Option<String>,
    status: Option<String>,
    msg: Option<String>,
) -> Event {
    Event {
        what,
        id,
        status,
        msg,
    }
}

/// One JSON event line as community.docker reads it (`None`: a line it skips).
fn from_json(v: &Value) -> Option<Event> {
    if v.get("tail").is_some_and(truthy) {
        let msg = text(v, "text");
        return Some(match msg {
            Some(m) if m.to_lowercase().starts_with("warning:") => {
                let rest = m["warning:".len()..].trim_start().to_string();
                event("unknown", None, Some("Warning".into()), Some(rest))
            }
            m => event("unknown", None, Some("Error".into()), m),
        });
    }
    if v.get("error").is_some_and(truthy) {
        return Some(event(
            "unknown",
            text(v, "id"),
            Some("Error".into()),
            text(v, "message"),
        ));
    }
    let mut what = "unknown";
    let mut id = text(v, "id");
    let parent = text(v, "parent_id");
    let mut status = text(v, "status");
    let mut txt = text(v, "text");
    let level = text(v, "level");
    if id.as_deref() == Some(" ") {
        if let Some(service) = txt
            .as_deref()
            .and_then(|t| t.strip_prefix("build service "))
        {
            id = Some(format!("Service {service}"));
            txt = Some("Building".into());
        }
    }
    let id_ends = |suffix: &str| id.as_deref().is_some_and(|i| i.ends_with(suffix));
    let txt_starts = |prefix: &str| txt.as_deref().is_some_and(|t| t.starts_with(prefix));
    if id_ends("==>") && txt_starts("==> writing image ")
        || id_ends("==> ==>") && txt_starts("naming to ")
    {
        return None;
    }
    let layer_of = parent.as_deref().and_then(|p| p.strip_prefix("Image "));
    if matches!(status.as_deref(), Some("Working" | "Done")) && layer_of.is_some() {
        what = "image-layer";
        id = layer_of.map(str::to_string);
    } else if let Some((word, rest)) = id.as_deref().and_then(|i| i.split_once(' ')) {
        what = resource(word).unwrap_or("unknown");
        id = Some(rest.to_string());
    } else if txt.as_deref().is_some_and(|t| PULL.contains(&t)) {
        what = "image";
        std::mem::swap(&mut status, &mut txt);
    } else if txt
        .as_deref()
        .is_some_and(|t| LAYER_DONE.contains(&t) || LAYER_WORKING_OLD.contains(&t))
    {
        what = "image-layer";
        std::mem::swap(&mut status, &mut txt);
    } else if status.is_none() && txt_starts("Skipped - ") {
        let t = txt.take().unwrap_or_default();
        let (s, rest) = t.split_once(" - ").unwrap_or((&t, ""));
        status = Some(s.to_string());
        txt = Some(rest.to_string());
    } else if v.get("msg").is_some() {
        if let Some(s) = match level.as_deref() {
            Some("warning") => Some("Warning"),
            Some("error") => Some("Error"),
            _ => None,
        } {
            status = Some(s.into());
            txt = text(v, "msg");
        }
    }
    if !is_status(status.as_deref()) && is_status(txt.as_deref()) {
        std::mem::swap(&mut status, &mut txt);
    }
    Some(event(what, id, status, txt))
}

/// Python's truth of a JSON value.
fn truthy(v: &Value) -> bool {
    match v {
        Value::Null => false,
        Value::Bool(b) => *b,
        Value::Number(n) => n.as_f64() != Some(0.0),
        Value::String(s) => !s.is_empty(),
        Value::Array(a) => !a.is_empty(),
        Value::Object(o) => !o.is_empty(),
    }
}

/// Whether the events changed something: a resource being worked on (an `up`'s service pulls
/// and builds set aside when asked), or a layer being pulled.
pub fn has_changes(events: &[Event], ignore_pulls: bool, ignore_builds: bool) -> bool {
    events.iter().any(|e| {
        let s = e.status.as_deref();
        if s.is_some_and(|s| WORKING.contains(&s)) {
            let pull = s.is_some_and(|s| PULL.contains(&s));
            let build = s.is_some_and(|s| BUILD.contains(&s));
            return !(ignore_pulls && pull || ignore_builds && build);
        }
        e.what == "image-layer" && layer_working(s)
    })
}

/// The `actions` list: each resource being worked on, and each layer pull step once.
pub fn actions(events: &[Event]) -> Vec<Value> {
    let mut out = Vec::new();
    let mut pulls: Vec<(Option<&str>, Option<&str>)> = Vec::new();
    for e in events {
        let s = e.status.as_deref();
        let entry = || json!({"what": e.what, "id": e.id, "status": e.status});
        if e.what == "image-layer" && layer_working(s) {
            let key = (e.id.as_deref(), s);
            if !pulls.contains(&key) {
                pulls.push(key);
                out.push(entry());
            }
        }
        if e.what != "image-layer" && s.is_some_and(|s| WORKING.contains(&s)) {
            out.push(entry());
        }
    }
    out
}

/// The failure message of a command that exited `rc`: its error events, each on a line, or
/// the exit code when there is none.
pub fn failure(events: &[Event], rc: i64) -> String {
    let errors: Vec<String> = events
        .iter()
        .filter(|e| e.status.as_deref() == Some("Error"))
        .map(|e| {
            let prefix = match e.id.as_deref() {
                None | Some("") if e.what == "unknown" => "General error: ".to_string(),
                None => String::new(),
                Some(id) if e.what == "unknown" => format!("Error when processing {id}: "),
                Some(id) => format!("Error when processing {} {id}: ", e.what),
            };
            format!("{prefix}{}", e.msg.as_deref().unwrap_or("Error"))
        })
        .collect();
    if errors.is_empty() {
        format!("Return code {rc} is non-zero")
    } else {
        errors.join("\n")
    }
}

/// One `docker compose ps --format json` container as the module returns it: `Labels` as a
/// dict, `Names` and `Networks` as lists, `Publishers` a list.
pub fn container(mut c: Map<String, Value>) -> Map<String, Value> {
    let labels: Map<String, Value> = c
        .get("Labels")
        .and_then(Value::as_str)
        .filter(|l| !l.is_empty())
        .map(|l| {
            l.split(',')
                .map(|part| {
                    let (k, v) = part.split_once('=').unwrap_or((part, ""));
                    (k.to_string(), json!(v))
                })
                .collect()
        })
        .unwrap_or_default();
    c.insert("Labels".into(), Value::Object(labels));
    let split = |v: Option<&Value>| -> Value {
        json!(v
            .and_then(Value::as_str)
            .unwrap_or("")
            .split(',')
            .collect::<Vec<_>>())
    };
    let names = split(c.get("Names").or_else(|| c.get("Name")));
    c.insert("Names".into(), names);
    let nets = split(c.get("Networks"));
    c.insert("Networks".into(), nets);
    if !c.get("Publishers").is_some_and(truthy) {
        c.insert("Publishers".into(), json!([]));
    }
    c
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn up_events_read_as_changes() {
        let err = r#"{"id":"Network app_default","status":"Creating"}
{"id":"Network app_default","status":"Created"}
{"id":"Container app-web-1","status":"Creating"}
{"id":"Container app-web-1","status":"Started"}
"#;
        let ev = parse(err);
        assert_eq!(ev.len(), 4);
        assert_eq!(ev[2].what, "container");
        assert_eq!(ev[2].id.as_deref(), Some("app-web-1"));
        assert!(has_changes(&ev, true, true));
        let acts = actions(&ev);
        assert_eq!(
            acts,
            vec![
                json!({"what": "network", "id": "app_default", "status": "Creating"}),
                json!({"what": "container", "id": "app-web-1", "status": "Creating"}),
            ]
        );
        let still = parse(r#"{"id":"Container app-web-1","status":"Running"}"#);
        assert!(!has_changes(&still, true, true));
    }

    #[test]
    fn pulls_of_a_service_are_set_aside_when_asked() {
        let ev = parse(r#"{"id":"web","text":"Pulling"}"#);
        assert_eq!(ev[0].what, "image");
        assert_eq!(ev[0].status.as_deref(), Some("Pulling"));
        assert!(!has_changes(&ev, true, false));
        assert!(has_changes(&ev, false, false));
        let layer = parse(r#"{"id":"63a2","parent_id":"Image nginx:1","status":"Working"}"#);
        assert_eq!(layer[0].what, "image-layer");
        assert!(has_changes(&layer, true, true));
    }

    #[test]
    fn errors_make_the_message() {
        let ev = parse(
            "{\"id\":\"Container app-web-1\",\"status\":\"Error\",\"text\":\"port is taken\"}\n\
             {\"tail\":true,\"text\":\"no such image\"}\nWarning: old\nnot json\n",
        );
        assert_eq!(
            failure(&ev, 1),
            "Error when processing container app-web-1: port is taken\nGeneral error: no such image"
        );
        assert_eq!(failure(&[], 3), "Return code 3 is non-zero");
        assert_eq!(ev[2].status.as_deref(), Some("Warning"));
    }

    #[test]
    fn containers_are_reshaped() {
        let c = serde_json::from_str::<Map<String, Value>>(
            r#"{"Name":"app-web-1","Labels":"a=1,b","Networks":"n1,n2","Publishers":null}"#,
        )
        .unwrap();
        let c = container(c);
        assert_eq!(c["Names"], json!(["app-web-1"]));
        assert_eq!(c["Labels"], json!({"a": "1", "b": ""}));
        assert_eq!(c["Networks"], json!(["n1", "n2"]));
        assert_eq!(c["Publishers"], json!([]));
    }
}
