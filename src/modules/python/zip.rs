//! A minimal zip writer (deflated entries, no extra fields, fixed timestamp): enough for
//! Python's `zipfile` to read a module payload. Knows nothing of what the files are.

use flate2::write::DeflateEncoder;
use flate2::Compression;
use std::io::Write;

/// The zip archive of `files` (path inside the archive, content), in the order given.
pub fn build<'a>(files: impl IntoIterator<Item = (&'a str, &'a [u8])>) -> Vec<u8> {
    let mut out = Vec::new();
    let mut central = Vec::new();
    let mut count: u16 = 0;
    for (name, data) in files {
        let mut enc = DeflateEncoder::new(Vec::new(), Compression::default());
        // Writing to a Vec cannot fail.
        let _ = enc.write_all(data);
        let packed = enc.finish().unwrap_or_default();
        let crc = crc32fast::hash(data);
        let offset = out.len() as u32;
        let head = |sig: u32, central: bool| -> Vec<u8> {
            let mut h = Vec::new();
            h.extend(sig.to_le_bytes());
            if central {
                h.extend(20u16.to_le_bytes()); // made by
            }
            h.extend(20u16.to_le_bytes()); // needed to extract
            h.extend(0u16.to_le_bytes()); // flags
            h.extend(8u16.to_le_bytes()); // deflate
            h.extend(0u16.to_le_bytes()); // time
            h.extend(0x21u16.to_le_bytes()); // date: 1980-01-01
            h.extend(crc.to_le_bytes());
            h.extend((packed.len() as u32).to_le_bytes());
            h.extend((data.len() as u32).to_le_bytes());
            h.extend((name.len() as u16).to_le_bytes());
            h.extend(0u16.to_le_bytes()); // extra
            if central {
                h.extend(0u16.to_le_bytes()); // comment
                h.extend(0u16.to_le_bytes()); // disk
                h.extend(0u16.to_le_bytes()); // internal attributes
                h.extend(0o100644u32.wrapping_shl(16).to_le_bytes()); // external: -rw-r--r--
                h.extend(offset.to_le_bytes());
            }
            h.extend(name.as_bytes());
            h
        };
        out.extend(head(0x0403_4b50, false));
        out.extend(&packed);
        central.extend(head(0x0201_4b50, true));
        count += 1;
    }
    let dir_offset = out.len() as u32;
    let dir_len = central.len() as u32;
    out.extend(central);
    out.extend(0x0605_4b50u32.to_le_bytes());
    out.extend([0u8; 4]); // disk numbers
    out.extend(count.to_le_bytes());
    out.extend(count.to_le_bytes());
    out.extend(dir_len.to_le_bytes());
    out.extend(dir_offset.to_le_bytes());
    out.extend(0u16.to_le_bytes()); // comment
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn python_reads_it_back() {
        let Some(py) = super::super::controller::python_for_tests() else {
            eprintln!("no python3 on this controller: zip read-back not checked");
            return;
        };
        let big = "x = 1\n".repeat(5000);
        let zip = build([("a/__init__.py", &b""[..]), ("a/b.py", big.as_bytes())]);
        let d = tempfile::tempdir().unwrap();
        let p = d.path().join("t.zip");
        std::fs::write(&p, &zip).unwrap();
        let out = std::process::Command::new(py)
            .arg("-c")
            .arg(
                "import sys,zipfile; z=zipfile.ZipFile(sys.argv[1]); z.testzip(); \
                 print(z.namelist(), len(z.read('a/b.py')))",
            )
            .arg(&p)
            .output()
            .unwrap();
        assert_eq!(
            String::from_utf8_lossy(&out.stdout).trim(),
            "['a/__init__.py', 'a/b.py'] 30000",
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
    }
}
