//! `synchronize` (ansible.posix.synchronize): rsync run on the controller against the target,
//! as Ansible's action plugin runs it, with the same command-line options in the same order;
//! or, with `delegate_to` naming the task's own host, run on that host between two of its
//! paths, as Ansible does then (no remote shell).
//! rsync's remote shell is rsible itself (`rsible __rsh`, see `connection::stream`): the
//! program rsync starts on the target runs over the task's own connection, with its user,
//! keys, host-key checking, jump hosts and become. Check mode is rsync's `--dry-run`; the
//! result is Ansible's: `changed` from the `<<CHANGED>>` marks of `--out-format`, `msg` and
//! `stdout_lines` (the marks removed), `rc`, `cmd`. Knows nothing of playbooks or of how
//! the connection is made.

use crate::connection::quote::quote_str;
use crate::connection::stream::{Bridge, RSH_ARG};
use crate::modules::framework::args::{de_bool, de_opt_bool, de_opt_int, de_opt_list};
use crate::modules::framework::local_src::find_local;
use crate::modules::framework::spec::{spec, Module, Spec, POSIX};
use crate::modules::{Ctx, Failure, Output};
use futures::future::BoxFuture;
use serde::Deserialize;
use serde_json::{json, Value};
use std::process::Stdio;

/// `synchronize` in the registry.
pub const SPEC: Spec = spec::<Synchronize>(POSIX, &[]);

/// The `synchronize` module.
pub struct Synchronize;

/// The mark `--out-format` puts before each itemized change.
const MARK: &str = "<<CHANGED>>";

fn yes() -> bool {
    true
}

/// Arguments of `synchronize` (Ansible's names). `private_key`, `dest_port` and `link_dest`
/// are refused at load (`playbook::unsupported`, which filters them out before these are
/// read); `set_remote_user`, `use_ssh_args` and `ssh_connection_multiplexing` are accepted
/// only with Ansible's default, read here to be ignored as the default is.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Args {
    src: String,
    dest: String,
    #[serde(default)]
    mode: Direction,
    #[serde(default, deserialize_with = "de_bool")]
    delete: bool,
    #[serde(default, deserialize_with = "de_bool")]
    checksum: bool,
    #[serde(default = "yes", deserialize_with = "de_bool")]
    archive: bool,
    #[serde(default, deserialize_with = "de_opt_bool")]
    recursive: Option<bool>,
    #[serde(default, deserialize_with = "de_opt_bool")]
    links: Option<bool>,
    #[serde(default, deserialize_with = "de_opt_bool")]
    perms: Option<bool>,
    #[serde(default, deserialize_with = "de_opt_bool")]
    times: Option<bool>,
    #[serde(default, deserialize_with = "de_opt_bool")]
    owner: Option<bool>,
    #[serde(default, deserialize_with = "de_opt_bool")]
    group: Option<bool>,
    #[serde(default = "yes", deserialize_with = "de_bool")]
    compress: bool,
    #[serde(default, deserialize_with = "de_bool")]
    existing_only: bool,
    #[serde(default, deserialize_with = "de_bool")]
    dirs: bool,
    #[serde(default, deserialize_with = "de_bool")]
    copy_links: bool,
    #[serde(default)]
    rsync_path: Option<String>,
    #[serde(default, deserialize_with = "de_opt_int")]
    rsync_timeout: Option<i64>,
    #[serde(default, deserialize_with = "de_opt_list")]
    rsync_opts: Option<Vec<String>>,
    #[serde(default = "yes", deserialize_with = "de_bool")]
    delay_updates: bool,
    #[serde(default, deserialize_with = "de_bool")]
    partial: bool,
    /// Either way the transfer rides the task's connection, whose host key was checked as
    /// configured (see docs/compat.md).
    #[serde(default, rename = "verify_host", deserialize_with = "de_bool")]
    _verify_host: bool,
    #[serde(default, rename = "set_remote_user")]
    _set_remote_user: Option<Value>,
    #[serde(default, rename = "use_ssh_args")]
    _use_ssh_args: Option<Value>,
    #[serde(default, rename = "ssh_connection_multiplexing")]
    _ssh_connection_multiplexing: Option<Value>,
}

/// Which way the files go.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
enum Direction {
    /// From the controller to the target.
    #[default]
    Push,
    /// From the target to the controller.
    Pull,
}

impl Module for Synchronize {
    const NAME: &'static str = "synchronize";
    type Args = Args;

    fn validate(a: &Args) -> Result<(), String> {
        let opts = a.rsync_opts.iter().flatten();
        match opts
            .into_iter()
            .find(|o| o.contains("--rsh") || o.starts_with("-e"))
        {
            Some(o) => Err(format!(
                "rsync_opts {o}: a remote shell of your own is not supported by rsible (rsync \
                 reaches the target through the task's connection)"
            )),
            None => Ok(()),
        }
    }

