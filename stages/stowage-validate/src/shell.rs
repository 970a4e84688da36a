//! A small POSIX shell word splitter and command segmenter for the bodies of RUN instructions.
//!
//! Why not brush-parser: it brings about 80 crates into a binary that must build fast on two cores, and the rules
//! here only need what a command line looks like: the simple commands, their words with quoting removed and their
//! positions, which commands are joined by a pipe, and where `$` expansions sit unquoted. Every rule that reads
//! shell is written against [`Script`], so a full parser can replace this module without touching the rules.
//! Compound commands are flattened: the reserved words (`if`, `then`, `do`, ...) are skipped, so the commands inside
//! `if`/`for`/`while` bodies and subshells are checked like any other. Command substitutions are not descended into.

/// One word of a command: `text` has quotes and escapes removed; `start` is the byte offset in the script.
#[derive(Debug, Clone, PartialEq)]
pub struct Word {
    pub text: String,
    pub start: usize,
    /// True when any part of the word was quoted, so `text` is not subject to globbing.
    pub quoted: bool,
}

/// An unquoted expansion found inside a command's arguments.
#[derive(Debug, Clone, PartialEq)]
pub struct Expansion {
    pub start: usize,
    /// `$NAME`/`${...}` (false) or `$(...)`/backticks (true).
    pub command: bool,
    pub name: String,
}

#[derive(Debug, Clone, Default, PartialEq)]
pub struct SimpleCommand {
    /// `NAME=value` words before the command name.
    pub assignments: Vec<Word>,
    /// The command name and its arguments.
    pub words: Vec<Word>,
    /// Part of a pipeline with more than one command.
    pub piped: bool,
    /// Unquoted `$` expansions in the arguments (not in assignments or redirection targets).
    pub unquoted: Vec<Expansion>,
    /// `$` expansions written inside single quotes, for the SC2016 check.
    pub single_quoted_dollar: Vec<usize>,
    /// Preceded by `!` outside an `if`/`while` condition, and not followed by `&&`/`||`: the negation then
    /// silently disables `set -e` for it (SC2251).
    pub negated_statement: bool,
    /// Its output goes into a pipe to the next command.
    pub pipe_next: bool,
}

impl SimpleCommand {
    pub fn name(&self) -> Option<&str> {
        self.words.first().map(|w| w.text.as_str())
    }

    /// The command name without a leading path (`/usr/bin/apt-get` is `apt-get`).
    pub fn base_name(&self) -> Option<&str> {
        self.name().map(|n| n.rsplit('/').next().unwrap_or(n))
    }

    pub fn args(&self) -> &[Word] {
        self.words.get(1..).unwrap_or(&[])
    }

    pub fn has_arg(&self, pred: impl Fn(&str) -> bool) -> bool {
        self.args().iter().any(|w| pred(&w.text))
    }

    /// True when a short flag cluster contains `c` (`-qy` has `y`) or a long flag equals `long`.
    pub fn has_flag(&self, short: Option<char>, long: &[&str]) -> bool {
        self.args().iter().any(|w| {
            let t = w.text.as_str();
            if let Some(rest) = t.strip_prefix("--") {
                let name = rest.split('=').next().unwrap_or(rest);
                long.iter().any(|l| l.trim_start_matches('-') == name)
            } else if let (Some(rest), Some(c)) = (t.strip_prefix('-'), short) {
                !rest.is_empty() && rest.chars().all(|ch| ch.is_ascii_alphanumeric()) && rest.contains(c)
            } else {
                false
            }
        })
    }
}

#[derive(Debug, Clone, Default, PartialEq)]
pub struct Script {
    pub commands: Vec<SimpleCommand>,
    /// Items of the and-or lists (`a | b && c; d` has three), a measure of how much one RUN does.
    pub items: usize,
}

impl Script {
    /// A pipe anywhere, including inside command substitutions (`x=$(a | b)` hides a failing `a` just the same).
    pub fn has_pipe(&self) -> bool {
        self.commands.iter().any(|c| c.piped || c.words.iter().chain(&c.assignments).any(|w| nested_pipe(&w.text)))
    }

