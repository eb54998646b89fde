//! `imcdse merge DIR... --out DIR`: one results folder from the folders of a sharded run
//! ([`imcdse::studies::merge`]).

use super::progress::Terminal;
use super::with_folder;
use anyhow::Result;
use imcdse::studies::merge::merge;
use std::path::PathBuf;

/// Options of `imcdse merge`.
#[derive(clap::Args, Clone)]
pub struct Args {
    /// The shards' folders (any order), e.g. results/run/shard-*.
    #[arg(required = true, value_name = "DIR")]
    dirs: Vec<PathBuf>,
    /// Where the merged results go.
    #[arg(long)]
    out: PathBuf,
}

pub fn run(args: &Args) -> Result<String> {
    let done = merge(&args.dirs, &args.out, &Terminal)?;
    Ok(with_folder(&done.text, &done.out))
}
