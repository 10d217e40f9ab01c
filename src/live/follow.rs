//! Following a running execution: after the first fetch, each poll asks
//! only for the history from the page that held the last event read (the
//! page token that fetched it), keeps the events after it, and rebuilds
//! the history from every page read so far with the same loader; it stops
//! when GetDurableExecution says the execution ended, and waits longer
//! between polls while nothing happens.

use super::client::Service;
use super::error::LiveError;
use super::history::{load_pages, FetchOptions, Pages};
use crate::model::History;
use std::time::Duration;

/// The first and the longest pause between polls.
pub const FIRST_PAUSE: Duration = Duration::from_millis(500);
pub const LONGEST_PAUSE: Duration = Duration::from_secs(20);

pub struct Follower<'s> {
    svc: &'s Service,
    arn: String,
    pages: Pages,
    pause: Duration,
    ended: bool,
    status: String,
}

/// What one poll found.
pub struct Polled {
    /// The history with the new events, when there were any.
    pub history: Option<History>,
    /// The execution has ended: no later poll can find more.
    pub ended: bool,
    /// The service's status of the execution (RUNNING, SUCCEEDED, ...).
    pub status: String,
}

impl<'s> Follower<'s> {
    /// Fetch the whole history once.
    pub fn start(
        svc: &'s Service,
        arn: &str,
        opts: &FetchOptions,
    ) -> Result<(Follower<'s>, History), LiveError> {
        let info = svc.describe(arn, opts.cancel)?;
        let pages = svc.pages(arn, None, 0, opts)?;
        let history = load_pages(arn, &pages.docs)?;
        let f = Follower {
            svc,
            arn: arn.to_string(),
            pages,
            pause: FIRST_PAUSE,
            ended: !info.running,
            status: info.status,
        };
        Ok((f, history))
    }

    pub fn ended(&self) -> bool {
        self.ended
    }

    pub fn status(&self) -> &str {
        &self.status
    }

    /// How long to wait before the next poll: doubles while polls find
    /// nothing, back to the first pause when one does.
    pub fn pause(&self) -> Duration {
        self.pause
    }

    /// Wait [`Follower::pause`] (cut short by `opts.cancel`), then poll.
    pub fn wait_and_poll(&mut self, opts: &FetchOptions) -> Result<Polled, LiveError> {
        self.svc.pause(self.pause, opts.cancel);
        if opts
            .cancel
            .is_some_and(|c| c.load(std::sync::atomic::Ordering::Relaxed))
        {
            return Err(LiveError::Cancelled {
                what: self.arn.clone(),
            });
        }
        self.poll(opts)
    }

    /// Ask once for events after the last one read.
    pub fn poll(&mut self, opts: &FetchOptions) -> Result<Polled, LiveError> {
        // The status first: events written before it said "ended" are then
        // all in the pages read after it.
        let info = self.svc.describe(&self.arn, opts.cancel)?;
        let new = self.svc.pages(
            &self.arn,
            self.pages.last_marker.clone(),
            self.pages.last_event,
            opts,
        )?;
        let history = if new.docs.is_empty() {
            self.pause = (self.pause * 2).min(LONGEST_PAUSE);
            None
        } else {
            self.pages.docs.extend(new.docs);
            self.pages.last_event = new.last_event;
            self.pages.last_marker = new.last_marker;
            self.pause = FIRST_PAUSE;
            Some(load_pages(&self.arn, &self.pages.docs)?)
        };
        self.ended = !info.running;
        self.status = info.status.clone();
        Ok(Polled {
            history,
            ended: self.ended,
            status: info.status,
        })
    }
}
