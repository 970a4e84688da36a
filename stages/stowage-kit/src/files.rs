//! Opening the app's files: one function for every reader of every stage, so that none follows a link out of the
//! app, blocks on a pipe, or reads a device that never ends.
//!
//! A file is read only when its real path (every link resolved) is inside the app and it is a regular file of at
//! most the given size. The type is checked before opening, and again on the open file (a file swapped for a pipe
//! in between is caught): the open itself never blocks, because pipes are opened non-blocking and a final link is
//! not followed.

use std::fmt;
use std::io::Read;
use std::path::{Path, PathBuf};

/// The most any reader reads from one file.
pub const MAX_FILE_BYTES: u64 = 64 * 1024 * 1024;

/// Why a file of the app was not read. `Display` gives the reason in lowercase, without the path: callers name
/// the file the way their output does.
#[derive(Debug)]
pub enum Unread {
    /// A link (the file, or a folder above it) that leads outside the app.
    Outside,
    /// A folder, pipe, socket or device.
    NotRegular(&'static str),
    /// Larger than the cap: (size, cap).
    TooLarge(u64, u64),
    /// The file system refused (missing, permissions, ...).
    Io(std::io::Error),
}

impl Unread {
    /// The file does not exist (callers often treat that as "absent", not as an error).
    pub fn is_missing(&self) -> bool {
        matches!(self, Unread::Io(e) if e.kind() == std::io::ErrorKind::NotFound)
    }
}

impl fmt::Display for Unread {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Unread::Outside => f.write_str("a symbolic link to outside the app"),
            Unread::NotRegular(what) => write!(f, "not a regular file ({what})"),
            Unread::TooLarge(size, cap) if cap % (1024 * 1024) == 0 && *cap > 0 => {
                write!(f, "larger than {} MiB ({size} bytes)", cap / (1024 * 1024))
            }
            Unread::TooLarge(size, cap) => write!(f, "larger than {cap} bytes ({size} bytes)"),
            Unread::Io(e) => write!(f, "{e}"),
        }
    }
}

/// What kind of non-regular file `t` is, in words.
fn kind_of(t: std::fs::FileType) -> &'static str {
    #[cfg(unix)]
    {
        use std::os::unix::fs::FileTypeExt;
        if t.is_fifo() {
            return "a named pipe";
        }
        if t.is_socket() {
            return "a socket";
        }
        if t.is_char_device() || t.is_block_device() {
            return "a device";
        }
    }
    if t.is_dir() { "a folder" } else { "a pipe, socket or device" }
}

/// The real path of `path` when it is a regular file inside `root` (both may be reached through links), with its
/// size.
pub fn check_app_file(root: &Path, path: &Path) -> Result<(PathBuf, u64), Unread> {
    let root = root.canonicalize().map_err(Unread::Io)?;
    let real = path.canonicalize().map_err(Unread::Io)?;
    if !real.starts_with(&root) {
        return Err(Unread::Outside);
    }
    let meta = std::fs::symlink_metadata(&real).map_err(Unread::Io)?;
    if !meta.is_file() {
        return Err(Unread::NotRegular(kind_of(meta.file_type())));
    }
    Ok((real, meta.len()))
}

/// The bytes of `path`, a regular file inside `root` of at most `cap` bytes.
pub fn read_app_file(root: &Path, path: &Path, cap: u64) -> Result<Vec<u8>, Unread> {
    let (real, len) = check_app_file(root, path)?;
    if len > cap {
        return Err(Unread::TooLarge(len, cap));
    }
    let mut options = std::fs::OpenOptions::new();
    options.read(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.custom_flags(libc::O_NONBLOCK | libc::O_NOFOLLOW);
    }
    let file = options.open(&real).map_err(Unread::Io)?;
    let meta = file.metadata().map_err(Unread::Io)?;
    if !meta.is_file() {
        return Err(Unread::NotRegular(kind_of(meta.file_type())));
    }
    let mut bytes = Vec::with_capacity(meta.len().min(cap) as usize);
    // A file that grew since it was measured is still read no further than the cap.
    file.take(cap + 1).read_to_end(&mut bytes).map_err(Unread::Io)?;
    if bytes.len() as u64 > cap {
        return Err(Unread::TooLarge(bytes.len() as u64, cap));
    }
    Ok(bytes)
}

