//! How WebKitGTK paints the window. With no GPU to draw on (no DRM render node: a virtual
//! machine, a remote desktop, Xvfb on a server) WebKit's GPU painting (Skia on OpenGL) runs on
//! Mesa's software OpenGL, and a frame that changes anything takes longer than a frame: each
//! keystroke in an inspector field delayed the next frame by one to two frames
//! (docs/PERFORMANCE.md, "Editor at scale and the app's start-up"). WebKit's CPU painting is
//! the faster path there, so the app asks for it before WebKit starts, unless the user chose.

/// WebKit's switch to paint with the CPU (read by its web process, which inherits it).
#[cfg(target_os = "linux")]
const CPU_PAINTING: &str = "WEBKIT_SKIA_ENABLE_CPU_RENDERING";

/// Asks WebKit to paint with the CPU when there is no GPU. Call first thing in `main`, before
/// any thread starts: it sets an environment variable.
pub fn paint_with_cpu_without_gpu() {
    #[cfg(target_os = "linux")]
    if std::env::var_os(CPU_PAINTING).is_none()
        && !has_render_node(std::path::Path::new("/dev/dri"))
    {
        std::env::set_var(CPU_PAINTING, "1");
    }
}

/// Whether `dri` (the DRM device folder) holds a render node, which a GPU driver provides.
#[cfg(target_os = "linux")]
fn has_render_node(dri: &std::path::Path) -> bool {
    std::fs::read_dir(dri).is_ok_and(|entries| {
        entries
            .flatten()
            .any(|e| e.file_name().to_string_lossy().starts_with("renderD"))
    })
}

#[cfg(all(test, target_os = "linux"))]
mod tests {
    use super::has_render_node;

    #[test]
    fn a_render_node_means_a_gpu() {
        let dir = tempfile::tempdir().expect("a temporary folder");
        assert!(!has_render_node(&dir.path().join("missing")));
        std::fs::write(dir.path().join("card0"), "").expect("a file");
        assert!(!has_render_node(dir.path()));
        std::fs::write(dir.path().join("renderD128"), "").expect("a file");
        assert!(has_render_node(dir.path()));
    }
}