    /// Commands whose base name is one of `names`.
    pub fn find<'s>(&'s self, names: &'s [&'s str]) -> impl Iterator<Item = &'s SimpleCommand> + 's {
        self.commands.iter().filter(move |c| c.base_name().is_some_and(|n| names.contains(&n)))
    }
}

fn nested_pipe(text: &str) -> bool {
    substitutions(text).into_iter().any(|inner| parse(inner).has_pipe())
}

/// The bodies of the outermost command substitutions in `text` (`$(...)` and backticks); nested ones are inside
/// those bodies. Only the outermost: callers recurse into each body, and taking every `$(` at every level made
/// that recursion exponential (found by fuzzing: 30 unclosed `$(` took seconds). An unclosed `$(` runs to the end.
pub fn substitutions(text: &str) -> Vec<&str> {
    let mut out = Vec::new();
    let mut from = 0;
    while let Some(at) = text[from..].find("$(") {
        let i = from + at;
        let end = matching(text, i + 1, b'(', b')');
        let close = if text[..end].ends_with(')') { end - 1 } else { end };
        out.push(&text[(i + 2).min(close)..close]);
        from = end.max(i + 2);
    }
    out.extend(text.split('`').skip(1).step_by(2));
    out
}

const RESERVED: &[&str] = &["if", "then", "else", "elif", "fi", "do", "done", "while", "until", "!", "{", "}", "time"];

#[derive(Debug, PartialEq)]
enum Token {
    Word(Word, Vec<Expansion>, Vec<usize>),
    /// `|`
    Pipe,
    /// `;`, `&`, newline, `(`, `)`.
    Separator,
    /// `&&`, `||`.
    AndOr,
    /// A redirection operator; the next word is its target.
    Redirect,
}

/// Splits a script into simple commands. Never fails: unterminated quotes end at the end of the input.
pub fn parse(script: &str) -> Script {
    let tokens = tokenize(script);
    let mut out = Script::default();
    let mut current = SimpleCommand::default();
    let mut pipeline_start = 0;
    let mut skip_next_word = false;
    let mut in_for_header = false;
    let mut in_test = false;
    let mut in_condition = false;
    let mut negated = false;
    let finish = |current: &mut SimpleCommand, out: &mut Script| {
        if !current.words.is_empty() || !current.assignments.is_empty() {
            out.commands.push(std::mem::take(current));
        } else {
            *current = SimpleCommand::default();
        }
    };
    for token in tokens {
        let token_is_and_or = token == Token::AndOr;
        match token {
            Token::Word(word, expansions, sq) => {
                if skip_next_word {
                    skip_next_word = false;
                    continue;
                }
                if current.words.is_empty() {
                    if RESERVED.contains(&word.text.as_str()) && !word.quoted {
                        match word.text.as_str() {
                            "if" | "elif" | "while" | "until" => in_condition = true,
                            "then" | "do" | "else" | "fi" | "done" => in_condition = false,
                            "!" => negated = !in_condition,
                            _ => {}
                        }
                        continue;
                    }
                    if (word.text == "for" || word.text == "case" || word.text == "select") && !word.quoted {
                        // `for x in a b; do` and `case w in`: the header is not a command.
                        in_for_header = true;
                        continue;
                    }
                    if in_for_header {
                        continue;
                    }
                    if is_assignment(&word.text) && !word.text.starts_with('=') {
                        current.assignments.push(word);
                        continue;
                    }
                    in_test = word.text == "[[";
                }
                if !in_test {
                    current.unquoted.extend(expansions);
                }
                if word.text == "]]" {
                    in_test = false;
                }
                current.single_quoted_dollar.extend(sq);
                if current.words.is_empty() && negated {
                    current.negated_statement = true;
                    negated = false;
                }
                current.words.push(word);
            }
            Token::Redirect => skip_next_word = true,
            Token::Pipe => {
                current.piped = true;
                current.pipe_next = true;
                finish(&mut current, &mut out);
                current.piped = true;
                if let Some(prev) = out.commands.get_mut(pipeline_start..) {
                    for c in prev {
                        c.piped = true;
                    }
                }
            }
            Token::Separator | Token::AndOr => {
                if token_is_and_or {
                    current.negated_statement = false;
                    if let Some(last) = out.commands.last_mut().filter(|_| current.words.is_empty()) {
                        last.negated_statement = false;
                    }
                }
                if !current.words.is_empty() || !current.assignments.is_empty() {
                    out.items += 1;
                }
                finish(&mut current, &mut out);
                pipeline_start = out.commands.len();
                in_for_header = false;
                in_test = false;
            }
        }
    }
    if !current.words.is_empty() || !current.assignments.is_empty() {
        out.items += 1;
    }
    finish(&mut current, &mut out);
    out
}

