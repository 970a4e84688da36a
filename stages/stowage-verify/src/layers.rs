//! Reading a built image's layers for files that must never be in one: the app's own secret files (a `.env`, a
//! private key) that the ignore file is there to keep out of the build context. The image is streamed from
//! `<engine> save` as a tar whose members are the layers (uncompressed tars); every layer is read, so a secret
//! copied in one layer and deleted in a later one is still found.

use std::io::Read;
use std::path::Path;

/// Whether a file name is one that holds secrets (the same classes the generated ignore files keep out).
pub fn is_secret_file(name: &str) -> bool {
    let lower = name.to_ascii_lowercase();
    let samples = [".example", ".sample", ".template", ".dist", ".defaults", ".test"];
    if lower == ".env" || (lower.starts_with(".env.") && !samples.iter().any(|s| lower.ends_with(s))) {
        return true;
    }
    if ["id_rsa", "id_dsa", "id_ecdsa", "id_ed25519"].iter().any(|k| lower == *k || lower.starts_with(&format!("{k}.")))
    {
        return !lower.ends_with(".pub");
    }
    [".pem", ".key", ".p12", ".pfx", ".jks", ".keystore"].iter().any(|e| lower.ends_with(e)) || lower == ".netrc"
}

/// App-relative paths of the secret files inside `context` (links are not followed; `.git` and dependency folders
/// are skipped: they are not the app's own files).
pub fn secret_files(context: &Path) -> Vec<String> {
    let mut found = Vec::new();
    let mut stack = vec![(context.to_path_buf(), String::new())];
    while let Some((dir, rel)) = stack.pop() {
        let Ok(entries) = std::fs::read_dir(&dir) else { continue };
        for entry in entries.flatten() {
            let name = entry.file_name().to_string_lossy().into_owned();
            let Ok(meta) = entry.path().symlink_metadata() else { continue };
            let path = if rel.is_empty() { name.clone() } else { format!("{rel}/{name}") };
            if meta.is_dir() {
                if ![".git", "node_modules", "target", "vendor", ".venv", "__pycache__"].contains(&name.as_str()) {
                    stack.push((entry.path(), path));
                }
            } else if meta.is_file() && is_secret_file(&name) {
                found.push(path);
            }
        }
    }
    found.sort();
    found
}

/// One member of a tar archive.
struct Member {
    name: String,
    kind: u8,
}

/// Reads a tar stream member by member, handing each regular member's data to `each` (which may read part of it);
/// the rest of the member and its padding are skipped. GNU long names and PAX paths are honoured.
// A tar crate would do this too; the gate needs only names and sizes of members, in about fifty lines.
fn walk_tar(
    reader: &mut dyn Read,
    each: &mut dyn FnMut(&Member, &mut dyn Read) -> std::io::Result<()>,
) -> std::io::Result<()> {
    let mut header = [0u8; 512];
    let mut long_name: Option<String> = None;
    loop {
        if read_full(reader, &mut header)? < 512 || header.iter().all(|b| *b == 0) {
            return Ok(());
        }
        let size = parse_size(&header[124..136]);
        let kind = header[156];
        let field = |range: std::ops::Range<usize>| {
            let bytes = &header[range];
            let end = bytes.iter().position(|b| *b == 0).unwrap_or(bytes.len());
            String::from_utf8_lossy(&bytes[..end]).into_owned()
        };
        let mut name = field(0..100);
        if &header[257..262] == b"ustar" {
            let prefix = field(345..500);
            if !prefix.is_empty() {
                name = format!("{prefix}/{name}");
            }
        }
        if let Some(long) = long_name.take() {
            name = long;
        }
        let mut data = reader.take(size);
        match kind {
            b'L' | b'x' => {
                let mut text = Vec::new();
                data.read_to_end(&mut text)?;
                let text = String::from_utf8_lossy(&text).into_owned();
                long_name = if kind == b'L' {
                    Some(text.trim_end_matches('\0').to_string())
                } else {
                    text.lines().find_map(|l| l.split_once(" path=").map(|(_, p)| p.to_string()))
                };
            }
            _ => each(&Member { name, kind }, &mut data)?,
        }
        std::io::copy(&mut data, &mut std::io::sink())?;
        let padding = (512 - size % 512) % 512;
        std::io::copy(&mut reader.take(padding), &mut std::io::sink())?;
    }
}

