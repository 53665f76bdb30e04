//! A python3 HTTP server on the controller for the tests' downloads and requests (a
//! directory served by `http.server`, or a script such as tests/compat/uri_server.py),
//! stopped when dropped. Knows nothing of what the tests ask it.

use std::path::Path;

/// A python3 HTTP server for the playbooks' downloads and requests, stopped when dropped.
pub struct HttpServer(std::process::Child);

impl HttpServer {
    /// Serves the files of `dir` on `addr:port`.
    pub fn start(dir: &Path, addr: &str, port: u16) -> HttpServer {
        HttpServer::spawn(
            std::process::Command::new("python3")
                .args(["-m", "http.server", "--bind", addr, "--directory"])
                .arg(dir)
                .arg(port.to_string()),
            addr,
            port,
        )
    }

    /// Starts `cmd`, a server listening on `addr:port`, and waits until it accepts.
    pub fn spawn(cmd: &mut std::process::Command, addr: &str, port: u16) -> HttpServer {
        let mut child = cmd
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::null())
            .spawn()
            .expect("python3 (scripts/test.sh installs python3)");
        for _ in 0..100 {
            if std::net::TcpStream::connect((addr, port)).is_ok() {
                return HttpServer(child);
            }
            std::thread::sleep(std::time::Duration::from_millis(50));
        }
        let _ = child.kill();
        let _ = child.wait();
        panic!("the HTTP server on {addr}:{port} did not start");
    }
}

impl Drop for HttpServer {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}
