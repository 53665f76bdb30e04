//! Checking a module's arguments at load, before any variable has a value, with the very
//! `Args` type the module reads at run time. A templated argument (`mode: "{{ m }}"`) has no
//! type yet: it is read as whatever the type asks for, and when a check of its own needs
//! the value (a custom reader, a number in a string), that argument is set aside and the rest
//! checked again. Knows nothing of any one module.

use super::args;
use super::spec::ArgError;
use crate::template::is_template;
use serde::de::{
    self, DeserializeOwned, DeserializeSeed, Deserializer, IntoDeserializer, MapAccess, SeqAccess,
    Visitor,
};
use serde_json::{Map, Value};

/// The parsed arguments, `Ok(None)` when a templated argument kept the check from
/// finishing (a required argument given only as a template), or the first error.
pub fn parse<T: DeserializeOwned>(
    module: &str,
    raw: &Map<String, Value>,
) -> Result<Option<T>, ArgError> {
    let mut map = Map::new();
    for (i, (k, v)) in raw.iter().enumerate() {
        map.insert(k.clone(), mark(v, i));
    }
    // What Ansible reads and serde refuses (an option with its alias, `1.0` for an int);
    // the warnings come again when the task runs.
    args::as_ansible_reads(&mut map, &|m| {
        T::deserialize(Lenient(Value::Object(m.clone())))
            .map(drop)
            .map_err(|e| e.to_string())
    });
    let keys: Vec<&String> = raw.keys().collect();
    let mut set_aside = false;
    loop {
        let err = match T::deserialize(Lenient(Value::Object(map.clone()))) {
            Ok(t) => return Ok((!set_aside).then_some(t)),
            Err(e) => e.to_string(),
        };
        if let Some(i) = marked_in(&err) {
            map.remove(keys[i]);
            set_aside = true;
            continue;
        }
        if set_aside && err.starts_with("missing field") {
            return Ok(None);
        }
        // An unknown name is wrong whatever its value.
        if err.starts_with("unknown field") {
            return Err(to_arg_error(module, raw, &err));
        }
        // A reader that failed on a template without quoting it: set every template aside.
        let before = map.len();
        map.retain(|_, v| !has_marker(v));
        if map.len() < before {
            set_aside = true;
            continue;
        }
        let e = to_arg_error(module, raw, &err);
        return Err(match e.arg {
            Some(_) => e,
            None => blame::<T>(e, &map, &err),
        });
    }
}

/// `e` with its argument named when its message does not quote the value (a list or a
/// mapping where a scalar is expected): the one argument without which `msg` goes away.
fn blame<T: DeserializeOwned>(mut e: ArgError, map: &Map<String, Value>, msg: &str) -> ArgError {
    let culprit = map.keys().find(|k| {
        let mut rest = map.clone();
        rest.remove(*k);
        T::deserialize(Lenient(Value::Object(rest))).map_or_else(|e| e.to_string() != msg, |_| true)
    });
    if let Some(k) = culprit {
        e.msg = format!("argument '{k}': {}", e.msg);
        e.arg = Some(k.clone());
    }
    e
}

/// `v` with every templated string replaced by the marker of top-level argument `i`.
fn mark(v: &Value, i: usize) -> Value {
    match v {
        Value::String(s) if is_template(s) => Value::String(marker(i)),
        Value::Array(a) => Value::Array(a.iter().map(|x| mark(x, i)).collect()),
        Value::Object(o) => Value::Object(o.iter().map(|(k, x)| (k.clone(), mark(x, i))).collect()),
        other => other.clone(),
    }
}

fn has_marker(v: &Value) -> bool {
    match v {
        Value::String(s) => is_marker(s),
        Value::Array(a) => a.iter().any(has_marker),
        Value::Object(o) => o.values().any(has_marker),
        _ => false,
    }
}

const MARK: &str = "@@rsible-template-";

fn marker(i: usize) -> String {
    format!("{MARK}{i}@@")
}

/// Whether `s` is the stand-in of a templated argument during the load-time check.
pub fn is_marker(s: &str) -> bool {
    s.starts_with(MARK) && s.ends_with("@@")
}

/// The argument whose marker an error message quotes.
fn marked_in(msg: &str) -> Option<usize> {
    let at = msg.find(MARK)? + MARK.len();
    let rest = &msg[at..];
    rest[..rest.find('@')?].parse().ok()
}

