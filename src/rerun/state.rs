//! The execution state the local service keeps for one re-run, and the rules
//! by which checkpoint updates change it: the same checks the durable
//! execution service makes (id/type/name consistency, status transitions,
//! payload limits), so a handler that would be refused in AWS is refused here.
//!
//! Pure data: no I/O, no threads. The HTTP side lives in `service`.

use super::wire::{parse_ts, ts_secs, OperationUpdate, WireOp};
use crate::model::{OpStatus, OpType, Ts};
use serde_json::{json, Value};
use std::collections::HashMap;
use std::time::{SystemTime, UNIX_EPOCH};

/// Step results and other payloads: the service's documented maximum.
pub const MAX_PAYLOAD_BYTES: usize = 256 * 1024;
/// Error objects are limited separately by the service.
pub const MAX_ERROR_BYTES: usize = 32 * 1024;

/// A checkpoint the service refuses. `message` is what the SDK receives as
/// an InvalidParameterValueException; the JS SDK treats a message starting
/// with "Invalid Checkpoint Token" as retryable, everything else as fatal.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{message} (operation {id:?}, action {action:?})")]
pub struct Rejection {
    pub id: Option<String>,
    pub action: Option<String>,
    pub message: String,
}

fn reject(u: Option<&OperationUpdate>, message: impl Into<String>) -> Rejection {
    Rejection {
        id: u.map(|u| u.id.clone()),
        action: u.map(|u| u.action.clone()),
        message: message.into(),
    }
}

/// Wall time shifted by everything the re-run skipped (waits, retry
/// backoffs), so recorded timelines keep their shape without the waiting.
#[derive(Debug, Clone, Default)]
pub struct VirtualClock {
    skipped_micros: i64,
}

impl VirtualClock {
    pub fn now(&self) -> Ts {
        let real = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map(|d| d.as_micros() as i64)
            .unwrap_or(0);
        // Saturating: a handler asking for an absurd wait must not wrap time.
        Ts(real.saturating_add(self.skipped_micros))
    }

    /// Jump forward to `t` if it lies in the future.
    pub fn advance_to(&mut self, t: Ts) {
        let now = self.now();
        if t > now {
            self.skipped_micros = self
                .skipped_micros
                .saturating_add(t.0.saturating_sub(now.0));
        }
    }
}

/// One accepted update, kept in order: the checkpoint stream a history is
/// rebuilt from.
#[derive(Debug, Clone, PartialEq)]
pub struct LoggedUpdate {
    pub update: OperationUpdate,
    pub at: Ts,
    /// 0-based invocation that sent it.
    pub invocation: usize,
}

/// How the EXECUTION operation was closed by a checkpoint (large results go
/// this way instead of through the invocation output).
#[derive(Debug, Clone, PartialEq)]
pub struct ExecutionClose {
    pub status: OpStatus,
    pub payload: Option<String>,
    pub error: Option<Value>,
}

/// What a batch under validation changes, applied by `commit` only once
/// every update of it passed.
#[derive(Debug, Default)]
struct Staged {
    ops: Vec<WireOp>,
    index: HashMap<String, usize>,
    /// Callbacks started in this batch.
    callbacks: usize,
    exec: Option<(OpStatus, Ts, ExecutionClose)>,
    log: Vec<LoggedUpdate>,
}

impl Staged {
    fn put(&mut self, op: WireOp) {
        match self.index.get(&op.id) {
            Some(&i) => self.ops[i] = op,
            None => {
                self.index.insert(op.id.clone(), self.ops.len());
                self.ops.push(op);
            }
        }
    }
}

#[derive(Debug, Clone)]
pub struct ExecState {
    pub arn: String,
    pub exec_op: WireOp,
    ops: Vec<WireOp>,
    index: HashMap<String, usize>,
    /// Accepted updates in order (append only: `commit` keeps `op_log`).
    log: Vec<LoggedUpdate>,
    /// Operation id → its entries in `log`, so one operation's history is
    /// read without scanning the whole log.
    op_log: HashMap<String, Vec<usize>>,
    pub clock: VirtualClock,
    /// Callback id → operation id.
    callbacks: HashMap<String, String>,
    token_seq: u64,
    token: String,
    /// Operations changed outside a checkpoint (a callback answered through
    /// the API) that the next checkpoint response must report.
    changed_outside: Vec<String>,
    pub invocation: usize,
    pub execution_close: Option<ExecutionClose>,
    /// Every refused checkpoint, so the invoker can name a bogus handler.
    pub rejections: Vec<Rejection>,
    /// The last accepted batch: token it was sent with, its updates and the
    /// answer. A client retrying after a lost response gets the same answer.
    last_batch: Option<(String, Vec<OperationUpdate>, Value)>,
}

