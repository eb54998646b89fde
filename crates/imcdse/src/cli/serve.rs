//! `imcdse serve`: the analytic model as a JSON Lines evaluator on stdin and stdout
//! ([`imcdse::evaluator::serve`]). Its handshake is printed at once; it answers every request
//! line until stdin closes, then prints nothing more.

use anyhow::{Context, Result};
use imcdse::calibration::Calibration;
use imcdse::evaluator::serve::serve;

/// Options of `imcdse serve`.
#[derive(clap::Args, Clone)]
pub struct Args {
    /// A calibration (a built-in name, e.g. cimloop-paper-rram, or a .toml file) applied to
    /// every design: its structural choices are defaults a design may override, its factors
    /// scale every cost.
    #[arg(long)]
    calibration: Option<String>,
}

pub fn run(args: &Args) -> Result<String> {
    let calibration = args
        .calibration
        .as_deref()
        .map(Calibration::resolve)
        .transpose()?;
    let stdin = std::io::stdin().lock();
    let stdout = std::io::stdout().lock();
    match serve(stdin, stdout, calibration.as_ref()) {
        Ok(_) => Ok(String::new()),
        // The client went away: nothing left to answer.
        Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => Ok(String::new()),
        Err(e) => Err(e).context("serve: reading a request or writing an answer"),
    }
}
