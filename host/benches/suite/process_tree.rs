//! What a host costs, summed over its whole process tree: the process the client spawned and every
//! process below it (`/proc/<pid>/task/*/children`, recursively) — for exthost the supervisor, its worker
//! and any Deno child; for the Node peer its one process. Every per-process figure of the suite (resident
//! memory, CPU, context switches) goes through here, so exthost and the peer are counted alike.

use std::collections::HashMap;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

/// A host whose processes together grow past this is stopped early (a shared machine's safety valve); the
/// figure is then what was reached when it was stopped, and the suite prints a note.
pub(super) const RESIDENT_CAP_KIB: u64 = 1536 * 1024;

/// `pid` and every process below it, parents first.
pub(super) fn processes(pid: u32) -> Vec<u32> {
    let mut all = vec![pid];
    let mut next = 0;
    while next < all.len() {
        let parent = all[next];
        next += 1;
        for thread in threads(parent) {
            let Ok(children) =
                std::fs::read_to_string(format!("/proc/{parent}/task/{thread}/children"))
            else {
                continue;
            };
            all.extend(
                children
                    .split_whitespace()
                    .filter_map(|child| child.parse::<u32>().ok()),
            );
        }
    }
    all
}

/// The threads (tids) of process `pid` now.
fn threads(pid: u32) -> Vec<u32> {
    let Ok(tasks) = std::fs::read_dir(format!("/proc/{pid}/task")) else {
        return Vec::new();
    };
    tasks
        .flatten()
        .filter_map(|task| task.file_name().to_str()?.parse().ok())
        .collect()
}

/// A number after `name` in a `/proc/*/status` text (`VmRSS:`, `voluntary_ctxt_switches:`…).
fn status_field(text: &str, name: &str) -> u64 {
    text.lines()
        .find_map(|line| line.strip_prefix(name))
        .and_then(|rest| rest.split_whitespace().next()?.parse().ok())
        .unwrap_or(0)
}

/// `VmRSS` of the whole tree below `pid`, in KiB (pages shared between processes count in each).
pub(super) fn resident_kib(pid: u32) -> u64 {
    resident_kib_of(&processes(pid))
}

/// `VmRSS` of `processes`, in KiB.
fn resident_kib_of(processes: &[u32]) -> u64 {
    processes
        .iter()
        .filter_map(|process| std::fs::read_to_string(format!("/proc/{process}/status")).ok())
        .map(|text| status_field(&text, "VmRSS:"))
        .sum()
}

/// Nanoseconds process `pid` has run on a CPU, all its threads, the ended ones included (its process CPU
/// clock, `clock_getcpuclockid`); 0 once it is gone.
fn process_cpu_nanos(pid: u32) -> u64 {
    let mut clock: libc::clockid_t = 0;
    let mut time = libc::timespec {
        tv_sec: 0,
        tv_nsec: 0,
    };
    // SAFETY: both calls only write the values they are given pointers to, which live on this stack.
    let read = unsafe {
        libc::clock_getcpuclockid(pid as libc::pid_t, &mut clock) == 0
            && libc::clock_gettime(clock, &mut time) == 0
    };
    if read {
        time.tv_sec as u64 * 1_000_000_000 + time.tv_nsec as u64
    } else {
        0
    }
}

/// The tree's counters at one moment: CPU per process, context switches per thread.
pub(super) struct Counters {
    cpu_nanos: HashMap<u32, u64>,
    switches: HashMap<(u32, u32), u64>,
}

/// What a tree did between two [`Counters`].
pub(super) struct Spent {
    /// CPU nanoseconds of the processes alive at the end (each one's ended threads included).
    pub(super) cpu_nanos: u64,
    /// Voluntary and involuntary context switches of the threads alive at the end.
    pub(super) switches: u64,
    /// Threads or processes alive at the start and gone at the end: what they did after the start is not
    /// counted (their context switches; a process's CPU).
    pub(super) ended: usize,
}

