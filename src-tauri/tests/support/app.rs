//! Drives the real desktop app for the end-to-end tests: tauri-driver → WebKitWebDriver → the
//! Strata window, with a private Xvfb when there is no `DISPLAY`. Every `e2e*.rs` test uses it.
#![allow(dead_code)] // each test binary uses a different part

use fantoccini::actions::{InputSource, MouseActions, PointerAction, MOUSE_BUTTON_LEFT};
use fantoccini::{Client, ClientBuilder, Locator};
use serde_json::{json, Value};
use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// Stops a child process with SIGTERM when dropped (SIGKILL would leave WebKitWebDriver
/// holding the test's output open).
pub struct Terminate(pub Child);

impl Drop for Terminate {
    fn drop(&mut self) {
        let _ = Command::new("kill")
            .args(["-TERM", &self.0.id().to_string()])
            .status();
        let deadline = Instant::now() + Duration::from_secs(5);
        while Instant::now() < deadline {
            if let Ok(Some(_)) = self.0.try_wait() {
                return;
            }
            std::thread::sleep(Duration::from_millis(50));
        }
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

pub fn require(tool: &str) -> PathBuf {
    let found = std::env::var_os("PATH").and_then(|paths| {
        std::env::split_paths(&paths)
            .map(|d| d.join(tool))
            .find(|p| p.is_file())
    });
    found.unwrap_or_else(|| {
        panic!("the end-to-end test needs `{tool}` on PATH; run scripts/setup-desktop.sh to install the desktop test stack")
    })
}

pub fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .expect("a free local port")
}

/// The display to use: `DISPLAY` if set, else a private Xvfb started here.
pub fn display() -> (String, Option<Terminate>) {
    if let Some(d) = std::env::var_os("DISPLAY").filter(|d| !d.is_empty()) {
        return (d.to_string_lossy().into_owned(), None);
    }
    let xvfb = require("Xvfb");
    let n = (90..200)
        .find(|n| {
            !Path::new(&format!("/tmp/.X11-unix/X{n}")).exists()
                && !Path::new(&format!("/tmp/.X{n}-lock")).exists()
        })
        .expect("a free X display number");
    let child = Command::new(xvfb)
        .args([
            format!(":{n}"),
            "-screen".into(),
            "0".into(),
            "1280x800x24".into(),
            "-nolisten".into(),
            "tcp".into(),
        ])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("Xvfb starts");
    let guard = Terminate(child);
    let deadline = Instant::now() + Duration::from_secs(10);
    while !Path::new(&format!("/tmp/.X11-unix/X{n}")).exists() {
        assert!(
            Instant::now() < deadline,
            "Xvfb :{n} did not come up within 10 s"
        );
        std::thread::sleep(Duration::from_millis(50));
    }
    (format!(":{n}"), Some(guard))
}

pub struct App {
    pub client: Client,
}

impl App {
    pub async fn js(&self, script: &str, args: Vec<Value>) -> Value {
        self.client
            .execute(script, args)
            .await
            .unwrap_or_else(|e| panic!("script failed: {e}\n{script}"))
    }

