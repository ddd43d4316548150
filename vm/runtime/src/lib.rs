//! The MVM runtime.