/// serde's message turned into the argument at fault and what it says.
fn to_arg_error(module: &str, raw: &Map<String, Value>, msg: &str) -> ArgError {
    if let Some(rest) = msg.strip_prefix("unknown field `") {
        let (arg, tail) = rest.split_once('`').unwrap_or((rest, ""));
        let expected = tail
            .split('`')
            .skip(1)
            .step_by(2)
            .map(str::to_string)
            .collect();
        return ArgError {
            arg: Some(arg.to_string()),
            msg: format!("Unsupported parameters for ({module}) module: {arg}"),
            expected,
        };
    }
    if let Some(rest) = msg.strip_prefix("missing field `") {
        let arg = rest.split('`').next().unwrap_or(rest);
        return ArgError {
            arg: Some(arg.to_string()),
            msg: format!("missing required arguments: {arg}"),
            expected: Vec::new(),
        };
    }
    // serde does not name the field of a type error: find the argument whose value the
    // message shows (see `shows`).
    let culprit = raw
        .iter()
        .find(|(_, v)| !v.is_object() && !v.is_array() && shows(msg, v));
    ArgError {
        arg: culprit.map(|(k, _)| k.clone()),
        msg: match culprit {
            Some((k, _)) => {
                let msg = args::reword_variant(k, msg).unwrap_or_else(|| msg.to_string());
                format!("argument '{k}': {msg}")
            }
            None => msg.to_string(),
        },
        expected: Vec::new(),
    }
}

/// Whether `msg` shows the scalar `v`: a string in quotes (`"v"`, `'v'` or `` `v` ``, as serde
/// and the argument readers show values, so that the `a` of "not a valid boolean" is not
/// taken for a value `a`), a number or boolean also as a word of its own.
fn shows(msg: &str, v: &Value) -> bool {
    let text = quoted(v);
    let word = |c: Option<char>| c.is_some_and(|c| c.is_alphanumeric() || c == '_');
    msg.match_indices(&text).any(|(at, _)| {
        let before = msg[..at].chars().next_back();
        let after = msg[at + text.len()..].chars().next();
        match before {
            Some(q @ ('"' | '\'' | '`')) if after == Some(q) => true,
            _ => !v.is_string() && !word(before) && !word(after),
        }
    })
}

/// How serde's messages show a scalar value.
fn quoted(v: &Value) -> String {
    match v {
        Value::String(s) => s.clone(),
        other => other.to_string(),
    }
}

/// A JSON value read leniently: a marked string stands for a value of any type.
struct Lenient(Value);

type Error = serde_json::Error;

impl Lenient {
    fn template(&self) -> Option<&str> {
        match &self.0 {
            Value::String(s) if is_marker(s) => Some(s),
            _ => None,
        }
    }
}

macro_rules! scalar {
    ($($method:ident => $visit:ident($($value:expr)?)),* $(,)?) => {
        $(fn $method<V: Visitor<'de>>(self, v: V) -> Result<V::Value, Error> {
            if self.template().is_some() {
                return v.$visit($($value)?);
            }
            self.0.$method(v)
        })*
    };
}

impl<'de> Deserializer<'de> for Lenient {
    type Error = Error;

