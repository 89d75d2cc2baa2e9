//! What a test sends the page as a person or the shell would: key presses, and messages on the
//! channels the page opens (through a stub `Channel` class that keeps each one).

use serde_json::Value;

/// The stub's `Channel` class: each channel the page makes is kept in `window.__CHANNELS__`,
/// and serialises as Tauri's does.
pub fn install_channel_stub() {
    js_sys::eval(
        r#"
        window.__CHANNELS__ = [];
        window.__TAURI__.core.Channel = class {
          constructor() { this.id = window.__CHANNELS__.length; window.__CHANNELS__.push(this); }
          toJSON() { return "__CHANNEL__:" + this.id; }
        };
        "#,
    )
    .expect("the channel stub installs");
}

/// Sends `messages` (one message, or an array of them in one go, as the shell does in a burst)
/// on the page's last channel.
pub fn send(messages: &Value) {
    js_sys::eval(&format!(
        "for (const m of [].concat({messages})) window.__CHANNELS__.at(-1).onmessage(m);"
    ))
    .expect("messages sent");
}

/// A `keydown` of `key`, with Ctrl held when `ctrl`, that bubbles.
pub fn keydown(key: &str, ctrl: bool) -> web_sys::KeyboardEvent {
    let init = web_sys::KeyboardEventInit::new();
    init.set_key(key);
    init.set_ctrl_key(ctrl);
    init.set_bubbles(true);
    web_sys::KeyboardEvent::new_with_keyboard_event_init_dict("keydown", &init).expect("event")
}
