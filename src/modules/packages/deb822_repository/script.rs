//! The gated program of `deb822_repository`: the probe fetches the key and compares key
//! and file with what is on the target, the apply writes what differs through the atomic
//! writer. Knows nothing of how the answer is read.

use super::{Key, Plan};
use crate::connection::quote::quote_str;
use crate::modules::framework::write::{self, WriteOpts};
use crate::modules::packages::common::MARK_FN;

/// The probe; the file's text arrives on stdin. Marker lines: `changed WHAT`,
/// `key_filename PATH`, `b LINE`/`a LINE` (diff), `fail MESSAGE`. Leaves `kc`/`km` (write
/// the key / fix its mode) and `fc`/`fm` (the same for the file) for the apply.
pub fn probe(p: &Plan, diff: bool) -> String {
    let mut s = format!(
        "LC_ALL=C; export LC_ALL\n{MARK_FN}slug={}\nf=/etc/apt/sources.list.d/$slug.sources\n\
         td=$(mktemp -d) || exit 1; trap 'rm -rf \"$td\"' EXIT\nkc=''; km=''; fc=''; fm=''\n",
        quote_str(&p.slug)
    );
    if !p.present {
        s.push_str(
            "for x in \"$f\" /etc/apt/keyrings/$slug.asc /etc/apt/keyrings/$slug.gpg; do\n  \
             [ -e \"$x\" ] || continue; m changed \"$x\"; rsible_change=1\ndone\n",
        );
        return s;
    }
    s.push_str("cat > \"$td/src\" || exit 1\n");
    match &p.key {
        Key::Url(u) => {
            s.push_str(&format!(
                "u={}\n\
                 if command -v curl >/dev/null 2>&1; then curl -fsSL -o \"$td/key\" \"$u\"; \
                 elif command -v wget >/dev/null 2>&1; then wget -q -O \"$td/key\" \"$u\"; \
                 else m fail Could not fetch signed_by key: the target has neither curl nor wget; exit 0; fi \
                 || {{ m fail \"Could not fetch signed_by key: $u could not be downloaded\"; exit 0; }}\n\
                 ext=gpg; grep -q -- '-----BEGIN PGP PUBLIC KEY BLOCK-----' \"$td/key\" && ext=asc\n\
                 kf=/etc/apt/keyrings/$slug.$ext; m key_filename \"$kf\"\n\
                 if ! cmp -s \"$td/key\" \"$kf\"; then m changed key; kc=1; rsible_change=1\n\
                 elif [ \"$(stat -c %a \"$kf\")\" != 644 ]; then m changed key mode; km=1; rsible_change=1\n\
                 fi\nsed \"s|@@KEYFILE@@|$kf|\" \"$td/src\" > \"$td/s2\" && mv \"$td/s2\" \"$td/src\"\n",
                quote_str(u)
            ));
        }
        Key::Inline => {
            s.push_str(
                "sb=$(sed -n 's/^Signed-By: //p' \"$td/src\"); [ -f \"$sb\" ] && m key_filename \"$sb\"\n",
            );
        }
        Key::None => {}
    }
    s.push_str("if ! cmp -s \"$td/src\" \"$f\"; then\n  m changed file; fc=1; rsible_change=1\n");
    if diff {
        s.push_str(
            "  [ -f \"$f\" ] && while IFS= read -r l; do m b \"$l\"; done < \"$f\"\n  \
             while IFS= read -r l; do m a \"$l\"; done < \"$td/src\"\n",
        );
    }
    s.push_str(&format!(
        "elif [ \"$(stat -c %a \"$f\")\" != {:o} ]; then\n  m changed mode; fm=1; rsible_change=1\nfi\n",
        p.mode
    ));
    s
}

/// The apply: removes the files (absent), or writes the key and the file through the
/// atomic writer (or fixes their modes).
pub fn apply(p: &Plan) -> Result<String, String> {
    if !p.present {
        return Ok(
            "for x in \"$f\" /etc/apt/keyrings/$slug.asc /etc/apt/keyrings/$slug.gpg; do\n  \
             [ -e \"$x\" ] || continue; rm -f \"$x\" || exit 1\ndone\n"
                .into(),
        );
    }
    let at = |mode: u32| WriteOpts {
        mode: Some(mode),
        ..WriteOpts::default()
    };
    let key = write::inline_target("\"$kf\"", "\"$td/key\"", &at(0o644))?;
    let file = write::inline_target("\"$f\"", "\"$td/src\"", &at(p.mode))?;
    Ok(format!(
        "if [ -n \"$kc\" ]; then\n  [ -d /etc/apt/keyrings ] || mkdir -m 755 -p /etc/apt/keyrings || exit 1\n \
         {} || exit 1\nfi\n\
         if [ -n \"$km\" ]; then chmod 644 \"$kf\" || exit 1; fi\n\
         if [ -n \"$fc\" ]; then\n {} || exit 1\nfi\n\
         if [ -n \"$fm\" ]; then chmod {:o} \"$f\" || exit 1; fi\n",
        String::from_utf8_lossy(&key),
        String::from_utf8_lossy(&file),
        p.mode
    ))
}
