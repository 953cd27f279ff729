//! HTTP tests: the real router on a fresh database per test.

// Test code may index into JSON answers: a missing key fails the test, which is the point.
#![allow(clippy::indexing_slicing)]

mod accounts;
mod authorization;
mod delivery;
mod export;
mod findings;
mod helpers;
mod models;
mod openapi;
mod privacy;
mod security;
mod shell;
mod tasks;