impl ExecState {
    /// `initial` is the state the handler starts from (recorded operations
    /// for a re-run from invocation k; empty for a fresh run).
    pub fn new(arn: String, exec_op: WireOp, initial: Vec<WireOp>) -> ExecState {
        let mut s = ExecState {
            arn,
            exec_op,
            ops: Vec::new(),
            index: HashMap::new(),
            log: Vec::new(),
            op_log: HashMap::new(),
            clock: VirtualClock::default(),
            callbacks: HashMap::new(),
            token_seq: 0,
            token: String::new(),
            changed_outside: Vec::new(),
            invocation: 0,
            execution_close: None,
            rejections: Vec::new(),
            last_batch: None,
        };
        for op in initial {
            s.put(op);
        }
        s.new_token();
        s
    }

    fn new_token(&mut self) -> String {
        self.token_seq += 1;
        self.token = format!("ckpt-{}-{}", self.invocation, self.token_seq);
        self.token.clone()
    }

    /// The token the next invocation starts with.
    pub fn begin_invocation(&mut self, invocation: usize) -> String {
        self.invocation = invocation;
        self.last_batch = None;
        self.new_token()
    }

    fn put(&mut self, op: WireOp) {
        if let Some(cb) = op
            .callback_details
            .as_ref()
            .and_then(|d| d.get("CallbackId"))
            .and_then(Value::as_str)
        {
            self.callbacks.insert(cb.to_string(), op.id.clone());
        }
        match self.index.get(&op.id) {
            Some(&i) => self.ops[i] = op,
            None => {
                self.index.insert(op.id.clone(), self.ops.len());
                self.ops.push(op);
            }
        }
    }

    pub fn get(&self, id: &str) -> Option<&WireOp> {
        self.index.get(id).map(|&i| &self.ops[i])
    }

    /// Every operation except the EXECUTION one, in first-checkpoint order.
    pub fn operations(&self) -> &[WireOp] {
        &self.ops
    }

    /// The full state as GetDurableExecutionState pages it: EXECUTION first.
    pub fn all_with_execution(&self) -> Vec<WireOp> {
        let mut v = Vec::with_capacity(self.ops.len() + 1);
        v.push(self.exec_op.clone());
        v.extend(self.ops.iter().cloned());
        v
    }

    pub fn op_for_callback(&self, callback_id: &str) -> Option<&str> {
        self.callbacks.get(callback_id).map(String::as_str)
    }

    /// Apply one CheckpointDurableExecution call. All-or-nothing: a refused
    /// update leaves the state untouched, as the service does.
    pub fn checkpoint(
        &mut self,
        token: &str,
        updates: &[OperationUpdate],
    ) -> Result<Value, Rejection> {
        if let Some((t, u, answer)) = &self.last_batch {
            if t == token && u.as_slice() == updates {
                return Ok(answer.clone());
            }
        }
        if token != self.token {
            let r = reject(
                None,
                format!("Invalid Checkpoint Token: {token:?} is not the current token"),
            );
            self.rejections.push(r.clone());
            return Err(r);
        }
        // Validate the whole batch against the state plus what the batch
        // itself staged, then commit: the work is the batch's, not the
        // history's (no copy of the state per checkpoint).
        let mut staged = Staged::default();
        if let Err(r) = self.stage_batch(updates, &mut staged) {
            self.rejections.push(r.clone());
            return Err(r);
        }
        let mut changed: Vec<String> = std::mem::take(&mut self.changed_outside);
        changed.extend(staged.log.iter().map(|l| l.update.id.clone()));
        self.commit(staged);
        let mut seen = std::collections::HashSet::new();
        let ops: Vec<WireOp> = changed
            .iter()
            .filter(|id| seen.insert(id.as_str()))
            .filter_map(|id| self.get(id).cloned())
            .collect();
        let new_token = self.new_token();
        let answer =
            json!({"CheckpointToken": new_token, "NewExecutionState": {"Operations": ops}});
        self.last_batch = Some((token.to_string(), updates.to_vec(), answer.clone()));
        Ok(answer)
    }

