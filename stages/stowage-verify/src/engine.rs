//! The container engine: podman or docker, found by asking it (a `docker` client without a daemon is not an
//! engine), and every command the gate runs through it, each with a deadline.

use std::io::{BufRead, BufReader, Read};
use std::path::PathBuf;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Flavour {
    Podman,
    Docker,
}

#[derive(Debug, Clone)]
pub struct Engine {
    pub program: PathBuf,
    pub flavour: Flavour,
}

/// What an engine command printed and how it ended.
#[derive(Debug)]
pub struct Output {
    pub code: Option<i32>,
    pub stdout: String,
    pub stderr: String,
    pub timed_out: bool,
}

impl Output {
    pub fn ok(&self) -> bool {
        self.code == Some(0)
    }

    /// Both streams, stderr last, for the tail shown with a failure.
    pub fn combined(&self) -> String {
        let mut text = self.stdout.clone();
        if !text.is_empty() && !text.ends_with('\n') {
            text.push('\n');
        }
        text.push_str(&self.stderr);
        text
    }
}

/// The flavour a program name or path implies: `docker` anywhere in the file name means docker's command line.
fn flavour_of(program: &str) -> Flavour {
    let file = program.rsplit('/').next().unwrap_or(program);
    if file.contains("docker") { Flavour::Docker } else { Flavour::Podman }
}

/// The first engine that answers: `preferred` (a name or a path, from `--engine` or `[stages.verify] engine`) alone
/// when given, else podman then docker. `CONTAINER_HOST` and `DOCKER_HOST` reach the engine through the environment.
pub fn detect(preferred: Option<&str>) -> Result<Engine, Vec<String>> {
    let candidates: Vec<String> = match preferred {
        Some(p) => vec![p.to_string()],
        None => vec!["podman".into(), "docker".into()],
    };
    let mut tried = Vec::new();
    for candidate in candidates {
        let engine = Engine { program: PathBuf::from(&candidate), flavour: flavour_of(&candidate) };
        // docker's client answers `version` without a daemon, with an error for the server part: ask for the
        // server's version, which only a running daemon gives.
        let probe: &[&str] = match engine.flavour {
            Flavour::Podman => &["info", "--format", "{{.Host.OCIRuntime.Name}}"],
            Flavour::Docker => &["version", "--format", "{{.Server.Version}}"],
        };
        match engine.run(probe, Duration::from_secs(30)) {
            Ok(out) if out.ok() && !out.stdout.trim().is_empty() => return Ok(engine),
            Ok(out) => tried.push(format!(
                "`{candidate} {}` failed: {}",
                probe[0],
                last_line(&out.combined()).unwrap_or("no output")
            )),
            Err(e) => tried.push(format!("`{candidate}`: {e}")),
        }
    }
    Err(tried)
}

fn last_line(text: &str) -> Option<&str> {
    text.lines().rev().map(str::trim).find(|l| !l.is_empty())
}

