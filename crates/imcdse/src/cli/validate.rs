//! `imcdse validate [--macros FILE | --chip FILE...] [--json] [--out DIR]`: the model beside
//! published silicon, the shipped chip files (`search-spaces/reference/chips/`), the chip files
//! named, or the rows of a published table (the UIUC benchmark's columns or `macros.csv`'s,
//! told by the header). Prints the report (or,
//! with `--json`, one JSON object a design and a last `{"summary": [...]}`); `--out DIR` also
//! writes both as `validate.md` and `validate.jsonl`.

use super::progress::Terminal;
use anyhow::{Context, Result, bail};
use imcdse::run_dir::{output_files, write_atomic};
use imcdse::studies::validate::{ValidateOptions, run as validate};
use imcdse::studies::validate_report::{json_lines, markdown};
use std::path::{Path, PathBuf};

/// Options of `imcdse validate`.
#[derive(clap::Args)]
pub struct Args {
    /// A published table (CSV: the UIUC benchmark's columns or macros.csv's); without it, the
    /// shipped chip files.
    #[arg(long, conflicts_with = "chip")]
    macros: Option<PathBuf>,
    /// A chip file to cost instead of the shipped ones: a shipped chip's name or a path
    /// (repeatable).
    #[arg(long)]
    chip: Vec<String>,
    /// Print JSON lines instead of the report.
    #[arg(long)]
    json: bool,
    /// Also write validate.md and validate.jsonl into this folder.
    #[arg(long)]
    out: Option<PathBuf>,
}

pub fn run(args: &Args) -> Result<String> {
    let options = ValidateOptions {
        macros: args.macros.clone(),
        chips: args.chip.clone(),
    };
    // Checked before any work: the two reports are regular files or new, neither is the table.
    let targets = match &args.out {
        Some(dir) => Some(targets(dir, args.macros.as_deref())?),
        None => None,
    };
    let v = validate(&options, &Terminal)?;
    let (md, jsonl) = (markdown(&v), json_lines(&v));
    if let Some([md_path, jsonl_path]) = targets {
        write_atomic(&md_path, md.as_bytes())?;
        write_atomic(&jsonl_path, jsonl.as_bytes())?;
    }
    Ok(if args.json { jsonl } else { md })
}

/// Where `--out DIR`'s validate.md and validate.jsonl are written (the folder made if new).
fn targets(dir: &Path, macros: Option<&Path>) -> Result<[PathBuf; 2]> {
    if dir.exists() && !dir.is_dir() {
        bail!(
            "--out {}: not a folder; give a folder for validate.md and validate.jsonl",
            dir.display()
        );
    }
    std::fs::create_dir_all(dir).with_context(|| format!("creating {}", dir.display()))?;
    let (md, jsonl) = (dir.join("validate.md"), dir.join("validate.jsonl"));
    let inputs: Vec<(&str, &Path)> = macros.map(|m| ("--macros", m)).into_iter().collect();
    let t = output_files(&[("--out", &md), ("--out", &jsonl)], &inputs)?;
    Ok([t[0].clone(), t[1].clone()])
}
