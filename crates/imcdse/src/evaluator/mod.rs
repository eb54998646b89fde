//! External evaluators: a simulator (CiMLoop, NeuroSim, ZigZag, a lab's own scripts) costing
//! designs in place of the analytic model, behind any study (`--evaluator "CMD ARGS"`), or
//! re-costing an analytic run's best designs (`imcdse refine`).
//!
//! An [`Evaluator`] keeps `--evaluator-workers N` long-lived processes speaking the JSON Lines
//! protocol of [`protocol`], one request in flight per worker; the study's threads take a free
//! worker per design. Whatever goes wrong with one design (no answer within
//! `--evaluator-timeout`, a crash, a line that is not a whole answer to that request) makes that
//! design infeasible with the reason in its row, and the worker is killed and started again
//! (with a new handshake, which must name the same evaluator and version); the run goes on,
//! unless [`MAX_FAILURES_IN_A_ROW`] requests in a row fail: the evaluator is then taken for
//! broken, asks nothing more, and the study stops with that error ([`Evaluator::broken`])
//! before it records another design, so that `--resume` costs them once it is fixed.
//! Workers' stderr goes to `evaluator.log` in the run folder (at most
//! [`worker::Log::CAP`] bytes of it), with imcdse's own lines about starts, restarts and
//! failures.
//!
//! Answers are cached across runs with `--evaluator-cache DIR` ([`cache`]); within a run, the
//! checkpoint keeps every result, so `--resume` never asks for one again.

pub mod cache;
pub mod layers;
pub mod lines;
pub mod protocol;
pub mod serve;
pub mod worker;

use imc_model::Value;
use imc_zoo::Workload;
use protocol::{Answer, Handshake};
use serde_json::Value as Json;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Condvar, Mutex, OnceLock};
use std::time::{Duration, Instant};
use worker::{Log, Worker};

/// Requests in a row without a usable answer (crashes, timeouts, refused answers, workers
/// that cannot start again) after which the evaluator is taken for broken.
pub const MAX_FAILURES_IN_A_ROW: u64 = 10;

/// How to run an external evaluator.
#[derive(Debug, Clone, PartialEq)]
pub struct EvaluatorOptions {
    /// The command line, run by `sh -c "exec CMD"`.
    pub command: String,
    /// Worker processes, each costing one design at a time.
    pub workers: usize,
    /// How long one request (and the handshake) may take.
    pub timeout: Duration,
    /// A folder of cached answers shared across runs.
    pub cache: Option<PathBuf>,
}

impl EvaluatorOptions {
    /// Most workers one run may start.
    pub const MAX_WORKERS: usize = 256;
    /// Allowed timeouts, s.
    pub const TIMEOUT_S: std::ops::RangeInclusive<f64> = 0.001..=1e6;

    /// A timeout of `seconds`, checked against [`Self::TIMEOUT_S`].
    pub fn timeout_from_secs(seconds: f64) -> Result<Duration, String> {
        if !Self::TIMEOUT_S.contains(&seconds) {
            return Err(format!(
                "--evaluator-timeout {}: allowed {} to {} seconds",
                crate::report::bounded(seconds),
                Self::TIMEOUT_S.start(),
                Self::TIMEOUT_S.end()
            ));
        }
        Ok(Duration::from_secs_f64(seconds))
    }

    /// The options' own checks: a command, 1..=256 workers, a timeout in [`Self::TIMEOUT_S`].
    pub fn check(&self) -> Result<(), String> {
        if self.command.trim().is_empty() {
            return Err("--evaluator: the command is empty".into());
        }
        if !(1..=Self::MAX_WORKERS).contains(&self.workers) {
            return Err(format!(
                "--evaluator-workers {}: allowed 1..={}",
                self.workers,
                Self::MAX_WORKERS
            ));
        }
        Self::timeout_from_secs(self.timeout.as_secs_f64()).map(|_| ())
    }
}

/// Counts of what an evaluator did in a run.
#[derive(Debug, Default)]
pub struct Counters {
    /// Designs sent to a worker.
    pub requests: AtomicU64,
    /// Designs answered from `--evaluator-cache`.
    pub cached: AtomicU64,
    /// Requests that got no usable answer.
    pub failures: AtomicU64,
    /// Workers started again after a failure.
    pub restarts: AtomicU64,
    /// Wall time of the requests sent, from writing the request to reading its answer, us.
    pub round_trip_us: AtomicU64,
}