    fn deserialize_any<V: Visitor<'de>>(self, v: V) -> Result<V::Value, Error> {
        match self.0 {
            Value::Array(a) => v.visit_seq(Seq(a.into_iter())),
            Value::Object(o) => v.visit_map(Entries {
                it: o.into_iter(),
                value: None,
            }),
            other => other.deserialize_any(v),
        }
    }

    scalar! {
        deserialize_bool => visit_bool(false),
        deserialize_i8 => visit_i64(0),
        deserialize_i16 => visit_i64(0),
        deserialize_i32 => visit_i64(0),
        deserialize_i64 => visit_i64(0),
        deserialize_u8 => visit_u64(0),
        deserialize_u16 => visit_u64(0),
        deserialize_u32 => visit_u64(0),
        deserialize_u64 => visit_u64(0),
        deserialize_f32 => visit_f64(0.0),
        deserialize_f64 => visit_f64(0.0),
        deserialize_char => visit_char('x'),
        deserialize_bytes => visit_bytes(&[]),
        deserialize_byte_buf => visit_bytes(&[]),
        deserialize_unit => visit_unit(),
    }

    fn deserialize_str<V: Visitor<'de>>(self, v: V) -> Result<V::Value, Error> {
        self.deserialize_any(v)
    }

    fn deserialize_string<V: Visitor<'de>>(self, v: V) -> Result<V::Value, Error> {
        self.deserialize_any(v)
    }

    fn deserialize_option<V: Visitor<'de>>(self, v: V) -> Result<V::Value, Error> {
        match self.0 {
            Value::Null => v.visit_none(),
            _ => v.visit_some(self),
        }
    }

    fn deserialize_unit_struct<V: Visitor<'de>>(
        self,
        _name: &'static str,
        v: V,
    ) -> Result<V::Value, Error> {
        self.deserialize_unit(v)
    }

    fn deserialize_newtype_struct<V: Visitor<'de>>(
        self,
        _name: &'static str,
        v: V,
    ) -> Result<V::Value, Error> {
        v.visit_newtype_struct(self)
    }

    fn deserialize_seq<V: Visitor<'de>>(self, v: V) -> Result<V::Value, Error> {
        match self.0 {
            Value::Array(a) => v.visit_seq(Seq(a.into_iter())),
            _ if self.template().is_some() => v.visit_seq(Seq(Vec::new().into_iter())),
            other => other.deserialize_seq(v),
        }
    }

    fn deserialize_tuple<V: Visitor<'de>>(self, _len: usize, v: V) -> Result<V::Value, Error> {
        self.deserialize_seq(v)
    }

    fn deserialize_tuple_struct<V: Visitor<'de>>(
        self,
        _name: &'static str,
        _len: usize,
        v: V,
    ) -> Result<V::Value, Error> {
        self.deserialize_seq(v)
    }

    fn deserialize_map<V: Visitor<'de>>(self, v: V) -> Result<V::Value, Error> {
        match self.0 {
            Value::Object(o) => v.visit_map(Entries {
                it: o.into_iter(),
                value: None,
            }),
            _ if self.template().is_some() => v.visit_map(Entries {
                it: Map::new().into_iter(),
                value: None,
            }),
            other => other.deserialize_map(v),
        }
    }

    fn deserialize_struct<V: Visitor<'de>>(
        self,
        _name: &'static str,
        _fields: &'static [&'static str],
        v: V,
    ) -> Result<V::Value, Error> {
        match self.0 {
            Value::Array(a) => v.visit_seq(Seq(a.into_iter())),
            other => Lenient(other).deserialize_map(v),
        }
    }

    fn deserialize_enum<V: Visitor<'de>>(
        self,
        name: &'static str,
        variants: &'static [&'static str],
        v: V,
    ) -> Result<V::Value, Error> {
        if self.template().is_some() {
            if let Some(first) = variants.first() {
                let unit: de::value::StrDeserializer<'_, Error> = first.into_deserializer();
                return v.visit_enum(unit);
            }
        }
        self.0.deserialize_enum(name, variants, v)
    }

    fn deserialize_identifier<V: Visitor<'de>>(self, v: V) -> Result<V::Value, Error> {
        self.deserialize_any(v)
    }

    fn deserialize_ignored_any<V: Visitor<'de>>(self, v: V) -> Result<V::Value, Error> {
        v.visit_unit()
    }
}

struct Seq(std::vec::IntoIter<Value>);

impl<'de> SeqAccess<'de> for Seq {
    type Error = Error;

    fn next_element_seed<S: DeserializeSeed<'de>>(
        &mut self,
        seed: S,
    ) -> Result<Option<S::Value>, Error> {
        self.0
            .next()
            .map(|x| seed.deserialize(Lenient(x)))
            .transpose()
    }
}

struct Entries {
    it: serde_json::map::IntoIter,
    value: Option<Value>,
}

impl<'de> MapAccess<'de> for Entries {
    type Error = Error;

