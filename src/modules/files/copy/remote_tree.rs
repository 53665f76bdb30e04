//! `copy` with `remote_src` of a directory: the tree is copied on the target itself, rsync-like
//! (`src: dir/` copies what is inside `dir` into `dest`, `src: dir` copies `dir` itself to
//! `dest/dir`), in one gated program (one round trip after the probe that found `src` to be
//! a directory): a probe pass over the tree reports each difference, and when there is one
//! an apply pass over it makes the changes (left out in check mode). Part of `copy`. Files
//! are compared byte for byte (`cmp`) and
//! replaced atomically (a temp copy beside the destination, then `mv`); links are recreated
//! with their target; files keep their source mode unless `mode` is given, new directories
//! get `directory_mode` or the source's; `owner`/`group` apply to every copied path.
//! User strings travel as environment variables of the inner program, never as shell text.
//! Knows nothing of playbooks.

use super::{basename, Args};
use crate::connection::quote::quote;
use crate::modules::files::common::attrs::mode_arg;
use crate::modules::framework::mode::{octal, Mode};
use crate::modules::framework::report::{Report, MARK_FN};
use crate::modules::{Ctx, Failure, Output};
use serde_json::json;

/// `fixing`: in the probe pass (`RS_PASS=probe`) reports `change` for a difference and
/// says no; in the apply pass says yes, so the change is made. Needs `m` (`MARK_FN`).
const FIXING: &str = r#"
fixing() { [ "$RS_PASS" = apply ] && return 0; m change; return 1; }
"#;

