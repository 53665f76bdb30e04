//! `unarchive`: unpacks a tar (plain, gz, xz, bz2) or zip archive into an existing `dest`.
//! A local `src` travels over stdin; `remote_src` uses a file already on the target.
//!
//! Idempotence: the archive is unpacked into a scratch directory inside `dest`, and every
//! entry is compared with what `dest` holds (content with `cmp`, mode, directory, link
//! target); only when something differs is the tree copied over (`cp -pR`, which keeps the
//! archive's modes and times: a tree, not one file for the atomic writer). This is exact
//! (Ansible's size/mtime listing can miss same-size edits), works the same for every format
//! and in check mode, and costs one unpack per run. `creates` skips everything. One gated
//! program: the probe unpacks into the scratch directory (removed when the program ends) and
//! compares, the apply copies. Knows nothing of playbooks.

use super::common::stat_fields::{parse_stat, path_fields, STAT_FORMAT};
use crate::connection::quote::{join, quote_str};
use crate::modules::framework::args::{de_bool, de_opt_list, de_opt_string};
use crate::modules::framework::local_src::find_local;
use crate::modules::framework::report::{Report, MARK_FILE_FN, MARK_FN};
use crate::modules::framework::spec::{spec, Module, Spec, B};
use crate::modules::{Ctx, Failure, Output};
use futures::future::BoxFuture;
use serde::Deserialize;
use serde_json::{json, Value};

/// `unarchive` in the registry.
pub const SPEC: Spec = spec::<Unarchive>(B, &[]);

/// The `unarchive` module.
pub struct Unarchive;

/// Arguments of `unarchive` (Ansible's names).
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Args {
    src: String,
    dest: String,
    #[serde(default, deserialize_with = "de_bool")]
    remote_src: bool,
    #[serde(default, deserialize_with = "de_opt_string")]
    creates: Option<String>,
    #[serde(default, deserialize_with = "de_opt_list")]
    extra_opts: Option<Vec<String>>,
    #[serde(default, deserialize_with = "de_bool")]
    list_files: bool,
}

impl Module for Unarchive {
    const NAME: &'static str = "unarchive";
    type Args = Args;

    fn run<'a>(a: Args, ctx: &'a Ctx<'a>) -> BoxFuture<'a, Result<Output, Failure>> {
        Box::pin(unarchive(a, ctx))
    }
}

/// An archive format and the program that unpacks it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Format {
    Tar(Option<char>),
    Zip,
}

impl Format {
    /// From the first bytes of the archive.
    fn sniff(b: &[u8]) -> Option<Format> {
        Some(if b.starts_with(&[0x1f, 0x8b]) {
            Format::Tar(Some('z'))
        } else if b.starts_with(&[0xfd, b'7', b'z', b'X', b'Z', 0]) {
            Format::Tar(Some('J'))
        } else if b.starts_with(b"BZh") {
            Format::Tar(Some('j'))
        } else if b.starts_with(b"PK\x03\x04") || b.starts_with(b"PK\x05\x06") {
            Format::Zip
        } else if b.get(257..262) == Some(b"ustar") {
            Format::Tar(None)
        } else {
            return None;
        })
    }

    /// From the file name (remote archives); plain `tar -xf` lets GNU tar detect the rest.
    fn from_name(name: &str) -> Format {
        let n = name.to_ascii_lowercase();
        if n.ends_with(".zip") {
            Format::Zip
        } else if n.ends_with(".gz") || n.ends_with(".tgz") {
            Format::Tar(Some('z'))
        } else if n.ends_with(".xz") || n.ends_with(".txz") {
            Format::Tar(Some('J'))
        } else if n.ends_with(".bz2") || n.ends_with(".tbz2") || n.ends_with(".tbz") {
            Format::Tar(Some('j'))
        } else {
            Format::Tar(None)
        }
    }

    /// Ansible's handler name, reported as `handler`.
    fn handler(self) -> &'static str {
        match self {
            Format::Zip => "ZipArchive",
            Format::Tar(None) => "TarArchive",
            Format::Tar(Some('z')) => "TgzArchive",
            Format::Tar(Some('J')) => "TarXzArchive",
            Format::Tar(Some(_)) => "TarBzipArchive",
        }
    }

    /// The unpack command for archive `$a` in the current directory.
    fn command(self, extra: &[String]) -> String {
        let extra = if extra.is_empty() {
            String::new()
        } else {
            format!(" {}", String::from_utf8_lossy(&join(extra)))
        };
        match self {
            Format::Zip => format!("unzip -q -o \"$a\"{extra}"),
            Format::Tar(None) => format!("tar -x -f \"$a\"{extra}"),
            Format::Tar(Some(c)) => format!("tar -x -{c} -f \"$a\"{extra}"),
        }
    }
}

