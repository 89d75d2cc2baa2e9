//! The run and chat commands: the page starts a run or a chat turn through the host layer
//! (`strata::session`) and gets its messages on a Tauri channel — events batched, so a burst
//! of thousands never floods the page, and pauses and the end always after the events before
//! them. Live runs and chats are kept in a registry so the page can cancel them, answer their
//! pauses, and so closing the window cancels them.
//!
//! The logic takes an [`Outbox`] (a function that delivers one message to the page) rather
//! than a channel, so it is tested with plain tokio and no webview.

use crate::channel::outbox;
use crate::files::AppError;
use crate::tasks::Tasks;
use std::collections::HashMap;
use std::path::Path;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;
use strata::providers::BoxFuture;
use strata::run::{BreakpointAction, RunEvent};
use strata::session::protocol::{
    Pause, PauseAnswer, PauseKind, ProviderChoice, RecordedRun, RunListing, RunMessage, RunRequest,
};
use strata::session::{Chat, ChatOptions, ProviderSettings, RunHooks, RunOptions, Session};
use strata::store::Store;
use tokio::sync::{mpsc, oneshot};
use tokio_util::sync::CancellationToken;

/// How long closing the window waits for cancelled runs to record how they ended.
pub const EXIT_PATIENCE: Duration = Duration::from_secs(3);

mod forward;
pub use forward::{forward, Outbox, Outgoing};

/// A pause waiting for the page's answer.
struct Waiting {
    node: String,
    kind: WaitingKind,
    answer: oneshot::Sender<PauseAnswer>,
}

#[derive(Debug, Clone, Copy, PartialEq)]
enum WaitingKind {
    AskUser,
    ReturnControl,
    Breakpoint,
}

/// One live run or chat.
pub struct Live {
    /// Cancels the run (a chat has nothing running between turns).
    cancel: CancellationToken,
    /// Pauses waiting for an answer, by pause id.
    waiting: Mutex<HashMap<u64, Waiting>>,
    /// The next pause id.
    next_pause: AtomicU64,
    /// The chat, for chats: one turn at a time.
    chat: Option<tokio::sync::Mutex<Chat>>,
}

impl Live {
    fn new(chat: Option<Chat>) -> Arc<Live> {
        Arc::new(Live {
            cancel: CancellationToken::new(),
            waiting: Mutex::new(HashMap::new()),
            next_pause: AtomicU64::new(1),
            chat: chat.map(tokio::sync::Mutex::new),
        })
    }

    fn waiting(&self) -> std::sync::MutexGuard<'_, HashMap<u64, Waiting>> {
        self.waiting.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// Tells the page about a pause and waits for its answer (`None`: cancelled or gone).
    async fn pause(
        &self,
        node: String,
        kind: PauseKind,
        to_page: &mpsc::UnboundedSender<Outgoing>,
    ) -> Option<PauseAnswer> {
        let id = self.next_pause.fetch_add(1, Ordering::Relaxed);
        let (answer, answered) = oneshot::channel();
        let waiting_kind = match &kind {
            PauseKind::AskUser { .. } => WaitingKind::AskUser,
            PauseKind::ReturnControl { .. } => WaitingKind::ReturnControl,
            PauseKind::Breakpoint { .. } => WaitingKind::Breakpoint,
        };
        self.waiting().insert(
            id,
            Waiting {
                node: node.clone(),
                kind: waiting_kind,
                answer,
            },
        );
        let pause = Pause { id, node, kind };
        if to_page
            .send(Outgoing::Message(RunMessage::Paused { pause }))
            .is_err()
        {
            self.waiting().remove(&id);
            return None;
        }
        tokio::select! {
            answer = answered => answer.ok(),
            () = self.cancel.cancelled() => None,
        }
    }

    /// Hooks that ask the page, for a run or a chat turn.
    fn hooks(self: &Arc<Live>, to_page: &mpsc::UnboundedSender<Outgoing>) -> RunHooks {
        RunHooks {
            ask_user: Some(self.asking(to_page, |question| PauseKind::AskUser { question }, reply)),
            return_control: Some(self.asking(
                to_page,
                |payload| PauseKind::ReturnControl { payload },
                results,
            )),
            on_breakpoint: Some(self.asking(
                to_page,
                |inputs| PauseKind::Breakpoint { inputs },
                going_on,
            )),
            cancel: self.cancel.clone(),
        }
    }

