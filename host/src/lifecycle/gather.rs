//! [`gather`]: `join_all` for calls answered from other threads, waking its task once for all the
//! answers rather than once for each.
//!
//! A hover asks every provider at once and can answer only when all have: with ten extensions, each on
//! its own thread, `join_all` had the worker's thread woken up to ten times per hover, each wake-up a
//! write to the runtime's event descriptor by the answering thread and a sleep and a wake of the worker.
//! Here each call gets its own waker, and a wake is passed on to the task only once every call still
//! pending has been woken since it was last polled: the answers before the last only mark their call.
//! Nothing is lost by waiting: the result needs every call, and each pending call will be woken (by its
//! answer, or by its own timer: a call's deadline is a timer it sets when polled), so a late call's
//! timers are never starved of a poll for longer than the slowest call takes to wake.

use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::task::{Context, Poll, Waker};

use futures::task::{ArcWake, AtomicWaker};

/// What the calls' wakers share: the task's waker and, per call, whether it is done and whether it was
/// woken since its last poll.
struct Shared {
    task: AtomicWaker,
    done: Vec<AtomicBool>,
    woken: Vec<AtomicBool>,
}

impl Shared {
    /// Whether every call still pending was woken since its last poll (then the task must look).
    fn all_pending_woken(&self) -> bool {
        self.done
            .iter()
            .zip(&self.woken)
            .all(|(done, woken)| done.load(Ordering::SeqCst) || woken.load(Ordering::SeqCst))
    }
}

/// The waker of call `index`.
struct CallWaker {
    shared: Arc<Shared>,
    index: usize,
}

impl ArcWake for CallWaker {
    fn wake_by_ref(arc_self: &Arc<Self>) {
        let shared = &arc_self.shared;
        shared.woken[arc_self.index].store(true, Ordering::SeqCst);
        if shared.all_pending_woken() {
            shared.task.wake();
        }
    }
}

/// Runs `calls` concurrently; their outputs in order, once all are ready (see the module's comment).
pub(super) fn gather<F: Future>(calls: Vec<F>) -> Gather<F> {
    let count = calls.len();
    let shared = Arc::new(Shared {
        task: AtomicWaker::new(),
        done: (0..count).map(|_| AtomicBool::new(false)).collect(),
        // Every call is polled the first time.
        woken: (0..count).map(|_| AtomicBool::new(true)).collect(),
    });
    let wakers = (0..count)
        .map(|index| {
            futures::task::waker(Arc::new(CallWaker {
                shared: Arc::clone(&shared),
                index,
            }))
        })
        .collect();
    Gather {
        calls: calls.into_iter().map(Box::pin).collect(),
        outputs: (0..count).map(|_| None).collect(),
        wakers,
        shared,
    }
}

/// The future of [`gather`].
pub(super) struct Gather<F: Future> {
    calls: Vec<Pin<Box<F>>>,
    outputs: Vec<Option<F::Output>>,
    wakers: Vec<Waker>,
    shared: Arc<Shared>,
}

impl<F: Future> Unpin for Gather<F> {}

impl<F: Future> Future for Gather<F> {
    type Output = Vec<F::Output>;

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let this = &mut *self;
        this.shared.task.register(cx.waker());
        loop {
            for index in 0..this.calls.len() {
                if this.outputs[index].is_some()
                    || !this.shared.woken[index].swap(false, Ordering::SeqCst)
                {
                    continue;
                }
                let mut call_cx = Context::from_waker(&this.wakers[index]);
                if let Poll::Ready(output) = this.calls[index].as_mut().poll(&mut call_cx) {
                    this.outputs[index] = Some(output);
                    this.shared.done[index].store(true, Ordering::SeqCst);
                }
            }
            if this.outputs.iter().all(Option::is_some) {
                return Poll::Ready(this.outputs.iter_mut().filter_map(Option::take).collect());
            }
            // A call woken while the others were polled (its wake saw them pending): look again, or
            // nobody would. Any wake from now on sees this pass's state and wakes the task itself.
            if !this.shared.all_pending_woken() {
                return Poll::Pending;
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use super::*;

    /// The answers come in order, whichever thread answers first, and the task is woken once for all
    /// of them; a call's own timer still gets its poll while another call waits.
    #[tokio::test(flavor = "current_thread")]
    async fn gathers_answers_from_other_threads_in_order_with_one_wake() {
        let (senders, receivers): (Vec<_>, Vec<_>) = (0..8)
            .map(|_| tokio::sync::oneshot::channel::<usize>())
            .unzip();
        let polls = Arc::new(std::sync::atomic::AtomicUsize::new(0));
        let counted = Arc::clone(&polls);
        let gathered = gather(receivers);
        let answering = std::thread::spawn(move || {
            std::thread::sleep(Duration::from_millis(20));
            for (index, sender) in senders.into_iter().enumerate().rev() {
                sender.send(index).expect("the gather waits");
                std::thread::sleep(Duration::from_millis(2));
            }
        });
        let mut gathered = std::pin::pin!(gathered);
        let outputs = std::future::poll_fn(|cx| {
            counted.fetch_add(1, Ordering::SeqCst);
            gathered.as_mut().poll(cx)
        })
        .await;
        answering.join().expect("the answering thread");
        let outputs: Vec<usize> = outputs
            .into_iter()
            .map(|output| output.expect("answered"))
            .collect();
        assert_eq!(outputs, (0..8).collect::<Vec<_>>());
        assert_eq!(
            polls.load(Ordering::SeqCst),
            2,
            "the first poll and one wake for all eight"
        );
    }

    /// A call that is never answered is still polled when its timer fires (a deadline), and the others'
    /// answers are not lost meanwhile.
    #[tokio::test(flavor = "current_thread", start_paused = true)]
    async fn a_timer_still_polls_its_call_while_another_waits() {
        let (sender, receiver) = tokio::sync::oneshot::channel::<u32>();
        let (_never_sent, never) = tokio::sync::oneshot::channel::<u32>();
        let answered: Pin<Box<dyn Future<Output = Result<u32, &str>>>> =
            Box::pin(async move { receiver.await.map_err(|_| "dropped") });
        let timed: Pin<Box<dyn Future<Output = Result<u32, &str>>>> = Box::pin(async move {
            tokio::time::timeout(Duration::from_secs(5), never)
                .await
                .map_err(|_| "time limit")?
                .map_err(|_| "dropped")
        });
        let answering = std::thread::spawn(move || sender.send(7));
        let outputs = gather(vec![answered, timed]).await;
        answering.join().expect("thread").expect("sent");
        assert_eq!(outputs, vec![Ok(7), Err("time limit")]);
    }

    #[tokio::test]
    async fn no_calls_answer_at_once() {
        let calls: Vec<std::future::Ready<u8>> = Vec::new();
        assert!(gather(calls).await.is_empty());
    }
}
