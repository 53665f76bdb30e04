//! `mount` (ansible.posix): manage fstab entries and what is mounted. A probe reads the
//! fstab and whether the path is a mount point; [`set_entry`] / [`unset_entry`] edit the
//! fstab on the controller as Ansible does (comments and other lines kept, swap entries
//! `none`/`swap` told apart by their source); an apply writes the fstab through the atomic
//! writer and mounts, remounts or unmounts. Round trips: one when nothing changes (or in
//! check mode), two otherwise. Knows nothing of playbooks; arguments arrive templated.

use crate::connection::quote::quote;
use crate::event::Diff;
use crate::modules::framework::args::yes;
use crate::modules::framework::args::{de_bool, de_opt_string, is_template};
use crate::modules::framework::spec::{spec, Module, Spec, POSIX};
use crate::modules::framework::write::{self, WriteOpts};
use crate::modules::system::common::{self, choices, de_text};
use crate::modules::{Ctx, Failure, Output};
use futures::future::BoxFuture;
use serde::Deserialize;
use serde_json::{json, Map};

/// `mount` in the registry.
pub const SPEC: Spec = spec::<Mount>(POSIX, &[]);

/// The `mount` module.
pub struct Mount;

/// Arguments of `mount` (Ansible's names and aliases).
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Args {
    #[serde(alias = "name", deserialize_with = "de_text")]
    path: String,
    #[serde(default, deserialize_with = "de_opt_string")]
    src: Option<String>,
    #[serde(default, deserialize_with = "de_opt_string")]
    fstype: Option<String>,
    #[serde(default, deserialize_with = "de_opt_string")]
    opts: Option<String>,
    #[serde(default, deserialize_with = "de_opt_string")]
    dump: Option<String>,
    #[serde(default, deserialize_with = "de_opt_string")]
    passno: Option<String>,
    state: MountState,
    #[serde(default, deserialize_with = "de_opt_string")]
    fstab: Option<String>,
    #[serde(default, deserialize_with = "de_bool")]
    backup: bool,
    #[serde(default = "yes", deserialize_with = "de_bool")]
    boot: bool,
}

choices! {
    /// What the task asks of the fstab entry and the mount point.
    pub enum MountState("state") {
        /// In the fstab.
        Present = "present",
        /// Out of the fstab, unmounted, its directory removed.
        Absent = "absent",
        /// In the fstab and mounted.
        Mounted = "mounted",
        /// Not mounted (the fstab untouched).
        Unmounted = "unmounted",
        /// Mounted again.
        Remounted = "remounted",
        /// Mounted without an fstab entry: refused by rsible.
        Ephemeral = "ephemeral",
    }
}

impl Module for Mount {
    const NAME: &'static str = "mount";
    type Args = Args;

    /// Ansible's rules (`src` and `fstype` to mount, an absolute path), and what rsible
    /// refuses.
    fn validate(a: &Args) -> Result<(), String> {
        use MountState as S;
        if a.state == S::Ephemeral {
            return Err("state=ephemeral is not supported by rsible".into());
        }
        if matches!(a.state, S::Present | S::Mounted) && (a.src.is_none() || a.fstype.is_none()) {
            return Err(format!(
                "state is {} but all of the following are missing: src, fstype",
                a.state.as_str()
            ));
        }
        if a.path.is_empty() {
            return Err("path must not be empty".into());
        }
        if is_template(&a.path) {
            return Ok(());
        }
        let path = trimmed(&a.path);
        let swap = path == "none" || path == "swap";
        if !swap && !path.starts_with('/') {
            return Err(format!(
                "path must be absolute (or none/swap for a swap entry), got '{path}'"
            ));
        }
        if swap && matches!(a.state, S::Mounted | S::Unmounted | S::Remounted) {
            return Err("swap entries can only be present or absent".into());
        }
        Ok(())
    }

    fn run<'a>(a: Args, ctx: &'a Ctx<'a>) -> BoxFuture<'a, Result<Output, Failure>> {
        Box::pin(mount(a, ctx))
    }
}

/// The path without trailing slashes (`/` stays).
fn trimmed(path: &str) -> &str {
    if path.len() > 1 {
        path.trim_end_matches('/')
    } else {
        path
    }
}

