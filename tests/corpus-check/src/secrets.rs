//! Secret masking on real text: every line of every corpus file is redacted as the linter's human output would show
//! it, and every byte offset of the original line must map to a character boundary of the shown text (a caret
//! placed inside a multi-byte character would panic or point at the wrong place). Real files do carry
//! secret-looking values (test passwords in compose files, chpasswd in images), so a folder with files and no masked
//! line means the redaction stopped working. The validate stage's unit test runs the same over its rule fixtures.

use stowage_validate::secret::Secrets;

use crate::{Corpus, Problems, Result};

pub fn run(corpus: &Corpus) -> Result<Problems> {
    let mut problems = Vec::new();
    let (mut lines_seen, mut masked) = (0, 0);
    for sub in ["dockerfiles", "k8s", "compose"] {
        for path in corpus.files(sub)? {
            // Files that are not UTF-8 are reported by the linter before any line is shown.
            let Ok(text) = std::fs::read_to_string(&path) else { continue };
            let secrets = Secrets::new(&text);
            for (i, line) in secrets.lines().iter().enumerate() {
                let r = secrets.redact(i, stowage_validate::MASK);
                lines_seen += 1;
                masked += usize::from(r.text != *line);
                if let Some((at, _)) = line.char_indices().find(|(at, _)| !r.text.is_char_boundary(r.map(*at))) {
                    problems.push(format!(
                        "{}:{}: byte {at} maps inside a character of the masked line",
                        corpus.name(&path),
                        i + 1
                    ));
                }
            }
        }
    }
    // Only the count is printed: the masked lines themselves would show what they hide.
    println!("{lines_seen} lines redacted, {masked} with a masked value");
    if lines_seen > 0 && masked == 0 {
        problems.push("no line of the corpus had a value masked: the secret redaction no longer recognises any".into());
    }
    Ok(problems)
}