    /// A hook that pauses with `kind(what was asked)` and reads the page's answer with `take`.
    #[allow(
        clippy::type_complexity,
        reason = "the executor's hook type, spelled once"
    )]
    fn asking<A: Send + 'static, R: 'static>(
        self: &Arc<Live>,
        to_page: &mpsc::UnboundedSender<Outgoing>,
        kind: fn(A) -> PauseKind,
        take: fn(PauseAnswer) -> Option<R>,
    ) -> Arc<dyn Fn(String, A) -> BoxFuture<'static, Option<R>> + Send + Sync> {
        let (live, page) = (self.clone(), to_page.clone());
        Arc::new(move |node, asked| {
            let (live, page) = (live.clone(), page.clone());
            Box::pin(async move { take(live.pause(node, kind(asked), &page).await?) })
        })
    }

    /// Gives `answer` to pause `pause_id`; an answer of the wrong kind is refused and the
    /// pause keeps waiting.
    fn answer(&self, pause_id: u64, answer: PauseAnswer) -> Result<(), AppError> {
        let mut waiting = self.waiting();
        let Some(w) = waiting.get(&pause_id) else {
            return Err(AppError::Answer {
                message: format!("there is no pause {pause_id} waiting for an answer"),
            });
        };
        let fits = matches!(
            (w.kind, &answer),
            (WaitingKind::AskUser, PauseAnswer::Reply { .. })
                | (WaitingKind::ReturnControl, PauseAnswer::Results { .. })
                | (WaitingKind::Breakpoint, PauseAnswer::Continue { .. })
        );
        if !fits {
            return Err(AppError::Answer {
                message: format!(
                    "pause {pause_id} at {} takes {}",
                    w.node,
                    match w.kind {
                        WaitingKind::AskUser => "a reply",
                        WaitingKind::ReturnControl => "the action's results",
                        WaitingKind::Breakpoint => "continue (or step)",
                    }
                ),
            });
        }
        let w = waiting.remove(&pause_id).expect("the pause was just found");
        // The run may have ended since (cancelled): then nobody waits for the answer.
        let _ = w.answer.send(answer);
        Ok(())
    }
}

/// The reply an agent's question asked for (an answer of another kind declines).
fn reply(answer: PauseAnswer) -> Option<String> {
    match answer {
        PauseAnswer::Reply { text } => text,
        PauseAnswer::Continue { .. } | PauseAnswer::Results { .. } => None,
    }
}

/// The results a return of control asked for (an answer of another kind declines).
fn results(answer: PauseAnswer) -> Option<Vec<serde_json::Value>> {
    match answer {
        PauseAnswer::Results { results } => results,
        PauseAnswer::Continue { .. } | PauseAnswer::Reply { .. } => None,
    }
}

/// How a run goes on from a breakpoint (an answer of another kind stops it).
fn going_on(answer: PauseAnswer) -> Option<BreakpointAction> {
    match answer {
        PauseAnswer::Continue { inputs, step } => Some(BreakpointAction { inputs, step }),
        PauseAnswer::Reply { .. } | PauseAnswer::Results { .. } => None,
    }
}

/// The live runs and chats of this window, by id, and the run store.
pub struct Runs {
    live: Mutex<HashMap<String, Arc<Live>>>,
    /// The run store; `Err` says why it could not be opened (runs then go unrecorded).
    store: Result<Store, String>,
    /// The tasks of live runs, to wait for them at exit.
    tasks: Tasks,
}

impl Runs {
    pub fn new(store: Result<Store, String>) -> Runs {
        Runs {
            live: Mutex::new(HashMap::new()),
            store,
            tasks: Tasks::default(),
        }
    }

    /// Opens the run store of `$STRATA_DATA_DIR`, else the per-user data folder, and marks
    /// runs whose process has gone as interrupted.
    pub async fn open_store() -> Result<Store, String> {
        let dir = Store::resolve_data_dir(None).map_err(|e| e.to_string())?;
        let store = Store::open(&dir).await.map_err(|e| e.to_string())?;
        store
            .mark_interrupted_runs()
            .await
            .map_err(|e| e.to_string())?;
        Ok(store)
    }

    /// The run store, for the evaluations whose cases it keeps too (`None` when it could not
    /// be opened).
    pub fn shared_store(&self) -> Option<Store> {
        self.store.as_ref().ok().cloned()
    }