/// One fstab entry, fields escaped as fstab writes them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Entry {
    /// Device, label or `none`.
    pub src: String,
    /// Mount point (or `none`/`swap`).
    pub name: String,
    /// Filesystem type.
    pub fstype: String,
    /// Mount options.
    pub opts: String,
    /// dump field.
    pub dump: String,
    /// fsck pass number.
    pub passno: String,
}

impl Entry {
    /// The fstab line (with newline).
    fn line(&self) -> String {
        format!(
            "{} {} {} {} {} {}\n",
            self.src, self.name, self.fstype, self.opts, self.dump, self.passno
        )
    }

    /// Reads an fstab line; `None` for comments, blanks and short lines.
    fn parse(line: &str) -> Option<Entry> {
        if line.trim_start().starts_with('#') {
            return None;
        }
        let f: Vec<&str> = line.split_whitespace().collect();
        if f.len() < 4 {
            return None;
        }
        Some(Entry {
            src: f[0].into(),
            name: f[1].into(),
            fstype: f[2].into(),
            opts: f[3].into(),
            dump: f.get(4).unwrap_or(&"0").to_string(),
            passno: f.get(5).unwrap_or(&"0").to_string(),
        })
    }

    /// Whether this existing entry is the one `want` names (swap entries by source too).
    fn same_place(&self, want: &Entry) -> bool {
        self.name == want.name
            && !(self.name == "none" && self.fstype == "swap" && self.src != want.src)
    }
}

/// fstab's escapes for a field (`\040` for a space, ...).
pub fn escape(v: &str) -> String {
    v.replace('\\', "\\134")
        .replace(' ', "\\040")
        .replace('\t', "\\011")
        .replace('\n', "\\012")
        .replace('&', "\\046")
}

/// Ansible's `set_mount`: the entry present in `fstab` text; returns (new text, changed).
pub fn set_entry(fstab: &str, want: &Entry) -> (String, bool) {
    let mut out = String::new();
    let mut exists = false;
    let mut changed = false;
    for line in fstab.split_inclusive('\n') {
        match Entry::parse(line) {
            Some(e) if e.same_place(want) => {
                exists = true;
                if e != *want {
                    out.push_str(&want.line());
                    changed = true;
                } else {
                    out.push_str(line);
                }
            }
            _ => out.push_str(line),
        }
    }
    if !exists {
        if !out.is_empty() && !out.ends_with('\n') {
            out.push('\n');
        }
        out.push_str(&want.line());
        changed = true;
    }
    (out, changed)
}

/// Ansible's `unset_mount`: every entry for the place removed; returns (new text, changed).
pub fn unset_entry(fstab: &str, want: &Entry) -> (String, bool) {
    let mut out = String::new();
    let mut changed = false;
    for line in fstab.split_inclusive('\n') {
        match Entry::parse(line) {
            Some(e) if e.same_place(want) => changed = true,
            _ => out.push_str(line),
        }
    }
    (out, changed)
}

/// The sh program that reports whether the mount point is mounted (`mounted`) and the fstab
/// (`content`, none when it does not exist).
fn probe(path: &str, fstab: &str) -> Vec<u8> {
    let mut s = b"mp=".to_vec();
    s.extend(quote(path.as_bytes()));
    s.extend_from_slice(b"\nf=");
    s.extend(quote(fstab.as_bytes()));
    s.extend_from_slice(
        br#"
! mountpoint -q -- "$mp" 2>/dev/null || m mounted
content "$f"
"#,
    );
    s
}

/// The `mount` command (with `-T` for another fstab) for `path` and extra options.
fn mount_cmd(s: &mut Vec<u8>, fstab: &str, extra: &[&str], path: &str, what: &str) {
    s.extend_from_slice(b"o=$(mount ");
    if fstab != "/etc/fstab" {
        s.extend_from_slice(b"-T ");
        s.extend(quote(fstab.as_bytes()));
        s.push(b' ');
    }
    for e in extra {
        s.extend_from_slice(e.as_bytes());
        s.push(b' ');
    }
    s.extend_from_slice(b"-- ");
    s.extend(quote(path.as_bytes()));
    s.extend_from_slice(
        format!(" 2>&1) || {{ printf 'Error {what} %s: %s\\n' \"$mp\" \"$o\" >&2; exit 20; }}\n")
            .as_bytes(),
    );
}

