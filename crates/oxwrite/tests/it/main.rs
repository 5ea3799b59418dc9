//! The binary's integration tests, in one test binary: one link instead of seven, which keeps
//! the debug build small and fast to link. Each module is one area, run through HTTP against a
//! real server on port 0 (see `oxwrite-testkit`).

mod api;
mod architecture;
mod events;
mod functions;
mod realtime;
mod storage;
mod webhooks;
