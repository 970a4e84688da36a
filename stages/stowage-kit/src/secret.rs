//! Masking secret values in text that is shown or handed on: the linter's source lines and messages, and the
//! commands analyze copies into its facts and documents. One module, so that every stage masks the same forms.
//!
//! Masked, in any text: values of secret-looking names (`KEY=value`, `KEY: value`, `KEY value` after `ENV`,
//! `"KEY": "value"`, flow mappings, `--token value`, `--password=value`), a Kubernetes `value:` whose `name:` is
//! secret-looking (before or after it, block or flow style), the password of a URL (`scheme://user:password@`), the
//! password of a basic-auth argument (`curl -u user:password`), bearer and authorization credentials, cloud and
//! forge key patterns (`AKIA...`, `ghp_...`) and the body of PEM private key blocks. A value that is a reference
//! (`$VAR`, `${VAR}`, `{{ .Values.x }}`) is not a secret and is kept. This is a hand-written scanner rather than a
//! regex crate: the forms are few, and the stages' cold build is a measured figure.

/// Whether a variable, key or flag name looks like it holds a secret (`DB_PASSWORD`, `api_token`, `--db-password`),
/// leaving out names of files, paths and endpoints that only point at one (`PASSWORD_FILE`, `TOKEN_URL`).
pub fn is_secret_name(name: &str) -> bool {
    const WORDS: &[&str] = &["PASSWORD", "PASSWD", "SECRET", "TOKEN", "APIKEY", "API_KEY", "ACCESS_KEY", "PRIVATE_KEY"];
    const POINTERS: &[&str] = &["_FILE", "_PATH", "_DIR", "_URL", "_ENDPOINT", "_NAME", "_VERSION", "_HOST"];
    let upper = name.trim_start_matches('-').to_uppercase().replace('-', "_");
    WORDS.iter().any(|w| upper.contains(w)) && !upper.contains("GPG") && !POINTERS.iter().any(|s| upper.ends_with(s))
}

/// A line as it may be shown, and where it differs from the original.
#[derive(Debug, Clone)]
pub struct Redacted {
    pub text: String,
    /// (start, end, length of the replacement), byte offsets in the original line, in order.
    edits: Vec<(usize, usize, usize)>,
}

impl Redacted {
    /// Where byte `at` of the original line is in the shown text (a point inside a masked value maps to its
    /// start), so a caret still points at what a finding names.
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

/// A text split into lines once, with what the masking of one line needs to know about the others (the
/// `name:` beside a `value:`, whether a line is inside a PEM block).
pub struct Secrets<'a> {
    lines: Vec<&'a str>,
    in_pem: Vec<bool>,
}