impl Engine {
    pub fn name(&self) -> &'static str {
        match self.flavour {
            Flavour::Podman => "podman",
            Flavour::Docker => "docker",
        }
    }

    /// Runs one engine command to its end or its deadline (then it is killed, and `timed_out` is set).
    pub fn run(&self, args: &[&str], timeout: Duration) -> std::io::Result<Output> {
        self.run_streaming(args, timeout, &mut |_| {})
    }

    /// Starts one engine command with stdout piped and stderr as given.
    fn spawn(&self, args: &[&str], stderr: Stdio) -> std::io::Result<std::process::Child> {
        Command::new(&self.program)
            .args(args)
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(stderr)
            .spawn()
            .map_err(|e| std::io::Error::new(e.kind(), format!("cannot start {}: {e}", self.program.display())))
    }

    /// Runs one engine command and hands its stdout, as a stream, to `read` (an image archive from `save` is too
    /// large to hold). When `read` is done, the rest of the stream is read and dropped: a tar reader stops at the
    /// archive's end marker, before the padding the engine still writes, and closing the pipe then would kill the
    /// engine with SIGPIPE (a `save` that "failed" with no exit code). When `read` fails, the command is killed.
    pub fn read_stdout<T>(
        &self,
        args: &[&str],
        read: impl FnOnce(&mut dyn Read) -> std::io::Result<T>,
    ) -> std::io::Result<(T, Option<i32>)> {
        let mut child = self.spawn(args, Stdio::null())?;
        let mut stdout = child.stdout.take().expect("piped");
        let result = read(&mut stdout);
        if result.is_ok() {
            let _ = std::io::copy(&mut stdout, &mut std::io::sink());
        }
        drop(stdout);
        if result.is_err() {
            let _ = child.kill();
        }
        let status = child.wait()?;
        Ok((result?, status.code()))
    }

    /// Like [`Engine::run`], handing each line of stdout and stderr to `line` as it arrives (build progress).
    pub fn run_streaming(
        &self,
        args: &[&str],
        timeout: Duration,
        line: &mut dyn FnMut(&str),
    ) -> std::io::Result<Output> {
        let mut child = self.spawn(args, Stdio::piped())?;
        let (tx, rx) = std::sync::mpsc::channel::<(bool, String)>();
        let readers: Vec<_> = [
            (false, Box::new(child.stdout.take().expect("piped")) as Box<dyn Read + Send>),
            (true, Box::new(child.stderr.take().expect("piped")) as Box<dyn Read + Send>),
        ]
        .into_iter()
        .map(|(is_err, stream)| {
            let tx = tx.clone();
            std::thread::spawn(move || {
                for text in BufReader::new(stream).split(b'\n').map_while(Result::ok) {
                    if tx.send((is_err, String::from_utf8_lossy(&text).into_owned())).is_err() {
                        break;
                    }
                }
            })
        })
        .collect();
        drop(tx);
        let deadline = Instant::now() + timeout;
        let (mut stdout, mut stderr) = (String::new(), String::new());
        let mut timed_out = false;
        loop {
            match rx.recv_timeout(deadline.saturating_duration_since(Instant::now()).min(Duration::from_millis(200))) {
                Ok((is_err, text)) => {
                    line(&text);
                    let sink = if is_err { &mut stderr } else { &mut stdout };
                    sink.push_str(&text);
                    sink.push('\n');
                }
                Err(std::sync::mpsc::RecvTimeoutError::Disconnected) => break,
                Err(std::sync::mpsc::RecvTimeoutError::Timeout) => {}
            }
            if Instant::now() >= deadline {
                timed_out = true;
                let _ = child.kill();
                break;
            }
        }
        let status = child.wait()?;
        if !timed_out {
            for reader in readers {
                let _ = reader.join();
            }
        }
        Ok(Output { code: status.code(), stdout, stderr, timed_out })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn flavour_follows_the_file_name() {
        assert_eq!(flavour_of("podman"), Flavour::Podman);
        assert_eq!(flavour_of("/usr/local/bin/docker"), Flavour::Docker);
        assert_eq!(flavour_of("/opt/docker-bin/podman"), Flavour::Podman);
    }

    /// A reader that stops early (a tar reader at the archive's end marker) must not kill the command that still
    /// writes: 1 MB is more than a pipe holds, so without draining the writer dies of SIGPIPE and has no exit code.
    #[test]
    fn a_reader_that_stops_early_lets_the_command_finish() {
        let engine = Engine { program: PathBuf::from("sh"), flavour: Flavour::Podman };
        let (first, code) = engine
            .read_stdout(&["-c", "head -c 1048576 /dev/zero"], |stream| {
                let mut start = [0u8; 16];
                stream.read_exact(&mut start).map(|_| start)
            })
            .unwrap();
        assert_eq!(first, [0u8; 16]);
        assert_eq!(code, Some(0));
    }
}