    fn live(&self) -> std::sync::MutexGuard<'_, HashMap<String, Arc<Live>>> {
        self.live.lock().unwrap_or_else(PoisonError::into_inner)
    }

    fn get(&self, id: &str) -> Result<Arc<Live>, AppError> {
        self.live()
            .get(id)
            .cloned()
            .ok_or_else(|| AppError::NoRun { id: id.to_owned() })
    }

    fn store(&self) -> Result<&Store, AppError> {
        self.store.as_ref().map_err(|message| AppError::Store {
            message: message.clone(),
        })
    }

    /// The run store, for the commands that keep versions and aliases in it.
    pub fn run_store(&self) -> Result<&Store, AppError> {
        self.store()
    }

    /// A session on the project as the page holds it; the project file is never written.
    fn session(&self, project_text: &str, project_path: Option<&str>) -> Result<Session, AppError> {
        let loaded =
            strata::model::load(project_text, "project").map_err(|source| AppError::Load {
                path: project_path.unwrap_or("the project").to_owned(),
                source,
            })?;
        let mut session = Session::new(
            loaded.project,
            project_path.map(Path::new),
            self.store.as_ref().ok().cloned(),
        );
        // The project's own handler bindings (and their environments) apply in the app too.
        session
            .bind_handlers(&[], &[], None)
            .map_err(|e| AppError::Run {
                message: e.to_string(),
            })?;
        Ok(session)
    }

    /// Starts a run; its messages go to `outbox`, starting with `Started`. A run that cannot
    /// start is refused with what is wrong (and `Failed` says the same on the channel).
    pub async fn start(
        self: &Arc<Runs>,
        project_text: &str,
        project_path: Option<&str>,
        request: RunRequest,
        outbox: Outbox,
    ) -> Result<String, AppError> {
        let failed = |outbox: &Outbox, error: AppError| {
            outbox(RunMessage::Failed {
                message: error.to_string(),
            });
            Err(error)
        };
        let session = match self.session(project_text, project_path) {
            Ok(session) => session,
            Err(error) => return failed(&outbox, error),
        };
        let options = RunOptions::from_request(&request, &session);
        let live = Live::new(None);
        let (to_page, forwarder) = forward(outbox.clone());
        let run = match session.start_run(&options, live.hooks(&to_page)).await {
            Ok(run) => run,
            Err(error) => {
                drop(to_page);
                let _ = forwarder.await;
                return failed(
                    &outbox,
                    AppError::Run {
                        message: error.to_string(),
                    },
                );
            }
        };
        let run_id = run.id().to_owned();
        self.live().insert(run_id.clone(), live.clone());
        let _ = to_page.send(Outgoing::Message(RunMessage::Started {
            run_id: run_id.clone(),
            provider: run.provider().to_owned(),
        }));
        let runs = self.clone();
        let id = run_id.clone();
        let task = tokio::spawn(async move {
            let events = to_page.clone();
            let streamed = run
                .stream(|event| {
                    // A page that is gone does not stop the run: it is recorded to its end.
                    let _ = events.send(Outgoing::Event(event.clone()));
                    Ok(())
                })
                .await;
            let last = match streamed {
                Ok(report) => RunMessage::Finished {
                    result: report.summary,
                },
                Err(error) => RunMessage::Failed {
                    message: error.to_string(),
                },
            };
            let _ = to_page.send(Outgoing::Message(last));
            drop((events, to_page));
            let _ = forwarder.await;
            runs.live().remove(&id);
        });
        self.tasks.keep(task);
        Ok(run_id)
    }

    /// Cancels a live run (or a chat's turn); its pauses stop waiting.
    pub fn cancel(&self, id: &str) -> Result<(), AppError> {
        let live = self.get(id)?;
        live.cancel.cancel();
        live.waiting().clear();
        Ok(())
    }

    pub fn answer(&self, id: &str, pause_id: u64, answer: PauseAnswer) -> Result<(), AppError> {
        self.get(id)?.answer(pause_id, answer)
    }

    /// Cancels everything live (the window is closing) and waits, at most `patience`, for the
    /// runs to record how they ended; a run that does not finish in time is marked interrupted
    /// when the store is next opened.
    pub async fn cancel_all(&self, patience: Duration) {
        let live: Vec<Arc<Live>> = self.live().values().cloned().collect();
        for l in live {
            l.cancel.cancel();
            l.waiting().clear();
        }
        let _ = tokio::time::timeout(patience, self.settle()).await;
    }

    /// Waits until every run started so far has ended and recorded how.
    pub async fn settle(&self) {
        self.tasks.settle().await;
    }

    pub async fn list(
        &self,
        project_path: Option<&str>,
        project_name: &str,
    ) -> Result<Vec<RunListing>, AppError> {
        strata::session::run_listings(self.store()?, project_path, project_name)
            .await
            .map_err(|e| AppError::Run {
                message: e.to_string(),
            })
    }

    pub async fn get_run(&self, run_id: &str) -> Result<RecordedRun, AppError> {
        strata::session::recorded_run(self.store()?, run_id)
            .await
            .map_err(|e| AppError::Run {
                message: e.to_string(),
            })?
            .ok_or_else(|| AppError::NoRun {
                id: run_id.to_owned(),
            })
    }

    /// Starts a chat with `agent`; returns its id.
    pub async fn chat_start(
        &self,
        project_text: &str,
        project_path: Option<&str>,
        agent: String,
        provider: ProviderChoice,
    ) -> Result<String, AppError> {
        let session = self.session(project_text, project_path)?;
        let chat = session
            .chat(ChatOptions {
                agent,
                provider: ProviderSettings::from_choice(&provider, session.project_dir()),
                handler_timeout: Duration::from_secs(30),
                session_id: None,
                memory_id: None,
            })
            .await
            .map_err(|e| AppError::Run {
                message: e.to_string(),
            })?;
        let id = chat.session_id().to_owned();
        self.live().insert(id.clone(), Live::new(Some(chat)));
        Ok(id)
    }

    /// Sends `text` to a chat; the agent's steps, pauses and answer go to `outbox`.
    pub fn chat_send(&self, chat_id: &str, text: String, outbox: Outbox) -> Result<(), AppError> {
        let live = self.get(chat_id)?;
        if live.chat.is_none() {
            return Err(AppError::NoRun {
                id: chat_id.to_owned(),
            });
        }
        let id = chat_id.to_owned();
        tokio::spawn(async move {
            let (to_page, forwarder) = forward(outbox);
            let hooks = live.hooks(&to_page);
            let Some(chat) = &live.chat else { return };
            let mut chat = chat.lock().await;
            let started = std::time::Instant::now();
            let agent = chat.agent().to_owned();
            let events = to_page.clone();
            let mut on_trace = |trace: &strata::agent::AgentTraceEvent| {
                let _ = events.send(Outgoing::Event(RunEvent::AgentTrace {
                    at_ms: u64::try_from(started.elapsed().as_millis()).unwrap_or(u64::MAX),
                    node: agent.as_str().into(),
                    trace: trace.clone(),
                }));
            };
            let last = match chat.turn(text, &hooks, &mut on_trace).await {
                Ok(reply) => RunMessage::Finished {
                    result: reply.summary(&id, &agent),
                },
                Err(error) => RunMessage::Failed {
                    message: error.to_string(),
                },
            };
            let _ = to_page.send(Outgoing::Message(last));
            drop((events, to_page, hooks));
            let _ = forwarder.await;
        });
        Ok(())
    }

    /// Ends a chat (its memory summary is written when it has one).
    pub async fn chat_end(&self, chat_id: &str) -> Result<(), AppError> {
        let live = self.live().remove(chat_id).ok_or_else(|| AppError::NoRun {
            id: chat_id.to_owned(),
        })?;
        live.cancel.cancel();
        if let Some(chat) = &live.chat {
            chat.lock()
                .await
                .end(&mut |_| {})
                .await
                .map_err(|e| AppError::Run {
                    message: e.to_string(),
                })?;
        }
        Ok(())
    }
}