/// The per-path program, run by `find -exec sh -c` with the paths as arguments (after
/// [`FIXING`]). Exits 3 with a message on stderr when a path cannot be copied.
const PER_PATH: &str = r#"
wanted() { # current bits, spec: the bits chmod would give
  : >"$RS_SCRATCH/m" && chmod "$1" "$RS_SCRATCH/m" && chmod "$2" "$RS_SCRATCH/m" &&
    stat -c %a "$RS_SCRATCH/m"
}
attrs() { # target, mode spec (may be empty)
  [ -e "$1" ] || [ -L "$1" ] || return 0
  if [ -n "$2" ] && [ ! -L "$1" ]; then
    cur=$(stat -c %a "$1") && want=$(wanted "$cur" "$2") || exit 3
    if [ "$cur" != "$want" ] && fixing; then chmod "$want" "$1" || exit 3; fi
  fi
  if [ -n "$RS_OWNER" ]; then
    set -- "$1" $(stat -c '%U %u' "$1")
    if [ "$2" != "$RS_OWNER" ] && [ "$3" != "$RS_OWNER" ] && fixing; then
      chown -h "$RS_OWNER" "$1" || exit 3
    fi
  fi
  if [ -n "$RS_GROUP" ]; then
    set -- "$1" $(stat -c '%G %g' "$1")
    if [ "$2" != "$RS_GROUP" ] && [ "$3" != "$RS_GROUP" ] && fixing; then
      chgrp -h "$RS_GROUP" "$1" || exit 3
    fi
  fi
}
for p; do
  t=$RS_DEST/${p#./}
  if [ -L "$p" ]; then
    l=$(readlink "$p")
    if [ ! -L "$t" ] || [ "$(readlink "$t")" != "$l" ]; then
      if [ -d "$t" ] && [ ! -L "$t" ]; then echo "$t is a directory; cannot replace it with a link" >&2; exit 3; fi
      if fixing; then
        { ln -s "$l" "$t.rsible-tmp.$$" && mv -f "$t.rsible-tmp.$$" "$t"; } || exit 3
      fi
    fi
    attrs "$t" ""
  elif [ -d "$p" ]; then
    if [ ! -d "$t" ] || [ -L "$t" ]; then
      if [ -e "$t" ] || [ -L "$t" ]; then echo "$t exists and is not a directory" >&2; exit 3; fi
      if fixing; then
        { mkdir "$t" && chmod "$(stat -c %a "$p")" "$t"; } || exit 3
      fi
    fi
    attrs "$t" "$RS_DMODE"
  elif [ -f "$p" ]; then
    if [ -d "$t" ] && [ ! -L "$t" ]; then echo "$t is a directory; cannot replace it with a file" >&2; exit 3; fi
    if [ -L "$t" ] || [ ! -f "$t" ] || ! cmp -s "$p" "$t"; then
      if fixing; then
        cp -p "$p" "$t.rsible-tmp.$$" && mv -f "$t.rsible-tmp.$$" "$t" ||
          { rm -f "$t.rsible-tmp.$$"; echo "could not copy $p to $t" >&2; exit 3; }
      fi
    fi
    attrs "$t" "$RS_MODE"
  fi
done
"#;

/// Copies the target's directory `src` to `dest` on the same target.
pub(super) async fn copy_remote_tree(
    args: &Args,
    src: &str,
    dest: &str,
    mode: Option<&Mode>,
    ctx: &Ctx<'_>,
) -> Result<Output, Failure> {
    let root = tree_dest(src, dest);
    let spec = |m: Option<&Mode>| match m {
        Some(Mode::Bits(b)) => octal(*b),
        Some(Mode::Symbolic(s)) => s.clone(),
        Some(Mode::Preserve) | None => String::new(),
    };
    let dmode = mode_arg(args.directory_mode.as_ref()).map_err(Failure::BadArgs)?;
    let vars = variables(
        src,
        &root,
        &spec(mode),
        &spec(dmode.as_ref()),
        args.owner.as_deref().unwrap_or(""),
        args.group.as_deref().unwrap_or(""),
    );
    let out = ctx
        .gated(&probe(&vars), b"walk apply\n", Vec::new())
        .await?;
    if out.status.rc() != 0 {
        return Err(Failure::Failed(format!(
            "copying the directory {src} to {root} on the target failed: {}",
            String::from_utf8_lossy(&out.stderr).trim()
        )));
    }
    let changes = Report::parse("copy", &String::from_utf8_lossy(&out.stdout))?
        .all("change")
        .count();
    let mut o = Output {
        changed: changes > 0,
        ..Output::default()
    };
    o.fields.insert("dest".into(), json!(root));
    o.fields.insert("src".into(), json!(src));
    Ok(o)
}

/// Where the tree lands: inside `dest` for `src/`, at `dest/basename(src)` otherwise.
fn tree_dest(src: &str, dest: &str) -> String {
    let dest = dest.trim_end_matches('/');
    let dest = if dest.is_empty() { "/" } else { dest };
    if src.ends_with('/') {
        dest.to_string()
    } else {
        format!("{}/{}", dest.trim_end_matches('/'), basename(src))
    }
}

/// Shell-quoted text.
fn q(s: &str) -> String {
    String::from_utf8_lossy(&quote(s.as_bytes())).into_owned()
}

/// The variables of both passes: the user's strings, quoted.
fn variables(src: &str, root: &str, mode: &str, dmode: &str, owner: &str, group: &str) -> String {
    format!(
        "src={}\nRS_DEST={}\nRS_MODE={}\nRS_DMODE={}\nRS_OWNER={}\nRS_GROUP={}\n",
        q(src),
        q(root),
        q(mode),
        q(dmode),
        q(owner),
        q(group),
    )
}

/// The probe: defines `walk PASS` (one pass over the tree), runs the probe pass, prints its
/// `change` reports and opens the gate when there is one. The apply is `walk apply`.
fn probe(vars: &str) -> Vec<u8> {
    let mut s = format!(
        "PER_PATH={}\n{vars}{MARK_FN}{FIXING}",
        q(&format!("{MARK_FN}{FIXING}{PER_PATH}"))
    );
    s.push_str(
        r#"export RS_DEST RS_MODE RS_DMODE RS_OWNER RS_GROUP
[ -d "$src" ] || { echo "Source $src not found" >&2; exit 3; }
RS_SCRATCH=$(mktemp -d) || exit 3
export RS_SCRATCH
trap 'rm -rf "$RS_SCRATCH"' EXIT
walk() {
  RS_PASS=$1; export RS_PASS
  if [ ! -d "$RS_DEST" ]; then
    if [ -e "$RS_DEST" ] || [ -L "$RS_DEST" ]; then echo "$RS_DEST exists and is not a directory" >&2; exit 3; fi
    if fixing; then
      { mkdir -p "$RS_DEST" && chmod "$(stat -c %a "$src")" "$RS_DEST"; } || exit 3
    fi
  fi
  (cd "$src" && find . -mindepth 1 -exec sh -c "$PER_PATH" sh {} +) || exit 3
}
c=$(walk probe) || exit 3
if [ -n "$c" ]; then printf '%s\n' "$c"; rsible_change=1; fi
"#,
    );
    s.into_bytes()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn trailing_slash_copies_the_contents() {
        assert_eq!(tree_dest("/srv/a/", "/opt/b"), "/opt/b");
        assert_eq!(tree_dest("/srv/a", "/opt/b"), "/opt/b/a");
        assert_eq!(tree_dest("/srv/a", "/opt/b/"), "/opt/b/a");
        assert_eq!(tree_dest("a/", "/"), "/");
    }

    #[test]
    fn user_strings_are_quoted_into_variables() {
        let v = variables("/s/$(x)", "/d;rm", "u=rw", "", "o'wn", "");
        assert!(v.contains("src='/s/$(x)'"), "{v}");
        assert!(v.contains("RS_DEST='/d;rm'"), "{v}");
        let p = String::from_utf8(probe(&v)).unwrap();
        assert!(
            p.contains("c=$(walk probe)") && !p.contains("walk apply"),
            "{p}"
        );
    }

    #[test]
    fn the_probe_pass_reports_and_the_apply_pass_copies() {
        let d = tempfile::tempdir().unwrap();
        let (src, dest) = (d.path().join("s"), d.path().join("d"));
        std::fs::create_dir_all(src.join("sub")).unwrap();
        std::fs::write(src.join("sub/f"), "x").unwrap();
        let v = variables(
            src.to_str().unwrap(),
            dest.to_str().unwrap(),
            "",
            "",
            "",
            "",
        );
        let run = |apply: bool| {
            let mut s = b"rsible_change=0\n".to_vec();
            s.extend(probe(&v));
            if apply {
                s.extend_from_slice(b"if [ \"$rsible_change\" = 1 ]; then walk apply; fi\n");
            }
            std::process::Command::new("sh")
                .arg("-c")
                .arg(String::from_utf8(s).unwrap())
                .output()
                .unwrap()
        };
        let o = run(false);
        let r = Report::parse("copy", &String::from_utf8_lossy(&o.stdout)).unwrap();
        assert_eq!(r.all("change").count(), 3, "{o:?}");
        assert_eq!(r.rest(), "", "{o:?}");
        assert!(!dest.exists(), "the probe pass changed nothing");
        let o = run(true);
        assert!(o.status.success(), "{o:?}");
        assert_eq!(std::fs::read_to_string(dest.join("sub/f")).unwrap(), "x");
        let o = run(true);
        assert!(o.stdout.is_empty(), "{o:?}");
    }
}
