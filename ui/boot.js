// Loads the editor's wasm module (a separate file so the page needs no inline script).
// The marks time the start-up (scripts/measure-editor.sh reads them).
import init from "./strata_ui.js";
performance.mark("strata-boot");
init().then(() => performance.mark("strata-ready"));