    /// Apply what a validated batch staged.
    fn commit(&mut self, staged: Staged) {
        for op in staged.ops {
            self.put(op);
        }
        if let Some((status, end, close)) = staged.exec {
            self.exec_op.status = status.as_str().into();
            self.exec_op.end_timestamp = Some(ts_secs(end));
            self.execution_close = Some(close);
        }
        for l in staged.log {
            self.op_log
                .entry(l.update.id.clone())
                .or_default()
                .push(self.log.len());
            self.log.push(l);
        }
    }

    /// The accepted updates of operation `id`, in order.
    pub fn log_of(&self, id: &str) -> Vec<&LoggedUpdate> {
        self.op_log
            .get(id)
            .map(|ix| ix.iter().map(|&i| &self.log[i]).collect())
            .unwrap_or_default()
    }

    /// Where `id` stands in first-checkpoint order.
    pub fn position(&self, id: &str) -> Option<usize> {
        self.index.get(id).copied()
    }

    /// An operation as the batch being validated sees it: staged first.
    fn staged_get<'a>(&'a self, staged: &'a Staged, id: &str) -> Option<&'a WireOp> {
        match staged.index.get(id) {
            Some(&i) => Some(&staged.ops[i]),
            None => self.get(id),
        }
    }

    fn stage_batch(
        &self,
        updates: &[OperationUpdate],
        staged: &mut Staged,
    ) -> Result<(), Rejection> {
        let exec_count = updates.iter().filter(|u| u.op_type == "EXECUTION").count();
        if exec_count > 1 {
            return Err(reject(
                None,
                "Cannot checkpoint multiple EXECUTION updates.",
            ));
        }
        if exec_count == 1 && updates.last().map(|u| u.op_type.as_str()) != Some("EXECUTION") {
            return Err(reject(
                None,
                "EXECUTION checkpoint must be the last update.",
            ));
        }
        let mut last_in_batch: HashMap<&str, &OperationUpdate> = HashMap::new();
        for u in updates {
            if let Some(prev) = last_in_batch.get(u.id.as_str()) {
                let allowed = matches!(prev.op_type.as_str(), "STEP" | "CONTEXT")
                    && prev.action == "START"
                    && u.action != "START";
                if !allowed {
                    return Err(reject(
                        Some(u),
                        "Cannot checkpoint multiple operations with the same ID.",
                    ));
                }
            }
            last_in_batch.insert(&u.id, u);
            self.stage(u, staged)?;
        }
        Ok(())
    }

