//! `copy` with `remote_src` of a directory: the tree is copied on the target itself, rsync-like
//! (`src: dir/` copies what is inside `dir` into `dest`, `src: dir` copies `dir` itself to
//! `dest/dir`), in one program that compares and copies in one go (one round trip after the
//! probe that found `src` to be a directory). Files are compared byte for byte (`cmp`) and
//! replaced atomically (a temp copy beside the destination, then `mv`); links are recreated
//! with their target; files keep their source mode unless `mode` is given, new directories
//! get `directory_mode` or the source's; `owner`/`group` apply to every copied path.
//! User strings travel as environment variables of the inner program, never as shell text.
//! Knows nothing of playbooks.

use super::copy::{basename, Args};
use crate::connection::quote::quote;
use crate::modules::framework::mode::{octal, Mode};
use crate::modules::{Ctx, Failure, Output};
use serde_json::json;

/// The per-path program, run by `find -exec sh -c` with the paths as arguments. Prints one
/// `C` line per change; exits 3 with a message on stderr when a path cannot be copied.
const PER_PATH: &str = r#"
chk() { [ "$RS_CHECK" = 1 ]; }
wanted() { # current bits, spec: the bits chmod would give
  : >"$RS_SCRATCH/m" && chmod "$1" "$RS_SCRATCH/m" && chmod "$2" "$RS_SCRATCH/m" &&
    stat -c %a "$RS_SCRATCH/m"
}
attrs() { # target, mode spec (may be empty)
  [ -e "$1" ] || [ -L "$1" ] || return 0
  if [ -n "$2" ] && [ ! -L "$1" ]; then
    cur=$(stat -c %a "$1") && want=$(wanted "$cur" "$2") || exit 3
    if [ "$cur" != "$want" ]; then echo C; chk || chmod "$want" "$1" || exit 3; fi
  fi
  if [ -n "$RS_OWNER" ]; then
    set -- "$1" $(stat -c '%U %u' "$1")
    if [ "$2" != "$RS_OWNER" ] && [ "$3" != "$RS_OWNER" ]; then
      echo C; chk || chown -h "$RS_OWNER" "$1" || exit 3
    fi
  fi
  if [ -n "$RS_GROUP" ]; then
    set -- "$1" $(stat -c '%G %g' "$1")
    if [ "$2" != "$RS_GROUP" ] && [ "$3" != "$RS_GROUP" ]; then
      echo C; chk || chgrp -h "$RS_GROUP" "$1" || exit 3
    fi
  fi
}
for p; do
  t=$RS_DEST/${p#./}
  if [ -L "$p" ]; then
    l=$(readlink "$p")
    if [ ! -L "$t" ] || [ "$(readlink "$t")" != "$l" ]; then
      if [ -d "$t" ] && [ ! -L "$t" ]; then echo "$t is a directory; cannot replace it with a link" >&2; exit 3; fi
      echo C
      chk || { ln -s "$l" "$t.rsible-tmp.$$" && mv -f "$t.rsible-tmp.$$" "$t"; } || exit 3
    fi
    attrs "$t" ""
  elif [ -d "$p" ]; then
    if [ ! -d "$t" ] || [ -L "$t" ]; then
      if [ -e "$t" ] || [ -L "$t" ]; then echo "$t exists and is not a directory" >&2; exit 3; fi
      echo C
      chk || { mkdir "$t" && chmod "$(stat -c %a "$p")" "$t"; } || exit 3
    fi
    attrs "$t" "$RS_DMODE"
  elif [ -f "$p" ]; then
    if [ -d "$t" ] && [ ! -L "$t" ]; then echo "$t is a directory; cannot replace it with a file" >&2; exit 3; fi
    if [ -L "$t" ] || [ ! -f "$t" ] || ! cmp -s "$p" "$t"; then
      echo C
      if ! chk; then
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
    let dmode = args
        .directory_mode
        .as_ref()
        .map(Mode::parse)
        .transpose()
        .map_err(Failure::BadArgs)?;
    let script = program(
        src,
        &root,
        &spec(mode),
        &spec(dmode.as_ref()),
        args.owner.as_deref().unwrap_or(""),
        args.group.as_deref().unwrap_or(""),
        ctx.check,
    );
    let out = ctx.exec(script, Vec::new()).await?;
    if out.status.rc() != 0 {
        return Err(Failure::Failed(format!(
            "copying the directory {src} to {root} on the target failed: {}",
            String::from_utf8_lossy(&out.stderr).trim()
        )));
    }
    let changes = String::from_utf8_lossy(&out.stdout)
        .lines()
        .filter(|l| *l == "C")
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

fn program(
    src: &str,
    root: &str,
    mode: &str,
    dmode: &str,
    owner: &str,
    group: &str,
    check: bool,
) -> Vec<u8> {
    let q = |s: &str| String::from_utf8_lossy(&quote(s.as_bytes())).into_owned();
    let mut s = format!(
        "src={}\nRS_DEST={}\nRS_MODE={}\nRS_DMODE={}\nRS_OWNER={}\nRS_GROUP={}\nRS_CHECK={}\n",
        q(src),
        q(root),
        q(mode),
        q(dmode),
        q(owner),
        q(group),
        u8::from(check)
    );
    s.push_str(
        r#"export RS_DEST RS_MODE RS_DMODE RS_OWNER RS_GROUP RS_CHECK
[ -d "$src" ] || { echo "Source $src not found" >&2; exit 3; }
RS_SCRATCH=$(mktemp -d) || exit 3
export RS_SCRATCH
trap 'rm -rf "$RS_SCRATCH"' EXIT
if [ ! -d "$RS_DEST" ]; then
  if [ -e "$RS_DEST" ] || [ -L "$RS_DEST" ]; then echo "$RS_DEST exists and is not a directory" >&2; exit 3; fi
  echo C
  if [ "$RS_CHECK" != 1 ]; then
    mkdir -p "$RS_DEST" && chmod "$(stat -c %a "$src")" "$RS_DEST" || exit 3
  fi
fi
cd "$src" || exit 3
find . -mindepth 1 -exec sh -c "$PER_PATH" sh {} + || exit 3
"#,
    );
    let mut full = format!("PER_PATH={}\n", q(PER_PATH)).into_bytes();
    full.extend(s.into_bytes());
    full
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
        let p = program("/s/$(x)", "/d;rm", "u=rw", "", "o'wn", "", true);
        let text = String::from_utf8_lossy(&p);
        assert!(text.contains("src='/s/$(x)'"), "{text}");
        assert!(text.contains("RS_DEST='/d;rm'"), "{text}");
        assert!(text.contains("RS_CHECK=1"), "{text}");
    }
}
