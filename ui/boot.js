// Loads the editor's wasm module (a separate file so the page needs no inline script).
import init from "./strata_ui.js";
init();
