//! Waiting after a write until the resource is ready: one poll loop with a timeout, shared by
//! the Classic deploy (agents, agent aliases, flows) and the AgentCore deploy (gateways,
//! gateway targets, harnesses and harness endpoints; the SDK has waiters only for memories and
//! policies).
//!
//! The first poll is at once. Classic resources are polled every
//! [`DeployOptions::poll_interval`] ([`Pace::Steady`]); AgentCore ones with a pause doubling
//! from it up to eight times it ([`Pace::Backoff`]), so a resource that is ready in seconds is
//! seen in seconds and one that takes minutes costs a few dozen calls, not hundreds. A poll
//! that finds the resource failed returns the error that says so.

use super::{DeployError, Deployer, Done};
use std::future::Future;
use std::time::Duration;
use tokio::time::Instant;

/// What one status poll found.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Poll<T> {
    /// Ready, with what the caller needs from the last read (a version, an ARN).
    Ready(T),
    /// Still on its way, in this status.
    Waiting(String),
}

/// How the pause between two polls grows.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Pace {
    /// Always [`DeployOptions::poll_interval`].
    Steady,
    /// Doubling from [`DeployOptions::poll_interval`] up to [`BACKOFF_CAP`] times it.
    Backoff,
}

/// The longest pause between two polls with [`Pace::Backoff`], as a multiple of the first.
const BACKOFF_CAP: u32 = 8;

/// Polls `poll` until it says ready (or fails), or until [`DeployOptions::timeout`] has
/// passed; each pause is reported as a step of `resource` with the status seen. `done` is what
/// the deploy had already changed, for the timeout error.
pub(crate) async fn until_ready<C, T, F, P>(
    deployer: &Deployer<C>,
    pace: Pace,
    resource: &str,
    done: &[String],
    mut poll: P,
) -> Result<T, DeployError>
where
    P: FnMut() -> F,
    F: Future<Output = Result<Poll<T>, DeployError>>,
{
    let options = &deployer.options;
    let started = Instant::now();
    let cap = match pace {
        Pace::Steady => options.poll_interval,
        Pace::Backoff => options.poll_interval.saturating_mul(BACKOFF_CAP),
    };
    let mut pause = options.poll_interval;
    loop {
        let status = match poll().await? {
            Poll::Ready(found) => return Ok(found),
            Poll::Waiting(status) => status,
        };
        let elapsed = started.elapsed();
        if elapsed >= options.timeout {
            return Err(DeployError::Timeout {
                resource: resource.to_owned(),
                status,
                seconds: options.timeout.as_secs(),
                done: Done(done.to_vec()),
            });
        }
        deployer.step(resource, false, &format!("{resource}: {status}, waiting…"));
        tokio::time::sleep(pause.min(options.timeout - elapsed)).await;
        pause = pause
            .saturating_mul(2)
            .min(cap)
            .max(Duration::from_millis(1));
    }
}

/// One read of an AgentCore resource's status (gateway, gateway target, harness, harness
/// endpoint): the text, and which of the service's values it is.
pub(crate) struct Status<'s> {
    /// As the service spells it: `READY`, `CREATING`, `CREATE_FAILED`…
    pub text: &'s str,
    /// The ready status.
    pub ready: bool,
    /// A status on the way to ready (`CREATING`, `UPDATING`…); any other is a failure.
    pub pending: bool,
}

impl Status<'_> {
    /// What the status means for [`until_ready`]: when ready, what `ready` makes of the read
    /// (the caller's value, or an error when the read lacks it); while pending, waiting; else
    /// `resource` failed, with the `reasons` the service gave.
    pub(crate) fn poll<'a, T>(
        self,
        resource: &str,
        done: &[String],
        reasons: impl IntoIterator<Item = &'a str>,
        ready: impl FnOnce() -> Result<Poll<T>, DeployError>,
    ) -> Result<Poll<T>, DeployError> {
        if self.ready {
            ready()
        } else if self.pending {
            Ok(Poll::Waiting(self.text.to_owned()))
        } else {
            Err(failed(resource, self.text, reasons, done))
        }
    }
}

/// A resource that ended in a failed status, with the reasons the service gave (or a sentence
/// saying it gave none).
fn failed<'a>(
    resource: &str,
    status: &str,
    given: impl IntoIterator<Item = &'a str>,
    done: &[String],
) -> DeployError {
    DeployError::Failed {
        resource: resource.to_owned(),
        status: status.to_owned(),
        reasons: reasons(status, given),
        done: Done(done.to_vec()),
    }
}

