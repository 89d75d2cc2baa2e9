//! A node's timeout that stops counting while the node waits for the user.
//!
//! The executor runs each node under [`with_timeout`]; a node that asks the person running
//! the flow (an agent's multi-turn question) awaits the answer through [`waiting_for_user`],
//! which pauses the node's clock until the answer is in. The clock is found through a
//! task-local, so node code needs no extra parameter and code outside a node (the agent
//! runtime used by `strata chat`) simply runs without one.

use std::future::{poll_fn, Future};
use std::sync::{Arc, Mutex, PoisonError};
use std::task::Poll;
use std::time::Duration;
use tokio::sync::Notify;
use tokio::time::Instant;

tokio::task_local! {
    /// The clock of the node whose future is being polled.
    static CLOCK: Arc<NodeClock>;
}

/// Where a node's clock stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum ClockState {
    /// Counting: the node times out at `deadline`.
    Running { deadline: Instant },
    /// Waiting for the user: `remaining` is what is left when the wait ends. `waits` counts
    /// the waits in progress, so overlapping waits resume the clock only when the last ends.
    Paused { remaining: Duration, waits: usize },
}

/// One node's clock. The executor watches it; [`waiting_for_user`] pauses and resumes it.
///
/// A mutex and one `Notify` rather than a `watch` channel: every node that does work has a
/// clock, and almost none is ever paused, so making and dropping it must cost next to
/// nothing (a `watch` channel notified its eight waiter lists when dropped: about 6% of an
/// Iterator item's work in docs/PERFORMANCE.md's fifth pass).
#[derive(Debug)]
struct NodeClock {
    state: Mutex<ClockState>,
    /// Wakes the executor's watch of the clock when the state changes. `notify_one` keeps
    /// a permit when nobody waits yet, so a change between a look and the wait is not lost.
    changed: Notify,
}

impl NodeClock {
    fn now(&self) -> ClockState {
        *self.state.lock().unwrap_or_else(PoisonError::into_inner)
    }

    fn change(&self, f: impl FnOnce(ClockState) -> ClockState) {
        {
            let mut state = self.state.lock().unwrap_or_else(PoisonError::into_inner);
            *state = f(*state);
        }
        self.changed.notify_one();
    }

    fn pause(&self) {
        self.change(|state| match state {
            ClockState::Running { deadline } => ClockState::Paused {
                remaining: deadline.saturating_duration_since(Instant::now()),
                waits: 1,
            },
            ClockState::Paused { remaining, waits } => ClockState::Paused {
                remaining,
                waits: waits + 1,
            },
        });
    }

    fn resume(&self) {
        self.change(|state| match state {
            ClockState::Paused { remaining, waits } if waits <= 1 => ClockState::Running {
                deadline: Instant::now() + remaining,
            },
            ClockState::Paused { remaining, waits } => ClockState::Paused {
                remaining,
                waits: waits - 1,
            },
            running @ ClockState::Running { .. } => running,
        });
    }
}

/// Resumes the clock when the wait ends, also when the waiting future is dropped.
struct Wait(Arc<NodeClock>);

impl Drop for Wait {
    fn drop(&mut self) {
        self.0.resume();
    }
}

/// The node worked longer than its budget.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) struct TimedOut;

/// Runs `work`, which began at `began` (a reading the caller took anyway: the node's start),
/// with `budget` of working time: time inside [`waiting_for_user`] does not count.
pub(super) async fn with_timeout<F: Future>(
    began: Instant,
    budget: Duration,
    work: F,
) -> Result<F::Output, TimedOut> {
    let clock = Arc::new(NodeClock {
        state: Mutex::new(ClockState::Running {
            deadline: began + budget,
        }),
        changed: Notify::new(),
    });
    let work = CLOCK.scope(clock.clone(), work);
    tokio::pin!(work);
    // Most nodes are done in their first poll (an instant model, a Condition): they need
    // no timer and no watch of the clock. The loop below polls the work first too.
    if let Poll::Ready(out) = poll_fn(|cx| Poll::Ready(work.as_mut().poll(cx))).await {
        return Ok(out);
    }
    loop {
        let now = clock.now();
        match now {
            ClockState::Running { deadline } => tokio::select! {
                biased;
                out = &mut work => return Ok(out),
                () = clock.changed.notified() => {}
                () = tokio::time::sleep_until(deadline) => {
                    // A pause (or a later deadline) that began at the very deadline wins:
                    // look again.
                    if clock.now() == now {
                        return Err(TimedOut);
                    }
                }
            },
            ClockState::Paused { .. } => tokio::select! {
                biased;
                out = &mut work => return Ok(out),
                () = clock.changed.notified() => {}
            },
        }
    }
}

/// Awaits `wait` — the user's answer — without counting it against the running node's
/// timeout. Outside a node it is a plain await.
pub(super) async fn waiting_for_user<F: Future>(wait: F) -> F::Output {
    let Ok(clock) = CLOCK.try_with(Arc::clone) else {
        return wait.await;
    };
    clock.pause();
    let _resume = Wait(clock);
    wait.await
}

#[cfg(test)]
mod tests {
    use super::*;
    use tokio::time::sleep;

    const BUDGET: Duration = Duration::from_secs(10);

    #[tokio::test(start_paused = true)]
    async fn work_over_budget_times_out_at_the_deadline() {
        let began = Instant::now();
        let out = with_timeout(Instant::now(), BUDGET, sleep(Duration::from_secs(11))).await;
        assert_eq!(out, Err(TimedOut));
        assert_eq!(began.elapsed(), BUDGET);
    }

    #[tokio::test(start_paused = true)]
    async fn waiting_for_the_user_does_not_count() {
        let began = Instant::now();
        let out = with_timeout(Instant::now(), BUDGET, async {
            sleep(Duration::from_secs(4)).await;
            waiting_for_user(sleep(Duration::from_secs(600))).await;
            sleep(Duration::from_secs(5)).await;
            "answered"
        })
        .await;
        assert_eq!(out, Ok("answered"));
        assert_eq!(began.elapsed(), Duration::from_secs(609));
    }

    #[tokio::test(start_paused = true)]
    async fn work_after_the_wait_still_has_only_what_was_left() {
        let began = Instant::now();
        let out = with_timeout(Instant::now(), BUDGET, async {
            sleep(Duration::from_secs(4)).await;
            waiting_for_user(sleep(Duration::from_secs(600))).await;
            sleep(Duration::from_secs(7)).await;
        })
        .await;
        assert_eq!(out, Err(TimedOut));
        assert_eq!(began.elapsed(), Duration::from_secs(610));
    }

    #[tokio::test(start_paused = true)]
    async fn overlapping_waits_resume_when_the_last_ends() {
        let began = Instant::now();
        let out = with_timeout(Instant::now(), BUDGET, async {
            tokio::join!(
                waiting_for_user(sleep(Duration::from_secs(100))),
                waiting_for_user(sleep(Duration::from_secs(200))),
            );
            sleep(Duration::from_secs(9)).await;
        })
        .await;
        assert_eq!(out, Ok(()));
        assert_eq!(began.elapsed(), Duration::from_secs(209));
    }

    #[tokio::test(start_paused = true)]
    async fn outside_a_node_a_wait_is_a_plain_await() {
        assert_eq!(waiting_for_user(async { 7 }).await, 7);
    }
}
