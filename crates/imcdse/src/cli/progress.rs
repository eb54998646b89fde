//! Progress on a terminal: notes on stderr, indicatif bars (drawn only when stderr is a
//! terminal, so CI logs stay quiet).

use imcdse::progress::{Bar, Progress};
use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};

/// The CLI's reporter.
pub struct Terminal;

impl Progress for Terminal {
    fn note(&self, text: &str) {
        eprintln!("{text}");
    }

    fn bar(&self, len: u64, what: &str) -> Box<dyn Bar + '_> {
        let bar = ProgressBar::with_draw_target(Some(len), ProgressDrawTarget::stderr());
        let style = ProgressStyle::with_template(
            "{spinner} {msg} [{elapsed_precise}] {bar:30} {pos}/{len} ({per_sec})",
        )
        .unwrap_or_else(|_| ProgressStyle::default_bar());
        bar.set_style(style);
        bar.set_message(what.to_string());
        Box::new(Drawn(bar))
    }
}

struct Drawn(ProgressBar);

impl Bar for Drawn {
    fn inc(&self, n: u64) {
        self.0.inc(n);
    }
    fn set_message(&self, text: &str) {
        self.0.set_message(text.to_string());
    }
    fn finish(&self) {
        self.0.finish_and_clear();
    }
}
