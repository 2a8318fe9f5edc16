//! What the service writes is for its own user only: the data directory is 0700 and every
//! file in it (the SQLite database and its journals, photos, keys, backups, exports) 0600.
//! One mechanism covers every writer: the process's umask is set to 077 before anything is
//! created, and what an earlier version created more openly is tightened at start-up.
use std::fs;
use std::io;
use std::os::unix::fs::{DirBuilderExt, OpenOptionsExt, PermissionsExt};
use std::path::Path;

use rustix::fs::Mode;

/// New files and directories of this process: no access for group and others.
pub fn restrict_new_files() {
    rustix::process::umask(Mode::from_raw_mode(0o077));
}

/// Creates the directory (and its parents) owner-only, or makes an existing one so.
pub fn private_dir(path: &Path) -> io::Result<()> {
    fs::DirBuilder::new().recursive(true).mode(0o700).create(path)?;
    fs::set_permissions(path, fs::Permissions::from_mode(0o700))
}

/// Creates an empty file owner-only if it is missing, or makes an existing one so. SQLite
/// gives its WAL and shared-memory files the database file's permissions.
pub fn private_file(path: &Path) -> io::Result<()> {
    match fs::OpenOptions::new().write(true).create_new(true).mode(0o600).open(path) {
        Ok(_) => Ok(()),
        Err(error) if error.kind() == io::ErrorKind::AlreadyExists => {
            fs::set_permissions(path, fs::Permissions::from_mode(0o600))
        }
        Err(error) => Err(error),
    }
}

/// The file a `sqlite:` URL names, if it names one (not `:memory:`).
pub fn sqlite_file(url: &str) -> Option<&Path> {
    let rest = url.strip_prefix("sqlite://").or_else(|| url.strip_prefix("sqlite:"))?;
    let path = rest.split('?').next().unwrap_or("");
    (!path.is_empty() && !path.starts_with(":memory:")).then(|| Path::new(path))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sqlite_urls_name_their_file() {
        assert_eq!(sqlite_file("sqlite://data/liaison.db?mode=rwc"), Some(Path::new("data/liaison.db")));
        assert_eq!(sqlite_file("sqlite:///tmp/x.db"), Some(Path::new("/tmp/x.db")));
        assert_eq!(sqlite_file("sqlite::memory:"), None);
        assert_eq!(sqlite_file("postgres://h/db"), None);
    }

    #[test]
    fn files_and_directories_are_owner_only() {
        let dir = tempfile::tempdir().unwrap();
        let data = dir.path().join("a/b");
        private_dir(&data).unwrap();
        assert_eq!(fs::metadata(&data).unwrap().permissions().mode() & 0o777, 0o700);
        let file = data.join("db");
        fs::write(&file, b"x").unwrap();
        fs::set_permissions(&file, fs::Permissions::from_mode(0o644)).unwrap();
        private_file(&file).unwrap();
        assert_eq!(fs::metadata(&file).unwrap().permissions().mode() & 0o777, 0o600);
        assert_eq!(fs::read(&file).unwrap(), b"x", "an existing file keeps its content");
    }
}
