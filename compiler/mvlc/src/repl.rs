//! `mvlc repl`: an interactive session.
//!
//! The session is a program that grows: items (`fn`, `struct`, `enum`,
//! `impl`, `const`) are added to its top level, statements to the body of
//! its `main`. Each input is compiled together with everything entered
//! before; if it compiles, the whole program runs again on a fresh VM and
//! only the output the new input produced is shown. An expression's value is
//! printed unless it is `()`. An input that does not compile, or fails at run
//! time, is reported and forgotten, so the session stays usable.
//!
//! Re-running is the simple, honest way to keep every earlier definition in
//! scope; it means earlier statements run again (their output is not shown
//! twice). A future session will keep the VM's state instead.

use crate::db::{self, Database};
use crate::render;
use mvm_runtime::{CaptureHost, Outcome, VmConfig};

/// One interactive session.
#[derive(Default)]
pub struct Repl {
    items: Vec<String>,
    statements: Vec<String>,
    /// How many bytes of the program's output were already shown.
    shown: usize,
    /// A counter naming the values of expressions (`__it3`).
    next: usize,
}

/// What the session shows after one input.
#[derive(Debug, PartialEq, Eq)]
pub struct Reply {
    /// The program's new output.
    pub output: String,
    /// Diagnostics or a runtime error, for stderr.
    pub errors: String,
}

const ITEM_KEYWORDS: &[&str] = &[
    "fn ", "struct ", "enum ", "impl ", "impl<", "const ", "import ",
];

/// Whether `text` is complete: its brackets balance outside strings and
/// comments (a session waits for more lines otherwise).
pub fn is_complete(text: &str) -> bool {
    let (tokens, _) = mvl_syntax::lexer::lex(text);
    let mut depth: i64 = 0;
    for (_, t, _) in &tokens {
        use mvl_syntax::lexer::Tok;
        match t {
            Tok::LParen | Tok::LBrace | Tok::LBracket | Tok::StrStart(_) => depth += 1,
            Tok::RParen | Tok::RBrace | Tok::RBracket | Tok::StrEnd(_) => depth -= 1,
            _ => {}
        }
    }
    depth <= 0
}

impl Repl {
    pub fn new() -> Repl {
        Repl::default()
    }

    /// The program the session would run with `extra` items and statements.
    fn program(&self, item: Option<&str>, statement: Option<&str>) -> String {
        let mut text = String::new();
        for i in self.items.iter().map(|s| s.as_str()).chain(item) {
            text.push_str(i);
            text.push('\n');
        }
        text.push_str("fn main() {\n");
        for s in self.statements.iter().map(|s| s.as_str()).chain(statement) {
            text.push_str(s);
            text.push('\n');
        }
        text.push_str("}\n");
        text
    }

    /// Evaluates one complete input.
    pub fn eval(&mut self, input: &str) -> Reply {
        let input = input.trim();
        if input.is_empty() {
            return Reply {
                output: String::new(),
                errors: String::new(),
            };
        }
        if input.starts_with("fn main(") {
            return Reply {
                output: String::new(),
                errors: "error: a session has its own `main`: enter statements directly\n"
                    .to_string(),
            };
        }
        let is_item = ITEM_KEYWORDS.iter().any(|k| input.starts_with(k));
        let statement = if is_item {
            None
        } else if input.ends_with(';')
            || input.ends_with('}')
            || input.starts_with("let ")
            || input.starts_with("var ")
        {
            Some(input.to_string())
        } else {
            // An expression: its value is shown unless it is `()`.
            let name = format!("__it{}", self.next);
            Some(format!(
                "let {name} = ({input});\nif reflect::type_of({name}) != \"()\" {{ println({name}); }}"
            ))
        };
        let item = if is_item { Some(input) } else { None };
        let text = self.program(item, statement.as_deref());

        let mut db = Database::default();
        let program = db.program("<repl>", text);
        let module = db::compile(&db, program).clone();
        let diagnostics = db::diagnostics(&db, program);
        let errors = if diagnostics.is_empty() {
            String::new()
        } else {
            render::render(&db, &diagnostics, false)
        };
        let Some(module) = module.filter(|_| !diagnostics.iter().any(|d| d.is_error())) else {
            return Reply {
                output: String::new(),
                errors,
            };
        };
        let natives = mvl_stdlib::registry();
        let mut host = CaptureHost::default();
        let config = VmConfig {
            fuel: Some(100_000_000),
            ..VmConfig::default()
        };
        let outcome = mvm_runtime::run_module((*module).clone(), &natives, config, &mut host);
        let new_output =
            String::from_utf8_lossy(host.stdout.get(self.shown..).unwrap_or_default()).into_owned();
        match outcome {
            Ok(Outcome::Finished) | Ok(Outcome::Exit(_)) => {
                self.shown = host.stdout.len();
                match (item, statement) {
                    (Some(i), _) => self.items.push(i.to_string()),
                    (None, Some(s)) => {
                        self.statements.push(s);
                        self.next += 1;
                    }
                    (None, None) => {}
                }
                Reply {
                    output: new_output,
                    errors,
                }
            }
            Ok(Outcome::Error(e)) => Reply {
                output: new_output,
                errors: format!("{errors}{e}"),
            },
            Err(e) => Reply {
                output: new_output,
                errors: format!(
                    "{errors}mvlc: internal error: the session's program does not load: {e}\n"
                ),
            },
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_session_remembers_and_shows_only_new_output() {
        let mut r = Repl::new();
        assert_eq!(r.eval("let x = 40;").output, "");
        assert_eq!(r.eval("fn inc(n) { n + 1 }").output, "");
        assert_eq!(r.eval("println(\"hi\");").output, "hi\n");
        assert_eq!(r.eval("inc(inc(x))").output, "42\n");
        assert_eq!(r.eval("println(\"again\")").output, "again\n");
    }

    #[test]
    fn errors_are_reported_and_forgotten() {
        let mut r = Repl::new();
        let reply = r.eval("let y: Int = \"no\";");
        assert!(reply.errors.contains("E0201"), "{}", reply.errors);
        let reply = r.eval("1 / 0");
        assert!(
            reply.errors.contains("division by zero"),
            "{}",
            reply.errors
        );
        assert_eq!(r.eval("1 + 1").output, "2\n");
        // A syntax error is reported alone (the parser recovers, but reports
        // nothing more about the broken input) and forgotten too.
        let reply = r.eval("let z = (1 + ;");
        assert!(reply.errors.contains("E0001"), "{}", reply.errors);
        assert!(reply.errors.contains("1 error\n"), "{}", reply.errors);
        assert!(r.eval("z").errors.contains("E0101"));
        assert_eq!(r.eval("2 + 2").output, "4\n");
    }

    #[test]
    fn completeness_follows_brackets() {
        assert!(is_complete("fn f() { 1 }"));
        assert!(!is_complete("fn f() {"));
        assert!(is_complete("\"\\{\""));
        assert!(!is_complete("\"{"));
        assert!(is_complete("println(\"}\")"));
    }
}