// The commands: one-line adapters from the page's calls to [`Runs`].

/// Where an unsaved project runs from: a project made from a template and not saved yet has
/// its template's files (handlers, documents, replays) in a folder of the app's own, written
/// there (never over a file) so that it runs before its first save as it will after.
fn unsaved_place(
    project_path: Option<String>,
    template: &crate::commands::FromTemplate,
    app: &crate::files::AppFiles,
) -> Result<Option<String>, AppError> {
    let (None, Some(name)) = (&project_path, template.current()) else {
        return Ok(project_path);
    };
    let Some(found) = strata::templates::find_starter(&name) else {
        return Ok(None);
    };
    let dir = app.dir.join("unsaved").join(&name);
    strata::templates::write_missing_files(found, &dir).map_err(|e| AppError::Run {
        message: format!(
            "cannot write the template's files to {}: {e}",
            dir.display()
        ),
    })?;
    Ok(Some(dir.join("unsaved.strata.json").display().to_string()))
}

#[tauri::command]
pub async fn run_start(
    project_text: String,
    project_path: Option<String>,
    request: RunRequest,
    on_message: tauri::ipc::Channel<RunMessage>,
    runs: tauri::State<'_, Arc<Runs>>,
    template: tauri::State<'_, crate::commands::FromTemplate>,
    app: tauri::State<'_, crate::files::AppFiles>,
) -> Result<String, AppError> {
    let project_path = unsaved_place(project_path, &template, &app)?;
    let runs = Arc::clone(&runs);
    runs.start(
        &project_text,
        project_path.as_deref(),
        request,
        outbox(on_message),
    )
    .await
}

