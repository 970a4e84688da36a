//! What the gate reads from outside the container: an HTTP answer or an open port from the host, the status file of
//! the container's PID 1, and the Dockerfile line of a failed build step.

use std::io::{Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::time::Duration;

/// One HTTP/1.0 GET on loopback; the status code, or `None` when nothing answered with a status line.
// An HTTP client crate would bring TLS and an async runtime for one plain request to 127.0.0.1; this is the whole
// of what a health probe needs.
pub fn http_status(port: u16, path: &str, timeout: Duration) -> Option<u16> {
    let addr = SocketAddr::from(([127, 0, 0, 1], port));
    let mut stream = TcpStream::connect_timeout(&addr, timeout).ok()?;
    stream.set_read_timeout(Some(timeout)).ok()?;
    stream.set_write_timeout(Some(timeout)).ok()?;
    let request = format!("GET {path} HTTP/1.0\r\nHost: 127.0.0.1:{port}\r\nUser-Agent: stowage-verify\r\n\r\n");
    stream.write_all(request.as_bytes()).ok()?;
    let mut head = Vec::new();
    let mut buf = [0u8; 256];
    while !head.contains(&b'\n') && head.len() < 1024 {
        match stream.read(&mut buf) {
            Ok(0) | Err(_) => break,
            Ok(n) => head.extend_from_slice(&buf[..n]),
        }
    }
    let line = String::from_utf8_lossy(&head);
    let mut words = line.lines().next()?.split_whitespace();
    if !words.next()?.starts_with("HTTP/") {
        return None;
    }
    words.next()?.parse().ok()
}

/// Whether something accepts a TCP connection on loopback `port`.
pub fn tcp_open(port: u16, timeout: Duration) -> bool {
    TcpStream::connect_timeout(&SocketAddr::from(([127, 0, 0, 1], port)), timeout).is_ok()
}

/// What `/proc/<pid>/status` says about a process's privileges.
#[derive(Debug, PartialEq, Eq)]
pub struct Privileges {
    /// The effective user id.
    pub uid: u32,
    /// The effective capability set, as the hex mask the kernel prints.
    pub cap_eff: u64,
    pub no_new_privs: bool,
}

pub fn parse_status(text: &str) -> Option<Privileges> {
    let field = |name: &str| {
        text.lines().find_map(|l| l.strip_prefix(name).and_then(|rest| rest.strip_prefix(':')).map(str::trim))
    };
    // `Uid:` lists real, effective, saved and filesystem ids.
    let uid = field("Uid")?.split_whitespace().nth(1)?.parse().ok()?;
    let cap_eff = u64::from_str_radix(field("CapEff")?, 16).ok()?;
    let no_new_privs = field("NoNewPrivs")? == "1";
    Some(Privileges { uid, cap_eff, no_new_privs })
}

/// The Dockerfile line of build step `step` (1-based) of build stage `stage` (1-based), as podman and docker count
/// them (`[2/2] STEP 5/14: RUN ...`, `#12 [runtime 3/7] RUN ...`): every instruction after the stage's FROM, the
/// FROM itself being step 1. Parser directives, comments, blank lines and continuation lines are not steps.
pub fn step_line(dockerfile: &str, stage: usize, step: usize) -> Option<u32> {
    let mut stages: Vec<Vec<u32>> = Vec::new();
    let mut continued = false;
    for (index, raw) in dockerfile.lines().enumerate() {
        let line = raw.trim();
        let starts = !continued && !line.is_empty() && !line.starts_with('#');
        if starts {
            let keyword = line.split_whitespace().next().unwrap_or("").to_ascii_uppercase();
            if keyword == "FROM" {
                stages.push(Vec::new());
            }
            if let Some(current) = stages.last_mut() {
                current.push(index as u32 + 1);
            }
        }
        if !line.starts_with('#') || continued {
            continued = line.ends_with('\\');
        }
    }
    stages.get(stage.checked_sub(1)?)?.get(step.checked_sub(1)?).copied()
}

/// The build stage and step of the last step line podman printed (`[2/2] STEP 5/14: ...`, or `STEP 5/14: ...` in a
/// one-stage build).
pub fn last_podman_step(log: &str) -> Option<(usize, usize)> {
    log.lines().rev().find_map(|line| {
        let (stage, rest) = match line.strip_prefix('[') {
            Some(rest) => {
                let (frac, rest) = rest.split_once(']')?;
                (frac.split('/').next()?.trim().parse().ok()?, rest.trim_start())
            }
            None => (1, line),
        };
        let rest = rest.strip_prefix("STEP ")?;
        let step = rest.split('/').next()?.parse().ok()?;
        Some((stage, step))
    })
}

/// From a podman build log: how many steps came from the cache, and the instructions of the steps that ran (FROM
/// lines aside). A step is cached when the line after its `STEP` line is `--> Using cache`.
pub fn cache_use(log: &str) -> (usize, Vec<String>) {
    let mut cached = 0;
    let mut rebuilt = Vec::new();
    let mut current: Option<String> = None;
    let close = |step: Option<String>, hit: bool, cached: &mut usize, rebuilt: &mut Vec<String>| {
        if let Some(instruction) = step {
            if hit {
                *cached += 1;
            } else if !instruction.starts_with("FROM ") {
                rebuilt.push(instruction);
            }
        }
    };
    for line in log.lines() {
        if let Some(at) = line.find("STEP ").filter(|_| last_podman_step(line).is_some()) {
            close(current.take(), false, &mut cached, &mut rebuilt);
            let instruction = line[at..].split_once(": ").map_or("", |(_, rest)| rest).trim();
            current = Some(instruction.chars().take(400).collect());
        } else if line.starts_with("--> Using cache") {
            close(current.take(), true, &mut cached, &mut rebuilt);
        }
    }
    close(current.take(), false, &mut cached, &mut rebuilt);
    (cached, rebuilt)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn status_fields() {
        let text = "Name:\tpython\nUid:\t10001\t10001\t10001\t10001\nCapEff:\t0000000000000000\nNoNewPrivs:\t1\n";
        assert_eq!(parse_status(text), Some(Privileges { uid: 10001, cap_eff: 0, no_new_privs: true }));
        let root = "Uid:\t0\t0\t0\t0\nCapEff:\t00000000a80425fb\nNoNewPrivs:\t0\n";
        assert_eq!(parse_status(root), Some(Privileges { uid: 0, cap_eff: 0xa80425fb, no_new_privs: false }));
        assert_eq!(parse_status("Name: x\n"), None);
    }

    #[test]
    fn steps_map_to_lines() {
        let dockerfile = "# syntax=docker/dockerfile:1\nARG REGISTRY=\n\nFROM ${REGISTRY}golang AS build\n\
                          WORKDIR /src\n# a comment\nRUN go mod download \\\n    && true\nCOPY . .\n\
                          FROM scratch\nCOPY --from=build /out /out\n";
        assert_eq!(step_line(dockerfile, 1, 1), Some(4));
        assert_eq!(step_line(dockerfile, 1, 3), Some(7));
        assert_eq!(step_line(dockerfile, 1, 4), Some(9));
        assert_eq!(step_line(dockerfile, 2, 2), Some(11));
        assert_eq!(step_line(dockerfile, 2, 3), None);
        assert_eq!(step_line(dockerfile, 0, 1), None);
    }

    #[test]
    fn cached_and_rebuilt_steps() {
        let log = "[1/2] STEP 1/4: FROM golang AS build\n[1/2] STEP 2/4: COPY go.mod ./\n--> Using cache abc\n--> abc\n\
                   [1/2] STEP 3/4: RUN go mod download\n--> Using cache def\n[1/2] STEP 4/4: COPY . .\n--> 123\n\
                   [2/2] STEP 1/2: FROM scratch\n[2/2] STEP 2/2: COPY --from=build /out /out\n--> 456\n";
        let (cached, rebuilt) = cache_use(log);
        assert_eq!(cached, 2);
        assert_eq!(rebuilt, vec!["COPY . .".to_string(), "COPY --from=build /out /out".to_string()]);
    }

    #[test]
    fn podman_step_lines() {
        let log = "[1/2] STEP 1/4: FROM golang\n[1/2] STEP 3/4: RUN go build\nerror: exit status 1\n";
        assert_eq!(last_podman_step(log), Some((1, 3)));
        assert_eq!(last_podman_step("STEP 2/3: RUN false\n"), Some((1, 2)));
        assert_eq!(last_podman_step("nothing\n"), None);
    }
}