impl Counters {
    /// Mean round trip of a request, ms (`None` before the first).
    pub fn mean_round_trip_ms(&self) -> Option<f64> {
        let n = self.requests.load(Ordering::Relaxed);
        (n > 0).then(|| self.round_trip_us.load(Ordering::Relaxed) as f64 / n as f64 / 1e3)
    }
}

/// A pool of running workers of one evaluator, for one list of workloads.
pub struct Evaluator {
    options: EvaluatorOptions,
    handshake: Handshake,
    names: Vec<String>,
    /// The workloads' layer lists, serialized once.
    layers: String,
    layers_hash: String,
    log: Arc<Log>,
    /// The workers.
    slots: Mutex<Vec<Slot>>,
    freed: Condvar,
    next_id: AtomicU64,
    cache: Option<cache::Cache>,
    /// Requests that failed since the last usable answer.
    failing: AtomicU64,
    /// Why the evaluator was taken for broken, once it was.
    broken: OnceLock<String>,
    /// What happened so far.
    pub counters: Counters,
}

impl Evaluator {
    /// Starts the workers and reads their handshakes; an evaluator that cannot start, or whose
    /// workers disagree on who they are, is an error naming the command and the log.
    pub fn start(
        options: EvaluatorOptions,
        workloads: &[Workload],
        log: &Path,
    ) -> Result<Evaluator, String> {
        options.check()?;
        let log = Arc::new(Log::open(log)?);
        let cache = options
            .cache
            .as_deref()
            .map(cache::Cache::open)
            .transpose()?;
        let mut workers = Vec::with_capacity(options.workers);
        let mut handshake: Option<Handshake> = None;
        for i in 0..options.workers {
            let (w, h) = launch(&options, &log, handshake.as_ref())
                .map_err(|e| format!("--evaluator `{}`: {e}", options.command))?;
            log.line(&format!(
                "worker {i} started, pid {}: {}",
                w.pid(),
                h.line()
            ));
            handshake = Some(h);
            workers.push(Slot::Idle(w));
        }
        Ok(Evaluator {
            handshake: handshake.expect("at least one worker"),
            names: workloads.iter().map(|w| w.name.clone()).collect(),
            layers: layers::layers_json(workloads).to_string(),
            layers_hash: layers::layers_hash(workloads),
            log,
            slots: Mutex::new(workers),
            freed: Condvar::new(),
            next_id: AtomicU64::new(1),
            cache,
            failing: AtomicU64::new(0),
            broken: OnceLock::new(),
            counters: Counters::default(),
            options,
        })
    }

    /// Why the evaluator was taken for broken ([`MAX_FAILURES_IN_A_ROW`] failures in a row),
    /// if it was: a study stops with this error before it records another design.
    pub fn broken(&self) -> Option<String> {
        self.broken.get().map(|why| {
            format!(
                "--evaluator `{}`: {why}; the run stops here (the workers' stderr is in {}); \
                 fix the evaluator, or raise --evaluator-timeout if it needs longer, and \
                 continue with --resume",
                self.options.command,
                self.log.path().display()
            )
        })
    }

    /// Who the evaluator said it is.
    pub fn handshake(&self) -> &Handshake {
        &self.handshake
    }

    /// The options it runs with.
    pub fn options(&self) -> &EvaluatorOptions {
        &self.options
    }

    /// Appends a line of imcdse's own to `evaluator.log`.
    pub fn log_line(&self, text: &str) {
        self.log.line(text);
    }

