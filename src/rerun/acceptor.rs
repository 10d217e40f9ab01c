//! Keeps the service's port accepting while every connection still gets a
//! read timeout.
//!
//! tiny_http has no read timeout of its own, so the listener carries
//! SO_RCVTIMEO, which Linux copies to each accepted socket. But SO_RCVTIMEO
//! also bounds `accept` itself: after that long without a new connection
//! tiny_http's accept thread gets EAGAIN and ends, and with it the port.
//! Here a copy of the listening socket keeps the port (and its backlog)
//! open, and each time a tiny_http server's accept thread ends a new server
//! takes over accepting on the same socket. The old server is still asked
//! for requests until its connections (which it alone reads) can no longer
//! send any.

use std::net::TcpListener;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};
use std::thread::JoinHandle;
use std::time::Duration;

/// Called on a thread of its own for every request.
pub(crate) type Serve = Arc<dyn Fn(tiny_http::Request) + Send + Sync>;

#[derive(Default)]
struct Servers {
    stopping: bool,
    live: Vec<Arc<tiny_http::Server>>,
    threads: Vec<JoinHandle<()>>,
}

struct Inner {
    /// Holds the port open between one server's accept thread ending and
    /// the next one's starting: connections wait in the backlog meanwhile.
    socket: TcpListener,
    /// How long a connection may send nothing (the sockets' SO_RCVTIMEO).
    idle: Duration,
    serve: Serve,
    servers: Mutex<Servers>,
}

/// Accepts on a listening socket until dropped.
pub(crate) struct Acceptor {
    inner: Arc<Inner>,
}

fn lock(m: &Mutex<Servers>) -> MutexGuard<'_, Servers> {
    m.lock().unwrap_or_else(|p| p.into_inner())
}

impl Acceptor {
    /// Serve `socket` (which already carries SO_RCVTIMEO = `idle`).
    pub(crate) fn start(
        socket: TcpListener,
        idle: Duration,
        serve: Serve,
    ) -> std::io::Result<Self> {
        let inner = Arc::new(Inner {
            socket,
            idle,
            serve,
            servers: Mutex::new(Servers::default()),
        });
        start_server(&inner)?;
        Ok(Acceptor { inner })
    }
}

/// A new tiny_http server accepting on a copy of the socket, with a thread
/// taking its requests. Does nothing once stopping.
fn start_server(inner: &Arc<Inner>) -> std::io::Result<()> {
    let mut servers = lock(&inner.servers);
    if servers.stopping {
        return Ok(());
    }
    let server = tiny_http::Server::from_listener(inner.socket.try_clone()?, None)
        .map_err(std::io::Error::other)?;
    let server = Arc::new(server);
    let (srv, inn) = (server.clone(), inner.clone());
    let thread = std::thread::Builder::new()
        .name("rerun-service".into())
        .spawn(move || take_requests(&inn, &srv))?;
    servers.live.push(server);
    servers.threads.retain(|t| !t.is_finished());
    servers.threads.push(thread);
    Ok(())
}

/// Hands each of `server`'s requests to `serve`. When its accept thread
/// ends, starts the next server, and goes on until none of its connections
/// can still send a request.
fn take_requests(inner: &Arc<Inner>, server: &Arc<tiny_http::Server>) {
    let pending = Arc::new(AtomicUsize::new(0));
    let finished = Arc::new(AtomicUsize::new(0));
    let mut replaced = false;
    // After a window this long with no request received or answered, every
    // connection of a replaced server has been silent past its read
    // timeout, so tiny_http has closed it.
    let window = inner.idle * 3;
    loop {
        let answered_before = finished.load(Ordering::SeqCst);
        match server.recv_timeout(window) {
            Ok(Some(req)) => {
                pending.fetch_add(1, Ordering::SeqCst);
                let (serve, in_flight, answered) =
                    (inner.serve.clone(), pending.clone(), finished.clone());
                // One thread per request: a checkpoint held by the gate
                // must not block state reads or callback calls.
                let spawned = std::thread::Builder::new()
                    .name("rerun-request".into())
                    .spawn(move || {
                        serve(req);
                        answered.fetch_add(1, Ordering::SeqCst);
                        in_flight.fetch_sub(1, Ordering::SeqCst);
                    });
                if spawned.is_err() {
                    pending.fetch_sub(1, Ordering::SeqCst);
                }
            }
            // Nothing in the window, or unblocked by the drop.
            Ok(None) => {
                if lock(&inner.servers).stopping {
                    break;
                }
                let quiet = finished.load(Ordering::SeqCst) == answered_before
                    && pending.load(Ordering::SeqCst) == 0;
                if replaced && quiet {
                    break;
                }
            }
            // The accept thread ended: on a timeout (EAGAIN) that is the
            // listener's SO_RCVTIMEO; any other failure (a full fd table,
            // an aborted connection) ended it too, and a new one retries.
            Err(e) => {
                if !replaced {
                    replaced = true;
                    let timed_out = matches!(
                        e.kind(),
                        std::io::ErrorKind::WouldBlock | std::io::ErrorKind::TimedOut
                    );
                    if !timed_out {
                        // Not a busy loop when accept fails at once.
                        std::thread::sleep(Duration::from_millis(50));
                    }
                    if start_server(inner).is_err() {
                        // Nothing can accept any more; keep serving the
                        // connections this server has.
                    }
                }
            }
        }
    }
    lock(&inner.servers)
        .live
        .retain(|s| !Arc::ptr_eq(s, server));
}

impl Drop for Acceptor {
    fn drop(&mut self) {
        let threads = {
            let mut servers = lock(&self.inner.servers);
            servers.stopping = true;
            for s in &servers.live {
                s.unblock();
            }
            std::mem::take(&mut servers.threads)
        };
        for t in threads {
            let _ = t.join();
        }
    }
}