/// Reads the counters of the tree below `pid`.
pub(super) fn counters(pid: u32) -> Counters {
    let mut counters = Counters {
        cpu_nanos: HashMap::new(),
        switches: HashMap::new(),
    };
    for process in processes(pid) {
        counters
            .cpu_nanos
            .insert(process, process_cpu_nanos(process));
        for thread in threads(process) {
            if let Ok(text) =
                std::fs::read_to_string(format!("/proc/{process}/task/{thread}/status"))
            {
                let switches = status_field(&text, "voluntary_ctxt_switches:")
                    + status_field(&text, "nonvoluntary_ctxt_switches:");
                counters.switches.insert((process, thread), switches);
            }
        }
    }
    counters
}

impl Counters {
    /// What the tree did from `self` to `now`; a process or thread started meanwhile counts from zero.
    pub(super) fn until(&self, now: &Counters) -> Spent {
        let cpu_nanos = now
            .cpu_nanos
            .iter()
            .map(|(pid, nanos)| nanos.saturating_sub(*self.cpu_nanos.get(pid).unwrap_or(&0)))
            .sum();
        let switches = now
            .switches
            .iter()
            .map(|(thread, count)| count.saturating_sub(*self.switches.get(thread).unwrap_or(&0)))
            .sum();
        let ended = self
            .switches
            .keys()
            .filter(|thread| !now.switches.contains_key(thread))
            .count()
            + self
                .cpu_nanos
                .keys()
                .filter(|pid| !now.cpu_nanos.contains_key(pid))
                .count();
        Spent {
            cpu_nanos,
            switches,
            ended,
        }
    }
}

/// Kills every process of the tree below `pid` (SIGKILL), the top first so nothing restarts the rest.
pub(super) fn kill(pid: u32) {
    for process in processes(pid) {
        // SAFETY: kill(2) with a pid read from /proc and a valid signal; a pid gone meanwhile fails with ESRCH.
        unsafe {
            libc::kill(process as libc::pid_t, libc::SIGKILL);
        }
    }
}

/// A thread sampling the tree's resident memory every 50 ms while a figure runs; it kills the tree if it
/// passes [`RESIDENT_CAP_KIB`] or outlives its deadline. It walks the tree again only every second: a host with 1,000 extensions has
/// over 1,000 threads, and reading all their `children` every 50 ms would take CPU from the host measured.
pub(super) struct Valve {
    stop: Arc<AtomicBool>,
    /// Why it killed the tree, once it did.
    tripped: Arc<std::sync::Mutex<Option<String>>>,
    thread: Option<std::thread::JoinHandle<()>>,
}

impl Valve {
    /// Starts watching the tree below `pid`, for at most `deadline`.
    pub(super) fn watch(pid: u32, deadline: Duration) -> Self {
        let stop = Arc::new(AtomicBool::new(false));
        let tripped = Arc::new(std::sync::Mutex::new(None));
        let started = std::time::Instant::now();
        let thread = {
            let (stop, tripped) = (stop.clone(), tripped.clone());
            std::thread::spawn(move || {
                let mut tree = Vec::new();
                let mut sample = 0_u64;
                while !stop.load(Ordering::Relaxed) {
                    if sample.is_multiple_of(20) {
                        tree = processes(pid);
                    }
                    sample += 1;
                    let resident = resident_kib_of(&tree);
                    let why = if resident > RESIDENT_CAP_KIB {
                        format!(
                            "its processes passed {} MB resident, the suite's cap",
                            RESIDENT_CAP_KIB / 1024
                        )
                    } else if started.elapsed() > deadline {
                        format!("it took more than {} s", deadline.as_secs())
                    } else {
                        std::thread::sleep(Duration::from_millis(50));
                        continue;
                    };
                    *tripped.lock().unwrap_or_else(|poison| poison.into_inner()) = Some(why);
                    kill(pid);
                    return;
                }
            })
        };
        Self {
            stop,
            tripped,
            thread: Some(thread),
        }
    }

    /// Why it killed the tree, if it did.
    pub(super) fn tripped(&self) -> Option<String> {
        self.tripped
            .lock()
            .unwrap_or_else(|poison| poison.into_inner())
            .clone()
    }
}

impl Drop for Valve {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::Relaxed);
        if let Some(thread) = self.thread.take() {
            drop(thread.join());
        }
    }
}