/// The words of a line with quotes removed, for instructions such as ENV and LABEL that use shell-like quoting.
pub fn words(s: &str) -> Vec<Word> {
    tokenize(s)
        .into_iter()
        .filter_map(|t| match t {
            Token::Word(w, _, _) => Some(w),
            _ => None,
        })
        .collect()
}

pub fn is_assignment(word: &str) -> bool {
    let Some((name, _)) = word.split_once('=') else { return false };
    let name = name.strip_suffix('+').unwrap_or(name);
    !name.is_empty()
        && name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_')
        && !name.starts_with(|c: char| c.is_ascii_digit())
}

fn tokenize(s: &str) -> Vec<Token> {
    let b = s.as_bytes();
    let mut i = 0;
    let mut tokens = Vec::new();
    while i < b.len() {
        let c = b[i];
        match c {
            b' ' | b'\t' | b'\r' => i += 1,
            b'\\' if b.get(i + 1) == Some(&b'\n') => i += 2,
            b'\n' | b';' => {
                tokens.push(Token::Separator);
                i += 1;
            }
            b'&' => {
                if b.get(i + 1) == Some(&b'>') {
                    tokens.push(Token::Redirect);
                    i += 2 + usize::from(b.get(i + 2) == Some(&b'>'));
                } else if b.get(i + 1) == Some(&b'&') {
                    tokens.push(Token::AndOr);
                    i += 2;
                } else {
                    tokens.push(Token::Separator);
                    i += 1;
                }
            }
            b'|' => {
                if b.get(i + 1) == Some(&b'|') {
                    tokens.push(Token::AndOr);
                    i += 2;
                } else {
                    tokens.push(Token::Pipe);
                    i += 1 + usize::from(b.get(i + 1) == Some(&b'&'));
                }
            }
            b'(' | b')' => {
                tokens.push(Token::Separator);
                i += 1;
            }
            b'#' => {
                while i < b.len() && b[i] != b'\n' {
                    i += 1;
                }
            }
            b'<' | b'>' => {
                let mut j = i + 1;
                while j < b.len() && matches!(b[j], b'<' | b'>' | b'&' | b'|' | b'-') {
                    j += 1;
                }
                // `2>&1`, `>&2`: the target is a descriptor glued to the operator, not a following word.
                if b.get(j).is_some_and(u8::is_ascii_digit) && b[j - 1] == b'&' {
                    while j < b.len() && b[j].is_ascii_digit() {
                        j += 1;
                    }
                    i = j;
                    continue;
                }
                tokens.push(Token::Redirect);
                i = j;
            }
            _ => {
                // `2>file`: a descriptor number directly before a redirection is part of the operator.
                if c.is_ascii_digit() {
                    let mut j = i;
                    while j < b.len() && b[j].is_ascii_digit() {
                        j += 1;
                    }
                    if matches!(b.get(j), Some(b'<' | b'>')) {
                        i = j;
                        continue;
                    }
                }
                let (word, exps, sq, next) = read_word(s, i);
                tokens.push(Token::Word(word, exps, sq));
                i = next;
            }
        }
    }
    tokens
}

