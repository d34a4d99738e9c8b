//! The time limit of the JS a runtime is running now, counted in the CPU time of the runtime's own
//! thread (contract §7: "a CPU time limit per call"), which the interrupt handler checks.
//!
//! Counting the thread's CPU time rather than the wall clock means an extension is charged for what it
//! runs, not for the minutes its thread waited for a core: on a loaded machine (two cores shared by ten
//! extensions taking in a 100,000-line document, or a thousand activating at once) a stretch that needs
//! 0.2 s of CPU may take seconds of wall time, and it must not be stopped for that. A loop still is: it
//! burns CPU. A blocking wait on the host costs the thread no CPU, so it needs no correction. The
//! deadlines of promises that have not settled (an asynchronous `activate`, a provider awaiting a timer)
//! stay on the wall clock: waiting is all they do.
//!
//! `arm` and `expired` read the calling thread's CPU clock: both are called on the runtime's thread.

use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::time::{Duration, Instant};

/// The CPU budget of whatever JS is running now; the interrupt handler stops JS once it is spent.
pub(crate) struct Watchdog {
    /// When the runtime started (`performance.now()`, timers).
    origin: Instant,
    /// The thread's CPU time (nanoseconds) when the budget was armed.
    armed_at: AtomicU64,
    /// The CPU time (nanoseconds) the running JS may use; `u64::MAX` when nothing is armed.
    budget: AtomicU64,
    tripped: AtomicBool,
}

impl Watchdog {
    /// A watchdog with nothing armed.
    pub(crate) fn new() -> Self {
        Self {
            origin: Instant::now(),
            armed_at: AtomicU64::new(0),
            budget: AtomicU64::new(u64::MAX),
            tripped: AtomicBool::new(false),
        }
    }

    /// Arms the JS about to run with the time left until `deadline` (a call's limit from when it started),
    /// to be spent as CPU time of this thread.
    pub(crate) fn arm(&self, deadline: Instant) {
        let left = deadline.saturating_duration_since(Instant::now());
        self.armed_at
            .store(nanos(thread_cpu_time()), Ordering::Relaxed);
        self.budget
            .store(nanos(left).min(u64::MAX - 1), Ordering::Relaxed);
    }

    /// Clears the budget (no JS is running).
    pub(crate) fn disarm(&self) {
        self.budget.store(u64::MAX, Ordering::Relaxed);
    }

    /// Marks the limit as broken (JS is interrupted at its next check and never resumes).
    pub(crate) fn trip(&self) {
        self.tripped.store(true, Ordering::Relaxed);
    }

    /// Whether the limit has been broken; trips it when the armed budget has just been spent.
    pub(crate) fn expired(&self) -> bool {
        if self.tripped.load(Ordering::Relaxed) {
            return true;
        }
        let budget = self.budget.load(Ordering::Relaxed);
        if budget == u64::MAX {
            return false;
        }
        let used = nanos(thread_cpu_time()).saturating_sub(self.armed_at.load(Ordering::Relaxed));
        if used > budget {
            self.trip();
            return true;
        }
        false
    }

    /// Whether JS was stopped (or must be stopped) for running past its limit.
    pub(crate) fn tripped(&self) -> bool {
        self.tripped.load(Ordering::Relaxed)
    }

    /// Milliseconds since the runtime started (`performance.now()`, timers).
    pub(crate) fn now_ms(&self) -> f64 {
        self.origin.elapsed().as_secs_f64() * 1000.0
    }
}

fn nanos(duration: Duration) -> u64 {
    u64::try_from(duration.as_nanos()).unwrap_or(u64::MAX)
}

/// The CPU time the calling thread has used (user and system).
#[cfg(unix)]
fn thread_cpu_time() -> Duration {
    let mut now = libc::timespec {
        tv_sec: 0,
        tv_nsec: 0,
    };
    // SAFETY: `clock_gettime` writes one `timespec` through a pointer to a live, writable local.
    let read = unsafe { libc::clock_gettime(libc::CLOCK_THREAD_CPUTIME_ID, &raw mut now) };
    if read != 0 {
        return process_start().elapsed();
    }
    Duration::new(
        u64::try_from(now.tv_sec).unwrap_or(0),
        u32::try_from(now.tv_nsec).unwrap_or(0),
    )
}

/// Where no per-thread CPU clock is known, the wall clock stands in for it.
#[cfg(not(unix))]
fn thread_cpu_time() -> Duration {
    process_start().elapsed()
}

/// A fixed instant the wall-clock stand-in counts from.
fn process_start() -> Instant {
    static START: std::sync::OnceLock<Instant> = std::sync::OnceLock::new();
    *START.get_or_init(Instant::now)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Spins until this thread has used `cpu` more CPU time (however long a loaded machine makes that).
    fn spin(cpu: Duration) {
        let until = thread_cpu_time() + cpu;
        let mut sum = 0_u64;
        while thread_cpu_time() < until {
            sum = std::hint::black_box(sum.wrapping_add(1));
        }
    }

    #[test]
    fn time_the_thread_spends_off_the_cpu_is_not_charged() {
        let watchdog = Watchdog::new();
        watchdog.arm(Instant::now() + Duration::from_millis(50));
        // Descheduled (here: asleep) for four times the limit: no CPU spent, so not expired. With the wall
        // clock, this is where an extension on a loaded machine was stopped.
        std::thread::sleep(Duration::from_millis(200));
        assert!(!watchdog.expired());
        assert!(!watchdog.tripped());
    }

    #[test]
    fn a_loop_is_stopped_once_it_has_used_its_budget() {
        let watchdog = Watchdog::new();
        watchdog.arm(Instant::now() + Duration::from_millis(30));
        spin(Duration::from_millis(10));
        assert!(!watchdog.expired());
        spin(Duration::from_millis(60));
        assert!(watchdog.expired());
        // Once broken it stays broken, armed again or not.
        watchdog.arm(Instant::now() + Duration::from_secs(10));
        assert!(watchdog.expired());
    }

    #[test]
    fn nothing_armed_never_expires() {
        let watchdog = Watchdog::new();
        spin(Duration::from_millis(5));
        assert!(!watchdog.expired());
        watchdog.arm(Instant::now());
        watchdog.disarm();
        spin(Duration::from_millis(5));
        assert!(!watchdog.expired());
    }
}