/// The probe of the gated program. Reports `skip`, `nodest`, `nosrc`, `files` (the
/// archive's entries, one a line), then `same` or `differs` (and raises the gate), and at
/// exit `dstat` (the destination's stat line); an unpack error exits 2 with the tool's
/// stderr. The scratch directory `$w` holds the unpacked tree for the apply.
fn probe(a: &Args, format: Format) -> String {
    let mut s = format!(
        "LC_ALL=C; export LC_ALL\n{MARK_FN}{MARK_FILE_FN}d={}\nrsible_sf='{STAT_FORMAT}'\n",
        quote_str(&a.dest)
    );
    if let Some(c) = &a.creates {
        s.push_str(&format!(
            "[ -e {} ] && {{ m skip; exit 0; }}\n",
            quote_str(c)
        ));
    }
    s.push_str(
        "[ -d \"$d\" ] || { m nodest; exit 0; }\nd=$(cd -- \"$d\" && pwd) || exit 1\n\
         w=$(mktemp -d \"$d/.rsible-unarchive.XXXXXX\") || exit 1\n\
         trap 'rm -rf \"$w\"; x=$(stat -c \"$rsible_sf\" -- \"$d\" 2>/dev/null) && m dstat \"$x\"' EXIT\n\
         mkdir \"$w/x\" || exit 1\n",
    );
    if a.remote_src {
        s.push_str(&format!(
            "a={}\n[ -f \"$a\" ] || {{ m nosrc; exit 0; }}\ncase $a in /*) ;; *) a=\"$PWD/$a\";; esac\n",
            quote_str(&a.src)
        ));
    } else {
        s.push_str("a=\"$w/archive\"\ncat > \"$a\" || exit 1\n");
    }
    let extra = a.extra_opts.clone().unwrap_or_default();
    s.push_str(&format!(
        "(cd \"$w/x\" && {}) >/dev/null || exit 2\n\
         (cd \"$w/x\" && find . ! -name .) > \"$w/list\" || exit 1\n",
        format.command(&extra)
    ));
    if a.list_files {
        s.push_str("mf files \"$w/list\"\n");
    }
    s.push_str(
        "diff=0\ncd \"$w/x\" || exit 1\nwhile IFS= read -r f; do\n  t=\"$d/${f#./}\"\n  \
         if [ -L \"$f\" ]; then [ -L \"$t\" ] && [ \"$(readlink -- \"$f\")\" = \"$(readlink -- \"$t\")\" ] || { diff=1; break; }\n  \
         elif [ -d \"$f\" ]; then [ -d \"$t\" ] && [ ! -L \"$t\" ] || { diff=1; break; }\n  \
         else [ -f \"$t\" ] && [ ! -L \"$t\" ] && cmp -s -- \"$f\" \"$t\" && \
         [ \"$(stat -c %a -- \"$f\")\" = \"$(stat -c %a -- \"$t\")\" ] || { diff=1; break; }\n  fi\n\
         done < \"$w/list\"\ncd / || exit 1\n[ \"$diff\" = 0 ] && { m same; exit 0; }\n\
         m differs\nrsible_change=1\n",
    );
    s
}

/// The apply: the unpacked tree copied over `dest`.
const APPLY: &str = "cp -pR \"$w/x/.\" \"$d/\" || exit 1\n";