    fn stage(&self, u: &OperationUpdate, staged: &mut Staged) -> Result<(), Rejection> {
        let now = self.clock.now();
        let Some(op_type) = u.op_type() else {
            return Err(reject(
                Some(u),
                format!("Unknown operation type {:?}.", u.op_type),
            ));
        };
        let valid_actions: &[&str] = match op_type {
            OpType::Step => &["START", "SUCCEED", "FAIL", "RETRY"],
            OpType::Wait => &["START", "CANCEL"],
            OpType::Callback => &["START"],
            OpType::ChainedInvoke => &["START"],
            OpType::Context => &["START", "SUCCEED", "FAIL"],
            OpType::Execution => &["SUCCEED", "FAIL"],
        };
        if !valid_actions.contains(&u.action.as_str()) {
            return Err(reject(
                Some(u),
                format!(
                    "Invalid action {} for operation type {}.",
                    u.action, u.op_type
                ),
            ));
        }
        if let Some(p) = &u.payload {
            if p.len() > MAX_PAYLOAD_BYTES {
                return Err(reject(
                    Some(u),
                    format!(
                        "Payload size {} bytes exceeds the maximum of {MAX_PAYLOAD_BYTES} bytes.",
                        p.len()
                    ),
                ));
            }
        }
        if let Some(e) = &u.error {
            let n = e.to_string().len();
            if n > MAX_ERROR_BYTES {
                return Err(reject(
                    Some(u),
                    format!("Error object size must be less than {MAX_ERROR_BYTES} bytes."),
                ));
            }
        }
        if u.action == "FAIL" && u.payload.is_some() {
            return Err(reject(Some(u), "Cannot provide a Payload for FAIL action."));
        }
        if u.action == "SUCCEED" && u.error.is_some() {
            return Err(reject(
                Some(u),
                "Cannot provide an Error for SUCCEED action.",
            ));
        }
        if op_type == OpType::Execution {
            let status = if u.action == "SUCCEED" {
                OpStatus::Succeeded
            } else {
                OpStatus::Failed
            };
            let close = ExecutionClose {
                status,
                payload: u.payload.clone(),
                error: u.error.clone(),
            };
            staged.exec = Some((status, now, close));
            staged.log.push(self.logged(u, now));
            return Ok(());
        }
        let parent = u.parent_id.as_deref().filter(|p| *p != self.exec_op.id);
        if let Some(p) = parent {
            match self.staged_get(staged, p) {
                Some(po) if po.op_type == "CONTEXT" => {}
                Some(_) => {
                    return Err(reject(
                        Some(u),
                        "Invalid parent operation id: the parent is not a CONTEXT.",
                    ))
                }
                None => {
                    return Err(reject(
                        Some(u),
                        "Invalid parent operation id: no such operation.",
                    ))
                }
            }
        }
        let current = self.staged_get(staged, &u.id).cloned();
        if let Some(cur) = &current {
            if cur.op_type != u.op_type {
                return Err(reject(
                    Some(u),
                    format!(
                        "Inconsistent operation type: {} was {}.",
                        u.op_type, cur.op_type
                    ),
                ));
            }
            if u.sub_type.is_some() && u.sub_type != cur.sub_type {
                return Err(reject(Some(u), "Inconsistent operation subtype."));
            }
            if u.name.is_some() && u.name != cur.name {
                return Err(reject(
                    Some(u),
                    format!(
                        "Inconsistent operation name: {:?} was {:?}.",
                        u.name, cur.name
                    ),
                ));
            }
            if u.parent_id.is_some() && u.parent_id != cur.parent_id {
                return Err(reject(Some(u), "Inconsistent parent operation id."));
            }
        }
        let cur_status = current.as_ref().and_then(WireOp::status);
        let transition_ok = match (op_type, u.action.as_str()) {
            (OpType::Step, "START") => current.is_none() || cur_status == Some(OpStatus::Ready),
            (OpType::Step, "SUCCEED" | "FAIL" | "RETRY") => {
                current.is_none() || matches!(cur_status, Some(OpStatus::Started | OpStatus::Ready))
            }
            (OpType::Context, "SUCCEED" | "FAIL") => {
                current.is_none() || cur_status == Some(OpStatus::Started)
            }
            (OpType::Wait, "CANCEL") => cur_status == Some(OpStatus::Started),
            (_, "START") => current.is_none(),
            _ => false,
        };
        if !transition_ok {
            let msg = match &current {
                Some(c) => format!(
                    "Invalid transition: {} {} of an operation that is {}.",
                    u.op_type, u.action, c.status
                ),
                None => format!(
                    "Invalid transition: {} {} of an operation that does not exist.",
                    u.op_type, u.action
                ),
            };
            return Err(reject(Some(u), msg));
        }
        let op = self.next_op(u, current, op_type, now, staged);
        staged.put(op);
        staged.log.push(self.logged(u, now));
        Ok(())
    }

    fn logged(&self, u: &OperationUpdate, at: Ts) -> LoggedUpdate {
        LoggedUpdate {
            update: u.clone(),
            at,
            invocation: self.invocation,
        }
    }