    fn run<'a>(a: Args, ctx: &'a Ctx<'a>) -> BoxFuture<'a, Result<Output, Failure>> {
        Box::pin(synchronize(a, ctx))
    }
}

/// A controller path as Ansible's action plugin makes it absolute: an absolute one (or one
/// naming a host) as written, else found under the role's or playbook's `files/` or
/// directory; a trailing `/` (rsync's "the contents of") is kept.
fn local_path(ctx: &Ctx<'_>, p: &str) -> String {
    if p.starts_with('/') || p.contains(':') {
        return p.to_string();
    }
    let found = find_local(ctx.search_paths, "files", p).ok().or_else(|| {
        let dir = ctx.search_paths.last()?;
        Some(dir.join("files").join(p))
    });
    let mut s = found.map_or_else(|| p.to_string(), |f| f.display().to_string());
    if p.ends_with('/') && !s.ends_with('/') {
        s.push('/');
    }
    s
}

/// rsync's options, in the order Ansible's module writes them (before `--rsh`).
fn options(a: &Args, dry_run: bool) -> Vec<String> {
    let flags = [
        (a.delay_updates, "--delay-updates"),
        (a.delay_updates, "-F"),
        (a.compress, "--compress"),
    ];
    let mut cmd: Vec<String> = on(&flags);
    if let Some(t) = a.rsync_timeout.filter(|t| *t != 0) {
        cmd.push(format!("--timeout={t}"));
    }
    cmd.extend(on(&[
        (dry_run, "--dry-run"),
        (a.delete, "--delete-after"),
        (a.existing_only, "--existing"),
        (a.checksum, "--checksum"),
        (a.copy_links, "--copy-links"),
    ]));
    let parts = [
        (a.recursive, "recursive"),
        (a.links, "links"),
        (a.perms, "perms"),
        (a.times, "times"),
        (a.owner, "owner"),
        (a.group, "group"),
    ];
    if a.archive {
        cmd.push("--archive".into());
        for (v, name) in parts {
            if v == Some(false) {
                cmd.push(format!("--no-{name}"));
            }
        }
    } else {
        for (v, name) in parts {
            if v == Some(true) {
                cmd.push(format!("--{name}"));
            }
        }
    }
    cmd.extend(on(&[(a.dirs, "--dirs")]));
    cmd
}

/// The flags whose condition holds.
fn on(flags: &[(bool, &str)]) -> Vec<String> {
    flags
        .iter()
        .filter(|(c, _)| *c)
        .map(|(_, f)| f.to_string())
        .collect()
}

/// The whole rsync command line as Ansible's module writes it: `rsync` (its path), the
/// options, the remote shell (`rsh`), the rest in Ansible's order, source and destination.
/// Some words are quoted and `rsync_opts` are not: the line is split again as a shell
/// would ([`argv`]), so an option holding a space becomes two words, as in Ansible.
fn command_line(
    a: &Args,
    rsync: &str,
    dry_run: bool,
    rsh: Option<&str>,
    src: &str,
    dest: &str,
) -> String {
    let mut cmd = vec![rsync.to_string()];
    cmd.extend(options(a, dry_run));
    if let Some(rsh) = rsh {
        cmd.push(format!("--rsh={}", quote_str(rsh)));
    }
    if let Some(p) = &a.rsync_path {
        cmd.push(format!("--rsync-path={}", quote_str(p)));
    }
    cmd.extend(a.rsync_opts.iter().flatten().cloned());
    if a.partial {
        cmd.push("--partial".into());
    }
    cmd.push(format!(
        "--out-format={}",
        quote_str(&format!("{MARK}%i %n%L"))
    ));
    cmd.push(quote_str(src));
    cmd.push(quote_str(dest));
    cmd.join(" ")
}

/// The words of `line`, split as a POSIX shell (Python's `shlex.split`) would.
fn argv(line: &str) -> Result<Vec<String>, Failure> {
    shlex::split(line)
        .filter(|w| !w.is_empty())
        .ok_or_else(|| Failure::Failed(format!("cannot split the rsync command line: {line}")))
}

/// `rsync` found on the controller's `PATH`, as Ansible's `get_bin_path` finds it.
fn find_rsync() -> Result<String, Failure> {
    let path = std::env::var_os("PATH").unwrap_or_default();
    std::env::split_paths(&path)
        .map(|d| d.join("rsync"))
        .find(|p| p.is_file())
        .map(|p| p.display().to_string())
        .ok_or_else(|| {
            Failure::Failed(format!(
                "Failed to find required executable \"rsync\" in paths: {}",
                path.to_string_lossy()
            ))
        })
}