#[tauri::command]
pub fn run_cancel(run_id: String, runs: tauri::State<'_, Arc<Runs>>) -> Result<(), AppError> {
    runs.cancel(&run_id)
}

#[tauri::command]
pub fn run_answer(
    run_id: String,
    pause_id: u64,
    answer: PauseAnswer,
    runs: tauri::State<'_, Arc<Runs>>,
) -> Result<(), AppError> {
    runs.answer(&run_id, pause_id, answer)
}

#[tauri::command]
pub async fn runs_list(
    project_path: Option<String>,
    project_name: String,
    runs: tauri::State<'_, Arc<Runs>>,
) -> Result<Vec<RunListing>, AppError> {
    runs.list(project_path.as_deref(), &project_name).await
}

#[tauri::command]
pub async fn run_get(
    run_id: String,
    runs: tauri::State<'_, Arc<Runs>>,
) -> Result<RecordedRun, AppError> {
    runs.get_run(&run_id).await
}

#[tauri::command]
pub async fn chat_start(
    project_text: String,
    project_path: Option<String>,
    agent: String,
    provider: ProviderChoice,
    runs: tauri::State<'_, Arc<Runs>>,
    template: tauri::State<'_, crate::commands::FromTemplate>,
    app: tauri::State<'_, crate::files::AppFiles>,
) -> Result<String, AppError> {
    let project_path = unsaved_place(project_path, &template, &app)?;
    runs.chat_start(&project_text, project_path.as_deref(), agent, provider)
        .await
}

#[tauri::command]
pub fn chat_send(
    chat_id: String,
    text: String,
    on_message: tauri::ipc::Channel<RunMessage>,
    runs: tauri::State<'_, Arc<Runs>>,
) -> Result<(), AppError> {
    runs.chat_send(&chat_id, text, outbox(on_message))
}

#[tauri::command]
pub async fn chat_end(chat_id: String, runs: tauri::State<'_, Arc<Runs>>) -> Result<(), AppError> {
    runs.chat_end(&chat_id).await
}

#[cfg(test)]
mod tests {
    use super::*;
    use forward::BATCH_WINDOW;
    use serde_json::json;
    use strata::run::RunStatus;
    use strata::session::protocol::RunInput;

    #[test]
    fn an_unsaved_template_runs_from_a_folder_holding_its_files() {
        let dir = tempfile::tempdir().expect("a folder");
        let app = crate::files::AppFiles {
            dir: dir.path().to_path_buf(),
        };
        let template =
            crate::commands::FromTemplate(std::sync::Mutex::new(Some("support-triage".into())));
        let place = unsaved_place(None, &template, &app)
            .expect("written")
            .expect("a place");
        let folder = Path::new(&place).parent().expect("a folder").to_path_buf();
        assert!(folder.join("replays/triage.yaml").is_file(), "{place}");
        assert!(
            !Path::new(&place).exists(),
            "the project itself is never written"
        );
        // A saved project runs where it is; an unsaved one not from a template, from nowhere.
        let saved = Some("/p/x.strata.json".to_owned());
        assert_eq!(
            unsaved_place(saved.clone(), &template, &app).expect("ok"),
            saved
        );
        let none = crate::commands::FromTemplate::default();
        assert_eq!(unsaved_place(None, &none, &app).expect("ok"), None);
    }

    /// An outbox that keeps what it is given.
    fn collecting() -> (Outbox, Arc<Mutex<Vec<RunMessage>>>) {
        let sent = Arc::new(Mutex::new(Vec::new()));
        let keep = sent.clone();
        let outbox: Outbox = Arc::new(move |m| {
            keep.lock().expect("not poisoned").push(m);
            true
        });
        (outbox, sent)
    }

    fn taken(sent: &Arc<Mutex<Vec<RunMessage>>>) -> Vec<RunMessage> {
        std::mem::take(&mut *sent.lock().expect("not poisoned"))
    }

    fn event(at_ms: u64) -> RunEvent {
        RunEvent::Cancelled { at_ms }
    }

    /// Batch sizes and the kinds of the other messages, in order.
    fn shape(messages: &[RunMessage]) -> Vec<String> {
        messages
            .iter()
            .map(|m| match m {
                RunMessage::Events { events } => events.len().to_string(),
                RunMessage::Started { .. } => "started".to_owned(),
                RunMessage::Paused { .. } => "paused".to_owned(),
                RunMessage::Finished { .. } => "finished".to_owned(),
                RunMessage::Failed { message } => format!("failed: {message}"),
            })
            .collect()
    }

