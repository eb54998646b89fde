//! How a study reports progress without knowing who listens: notes (one line for the user) and
//! bars over units of work. The CLI draws them with indicatif on a terminal; a library caller
//! (a test, the Python package) passes [`Quiet`]. Bars are `Sync`, so parallel work ticks them.

/// Where a study's notes and progress go.
pub trait Progress: Sync {
    /// A line for the user (the CLI prints it on stderr).
    fn note(&self, text: &str);
    /// A bar over `len` units of work, labelled `what`.
    fn bar(&self, len: u64, what: &str) -> Box<dyn Bar + '_>;
}

/// One progress bar.
pub trait Bar: Sync {
    /// `n` more units done.
    fn inc(&self, n: u64);
    /// The bar's label.
    fn set_message(&self, text: &str);
    /// Removes the bar.
    fn finish(&self);
}

/// Reports nothing.
pub struct Quiet;

struct NoBar;

impl Bar for NoBar {
    fn inc(&self, _: u64) {}
    fn set_message(&self, _: &str) {}
    fn finish(&self) {}
}

impl Progress for Quiet {
    fn note(&self, _: &str) {}
    fn bar(&self, _: u64, _: &str) -> Box<dyn Bar + '_> {
        Box::new(NoBar)
    }
}

/// Another reporter's bars without its notes: a study run inside another (compare's searches).
pub struct Muted<'a>(pub &'a dyn Progress);

impl Progress for Muted<'_> {
    fn note(&self, _: &str) {}
    fn bar(&self, len: u64, what: &str) -> Box<dyn Bar + '_> {
        self.0.bar(len, what)
    }
}

/// Keeps every note, and a `bar <what> <len>` line for each bar, in memory: for callers that
/// show them their own way, and for tests.
#[derive(Default)]
pub struct Recorder(std::sync::Mutex<Vec<String>>);

impl Recorder {
    /// The lines so far, in order.
    pub fn lines(&self) -> Vec<String> {
        self.0.lock().map(|l| l.clone()).unwrap_or_default()
    }
}

impl Progress for Recorder {
    fn note(&self, text: &str) {
        if let Ok(mut l) = self.0.lock() {
            l.push(text.to_string());
        }
    }
    fn bar(&self, len: u64, what: &str) -> Box<dyn Bar + '_> {
        self.note(&format!("bar {what} {len}"));
        Box::new(NoBar)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn muted_keeps_bars_and_drops_notes() {
        let r = Recorder::default();
        let m = Muted(&r);
        m.note("hidden");
        m.bar(3, "work").inc(1);
        assert_eq!(r.lines(), vec!["bar work 3".to_string()]);
    }
}
