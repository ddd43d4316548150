//! The line editor of an interactive `mvlc repl` (reedline): Emacs key
//! bindings, history kept in the user's data folder, a continuation prompt
//! while an entry is unfinished ([`crate::repl::is_complete`]), keywords
//! and literals highlighted by the lexer, and completion of the names the
//! session knows. Ctrl-C while a computation runs interrupts it (the
//! session stays); at the prompt it cancels the input; Ctrl-D leaves.

use nu_ansi_term::{Color, Style};
use reedline::{
    default_emacs_keybindings, ColumnarMenu, Completer, Emacs, FileBackedHistory, Highlighter,
    KeyCode, KeyModifiers, MenuBuilder, Prompt, PromptEditMode, PromptHistorySearch, Reedline,
    ReedlineEvent, ReedlineMenu, Signal, Span, StyledText, Suggestion, ValidationResult, Validator,
};
use std::borrow::Cow;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};

/// What the editor needs to know of the session: the names to complete.
pub type Names = Arc<Mutex<Vec<String>>>;

struct Complete;

impl Validator for Complete {
    fn validate(&self, line: &str) -> ValidationResult {
        if line.trim_start().starts_with(':') || crate::repl::is_complete(line) {
            ValidationResult::Complete
        } else {
            ValidationResult::Incomplete
        }
    }
}

struct Lexed;

impl Highlighter for Lexed {
    fn highlight(&self, line: &str, _cursor: usize) -> StyledText {
        use mvl_syntax::lexer::Tok;
        let mut out = StyledText::new();
        let (tokens, _) = mvl_syntax::lexer::lex(line);
        let mut at = 0;
        for (start, t, end) in tokens {
            if start < at || end > line.len() || start > end {
                continue;
            }
            out.push((Style::new(), line[at..start].to_string()));
            let style = match t {
                Tok::Fn
                | Tok::Let
                | Tok::Var
                | Tok::If
                | Tok::Else
                | Tok::While
                | Tok::For
                | Tok::In
                | Tok::Loop
                | Tok::Break
                | Tok::Continue
                | Tok::Return
                | Tok::Match
                | Tok::Struct
                | Tok::Enum
                | Tok::Impl
                | Tok::Import
                | Tok::Const => Style::new().fg(Color::Magenta).bold(),
                Tok::Int(_) | Tok::Float(_) | Tok::True | Tok::False => {
                    Style::new().fg(Color::Cyan)
                }
                Tok::Str(_) | Tok::StrStart(_) | Tok::StrMid(_) | Tok::StrEnd(_) => {
                    Style::new().fg(Color::Green)
                }
                _ => Style::new(),
            };
            out.push((style, line[start..end].to_string()));
            at = end;
        }
        out.push((Style::new(), line[at..].to_string()));
        out
    }
}

struct Known(Names);

impl Completer for Known {
    fn complete(&mut self, line: &str, pos: usize) -> Vec<Suggestion> {
        let pos = pos.min(line.len());
        let start = line[..pos]
            .rfind(|c: char| !(c.is_alphanumeric() || c == '_' || c == ':'))
            .map_or(0, |i| i + 1);
        let word = &line[start..pos];
        if word.is_empty() {
            return Vec::new();
        }
        let names = self.0.lock().map(|n| n.clone()).unwrap_or_default();
        names
            .into_iter()
            .filter(|n| n.starts_with(word) && n != word)
            .map(|value| Suggestion {
                value,
                span: Span::new(start, pos),
                append_whitespace: false,
                ..Suggestion::default()
            })
            .collect()
    }
}

struct Prompts;

impl Prompt for Prompts {
    fn render_prompt_left(&self) -> Cow<'_, str> {
        Cow::Borrowed("")
    }
    fn render_prompt_right(&self) -> Cow<'_, str> {
        Cow::Borrowed("")
    }
    fn render_prompt_indicator(&self, _mode: PromptEditMode) -> Cow<'_, str> {
        Cow::Borrowed("> ")
    }
    fn render_prompt_multiline_indicator(&self) -> Cow<'_, str> {
        Cow::Borrowed("... ")
    }
    fn render_prompt_history_search_indicator(&self, search: PromptHistorySearch) -> Cow<'_, str> {
        Cow::Owned(format!("(search: {}) ", search.term))
    }
}

/// The history file: `$XDG_DATA_HOME/mvl/repl_history`, or
/// `~/.local/share/mvl/repl_history`.
fn history_path() -> Option<std::path::PathBuf> {
    let base = std::env::var_os("XDG_DATA_HOME")
        .filter(|d| !d.is_empty())
        .map(std::path::PathBuf::from)
        .or_else(|| {
            std::env::var_os("HOME").map(|h| std::path::PathBuf::from(h).join(".local/share"))
        })?;
    let dir = base.join("mvl");
    std::fs::create_dir_all(&dir).ok()?;
    Some(dir.join("repl_history"))
}

/// The editor, and the flag Ctrl-C sets while a computation runs.
pub struct Editor {
    line: Reedline,
    pub interrupt: Arc<AtomicBool>,
}

/// What one read gave.
pub enum Read {
    Entry(String),
    Cancelled,
    End,
}

impl Editor {
    pub fn new(names: Names) -> Editor {
        let mut keys = default_emacs_keybindings();
        keys.add_binding(
            KeyModifiers::NONE,
            KeyCode::Tab,
            ReedlineEvent::UntilFound(vec![
                ReedlineEvent::Menu("completion".to_string()),
                ReedlineEvent::MenuNext,
            ]),
        );
        let menu = ColumnarMenu::default().with_name("completion");
        let mut line = Reedline::create()
            .with_edit_mode(Box::new(Emacs::new(keys)))
            .with_validator(Box::new(Complete))
            .with_highlighter(Box::new(Lexed))
            .with_completer(Box::new(Known(names)))
            .with_menu(ReedlineMenu::EngineCompleter(Box::new(menu)));
        if let Some(history) =
            history_path().and_then(|p| FileBackedHistory::with_file(1000, p).ok())
        {
            line = line.with_history(Box::new(history));
        }
        let interrupt = Arc::new(AtomicBool::new(false));
        let flag = interrupt.clone();
        // Outside the editor's raw mode, Ctrl-C is a signal: it asks the
        // running entry to stop, and the session stays.
        let _ = ctrlc::set_handler(move || flag.store(true, Ordering::SeqCst));
        Editor { line, interrupt }
    }

    pub fn read(&mut self) -> Read {
        let read = self.line.read_line(&Prompts);
        // The history file is written after every entry, not only at exit.
        let _ = self.line.sync_history();
        match read {
            Ok(Signal::Success(text)) => Read::Entry(text),
            Ok(Signal::CtrlC) => Read::Cancelled,
            Ok(Signal::CtrlD) | Err(_) => Read::End,
        }
    }
}
