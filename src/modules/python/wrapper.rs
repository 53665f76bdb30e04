//! The program a Python module runs as on the target: sh finds the interpreter (the host's
//! `ansible_python_interpreter`, else `python3`, else `python`) and runs a short Python
//! wrapper given inline; the wrapper reads the module's name, the zip payload (base64) and
//! the JSON arguments from stdin, imports the payload's files from memory (nothing is written
//! on the target), hands the arguments to ansible-core's `basic` and runs the module as
//! `__main__`. Knows nothing of what is in the payload or of results.

use crate::connection::quote::quote;

/// What the program prints, alone, when the target has no Python to run the module with.
pub const NO_PYTHON: &str = "rsible-no-python";

/// The wrapper run by the target's Python.
const WRAPPER: &str = r#"import base64, importlib.abc, importlib.util, io, json, runpy, sys, traceback, zipfile

def rsible_run():
    fqn, payload, params = sys.stdin.buffer.read().split(b"\n", 2)
    archive = zipfile.ZipFile(io.BytesIO(base64.b64decode(payload)))
    files = set(archive.namelist())

    class InMemory(importlib.abc.MetaPathFinder, importlib.abc.InspectLoader):
        def where(self, name):
            stem = name.replace(".", "/")
            if stem + "/__init__.py" in files:
                return stem + "/__init__.py", True
            if stem + ".py" in files:
                return stem + ".py", False
            return None, False

        def find_spec(self, name, path=None, target=None):
            file, package = self.where(name)
            if file is None:
                return None
            spec = importlib.util.spec_from_loader(name, self, origin=file, is_package=package)
            spec.has_location = True
            return spec

        def is_package(self, name):
            return self.where(name)[1]

        def get_source(self, name):
            return archive.read(self.where(name)[0]).decode("utf-8")

        def get_code(self, name):
            file = self.where(name)[0]
            return compile(archive.read(file), file, "exec", dont_inherit=True)

    sys.meta_path.insert(0, InMemory())
    from ansible.module_utils import basic
    basic._ANSIBLE_ARGS = params
    basic._ANSIBLE_PROFILE = "legacy"
    try:
        runpy.run_module(fqn.decode(), run_name="__main__", alter_sys=True)
    except Exception as e:
        print(json.dumps({"failed": True, "msg": "%s: %s" % (type(e).__name__, e),
                          "exception": traceback.format_exc()}))
        sys.exit(1)
    print(json.dumps({"failed": True, "msg": "the module did not report a result"}))
    sys.exit(1)

rsible_run()
"#;

/// The sh program: find the interpreter, run the wrapper with it. `interpreter` is the
/// host's `ansible_python_interpreter`, used alone when set.
pub fn program(interpreter: Option<&str>) -> Vec<u8> {
    let candidates = match interpreter {
        Some(i) => String::from_utf8_lossy(&quote(i.as_bytes())).into_owned(),
        None => "python3 python /usr/bin/python3 /usr/libexec/platform-python".into(),
    };
    let mut s = format!(
        "rsible_py=\nfor c in {candidates}; do\n  \
         if command -v \"$c\" >/dev/null 2>&1; then rsible_py=$c; break; fi\ndone\n\
         if [ -z \"$rsible_py\" ]; then echo {NO_PYTHON}; exit 127; fi\n\
         exec \"$rsible_py\" -c "
    )
    .into_bytes();
    s.extend(quote(WRAPPER.as_bytes()));
    s.push(b'\n');
    s
}

/// The program's stdin: the module's Python name, the payload, the JSON arguments.
pub fn stdin(fqn: &str, payload_b64: &[u8], params: &[u8]) -> Vec<u8> {
    let mut s = Vec::with_capacity(fqn.len() + payload_b64.len() + params.len() + 2);
    s.extend_from_slice(fqn.as_bytes());
    s.push(b'\n');
    s.extend_from_slice(payload_b64);
    s.push(b'\n');
    s.extend_from_slice(params);
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The whole program, run by sh with a real python on this controller: a payload module
    /// imports a helper from the zip and prints its arguments.
    #[test]
    fn runs_a_payload_from_stdin() {
        if super::super::controller::python_for_tests().is_none() {
            eprintln!("no python3 on this controller: wrapper not run");
            return;
        }
        let files: Vec<(&str, &[u8])> = vec![
            ("ansible/__init__.py", b""),
            ("ansible/module_utils/__init__.py", b""),
            (
                "ansible/module_utils/basic.py",
                b"_ANSIBLE_ARGS = None\n_ANSIBLE_PROFILE = None\n",
            ),
            ("ansible/modules/__init__.py", b""),
            (
                "ansible/modules/m.py",
                b"import json, sys\nfrom ansible.module_utils import basic\n\
                  print(json.dumps({'got': json.loads(basic._ANSIBLE_ARGS), 'file': __file__}))\n\
                  sys.exit(0)\n",
            ),
        ];
        let zip = super::super::zip::build(files);
        let b64 = base64::Engine::encode(&base64::engine::general_purpose::STANDARD, zip);
        let input = stdin("ansible.modules.m", b64.as_bytes(), br#"{"a": 1}"#);
        let mut child = std::process::Command::new("sh")
            .arg("-c")
            .arg(String::from_utf8(program(None)).unwrap())
            .stdin(std::process::Stdio::piped())
            .stdout(std::process::Stdio::piped())
            .stderr(std::process::Stdio::piped())
            .spawn()
            .unwrap();
        use std::io::Write;
        child.stdin.take().unwrap().write_all(&input).unwrap();
        let out = child.wait_with_output().unwrap();
        assert_eq!(
            String::from_utf8_lossy(&out.stdout).trim(),
            r#"{"got": {"a": 1}, "file": "ansible/modules/m.py"}"#,
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
    }

    #[test]
    fn no_interpreter_is_reported() {
        let out = std::process::Command::new("sh")
            .arg("-c")
            .arg(String::from_utf8(program(Some("/nonexistent/python9"))).unwrap())
            .output()
            .unwrap();
        assert_eq!(String::from_utf8_lossy(&out.stdout).trim(), NO_PYTHON);
        assert_eq!(out.status.code(), Some(127));
    }
}