    #[tokio::test(start_paused = true)]
    async fn a_burst_goes_out_in_batches_of_at_most_500_and_the_end_after_them() {
        let (outbox, sent) = collecting();
        let (tx, forwarder) = forward(outbox);
        for i in 0..1200 {
            tx.send(Outgoing::Event(event(i)))
                .expect("the forwarder listens");
        }
        tx.send(Outgoing::Message(RunMessage::Failed {
            message: "end".to_owned(),
        }))
        .expect("the forwarder listens");
        drop(tx);
        forwarder.await.expect("the forwarder ends");
        let messages = taken(&sent);
        assert_eq!(shape(&messages), ["500", "500", "200", "failed: end"]);
        // In order, none lost.
        let ats: Vec<u64> = messages
            .iter()
            .filter_map(|m| match m {
                RunMessage::Events { events } => Some(events.iter().map(RunEvent::at_ms)),
                _ => None,
            })
            .flatten()
            .collect();
        assert_eq!(ats, (0..1200).collect::<Vec<_>>());
    }

    #[tokio::test(start_paused = true)]
    async fn events_wait_at_most_the_window_and_a_pause_flushes_them_first() {
        let (outbox, sent) = collecting();
        let (tx, forwarder) = forward(outbox);
        tx.send(Outgoing::Event(event(1))).expect("listening");
        tx.send(Outgoing::Event(event(2))).expect("listening");
        // The window passes with no more events: the two go out together.
        tokio::time::sleep(BATCH_WINDOW + Duration::from_millis(1)).await;
        assert_eq!(shape(&taken(&sent)), ["2"]);
        tx.send(Outgoing::Event(event(3))).expect("listening");
        let pause = Pause {
            id: 1,
            node: "Agent".to_owned(),
            kind: PauseKind::AskUser {
                question: "Which order?".to_owned(),
            },
        };
        tx.send(Outgoing::Message(RunMessage::Paused { pause }))
            .expect("listening");
        drop(tx);
        forwarder.await.expect("the forwarder ends");
        assert_eq!(shape(&taken(&sent)), ["1", "paused"]);
    }

    #[tokio::test]
    async fn a_pause_takes_only_an_answer_of_its_kind_and_cancel_releases_it() {
        let live = Live::new(None);
        let (to_page, mut page) = mpsc::unbounded_channel();
        let asking = {
            let (live, to_page) = (live.clone(), to_page.clone());
            tokio::spawn(async move {
                live.pause(
                    "Refunds".to_owned(),
                    PauseKind::AskUser {
                        question: "Which order?".to_owned(),
                    },
                    &to_page,
                )
                .await
            })
        };
        let Some(Outgoing::Message(RunMessage::Paused { pause })) = page.recv().await else {
            panic!("the page is told about the pause first");
        };
        assert_eq!(pause.node, "Refunds");
        let wrong = live.answer(pause.id, PauseAnswer::Results { results: None });
        assert!(
            matches!(&wrong, Err(AppError::Answer { message }) if message.contains("takes a reply")),
            "{wrong:?}"
        );
        assert!(live
            .answer(pause.id + 1, PauseAnswer::Reply { text: None })
            .is_err());
        live.answer(
            pause.id,
            PauseAnswer::Reply {
                text: Some("1042".to_owned()),
            },
        )
        .expect("a reply fits");
        assert_eq!(
            asking.await.expect("the asker ends"),
            Some(PauseAnswer::Reply {
                text: Some("1042".to_owned())
            })
        );

        // A pause of a cancelled run stops waiting, without an answer.
        let asking = {
            let (live, to_page) = (live.clone(), to_page.clone());
            tokio::spawn(async move {
                live.pause(
                    "Refunds".to_owned(),
                    PauseKind::ReturnControl { payload: json!({}) },
                    &to_page,
                )
                .await
            })
        };
        assert!(matches!(
            page.recv().await,
            Some(Outgoing::Message(RunMessage::Paused { .. }))
        ));
        live.cancel.cancel();
        assert_eq!(asking.await.expect("the asker ends"), None);
    }

    /// `tests/session_fixtures` saved in `dir` (one flow, Input → Prompt → Output, beside a
    /// replay), and a store.
    async fn project(dir: &Path) -> (Arc<Runs>, String, String) {
        let fixtures = Path::new(env!("CARGO_MANIFEST_DIR")).join("../tests/session_fixtures");
        let path = dir.join("t.strata.json");
        std::fs::copy(fixtures.join("summarise.strata.json"), &path).expect("the project");
        std::fs::copy(fixtures.join("replay.yaml"), dir.join("replay.yaml")).expect("the replay");
        let text = std::fs::read_to_string(&path).expect("the project");
        let store = Store::open(&dir.join("data")).await.expect("a store");
        (
            Arc::new(Runs::new(Ok(store))),
            text,
            path.display().to_string(),
        )
    }

