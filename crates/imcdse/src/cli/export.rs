//! `imcdse export DIR`: a run's or a comparison's tables in Markdown, LaTeX or CSV on stdout,
//! and a plot (`--plot FILE.svg|FILE.png`); see [`imcdse::export`].

use anyhow::Result;
use imcdse::export::{ExportOptions, Format, draw, export};
use std::path::PathBuf;

/// Options of `imcdse export`.
#[derive(clap::Args, Clone)]
pub struct Args {
    /// A results folder written by `imcdse sweep` or `imcdse compare`.
    dir: PathBuf,
    /// markdown | latex | csv
    #[arg(long, default_value = "markdown")]
    format: Format,
    /// Which table: evaluations | pareto (sweep folders); comparison (compare folders).
    #[arg(long)]
    table: Option<String>,
    /// Columns to show, comma-separated (default: a sensible set per table).
    #[arg(long)]
    columns: Option<String>,
    /// Keep the first N rows after sorting (default: 20 for evaluations, all otherwise).
    #[arg(long)]
    top: Option<usize>,
    /// Sort by this column, ascending; `COL:desc` for descending. Empty cells go last.
    #[arg(long)]
    sort: Option<String>,
    /// Column label override, `column=Label` (repeatable).
    #[arg(long = "label")]
    labels: Vec<String>,
    /// Also draw a plot to this .svg or .png file.
    #[arg(long)]
    plot: Option<PathBuf>,
}

pub fn run(args: &Args) -> Result<String> {
    let options = ExportOptions {
        dir: args.dir.clone(),
        format: args.format,
        table: args.table.clone(),
        columns: args
            .columns
            .as_ref()
            .map(|c| c.split(',').map(|s| s.trim().to_string()).collect()),
        top: args.top,
        sort: args.sort.clone(),
        labels: args.labels.clone(),
    };
    let text = export(&options)?;
    if let Some(p) = &args.plot {
        // The table first, as the plot may fail (a path that cannot be written).
        use std::io::Write;
        let _ = std::io::stdout().write_all(text.as_bytes());
        draw(&args.dir, p)?;
        eprintln!("plot: {}", p.display());
        return Ok(String::new());
    }
    Ok(text)
}
