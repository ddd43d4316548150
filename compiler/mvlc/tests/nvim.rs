//! Neovim's built-in LSP client as the test client: `tests/nvim/session.lua`
//! drives `mvlc lsp` headless over `tests/nvim/*.mvl` (diagnostics, hover,
//! definition across files, completion after `.`, references and rename
//! across files, a fix clearing its diagnostic, a module's edit reaching
//! its importer). Skipped, saying so, only when `nvim` is not installed
//! (`.ci/run` installs it).

use libtest_mimic::{Arguments, Failed, Trial};
use std::path::Path;
use std::process::Command;

fn main() {
    let args = Arguments::from_args();
    let installed = Command::new("nvim").arg("--version").output().is_ok();
    if !installed {
        // Printed by the harness itself, so it shows whatever the capture.
        println!(
            "nvim is not installed: the Neovim session is skipped (Debian: apt-get install neovim)"
        );
    }
    let trial = Trial::test("neovim_session", neovim_session).with_ignored_flag(!installed);
    libtest_mimic::run(&args, vec![trial]).exit();
}

fn neovim_session() -> Result<(), Failed> {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/nvim");
    let dir = std::env::temp_dir().join(format!("mvlc-nvim-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).map_err(|e| Failed::from(e.to_string()))?;
    for f in ["main.mvl", "geometry.mvl"] {
        std::fs::copy(src.join(f), dir.join(f)).map_err(|e| Failed::from(e.to_string()))?;
    }
    let out = Command::new("nvim")
        .args(["--headless", "-n", "-i", "NONE", "-u", "NONE", "-c"])
        .arg(format!("luafile {}", src.join("session.lua").display()))
        .env("MVLC", env!("CARGO_BIN_EXE_mvlc"))
        .env("DIR", &dir)
        .current_dir(&dir)
        .output()
        .map_err(|e| Failed::from(format!("nvim does not run: {e}")))?;
    let _ = std::fs::remove_dir_all(&dir);
    let stdout = String::from_utf8_lossy(&out.stdout);
    let stderr = String::from_utf8_lossy(&out.stderr);
    if out.status.success() && stdout.contains("ok: an edit in geometry.mvl shows in main.mvl") {
        return Ok(());
    }
    Err(Failed::from(format!(
        "the Neovim session failed ({}):\n{stdout}\n{stderr}",
        out.status
    )))
}