    fn request(replay: &str) -> RunRequest {
        serde_json::from_value(json!({
            "flow": "main",
            "input": RunInput::Sample { name: "hello".to_owned() },
            "provider": ProviderChoice::Replay { path: replay.to_owned() },
        }))
        .expect("a request")
    }

    #[tokio::test]
    async fn a_run_streams_to_the_page_is_recorded_and_leaves_the_project_alone() {
        let dir = tempfile::tempdir().expect("a folder");
        let (runs, text, path) = project(dir.path()).await;
        let (outbox, sent) = collecting();
        let run_id = runs
            .start(&text, Some(&path), request("replay.yaml"), outbox)
            .await
            .expect("the run starts");
        runs.settle().await;
        let messages = taken(&sent);
        assert!(
            matches!(&messages[0], RunMessage::Started { run_id: id, provider } if *id == run_id && provider == "scripted"),
            "{messages:?}"
        );
        let Some(RunMessage::Finished { result }) = messages.last() else {
            panic!("the run finishes: {messages:?}");
        };
        assert_eq!(result.status, RunStatus::Succeeded);
        assert_eq!(result.outputs[0].document, json!("a summary"));
        assert!(result.cost_usd.is_some_and(|c| c > 0.0), "{result:?}");
        let recorded = runs.get_run(&run_id).await.expect("the run is recorded");
        assert_eq!(recorded.listing.status, "succeeded");
        let streamed: Vec<RunEvent> = messages
            .iter()
            .filter_map(|m| match m {
                RunMessage::Events { events } => Some(events.clone()),
                _ => None,
            })
            .flatten()
            .collect();
        assert_eq!(recorded.events, streamed);
        let listed = runs.list(Some(&path), "t").await.expect("the history");
        assert_eq!(listed[0].run_id, run_id);
        assert_eq!(
            std::fs::read_to_string(&path).expect("the project"),
            text,
            "a run never writes the project"
        );
        assert!(
            matches!(runs.cancel(&run_id), Err(AppError::NoRun { .. })),
            "a finished run is no longer live"
        );
    }

    #[tokio::test]
    async fn a_run_that_cannot_start_says_why_on_the_channel_and_in_the_error() {
        let dir = tempfile::tempdir().expect("a folder");
        let (runs, text, path) = project(dir.path()).await;
        std::fs::write(dir.path().join("bad.yaml"), "replies: [[[").expect("a bad replay");
        let (outbox, sent) = collecting();
        let error = runs
            .start(&text, Some(&path), request("bad.yaml"), outbox)
            .await
            .expect_err("a malformed replay");
        assert_eq!(error.code(), "run");
        assert!(error.to_string().contains("bad.yaml"), "{error}");
        assert_eq!(
            shape(&taken(&sent)),
            [format!("failed: {error}")],
            "the channel says the same"
        );
        let (outbox, sent) = collecting();
        assert!(runs
            .start("{not json", None, request("replay.yaml"), outbox)
            .await
            .is_err());
        assert_eq!(taken(&sent).len(), 1);
    }

    /// The support-triage template in `dir`: its billing sample reaches BillingAgent, which
    /// asks to confirm a refund. Messages go to the returned receiver as they are sent.
    async fn triage(dir: &Path) -> (Arc<Runs>, String, String) {
        let templates = Path::new(env!("CARGO_MANIFEST_DIR")).join("../templates");
        crate::tree::copy_tree(&templates.join("support-triage"), dir);
        let path = dir.join("triage.strata.json");
        std::fs::copy(templates.join("support-triage.strata.json"), &path).expect("the project");
        let text = std::fs::read_to_string(&path).expect("the project");
        let store = Store::open(&dir.join("data")).await.expect("a store");
        (
            Arc::new(Runs::new(Ok(store))),
            text,
            path.display().to_string(),
        )
    }

    fn streaming() -> (Outbox, mpsc::UnboundedReceiver<RunMessage>) {
        let (tx, rx) = mpsc::unbounded_channel();
        (Arc::new(move |m| tx.send(m).is_ok()), rx)
    }

    fn billing() -> RunRequest {
        serde_json::from_value(json!({
            "flow": "triage",
            "input": {"kind": "sample", "name": "billing"},
            "provider": {"kind": "replay", "path": "replays/triage.yaml"},
        }))
        .expect("a request")
    }

