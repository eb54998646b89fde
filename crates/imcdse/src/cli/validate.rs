//! `imcdse validate [--macros FILE] [--json] [--out DIR]`: the model beside published silicon,
//! the shipped chip files (`search-spaces/reference/chips/`) or the rows of a published table
//! (the UIUC benchmark's columns or `macros.csv`'s, told by the header). Prints the report (or,
//! with `--json`, one JSON object a design and a last `{"summary": [...]}`); `--out DIR` also
//! writes both as `validate.md` and `validate.jsonl`.

use super::progress::Terminal;
use anyhow::{Context, Result};
use imcdse::run_dir::write_atomic;
use imcdse::studies::validate::{ValidateOptions, run as validate};
use imcdse::studies::validate_report::{json_lines, markdown};
use std::path::PathBuf;

/// Options of `imcdse validate`.
#[derive(clap::Args)]
pub struct Args {
    /// A published table (CSV: the UIUC benchmark's columns or macros.csv's); without it, the
    /// shipped chip files.
    #[arg(long)]
    macros: Option<PathBuf>,
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
    };
    let v = validate(&options, &Terminal)?;
    let (md, jsonl) = (markdown(&v), json_lines(&v));
    if let Some(dir) = &args.out {
        std::fs::create_dir_all(dir).with_context(|| format!("creating {}", dir.display()))?;
        write_atomic(&dir.join("validate.md"), md.as_bytes())?;
        write_atomic(&dir.join("validate.jsonl"), jsonl.as_bytes())?;
    }
    Ok(if args.json { jsonl } else { md })
}