/// Reads one word starting at `start`; returns it, its unquoted expansions, `$` positions in single quotes,
/// and the offset after it.
fn read_word(s: &str, start: usize) -> (Word, Vec<Expansion>, Vec<usize>, usize) {
    let b = s.as_bytes();
    let mut i = start;
    let mut text = String::new();
    let mut quoted = false;
    let mut exps = Vec::new();
    let mut sq = Vec::new();
    while i < b.len() {
        let c = b[i];
        match c {
            b' ' | b'\t' | b'\n' | b'\r' | b';' | b'&' | b'|' | b'<' | b'>' | b'(' | b')' => break,
            b'\\' => {
                quoted = true;
                if let Some(ch) = s[i + 1..].chars().next() {
                    if ch != '\n' {
                        text.push(ch);
                    }
                    i += 1 + ch.len_utf8();
                } else {
                    i += 1;
                }
            }
            b'\'' => {
                quoted = true;
                let end = s[i + 1..].find('\'').map_or(b.len(), |e| i + 1 + e);
                let inner = &s[i + 1..end];
                if let Some(p) = inner.find(['$', '`']) {
                    let after = inner[p + 1..].chars().next();
                    if after.is_some_and(|a| a == '{' || a == '(' || a.is_ascii_alphabetic() || a == '_') {
                        sq.push(i + 1 + p);
                    }
                }
                text.push_str(inner);
                i = (end + 1).min(b.len());
            }
            b'"' => {
                quoted = true;
                i += 1;
                while i < b.len() && b[i] != b'"' {
                    match b[i] {
                        b'\\' => {
                            if let Some(ch) = s[i + 1..].chars().next() {
                                if !matches!(ch, '$' | '`' | '"' | '\\' | '\n') {
                                    text.push('\\');
                                }
                                if ch != '\n' {
                                    text.push(ch);
                                }
                                i += 1 + ch.len_utf8();
                            } else {
                                i += 1;
                            }
                        }
                        b'$' | b'`' => {
                            let (end, _) = skip_expansion(s, i);
                            text.push_str(&s[i..end]);
                            i = end.max(i + 1);
                        }
                        _ => {
                            let ch = s[i..].chars().next().unwrap_or(' ');
                            text.push(ch);
                            i += ch.len_utf8();
                        }
                    }
                }
                i = (i + 1).min(b.len());
            }
            b'$' | b'`' => {
                let (end, exp) = skip_expansion(s, i);
                if let Some(exp) = exp {
                    exps.push(exp);
                }
                text.push_str(&s[i..end]);
                i = end.max(i + 1);
            }
            _ => {
                let ch = s[i..].chars().next().unwrap_or(' ');
                text.push(ch);
                i += ch.len_utf8();
            }
        }
    }
    (Word { text, start, quoted }, exps, sq, i)
}

/// Skips a `$...` or backtick expansion at `i`; returns its end and, for expansions that undergo word splitting,
/// what it is.
fn skip_expansion(s: &str, i: usize) -> (usize, Option<Expansion>) {
    let b = s.as_bytes();
    if b[i] == b'`' {
        let end = s[i + 1..].find('`').map_or(b.len(), |e| i + 2 + e);
        return (end, Some(Expansion { start: i, command: true, name: String::new() }));
    }
    match b.get(i + 1) {
        Some(b'(') => {
            let arithmetic = b.get(i + 2) == Some(&b'(');
            let end = matching(s, i + 1, b'(', b')');
            let exp = (!arithmetic).then(|| Expansion { start: i, command: true, name: String::new() });
            (end, exp)
        }
        Some(b'{') => {
            let end = matching(s, i + 1, b'{', b'}');
            // An unclosed `${` runs to the end of the text, which may end in a multi-byte character: only a closing
            // brace is dropped (found by fuzzing: `${é` sliced inside the `é`).
            let close = if s[..end].ends_with('}') { end - 1 } else { end };
            let inner = &s[(i + 2).min(close)..close.max(i + 2)];
            let name: String = inner.chars().take_while(|c| c.is_ascii_alphanumeric() || *c == '_').collect();
            // `${#x}` is a number; `${x:-...}` and friends still split.
            let exp =
                (!inner.starts_with('#') && !name.is_empty()).then_some(Expansion { start: i, command: false, name });
            (end, exp)
        }
        Some(c) if c.is_ascii_alphabetic() || *c == b'_' => {
            let mut j = i + 1;
            while j < b.len() && (b[j].is_ascii_alphanumeric() || b[j] == b'_') {
                j += 1;
            }
            (j, Some(Expansion { start: i, command: false, name: s[i + 1..j].to_string() }))
        }
        Some(c) if c.is_ascii_digit() => {
            (i + 2, Some(Expansion { start: i, command: false, name: (*c as char).to_string() }))
        }
        // `$?`, `$#`, `$$`, `$!`, `$-`, `$@`, `$*`: numbers or lists that other checks cover.
        Some(b'?' | b'#' | b'$' | b'!' | b'-' | b'@' | b'*') => (i + 2, None),
        _ => (i + 1, None),
    }
}