impl<'a> Secrets<'a> {
    pub fn new(text: &'a str) -> Secrets<'a> {
        let lines: Vec<&str> = text.lines().collect();
        let mut in_pem = vec![false; lines.len()];
        let mut open = false;
        for (i, line) in lines.iter().enumerate() {
            if open {
                in_pem[i] = !line.contains("-----END");
                open = in_pem[i];
            } else if let Some(end) = pem_begin(line) {
                open = !line[end..].contains("-----END");
            }
        }
        Secrets { lines, in_pem }
    }

    pub fn lines(&self) -> &[&'a str] {
        &self.lines
    }

    /// Line `index` (0-based) with every secret value replaced by `mask`.
    pub fn redact(&self, index: usize, mask: &str) -> Redacted {
        self.redact_with(index, mask, &[])
    }

    /// Like [`Secrets::redact`], also hiding every whole-word occurrence of `values` (values a rule flagged).
    pub fn redact_with(&self, index: usize, mask: &str, values: &[&str]) -> Redacted {
        let line = self.lines[index];
        let mut spans = self.spans(index);
        value_spans(line, values, &mut spans);
        spans.sort();
        let mut text = String::with_capacity(line.len());
        let mut edits = Vec::new();
        let mut done = 0;
        for (start, end) in spans {
            let start = start.max(done);
            if end <= start {
                continue;
            }
            text.push_str(&line[done..start]);
            text.push_str(mask);
            edits.push((start, end, mask.len()));
            done = end;
        }
        text.push_str(&line[done..]);
        Redacted { text, edits }
    }

    /// Byte ranges of line `index` that hold secret values.
    fn spans(&self, index: usize) -> Vec<(usize, usize)> {
        let line = self.lines[index];
        let trimmed_end = line.trim_end().len();
        let indent = line.len() - line.trim_start().len();
        let mut out = Vec::new();
        if self.in_pem[index] {
            if indent < trimmed_end {
                out.push((indent, trimmed_end));
            }
            return out;
        }
        if let Some(end_at) = line.find("-----END").filter(|_| index > 0 && self.in_pem[index - 1]) {
            // The last line of a block may carry the end of the key before the marker.
            let body = line[..end_at].trim_start();
            if !body.is_empty() && body != "\"" && body != "'" {
                out.push((indent, end_at));
            }
        }
        if let Some(end) = pem_begin(line) {
            let stop = line[end..].find("-----END").map_or(trimmed_end, |e| end + e);
            let body = &line[end..stop];
            if !body.trim_matches(|c: char| c.is_whitespace() || matches!(c, '"' | '\'' | '|' | '>')).is_empty() {
                out.push((end, stop));
            }
        }
        self.word_spans(index, &mut out);
        url_passwords(line, &mut out);
        key_patterns(line, &mut out);
        out
    }

    fn word_spans(&self, index: usize, out: &mut Vec<(usize, usize)>) {
        let line = self.lines[index];
        let words = words(line);
        let rest_of_line = |from: usize| (from, line.trim_end().len().max(from));
        let chpasswd = line.contains("chpasswd");
        let lower = line.to_ascii_lowercase();
        let mut i = 0;
        while i < words.len() {
            let (start, word) = words[i];
            let prev = i.checked_sub(1).map(|j| words[j].1);
            let next = words.get(i + 1).copied();
            let bare = word.trim_matches(|c| matches!(c, '"' | '\'' | ',' | '[' | ']' | '{' | '}' | '(' | ')'));
            // KEY=value, --flag=value, "KEY=two words".
            if let Some(eq) = word.find('=') {
                let key = word[..eq].trim_start_matches(['"', '\'', '-', '{', '[', '(', ',']);
                let value = &word[eq + 1..];
                if key_shaped(key) && is_secret_name(key) {
                    let from = start + eq + 1;
                    match value.chars().next() {
                        Some(q @ ('"' | '\'')) => {
                            let inner_start = from + 1;
                            let close = line[inner_start..].find(q).map(|c| inner_start + c);
                            let end = close.unwrap_or(rest_of_line(from).1);
                            if !is_reference(&line[inner_start..end]) && end > inner_start {
                                out.push((inner_start, end));
                            }
                            while i + 1 < words.len() && words[i + 1].0 < end {
                                i += 1;
                            }
                        }
                        _ => {
                            let (s, e) = value_span(from, value);
                            if e > s && !is_reference(&line[s..e]) {
                                out.push((s, e));
                            }
                        }
                    }
                    i += 1;
                    continue;
                }
                // --user=admin:password
                if matches!(key, "user" | "proxy-user") && word[..eq].starts_with("--") {
                    basic_auth(start + eq + 1, value, out);
                }
            }
            // KEY: value (anywhere: block or flow YAML, JSON), and `KEY : value`.
            let key_colon = bare
                .strip_suffix(':')
                .map(|k| (k.trim_matches(['"', '\'']), i + 1))
                .or_else(|| (next.is_some_and(|(_, n)| n == ":")).then_some((bare, i + 2)));
            if let Some((key, value_word)) = key_colon
                && key_shaped(key)
                && is_secret_name(key)
                && let Some(&(vstart, _)) = words.get(value_word)
            {
                if let Some(span) = yaml_value(line, vstart) {
                    out.push(span);
                }
                i = value_word;
                continue;
            }
            // `ENV KEY value`.
            if prev.is_some_and(|p| p.eq_ignore_ascii_case("ENV")) && i == 1 && is_secret_name(bare) {
                if let Some((vstart, _)) = next {
                    out.push(rest_of_line(vstart));
                }
                break;
            }
            // Kubernetes env: the `value:` of an entry whose `name:` is secret-looking.
            if bare == "value:"
                && let Some((vstart, _)) = next
                && self.entry_name_is_secret(index, start)
                && let Some(span) = yaml_value(line, vstart)
            {
                out.push(span);
                i += 2;
                continue;
            }
            // --token value, -u user:password, Bearer token, Authorization: scheme credentials.
            if let Some((vstart, vword)) = next {
                let flag = bare.starts_with('-') && !bare.contains('=');
                if flag && matches!(bare, "-u" | "--user" | "-U" | "--proxy-user") {
                    basic_auth(vstart, vword, out);
                } else if (flag
                    && bare.len() > 2
                    && key_shaped(bare)
                    && is_secret_name(bare)
                    && !vword.starts_with('-'))
                    || bare.eq_ignore_ascii_case("bearer")
                    || (bare.eq_ignore_ascii_case("basic") || bare.eq_ignore_ascii_case("token"))
                        && lower.contains("authorization")
                {
                    push_value(vstart, vword, out);
                    i += 2;
                    continue;
                } else if bare.eq_ignore_ascii_case("authorization:")
                    && !matches!(vword.to_ascii_lowercase().trim_matches(['"', '\'']), "bearer" | "basic" | "token")
                {
                    push_value(vstart, vword, out);
                }
            }
            if chpasswd
                && !word.contains("chpasswd")
                && prev.is_some_and(|p| p == "echo" || p == "printf")
                && let Some(colon) = bare.find(':').filter(|&c| c + 1 < bare.len())
            {
                let offset = start + word.find(bare).unwrap_or(0) + colon + 1;
                out.push((offset, offset + bare.len() - colon - 1));
            }
            i += 1;
        }
    }

    /// Whether the list entry holding the key at byte `column` of line `index` has a secret-looking `name:`, on
    /// this line (flow style) or on the entry's other lines (before or after `value:`).
    fn entry_name_is_secret(&self, index: usize, column: usize) -> bool {
        let named = |text: &str| {
            let mut rest = text;
            while let Some(at) = rest.find("name:") {
                let before = rest[..at].chars().last();
                let value = rest[at + 5..].trim_start();
                let end = value.find([',', '}', ' ']).unwrap_or(value.len());
                if before.is_none_or(|c| matches!(c, ' ' | '{' | ',' | '-'))
                    && is_secret_name(value[..end].trim_matches(['"', '\'']))
                {
                    return true;
                }
                rest = &rest[at + 5..];
            }
            false
        };
        let line = self.lines[index];
        if line.contains('{') && named(line) {
            return true;
        }
        let key_column = |l: &str| {
            let t = l.trim_start();
            let dash = t.starts_with("- ");
            (l.len() - t.trim_start_matches("- ").trim_start().len(), dash)
        };
        let (own, own_dash) = key_column(line);
        if own != column {
            return false;
        }
        let same_entry = |l: &str| {
            let (c, _) = key_column(l);
            c == own
        };
        // Before: the entry's earlier keys, up to and including its `- ` line.
        if !own_dash {
            for l in self.lines[..index].iter().rev().filter(|l| !l.trim().is_empty()).take(16) {
                if !same_entry(l) {
                    break;
                }
                if l.trim_start().trim_start_matches("- ").starts_with("name:") && named(l) {
                    return true;
                }
                if key_column(l).1 {
                    break;
                }
            }
        }
        // After: the entry's later keys, up to the next `- ` or a line less indented.
        for l in self.lines[index + 1..].iter().filter(|l| !l.trim().is_empty()).take(16) {
            let (c, dash) = key_column(l);
            if c != own || dash {
                break;
            }
            if l.trim_start().starts_with("name:") && named(l) {
                return true;
            }
        }
        false
    }
}

/// Every string inside `value` masked with [`mask_text`]: for data that travels whole (the application model, the
/// stage options of stowage.toml), masking every string rather than chosen fields keeps a field added later covered.
pub fn mask_json(value: &mut serde_json::Value, mask: &str) {
    match value {
        serde_json::Value::String(s) => {
            let masked = mask_text(s, mask);
            if masked != *s {
                *s = masked;
            }
        }
        serde_json::Value::Array(items) => items.iter_mut().for_each(|v| mask_json(v, mask)),
        serde_json::Value::Object(map) => map.values_mut().for_each(|v| mask_json(v, mask)),
        _ => {}
    }
}

/// `text` with every secret value replaced by `mask`, line endings kept.
pub fn mask_text(text: &str, mask: &str) -> String {
    if text.is_empty() {
        return String::new();
    }
    let secrets = Secrets::new(text);
    let mut out = String::with_capacity(text.len());
    for (i, piece) in text.split_inclusive('\n').enumerate() {
        let ending = if piece.ends_with("\r\n") {
            "\r\n"
        } else if piece.ends_with('\n') {
            "\n"
        } else {
            ""
        };
        if i < secrets.lines.len() {
            out.push_str(&secrets.redact(i, mask).text);
        }
        out.push_str(ending);
    }
    out
}

/// `text` with every whole-word occurrence of each of `values` replaced by `mask`: a value a rule flagged as a
/// secret is hidden wherever it appears, whatever form held it.
pub fn mask_values(text: &str, values: &[&str], mask: &str) -> String {
    let mut spans = Vec::new();
    value_spans(text, values, &mut spans);
    spans.sort();
    let mut out = String::with_capacity(text.len());
    let mut done = 0;
    for (start, end) in spans {
        let start = start.max(done);
        if end > start {
            out.push_str(&text[done..start]);
            out.push_str(mask);
            done = end;
        }
    }
    out.push_str(&text[done..]);
    out
}

/// Where each of `values` occurs in `text` as a whole word.
fn value_spans(text: &str, values: &[&str], out: &mut Vec<(usize, usize)>) {
    let word = |c: Option<char>| c.is_some_and(|c| c.is_alphanumeric() || c == '_');
    for value in values.iter().filter(|v| !v.is_empty()) {
        for (at, _) in text.match_indices(value) {
            let end = at + value.len();
            if !word(text[..at].chars().last()) && !word(text[end..].chars().next()) {
                out.push((at, end));
            }
        }
    }
}

/// The end of a `-----BEGIN ... PRIVATE KEY-----` marker on `line`.
fn pem_begin(line: &str) -> Option<usize> {
    let at = line.find("-----BEGIN ")?;
    let close = line[at + 11..].find("-----")? + at + 11;
    line[at..close].contains("PRIVATE KEY").then_some(close + 5)
}

/// A name made of the characters names are made of (so prose such as "`API_TOKEN`:" in a message is not a key).
fn key_shaped(key: &str) -> bool {
    !key.is_empty() && key.chars().all(|c| c.is_ascii_alphanumeric() || matches!(c, '_' | '-' | '.'))
}

/// A value that names where the secret comes from rather than holding it, or a switch
/// (`automountServiceAccountToken: false`).
fn is_reference(value: &str) -> bool {
    let v = value.trim_matches(['"', '\'']).trim();
    v.is_empty()
        || v.starts_with('$')
        || v.starts_with("{{")
        || v.starts_with("<redacted>")
        || v == "****"
        || matches!(v.to_ascii_lowercase().as_str(), "true" | "false" | "yes" | "no" | "on" | "off" | "null" | "~")
}

/// The value of a word without the quotes and punctuation around it (`"X"],` gives `X`), as a byte range.
fn value_span(start: usize, word: &str) -> (usize, usize) {
    let lead = word.len() - word.trim_start_matches(['"', '\'', '[', '{', '(']).len();
    let inner = word[lead..].trim_end_matches(['"', '\'', ',', ';', ')', ']', '}']);
    (start + lead, start + lead + inner.len())
}

fn push_value(start: usize, word: &str, out: &mut Vec<(usize, usize)>) {
    let (s, e) = value_span(start, word);
    if e > s && !is_reference(&word[s - start..e - start]) {
        out.push((s, e));
    }
}

/// The password of `user:password` in a word starting at `start`.
fn basic_auth(start: usize, word: &str, out: &mut Vec<(usize, usize)>) {
    let (s, e) = value_span(start, word);
    let inner = &word[s - start..e - start];
    if let Some(colon) = inner.find(':')
        && !is_reference(&inner[colon + 1..])
    {
        out.push((s + colon + 1, e));
    }
}

/// The YAML or JSON value starting at byte `from` of `line`: a quoted string's inside, a flow item up to its `,`
/// or `}`, or the rest of the line.
fn yaml_value(line: &str, from: usize) -> Option<(usize, usize)> {
    let rest = &line[from..];
    let flow = line[..from].matches(['{', '[']).count() > line[..from].matches(['}', ']']).count();
    let (s, e) = match rest.chars().next()? {
        q @ ('"' | '\'') => (from + 1, from + 1 + rest[1..].find(q).unwrap_or(rest.len() - 1)),
        _ if flow => (from, from + rest.find([',', '}', ']']).unwrap_or(rest.trim_end().len())),
        _ => {
            // A trailing comment is not part of the value.
            let end = rest.find(" #").unwrap_or(rest.len());
            (from, from + rest[..end].trim_end().len())
        }
    };
    let e = from + line[from..e].trim_end().len();
    (e > s && !is_reference(&line[s..e]) && !matches!(&line[s..e], "|" | ">" | "|-" | ">-")).then_some((s, e))
}

/// Passwords in URLs (`scheme://user:password@host`), and tokens used as the user (`https://TOKEN@host`).
fn url_passwords(line: &str, out: &mut Vec<(usize, usize)>) {
    let mut from = 0;
    while let Some(at) = line[from..].find("://") {
        let start = from + at + 3;
        let authority_end = line[start..]
            .find(|c: char| matches!(c, '/' | '?' | '#' | '"' | '\'' | '`' | '<' | '>') || c.is_whitespace())
            .map_or(line.len(), |e| start + e);
        if let Some(atsign) = line[start..authority_end].rfind('@') {
            let userinfo = &line[start..start + atsign];
            match userinfo.find(':') {
                Some(colon) if !is_reference(&userinfo[colon + 1..]) => {
                    out.push((start + colon + 1, start + atsign));
                }
                None if userinfo.len() >= 20 && !is_reference(userinfo) => out.push((start, start + atsign)),
                _ => {}
            }
        }
        from = start;
    }
}

/// Keys with a known shape, wherever they are: the prefix is kept, the rest masked.
fn key_patterns(line: &str, out: &mut Vec<(usize, usize)>) {
    // (prefix, least length of the rest, characters of the rest)
    const PATTERNS: &[(&str, usize, bool)] = &[
        ("AKIA", 16, true),
        ("ASIA", 16, true),
        ("ghp_", 30, false),
        ("gho_", 30, false),
        ("ghs_", 30, false),
        ("ghu_", 30, false),
        ("ghr_", 30, false),
        ("github_pat_", 30, false),
        ("glpat-", 20, false),
        ("xoxb-", 10, false),
        ("xoxp-", 10, false),
        ("xoxa-", 10, false),
        ("sk_live_", 16, false),
        ("rk_live_", 16, false),
        ("AIza", 30, false),
    ];
    let bytes = line.as_bytes();
    for &(prefix, least, upper_only) in PATTERNS {
        let mut from = 0;
        while let Some(at) = line[from..].find(prefix) {
            let start = from + at;
            let boundary = start == 0 || !(bytes[start - 1].is_ascii_alphanumeric() || bytes[start - 1] == b'_');
            let body = start + prefix.len();
            let len = line[body..]
                .bytes()
                .take_while(|b| {
                    if upper_only {
                        b.is_ascii_uppercase() || b.is_ascii_digit()
                    } else {
                        b.is_ascii_alphanumeric() || matches!(b, b'_' | b'-')
                    }
                })
                .count();
            if boundary && len >= least {
                out.push((body, body + len));
            }
            from = body;
        }
    }
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
        assert_eq!(Secrets::new(text).redact(index, "****").text, expected);
    }

