//! The package tools the generic `package` module chooses from (apt, dnf, yum, apk): how a
//! target is probed for each, each tool's arguments checked with the tool's own typed
//! `Args` (at load and at run), its plan built, and every argument name some tool accepts.
//! The one place of the family that calls into the tool modules. Knows nothing of playbooks.

use super::backend::Backend;
use crate::modules::framework::args;
use crate::modules::framework::spec::{check_at_load as check, ArgError, Module};
use crate::modules::packages::{apk, apt, dnf};
use serde::de::{self, DeserializeOwned, Deserializer, Visitor};
use serde_json::{Map, Value};
use std::sync::OnceLock;

/// A package tool.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Tool {
    /// apt-get (`apt`).
    Apt,
    /// `dnf`.
    Dnf,
    /// `yum`.
    Yum,
    /// `apk`.
    Apk,
}

impl Tool {
    /// In the order a target is probed for them.
    pub const ALL: [Tool; 4] = [Tool::Apt, Tool::Dnf, Tool::Yum, Tool::Apk];

    /// The module's name, as `ansible_pkg_mgr` says it.
    pub fn name(self) -> &'static str {
        match self {
            Tool::Apt => "apt",
            Tool::Dnf => "dnf",
            Tool::Yum => "yum",
            Tool::Apk => "apk",
        }
    }

    /// The tool `use: NAME` asks for.
    pub fn from_use(name: &str) -> Option<Tool> {
        match name {
            "apt" => Some(Tool::Apt),
            "dnf" | "dnf5" => Some(Tool::Dnf),
            "yum" => Some(Tool::Yum),
            "apk" => Some(Tool::Apk),
            _ => None,
        }
    }

    /// The command whose presence on the target means this tool.
    pub fn command(self) -> &'static str {
        match self {
            Tool::Apt => "apt-get",
            other => other.name(),
        }
    }

    /// Checks `a` with the tool's typed arguments and rules (templates stand for any value).
    pub fn check(self, a: &Map<String, Value>) -> Result<(), ArgError> {
        match self {
            Tool::Apt => check::<apt::Apt>(a),
            Tool::Dnf => check::<dnf::Dnf>(a),
            Tool::Yum => check::<dnf::Yum>(a),
            Tool::Apk => check::<apk::Apk>(a),
        }
    }

    /// The plan of the tool for templated arguments `a`, or why they do not suit it.
    pub fn plan(self, a: &Map<String, Value>) -> Result<Box<dyn Backend>, String> {
        Ok(match self {
            Tool::Apt => Box::new(apt::Plan::new(parse::<apt::Apt>(a)?)?),
            Tool::Dnf => Box::new(dnf::Plan::new("dnf", parse::<dnf::Dnf>(a)?)),
            Tool::Yum => Box::new(dnf::Plan::new("yum", parse::<dnf::Yum>(a)?)),
            Tool::Apk => Box::new(apk::Plan::new(parse::<apk::Apk>(a)?)),
        })
    }
}

fn parse<M: Module>(a: &Map<String, Value>) -> Result<M::Args, String> {
    let parsed = args::parse::<M::Args>(M::NAME, a)?;
    M::validate(&parsed).map_err(|e| format!("{}: {e}", M::NAME))?;
    Ok(parsed)
}

/// Every argument name (aliases too) some tool accepts, and `use`.
pub fn arg_names() -> &'static [&'static str] {
    static NAMES: OnceLock<Vec<&'static str>> = OnceLock::new();
    NAMES.get_or_init(|| {
        let mut all = vec!["use"];
        for names in [
            fields::<apt::Args>(),
            fields::<dnf::Args>(),
            fields::<apk::Args>(),
        ] {
            for n in names {
                if !all.contains(n) {
                    all.push(n);
                }
            }
        }
        all
    })
}

/// The argument names serde knows for the struct `T` (its fields and their aliases).
fn fields<T: DeserializeOwned>() -> &'static [&'static str] {
    let mut names: &'static [&'static str] = &[];
    let _ = T::deserialize(Fields(&mut names));
    names
}

/// A deserializer that only records the field names a struct asks it for.
struct Fields<'a>(&'a mut &'static [&'static str]);

impl<'de> Deserializer<'de> for Fields<'_> {
    type Error = de::value::Error;

    fn deserialize_any<V: Visitor<'de>>(self, _v: V) -> Result<V::Value, Self::Error> {
        Err(de::Error::custom("only a struct's field names are read"))
    }

    fn deserialize_struct<V: Visitor<'de>>(
        self,
        _name: &'static str,
        fields: &'static [&'static str],
        _v: V,
    ) -> Result<V::Value, Self::Error> {
        *self.0 = fields;
        Err(de::Error::custom("only a struct's field names are read"))
    }

    serde::forward_to_deserialize_any! {
        bool i8 i16 i32 i64 i128 u8 u16 u32 u64 u128 f32 f64 char str string bytes byte_buf
        option unit unit_struct newtype_struct seq tuple tuple_struct map enum identifier
        ignored_any
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_names_of_every_tool_with_their_aliases() {
        let n = arg_names();
        for name in [
            "use",
            "name",
            "pkg",
            "package",
            "update-cache",
            "enablerepo",
            "repository",
        ] {
            assert!(n.contains(&name), "{name}: {n:?}");
        }
        assert!(!n.contains(&"nmae"));
    }
}
