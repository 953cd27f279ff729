//! A model folder as one tar archive (stored in Postgres, downloaded from the dashboard).

use std::{io, path::Path};

/// The folder's files (not subfolders), sorted by name, as a tar archive.
pub fn pack(folder: &Path) -> io::Result<Vec<u8>> {
    let mut names: Vec<_> = std::fs::read_dir(folder)?
        .filter_map(Result::ok)
        .filter(|entry| entry.file_type().is_ok_and(|t| t.is_file()))
        .map(|entry| entry.file_name())
        .collect();
    names.sort();
    let mut builder = tar::Builder::new(Vec::new());
    for name in names {
        builder.append_path_with_name(folder.join(&name), &name)?;
    }
    builder.into_inner()
}

/// Unpacks an archive made by `pack` into `folder` (created if missing). Entries that are not
/// plain files or that would land outside the folder are refused.
pub fn unpack(archive: &[u8], folder: &Path) -> io::Result<()> {
    std::fs::create_dir_all(folder)?;
    let mut reader = tar::Archive::new(archive);
    for entry in reader.entries()? {
        let mut entry = entry?;
        let path = entry.path()?.into_owned();
        let plain = path.components().count() == 1
            && matches!(
                path.components().next(),
                Some(std::path::Component::Normal(_))
            );
        if !entry.header().entry_type().is_file() || !plain {
            return Err(io::Error::new(
                io::ErrorKind::InvalidData,
                format!("unexpected archive entry {}", path.display()),
            ));
        }
        entry.unpack(folder.join(path))?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_folder_round_trips_through_an_archive() -> io::Result<()> {
        let base = std::env::temp_dir().join(format!("grove-archive-{}", uuid::Uuid::new_v4()));
        let (from, to) = (base.join("from"), base.join("to"));
        std::fs::create_dir_all(&from)?;
        std::fs::write(from.join("config.json"), b"{}")?;
        std::fs::write(from.join("model.safetensors"), vec![7u8; 3000])?;
        unpack(&pack(&from)?, &to)?;
        assert_eq!(std::fs::read(to.join("config.json"))?, b"{}");
        assert_eq!(
            std::fs::read(to.join("model.safetensors"))?,
            vec![7u8; 3000]
        );
        std::fs::remove_dir_all(base)
    }

    #[test]
    fn an_archive_with_a_subfolder_entry_is_refused() -> io::Result<()> {
        let mut builder = tar::Builder::new(Vec::new());
        let mut header = tar::Header::new_gnu();
        header.set_size(1);
        header.set_entry_type(tar::EntryType::Regular);
        header.set_cksum();
        builder.append_data(&mut header, "sub/evil", &b"x"[..])?;
        let archive = builder.into_inner()?;
        let folder = std::env::temp_dir().join(format!("grove-archive-{}", uuid::Uuid::new_v4()));
        assert!(unpack(&archive, &folder).is_err());
        let _ = std::fs::remove_dir_all(folder);
        Ok(())
    }
}