    /// The operation after an accepted update.
    fn next_op(
        &self,
        u: &OperationUpdate,
        current: Option<WireOp>,
        op_type: OpType,
        now: Ts,
        staged: &mut Staged,
    ) -> WireOp {
        let mut op = current.unwrap_or_else(|| WireOp {
            id: u.id.clone(),
            parent_id: u.parent_id.clone(),
            name: u.name.clone(),
            op_type: u.op_type.clone(),
            sub_type: u.sub_type.clone(),
            status: OpStatus::Started.as_str().into(),
            start_timestamp: Some(ts_secs(now)),
            ..WireOp::default()
        });
        let status = match u.action.as_str() {
            "START" => OpStatus::Started,
            "SUCCEED" => OpStatus::Succeeded,
            "FAIL" => OpStatus::Failed,
            "RETRY" => OpStatus::Pending,
            _ => OpStatus::Cancelled,
        };
        op.status = status.as_str().into();
        if status.is_terminal() {
            op.end_timestamp = Some(ts_secs(now));
        }
        let mut details = op.details().clone().unwrap_or_else(|| json!({}));
        if let Some(p) = &u.payload {
            details["Result"] = Value::from(p.clone());
        }
        if let Some(e) = &u.error {
            details["Error"] = e.clone();
        }
        match op_type {
            OpType::Step => {
                let attempt = details.get("Attempt").and_then(Value::as_u64).unwrap_or(0);
                if u.action != "START" {
                    details["Attempt"] = Value::from(attempt + 1);
                } else {
                    details["Attempt"] = Value::from(attempt);
                }
                if u.action == "RETRY" {
                    let delay = u
                        .step_options
                        .as_ref()
                        .and_then(|o| o.get("NextAttemptDelaySeconds"))
                        .and_then(Value::as_f64)
                        .unwrap_or(0.0);
                    details["NextAttemptTimestamp"] =
                        ts_secs(Ts(now.0.saturating_add((delay * 1e6) as i64)));
                }
                op.step_details = Some(details);
            }
            OpType::Wait => {
                if u.action == "START" {
                    let secs = u
                        .wait_options
                        .as_ref()
                        .and_then(|o| o.get("WaitSeconds"))
                        .and_then(Value::as_f64)
                        .unwrap_or(0.0);
                    details["ScheduledEndTimestamp"] =
                        ts_secs(Ts(now.0.saturating_add((secs * 1e6) as i64)));
                }
                op.wait_details = Some(details);
            }
            OpType::Callback => {
                // Numbered as if each staged callback were already in:
                // `put` registers it on commit.
                staged.callbacks += 1;
                let cb = format!(
                    "cb-{}-{}",
                    self.invocation,
                    self.callbacks.len() + staged.callbacks
                );
                details["CallbackId"] = Value::from(cb);
                op.callback_details = Some(details);
            }
            OpType::ChainedInvoke => op.chained_invoke_details = Some(details),
            OpType::Context => {
                if let Some(rc) = u
                    .context_options
                    .as_ref()
                    .and_then(|o| o.get("ReplayChildren"))
                {
                    details["ReplayChildren"] = rc.clone();
                }
                op.context_details = Some(details);
            }
            OpType::Execution => {}
        }
        op
    }

    /// Complete an operation outside a checkpoint: a wait's timer, a retry's
    /// backoff, a callback answer, a chained invoke's result.
    pub fn complete(
        &mut self,
        id: &str,
        status: OpStatus,
        result: Option<String>,
        error: Option<Value>,
    ) -> bool {
        let Some(&i) = self.index.get(id) else {
            return false;
        };
        let now = self.clock.now();
        let op = &mut self.ops[i];
        op.status = status.as_str().into();
        if status.is_terminal() {
            op.end_timestamp = Some(ts_secs(now));
        }
        let slot = match op.op_type() {
            Some(OpType::Step) => &mut op.step_details,
            Some(OpType::Wait) => &mut op.wait_details,
            Some(OpType::Callback) => &mut op.callback_details,
            Some(OpType::ChainedInvoke) => &mut op.chained_invoke_details,
            Some(OpType::Context) => &mut op.context_details,
            _ => &mut op.execution_details,
        };
        let details = slot.get_or_insert_with(|| json!({}));
        if let Some(r) = result {
            details["Result"] = Value::from(r);
        }
        if let Some(e) = error {
            details["Error"] = e;
        }
        self.changed_outside.push(id.to_string());
        true
    }

    /// Operations waiting on time: a started wait ends at its scheduled end,
    /// a pending retry becomes ready at its next attempt time.
    pub fn timers(&self) -> Vec<(String, Option<Ts>)> {
        self.ops
            .iter()
            .filter_map(|o| match (o.op_type(), o.status()) {
                (Some(OpType::Wait), Some(OpStatus::Started)) => Some((
                    o.id.clone(),
                    o.wait_details
                        .as_ref()
                        .and_then(|d| d.get("ScheduledEndTimestamp"))
                        .and_then(parse_ts),
                )),
                (Some(OpType::Step), Some(OpStatus::Pending)) => Some((
                    o.id.clone(),
                    o.step_details
                        .as_ref()
                        .and_then(|d| d.get("NextAttemptTimestamp"))
                        .and_then(parse_ts),
                )),
                _ => None,
            })
            .collect()
    }

    /// Callbacks and chained invokes still waiting for an outside answer.
    pub fn awaiting_answer(&self) -> Vec<WireOp> {
        self.ops
            .iter()
            .filter(|o| {
                matches!(o.op_type(), Some(OpType::Callback | OpType::ChainedInvoke))
                    && o.status() == Some(OpStatus::Started)
            })
            .cloned()
            .collect()
    }
}

#[cfg(test)]
#[path = "state_tests.rs"]
mod tests;