    /// The costs of one design (every parameter, fixed ones included); `Err` is why the
    /// evaluator gave no usable answer (the design is then infeasible for that reason).
    pub fn cost(&self, design: &[(String, Value)]) -> Result<Answer, String> {
        let design = protocol::design_json(design);
        let id = self.next_id.fetch_add(1, Ordering::Relaxed);
        let key = cache::key(&self.handshake.identity(), &design, &self.layers_hash);
        if let Some(c) = &self.cache
            && let Some(mut line) = c.get(&key)
        {
            if let Ok(mut j) = serde_json::from_str::<Json>(&line) {
                j["id"] = Json::from(id);
                line = j.to_string();
            }
            if let Ok(a) = protocol::parse_answer(&line, id, &self.names) {
                self.counters.cached.fetch_add(1, Ordering::Relaxed);
                return Ok(a);
            }
        }
        if self.broken.get().is_some() {
            return Err(format!(
                "evaluator {}: not asked: the evaluator failed {MAX_FAILURES_IN_A_ROW} requests in a row",
                self.handshake.name
            ));
        }
        let request = protocol::request(id, &design, &self.names, &self.layers);
        let (slot, worker) = self.take();
        let mut worker = match worker {
            Some(w) => w,
            None => match launch(&self.options, &self.log, Some(&self.handshake)) {
                Ok((w, _)) => {
                    self.counters.restarts.fetch_add(1, Ordering::Relaxed);
                    self.log
                        .line(&format!("worker {slot} started again, pid {}", w.pid()));
                    w
                }
                Err(e) => {
                    self.give_back(slot, None);
                    return Err(self.failed(id, &format!("could not be started again: {e}")));
                }
            },
        };
        self.counters.requests.fetch_add(1, Ordering::Relaxed);
        let sent = Instant::now();
        let reply = worker.call(request, self.options.timeout);
        let us = sent.elapsed().as_micros() as u64;
        self.counters.round_trip_us.fetch_add(us, Ordering::Relaxed);
        let answer = reply.map_err(|f| f.to_string()).and_then(|line| {
            protocol::parse_answer(&line, id, &self.names)
                .map(|a| (a, line))
                .map_err(|e| format!("answer refused: {e}"))
        });
        match answer {
            Ok((a, line)) => {
                self.failing.store(0, Ordering::Relaxed);
                self.give_back(slot, Some(worker));
                if let Some(c) = &self.cache {
                    c.put(&key, &line);
                }
                Ok(a)
            }
            Err(why) => {
                // The worker's state is unknown (a late answer may still come): kill it.
                drop(worker);
                self.give_back(slot, None);
                Err(self.failed(id, &format!("{why}; worker {slot} killed")))
            }
        }
    }

    /// Records a failed request and returns the design's reason; the
    /// [`MAX_FAILURES_IN_A_ROW`]th failure in a row marks the evaluator broken.
    fn failed(&self, id: u64, why: &str) -> String {
        self.counters.failures.fetch_add(1, Ordering::Relaxed);
        self.log.line(&format!("request {id}: {why}"));
        let row = self.failing.fetch_add(1, Ordering::Relaxed) + 1;
        if row >= MAX_FAILURES_IN_A_ROW {
            let why = format!("{row} requests in a row got no usable answer (the last: {why})");
            if self.broken.set(why.clone()).is_ok() {
                self.log.line(&format!("stopping: {why}"));
            }
        }
        format!("evaluator {}: {why}", self.handshake.name)
    }

    /// Waits for a slot that is not busy: its worker, or `None` when it died.
    fn take(&self) -> (usize, Option<Worker>) {
        let mut slots = self.slots.lock().expect("no panics while holding the lock");
        loop {
            if let Some(i) = slots.iter().position(|s| !matches!(s, Slot::Busy)) {
                return match std::mem::replace(&mut slots[i], Slot::Busy) {
                    Slot::Idle(w) => (i, Some(w)),
                    _ => (i, None),
                };
            }
            slots = self
                .freed
                .wait(slots)
                .expect("no panics while holding the lock");
        }
    }

    /// Returns a slot: its worker, or `None` when it was killed.
    fn give_back(&self, slot: usize, worker: Option<Worker>) {
        let mut slots = self.slots.lock().expect("no panics while holding the lock");
        slots[slot] = worker.map_or(Slot::Dead, Slot::Idle);
        self.freed.notify_one();
    }
}

impl Drop for Evaluator {
    /// Idle workers are let go gently (their input closed, a second to end); busy or dead
    /// ones have been dealt with already.
    fn drop(&mut self) {
        let slots = std::mem::take(self.slots.get_mut().unwrap_or_else(|e| e.into_inner()));
        for slot in slots {
            if let Slot::Idle(w) = slot {
                w.finish(Duration::from_secs(1));
            }
        }
    }
}

/// A worker slot of the pool.
enum Slot {
    /// Its worker is costing a design.
    Busy,
    /// Its worker waits for a request.
    Idle(Worker),
    /// Its worker was killed; the next request starts another.
    Dead,
}

/// Starts one worker and reads its handshake, which must match `expected` when given.
fn launch(
    options: &EvaluatorOptions,
    log: &Arc<Log>,
    expected: Option<&Handshake>,
) -> Result<(Worker, Handshake), String> {
    let mut w = Worker::start(&options.command, log)?;
    let line = w.read(options.timeout).map_err(|f| {
        format!(
            "no handshake: {f} (its stderr is in {})",
            log.path().display()
        )
    })?;
    let h = Handshake::parse(&line)?;
    if let Some(e) = expected
        && e != &h
    {
        return Err(format!(
            "a worker said it is {}, another {}",
            e.identity(),
            h.identity()
        ));
    }
    Ok((w, h))
}
