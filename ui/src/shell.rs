//! Every call from the page into the desktop shell, typed. Nothing else touches `__TAURI__`.

use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};
use serde_json::json;
use std::marker::PhantomData;
use strata::eval::protocol::EvalMessage;
use strata::session::protocol::{PauseAnswer, ProviderChoice, RunMessage};
use strata::session::ship::DeployMessage;
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;

#[wasm_bindgen]
extern "C" {
    #[wasm_bindgen(catch, js_namespace = ["window", "__TAURI__", "core"], js_name = invoke)]
    async fn tauri_invoke(cmd: &str, args: JsValue) -> Result<JsValue, JsValue>;

    #[wasm_bindgen(catch, js_namespace = ["window", "__TAURI__", "event"], js_name = listen)]
    async fn tauri_listen(
        event: &str,
        handler: &Closure<dyn FnMut(JsValue)>,
    ) -> Result<JsValue, JsValue>;
}

/// An error from the shell: `{code, message}`; the UI decides by `code`.
#[derive(Debug, Clone, PartialEq, Deserialize)]
pub struct ShellError {
    pub code: String,
    pub message: String,
}

/// A document as the shell hands it over.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Document {
    pub path: Option<String>,
    pub text: String,
}

/// A gallery card: a template or example, and its project's text for the thumbnail.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct GalleryCard {
    pub name: String,
    pub title: String,
    pub description: String,
    /// `template` or `example`.
    pub kind: String,
    pub node_kinds: Vec<String>,
    pub has_agents: bool,
    /// The flow the thumbnail draws.
    pub flow: Option<String>,
    pub project: String,
}

/// A recent file; one gone since is listed as missing.
#[derive(Debug, Clone, PartialEq, Deserialize)]
pub struct RecentFile {
    pub path: String,
    pub name: String,
    pub exists: bool,
}

async fn call<T: DeserializeOwned>(cmd: &str, args: serde_json::Value) -> Result<T, ShellError> {
    let js_args = js_sys::JSON::parse(&args.to_string()).unwrap_or(JsValue::NULL);
    call_js(cmd, js_args).await
}

/// A call whose arguments are already a JS value (one that holds a channel, say).
async fn call_js<T: DeserializeOwned>(cmd: &str, js_args: JsValue) -> Result<T, ShellError> {
    let to_text = |v: &JsValue| {
        js_sys::JSON::stringify(v)
            .ok()
            .and_then(|s| s.as_string())
            .unwrap_or_else(|| "null".to_owned())
    };
    match tauri_invoke(cmd, js_args).await {
        Ok(v) => serde_json::from_str(&to_text(&v)).map_err(|e| ShellError {
            code: "decode".to_owned(),
            message: format!("{cmd}: unexpected reply: {e}"),
        }),
        Err(e) => Err(
            serde_json::from_str(&to_text(&e)).unwrap_or_else(|_| ShellError {
                code: "shell".to_owned(),
                message: e.as_string().unwrap_or_else(|| to_text(&e)),
            }),
        ),
    }
}

pub async fn startup_document() -> Result<Option<String>, ShellError> {
    call("startup_document", json!({})).await
}

pub async fn open(path: &str) -> Result<Document, ShellError> {
    call("open", json!({ "path": path })).await
}

pub async fn save(path: &str, text: &str) -> Result<(), ShellError> {
    call("save", json!({ "path": path, "text": text })).await
}

pub async fn save_as(path: &str, text: &str) -> Result<(), ShellError> {
    call("save_as", json!({ "path": path, "text": text })).await
}

pub async fn new_from_template(name: &str) -> Result<Document, ShellError> {
    call("new_from_template", json!({ "name": name })).await
}

pub async fn recent_files() -> Result<Vec<String>, ShellError> {
    call("recent_files", json!({})).await
}

pub async fn autosave(document: &Document) -> Result<(), ShellError> {
    call("autosave", json!({ "document": document })).await
}

pub async fn recovery() -> Result<Option<Document>, ShellError> {
    call("recovery", json!({})).await
}

pub async fn discard_recovery() -> Result<(), ShellError> {
    call("discard_recovery", json!({})).await
}

/// The native file chooser (open, or save with `save`); `None` when cancelled.
pub async fn pick_path(save: bool, suggested: &str) -> Result<Option<String>, ShellError> {
    call("pick_path", json!({ "save": save, "suggested": suggested })).await
}

pub async fn set_title(title: &str) -> Result<(), ShellError> {
    call("set_title", json!({ "title": title })).await
}