    /// Reads messages until a pause; the pause.
    async fn until_paused(rx: &mut mpsc::UnboundedReceiver<RunMessage>) -> Pause {
        loop {
            match rx.recv().await.expect("the run goes on until it pauses") {
                RunMessage::Paused { pause } => return pause,
                RunMessage::Failed { message } => panic!("the run failed: {message}"),
                RunMessage::Finished { result } => panic!("the run ended unpaused: {result:?}"),
                RunMessage::Started { .. } | RunMessage::Events { .. } => {}
            }
        }
    }

    async fn until_finished(
        rx: &mut mpsc::UnboundedReceiver<RunMessage>,
    ) -> strata::session::protocol::RunResultSummary {
        loop {
            match rx.recv().await.expect("the run ends") {
                RunMessage::Finished { result } => return result,
                RunMessage::Failed { message } => panic!("the run failed: {message}"),
                RunMessage::Paused { pause } => panic!("an unexpected pause: {pause:?}"),
                RunMessage::Started { .. } | RunMessage::Events { .. } => {}
            }
        }
    }

    /// The billing sample started on the support-triage template in `dir`, until BillingAgent
    /// asks to confirm: (runs, the run's id, its messages from then on, the pause).
    async fn paused_billing(
        dir: &Path,
    ) -> (
        Arc<Runs>,
        String,
        mpsc::UnboundedReceiver<RunMessage>,
        Pause,
    ) {
        let (runs, text, path) = triage(dir).await;
        let (outbox, mut rx) = streaming();
        let run_id = runs
            .start(&text, Some(&path), billing(), outbox)
            .await
            .expect("the run starts");
        let pause = until_paused(&mut rx).await;
        (runs, run_id, rx, pause)
    }

    #[tokio::test]
    async fn an_agents_confirmation_pauses_the_run_until_the_page_answers() {
        let dir = tempfile::tempdir().expect("a folder");
        let (runs, run_id, mut rx, pause) = paused_billing(dir.path()).await;
        assert_eq!(pause.node, "Billing", "the flow's Agent node");
        let PauseKind::ReturnControl { payload } = &pause.kind else {
            panic!("a confirmation: {pause:?}");
        };
        let results: Vec<serde_json::Value> = payload["invocationInputs"]
            .as_array()
            .expect("the actions")
            .iter()
            .map(|i| {
                let f = &i["functionInvocationInput"];
                json!({"functionResult": {"actionGroup": f["actionGroup"],
                    "function": f["function"], "confirmationState": "CONFIRM"}})
            })
            .collect();
        runs.answer(
            &run_id,
            pause.id,
            PauseAnswer::Results {
                results: Some(results),
            },
        )
        .expect("the answer fits");
        let result = until_finished(&mut rx).await;
        assert_eq!(result.status, RunStatus::Succeeded, "{result:?}");
        assert!(result.outputs[0]
            .document
            .as_str()
            .is_some_and(|d| d.contains("RF-")));
    }

    #[tokio::test]
    async fn closing_the_window_cancels_a_paused_run_and_the_store_says_so() {
        let dir = tempfile::tempdir().expect("a folder");
        let (runs, run_id, mut rx, _) = paused_billing(dir.path()).await;
        runs.cancel_all(Duration::from_secs(60)).await;
        let result = until_finished(&mut rx).await;
        assert_eq!(result.status, RunStatus::Cancelled, "{result:?}");
        let recorded = runs.get_run(&run_id).await.expect("recorded");
        assert_eq!(recorded.listing.status, "cancelled");
    }

    #[tokio::test]
    async fn a_breakpoint_pauses_with_the_inputs_and_continue_finishes_the_run() {
        let dir = tempfile::tempdir().expect("a folder");
        let (runs, text, path) = project(dir.path()).await;
        let mut request = request("replay.yaml");
        request.debug.breakpoints = vec!["Summarise".to_owned()];
        let (outbox, mut rx) = streaming();
        let run_id = runs
            .start(&text, Some(&path), request, outbox)
            .await
            .expect("the run starts");
        let pause = until_paused(&mut rx).await;
        let PauseKind::Breakpoint { inputs } = &pause.kind else {
            panic!("a breakpoint: {pause:?}");
        };
        assert_eq!(
            (pause.node.as_str(), &inputs[0].content.document),
            ("Summarise", &json!("hi"))
        );
        assert!(runs
            .answer(&run_id, pause.id, PauseAnswer::Reply { text: None })
            .is_err());
        runs.answer(
            &run_id,
            pause.id,
            PauseAnswer::Continue {
                inputs: None,
                step: false,
            },
        )
        .expect("continue fits a breakpoint");
        let result = until_finished(&mut rx).await;
        assert_eq!(result.status, RunStatus::Succeeded, "{result:?}");
    }
}