    #[test]
    fn secrets_are_masked_in_every_form() {
        check("ENV DB_PASSWORD=hunter2 API_TOKEN=x PORT=80", 0, "ENV DB_PASSWORD=**** API_TOKEN=**** PORT=80");
        check("ARG GITHUB_TOKEN=\"ghp_abc\"", 0, "ARG GITHUB_TOKEN=\"****\"");
        check("ENV API_TOKEN=\"two words\" PORT=80", 0, "ENV API_TOKEN=\"****\" PORT=80");
        check("ENV API_TOKEN hunter3 and more", 0, "ENV API_TOKEN ****");
        check("      DB_PASSWORD: hunter2", 0, "      DB_PASSWORD: ****");
        check("      db_password : hunter2", 0, "      db_password : ****");
        check("      - API_TOKEN=hunter3", 0, "      - API_TOKEN=****");
        check("        - name: DB_PASSWORD\n          value: hunter2", 1, "          value: ****");
        check("        - value: hunter2\n          name: DB_PASSWORD", 0, "        - value: ****");
        check("  - {name: DB_PASSWORD, value: hunter2}", 0, "  - {name: DB_PASSWORD, value: ****}");
        check("    environment: {API_TOKEN: hunter3, PORT: 80}", 0, "    environment: {API_TOKEN: ****, PORT: 80}");
        check("  \"password\": \"hunter2\",", 0, "  \"password\": \"****\",");
        check("RUN echo \"root:Docker!\" | chpasswd", 0, "RUN echo \"root:****\" | chpasswd");
        check("ADD https://user:pw1@host/x.tgz /x", 0, "ADD https://user:****@host/x.tgz /x");
        check("RUN curl -u admin:pw2 https://h", 0, "RUN curl -u admin:**** https://h");
        check("RUN curl --user=admin:pw2 https://h", 0, "RUN curl --user=admin:**** https://h");
        check("RUN curl -H \"Authorization: Bearer abc.def\" h", 0, "RUN curl -H \"Authorization: Bearer ****\" h");
        check("  Authorization: Basic dXNlcjpwdw==", 0, "  Authorization: Basic ****");
        check("ENV AWS_KEY_ID=AKIAIOSFODNN7EXAMPLE", 0, "ENV AWS_KEY_ID=AKIA****");
        check("CMD [\"node\", \"s.js\", \"--token\", \"X1\"]", 0, "CMD [\"node\", \"s.js\", \"--token\", \"****\"]");
        check("web: node s.js --db-password=x --port 80", 0, "web: node s.js --db-password=**** --port 80");
        check(
            "key: \"-----BEGIN RSA PRIVATE KEY-----\\nMIIB\\n-----END RSA PRIVATE KEY-----\"",
            0,
            "key: \"-----BEGIN RSA PRIVATE KEY-----****-----END RSA PRIVATE KEY-----\"",
        );
        let pem = "k: |\n  -----BEGIN PRIVATE KEY-----\n  MIIEvQIBADANBg\n  -----END PRIVATE KEY-----\nport: 80";
        check(pem, 2, "  ****");
        check(pem, 3, "  -----END PRIVATE KEY-----");
        check(pem, 4, "port: 80");
        check("  - value: hunter2", 0, "  - value: hunter2");
    }

