//! Embeds `search-spaces/*.toml`, `search-spaces/calibrations/*.toml` and
//! `search-spaces/reference/chips/*.toml` so built-in spaces, calibrations and published chips
//! are found by name from any folder.

use std::fs;
use std::path::{Path, PathBuf};

fn main() {
    // Read at run time, not compile time (`env!`): a build script binary compiled for one
    // checkout is reused by cargo for another with the same sources and target folder.
    let manifest = std::env::var("CARGO_MANIFEST_DIR").expect("cargo sets CARGO_MANIFEST_DIR");
    let root = Path::new(&manifest).join("../../search-spaces");
    let mut code = embed(&root, "BUILTIN_SPACES", "Built-in design spaces");
    code += &embed(
        &root.join("calibrations"),
        "BUILTIN_CALIBRATIONS",
        "Built-in calibrations",
    );
    code += &embed(
        &root.join("reference").join("chips"),
        "BUILTIN_CHIPS",
        "Published macros and chips (`imcdse validate`)",
    );
    fs::write(
        PathBuf::from(std::env::var("OUT_DIR").unwrap()).join("spaces.rs"),
        code,
    )
    .unwrap();
}

/// `pub static NAME: &[(&str, &str)]`: (file stem, contents) of every `.toml` file in `dir`.
fn embed(dir: &Path, name: &str, doc: &str) -> String {
    println!("cargo:rerun-if-changed={}", dir.display());
    let mut files: Vec<PathBuf> = fs::read_dir(dir)
        .map(|d| {
            d.flatten()
                .map(|e| e.path())
                .filter(|p| p.extension().is_some_and(|e| e == "toml"))
                .collect()
        })
        .unwrap_or_default();
    files.sort();
    let mut code =
        format!("/// {doc}: (name, contents).\npub static {name}: &[(&str, &str)] = &[\n");
    for f in &files {
        println!("cargo:rerun-if-changed={}", f.display());
        let stem = f.file_stem().unwrap().to_string_lossy();
        code.push_str(&format!(
            "    ({stem:?}, include_str!({:?})),\n",
            fs::canonicalize(f).unwrap().to_string_lossy()
        ));
    }
    code.push_str("];\n");
    code
}
