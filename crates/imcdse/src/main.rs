//! `imcdse`: joint hardware-workload design-space exploration of in-memory-computing
//! accelerators. This binary parses arguments, draws progress and prints; the work happens in
//! the `imcdse` library (studies, results, reports) and the crates under it.

mod cli;

use clap::{Parser, Subcommand};
use std::io::Write;
use std::process::ExitCode;

#[derive(Parser)]
#[command(
    name = "imcdse",
    version,
    about = "Design IMC accelerators that serve many neural-network workloads at once"
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// List the workload zoo, or describe workloads layer by layer.
    Workloads(cli::workloads::Args),
    /// Cost one design on workloads: energy, latency, area, EDAP, breakdowns.
    Eval(cli::eval::Args),
    /// Show a design space: parameters, values, size, constraints.
    Space(cli::space::Args),
    /// Search a design space for the design that serves all workloads best.
    Sweep(cli::sweep::Args),
    /// Joint design against workload-specific, largest-workload and sequential designs.
    Compare(cli::compare::Args),
    /// Export a run's or a comparison's results as tables (Markdown, LaTeX, CSV) and plots.
    Export(cli::export::Args),
    /// An LLM's softmax on an associative processor, a digital unit and two GPUs.
    Softmax(cli::softmax::Args),
    /// Grade optimizers against the certified optimum of a space (exhaustive enumeration).
    Grade(cli::grade::Args),
    /// Combine the folders of a sharded run (`--shard i/N`) into one results folder.
    Merge(cli::merge::Args),
    /// Our model against a reference simulator: rank correlations and ratios on its designs.
    Fidelity(cli::fidelity::Args),
    /// Fit a calibration (factors by part, structural choices) to a reference simulator.
    Calibrate(cli::calibrate::Args),
    /// Re-cost an analytic sweep's best designs with an external evaluator; compare the ranks.
    Refine(cli::refine::Args),
    /// Serve the model as an external evaluator: JSON Lines requests on stdin, answers on stdout.
    Serve(cli::serve::Args),
    /// The model beside published silicon: TOPS/W, TOPS/mm2, area and conversions per MVM.
    Validate(cli::validate::Args),
}

fn main() -> ExitCode {
    // External evaluators' workers run in process groups of their own, out of the terminal's
    // reach: on Ctrl-C, SIGTERM (`kill`, `timeout`, a batch system's cancel) or SIGHUP imcdse
    // ends them, then itself with status 130. What a run had finished stays for `--resume`.
    let _ = ctrlc::set_handler(|| {
        imcdse::evaluator::worker::kill_all();
        std::process::exit(130);
    });
    let cli = Cli::parse();
    let result = match cli.command {
        Command::Workloads(args) => cli::workloads::run(&args),
        Command::Eval(args) => cli::eval::run(&args),
        Command::Space(args) => cli::space::run(&args),
        Command::Sweep(args) => cli::sweep::run(&args),
        Command::Grade(args) => cli::grade::run(&args),
        Command::Merge(args) => cli::merge::run(&args),
        Command::Compare(args) => cli::compare::run(&args),
        Command::Export(args) => cli::export::run(&args),
        Command::Softmax(args) => cli::softmax::run(&args),
        Command::Fidelity(args) => cli::fidelity::run(&args),
        Command::Calibrate(args) => cli::calibrate::run(&args),
        Command::Refine(args) => cli::refine::run(&args),
        Command::Serve(args) => cli::serve::run(&args),
        Command::Validate(args) => cli::validate::run(&args),
    };
    match result {
        Ok(text) => {
            // A reader that stopped early (`imcdse workloads | head`) is not an error.
            let mut out = std::io::stdout().lock();
            match out.write_all(text.as_bytes()).and_then(|()| out.flush()) {
                Err(e) if e.kind() != std::io::ErrorKind::BrokenPipe => {
                    eprintln!("error: writing the output: {e}");
                    ExitCode::from(2)
                }
                _ => ExitCode::SUCCESS,
            }
        }
        Err(e) => {
            eprintln!("error: {e:#}");
            ExitCode::from(2)
        }
    }
}