/// The entry the arguments describe.
fn wanted(a: &Args, path: &str) -> Entry {
    let mut opts = a.opts.clone().unwrap_or_else(|| "defaults".into());
    if !a.boot && !opts.split(',').any(|o| o == "noauto") {
        opts.push_str(",noauto");
    }
    Entry {
        src: escape(a.src.as_deref().unwrap_or("")),
        name: escape(path),
        fstype: escape(a.fstype.as_deref().unwrap_or("")),
        opts: escape(&opts),
        dump: a.dump.clone().unwrap_or_else(|| "0".into()),
        passno: a.passno.clone().unwrap_or_else(|| "0".into()),
    }
}

/// `mount`: a probe, then an apply when something differs (see the file header).
async fn mount(args: Args, ctx: &Ctx<'_>) -> Result<Output, Failure> {
    use MountState as S;
    let st = args.state;
    let path = trimmed(&args.path);
    let swap = path == "none" || path == "swap";
    let fstab = args.fstab.clone().unwrap_or_else(|| "/etc/fstab".into());
    let found = common::probe(ctx, "mount", probe(path, &fstab), "reading the fstab").await?;
    let text = common::content(&found).unwrap_or("");
    let mounted = found.has("mounted") && !swap;
    let want = wanted(&args, path);
    let (new_fstab, fstab_changed) = match st {
        S::Present | S::Mounted => set_entry(text, &want),
        S::Absent => unset_entry(text, &want),
        S::Unmounted | S::Remounted | S::Ephemeral => (text.to_string(), false),
    };
    // What else to do, in sh, after the fstab is written.
    let mut act = Vec::new();
    let mut changed = fstab_changed;
    match st {
        S::Mounted if !mounted => {
            changed = true;
            act.extend_from_slice(b"[ -d \"$mp\" ] || mkdir -p -- \"$mp\" || exit 21\n");
            mount_cmd(&mut act, &fstab, &[], path, "mounting");
        }
        S::Mounted if fstab_changed => {
            mount_cmd(&mut act, &fstab, &["-o remount"], path, "remounting")
        }
        S::Unmounted | S::Absent if mounted && (st == S::Unmounted || fstab_changed) => {
            changed = true;
            act.extend_from_slice(
                b"o=$(umount -- \"$mp\" 2>&1) || { printf 'Error unmounting %s: %s\\n' \"$mp\" \"$o\" >&2; exit 22; }\n",
            );
        }
        S::Remounted => {
            changed = true;
            mount_cmd(&mut act, &fstab, &["-o remount"], path, "remounting");
        }
        _ => {}
    }
    if st == S::Absent && fstab_changed && !swap {
        act.extend_from_slice(
            b"[ ! -d \"$mp\" ] || o=$(rmdir -- \"$mp\" 2>&1) || { printf 'Error rmdir %s: %s\\n' \"$mp\" \"$o\" >&2; exit 23; }\n",
        );
    }
    let mut fields = Map::new();
    if changed {
        let mut s = b"mp=".to_vec();
        s.extend(quote(path.as_bytes()));
        s.push(b'\n');
        let mut stdin = Vec::new();
        if fstab_changed {
            let opts = WriteOpts {
                backup: args.backup,
                ..WriteOpts::default()
            };
            let (w, content) =
                write::inline(&fstab, new_fstab.as_bytes(), &opts).map_err(Failure::Failed)?;
            s.extend(w);
            s.extend_from_slice(b" || exit 24\n");
            stdin = content;
        }
        s.extend(act);
        let done = common::apply(ctx, "mount", s, stdin, &format!("mount {path}")).await?;
        let backup = done.as_ref().and_then(write::backup_of);
        if let Some(b) = backup {
            fields.insert("backup_file".into(), json!(b));
        }
    }
    fields.insert("name".into(), json!(path));
    fields.insert("src".into(), json!(args.src));
    fields.insert("fstype".into(), json!(args.fstype));
    fields.insert(
        "opts".into(),
        json!(args.opts.clone().unwrap_or_else(|| "defaults".into())),
    );
    fields.insert("dump".into(), json!(want.dump));
    fields.insert("passno".into(), json!(want.passno));
    fields.insert("fstab".into(), json!(fstab));
    fields.insert("boot".into(), json!(args.boot));
    let mut diffs = Vec::new();
    if ctx.diff && fstab_changed {
        diffs.push(Diff {
            before_header: fstab.clone(),
            after_header: fstab.clone(),
            before: text.to_string(),
            after: new_fstab,
        });
    }
    Ok(Output {
        changed,
        fields,
        diffs,
        ..Output::default()
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::modules::framework::spec::check;

    fn e(src: &str, name: &str, fstype: &str) -> Entry {
        Entry {
            src: src.into(),
            name: name.into(),
            fstype: fstype.into(),
            opts: "defaults".into(),
            dump: "0".into(),
            passno: "0".into(),
        }
    }

    const FSTAB: &str = "# <file system> <mount point>\nUUID=1 / ext4 errors=remount-ro 0 1\n/dev/sdb1 none swap sw 0 0\n";

    #[test]
    fn entries_are_added_once_and_comments_kept() {
        let t = e("tmpfs", "/mnt/x", "tmpfs");
        let (once, c) = set_entry(FSTAB, &t);
        assert!(c);
        assert!(once.starts_with(FSTAB));
        assert!(once.ends_with("tmpfs /mnt/x tmpfs defaults 0 0\n"));
        assert_eq!(set_entry(&once, &t), (once.clone(), false));
        let (back, c) = unset_entry(&once, &t);
        assert!(c);
        assert_eq!(back, FSTAB);
    }

    #[test]
    fn swap_entries_named_none_are_told_apart_by_source() {
        let s = e("/swapfile", "none", "swap");
        let (with, c) = set_entry(FSTAB, &s);
        assert!(c);
        assert!(with.contains("/dev/sdb1 none swap sw 0 0\n"));
        assert!(with.ends_with("/swapfile none swap defaults 0 0\n"));
        let (back, _) = unset_entry(&with, &s);
        assert_eq!(back, FSTAB);
    }

    /// The report of the probe run here for mount point `path` and fstab `fstab`.
    fn probed(path: &str, fstab: &str) -> common::Report {
        let out = std::process::Command::new("sh")
            .arg("-c")
            .arg(String::from_utf8(common::program(probe(path, fstab))).unwrap())
            .output()
            .expect("sh");
        assert!(out.status.success(), "{out:?}");
        common::Report::parse("mount", &String::from_utf8_lossy(&out.stdout)).unwrap()
    }

    #[test]
    fn the_probe_reports_the_mount_state_and_the_exact_fstab() {
        let dir = tempfile::tempdir().unwrap();
        let (mp, f) = (dir.path().display().to_string(), dir.path().join("fstab"));
        let r = probed(&mp, &f.display().to_string());
        assert!(!r.has("mounted"));
        assert_eq!(common::content(&r), None);
        std::fs::write(&f, FSTAB.trim_end()).unwrap();
        let r = probed(&mp, &f.display().to_string());
        assert_eq!(common::content(&r), Some(FSTAB.trim_end()));
        if std::path::Path::new("/proc/self").exists() {
            assert!(probed("/proc", "/nonexistent").has("mounted"));
        }
    }

    #[test]
    fn a_changed_entry_is_replaced_in_place() {
        let mut t = e("UUID=1", "/", "ext4");
        t.opts = "noatime".into();
        let (new, c) = set_entry(FSTAB, &t);
        assert!(c);
        assert!(new.contains("\nUUID=1 / ext4 noatime 0 0\n/dev/sdb1"));
    }

    #[test]
    fn fields_are_escaped_and_arguments_checked() {
        use serde_json::json;
        assert_eq!(escape("/mnt/a b"), "/mnt/a\\040b");
        for bad in [
            json!({"path": "/x", "state": "weird"}),
            json!({"path": "/x"}),
            json!({"state": "absent"}),
            json!({"path": "/x", "state": "mounted", "src": "tmpfs"}),
            json!({"path": "x", "state": "absent"}),
            json!({"path": "none", "state": "mounted", "src": "/s", "fstype": "swap"}),
            json!({"path": "/x", "state": "ephemeral", "src": "a", "fstype": "b"}),
            json!({"path": "/x", "state": "absent", "boot": "maybe"}),
            json!({"path": "/x", "state": "absent", "fs_type": "ext4"}),
        ] {
            assert!(check::<Mount>(bad.clone()).is_err(), "{bad}");
        }
        for good in [
            json!({"name": "/x/", "state": "unmounted"}),
            json!({"path": "{{ p }}", "state": "{{ s }}", "src": "{{ d }}"}),
            json!({"path": "none", "src": "/s", "fstype": "swap", "state": "present", "dump": 0}),
        ] {
            assert!(check::<Mount>(good.clone()).is_ok(), "{good}");
        }
    }
}
