//! Repository rules that are tests: module docs on every Rust file, no trailing whitespace, every stage crate named
//! after its stage and listed in stages/README.md.

#[cfg(test)]
mod tests {
    use std::path::{Path, PathBuf};

    fn root() -> PathBuf {
        Path::new(env!("CARGO_MANIFEST_DIR")).parent().unwrap().to_path_buf()
    }

    fn rust_files(dir: &Path, out: &mut Vec<PathBuf>) {
        for entry in std::fs::read_dir(dir).unwrap() {
            let path = entry.unwrap().path();
            let name = path.file_name().unwrap().to_string_lossy().to_string();
            if path.is_dir() {
                // Fixture apps are other people's code in miniature: their style is theirs.
                if name != "target" && name != "fixtures" && !name.starts_with('.') {
                    rust_files(&path, out);
                }
            } else if name.ends_with(".rs") {
                out.push(path);
            }
        }
    }

    #[test]
    fn rust_files_have_module_docs_and_no_trailing_whitespace() {
        let mut files = Vec::new();
        for dir in ["xtask", "stages", "tests"] {
            rust_files(&root().join(dir), &mut files);
        }
        let mut problems = Vec::new();
        for file in &files {
            let text = std::fs::read_to_string(file).unwrap();
            if !text.starts_with("//!") {
                problems.push(format!("{}: start the file with a `//!` module doc", file.display()));
            }
            for (i, line) in text.lines().enumerate() {
                if line.ends_with(' ') || line.ends_with('\t') {
                    problems.push(format!("{}:{}: trailing whitespace", file.display(), i + 1));
                }
            }
        }
        assert!(files.len() > 20);
        assert!(problems.is_empty(), "{}", problems.join("\n"));
    }

    #[test]
    fn stage_crates_are_named_after_their_stage_and_listed() {
        let readme = std::fs::read_to_string(root().join("stages/README.md")).unwrap();
        let mut problems = Vec::new();
        for entry in std::fs::read_dir(root().join("stages")).unwrap() {
            let dir = entry.unwrap().path();
            if !dir.is_dir() {
                continue;
            }
            let folder = dir.file_name().unwrap().to_string_lossy().to_string();
            if !readme.contains(&format!("`{folder}`")) {
                problems.push(format!("stages/README.md does not list `{folder}`"));
            }
            // Libraries the stages share, not stages.
            if ["stowage-kit", "stowage-model", "stowage-render", "stowage-yaml"].contains(&folder.as_str()) {
                continue;
            }
            let manifest = std::fs::read_to_string(dir.join("Cargo.toml")).unwrap();
            match stowage_kit::describe_from_manifest(&manifest, "0.0.0") {
                Ok(describe) if format!("stowage-{}", describe.name) == folder => {}
                Ok(describe) => problems
                    .push(format!("stages/{folder} declares stage `{}`: name the folder stowage-{0}", describe.name)),
                Err(e) => problems.push(format!("stages/{folder}: {e}")),
            }
        }
        assert!(problems.is_empty(), "{}", problems.join("\n"));
    }
}