    #[test]
    fn other_lines_are_kept() {
        for line in [
            "ENV PORT=8080 PASSWORD_FILE=/run/secrets/db",
            "ENV DB_PASSWORD=$DB_PASSWORD",
            "    image: nginx:1.27",
            "\tRUN  apk add --no-cache curl",
            "      password: {{ .Values.password }}",
            "RUN git clone https://github.com/o/r.git",
            "RUN git clone ssh://git@github.com/o/r.git",
            "KS047 `api` has a literal secret-looking value in env `API_TOKEN`",
            "web: node server.js --port $PORT --token-file /run/t",
            "      automountServiceAccountToken: false",
        ] {
            check(line, 0, line);
        }
        check("        - name: PORT\n          value: \"80\"", 1, "          value: \"80\"");
    }

    #[test]
    fn the_caret_keeps_its_place() {
        let line = "RUN echo \"root:Docker!\" | chpasswd";
        let r = Secrets::new(line).redact(0, "****");
        let at = line.find("chpasswd").unwrap();
        assert_eq!(&r.text[r.map(at)..], "chpasswd");
        assert_eq!(r.map(0), 0);
        assert_eq!(&r.text[r.map(line.find("Docker").unwrap())..], "****\" | chpasswd");
    }

    #[test]
    fn texts_and_flagged_values() {
        assert_eq!(
            mask_text("DB_PASSWORD=x node s.js --db postgres://u:pw@db/x\r\nok\n", "<redacted>"),
            "DB_PASSWORD=<redacted> node s.js --db postgres://u:<redacted>@db/x\r\nok\n"
        );
        assert_eq!(mask_values("a hunter2 b hunter22 hunter2", &["hunter2"], "****"), "a **** b hunter22 ****");
    }
}
