//! `--evaluator-cache DIR`: external results shared across runs. An entry's key is the
//! evaluator's name and version, the design (every parameter, sorted by name) and the hash of
//! the workloads' layer lists ([`super::layers::layers_hash`]); its file, `DIR/<fnv1a of the
//! key>.json`, holds the key in full and the answer line, so a hash collision or a file from
//! elsewhere is a miss, never a wrong result. Only answers are cached (feasible or declared
//! infeasible); timeouts and crashes are not, so a later run tries again. Entries are written
//! to a temporary file and renamed, so a reader never sees half of one.

use crate::hash::fnv1a;
use serde_json::{Value as Json, json};
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};

/// A cache folder.
pub struct Cache {
    dir: PathBuf,
    written: AtomicU64,
}

/// The key of one design under one evaluator and one set of workloads.
pub fn key(identity: &str, design: &Json, layers_hash: &str) -> String {
    let sorted: BTreeMap<&String, &Json> = design
        .as_object()
        .map(|m| m.iter().collect())
        .unwrap_or_default();
    format!(
        "{identity}\n{}\n{layers_hash}",
        serde_json::to_string(&sorted).expect("JSON values serialize")
    )
}

impl Cache {
    /// Opens (creating) the folder.
    pub fn open(dir: &Path) -> Result<Cache, String> {
        std::fs::create_dir_all(dir)
            .map_err(|e| format!("--evaluator-cache {}: cannot create it: {e}", dir.display()))?;
        Ok(Cache {
            dir: dir.to_path_buf(),
            written: AtomicU64::new(0),
        })
    }

    fn path(&self, key: &str) -> PathBuf {
        self.dir.join(format!("{:016x}.json", fnv1a(key)))
    }

    /// The answer line stored under `key`, if any.
    pub fn get(&self, key: &str) -> Option<String> {
        let text = crate::run_dir::read_regular(&self.path(key)).ok()?;
        let j: Json = serde_json::from_str(&text).ok()?;
        if j.get("key").and_then(Json::as_str) != Some(key) {
            return None;
        }
        j.get("answer").map(|a| a.to_string())
    }

    /// Stores an answer line (best effort: a full disk costs a cache entry, not the run).
    pub fn put(&self, key: &str, answer: &str) {
        let Ok(answer) = serde_json::from_str::<Json>(answer) else {
            return;
        };
        let path = self.path(key);
        let n = self.written.fetch_add(1, Ordering::Relaxed);
        let tmp = path.with_extension(format!("{}.{n}.tmp", std::process::id()));
        let text = json!({"key": key, "answer": answer}).to_string();
        if std::fs::write(&tmp, text).is_ok() && std::fs::rename(&tmp, &path).is_err() {
            let _ = std::fs::remove_file(&tmp);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn entries_are_found_by_their_whole_key() {
        let dir = tempfile::tempdir().unwrap();
        let c = Cache::open(dir.path()).unwrap();
        let a = key("z 1", &json!({"rows": 64, "cols": 32}), "h");
        let b = key("z 1", &json!({"cols": 32, "rows": 64}), "h");
        assert_eq!(a, b, "parameter order does not matter");
        assert_ne!(a, key("z 2", &json!({"rows": 64, "cols": 32}), "h"));
        assert_eq!(c.get(&a), None);
        c.put(&a, r#"{"id": 3, "feasible": false, "reason": "r"}"#);
        let got: Json = serde_json::from_str(&c.get(&a).unwrap()).unwrap();
        assert_eq!(got["reason"], "r");
        // A file whose stored key differs (a collision, a copied file) is a miss.
        std::fs::write(
            c.path(&a),
            json!({"key": "other", "answer": {}}).to_string(),
        )
        .unwrap();
        assert_eq!(c.get(&a), None);
    }
}