    /// Polls a JavaScript expression until it is true; says what was awaited if it never is.
    pub async fn until(&self, expr: &str, what: &str) {
        let deadline = Instant::now() + Duration::from_secs(20);
        loop {
            if self.js(&format!("return !!({expr});"), vec![]).await == json!(true) {
                return;
            }
            if Instant::now() > deadline {
                let state = self
                    .js(
                        "return {status: document.getElementById('status')?.textContent, \
                         problems: [...document.querySelectorAll('.problem')].map(p => p.textContent), \
                         run: ['run-error', 'run-form-error', 'run-totals', 'pause-error'] \
                           .map(id => document.getElementById(id)?.textContent).filter(t => t)};",
                        vec![],
                    )
                    .await;
                panic!("timed out waiting for {what} ({expr}); page state: {state:#}");
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }

    /// Waits for an element `css` to be on the page.
    pub async fn until_shown(&self, css: &str, what: &str) {
        self.until(&format!("document.querySelector({css:?})"), what)
            .await;
    }

    /// Waits for the element `css` to hold `text`.
    pub async fn until_text_has(&self, css: &str, text: &str, what: &str) {
        let expr = format!("document.querySelector({css:?})?.textContent.includes({text:?})");
        self.until(&expr, what).await;
    }

    /// Waits for exactly `n` elements `css`.
    pub async fn until_count(&self, css: &str, n: usize, what: &str) {
        let expr = format!("document.querySelectorAll({css:?}).length === {n}");
        self.until(&expr, what).await;
    }

    pub async fn click(&self, css: &str) {
        self.client
            .wait()
            .at_most(Duration::from_secs(20))
            .for_element(Locator::Css(css))
            .await
            .unwrap_or_else(|e| panic!("no element {css}: {e}"))
            .click()
            .await
            .unwrap_or_else(|e| panic!("cannot click {css}: {e}"));
    }

    /// Presses the mouse on one element and releases it on another, as a user drags.
    pub async fn drag(&self, from: &str, to: &str) {
        let a = self
            .client
            .find(Locator::Css(from))
            .await
            .unwrap_or_else(|e| panic!("no {from}: {e}"));
        let b = self
            .client
            .find(Locator::Css(to))
            .await
            .unwrap_or_else(|e| panic!("no {to}: {e}"));
        let actions = MouseActions::new("mouse".to_owned())
            .then(PointerAction::MoveToElement {
                element: a,
                duration: None,
                x: 0.0,
                y: 0.0,
            })
            .then(PointerAction::Down {
                button: MOUSE_BUTTON_LEFT,
            })
            .then(PointerAction::MoveToElement {
                element: b,
                duration: Some(Duration::from_millis(150)),
                x: 0.0,
                y: 0.0,
            })
            .then(PointerAction::Up {
                button: MOUSE_BUTTON_LEFT,
            });
        self.client
            .perform_actions(actions)
            .await
            .expect("pointer actions");
        self.client
            .release_actions()
            .await
            .expect("release actions");
    }

    /// Types a value into a field and commits it the way a blur does (a `change` event).
    pub async fn set_field(&self, css: &str, value: &str) {
        self.until_shown(css, css).await;
        self.js(
            "const e = document.querySelector(arguments[0]); e.focus(); e.value = arguments[1]; \
             e.dispatchEvent(new Event('input', {bubbles: true})); \
             e.dispatchEvent(new Event('change', {bubbles: true}));",
            vec![json!(css), json!(value)],
        )
        .await;
    }

    /// Saves the window's picture under the test's temporary folder, for people to look at.
    pub async fn screenshot(&self, name: &str) {
        if let Ok(png) = self.client.screenshot().await {
            let _ = std::fs::write(Path::new(env!("CARGO_TARGET_TMPDIR")).join(name), png);
        }
    }

    /// Saves with the toolbar's button and waits for the status to say so.
    pub async fn save(&self) {
        self.click("#save").await;
        self.until(
            "document.getElementById('status').textContent.startsWith('Saved')",
            "the save",
        )
        .await;
    }

    /// Answers the open dialog (a path, a name) with `text` and confirms it.
    pub async fn answer_dialog(&self, text: &str) {
        self.set_field("#dialog-path", text).await;
        self.click("#dialog-ok").await;
    }

    /// Runs sample `input` from the run panel on the recording it proposes, which must be
    /// `replay` (a template's `replays/<flow>.yaml`).
    pub async fn run_replay(&self, input: &str, replay: &str) {
        self.choose("#run-input", input).await;
        self.choose("#run-provider", "replay").await;
        self.until(
            &format!("document.querySelector('#run-replay').value === {replay:?}"),
            "the replay file proposed",
        )
        .await;
        self.click("#run").await;
    }

    /// The value of a JavaScript expression.
    pub async fn read(&self, expr: &str) -> Value {
        self.js(&format!("return {expr};"), vec![]).await
    }

    /// The text of the element `css` (empty when there is none).
    pub async fn text(&self, css: &str) -> String {
        self.js(
            "return document.querySelector(arguments[0])?.textContent ?? '';",
            vec![json!(css)],
        )
        .await
        .as_str()
        .unwrap_or_default()
        .to_owned()
    }

    /// Waits for node `name` on the canvas (the project has opened).
    pub async fn until_node(&self, name: &str) {
        self.until(
            &format!("document.querySelector('g.node[data-node=\"{name}\"]')"),
            &format!("node {name} on the canvas"),
        )
        .await;
    }

    /// Waits for node `name` to leave the canvas.
    pub async fn until_node_gone(&self, name: &str, what: &str) {
        self.until(
            &format!("!document.querySelector('g.node[data-node=\"{name}\"]')"),
            what,
        )
        .await;
    }

    /// Selects node `name` by clicking its title, as a person does.
    pub async fn select_node(&self, name: &str) {
        self.click(&format!("g.node[data-node=\"{name}\"] text.title"))
            .await;
    }

    /// Waits for node `name` to show the run state `state` (`done`, `skipped`, `paused`, …).
    pub async fn until_node_run(&self, name: &str, state: &str) {
        self.until(
            &format!(
                "document.querySelector('g.node[data-node=\"{name}\"]')?.dataset.run === '{state}'"
            ),
            &format!("{name} {state}"),
        )
        .await;
    }

    /// Waits for the run panel's run to end `state` (`succeeded`, `failed`, …).
    pub async fn until_run_end(&self, state: &str) {
        self.until(
            &format!("document.querySelector('#run-totals[data-state=\"{state}\"]')"),
            &format!("the run to end {state}"),
        )
        .await;
    }

    /// Chooses `value` in the select `css` once it offers it, as a user does (a `change` event).
    pub async fn choose(&self, css: &str, value: &str) {
        self.until(
            &format!("document.querySelector({css:?}) && [...document.querySelector({css:?}).options].some(o => o.value === {value:?})"),
            &format!("{value} among {css}"),
        )
        .await;
        self.js(
            "const s = document.querySelector(arguments[0]); s.value = arguments[1]; \
             s.dispatchEvent(new Event('change', {bubbles: true}));",
            vec![json!(css), json!(value)],
        )
        .await;
    }

    /// Types `value` into the field `css` without committing it (an `input` event only).
    pub async fn type_into(&self, css: &str, value: &str) {
        self.js(
            "const e = document.querySelector(arguments[0]); e.value = arguments[1]; \
             e.dispatchEvent(new Event('input', {bubbles: true}));",
            vec![json!(css), json!(value)],
        )
        .await;
    }

    /// Presses `key` with Ctrl on the page (a chord the page owns).
    pub async fn ctrl(&self, key: &str) {
        self.js(
            "document.body.dispatchEvent(new KeyboardEvent('keydown', {key: arguments[0], ctrlKey: true, bubbles: true}));",
            vec![json!(key)],
        )
        .await;
    }

    /// Attribute `name` of the element `css` (empty when either is missing).
    pub async fn attr(&self, css: &str, name: &str) -> String {
        self.js(
            "return document.querySelector(arguments[0])?.getAttribute(arguments[1]) ?? '';",
            vec![json!(css), json!(name)],
        )
        .await
        .as_str()
        .unwrap_or_default()
        .to_owned()
    }

    /// Waits until the window has painted what the page holds now (two animation frames): an X
    /// screenshot taken right after a change can show an older frame.
    pub async fn painted(&self) {
        self.client
            .execute_async(
                "const done = arguments[arguments.length - 1]; \
                 requestAnimationFrame(() => requestAnimationFrame(() => done(true)));",
                vec![],
            )
            .await
            .expect("two frames");
    }

    /// Keeps the window's picture for the README (`docs/screenshots/` takes the good ones): the
    /// X display's own frame when ImageMagick's `import` is there (WebKit's WebDriver screenshot
    /// can show a frame from before the last changes), else the WebDriver one.
    pub async fn keep_screenshot(&self, name: &str) {
        let out = Path::new(env!("CARGO_TARGET_TMPDIR")).join(name);
        let display = std::env::var("DISPLAY").unwrap_or_default();
        let taken = !display.is_empty()
            && Command::new("import")
                .args(["-display", &display, "-window", "root"])
                .arg(&out)
                .status()
                .is_ok_and(|s| s.success());
        if !taken {
            self.screenshot(name).await;
        }
    }

    /// Waits for the title's unsaved mark (`● `) to show, or with `unsaved` false to go.
    pub async fn until_unsaved(&self, unsaved: bool, what: &str) {
        let marked = "document.title.startsWith('● ')";
        let expr = if unsaved {
            marked.to_owned()
        } else {
            format!("!{marked}")
        };
        self.until(&expr, what).await;
    }

    /// Waits for the problems panel to list a problem `code` about node `node`.
    pub async fn until_problem(&self, code: &str, node: &str, what: &str) {
        self.until(
            &format!(
                "document.querySelector('li.problem[data-code=\"{code}\"][data-node=\"{node}\"]')"
            ),
            what,
        )
        .await;
    }

    // The export dialog

    /// Waits for the export dialog's cfn-lint answer and gives it (`clean`, `findings`,
    /// `missing` or `failed`).
    pub async fn lint_answer(&self) -> String {
        self.until(
            "['clean', 'findings', 'missing', 'failed'].includes(document.querySelector('#export-lint')?.dataset.state)",
            "cfn-lint's answer",
        )
        .await;
        self.attr("#export-lint", "data-state").await
    }

    /// Confirms the export dialog (or the question to replace the file, `#export-replace-ok`)
    /// and waits for the file to be written.
    pub async fn write_export(&self, button: &str, what: &str) {
        self.click(button).await;
        self.until_shown("#export-written", what).await;
    }

    // The deploy view

    /// Opens the deploy view from the toolbar.
    pub async fn open_deploy(&self) {
        self.click("#deploy").await;
        self.until_shown("#deploy-view", "the deploy view").await;
    }

    /// Runs a dry run and waits until `expr` holds of the plan shown.
    pub async fn dry_run_until(&self, expr: &str, what: &str) {
        self.click("#deploy-dry-run").await;
        self.until(expr, what).await;
    }

    /// Runs a dry run and waits for the plan's `rows` rows.
    pub async fn dry_run(&self, rows: usize) {
        self.click("#deploy-dry-run").await;
        self.until_count(".plan-row", rows, "the plan's rows").await;
    }

    /// Runs a dry run and waits for it to find nothing to change.
    pub async fn dry_run_unchanged(&self) {
        let expr = "document.querySelector('.plan-summary')?.textContent === 'Nothing to change.'";
        self.dry_run_until(expr, "an unchanged plan").await;
    }

    /// Waits for the deploy under way to end and gives its result line.
    pub async fn deploy_result(&self) -> String {
        self.until_shown("#deploy-result", "the deploy to end")
            .await;
        self.text("#deploy-result").await
    }

    /// Applies the plan and waits for the deploy to end well.
    pub async fn apply_plan(&self) {
        self.click("#deploy-apply").await;
        let result = self.deploy_result().await;
        assert_eq!(
            self.attr("#deploy-result", "data-ok").await,
            "true",
            "{result}"
        );
    }

    /// The plan rows' attribute `name` (`data-action`, `data-status`, …), in order.
    pub async fn plan_rows(&self, name: &str) -> Value {
        self.js(
            "return [...document.querySelectorAll('.plan-row')].map(r => r.getAttribute(arguments[0]));",
            vec![json!(name)],
        )
        .await
    }

    pub async fn count(&self, css: &str) -> u64 {
        self.js(
            "return document.querySelectorAll(arguments[0]).length;",
            vec![json!(css)],
        )
        .await
        .as_u64()
        .unwrap_or(0)
    }
}

/// Starts tauri-driver on free ports and opens a WebDriver session on the app with `file`.
pub async fn start_session(
    driver_bin: &Path,
    display: &str,
    dir: &Path,
    app_bin: &Path,
    file: &Path,
) -> Result<(fantoccini::Client, Terminate), String> {
    start_session_with(driver_bin, display, dir, app_bin, file, &[]).await
}

/// [`start_session`] with more environment for the app (tauri-driver passes its own on).
pub async fn start_session_with(
    driver_bin: &Path,
    display: &str,
    dir: &Path,
    app_bin: &Path,
    file: &Path,
    env: &[(&str, &str)],
) -> Result<(fantoccini::Client, Terminate), String> {
    let (port, native) = (free_port(), free_port());
    let driver = Command::new(driver_bin)
        .envs(env.iter().copied())
        .args([
            "--port",
            &port.to_string(),
            "--native-port",
            &native.to_string(),
        ])
        .env("DISPLAY", display)
        .env("STRATA_APP_DIR", dir.join("app-data"))
        // The app's run store: the test's own, never the user's.
        .env("STRATA_DATA_DIR", dir.join("app-data").join("runs"))
        .stdout(Stdio::null())
        .stderr(Stdio::inherit())
        .spawn()
        .expect("tauri-driver starts");
    let driver = Terminate(driver);
    let deadline = Instant::now() + Duration::from_secs(20);
    while std::net::TcpStream::connect(("127.0.0.1", port)).is_err() {
        assert!(
            Instant::now() < deadline,
            "tauri-driver did not listen on {port}"
        );
        std::thread::sleep(Duration::from_millis(100));
    }
    let mut caps = serde_json::Map::new();
    caps.insert("browserName".into(), json!("wry"));
    caps.insert(
        "tauri:options".into(),
        json!({"application": app_bin, "args": [file.display().to_string()]}),
    );
    let client = ClientBuilder::native()
        .capabilities(caps)
        .connect(&format!("http://127.0.0.1:{port}"))
        .await
        .map_err(|e| e.to_string())?;
    Ok((client, driver))
}

/// A running app under WebDriver, with everything that must live as long as it.
pub struct Launched {
    pub app: App,
    _driver: Terminate,
    _xvfb: Option<Terminate>,
}

impl Launched {
    /// Ends the WebDriver session, which closes the window.
    pub async fn close(self) {
        self.app.client.close().await.expect("the session closes");
    }
}

/// Opens the built desktop app on `file` under tauri-driver, with its app data in `dir`.
/// The first WebKit launch on a fresh machine (font caches, the web process) can drop the
/// new-session request; a new driver and session are tried, three times at most.
pub async fn launch(dir: &Path, file: &Path) -> Launched {
    launch_with(dir, file, &[]).await
}

/// [`launch`] with more environment for the app.
pub async fn launch_with(dir: &Path, file: &Path, env: &[(&str, &str)]) -> Launched {
    let driver_bin = require("tauri-driver");
    require("WebKitWebDriver");
    let app_bin = PathBuf::from(env!("CARGO_BIN_EXE_strata-app"));
    let (display, xvfb) = display();
    let mut attempt = 0;
    loop {
        attempt += 1;
        match start_session_with(&driver_bin, &display, dir, &app_bin, file, env).await {
            Ok((client, driver)) => {
                return Launched {
                    app: App { client },
                    _driver: driver,
                    _xvfb: xvfb,
                }
            }
            Err(e) if attempt < 3 => eprintln!("WebDriver session, attempt {attempt}: {e}"),
            Err(e) => panic!("a WebDriver session on the Strata window: {e}"),
        }
    }
}
