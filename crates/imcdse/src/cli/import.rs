//! `imcdse workloads import FILE.onnx [--name N] [--dims k=v,...] [--input NAME] [--out FILE]
//! [--skip-unsupported]`: an ONNX graph as a workload file to read, edit and commit.

use anyhow::{Context, Result, bail};
use imc_zoo::onnx::{DimsSyntax, Options, import};
use imcdse::describe;
use std::path::PathBuf;

/// Options of `imcdse workloads import`.
#[derive(clap::Args)]
pub struct Args {
    /// The ONNX file (with or without its weights; external data files need not be present).
    file: String,
    /// The workload's name (default: the file stem).
    #[arg(long)]
    name: Option<String>,
    /// Values of the graph's symbolic dimensions, e.g. `batch=1,seq=128` (batch defaults to 1).
    #[arg(long)]
    dims: Option<String>,
    /// The graph input that carries the data, when the importer cannot tell.
    #[arg(long)]
    input: Option<String>,
    /// Write the workload file here (atomically) instead of printing it: a regular file or a
    /// new one (a symbolic link is written through), never the ONNX file itself.
    #[arg(long)]
    out: Option<PathBuf>,
    /// Cost unsupported operators as nothing (listed in the output and in the file's header).
    #[arg(long)]
    skip_unsupported: bool,
}

fn parse_dims(text: &str) -> Result<Vec<(String, u64)>> {
    let mut out = Vec::new();
    for kv in text.split(',').map(str::trim).filter(|s| !s.is_empty()) {
        let Some((k, v)) = kv.split_once('=') else {
            bail!("--dims {kv:?}: expected name=value, e.g. batch=1,seq=128");
        };
        // Zero is refused by the importer, wherever the dimensions come from.
        let v: u64 = v
            .trim()
            .parse()
            .with_context(|| format!("--dims {kv:?}: the value must be an integer >= 1"))?;
        out.push((k.trim().to_string(), v));
    }
    Ok(out)
}

/// Imports the file; the workload file's text (printed) or, with `--out`, what was written.
pub fn run(a: &Args) -> Result<String> {
    let opts = Options {
        name: a.name.clone(),
        dims: a
            .dims
            .as_deref()
            .map(parse_dims)
            .transpose()?
            .unwrap_or_default(),
        input: a.input.clone(),
        skip_unsupported: a.skip_unsupported,
        dims_syntax: DimsSyntax::Flag,
    };
    // Checked before the import: a path that cannot be written fails before the work.
    let out = match &a.out {
        Some(path) => {
            let model = std::path::Path::new(&a.file);
            imcdse::run_dir::output_files(&[("--out", path)], &[("the ONNX file", model)])?.pop()
        }
        None => None,
    };
    let start = std::time::Instant::now();
    let got = import(&a.file, &opts)?;
    let seconds = start.elapsed().as_secs_f64();
    let mut summary = describe::import_summary(&got, seconds);
    match (&a.out, out) {
        (Some(path), Some(target)) => {
            imcdse::run_dir::write_atomic(&target, got.toml.as_bytes())
                .with_context(|| format!("writing {}", path.display()))?;
            summary.push_str(&match target == *path {
                true => format!("wrote {}\n", path.display()),
                false => format!(
                    "wrote {} (through the link {})\n",
                    target.display(),
                    path.display()
                ),
            });
            Ok(summary)
        }
        _ => {
            eprint!("{summary}");
            Ok(got.toml)
        }
    }
}