/// Closes the window after the page has dealt with its unsaved changes; the shell drops the
/// recovery copy, since this is a clean quit.
pub async fn close_window() -> Result<(), ShellError> {
    call("close_window", json!({})).await
}

/// The desktop app's version, from its Cargo package.
pub async fn app_version() -> Result<String, ShellError> {
    call("app_version", json!({})).await
}

/// Whether the shell has a native menu that owns chords (outside it, the page owns them all).
pub async fn native_menu() -> bool {
    call::<bool>("native_menu", json!({}))
        .await
        .unwrap_or(false)
}

/// Calls `handler` with the payload of every `event` the shell sends. The closure lives as long
/// as the page.
async fn listen(event: &str, handler: impl FnMut(JsValue) + 'static) {
    let mut handler = handler;
    let closure = Closure::<dyn FnMut(JsValue)>::new(move |event: JsValue| {
        if let Ok(payload) = js_sys::Reflect::get(&event, &JsValue::from_str("payload")) {
            handler(payload);
        }
    });
    // Outside the desktop shell (a plain browser) there are no events to listen to.
    let _ = tauri_listen(event, &closure).await;
    closure.forget();
}

/// Calls `handler` with the action of every native menu item clicked.
pub async fn on_menu(handler: impl FnMut(strata::edit::Action) + 'static) {
    let mut handler = handler;
    listen("menu", move |payload| {
        if let Some(action) = payload
            .as_string()
            .and_then(|id| strata::edit::Action::from_id(&id))
        {
            handler(action);
        }
    })
    .await;
}

/// Calls `handler` when the user asks to close the window (its close button, File › Quit):
/// the shell waits for the page to deal with unsaved changes.
pub async fn on_close_requested(handler: impl FnMut() + 'static) {
    let mut handler = handler;
    listen("close-requested", move |_| handler()).await;
}

/// A Tauri `Channel` the shell streams messages of type `M` on (a run's or chat turn's, an
/// evaluation's, an apply's): each message goes to the handler given at creation, for as long
/// as this value lives. The one place that opens a channel on the JS side and decodes what it
/// carries.
pub struct Channel<M> {
    channel: JsValue,
    _handler: Closure<dyn FnMut(JsValue)>,
    _message: PhantomData<fn(M)>,
}

/// A stream of messages with a failure of its own, which can also say that one message could
/// not be read.
pub trait Stream: DeserializeOwned + 'static {
    fn unreadable(reason: String) -> Self;
}

impl Stream for RunMessage {
    fn unreadable(message: String) -> RunMessage {
        RunMessage::Failed { message }
    }
}

impl Stream for EvalMessage {
    fn unreadable(message: String) -> EvalMessage {
        EvalMessage::Failed { message }
    }
}

impl<M: DeserializeOwned + 'static> Channel<M> {
    /// A channel calling `handler` with each message; one that does not read as `M` goes to
    /// `unreadable` with the reason.
    pub fn new(handler: impl Fn(M) + 'static, unreadable: impl Fn(String) + 'static) -> Channel<M> {
        Channel::open(move |message| match message {
            Ok(message) => handler(message),
            Err(reason) => unreadable(reason),
        })
    }

    /// Decodes each message the shell sends and hands it to `deliver`. Outside the shell there
    /// is no Channel class: a plain object stands in and never receives anything.
    fn open(deliver: impl Fn(Result<M, String>) + 'static) -> Channel<M> {
        let handler = Closure::<dyn FnMut(JsValue)>::new(move |message: JsValue| {
            let text = js_sys::JSON::stringify(&message)
                .ok()
                .and_then(|s| s.as_string())
                .unwrap_or_default();
            deliver(
                serde_json::from_str(&text)
                    .map_err(|e| format!("the shell sent a message the page cannot read: {e}")),
            );
        });
        let channel = js_sys::Reflect::get(&js_sys::global(), &JsValue::from_str("__TAURI__"))
            .and_then(|t| js_sys::Reflect::get(&t, &JsValue::from_str("core")))
            .and_then(|c| js_sys::Reflect::get(&c, &JsValue::from_str("Channel")))
            .ok()
            .and_then(|class| class.dyn_into::<js_sys::Function>().ok())
            .and_then(|class| js_sys::Reflect::construct(&class, &js_sys::Array::new()).ok())
            .unwrap_or_else(|| js_sys::Object::new().into());
        let _ = js_sys::Reflect::set(
            &channel,
            &JsValue::from_str("onmessage"),
            handler.as_ref().unchecked_ref(),
        );
        Channel {
            channel,
            _handler: handler,
            _message: PhantomData,
        }
    }
}