fn read_full(reader: &mut dyn Read, buf: &mut [u8]) -> std::io::Result<usize> {
    let mut done = 0;
    while done < buf.len() {
        match reader.read(&mut buf[done..]) {
            Ok(0) => break,
            Ok(n) => done += n,
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
            Err(e) => return Err(e),
        }
    }
    Ok(done)
}

/// A size field: octal text, or base-256 when its first byte has the high bit set.
fn parse_size(field: &[u8]) -> u64 {
    if field[0] & 0x80 != 0 {
        return field[1..].iter().fold(0u64, |n, b| (n << 8) | u64::from(*b));
    }
    let text: String = field.iter().take_while(|b| **b != 0 && **b != b' ').map(|b| *b as char).collect();
    u64::from_str_radix(text.trim(), 8).unwrap_or(0)
}

/// What the layers of an image hold of `secrets` (app-relative paths), as (layer, path in the layer); and how many
/// layers could not be read (compressed).
pub fn find_in_layers(image: &mut dyn Read, secrets: &[String]) -> std::io::Result<(Vec<(String, String)>, usize)> {
    let mut found = Vec::new();
    let mut unreadable = 0;
    walk_tar(image, &mut |member, data| {
        if member.kind != b'0' && member.kind != 0 {
            return Ok(());
        }
        // A layer is a member that is itself a tar: its first header says `ustar` at offset 257. manifest.json and
        // the image config are not.
        let mut first = [0u8; 512];
        let n = read_full(data, &mut first)?;
        if n >= 2 && first[0] == 0x1f && first[1] == 0x8b {
            unreadable += 1;
            return Ok(());
        }
        if n < 512 || &first[257..262] != b"ustar" {
            return Ok(());
        }
        let layer = member.name.clone();
        let mut chained = std::io::Cursor::new(first).chain(data);
        walk_tar(&mut chained, &mut |inner, _| {
            let path = inner.name.trim_start_matches("./").trim_end_matches('/');
            if (inner.kind == b'0' || inner.kind == 0)
                && let Some(secret) = secrets.iter().find(|s| path == s.as_str() || path.ends_with(&format!("/{s}")))
            {
                found.push((layer.clone(), format!("/{path} (the app's {secret})")));
            }
            Ok(())
        })
    })?;
    found.sort();
    found.dedup();
    Ok((found, unreadable))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn header(name: &str, size: usize, kind: u8) -> Vec<u8> {
        let mut h = vec![0u8; 512];
        h[..name.len()].copy_from_slice(name.as_bytes());
        let size = format!("{size:011o}");
        h[124..135].copy_from_slice(size.as_bytes());
        h[156] = kind;
        h[257..262].copy_from_slice(b"ustar");
        h
    }

    fn tar(members: &[(&str, Vec<u8>)]) -> Vec<u8> {
        let mut out = Vec::new();
        for (name, data) in members {
            out.extend(header(name, data.len(), b'0'));
            out.extend(data);
            out.extend(vec![0u8; (512 - data.len() % 512) % 512]);
        }
        out.extend(vec![0u8; 1024]);
        out
    }

    #[test]
    fn secret_names() {
        for name in [".env", ".env.production", "server.key", "tls.pem", "id_rsa", "id_ed25519", "keystore.p12"] {
            assert!(is_secret_file(name), "{name}");
        }
        for name in [".env.example", ".env.sample", "id_rsa.pub", "main.go", "environment.ts", "key.txt"] {
            assert!(!is_secret_file(name), "{name}");
        }
    }

    #[test]
    fn finds_a_secret_in_any_layer_even_when_a_later_one_deletes_it() {
        let layer1 = tar(&[("app/main.py", b"print()".to_vec()), ("app/.env", b"API_KEY=x".to_vec())]);
        let layer2 = tar(&[("app/.wh..env", Vec::new())]);
        let image = tar(&[("manifest.json", b"[]".to_vec()), ("aaa/layer.tar", layer1), ("bbb/layer.tar", layer2)]);
        let (found, unreadable) =
            find_in_layers(&mut image.as_slice(), &[".env".to_string(), "keys/deploy.pem".to_string()]).unwrap();
        assert_eq!(found, vec![("aaa/layer.tar".to_string(), "/app/.env (the app's .env)".to_string())]);
        assert_eq!(unreadable, 0);
        let clean = tar(&[("aaa/layer.tar", tar(&[("app/main.py", b"x".to_vec())]))]);
        assert!(find_in_layers(&mut clean.as_slice(), &[".env".to_string()]).unwrap().0.is_empty());
    }
}