/// The reasons the service gave, or a sentence saying it gave none.
pub(crate) fn reasons<'a>(status: &str, given: impl IntoIterator<Item = &'a str>) -> String {
    let given: Vec<&str> = given.into_iter().filter(|r| !r.is_empty()).collect();
    if given.is_empty() {
        format!("status {status} (no reason given)")
    } else {
        given.join("; ")
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::deploy::DeployOptions;
    use std::sync::{Arc, Mutex};

    fn options(poll: u64, timeout: u64) -> DeployOptions {
        DeployOptions {
            poll_interval: Duration::from_secs(poll),
            timeout: Duration::from_secs(timeout),
            ..DeployOptions::default()
        }
    }

    /// Polls a script of answers, recording the (paused) clock at each poll.
    async fn run(
        options: &DeployOptions,
        pace: Pace,
        script: Vec<Result<Poll<&'static str>, DeployError>>,
    ) -> (Result<&'static str, DeployError>, Vec<u64>, Vec<String>) {
        let start = Instant::now();
        let times = Arc::new(Mutex::new(Vec::new()));
        let lines = Arc::new(Mutex::new(Vec::new()));
        let sink = lines.clone();
        let deployer =
            Deployer::new((), options.clone()).with_progress(Arc::new(move |l: &str| {
                sink.lock()
                    .unwrap_or_else(|p| p.into_inner())
                    .push(l.to_owned())
            }));
        let script = Arc::new(Mutex::new(script.into_iter()));
        let seen = times.clone();
        let result = until_ready(&deployer, pace, "harness \"H\"", &[], || {
            seen.lock()
                .unwrap_or_else(|p| p.into_inner())
                .push(start.elapsed().as_secs());
            let next = script.lock().unwrap_or_else(|p| p.into_inner()).next();
            async move { next.unwrap_or(Ok(Poll::Waiting("CREATING".into()))) }
        })
        .await;
        let times = times.lock().unwrap_or_else(|p| p.into_inner()).clone();
        let lines = lines.lock().unwrap_or_else(|p| p.into_inner()).clone();
        (result, times, lines)
    }

    fn waiting() -> Result<Poll<&'static str>, DeployError> {
        Ok(Poll::Waiting("CREATING".into()))
    }

    #[tokio::test(start_paused = true)]
    async fn backoff_pauses_double_from_the_interval_up_to_eight_times_it() {
        let mut script = vec![waiting(); 5];
        script.push(Ok(Poll::Ready("7")));
        let (result, times, lines) = run(&options(2, 600), Pace::Backoff, script).await;
        assert_eq!(result.expect("ready"), "7");
        // Pauses 2, 4, 8, 16, 16 seconds.
        assert_eq!(times, [0, 2, 6, 14, 30, 46]);
        assert_eq!(lines.len(), 5);
        assert_eq!(lines[0], "harness \"H\": CREATING, waiting…");
    }

    #[tokio::test(start_paused = true)]
    async fn steady_pauses_stay_at_the_interval() {
        let mut script = vec![waiting(); 3];
        script.push(Ok(Poll::Ready("7")));
        let (result, times, _) = run(&options(2, 600), Pace::Steady, script).await;
        assert_eq!(result.expect("ready"), "7");
        assert_eq!(times, [0, 2, 4, 6]);
    }

    #[tokio::test(start_paused = true)]
    async fn a_resource_that_never_gets_ready_times_out_with_its_last_status() {
        let (result, times, _) = run(&options(1, 20), Pace::Backoff, vec![]).await;
        let err = result.expect_err("times out");
        assert!(
            matches!(&err, DeployError::Timeout { status, seconds: 20, .. } if status == "CREATING"),
            "{err}"
        );
        // 1, 2, 4, 8, then the 5 seconds left: the last poll is at the timeout.
        assert_eq!(times, [0, 1, 3, 7, 15, 20]);
    }

    #[tokio::test(start_paused = true)]
    async fn a_poll_that_finds_a_failure_ends_the_wait_with_its_error() {
        let error = failed(
            "harness \"H\"",
            "CREATE_FAILED",
            ["the role cannot be assumed"],
            &[],
        );
        let script = vec![waiting(), Err(error)];
        let (result, times, _) = run(&options(3, 600), Pace::Backoff, script).await;
        let err = result.expect_err("fails");
        assert_eq!(
            err.to_string(),
            "harness \"H\" ended CREATE_FAILED: the role cannot be assumed; nothing had been changed"
        );
        assert_eq!(times, [0, 3]);
    }

    #[test]
    fn a_status_is_ready_pending_or_failed() {
        let status = |text, ready, pending| Status {
            text,
            ready,
            pending,
        };
        let ready = || Ok(Poll::Ready("arn"));
        let read = status("READY", true, false).poll("gateway \"G\"", &[], [], ready);
        assert_eq!(read.expect("ready"), Poll::Ready("arn"));
        let read = status("UPDATING", false, true).poll("gateway \"G\"", &[], [], ready);
        assert_eq!(read.expect("waiting"), Poll::Waiting("UPDATING".into()));
        let read = status("FAILED", false, false).poll("gateway \"G\"", &[], ["no role"], ready);
        assert_eq!(
            read.expect_err("failed").to_string(),
            "gateway \"G\" ended FAILED: no role; nothing had been changed"
        );
    }

    #[test]
    fn reasons_say_when_there_are_none() {
        assert_eq!(reasons("FAILED", ["", "a", "b"]), "a; b");
        assert_eq!(reasons("FAILED", []), "status FAILED (no reason given)");
    }
}