    fn next_key_seed<K: DeserializeSeed<'de>>(
        &mut self,
        seed: K,
    ) -> Result<Option<K::Value>, Error> {
        match self.it.next() {
            Some((k, v)) => {
                self.value = Some(v);
                seed.deserialize(Value::String(k)).map(Some)
            }
            None => Ok(None),
        }
    }

    fn next_value_seed<S: DeserializeSeed<'de>>(&mut self, seed: S) -> Result<S::Value, Error> {
        seed.deserialize(Lenient(self.value.take().unwrap_or(Value::Null)))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::modules::framework::args::{de_bool, de_opt_string};
    use serde::Deserialize;
    use serde_json::json;

    #[derive(Debug, Deserialize)]
    #[serde(deny_unknown_fields)]
    #[allow(dead_code)]
    struct Args {
        path: String,
        #[serde(default, deserialize_with = "de_bool")]
        force: bool,
        #[serde(default)]
        count: Option<u32>,
        #[serde(default, deserialize_with = "de_opt_string")]
        owner: Option<String>,
        #[serde(default)]
        state: Option<State>,
        #[serde(default, deserialize_with = "de_size")]
        size: Option<u64>,
    }

    fn de_size<'de, D: Deserializer<'de>>(d: D) -> Result<Option<u64>, D::Error> {
        let s = String::deserialize(d)?;
        s.parse().map(Some).map_err(de::Error::custom)
    }

    #[derive(Debug, Deserialize)]
    #[serde(rename_all = "lowercase")]
    enum State {
        Present,
        Absent,
    }

    fn check(v: Value) -> Result<bool, ArgError> {
        parse::<Args>("m", v.as_object().unwrap()).map(|a| a.is_some())
    }

    #[test]
    fn literal_arguments_are_checked_in_full() {
        assert_eq!(
            check(json!({"path": "/x", "force": "yes", "count": 3})),
            Ok(true)
        );
        let e = check(json!({"path": "/x", "forse": true})).unwrap_err();
        assert_eq!(e.arg.as_deref(), Some("forse"));
        assert!(e.expected.contains(&"force".to_string()), "{e:?}");
        let e = check(json!({"path": "/x", "count": "many"})).unwrap_err();
        assert_eq!(e.arg.as_deref(), Some("count"), "{e:?}");
        let e = check(json!({"path": "/x", "force": "maybe"})).unwrap_err();
        assert_eq!(e.arg.as_deref(), Some("force"), "{e:?}");
        let e = check(json!({"path": "/x", "state": "gone"})).unwrap_err();
        assert_eq!(e.arg.as_deref(), Some("state"), "{e:?}");
        let e = check(json!({"force": true})).unwrap_err();
        assert_eq!(e.msg, "missing required arguments: path");
        let e = check(json!({"path": "/x", "owner": ["root"]})).unwrap_err();
        assert_eq!(e.arg.as_deref(), Some("owner"), "{e:?}");
        assert_eq!(e.msg, "argument 'owner': expected a string, got list");
    }

    #[test]
    fn templates_stand_for_any_type_and_the_rest_is_still_checked() {
        let all = json!({"path": "{{ p }}", "force": "{{ f }}", "count": "{{ n }}",
            "owner": "{{ o }}", "state": "{{ s }}"});
        assert_eq!(check(all), Ok(true));
        let e = check(json!({"path": "{{ p }}", "force": "{{ f }}", "modee": 1})).unwrap_err();
        assert_eq!(e.arg.as_deref(), Some("modee"));
        let e = check(json!({"force": "{{ f }}", "count": "x", "path": "/p"})).unwrap_err();
        assert_eq!(e.arg.as_deref(), Some("count"), "{e:?}");
        // A reader that needs the value sets the template aside; the rest is still checked.
        assert_eq!(check(json!({"path": "/p", "size": "{{ s }}"})), Ok(false));
        assert_eq!(check(json!({"path": "/p", "size": "12"})), Ok(true));
        let e = check(json!({"size": "{{ s }}", "path": "/p", "bad": 1})).unwrap_err();
        assert_eq!(e.arg.as_deref(), Some("bad"));
        let e = check(json!({"path": "/p", "bad": "{{ b }}"})).unwrap_err();
        assert_eq!(e.arg.as_deref(), Some("bad"));
        assert!(check(json!({"path": "/p", "size": "x"})).is_err());
    }

    #[test]
    fn a_value_is_blamed_only_where_the_message_quotes_it() {
        let e = check(json!({"path": "v", "force": "both"})).unwrap_err();
        assert_eq!(e.arg.as_deref(), Some("force"), "{e:?}");
        let e = check(json!({"path": "a", "force": [true]})).unwrap_err();
        assert_ne!(e.arg.as_deref(), Some("path"), "{e:?}");
        let e = check(json!({"path": "/p", "size": 7})).unwrap_err();
        assert_eq!(e.arg.as_deref(), Some("size"), "{e:?}");
    }

    #[test]
    fn what_ansible_reads_loads() {
        assert_eq!(check(json!({"path": "/x", "count": 3.0})), Ok(true));
        assert_eq!(check(json!({"path": "/x", "count": "{{ n }}"})), Ok(true));
        assert!(check(json!({"path": "/x", "count": 3.5})).is_err());
        #[derive(Debug, Deserialize)]
        #[serde(deny_unknown_fields)]
        #[allow(dead_code)]
        struct Aliased {
            #[serde(alias = "dest")]
            path: String,
        }
        let both = json!({"path": "/a", "dest": "{{ d }}"});
        let parsed = parse::<Aliased>("m", both.as_object().expect("obj"));
        assert!(matches!(parsed, Ok(Some(_))), "{parsed:?}");
    }
}