async fn synchronize(a: Args, ctx: &Ctx<'_>) -> Result<Output, Failure> {
    if let Some(delegate) = ctx.delegated_to {
        return on_the_host(a, ctx, delegate).await;
    }
    // The host part is a label only: `rsible __rsh` reaches the task's connection.
    let remote = |p: &str| format!("{}:{p}", ctx.host);
    let (src, dest) = match a.mode {
        Direction::Push => (local_path(ctx, &a.src), remote(&a.dest)),
        Direction::Pull => (remote(&a.src), local_path(ctx, &a.dest)),
    };
    let bridge = Bridge::new()
        .map_err(|e| Failure::Failed(format!("cannot open rsync's remote shell socket: {e}")))?;
    let exe = std::env::current_exe()
        .map_err(|e| Failure::Failed(format!("cannot find the rsible binary: {e}")))?;
    let rsh = [
        quote_str(&exe.display().to_string()),
        RSH_ARG.into(),
        quote_str(&bridge.socket().display().to_string()),
    ]
    .join(" ");
    let rsync = find_rsync()?;
    let (line, out) = ctx
        .on_controller(|dry_run| async move {
            let line = command_line(&a, &rsync, dry_run, Some(&rsh), &src, &dest);
            let out = match argv(&line) {
                Ok(words) => run_rsync(&words, ctx, &bridge).await,
                Err(e) => Err(e),
            };
            (line, out)
        })
        .await;
    result(line, out?, ctx.diff)
}

/// `delegate_to` the task's own host: rsync runs there between two of its paths (Ansible's
/// "dest is local" case: no remote shell, `src` and `dest` both on the host), in check mode
/// with `--dry-run`. Another delegate is refused: rsible runs rsync on the controller or on
/// the task's host only.
async fn on_the_host(a: Args, ctx: &Ctx<'_>, delegate: &str) -> Result<Output, Failure> {
    if delegate != ctx.host {
        return Err(Failure::Failed(format!(
            "synchronize delegated to another host ({delegate}) is not supported by rsible: it \
             runs rsync on the controller against the task's host, or on the task's host itself \
             (delegate_to: \"{{{{ inventory_hostname }}}}\")"
        )));
    }
    if let Some(p) = [&a.src, &a.dest].into_iter().find(|p| !p.starts_with('/')) {
        return Err(Failure::Failed(format!(
            "synchronize on the host itself (delegate_to its own name): {p}: an absolute path \
             on the host is needed (Ansible would look a relative one up on the controller)"
        )));
    }
    let mut checking = false;
    let out = ctx
        .self_checking(|dry_run| {
            checking = dry_run;
            // rsync's path first (Ansible's `cmd` names it, as its get_bin_path found it).
            let line = command_line(&a, "\"$r\"", dry_run, None, &a.src, &a.dest);
            let program = format!(
                "LC_ALL=C; export LC_ALL\n\
                 r=$(command -v rsync) || {{ printf 'Failed to find required executable \"rsync\" in paths: %s\\n' \"$PATH\" >&2; exit 1; }}\n\
                 printf '%s\\n' \"$r\"\n{line}\n"
            );
            (program.into_bytes(), Vec::new())
        })
        .await?;
    let text = String::from_utf8_lossy(&out.stdout);
    let (rsync, rest) = text.split_once('\n').unwrap_or(("rsync", ""));
    let line = command_line(&a, rsync, checking, None, &a.src, &a.dest);
    let out = std::process::Output {
        status: std::os::unix::process::ExitStatusExt::from_raw(out.status.rc() << 8),
        stdout: rest.as_bytes().to_vec(),
        stderr: out.stderr,
    };
    result(line, out, ctx.diff)
}

/// Runs rsync to its end while the bridge serves its remote shell.
async fn run_rsync(
    argv: &[String],
    ctx: &Ctx<'_>,
    bridge: &Bridge,
) -> Result<std::process::Output, Failure> {
    let mut command = tokio::process::Command::new(&argv[0]);
    command
        .args(&argv[1..])
        .envs(ctx.environment.iter().map(|(k, v)| (k, v)))
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .kill_on_drop(true);
    let child = command
        .spawn()
        .map_err(|e| Failure::Failed(format!("cannot run rsync on the controller: {e}")))?;
    let run = async {
        tokio::select! {
            out = child.wait_with_output() => out.map_err(|e| Failure::Failed(format!("rsync: {e}"))),
            () = bridge.serve(ctx.conn, ctx.become_.as_ref()) => unreachable!("the bridge serves until dropped"),
            () = crate::interrupt::wait() => Err(Failure::Failed(
                "interrupted by the user (Ctrl-C): rsync was stopped".into(),
            )),
        }
    };
    match ctx.timeout {
        Some(t) => tokio::time::timeout(t, run).await.unwrap_or_else(|_| {
            Err(Failure::Failed(format!(
                "rsync timed out after {}s",
                t.as_secs()
            )))
        }),
        None => run.await,
    }
}

