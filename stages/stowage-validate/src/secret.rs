//! Secret-looking names, shared by the rules that report plaintext secrets, and the redaction of source lines
//! shown in human output: a finding's snippet must not carry the secret into a terminal, a CI log or the stage's
//! log files.

/// Whether a variable or key name looks like it holds a secret (`DB_PASSWORD`, `api_token`), leaving out names of
/// files, paths and endpoints that only point at one (`PASSWORD_FILE`, `TOKEN_URL`).
pub fn is_secret_name(name: &str) -> bool {
    const WORDS: &[&str] = &["PASSWORD", "PASSWD", "SECRET", "TOKEN", "APIKEY", "API_KEY", "ACCESS_KEY", "PRIVATE_KEY"];
    const POINTERS: &[&str] = &["_FILE", "_PATH", "_DIR", "_URL", "_ENDPOINT", "_NAME", "_VERSION", "_HOST"];
    let upper = name.to_uppercase();
    WORDS.iter().any(|w| upper.contains(w)) && !upper.contains("GPG") && !POINTERS.iter().any(|s| upper.ends_with(s))
}

const MASK: &str = "****";

/// A source line as it may be shown, and where it differs from the original.
pub struct Redacted {
    pub text: String,
    /// (start, end, length of the replacement), byte offsets in the original line, in order.
    edits: Vec<(usize, usize, usize)>,
}

impl Redacted {
    /// Where byte `at` of the original line is in the shown text (a point inside a masked value maps to its
    /// start), so a caret still points at what the finding names.
    pub fn map(&self, at: usize) -> usize {
        let mut shift: isize = 0;
        for &(start, end, len) in &self.edits {
            if at < end {
                return if at < start { (at as isize + shift) as usize } else { (start as isize + shift) as usize };
            }
            shift += len as isize - (end - start) as isize;
        }
        (at as isize + shift) as usize
    }
}

/// Line `index` of `lines` as it may be shown: values of secret-looking names are masked (`KEY=****`,
/// `KEY: ****`, `ENV KEY ****`), as is a Kubernetes `value:` under a secret-looking `name:` and the
/// `user:password` handed to chpasswd.
pub fn redact_line(lines: &[&str], index: usize) -> Redacted {
    let line = lines[index];
    let words = words(line);
    let mut edits: Vec<(usize, usize)> = Vec::new();
    let rest_of_line = |from: usize| (from, line.trim_end().len().max(from));
    // Kubernetes env: `- name: DB_PASSWORD`, then `value: ...` on the next line.
    let under_secret_name = lines[..index].iter().rev().find(|l| !l.trim().is_empty()).is_some_and(|prev| {
        let p = prev.trim_start().trim_start_matches("- ");
        p.strip_prefix("name:").is_some_and(|n| is_secret_name(n.trim().trim_matches(['"', '\''])))
    });
    let chpasswd = line.contains("chpasswd");
    let mut i = 0;
    while i < words.len() {
        let (start, word) = words[i];
        let prev = i.checked_sub(1).map(|j| words[j].1);
        let first = prev.is_none() || prev == Some("-");
        if let Some(eq) = word.find('=') {
            let key = word[..eq].trim_start_matches(['"', '\'', '-']);
            let value = &word[eq + 1..];
            let inner = value.trim_matches(['"', '\'']);
            if is_secret_name(key) && !inner.is_empty() && !inner.starts_with('$') {
                let from = start + eq + 1;
                match value.chars().next() {
                    Some(q @ ('"' | '\'')) => {
                        // The closing quote may be in a later word: `KEY="two words"`.
                        let close =
                            (value.len() > 1 && value.ends_with(q)).then(|| start + word.len() - 1).or_else(|| {
                                words[i + 1..]
                                    .iter()
                                    .find(|(_, w)| w.contains(q))
                                    .map(|(s, w)| s + w.find(q).unwrap_or(0))
                            });
                        let end = close.unwrap_or(rest_of_line(from).1);
                        edits.push((from + 1, end));
                        while i + 1 < words.len() && words[i + 1].0 < end {
                            i += 1;
                        }
                    }
                    _ => edits.push((from, start + word.len())),
                }
                i += 1;
                continue;
            }
        }
        let bare = word.trim_matches(['"', '\'']);
        let yaml_key = bare.strip_suffix(':').filter(|k| first && is_secret_name(k));
        let env_legacy = prev.is_some_and(|p| p.eq_ignore_ascii_case("ENV")) && i == 1 && is_secret_name(bare);
        let k8s_value = first && under_secret_name && bare == "value:";
        if (yaml_key.is_some() || env_legacy || k8s_value) && i + 1 < words.len() {
            edits.push(rest_of_line(words[i + 1].0));
            break;
        }
        if chpasswd
            && !word.contains("chpasswd")
            && prev.is_some_and(|p| p == "echo" || p == "printf")
            && let Some(colon) = bare.find(':').filter(|&c| c + 1 < bare.len())
        {
            let offset = start + word.find(bare).unwrap_or(0) + colon + 1;
            edits.push((offset, offset + bare.len() - colon - 1));
        }
        i += 1;
    }
    let mut text = String::with_capacity(line.len());
    let mut done = 0;
    let mut recorded = Vec::new();
    for (start, end) in edits {
        text.push_str(&line[done..start]);
        text.push_str(MASK);
        recorded.push((start, end, MASK.len()));
        done = end;
    }
    text.push_str(&line[done..]);
    Redacted { text, edits: recorded }
}