/// `unarchive`: returns `dest`, `src`, `handler`, and `files` with `list_files`.
async fn unarchive(args: Args, ctx: &Ctx<'_>) -> Result<Output, Failure> {
    let (format, stdin) = if args.remote_src {
        (Format::from_name(&args.src), Vec::new())
    } else {
        let path = find_local(ctx.search_paths, "files", &args.src).map_err(Failure::Failed)?;
        let bytes = std::fs::read(&path)
            .map_err(|e| Failure::Failed(format!("could not read {}: {e}", path.display())))?;
        let f = Format::sniff(&bytes).unwrap_or_else(|| Format::from_name(&args.src));
        (f, bytes)
    };
    let out = ctx
        .gated(probe(&args, format).as_bytes(), APPLY.as_bytes(), stdin)
        .await?;
    let stderr = String::from_utf8_lossy(&out.stderr);
    match out.status.rc() {
        0 => {}
        2 => {
            return Err(Failure::Failed(format!(
                "Failed to unpack {} to {}: {}",
                args.src,
                args.dest,
                stderr.trim()
            )))
        }
        _ => return Err(Failure::Failed(format!("unarchive: {}", stderr.trim()))),
    }
    let report = Report::parse("unarchive", &String::from_utf8_lossy(&out.stdout))?;
    if report.has("nodest") {
        return Err(Failure::Failed(format!(
            "dest '{}' must be an existing dir",
            args.dest
        )));
    }
    if report.has("nosrc") {
        return Err(Failure::Failed(format!(
            "Source '{}' does not exist",
            args.src
        )));
    }
    let mut o = Output::default();
    o.fields.insert("dest".into(), json!(args.dest));
    o.fields.insert("src".into(), json!(args.src));
    o.fields.insert("handler".into(), json!(format.handler()));
    // The destination's attributes, as Ansible's result always has them.
    if let Some(st) = report.get("dstat").and_then(parse_stat) {
        o.fields.extend(path_fields(&st));
    }
    if report.has("skip") {
        o.skipped = true;
        o.msg = Some(format!(
            "skipped, since {} exists",
            args.creates.as_deref().unwrap_or_default()
        ));
    }
    o.changed = report.has("differs");
    if args.list_files {
        let files = report.get("files").unwrap_or_default().lines();
        let files = files.map(|f| json!(f.strip_prefix("./").unwrap_or(f)));
        o.fields
            .insert("files".into(), Value::Array(files.collect()));
    }
    Ok(o)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::modules::framework::load_check;

    #[test]
    fn formats_from_bytes_and_names() {
        assert_eq!(
            Format::sniff(&[0x1f, 0x8b, 8]),
            Some(Format::Tar(Some('z')))
        );
        assert_eq!(Format::sniff(b"PK\x03\x04rest"), Some(Format::Zip));
        let mut tar = vec![0u8; 300];
        tar[257..262].copy_from_slice(b"ustar");
        assert_eq!(Format::sniff(&tar), Some(Format::Tar(None)));
        assert_eq!(Format::sniff(b"hello"), None);
        assert_eq!(Format::from_name("a.TAR.XZ"), Format::Tar(Some('J')));
        assert_eq!(Format::from_name("a.tgz").handler(), "TgzArchive");
        assert_eq!(
            Format::Zip.command(&["-x".into(), "a b".into()]),
            "unzip -q -o \"$a\" -x 'a b'"
        );
    }

    fn args_of(v: Value) -> Result<Args, String> {
        load_check::parse::<Args>("unarchive", v.as_object().expect("obj"))
            .map_err(|e| e.msg)
            .map(|a| a.expect("no templates"))
    }

    #[test]
    fn arguments() {
        assert!(args_of(json!({"src": "a.tgz", "dest": "/d", "remote_src": "yes"})).is_ok());
        assert!(args_of(json!({"src": "a.tgz", "dest": "/d", "extra_opts": "-v,-k"})).is_ok());
        assert!(args_of(json!({"src": "a.tgz"})).is_err());
        assert!(args_of(json!({"src": "a.tgz", "dest": "/d", "remote": true})).is_err());
        assert!(args_of(json!({"src": "a.tgz", "dest": "/d", "list_files": "all"})).is_err());
    }

    #[test]
    fn the_probe_compares_and_the_apply_copies() {
        let a = args_of(json!({"src": "a.tgz", "dest": "/o p", "creates": "/o p/x"})).unwrap();
        let p = probe(&a, Format::Tar(Some('z')));
        assert!(
            p.contains("d='/o p'") && p.contains("[ -e '/o p/x' ]"),
            "{p}"
        );
        assert!(
            p.contains("cat > \"$a\"") && p.ends_with("m differs\nrsible_change=1\n"),
            "{p}"
        );
        assert!(!p.contains("cp -pR"), "the probe changes nothing: {p}");
        assert!(APPLY.starts_with("cp -pR"));
    }
}
