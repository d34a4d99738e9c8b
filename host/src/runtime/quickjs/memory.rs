//! The heap limit of one extension's runtime, enforced by the allocator QuickJS allocates through.
//!
//! [`LimitedAllocator`] counts every byte QuickJS holds and refuses the allocation that would take the
//! count past the limit. A refusal is recorded in [`MemoryGuard`]: that record, not the exception JS
//! sees, is how the event loop knows the limit was broken. (QuickJS answers a refused allocation with
//! `InternalError: out of memory`, or with a bare `null` when even that error cannot be allocated, and
//! JS may catch either; neither is a reliable signal.)
//!
//! After a refusal the interrupt handler asks QuickJS to stop JS ([`MemoryGuard::must_stop`]). The error
//! QuickJS throws then is uncatchable, but it has to be allocated: for that (and for unwinding) the
//! guard opens a small reserve above the limit. JS that catches the out-of-memory exception and carries
//! on therefore gets nothing past the limit, and is stopped at its next interrupt check.

use std::ptr;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};

use rquickjs::allocator::{Allocator, RustAllocator};

/// Room above the limit, opened once JS must stop, for the uncatchable error and the unwinding.
const RESERVE_BYTES: usize = 256 * 1024;

/// What the allocator and the event loop share (on the runtime's thread; atomics only so the allocator
/// and the interrupt handler may hold it without caring which thread QuickJS runs on).
#[derive(Debug)]
pub(crate) struct MemoryGuard {
    /// The limit in bytes; `usize::MAX` for none.
    limit: AtomicUsize,
    /// Bytes QuickJS holds now.
    used: AtomicUsize,
    /// An allocation was refused: the limit is broken.
    breached: AtomicBool,
    /// The reserve above the limit is open.
    reserve_open: AtomicBool,
}

impl MemoryGuard {
    /// A guard for `limit_bytes` (0: no limit, as for QuickJS's own `JS_SetMemoryLimit`).
    pub(crate) fn new(limit_bytes: usize) -> Arc<Self> {
        Arc::new(Self {
            limit: AtomicUsize::new(if limit_bytes == 0 {
                usize::MAX
            } else {
                limit_bytes
            }),
            used: AtomicUsize::new(0),
            breached: AtomicBool::new(false),
            reserve_open: AtomicBool::new(false),
        })
    }

    /// Whether an allocation was refused. It stays so: breaking the limit is fatal.
    pub(crate) fn breached(&self) -> bool {
        self.breached.load(Ordering::Relaxed)
    }

    /// For the interrupt handler: true once the limit is broken, and then the reserve opens so that
    /// QuickJS can allocate the uncatchable error it throws.
    pub(crate) fn must_stop(&self) -> bool {
        if !self.breached() {
            return false;
        }
        self.reserve_open.store(true, Ordering::Relaxed);
        true
    }

    /// Bytes QuickJS holds now.
    pub(crate) fn used(&self) -> usize {
        self.used.load(Ordering::Relaxed)
    }

    /// Removes the limit: the engine is being torn down and freeing it must not fail.
    pub(crate) fn lift(&self) {
        self.limit.store(usize::MAX, Ordering::Relaxed);
    }

    /// Whether `more` bytes may be added to what is held now; records the refusal when not.
    fn admit(&self, more: Option<usize>) -> bool {
        let limit = self.limit.load(Ordering::Relaxed);
        let ceiling = if self.reserve_open.load(Ordering::Relaxed) {
            limit.saturating_add(RESERVE_BYTES)
        } else {
            limit
        };
        let wanted = more.map(|more| self.used.load(Ordering::Relaxed).saturating_add(more));
        if wanted.is_some_and(|wanted| wanted <= ceiling) {
            return true;
        }
        self.breached.store(true, Ordering::Relaxed);
        false
    }

    fn add(&self, bytes: usize) {
        self.used.fetch_add(bytes, Ordering::Relaxed);
    }

    fn remove(&self, bytes: usize) {
        self.used.fetch_sub(bytes, Ordering::Relaxed);
    }
}

/// The allocator of an extension's runtime: Rust's global allocator (through [`RustAllocator`]), counted
/// and capped by a [`MemoryGuard`].
pub(crate) struct LimitedAllocator {
    guard: Arc<MemoryGuard>,
}

impl LimitedAllocator {
    pub(crate) fn new(guard: Arc<MemoryGuard>) -> Self {
        Self { guard }
    }
}

// SAFETY: every pointer handed out comes from `RustAllocator` unchanged, and every pointer taken back
// is passed to it unchanged, so its guarantees (size, alignment, `usable_size`) carry over. The guard
// only decides whether to call it.
unsafe impl Allocator for LimitedAllocator {
    fn alloc(&mut self, size: usize) -> *mut u8 {
        if !self.guard.admit(Some(size)) {
            return ptr::null_mut();
        }
        let block = RustAllocator.alloc(size);
        if !block.is_null() {
            // SAFETY: `block` was just allocated by `RustAllocator`.
            self.guard.add(unsafe { RustAllocator::usable_size(block) });
        }
        block
    }

