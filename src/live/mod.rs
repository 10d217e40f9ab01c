//! Executions read straight from the durable execution service (AWS, or the
//! official local service): which arguments name one ([`source`], always
//! built), and, behind the `aws` feature, the client that fetches them with
//! the official AWS SDK for Rust and feeds the history pages to the same
//! loader a file goes through, so everything downstream is unchanged.

pub mod source;

#[cfg(feature = "aws")]
mod act;
#[cfg(feature = "aws")]
mod client;
#[cfg(feature = "aws")]
mod error;
#[cfg(feature = "aws")]
mod follow;
#[cfg(feature = "aws")]
mod history;
#[cfg(feature = "aws")]
mod list;

#[cfg(feature = "aws")]
pub use act::{pending_callback, CallbackAnswer};
#[cfg(feature = "aws")]
pub use client::{Service, ServiceConfig};
#[cfg(feature = "aws")]
pub use error::LiveError;
#[cfg(feature = "aws")]
pub use follow::{Follower, Polled};
#[cfg(feature = "aws")]
pub use history::{ExecutionInfo, FetchOptions, FetchProgress};
#[cfg(feature = "aws")]
pub use list::{FunctionRef, ListFilter};