/// The words of a line with their byte offsets.
fn words(line: &str) -> Vec<(usize, &str)> {
    let mut out = Vec::new();
    let mut start = None;
    for (i, c) in line.char_indices() {
        match (c.is_whitespace(), start) {
            (false, None) => start = Some(i),
            (true, Some(s)) => {
                out.push((s, &line[s..i]));
                start = None;
            }
            _ => {}
        }
    }
    if let Some(s) = start {
        out.push((s, &line[s..]));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[track_caller]
    fn check(text: &str, index: usize, expected: &str) {
        let lines: Vec<&str> = text.lines().collect();
        assert_eq!(redact_line(&lines, index).text, expected);
    }

    #[test]
    fn secrets_are_masked_in_every_form() {
        check("ENV DB_PASSWORD=hunter2 API_TOKEN=x PORT=80", 0, "ENV DB_PASSWORD=**** API_TOKEN=**** PORT=80");
        check("ARG GITHUB_TOKEN=\"ghp_abc\"", 0, "ARG GITHUB_TOKEN=\"****\"");
        check("ENV API_TOKEN=\"two words\" PORT=80", 0, "ENV API_TOKEN=\"****\" PORT=80");
        check("ENV API_TOKEN hunter3 and more", 0, "ENV API_TOKEN ****");
        check("      DB_PASSWORD: hunter2", 0, "      DB_PASSWORD: ****");
        check("      - API_TOKEN=hunter3", 0, "      - API_TOKEN=****");
        check("        - name: DB_PASSWORD\n          value: hunter2", 1, "          value: ****");
        check("RUN echo \"root:Docker!\" | chpasswd", 0, "RUN echo \"root:****\" | chpasswd");
        check("  - value: hunter2", 0, "  - value: hunter2");
    }

    #[test]
    fn the_caret_keeps_its_place() {
        let line = "RUN echo \"root:Docker!\" | chpasswd";
        let r = redact_line(&[line], 0);
        let at = line.find("chpasswd").unwrap();
        assert_eq!(&r.text[r.map(at)..], "chpasswd");
        assert_eq!(r.map(0), 0);
        // Inside the masked value: the start of the mask.
        assert_eq!(&r.text[r.map(line.find("Docker").unwrap())..], "****\" | chpasswd");
    }

    /// Every line of the rule fixtures and malformed files (the corpus-wide run is `cargo xtask corpus-check`).
    #[test]
    fn every_fixture_line_redacts_and_maps_cleanly() {
        let tests = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests");
        let mut stack = vec![tests.join("fixtures"), tests.join("malformed")];
        let (mut lines_seen, mut masked) = (0, 0);
        while let Some(dir) = stack.pop() {
            for entry in std::fs::read_dir(&dir).expect("a test folder") {
                let path = entry.expect("entry").path();
                if path.is_dir() {
                    stack.push(path);
                    continue;
                }
                let Ok(text) = std::fs::read_to_string(&path) else { continue };
                let lines: Vec<&str> = text.lines().collect();
                for (i, line) in lines.iter().enumerate() {
                    let r = redact_line(&lines, i);
                    lines_seen += 1;
                    masked += usize::from(r.text != *line);
                    for (at, _) in line.char_indices() {
                        assert!(r.text.is_char_boundary(r.map(at)), "{}: {line:?} at {at}", path.display());
                    }
                }
            }
        }
        // The fixtures of the plaintext-secret rules carry secret-looking values.
        assert!(lines_seen > 1000 && masked > 0, "{lines_seen} lines, {masked} masked");
    }

    #[test]
    fn other_lines_are_kept() {
        check("ENV PORT=8080 PASSWORD_FILE=/run/secrets/db", 0, "ENV PORT=8080 PASSWORD_FILE=/run/secrets/db");
        check("ENV DB_PASSWORD=$DB_PASSWORD", 0, "ENV DB_PASSWORD=$DB_PASSWORD");
        check("        - name: PORT\n          value: \"80\"", 1, "          value: \"80\"");
        check("    image: nginx:1.27", 0, "    image: nginx:1.27");
        check("\tRUN  apk add --no-cache curl", 0, "\tRUN  apk add --no-cache curl");
    }
}