/// The text of `path` (see [`read_app_file`]); a file that is not UTF-8 is an error naming the first bad byte.
pub fn read_app_text(root: &Path, path: &Path, cap: u64) -> Result<String, String> {
    let bytes = read_app_file(root, path, cap).map_err(|e| e.to_string())?;
    String::from_utf8(bytes).map_err(|e| {
        format!("not UTF-8 (invalid byte at offset {}): re-encode it as UTF-8", e.utf8_error().valid_up_to())
    })
}

#[cfg(all(test, unix))]
mod tests {
    use super::*;

    #[test]
    fn only_regular_files_inside_the_app_are_read() {
        let dir = std::env::temp_dir().join(format!("stowage-kit-files-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        let app = dir.join("app");
        std::fs::create_dir_all(app.join("sub")).unwrap();
        std::fs::write(dir.join("outside.txt"), "outside").unwrap();
        std::fs::write(app.join("sub/in.txt"), "inside").unwrap();
        std::os::unix::fs::symlink("sub/in.txt", app.join("link.txt")).unwrap();
        std::os::unix::fs::symlink("../outside.txt", app.join("out.txt")).unwrap();
        std::os::unix::fs::symlink("..", app.join("up")).unwrap();
        std::os::unix::fs::symlink("/dev/zero", app.join("zero.yaml")).unwrap();
        let fifo = std::process::Command::new("mkfifo").arg(app.join("values.yaml")).status();
        assert!(fifo.is_ok_and(|s| s.success()), "mkfifo");
        std::os::unix::fs::symlink("values.yaml", app.join("fifo-link.yaml")).unwrap();
        let read = |p: &str, cap| read_app_file(&app, &app.join(p), cap).map_err(|e| e.to_string());
        assert_eq!(read("sub/in.txt", 100), Ok(b"inside".to_vec()));
        assert_eq!(read("link.txt", 100), Ok(b"inside".to_vec()));
        assert_eq!(read("out.txt", 100), Err("a symbolic link to outside the app".into()));
        assert_eq!(read("up/outside.txt", 100), Err("a symbolic link to outside the app".into()));
        assert_eq!(read("zero.yaml", 100), Err("a symbolic link to outside the app".into()));
        assert_eq!(read("values.yaml", 100), Err("not a regular file (a named pipe)".into()));
        assert_eq!(read("fifo-link.yaml", 100), Err("not a regular file (a named pipe)".into()));
        assert_eq!(read("sub", 100), Err("not a regular file (a folder)".into()));
        assert_eq!(read("sub/in.txt", 3), Err("larger than 3 bytes (6 bytes)".into()));
        assert!(read_app_file(&app, &app.join("missing"), 100).unwrap_err().is_missing());
        let _ = std::fs::remove_dir_all(&dir);
    }
}

/// Where Debian-family systems (and the images built here) keep the system's CA bundle.
pub const SYSTEM_CA_BUNDLE: &str = "/etc/ssl/certs/ca-certificates.crt";

/// The CA bundle an image build gets as its `ca` secret when none is configured: `SSL_CERT_FILE` when it names a
/// file (a TLS-inspecting proxy's bundle), else the system's, when there is one.
pub fn default_ca_bundle() -> Option<PathBuf> {
    std::env::var_os("SSL_CERT_FILE")
        .map(PathBuf::from)
        .filter(|p| p.is_file())
        .or_else(|| Some(PathBuf::from(SYSTEM_CA_BUNDLE)).filter(|p| p.is_file()))
}