impl<M: Stream> Channel<M> {
    /// A channel calling `handler` with each message; one that does not read as `M` reaches
    /// `handler` as the stream's own failure, naming the problem.
    pub fn reporting(handler: impl Fn(M) + 'static) -> Channel<M> {
        Channel::open(move |message| handler(message.unwrap_or_else(M::unreadable)))
    }
}

/// Starts a run of `request` on the project as the page holds it; messages arrive on
/// `channel`. Gives the run's id.
pub async fn run_start(
    project_text: &str,
    project_path: Option<&str>,
    request: &strata::session::protocol::RunRequest,
    channel: &Channel<RunMessage>,
) -> Result<String, ShellError> {
    let args = json!({
        "projectText": project_text,
        "projectPath": project_path,
        "request": request,
    });
    call_with_channel("run_start", args, channel).await
}

/// A call whose `onMessage` argument is `channel`.
async fn call_with_channel<T: DeserializeOwned, M>(
    cmd: &str,
    args: serde_json::Value,
    channel: &Channel<M>,
) -> Result<T, ShellError> {
    let js_args = js_sys::JSON::parse(&args.to_string()).unwrap_or(JsValue::NULL);
    // The channel is a live JS object, not JSON: Tauri serialises it into its id itself.
    let _ = js_sys::Reflect::set(&js_args, &JsValue::from_str("onMessage"), &channel.channel);
    call_js(cmd, js_args).await
}

/// Asks the shell to cancel a run; the run then ends with `Finished` (cancelled).
pub async fn run_cancel(run_id: &str) -> Result<(), ShellError> {
    call("run_cancel", json!({ "runId": run_id })).await
}

/// Answers a paused run (or chat turn).
pub async fn run_answer(
    run_id: &str,
    pause_id: u64,
    answer: &PauseAnswer,
) -> Result<(), ShellError> {
    call(
        "run_answer",
        json!({ "runId": run_id, "pauseId": pause_id, "answer": answer }),
    )
    .await
}

/// Starts a chat session with one of the project's agents; the chat id comes back.
pub async fn chat_start(
    project_text: &str,
    project_path: Option<&str>,
    agent: &str,
    provider: &ProviderChoice,
) -> Result<String, ShellError> {
    call(
        "chat_start",
        json!({ "projectText": project_text, "projectPath": project_path, "agent": agent, "provider": provider }),
    )
    .await
}

/// This project's runs from the run store, newest first.
pub async fn runs_list(
    project_path: Option<&str>,
    project_name: &str,
) -> Result<Vec<strata::session::protocol::RunListing>, ShellError> {
    call(
        "runs_list",
        json!({ "projectPath": project_path, "projectName": project_name }),
    )
    .await
}

/// Sends one message; the turn's steps, pauses and reply arrive on `channel`.
pub async fn chat_send(
    chat_id: &str,
    text: &str,
    channel: &Channel<RunMessage>,
) -> Result<(), ShellError> {
    call_with_channel(
        "chat_send",
        json!({ "chatId": chat_id, "text": text }),
        channel,
    )
    .await
}

/// Ends a chat session.
pub async fn chat_end(chat_id: &str) -> Result<(), ShellError> {
    call("chat_end", json!({ "chatId": chat_id })).await
}

/// One recorded run, whole: its listing, inputs and events.
pub async fn run_get(run_id: &str) -> Result<strata::session::protocol::RecordedRun, ShellError> {
    call("run_get", json!({ "runId": run_id })).await
}

/// The evaluation suites (`*.eval.yaml`) beside the project at `project_path`.
pub async fn eval_suites(
    project_path: Option<&str>,
) -> Result<Vec<strata::eval::protocol::SuiteListing>, ShellError> {
    call("eval_suites", json!({ "projectPath": project_path })).await
}

/// Starts an evaluation; its progress arrives on `channel`. Gives the evaluation's id.
pub async fn eval_start(
    request: &strata::eval::protocol::EvalRequest,
    channel: &Channel<EvalMessage>,
) -> Result<String, ShellError> {
    call_with_channel("eval_start", json!({ "request": request }), channel).await
}

/// Cancels an evaluation; it then ends with `Cancelled`.
pub async fn eval_cancel(evaluation_id: &str) -> Result<(), ShellError> {
    call("eval_cancel", json!({ "evaluationId": evaluation_id })).await
}

