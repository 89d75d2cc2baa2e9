// Loads the editor's wasm module (a separate file so the page needs no inline script). The
// module compiles while it streams in; the marks time the start-up (src-tauri/benches/app.rs
// reads them): the response's arrival, the module compiled, the page mounted. A module that
// cannot start says why on the page instead of leaving the window blank.
import init from "./strata_ui.js";
performance.mark("strata-boot");
const response = fetch(new URL("strata_ui_bg.wasm", import.meta.url));
response.then(() => performance.mark("strata-fetched"));
const compiled = WebAssembly.compileStreaming(response);
compiled.then(() => performance.mark("strata-compiled"));
init({ module_or_path: compiled })
  .then(() => performance.mark("strata-ready"))
  .catch((error) => {
    const message = document.createElement("p");
    message.id = "boot-error";
    message.textContent = `The editor could not start: ${error}`;
    document.body.replaceChildren(message);
    console.error(error);
  });
