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

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::Mutex;

    struct Record(Mutex<Vec<String>>);

    impl Progress for Record {
        fn note(&self, text: &str) {
            self.0.lock().unwrap().push(text.to_string());
        }
        fn bar(&self, len: u64, what: &str) -> Box<dyn Bar + '_> {
            self.note(&format!("bar {what} {len}"));
            Box::new(NoBar)
        }
    }

    #[test]
    fn muted_keeps_bars_and_drops_notes() {
        let r = Record(Mutex::new(Vec::new()));
        let m = Muted(&r);
        m.note("hidden");
        m.bar(3, "work").inc(1);
        assert_eq!(*r.0.lock().unwrap(), vec!["bar work 3".to_string()]);
    }
}