/// The versions and aliases of `flow` (the store knows the project by its name).
pub async fn versions_list(
    project_text: &str,
    flow: &str,
) -> Result<strata::lifecycle::FlowVersions, ShellError> {
    call(
        "versions_list",
        json!({ "projectText": project_text, "flow": flow }),
    )
    .await
}

/// Records `flow` as it is now as its next version.
pub async fn version_create(
    project_text: &str,
    flow: &str,
    description: &str,
) -> Result<strata::lifecycle::VersionOutcome, ShellError> {
    call(
        "version_create",
        json!({ "projectText": project_text, "flow": flow, "description": description }),
    )
    .await
}

/// Compares two sides of `flow` (recorded versions or the working copy).
pub async fn versions_compare(
    project_text: &str,
    flow: &str,
    older: strata::lifecycle::Side,
    newer: strata::lifecycle::Side,
) -> Result<strata::lifecycle::FlowDiff, ShellError> {
    call(
        "versions_compare",
        json!({ "projectText": project_text, "flow": flow, "older": older, "newer": newer }),
    )
    .await
}

/// Points alias `name` of `flow` at `version`, creating or moving it.
pub async fn alias_set(
    project_text: &str,
    flow: &str,
    name: &str,
    version: u32,
) -> Result<strata::lifecycle::AliasMove, ShellError> {
    call(
        "alias_set",
        json!({ "projectText": project_text, "flow": flow, "name": name, "version": version }),
    )
    .await
}

/// Points alias `name` of `flow` back at the version it pointed at before its last move.
pub async fn alias_rollback(
    project_text: &str,
    flow: &str,
    name: &str,
) -> Result<strata::lifecycle::AliasMove, ShellError> {
    call(
        "alias_rollback",
        json!({ "projectText": project_text, "flow": flow, "name": name }),
    )
    .await
}

/// Every template and example, for the gallery.
pub async fn gallery_list() -> Result<Vec<GalleryCard>, ShellError> {
    call("gallery_list", json!({})).await
}

/// The recent files, newest first.
pub async fn recent_list() -> Result<Vec<RecentFile>, ShellError> {
    call("recent_list", json!({})).await
}

// The export dialog and the deploy view.

/// Where an export is proposed: `file_name` in the project's folder (else the home folder).
pub async fn export_target_path(
    project_path: Option<&str>,
    file_name: &str,
) -> Result<String, ShellError> {
    call(
        "export_target_path",
        json!({ "projectPath": project_path, "fileName": file_name }),
    )
    .await
}

/// Writes an export atomically; an existing file is replaced only with `replace` (else the
/// error's code is `exists`).
pub async fn export_save(path: &str, text: &str, replace: bool) -> Result<(), ShellError> {
    call(
        "export_save",
        json!({ "path": path, "text": text, "replace": replace }),
    )
    .await
}

/// cfn-lint's findings on a template (or that it is not installed).
pub async fn export_lint(
    text: &str,
    json: bool,
) -> Result<strata::session::ship::LintReport, ShellError> {
    call("export_lint", json!({ "text": text, "json": json })).await
}

/// The system's save dialog for an export; `None` when cancelled.
pub async fn export_pick_path(suggested: &str) -> Result<Option<String>, ShellError> {
    call("export_pick_path", json!({ "suggested": suggested })).await
}

/// The dry-run plan of a deploy of the project as the page holds it.
pub async fn deploy_plan(
    request: &strata::session::ship::DeployRequest,
    project_text: &str,
) -> Result<strata::session::ship::PlanView, ShellError> {
    call(
        "deploy_plan",
        json!({ "request": request, "projectText": project_text }),
    )
    .await
}

/// Applies the plan shown (`plan_id`); its steps and its end arrive on `channel`.
pub async fn deploy_apply(
    plan_id: u64,
    channel: &Channel<DeployMessage>,
) -> Result<(), ShellError> {
    call_with_channel("deploy_apply", json!({ "planId": plan_id }), channel).await
}

/// Stops the apply going on; it ends with a `cancelled` message saying what was done.
pub async fn deploy_cancel() -> Result<(), ShellError> {
    call("deploy_cancel", json!({})).await
}

/// Every flow's recorded versions and aliases, which a CloudFormation export carries.
pub async fn versions_history(project_text: &str) -> Result<strata::export::History, ShellError> {
    call("versions_history", json!({ "projectText": project_text })).await
}