/// Offset after the bracket matching the one at `open_at`, honouring nesting and quotes.
fn matching(s: &str, open_at: usize, open: u8, close: u8) -> usize {
    let b = s.as_bytes();
    let mut depth = 0usize;
    let mut i = open_at;
    while i < b.len() {
        match b[i] {
            b'\\' => i += 1,
            b'\'' if open == b'(' => {
                i = s[i + 1..].find('\'').map_or(b.len(), |e| i + 1 + e);
            }
            c if c == open => depth += 1,
            c if c == close => {
                depth = depth.saturating_sub(1);
                if depth == 0 {
                    return i + 1;
                }
            }
            _ => {}
        }
        i += 1;
    }
    b.len()
}

#[cfg(test)]
mod tests {
    use super::parse;

    fn names(s: &str) -> Vec<Vec<String>> {
        parse(s).commands.iter().map(|c| c.words.iter().map(|w| w.text.clone()).collect()).collect()
    }

    /// Found by the shell fuzz target: nested unclosed substitutions took exponential time.
    #[test]
    fn nested_unclosed_substitutions_are_linear() {
        let text = format!("x={}a | b", "$(echo ".repeat(200));
        let started = std::time::Instant::now();
        assert!(parse(&text).has_pipe());
        assert!(started.elapsed().as_secs() < 2, "took {:?}", started.elapsed());
        assert_eq!(super::substitutions("a $(b $(c)) `d` $(e"), ["b $(c)", "e", "d"]);
    }

    /// Found by the shell fuzz target: an unclosed `${` before a multi-byte character.
    #[test]
    fn unclosed_parameter_expansion_before_multibyte_text() {
        for text in ["echo ${é", "echo \"${é\"", "a=${ü", "${#é"] {
            let _ = parse(text);
        }
        assert_eq!(parse("echo ${é").commands[0].unquoted.len(), 0);
    }

    #[test]
    fn segments() {
        assert_eq!(
            names("apt-get update && apt-get install -y 'a b' \"c\"d; echo $(x y) | tee f 2>&1"),
            vec![
                vec!["apt-get", "update"],
                vec!["apt-get", "install", "-y", "a b", "cd"],
                vec!["echo", "$(x y)"],
                vec!["tee", "f"]
            ]
        );
        assert_eq!(names("if [ -f x ]; then cd /a; fi"), vec![vec!["[", "-f", "x", "]"], vec!["cd", "/a"]]);
        assert_eq!(names("for f in a b; do rm $f; done"), vec![vec!["rm", "$f"]]);
        assert_eq!(names("FOO=1 make > out.log"), vec![vec!["make"]]);
        let s = parse("echo $A \"$B\" ${C:-x} $? '$D' $((1+2))");
        let names: Vec<_> = s.commands[0].unquoted.iter().map(|e| e.name.as_str()).collect();
        assert_eq!(names, ["A", "C"]);
        assert_eq!(s.commands[0].single_quoted_dollar.len(), 1);
        assert!(parse("curl x | sh").has_pipe());
        assert!(!parse("a || b").has_pipe());
        let s = parse("! grep -q x f; if ! test -f y; then ! a || b; fi");
        let negated: Vec<bool> = s.commands.iter().map(|c| c.negated_statement).collect();
        assert_eq!(negated, [true, false, false, false]);
    }

    #[test]
    fn never_panics_on_garbage() {
        for s in ["'", "\"", "$(", "${", "`", "\\", "a\\", "$", "2>", "é$é", "\"\\é\"", "${#"] {
            let _ = parse(s);
        }
    }
}
