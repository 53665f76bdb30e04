//! `--format json`: one JSON object per event and line, the event as serialized plus
//! `"time"`, seconds since the reporter started. Knows nothing of terminals.

use crate::event::Event;
use serde_json::{Map, Value};

/// The line for `ev` at `secs` seconds, with its newline.
pub(crate) fn line(ev: &Event, secs: f64) -> String {
    format!("{}\n", value(ev, secs))
}

/// The object for `ev` at `secs` seconds: the event as serialized plus `"time"` (what
/// `--report` keeps, without a text round trip).
pub(crate) fn value(ev: &Event, secs: f64) -> Value {
    let mut obj = match serde_json::to_value(ev) {
        Ok(Value::Object(m)) => m,
        // Every variant is a struct or newtype of one: an object. Keep the line valid anyway.
        Ok(other) => Map::from_iter([("value".to_string(), other)]),
        Err(e) => Map::from_iter([("error".to_string(), Value::String(e.to_string()))]),
    };
    let time = serde_json::Number::from_f64((secs * 1000.0).round() / 1000.0)
        .map_or(Value::Null, Value::Number);
    obj.insert("time".to_string(), time);
    Value::Object(obj)
}
