//! `user` facts: the remote login's name, ids, home and shell, from `id`, the environment
//! and /etc/passwd. Knows the `id` output format, nothing else.

use super::Facts;
use crate::facts::raw::Raw;
use serde_json::json;

/// The number after `key=` in `id` output (`uid=0(root) gid=0(root) ...`).
fn id_field(id: &str, key: &str) -> Option<(u64, Option<String>)> {
    let word = id.split_whitespace().find_map(|w| w.strip_prefix(key))?;
    let num: String = word.chars().take_while(char::is_ascii_digit).collect();
    let name = word
        .split_once('(')
        .and_then(|(_, r)| r.split_once(')'))
        .map(|(n, _)| n.to_string());
    Some((num.parse().ok()?, name))
}

/// Adds the user facts (nothing if `id` printed nothing usable).
pub fn collect(raw: &Raw, out: &mut Facts) {
    let id = raw.line("id").unwrap_or("");
    let Some((uid, uid_name)) = id_field(id, "uid=") else {
        return;
    };
    let (gid, _) = id_field(id, "gid=").unwrap_or((0, None));
    let euid = id_field(id, "euid=").map_or(uid, |(n, _)| n);
    let env = raw.environ();
    // getpass.getuser(): LOGNAME, USER, LNAME, USERNAME, then the passwd name of the uid.
    let name = ["LOGNAME", "USER", "LNAME", "USERNAME"]
        .iter()
        .find_map(|k| env.iter().find(|(ek, v)| ek == k && !v.is_empty()))
        .map(|(_, v)| v.clone())
        .or(uid_name.clone())
        .unwrap_or_else(|| uid.to_string());
    let passwd = raw.file("/etc/passwd").unwrap_or("");
    let entries: Vec<Vec<&str>> = passwd
        .lines()
        .map(|l| l.split(':').collect::<Vec<_>>())
        .filter(|f| f.len() >= 7)
        .collect();
    let entry = entries
        .iter()
        .find(|f| f[0] == name)
        .or_else(|| entries.iter().find(|f| f[2] == uid.to_string()));
    out.insert("user_id".into(), json!(name));
    match entry {
        Some(f) => {
            out.insert("user_uid".into(), json!(f[2].parse::<u64>().unwrap_or(uid)));
            out.insert("user_gid".into(), json!(f[3].parse::<u64>().unwrap_or(gid)));
            out.insert("user_gecos".into(), json!(f[4]));
            out.insert("user_dir".into(), json!(f[5]));
            out.insert("user_shell".into(), json!(f[6]));
        }
        None => {
            out.insert("user_uid".into(), json!(uid));
            out.insert("user_gid".into(), json!(gid));
            let home = env
                .iter()
                .find(|(k, _)| k == "HOME")
                .map(|(_, v)| v.clone());
            let shell = env
                .iter()
                .find(|(k, _)| k == "SHELL")
                .map(|(_, v)| v.clone());
            out.insert("user_dir".into(), json!(home));
            out.insert("user_shell".into(), json!(shell));
        }
    }
    out.insert("real_user_id".into(), json!(uid));
    out.insert("effective_user_id".into(), json!(euid));
    out.insert("real_group_id".into(), json!(gid));
    out.insert("effective_group_id".into(), json!(gid));
}