    fn calloc(&mut self, count: usize, size: usize) -> *mut u8 {
        let total = count.checked_mul(size);
        if !self.guard.admit(total) {
            return ptr::null_mut();
        }
        // `RustAllocator::calloc` answers null for zero bytes, which QuickJS would take for out of
        // memory; a zero-sized block from `alloc` is valid and has nothing to zero.
        let block = if total == Some(0) {
            RustAllocator.alloc(0)
        } else {
            RustAllocator.calloc(count, size)
        };
        if !block.is_null() {
            // SAFETY: `block` was just allocated by `RustAllocator`.
            self.guard.add(unsafe { RustAllocator::usable_size(block) });
        }
        block
    }

    unsafe fn dealloc(&mut self, block: *mut u8) {
        // SAFETY: the caller passes a block from this allocator, hence from `RustAllocator`.
        unsafe {
            self.guard.remove(RustAllocator::usable_size(block));
            RustAllocator.dealloc(block);
        }
    }

    unsafe fn realloc(&mut self, block: *mut u8, new_size: usize) -> *mut u8 {
        if block.is_null() {
            return self.alloc(new_size);
        }
        // SAFETY: the caller passes a block from this allocator, hence from `RustAllocator`.
        let old_size = unsafe { RustAllocator::usable_size(block) };
        if !self.guard.admit(Some(new_size.saturating_sub(old_size))) {
            // The old block stays valid, as `realloc` promises on failure.
            return ptr::null_mut();
        }
        // SAFETY: as above.
        let moved = unsafe { RustAllocator.realloc(block, new_size) };
        if !moved.is_null() {
            self.guard.remove(old_size);
            // SAFETY: `moved` was just allocated by `RustAllocator`.
            self.guard.add(unsafe { RustAllocator::usable_size(moved) });
        }
        moved
    }

    unsafe fn usable_size(block: *mut u8) -> usize {
        // SAFETY: the caller passes a block from this allocator, hence from `RustAllocator`.
        unsafe { RustAllocator::usable_size(block) }
    }
}

#[cfg(test)]
mod tests {
    use rquickjs::{Context, Runtime};

    use super::{LimitedAllocator, MemoryGuard};

    /// A runtime on a guard with `limit_bytes`, and what `source` evaluated to.
    fn evaluate(limit_bytes: usize, source: &str) -> (std::sync::Arc<MemoryGuard>, Option<String>) {
        let guard = MemoryGuard::new(limit_bytes);
        let runtime =
            Runtime::new_with_alloc(LimitedAllocator::new(guard.clone())).expect("a runtime");
        let context = Context::full(&runtime).expect("a context");
        let value = context.with(|ctx| ctx.eval::<String, _>(source).ok());
        assert!(guard.used() > 0);
        guard.lift();
        drop(context);
        drop(runtime);
        (guard, value)
    }

    #[test]
    fn every_byte_comes_back_after_teardown() {
        let (guard, value) = evaluate(
            16 * 1024 * 1024,
            "const kept = []; for (let i = 0; i < 1000; i++) kept.push({ i, text: 'k'.repeat(i) }); 'done'",
        );
        assert_eq!(value.as_deref(), Some("done"));
        assert!(!guard.breached());
        assert_eq!(guard.used(), 0);
    }

    #[test]
    fn a_refused_allocation_is_recorded_even_when_js_catches_it() {
        let (guard, value) = evaluate(
            4 * 1024 * 1024,
            "const hoard = []; try { for (;;) hoard.push('h'.repeat(1000)); } catch (_) {} 'caught'",
        );
        assert!(guard.breached());
        // JS went on after catching (nothing stops it here: the event loop does that); the teardown
        // after the breach frees everything.
        assert_eq!(value.as_deref(), Some("caught"));
        assert_eq!(guard.used(), 0);
    }

    #[test]
    fn the_interrupt_handler_stops_js_that_catches_out_of_memory() {
        let guard = MemoryGuard::new(4 * 1024 * 1024);
        let runtime =
            Runtime::new_with_alloc(LimitedAllocator::new(guard.clone())).expect("a runtime");
        let stop = guard.clone();
        runtime.set_interrupt_handler(Some(Box::new(move || stop.must_stop())));
        let context = Context::full(&runtime).expect("a context");
        let outcome = context.with(|ctx| {
            let result = ctx.eval::<(), _>(
                "const hoard = []; for (;;) { try { hoard.push({ n: hoard.length }); } catch (_) {} }",
            );
            let exception = ctx.catch();
            (result.is_err(), exception.as_exception().and_then(|error| error.message()))
        });
        assert_eq!(outcome, (true, Some("interrupted".to_owned())));
        assert!(guard.breached());
        guard.lift();
        drop(context);
        drop(runtime);
        assert_eq!(guard.used(), 0);
    }
}