/// Ansible's result from rsync's output.
fn result(cmd: String, out: std::process::Output, diff: bool) -> Result<Output, Failure> {
    let rc = out.status.code().unwrap_or(-1);
    let mut o = Output::default();
    o.fields.insert("cmd".into(), cmd.into());
    o.fields.insert("rc".into(), rc.into());
    if rc != 0 {
        o.failed = true;
        o.msg = Some(String::from_utf8_lossy(&out.stderr).into_owned());
        return Ok(o);
    }
    let text = String::from_utf8_lossy(&out.stdout);
    o.changed = text.contains(MARK);
    let clean = text.replace(MARK, "");
    let lines: Vec<&str> = clean.split('\n').filter(|l| !l.is_empty()).collect();
    o.fields.insert("stdout_lines".into(), json!(lines));
    if diff {
        o.fields.insert("diff".into(), json!({ "prepared": clean }));
    }
    o.msg = Some(clean);
    Ok(o)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::modules::framework::load_check;

    fn args(yaml: &str) -> Args {
        let v: Value = serde_saphyr::from_str(yaml).expect("YAML");
        let map = v.as_object().expect("a mapping");
        load_check::parse::<Args>("synchronize", map)
            .expect("valid arguments")
            .expect("no templates")
    }

    #[test]
    fn options_follow_ansible_order() {
        let a =
            args("{src: a, dest: b, delete: true, checksum: true, perms: false, rsync_timeout: 5}");
        assert_eq!(
            options(&a, true),
            [
                "--delay-updates",
                "-F",
                "--compress",
                "--timeout=5",
                "--dry-run",
                "--delete-after",
                "--checksum",
                "--archive",
                "--no-perms"
            ]
        );
        let a = args("{src: a, dest: b, archive: false, links: true, compress: false, delay_updates: false, dirs: true}");
        assert_eq!(options(&a, false), ["--links", "--dirs"]);
    }

    #[test]
    fn the_command_line_is_ansible_s() {
        let a = args("{src: a/, dest: /b, rsync_opts: ['--exclude=x y'], partial: true, rsync_path: sudo rsync, compress: false, delay_updates: false}");
        let c = command_line(&a, "/usr/bin/rsync", false, Some("rs h"), "a b/", "h:/b");
        assert_eq!(
            c,
            "/usr/bin/rsync --archive --rsh='rs h' --rsync-path='sudo rsync' --exclude=x y \
             --partial --out-format='<<CHANGED>>%i %n%L' 'a b/' h:/b"
        );
        assert_eq!(
            argv(&c).unwrap()[2..6],
            ["--rsh=rs h", "--rsync-path=sudo rsync", "--exclude=x", "y"]
        );
    }

    #[test]
    fn on_the_host_itself_there_is_no_remote_shell() {
        let a = args("{src: /a, dest: /b, compress: false}");
        assert_eq!(
            command_line(&a, "rsync", true, None, "/a", "/b"),
            "rsync --delay-updates -F --dry-run --archive \
             --out-format='<<CHANGED>>%i %n%L' /a /b"
        );
    }

    #[test]
    fn a_remote_shell_of_ones_own_is_refused() {
        let a = args("{src: a, dest: b, rsync_opts: ['--rsh=ssh -p 2']}");
        assert!(Synchronize::validate(&a)
            .unwrap_err()
            .contains("not supported by rsible"));
        let a = args("{src: a, dest: b, rsync_opts: ['--exclude=.git']}");
        assert!(Synchronize::validate(&a).is_ok());
    }

    #[test]
    fn changed_and_lines_from_the_marks() {
        let out = std::process::Output {
            status: std::os::unix::process::ExitStatusExt::from_raw(0),
            stdout: b"<<CHANGED>>>f+++++++++ a\n<<CHANGED>>cd+++++++++ d/\n".to_vec(),
            stderr: vec![],
        };
        let o = result("c".into(), out, true).unwrap();
        assert!(o.changed);
        assert_eq!(o.msg.as_deref(), Some(">f+++++++++ a\ncd+++++++++ d/\n"));
        assert_eq!(
            o.fields["stdout_lines"],
            json!([">f+++++++++ a", "cd+++++++++ d/"])
        );
        assert_eq!(
            o.fields["diff"]["prepared"],
            json!(">f+++++++++ a\ncd+++++++++ d/\n")
        );
        let out = std::process::Output {
            status: std::os::unix::process::ExitStatusExt::from_raw(23 << 8),
            stdout: vec![],
            stderr: b"rsync error\n".to_vec(),
        };
        let o = result("c".into(), out, false).unwrap();
        assert!(o.failed && !o.changed);
        assert_eq!(o.fields["rc"], json!(23));
    }
}
