//! Embeds `search-spaces/*.toml` so built-in spaces are found by name from any folder.

use std::fs;
use std::path::{Path, PathBuf};

fn main() {
    // Read at run time, not compile time (`env!`): a build script binary compiled for one
    // checkout is reused by cargo for another with the same sources and target folder.
    let manifest = std::env::var("CARGO_MANIFEST_DIR").expect("cargo sets CARGO_MANIFEST_DIR");
    let root = Path::new(&manifest).join("../../search-spaces");
    println!("cargo:rerun-if-changed={}", root.display());
    let mut files: Vec<PathBuf> = fs::read_dir(&root)
        .map(|d| {
            d.flatten()
                .map(|e| e.path())
                .filter(|p| p.extension().is_some_and(|e| e == "toml"))
                .collect()
        })
        .unwrap_or_default();
    files.sort();
    let mut code = String::from(
        "/// Built-in design spaces: (name, contents).\npub static BUILTIN_SPACES: &[(&str, &str)] = &[\n",
    );
    for f in &files {
        println!("cargo:rerun-if-changed={}", f.display());
        let name = f.file_stem().unwrap().to_string_lossy();
        code.push_str(&format!(
            "    ({name:?}, include_str!({:?})),\n",
            fs::canonicalize(f).unwrap().to_string_lossy()
        ));
    }
    code.push_str("];\n");
    fs::write(
        PathBuf::from(std::env::var("OUT_DIR").unwrap()).join("spaces.rs"),
        code,
    )
    .unwrap();
}
